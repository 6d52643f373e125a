//! The set value (Redis's `t_set.c` encodings): an intset, a pack or a table, and the set
//! algebra over values.
//!
//! # Representation
//!
//! As Redis: a set of at most 512 integers (in canonical decimal form) is a sorted
//! vector of `i64` — an intset, answered by binary search and listed in ascending order;
//! other sets of at most 128 members of at most 64 bytes are a [`Pack`]; anything larger
//! is a [`Dict`]. Conversions happen on the way up only, and are invisible but for speed
//! and memory.

use super::Elem;
use super::dict::{Dict, Picks};
use super::pack::{self, Pack};
use crate::number;
use crate::{Blob, Result};

/// Most members of an intset before it converts (Redis's `set-max-intset-entries`).
pub(crate) const MAX_INTSET: usize = 512;

/// Redis's intset: integers in order, and the widest width (2, 4 or 8 bytes) any of
/// them has needed. An intset widens as members need it and never narrows, which its
/// `DUMP` shows; the width is kept for that alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntSet {
    pub(crate) ints: Vec<i64>,
    width: u8,
}

impl IntSet {
    fn insert(&mut self, at: usize, i: i64) {
        self.ints.insert(at, i);
        let needs = if i16::try_from(i).is_ok() {
            2
        } else if i32::try_from(i).is_ok() {
            4
        } else {
            8
        };
        self.width = self.width.max(needs);
    }

    /// The width Redis stores the members in.
    pub(crate) fn width(&self) -> u8 {
        self.width.max(2)
    }
}

/// A set value: an intset, a pack, or a table.
#[derive(Debug, Clone)]
pub(crate) enum SetValue {
    Ints(IntSet),
    Pack(Pack),
    /// Inline: a look-up reaches the table without a pointer to follow.
    Dict(Dict<()>),
}

impl SetValue {
    /// Bytes this set allocates, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        match self {
            SetValue::Ints(v) => crate::mem::vec_bytes::<i64>(v.ints.capacity()),
            SetValue::Pack(p) => p.mem(),
            SetValue::Dict(d) => d.mem(),
        }
    }
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Ints(IntSet::default())
    }
}

/// The members of a set, where they are stored.
pub(crate) enum Members<'a> {
    Ints(std::slice::Iter<'a, i64>),
    Pack(pack::Items<'a>),
    Dict(Box<dyn Iterator<Item = (&'a Blob, &'a ())> + 'a>),
}

impl<'a> Iterator for Members<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        match self {
            Members::Ints(it) => it.next().map(|&i| Elem::Int(i)),
            Members::Pack(it) => it.next().map(|item| Elem::Bytes(item.bytes)),
            Members::Dict(it) => it.next().map(|(m, ())| Elem::Blob(m)),
        }
    }
}

impl SetValue {
    pub(crate) fn len(&self) -> usize {
        match self {
            SetValue::Ints(v) => v.ints.len(),
            SetValue::Pack(p) => p.count(),
            SetValue::Dict(d) => d.len(),
        }
    }

    /// The set in its integer form (Redis's intset encoding), if it is in that form.
    pub(crate) fn ints(&self) -> Option<&IntSet> {
        match self {
            SetValue::Ints(v) => Some(v),
            _ => None,
        }
    }

    /// A set of the ascending, distinct `ints`, stored `width` bytes wide (2, 4 or 8)
    /// as Redis's intset was: in that form if there are at most 512, else as any set.
    pub(crate) fn from_ints(ints: Vec<i64>, width: u8) -> SetValue {
        if ints.len() <= MAX_INTSET {
            return SetValue::Ints(IntSet { ints, width });
        }
        let mut set = SetValue::default();
        for i in ints {
            set.add(number::IntBuf::new(i).as_bytes());
        }
        set
    }

