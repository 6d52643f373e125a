//! Consumer groups (Redis's `streamCG`): what a group has delivered to whom, and the
//! group's position in the stream.
//!
//! A group keeps its last delivered ID, its count of entries read (its logical
//! position, from which `XINFO` derives the lag), its pending entries list (the PEL:
//! entries delivered and not yet acknowledged, each with its consumer, last delivery
//! time and delivery count) and its consumers, each with the IDs pending for it. Times
//! are milliseconds on the store's clock.

use std::cmp::Ordering;

use super::{Consumer, Group, Pending, Stream, StreamEntry, StreamId};
use crate::Blob;

/// What `XCLAIM` does to each entry it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClaimRules {
    /// Claim only entries idle at least this long (ms; 0: any).
    pub(crate) min_idle: u64,
    /// The delivery time to set.
    pub(crate) delivery_time: u64,
    /// The delivery count to set; `None`: one more (none more with `just_id`).
    pub(crate) retry_count: Option<u64>,
    /// Create the pending entry when the stream has the entry but no consumer has it.
    pub(crate) force: bool,
    /// Report IDs only, and leave delivery counts alone.
    pub(crate) just_id: bool,
}

/// One pending entry as a change to it is propagated (`XCLAIM … TIME … RETRYCOUNT …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) id: StreamId,
    pub(crate) consumer: Blob,
    pub(crate) delivery_time: u64,
    pub(crate) delivery_count: u64,
}

/// What a claim did: the entries claimed (with their fields unless `just_id`), and the
/// changes to propagate, in order.
#[derive(Debug, Default)]
pub(crate) struct Claimed {
    pub(crate) entries: Vec<StreamEntry>,
    pub(crate) changes: Vec<Claim>,
    /// Pending entries dropped because the stream no longer has them (`XAUTOCLAIM`).
    pub(crate) deleted: Vec<StreamId>,
    /// Where an `XAUTOCLAIM` should go on (0-0: the end).
    pub(crate) next: StreamId,
    /// Whether the claiming consumer was created.
    pub(crate) created: bool,
}

impl Group {
    /// A group delivering the entries after `last_id`.
    pub(crate) fn new(last_id: StreamId, entries_read: Option<u64>) -> Self {
        Group {
            last_id,
            entries_read,
            ..Group::default()
        }
    }

    /// Looks `name` up, refreshing its seen time, or creates it; `true` if created.
    pub(crate) fn touch_consumer(&mut self, name: &[u8], now: u64) -> bool {
        if let Some(c) = self.consumers.get_mut(name) {
            c.seen_time = now;
            return false;
        }
        self.consumers.insert(
            Blob::copy_from_slice(name),
            Consumer {
                seen_time: now,
                pending: std::collections::BTreeSet::default(),
            },
        );
        true
    }

    /// Deletes consumer `name` and its pending entries; how many it had, `None` if
    /// there was no such consumer.
    pub(crate) fn remove_consumer(&mut self, name: &[u8]) -> Option<u64> {
        let consumer = self.consumers.remove(name)?;
        for id in &consumer.pending {
            self.pending.remove(id);
        }
        Some(consumer.pending.len() as u64)
    }

    /// Gives entry `id` to `consumer` (which exists), delivered now for the first time
    /// (a pending entry another consumer had moves, as after `XGROUP SETID` back).
    fn assign(&mut self, id: StreamId, consumer: &[u8], now: u64) {
        let owner = Blob::copy_from_slice(consumer);
        if let Some(old) = self.pending.insert(
            id,
            Pending {
                delivery_time: now,
                delivery_count: 1,
                consumer: owner,
            },
        ) && let Some(c) = self.consumers.get_mut(&old.consumer)
        {
            c.pending.remove(&id);
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pending.insert(id);
        }
    }

