//! Benchmarks of pub/sub fan-out — one publisher, 1 or 8 subscriber threads — beside the
//! same fan-out built from channels, in the same run: one `std::sync::mpsc` or
//! `crossbeam-channel` channel per subscriber, the publisher sending to each.
//!
//! `cargo bench --bench pubsub`. Time is per message published and received by every
//! subscriber.
#![allow(missing_docs)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use embedis::Store;
mod common;

const PAYLOAD: &[u8; 16] = b"0123456789abcdef";

/// Runs `iters` messages through a fan-out: `spawn` starts the receivers (each must
/// take `iters` messages), `publish` sends one; returns the time from the first send to
/// the last receipt.
fn fan_out<R: Send + 'static>(
    iters: u64,
    receivers: Vec<R>,
    take: fn(&R),
    mut publish: impl FnMut(),
) -> Duration {
    let threads: Vec<_> = receivers
        .into_iter()
        .map(|r| {
            thread::spawn(move || {
                for _ in 0..iters {
                    take(&r);
                }
            })
        })
        .collect();
    let start = Instant::now();
    for _ in 0..iters {
        publish();
    }
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

/// [`fan_out`] over one channel per subscriber (made by `make`), the publisher sending
/// a `Bytes` clone to each.
fn channel_fan_out<S, R: Send + 'static>(
    iters: u64,
    subscribers: usize,
    make: fn() -> (S, R),
    send: fn(&S, Bytes),
    take: fn(&R),
) -> Duration {
    let (txs, rxs): (Vec<S>, Vec<R>) = (0..subscribers).map(|_| make()).unzip();
    let payload = Bytes::from_static(PAYLOAD);
    fan_out(iters, rxs, take, || {
        for tx in &txs {
            send(tx, payload.clone());
        }
    })
}

fn fanout(c: &mut Criterion) {
    let mut g = c.benchmark_group("pubsub/fanout");
    for subscribers in [1usize, 8] {
        g.bench_function(BenchmarkId::new("embedis", subscribers), |b| {
            b.iter_custom(|iters| {
                // A budget no run reaches: this measures throughput, not the cut-off.
                let store = Store::builder().pubsub_buffer_limit(usize::MAX).build();
                let subs = (0..subscribers)
                    .map(|_| store.pubsub().subscribe(["events"]))
                    .collect();
                let ps = store.pubsub();
                fan_out(
                    iters,
                    subs,
                    |s| {
                        s.recv().unwrap();
                    },
                    || {
                        ps.publish("events", PAYLOAD).unwrap();
                    },
                )
            });
        });
        g.bench_function(BenchmarkId::new("mpsc", subscribers), |b| {
            b.iter_custom(|iters| {
                channel_fan_out(
                    iters,
                    subscribers,
                    mpsc::channel::<Bytes>,
                    |tx, m| tx.send(m).unwrap(),
                    |r| {
                        r.recv().unwrap();
                    },
                )
            });
        });
        g.bench_function(BenchmarkId::new("crossbeam-channel", subscribers), |b| {
            b.iter_custom(|iters| {
                channel_fan_out(
                    iters,
                    subscribers,
                    crossbeam_channel::unbounded::<Bytes>,
                    |tx, m| tx.send(m).unwrap(),
                    |r| {
                        r.recv().unwrap();
                    },
                )
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = fanout
}
criterion_main!(benches);
