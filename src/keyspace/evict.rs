//! Bounded memory (Redis's `evict.c`): the memory limit, the eviction policies, the
//! per-key access stamps they rank keys by, and eviction itself.
//!
//! # Accounting
//!
//! Each shard's table knows the bytes it allocates (`Table::footprint`, O(1)). Every
//! write compares the footprint of the shards it locked before and after, and adds the
//! difference to one counter, [`Memory::used`]: `used_memory` is a load, and a write
//! that does not change sizes (an overwrite in place, a read) does not touch it.
//!
//! # Access stamps
//!
//! Every entry has 31 bits of stamp in its header (see `raw.rs`; they cost no byte of
//! their own). While an LRU or LFU policy is chosen (or idle times are tracked), the
//! stamp holds the last access in seconds (LRU, wrapping every 68 years), or Redis's LFU
//! word — minutes of the last decrement in the high bits and a logarithmic counter in
//! the low 8 (it grows with probability `1 / ((c - 5) × lfu-log-factor + 1)` and loses
//! one per `lfu-decay-time` minutes unused). A read updates the stamp with a relaxed
//! store only when it changes — once per second for LRU, rarely for LFU — so a `GET`
//! stays a read under a read lock. Under the other policies nothing is stored.
//!
//! # Eviction
//!
//! After every write, and before any command that may grow memory, a store over its
//! limit evicts until it is under it again, one key at a time, at most
//! [`EVICTIONS_PER_WRITE`] per call — so it overshoots by at most what one write adds
//! (an entry, or a table growing: tables keep their capacity when keys leave, as Redis's
//! dictionaries do until they are resized).
//! A key is chosen as Redis does: sample `maxmemory-samples` entries (from a random
//! non-empty shard), merge them into a pool of the 16 best candidates kept between
//! evictions, evict the best. A sample is scored from its stamp alone, and its entry is
//! read only if that score would enter the pool. LRU scores by the time of the last
//! access, so candidates sampled at different times compare fairly. `volatile-ttl`
//! samples the shard's earliest expiry ticks, so it takes the nearest deadlines first;
//! the random policies pick one random entry.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicUsize, Ordering};

use parking_lot::Mutex;
use rand::Rng;

use super::Keyspace;
use super::table::{SlotRef, Table, hash_key};
use crate::raw::STAMP_MASK;
use crate::{Error, Result};

/// Most keys one write evicts before it gives up (the limit is then still exceeded, and
/// the next write carries on).
pub(crate) const EVICTIONS_PER_WRITE: usize = 1024;

/// Candidates kept between evictions (Redis's `EVPOOL_SIZE`).
const POOL_SIZE: usize = 16;

/// A new key's LFU counter (Redis's `LFU_INIT_VAL`), so it is not evicted at once.
const LFU_INIT: u32 = 5;

/// What to do when the store is over its memory limit (Redis's `maxmemory-policy`).
///
/// # Examples
///
/// ```
/// use embedis::EvictionPolicy;
/// let policy: EvictionPolicy = "allkeys-lru".parse()?;
/// assert_eq!(policy, EvictionPolicy::AllKeysLru);
/// assert_eq!(policy.as_str(), "allkeys-lru");
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EvictionPolicy {
    /// Evict nothing: commands that may grow memory fail with
    /// [`Error::OutOfMemory`]; reads and deletions keep working. Redis's default.
    #[default]
    NoEviction,
    /// Evict the least recently used keys.
    AllKeysLru,
    /// Evict the least frequently used keys.
    AllKeysLfu,
    /// Evict random keys.
    AllKeysRandom,
    /// Evict the least recently used keys among those with a TTL.
    VolatileLru,
    /// Evict the least frequently used keys among those with a TTL.
    VolatileLfu,
    /// Evict random keys among those with a TTL.
    VolatileRandom,
    /// Evict the keys with the nearest deadline.
    VolatileTtl,
}

