//! `Blob`: the byte string the store hands back.
//!
//! A read must be cheap. Short values (up to [`Blob::INLINE_CAPACITY`] bytes: most keys,
//! counters, flags, short strings) are copied into the `Blob` itself, so reading one
//! allocates nothing. A longer string stored packed with its key (up to 128 bytes) is
//! shared with the store by the entry's count of holders, a longer one by a
//! reference-counted [`bytes::Bytes`], so reading either copies nothing; an element of a
//! collection up to 128 bytes is copied into a buffer from the thread's pool.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Whether `a` and `b` hold the same bytes: `a == b`, with keys of up to 16 bytes (the
/// common case) compared as two overlapping words each instead of through a call to
/// `memcmp`, which took a tenth of a cached look-up's time.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&s[at..at + 8]);
            u64::from_ne_bytes(w)
        };
        // The two words overlap when n < 16: together they cover every byte.
        return (word(a, 0) ^ word(b, 0)) | (word(a, n - 8) ^ word(b, n - 8)) == 0;
    }
    short_or_long_eq(a, b)
}

/// [`same_bytes`] for lengths other than 8 to 16 (equal lengths): out of line, so the
/// common path stays small where it is inlined.
#[inline(never)]
fn short_or_long_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    // (The length test is the caller's too; here it lets the slice patterns below go
    // without bounds checks.)
    if n > 16 || n != b.len() {
        return a == b;
    }
    if n >= 4 {
        let half = |s: &[u8], at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u32::from_ne_bytes(w)
        };
        return (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0;
    }
    // Up to three bytes: the first, middle and last cover them all.
    match (a, b) {
        ([], []) => true,
        ([a0, .., an], [b0, .., bn]) => a0 == b0 && an == bn && a[n / 2] == b[n / 2],
        ([a0], [b0]) => a0 == b0,
        _ => false,
    }
}

/// The hasher of the keyspace's and the dicts' tables: foldhash's, with *every* seed drawn
/// from one 64-bit seed. foldhash's `FixedState` randomizes only the per-hasher seed and
/// keeps public constants for the rest: a key of 9 to 16 bytes whose last 8 bytes equal one
/// of them hashes to 0 whatever that seed, so crafted keys would all collide (a test below
/// keeps this from coming back).
#[derive(Clone, Debug)]
pub(crate) struct Seeded {
    per_hasher: u64,
    shared: foldhash::SharedSeed,
}

impl Seeded {
    /// A hasher whose seeds all derive from `seed`.
    pub(crate) fn with_seed(seed: u64) -> Seeded {
        Seeded {
            per_hasher: seed,
            shared: foldhash::SharedSeed::from_u64(seed.rotate_left(32) ^ 0x5bd1_e995_9e37_79b9),
        }
    }
}

impl Default for Seeded {
    fn default() -> Self {
        Seeded::with_seed(0)
    }
}

impl std::hash::BuildHasher for Seeded {
    type Hasher = foldhash::fast::FoldHasher;

    #[inline(always)]
    fn build_hasher(&self) -> Self::Hasher {
        foldhash::fast::FoldHasher::with_seed(self.per_hasher, &self.shared)
    }
}

/// The hash of the byte string `key` under `hasher`: the bytes written once, without the
/// length prefix `Hash for [u8]` adds, so the hasher's own short-input path runs inline
/// (`hash_one` went through an out-of-line `Hash` call, 5% of a cached look-up).
#[inline]
pub(crate) fn hash_bytes(hasher: &impl std::hash::BuildHasher, key: &[u8]) -> u64 {
    use std::hash::Hasher as _;
    let mut h = hasher.build_hasher();
    h.write(key);
    h.finish()
}

/// An owned byte string returned by the store: inline when short, else shared with the
/// store or copied into a pooled buffer. A shared one keeps the bytes it shares as they
/// were when read, whatever the store does after.
///
/// It dereferences to `[u8]` and compares equal to byte strings, `str`s and `Vec<u8>`.
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// store.strings().set("greeting", "hello")?;
/// let v = store.strings().get("greeting")?.unwrap();
/// assert_eq!(v, "hello");
/// assert_eq!(&v[..], b"hello");
/// assert_eq!(v.as_str(), Some("hello"));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone)]
pub struct Blob(Repr);

enum Repr {
    Inline {
        len: u8,
        buf: [u8; Blob::INLINE_CAPACITY],
    },
    Shared(Bytes),
    /// Bytes of a key's entry (see `raw.rs`).
    Entry(crate::raw::Share),
    /// A copy handed to a caller, in a buffer of the thread's [`pool`].
    Pooled {
        len: u8,
        buf: pool::Buf,
    },
}

