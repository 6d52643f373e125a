//! The stream value (Redis's `t_stream.c`): an append-only log of entries, each a list
//! of field-value pairs under an ID, with consumer groups.
//!
//! # Representation
//!
//! Entries live in blocks of consecutive entries, kept in a `BTreeMap` by the block's
//! master ID (the ID of the first entry it was made with), as Redis keeps listpacks in a
//! radix tree. A block stores its first entry's field names once (the master fields);
//! an entry with the same field names stores only its values. IDs are stored as deltas
//! from the master ID. A deleted entry stays in its block, flagged, until the whole block
//! is deleted or trimmed, as in Redis.
//!
//! A block closes as Redis closes a listpack: once it holds `stream-node-max-entries`
//! entries (live and deleted), or once its size as Redis would encode it plus the new
//! entry's fields and values reaches `stream-node-max-bytes`. Block boundaries are what
//! `XTRIM ~` and `XADD … MAXLEN ~` remove whole, and what `XINFO STREAM` counts, so they
//! follow Redis's sizes exactly ([`lp_entry_size`]).
//!
//! Entry layout in a block's buffer: a flags byte ([`DELETED`], [`SAME_FIELDS`]), the
//! ID's milliseconds as a LEB128 delta from the master's, the sequence (a delta from the
//! master's when the milliseconds are equal, else whole), then either the values (each a
//! LEB128 length and bytes) or a count and the field-value pairs.

mod group;

use std::collections::BTreeMap;
use std::fmt;

pub(crate) use group::{Claim, ClaimRules, Claimed, idle};

use crate::Blob;

/// A stream entry's ID: milliseconds and a sequence number, `ms-seq`.
///
/// # Examples
///
/// ```
/// use embedis::StreamId;
/// let id = StreamId::new(1_700_000_000_000, 3);
/// assert_eq!(id.to_string(), "1700000000000-3");
/// assert!(id < StreamId::new(1_700_000_000_000, 4));
/// assert_eq!("5-1".parse::<StreamId>(), Ok(StreamId::new(5, 1)));
/// assert_eq!("7".parse::<StreamId>(), Ok(StreamId::new(7, 0)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// The milliseconds part.
    pub ms: u64,
    /// The sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest ID, `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// `ms-seq`.
    pub const fn new(ms: u64, seq: u64) -> Self {
        StreamId { ms, seq }
    }

    /// The next ID, `None` past the largest.
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// The previous ID, `None` before the smallest.
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    /// The 16 bytes Redis keys its radix trees with (big-endian ms, then seq).
    pub(crate) fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    /// The inverse of [`to_be_bytes`](Self::to_be_bytes).
    pub(crate) fn from_be_bytes(b: [u8; 16]) -> Self {
        let (ms, seq) = b.split_at(8);
        StreamId::new(
            u64::from_be_bytes(ms.try_into().unwrap_or_default()),
            u64::from_be_bytes(seq.try_into().unwrap_or_default()),
        )
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl std::str::FromStr for StreamId {
    type Err = crate::Error;

    /// `ms-seq`, or `ms` alone (sequence 0), as Redis parses a complete ID (so `+5` and
    /// `007` are 5-0, and `-`/`+` alone are refused).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "-" | "+" => Err(crate::Error::InvalidStreamId),
            s => parse_id(s.as_bytes(), 0).ok_or(crate::Error::InvalidStreamId),
        }
    }
}

