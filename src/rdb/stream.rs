//! Streams in RDB files (Redis 7.0's `RDB_TYPE_STREAM_LISTPACKS_2`, and Redis 5 and 6's
//! `RDB_TYPE_STREAM_LISTPACKS` when reading): written and read as `rdb.c` does.
//!
//! ```text
//! <nodes> (<master ID: 16 bytes, big-endian, as a string> <listpack as a string>)…
//! <length> <last ID: ms, seq> [<first ID> <max deleted ID> <entries added>]
//! <groups> (<name> <last ID> [<entries read>]
//!           <PEL size> (<raw ID> <delivery time: i64 LE> <delivery count>)…
//!           <consumers> (<name> <seen time: i64 LE> <PEL size> <raw ID>…)…)…
//! ```
//!
//! A node's listpack (`t_stream.c`): the master entry (live count, deleted count,
//! number of master fields, the fields, 0), then each entry: flags, the ID's
//! milliseconds and sequence as differences from the master ID, then either the values
//! (flag `SAMEFIELDS`: the master's fields) or the number of fields and the pairs, then
//! the number of listpack elements the entry took.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::BadFormat;
use super::encoding::{Input, save_len, save_string};
use super::listpack::{self, Item};
use crate::Blob;
use crate::number::parse_i64;
use crate::value::stream::{Consumer, EntryRef, Group, Pending, Stream, StreamId};

/// Entry flags (`STREAM_ITEM_FLAG_DELETED`, `STREAM_ITEM_FLAG_SAMEFIELDS`).
const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

/// Appends stream `s`'s encoding (`rdbSaveObject`'s stream branch).
pub(crate) fn save(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    save_len(out, s.block_count() as u64);
    for (master, fields, entries, live) in s.blocks() {
        save_string(out, &master.to_be_bytes(), compress);
        save_string(out, &node(master, fields, &entries, live), compress);
    }
    save_len(out, s.len());
    for id in [s.last_id, s.first_id(), s.max_deleted_id] {
        save_len(out, id.ms);
        save_len(out, id.seq);
    }
    save_len(out, s.entries_added);
    save_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        save_string(out, name, compress);
        save_len(out, g.last_id.ms);
        save_len(out, g.last_id.seq);
        // Redis's -1 (unknown) as the unsigned length it writes.
        save_len(out, g.entries_read.unwrap_or(u64::MAX));
        save_pels(out, g, compress);
    }
}

/// A group's PEL, then its consumers with theirs (`rdbSaveStreamPEL`,
/// `rdbSaveStreamConsumers`).
fn save_pels(out: &mut Vec<u8>, g: &Group, compress: bool) {
    save_len(out, g.pending.len() as u64);
    for (id, p) in &g.pending {
        out.extend(id.to_be_bytes());
        out.extend(p.delivery_time.to_le_bytes());
        save_len(out, p.delivery_count);
    }
    save_len(out, g.consumers.len() as u64);
    for (name, c) in &g.consumers {
        save_string(out, name, compress);
        out.extend(c.seen_time.to_le_bytes());
        save_len(out, c.pending.len() as u64);
        for id in &c.pending {
            out.extend(id.to_be_bytes());
        }
    }
}

/// `n` as the int64 a listpack holds (counts never come near its limit).
fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A block as Redis's node listpack (`streamAppendItem`, with the master entry's
/// counts as `XDEL` and trimming leave them).
fn node(master: StreamId, fields: &[Box<[u8]>], entries: &[EntryRef<'_>], live: usize) -> Vec<u8> {
    let mut lp = listpack::Writer::new();
    lp.push_int(int(live));
    lp.push_int(int(entries.len() - live));
    lp.push_int(int(fields.len()));
    for f in fields {
        lp.push(f);
    }
    lp.push_int(0);
    for e in entries {
        let same = e.has_master_fields();
        let mut flags = 0;
        if e.is_deleted() {
            flags |= FLAG_DELETED;
        }
        if same {
            flags |= FLAG_SAMEFIELDS;
        }
        lp.push_int(flags);
        // Differences as uint64, stored as int64, as Redis computes them.
        #[allow(clippy::cast_possible_wrap)]
        lp.push_int(e.id.ms.wrapping_sub(master.ms) as i64);
        #[allow(clippy::cast_possible_wrap)]
        lp.push_int(e.id.seq.wrapping_sub(master.seq) as i64);
        let n = e.field_count();
        if same {
            for (_, v) in e.fields() {
                lp.push(v);
            }
            lp.push_int(int(n + 3));
        } else {
            lp.push_int(int(n));
            for (f, v) in e.fields() {
                lp.push(f);
                lp.push(v);
            }
            lp.push_int(int(2 * n + 4));
        }
    }
    lp.finish()
}

/// A node's listpack elements, read front to back.
struct Elements<'a> {
    items: Vec<Item<'a>>,
    texts: Vec<Cow<'a, [u8]>>,
    at: usize,
}

