//! The append-only log's cost on writes: `SET` of 16-byte keys and 100-byte values in
//! memory, and with the log under `appendfsync no`, `everysec` and `always` — one
//! thread, and (under `always`, where writers share syncs) 8 threads; and the same
//! beside kevy-embedded (the closest Rust peer) with and without its append-only log.
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

/// A store to write to: ours, with or without the log, or kevy-embedded's (the closest
/// Rust peer), in memory or with its append-only log (`with_persist`).
enum Target {
    Ours(Store),
    Kevy(Box<kevy_embedded::Store>),
}

/// Which store a variant writes to, and how it logs.
#[derive(Clone, Copy)]
enum Kind {
    Ours(Option<AppendFsync>),
    Kevy(Option<kevy_embedded::AppendFsync>),
}

fn target(dir: &std::path::Path, kind: Kind) -> Target {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("a temporary directory");
    match kind {
        Kind::Ours(None) => Target::Ours(Store::builder().build()),
        Kind::Ours(Some(policy)) => Target::Ours(
            Store::builder()
                .dir(dir)
                .appendonly(true)
                .appendfsync(policy)
                // The cost of logging itself: no rewrite runs beside (each is a snapshot).
                .auto_aof_rewrite_percentage(0)
                .open()
                .expect("the log opens"),
        ),
        Kind::Kevy(None) => Target::Kevy(Box::new(
            kevy_embedded::Store::open(kevy_embedded::Config::default()).expect("kevy opens"),
        )),
        Kind::Kevy(Some(policy)) => Target::Kevy(Box::new(
            kevy_embedded::Store::open(
                kevy_embedded::Config::default()
                    .with_persist(dir)
                    .with_appendfsync(policy)
                    .with_auto_aof_rewrite(0, u64::MAX),
            )
            .expect("kevy's log opens"),
        )),
    }
}

impl Target {
    fn set(&self, key: &[u8], value: &[u8]) {
        match self {
            Target::Ours(s) => s.strings().set(key, value).expect("SET"),
            Target::Kevy(s) => {
                s.set(key, value).expect("kevy SET");
            }
        }
    }
}

/// Writes per second over `RUN`, from `threads` threads, each over its own 100 K keys.
fn sets_per_second(store: &Target, threads: usize) -> f64 {
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
                            store.set(&key, &value);
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
    use kevy_embedded::AppendFsync as KevyFsync;
    let dir = std::env::temp_dir().join(format!("embedis-bench-aof-{}", std::process::id()));
    let variants: [(&str, Kind, usize); 10] = [
        ("in memory", Kind::Ours(None), 1),
        ("appendfsync no", Kind::Ours(Some(AppendFsync::No)), 1),
        (
            "appendfsync everysec",
            Kind::Ours(Some(AppendFsync::EverySec)),
            1,
        ),
        (
            "appendfsync always, 1 thread",
            Kind::Ours(Some(AppendFsync::Always)),
            1,
        ),
        (
            "appendfsync always, 8 threads",
            Kind::Ours(Some(AppendFsync::Always)),
            8,
        ),
        ("kevy in memory", Kind::Kevy(None), 1),
        ("kevy appendfsync no", Kind::Kevy(Some(KevyFsync::No)), 1),
        (
            "kevy appendfsync everysec",
            Kind::Kevy(Some(KevyFsync::EverySec)),
            1,
        ),
        (
            "kevy appendfsync always, 1 thread",
            Kind::Kevy(Some(KevyFsync::Always)),
            1,
        ),
        (
            "kevy appendfsync always, 8 threads",
            Kind::Kevy(Some(KevyFsync::Always)),
            8,
        ),
    ];
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    // `EMBEDIS_BENCH_ONLY=everysec` (a part of a variant's name) runs only the variants
    // named so (to profile one), and the in-memory one.
    let only = std::env::var("EMBEDIS_BENCH_ONLY").unwrap_or_default();
    for _round in 0..3 {
        for (i, (name, kind, threads)) in variants.iter().enumerate() {
            if i > 0 && !name.contains(only.as_str()) {
                results[i].push(f64::NAN);
                continue;
            }
            let s = target(&dir, *kind);
            results[i].push(sets_per_second(&s, *threads));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&mut results[0].clone());
    let kevy_base = median(&mut results[5].clone());
    for (i, (name, kind, _)) in variants.iter().enumerate() {
        let m = median(&mut results[i]);
        let (of, what) = match kind {
            Kind::Ours(_) => (base, "our in-memory"),
            Kind::Kevy(_) => (kevy_base, "kevy's in-memory"),
        };
        println!(
            "SET {name}: {:.0} writes/s, {:.2} us each, {:.2}x {what} time",
            m,
            1e6 / m,
            of / m
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