/// Redis's `string2ull`: a canonical `i64` that is not negative, else what C's
/// `strtoull` reads in base 10 (leading blanks, a sign — a `-` wraps — and leading
/// zeros allowed, nothing after the digits, no overflow).
pub(crate) fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::number::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut rest = s;
    while let [b, tail @ ..] = rest
        && crate::number::is_c_space(*b)
    {
        rest = tail;
    }
    let negative = match rest {
        [b'-', tail @ ..] => {
            rest = tail;
            true
        }
        [b'+', tail @ ..] => {
            rest = tail;
            false
        }
        _ => false,
    };
    if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in rest {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// Splits an ID argument as Redis's `streamGenericParseIDOrReply` reads it: at most
/// 127 bytes, up to its first NUL (a C string), then at its first `-`.
pub(crate) fn id_parts(s: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    if s.len() > 127 {
        return None;
    }
    let s = s.split(|&b| b == 0).next().unwrap_or_default();
    Some(match s.iter().position(|&c| c == b'-') {
        Some(dash) => (&s[..dash], Some(&s[dash + 1..])),
        None => (s, None),
    })
}

/// Parses `ms-seq` or `ms` (then the sequence is `missing_seq`) as Redis's
/// `streamParseID` does, each part read by [`string2ull`].
pub(crate) fn parse_id(s: &[u8], missing_seq: u64) -> Option<StreamId> {
    let (ms, seq) = id_parts(s)?;
    let seq = match seq {
        Some(seq) => string2ull(seq)?,
        None => missing_seq,
    };
    Some(StreamId::new(string2ull(ms)?, seq))
}

/// A stream entry: its ID and its field-value pairs, in the order they were added.
///
/// # Examples
///
/// ```
/// use embedis::{StreamId, XAdd};
/// let store = embedis::Store::new();
/// store.streams().xadd("events", &XAdd::id(StreamId::new(1, 0)), [("kind", "login")])?;
/// let entries = store.streams().xrange("events", StreamId::MIN, StreamId::MAX, None)?;
/// assert_eq!(entries[0].id, StreamId::new(1, 0));
/// assert_eq!(entries[0].fields, [("kind".into(), "login".into())]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry's ID.
    pub id: StreamId,
    /// Its field-value pairs.
    pub fields: Vec<(Blob, Blob)>,
}

impl EntryRef<'_> {
    /// An owned copy.
    pub(crate) fn to_entry(self) -> StreamEntry {
        StreamEntry {
            id: self.id,
            fields: self
                .fields()
                .map(|(f, v)| (Blob::copy_from_slice(f), Blob::copy_from_slice(v)))
                .collect(),
        }
    }
}

/// Block flags.
const DELETED: u8 = 1;
const SAME_FIELDS: u8 = 2;

/// Redis's defaults for `stream-node-max-bytes` and `stream-node-max-entries`.
pub(crate) const NODE_MAX_BYTES: usize = 4096;
pub(crate) const NODE_MAX_ENTRIES: usize = 100;
/// The largest listpack Redis makes a node (`STREAM_LISTPACK_MAX_SIZE`, 1 GiB).
const LISTPACK_MAX: usize = 1 << 30;

/// When a block closes (Redis's `stream-node-max-bytes` and `-entries`; 0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeLimits {
    pub(crate) max_bytes: usize,
    pub(crate) max_entries: usize,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits {
            max_bytes: NODE_MAX_BYTES,
            max_entries: NODE_MAX_ENTRIES,
        }
    }
}

fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    loop {
        #[allow(clippy::cast_possible_truncation)] // masked to 7 bits
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads a LEB128 number at `*at`, moving past it.
fn read_u64(b: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*at];
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return n;
        }
        shift += 7;
    }
}

fn read_bytes<'a>(b: &'a [u8], at: &mut usize) -> &'a [u8] {
    let len = usize::try_from(read_u64(b, at)).unwrap_or(usize::MAX);
    let out = &b[*at..*at + len];
    *at += len;
    out
}

fn write_bytes(out: &mut Vec<u8>, s: &[u8]) {
    write_u64(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Bytes a listpack element takes (encoding, data and back-length), as Redis's
/// `lpInsert` lays it out: integers in their smallest encoding, strings with a 1-, 2-
/// or 5-byte header.
pub(crate) fn lp_element_size(element: &[u8]) -> usize {
    let body = match lp_int(element) {
        Some(v) if (0..=127).contains(&v) => 1,
        Some(v) if (-4096..=4095).contains(&v) => 2,
        Some(v) if i16::try_from(v).is_ok() => 3,
        Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => 4,
        Some(v) if i32::try_from(v).is_ok() => 5,
        Some(_) => 9,
        None if element.len() < 64 => 1 + element.len(),
        None if element.len() < 4096 => 2 + element.len(),
        None => 5 + element.len(),
    };
    body + lp_backlen_size(body)
}

/// Bytes a listpack integer element takes.
pub(crate) fn lp_int_size(v: i64) -> usize {
    lp_element_size(v.to_string().as_bytes())
}

fn lp_backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// The integer a listpack stores `s` as, if it stores it as one (`lpStringToInt64`:
/// the canonical decimal form of an i64, at most 20 bytes).
fn lp_int(s: &[u8]) -> Option<i64> {
    crate::number::parse_i64(s)
}

/// Bytes of a listpack's header and terminator.
const LP_OVERHEAD: usize = 7;

/// A block of consecutive entries (Redis's stream listpack node).
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The ID the block was made with (its key in the tree).
    master: StreamId,
    /// The master field names.
    fields: Box<[Box<[u8]>]>,
    /// The entries (see the module doc).
    buf: Vec<u8>,
    /// Entries, live and deleted.
    count: usize,
    /// Live entries.
    live: usize,
    /// The size of the entries as Redis encodes them in the node's listpack.
    lp_entries: usize,
}

/// An entry in place: its ID and where its fields are.
#[derive(Clone, Copy)]
pub(crate) struct EntryRef<'a> {
    pub(crate) id: StreamId,
    block: &'a Block,
    /// The entry's flags byte.
    at: usize,
    /// Where its fields start.
    body: usize,
}

