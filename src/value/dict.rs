//! `Dict`: the hash table behind large hashes and sets (Redis's `dict.c`).
//!
//! Entries live in a slot vector; a [`SlotIndex`] of tagged slot numbers (8 bytes a
//! word) finds them by key: a hit reads one index line and the slot. The
//! slot vector is there for two reasons:
//!
//! * **Scanning.** `HSCAN`/`SSCAN` walk slot numbers from the top down; the cursor is
//!   the number of slots still to visit. An entry never moves except *downwards* (see
//!   compaction), so one present for the whole walk is returned at least once, however
//!   the table grows or shrinks meanwhile — Redis's guarantee, without its
//!   reverse-binary cursor.
//! * **Random picks** (`SPOP`, `SRANDMEMBER`, `HRANDFIELD`) draw a slot number and
//!   retry on a hole. At least a quarter of the slots of an indexed table are live
//!   (below, the table is compacted), and a tagged one has at most [`SMALL`] slots, so
//!   a pick costs O(1) expected and `count` distinct picks O(count).
//!
//! Removal frees a slot for reuse. When fewer than a quarter of the slots are live, the
//! top entries move down into the lowest holes and the vector is truncated: amortised
//! O(1), and downward moves keep the scan guarantee (a moved entry may be seen twice,
//! never missed).
//!
//! A table of at most [`SMALL`] slots keeps, instead of the index, a one-byte tag per
//! slot in the table itself (which sits in its value, in the line the keyspace's look-up
//! has just read): a look-up compares the tags at once and reads the one slot whose tag
//! matches, where the index costs a dependent read of its own line first. Such a table
//! allocates no index; the index is built when the table outgrows [`SMALL`] slots, and
//! dropped when compaction brings it back within them.
//!
//! Keys are hashed with a seed drawn at random once per process (as Redis hashes every
//! dict with one process-wide key), so user-chosen members cannot flood one bucket; a
//! table carries no hasher of its own, and is small enough to sit inline in its value
//! (a look-up into a hash or set follows no pointer to reach the table).

use rand::Rng;

use crate::Blob;
use crate::mem::Heap;

use super::slot_index::{self, SlotIndex};

type KeyHasher = crate::blob::Seeded;

/// The seed every table hashes its keys with (see the module's notes).
#[inline]
fn key_hasher() -> &'static KeyHasher {
    static SEED: std::sync::OnceLock<KeyHasher> = std::sync::OnceLock::new();
    SEED.get_or_init(|| KeyHasher::with_seed(rand::random()))
}

/// The fewest entries a non-empty table has room for (Redis's dicts start with four
/// buckets): a hash that leaves its compact form for a long value and grows by a field
/// at a time then moves its slots twice fewer (each move a `realloc` and a copy: 1,490
/// to 1,413 instructions per `HSET` into ten-field hashes).
const MIN_CAPACITY: usize = 4;

/// The most slots a table keeps tags for instead of an index (see the module's notes).
pub(crate) const SMALL: usize = 16;

/// What finds a table's free slots, and, while it is small, its keys.
#[derive(Clone)]
enum Aux {
    /// At most [`SMALL`] slots and no index: each slot's tag ([`tag_of`]), 0 if free.
    Tags([u8; SMALL]),
    /// The index holds every live slot; these are the free ones.
    Free(Vec<u32>),
}

/// A slot's tag: seven bits of its key's hash, and the high bit so that it is never 0.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // the top seven bits
fn tag_of(hash: u64) -> u8 {
    0x80 | (hash >> 57) as u8
}

/// Every byte of a `u128` set to `b`. (Tags are read as a little-endian `u128` on every
/// target, so that byte `i` of the word is slot `i`'s tag.)
#[inline(always)]
fn splat(b: u8) -> u128 {
    u128::from(b) * (u128::MAX / 255)
}

/// The high bit of each byte of `x` that is 0 (and possibly of bytes above one that is:
/// callers check each candidate).
#[inline(always)]
fn zero_bytes(x: u128) -> u128 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// A hash table from byte-string keys to `V` with stable, scannable slots.
#[derive(Clone)]
pub(crate) struct Dict<V> {
    /// Empty while the table is small (see [`Aux`]).
    index: SlotIndex,
    slots: Vec<Option<(Blob, V)>>,
    aux: Aux,
    /// Heap bytes owned by the keys and values (see `mem.rs`).
    heap: usize,
}

