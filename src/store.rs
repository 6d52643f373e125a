//! `Store`, its builder, and the accessors for the typed handles.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::{Clock, ClockSource};

use crate::aof::{Aof, AofConfig};
use crate::core::Core;
use crate::keyspace::Rollback;
use crate::keyspace::expiry::Schedule;
use crate::keyspace::feed::AppendFsync;
use crate::keyspace::notify::{KeyspaceEvents, Notifier};
use crate::keyspace::pubsub::Registry;
use crate::keyspace::{Access, Keyspace};
use crate::persist::Snapshots;
use crate::transaction::{self, Pipeline, Transaction, Watch};
use crate::{
    Bits, Error, EvictionPolicy, Geo, Hashes, HyperLogLogs, Keys, Lists, PubSub, Result, Sets,
    Streams, Strings, ZSets,
};

/// An embedded data-structure store with Redis semantics.
///
/// # Contents
///
/// * [Handles](#handles): typed command groups, on database 0 or any other.
/// * [Expiry](#expiry): lazy and active, and how tests control time.
/// * [Threads](#threads): sharing, locking and the sweeper's lifecycle.
///
/// # Handles
///
/// [`strings`](Store::strings), [`bits`](Store::bits) and [`keys`](Store::keys) return
/// zero-cost handles borrowing the store; each of their methods is one Redis command.
/// They work on database 0; [`db`](Store::db) gives the same handles on database `n`
/// (Redis's `SELECT`).
///
/// ```
/// use embedis::Store;
/// let store = Store::new();
/// store.strings().set("url", "https://example.org")?;
/// assert_eq!(store.strings().get("url")?.unwrap(), "https://example.org");
/// store.db(3)?.strings().set("url", "elsewhere")?;
/// assert_eq!(store.strings().get("url")?.unwrap(), "https://example.org");
/// # Ok::<(), embedis::Error>(())
/// ```
///
/// # Expiry
///
/// A key with a TTL disappears at its deadline: reads stop seeing it at once, and a
/// background sweeper frees it about 10 ms later (the
/// [resolution](StoreBuilder::expiry_resolution)) even if nothing touches it. Tests
/// drive time with a [`ManualClock`](crate::ManualClock) and call
/// [`purge_expired`](Store::purge_expired) to run the sweep deterministically.
///
/// # Threads
///
/// `Store` is `Clone + Send + Sync`; clones share one keyspace (an `Arc` inside). Each
/// command locks only the shards of its keys, for the duration of the call. The sweeper
/// thread holds a weak reference: dropping the last clone stops it and waits for it to
/// exit.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) core: Arc<Core>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// A store with default settings (see [`StoreBuilder`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.keys().dbsize()?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        StoreBuilder::new().build()
    }

    /// A builder to configure shards, databases, expiry and the clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().databases(4).build();
    /// assert!(store.db(3).is_ok());
    /// assert!(store.db(4).is_err());
    /// ```
    pub fn builder() -> StoreBuilder {
        StoreBuilder::new()
    }

    /// Commands on hash values (`HSET`, `HGET`, `HINCRBY`, `HSCAN`, …) in database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("user:1", [("name", "Ann")])?;
    /// assert_eq!(store.hashes().hget("user:1", "name")?.unwrap(), "Ann");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hashes(&self) -> Hashes<'_> {
        Hashes::new(self.access(), 0)
    }

    /// Commands on list values (`LPUSH`, `LRANGE`, `BLPOP`, `LMOVE`, …) in database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("queue", ["a", "b"])?;
    /// assert_eq!(store.lists().lpop("queue")?.unwrap(), "a");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lists(&self) -> Lists<'_> {
        Lists::new(self.access(), 0)
    }

    /// Commands on sorted-set values (`ZADD`, `ZRANGE`, `ZRANK`, `BZPOPMIN`, …) in
    /// database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("board", [("ann", 10.0), ("bob", 7.0)])?;
    /// assert_eq!(store.zsets().zrank("board", "ann")?, Some(1));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zsets(&self) -> ZSets<'_> {
        ZSets::new(self.access(), 0)
    }

    /// Publish/subscribe between threads (`PUBLISH`, `SUBSCRIBE`, `PSUBSCRIBE`,
    /// `PUBSUB`); channels are global to the store, not per database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["events"]);
    /// assert_eq!(store.pubsub().publish("events", "started")?, 1);
    /// assert_eq!(sub.recv()?.payload, "started");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pubsub(&self) -> PubSub<'_> {
        PubSub::new(&self.core)
    }

    /// Changes which keyspace events commands publish (`CONFIG SET
    /// notify-keyspace-events`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{KeyspaceEvents, Store};
    /// let store = Store::new();
    /// store.set_notify_keyspace_events(KeyspaceEvents::parse("Eg")?);
    /// assert_eq!(store.notify_keyspace_events(), KeyspaceEvents::parse("gE")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn set_notify_keyspace_events(&self, events: KeyspaceEvents) {
        self.keyspace().notifier().set(events);
    }

    /// Which keyspace events commands publish (`CONFIG GET notify-keyspace-events`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.notify_keyspace_events(), embedis::KeyspaceEvents::NONE);
    /// ```
    pub fn notify_keyspace_events(&self) -> KeyspaceEvents {
        self.keyspace().notifier().get()
    }

    /// Commands on set values (`SADD`, `SINTER`, `SPOP`, `SSCAN`, …) in database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("tags", ["a", "b"])?;
    /// assert!(store.sets().sismember("tags", "a")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sets(&self) -> Sets<'_> {
        Sets::new(self.access(), 0)
    }

    /// Commands on string values (`GET`, `SET`, `INCR`, `APPEND`, …) in database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.strings().incr("hits")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn strings(&self) -> Strings<'_> {
        Strings::new(self.access(), 0)
    }

    /// Commands on strings as bit arrays (`SETBIT`, `BITCOUNT`, `BITFIELD`, …) in
    /// database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.bits().setbit("flags", 7, true)?;
    /// assert_eq!(store.bits().bitcount("flags")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bits(&self) -> Bits<'_> {
        Bits::new(self.access(), 0)
    }

    /// HyperLogLog commands (`PFADD`, `PFCOUNT`, `PFMERGE`) in database 0: counts of
    /// distinct elements in 12 KB at most, with Redis's representation.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hyperloglogs().pfadd("visitors", ["ann", "bob", "ann"])?;
    /// assert_eq!(store.hyperloglogs().pfcount(["visitors"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hyperloglogs(&self) -> HyperLogLogs<'_> {
        HyperLogLogs::new(self.access(), 0)
    }

    /// Geospatial commands (`GEOADD`, `GEODIST`, `GEOSEARCH`, …) in database 0: points
    /// kept in a sorted set scored by their geohash, as Redis keeps them.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
    /// let km = geo.geodist("sicily", "Palermo", "Catania", embedis::GeoUnit::Kilometers)?;
    /// assert!((km.unwrap() - 166.2742).abs() < 1e-3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geo(&self) -> Geo<'_> {
        Geo::new(self.access(), 0)
    }

    /// Stream commands (`XADD`, `XRANGE`, `XREAD`, …) in database 0: append-only logs
    /// of entries under increasing IDs.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let id = store.streams().xadd("log", &embedis::XAdd::new(), [("event", "start")])?;
    /// assert!(id.is_some());
    /// assert_eq!(store.streams().xlen("log")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn streams(&self) -> Streams<'_> {
        Streams::new(self.access(), 0)
    }

    /// Generic key commands (`DEL`, `EXPIRE`, `TTL`, `SCAN`, …) in database 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.keys().del(["k"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn keys(&self) -> Keys<'_> {
        Keys::new(self.access(), 0)
    }

    /// The handles on database `index` (Redis's `SELECT`).
    ///
    /// # Errors
    ///
    /// [`Error::DbIndexOutOfRange`](crate::Error::DbIndexOutOfRange) unless `index < databases`.
    /// In [cluster mode](StoreBuilder::cluster_mode), where only database 0 is used,
    /// [`Error::ClusterMode`](crate::Error::ClusterMode) for any other index (Redis's
    /// `SELECT is not allowed in cluster mode`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.strings().set("k", "in db 1")?;
    /// assert_eq!(store.strings().get("k")?, None);
    /// assert_eq!(store.db(1)?.keys().dbsize()?, 1);
    ///
    /// let cluster = embedis::Store::builder().cluster_mode(true).build();
    /// assert!(cluster.db(0).is_ok());
    /// assert_eq!(
    ///     cluster.db(1).unwrap_err().to_string(),
    ///     "ERR SELECT is not allowed in cluster mode",
    /// );
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn db(&self, index: usize) -> Result<Db<'_>> {
        if index != 0 && self.core.keyspace.cluster() {
            return Err(crate::Error::ClusterMode(
                "SELECT is not allowed in cluster mode",
            ));
        }
        self.core.keyspace.check_db(index)?;
        Ok(Db { store: self, index })
    }

    /// Whether the store runs in cluster mode: see [`StoreBuilder::cluster_mode`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!embedis::Store::new().cluster_mode());
    /// assert!(embedis::Store::builder().cluster_mode(true).build().cluster_mode());
    /// ```
    pub fn cluster_mode(&self) -> bool {
        self.core.keyspace.cluster_mode()
    }

    /// The number of databases.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::Store::new().databases(), 16);
    /// ```
    pub fn databases(&self) -> usize {
        self.core.keyspace.databases()
    }

    /// How many calls are blocked in `BLPOP` and friends right now (Redis's
    /// `blocked_clients` in `INFO`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let waiter = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.lists().blpop(["q"], None))
    /// };
    /// while store.blocked_clients() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// store.lists().rpush("q", ["x"])?;
    /// assert_eq!(waiter.join().unwrap()?.unwrap().1, "x");
    /// assert_eq!(store.blocked_clients(), 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn blocked_clients(&self) -> usize {
        self.core.keyspace.blocking().blocked()
    }

    /// Runs the active-expiry sweep now, on the calling thread, and returns how many
    /// expired keys it removed. With a [`ManualClock`](crate::ManualClock) this makes
    /// expiry fully deterministic.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{ManualClock, Store};
    /// let clock = ManualClock::new();
    /// let store = Store::builder().clock(clock.clone()).active_expiry(false).build();
    /// store.strings().setex("k", Duration::from_secs(1), "v")?;
    /// clock.advance(Duration::from_millis(1001)); // past the deadline's millisecond
    /// assert_eq!(store.keys().dbsize()?, 1, "expired but not yet removed");
    /// assert_eq!(store.purge_expired(), 1);
    /// assert_eq!(store.keys().dbsize()?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn purge_expired(&self) -> usize {
        self.core.keyspace.purge_expired()
    }

    pub(crate) fn keyspace(&self) -> &Keyspace {
        &self.core.keyspace
    }

    /// The store's counters, as Redis's `INFO stats` and `INFO clients` report them.
    /// Reading them costs a few loads; keeping them costs a read one uncontended add.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// store.strings().get("k")?;
    /// store.strings().get("nope")?;
    /// let info = store.info();
    /// assert_eq!((info.keyspace_hits, info.keyspace_misses), (1, 1));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn info(&self) -> Info {
        let t = self.keyspace().stats().totals();
        Info {
            keyspace_hits: t.hits,
            keyspace_misses: t.misses,
            expired_keys: t.expired,
            evicted_keys: t.evicted,
            used_memory: self.used_memory(),
            maxmemory: self.max_memory(),
            keys: self.keyspace().key_count(),
            expires: self.keyspace().volatile_count(),
            total_commands_processed: t.commands,
            connected_clients: self.core.clients.count(),
            blocked_clients: self.blocked_clients(),
        }
    }

    /// Bytes the store holds: every entry's key, value and deadline, with the tables
    /// that index them, as a counting allocator sees them (within a few percent; the
    /// allocator's own overhead is not included). Kept up to date by every write, so
    /// reading it is one load (Redis's `used_memory`, without the server's own buffers).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let empty = store.used_memory();
    /// store.strings().set("k", [0u8; 1000])?;
    /// assert!(store.used_memory() >= empty + 1000);
    /// store.keys().del(["k"])?;
    /// assert!(store.used_memory() < empty + 1000);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn used_memory(&self) -> usize {
        self.keyspace().memory().used()
    }

    /// Writes a snapshot of every database to the builder's
    /// [`dir`](StoreBuilder::dir)/[`dbfilename`](StoreBuilder::dbfilename) (`SAVE`): an
    /// RDB file of Redis 7.0's format, which a real redis-server loads. It is one
    /// instant of the store: writers wait while it is taken (as Redis's `SAVE` blocks),
    /// not while it is written to disk. The old file is replaced only once the new one
    /// is complete and synced.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-save-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).build();
    /// store.lists().rpush("jobs", ["a", "b"])?;
    /// store.save()?;
    /// let bytes = std::fs::read(dir.join("dump.rdb"))?;
    /// assert!(bytes.starts_with(b"REDIS0010"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self) -> Result<()> {
        self.core.snapshots.save(self.access())
    }

    /// Starts a snapshot in the background (`BGSAVE`) and returns at once: the file is
    /// the store at this instant, made while writers go on. It is copied in chunks of
    /// about a thousand keys; a writer that changes a key whose chunk is not copied yet
    /// copies that chunk first, and no one waits for more than one chunk's copy at a
    /// time. The returned handle says how it went.
    ///
    /// # Errors
    ///
    /// [`Error::BackgroundSaveInProgress`](crate::Error::BackgroundSaveInProgress) if
    /// one is being taken; [`Error::Io`](crate::Error::Io) for a bad `dbfilename`.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-bgsave-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).build();
    /// store.strings().set("k", "before")?;
    /// let save = store.bgsave()?;
    /// store.strings().set("k", "after")?; // not in the snapshot
    /// save.wait()?;
    /// let again = embedis::Store::builder().dir(&dir).open()?;
    /// assert_eq!(again.strings().get("k")?.unwrap(), "before");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bgsave(&self) -> Result<BackgroundSave> {
        Ok(BackgroundSave(self.core.bgsave()?))
    }

    /// Rewrites the append-only log in the background (`BGREWRITEAOF`) and returns at
    /// once: at this instant a new incremental file takes the writes that follow, and
    /// a new base — a snapshot of the store at the instant, made while writers go on,
    /// as [`bgsave`](Self::bgsave) makes one — replaces the base and the incremental
    /// files before it, which are deleted. A crash at any point leaves a log that loads.
    /// The store also rewrites on its own when the log has grown by
    /// [`auto_aof_rewrite_percentage`](StoreBuilder::auto_aof_rewrite_percentage).
    /// With the log off, as Redis with `appendonly no`, it writes the base alone into
    /// [`dir`](StoreBuilder::dir)/`appendonlydir` and a manifest naming only it: a log
    /// that a store (or Redis) opened with the log on loads.
    ///
    /// # Errors
    ///
    /// [`Error::RewriteInProgress`](crate::Error::RewriteInProgress) if one is under
    /// way; [`Error::BackgroundSaveInProgress`](crate::Error::BackgroundSaveInProgress)
    /// during a background save; [`Error::Io`](crate::Error::Io) if a file cannot be
    /// made (or, with the log off, another store holds the directory).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-aofrw-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let open = || embedis::Store::builder().dir(&dir).appendonly(true).open();
    /// let store = open()?;
    /// for i in 0..100 {
    ///     store.strings().set("counter", i.to_string())?;
    /// }
    /// store.bgrewriteaof()?.wait()?;
    /// store.strings().set("after", "1")?;
    /// drop(store);
    /// let again = open()?;
    /// assert_eq!(again.strings().get("counter")?.unwrap(), "99");
    /// assert_eq!(again.strings().get("after")?.unwrap(), "1");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bgrewriteaof(&self) -> Result<BackgroundSave> {
        Ok(BackgroundSave(self.core.bgrewriteaof()?))
    }

    /// When the last successful [`save`](Self::save) was (`LASTSAVE`; before any, when
    /// the store was built), to the second, on the store's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(store.lastsave() <= std::time::SystemTime::now());
    /// ```
    pub fn lastsave(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.core.snapshots.lastsave())
    }

    /// The memory limit in bytes (0: none); see [`StoreBuilder::max_memory`].
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().max_memory(100 << 20).build();
    /// assert_eq!(store.max_memory(), 100 << 20);
    /// ```
    pub fn max_memory(&self) -> usize {
        self.keyspace().memory().limit()
    }

    /// Changes the memory limit (0: none). A store over the new limit evicts at once
    /// (as far as its policy allows).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, Store};
    /// let store = Store::builder().eviction_policy(EvictionPolicy::AllKeysRandom).build();
    /// for i in 0..1000 {
    ///     store.strings().set(format!("k{i}"), [0u8; 100])?;
    /// }
    /// store.set_max_memory(store.used_memory() / 2);
    /// assert!(store.used_memory() <= store.max_memory());
    /// assert!(store.keys().dbsize()? < 1000);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn set_max_memory(&self, bytes: usize) {
        self.keyspace().memory().set_limit(bytes);
        // Inside a transaction's closure this cannot evict now (the shards are the
        // transaction's): the limit holds, and the next write evicts.
        let _ = self.access().shrink_to_limit();
    }

    /// Ends a `CLIENT PAUSE` at once (as `CLIENT UNPAUSE` does). During a pause of all
    /// commands every connection's commands wait, `CLIENT UNPAUSE` included, as in
    /// Redis; the typed API is never paused, so this is the way out.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Reply, Store};
    /// let store = Store::new();
    /// let mut conn = store.connection();
    /// assert_eq!(conn.execute(&["CLIENT", "PAUSE", "3600000"]), Reply::ok());
    /// store.unpause_connections();
    /// assert_eq!(conn.execute(&["PING"]), Reply::Simple("PONG".into()));
    /// ```
    pub fn unpause_connections(&self) {
        self.core.clients.unpause();
    }

    /// The eviction policy; see [`StoreBuilder::eviction_policy`].
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.eviction_policy(), embedis::EvictionPolicy::NoEviction);
    /// ```
    pub fn eviction_policy(&self) -> EvictionPolicy {
        self.keyspace().memory().policy()
    }

    /// Changes the eviction policy. Switching to an LRU or LFU policy starts keeping
    /// access stamps; keys not accessed since count as accessed at the switch.
    ///
    /// # Panics
    ///
    /// Inside a closure of [`Store::transaction`] on this store, whose shards a change
    /// of what the access stamps measure needs (`CONFIG SET maxmemory-policy` inside
    /// `MULTI` works).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, EvictionPolicy, Store};
    /// let store = Store::builder().max_memory(10_000).build();
    /// store.strings().set("a", [0u8; 20_000])?; // under the limit before: accepted
    /// assert_eq!(store.strings().set("b", "v"), Err(Error::OutOfMemory));
    /// assert_eq!(store.strings().get("a")?.map(|v| v.len()), Some(20_000)); // reads work
    /// store.set_eviction_policy(EvictionPolicy::AllKeysLru);
    /// assert_eq!(store.keys().exists(["a"])?, 0); // evicted to get under the limit
    /// store.strings().set("b", "v")?;
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn set_eviction_policy(&self, policy: EvictionPolicy) {
        if let Err(e) = self.access().set_policy(policy) {
            panic!("{e}");
        }
    }

    /// The keyspace as the command handles reach it, outside any transaction.
    pub(crate) fn access(&self) -> Access<'_> {
        self.core.access()
    }
}

