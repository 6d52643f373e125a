//! The one module with `unsafe` code: a shard's entries in a chained hash table whose
//! buckets point straight at the entries, and whose entries hold the chain.
//!
//! # Why
//!
//! A look-up should cost what a plain hash map's does: one miss for the bucket, one for
//! the entry. An index of slot numbers into a vector of entries costs a miss more, and an
//! open-addressing index of addresses needs that vector anyway (for `SCAN`'s cursor, which
//! must survive the index growing), so it pays 25 bytes a key in pointers. Chaining, as
//! Redis's `dict` does, needs neither: a bucket is 8 bytes, the entry carries its chain
//! link, and `SCAN` walks buckets with Redis's reverse-binary cursor, which returns every
//! entry present throughout however the table grows in between.
//!
//! # Layout
//!
//! An entry is one heap block, aligned to 8, that starts with a [`Header`]: the address of
//! the next entry in its bucket's chain, then a word holding in bit 31 whether the block
//! is a [`Boxed`] node (set) or packed bytes (clear), and in bits 0–30 the caller's stamp
//! (see [`Ref::stamp`]), then a packed block's count of holders.
//!
//! * Packed ([`Packed`]): the header, a LEB128 length `n`, then `n` bytes whose format is
//!   the caller's ([`Body::Packed`] shows them).
//! * Boxed: a `Box<Boxed<T>>`, `#[repr(C)]` so that the header comes first.
//!
//! # Ownership
//!
//! Each live entry is owned by the table through exactly one link: a bucket, or the
//! `next` of the entry before it in the same chain. Links are written only through
//! `&mut Entries`, so a [`Ref`] (which borrows the table) always points at a live block.
//! A [`Handle`] is an entry's address kept across calls: it is only ever compared with the
//! links of a chain, never followed, so a stale one finds nothing — or, if the address
//! was reused, the live entry now there. Callers keep handles only while they hold the
//! table, and drop them when they remove the entry.

#![allow(unsafe_code)]

use std::alloc::Layout;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering, fence};

use crate::varint::{varint_bytes, varint_len};

/// Bit 31 of the word: the block is a [`Boxed`] node.
const BOXED: u32 = 1 << 31;
/// The caller's bits of the word.
pub(crate) const STAMP_MASK: u32 = BOXED - 1;
/// Alignment of every block (the header's link).
const ALIGN: usize = 8;
/// The most buckets a table has: wheel records name a bucket by 32 bits of hash.
const MAX_BUCKETS: usize = 1 << 31;

/// The start of every block, boxed or packed (a boxed block does not use the count).
#[repr(C)]
struct Header {
    next: Option<Thin>,
    word: AtomicU32,
    /// A packed block's holders (see the module doc); 1 and unused in a boxed one.
    holders: AtomicU32,
}

impl Header {
    const fn new(word: u32) -> Header {
        Header {
            next: None,
            word: AtomicU32::new(word),
            holders: AtomicU32::new(1),
        }
    }
}

/// Bytes of the header.
const HEAD: usize = 16;
/// More holders than this abort the process (as `Arc`'s count does), long before the
/// count could wrap.
const MAX_HOLDERS: u32 = i32::MAX as u32;

/// A node entry: the header, then the caller's `T`.
#[repr(C)]
pub(crate) struct Boxed<T> {
    header: Header,
    pub(crate) inner: T,
}

impl<T> Boxed<T> {
    #[allow(clippy::unnecessary_box_returns)] // a node lives boxed, in the table
    pub(crate) fn new(inner: T) -> Box<Self> {
        Box::new(Boxed {
            header: Header::new(BOXED),
            inner,
        })
    }
}

impl<T: Clone> Clone for Boxed<T> {
    fn clone(&self) -> Self {
        Boxed {
            header: Header::new(self.header.word.load(Ordering::Relaxed)),
            inner: self.inner.clone(),
        }
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

/// A packed block out of the table: the header, a length `n` and `n` bytes of the
/// caller's.
pub(crate) struct Packed(NonNull<u8>);

// SAFETY: `Packed` holds its block as an `Arc<[u8]>` would: its bytes are written only
// through `&mut` while it is the only holder, and its count is atomic.
unsafe impl Send for Packed {}
// SAFETY: `&Packed` gives out only `&[u8]` and atomic loads.
unsafe impl Sync for Packed {}

/// Bytes a packed block of `n` caller's bytes allocates.
pub(crate) fn packed_size(n: usize) -> usize {
    (HEAD + varint_len(n))
        .checked_add(n)
        .expect("a packed entry's size fits a usize")
}

fn packed_layout(n: usize) -> Layout {
    Layout::from_size_align(packed_size(n), ALIGN).expect("a packed entry's size fits a layout")
}

impl Packed {
    /// A block whose caller's bytes are `parts`, one after another. Every byte of it is
    /// written here, so it is allocated without zeroing: glibc's `calloc` skips the
    /// per-thread cache that `malloc` and `free` use, and took a third of a new key's
    /// write.
    pub(crate) fn from_parts(parts: &[&[u8]]) -> Packed {
        // Saturating: a sum past usize::MAX fails `packed_layout`'s size check.
        let n = parts
            .iter()
            .fold(0usize, |n, part| n.saturating_add(part.len()));
        let layout = packed_layout(n);
        // SAFETY: the layout's size is at least HEAD + 1, not zero.
        let p = unsafe { std::alloc::alloc(layout) };
        let Some(p) = NonNull::new(p) else {
            std::alloc::handle_alloc_error(layout)
        };
        let (len, len_bytes) = varint_bytes(n);
        // SAFETY: the block has HEAD + len_bytes + n bytes (`packed_size`), which these
        // writes cover exactly, each in bounds and none overlapping a source (the block
        // is new and nothing else refers to it). The header is aligned (blocks are
        // aligned to 8) and HEAD bytes long: no next entry, a packed word with stamp 0,
        // one holder.
        unsafe {
            p.cast::<Header>().write(Header::new(0));
            let mut at = p.as_ptr().add(HEAD);
            std::ptr::copy_nonoverlapping(len.as_ptr(), at, len_bytes);
            at = at.add(len_bytes);
            for part in parts {
                std::ptr::copy_nonoverlapping(part.as_ptr(), at, part.len());
                at = at.add(part.len());
            }
        }
        Packed(p)
    }

    /// A block holding a copy of `bytes`.
    pub(crate) fn copy_of(bytes: &[u8]) -> Packed {
        Packed::from_parts(&[bytes])
    }

    /// The caller's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the block is live and owned by `self`.
        unsafe { packed_bytes(self.0) }
    }

    /// The caller's bytes, for editing in place; `None` while a [`Share`] holds them.
    #[cfg(test)]
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        // SAFETY: the block is live; `&mut self` borrows it exclusively, and a count of
        // one holder (ours) means no share reads it.
        Thin(self.0)
            .sole_holder()
            .then(|| unsafe { packed_bytes_mut(self.0) })
    }

    fn into_thin(self) -> Thin {
        let thin = Thin(self.0);
        std::mem::forget(self);
        thin
    }
}

