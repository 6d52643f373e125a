//! Hash commands (Redis's `t_hash.c`): the [`Hashes`] handle. The hash value lives in
//! `value/hash.rs`.
//!
//! | Redis | here |
//! |---|---|
//! | `HSET` / `HMSET` / `HSETNX` | [`hset`](Hashes::hset) / [`hmset`](Hashes::hmset) / [`hsetnx`](Hashes::hsetnx) |
//! | `HGET` / `HMGET` / `HGETALL` | [`hget`](Hashes::hget) / [`hmget`](Hashes::hmget) / [`hgetall`](Hashes::hgetall) |
//! | `HDEL` / `HLEN` / `HSTRLEN` / `HEXISTS` | [`hdel`](Hashes::hdel) / [`hlen`](Hashes::hlen) / [`hstrlen`](Hashes::hstrlen) / [`hexists`](Hashes::hexists) |
//! | `HKEYS` / `HVALS` | [`hkeys`](Hashes::hkeys) / [`hvals`](Hashes::hvals) |
//! | `HINCRBY` / `HINCRBYFLOAT` | [`hincrby`](Hashes::hincrby) / [`hincrbyfloat`](Hashes::hincrbyfloat) |
//! | `HRANDFIELD` | [`hrandfield`](Hashes::hrandfield), [`hrandfield_count`](Hashes::hrandfield_count), [`hrandfield_withvalues`](Hashes::hrandfield_withvalues) |
//! | `HSCAN` | [`hscan`](Hashes::hscan), [`hscan_iter`](Hashes::hscan_iter) |

use std::iter::FusedIterator;

use crate::keyspace::{Access, EntryMut, Rec, notify};
use crate::number::{self, IntBuf, Ld};
use crate::scan::{Batches, ScanOptions};
use crate::value::dict::Picks;
use crate::value::hash::pair_blobs;
use crate::value::{Elem, HashValue};
use crate::{Args, Blob, Error, Result};

