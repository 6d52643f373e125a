//! Hit ratio of a bounded cache: key traces replayed through embedis under a memory
//! limit (each eviction policy), `moka` (`TinyLFU` admission) and an exact LRU, all sized
//! to the same number of entries — 10% of the keys. Every access is a cache-aside
//! read: a hit, or a miss followed by an insert.
//!
//! Traces (3 M accesses each, over 1 M keys, fixed seeds):
//! * `zipf`: Zipf(0.99) over all keys.
//! * `scan`: the same Zipf accesses, interrupted after every 100 K by a scan of 50 K keys
//!   never seen before or again (a batch job, a crawler).
//! * `shift`: Zipf(0.99) whose hot keys change completely every 1 M accesses.
//!
//! embedis's limit is calibrated (see `limit_for`) so that it holds about as many entries
//! as the others (the "entries held" column shows it).
//!
//! `cargo bench --bench hit_ratio` prints the table (not a timing: criterion is not
//! used). `EMBEDIS_BENCH_QUICK=1` runs 1/10 of each trace over 1/10 of the keys.
#![allow(missing_docs)]

use std::num::NonZeroUsize;

use embedis::{EvictionPolicy, Store};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

mod common;

const VALUE: &[u8] = b"0123456789abcdef";

struct Scale {
    keys: usize,
    accesses: usize,
}

fn scale() -> Scale {
    if common::quick() {
        Scale {
            keys: 100_000,
            accesses: 300_000,
        }
    } else {
        Scale {
            keys: 1_000_000,
            accesses: 3_000_000,
        }
    }
}

/// Draws ranks 0..n with probability ∝ 1 / (rank + 1)^s.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let mut cdf = Vec::with_capacity(n);
        for k in 1..=n {
            #[allow(clippy::cast_precision_loss)]
            let w = 1.0 / (k as f64).powf(s);
            total += w;
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Zipf { cdf }
    }

    fn draw(&self, rng: &mut impl Rng) -> usize {
        let u: f64 = rng.r#gen();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

fn permutation(n: usize, rng: &mut impl Rng) -> Vec<u32> {
    let mut p: Vec<u32> = (0..u32::try_from(n).expect("fewer than 2^32 keys")).collect();
    p.shuffle(rng);
    p
}

fn traces(s: &Scale) -> Vec<(&'static str, Vec<u32>)> {
    let zipf = Zipf::new(s.keys, 0.99);
    let mut rng = SmallRng::seed_from_u64(99);
    let perm = permutation(s.keys, &mut rng);
    let plain: Vec<u32> = (0..s.accesses).map(|_| perm[zipf.draw(&mut rng)]).collect();

    let mut scan = Vec::with_capacity(s.accesses);
    let mut fresh = u32::try_from(s.keys).expect("fewer than 2^32 keys");
    let (burst, sweep) = (s.accesses / 30, s.accesses / 60);
    while scan.len() < s.accesses {
        for _ in 0..burst {
            scan.push(perm[zipf.draw(&mut rng)]);
        }
        for _ in 0..sweep {
            scan.push(fresh);
            fresh += 1;
        }
    }
    scan.truncate(s.accesses);

    let phase = s.accesses / 3;
    let mut shift = Vec::with_capacity(s.accesses);
    for _ in 0..3 {
        let perm = permutation(s.keys, &mut rng);
        shift.extend((0..phase).map(|_| perm[zipf.draw(&mut rng)]));
    }
    vec![("zipf", plain), ("scan", scan), ("shift", shift)]
}

/// The memory limit under which embedis holds about `entries` keys in steady state
/// under `policy`. Tables grow under churn (an index full of tombstones doubles) and
/// LRU/LFU keep 4 bytes of stamps per slot, so a store holding exactly `entries` is only
/// a first guess: the limit is then bisected, churning a bounded store with keys
/// outside the traces, for the largest one that holds no more than `entries`.
fn limit_for(entries: usize, policy: EvictionPolicy) -> usize {
    let n = u32::try_from(entries).expect("fewer than 2^32 keys");
    let store = Store::builder().active_expiry(false).build();
    for id in 0..n {
        store.strings().set(id.to_be_bytes(), VALUE).unwrap();
    }
    let guess = store.used_memory();
    let held = |limit: usize| {
        let store = Store::builder()
            .active_expiry(false)
            .max_memory(limit)
            .eviction_policy(policy)
            .build();
        for id in 0..4 * n {
            store
                .strings()
                .set((u32::MAX - id).to_be_bytes(), VALUE)
                .unwrap();
        }
        store.keys().dbsize().unwrap()
    };
    let (mut lo, mut hi) = (guess / 2, guess * 3);
    for _ in 0..10 {
        let mid = lo + (hi - lo) / 2;
        if held(mid) <= entries {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Hits, and entries held at the end.
fn embedis(trace: &[u32], limit: usize, policy: EvictionPolicy) -> (usize, usize) {
    let store = Store::builder()
        .active_expiry(false)
        .max_memory(limit)
        .eviction_policy(policy)
        .build();
    let mut hits = 0;
    for id in trace {
        let key = id.to_be_bytes();
        if store.strings().get(key).unwrap().is_some() {
            hits += 1;
        } else {
            store.strings().set(key, VALUE).unwrap();
        }
    }
    (hits, store.keys().dbsize().unwrap())
}

fn moka(trace: &[u32], entries: usize) -> (usize, usize) {
    let cache: moka::sync::Cache<u32, bytes::Bytes> =
        moka::sync::Cache::new(u64::try_from(entries).unwrap_or(u64::MAX));
    let mut hits = 0;
    for &id in trace {
        if cache.get(&id).is_some() {
            hits += 1;
        } else {
            cache.insert(id, bytes::Bytes::from_static(VALUE));
        }
    }
    cache.run_pending_tasks();
    (
        hits,
        usize::try_from(cache.entry_count()).unwrap_or(usize::MAX),
    )
}

fn exact_lru(trace: &[u32], entries: usize) -> (usize, usize) {
    let mut cache = lru::LruCache::new(NonZeroUsize::new(entries).expect("a capacity"));
    let mut hits = 0;
    for &id in trace {
        if cache.get(&id).is_some() {
            hits += 1;
        } else {
            cache.put(id, bytes::Bytes::from_static(VALUE));
        }
    }
    (hits, cache.len())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let s = scale();
    let entries = s.keys / 10;
    println!(
        "hit ratio, {} accesses per trace over {} keys, caches of {entries} entries\n",
        s.accesses, s.keys
    );
    println!("| trace | cache | hit ratio | entries held |");
    println!("|---|---|---:|---:|");
    let policies: Vec<(EvictionPolicy, usize)> = [
        EvictionPolicy::AllKeysLfu,
        EvictionPolicy::AllKeysLru,
        EvictionPolicy::AllKeysRandom,
    ]
    .into_iter()
    .map(|p| (p, limit_for(entries, p)))
    .collect();
    for (name, trace) in traces(&s) {
        let mut rows: Vec<(String, (usize, usize))> = Vec::new();
        for &(policy, limit) in &policies {
            rows.push((format!("embedis {policy}"), embedis(&trace, limit, policy)));
        }
        rows.push(("moka (TinyLFU)".into(), moka(&trace, entries)));
        rows.push(("exact LRU".into(), exact_lru(&trace, entries)));
        for (cache, (hits, held)) in rows {
            #[allow(clippy::cast_precision_loss)]
            let ratio = 100.0 * hits as f64 / trace.len() as f64;
            println!("| {name} | {cache} | {ratio:.2}% | {held} |");
        }
    }
}
