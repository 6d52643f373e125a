//! Consumer groups: `XGROUP`, `XREADGROUP`, `XACK`, `XPENDING`, `XCLAIM` and
//! `XAUTOCLAIM` on the [`Streams`] handle. The group model lives in
//! `value/stream/group.rs`.
//!
//! As in Redis 7.0, a change to a group (a read, an acknowledgement, a claim) is not a
//! change WATCH sees: only making the stream (`XGROUP CREATE … MKSTREAM`) is. A read
//! through a group is recorded in the log as the claims it made
//! (`XCLAIM … FORCE JUSTID LASTID`), never as the read itself.

use std::time::Duration;

use super::{BLOCKED_DEFAULT_COUNT, Streams};
use crate::keyspace::blocking::{Blocked, Served, Wait, serving_a_signal};
use crate::keyspace::feed::Rec;
use crate::keyspace::{Access, EntryMut, notify};
use crate::value::stream::{Claim, ClaimRules, Claimed, Group, Stream, idle};
use crate::{Blob, Error, Result, StreamEntry, StreamId};

/// Where a new group starts reading (`XGROUP CREATE`, `XGROUP SETID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStart {
    /// After this ID.
    Id(StreamId),
    /// `$`: after the stream's last ID, so only entries added from now on.
    Last,
}

/// `XGROUP CREATE`'s options.
///
/// # Examples
///
/// ```
/// use embedis::{GroupCreate, StreamId};
/// let store = embedis::Store::new();
/// // MKSTREAM: the stream is made if needed.
/// store.streams().xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())?;
/// let err = store.streams().xgroup_create("jobs", "workers", &GroupCreate::at(StreamId::MIN));
/// assert_eq!(err, Err(embedis::Error::BusyGroup));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCreate {
    pub(crate) start: GroupStart,
    pub(crate) mkstream: bool,
    pub(crate) entries_read: Option<u64>,
}

impl GroupCreate {
    /// A group that reads the entries after `id` (`0` reads the whole stream).
    pub fn at(id: StreamId) -> Self {
        GroupCreate {
            start: GroupStart::Id(id),
            mkstream: false,
            entries_read: None,
        }
    }

    /// A group that reads only entries added from now on (`$`).
    pub fn last() -> Self {
        GroupCreate {
            start: GroupStart::Last,
            ..GroupCreate::at(StreamId::MIN)
        }
    }

    /// Make an empty stream if the key does not exist (`MKSTREAM`).
    #[must_use]
    pub fn mkstream(mut self) -> Self {
        self.mkstream = true;
        self
    }

    /// The group's count of entries read (`ENTRIESREAD`), from which its lag is known.
    #[must_use]
    pub fn entries_read(mut self, n: u64) -> Self {
        self.entries_read = Some(n);
        self
    }
}

/// What `XREADGROUP` reads from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRead {
    /// `>`: entries never delivered to the group, which become the consumer's.
    New,
    /// The consumer's own pending entries after this ID (its history; 0-0 for all).
    Pending(StreamId),
}

/// `XREADGROUP`'s group, consumer and options.
///
/// # Examples
///
/// ```
/// use embedis::{GroupCreate, GroupRead, XAdd, XReadGroup};
/// let store = embedis::Store::new();
/// let streams = store.streams();
/// streams.xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())?;
/// streams.xadd("jobs", &XAdd::new(), [("task", "resize")])?;
/// let read = streams.xreadgroup(&XReadGroup::new("workers", "w1").count(10), &[("jobs", GroupRead::New)])?;
/// let entry = &read[0].1[0];
/// assert_eq!(entry.fields.as_ref().unwrap()[0].1, "resize");
/// assert_eq!(streams.xack("jobs", "workers", [entry.id])?, 1);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XReadGroup {
    pub(crate) group: Blob,
    pub(crate) consumer: Blob,
    pub(crate) count: Option<usize>,
    pub(crate) noack: bool,
}

impl XReadGroup {
    /// A read as `consumer` of `group`.
    pub fn new(group: impl AsRef<[u8]>, consumer: impl AsRef<[u8]>) -> Self {
        XReadGroup {
            group: Blob::copy_from_slice(group.as_ref()),
            consumer: Blob::copy_from_slice(consumer.as_ref()),
            count: None,
            noack: false,
        }
    }

    /// At most `n` entries a stream (`COUNT`; 0: no limit).
    #[must_use]
    pub fn count(mut self, n: usize) -> Self {
        self.count = (n > 0).then_some(n);
        self
    }

    /// Deliver without making entries pending: no acknowledgement needed (`NOACK`).
    #[must_use]
    pub fn noack(mut self) -> Self {
        self.noack = true;
        self
    }
}

/// An entry read through a group. `fields` is `None` for an entry of the consumer's
/// history that was deleted from the stream after it was delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// The entry's ID.
    pub id: StreamId,
    /// Its field-value pairs, `None` if the entry is gone.
    pub fields: Option<Vec<(Blob, Blob)>>,
}

impl From<StreamEntry> for GroupEntry {
    fn from(e: StreamEntry) -> Self {
        GroupEntry {
            id: e.id,
            fields: Some(e.fields),
        }
    }
}

/// What `XREADGROUP` read: each stream's key with its entries.
pub type GroupReads = Vec<(Blob, Vec<GroupEntry>)>;

