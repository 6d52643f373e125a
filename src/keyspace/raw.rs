//! The one module with `unsafe` code: a shard's entries behind thin pointers, so that a
//! look-up goes from the index's bucket straight to the entry.
//!
//! # Why
//!
//! A key's entry has to be reachable two ways: from the hash index (every look-up) and
//! from its slot number (`SCAN`'s cursor, `RANDOMKEY`, the expiry wheel, eviction's
//! samples, the access stamps). With an index of slot numbers a look-up walks index →
//! slot → entry: one dependent cache miss more than a plain hash map, measured as a
//! quarter of a `GET`'s time at 100 k keys. Here the index and the slot vector both hold
//! the entry's address, and the entry holds its slot number, so a look-up walks index →
//! entry, and a slot number still names an entry in O(1).
//!
//! # Layout
//!
//! An entry is one heap block whose first four bytes are a little-endian *word*: the slot
//! number in the low 31 bits, and in bit 31 whether the block is a [`Boxed`] node (set)
//! or packed bytes (clear).
//!
//! * Packed: a `Box<[u8]>` holding the word, a LEB128 length `n`, then `n` bytes whose
//!   format is the caller's ([`Ref::Packed`] shows them).
//! * Boxed: a `Box<Boxed<T>>`, `#[repr(C)]` so that the word comes first.
//!
//! # Ownership
//!
//! `slots` owns every entry (one `Box` each, held as a raw pointer); `index` holds copies
//! of the same pointers. Invariant, kept by every method here: a pointer in `index` is
//! also in `slots`, at the slot number its word names, and nowhere else in `index`. So a
//! pointer read from `index` is live for as long as `&self` is borrowed, and dropping
//! `slots`' pointers frees each entry exactly once.

#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ptr::NonNull;

use hashbrown::HashTable;

/// Bit 31 of the word: the block is a [`Boxed`] node.
const BOXED: u32 = 1 << 31;
/// The largest slot number (bit 31 is the kind).
pub(crate) const MAX_SLOT: u32 = BOXED - 1;
/// Bytes of the word.
const WORD: usize = 4;

/// A node entry: the word, then the caller's `T`.
#[repr(C)]
#[derive(Clone)]
pub(crate) struct Boxed<T> {
    word: [u8; WORD],
    pub(crate) inner: T,
}

impl<T> Boxed<T> {
    pub(crate) fn new(inner: T) -> Box<Self> {
        Box::new(Boxed {
            word: BOXED.to_le_bytes(),
            inner,
        })
    }
}

impl<T> std::ops::Deref for Boxed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for Boxed<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

/// An entry out of the table: packed bytes (see [`packed`]) or a node.
#[derive(Clone)]
pub(crate) enum Owned<T> {
    Packed(Box<[u8]>),
    Boxed(Box<Boxed<T>>),
}

