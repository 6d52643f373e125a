//! Redis's LZF (`lzf_c.c` and `lzf_d.c`, liblzf 3.6 with the settings of Redis 7.0's
//! `lzfP.h`): the compression of RDB strings longer than 20 bytes.
//!
//! The compressed format is a sequence of
//! - literal runs: `000LLLLL` then `L + 1` bytes (1..=32);
//! - back references: `LLLooooo oooooooo`, or `111ooooo LLLLLLLL oooooooo` when
//!   `L` ≥ 7, copying `L + 2` bytes from `o + 1` bytes back (at most 8192).
//!
//! The format leaves the encoder its choices; [`compress`] makes Redis's, byte for
//! byte, so that `DUMP` payloads match Redis's: `HLOG` 16 (a 65536-slot hash table of
//! the last position of each 3-byte hash), `VERY_FAST` (after a match, only its last
//! two positions are hashed) without `ULTRA_FAST`, and `INIT_HTAB` off. Redis leaves
//! the table uninitialized, yet its output is deterministic: a slot the current call
//! has not written stands for 3 bytes that have not occurred yet, so whatever stale
//! pointer it holds fails the comparison. This port starts from an empty table.

use std::cell::RefCell;
use std::mem;

use super::BadFormat;

/// `HLOG`: the hash table has `1 << HLOG` slots.
const HLOG: u32 = 16;
/// `MAX_LIT`: the longest literal run.
const MAX_LIT: u8 = 1 << 5;
/// `MAX_OFF`: a back reference's `off` is below it (it reaches at most 8192 bytes back).
const MAX_OFF: usize = 1 << 13;
/// `MAX_REF`: the longest back reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// Redis's `lzf_compress(in, in_len, out, max_out)`: `None` where it returns 0, when
/// the output would not fit in `max_out` bytes (Redis's `rdbSaveLzfStringObject`
/// passes `len - 4`, keeping only compression that saves at least 4 bytes) or when
/// `input` is empty.
pub(crate) fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if input.is_empty() || max_out == 0 {
        return None;
    }
    TABLE.with_borrow_mut(|table| table.compress(input, max_out))
}

thread_local! {
    /// This thread's hash table, allocated on first use.
    static TABLE: RefCell<HashTable> = RefCell::new(HashTable::new());
}

/// lzf's hash table (`LZF_STATE`): for each hash of 3 bytes, the last position seen
/// with it. Redis keeps it on the stack, uninitialized; here each thread keeps one
/// (512 KB) so that a call need not clear it: a call stores its positions plus `base`,
/// which then moves past them, so that every older entry reads as empty.
struct HashTable {
    /// `base` + the position, for each hash.
    slots: Box<[usize]>,
    /// What the next call adds to its positions.
    base: usize,
}

impl HashTable {
    /// An empty table.
    fn new() -> Self {
        Self {
            slots: vec![0; 1 << HLOG].into_boxed_slice(),
            base: 0,
        }
    }

    /// [`compress`] for a non-empty `input` and `max_out`.
    fn compress(&mut self, input: &[u8], max_out: usize) -> Option<Vec<u8>> {
        let end = input.len();
        if self.base.checked_add(end).is_none() {
            self.slots.fill(0);
            self.base = 0;
        }
        let base = self.base;
        self.base += end;
        let mut out = Output {
            bytes: Vec::with_capacity(max_out.min(end + end / usize::from(MAX_LIT) + 1)),
            lit: 0,
        };
        out.start_run();
        let mut ip = 0;
        while ip + 2 < end {
            // The last position with the same hash: 0 if none (or position 0, which lzf
            // never refers back to: `ref > in_data`).
            let bytes = triple(input, ip);
            let earlier =
                mem::replace(&mut self.slots[slot(bytes)], base + ip).saturating_sub(base);
            let off = ip.wrapping_sub(earlier).wrapping_sub(1);
            if earlier == 0 || off >= MAX_OFF || triple(input, earlier) != bytes {
                // One more literal byte.
                if out.bytes.len() >= max_out {
                    return None;
                }
                out.literal(input[ip]);
                ip += 1;
                continue;
            }
            // A match of 3 or more bytes: room for it, and for a run after it?
            if out.bytes.len() + 4 - usize::from(out.lit == 0) >= max_out {
                return None;
            }
            // lzf extends a match up to `maxlen`, 2 bytes short of the end, but when
            // `maxlen` > 16 it first compares up to offset 18 unchecked, so with 17 or
            // 18 the match may reach the last byte.
            let maxlen = (end - ip - 2).min(MAX_REF);
            let limit = if maxlen > 16 {
                maxlen.max(19)
            } else {
                maxlen.max(3)
            };
            let len = 3 + input[earlier + 3..earlier + limit]
                .iter()
                .zip(&input[ip + 3..ip + limit])
                .take_while(|(a, b)| a == b)
                .count();
            out.end_run();
            out.back_reference(off, len);
            out.start_run();
            ip += len;
            if ip + 2 >= end {
                break;
            }
            // `VERY_FAST`: of the positions the match covered, only the last two are
            // hashed.
            for at in ip - 2..ip {
                self.slots[slot(triple(input, at))] = base + at;
            }
        }
        // At most 2 bytes remain, and perhaps a run's control byte: 3 bytes.
        if out.bytes.len() + 3 > max_out {
            return None;
        }
        for &byte in &input[ip..] {
            out.literal(byte);
        }
        out.end_run();
        Some(out.bytes)
    }
}