    /// Moves pending entry `id` (which exists) to `consumer` (which exists).
    fn reassign(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(p) = self.pending.get_mut(&id) else {
            return;
        };
        if p.consumer[..] != *consumer {
            let old = std::mem::replace(&mut p.consumer, Blob::copy_from_slice(consumer));
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pending.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pending.insert(id);
        }
    }

    /// Drops pending entry `id`; the change as propagated, if there was one.
    fn drop_pending(&mut self, id: StreamId) -> Option<Claim> {
        let p = self.pending.remove(&id)?;
        if let Some(c) = self.consumers.get_mut(&p.consumer) {
            c.pending.remove(&id);
        }
        Some(Claim {
            id,
            consumer: p.consumer,
            delivery_time: p.delivery_time,
            delivery_count: p.delivery_count,
        })
    }

    /// Acknowledges `ids`; how many were pending.
    pub(crate) fn ack(&mut self, ids: &[StreamId]) -> u64 {
        ids.iter()
            .filter(|&&id| self.drop_pending(id).is_some())
            .count() as u64
    }

    fn claim_record(&self, id: StreamId) -> Option<Claim> {
        self.pending.get(&id).map(|p| Claim {
            id,
            consumer: p.consumer.clone(),
            delivery_time: p.delivery_time,
            delivery_count: p.delivery_count,
        })
    }
}

/// How long ago `then` was, at `now` (negative if in the future), as Redis's signed
/// millisecond arithmetic gives it.
pub(crate) fn idle(now: u64, then: u64) -> i64 {
    #[allow(clippy::cast_possible_wrap)] // mstime_t arithmetic
    (now.wrapping_sub(then) as i64)
}

