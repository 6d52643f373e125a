//! Blocking pops across threads: every element handed off exactly once, waiters served
//! first-come first-served and in Redis's order across keys, timeouts without CPU use,
//! cancellation, and no lock held while waiting. A wait that should end, and a call
//! that should not block, run under a deadline: a lost wake-up fails the test, saying
//! which wait hung, instead of hanging it.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use embedis::{Blob, CancelToken, Error, Side, Store};

mod common;
use common::{PROMPTLY, WORKLOAD, join_within, until_blocked, within};

fn text(b: &Blob) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn every_element_is_handed_off_exactly_once_among_many_producers_and_consumers() {
    let store = Store::new();
    let keys = ["q0", "q1", "q2"];
    let producers = 3;
    let per_producer = 34_000; // 102 000 handoffs in all
    let total = producers * per_producer;
    let taken = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..4)
        .map(|c| {
            let (store, taken) = (store.clone(), Arc::clone(&taken));
            thread::spawn(move || {
                let mut got = Vec::new();
                // Consumers mix blocking and non-blocking pops, from both ends.
                while taken.load(Ordering::SeqCst) < total {
                    let item = match c % 3 {
                        0 => store
                            .lists()
                            .blpop(keys, Some(Duration::from_millis(20)))
                            .unwrap()
                            .map(|(_, v)| v),
                        1 => store
                            .lists()
                            .brpop(keys, Some(Duration::from_millis(20)))
                            .unwrap()
                            .map(|(_, v)| v),
                        _ => store.lists().lpop(keys[got.len() % 3]).unwrap(),
                    };
                    if let Some(v) = item {
                        taken.fetch_add(1, Ordering::SeqCst);
                        got.push(text(&v));
                    }
                }
                got
            })
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let store = store.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    let key = keys[i % keys.len()];
                    let item = format!("{p}:{i}");
                    if i % 2 == 0 {
                        store.lists().rpush(key, [item]).unwrap();
                    } else {
                        store.lists().lpush(key, [item]).unwrap();
                    }
                }
            })
        })
        .collect();
    for p in producer_threads {
        join_within(p, WORKLOAD, "a producer");
    }
    let mut seen = HashSet::new();
    let mut count = 0;
    for c in consumers {
        for item in join_within(c, WORKLOAD, "a consumer (an element lost?)") {
            assert!(seen.insert(item.clone()), "{item} delivered twice");
            count += 1;
        }
    }
    assert_eq!(count, total, "every element delivered");
    assert_eq!(seen.len(), total);
    for key in keys {
        assert_eq!(
            store.lists().llen(key).unwrap(),
            0,
            "nothing left behind in {key}"
        );
    }
}

#[test]
fn waiters_on_a_key_are_served_first_come_first_served() {
    let store = Store::new();
    let waiters: Vec<_> = (0..5)
        .map(|i| {
            let s = store.clone();
            let handle = thread::spawn(move || {
                let (_, v) = s.lists().blpop(["q"], None).unwrap().unwrap();
                (i, text(&v))
            });
            // Each waiter is blocked before the next one starts.
            until_blocked(&store, i + 1);
            handle
        })
        .collect();
    store
        .lists()
        .rpush("q", ["e0", "e1", "e2", "e3", "e4"])
        .unwrap();
    for w in waiters {
        let (i, v) = join_within(w, PROMPTLY, "a waiter the push should serve");
        assert_eq!(v, format!("e{i}"), "waiter {i} got {v}");
    }
    assert_eq!(store.lists().llen("q").unwrap(), 0);
}

