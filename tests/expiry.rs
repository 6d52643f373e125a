//! TTL scenarios on a manual clock, plus one real-clock check of the sweeper.

mod common;

use std::time::{Duration, Instant};

use common::manual_store;
use embedis::{Reply, SetOptions, Store, Ttl};

#[test]
fn a_page_cached_for_five_seconds_expires_on_time() {
    let (store, clock) = manual_store();
    let opts = SetOptions::new().ttl(Duration::from_secs(5));
    store.strings().set_with("page:/", "<html>", opts).unwrap();
    clock.advance(Duration::from_millis(4999));
    assert_eq!(store.strings().get("page:/").unwrap().unwrap(), "<html>");
    // Through the millisecond of its deadline it lives (Redis's `now > deadline`).
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.strings().get("page:/").unwrap().unwrap(), "<html>");
    assert_eq!(
        store.keys().pttl("page:/").unwrap(),
        Ttl::Expires(Duration::ZERO)
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.strings().get("page:/").unwrap(), None);
    assert_eq!(store.keys().ttl("page:/").unwrap(), Ttl::Missing);
    assert_eq!(store.keys().exists(["page:/"]).unwrap(), 0);
}

#[test]
fn writes_never_see_an_expired_value() {
    let (store, clock) = manual_store();
    let s = store.strings();
    s.setex("n", Duration::from_secs(1), "41").unwrap();
    clock.advance(Duration::from_millis(1001));
    assert_eq!(s.incr("n").unwrap(), 1, "an expired counter starts again");
    assert_eq!(store.keys().ttl("n").unwrap(), Ttl::Persistent);
    s.setex("a", Duration::from_secs(1), "abc").unwrap();
    clock.advance(Duration::from_millis(1001));
    assert_eq!(s.append("a", "x").unwrap(), 1);
    assert!(s.setnx("a2", "v").unwrap());
    s.setex("b", Duration::from_secs(1), "v").unwrap();
    clock.advance(Duration::from_millis(1001));
    assert!(
        s.setnx("b", "new").unwrap(),
        "NX sees an expired key as absent"
    );
}

#[test]
fn purge_removes_every_untouched_expired_key_and_nothing_else() {
    let (store, clock) = manual_store();
    let s = store.strings();
    for i in 0..10_000u64 {
        s.psetex(format!("t:{i}"), Duration::from_millis(1 + i % 1000), "v")
            .unwrap();
    }
    s.set("forever", "v").unwrap();
    assert_eq!(store.keys().dbsize().unwrap(), 10_001);
    // Deadlines up to 500 ms have passed 501 ms on.
    clock.advance(Duration::from_millis(501));
    assert_eq!(store.purge_expired(), 5000);
    assert_eq!(store.keys().dbsize().unwrap(), 5001);
    clock.advance(Duration::from_millis(500));
    assert_eq!(store.purge_expired(), 5000);
    assert_eq!(store.keys().dbsize().unwrap(), 1);
    assert_eq!(store.purge_expired(), 0);
}

#[test]
fn extended_and_shortened_ttls_are_honoured_by_the_sweep() {
    let (store, clock) = manual_store();
    let k = store.keys();
    store
        .strings()
        .setex("extended", Duration::from_secs(1), "v")
        .unwrap();
    store
        .strings()
        .setex("shortened", Duration::from_secs(100), "v")
        .unwrap();
    store
        .strings()
        .setex("persisted", Duration::from_secs(1), "v")
        .unwrap();
    k.expire("extended", Duration::from_secs(10)).unwrap();
    k.expire("shortened", Duration::from_secs(2)).unwrap();
    k.persist("persisted").unwrap();
    clock.advance(Duration::from_secs(3));
    assert_eq!(store.purge_expired(), 1, "only the shortened key is due");
    assert_eq!(k.exists(["extended", "persisted", "shortened"]).unwrap(), 2);
    clock.advance(Duration::from_millis(7001));
    assert_eq!(store.purge_expired(), 1);
    assert_eq!(k.dbsize().unwrap(), 1);
}

