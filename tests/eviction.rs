//! Bounded memory: the accounting against a counting allocator, each eviction policy
//! evicting what it should, `noeviction` refusing growth, and the limit holding across a
//! long random workload.

use std::time::Duration;

use embedis::{Error, EvictionPolicy, KeyType, KeyspaceEvents, ManualClock, Reply, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

mod common;
use common::{WORKLOAD, within};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// One test at a time: the counting allocator sees every thread, so the policy tests
/// would disturb the accounting tests' measurements.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn quiet_store() -> Store {
    Store::builder()
        .clock(ManualClock::new())
        .active_expiry(false)
        .build()
}

/// Runs `work` on a fresh store and returns (bytes the allocator saw retained, bytes
/// the store says it holds), both as changes over `work`.
fn measured(work: impl FnOnce(&Store)) -> (f64, f64) {
    let store = quiet_store();
    let base = store.used_memory();
    let region = Region::new(GLOBAL);
    work(&store);
    let s = region.change();
    #[allow(clippy::cast_precision_loss)]
    let (real, counted) = (
        (s.bytes_allocated as f64) - (s.bytes_deallocated as f64),
        (store.used_memory() - base) as f64,
    );
    drop(store);
    (real, counted)
}

/// The estimate is within ±15% of the allocator's count.
fn assert_close(what: &str, (real, counted): (f64, f64)) {
    let ratio = counted / real;
    eprintln!("{what}: allocator {real:.0} B, used_memory {counted:.0} B, ratio {ratio:.3}");
    assert!(
        (0.85..=1.15).contains(&ratio),
        "{what}: used_memory {counted:.0} vs allocator {real:.0} (ratio {ratio:.3})"
    );
}

fn keys(n: usize, prefix: &str) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("{prefix}:{i:012}").into_bytes())
        .collect()
}

#[test]
fn accounting_matches_the_allocator_for_small_strings() {
    let _serial = one_at_a_time();
    let keys = keys(1_000_000, "key");
    assert_close(
        "1M small strings",
        measured(|store| {
            for k in &keys {
                store.strings().set(k, b"0123456789abcdef").unwrap();
            }
        }),
    );
    assert_close(
        "1M small strings with TTL",
        measured(|store| {
            for k in &keys {
                store
                    .strings()
                    .setex(k, Duration::from_secs(3600), b"0123456789abcdef")
                    .unwrap();
            }
        }),
    );
}

#[test]
fn accounting_matches_the_allocator_for_large_collections() {
    let _serial = one_at_a_time();
    let members = keys(200_000, "member");
    let long: Vec<Vec<u8>> = members
        .iter()
        .map(|m| [m.as_slice(), &[b'x'; 40]].concat())
        .collect();
    assert_close(
        "hash of 200K fields",
        measured(|store| {
            for m in &members {
                store.hashes().hset("h", [(m, b"some value")]).unwrap();
            }
        }),
    );
    assert_close(
        "hash of 200K long fields and values",
        measured(|store| {
            for m in &long {
                store.hashes().hset("h", [(m, m)]).unwrap();
            }
        }),
    );
    assert_close(
        "set of 200K members",
        measured(|store| {
            for m in &members {
                store.sets().sadd("s", [m]).unwrap();
            }
        }),
    );
    assert_close(
        "list of 1M elements",
        measured(|store| {
            for i in 0..1_000_000u32 {
                store.lists().rpush("l", [i.to_le_bytes()]).unwrap();
            }
        }),
    );
    assert_close(
        "list of 100K long elements",
        measured(|store| {
            for m in &long[..100_000] {
                store.lists().lpush("l", [m]).unwrap();
            }
        }),
    );
    assert_close(
        "sorted set of 200K members",
        measured(|store| {
            for (i, m) in members.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let score = (i * 7919 % 200_000) as f64;
                store.zsets().zadd("z", [(m, score)]).unwrap();
            }
        }),
    );
    assert_close(
        "10K small hashes, sets, lists and sorted sets",
        measured(|store| {
            for (i, k) in members[..10_000].iter().enumerate() {
                for j in 0..10u8 {
                    let f = [b'f', j];
                    store.hashes().hset(k, [(&f, k)]).unwrap();
                    store
                        .sets()
                        .sadd([k.as_slice(), b"s"].concat(), [&f])
                        .unwrap();
                    store
                        .lists()
                        .rpush([k.as_slice(), b"l"].concat(), [k])
                        .unwrap();
                    #[allow(clippy::cast_precision_loss)]
                    let score = (i + usize::from(j)) as f64;
                    store
                        .zsets()
                        .zadd([k.as_slice(), b"z"].concat(), [(&f, score)])
                        .unwrap();
                }
            }
        }),
    );
}