impl Drop for Packed {
    fn drop(&mut self) {
        // SAFETY: `self` is one holder of the block, given up here.
        unsafe { release(Thin(self.0)) };
    }
}

/// Lets go of one holder's claim on the packed block `block`, freeing it with the last.
///
/// # Safety
/// The caller must be a holder (a [`Packed`] or a [`Share`]) that gives its claim up:
/// it does not touch the block afterwards.
#[inline]
unsafe fn release(block: Thin) {
    let holders = block.holders();
    // A count of one is the caller alone, and none can be added then: a new holder is
    // made only from a borrow of one (a `Ref` borrows its table or `Packed`, a share is
    // cloned from a share). The Acquire load orders every read of a share dropped before
    // (its Release decrement) before the free, as the fence does after a decrement.
    if holders.load(Ordering::Acquire) != 1 {
        if holders.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
    }
    // SAFETY: the last holder: the block is live and nothing else refers to it.
    let n = unsafe { packed_bytes(block.0) }.len();
    // SAFETY: the block was allocated by `Packed::from_parts` with this layout.
    unsafe { std::alloc::dealloc(block.0.as_ptr(), packed_layout(n)) };
}

/// A holder of part of a packed block's bytes, out of any borrow (see the module doc):
/// what a read hands out instead of a copy.
pub(crate) struct Share {
    block: Thin,
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a share gives out only `&[u8]` of bytes no one writes while it holds them, and
// its count is atomic.
unsafe impl Send for Share {}
// SAFETY: as above.
unsafe impl Sync for Share {}

impl std::ops::Deref for Share {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr + len` lies in the caller's bytes of the block (`Part`
        // checked it), which lives while we hold it and is not written while shared
        // (bytes change in place only under a count of one).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Clone for Share {
    fn clone(&self) -> Self {
        self.block.hold();
        Share { ..*self }
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        // SAFETY: `self` is a holder, given up here.
        unsafe { release(self.block) };
    }
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Share({:?})", &**self)
    }
}

/// Caller's bytes of a packed entry, borrowed with it (what [`Body::Packed`] shows):
/// they read as a `&[u8]`, and [`share`](Self::share) keeps them past the borrow.
#[derive(Clone, Copy)]
pub(crate) struct Part<'a> {
    block: Thin,
    bytes: &'a [u8],
}

impl<'a> Part<'a> {
    /// The bytes, for the borrow's life.
    #[inline(always)]
    pub(crate) fn bytes(self) -> &'a [u8] {
        self.bytes
    }

    /// The bytes from `at` on (`None` past their end).
    #[inline(always)]
    pub(crate) fn tail(self, at: usize) -> Option<Part<'a>> {
        Some(Part {
            block: self.block,
            bytes: self.bytes.get(at..)?,
        })
    }

    /// Bytes the block these bytes are part of allocates (what a share of them keeps
    /// alive).
    #[inline]
    pub(crate) fn block_size(self) -> usize {
        // SAFETY: the block is live (borrowed for `'a`) and not written meanwhile.
        packed_size(unsafe { packed_bytes(self.block.0) }.len())
    }

    /// A holder of these bytes, for as long as the caller likes.
    #[inline]
    pub(crate) fn share(self) -> Share {
        // The borrow keeps a holder alive while the count goes up.
        self.block.hold();
        Share {
            block: self.block,
            ptr: NonNull::from(self.bytes).cast(),
            len: self.bytes.len(),
        }
    }
}

impl std::ops::Deref for Part<'_> {
    type Target = [u8];

    #[inline(always)]
    fn deref(&self) -> &[u8] {
        self.bytes
    }
}

impl std::fmt::Debug for Part<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.bytes.fmt(f)
    }
}

impl Clone for Packed {
    fn clone(&self) -> Self {
        let copy = Packed::copy_of(self.bytes());
        Ref::<()>::new(Thin(copy.0)).set_stamp(Ref::<()>::new(Thin(self.0)).stamp());
        copy
    }
}

/// Reads the caller's bytes of the packed block at `p`.
///
/// # Safety
/// `p` must point at a live packed block (made by [`Packed::from_parts`]), not written while the
/// result lives.
#[inline(always)]
unsafe fn packed_bytes<'a>(p: NonNull<u8>) -> &'a [u8] {
    let p = p.as_ptr();
    // SAFETY: `Packed::from_parts` wrote a complete length after the header, at least one byte.
    let first = unsafe { *p.add(HEAD) };
    if first & 0x80 == 0 {
        // SAFETY: the block is exactly HEAD + 1 + first bytes (`packed_layout(first)`).
        return unsafe { std::slice::from_raw_parts(p.add(HEAD + 1), usize::from(first)) };
    }
    let mut n = 0usize;
    let mut i = 0;
    loop {
        // SAFETY: `Packed::from_parts` wrote a complete length after the header; we stop at its
        // last byte (the one without bit 7).
        let byte = unsafe { *p.add(HEAD + i) };
        n |= usize::from(byte & 0x7f) << (7 * i);
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
    }
    // SAFETY: the block is exactly HEAD + i + n bytes (`packed_layout(n)`).
    unsafe { std::slice::from_raw_parts(p.add(HEAD + i), n) }
}

/// [`packed_bytes`], writable.
///
/// # Safety
///
/// As for [`packed_bytes`], and nothing else may read or write the block while the
/// slice lives.
unsafe fn packed_bytes_mut<'a>(p: NonNull<u8>) -> &'a mut [u8] {
    let (at, n) = {
        // SAFETY: the caller's promise.
        let b = unsafe { packed_bytes(p) };
        // The caller's bytes end the block.
        (b.as_ptr() as usize - p.as_ptr() as usize, b.len())
    };
    // SAFETY: the range is inside the live block, which the caller lets us have alone.
    unsafe { std::slice::from_raw_parts_mut(p.as_ptr().add(at), n) }
}

/// An entry out of the table.
pub(crate) enum Owned<T> {
    Packed(Packed),
    Boxed(Box<Boxed<T>>),
}

impl<T: Clone> Clone for Owned<T> {
    fn clone(&self) -> Self {
        match self {
            Owned::Packed(p) => Owned::Packed(p.clone()),
            Owned::Boxed(n) => Owned::Boxed(n.clone()),
        }
    }
}

impl<T> Owned<T> {
    /// The entry as the table shows it.
    pub(crate) fn view(&self) -> Ref<'_, T> {
        match self {
            Owned::Packed(p) => Ref::new(Thin(p.0)),
            Owned::Boxed(n) => Ref::new(Thin(NonNull::from(&**n).cast())),
        }
    }

    /// Gives up the box for its address, with no next entry.
    fn into_thin(self) -> Thin {
        let thin = match self {
            Owned::Packed(p) => p.into_thin(),
            Owned::Boxed(n) => Thin(NonNull::from(Box::leak(n)).cast()),
        };
        // SAFETY: the block is live and, just leaked, not linked or borrowed anywhere.
        unsafe { thin.set_next(None) };
        thin
    }
}

