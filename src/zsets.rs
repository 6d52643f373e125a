//! Sorted-set commands (Redis's `t_zset.c`), blocking pops included: the [`ZSets`]
//! handle and the types its options are made of.
//!
//! | Redis | here |
//! |---|---|
//! | `ZADD` (`NX XX GT LT CH INCR`) / `ZINCRBY` | [`zadd`](ZSets::zadd), [`zadd_with`](ZSets::zadd_with), [`zadd_incr`](ZSets::zadd_incr) / [`zincrby`](ZSets::zincrby) |
//! | `ZREM` / `ZCARD` / `ZSCORE` / `ZMSCORE` | [`zrem`](ZSets::zrem) / [`zcard`](ZSets::zcard) / [`zscore`](ZSets::zscore) / [`zmscore`](ZSets::zmscore) |
//! | `ZRANK` / `ZREVRANK` (`WITHSCORE`) | [`zrank`](ZSets::zrank), [`zrank_withscore`](ZSets::zrank_withscore) / [`zrevrank`](ZSets::zrevrank), [`zrevrank_withscore`](ZSets::zrevrank_withscore) |
//! | `ZCOUNT` / `ZLEXCOUNT` | [`zcount`](ZSets::zcount) / [`zlexcount`](ZSets::zlexcount) |
//! | `ZRANGE` (`BYSCORE BYLEX REV LIMIT WITHSCORES`) / `ZRANGESTORE` | [`zrange`](ZSets::zrange), [`zrange_withscores`](ZSets::zrange_withscores), [`zrange_by`](ZSets::zrange_by), [`zrange_by_withscores`](ZSets::zrange_by_withscores) / [`zrangestore`](ZSets::zrangestore) |
//! | `ZREVRANGE`, `ZRANGEBYSCORE`, `ZREVRANGEBYSCORE`, `ZRANGEBYLEX`, `ZREVRANGEBYLEX` | [`zrevrange`](ZSets::zrevrange), [`zrangebyscore`](ZSets::zrangebyscore), [`zrevrangebyscore`](ZSets::zrevrangebyscore), [`zrangebylex`](ZSets::zrangebylex), [`zrevrangebylex`](ZSets::zrevrangebylex) (and `_withscores` forms) |
//! | `ZREMRANGEBYRANK` / `BYSCORE` / `BYLEX` | [`zremrangebyrank`](ZSets::zremrangebyrank) / [`zremrangebyscore`](ZSets::zremrangebyscore) / [`zremrangebylex`](ZSets::zremrangebylex) |
//! | `ZPOPMIN` / `ZPOPMAX` / `ZMPOP` | [`zpopmin`](ZSets::zpopmin) / [`zpopmax`](ZSets::zpopmax) / [`zmpop`](ZSets::zmpop) |
//! | `BZPOPMIN` / `BZPOPMAX` / `BZMPOP` | [`bzpopmin`](ZSets::bzpopmin) / [`bzpopmax`](ZSets::bzpopmax) / [`bzmpop`](ZSets::bzmpop) |
//! | `ZRANDMEMBER` | [`zrandmember`](ZSets::zrandmember), [`zrandmember_count`](ZSets::zrandmember_count), [`zrandmember_withscores`](ZSets::zrandmember_withscores) |
//! | `ZUNION` / `ZINTER` / `ZDIFF` (+`STORE`) | [`zunion`](ZSets::zunion) / [`zinter`](ZSets::zinter) / [`zdiff`](ZSets::zdiff) and their `_withscores`, `_with` and `store` forms |
//! | `ZINTERCARD` | [`zintercard`](ZSets::zintercard) |
//! | `ZSCAN` | [`zscan`](ZSets::zscan), [`zscan_iter`](ZSets::zscan_iter) |
//!
//! The methods live by concern: the ranges and their bounds in `zsets/range.rs`, the
//! `ZADD` options in `zsets/options.rs`, the algebra in `zsets/algebra.rs`, `ZMPOP` and
//! the blocking pops in `zsets/blocking.rs`, the rest here.
//!
//! # Design
//!
//! A sorted set is a map from member to score plus the members in `(score, member)`
//! order; `value/zset.rs` keeps both, small sets in one sorted vector and large ones in
//! a ranked skiplist (`value/zset/skiplist.rs`, whose essay explains its layout).
//!
//! Every range command is answered in ranks. A [`ScoreBound`] or [`LexBound`] becomes
//! the number of elements before it — one O(log n) descent of the skiplist — so a range
//! by score is a range of ranks, `ZCOUNT` is a subtraction, `LIMIT offset count` and
//! `REV` are arithmetic, and the elements are then visited or removed by rank in
//! O(log n + m). This is why one code path serves `ZRANGE`, its five older spellings,
//! `ZRANGESTORE` and the three `ZREMRANGEBY*`.
//!
//! Scores are `f64`. NaN is never stored ([`Error::ScoreNaN`]); ±infinity is. Equal
//! scores order by member bytes, as in Redis.
//!
//! # Multi-key and blocking commands
//!
//! `ZRANGESTORE`, the algebra and its `STORE` forms lock every shard involved, in
//! ascending order, for the whole command, and type-check every key first (sets count as
//! sorted sets with score 1, as in Redis). `BZPOPMIN` & co. wait exactly as the lists'
//! blocking pops do (see [`Lists`](crate::Lists)): first come, first served, an element
//! handed to exactly one waiter, and cancellable with a [`CancelToken`].

