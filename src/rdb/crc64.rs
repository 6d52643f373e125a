//! Redis's CRC-64 (`crc64.c`, computed as `crcspeed.c` does): the Jones polynomial
//! `0xad93d23594c935a9`, reflected, with no inversion before or after. It checks RDB
//! files and `DUMP` payloads, whose last 8 bytes are the little-endian CRC of the rest.

/// The Jones polynomial, bit-reflected (Redis's `POLY` is `0xad93d23594c935a9`).
const POLY: u64 = 0xad93_d235_94c9_35a9_u64.reverse_bits();

/// Slice-by-8 tables, as `crcspeed64little_init` builds them: `TABLES[0][b]` is the CRC
/// of the single byte `b`, and `TABLES[k][b]` that of `b` followed by `k` zero bytes.
static TABLES: [[u64; 256]; 8] = tables();

/// Builds [`TABLES`] at compile time.
const fn tables() -> [[u64; 256]; 8] {
    let mut tables = [[0; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut byte = 0;
        while byte < 256 {
            let crc = tables[k - 1][byte];
            tables[k][byte] = tables[0][(crc & 0xff) as usize] ^ (crc >> 8);
            byte += 1;
        }
        k += 1;
    }
    tables
}

/// Redis's `crc64(crc, s, l)`: `crc` updated with `data`. Start from 0; it chains, so
/// `crc64(crc64(0, a), b) == crc64(0, a ++ b)`.
pub(crate) fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let bytes = (crc ^ u64::from_le_bytes(bytes)).to_le_bytes();
        // The first byte is followed by seven more: it goes through the last table.
        crc = bytes
            .iter()
            .zip(TABLES.iter().rev())
            .fold(0, |crc, (&byte, table)| crc ^ table[usize::from(byte)]);
    }
    for &byte in words.remainder() {
        crc = TABLES[0][usize::from(crc.to_le_bytes()[0] ^ byte)] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc64;

    /// Redis's `crc64.c` bit-by-bit reference (`_crc64`, from pycrc), to check the tables.
    fn bitwise(mut crc: u64, data: &[u8]) -> u64 {
        crc = crc.reverse_bits();
        for &byte in data {
            for bit in 0..8 {
                let top = crc >> 63 == 1;
                let flip = top != (byte >> bit & 1 == 1);
                crc <<= 1;
                if flip {
                    crc ^= 0xad93_d235_94c9_35a9;
                }
            }
        }
        crc.reverse_bits()
    }

    #[test]
    fn check_value() {
        // Redis's own test (crc64.c, `crc64Test`).
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(crc64(0, b""), 0);
        assert_eq!(crc64(0x1234, b""), 0x1234);
    }

    #[test]
    fn lorem_ipsum() {
        // Also from `crc64Test`, which takes `sizeof(li)`: the C string's NUL counts.
        let li = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed \
                   do eiusmod tempor incididunt ut labore et dolore magna \
                   aliqua. Ut enim ad minim veniam, quis nostrud exercitation \
                   ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis \
                   aute irure dolor in reprehenderit in voluptate velit esse \
                   cillum dolore eu fugiat nulla pariatur. Excepteur sint \
                   occaecat cupidatat non proident, sunt in culpa qui officia \
                   deserunt mollit anim id est laborum.";
        assert_eq!(crc64(crc64(0, li), b"\0"), 0xc779_4709_e696_83b3);
    }

    #[test]
    fn matches_bitwise_and_chains() {
        let data: Vec<u8> = (0..1000_u32)
            .map(|i| (i * 31 + i / 7).to_le_bytes()[0])
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 999, 1000] {
            let whole = crc64(0, &data[..len]);
            assert_eq!(whole, bitwise(0, &data[..len]), "len {len}");
            for split in [0, 1, 3, 8, len / 2, len] {
                let split = split.min(len);
                let chained = crc64(crc64(0, &data[..split]), &data[split..len]);
                assert_eq!(chained, whole, "len {len} split {split}");
            }
        }
        assert_eq!(crc64(7, &data), bitwise(7, &data));
    }

    #[test]
    fn redis_dump_payload() {
        // `SET k "hello world"` then `DUMP k` on redis-server 7.0.15: a raw string (type
        // 0, length 11), RDB version 10, then the CRC of everything before it.
        let dump = b"\x00\x0bhello world\x0a\x00";
        let crc = [0x0b, 0xfc, 0x49, 0xb9, 0xa6, 0xc7, 0xa0, 0x34];
        assert_eq!(crc64(0, dump), u64::from_le_bytes(crc));
        // `SET k <100 × a>`: an LZF string (0xc3, lengths 9 and 100, 9 bytes).
        let dump = b"\x00\xc3\x09\x40\x64\x01aa\xe0\x57\x00\x01aa\x0a\x00";
        let crc = [0xe8, 0xa3, 0xb5, 0x07, 0xb0, 0x6d, 0xf2, 0x71];
        assert_eq!(crc64(0, dump), u64::from_le_bytes(crc));
    }
}
