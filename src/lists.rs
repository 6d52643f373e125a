//! List commands (Redis's `t_list.c`), blocking pops included: the [`Lists`] handle.
//! The list value lives in `value/list.rs`.
//!
//! | Redis | here |
//! |---|---|
//! | `LPUSH` / `RPUSH` / `LPUSHX` / `RPUSHX` | [`lpush`](Lists::lpush) / [`rpush`](Lists::rpush) / [`lpushx`](Lists::lpushx) / [`rpushx`](Lists::rpushx) |
//! | `LPOP` / `RPOP` (+count) | [`lpop`](Lists::lpop), [`lpop_count`](Lists::lpop_count) / [`rpop`](Lists::rpop), [`rpop_count`](Lists::rpop_count) |
//! | `LLEN` / `LINDEX` / `LSET` / `LINSERT` | [`llen`](Lists::llen) / [`lindex`](Lists::lindex) / [`lset`](Lists::lset) / [`linsert`](Lists::linsert) |
//! | `LRANGE` / `LTRIM` / `LREM` / `LPOS` | [`lrange`](Lists::lrange), [`lrange_iter`](Lists::lrange_iter) / [`ltrim`](Lists::ltrim) / [`lrem`](Lists::lrem) / [`lpos`](Lists::lpos), [`lpos_count`](Lists::lpos_count) |
//! | `LMOVE` / `RPOPLPUSH` / `LMPOP` | [`lmove`](Lists::lmove) / [`rpoplpush`](Lists::rpoplpush) / [`lmpop`](Lists::lmpop) |
//! | `BLPOP` / `BRPOP` / `BLMOVE` / `BRPOPLPUSH` / `BLMPOP` | [`blpop`](Lists::blpop) / [`brpop`](Lists::brpop) / [`blmove`](Lists::blmove) / [`brpoplpush`](Lists::brpoplpush) / [`blmpop`](Lists::blmpop) |
//!
//! # Blocking
//!
//! Threads of one process behave as Redis's clients: a blocking call checks its keys in
//! order and pops from the first non-empty one; otherwise it waits — holding no lock,
//! using no CPU — and waiters on a key are served first-come first-served, each pushed
//! element going to exactly one of them. A push inside a multi-key command (`LMOVE`, a
//! transaction) serves waiters once the whole command is applied. Timeouts are real time
//! (`None` waits forever; unlike Redis's `0`, `Some(Duration::ZERO)` does not wait), and
//! a [`CancelToken`] given with [`cancel_with`](Lists::cancel_with) ends a wait from
//! another thread.
//!
//! One difference from a single-threaded server remains: between a push and the serving
//! of the waiters (microseconds), a *concurrent* non-blocking pop may take the element.
//! It is still delivered exactly once.

use std::iter::FusedIterator;

use std::time::Duration;

use crate::index::{list_index, list_range};
use crate::keyspace::blocking::{Blocked, CancelToken, Served};
use crate::keyspace::{Access, notify};
use crate::scan::Batches;
use crate::value::{Elem, KeyType, opt};
use crate::{Args, Blob, Error, Result};

pub(crate) use crate::value::ListValue;
pub use crate::value::list::Side;

impl Side {
    /// Redis's name of this end (`LMOVE`'s arguments).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Left => "LEFT",
            Side::Right => "RIGHT",
        }
    }

    /// The keyspace event of a pop from this end.
    pub(crate) fn pop_event(self) -> &'static str {
        match self {
            Side::Left => "lpop",
            Side::Right => "rpop",
        }
    }

    /// The keyspace event of a push to this end.
    pub(crate) fn push_event(self) -> &'static str {
        match self {
            Side::Left => "lpush",
            Side::Right => "rpush",
        }
    }
}

/// Where `LINSERT` puts the element: `BEFORE` or `AFTER` the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    /// Before the pivot (`BEFORE`).
    Before,
    /// After the pivot (`AFTER`).
    After,
}

/// What [`linsert`](Lists::linsert) did (`LINSERT`'s reply).
///
/// # Examples
///
/// ```
/// use embedis::{Insertion, Position};
/// let store = embedis::Store::new();
/// store.lists().rpush("l", ["a"])?;
/// assert_eq!(store.lists().linsert("l", Position::After, "a", "b")?, Insertion::Len(2));
/// assert_eq!(store.lists().linsert("l", Position::After, "zz", "c")?, Insertion::NoPivot);
/// assert_eq!(store.lists().linsert("nope", Position::After, "a", "c")?, Insertion::Missing);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Insertion {
    /// The element was inserted; the list's new length.
    Len(usize),
    /// No element equals the pivot, so nothing was inserted (Redis's -1).
    NoPivot,
    /// The key does not exist, so nothing was inserted (Redis's 0).
    Missing,
}

impl Insertion {
    /// The list's new length, if the element was inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Insertion;
    /// assert_eq!(Insertion::Len(3).new_len(), Some(3));
    /// assert_eq!(Insertion::NoPivot.new_len(), None);
    /// ```
    pub fn new_len(self) -> Option<usize> {
        match self {
            Insertion::Len(n) => Some(n),
            Insertion::NoPivot | Insertion::Missing => None,
        }
    }
}