/// A snapshot being taken in the background, from [`Store::bgsave`], or a rewrite of
/// the append-only log, from [`Store::bgrewriteaof`].
#[derive(Debug)]
#[must_use = "a background save goes on unwatched if this is dropped"]
pub struct BackgroundSave(std::sync::mpsc::Receiver<Result<()>>);

impl BackgroundSave {
    /// Waits until the file is written, and says how that went.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the file could not be written.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-wait-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).build();
    /// store.bgsave()?.wait()?;
    /// assert!(dir.join("dump.rdb").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait(self) -> Result<()> {
        self.0
            .recv()
            .unwrap_or_else(|_| Err(crate::Error::Io("the background save stopped".into())))
    }
}

impl Store {
    /// Runs `f` as one atomic step over `keys` of database 0: no other thread sees any
    /// of its effects before all of them, and if `f` returns an error (or panics),
    /// none of them happen.
    ///
    /// Inside, `f` uses the [`Transaction`]'s handles, which work on the named keys, in
    /// place. **Locking:** the shards of `keys` stay write-locked while `f` runs — keep
    /// it short. This store's own handles answer [`Error::InsideTransaction`] inside it
    /// (their shards are the transaction's), and a command on a key `f` did not name
    /// answers [`Error::KeyNotInTransaction`]; either error, returned by `f`, undoes
    /// everything like any other.
    ///
    /// # Errors
    ///
    /// What `f` returns; in [cluster mode](StoreBuilder::cluster_mode),
    /// [`Error::CrossSlot`] (without running `f`) if `keys` span hash slots.
    ///
    /// # Complexity
    ///
    /// The commands', plus a copy of each changed key's value before its first change
    /// (see the [module docs](crate::Transaction)).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, Store};
    /// let store = Store::new();
    /// store.strings().set("balance", "10")?;
    /// // Refuse an overdraft: the error undoes the DECRBY.
    /// let r = store.transaction(["balance"], |tx| {
    ///     if tx.strings().decrby("balance", 25)? < 0 {
    ///         return Err(Error::Syntax); // or any error type with From<embedis::Error>
    ///     }
    ///     Ok(())
    /// });
    /// assert!(r.is_err());
    /// assert_eq!(store.strings().get("balance")?.unwrap(), "10");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn transaction<K, R, E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        f: impl FnOnce(&Transaction<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        K: AsRef<[u8]>,
        E: From<Error>,
    {
        transaction::run(&self.core, 0, keys, &[], Rollback::Yes, f)
    }

