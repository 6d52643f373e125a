//! Snapshots of 1 M small keys (16-byte keys, 16-byte values): `SAVE`, `BGSAVE` while a
//! writer overwrites random keys (its per-write latency, the "writers' p99"),
//! and loading the file back (`StoreBuilder::open`).
//!
//! `cargo bench --bench snapshot` prints the figures (not criterion: one run of each,
//! of a second or so). `EMBEDIS_BENCH_QUICK=1` uses 100 K keys. Files go to a
//! temporary directory, removed afterwards.
#![allow(missing_docs)]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // figures for a report

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use embedis::Store;

fn main() {
    let quick = std::env::var_os("EMBEDIS_BENCH_QUICK").is_some();
    let n: usize = if quick { 100_000 } else { 1_000_000 };
    let dir = std::env::temp_dir().join(format!("embedis-bench-snapshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let store = Store::builder().dir(&dir).build();
    let key = |i: usize| format!("key:{i:012}");
    let value = [b'v'; 16];
    for i in 0..n {
        store.strings().set(key(i), value).expect("SET");
    }
    let per_second = |d: Duration| n as f64 / d.as_secs_f64() / 1e6;

    let t = Instant::now();
    store.save().expect("SAVE");
    let save = t.elapsed();
    let size = std::fs::metadata(dir.join("dump.rdb")).map_or(0, |m| m.len());
    println!(
        "SAVE of {n} keys: {:.0} ms, {:.2} M keys/s, a file of {:.1} MB",
        save.as_secs_f64() * 1e3,
        per_second(save),
        size as f64 / 1e6
    );

    // The writer's latencies with no save beside (the machine's own pauses: on 2 shared
    // cores the scheduler alone stops a thread for milliseconds), then during a BGSAVE.
    let mut background = Duration::ZERO;
    for with_save in [false, true] {
        let stop = AtomicBool::new(false);
        let mut latencies = std::thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut latencies = Vec::with_capacity(1 << 22);
                let mut x = 0x9E37_79B9_7F4A_7C15_u64;
                while !stop.load(Ordering::Relaxed) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let k = key(x as usize % n);
                    let t = Instant::now();
                    store.strings().set(k, value).expect("SET");
                    latencies.push(t.elapsed());
                }
                latencies
            });
            std::thread::sleep(Duration::from_millis(50));
            let t = Instant::now();
            if with_save {
                store
                    .bgsave()
                    .expect("BGSAVE")
                    .wait()
                    .expect("the background save");
                background = t.elapsed();
            } else {
                // About as long as a save takes.
                std::thread::sleep(save);
            }
            std::thread::sleep(Duration::from_millis(20));
            stop.store(true, Ordering::Relaxed);
            writer.join().expect("the writer")
        });
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        let during = if with_save {
            format!(
                "BGSAVE of {n} keys beside a writer: {:.0} ms, {:.2} M keys/s; the writer's",
                background.as_secs_f64() * 1e3,
                per_second(background)
            )
        } else {
            "No save (the baseline): a writer's".to_owned()
        };
        println!(
            "{during} {} SETs (and 70 ms around): p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}; \
             {} over 1 ms",
            latencies.len(),
            at(0.5),
            at(0.99),
            at(0.999),
            latencies[latencies.len() - 1],
            latencies
                .iter()
                .filter(|&&l| l > Duration::from_millis(1))
                .count()
        );
    }
    drop(store);

    let t = Instant::now();
    let loaded = Store::builder().dir(&dir).open().expect("open");
    let load = t.elapsed();
    assert_eq!(loaded.keys().dbsize().expect("DBSIZE"), n);
    println!(
        "open (load) of {n} keys: {:.0} ms, {:.2} M keys/s",
        load.as_secs_f64() * 1e3,
        per_second(load)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