/// `SET … EX` over a value of the same length (a cache refreshing an entry) rewrites it
/// where it is: the new value and deadline are what reads, TTL and the sweep see,
/// whether the deadline moves later, earlier, into the past, past the year 10889 (a
/// wider deadline) or away.
#[test]
fn set_ex_over_a_value_of_the_same_length_takes_the_new_value_and_deadline() {
    let (store, clock) = manual_store();
    let (s, k) = (store.strings(), store.keys());
    let ex = |secs| SetOptions::new().ttl(Duration::from_secs(secs));
    s.set_with("later", "v1", ex(1)).unwrap();
    s.set_with("later", "v2", ex(10)).unwrap();
    s.set_with("sooner", "v1", ex(100)).unwrap();
    s.set_with("sooner", "v2", ex(2)).unwrap();
    s.set_with("kept", "v1", ex(2)).unwrap();
    s.set_with("kept", "v2", SetOptions::new().keep_ttl())
        .unwrap();
    s.set_with("cleared", "v1", ex(1)).unwrap();
    s.set("cleared", "v2").unwrap();
    s.set_with("far", "v1", ex(1)).unwrap();
    s.set_with("far", "v2", ex(400_000_000_000)).unwrap();
    assert_eq!(s.get("later").unwrap().unwrap(), "v2");
    assert_eq!(
        k.ttl("later").unwrap(),
        Ttl::Expires(Duration::from_secs(10))
    );
    assert_eq!(
        k.ttl("sooner").unwrap(),
        Ttl::Expires(Duration::from_secs(2))
    );
    assert_eq!(k.ttl("kept").unwrap(), Ttl::Expires(Duration::from_secs(2)));
    assert_eq!(k.ttl("cleared").unwrap(), Ttl::Persistent);
    assert_eq!(
        k.ttl("far").unwrap(),
        Ttl::Expires(Duration::from_secs(400_000_000_000))
    );
    clock.advance(Duration::from_millis(2001));
    assert_eq!(
        store.purge_expired(),
        2,
        "the shortened and the kept deadline"
    );
    assert_eq!(k.exists(["sooner", "kept"]).unwrap(), 0);
    assert_eq!(s.get("later").unwrap().unwrap(), "v2");
    assert_eq!(s.get("far").unwrap().unwrap(), "v2");
    // A deadline already past deletes the key, as Redis's SET with PXAT in the past.
    s.set_with(
        "later",
        "v3",
        SetOptions::new().expires_at(std::time::UNIX_EPOCH + Duration::from_secs(1)),
    )
    .unwrap();
    assert_eq!(s.get("later").unwrap(), None);
    clock.advance(Duration::from_secs(8));
    assert_eq!(store.purge_expired(), 0);
    assert_eq!(k.dbsize().unwrap(), 2, "cleared and far");
}

#[test]
fn renamed_and_moved_keys_keep_expiring() {
    let (store, clock) = manual_store();
    store
        .strings()
        .setex("a", Duration::from_secs(1), "v")
        .unwrap();
    store
        .strings()
        .setex("b", Duration::from_secs(1), "v")
        .unwrap();
    store.keys().rename("a", "a2").unwrap();
    store.keys().move_key("b", 3).unwrap();
    clock.advance(Duration::from_millis(1001));
    assert_eq!(store.purge_expired(), 2);
    assert_eq!(store.db(3).unwrap().keys().dbsize().unwrap(), 0);
}

#[test]
fn the_sweeper_removes_untouched_keys_promptly_on_the_real_clock() {
    let store = Store::new();
    for i in 0..1000 {
        store
            .strings()
            .psetex(format!("k{i}"), Duration::from_millis(50), "v")
            .unwrap();
    }
    store.strings().set("stay", "v").unwrap();
    let start = Instant::now();
    // Generous bound for a loaded machine; the design target is ~10 ms after the
    // deadline.
    while store.keys().dbsize().unwrap() > 1 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "sweeper did not run"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(store.keys().dbsize().unwrap(), 1);
}

#[test]
fn an_earlier_deadline_wakes_a_sleeping_sweeper() {
    let store = Store::new();
    store
        .strings()
        .setex("late", Duration::from_secs(3600), "v")
        .unwrap();
    std::thread::sleep(Duration::from_millis(20)); // the sweeper now sleeps for an hour
    store
        .strings()
        .psetex("soon", Duration::from_millis(30), "v")
        .unwrap();
    let start = Instant::now();
    while store.keys().dbsize().unwrap() > 1 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "sweeper was not woken"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The precise time, as the store's system clock reads it.
fn precise_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(d.as_millis()).unwrap()
}

