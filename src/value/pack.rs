//! `Pack`: a short sequence of byte strings in one buffer (Redis's listpack, simplified).
//!
//! Small hashes and sets live in a `Pack` instead of a hash table: each string is its
//! length as a LEB128 varint followed by its bytes, back to back in one `Vec<u8>`. A
//! 10-field hash of short strings costs about a hundred bytes this way, against several
//! hundred in a table. Lookups are linear, which is why the owners convert to a table
//! beyond a number of strings or [`MAX_VALUE`] bytes in one string — Redis's own
//! thresholds for hashes (`hash-max-listpack-entries` 512 — the server's built-in
//! default; its example redis.conf says 128 — and `hash-max-listpack-value` 64).
//!
//! A hash stores field, value, field, value…; a set stores members. Order is insertion
//! order, kept by every edit, as in Redis's listpacks.

use crate::varint::{read_varint, write_varint};
use std::ops::Range;

/// Most members a set's pack, or a sorted set's small form, holds before its owner
/// converts (`zset-max-listpack-entries`).
pub(crate) const MAX_ENTRIES: usize = 128;
/// Longest string a pack holds before its owner converts.
pub(crate) const MAX_VALUE: usize = 64;

/// Byte strings back to back, each prefixed with its varint length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pack {
    buf: Vec<u8>,
    /// How many strings the buffer holds.
    count: u32,
}

/// One string of a pack: where it sits (header included) and its bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    pub(crate) span: (usize, usize),
    pub(crate) bytes: &'a [u8],
}

impl Item<'_> {
    pub(crate) fn range(&self) -> Range<usize> {
        self.span.0..self.span.1
    }
}

fn encode(out: &mut Vec<u8>, s: &[u8]) {
    write_varint(out, s.len());
    out.extend_from_slice(s);
}

impl Pack {
    /// How many strings the pack holds.
    pub(crate) fn count(&self) -> usize {
        self.count as usize
    }

    /// Bytes the pack allocates (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        self.buf.capacity()
    }

    /// Bytes used by the buffer (for tests).
    #[cfg(test)]
    pub(crate) fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// The strings in order, with their positions.
    pub(crate) fn items(&self) -> Items<'_> {
        Items {
            buf: &self.buf,
            at: 0,
        }
    }

    /// The strings in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.items().map(|item| item.bytes)
    }

    /// The first of every `stride`th string (from the first) equal to `s`, with the
    /// strings after it.
    #[inline]
    pub(crate) fn find(&self, s: &[u8], stride: usize) -> Option<(Item<'_>, Items<'_>)> {
        let mut items = self.items();
        while let Some(item) = items.next() {
            // Members often differ only at the end (ids, counters): test the last byte
            // before comparing the whole.
            let b = item.bytes;
            if b.len() == s.len() && b.last() == s.last() && b == s {
                return Some((item, items));
            }
            for _ in 1..stride {
                items.next();
            }
        }
        None
    }

    /// Appends `s`.
    pub(crate) fn push(&mut self, s: &[u8]) {
        encode(&mut self.buf, s);
        self.count += 1;
    }

    /// Replaces the string at `item` with `s`.
    pub(crate) fn replace(&mut self, item: Range<usize>, s: &[u8]) {
        let mut encoded = Vec::with_capacity(s.len() + 2);
        encode(&mut encoded, s);
        self.buf.splice(item, encoded);
    }

    /// Removes the `strings` strings that occupy `span`.
    pub(crate) fn remove(&mut self, span: Range<usize>, strings: usize) {
        self.buf.drain(span);
        #[allow(clippy::cast_possible_truncation)] // never more than the count
        {
            self.count -= strings as u32;
        }
    }

    /// Releases spare capacity (after removals).
    pub(crate) fn shrink(&mut self) {
        if self.buf.capacity() > self.buf.len() + self.buf.len() / 4 + 16 {
            self.buf.shrink_to_fit();
        }
    }
}

/// The strings of a [`Pack`] with their positions.
#[derive(Debug, Clone)]
pub(crate) struct Items<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        let start = self.at;
        let first = *self.buf.get(start)?;
        // One header byte for strings under 128 bytes: every string in a pack whose
        // owner keeps the 64-byte limit.
        let (len, header) = if first < 0x80 {
            (usize::from(first), 1)
        } else {
            read_varint(&self.buf[start..])
        };
        let end = start + header + len;
        self.at = end;
        Some(Item {
            span: (start, end),
            bytes: &self.buf[start + header..end],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(p: &Pack) -> Vec<Vec<u8>> {
        p.iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn pushes_replaces_and_removes_in_place_keeping_order() {
        let mut p = Pack::default();
        let long = vec![b'x'; 300]; // a two-byte length header
        for s in [&b"a"[..], b"", &long, b"dd"] {
            p.push(s);
        }
        assert_eq!(p.count(), 4);
        assert_eq!(
            strings(&p),
            [b"a".to_vec(), vec![], long.clone(), b"dd".to_vec()]
        );
        let third = p.items().nth(2).unwrap();
        p.replace(third.range(), b"c");
        assert_eq!(
            strings(&p),
            [b"a".to_vec(), vec![], b"c".to_vec(), b"dd".to_vec()]
        );
        let first = p.items().next().unwrap();
        let second = p.items().nth(1).unwrap();
        p.remove(first.span.0..second.span.1, 2);
        assert_eq!(p.count(), 2);
        assert_eq!(strings(&p), [b"c".to_vec(), b"dd".to_vec()]);
        assert_eq!(p.byte_len(), 5);
    }
}