impl<'a> Elements<'a> {
    fn new(items: Vec<Item<'a>>) -> Self {
        let texts = items.iter().map(|i| i.to_bytes()).collect();
        Elements {
            items,
            texts,
            at: 0,
        }
    }

    fn next(&mut self) -> Result<usize, BadFormat> {
        let at = self.at;
        if at >= self.items.len() {
            return Err(BadFormat);
        }
        self.at += 1;
        Ok(at)
    }

    /// The next element as an integer (`lpGetIntegerIfValid`: a string that is one
    /// will do).
    fn int(&mut self) -> Result<i64, BadFormat> {
        let at = self.next()?;
        match self.items[at] {
            Item::Int(v) => Ok(v),
            Item::Str(s) => parse_i64(s).ok_or(BadFormat),
        }
    }

    /// The next element as a count: a non-negative integer.
    fn count(&mut self) -> Result<usize, BadFormat> {
        usize::try_from(self.int()?).map_err(|_| BadFormat)
    }

    fn text(&self, i: usize) -> &[u8] {
        &self.texts[i]
    }
}

/// An entry read from a node: its ID, whether it is deleted, and its fields' and
/// values' element positions.
type RawEntry = (StreamId, bool, Vec<(usize, usize)>);

/// An entry as [`Stream::load_block`] takes it.
type Loaded<'a> = (StreamId, bool, Vec<(&'a [u8], &'a [u8])>);

/// Reads one node into `s`: its master ID must follow `*last` (the previous node's, as
/// the radix tree orders its keys), which moves to it. Checks what `streamValidateListpackIntegrity` checks in
/// deep mode, and that the master entry's counts match the entries' flags.
fn load_node(
    s: &mut Stream,
    master: StreamId,
    lp: &[u8],
    last: &mut Option<StreamId>,
) -> Result<(), BadFormat> {
    if last.is_some_and(|l| master <= l) {
        return Err(BadFormat);
    }
    let mut el = Elements::new(listpack::decode(lp)?);
    let live = el.count()?;
    let deleted = el.count()?;
    let nfields = el.count()?;
    let mut master_fields = Vec::new();
    for _ in 0..nfields {
        master_fields.push(el.next()?);
    }
    if el.int()? != 0 {
        return Err(BadFormat);
    }
    let total = live.checked_add(deleted).ok_or(BadFormat)?;
    if total == 0 {
        return Err(BadFormat);
    }
    let mut entries: Vec<RawEntry> = Vec::new();
    let mut seen_deleted = 0;
    for _ in 0..total {
        let flags = el.int()?;
        if !(0..=FLAG_DELETED | FLAG_SAMEFIELDS).contains(&flags) {
            return Err(BadFormat);
        }
        #[allow(clippy::cast_sign_loss)] // Redis adds the int64 differences as uint64
        let id = StreamId::new(
            master.ms.wrapping_add(el.int()? as u64),
            master.seq.wrapping_add(el.int()? as u64),
        );
        // Redis keeps no order check here: XSETID may lower the last ID below deleted
        // entries, so later ones may sit below them (and below a block's master ID).
        let same = flags & FLAG_SAMEFIELDS != 0;
        let mut pairs = Vec::new();
        let elements = if same {
            for &f in &master_fields {
                pairs.push((f, el.next()?));
            }
            nfields + 3
        } else {
            let n = el.count()?;
            for _ in 0..n {
                let f = el.next()?;
                pairs.push((f, el.next()?));
            }
            n * 2 + 4
        };
        if usize::try_from(el.int()?) != Ok(elements) {
            return Err(BadFormat);
        }
        if flags & FLAG_DELETED != 0 {
            seen_deleted += 1;
        }
        entries.push((id, flags & FLAG_DELETED != 0, pairs));
    }
    if el.at != el.items.len() || seen_deleted != deleted {
        return Err(BadFormat);
    }
    *last = Some(master);
    let master_fields: Vec<&[u8]> = master_fields.iter().map(|&i| el.text(i)).collect();
    let entries: Vec<Loaded<'_>> = entries
        .into_iter()
        .map(|(id, del, pairs)| {
            let pairs = pairs
                .into_iter()
                .map(|(f, v)| (el.text(f), el.text(v)))
                .collect();
            (id, del, pairs)
        })
        .collect();
    s.load_block(master, &master_fields, &entries);
    Ok(())
}

