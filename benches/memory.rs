//! Memory per entry beside every peer, 1 M entries per data set (16-byte keys, members
//! and values): small string keys with and without a TTL, fields of one hash, members
//! of one set, elements of one list, members of one sorted set.
//!
//! Each (data set, store) is measured in a fresh process (this binary runs itself), so
//! that resident memory (RSS) is comparable too. "counted" is what the counting global
//! allocator saw retained (requested bytes); kevy-embedded allocates its tables with
//! `mmap`, out of the allocator's sight, so only its RSS is meaningful. Redis's figure is
//! the growth of `INFO memory`'s `used_memory` (jemalloc's allocated bytes) over the same
//! data, sent through pipelines to a `redis-server` started on 127.0.0.1 (skipped when
//! not installed).
//!
//! `cargo bench --bench memory` prints the table (not a timing); `EMBEDIS_BENCH_QUICK=1`
//! uses 100 K entries.
#![allow(missing_docs)]

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use embedis::Store;
use ordered_float::OrderedFloat;
use stats_alloc::Region;

mod common;
#[path = "../tests/common/redis_server.rs"]
mod redis_server;

const VALUE: &[u8] = b"0123456789abcdef";
const TTL: Duration = Duration::from_secs(3600);
const CASE: &str = "EMBEDIS_MEMORY_CASE";

fn entries() -> usize {
    if common::quick() { 100_000 } else { 1_000_000 }
}

fn names(prefix: &str) -> Vec<Vec<u8>> {
    (0..entries())
        .map(|i| format!("{prefix}:{i:011}").into_bytes())
        .collect()
}

const SETS: [&str; 6] = ["string", "string+ttl", "hash", "set", "list", "zset"];
const STORES: [&str; 5] = ["embedis", "std", "dashmap", "moka", "kevy"];

/// Resident memory of this process in bytes.
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Fills `store` with data set `set`; `None` if that store has no such structure.
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
fn fill(set: &str, store: &str, keys: &[Vec<u8>]) -> Option<Box<dyn std::any::Any>> {
    let v = Bytes::from_static(VALUE);
    Some(match (store, set) {
        ("embedis", _) => {
            let s = Store::builder().active_expiry(false).build();
            for (i, k) in keys.iter().enumerate() {
                match set {
                    "string" => s.strings().set(k, VALUE).map(drop),
                    "string+ttl" => s.strings().setex(k, TTL, VALUE),
                    "hash" => s.hashes().hset("h", [(k, VALUE)]).map(drop),
                    "set" => s.sets().sadd("s", [k]).map(drop),
                    "list" => s.lists().rpush("l", [k]).map(drop),
                    _ => s.zsets().zadd("z", [(k, i as f64)]).map(drop),
                }
                .unwrap();
            }
            Box::new(s)
        }
        ("std", "string" | "hash") => {
            let mut m: HashMap<Vec<u8>, Bytes> = HashMap::new();
            for k in keys {
                m.insert(k.clone(), v.clone());
            }
            Box::new(m)
        }
        ("std", "set") => Box::new(keys.iter().cloned().collect::<HashSet<Vec<u8>>>()),
        ("std", "list") => Box::new(
            keys.iter()
                .map(|k| Bytes::copy_from_slice(k))
                .collect::<VecDeque<Bytes>>(),
        ),
        ("std", "zset") => {
            let mut by_score = BTreeSet::new();
            let mut scores = HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                by_score.insert((OrderedFloat(i as f64), k.clone()));
                scores.insert(k.clone(), i as f64);
            }
            Box::new((by_score, scores))
        }
        ("dashmap", "string") => {
            let m: dashmap::DashMap<Vec<u8>, Bytes> = dashmap::DashMap::new();
            for k in keys {
                m.insert(k.clone(), v.clone());
            }
            Box::new(m)
        }
        ("moka", "string" | "string+ttl") => {
            let mut b = moka::sync::Cache::builder();
            if set == "string+ttl" {
                b = b.time_to_live(TTL);
            }
            let c: moka::sync::Cache<Vec<u8>, Bytes> = b.build();
            for k in keys {
                c.insert(k.clone(), v.clone());
            }
            c.run_pending_tasks();
            Box::new(c)
        }
        ("kevy", _) => {
            let s = kevy_embedded::Store::open(kevy_embedded::Config::default()).unwrap();
            for (i, k) in keys.iter().enumerate() {
                match set {
                    "string" => s.set(k, VALUE).map(drop),
                    "string+ttl" => s.set_with_ttl(k, VALUE, TTL).map(drop),
                    "hash" => s.hset(b"h", &[(k.as_slice(), VALUE)]).map(drop),
                    "set" => s.sadd(b"s", &[k.as_slice()]).map(drop),
                    "list" => s.rpush(b"l", &[k.as_slice()]).map(drop),
                    _ => s.zadd(b"z", &[(i as f64, k.as_slice())]).map(drop),
                }
                .unwrap();
            }
            Box::new(s)
        }
        _ => return None,
    })
}

