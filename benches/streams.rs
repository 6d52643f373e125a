//! Streams: `XADD` beside the plain structure it replaces, `XRANGE` of 10 entries at a
//! random place in 1 M, and the memory of 1 M entries beside Redis's.
//!
//! - `xadd/embedis`: one entry of three small fields (`*` ID) onto a stream;
//!   `xadd/mutex_vecdeque`: the same fields pushed, with a `u128` ID, onto a
//!   `Mutex<VecDeque<(u128, Vec<(Vec<u8>, Vec<u8>)>)>>` (the target: ≥ 0.5× its speed).
//! - `xrange10/embedis`: `XRANGE key <random ID> + COUNT 10` on a stream of 1 M entries
//!   (target: ≤ 1 µs); beside it Redis pipelined 64 deep when redis-server is installed.
//! - Printed once: bytes per entry of 1 M entries of three small fields, embedis's
//!   `used_memory` and Redis's `INFO memory` delta (target: not more than Redis).
//! - `job_queue/…`: 10 000 jobs of one small field (16 bytes) through a queue, one
//!   producer thread and 4 consumer threads, timed from the first push to the last
//!   consumer's exit. `xreadgroup count 1` and `xreadgroup count 10`: the producer
//!   `XADD`s, each consumer loops `XREADGROUP GROUP workers cN COUNT 1|10 BLOCK 0 STREAMS
//!   jobs >` and `XACK`s each job it got; `lpush/brpop`: the producer `LPUSH`es, each
//!   consumer loops `BRPOP`. The consumer that takes the last job cancels the others
//!   through a `CancelToken`. Target: the group reads' jobs/s ≥ `lpush/brpop`'s. Checked
//!   once before timing: every job delivered exactly once, nothing left pending.
//!
//! `cargo bench --bench streams`; `cargo bench --bench streams -- job_queue` for the
//! queues alone.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use embedis::{
    Blob, CancelToken, Error, GroupCreate, GroupRead, Store, StreamId, XAdd, XReadGroup,
};
mod common;
#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use common::{Picker, scaled};
use redis_server::Server;

const DEPTH: usize = 64;

/// The plain structure an event log is otherwise kept in.
type Queue = Mutex<VecDeque<(u128, Vec<(Vec<u8>, Vec<u8>)>)>>;

/// Entry `i`'s three small fields, as an event log's might be.
fn fields(i: usize) -> [(&'static str, String); 3] {
    [
        ("user", format!("u{}", i % 10_000)),
        ("action", ["view", "click", "buy"][i % 3].to_string()),
        ("amount", (i % 1000).to_string()),
    ]
}

fn fill(store: &Store, con: Option<&mut redis::Connection>, n: usize) {
    for i in 0..n {
        let id = StreamId::new(1 + i as u64, 0);
        store
            .streams()
            .xadd("log", &XAdd::id(id), fields(i))
            .unwrap();
    }
    if let Some(con) = con {
        for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
            let mut pipe = redis::pipe();
            for &i in chunk {
                let mut cmd = redis::cmd("XADD");
                cmd.arg("log").arg(format!("{}-0", i + 1));
                for (f, v) in fields(i) {
                    cmd.arg(f).arg(v);
                }
                pipe.add_command(cmd).ignore();
            }
            let () = pipe.query(con).unwrap();
        }
    }
}

