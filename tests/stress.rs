//! Concurrency stress: 8 threads on one store (on however many cores), a bounded number
//! of operations each, fixed seeds. Invariants are checked while it runs and at the
//! end; a watchdog fails the run with the names of the stuck threads if one makes no
//! progress for 10 s (a deadlock), instead of letting the test hang.
//!
//! * Transfers between accounts, through a transaction (strings), `SMOVE` (set
//!   members), `LMOVE` (list elements), `ZINCRBY` pairs in a transaction, `HINCRBY`
//!   pairs through `MULTI`/`EXEC`, and `RENAME`/`COPY` of whole keys: the totals never
//!   change, and a reader taking them in one transaction always sees them whole.
//! * A job queue: producers `RPUSH` unique jobs, consumers `BLPOP` them; every job is
//!   popped exactly once.
//! * Expiry: writers set keys whose value is their own deadline (1–5 ms away) while
//!   readers check that no value is ever read after its deadline; the sweeper runs too.
//! * `FLUSHDB` and `SWAPDB` of databases 1 and 2 racing with writers there, and a
//!   `volatile-lru` memory limit evicting the cache keys of database 3.
//!
//! `EMBEDIS_STRESS_OPS=n` changes the operations per thread (default 20 000).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use embedis::{Error, EvictionPolicy, Reply, SetOptions, Side, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const THREADS: usize = 8;
const ACCOUNTS: usize = 8;
const START: i64 = 1000;
const JOBS_PER_PRODUCER: usize = 2000;

fn ops() -> usize {
    std::env::var("EMBEDIS_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn account(i: usize) -> String {
    format!("acct:{i}")
}

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[derive(Debug)]
struct Precise;

impl embedis::Clock for Precise {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
}

/// Progress counters, one per thread, and a watchdog over them.
struct Watchdog {
    names: Vec<&'static str>,
    progress: Vec<AtomicU64>,
    done: AtomicBool,
}

impl Watchdog {
    fn new(names: Vec<&'static str>) -> Arc<Self> {
        let progress = names.iter().map(|_| AtomicU64::new(0)).collect();
        Arc::new(Watchdog {
            names,
            progress,
            done: AtomicBool::new(false),
        })
    }

    fn tick(&self, thread: usize) {
        self.progress[thread].fetch_add(1, Ordering::Relaxed);
    }

    /// Watches until `done`; exits the test process with a message if a thread that
    /// is not finished makes no progress for 10 s.
    fn watch(self: &Arc<Self>, finished: Arc<Vec<AtomicBool>>) -> std::thread::JoinHandle<()> {
        let me = Arc::clone(self);
        std::thread::spawn(move || {
            let mut last: Vec<(u64, Instant)> = me
                .progress
                .iter()
                .map(|p| (p.load(Ordering::Relaxed), Instant::now()))
                .collect();
            while !me.done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                for (i, p) in me.progress.iter().enumerate() {
                    let now = p.load(Ordering::Relaxed);
                    if now != last[i].0 || finished[i].load(Ordering::Relaxed) {
                        last[i] = (now, Instant::now());
                    } else if last[i].1.elapsed() > Duration::from_secs(10) {
                        let stuck: Vec<&str> = (0..me.names.len())
                            .filter(|&j| {
                                !finished[j].load(Ordering::Relaxed)
                                    && last[j].1.elapsed() > Duration::from_secs(10)
                            })
                            .map(|j| me.names[j])
                            .collect();
                        eprintln!(
                            "stress: no progress for 10 s in {stuck:?} (a deadlock?); aborting"
                        );
                        std::process::exit(101);
                    }
                }
            }
        })
    }
}

fn totals(store: &Store) -> (i64, usize, usize, f64, i64) {
    let keys: Vec<String> = (0..ACCOUNTS)
        .flat_map(|i| {
            [
                account(i),
                format!("set:{i}"),
                format!("list:{i}"),
                "board".to_owned(),
                format!("h:{i}"),
            ]
        })
        .collect();
    store
        .transaction(keys, |tx| {
            let mut money = 0;
            let (mut members, mut elems, mut points) = (0, 0, 0);
            for i in 0..ACCOUNTS {
                money += tx
                    .strings()
                    .get(account(i))?
                    .map_or(0, |v| v.as_str().unwrap().parse::<i64>().unwrap());
                members += tx.sets().scard(format!("set:{i}"))?;
                elems += tx.lists().llen(format!("list:{i}"))?;
                points += (0..4)
                    .map(|f| {
                        tx.hashes()
                            .hget(format!("h:{i}"), format!("f{f}"))
                            .unwrap()
                            .map_or(0, |v| v.as_str().unwrap().parse::<i64>().unwrap())
                    })
                    .sum::<i64>();
            }
            let board: f64 = tx
                .zsets()
                .zrange_withscores("board", 0, -1)?
                .iter()
                .map(|(_, s)| s)
                .sum();
            Ok::<_, Error>((money, members, elems, board, points))
        })
        .unwrap()
}