/// An ID as two RDB lengths.
fn load_id(input: &mut Input<'_>) -> Result<StreamId, BadFormat> {
    Ok(StreamId::new(input.len()?, input.len()?))
}

/// A raw 16-byte big-endian ID.
fn raw_id(input: &mut Input<'_>) -> Result<StreamId, BadFormat> {
    let b: [u8; 16] = input.take(16)?.try_into().map_err(|_| BadFormat)?;
    Ok(StreamId::from_be_bytes(b))
}

/// A millisecond time (`rdbLoadMillisecondTime`): 8 bytes, little-endian.
fn ms_time(input: &mut Input<'_>) -> Result<u64, BadFormat> {
    let b: [u8; 8] = input.take(8)?.try_into().map_err(|_| BadFormat)?;
    Ok(u64::from_le_bytes(b))
}

/// Reads a stream (`rdbLoadObject`'s stream branch), strings at most `max` bytes; `v2`
/// for `RDB_TYPE_STREAM_LISTPACKS_2`. For the older type, the entries added are the
/// length, no entry counts as deleted, and each group's entries read is estimated as
/// Redis 7.0 does.
pub(crate) fn load(input: &mut Input<'_>, max: usize, v2: bool) -> Result<Stream, BadFormat> {
    let mut s = Stream::default();
    let nodes = input.len()?;
    let mut last = None;
    for _ in 0..nodes {
        let key = input.string(max)?;
        let key: [u8; 16] = key[..].try_into().map_err(|_| BadFormat)?;
        let lp = input.string(max)?;
        load_node(&mut s, StreamId::from_be_bytes(key), &lp, &mut last)?;
    }
    let length = input.len()?;
    let last_id = load_id(input)?;
    let (first_id, max_deleted, entries_added) = if v2 {
        (load_id(input)?, load_id(input)?, input.len()?)
    } else {
        (s.first_id(), StreamId::MIN, length)
    };
    // Redis trusts these; a file it wrote always has them right.
    if length != s.len() || (length > 0 && first_id != s.first_id()) || entries_added < length {
        return Err(BadFormat);
    }
    s.set_meta(last_id, max_deleted, entries_added);
    let groups = input.len()?;
    for _ in 0..groups {
        let name = Blob::from(&*input.string(max)?);
        if s.groups.contains_key(&name) {
            return Err(BadFormat);
        }
        let last_id = load_id(input)?;
        let entries_read = if v2 {
            Some(input.len()?).filter(|&n| n != u64::MAX)
        } else {
            estimate_entries_read(&s, last_id)
        };
        let group = load_group(input, max, last_id, entries_read)?;
        s.groups.insert(name, group);
    }
    Ok(s)
}

