//! What a transaction costs: moving an amount between two counters as two plain
//! commands (not atomic), as a closure transaction, as a WATCH + transaction
//! (optimistic), and as a Lua script (`EVALSHA`), in the same run.
//!
//! `cargo bench --bench transactions`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::{Error, Store};
mod common;

fn transfer(c: &mut Criterion) {
    let store = Store::new();
    store.strings().set("a", "1000000000").unwrap();
    store.strings().set("b", "0").unwrap();
    let mut g = c.benchmark_group("transaction/transfer_2_keys");
    g.bench_function("two plain commands", |b| {
        b.iter(|| {
            store.strings().decrby("a", 1).unwrap();
            black_box(store.strings().incrby("b", 1).unwrap())
        });
    });
    g.bench_function("closure transaction", |b| {
        b.iter(|| {
            store
                .transaction(["a", "b"], |tx| {
                    tx.strings().decrby("a", 1)?;
                    tx.strings().incrby("b", 1)
                })
                .unwrap()
        });
    });
    g.bench_function("watch + transaction", |b| {
        b.iter(|| {
            let watch = store.watch(["a"]);
            let a = store.strings().get("a").unwrap();
            watch
                .transaction(["a", "b"], |tx| {
                    black_box(&a);
                    tx.strings().decrby("a", 1)?;
                    tx.strings().incrby("b", 1)
                })
                .map_err(|e: Error| e)
                .unwrap()
        });
    });
    let sha = store
        .scripts()
        .load("redis.call('DECRBY', KEYS[1], 1) return redis.call('INCRBY', KEYS[2], 1)")
        .unwrap();
    g.bench_function("lua script (evalsha)", |b| {
        b.iter(|| black_box(store.scripts().evalsha(&sha, ["a", "b"], [""; 0]).unwrap()));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = transfer
}
criterion_main!(benches);
