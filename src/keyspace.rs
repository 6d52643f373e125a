//! The keyspace (Redis's `db.c`): every key of every database, spread over lock-striped
//! shards.
//!
//! A key is hashed once with the store's randomly seeded hasher; bits just below the top
//! seven (which the table keeps for its own tags) pick the shard, and the same hash probes
//! the shard's table. The shards of all databases live in one array, database-major, so
//! one ascending order covers every lock in the store.
//!
//! Every access goes through [`Keyspace::read`], [`Keyspace::write`],
//! [`Keyspace::read_many`] or [`Keyspace::write_many`] (or a whole-database operation
//! here). They apply the lazy-expiry rule (see `keyspace/expiry.rs`): an expired entry
//! reads as absent and is removed before a write looks at its key. Nothing that borrows
//! a lock escapes these closures.
//!
//! Locking: single-key commands take one shard lock, read or write. Multi-key commands
//! lock every shard they need, deduplicated and in ascending index order, and hold them
//! all while they run, so they are atomic and cannot deadlock. Nothing waits or calls
//! user code while holding a shard lock.

pub(crate) mod blocking;
pub(crate) mod evict;
pub(crate) mod expiry;
pub(crate) mod notify;
pub(crate) mod stats;
mod table;

use std::sync::Arc;

use bytes::BytesMut;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::clock::ClockSource;
use crate::value::{Collection, StrRef, Value, ValueRef, opt, opt_str};
use crate::{Error, Result};
use blocking::Blocking;
use expiry::Schedule;
use table::{KeyHasher, Slot, Table, hash_key};

/// What a write does to the key's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// Keep the current deadline (none for a new key).
    Keep,
    /// Remove any deadline.
    Clear,
    /// Expire at this absolute time (ms on the store's clock); a time not after "now"
    /// deletes the key instead.
    At(u64),
}

#[repr(align(128))] // keeps neighbouring shard locks off one cache line
struct Shard {
    table: RwLock<Table>,
    /// The table's keys and keys with a TTL as of its last write, for eviction's
    /// sampling to skip empty shards without locking them.
    keys: AtomicUsize,
    volatile: AtomicUsize,
}

impl Shard {
    fn new() -> Self {
        Shard {
            table: RwLock::new(Table::default()),
            keys: AtomicUsize::new(0),
            volatile: AtomicUsize::new(0),
        }
    }
}

pub(crate) struct Keyspace {
    shards: Box<[Shard]>,
    shard_bits: u32,
    databases: usize,
    hasher: KeyHasher,
    clock: ClockSource,
    schedule: Arc<Schedule>,
    /// Random choices (`SPOP`, `RANDOMKEY`, …) draw from generators seeded with this
    /// and a counter: reproducible for a fixed seed on one thread, no shared lock.
    seed: u64,
    draws: AtomicU64,
    blocking: Blocking,
    /// Set on a transaction's private keyspace (see `transaction.rs`): the keys it may
    /// touch, and what it did with them.
    scope: Option<Box<Scope>>,
    watches: Watches,
    notifier: notify::Notifier,
    stats: Arc<stats::Stats>,
    memory: evict::Memory,
}

/// The flags of the watchers of each key, by database.
type WatchersByKey = hashbrown::HashMap<usize, hashbrown::HashMap<Vec<u8>, Vec<Arc<AtomicBool>>>>;

/// Keys watched by optimistic transactions (`WATCH`): a writer that modifies one raises
/// the flags of its watchers. Free while nobody watches (one relaxed load per write).
#[derive(Debug, Default)]
pub(crate) struct Watches {
    /// How many (key, watcher) registrations exist.
    active: AtomicUsize,
    keys: parking_lot::Mutex<WatchersByKey>,
}

impl Watches {
    /// Raises the flags of the watchers of `key` in `db`.
    #[inline]
    fn touch(&self, db: usize, key: &[u8]) {
        if self.active.load(Ordering::Relaxed) > 0 {
            self.raise(db, key);
        }
    }

