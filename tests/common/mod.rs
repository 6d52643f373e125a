//! Helpers shared by the scenario tests.
#![allow(dead_code)]

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
