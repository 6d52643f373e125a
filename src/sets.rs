//! Set commands (Redis's `t_set.c`): the [`Sets`] handle. The set value lives in
//! `value/set.rs`.
//!
//! | Redis | here |
//! |---|---|
//! | `SADD` / `SREM` / `SCARD` | [`sadd`](Sets::sadd) / [`srem`](Sets::srem) / [`scard`](Sets::scard) |
//! | `SISMEMBER` / `SMISMEMBER` / `SMEMBERS` | [`sismember`](Sets::sismember) / [`smismember`](Sets::smismember) / [`smembers`](Sets::smembers) |
//! | `SPOP` / `SRANDMEMBER` | [`spop`](Sets::spop), [`spop_count`](Sets::spop_count) / [`srandmember`](Sets::srandmember), [`srandmember_count`](Sets::srandmember_count) |
//! | `SMOVE` | [`smove`](Sets::smove) |
//! | `SDIFF` / `SINTER` / `SUNION` (+`STORE`) | [`sdiff`](Sets::sdiff) / [`sinter`](Sets::sinter) / [`sunion`](Sets::sunion), [`sdiffstore`](Sets::sdiffstore) / [`sinterstore`](Sets::sinterstore) / [`sunionstore`](Sets::sunionstore) |
//! | `SINTERCARD` | [`sintercard`](Sets::sintercard) |
//! | `SSCAN` | [`sscan`](Sets::sscan), [`sscan_iter`](Sets::sscan_iter) |
//!
//! # Multi-key commands
//!
//! `SMOVE`, the set algebra and its `STORE` forms lock every shard involved, in
//! ascending order, for the whole command: atomic to every other thread. Every key is
//! type-checked before anything is computed, so a `WRONGTYPE` anywhere changes nothing.

use std::iter::FusedIterator;

use crate::keyspace::{Access, Deadline, notify};
use crate::scan::{Batches, ScanOptions};
use crate::value::set::Op;
use crate::value::{Elem, SetValue, Value, ValueRef, opt};
use crate::{Args, Blob, Error, Picks, Result};

/// Type-checks every operand before any is used.
fn operands<'a>(
    values: impl Iterator<Item = Option<ValueRef<'a>>>,
) -> Result<Vec<Option<&'a SetValue>>> {
    values.map(opt::<SetValue>).collect()
}

/// The command names of the operations (for errors and keyspace events).
impl Op {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Diff => "sdiff",
            Op::Inter => "sinter",
            Op::Union => "sunion",
        }
    }

    pub(crate) fn store_name(self) -> &'static str {
        match self {
            Op::Diff => "sdiffstore",
            Op::Inter => "sinterstore",
            Op::Union => "sunionstore",
        }
    }
}

