//! One shard's table: its entries and the expiry wheel.
//!
//! # Layout
//!
//! `entries` (see `raw.rs`) is a chained hash table whose buckets point straight at the
//! entries, so a look-up costs the bucket and the entry. An entry is one heap block that
//! starts with its chain link and a word (its kind, and an access stamp for LRU/LFU), then
//! either
//!
//! * packed: after the block's own word and length, a header (LEB128 of the key's length
//!   shifted left by two, the low bits saying whether a deadline follows and whether it
//!   is wide), the key, the deadline when there is one (6 bytes little-endian, or 8 for
//!   deadlines past the year 10889) and the value. Every string of up to [`PACK_LIMIT`]
//!   bytes lives like this: one allocation per key, 18 + key + value bytes for short keys
//!   (the block's header counts the readers holding a share of it, see `raw.rs`);
//! * boxed: a [`Node`] with the key, any [`Value`] and the deadline.
//!
//! `SCAN` walks the chains with Redis's reverse-binary cursor, which returns every key
//! present throughout the iteration however the table grows.
//!
//! # Expiry wheel
//!
//! `wheel` maps a tick (deadline / resolution) to records: the low 32 bits of the hash of
//! a key with a deadline, which name its chain. Invariant: every entry with a deadline
//! has a record of its own hash at a tick no later than its deadline's. Records are never
//! searched for or removed eagerly: one whose key is gone, has no deadline or a later one
//! is dropped or moved on when its tick is processed. So extending a TTL costs nothing,
//! and shortening one adds one record.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use smallvec::SmallVec;

use crate::raw;
use crate::value::{StrRef, Value, ValueRef};
use crate::varint::{read_varint, varint_bytes};

/// Strings up to this length are packed beside their key: a read shares the entry's block
/// (its count of holders sits in the line the look-up read) or copies a short value, an
/// overwrite of the same length rewrites them in place while no reader holds them. Longer
/// ones are boxed and shared with readers by the buffer's count.
/// Measured with the peer harness (100-byte values): packing them took W1 `GET` from
/// 0.34× the 64-shard map to 0.45×, W2 `SET` from 0.56× to 0.71×, and the two-thread
/// W3 from 0.22× to 0.59×.
pub(crate) const PACK_LIMIT: usize = 128;

/// Header bits below the key length.
const HAS_DEADLINE: usize = 1;
const WIDE_DEADLINE: usize = 2;
const NARROW_LIMIT: u64 = 1 << 48;

pub(crate) type KeyHasher = crate::blob::Seeded;

pub(crate) fn hash_key(hasher: &KeyHasher, key: &[u8]) -> u64 {
    crate::blob::hash_bytes(hasher, key)
}

/// Packed entries up to this many bytes are saved inline by [`SlotRef::save`].
const SAVED_INLINE: usize = 40;

/// An entry kept aside by [`SlotRef::save`].
pub(crate) enum SavedSlot {
    /// A packed entry's bytes (see [`raw::Body::Packed`]).
    Packed(SmallVec<[u8; SAVED_INLINE]>),
    Slot(Slot),
}

impl SavedSlot {
    /// The entry again.
    pub(crate) fn restore(self) -> Slot {
        match self {
            SavedSlot::Packed(b) => Slot::from_packed(&b),
            SavedSlot::Slot(slot) => slot,
        }
    }
}

/// An entry out of the table (see `raw.rs` for its block): packed (header, key,
/// deadline, string) or a boxed [`Node`].
pub(crate) type Slot = raw::Owned<Node>;

/// An entry in place in the table.
pub(crate) type SlotRef<'a> = raw::Ref<'a, Node>;

#[derive(Clone)]
pub(crate) struct Node {
    /// Keys up to 24 bytes sit in the node itself, so comparing one on lookup costs no
    /// further pointer chase.
    key: SmallVec<[u8; 24]>,
    value: Value,
    expires_at: Option<u64>,
}

struct PackedLayout {
    key: std::ops::Range<usize>,
    /// Where the deadline starts, and its width.
    deadline: Option<(usize, usize)>,
    value: usize,
}

/// Where a packed entry's parts are. This and the entry accessors below are
/// `#[inline(always)]`: every look-up decodes the entry it meets two or three times
/// (key, deadline, value), and left out of line they cost a quarter of a cached read.
#[inline(always)]
fn packed_layout(b: &[u8]) -> PackedLayout {
    let (header, n) = read_varint(b);
    let kend = n + (header >> 2);
    let width = if header & WIDE_DEADLINE != 0 { 8 } else { 6 };
    let deadline = (header & HAS_DEADLINE != 0).then_some((kend, width));
    PackedLayout {
        key: n..kend,
        deadline,
        value: kend + deadline.map_or(0, |(_, w)| w),
    }
}

