//! Stream commands (Redis's `t_stream.c`): the [`Streams`] handle. The stream value
//! lives in `value/stream.rs`.
//!
//! | Redis | here |
//! |---|---|
//! | `XADD` | [`xadd`](Streams::xadd) |
//! | `XLEN` | [`xlen`](Streams::xlen) |
//! | `XRANGE` / `XREVRANGE` | [`xrange`](Streams::xrange) / [`xrevrange`](Streams::xrevrange) |
//! | `XDEL` / `XTRIM` / `XSETID` | [`xdel`](Streams::xdel) / [`xtrim`](Streams::xtrim) / [`xsetid`](Streams::xsetid) |
//! | `XREAD` (`BLOCK`) | [`xread`](Streams::xread), [`xread_block`](Streams::xread_block) |
//!
//! IDs come from the store's clock (a [`ManualClock`](crate::ManualClock) makes them
//! predictable) and never go backwards: an ID is always above the stream's last one.
//!
//! # Blocking
//!
//! [`xread_block`](Streams::xread_block) waits, holding no lock, until an entry is added
//! after the ID it asked from on one of its streams; every reader waiting on a stream
//! gets the new entries (reading a stream consumes nothing). As for the lists' blocking
//! pops, timeouts are real time and a [`CancelToken`] given with
//! [`cancel_with`](Streams::cancel_with) ends a wait from another thread.

use std::time::Duration;

use crate::keyspace::blocking::{Attempt, Blocked, CancelToken, Served};
use crate::keyspace::{Access, notify};
use crate::value::KeyType;
use crate::value::stream::{NodeLimits, Stream, Trim};
use crate::{Blob, Error, Result};

mod group;
mod info;

pub use crate::value::stream::{StreamEntry, StreamId};
pub(crate) use group::c_text;
pub use group::{
    AutoClaim, ClaimTime, GroupCreate, GroupEntry, GroupRead, GroupReads, GroupStart, PendingEntry,
    PendingRange, PendingSummary, XClaim, XReadGroup,
};
pub use info::{
    ConsumerInfo, ConsumerInfoFull, GroupInfo, GroupInfoFull, StreamInfo, StreamInfoFull,
};

/// The ID `XADD` gives a new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAddId {
    /// `*`: from the clock, above the stream's last ID.
    Auto,
    /// `ms-*`: these milliseconds, the next free sequence.
    AutoSeq(u64),
    /// `ms-seq`: exactly this ID, which must be above the stream's last one.
    Explicit(StreamId),
}

/// How `XTRIM` (and `XADD`'s trimming) chooses the entries to remove.
///
/// # Examples
///
/// ```
/// use embedis::{StreamTrim, XAdd, XAddId};
/// let store = embedis::Store::new();
/// for _ in 0..10 {
///     store.streams().xadd("log", &XAdd::new(), [("n", "1")])?;
/// }
/// assert_eq!(store.streams().xtrim("log", &StreamTrim::max_len(4))?, 6);
/// assert_eq!(store.streams().xlen("log")?, 4);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamTrim {
    pub(crate) trim: Trim,
    pub(crate) approx: bool,
    pub(crate) limit: Option<u64>,
}

impl StreamTrim {
    /// Keep at most `n` entries (`MAXLEN n`).
    pub fn max_len(n: u64) -> Self {
        StreamTrim {
            trim: Trim::MaxLen(n),
            approx: false,
            limit: None,
        }
    }

    /// Remove the entries below `id` (`MINID id`).
    pub fn min_id(id: StreamId) -> Self {
        StreamTrim {
            trim: Trim::MinId(id),
            approx: false,
            limit: None,
        }
    }

    /// Remove only whole blocks of entries (`~`): cheaper, and may keep a few more.
    #[must_use]
    pub fn approx(mut self) -> Self {
        self.approx = true;
        self
    }

