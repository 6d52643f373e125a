//! The keyspace (Redis's `db.c`): every key of every database, spread over lock-striped
//! shards.
//!
//! A key is hashed once, with a hasher seeded from the store's seed (random unless the
//! builder fixes one); bits just below the top seven pick the shard, and the low bits
//! the chain in the shard's table. The shards of all databases live in one array, database-major, so
//! one ascending order covers every lock in the store.
//!
//! Every access from a command goes through an [`Access`] (`keyspace/access.rs`): its
//! `read`, `write`, `read_many`, `write_many` and whole-database operations
//! (`keyspace/whole.rs`). They apply the lazy-expiry rule (see `keyspace/expiry.rs`):
//! an expired entry reads as absent and is removed before a write looks at its key.
//! Nothing that borrows a lock escapes their closures.
//!
//! Locking: single-key commands take one shard lock, read or write. Multi-key commands
//! lock every shard they need, deduplicated and in ascending index order, and hold them
//! all while they run, so they are atomic and cannot deadlock. Nothing waits or calls
//! user code while holding a shard lock — except a transaction (`keyspace/txn.rs`),
//! which holds its shards for the caller's whole closure or queue and runs its commands
//! on them in place.
//!
//! The rest is split by concern: `entry.rs` (a key under its write lock), `many.rs`
//! (several keys at once), `whole.rs` (whole databases, scans, the sweep), `watch.rs`,
//! `expiry.rs`, `evict.rs`, `notify.rs`, `blocking.rs`, `stats.rs` and `table.rs` (a
//! shard's entries).

mod access;
pub(crate) mod blocking;
mod entry;
pub(crate) mod evict;
pub(crate) mod expiry;
pub(crate) mod feed;
mod log;
mod many;
pub(crate) mod notify;
pub(crate) mod pubsub;
mod snapshot;
pub(crate) mod stats;
mod table;
mod txn;
mod watch;
mod whole;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use smallvec::SmallVec;

use crate::clock::ClockSource;
use crate::value::ValueRef;
use crate::{Error, Result};
use blocking::Blocking;
use expiry::Schedule;
use table::{KeyHasher, Table, hash_key};

pub(crate) use access::Access;
pub(crate) use entry::EntryMut;
pub(crate) use feed::Rec;
pub(crate) use log::Rollback;
pub(crate) use many::{Many, ManyRead};
pub(crate) use snapshot::Form;
pub(crate) use txn::{Locked, Whole};
pub(crate) use watch::Watches;

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
    /// A background snapshot has not copied this shard yet (see `snapshot.rs`).
    owed: AtomicBool,
    /// The table's keys and keys with a TTL as of its last write, for eviction's
    /// sampling to skip empty shards without locking them.
    keys: AtomicUsize,
    volatile: AtomicUsize,
    /// Changes made to this shard's keys (Redis's `server.dirty`, per shard: written
    /// under the shard's write lock, on the line its lock already dirties).
    dirty: AtomicU64,
}

impl Shard {
    fn new() -> Self {
        Shard {
            table: RwLock::new(Table::default()),
            owed: AtomicBool::new(false),
            keys: AtomicUsize::new(0),
            volatile: AtomicUsize::new(0),
            dirty: AtomicU64::new(0),
        }
    }
}

/// Set in [`HELD_BY_THIS_THREAD`]'s address when the holder is a zero-copy read's
/// closure rather than a transaction (a keyspace's address is even).
const READ_MARK: usize = 1;