#[test]
fn accounting_stays_true_through_deletes_and_overwrites() {
    let _serial = one_at_a_time();
    let keys = keys(200_000, "mixed");
    let mut rng = SmallRng::seed_from_u64(6);
    let ops: Vec<(usize, u8, usize)> = (0..1_000_000)
        .map(|_| {
            (
                rng.gen_range(0..keys.len()),
                rng.gen_range(0..10u8),
                rng.gen_range(0..200),
            )
        })
        .collect();
    let value = [b'v'; 200];
    assert_close(
        "1M mixed writes, deletes and overwrites",
        measured(|store| {
            for &(k, op, len) in &ops {
                let key = &keys[k];
                let small = &value[..len % 20];
                // A key changes type only after a DEL, so WRONGTYPE is rare but fine.
                let _ = match op {
                    0..=2 => store.strings().set(key, &value[..len]).map(drop),
                    3 => store
                        .strings()
                        .setex(key, Duration::from_secs(60), small)
                        .map(drop),
                    4 => store.strings().append(key, small).map(drop),
                    5 => store.keys().del([key]).map(drop),
                    6 => store.hashes().hset(key, [(small, &value[..len])]).map(drop),
                    7 => store.lists().lpush(key, [&value[..len]]).map(drop),
                    8 => store.sets().sadd(key, [&value[..len]]).map(drop),
                    _ => store.keys().persist(key).map(drop),
                };
            }
        }),
    );
}

fn bounded(policy: EvictionPolicy) -> (Store, ManualClock) {
    let clock = ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .active_expiry(false)
        .eviction_policy(policy)
        .build();
    (store, clock)
}

/// Fills `n` keys of 100-byte values (`ttl`: every key also gets one).
fn fill(store: &Store, clock: &ManualClock, n: usize, prefix: &str, ttl: bool) {
    for i in 0..n {
        let key = format!("{prefix}{i}");
        if ttl {
            store
                .strings()
                .setex(&key, Duration::from_secs(3600), [7u8; 100])
                .unwrap();
        } else {
            store.strings().set(&key, [7u8; 100]).unwrap();
        }
        clock.advance(Duration::from_millis(1));
    }
}

fn count_present(store: &Store, prefix: &str, range: std::ops::Range<usize>) -> usize {
    range
        .filter(|i| store.keys().exists([format!("{prefix}{i}")]).unwrap() == 1)
        .count()
}

#[test]
fn noeviction_refuses_growth_and_keeps_reads_and_deletes() {
    let _serial = one_at_a_time();
    let (store, clock) = bounded(EvictionPolicy::NoEviction);
    fill(&store, &clock, 1000, "k", false);
    store.set_max_memory(store.used_memory() / 2);
    assert_eq!(store.keys().dbsize().unwrap(), 1000, "nothing evicted");
    assert_eq!(store.strings().set("new", "v"), Err(Error::OutOfMemory));
    assert_eq!(store.lists().lpush("l", ["v"]), Err(Error::OutOfMemory));
    assert_eq!(
        store.hashes().hset("k1", [("f", "v")]),
        Err(Error::OutOfMemory)
    );
    assert_eq!(store.strings().incr("k1"), Err(Error::OutOfMemory));
    assert_eq!(store.strings().get("k1").unwrap().unwrap().len(), 100);
    assert_eq!(store.keys().del(["k1", "k2"]).unwrap(), 2);
    assert_eq!(store.keys().expire("k3", Duration::from_secs(9)), Ok(true));
    // Through the command interface: Redis's error, and a queued command dirties MULTI.
    let mut conn = store.connection();
    assert_eq!(
        conn.execute(&["SET", "x", "y"]),
        Reply::Error("OOM command not allowed when used memory > 'maxmemory'.".into())
    );
    assert_eq!(conn.execute(&["MULTI"]), Reply::ok());
    assert!(matches!(
        conn.execute(&["RPUSH", "l", "v"]),
        Reply::Error(_)
    ));
    assert!(matches!(conn.execute(&["EXEC"]), Reply::Error(e) if e.starts_with(b"EXECABORT")));
    // Deleting enough makes room again.
    for i in 0..1000 {
        store.keys().del([format!("k{i}")]).unwrap();
    }
    store.strings().set("new", "v").unwrap();
}