const POLICIES: [EvictionPolicy; 8] = [
    EvictionPolicy::NoEviction,
    EvictionPolicy::AllKeysLru,
    EvictionPolicy::AllKeysLfu,
    EvictionPolicy::AllKeysRandom,
    EvictionPolicy::VolatileLru,
    EvictionPolicy::VolatileLfu,
    EvictionPolicy::VolatileRandom,
    EvictionPolicy::VolatileTtl,
];

/// What the access stamps hold: nothing (none are kept), the last access (for the LRU
/// policies and `OBJECT IDLETIME`), or an LFU counter (for the LFU policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    None = 0,
    Lru = 1,
    Lfu = 2,
}

impl EvictionPolicy {
    /// The name Redis's `maxmemory-policy` uses.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::EvictionPolicy::VolatileTtl.as_str(), "volatile-ttl");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EvictionPolicy::NoEviction => "noeviction",
            EvictionPolicy::AllKeysLru => "allkeys-lru",
            EvictionPolicy::AllKeysLfu => "allkeys-lfu",
            EvictionPolicy::AllKeysRandom => "allkeys-random",
            EvictionPolicy::VolatileLru => "volatile-lru",
            EvictionPolicy::VolatileLfu => "volatile-lfu",
            EvictionPolicy::VolatileRandom => "volatile-random",
            EvictionPolicy::VolatileTtl => "volatile-ttl",
        }
    }

    /// Whether only keys with a TTL are candidates.
    fn volatile(self) -> bool {
        matches!(
            self,
            EvictionPolicy::VolatileLru
                | EvictionPolicy::VolatileLfu
                | EvictionPolicy::VolatileRandom
                | EvictionPolicy::VolatileTtl
        )
    }

    /// The stamps the policy ranks keys by.
    pub(crate) fn tracking(self) -> Tracking {
        match self {
            EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => Tracking::Lru,
            EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => Tracking::Lfu,
            _ => Tracking::None,
        }
    }

    fn index(self) -> u8 {
        #[allow(clippy::cast_possible_truncation)] // eight policies
        let i = POLICIES.iter().position(|&p| p == self).unwrap_or(0) as u8;
        i
    }
}

impl FromStr for EvictionPolicy {
    type Err = Error;

    /// Parses a Redis policy name, ignoring case; [`Error::UnknownPolicy`] otherwise.
    fn from_str(s: &str) -> Result<Self> {
        POLICIES
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownPolicy)
    }
}

impl std::fmt::Display for EvictionPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key worth evicting, and how much (higher: sooner).
#[derive(Debug)]
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// The memory limit, the policy and its settings, and the bytes in use.
#[derive(Debug)]
pub(crate) struct Memory {
    used: AtomicUsize,
    /// Bytes allowed (0: no limit).
    limit: AtomicUsize,
    policy: AtomicU8,
    samples: AtomicUsize,
    log_factor: AtomicU32,
    decay_minutes: AtomicU32,
    /// Last access times are kept under every non-LFU policy (`OBJECT IDLETIME`).
    idle_times: AtomicBool,
    /// The stamps kept, from the policy and `idle_times` (one load on a read's path).
    tracking: AtomicU8,
    pool: Mutex<Vec<Candidate>>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            used: AtomicUsize::new(0),
            limit: AtomicUsize::new(0),
            policy: AtomicU8::new(0),
            samples: AtomicUsize::new(5),
            log_factor: AtomicU32::new(10),
            decay_minutes: AtomicU32::new(1),
            idle_times: AtomicBool::new(false),
            tracking: AtomicU8::new(Tracking::None as u8),
            pool: Mutex::new(Vec::with_capacity(POOL_SIZE + 8)),
        }
    }
}

