//! Popping from several keys: `ZMPOP` and the blocking pops `BZPOPMIN`, `BZPOPMAX` and
//! `BZMPOP`, which wait as the lists' blocking pops do.

use std::time::Duration;

use super::{ZAddCondition, ZAddOptions, ZSets, pop_n};
use crate::keyspace::Access;
use crate::keyspace::blocking::{Blocked, Served};
use crate::value::KeyType;
use crate::{Args, Blob, Error, Result};

/// A key and the members (with scores) popped from it.
type Popped = (Blob, Vec<(Blob, f64)>);

/// Which end of a sorted set a pop takes from (`ZMPOP`'s `MIN | MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreEnd {
    /// The lowest scores first.
    Min,
    /// The highest scores first.
    Max,
}

fn served(key: &[u8], popped: Vec<(Blob, f64)>) -> Served {
    let (items, scores) = popped.into_iter().unzip();
    Served {
        scores,
        ..Served::new(key, items)
    }
}

fn unserve(s: Served) -> (Blob, Vec<(Blob, f64)>) {
    (s.key, s.items.into_iter().zip(s.scores).collect())
}

/// A blocking pop's attempt: up to `count` members from `end` of a key.
fn pop_attempt(
    db: usize,
    end: ScoreEnd,
    count: usize,
) -> impl Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync + 'static {
    move |ks: Access<'_>, key: &[u8]| {
        pop_n(ks, db, key, end, count)
            .map(|popped| popped.map(|p| served(key, p)))
            .transpose()
    }
}

