//! `SlotIndex`: from a key's hash to the number of the slot that holds it, for the
//! tables that keep their entries in a vector of slots ([`Dict`](super::dict::Dict), the
//! sorted set's skiplist arena).
//!
//! An open-addressing table of 8-byte words, probed linearly. A word holds 32 bits of
//! the key's hash (its *tag*) and the slot number plus one (0 is an empty word). The
//! home of a word is the top bits of its tag, so the table can grow, shrink and delete
//! without hashing a key again or reading the slots.
//!
//! # Why not a `hashbrown` table
//!
//! A `HashTable<u32>` keeps its control bytes and its slot numbers apart: a look-up
//! reads a control line, then the slot number's line, then the slot — three dependent
//! cache misses in a large table. Here the tag and the slot number share a word, so a
//! hit costs the word's line and the slot's, and a miss (which a tag rejects) the
//! word's line alone: what a map holding its entries inline costs.
//!
//! The load stays at most 3/4 (the table doubles at that, and is fitted again when it
//! falls below 3/16), so a failed look-up probes about 3 words on average just after a
//! doubling and about 8 at the most crowded, most often within one or two lines. Deletion shifts the
//! following words back (no tombstones), so look-ups never slow down with churn.

/// Slot numbers are below this: the word holds the slot plus one in 32 bits, and the
/// table (at most 3/4 full) then needs at most 2^32 words, the most a 32-bit tag can
/// place.
pub(crate) const MAX_SLOTS: usize = 3 << 30;

#[derive(Clone, Default)]
pub(crate) struct SlotIndex {
    /// Empty (0) or `tag << 32 | (slot + 1)`; the length is 0 or a power of two.
    words: Vec<u64>,
    /// Entries (below `MAX_SLOTS`, so 32 bits: the table sits inline in a `Dict`).
    len: u32,
    /// `32 - log2(words.len())`: a tag's home is `tag >> shift`.
    shift: u32,
}

/// The tag of a hash: its high 32 bits (`hashbrown`'s hashers mix them as well as the
/// low ones).
#[inline]
#[allow(clippy::cast_possible_truncation)] // the high half
fn tag_of(hash: u64) -> u32 {
    (hash >> 32) as u32
}

#[inline]
fn word_tag(word: u64) -> u32 {
    tag_of(word)
}

#[inline]
#[allow(clippy::cast_possible_truncation)] // the low half
fn word_slot(word: u64) -> u32 {
    // The low half is slot + 1, and never 0 in a full word.
    (word as u32).wrapping_sub(1)
}

#[inline]
fn make_word(tag: u32, slot: u32) -> u64 {
    debug_assert!((slot as usize) < MAX_SLOTS);
    (u64::from(tag) << 32) | u64::from(slot + 1)
}

impl std::fmt::Debug for SlotIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotIndex")
            .field("len", &self.len)
            .field("words", &self.words.len())
            .finish_non_exhaustive()
    }
}

impl SlotIndex {
    /// An index with room for `n` entries before it grows.
    pub(crate) fn with_capacity(n: usize) -> SlotIndex {
        let mut index = SlotIndex::default();
        if n > 0 {
            index.rebuild(words_for(n));
        }
        index
    }

    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// The words allocated (for memory accounting).
    pub(crate) fn words(&self) -> usize {
        self.words.capacity()
    }

    #[inline]
    fn mask(&self) -> usize {
        self.words.len() - 1
    }

    #[inline]
    fn home(&self, tag: u32) -> usize {
        // `shift` is 32 for a table of one word: `checked_shr` gives home 0.
        tag.checked_shr(self.shift).unwrap_or(0) as usize
    }

