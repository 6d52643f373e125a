//! The hash value (the encodings of Redis's `t_hash.c`): compact while small, a table
//! once large.
//!
//! # Representation
//!
//! A hash of at most [`MAX_PAIRS`] fields whose fields and values are at most 64 bytes is a
//! [`Pack`] (field, value, field, value… in one buffer, insertion order), as Redis's
//! listpack encoding; beyond either limit it becomes a [`Dict`] for good. The switch is
//! invisible except in speed and memory.

use super::Elem;
use super::dict::{Dict, Picks};
use super::pack::{self, Item, Pack};
use crate::{Blob, Result};

/// Most fields a packed hash holds (Redis's `hash-max-listpack-entries`: 512 in the
/// server's built-in configuration).
pub(crate) const MAX_PAIRS: usize = 512;

/// A hash value: compact while small, a table once large.
#[derive(Debug, Clone)]
pub(crate) enum HashValue {
    Pack(Pack),
    /// Inline: a look-up reaches the table without a pointer to follow.
    Dict(Dict<Blob>),
}

impl HashValue {
    /// Bytes this hash allocates, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        match self {
            HashValue::Pack(p) => p.mem(),
            HashValue::Dict(d) => d.mem(),
        }
    }
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Pack(Pack::default())
    }
}

/// The field and value items of `field` in a packed hash.
fn find_packed<'p>(p: &'p Pack, field: &[u8]) -> Option<(Item<'p>, Item<'p>)> {
    let (f, mut rest) = p.find(field, 2)?;
    Some((f, rest.next()?))
}

fn fits_pack(s: &[u8]) -> bool {
    s.len() <= pack::MAX_VALUE
}

/// The pairs of a hash, where they are stored.
pub(crate) enum Pairs<'a> {
    Pack(pack::Items<'a>),
    Dict(Box<dyn Iterator<Item = (&'a Blob, &'a Blob)> + 'a>),
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (Elem<'a>, Elem<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Pairs::Pack(items) => {
                let f = items.next()?;
                let v = items.next()?;
                Some((Elem::Bytes(f.bytes), Elem::Bytes(v.bytes)))
            }
            Pairs::Dict(it) => it.next().map(|(f, v)| (Elem::Blob(f), Elem::Blob(v))),
        }
    }
}

impl HashValue {
    pub(crate) fn len(&self) -> usize {
        match self {
            HashValue::Pack(p) => p.count() / 2,
            HashValue::Dict(d) => d.len(),
        }
    }