impl Memory {
    /// Bytes in use.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Adds the change of a footprint from `before` to `after`.
    #[inline]
    pub(crate) fn account(&self, before: usize, after: usize) {
        if before != after {
            self.used
                .fetch_add(after.wrapping_sub(before), Ordering::Relaxed);
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    pub(crate) fn set_limit(&self, bytes: usize) {
        self.limit.store(bytes, Ordering::Relaxed);
    }

    pub(crate) fn policy(&self) -> EvictionPolicy {
        POLICIES[usize::from(self.policy.load(Ordering::Relaxed)) % POLICIES.len()]
    }

    pub(crate) fn set_policy(&self, policy: EvictionPolicy) {
        self.store_policy(policy);
        // Candidates were ranked by another measure.
        self.pool.lock().clear();
    }

    /// The policy and what it tracks, without touching the pool (which must not be
    /// locked while shards are: see `evict_to_limit`).
    pub(crate) fn store_policy(&self, policy: EvictionPolicy) {
        self.policy.store(policy.index(), Ordering::Relaxed);
        self.tracking
            .store(self.tracking_for(policy) as u8, Ordering::Relaxed);
    }

    pub(crate) fn samples(&self) -> usize {
        self.samples.load(Ordering::Relaxed)
    }

    pub(crate) fn set_samples(&self, n: usize) {
        self.samples.store(n.max(1), Ordering::Relaxed);
    }

    pub(crate) fn log_factor(&self) -> u32 {
        self.log_factor.load(Ordering::Relaxed)
    }

    pub(crate) fn set_log_factor(&self, n: u32) {
        self.log_factor.store(n, Ordering::Relaxed);
    }

    pub(crate) fn decay_minutes(&self) -> u32 {
        self.decay_minutes.load(Ordering::Relaxed)
    }

    pub(crate) fn set_decay_minutes(&self, n: u32) {
        self.decay_minutes.store(n, Ordering::Relaxed);
    }

    /// Keeps last access times under every non-LFU policy, not only the LRU ones.
    pub(crate) fn set_idle_times(&self, on: bool) {
        self.idle_times.store(on, Ordering::Relaxed);
        self.tracking
            .store(self.tracking_for(self.policy()) as u8, Ordering::Relaxed);
    }

    /// The stamps kept now.
    #[inline]
    pub(crate) fn tracking(&self) -> Tracking {
        match self.tracking.load(Ordering::Relaxed) {
            0 => Tracking::None,
            1 => Tracking::Lru,
            _ => Tracking::Lfu,
        }
    }

    /// The stamps kept under `policy`.
    #[inline]
    pub(crate) fn tracking_for(&self, policy: EvictionPolicy) -> Tracking {
        match policy.tracking() {
            Tracking::None if self.idle_times.load(Ordering::Relaxed) => Tracking::Lru,
            t => t,
        }
    }

    /// Whether the store is over its limit.
    #[inline]
    pub(crate) fn over(&self) -> bool {
        let limit = self.limit();
        limit != 0 && self.used() > limit
    }

    /// A fresh stamp for a new key.
    fn new_stamp(tracking: Tracking, now_ms: u64) -> u32 {
        match tracking {
            Tracking::Lfu => (minutes(now_ms) << 8) | LFU_INIT,
            _ => lru_clock(now_ms),
        }
    }

    /// Notes an access to `entry` (also under a read lock: the stamp is stored only if
    /// it changes — for LRU, once a second).
    #[inline]
    pub(crate) fn touch(&self, entry: SlotRef<'_>, now_ms: impl FnOnce() -> u64) {
        let tracking = self.tracking();
        if tracking == Tracking::None {
            return;
        }
        let old = entry.stamp();
        let new = match tracking {
            Tracking::Lfu => self.lfu_touch(old, now_ms()),
            _ => lru_clock(now_ms()),
        };
        if new != old {
            entry.set_stamp(new);
        }
    }

    /// Stamps `entry` as a new key (`fresh`) or as an access, while stamps are kept.
    pub(crate) fn stamp(&self, entry: SlotRef<'_>, fresh: bool, now_ms: impl FnOnce() -> u64) {
        if fresh {
            let tracking = self.tracking();
            if tracking != Tracking::None {
                entry.set_stamp(Self::new_stamp(tracking, now_ms()));
            }
        } else {
            self.touch(entry, now_ms);
        }
    }

    /// The access history a snapshot keeps of `entry` (`rdbSaveKeyValuePair`): its idle
    /// seconds under an LRU policy, its counter under an LFU one.
    pub(crate) fn history(&self, entry: SlotRef<'_>, now_ms: u64) -> crate::rdb::file::History {
        use crate::rdb::file::History;
        match self.policy() {
            EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => {
                History::Idle(idle_seconds(entry.stamp(), now_ms))
            }
            EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
                let counter = self.frequency(entry.stamp(), now_ms);
                History::Freq(u8::try_from(counter).unwrap_or(u8::MAX))
            }
            _ => History::None,
        }
    }

    /// Gives a restored or loaded entry the access history it came with (Redis's
    /// `objectSetLRUOrLFU`): a frequency under an LFU policy, an idle time while access
    /// times are kept; nothing otherwise.
    pub(crate) fn set_history(
        &self,
        entry: SlotRef<'_>,
        history: crate::rdb::file::History,
        now_ms: u64,
    ) {
        use crate::rdb::file::History;
        match (self.tracking(), history) {
            (Tracking::Lfu, History::Freq(freq)) => {
                entry.set_stamp((minutes(now_ms) << 8) | u32::from(freq));
            }
            (Tracking::Lru, History::Idle(idle)) => {
                let idle = u32::try_from(idle).unwrap_or(u32::MAX);
                entry.set_stamp(lru_clock(now_ms).wrapping_sub(idle) & STAMP_MASK);
            }
            _ => {}
        }
    }

    /// Gives every entry of `table` a fresh stamp for `tracking` (what the stamps
    /// measure changed: none is misread).
    pub(crate) fn restamp(table: &Table, tracking: Tracking, now_ms: u64) {
        if tracking != Tracking::None {
            let stamp = Self::new_stamp(tracking, now_ms);
            for entry in table.iter() {
                entry.set_stamp(stamp);
            }
        }
    }

    /// Redis's `updateLFU`: decay, then a logarithmic increment.
    fn lfu_touch(&self, old: u32, now_ms: u64) -> u32 {
        let counter = self.lfu_decayed(old, now_ms);
        let counter = log_incr(counter, self.log_factor());
        (minutes(now_ms) << 8) | counter
    }

    /// Redis's `LFUDecrAndReturn`: the counter less one per decay period elapsed.
    fn lfu_decayed(&self, stamp: u32, now_ms: u64) -> u32 {
        let counter = stamp & 0xff;
        let decay = self.decay_minutes();
        if decay == 0 {
            return counter;
        }
        let elapsed = minutes(now_ms).wrapping_sub(stamp >> 8) & 0xffff;
        counter.saturating_sub(elapsed / decay)
    }

    /// The access frequency `OBJECT FREQ` reports for a stamp.
    pub(crate) fn frequency(&self, stamp: u32, now_ms: u64) -> u32 {
        self.lfu_decayed(stamp, now_ms)
    }

    /// How much evicting an entry with `stamp` is worth under `policy` (higher: sooner).
    /// Scores taken at different times compare: LRU ranks by the time of the last access
    /// (earlier: higher), not by the idle time at sampling, which grows while a
    /// candidate waits in the pool.
    fn score(&self, policy: EvictionPolicy, stamp: u32, now_ms: u64) -> u64 {
        match policy {
            EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => {
                let accessed = now_ms / 1000 - idle_seconds(stamp, now_ms).min(now_ms / 1000);
                u64::MAX - accessed
            }
            EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
                255 - u64::from(self.lfu_decayed(stamp, now_ms))
            }
            _ => 0,
        }
    }
}