#[test]
fn keys_are_checked_in_order_and_a_waiter_is_served_by_the_key_that_gets_data() {
    let store = Store::new();
    store.lists().rpush("b", ["b1"]).unwrap();
    store.lists().rpush("c", ["c1"]).unwrap();
    let (key, v) = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP with data in b", move || {
            store.lists().blpop(["a", "b", "c"], None).unwrap().unwrap()
        })
    };
    assert_eq!((text(&key), text(&v)), ("b".into(), "b1".into()));

    // A waits on [x, y], then B on [y]: a push to y serves A (first in y's queue), the
    // next push serves B, and A's registration on x is gone.
    let a = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["x", "y"], None).unwrap().unwrap())
    };
    until_blocked(&store, 1);
    let b = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["y"], None).unwrap().unwrap())
    };
    until_blocked(&store, 2);
    store.lists().rpush("y", ["first"]).unwrap();
    let (ka, va) = join_within(a, PROMPTLY, "A, served by the first push to y");
    assert_eq!((text(&ka), text(&va)), ("y".into(), "first".into()));
    store.lists().rpush("x", ["for nobody"]).unwrap();
    store.lists().rpush("y", ["second"]).unwrap();
    let (kb, vb) = join_within(b, PROMPTLY, "B, served by the second push to y");
    assert_eq!((text(&kb), text(&vb)), ("y".into(), "second".into()));
    assert_eq!(store.lists().llen("x").unwrap(), 1);
    assert_eq!(store.blocked_clients(), 0);
}

#[test]
fn one_push_of_many_elements_serves_several_waiters_in_order() {
    let store = Store::new();
    let mut handles = Vec::new();
    for i in 0..3 {
        let s = store.clone();
        handles.push(thread::spawn(move || {
            s.lists().brpop(["q"], None).unwrap().unwrap().1
        }));
        until_blocked(&store, i + 1);
    }
    // LPUSH a b c d gives [d c b a]: BRPOP waiters take a, b, c in their order.
    assert_eq!(store.lists().lpush("q", ["a", "b", "c", "d"]).unwrap(), 4);
    let got: Vec<String> = handles
        .into_iter()
        .map(|h| text(&join_within(h, PROMPTLY, "a waiter the push should serve")))
        .collect();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(store.lists().lrange("q", 0, -1).unwrap(), ["d"]);
}

#[test]
fn a_push_inside_lmove_wakes_waiters_after_the_move_is_complete() {
    let store = Store::new();
    store.lists().rpush("src", ["job"]).unwrap();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || {
            let (_, v) = store.lists().blpop(["dst"], None).unwrap().unwrap();
            // By the time the waiter holds the element, the move is whole.
            (text(&v), store.lists().llen("src").unwrap())
        })
    };
    until_blocked(&store, 1);
    let moved = store
        .lists()
        .lmove("src", "dst", Side::Left, Side::Right)
        .unwrap();
    assert_eq!(moved.unwrap(), "job");
    assert_eq!(
        join_within(waiter, PROMPTLY, "the waiter on the LMOVE's destination"),
        ("job".into(), 0)
    );
    assert_eq!(store.lists().llen("dst").unwrap(), 0, "taken by the waiter");
}

#[test]
fn blmove_never_loses_an_element_between_the_lists() {
    let store = Store::new();
    let n = 20_000;
    let stop = Arc::new(AtomicBool::new(false));
    let movers: Vec<_> = (0..3)
        .map(|_| {
            let (store, stop) = (store.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                let mut moved = 0;
                while !stop.load(Ordering::SeqCst) {
                    let got = store
                        .lists()
                        .blmove(
                            "jobs",
                            "done",
                            Side::Right,
                            Side::Left,
                            Some(Duration::from_millis(10)),
                        )
                        .unwrap();
                    moved += usize::from(got.is_some());
                }
                moved
            })
        })
        .collect();
    for i in 0..n {
        store.lists().lpush("jobs", [i.to_string()]).unwrap();
    }
    let start = Instant::now();
    while store.lists().llen("done").unwrap() < n {
        assert!(start.elapsed() < Duration::from_secs(30), "moves stalled");
        thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    let moved: usize = movers
        .into_iter()
        .map(|m| join_within(m, PROMPTLY, "a mover told to stop"))
        .sum();
    assert_eq!(moved, n);
    let done: HashSet<Blob> = store
        .lists()
        .lrange("done", 0, -1)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(done.len(), n);
    assert_eq!(store.lists().llen("jobs").unwrap(), 0);
}