/// The address of a live entry block (owned through one link of a table).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Thin(NonNull<u8>);

// The header's fields sit where `Thin` reads them, in both kinds of block.
const _: () = assert!(std::mem::offset_of!(Header, next) == 0);
const _: () = assert!(std::mem::offset_of!(Header, word) == 8);
const _: () = assert!(std::mem::offset_of!(Header, holders) == 12);
const _: () = assert!(std::mem::size_of::<Header>() == HEAD);
const _: () = assert!(std::mem::offset_of!(Boxed<u64>, header) == 0);

impl Thin {
    /// Asks for the block's second and third cache lines while its first is fetched: a
    /// packed entry's value follows its key, so a read that copies the value finds it
    /// there instead of missing again.
    #[inline]
    #[cfg_attr(not(target_arch = "x86_64"), allow(clippy::unused_self))]
    fn prefetch_tail(self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let p = self.0.as_ptr().cast::<i8>().cast_const();
            // SAFETY: a prefetch is a hint with no effect on memory; it never faults,
            // whatever the address (`wrapping_add` keeps the arithmetic defined when the
            // block is shorter), and SSE, which it needs, is part of x86_64.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(128));
            }
        }
    }

    /// The link to the next entry (bytes 0–7 of the block).
    fn next(self) -> Option<Thin> {
        // SAFETY: every `Thin` made here points at a live block, aligned to 8, whose
        // first 8 bytes are the link (written before the block is linked anywhere).
        unsafe { self.0.cast::<Option<Thin>>().as_ptr().read() }
    }

    /// # Safety
    /// `self` must be live, and no reference to its link may be alive (the caller holds
    /// `&mut` of the table, or owns the block).
    unsafe fn set_next(self, next: Option<Thin>) {
        // SAFETY: the caller's contract; the link is aligned inside a live block.
        unsafe { self.0.cast::<Option<Thin>>().as_ptr().write(next) };
    }

    /// The word (bytes 8–11 of the block).
    fn word<'a>(self) -> &'a AtomicU32 {
        #[allow(clippy::cast_ptr_alignment)] // blocks are aligned to 8
        let word = self.0.as_ptr().wrapping_add(8).cast::<AtomicU32>();
        // SAFETY: as for `next`: bytes 8–11 of a live block, aligned to 4, are the word,
        // only ever accessed atomically. Used only while the block lives.
        unsafe { &*word }
    }

    fn is_boxed(self) -> bool {
        self.word().load(Ordering::Relaxed) & BOXED != 0
    }

    /// The holders' count (bytes 12–15 of the block).
    fn holders<'a>(self) -> &'a AtomicU32 {
        #[allow(clippy::cast_ptr_alignment)] // blocks are aligned to 8
        let count = self.0.as_ptr().wrapping_add(12).cast::<AtomicU32>();
        // SAFETY: as for `word`: bytes 12–15 of a live block, aligned to 4, only ever
        // accessed atomically.
        unsafe { &*count }
    }

    /// Counts one more holder; the caller is, or borrows, one.
    #[inline]
    fn hold(self) {
        if self.holders().fetch_add(1, Ordering::Relaxed) > MAX_HOLDERS {
            std::process::abort();
        }
    }

    /// Whether the caller, a holder, is the only one, so that it may write the bytes:
    /// Acquire, so every read of a share dropped before (Release) comes first.
    fn sole_holder(self) -> bool {
        self.holders().load(Ordering::Acquire) == 1
    }

    /// Takes the box back.
    ///
    /// # Safety
    /// `self` must be live and unlinked: no link of any table may lead to it any more.
    unsafe fn into_owned<T>(self) -> Owned<T> {
        if self.is_boxed() {
            // SAFETY: a block whose word has BOXED was a `Box<Boxed<T>>` leaked by
            // `into_thin` (only `Boxed::new` and its clone set the bit).
            Owned::Boxed(unsafe { Box::from_raw(self.0.cast::<Boxed<T>>().as_ptr()) })
        } else {
            Owned::Packed(Packed(self.0))
        }
    }
}

/// An entry in place, borrowed from its table (or from an [`Owned`]).
pub(crate) struct Ref<'a, T> {
    thin: Thin,
    _life: PhantomData<&'a T>,
}

impl<T> Clone for Ref<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Ref<'_, T> {}

/// What an entry holds: the caller's packed bytes, or the node's `T`.
pub(crate) enum Body<'a, T> {
    Packed(Part<'a>),
    Boxed(&'a T),
}

impl<'a, T> Ref<'a, T> {
    fn new(thin: Thin) -> Self {
        Ref {
            thin,
            _life: PhantomData,
        }
    }

    /// What the entry holds.
    #[inline(always)]
    pub(crate) fn body(self) -> Body<'a, T> {
        if self.thin.is_boxed() {
            // SAFETY: a boxed block is a `Boxed<T>`, live and not written for `'a`.
            Body::Boxed(unsafe { &self.thin.0.cast::<Boxed<T>>().as_ref().inner })
        } else {
            Body::Packed(Part {
                block: self.thin,
                // SAFETY: a packed block, live and not written for `'a`.
                bytes: unsafe { packed_bytes(self.thin.0) },
            })
        }
    }

    /// The caller's stamp (31 bits), which readers may change: see
    /// [`set_stamp`](Self::set_stamp).
    #[inline]
    pub(crate) fn stamp(self) -> u32 {
        self.thin.word().load(Ordering::Relaxed) & STAMP_MASK
    }

    /// Stores a stamp (its low 31 bits), also under a shared borrow: the word is atomic,
    /// and its kind bit never changes.
    #[inline]
    pub(crate) fn set_stamp(self, stamp: u32) {
        let word = self.thin.word();
        let kind = word.load(Ordering::Relaxed) & BOXED;
        word.store(kind | (stamp & STAMP_MASK), Ordering::Relaxed);
    }

    /// The entry's handle, to name it in a later call.
    pub(crate) fn handle(self) -> Handle {
        Handle(self.thin)
    }

    /// A copy of the entry, stamp included, out of any table.
    pub(crate) fn to_owned(self) -> Owned<T>
    where
        T: Clone,
    {
        let owned = match self.body() {
            Body::Packed(b) => Owned::Packed(Packed::copy_of(&b)),
            Body::Boxed(inner) => Owned::Boxed(Boxed::new(inner.clone())),
        };
        owned.view().set_stamp(self.stamp());
        owned
    }
}

/// Names an entry across calls (see the module doc): compared, never followed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Handle(Thin);

impl std::fmt::Debug for Thin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:p}", self.0)
    }
}

/// A shard's entries (see the module doc).
pub(crate) struct Entries<T> {
    /// A power of two of chains (or none).
    buckets: Vec<Option<Thin>>,
    len: usize,
    _owns: PhantomData<Owned<T>>,
}

// SAFETY: `Entries<T>` owns its blocks (boxes of `T`, or bytes) as `Vec<Owned<T>>`
// would; its addresses are never shared except as borrows of it, or as handles that are
// never followed.
unsafe impl<T: Send> Send for Entries<T> {}
// SAFETY: `&Entries<T>` gives out only `&T`, `&[u8]` and atomic stamps.
unsafe impl<T: Sync> Sync for Entries<T> {}