    /// A [`Pipeline`] over `keys` of database 0: commands queued now, run later as one
    /// atomic unit with a reply each (`MULTI` … `EXEC`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut p = store.pipeline(["views"]);
    /// let v = p.queue(|tx| tx.strings().incr("views"));
    /// assert_eq!(p.execute()?.take(v)?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pipeline<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Pipeline<'_> {
        Pipeline::new(&self.core, 0, keys)
    }

    /// Watches `keys` of database 0 for an optimistic transaction (`WATCH`): see
    /// [`Watch::transaction`]. In [cluster mode](StoreBuilder::cluster_mode), watched
    /// keys of several hash slots make its transactions fail with
    /// [`Error::CrossSlot`], as Redis Cluster refuses such a `WATCH`.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let watch = store.watch(["k"]);
    /// store.strings().set("k", "changed by someone")?;
    /// assert!(watch.changed());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn watch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Watch {
        Watch::new(&self.core, 0, keys)
    }
}

impl<'s> Db<'s> {
    /// [`Store::transaction`](crate::Store::transaction) over keys of this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let db = store.db(2)?;
    /// db.transaction(["k"], |tx| tx.strings().set("k", "v"))?;
    /// assert_eq!(db.strings().get("k")?.unwrap(), "v");
    /// assert_eq!(store.strings().get("k")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn transaction<K, R, E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        f: impl FnOnce(&Transaction<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        K: AsRef<[u8]>,
        E: From<Error>,
    {
        transaction::run(&self.store.core, self.index, keys, &[], Rollback::Yes, f)
    }