/// Which elements equal to the one given [`lrem`](Lists::lrem) removes.
///
/// Redis says this with the sign of `count`: `LREM key 2 x` is `First(2)`,
/// `LREM key -2 x` is `Last(2)`, `LREM key 0 x` is `All`.
///
/// # Examples
///
/// ```
/// use embedis::Matches;
/// let store = embedis::Store::new();
/// store.lists().rpush("l", ["x", "a", "x", "b", "x"])?;
/// assert_eq!(store.lists().lrem("l", Matches::Last(1), "x")?, 1);
/// assert_eq!(store.lists().lrange("l", 0, -1)?, ["x", "a", "x", "b"]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Matches {
    /// Every match.
    All,
    /// Up to this many matches, the first ones from the head.
    First(usize),
    /// Up to this many matches, the last ones from the tail.
    Last(usize),
}

/// Options of `LPOS`: which match to start from (`RANK`), searching from which end,
/// and how many elements to compare at most (`MAXLEN`).
///
/// Redis's `RANK r` is [`skip(r - 1)`](Self::skip) and `RANK -r` is
/// [`from_tail()`](Self::from_tail)`.skip(r - 1)`.
///
/// # Examples
///
/// ```
/// let opts = embedis::LposOptions::new().from_tail().maxlen(1000);
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LposOptions {
    from_tail: bool,
    skip: usize,
    maxlen: usize,
}

impl Default for LposOptions {
    fn default() -> Self {
        LposOptions::new()
    }
}

impl LposOptions {
    /// From the first match at the head, comparing every element.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "a"])?;
    /// assert_eq!(store.lists().lpos("l", "a", embedis::LposOptions::new())?, Some(0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        LposOptions {
            from_tail: false,
            skip: 0,
            maxlen: 0,
        }
    }

    /// Search from the tail: matches are counted, compared and returned from the last
    /// element backwards (a negative `RANK`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LposOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "a", "a"])?;
    /// assert_eq!(store.lists().lpos("l", "a", LposOptions::new().from_tail())?, Some(3));
    /// assert_eq!(store.lists().lpos_count("l", "a", 2, LposOptions::new().from_tail())?, [3, 2]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "RANK")]
    pub fn from_tail(mut self) -> Self {
        self.from_tail = true;
        self
    }

    /// Pass over the first `n` matches (from the end searched from) and start at the
    /// next one (`RANK n + 1`, or `RANK -(n + 1)` [from the tail](Self::from_tail)).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LposOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "a", "a"])?;
    /// assert_eq!(store.lists().lpos("l", "a", LposOptions::new().skip(1))?, Some(2));
    /// assert_eq!(store.lists().lpos("l", "a", LposOptions::new().from_tail().skip(2))?, Some(0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "RANK")]
    pub fn skip(mut self, n: usize) -> Self {
        self.skip = n;
        self
    }

    /// Compare at most `maxlen` elements (`MAXLEN`; 0, the default, means all).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LposOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lists().lpos("l", "c", LposOptions::new().maxlen(2))?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn maxlen(mut self, maxlen: usize) -> Self {
        self.maxlen = maxlen;
        self
    }
}

/// Pushes `elems` to `side` of the list at `key` (creating it if `create`), with the
/// push's keyspace event and record; returns the new length (0: no list).
fn push_all<E: AsRef<[u8]>>(
    ks: Access<'_>,
    db: usize,
    key: &[u8],
    elems: &[E],
    side: Side,
    create: bool,
) -> Result<usize> {
    ks.write(db, key, |e| {
        let push_all = |l: &mut ListValue| {
            for x in elems {
                l.push(side, x.as_ref());
            }
            Ok(l.len())
        };
        let len = if create {
            e.update::<ListValue, _>(push_all)?
        } else {
            e.update_existing::<ListValue, _>(push_all)?.unwrap_or(0)
        };
        if len > 0 {
            e.signal_ready();
            e.notify(notify::LIST, side.push_event());
            e.propagate(|r| {
                r.arg(if side == Side::Left { "LPUSH" } else { "RPUSH" })
                    .arg(key);
                r.args(elems.iter());
            });
        }
        Ok(len)
    })
}

/// Pops up to `count` elements from `side` of the list at `key`: `None` if the key is
/// missing, [`Error::WrongType`] if it holds another type.
fn pop_n(
    ks: Access<'_>,
    db: usize,
    key: &[u8],
    side: Side,
    count: usize,
) -> Result<Option<Vec<Blob>>> {
    pop_with(
        (ks, db, key, side),
        |l| {
            (0..count.min(l.len()))
                .filter_map(|_| l.pop(side))
                .collect::<Vec<_>>()
        },
        Vec::len,
    )
}

/// `LPOP`/`RPOP` of one element: [`pop_n`] without a vector to hold it.
fn pop_one(ks: Access<'_>, db: usize, key: &[u8], side: Side) -> Result<Option<Blob>> {
    Ok(pop_with(
        (ks, db, key, side),
        |l| l.pop(side),
        |p| usize::from(p.is_some()),
    )?
    .flatten())
}