// SAFETY: a handle is an address that is only compared.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            buckets: Vec::new(),
            len: 0,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Entries<T> {
    fn drop(&mut self) {
        for b in 0..self.buckets.len() {
            let mut at = self.buckets[b].take();
            while let Some(thin) = at {
                at = thin.next();
                // SAFETY: the block was owned by the link just taken; nothing else leads
                // to it.
                drop(unsafe { thin.into_owned::<T>() });
            }
        }
    }
}

/// Puts a panicking [`Entries::edit`]'s entry back, so the table stays whole.
struct EditGuard<'a, T> {
    entries: &'a mut Entries<T>,
    bucket: usize,
    slot: Option<Owned<T>>,
}

impl<T> Drop for EditGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.entries.link(self.bucket, slot.into_thin());
        }
    }
}

impl<T> Entries<T> {
    /// Live entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Chains (a power of two, or zero).
    pub(crate) fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// Buckets allocated, for the memory count.
    pub(crate) fn bucket_capacity(&self) -> usize {
        self.buckets.capacity()
    }

    #[inline]
    fn bucket_of(&self, hash: u64) -> usize {
        // Low bits: the shard is chosen by high ones.
        #[allow(clippy::cast_possible_truncation)] // masked to the bucket count
        let low = hash as usize;
        low & self.buckets.len().wrapping_sub(1)
    }

    /// The entries of chain `b` (none past the last chain).
    pub(crate) fn chain(&self, b: usize) -> impl Iterator<Item = Ref<'_, T>> {
        let mut at = self.buckets.get(b).copied().flatten();
        std::iter::from_fn(move || {
            let thin = at?;
            at = thin.next();
            Some(Ref::new(thin))
        })
    }

    /// The entries that hash to `hash`'s chain.
    pub(crate) fn chain_of(&self, hash: u64) -> impl Iterator<Item = Ref<'_, T>> {
        self.chain(self.bucket_of_or_0(hash))
    }

    #[inline]
    fn bucket_of_or_0(&self, hash: u64) -> usize {
        if self.buckets.is_empty() {
            0
        } else {
            self.bucket_of(hash)
        }
    }

    /// The entry in `hash`'s chain for which `eq` holds.
    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl Fn(Ref<'_, T>) -> bool) -> Option<Ref<'_, T>> {
        if let Some(Some(first)) = self.buckets.get(self.bucket_of_or_0(hash)) {
            first.prefetch_tail();
        }
        self.chain_of(hash).find(|&r| eq(r))
    }

    /// The entry `h` names, if it is in `hash`'s chain.
    pub(crate) fn get(&self, hash: u64, h: Handle) -> Option<Ref<'_, T>> {
        self.chain_of(hash).find(|r| r.thin == h.0)
    }

    /// The caller's bytes of the packed entry `h` (in `hash`'s chain), to change in
    /// place: the entry keeps its block and its place in the chain. `None` if `h` is
    /// not there, is boxed, or is held by a [`Share`] too.
    pub(crate) fn packed_bytes_mut(&mut self, hash: u64, h: Handle) -> Option<&mut [u8]> {
        let thin = self.get(hash, h)?.thin;
        if thin.is_boxed() || !thin.sole_holder() {
            return None;
        }
        // SAFETY: a packed block, live (found in its chain); `&mut self` borrows the
        // table, and with it every entry, exclusively for the slice's life, and no share
        // holds the block (nor can one be made while the table is borrowed so).
        Some(unsafe { packed_bytes_mut(thin.0) })
    }

    /// The boxed entry `h` (in `hash`'s chain), to change in place: it keeps its block
    /// and its place in the chain. `None` if `h` is not there or is packed.
    pub(crate) fn boxed_mut(&mut self, hash: u64, h: Handle) -> Option<&mut T> {
        let thin = self.get(hash, h)?.thin;
        if !thin.is_boxed() {
            return None;
        }
        // SAFETY: a boxed block is a `Boxed<T>`, live (found in its chain). `&mut self`
        // borrows the table, and with it every entry, exclusively for the reference's
        // life; the reference covers `inner`, not the header that readers stamp.
        Some(unsafe { &mut (*thin.0.cast::<Boxed<T>>().as_ptr()).inner })
    }

    /// Every entry, chain by chain.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Ref<'_, T>> {
        (0..self.buckets.len()).flat_map(|b| self.chain(b))
    }

    /// One step of a scan: the entries of the chain `cursor` names, and the next cursor
    /// (0 when the scan is done). Redis's reverse-binary increment: a scan started at 0
    /// returns every entry present throughout, however the table grows between steps.
    pub(crate) fn scan(&self, cursor: u64, mut f: impl FnMut(Ref<'_, T>)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        #[allow(clippy::cast_possible_truncation)] // masked to the bucket count
        for r in self.chain((cursor & mask) as usize) {
            f(r);
        }
        let v = (cursor | !mask)
            .reverse_bits()
            .wrapping_add(1)
            .reverse_bits();
        v & mask
    }

    /// Stores `slot` (whose key must be absent) under `hash`; `rehash` gives an entry's
    /// hash when the table grows.
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        slot: Owned<T>,
        rehash: impl Fn(Ref<'_, T>) -> u64,
    ) -> Handle {
        if self.len >= self.buckets.len() && self.buckets.len() < MAX_BUCKETS {
            self.grow(rehash);
        }
        let thin = slot.into_thin();
        self.link(self.bucket_of(hash), thin);
        self.len += 1;
        Handle(thin)
    }

    /// Doubles the chains (to 4 from none).
    #[cold]
    fn grow(&mut self, rehash: impl Fn(Ref<'_, T>) -> u64) {
        self.resize((self.buckets.len() * 2).max(4), rehash);
    }

    /// Moves every entry to its chain among `size` (a power of two).
    fn resize(&mut self, size: usize, rehash: impl Fn(Ref<'_, T>) -> u64) {
        debug_assert!(size.is_power_of_two());
        let old = std::mem::replace(&mut self.buckets, vec![None; size]);
        prefer_huge_pages(&self.buckets);
        for mut at in old {
            while let Some(thin) = at {
                at = thin.next();
                let b = self.bucket_of(rehash(Ref::new(thin)));
                self.link(b, thin);
            }
        }
    }

    /// Puts `thin` (live, owned by no link) at the head of chain `b`.
    fn link(&mut self, b: usize, thin: Thin) {
        // SAFETY: `&mut self`: no reference into the table's headers is alive; `thin`
        // is owned by nothing else.
        unsafe { thin.set_next(self.buckets[b]) };
        self.buckets[b] = Some(thin);
    }

    /// Takes `h`'s entry out of chain `b`, if it is there; the caller then owns it.
    fn unlink(&mut self, b: usize, h: Handle) -> Option<Thin> {
        let mut prev: Option<Thin> = None;
        let mut at = *self.buckets.get(b)?;
        while let Some(thin) = at {
            let next = thin.next();
            if thin == h.0 {
                match prev {
                    None => self.buckets[b] = next,
                    // SAFETY: `&mut self`: no reference into the headers is alive.
                    Some(p) => unsafe { p.set_next(next) },
                }
                return Some(thin);
            }
            prev = Some(thin);
            at = next;
        }
        None
    }

    /// Removes `h`'s entry (filed under `hash`) and returns it; `None` if it is not
    /// there.
    pub(crate) fn remove(&mut self, hash: u64, h: Handle) -> Option<Owned<T>> {
        let b = self.bucket_of(hash);
        let thin = self.unlink(b, h)?;
        self.len -= 1;
        // SAFETY: just unlinked: the caller is its only owner.
        Some(unsafe { thin.into_owned() })
    }

    /// Puts `slot` (the same key) in place of `h`'s entry (filed under `hash`), with the
    /// old entry's stamp; returns the new handle and the entry replaced, `None` (and
    /// `slot` dropped) if `h` is not there.
    pub(crate) fn replace(
        &mut self,
        hash: u64,
        h: Handle,
        slot: Owned<T>,
    ) -> Option<(Handle, Owned<T>)> {
        let b = self.bucket_of(hash);
        let old = self.unlink(b, h)?;
        slot.view().set_stamp(Ref::<T>::new(old).stamp());
        let new = slot.into_thin();
        self.link(b, new);
        // SAFETY: unlinked: the caller is its only owner.
        Some((Handle(new), unsafe { old.into_owned() }))
    }

    /// Lets `f` change `h`'s entry (filed under `hash`, its key unchanged) and returns
    /// its new handle with `f`'s result; `None` if `h` is not there. An entry `f` moves
    /// to a new block keeps its stamp. Should `f` panic, the entry as `f` left it stays
    /// in the table.
    pub(crate) fn edit<R>(
        &mut self,
        hash: u64,
        h: Handle,
        f: impl FnOnce(&mut Owned<T>) -> R,
    ) -> Option<(Handle, R)> {
        let b = self.bucket_of(hash);
        let thin = self.unlink(b, h)?;
        // SAFETY: unlinked: the guard owns it until it links it again.
        let slot = unsafe { thin.into_owned() };
        let stamp = slot.view().stamp();
        let mut guard = EditGuard {
            entries: self,
            bucket: b,
            slot: Some(slot),
        };
        let slot = guard.slot.as_mut().expect("the entry being edited");
        let out = f(slot);
        let handle = slot.view().handle();
        if handle.0 != thin {
            slot.view().set_stamp(stamp);
        }
        drop(guard);
        Some((handle, out))
    }
}

/// The store's large arrays (a shard's buckets, a big set's or hash's index and slots, a
/// sorted set's skiplist) are read at random, so with 4 KiB pages nearly every look-up
/// also misses the TLB and walks the page table. Backed by 2 MiB pages they do not:
/// SISMEMBER on a 1M-member set took 175 ns with 4 KiB pages and 140 with huge ones on
/// the machine of BENCHMARKS.md.
const HUGE_PAGE: usize = 2 << 20;
/// Arrays smaller than this are left to the allocator's pages.
const HUGE_FROM: usize = 4 << 20;
/// `MADV_COLLAPSE` (Linux 6.1), which not every libc names.
#[cfg(target_os = "linux")]
const MADV_COLLAPSE: libc::c_int = 25;

/// Whether the system lets a process ask for transparent huge pages (its setting is
/// `always` or `madvise`, not `never`): read once.
#[cfg(target_os = "linux")]
fn huge_pages_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| {
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .is_ok_and(|s| s.contains("[always]") || s.contains("[madvise]"))
    })
}

