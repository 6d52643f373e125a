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

/// Value moves between keys through SMOVE, LMOVE, RENAME, transactions and
/// ZUNIONSTORE while auditors count it in one atomic step: the totals never change, and
/// a watchdog fails the test if the threads stop making progress (a deadlock).
#[test]
#[allow(clippy::too_many_lines)] // one scenario: movers, auditors and the watchdog
fn moving_value_between_keys_never_changes_the_totals() {
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    let store = Store::new();
    let sets = ["s0", "s1", "s2", "s3"];
    let lists = ["l0", "l1", "l2", "l3"];
    let zsets = ["z0", "z1"];
    for i in 0..100 {
        store.sets().sadd(sets[i % 4], [format!("t{i}")]).unwrap();
        store
            .lists()
            .rpush(lists[i % 4], [format!("e{i}")])
            .unwrap();
        let rank = f64::from(u32::try_from(i).unwrap());
        store
            .zsets()
            .zadd(zsets[i % 2], [(format!("m{i}"), rank)])
            .unwrap();
    }
    store.strings().set("r:a", "token").unwrap();
    let progress = AtomicUsize::new(0);
    let moved = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        // Movers, each with its own fixed pattern.
        for t in 0..3usize {
            let (store, progress, moved) = (&store, &progress, &moved);
            s.spawn(move || {
                for i in 0..1500usize {
                    let (a, b) = ((i + t) % 4, (i + t + 1) % 4);
                    store
                        .sets()
                        .smove(sets[a], sets[b], format!("t{}", (i * 7 + t) % 100))
                        .unwrap();
                    store
                        .lists()
                        .lmove(
                            lists[a],
                            lists[b],
                            embedis::Side::Left,
                            embedis::Side::Right,
                        )
                        .unwrap();
                    let (from, to) = if i % 2 == 0 {
                        ("r:a", "r:b")
                    } else {
                        ("r:b", "r:a")
                    };
                    let _ = store.keys().rename(from, to);
                    let m = format!("m{}", (i * 13 + t) % 100);
                    let (zf, zt) = if i % 2 == 0 {
                        (zsets[0], zsets[1])
                    } else {
                        (zsets[1], zsets[0])
                    };
                    store
                        .transaction([zf, zt], |tx| {
                            if let Some(score) = tx.zsets().zscore(zf, &m)? {
                                tx.zsets().zrem(zf, [&m])?;
                                tx.zsets().zadd(zt, [(&m, score)])?;
                            }
                            Ok::<_, embedis::Error>(())
                        })
                        .unwrap();
                    progress.fetch_add(1, Ordering::Relaxed);
                    moved.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // Auditors.
        for _ in 0..2 {
            let (store, progress, done) = (&store, &progress, &done);
            s.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let (members, elements, renamed) = store
                        .transaction(sets.iter().chain(&lists).chain(&["r:a", "r:b"]), |tx| {
                            let members: usize = sets
                                .iter()
                                .map(|k| tx.sets().scard(k))
                                .sum::<embedis::Result<_>>()?;
                            let elements: usize = lists
                                .iter()
                                .map(|k| tx.lists().llen(k))
                                .sum::<embedis::Result<_>>()?;
                            let renamed = tx.keys().exists(["r:a", "r:b"])?;
                            Ok::<_, embedis::Error>((members, elements, renamed))
                        })
                        .unwrap();
                    assert_eq!((members, elements, renamed), (100, 100, 1));
                    assert_eq!(store.zsets().zunionstore("z:all", zsets).unwrap(), 100);
                    progress.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // Watchdog: the movers finish in a bounded number of steps; no progress at all
        // for 10 s is a deadlock.
        let (mut last, mut since) = (0, Instant::now());
        while moved.load(Ordering::Relaxed) < 3 * 1500 {
            thread::sleep(Duration::from_millis(20));
            let now = progress.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            }
            assert!(
                since.elapsed() < Duration::from_secs(10),
                "no progress for 10 s: deadlock"
            );
        }
        done.store(true, Ordering::Relaxed);
    });
    let total: usize = sets.iter().map(|k| store.sets().scard(k).unwrap()).sum();
    assert_eq!(total, 100);
    assert_eq!(
        store.zsets().zcard("z0").unwrap() + store.zsets().zcard("z1").unwrap(),
        100
    );
}