/// An entry seen in place: the caller's packed bytes (after the word and the length), or
/// the node's `T`.
pub(crate) enum Ref<'a, T> {
    Packed(&'a [u8]),
    Boxed(&'a T),
}

impl<T> Clone for Ref<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Ref<'_, T> {}

/// A packed block with room for `n` bytes of the caller's: the word (slot 0) and the
/// length are written; push the `n` bytes, then `into_boxed_slice`.
pub(crate) fn packed(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(WORD + varint_len(n) + n);
    out.extend_from_slice(&[0; WORD]);
    let mut v = n;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// Bytes of the word and the length before `n` bytes of the caller's.
pub(crate) fn packed_overhead(n: usize) -> usize {
    WORD + varint_len(n)
}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Reads the length after the word of a packed block: `(n, bytes it took)`. `None` if
/// `b` is not a well-formed packed block (too short, or a length that does not match).
fn packed_len(b: &[u8]) -> Option<(usize, usize)> {
    let mut n = 0usize;
    for (i, &byte) in b.get(WORD..)?.iter().enumerate().take(10) {
        n |= usize::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((n, i + 1));
        }
    }
    None
}

/// The caller's bytes of a packed block.
fn packed_rest(b: &[u8]) -> &[u8] {
    let (n, len) = packed_len(b).expect("a packed block built by `packed`");
    &b[WORD + len..][..n]
}

fn packed_rest_mut(b: &mut [u8]) -> &mut [u8] {
    let (n, len) = packed_len(b).expect("a packed block built by `packed`");
    &mut b[WORD + len..][..n]
}

impl<T> Owned<T> {
    /// The entry as [`Entries`] shows it.
    pub(crate) fn view(&self) -> Ref<'_, T> {
        match self {
            Owned::Packed(b) => Ref::Packed(packed_rest(b)),
            Owned::Boxed(n) => Ref::Boxed(&n.inner),
        }
    }

    /// The caller's bytes of a packed entry, for editing in place.
    pub(crate) fn packed_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Owned::Packed(b) => Some(packed_rest_mut(b)),
            Owned::Boxed(_) => None,
        }
    }

    /// Writes the slot number into the word.
    fn set_slot(&mut self, i: u32) {
        debug_assert!(i <= MAX_SLOT);
        match self {
            Owned::Packed(b) => b[..WORD].copy_from_slice(&(i & MAX_SLOT).to_le_bytes()),
            Owned::Boxed(n) => n.word = ((i & MAX_SLOT) | BOXED).to_le_bytes(),
        }
    }

    /// Gives up the box for its address. Panics (before giving anything up) if a packed
    /// block is not as [`packed`] builds them: its length must be readable from its
    /// bytes.
    fn into_thin(self) -> Thin {
        match self {
            Owned::Packed(b) => {
                let (n, len) = packed_len(&b).expect("a packed block built by `packed`");
                assert_eq!(b.len(), WORD + len + n, "a packed block built by `packed`");
                let p = Box::into_raw(b).cast::<u8>();
                // SAFETY: `Box::into_raw` never returns null (the block is at least
                // WORD + 1 bytes, so not a dangling zero-size pointer either).
                Thin(unsafe { NonNull::new_unchecked(p) })
            }
            Owned::Boxed(n) => Thin(NonNull::from(Box::leak(n)).cast::<u8>()),
        }
    }
}

/// The address of an entry block (owned by [`Entries::slots`]).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Thin(NonNull<u8>);

impl Thin {
    /// The block's word.
    ///
    /// # Safety
    /// `self` must point at a live entry block (made by [`Owned::into_thin`] and not yet
    /// taken back by [`Thin::into_owned`]).
    unsafe fn word(self) -> u32 {
        let mut w = [0u8; WORD];
        // SAFETY: every block starts with the WORD bytes of its word (a packed block is
        // at least that long, a `Boxed` is `repr(C)` with the word first); the caller
        // says the block is live.
        unsafe { std::ptr::copy_nonoverlapping(self.0.as_ptr(), w.as_mut_ptr(), WORD) };
        u32::from_le_bytes(w)
    }