/// The LRU clock: whole seconds, as Redis's (which keeps 24 bits of them; these 31 —
/// an entry's stamp — wrap after 68 years).
#[allow(clippy::cast_possible_truncation)] // wraps on purpose
fn lru_clock(now_ms: u64) -> u32 {
    (now_ms / 1000) as u32 & STAMP_MASK
}

/// Whole seconds between an LRU stamp and `now_ms` (`estimateObjectIdleTime`).
fn idle_seconds(stamp: u32, now_ms: u64) -> u64 {
    u64::from(lru_clock(now_ms).wrapping_sub(stamp) & STAMP_MASK)
}

/// The LFU clock: minutes, 16 bits.
#[allow(clippy::cast_possible_truncation)] // masked
fn minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xffff) as u32
}

/// Redis's `LFULogIncr`: one more with probability `1 / ((counter - 5) × factor + 1)`,
/// drawn in integers (no division on the read path).
fn log_incr(counter: u32, factor: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let odds = u64::from(counter.saturating_sub(LFU_INIT)) * u64::from(factor) + 1;
    if u64::from(fast_random()) * odds < 1 << 32 {
        counter + 1
    } else {
        counter
    }
}

/// A uniform `u32` from a per-thread xorshift generator, cheap enough for the read path.
fn fast_random() -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = rand::random::<u64>() | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        #[allow(clippy::cast_possible_truncation)] // the high half
        let r = (x >> 32) as u32;
        r
    })
}