/// A group's PEL and consumers.
fn load_group(
    input: &mut Input<'_>,
    max: usize,
    last_id: StreamId,
    entries_read: Option<u64>,
) -> Result<Group, BadFormat> {
    let mut pel: BTreeMap<StreamId, (u64, u64, Option<Blob>)> = BTreeMap::new();
    let n = input.len()?;
    for _ in 0..n {
        let id = raw_id(input)?;
        let time = ms_time(input)?;
        let count = input.len()?;
        if pel.insert(id, (time, count, None)).is_some() {
            return Err(BadFormat);
        }
    }
    let mut consumers = BTreeMap::new();
    let n = input.len()?;
    for _ in 0..n {
        let name = Blob::from(&*input.string(max)?);
        if consumers.contains_key(&name) {
            return Err(BadFormat);
        }
        let seen_time = ms_time(input)?;
        let mut pending = BTreeSet::new();
        let owned = input.len()?;
        for _ in 0..owned {
            let id = raw_id(input)?;
            // In the group's PEL, and nobody else's.
            let Some((_, _, slot @ None)) = pel.get_mut(&id) else {
                return Err(BadFormat);
            };
            *slot = Some(name.clone());
            pending.insert(id);
        }
        consumers.insert(name, Consumer { seen_time, pending });
    }
    let mut pending = BTreeMap::new();
    for (id, (delivery_time, delivery_count, consumer)) in pel {
        // Every pending entry has its consumer.
        let consumer = consumer.ok_or(BadFormat)?;
        pending.insert(
            id,
            Pending {
                delivery_time,
                delivery_count,
                consumer,
            },
        );
    }
    Ok(Group {
        last_id,
        entries_read,
        pending,
        consumers,
    })
}

