//! `XINFO`: what a stream, its groups and their consumers hold, on the [`Streams`]
//! handle.

use super::Streams;
use super::group::c_text;
use crate::value::stream::{EntryRef, Stream, idle};
use crate::{Blob, Error, Result, StreamEntry, StreamId};

/// `XINFO STREAM key`: a stream's counts and edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Live entries.
    pub length: u64,
    /// Blocks of entries (Redis's radix tree keys: its listpacks).
    pub radix_tree_keys: u64,
    /// Nodes of the radix tree Redis would key those blocks with.
    pub radix_tree_nodes: u64,
    /// The largest ID ever given.
    pub last_generated_id: StreamId,
    /// The largest ID deleted.
    pub max_deleted_entry_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// The first live entry's ID (0-0 if none).
    pub recorded_first_entry_id: StreamId,
    /// Consumer groups.
    pub groups: u64,
    /// The first live entry.
    pub first_entry: Option<StreamEntry>,
    /// The last live entry.
    pub last_entry: Option<StreamEntry>,
}

/// `XINFO STREAM key FULL`: a stream with its entries and groups in detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfoFull {
    /// Live entries.
    pub length: u64,
    /// Blocks of entries.
    pub radix_tree_keys: u64,
    /// Nodes of the radix tree Redis would key those blocks with.
    pub radix_tree_nodes: u64,
    /// The largest ID ever given.
    pub last_generated_id: StreamId,
    /// The largest ID deleted.
    pub max_deleted_entry_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// The first live entry's ID (0-0 if none).
    pub recorded_first_entry_id: StreamId,
    /// The first entries, up to the count asked.
    pub entries: Vec<StreamEntry>,
    /// Every group, by name.
    pub groups: Vec<GroupInfoFull>,
}

/// A group in `XINFO STREAM … FULL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfoFull {
    /// Its name.
    pub name: Blob,
    /// The last ID delivered to it.
    pub last_delivered_id: StreamId,
    /// Entries it has read, if known.
    pub entries_read: Option<u64>,
    /// Entries it has yet to read, if known.
    pub lag: Option<i64>,
    /// How many entries are pending.
    pub pel_count: u64,
    /// The first pending entries: ID, consumer, last delivery (Unix ms) and deliveries.
    pub pending: Vec<(StreamId, Blob, u64, u64)>,
    /// Its consumers, by name.
    pub consumers: Vec<ConsumerInfoFull>,
}

/// A consumer in `XINFO STREAM … FULL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfoFull {
    /// Its name.
    pub name: Blob,
    /// When it last read or claimed (Unix ms).
    pub seen_time: u64,
    /// How many entries are pending for it.
    pub pel_count: u64,
    /// Its first pending entries: ID, last delivery (Unix ms) and deliveries.
    pub pending: Vec<(StreamId, u64, u64)>,
}

/// A group as `XINFO GROUPS` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// Its name.
    pub name: Blob,
    /// How many consumers it has.
    pub consumers: u64,
    /// How many entries are pending.
    pub pending: u64,
    /// The last ID delivered to it.
    pub last_delivered_id: StreamId,
    /// Entries it has read, if known.
    pub entries_read: Option<u64>,
    /// Entries it has yet to read, if known.
    pub lag: Option<i64>,
}

/// A consumer as `XINFO CONSUMERS` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    /// Its name.
    pub name: Blob,
    /// How many entries are pending for it.
    pub pending: u64,
    /// Milliseconds since it last read or claimed.
    pub idle: u64,
}

