//! `SortedSet`: the value half of a sorted set — everything the commands need, in
//! terms of ranks.
//!
//! Two forms, converted transparently on the way up (as Redis's listpack and skiplist
//! encodings, with its thresholds `zset-max-listpack-entries` 128 and
//! `zset-max-listpack-value` 64):
//!
//! * **Small**: at most [`MAX_ENTRIES`] members of at most [`MAX_VALUE`] bytes, in one
//!   sorted vector. Every operation is a binary search or a short linear scan, with no
//!   per-member allocation (a short member is inline in its `Member`).
//! * **Big**: a [`SkipList`] (order and ranks) plus a [`SlotIndex`] of node numbers
//!   keyed by member (lookups), with a per-set random hasher. Members live once, in the
//!   skiplist's arena.
//!
//! Every range command reduces to a range of ranks: a score or lex bound becomes the
//! number of elements before it ([`SortedSet::count_while`]), a `LIMIT` or `REV` is
//! arithmetic on ranks, and the elements are then visited or removed by rank.

mod member;
mod skiplist;
#[cfg(feature = "fuzzing")]
pub(crate) use skiplist::check as skiplist_check;

use std::ops::Range;

use super::pack::{MAX_ENTRIES, MAX_VALUE};
use super::slot_index::SlotIndex;
use crate::Blob;
use crate::mem::Heap;
use member::Member;
pub(crate) use skiplist::Lazy;
use skiplist::{SkipList, precedes};

type MemberHasher = hashbrown::DefaultHashBuilder;
/// A move along level 0 of a skiplist.
type Step = fn(&SkipList, u32) -> Option<u32>;

/// A sorted set's members with their scores, ordered by `(score, member)`.
#[derive(Debug, Clone)]
pub(crate) enum SortedSet {
    Small(Vec<(Member, f64)>),
    Big(Box<Big>),
}

/// The small form's bytes. Out of line: its loop would otherwise swell `Value::mem`,
/// which every collection write calls twice (30 instructions a call for a list, 20 of
/// them saving and restoring registers for this loop).
#[inline(never)]
#[allow(clippy::ptr_arg)] // the capacity is counted
fn small_mem(v: &Vec<(Member, f64)>) -> usize {
    crate::mem::vec_bytes::<(Member, f64)>(v.capacity())
        + v.iter().map(|(m, _)| m.heap()).sum::<usize>()
}

impl Default for SortedSet {
    fn default() -> Self {
        SortedSet::Small(Vec::new())
    }
}

/// The large form: order in the skiplist, lookups through the index.
#[derive(Debug, Clone)]
pub(crate) struct Big {
    list: SkipList,
    index: SlotIndex,
    hasher: MemberHasher,
}

impl Big {
    fn new() -> Self {
        Big {
            list: SkipList::new(),
            index: SlotIndex::default(),
            hasher: MemberHasher::default(),
        }
    }

    fn hash(&self, member: &[u8]) -> u64 {
        crate::blob::hash_bytes(&self.hasher, member)
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        self.find_hashed(self.hash(member), member)
    }

    fn find_hashed(&self, hash: u64, member: &[u8]) -> Option<u32> {
        let list = &self.list;
        self.index
            .find(hash, |x| crate::blob::same_bytes(list.member(x), member))
    }

    fn insert_new(&mut self, member: Member, score: f64) {
        self.insert_hashed(self.hash(&member), member, score);
    }

    /// Inserts a member known to be absent, whose hash is `hash`.
    fn insert_hashed(&mut self, hash: u64, member: Member, score: f64) {
        self.index.reserve_one();
        let x = self.list.insert(score, member);
        self.index.insert(hash, x);
    }

    fn unindex(&mut self, member: &[u8], x: u32) {
        unindex(&mut self.index, self.hasher, member, x);
    }

    /// Compacts the skiplist if removals left it sparse, following its moves.
    fn compact(&mut self) {
        let Big {
            list,
            index,
            hasher,
        } = self;
        let mut moves = Vec::new();
        list.compact_if_sparse(|from, to| moves.push((from, to)));
        for (from, to) in moves {
            index.renumber(crate::blob::hash_bytes(hasher, list.member(to)), from, to);
        }
        index.shrink();
    }
}

/// Drops the index entry of `member`, stored in node `x`.
fn unindex(index: &mut SlotIndex, hasher: MemberHasher, member: &[u8], x: u32) {
    index.remove(crate::blob::hash_bytes(&hasher, member), x);
}