    #[cold]
    #[inline(never)]
    fn raise(&self, db: usize, key: &[u8]) {
        if let Some(flags) = self.keys.lock().get(&db).and_then(|keys| keys.get(key)) {
            for flag in flags {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Raises the flags of every watcher of `db` (`None`: of every database).
    fn touch_db(&self, db: Option<usize>) {
        if self.active.load(Ordering::Relaxed) > 0 {
            for (d, keys) in self.keys.lock().iter() {
                if db.is_none_or(|db| db == *d) {
                    keys.values()
                        .flatten()
                        .for_each(|f| f.store(true, Ordering::Relaxed));
                }
            }
        }
    }

    /// Makes writes to `keys` of `db` raise `flag`.
    pub(crate) fn register(&self, db: usize, keys: &[Vec<u8>], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let watched = map.entry(db).or_default();
        for key in keys {
            watched
                .entry(key.clone())
                .or_default()
                .push(Arc::clone(flag));
        }
        self.active.fetch_add(keys.len(), Ordering::Relaxed);
    }

    /// Undoes [`register`](Self::register).
    pub(crate) fn unregister(&self, db: usize, keys: &[Vec<u8>], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let Some(watched) = map.get_mut(&db) else {
            return;
        };
        for key in keys {
            if let Some(flags) = watched.get_mut(key.as_slice()) {
                flags.retain(|f| !Arc::ptr_eq(f, flag));
                if flags.is_empty() {
                    watched.remove(key.as_slice());
                }
            }
        }
        if watched.is_empty() {
            map.remove(&db);
        }
        self.active.fetch_sub(keys.len(), Ordering::Relaxed);
    }
}

/// What a transaction's private keyspace records about the keys it is asked for: whether
/// anything outside the named keys of database 0 was touched (the transaction then
/// fails), and which named keys were written (only those are copied back).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    named: hashbrown::HashSet<Vec<u8>>,
    strayed: std::sync::atomic::AtomicBool,
    written: parking_lot::Mutex<hashbrown::HashSet<Vec<u8>>>,
}

impl Scope {
    pub(crate) fn new(named: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Scope {
            named: named.into_iter().collect(),
            ..Scope::default()
        }
    }

    #[cold]
    #[inline(never)]
    fn touch(&self, db: usize, key: &[u8]) {
        if db != 0 || !self.named.contains(key) {
            self.strayed.store(true, Ordering::Relaxed);
        }
    }

    /// Notes that `key` was modified (only those are copied back).
    #[cold]
    #[inline(never)]
    fn wrote(&self, key: &[u8]) {
        self.written.lock().insert(key.to_vec());
    }

    fn stray(&self) {
        self.strayed.store(true, Ordering::Relaxed);
    }

    /// Whether a key outside the named ones (or a whole database) was touched.
    pub(crate) fn strayed(&self) -> bool {
        self.strayed.load(Ordering::Relaxed)
    }

    /// The named keys written since the last call, and forgets them.
    pub(crate) fn take_written(&self) -> hashbrown::HashSet<Vec<u8>> {
        std::mem::take(&mut *self.written.lock())
    }
}

impl Keyspace {
    pub(crate) fn new(
        databases: usize,
        shards_per_db: usize,
        clock: ClockSource,
        schedule: Arc<Schedule>,
        seed: u64,
    ) -> Self {
        // At most 2^20 shards in all (128 MB of locks), whatever the configuration asks.
        let mut shards_per_db = shards_per_db.clamp(1, 1 << 16).next_power_of_two();
        while shards_per_db > 1 && databases * shards_per_db > 1 << 20 {
            shards_per_db /= 2;
        }
        Keyspace {
            shards: (0..databases * shards_per_db)
                .map(|_| Shard::new())
                .collect(),
            shard_bits: shards_per_db.trailing_zeros(),
            databases,
            hasher: KeyHasher::default(),
            clock,
            schedule,
            seed,
            draws: AtomicU64::new(0),
            blocking: Blocking::default(),
            scope: None,
            watches: Watches::default(),
            notifier: notify::Notifier::default(),
            stats: Arc::default(),
            memory: evict::Memory::default(),
        }
    }

    /// The memory limit, the eviction policy and the bytes in use.
    pub(crate) fn memory(&self) -> &evict::Memory {
        &self.memory
    }

    /// Accounts for a write to shard `s`, whose table's footprint was `before`. The
    /// counts are stored only when they changed: most writes (overwrites) leave them, and
    /// their cache line then stays clean for eviction's samplers.
    #[inline]
    fn publish(&self, s: usize, table: &Table, before: usize) {
        self.memory.account(before, table.footprint());
        let shard = &self.shards[s];
        for (count, now) in [
            (&shard.keys, table.len()),
            (&shard.volatile, table.volatile()),
        ] {
            if count.load(Ordering::Relaxed) != now {
                count.store(now, Ordering::Relaxed);
            }
        }
    }

    /// After a write: evicts if the store is over its memory limit.
    #[inline]
    fn after_write(&self) {
        if self.memory.over() {
            self.evict_to_limit();
        }
    }

    /// This keyspace, publishing its keyspace events through `notifier`.
    pub(crate) fn with_notifier(mut self, notifier: notify::Notifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// This keyspace, counting into `stats` (a transaction's private keyspace counts
    /// into its store's).
    pub(crate) fn with_stats(mut self, stats: Arc<stats::Stats>) -> Self {
        self.stats = stats;
        self
    }

    /// The `INFO stats` counters.
    pub(crate) fn stats(&self) -> &Arc<stats::Stats> {
        &self.stats
    }

    /// Keyspace notifications: what is enabled, and where events go.
    pub(crate) fn notifier(&self) -> &notify::Notifier {
        &self.notifier
    }

    /// Publishes keyspace event `event` (of `class`) on `key` of `db`, if enabled.
    #[inline]
    pub(crate) fn notify(&self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        self.notifier.notify(class, event, db, key);
    }

    /// The keys watched by optimistic transactions.
    pub(crate) fn watches(&self) -> &Watches {
        &self.watches
    }

    /// This keyspace as a transaction's private one, limited to `scope`.
    pub(crate) fn scoped(mut self, scope: Scope) -> Self {
        self.scope = Some(Box::new(scope));
        self
    }

    /// The limits of a transaction's private keyspace, if this is one.
    pub(crate) fn scope(&self) -> Option<&Scope> {
        self.scope.as_deref()
    }

    /// The clock, to share with a transaction's private keyspace.
    pub(crate) fn clock(&self) -> &ClockSource {
        &self.clock
    }

    /// Notes, in a transaction's private keyspace, that `key` of `db` is reached.
    #[inline]
    fn touch(&self, db: usize, key: &[u8]) {
        if let Some(scope) = &self.scope {
            scope.touch(db, key);
        }
    }

    /// Notes, in a transaction's private keyspace, a command over a whole database.
    #[inline]
    fn touch_all(&self) {
        if let Some(scope) = &self.scope {
            scope.stray();
        }
    }

    /// The registry of callers blocked on list keys.
    pub(crate) fn blocking(&self) -> &Blocking {
        &self.blocking
    }

    /// A random generator for one command.
    pub(crate) fn rng(&self) -> SmallRng {
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        SmallRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    pub(crate) fn databases(&self) -> usize {
        self.databases
    }

    #[cfg(test)]
    pub(crate) fn schedule(&self) -> &Arc<Schedule> {
        &self.schedule
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    pub(crate) fn check_db(&self, db: usize) -> Result<()> {
        if db < self.databases {
            Ok(())
        } else {
            Err(Error::DbIndexOutOfRange)
        }
    }

    fn shards_per_db(&self) -> usize {
        1 << self.shard_bits
    }

    #[inline]
    fn shard_of(&self, db: usize, hash: u64) -> usize {
        let within = if self.shard_bits == 0 {
            0
        } else {
            usize::try_from((hash << 7) >> (64 - self.shard_bits)).unwrap_or(0)
        };
        (db << self.shard_bits) | within
    }

    fn db_shards(&self, db: usize) -> std::ops::Range<usize> {
        let n = self.shards_per_db();
        db * n..(db + 1) * n
    }

    /// Calls `f` with the live value of `key` in `db`, under the shard's read lock.
    #[inline]
    pub(crate) fn read<R>(
        &self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<ValueRef<'_>>) -> R,
    ) -> R {
        self.read_with_deadline(db, key, |entry| f(entry.map(|(value, _)| value)))
    }

    /// Calls `f` with the collection `C` at `key` (`None` if absent), under the shard's
    /// read lock; [`Error::WrongType`] if the key holds another type.
    pub(crate) fn read_as<C: Collection, R>(
        &self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<&C>) -> R,
    ) -> Result<R> {
        self.read(db, key, |v| opt::<C>(v).map(f))
    }

    /// Like [`read`](Self::read), with the entry's deadline beside its value.
    #[inline]
    pub(crate) fn read_with_deadline<R>(
        &self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> R,
    ) -> R {
        let (hash, table) = self.read_locked(db, key);
        let slot = self.live_slot(&table, hash, key);
        match slot {
            None => {
                self.stats.miss();
                self.notify(notify::KEY_MISS, "keymiss", db, key);
            }
            Some(i) => {
                self.stats.hit();
                self.memory.touch(&table, i, || self.now());
            }
        }
        f(slot.map(|i| {
            let (deadline, value) = table.slot(i).parts();
            (value, deadline)
        }))
    }

    /// [`read_with_deadline`](Self::read_with_deadline) for the store's own look-ups
    /// (no `keymiss` event).
    #[inline]
    pub(crate) fn peek<R>(
        &self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> R,
    ) -> R {
        let (hash, table) = self.read_locked(db, key);
        f(self.live(&table, hash, key))
    }

    /// The hash of `key` and its shard, read-locked.
    #[inline]
    fn read_locked(&self, db: usize, key: &[u8]) -> (u64, RwLockReadGuard<'_, Table>) {
        self.touch(db, key);
        let hash = hash_key(&self.hasher, key);
        (hash, self.shards[self.shard_of(db, hash)].table.read())
    }

    /// The lazy-expiry rule for readers: the value and deadline of `key` unless it is
    /// absent or its deadline has passed (the clock is read only if it has one).
    #[inline]
    fn live<'t>(
        &self,
        table: &'t Table,
        hash: u64,
        key: &[u8],
    ) -> Option<(ValueRef<'t>, Option<u64>)> {
        let (deadline, value) = table.slot(self.live_slot(table, hash, key)?).parts();
        Some((value, deadline))
    }

    /// The slot of `key` unless it is absent or its deadline has passed.
    fn live_slot(&self, table: &Table, hash: u64, key: &[u8]) -> Option<u32> {
        table
            .find(hash, key)
            .filter(|&i| table.slot(i).parts().0.is_none_or(|d| d > self.now()))
    }

    /// Calls `f` with a writable entry for `key` in `db`, under the shard's write lock.
    #[inline]
    pub(crate) fn write<R>(
        &self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(&mut EntryMut<'_>) -> R,
    ) -> R {
        self.touch(db, key);
        let hash = hash_key(&self.hasher, key);
        let s = self.shard_of(db, hash);
        let out = {
            let mut table = self.shards[s].table.write();
            let before = table.footprint();
            let out = f(&mut EntryMut::new(self, db, &mut table, key, hash));
            self.publish(s, &table, before);
            out
        };
        // Waiters on keys this write pushed to are served once its lock is released.
        self.blocking.serve_signalled(self);
        self.after_write();
        out
    }

    /// Locks, in ascending order, every shard holding one of `keys` (each a database and
    /// a key) for reading, and calls `f` with them.
    pub(crate) fn read_many<R>(
        &self,
        keys: &[(usize, &[u8])],
        f: impl FnOnce(&ManyRead<'_>) -> R,
    ) -> R {
        for &(db, key) in keys {
            self.touch(db, key);
        }
        let located = self.locate(keys);
        let order = lock_order(&located);
        let guards: Vec<(usize, RwLockReadGuard<'_, Table>)> = order
            .iter()
            .map(|&s| (s, self.shards[s].table.read()))
            .collect();
        // Each key is looked up once, here: the command's reads reuse the slot, and the
        // hit or miss is counted once.
        let events = self.notifier.wants(notify::KEY_MISS);
        let found = located
            .iter()
            .map(|l| {
                let table = &guards[guard_index(&guards, l.shard)].1;
                let slot = self.live_slot(table, l.hash, l.key);
                if let Some(i) = slot {
                    self.stats.hit();
                    self.memory.touch(table, i, || self.now());
                } else {
                    self.stats.miss();
                    if events {
                        self.notify(notify::KEY_MISS, "keymiss", l.db, l.key);
                    }
                }
                slot
            })
            .collect();
        let many = ManyRead {
            guards,
            keys: located,
            found,
        };
        f(&many)
    }

    /// Locks, in ascending order, every shard holding one of `keys` (each a database and
    /// a key) for writing, and calls `f` with them.
    pub(crate) fn write_many<R>(
        &self,
        keys: &[(usize, &[u8])],
        f: impl FnOnce(&mut Many<'_>) -> R,
    ) -> R {
        for &(db, key) in keys {
            self.touch(db, key);
        }
        let located = self.locate(keys);
        let order = lock_order(&located);
        let guards: Vec<(usize, RwLockWriteGuard<'_, Table>)> = order
            .iter()
            .map(|&s| (s, self.shards[s].table.write()))
            .collect();
        let before: Vec<usize> = guards.iter().map(|(_, t)| t.footprint()).collect();
        let mut many = Many {
            ks: self,
            guards,
            keys: located,
        };
        let out = f(&mut many);
        for ((s, table), before) in many.guards.iter().zip(before) {
            self.publish(*s, table, before);
        }
        drop(many);
        // The whole command is applied and its locks released: serve waiters now.
        self.blocking.serve_signalled(self);
        self.after_write();
        out
    }

    fn locate<'k>(&self, keys: &[(usize, &'k [u8])]) -> Vec<Located<'k>> {
        keys.iter()
            .map(|&(db, key)| {
                let hash = hash_key(&self.hasher, key);
                Located {
                    db,
                    key,
                    hash,
                    shard: self.shard_of(db, hash),
                }
            })
            .collect()
    }

    /// Number of keys in `db`, counting expired keys not yet removed (as Redis's DBSIZE).
    pub(crate) fn len(&self, db: usize) -> usize {
        self.touch_all();
        self.db_shards(db)
            .map(|s| self.shards[s].table.read().len())
            .sum()
    }

    /// Number of keys in `db` and how many of them have a TTL (`INFO keyspace`); the
    /// second walks the database's entries.
    pub(crate) fn counts(&self, db: usize) -> (usize, usize) {
        self.touch_all();
        self.db_shards(db)
            .map(|s| {
                let t = self.shards[s].table.read();
                (t.len(), t.volatile())
            })
            .fold((0, 0), |(k, e), (k2, e2)| (k + k2, e + e2))
    }

    /// Removes every key of `db`, atomically.
    pub(crate) fn clear(&self, db: usize) {
        self.touch_all();
        self.watches.touch_db(Some(db));
        let mut guards: Vec<_> = self
            .db_shards(db)
            .map(|s| (s, self.shards[s].table.write()))
            .collect();
        for (s, table) in &mut guards {
            let before = table.footprint();
            table.clear();
            self.publish(*s, table, before);
        }
    }

    /// Removes every key of every database, atomically.
    pub(crate) fn clear_all(&self) {
        self.touch_all();
        self.watches.touch_db(None);
        let mut guards: Vec<_> = self.shards.iter().map(|s| s.table.write()).collect();
        for (s, table) in guards.iter_mut().enumerate() {
            let before = table.footprint();
            table.clear();
            self.publish(s, table, before);
        }
    }

    /// Exchanges the contents of databases `a` and `b`, atomically.
    pub(crate) fn swap(&self, a: usize, b: usize) {
        self.touch_all();
        self.watches.touch_db(Some(a));
        self.watches.touch_db(Some(b));
        if a == b {
            return;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let mut low: Vec<_> = self
            .db_shards(lo)
            .map(|s| self.shards[s].table.write())
            .collect();
        let mut high: Vec<_> = self
            .db_shards(hi)
            .map(|s| self.shards[s].table.write())
            .collect();
        let shards = self.db_shards(lo).zip(self.db_shards(hi));
        for ((x, y), (sx, sy)) in low.iter_mut().zip(high.iter_mut()).zip(shards) {
            let (bx, by) = (x.footprint(), y.footprint());
            std::mem::swap(&mut **x, &mut **y);
            self.publish(sx, x, bx);
            self.publish(sy, y, by);
        }
        drop((low, high));
        // Callers blocked on a key of either database may now find a list there.
        if self.blocking.has_waiters() {
            self.blocking.signal_db(a);
            self.blocking.signal_db(b);
            self.blocking.serve_signalled(self);
        }
    }

    /// Calls `f` for every live key of `db`, one shard (read-locked) at a time.
    pub(crate) fn for_each(&self, db: usize, mut f: impl FnMut(&[u8], ValueRef<'_>)) {
        self.touch_all();
        let now = self.now();
        for s in self.db_shards(db) {
            let table = self.shards[s].table.read();
            for i in 0..table.slot_count() {
                #[allow(clippy::cast_possible_truncation)] // slot numbers are u32
                let slot = table.slot(i as u32);
                if slot.is_live_at(now) {
                    f(slot.key(), slot.value());
                }
            }
        }
    }

    /// One step of `SCAN` over `db`: visits live entries from `cursor` on, until `count`
    /// entries (or ten times as many slots) have been looked at, and returns the next
    /// cursor (0 when done).
    ///
    /// A cursor is a shard number (high 32 bits) and a slot number (low 32 bits). Entries
    /// never change slot, so every key present for the whole scan is visited exactly once.
    pub(crate) fn scan(
        &self,
        db: usize,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(&[u8], ValueRef<'_>),
    ) -> u64 {
        self.touch_all();
        let per_db = self.shards_per_db() as u64;
        let (mut shard, mut slot) = (cursor >> 32, cursor & u64::from(u32::MAX));
        let now = self.now();
        let (mut seen, mut visited) = (0usize, 0usize);
        let count = count.max(1);
        while shard < per_db {
            let global = self.db_shards(db).start + usize::try_from(shard).unwrap_or(0);
            let table = self.shards[global].table.read();
            while usize::try_from(slot).is_ok_and(|s| s < table.slot_count()) {
                if seen >= count || visited >= count.saturating_mul(10) {
                    return (shard << 32) | slot;
                }
                #[allow(clippy::cast_possible_truncation)] // slot numbers are u32
                let entry = table.slot(slot as u32);
                visited += 1;
                if !entry.is_free() {
                    seen += 1;
                    if entry.is_live_at(now) {
                        f(entry.key(), entry.value());
                    }
                }
                slot += 1;
            }
            shard += 1;
            slot = 0;
        }
        0
    }

    /// A live key of `db` chosen at random, with its value.
    pub(crate) fn random<R>(
        &self,
        db: usize,
        f: impl FnOnce(&[u8], ValueRef<'_>) -> R,
    ) -> Option<R> {
        self.touch_all();
        let mut rng = self.rng();
        let range = self.db_shards(db);
        let now = self.now();
        let start = rng.gen_range(range.clone());
        let mut f = Some(f);
        for s in (start..range.end).chain(range.start..start) {
            let table = self.shards[s].table.read();
            if table.len() == 0 {
                continue;
            }
            let n = table.slot_count();
            // Random probes find a live entry quickly unless the slots are mostly free
            // or expired; then walk from a random point.
            let probes: Vec<usize> = (0..64).map(|_| rng.gen_range(0..n)).collect();
            let walk = {
                let from = rng.gen_range(0..n);
                (from..n).chain(0..from)
            };
            for i in probes.into_iter().chain(walk) {
                #[allow(clippy::cast_possible_truncation)] // slot numbers are u32
                let slot = table.slot(i as u32);
                if slot.is_live_at(now) {
                    return f.take().map(|f| f(slot.key(), slot.value()));
                }
            }
        }
        None
    }

    /// Removes every expired entry that the wheels say is due, shard by shard, in
    /// bounded batches. Returns how many were removed.
    pub(crate) fn purge_expired(&self) -> usize {
        let mut removed = 0;
        let notify = self.notifier.wants(notify::EXPIRED);
        let mut expired: Vec<Vec<u8>> = Vec::new();
        for (s, shard) in self.shards.iter().enumerate() {
            loop {
                let now = self.now();
                let mut table = shard.table.write();
                let before = table.footprint();
                let out = table.sweep(
                    &self.hasher,
                    now,
                    self.schedule.resolution(),
                    expiry::SWEEP_BATCH,
                    |key| {
                        if notify {
                            expired.push(key.to_vec());
                        }
                    },
                );
                self.publish(s, &table, before);
                drop(table);
                removed += out.removed;
                self.stats.expired(out.removed as u64);
                // Events go out once the shard's lock is released.
                let db = s >> self.shard_bits;
                for key in expired.drain(..) {
                    self.notify(notify::EXPIRED, "expired", db, &key);
                }
                if !out.more {
                    break;
                }
            }
        }
        removed
    }

    /// The earliest tick any shard's wheel holds.
    pub(crate) fn first_tick(&self) -> Option<u64> {
        self.shards
            .iter()
            .filter_map(|s| s.table.read().first_tick())
            .min()
    }
}

struct Located<'k> {
    db: usize,
    key: &'k [u8],
    hash: u64,
    shard: usize,
}

fn lock_order(located: &[Located<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = located.iter().map(|l| l.shard).collect();
    order.sort_unstable();
    order.dedup();
    order
}

fn guard_index<G>(guards: &[(usize, G)], shard: usize) -> usize {
    guards
        .binary_search_by_key(&shard, |(s, _)| *s)
        .expect("every located key's shard is locked")
}

/// Shards read-locked by [`Keyspace::read_many`].
pub(crate) struct ManyRead<'a> {
    guards: Vec<(usize, RwLockReadGuard<'a, Table>)>,
    keys: Vec<Located<'a>>,
    /// The slot of each key, if it is live.
    found: Vec<Option<u32>>,
}

impl ManyRead<'_> {
    /// The live value of the `n`th key given.
    pub(crate) fn get(&self, n: usize) -> Option<ValueRef<'_>> {
        let l = &self.keys[n];
        let table = &self.guards[guard_index(&self.guards, l.shard)].1;
        self.found[n].map(|i| table.slot(i).parts().1)
    }
}

/// Shards write-locked by [`Keyspace::write_many`].
pub(crate) struct Many<'a> {
    ks: &'a Keyspace,
    guards: Vec<(usize, RwLockWriteGuard<'a, Table>)>,
    keys: Vec<Located<'a>>,
}

impl Many<'_> {
    /// The live value of the `n`th key given (an expired one reads as absent).
    pub(crate) fn get(&self, n: usize) -> Option<ValueRef<'_>> {
        self.get_with_deadline(n).map(|(value, _)| value)
    }

    /// The live value of the `n`th key given, with its deadline.
    pub(crate) fn get_with_deadline(&self, n: usize) -> Option<(ValueRef<'_>, Option<u64>)> {
        let l = &self.keys[n];
        let table = &self.guards[guard_index(&self.guards, l.shard)].1;
        self.ks.live(table, l.hash, l.key)
    }

    /// Raises `keymiss` for each of the keys numbered `ns` that is missing: a command
    /// that reads them as sources (`SUNIONSTORE`, `BITOP`, …), as Redis's
    /// `lookupKeyRead` does.
    pub(crate) fn note_misses(&self, ns: impl IntoIterator<Item = usize>) {
        let events = self.ks.notifier.wants(notify::KEY_MISS);
        for n in ns {
            if self.get(n).is_none() {
                self.ks.stats.miss();
                if events {
                    let l = &self.keys[n];
                    self.ks.notify(notify::KEY_MISS, "keymiss", l.db, l.key);
                }
            } else {
                self.ks.stats.hit();
            }
        }
    }

    /// A writable entry for the `n`th key given.
    pub(crate) fn entry(&mut self, n: usize) -> EntryMut<'_> {
        let l = &self.keys[n];
        let g = guard_index(&self.guards, l.shard);
        EntryMut::new(self.ks, l.db, &mut self.guards[g].1, l.key, l.hash)
    }
}

/// A key under its shard's write lock: present (and live) or absent.
pub(crate) struct EntryMut<'a> {
    ks: &'a Keyspace,
    db: usize,
    table: &'a mut Table,
    key: &'a [u8],
    hash: u64,
    slot: Option<u32>,
}

impl<'a> EntryMut<'a> {
    fn new(ks: &'a Keyspace, db: usize, table: &'a mut Table, key: &'a [u8], hash: u64) -> Self {
        let mut slot = table.find(hash, key);
        if let Some(i) = slot {
            if table.slot(i).is_expired(|| ks.now()) {
                table.remove(i, hash);
                slot = None;
                ks.stats.expired(1);
                ks.notify(notify::EXPIRED, "expired", db, key);
            } else {
                ks.memory.stamp(table, i, false, || ks.now());
            }
        }
        EntryMut {
            ks,
            db,
            table,
            key,
            hash,
            slot,
        }
    }

    pub(crate) fn exists(&self) -> bool {
        self.slot.is_some()
    }

    /// Publishes keyspace event `event` (of `class`) on this key, if enabled.
    #[inline]
    pub(crate) fn notify(&self, class: u32, event: &'static str) {
        self.ks.notify(class, event, self.db, self.key);
    }

    /// [`notify`](Self::notify), then `del` if the command left the key empty (gone),
    /// as Redis reports an emptied collection.
    #[inline]
    pub(crate) fn notify_then_del(&self, class: u32, event: &'static str) {
        self.notify(class, event);
        if !self.exists() {
            self.notify(notify::GENERIC, "del");
        }
    }

    /// Tells the key's watchers (`WATCH`), and a transaction's scope, that it changed.
    #[inline]
    fn modified(&self) {
        self.ks.watches.touch(self.db, self.key);
        if let Some(scope) = &self.ks.scope {
            scope.wrote(self.key);
        }
    }

    pub(crate) fn value(&self) -> Option<ValueRef<'_>> {
        self.slot.map(|i| self.table.slot(i).value())
    }

    /// The string held, `None` if absent, [`Error::WrongType`] for another type.
    pub(crate) fn str(&self) -> Result<Option<StrRef<'_>>> {
        opt_str(self.value())
    }