/// One popped member with its key and score (`BZPOPMIN`'s answer).
fn one_popped(got: Option<Popped>) -> Option<(Blob, Blob, f64)> {
    got.and_then(|(k, mut v)| v.pop().map(|(m, s)| (k, m, s)))
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

/// `ZMPOP` and the blocking pops.
impl<'s> ZSets<'s> {
    /// Pops up to `count` members from `end` of the first non-empty sorted set among
    /// `keys` and returns its key with them (`ZMPOP`); `None` if all are empty.
    ///
    /// # Errors
    ///
    /// [`Error::NumKeysNotPositive`] for no keys; [`Error::CountNotPositive`] for a
    /// count of 0; [`Error::WrongType`] if a key checked holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScoreEnd;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("b", [("x", 1.0), ("y", 2.0)])?;
    /// let (key, got) = store.zsets().zmpop(["a", "b"], ScoreEnd::Max, 5)?.unwrap();
    /// assert_eq!((key.as_str(), got), (Some("b"), vec![("y".into(), 2.0), ("x".into(), 1.0)]));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        for key in &keys {
            if let Some(popped) = pop_n(self.ks(), self.db, key.as_ref(), end, count)? {
                return Ok(Some((Blob::copy_from_slice(key.as_ref()), popped)));
            }
        }
        Ok(None)
    }

    fn blocking_pop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
        timeout: Option<Duration>,
        command: &'static str,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::WrongArity(command));
        }
        let keys: Args<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        let ks = self.ks();
        let got = ks.keyspace().blocking().run(
            ks,
            self.db,
            &keys,
            KeyType::ZSet,
            timeout,
            self.cancel,
            pop_attempt(self.db, end, count),
        )?;
        Ok(got.map(unserve))
    }

    /// [`blocking_pop`](Self::blocking_pop) as a future; what it pops and is dropped
    /// before it is seen is added back with its scores.
    fn blocking_pop_async<K: AsRef<[u8]>, T: 's>(
        &self,
        keys: impl IntoIterator<Item = K>,
        (end, count): (ScoreEnd, usize),
        timeout: Option<Duration>,
        command: &'static str,
        map: impl FnOnce(Option<Popped>) -> T + Send + Sync + 's,
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
            let members: Vec<(&Blob, f64)> = s.items.iter().zip(s.scores.iter().copied()).collect();
            // Members added meanwhile keep the scores they were given.
            let nx = ZAddOptions::new().condition(ZAddCondition::IfAbsent);
            ZSets::new(ks, db).add(&s.key, &members, nx).map(drop)
        };
        Blocked::call(
            self.ks(),
            db,
            keys,
            KeyType::ZSet,
            timeout,
            self.cancel,
            Box::new(pop_attempt(db, end, count)),
            Some(Box::new(undo)),
            move |s| map(s.map(unserve)),
        )
    }

    /// Pops the lowest-scoring member of the first non-empty sorted set among `keys`,
    /// waiting up to `timeout` (`None`: forever) for one to be added (`BZPOPMIN`).
    /// Returns the key, the member and its score; `None` on timeout.
    ///
    /// **Locking:** holds no lock while it waits.
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
    /// let worker = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.zsets().bzpopmin(["tasks"], Some(Duration::from_secs(5))))
    /// };
    /// store.zsets().zadd("tasks", [("urgent", 1.0), ("later", 9.0)])?;
    /// let (key, task, priority) = worker.join().unwrap()?.unwrap();
    /// assert_eq!((key, task, priority), ("tasks".into(), "urgent".into(), 1.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzpopmin<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob, f64)>> {
        let got = self.blocking_pop(keys, ScoreEnd::Min, 1, timeout, "bzpopmin")?;
        Ok(one_popped(got))
    }

    /// [`bzpopmin`](Self::bzpopmin) from the highest scores (`BZPOPMAX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().bzpopmax(["z"], None)?, Some(("z".into(), "b".into(), 2.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzpopmax<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob, f64)>> {
        let got = self.blocking_pop(keys, ScoreEnd::Max, 1, timeout, "bzpopmax")?;
        Ok(one_popped(got))
    }

    /// [`zmpop`](Self::zmpop), waiting up to `timeout` for a member (`BZMPOP`).
    ///
    /// **Locking:** holds no lock while it waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::ScoreEnd;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().bzmpop(["z"], ScoreEnd::Min, 1, Some(Duration::from_millis(10)))?, None);
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let (_, got) = store.zsets().bzmpop(["z"], ScoreEnd::Min, 1, None)?.unwrap();
    /// assert_eq!(got, [("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
        timeout: Option<Duration>,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        self.blocking_pop(keys, end, count, timeout, "bzmpop")
    }

    /// [`bzpopmin`](Self::bzpopmin) as a future: it waits without a thread, on any
    /// executor (see [`Blocked`] for how it is woken, timed out and dropped safely).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("tasks", [("urgent", 1.0), ("later", 9.0)])?;
    /// let got = store.zsets().bzpopmin_async(["tasks"], None).await?;
    /// assert_eq!(got, Some(("tasks".into(), "urgent".into(), 1.0)));
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn bzpopmin_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<(Blob, Blob, f64)>> {
        self.blocking_pop_async(keys, (ScoreEnd::Min, 1), timeout, "bzpopmin", one_popped)
    }

    /// [`bzpopmax`](Self::bzpopmax) as a future (see
    /// [`bzpopmin_async`](Self::bzpopmin_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// let got = store.zsets().bzpopmax_async(["z"], None).await?;
    /// assert_eq!(got, Some(("z".into(), "b".into(), 2.0)));
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn bzpopmax_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<(Blob, Blob, f64)>> {
        self.blocking_pop_async(keys, (ScoreEnd::Max, 1), timeout, "bzpopmax", one_popped)
    }

    /// [`bzmpop`](Self::bzmpop) as a future (see
    /// [`bzpopmin_async`](Self::bzpopmin_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use embedis::ScoreEnd;
    /// let store = embedis::Store::new();
    /// let none = store.zsets().bzmpop_async(["z"], ScoreEnd::Min, 1, Some(Duration::from_millis(10))).await?;
    /// assert_eq!(none, None);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn bzmpop_async<K: AsRef<[u8]>>(
        self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        if let Err(e) = check_mpop(keys.len(), count) {
            return Blocked::ready(Err(e));
        }
        self.blocking_pop_async(keys, (end, count), timeout, "bzmpop", |got| got)
    }
}