impl<'a> EntryRef<'a> {
    fn flags(self) -> u8 {
        self.block.buf[self.at]
    }

    pub(crate) fn is_deleted(self) -> bool {
        self.flags() & DELETED != 0
    }

    /// The field-value pairs.
    pub(crate) fn fields(self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let buf = &self.block.buf[..];
        let mut at = self.body;
        let same = self.flags() & SAME_FIELDS != 0;
        let n = if same {
            self.block.fields.len()
        } else {
            usize::try_from(read_u64(buf, &mut at)).unwrap_or(0)
        };
        let master = &self.block.fields;
        (0..n).map(move |i| {
            let field = if same {
                &master[i][..]
            } else {
                read_bytes(buf, &mut at)
            };
            (field, read_bytes(buf, &mut at))
        })
    }

    /// Whether the entry has its block's master fields (Redis's `SAMEFIELDS` flag).
    pub(crate) fn has_master_fields(self) -> bool {
        self.flags() & SAME_FIELDS != 0
    }

    /// How many field-value pairs.
    pub(crate) fn field_count(self) -> usize {
        if self.flags() & SAME_FIELDS != 0 {
            self.block.fields.len()
        } else {
            let mut at = self.body;
            usize::try_from(read_u64(&self.block.buf, &mut at)).unwrap_or(0)
        }
    }
}

impl Block {
    fn new(master: StreamId, fields: &[(&[u8], &[u8])]) -> Self {
        Block {
            master,
            fields: fields.iter().map(|(f, _)| Box::from(*f)).collect(),
            buf: Vec::new(),
            count: 0,
            live: 0,
            lp_entries: 0,
        }
    }

    /// The block's size as a Redis listpack: header, master entry, entries, end.
    fn lp_bytes(&self) -> usize {
        let count = i64::try_from(self.live).unwrap_or(i64::MAX);
        let deleted = i64::try_from(self.count - self.live).unwrap_or(i64::MAX);
        let nfields = i64::try_from(self.fields.len()).unwrap_or(i64::MAX);
        LP_OVERHEAD
            + lp_int_size(count)
            + lp_int_size(deleted)
            + lp_int_size(nfields)
            + self
                .fields
                .iter()
                .map(|f| lp_element_size(f))
                .sum::<usize>()
            + lp_int_size(0)
            + self.lp_entries
    }

    fn same_fields(&self, fields: &[(&[u8], &[u8])]) -> bool {
        self.fields.len() == fields.len()
            && self.fields.iter().zip(fields).all(|(m, (f, _))| **m == **f)
    }

    fn push(&mut self, id: StreamId, fields: &[(&[u8], &[u8])]) {
        let same = self.same_fields(fields);
        self.buf.push(if same { SAME_FIELDS } else { 0 });
        // An entry may sit below its block's master ID (XSETID can lower the last ID
        // below a block whose entries are all deleted): deltas wrap, as Redis's int64
        // differences do.
        let ms_delta = id.ms.wrapping_sub(self.master.ms);
        write_u64(&mut self.buf, ms_delta);
        write_u64(
            &mut self.buf,
            if ms_delta == 0 {
                id.seq.wrapping_sub(self.master.seq)
            } else {
                id.seq
            },
        );
        if !same {
            write_u64(&mut self.buf, fields.len() as u64);
        }
        for (f, v) in fields {
            if !same {
                write_bytes(&mut self.buf, f);
            }
            write_bytes(&mut self.buf, v);
        }
        self.count += 1;
        self.live += 1;
        self.lp_entries += lp_entry_size(self.master, id, fields, same);
    }