    pub(crate) fn expires_at(&self) -> Option<u64> {
        self.slot.and_then(|i| self.table.slot(i).expires_at())
    }

    fn resolve(&self, deadline: Deadline) -> Option<u64> {
        match deadline {
            Deadline::Keep => self.expires_at(),
            Deadline::Clear => None,
            Deadline::At(at) => Some(at),
        }
    }

    /// Stores `slot` for this key, keeping the wheel invariant; a deadline already past
    /// deletes the key instead.
    fn store(&mut self, make: impl FnOnce(&[u8], Option<u64>) -> Slot, expires_at: Option<u64>) {
        let new = self.slot.is_none();
        self.store_quietly(make, expires_at);
        if new && self.exists() {
            self.notify(notify::NEW, "new");
        }
    }

    /// [`store`](Self::store) without the `new` keyspace event.
    fn store_quietly(
        &mut self,
        make: impl FnOnce(&[u8], Option<u64>) -> Slot,
        expires_at: Option<u64>,
    ) {
        self.modified();
        if expires_at.is_some_and(|d| d <= self.ks.now()) {
            self.remove();
            return;
        }
        let old = self.expires_at();
        let slot = make(self.key, expires_at);
        let i = if let Some(i) = self.slot {
            self.table.replace(i, slot);
            i
        } else {
            let i = self.table.insert(&self.ks.hasher, self.hash, slot);
            self.ks.memory.stamp(self.table, i, true, || self.ks.now());
            i
        };
        self.slot = Some(i);
        self.schedule(i, old, expires_at);
    }

