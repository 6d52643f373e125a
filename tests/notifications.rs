//! Keyspace notifications: off by default, classes filter, expired keys announced
//! whether reclaimed lazily or by the sweeper, transactions announce on commit only.
//! (Event names and order are checked against Redis in tests/oracle.rs.)

use std::time::Duration;

use embedis::{Error, KeyspaceEvents, ManualClock, Message, Store, Subscription};

fn events(sub: &Subscription) -> Vec<(String, String)> {
    sub.iter_pending()
        .map(|m: Message| {
            (
                String::from_utf8(m.channel.to_vec()).unwrap(),
                String::from_utf8(m.payload.to_vec()).unwrap(),
            )
        })
        .collect()
}

fn pair(channel: &str, payload: &str) -> (String, String) {
    (channel.to_owned(), payload.to_owned())
}

#[test]
fn nothing_is_published_unless_enabled() {
    let store = Store::new();
    let sub = store.pubsub().psubscribe(["__key*__:*"]);
    store.strings().set("k", "v").unwrap();
    store.lists().rpush("l", ["x"]).unwrap();
    assert!(events(&sub).is_empty());
    // Classes without K or E publish nothing either.
    store.set_notify_keyspace_events(KeyspaceEvents::parse("A").unwrap());
    store.strings().set("k", "v").unwrap();
    assert!(events(&sub).is_empty());
    store.set_notify_keyspace_events(KeyspaceEvents::parse("E$").unwrap());
    store.strings().set("k", "w").unwrap();
    assert_eq!(events(&sub), [pair("__keyevent@0__:set", "k")]);
}

#[test]
fn classes_filter_what_is_published() {
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("Kl").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__key*__:*"]);
    store.strings().set("s", "v").unwrap();
    store.lists().rpush("l", ["x"]).unwrap();
    store.keys().del(["l"]).unwrap();
    assert_eq!(events(&sub), [pair("__keyspace@0__:l", "rpush")]);
    assert_eq!(KeyspaceEvents::parse("KQ"), Err(Error::InvalidEventClass));
}

#[test]
fn expired_keys_are_announced_once_whoever_reclaims_them() {
    let clock = ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .active_expiry(false)
        .notify_keyspace_events(KeyspaceEvents::parse("Ex").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@*__:expired"]);
    let strings = store.strings();
    strings
        .setex("by-sweeper", Duration::from_secs(1), "v")
        .unwrap();
    strings
        .setex("by-write", Duration::from_secs(1), "v")
        .unwrap();
    clock.advance(Duration::from_secs(2));
    // A write reaching an expired key reclaims it at once...
    strings.set("by-write", "new").unwrap();
    assert_eq!(events(&sub), [pair("__keyevent@0__:expired", "by-write")]);
    // ...and the sweep reclaims the one nobody touches.
    store.purge_expired();
    assert_eq!(events(&sub), [pair("__keyevent@0__:expired", "by-sweeper")]);
    store.purge_expired();
    assert!(events(&sub).is_empty(), "announced once");
}

#[test]
fn a_transaction_announces_its_events_on_commit_and_none_on_rollback() {
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("E$g").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@*"]);
    store.strings().set("a", "10").unwrap();
    events(&sub);
    store
        .transaction(["a", "b"], |tx| {
            tx.strings().decrby("a", 3)?;
            tx.strings().incrby("b", 3)
        })
        .unwrap();
    assert_eq!(
        events(&sub),
        [
            pair("__keyevent@0__:incrby", "a"),
            pair("__keyevent@0__:incrby", "b")
        ]
    );
    let r = store.transaction(["a"], |tx| {
        tx.strings().set("a", "x")?;
        Err::<(), _>(Error::Syntax)
    });
    assert_eq!(r, Err(Error::Syntax));
    assert!(
        events(&sub).is_empty(),
        "a rolled-back transaction announced something"
    );
}

#[test]
fn key_misses_and_new_keys_are_opt_in_classes() {
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("Emn").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@*"]);
    assert_eq!(store.strings().get("missing").unwrap(), None);
    store.strings().set("k", "v").unwrap();
    store.strings().set("k", "w").unwrap();
    assert_eq!(
        events(&sub),
        [
            pair("__keyevent@0__:keymiss", "missing"),
            pair("__keyevent@0__:new", "k")
        ]
    );
}