    pub(crate) fn members(&self) -> Members<'_> {
        match self {
            SetValue::Ints(v) => Members::Ints(v.ints.iter()),
            SetValue::Pack(p) => Members::Pack(p.items()),
            SetValue::Dict(d) => Members::Dict(Box::new(d.iter())),
        }
    }

    pub(crate) fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetValue::Ints(v) => {
                number::parse_i64(member).is_some_and(|i| v.ints.binary_search(&i).is_ok())
            }
            SetValue::Pack(p) => p.find(member, 1).is_some(),
            SetValue::Dict(d) => d.contains(member),
        }
    }

    fn contains_elem(&self, member: Elem<'_>) -> bool {
        match (self, member) {
            (SetValue::Ints(v), Elem::Int(i)) => v.ints.binary_search(&i).is_ok(),
            _ => member.with_bytes(|m| self.contains(m)),
        }
    }

    /// Rebuilds the set in the form that holds `extra` more members, one of them `next`.
    fn grow(&mut self, next: &[u8]) {
        let len = self.len() + 1;
        let packable = len <= pack::MAX_ENTRIES
            && next.len() <= pack::MAX_VALUE
            && self
                .members()
                .all(|m| m.with_bytes(|b| b.len() <= pack::MAX_VALUE));
        let old = std::mem::take(self);
        if packable {
            let mut p = Pack::default();
            for m in old.members() {
                m.with_bytes(|b| p.push(b));
            }
            *self = SetValue::Pack(p);
        } else {
            let mut d = Dict::with_capacity(len);
            for m in old.members() {
                m.with_bytes(|b| d.insert(b, ()));
            }
            *self = SetValue::Dict(d);
        }
    }

    /// Adds `member`; `true` if it is new.
    pub(crate) fn add(&mut self, member: &[u8]) -> bool {
        match self {
            SetValue::Ints(v) => {
                if let Some(i) = number::parse_i64(member) {
                    if let Err(at) = v.ints.binary_search(&i) {
                        if v.ints.len() < MAX_INTSET {
                            v.insert(at, i);
                            return true;
                        }
                    } else {
                        return false;
                    }
                } else if v.ints.is_empty() {
                    *self = SetValue::Pack(Pack::default());
                    return self.add(member);
                }
            }
            SetValue::Pack(p) => {
                if p.find(member, 1).is_some() {
                    return false;
                }
                if p.count() < pack::MAX_ENTRIES && member.len() <= pack::MAX_VALUE {
                    p.push(member);
                    return true;
                }
            }
            SetValue::Dict(d) => return d.insert(member, ()),
        }
        self.grow(member);
        self.add(member)
    }

    fn add_elem(&mut self, member: Elem<'_>) -> bool {
        match (&mut *self, member) {
            (SetValue::Ints(v), Elem::Int(i)) if v.ints.len() < MAX_INTSET => {
                match v.ints.binary_search(&i) {
                    Ok(_) => false,
                    Err(at) => {
                        v.insert(at, i);
                        true
                    }
                }
            }
            _ => member.with_bytes(|m| self.add(m)),
        }
    }

    /// Removes `member`; `true` if it was there.
    pub(crate) fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            SetValue::Ints(v) => {
                match number::parse_i64(member).map(|i| v.ints.binary_search(&i)) {
                    Some(Ok(at)) => {
                        v.ints.remove(at);
                        true
                    }
                    _ => false,
                }
            }
            SetValue::Pack(p) => match p.find(member, 1) {
                Some((item, _)) => {
                    p.remove(item.range(), 1);
                    p.shrink();
                    true
                }
                None => false,
            },
            SetValue::Dict(d) => d.remove(member).is_some(),
        }
    }

    /// Members drawn as `picks` asks (uniform; O(picks) on a table).
    pub(crate) fn random_members(
        &self,
        rng: &mut impl rand::Rng,
        picks: Picks,
    ) -> Result<Vec<Blob>> {
        if let SetValue::Dict(d) = self {
            let slots = d.pick_slots(rng, picks)?;
            return Ok(slots.into_iter().map(|i| d.entry(i).0.clone()).collect());
        }
        let all: Vec<Elem<'_>> = self.members().collect();
        let at = picks.positions(rng, all.len())?;
        Ok(at.into_iter().map(|i| all[i].to_blob()).collect())
    }

    #[cfg(test)]
    fn collect<'a>(members: impl IntoIterator<Item = Elem<'a>>) -> SetValue {
        let mut set = SetValue::default();
        for m in members {
            set.add_elem(m);
        }
        set
    }
}

