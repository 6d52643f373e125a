//! Values in Redis's RDB encoding (rdb.c's `rdbSaveObject` and `rdbLoadObject`), and the
//! `DUMP` payload around one (cluster.c's `createDumpPayload` and `verifyDumpPayload`).
//!
//! Writing follows Redis 7.0 byte for byte where its output does not depend on its own
//! history or hash seed: strings (integer-encoded up to 11 characters, LZF-compressed
//! above 20 bytes when that saves at least 4), small hashes and sorted sets as
//! listpacks in their order, integer sets as intsets, lists as quicklists of listpacks
//! cut at 8 KB (`list-max-listpack-size -2`) from the head — Redis's cut for a list
//! built by pushes at the tail; its nodes for other histories may differ. Large hashes, sets and sorted sets are
//! written in the plain forms Redis uses for its hash tables and skiplists.
//!
//! Streams are written and read in `super::stream`.
//!
//! Reading accepts every value type Redis 7.0 reads except modules and zipmaps (Redis
//! 2.4's small hashes), in every encoding it writes and the older ones it still loads
//! (ziplists, quicklists of ziplists, plain lists and sets, zsets with text scores,
//! streams without their 7.0 counters). Anything malformed — a length past the end, a bad nested encoding, a
//! duplicate member or field, a NaN score, an empty collection — is [`BadFormat`],
//! checked before anything is allocated: the checks Redis makes with
//! `sanitize-dump-payload yes` (with its default `no`, it lets duplicates in nested
//! encodings through).

use bytes::Bytes;

pub(crate) use super::encoding::{Input, save_len, save_string};
use super::listpack::{self, Item};
use super::{BadFormat, crc64, intset, ziplist};
use crate::Blob;
use crate::number::{format_double, strtod_prefix};
use crate::value::{HashValue, ListValue, SetValue, SortedSet, Value, ValueRef};

/// The RDB version Redis 7.0 writes (and the newest it reads).
pub(crate) const RDB_VERSION: u16 = 10;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
/// Redis 5 and 6's stream: `RDB_TYPE_STREAM_LISTPACKS`.
const TYPE_STREAM_LISTPACKS: u8 = 15;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Redis 7.0's stream (listpacks, with first ID, max deleted ID, entries added and each
/// group's entries read): `RDB_TYPE_STREAM_LISTPACKS_2`.
pub(crate) const TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// Quicklist node containers.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;
/// A quicklist node's listpack stays within this many bytes (`list-max-listpack-size
/// -2`), counting 8 more for each element it takes (`SIZE_ESTIMATE_OVERHEAD`).
const NODE_BYTES: usize = 8192;
const NODE_OVERHEAD: usize = 8;

// ---------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------

/// The listpack of a sorted set's member and score as Redis appends them
/// (`zzlInsertAt`): an integral score as an integer, any other as `%.17g`.
fn push_score(lp: &mut listpack::Writer, score: f64) {
    match integral(score) {
        Some(i) => lp.push_int(i),
        None => lp.push(format_double(score).as_bytes()),
    }
}

/// `score` as an integer if Redis's `double2ll` takes it as one.
fn integral(score: f64) -> Option<i64> {
    // Within ±(2^63 − 1)/2, as double2ll demands.
    const HALF: f64 = 4_611_686_018_427_387_903.0;
    if !(-HALF..=HALF).contains(&score) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)] // range checked just above
    let i = score as i64;
    #[allow(clippy::cast_precision_loss, clippy::float_cmp)] // exactness is the question
    (i as f64 == score).then_some(i)
}

/// `value`'s RDB type (`rdbSaveObjectType`).
pub(crate) fn value_type(value: ValueRef<'_>) -> u8 {
    match value {
        ValueRef::Str(_) => TYPE_STRING,
        ValueRef::List(_) => TYPE_LIST_QUICKLIST_2,
        ValueRef::Set(set) if set.ints().is_some() => TYPE_SET_INTSET,
        ValueRef::Set(_) => TYPE_SET,
        ValueRef::Hash(h) if h.is_packed() => TYPE_HASH_LISTPACK,
        ValueRef::Hash(_) => TYPE_HASH,
        ValueRef::ZSet(z) if z.is_small() => TYPE_ZSET_LISTPACK,
        ValueRef::ZSet(_) => TYPE_ZSET_2,
        ValueRef::Stream(_) => TYPE_STREAM_LISTPACKS_2,
    }
}