    /// The slot whose key `is_key` accepts among those with `hash`.
    #[inline(always)]
    pub(crate) fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let tag = tag_of(hash);
        let mask = self.mask();
        let mut at = self.home(tag);
        loop {
            let word = self.words[at];
            if word == 0 {
                return None;
            }
            if word_tag(word) == tag && is_key(word_slot(word)) {
                return Some(word_slot(word));
            }
            at = (at + 1) & mask;
        }
    }

    /// Where a new entry with `hash` goes: call before [`insert`](Self::insert) (it may
    /// grow the table, which moves words).
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        if (self.len() + 1) * 4 > self.words.len() * 3 {
            self.rebuild(words_for(self.len() + 1).max(self.words.len() * 2));
        }
    }

    /// Adds `slot` under `hash`; the key must not be in the index, and
    /// [`reserve_one`](Self::reserve_one) must have been called.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64, slot: u32) {
        debug_assert!((self.len() + 1) * 4 <= self.words.len() * 3);
        let tag = tag_of(hash);
        let mask = self.mask();
        let mut at = self.home(tag);
        while self.words[at] != 0 {
            at = (at + 1) & mask;
        }
        self.words[at] = make_word(tag, slot);
        self.len += 1;
    }

    /// The position of the word for `slot` under `hash`.
    fn position(&self, hash: u64, slot: u32) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let want = make_word(tag_of(hash), slot);
        let mask = self.mask();
        let mut at = self.home(tag_of(hash));
        loop {
            match self.words[at] {
                0 => return None,
                w if w == want => return Some(at),
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Removes `slot` (filed under `hash`); `false` if it was not there (a caller's
    /// mistake, which debug builds stop at).
    pub(crate) fn remove(&mut self, hash: u64, slot: u32) -> bool {
        let Some(mut hole) = self.position(hash, slot) else {
            debug_assert!(false, "slot {slot} is not in the index");
            return false;
        };
        // Backward shift: move each following word of the run into the hole if the hole
        // lies between its home and where it is (cyclically), so no look-up that passes
        // the hole stops short of it.
        let mask = self.mask();
        let mut at = hole;
        loop {
            at = (at + 1) & mask;
            let word = self.words[at];
            if word == 0 {
                break;
            }
            let from_home = at.wrapping_sub(self.home(word_tag(word))) & mask;
            if from_home >= (at.wrapping_sub(hole) & mask) {
                self.words[hole] = word;
                hole = at;
            }
        }
        self.words[hole] = 0;
        self.len -= 1;
        true
    }

    /// Files the entry of `from` (under `hash`) as `to` instead.
    pub(crate) fn renumber(&mut self, hash: u64, from: u32, to: u32) {
        match self.position(hash, from) {
            Some(at) => self.words[at] = make_word(tag_of(hash), to),
            None => debug_assert!(false, "slot {from} is not in the index"),
        }
    }

    /// Fits the table to its entries once it is at most a quarter of the size it would
    /// shrink from (not at once: an insert and a removal at a doubling's edge would
    /// rebuild it each time).
    pub(crate) fn shrink(&mut self) {
        let fit = words_for(self.len());
        if fit * 2 <= self.words.len() {
            self.rebuild(fit);
        }
    }

    /// Moves every word into a table of `n` words (a power of two, or 0).
    fn rebuild(&mut self, n: usize) {
        debug_assert!(n <= 1 << 32, "a 32-bit tag places at most 2^32 words");
        let old = std::mem::replace(&mut self.words, vec![0; n]);
        crate::raw::prefer_huge_pages(&self.words);
        self.shift = 32 - n.max(1).trailing_zeros();
        if n == 0 {
            return;
        }
        let mask = self.mask();
        for word in old.into_iter().filter(|&w| w != 0) {
            let mut at = self.home(word_tag(word));
            while self.words[at] != 0 {
                at = (at + 1) & mask;
            }
            self.words[at] = word;
        }
    }

    /// The slot numbers, in no particular order.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.words
            .iter()
            .filter(|&&w| w != 0)
            .map(|&w| word_slot(w))
    }

    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn check(&self) {
        let full = self.words.iter().filter(|&&w| w != 0).count();
        assert_eq!(full, self.len());
        assert!(self.words.is_empty() || self.len() * 4 <= self.words.len() * 3);
        // Every word is reachable from its home without crossing an empty word.
        let mask = self.words.len().wrapping_sub(1);
        for (i, &w) in self.words.iter().enumerate().filter(|(_, w)| **w != 0) {
            let mut at = self.home(word_tag(w));
            while at != i {
                assert_ne!(self.words[at], 0, "word {i} cut off from its home");
                at = (at + 1) & mask;
            }
        }
    }
}

/// The words a table of `n` entries needs: a power of two at most 3/4 full (at least 8,
/// a line's worth, when not empty).
fn words_for(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n * 4).div_ceil(3).next_power_of_two().max(8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(i: u64) -> u64 {
        // Spread the test keys over the tag bits (and collide some on purpose).
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ((i % 7) << 40)
    }

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let mut index = SlotIndex::default();
        for i in 0..1000u32 {
            index.reserve_one();
            index.insert(hash(u64::from(i)), i);
        }
        index.check();
        for i in 0..1000u32 {
            assert_eq!(index.find(hash(u64::from(i)), |s| s == i), Some(i));
        }
        assert_eq!(index.find(hash(5000), |_| true), None);
    }

    #[test]
    fn deletion_keeps_every_run_reachable() {
        let mut index = SlotIndex::default();
        // Many entries with one tag: one long run, deleted from the middle out.
        for i in 0..200u32 {
            index.reserve_one();
            index.insert(
                if i % 3 == 0 {
                    42 << 32
                } else {
                    hash(u64::from(i))
                },
                i,
            );
        }
        for i in (0..200u32).filter(|i| i % 2 == 0) {
            let h = if i % 3 == 0 {
                42 << 32
            } else {
                hash(u64::from(i))
            };
            assert!(index.remove(h, i));
            assert_eq!(index.find(h, |s| s == i), None, "removed");
            index.check();
        }
        for i in (0..200u32).filter(|i| i % 2 == 1) {
            let h = if i % 3 == 0 {
                42 << 32
            } else {
                hash(u64::from(i))
            };
            assert_eq!(index.find(h, |s| s == i), Some(i));
        }
        index.shrink();
        index.check();
        assert_eq!(index.len(), 100);
        assert!(index.words() <= 256);
    }

    #[test]
    fn renumbering_and_wrapping_runs() {
        let mut index = SlotIndex::with_capacity(4);
        // Tags whose home is the last word: the run wraps to the start.
        let last = u64::MAX << 32;
        for i in 0..5u32 {
            index.reserve_one();
            index.insert(last, i);
        }
        index.check();
        index.renumber(last, 3, 30);
        assert_eq!(index.find(last, |s| s == 30), Some(30));
        assert_eq!(index.find(last, |s| s == 3), None);
        assert!(index.remove(last, 0));
        index.check();
        for s in [1, 2, 30, 4] {
            assert_eq!(index.find(last, |x| x == s), Some(s));
        }
    }

    #[test]
    fn random_churn_matches_a_model() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(19);
        let mut index = SlotIndex::default();
        // slot -> hash; a few tags only, so runs are long and wrap.
        let mut model = std::collections::BTreeMap::<u32, u64>::new();
        let mut next = 0u32;
        for step in 0..20_000u32 {
            match rng.gen_range(0..10) {
                0..=4 => {
                    let hash = (u64::from(rng.gen_range(0..64u32)) << 58) | u64::from(step);
                    index.reserve_one();
                    index.insert(hash, next);
                    model.insert(next, hash);
                    next += 1;
                }
                5..=7 if !model.is_empty() => {
                    let k = rng.gen_range(0..model.len());
                    let (&slot, &hash) = model.iter().nth(k).unwrap();
                    assert!(index.remove(hash, slot));
                    model.remove(&slot);
                }
                8 if !model.is_empty() => {
                    let k = rng.gen_range(0..model.len());
                    let (&slot, &hash) = model.iter().nth(k).unwrap();
                    index.renumber(hash, slot, next);
                    model.remove(&slot);
                    model.insert(next, hash);
                    next += 1;
                }
                _ => index.shrink(),
            }
            if step % 997 == 0 {
                index.check();
            }
        }
        index.check();
        assert_eq!(index.len(), model.len());
        for (&slot, &hash) in &model {
            assert_eq!(index.find(hash, |s| s == slot), Some(slot));
        }
        let mut slots: Vec<u32> = index.slots().collect();
        slots.sort_unstable();
        assert!(slots.iter().eq(model.keys()));
    }

    #[test]
    fn a_run_that_wraps_closes_over_a_hole_before_it() {
        // 8 words: a word at home 6, then a run from home 7 that wraps to word 0.
        let mut index = SlotIndex::with_capacity(4);
        let at = |home: u64| (home << 29) << 32;
        for (hash, slot) in [(at(6), 0), (at(7), 1), (at(7), 2)] {
            index.reserve_one();
            index.insert(hash, slot);
        }
        assert!(index.remove(at(6), 0));
        index.check();
        assert_eq!(index.find(at(7), |s| s == 1), Some(1));
        assert_eq!(index.find(at(7), |s| s == 2), Some(2));
    }

    #[test]
    fn small_tables_stay_whole_through_churn() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut index = SlotIndex::default();
        let mut live: Vec<(u32, u64)> = Vec::new();
        for slot in 0..5_000u32 {
            if live.len() < 6 && rng.gen_bool(0.6) {
                // Homes over all 8 words, so runs wrap.
                let hash = u64::from(rng.r#gen::<u32>()) << 32;
                index.reserve_one();
                index.insert(hash, slot);
                live.push((slot, hash));
            } else if !live.is_empty() {
                let (s, hash) = live.swap_remove(rng.gen_range(0..live.len()));
                assert!(index.remove(hash, s));
            }
            index.check();
            for &(s, hash) in &live {
                assert_eq!(index.find(hash, |x| x == s), Some(s));
            }
        }
    }
}
