//! Incremental iteration, shared by the handles (Redis's `SCAN` family): the options of
//! `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN`, and the batching behind the iterators that walk
//! in cursor steps ([`ScanIter`](crate::ScanIter), [`HScanIter`](crate::HScanIter),
//! [`SScanIter`](crate::SScanIter), [`ZScanIter`](crate::ZScanIter),
//! [`LRangeIter`](crate::LRangeIter)).

use std::collections::VecDeque;

use crate::{KeyType, Result, glob};

/// Options of `SCAN`: a glob pattern, a batch size hint and a type filter.
///
/// # Examples
///
/// ```
/// use embedis::{KeyType, ScanOptions};
/// let opts = ScanOptions::new().pattern("user:*").count(100).key_type(KeyType::String);
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanOptions {
    pattern: Option<Vec<u8>>,
    pub(crate) count: usize,
    pub(crate) key_type: Option<KeyType>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions::new()
    }
}

impl ScanOptions {
    /// Whether `s` matches the pattern (always, without one).
    pub(crate) fn matches(&self, s: &[u8]) -> bool {
        self.pattern.as_deref().is_none_or(|p| glob::matches(p, s))
    }

    /// Every key, about 10 per step.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().mset([("a", "1"), ("b", "2")])?;
    /// let keys = store.keys().scan_iter(embedis::ScanOptions::new()).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(keys.len(), 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        ScanOptions {
            pattern: None,
            count: 10,
            key_type: None,
        }
    }

    /// Only keys matching the glob `pattern` (`MATCH`). As in Redis, `*` alone means
    /// every key, the empty one included.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ScanOptions, Store};
    /// let store = Store::new();
    /// store.strings().mset([("user:1", "a"), ("page:1", "b")])?;
    /// let users = store.keys().scan_iter(ScanOptions::new().pattern("user:*")).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(users, ["user:1"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "MATCH")]
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> Self {
        let pattern = pattern.as_ref();
        self.pattern = (pattern != b"*").then(|| pattern.to_vec());
        self
    }

    /// About how many keys to examine per step (`COUNT`; at least 1, default 10). A hint,
    /// as in Redis: a step takes whole chains of the table (Redis takes whole buckets), so
    /// it may return a few more.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ScanOptions, Store};
    /// let store = Store::new();
    /// store.strings().mset((0..50).map(|i| (i.to_string(), "v")))?;
    /// let (mut cursor, mut steps, mut seen) = (0, 0, 0);
    /// loop {
    ///     let (next, keys) = store.keys().scan(cursor, &ScanOptions::new().count(5))?;
    ///     (steps, seen, cursor) = (steps + 1, seen + keys.len(), next);
    ///     if cursor == 0 { break; }
    /// }
    /// assert_eq!(seen, 50);
    /// assert!(steps > 1, "small steps");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn count(mut self, count: usize) -> Self {
        self.count = count.max(1);
        self
    }

    /// Only keys holding this type (`TYPE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{KeyType, ScanOptions, Store};
    /// let store = Store::new();
    /// store.strings().set("s", "v")?;
    /// let strings = store.keys().scan_iter(ScanOptions::new().key_type(KeyType::String));
    /// assert_eq!(strings.collect::<Result<Vec<_>, _>>()?, ["s"]);
    /// assert_eq!(store.keys().scan_iter(ScanOptions::new().key_type(KeyType::Hash)).count(), 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "TYPE")]
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = Some(key_type);
        self
    }
}

/// The state of an iterator that fetches in cursor steps (`SCAN`, `HSCAN`, `SSCAN`):
/// the cursor, the current batch, and whether the walk is over.
#[derive(Debug)]
pub(crate) struct Batches<T> {
    cursor: u64,
    buffer: VecDeque<T>,
    done: bool,
}

impl<T> Batches<T> {
    pub(crate) fn new() -> Self {
        Batches {
            cursor: 0,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    /// The next item, fetching the next step with `fetch(cursor)` when the batch is
    /// spent; `None` at the end of the walk. A failed step is returned once and ends
    /// the walk, so the iterators built on this are fused.
    pub(crate) fn next(
        &mut self,
        mut fetch: impl FnMut(u64) -> Result<(u64, Vec<T>)>,
    ) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            match fetch(self.cursor) {
                Ok((next, items)) => {
                    self.buffer.extend(items);
                    self.cursor = next;
                    self.done = next == 0;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