    /// The entries in order, deleted ones included.
    fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= self.buf.len() {
                return None;
            }
            let start = at;
            let flags = self.buf[at];
            at += 1;
            let ms_delta = read_u64(&self.buf, &mut at);
            let seq = read_u64(&self.buf, &mut at);
            let id = if ms_delta == 0 {
                StreamId::new(self.master.ms, self.master.seq.wrapping_add(seq))
            } else {
                StreamId::new(self.master.ms.wrapping_add(ms_delta), seq)
            };
            let body = at;
            let n = if flags & SAME_FIELDS != 0 {
                self.fields.len()
            } else {
                usize::try_from(read_u64(&self.buf, &mut at)).unwrap_or(0)
            };
            for _ in 0..n {
                if flags & SAME_FIELDS == 0 {
                    read_bytes(&self.buf, &mut at);
                }
                read_bytes(&self.buf, &mut at);
            }
            Some(EntryRef {
                id,
                block: self,
                at: start,
                body,
            })
        })
    }

    fn live_entries(&self) -> impl Iterator<Item = EntryRef<'_>> + '_ {
        self.entries().filter(|e| !e.is_deleted())
    }

    /// Flags the entry at byte `at` deleted.
    fn delete_at(&mut self, at: usize) {
        self.buf[at] |= DELETED;
        self.live -= 1;
    }

    /// Bytes the block holds (its entries' length, not the buffer's spare room, so that
    /// a copy counts the same).
    fn mem(&self) -> usize {
        std::mem::size_of::<Block>()
            + BLOCK_KEY_BYTES
            + self.buf.len()
            + self
                .fields
                .iter()
                .map(|f| f.len() + std::mem::size_of::<Box<[u8]>>())
                .sum::<usize>()
    }
}

/// Bytes the tree spends on a block beside it: its key, and a share of a node.
const BLOCK_KEY_BYTES: usize = 32;

/// Bytes a Redis listpack node spends on one entry (`streamAppendItem`): flags, the two
/// ID deltas, the fields (and their count) unless they are the master's, the values,
/// and the element count that ends the entry.
fn lp_entry_size(master: StreamId, id: StreamId, fields: &[(&[u8], &[u8])], same: bool) -> usize {
    let flags = if same { SAME_FIELDS } else { 0 };
    #[allow(clippy::cast_possible_wrap)] // Redis stores the differences as int64
    let ms_diff = id.ms.wrapping_sub(master.ms) as i64;
    #[allow(clippy::cast_possible_wrap)]
    let seq_diff = id.seq.wrapping_sub(master.seq) as i64;
    let mut size = lp_int_size(i64::from(flags)) + lp_int_size(ms_diff) + lp_int_size(seq_diff);
    if !same {
        size += lp_int_size(i64::try_from(fields.len()).unwrap_or(i64::MAX));
    }
    for (f, v) in fields {
        if !same {
            size += lp_element_size(f);
        }
        size += lp_element_size(v);
    }
    let lp_count = if same {
        fields.len() + 3
    } else {
        fields.len() * 2 + 4
    };
    size + lp_int_size(i64::try_from(lp_count).unwrap_or(i64::MAX))
}

/// A message delivered to a consumer of a group and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    /// When it was last delivered (ms on the store's clock).
    pub(crate) delivery_time: u64,
    /// How many times it was delivered.
    pub(crate) delivery_count: u64,
    /// The consumer it was delivered to.
    pub(crate) consumer: Blob,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Consumer {
    /// When it last read or claimed (ms on the store's clock).
    pub(crate) seen_time: u64,
    /// The IDs pending for it.
    pub(crate) pending: std::collections::BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Group {
    /// The last ID delivered to the group.
    pub(crate) last_id: StreamId,
    /// Entries the group has read (its logical position), `None` when unknown (Redis's
    /// `SCG_INVALID_ENTRIES_READ`).
    pub(crate) entries_read: Option<u64>,
    /// Delivered, unacknowledged entries.
    pub(crate) pending: BTreeMap<StreamId, Pending>,
    /// The consumers, by name.
    pub(crate) consumers: BTreeMap<Blob, Consumer>,
}

/// A stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stream {
    blocks: BTreeMap<StreamId, Block>,
    /// The sum of the blocks' [`Block::mem`], kept up to date by every change.
    block_bytes: usize,
    /// Live entries.
    length: u64,
    /// The largest ID ever added (or set by `XSETID`).
    pub(crate) last_id: StreamId,
    /// The first live entry's ID (0-0 when empty).
    first_id: StreamId,
    /// The last live entry's ID (0-0 when empty): what a group's read compares with its
    /// position on every call, kept here rather than found by decoding the last block.
    last_live: StreamId,
    /// The largest ID deleted.
    pub(crate) max_deleted_id: StreamId,
    /// Entries ever added.
    pub(crate) entries_added: u64,
    /// Consumer groups, by name.
    pub(crate) groups: BTreeMap<Blob, Group>,
}