impl Keyspace {
    /// Makes room before a command that may grow memory: evicts while over the limit.
    /// [`Error::OutOfMemory`] if the store is over it and nothing can be evicted (the
    /// policy is `noeviction`, or no key is a candidate), as Redis refuses; a store that
    /// evicted its per-write share and is still over lets the command run, as Redis does
    /// when its eviction time slice runs out.
    pub(crate) fn admit(&self) -> Result<()> {
        if !self.memory.over() || self.evict_to_limit() {
            Ok(())
        } else {
            Err(Error::OutOfMemory)
        }
    }

    /// Keys in all databases (as of each shard's last write).
    pub(crate) fn key_count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.keys.load(Ordering::Relaxed))
            .sum()
    }

    /// Keys with a TTL in all databases.
    pub(crate) fn volatile_count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.volatile.load(Ordering::Relaxed))
            .sum()
    }

    /// [`admit`](Self::admit) for a command inside a transaction, which must not lock
    /// shards: refused only over the limit under `noeviction` (the commit evicts).
    pub(crate) fn admit_without_evicting(&self) -> Result<()> {
        if self.memory.over() && self.memory.policy() == EvictionPolicy::NoEviction {
            Err(Error::OutOfMemory)
        } else {
            Ok(())
        }
    }

    /// Evicts keys while the store is over its limit, at most [`EVICTIONS_PER_WRITE`];
    /// `false` if it is over the limit with nothing left to evict.
    pub(crate) fn evict_to_limit(&self) -> bool {
        let policy = self.memory.policy();
        if policy == EvictionPolicy::NoEviction {
            return !self.memory.over();
        }
        for _ in 0..EVICTIONS_PER_WRITE {
            if !self.memory.over() {
                return true;
            }
            if !self.evict_one(policy) {
                return false;
            }
        }
        true
    }

    /// Evicts one key chosen by `policy`; `false` if there is none to evict.
    fn evict_one(&self, policy: EvictionPolicy) -> bool {
        let mut rng = self.rng();
        if matches!(
            policy,
            EvictionPolicy::AllKeysRandom | EvictionPolicy::VolatileRandom
        ) {
            // A few tries: the picked key may be gone by the time its shard is locked.
            for _ in 0..4 {
                let mut picked = Vec::new();
                self.sample(policy, 1, None, &mut rng, &mut picked);
                let Some(c) = picked.pop() else {
                    return false;
                };
                if self.evict_key(c.db, &c.key, policy.volatile()) {
                    return true;
                }
            }
            return false;
        }
        let mut sampled = Vec::new();
        // More than 64 samples per eviction buys nothing but time.
        let want = self.memory.samples().min(64);
        let floor = {
            let pool = self.memory.pool.lock();
            (pool.len() >= POOL_SIZE).then(|| pool[0].score)
        };
        self.sample(policy, want, floor, &mut rng, &mut sampled);
        {
            let mut pool = self.memory.pool.lock();
            for c in sampled {
                merge(&mut pool, c);
            }
        }
        // Best first; a candidate gone since it was sampled is skipped. The pool is not
        // held while a shard is locked: a transaction holding shards may need the pool
        // (a policy change clears it).
        loop {
            let Some(c) = self.memory.pool.lock().pop() else {
                return false;
            };
            if self.evict_key(c.db, &c.key, policy.volatile()) {
                return true;
            }
        }
    }

    /// Collects up to `want` candidates under `policy`, from shards visited in order from
    /// a random one (skipping shards with nothing to offer).
    /// Samples scoring at most `floor` are counted but not collected (`None`: all are).
    fn sample(
        &self,
        policy: EvictionPolicy,
        want: usize,
        floor: Option<u64>,
        rng: &mut impl Rng,
        out: &mut Vec<Candidate>,
    ) {
        let volatile = policy.volatile();
        let offers = |s: usize| {
            let shard = &self.shards[s];
            if volatile {
                shard.volatile.load(Ordering::Relaxed) > 0
            } else {
                shard.keys.load(Ordering::Relaxed) > 0
            }
        };
        let n = self.shards.len();
        // Start at a random shard with candidates (random tries, so that empty
        // databases and shards do not favour the shard after them), then walk on.
        let mut start = rng.gen_range(0..n);
        for _ in 0..256 {
            if offers(start) {
                break;
            }
            start = rng.gen_range(0..n);
        }
        let now = self.coarse_now();
        for s in (start..n).chain(0..start) {
            if out.len() >= want {
                return;
            }
            if !offers(s) {
                continue;
            }
            let db = s >> self.shard_bits;
            let table = self.read_shard(s);
            let take = want - out.len();
            if policy == EvictionPolicy::VolatileTtl {
                table.earliest_deadlines(&self.hasher, take, |entry, deadline| {
                    out.push(Candidate {
                        score: u64::MAX - deadline,
                        db,
                        key: entry.key().to_vec(),
                    });
                });
                continue;
            }
            let buckets = table.bucket_count();
            if buckets == 0 {
                // Emptied (FLUSHDB, SWAPDB) since `offers` looked.
                continue;
            }
            let mut found = 0;
            // Random chains; a table of mostly empty chains (or, for the volatile
            // policies, of keys without TTL) falls back to its wheel.
            'probe: for _ in 0..take * 4 {
                for entry in table.chain(rng.gen_range(0..buckets)) {
                    if found == take {
                        break 'probe;
                    }
                    if volatile && entry.expires_at().is_none() {
                        continue;
                    }
                    found += 1;
                    let score = self.memory.score(policy, entry.stamp(), now);
                    if floor.is_some_and(|f| score <= f) {
                        continue;
                    }
                    out.push(Candidate {
                        score,
                        db,
                        key: entry.key().to_vec(),
                    });
                }
            }
            if found == 0 && volatile {
                table.earliest_deadlines(&self.hasher, take, |entry, _| {
                    out.push(Candidate {
                        score: self.memory.score(policy, entry.stamp(), now),
                        db,
                        key: entry.key().to_vec(),
                    });
                });
            }
        }
    }

    /// Removes `key` of `db` (if `volatile`, only if it has a TTL), as an eviction.
    fn evict_key(&self, db: usize, key: &[u8], volatile: bool) -> bool {
        let hash = hash_key(&self.hasher, key);
        let s = self.shard_of(db, hash);
        {
            self.assert_not_held();
            let mut table = self.lock_shard_for(s, hash);
            let before = table.footprint();
            let Some(entry) = table.find(hash, key) else {
                return false;
            };
            if volatile && entry.expires_at().is_none() {
                return false;
            }
            let h = entry.handle();
            table.remove(&self.hasher, hash, h);
            self.publish(s, &table, before);
            // As Redis propagates an eviction: `DEL`, while the shard is held.
            if self.feed.on() {
                self.feed.append_one(db, |r| {
                    r.arg("DEL").arg(key);
                });
            }
            // Watchers are told while the key's shard is held, as by every write.
            self.watches.touch(db, key);
            self.blocking.signal(db, key);
        }
        self.stats.evicted(1);
        self.notify(super::notify::EVICTED, "evicted", db, key);
        true
    }
}