    /// With [`approx`](Self::approx), remove at most about `n` entries (`LIMIT n`; 0: no
    /// bound). Without it, the default is 100 blocks' worth.
    #[must_use]
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// The bound on entries removed, as Redis sets it: none for an exact trim or while
    /// a log is replayed, else the given one or 100 blocks' worth (within 10,000 and
    /// 1,000,000 entries).
    fn effective_limit(&self, loading: bool, limits: NodeLimits) -> u64 {
        if loading || !self.approx {
            return 0;
        }
        self.limit
            .unwrap_or_else(|| match (limits.max_entries as u64).saturating_mul(100) {
                0 => 10_000,
                n => n.min(1_000_000),
            })
    }
}

/// `XADD`'s options: the ID, `NOMKSTREAM` and trimming.
///
/// # Examples
///
/// ```
/// use embedis::{StreamId, StreamTrim, XAdd, XAddId};
/// let store = embedis::Store::new();
/// let streams = store.streams();
/// let id = streams.xadd("s", &XAdd::id(StreamId::new(5, 0)), [("f", "v")])?;
/// assert_eq!(id, Some(StreamId::new(5, 0)));
/// let next = streams.xadd("s", &XAdd::new().with_id(XAddId::AutoSeq(5)), [("f", "v")])?;
/// assert_eq!(next, Some(StreamId::new(5, 1)));
/// // NOMKSTREAM: no stream is made.
/// assert_eq!(streams.xadd("other", &XAdd::new().no_mkstream(), [("f", "v")])?, None);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XAdd {
    pub(crate) id: XAddId,
    pub(crate) no_mkstream: bool,
    pub(crate) trim: Option<StreamTrim>,
}

impl Default for XAdd {
    fn default() -> Self {
        XAdd::new()
    }
}

impl XAdd {
    /// An entry with an ID from the clock (`*`), making the stream if needed.
    pub fn new() -> Self {
        XAdd {
            id: XAddId::Auto,
            no_mkstream: false,
            trim: None,
        }
    }

    /// An entry with exactly `id`.
    pub fn id(id: StreamId) -> Self {
        XAdd::new().with_id(XAddId::Explicit(id))
    }

    /// The ID to give.
    #[must_use]
    pub fn with_id(mut self, id: XAddId) -> Self {
        self.id = id;
        self
    }

    /// Add nothing if the stream does not exist (`NOMKSTREAM`).
    #[must_use]
    pub fn no_mkstream(mut self) -> Self {
        self.no_mkstream = true;
        self
    }

    /// Trim the stream after adding.
    #[must_use]
    pub fn trim(mut self, trim: StreamTrim) -> Self {
        self.trim = Some(trim);
        self
    }
}

/// What `XREAD` read: each stream's key with its entries.
pub type StreamReads = Vec<(Blob, Vec<StreamEntry>)>;

/// Where `XREAD` reads a stream from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The entries after this ID.
    After(StreamId),
    /// `$`: the entries added after the call (for a blocking read; nothing otherwise).
    New,
}

/// Commands on streams, in one database. From [`Store::streams`](crate::Store::streams).
///
/// A handle is a borrowed view of the store: it holds no lock between calls.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use embedis::{ManualClock, Store, StreamId, XAdd};
/// let clock = ManualClock::new();
/// clock.set(UNIX_EPOCH + Duration::from_millis(1_000));
/// let store = Store::builder().clock(clock.clone()).build();
/// let streams = store.streams();
/// let a = streams.xadd("events", &XAdd::new(), [("user", "ann"), ("action", "login")])?;
/// let b = streams.xadd("events", &XAdd::new(), [("user", "bob"), ("action", "login")])?;
/// assert_eq!((a, b), (Some(StreamId::new(1_000, 0)), Some(StreamId::new(1_000, 1))));
/// assert_eq!(streams.xlen("events")?, 2);
/// let last = streams.xrevrange("events", StreamId::MAX, StreamId::MIN, Some(1))?;
/// assert_eq!(last[0].fields[0], ("user".into(), "bob".into()));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Streams<'s> {
    ks: Access<'s>,
    db: usize,
    cancel: Option<&'s CancelToken>,
}

