//! Benchmarks of sorted sets at 1M members of 16 bytes, beside what a Rust program would
//! otherwise write, in the same run: a `BTreeSet<(OrderedFloat<f64>, member)>` for order
//! plus a `HashMap<member, score>` for lookups.
//!
//! `cargo bench --bench zsets`; memory per member is printed first.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss, clippy::semicolon_if_nothing_returned)]
#![allow(clippy::many_single_char_names)]

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;
use std::ops::Bound;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use embedis::{ScoreBound, Store, ZRange};
use ordered_float::OrderedFloat;
mod common;

use common::{Picker, live_bytes};

/// Members of the big sorted set (a tenth in quick mode).
fn n() -> usize {
    common::scaled(1_000_000)
}

/// Member `i`: 16 bytes.
fn member(i: usize) -> [u8; 16] {
    let mut m = [0u8; 16];
    m.copy_from_slice(format!("player:{i:09}").as_bytes());
    m
}

/// A score per member, spread over [0, 1e6) in no order.
fn score(i: usize) -> f64 {
    ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 44) as f64
}

/// Members in a random order, so inserts land all over the structure.
fn shuffled() -> Vec<usize> {
    let mut order: Vec<usize> = (0..n()).collect();
    let mut pick = Picker(0x2545_f491);
    for i in (1..n()).rev() {
        order.swap(i, pick.next(i + 1));
    }
    order
}

/// The baseline: order in a B-tree, scores in a hash map.
#[derive(Default)]
struct Baseline {
    order: BTreeSet<(OrderedFloat<f64>, Box<[u8]>)>,
    scores: HashMap<Box<[u8]>, f64>,
}

impl Baseline {
    fn zadd(&mut self, member: &[u8], score: f64) {
        let m: Box<[u8]> = member.into();
        if let Some(old) = self.scores.insert(m.clone(), score) {
            self.order.remove(&(OrderedFloat(old), m.clone()));
        }
        self.order.insert((OrderedFloat(score), m));
    }

    /// Rank by walking the tree: the baseline has no spans.
    fn zrank(&self, member: &[u8]) -> Option<usize> {
        let score = *self.scores.get(member)?;
        Some(
            self.order
                .range(..(OrderedFloat(score), Box::<[u8]>::from(member)))
                .count(),
        )
    }

    fn top(&self, n: usize) -> Vec<(Box<[u8]>, f64)> {
        self.order
            .iter()
            .rev()
            .take(n)
            .map(|(s, m)| (m.clone(), s.0))
            .collect()
    }

    fn range_by_score(&self, min: f64, n: usize) -> Vec<(Box<[u8]>, f64)> {
        let from = (OrderedFloat(min), Box::<[u8]>::from(&[][..]));
        self.order
            .range((Bound::Included(from), Bound::Unbounded))
            .take(n)
            .map(|(s, m)| (m.clone(), s.0))
            .collect()
    }
}

fn fill_ours(order: &[usize]) -> Store {
    let store = Store::builder().active_expiry(false).build();
    let z = store.zsets();
    for &i in order {
        z.zadd("board", [(member(i), score(i))]).unwrap();
    }
    store
}

fn fill_baseline(order: &[usize]) -> Baseline {
    let mut b = Baseline::default();
    for &i in order {
        b.zadd(&member(i), score(i));
    }
    b
}

fn memory(_: &mut Criterion) {
    let order = shuffled();
    let ours = live_bytes(|| fill_ours(&order)) / n() as f64;
    let baseline = live_bytes(|| fill_baseline(&order)) / n() as f64;
    println!(
        "memory, one sorted set of {} 16-byte members, bytes per member:",
        common::label(n())
    );
    println!("  embedis               {ours:6.1}");
    println!("  BTreeSet + HashMap    {baseline:6.1}");
}

/// Building the whole 1M-member set, random order.
fn zadd(c: &mut Criterion) {
    let order = shuffled();
    let mut g = c.benchmark_group(format!("zset/zadd_{}_random", common::label(n())));
    g.sample_size(10);
    g.bench_function("embedis", |b| {
        b.iter_batched(|| (), |()| fill_ours(&order), BatchSize::PerIteration)
    });
    g.bench_function("btreeset+hashmap", |b| {
        b.iter_batched(|| (), |()| fill_baseline(&order), BatchSize::PerIteration)
    });
    g.finish();
}

fn queries(c: &mut Criterion) {
    let order = shuffled();
    let store = fill_ours(&order);
    let baseline = fill_baseline(&order);
    let z = store.zsets();

    let mut g = c.benchmark_group(format!("zset/zrank_{}", common::label(n())));
    let mut pick = Picker(7);
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(z.zrank("board", member(pick.next(n()))).unwrap()))
    });
    g.sample_size(10);
    let mut pick = Picker(7);
    g.bench_function("btreeset+hashmap (walk)", |b| {
        b.iter(|| black_box(baseline.zrank(&member(pick.next(n())))))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("zset/top10_{}", common::label(n())));
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(z.zrevrange_withscores("board", 0, 9).unwrap()))
    });
    g.bench_function("btreeset+hashmap", |b| {
        b.iter(|| black_box(baseline.top(10)))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("zset/rangebyscore_limit10_{}", common::label(n())));
    let mut pick = Picker(11);
    g.bench_function("embedis", |b| {
        b.iter(|| {
            let min = pick.next(n()) as f64;
            let range = ZRange::score(min, ScoreBound::MAX).limit(0, 10);
            black_box(z.zrange_by_withscores("board", &range).unwrap())
        })
    });
    let mut pick = Picker(11);
    g.bench_function("btreeset+hashmap", |b| {
        b.iter(|| black_box(baseline.range_by_score(pick.next(n()) as f64, 10)))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("zset/zscore_{}", common::label(n())));
    let mut pick = Picker(13);
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(z.zscore("board", member(pick.next(n()))).unwrap()))
    });
    let mut pick = Picker(13);
    g.bench_function("btreeset+hashmap", |b| {
        b.iter(|| black_box(baseline.scores.get(&member(pick.next(n()))[..]).copied()))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("zset/zincrby_{}", common::label(n())));
    let mut pick = Picker(17);
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(z.zincrby("board", 1.0, member(pick.next(n()))).unwrap()))
    });
    let mut baseline = baseline;
    let mut pick = Picker(17);
    g.bench_function("btreeset+hashmap", |b| {
        b.iter(|| {
            let m = member(pick.next(n()));
            let s = baseline.scores.get(&m[..]).copied().unwrap_or(0.0) + 1.0;
            baseline.zadd(&m, s);
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = memory, zadd, queries
}
criterion_main!(benches);
