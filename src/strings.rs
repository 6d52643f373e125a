//! String commands (Redis's `t_string.c`).
//!
//! | Redis | method |
//! |---|---|
//! | `GET` / `MGET` | [`get`](Strings::get) / [`mget`](Strings::mget) |
//! | `SET` (NX, XX, EX, PX, EXAT, PXAT, KEEPTTL) | [`set`](Strings::set), [`set_with`](Strings::set_with) |
//! | `SET … GET` / `GETSET` | [`set_get`](Strings::set_get) / [`getset`](Strings::getset) |
//! | `SETNX` / `SETEX` / `PSETEX` | [`setnx`](Strings::setnx) / [`setex`](Strings::setex) / [`psetex`](Strings::psetex) |
//! | `MSET` / `MSETNX` | [`mset`](Strings::mset) / [`msetnx`](Strings::msetnx) |
//! | `GETEX` / `GETDEL` | [`getex`](Strings::getex) / [`getdel`](Strings::getdel) |
//! | `GETRANGE` / `SETRANGE` | [`getrange`](Strings::getrange) / [`setrange`](Strings::setrange) |
//! | `STRLEN` / `APPEND` | [`strlen`](Strings::strlen) / [`append`](Strings::append) |
//! | `INCR` `INCRBY` `DECR` `DECRBY` | [`incr`](Strings::incr), [`incrby`](Strings::incrby), [`decr`](Strings::decr), [`decrby`](Strings::decrby) |
//! | `INCRBYFLOAT` | [`incrbyfloat`](Strings::incrbyfloat) |
//! | `LCS` (LEN, IDX, MINMATCHLEN) | [`lcs`](Strings::lcs), [`lcs_len`](Strings::lcs_len), [`lcs_idx`](Strings::lcs_idx) |

mod lcs;

use std::time::{Duration, SystemTime};

use crate::clock::{deadline_after, deadline_at};
use crate::keyspace::{Access, Deadline, EntryMut, notify};
use crate::number::{self, IntBuf, Ld};
use crate::value::{StrRef, opt_str};
use crate::{Blob, Error, Result};

pub use lcs::{LcsIdx, LcsMatch};

/// When a `SET` writes: always, only if the key is absent (`NX`), or only if present
/// (`XX`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SetCondition {
    /// Write whatever the key holds.
    #[default]
    Always,
    /// Write only if the key does not exist (`NX`).
    IfAbsent,
    /// Write only if the key exists (`XX`).
    IfPresent,
}

impl SetCondition {
    /// Whether a `SET` under this condition writes, given whether the key exists.
    fn allows(self, exists: bool) -> bool {
        match self {
            SetCondition::Always => true,
            SetCondition::IfAbsent => !exists,
            SetCondition::IfPresent => exists,
        }
    }
}

/// What a command does to a key's time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expiry {
    /// Keep the current TTL (`KEEPTTL`; for `GETEX`, no option).
    Keep,
    /// Remove any TTL (`SET`'s default; `GETEX PERSIST`).
    Persist,
    /// Expire after this long (`EX` / `PX`); must be at least 1 ms.
    In(Duration),
    /// Expire at this time (`EXAT` / `PXAT`); must be after the Unix epoch. A time in the
    /// past deletes the key.
    At(SystemTime),
}

/// Options of `SET`: a condition and an expiry.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use embedis::{SetOptions, Store};
/// let store = Store::new();
/// let opts = SetOptions::new().nx().ttl(Duration::from_secs(10));
/// assert!(store.strings().set_with("lock", "me", opts)?);
/// assert!(!store.strings().set_with("lock", "you", opts)?);
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SetOptions {
    condition: SetCondition,
    expiry: Expiry,
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions::new()
    }
}