/// Buffers for the copies a read hands out ([`Blob::reply`]): a value up to
/// [`pool::SIZE`] bytes is copied into a buffer taken from this thread's pool, and the
/// buffer goes back to the pool of the thread that drops the `Blob`. An `HGET` or `RPOP`
/// of a 100-byte value then calls no allocator, and the buffer it writes is one the
/// thread wrote a moment ago (still in its cache): `malloc` and `free` were 130 of a
/// read's instructions. The process holds at most 1024 such buffers (128 KiB), so a reply
/// of many values held at once takes exact-size copies past that. Values a collection
/// keeps are never pooled (they take exactly their size).
mod pool {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The longest value copied into a pooled buffer: the longest string stored packed
    /// with its key.
    pub(super) const SIZE: usize = 128;
    /// Buffers a thread keeps for its next replies.
    const KEPT: usize = 32;
    /// Pooled buffers in the whole process, kept or handed out: past this many (128 KiB),
    /// a reply is an exact-size copy (a reply of many values held at once, say).
    const MAX_LIVE: usize = 1024;

    /// Pooled buffers that exist (see [`MAX_LIVE`]): counted only where one is made or
    /// freed, never on the pool's common path.
    static LIVE: AtomicUsize = AtomicUsize::new(0);

    /// A thread's kept buffers; they leave the count with it when the thread ends.
    /// Boxes, not arrays: a buffer moves between the pool and a `Blob` by its address.
    #[allow(clippy::vec_box)]
    struct Free(Vec<Box<[u8; SIZE]>>);

    impl Drop for Free {
        fn drop(&mut self) {
            LIVE.fetch_sub(self.0.len(), Ordering::Relaxed);
        }
    }

    thread_local! {
        static FREE: RefCell<Free> = const { RefCell::new(Free(Vec::new())) };
    }

    /// A buffer of [`SIZE`] bytes, back to its thread's pool when dropped.
    pub(super) struct Buf(Option<Box<[u8; SIZE]>>);

    impl Buf {
        /// A buffer from this thread's pool, or a new one while the process has fewer
        /// than [`MAX_LIVE`]; `None` past that.
        #[inline]
        pub(super) fn take() -> Option<Buf> {
            let kept = FREE
                .try_with(|free| free.try_borrow_mut().ok()?.0.pop())
                .ok()
                .flatten();
            kept.or_else(make).map(|b| Buf(Some(b)))
        }

        #[inline]
        pub(super) fn bytes(&self) -> &[u8; SIZE] {
            self.0.as_deref().expect("a buffer until dropped")
        }

        #[inline]
        pub(super) fn bytes_mut(&mut self) -> &mut [u8; SIZE] {
            self.0.as_deref_mut().expect("a buffer until dropped")
        }
    }