#[test]
fn allkeys_lru_keeps_the_recently_used_keys() {
    let _serial = one_at_a_time();
    let (store, clock) = bounded(EvictionPolicy::AllKeysLru);
    fill(&store, &clock, 10_000, "k", false);
    // The oldest thousand are read again: now the most recent.
    for i in 0..1000 {
        store.strings().get(format!("k{i}")).unwrap();
        clock.advance(Duration::from_millis(1));
    }
    store.set_max_memory(store.used_memory() / 2);
    assert!(store.used_memory() <= store.max_memory());
    let evicted = store.info().evicted_keys;
    assert!(evicted >= 4000, "{evicted}");
    let hot = count_present(&store, "k", 0..1000);
    assert!(hot >= 980, "{hot} of the 1000 recently read keys survived");
    // Among the rest, the older half went first.
    let old = count_present(&store, "k", 1000..5500);
    let young = count_present(&store, "k", 5500..10_000);
    assert!(young > 2 * old, "old {old}, young {young}");
}

#[test]
fn allkeys_lfu_keeps_the_frequently_used_keys() {
    let _serial = one_at_a_time();
    let (store, clock) = bounded(EvictionPolicy::AllKeysLfu);
    fill(&store, &clock, 2000, "hot", false);
    let mut rng = SmallRng::seed_from_u64(1);
    for _ in 0..200_000 {
        store
            .strings()
            .get(format!("hot{}", rng.gen_range(0..2000)))
            .unwrap();
    }
    store.set_max_memory(store.used_memory() * 2);
    // A stream of keys used once: they, not the hot ones, are evicted.
    fill(&store, &clock, 20_000, "once", false);
    assert!(store.info().evicted_keys >= 10_000);
    let hot = count_present(&store, "hot", 0..2000);
    assert!(hot >= 1950, "{hot} of 2000 hot keys survived");
    let freq = store.keys().object_freq("hot1").unwrap().unwrap();
    assert!(freq > 5, "{freq}");
    assert_eq!(store.keys().object_idletime("hot1"), Err(Error::LfuPolicy));
}