/// Appends `value`'s RDB type byte and encoding.
pub(crate) fn save_value(out: &mut Vec<u8>, value: ValueRef<'_>, compress: bool) {
    out.push(value_type(value));
    save_object(out, value, compress);
}

/// Appends `value`'s encoding, of the type [`value_type`] names (`rdbSaveObject`).
pub(crate) fn save_object(out: &mut Vec<u8>, value: ValueRef<'_>, compress: bool) {
    match value {
        ValueRef::Str(s) => {
            save_string(out, s.bytes(), compress);
        }
        ValueRef::List(list) => save_list(out, list, compress),
        ValueRef::Set(set) => {
            if let Some(ints) = set.ints() {
                save_string(out, &intset::encode(&ints.ints, ints.width()), compress);
            } else {
                save_len(out, set.len() as u64);
                for m in set.members() {
                    m.with_bytes(|m| save_string(out, m, compress));
                }
            }
        }
        ValueRef::Hash(h) if h.is_packed() => {
            let mut lp = listpack::Writer::new();
            for (f, v) in h.pairs() {
                f.with_bytes(|f| lp.push(f));
                v.with_bytes(|v| lp.push(v));
            }
            save_string(out, &lp.finish(), compress);
        }
        ValueRef::Hash(h) => {
            save_len(out, h.len() as u64);
            for (f, v) in h.pairs() {
                f.with_bytes(|f| save_string(out, f, compress));
                v.with_bytes(|v| save_string(out, v, compress));
            }
        }
        ValueRef::ZSet(z) if z.is_small() => {
            let mut lp = listpack::Writer::new();
            z.for_each(|m, s| {
                lp.push(m);
                push_score(&mut lp, s);
            });
            save_string(out, &lp.finish(), compress);
        }
        ValueRef::ZSet(z) => {
            save_len(out, z.len() as u64);
            // Greatest first, as Redis walks its skiplist from the tail.
            z.visit(0..z.len(), true, |m, s| {
                save_string(out, m, compress);
                out.extend(s.to_le_bytes());
            });
        }
        ValueRef::Stream(s) => super::stream::save(out, s, compress),
    }
}

/// A list as Redis 7.0 keeps it: a quicklist of listpacks, each cut before it would
/// pass 8 KB.
fn save_list(out: &mut Vec<u8>, list: &ListValue, compress: bool) {
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut lp = listpack::Writer::new();
    let mut in_node = 0;
    for e in list.iter() {
        e.with_bytes(|e| {
            if in_node > 0 && lp.len() + e.len() + NODE_OVERHEAD > NODE_BYTES {
                nodes.push(std::mem::take(&mut lp).finish());
                in_node = 0;
            }
            lp.push(e);
            in_node += 1;
        });
    }
    if in_node > 0 {
        nodes.push(lp.finish());
    }
    save_len(out, nodes.len() as u64);
    for node in nodes {
        save_len(out, CONTAINER_PACKED);
        save_string(out, &node, compress);
    }
}

/// `value`'s `DUMP` payload: type, encoding, RDB version and CRC-64, as Redis makes it
/// (strings LZF-compressed if `compress`: `rdbcompression` applies to payloads too).
pub(crate) fn dump(value: ValueRef<'_>, compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    save_value(&mut out, value, compress);
    out.extend(RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend(crc.to_le_bytes());
    out
}

// ---------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------

/// An element of a listpack or ziplist as a string.
fn item_bytes(item: &Item<'_>) -> Vec<u8> {
    item.to_bytes().into_owned()
}

/// The elements of a nested compact encoding: a ziplist (what Redis before 7.0 wrote)
/// or a listpack.
fn packed_items(blob: &[u8], ziplist: bool) -> Result<Vec<Item<'_>>, BadFormat> {
    if ziplist {
        ziplist::decode(blob)
    } else {
        listpack::decode(blob)
    }
}