/// `XPENDING key group`: the group's pending entries in summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PendingSummary {
    /// How many entries are pending.
    pub count: u64,
    /// The smallest and largest pending IDs (`None` when nothing is pending).
    pub range: Option<(StreamId, StreamId)>,
    /// Each consumer with pending entries, by name, and how many it has.
    pub consumers: Vec<(Blob, u64)>,
}

/// `XPENDING`'s extended form: which pending entries to list.
///
/// # Examples
///
/// ```
/// use embedis::{PendingRange, StreamId};
/// let range = PendingRange::new(StreamId::MIN, StreamId::MAX, 10).idle(60_000).consumer("w1");
/// # let _ = range;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRange {
    pub(crate) start: StreamId,
    pub(crate) end: StreamId,
    pub(crate) count: u64,
    pub(crate) min_idle: i64,
    pub(crate) consumer: Option<Blob>,
}

impl PendingRange {
    /// At most `count` pending entries from `start` to `end`, both included.
    pub fn new(start: StreamId, end: StreamId, count: u64) -> Self {
        PendingRange {
            start,
            end,
            count,
            min_idle: 0,
            consumer: None,
        }
    }

    /// Only entries not delivered for at least `ms` milliseconds (`IDLE`).
    #[must_use]
    pub fn idle(mut self, ms: i64) -> Self {
        self.min_idle = ms;
        self
    }

    /// Only the entries pending for `consumer`.
    #[must_use]
    pub fn consumer(mut self, consumer: impl AsRef<[u8]>) -> Self {
        self.consumer = Some(Blob::copy_from_slice(consumer.as_ref()));
        self
    }
}

/// A pending entry as `XPENDING` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    /// The entry's ID.
    pub id: StreamId,
    /// The consumer it was delivered to.
    pub consumer: Blob,
    /// Milliseconds since it was last delivered.
    pub idle: u64,
    /// How many times it was delivered.
    pub deliveries: u64,
}

/// When `XCLAIM` records a claimed entry as last delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimTime {
    /// This many milliseconds ago (`IDLE`).
    Idle(i64),
    /// At this Unix time in milliseconds (`TIME`).
    At(i64),
}

/// `XCLAIM`'s options.
///
/// # Examples
///
/// ```
/// use embedis::{ClaimTime, XClaim};
/// let options = XClaim::new().time(ClaimTime::Idle(0)).retry_count(3).force();
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XClaim {
    pub(crate) time: Option<ClaimTime>,
    pub(crate) retry_count: Option<u64>,
    pub(crate) force: bool,
    pub(crate) last_id: Option<StreamId>,
}

impl XClaim {
    /// Claims delivered now, their delivery count one more.
    pub fn new() -> Self {
        XClaim::default()
    }

    /// The delivery time to record (`IDLE` or `TIME`; a time in the future, or before
    /// 1970, is now).
    #[must_use]
    pub fn time(mut self, time: ClaimTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The delivery count to record (`RETRYCOUNT`).
    #[must_use]
    pub fn retry_count(mut self, n: u64) -> Self {
        self.retry_count = Some(n);
        self
    }

    /// Claim an entry the stream holds even if no consumer has it pending (`FORCE`).
    #[must_use]
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Move the group's last delivered ID up to `id` if it is below (`LASTID`).
    #[must_use]
    pub fn last_id(mut self, id: StreamId) -> Self {
        self.last_id = Some(id);
        self
    }
}

/// What `XAUTOCLAIM` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoClaim<T> {
    /// Where to go on from (0-0: the whole list was scanned).
    pub next: StreamId,
    /// The entries claimed (or their IDs).
    pub claimed: Vec<T>,
    /// Pending entries dropped because the stream no longer holds them.
    pub deleted: Vec<StreamId>,
}

/// Text of a key or name for an error message, as Redis's `%s` prints it (up to a NUL).
pub(crate) fn c_text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Records an `XCLAIM … FORCE JUSTID LASTID` for one pending entry, as Redis's
/// `streamPropagateXCLAIM` does.
fn record_claim(e: &EntryMut<'_>, key: &[u8], group: &[u8], claim: &Claim, last: StreamId) {
    e.propagate(|r| {
        r.arg("XCLAIM")
            .arg(key)
            .arg(group)
            .arg(&claim.consumer)
            .arg("0")
            .arg(claim.id.to_string())
            .arg("TIME")
            .uint(claim.delivery_time)
            .arg("RETRYCOUNT")
            .uint(claim.delivery_count)
            .arg("FORCE")
            .arg("JUSTID")
            .arg("LASTID")
            .arg(last.to_string());
    });
}

/// Records `XGROUP SETID key group last ENTRIESREAD n` (`streamPropagateGroupID`).
fn record_group_id(e: &EntryMut<'_>, key: &[u8], group: &[u8], (last, read): Position) {
    e.propagate(|r| {
        r.arg("XGROUP")
            .arg("SETID")
            .arg(key)
            .arg(group)
            .arg(last.to_string())
            .arg("ENTRIESREAD");
        entries_read_arg(r, read);
    });
}

/// A group's last delivered ID and count of entries read.
type Position = (StreamId, Option<u64>);

fn position(s: &Stream, group: &[u8]) -> Option<Position> {
    s.groups.get(group).map(|g| (g.last_id, g.entries_read))
}

fn entries_read_arg(r: &mut Rec<'_>, read: Option<u64>) {
    match read {
        #[allow(clippy::cast_possible_wrap)] // long long, as Redis prints it
        Some(n) => r.int(n as i64),
        None => r.int(-1),
    };
}