/// How `XTRIM` (or `XADD`'s trimming) chooses what to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries with smaller IDs.
    MinId(StreamId),
}

impl Stream {
    /// Live entries.
    pub(crate) fn len(&self) -> u64 {
        self.length
    }

    /// The first live entry's ID (0-0 if there is none).
    pub(crate) fn first_id(&self) -> StreamId {
        self.first_id
    }

    /// Blocks (Redis's radix tree nodes and keys).
    pub(crate) fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// The nodes of the radix tree Redis keys this stream's blocks with (`XINFO
    /// STREAM`'s `radix-tree-nodes`).
    pub(crate) fn radix_tree_nodes(&self) -> u64 {
        let keys: Vec<[u8; 16]> = self.blocks.keys().map(|id| id.to_be_bytes()).collect();
        super::rax::node_count(&keys) as u64
    }

    /// Bytes this stream allocates (see `mem.rs`). Out of line, as the small sorted
    /// set's walk: `Value::mem`, which every collection write calls twice, stays small.
    #[inline(never)]
    pub(crate) fn mem(&self) -> usize {
        let blocks = self.block_bytes;
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                std::mem::size_of::<Group>()
                    + name.len()
                    + g.pending.len() * (std::mem::size_of::<Pending>() + 32)
                    + g.consumers
                        .iter()
                        .map(|(c, cons)| {
                            std::mem::size_of::<Consumer>() + c.len() + cons.pending.len() * 24
                        })
                        .sum::<usize>()
            })
            .sum();
        blocks + groups
    }

    /// Appends an entry with `id` (which must be above [`last_id`](Self::last_id)) and
    /// `fields` (at least one pair).
    pub(crate) fn append(&mut self, id: StreamId, fields: &[(&[u8], &[u8])], limits: NodeLimits) {
        debug_assert!(id > self.last_id || (self.last_id == StreamId::MIN && self.length == 0));
        let needs_new = match self.blocks.last_key_value() {
            None => true,
            Some((_, block)) => {
                let max_bytes = match limits.max_bytes {
                    0 => LISTPACK_MAX,
                    n => n.min(LISTPACK_MAX),
                };
                let incoming: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
                block.lp_bytes() + incoming >= max_bytes
                    || (limits.max_entries != 0 && block.count >= limits.max_entries)
            }
        };
        if needs_new {
            let block = Block::new(id, fields);
            self.block_bytes += block.mem();
            self.blocks.insert(id, block);
        }
        if let Some(mut last) = self.blocks.last_entry() {
            let block = last.get_mut();
            let before = block.mem();
            block.push(id, fields);
            self.block_bytes = self.block_bytes + block.mem() - before;
        }
        if self.length == 0 {
            self.first_id = id;
        }
        self.length += 1;
        self.last_id = id;
        self.last_live = id;
        self.entries_added += 1;
    }

    /// Live entries from `start` to `end` (inclusive), in ID order or reversed.
    pub(crate) fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
    ) -> Box<dyn Iterator<Item = EntryRef<'_>> + '_> {
        if start > end {
            return Box::new(std::iter::empty());
        }
        // The block holding `start` may begin before it.
        let from = self
            .blocks
            .range(..=start)
            .next_back()
            .map_or(start, |(&k, _)| k);
        let blocks = self.blocks.range(from..=end).map(|(_, b)| b);
        let within = move |e: &EntryRef<'_>| e.id >= start && e.id <= end;
        if rev {
            Box::new(blocks.rev().flat_map(move |b| {
                let mut v: Vec<EntryRef<'_>> = b.live_entries().filter(within).collect();
                v.reverse();
                v
            }))
        } else {
            Box::new(
                blocks
                    .flat_map(Block::live_entries)
                    .skip_while(move |e| e.id < start)
                    .take_while(move |e| e.id <= end),
            )
        }
    }

    /// The live entry with `id`.
    pub(crate) fn get(&self, id: StreamId) -> Option<EntryRef<'_>> {
        self.range(id, id, false).next()
    }

    /// The first entry, deleted or not, or [`StreamId::MAX`] if there is none (Redis's
    /// `streamGetEdgeID(s, 1, 0)`, what an approximate `MINID` is propagated as).
    pub(crate) fn first_id_any(&self) -> StreamId {
        self.blocks
            .values()
            .find_map(|b| b.entries().next())
            .map_or(StreamId::MAX, |e| e.id)
    }

    /// The last live entry.
    pub(crate) fn last_entry(&self) -> Option<EntryRef<'_>> {
        if self.length == 0 {
            return None;
        }
        self.get(self.last_live)
    }

    /// The last live entry's ID, 0-0 if there is none (Redis's `streamLastValidID`).
    pub(crate) fn last_valid_id(&self) -> StreamId {
        self.last_live
    }

    /// Finds the last live entry again, from the end.
    fn refresh_last(&mut self) {
        let last = self
            .range(StreamId::MIN, StreamId::MAX, true)
            .next()
            .map(|e| e.id);
        self.last_live = last.unwrap_or(StreamId::MIN);
    }

    /// Deletes the live entry `id`; `true` if there was one.
    pub(crate) fn delete(&mut self, id: StreamId) -> bool {
        let Some((&key, block)) = self.blocks.range_mut(..=id).next_back() else {
            return false;
        };
        let Some(at) = block.live_entries().find(|e| e.id == id).map(|e| e.at) else {
            return false;
        };
        block.delete_at(at);
        if block.live == 0 {
            self.block_bytes -= block.mem();
            self.blocks.remove(&key);
        }
        self.length -= 1;
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        if id == self.first_id {
            let first = self.range(id, StreamId::MAX, false).next().map(|e| e.id);
            self.first_id = first.unwrap_or(StreamId::MIN);
        }
        if id == self.last_live {
            self.refresh_last();
        }
        true
    }

    /// What [`trim`](Self::trim) would remove: the number of whole blocks from the
    /// front, the byte offsets of the entries to flag in the block after them, and the
    /// number of entries in all.
    fn trim_plan(&self, trim: Trim, approx: bool, limit: u64) -> (usize, Vec<usize>, u64) {
        let (mut blocks, mut removed) = (0, 0u64);
        let mut length = self.length;
        for block in self.blocks.values() {
            if matches!(trim, Trim::MaxLen(max) if length <= max) {
                break;
            }
            let live = block.live as u64;
            if limit != 0 && removed + live > limit {
                break;
            }
            let whole = match trim {
                Trim::MaxLen(max) => length - live >= max,
                // The last entry, deleted or not, as Redis reads the node's edge.
                Trim::MinId(min) => block.entries().last().is_some_and(|e| e.id < min),
            };
            if whole {
                blocks += 1;
                removed += live;
                length -= live;
                continue;
            }
            if approx {
                break;
            }
            let mut marks = Vec::new();
            for e in block.entries() {
                let stop = match trim {
                    Trim::MaxLen(max) => length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.is_deleted() {
                    marks.push(e.at);
                    length -= 1;
                }
            }
            removed += marks.len() as u64;
            return (blocks, marks, removed);
        }
        (blocks, Vec::new(), removed)
    }

    /// How many entries [`trim`](Self::trim) would remove.
    pub(crate) fn trim_count(&self, trim: Trim, approx: bool, limit: u64) -> u64 {
        self.trim_plan(trim, approx, limit).2
    }

    /// Trims as `XTRIM` does (Redis's `streamTrim`): whole blocks from the front while
    /// the whole block goes; then, unless `approx`, entries one by one within the next
    /// block. A block whose live entries would take the count past `limit` (0: none)
    /// stops it. Returns how many entries went.
    pub(crate) fn trim(&mut self, trim: Trim, approx: bool, limit: u64) -> u64 {
        let (blocks, marks, removed) = self.trim_plan(trim, approx, limit);
        for _ in 0..blocks {
            if let Some((_, gone)) = self.blocks.pop_first() {
                self.block_bytes -= gone.mem();
            }
        }
        if let Some(mut first) = self.blocks.first_entry() {
            for &at in &marks {
                first.get_mut().delete_at(at);
            }
        }
        self.length -= removed;
        if removed > 0 {
            self.refresh_first();
            // Trimming takes from the front: the last entry goes only with all others.
            if self.length == 0 {
                self.last_live = StreamId::MIN;
            }
        }
        removed
    }

    fn refresh_first(&mut self) {
        let first = self
            .range(StreamId::MIN, StreamId::MAX, false)
            .next()
            .map(|e| e.id);
        self.first_id = first.unwrap_or(StreamId::MIN);
    }

    /// Every entry in every block, deleted ones included, block by block (for the RDB
    /// writer): the block's master ID and fields, and its entries.
    pub(crate) fn blocks(
        &self,
    ) -> impl Iterator<Item = (StreamId, &[Box<[u8]>], Vec<EntryRef<'_>>, usize)> {
        self.blocks
            .values()
            .map(|b| (b.master, &b.fields[..], b.entries().collect(), b.live))
    }

    /// Adds a block as read from a file: its master ID and fields, then its entries
    /// (`(id, deleted, fields)`), which must follow every block already added.
    #[allow(clippy::type_complexity)] // each entry as a file holds it
    pub(crate) fn load_block(
        &mut self,
        master: StreamId,
        master_fields: &[&[u8]],
        entries: &[(StreamId, bool, Vec<(&[u8], &[u8])>)],
    ) {
        let pairs: Vec<(&[u8], &[u8])> = master_fields.iter().map(|f| (*f, &b""[..])).collect();
        let mut block = Block::new(master, &pairs);
        for (id, deleted, fields) in entries {
            let at = block.buf.len();
            block.push(*id, fields);
            if *deleted {
                block.delete_at(at);
            }
        }
        self.length += block.live as u64;
        self.block_bytes += block.mem();
        self.blocks.insert(master, block);
        self.refresh_first();
        self.refresh_last();
    }

    /// Sets the length and metadata read from a file after its blocks.
    pub(crate) fn set_meta(
        &mut self,
        last_id: StreamId,
        max_deleted_id: StreamId,
        entries_added: u64,
    ) {
        self.last_id = last_id;
        self.max_deleted_id = max_deleted_id;
        self.entries_added = entries_added;
    }
}