/// The 3 bytes at `at`, as lzf's `NEXT(FRST(p), p)` rolls them into `hval`.
fn triple(input: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([0, input[at], input[at + 1], input[at + 2]])
}

/// lzf's `IDX` with `VERY_FAST`: the table slot of a [`triple`]. (lzf's `hval` also
/// keeps older bytes in its top bits, which this ignores.)
fn slot(hval: u32) -> usize {
    let hash = (hval >> (3 * 8 - HLOG)).wrapping_sub(hval.wrapping_mul(5));
    (hash & ((1 << HLOG) - 1)) as usize
}

/// The compressor's output: it always ends with a literal run of `lit` bytes, whose
/// control byte is reserved just before them.
struct Output {
    /// The bytes written, the reserved control byte included (lzf's `op`).
    bytes: Vec<u8>,
    /// The length of the current literal run.
    lit: u8,
}

impl Output {
    /// Starts a literal run: reserves its control byte.
    fn start_run(&mut self) {
        self.bytes.push(0);
        self.lit = 0;
    }

    /// Ends the current literal run: writes its control byte, or takes it back if the
    /// run is empty.
    fn end_run(&mut self) {
        match self.lit.checked_sub(1) {
            None => {
                self.bytes.pop();
            }
            Some(ctrl) => {
                let at = self.bytes.len() - usize::from(self.lit) - 1;
                self.bytes[at] = ctrl;
            }
        }
    }

    /// Appends a literal byte, starting a new run when this one is full.
    fn literal(&mut self, byte: u8) {
        self.bytes.push(byte);
        self.lit += 1;
        if self.lit == MAX_LIT {
            self.end_run();
            self.start_run();
        }
    }

    /// Appends a back reference: `len` bytes (3..=264) from `off + 1` bytes back
    /// (`off` < 8192).
    fn back_reference(&mut self, off: usize, len: usize) {
        let [.., off_high, off_low] = off.to_be_bytes();
        if len - 2 < 7 {
            let [.., short] = (len - 2).to_be_bytes();
            self.bytes.extend([short << 5 | off_high, off_low]);
        } else {
            let [.., extra] = (len - 2 - 7).to_be_bytes();
            self.bytes.extend([7 << 5 | off_high, extra, off_low]);
        }
    }
}