thread_local! {
    /// The keyspace whose shards a transaction on this thread holds (its address; 0:
    /// none), or whose shard a zero-copy read's closure runs under (`| READ_MARK`). A lock this thread takes on that keyspace outside the transaction would
    /// wait for the transaction itself.
    static HELD_BY_THIS_THREAD: Cell<usize> = const { Cell::new(0) };
    /// The keyspaces of the transactions this one is nested in (a transaction on another
    /// store, started inside a transaction's closure).
    static HELD_OUTSIDE: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The function libraries a snapshot holds (see [`Keyspace::libraries`]).
#[derive(Debug, Default)]
pub(crate) struct Libraries {
    /// Each library's code, shebang included.
    pub(crate) codes: Vec<Vec<u8>>,
    /// The codes were read from a file and the registry has not taken them yet.
    pub(crate) loaded: bool,
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
    /// The background snapshot being taken, if one is.
    background: Mutex<Option<Arc<snapshot::Pending>>>,
    blocking: Blocking,
    watches: Watches,
    notifier: notify::Notifier,
    stats: stats::Stats,
    memory: evict::Memory,
    /// The longest string a command may make (`proto-max-bulk-len`).
    max_string_size: usize,
    /// The longest a sparse HLL may grow before it turns dense
    /// (`hll-sparse-max-bytes`).
    hll_sparse_max_bytes: AtomicUsize,
    /// `stream-node-max-bytes` and `stream-node-max-entries`.
    stream_node_max_bytes: AtomicUsize,
    stream_node_max_entries: AtomicUsize,
    /// The changes, as commands, for the append-only log (off unless it is on).
    feed: feed::Feed,
    /// A log is being replayed (see [`Keyspace::set_loading`]).
    loading: AtomicBool,
    /// While a script runs, the time keys expire by (Redis's script time snapshot); 0:
    /// the clock's.
    expiry_frozen_at: AtomicU64,
    /// Strings in snapshots and `DUMP` payloads are LZF-compressed where it pays
    /// (`rdbcompression`).
    rdb_compression: AtomicBool,
    /// Snapshot files carry a CRC-64, checked when read (`rdbchecksum`).
    rdb_checksum: AtomicBool,
    /// Keys the last snapshot loaded added, and left out as expired (`INFO`'s
    /// `rdb_last_load_keys_loaded` and `…_expired`).
    last_load: Mutex<(usize, usize)>,
    /// The function libraries' code, as snapshots and log rewrites save them.
    libraries: Mutex<Libraries>,
    /// Changes that are no key's (libraries loaded, deleted, restored), counted with
    /// the shards' in [`dirty`](Self::dirty).
    other_changes: AtomicU64,
    /// Redis Cluster's rules hold: the keys of a multi-key access share a hash slot.
    cluster: bool,
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
            // The hasher is seeded from the store's seed: chains, and so the random
            // picks made from them (RANDOMKEY), are the same every run for a fixed seed.
            hasher: KeyHasher::with_seed(mix(seed, 1)),
            clock,
            schedule,
            seed,
            draws: AtomicU64::new(0),
            background: Mutex::new(None),
            blocking: Blocking::default(),
            watches: Watches::default(),
            notifier: notify::Notifier::default(),
            stats: stats::Stats::default(),
            memory: evict::Memory::default(),
            max_string_size: usize::MAX,
            hll_sparse_max_bytes: AtomicUsize::new(crate::value::hll::DEFAULT_SPARSE_MAX_BYTES),
            stream_node_max_bytes: AtomicUsize::new(crate::value::stream::NODE_MAX_BYTES),
            stream_node_max_entries: AtomicUsize::new(crate::value::stream::NODE_MAX_ENTRIES),
            feed: feed::Feed::default(),
            loading: AtomicBool::new(false),
            expiry_frozen_at: AtomicU64::new(0),
            rdb_compression: AtomicBool::new(true),
            rdb_checksum: AtomicBool::new(true),
            last_load: Mutex::new((0, 0)),
            libraries: Mutex::new(Libraries::default()),
            other_changes: AtomicU64::new(0),
            cluster: false,
        }
    }

    /// This keyspace, publishing its keyspace events through `notifier`.
    pub(crate) fn with_notifier(mut self, notifier: notify::Notifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// This keyspace, refusing strings longer than `bytes`.
    pub(crate) fn with_max_string_size(mut self, bytes: usize) -> Self {
        self.max_string_size = bytes;
        self
    }

    /// The seed the store was built with (random unless given).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// This keyspace, in cluster mode or not (see [`Keyspace::cluster`]).
    pub(crate) fn with_cluster(mut self, on: bool) -> Self {
        self.cluster = on;
        self
    }

    /// Whether the store was built in cluster mode.
    pub(crate) fn cluster_mode(&self) -> bool {
        self.cluster
    }

    /// Whether Redis Cluster's rules hold now: every multi-key access refuses keys of
    /// more than one hash slot with [`Error::CrossSlot`] (see
    /// [`Keyspace::check_slots`]), and only database 0 is used. In cluster mode, and
    /// not while a log is replayed: a log is obeyed as written, as Redis's loading
    /// client is.
    pub(crate) fn cluster(&self) -> bool {
        self.cluster && !self.loading()
    }

    /// In cluster mode, [`Error::CrossSlot`] unless `keys` share one hash slot; free
    /// otherwise.
    #[inline]
    pub(crate) fn check_slots<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Result<()> {
        if self.cluster() {
            crate::slot::common_slot(keys)?;
        }
        Ok(())
    }

    /// The longest string a command may make.
    /// `rdbcompression`: whether snapshots and payloads compress strings.
    pub(crate) fn rdb_compression(&self) -> bool {
        self.rdb_compression.load(Ordering::Relaxed)
    }

    pub(crate) fn set_rdb_compression(&self, on: bool) {
        self.rdb_compression.store(on, Ordering::Relaxed);
    }

    /// `rdbchecksum`: whether snapshot files are checksummed (written and verified);
    /// set only when the store is built (immutable in Redis).
    pub(crate) fn rdb_checksum(&self) -> bool {
        self.rdb_checksum.load(Ordering::Relaxed)
    }

    pub(crate) fn set_rdb_checksum(&self, on: bool) {
        self.rdb_checksum.store(on, Ordering::Relaxed);
    }

    /// Keys the last snapshot loaded added, and left out as expired.
    pub(crate) fn last_load(&self) -> (usize, usize) {
        *self.last_load.lock()
    }

    pub(crate) fn max_string_size(&self) -> usize {
        self.max_string_size
    }

    /// `hll-sparse-max-bytes`.
    pub(crate) fn hll_sparse_max_bytes(&self) -> usize {
        self.hll_sparse_max_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn set_hll_sparse_max_bytes(&self, bytes: usize) {
        self.hll_sparse_max_bytes.store(bytes, Ordering::Relaxed);
    }

    /// When a stream's block closes (`stream-node-max-bytes`, `-entries`).
    pub(crate) fn stream_node_limits(&self) -> crate::value::stream::NodeLimits {
        crate::value::stream::NodeLimits {
            max_bytes: self.stream_node_max_bytes.load(Ordering::Relaxed),
            max_entries: self.stream_node_max_entries.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn set_stream_node_max_bytes(&self, bytes: usize) {
        self.stream_node_max_bytes.store(bytes, Ordering::Relaxed);
    }

    pub(crate) fn set_stream_node_max_entries(&self, entries: usize) {
        self.stream_node_max_entries
            .store(entries, Ordering::Relaxed);
    }

    /// The most repeated random picks one reply may hold (`SRANDMEMBER`, `HRANDFIELD`,
    /// `ZRANDMEMBER` with [`Picks::Repeated`](crate::Picks)): as many elements as fit in
    /// the maximum string size.
    pub(crate) fn max_picks(&self) -> usize {
        self.max_string_size / std::mem::size_of::<crate::Blob>()
    }

    /// The handle-facing access to this keyspace, outside any transaction.
    pub(crate) fn access(&self) -> Access<'_> {
        Access::live(self)
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

    /// The feed of changes for the append-only log.
    pub(crate) fn feed(&self) -> &feed::Feed {
        &self.feed
    }

    /// The `INFO stats` counters.
    pub(crate) fn stats(&self) -> &stats::Stats {
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

    /// When the sweeper runs, and the timers of async waits it keeps.
    pub(crate) fn schedule(&self) -> &Arc<Schedule> {
        &self.schedule
    }

    /// The clock's time in microseconds (`TIME`).
    pub(crate) fn now_us(&self) -> u64 {
        self.clock.now_us()
    }

    /// The time to the millisecond: for new deadlines, TTLs and walks.
    pub(crate) fn now(&self) -> u64 {
        if self.loading.load(Ordering::Relaxed) {
            return 0;
        }
        self.clock.precise_ms()
    }

    /// The clock's time, also while loading (stream groups' delivery and seen times,
    /// which Redis reads from the clock even then).
    pub(crate) fn wall_ms(&self) -> u64 {
        self.clock.precise_ms()
    }

    /// The time as cheaply as it can be read (up to a tick behind): for access stamps.
    #[inline]
    pub(crate) fn coarse_now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Whether a key with this deadline has expired (Redis's `now > deadline`).
    #[inline]
    pub(crate) fn passed(&self, deadline: u64) -> bool {
        if self.loading.load(Ordering::Relaxed) {
            return false;
        }
        match self.expiry_frozen_at.load(Ordering::Relaxed) {
            0 => self.clock.passed(deadline),
            at => at > deadline,
        }
    }

    /// Keys expire by the time `at` until [`thaw_expiry`](Self::thaw_expiry): a script
    /// sees no key expire while it runs, as in Redis (the store is locked whole then).
    #[cfg_attr(not(feature = "scripting"), allow(dead_code))]
    pub(crate) fn freeze_expiry(&self, at: u64) {
        self.expiry_frozen_at.store(at.max(1), Ordering::Relaxed);
    }

    /// Keys expire by the clock again.
    #[cfg_attr(not(feature = "scripting"), allow(dead_code))]
    pub(crate) fn thaw_expiry(&self) {
        self.expiry_frozen_at.store(0, Ordering::Relaxed);
    }

    /// The function libraries' code, as snapshots save it: the registry (kept by
    /// scripting, above this layer) writes it after each change, and a loaded snapshot
    /// leaves its libraries here for the registry to take.
    pub(crate) fn libraries(&self) -> parking_lot::MutexGuard<'_, Libraries> {
        self.libraries.lock()
    }

    /// Counts a change that is no key's (a function library loaded or deleted: Redis's
    /// `server.dirty++`).
    #[cfg_attr(not(feature = "scripting"), allow(dead_code))]
    pub(crate) fn count_other_change(&self) {
        self.other_changes.fetch_add(1, Ordering::Relaxed);
    }

    /// Changes made since the store began (`save` rules count them).
    pub(crate) fn dirty(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.dirty.load(Ordering::Relaxed))
            .sum::<u64>()
            + self.other_changes.load(Ordering::Relaxed)
    }

    /// Counts a change to a key of shard `s` (the caller holds its write lock).
    #[inline]
    fn count_change(&self, s: usize) {
        let d = &self.shards[s].dirty;
        d.store(d.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// While a log is replayed, time stands before every deadline (Redis's
    /// `server.loading`): no key expires and no deadline counts as past, so each record
    /// meets the key its writer met; expired keys go once loading ends.
    pub(crate) fn set_loading(&self, on: bool) {
        self.loading.store(on, Ordering::Relaxed);
        if !on {
            // The sweeper idled while loading: deadlines passed meanwhile are due now.
            self.schedule.note(0);
        }
    }

    /// Whether a log is being replayed.
    pub(crate) fn loading(&self) -> bool {
        self.loading.load(Ordering::Relaxed)
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

    /// The address that marks this keyspace in [`HELD_BY_THIS_THREAD`].
    fn address(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Whether a transaction (or a zero-copy read's closure) on this thread holds shards
    /// of this keyspace: a lock taken outside it would wait for the holder itself.
    #[inline]
    fn held_by_this_thread(&self) -> bool {
        let held = HELD_BY_THIS_THREAD.with(Cell::get);
        let address = self.address();
        held != 0
            && (held & !READ_MARK == address
                || HELD_OUTSIDE.with(|h| h.borrow().iter().any(|o| o & !READ_MARK == address)))
    }

    /// Whether a zero-copy read's closure on this thread runs under a lock of this
    /// keyspace.
    #[inline]
    fn read_by_this_thread(&self) -> bool {
        HELD_BY_THIS_THREAD.with(Cell::get) == self.address() | READ_MARK
    }

    /// [`Error::InsideTransaction`] if this thread's transaction holds this keyspace,
    /// [`Error::InsideRead`] if a zero-copy read's closure does. One thread-local load
    /// when neither does.
    #[inline]
    fn check_not_held(&self) -> Result<()> {
        let held = HELD_BY_THIS_THREAD.with(Cell::get);
        if held == 0 {
            Ok(())
        } else if held == self.address() | READ_MARK {
            Err(Error::InsideRead)
        } else if self.held_by_this_thread() {
            Err(Error::InsideTransaction)
        } else {
            Ok(())
        }
    }

    /// Panics, naming the mistake, if this thread holds this keyspace (see
    /// [`check_not_held`](Self::check_not_held)): for the entry points that cannot
    /// return an error.
    fn assert_not_held(&self) {
        if let Err(e) = self.check_not_held() {
            panic!("{e}");
        }
    }

    /// Runs a caller's closure `f` under a read of this keyspace: meanwhile a call on
    /// the store from this thread fails with [`Error::InsideRead`] rather than waiting
    /// for (or re-entering) the lock `f` runs under.
    #[inline]
    pub(crate) fn reading<R>(&self, f: impl FnOnce() -> R) -> R {
        /// Puts back the mark found on entry (and the outer one it had set aside).
        struct Restore(usize);
        impl Drop for Restore {
            fn drop(&mut self) {
                HELD_BY_THIS_THREAD.with(|h| h.set(self.0));
                if self.0 != 0 {
                    HELD_OUTSIDE.with(|h| h.borrow_mut().pop());
                }
            }
        }
        let outer = HELD_BY_THIS_THREAD.with(|h| h.replace(self.address() | READ_MARK));
        if outer != 0 {
            HELD_OUTSIDE.with(|h| h.borrow_mut().push(outer));
        }
        let _restore = Restore(outer);
        f()
    }

    /// Shard `s`, read-locked. Panics (rather than waiting forever) if a transaction on
    /// this thread holds this keyspace: the store's maintenance entry points (the sweep,
    /// policy changes) must not be called from inside a transaction's closure.
    #[inline]
    fn read_shard(&self, s: usize) -> RwLockReadGuard<'_, Table> {
        self.assert_not_held();
        self.shards[s].table.read()
    }

    /// Shard `s`, write-locked; see [`read_shard`](Self::read_shard).
    #[inline]
    fn write_shard(&self, s: usize) -> RwLockWriteGuard<'_, Table> {
        self.assert_not_held();
        self.lock_shard(s)
    }

    /// Shard `s`, write-locked — every write lock is taken here or in
    /// [`lock_shard_for`](Self::lock_shard_for) — once a background snapshot that
    /// still owes it has copied it (see `snapshot.rs`): chunk by chunk under read
    /// locks first, so others wait for one chunk's copy at a time.
    #[inline]
    pub(crate) fn lock_shard(&self, s: usize) -> RwLockWriteGuard<'_, Table> {
        if self.shards[s].owed.load(Ordering::Acquire) {
            self.prepay([s]);
        }
        let table = self.shards[s].table.write();
        // A snapshot begun since.
        if self.shards[s].owed.load(Ordering::Acquire) {
            self.pay(s, &table);
        }
        table
    }

    /// `shards` (ascending, distinct), write-locked together once no background
    /// snapshot owes any of them: what they owe is copied first, a chunk per read lock
    /// and never while holding the others (a snapshot begun between the copy and the
    /// locks: they are let go and the copy done again).
    pub(crate) fn lock_shards(
        &self,
        shards: &[usize],
    ) -> SmallVec<[RwLockWriteGuard<'_, Table>; 4]> {
        loop {
            self.prepay(shards.iter().copied());
            let guards: SmallVec<[_; 4]> = shards
                .iter()
                .map(|&s| self.shards[s].table.write())
                .collect();
            if shards
                .iter()
                .all(|&s| !self.shards[s].owed.load(Ordering::Acquire))
            {
                return guards;
            }
        }
    }

    /// Shard `s`, write-locked to change the one key that hashes to `hash`: a
    /// background snapshot that still owes that key's chunk has it copied first.
    #[inline]
    pub(crate) fn lock_shard_for(&self, s: usize, hash: u64) -> RwLockWriteGuard<'_, Table> {
        let table = self.shards[s].table.write();
        if self.shards[s].owed.load(Ordering::Acquire) {
            self.pay_for(s, &table, hash);
        }
        table
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
        let (deadline, value) = self.lookup(table, hash, key).entry()?.parts();
        Some((value, deadline))
    }

    /// What a reader finds at `key`.
    #[inline]
    fn lookup<'t>(&self, table: &'t Table, hash: u64, key: &[u8]) -> Lookup<'t> {
        match table.find(hash, key) {
            None => Lookup::Missing,
            Some(entry) if entry.is_expired(|d| self.passed(d)) => Lookup::Expired,
            Some(entry) => Lookup::Live(entry),
        }
    }

    /// Counts a read's hit or miss and, if `touch`, stamps a hit as an access (Redis's
    /// look-ups without `LOOKUP_NOTOUCH`). A missing key raises `keymiss` here; an
    /// expired one is the reader's to delete first (see [`Access::expire_after_read`]).
    #[inline]
    fn note_lookup(&self, found: Lookup<'_>, db: usize, key: &[u8], touch: bool) {
        match found {
            Lookup::Missing => {
                self.stats.miss();
                self.notify(notify::KEY_MISS, "keymiss", db, key);
            }
            Lookup::Expired => self.stats.miss(),
            Lookup::Live(entry) => {
                self.stats.hit();
                if touch {
                    self.memory.touch(entry, || self.coarse_now());
                }
            }
        }
    }

    /// The key's hash and shard.
    #[inline]
    fn locate_one(&self, db: usize, key: &[u8]) -> (u64, usize) {
        let hash = hash_key(&self.hasher, key);
        (hash, self.shard_of(db, hash))
    }
}

/// What a reader finds at a key: a live entry, nothing, or an entry whose deadline has
/// passed (which a read under a shared lock cannot delete).
#[derive(Clone, Copy)]
pub(crate) enum Lookup<'t> {
    Live(table::SlotRef<'t>),
    Missing,
    Expired,
}

impl<'t> Lookup<'t> {
    /// The live entry.
    #[inline]
    pub(crate) fn entry(self) -> Option<table::SlotRef<'t>> {
        match self {
            Lookup::Live(entry) => Some(entry),
            _ => None,
        }
    }

    /// Whether the key's entry has expired (and is not deleted yet).
    #[inline]
    pub(crate) fn is_expired(self) -> bool {
        matches!(self, Lookup::Expired)
    }
}

/// A 64-bit mix of `seed` and `n` (the `SplitMix64` finaliser): independent seeds from one.
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
