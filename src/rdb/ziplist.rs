//! Ziplists, following Redis 7.0's `ziplist.c`: the encoding older Redis versions
//! wrote for small lists (also as quicklist nodes), hashes and sorted sets. Redis 7.0
//! still loads them, converting to listpacks, so only decoding is needed.
//!
//! ```text
//! <total bytes: u32 LE> <offset of the last entry: u32 LE> <count: u16 LE, 65535 = unknown>
//! <entry>… <0xFF>
//! entry = <size of the previous entry: 1 byte below 254, else 0xFE + u32 LE>
//!         <encoding> <data>
//! ```
//!
//! Encodings: `00pppppp`, `01pppppp qqqqqqqq` (big-endian) and `10______` + `u32` BE
//! string lengths; `0xC0`, `0xD0`, `0xE0`, `0xF0` and `0xFE` for 16, 32, 64, 24 and
//! 8-bit little-endian integers; `0xF1`–`0xFD` for the immediate integers 0 to 12.

use super::BadFormat;
use super::listpack::{Item, read_int};

/// Size of the header: total bytes, tail offset and count.
const HEADER_SIZE: usize = 10;
/// The count stored once there are too many elements to count in a `u16`.
const COUNT_UNKNOWN: u16 = u16::MAX;
/// The first byte of a 5-byte previous-entry size.
const BIG_PREVLEN: u8 = 0xFE;
/// The byte that terminates every ziplist.
const END: u8 = 0xFF;

/// Decodes a ziplist, validating it as Redis's `ziplistValidateIntegrity` does in deep
/// mode: the header's total matches the length, the terminator ends it, every entry has
/// a known encoding, lies inside the ziplist and records the size of the one before,
/// the tail offset points at the last entry (or at most at the terminator when there
/// is none), and the header's count (unless 65535) matches the entries.
///
/// Entries come back as stored: unlike a listpack, a ziplist may hold a canonical
/// integer as a string (Redis converts with `lpAppend`, which stores it as an integer,
/// as [`super::listpack::Writer::push`] does).
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<Item<'_>>, BadFormat> {
    let [b0, b1, b2, b3, t0, t1, t2, t3, n0, n1, body @ .., END] = bytes else {
        return Err(BadFormat);
    };
    if usize::try_from(u32::from_le_bytes([*b0, *b1, *b2, *b3])) != Ok(bytes.len()) {
        return Err(BadFormat);
    }
    let tail = usize::try_from(u32::from_le_bytes([*t0, *t1, *t2, *t3])).map_err(|_| BadFormat)?;
    if tail >= bytes.len() {
        return Err(BadFormat);
    }
    let count = u16::from_le_bytes([*n0, *n1]);
    // Every entry takes at least two bytes, which bounds the allocation by the input.
    let mut items = Vec::with_capacity(usize::from(count).min(body.len() / 2));
    let (mut rest, mut offset, mut prev_size, mut last) = (body, HEADER_SIZE, 0, None);
    while !rest.is_empty() {
        let (prevlen, item, size) = entry(rest).ok_or(BadFormat)?;
        if usize::try_from(prevlen) != Ok(prev_size) {
            return Err(BadFormat);
        }
        items.push(item);
        last = Some(offset);
        offset += size;
        prev_size = size;
        rest = rest.get(size..).ok_or(BadFormat)?;
    }
    if last.is_some_and(|last| last != tail)
        || (count != COUNT_UNKNOWN && usize::from(count) != items.len())
    {
        return Err(BadFormat);
    }
    Ok(items)
}