/// Redis's `lzf_decompress(in, in_len, out, out_len)` into exactly `out_len` bytes:
/// [`BadFormat`] for input that does not decompress to exactly that many (a back
/// reference before the start, output past `out_len`, a truncated run or reference,
/// or fewer bytes). It allocates `out_len` bytes up front, so callers bound it first.
pub(crate) fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, BadFormat> {
    let mut out = Vec::with_capacity(out_len);
    let mut rest = input;
    while let Some((&ctrl, tail)) = rest.split_first() {
        rest = tail;
        if ctrl < 1 << 5 {
            let len = usize::from(ctrl) + 1;
            if out.len() + len > out_len {
                return Err(BadFormat);
            }
            let (literal, tail) = rest.split_at_checked(len).ok_or(BadFormat)?;
            out.extend_from_slice(literal);
            rest = tail;
        } else {
            let mut len = usize::from(ctrl >> 5);
            if len == 7 {
                let (&extra, tail) = rest.split_first().ok_or(BadFormat)?;
                len += usize::from(extra);
                rest = tail;
            }
            let (&off_low, tail) = rest.split_first().ok_or(BadFormat)?;
            rest = tail;
            let len = len + 2;
            let distance = (usize::from(ctrl & 0x1f) << 8 | usize::from(off_low)) + 1;
            if out.len() + len > out_len || distance > out.len() {
                return Err(BadFormat);
            }
            // The source may overlap what is being written (a run repeating a period
            // of `distance` bytes): copy at most `distance` bytes at a time.
            let mut from = out.len() - distance;
            let target = out.len() + len;
            while out.len() < target {
                let chunk = distance.min(target - out.len());
                out.extend_from_within(from..from + chunk);
                from += chunk;
            }
        }
    }
    if out.len() == out_len {
        Ok(out)
    } else {
        Err(BadFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::{HashTable, compress, decompress};
    use crate::rdb::BadFormat;
    use crate::rdb::crc64::crc64;

    /// As Redis's `rdbSaveLzfStringObject` compresses (strings longer than 20 bytes):
    /// only if that saves at least 4 bytes.
    fn redis_compress(input: &[u8]) -> Option<Vec<u8>> {
        compress(input, input.len() - 4)
    }

    fn hex(digits: &str) -> Vec<u8> {
        (0..digits.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&digits[at..at + 2], 16).unwrap())
            .collect()
    }

    /// xorshift32, the generator the fixtures were made with.
    fn next(state: &mut u32) -> u32 {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        *state
    }

    fn random_bytes(seed: u32, len: usize) -> Vec<u8> {
        let mut state = seed;
        (0..len)
            .map(|_| next(&mut state).to_le_bytes()[0])
            .collect()
    }

    /// 70000 bytes of words picked at random from ten.
    fn words() -> Vec<u8> {
        let words = [
            "lorem", "ipsum", "dolor", "sit", "amet", "redis", "lzf", "compress", "x", "yz",
        ];
        let mut state = 0x2545_f491;
        let mut text = Vec::new();
        while text.len() < 70_000 {
            let pick = next(&mut state);
            text.extend_from_slice(words[pick as usize % words.len()].as_bytes());
            text.push(if pick & 0x300 == 0 { b'\n' } else { b' ' });
        }
        text.truncate(70_000);
        text
    }

    /// Values whose `DUMP` on redis-server 7.0.15 holds an LZF string (`0xC3`, the
    /// compressed and original lengths, then these bytes).
    const REDIS: [(&str, &str); 6] = [
        ("a×100", "016161e05700016161"),
        (
            "hello world ×10",
            "0c68656c6c6f20776f726c642068e0600b016420",
        ),
        (
            "json",
            "1f7b227573657273223a5b7b226964223a312c226e616d65223a22616c6963652206\
             2c22656d61696cc00f0b406578616d706c652e636f6d201b03726f6c65403b052261\
             646d696e20100b646576225d2c226163746976204405747275657d2c80590032e000\
             5902626f62202ac057200de00f55e0064d0366616c73e0004e0033e0004e01636120\
             86e00250600fe00f52026f7073202ae0065860a620b603746f746120ea205a027061\
             6720be210c037065725f800c0232357d",
        ),
        (
            "i² mod 251",
            "1f00010409101924314051647990a9c4e10526496e95bee91b4a7baee31f5893d01f\
             145598dd2972bd0f5eaf075cb3116cc92d8ef15bc2309b0d7ced65da56cf4fcc1f50\
             d159de6af38315a43acd67039c3cd97d23c6701cc57527d68c44f9b57333f01fb47a\
             420cd3a1714317e8c09a76543416f5dbc3ad998777695d534b45413f3f411f454b53\
             5d69778799adc3dbf5163454769ac0e8174371a1d30c427ab4f03373b51ff9448cd6\
             2775c51c70c6237dd93c9c0367cd3aa41583f36ade59d150cc4fcf561fda65ed7c0d\
             9b30c25bf18e2dc96c11b35c07af5e0fbd7229dd985514d093581f1be3ae7b4a1be9\
             be956e492605e1c4a990796451403124191009040100e0fffae1fff5e2fff0e3ffeb\
             e4ffe6e5ffe1e6ffdce7ffd7e8ffd2e9ffcdeaffc8ebffc3ecffbeedffb9eeffb4ef\
             ffaff0ffaaf1f9a501e9be",
        ),
        // A match 2 bytes short of the end, and one 3 bytes short: both run to the
        // end of the input (`maxlen` 17 and 18).
        (
            "_ + 19 bytes ×2",
            "135f6162636465666768696a6b6c6d6e6f70717273e00a12",
        ),
        (
            "_ + 19 bytes ×2 + Z",
            "135f6162636465666768696a6b6c6d6e6f70717273e00a12005a",
        ),
    ];

    fn redis_input(name: &str) -> Vec<u8> {
        let nineteen = b"abcdefghijklmnopqrs";
        match name {
            "a×100" => vec![b'a'; 100],
            "hello world ×10" => b"hello world ".repeat(10),
            "json" => concat!(
                r#"{"users":[{"id":1,"name":"alice","email":"alice@example.com","#,
                r#""roles":["admin","dev"],"active":true},{"id":2,"name":"bob","#,
                r#""email":"bob@example.com","roles":["dev"],"active":false},"#,
                r#"{"id":3,"name":"carol","email":"carol@example.com","#,
                r#""roles":["ops","dev"],"active":true}],"total":3,"page":1,"per_page":25}"#
            )
            .as_bytes()
            .to_vec(),
            "i² mod 251" => (0..5000_u32)
                .map(|i| (i * i % 251).to_le_bytes()[0])
                .collect(),
            "_ + 19 bytes ×2" => [&b"_"[..], nineteen, nineteen].concat(),
            "_ + 19 bytes ×2 + Z" => [&b"_"[..], nineteen, nineteen, b"Z"].concat(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn compresses_as_redis_does() {
        for (name, expected) in REDIS {
            let input = redis_input(name);
            let expected = hex(expected);
            assert_eq!(
                redis_compress(&input).as_deref(),
                Some(&expected[..]),
                "{name}"
            );
            assert_eq!(decompress(&expected, input.len()), Ok(input), "{name}");
        }
        assert_eq!(redis_input("json").len(), 301);
    }

    #[test]
    fn compresses_long_text_as_redis_does() {
        // Redis's compressed bytes: their length and CRC-64.
        let text = words();
        let compressed = redis_compress(&text).unwrap();
        assert_eq!(compressed.len(), 25_842);
        assert_eq!(crc64(0, &compressed), 0x33ed_1373_a101_23f0);
        assert_eq!(decompress(&compressed, text.len()), Ok(text));
    }

    #[test]
    fn declines_as_redis_does() {
        // Redis stores these uncompressed. The first compresses to 21 bytes, but only
        // with 22 of room: lzf checks conservatively, with slack for a literal run.
        let tight = b"MMMMMLLMLMMMMMLMMMMMMMMMM";
        assert_eq!(redis_compress(tight), None);
        assert_eq!(compress(tight, 22).map(|out| out.len()), Some(21));
        // Its last check reserves 3 bytes for a tail even when there is none left.
        let to_the_end = redis_input("_ + 19 bytes ×2");
        assert_eq!(compress(&to_the_end, 27), None);
        assert_eq!(compress(&to_the_end, 28).map(|out| out.len()), Some(24));
        let steps: Vec<u8> = (0..64_u32)
            .map(|i| (i * 167 + 13).to_le_bytes()[0])
            .collect();
        assert_eq!(redis_compress(&steps), None);
        assert_eq!(compress(b"", 100), None);
        assert_eq!(compress(b"x", 0), None);
        assert_eq!(compress(b"x", 3), None);
        assert_eq!(compress(b"x", 4), Some(b"\x00x".to_vec()));
    }

    #[test]
    fn reuses_its_table() {
        // The output does not depend on earlier calls, also where positions wrap.
        let inputs = [
            redis_input("json"),
            words(),
            b"abcabcabc".repeat(9),
            redis_input("json"),
        ];
        let room = |input: &[u8]| input.len() * 2 + 8;
        let mut wrapping = HashTable {
            base: usize::MAX - 100,
            ..HashTable::new()
        };
        wrapping.slots.fill(usize::MAX - 150);
        for input in inputs {
            let fresh = HashTable::new().compress(&input, room(&input));
            assert!(fresh.is_some());
            assert_eq!(compress(&input, room(&input)), fresh);
            assert_eq!(wrapping.compress(&input, room(&input)), fresh);
        }
    }

    #[test]
    fn round_trips() {
        let mut inputs = vec![
            b"x".to_vec(),
            b"xy".to_vec(),
            b"xyz".to_vec(),
            b"xxxx".to_vec(),
            b"abcabcabcabcabc".to_vec(),
            vec![0; 100_000],
            random_bytes(1, 1000),
            random_bytes(2, 70_000),
            words(),
            redis_input("_ + 19 bytes ×2"),
        ];
        // Runs of every length around the encoding's limits, between random bytes.
        let mut runs = Vec::new();
        let lens = [
            1, 2, 3, 7, 8, 9, 31, 32, 33, 263, 264, 265, 8191, 8192, 8193, 20_000,
        ];
        for (seed, len) in (10..).zip(lens) {
            runs.extend(random_bytes(seed, 40));
            runs.extend(vec![b'a' + seed.to_le_bytes()[0]; len]);
        }
        inputs.push(runs);
        // Repeats at distances around the 8192-byte window.
        let chunk = random_bytes(3, 300);
        let mut far = Vec::new();
        for (seed, gap) in (30..).zip([8000, 8189, 8190, 8191, 8192, 8193, 9000]) {
            far.extend(&chunk);
            far.extend(random_bytes(seed, gap - chunk.len()));
        }
        inputs.push(far);
        for input in inputs {
            let len = input.len();
            let compressed = compress(&input, 2 * len + 8).unwrap();
            assert_eq!(
                decompress(&compressed, len).as_ref(),
                Ok(&input),
                "{len} bytes"
            );
            assert_eq!(decompress(&compressed, len + 1), Err(BadFormat));
            if len > 0 {
                assert_eq!(decompress(&compressed, len - 1), Err(BadFormat));
            }
            // Less room only makes it give up, at the latest with 4 bytes of slack.
            let needs = compressed.len();
            assert_eq!(compress(&input, needs - 1), None);
            for room in needs..needs + 4 {
                let out = compress(&input, room);
                assert!(out.is_none() || out.as_ref() == Some(&compressed));
            }
            assert_eq!(compress(&input, needs + 4).as_ref(), Some(&compressed));
        }
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(decompress(b"", 0), Ok(Vec::new()));
        assert_eq!(decompress(b"", 1), Err(BadFormat));
        assert_eq!(decompress(b"\x00a", 1), Ok(b"a".to_vec()));
        assert_eq!(decompress(b"\x00a", 2), Err(BadFormat), "short");
        assert_eq!(decompress(b"\x00a", 0), Err(BadFormat), "literal overrun");
        assert_eq!(decompress(b"\x01a", 2), Err(BadFormat), "truncated literal");
        assert_eq!(
            decompress(b"\x20\x00", 3),
            Err(BadFormat),
            "before the start"
        );
        assert_eq!(
            decompress(b"\x00a\x20\x01", 4),
            Err(BadFormat),
            "before the start"
        );
        assert_eq!(decompress(b"\x00a\x20\x00", 4), Ok(b"aaaa".to_vec()));
        assert_eq!(
            decompress(b"\x00a\x20\x00", 3),
            Err(BadFormat),
            "reference overrun"
        );
        assert_eq!(decompress(b"\x00a\x20", 4), Err(BadFormat), "no offset");
        assert_eq!(decompress(b"\x00a\xe0", 10), Err(BadFormat), "no length");
        assert_eq!(
            decompress(b"\x00a\xe0\x00", 10),
            Err(BadFormat),
            "no offset"
        );
        assert_eq!(decompress(b"\x00a\xe0\x00\x00", 10), Ok(vec![b'a'; 10]));
        assert_eq!(
            decompress(b"\x00a\xe0\xff\x00", 264),
            Err(BadFormat),
            "overrun"
        );
        assert_eq!(decompress(b"\x00a\xe0\xff\x00", 265), Ok(vec![b'a'; 265]));

        // Every truncation of valid streams, and every byte changed.
        for input in [redis_input("json"), words()[..5000].to_vec()] {
            let compressed = compress(&input, input.len()).unwrap();
            for end in 0..compressed.len() {
                assert_eq!(decompress(&compressed[..end], input.len()), Err(BadFormat));
            }
            if input.len() < 1000 {
                for at in 0..compressed.len() {
                    for flip in [0x01, 0x20, 0x80, 0xff] {
                        let mut corrupt = compressed.clone();
                        corrupt[at] ^= flip;
                        if let Ok(out) = decompress(&corrupt, input.len()) {
                            assert_eq!(out.len(), input.len());
                        }
                    }
                }
            }
        }
        // Garbage.
        let mut state = 7;
        for _ in 0..20_000 {
            let len = next(&mut state) as usize % 48;
            let garbage = random_bytes(next(&mut state), len);
            let out_len = next(&mut state) as usize % 300;
            if let Ok(out) = decompress(&garbage, out_len) {
                assert_eq!(out.len(), out_len);
            }
        }
    }
}
