//! embedis beside the thing it replaces: a real Redis 7 on loopback, driven through the
//! `redis` crate one command at a time and pipelined 64 deep, in the same run. 100-byte
//! values over a 100 k key space; time per command.
//!
//! Beside both, embedis driven by the same `redis::Cmd` values through its redis-rs
//! drop-in (`Connection`'s `ConnectionLike`): the cost of the command layer.
//!
//! `cargo bench --bench redis`. Starts `redis-server` on a free 127.0.0.1 port with
//! persistence off (and stops it); without `redis-server` only embedis runs, with a
//! message.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss)]

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::Store;
mod common;
#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use common::Picker;
use redis_server::Server;

const KEYS: usize = 100_000;

/// The names used, made once so that neither side pays for formatting them.
struct Names {
    key: Vec<String>,
    n: Vec<String>,
    list: Vec<String>,
    set: Vec<String>,
    hash: Vec<String>,
    field: Vec<String>,
    zset: Vec<String>,
    member: Vec<String>,
}

static NAMES: std::sync::LazyLock<Names> = std::sync::LazyLock::new(|| Names {
    key: (0..KEYS).map(|i| format!("key:{i}")).collect(),
    n: (0..KEYS).map(|i| format!("n:{i}")).collect(),
    list: (0..100).map(|i| format!("list:{i}")).collect(),
    set: (0..100).map(|i| format!("set:{i}")).collect(),
    hash: (0..1000).map(|i| format!("hash:{i}")).collect(),
    field: (0..10).map(|i| format!("f{i}")).collect(),
    zset: (0..100).map(|i| format!("zset:{i}")).collect(),
    member: (0..KEYS).map(|i| format!("m{i}")).collect(),
});
const DEPTH: usize = 64;
const VALUE: [u8; 100] = [b'v'; 100];

/// One command of the comparison, as an embedis call and as a Redis command, for a
/// random index `i`.
struct Op {
    name: &'static str,
    ours: fn(&Store, usize),
    theirs: fn(usize) -> redis::Cmd,
}

#[allow(clippy::too_many_lines)] // a table, one entry per command
fn ops() -> Vec<Op> {
    vec![
        Op {
            name: "SET",
            ours: |s, i| s.strings().set(&NAMES.key[i], VALUE).unwrap(),
            theirs: |i| redis::cmd("SET").arg(&NAMES.key[i]).arg(&VALUE[..]).clone(),
        },
        Op {
            name: "GET",
            ours: |s, i| {
                std::hint::black_box(s.strings().get(&NAMES.key[i]).unwrap());
            },
            theirs: |i| redis::cmd("GET").arg(&NAMES.key[i]).clone(),
        },
        Op {
            name: "INCR",
            ours: |s, i| {
                s.strings().incr(&NAMES.n[i]).unwrap();
            },
            theirs: |i| redis::cmd("INCR").arg(&NAMES.n[i]).clone(),
        },
        Op {
            name: "LPUSH",
            ours: |s, i| {
                s.lists().lpush(&NAMES.list[i % 100], [VALUE]).unwrap();
            },
            theirs: |i| {
                redis::cmd("LPUSH")
                    .arg(&NAMES.list[i % 100])
                    .arg(&VALUE[..])
                    .clone()
            },
        },
        Op {
            name: "LPOP",
            ours: |s, i| {
                std::hint::black_box(s.lists().lpop(&NAMES.list[i % 100]).unwrap());
            },
            theirs: |i| redis::cmd("LPOP").arg(&NAMES.list[i % 100]).clone(),
        },
        Op {
            name: "SADD",
            ours: |s, i| {
                s.sets()
                    .sadd(&NAMES.set[i % 100], [&NAMES.member[i]])
                    .unwrap();
            },
            theirs: |i| {
                redis::cmd("SADD")
                    .arg(&NAMES.set[i % 100])
                    .arg(&NAMES.member[i])
                    .clone()
            },
        },
        Op {
            name: "HSET",
            ours: |s, i| {
                s.hashes()
                    .hset(&NAMES.hash[i % 1000], [(&NAMES.field[i % 10], VALUE)])
                    .unwrap();
            },
            theirs: |i| {
                redis::cmd("HSET")
                    .arg(&NAMES.hash[i % 1000])
                    .arg(&NAMES.field[i % 10])
                    .arg(&VALUE[..])
                    .clone()
            },
        },
        Op {
            name: "ZADD",
            ours: |s, i| {
                s.zsets()
                    .zadd(&NAMES.zset[i % 100], [(&NAMES.member[i], i as f64)])
                    .unwrap();
            },
            theirs: |i| {
                redis::cmd("ZADD")
                    .arg(&NAMES.zset[i % 100])
                    .arg(i)
                    .arg(&NAMES.member[i])
                    .clone()
            },
        },
        Op {
            name: "ZRANGE 0 9",
            ours: |s, i| {
                std::hint::black_box(s.zsets().zrange(&NAMES.zset[i % 100], 0, 9).unwrap());
            },
            theirs: |i| {
                redis::cmd("ZRANGE")
                    .arg(&NAMES.zset[i % 100])
                    .arg(0)
                    .arg(9)
                    .clone()
            },
        },
    ]
}

/// The same data on both sides before the run: every key set, lists and sorted sets
/// filled.
fn fill(store: &Store, con: Option<&mut redis::Connection>) {
    let ops = ops();
    let (set, lpush, zadd) = (&ops[0], &ops[3], &ops[7]);
    for i in 0..KEYS {
        (set.ours)(store, i);
        (lpush.ours)(store, i);
        (zadd.ours)(store, i);
    }
    if let Some(con) = con {
        for chunk in (0..KEYS).collect::<Vec<_>>().chunks(1000) {
            let mut pipe = redis::pipe();
            for &i in chunk {
                pipe.add_command((set.theirs)(i)).ignore();
                pipe.add_command((lpush.theirs)(i)).ignore();
                pipe.add_command((zadd.theirs)(i)).ignore();
            }
            let () = pipe.query(con).unwrap();
        }
    }
}

fn versus_redis(c: &mut Criterion) {
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
    let mut drop_in = store.connection();
    fill(&store, con.as_mut());
    for op in ops() {
        let mut g = c.benchmark_group(format!("vs_redis/{}", op.name));
        let mut pick = Picker(0x5eed);
        g.bench_function("embedis", |b| b.iter(|| (op.ours)(&store, pick.next(KEYS))));
        // The same redis-rs command objects, run in-process by the drop-in.
        let mut pick = Picker(0x5eed);
        g.bench_function("embedis via redis-rs", |b| {
            b.iter(|| {
                let _: redis::Value = (op.theirs)(pick.next(KEYS)).query(&mut drop_in).unwrap();
            });
        });
        if let Some(con) = con.as_mut() {
            let mut pick = Picker(0x5eed);
            g.bench_function("redis", |b| {
                b.iter(|| {
                    let _: redis::Value = (op.theirs)(pick.next(KEYS)).query(con).unwrap();
                });
            });
            let mut pick = Picker(0x5eed);
            g.bench_function("redis pipelined x64", |b| {
                b.iter_custom(|iters| {
                    common::pipelined(con, iters, DEPTH, || (op.theirs)(pick.next(KEYS)))
                });
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = versus_redis
}
criterion_main!(benches);