mod algebra;
mod blocking;
mod options;
mod range;

use std::iter::FusedIterator;

use rand::Rng;

use crate::keyspace::blocking::CancelToken;
use crate::keyspace::{Access, Deadline, notify};
use crate::number;
use crate::scan::{Batches, ScanOptions};
use crate::value::dict::Picks;
use crate::value::{SortedSet, Value};
use crate::{Args, Blob, Error, Result};

pub use algebra::{Aggregate, CombineOptions};
pub use blocking::ScoreEnd;
pub use options::{ZAddCondition, ZAddOptions};
pub use range::{LexBound, ScoreBound, ZRange};

/// Commands on sorted-set values, in one database. From [`Store::zsets`](crate::Store::zsets) or
/// [`Db::zsets`](crate::Db::zsets).
///
/// A handle is a borrowed view of the store: it holds no lock between calls (and none
/// while a blocking call waits).
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let board = store.zsets();
/// board.zadd("scores", [("ann", 31.0), ("bob", 12.0), ("cy", 25.0)])?;
/// board.zincrby("scores", 10.0, "bob")?;
/// assert_eq!(board.zrevrange_withscores("scores", 0, 1)?, [("ann".into(), 31.0), ("cy".into(), 25.0)]);
/// assert_eq!(board.zrevrank("scores", "bob")?, Some(2));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ZSets<'s> {
    ks: Access<'s>,
    db: usize,
    cancel: Option<&'s CancelToken>,
}

/// Pops up to `count` elements from `end` of the sorted set at `key`; `None` if the key
/// is missing.
fn pop_n(
    ks: Access<'_>,
    db: usize,
    key: &[u8],
    end: ScoreEnd,
    count: usize,
) -> Result<Option<Vec<(Blob, f64)>>> {
    ks.write(db, key, |e| {
        let popped = e.update_existing::<SortedSet, _>(|z| {
            let len = z.len();
            let n = count.min(len);
            let mut out = Vec::with_capacity(n);
            match end {
                ScoreEnd::Min => z.remove_ranks(0..n, |m, s| out.push((m, s))),
                ScoreEnd::Max => {
                    z.remove_ranks(len - n..len, |m, s| out.push((m, s)));
                    out.reverse();
                }
            }
            Ok(out)
        })?;
        if popped.as_ref().is_some_and(|p| !p.is_empty()) {
            let event = match end {
                ScoreEnd::Min => "zpopmin",
                ScoreEnd::Max => "zpopmax",
            };
            e.notify_then_del(notify::ZSET, event);
            // Blocking pops too: as the plain pop they made.
            let n = popped.as_ref().map_or(0, Vec::len);
            e.propagate(|r| {
                r.arg(event).arg(key).uint(n as u64);
            });
        }
        Ok(popped)
    })
}

/// The members of a reply with scores.
fn members_of(scored: Vec<(Blob, f64)>) -> Vec<Blob> {
    scored.into_iter().map(|(m, _)| m).collect()
}