/// Bytes a packed entry gives deadline `d`.
#[inline(always)]
fn deadline_width(d: u64) -> usize {
    if d < NARROW_LIMIT { 6 } else { 8 }
}

#[inline(always)]
fn read_deadline(b: &[u8], (at, width): (usize, usize)) -> u64 {
    let mut raw = [0u8; 8];
    raw[..width].copy_from_slice(&b[at..at + width]);
    u64::from_le_bytes(raw)
}

impl<'a> SlotRef<'a> {
    /// A copy of the entry to keep aside (a transaction's undo record): a short packed
    /// entry is copied inline, with no allocation.
    pub(crate) fn save(self) -> SavedSlot {
        match self.body() {
            raw::Body::Packed(b) if b.len() <= SAVED_INLINE => {
                SavedSlot::Packed(SmallVec::from_slice(&b))
            }
            _ => SavedSlot::Slot(self.to_owned()),
        }
    }

    /// [`mem`](Self::mem), and whether the entry has a deadline: what the table counts,
    /// read with one look at a packed entry's header.
    #[inline]
    fn accounting(self) -> (usize, bool) {
        match self.body() {
            raw::Body::Packed(b) => (self.mem(), read_varint(&b).0 & HAS_DEADLINE != 0),
            raw::Body::Boxed(n) => (self.mem(), n.expires_at.is_some()),
        }
    }

    /// Bytes the entry allocates (see `mem.rs`): the packed block, or the node with its
    /// key's spill and its value's allocations.
    pub(crate) fn mem(self) -> usize {
        match self.body() {
            raw::Body::Packed(b) => raw::packed_size(b.len()),
            raw::Body::Boxed(n) => {
                let spill = if n.key.spilled() { n.key.capacity() } else { 0 };
                std::mem::size_of::<raw::Boxed<Node>>() + spill + n.value.mem()
            }
        }
    }

    #[inline(always)]
    pub(crate) fn key(self) -> &'a [u8] {
        match self.body() {
            raw::Body::Packed(b) => {
                let b = b.bytes();
                &b[packed_layout(b).key]
            }
            raw::Body::Boxed(n) => &n.key,
        }
    }

    #[inline(always)]
    pub(crate) fn expires_at(self) -> Option<u64> {
        match self.body() {
            raw::Body::Packed(b) => packed_layout(&b).deadline.map(|d| read_deadline(&b, d)),
            raw::Body::Boxed(n) => n.expires_at,
        }
    }

    /// The deadline and the value, decoding a packed entry once (the read path).
    #[inline(always)]
    pub(crate) fn parts(self) -> (Option<u64>, ValueRef<'a>) {
        match self.body() {
            raw::Body::Packed(b) => {
                let layout = packed_layout(&b);
                let value = b.tail(layout.value).expect("a packed entry's value");
                (
                    layout.deadline.map(|d| read_deadline(&b, d)),
                    ValueRef::Str(StrRef::Packed(value)),
                )
            }
            raw::Body::Boxed(n) => (n.expires_at, n.value.as_ref()),
        }
    }

    pub(crate) fn value(self) -> ValueRef<'a> {
        self.parts().1
    }

    /// Whether the entry is expired, `passed` telling whether a deadline has passed (it
    /// is asked only if the entry has one).
    #[inline(always)]
    pub(crate) fn is_expired(self, passed: impl FnOnce(u64) -> bool) -> bool {
        self.expires_at().is_some_and(passed)
    }

    /// Whether the entry is not expired at `now` (a key lives through the millisecond of
    /// its deadline, as in Redis).
    pub(crate) fn is_live_at(self, now: u64) -> bool {
        !self.is_expired(|d| now > d)
    }
}

impl Slot {
    /// A packed entry from its bytes (what [`raw::Body::Packed`] shows).
    fn from_packed(bytes: &[u8]) -> Slot {
        Slot::Packed(raw::Packed::copy_of(bytes))
    }