fn used_memory(con: &mut redis::Connection) -> f64 {
    let info: String = redis::cmd("INFO").arg("memory").query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

fn streams(c: &mut Criterion) {
    let entries = scaled(1_000_000);
    let server = Server::start().map(|(server, _)| server);
    if server.is_none() {
        println!("redis-server not installed (or did not start): embedis runs alone");
    }
    let mut con = server.as_ref().map(|s| {
        redis::Client::open(format!("redis://127.0.0.1:{}/", s.port))
            .unwrap()
            .get_connection()
            .unwrap()
    });

    let store = Store::new();
    let before = store.used_memory() as f64;
    let redis_before = con.as_mut().map(used_memory);
    fill(&store, con.as_mut(), entries);
    let ours = (store.used_memory() as f64 - before) / entries as f64;
    match (redis_before, con.as_mut().map(used_memory)) {
        (Some(b), Some(a)) => println!(
            "memory, {entries} entries of 3 small fields: embedis {ours:.1} B/entry, Redis {:.1} B/entry",
            (a - b) / entries as f64
        ),
        _ => println!("memory, {entries} entries of 3 small fields: embedis {ours:.1} B/entry"),
    }

    let mut g = c.benchmark_group("xadd");
    let appended = Store::new();
    let mut i = 0usize;
    g.bench_function("embedis", |b| {
        b.iter(|| {
            i += 1;
            appended
                .streams()
                .xadd("s", &XAdd::new(), fields(i))
                .unwrap()
        });
    });
    let queue: Queue = Mutex::new(VecDeque::new());
    let mut j = 0usize;
    g.bench_function("mutex_vecdeque", |b| {
        b.iter(|| {
            j += 1;
            let entry: Vec<(Vec<u8>, Vec<u8>)> = fields(j)
                .into_iter()
                .map(|(f, v)| (f.as_bytes().to_vec(), v.into_bytes()))
                .collect();
            queue.lock().unwrap().push_back((j as u128, entry));
        });
    });
    g.finish();

    let mut g = c.benchmark_group("xrange10");
    let mut pick = Picker(0x5eed);
    g.bench_function("embedis", |b| {
        b.iter(|| {
            let from = StreamId::new(1 + pick.next(entries) as u64, 0);
            black_box(
                store
                    .streams()
                    .xrange("log", from, StreamId::MAX, Some(10))
                    .unwrap(),
            )
        });
    });
    if let Some(con) = con.as_mut() {
        let mut pick = Picker(0x5eed);
        g.bench_function("redis pipelined x64", |b| {
            b.iter_custom(|iters| {
                common::pipelined(con, iters, DEPTH, || {
                    let mut cmd = redis::cmd("XRANGE");
                    cmd.arg("log")
                        .arg(format!("{}-0", 1 + pick.next(entries)))
                        .arg("+")
                        .arg("COUNT")
                        .arg(10);
                    cmd
                })
            });
        });
    }
    g.finish();
}

/// Jobs a run of `job_queue` carries.
const JOBS: usize = 10_000;
/// Consumer threads of `job_queue`.
const CONSUMERS: usize = 4;

/// Job `i`'s one field value: 16 bytes.
fn job(i: usize) -> [u8; 16] {
    let mut e = [b'0'; 16];
    e.copy_from_slice(format!("{i:016}").as_bytes());
    e
}

/// What one consumer thread did with a queue: the jobs it took, in order.
type Taken<T> = Vec<T>;

/// One run of `jobs` jobs through a queue: `CONSUMERS` threads run `consume` (which
/// returns what its thread took once the token is cancelled); once all are blocked, the
/// clock starts and `produce(i)` is called for each job on this thread. Returns the time
/// from the first job to the last consumer's exit, what the producer returned for each
/// job and what each consumer took.
fn run_queue<P, T>(
    store: &Store,
    jobs: usize,
    mut produce: impl FnMut(usize) -> P,
    consume: impl Fn(&Store, &CancelToken, &AtomicUsize, usize) -> Taken<T> + Sync,
) -> (Duration, Vec<P>, Vec<Taken<T>>)
where
    T: Send,
{
    let token = CancelToken::new();
    let done = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let (token, done, consume) = (&token, &done, &consume);
                s.spawn(move || consume(store, token, done, c))
            })
            .collect();
        while store.blocked_clients() < CONSUMERS {
            std::thread::yield_now();
        }
        let start = Instant::now();
        let produced: Vec<P> = (0..jobs).map(&mut produce).collect();
        let took: Vec<Taken<T>> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
        (start.elapsed(), produced, took)
    })
}

/// Counts `k` jobs done; the thread that completes `jobs` cancels every consumer.
fn count_done(done: &AtomicUsize, token: &CancelToken, k: usize, jobs: usize) {
    if done.fetch_add(k, Ordering::SeqCst) + k == jobs {
        token.cancel();
    }
}