impl<'s> Streams<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Streams {
            ks,
            db,
            cancel: None,
        }
    }

    /// The same handle, whose blocking reads end with [`Error::Unblocked`] when `token`
    /// is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{CancelToken, ReadFrom};
    /// let store = embedis::Store::new();
    /// let token = CancelToken::new();
    /// token.cancel();
    /// let read = store.streams().cancel_with(&token).xread_block(&[("s", ReadFrom::New)], None, None);
    /// assert_eq!(read, Err(embedis::Error::Unblocked));
    /// ```
    #[must_use]
    pub fn cancel_with(self, token: &'s CancelToken) -> Streams<'s> {
        Streams {
            cancel: Some(token),
            ..self
        }
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&Stream>) -> R) -> Result<R> {
        self.ks.read_as(self.db, key, f)
    }

    /// Adds an entry of `fields` (at least one pair) and returns its ID (`XADD`); `None`
    /// if the stream does not exist and `options` say
    /// [`no_mkstream`](XAdd::no_mkstream).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] if `fields`
    /// is empty; [`Error::StreamIdZero`], [`Error::StreamIdTooSmall`] or
    /// [`Error::StreamExhausted`] if the ID is 0-0, not above the stream's last, or past
    /// the last possible one.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(2, 0)), [("f", "v")])?;
    /// let err = store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")]);
    /// assert!(err.unwrap_err().to_string().contains("equal or smaller"));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xadd<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        options: &XAdd,
        fields: impl IntoIterator<Item = (F, V)>,
    ) -> Result<Option<StreamId>> {
        let owned: Vec<(F, V)> = fields.into_iter().collect();
        if owned.is_empty() {
            return Err(Error::WrongArity("xadd"));
        }
        let fields: Vec<(&[u8], &[u8])> = owned
            .iter()
            .map(|(f, v)| (f.as_ref(), v.as_ref()))
            .collect();
        self.add(key.as_ref(), options, &fields)
    }

    pub(crate) fn add(
        &self,
        key: &[u8],
        options: &XAdd,
        fields: &[(&[u8], &[u8])],
    ) -> Result<Option<StreamId>> {
        if options.id == XAddId::Explicit(StreamId::MIN) {
            return Err(Error::StreamIdZero);
        }
        let total: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        self.ks.admit()?;
        let now = self.ks.now();
        let loading = self.ks.keyspace().loading();
        let limits = self.ks.keyspace().stream_node_limits();
        self.ks.write(self.db, key, |e| {
            let last = match e.get::<Stream>()? {
                Some(s) => s.last_id,
                None if options.no_mkstream => return Ok(None),
                None => StreamId::MIN,
            };
            if last == StreamId::MAX {
                return Err(Error::StreamExhausted);
            }
            let id = match options.id {
                XAddId::Auto => {
                    if now > last.ms {
                        StreamId::new(now, 0)
                    } else {
                        last.next().ok_or_else(|| Error::StreamIdTooSmall)?
                    }
                }
                XAddId::AutoSeq(ms) if ms == last.ms => {
                    if last.seq == u64::MAX {
                        return Err(Error::StreamIdTooSmall);
                    }
                    StreamId::new(ms, last.seq + 1)
                }
                XAddId::AutoSeq(ms) => StreamId::new(ms, 0),
                XAddId::Explicit(id) => id,
            };
            if id <= last {
                return Err(Error::StreamIdTooSmall);
            }
            if total > 1 << 30 {
                return Err(Error::StreamElementsTooLarge);
            }
            let trim = options.trim;
            let (trimmed, after) = e.update::<Stream, _>(|s| {
                s.append(id, fields, limits);
                let trimmed = trim.map_or(0, |t| {
                    s.trim(t.trim, t.approx, t.effective_limit(loading, limits))
                });
                Ok((trimmed, (s.len(), s.first_id_any())))
            })?;
            e.notify(notify::STREAM, "xadd");
            if trimmed > 0 {
                e.notify(notify::STREAM, "xtrim");
            }
            e.signal_ready();
            e.propagate(|r| {
                r.arg("XADD").arg(key);
                if let Some(t) = trim {
                    trim_args(r, &t, after);
                }
                if options.no_mkstream {
                    r.arg("NOMKSTREAM");
                }
                r.arg(id.to_string());
                for (f, v) in fields {
                    r.arg(f).arg(v);
                }
            });
            Ok(Some(id))
        })
    }

    /// The number of entries (`XLEN`); 0 if the key does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.streams().xlen("none")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xlen(&self, key: impl AsRef<[u8]>) -> Result<u64> {
        self.read(key.as_ref(), |s| s.map_or(0, Stream::len))
    }

    /// The entries from `start` to `end`, both included, at most `count` (`XRANGE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// for ms in 1..=5 {
    ///     store.streams().xadd("s", &XAdd::id(StreamId::new(ms, 0)), [("n", ms.to_string())])?;
    /// }
    /// let some = store.streams().xrange("s", StreamId::new(2, 0), StreamId::new(4, 0), Some(2))?;
    /// assert_eq!(some.iter().map(|e| e.id.ms).collect::<Vec<_>>(), [2, 3]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xrange(
        &self,
        key: impl AsRef<[u8]>,
        start: StreamId,
        end: StreamId,
        count: Option<usize>,
    ) -> Result<Vec<StreamEntry>> {
        self.range(key.as_ref(), start, end, count, false)
    }

    /// The entries from `end` down to `start`, both included, at most `count`
    /// (`XREVRANGE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// for ms in 1..=3 {
    ///     store.streams().xadd("s", &XAdd::id(StreamId::new(ms, 0)), [("n", "x")])?;
    /// }
    /// let back = store.streams().xrevrange("s", StreamId::MAX, StreamId::MIN, None)?;
    /// assert_eq!(back.iter().map(|e| e.id.ms).collect::<Vec<_>>(), [3, 2, 1]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xrevrange(
        &self,
        key: impl AsRef<[u8]>,
        end: StreamId,
        start: StreamId,
        count: Option<usize>,
    ) -> Result<Vec<StreamEntry>> {
        self.range(key.as_ref(), start, end, count, true)
    }

    fn range(
        &self,
        key: &[u8],
        start: StreamId,
        end: StreamId,
        count: Option<usize>,
        rev: bool,
    ) -> Result<Vec<StreamEntry>> {
        self.read(key, |s| {
            s.map(|s| {
                s.range(start, end, rev)
                    .take(count.unwrap_or(usize::MAX))
                    .map(crate::value::stream::EntryRef::to_entry)
                    .collect()
            })
            .unwrap_or_default()
        })
    }

    /// Deletes the entries with `ids`; returns how many existed (`XDEL`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// assert_eq!(store.streams().xdel("s", [StreamId::new(1, 0), StreamId::new(9, 0)])?, 1);
    /// // The stream stays, empty.
    /// assert_eq!(store.keys().key_type("s")?, Some(embedis::KeyType::Stream));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xdel(
        &self,
        key: impl AsRef<[u8]>,
        ids: impl IntoIterator<Item = StreamId>,
    ) -> Result<u64> {
        let ids: Vec<StreamId> = ids.into_iter().collect();
        self.del(key.as_ref(), || Ok(ids))
    }

    /// `XDEL` with IDs read only once the key is found to hold a stream, as Redis
    /// checks them (a missing key answers 0 whatever they are).
    pub(crate) fn del(
        &self,
        key: &[u8],
        ids: impl FnOnce() -> Result<Vec<StreamId>>,
    ) -> Result<u64> {
        self.ks.write(self.db, key, |e| {
            let Some(s) = e.get::<Stream>()? else {
                return Ok(0);
            };
            let ids = ids()?;
            if !ids.iter().any(|&id| s.get(id).is_some()) {
                return Ok(0);
            }
            let deleted = e
                .update_existing::<Stream, _>(|s| {
                    Ok(ids.iter().filter(|&&id| s.delete(id)).count() as u64)
                })?
                .unwrap_or(0);
            e.notify(notify::STREAM, "xdel");
            e.propagate(|r| {
                r.arg("XDEL").arg(key);
                for id in &ids {
                    r.arg(id.to_string());
                }
            });
            Ok(deleted)
        })
    }

    /// Trims the stream; returns how many entries went (`XTRIM`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, StreamTrim, XAdd};
    /// let store = embedis::Store::new();
    /// for ms in 1..=5 {
    ///     store.streams().xadd("s", &XAdd::id(StreamId::new(ms, 0)), [("f", "v")])?;
    /// }
    /// assert_eq!(store.streams().xtrim("s", &StreamTrim::min_id(StreamId::new(4, 0)))?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xtrim(&self, key: impl AsRef<[u8]>, trim: &StreamTrim) -> Result<u64> {
        let key = key.as_ref();
        let loading = self.ks.keyspace().loading();
        self.ks.write(self.db, key, |e| {
            let limit = trim.effective_limit(loading, self.ks.keyspace().stream_node_limits());
            match e.get::<Stream>()? {
                Some(s) if s.trim_count(trim.trim, trim.approx, limit) > 0 => {}
                // Trimming that removes nothing changes nothing.
                _ => return Ok(0),
            }
            let (removed, after) = e
                .update_existing::<Stream, _>(|s| {
                    let removed = s.trim(trim.trim, trim.approx, limit);
                    Ok((removed, (s.len(), s.first_id_any())))
                })?
                .unwrap_or((0, (0, StreamId::MIN)));
            e.notify(notify::STREAM, "xtrim");
            e.propagate(|r| {
                r.arg("XTRIM").arg(key);
                trim_args(r, trim, after);
            });
            Ok(removed)
        })
    }

    /// Sets the stream's last ID, and optionally its count of entries ever added and
    /// its largest deleted ID (`XSETID`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKey`] if it does
    /// not exist; [`Error::SetIdBelowMaxDeleted`], [`Error::SetIdBelowTop`] or
    /// [`Error::EntriesAddedBelowLength`] if the values contradict each other or the
    /// stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// store.streams().xsetid("s", StreamId::new(100, 0), None, None)?;
    /// let next = store.streams().xadd("s", &XAdd::new().with_id(embedis::XAddId::AutoSeq(100)), [("f", "v")])?;
    /// assert_eq!(next, Some(StreamId::new(100, 1)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xsetid(
        &self,
        key: impl AsRef<[u8]>,
        last_id: StreamId,
        entries_added: Option<u64>,
        max_deleted: Option<StreamId>,
    ) -> Result<()> {
        let key = key.as_ref();
        if let Some(max_deleted) = max_deleted
            && last_id < max_deleted
        {
            return Err(Error::SetIdBelowMaxDeleted);
        }
        self.ks.write(self.db, key, |e| {
            let Some(s) = e.get::<Stream>()? else {
                return Err(Error::NoSuchKey);
            };
            if let Some(top) = s.last_entry() {
                if last_id < top.id {
                    return Err(Error::SetIdBelowTop);
                }
                if entries_added.is_some_and(|added| s.len() > added) {
                    return Err(Error::EntriesAddedBelowLength);
                }
            }
            // Redis 7.0 counts the change but signals no watcher.
            e.unsignalled(|e| {
                e.update_existing::<Stream, _>(|s| {
                    s.last_id = last_id;
                    if let Some(added) = entries_added {
                        s.entries_added = added;
                    }
                    if let Some(max_deleted) = max_deleted
                        && max_deleted != StreamId::MIN
                    {
                        s.max_deleted_id = max_deleted;
                    }
                    Ok(())
                })
            })?;
            e.notify(notify::STREAM, "xsetid");
            e.propagate(|r| {
                r.arg("XSETID").arg(key).arg(last_id.to_string());
                if let Some(added) = entries_added {
                    r.arg("ENTRIESADDED").uint(added);
                }
                if let Some(max_deleted) = max_deleted {
                    r.arg("MAXDELETEDID").arg(max_deleted.to_string());
                }
            });
            Ok(())
        })
    }

    /// The entries after each stream's ID, at most `count` a stream (`XREAD`): the
    /// streams that have some, with their entries. [`ReadFrom::New`] reads nothing here.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a key holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ReadFrom, StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("a", &XAdd::id(StreamId::new(1, 0)), [("f", "1")])?;
    /// store.streams().xadd("a", &XAdd::id(StreamId::new(2, 0)), [("f", "2")])?;
    /// let read = store.streams().xread(&[("a", ReadFrom::After(StreamId::new(1, 0))), ("b", ReadFrom::After(StreamId::MIN))], None)?;
    /// assert_eq!(read.len(), 1);
    /// assert_eq!(read[0].1[0].id, StreamId::new(2, 0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xread<K: AsRef<[u8]>>(
        &self,
        streams: &[(K, ReadFrom)],
        count: Option<usize>,
    ) -> Result<StreamReads> {
        // In cluster mode the streams must share a hash slot.
        self.ks
            .keyspace()
            .check_slots(streams.iter().map(|(k, _)| k.as_ref()))?;
        let mut out = Vec::new();
        for (key, from) in streams {
            let key = key.as_ref();
            let ReadFrom::After(after) = *from else {
                self.read(key, |_| ())?;
                continue;
            };
            let entries = self.after(key, after, count)?;
            if !entries.is_empty() {
                out.push((Blob::copy_from_slice(key), entries));
            }
        }
        Ok(out)
    }

    fn after(&self, key: &[u8], after: StreamId, count: Option<usize>) -> Result<Vec<StreamEntry>> {
        let Some(start) = after.next() else {
            return self.read(key, |_| Vec::new());
        };
        self.range(key, start, StreamId::MAX, count, false)
    }

    /// [`xread`](Self::xread), waiting up to `timeout` (`None`: forever) when no stream
    /// has entries after its ID (`XREAD BLOCK`): then the first stream an entry is added
    /// to answers, alone, with at most `count` entries (1,000 if `None`, as Redis).
    /// `None` on timeout.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a key holds another type; [`Error::Unblocked`] if
    /// cancelled through [`cancel_with`](Self::cancel_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{ReadFrom, XAdd};
    /// let store = embedis::Store::new();
    /// let reader = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || {
    ///         store.streams().xread_block(&[("events", ReadFrom::New)], None, Some(Duration::from_secs(5)))
    ///     })
    /// };
    /// while store.blocked_clients() == 0 {
    ///     std::thread::yield_now(); // until the reader waits
    /// }
    /// store.streams().xadd("events", &XAdd::new(), [("kind", "login")])?;
    /// let read = reader.join().unwrap()?.unwrap();
    /// assert_eq!(read[0].1[0].fields[0].1, "login");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xread_block<K: AsRef<[u8]>>(
        &self,
        streams: &[(K, ReadFrom)],
        count: Option<usize>,
        timeout: Option<Duration>,
    ) -> Result<Option<StreamReads>> {
        if self.cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(Error::Unblocked);
        }
        let (keys, attempt) = match self.read_or_wait(streams, count)? {
            Ok(now) => return Ok(Some(now)),
            Err(wait) => wait,
        };
        let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let served = self.ks.keyspace().blocking().run(
            self.ks,
            self.db,
            &keys,
            KeyType::Stream,
            timeout,
            self.cancel,
            attempt,
        )?;
        Ok(served.map(read_served))
    }

    /// [`xread_block`](Self::xread_block) as a future: it waits without a thread, on
    /// any executor (see [`Blocked`]). The streams are read when it is made: if some
    /// have entries after their IDs, it is ready with them.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use embedis::{ReadFrom, StreamId};
    /// let store = embedis::Store::new();
    /// let read = store.streams().xread_block_async(&[("events", ReadFrom::After(StreamId::MIN))], None, Some(Duration::from_millis(10)));
    /// assert_eq!(read.await?, None);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn xread_block_async<K: AsRef<[u8]>>(
        self,
        streams: &[(K, ReadFrom)],
        count: Option<usize>,
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<StreamReads>> {
        if self.cancel.is_some_and(CancelToken::is_cancelled) {
            return Blocked::ready(Err(Error::Unblocked));
        }
        let (keys, attempt) = match self.read_or_wait(streams, count) {
            Err(e) => return Blocked::ready(Err(e)),
            Ok(Ok(now)) => return Blocked::ready(Ok(Some(now))),
            Ok(Err(wait)) => wait,
        };
        Blocked::call(
            self.ks,
            self.db,
            keys,
            KeyType::Stream,
            timeout,
            self.cancel,
            attempt,
            None,
            |s| s.map(read_served),
        )
    }

    /// `XREAD`'s first read: the entries found now (`Ok`, never empty), or what a
    /// blocked reader waits with (`Err`): the keys, and its attempt.
    fn read_or_wait<K: AsRef<[u8]>>(
        &self,
        streams: &[(K, ReadFrom)],
        count: Option<usize>,
    ) -> Result<std::result::Result<StreamReads, ReadWait>> {
        let now = self.xread(streams, count)?;
        if !now.is_empty() {
            return Ok(Ok(now));
        }
        // Each stream's starting point (`$` is its last ID now), and its last ID now.
        let mut from: Vec<(Vec<u8>, StreamId, StreamId)> = Vec::with_capacity(streams.len());
        for (key, start) in streams {
            let key = key.as_ref();
            let last = self.read(key, |s| s.map_or(StreamId::MIN, |s| s.last_id))?;
            let after = match *start {
                ReadFrom::After(id) => id,
                ReadFrom::New => last,
            };
            from.push((key.to_vec(), after, last));
        }
        let db = self.db;
        let keys: Vec<Blob> = from
            .iter()
            .map(|(k, ..)| Blob::copy_from_slice(k))
            .collect();
        // A reader is served entries after its ID; and, as Redis serves a blocked reader
        // once the stream's last ID passes its own, also none when an entry was added
        // since the call began but is gone (trimmed as it was added).
        let attempt = move |ks: Access<'_>, key: &[u8]| -> Option<Result<Served>> {
            let &(_, after, last_then) = from.iter().find(|(k, ..)| k == key)?;
            let start = after.next()?;
            let read = ks.read_as(db, key, |s: Option<&Stream>| {
                s.map(|s| {
                    let entries = s
                        .range(start, StreamId::MAX, false)
                        .take(count.unwrap_or(BLOCKED_DEFAULT_COUNT))
                        .map(crate::value::stream::EntryRef::to_entry)
                        .collect::<Vec<_>>();
                    (entries, s.last_id > after && s.last_id != last_then)
                })
            });
            match read {
                Err(e) => Some(Err(e)),
                Ok(Some((entries, moved))) if !entries.is_empty() || moved => Some(Ok(Served {
                    entries,
                    ..Served::new(key, Vec::new())
                })),
                Ok(_) => None,
            }
        };
        Ok(Err((keys, Box::new(attempt))))
    }
}