#[test]
fn a_timeout_returns_none_on_time() {
    let store = Store::new();
    let (got, waited) = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP with a 200 ms timeout", move || {
            let start = Instant::now();
            let got = store
                .lists()
                .blpop(["q"], Some(Duration::from_millis(200)))
                .unwrap();
            (got, start.elapsed())
        })
    };
    assert_eq!(got, None);
    assert!(
        waited >= Duration::from_millis(200),
        "returned early: {waited:?}"
    );
    assert!(waited < Duration::from_secs(1), "returned late: {waited:?}");
    let got = {
        let store = store.clone();
        within(PROMPTLY, "BRPOPLPUSH with a zero timeout", move || {
            store
                .lists()
                .brpoplpush("q", "d", Some(Duration::ZERO))
                .unwrap()
        })
    };
    assert_eq!(got, None);
    assert_eq!(store.blocked_clients(), 0);
}

#[cfg(target_os = "linux")]
#[test]
fn a_waiting_thread_uses_no_cpu() {
    use rustix::time::{ClockId, clock_gettime};
    let cpu = || {
        let t = clock_gettime(ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap(),
            u32::try_from(t.tv_nsec).unwrap(),
        )
    };
    let store = Store::new();
    let waiter = thread::spawn(move || {
        let before = cpu();
        let got = store
            .lists()
            .blpop(["q"], Some(Duration::from_millis(500)))
            .unwrap();
        (got, cpu().saturating_sub(before))
    });
    let (got, used) = join_within(waiter, PROMPTLY, "a waiter with a 500 ms timeout");
    assert_eq!(got, None);
    assert!(
        used < Duration::from_millis(50),
        "the waiter burned {used:?} of CPU in 500 ms"
    );
}

#[test]
fn a_cancelled_waiter_returns_promptly_and_takes_nothing() {
    let store = Store::new();
    let token = CancelToken::new();
    let waiter = {
        let (store, token) = (store.clone(), token.clone());
        thread::spawn(move || {
            let start = Instant::now();
            let got =
                store
                    .lists()
                    .cancel_with(&token)
                    .blmove("q", "d", Side::Left, Side::Left, None);
            (got, start.elapsed())
        })
    };
    until_blocked(&store, 1);
    token.cancel();
    let (got, _) = join_within(waiter, PROMPTLY, "the cancelled waiter");
    assert_eq!(got, Err(Error::Unblocked));
    assert_eq!(store.blocked_clients(), 0);
    store.lists().rpush("q", ["kept"]).unwrap();
    assert_eq!(store.lists().lrange("q", 0, -1).unwrap(), ["kept"]);
    assert_eq!(store.lists().llen("d").unwrap(), 0);
    // The token stays cancelled: later calls through it return at once.
    let got = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP through a cancelled token", move || {
            store.lists().cancel_with(&token).blpop(["q"], None)
        })
    };
    assert_eq!(got, Err(Error::Unblocked));
    assert_eq!(store.lists().llen("q").unwrap(), 1);
}

#[test]
fn a_waiter_holds_no_lock_so_writers_to_its_shard_proceed() {
    // One shard: every key shares the waiter's lock.
    let store = Store::builder().shards(1).build();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || {
            store
                .lists()
                .blpop(["q"], Some(Duration::from_secs(10)))
                .unwrap()
        })
    };
    until_blocked(&store, 1);
    // Were the waiter holding the shard's lock, these writes would wait for it.
    {
        let store = store.clone();
        within(PROMPTLY, "writes to the waiter's shard", move || {
            for i in 0..1000 {
                store.strings().set(format!("k{i}"), "v").unwrap();
                store.lists().rpush("other", ["x"]).unwrap();
            }
        });
    }
    assert_eq!(store.keys().dbsize().unwrap(), 1001);
    store.lists().rpush("q", ["done"]).unwrap();
    let got = join_within(waiter, PROMPTLY, "the waiter, after the push to q");
    assert_eq!(got.unwrap().1, "done");
}

#[test]
fn blocking_on_a_key_of_another_type_is_wrongtype_at_once() {
    let store = Store::new();
    store.strings().set("s", "x").unwrap();
    let (got, took) = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP on a string", move || {
            let start = Instant::now();
            (store.lists().blpop(["missing", "s"], None), start.elapsed())
        })
    };
    assert_eq!(got, Err(Error::WrongType));
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(store.blocked_clients(), 0);
}