    fn pack(key: &[u8], value: &[u8], expires_at: Option<u64>) -> Slot {
        let flags = match expires_at {
            None => 0,
            Some(d) if deadline_width(d) == 6 => HAS_DEADLINE,
            Some(_) => HAS_DEADLINE | WIDE_DEADLINE,
        };
        let width = expires_at.map_or(0, deadline_width);
        let (head, head_len) = varint_bytes((key.len() << 2) | flags);
        let deadline = expires_at.unwrap_or(0).to_le_bytes();
        Slot::Packed(raw::Packed::from_parts(&[
            &head[..head_len],
            key,
            &deadline[..width],
            value,
        ]))
    }

    /// An entry for `key`, packed when the value is a short string.
    pub(crate) fn new(key: &[u8], value: Value, expires_at: Option<u64>) -> Slot {
        match value {
            Value::Str(s) if s.len() <= PACK_LIMIT => Slot::pack(key, &s, expires_at),
            value => Slot::Boxed(raw::Boxed::new(Node {
                key: SmallVec::from_slice(key),
                value,
                expires_at,
            })),
        }
    }

    /// An entry for `key` holding the string `bytes`, packed when short.
    pub(crate) fn new_str(key: &[u8], bytes: &[u8], expires_at: Option<u64>) -> Slot {
        if bytes.len() <= PACK_LIMIT {
            Slot::pack(key, bytes, expires_at)
        } else {
            Slot::new(key, Value::Str(Bytes::copy_from_slice(bytes)), expires_at)
        }
    }

    pub(crate) fn expires_at(&self) -> Option<u64> {
        self.view().expires_at()
    }

    pub(crate) fn value(&self) -> ValueRef<'_> {
        self.view().value()
    }

    /// Gives the entry another deadline (a packed one is packed again).
    pub(crate) fn set_expires_at(&mut self, expires_at: Option<u64>) {
        match self {
            Slot::Packed(_) => {
                let repacked = match self.view().body() {
                    raw::Body::Packed(b) => {
                        let layout = packed_layout(&b);
                        Slot::pack(&b[layout.key], &b[layout.value..], expires_at)
                    }
                    raw::Body::Boxed(_) => unreachable!("a packed entry"),
                };
                *self = repacked;
            }
            Slot::Boxed(n) => n.expires_at = expires_at,
        }
    }

    /// Takes the value out.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Slot::Packed(_) => match self.value() {
                ValueRef::Str(s) => Value::Str(Bytes::copy_from_slice(s.bytes())),
                _ => unreachable!("a packed entry holds a string"),
            },
            Slot::Boxed(n) => n.inner.value,
        }
    }

    /// A mutable buffer holding the string, taken from the entry without a copy when the
    /// string is boxed and not shared with a reader. Leaves an empty string behind.
    pub(crate) fn take_str_buf(&mut self) -> BytesMut {
        match self {
            Slot::Packed(_) => match self.value() {
                ValueRef::Str(s) => BytesMut::from(s.bytes()),
                _ => BytesMut::new(),
            },
            Slot::Boxed(n) => match &mut n.value {
                Value::Str(s) => std::mem::take(s)
                    .try_into_mut()
                    .unwrap_or_else(|shared| BytesMut::from(&shared[..])),
                _ => BytesMut::new(),
            },
        }
    }
}

/// A shard's entries (see the module doc).
#[derive(Default)]
pub(crate) struct Table {
    entries: raw::Entries<Node>,
    /// Expiry records by tick: the low 32 bits of the hash of a key with a deadline.
    wheel: BTreeMap<u64, Vec<u32>>,
    /// Bytes the entries allocate, kept up to date by every change to an entry.
    entry_bytes: usize,
    /// Bytes the wheel allocates (records, and an estimate per tick).
    wheel_bytes: usize,
    /// Records in the wheel, stale ones included.
    wheel_records: usize,
    /// Entries with a deadline.
    volatile: usize,
    /// Bytes of the buckets, recomputed (by [`restructure`](Self::restructure)) wherever
    /// they may change capacity.
    structure: usize,
}

/// Names a live entry of a table across calls (see [`raw::Handle`]).
pub(crate) type Handle = raw::Handle;

/// Bytes the table spends on each key beyond its entry, at most: two buckets of 8
/// bytes, when the table has just grown.
pub(crate) const PER_KEY: usize = 2 * std::mem::size_of::<usize>();

/// The wheel's record for a key that hashes to `hash`.
#[allow(clippy::cast_possible_truncation)] // the low 32 bits name the bucket
fn record(hash: u64) -> u32 {
    hash as u32
}

/// Whether wheel record `r` is `entry`'s own (its chain holds other keys too).
fn owns(hasher: &KeyHasher, entry: SlotRef<'_>, r: u32) -> bool {
    record(hash_key(hasher, entry.key())) == r
}