#[cfg(test)]
impl Stream {
    /// Asserts the counts kept beside the blocks.
    fn check(&self) {
        let bytes: usize = self.blocks.values().map(Block::mem).sum();
        assert_eq!(self.block_bytes, bytes, "block bytes");
        let live: u64 = self.blocks.values().map(|b| b.live as u64).sum();
        assert_eq!(self.length, live, "length");
        let first = self
            .range(StreamId::MIN, StreamId::MAX, false)
            .next()
            .map(|e| e.id);
        assert_eq!(self.first_id, first.unwrap_or(StreamId::MIN), "first ID");
        let last = self
            .range(StreamId::MIN, StreamId::MAX, true)
            .next()
            .map(|e| e.id);
        assert_eq!(
            self.last_live,
            last.unwrap_or(StreamId::MIN),
            "last live ID"
        );
        assert_eq!(self.clone().mem(), self.mem(), "a copy counts the same");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<(&'a [u8], &'a [u8])> {
        pairs
            .iter()
            .map(|(f, v)| (f.as_bytes(), v.as_bytes()))
            .collect()
    }

    fn ids(s: &Stream, rev: bool) -> Vec<u64> {
        s.range(StreamId::MIN, StreamId::MAX, rev)
            .map(|e| e.id.ms)
            .collect()
    }

    #[test]
    fn entries_come_back_in_order_with_their_fields() {
        let mut s = Stream::default();
        for i in 1..=250u64 {
            let v = i.to_string();
            let f: Vec<(&[u8], &[u8])> = if i % 3 == 0 {
                vec![(b"other", v.as_bytes())]
            } else {
                vec![(b"a", v.as_bytes()), (b"b", b"x")]
            };
            s.append(StreamId::new(i, 0), &f, NodeLimits::default());
        }
        assert_eq!(s.len(), 250);
        assert_eq!(s.block_count(), 3);
        assert_eq!(ids(&s, false), (1..=250).collect::<Vec<_>>());
        assert_eq!(ids(&s, true), (1..=250).rev().collect::<Vec<_>>());
        let e = s.get(StreamId::new(99, 0)).unwrap();
        assert_eq!(e.fields().collect::<Vec<_>>(), fields(&[("other", "99")]));
        let e = s.get(StreamId::new(100, 0)).unwrap();
        assert_eq!(
            e.fields().collect::<Vec<_>>(),
            fields(&[("a", "100"), ("b", "x")])
        );
        let mid: Vec<u64> = s
            .range(StreamId::new(98, 1), StreamId::new(102, 0), false)
            .map(|e| e.id.ms)
            .collect();
        assert_eq!(mid, [99, 100, 101, 102]);
        s.check();
    }

    #[test]
    fn deletes_flag_entries_and_drop_empty_blocks() {
        let mut s = Stream::default();
        for i in 1..=150u64 {
            s.append(
                StreamId::new(i, 0),
                &fields(&[("f", "v")]),
                NodeLimits::default(),
            );
        }
        assert!(s.delete(StreamId::new(1, 0)));
        assert!(!s.delete(StreamId::new(1, 0)));
        assert_eq!(s.first_id(), StreamId::new(2, 0));
        assert_eq!(s.max_deleted_id, StreamId::new(1, 0));
        for i in 2..=100 {
            assert!(s.delete(StreamId::new(i, 0)));
        }
        assert_eq!(s.block_count(), 1);
        assert_eq!(s.len(), 50);
        assert_eq!(s.first_id(), StreamId::new(101, 0));
        s.check();
        // The last live entry is kept beside the blocks.
        assert!(s.delete(StreamId::new(150, 0)));
        assert_eq!(s.last_valid_id(), StreamId::new(149, 0));
        assert_eq!(s.last_entry().map(|e| e.id), Some(StreamId::new(149, 0)));
        s.check();
    }

    #[test]
    fn trimming_removes_whole_blocks_approximately_and_entries_exactly() {
        let make = || {
            let mut s = Stream::default();
            for i in 1..=250u64 {
                s.append(
                    StreamId::new(i, 0),
                    &fields(&[("f", "v")]),
                    NodeLimits::default(),
                );
            }
            s
        };
        let mut s = make();
        assert_eq!(s.trim(Trim::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        s.check();
        let mut s = make();
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 130);
        assert_eq!(s.len(), 120);
        assert_eq!(s.first_id(), StreamId::new(131, 0));
        let mut s = make();
        assert_eq!(s.trim(Trim::MinId(StreamId::new(205, 0)), false, 0), 204);
        assert_eq!(s.first_id(), StreamId::new(205, 0));
        s.check();
        let mut s = make();
        assert_eq!(s.trim(Trim::MinId(StreamId::new(205, 0)), true, 150), 100);
    }

    #[test]
    fn a_block_closes_at_redis_sizes() {
        let mut s = Stream::default();
        let big = "x".repeat(1000);
        for i in 1..=8u64 {
            s.append(
                StreamId::new(i, 0),
                &fields(&[("f", &big)]),
                NodeLimits::default(),
            );
        }
        // Four 1000-byte values fit under 4096 bytes with the listpack's overhead.
        assert_eq!(s.block_count(), 2);
    }

    #[test]
    fn ids_parse_as_redis_parses_them() {
        assert_eq!(parse_id(b"1-2", 0), Some(StreamId::new(1, 2)));
        assert_eq!(parse_id(b"5", 9), Some(StreamId::new(5, 9)));
        assert_eq!(
            parse_id(b"18446744073709551615-18446744073709551615", 0),
            Some(StreamId::MAX)
        );
        // C's strtoull: a sign, leading zeros and blanks are read.
        assert_eq!(parse_id(b"+1", 0), Some(StreamId::new(1, 0)));
        assert_eq!(parse_id(b"007- 2", 0), Some(StreamId::new(7, 2)));
        for bad in [
            &b""[..],
            b"-",
            b"1-",
            b"-1",
            b"1-x",
            b"18446744073709551616",
            b"1-2-3",
        ] {
            assert_eq!(parse_id(bad, 0), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
    }
}
