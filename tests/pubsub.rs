//! Pub/sub between threads: every message to every subscriber exactly once and in each
//! publisher's order, patterns as Redis matches them, a slow subscriber cut off instead
//! of slowing publishers or growing without bound, and clean-up on unsubscribe and drop.

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant};

use embedis::{Blob, Error, Message, Store};

mod common;
use common::{PROMPTLY, join_within, within};

fn text(b: &Blob) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn every_subscriber_gets_every_message_once_in_each_publishers_order() {
    const PUBLISHERS: usize = 3;
    const MESSAGES: usize = 2000;
    let store = Store::new();
    let ps = store.pubsub();
    let by_channel = ps.subscribe(["events"]);
    let by_pattern = ps.psubscribe(["ev*"]);
    let mut both = ps.subscribe(["events"]);
    both.psubscribe(["*"]);
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|p| {
            let store = store.clone();
            thread::spawn(move || {
                for i in 0..MESSAGES {
                    let receivers = store
                        .pubsub()
                        .publish("events", format!("{p}:{i}"))
                        .unwrap();
                    // by_channel, by_pattern, and both twice (channel and pattern).
                    assert_eq!(receivers, 4);
                }
            })
        })
        .collect();
    for p in publishers {
        p.join().unwrap();
    }
    let check = |sub: &embedis::Subscription, copies: usize| {
        let mut next: HashMap<(usize, bool), usize> = HashMap::new();
        let mut total = 0;
        while let Some(m) = sub.try_recv().unwrap() {
            let payload = text(&m.payload);
            let (p, i) = payload.split_once(':').unwrap();
            let (p, i): (usize, usize) = (p.parse().unwrap(), i.parse().unwrap());
            let expected = next.entry((p, m.pattern.is_some())).or_default();
            assert_eq!(
                i, *expected,
                "publisher {p}'s messages out of order or missing"
            );
            *expected += 1;
            total += 1;
        }
        assert_eq!(total, PUBLISHERS * MESSAGES * copies);
    };
    check(&by_channel, 1);
    check(&by_pattern, 1);
    check(&both, 2);
}

#[test]
fn a_blocked_reader_wakes_for_a_message_from_another_thread() {
    let store = Store::new();
    let sub = store.pubsub().subscribe(["wake"]);
    let reader = thread::spawn(move || sub.recv());
    // Give the reader time to block; the subscription exists already, so the message
    // reaches it either way.
    thread::sleep(Duration::from_millis(20));
    assert_eq!(store.pubsub().publish("wake", "now").unwrap(), 1);
    let m = join_within(reader, PROMPTLY, "the reader, after the PUBLISH").unwrap();
    assert_eq!(
        (text(&m.channel), text(&m.payload)),
        ("wake".into(), "now".into())
    );
}

#[test]
fn recv_timeout_returns_none_when_nothing_comes() {
    let store = Store::new();
    let sub = store.pubsub().subscribe(["quiet"]);
    // On a thread of its own: a timeout not kept would hang the test.
    within(PROMPTLY, "recv_timeout", move || {
        let start = Instant::now();
        assert_eq!(sub.recv_timeout(Duration::from_millis(30)).unwrap(), None);
        assert!(start.elapsed() >= Duration::from_millis(30));
        store.pubsub().publish("quiet", "late").unwrap();
        assert!(sub.recv_timeout(Duration::from_secs(5)).unwrap().is_some());
        // A timeout too long to represent waits as `recv` does.
        store.pubsub().publish("quiet", "again").unwrap();
        assert!(sub.recv_timeout(Duration::MAX).unwrap().is_some());
    });
}

#[test]
fn a_slow_subscriber_is_cut_off_without_slowing_publishers_or_others() {
    let store = Store::builder().pubsub_buffer_limit(64 * 1024).build();
    let slow = store.pubsub().subscribe(["firehose"]);
    let fast = store.pubsub().subscribe(["firehose"]);
    // The fast reader acknowledges every 100 messages, and the publisher never gets more
    // than 100 ahead of it; the slow one reads nothing.
    let (ack, acked) = std::sync::mpsc::channel();
    let reader = thread::spawn(move || {
        let mut n = 0;
        while n < 10_000 {
            fast.recv().unwrap();
            n += 1;
            if n % 100 == 0 {
                ack.send(()).unwrap();
            }
        }
        n
    });
    let payload = [7u8; 100];
    let mut delivered_to = Vec::new();
    for i in 1..=10_000 {
        delivered_to.push(store.pubsub().publish("firehose", payload).unwrap());
        if i % 100 == 0 {
            acked
                .recv_timeout(PROMPTLY)
                .expect("the fast subscriber stopped acknowledging");
        }
    }
    assert_eq!(
        join_within(reader, PROMPTLY, "the fast subscriber"),
        10_000,
        "the fast subscriber got everything"
    );
    // The slow one took messages until its buffer was full, then stopped counting.
    let cut_at = delivered_to.iter().position(|&n| n == 1).expect("cut off");
    assert!(
        (400..=600).contains(&cut_at),
        "cut off after {cut_at} messages of ~130 bytes"
    );
    assert!(delivered_to[cut_at..].iter().all(|&n| n == 1));
    // Its next read says so, every time; nothing from the middle is handed out.
    assert_eq!(slow.try_recv(), Err(Error::SubscriberCutOff));
    let (recv, left) = within(PROMPTLY, "recv on a cut-off subscription", move || {
        (slow.recv(), slow.iter().count())
    });
    assert_eq!(recv, Err(Error::SubscriberCutOff));
    assert_eq!(left, 0);
    // A cut-off subscription no longer counts as a subscriber.
    assert_eq!(store.pubsub().numsub(["firehose"]).unwrap()[0].1, 0);
}