/// What the wheel costs per tick beyond its records: a B-tree entry (key and `Vec`)
/// with its share of node overhead.
const TICK_BYTES: usize = 40;

/// What the sweeper did to one shard in one batch.
pub(crate) struct SweepOutcome {
    pub(crate) removed: usize,
    pub(crate) more: bool,
}

impl Table {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many entries have a deadline.
    pub(crate) fn volatile(&self) -> usize {
        self.volatile
    }

    /// Bytes this table allocates, its entries' included, in O(1) (see `mem.rs`).
    #[inline]
    pub(crate) fn footprint(&self) -> usize {
        self.structure + self.entry_bytes + self.wheel_bytes
    }

    /// Recomputes the bytes of the buckets.
    pub(crate) fn restructure(&mut self) {
        self.structure = crate::mem::vec_bytes::<usize>(self.entries.bucket_capacity());
    }

    /// Notes that `slot` arrives (`+`) or leaves (`-`).
    #[inline]
    fn count(&mut self, slot: SlotRef<'_>, arrives: bool) {
        let (bytes, volatile) = slot.accounting();
        let volatile = usize::from(volatile);
        if arrives {
            self.entry_bytes += bytes;
            self.volatile += volatile;
        } else {
            self.entry_bytes -= bytes;
            self.volatile -= volatile;
        }
    }

    /// Puts `slot` (the same key, which hashes to `hash`) in place of live entry `h`,
    /// keeping its access stamp; returns the new entry's handle.
    pub(crate) fn replace(
        &mut self,
        hasher: &KeyHasher,
        hash: u64,
        h: Handle,
        slot: Slot,
    ) -> Handle {
        self.count(slot.view(), true);
        let (new, old) = self
            .entries
            .replace(hash, h, slot)
            .expect("replace a live entry");
        self.count(old.view(), false);
        self.tidy_wheel(hasher);
        new
    }

    /// Drops the wheel's stale records once they outnumber the entries with a deadline
    /// (plus some slack): deleted, evicted or persisted keys leave records behind until
    /// their tick comes, and with long TTLs that would be memory held for hours.
    /// Amortised O(1) per stale record.
    #[inline]
    fn tidy_wheel(&mut self, hasher: &KeyHasher) {
        if self.wheel_records > 2 * self.volatile + 64 {
            self.rebuild_wheel(hasher);
        }
    }

    /// Keeps one record per key with a deadline, its earliest: a record whose own key
    /// is gone (or has no deadline) goes, also when its chain holds other keys.
    #[cold]
    #[inline(never)]
    fn rebuild_wheel(&mut self, hasher: &KeyHasher) {
        let mut seen = std::collections::HashSet::new();
        let wheel = std::mem::take(&mut self.wheel);
        self.wheel_bytes = 0;
        self.wheel_records = 0;
        for (tick, mut records) in wheel {
            // Ticks ascend: the first record kept for a hash is its earliest, which
            // keeps the invariant (a record no later than the deadline's tick).
            records.retain(|&r| {
                let live = self
                    .entries
                    .chain_of(u64::from(r))
                    .any(|e| e.expires_at().is_some() && owns(hasher, e, r));
                live && seen.insert(r)
            });
            if !records.is_empty() {
                records.shrink_to_fit();
                self.wheel_bytes += TICK_BYTES + records.capacity() * 4;
                self.wheel_records += records.len();
                self.wheel.insert(tick, records);
            }
        }
    }

    /// Lets `f` change live entry `h` in place (its key, which hashes to `hash`,
    /// stays), keeping the counts; returns the entry's handle (a new one if `f` moved
    /// it) and `f`'s result.
    pub(crate) fn edit<R>(
        &mut self,
        hasher: &KeyHasher,
        hash: u64,
        h: Handle,
        f: impl FnOnce(&mut Slot) -> R,
    ) -> (Handle, R) {
        let mut before = (0, false);
        let mut after = (0, false);
        let out = self
            .entries
            .edit(hash, h, |slot| {
                before = slot.view().accounting();
                let out = f(slot);
                after = slot.view().accounting();
                out
            })
            .expect("edit a live entry");
        self.entry_bytes = self.entry_bytes - before.0 + after.0;
        self.volatile = self.volatile - usize::from(before.1) + usize::from(after.1);
        self.tidy_wheel(hasher);
        out
    }