#[test]
fn swapdb_serves_waiters_of_keys_that_become_lists() {
    let store = Store::new();
    store
        .db(1)
        .unwrap()
        .lists()
        .rpush("q", ["from db1"])
        .unwrap();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["q"], None).unwrap().unwrap().1)
    };
    until_blocked(&store, 1);
    store.keys().swapdb(0, 1).unwrap();
    assert_eq!(
        join_within(waiter, PROMPTLY, "the waiter, after SWAPDB"),
        "from db1"
    );
}

#[test]
fn a_list_renamed_onto_a_waited_key_serves_the_waiter() {
    let store = Store::new();
    store.lists().rpush("staging", ["batch"]).unwrap();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["live"], None).unwrap().unwrap().1)
    };
    until_blocked(&store, 1);
    store.keys().rename("staging", "live").unwrap();
    assert_eq!(
        join_within(waiter, PROMPTLY, "the waiter, after RENAME"),
        "batch"
    );
    assert_eq!(store.keys().exists(["live"]).unwrap(), 0);
}

/// The same handoff guarantee for sorted sets: BZPOPMIN, BZPOPMAX, BZMPOP and ZPOPMIN
/// racing producers that ZADD, every member taken exactly once.
#[test]
fn every_sorted_set_member_is_handed_off_exactly_once() {
    let store = Store::new();
    let keys = ["z0", "z1"];
    let producers = 2;
    let per_producer = 15_000;
    let total = producers * per_producer;
    let taken = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..4)
        .map(|c| {
            let (store, taken) = (store.clone(), Arc::clone(&taken));
            thread::spawn(move || {
                let wait = Some(Duration::from_millis(20));
                let mut got = Vec::new();
                while taken.load(Ordering::SeqCst) < total {
                    let zsets = store.zsets();
                    let items: Vec<Blob> = match c {
                        0 => zsets
                            .bzpopmin(keys, wait)
                            .unwrap()
                            .into_iter()
                            .map(|t| t.1)
                            .collect(),
                        1 => zsets
                            .bzpopmax(keys, wait)
                            .unwrap()
                            .into_iter()
                            .map(|t| t.1)
                            .collect(),
                        2 => zsets
                            .bzmpop(keys, embedis::ScoreEnd::Min, 3, wait)
                            .unwrap()
                            .map(|(_, v)| v.into_iter().map(|e| e.0).collect())
                            .unwrap_or_default(),
                        _ => zsets
                            .zpopmin(keys[got.len() % 2], 2)
                            .unwrap()
                            .into_iter()
                            .map(|e| e.0)
                            .collect(),
                    };
                    taken.fetch_add(items.len(), Ordering::SeqCst);
                    got.extend(items.iter().map(text));
                }
                got
            })
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let store = store.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    let member = format!("{p}:{i}");
                    #[allow(clippy::cast_precision_loss)]
                    let priority = (i % 100) as f64;
                    store
                        .zsets()
                        .zadd(keys[i % 2], [(member, priority)])
                        .unwrap();
                }
            })
        })
        .collect();
    for p in producer_threads {
        join_within(p, WORKLOAD, "a producer");
    }
    let mut seen = HashSet::new();
    for c in consumers {
        for item in join_within(c, WORKLOAD, "a consumer (a member lost?)") {
            assert!(seen.insert(item.clone()), "{item} delivered twice");
        }
    }
    assert_eq!(seen.len(), total, "every member delivered");
    for key in keys {
        assert_eq!(
            store.zsets().zcard(key).unwrap(),
            0,
            "nothing left in {key}"
        );
    }
}

#[test]
fn keys_filled_by_one_transaction_serve_waiters_in_the_order_they_were_filled() {
    // Redis serves the keys a command made ready in the order they became ready: a
    // waiter on [a, b] is served from a when one transaction pushes to a, then to b.
    let store = Store::new();
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["b", "a"], None).unwrap().unwrap())
    };
    until_blocked(&store, 1);
    store
        .transaction(["a", "b"], |tx| {
            tx.lists().rpush("a", ["from a"])?;
            tx.lists().rpush("b", ["from b"])
        })
        .unwrap();
    let (key, v) = join_within(waiter, PROMPTLY, "the waiter on [b, a]");
    assert_eq!((text(&key), text(&v)), ("a".into(), "from a".into()));
}