    /// A new buffer, if the process may have one more.
    #[cold]
    fn make() -> Option<Box<[u8; SIZE]>> {
        if LIVE.fetch_add(1, Ordering::Relaxed) >= MAX_LIVE {
            LIVE.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        // Filled with a non-zero byte: a zeroed box is asked of `calloc`, which skips
        // the allocator's per-thread cache.
        Some(Box::new([0xa5; SIZE]))
    }

    /// Buffers this thread's pool holds.
    #[cfg(test)]
    pub(super) fn kept() -> usize {
        FREE.with(|free| free.borrow().0.len())
    }

    /// Pooled buffers in the process.
    #[cfg(test)]
    pub(super) fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// Fills this thread's pool with `n` buffers, waiting while other threads hold the
    /// process's last ones, so that the next `n` replies are pooled whatever runs beside.
    #[cfg(test)]
    pub(super) fn reserve(n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut held = Vec::new();
        while held.len() + kept() < n {
            match Buf::take() {
                Some(buf) => held.push(buf),
                None if std::time::Instant::now() < deadline => std::thread::yield_now(),
                None => panic!("other threads hold every pooled buffer"),
            }
        }
    }

    impl Drop for Buf {
        #[inline]
        fn drop(&mut self) {
            let Some(buf) = self.0.take() else { return };
            // Kept by this thread's pool if it has room (and still exists), else freed.
            let kept = FREE.try_with(|free| match free.try_borrow_mut() {
                Ok(mut free) if free.0.len() < KEPT => {
                    free.0.push(buf);
                    true
                }
                _ => false,
            });
            // (Unless kept, the buffer was dropped with the closure.)
            if kept != Ok(true) {
                LIVE.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Clone for Repr {
    fn clone(&self) -> Self {
        match self {
            Repr::Inline { len, buf } => Repr::Inline {
                len: *len,
                buf: *buf,
            },
            Repr::Shared(bytes) => Repr::Shared(bytes.clone()),
            Repr::Entry(share) => Repr::Entry(share.clone()),
            Repr::Pooled { len, buf } => Blob::reply(&buf.bytes()[..usize::from(*len)]).0,
        }
    }
}

impl Blob {
    /// The longest value held inline (without a heap allocation).
    pub const INLINE_CAPACITY: usize = 30;

    /// A `Blob` holding a copy of `bytes` (inline if short enough).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = embedis::Blob::copy_from_slice(b"abc");
    /// assert_eq!(b.len(), 3);
    /// ```
    #[inline]
    pub fn copy_from_slice(bytes: &[u8]) -> Self {
        if bytes.len() <= Self::INLINE_CAPACITY {
            let mut buf = [0; Self::INLINE_CAPACITY];
            buf[..bytes.len()].copy_from_slice(bytes);
            #[allow(clippy::cast_possible_truncation)] // checked just above
            Blob(Repr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Blob(Repr::Shared(Bytes::copy_from_slice(bytes)))
        }
    }

    /// A copy of `bytes` to hand to a caller: inline if short enough, else in a pooled
    /// buffer (see [`pool`]) up to its size, else shared. Never for a value a collection
    /// keeps.
    #[inline]
    pub(crate) fn reply(bytes: &[u8]) -> Self {
        if bytes.len() <= Self::INLINE_CAPACITY || bytes.len() > pool::SIZE {
            return Blob::copy_from_slice(bytes);
        }
        let Some(mut buf) = pool::Buf::take() else {
            return Blob::copy_from_slice(bytes);
        };
        buf.bytes_mut()[..bytes.len()].copy_from_slice(bytes);
        #[allow(clippy::cast_possible_truncation)] // at most pool::SIZE
        Blob(Repr::Pooled {
            len: bytes.len() as u8,
            buf,
        })
    }

    /// A stored `Blob` to hand to a caller: a copy in a pooled buffer when it fits one
    /// (cheaper than sharing a buffer, whose count sits in another cache line), else a
    /// clone.
    #[inline]
    pub(crate) fn to_reply(&self) -> Blob {
        match &self.0 {
            Repr::Shared(bytes) if bytes.len() <= pool::SIZE => Blob::reply(bytes),
            _ => self.clone(),
        }
    }

    /// Whether this holds a share of an entry's block.
    #[cfg(test)]
    pub(crate) fn holds_entry(&self) -> bool {
        matches!(self.0, Repr::Entry(_))
    }

    /// A `Blob` holding a share of an entry's bytes.
    pub(crate) fn from_share(share: crate::raw::Share) -> Self {
        Blob(Repr::Entry(share))
    }

    /// A `Blob` for a collection to keep: a pooled copy or a share of an entry becomes
    /// a buffer of its exact size (a stored value never holds another key's entry).
    pub(crate) fn detached(&self) -> Blob {
        match &self.0 {
            Repr::Pooled { .. } | Repr::Entry(_) => {
                Blob(Repr::Shared(Bytes::copy_from_slice(self)))
            }
            _ => self.clone(),
        }
    }

    /// The bytes as a `str`, if they are UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::Blob::from("héllo").as_str(), Some("héllo"));
    /// assert_eq!(embedis::Blob::from(&[0xff_u8][..]).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self).ok()
    }

    /// The bytes as a [`bytes::Bytes`] (no copy when the value is shared).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = embedis::Blob::from("abc").into_bytes();
    /// assert_eq!(&b[..], b"abc");
    /// ```
    pub fn into_bytes(self) -> Bytes {
        match self.0 {
            Repr::Inline { .. } | Repr::Pooled { .. } | Repr::Entry(_) => {
                Bytes::copy_from_slice(&self)
            }
            Repr::Shared(bytes) => bytes,
        }
    }
}

impl crate::mem::Heap for Blob {
    fn heap(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Shared(bytes) => bytes.len(),
            Repr::Pooled { .. } => pool::SIZE,
            Repr::Entry(share) => share.len(),
        }
    }
}

impl Deref for Blob {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..usize::from(*len)],
            Repr::Shared(bytes) => bytes,
            Repr::Pooled { len, buf } => &buf.bytes()[..usize::from(*len)],
            Repr::Entry(share) => share,
        }
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Borrow<[u8]> for Blob {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl Default for Blob {
    fn default() -> Self {
        Blob::copy_from_slice(b"")
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Blob::copy_from_slice(bytes)
    }
}

impl From<&str> for Blob {
    fn from(s: &str) -> Self {
        Blob::copy_from_slice(s.as_bytes())
    }
}

impl From<Vec<u8>> for Blob {
    fn from(v: Vec<u8>) -> Self {
        Blob::from(Bytes::from(v))
    }
}

impl From<String> for Blob {
    fn from(s: String) -> Self {
        Blob::from(s.into_bytes())
    }
}

impl From<Bytes> for Blob {
    fn from(bytes: Bytes) -> Self {
        if bytes.len() <= Self::INLINE_CAPACITY {
            Blob::copy_from_slice(&bytes)
        } else {
            Blob(Repr::Shared(bytes))
        }
    }
}

impl From<Blob> for Bytes {
    fn from(blob: Blob) -> Self {
        blob.into_bytes()
    }
}

impl From<Blob> for Vec<u8> {
    fn from(blob: Blob) -> Self {
        blob.to_vec()
    }
}

impl PartialEq for Blob {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Blob {}

impl PartialOrd for Blob {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Blob {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl Hash for Blob {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

macro_rules! blob_eq {
    ($($t:ty => $conv:expr),* $(,)?) => {$(
        impl PartialEq<$t> for Blob {
            fn eq(&self, other: &$t) -> bool {
                let conv: for<'a> fn(&'a $t) -> &'a [u8] = $conv;
                **self == *conv(other)
            }
        }
        impl PartialEq<Blob> for $t {
            fn eq(&self, other: &Blob) -> bool {
                other == self
            }
        }
    )*};
}

blob_eq! {
    [u8] => |s| s,
    &[u8] => |s| s,
    str => str::as_bytes,
    &str => |s| s.as_bytes(),
    Vec<u8> => Vec::as_slice,
    String => String::as_bytes,
    Bytes => |b| b,
}

impl<const N: usize> PartialEq<[u8; N]> for Blob {
    fn eq(&self, other: &[u8; N]) -> bool {
        **self == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Blob {
    fn eq(&self, other: &&[u8; N]) -> bool {
        **self == other[..]
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.escape_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys built to zero foldhash's multiply under its fixed seeds (their last 8 bytes
    /// are one of its public constants) spread like any others under `Seeded`.
    #[test]
    fn crafted_keys_do_not_collide() {
        let hasher = Seeded::with_seed(12_345);
        for constant in [
            0xbe54_66cf_34e9_0c6c_u64,
            0x243f_6a88_85a3_08d3,
            0x1319_8a2e_0370_7344,
        ] {
            let distinct: std::collections::HashSet<u64> = (0..1_000u64)
                .map(|i| {
                    let mut key = i.to_le_bytes().to_vec();
                    key.extend_from_slice(&constant.to_ne_bytes());
                    hash_bytes(&hasher, &key)
                })
                .collect();
            assert_eq!(distinct.len(), 1_000, "constant {constant:#x}");
        }
        let fixed = foldhash::fast::FixedState::with_seed(12_345);
        let mut key = 7u64.to_le_bytes().to_vec();
        key.extend_from_slice(&0xbe54_66cf_34e9_0c6c_u64.to_ne_bytes());
        assert_eq!(
            hash_bytes(&fixed, &key),
            0,
            "the weakness this guards against"
        );
    }

    #[test]
    fn same_bytes_is_slice_equality_at_every_length_and_position() {
        let a: Vec<u8> = (0..40u8).collect();
        for n in 0..=40 {
            let copy = a[..n].to_vec();
            assert!(same_bytes(&a[..n], &copy));
            if n > 0 {
                assert!(
                    !same_bytes(&a[..n], &a[..n - 1]),
                    "length {n} against {}",
                    n - 1
                );
            }
            for i in 0..n {
                let mut b = a[..n].to_vec();
                b[i] ^= 0x80;
                assert!(!same_bytes(&a[..n], &b), "length {n}, byte {i} differs");
            }
        }
    }

    #[test]
    fn short_values_are_inline_and_long_ones_shared() {
        assert!(std::mem::size_of::<Blob>() <= 40);
        assert!(matches!(
            Blob::from("x".repeat(30).as_str()).0,
            Repr::Inline { .. }
        ));
        assert!(matches!(
            Blob::from("x".repeat(31).as_str()).0,
            Repr::Shared(_)
        ));
        let long = Bytes::from(vec![7u8; 100]);
        let blob = Blob::from(long.clone());
        assert_eq!(blob.into_bytes().as_ptr(), long.as_ptr());
    }

    /// Held by the tests that count the process's pooled buffers or need some: one of
    /// them holds every buffer for a while.
    static POOL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn pool_to_myself() -> std::sync::MutexGuard<'static, ()> {
        let guard = POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pool::reserve(4);
        guard
    }

    #[test]
    fn replies_are_inline_pooled_or_shared_by_length_and_read_back() {
        let _pool = pool_to_myself();
        for n in 0..=300usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 7 + n).to_le_bytes()[0]).collect();
            let reply = Blob::reply(&bytes);
            assert_eq!(reply, bytes);
            let expected = match n {
                0..=30 => "inline",
                31..=128 => "pooled",
                _ => "shared",
            };
            let actual = match &reply.0 {
                Repr::Inline { .. } => "inline",
                Repr::Pooled { .. } => "pooled",
                Repr::Shared(_) => "shared",
                Repr::Entry(_) => "entry",
            };
            assert_eq!(actual, expected, "length {n}");
            let copy = reply.clone();
            drop(reply);
            assert_eq!(copy, bytes, "a clone outlives the original");
            assert_eq!(copy.clone().into_bytes(), bytes);
            // What a collection keeps takes its exact length, never a pooled buffer.
            let kept = copy.detached();
            assert_eq!(kept, bytes);
            assert!(!matches!(kept.0, Repr::Pooled { .. }));
            assert_eq!(crate::mem::Heap::heap(&kept), if n > 30 { n } else { 0 });
            let stored = Blob::copy_from_slice(&bytes);
            let copied = matches!(
                stored.to_reply().0,
                Repr::Inline { .. } | Repr::Pooled { .. }
            );
            assert_eq!(copied, n <= 128, "length {n}");
        }
    }

    #[test]
    fn a_dropped_reply_gives_its_buffer_to_the_next_and_the_pool_stays_bounded() {
        let _pool = pool_to_myself();
        let addr = |b: &Blob| b.as_ptr() as usize;
        let first = Blob::reply(&[1; 100]);
        let at = addr(&first);
        drop(first);
        let second = Blob::reply(&[2; 50]);
        assert_eq!(addr(&second), at, "the buffer is reused");
        assert_eq!(second, [2u8; 50]);
        drop(second);
        // Many replies held at once come from the allocator past the pool; dropped, at
        // most KEPT go back.
        let many: Vec<Blob> = (0..200u8).map(|i| Blob::reply(&[i; 64])).collect();
        for (i, b) in (0..200u8).zip(&many) {
            assert_eq!(**b, [i; 64]);
        }
        drop(many);
        let kept = pool::kept();
        assert!(kept > 0 && kept <= 32, "{kept}");
        // However many are held at once, the process has at most 1024 pooled buffers
        // (other tests' included): past that, replies are exact copies.
        let many: Vec<Blob> = (0..3000u32)
            .map(|i| Blob::reply(&[i.to_le_bytes()[0]; 40]))
            .collect();
        assert!(pool::live() <= 1024, "{}", pool::live());
        let exact = many
            .iter()
            .filter(|b| matches!(b.0, Repr::Shared(_)))
            .count();
        assert!(exact >= 3000 - 1024, "{exact}");
        for (i, b) in (0..3000u32).zip(&many) {
            assert_eq!(**b, [i.to_le_bytes()[0]; 40]);
            assert_eq!(b.clone(), *b);
        }
        drop(many);
        assert!(pool::kept() <= 32);
        // A reply dropped on another thread goes to that thread's pool, and one dropped
        // while a thread exits is freed.
        let reply = Blob::reply(&[9; 99]);
        std::thread::spawn(move || {
            assert_eq!(reply, [9u8; 99]);
            drop(reply);
            assert_eq!(pool::kept(), 1);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn compares_with_common_byte_types() {
        let b = Blob::from("abc");
        assert_eq!(b, "abc");
        assert_eq!(b, b"abc");
        assert_eq!(b, b"abc".to_vec());
        assert_ne!(b, "abd");
        assert_eq!(format!("{b:?}"), "b\"abc\"");
    }
}