    /// Lets `f` change the value of the boxed entry `h` where it is (a collection
    /// edited in place: its block never moves), keeping the byte count; `None` if the
    /// entry is packed (a string). Unlike [`edit`](Self::edit), nothing is unlinked,
    /// accounted twice or linked again, and the deadline is not `f`'s to change.
    pub(crate) fn edit_value<R>(
        &mut self,
        hash: u64,
        h: Handle,
        f: impl FnOnce(&mut Value) -> R,
    ) -> Option<R> {
        let node = self.entries.boxed_mut(hash, h)?;
        let before = node.value.mem();
        let out = f(&mut node.value);
        let after = node.value.mem();
        self.entry_bytes = self.entry_bytes - before + after;
        Some(out)
    }

    /// Rewrites the packed string entry `h` in place, value and deadline, when `bytes`
    /// has its value's length and `expires_at` fits where its deadline is (none for
    /// none, one of the same width for one): the common SET of a key without TTL, and
    /// the `SET … EX` that refreshes a cached value. No move, so no count changes and no
    /// chain to relink; the caller keeps the wheel's invariant. `false` if it cannot.
    pub(crate) fn overwrite_in_place(
        &mut self,
        hash: u64,
        h: Handle,
        bytes: &[u8],
        expires_at: Option<u64>,
    ) -> bool {
        let Some(b) = self.entries.packed_bytes_mut(hash, h) else {
            return false;
        };
        let layout = packed_layout(b);
        if b.len() - layout.value != bytes.len() {
            return false;
        }
        match (layout.deadline, expires_at) {
            (None, None) => {}
            (Some((at, width)), Some(d)) if width == deadline_width(d) => {
                b[at..at + width].copy_from_slice(&d.to_le_bytes()[..width]);
            }
            _ => return false,
        }
        b[layout.value..].copy_from_slice(bytes);
        true
    }