impl Streams<'_> {
    fn info<R>(&self, key: &[u8], f: impl FnOnce(&Stream) -> Result<R>) -> Result<R> {
        self.read(key, |s| s.ok_or_else(|| Error::NoSuchKey).and_then(f))?
    }

    /// The stream's counts and edges (`XINFO STREAM`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKey`] if it
    /// does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// let info = store.streams().xinfo_stream("s")?;
    /// assert_eq!((info.length, info.radix_tree_keys, info.radix_tree_nodes), (1, 1, 2));
    /// assert_eq!(info.last_entry.unwrap().id, StreamId::new(1, 0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xinfo_stream(&self, key: impl AsRef<[u8]>) -> Result<StreamInfo> {
        self.info(key.as_ref(), |s| {
            Ok(StreamInfo {
                length: s.len(),
                radix_tree_keys: s.block_count() as u64,
                radix_tree_nodes: s.radix_tree_nodes(),
                last_generated_id: s.last_id,
                max_deleted_entry_id: s.max_deleted_id,
                entries_added: s.entries_added,
                recorded_first_entry_id: s.first_id(),
                groups: s.groups.len() as u64,
                first_entry: s
                    .range(StreamId::MIN, StreamId::MAX, false)
                    .next()
                    .map(EntryRef::to_entry),
                last_entry: s.last_entry().map(EntryRef::to_entry),
            })
        })
    }

    /// The stream with its first `count` entries (0: all) and its groups, each with
    /// its first `count` pending entries and its consumers (`XINFO STREAM … FULL`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKey`] if it
    /// does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// store.streams().xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN))?;
    /// let full = store.streams().xinfo_stream_full("s", 10)?;
    /// assert_eq!(full.entries.len(), 1);
    /// assert_eq!(full.groups[0].lag, Some(1));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xinfo_stream_full(&self, key: impl AsRef<[u8]>, count: usize) -> Result<StreamInfoFull> {
        let limit = if count == 0 { usize::MAX } else { count };
        self.info(key.as_ref(), |s| {
            let groups = s
                .groups
                .iter()
                .map(|(name, g)| GroupInfoFull {
                    name: name.clone(),
                    last_delivered_id: g.last_id,
                    entries_read: g.entries_read,
                    lag: s.lag(g),
                    pel_count: g.pending.len() as u64,
                    pending: g
                        .pending
                        .iter()
                        .take(limit)
                        .map(|(&id, p)| (id, p.consumer.clone(), p.delivery_time, p.delivery_count))
                        .collect(),
                    consumers: g
                        .consumers
                        .iter()
                        .map(|(name, c)| ConsumerInfoFull {
                            name: name.clone(),
                            seen_time: c.seen_time,
                            pel_count: c.pending.len() as u64,
                            pending: c
                                .pending
                                .iter()
                                .take(limit)
                                .filter_map(|id| {
                                    g.pending
                                        .get(id)
                                        .map(|p| (*id, p.delivery_time, p.delivery_count))
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect();
            Ok(StreamInfoFull {
                length: s.len(),
                radix_tree_keys: s.block_count() as u64,
                radix_tree_nodes: s.radix_tree_nodes(),
                last_generated_id: s.last_id,
                max_deleted_entry_id: s.max_deleted_id,
                entries_added: s.entries_added,
                recorded_first_entry_id: s.first_id(),
                entries: s
                    .range(StreamId::MIN, StreamId::MAX, false)
                    .take(limit)
                    .map(EntryRef::to_entry)
                    .collect(),
                groups,
            })
        })
    }

    /// The stream's groups, by name (`XINFO GROUPS`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKey`] if it
    /// does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GroupCreate, StreamId, XAdd};
    /// let store = embedis::Store::new();
    /// store.streams().xadd("s", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])?;
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last())?;
    /// let groups = store.streams().xinfo_groups("s")?;
    /// assert_eq!((groups[0].last_delivered_id, groups[0].lag), (StreamId::new(1, 0), Some(0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xinfo_groups(&self, key: impl AsRef<[u8]>) -> Result<Vec<GroupInfo>> {
        self.info(key.as_ref(), |s| {
            Ok(s.groups
                .iter()
                .map(|(name, g)| GroupInfo {
                    name: name.clone(),
                    consumers: g.consumers.len() as u64,
                    pending: g.pending.len() as u64,
                    last_delivered_id: g.last_id,
                    entries_read: g.entries_read,
                    lag: s.lag(g),
                })
                .collect())
        })
    }

    /// The consumers of group `group`, by name (`XINFO CONSUMERS`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::NoSuchKey`] if it
    /// does not exist; [`Error::NoSuchGroup`] if the group does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::GroupCreate;
    /// let store = embedis::Store::new();
    /// store.streams().xgroup_create("s", "g", &GroupCreate::last().mkstream())?;
    /// store.streams().xgroup_createconsumer("s", "g", "alice")?;
    /// let consumers = store.streams().xinfo_consumers("s", "g")?;
    /// assert_eq!((&consumers[0].name[..], consumers[0].pending), (&b"alice"[..], 0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn xinfo_consumers(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
    ) -> Result<Vec<ConsumerInfo>> {
        let (key, group) = (key.as_ref(), group.as_ref());
        let now = self.ks.wall_ms();
        self.info(key, |s| {
            let g = s
                .groups
                .get(group)
                .ok_or_else(|| Error::NoSuchGroup(Box::new((c_text(group), c_text(key)))))?;
            Ok(g.consumers
                .iter()
                .map(|(name, c)| ConsumerInfo {
                    name: name.clone(),
                    pending: c.pending.len() as u64,
                    idle: u64::try_from(idle(now, c.seen_time)).unwrap_or(0),
                })
                .collect())
        })
    }
}