/// Expiry class 1 of the fidelity work: on the real clock a key is gone for every read
/// in the millisecond after its deadline (not a coarse tick later), and a TTL never
/// exceeds what was set (relative deadlines count from the precise time).
#[test]
fn on_the_real_clock_a_key_is_gone_the_millisecond_after_its_deadline() {
    let store = Store::builder().active_expiry(false).build();
    let mut c = store.connection();
    for round in 0..40 {
        let before = precise_ms();
        c.execute(&["SET", "k", "v", "PX", "3"]);
        let Reply::Integer(at) = c.execute(&["PEXPIRETIME", "k"]) else {
            panic!("k has a deadline");
        };
        let after = precise_ms();
        if at == -2 {
            // Descheduled past the deadline between the two commands (a loaded machine):
            // gone, but never before the earliest deadline it can have.
            assert!(
                after > before + 3,
                "round {round}: gone before its deadline"
            );
            continue;
        }
        assert!(
            (before + 3..=after + 3).contains(&at),
            "round {round}: a relative deadline counts from the precise time \
             (read {before} and {after} around a deadline of {at})"
        );
        while precise_ms() <= at {
            std::hint::spin_loop();
        }
        assert_eq!(
            c.execute(&["TTL", "k"]),
            Reply::Integer(-2),
            "round {round}"
        );
        assert_eq!(c.execute(&["EXISTS", "k"]), Reply::Integer(0));
        assert_eq!(c.execute(&["DBSIZE"]), Reply::Integer(0));

        let target = precise_ms() + 10_000;
        c.execute(&["SET", "g", "v"]);
        c.execute(&["GETEX", "g", "PXAT", &target.to_string()]);
        let Reply::Integer(pttl) = c.execute(&["PTTL", "g"]) else {
            panic!("g has a TTL");
        };
        assert!(
            pttl <= 10_000,
            "round {round}: PTTL {pttl} above what was set"
        );
        c.execute(&["PSETEX", "p", "1000", "v"]);
        let Reply::Integer(pttl) = c.execute(&["PTTL", "p"]) else {
            panic!("p has a TTL");
        };
        assert!(
            pttl <= 1000,
            "round {round}: PTTL {pttl} above what was set"
        );
        c.execute(&["DEL", "g", "p"]);
    }
}

/// A write to a key of a store.
type Write = fn(&Store, &str);

#[test]
fn at_its_very_deadline_a_key_lives_and_writes_that_keep_the_deadline_keep_it() {
    // Redis: a key expires once now > its deadline; at the deadline itself it is live,
    // and a write that keeps its TTL (APPEND, SETRANGE, INCR, SET … KEEPTTL) keeps it.
    let (store, clock) = manual_store();
    let writes: [(&str, Write); 4] = [
        ("append", |s, k| {
            s.strings().append(k, "").unwrap();
        }),
        ("setrange", |s, k| {
            s.strings().setrange(k, 0, "1").unwrap();
        }),
        ("incr", |s, k| {
            s.strings().incr(k).unwrap();
        }),
        ("keepttl", |s, k| {
            s.strings()
                .set_with(k, "2", SetOptions::new().keep_ttl())
                .unwrap();
        }),
    ];
    for (name, _) in &writes {
        store.strings().set(*name, "1").unwrap();
        store.keys().expire(*name, Duration::from_secs(1)).unwrap();
    }
    clock.advance(Duration::from_secs(1));
    for (name, write) in &writes {
        assert!(store.strings().get(*name).unwrap().is_some(), "{name}");
        write(&store, name);
        assert_eq!(store.keys().exists([*name]).unwrap(), 1, "{name}");
    }
    clock.advance(Duration::from_millis(1));
    for (name, _) in &writes {
        assert_eq!(store.keys().exists([*name]).unwrap(), 0, "{name}");
    }
}

/// A deadline shortened in place (SET EX over a value of the same length) adds an expiry
/// record each time; the stale ones are dropped as they outnumber the keys with a
/// deadline, as for every other way of setting one, so they do not pile up.
#[test]
fn ttls_shortened_in_place_again_and_again_hold_no_growing_memory() {
    let (store, _clock) = manual_store();
    let s = store.strings();
    let ex = |secs| SetOptions::new().ttl(Duration::from_secs(secs));
    s.set_with("k", "v", ex(1000)).unwrap();
    let before = store.used_memory();
    for _ in 0..100_000 {
        s.set_with("k", "v", ex(10)).unwrap();
        s.set_with("k", "v", ex(1000)).unwrap();
    }
    let after = store.used_memory();
    assert!(
        after < before + 10_000,
        "used_memory grew from {before} to {after} for one key"
    );
}