impl<'s> ZSets<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        ZSets {
            ks,
            db,
            cancel: None,
        }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&SortedSet>) -> R) -> Result<R> {
        self.ks().read_as(self.db, key, f)
    }

    /// The same handle, with blocking calls that `token` can cancel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (store, token) = (embedis::Store::new(), embedis::CancelToken::new());
    /// token.cancel();
    /// let zsets = store.zsets().cancel_with(&token);
    /// assert_eq!(zsets.bzpopmin(["z"], None), Err(embedis::Error::Unblocked));
    /// ```
    #[must_use]
    pub fn cancel_with(self, token: &'s CancelToken) -> ZSets<'s> {
        ZSets {
            cancel: Some(token),
            ..self
        }
    }

    /// Adds `members` with their scores, or updates the scores of those present, and
    /// returns how many were added (`ZADD`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] for a NaN
    /// score; [`Error::WrongArity`] for no members. On error nothing changes.
    ///
    /// # Complexity
    ///
    /// O(log n) per member.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?, 2);
    /// assert_eq!(store.zsets().zadd("z", [("a", 5.0), ("c", 3.0)])?, 1);
    /// assert_eq!(store.zsets().zrange("z", 0, -1)?, ["b", "c", "a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (M, f64)>,
    ) -> Result<usize> {
        self.zadd_with(key, members, ZAddOptions::new())
    }

    /// [`zadd`](Self::zadd) with `NX`/`XX`/`GT`/`LT` and `CH` (`ZADD … options`).
    ///
    /// # Errors
    ///
    /// As [`zadd`](Self::zadd).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let nx = ZAddOptions::new().condition(ZAddCondition::IfAbsent);
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 9.0), ("b", 2.0)], nx)?, 1);
    /// assert_eq!(store.zsets().zscore("z", "a")?, Some(1.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd_with<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (M, f64)>,
        options: ZAddOptions,
    ) -> Result<usize> {
        let members: Args<(M, f64)> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zadd"));
        }
        if members.iter().any(|(_, s)| s.is_nan()) {
            return Err(Error::ScoreNaN);
        }
        self.ks().admit()?;
        self.add(key.as_ref(), &members, options)
    }

    /// `ZADD` of `members` (checked already), with its event and record.
    fn add<M: AsRef<[u8]>>(
        &self,
        key: &[u8],
        members: &[(M, f64)],
        options: ZAddOptions,
    ) -> Result<usize> {
        self.ks().write(self.db, key, |e| {
            if options.condition.only_updates() && e.get::<SortedSet>()?.is_none() {
                return Ok(0);
            }
            let recording = e.recording();
            let mut written: Vec<(&[u8], f64)> = Vec::new();
            let (counted, changed) = e.update::<SortedSet, _>(|z| {
                let (mut counted, mut changed) = (0, false);
                for (m, score) in members {
                    let (old, new) = z.upsert(m.as_ref(), |old| {
                        // An equal score (0 and -0 included) is left as it is.
                        let write = options.condition.permits(old, *score) && old != Some(*score);
                        Ok::<_, Error>(write.then_some(*score))
                    })?;
                    let (added, updated) =
                        (old.is_none() && new.is_some(), old.is_some() && new != old);
                    counted += usize::from(added || (options.ch && updated));
                    changed |= added || updated;
                    if recording && (added || updated) {
                        written.push((m.as_ref(), *score));
                    }
                }
                Ok((counted, changed))
            })?;
            if changed {
                e.notify(notify::ZSET, "zadd");
                // The members it wrote, with their new scores: the effect, whatever the
                // conditions that chose them.
                let key = e.key();
                e.propagate(|r| {
                    r.arg("ZADD").arg(key);
                    for (m, score) in &written {
                        r.arg(number::format_double(*score)).arg(m);
                    }
                });
            }
            Ok(counted)
        })
    }

    /// Adds `delta` to the score of `member` (absent: 0) under `options`'s condition
    /// and returns the new score, or `None` if the condition left it unchanged (`ZADD …
    /// INCR`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] if `delta`
    /// or the sum is NaN (nothing changes).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 5.0)])?;
    /// let gt = ZAddOptions::new().condition(ZAddCondition::IfGreater);
    /// assert_eq!(store.zsets().zadd_incr("z", "a", 2.0, gt)?, Some(7.0));
    /// assert_eq!(store.zsets().zadd_incr("z", "a", -1.0, gt)?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd_incr(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
        delta: f64,
        options: ZAddOptions,
    ) -> Result<Option<f64>> {
        if delta.is_nan() {
            return Err(Error::ScoreNaN);
        }
        let member = member.as_ref();
        let condition = options.condition;
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            e.update::<SortedSet, _>(|z| {
                let mut result = None;
                z.upsert(member, |old| {
                    if old.is_some() && condition == ZAddCondition::IfAbsent {
                        return Ok(None);
                    }
                    let sum = old.map_or(delta, |old| old + delta);
                    if sum.is_nan() {
                        return Err(Error::ScoreNaN);
                    }
                    if !condition.permits(old, sum) {
                        return Ok(None);
                    }
                    result = Some(sum);
                    Ok((old != Some(sum)).then_some(sum))
                })?;
                Ok(result)
            })
            .inspect(|result| {
                if let Some(sum) = result {
                    e.notify(notify::ZSET, "zincr");
                    let key = e.key();
                    e.propagate(|r| {
                        r.arg("ZADD")
                            .arg(key)
                            .arg(number::format_double(*sum))
                            .arg(member);
                    });
                }
            })
        })
    }

    /// Adds `delta` to the score of `member` (absent: 0) and returns the new score
    /// (`ZINCRBY`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] if the sum
    /// is NaN (`+inf` plus `-inf`), in which case nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().zincrby("z", 2.5, "a")?, 2.5);
    /// assert_eq!(store.zsets().zincrby("z", -1.0, "a")?, 1.5);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zincrby(
        &self,
        key: impl AsRef<[u8]>,
        delta: f64,
        member: impl AsRef<[u8]>,
    ) -> Result<f64> {
        let new = self.zadd_incr(key, member, delta, ZAddOptions::new())?;
        Ok(new.unwrap_or(delta))
    }
}