/// A group's entries read when the file does not say (`RDB_TYPE_STREAM_LISTPACKS`):
/// Redis's `streamEstimateDistanceFromFirstEverEntry` of its last ID, `None` where it
/// cannot tell.
fn estimate_entries_read(s: &Stream, id: StreamId) -> Option<u64> {
    if s.entries_added == 0 {
        return Some(0);
    }
    if s.len() == 0 && id <= s.last_id {
        return Some(s.entries_added);
    }
    if id == s.last_id {
        return Some(s.entries_added);
    }
    if id > s.last_id {
        return None;
    }
    if s.max_deleted_id == StreamId::MIN || s.max_deleted_id < s.first_id() {
        if id < s.first_id() {
            return Some(s.entries_added - s.len());
        }
        if id == s.first_id() {
            return Some(s.entries_added - s.len() + 1);
        }
    }
    None
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::rdb::listpack::tests::{hex, rng};
    use crate::value::stream::NodeLimits;

    /// `DUMP s` on redis-server 7.0.15 after `XADD s 1-1 a 1 b x`, `XADD s 1-2 a 2 b y`,
    /// `XADD s 2-0 c 3`, `XADD s 2-5 a 300 b "hello world"`, `XDEL s 1-2`,
    /// `XGROUP CREATE s g 0`, `XGROUP CREATE s h $ ENTRIESREAD 7`,
    /// `XCLAIM s g bob 0 1-1 TIME 1700000000000 RETRYCOUNT 3 FORCE JUSTID`,
    /// `XCLAIM s g alice 0 2-0 TIME 1700000000001 RETRYCOUNT 1 FORCE JUSTID`,
    /// `XGROUP CREATECONSUMER s h carol`, `XSETID s 3-0 ENTRIESADDED 9 MAXDELETEDID 1-2`.
    pub(crate) const REDIS_DUMP: &str = "130110000000000000000100000000000000014057570000001f0003010101\
        02018161028162020001020100010001010181780205010301000101010201817902050100010101dfff\
        02010181630203010601020101010401c12c028b68656c6c6f20776f726c640c0501ff03030001010102\
        09020167000081ffffffffffffffff02000000000000000100000000000000010068e5cf8b0100000300\
        0000000000000200000000000000000168e5cf8b010000010205616c696365f6ef974da2010000010000\
        000000000002000000000000000003626f62f2ef974da201000001000000000000000100000000000000\
        0101680205070001056361726f6cf9ef974da2010000000a00a746591d48f96501";

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn encode(s: &Stream) -> Vec<u8> {
        let mut out = Vec::new();
        save(&mut out, s, false);
        out
    }

    fn decode(bytes: &[u8], v2: bool) -> Result<Stream, BadFormat> {
        let mut input = Input::new(bytes);
        let s = load(&mut input, usize::MAX, v2)?;
        if input.remaining() != 0 {
            return Err(BadFormat);
        }
        Ok(s)
    }

    type Entry = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);

    fn entries(s: &Stream) -> Vec<Entry> {
        s.range(StreamId::MIN, StreamId::MAX, false)
            .map(|e| {
                let f = e.fields().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                (e.id, f)
            })
            .collect()
    }

    fn assert_same(a: &Stream, b: &Stream) {
        assert_eq!(entries(a), entries(b));
        assert_eq!(a.len(), b.len());
        assert_eq!(a.block_count(), b.block_count());
        assert_eq!(a.first_id(), b.first_id());
        assert_eq!(a.last_id, b.last_id);
        assert_eq!(a.max_deleted_id, b.max_deleted_id);
        assert_eq!(a.entries_added, b.entries_added);
        assert_eq!(a.groups, b.groups);
    }

    /// A stream of several blocks, entries with and without the master fields, integer
    /// and text values, deleted entries, and two groups with pending entries.
    fn sample() -> Stream {
        let mut s = Stream::default();
        for i in 1..=260u64 {
            let v = i.to_string();
            let big = "v".repeat(usize::try_from(i % 7).unwrap() * 30);
            let f: Vec<(&[u8], &[u8])> = match i % 4 {
                0 => vec![(b"other", v.as_bytes())],
                1 => vec![(b"a", v.as_bytes()), (b"b", big.as_bytes())],
                2 => vec![(b"a", b"-17"), (b"b", b"1.5")],
                _ => vec![(b"12", b"x"), (b"a", v.as_bytes()), (b"b", b"")],
            };
            s.append(id(1000 + i / 3, i % 3), &f, NodeLimits::default());
        }
        for i in [1, 5, 6, 7, 150, 151] {
            assert!(s.delete(id(1000 + i / 3, i % 3)));
        }
        let mut g = Group {
            last_id: id(1050, 0),
            entries_read: Some(120),
            ..Group::default()
        };
        for (n, consumer) in [(2u64, "alice"), (4, "bob"), (8, "alice"), (3, "bob")] {
            let pid = id(1000 + n / 3, n % 3);
            g.pending.insert(
                pid,
                Pending {
                    delivery_time: 1_700_000_000_000 + n,
                    delivery_count: n,
                    consumer: Blob::from(consumer),
                },
            );
            g.consumers
                .entry(Blob::from(consumer))
                .or_default()
                .pending
                .insert(pid);
        }
        g.consumers.insert(
            Blob::from("idle"),
            Consumer {
                seen_time: 1_700_000_000_999,
                pending: BTreeSet::new(),
            },
        );
        s.groups.insert(Blob::from("g1"), g);
        s.groups.insert(
            Blob::from("g0"),
            Group {
                last_id: StreamId::MAX,
                entries_read: None,
                ..Group::default()
            },
        );
        s
    }

    #[test]
    fn streams_round_trip() {
        let s = sample();
        assert!(s.block_count() >= 3);
        let bytes = encode(&s);
        let back = decode(&bytes, true).unwrap();
        assert_same(&s, &back);
        assert_eq!(encode(&back), bytes);
        // Compressed strings read back the same.
        let mut packed = Vec::new();
        save(&mut packed, &s, true);
        assert!(packed.len() < bytes.len());
        assert_same(&decode(&packed, true).unwrap(), &s);
    }

    #[test]
    fn an_empty_stream_round_trips() {
        let mut s = Stream::default();
        assert_same(&decode(&encode(&s), true).unwrap(), &s);
        s.append(id(5, 5), &[(b"f", b"v")], NodeLimits::default());
        assert!(s.delete(id(5, 5)));
        s.groups.insert(Blob::from("g"), Group::default());
        let back = decode(&encode(&s), true).unwrap();
        assert_same(&back, &s);
        assert_eq!(back.last_id, id(5, 5));
        assert_eq!(back.entries_added, 1);
        assert_eq!(back.block_count(), 0);
    }

    /// `s` in Redis 5 and 6's form (`RDB_TYPE_STREAM_LISTPACKS`).
    fn encode_v1(s: &Stream) -> Vec<u8> {
        let mut out = Vec::new();
        save_len(&mut out, s.block_count() as u64);
        for (master, fields, entries, live) in s.blocks() {
            save_string(&mut out, &master.to_be_bytes(), false);
            save_string(&mut out, &node(master, fields, &entries, live), false);
        }
        save_len(&mut out, s.len());
        save_len(&mut out, s.last_id.ms);
        save_len(&mut out, s.last_id.seq);
        save_len(&mut out, s.groups.len() as u64);
        for (name, g) in &s.groups {
            save_string(&mut out, name, false);
            save_len(&mut out, g.last_id.ms);
            save_len(&mut out, g.last_id.seq);
            save_pels(&mut out, g, false);
        }
        out
    }

    #[test]
    fn the_older_stream_type_loads_with_its_counters_derived() {
        let mut s = Stream::default();
        for i in 1..=10 {
            s.append(id(i, 0), &[(b"f", b"v")], NodeLimits::default());
        }
        for (name, last) in [
            ("at-start", id(0, 5)),
            ("first", id(1, 0)),
            ("mid", id(4, 0)),
        ] {
            s.groups.insert(
                Blob::from(name),
                Group {
                    last_id: last,
                    ..Group::default()
                },
            );
        }
        s.groups.insert(
            Blob::from("last"),
            Group {
                last_id: id(10, 0),
                ..Group::default()
            },
        );
        let back = decode(&encode_v1(&s), false).unwrap();
        assert_eq!(back.entries_added, 10);
        assert_eq!(back.max_deleted_id, StreamId::MIN);
        assert_eq!(back.first_id(), id(1, 0));
        let read = |g: &str| back.groups[g.as_bytes()].entries_read;
        assert_eq!(read("at-start"), Some(0));
        assert_eq!(read("first"), Some(1));
        assert_eq!(read("mid"), None);
        assert_eq!(read("last"), Some(10));
    }

    #[test]
    fn every_truncation_is_refused() {
        let redis = hex(REDIS_DUMP);
        for bytes in [encode(&sample()), redis[1..redis.len() - 10].to_vec()] {
            for end in 0..bytes.len() {
                assert!(decode(&bytes[..end], true).is_err(), "at {end}");
            }
        }
    }

    #[test]
    fn any_changed_byte_is_an_error_or_a_stream_never_a_panic() {
        let mut bytes = hex(REDIS_DUMP)[1..].to_vec();
        bytes.truncate(bytes.len() - 10);
        let mut next = rng(0x5EED);
        for at in 0..bytes.len() {
            for _ in 0..8 {
                let mut bad = bytes.clone();
                bad[at] = u8::try_from(next(256)).unwrap();
                if let Ok(s) = decode(&bad, true) {
                    // Whatever loads saves and loads again.
                    assert_same(&decode(&encode(&s), true).unwrap(), &s);
                }
            }
        }
    }

    /// A stream of one block saved, with its listpack's elements changed by `edit`.
    fn with_node(edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Result<Stream, BadFormat> {
        let mut s = Stream::default();
        s.append(id(1, 0), &[(b"a", b"x")], NodeLimits::default());
        s.append(id(2, 0), &[(b"b", b"y")], NodeLimits::default());
        let (master, fields, entries, live) = s.blocks().next().unwrap();
        let lp = node(master, fields, &entries, live);
        let mut items: Vec<Vec<u8>> = listpack::decode(&lp)
            .unwrap()
            .iter()
            .map(|i| i.to_bytes().into_owned())
            .collect();
        edit(&mut items);
        let mut w = listpack::Writer::new();
        for i in &items {
            w.push(i);
        }
        let mut out = Vec::new();
        save_len(&mut out, 1);
        save_string(&mut out, &master.to_be_bytes(), false);
        save_string(&mut out, &w.finish(), false);
        let tail = encode(&s);
        let skip = tail.len() - (1 + 2 + 2 + 2 + 1 + 1);
        out.extend_from_slice(&tail[skip..]);
        decode(&out, true)
    }

    #[test]
    fn node_contents_are_checked_against_the_master_entry() {
        let set = |at: usize, v: &'static str| {
            move |items: &mut Vec<Vec<u8>>| items[at] = v.as_bytes().to_vec()
        };
        assert!(with_node(|_| {}).is_ok());
        // Master: live count, deleted count, fields, terminator.
        assert!(with_node(set(0, "3")).is_err());
        assert!(with_node(set(0, "1")).is_err());
        assert!(with_node(set(1, "1")).is_err());
        assert!(with_node(set(0, "-1")).is_err());
        assert!(with_node(set(2, "2")).is_err());
        assert!(with_node(set(4, "1")).is_err());
        // First entry: flags, ID differences, lp-count.
        assert!(with_node(set(5, "9")).is_err());
        assert!(with_node(set(5, "x")).is_err());
        assert!(with_node(set(6, "-1")).is_err());
        assert!(with_node(set(9, "5")).is_err());
        // The second entry's ID not above the first's: Redis loads it (XSETID can lower
        // the last ID below deleted entries, so later ones come below them).
        assert!(with_node(set(11, "0")).is_ok());
        // Deleted without being counted so.
        assert!(with_node(set(5, "3")).is_err());
        // Counted deleted and flagged so: fine.
        assert!(
            with_node(|i| {
                i[0] = b"1".to_vec();
                i[1] = b"1".to_vec();
                i[5] = b"3".to_vec();
            })
            .is_err(),
            "the stream's length no longer matches"
        );
        // An element too many, or too few.
        assert!(with_node(|i| i.push(b"0".to_vec())).is_err());
        assert!(with_node(|i| drop(i.pop())).is_err());
        assert!(with_node(Vec::clear).is_err());
    }

    #[test]
    fn groups_are_checked() {
        let s = sample();
        let good = encode(&s);
        assert!(decode(&good, true).is_ok());
        // A duplicate group name.
        let mut dup = s.clone();
        let g = dup.groups.remove(&b"g0"[..]).unwrap();
        dup.groups.insert(Blob::from("g2"), g);
        let mut bytes = encode(&dup);
        let at = bytes.windows(3).position(|w| w == b"\x02g2").unwrap();
        bytes[at + 2] = b'1';
        assert!(decode(&bytes, true).is_err());
        // A consumer's pending entry that the group does not have, or that another
        // consumer has too, or a pending entry without a consumer.
        for edit in 0..3 {
            let mut bad = s.clone();
            let g = bad.groups.get_mut(&b"g1"[..]).unwrap();
            let idle = g.consumers.get_mut(&b"idle"[..]).unwrap();
            match edit {
                0 => idle.pending.insert(id(1, 0)),
                1 => idle.pending.insert(id(1000, 2)),
                _ => {
                    let bob = g.consumers.get_mut(&b"bob"[..]).unwrap();
                    bob.pending.remove(&id(1001, 1))
                }
            };
            assert!(decode(&encode(&bad), true).is_err(), "edit {edit}");
        }
        // A master ID of the wrong size, a repeated or earlier one.
        let mut bytes = good.clone();
        bytes[1] = 15;
        assert!(decode(&bytes, true).is_err());
        let two = {
            let mut s = Stream::default();
            s.append(id(1, 0), &[(b"f", b"v")], NodeLimits::default());
            s.append(
                id(2, 0),
                &[(b"f", b"v")],
                NodeLimits {
                    max_bytes: 0,
                    max_entries: 1,
                },
            );
            s
        };
        let mut bytes = encode(&two);
        assert!(decode(&bytes, true).is_ok());
        let second = bytes
            .windows(17)
            .rposition(|w| w[0] == 16 && w[8] == 2)
            .unwrap();
        bytes[second + 8] = 1;
        assert!(decode(&bytes, true).is_err());
    }

    #[test]
    fn the_counters_must_match_the_entries() {
        let s = sample();
        // Fewer entries added than there are is refused; a last ID below the last
        // entry's loads, as in Redis (XSETID may set it below deleted entries).
        let mut bad = s.clone();
        bad.entries_added = 3;
        assert!(decode(&encode(&bad), true).is_err());
        let mut low = s.clone();
        low.last_id = id(1, 0);
        assert!(decode(&encode(&low), true).is_ok());
        // The length written must be the live entries'.
        let mut bytes = encode(&s);
        let blocks_end = bytes.len() - tail_len(&s);
        bytes[blocks_end] ^= 1;
        assert!(decode(&bytes, true).is_err());
    }

    /// Bytes after the blocks.
    fn tail_len(s: &Stream) -> usize {
        let mut head = Vec::new();
        save_len(&mut head, s.block_count() as u64);
        let mut blocks = head.len();
        for (master, fields, entries, live) in s.blocks() {
            let mut b = Vec::new();
            save_string(&mut b, &master.to_be_bytes(), false);
            save_string(&mut b, &node(master, fields, &entries, live), false);
            blocks += b.len();
        }
        encode(s).len() - blocks
    }
}