/// A run through a stream read by group: `XADD`, then `XREADGROUP … COUNT count BLOCK 0`
/// and an `XACK` per job on each consumer.
fn stream_run(jobs: usize, count: usize) -> (Duration, Store, Vec<StreamId>, Vec<Taken<StreamId>>) {
    let store = Store::new();
    store
        .streams()
        .xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())
        .unwrap();
    let (elapsed, produced, taken) = run_queue(
        &store,
        jobs,
        |i| {
            store
                .streams()
                .xadd("jobs", &XAdd::new(), [("job", job(i))])
                .unwrap()
                .unwrap()
        },
        |store, token, done, c| {
            let streams = store.streams().cancel_with(token);
            let options = XReadGroup::new("workers", format!("c{c}")).count(count);
            let mut took = Vec::new();
            loop {
                match streams.xreadgroup_block(&options, &[("jobs", GroupRead::New)], None) {
                    Ok(Some(reads)) => {
                        let mut k = 0;
                        for (_, entries) in reads {
                            for e in entries {
                                black_box(e.fields.expect("a new entry has its fields"));
                                assert_eq!(streams.xack("jobs", "workers", [e.id]).unwrap(), 1);
                                took.push(e.id);
                                k += 1;
                            }
                        }
                        count_done(done, token, k, jobs);
                    }
                    Ok(None) => panic!("BLOCK 0 timed out"),
                    Err(Error::Unblocked) => return took,
                    Err(e) => panic!("XREADGROUP: {e}"),
                }
            }
        },
    );
    (elapsed, store, produced, taken)
}

/// A run through a list: `LPUSH`, then `BRPOP` on each consumer.
fn list_run(jobs: usize) -> (Duration, Store, Vec<()>, Vec<Taken<Blob>>) {
    let store = Store::new();
    let (elapsed, produced, taken) = run_queue(
        &store,
        jobs,
        |i| {
            store.lists().lpush("jobs", [job(i)]).unwrap();
        },
        |store, token, done, _| {
            let lists = store.lists().cancel_with(token);
            let mut took = Vec::new();
            loop {
                match lists.brpop(["jobs"], None) {
                    Ok(Some((_, v))) => {
                        took.push(v);
                        count_done(done, token, 1, jobs);
                    }
                    Ok(None) => panic!("BRPOP 0 timed out"),
                    Err(Error::Unblocked) => return took,
                    Err(e) => panic!("BRPOP: {e}"),
                }
            }
        },
    );
    (elapsed, store, produced, taken)
}

/// The cheap guard: one run of each queue delivers every job exactly once and leaves
/// nothing pending.
fn check_job_queues() {
    for count in [1, 10] {
        let (_, store, produced, taken) = stream_run(JOBS, count);
        let mut got: Vec<StreamId> = taken.into_iter().flatten().collect();
        got.sort_unstable();
        assert_eq!(got, produced, "COUNT {count}: each job once");
        let pending = store.streams().xpending("jobs", "workers").unwrap();
        assert_eq!(pending.count, 0, "COUNT {count}: nothing pending");
        assert_eq!(store.blocked_clients(), 0);
    }
    let (_, store, _, taken) = list_run(JOBS);
    let mut got: Vec<Blob> = taken.into_iter().flatten().collect();
    got.sort_unstable();
    let want: Vec<Blob> = (0..JOBS).map(|i| Blob::copy_from_slice(&job(i))).collect();
    assert_eq!(got, want, "BRPOP: each job once");
    assert_eq!(store.lists().llen("jobs").unwrap(), 0);
    assert_eq!(store.blocked_clients(), 0);
}

/// Total time of `iters` runs of `JOBS` jobs, each on a fresh store.
fn timed_runs(iters: u64, run: impl Fn() -> Duration) -> Duration {
    (0..iters).map(|_| run()).sum()
}

fn job_queue(c: &mut Criterion) {
    check_job_queues();
    let mut g = c.benchmark_group("job_queue");
    g.throughput(Throughput::Elements(JOBS as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    for count in [1, 10] {
        g.bench_function(format!("xreadgroup count {count}"), |b| {
            b.iter_custom(|iters| timed_runs(iters, || stream_run(JOBS, count).0));
        });
    }
    g.bench_function("lpush/brpop", |b| {
        b.iter_custom(|iters| timed_runs(iters, || list_run(JOBS).0));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = streams, job_queue
}
criterion_main!(benches);