/// Reading and removing.
impl ZSets<'_> {
    /// Removes `members` and returns how many were there (`ZREM`). Removing the last
    /// member deletes the key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] for no
    /// members.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrem("z", ["a", "x"])?, 1);
    /// assert_eq!(store.zsets().zrem("z", ["b"])?, 1);
    /// assert_eq!(store.keys().exists(["z"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrem<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<usize> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zrem"));
        }
        self.ks().write(self.db, key.as_ref(), |e| {
            let removed = e
                .update_existing::<SortedSet, _>(|z| {
                    let n = members
                        .iter()
                        .filter(|m| z.remove(m.as_ref()).is_some())
                        .count();
                    z.shrink();
                    Ok(n)
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                e.notify_then_del(notify::ZSET, "zrem");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("ZREM").arg(key).args(members.iter());
                });
            }
            Ok(removed)
        })
    }

    /// Number of members, 0 if the key is missing (`ZCARD`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zcard("z")?, 2);
    /// assert_eq!(store.zsets().zcard("missing")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zcard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read(key.as_ref(), |z| z.map_or(0, SortedSet::len))
    }

    /// The score of `member` (`ZSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.5)])?;
    /// assert_eq!(store.zsets().zscore("z", "a")?, Some(1.5));
    /// assert_eq!(store.zsets().zscore("z", "b")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<f64>> {
        let member = member.as_ref();
        self.read(key.as_ref(), |z| z.and_then(|z| z.score(member)))
    }

    /// The score of each of `members` (`ZMSCORE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] for no
    /// members.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zmscore("z", ["a", "b", "c"])?, [Some(1.0), None, Some(3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zmscore<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<Vec<Option<f64>>> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zmscore"));
        }
        self.read(key.as_ref(), |z| {
            members
                .iter()
                .map(|m| z.and_then(|z| z.score(m.as_ref())))
                .collect()
        })
    }

    fn rank_of(&self, key: &[u8], member: &[u8], rev: bool) -> Result<Option<(usize, f64)>> {
        self.read(key, |z| {
            let z = z?;
            let (rank, score) = z.rank(member)?;
            Some((if rev { z.len() - 1 - rank } else { rank }, score))
        })
    }

    /// The 0-based rank of `member`, lowest score first (`ZRANK`).
    ///
    /// # Complexity
    ///
    /// O(log n).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrank("z", "b")?, Some(1));
    /// assert_eq!(store.zsets().zrank("z", "x")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrank(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<usize>> {
        Ok(self
            .rank_of(key.as_ref(), member.as_ref(), false)?
            .map(|r| r.0))
    }

    /// [`zrank`](Self::zrank) with the member's score (`ZRANK … WITHSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrank_withscore("z", "b")?, Some((1, 2.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrank_withscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<(usize, f64)>> {
        self.rank_of(key.as_ref(), member.as_ref(), false)
    }

    /// The 0-based rank of `member`, highest score first (`ZREVRANK`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrevrank("z", "b")?, Some(0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrank(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        Ok(self
            .rank_of(key.as_ref(), member.as_ref(), true)?
            .map(|r| r.0))
    }

    /// [`zrevrank`](Self::zrevrank) with the member's score (`ZREVRANK … WITHSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrevrank_withscore("z", "a")?, Some((1, 1.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrank_withscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<(usize, f64)>> {
        self.rank_of(key.as_ref(), member.as_ref(), true)
    }
}

