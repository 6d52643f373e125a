//! The cache workload beside `moka` (`moka::sync::Cache`), the Rust cache most programs
//! would use instead, in the same run: 1 M keys inserted with a 60 s time to live, then
//! read back at random. moka is measured with and without `time_to_live`.
//!
//! A third group fills a cache bounded to 100 K entries with inserts of random keys out
//! of 1 M, so nearly every insert evicts: embedis under a memory limit (LRU, LFU)
//! beside moka with a capacity.
//!
//! `cargo bench --bench cache`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use embedis::{EvictionPolicy, SetOptions, Store};
mod common;

use common::Picker;

/// Keys of the workload (a tenth in quick mode).
fn n_keys() -> usize {
    common::scaled(1_000_000)
}
const TTL: Duration = Duration::from_secs(60);

fn keys() -> Vec<String> {
    (0..n_keys()).map(|i| format!("session:{i:09}")).collect()
}

const VALUE: &[u8] = b"0123456789abcdef0123456789abcdef";

fn moka_cache(ttl: bool) -> moka::sync::Cache<String, Bytes> {
    let builder = moka::sync::Cache::builder().max_capacity(2 * n_keys() as u64);
    if ttl {
        builder.time_to_live(TTL).build()
    } else {
        builder.build()
    }
}

fn insert(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("cache/insert_with_ttl");
    let opts = SetOptions::new().ttl(TTL);
    let mut pick = Picker(3);
    let store = Store::new();
    g.bench_function("embedis", |b| {
        b.iter(|| {
            store
                .strings()
                .set_with(&keys[pick.next(n_keys())], VALUE, opts)
                .unwrap()
        });
    });
    for (name, ttl) in [("moka time_to_live", true), ("moka", false)] {
        let cache = moka_cache(ttl);
        let mut pick = Picker(3);
        g.bench_function(name, |b| {
            b.iter(|| cache.insert(keys[pick.next(n_keys())].clone(), Bytes::from_static(VALUE)));
        });
    }
    g.finish();
}

fn get(c: &mut Criterion) {
    let keys = keys();
    let store = Store::new();
    let opts = SetOptions::new().ttl(TTL);
    for k in &keys {
        store.strings().set_with(k, VALUE, opts).unwrap();
    }
    let mut g = c.benchmark_group(format!("cache/get_{}", common::label(n_keys())));
    let mut pick = Picker(5);
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(store.strings().get(&keys[pick.next(n_keys())]).unwrap()));
    });
    for (name, ttl) in [("moka time_to_live", true), ("moka", false)] {
        let cache = moka_cache(ttl);
        for k in &keys {
            cache.insert(k.clone(), Bytes::from_static(VALUE));
        }
        cache.run_pending_tasks();
        let mut pick = Picker(5);
        g.bench_function(name, |b| {
            b.iter_batched(
                || pick.next(n_keys()),
                |i| black_box(cache.get(&keys[i])),
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

/// A full cache: inserts of random keys (1 M) into a cache of 100 K entries, so nearly
/// every insert evicts. embedis's limit is the memory of 100 K such entries.
fn insert_evicting(c: &mut Criterion) {
    let capacity = n_keys() / 10;
    let keys = keys();
    let limit = {
        let store = Store::builder().active_expiry(false).build();
        for k in &keys[..capacity] {
            store.strings().set(k, VALUE).unwrap();
        }
        store.used_memory()
    };
    let mut g = c.benchmark_group(format!(
        "cache/insert_evicting_{}_of_{}",
        common::label(capacity),
        common::label(n_keys())
    ));
    for policy in [EvictionPolicy::AllKeysLru, EvictionPolicy::AllKeysLfu] {
        let store = Store::builder()
            .max_memory(limit)
            .eviction_policy(policy)
            .build();
        let mut pick = Picker(7);
        g.bench_function(format!("embedis {policy}"), |b| {
            b.iter(|| {
                store
                    .strings()
                    .set(&keys[pick.next(n_keys())], VALUE)
                    .unwrap();
            });
        });
    }
    let cache: moka::sync::Cache<String, Bytes> = moka::sync::Cache::new(capacity as u64);
    let mut pick = Picker(7);
    g.bench_function("moka", |b| {
        b.iter(|| cache.insert(keys[pick.next(n_keys())].clone(), Bytes::from_static(VALUE)));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = insert, get, insert_evicting
}
criterion_main!(benches);