impl<V: Heap> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict").field("len", &self.len()).finish()
    }
}

impl<V: Heap> Default for Dict<V> {
    fn default() -> Self {
        Dict::with_capacity(0)
    }
}

impl<V: Heap> Dict<V> {
    /// A table with room for `n` entries; for at least [`MIN_CAPACITY`] unless empty.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let n = if n == 0 { 0 } else { n.max(MIN_CAPACITY) };
        let small = n <= SMALL;
        Dict {
            index: if small {
                SlotIndex::default()
            } else {
                SlotIndex::with_capacity(n)
            },
            slots: Vec::with_capacity(n),
            aux: if small {
                Aux::Tags([0; SMALL])
            } else {
                Aux::Free(Vec::new())
            },
            heap: 0,
        }
    }

    /// Bytes this table allocates, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        crate::mem::vec_bytes::<u64>(self.index.words())
            + crate::mem::vec_bytes::<Option<(Blob, V)>>(self.slots.capacity())
            + match &self.aux {
                Aux::Tags(_) => 0,
                Aux::Free(free) => crate::mem::vec_bytes::<u32>(free.capacity()),
            }
            + self.heap
    }

    pub(crate) fn len(&self) -> usize {
        match &self.aux {
            Aux::Tags(tags) => (u128::from_le_bytes(*tags) & splat(0x80)).count_ones() as usize,
            Aux::Free(_) => self.index.len(),
        }
    }

    #[inline(always)]
    #[allow(clippy::unused_self)] // every table shares the process's seed
    fn hash(&self, key: &[u8]) -> u64 {
        crate::blob::hash_bytes(key_hasher(), key)
    }

    #[inline(always)]
    fn find(&self, key: &[u8]) -> Option<u32> {
        self.find_hashed(self.hash(key), key)
    }

    #[inline(always)]
    fn find_hashed(&self, hash: u64, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        let is_key = |i: u32| {
            slots[i as usize]
                .as_ref()
                .is_some_and(|(k, _)| crate::blob::same_bytes(k, key))
        };
        match &self.aux {
            Aux::Tags(tags) => {
                let mut candidates = zero_bytes(u128::from_le_bytes(*tags) ^ splat(tag_of(hash)));
                while candidates != 0 {
                    let i = candidates.trailing_zeros() / 8;
                    if tags[i as usize] == tag_of(hash) && is_key(i) {
                        return Some(i);
                    }
                    candidates &= candidates - 1;
                }
                None
            }
            Aux::Free(_) => self.index.find(hash, is_key),
        }
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key).map(|i| &self.entry(i).1)
    }

    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// The entry in slot `i`, which must be live.
    pub(crate) fn entry(&self, i: u32) -> &(Blob, V) {
        match &self.slots[i as usize] {
            Some(e) => e,
            None => unreachable!("slot {i} is free"),
        }
    }

    /// Inserts `key` with the value `make` returns if absent, else lets `update` change
    /// the present value. Returns `true` if the key was new.
    pub(crate) fn upsert(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> V,
        update: impl FnOnce(&mut V),
    ) -> bool {
        let hash = self.hash(key);
        if let Some(i) = self.find_hashed(hash, key) {
            if let Some((_, v)) = &mut self.slots[i as usize] {
                self.heap -= v.heap();
                update(v);
                self.heap += v.heap();
            }
            return false;
        }
        let item = (Blob::copy_from_slice(key), make());
        self.heap += item.0.heap() + item.1.heap();
        let item = Some(item);
        if let Aux::Tags(tags) = &mut self.aux {
            // A free slot below the top, else a new one while there is room for it.
            let free = zero_bytes(u128::from_le_bytes(*tags)).trailing_zeros() as usize / 8;
            let i = free.min(self.slots.len());
            if i < SMALL {
                tags[i] = tag_of(hash);
                if i == self.slots.len() {
                    self.slots.push(item);
                } else {
                    self.slots[i] = item;
                }
                return true;
            }
            self.index_all();
        }
        let Aux::Free(free) = &mut self.aux else {
            unreachable!("indexed above")
        };
        let i = if let Some(i) = free.pop() {
            self.slots[i as usize] = item;
            i
        } else {
            assert!(
                self.slots.len() < slot_index::MAX_SLOTS,
                "fewer than 2^32 - 1 entries"
            );
            crate::raw::push_preferring_huge(&mut self.slots, item);
            u32::try_from(self.slots.len() - 1).expect("checked above")
        };
        self.index.reserve_one();
        self.index.insert(hash, i);
        true
    }

    /// Leaves the tags for an index of every live slot (the table outgrows them).
    #[cold]
    fn index_all(&mut self) {
        let mut index = SlotIndex::with_capacity(self.slots.capacity().max(SMALL + 1));
        let mut free = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let i = u32::try_from(i).expect("slot numbers are u32");
            match slot {
                Some((k, _)) => {
                    index.reserve_one();
                    index.insert(self.hash(k), i);
                }
                None => free.push(i),
            }
        }
        self.index = index;
        self.aux = Aux::Free(free);
    }

    /// Leaves the index for tags (the table is back within [`SMALL`] slots).
    #[cold]
    fn tag_all(&mut self) {
        debug_assert!(self.slots.len() <= SMALL);
        let mut tags = [0; SMALL];
        for (tag, slot) in tags.iter_mut().zip(&self.slots) {
            if let Some((k, _)) = slot {
                *tag = tag_of(self.hash(k));
            }
        }
        self.index = SlotIndex::default();
        self.aux = Aux::Tags(tags);
    }

    /// Inserts or replaces; `true` if the key was new.
    pub(crate) fn insert(&mut self, key: &[u8], value: V) -> bool {
        let value = std::cell::Cell::new(Some(value));
        self.upsert(
            key,
            || value.take().expect("taken once"),
            |v| {
                if let Some(new) = value.take() {
                    *v = new;
                }
            },
        )
    }

    /// Removes `key`, returning its value.
    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<V> {
        let i = self.find(key)?;
        Some(self.remove_slot(i).1)
    }

    /// Removes the entry in live slot `i`.
    pub(crate) fn remove_slot(&mut self, i: u32) -> (Blob, V) {
        let (key, value) = self.slots[i as usize].take().expect("a live slot");
        self.heap -= key.heap() + value.heap();
        if let Aux::Tags(tags) = &mut self.aux {
            tags[i as usize] = 0;
            // Free slots at the top go (no entry moves: a scan misses nothing).
            while self.slots.last().is_some_and(Option::is_none) {
                self.slots.pop();
            }
            return (key, value);
        }
        let hash = self.hash(&key);
        self.index.remove(hash, i);
        if let Aux::Free(free) = &mut self.aux {
            free.push(i);
        }
        if self.len() * 4 < self.slots.len() {
            self.compact();
        }
        (key, value)
    }

    /// Moves the top entries down into the lowest holes and drops the free tail.
    fn compact(&mut self) {
        let Aux::Free(free) = &mut self.aux else {
            return;
        };
        let mut holes = std::mem::take(free);
        holes.sort_unstable();
        let mut top = self.slots.len();
        for hole in holes {
            while top > 0 && self.slots[top - 1].is_none() {
                top -= 1;
            }
            if hole as usize >= top {
                break;
            }
            let from = u32::try_from(top - 1).expect("slot numbers are u32");
            let entry = self.slots[top - 1].take();
            if let Some((key, _)) = &entry {
                let hash = self.hash(key);
                self.index.renumber(hash, from, hole);
            }
            self.slots[hole as usize] = entry;
            top -= 1;
        }
        while top > 0 && self.slots[top - 1].is_none() {
            top -= 1;
        }
        self.slots.truncate(top);
        self.slots.shrink_to(top * 2);
        if self.slots.len() <= SMALL {
            self.tag_all();
        } else {
            self.index.shrink();
        }
    }

    /// The entries in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Blob, &V)> + '_ {
        self.slots.iter().flatten().map(|(k, v)| (k, v))
    }

    /// Visits entries from slot `cursor` down (0: from the top) until `count` live ones
    /// were seen; returns the cursor to continue from, 0 when done.
    pub(crate) fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&Blob, &V)) -> u64 {
        let mut at = match usize::try_from(cursor) {
            Ok(0) | Err(_) => self.slots.len(),
            Ok(c) => c.min(self.slots.len()),
        };
        let mut seen = 0;
        while at > 0 && seen < count {
            at -= 1;
            if let Some((k, v)) = &self.slots[at] {
                f(k, v);
                seen += 1;
            }
        }
        at as u64
    }

    /// A live slot chosen uniformly at random; the table must not be empty.
    pub(crate) fn random_slot(&self, rng: &mut impl Rng) -> u32 {
        debug_assert!(self.len() > 0);
        loop {
            let i = rng.gen_range(0..self.slots.len());
            if self.slots[i].is_some() {
                return u32::try_from(i).expect("slot numbers are u32");
            }
        }
    }

    /// `k` distinct live slots chosen uniformly at random (all of them, shuffled, if
    /// `k >= len`), in O(k) expected time.
    pub(crate) fn random_slots(&self, rng: &mut impl Rng, k: usize) -> Vec<u32> {
        if k.saturating_mul(2) >= self.len() {
            let mut live: Vec<u32> = (0..self.slots.len())
                .filter(|&i| self.slots[i].is_some())
                .map(|i| u32::try_from(i).expect("slot numbers are u32"))
                .collect();
            let k = k.min(live.len());
            for i in 0..k {
                let j = rng.gen_range(i..live.len());
                live.swap(i, j);
            }
            live.truncate(k);
            live
        } else {
            let mut chosen = hashbrown::HashSet::with_capacity(k);
            let mut out = Vec::with_capacity(k);
            while out.len() < k {
                let i = self.random_slot(rng);
                if chosen.insert(i) {
                    out.push(i);
                }
            }
            out
        }
    }

    #[cfg(test)]
    fn check(&self) {
        self.index.check();
        let live = self.slots.iter().filter(|s| s.is_some()).count();
        assert_eq!(live, self.len());
        match &self.aux {
            Aux::Tags(tags) => {
                assert!(self.slots.len() <= SMALL);
                assert_eq!(self.index.words(), 0, "no index beside the tags");
                for (i, tag) in tags.iter().enumerate() {
                    match self.slots.get(i) {
                        Some(Some((k, _))) => assert_eq!(*tag, tag_of(self.hash(k))),
                        _ => assert_eq!(*tag, 0, "slot {i} is free"),
                    }
                }
                assert!(self.slots.last().is_none_or(Option::is_some));
            }
            Aux::Free(free) => {
                assert_eq!(self.index.len(), live);
                assert_eq!(free.len(), self.slots.len() - live);
                assert!(self.slots.is_empty() || live * 4 >= self.slots.len());
            }
        }
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some((k, _)) = slot {
                assert_eq!(self.find(k), Some(u32::try_from(i).unwrap()));
            }
        }
        let heap: usize = self.iter().map(|(k, v)| k.heap() + v.heap()).sum();
        assert_eq!(heap, self.heap, "heap bytes counted");
    }
}

