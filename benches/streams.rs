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
//!
//! `cargo bench --bench streams`.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::Mutex;

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::{Store, StreamId, XAdd};
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

criterion_group! {
    name = benches;
    config = common::config();
    targets = streams
}
criterion_main!(benches);
