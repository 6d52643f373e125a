//! Listpacks, following Redis 7.0's `listpack.c`: the encoding of small hashes, sorted
//! sets and list nodes inside RDB values.
//!
//! ```text
//! <total bytes: u32 LE> <count: u16 LE, 65535 = unknown> <entry>… <0xFF>
//! entry = <encoding + data> <backlen: size of encoding + data, 1–5 bytes>
//! ```
//!
//! A string that is a canonical integer (`string2ll`) is stored as an integer, in the
//! smallest of the 7-bit, 13-bit, 16, 24, 32 and 64-bit encodings; any other string
//! takes a 6-bit, 12-bit or 32-bit length. The backlen stores the entry's size in 7-bit
//! groups, most significant first, every byte after the first with its high bit set, so
//! that the list can also be walked backwards.

use super::BadFormat;
use crate::number::parse_i64;
use std::borrow::Cow;

/// Size of the header: total bytes (`u32`) and element count (`u16`).
const HEADER_SIZE: usize = 6;
/// The count stored once there are too many elements to count in a `u16`.
const COUNT_UNKNOWN: u16 = u16::MAX;
/// The byte that terminates every listpack (and starts no entry).
const EOF: u8 = 0xFF;

/// An element as a listpack stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// An integer; [`Writer::push`] stores every canonical integer string this way.
    Int(i64),
    /// A string, borrowed from the encoded bytes.
    Str(&'a [u8]),
}

impl<'a> Item<'a> {
    /// The element as a string: integers in decimal, as Redis's `lpGet` renders them.
    pub(crate) fn to_bytes(self) -> Cow<'a, [u8]> {
        match self {
            Item::Int(v) => Cow::Owned(v.to_string().into_bytes()),
            Item::Str(s) => Cow::Borrowed(s),
        }
    }
}

/// Builds a listpack by appending elements, producing the bytes Redis's `lpAppend`
/// and `lpAppendInteger` would for the same elements.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    /// The header (filled in by [`Writer::finish`]) followed by the entries so far.
    buf: Vec<u8>,
    /// How many entries `buf` holds.
    count: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// An empty listpack.
    pub(crate) fn new() -> Self {
        Self {
            buf: vec![0; HEADER_SIZE],
            count: 0,
        }
    }

    /// The size in bytes of the listpack [`Writer::finish`] would return now (Redis's
    /// `lpBytes`, which bounds quicklist nodes).
    pub(crate) fn len(&self) -> usize {
        self.buf.len() + 1
    }

    /// Appends `element`, as an integer if it is a canonical one (`lpAppend`).
    ///
    /// # Panics
    ///
    /// If the listpack outgrows 4 GiB, which its header cannot describe (Redis converts
    /// to other encodings long before, and caps listpacks at 1 GiB).
    pub(crate) fn push(&mut self, element: &[u8]) {
        match parse_i64(element) {
            Some(v) => self.push_int(v),
            None => self.push_str(element),
        }
    }

    /// Appends an integer in the smallest encoding that holds it (`lpAppendInteger`).
    pub(crate) fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let le = v.to_le_bytes();
        let (tag, width) = match v {
            0..=127 => (None, 1),
            -4096..=4095 => (Some(0xC0 | (le[1] & 0x1F)), 1),
            -32_768..=32_767 => (Some(0xF1), 2),
            -8_388_608..=8_388_607 => (Some(0xF2), 3),
            -2_147_483_648..=2_147_483_647 => (Some(0xF3), 4),
            _ => (Some(0xF4), 8),
        };
        self.buf.extend(tag);
        self.buf.extend_from_slice(&le[..width]);
        self.end_entry(start);
    }

    /// The finished listpack: header, entries and terminator.
    ///
    /// # Panics
    ///
    /// As [`Writer::push`].
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = len_u32(self.buf.len()).to_le_bytes();
        let count = u16::try_from(self.count)
            .unwrap_or(COUNT_UNKNOWN)
            .to_le_bytes();
        self.buf[..4].copy_from_slice(&total);
        self.buf[4..HEADER_SIZE].copy_from_slice(&count);
        self.buf
    }

    /// Appends a string with a 6-bit, 12-bit or 32-bit length (`lpEncodeString`).
    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let [l0, l1, l2, l3] = len_u32(s.len()).to_le_bytes();
        match s.len() {
            0..=63 => self.buf.push(0x80 | l0),
            64..=4095 => self.buf.extend_from_slice(&[0xE0 | l1, l0]),
            _ => self.buf.extend_from_slice(&[0xF0, l0, l1, l2, l3]),
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    /// Appends the backlen of the entry that starts at `start` and counts it.
    fn end_entry(&mut self, start: usize) {
        let (backlen, n) = backlen(self.buf.len() - start);
        self.buf.extend_from_slice(&backlen[..n]);
        self.count += 1;
    }
}