/// How many random elements to pick, and whether one may be picked twice
/// ([`srandmember_count`](crate::Sets::srandmember_count),
/// [`hrandfield_count`](crate::Hashes::hrandfield_count),
/// [`zrandmember_count`](crate::ZSets::zrandmember_count) and their `WITH…` forms).
///
/// Redis says this with the sign of `count`: `SRANDMEMBER key 3` is `Distinct(3)`,
/// `SRANDMEMBER key -3` is `Repeated(3)`.
///
/// # Examples
///
/// ```
/// use embedis::Picks;
/// let store = embedis::Store::new();
/// store.sets().sadd("s", ["a", "b"])?;
/// assert_eq!(store.sets().srandmember_count("s", Picks::Distinct(5))?.len(), 2);
/// assert_eq!(store.sets().srandmember_count("s", Picks::Repeated(5))?.len(), 5);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Picks {
    /// Up to this many different elements: all of them if there are fewer (Redis's
    /// count `n >= 0`).
    Distinct(usize),
    /// Exactly this many elements (none from a missing key), each drawn on its own, so
    /// one may come up more than once (Redis's count `-n`).
    Repeated(usize),
}

impl Picks {
    /// The picks, refused with [`Error::OutOfRange`](crate::Error::OutOfRange) if more
    /// than `max_repeated` repeated ones are asked for (a reply larger than the store's
    /// maximum string size): the reply is built in memory, so its size is bounded like a
    /// string's, and this is checked before anything is allocated.
    pub(crate) fn bounded(self, max_repeated: usize) -> crate::Result<Picks> {
        match self {
            Picks::Repeated(n) if n > max_repeated => Err(crate::Error::OutOfRange),
            picks => Ok(picks),
        }
    }