/// The set algebra over already type-checked operands (`None`: a missing key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Diff,
    Inter,
    Union,
}

impl Op {
    /// Calls `f` with each member of the result, stopping after `limit`.
    pub(crate) fn each<'a>(
        self,
        sets: &[Option<&'a SetValue>],
        limit: usize,
        mut f: impl FnMut(Elem<'a>),
    ) {
        match self {
            Op::Inter => {
                if sets.iter().any(Option::is_none) {
                    return;
                }
                let mut sets: Vec<&SetValue> = sets.iter().flatten().copied().collect();
                sets.sort_by_key(|s| s.len());
                let Some((first, rest)) = sets.split_first() else {
                    return;
                };
                let hits = first
                    .members()
                    .filter(|&m| rest.iter().all(|s| s.contains_elem(m)));
                hits.take(limit).for_each(&mut f);
            }
            Op::Diff => {
                let Some(Some(first)) = sets.first() else {
                    return;
                };
                let rest: Vec<&SetValue> = sets[1..].iter().flatten().copied().collect();
                let left = first
                    .members()
                    .filter(|&m| !rest.iter().any(|s| s.contains_elem(m)));
                left.take(limit).for_each(&mut f);
            }
            Op::Union => sets
                .iter()
                .flatten()
                .flat_map(|s| s.members())
                .take(limit)
                .for_each(&mut f),
        }
    }

    /// The result as a set (duplicates merged; integers in ascending order as Redis).
    pub(crate) fn apply(self, sets: &[Option<&SetValue>]) -> SetValue {
        let mut out = SetValue::default();
        self.each(sets, usize::MAX, |m| {
            out.add_elem(m);
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &SetValue) -> &'static str {
        match s {
            SetValue::Ints(_) => "ints",
            SetValue::Pack(_) => "pack",
            SetValue::Dict(_) => "dict",
        }
    }

    #[test]
    fn canonical_integers_stay_an_intset_until_512() {
        let mut s = SetValue::default();
        for i in 0..MAX_INTSET {
            s.add(i.to_string().as_bytes());
        }
        assert_eq!(kind(&s), "ints");
        assert!(s.contains(b"511"));
        assert!(
            !s.contains(b"0511"),
            "not canonical, so not the integer 511"
        );
        s.add(b"512");
        assert_eq!(kind(&s), "dict");
        assert_eq!(s.len(), MAX_INTSET + 1);
        assert!(s.contains(b"0") && s.contains(b"512"));
    }

    #[test]
    fn a_non_integer_moves_a_small_intset_to_a_pack_then_a_table() {
        let mut s = SetValue::default();
        s.add(b"2");
        s.add(b"1");
        s.add(b"01");
        assert_eq!(kind(&s), "pack");
        assert!(s.contains(b"1") && s.contains(b"01") && s.contains(b"2"));
        for i in 0..200 {
            s.add(format!("m{i}").as_bytes());
        }
        assert_eq!(kind(&s), "dict");
        assert_eq!(s.len(), 203);
        let mut long = SetValue::default();
        long.add(&[b'x'; pack::MAX_VALUE + 1]);
        assert_eq!(kind(&long), "dict");
    }

    #[test]
    fn algebra_results_use_the_smallest_form() {
        let a = SetValue::collect([Elem::Int(3), Elem::Int(1)]);
        let b = SetValue::collect([Elem::Int(2), Elem::Bytes(b"x")]);
        let u = Op::Union.apply(&[Some(&a), Some(&b)]);
        assert_eq!(kind(&u), "pack");
        assert_eq!(u.len(), 4);
        let i = Op::Inter.apply(&[Some(&a), Some(&u)]);
        assert_eq!(kind(&i), "ints");
        let members: Vec<_> = i.members().map(Elem::to_blob).collect();
        assert_eq!(members, ["1", "3"]);
        assert_eq!(Op::Inter.apply(&[Some(&a), None]).len(), 0);
        assert_eq!(Op::Diff.apply(&[Some(&u), Some(&a), None]).len(), 2);
    }
}