    /// [`Store::pipeline`](crate::Store::pipeline) over keys of this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let db = store.db(3)?;
    /// let mut p = db.pipeline(["k"]);
    /// p.queue(|tx| tx.strings().set("k", "v"));
    /// p.execute()?;
    /// assert_eq!(db.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pipeline<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Pipeline<'s> {
        Pipeline::new(&self.store.core, self.index, keys)
    }

    /// [`Store::watch`](crate::Store::watch) on keys of this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let watch = store.db(1)?.watch(["k"]);
    /// store.strings().set("k", "db 0 is another key")?;
    /// assert!(!watch.changed());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn watch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Watch {
        Watch::new(&self.store.core, self.index, keys)
    }
}

/// A store's counters, with Redis's `INFO` names: from [`Store::info`](crate::Store::info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Info {
    /// Look-ups by read commands that found their key.
    pub keyspace_hits: u64,
    /// Look-ups by read commands that did not.
    pub keyspace_misses: u64,
    /// Keys removed because their TTL passed (on access or by the sweeper).
    pub expired_keys: u64,
    /// Keys removed to stay under the memory limit.
    pub evicted_keys: u64,
    /// Bytes the store holds ([`Store::used_memory`](crate::Store::used_memory)).
    pub used_memory: usize,
    /// The memory limit (0: none).
    pub maxmemory: usize,
    /// Keys in all databases, counting expired keys not yet removed.
    pub keys: usize,
    /// Keys with a TTL in all databases.
    pub expires: usize,
    /// Commands run through [`Connection`](crate::Connection)s.
    pub total_commands_processed: u64,
    /// Open [`Connection`](crate::Connection)s.
    pub connected_clients: usize,
    /// Calls blocked in `BLPOP` & co. right now.
    pub blocked_clients: usize,
}

/// The handles on one database. Obtained from [`Store::db`](crate::Store::db).
#[derive(Clone, Copy, Debug)]
pub struct Db<'s> {
    store: &'s Store,
    index: usize,
}

