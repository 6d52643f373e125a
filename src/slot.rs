//! Redis Cluster's hash slots (`cluster.c`'s `keyHashSlot`, `crc16.c`).
//!
//! A cluster splits the keyspace into [`SLOTS`] slots: a key's slot is the CRC16
//! (XMODEM: polynomial 0x1021, initial value 0, no reflection) of the key, modulo
//! 16384 — or, when the key holds a `{` followed later by a `}` with at least one
//! byte between them, of those bytes only (the key's *hash tag*), so that
//! `{user1000}.following` and `{user1000}.followers` share a slot. Only the first `{`
//! counts: `{}{a}` has an empty tag and hashes whole.

use crate::Error;

/// The number of hash slots of a Redis Cluster.
///
/// # Examples
///
/// ```
/// assert!(embedis::key_slot("any key") < embedis::SLOTS);
/// ```
pub const SLOTS: u16 = 16384;

/// The CRC16 (XMODEM) table, one entry per byte value.
const TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)]
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC16 (XMODEM) of `bytes`, as Redis's `crc16`.
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ TABLE[usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// The hash slot of `key` in a Redis Cluster (`CLUSTER KEYSLOT`): `0..SLOTS`.
///
/// # Examples
///
/// ```
/// use embedis::key_slot;
/// assert_eq!(key_slot("foo"), 12182);
/// // A hash tag puts keys in one slot.
/// assert_eq!(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
/// assert_eq!(key_slot("{user1000}.following"), key_slot("user1000"));
/// ```
pub fn key_slot(key: impl AsRef<[u8]>) -> u16 {
    let key = key.as_ref();
    let tagged = key.iter().position(|&b| b == b'{').and_then(|s| {
        let e = key[s + 1..].iter().position(|&b| b == b'}')?;
        (e > 0).then(|| &key[s + 1..s + 1 + e])
    });
    crc16(tagged.unwrap_or(key)) & (SLOTS - 1)
}

/// The one slot all `keys` hash to (`None` without keys), or [`Error::CrossSlot`]
/// (`getNodeByQuery`: a key equal to the first is not hashed again).
pub(crate) fn common_slot<'k>(
    keys: impl IntoIterator<Item = &'k [u8]>,
) -> Result<Option<u16>, Error> {
    let mut first: Option<(&[u8], u16)> = None;
    for key in keys {
        match first {
            None => first = Some((key, key_slot(key))),
            Some((f, slot)) => {
                if f != key && key_slot(key) != slot {
                    return Err(Error::CrossSlot);
                }
            }
        }
    }
    Ok(first.map(|(_, slot)| slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn slots_as_redis() {
        // `CLUSTER KEYSLOT` of a Redis 7.0 cluster.
        for (key, slot) in [
            ("foo", 12182),
            ("bar", 5061),
            ("hello", 866),
            ("", 0),
            ("{user1000}.following", 3443),
            ("{user1000}.followers", 3443),
            ("user1000", 3443),
            ("foo{}{bar}", 8363),
            ("foo{{bar}}zap", 4015),
            ("foo{bar}{zap}", 5061),
            ("{", 4092),
            ("}{a}", 15495),
        ] {
            assert_eq!(key_slot(key), slot, "{key:?}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(key_slot("a{b}c"), key_slot("b"));
        assert_eq!(key_slot("{}b"), crc16(b"{}b") & 0x3FFF);
        assert_eq!(key_slot("a{b"), crc16(b"a{b") & 0x3FFF);
        assert_eq!(key_slot("{{b}"), key_slot("{b"));
    }

    #[test]
    fn common() {
        let keys: [&[u8]; 3] = [b"{t}1", b"{t}2", b"t"];
        assert_eq!(common_slot(keys), Ok(Some(key_slot("t"))));
        let keys: [&[u8]; 2] = [b"foo", b"bar"];
        assert_eq!(common_slot(keys), Err(Error::CrossSlot));
        assert_eq!(common_slot(std::iter::empty()), Ok(None));
    }
}
