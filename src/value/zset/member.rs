//! `Member`: a sorted-set member as stored — 24 bytes, inline up to 22.
//!
//! A [`Blob`] (the store's reply type) is 40 bytes; a million skiplist nodes each
//! holding one would spend 16 bytes a member on headroom most members never use. Short
//! members (ids, names: up to [`Member::INLINE`] bytes) sit inline; longer ones in one
//! exact-size heap allocation.

use std::ops::Deref;

use crate::Blob;

/// A member's bytes, inline when short.
#[derive(Clone)]
pub(crate) struct Member(Repr);

#[derive(Clone)]
enum Repr {
    Inline(u8, [u8; Member::INLINE]),
    Heap(Box<[u8]>),
}

impl Member {
    /// The longest member held inline.
    pub(crate) const INLINE: usize = 22;

    pub(crate) fn new(bytes: &[u8]) -> Member {
        if bytes.len() <= Self::INLINE {
            let mut buf = [0; Self::INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            #[allow(clippy::cast_possible_truncation)] // at most INLINE
            Member(Repr::Inline(bytes.len() as u8, buf))
        } else {
            Member(Repr::Heap(bytes.into()))
        }
    }

    /// A copy for the caller.
    pub(crate) fn to_blob(&self) -> Blob {
        Blob::reply(self)
    }
}

impl crate::mem::Heap for Member {
    fn heap(&self) -> usize {
        match &self.0 {
            Repr::Inline(..) => 0,
            Repr::Heap(b) => b.len(),
        }
    }
}

impl Default for Member {
    fn default() -> Self {
        Member(Repr::Inline(0, [0; Self::INLINE]))
    }
}

impl Deref for Member {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(len, buf) => &buf[..usize::from(*len)],
            Repr::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_24_bytes_and_keeps_every_length() {
        assert_eq!(std::mem::size_of::<Member>(), 24);
        for len in [0, 1, 22, 23, 64, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|i: u32| u8::try_from(i % 251).unwrap())
                .collect();
            let m = Member::new(&bytes);
            assert_eq!(&m[..], &bytes[..]);
            assert_eq!(&m.to_blob()[..], &bytes[..]);
        }
    }
}