impl<'s> Db<'s> {
    /// The database's number.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::Store::new().db(5)?.index(), 5);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Commands on hash values in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.hashes().hset("h", [("f", "v")])?;
    /// assert_eq!(store.hashes().hlen("h")?, 0);
    /// assert_eq!(store.db(1)?.hashes().hlen("h")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hashes(&self) -> Hashes<'s> {
        Hashes::new(self.store.access(), self.index)
    }

    /// Commands on list values in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.lists().rpush("l", ["x"])?;
    /// assert_eq!(store.db(1)?.lists().llen("l")?, 1);
    /// assert_eq!(store.lists().llen("l")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lists(&self) -> Lists<'s> {
        Lists::new(self.store.access(), self.index)
    }

    /// Commands on sorted-set values in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.zsets().zadd("z", [("m", 1.0)])?;
    /// assert_eq!(store.db(1)?.zsets().zcard("z")?, 1);
    /// assert_eq!(store.zsets().zcard("z")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zsets(&self) -> ZSets<'s> {
        ZSets::new(self.store.access(), self.index)
    }

    /// Commands on set values in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.sets().sadd("s", ["m"])?;
    /// assert_eq!(store.db(1)?.sets().scard("s")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sets(&self) -> Sets<'s> {
        Sets::new(self.store.access(), self.index)
    }

    /// Commands on string values in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(2)?.strings().set("k", "v")?;
    /// assert_eq!(store.db(2)?.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn strings(&self) -> Strings<'s> {
        Strings::new(self.store.access(), self.index)
    }

    /// Bit commands in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(2)?.bits().setbit("b", 0, true)?;
    /// assert!(store.db(2)?.bits().getbit("b", 0)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bits(&self) -> Bits<'s> {
        Bits::new(self.store.access(), self.index)
    }

    /// HyperLogLog commands (`PFADD`, `PFCOUNT`, `PFMERGE`) in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.hyperloglogs().pfadd("h", ["a", "b"])?;
    /// assert_eq!(store.db(1)?.hyperloglogs().pfcount(["h"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hyperloglogs(&self) -> HyperLogLogs<'s> {
        HyperLogLogs::new(self.store.access(), self.index)
    }

    /// Stream commands in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(2)?.streams().xadd("log", &embedis::XAdd::new(), [("a", "1")])?;
    /// assert_eq!(store.db(2)?.streams().xlen("log")?, 1);
    /// assert_eq!(store.streams().xlen("log")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn streams(&self) -> Streams<'s> {
        Streams::new(self.store.access(), self.index)
    }

    /// Geospatial commands in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(1)?.geo().geoadd("g", [(2.35, 48.85, "paris")])?;
    /// assert_eq!(store.db(1)?.keys().key_type("g")?, Some(embedis::KeyType::ZSet));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geo(&self) -> Geo<'s> {
        Geo::new(self.store.access(), self.index)
    }

    /// Generic key commands in this database.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(2)?.strings().set("k", "v")?;
    /// assert_eq!(store.db(2)?.keys().dbsize()?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn keys(&self) -> Keys<'s> {
        Keys::new(self.store.access(), self.index)
    }
}

/// Configures and builds a [`Store`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use embedis::{ManualClock, Store};
/// let store = Store::builder()
///     .shards(32)
///     .databases(4)
///     .expiry_resolution(Duration::from_millis(20))
///     .clock(ManualClock::new())
///     .max_string_size(1 << 20)
///     .build();
/// assert_eq!(store.databases(), 4);
/// ```
#[must_use]
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // independent switches, each set by its own method
pub struct StoreBuilder {
    shards: usize,
    databases: usize,
    active_expiry: bool,
    resolution: Duration,
    clock: ClockSource,
    max_string_size: usize,
    seed: Option<u64>,
    pubsub_buffer_limit: usize,
    events: KeyspaceEvents,
    max_memory: usize,
    policy: EvictionPolicy,
    idle_times: bool,
    dir: PathBuf,
    dbfilename: String,
    appendonly: bool,
    aof: AofConfig,
    save_rules: Vec<(u64, u64)>,
    rdb: RdbOptions,
    cluster: bool,
}

/// `rdbcompression` and `rdbchecksum`.
#[derive(Debug, Clone, Copy)]
struct RdbOptions {
    compression: bool,
    checksum: bool,
}

impl Default for StoreBuilder {
    fn default() -> Self {
        StoreBuilder::new()
    }
}