/// A score as the small form stores it: -0 as 0, as Redis's listpack (which stores an
/// integral score as an integer).
#[allow(clippy::float_cmp)] // -0 == 0
fn small_score(s: f64) -> f64 {
    if s == 0.0 { 0.0 } else { s }
}

/// Whether a member of this length can stay in the small form.
fn fits_small(member: &[u8]) -> bool {
    member.len() <= MAX_VALUE
}

impl SortedSet {
    /// A set of `members`, which must be sorted and distinct, in the form its size
    /// calls for.
    pub(crate) fn from_sorted(members: Vec<(Blob, f64)>) -> SortedSet {
        let small = members.iter().all(|(m, _)| fits_small(m));
        Self::from_sorted_as(members, small)
    }

    /// [`from_sorted`](Self::from_sorted), in the small form whatever the members'
    /// lengths if `small` and there are at most [`MAX_ENTRIES`] (a listpack Redis
    /// loads keeps its encoding however long its members: only its count is checked).
    pub(crate) fn from_sorted_as(members: Vec<(Blob, f64)>, small: bool) -> SortedSet {
        if small && members.len() <= MAX_ENTRIES {
            let members = members
                .into_iter()
                .map(|(m, s)| (Member::new(&m), small_score(s)));
            return SortedSet::Small(members.collect());
        }
        let mut big = Big::new();
        for (m, s) in members {
            big.insert_new(Member::new(&m), s);
        }
        SortedSet::Big(Box::new(big))
    }

    /// Bytes this set allocates (see `mem.rs`): O(1) for the large form, a walk of at
    /// most `MAX_ENTRIES` members for the small one.
    pub(crate) fn mem(&self) -> usize {
        match self {
            SortedSet::Small(v) => small_mem(v),
            SortedSet::Big(b) => {
                std::mem::size_of::<Big>()
                    + b.list.mem()
                    + crate::mem::vec_bytes::<u64>(b.index.words())
            }
        }
    }

