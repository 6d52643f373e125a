//! Closure transactions: atomic to other threads (conserved totals under concurrent
//! transfers), all or nothing on error and on panic, keys outside the named ones
//! refused, TTLs kept, blocked callers served on commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use embedis::{Error, ManualClock, Store, Ttl};

/// Something done to a key by another client.
type Change = Box<dyn Fn(&Store)>;

fn balance(store: &Store, key: &str) -> i64 {
    store
        .strings()
        .get(key)
        .unwrap()
        .map_or(0, |v| v.as_str().unwrap().parse().unwrap())
}

#[test]
fn concurrent_transfers_never_change_the_total() {
    let store = Store::new();
    let accounts = ["acct:a", "acct:b", "acct:c"];
    for a in accounts {
        store.strings().set(a, "1000").unwrap();
    }
    let done = Arc::new(AtomicBool::new(false));
    // The movers go on until the auditor has audited a while: audits overlap transfers
    // however the threads are scheduled.
    let audited = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let movers: Vec<_> = (0..3)
        .map(|t| {
            let store = store.clone();
            let audited = Arc::clone(&audited);
            thread::spawn(move || {
                let mut i = 0;
                while i < 2000 || audited.load(Ordering::Relaxed) < 50 {
                    i += 1;
                    let (from, to) = (accounts[(t + i) % 3], accounts[(t + i + 1) % 3]);
                    store
                        .transaction([from, to], |tx| {
                            tx.strings().decrby(from, 7)?;
                            tx.strings().incrby(to, 7)
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    let auditor = {
        let (store, done) = (store.clone(), Arc::clone(&done));
        let audited = Arc::clone(&audited);
        thread::spawn(move || {
            let mut audits = 0;
            while !done.load(Ordering::Relaxed) {
                // Read in a transaction over all three: one consistent moment.
                let total: i64 = store
                    .transaction(accounts, |tx| {
                        let values = tx.strings().mget(accounts)?;
                        Ok::<_, Error>(
                            values
                                .iter()
                                .map(|v| {
                                    v.as_ref()
                                        .unwrap()
                                        .as_str()
                                        .unwrap()
                                        .parse::<i64>()
                                        .unwrap()
                                })
                                .sum(),
                        )
                    })
                    .unwrap();
                assert_eq!(total, 3000, "a transfer was seen half done");
                audits += 1;
                audited.store(audits, Ordering::Relaxed);
            }
            audits
        })
    };
    for m in movers {
        m.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(auditor.join().unwrap() > 0);
    let total: i64 = accounts.iter().map(|a| balance(&store, a)).sum();
    assert_eq!(total, 3000);
}

#[test]
fn an_error_undoes_everything_the_closure_did() {
    let store = Store::new();
    store.strings().set("s", "keep").unwrap();
    store.lists().rpush("l", ["x", "y"]).unwrap();
    store.zsets().zadd("z", [("m", 1.0)]).unwrap();
    store.hashes().hset("h", [("f", "v")]).unwrap();
    let r = store.transaction(["s", "l", "z", "h", "new"], |tx| {
        tx.strings().set("s", "changed")?;
        tx.lists().lpop("l")?;
        tx.zsets().zincrby("z", 5.0, "m")?;
        tx.keys().del(["h"])?;
        tx.sets().sadd("new", ["a"])?;
        tx.strings().incr("l") // WRONGTYPE: aborts
    });
    assert_eq!(r, Err(Error::WrongType));
    assert_eq!(store.strings().get("s").unwrap().unwrap(), "keep");
    assert_eq!(store.lists().lrange("l", 0, -1).unwrap(), ["x", "y"]);
    assert_eq!(store.zsets().zscore("z", "m").unwrap(), Some(1.0));
    assert_eq!(store.hashes().hget("h", "f").unwrap().unwrap(), "v");
    assert_eq!(store.keys().exists(["new"]).unwrap(), 0);
}

#[test]
fn a_panic_inside_leaves_the_store_as_it_was_and_unlocked() {
    let store = Store::new();
    store.strings().set("k", "1").unwrap();
    let inner = store.clone();
    let outcome = thread::spawn(move || {
        inner.transaction(["k"], |tx| -> Result<(), Error> {
            tx.strings().set("k", "2")?;
            panic!("bug in the closure");
        })
    })
    .join();
    assert!(outcome.is_err(), "the panic propagates");
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "1");
    // The shard is free again.
    store.strings().set("k", "3").unwrap();
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "3");
}

#[test]
fn a_key_not_named_is_refused_at_once_and_the_error_undoes_everything() {
    let store = Store::new();
    store.strings().set("other", "x").unwrap();
    let r = store.transaction(["mine"], |tx| {
        tx.strings().set("mine", "1")?;
        // Not named: refused at once, and nothing is read or written.
        assert_eq!(tx.strings().get("other"), Err(Error::KeyNotInTransaction));
        assert_eq!(
            tx.strings().set("other", "y"),
            Err(Error::KeyNotInTransaction)
        );
        // Returned, the error undoes the SET of "mine" too.
        tx.strings().get("other")?;
        Ok::<_, Error>(())
    });
    assert_eq!(r, Err(Error::KeyNotInTransaction));
    assert_eq!(store.keys().exists(["mine"]).unwrap(), 0);
    assert_eq!(store.strings().get("other").unwrap().unwrap(), "x");
    // A whole-database command is refused the same way.
    let r = store.transaction(["mine"], |tx| tx.keys().dbsize());
    assert_eq!(r, Err(Error::KeyNotInTransaction));
    assert_eq!(
        Error::KeyNotInTransaction.to_string(),
        "ERR a transaction touched a key it did not name"
    );
}

/// Runs `f` on a thread and fails the test if it has not finished within 10 s (the
/// failure mode under test is a thread waiting for itself).
fn within_deadline<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("the store's own handle waited for its transaction's locks")
}

#[test]
fn the_stores_own_handles_inside_a_transaction_get_an_error_not_a_hang() {
    within_deadline(|| {
        let store = Store::new();
        store.strings().set("k", "1").unwrap();
        let r = store.transaction(["k"], |tx| {
            tx.strings().incr("k")?;
            // The same store's handle: its shard is the transaction's.
            assert_eq!(store.strings().get("k"), Err(Error::InsideTransaction));
            assert_eq!(
                store.strings().set("other", "v"),
                Err(Error::InsideTransaction)
            );
            assert_eq!(store.keys().dbsize(), Err(Error::InsideTransaction));
            assert_eq!(
                store.lists().blpop(["q"], None),
                Err(Error::InsideTransaction)
            );
            // A nested transaction on the same store is refused the same way.
            assert_eq!(
                store.transaction(["z"], |tx| tx.strings().incr("z")),
                Err(Error::InsideTransaction)
            );
            // Another store is independent, also in a transaction of its own, inside
            // which this store still refuses its own handles.
            let other = Store::new();
            other.strings().set("k", "elsewhere")?;
            other.transaction(["k"], |inner| {
                inner.strings().set("k", "inner")?;
                assert_eq!(store.strings().get("k"), Err(Error::InsideTransaction));
                Ok::<_, Error>(())
            })?;
            assert_eq!(other.strings().get("k")?.unwrap(), "inner");
            Ok::<_, Error>(())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(store.strings().get("k").unwrap().unwrap(), "2");
        assert_eq!(store.strings().get("other").unwrap(), None);
        // After the transaction the handles work again.
        store.strings().set("other", "v").unwrap();
    });
}

#[test]
fn ttls_survive_a_transaction_and_new_ones_apply() {
    let clock = ManualClock::new();
    let store = Store::builder().clock(clock.clone()).build();
    store
        .strings()
        .setex("session", Duration::from_secs(100), "v")
        .unwrap();
    store
        .transaction(["session", "token"], |tx| {
            tx.strings().append("session", "+")?;
            tx.strings().setex("token", Duration::from_secs(10), "t")
        })
        .unwrap();
    assert_eq!(
        store.keys().ttl("session").unwrap(),
        Ttl::Expires(Duration::from_secs(100))
    );
    assert_eq!(store.strings().get("session").unwrap().unwrap(), "v+");
    clock.advance(Duration::from_secs(11));
    assert_eq!(store.strings().get("token").unwrap(), None);
    assert!(store.strings().get("session").unwrap().is_some());
}

#[test]
fn blocking_commands_do_not_wait_inside_and_a_commit_serves_waiters() {
    let store = Store::new();
    let got = store
        .transaction(["q"], |tx| tx.lists().brpop(["q"], None))
        .unwrap();
    assert_eq!(got, None, "nothing can arrive inside a transaction");
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["jobs"], Some(Duration::from_secs(10))))
    };
    while store.blocked_clients() == 0 {
        thread::yield_now();
    }
    store
        .transaction(["jobs", "log"], |tx| {
            tx.lists().rpush("jobs", ["job-1"])?;
            tx.lists().rpush("log", ["queued job-1"])
        })
        .unwrap();
    let (key, job) = waiter.join().unwrap().unwrap().unwrap();
    assert_eq!((key, job), ("jobs".into(), "job-1".into()));
}

#[test]
fn a_transaction_on_another_database_stays_there() {
    let store = Store::new();
    let db = store.db(5).unwrap();
    db.transaction(["k"], |tx| tx.strings().set("k", "five"))
        .unwrap();
    assert_eq!(db.strings().get("k").unwrap().unwrap(), "five");
    assert_eq!(store.strings().get("k").unwrap(), None);
}

#[test]
fn the_closure_may_fail_with_its_own_error_type() {
    #[derive(Debug, PartialEq)]
    enum AppError {
        Store(Error),
        Insufficient,
    }
    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            AppError::Store(e)
        }
    }
    let store = Store::new();
    store.strings().set("balance", "10").unwrap();
    let r = store.transaction(["balance"], |tx| {
        if tx.strings().decrby("balance", 25)? < 0 {
            return Err(AppError::Insufficient);
        }
        Ok(())
    });
    assert_eq!(r, Err(AppError::Insufficient));
    assert_eq!(balance(&store, "balance"), 10);
}

#[test]
fn every_kind_of_change_to_a_watched_key_fails_the_commit() {
    let clock = ManualClock::new();
    let store = Store::builder().clock(clock.clone()).build();
    let changes: Vec<(&str, Change)> = vec![
        ("write", Box::new(|s| s.strings().set("k", "x").unwrap())),
        (
            "delete",
            Box::new(|s| assert_eq!(s.keys().del(["k"]).unwrap(), 1)),
        ),
        (
            "rename away",
            Box::new(|s| s.keys().rename("k", "elsewhere").unwrap()),
        ),
        (
            "rename onto",
            Box::new(|s| {
                s.strings().set("src", "y").unwrap();
                s.keys().rename("src", "k").unwrap();
            }),
        ),
        (
            "expire",
            Box::new(|s| {
                s.keys().expire("k", Duration::from_secs(5)).unwrap();
            }),
        ),
        ("flushdb", Box::new(|s| s.keys().flushdb().unwrap())),
        ("flushall", Box::new(|s| s.keys().flushall().unwrap())),
        ("swapdb", Box::new(|s| s.keys().swapdb(0, 1).unwrap())),
        (
            "in-place edit",
            Box::new(|s| {
                s.strings().append("k", "+").unwrap();
            }),
        ),
    ];
    for (what, change) in changes {
        store.keys().flushall().unwrap();
        store.strings().set("k", "v").unwrap();
        let watch = store.watch(["k"]);
        change(&store);
        assert!(watch.changed(), "{what}");
        let r = watch.transaction(["k"], |tx| tx.strings().set("k", "mine"));
        assert_eq!(r, Err(Error::WatchedKeyChanged), "{what}");
    }
    // Reaching a deadline set before the watch is a change too.
    store
        .strings()
        .setex("k", Duration::from_secs(10), "v")
        .unwrap();
    let watch = store.watch(["k"]);
    clock.advance(Duration::from_secs(11));
    assert_eq!(
        watch.transaction(["k"], |tx| tx.strings().set("k", "late")),
        Err(Error::WatchedKeyChanged)
    );
    assert_eq!(store.strings().get("k").unwrap(), None);
}

#[test]
fn writes_to_other_keys_do_not_disturb_a_watch() {
    let store = Store::new();
    store.strings().set("k", "1").unwrap();
    let watch = store.watch(["k"]);
    store.strings().set("other", "x").unwrap();
    store
        .db(1)
        .unwrap()
        .strings()
        .set("k", "same name, other db")
        .unwrap();
    store.keys().del(["missing"]).unwrap();
    assert!(!watch.changed());
    watch
        .transaction(["k"], |tx| tx.strings().incr("k"))
        .unwrap();
    assert_eq!(balance(&store, "k"), 2);
}

#[test]
fn check_and_set_with_retries_loses_no_increment() {
    let store = Store::new();
    store.strings().set("counter", "0").unwrap();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            thread::spawn(move || {
                let mut retries = 0;
                for _ in 0..300 {
                    loop {
                        let watch = store.watch(["counter"]);
                        let n = balance(&store, "counter");
                        let r = watch.transaction(["counter"], |tx| {
                            tx.strings().set("counter", (n + 1).to_string())
                        });
                        match r {
                            Ok(()) => break,
                            Err(Error::WatchedKeyChanged) => retries += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(balance(&store, "counter"), 1200, "after {retries} retries");
}

#[test]
fn a_pipeline_runs_atomically_and_a_failing_command_does_not_stop_the_others() {
    let store = Store::new();
    store.strings().set("name", "ann").unwrap();
    let mut p = store.pipeline(["n", "name", "l"]);
    let first = p.queue(|tx| tx.strings().incr("n"));
    let failing = p.queue(|tx| tx.lists().rpush("name", ["x"]));
    let second = p.queue(|tx| tx.strings().incrby("n", 10));
    let len = p.queue(|tx| tx.lists().rpush("l", ["a", "b"]));
    let mut replies = p.execute().unwrap();
    assert_eq!(replies.len(), 4);
    assert_eq!(replies.take(first), Ok(1));
    assert_eq!(replies.take(failing), Err(Error::WrongType));
    assert_eq!(replies.take(second), Ok(11));
    assert_eq!(replies.take(len), Ok(2));
    // Everything but the failed command applied, as with EXEC.
    assert_eq!(balance(&store, "n"), 11);
    assert_eq!(store.lists().llen("l").unwrap(), 2);
    assert_eq!(store.strings().get("name").unwrap().unwrap(), "ann");
}

#[test]
fn a_pipeline_command_on_an_undeclared_key_fails_alone() {
    let store = Store::new();
    let mut p = store.pipeline(["a"]);
    let a = p.queue(|tx| tx.strings().set("a", "1"));
    let b = p.queue(|tx| tx.strings().set("b", "2"));
    let mut replies = p.execute().unwrap();
    assert_eq!(replies.take(a), Ok(()));
    assert_eq!(replies.take(b), Err(Error::KeyNotInTransaction));
    // As in EXEC, one command's error neither stops nor undoes the others.
    assert_eq!(store.keys().exists(["a", "b"]).unwrap(), 1);
}

#[test]
fn pipelined_transfers_keep_the_total() {
    let store = Store::new();
    store.strings().mset([("x", "500"), ("y", "500")]).unwrap();
    thread::scope(|s| {
        for t in 0..2 {
            let store = &store;
            s.spawn(move || {
                for _ in 0..500 {
                    let (from, to) = if t == 0 { ("x", "y") } else { ("y", "x") };
                    let mut p = store.pipeline([from, to]);
                    p.queue(move |tx| tx.strings().decrby(from, 1));
                    p.queue(move |tx| tx.strings().incrby(to, 1));
                    p.execute().unwrap();
                }
            });
        }
        let store = &store;
        s.spawn(move || {
            for _ in 0..500 {
                let both = store.strings().mget(["x", "y"]).unwrap();
                let total: i64 = both
                    .iter()
                    .map(|v| {
                        v.as_ref()
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .parse::<i64>()
                            .unwrap()
                    })
                    .sum();
                assert_eq!(total, 1000);
            }
        });
    });
}

#[test]
fn a_transaction_that_changes_nothing_writes_nothing_back() {
    let store = Store::new();
    store.strings().set("k", "v").unwrap();
    let watch = store.watch(["k"]);
    // A write command that declines (the key exists) changes nothing: nothing is copied
    // back, so nobody watching the key sees a change.
    let set = store
        .transaction(["k"], |tx| tx.strings().setnx("k", "other"))
        .unwrap();
    assert!(!set);
    assert!(!watch.changed());
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "v");
}