#[test]
fn volatile_policies_never_evict_keys_without_ttl() {
    let _serial = one_at_a_time();
    for policy in [
        EvictionPolicy::VolatileLru,
        EvictionPolicy::VolatileLfu,
        EvictionPolicy::VolatileRandom,
        EvictionPolicy::VolatileTtl,
    ] {
        let (store, clock) = bounded(policy);
        fill(&store, &clock, 2000, "keep", false);
        fill(&store, &clock, 2000, "temp", true);
        store.set_max_memory(store.used_memory() * 3 / 4);
        assert!(store.used_memory() <= store.max_memory(), "{policy}");
        assert_eq!(count_present(&store, "keep", 0..2000), 2000, "{policy}");
        assert!(count_present(&store, "temp", 0..2000) < 2000, "{policy}");
        // Once no key with a TTL is left, growth is refused.
        store.set_max_memory(store.used_memory() / 2);
        assert_eq!(count_present(&store, "temp", 0..2000), 0, "{policy}");
        assert_eq!(count_present(&store, "keep", 0..2000), 2000, "{policy}");
        assert_eq!(
            store.strings().set("more", "v"),
            Err(Error::OutOfMemory),
            "{policy}"
        );
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_deadlines_first() {
    let _serial = one_at_a_time();
    let (store, _clock) = bounded(EvictionPolicy::VolatileTtl);
    let mut rng = SmallRng::seed_from_u64(3);
    let mut order: Vec<u64> = (1..=4000).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    // Key d expires in d minutes, inserted in random order.
    for &d in &order {
        store
            .strings()
            .setex(format!("d{d}"), Duration::from_secs(60 * d), [0u8; 100])
            .unwrap();
    }
    store.set_max_memory(store.used_memory() * 3 / 4);
    let evicted: Vec<u64> = (1..=4000)
        .filter(|d| store.keys().exists([format!("d{d}")]).unwrap() == 0)
        .collect();
    assert!(evicted.len() >= 800, "{}", evicted.len());
    // Nearly all of them among the nearest deadlines.
    let bound = evicted.len() as u64 * 12 / 10;
    let near = evicted.iter().filter(|&&d| d <= bound).count();
    assert!(
        near * 100 >= evicted.len() * 95,
        "{near} of {} evicted keys among the nearest {bound}",
        evicted.len()
    );
}

#[test]
fn random_policies_evict_and_stay_under_the_limit() {
    let _serial = one_at_a_time();
    for policy in [
        EvictionPolicy::AllKeysRandom,
        EvictionPolicy::VolatileRandom,
    ] {
        let (store, clock) = bounded(policy);
        fill(&store, &clock, 5000, "k", true);
        let limit = store.used_memory() / 2;
        store.set_max_memory(limit);
        assert!(store.used_memory() <= limit, "{policy}");
        fill(&store, &clock, 5000, "more", true);
        assert!(store.used_memory() <= limit, "{policy}");
        assert!(store.info().evicted_keys >= 5000, "{policy}");
    }
}

/// A long random workload of writes and deletes at a limit far below what it writes,
/// under each policy that evicts: the writes are made room for, not refused, and memory
/// is back under the limit after each.
///
/// Under the `allkeys` policies every write succeeds (or is WRONGTYPE, on a key of
/// another type) and memory is under the limit after every command. Under the
/// `volatile` ones all keys but a hundred get a TTL. Were none left, a write could take
/// memory over the limit (as in Redis, which evicts before a command, not after), and
/// the writes that follow would be refused until there is room. So: a write is refused
/// only when no key with a TTL is left to evict, memory is over the limit only then, and
/// a write done while it was over first evicted.
#[test]
#[allow(clippy::too_many_lines)]
fn memory_stays_under_the_limit_across_a_random_workload() {
    let _serial = one_at_a_time();
    for policy in [
        EvictionPolicy::AllKeysLru,
        EvictionPolicy::AllKeysLfu,
        EvictionPolicy::AllKeysRandom,
        EvictionPolicy::VolatileLru,
        EvictionPolicy::VolatileLfu,
        EvictionPolicy::VolatileRandom,
        EvictionPolicy::VolatileTtl,
    ] {
        let volatile = !matches!(
            policy,
            EvictionPolicy::AllKeysLru | EvictionPolicy::AllKeysLfu | EvictionPolicy::AllKeysRandom
        );
        let (store, clock) = bounded(policy);
        let limit = 2 << 20;
        store.set_max_memory(limit);
        let mut rng = SmallRng::seed_from_u64(11);
        let value = vec![b'x'; 2000];
        let (mut attempted, mut written, mut wrong_type, mut refused) = (0, 0, 0, 0);
        let hour = Duration::from_secs(3600);
        for step in 0..100_000 {
            let n = rng.gen_range(0..20_000);
            let key = format!("key{n}");
            let v = &value[..rng.gen_range(0..2000)];
            let op = rng.gen_range(0..8);
            // Under a volatile policy, all but the first 100 keys get a TTL.
            let ttl = volatile && n >= 100;
            // (`info` only where needed: it visits every shard.)
            let over_before = store.used_memory() > limit;
            let evicted_before = over_before.then(|| store.info().evicted_keys);
            let (result, written_type) = match op {
                0..=2 if ttl => (
                    store.strings().setex(&key, hour, v).map(drop),
                    KeyType::String,
                ),
                0..=2 => (store.strings().set(&key, v).map(drop), KeyType::String),
                3 => (
                    store
                        .hashes()
                        .hset(&key, [(&v[..v.len() % 50], v)])
                        .map(drop),
                    KeyType::Hash,
                ),
                4 => (store.lists().rpush(&key, [v]).map(drop), KeyType::List),
                5 => (store.sets().sadd(&key, [v]).map(drop), KeyType::Set),
                6 => (
                    store.zsets().zadd(&key, [(v, 1.0)]).map(drop),
                    KeyType::ZSet,
                ),
                _ => {
                    store.keys().del([&key]).unwrap();
                    (Ok(()), KeyType::String)
                }
            };
            let is_write = op < 7;
            attempted += usize::from(is_write);
            let expires = || store.info().expires;
            match result {
                Ok(()) if is_write => {
                    written += 1;
                    assert!(
                        evicted_before.is_none_or(|before| store.info().evicted_keys > before),
                        "{policy} step {step}: a write done over the limit without evicting"
                    );
                }
                Ok(()) => {}
                Err(Error::WrongType) => {
                    // A refused write changes nothing: the key still holds another type.
                    let held = store.keys().key_type(&key).unwrap();
                    assert!(
                        held.is_some_and(|t| t != written_type),
                        "{policy} step {step}: WRONGTYPE writing a {written_type:?} to {held:?}"
                    );
                    wrong_type += 1;
                }
                Err(Error::OutOfMemory) if volatile => {
                    let expires = expires();
                    assert_eq!(
                        expires, 0,
                        "{policy} step {step}: a write refused with {expires} keys with a TTL \
                         left to evict"
                    );
                    refused += 1;
                }
                Err(e) => panic!("{policy} step {step}: a {written_type:?} write failed: {e}"),
            }
            // Evicted back under the limit after every command, or nothing is left to
            // evict.
            let used = store.used_memory();
            if used > limit {
                let expires = expires();
                assert!(
                    volatile && expires == 0,
                    "{policy} step {step}: {used} > {limit}, {expires} keys with a TTL"
                );
            }
            if ttl && written_type != KeyType::String && result.is_ok() && is_write {
                // (The key may be gone already: evicted to make room after the write.)
                store.keys().expire(&key, hour).unwrap();
            }
            if step % 7 == 0 {
                clock.advance(Duration::from_millis(1));
            }
        }
        let keys = store.keys().dbsize().unwrap();
        eprintln!(
            "{policy}: {written} of {attempted} writes done, {wrong_type} WRONGTYPE, \
             {refused} refused; {keys} keys at the end, {} evicted",
            store.info().evicted_keys
        );
        assert_eq!(written + wrong_type + refused, attempted, "{policy}");
        // The workload really wrote, and the store holds what the limit allows.
        assert!(
            written * 10 >= attempted * 8,
            "{policy}: {written} of {attempted} writes"
        );
        assert!(keys >= 500, "{policy}: {keys} keys left");
        assert!(store.info().evicted_keys > 0, "{policy}");
        if volatile {
            // Writes of keys without a TTL, until one is refused: only once no key with
            // a TTL is left.
            let mut done = 0;
            let refused = loop {
                match store.strings().set(format!("persistent{done}"), &value) {
                    Ok(()) => done += 1,
                    Err(e) => break e,
                }
                assert!(
                    done < 10_000,
                    "{policy}: {done} persistent writes, none refused"
                );
            };
            assert_eq!(refused, Error::OutOfMemory, "{policy}");
            assert_eq!(
                store.info().expires,
                0,
                "{policy}: refused with keys to evict"
            );
            assert!(
                done >= 100,
                "{policy}: refused after {done} persistent writes"
            );
        }
    }
}

#[test]
fn evictions_raise_the_evicted_event_and_are_counted() {
    let _serial = one_at_a_time();
    let (store, clock) = bounded(EvictionPolicy::AllKeysRandom);
    store.set_notify_keyspace_events(KeyspaceEvents::parse("Ee").unwrap());
    let events = store.pubsub().subscribe(["__keyevent@0__:evicted"]);
    fill(&store, &clock, 100, "k", false);
    store.set_max_memory(store.used_memory() - 1000);
    let evicted = store.info().evicted_keys;
    assert!(evicted >= 1);
    let mut seen = 0;
    while let Some(m) = events.try_recv().unwrap() {
        assert!(m.payload.starts_with(b"k"));
        seen += 1;
    }
    assert_eq!(seen, evicted);
}

#[test]
fn settings_through_config_info_memory_and_object() {
    let _serial = one_at_a_time();
    let (store, clock) = bounded(EvictionPolicy::NoEviction);
    let mut conn = store.connection();
    let ok = Reply::ok();
    assert_eq!(conn.execute(&["CONFIG", "SET", "maxmemory", "10mb"]), ok);
    assert_eq!(store.max_memory(), 10 << 20);
    assert_eq!(
        conn.execute(&["CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"]),
        ok
    );
    assert_eq!(store.eviction_policy(), EvictionPolicy::AllKeysLru);
    assert_eq!(
        conn.execute(&["CONFIG", "SET", "maxmemory-policy", "lru"]),
        Reply::Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction".into())
    );
    assert_eq!(
        conn.execute(&["CONFIG", "SET", "maxmemory", "1.5"]),
        Reply::Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value".into())
    );
    assert_eq!(
        conn.execute(&["CONFIG", "GET", "maxmemory*"]).to_string(),
        "1) \"maxmemory\"\n2) \"10485760\"\n3) \"maxmemory-policy\"\n4) \"allkeys-lru\"\n5) \"maxmemory-samples\"\n6) \"5\""
    );
    conn.execute(&["SET", "k", "v"]);
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        conn.execute(&["OBJECT", "IDLETIME", "k"]),
        Reply::Integer(5)
    );
    assert!(
        matches!(conn.execute(&["OBJECT", "FREQ", "k"]), Reply::Error(e) if String::from_utf8_lossy(&e).contains("not selected"))
    );
    assert_eq!(conn.execute(&["OBJECT", "FREQ", "nokey"]), Reply::Nil);
    assert!(matches!(conn.execute(&["MEMORY", "USAGE", "k"]), Reply::Integer(n) if n > 0));
    assert_eq!(conn.execute(&["MEMORY", "USAGE", "nokey"]), Reply::Nil);
    assert_eq!(
        conn.execute(&["MEMORY", "USAGE", "k", "SAMPLES", "x"]),
        Reply::Error("ERR value is not an integer or out of range".into())
    );
    assert_eq!(
        conn.execute(&["MEMORY", "USAGE", "k", "SAMPLES"]),
        Reply::Error("ERR syntax error".into())
    );
    assert_eq!(
        conn.execute(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]),
        ok
    );
    assert_eq!(conn.execute(&["OBJECT", "FREQ", "k"]), Reply::Integer(5));
    let Reply::Bulk(info) = conn.execute(&["INFO", "memory"]) else {
        panic!("INFO is a bulk string");
    };
    let info = String::from_utf8_lossy(&info).into_owned();
    assert!(info.contains("maxmemory:10485760\r\n"), "{info}");
    assert!(info.contains("maxmemory_human:10.00M\r\n"), "{info}");
    assert!(info.contains("maxmemory_policy:allkeys-lfu"), "{info}");
    assert!(
        info.contains(&format!("used_memory:{}\r\n", store.used_memory())),
        "{info}"
    );
}