    /// The whole packed block.
    ///
    /// # Safety
    /// As for [`word`](Self::word), and the block must be packed.
    unsafe fn packed_block<'a>(self) -> &'a [u8] {
        let p = self.0.as_ptr();
        let mut n = 0usize;
        let mut i = 0;
        loop {
            // SAFETY: `into_thin` checked that the length's bytes end (a byte without
            // bit 7) inside the block, after the word; we stop at that byte.
            let byte = unsafe { *p.add(WORD + i) };
            n |= usize::from(byte & 0x7f) << (7 * i);
            i += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        // SAFETY: `into_thin` checked that the block is exactly WORD + i + n bytes; it
        // lives (and is not written) while the caller's borrow of `Entries` lasts.
        unsafe { std::slice::from_raw_parts(p, WORD + i + n) }
    }

    /// The entry in place.
    ///
    /// # Safety
    /// As for [`word`](Self::word); the result must not outlive the block.
    unsafe fn view<'a, T>(self) -> Ref<'a, T> {
        // SAFETY: the caller's contract.
        if unsafe { self.word() } & BOXED != 0 {
            // SAFETY: a block whose word has BOXED set was a `Box<Boxed<T>>` (only
            // `Owned::Boxed` sets it); it is live, aligned, and only read meanwhile.
            Ref::Boxed(unsafe { &self.0.cast::<Boxed<T>>().as_ref().inner })
        } else {
            // SAFETY: the caller's contract; the block is packed.
            Ref::Packed(packed_rest(unsafe { self.packed_block() }))
        }
    }

    /// Takes the box back.
    ///
    /// # Safety
    /// `self` must point at a live entry block, and no other copy of it may be used
    /// afterwards (the box owns the block again).
    unsafe fn into_owned<T>(self) -> Owned<T> {
        // SAFETY: the caller's contract.
        if unsafe { self.word() } & BOXED != 0 {
            // SAFETY: it was a `Box<Boxed<T>>` leaked by `into_thin`.
            Owned::Boxed(unsafe { Box::from_raw(self.0.cast::<Boxed<T>>().as_ptr()) })
        } else {
            // SAFETY: it was a `Box<[u8]>` of exactly this length, leaked by
            // `into_thin`.
            let len = unsafe { self.packed_block() }.len();
            let raw = std::ptr::slice_from_raw_parts_mut(self.0.as_ptr(), len);
            // SAFETY: as above.
            Owned::Packed(unsafe { Box::from_raw(raw) })
        }
    }
}

/// A shard's entries: an index by hash and a vector by slot number (see the module doc).
pub(crate) struct Entries<T> {
    index: HashTable<Thin>,
    slots: Vec<Option<Thin>>,
    free: Vec<u32>,
    _owns: PhantomData<Owned<T>>,
}

// SAFETY: `Entries<T>` owns its blocks (boxes of `T` or of bytes) as `Vec<Owned<T>>`
// would; the raw pointers are never shared outside it except as borrows tied to `&self`.
unsafe impl<T: Send> Send for Entries<T> {}
// SAFETY: `&Entries<T>` only hands out `&T` and `&[u8]`.
unsafe impl<T: Sync> Sync for Entries<T> {}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            index: HashTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Entries<T> {
    fn drop(&mut self) {
        self.index.clear();
        for thin in self.slots.drain(..).flatten() {
            // SAFETY: `slots` owns each live block once; the index copies were cleared.
            drop(unsafe { thin.into_owned::<T>() });
        }
    }
}

/// Puts a panicking [`Entries::edit`]'s entry back, so the table stays whole.
struct EditGuard<'a, T> {
    entries: &'a mut Entries<T>,
    i: u32,
    hash: u64,
    old: Thin,
    slot: Option<Owned<T>>,
    rehash: &'a dyn Fn(Ref<'_, T>) -> u64,
}

impl<T> Drop for EditGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.entries
                .put_back(self.i, self.hash, self.old, slot, self.rehash);
        }
    }
}

impl<T> Entries<T> {
    /// Live entries.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Slot numbers in use or free (the range `SCAN` walks).
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Slots there is room for before the vector grows.
    pub(crate) fn slot_capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// `(index buckets, slot capacity, free-list capacity)`: what the structure
    /// allocates, for the memory count.
    pub(crate) fn capacities(&self) -> (usize, usize, usize) {
        (
            self.index.capacity(),
            self.slots.capacity(),
            self.free.capacity(),
        )
    }

    /// The entry whose hash is `hash` and for which `eq` holds, with its slot number.
    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl Fn(Ref<'_, T>) -> bool) -> Option<(u32, Ref<'_, T>)> {
        self.index
            // SAFETY: every pointer in the index is live while `self` is borrowed.
            .find(hash, |&t| eq(unsafe { t.view() }))
            // SAFETY: as above; the result borrows `self`.
            .map(|&t| unsafe { (t.word() & MAX_SLOT, t.view()) })
    }