    pub(crate) fn get(&self, field: &[u8]) -> Option<Elem<'_>> {
        match self {
            HashValue::Pack(p) => find_packed(p, field).map(|(_, v)| Elem::Bytes(v.bytes)),
            HashValue::Dict(d) => d.get(field).map(Elem::Blob),
        }
    }

    /// A packed hash of `pairs` whatever their lengths if there are at most
    /// [`MAX_PAIRS`], else a table (a listpack Redis loads keeps its encoding: only its
    /// count is checked); `None` if a field repeats.
    pub(crate) fn from_pairs<'p>(
        pairs: impl ExactSizeIterator<Item = (&'p [u8], &'p [u8])>,
    ) -> Option<HashValue> {
        let mut h = HashValue::default();
        if pairs.len() <= MAX_PAIRS {
            let mut p = Pack::default();
            for (f, v) in pairs {
                if p.find(f, 2).is_some() {
                    return None;
                }
                p.push(f);
                p.push(v);
            }
            h = HashValue::Pack(p);
        } else {
            for (f, v) in pairs {
                if !h.set(f, v) {
                    return None;
                }
            }
        }
        Some(h)
    }

    /// Whether the hash is in its compact form (Redis's listpack encoding).
    pub(crate) fn is_packed(&self) -> bool {
        matches!(self, HashValue::Pack(_))
    }

    pub(crate) fn pairs(&self) -> Pairs<'_> {
        match self {
            HashValue::Pack(p) => Pairs::Pack(p.items()),
            HashValue::Dict(d) => Pairs::Dict(Box::new(d.iter())),
        }
    }

    /// Converts a packed hash to a table.
    fn unpack(&mut self) -> &mut Dict<Blob> {
        if let HashValue::Pack(p) = self {
            let p = std::mem::take(p);
            let mut d = Dict::with_capacity(p.count() / 2 + 1);
            let mut items = p.iter();
            while let (Some(f), Some(v)) = (items.next(), items.next()) {
                d.insert(f, Blob::copy_from_slice(v));
            }
            *self = HashValue::Dict(d);
        }
        match self {
            HashValue::Dict(d) => d,
            HashValue::Pack(_) => unreachable!("just converted"),
        }
    }

    /// Sets `field` to `value`; `true` if the field is new.
    pub(crate) fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let HashValue::Pack(p) = self
            && fits_pack(value)
        {
            if let Some((_, v)) = find_packed(p, field) {
                p.replace(v.range(), value);
                return false;
            }
            if fits_pack(field) && p.count() / 2 < MAX_PAIRS {
                p.push(field);
                p.push(value);
                return true;
            }
        }
        self.unpack().insert(field, Blob::copy_from_slice(value))
    }

    /// Removes `field`; `true` if it was there.
    pub(crate) fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Pack(p) => match find_packed(p, field) {
                Some((f, v)) => {
                    p.remove(f.span.0..v.span.1, 2);
                    p.shrink();
                    true
                }
                None => false,
            },
            HashValue::Dict(d) => d.remove(field).is_some(),
        }
    }

    /// `count` pairs drawn as `HRANDFIELD` does.
    pub(crate) fn random_pairs(
        &self,
        rng: &mut impl rand::Rng,
        picks: Picks,
    ) -> Result<Vec<(Elem<'_>, Elem<'_>)>> {
        match self {
            HashValue::Pack(_) => {
                let all: Vec<_> = self.pairs().collect();
                let at = picks.positions(rng, all.len())?;
                Ok(at.into_iter().map(|i| all[i]).collect())
            }
            HashValue::Dict(d) => Ok(d
                .pick_slots(rng, picks)?
                .into_iter()
                .map(|i| {
                    let (f, v) = d.entry(i);
                    (Elem::Blob(f), Elem::Blob(v))
                })
                .collect()),
        }
    }
}

/// An owned copy of a pair.
pub(crate) fn pair_blobs((f, v): (Elem<'_>, Elem<'_>)) -> (Blob, Blob) {
    (f.to_blob(), v.to_blob())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_converts_to_a_table_past_either_limit_and_keeps_its_pairs() {
        let mut h = HashValue::default();
        for i in 0..MAX_PAIRS {
            h.set(format!("f{i}").as_bytes(), b"v");
        }
        assert!(matches!(h, HashValue::Pack(_)));
        h.set(b"one-more", b"v");
        assert!(matches!(h, HashValue::Dict(_)));
        assert_eq!(h.len(), MAX_PAIRS + 1);

        let mut h = HashValue::default();
        h.set(b"a", b"1");
        h.set(b"a", &[b'x'; pack::MAX_VALUE + 1]);
        assert!(matches!(h, HashValue::Dict(_)));
        assert_eq!(h.get(b"a").unwrap().to_blob().len(), pack::MAX_VALUE + 1);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn a_packed_hash_edits_in_place_in_insertion_order() {
        let mut h = HashValue::default();
        assert!(h.set(b"a", b"1"));
        assert!(h.set(b"b", b"2"));
        assert!(h.set(b"c", b"3"));
        assert!(!h.set(b"b", b"twenty"));
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        let pairs: Vec<_> = h.pairs().map(pair_blobs).collect();
        assert_eq!(
            pairs,
            [
                (Blob::from("b"), Blob::from("twenty")),
                (Blob::from("c"), Blob::from("3"))
            ]
        );
    }
}