/// Records `XGROUP CREATECONSUMER key group consumer`.
fn record_consumer(e: &EntryMut<'_>, key: &[u8], group: &[u8], consumer: &[u8]) {
    e.propagate(|r| {
        r.arg("XGROUP")
            .arg("CREATECONSUMER")
            .arg(key)
            .arg(group)
            .arg(consumer);
    });
}

/// The group `group` of the stream an entry holds, checked: [`Error::WrongType`], or
/// `missing()` when there is no stream or no such group.
fn group_of<'e>(
    e: &'e EntryMut<'_>,
    group: &[u8],
    missing: impl FnOnce() -> Error,
) -> Result<&'e Group> {
    e.get::<Stream>()?
        .and_then(|s| s.groups.get(group))
        .ok_or_else(missing)
}

/// The stream's last ID if the entry holds a stream with group `group`, else the
/// error `XGROUP` answers.
fn existing_group(e: &EntryMut<'_>, key: &[u8], group: &[u8]) -> Result<StreamId> {
    let s = e.get::<Stream>()?.ok_or_else(|| Error::GroupNeedsStream)?;
    if !s.groups.contains_key(group) {
        return Err(Error::NoSuchGroup(Box::new((c_text(group), c_text(key)))));
    }
    Ok(s.last_id)
}

/// Edits the stream held (known to be there) with no signal to WATCH, as Redis
/// changes groups.
fn edit_groups<R>(e: &mut EntryMut<'_>, f: impl FnOnce(&mut Stream) -> R) -> Result<R> {
    e.unsignalled(|e| e.update_existing::<Stream, _>(|s| Ok(f(s))))?
        .ok_or_else(|| Error::WrongType)
}