    /// How many picks are asked for, whatever their kind.
    pub(crate) fn count(self) -> usize {
        match self {
            Picks::Distinct(n) | Picks::Repeated(n) => n,
        }
    }

    /// An empty vector with room for the picks from `len` elements, or
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) if memory cannot hold them.
    pub(crate) fn output<T>(self, len: usize) -> crate::Result<Vec<T>> {
        let n = match self {
            Picks::Distinct(n) => n.min(len),
            Picks::Repeated(n) => n,
        };
        let mut out = Vec::new();
        out.try_reserve_exact(n)
            .map_err(|_| crate::Error::OutOfRange)?;
        Ok(out)
    }

    /// Positions among `len` elements stored in order (a compact form), drawn as asked.
    pub(crate) fn positions(self, rng: &mut impl Rng, len: usize) -> crate::Result<Vec<usize>> {
        let mut out = self.output(len)?;
        if len == 0 {
            return Ok(out);
        }
        match self {
            Picks::Distinct(k) => {
                let mut all: Vec<usize> = (0..len).collect();
                for i in 0..k.min(len) {
                    let j = rng.gen_range(i..len);
                    all.swap(i, j);
                    out.push(all[i]);
                }
            }
            Picks::Repeated(k) => out.extend((0..k).map(|_| rng.gen_range(0..len))),
        }
        Ok(out)
    }
}