/// A score stored in a listpack or ziplist (`zzlGetScore`: `strtod` of at most 127
/// bytes, 0 where nothing is a number).
fn item_score(item: &Item<'_>) -> Result<f64, BadFormat> {
    #[allow(clippy::cast_precision_loss)] // as Redis converts it
    let score = match item {
        Item::Int(i) => *i as f64,
        Item::Str(s) => strtod_prefix(&s[..s.len().min(127)]).unwrap_or(0.0),
    };
    if score.is_nan() {
        return Err(BadFormat);
    }
    Ok(score)
}

/// Whether `value` is an empty collection, which `RESTORE` refuses and a file's loading
/// skips (Redis's `RDB_LOAD_ERR_EMPTY_KEY`).
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        // Redis keeps and loads empty streams.
        Value::Str(_) | Value::Stream(_) => false,
        Value::List(l) => l.len() == 0,
        Value::Set(s) => s.len() == 0,
        Value::Hash(h) => h.len() == 0,
        Value::ZSet(z) => z.len() == 0,
    }
}

/// Builds a sorted set from (member, score) pairs, refusing duplicates and NaN.
fn zset_of(
    pairs: impl IntoIterator<Item = Result<(Vec<u8>, f64), BadFormat>>,
    packed: bool,
) -> Result<Value, BadFormat> {
    let mut members: Vec<(Blob, f64)> = Vec::new();
    for pair in pairs {
        let (m, s) = pair?;
        if s.is_nan() {
            return Err(BadFormat);
        }
        members.push((Blob::from(m), s));
    }
    let mut by_member: Vec<&Blob> = members.iter().map(|(m, _)| m).collect();
    by_member.sort();
    if by_member.windows(2).any(|w| w[0] == w[1]) {
        return Err(BadFormat);
    }
    // By score as Redis compares them (-0 equals 0), then by member.
    members.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(Value::ZSet(if packed {
        SortedSet::from_sorted_as(members, true)
    } else {
        SortedSet::from_sorted(members)
    }))
}

/// Pairs of a listpack or ziplist with an even number of elements.
fn pairs<'b>(
    items: &'b [Item<'b>],
) -> Result<impl Iterator<Item = (&'b Item<'b>, &'b Item<'b>)>, BadFormat> {
    if !items.len().is_multiple_of(2) {
        return Err(BadFormat);
    }
    Ok(items.chunks_exact(2).map(|p| (&p[0], &p[1])))
}

/// Reads a value of RDB type `kind` (`rdbLoadObject`), strings at most `max` bytes; an
/// empty collection is [`BadFormat`].
pub(crate) fn load_value(kind: u8, input: &mut Input<'_>, max: usize) -> Result<Value, BadFormat> {
    let value = load_any(kind, input, max)?;
    if is_empty(&value) {
        return Err(BadFormat);
    }
    Ok(value)
}

