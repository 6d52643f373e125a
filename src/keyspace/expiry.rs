//! Expiry (Redis's `expire.c`): the lazy rule, the wheel schedule, and the sweeper thread.
//!
//! # Lazy
//!
//! An entry whose deadline is at or before the clock's "now" does not exist: reads under
//! a shard's read lock simply report it absent, and a write removes it before it looks
//! at the key. The clock is read only for entries that have a deadline, so keys without
//! a TTL pay nothing.
//!
//! # Active
//!
//! Each shard keeps a wheel of coarse ticks (`resolution`, 10 ms by default) recording
//! which slots have a deadline in which tick (see `table.rs`). The sweeper thread sleeps
//! until the end of the earliest tick any shard holds, then processes every due tick in
//! bounded batches (a shard's lock is held for at most [`SWEEP_BATCH`] checks, well under
//! a millisecond), and sleeps again. A write that records a deadline earlier than the
//! sweeper's planned wake-up wakes it; no other write touches the sweeper. So an
//! untouched key is removed about one resolution after its deadline, and a store with
//! nothing to expire costs no wake-ups at all.
//!
//! # Timers
//!
//! The same thread wakes the async blocking calls whose timeout has passed (see
//! `blocking/future.rs`): a future that waits with a deadline leaves its waker here, and
//! the sweeper sleeps no later than the earliest such deadline. The thread runs even
//! without active expiry, then only for these timers (and idle, on a condition
//! variable, when there are none).
//!
//! # Lifecycle
//!
//! The sweeper holds only a `Weak` reference to the store. Dropping the last `Store`
//! clone sets the shutdown flag, wakes the thread and joins it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::clock::ClockSource;

/// Most wheel records one shard checks per lock hold.
pub(crate) const SWEEP_BATCH: usize = 512;

/// When the sweeper should next run, shared by writers and the sweeper thread.
#[derive(Debug)]
pub(crate) struct Schedule {
    resolution: u64,
    clock: ClockSource,
    /// The sweeper's planned wake-up, in clock milliseconds (`u64::MAX`: none).
    next_wake: AtomicU64,
    shutdown: Mutex<bool>,
    wake: Condvar,
    /// The deadlines of async waits, each with the waker to call once it passes.
    timers: Mutex<Timers>,
}

/// A timer's place in [`Schedule`]'s map: its deadline and a number of its own.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Debug, Default)]
struct Timers {
    due: BTreeMap<TimerKey, Waker>,
    next_id: u64,
}

impl Schedule {
    pub(crate) fn new(resolution: Duration, clock: ClockSource) -> Self {
        Schedule {
            clock,
            resolution: u64::try_from(resolution.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
            next_wake: AtomicU64::new(u64::MAX),
            shutdown: Mutex::new(false),
            wake: Condvar::new(),
            timers: Mutex::new(Timers::default()),
        }
    }

    /// Calls `waker` once `at` has passed (or sets the waker of the timer `key` already
    /// made for `at`); returns the timer's key.
    pub(crate) fn set_timer(&self, at: Instant, key: Option<TimerKey>, waker: &Waker) -> TimerKey {
        let mut timers = self.timers.lock();
        let key = key.unwrap_or_else(|| {
            timers.next_id += 1;
            (at, timers.next_id)
        });
        if let Some(w) = timers.due.get_mut(&key) {
            w.clone_from(waker);
        } else {
            let first = timers.due.first_key_value().is_none_or(|(k, _)| key < *k);
            timers.due.insert(key, waker.clone());
            drop(timers);
            if first {
                // Taking the lock orders this notify after the sweeper's last look at
                // the timers, so the wake-up cannot be lost.
                let _guard = self.shutdown.lock();
                self.wake.notify_one();
            }
        }
        key
    }

    /// Removes a timer (if it has not fired yet).
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        self.timers.lock().due.remove(&key);
    }

    /// Takes the wakers of the timers whose deadline has passed (to be woken holding no
    /// lock: a waker may drop a future, which cancels its timer).
    fn due_timers(&self) -> Vec<Waker> {
        let mut timers = self.timers.lock();
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(entry) = timers.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        due
    }

