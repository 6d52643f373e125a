//! Generic key commands (Redis's `db.c` and `expire.c` commands).
//!
//! | Redis | method |
//! |---|---|
//! | `DEL` / `UNLINK` / `EXISTS` / `TOUCH` | [`del`](Keys::del) / [`unlink`](Keys::unlink) / [`exists`](Keys::exists) / [`touch`](Keys::touch) |
//! | `TYPE` | [`key_type`](Keys::key_type) |
//! | `KEYS` / `SCAN` / `RANDOMKEY` | [`keys`](Keys::keys) / [`scan`](Keys::scan), [`scan_iter`](Keys::scan_iter) / [`randomkey`](Keys::randomkey) |
//! | `RENAME` / `RENAMENX` / `COPY` / `MOVE` | [`rename`](Keys::rename) / [`renamenx`](Keys::renamenx) / [`copy`](Keys::copy) / [`move_key`](Keys::move_key) |
//! | `SWAPDB` / `DBSIZE` / `FLUSHDB` / `FLUSHALL` | [`swapdb`](Keys::swapdb) / [`dbsize`](Keys::dbsize) / [`flushdb`](Keys::flushdb) / [`flushall`](Keys::flushall) |
//! | `EXPIRE` `PEXPIRE` (NX, XX, GT, LT) | [`expire`](Keys::expire), [`expire_with`](Keys::expire_with) |
//! | `EXPIREAT` `PEXPIREAT` | [`expireat`](Keys::expireat), [`expireat_with`](Keys::expireat_with) |
//! | `TTL` / `PTTL` | [`ttl`](Keys::ttl) / [`pttl`](Keys::pttl) |
//! | `EXPIRETIME` / `PEXPIRETIME` | [`expiretime`](Keys::expiretime) / [`pexpiretime`](Keys::pexpiretime) |
//! | `PERSIST` | [`persist`](Keys::persist) |
//! | `SORT` / `SORT_RO` (`BY`, `LIMIT`, `GET`, `ASC`/`DESC`, `ALPHA`, `STORE`) | [`sort`](Keys::sort), [`sort_store`](Keys::sort_store) with [`SortOptions`] |

mod sort;

use std::iter::FusedIterator;
use std::time::{Duration, SystemTime};

use crate::clock::{deadline_after, deadline_at, system_time};
use crate::keyspace::{Access, Deadline, notify};
use crate::rdb::file::History;
use crate::scan::{Batches, ScanOptions};
use crate::value::ValueRef;
use crate::{Blob, Error, KeyType, Result, glob};

pub use sort::SortOptions;

/// The condition of an `EXPIRE`-family command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ExpireCondition {
    /// Set the TTL unconditionally (no option).
    #[default]
    Always,
    /// Only if the key has no TTL (`NX`).
    Nx,
    /// Only if the key has a TTL (`XX`).
    Xx,
    /// Only if the new deadline is later than the current one; a key without a TTL
    /// counts as never expiring, so this fails for it (`GT`, and `XX GT`).
    Gt,
    /// Only if the new deadline is earlier than the current one; a key without a TTL
    /// counts as never expiring, so this succeeds for it (`LT`).
    Lt,
    /// Only if the key has a TTL and the new deadline is earlier (`XX LT`).
    XxLt,
}

/// A key's remaining time to live (`TTL` / `PTTL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ttl {
    /// The key does not exist (Redis's -2).
    Missing,
    /// The key exists and has no TTL (Redis's -1).
    Persistent,
    /// The key expires after this long.
    Expires(Duration),
}

impl Ttl {
    /// The remaining time, if the key exists and has a TTL.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::Ttl::Persistent.remaining(), None);
    /// ```
    pub fn remaining(self) -> Option<Duration> {
        match self {
            Ttl::Expires(d) => Some(d),
            _ => None,
        }
    }
}

/// A key's deadline (`EXPIRETIME` / `PEXPIRETIME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpireTime {
    /// The key does not exist (Redis's -2).
    Missing,
    /// The key exists and has no TTL (Redis's -1).
    Persistent,
    /// The key expires at this time.
    At(SystemTime),
}