impl<'s> Streams<'s> {
    /// Creates consumer group `group` (`XGROUP CREATE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::GroupNeedsStream`] if
    /// it does not exist (without [`mkstream`](GroupCreate::mkstream));
    /// [`Error::BusyGroup`] if the group exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, StreamId};
    /// let store = embedis::Store::new();
    /// let missing = store.streams().xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN));
    /// assert_eq!(missing, Err(embedis::Error::GroupNeedsStream));
    /// store.streams().xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// assert_eq!(store.streams().xinfo_groups("s")?[0].name, "g");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xgroup_create(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        options: &GroupCreate,
    ) -> Result<()> {
        let (key, group) = (key.as_ref(), group.as_ref());
        self.ks.write(self.db, key, |e| {
            let existing = e.get::<Stream>()?;
            if existing.is_none() && !options.mkstream {
                return Err(Error::GroupNeedsStream);
            }
            let id = match options.start {
                GroupStart::Id(id) => id,
                GroupStart::Last => existing.map_or(StreamId::MIN, |s| s.last_id),
            };
            if existing.is_some_and(|s| s.groups.contains_key(group)) {
                return Err(Error::BusyGroup);
            }
            let make = |s: &mut Stream| {
                s.groups.insert(
                    Blob::copy_from_slice(group),
                    Group::new(id, options.entries_read),
                );
            };
            if existing.is_some() {
                edit_groups(e, make)?;
            } else {
                e.update::<Stream, _>(|s| {
                    make(s);
                    Ok(())
                })?;
            }
            e.notify(notify::STREAM, "xgroup-create");
            e.propagate(|r| {
                r.arg("XGROUP")
                    .arg("CREATE")
                    .arg(key)
                    .arg(group)
                    .arg(id.to_string());
                if options.mkstream {
                    r.arg("MKSTREAM");
                }
                r.arg("ENTRIESREAD");
                entries_read_arg(r, options.entries_read);
            });
            Ok(())
        })
    }

    /// Sets where group `group` reads from, and its count of entries read (`None`:
    /// unknown) (`XGROUP SETID`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::GroupNeedsStream`] if
    /// it does not exist; [`Error::NoSuchGroup`] if the group does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupStart, StreamId};
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last().mkstream())?;
    /// store.streams().xgroup_setid("s", "g", GroupStart::Id(StreamId::new(5, 0)), None)?;
    /// assert_eq!(store.streams().xinfo_groups("s")?[0].last_delivered_id, StreamId::new(5, 0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xgroup_setid(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        start: GroupStart,
        entries_read: Option<u64>,
    ) -> Result<()> {
        let (key, group) = (key.as_ref(), group.as_ref());
        self.ks.write(self.db, key, |e| {
            let last = existing_group(e, key, group)?;
            let id = match start {
                GroupStart::Id(id) => id,
                GroupStart::Last => last,
            };
            edit_groups(e, |s| {
                if let Some(g) = s.groups.get_mut(group) {
                    g.last_id = id;
                    g.entries_read = entries_read;
                }
            })?;
            e.notify(notify::STREAM, "xgroup-setid");
            e.propagate(|r| {
                r.arg("XGROUP")
                    .arg("SETID")
                    .arg(key)
                    .arg(group)
                    .arg(id.to_string())
                    .arg("ENTRIESREAD");
                entries_read_arg(r, entries_read);
            });
            Ok(())
        })
    }

    /// Destroys group `group`; `true` if it existed (`XGROUP DESTROY`). Consumers
    /// blocked reading through it get [`Error::GroupGone`].
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::GroupNeedsStream`] if
    /// it does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::GroupCreate;
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last().mkstream())?;
    /// assert!(store.streams().xgroup_destroy("s", "g")?);
    /// assert!(!store.streams().xgroup_destroy("s", "g")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xgroup_destroy(&self, key: impl AsRef<[u8]>, group: impl AsRef<[u8]>) -> Result<bool> {
        let (key, group) = (key.as_ref(), group.as_ref());
        self.ks.write(self.db, key, |e| {
            let s = e.get::<Stream>()?.ok_or_else(|| Error::GroupNeedsStream)?;
            if !s.groups.contains_key(group) {
                return Ok(false);
            }
            edit_groups(e, |s| s.groups.remove(group))?;
            e.notify(notify::STREAM, "xgroup-destroy");
            // Readers blocked on the group are told it is gone.
            e.signal_ready();
            e.propagate(|r| {
                r.arg("XGROUP").arg("DESTROY").arg(key).arg(group);
            });
            Ok(true)
        })
    }

    /// Adds consumer `consumer` to group `group`; `true` if it is new
    /// (`XGROUP CREATECONSUMER`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::GroupNeedsStream`] if
    /// it does not exist; [`Error::NoSuchGroup`] if the group does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::GroupCreate;
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last().mkstream())?;
    /// assert!(store.streams().xgroup_createconsumer("s", "g", "alice")?);
    /// assert!(!store.streams().xgroup_createconsumer("s", "g", "alice")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xgroup_createconsumer(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (key, group, consumer) = (key.as_ref(), group.as_ref(), consumer.as_ref());
        let now = self.ks.wall_ms();
        self.ks.write(self.db, key, |e| {
            existing_group(e, key, group)?;
            if group_of(e, group, || Error::GroupNeedsStream)?
                .consumers
                .contains_key(consumer)
            {
                return Ok(false);
            }
            edit_groups(e, |s| {
                if let Some(g) = s.groups.get_mut(group) {
                    g.touch_consumer(consumer, now);
                }
            })?;
            e.notify(notify::STREAM, "xgroup-createconsumer");
            record_consumer(e, key, group, consumer);
            Ok(true)
        })
    }

    /// Deletes consumer `consumer` of group `group` and its pending entries; returns
    /// how many it had (`XGROUP DELCONSUMER`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::GroupNeedsStream`] if
    /// it does not exist; [`Error::NoSuchGroup`] if the group does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, StreamId, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// store.streams().xadd("s", &XAdd::new(), [("f", "v")])?;
    /// store.streams().xreadgroup(&XReadGroup::new("g", "bob"), &[("s", GroupRead::New)])?;
    /// assert_eq!(store.streams().xgroup_delconsumer("s", "g", "bob")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xgroup_delconsumer(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
    ) -> Result<u64> {
        let (key, group, consumer) = (key.as_ref(), group.as_ref(), consumer.as_ref());
        self.ks.write(self.db, key, |e| {
            existing_group(e, key, group)?;
            if !group_of(e, group, || Error::GroupNeedsStream)?
                .consumers
                .contains_key(consumer)
            {
                return Ok(0);
            }
            let pending = edit_groups(e, |s| {
                s.groups
                    .get_mut(group)
                    .and_then(|g| g.remove_consumer(consumer))
                    .unwrap_or(0)
            })?;
            e.notify(notify::STREAM, "xgroup-delconsumer");
            e.propagate(|r| {
                r.arg("XGROUP")
                    .arg("DELCONSUMER")
                    .arg(key)
                    .arg(group)
                    .arg(consumer);
            });
            Ok(pending)
        })
    }

    /// Reads through group `options.group` as consumer `options.consumer`
    /// (`XREADGROUP`): from each stream, the entries never delivered to the group
    /// ([`GroupRead::New`]; they become pending for the consumer unless
    /// [`noack`](XReadGroup::noack)) or the consumer's own pending entries
    /// ([`GroupRead::Pending`]). Streams with nothing new are left out; a history read
    /// is always answered, even empty.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a key holds another type;
    /// [`Error::NoSuchKeyOrGroupToRead`] if a stream or its group does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, StreamId, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// let options = XReadGroup::new("g", "alice");
    /// let new = streams.xreadgroup(&options, &[("s", GroupRead::New)])?;
    /// assert_eq!(new[0].1[0].id, StreamId::new(1, 0));
    /// // Read again, nothing is new; the history still holds the unacknowledged entry.
    /// assert!(streams.xreadgroup(&options, &[("s", GroupRead::New)])?.is_empty());
    /// let history = streams.xreadgroup(&options, &[("s", GroupRead::Pending(StreamId::MIN))])?;
    /// assert_eq!(history[0].1.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xreadgroup<K: AsRef<[u8]>>(
        &self,
        options: &XReadGroup,
        streams: &[(K, GroupRead)],
    ) -> Result<GroupReads> {
        // In cluster mode the streams must share a hash slot.
        self.ks
            .keyspace()
            .check_slots(streams.iter().map(|(k, _)| k.as_ref()))?;
        // Every stream and group is checked before any is read (one alone is checked
        // by its read).
        if streams.len() > 1 {
            for (key, _) in streams {
                self.check_group_read(key.as_ref(), &options.group)?;
            }
        }
        let mut out = Vec::new();
        for (key, from) in streams {
            let key = key.as_ref();
            if let Some(entries) = self.read_group(key, options, *from, false)? {
                out.push((Blob::copy_from_slice(key), entries));
            }
        }
        Ok(out)
    }

    /// [`Error::NoSuchKeyOrGroupToRead`] unless `key` holds a stream with `group`.
    pub(crate) fn check_group_read(&self, key: &[u8], group: &[u8]) -> Result<()> {
        if self.has_group(key, group)? {
            Ok(())
        } else {
            Err(Error::NoSuchKeyOrGroupToRead(Box::new((
                c_text(key),
                c_text(group),
            ))))
        }
    }

    /// One stream of an `XREADGROUP`: `None` when there is nothing to serve (a `>`
    /// read with nothing new). `blocked`, for a blocked reader being served: when its
    /// stream was signalled, it is served once the stream's last ID is past the
    /// group's, even with no entry left to give (as Redis serves it); else (another
    /// waiter joined) only if there is an entry to give.
    fn read_group(
        &self,
        key: &[u8],
        options: &XReadGroup,
        from: GroupRead,
        blocked: bool,
    ) -> Result<Option<Vec<GroupEntry>>> {
        let (group, consumer) = (&options.group[..], &options.consumer[..]);
        let now = self.ks.wall_ms();
        self.ks.write(self.db, key, |e| {
            let missing = || Error::NoSuchKeyOrGroupToRead(Box::new((c_text(key), c_text(group))));
            let Some(s) = e.get::<Stream>()? else {
                return Err(missing());
            };
            let Some(g) = s.groups.get(group) else {
                return Err(if blocked { Error::GroupGone } else { missing() });
            };
            let serve = match from {
                GroupRead::Pending(_) => true,
                GroupRead::New if blocked && serving_a_signal() => s.last_id > g.last_id,
                GroupRead::New => s.len() > 0 && s.last_valid_id() > g.last_id,
            };
            if !serve {
                return Ok(None);
            }
            let count = if blocked {
                Some(options.count.unwrap_or(BLOCKED_DEFAULT_COUNT))
            } else {
                options.count
            };
            let (entries, created, group_after) = edit_groups(e, |s| {
                let created = s
                    .groups
                    .get_mut(group)
                    .is_some_and(|g| g.touch_consumer(consumer, now));
                let entries: Vec<GroupEntry> = match from {
                    GroupRead::New => s
                        .deliver_new(group, consumer, count, options.noack, now)
                        .into_iter()
                        .map(GroupEntry::from)
                        .collect(),
                    // After the ID given, as Redis reads on from it.
                    // Nothing is after the largest ID.
                    GroupRead::Pending(StreamId::MAX) => Vec::new(),
                    GroupRead::Pending(after) => s
                        .deliver_history(
                            group,
                            consumer,
                            after.next().unwrap_or(StreamId::MAX),
                            count,
                            now,
                        )
                        .into_iter()
                        .map(|(id, entry)| GroupEntry {
                            id,
                            fields: entry.map(|e| e.fields),
                        })
                        .collect(),
                };
                (entries, created, position(s, group))
            })?;
            if created {
                e.notify(notify::STREAM, "xgroup-createconsumer");
                if options.noack {
                    record_consumer(e, key, group, consumer);
                }
            }
            if let (GroupRead::New, Some(at)) = (from, group_after) {
                if options.noack {
                    if !entries.is_empty() {
                        record_group_id(e, key, group, at);
                    }
                } else {
                    for entry in &entries {
                        let claim = Claim {
                            id: entry.id,
                            consumer: Blob::copy_from_slice(consumer),
                            delivery_time: now,
                            delivery_count: 1,
                        };
                        record_claim(e, key, group, &claim, entry.id);
                    }
                }
            }
            Ok(Some(entries))
        })
    }

    /// [`xreadgroup`](Self::xreadgroup), waiting up to `timeout` (`None`: forever)
    /// when every stream is read with [`GroupRead::New`] and none has anything new
    /// (`XREADGROUP BLOCK`). Then the first stream an entry is added to answers, alone,
    /// with at most the count (1,000 if none), and each new entry goes to one waiting
    /// consumer of the group. `None` on timeout.
    ///
    /// # Errors
    ///
    /// As [`xreadgroup`](Self::xreadgroup); and, once waiting, [`Error::GroupGone`] if
    /// the group is destroyed, [`Error::StreamGone`] if the stream is deleted or
    /// replaced by another type, [`Error::Unblocked`] if cancelled through
    /// [`cancel_with`](Self::cancel_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{GroupCreate, GroupRead, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())?;
    /// let worker = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || {
    ///         let options = XReadGroup::new("workers", "w1");
    ///         store.streams().xreadgroup_block(&options, &[("jobs", GroupRead::New)], Some(Duration::from_secs(5)))
    ///     })
    /// };
    /// while store.blocked_clients() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// store.streams().xadd("jobs", &XAdd::new(), [("task", "send-mail")])?;
    /// let read = worker.join().unwrap()?.unwrap();
    /// assert_eq!(read[0].1.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xreadgroup_block<K: AsRef<[u8]>>(
        &self,
        options: &XReadGroup,
        streams: &[(K, GroupRead)],
        timeout: Option<Duration>,
    ) -> Result<Option<GroupReads>> {
        if self.cancel.is_some_and(crate::CancelToken::is_cancelled) {
            return Err(Error::Unblocked);
        }
        let now = self.xreadgroup(options, streams)?;
        if !now.is_empty() || self.ks.in_transaction() {
            return Ok((!now.is_empty()).then_some(now));
        }
        let keys: Vec<&[u8]> = streams.iter().map(|(k, _)| k.as_ref()).collect();
        let ks = self.ks.keyspace();
        let served = ks.blocking().run(
            self.ks,
            self.db,
            &keys,
            Wait::group_reader(&options.group),
            timeout,
            self.cancel,
            group_attempt(self.db, options),
        )?;
        Ok(served.map(group_served))
    }

    /// [`xreadgroup_block`](Self::xreadgroup_block) as a future: it waits without a
    /// thread, on any executor (see [`Blocked`]). The streams are read when it is
    /// made: if some have entries for the group, it is ready with them. Entries read
    /// for a future dropped before it was polled stay in the consumer's pending list,
    /// as for any read (claim them with `xautoclaim`, or read them again from ID 0).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use embedis::{GroupCreate, GroupRead, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())?;
    /// store.streams().xadd("jobs", &XAdd::new(), [("task", "send-mail")])?;
    /// let options = XReadGroup::new("workers", "w1");
    /// let read = store.streams().xreadgroup_block_async(&options, &[("jobs", GroupRead::New)], None).await?;
    /// assert_eq!(read.unwrap()[0].1.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn xreadgroup_block_async<K: AsRef<[u8]>>(
        self,
        options: &XReadGroup,
        streams: &[(K, GroupRead)],
        timeout: Option<Duration>,
    ) -> Blocked<'s, Option<GroupReads>> {
        if self.cancel.is_some_and(crate::CancelToken::is_cancelled) {
            return Blocked::ready(Err(Error::Unblocked));
        }
        match self.xreadgroup(options, streams) {
            Err(e) => return Blocked::ready(Err(e)),
            Ok(now) if !now.is_empty() || self.ks.in_transaction() => {
                return Blocked::ready(Ok((!now.is_empty()).then_some(now)));
            }
            Ok(_) => {}
        }
        let keys: Vec<Blob> = streams
            .iter()
            .map(|(k, _)| Blob::copy_from_slice(k.as_ref()))
            .collect();
        Blocked::call(
            self.ks,
            self.db,
            keys,
            Wait::group_reader(&options.group),
            timeout,
            self.cancel,
            Box::new(group_attempt(self.db, options)),
            None,
            |s| s.map(group_served),
        )
    }

    /// Acknowledges `ids` in group `group`; returns how many were pending (`XACK`).
    /// A missing key or group acknowledges nothing.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::StreamId;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.streams().xack("none", "g", [StreamId::new(1, 0)])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xack(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        ids: impl IntoIterator<Item = StreamId>,
    ) -> Result<u64> {
        let ids: Vec<StreamId> = ids.into_iter().collect();
        self.ack(key.as_ref(), group.as_ref(), || Ok(ids))
    }

    /// `XACK` with the IDs read only once the key and group are found, as Redis
    /// checks them.
    pub(crate) fn ack(
        &self,
        key: &[u8],
        group: &[u8],
        ids: impl FnOnce() -> Result<Vec<StreamId>>,
    ) -> Result<u64> {
        self.ks.write(self.db, key, |e| {
            let Some(g) = e.get::<Stream>()?.and_then(|s| s.groups.get(group)) else {
                return Ok(0);
            };
            let ids = ids()?;
            if !ids.iter().any(|id| g.pending.contains_key(id)) {
                return Ok(0);
            }
            let acked = edit_groups(e, |s| s.groups.get_mut(group).map_or(0, |g| g.ack(&ids)))?;
            e.propagate(|r| {
                r.arg("XACK").arg(key).arg(group);
                for id in &ids {
                    r.arg(id.to_string());
                }
            });
            Ok(acked)
        })
    }

    /// The group's pending entries in summary (`XPENDING key group`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKeyOrGroup`] if
    /// the stream or the group does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, StreamId, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// streams.xreadgroup(&XReadGroup::new("g", "alice"), &[("s", GroupRead::New)])?;
    /// let summary = streams.xpending("s", "g")?;
    /// assert_eq!(summary.count, 1);
    /// assert_eq!(summary.consumers, [("alice".into(), 1)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xpending(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
    ) -> Result<PendingSummary> {
        let (key, group) = (key.as_ref(), group.as_ref());
        self.read(key, |s| {
            let g = s
                .and_then(|s| s.groups.get(group))
                .ok_or_else(|| Error::NoSuchKeyOrGroup(Box::new((c_text(key), c_text(group)))))?;
            let range = g
                .pending
                .first_key_value()
                .zip(g.pending.last_key_value())
                .map(|((&a, _), (&b, _))| (a, b));
            Ok(PendingSummary {
                count: g.pending.len() as u64,
                range,
                consumers: g
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pending.is_empty())
                    .map(|(name, c)| (name.clone(), c.pending.len() as u64))
                    .collect(),
            })
        })?
    }

    /// The group's pending entries in `range` (`XPENDING key group [IDLE n] start end
    /// count [consumer]`). A consumer that does not exist has none.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKeyOrGroup`] if
    /// the stream or the group does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, PendingRange, StreamId, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// streams.xreadgroup(&XReadGroup::new("g", "alice"), &[("s", GroupRead::New)])?;
    /// let list = streams.xpending_range("s", "g", &PendingRange::new(StreamId::MIN, StreamId::MAX, 10))?;
    /// assert_eq!((list[0].id, list[0].deliveries), (StreamId::new(1, 0), 1));
    /// assert_eq!(list[0].consumer, "alice");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xpending_range(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        range: &PendingRange,
    ) -> Result<Vec<PendingEntry>> {
        let (key, group) = (key.as_ref(), group.as_ref());
        let now = self.ks.wall_ms();
        self.read(key, |s| {
            let g = s
                .and_then(|s| s.groups.get(group))
                .ok_or_else(|| Error::NoSuchKeyOrGroup(Box::new((c_text(key), c_text(group)))))?;
            if range.start > range.end {
                return Ok(Vec::new());
            }
            let ids: Box<dyn Iterator<Item = &StreamId>> = match &range.consumer {
                Some(name) => match g.consumers.get(name) {
                    Some(c) => Box::new(c.pending.range(range.start..=range.end)),
                    None => return Ok(Vec::new()),
                },
                None => Box::new(g.pending.range(range.start..=range.end).map(|(id, _)| id)),
            };
            let mut out = Vec::new();
            for id in ids {
                if out.len() as u64 >= range.count {
                    break;
                }
                let Some(p) = g.pending.get(id) else {
                    continue;
                };
                let idle = idle(now, p.delivery_time);
                if range.min_idle != 0 && idle < range.min_idle {
                    continue;
                }
                out.push(PendingEntry {
                    id: *id,
                    consumer: p.consumer.clone(),
                    idle: u64::try_from(idle).unwrap_or(0),
                    deliveries: p.delivery_count,
                });
            }
            Ok(out)
        })?
    }

    /// Gives `consumer` the entries `ids` pending in group `group` for at least
    /// `min_idle` milliseconds, and returns them (`XCLAIM`). An ID not pending (unless
    /// [`force`](XClaim::force)) or too recently delivered is skipped; a pending entry
    /// the stream no longer holds is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKeyOrGroup`] if
    /// the stream or the group does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, StreamId, XAdd, XClaim, XReadGroup};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// streams.xreadgroup(&XReadGroup::new("g", "alice"), &[("s", GroupRead::New)])?;
    /// let claimed = streams.xclaim("s", "g", "bob", 0, [StreamId::new(1, 0)], &XClaim::new())?;
    /// assert_eq!(claimed[0].fields, [("f".into(), "v".into())]);
    /// assert_eq!(streams.xpending("s", "g")?.consumers, [("bob".into(), 1)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xclaim(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
        min_idle: u64,
        ids: impl IntoIterator<Item = StreamId>,
        options: &XClaim,
    ) -> Result<Vec<StreamEntry>> {
        let ids: Vec<StreamId> = ids.into_iter().collect();
        let (key, group, consumer) = (key.as_ref(), group.as_ref(), consumer.as_ref());
        Ok(self
            .claim(key, group, consumer, min_idle, &ids, options, false)?
            .entries)
    }

    /// [`xclaim`](Self::xclaim) returning only the IDs claimed, and leaving their
    /// delivery counts as they were (`XCLAIM … JUSTID`).
    ///
    /// # Errors
    ///
    /// As [`xclaim`](Self::xclaim).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, StreamId, XAdd, XClaim};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// // FORCE: made pending for bob though nobody read it.
    /// let ids = streams.xclaim_ids("s", "g", "bob", 0, [StreamId::new(1, 0)], &XClaim::new().force())?;
    /// assert_eq!(ids, [StreamId::new(1, 0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xclaim_ids(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
        min_idle: u64,
        ids: impl IntoIterator<Item = StreamId>,
        options: &XClaim,
    ) -> Result<Vec<StreamId>> {
        let ids: Vec<StreamId> = ids.into_iter().collect();
        let (key, group, consumer) = (key.as_ref(), group.as_ref(), consumer.as_ref());
        let claimed = self.claim(key, group, consumer, min_idle, &ids, options, true)?;
        Ok(claimed.entries.into_iter().map(|e| e.id).collect())
    }

    /// Whether `key` holds a stream with group `group` ([`Error::WrongType`] if it
    /// holds another type).
    pub(crate) fn has_group(&self, key: &[u8], group: &[u8]) -> Result<bool> {
        self.read(key, |s| s.is_some_and(|s| s.groups.contains_key(group)))
    }

    /// Checks that `key` holds a stream with `group`: [`Error::WrongType`], or
    /// [`Error::NoSuchKeyOrGroup`].
    pub(crate) fn check_group(&self, key: &[u8], group: &[u8]) -> Result<()> {
        if self.has_group(key, group)? {
            Ok(())
        } else {
            Err(Error::NoSuchKeyOrGroup(Box::new((
                c_text(key),
                c_text(group),
            ))))
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn claim(
        &self,
        key: &[u8],
        group: &[u8],
        consumer: &[u8],
        min_idle: u64,
        ids: &[StreamId],
        options: &XClaim,
        just_id: bool,
    ) -> Result<Claimed> {
        let now = self.ks.wall_ms();
        self.ks.write(self.db, key, |e| {
            let g = group_of(e, group, || {
                Error::NoSuchKeyOrGroup(Box::new((c_text(key), c_text(group))))
            })?;
            #[allow(clippy::cast_possible_wrap)] // mstime_t
            let now_signed = now as i64;
            let delivery_time = match options.time {
                None => now,
                Some(t) => {
                    let at = match t {
                        ClaimTime::Idle(ms) => now_signed.wrapping_sub(ms),
                        ClaimTime::At(ms) => ms,
                    };
                    u64::try_from(at)
                        .ok()
                        .filter(|&at| at <= now)
                        .unwrap_or(now)
                }
            };
            let raise_last = options.last_id.filter(|&id| id > g.last_id);
            let rules = ClaimRules {
                min_idle,
                delivery_time,
                retry_count: options.retry_count,
                force: options.force,
                just_id,
            };
            let (claimed, group_after) = edit_groups(e, |s| {
                if let (Some(id), Some(g)) = (raise_last, s.groups.get_mut(group)) {
                    g.last_id = id;
                }
                let claimed = s.claim(group, consumer, ids, rules, now);
                (claimed, position(s, group))
            })?;
            if claimed.created {
                e.notify(notify::STREAM, "xgroup-createconsumer");
            }
            if let Some(at) = group_after {
                for change in &claimed.changes {
                    record_claim(e, key, group, change, at.0);
                }
                if raise_last.is_some() && claimed.changes.is_empty() {
                    record_group_id(e, key, group, at);
                }
            }
            Ok(claimed)
        })
    }

    /// Gives `consumer` up to `count` entries pending in group `group` for at least
    /// `min_idle` milliseconds, scanning from `start` (`XAUTOCLAIM`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKeyOrGroup`] if
    /// the stream or the group does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, GroupRead, StreamId, XAdd, XReadGroup};
    /// let store = embedis::Store::new();
    /// let streams = store.streams();
    /// streams.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())?;
    /// streams.xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// streams.xreadgroup(&XReadGroup::new("g", "crashed"), &[("s", GroupRead::New)])?;
    /// let taken = streams.xautoclaim("s", "g", "rescuer", 0, StreamId::MIN, 100)?;
    /// assert_eq!(taken.claimed[0].id, StreamId::new(1, 0));
    /// assert_eq!(taken.next, StreamId::MIN, "the whole list was scanned");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xautoclaim(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
        min_idle: u64,
        start: StreamId,
        count: u64,
    ) -> Result<AutoClaim<StreamEntry>> {
        let claimed = self.autoclaim(
            key.as_ref(),
            group.as_ref(),
            consumer.as_ref(),
            (min_idle, start, count),
            false,
        )?;
        Ok(AutoClaim {
            next: claimed.next,
            claimed: claimed.entries,
            deleted: claimed.deleted,
        })
    }

    /// [`xautoclaim`](Self::xautoclaim) returning only the IDs claimed, and leaving
    /// their delivery counts as they were (`XAUTOCLAIM … JUSTID`).
    ///
    /// # Errors
    ///
    /// As [`xautoclaim`](Self::xautoclaim).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, StreamId};
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last().mkstream())?;
    /// let none = store.streams().xautoclaim_ids("s", "g", "c", 0, StreamId::MIN, 10)?;
    /// assert!(none.claimed.is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xautoclaim_ids(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
        min_idle: u64,
        start: StreamId,
        count: u64,
    ) -> Result<AutoClaim<StreamId>> {
        let claimed = self.autoclaim(
            key.as_ref(),
            group.as_ref(),
            consumer.as_ref(),
            (min_idle, start, count),
            true,
        )?;
        Ok(AutoClaim {
            next: claimed.next,
            claimed: claimed.entries.into_iter().map(|e| e.id).collect(),
            deleted: claimed.deleted,
        })
    }

    pub(crate) fn autoclaim(
        &self,
        key: &[u8],
        group: &[u8],
        consumer: &[u8],
        (min_idle, start, count): (u64, StreamId, u64),
        just_id: bool,
    ) -> Result<Claimed> {
        let now = self.ks.wall_ms();
        self.ks.write(self.db, key, |e| {
            group_of(e, group, || {
                Error::NoSuchKeyOrGroup(Box::new((c_text(key), c_text(group))))
            })?;
            let (claimed, group_after) = edit_groups(e, |s| {
                let claimed = s.autoclaim(group, consumer, start, count, (min_idle, just_id), now);
                (claimed, position(s, group))
            })?;
            if claimed.created {
                e.notify(notify::STREAM, "xgroup-createconsumer");
            }
            if let Some((last, _)) = group_after {
                for change in &claimed.changes {
                    record_claim(e, key, group, change, last);
                }
            }
            Ok(claimed)
        })
    }
}

/// A blocked group reader's attempt: new entries for the group from a key.
fn group_attempt(
    db: usize,
    options: &XReadGroup,
) -> impl Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync + 'static {
    let options = options.clone();
    move |ks: Access<'_>, key: &[u8]| -> Option<Result<Served>> {
        let streams = Streams::new(ks, db);
        match streams.read_group(key, &options, GroupRead::New, true) {
            Err(e) => Some(Err(e)),
            Ok(None) => None,
            Ok(Some(entries)) => Some(Ok(Served {
                group_entries: entries.into_iter().map(|e| (e.id, e.fields)).collect(),
                ..Served::new(key, Vec::new())
            })),
        }
    }
}

/// What a woken `XREADGROUP` answers: the one stream it was served from.
fn group_served(s: Served) -> GroupReads {
    let entries = s
        .group_entries
        .into_iter()
        .map(|(id, fields)| GroupEntry { id, fields })
        .collect();
    vec![(s.key, entries)]
}
