//! Intsets, following Redis 7.0's `intset.c`: the encoding of small sets of integers
//! inside RDB values.
//!
//! ```text
//! <width: u32 LE, 2, 4 or 8> <count: u32 LE> <value: width bytes LE>…
//! ```
//!
//! Values are signed, ascending and unique, all stored in the one width.

use super::BadFormat;
use super::listpack::read_int;

/// Size of the header: width and count.
const HEADER_SIZE: usize = 8;

/// Bytes needed to store `v`: 2, 4 or 8 (`_intsetValueEncoding`).
fn width(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Encodes ascending, distinct values in the smallest width that holds them all and is
/// at least `min_width` bytes.
///
/// An intset widens as members need it and never narrows: a set that once held a
/// larger member keeps the wider width in Redis, which its owner passes as `min_width`.
///
/// # Panics
///
/// If there are more than `u32::MAX` values.
pub(crate) fn encode(sorted_unique: &[i64], min_width: u8) -> Vec<u8> {
    debug_assert!(sorted_unique.is_sorted_by(|a, b| a < b));
    let width = match (sorted_unique.first(), sorted_unique.last()) {
        (Some(&first), Some(&last)) => width(first).max(width(last)),
        _ => 2,
    }
    .max(min_width);
    let count = u32::try_from(sorted_unique.len())
        .unwrap_or_else(|_| panic!("intset of more than u32::MAX values"));
    let bytes = usize::from(width);
    let mut out = Vec::with_capacity(HEADER_SIZE + bytes * sorted_unique.len());
    out.extend_from_slice(&u32::from(width).to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    for v in sorted_unique {
        out.extend_from_slice(&v.to_le_bytes()[..bytes]);
    }
    out
}

/// Decodes an intset, validating it as Redis's `intsetValidateIntegrity` does in deep
/// mode: a width of 2, 4 or 8, exactly as many bytes as the count needs, at least one
/// value, and values strictly ascending.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<i64>, BadFormat> {
    let (&[w0, w1, w2, w3, c0, c1, c2, c3], body) =
        bytes.split_first_chunk::<HEADER_SIZE>().ok_or(BadFormat)?;
    let width: usize = match u32::from_le_bytes([w0, w1, w2, w3]) {
        2 => 2,
        4 => 4,
        8 => 8,
        _ => return Err(BadFormat),
    };
    let count = usize::try_from(u32::from_le_bytes([c0, c1, c2, c3])).map_err(|_| BadFormat)?;
    if count == 0 || count.checked_mul(width) != Some(body.len()) {
        return Err(BadFormat);
    }
    let values: Vec<i64> = body.chunks_exact(width).map(read_int).collect();
    if !values.is_sorted_by(|a, b| a < b) {
        return Err(BadFormat);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::listpack::tests::{byte, hex, rng};

    /// `SADD` of the values, then `DUMP`, less the RDB framing, from Redis 7.0.15.
    const REDIS: [(&[i64], &str); 4] = [
        (
            &[-5, 1, 2, 3, 70000],
            "0400000005000000fbffffff01000000020000000300000070110100",
        ),
        (&[1, 2, 3], "0200000003000000010002000300"),
        (
            &[-7, 1, 5_000_000_000],
            "0800000003000000f9ffffffffffffff010000000000000000f2052a01000000",
        ),
        (&[-32768, 32767], "02000000020000000080ff7f"),
    ];

    #[test]
    fn matches_redis() {
        for (values, blob) in REDIS {
            assert_eq!(encode(values, 2), hex(blob));
            assert_eq!(decode(&hex(blob)).unwrap(), values);
        }
    }

    #[test]
    fn accepts_a_wider_width_than_needed() {
        // `SADD s 70000 1`, `SREM s 70000`: Redis keeps the 4-byte width.
        assert_eq!(decode(&hex("040000000100000001000000")).unwrap(), [1]);
        assert_eq!(encode(&[1], 2), hex("02000000010000000100"));
        // A set that once needed 4 bytes keeps them.
        assert_eq!(encode(&[1], 4), hex("040000000100000001000000"));
    }

    #[test]
    fn round_trips_at_width_boundaries() {
        for values in [
            vec![i64::from(i16::MIN), i64::from(i16::MAX)],
            vec![i64::from(i16::MIN) - 1, 0],
            vec![0, i64::from(i32::MAX)],
            vec![i64::from(i32::MIN), i64::from(i32::MAX) + 1],
            vec![i64::MIN, -1, 0, i64::MAX],
        ] {
            assert_eq!(decode(&encode(&values, 2)).unwrap(), values);
        }
        assert_eq!(encode(&[], 2), hex("0200000000000000"));
    }

    #[test]
    fn rejects_malformed() {
        let valid = hex(REDIS[0].1);
        for len in 0..valid.len() {
            assert_eq!(decode(&valid[..len]), Err(BadFormat), "truncated to {len}");
        }
        let mut longer = valid.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(BadFormat));
        for (at, value) in [
            (0, 0),
            (0, 3),
            (0, 8),
            (0, 16),
            (3, 1),
            (4, 4),
            (4, 6),
            (7, 1),
        ] {
            let mut bad = valid.clone();
            bad[at] = value;
            assert_eq!(decode(&bad), Err(BadFormat), "byte {at} set to {value}");
        }
        for blob in [
            "0200000000000000",                     // empty
            "020000000200000001000100",             // duplicate
            "020000000200000002000100",             // descending
            "08000000ffffffff",                     // count beyond the input
            "040000000100000001000000000000000000", // trailing bytes
        ] {
            assert_eq!(decode(&hex(blob)), Err(BadFormat), "{blob}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut next = rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let width = [2, 4, 8, 3][next(4)];
            let count = byte(next(6));
            let mut bytes = vec![width, 0, 0, 0, count, 0, 0, 0];
            bytes.extend((0..next(48)).map(|_| byte(next(256))));
            if let Ok(values) = decode(&bytes) {
                assert_eq!(values.len(), usize::from(count));
                // Re-encoding narrows, or gives back the same bytes.
                let again = encode(&values, 2);
                assert!(again[0] < width || again == bytes);
            }
        }
    }
}