    /// The entry of `key` (which hashes to `hash`).
    #[inline]
    pub(crate) fn find(&self, hash: u64, key: &[u8]) -> Option<SlotRef<'_>> {
        self.entries
            .find(hash, |r| crate::blob::same_bytes(r.key(), key))
    }

    /// Live entry `h`, whose key hashes to `hash`.
    pub(crate) fn slot(&self, hash: u64, h: Handle) -> SlotRef<'_> {
        self.entries.get(hash, h).expect("a live entry")
    }

    /// Every entry.
    pub(crate) fn iter(&self) -> impl Iterator<Item = SlotRef<'_>> {
        self.entries.iter()
    }

    /// Chains of entries (a power of two, or zero).
    pub(crate) fn bucket_count(&self) -> usize {
        self.entries.bucket_count()
    }

    /// The entries of chain `b`.
    pub(crate) fn chain(&self, b: usize) -> impl Iterator<Item = SlotRef<'_>> {
        self.entries.chain(b)
    }

    /// One step of a scan (see [`raw::Entries::scan`]).
    pub(crate) fn scan(&self, cursor: u64, f: impl FnMut(SlotRef<'_>)) -> u64 {
        self.entries.scan(cursor, f)
    }

    /// Stores a new entry (the key must be absent) and returns its handle.
    pub(crate) fn insert(&mut self, hasher: &KeyHasher, hash: u64, slot: Slot) -> Handle {
        self.count(slot.view(), true);
        let h = self
            .entries
            .insert(hash, slot, |r| hash_key(hasher, r.key()));
        self.restructure();
        h
    }

    /// Removes live entry `h`, whose key hashes to `hash`, and returns it.
    pub(crate) fn remove(&mut self, hasher: &KeyHasher, hash: u64, h: Handle) -> Slot {
        let old = self.entries.remove(hash, h).expect("remove a live entry");
        self.count(old.view(), false);
        self.tidy_wheel(hasher);
        old
    }

    /// Records that the key hashing to `hash` has a deadline in `tick`, and drops the
    /// wheel's stale records if they now outnumber the live ones (see `tidy_wheel`):
    /// every path that adds a record (a new key, a deadline shortened in place or by a
    /// move, the sweep moving a record on) keeps the bound here.
    pub(crate) fn schedule(&mut self, hasher: &KeyHasher, hash: u64, tick: u64) {
        // Keys written with one TTL land in the latest tick, which the right edge of
        // the tree reaches without a comparison per level.
        let records = match self.wheel.last_entry() {
            Some(last) if *last.key() == tick => last.into_mut(),
            _ => self.wheel.entry(tick).or_insert_with(|| {
                self.wheel_bytes += TICK_BYTES;
                Vec::new()
            }),
        };
        let before = records.capacity();
        if records.len() == records.capacity() {
            // Grow by a quarter, not the default doubling: a tick's list is built once
            // and then only drained, so slack would be memory held per volatile key.
            records.reserve_exact(records.len() / 4 + 4);
        }
        records.push(record(hash));
        self.wheel_bytes += (records.capacity() - before) * 4;
        self.wheel_records += 1;
        self.tidy_wheel(hasher);
    }

    /// Calls `f` with the entries recorded in the earliest ticks of the wheel and their
    /// deadlines, up to `n` of them: the nearest deadlines of this table.
    pub(crate) fn earliest_deadlines(
        &self,
        hasher: &KeyHasher,
        n: usize,
        mut f: impl FnMut(SlotRef<'_>, u64),
    ) {
        let mut left = n;
        for records in self.wheel.values() {
            for &r in records.iter().rev() {
                for entry in self.entries.chain_of(u64::from(r)) {
                    if left == 0 {
                        return;
                    }
                    let Some(deadline) = entry.expires_at() else {
                        continue;
                    };
                    // The record's own key, not the others of its chain.
                    if owns(hasher, entry, r) {
                        f(entry, deadline);
                        left -= 1;
                    }
                }
            }
        }
    }

    /// The earliest tick with a wheel record.
    pub(crate) fn first_tick(&self) -> Option<u64> {
        self.wheel.first_key_value().map(|(&t, _)| t)
    }

    /// Processes wheel records due at `now` (tick ≤ `now / resolution`), checking at most
    /// `budget` of them: removes the expired entries of each record's chain, moves a
    /// record whose key has a later deadline to its tick, drops stale ones.
    pub(crate) fn sweep(
        &mut self,
        hasher: &KeyHasher,
        now: u64,
        resolution: u64,
        mut budget: usize,
        mut removed_key: impl FnMut(&[u8]),
    ) -> SweepOutcome {
        let now_tick = now / resolution;
        let mut removed = 0;
        let mut moved: Vec<(u64, u32)> = Vec::new();
        let mut due: SmallVec<[Handle; 4]> = SmallVec::new();
        // Ticks are taken earliest first; the one holding `now` is the last that can be
        // due, and records kept in it wait for its end.
        while let Some((tick, mut records)) = self.wheel.pop_first() {
            if tick > now_tick {
                self.wheel.insert(tick, records);
                break;
            }
            self.wheel_bytes -= TICK_BYTES + records.capacity() * 4;
            self.wheel_records -= records.len();
            let mut keep = Vec::new();
            while budget > 0 {
                let Some(r) = records.pop() else { break };
                budget -= 1;
                // Every expired entry of the chain goes; the record stays with its own
                // key if that has a later deadline (a stale record, of a key deleted or
                // persisted, is dropped).
                let mut later = None;
                for entry in self.entries.chain_of(u64::from(r)) {
                    let Some(deadline) = entry.expires_at() else {
                        continue;
                    };
                    if deadline < now {
                        removed_key(entry.key());
                        due.push(entry.handle());
                    } else if owns(hasher, entry, r) {
                        // Two keys may share the record: it stays with the earlier.
                        later = Some(later.map_or(deadline, |l: u64| l.min(deadline)));
                    }
                }
                for h in due.drain(..) {
                    self.remove(hasher, u64::from(r), h);
                    removed += 1;
                }
                match later {
                    Some(d) if d / resolution == tick => keep.push(r),
                    Some(d) => moved.push((d / resolution, r)),
                    None => {}
                }
            }
            records.append(&mut keep);
            if !records.is_empty() {
                self.wheel_bytes += TICK_BYTES + records.capacity() * 4;
                self.wheel_records += records.len();
                self.wheel.insert(tick, records);
            }
            if budget == 0 || tick == now_tick {
                break;
            }
        }
        for (t, r) in moved {
            self.schedule(hasher, u64::from(r), t);
        }
        SweepOutcome {
            removed,
            more: budget == 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_entry_is_one_block_of_eighteen_bytes_and_its_key_and_value() {
        // 18 bytes of link, word, holders' count, length and header, then key and value.
        assert_eq!(
            Slot::new_str(b"0123456789abcdef", &[7; 16], None)
                .view()
                .mem(),
            50
        );
    }

    #[test]
    fn a_read_shares_a_small_block_and_copies_a_value_under_a_long_key() {
        let read = |key: &[u8], len: usize| {
            let slot = Slot::new_str(key, &vec![7; len], Some(1 << 40));
            let blob = slot.value().as_str().unwrap().to_blob();
            assert_eq!(blob, vec![7u8; len]);
            blob.holds_entry()
        };
        assert!(read(b"key", 31));
        assert!(read(b"key", 128));
        assert!(!read(b"key", 30), "inline");
        assert!(!read(b"key", 129), "boxed, shared by its buffer");
        // 16 bytes of block header, 2 of length, 2 of entry header, key, 6 of deadline,
        // value: 192 bytes with a 38-byte key.
        assert!(read(&[b'k'; 38], 128), "a block of 192 bytes");
        assert!(!read(&[b'k'; 39], 128), "of 193: copied");
        assert!(!read(&[b'k'; 1000], 64));
    }

    #[test]
    fn packed_entries_round_trip() {
        let long_key = vec![b'k'; 300];
        for key in [&b""[..], b"key", &long_key] {
            for deadline in [
                None,
                Some(0),
                Some(NARROW_LIMIT - 1),
                Some(NARROW_LIMIT),
                Some(u64::MAX),
            ] {
                let slot = Slot::new_str(key, b"value", deadline);
                assert!(matches!(slot, Slot::Packed(_)));
                assert_eq!(slot.view().key(), key);
                assert_eq!(slot.expires_at(), deadline);
                assert_eq!(slot.value().as_str().unwrap().bytes(), b"value");
            }
        }
        let big = Slot::new_str(b"k", &[1; PACK_LIMIT + 1], Some(5));
        assert!(matches!(big, Slot::Boxed(_)));
        assert_eq!(big.expires_at(), Some(5));
        let mut moved = big;
        moved.set_expires_at(None);
        assert_eq!(moved.expires_at(), None);
    }

    #[test]
    fn removed_slots_are_reused_and_the_index_stays_consistent() {
        let hasher = KeyHasher::default();
        let mut t = Table::default();
        let keys: Vec<Vec<u8>> = (0..1000).map(|i| format!("key:{i}").into_bytes()).collect();
        for k in &keys {
            t.insert(&hasher, hash_key(&hasher, k), Slot::new_str(k, b"v", None));
        }
        assert_eq!(t.bucket_count(), 1024);
        for k in keys.iter().step_by(2) {
            let h = hash_key(&hasher, k);
            let found = t.find(h, k).unwrap().handle();
            assert_eq!(t.remove(&hasher, h, found).view().key(), k.as_slice());
        }
        assert_eq!(t.len(), 500);
        assert_eq!(t.iter().count(), 500);
        for (n, k) in keys.iter().enumerate() {
            assert_eq!(t.find(hash_key(&hasher, k), k).is_some(), n % 2 == 1);
        }
        let before = t.footprint();
        let h = hash_key(&hasher, b"k");
        let first = t.insert(&hasher, h, Slot::new_str(b"k", b"v", None));
        let second = t.replace(
            &hasher,
            h,
            first,
            Slot::new_str(b"k", b"long value", Some(5)),
        );
        assert_eq!(t.volatile(), 1);
        let (third, ()) = t.edit(&hasher, h, second, |slot| {
            slot.set_expires_at(None);
        });
        assert_eq!(t.volatile(), 0);
        assert_eq!(t.slot(h, third).expires_at(), None);
        t.remove(&hasher, h, third);
        assert_eq!(t.footprint(), before, "the counts follow every change");
    }

    #[test]
    fn overwrite_in_place_takes_a_value_of_the_same_length_and_a_deadline_of_the_same_width() {
        let hasher = KeyHasher::default();
        let mut t = Table::default();
        let h = hash_key(&hasher, b"k");
        let wide = NARROW_LIMIT + 7;
        let narrow = NARROW_LIMIT - 1;
        for (before, after, fits) in [
            (None, None, true),
            (Some(5), Some(9), true),
            (Some(9), Some(5), true),
            (Some(wide), Some(wide + 1), true),
            (None, Some(5), false),
            (Some(5), None, false),
            (Some(narrow), Some(wide), false),
            (Some(wide), Some(narrow), false),
        ] {
            let e = t.insert(&hasher, h, Slot::new_str(b"k", b"old", before));
            assert!(
                !t.overwrite_in_place(h, e, b"longer", after),
                "a new length"
            );
            assert_eq!(t.overwrite_in_place(h, e, b"new", after), fits);
            let slot = t.slot(h, e);
            let want = if fits {
                (&b"new"[..], after)
            } else {
                (&b"old"[..], before)
            };
            assert_eq!(
                (
                    &*slot.value().as_str().unwrap().to_blob(),
                    slot.expires_at()
                ),
                want
            );
            assert_eq!(slot.key(), b"k");
            t.remove(&hasher, h, e);
        }
    }

    #[test]
    fn sweep_removes_due_entries_and_moves_later_ones() {
        let hasher = KeyHasher::default();
        let mut t = Table::default();
        let res = 10;
        let insert = |t: &mut Table, k: &[u8], d: u64, tick: u64| {
            let h = hash_key(&hasher, k);
            t.insert(&hasher, h, Slot::new_str(k, b"v", Some(d)));
            t.schedule(&hasher, h, tick);
        };
        insert(&mut t, b"a", 100, 10);
        insert(&mut t, b"b", 105, 10);
        insert(&mut t, b"c", 500, 10); // record earlier than its deadline: moved on
        let out = t.sweep(&hasher, 102, res, 100, |_| {});
        assert_eq!(out.removed, 1);
        assert!(!out.more);
        assert!(t.find(hash_key(&hasher, b"a"), b"a").is_none());
        assert_eq!(t.first_tick(), Some(10), "b is kept in its tick");
        let out = t.sweep(&hasher, 1000, res, 100, |_| {});
        assert_eq!(out.removed, 2);
        assert_eq!(t.len(), 0);
        assert_eq!(t.first_tick(), None);
    }

    #[test]
    fn a_rebuild_drops_the_records_of_gone_keys_that_share_a_chain() {
        let hasher = KeyHasher::default();
        let mut t = Table::default();
        for n in 0..10_000u32 {
            let k = format!("v{n}");
            let h = hash_key(&hasher, k.as_bytes());
            t.insert(
                &hasher,
                h,
                Slot::new_str(k.as_bytes(), b"v", Some(1_000_000)),
            );
            t.schedule(&hasher, h, 100_000);
        }
        for n in 0..30_000u32 {
            let k = format!("c{n}");
            let h = hash_key(&hasher, k.as_bytes());
            let e = t.insert(
                &hasher,
                h,
                Slot::new_str(k.as_bytes(), b"v", Some(1_000_000)),
            );
            t.schedule(&hasher, h, 100_000);
            t.remove(&hasher, h, e);
            // Else every write would rebuild the whole wheel.
            assert!(t.wheel_records <= 2 * t.volatile + 64);
        }
    }

    #[test]
    fn a_record_shared_by_two_keys_stays_with_the_earlier_deadline() {
        let hasher = KeyHasher::default();
        let mut seen = std::collections::HashMap::new();
        let (a, b) = (0u64..)
            .find_map(|n| {
                let k = format!("k{n}");
                let r = record(hash_key(&hasher, k.as_bytes()));
                seen.insert(r, k.clone()).map(|o| (o, k))
            })
            .expect("a collision of 32 bits");
        let (ha, hb) = (
            hash_key(&hasher, a.as_bytes()),
            hash_key(&hasher, b.as_bytes()),
        );
        let mut t = Table::default();
        t.insert(&hasher, ha, Slot::new_str(a.as_bytes(), b"v", Some(500)));
        t.schedule(&hasher, ha, 50);
        let eb = t.insert(&hasher, hb, Slot::new_str(b.as_bytes(), b"v", Some(150)));
        t.schedule(&hasher, hb, 15);
        // A later deadline for b adds no record (as EXPIRE does).
        t.edit(&hasher, hb, eb, |slot| {
            slot.set_expires_at(Some(400));
        });
        t.sweep(&hasher, 151, 10, 100, |_| {});
        t.sweep(&hasher, 420, 10, 100, |_| {});
        assert_eq!(t.len(), 1, "b (deadline 400) is swept by 420");
    }

    #[test]
    fn sweep_respects_its_budget() {
        let hasher = KeyHasher::default();
        let mut t = Table::default();
        for n in 0..100u32 {
            let k = n.to_le_bytes();
            let h = hash_key(&hasher, &k);
            t.insert(&hasher, h, Slot::new_str(&k, b"v", Some(5)));
            t.schedule(&hasher, h, 0);
        }
        // A record clears its whole chain: at least as many entries as records.
        let out = t.sweep(&hasher, 1000, 10, 30, |_| {});
        assert!(out.removed >= 30 && out.more);
        let first = out.removed;
        let out = t.sweep(&hasher, 1000, 10, 1000, |_| {});
        assert_eq!((first + out.removed, out.more), (100, false));
        assert_eq!(t.len(), 0);
    }
}