/// Commands on hash values, in one database. From [`Store::hashes`](crate::Store::hashes) or
/// [`Db::hashes`](crate::Db::hashes).
///
/// A handle is a borrowed view of the store: it holds no lock between calls. Every
/// command takes one shard lock for its key.
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let hashes = store.hashes();
/// hashes.hset("user:1", [("name", "Ann"), ("lang", "rust")])?;
/// assert_eq!(hashes.hget("user:1", "name")?.unwrap(), "Ann");
/// assert_eq!(hashes.hlen("user:1")?, 2);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Hashes<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Hashes<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Hashes { ks, db }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    /// Reads the hash at `key` (`None` if absent) under a read lock.
    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&HashValue>) -> R) -> Result<R> {
        self.ks().read_as(self.db, key, f)
    }

    /// Edits the hash at `key`, creating it if absent.
    /// Edits the hash at `key` (creating it), then publishes the keyspace event `event`
    /// names for the outcome, if any.
    fn update<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut HashValue) -> Result<R>,
        event: impl FnOnce(&R) -> Option<&'static str>,
        record: impl FnOnce(&R, &mut Rec<'_>),
    ) -> Result<R> {
        self.ks().admit()?;
        self.ks().write(self.db, key, |e: &mut EntryMut<'_>| {
            let out = e.update::<HashValue, R>(f)?;
            if let Some(event) = event(&out) {
                e.notify(notify::HASH, event);
                e.propagate(|r| record(&out, r));
            }
            Ok(out)
        })
    }

    /// Sets fields to values, creating the hash if needed, and returns how many fields
    /// are new (`HSET`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] if
    /// `pairs` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.hashes().hset("h", [("a", "1"), ("b", "2")])?, 2);
    /// assert_eq!(store.hashes().hset("h", [("a", "10"), ("c", "3")])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hset<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        pairs: impl IntoIterator<Item = (F, V)>,
    ) -> Result<usize> {
        self.set_pairs(key.as_ref(), pairs, "hset")
    }

    fn set_pairs<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: &[u8],
        pairs: impl IntoIterator<Item = (F, V)>,
        command: &'static str,
    ) -> Result<usize> {
        let pairs: Args<(F, V)> = pairs.into_iter().collect();
        if pairs.is_empty() {
            return Err(Error::WrongArity(command));
        }
        self.update(
            key,
            |h| {
                Ok(pairs
                    .iter()
                    .filter(|(f, v)| h.set(f.as_ref(), v.as_ref()))
                    .count())
            },
            |_| Some("hset"),
            |_, r| {
                r.arg("HSET").arg(key);
                for (f, v) in &pairs {
                    r.arg(f).arg(v);
                }
            },
        )
    }

    /// Sets fields to values (`HMSET`, the older spelling of [`hset`](Self::hset)).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hmset("h", [("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.hashes().hget("h", "b")?.unwrap(), "2");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hmset<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        pairs: impl IntoIterator<Item = (F, V)>,
    ) -> Result<()> {
        self.set_pairs(key.as_ref(), pairs, "hmset").map(|_| ())
    }

    /// Sets `field` only if it does not exist; `true` if it was set (`HSETNX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(store.hashes().hsetnx("h", "f", "first")?);
    /// assert!(!store.hashes().hsetnx("h", "f", "second")?);
    /// assert_eq!(store.hashes().hget("h", "f")?.unwrap(), "first");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hsetnx(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (field, value) = (field.as_ref(), value.as_ref());
        self.update(
            key.as_ref(),
            |h| Ok(h.get(field).is_none() && h.set(field, value)),
            |&set| set.then_some("hset"),
            |_, r| {
                r.arg("HSET").arg(key.as_ref()).arg(field).arg(value);
            },
        )
    }

    /// The value of `field`, `None` if the field or the key is missing (`HGET`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("f", "v")])?;
    /// assert_eq!(store.hashes().hget("h", "f")?.unwrap(), "v");
    /// assert_eq!(store.hashes().hget("h", "nope")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        let field = field.as_ref();
        self.read(key.as_ref(), |h| {
            h.and_then(|h| h.get(field)).map(Elem::to_blob)
        })
    }

    /// Calls `f` with the bytes of `field`'s value in the hash at `key` (`None` if
    /// either is missing), without copying them: the zero-copy [`hget`](Self::hget).
    /// `f` runs under the key's read lock: keep it short, and do not use the store from
    /// it (such a call fails with [`Error::InsideRead`](crate::Error::InsideRead); one
    /// that returns no `Result`, such as
    /// [`Store::purge_expired`](crate::Store::purge_expired), panics).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type (`f`
    /// is not called).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("user:1", [("name", "ann"), ("visits", "12")])?;
    /// let visits = store.hashes().hget_with("user:1", "visits", |v| {
    ///     v.and_then(|v| std::str::from_utf8(v).ok()?.parse::<u32>().ok())
    /// })?;
    /// assert_eq!(visits, Some(12));
    /// assert!(!store.hashes().hget_with("user:1", "age", |v| v.is_some())?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hget_with<R>(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        f: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R> {
        let field = field.as_ref();
        self.ks()
            .view_as(self.db, key.as_ref(), |h: Option<&HashValue>| {
                match h.and_then(|h| h.get(field)) {
                    Some(value) => value.with_bytes(|b| f(Some(b))),
                    None => f(None),
                }
            })
    }

    /// The values of `fields`, `None` for each missing one (`HMGET`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2")])?;
    /// let got = store.hashes().hmget("h", ["a", "x", "b"])?;
    /// assert_eq!(got, [Some("1".into()), None, Some("2".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hmget<F: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = F>,
    ) -> Result<Vec<Option<Blob>>> {
        let fields: Args<F> = fields.into_iter().collect();
        if fields.is_empty() {
            return Err(Error::WrongArity("hmget"));
        }
        self.read(key.as_ref(), |h| {
            fields
                .iter()
                .map(|f| h.and_then(|h| h.get(f.as_ref())).map(Elem::to_blob))
                .collect()
        })
    }

    /// Every field and value (`HGETALL`); a small hash in insertion order, as Redis.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Blob;
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2")])?;
    /// let all = store.hashes().hgetall("h")?;
    /// assert_eq!(all, [(Blob::from("a"), Blob::from("1")), (Blob::from("b"), Blob::from("2"))]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hgetall(&self, key: impl AsRef<[u8]>) -> Result<Vec<(Blob, Blob)>> {
        self.read(key.as_ref(), |h| {
            h.map_or_else(Vec::new, |h| h.pairs().map(pair_blobs).collect())
        })
    }

    /// Every field (`HKEYS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.hashes().hkeys("h")?, ["a", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hkeys(&self, key: impl AsRef<[u8]>) -> Result<Vec<Blob>> {
        self.read(key.as_ref(), |h| {
            h.map_or_else(Vec::new, |h| h.pairs().map(|(f, _)| f.to_blob()).collect())
        })
    }

    /// Every value (`HVALS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.hashes().hvals("h")?, ["1", "2"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hvals(&self, key: impl AsRef<[u8]>) -> Result<Vec<Blob>> {
        self.read(key.as_ref(), |h| {
            h.map_or_else(Vec::new, |h| h.pairs().map(|(_, v)| v.to_blob()).collect())
        })
    }

    /// Removes `fields` and returns how many existed (`HDEL`). Removing the last field
    /// deletes the key.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2")])?;
    /// assert_eq!(store.hashes().hdel("h", ["a", "zz"])?, 1);
    /// assert_eq!(store.hashes().hdel("h", ["b"])?, 1);
    /// assert_eq!(store.keys().exists(["h"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hdel<F: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = F>,
    ) -> Result<usize> {
        let fields: Args<F> = fields.into_iter().collect();
        if fields.is_empty() {
            return Err(Error::WrongArity("hdel"));
        }
        self.ks().write(self.db, key.as_ref(), |e| {
            let removed = e
                .update_existing::<HashValue, _>(|h| {
                    Ok(fields.iter().filter(|f| h.remove(f.as_ref())).count())
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                e.notify_then_del(notify::HASH, "hdel");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("HDEL").arg(key).args(fields.iter());
                });
            }
            Ok(removed)
        })
    }

    /// Number of fields, 0 if the key is missing (`HLEN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.hashes().hlen("h")?, 0);
    /// store.hashes().hset("h", [("a", "1")])?;
    /// assert_eq!(store.hashes().hlen("h")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read(key.as_ref(), |h| h.map_or(0, HashValue::len))
    }

    /// Length in bytes of the value of `field`, 0 if missing (`HSTRLEN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("f", "hello")])?;
    /// assert_eq!(store.hashes().hstrlen("h", "f")?, 5);
    /// assert_eq!(store.hashes().hstrlen("h", "g")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hstrlen(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<usize> {
        let field = field.as_ref();
        self.read(key.as_ref(), |h| {
            h.and_then(|h| h.get(field))
                .map_or(0, |v| v.with_bytes(<[u8]>::len))
        })
    }

    /// Whether `field` exists (`HEXISTS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("f", "v")])?;
    /// assert!(store.hashes().hexists("h", "f")?);
    /// assert!(!store.hashes().hexists("h", "g")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hexists(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<bool> {
        let field = field.as_ref();
        self.read(key.as_ref(), |h| h.is_some_and(|h| h.get(field).is_some()))
    }

    /// Adds `delta` to the integer in `field` (a missing field counts as 0) and returns
    /// the result (`HINCRBY`).
    ///
    /// # Errors
    ///
    /// [`Error::HashValueNotInteger`] if the field holds no base-10 `i64`;
    /// [`Error::Overflow`] if the result would not fit.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.hashes().hincrby("h", "visits", 5)?, 5);
    /// assert_eq!(store.hashes().hincrby("h", "visits", -2)?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hincrby(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        delta: i64,
    ) -> Result<i64> {
        let field = field.as_ref();
        self.update(
            key.as_ref(),
            |h| {
                let current = match h.get(field) {
                    Some(v) => v
                        .with_bytes(number::parse_i64)
                        .ok_or_else(|| Error::HashValueNotInteger)?,
                    None => 0,
                };
                let sum = current.checked_add(delta).ok_or_else(|| Error::Overflow)?;
                h.set(field, IntBuf::new(sum).as_bytes());
                Ok(sum)
            },
            |_| Some("hincrby"),
            |_, r| {
                r.arg("HINCRBY").arg(key.as_ref()).arg(field).int(delta);
            },
        )
    }

    /// Adds `delta` to the number in `field` (a missing field counts as 0) and returns
    /// the result (`HINCRBYFLOAT`). The sum is computed and stored exactly as Redis does
    /// (80-bit arithmetic, up to 17 decimals, no trailing zeros), so `10.5 + 0.1` stores
    /// `10.6`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFloat`] if `delta` is NaN; [`Error::NotFinite`] if it is infinite;
    /// [`Error::HashValueNotFloat`] if the field holds no number;
    /// [`Error::NanOrInfinity`] if the result would not be finite.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("price", "10.5")])?;
    /// assert_eq!(store.hashes().hincrbyfloat("h", "price", 0.1)?, 10.6);
    /// assert_eq!(store.hashes().hget("h", "price")?.unwrap(), "10.6");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hincrbyfloat(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        delta: f64,
    ) -> Result<f64> {
        let text = self.hincrbyfloat_text(key.as_ref(), field.as_ref(), Ld::from_f64(delta))?;
        Ok(text.parse().unwrap_or(f64::NAN))
    }

    /// `HINCRBYFLOAT` returning the stored text.
    pub(crate) fn hincrbyfloat_text(&self, key: &[u8], field: &[u8], delta: Ld) -> Result<String> {
        match delta {
            Ld::Nan => return Err(Error::NotFloat),
            Ld::Infinite(_) => return Err(Error::NotFinite),
            Ld::Finite(_) => {}
        }
        self.update(
            key,
            |h| {
                let current = h.get(field).map(|v| v.with_bytes(<[u8]>::to_vec));
                let text =
                    number::incr_by_float(current.as_deref(), delta).map_err(|e| match e {
                        Error::NotFloat => Error::HashValueNotFloat,
                        e => e,
                    })?;
                h.set(field, text.as_bytes());
                Ok(text)
            },
            |_| Some("hincrbyfloat"),
            // As Redis propagates it: the result, not the addition (floats round).
            |text, r| {
                r.arg("HSET").arg(key).arg(field).arg(text);
            },
        )
    }

    /// A random field, `None` if the key is missing (`HRANDFIELD`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.hashes().hrandfield("h")?, None);
    /// store.hashes().hset("h", [("only", "1")])?;
    /// assert_eq!(store.hashes().hrandfield("h")?.unwrap(), "only");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hrandfield(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        Ok(self
            .hrandfield_withvalues_checked(key.as_ref(), Picks::Distinct(1))?
            .pop()
            .map(|(f, _)| f))
    }

    /// Random fields (`HRANDFIELD key count`): with [`Picks::Distinct`], that many
    /// different fields (all of them if the hash is smaller); with [`Picks::Repeated`],
    /// that many fields drawn independently, so they may repeat. Each pick is uniform;
    /// the cost is O(picks), not O(size).
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] for more repeated picks than a reply may hold (see
    /// [`StoreBuilder::max_string_size`](crate::StoreBuilder::max_string_size));
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Picks;
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1"), ("b", "2"), ("c", "3")])?;
    /// assert_eq!(store.hashes().hrandfield_count("h", Picks::Distinct(2))?.len(), 2);
    /// assert_eq!(store.hashes().hrandfield_count("h", Picks::Distinct(10))?.len(), 3);
    /// assert_eq!(store.hashes().hrandfield_count("h", Picks::Repeated(10))?.len(), 10);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hrandfield_count(&self, key: impl AsRef<[u8]>, picks: Picks) -> Result<Vec<Blob>> {
        let picks = picks.bounded(self.ks.max_picks())?;
        self.read(key.as_ref(), |h| {
            let Some(h) = h else {
                return Ok(Vec::new());
            };
            let pairs = h.random_pairs(&mut self.ks().rng(), picks)?;
            Ok(pairs.into_iter().map(|(f, _)| f.to_blob()).collect())
        })?
    }

    /// Random fields with their values (`HRANDFIELD key count WITHVALUES`), picked as
    /// [`hrandfield_count`](Self::hrandfield_count) does.
    ///
    /// # Errors
    ///
    /// As [`hrandfield_count`](Self::hrandfield_count), and [`Error::OutOfRange`] for
    /// more than `i64::MAX / 2` picks of either kind, as Redis.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Picks;
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", [("a", "1")])?;
    /// let pairs = store.hashes().hrandfield_withvalues("h", Picks::Repeated(2))?;
    /// assert_eq!(pairs, [("a".into(), "1".into()), ("a".into(), "1".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hrandfield_withvalues(
        &self,
        key: impl AsRef<[u8]>,
        picks: Picks,
    ) -> Result<Vec<(Blob, Blob)>> {
        let picks = picks.bounded(self.ks.max_picks())?;
        if u64::try_from(picks.count()).map_or(true, |n| n > (i64::MAX / 2).unsigned_abs()) {
            return Err(Error::OutOfRange);
        }
        self.hrandfield_withvalues_checked(key.as_ref(), picks)
    }

    fn hrandfield_withvalues_checked(&self, key: &[u8], picks: Picks) -> Result<Vec<(Blob, Blob)>> {
        self.read(key, |h| {
            let Some(h) = h else {
                return Ok(Vec::new());
            };
            let pairs = h.random_pairs(&mut self.ks().rng(), picks)?;
            Ok(pairs.into_iter().map(pair_blobs).collect())
        })?
    }

    /// One step of an incremental walk over the fields (`HSCAN`): returns the cursor for
    /// the next step (0 when done) and the matching pairs. Start with cursor 0. Every
    /// field present for the whole walk is returned at least once, however the hash
    /// changes meanwhile; a small (compact) hash is returned whole in one step, as
    /// Redis does.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] if `options` has a key type (only `SCAN` takes `TYPE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", (0..1000).map(|i| (format!("f{i}"), "v")))?;
    /// let (mut cursor, mut seen) = (0, 0);
    /// loop {
    ///     let (next, pairs) = store.hashes().hscan("h", cursor, &ScanOptions::new().count(100))?;
    ///     seen += pairs.len();
    ///     cursor = next;
    ///     if cursor == 0 { break; }
    /// }
    /// assert_eq!(seen, 1000);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<(u64, Vec<(Blob, Blob)>)> {
        if options.key_type.is_some() {
            return Err(Error::Syntax);
        }
        self.read(key.as_ref(), |h| {
            let mut out = Vec::new();
            let next = match h {
                None => 0,
                Some(h @ HashValue::Pack(_)) => {
                    let matching = h
                        .pairs()
                        .filter(|(f, _)| f.with_bytes(|f| options.matches(f)));
                    out.extend(matching.map(pair_blobs));
                    0
                }
                Some(HashValue::Dict(d)) => d.scan(cursor, options.count, |f, v| {
                    if options.matches(f) {
                        out.push((f.clone(), v.clone()));
                    }
                }),
            };
            (next, out)
        })
    }

    /// An iterator over the fields and values of `key`, fetched in `HSCAN` steps of
    /// `options.count`: a huge hash is walked without being copied whole, and no lock
    /// is held between steps. A step that fails ([`Error::WrongType`] if the key holds
    /// or comes to hold another type) is yielded as an error, which ends the iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.hashes().hset("h", (0..500).map(|i| (format!("f{i}"), i.to_string())))?;
    /// let mut sum = 0;
    /// for pair in store.hashes().hscan_iter("h", ScanOptions::new().pattern("f1*")) {
    ///     sum += pair?.1.as_str().unwrap().parse::<u64>().unwrap();
    /// }
    /// assert_eq!(sum, 1 + (10..20).sum::<u64>() + (100..200).sum::<u64>());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hscan_iter(&self, key: impl AsRef<[u8]>, options: ScanOptions) -> HScanIter<'s> {
        HScanIter {
            hashes: *self,
            key: key.as_ref().to_vec(),
            options,
            batches: Batches::new(),
        }
    }
}

/// The fields and values of a hash, in `HSCAN` steps. From [`Hashes::hscan_iter`].
///
/// Each pair comes as a `Result`: a step that fails ([`Error::WrongType`] if the key
/// holds or comes to hold another type) is yielded as the error, and then the iterator
/// ends.
#[derive(Debug)]
pub struct HScanIter<'s> {
    hashes: Hashes<'s>,
    key: Vec<u8>,
    options: ScanOptions,
    batches: Batches<(Blob, Blob)>,
}

impl Iterator for HScanIter<'_> {
    type Item = Result<(Blob, Blob)>;

    fn next(&mut self) -> Option<Result<(Blob, Blob)>> {
        let (hashes, key, options) = (self.hashes, &self.key, &self.options);
        self.batches
            .next(|cursor| hashes.hscan(key, cursor, options))
    }
}

impl FusedIterator for HScanIter<'_> {}