/// Pops what `take` takes from the list at `key` (`None` if there is none), with the
/// pop's keyspace event and record if `count` says something was taken. Blocking pops
/// are recorded so too: as the plain pop they made.
fn pop_with<T>(
    (ks, db, key, side): (Access<'_>, usize, &[u8], Side),
    take: impl FnOnce(&mut ListValue) -> T,
    count: impl FnOnce(&T) -> usize,
) -> Result<Option<T>> {
    ks.write(db, key, |e| {
        let popped = e.update_existing::<ListValue, _>(|l| Ok(take(l)))?;
        let n = popped.as_ref().map_or(0, count);
        if n > 0 {
            e.notify_then_del(notify::LIST, side.pop_event());
            e.propagate(|r| {
                r.arg(if side == Side::Left { "LPOP" } else { "RPOP" })
                    .arg(key);
                if n > 1 {
                    r.uint(n as u64);
                }
            });
        }
        Ok(popped)
    })
}

/// `LMOVE`: atomically pops the element at `from` of `src` (only if it is `expected`,
/// when given) and pushes it to `to` of `dst`.
fn move_one(
    ks: Access<'_>,
    db: usize,
    (src, dst): (&[u8], &[u8]),
    from: Side,
    to: Side,
    expected: Option<&[u8]>,
) -> Result<Option<Blob>> {
    ks.write_many(&[(db, src), (db, dst)], |many| {
        let Some(list) = opt::<ListValue>(many.get(0))? else {
            return Ok(None);
        };
        if let Some(expected) = expected {
            let at = match from {
                Side::Left => 0,
                Side::Right => list.len().saturating_sub(1),
            };
            if !list
                .get(at)
                .is_some_and(|e| e.with_bytes(|e| e == expected))
            {
                return Ok(None);
            }
        }
        opt::<ListValue>(many.get(1))?;
        let Some(elem) = many
            .entry(0)
            .update_existing::<ListValue, _>(|l| Ok(l.pop(from)))?
            .flatten()
        else {
            return Ok(None);
        };
        let mut dst_entry = many.entry(1);
        dst_entry.update::<ListValue, _>(|l| {
            l.push(to, &elem);
            Ok(())
        })?;
        dst_entry.signal_ready();
        // Redis's order: the push, then the pop (and the source's deletion).
        dst_entry.notify(notify::LIST, to.push_event());
        many.entry(0)
            .notify_then_del(notify::LIST, from.pop_event());
        many.propagate(db, |r| {
            r.arg("LMOVE")
                .arg(src)
                .arg(dst)
                .arg(from.name())
                .arg(to.name());
        });
        Ok(Some(elem))
    })
}

/// Commands on list values, in one database. From [`Store::lists`](crate::Store::lists) or
/// [`Db::lists`](crate::Db::lists).
///
/// A handle is a borrowed view of the store: it holds no lock between calls (and none
/// while a blocking call waits).
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let lists = store.lists();
/// lists.rpush("queue", ["job1", "job2"])?;
/// assert_eq!(lists.lpop("queue")?.unwrap(), "job1");
/// assert_eq!(lists.llen("queue")?, 1);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Lists<'s> {
    ks: Access<'s>,
    db: usize,
    cancel: Option<&'s CancelToken>,
}