/// Stores `members` (sorted, distinct) at the entry, or deletes it if there are none;
/// returns how many.
pub(crate) fn store_sorted(
    entry: &mut crate::keyspace::EntryMut<'_>,
    members: Vec<(Blob, f64)>,
    event: &'static str,
) -> usize {
    let n = members.len();
    let key = entry.key();
    if n == 0 {
        entry.remove_as_del();
    } else {
        // The effect: the destination replaced by the members stored.
        entry.propagate(|r| {
            r.arg("DEL").arg(key);
        });
        entry.propagate(|r| {
            r.arg("ZADD").arg(key);
            for (m, score) in &members {
                r.arg(number::format_double(*score)).arg(m);
            }
        });
        entry.put(
            Value::ZSet(SortedSet::from_sorted(members)),
            Deadline::Clear,
        );
        entry.notify(notify::ZSET, event);
    }
    n
}

/// Popping and random members.
impl ZSets<'_> {
    /// Removes and returns up to `count` members with the lowest scores, lowest first
    /// (`ZPOPMIN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zpopmin("z", 2)?, [("a".into(), 1.0), ("b".into(), 2.0)]);
    /// assert_eq!(store.zsets().zcard("z")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zpopmin(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Blob, f64)>> {
        Ok(pop_n(self.ks(), self.db, key.as_ref(), ScoreEnd::Min, count)?.unwrap_or_default())
    }

    /// Removes and returns up to `count` members with the highest scores, highest
    /// first (`ZPOPMAX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zpopmax("z", 1)?, [("c".into(), 3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zpopmax(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Blob, f64)>> {
        Ok(pop_n(self.ks(), self.db, key.as_ref(), ScoreEnd::Max, count)?.unwrap_or_default())
    }

    /// A random member (`ZRANDMEMBER`); `None` if the key is missing.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// assert_eq!(store.zsets().zrandmember("z")?.unwrap(), "a");
    /// assert_eq!(store.zsets().zrandmember("missing")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        Ok(self
            .random(key.as_ref(), Picks::Distinct(1))?
            .pop()
            .map(|e| e.0))
    }

    /// Random members (`ZRANDMEMBER key count`): with [`Picks::Distinct`], that many
    /// different members (all of them, highest first, if the set is smaller); with
    /// [`Picks::Repeated`], that many members drawn independently, so they may repeat.
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
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrandmember_count("z", Picks::Distinct(5))?, ["b", "a"]);
    /// assert_eq!(store.zsets().zrandmember_count("z", Picks::Repeated(5))?.len(), 5);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember_count(&self, key: impl AsRef<[u8]>, picks: Picks) -> Result<Vec<Blob>> {
        let picks = picks.bounded(self.ks.max_picks())?;
        Ok(members_of(self.random(key.as_ref(), picks)?))
    }

    /// [`zrandmember_count`](Self::zrandmember_count) with scores (`ZRANDMEMBER key
    /// count WITHSCORES`).
    ///
    /// # Errors
    ///
    /// As [`zrandmember_count`](Self::zrandmember_count), and [`Error::OutOfRange`] for
    /// more than `i64::MAX / 2` repeated picks (Redis's limit for this form).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Picks;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let got = store.zsets().zrandmember_withscores("z", Picks::Repeated(2))?;
    /// assert_eq!(got, [("a".into(), 1.0), ("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember_withscores(
        &self,
        key: impl AsRef<[u8]>,
        picks: Picks,
    ) -> Result<Vec<(Blob, f64)>> {
        let half = (i64::MAX / 2).unsigned_abs();
        if matches!(picks, Picks::Repeated(n) if u64::try_from(n).map_or(true, |n| n > half)) {
            return Err(Error::OutOfRange);
        }
        self.random(key.as_ref(), picks.bounded(self.ks.max_picks())?)
    }

    fn random(&self, key: &[u8], picks: Picks) -> Result<Vec<(Blob, f64)>> {
        let mut rng = self.ks().rng();
        self.read(key, |z| {
            let Some(z) = z else {
                return Ok(Vec::new());
            };
            let len = z.len();
            let ranks = match picks {
                // The whole set, highest first, as Redis replies for a count past the
                // size.
                Picks::Distinct(k) if k >= len => (0..len).rev().collect(),
                // Few distinct picks from many: draw ranks, rejecting repeats.
                Picks::Distinct(k) if k.saturating_mul(3) < len => {
                    let mut seen = hashbrown::HashSet::with_capacity(k);
                    while seen.len() < k {
                        seen.insert(rng.gen_range(0..len));
                    }
                    seen.into_iter().collect()
                }
                _ => picks.positions(&mut rng, len)?,
            };
            Ok(ranks
                .into_iter()
                .map(|r| {
                    let (m, s) = z.at(r);
                    (Blob::copy_from_slice(m), s)
                })
                .collect())
        })?
    }
}