/// Runs one case in this process and prints `counted rss` (bytes).
fn run_case(case: &str) {
    let (set, store) = case.split_once('/').expect("set/store");
    let keys = names(if set.starts_with("string") {
        "key"
    } else {
        "mem"
    });
    let region = Region::new(common::GLOBAL);
    let before = rss();
    let held = fill(set, store, &keys);
    let after = rss();
    let s = region.change();
    let counted = s.bytes_allocated.saturating_sub(s.bytes_deallocated);
    if held.is_some() {
        println!("{counted} {}", after.saturating_sub(before));
    }
}

/// Bytes per entry Redis's `used_memory` grows by for data set `set`.
fn redis(set: &str, con: &mut redis::Connection) -> Option<f64> {
    let used = |con: &mut redis::Connection| -> Option<f64> {
        let info: String = redis::cmd("INFO").arg("memory").query(con).ok()?;
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))?
            .trim()
            .parse()
            .ok()
    };
    redis::cmd("FLUSHALL").query::<()>(con).ok()?;
    let before = used(con)?;
    let keys = names(if set.starts_with("string") {
        "key"
    } else {
        "mem"
    });
    for (n, chunk) in keys.chunks(1000).enumerate() {
        let mut pipe = redis::pipe();
        for (j, k) in chunk.iter().enumerate() {
            let cmd = pipe.cmd(match set {
                "string" | "string+ttl" => "SET",
                "hash" => "HSET",
                "set" => "SADD",
                "list" => "RPUSH",
                _ => "ZADD",
            });
            match set {
                "string" => cmd.arg(k).arg(VALUE),
                "string+ttl" => cmd.arg(k).arg(VALUE).arg("EX").arg(3600),
                "hash" => cmd.arg("h").arg(k).arg(VALUE),
                "set" => cmd.arg("s").arg(k),
                "list" => cmd.arg("l").arg(k),
                _ => cmd.arg("z").arg(n * 1000 + j).arg(k),
            }
            .ignore();
        }
        pipe.query::<()>(con).ok()?;
    }
    #[allow(clippy::cast_precision_loss)]
    Some((used(con)? - before) / entries() as f64)
}

#[allow(clippy::cast_precision_loss)]
fn main() {
    if let Ok(case) = std::env::var(CASE) {
        run_case(&case);
        return;
    }
    let n = entries() as f64;
    let server = redis_server::Server::start();
    let mut con = server.as_ref().and_then(|(s, _)| {
        redis::Client::open(format!("redis://127.0.0.1:{}/", s.port))
            .ok()?
            .get_connection()
            .ok()
    });
    let exe = std::env::current_exe().expect("this benchmark's path");
    println!(
        "memory per entry, {} entries of 16-byte keys/members and values (bytes; counted by the allocator, RSS in brackets)\n",
        entries()
    );
    println!(
        "| data | embedis | std collections | dashmap | moka | kevy-embedded (RSS only) | Redis used_memory |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for set in SETS {
        let mut row = format!("| {set} |");
        for store in STORES {
            let out = Command::new(&exe)
                .env(CASE, format!("{set}/{store}"))
                .output()
                .expect("run one case");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut nums = text
                .split_whitespace()
                .filter_map(|t| t.parse::<f64>().ok());
            let cell = match (nums.next(), nums.next()) {
                (Some(_), Some(rss)) if store == "kevy" => format!(" {:.1} |", rss / n),
                (Some(counted), Some(rss)) => {
                    format!(" {:.1} ({:.1}) |", counted / n, rss / n)
                }
                _ => " – |".into(),
            };
            row.push_str(&cell);
        }
        let cell = match con.as_mut().and_then(|c| redis(set, c)) {
            Some(b) => format!(" {b:.1} |"),
            None => " – |".into(),
        };
        row.push_str(&cell);
        println!("{row}");
    }
}