/// Adds `c` to the pool (sorted by score, best last, at most [`POOL_SIZE`]) if it ranks
/// high enough; a key already there takes the new score.
fn merge(pool: &mut Vec<Candidate>, c: Candidate) {
    if let Some(at) = pool.iter().position(|p| p.db == c.db && p.key == c.key) {
        pool.remove(at);
    }
    if pool.len() >= POOL_SIZE {
        if pool[0].score >= c.score {
            return;
        }
        pool.remove(0);
    }
    let at = pool.partition_point(|p| p.score <= c.score);
    pool.insert(at, c);
}

impl super::Access<'_> {
    /// `OBJECT FREQ`: the key's LFU counter; [`Error::NoLfuPolicy`] unless an LFU
    /// policy is chosen.
    pub(crate) fn object_freq(self, db: usize, key: &[u8]) -> Result<Option<u32>> {
        let ks = self.keyspace();
        if ks.memory.tracking() != Tracking::Lfu {
            return Err(Error::NoLfuPolicy);
        }
        let now = ks.coarse_now();
        Ok(self
            .access_stamp(db, key)?
            .map(|s| s.map_or(LFU_INIT, |s| ks.memory.frequency(s, now))))
    }

    /// `OBJECT IDLETIME`: whole seconds since the key was last accessed (as Redis
    /// counts them: between second stamps; 0 while no access times are kept);
    /// [`Error::LfuPolicy`] under an LFU policy.
    pub(crate) fn object_idle_seconds(self, db: usize, key: &[u8]) -> Result<Option<u64>> {
        let ks = self.keyspace();
        if ks.memory.policy().tracking() == Tracking::Lfu {
            return Err(Error::LfuPolicy);
        }
        let now = ks.coarse_now();
        Ok(self
            .access_stamp(db, key)?
            .map(|s| s.map_or(0, |s| idle_seconds(s, now))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_through_their_names() {
        for p in POLICIES {
            assert_eq!(p.as_str().parse::<EvictionPolicy>(), Ok(p));
            assert_eq!(p.as_str().to_uppercase().parse::<EvictionPolicy>(), Ok(p));
            assert_eq!(POLICIES[usize::from(p.index())], p);
        }
        assert_eq!("lru".parse::<EvictionPolicy>(), Err(Error::UnknownPolicy));
    }

    #[test]
    fn the_pool_keeps_the_best_candidates() {
        let mut pool = Vec::new();
        for score in [
            5u64, 1, 9, 3, 7, 20, 0, 11, 13, 2, 4, 6, 8, 10, 12, 14, 15, 16,
        ] {
            merge(
                &mut pool,
                Candidate {
                    score,
                    db: 0,
                    key: score.to_string().into_bytes(),
                },
            );
        }
        assert_eq!(pool.len(), POOL_SIZE);
        let scores: Vec<u64> = pool.iter().map(|c| c.score).collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
        assert_eq!(pool.last().map(|c| c.score), Some(20));
        assert!(!scores.contains(&0) && !scores.contains(&1));
        // A key sampled again takes its new score.
        merge(
            &mut pool,
            Candidate {
                score: 100,
                db: 0,
                key: b"5".to_vec(),
            },
        );
        assert_eq!(pool.len(), POOL_SIZE);
        assert_eq!(pool.last().map(|c| c.key.as_slice()), Some(&b"5"[..]));
    }

    #[test]
    fn lfu_counters_grow_logarithmically_and_decay() {
        let m = Memory::default();
        let mut stamp = Memory::new_stamp(Tracking::Lfu, 0);
        for _ in 0..1_000 {
            stamp = m.lfu_touch(stamp, 0);
        }
        let after_1k = stamp & 0xff;
        // Redis's table for factor 10: ~18 after 1 000 hits (from 5: fewer here). The
        // count is random: 12..=29 held in 20 000 simulated runs, 25..=29 in 1.3% of
        // them (so a tighter bound fails now and then).
        assert!((10..=34).contains(&after_1k), "{after_1k}");
        for _ in 0..100_000 {
            stamp = m.lfu_touch(stamp, 0);
        }
        let after_100k = stamp & 0xff;
        assert!(after_100k > after_1k + 40, "{after_100k}");
        // Ten minutes unused: ten less.
        assert_eq!(m.frequency(stamp, 10 * 60_000), after_100k - 10);
        m.set_decay_minutes(0);
        assert_eq!(m.frequency(stamp, 10 * 60_000), after_100k);
    }
}