impl<V: Heap> Dict<V> {
    /// Live slots drawn as `picks` asks, in O(picks) expected time.
    pub(crate) fn pick_slots(&self, rng: &mut impl Rng, picks: Picks) -> crate::Result<Vec<u32>> {
        let mut out = picks.output(self.len())?;
        if self.len() == 0 {
            return Ok(out);
        }
        match picks {
            Picks::Distinct(k) => out.extend(self.random_slots(rng, k)),
            Picks::Repeated(k) => out.extend((0..k).map(|_| self.random_slot(rng))),
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    #[test]
    fn inserts_updates_and_removes_keep_the_index_true() {
        let mut d: Dict<u32> = Dict::default();
        for i in 0..1000u32 {
            assert!(d.insert(i.to_string().as_bytes(), i));
        }
        assert!(!d.insert(b"7", 70));
        assert_eq!(d.get(b"7"), Some(&70));
        d.check();
        for i in (0..1000u32).filter(|i| i % 10 != 0) {
            assert_eq!(
                d.remove(i.to_string().as_bytes()),
                Some(if i == 7 { 70 } else { i })
            );
            d.check();
        }
        assert_eq!(d.len(), 100);
        assert!(d.slots.len() <= 400, "compacted to {} slots", d.slots.len());
        for i in (0..1000u32).step_by(10) {
            assert_eq!(d.get(i.to_string().as_bytes()), Some(&i));
        }
    }

    #[test]
    fn a_new_table_has_room_for_four_and_an_empty_one_allocates_nothing() {
        let empty: Dict<()> = Dict::with_capacity(0);
        assert_eq!(empty.mem(), 0);
        let mut d: Dict<()> = Dict::with_capacity(1);
        let slots = d.slots.as_ptr();
        for i in 0..MIN_CAPACITY {
            d.insert(format!("f{i}").as_bytes(), ());
        }
        assert_eq!(d.slots.as_ptr(), slots, "no slot moved");
        d.check();
    }

    #[test]
    fn a_small_table_finds_by_tags_until_it_outgrows_them_and_again_after() {
        let key = |round: u32, i: u32| format!("field:{round}:{i}");
        let small = u32::try_from(SMALL).unwrap();
        for round in 0..40u32 {
            let mut d: Dict<u32> = Dict::with_capacity(1);
            for i in 0..small {
                assert!(d.insert(key(round, i).as_bytes(), i));
                d.check();
            }
            assert!(matches!(d.aux, Aux::Tags(_)), "16 slots keep their tags");
            assert_eq!(d.index.words(), 0);
            // Tags of seven bits collide among 16 keys and with absent ones: only the
            // key decides.
            for i in 0..small {
                assert_eq!(d.get(key(round, i).as_bytes()), Some(&i));
            }
            for i in 0..300 {
                assert_eq!(d.get(key(round + 1000, i).as_bytes()), None);
            }
            // A freed slot is taken again, then the table outgrows the tags.
            assert_eq!(d.remove(key(round, 3).as_bytes()), Some(3));
            assert!(!d.contains(key(round, 3).as_bytes()));
            assert!(d.insert(b"again", 99));
            assert_eq!(d.slots.len(), SMALL);
            assert!(d.insert(b"one more", 100));
            d.check();
            assert!(matches!(d.aux, Aux::Free(_)), "17 slots have an index");
            assert_eq!(d.len(), SMALL + 1);
            for i in (0..small).filter(|&i| i != 3) {
                assert_eq!(d.get(key(round, i).as_bytes()), Some(&i));
            }
            // Compaction (under a quarter live) back within 16 slots returns to tags.
            for i in (0..small).filter(|&i| i != 3 && i % 8 != 0) {
                assert_eq!(d.remove(key(round, i).as_bytes()), Some(i));
                d.check();
            }
            assert!(matches!(d.aux, Aux::Tags(_)));
            assert_eq!(d.slots.len(), 4);
            for i in (0..small).step_by(8) {
                assert_eq!(d.get(key(round, i).as_bytes()), Some(&i));
            }
            assert_eq!(d.get(b"again"), Some(&99));
            assert_eq!(d.get(b"one more"), Some(&100));
            assert_eq!(d.len(), 4);
            // Removing the top slots shortens the table; removing all empties it.
            for k in ["again", "one more"] {
                d.remove(k.as_bytes());
            }
            for i in (0..small).step_by(8) {
                d.remove(key(round, i).as_bytes());
                d.check();
            }
            assert!(d.slots.is_empty());
            assert_eq!(d.len(), 0);
        }
    }

    #[test]
    fn scan_returns_every_entry_present_throughout_while_the_table_churns() {
        let mut d: Dict<()> = Dict::default();
        for i in 0..500 {
            d.insert(format!("keep{i}").as_bytes(), ());
        }
        for i in 0..2000 {
            d.insert(format!("tmp{i}").as_bytes(), ());
        }
        let mut seen = hashbrown::HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan(cursor, 7, |k, ()| {
                seen.insert(k.to_vec());
            });
            // Between steps: delete temporaries (forcing compactions) and add others.
            for j in 0..40 {
                d.remove(format!("tmp{}", step * 40 + j).as_bytes());
            }
            d.insert(format!("new{step}").as_bytes(), ());
            step += 1;
            if cursor == 0 {
                break;
            }
        }
        d.check();
        for i in 0..500 {
            assert!(
                seen.contains(format!("keep{i}").as_bytes()),
                "keep{i} missed"
            );
        }
    }

    #[test]
    fn random_slots_are_distinct_and_cover_small_tables() {
        let mut d: Dict<()> = Dict::default();
        for i in 0..100 {
            d.insert(format!("m{i}").as_bytes(), ());
        }
        let mut rng = SmallRng::seed_from_u64(7);
        for k in [0, 1, 10, 49, 50, 99, 100, 1000] {
            let picks = d.random_slots(&mut rng, k);
            assert_eq!(picks.len(), k.min(100));
            let distinct: hashbrown::HashSet<_> = picks.iter().collect();
            assert_eq!(distinct.len(), picks.len());
        }
    }
}
