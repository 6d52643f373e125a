//! HyperLogLog, geospatial and `SORT` beside a real Redis 7 on loopback pipelined 64
//! deep, in the same run (as `benches/redis.rs` does for the everyday commands); time
//! per command.
//!
//! - `PFADD`: one new element into one of 100 HyperLogLogs already dense.
//! - `PFCOUNT`: one of those keys (its cached count), and the union of three.
//! - `GEOADD`: one point into a set of 1 M points.
//! - `GEOSEARCH`: a radius around a random point of the 1 M that holds about 100.
//! - `SORT`: one of 10 lists of 1,000 numbers, all of it, numerically.
//!
//! `cargo bench --bench families`. Starts `redis-server` on a free 127.0.0.1 port with
//! persistence off (and stops it); without it only embedis runs, with a message.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss)]

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::{GeoSearch, GeoUnit, SortOptions, Store};
mod common;
#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use common::{Picker, scaled};
use redis_server::Server;

const DEPTH: usize = 64;
const HLLS: usize = 100;
const LISTS: usize = 10;
const LIST_LEN: usize = 1000;

/// Points spread over a 1° square around Paris (73 km × 111 km): with 1 M of them a
/// 500 m radius holds about 100.
fn point(i: usize) -> (f64, f64) {
    // splitmix64 of the index: independent, uniform coordinates.
    let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let x = (z >> 32) as f64 / 4_294_967_296.0;
    let y = (z & 0xffff_ffff) as f64 / 4_294_967_296.0;
    (1.85 + x, 48.35 + y)
}

const RADIUS_KM: f64 = 0.5;

/// One command of the comparison, as an embedis call and as a Redis command, for a
/// random index `i`.
struct Op {
    name: &'static str,
    ours: Ours,
    theirs: Theirs,
}

type Ours = Box<dyn Fn(&Store, usize)>;
type Theirs = Box<dyn Fn(usize) -> redis::Cmd>;

#[allow(clippy::too_many_lines)] // a table, one entry per command
fn ops(points: usize) -> Vec<Op> {
    vec![
        Op {
            name: "PFADD",
            ours: Box::new(|s, i| {
                s.hyperloglogs()
                    .pfadd(format!("hll:{}", i % HLLS), [format!("e{i}")])
                    .unwrap();
            }),
            theirs: Box::new(|i| {
                redis::cmd("PFADD")
                    .arg(format!("hll:{}", i % HLLS))
                    .arg(format!("e{i}"))
                    .clone()
            }),
        },
        Op {
            name: "PFCOUNT one key",
            ours: Box::new(|s, i| {
                std::hint::black_box(
                    s.hyperloglogs()
                        .pfcount([format!("hll:{}", i % HLLS)])
                        .unwrap(),
                );
            }),
            theirs: Box::new(|i| {
                redis::cmd("PFCOUNT")
                    .arg(format!("hll:{}", i % HLLS))
                    .clone()
            }),
        },
        Op {
            name: "PFCOUNT three keys",
            ours: Box::new(|s, i| {
                let keys = [0, 1, 2].map(|d| format!("hll:{}", (i + d) % HLLS));
                std::hint::black_box(s.hyperloglogs().pfcount(keys).unwrap());
            }),
            theirs: Box::new(|i| {
                let keys = [0, 1, 2].map(|d| format!("hll:{}", (i + d) % HLLS));
                redis::cmd("PFCOUNT").arg(&keys[..]).clone()
            }),
        },
        Op {
            name: "GEOADD",
            ours: Box::new(move |s, i| {
                let (lon, lat) = point(points + i);
                s.geo()
                    .geoadd("geo:new", [(lon, lat, format!("p{i}"))])
                    .unwrap();
            }),
            theirs: Box::new(move |i| {
                let (lon, lat) = point(points + i);
                redis::cmd("GEOADD")
                    .arg("geo:new")
                    .arg(lon)
                    .arg(lat)
                    .arg(format!("p{i}"))
                    .clone()
            }),
        },
        Op {
            name: "GEOSEARCH ~100 of 1M",
            ours: Box::new(move |s, i| {
                let (lon, lat) = point(i % points);
                let search =
                    GeoSearch::from_lonlat(lon, lat).by_radius(RADIUS_KM, GeoUnit::Kilometers);
                std::hint::black_box(s.geo().geosearch("geo", &search).unwrap());
            }),
            theirs: Box::new(move |i| {
                let (lon, lat) = point(i % points);
                redis::cmd("GEOSEARCH")
                    .arg("geo")
                    .arg("FROMLONLAT")
                    .arg(lon)
                    .arg(lat)
                    .arg("BYRADIUS")
                    .arg(RADIUS_KM)
                    .arg("km")
                    .clone()
            }),
        },
        Op {
            name: "SORT 1000",
            ours: Box::new(|s, i| {
                let sorted = s
                    .keys()
                    .sort(format!("sort:{}", i % LISTS), &SortOptions::new())
                    .unwrap();
                std::hint::black_box(sorted);
            }),
            theirs: Box::new(|i| {
                redis::cmd("SORT")
                    .arg(format!("sort:{}", i % LISTS))
                    .clone()
            }),
        },
    ]
}