    /// The entry in slot `i`, `None` if the slot is free or out of range.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> Option<Ref<'_, T>> {
        let t = (*self.slots.get(i as usize)?)?;
        // SAFETY: `slots` holds live blocks; the result borrows `self`.
        Some(unsafe { t.view() })
    }

    /// Stores `slot` (whose key must be absent) under `hash`, and returns its slot
    /// number. `rehash` gives an entry's hash when the index grows.
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        mut slot: Owned<T>,
        rehash: impl Fn(Ref<'_, T>) -> u64,
    ) -> u32 {
        let i = self.free.pop().unwrap_or_else(|| {
            let i = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i <= MAX_SLOT)
                .expect("a shard holds fewer than 2^31 keys");
            self.slots.push(None);
            i
        });
        slot.set_slot(i);
        let thin = slot.into_thin();
        self.slots[i as usize] = Some(thin);
        // SAFETY: the index's pointers are live (the new one is in `slots` already).
        self.index
            .insert_unique(hash, thin, |&t| rehash(unsafe { t.view() }));
        i
    }

    /// Removes the entry in slot `i` (filed under `hash`) and returns it; `None` if the
    /// slot is free.
    pub(crate) fn remove(&mut self, i: u32, hash: u64) -> Option<Owned<T>> {
        let thin = (*self.slots.get(i as usize)?)?;
        self.unindex(hash, thin);
        self.slots[i as usize] = None;
        self.free.push(i);
        // SAFETY: the block was live in `slots`; its only other copy just left the
        // index, and its slot was cleared.
        Some(unsafe { thin.into_owned() })
    }

    /// Puts `slot` (the same key) in live slot `i`, filed under `hash`, and returns the
    /// entry it held.
    pub(crate) fn replace(
        &mut self,
        i: u32,
        hash: u64,
        mut slot: Owned<T>,
        rehash: impl Fn(Ref<'_, T>) -> u64,
    ) -> Owned<T> {
        let old = self.slots[i as usize].expect("replace a live slot");
        slot.set_slot(i);
        let new = slot.into_thin();
        self.unindex(hash, old);
        self.slots[i as usize] = Some(new);
        // SAFETY: as in `insert`.
        self.index
            .insert_unique(hash, new, |&t| rehash(unsafe { t.view() }));
        // SAFETY: `old` left the index and `slots`; this is its only copy.
        unsafe { old.into_owned() }
    }

    /// Lets `f` change the entry in live slot `i` (filed under `hash`, its key
    /// unchanged). Should `f` panic, the entry as `f` left it stays in the table.
    pub(crate) fn edit<R>(
        &mut self,
        i: u32,
        hash: u64,
        rehash: &dyn Fn(Ref<'_, T>) -> u64,
        f: impl FnOnce(&mut Owned<T>) -> R,
    ) -> R {
        let old = self.slots[i as usize].expect("edit a live slot");
        // SAFETY: the block is live; until the guard puts it back, its copies in
        // `slots` and the index are not read (`self` is borrowed by the guard).
        let slot = unsafe { old.into_owned() };
        let mut guard = EditGuard {
            entries: self,
            i,
            hash,
            old,
            slot: Some(slot),
            rehash,
        };
        f(guard.slot.as_mut().expect("the entry being edited"))
    }

    /// The end of an [`edit`](Self::edit): files the (possibly moved) entry again.
    fn put_back(
        &mut self,
        i: u32,
        hash: u64,
        old: Thin,
        mut slot: Owned<T>,
        rehash: &dyn Fn(Ref<'_, T>) -> u64,
    ) {
        slot.set_slot(i);
        let new = slot.into_thin();
        if new != old {
            self.unindex(hash, old);
            self.slots[i as usize] = Some(new);
            // SAFETY: as in `insert`.
            self.index
                .insert_unique(hash, new, |&t| rehash(unsafe { t.view() }));
        }
    }

    /// Takes `thin` out of the index, where it is filed under `hash` (searching the whole
    /// index should a caller have given another hash: no pointer may stay behind).
    fn unindex(&mut self, hash: u64, thin: Thin) {
        match self.index.find_entry(hash, |&t| t == thin) {
            Ok(found) => {
                found.remove();
            }
            Err(_) => self.index.retain(|&mut t| t != thin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(bytes: &[u8]) -> Owned<String> {
        let mut b = packed(bytes.len());
        b.extend_from_slice(bytes);
        Owned::Packed(b.into_boxed_slice())
    }

    fn key(r: Ref<'_, String>) -> Vec<u8> {
        match r {
            Ref::Packed(b) => b.to_vec(),
            Ref::Boxed(s) => s.as_bytes().to_vec(),
        }
    }

    fn h(k: &[u8]) -> u64 {
        k.iter().fold(7u64, |a, &b| a.wrapping_mul(31).wrapping_add(u64::from(b)))
    }

    fn rehash(r: Ref<'_, String>) -> u64 {
        h(&key(r))
    }

    fn find(e: &Entries<String>, k: &[u8]) -> Option<u32> {
        e.find(h(k), |r| key(r) == k).map(|(i, _)| i)
    }

    #[test]
    fn entries_are_found_by_key_and_by_slot_across_growth() {
        let mut e = Entries::<String>::default();
        let mut slots = Vec::new();
        for n in 0..2000 {
            let k = format!("key:{n}");
            let slot = if n % 3 == 0 {
                Owned::Boxed(Boxed::new(k.clone()))
            } else {
                // Long ones take a two-byte length.
                let k = if n % 7 == 0 { k.repeat(40) } else { k.clone() };
                pack(k.as_bytes())
            };
            let kk = key(slot.view());
            slots.push((e.insert(h(&kk), slot, rehash), kk));
        }
        assert_eq!(e.len(), 2000);
        for (i, k) in &slots {
            assert_eq!(find(&e, k), Some(*i));
            assert_eq!(key(e.get(*i).unwrap()), *k);
        }
        for (i, k) in slots.iter().step_by(2) {
            let old = e.remove(*i, h(k)).unwrap();
            assert_eq!(key(old.view()), *k);
            assert!(e.get(*i).is_none());
            assert!(find(&e, k).is_none());
        }
        assert_eq!(e.len(), 1000);
        assert!(e.remove(slots[0].0, 0).is_none(), "a free slot");
        let reused = e.insert(h(b"new"), pack(b"new"), rehash);
        assert_eq!(reused, slots[1998].0, "the last freed slot is reused first");
        assert_eq!(find(&e, b"new"), Some(reused));
    }

    #[test]
    fn replace_and_edit_move_entries_and_keep_the_index() {
        let mut e = Entries::<String>::default();
        let i = e.insert(h(b"abc"), pack(b"abc"), rehash);
        let old = e.replace(i, h(b"abc"), Owned::Boxed(Boxed::new("abc".into())), rehash);
        assert!(matches!(old, Owned::Packed(_)));
        assert!(matches!(e.get(i), Some(Ref::Boxed(_))));
        assert_eq!(find(&e, b"abc"), Some(i));
        // An edit that moves the entry to a new block.
        e.edit(i, h(b"abc"), &rehash, |slot| *slot = pack(b"abc"));
        assert!(matches!(e.get(i), Some(Ref::Packed(b"abc"))));
        assert_eq!(find(&e, b"abc"), Some(i));
        // An edit in place.
        e.edit(i, h(b"abc"), &rehash, |slot| {
            slot.packed_mut().unwrap().copy_from_slice(b"abd");
        });
        assert!(matches!(e.get(i), Some(Ref::Packed(b"abd"))));
        // A wrong hash still leaves no stale pointer behind.
        let old = e.remove(i, 12345).unwrap();
        assert_eq!(key(old.view()), b"abd");
        assert_eq!(e.len(), 0);
    }

    #[test]
    fn a_panicking_edit_leaves_the_entry_in_place() {
        let mut e = Entries::<String>::default();
        let i = e.insert(h(b"k"), Owned::Boxed(Boxed::new("k".into())), rehash);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            e.edit(i, h(b"k"), &rehash, |slot| {
                *slot = pack(b"k");
                panic!("in the middle");
            });
        }));
        assert!(caught.is_err());
        assert!(matches!(e.get(i), Some(Ref::Packed(b"k"))));
        assert_eq!(find(&e, b"k"), Some(i));
    }

    #[test]
    #[should_panic(expected = "a packed block built by `packed`")]
    fn a_malformed_packed_block_is_refused_before_it_is_stored() {
        let mut e = Entries::<String>::default();
        let mut b = packed(3);
        b.extend_from_slice(b"toolong");
        e.insert(0, Owned::Packed(b.into_boxed_slice()), rehash);
    }
}