/// `len` as a `u32`, which every size in a listpack must fit.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or_else(|_| panic!("listpack larger than 4 GiB"))
}

/// The backlen of an entry whose encoding and data take `len` bytes, and how many of
/// the five bytes it uses (`lpEncodeBacklen`, whose thresholds put 16383 in 3 bytes).
fn backlen(len: usize) -> ([u8; 5], usize) {
    let n = match len {
        0..=127 => 1,
        128..16_383 => 2,
        16_383..2_097_151 => 3,
        2_097_151..268_435_455 => 4,
        _ => 5,
    };
    let mut out = [0; 5];
    for (i, byte) in out.iter_mut().take(n).enumerate() {
        let group = (len >> (7 * (n - 1 - i))).to_le_bytes()[0] & 0x7F;
        *byte = if i == 0 { group } else { group | 0x80 };
    }
    (out, n)
}

/// Decodes a listpack, validating it as Redis's `lpValidateIntegrity` does in deep
/// mode: the header's total matches the length, the terminator ends it, every entry has
/// a known encoding, lies inside the listpack and is followed by its backlen, and the
/// header's count (unless 65535) matches the entries.
///
/// As in Redis, a backlen is read backwards from its last byte and only has to come
/// to the entry's size: a byte with its high bit set where Redis writes one without
/// lets the reading run on into the entry, which a few hand-made inputs survive.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<Item<'_>>, BadFormat> {
    let [t0, t1, t2, t3, n0, n1, body @ .., EOF] = bytes else {
        return Err(BadFormat);
    };
    if usize::try_from(u32::from_le_bytes([*t0, *t1, *t2, *t3])) != Ok(bytes.len()) {
        return Err(BadFormat);
    }
    let count = u16::from_le_bytes([*n0, *n1]);
    // Every entry takes at least two bytes, which bounds the allocation by the input.
    let mut items = Vec::with_capacity(usize::from(count).min(body.len() / 2));
    let mut offset = 0;
    while let Some(rest) = body.get(offset..).filter(|rest| !rest.is_empty()) {
        let (item, size) = entry(rest).ok_or(BadFormat)?;
        let next = offset + size + backlen(size).1;
        let through_backlen = bytes
            .get(..HEADER_SIZE + next)
            .filter(|_| next <= body.len());
        if through_backlen.and_then(read_backlen) != Some(size) {
            return Err(BadFormat);
        }
        items.push(item);
        offset = next;
    }
    if count != COUNT_UNKNOWN && usize::from(count) != items.len() {
        return Err(BadFormat);
    }
    Ok(items)
}

/// The entry at the start of `p` (backlen excluded) and its size, or `None` if its
/// encoding is unknown or it runs past `p`.
fn entry(p: &[u8]) -> Option<(Item<'_>, usize)> {
    let first = *p.first()?;
    let string = |header: usize, len: usize| {
        let s = p.get(header..)?.get(..len)?;
        Some((Item::Str(s), header + len))
    };
    let int = |width: usize| Some((Item::Int(read_int(p.get(1..=width)?)), 1 + width));
    match first {
        0x00..=0x7F => Some((Item::Int(i64::from(first)), 1)),
        0x80..=0xBF => string(1, usize::from(first & 0x3F)),
        0xC0..=0xDF => {
            let v = i64::from(u16::from_be_bytes([first & 0x1F, *p.get(1)?]));
            Some((Item::Int(if v >= 1 << 12 { v - (1 << 13) } else { v }), 2))
        }
        0xE0..=0xEF => string(
            2,
            usize::from(u16::from_be_bytes([first & 0x0F, *p.get(1)?])),
        ),
        0xF0 => {
            let len = u32::from_le_bytes(*p.get(1..5)?.first_chunk()?);
            string(5, usize::try_from(len).ok()?)
        }
        0xF1 => int(2),
        0xF2 => int(3),
        0xF3 => int(4),
        0xF4 => int(8),
        _ => None,
    }
}