impl SetOptions {
    /// Write unconditionally and clear any TTL (a plain `SET`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().setex("k", std::time::Duration::from_secs(5), "a")?;
    /// store.strings().set_with("k", "b", embedis::SetOptions::new())?;
    /// assert_eq!(store.keys().ttl("k")?, embedis::Ttl::Persistent);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        SetOptions {
            condition: SetCondition::Always,
            expiry: Expiry::Persist,
        }
    }

    /// Write only if the key does not exist (`NX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// assert!(store.strings().set_with("k", "a", SetOptions::new().nx())?);
    /// assert!(!store.strings().set_with("k", "b", SetOptions::new().nx())?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "NX")]
    pub fn nx(mut self) -> Self {
        self.condition = SetCondition::IfAbsent;
        self
    }

    /// Write only if the key exists (`XX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// assert!(!store.strings().set_with("k", "a", SetOptions::new().xx())?);
    /// assert_eq!(store.strings().get("k")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "XX")]
    pub fn xx(mut self) -> Self {
        self.condition = SetCondition::IfPresent;
        self
    }

    /// Sets the condition.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SetCondition, SetOptions, Store};
    /// let store = Store::new();
    /// let opts = SetOptions::new().condition(SetCondition::IfAbsent);
    /// assert!(store.strings().set_with("k", "a", opts)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn condition(mut self, condition: SetCondition) -> Self {
        self.condition = condition;
        self
    }

    /// Expire after `ttl` (`EX` / `PX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// store.strings().set_with("k", "v", SetOptions::new().ttl(Duration::from_secs(5)))?;
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "EX")]
    #[doc(alias = "PX")]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.expiry = Expiry::In(ttl);
        self
    }

    /// Expire at `time` (`EXAT` / `PXAT`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// let at = SystemTime::now() + Duration::from_secs(60);
    /// store.strings().set_with("k", "v", SetOptions::new().expires_at(at))?;
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "EXAT")]
    #[doc(alias = "PXAT")]
    pub fn expires_at(mut self, time: SystemTime) -> Self {
        self.expiry = Expiry::At(time);
        self
    }

    /// Keep the key's current TTL (`KEEPTTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// store.strings().setex("k", Duration::from_secs(60), "a")?;
    /// store.strings().set_with("k", "b", SetOptions::new().keep_ttl())?;
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "KEEPTTL")]
    pub fn keep_ttl(mut self) -> Self {
        self.expiry = Expiry::Keep;
        self
    }

    /// Sets the expiry.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Expiry, SetOptions, Store};
    /// let store = Store::new();
    /// store.strings().set_with("k", "v", SetOptions::new().expiry(Expiry::Persist))?;
    /// assert_eq!(store.keys().ttl("k")?, embedis::Ttl::Persistent);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn expiry(mut self, expiry: Expiry) -> Self {
        self.expiry = expiry;
        self
    }
}

/// The deadline an [`Expiry`] asks for, validated as Redis does (`cmd` names the
/// command in the error).
pub(crate) fn deadline(ks: Access<'_>, expiry: Expiry, cmd: &'static str) -> Result<Deadline> {
    let invalid = Error::InvalidExpireTime(cmd);
    Ok(match expiry {
        Expiry::Keep => Deadline::Keep,
        Expiry::Persist => Deadline::Clear,
        // Unlike EXPIRE, these commands refuse a zero TTL and a time not after the epoch.
        Expiry::In(ttl) if ttl.as_millis() == 0 => return Err(invalid),
        Expiry::In(ttl) => Deadline::At(deadline_after(ks.now(), ttl).ok_or(invalid)?),
        Expiry::At(time) => Deadline::At(deadline_at(time).filter(|&at| at > 0).ok_or(invalid)?),
    })
}

/// The events of a `SET` that wrote: `set`, and `expire` if it set a deadline; and its
/// record, as Redis propagates it: the deadline as `PXAT`, `DEL` if it had passed.
fn notify_set(e: &EntryMut<'_>, value: &[u8], deadline: Deadline) {
    e.notify(notify::STRING, "set");
    if matches!(deadline, Deadline::At(_)) {
        e.notify(notify::GENERIC, "expire");
    }
    let key = e.key();
    if !e.exists() {
        e.propagate(|r| {
            r.arg("DEL").arg(key);
        });
        return;
    }
    e.propagate(|r| {
        r.arg("SET").arg(key).arg(value);
        match deadline {
            Deadline::At(at) => {
                r.arg("PXAT").uint(at);
            }
            Deadline::Keep => {
                r.arg("KEEPTTL");
            }
            Deadline::Clear => {}
        }
    });
}