/// Asks the kernel to back the 2 MiB-aligned part of `v`'s allocation with huge pages:
/// for pages first touched later (`MADV_HUGEPAGE`, which the usual `madvise` setting of
/// transparent huge pages requires) and for those already in memory (`MADV_COLLAPSE`,
/// synchronous: it copies them, as the growth that calls this has just copied the whole
/// array). Only a hint: nothing is asked where the system's setting is `never` (which
/// `MADV_COLLAPSE` would ignore), off Linux, or for arrays under 4 MiB; nothing changes
/// if the kernel declines.
pub(crate) fn prefer_huge_pages<T>(v: &Vec<T>) {
    let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
    if bytes < HUGE_FROM {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = v.as_ptr() as usize;
        let from = start.next_multiple_of(HUGE_PAGE);
        let to = (start + bytes) / HUGE_PAGE * HUGE_PAGE;
        if to > from && huge_pages_allowed() {
            let at = from as *mut libc::c_void;
            // SAFETY: [from, to) lies inside `v`'s allocation, page-aligned; these
            // advices change how the kernel backs its pages, never what they hold.
            unsafe {
                libc::madvise(at, to - from, libc::MADV_HUGEPAGE);
                libc::madvise(at, to - from, MADV_COLLAPSE);
            }
        }
    }
}

/// `v.push(x)`; when that grows `v`, its new buffer gets [`prefer_huge_pages`].
#[inline]
pub(crate) fn push_preferring_huge<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        grow_and_advise(v, 1);
    }
    v.push(x);
}

/// Makes room for `more` elements as `Vec` would, then [`prefer_huge_pages`] on the
/// new buffer.
#[inline]
pub(crate) fn grow_preferring_huge<T>(v: &mut Vec<T>, more: usize) {
    if v.capacity() - v.len() < more {
        grow_and_advise(v, more);
    }
}

#[cold]
#[inline(never)]
fn grow_and_advise<T>(v: &mut Vec<T>, more: usize) {
    // `reserve` grows as `push` and `resize` do (amortized: at least doubling).
    v.reserve(more);
    prefer_huge_pages(v);
}