/// The backlen that ends `before`, read backwards as `lpDecodeBacklen` does: 7 bits a
/// byte until one without its high bit, at most five bytes.
fn read_backlen(before: &[u8]) -> Option<usize> {
    let mut value = 0u64;
    for (i, &byte) in before.iter().rev().take(5).enumerate() {
        value |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return usize::try_from(value).ok();
        }
    }
    None
}

/// A little-endian two's-complement integer of up to 8 bytes, sign-extended.
pub(super) fn read_int(bytes: &[u8]) -> i64 {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = [if negative { 0xFF } else { 0 }; 8];
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
    }
    i64::from_le_bytes(buf)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The bytes a hex string spells.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A deterministic xorshift generator of numbers below its argument.
    pub(crate) fn rng(mut state: u64) -> impl FnMut(usize) -> usize {
        move |bound| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(bound).unwrap()).unwrap()
        }
    }

    /// `n`, below 256, as a byte.
    pub(crate) fn byte(n: usize) -> u8 {
        u8::try_from(n).unwrap()
    }

    /// Sets the header's total (the first four bytes) to the length.
    pub(crate) fn fix_total(bytes: &mut [u8]) {
        let total = u32::try_from(bytes.len()).unwrap().to_le_bytes();
        if let Some(header) = bytes.first_chunk_mut::<4>() {
            *header = total;
        }
    }

    fn encode(elements: &[&[u8]]) -> Vec<u8> {
        let mut w = Writer::new();
        for e in elements {
            w.push(e);
        }
        w.finish()
    }

    /// The field-value pairs of `HSET h f0 0 f1 127 …` (see `REDIS_HASH`).
    const HASH_VALUES: [&str; 31] = [
        "0",
        "127",
        "128",
        "-1",
        "4095",
        "4096",
        "32767",
        "8388607",
        "2147483647",
        "9223372036854775807",
        "-9223372036854775808",
        "007",
        "1.5",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "-4096",
        "-4097",
        "-32768",
        "-32769",
        "8388608",
        "-8388608",
        "-8388609",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "",
        "-0",
        "+1",
        " 1",
        "9223372036854775808",
        "-9223372036854775809",
    ];

    /// Redis 7.0.15, `DUMP h` after `HSET h f0 0 f1 127 … f30 -9223372036854775809`
    /// (the values of `HASH_VALUES`), less the RDB framing: a listpack-encoded hash.
    const REDIS_HASH: &str = "\
        ce0100003e00826630030001826631037f0182663203c0800282663303dfff0282663403cfff0282\
        663503f100100382663603f1ff7f0382663703f2ffff7f0482663803f3ffffff7f0582663903f4ff\
        ffffffffffff7f098366313004f40000000000000080098366313104833030370483663132048331\
        2e35048366313304bf61616161616161616161616161616161616161616161616161616161616161\
        6161616161616161616161616161616161616161616161616161616161616161408366313404e040\
        62626262626262626262626262626262626262626262626262626262626262626262626262626262\
        626262626262626262626262626262626262626262626262428366313504d000028366313604f1ff\
        ef038366313704f10080038366313804f2ff7fff048366313904f300008000058366323004f20000\
        80048366323104f3ffff7fff058366323204f40000008000000000098366323304f3000000800583\
        66323404f4ffffff7fffffffff09836632350480018366323604822d30038366323704822b310383\
        66323804822031038366323904933932323333373230333638353437373538303814836633300494\
        2d3932323333373230333638353437373538303915ff";

    fn redis_hash() -> Vec<u8> {
        hex(REDIS_HASH)
    }

    #[test]
    fn hash_matches_redis() {
        let fields: Vec<String> = (0..HASH_VALUES.len()).map(|i| format!("f{i}")).collect();
        let elements: Vec<&[u8]> = fields
            .iter()
            .zip(HASH_VALUES)
            .flat_map(|(f, v)| [f.as_bytes(), v.as_bytes()])
            .collect();
        let bytes = encode(&elements);
        assert_eq!(bytes, redis_hash());
        let decoded: Vec<Vec<u8>> = decode(&bytes)
            .unwrap()
            .iter()
            .map(|item| item.to_bytes().into_owned())
            .collect();
        assert_eq!(decoded, elements);
    }

    #[test]
    fn integers_and_strings_decode_as_stored() {
        let bytes = redis_hash();
        let items = decode(&bytes).unwrap();
        let values: Vec<Item<'_>> = items.into_iter().skip(1).step_by(2).collect();
        assert_eq!(values[0], Item::Int(0));
        assert_eq!(values[9], Item::Int(i64::MAX));
        assert_eq!(values[10], Item::Int(i64::MIN));
        assert_eq!(values[11], Item::Str(b"007"));
        assert_eq!(values[15], Item::Int(-4096));
        assert_eq!(values[26], Item::Str(b"-0"));
        assert_eq!(values[30], Item::Str(b"-9223372036854775809"));
    }

    #[test]
    fn small_hash_and_zset_match_redis() {
        // `HSET h2 1 -1 -100 x`.
        let hash = hex("1200000004000101dfff02df9c02817802ff");
        assert_eq!(encode(&[b"1", b"-1", b"-100", b"x"]), hash);
        let items = decode(&hash).unwrap();
        let expected = [
            Item::Int(1),
            Item::Int(-1),
            Item::Int(-100),
            Item::Str(b"x"),
        ];
        assert_eq!(items, expected);

        // `ZADD z 1 a 2.5 b -3 c 0.1 d 1e20 e inf f`: member, score pairs in score order,
        // integral scores as integers, the others as Redis formats them.
        let zset = hex(
            "440000000c00816302dffd0281640293302e313030303030303030303030303030303114816102010181\
             620283322e35048165028531652b32300681660283696e6604ff",
        );
        let elements: [&[u8]; 12] = [
            b"c",
            b"-3",
            b"d",
            b"0.10000000000000001",
            b"a",
            b"1",
            b"b",
            b"2.5",
            b"e",
            b"1e+20",
            b"f",
            b"inf",
        ];
        assert_eq!(encode(&elements), zset);
        let mut w = Writer::new();
        w.push(b"c");
        w.push_int(-3);
        assert_eq!(w.finish(), encode(&elements[..2]));
        assert_eq!(decode(&zset).unwrap().len(), 12);
    }

    #[test]
    fn long_strings_match_redis() {
        // `RPUSH l x…x`, one element of each length: the listpack of the single
        // quicklist node, as its header, the string and its backlen. Note 16378, whose
        // entry of 16383 bytes gets a 3-byte backlen.
        let cases = [
            (126, "890000000100e07e", "0180"),
            (127, "8a0000000100e07f", "0181"),
            (4095, "0a1000000100efff", "2081"),
            (4096, "0e1000000100f000100000", "2085"),
            (16377, "074000000100f0f93f0000", "7ffe"),
            (16378, "094000000100f0fa3f0000", "00ffff"),
            (16379, "0a4000000100f0fb3f0000", "018080"),
        ];
        for (len, head, backlen) in cases {
            let s = vec![b'x'; len];
            let expected = [hex(head), s.clone(), hex(backlen), vec![EOF]].concat();
            let bytes = encode(&[&s]);
            assert_eq!(bytes, expected, "length {len}");
            assert_eq!(decode(&bytes).unwrap(), [Item::Str(&s)]);
        }
    }

    #[test]
    fn round_trips() {
        let mut w = Writer::new();
        let mut expected = Vec::new();
        for v in [
            0,
            127,
            128,
            -1,
            4095,
            4096,
            -4096,
            -4097,
            i64::MIN,
            i64::MAX,
        ] {
            for m in [-1, 0, 1] {
                let v = v.saturating_add(m);
                w.push_int(v);
                expected.push(Item::Int(v));
            }
        }
        let strings: Vec<Vec<u8>> = [0, 1, 63, 64, 4095, 4096, 70_000]
            .iter()
            .map(|&n| {
                (0..n)
                    .map(|i: usize| u8::try_from(i % 251).unwrap())
                    .collect()
            })
            .collect();
        for s in &strings {
            w.push(s);
            expected.push(Item::Str(s));
        }
        let bytes = w.finish();
        assert_eq!(decode(&bytes).unwrap(), expected);
        assert_eq!(decode(&Writer::new().finish()).unwrap(), []);
    }

    #[test]
    fn count_saturates_at_65535() {
        for n in [65_534, 65_535, 70_000] {
            let mut w = Writer::new();
            for i in 0..n {
                w.push(i.to_string().as_bytes());
            }
            let bytes = w.finish();
            let count = u16::from_le_bytes([bytes[4], bytes[5]]);
            assert_eq!(usize::from(count), n.min(65_535));
            assert_eq!(decode(&bytes).unwrap().len(), n);
        }
    }

    #[test]
    fn rejects_truncations_and_bad_headers() {
        let bytes = redis_hash();
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len]), Err(BadFormat), "truncated to {len}");
        }
        // A truncation with its header fixed up still ends in the middle of an entry.
        for len in 7..bytes.len() {
            let mut short = bytes[..len].to_vec();
            short[len - 1] = EOF;
            fix_total(&mut short);
            assert_eq!(decode(&short), Err(BadFormat), "truncated to {len}");
        }
        for (at, value) in [
            (0, 0xCF),
            (3, 1),
            (4, 0x3D),
            (4, 0x3F),
            (5, 1),
            (bytes.len() - 1, 0),
        ] {
            let mut bad = bytes.clone();
            bad[at] = value;
            assert_eq!(decode(&bad), Err(BadFormat), "byte {at} set to {value:#x}");
        }
        let mut unknown = bytes.clone();
        unknown[4..6].copy_from_slice(&[0xFF, 0xFF]);
        assert_eq!(decode(&unknown).unwrap().len(), 62);
    }

    #[test]
    fn rejects_bad_entries() {
        for entry in [
            "f5",         // unknown encoding
            "ff",         // terminator inside
            "0102",       // wrong backlen
            "0181",       // backlen that reads on into the entry, to 129
            "8161",       // string without backlen
            "82610202",   // string longer than the listpack
            "f1ff7f",     // missing backlen
            "f0ffffffff", // string length beyond the input
        ] {
            let mut bytes = Writer::new().finish();
            bytes.splice(6..6, hex(entry));
            fix_total(&mut bytes);
            bytes[4] = 1;
            assert_eq!(decode(&bytes), Err(BadFormat), "entry {entry}");
        }
    }

    #[test]
    fn accepts_backlens_redis_reads_to_the_right_size() {
        // Backlens 0x85, 0x81 and 0x82 run on into a zero byte of their entry, as Redis
        // 7.0.15 confirms by restoring these in lists.
        for (bytes, expected) in [
            (
                "0f0000000200f000000000850001ff",
                &[Item::Str(b""), Item::Int(0)][..],
            ),
            ("0b000000020000810101ff", &[Item::Int(0), Item::Int(1)]),
            ("0a0000000100e00082ff", &[Item::Str(b"")]),
        ] {
            assert_eq!(decode(&hex(bytes)).unwrap(), expected, "{bytes}");
        }
    }

    /// Feeds `decode` 20,000 inputs: `valid` or random bytes, a few bytes changed, half
    /// of them given back their `end` byte and a right total length. Whatever decodes
    /// holds as many entries as the 16-bit count at `count_at` claims (unless 65535).
    pub(crate) fn garbage(
        seed: u64,
        valid: &[u8],
        end: u8,
        count_at: usize,
        decode: impl Fn(&[u8]) -> Result<Vec<Item<'_>>, BadFormat>,
    ) {
        let mut next = rng(seed);
        for _ in 0..20_000 {
            let mut bytes = if next(2) == 0 {
                valid.to_vec()
            } else {
                (0..next(64)).map(|_| byte(next(256))).collect()
            };
            for _ in 0..=next(4) {
                if !bytes.is_empty() {
                    let at = next(bytes.len());
                    bytes[at] = byte(next(256));
                }
            }
            if let Some(last) = bytes.last_mut().filter(|_| next(2) == 0) {
                *last = end;
                fix_total(&mut bytes);
            }
            if let Ok(items) = decode(&bytes) {
                let count = u16::from_le_bytes([bytes[count_at], bytes[count_at + 1]]);
                assert!(count == COUNT_UNKNOWN || usize::from(count) == items.len());
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        garbage(0x2545_F491_4F6C_DD1D, &redis_hash(), EOF, 4, decode);
    }

    #[test]
    fn read_int_sign_extends() {
        assert_eq!(read_int(&[0xFF]), -1);
        assert_eq!(read_int(&[0x7F]), 127);
        assert_eq!(read_int(&[0x00, 0x00, 0x80]), -8_388_608);
        assert_eq!(read_int(&i64::MIN.to_le_bytes()), i64::MIN);
    }
}