impl<'s> Lists<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Lists {
            ks,
            db,
            cancel: None,
        }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&ListValue>) -> R) -> Result<R> {
        self.ks().read_as(self.db, key, f)
    }

    /// The same handle, with blocking calls that `token` can cancel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (store, token) = (embedis::Store::new(), embedis::CancelToken::new());
    /// let lists = store.lists().cancel_with(&token);
    /// store.lists().rpush("q", ["x"])?;
    /// assert_eq!(lists.blpop(["q"], None)?.unwrap().1, "x");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn cancel_with(self, token: &'s CancelToken) -> Lists<'s> {
        Lists {
            cancel: Some(token),
            ..self
        }
    }

    fn push_many<E: AsRef<[u8]>>(
        &self,
        key: &[u8],
        elems: impl IntoIterator<Item = E>,
        side: Side,
        create: bool,
        command: &'static str,
    ) -> Result<usize> {
        let elems: Args<E> = elems.into_iter().collect();
        if elems.is_empty() {
            return Err(Error::WrongArity(command));
        }
        self.ks().admit()?;
        push_all(self.ks(), self.db, key, &elems, side, create)
    }

    /// Inserts `elems` at the head, one after the other (so the last ends up first), and
    /// returns the new length (`LPUSH`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] if
    /// `elems` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().lpush("l", ["a", "b", "c"])?, 3);
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["c", "b", "a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpush<E: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        elems: impl IntoIterator<Item = E>,
    ) -> Result<usize> {
        self.push_many(key.as_ref(), elems, Side::Left, true, "lpush")
    }

    /// Appends `elems` at the tail and returns the new length (`RPUSH`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().rpush("l", ["a", "b"])?, 2);
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["a", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rpush<E: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        elems: impl IntoIterator<Item = E>,
    ) -> Result<usize> {
        self.push_many(key.as_ref(), elems, Side::Right, true, "rpush")
    }

    /// [`lpush`](Self::lpush) only if the list exists; 0 otherwise (`LPUSHX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().lpushx("l", ["a"])?, 0);
    /// store.lists().rpush("l", ["b"])?;
    /// assert_eq!(store.lists().lpushx("l", ["a"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpushx<E: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        elems: impl IntoIterator<Item = E>,
    ) -> Result<usize> {
        self.push_many(key.as_ref(), elems, Side::Left, false, "lpushx")
    }

    /// [`rpush`](Self::rpush) only if the list exists; 0 otherwise (`RPUSHX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().rpushx("l", ["a"])?, 0);
    /// assert_eq!(store.keys().exists(["l"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rpushx<E: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        elems: impl IntoIterator<Item = E>,
    ) -> Result<usize> {
        self.push_many(key.as_ref(), elems, Side::Right, false, "rpushx")
    }

    /// Removes and returns the first element, `None` if the key is missing (`LPOP`).
    /// Popping the last element deletes the key.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b"])?;
    /// assert_eq!(store.lists().lpop("l")?.unwrap(), "a");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        pop_one(self.ks(), self.db, key.as_ref(), Side::Left)
    }

    /// Removes and returns the last element (`RPOP`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b"])?;
    /// assert_eq!(store.lists().rpop("l")?.unwrap(), "b");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        pop_one(self.ks(), self.db, key.as_ref(), Side::Right)
    }

    /// Removes and returns up to `count` elements from the head (`LPOP key count`):
    /// `None` if the key is missing, as Redis's null reply.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().lpop_count("l", 2)?, None);
    /// store.lists().rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lists().lpop_count("l", 2)?.unwrap(), ["a", "b"]);
    /// assert_eq!(store.lists().lpop_count("l", 5)?.unwrap(), ["c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Blob>>> {
        pop_n(self.ks(), self.db, key.as_ref(), Side::Left, count)
    }

    /// Removes and returns up to `count` elements from the tail, last first
    /// (`RPOP key count`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lists().rpop_count("l", 2)?.unwrap(), ["c", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Blob>>> {
        pop_n(self.ks(), self.db, key.as_ref(), Side::Right, count)
    }

    /// Length of the list, 0 if the key is missing (`LLEN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b"])?;
    /// assert_eq!(store.lists().llen("l")?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn llen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read(key.as_ref(), |l| l.map_or(0, ListValue::len))
    }

    /// The element at `index` (negative: from the tail), `None` if out of range
    /// (`LINDEX`). O(1) near either end.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c"])?;
    /// assert_eq!(store.lists().lindex("l", 0)?.unwrap(), "a");
    /// assert_eq!(store.lists().lindex("l", -1)?.unwrap(), "c");
    /// assert_eq!(store.lists().lindex("l", 3)?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lindex(&self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Blob>> {
        self.read(key.as_ref(), |l| {
            let l = l?;
            l.get(list_index(index, l.len())?).map(Elem::to_blob)
        })
    }

    /// Calls `f` with the bytes of the element at `index` (negative: from the end) of
    /// the list at `key` (`None` if there is none), without copying them: the
    /// zero-copy [`lindex`](Self::lindex). `f` runs under the key's read lock: keep it
    /// short, and do not use the store from it (such a call fails with
    /// [`Error::InsideRead`](crate::Error::InsideRead); one that returns no `Result`,
    /// such as [`Store::purge_expired`](crate::Store::purge_expired), panics).
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
    /// store.lists().rpush("jobs", ["resize", "upload"])?;
    /// assert_eq!(store.lists().lindex_with("jobs", -1, |v| v.map(<[u8]>::len))?, Some(6));
    /// assert!(!store.lists().lindex_with("jobs", 5, |v| v.is_some())?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lindex_with<R>(
        &self,
        key: impl AsRef<[u8]>,
        index: i64,
        f: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R> {
        self.ks()
            .view_as(self.db, key.as_ref(), |l: Option<&ListValue>| {
                match l.and_then(|l| l.get(list_index(index, l.len())?)) {
                    Some(elem) => elem.with_bytes(|b| f(Some(b))),
                    None => f(None),
                }
            })
    }

    /// Sets the element at `index` (`LSET`).
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKey`] if the key is missing; [`Error::IndexOutOfRange`] if
    /// `index` is beyond either end.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Error;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b"])?;
    /// store.lists().lset("l", -1, "z")?;
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["a", "z"]);
    /// assert_eq!(store.lists().lset("l", 2, "x"), Err(Error::IndexOutOfRange));
    /// assert_eq!(store.lists().lset("nope", 0, "x"), Err(Error::NoSuchKey));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lset(&self, key: impl AsRef<[u8]>, index: i64, elem: impl AsRef<[u8]>) -> Result<()> {
        let elem = elem.as_ref();
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            e.update_existing::<ListValue, _>(|l| {
                let i = list_index(index, l.len()).ok_or_else(|| Error::IndexOutOfRange)?;
                l.set(i, elem);
                Ok(())
            })?
            .ok_or_else(|| Error::NoSuchKey)?;
            e.notify(notify::LIST, "lset");
            let key = e.key();
            e.propagate(|r| {
                r.arg("LSET").arg(key).int(index).arg(elem);
            });
            Ok(())
        })
    }

    /// Inserts `elem` before or after the first element equal to `pivot` (`LINSERT`):
    /// [`Insertion::Len`] with the new length, [`Insertion::NoPivot`] if no element
    /// equals `pivot`, [`Insertion::Missing`] if the key is missing.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Insertion, Position};
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "c"])?;
    /// assert_eq!(store.lists().linsert("l", Position::Before, "c", "b")?, Insertion::Len(3));
    /// assert_eq!(store.lists().linsert("l", Position::After, "zz", "x")?, Insertion::NoPivot);
    /// assert_eq!(store.lists().linsert("nope", Position::After, "a", "x")?, Insertion::Missing);
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["a", "b", "c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn linsert(
        &self,
        key: impl AsRef<[u8]>,
        position: Position,
        pivot: impl AsRef<[u8]>,
        elem: impl AsRef<[u8]>,
    ) -> Result<Insertion> {
        let (pivot, elem) = (pivot.as_ref(), elem.as_ref());
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let done = e.update_existing::<ListValue, _>(|l| {
                let Some(at) = l.iter().position(|x| x.with_bytes(|x| x == pivot)) else {
                    return Ok(Insertion::NoPivot);
                };
                let at = if position == Position::After {
                    at + 1
                } else {
                    at
                };
                l.insert(at, elem);
                Ok(Insertion::Len(l.len()))
            })?;
            let done = done.unwrap_or(Insertion::Missing);
            if let Insertion::Len(_) = done {
                e.signal_ready();
                e.notify(notify::LIST, "linsert");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("LINSERT").arg(key);
                    r.arg(if position == Position::After {
                        "AFTER"
                    } else {
                        "BEFORE"
                    });
                    r.arg(pivot).arg(elem);
                });
            }
            Ok(done)
        })
    }

    /// The elements from `start` to `stop` inclusive (negative: from the tail; out of
    /// range ends clamped), as `LRANGE`.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c", "d"])?;
    /// assert_eq!(store.lists().lrange("l", 1, 2)?, ["b", "c"]);
    /// assert_eq!(store.lists().lrange("l", -2, 100)?, ["c", "d"]);
    /// assert!(store.lists().lrange("l", 3, 1)?.is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Blob>> {
        self.read(key.as_ref(), |l| {
            let Some(l) = l else {
                return Vec::new();
            };
            let Some((start, end)) = list_range(start, stop, l.len()) else {
                return Vec::new();
            };
            l.iter_from(start)
                .take(end - start + 1)
                .map(Elem::to_blob)
                .collect()
        })
    }

    /// An iterator over the list at `key`, fetched `batch` elements at a time with
    /// `LRANGE`: a long list is walked without being copied whole and without holding a
    /// lock between batches. Elements pushed at the tail meanwhile are seen; elements
    /// removed from the head shift the walk, as index-based paging does. A batch that
    /// fails ([`Error::WrongType`] if the key holds or comes to hold another type) is
    /// yielded as an error, which ends the iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", (0..1000).map(|i| i.to_string()))?;
    /// let mut total = 0;
    /// for elem in store.lists().lrange_iter("l", 100) {
    ///     total += elem?.as_str().unwrap().parse::<u64>().unwrap();
    /// }
    /// assert_eq!(total, 999 * 1000 / 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lrange_iter(&self, key: impl AsRef<[u8]>, batch: usize) -> LRangeIter<'s> {
        LRangeIter {
            lists: *self,
            key: key.as_ref().to_vec(),
            batch: batch.max(1),
            batches: Batches::new(),
        }
    }

    /// Keeps only the elements from `start` to `stop` inclusive (the rules of
    /// [`lrange`](Self::lrange)); an empty result deletes the key (`LTRIM`). Costs
    /// O(removed): `LPUSH` + `LTRIM 0 99` keeps a capped list cheaply.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c", "d"])?;
    /// store.lists().ltrim("l", 1, -2)?;
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["b", "c"]);
    /// store.lists().ltrim("l", 5, 10)?;
    /// assert_eq!(store.keys().exists(["l"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn ltrim(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        self.ks().write(self.db, key.as_ref(), |e| {
            e.update_existing::<ListValue, _>(|l| {
                let len = l.len();
                match list_range(start, stop, len) {
                    Some((s, end)) => l.trim(s, len - 1 - end),
                    None => l.trim(len, 0),
                }
                Ok(())
            })?
            .map_or(Ok(()), |()| {
                e.notify_then_del(notify::LIST, "ltrim");
                let key = e.key();
                e.propagate(|r| {
                    r.arg("LTRIM").arg(key).int(start).int(stop);
                });
                Ok(())
            })
        })
    }

    /// Removes elements equal to `elem` and returns how many (`LREM`): every one with
    /// [`Matches::All`], the first `n` from the head with [`Matches::First`], the last
    /// `n` from the tail with [`Matches::Last`]. Removing the last element deletes the
    /// key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Matches;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "x", "b", "x", "c", "x"])?;
    /// assert_eq!(store.lists().lrem("l", Matches::Last(2), "x")?, 2);
    /// assert_eq!(store.lists().lrange("l", 0, -1)?, ["a", "x", "b", "c"]);
    /// assert_eq!(store.lists().lrem("l", Matches::All, "x")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lrem(
        &self,
        key: impl AsRef<[u8]>,
        matches: Matches,
        elem: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let elem = elem.as_ref();
        let (from_tail, limit) = match matches {
            Matches::All => (false, usize::MAX),
            Matches::First(n) => (false, n),
            Matches::Last(n) => (true, n),
        };
        self.ks().write(self.db, key.as_ref(), |e| {
            let removed = e
                .update_existing::<ListValue, _>(|l| {
                    let len = l.len();
                    let hit = |(_, x): &(usize, Elem<'_>)| x.with_bytes(|x| x == elem);
                    // The positions to remove, counted from the end the command starts at.
                    let mut gone: Vec<usize> = if from_tail {
                        let from_tail = l.iter().rev().enumerate().filter(hit);
                        from_tail.map(|(i, _)| len - 1 - i).take(limit).collect()
                    } else {
                        l.iter()
                            .enumerate()
                            .filter(hit)
                            .map(|(i, _)| i)
                            .take(limit)
                            .collect()
                    };
                    if !gone.is_empty() {
                        gone.sort_unstable();
                        let kept = l
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| gone.binary_search(i).is_err());
                        *l = ListValue::from_elems(kept.map(|(_, x)| x));
                    }
                    Ok(gone.len())
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                e.notify_then_del(notify::LIST, "lrem");
                let count = match matches {
                    Matches::All => 0,
                    Matches::First(n) => i64::try_from(n).unwrap_or(i64::MAX),
                    Matches::Last(n) => -i64::try_from(n).unwrap_or(i64::MAX),
                };
                let key = e.key();
                e.propagate(|r| {
                    r.arg("LREM").arg(key).int(count).arg(elem);
                });
            }
            Ok(removed)
        })
    }

    /// The index of the first element equal to `elem`, after the matches `options`
    /// skips (`LPOS`); `None` if there is none within `maxlen` comparisons.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LposOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "c", "b"])?;
    /// assert_eq!(store.lists().lpos("l", "b", LposOptions::new())?, Some(1));
    /// assert_eq!(store.lists().lpos("l", "b", LposOptions::new().from_tail())?, Some(3));
    /// assert_eq!(store.lists().lpos("l", "zz", LposOptions::new())?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpos(
        &self,
        key: impl AsRef<[u8]>,
        elem: impl AsRef<[u8]>,
        options: LposOptions,
    ) -> Result<Option<usize>> {
        Ok(self
            .positions(key.as_ref(), elem.as_ref(), 1, options)?
            .pop())
    }

    /// The indexes of up to `count` elements equal to `elem` (`LPOS … COUNT count`; 0
    /// means all), after the matches `options` skips, in the order found.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LposOptions;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("l", ["a", "b", "a", "a"])?;
    /// assert_eq!(store.lists().lpos_count("l", "a", 0, LposOptions::new())?, [0, 2, 3]);
    /// assert_eq!(store.lists().lpos_count("l", "a", 2, LposOptions::new().from_tail())?, [3, 2]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lpos_count(
        &self,
        key: impl AsRef<[u8]>,
        elem: impl AsRef<[u8]>,
        count: usize,
        options: LposOptions,
    ) -> Result<Vec<usize>> {
        let count = if count == 0 { usize::MAX } else { count };
        self.positions(key.as_ref(), elem.as_ref(), count, options)
    }

    fn positions(
        &self,
        key: &[u8],
        elem: &[u8],
        count: usize,
        options: LposOptions,
    ) -> Result<Vec<usize>> {
        let skip = options.skip;
        let maxlen = if options.maxlen == 0 {
            usize::MAX
        } else {
            options.maxlen
        };
        self.read(key, |l| {
            let Some(l) = l else {
                return Vec::new();
            };
            let len = l.len();
            let hit = |x: &Elem<'_>| x.with_bytes(|x| x == elem);
            if options.from_tail {
                l.iter()
                    .rev()
                    .take(maxlen)
                    .enumerate()
                    .filter(|(_, x)| hit(x))
                    .map(|(i, _)| len - 1 - i)
                    .skip(skip)
                    .take(count)
                    .collect()
            } else {
                l.iter()
                    .take(maxlen)
                    .enumerate()
                    .filter(|(_, x)| hit(x))
                    .map(|(i, _)| i)
                    .skip(skip)
                    .take(count)
                    .collect()
            }
        })
    }

    /// Atomically pops an element from `from` of `src` and pushes it to `to` of `dst`,
    /// returning it (`LMOVE`); `None` if `src` is missing. With `src == dst` it rotates
    /// the list.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `src` exists and either key holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("todo", ["a", "b"])?;
    /// assert_eq!(store.lists().lmove("todo", "doing", Side::Left, Side::Right)?.unwrap(), "a");
    /// assert_eq!(store.lists().lmove("todo", "todo", Side::Left, Side::Right)?.unwrap(), "b");
    /// assert_eq!(store.lists().lrange("doing", 0, -1)?, ["a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lmove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        from: Side,
        to: Side,
    ) -> Result<Option<Blob>> {
        self.ks().admit()?;
        move_one(
            self.ks(),
            self.db,
            (src.as_ref(), dst.as_ref()),
            from,
            to,
            None,
        )
    }

    /// `LMOVE src dst RIGHT LEFT` (`RPOPLPUSH`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.lists().rpush("a", ["1", "2"])?;
    /// assert_eq!(store.lists().rpoplpush("a", "b")?.unwrap(), "2");
    /// assert_eq!(store.lists().lrange("b", 0, -1)?, ["2"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rpoplpush(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        self.lmove(src, dst, Side::Right, Side::Left)
    }

    /// Pops up to `count` elements from `side` of the first non-empty list among `keys`
    /// and returns its key with them (`LMPOP`); `None` if all are empty.
    ///
    /// # Errors
    ///
    /// [`Error::NumKeysNotPositive`] for no keys; [`Error::CountNotPositive`] for a
    /// count of 0; [`Error::WrongType`] if a key checked holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("b", ["1", "2", "3"])?;
    /// let (key, got) = store.lists().lmpop(["a", "b"], Side::Right, 2)?.unwrap();
    /// assert_eq!((key.as_str(), got), (Some("b"), vec!["3".into(), "2".into()]));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        side: Side,
        count: usize,
    ) -> Result<Option<(Blob, Vec<Blob>)>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        for key in &keys {
            if let Some(s) = self.try_pop(key.as_ref(), side, count)? {
                return Ok(Some((s.key, s.items)));
            }
        }
        Ok(None)
    }

    fn try_pop(&self, key: &[u8], side: Side, count: usize) -> Result<Option<Served>> {
        Ok(pop_n(self.ks(), self.db, key, side, count)?.map(|items| Served::new(key, items)))
    }

    /// Runs a blocking command: `attempt` on each key in order, then waits.
    fn block<A>(
        &self,
        keys: &[&[u8]],
        timeout: Option<Duration>,
        attempt: A,
    ) -> Result<Option<Served>>
    where
        A: Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync + 'static,
    {
        let ks = self.ks();
        ks.keyspace().blocking().run(
            ks,
            self.db,
            keys,
            KeyType::List,
            timeout,
            self.cancel,
            attempt,
        )
    }

    fn pop_attempt(
        &self,
        side: Side,
        count: usize,
    ) -> impl Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync + 'static {
        let db = self.db;
        move |ks: Access<'_>, key: &[u8]| {
            pop_n(ks, db, key, side, count)
                .map(|popped| popped.map(|items| Served::new(key, items)))
                .transpose()
        }
    }

    fn blocking_pop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        side: Side,
        count: usize,
        timeout: Option<Duration>,
        command: &'static str,
    ) -> Result<Option<(Blob, Vec<Blob>)>> {
        let keys: Args<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::WrongArity(command));
        }
        let keys: Args<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        let served = self.block(&keys, timeout, self.pop_attempt(side, count))?;
        Ok(served.map(|s| (s.key, s.items)))
    }

    /// [`blocking_pop`](Self::blocking_pop) as a future; what it takes and is dropped
    /// before it is seen goes back to `side` of its list.
    fn blocking_pop_async<K: AsRef<[u8]>, T: 's>(
        &self,
        keys: impl IntoIterator<Item = K>,
        (side, count): (Side, usize),
        timeout: Option<Duration>,
        command: &'static str,
        map: impl FnOnce(Option<(Blob, Vec<Blob>)>) -> T + Send + Sync + 's,
    ) -> Blocked<'s, T> {
        let keys: Vec<Blob> = keys
            .into_iter()
            .map(|k| Blob::copy_from_slice(k.as_ref()))
            .collect();
        if keys.is_empty() {
            return Blocked::ready(Err(Error::WrongArity(command)));
        }
        let db = self.db;
        let undo = move |ks: Access<'_>, s: &Served| {
            // Popped in order from `side`: pushed back to it last first.
            let items: Vec<&Blob> = s.items.iter().rev().collect();
            push_all(ks, db, &s.key, &items, side, true).map(drop)
        };
        Blocked::call(
            self.ks(),
            db,
            keys,
            KeyType::List,
            timeout,
            self.cancel,
            Box::new(self.pop_attempt(side, count)),
            Some(Box::new(undo)),
            move |s| map(s.map(|s| (s.key, s.items))),
        )
    }

    /// Pops the first element of the first non-empty list among `keys`, waiting up to
    /// `timeout` (`None`: forever) for one to be pushed (`BLPOP`). Returns the key and
    /// the element, `None` on timeout.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a key checked holds another type; [`Error::Unblocked`]
    /// if cancelled through [`cancel_with`](Self::cancel_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// let consumer = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.lists().blpop(["jobs"], Some(Duration::from_secs(5))))
    /// };
    /// store.lists().rpush("jobs", ["job-1"])?;
    /// let (key, job) = consumer.join().unwrap()?.unwrap();
    /// assert_eq!((key, job), ("jobs".into(), "job-1".into()));
    /// assert_eq!(store.lists().blpop(["jobs"], Some(Duration::from_millis(10)))?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn blpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob)>> {
        let got = self.blocking_pop(keys, Side::Left, 1, timeout, "blpop")?;
        Ok(one_popped(got))
    }

    /// [`blpop`](Self::blpop) from the tail (`BRPOP`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("q", ["a", "b"])?;
    /// assert_eq!(store.lists().brpop(["q"], None)?.unwrap().1, "b");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn brpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob)>> {
        let got = self.blocking_pop(keys, Side::Right, 1, timeout, "brpop")?;
        Ok(one_popped(got))
    }

    /// [`lmpop`](Self::lmpop), waiting up to `timeout` for an element (`BLMPOP`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("q", ["a", "b", "c"])?;
    /// let (_, got) = store.lists().blmpop(["q"], Side::Left, 2, Some(Duration::from_secs(1)))?.unwrap();
    /// assert_eq!(got, ["a", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn blmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        side: Side,
        count: usize,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Vec<Blob>)>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        self.blocking_pop(keys, side, count, timeout, "blmpop")
    }

    /// [`lmove`](Self::lmove), waiting up to `timeout` for `src` to have an element
    /// (`BLMOVE`). The element never exists in neither list or in both.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// let worker = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || {
    ///         store.lists().blmove("jobs", "processing", Side::Right, Side::Left, None)
    ///     })
    /// };
    /// store.lists().lpush("jobs", ["job-1"])?;
    /// assert_eq!(worker.join().unwrap()?.unwrap(), "job-1");
    /// assert_eq!(store.lists().lrange("processing", 0, -1)?, ["job-1"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn blmove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        from: Side,
        to: Side,
        timeout: Option<Duration>,
    ) -> Result<Option<Blob>> {
        self.ks().admit()?;
        let (db, dst) = (self.db, dst.as_ref().to_vec());
        let attempt = move |ks: Access<'_>, key: &[u8]| {
            move_one(ks, db, (key, &dst), from, to, None)
                .map(|moved| moved.map(|elem| Served::new(key, vec![elem])))
                .transpose()
        };
        let served = self.block(&[src.as_ref()], timeout, attempt)?;
        Ok(served.and_then(|mut s| s.items.pop()))
    }

    /// `BLMOVE src dst RIGHT LEFT` (`BRPOPLPUSH`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.lists().brpoplpush("a", "b", Some(Duration::from_millis(10)))?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn brpoplpush(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        timeout: Option<Duration>,
    ) -> Result<Option<Blob>> {
        self.blmove(src, dst, Side::Right, Side::Left, timeout)
    }

    /// [`blpop`](Self::blpop) as a future: it waits without a thread, on any executor
    /// (see [`Blocked`] for how it is woken, timed out and dropped safely).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = embedis::Store::new();
    /// store.lists().rpush("jobs", ["a", "b"])?;
    /// let job = store.lists().blpop_async(["jobs"], None).await?;
    /// assert_eq!(job, Some(("jobs".into(), "a".into())));
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn blpop_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<(Blob, Blob)>> {
        self.blocking_pop_async(keys, (Side::Left, 1), timeout, "blpop", one_popped)
    }

    /// [`brpop`](Self::brpop) as a future (see [`blpop_async`](Self::blpop_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = embedis::Store::new();
    /// store.lists().rpush("jobs", ["a", "b"])?;
    /// let job = store.lists().brpop_async(["jobs"], None).await?;
    /// assert_eq!(job, Some(("jobs".into(), "b".into())));
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn brpop_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<(Blob, Blob)>> {
        self.blocking_pop_async(keys, (Side::Right, 1), timeout, "brpop", one_popped)
    }

    /// [`blmpop`](Self::blmpop) as a future (see [`blpop_async`](Self::blpop_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("q", ["a", "b", "c"])?;
    /// let (_, got) = store.lists().blmpop_async(["q"], Side::Left, 2, None).await?.unwrap();
    /// assert_eq!(got, ["a", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn blmpop_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        side: Side,
        count: usize,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<(Blob, Vec<Blob>)>> {
        let keys: Args<K> = keys.into_iter().collect();
        if let Err(e) = check_mpop(keys.len(), count) {
            return Blocked::ready(Err(e));
        }
        self.blocking_pop_async(keys, (side, count), timeout, "blmpop", |got| got)
    }

    /// [`blmove`](Self::blmove) as a future (see [`blpop_async`](Self::blpop_async)).
    /// Dropped after the move but before it was seen, it moves the element back if it
    /// is still at `to` of `dst`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use embedis::Side;
    /// let store = embedis::Store::new();
    /// store.lists().rpush("jobs", ["job-1"])?;
    /// let job = store.lists().blmove_async("jobs", "doing", Side::Left, Side::Right, None).await?;
    /// assert_eq!(job.unwrap(), "job-1");
    /// assert_eq!(store.lists().lrange("doing", 0, -1)?, ["job-1"]);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn blmove_async(
        self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        from: Side,
        to: Side,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<Blob>> {
        if let Err(e) = self.ks().admit() {
            return Blocked::ready(Err(e));
        }
        let (db, dst) = (self.db, dst.as_ref().to_vec());
        let back = dst.clone();
        let attempt = move |ks: Access<'_>, key: &[u8]| {
            move_one(ks, db, (key, &dst), from, to, None)
                .map(|moved| moved.map(|elem| Served::new(key, vec![elem])))
                .transpose()
        };
        let undo = move |ks: Access<'_>, s: &Served| match s.items.first() {
            Some(elem) => move_one(ks, db, (&back, &s.key), to, from, Some(elem)).map(drop),
            None => Ok(()),
        };
        Blocked::call(
            self.ks(),
            db,
            vec![Blob::copy_from_slice(src.as_ref())],
            KeyType::List,
            timeout,
            self.cancel,
            Box::new(attempt),
            Some(Box::new(undo)),
            |s| s.and_then(|mut s| s.items.pop()),
        )
    }

    /// [`brpoplpush`](Self::brpoplpush) as a future (see
    /// [`blmove_async`](Self::blmove_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// let none = store.lists().brpoplpush_async("a", "b", Some(Duration::from_millis(10))).await?;
    /// assert_eq!(none, None);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn brpoplpush_async(
        self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<Blob>> {
        self.blmove_async(src, dst, Side::Right, Side::Left, timeout)
    }
}

/// One popped element with its key (`BLPOP`'s answer).
fn one_popped(got: Option<(Blob, Vec<Blob>)>) -> Option<(Blob, Blob)> {
    got.and_then(|(k, mut v)| v.pop().map(|e| (k, e)))
}

fn check_mpop(keys: usize, count: usize) -> Result<()> {
    if keys == 0 {
        return Err(Error::NumKeysNotPositive);
    }
    if count == 0 {
        return Err(Error::CountNotPositive);
    }
    Ok(())
}

/// The elements of a list, fetched in `LRANGE` batches. From [`Lists::lrange_iter`].
///
/// Each element comes as a `Result`: a batch that fails ([`Error::WrongType`] if the
/// key holds or comes to hold another type) is yielded as the error, and then the
/// iterator ends.
#[derive(Debug)]
pub struct LRangeIter<'s> {
    lists: Lists<'s>,
    key: Vec<u8>,
    batch: usize,
    batches: Batches<Blob>,
}

impl Iterator for LRangeIter<'_> {
    type Item = Result<Blob>;

    fn next(&mut self) -> Option<Result<Blob>> {
        let (lists, key, batch) = (self.lists, &self.key, self.batch);
        self.batches.next(|cursor| {
            let start = i64::try_from(cursor).unwrap_or(i64::MAX);
            let end = start.saturating_add(i64::try_from(batch).unwrap_or(i64::MAX) - 1);
            let items = lists.lrange(key, start, end)?;
            // The cursor is the next index; 0 ends the walk (a full batch never ends at 0).
            let next = if items.len() < batch {
                0
            } else {
                cursor + items.len() as u64
            };
            Ok((next, items))
        })
    }
}

impl FusedIterator for LRangeIter<'_> {}
