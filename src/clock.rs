//! Where the store reads the time.
//!
//! Deadlines are absolute milliseconds since the Unix epoch, read from a [`Clock`]. The
//! default [`SystemClock`] reads the system's real-time clock; [`ManualClock`] moves only
//! when told to, so tests of TTL logic (the store's and yours) are deterministic.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch.
///
/// Implement it to drive a store's expiry from your own notion of time; most users
/// want [`SystemClock`] (the default) or [`ManualClock`] (tests).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system's real-time clock (the default).
///
/// [`now_ms`](Clock::now_ms) reads the precise real-time clock. The store itself reads it
/// only where a millisecond matters: to turn a relative TTL into a deadline, to answer
/// `TTL`, and to decide about a deadline within a second of the present. Every other
/// expiry check reads the kernel's coarse real-time clock on Linux
/// (`CLOCK_REALTIME_COARSE`: the time as of the last tick, read in a few nanoseconds from
/// the vDSO), which is enough when the deadline is further away. So a key
/// is gone for every read in the millisecond after its deadline, as in Redis, while a
/// lookup of a key with a far TTL costs nearly what one without costs.
///
/// # Examples
///
/// ```
/// use embedis::{Clock, SystemClock};
/// use std::time::{SystemTime, UNIX_EPOCH};
/// let precise = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
/// assert!(precise.abs_diff(SystemClock.now_ms()) < 1000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[inline]
    fn now_ms(&self) -> u64 {
        system_precise_ms()
    }
}

/// Milliseconds since the epoch of a `Timespec` (the epoch for earlier times).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
fn timespec_ms(ts: rustix::time::Timespec) -> u64 {
    u64::try_from(ts.tv_sec).map_or(0, |s| {
        s * 1000 + u64::try_from(ts.tv_nsec / 1_000_000).unwrap_or(0)
    })
}

/// The coarse real-time clock: behind the precise one by up to a tick, or more (see
/// [`COARSE_LAG_MS`]).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn system_now_ms() -> u64 {
    timespec_ms(rustix::time::clock_gettime(
        rustix::time::ClockId::RealtimeCoarse,
    ))
}

/// The precise real-time clock.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn system_precise_ms() -> u64 {
    timespec_ms(rustix::time::clock_gettime(rustix::time::ClockId::Realtime))
}

/// How far (ms) the coarse clock is trusted to read behind the precise one. Its
/// resolution is a scheduler tick (4 ms here), but on tickless kernels it lags further
/// after a wake-up from idle (7 ms measured on a 4 ms-tick VM), with no documented
/// bound: a deadline within a second of the coarse time is decided by a precise read.
const COARSE_LAG_MS: u64 = 1000;

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn system_precise_ms() -> u64 {
    // A clock set before 1970 reads as the epoch rather than panicking.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn system_now_ms() -> u64 {
    system_precise_ms()
}

