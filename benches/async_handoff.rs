//! The async blocking pop's hand-off beside a `tokio::sync::mpsc` channel, in the same
//! run: two tasks play ping-pong — each hands an element to the other and awaits the
//! next — so every hand-off wakes a task that waits (a waiter served under the list's
//! lock, its waker woken, the task polled). Time is per hand-off.
//!
//! `cargo bench --bench async_handoff`. On a current-thread runtime (the tasks take
//! turns on one thread) and on a two-worker multi-thread runtime.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::Store;
use tokio::sync::mpsc;

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .unwrap()
    }
}

/// `rounds` round trips through two lists: `2 × rounds` hand-offs.
async fn lists_ping_pong(store: Store, rounds: u64) {
    let pong = tokio::spawn({
        let store = store.clone();
        async move {
            for _ in 0..rounds {
                let got = store.lists().blpop_async(["ping"], None).await.unwrap();
                let (_, ball) = got.unwrap();
                store.lists().rpush("pong", [ball]).unwrap();
            }
        }
    });
    for _ in 0..rounds {
        store.lists().rpush("ping", ["ball"]).unwrap();
        store.lists().blpop_async(["pong"], None).await.unwrap();
    }
    pong.await.unwrap();
}

/// The same through two channels.
async fn channels_ping_pong(rounds: u64, capacity: Option<usize>) {
    enum Tx {
        Bounded(mpsc::Sender<&'static str>),
        Unbounded(mpsc::UnboundedSender<&'static str>),
    }
    enum Rx {
        Bounded(mpsc::Receiver<&'static str>),
        Unbounded(mpsc::UnboundedReceiver<&'static str>),
    }
    impl Tx {
        async fn send(&self, v: &'static str) {
            match self {
                Tx::Bounded(t) => t.send(v).await.unwrap(),
                Tx::Unbounded(t) => t.send(v).unwrap(),
            }
        }
    }
    impl Rx {
        async fn recv(&mut self) -> Option<&'static str> {
            match self {
                Rx::Bounded(r) => r.recv().await,
                Rx::Unbounded(r) => r.recv().await,
            }
        }
    }
    let channel = || {
        if let Some(n) = capacity {
            let (t, r) = mpsc::channel(n);
            (Tx::Bounded(t), Rx::Bounded(r))
        } else {
            let (t, r) = mpsc::unbounded_channel();
            (Tx::Unbounded(t), Rx::Unbounded(r))
        }
    };
    let (ping_tx, mut ping_rx) = channel();
    let (pong_tx, mut pong_rx) = channel();
    let pong = tokio::spawn(async move {
        for _ in 0..rounds {
            let ball = ping_rx.recv().await.unwrap();
            pong_tx.send(ball).await;
        }
    });
    for _ in 0..rounds {
        ping_tx.send("ball").await;
        pong_rx.recv().await.unwrap();
    }
    pong.await.unwrap();
}

/// Time per hand-off of `iters` hand-offs.
fn per_handoff(rt: &tokio::runtime::Runtime, iters: u64, run: impl AsyncFnOnce(u64)) -> Duration {
    let rounds = iters.div_ceil(2).max(1);
    let start = Instant::now();
    rt.block_on(run(rounds));
    start.elapsed() * u32::try_from(iters).unwrap_or(u32::MAX)
        / u32::try_from(rounds * 2).unwrap_or(u32::MAX)
}

fn handoff(c: &mut Criterion) {
    for (name, workers) in [("current-thread", 0), ("multi-thread 2", 2)] {
        let rt = runtime(workers);
        let mut g = c.benchmark_group(format!("async hand-off/{name}"));
        g.bench_function("embedis blpop_async", |b| {
            b.iter_custom(|iters| {
                let store = Store::new();
                per_handoff(&rt, iters, async |rounds| {
                    lists_ping_pong(store, rounds).await;
                })
            });
        });
        g.bench_function("tokio mpsc (bounded 1)", |b| {
            b.iter_custom(|iters| {
                per_handoff(&rt, iters, async |rounds| {
                    channels_ping_pong(rounds, Some(1)).await;
                })
            });
        });
        g.bench_function("tokio mpsc (unbounded)", |b| {
            b.iter_custom(|iters| {
                per_handoff(&rt, iters, async |rounds| {
                    channels_ping_pong(rounds, None).await;
                })
            });
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = handoff
}
criterion_main!(benches);
