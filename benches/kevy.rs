//! embedis beside `kevy-embedded`, the closest Rust crate (an embedded Redis-compatible
//! store), in the same run: the commands of the Redis comparison through each crate's
//! API, and memory per small string key.
//!
//! `cargo bench --bench kevy`; memory per key is printed first.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss, clippy::semicolon_if_nothing_returned)]

use std::hint::black_box;
use std::sync::LazyLock;

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::Store;
use kevy_embedded::Config;
mod common;

use common::{Picker, live_bytes};

const KEYS: usize = 100_000;
const VALUE: [u8; 100] = [b'v'; 100];

/// The names used, made once so that neither side pays for formatting them.
static KEY: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..KEYS).map(|i| format!("key:{i}")).collect());
static N: LazyLock<Vec<String>> = LazyLock::new(|| (0..KEYS).map(|i| format!("n:{i}")).collect());
static GROUP: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..1300).map(|i| format!("g:{i}")).collect());
static MEMBER: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..KEYS).map(|i| format!("m{i}")).collect());

type Kevy = kevy_embedded::Store;

/// One command, through each crate, for a random index `i`.
struct Op {
    name: &'static str,
    ours: fn(&Store, usize),
    theirs: fn(&Kevy, usize),
}

fn b(s: &str) -> &[u8] {
    s.as_bytes()
}

#[allow(clippy::too_many_lines)] // a table, one entry per command
fn ops() -> Vec<Op> {
    vec![
        Op {
            name: "SET",
            ours: |s, i| s.strings().set(&KEY[i], VALUE).unwrap(),
            theirs: |k, i| {
                k.set(b(&KEY[i]), &VALUE).unwrap();
            },
        },
        Op {
            name: "GET",
            ours: |s, i| {
                black_box(s.strings().get(&KEY[i]).unwrap());
            },
            theirs: |k, i| {
                black_box(k.get(b(&KEY[i])).unwrap());
            },
        },
        Op {
            name: "INCR",
            ours: |s, i| {
                s.strings().incr(&N[i]).unwrap();
            },
            theirs: |k, i| {
                k.incr(b(&N[i])).unwrap();
            },
        },
        Op {
            name: "LPUSH",
            ours: |s, i| {
                s.lists().lpush(&GROUP[i % 100], [VALUE]).unwrap();
            },
            theirs: |k, i| {
                k.lpush(b(&GROUP[i % 100]), &[&VALUE]).unwrap();
            },
        },
        Op {
            name: "LPOP",
            ours: |s, i| {
                black_box(s.lists().lpop(&GROUP[i % 100]).unwrap());
            },
            theirs: |k, i| {
                black_box(k.lpop(b(&GROUP[i % 100]), 1).unwrap());
            },
        },
        Op {
            name: "SADD",
            ours: |s, i| {
                s.sets().sadd(&GROUP[100 + i % 100], [&MEMBER[i]]).unwrap();
            },
            theirs: |k, i| {
                k.sadd(b(&GROUP[100 + i % 100]), &[b(&MEMBER[i])]).unwrap();
            },
        },
        Op {
            name: "HSET",
            ours: |s, i| {
                s.hashes()
                    .hset(&GROUP[300 + i % 1000], [(&MEMBER[i % 10], VALUE)])
                    .unwrap();
            },
            theirs: |k, i| {
                k.hset(
                    b(&GROUP[300 + i % 1000]),
                    &[(b(&MEMBER[i % 10]), &VALUE[..])],
                )
                .unwrap();
            },
        },
        Op {
            name: "ZADD",
            ours: |s, i| {
                s.zsets()
                    .zadd(&GROUP[200 + i % 100], [(&MEMBER[i], i as f64)])
                    .unwrap();
            },
            theirs: |k, i| {
                k.zadd(b(&GROUP[200 + i % 100]), &[(i as f64, b(&MEMBER[i]))])
                    .unwrap();
            },
        },
        Op {
            name: "ZRANGE 0 9",
            ours: |s, i| {
                black_box(s.zsets().zrange(&GROUP[200 + i % 100], 0, 9).unwrap());
            },
            theirs: |k, i| {
                black_box(k.zrange(b(&GROUP[200 + i % 100]), 0, 9).unwrap());
            },
        },
    ]
}

fn memory(_: &mut Criterion) {
    let ours = live_bytes(|| {
        let store = Store::builder().active_expiry(false).build();
        for k in KEY.iter() {
            store.strings().set(k, &VALUE[..16]).unwrap();
        }
        store
    }) / KEYS as f64;
    let theirs = live_bytes(|| {
        let store = Kevy::open(Config::default()).unwrap();
        for k in KEY.iter() {
            store.set(b(k), &VALUE[..16]).unwrap();
        }
        store
    }) / KEYS as f64;
    println!("memory, 100k string keys with 16-byte values, bytes per key:");
    println!("  embedis          {ours:6.1}");
    println!("  kevy-embedded    {theirs:6.1}");
}

fn versus_kevy(c: &mut Criterion) {
    let store = Store::new();
    let kevy = Kevy::open(Config::default()).unwrap();
    let ops = ops();
    for i in 0..KEYS {
        for op in [&ops[0], &ops[3], &ops[7]] {
            (op.ours)(&store, i);
            (op.theirs)(&kevy, i);
        }
    }
    for op in &ops {
        let mut g = c.benchmark_group(format!("vs_kevy/{}", op.name));
        let mut pick = Picker(0x5eed);
        g.bench_function("embedis", |bench| {
            bench.iter(|| (op.ours)(&store, pick.next(KEYS)))
        });
        let mut pick = Picker(0x5eed);
        g.bench_function("kevy-embedded", |bench| {
            bench.iter(|| (op.theirs)(&kevy, pick.next(KEYS)))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = memory, versus_kevy
}
criterion_main!(benches);