    fn schedule(&mut self, i: u32, old: Option<u64>, new: Option<u64>) {
        if let Some(new) = new {
            let tick = self.ks.schedule.tick(new);
            if old.is_none_or(|old| tick < self.ks.schedule.tick(old)) {
                self.table.schedule(i, tick);
                self.ks.schedule.note(tick);
            }
        }
    }

    /// Sets the key to the string `bytes`.
    pub(crate) fn put_str(&mut self, bytes: &[u8], deadline: Deadline) {
        self.modified();
        let expires_at = self.resolve(deadline);
        // A packed string of the same length and the same deadline (the common SET of
        // a key without TTL, and every KEEPTTL) is rewritten in place.
        if let Some(i) = self.slot {
            if expires_at == self.expires_at()
                && self.table.edit(i, |slot| slot.overwrite_packed(bytes))
            {
                return;
            }
        }
        self.store(|key, at| Slot::new_str(key, bytes, at), expires_at);
    }

    /// Sets the key to `value`.
    pub(crate) fn put(&mut self, value: Value, deadline: Deadline) {
        let expires_at = self.resolve(deadline);
        // A list or sorted set put in place may be what blocked callers wait for.
        let waited_for = matches!(value, Value::List(_) | Value::ZSet(_));
        self.store(|key, at| Slot::new(key, value, at), expires_at);
        if waited_for {
            self.signal_ready();
        }
    }