#[test]
fn a_subscriber_that_keeps_up_is_never_cut_off() {
    let store = Store::builder().pubsub_buffer_limit(4096).build();
    let sub = store.pubsub().subscribe(["c"]);
    for i in 0..10_000 {
        store.pubsub().publish("c", format!("{i:0100}")).unwrap();
        assert!(sub.try_recv().unwrap().is_some(), "message {i}");
    }
}

#[test]
fn patterns_match_as_redis_globs_and_report_the_pattern() {
    let store = Store::new();
    let sub = store.pubsub().psubscribe(["news.[ab]*", "h?llo", r"lit\*"]);
    for channel in [
        "news.art", "news.cat", "hello", "hallo", "hllo", "lit*", "litx",
    ] {
        store.pubsub().publish(channel, "m").unwrap();
    }
    let got: Vec<(String, String)> = sub
        .iter_pending()
        .map(|m: Message| (text(&m.channel), text(&m.pattern.unwrap())))
        .collect();
    assert_eq!(
        got,
        [
            ("news.art".into(), "news.[ab]*".into()),
            ("hello".into(), "h?llo".into()),
            ("hallo".into(), "h?llo".into()),
            ("lit*".into(), r"lit\*".into()),
        ]
    );
}

#[test]
fn unsubscribe_and_drop_clean_up_the_registry() {
    let store = Store::new();
    let ps = store.pubsub();
    let mut a = ps.subscribe(["x", "y"]);
    let b = ps.psubscribe(["x*", "z*"]);
    assert_eq!(ps.channels(None::<&str>).unwrap(), ["x", "y"]);
    assert_eq!(
        ps.numsub(["x", "y", "none"]).unwrap(),
        [("x".into(), 1), ("y".into(), 1), ("none".into(), 0)]
    );
    assert_eq!(ps.numpat().unwrap(), 2);
    assert_eq!(ps.publish("x", "1").unwrap(), 2);
    a.unsubscribe(["x"]);
    assert_eq!(ps.publish("x", "2").unwrap(), 1);
    // What arrived before unsubscribing stays readable.
    assert_eq!(a.try_recv().unwrap().unwrap().payload, "1");
    a.unsubscribe(Vec::<&str>::new());
    assert!(a.channels().is_empty());
    assert!(ps.channels(None::<&str>).unwrap().is_empty());
    drop(b);
    assert_eq!(ps.numpat().unwrap(), 0);
    assert_eq!(ps.publish("x", "3").unwrap(), 0);
    // Subscribing twice to one channel delivers once.
    let mut c = ps.subscribe(["dup"]);
    c.subscribe(["dup"]);
    assert_eq!(ps.publish("dup", "m").unwrap(), 1);
}

#[test]
fn channels_and_payloads_are_binary_and_long_payloads_are_shared() {
    let store = Store::new();
    let channel = [0u8, 255, 10, 13];
    let subs: Vec<_> = (0..3)
        .map(|_| store.pubsub().subscribe([channel]))
        .collect();
    let payload = vec![0xabu8; 1 << 20];
    assert_eq!(store.pubsub().publish(channel, &payload).unwrap(), 3);
    let got = within(PROMPTLY, "recv of a published message", move || {
        subs.iter().map(|s| s.recv().unwrap()).collect::<Vec<_>>()
    });
    for m in got {
        assert_eq!(&m.channel[..], &channel[..]);
        assert_eq!(m.payload.len(), payload.len());
    }
}

#[test]
fn a_subscription_can_move_to_another_thread_and_outlive_its_handle() {
    let store = Store::new();
    let sub = store.pubsub().subscribe(["c"]);
    let handle = thread::spawn(move || {
        sub.iter()
            .take(2)
            .map(|m| text(&m.payload))
            .collect::<Vec<_>>()
    });
    let ps = store.pubsub();
    assert_eq!(ps.publish("c", "a").unwrap(), 1);
    assert_eq!(ps.publish("c", "b").unwrap(), 1);
    assert_eq!(
        join_within(handle, PROMPTLY, "the subscription's thread"),
        ["a", "b"]
    );
    assert_eq!(ps.numsub(["c"]).unwrap()[0].1, 0, "dropped with its thread");
}