    /// The earliest deadline of a timer.
    fn next_timer(&self) -> Option<Instant> {
        self.timers.lock().due.first_key_value().map(|(k, _)| k.0)
    }

    /// The store's clock, in milliseconds.
    fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    pub(crate) fn resolution(&self) -> u64 {
        self.resolution
    }

    pub(crate) fn tick(&self, ms: u64) -> u64 {
        ms / self.resolution
    }

    /// The moment every deadline in `tick` has passed.
    pub(crate) fn tick_end(&self, tick: u64) -> u64 {
        tick.saturating_add(1).saturating_mul(self.resolution)
    }

    /// Called after a deadline was recorded in `tick`: wakes the sweeper if it planned to
    /// sleep past that tick.
    #[inline]
    pub(crate) fn note(&self, tick: u64) {
        let wake = self.tick_end(tick);
        if wake < self.next_wake.load(Ordering::Relaxed) {
            self.next_wake.fetch_min(wake, Ordering::SeqCst);
            // Taking the lock orders this notify after the sweeper's last look at
            // `next_wake`, so the wake-up cannot be lost.
            let _guard = self.shutdown.lock();
            self.wake.notify_one();
        }
    }

    fn stop(&self) {
        *self.shutdown.lock() = true;
        self.wake.notify_all();
    }
}

/// Starts the sweeper thread. Each round it calls `sweep`, which removes what is due
/// and returns the earliest tick left (`None` from `sweep`: the store is gone, and the
/// thread ends).
pub(crate) fn spawn(
    sweep: impl Fn() -> Option<Option<u64>> + Send + 'static,
    schedule: Arc<Schedule>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("embedis-sweeper".into())
        .spawn(move || run(&sweep, &schedule))
}

fn run(sweep: &dyn Fn() -> Option<Option<u64>>, schedule: &Schedule) {
    loop {
        schedule.next_wake.store(u64::MAX, Ordering::SeqCst);
        let Some(first) = sweep() else {
            return;
        };
        if let Some(tick) = first {
            schedule
                .next_wake
                .fetch_min(schedule.tick_end(tick), Ordering::SeqCst);
        }
        schedule.due_timers().into_iter().for_each(Waker::wake);
        let mut shutdown = schedule.shutdown.lock();
        if *shutdown {
            return;
        }
        // Read under the lock `set_timer` notifies under: a timer set since is seen.
        let timer_in = schedule
            .next_timer()
            .map(|at| at.saturating_duration_since(Instant::now()));
        let wake = schedule.next_wake.load(Ordering::SeqCst);
        let now = schedule.now();
        if wake <= now {
            continue;
        }
        let sweep_in = (wake != u64::MAX).then(|| Duration::from_millis(wake - now));
        match sweep_in.into_iter().chain(timer_in).min() {
            None => schedule.wake.wait(&mut shutdown),
            Some(d) => {
                schedule.wake.wait_for(&mut shutdown, d);
            }
        }
        if *shutdown {
            return;
        }
    }
}

/// Stops and joins the sweeper when the store goes away.
#[derive(Debug)]
pub(crate) struct SweeperHandle {
    schedule: Arc<Schedule>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl SweeperHandle {
    pub(crate) fn new(schedule: Arc<Schedule>) -> Self {
        SweeperHandle {
            schedule,
            thread: Mutex::new(None),
        }
    }

    pub(crate) fn set_thread(&self, thread: JoinHandle<()>) {
        *self.thread.lock() = Some(thread);
    }

    #[cfg(test)]
    pub(crate) fn thread_id(&self) -> Option<std::thread::ThreadId> {
        self.thread.lock().as_ref().map(|t| t.thread().id())
    }
}

impl Drop for SweeperHandle {
    fn drop(&mut self) {
        self.schedule.stop();
        if let Some(thread) = self.thread.get_mut().take() {
            // The last reference can be dropped by the sweeper itself, between its
            // upgrade and the end of a pass; it then exits on its own.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}