/// How [`Keys::restore`] restores a key: `RESTORE`'s TTL argument and its `REPLACE`,
/// `ABSTTL`, `IDLETIME` and `FREQ` options.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let opts = embedis::RestoreOptions::new().replace().ttl(Duration::from_secs(5)).idle_time(60);
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RestoreOptions {
    replace: bool,
    expiry: RestoreExpiry,
    history: History,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
enum RestoreExpiry {
    #[default]
    None,
    After(Duration),
    At(SystemTime),
}

impl RestoreOptions {
    /// No TTL, no overwriting, a fresh access history.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let payload = store.keys().dump("k")?.unwrap();
    /// store.keys().restore("k2", &payload, embedis::RestoreOptions::new())?;
    /// assert_eq!(store.keys().ttl("k2")?, embedis::Ttl::Persistent);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        RestoreOptions::default()
    }

    /// Overwrite an existing key (`REPLACE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::RestoreOptions;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "old")?;
    /// let payload = { store.strings().set("p", "new")?; store.keys().dump("p")?.unwrap() };
    /// store.keys().restore("k", &payload, RestoreOptions::new().replace())?;
    /// assert_eq!(store.strings().get("k")?.unwrap(), "new");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn replace(mut self) -> Self {
        self.replace = true;
        self
    }

    /// Expire `ttl` from now (`RESTORE key <ms> …`; a zero TTL means none, as Redis's
    /// `0`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::RestoreOptions;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let payload = store.keys().dump("k")?.unwrap();
    /// store.keys().restore("t", &payload, RestoreOptions::new().ttl(Duration::from_secs(9)))?;
    /// assert!(matches!(store.keys().pttl("t")?, embedis::Ttl::Expires(_)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.expiry = if ttl.is_zero() {
            RestoreExpiry::None
        } else {
            RestoreExpiry::After(ttl)
        };
        self
    }

    /// Expire at `time` (`ABSTTL`); a time already past restores nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use embedis::RestoreOptions;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let payload = store.keys().dump("k")?.unwrap();
    /// let past = SystemTime::now() - Duration::from_secs(1);
    /// store.keys().restore("gone", &payload, RestoreOptions::new().expire_at(past))?;
    /// assert_eq!(store.keys().exists(["gone"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn expire_at(mut self, time: SystemTime) -> Self {
        self.expiry = RestoreExpiry::At(time);
        self
    }

    /// The key was last used `seconds` ago (`IDLETIME`), for `OBJECT IDLETIME` and the
    /// LRU policies. It applies while the store keeps access times — under an LRU policy,
    /// or with [`StoreBuilder::track_idle_time`](crate::StoreBuilder::track_idle_time)
    /// (Redis keeps them always) — and never under an LFU policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, RestoreOptions};
    /// let store = embedis::Store::builder().eviction_policy(EvictionPolicy::AllKeysLru).build();
    /// store.strings().set("k", "v")?;
    /// let payload = store.keys().dump("k")?.unwrap();
    /// store.keys().restore("old", &payload, RestoreOptions::new().idle_time(1000))?;
    /// assert!(store.keys().object_idletime("old")?.unwrap().as_secs() >= 1000);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn idle_time(mut self, seconds: u64) -> Self {
        self.history = History::Idle(seconds);
        self
    }

    /// The key's LFU access counter (`FREQ`), under an LFU policy; ignored otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, RestoreOptions};
    /// let store = embedis::Store::builder().eviction_policy(EvictionPolicy::AllKeysLfu).build();
    /// store.strings().set("k", "v")?;
    /// let payload = store.keys().dump("k")?.unwrap();
    /// store.keys().restore("hot", &payload, RestoreOptions::new().freq(200))?;
    /// assert_eq!(store.keys().object_freq("hot")?, Some(200));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn freq(mut self, counter: u8) -> Self {
        self.history = History::Freq(counter);
        self
    }
}

/// Options of `COPY`: the destination database and whether to overwrite.
///
/// # Examples
///
/// ```
/// let opts = embedis::CopyOptions::new().db(2).replace();
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CopyOptions {
    db: Option<usize>,
    replace: bool,
}

impl CopyOptions {
    /// Copy within the same database, without overwriting.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = embedis::CopyOptions::new();
    /// let store = embedis::Store::new();
    /// assert!(!store.keys().copy("missing", "b", opts)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        CopyOptions::default()
    }

    /// Copy into database `db` (`DB`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{CopyOptions, Store};
    /// let store = Store::new();
    /// store.strings().set("k", "v")?;
    /// assert!(store.keys().copy("k", "k", CopyOptions::new().db(1))?);
    /// assert_eq!(store.db(1)?.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn db(mut self, db: usize) -> Self {
        self.db = Some(db);
        self
    }

    /// Overwrite an existing destination (`REPLACE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{CopyOptions, Store};
    /// let store = Store::new();
    /// store.strings().mset([("a", "1"), ("b", "2")])?;
    /// assert!(store.keys().copy("a", "b", CopyOptions::new().replace())?);
    /// assert_eq!(store.strings().get("b")?.unwrap(), "1");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn replace(mut self) -> Self {
        self.replace = true;
        self
    }
}