/// Commands on set values, in one database. From [`Store::sets`](crate::Store::sets) or
/// [`Db::sets`](crate::Db::sets).
///
/// A handle is a borrowed view of the store: it holds no lock between calls.
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let sets = store.sets();
/// sets.sadd("tags:rust", ["fast", "safe", "fun"])?;
/// sets.sadd("tags:c", ["fast", "old"])?;
/// assert_eq!(sets.sinter(["tags:rust", "tags:c"])?, ["fast"]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Sets<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Sets<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Sets { ks, db }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&SetValue>) -> R) -> Result<R> {
        self.ks().read_as(self.db, key, f)
    }

    fn located<'k, K: AsRef<[u8]>>(&self, keys: &'k [K]) -> Vec<(usize, &'k [u8])> {
        keys.iter().map(|k| (self.db, k.as_ref())).collect()
    }

    /// Adds `members` and returns how many were new (`SADD`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] if
    /// `members` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.sets().sadd("s", ["a", "b", "a"])?, 2);
    /// assert_eq!(store.sets().sadd("s", ["b", "c"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sadd<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<usize> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("sadd"));
        }
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let added = e.update::<SetValue, _>(|s| {
                Ok(members.iter().filter(|m| s.add(m.as_ref())).count())
            })?;
            if added > 0 {
                e.notify(notify::SET, "sadd");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("SADD").arg(key).args(members.iter());
                });
            }
            Ok(added)
        })
    }

    /// Removes `members` and returns how many were there (`SREM`). Removing the last
    /// member deletes the key.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["a", "b"])?;
    /// assert_eq!(store.sets().srem("s", ["a", "x"])?, 1);
    /// assert_eq!(store.sets().srem("s", ["b"])?, 1);
    /// assert_eq!(store.keys().exists(["s"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn srem<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<usize> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("srem"));
        }
        self.ks().write(self.db, key.as_ref(), |e| {
            let removed = e
                .update_existing::<SetValue, _>(|s| {
                    Ok(members.iter().filter(|m| s.remove(m.as_ref())).count())
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                e.notify_then_del(notify::SET, "srem");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("SREM").arg(key).args(members.iter());
                });
            }
            Ok(removed)
        })
    }

    /// Number of members, 0 if the key is missing (`SCARD`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["a", "b"])?;
    /// assert_eq!(store.sets().scard("s")?, 2);
    /// assert_eq!(store.sets().scard("missing")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn scard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read(key.as_ref(), |s| s.map_or(0, SetValue::len))
    }

    /// Whether `member` is in the set (`SISMEMBER`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["a"])?;
    /// assert!(store.sets().sismember("s", "a")?);
    /// assert!(!store.sets().sismember("s", "b")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sismember(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<bool> {
        let member = member.as_ref();
        self.read(key.as_ref(), |s| s.is_some_and(|s| s.contains(member)))
    }

    /// Whether each of `members` is in the set (`SMISMEMBER`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["a", "c"])?;
    /// assert_eq!(store.sets().smismember("s", ["a", "b", "c"])?, [true, false, true]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn smismember<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<Vec<bool>> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("smismember"));
        }
        self.read(key.as_ref(), |s| {
            members
                .iter()
                .map(|m| s.is_some_and(|s| s.contains(m.as_ref())))
                .collect()
        })
    }

    /// Every member (`SMEMBERS`); a set of integers lists them in ascending order, as
    /// Redis.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["3", "1", "2"])?;
    /// assert_eq!(store.sets().smembers("s")?, ["1", "2", "3"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Result<Vec<Blob>> {
        self.read(key.as_ref(), |s| {
            s.map_or_else(Vec::new, |s| s.members().map(Elem::to_blob).collect())
        })
    }

    /// Removes and returns a random member, `None` if the key is missing (`SPOP`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["only"])?;
    /// assert_eq!(store.sets().spop("s")?.unwrap(), "only");
    /// assert_eq!(store.sets().spop("s")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn spop(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        Ok(self.pop(key.as_ref(), 1)?.and_then(|mut v| v.pop()))
    }

    /// Removes and returns up to `count` distinct random members (`SPOP key count`);
    /// all of them, deleting the key, if the set has no more than `count`. Each pick is
    /// uniform; the cost is O(count), not O(size).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["a", "b", "c"])?;
    /// assert_eq!(store.sets().spop_count("s", 2)?.len(), 2);
    /// assert_eq!(store.sets().scard("s")?, 1);
    /// assert_eq!(store.sets().spop_count("s", 5)?.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn spop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Blob>> {
        Ok(self.pop(key.as_ref(), count)?.unwrap_or_default())
    }

    fn pop(&self, key: &[u8], count: usize) -> Result<Option<Vec<Blob>>> {
        let ks = self.ks();
        ks.write(self.db, key, |e| {
            let popped = e.update_existing::<SetValue, _>(|s| {
                if count >= s.len() {
                    let all: Vec<Blob> = s.members().map(Elem::to_blob).collect();
                    *s = SetValue::default();
                    return Ok(all);
                }
                let picked = s.random_members(&mut ks.rng(), Picks::Distinct(count))?;
                for m in &picked {
                    s.remove(m);
                }
                Ok(picked)
            })?;
            if let Some(p) = popped.as_ref().filter(|p| !p.is_empty()) {
                e.notify_then_del(notify::SET, "spop");
                // As Redis propagates it: the members taken, or `DEL` for all of them.
                e.propagate(|r| {
                    if e.exists() {
                        r.arg("SREM").arg(key).args(p.iter());
                    } else {
                        r.arg("DEL").arg(key);
                    }
                });
            }
            Ok(popped)
        })
    }

    /// A random member, `None` if the key is missing (`SRANDMEMBER`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["only"])?;
    /// assert_eq!(store.sets().srandmember("s")?.unwrap(), "only");
    /// assert_eq!(store.sets().scard("s")?, 1, "not removed");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn srandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        Ok(self.random(key.as_ref(), Picks::Distinct(1))?.pop())
    }

    /// Random members (`SRANDMEMBER key count`): with [`Picks::Distinct`], that many
    /// different members (all of them if the set is smaller); with [`Picks::Repeated`],
    /// that many members drawn independently, so they may repeat. Each pick is
    /// uniform; the cost is O(picks), not O(size).
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
    /// store.sets().sadd("s", ["a", "b", "c"])?;
    /// assert_eq!(store.sets().srandmember_count("s", Picks::Distinct(2))?.len(), 2);
    /// assert_eq!(store.sets().srandmember_count("s", Picks::Distinct(9))?.len(), 3);
    /// assert_eq!(store.sets().srandmember_count("s", Picks::Repeated(9))?.len(), 9);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn srandmember_count(&self, key: impl AsRef<[u8]>, picks: Picks) -> Result<Vec<Blob>> {
        self.random(key.as_ref(), picks.bounded(self.ks.max_picks())?)
    }

    fn random(&self, key: &[u8], picks: Picks) -> Result<Vec<Blob>> {
        self.read(key, |s| match s {
            Some(s) => s.random_members(&mut self.ks().rng(), picks),
            None => Ok(Vec::new()),
        })?
    }

    /// Moves `member` from `src` to `dst` atomically; `true` if it was in `src`
    /// (`SMOVE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `src` exists and either key holds another type (a missing
    /// `src` answers `false` whatever `dst` holds, as Redis).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("todo", ["a", "b"])?;
    /// assert!(store.sets().smove("todo", "done", "a")?);
    /// assert!(!store.sets().smove("todo", "done", "zz")?);
    /// assert_eq!(store.sets().smembers("done")?, ["a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn smove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (src, dst, member) = (src.as_ref(), dst.as_ref(), member.as_ref());
        self.ks()
            .write_many(&[(self.db, src), (self.db, dst)], |many| {
                let Some(from) = opt::<SetValue>(many.get(0))? else {
                    return Ok(false);
                };
                opt::<SetValue>(many.get(1))?;
                if src == dst {
                    return Ok(from.contains(member));
                }
                let removed = many
                    .entry(0)
                    .update_existing::<SetValue, _>(|s| Ok(s.remove(member)))?;
                if removed != Some(true) {
                    return Ok(false);
                }
                many.entry(0).notify_then_del(notify::SET, "srem");
                many.propagate(self.db, |r| {
                    r.arg("SMOVE").arg(src).arg(dst).arg(member);
                });
                // A member the destination already holds leaves it untouched: its
                // watchers are not told.
                if opt::<SetValue>(many.get(1))?.is_some_and(|s| s.contains(member)) {
                    return Ok(true);
                }
                let mut to = many.entry(1);
                if to.update::<SetValue, _>(|s| Ok(s.add(member)))? {
                    to.notify(notify::SET, "sadd");
                }
                Ok(true)
            })
    }

    fn compute<K: AsRef<[u8]>>(&self, op: Op, keys: &[K], limit: usize) -> Result<Vec<Blob>> {
        if keys.is_empty() {
            return Err(Error::WrongArity(op.name()));
        }
        self.ks().read_many(&self.located(keys), |many| {
            let sets = operands((0..keys.len()).map(|n| many.get(n)))?;
            let mut out = Vec::new();
            if op == Op::Inter {
                op.each(&sets, limit, |m| out.push(m.to_blob()));
            } else {
                out.extend(op.apply(&sets).members().map(Elem::to_blob));
            }
            Ok(out)
        })
    }

    fn store_result<K: AsRef<[u8]>>(&self, op: Op, dst: &[u8], keys: &[K]) -> Result<usize> {
        if keys.is_empty() {
            return Err(Error::WrongArity(op.store_name()));
        }
        let mut located = vec![(self.db, dst)];
        located.extend(self.located(keys));
        self.ks().admit()?;
        self.ks().write_many(&located, |many| {
            many.note_misses(1..located.len());
            let result = {
                let sets = operands((1..located.len()).map(|n| many.get(n)))?;
                op.apply(&sets)
            };
            let len = result.len();
            let mut entry = many.entry(0);
            if len == 0 {
                entry.remove_as_del();
            } else {
                entry.put(Value::Set(result), Deadline::Clear);
                entry.notify(notify::SET, op.store_name());
                entry.propagate(|r| {
                    r.arg(op.store_name()).arg(dst).args(keys.iter());
                });
            }
            Ok(len)
        })
    }

    /// The members of the first set that are in none of the others (`SDIFF`); missing
    /// keys are empty sets.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if any key holds another type; [`Error::WrongArity`] for no
    /// keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1", "2", "3"])?;
    /// store.sets().sadd("b", ["2"])?;
    /// assert_eq!(store.sets().sdiff(["a", "b", "missing"])?, ["1", "3"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sdiff<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Diff, &keys, usize::MAX)
    }

    /// The members in every set (`SINTER`); a missing key makes the result empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["x", "y"])?;
    /// store.sets().sadd("b", ["y", "z"])?;
    /// assert_eq!(store.sets().sinter(["a", "b"])?, ["y"]);
    /// assert!(store.sets().sinter(["a", "missing"])?.is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sinter<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Inter, &keys, usize::MAX)
    }

    /// The members in any set (`SUNION`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1", "2"])?;
    /// store.sets().sadd("b", ["2", "3"])?;
    /// assert_eq!(store.sets().sunion(["a", "b"])?, ["1", "2", "3"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sunion<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Union, &keys, usize::MAX)
    }

    /// Stores [`sdiff`](Self::sdiff) of `keys` at `dst` and returns its size
    /// (`SDIFFSTORE`). `dst` is overwritten whatever it held (its TTL too), and deleted
    /// if the result is empty. Atomic.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1", "2"])?;
    /// store.sets().sadd("b", ["2"])?;
    /// assert_eq!(store.sets().sdiffstore("out", ["a", "b"])?, 1);
    /// assert_eq!(store.sets().smembers("out")?, ["1"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sdiffstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Diff, dst.as_ref(), &keys)
    }

    /// Stores [`sinter`](Self::sinter) of `keys` at `dst` and returns its size
    /// (`SINTERSTORE`); as [`sdiffstore`](Self::sdiffstore) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1", "2"])?;
    /// store.sets().sadd("b", ["2", "3"])?;
    /// store.strings().set("out", "overwritten")?;
    /// assert_eq!(store.sets().sinterstore("out", ["a", "b"])?, 1);
    /// assert_eq!(store.sets().smembers("out")?, ["2"]);
    /// assert_eq!(store.sets().sinterstore("out", ["a", "missing"])?, 0);
    /// assert_eq!(store.keys().exists(["out"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sinterstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Inter, dst.as_ref(), &keys)
    }

    /// Stores [`sunion`](Self::sunion) of `keys` at `dst` and returns its size
    /// (`SUNIONSTORE`); as [`sdiffstore`](Self::sdiffstore) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1"])?;
    /// store.sets().sadd("b", ["2"])?;
    /// assert_eq!(store.sets().sunionstore("a", ["a", "b"])?, 2);
    /// assert_eq!(store.sets().smembers("a")?, ["1", "2"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sunionstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Union, dst.as_ref(), &keys)
    }

    /// The size of the intersection of `keys` (`SINTERCARD`), counting no further than
    /// `limit` when it is not 0 (`LIMIT`).
    ///
    /// # Errors
    ///
    /// [`Error::NumKeysNotPositive`] for no keys; [`Error::WrongType`] if any key holds
    /// another type.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["1", "2", "3", "4"])?;
    /// store.sets().sadd("b", ["2", "3", "4", "5"])?;
    /// assert_eq!(store.sets().sintercard(["a", "b"], 0)?, 3);
    /// assert_eq!(store.sets().sintercard(["a", "b"], 2)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sintercard<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        limit: usize,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::NumKeysNotPositive);
        }
        let limit = if limit == 0 { usize::MAX } else { limit };
        self.ks().read_many(&self.located(&keys), |many| {
            let sets = operands((0..keys.len()).map(|n| many.get(n)))?;
            let mut n = 0;
            Op::Inter.each(&sets, limit, |_| n += 1);
            Ok(n)
        })
    }

    /// One step of an incremental walk over the members (`SSCAN`): returns the cursor
    /// for the next step (0 when done) and the matching members. Every member present
    /// for the whole walk is returned at least once; a small (compact) set is returned
    /// whole in one step, as Redis does.
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
    /// store.sets().sadd("s", (0..1000).map(|i| format!("m{i}")))?;
    /// let (mut cursor, mut seen) = (0, 0);
    /// loop {
    ///     let (next, members) = store.sets().sscan("s", cursor, &ScanOptions::new().count(100))?;
    ///     seen += members.len();
    ///     cursor = next;
    ///     if cursor == 0 { break; }
    /// }
    /// assert_eq!(seen, 1000);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<(u64, Vec<Blob>)> {
        if options.key_type.is_some() {
            return Err(Error::Syntax);
        }
        self.read(key.as_ref(), |s| {
            let mut out = Vec::new();
            let next = match s {
                None => 0,
                Some(SetValue::Dict(d)) => d.scan(cursor, options.count, |m, ()| {
                    if options.matches(m) {
                        out.push(m.clone());
                    }
                }),
                Some(s) => {
                    let matching = s.members().filter(|m| m.with_bytes(|b| options.matches(b)));
                    out.extend(matching.map(Elem::to_blob));
                    0
                }
            };
            (next, out)
        })
    }

    /// An iterator over the members of `key`, fetched in `SSCAN` steps of
    /// `options.count`; no lock is held between steps. A step that fails
    /// ([`Error::WrongType`] if the key holds or comes to hold another type) is yielded
    /// as an error, which ends the iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, ScanOptions};
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", (0..300).map(|i| i.to_string()))?;
    /// let members = store.sets().sscan_iter("s", ScanOptions::new()).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(members.len(), 300);
    /// store.strings().set("str", "v")?;
    /// let mut wrong = store.sets().sscan_iter("str", ScanOptions::new());
    /// assert_eq!((wrong.next(), wrong.next()), (Some(Err(Error::WrongType)), None));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sscan_iter(&self, key: impl AsRef<[u8]>, options: ScanOptions) -> SScanIter<'s> {
        SScanIter {
            sets: *self,
            key: key.as_ref().to_vec(),
            options,
            batches: Batches::new(),
        }
    }
}

/// The members of a set, in `SSCAN` steps. From [`Sets::sscan_iter`].
///
/// Each member comes as a `Result`: a step that fails ([`Error::WrongType`] if the key
/// holds or comes to hold another type) is yielded as the error, and then the iterator
/// ends.
#[derive(Debug)]
pub struct SScanIter<'s> {
    sets: Sets<'s>,
    key: Vec<u8>,
    options: ScanOptions,
    batches: Batches<Blob>,
}

impl Iterator for SScanIter<'_> {
    type Item = Result<Blob>;

    fn next(&mut self) -> Option<Result<Blob>> {
        let (sets, key, options) = (self.sets, &self.key, &self.options);
        self.batches.next(|cursor| sets.sscan(key, cursor, options))
    }
}

impl FusedIterator for SScanIter<'_> {}