/// A clock that moves only when told to: for deterministic tests of TTLs.
///
/// Clones share the same time, so keep one clone and give another to
/// [`StoreBuilder::clock`](crate::StoreBuilder::clock).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use embedis::{ManualClock, SetOptions, Store};
///
/// let clock = ManualClock::new();
/// let store = Store::builder().clock(clock.clone()).build();
/// store.strings().set_with("page", "<html>", SetOptions::new().ttl(Duration::from_secs(5)))?;
/// clock.advance(Duration::from_secs(5));
/// // A key lives through the millisecond of its deadline, as in Redis …
/// assert!(store.strings().get("page")?.is_some());
/// clock.advance(Duration::from_millis(1));
/// // … and is gone the next.
/// assert_eq!(store.strings().get("page")?, None);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock stopped at 2023-11-14 22:13:20 UTC (1 700 000 000 000 ms), the same for
    /// every run.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new().now_ms(), 1_700_000_000_000);
    /// ```
    pub fn new() -> Self {
        Self::at_ms(1_700_000_000_000)
    }

    /// A clock stopped at `time` (the epoch if `time` is earlier).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use embedis::{Clock, ManualClock};
    /// let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(10));
    /// assert_eq!(clock.now_ms(), 10_000);
    /// ```
    pub fn at(time: SystemTime) -> Self {
        Self::at_ms(
            time.duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }

    fn at_ms(ms: u64) -> Self {
        Self {
            now: Arc::new(AtomicU64::new(ms)),
        }
    }

    /// Moves the clock forward by `by` (whole milliseconds; saturating).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.now_ms(), 1_700_000_001_500);
    /// ```
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(ms))
            });
    }

    /// Sets the clock to `time` (the epoch if `time` is earlier); it may move backwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use embedis::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// clock.set(UNIX_EPOCH + Duration::from_secs(1));
    /// assert_eq!(clock.now_ms(), 1000);
    /// ```
    pub fn set(&self, time: SystemTime) {
        self.now.store(Self::at(time).now_ms(), Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// The store's clock: the system clock is called directly (no virtual call on the hot
/// path); anything else goes through the trait object.
#[derive(Debug, Clone)]
pub(crate) enum ClockSource {
    System,
    Custom(Arc<dyn Clock>),
}

impl ClockSource {
    /// The time, cheaply: for the system clock the coarse one (up to a tick behind), for
    /// statistics and access stamps, and for the sweeper, which may be late but never
    /// early.
    #[inline]
    pub(crate) fn now_ms(&self) -> u64 {
        match self {
            ClockSource::System => system_now_ms(),
            ClockSource::Custom(clock) => clock.now_ms(),
        }
    }

    /// The time to the microsecond (`TIME`): the system's, or a custom clock's
    /// milliseconds.
    pub(crate) fn now_us(&self) -> u64 {
        match self {
            ClockSource::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
            ClockSource::Custom(clock) => clock.now_ms().saturating_mul(1000),
        }
    }

    /// The time to the millisecond: for new deadlines, TTLs and walks of a whole table.
    #[inline]
    pub(crate) fn precise_ms(&self) -> u64 {
        match self {
            ClockSource::System => system_precise_ms(),
            ClockSource::Custom(clock) => clock.now_ms(),
        }
    }

    /// Whether a key with this deadline has expired: Redis's `now > deadline`, with the
    /// precise time. The coarse clock decides unless the deadline lies within
    /// [`COARSE_LAG_MS`] of it.
    #[inline]
    pub(crate) fn passed(&self, deadline: u64) -> bool {
        match self {
            ClockSource::System => {
                let coarse = system_now_ms();
                if coarse > deadline {
                    true
                } else if deadline > coarse.saturating_add(COARSE_LAG_MS) {
                    false
                } else {
                    system_precise_ms() > deadline
                }
            }
            ClockSource::Custom(clock) => clock.now_ms() > deadline,
        }
    }
}

/// The latest deadline the store accepts: Redis keeps deadlines in a signed 64-bit count
/// of milliseconds, and refuses anything later as an invalid expire time.
const MAX_DEADLINE: u64 = i64::MAX.unsigned_abs();

/// The deadline `ttl` after `now` (ms), or `None` if it would pass [`MAX_DEADLINE`].
pub(crate) fn deadline_after(now: u64, ttl: Duration) -> Option<u64> {
    let ms = u64::try_from(ttl.as_millis()).ok()?;
    now.checked_add(ms).filter(|&at| at <= MAX_DEADLINE)
}

/// `time` as a deadline in ms since the epoch (0 for earlier times), or `None` if it
/// would pass [`MAX_DEADLINE`].
pub(crate) fn deadline_at(time: SystemTime) -> Option<u64> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => u64::try_from(d.as_millis())
            .ok()
            .filter(|&at| at <= MAX_DEADLINE),
        Err(_) => Some(0),
    }
}

/// The `SystemTime` for `ms` milliseconds since the epoch.
pub(crate) fn system_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_the_millisecond_after_it_as_in_redis() {
        let clock = ManualClock::new();
        let source = ClockSource::Custom(Arc::new(clock.clone()));
        let d = clock.now_ms() + 5;
        clock.advance(Duration::from_millis(5));
        assert!(
            !source.passed(d),
            "a key lives through its deadline's millisecond"
        );
        clock.advance(Duration::from_millis(1));
        assert!(source.passed(d));
    }

    #[test]
    fn the_system_clock_decides_near_deadlines_precisely() {
        let source = ClockSource::System;
        let now = system_precise_ms();
        assert!(source.passed(now - 1));
        assert!(!source.passed(now + 60_000));
        // Within the coarse clock's lag: decided by the precise time, both ways.
        assert!(!source.passed(system_precise_ms() + 200));
        let soon = system_precise_ms() + 3;
        while system_precise_ms() <= soon {
            std::hint::spin_loop();
        }
        assert!(source.passed(soon));
        assert!(system_now_ms() <= system_precise_ms());
    }
}