/// The same data on both sides: dense HyperLogLogs, the points, the lists to sort.
fn fill(store: &Store, con: Option<&mut redis::Connection>, points: usize) {
    let mut cmds: Vec<redis::Cmd> = Vec::new();
    for h in 0..HLLS {
        let elems: Vec<String> = (0..5000).map(|e| format!("seed{h}-{e}")).collect();
        store
            .hyperloglogs()
            .pfadd(format!("hll:{h}"), &elems)
            .unwrap();
        cmds.push(
            redis::cmd("PFADD")
                .arg(format!("hll:{h}"))
                .arg(&elems)
                .clone(),
        );
    }
    for chunk in (0..points).collect::<Vec<_>>().chunks(1000) {
        let batch: Vec<(f64, f64, String)> = chunk
            .iter()
            .map(|&i| {
                let (lon, lat) = point(i);
                (lon, lat, format!("p{i}"))
            })
            .collect();
        let mut cmd = redis::cmd("GEOADD");
        cmd.arg("geo");
        for (lon, lat, m) in &batch {
            cmd.arg(*lon).arg(*lat).arg(m);
        }
        cmds.push(cmd);
        store.geo().geoadd("geo", batch).unwrap();
    }
    let mut pick = Picker(0x5eed);
    for l in 0..LISTS {
        let numbers: Vec<String> = (0..LIST_LEN)
            .map(|_| pick.next(1_000_000).to_string())
            .collect();
        store.lists().rpush(format!("sort:{l}"), &numbers).unwrap();
        cmds.push(
            redis::cmd("RPUSH")
                .arg(format!("sort:{l}"))
                .arg(&numbers)
                .clone(),
        );
    }
    if let Some(con) = con {
        for chunk in cmds.chunks(100) {
            let mut pipe = redis::pipe();
            for c in chunk {
                pipe.add_command(c.clone()).ignore();
            }
            let () = pipe.query(con).unwrap();
        }
    }
}

fn versus_redis(c: &mut Criterion) {
    let points = scaled(1_000_000);
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
    fill(&store, con.as_mut(), points);
    let only = std::env::var("EMBEDIS_BENCH_ONLY").ok();
    for op in ops(points) {
        if only.as_deref().is_some_and(|o| !op.name.contains(o)) {
            continue;
        }
        let mut g = c.benchmark_group(format!("vs_redis/{}", op.name));
        let mut pick = Picker(0x5eed);
        g.bench_function("embedis", |b| {
            b.iter(|| (op.ours)(&store, pick.next(points)));
        });
        if let Some(con) = con.as_mut() {
            let mut pick = Picker(0x5eed);
            g.bench_function("redis pipelined x64", |b| {
                b.iter_custom(|iters| {
                    common::pipelined(con, iters, DEPTH, || (op.theirs)(pick.next(points)))
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
