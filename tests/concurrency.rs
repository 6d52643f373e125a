//! Threads sharing one store: counts are exact and multi-key commands are atomic.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use embedis::Store;

#[test]
fn concurrent_incr_loses_no_update() {
    let store = Store::new();
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..10_000 {
                    store.strings().incr("counter").unwrap();
                    store.strings().incr(format!("k{}", i % 100)).unwrap();
                }
            });
        }
    });
    assert_eq!(store.strings().get("counter").unwrap().unwrap(), "40000");
    assert_eq!(store.strings().get("k7").unwrap().unwrap(), "400");
}

#[test]
fn mset_is_seen_all_or_nothing_by_mget() {
    let store = Store::new();
    // Many keys, so they land on different shards.
    let keys: Vec<String> = (0..16).map(|i| format!("key:{i}")).collect();
    store
        .strings()
        .mset(keys.iter().map(|k| (k.as_str(), "0")))
        .unwrap();
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            for round in 1..=2000 {
                let v = round.to_string();
                store
                    .strings()
                    .mset(keys.iter().map(|k| (k.as_str(), v.as_str())))
                    .unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                let got = store.strings().mget(&keys).unwrap();
                assert!(got.windows(2).all(|w| w[0] == w[1]), "torn MSET: {got:?}");
            }
        });
    });
}

#[test]
fn rename_never_shows_the_key_twice_or_not_at_all() {
    let store = Store::new();
    store.strings().set("a", "v").unwrap();
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            for i in 0..5000 {
                let (from, to) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
                store.keys().rename(from, to).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                assert_eq!(store.keys().exists(["a", "b"]).unwrap(), 1);
            }
        });
    });
}

#[test]
fn multi_key_commands_in_opposite_orders_do_not_deadlock() {
    let store = Store::new();
    let keys: Vec<String> = (0..64).map(|i| format!("k{i}")).collect();
    let reversed: Vec<String> = keys.iter().rev().cloned().collect();
    thread::scope(|s| {
        for order in [&keys, &reversed] {
            let store = &store;
            s.spawn(move || {
                for _ in 0..500 {
                    store
                        .strings()
                        .mset(order.iter().map(|k| (k.as_str(), "v")))
                        .unwrap();
                    store.keys().del(order).unwrap();
                }
            });
        }
    });
}