impl StoreBuilder {
    /// Defaults: 4 × the available cores shards (at least 16) per database, 16
    /// databases, active expiry on at 10 ms resolution, the system clock, a 512 MB
    /// maximum string size, and 32 MiB of unread messages per subscription.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::StoreBuilder::new().build();
    /// assert_eq!(store.databases(), 16);
    /// ```
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        StoreBuilder {
            shards: (cores * 4).max(16),
            databases: 16,
            active_expiry: true,
            resolution: Duration::from_millis(10),
            clock: ClockSource::System,
            max_string_size: 512 << 20,
            seed: None,
            pubsub_buffer_limit: 32 << 20,
            events: KeyspaceEvents::NONE,
            max_memory: 0,
            policy: EvictionPolicy::NoEviction,
            idle_times: false,
            dir: PathBuf::from("."),
            dbfilename: "dump.rdb".to_owned(),
            appendonly: false,
            aof: AofConfig::default(),
            save_rules: Vec::new(),
            rdb: RdbOptions {
                compression: true,
                checksum: true,
            },
            cluster: false,
        }
    }

    /// Shards per database (rounded up to a power of two, 1 to 65 536). More shards
    /// mean less lock contention between threads and a little more fixed memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().shards(64).build();
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards;
        self
    }

    /// Number of databases (1 to 65 536; Redis's default is 16).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().databases(2).build();
    /// assert!(store.db(1).is_ok());
    /// assert_eq!(store.db(2).unwrap_err(), embedis::Error::DbIndexOutOfRange);
    /// ```
    pub fn databases(mut self, databases: usize) -> Self {
        self.databases = databases.clamp(1, 1 << 16);
        self
    }

    /// Whether a background thread removes expired keys that nobody touches (default:
    /// on). Off, expired keys are invisible but hold memory until touched or until
    /// [`Store::purge_expired`](crate::Store::purge_expired) runs. (The thread runs
    /// either way, idle unless an async blocking call waits with a timeout: it keeps
    /// those timeouts.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{ManualClock, Store};
    /// let clock = ManualClock::new();
    /// let store = Store::builder().clock(clock.clone()).active_expiry(false).build();
    /// store.strings().setex("k", Duration::from_secs(1), "v")?;
    /// store.strings().setex("k2", Duration::from_secs(1), "v")?;
    /// clock.advance(Duration::from_millis(1001)); // past the deadline's millisecond
    /// assert_eq!(store.keys().dbsize()?, 2, "held until touched or purged");
    /// assert_eq!(store.strings().get("k")?, None);
    /// assert_eq!(store.keys().dbsize()?, 1, "a read deletes what it finds expired");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn active_expiry(mut self, on: bool) -> Self {
        self.active_expiry = on;
        self
    }

    /// The sweeper's pace: deadlines are grouped in ticks of this length (at least 1
    /// ms; default 10 ms), and an untouched key is removed within about one tick of its
    /// deadline. Shorter ticks mean prompter removal and more wake-ups.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::builder().expiry_resolution(Duration::from_millis(50)).build();
    /// store.strings().setex("k", Duration::from_secs(60), "v")?;
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn expiry_resolution(mut self, resolution: Duration) -> Self {
        self.resolution = resolution;
        self
    }

    /// The clock that deadlines are measured on (default: the system clock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{ManualClock, Store, Ttl};
    /// let clock = ManualClock::new();
    /// let store = Store::builder().clock(clock.clone()).build();
    /// store.strings().setex("k", Duration::from_secs(10), "v")?;
    /// clock.advance(Duration::from_secs(4));
    /// assert_eq!(store.keys().ttl("k")?, Ttl::Expires(Duration::from_secs(6)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = ClockSource::Custom(Arc::new(clock));
        self
    }

    /// Largest string `SETRANGE`, `APPEND`, `SETBIT` and `BITFIELD` may create
    /// (Redis's `proto-max-bulk-len`; default 512 MB).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().max_string_size(8).build();
    /// let err = store.strings().append("k", "123456789").unwrap_err();
    /// assert_eq!(err, embedis::Error::StringTooLong);
    /// ```
    pub fn max_string_size(mut self, bytes: usize) -> Self {
        self.max_string_size = bytes;
        self
    }

    /// Seeds the random choices of `SPOP`, `SRANDMEMBER`, `HRANDFIELD` and `RANDOMKEY`
    /// (default: a random seed). With a fixed seed, the same commands issued from one
    /// thread make the same choices — for reproducible tests. The keyspace's hashing is
    /// seeded from it too, so with a seed that others know, they could choose keys that
    /// collide: fix one for tests, not for a store that takes keys from outside.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Picks, Store};
    /// let pick = |seed| {
    ///     let store = Store::builder().seed(seed).build();
    ///     store.sets().sadd("s", (0..100).map(|i| i.to_string()))?;
    ///     store.sets().srandmember_count("s", Picks::Distinct(5))
    /// };
    /// assert_eq!(pick(42)?, pick(42)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Which keyspace events commands publish (Redis's `notify-keyspace-events`; none
    /// by default). Changeable later with
    /// [`Store::set_notify_keyspace_events`](crate::Store::set_notify_keyspace_events).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{KeyspaceEvents, Store};
    /// let store = Store::builder().notify_keyspace_events(KeyspaceEvents::parse("Kl")?).build();
    /// let events = store.pubsub().subscribe(["__keyspace@0__:jobs"]);
    /// store.lists().lpush("jobs", ["j1"])?;
    /// assert_eq!(events.try_recv()?.unwrap().payload, "lpush");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn notify_keyspace_events(mut self, events: KeyspaceEvents) -> Self {
        self.events = events;
        self
    }

    /// How many bytes of unread messages a pub/sub [`Subscription`](crate::Subscription)
    /// may hold before it is cut off (Redis's `client-output-buffer-limit pubsub` hard
    /// limit, 32 MiB by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, Store};
    /// let store = Store::builder().pubsub_buffer_limit(1024).build();
    /// let slow = store.pubsub().subscribe(["firehose"]);
    /// for _ in 0..100 {
    ///     store.pubsub().publish("firehose", [0u8; 100])?;
    /// }
    /// assert_eq!(slow.recv(), Err(Error::SubscriberCutOff));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pubsub_buffer_limit(mut self, bytes: usize) -> Self {
        self.pubsub_buffer_limit = bytes;
        self
    }

    /// The most bytes the store may hold (Redis's `maxmemory`; 0, the default, means no
    /// limit), as [`Store::used_memory`](crate::Store::used_memory) counts them. Over it, the
    /// [eviction policy](Self::eviction_policy) decides what happens. Changeable later
    /// with [`Store::set_max_memory`](crate::Store::set_max_memory).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, Store};
    /// let store = Store::builder()
    ///     .max_memory(1 << 20)
    ///     .eviction_policy(EvictionPolicy::AllKeysLru)
    ///     .build();
    /// for i in 0..100_000 {
    ///     store.strings().set(format!("page:{i}"), [0u8; 100])?;
    /// }
    /// assert!(store.used_memory() <= 1 << 20);
    /// assert!(store.info().evicted_keys > 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = bytes;
        self
    }

    /// What the store does when it is over its [memory limit](Self::max_memory)
    /// (Redis's `maxmemory-policy`; [`EvictionPolicy::NoEviction`] by default).
    /// Changeable later with [`Store::set_eviction_policy`](crate::Store::set_eviction_policy).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, Store};
    /// let store = Store::builder().eviction_policy(EvictionPolicy::AllKeysLfu).build();
    /// assert_eq!(store.eviction_policy(), EvictionPolicy::AllKeysLfu);
    /// ```
    pub fn eviction_policy(mut self, policy: EvictionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Keeps every key's last access time under every policy but the LFU ones, as
    /// Redis does, so that `OBJECT IDLETIME` ([`Keys::object_idletime`]) is exact
    /// whatever the policy. It costs no memory (every entry has room for a stamp) but a
    /// read stores the time in the key's entry once a second. Off by default: then only
    /// the LRU policies keep access times (they rank keys by them), and under the others
    /// every key reads as just used.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{ManualClock, Store};
    /// let clock = ManualClock::new();
    /// let store = Store::builder().clock(clock.clone()).track_idle_time(true).build();
    /// store.strings().set("k", "v")?;
    /// clock.advance(Duration::from_secs(3));
    /// // TTL, TYPE and EXISTS are not accesses; GET is.
    /// store.keys().ttl("k")?;
    /// assert_eq!(store.keys().object_idletime("k")?, Some(Duration::from_secs(3)));
    /// store.strings().get("k")?;
    /// assert_eq!(store.keys().object_idletime("k")?, Some(Duration::ZERO));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    ///
    /// [`Keys::object_idletime`]: crate::Keys::object_idletime
    pub fn track_idle_time(mut self, on: bool) -> Self {
        self.idle_times = on;
        self
    }

    /// Cluster mode (default off): the store refuses what a Redis Cluster refuses, as
    /// one node owning all 16 384 hash slots, so that code which would break on a
    /// cluster breaks here first.
    ///
    /// - Keys map to slots as in Redis Cluster ([`key_slot`](crate::key_slot): CRC16
    ///   of the key, or of its `{hash tag}`).
    /// - A multi-key command, a `MULTI`/`EXEC` transaction (all its commands' keys
    ///   together), a [`transaction`](Store::transaction), a
    ///   [`pipeline`](Store::pipeline) or a [`watch`](Store::watch) whose keys hash to
    ///   more than one slot is refused with [`Error::CrossSlot`](crate::Error::CrossSlot)
    ///   (`CROSSSLOT Keys in request don't hash to the same slot`), through the typed
    ///   API and the command interface alike.
    /// - Only database 0 is used: [`Store::db`] of another index, `SELECT` of another
    ///   index, `MOVE`, `SWAPDB` and `COPY … DB` are refused with
    ///   [`Error::ClusterMode`](crate::Error::ClusterMode).
    /// - `CLUSTER` answers as a one-node cluster (`KEYSLOT`, `COUNTKEYSINSLOT`,
    ///   `GETKEYSINSLOT`, `INFO`, `MYID`, `SLOTS`, `SHARDS`, `NODES`, `HELP`): the node
    ///   is `127.0.0.1:6379` (bus port 16379), its ID 40 hex digits derived from the
    ///   store's [`seed`](Self::seed). `ASKING`, `READONLY` and `READWRITE` answer OK.
    ///   Without cluster mode they answer `ERR This instance has cluster support
    ///   disabled`, as a Redis without cluster support.
    ///
    /// Off, none of this costs anything: the slot check is one test of a flag, and
    /// only for commands with several keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, Reply, Store};
    /// let store = Store::builder().cluster_mode(true).build();
    /// assert_eq!(
    ///     store.strings().mset([("a", "1"), ("b", "2")]),
    ///     Err(Error::CrossSlot),
    /// );
    /// store.strings().mset([("{user1}.name", "ann"), ("{user1}.mail", "ann@example.org")])?;
    /// let mut conn = store.connection();
    /// assert_eq!(
    ///     conn.execute(&["MGET", "a", "b"]),
    ///     Reply::Error("CROSSSLOT Keys in request don't hash to the same slot".into()),
    /// );
    /// assert_eq!(conn.execute(&["CLUSTER", "KEYSLOT", "foo"]), Reply::Integer(12182));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn cluster_mode(mut self, on: bool) -> Self {
        self.cluster = on;
        self
    }

    /// Builds the store and, with active expiry on, starts its sweeper thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().build();
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.keys().dbsize()?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn build(self) -> Store {
        let schedule = Arc::new(Schedule::new(self.resolution, self.clock.clone()));
        let started = self.clock.precise_ms() / 1000;
        let pubsub = Arc::new(Registry::new(self.pubsub_buffer_limit));
        let keyspace = Keyspace::new(
            self.databases,
            self.shards,
            self.clock,
            Arc::clone(&schedule),
            self.seed.unwrap_or_else(rand::random),
        )
        .with_notifier(Notifier::new(self.events, Arc::clone(&pubsub)))
        .with_max_string_size(self.max_string_size)
        .with_cluster(self.cluster);
        keyspace.memory().set_limit(self.max_memory);
        keyspace.memory().set_idle_times(self.idle_times);
        keyspace.memory().set_policy(self.policy);
        keyspace.set_rdb_compression(self.rdb.compression);
        keyspace.set_rdb_checksum(self.rdb.checksum);
        let aof = Aof::new(
            &self.dir,
            AofConfig {
                appendonly: self.appendonly,
                ..self.aof
            },
        );
        let snapshots = Snapshots::new(self.dir, self.dbfilename, started);
        let core = Core::start(
            keyspace,
            pubsub,
            &schedule,
            self.active_expiry,
            (snapshots, aof),
        );
        core.set_save_rules(self.save_rules);
        Store { core }
    }

    /// The directory snapshots are written to and loaded from (Redis's `dir`; default
    /// the working directory). Nothing is written or read until asked: see
    /// [`open`](Self::open) and [`Store::save`].
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-dir-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).build();
    /// store.strings().set("k", "v")?;
    /// store.save()?;
    /// assert!(dir.join("dump.rdb").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// The snapshot's file name in [`dir`](Self::dir) (Redis's `dbfilename`; default
    /// `dump.rdb`).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-name-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).dbfilename("cache.rdb").build();
    /// store.save()?;
    /// assert!(dir.join("cache.rdb").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dbfilename(mut self, name: impl Into<String>) -> Self {
        self.dbfilename = name.into();
        self
    }

    /// Adds a snapshot rule (Redis's `save <seconds> <changes>`): a background save
    /// ([`Store::bgsave`]) starts once `after` has passed since the last save and at
    /// least `changes` changes were made. Rules add up (any one due triggers a save);
    /// by default there are none and nothing is saved unless asked. A failed save is
    /// retried by the rules 5 s later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-saverule-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).save(Duration::ZERO, 1).build();
    /// store.strings().set("k", "v")?;
    /// // The rule's checker saves within about 100 ms.
    /// let start = std::time::Instant::now();
    /// while !dir.join("dump.rdb").exists() {
    ///     assert!(start.elapsed() < Duration::from_secs(10));
    ///     std::thread::sleep(Duration::from_millis(10));
    /// }
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(mut self, after: Duration, changes: u64) -> Self {
        self.save_rules.push((after.as_secs(), changes));
        self
    }

    /// Keeps an append-only log of every change (Redis's `appendonly`; default off),
    /// in Redis 7.0's multi-part format under [`dir`](Self::dir)/`appendonlydir`, which a
    /// redis-server started on the same directory loads. [`open`](Self::open) loads it
    /// (rather than the snapshot) and appends to it from then on; a store made with
    /// [`build`](Self::build) keeps no log.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::AppendFsync;
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-aof-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let open = || embedis::Store::builder().dir(&dir).appendonly(true).appendfsync(AppendFsync::Always).open();
    /// let store = open()?;
    /// store.lists().rpush("jobs", ["a", "b"])?;
    /// store.lists().lpop("jobs")?;
    /// drop(store);
    /// assert_eq!(open()?.lists().lrange("jobs", 0, -1)?, ["b"]);
    /// assert!(dir.join("appendonlydir/appendonly.aof.manifest").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn appendonly(mut self, on: bool) -> Self {
        self.appendonly = on;
        self
    }

    /// When the log is synced to disk (Redis's `appendfsync`; default
    /// [`EverySec`](AppendFsync::EverySec)). Under [`Always`](AppendFsync::Always) a
    /// write returns only once it is on disk.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = embedis::Store::builder().appendonly(true).appendfsync(embedis::AppendFsync::No);
    /// # let _ = builder;
    /// ```
    pub fn appendfsync(mut self, policy: AppendFsync) -> Self {
        self.aof.fsync = policy;
        self
    }

    /// The log's directory, inside [`dir`](Self::dir) (Redis's `appenddirname`; default
    /// `appendonlydir`).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-aofdir-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).appendonly(true).appenddirname("log").open()?;
    /// assert!(dir.join("log/appendonly.aof.manifest").exists());
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn appenddirname(mut self, name: impl Into<String>) -> Self {
        self.aof.dirname = name.into();
        self
    }

    /// The prefix of the log's file names (Redis's `appendfilename`; default
    /// `appendonly.aof`).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-aofname-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).appendonly(true).appendfilename("log.aof").open()?;
    /// assert!(dir.join("appendonlydir/log.aof.manifest").exists());
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn appendfilename(mut self, name: impl Into<String>) -> Self {
        self.aof.filename = name.into();
        self
    }

    /// Whether strings in snapshots (and in [`Keys::dump`](crate::Keys::dump)'s
    /// payloads) are LZF-compressed where that saves space (Redis's `rdbcompression`;
    /// default `true`). Off, saving is faster and files larger; either kind loads.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::builder().rdbcompression(false).build();
    /// store.strings().set("k", "a".repeat(100))?;
    /// // The payload holds the 100 bytes as they are.
    /// assert!(store.keys().dump("k")?.unwrap().len() > 100);
    /// let packed = embedis::Store::new();
    /// packed.strings().set("k", "a".repeat(100))?;
    /// assert!(packed.keys().dump("k")?.unwrap().len() < 30);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rdbcompression(mut self, on: bool) -> Self {
        self.rdb.compression = on;
        self
    }

    /// Whether snapshot files end with a CRC-64 of their bytes, checked when they are
    /// loaded (Redis's `rdbchecksum`; default `true`). Off, the file's checksum is 0
    /// and none is checked on load.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-crc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).rdbchecksum(false).build();
    /// store.save()?;
    /// let file = std::fs::read(dir.join("dump.rdb"))?;
    /// assert_eq!(file[file.len() - 8..], [0; 8]);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rdbchecksum(mut self, on: bool) -> Self {
        self.rdb.checksum = on;
        self
    }

    /// Whether the log's base (made when the log starts and by each rewrite) is an RDB
    /// file, `appendonly.aof.<n>.base.rdb` (Redis's `aof-use-rdb-preamble`; default
    /// `true`), or the commands that rebuild the store, `….base.aof`: larger and slower
    /// to load, but text. Redis loads either.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-preamble-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder()
    ///     .dir(&dir)
    ///     .appendonly(true)
    ///     .aof_use_rdb_preamble(false)
    ///     .open()?;
    /// store.strings().set("k", "v")?;
    /// assert!(dir.join("appendonlydir/appendonly.aof.1.base.aof").exists());
    /// drop(store);
    /// let again = embedis::Store::builder().dir(&dir).appendonly(true).open()?;
    /// assert_eq!(again.strings().get("k")?.unwrap(), "v");
    /// # drop(again);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aof_use_rdb_preamble(mut self, on: bool) -> Self {
        self.aof.use_rdb_preamble = on;
        self
    }

    /// Whether a log whose last command is torn (a crash mid-write) is cut there and
    /// loaded (Redis's `aof-load-truncated`; default `true`), rather than refused.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = embedis::Store::builder().appendonly(true).aof_load_truncated(false);
    /// # let _ = builder;
    /// ```
    pub fn aof_load_truncated(mut self, on: bool) -> Self {
        self.aof.load_truncated = on;
        self
    }

    /// Rewrites the log on its own once it has grown by this many percent since the
    /// last rewrite (or since it was opened) and is at least
    /// [`auto_aof_rewrite_min_size`](Self::auto_aof_rewrite_min_size) (Redis's
    /// `auto-aof-rewrite-percentage`; default 100; 0 never rewrites on its own).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = embedis::Store::builder().appendonly(true).auto_aof_rewrite_percentage(0);
    /// # let _ = builder;
    /// ```
    pub fn auto_aof_rewrite_percentage(mut self, percent: u64) -> Self {
        self.aof.auto_rewrite_percentage = percent;
        self
    }

    /// The least size of the log, in bytes, for an automatic rewrite (Redis's
    /// `auto-aof-rewrite-min-size`; default 64 MiB).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = embedis::Store::builder().appendonly(true).auto_aof_rewrite_min_size(1 << 20);
    /// # let _ = builder;
    /// ```
    pub fn auto_aof_rewrite_min_size(mut self, bytes: u64) -> Self {
        self.aof.auto_rewrite_min_size = bytes;
        self
    }

    /// Builds the store and loads what is in [`dir`](Self::dir), calling `run` for
    /// each command of the log (see `command/open.rs`).
    pub(crate) fn open_with(
        mut self,
        run: impl Fn(&Store, &[Vec<u8>]) -> Result<()>,
    ) -> Result<Store> {
        // As Redis, nothing is evicted while loading: the limit applies once loaded; and
        // no rule saves a half-loaded store (the rules start once it is in).
        let limit = std::mem::take(&mut self.max_memory);
        let rules = std::mem::take(&mut self.save_rules);
        let store = self.build();
        let aof = &store.core.aof;
        if aof.config().appendonly {
            // Replayed as written: nothing expires until the whole log is in.
            store.keyspace().set_loading(true);
            let loaded = aof.load(store.access(), &mut |args| run(&store, args));
            store.keyspace().set_loading(false);
            loaded?;
            store.core.start_log()?;
        } else {
            store.core.snapshots.load(store.access())?;
        }
        // The libraries the file held go into the registry now, as Redis loads them:
        // one that fails stops the opening.
        #[cfg(feature = "scripting")]
        store
            .core
            .scripting
            .take_loaded_libraries(store.keyspace())
            .map_err(|e| Error::Io(format!("Failed loading library, {e}")))?;
        // What was loaded is what is on disk: no change since the last save.
        store.core.snapshots.mark_saved(store.keyspace().dirty());
        store.core.set_save_rules(rules);
        if limit > 0 {
            store.set_max_memory(limit);
        }
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Store>();
        assert_eq!(std::mem::size_of::<Store>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn dropping_the_last_clone_stops_the_sweeper() {
        let store = Store::new();
        let clone = store.clone();
        let id = store.core.sweeper_thread().expect("sweeper running");
        let schedule = Arc::downgrade(store.core.keyspace.schedule());
        drop(store);
        assert!(
            schedule.upgrade().is_some(),
            "a clone keeps the store alive"
        );
        drop(clone);
        // Drop joined the thread; it held the last other reference to the schedule.
        assert!(
            schedule.upgrade().is_none(),
            "sweeper thread {id:?} still alive"
        );
    }
}
