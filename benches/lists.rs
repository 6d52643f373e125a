//! Benchmarks of lists as queues, beside the queues a Rust program would otherwise use,
//! in the same run: `std::sync::mpsc` and a `Mutex<VecDeque>` + `Condvar`.
//!
//! `cargo bench --bench lists`; memory per element is printed first.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss, clippy::semicolon_if_nothing_returned)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
mod common;

use common::live_bytes;

/// The classic blocking queue: a deque under a mutex, a condition variable for waiters.
#[derive(Default)]
struct CondvarQueue {
    items: Mutex<VecDeque<Bytes>>,
    ready: Condvar,
}

impl CondvarQueue {
    fn push(&self, item: &[u8]) {
        self.items
            .lock()
            .unwrap()
            .push_front(Bytes::copy_from_slice(item));
        self.ready.notify_one();
    }

    fn pop(&self) -> Option<Bytes> {
        self.items.lock().unwrap().pop_back()
    }

    fn pop_blocking(&self) -> Bytes {
        let mut items = self.items.lock().unwrap();
        loop {
            if let Some(item) = items.pop_back() {
                return item;
            }
            items = self.ready.wait(items).unwrap();
        }
    }
}

/// Elements of the big list (a tenth in quick mode).
fn n() -> usize {
    common::scaled(1_000_000)
}

fn element(i: usize) -> [u8; 16] {
    let mut e = [b'0'; 16];
    let digits = format!("{i:016}");
    e.copy_from_slice(digits.as_bytes());
    e
}

fn memory(_: &mut Criterion) {
    let ours = live_bytes(|| {
        let store = embedis::Store::builder().active_expiry(false).build();
        for i in 0..n() {
            store.lists().rpush("l", [element(i)]).unwrap();
        }
        store
    }) / n() as f64;
    let deque = live_bytes(|| {
        let mut q = VecDeque::new();
        for i in 0..n() {
            q.push_back(Bytes::copy_from_slice(&element(i)));
        }
        q
    }) / n() as f64;
    println!(
        "memory, one list of {} 16-byte elements, bytes per element:",
        common::label(n())
    );
    println!("  embedis            {ours:6.1}");
    println!("  VecDeque<Bytes>    {deque:6.1}");
}

/// Push one, pop one, on a queue holding about 1000 elements.
fn push_pop(c: &mut Criterion) {
    let store = embedis::Store::new();
    let cq = CondvarQueue::default();
    for i in 0..1000 {
        store.lists().lpush("q", [element(i)]).unwrap();
        cq.push(&element(i));
    }
    let e = element(7);
    let mut g = c.benchmark_group("lpush+rpop/1 thread");
    g.bench_function("embedis", |b| {
        b.iter(|| {
            store.lists().lpush("q", [&e]).unwrap();
            black_box(store.lists().rpop("q").unwrap())
        })
    });
    g.bench_function("mutex+condvar deque", |b| {
        b.iter(|| {
            cq.push(&e);
            black_box(cq.pop())
        })
    });
    let (tx, rx) = mpsc::channel::<Bytes>();
    g.bench_function("mpsc", |b| {
        b.iter(|| {
            tx.send(Bytes::copy_from_slice(&e)).unwrap();
            black_box(rx.recv().unwrap())
        })
    });
    g.finish();
}

/// A producer thread hands `iters` items to a consumer thread blocked in a pop.
fn handoff(c: &mut Criterion) {
    let mut g = c.benchmark_group("handoff/producer to blocked consumer");
    g.bench_function("embedis brpop", |b| {
        b.iter_custom(|iters| {
            let store = embedis::Store::new();
            let consumer = {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..iters {
                        black_box(store.lists().brpop(["q"], None).unwrap());
                    }
                })
            };
            let start = Instant::now();
            for i in 0..iters {
                store
                    .lists()
                    .lpush("q", [element(usize::try_from(i).unwrap())])
                    .unwrap();
            }
            consumer.join().unwrap();
            start.elapsed()
        })
    });
    g.bench_function("mutex+condvar deque", |b| {
        b.iter_custom(|iters| {
            let q = Arc::new(CondvarQueue::default());
            let consumer = {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    for _ in 0..iters {
                        black_box(q.pop_blocking());
                    }
                })
            };
            let start = Instant::now();
            for i in 0..iters {
                q.push(&element(usize::try_from(i).unwrap()));
            }
            consumer.join().unwrap();
            start.elapsed()
        })
    });
    g.bench_function("mpsc", |b| {
        b.iter_custom(|iters| {
            let (tx, rx) = mpsc::channel::<Bytes>();
            let consumer = std::thread::spawn(move || {
                for _ in 0..iters {
                    black_box(rx.recv().unwrap());
                }
            });
            let start = Instant::now();
            for i in 0..iters {
                tx.send(Bytes::copy_from_slice(&element(
                    usize::try_from(i).unwrap(),
                )))
                .unwrap();
            }
            consumer.join().unwrap();
            start.elapsed()
        })
    });
    g.finish();
}

fn access(c: &mut Criterion) {
    let store = embedis::Store::new();
    store.lists().rpush("big", (0..n()).map(element)).unwrap();
    let mut g = c.benchmark_group(format!("list of {}", common::label(n())));
    g.bench_function("lindex head", |b| {
        b.iter(|| black_box(store.lists().lindex("big", 3).unwrap()))
    });
    g.bench_function("lindex tail", |b| {
        b.iter(|| black_box(store.lists().lindex("big", -3).unwrap()))
    });
    g.bench_function("lindex middle", |b| {
        b.iter(|| black_box(store.lists().lindex("big", 500_000).unwrap()))
    });
    g.bench_function("lrange 0 9", |b| {
        b.iter(|| black_box(store.lists().lrange("big", 0, 9).unwrap()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = memory, push_pop, handoff, access
}
criterion_main!(benches);