#[test]
fn threads_evicting_at_once_keep_the_limit_and_never_deadlock() {
    let _serial = one_at_a_time();
    let (store, _clock) = bounded(EvictionPolicy::AllKeysLru);
    let limit = 1 << 20;
    store.set_max_memory(limit);
    // Under a deadline: a deadlock fails the test instead of hanging it.
    let writers = store.clone();
    within(WORKLOAD, "threads evicting at once", move || {
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let store = writers.clone();
                s.spawn(move || {
                    let mut rng = SmallRng::seed_from_u64(t);
                    for i in 0..20_000 {
                        let key = format!("t{t}:{}", rng.gen_range(0..50_000));
                        match i % 4 {
                            0 => store.lists().rpush(&key, [[1u8; 64]]).map(drop),
                            1 => store.keys().del([&key]).map(drop),
                            _ => store.strings().set(&key, [2u8; 200]).map(drop),
                        }
                        .or_else(|e| {
                            if e == Error::WrongType {
                                Ok(())
                            } else {
                                Err(e)
                            }
                        })
                        .unwrap();
                    }
                });
            }
        });
    });
    assert!(store.used_memory() <= limit, "{}", store.used_memory());
    assert!(store.info().evicted_keys > 0);
}

/// A limit set while a typed transaction holds its keys applies to its next write:
/// refused under `noeviction` (nothing is evicted while the keys are held).
#[test]
fn a_limit_set_inside_a_typed_transaction_applies_to_its_next_write() {
    let _serial = one_at_a_time();
    let store = quiet_store();
    for i in 0..1000 {
        store.strings().set(format!("k{i}"), [1u8; 50]).unwrap();
    }
    let r = store.transaction(["new"], |tx| {
        store.set_max_memory(1000);
        tx.strings().set("new", "v")
    });
    assert_eq!(r, Err(Error::OutOfMemory));
    assert_eq!(store.strings().get("new").unwrap(), None);
    store.set_max_memory(0);
    store.strings().set("new", "v").unwrap();
}