    /// Notes that elements were added to this key, for callers blocked on it.
    pub(crate) fn signal_ready(&self) {
        self.ks.blocking.signal(self.db, self.key);
    }

    /// Edits the string in place (an absent key starts empty, with no deadline), keeping
    /// the deadline. [`Error::WrongType`] if the key holds another type.
    pub(crate) fn update_str<R>(&mut self, f: impl FnOnce(&mut BytesMut) -> R) -> Result<R> {
        self.str()?;
        let mut buf = match self.slot {
            Some(i) => self.table.edit(i, Slot::take_str_buf),
            None => BytesMut::new(),
        };
        let out = f(&mut buf);
        self.put(Value::Str(buf.freeze()), Deadline::Keep);
        Ok(out)
    }

    /// The collection `C` held, `None` if absent, [`Error::WrongType`] for another type.
    pub(crate) fn get<C: Collection>(&self) -> Result<Option<&C>> {
        opt(self.value())
    }

    /// Edits the collection `C` held here in place, starting from an empty one if the key
    /// is absent, and deletes the key if `f` leaves the collection empty (so a failed
    /// edit of a new key leaves no key behind). [`Error::WrongType`] for another type.
    pub(crate) fn update<C: Collection, R>(
        &mut self,
        f: impl FnOnce(&mut C) -> Result<R>,
    ) -> Result<R> {
        self.get::<C>()?;
        if self.exists() {
            return self.edit(f);
        }
        // A new key: announced only if the edit leaves it standing.
        let value = C::empty();
        let waited_for = matches!(value, Value::List(_) | Value::ZSet(_));
        self.store_quietly(|key, at| Slot::new(key, value, at), None);
        let out = self.edit(f);
        if self.exists() {
            self.notify(notify::NEW, "new");
            if waited_for {
                self.signal_ready();
            }
        }
        out
    }