fn setup(store: &Store) {
    for i in 0..ACCOUNTS {
        store.strings().set(account(i), START.to_string()).unwrap();
        let members: Vec<String> = (0..50).map(|m| format!("m{i}:{m}")).collect();
        store.sets().sadd(format!("set:{i}"), &members).unwrap();
        store.lists().rpush(format!("list:{i}"), &members).unwrap();
        store
            .zsets()
            .zadd("board", [(format!("p{i}"), 100.0)])
            .unwrap();
        for f in 0..4 {
            store
                .hashes()
                .hset(format!("h:{i}"), [(format!("f{f}"), "250")])
                .unwrap();
        }
    }
}

/// One step of the transfer workload.
fn transfer(store: &Store, rng: &mut SmallRng) {
    let (a, b) = (rng.gen_range(0..ACCOUNTS), rng.gen_range(0..ACCOUNTS));
    match rng.gen_range(0..6) {
        0 => {
            let n = rng.gen_range(1..20);
            store
                .transaction([account(a), account(b)], |tx| {
                    tx.strings().decrby(account(a), n)?;
                    tx.strings().incrby(account(b), n)?;
                    Ok::<_, Error>(())
                })
                .unwrap();
        }
        1 => {
            // A member of set a, if it has one, moves to set b.
            if let Some(m) = store.sets().srandmember(format!("set:{a}")).unwrap() {
                store
                    .sets()
                    .smove(format!("set:{a}"), format!("set:{b}"), &m)
                    .unwrap();
            }
        }
        2 => {
            store
                .lists()
                .lmove(
                    format!("list:{a}"),
                    format!("list:{b}"),
                    Side::Left,
                    Side::Right,
                )
                .unwrap();
        }
        3 => {
            let n = f64::from(rng.gen_range(1..10u8));
            store
                .transaction(["board"], |tx| {
                    tx.zsets().zincrby("board", -n, format!("p{a}"))?;
                    tx.zsets().zincrby("board", n, format!("p{b}"))?;
                    Ok::<_, Error>(())
                })
                .unwrap();
        }
        4 => {
            let mut conn = store.connection();
            let (fa, fb) = (
                format!("f{}", rng.gen_range(0..4)),
                format!("f{}", rng.gen_range(0..4)),
            );
            let (ha, hb) = (format!("h:{a}"), format!("h:{b}"));
            assert_eq!(conn.execute(&["MULTI"]), Reply::ok());
            conn.execute(&["HINCRBY", &ha, &fa, "-3"]);
            conn.execute(&["HINCRBY", &hb, &fb, "3"]);
            let Reply::Array(replies) = conn.execute(&["EXEC"]) else {
                panic!("EXEC answers an array");
            };
            assert_eq!(replies.len(), 2);
        }
        _ => {
            // The whole of account a's set moves to a scratch key and back: RENAME
            // is atomic, so the members are never seen twice or missing.
            let (src, tmp) = (
                format!("set:{a}"),
                format!("tmp:{a}:{}", rng.r#gen::<u32>()),
            );
            store
                .transaction([src.clone(), tmp.clone()], |tx| {
                    if tx.keys().exists([&src])? == 1 {
                        tx.keys().rename(&src, &tmp)?;
                        tx.keys().rename(&tmp, &src)?;
                    }
                    Ok::<_, Error>(())
                })
                .unwrap();
        }
    }
}

#[test]
#[allow(clippy::too_many_lines)]
fn eight_threads_keep_every_invariant() {
    // The store's own system clock is the coarse realtime clock (a tick of 1–4 ms);
    // the test shares one precise clock with the store so that "expired" means the
    // same thing on both sides.
    let store = Store::builder()
        .clock(Precise)
        .expiry_resolution(Duration::from_millis(1))
        .build();
    setup(&store);
    let before = totals(&store);
    // Only keys with a TTL may be evicted: the cache keys of database 3 (and the
    // short-lived ones), never the accounts.
    store.set_eviction_policy(EvictionPolicy::VolatileLru);
    store.set_max_memory(store.used_memory() + (2 << 20));
    let names = vec![
        "transfers-1",
        "transfers-2",
        "auditor",
        "producer",
        "consumer",
        "expiry-writer",
        "expiry-reader",
        "db-churn",
    ];
    assert_eq!(names.len(), THREADS);
    let dog = Watchdog::new(names);
    let finished: Arc<Vec<AtomicBool>> =
        Arc::new((0..THREADS).map(|_| AtomicBool::new(false)).collect());
    let watcher = dog.watch(Arc::clone(&finished));
    let producing = AtomicBool::new(true);
    let n = ops();
    let popped = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 0..2 {
            let (store, dog, finished) = (&store, &dog, &finished);
            handles.push(s.spawn(move || {
                let mut rng = SmallRng::seed_from_u64(t as u64);
                for _ in 0..n {
                    transfer(store, &mut rng);
                    dog.tick(t);
                }
                finished[t].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        {
            // The auditor: totals seen in one transaction are always whole.
            let (store, dog, finished, before) = (&store, &dog, &finished, before);
            handles.push(s.spawn(move || {
                for _ in 0..n / 20 {
                    assert_eq!(totals(store), before, "totals seen mid-transfer");
                    dog.tick(2);
                }
                finished[2].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        {
            let (store, dog, finished, producing) = (&store, &dog, &finished, &producing);
            handles.push(s.spawn(move || {
                for j in 0..JOBS_PER_PRODUCER {
                    store.lists().rpush("jobs", [format!("job:{j}")]).unwrap();
                    dog.tick(3);
                }
                producing.store(false, Ordering::Relaxed);
                finished[3].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        {
            let (store, dog, finished, producing) = (&store, &dog, &finished, &producing);
            handles.push(s.spawn(move || {
                let mut got = Vec::new();
                loop {
                    match store
                        .lists()
                        .blpop(["jobs"], Some(Duration::from_millis(50)))
                        .unwrap()
                    {
                        Some((_, job)) => got.push(job.as_str().unwrap().to_owned()),
                        None if !producing.load(Ordering::Relaxed) => break,
                        None => {}
                    }
                    dog.tick(4);
                }
                finished[4].store(true, Ordering::Relaxed);
                got
            }));
        }
        {
            let (store, dog, finished) = (&store, &dog, &finished);
            handles.push(s.spawn(move || {
                let mut rng = SmallRng::seed_from_u64(5);
                for _ in 0..n {
                    // An absolute deadline (PXAT), so the value holds exactly the
                    // store's deadline for the key.
                    let deadline = now_ms() + rng.gen_range(1..=5);
                    store
                        .strings()
                        .set_with(
                            format!("tmp:{}", rng.gen_range(0..200)),
                            deadline.to_string(),
                            SetOptions::new()
                                .expires_at(UNIX_EPOCH + Duration::from_millis(deadline)),
                        )
                        .unwrap();
                    dog.tick(5);
                }
                finished[5].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        {
            let (store, dog, finished) = (&store, &dog, &finished);
            handles.push(s.spawn(move || {
                let mut rng = SmallRng::seed_from_u64(6);
                for _ in 0..n {
                    let t0 = now_ms();
                    if let Some(v) = store
                        .strings()
                        .get(format!("tmp:{}", rng.gen_range(0..200)))
                        .unwrap()
                    {
                        let deadline: u64 = v.as_str().unwrap().parse().unwrap();
                        // Read at t0 or later, a key whose deadline is before t0 was
                        // already expired (a key lives through its deadline's ms).
                        assert!(deadline >= t0, "read at {t0} a key expired at {deadline}");
                    }
                    dog.tick(6);
                }
                finished[6].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        {
            let (store, dog, finished) = (&store, &dog, &finished);
            handles.push(s.spawn(move || {
                let mut rng = SmallRng::seed_from_u64(7);
                let (d1, d2, d3) = (
                    store.db(1).unwrap(),
                    store.db(2).unwrap(),
                    store.db(3).unwrap(),
                );
                for i in 0..n {
                    match rng.gen_range(0..10) {
                        0 => d1.keys().flushdb().unwrap(),
                        1 => d1.keys().swapdb(1, 2).unwrap(),
                        2..=5 => {
                            d1.lists().rpush(format!("l{}", i % 7), ["x"]).unwrap();
                            d2.sets()
                                .sadd(format!("s{}", i % 5), [i.to_string()])
                                .unwrap();
                        }
                        _ => d3
                            .strings()
                            .setex(format!("cache:{i}"), Duration::from_secs(3600), [0u8; 256])
                            .unwrap(),
                    }
                    dog.tick(7);
                }
                finished[7].store(true, Ordering::Relaxed);
                Vec::new()
            }));
        }
        let mut popped = Vec::new();
        for h in handles {
            popped.extend(h.join().unwrap());
        }
        popped
    });
    dog.done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();

    assert_eq!(totals(&store), before, "totals after every transfer");
    let unique: HashSet<&String> = popped.iter().collect();
    assert_eq!(unique.len(), popped.len(), "a job popped twice");
    assert_eq!(popped.len(), JOBS_PER_PRODUCER, "every job popped");
    assert_eq!(store.lists().llen("jobs").unwrap(), 0);
}
