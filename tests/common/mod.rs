//! Helpers shared by the scenario tests.
#![allow(dead_code)]

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use embedis::{ManualClock, Store};

/// A store on a manual clock, without the background sweeper: time moves only through
/// the returned clock, and expired keys are removed only by `purge_expired`.
pub(crate) fn manual_store() -> (Store, ManualClock) {
    let clock = ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .active_expiry(false)
        .build();
    (store, clock)
}

/// The string at `key`, as text (panics on a missing key or a non-string).
pub(crate) fn get(store: &Store, key: &str) -> String {
    let v = store.strings().get(key).unwrap().expect("key exists");
    String::from_utf8(v.to_vec()).unwrap()
}

/// Waits (yielding) until `n` calls are blocked in the store; fails after 10 s.
pub(crate) fn until_blocked(store: &Store, n: usize) {
    let start = Instant::now();
    while store.blocked_clients() < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waiters never blocked"
        );
        std::thread::yield_now();
    }
}

/// How long a step that should finish at once (a wake-up, a call that must not block)
/// may take before the test fails instead of hanging.
pub(crate) const PROMPTLY: Duration = Duration::from_secs(5);

/// How long a concurrent workload may take before the test fails instead of hanging.
pub(crate) const WORKLOAD: Duration = Duration::from_secs(60);

/// Joins `handle`, failing if the thread has not finished within `limit`: a lost
/// wake-up or a deadlock fails the test, saying what hung, instead of hanging it. A
/// panic in the thread is passed on.
pub(crate) fn join_within<T>(handle: JoinHandle<T>, limit: Duration, what: &str) -> T {
    let start = Instant::now();
    while !handle.is_finished() {
        assert!(
            start.elapsed() < limit,
            "{what}: not done after {limit:?}; it hangs"
        );
        thread::sleep(Duration::from_millis(1));
    }
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Runs `f` on a thread of its own and returns what it returns, failing if it has not
/// returned within `limit` (see `join_within`): for calls that could block for ever.
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    join_within(thread::spawn(f), limit, what)
}