    /// Like [`update`](Self::update), but `Ok(None)` without creating anything when the
    /// key is absent.
    pub(crate) fn update_existing<C: Collection, R>(
        &mut self,
        f: impl FnOnce(&mut C) -> Result<R>,
    ) -> Result<Option<R>> {
        if self.get::<C>()?.is_none() {
            return Ok(None);
        }
        self.edit(f).map(Some)
    }

    /// Applies `f` to the (present, type-checked) collection, then drops the key if it
    /// is empty.
    fn edit<C: Collection, R>(&mut self, f: impl FnOnce(&mut C) -> Result<R>) -> Result<R> {
        let i = self.slot.ok_or(Error::WrongType)?;
        // Conservatively a modification (the edit may change nothing).
        self.modified();
        let (out, empty) = self.table.edit(i, |slot| {
            let c = slot
                .boxed_value_mut()
                .and_then(C::cast_mut)
                .ok_or(Error::WrongType)?;
            let out = f(c);
            Ok((out, c.is_empty()))
        })?;
        if empty {
            self.remove();
        }
        out
    }

    /// Deletes the key; `true` if it existed.
    pub(crate) fn remove(&mut self) -> bool {
        match self.slot.take() {
            Some(i) => {
                self.modified();
                self.table.remove(i, self.hash);
                true
            }
            None => false,
        }
    }

    /// Deletes the key and returns its value and deadline.
    pub(crate) fn take(&mut self) -> Option<(Value, Option<u64>)> {
        let i = self.slot.take()?;
        self.modified();
        let slot = self.table.remove(i, self.hash);
        let expires_at = slot.expires_at();
        Some((slot.into_value(), expires_at))
    }

    /// Sets (or with `None` removes) the deadline of an existing key; a time not after
    /// "now" deletes the key. Returns `false` if the key is absent.
    pub(crate) fn set_expires_at(&mut self, expires_at: Option<u64>) -> bool {
        let Some(i) = self.slot else {
            return false;
        };
        if expires_at.is_some_and(|d| d <= self.ks.now()) {
            self.remove();
            return true;
        }
        let old = self.expires_at();
        if old == expires_at {
            return true;
        }
        self.modified();
        self.table.edit(i, |slot| {
            let old = std::mem::replace(slot, Slot::free());
            *slot = old.with_expires_at(expires_at);
        });
        self.schedule(i, old, expires_at);
        true
    }
}