/// The entry at the start of `p`: the previous entry's size it records, its element
/// and its own size, or `None` if an encoding is unknown or it runs past `p`.
fn entry(p: &[u8]) -> Option<(u32, Item<'_>, usize)> {
    let (prevlen, header) = match *p.first()? {
        len @ ..BIG_PREVLEN => (u32::from(len), 1),
        BIG_PREVLEN => (u32::from_le_bytes(*p.get(1..)?.first_chunk()?), 5),
        END => return None,
    };
    let rest = p.get(header..)?;
    let encoding = *rest.first()?;
    let string = |lensize: usize, len: usize| {
        let s = rest.get(lensize..)?.get(..len)?;
        Some((Item::Str(s), lensize + len))
    };
    let int = |width: usize| Some((Item::Int(read_int(rest.get(1..=width)?)), 1 + width));
    let (item, size) = match encoding {
        0x00..=0x3F => string(1, usize::from(encoding)),
        0x40..=0x7F => string(
            2,
            usize::from(u16::from_be_bytes([encoding & 0x3F, *rest.get(1)?])),
        ),
        0x80..=0xBF => {
            let len = u32::from_be_bytes(*rest.get(1..)?.first_chunk()?);
            string(5, usize::try_from(len).ok()?)
        }
        0xC0 => int(2),
        0xD0 => int(4),
        0xE0 => int(8),
        0xF0 => int(3),
        0xFE => int(1),
        0xF1..=0xFD => Some((Item::Int(i64::from(encoding & 0x0F) - 1), 1)),
        _ => None,
    }?;
    Some((prevlen, item, header + size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::listpack::tests::{fix_total, garbage, hex};

    /// A ziplist of entries given as encoding and data, each prefixed with the
    /// previous entry's size as `ziplist.c` writes it (5 bytes from 254 on, or always
    /// when `big_prevlen`).
    fn build(entries: &[Vec<u8>], big_prevlen: bool) -> Vec<u8> {
        let mut body = Vec::new();
        let (mut prev, mut tail) = (0, HEADER_SIZE);
        for e in entries {
            tail = HEADER_SIZE + body.len();
            match u8::try_from(prev) {
                Ok(prev) if prev < BIG_PREVLEN && !big_prevlen => body.push(prev),
                _ => {
                    body.push(BIG_PREVLEN);
                    body.extend_from_slice(&u32::try_from(prev).unwrap().to_le_bytes());
                }
            }
            body.extend_from_slice(e);
            prev = HEADER_SIZE + body.len() - tail;
        }
        let count = u16::try_from(entries.len()).unwrap_or(COUNT_UNKNOWN);
        let mut zl = vec![0; 4];
        zl.extend_from_slice(&u32::try_from(tail).unwrap().to_le_bytes());
        zl.extend_from_slice(&count.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(END);
        fix_total(&mut zl);
        zl
    }

    /// A string entry as `zipStoreEntryEncoding` writes it.
    fn string(s: &[u8]) -> Vec<u8> {
        let len = u32::try_from(s.len()).unwrap();
        let [b0, b1, b2, b3] = len.to_be_bytes();
        let header = match len {
            0..=0x3F => vec![b3],
            0x40..=0x3FFF => vec![0x40 | b2, b3],
            _ => vec![0x80, b0, b1, b2, b3],
        };
        [header, s.to_vec()].concat()
    }

    /// Entries covering every encoding, and what they decode to.
    fn sample() -> (Vec<Vec<u8>>, Vec<Item<'static>>) {
        static LONG: [u8; 300] = [b'L'; 300];
        static HUGE: [u8; 16_384] = [b'H'; 16_384];
        let mut entries = Vec::new();
        let mut items = Vec::new();
        for v in 0..=12 {
            entries.push(vec![0xF1 + v]);
            items.push(Item::Int(i64::from(v)));
        }
        for (tag, v, width) in [
            (0xFE, -128, 1),
            (0xFE, 127, 1),
            (0xC0, -32_768, 2),
            (0xF0, -8_388_608, 3),
            (0xF0, 8_388_607, 3),
            (0xD0, i64::from(i32::MIN), 4),
            (0xE0, i64::MAX, 8),
            (0xE0, i64::MIN, 8),
        ] {
            entries.push([&[tag][..], &v.to_le_bytes()[..width]].concat());
            items.push(Item::Int(v));
        }
        let strings: [&'static [u8]; 6] = [
            b"",
            b"Hello World",
            b"007",
            &LONG,
            b"after a long one",
            &HUGE,
        ];
        for s in strings {
            entries.push(string(s));
            items.push(Item::Str(s));
        }
        (entries, items)
    }

    #[test]
    fn decodes_the_examples_of_ziplist_c() {
        // "2" and "5", then "Hello World" appended.
        let zl = hex("0f0000000c000000020000f302f6ff");
        assert_eq!(decode(&zl).unwrap(), [Item::Int(2), Item::Int(5)]);
        let zl = hex("1c0000000e000000030000f302f6020b48656c6c6f20576f726c64ff");
        let items = [Item::Int(2), Item::Int(5), Item::Str(b"Hello World")];
        assert_eq!(decode(&zl).unwrap(), items);
        assert_eq!(decode(&hex("0b0000000a0000000000ff")).unwrap(), []);
    }

    #[test]
    fn decodes_every_encoding() {
        let (entries, items) = sample();
        let zl = build(&entries, false);
        // The entry after the 300-byte string records that entry's 303 bytes in five.
        assert!(zl.windows(5).any(|w| w == [BIG_PREVLEN, 0x2F, 1, 0, 0]));
        assert_eq!(decode(&zl).unwrap(), items);
        // Cascading updates leave 5-byte sizes below 254 behind, which Redis accepts.
        assert_eq!(decode(&build(&entries, true)).unwrap(), items);
        // As it does a 14-bit length for a short string, and an integer as a string.
        let odd = build(&[vec![0x40, 2, b'4', b'2'], string(b"-7")], false);
        assert_eq!(decode(&odd).unwrap(), [Item::Str(b"42"), Item::Str(b"-7")]);
    }

    #[test]
    fn count_may_be_unknown() {
        let mut zl = build(&[vec![0xF1], vec![0xF1], vec![0xF1]], false);
        zl[8..10].copy_from_slice(&COUNT_UNKNOWN.to_le_bytes());
        assert_eq!(decode(&zl).unwrap().len(), 3);
        let many = build(&vec![vec![0xF2]; 70_000], false);
        assert_eq!(decode(&many).unwrap().len(), 70_000);
    }

    #[test]
    fn rejects_truncations_and_bad_headers() {
        let (entries, _) = sample();
        let zl = build(&entries[..entries.len() - 1], false);
        for len in 0..zl.len() {
            assert_eq!(decode(&zl[..len]), Err(BadFormat), "truncated to {len}");
        }
        // A truncation with its header fixed up still ends in the middle of an entry.
        for len in HEADER_SIZE + 1..zl.len() {
            let mut short = zl[..len].to_vec();
            short[len - 1] = END;
            fix_total(&mut short);
            assert_eq!(decode(&short), Err(BadFormat), "truncated to {len}");
        }
        let total = u32::try_from(zl.len()).unwrap();
        let tail = u32::from_le_bytes(zl[4..8].try_into().unwrap());
        let count = u32::try_from(entries.len()).unwrap();
        for (field, value) in [
            (0..4, total + 1),
            (0..4, total - 1),
            (4..8, tail + 1),
            (4..8, tail - 1),
            (4..8, 10),
            (4..8, total),
            (8..10, 0),
            (8..10, count),
        ] {
            let mut bad = zl.clone();
            bad[field.clone()].copy_from_slice(&value.to_le_bytes()[..field.len()]);
            assert_eq!(decode(&bad), Err(BadFormat), "{field:?} set to {value}");
        }
        let mut no_end = zl.clone();
        *no_end.last_mut().unwrap() = 0;
        assert_eq!(decode(&no_end), Err(BadFormat));
        // An empty ziplist's tail may point anywhere up to the terminator, not past it.
        assert!(decode(&hex("0b000000000000000000ff")).is_ok());
        assert!(decode(&hex("0b0000000b0000000000ff")).is_err());
    }

    #[test]
    fn rejects_bad_entries() {
        for (entry, what) in [
            (&[0xC1][..], "unknown integer encoding"),
            (&[0xFF], "terminator as encoding"),
            (&[0x03, b'a'], "string past the end"),
            (
                &[0x80, 0xFF, 0xFF, 0xFF, 0xFF],
                "string length beyond the input",
            ),
            (&[0xD0, 1, 2], "integer past the end"),
        ] {
            let zl = build(&[entry.to_vec()], false);
            assert_eq!(decode(&zl), Err(BadFormat), "{what}");
        }
        for (at, value, what) in [
            (HEADER_SIZE, 1, "first entry with a previous size"),
            (HEADER_SIZE + 2, 3, "wrong previous size"),
            (HEADER_SIZE + 2, END, "terminator inside"),
        ] {
            let mut zl = build(&[vec![0xF1], vec![0xF2]], false);
            zl[at] = value;
            assert_eq!(decode(&zl), Err(BadFormat), "{what}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let (entries, _) = sample();
        let valid = build(&entries[..entries.len() - 1], false);
        garbage(0xD1B5_4A32_D192_ED03, &valid, END, 8, decode);
    }
}