/// [`load_value`], an empty collection included.
pub(crate) fn load_any(kind: u8, input: &mut Input<'_>, max: usize) -> Result<Value, BadFormat> {
    let value = match kind {
        TYPE_STRING => Value::Str(Bytes::from(input.string(max)?.to_vec())),
        TYPE_LIST => {
            let n = input.len()?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(input.string(max)?.to_vec());
            }
            list_of(items.iter().map(Vec::as_slice))
        }
        TYPE_SET => {
            let n = input.len()?;
            let mut set = SetValue::default();
            for _ in 0..n {
                if !set.add(&input.string(max)?) {
                    return Err(BadFormat);
                }
            }
            Value::Set(set)
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = input.len()?;
            let mut pairs = Vec::new();
            for _ in 0..n {
                let m = input.string(max)?.to_vec();
                let s = if kind == TYPE_ZSET {
                    input.text_double()?
                } else {
                    input.binary_double()?
                };
                pairs.push(Ok((m, s)));
            }
            zset_of(pairs, false)?
        }
        TYPE_HASH => {
            let n = input.len()?;
            let mut h = HashValue::default();
            for _ in 0..n {
                let f = input.string(max)?;
                let v = input.string(max)?;
                if !h.set(&f, &v) {
                    return Err(BadFormat);
                }
            }
            Value::Hash(h)
        }
        TYPE_SET_INTSET => {
            let blob = input.string(max)?;
            let ints = intset::decode(&blob)?;
            // A valid intset's first byte is its width.
            Value::Set(SetValue::from_ints(ints, blob[0]))
        }
        TYPE_LIST_ZIPLIST => {
            let blob = input.string(max)?;
            let items: Vec<Vec<u8>> = packed_items(&blob, true)?.iter().map(item_bytes).collect();
            list_of(items.iter().map(Vec::as_slice))
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let blob = input.string(max)?;
            let items = packed_items(&blob, kind == TYPE_HASH_ZIPLIST)?;
            let owned: Vec<(Vec<u8>, Vec<u8>)> = pairs(&items)?
                .map(|(f, v)| (item_bytes(f), item_bytes(v)))
                .collect();
            let pairs = owned.iter().map(|(f, v)| (f.as_slice(), v.as_slice()));
            Value::Hash(HashValue::from_pairs(pairs).ok_or(BadFormat)?)
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = input.string(max)?;
            let items = packed_items(&blob, kind == TYPE_ZSET_ZIPLIST)?;
            zset_of(
                pairs(&items)?.map(|(m, s)| Ok((item_bytes(m), item_score(s)?))),
                true,
            )?
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => load_quicklist(kind, input, max)?,
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => Value::Stream(Box::new(
            super::stream::load(input, max, kind == TYPE_STREAM_LISTPACKS_2)?,
        )),
        _ => return Err(BadFormat),
    };
    Ok(value)
}

/// A list as quicklist nodes (`RDB_TYPE_LIST_QUICKLIST` of ziplists, `_2` of listpacks
/// and plain elements).
fn load_quicklist(kind: u8, input: &mut Input<'_>, max: usize) -> Result<Value, BadFormat> {
    let nodes = input.len()?;
    let mut items: Vec<Vec<u8>> = Vec::new();
    for _ in 0..nodes {
        let container = if kind == TYPE_LIST_QUICKLIST_2 {
            input.len()?
        } else {
            CONTAINER_PACKED
        };
        let blob = input.string(max)?;
        if blob.is_empty() {
            return Err(BadFormat);
        }
        match container {
            CONTAINER_PLAIN => items.push(blob.to_vec()),
            CONTAINER_PACKED => {
                let node = packed_items(&blob, kind == TYPE_LIST_QUICKLIST)?;
                items.extend(node.iter().map(item_bytes));
            }
            _ => return Err(BadFormat),
        }
    }
    Ok(list_of(items.iter().map(Vec::as_slice)))
}

fn list_of<'b>(items: impl Iterator<Item = &'b [u8]>) -> Value {
    Value::List(ListValue::from_elems(items.map(crate::value::Elem::Bytes)))
}

/// Why a `RESTORE` payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadError {
    /// A newer RDB version, or a checksum that does not match.
    VersionOrChecksum,
    /// The value inside is malformed.
    Bad,
}