/// A model check of [`Entries`] for the fuzz target and the tests: inserts, removals,
/// replacements, edits (in place and moving), stamps, stale handles and scans across
/// growth, each step compared with a `HashMap`, every choice drawn from `choose(n)`
/// (a number below `n`).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod check {
    use std::collections::{HashMap, HashSet};

    use super::{Body, Boxed, Entries, Handle, Owned, Packed, Ref, Share};

    fn hash(name: &[u8]) -> u64 {
        // Few distinct low bits, so chains are long and every path is taken.
        let at = name.iter().fold(0xcbf2_9ce4_8422_2325_u64, |a, &b| {
            (a ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        at & 0xffff_0000_0000_003f
    }

    fn key(r: Ref<'_, Vec<u8>>) -> Vec<u8> {
        match r.body() {
            Body::Packed(b) => b.to_vec(),
            Body::Boxed(name) => name.clone(),
        }
    }

    fn make(name: &[u8], boxed: bool) -> Owned<Vec<u8>> {
        if boxed {
            Owned::Boxed(Boxed::new(name.to_vec()))
        } else {
            Owned::Packed(Packed::copy_of(name))
        }
    }

    /// A scan in progress, one step per step of the check.
    struct Scan {
        cursor: u64,
        seen: HashSet<Vec<u8>>,
        /// The keys present since it started, which it must return.
        throughout: HashSet<Vec<u8>>,
    }

    impl Scan {
        /// Takes a step; `true` when the scan is over (and returned what it must).
        fn step(&mut self, table: &Entries<Vec<u8>>) -> bool {
            self.cursor = table.scan(self.cursor, |r| {
                self.seen.insert(key(r));
            });
            if self.cursor == 0 {
                assert!(self.throughout.is_subset(&self.seen), "a scan missed a key");
            }
            self.cursor == 0
        }
    }

    /// A key of 0 to 300 bytes (long ones take a two-byte length).
    fn name(choose: &mut impl FnMut(u32) -> u32) -> Vec<u8> {
        let pick = choose(64);
        let len = if choose(8) == 0 {
            200 + pick as usize
        } else {
            pick as usize % 9
        };
        #[allow(clippy::cast_possible_truncation)] // any byte will do
        (0..len).map(|i| (pick as usize + i) as u8).collect()
    }

    /// In-place access by kind: the other kind's accessor finds nothing, nor does the
    /// packed one while a share holds the bytes, and a change that restores the bytes
    /// leaves the entry as it was.
    fn in_place(
        table: &mut Entries<Vec<u8>>,
        (at, handle): (u64, Handle),
        (boxed, shared): (bool, bool),
        name: &[u8],
    ) {
        assert_eq!(
            table.packed_bytes_mut(at, handle).is_none(),
            boxed || shared
        );
        if shared {
            return;
        }
        assert_eq!(table.boxed_mut(at, handle).is_none(), !boxed);
        let stamp = table.get(at, handle).expect("present").stamp();
        // A change made through the accessor is what a reader then sees, in the same
        // block, header (stamp) untouched.
        let seen = |table: &Entries<Vec<u8>>| {
            let r = table.get(at, handle).expect("present");
            assert_eq!(r.stamp(), stamp);
            match r.body() {
                Body::Packed(b) => b.to_vec(),
                Body::Boxed(v) => v.clone(),
            }
        };
        if boxed {
            let inner = table.boxed_mut(at, handle).expect("boxed");
            assert_eq!(inner, name);
            inner.push(0);
            assert_eq!(seen(table), [name, &[0]].concat());
            table.boxed_mut(at, handle).expect("boxed").pop();
        } else {
            let bytes = table.packed_bytes_mut(at, handle).expect("packed");
            assert_eq!(bytes, name);
            if let Some(b) = bytes.first_mut() {
                *b ^= 1;
                let mut flipped = name.to_vec();
                flipped[0] ^= 1;
                assert_eq!(seen(table), flipped);
                table.packed_bytes_mut(at, handle).expect("packed")[0] ^= 1;
            }
        }
        assert_eq!(seen(table), name);
    }

    /// Shares of packed entries' bytes, with the bytes each must go on reading and the
    /// block it holds (which, held, no other entry can be given the address of).
    #[derive(Default)]
    struct Shares(Vec<(Share, Vec<u8>, Handle)>);

    impl Shares {
        /// Whether a share holds the block `h`.
        fn hold(&self, h: Handle) -> bool {
            self.0.iter().any(|(_, _, held)| *held == h)
        }

        /// A share of the whole, or of a tail, of the packed entry `handle` (whose bytes
        /// are `name`), or a clone of one.
        fn make(
            &mut self,
            table: &Entries<Vec<u8>>,
            (at, handle): (u64, Handle),
            name: &[u8],
            choose: &mut impl FnMut(u32) -> u32,
        ) {
            let from = (choose(4) as usize).min(name.len());
            let part = match table.get(at, handle).expect("live").body() {
                Body::Packed(b) => b.tail(from).expect("in bounds"),
                Body::Boxed(_) => unreachable!("packed"),
            };
            assert!(part.tail(part.len() + 1).is_none());
            let share = if choose(2) == 0 {
                part.share()
            } else {
                part.share().clone()
            };
            assert_eq!(*share, *part);
            self.0.push((share, name[from..].to_vec(), handle));
        }

        /// Drops one share (if any), checking it first.
        fn drop_one(&mut self, choose: &mut impl FnMut(u32) -> u32) {
            if !self.0.is_empty() {
                let at = choose(u32::MAX) as usize % self.0.len();
                let (share, bytes, _) = self.0.swap_remove(at);
                assert_eq!(*share, *bytes, "a share reads what it was made with");
            }
        }

        fn check(&self) {
            for (share, bytes, _) in &self.0 {
                assert_eq!(**share, **bytes, "a share reads what it was made with");
            }
        }
    }

    /// Runs `steps` steps.
    pub(crate) fn exercise(steps: usize, mut choose: impl FnMut(u32) -> u32) {
        let mut table = Entries::<Vec<u8>>::default();
        // key → (handle, boxed, stamp)
        let mut model: HashMap<Vec<u8>, (Handle, bool, u32)> = HashMap::new();
        let mut stale: Vec<(Vec<u8>, Handle)> = Vec::new();
        let mut shares = Shares::default();
        let rehash = |r: Ref<'_, Vec<u8>>| hash(&key(r));
        let mut scanning: Option<Scan> = None;
        let scan_of = |model: &HashMap<Vec<u8>, _>| Scan {
            cursor: 0,
            seen: HashSet::new(),
            throughout: model.keys().cloned().collect(),
        };
        for _ in 0..steps {
            if scanning.as_mut().is_some_and(|scan| scan.step(&table)) {
                scanning = None;
            }
            let name = name(&mut choose);
            let at = hash(&name);
            let found = table.find(at, |r| key(r) == name).map(Ref::handle);
            assert_eq!(found, model.get(&name).map(|m| m.0));
            match (choose(10), model.get(&name).copied()) {
                (0 | 1, None) => {
                    let boxed = choose(2) == 0;
                    let handle = table.insert(at, make(&name, boxed), rehash);
                    model.insert(name, (handle, boxed, 0));
                }
                (0, Some((handle, ..))) => {
                    let old = table.remove(at, handle).expect("a live entry");
                    assert_eq!(key(old.view()), name);
                    if let Some(scan) = &mut scanning {
                        scan.throughout.remove(&name);
                    }
                    model.remove(&name);
                    stale.push((name, handle));
                }
                (1, Some((handle, _, stamp))) => {
                    let boxed = choose(2) == 0;
                    let (new, old) = table.replace(at, handle, make(&name, boxed)).expect("live");
                    assert_eq!(key(old.view()), name);
                    // The replacement keeps the stamp.
                    model.insert(name, (new, boxed, stamp));
                }
                (2, Some((handle, boxed, stamp))) => {
                    // A moving edit keeps the stamp; one in place may set it.
                    let moving = choose(2) == 0;
                    let set = choose(u32::MAX) & super::STAMP_MASK;
                    let (new, ()) = table
                        .edit(at, handle, |slot| {
                            if moving {
                                *slot = make(&name, !boxed);
                            } else {
                                slot.view().set_stamp(set);
                            }
                        })
                        .expect("a live entry");
                    if !moving {
                        assert_eq!(new, handle, "an edit in place keeps the handle");
                    }
                    let stamp = if moving { stamp } else { set };
                    model.insert(name, (new, boxed ^ moving, stamp));
                }
                (3, Some((handle, boxed, _))) => {
                    let stamp = choose(u32::MAX);
                    let r = table.get(at, handle).expect("a live entry");
                    r.set_stamp(stamp);
                    assert_eq!(r.stamp(), stamp & super::STAMP_MASK);
                    assert_eq!(matches!(r.body(), Body::Boxed(_)), boxed);
                    model.insert(name, (handle, boxed, stamp & super::STAMP_MASK));
                }
                (4, _) => {
                    // A handle of a removed entry finds nothing, or the live entry
                    // its address was reused for.
                    if let Some((sk, sh)) = stale.pop() {
                        match table.get(hash(&sk), sh) {
                            None => assert!(table.remove(hash(&sk), sh).is_none()),
                            Some(r) => assert_eq!(model.get(&key(r)).map(|m| m.0), Some(sh)),
                        }
                    }
                }
                (6, Some((handle, boxed, _))) => {
                    let held = shares.hold(handle);
                    in_place(&mut table, (at, handle), (boxed, held), &name);
                }
                (8, Some((handle, false, _))) => {
                    shares.make(&table, (at, handle), &name, &mut choose);
                }
                (9, _) => shares.drop_one(&mut choose),
                (5, _) => {
                    if scanning.is_none() {
                        scanning = Some(scan_of(&model));
                    }
                }
                _ => {
                    // A whole scan at once sees every key.
                    let mut scan = scan_of(&model);
                    while !scan.step(&table) {}
                    assert_eq!(scan.seen.len(), model.len());
                }
            }
            assert_eq!(table.len(), model.len());
        }
        finish(table, &model, shares);
    }

    /// The table agrees with the model at the end; half the shares are dropped before
    /// it, half after it.
    fn finish(
        table: Entries<Vec<u8>>,
        model: &HashMap<Vec<u8>, (Handle, bool, u32)>,
        mut shares: Shares,
    ) {
        shares.check();
        let late = shares.0.split_off(shares.0.len() / 2);
        drop(shares);
        for (name, (handle, boxed, stamp)) in model {
            let r = table.get(hash(name), *handle).expect("a live entry");
            assert_eq!(key(r), *name);
            assert_eq!(r.stamp(), *stamp);
            assert_eq!(matches!(r.body(), Body::Boxed(_)), *boxed);
        }
        assert_eq!(table.iter().count(), model.len());
        drop(table);
        for (share, bytes, _) in late {
            assert_eq!(*share, *bytes, "a share outlives its table");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(bytes: &[u8]) -> Owned<String> {
        Owned::Packed(Packed::copy_of(bytes))
    }

    fn key(r: Ref<'_, String>) -> Vec<u8> {
        match r.body() {
            Body::Packed(b) => b.to_vec(),
            Body::Boxed(s) => s.as_bytes().to_vec(),
        }
    }

    fn h(k: &[u8]) -> u64 {
        k.iter().fold(0xcbf2_9ce4_8422_2325_u64, |a, &b| {
            (a ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }

    fn rehash(r: Ref<'_, String>) -> u64 {
        h(&key(r))
    }

    fn find(e: &Entries<String>, k: &[u8]) -> Option<Handle> {
        e.find(h(k), |r| key(r) == k).map(Ref::handle)
    }

    fn filled(n: usize) -> (Entries<String>, Vec<(Handle, Vec<u8>)>) {
        let mut e = Entries::<String>::default();
        let mut keys = Vec::new();
        for n in 0..n {
            let k = format!("key:{n}");
            let slot = if n % 3 == 0 {
                Owned::Boxed(Boxed::new(k.clone()))
            } else {
                // Long ones take a two-byte length.
                let k = if n % 7 == 0 { k.repeat(40) } else { k.clone() };
                pack(k.as_bytes())
            };
            let kk = key(slot.view());
            keys.push((e.insert(h(&kk), slot, rehash), kk));
        }
        (e, keys)
    }

    #[test]
    fn huge_page_advice_keeps_contents_and_growth() {
        // Growth as `Vec`'s own (doubling), contents untouched, also past the size at
        // which the buffer is advised (4 MiB: 2^19 words).
        let mut v: Vec<u64> = Vec::new();
        let mut plain: Vec<u64> = Vec::new();
        for i in 0..(1u64 << 20) {
            push_preferring_huge(&mut v, i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            plain.push(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            assert_eq!(v.capacity(), plain.capacity(), "after {i} pushes");
        }
        assert_eq!(v, plain);
        // From any starting capacity (a skiplist's arena starts with its head), and for
        // several at once (a node's links), the same capacities as `Vec`'s own growth.
        for start in 0..6 {
            let (mut v, mut plain) = (
                Vec::<u32>::with_capacity(start),
                Vec::<u32>::with_capacity(start),
            );
            for round in 0..2000 {
                let more = 1 + round % 5;
                grow_preferring_huge(&mut v, more);
                v.resize(v.len() + more, 1);
                plain.resize(plain.len() + more, 1);
                assert_eq!(
                    v.capacity(),
                    plain.capacity(),
                    "start {start}, round {round}"
                );
            }
        }
        // Room for more without a move when there is some; a move that keeps the words
        // when there is not.
        let before = v.as_ptr();
        v.truncate(10);
        grow_preferring_huge(&mut v, 5);
        assert_eq!(v.as_ptr(), before);
        let cap = v.capacity();
        grow_preferring_huge(&mut v, cap);
        assert_eq!(v[..10], plain[..10]);
        // A zeroed buffer advised before its first touch reads as zeros, then as written.
        let mut z = vec![0u8; 9 << 20];
        prefer_huge_pages(&z);
        assert!(z.iter().all(|&b| b == 0));
        z[5 << 20] = 7;
        assert_eq!(z.iter().map(|&b| usize::from(b)).sum::<usize>(), 7);
        // Small and empty buffers are left alone.
        prefer_huge_pages(&Vec::<u8>::new());
        prefer_huge_pages(&vec![1u8; 100]);
    }

    #[test]
    fn entries_are_found_and_removed_across_growth() {
        let (mut e, keys) = filled(2000);
        assert_eq!(e.len(), 2000);
        assert_eq!(e.bucket_count(), 2048);
        assert_eq!(e.iter().count(), 2000);
        for (handle, k) in &keys {
            assert_eq!(find(&e, k), Some(*handle));
            assert_eq!(key(e.get(h(k), *handle).unwrap()), *k);
        }
        for (handle, k) in keys.iter().step_by(2) {
            let old = e.remove(h(k), *handle).unwrap();
            assert_eq!(key(old.view()), *k);
            assert!(find(&e, k).is_none());
            assert!(
                e.get(h(k), *handle).is_none(),
                "a stale handle finds nothing"
            );
        }
        assert_eq!(e.len(), 1000);
        assert!(e.remove(h(&keys[0].1), keys[0].0).is_none());
        assert_eq!(e.iter().count(), 1000);
    }

    #[test]
    fn a_scan_returns_every_entry_present_throughout_while_the_table_grows() {
        let (mut e, keys) = filled(100);
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut steps = 0;
        loop {
            cursor = e.scan(cursor, |r| {
                seen.insert(key(r));
            });
            steps += 1;
            // Grow the table (from 128 chains to 1024) under the scan.
            if steps % 3 == 0 && steps < 60 {
                for n in 0..40 {
                    let k = format!("more:{steps}:{n}");
                    e.insert(h(k.as_bytes()), pack(k.as_bytes()), rehash);
                }
            }
            if cursor == 0 {
                break;
            }
            assert!(steps < 100_000);
        }
        assert!(e.bucket_count() > 128, "the table grew during the scan");
        for (_, k) in &keys {
            assert!(seen.contains(k), "{}", String::from_utf8_lossy(k));
        }
    }

    #[test]
    fn replace_and_edit_move_entries_and_keep_the_chains() {
        let mut e = Entries::<String>::default();
        let k = b"abc";
        let first = e.insert(h(k), pack(k), rehash);
        let (second, old) = e
            .replace(h(k), first, Owned::Boxed(Boxed::new("abc".into())))
            .unwrap();
        assert!(matches!(old, Owned::Packed(_)));
        assert!(e.replace(h(k), first, pack(k)).is_none(), "a stale handle");
        assert!(matches!(
            e.get(h(k), second).unwrap().body(),
            Body::Boxed(_)
        ));
        // An edit that moves the entry to a new block.
        let (third, ()) = e.edit(h(k), second, |slot| *slot = pack(k)).unwrap();
        assert_eq!(find(&e, k), Some(third));
        // An edit in place keeps the handle.
        let (fourth, ()) = e
            .edit(h(k), third, |slot| match slot {
                Owned::Packed(p) => p.bytes_mut().expect("unshared").copy_from_slice(b"abd"),
                Owned::Boxed(_) => unreachable!(),
            })
            .unwrap();
        assert_eq!(fourth, third);
        assert!(matches!(
            e.get(h(k), third).unwrap().body(),
            Body::Packed(b) if b.bytes() == b"abd"
        ));
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn the_model_check_passes() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        check::exercise(20_000, |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            #[allow(clippy::cast_possible_truncation)] // the low bits
            let r = state as u32;
            r % n.max(1)
        });
    }

    #[test]
    fn stamps_keep_the_kind() {
        let mut e = Entries::<String>::default();
        let a = e.insert(h(b"a"), Owned::Boxed(Boxed::new("a".into())), rehash);
        let b = e.insert(h(b"b"), pack(b"b"), rehash);
        for (k, handle) in [(b"a", a), (b"b", b)] {
            let r = e.get(h(k), handle).unwrap();
            assert_eq!(r.stamp(), 0);
            r.set_stamp(u32::MAX);
            assert_eq!(r.stamp(), STAMP_MASK);
            assert_eq!(key(r), k);
        }
        // A copy keeps the stamp, and so do a replacement and a moving edit.
        let packed = pack(b"c");
        packed.view().set_stamp(7);
        assert_eq!(packed.clone().view().stamp(), 7);
        let boxed = Owned::<String>::Boxed(Boxed::new("d".into()));
        boxed.view().set_stamp(9);
        assert_eq!(boxed.clone().view().stamp(), 9);
        let (b2, _) = e.replace(h(b"b"), b, pack(b"b")).unwrap();
        assert_eq!(e.get(h(b"b"), b2).unwrap().stamp(), STAMP_MASK);
        let (b3, ()) = e.edit(h(b"b"), b2, |slot| *slot = pack(b"b")).unwrap();
        assert_eq!(e.get(h(b"b"), b3).unwrap().stamp(), STAMP_MASK);
    }

    #[test]
    fn a_share_holds_its_bytes_past_the_entry_and_stops_writes_in_place() {
        fn tail(e: &Entries<String>, h: u64, at: usize) -> Part<'_> {
            match e.chain_of(h).next().unwrap().body() {
                Body::Packed(b) => b.tail(at).unwrap(),
                Body::Boxed(_) => unreachable!(),
            }
        }
        let mut e = Entries::<String>::default();
        let k = b"key and value";
        let first = e.insert(h(k), pack(k), rehash);
        let whole = tail(&e, h(k), 0).share();
        let value = tail(&e, h(k), 8).share();
        assert_eq!(&*whole, k);
        assert_eq!(&*value, b"value");
        assert!(tail(&e, h(k), k.len()).is_empty());
        assert_eq!(
            e.get(h(k), first)
                .unwrap()
                .thin
                .holders()
                .load(Ordering::Relaxed),
            3
        );
        // No writes in place while shared; a replacement leaves the shares as they were.
        assert!(e.packed_bytes_mut(h(k), first).is_none());
        let copy = value.clone();
        drop(value);
        assert!(e.packed_bytes_mut(h(k), first).is_none());
        drop(whole);
        drop(copy);
        e.packed_bytes_mut(h(k), first).unwrap()[0] = b'K';
        let held = tail(&e, h(k), 0).share();
        let (second, old) = e.replace(h(k), first, pack(b"new")).unwrap();
        assert_eq!(&*held, b"Key and value");
        drop(old);
        assert_eq!(
            &*held, b"Key and value",
            "the share outlives the table's claim"
        );
        assert!(e.packed_bytes_mut(h(k), second).is_some());
        // Shares of an `Packed` out of any table, and the last holder frees the block
        // (AddressSanitizer, under cargo-fuzz, checks the frees of the model check).
        let mut loose = Packed::copy_of(b"loose");
        let share = match Owned::<String>::Packed(Packed::copy_of(b"x")).view().body() {
            Body::Packed(b) => b.share(),
            Body::Boxed(_) => unreachable!(),
        };
        assert_eq!(&*share, b"x", "outlives the temporary it was made from");
        assert!(loose.bytes_mut().is_some());
        let s2 = Ref::<()>::new(Thin(loose.0)).body();
        let s2 = match s2 {
            Body::Packed(b) => b.share(),
            Body::Boxed(()) => unreachable!(),
        };
        assert!(loose.bytes_mut().is_none());
        drop(loose);
        assert_eq!(&*s2, b"loose");
        assert_eq!(format!("{s2:?}"), format!("Share({:?})", b"loose"));
    }

    #[test]
    fn a_panicking_edit_leaves_the_entry_in_place() {
        let mut e = Entries::<String>::default();
        let first = e.insert(h(b"k"), Owned::Boxed(Boxed::new("k".into())), rehash);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            e.edit(h(b"k"), first, |slot| {
                *slot = pack(b"k");
                panic!("in the middle");
            });
        }));
        assert!(caught.is_err());
        let found = e.find(h(b"k"), |r| key(r) == b"k").unwrap();
        assert!(matches!(found.body(), Body::Packed(b) if b.bytes() == b"k"));
        assert_eq!(e.len(), 1);
    }
}