    /// Whether the set is in its small form (Redis's listpack encoding).
    pub(crate) fn is_small(&self) -> bool {
        matches!(self, SortedSet::Small(_))
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            SortedSet::Small(v) => v.len(),
            SortedSet::Big(b) => b.list.len(),
        }
    }

    /// The score of `member`.
    pub(crate) fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            SortedSet::Small(v) => v.iter().find(|(m, _)| &m[..] == member).map(|e| e.1),
            SortedSet::Big(b) => b.find(member).map(|x| b.list.score(x)),
        }
    }

    /// Makes a small set a skiplist (`zsetConvert` to `OBJ_ENCODING_SKIPLIST`), as
    /// `SORT` does to the sorted set it reads; it stays one.
    pub(crate) fn grow(&mut self) {
        if let SortedSet::Small(v) = self {
            let mut big = Big::new();
            for (m, s) in std::mem::take(v) {
                big.insert_new(m, s);
            }
            *self = SortedSet::Big(Box::new(big));
        }
    }

    /// Looks `member` up once and gives it the score `decide` returns given the current
    /// one (`None`: absent), or leaves it as it is if `decide` returns `None`. Returns
    /// the score before and after.
    pub(crate) fn upsert<E>(
        &mut self,
        member: &[u8],
        decide: impl FnOnce(Option<f64>) -> Result<Option<f64>, E>,
    ) -> Result<(Option<f64>, Option<f64>), E> {
        if let SortedSet::Small(v) = self {
            let at = v.iter().position(|(m, _)| &m[..] == member);
            let old = at.map(|i| v[i].1);
            let Some(new) = decide(old)? else {
                return Ok((old, old));
            };
            let stored = small_score(new);
            match at {
                Some(i) if old == Some(stored) => {
                    v[i].1 = stored;
                }
                Some(i) => {
                    let (m, _) = v.remove(i);
                    let to = v.partition_point(|(bm, bs)| precedes(*bs, bm, stored, &m));
                    v.insert(to, (m, stored));
                }
                None if v.len() < MAX_ENTRIES && fits_small(member) => {
                    let to = v.partition_point(|(bm, bs)| precedes(*bs, bm, stored, member));
                    v.insert(to, (Member::new(member), stored));
                }
                None => {
                    self.grow();
                    if let SortedSet::Big(b) = self {
                        b.insert_new(Member::new(member), new);
                    }
                }
            }
            return Ok((old, Some(new)));
        }
        let SortedSet::Big(b) = self else {
            unreachable!("the small form returned above")
        };
        let hash = b.hash(member);
        if let Some(x) = b.find_hashed(hash, member) {
            let old = b.list.score(x);
            let Some(new) = decide(Some(old))? else {
                return Ok((Some(old), Some(old)));
            };
            // -0 and 0 are the same place; keep the new sign as Redis does.
            if new.to_bits() != old.to_bits() {
                b.list.set_score(x, new);
            }
            return Ok((Some(old), Some(new)));
        }
        let Some(new) = decide(None)? else {
            return Ok((None, None));
        };
        b.insert_hashed(hash, Member::new(member), new);
        Ok((None, Some(new)))
    }

    /// Removes `member`, returning its score. Call [`shrink`](Self::shrink) after a
    /// batch of removals.
    pub(crate) fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            SortedSet::Small(v) => {
                let i = v.iter().position(|(m, _)| &m[..] == member)?;
                Some(v.remove(i).1)
            }
            SortedSet::Big(b) => {
                let x = b.find(member)?;
                b.unindex(member, x);
                Some(b.list.remove(x).1)
            }
        }
    }

    /// Gives memory back after removals.
    pub(crate) fn shrink(&mut self) {
        match self {
            SortedSet::Small(v) => {
                if v.capacity() > v.len() * 2 + 4 {
                    v.shrink_to_fit();
                }
            }
            SortedSet::Big(b) => b.compact(),
        }
    }

    /// The 0-based rank and score of `member`.
    pub(crate) fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match self {
            SortedSet::Small(v) => v
                .iter()
                .position(|(m, _)| &m[..] == member)
                .map(|i| (i, v[i].1)),
            SortedSet::Big(b) => b.find(member).map(|x| (b.list.rank(x), b.list.score(x))),
        }
    }

    /// How many elements, from the first, satisfy `before(score, member)` (which must
    /// hold for a prefix of the order; the member is read only if asked for).
    pub(crate) fn count_while(&self, before: impl Fn(f64, Lazy<'_>) -> bool) -> usize {
        match self {
            SortedSet::Small(v) => v.partition_point(|(m, s)| before(*s, Lazy::Bytes(m))),
            SortedSet::Big(b) => b.list.count_while(before).0,
        }
    }

    /// Visits a range given by its ends rather than by ranks, the way `ZRANGEBYSCORE`
    /// reads: forward from the first element not `before` the range, or (`rev`)
    /// backward from the last element `upto` its end; skipping `skip` elements, then
    /// visiting at most `take` while they stay in the range. One descent, where ranks
    /// would take three.
    #[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
    pub(crate) fn walk(
        &self,
        before: impl Fn(f64, Lazy<'_>) -> bool,
        upto: impl Fn(f64, Lazy<'_>) -> bool,
        rev: bool,
        skip: usize,
        take: usize,
        mut f: impl FnMut(&[u8], f64),
    ) {
        let inside = |s: f64, m: Lazy<'_>| {
            if rev { !before(s, m) } else { upto(s, m) }
        };
        match self {
            SortedSet::Small(v) => {
                let ranks = if rev {
                    let end = v.partition_point(|(m, s)| upto(*s, Lazy::Bytes(m)));
                    let start = end.saturating_sub(skip);
                    Box::new((0..start).rev()) as Box<dyn Iterator<Item = usize>>
                } else {
                    let start = v.partition_point(|(m, s)| before(*s, Lazy::Bytes(m)));
                    Box::new(start.saturating_add(skip)..v.len())
                };
                for i in ranks.take(take) {
                    let (m, s) = (&v[i].0, v[i].1);
                    if !inside(s, Lazy::Bytes(m)) {
                        break;
                    }
                    f(m, s);
                }
            }
            SortedSet::Big(b) => {
                let list = &b.list;
                let (passed, found) = list.count_while(if rev {
                    &upto as &dyn Fn(f64, Lazy<'_>) -> bool
                } else {
                    &before
                });
                // The first element to visit, by rank in the visiting direction.
                let (mut x, step): (Option<u32>, Step) = if rev {
                    let x = match skip {
                        0 => found,
                        _ if skip >= passed => None,
                        _ => Some(list.at_rank(passed - 1 - skip)),
                    };
                    (x, SkipList::prev)
                } else {
                    let x = match skip {
                        0 => found.map_or_else(|| list.first(), |x| list.next(x)),
                        _ if passed.saturating_add(skip) >= list.len() => None,
                        _ => Some(list.at_rank(passed + skip)),
                    };
                    (x, SkipList::next)
                };
                for _ in 0..take {
                    let Some(node) = x else { break };
                    let s = list.score(node);
                    if !inside(s, Lazy::Node(list, node)) {
                        break;
                    }
                    f(list.member(node), s);
                    x = step(list, node);
                }
            }
        }
    }

    /// The element at 0-based rank `r < len`.
    pub(crate) fn at(&self, r: usize) -> (&[u8], f64) {
        match self {
            SortedSet::Small(v) => (&v[r].0, v[r].1),
            SortedSet::Big(b) => {
                let x = b.list.at_rank(r);
                (b.list.member(x), b.list.score(x))
            }
        }
    }

    /// Visits the elements of ranks `ranks` in order, or in reverse order if `rev`.
    pub(crate) fn visit(&self, ranks: Range<usize>, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        let ranks = ranks.start..ranks.end.min(self.len());
        if ranks.is_empty() {
            return;
        }
        match self {
            SortedSet::Small(v) => {
                let slice = &v[ranks];
                if rev {
                    slice.iter().rev().for_each(|(m, s)| f(m, *s));
                } else {
                    for (m, s) in slice {
                        f(m, *s);
                    }
                }
            }
            SortedSet::Big(b) => {
                let list = &b.list;
                let (first, step): (usize, Step) = if rev {
                    (ranks.end - 1, SkipList::prev)
                } else {
                    (ranks.start, SkipList::next)
                };
                let mut x = Some(list.at_rank(first));
                for _ in ranks {
                    let Some(node) = x else { break };
                    f(list.member(node), list.score(node));
                    x = step(list, node);
                }
            }
        }
    }

    /// Every element in order.
    pub(crate) fn for_each(&self, f: impl FnMut(&[u8], f64)) {
        self.visit(0..self.len(), false, f);
    }

    /// Removes the elements of ranks `ranks`, handing each to `f` in order.
    pub(crate) fn remove_ranks(&mut self, ranks: Range<usize>, mut f: impl FnMut(Blob, f64)) {
        let ranks = ranks.start..ranks.end.min(self.len());
        if ranks.is_empty() {
            return;
        }
        match self {
            SortedSet::Small(v) => v.drain(ranks).for_each(|(m, s)| f(m.to_blob(), s)),
            SortedSet::Big(b) => {
                let Big {
                    list,
                    index,
                    hasher,
                } = &mut **b;
                list.remove_ranks(ranks.start, ranks.end, |x, m, s| {
                    unindex(index, *hasher, &m, x);
                    f(m.to_blob(), s);
                });
                b.compact();
            }
        }
    }

    /// A `ZSCAN` step: up to about `count` elements from `cursor` (0 to start), and the
    /// next cursor (0 when done). The small form is returned whole.
    pub(crate) fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match self {
            SortedSet::Small(v) => {
                for (m, s) in v {
                    f(m, *s);
                }
                0
            }
            SortedSet::Big(b) => {
                let list = &b.list;
                let mut at = match usize::try_from(cursor) {
                    Ok(0) | Err(_) => list.slots(),
                    Ok(c) => c.min(list.slots()),
                };
                let mut seen = 0;
                while at > 0 && seen < count {
                    at -= 1;
                    if let Some(x) = list.slot(at) {
                        f(list.member(x), list.score(x));
                        seen += 1;
                    }
                }
                at as u64
            }
        }
    }

    /// Panics unless the value is consistent (tests and fuzzing).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn check(&self) {
        match self {
            SortedSet::Small(v) => {
                assert!(v.len() <= MAX_ENTRIES);
                assert!(
                    v.windows(2)
                        .all(|w| precedes(w[0].1, &w[0].0, w[1].1, &w[1].0))
                );
            }
            SortedSet::Big(b) => {
                b.list.check_invariants();
                assert_eq!(b.index.len(), b.list.len());
                b.index.check();
                for x in b.index.slots() {
                    assert_eq!(b.find(b.list.member(x)), Some(x));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn sorted(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
        v
    }

    fn contents(z: &SortedSet) -> Vec<(Vec<u8>, f64)> {
        let mut v = Vec::new();
        z.for_each(|m, s| v.push((m.to_vec(), s)));
        v
    }

    #[test]
    fn random_edits_agree_with_a_map_across_both_forms() {
        let mut rng = SmallRng::seed_from_u64(5);
        let mut z = SortedSet::default();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut was_big = false;
        for step in 0..4000 {
            let member = format!("member{}", rng.gen_range(0..400)).into_bytes();
            let score = f64::from(rng.gen_range(-50..50)) / 2.0;
            let op = if step < 2000 {
                rng.gen_range(0..3)
            } else {
                rng.gen_range(0..6)
            };
            match op {
                0 | 1 => {
                    let (old, new) = z.upsert(&member, |_| Ok::<_, ()>(Some(score))).unwrap();
                    assert_eq!(old, model.insert(member, score));
                    assert_eq!(new, Some(score));
                }
                2 | 3 => {
                    assert_eq!(z.remove(&member), model.remove(&member));
                    z.shrink();
                }
                4 => {
                    let expected = sorted(&model);
                    let a = rng.gen_range(0..=expected.len());
                    let b = (a + rng.gen_range(0..8)).min(expected.len());
                    let mut got = Vec::new();
                    z.remove_ranks(a..b, |m, s| got.push((m.to_vec(), s)));
                    assert_eq!(got, expected[a..b]);
                    for (m, _) in &got {
                        model.remove(m);
                    }
                }
                _ => {
                    let expected = sorted(&model);
                    if let Some(i) =
                        (!expected.is_empty()).then(|| rng.gen_range(0..expected.len()))
                    {
                        let (m, s) = &expected[i];
                        assert_eq!(z.rank(m), Some((i, *s)));
                        assert_eq!(z.at(i).0.to_vec(), *m);
                        let below = z.count_while(|x, _| x < *s);
                        assert_eq!(below, expected.iter().filter(|e| e.1 < *s).count());
                    }
                }
            }
            was_big |= matches!(z, SortedSet::Big(_));
            z.check();
            assert_eq!(z.len(), model.len());
            if step % 50 == 0 {
                assert_eq!(contents(&z), sorted(&model));
            }
        }
        assert!(was_big, "the set grew past the small form");
    }

    #[test]
    fn a_long_member_converts_to_the_big_form() {
        let mut z = SortedSet::default();
        z.upsert(b"short", |_| Ok::<_, ()>(Some(1.0))).unwrap();
        assert!(matches!(z, SortedSet::Small(_)));
        z.upsert(&[b'x'; 65], |_| Ok::<_, ()>(Some(0.0))).unwrap();
        assert!(matches!(z, SortedSet::Big(_)));
        z.check();
        assert_eq!(z.rank(b"short"), Some((1, 1.0)));
    }

    #[test]
    fn a_failed_decision_changes_nothing() {
        let mut z = SortedSet::default();
        z.upsert(b"a", |_| Ok::<_, ()>(Some(1.0))).unwrap();
        assert_eq!(z.upsert(b"a", |_| Err::<Option<f64>, _>("nan")), Err("nan"));
        assert_eq!(z.score(b"a"), Some(1.0));
    }

    #[test]
    fn scan_returns_every_member_present_throughout_while_the_set_churns() {
        let mut z = SortedSet::default();
        for i in 0..500 {
            z.upsert(format!("keep{i}").as_bytes(), |_| {
                Ok::<_, ()>(Some(f64::from(i)))
            })
            .unwrap();
        }
        for i in 0..2000 {
            z.upsert(format!("tmp{i}").as_bytes(), |_| {
                Ok::<_, ()>(Some(f64::from(i)))
            })
            .unwrap();
        }
        let mut seen = hashbrown::HashSet::new();
        let (mut cursor, mut step) = (0, 0);
        loop {
            cursor = z.scan(cursor, 7, |m, _| {
                seen.insert(m.to_vec());
            });
            for j in 0..40 {
                z.remove(format!("tmp{}", step * 40 + j).as_bytes());
            }
            z.shrink();
            z.upsert(format!("new{step}").as_bytes(), |_| Ok::<_, ()>(Some(0.5)))
                .unwrap();
            step += 1;
            if cursor == 0 {
                break;
            }
        }
        z.check();
        for i in 0..500 {
            assert!(
                seen.contains(format!("keep{i}").as_bytes()),
                "keep{i} missed"
            );
        }
    }
}
