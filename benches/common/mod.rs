//! What every benchmark binary shares: the counting allocator, live-byte measurement and a
//! cheap random index stream.
#![allow(dead_code)] // each binary uses its own part

use std::time::Duration;

use criterion::Criterion;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

/// One criterion configuration for every group: short runs, as the machines are shared
/// and the ratios within a group are what matter. `EMBEDIS_BENCH_QUICK=1` shortens them
/// further (10 samples, 0.2 s a function, a tenth of the large fills) for a first look.
pub(crate) fn config() -> Criterion {
    if quick() {
        return Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(50))
            .measurement_time(Duration::from_millis(200));
    }
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
}

/// `n` entries, or a tenth of them in quick mode: the large fills dominate a quick run.
pub(crate) fn scaled(n: usize) -> usize {
    if quick() { n / 10 } else { n }
}

/// `n` for a group name: `1M`, `100K`, `1K`.
pub(crate) fn label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}K", n / 1000)
    } else {
        n.to_string()
    }
}

/// Whether the quick mode is on (`EMBEDIS_BENCH_QUICK=1`).
pub(crate) fn quick() -> bool {
    std::env::var_os("EMBEDIS_BENCH_QUICK").is_some_and(|v| v != "0")
}

#[global_allocator]
pub(crate) static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Bytes still allocated after `fill` built what it returns, as the counting allocator
/// sees them (reallocations are folded into both totals).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn live_bytes<T>(fill: impl FnOnce() -> T) -> f64 {
    let region = Region::new(GLOBAL);
    let held = fill();
    let s = region.change();
    let live = s.bytes_allocated as f64 - s.bytes_deallocated as f64;
    drop(held);
    live
}

/// A cheap per-thread random index stream (xorshift), the same cost for every store.
pub(crate) struct Picker(pub(crate) u64);

impl Picker {
    pub(crate) fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap()
    }
}

/// Time per command of `iters` commands from `next` sent to a real Redis in pipelines
/// `depth` deep (whole pipelines, the time scaled to `iters` commands).
pub(crate) fn pipelined(
    con: &mut redis::Connection,
    iters: u64,
    depth: usize,
    mut next: impl FnMut() -> redis::Cmd,
) -> Duration {
    let rounds = iters.div_ceil(depth as u64);
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        let mut pipe = redis::pipe();
        for _ in 0..depth {
            pipe.add_command(next());
        }
        let _: Vec<redis::Value> = pipe.query(con).unwrap();
    }
    #[allow(clippy::cast_precision_loss)] // a ratio of counts
    start
        .elapsed()
        .mul_f64(iters as f64 / (rounds * depth as u64) as f64)
}