/// Commands on string values. Obtained from [`Store::strings`](crate::Store::strings) or
/// [`Db::strings`](crate::Db::strings).
///
/// A handle is a borrowed view of the store: it holds no lock between calls, and each
/// method locks only its keys' shards, for the duration of the call.
#[derive(Clone, Copy, Debug)]
pub struct Strings<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Strings<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Strings { ks, db }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    /// The string at `key`, or `None` if the key does not exist (`GET`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.strings().get("name")?, None);
    /// store.strings().set("name", "ann")?;
    /// assert_eq!(store.strings().get("name")?.unwrap(), "ann");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[inline]
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        self.ks().read(self.db, key.as_ref(), |v| {
            Ok(opt_str(v)?.map(StrRef::to_blob))
        })
    }

    /// Calls `f` with the bytes of the string at `key` (`None` if the key does not
    /// exist), without copying them: the zero-copy [`get`](Self::get), for hot paths
    /// that only look at a value (compare it, parse it, write it out). `f` runs under
    /// the key's read lock: keep it short, and do not use the store from it (such a
    /// call fails with [`Error::InsideRead`]; one that returns no `Result`, such as
    /// [`Store::purge_expired`](crate::Store::purge_expired), panics).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string (`f` is not called).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("greeting", "hello")?;
    /// assert_eq!(store.strings().get_with("greeting", |v| v.map(<[u8]>::len))?, Some(5));
    /// let is_hello = store.strings().get_with("greeting", |v| v == Some(b"hello".as_slice()))?;
    /// assert!(is_hello);
    /// // The store cannot be used from the closure.
    /// let nested = store.strings().get_with("greeting", |_| store.strings().get("other"))?;
    /// assert_eq!(nested, Err(embedis::Error::InsideRead));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[inline]
    pub fn get_with<R>(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R> {
        self.ks().view(self.db, key.as_ref(), |v| {
            Ok(f(opt_str(v)?.map(StrRef::bytes)))
        })
    }

    /// Sets `key` to `value`, whatever it held, and clears its TTL (`SET`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("url", "https://example.org")?;
    /// assert_eq!(store.strings().get("url")?.unwrap(), "https://example.org");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[inline]
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let value = value.as_ref();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            e.put_str(value, Deadline::Clear);
            notify_set(e, value, Deadline::Clear);
            Ok(())
        })
    }

    /// `SET` with options; returns whether the value was written (`false` when `NX` or
    /// `XX` prevented it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] for a zero TTL, a time not after the epoch, or a
    /// deadline past `i64::MAX` ms.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// assert!(!store.strings().set_with("k", "v", SetOptions::new().xx())?);
    /// assert!(store.strings().set_with("k", "v", SetOptions::new().nx())?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn set_with(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: SetOptions,
    ) -> Result<bool> {
        let deadline = deadline(self.ks(), options.expiry, "set")?;
        let value = value.as_ref();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let write = options.condition.allows(e.exists());
            if write {
                e.put_str(value, deadline);
                notify_set(e, value, deadline);
            }
            Ok(write)
        })
    }

    /// `SET … GET`: sets `key` as [`set_with`](Self::set_with) does and returns the old
    /// string (`None` if there was none). With `NX` the value is written only when this
    /// returns `None`; with `XX`, only when it returns `Some`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] (and nothing written) if `key` holds a non-string;
    /// [`Error::InvalidExpireTime`] as for [`set_with`](Self::set_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SetOptions, Store};
    /// let store = Store::new();
    /// store.strings().set("k", "old")?;
    /// let old = store.strings().set_get("k", "new", SetOptions::new())?;
    /// assert_eq!(old.unwrap(), "old");
    /// assert_eq!(store.strings().get("k")?.unwrap(), "new");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn set_get(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: SetOptions,
    ) -> Result<Option<Blob>> {
        let deadline = deadline(self.ks(), options.expiry, "set")?;
        let value = value.as_ref();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            // A copy, not a share: the write below may then rewrite the entry in place.
            let old = e.str()?.map(StrRef::to_copy);
            let write = options.condition.allows(old.is_some());
            if write {
                e.put_str(value, deadline);
                notify_set(e, value, deadline);
            }
            Ok(old)
        })
    }

    /// Sets `key` to `value` and returns the old string (`GETSET`; clears the TTL).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("hello", "world")?;
    /// assert_eq!(store.strings().getset("hello", "Linux")?.unwrap(), "world");
    /// assert_eq!(store.strings().get("hello")?.unwrap(), "Linux");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn getset(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        self.set_get(key, value, SetOptions::new())
    }

    /// Sets `key` only if it does not exist; returns whether it did (`SETNX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(store.strings().setnx("k1", "v1")?);
    /// assert!(!store.strings().setnx("k1", "v2")?);
    /// assert_eq!(store.strings().get("k1")?.unwrap(), "v1");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn setnx(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<bool> {
        self.set_with(key, value, SetOptions::new().nx())
    }

    /// Sets `key` to `value` with a time to live (`SETEX`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] if `ttl` is under 1 ms or overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().setex("k", Duration::from_secs(10), "v")?;
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn setex(
        &self,
        key: impl AsRef<[u8]>,
        ttl: Duration,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        self.setex_impl(key.as_ref(), ttl, value.as_ref(), "setex")
    }

    /// Sets `key` to `value` with a time to live in milliseconds (`PSETEX`; the same as
    /// [`setex`](Self::setex) with a `Duration`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] if `ttl` is under 1 ms or overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().psetex("k", Duration::from_millis(1500), "v")?;
    /// assert_eq!(store.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn psetex(
        &self,
        key: impl AsRef<[u8]>,
        ttl: Duration,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        self.setex_impl(key.as_ref(), ttl, value.as_ref(), "psetex")
    }

    fn setex_impl(&self, key: &[u8], ttl: Duration, value: &[u8], cmd: &'static str) -> Result<()> {
        let deadline = deadline(self.ks(), Expiry::In(ttl), cmd)?;
        self.ks().admit()?;
        self.ks().write(self.db, key, |e| {
            e.put_str(value, deadline);
            notify_set(e, value, deadline);
            Ok(())
        })
    }

    /// Sets every pair, atomically, clearing their TTLs (`MSET`). A key given twice takes
    /// its last value.
    ///
    /// **Locking:** holds the write locks of every shard involved while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("k1", "v1"), ("k2", "v2")])?;
    /// assert_eq!(store.strings().get("k2")?.unwrap(), "v2");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn mset<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        self.mset_impl(pairs, false).map(|_| ())
    }

    /// Sets every pair only if none of the keys exists; atomic (`MSETNX`).
    ///
    /// **Locking:** holds the write locks of every shard involved while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(store.strings().msetnx([("a", "1"), ("b", "2")])?);
    /// assert!(!store.strings().msetnx([("b", "3"), ("c", "4")])?);
    /// assert_eq!(store.strings().get("c")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn msetnx<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<bool> {
        self.mset_impl(pairs, true)
    }

    fn mset_impl<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
        nx: bool,
    ) -> Result<bool> {
        let pairs: Vec<(K, V)> = pairs.into_iter().collect();
        let keys: Vec<(usize, &[u8])> = pairs.iter().map(|(k, _)| (self.db, k.as_ref())).collect();
        self.ks().admit()?;
        self.ks().write_many(&keys, |many| {
            if nx && (0..pairs.len()).any(|n| many.entry(n).exists()) {
                return Ok(false);
            }
            for (n, (_, v)) in pairs.iter().enumerate() {
                let mut e = many.entry(n);
                e.put_str(v.as_ref(), Deadline::Clear);
                e.notify(notify::STRING, "set");
            }
            many.propagate(self.db, |r| {
                r.arg("MSET");
                for (k, v) in &pairs {
                    r.arg(k).arg(v);
                }
            });
            Ok(true)
        })
    }

    /// The strings at `keys`, `None` for a missing key or one holding another type
    /// (`MGET`). Atomic: a consistent snapshot of all the keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("k1", "v1"), ("k2", "v2")])?;
    /// let got = store.strings().mget(["k1", "nope", "k2"])?;
    /// assert_eq!(got, vec![Some("v1".into()), None, Some("v2".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn mget<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<Blob>>> {
        let keys: Vec<K> = keys.into_iter().collect();
        let located: Vec<(usize, &[u8])> = keys.iter().map(|k| (self.db, k.as_ref())).collect();
        self.ks().read_many(&located, |many| {
            Ok((0..located.len())
                .map(|n| {
                    many.get(n)
                        .and_then(|v| v.as_str().ok())
                        .map(StrRef::to_blob)
                })
                .collect())
        })
    }

    /// Gets the string at `key` and changes its TTL (`GETEX`). [`Expiry::Keep`] changes
    /// nothing; [`Expiry::Persist`] removes the TTL; an [`Expiry::At`] in the past
    /// deletes the key (after returning its value).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string; [`Error::InvalidExpireTime`] as
    /// for [`set_with`](Self::set_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{Expiry, Store};
    /// let store = Store::new();
    /// store.strings().set("k", "v")?;
    /// let v = store.strings().getex("k", Expiry::In(Duration::from_secs(60)))?;
    /// assert_eq!(v.unwrap(), "v");
    /// assert!(store.keys().ttl("k")?.remaining().is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn getex(&self, key: impl AsRef<[u8]>, expiry: Expiry) -> Result<Option<Blob>> {
        let deadline = deadline(self.ks(), expiry, "getex")?;
        if deadline == Deadline::Keep {
            return self.get(key);
        }
        self.ks().write(self.db, key.as_ref(), |e| {
            let value = e.str()?.map(StrRef::to_blob);
            if value.is_some() {
                let had = e.expires_at();
                e.set_expires_at(match deadline {
                    Deadline::At(at) => Some(at),
                    Deadline::Keep | Deadline::Clear => None,
                });
                let key = e.key();
                match deadline {
                    Deadline::At(_) if !e.exists() => {
                        e.notify(notify::GENERIC, "del");
                        e.propagate(|r| {
                            r.arg("DEL").arg(key);
                        });
                    }
                    Deadline::At(at) => {
                        e.notify(notify::GENERIC, "expire");
                        e.propagate(|r| {
                            r.arg("PEXPIREAT").arg(key).uint(at);
                        });
                    }
                    Deadline::Clear if had.is_some() => {
                        e.notify(notify::GENERIC, "persist");
                        e.propagate(|r| {
                            r.arg("PERSIST").arg(key);
                        });
                    }
                    Deadline::Keep | Deadline::Clear => {}
                }
            } else {
                e.notify(notify::KEY_MISS, "keymiss");
            }
            Ok(value)
        })
    }

    /// Gets the string at `key` and deletes the key (`GETDEL`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] (and nothing deleted) if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "v")?;
    /// assert_eq!(store.strings().getdel("k")?.unwrap(), "v");
    /// assert_eq!(store.strings().get("k")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn getdel(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        self.ks().write(self.db, key.as_ref(), |e| {
            let value = e.str()?.map(StrRef::to_blob);
            if value.is_some() {
                e.remove();
                e.notify(notify::GENERIC, "del");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("DEL").arg(key);
                });
            } else {
                // A read, as Redis looks the key up.
                e.notify(notify::KEY_MISS, "keymiss");
            }
            Ok(value)
        })
    }

    /// The bytes of the string at `key` from `start` to `end`, inclusive; negative
    /// indexes count from the end, and the range is clamped to the string (`GETRANGE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("key", "value")?;
    /// assert_eq!(store.strings().getrange("key", 1, 4)?, "alue");
    /// assert_eq!(store.strings().getrange("key", -3, -1)?, "lue");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "SUBSTR")]
    pub fn getrange(&self, key: impl AsRef<[u8]>, start: i64, end: i64) -> Result<Blob> {
        self.ks().read(self.db, key.as_ref(), |v| {
            let bytes = opt_str(v)?.map_or(&b""[..], StrRef::bytes);
            Ok(match crate::index::range(start, end, bytes.len() as u64) {
                #[allow(clippy::cast_possible_truncation)] // within the string
                Some((s, e)) => Blob::copy_from_slice(&bytes[s as usize..=e as usize]),
                None => Blob::default(),
            })
        })
    }

    /// Overwrites the string at `key` from byte `offset` with `value`, padding with zero
    /// bytes if the string is shorter; returns the new length (`SETRANGE`). An empty
    /// `value` changes nothing (and does not create the key).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string; [`Error::StringTooLong`] if the
    /// result would exceed the maximum string size (checked before allocating).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("n", "123456789")?;
    /// assert_eq!(store.strings().setrange("n", 0, "a")?, 9);
    /// assert_eq!(store.strings().get("n")?.unwrap(), "a23456789");
    /// assert_eq!(store.strings().setrange("pad", 3, "x")?, 4);
    /// assert_eq!(store.strings().get("pad")?.unwrap(), "\0\0\0x");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn setrange(
        &self,
        key: impl AsRef<[u8]>,
        offset: usize,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let value = value.as_ref();
        let max = self.ks.max_string_size();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let len = e.str()?.map_or(0, |s| s.bytes().len());
            if value.is_empty() {
                return Ok(len);
            }
            let end = offset
                .checked_add(value.len())
                .filter(|&end| end <= max)
                .ok_or_else(|| Error::StringTooLong)?;
            let len = e.update_str(|buf| {
                if buf.len() < end {
                    buf.resize(end, 0);
                }
                buf[offset..end].copy_from_slice(value);
                buf.len()
            })?;
            e.notify(notify::STRING, "setrange");
            let key = e.key();
            e.propagate(|r| {
                r.arg("SETRANGE").arg(key).uint(offset as u64).arg(value);
            });
            Ok(len)
        })
    }

    /// The length in bytes of the string at `key`, 0 if missing (`STRLEN`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("name", "安生")?;
    /// assert_eq!(store.strings().strlen("name")?, 6);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn strlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.ks().read(self.db, key.as_ref(), |v| {
            Ok(opt_str(v)?.map_or(0, |s| s.bytes().len()))
        })
    }

    /// Appends `value` to the string at `key` (creating it) and returns the new length
    /// (`APPEND`). The TTL is kept.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string; [`Error::StringTooLong`] if the
    /// result would exceed the maximum string size.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("blog", "https://blog.example")?;
    /// assert_eq!(store.strings().append("blog", "/")?, 21);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn append(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<usize> {
        let value = value.as_ref();
        let max = self.ks.max_string_size();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let len = e.str()?.map_or(0, |s| s.bytes().len());
            if len.checked_add(value.len()).is_none_or(|n| n > max) {
                return Err(Error::StringTooLong);
            }
            let len = e.update_str(|buf| {
                buf.extend_from_slice(value);
                buf.len()
            })?;
            e.notify(notify::STRING, "append");
            let key = e.key();
            e.propagate(|r| {
                r.arg("APPEND").arg(key).arg(value);
            });
            Ok(len)
        })
    }

    /// Adds 1 to the integer at `key` (`INCR`); see [`incrby`](Self::incrby).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.strings().incr("number")?, 1);
    /// assert_eq!(store.strings().incr("number")?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn incr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incrby(key, 1)
    }

    /// Subtracts 1 from the integer at `key` (`DECR`); see [`incrby`](Self::incrby).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("n", "10")?;
    /// assert_eq!(store.strings().decr("n")?, 9);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn decr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incrby(key, -1)
    }

    /// Adds `delta` to the integer at `key` and returns the new value (`INCRBY`).
    ///
    /// A missing key counts as `0`. The key's TTL is kept.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string, [`Error::NotInteger`] if the
    /// string is not a base-10 `i64`, [`Error::Overflow`] if the sum does not fit. The
    /// value is unchanged on error.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.strings().incrby("hits", 5)?, 5);
    /// assert_eq!(store.strings().incrby("hits", -2)?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn incrby(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let current = match e.str()? {
                Some(s) => number::parse_i64(s.bytes()).ok_or_else(|| Error::NotInteger)?,
                None => 0,
            };
            let value = current.checked_add(delta).ok_or_else(|| Error::Overflow)?;
            e.put_str(IntBuf::new(value).as_bytes(), Deadline::Keep);
            e.notify(notify::STRING, "incrby");
            let key = e.key();
            e.propagate(|r| {
                r.arg("INCRBY").arg(key).int(delta);
            });
            Ok(value)
        })
    }

    /// Subtracts `delta` from the integer at `key` (`DECRBY`); see
    /// [`incrby`](Self::incrby).
    ///
    /// # Errors
    ///
    /// As [`incrby`](Self::incrby), and [`Error::DecrementOverflow`] for `i64::MIN`.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("n", "9")?;
    /// assert_eq!(store.strings().decrby("n", 9)?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn decrby(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        let delta = delta
            .checked_neg()
            .ok_or_else(|| Error::DecrementOverflow)?;
        self.incrby(key, delta)
    }

    /// Adds `delta` to the number at `key` and returns the result (`INCRBYFLOAT`).
    ///
    /// The result is stored as Redis writes it (`13.5` plus `1.1` reads back as
    /// `"14.6"`; no exponent, no trailing zeros). A missing key counts as `0`; the TTL is
    /// kept.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string, [`Error::NotFloat`] if the
    /// string is not a number or `delta` is NaN, [`Error::NanOrInfinity`] if the result
    /// would not be finite.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.strings().incrbyfloat("number", 13.5)?, 13.5);
    /// assert_eq!(store.strings().incrbyfloat("number", 1.1)?, 14.6);
    /// assert_eq!(store.strings().get("number")?.unwrap(), "14.6");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn incrbyfloat(&self, key: impl AsRef<[u8]>, delta: f64) -> Result<f64> {
        let text = self.incrbyfloat_text(key.as_ref(), Ld::from_f64(delta))?;
        Ok(text.parse().unwrap_or(f64::NAN))
    }

    /// `INCRBYFLOAT` returning the stored text.
    pub(crate) fn incrbyfloat_text(&self, key: &[u8], delta: Ld) -> Result<String> {
        self.ks().admit()?;
        self.ks().write(self.db, key, |e| {
            let text = number::incr_by_float(e.str()?.map(StrRef::bytes), delta)?;
            e.put_str(text.as_bytes(), Deadline::Keep);
            e.notify(notify::STRING, "incrbyfloat");
            // As Redis propagates it: the result, not the addition (floats round).
            let key = e.key();
            e.propagate(|r| {
                r.arg("SET").arg(key).arg(&text).arg("KEEPTTL");
            });
            Ok(text)
        })
    }

    /// The longest common subsequence of the strings at `a` and `b` (`LCS`); missing
    /// keys count as empty strings.
    ///
    /// # Complexity
    ///
    /// O(len(a) × len(b)) time and memory.
    ///
    /// # Errors
    ///
    /// [`Error::LcsNotString`] if a key holds a non-string; [`Error::LcsTooLong`] if the
    /// table would exceed the maximum string size.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("key1", "ohmytext"), ("key2", "mynewtext")])?;
    /// assert_eq!(store.strings().lcs("key1", "key2")?, "mytext");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lcs(&self, a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> Result<Blob> {
        self.with_pair(a.as_ref(), b.as_ref(), |a, b, max| {
            Ok(Blob::from(lcs::Table::new(a, b, max)?.sequence()))
        })
    }

    /// The length of the longest common subsequence (`LCS … LEN`).
    ///
    /// # Errors
    ///
    /// As [`lcs`](Self::lcs).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("key1", "ohmytext"), ("key2", "mynewtext")])?;
    /// assert_eq!(store.strings().lcs_len("key1", "key2")?, 6);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lcs_len(&self, a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> Result<usize> {
        self.with_pair(a.as_ref(), b.as_ref(), |a, b, max| {
            Ok(lcs::Table::new(a, b, max)?.len())
        })
    }

    /// Where the longest common subsequence occurs (`LCS … IDX [MINMATCHLEN n]
    /// WITHMATCHLEN`): its matching ranges, last first, skipping those shorter than
    /// `min_match_len`, and its total length.
    ///
    /// # Errors
    ///
    /// As [`lcs`](Self::lcs).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("key1", "ohmytext"), ("key2", "mynewtext")])?;
    /// let idx = store.strings().lcs_idx("key1", "key2", 4)?;
    /// assert_eq!(idx.len, 6);
    /// assert_eq!(idx.matches.len(), 1);
    /// assert_eq!((idx.matches[0].a, idx.matches[0].b), ((4, 7), (5, 8)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lcs_idx(
        &self,
        a: impl AsRef<[u8]>,
        b: impl AsRef<[u8]>,
        min_match_len: usize,
    ) -> Result<LcsIdx> {
        self.with_pair(a.as_ref(), b.as_ref(), |a, b, max| {
            Ok(lcs::Table::new(a, b, max)?.matches(min_match_len))
        })
    }

    /// Reads both strings under their shards' read locks and calls `f` on copies taken
    /// out of the locks (the LCS work is quadratic and must not hold them).
    fn with_pair<R>(
        &self,
        a: &[u8],
        b: &[u8],
        f: impl FnOnce(&[u8], &[u8], usize) -> Result<R>,
    ) -> Result<R> {
        let (a, b) = self.ks().read_many(&[(self.db, a), (self.db, b)], |many| {
            let get = |n| -> Result<bytes::Bytes> {
                Ok(opt_str(many.get(n))
                    .map_err(|_| Error::LcsNotString)?
                    .map(StrRef::to_bytes)
                    .unwrap_or_default())
            };
            Ok((get(0)?, get(1)?))
        })?;
        f(&a, &b, self.ks.max_string_size())
    }
}
