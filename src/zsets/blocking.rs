//! Popping from several keys: `ZMPOP` and the blocking pops `BZPOPMIN`, `BZPOPMAX` and
//! `BZMPOP`, which wait as the lists' blocking pops do.

use std::time::Duration;

use super::{ZSets, pop_n};
use crate::keyspace::Access;
use crate::keyspace::blocking::Served;
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
impl ZSets<'_> {
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
        let db = self.db;
        let attempt = move |ks: Access<'_>, key: &[u8]| {
            pop_n(ks, db, key, end, count)
                .map(|popped| popped.map(|p| served(key, p)))
                .transpose()
        };
        let ks = self.ks();
        let got = ks.keyspace().blocking().run(
            ks,
            db,
            &keys,
            KeyType::ZSet,
            timeout,
            self.cancel,
            attempt,
        )?;
        Ok(got.map(unserve))
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
        Ok(got.and_then(|(k, mut v)| v.pop().map(|(m, s)| (k, m, s))))
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
        Ok(got.and_then(|(k, mut v)| v.pop().map(|(m, s)| (k, m, s))))
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
}