/// Generic key commands. Obtained from [`Store::keys`](crate::Store::keys) or [`Db::keys`](crate::Db::keys).
///
/// A handle is a borrowed view of the store: it holds no lock between calls.
#[derive(Clone, Copy, Debug)]
pub struct Keys<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Keys<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Keys { ks, db }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    fn located<'k, K: AsRef<[u8]>>(&self, keys: &'k [K]) -> Vec<(usize, &'k [u8])> {
        keys.iter().map(|k| (self.db, k.as_ref())).collect()
    }

    /// Deletes `keys` and returns how many existed (`DEL`). Atomic.
    ///
    /// **Locking:** holds the write locks of every shard involved while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.keys().del(["a", "b", "c"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn del<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        let located = self.located(&keys);
        self.ks().write_many(&located, |many| {
            let removed: Vec<usize> = (0..located.len())
                .filter(|&n| {
                    let mut e = many.entry(n);
                    let removed = e.remove();
                    if removed {
                        e.notify(notify::GENERIC, "del");
                    }
                    removed
                })
                .collect();
            if !removed.is_empty() {
                many.propagate(self.db, |r| {
                    r.arg("DEL").args(removed.iter().map(|&n| located[n].1));
                });
            }
            Ok(removed.len())
        })
    }

    /// Deletes `keys` (`UNLINK`; the same as [`del`](Self::del): values are freed on
    /// the calling thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// assert_eq!(store.keys().unlink(["a"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn unlink<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.del(keys)
    }

    /// How many of `keys` exist, counting a key given twice twice (`EXISTS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// assert_eq!(store.keys().exists(["a", "a", "nope"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn exists<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.count_existing(keys, false)
    }

    /// How many of `keys` exist, counted as accesses when `touch`.
    fn count_existing<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        touch: bool,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        let located = self.located(&keys);
        let count = |many: &crate::keyspace::ManyRead<'_>| {
            Ok((0..located.len())
                .filter(|&n| many.get(n).is_some())
                .count())
        };
        if touch {
            self.ks().read_many(&located, count)
        } else {
            self.ks().read_many_untouched(&located, count)
        }
    }

    /// How many of `keys` exist, each counted as an access (`TOUCH`: it resets
    /// [`object_idletime`](Self::object_idletime), which [`exists`](Self::exists) does
    /// not).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// assert_eq!(store.keys().touch(["a", "b"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn touch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.count_existing(keys, true)
    }

    /// The type of the value at `key`, `None` if missing (`TYPE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::KeyType;
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// assert_eq!(store.keys().key_type("a")?, Some(KeyType::String));
    /// assert_eq!(store.keys().key_type("b")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "TYPE")]
    pub fn key_type(&self, key: impl AsRef<[u8]>) -> Result<Option<KeyType>> {
        self.ks().read_untouched(self.db, key.as_ref(), |v| {
            Ok(v.map(|(v, _)| ValueRef::key_type(v)))
        })
    }

    /// Every key matching the glob `pattern` (`KEYS`).
    ///
    /// # Complexity
    ///
    /// O(n) over the whole database; prefer [`scan_iter`](Self::scan_iter) on large ones.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("hello", "1"), ("hallo", "2"), ("hxllo", "3")])?;
    /// let mut keys = store.keys().keys("h[ae]llo")?;
    /// keys.sort();
    /// assert_eq!(keys, ["hallo", "hello"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn keys(&self, pattern: impl AsRef<[u8]>) -> Result<Vec<Blob>> {
        let pattern = pattern.as_ref();
        let all = pattern == b"*";
        let mut out = Vec::new();
        self.ks().for_each(self.db, |key, _| {
            if all || glob::matches(pattern, key) {
                out.push(Blob::copy_from_slice(key));
            }
        })?;
        Ok(out)
    }

    /// The number of keys in hash slot `slot` (`CLUSTER COUNTKEYSINSLOT`; see
    /// [`key_slot`](crate::key_slot)). A slot past [`SLOTS`](crate::SLOTS) holds none.
    ///
    /// # Complexity
    ///
    /// O(n) over the whole database: the store keeps no index of keys by slot.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("{user1}.name", "ann"), ("{user1}.mail", "a@example.org"), ("x", "1")])?;
    /// let slot = embedis::key_slot("user1");
    /// assert_eq!(store.keys().countkeysinslot(slot)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn countkeysinslot(&self, slot: u16) -> Result<usize> {
        let mut n = 0;
        self.ks().for_each(self.db, |key, _| {
            if crate::key_slot(key) == slot {
                n += 1;
            }
        })?;
        Ok(n)
    }

    /// Up to `count` keys of hash slot `slot`, in no particular order (`CLUSTER
    /// GETKEYSINSLOT`; see [`key_slot`](crate::key_slot)).
    ///
    /// # Complexity
    ///
    /// O(n) over the whole database: the store keeps no index of keys by slot.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("{user1}.name", "ann"), ("{user1}.mail", "a@example.org"), ("x", "1")])?;
    /// let mut keys = store.keys().getkeysinslot(embedis::key_slot("user1"), 10)?;
    /// keys.sort();
    /// assert_eq!(keys, ["{user1}.mail", "{user1}.name"]);
    /// assert_eq!(store.keys().getkeysinslot(embedis::key_slot("user1"), 1)?.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn getkeysinslot(&self, slot: u16, count: usize) -> Result<Vec<Blob>> {
        let mut out = Vec::new();
        self.ks().for_each(self.db, |key, _| {
            if out.len() < count && crate::key_slot(key) == slot {
                out.push(Blob::copy_from_slice(key));
            }
        })?;
        Ok(out)
    }

    /// One step of an incremental scan (`SCAN`): returns the cursor for the next step (0
    /// when the scan is complete) and the keys found in this one.
    ///
    /// Start with cursor 0. Every key present for the whole scan is returned, however the
    /// store grows or shrinks meanwhile (at least once, as Redis promises); keys added or
    /// removed during the scan may or may not be. A step may return no keys before the
    /// end.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.strings().mset((0..100).map(|i| (format!("k{i}"), "v")))?;
    /// let (mut cursor, mut found) = (0, 0);
    /// loop {
    ///     let (next, keys) = store.keys().scan(cursor, &ScanOptions::new())?;
    ///     found += keys.len();
    ///     cursor = next;
    ///     if cursor == 0 { break; }
    /// }
    /// assert_eq!(found, 100);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn scan(&self, cursor: u64, options: &ScanOptions) -> Result<(u64, Vec<Blob>)> {
        let mut out = Vec::new();
        let next = self
            .ks()
            .scan(self.db, cursor, options.count, |key, value| {
                let pattern_ok = options.matches(key);
                let type_ok = options.key_type.is_none_or(|t| t == value.key_type());
                if pattern_ok && type_ok {
                    out.push(Blob::copy_from_slice(key));
                }
            })?;
        Ok((next, out))
    }

    /// An iterator over every key, scanning in steps of `options.count` (`SCAN` in a
    /// loop). It holds no lock between steps, with `SCAN`'s guarantees. A step that
    /// fails is yielded as an error, which ends the iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.strings().mset([("user:1", "a"), ("user:2", "b"), ("page:1", "c")])?;
    /// let mut users = store.keys().scan_iter(ScanOptions::new().pattern("user:*")).collect::<Result<Vec<_>, _>>()?;
    /// users.sort();
    /// assert_eq!(users, ["user:1", "user:2"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn scan_iter(&self, options: ScanOptions) -> ScanIter<'s> {
        ScanIter {
            keys: *self,
            options,
            batches: Batches::new(),
        }
    }

    /// A random existing key, `None` if the database is empty (`RANDOMKEY`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.keys().randomkey()?, None);
    /// store.strings().set("only", "1")?;
    /// assert_eq!(store.keys().randomkey()?.unwrap(), "only");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn randomkey(&self) -> Result<Option<Blob>> {
        self.ks()
            .random(self.db, |key, _| Blob::copy_from_slice(key))
    }

    /// Renames `src` to `dst`, overwriting `dst` and keeping the TTL (`RENAME`).
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if `src` does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("old", "v")?;
    /// store.keys().rename("old", "new")?;
    /// assert_eq!(store.strings().get("new")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rename(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<()> {
        self.rename_impl(src.as_ref(), dst.as_ref(), false)
            .map(|_| ())
    }

    /// Renames `src` to `dst` only if `dst` does not exist; returns whether it did
    /// (`RENAMENX`).
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if `src` does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("a", "1"), ("b", "2")])?;
    /// assert!(!store.keys().renamenx("a", "b")?);
    /// assert!(store.keys().renamenx("a", "c")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn renamenx(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<bool> {
        self.rename_impl(src.as_ref(), dst.as_ref(), true)
    }

    fn rename_impl(&self, src: &[u8], dst: &[u8], nx: bool) -> Result<bool> {
        self.ks()
            .write_many(&[(self.db, src), (self.db, dst)], |many| {
                if !many.entry(0).exists() {
                    return Err(Error::NoSuchKey);
                }
                if src == dst {
                    return Ok(!nx);
                }
                if nx && many.entry(1).exists() {
                    return Ok(false);
                }
                let (value, expires_at) = many.entry(0).take().ok_or_else(|| Error::NoSuchKey)?;
                // As Redis: the destination is deleted, then added (a `new` key).
                let mut target = many.entry(1);
                target.remove();
                target.put(value, expires_at.map_or(Deadline::Clear, Deadline::At));
                // Redis's order: the destination's `new`, then `rename_from`, `rename_to`.
                many.entry(0).notify(notify::GENERIC, "rename_from");
                many.entry(1).notify(notify::GENERIC, "rename_to");
                many.propagate(self.db, |r| {
                    r.arg("RENAME").arg(src).arg(dst);
                });
                Ok(true)
            })
    }

    /// Copies the value (and TTL) at `src` to `dst`, in this database or the one the
    /// options name; returns whether it copied (`COPY`). Without
    /// [`replace`](CopyOptions::replace), an existing `dst` is left alone.
    ///
    /// # Errors
    ///
    /// [`Error::SameObject`] when copying a key onto itself;
    /// [`Error::DbIndexOutOfRange`] for a bad database; in [cluster
    /// mode](crate::StoreBuilder::cluster_mode), [`Error::ClusterMode`] for another
    /// database than 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::CopyOptions;
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// assert!(store.keys().copy("a", "b", CopyOptions::new())?);
    /// assert!(store.keys().copy("a", "a", CopyOptions::new().db(1))?);
    /// assert_eq!(store.db(1)?.strings().get("a")?.unwrap(), "1");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn copy(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        options: CopyOptions,
    ) -> Result<bool> {
        let (src, dst) = (src.as_ref(), dst.as_ref());
        let to_db = options.db.unwrap_or(self.db);
        self.ks().check_db(to_db)?;
        if self.ks().keyspace().cluster() && (self.db != 0 || to_db != 0) {
            return Err(Error::ClusterMode(
                "Copying to another database is not allowed in cluster mode",
            ));
        }
        if to_db == self.db && src == dst {
            return Err(Error::SameObject);
        }
        self.ks().admit()?;
        self.ks()
            .write_many(&[(self.db, src), (to_db, dst)], |many| {
                let source = many.entry(0);
                let Some(value) = source.value().map(ValueRef::to_owned) else {
                    return Ok(false);
                };
                let expires_at = source.expires_at();
                let mut target = many.entry(1);
                if target.exists() && !options.replace {
                    return Ok(false);
                }
                // As Redis: a replaced destination is deleted, then added (a `new` key).
                target.remove();
                target.put(value, expires_at.map_or(Deadline::Clear, Deadline::At));
                target.notify(notify::GENERIC, "copy_to");
                many.propagate(self.db, |r| {
                    r.arg("COPY").arg(src).arg(dst);
                    r.arg("DB").uint(to_db as u64).arg("REPLACE");
                });
                Ok(true)
            })
    }

    /// The value at `key` serialized as Redis serializes it (`DUMP`): its RDB encoding,
    /// the RDB version (10) and a CRC-64, so that a real Redis 7.0 can `RESTORE` it.
    /// `None` if the key is missing. The TTL is not part of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::RestoreOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("q", ["a", "b"])?;
    /// let payload = store.keys().dump("q")?.unwrap();
    /// store.keys().restore("copy", &payload, RestoreOptions::new())?;
    /// assert_eq!(store.lists().lrange("copy", 0, -1)?, ["a", "b"]);
    /// assert_eq!(store.keys().dump("missing")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn dump(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        let compress = self.ks().keyspace().rdb_compression();
        self.ks().read(self.db, key.as_ref(), |value| {
            Ok(value.map(|v| Blob::from(crate::rdb::object::dump(v, compress))))
        })
    }

    /// Creates `key` from a `DUMP` payload (`RESTORE`), one of this store's or of a real
    /// Redis 7.0's (any RDB version up to 10), with the TTL and access history the
    /// options give.
    ///
    /// A deadline already past creates nothing (and, with
    /// [`replace`](RestoreOptions::replace), deletes the key), as in Redis.
    ///
    /// # Errors
    ///
    /// [`Error::BusyKey`] if the key exists and the options do not say
    /// [`replace`](RestoreOptions::replace); [`Error::DumpPayload`] for a newer RDB
    /// version or a wrong checksum; [`Error::BadDataFormat`] for a malformed value (or a
    /// module value, which the store does not hold).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{Error, RestoreOptions};
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("f", "v")])?;
    /// let payload = store.keys().dump("h")?.unwrap();
    /// assert_eq!(store.keys().restore("h", &payload, RestoreOptions::new()), Err(Error::BusyKey));
    /// let options = RestoreOptions::new().replace().ttl(Duration::from_secs(60));
    /// store.keys().restore("h", &payload, options)?;
    /// assert_eq!(store.hashes().hget("h", "f")?.unwrap(), "v");
    /// assert!(matches!(store.keys().pttl("h")?, embedis::Ttl::Expires(_)));
    /// let mut bad = payload.to_vec();
    /// bad[0] ^= 1;
    /// assert_eq!(store.keys().restore("x", &bad, RestoreOptions::new()), Err(Error::DumpPayload));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn restore(
        &self,
        key: impl AsRef<[u8]>,
        payload: impl AsRef<[u8]>,
        options: RestoreOptions,
    ) -> Result<()> {
        let (key, payload) = (key.as_ref(), payload.as_ref());
        let max = self.ks().max_string_size();
        self.ks().admit()?;
        let now = self.ks().now();
        // Decoded before the key's lock is taken; its errors come after BUSYKEY's.
        let decoded = crate::rdb::object::restore(payload, max).map_err(|e| match e {
            crate::rdb::object::PayloadError::VersionOrChecksum => Error::DumpPayload,
            crate::rdb::object::PayloadError::Bad => Error::BadDataFormat,
        });
        self.ks().write(self.db, key, |entry| {
            if entry.exists() && !options.replace {
                return Err(Error::BusyKey);
            }
            let value = decoded?;
            let deadline = match options.expiry {
                RestoreExpiry::None => None,
                RestoreExpiry::After(ttl) => Some(deadline_after(now, ttl)),
                RestoreExpiry::At(time) => Some(deadline_at(time)),
            };
            if let Some(at) = deadline {
                // Past (or past any representable time, where Redis's sum overflows).
                if at.is_none_or(|at| at <= now) {
                    entry.remove_as_del();
                    return Ok(());
                }
            }
            // As Redis: a replaced key is deleted, then added (a `new` key).
            entry.remove();
            entry.put(
                value,
                deadline.flatten().map_or(Deadline::Clear, Deadline::At),
            );
            entry.set_history(options.history);
            entry.notify(notify::GENERIC, "restore");
            // As Redis propagates it: the deadline absolute (`ABSTTL`).
            entry.propagate(|r| {
                r.arg("RESTORE").arg(key);
                r.uint(deadline.flatten().unwrap_or(0));
                r.arg(payload).arg("REPLACE").arg("ABSTTL");
                match options.history {
                    crate::rdb::file::History::None => {}
                    crate::rdb::file::History::Idle(s) => {
                        r.arg("IDLETIME").uint(s);
                    }
                    crate::rdb::file::History::Freq(f) => {
                        r.arg("FREQ").int(i64::from(f));
                    }
                }
            });
            Ok(())
        })
    }

    /// Moves `key` (with its TTL) to database `db`; returns whether it moved (`MOVE`).
    /// Nothing moves if the key is missing or already exists in `db`.
    ///
    /// # Errors
    ///
    /// [`Error::SameObject`] if `db` is this database; [`Error::DbIndexOutOfRange`];
    /// [`Error::ClusterMode`] in [cluster mode](crate::StoreBuilder::cluster_mode).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// assert!(store.keys().move_key("k", 1)?);
    /// assert_eq!(store.strings().get("k")?, None);
    /// assert_eq!(store.db(1)?.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "MOVE")]
    pub fn move_key(&self, key: impl AsRef<[u8]>, db: usize) -> Result<bool> {
        if self.ks().keyspace().cluster() {
            return Err(Error::ClusterMode("MOVE is not allowed in cluster mode"));
        }
        self.ks().check_db(db)?;
        if db == self.db {
            return Err(Error::SameObject);
        }
        let key = key.as_ref();
        self.ks().write_many(&[(self.db, key), (db, key)], |many| {
            if !many.entry(0).exists() || many.entry(1).exists() {
                return Ok(false);
            }
            let Some((value, expires_at)) = many.entry(0).take() else {
                return Ok(false);
            };
            many.entry(1)
                .put(value, expires_at.map_or(Deadline::Clear, Deadline::At));
            many.entry(0).notify(notify::GENERIC, "move_from");
            many.entry(1).notify(notify::GENERIC, "move_to");
            many.propagate(self.db, |r| {
                r.arg("MOVE").arg(key).uint(db as u64);
            });
            Ok(true)
        })
    }

    /// Exchanges the contents of databases `a` and `b`, atomically (`SWAPDB`).
    ///
    /// # Errors
    ///
    /// [`Error::DbIndexOutOfRange`]; [`Error::ClusterMode`] in [cluster
    /// mode](crate::StoreBuilder::cluster_mode).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "in 0")?;
    /// store.keys().swapdb(0, 1)?;
    /// assert_eq!(store.db(1)?.strings().get("k")?.unwrap(), "in 0");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn swapdb(&self, a: usize, b: usize) -> Result<()> {
        if self.ks().keyspace().cluster() {
            return Err(Error::ClusterMode("SWAPDB is not allowed in cluster mode"));
        }
        self.ks().check_db(a)?;
        self.ks().check_db(b)?;
        self.ks().swap(a, b)
    }

    /// The number of keys in this database (`DBSIZE`); like Redis, it may count expired
    /// keys not yet removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.keys().dbsize()?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn dbsize(&self) -> Result<usize> {
        self.ks().len(self.db)
    }

    /// Deletes every key in this database (`FLUSHDB`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("a", "1")?;
    /// store.keys().flushdb()?;
    /// assert_eq!(store.keys().dbsize()?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn flushdb(&self) -> Result<()> {
        self.ks().clear(Some(self.db))
    }

    /// Deletes every key in every database (`FLUSHALL`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.db(3)?.strings().set("a", "1")?;
    /// store.keys().flushall()?;
    /// assert_eq!(store.db(3)?.keys().dbsize()?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn flushall(&self) -> Result<()> {
        self.ks().clear(None)
    }

    /// Sets `key` to expire after `ttl`; returns whether the key exists (`EXPIRE` /
    /// `PEXPIRE`). A zero `ttl` deletes the key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] if the deadline would pass `i64::MAX` ms.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().set("url", "https://example.org")?;
    /// assert!(store.keys().expire("url", Duration::from_secs(10))?);
    /// assert_eq!(store.keys().ttl("url")?.remaining(), Some(Duration::from_secs(10)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "PEXPIRE")]
    pub fn expire(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<bool> {
        self.expire_with(key, ttl, ExpireCondition::Always)
    }

    /// [`expire`](Self::expire) under a condition (`EXPIRE key ttl NX|XX|GT|LT`);
    /// returns whether the TTL was set.
    ///
    /// # Errors
    ///
    /// As [`expire`](Self::expire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::ExpireCondition;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let secs = Duration::from_secs;
    /// assert!(!store.keys().expire_with("k", secs(10), ExpireCondition::Gt)?);
    /// assert!(store.keys().expire_with("k", secs(10), ExpireCondition::Nx)?);
    /// assert!(store.keys().expire_with("k", secs(20), ExpireCondition::Gt)?);
    /// assert!(!store.keys().expire_with("k", secs(30), ExpireCondition::Lt)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "PEXPIRE")]
    pub fn expire_with(
        &self,
        key: impl AsRef<[u8]>,
        ttl: Duration,
        condition: ExpireCondition,
    ) -> Result<bool> {
        let at = deadline_after(self.ks().now(), ttl).ok_or(Error::InvalidExpireTime("expire"))?;
        self.expire_at_ms(key.as_ref(), at, condition)
    }

    /// Sets `key` to expire at `time`; returns whether the key exists (`EXPIREAT` /
    /// `PEXPIREAT`). A time in the past deletes the key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] if `time` is past `i64::MAX` ms after the epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// assert!(store.keys().expireat("k", SystemTime::now() - Duration::from_secs(1))?);
    /// assert_eq!(store.strings().get("k")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "PEXPIREAT")]
    pub fn expireat(&self, key: impl AsRef<[u8]>, time: SystemTime) -> Result<bool> {
        self.expireat_with(key, time, ExpireCondition::Always)
    }

    /// [`expireat`](Self::expireat) under a condition (`EXPIREAT key time
    /// NX|XX|GT|LT`); returns whether the deadline was set.
    ///
    /// # Errors
    ///
    /// As [`expireat`](Self::expireat).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use embedis::ExpireCondition;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// let later = SystemTime::now() + Duration::from_secs(60);
    /// assert!(!store.keys().expireat_with("k", later, ExpireCondition::Xx)?);
    /// assert!(store.keys().expireat_with("k", later, ExpireCondition::Always)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "PEXPIREAT")]
    pub fn expireat_with(
        &self,
        key: impl AsRef<[u8]>,
        time: SystemTime,
        condition: ExpireCondition,
    ) -> Result<bool> {
        let at = deadline_at(time).ok_or(Error::InvalidExpireTime("expireat"))?;
        self.expire_at_ms(key.as_ref(), at, condition)
    }

    /// The common core of the `EXPIRE` family, in Redis's order: the key must exist,
    /// then the condition must hold, then a deadline not after "now" deletes the key.
    fn expire_at_ms(&self, key: &[u8], at: u64, condition: ExpireCondition) -> Result<bool> {
        self.ks().write(self.db, key, |e| {
            if !e.exists() {
                return Ok(false);
            }
            let current = e.expires_at();
            let allowed = match condition {
                ExpireCondition::Always => true,
                ExpireCondition::Nx => current.is_none(),
                ExpireCondition::Xx => current.is_some(),
                ExpireCondition::Gt => current.is_some_and(|c| at > c),
                ExpireCondition::Lt => current.is_none_or(|c| at < c),
                ExpireCondition::XxLt => current.is_some_and(|c| at < c),
            };
            if !allowed || !e.set_expires_at(Some(at)) {
                return Ok(false);
            }
            // A deadline not after "now" deleted the key.
            e.notify(notify::GENERIC, if e.exists() { "expire" } else { "del" });
            // As Redis propagates it: absolute, or `DEL`.
            if e.exists() {
                e.propagate(|r| {
                    r.arg("PEXPIREAT").arg(key).uint(at);
                });
            } else {
                e.propagate(|r| {
                    r.arg("DEL").arg(key);
                });
            }
            Ok(true)
        })
    }

    /// The remaining time to live of `key`, rounded to whole seconds as Redis's `TTL`
    /// does.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Ttl;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.keys().ttl("nope")?, Ttl::Missing);
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.keys().ttl("k")?, Ttl::Persistent);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl> {
        Ok(match self.pttl(key)? {
            Ttl::Expires(d) => Ttl::Expires(Duration::from_secs(
                u64::try_from((d.as_millis() + 500) / 1000).unwrap_or(u64::MAX),
            )),
            other => other,
        })
    }

    /// The remaining time to live of `key`, in milliseconds (`PTTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().psetex("k", Duration::from_millis(1500), "v")?;
    /// assert!(store.keys().pttl("k")?.remaining().unwrap() <= Duration::from_millis(1500));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl> {
        let now = self.ks().now();
        self.ks().read_untouched(self.db, key.as_ref(), |entry| {
            Ok(match entry {
                None => Ttl::Missing,
                Some((_, None)) => Ttl::Persistent,
                Some((_, Some(at))) => Ttl::Expires(Duration::from_millis(at.saturating_sub(now))),
            })
        })
    }

    /// When `key` expires, rounded to whole seconds as Redis's `EXPIRETIME` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use embedis::ExpireTime;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// store.keys().expireat("k", UNIX_EPOCH + Duration::from_secs(33_177_117_420))?;
    /// let at = UNIX_EPOCH + Duration::from_secs(33_177_117_420);
    /// assert_eq!(store.keys().expiretime("k")?, ExpireTime::At(at));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn expiretime(&self, key: impl AsRef<[u8]>) -> Result<ExpireTime> {
        self.expire_time(key.as_ref(), |ms| (ms + 500) / 1000 * 1000)
    }

    /// When `key` expires, to the millisecond (`PEXPIRETIME`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ExpireTime;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.keys().pexpiretime("nope")?, ExpireTime::Missing);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pexpiretime(&self, key: impl AsRef<[u8]>) -> Result<ExpireTime> {
        self.expire_time(key.as_ref(), |ms| ms)
    }

    /// The deadline of `key`, rounded by `round` (in ms).
    fn expire_time(&self, key: &[u8], round: fn(u64) -> u64) -> Result<ExpireTime> {
        self.ks().read_untouched(self.db, key, |entry| {
            Ok(match entry {
                None => ExpireTime::Missing,
                Some((_, None)) => ExpireTime::Persistent,
                Some((_, Some(at))) => ExpireTime::At(system_time(round(at))),
            })
        })
    }

    /// Removes the TTL of `key`; returns whether it had one (`PERSIST`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().setex("k", Duration::from_secs(10), "v")?;
    /// assert!(store.keys().persist("k")?);
    /// assert!(!store.keys().persist("k")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        self.ks().write(self.db, key.as_ref(), |e| {
            let persisted = e.expires_at().is_some() && e.set_expires_at(None);
            if persisted {
                e.notify(notify::GENERIC, "persist");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("PERSIST").arg(key);
                });
            }
            Ok(persisted)
        })
    }

    /// The bytes `key` takes (Redis's `MEMORY USAGE`): its entry — key, value, deadline
    /// — and its share of the table; `None` if absent. O(1) for every type (Redis
    /// samples collections; the estimate here is kept exact by every write). Not an
    /// access: LRU and LFU stamps are left alone.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("small", "v")?;
    /// store.strings().set("big", [0u8; 10_000])?;
    /// let small = store.keys().memory_usage("small")?.unwrap();
    /// let big = store.keys().memory_usage("big")?.unwrap();
    /// assert!(small < 64 && big > 10_000);
    /// assert_eq!(store.keys().memory_usage("nope")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn memory_usage(&self, key: impl AsRef<[u8]>) -> Result<Option<usize>> {
        self.ks().memory_usage(self.db, key.as_ref())
    }

    /// The logarithmic access-frequency counter of `key` (Redis's `OBJECT FREQ`: 0 to
    /// 255, decayed by the minutes it was not used); `None` if absent. Kept only under
    /// an LFU policy: [`Error::NoLfuPolicy`](crate::Error::NoLfuPolicy) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{EvictionPolicy, Store};
    /// let store = Store::builder().eviction_policy(EvictionPolicy::AllKeysLfu).build();
    /// store.strings().set("hot", "v")?;
    /// store.strings().set("cold", "v")?;
    /// for _ in 0..1000 {
    ///     store.strings().get("hot")?;
    /// }
    /// let (hot, cold) = (store.keys().object_freq("hot")?, store.keys().object_freq("cold")?);
    /// assert!(hot > cold, "{hot:?} {cold:?}");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn object_freq(&self, key: impl AsRef<[u8]>) -> Result<Option<u32>> {
        self.ks().object_freq(self.db, key.as_ref())
    }

    /// How long since `key` was last read or written (Redis's `OBJECT IDLETIME`), in
    /// whole seconds as Redis counts them; `None` if absent. `TTL`, `TYPE`, `EXISTS` and
    /// `OBJECT` do not count as accesses (`TOUCH` does). Access times are kept under
    /// the LRU policies, or under every policy with
    /// [`StoreBuilder::track_idle_time`](crate::StoreBuilder::track_idle_time);
    /// otherwise every key reads as just used. Under an LFU policy, which keeps
    /// frequencies instead, this is [`Error::LfuPolicy`](crate::Error::LfuPolicy).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{EvictionPolicy, ManualClock, Store};
    /// let clock = ManualClock::new();
    /// let store = Store::builder()
    ///     .clock(clock.clone())
    ///     .eviction_policy(EvictionPolicy::AllKeysLru)
    ///     .build();
    /// store.strings().set("k", "v")?;
    /// clock.advance(Duration::from_secs(90));
    /// store.keys().ttl("k")?;
    /// assert_eq!(store.keys().object_idletime("k")?, Some(Duration::from_secs(90)));
    /// store.strings().get("k")?;
    /// assert_eq!(store.keys().object_idletime("k")?, Some(Duration::ZERO));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn object_idletime(&self, key: impl AsRef<[u8]>) -> Result<Option<Duration>> {
        Ok(self
            .ks()
            .object_idle_seconds(self.db, key.as_ref())?
            .map(Duration::from_secs))
    }
}

/// An iterator over the keys of a database, in `SCAN` steps. From
/// [`Keys::scan_iter`].
///
/// Each key comes as a `Result`: a step that fails (for instance
/// [`Error::InsideTransaction`], from the store's own handle used inside a
/// transaction's closure) is yielded as the error, and then the iterator ends.
#[derive(Debug)]
pub struct ScanIter<'s> {
    keys: Keys<'s>,
    options: ScanOptions,
    batches: Batches<Blob>,
}

impl Iterator for ScanIter<'_> {
    type Item = Result<Blob>;

    fn next(&mut self) -> Option<Result<Blob>> {
        let (keys, options) = (self.keys, &self.options);
        self.batches.next(|cursor| keys.scan(cursor, options))
    }
}

impl FusedIterator for ScanIter<'_> {}
