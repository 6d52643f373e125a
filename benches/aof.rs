//! The append-only log's cost on writes: `SET` of 16-byte keys and 100-byte values in
//! memory, and with the log under `appendfsync no`, `everysec` and `always` — one
//! thread, and (under `always`, where writers share syncs) 8 threads.
//!
//! `cargo bench --bench aof` prints the figures (not criterion: the variants alternate
//! in one run, three rounds each, the median reported). Files go to a temporary
//! directory, removed afterwards.
#![allow(missing_docs)]
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // figures for a report

use std::time::{Duration, Instant};

use embedis::{AppendFsync, Store};

/// Seconds each variant runs per round.
const RUN: Duration = Duration::from_millis(1500);

fn store(dir: &std::path::Path, log: Option<AppendFsync>) -> Store {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("a temporary directory");
    match log {
        None => Store::builder().build(),
        Some(policy) => Store::builder()
            .dir(dir)
            .appendonly(true)
            .appendfsync(policy)
            // The cost of logging itself: no rewrite runs beside (each is a snapshot).
            .auto_aof_rewrite_percentage(0)
            .open()
            .expect("the log opens"),
    }
}

/// Writes per second over `RUN`, from `threads` threads, each over its own 100 K keys.
fn sets_per_second(store: &Store, threads: usize) -> f64 {
    let value = [b'v'; 100];
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut n = 0u64;
                    let mut key = *b"key:000000000000";
                    while start.elapsed() < RUN {
                        for _ in 0..64 {
                            // The key's digits written in place: the harness costs little
                            // beside the SET it measures.
                            let mut i = (n % 100_000) + t as u64 * 1_000_000;
                            for d in key[4..].iter_mut().rev() {
                                *d = b'0' + (i % 10) as u8;
                                i /= 10;
                            }
                            store.strings().set(key, value).expect("SET");
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("writer")).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let dir = std::env::temp_dir().join(format!("embedis-bench-aof-{}", std::process::id()));
    let variants: [(&str, Option<AppendFsync>, usize); 5] = [
        ("in memory", None, 1),
        ("appendfsync no", Some(AppendFsync::No), 1),
        ("appendfsync everysec", Some(AppendFsync::EverySec), 1),
        ("appendfsync always, 1 thread", Some(AppendFsync::Always), 1),
        (
            "appendfsync always, 8 threads",
            Some(AppendFsync::Always),
            8,
        ),
    ];
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    // `EMBEDIS_BENCH_ONLY=everysec` (a part of a variant's name) runs only the variants
    // named so (to profile one), and the in-memory one.
    let only = std::env::var("EMBEDIS_BENCH_ONLY").unwrap_or_default();
    for _round in 0..3 {
        for (i, (name, log, threads)) in variants.iter().enumerate() {
            if i > 0 && !name.contains(only.as_str()) {
                results[i].push(f64::NAN);
                continue;
            }
            let s = store(&dir, *log);
            results[i].push(sets_per_second(&s, *threads));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&mut results[0].clone());
    for (i, (name, _, _)) in variants.iter().enumerate() {
        let m = median(&mut results[i]);
        println!(
            "SET {name}: {:.0} writes/s, {:.2} us each, {:.2}x the in-memory time",
            m,
            1e6 / m,
            base / m
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