/// The value in a `DUMP` payload, strings at most `max` bytes (`verifyDumpPayload`,
/// then `rdbLoadObjectType` and `rdbLoadObject`).
pub(crate) fn restore(payload: &[u8], max: usize) -> Result<Value, PayloadError> {
    let Some(body_len) = payload.len().checked_sub(10) else {
        return Err(PayloadError::VersionOrChecksum);
    };
    let footer = &payload[body_len..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return Err(PayloadError::VersionOrChecksum);
    }
    let crc = crc64::crc64(0, &payload[..body_len + 2]);
    if crc.to_le_bytes() != footer[2..] {
        return Err(PayloadError::VersionOrChecksum);
    }
    // Redis reads the value from the whole payload: a value may run into the footer.
    let mut input = Input::new(payload);
    let kind = input.byte().map_err(|_| PayloadError::Bad)?;
    load_value(kind, &mut input, max).map_err(|_| PayloadError::Bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::listpack::tests::hex;
    use crate::rdb::stream::tests::REDIS_DUMP;
    use crate::value::stream::StreamId;

    #[test]
    fn a_redis_stream_loads_and_saves_back_to_the_same_bytes() {
        let payload = hex(REDIS_DUMP);
        let Ok(Value::Stream(s)) = restore(&payload, usize::MAX) else {
            panic!("not loaded");
        };
        assert_eq!(s.len(), 3);
        assert_eq!(s.first_id(), StreamId::new(1, 1));
        assert_eq!(s.last_id, StreamId::new(3, 0));
        assert_eq!(s.max_deleted_id, StreamId::new(1, 2));
        assert_eq!(s.entries_added, 9);
        assert_eq!(s.groups[&b"g"[..]].entries_read, None);
        assert_eq!(s.groups[&b"h"[..]].entries_read, Some(7));
        let pending = &s.groups[&b"g"[..]].pending[&StreamId::new(1, 1)];
        assert_eq!(&pending.consumer[..], b"bob");
        assert_eq!(pending.delivery_time, 1_700_000_000_000);
        assert_eq!(pending.delivery_count, 3);
        let last = s.last_entry().unwrap();
        assert_eq!(last.id, StreamId::new(2, 5));
        assert_eq!(
            last.fields().collect::<Vec<_>>(),
            [(&b"a"[..], &b"300"[..]), (b"b", b"hello world")]
        );
        assert_eq!(dump(ValueRef::Stream(&s), true), payload);
    }

    #[test]
    fn a_redis_6_stream_loads_with_its_counters_derived() {
        // `REDIS_DUMP` as `RDB_TYPE_STREAM_LISTPACKS`: no first ID, max deleted ID,
        // entries added, or entries read.
        let body = REDIS_DUMP
            .replace(
                "0303000101010209020167000081ffffffffffffffff02",
                "030300020167000002",
            )
            .replace("01680205070001", "016802050001");
        let mut payload = hex(&body);
        payload[0] = TYPE_STREAM_LISTPACKS;
        payload.truncate(payload.len() - 8);
        payload.extend(crc64::crc64(0, &payload).to_le_bytes());
        let Ok(Value::Stream(s)) = restore(&payload, usize::MAX) else {
            panic!("not loaded");
        };
        assert_eq!(s.len(), 3);
        assert_eq!(s.entries_added, 3);
        assert_eq!(s.max_deleted_id, StreamId::MIN);
        assert_eq!(s.first_id(), StreamId::new(1, 1));
        // Group g read from 0-0, before the first entry: none read. Group h's last ID is
        // inside the stream: unknown.
        assert_eq!(s.groups[&b"g"[..]].entries_read, Some(0));
        assert_eq!(s.groups[&b"h"[..]].entries_read, None);
        assert_eq!(s.groups[&b"g"[..]].pending.len(), 2);
    }

    #[test]
    fn text_scores_read_as_strtod_reads_them() {
        for (text, want) in [
            (&b"1.5"[..], Some(1.5)),
            (b" 1", Some(1.0)),
            (b"1.5x", Some(1.5)),
            (b"-2e3abc", Some(-2000.0)),
            (b"1e400", Some(f64::INFINITY)),
            (b"-inf", Some(f64::NEG_INFINITY)),
            (b"Infinity", Some(f64::INFINITY)),
            (b".5", Some(0.5)),
            (b"", None),
            (b"x1", None),
            (b"in", None),
        ] {
            assert_eq!(
                strtod_prefix(text),
                want,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(strtod_prefix(b"nan").is_some_and(f64::is_nan));
    }
}