impl Stream {
    /// Whether a deleted entry may lie between `start` and `end` (Redis's
    /// `streamRangeHasTombstones`: the largest deleted ID is in the range, and not
    /// before the first entry).
    pub(crate) fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id == StreamId::MIN {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// The number of entries from the first ever added up to `id`, when the stream can
    /// tell (Redis's `streamEstimateDistanceFromFirstEverEntry`).
    pub(crate) fn estimate_distance(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id <= self.last_id {
            return Some(self.entries_added);
        }
        match id.cmp(&self.last_id) {
            Ordering::Equal => return Some(self.entries_added),
            Ordering::Greater => return None,
            Ordering::Less => {}
        }
        if self.max_deleted_id == StreamId::MIN || self.max_deleted_id < self.first_id {
            match id.cmp(&self.first_id) {
                Ordering::Less => return Some(self.entries_added.wrapping_sub(self.length)),
                Ordering::Equal => {
                    return Some(self.entries_added.wrapping_sub(self.length).wrapping_add(1));
                }
                Ordering::Greater => {}
            }
        }
        None
    }

    /// The entries `group` has yet to read, when the stream can tell (Redis's
    /// `streamReplyWithCGLag`).
    pub(crate) fn lag(&self, group: &Group) -> Option<i64> {
        #[allow(clippy::cast_possible_wrap)] // long long arithmetic, as Redis does it
        let lag = |read: u64| (self.entries_added as i64).wrapping_sub(read as i64);
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = group.entries_read
            && !self.range_has_tombstones(group.last_id, StreamId::MAX)
        {
            return Some(lag(read));
        }
        self.estimate_distance(group.last_id).map(lag)
    }

    /// Whether the stream has a live entry `id` (`streamEntryExists`).
    pub(crate) fn has_entry(&self, id: StreamId) -> bool {
        self.get(id).is_some()
    }

    /// Delivers to `consumer` of `group` (both exist) the entries after the group's
    /// last delivered ID, at most `count` (`XREADGROUP … >`): the group moves past
    /// them and, unless `noack`, they become pending for the consumer.
    pub(crate) fn deliver_new(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        count: Option<usize>,
        noack: bool,
        now: u64,
    ) -> Vec<StreamEntry> {
        let Some(g) = self.groups.get(group) else {
            return Vec::new();
        };
        let Some(start) = g.last_id.next() else {
            return Vec::new();
        };
        let entries: Vec<StreamEntry> = self
            .range(start, StreamId::MAX, false)
            .take(count.unwrap_or(usize::MAX))
            .map(super::EntryRef::to_entry)
            .collect();
        let (mut last, mut read) = (g.last_id, g.entries_read);
        for e in &entries {
            if e.id > last {
                if read.is_some() && !self.range_has_tombstones(e.id, StreamId::MAX) {
                    read = read.map(|r| r.wrapping_add(1));
                } else if self.entries_added != 0 {
                    read = self.estimate_distance(e.id);
                }
                last = e.id;
            }
        }
        if let Some(g) = self.groups.get_mut(group) {
            g.last_id = last;
            g.entries_read = read;
            if !noack {
                for e in &entries {
                    g.assign(e.id, consumer, now);
                }
            }
        }
        entries
    }

    /// Redelivers to `consumer` of `group` its own pending entries from `start`, at
    /// most `count` (`XREADGROUP` with an ID): each entry, or `None` for one deleted
    /// since; a redelivered entry's time and count are updated.
    pub(crate) fn deliver_history(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        start: StreamId,
        count: Option<usize>,
        now: u64,
    ) -> Vec<(StreamId, Option<StreamEntry>)> {
        let Some(c) = self
            .groups
            .get(group)
            .and_then(|g| g.consumers.get(consumer))
        else {
            return Vec::new();
        };
        let ids: Vec<StreamId> = c
            .pending
            .range(start..)
            .take(count.unwrap_or(usize::MAX))
            .copied()
            .collect();
        let out: Vec<(StreamId, Option<StreamEntry>)> = ids
            .iter()
            .map(|&id| (id, self.get(id).map(super::EntryRef::to_entry)))
            .collect();
        if let Some(g) = self.groups.get_mut(group) {
            for (id, entry) in &out {
                if entry.is_some()
                    && let Some(p) = g.pending.get_mut(id)
                {
                    p.delivery_time = now;
                    p.delivery_count = p.delivery_count.wrapping_add(1);
                }
            }
        }
        out
    }

    /// `XCLAIM`: gives `consumer` of `group` (which exists) the pending entries `ids`
    /// idle long enough, as `rules` say.
    pub(crate) fn claim(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        ids: &[StreamId],
        rules: ClaimRules,
        now: u64,
    ) -> Claimed {
        let mut out = Claimed::default();
        let mut joined = false;
        for &id in ids {
            let exists = self.has_entry(id);
            let entry = if exists && !rules.just_id {
                self.get(id).map(super::EntryRef::to_entry)
            } else {
                None
            };
            let Some(g) = self.groups.get_mut(group) else {
                break;
            };
            if !exists {
                // The stream lost it: the pending entry goes too.
                if let Some(change) = g.drop_pending(id) {
                    out.changes.push(change);
                }
                continue;
            }
            let forced = rules.force && !g.pending.contains_key(&id);
            if forced {
                g.pending.insert(
                    id,
                    Pending {
                        delivery_time: now,
                        delivery_count: 1,
                        consumer: Blob::default(),
                    },
                );
            }
            let Some(p) = g.pending.get(&id) else {
                continue;
            };
            if !forced && rules.min_idle != 0 && idle(now, p.delivery_time) < to_i64(rules.min_idle)
            {
                continue;
            }
            if !joined {
                joined = true;
                out.created = g.touch_consumer(consumer, now);
            }
            if forced {
                if let Some(c) = g.consumers.get_mut(consumer) {
                    c.pending.insert(id);
                }
                if let Some(p) = g.pending.get_mut(&id) {
                    p.consumer = Blob::copy_from_slice(consumer);
                }
            } else {
                g.reassign(id, consumer);
            }
            if let Some(p) = g.pending.get_mut(&id) {
                p.delivery_time = rules.delivery_time;
                match rules.retry_count {
                    Some(n) => p.delivery_count = n,
                    None if !rules.just_id => p.delivery_count = p.delivery_count.wrapping_add(1),
                    None => {}
                }
            }
            out.entries.push(entry.unwrap_or(StreamEntry {
                id,
                fields: Vec::new(),
            }));
            if let Some(change) = g.claim_record(id) {
                out.changes.push(change);
            }
        }
        out
    }

    /// `XAUTOCLAIM`: gives `consumer` of `group` (which exists) up to `count` pending
    /// entries from `start` idle at least `min_idle`, looking at no more than ten times
    /// `count` of them; pending entries the stream no longer has are dropped (and
    /// counted).
    pub(crate) fn autoclaim(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        start: StreamId,
        count: u64,
        (min_idle, just_id): (u64, bool),
        now: u64,
    ) -> Claimed {
        let mut out = Claimed::default();
        let mut attempts = count.saturating_mul(10);
        let mut left = count;
        let mut joined = false;
        let mut cursor = Some(start);
        let next_from = |s: &Stream, from: Option<StreamId>| -> Option<StreamId> {
            let from = from?;
            s.groups
                .get(group)?
                .pending
                .range(from..)
                .next()
                .map(|(&id, _)| id)
        };
        loop {
            if attempts == 0 || left == 0 {
                break;
            }
            attempts -= 1;
            let Some(id) = next_from(self, cursor) else {
                cursor = None;
                break;
            };
            cursor = id.next();
            let exists = self.has_entry(id);
            let entry = if exists && !just_id {
                self.get(id).map(super::EntryRef::to_entry)
            } else {
                None
            };
            let Some(g) = self.groups.get_mut(group) else {
                break;
            };
            if !exists {
                if let Some(change) = g.drop_pending(id) {
                    out.changes.push(change);
                }
                out.deleted.push(id);
                left -= 1;
                continue;
            }
            let Some(p) = g.pending.get(&id) else {
                continue;
            };
            if min_idle != 0 && idle(now, p.delivery_time) < to_i64(min_idle) {
                continue;
            }
            if !joined {
                joined = true;
                out.created = g.touch_consumer(consumer, now);
            }
            g.reassign(id, consumer);
            if let Some(p) = g.pending.get_mut(&id) {
                p.delivery_time = now;
                if !just_id {
                    p.delivery_count = p.delivery_count.wrapping_add(1);
                }
            }
            out.entries.push(entry.unwrap_or(StreamEntry {
                id,
                fields: Vec::new(),
            }));
            left -= 1;
            if let Some(change) = g.claim_record(id) {
                out.changes.push(change);
            }
        }
        out.next = next_from(self, cursor).unwrap_or(StreamId::MIN);
        out
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::stream::NodeLimits;

    fn stream(n: u64) -> Stream {
        let mut s = Stream::default();
        for ms in 1..=n {
            s.append(
                StreamId::new(ms, 0),
                &[(&b"f"[..], &b"v"[..])],
                NodeLimits::default(),
            );
        }
        s.groups
            .insert(Blob::from("g"), Group::new(StreamId::MIN, Some(0)));
        s
    }

    fn pending_of(s: &Stream, consumer: &str) -> Vec<u64> {
        s.groups[&b"g"[..]].consumers[consumer.as_bytes()]
            .pending
            .iter()
            .map(|id| id.ms)
            .collect()
    }

    #[test]
    fn new_entries_go_to_one_consumer_and_move_the_group() {
        let mut s = stream(5);
        let g = s.groups.get_mut(&b"g"[..]).unwrap();
        assert!(g.touch_consumer(b"a", 10));
        assert!(!g.touch_consumer(b"a", 11));
        let got = s.deliver_new(b"g", b"a", Some(2), false, 100);
        assert_eq!(got.len(), 2);
        let g = &s.groups[&b"g"[..]];
        assert_eq!(g.last_id, StreamId::new(2, 0));
        assert_eq!(g.entries_read, Some(2));
        assert_eq!(s.lag(g), Some(3));
        assert_eq!(pending_of(&s, "a"), [1, 2]);
        // History: the consumer's own pending entries, redelivered.
        let again = s.deliver_history(b"g", b"a", StreamId::MIN, None, 200);
        assert_eq!(again.len(), 2);
        let p = &s.groups[&b"g"[..]].pending[&StreamId::new(1, 0)];
        assert_eq!((p.delivery_time, p.delivery_count), (200, 2));
        // A deleted entry is reported without its fields.
        s.delete(StreamId::new(1, 0));
        let again = s.deliver_history(b"g", b"a", StreamId::MIN, None, 300);
        assert!(again[0].1.is_none());
        // NOACK: nothing becomes pending.
        s.deliver_new(b"g", b"a", None, true, 400);
        assert_eq!(pending_of(&s, "a"), [1, 2]);
        assert_eq!(s.groups[&b"g"[..]].last_id, StreamId::new(5, 0));
    }

    #[test]
    fn claims_move_idle_entries_and_drop_deleted_ones() {
        let mut s = stream(4);
        let g = s.groups.get_mut(&b"g"[..]).unwrap();
        g.touch_consumer(b"a", 0);
        s.deliver_new(b"g", b"a", None, false, 100);
        s.delete(StreamId::new(2, 0));
        let rules = ClaimRules {
            min_idle: 50,
            delivery_time: 160,
            retry_count: None,
            force: false,
            just_id: false,
        };
        let ids = [1, 2, 3].map(|ms| StreamId::new(ms, 0));
        let done = s.claim(b"g", b"b", &ids, rules, 120);
        assert!(done.entries.is_empty(), "not idle long enough");
        assert_eq!(
            done.changes.len(),
            1,
            "the deleted entry's pending entry went"
        );
        let done = s.claim(b"g", b"b", &ids, rules, 160);
        assert!(done.created);
        assert_eq!(done.entries.len(), 2);
        assert_eq!(pending_of(&s, "b"), [1, 3]);
        assert_eq!(pending_of(&s, "a"), [4]);
        assert_eq!(
            s.groups[&b"g"[..]].pending[&StreamId::new(1, 0)].delivery_count,
            2
        );
        // XAUTOCLAIM: one at a time, with a cursor.
        let auto = s.autoclaim(b"g", b"c", StreamId::MIN, 1, (0, false), 500);
        assert_eq!(auto.entries[0].id, StreamId::new(1, 0));
        assert_eq!(auto.next, StreamId::new(3, 0));
        let auto = s.autoclaim(b"g", b"c", auto.next, 5, (0, true), 500);
        assert_eq!(auto.entries.len(), 2);
        assert_eq!(auto.next, StreamId::MIN);
        assert_eq!(pending_of(&s, "c"), [1, 3, 4]);
        assert_eq!(
            s.groups.get_mut(&b"g"[..]).unwrap().remove_consumer(b"c"),
            Some(3)
        );
        assert!(s.groups[&b"g"[..]].pending.is_empty());
    }

    #[test]
    fn lag_and_distance_follow_redis() {
        let mut s = stream(10);
        let g = Group::new(StreamId::new(5, 0), None);
        // No tombstones: the distance of an ID inside the stream is unknown.
        assert_eq!(s.lag(&g), None);
        let g = Group::new(StreamId::MIN, None);
        assert_eq!(s.lag(&g), Some(10));
        s.delete(StreamId::new(3, 0));
        let g = Group::new(StreamId::new(1, 0), Some(1));
        assert!(s.range_has_tombstones(g.last_id, StreamId::MAX));
        assert_eq!(s.lag(&g), None);
        let g = Group::new(StreamId::new(10, 0), None);
        assert_eq!(s.lag(&g), Some(0), "at the last ID the count is known");
        let g = Group::new(StreamId::new(10, 0), Some(3));
        assert_eq!(
            s.lag(&g),
            Some(7),
            "no tombstone after it: the count is trusted"
        );
    }
}