/// What a blocked `XREAD` waits with: its keys, and its attempt.
type ReadWait = (Vec<Blob>, Box<Attempt>);

/// What a woken `XREAD` answers: the one stream it was served from.
fn read_served(s: Served) -> StreamReads {
    vec![(s.key, s.entries)]
}

/// How many entries a woken reader without a count gets at most (Redis's
/// `XREAD_BLOCKED_DEFAULT_COUNT`): an old ID then does not return a huge stream.
const BLOCKED_DEFAULT_COUNT: usize = 1000;

/// Appends the trimming arguments as Redis propagates them: an approximate trim as an
/// exact one to the length (or first ID) it left, so that replaying it removes the same.
fn trim_args(
    r: &mut crate::keyspace::feed::Rec<'_>,
    t: &StreamTrim,
    (len, first): (u64, StreamId),
) {
    match t.trim {
        Trim::MaxLen(n) => {
            r.arg("MAXLEN");
            if t.approx {
                r.arg("=").uint(len);
            } else {
                r.uint(n);
            }
        }
        Trim::MinId(id) => {
            r.arg("MINID");
            if t.approx {
                r.arg("=").arg(first.to_string());
            } else {
                r.arg(id.to_string());
            }
        }
    }
    if let Some(limit) = t.limit
        && t.approx
    {
        r.arg("LIMIT").uint(limit);
    }
}