/// `ZSCAN`.
impl<'s> ZSets<'s> {
    /// One `ZSCAN` step: members (with scores) from `cursor` (0 to start), and the
    /// next cursor (0 when done). A member present for the whole scan is returned at
    /// least once; a small sorted set is returned in one step.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::Syntax`] for a
    /// `TYPE` option (keys only).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// let (cursor, got) = store.zsets().zscan("z", 0, &ScanOptions::new().pattern("a*"))?;
    /// assert_eq!((cursor, got), (0, vec![("a".into(), 1.0)]));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<(u64, Vec<(Blob, f64)>)> {
        if options.key_type.is_some() {
            return Err(Error::Syntax);
        }
        self.read(key.as_ref(), |z| {
            let mut out = Vec::new();
            let next = z.map_or(0, |z| {
                z.scan(cursor, options.count, |m, s| {
                    if options.matches(m) {
                        out.push((Blob::copy_from_slice(m), s));
                    }
                })
            });
            (next, out)
        })
    }

    /// Every member with its score, in `ZSCAN` steps (fetched as the iterator goes). A
    /// step that fails ([`Error::WrongType`] if the key holds or comes to hold another
    /// type) is yielded as an error, which ends the iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// let members: Vec<(String, f64)> = (0..500).map(|i| (format!("m{i}"), f64::from(i))).collect();
    /// store.zsets().zadd("z", members)?;
    /// let all = store.zsets().zscan_iter("z", ScanOptions::new().count(50)).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(all.iter().map(|(_, s)| s).sum::<f64>(), (0..500).map(f64::from).sum::<f64>());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscan_iter(&self, key: impl AsRef<[u8]>, options: ScanOptions) -> ZScanIter<'s> {
        ZScanIter {
            zsets: *self,
            key: key.as_ref().to_vec(),
            options,
            batches: Batches::new(),
        }
    }
}

/// The members of a sorted set with their scores, in `ZSCAN` steps. From
/// [`ZSets::zscan_iter`].
///
/// Each member comes as a `Result`: a step that fails ([`Error::WrongType`] if the key
/// holds or comes to hold another type) is yielded as the error, and then the iterator
/// ends.
#[derive(Debug)]
pub struct ZScanIter<'s> {
    zsets: ZSets<'s>,
    key: Vec<u8>,
    options: ScanOptions,
    batches: Batches<(Blob, f64)>,
}

impl Iterator for ZScanIter<'_> {
    type Item = Result<(Blob, f64)>;

    fn next(&mut self) -> Option<Result<(Blob, f64)>> {
        let (zsets, key, options) = (self.zsets, &self.key, &self.options);
        self.batches
            .next(|cursor| zsets.zscan(key, cursor, options))
    }
}

impl FusedIterator for ZScanIter<'_> {}
