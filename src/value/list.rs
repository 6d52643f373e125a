//! The list value: a deque of chunks (Redis's quicklist, simplified).
//!
//! Short elements (up to [`SMALL`] bytes) are packed, up to [`CHUNK_ENTRIES`] of them or
//! [`CHUNK_BYTES`] bytes, into one buffer as `[len][bytes][len]`: the length byte on both
//! sides makes the first and the last element reachable in O(1), and the buffer keeps
//! room at its front as a vector does at its back, so pushes and pops at either end move
//! no other element (amortized). A longer element is a chunk of its own holding a shared
//! [`Blob`], so a popped payload that large is moved out, not copied.
//!
//! For 16-byte elements that is 18 bytes an element plus a few bytes of chunk overhead,
//! against 32 for a `VecDeque<Blob>`. `LINDEX` walks chunk counts from the nearer end:
//! O(1) near the ends, O(number of chunks) in the middle (a chunk holds up to 128
//! elements, 15 of 255 bytes). Edits in the middle (`LSET`, `LINSERT`)
//! rebuild one chunk; `LREM` rebuilds the list, O(n) as in Redis.

use std::collections::VecDeque;

use super::Elem;
use crate::Blob;
use crate::mem::Heap;

/// Longest element packed into a chunk (its length is one byte on either side); longer
/// ones are chunks of their own. Packing saves an allocation per element, which was a
/// fifth of an `LPUSH` of 100 bytes.
pub(crate) const SMALL: usize = 255;
/// Most elements in a packed chunk.
pub(crate) const CHUNK_ENTRIES: usize = 128;
/// Most bytes in a packed chunk.
pub(crate) const CHUNK_BYTES: usize = 4096;

/// Packed short elements, each as `[len][bytes][len]`, in `buf[head..]`: the room before
/// `head` takes pushes at the front without moving the rest (it doubles when it runs
/// out, as a vector's spare room does at the back), and a pop at the front only moves
/// `head`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packed {
    buf: Vec<u8>,
    head: u16,
    count: u16,
}

/// Writes `s` as `[len][bytes][len]` into `slot`, which is `s.len() + 2` bytes.
#[allow(clippy::cast_possible_truncation)] // lengths are at most SMALL
fn encode(slot: &mut [u8], s: &[u8]) {
    let n = slot.len();
    slot[0] = s.len() as u8;
    slot[1..n - 1].copy_from_slice(s);
    slot[n - 1] = s.len() as u8;
}

impl Packed {
    fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// The elements' bytes.
    fn data(&self) -> &[u8] {
        &self.buf[usize::from(self.head)..]
    }

    fn fits(&self, s: &[u8]) -> bool {
        self.len() < CHUNK_ENTRIES && self.data().len() + s.len() + 2 <= CHUNK_BYTES
    }

    fn push_back(&mut self, s: &[u8]) {
        let at = self.buf.len();
        self.buf.resize(at + s.len() + 2, 0);
        encode(&mut self.buf[at..], s);
        self.count += 1;
    }

    #[allow(clippy::cast_possible_truncation)] // the room is at most CHUNK_BYTES
    fn push_front(&mut self, s: &[u8]) {
        let n = s.len() + 2;
        if usize::from(self.head) < n {
            let data = self.data();
            // Double the room, but never past what the chunk may still take.
            let room = data
                .len()
                .min(CHUNK_BYTES.saturating_sub(data.len()))
                .max(n);
            let mut buf = Vec::with_capacity(room + data.len());
            buf.resize(room, 0);
            buf.extend_from_slice(data);
            self.buf = buf;
            self.head = room as u16;
        }
        let at = usize::from(self.head) - n;
        encode(&mut self.buf[at..at + n], s);
        self.head = at as u16;
        self.count += 1;
    }

    /// Gives back the spare room at both ends (a chunk that is full).
    fn seal(&mut self) {
        self.drop_front_room();
        self.buf.shrink_to_fit();
    }

    /// Moves the elements to the start of the buffer.
    fn drop_front_room(&mut self) {
        self.buf.drain(..usize::from(self.head));
        self.head = 0;
    }

    fn first_span(&self) -> (usize, usize) {
        (0, usize::from(self.data()[0]) + 2)
    }

    fn last_span(&self) -> (usize, usize) {
        let data = self.data();
        let end = data.len();
        (end - usize::from(data[end - 1]) - 2, end)
    }

    fn bytes(&self, (start, end): (usize, usize)) -> &[u8] {
        &self.data()[start + 1..end - 1]
    }

    #[allow(clippy::cast_possible_truncation)] // within the buffer's CHUNK_BYTES
    fn pop_front(&mut self) -> Blob {
        let span = self.first_span();
        let out = Blob::reply(self.bytes(span));
        self.head += span.1 as u16;
        self.count -= 1;
        // Room freed at the front is kept for pushes there, but not much more than the
        // elements' own bytes (a queue through one chunk would otherwise grow it): the
        // move this costs is paid for by the pops that freed the room.
        if usize::from(self.head) > self.data().len() + SMALL + 2 {
            self.drop_front_room();
        }
        out
    }

    fn pop_back(&mut self) -> Blob {
        let span = self.last_span();
        let out = Blob::reply(self.bytes(span));
        self.buf.truncate(usize::from(self.head) + span.0);
        self.count -= 1;
        out
    }

    fn pop(&mut self, side: Side) -> Blob {
        match side {
            Side::Left => self.pop_front(),
            Side::Right => self.pop_back(),
        }
    }

    /// Spans of the elements, from either end.
    fn spans(&self) -> Spans<'_> {
        let buf = self.data();
        Spans {
            buf,
            front: 0,
            back: buf.len(),
        }
    }

    fn get(&self, i: usize) -> &[u8] {
        let data = self.data();
        let span = if i < self.len() / 2 {
            let mut at = 0;
            for _ in 0..i {
                at += usize::from(data[at]) + 2;
            }
            (at, at + usize::from(data[at]) + 2)
        } else {
            let mut end = data.len();
            for _ in 0..self.len() - 1 - i {
                end -= usize::from(data[end - 1]) + 2;
            }
            (end - usize::from(data[end - 1]) - 2, end)
        };
        self.bytes(span)
    }
}

/// The spans of a [`Packed`]'s elements, walkable from both ends.
struct Spans<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
}

impl Iterator for Spans<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        (self.front < self.back).then(|| {
            let start = self.front;
            self.front += usize::from(self.buf[start]) + 2;
            (start, self.front)
        })
    }
}

impl DoubleEndedIterator for Spans<'_> {
    fn next_back(&mut self) -> Option<(usize, usize)> {
        (self.front < self.back).then(|| {
            let end = self.back;
            self.back -= usize::from(self.buf[end - 1]) + 2;
            (self.back, end)
        })
    }
}

/// A run of elements: packed short ones, or one long one.
#[derive(Debug, Clone)]
enum Chunk {
    Packed(Packed),
    Big(Blob),
}

impl Chunk {
    /// Heap bytes the chunk owns (see `mem.rs`).
    fn heap(&self) -> usize {
        match self {
            Chunk::Packed(p) => p.buf.capacity(),
            Chunk::Big(b) => b.heap(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Chunk::Packed(p) => p.len(),
            Chunk::Big(_) => 1,
        }
    }

    fn get(&self, i: usize) -> Elem<'_> {
        match self {
            Chunk::Packed(p) => Elem::Bytes(p.get(i)),
            Chunk::Big(b) => Elem::Blob(b),
        }
    }

    fn elems(&self) -> ChunkElems<'_> {
        match self {
            Chunk::Packed(p) => ChunkElems::Packed(p, p.spans()),
            Chunk::Big(b) => ChunkElems::Big(Some(b)),
        }
    }
}

/// The elements of one chunk, from either end.
enum ChunkElems<'a> {
    Packed(&'a Packed, Spans<'a>),
    Big(Option<&'a Blob>),
}

impl<'a> Iterator for ChunkElems<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        match self {
            ChunkElems::Packed(p, spans) => spans.next().map(|s| Elem::Bytes(p.bytes(s))),
            ChunkElems::Big(b) => b.take().map(Elem::Blob),
        }
    }
}

impl DoubleEndedIterator for ChunkElems<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ChunkElems::Packed(p, spans) => spans.next_back().map(|s| Elem::Bytes(p.bytes(s))),
            ChunkElems::Big(b) => b.take().map(Elem::Blob),
        }
    }
}

/// An end of a list: `LEFT` (the head, index 0) or `RIGHT` (the tail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The head (`LEFT`, where `LPUSH` adds).
    Left,
    /// The tail (`RIGHT`, where `RPUSH` adds).
    Right,
}

/// A list value.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListValue {
    chunks: VecDeque<Chunk>,
    len: usize,
    /// Heap bytes owned by the chunks (see `mem.rs`).
    heap: usize,
}

fn big(s: &[u8]) -> Chunk {
    Chunk::Big(Blob::copy_from_slice(s))
}

impl ListValue {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes this list allocates, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        crate::mem::vec_bytes::<Chunk>(self.chunks.capacity()) + self.heap
    }

    /// A list holding `elems` in order.
    pub(crate) fn from_elems<'a>(elems: impl IntoIterator<Item = Elem<'a>>) -> ListValue {
        let mut list = ListValue::default();
        for e in elems {
            match e {
                Elem::Blob(b) if b.len() > SMALL => {
                    let b = b.detached();
                    list.heap += b.heap();
                    list.chunks.push_back(Chunk::Big(b));
                    list.len += 1;
                }
                e => e.with_bytes(|b| list.push(Side::Right, b)),
            }
        }
        list
    }

    /// Adds `s` at `side`.
    pub(crate) fn push(&mut self, side: Side, s: &[u8]) {
        self.len += 1;
        let chunk = if s.len() > SMALL {
            big(s)
        } else {
            let end = match side {
                Side::Left => self.chunks.front_mut(),
                Side::Right => self.chunks.back_mut(),
            };
            if let Some(Chunk::Packed(p)) = end {
                let before = p.buf.capacity();
                let pushed = p.fits(s);
                if pushed {
                    match side {
                        Side::Left => p.push_front(s),
                        Side::Right => p.push_back(s),
                    }
                } else {
                    p.seal();
                }
                self.heap = self.heap - before + p.buf.capacity();
                if pushed {
                    return;
                }
            }
            let mut p = Packed::default();
            p.push_back(s);
            Chunk::Packed(p)
        };
        self.heap += chunk.heap();
        match side {
            Side::Left => self.chunks.push_front(chunk),
            Side::Right => self.chunks.push_back(chunk),
        }
    }

    /// Removes and returns the element at `side`.
    pub(crate) fn pop(&mut self, side: Side) -> Option<Blob> {
        let end = match side {
            Side::Left => self.chunks.front_mut(),
            Side::Right => self.chunks.back_mut(),
        };
        let out = match end? {
            Chunk::Packed(p) if p.len() > 1 => p.pop(side),
            _ => {
                let chunk = match side {
                    Side::Left => self.chunks.pop_front(),
                    Side::Right => self.chunks.pop_back(),
                };
                let chunk = chunk?;
                self.heap -= chunk.heap();
                match chunk {
                    Chunk::Packed(mut p) => p.pop(side),
                    Chunk::Big(b) => b,
                }
            }
        };
        self.len -= 1;
        Some(out)
    }

    /// The chunk holding element `i` (< len) and `i`'s place in it, walking from the
    /// nearer end.
    fn locate(&self, i: usize) -> (usize, usize) {
        if i < self.len / 2 {
            let mut skipped = 0;
            for (c, chunk) in self.chunks.iter().enumerate() {
                if i < skipped + chunk.len() {
                    return (c, i - skipped);
                }
                skipped += chunk.len();
            }
        } else {
            let mut end = self.len;
            for (c, chunk) in self.chunks.iter().enumerate().rev() {
                let start = end - chunk.len();
                if i >= start {
                    return (c, i - start);
                }
                end = start;
            }
        }
        unreachable!("index {i} is below the length {}", self.len)
    }

    /// Element `i` (counting from the front), if `i < len`.
    pub(crate) fn get(&self, i: usize) -> Option<Elem<'_>> {
        (i < self.len).then(|| {
            let (c, at) = self.locate(i);
            self.chunks[c].get(at)
        })
    }

    /// The elements from `start` on, front to back.
    pub(crate) fn iter_from(&self, start: usize) -> impl Iterator<Item = Elem<'_>> + '_ {
        let (first, skip) = if start < self.len {
            self.locate(start)
        } else {
            (self.chunks.len(), 0)
        };
        self.chunks.range(first..).flat_map(Chunk::elems).skip(skip)
    }

    /// Every element, front to back.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = Elem<'_>> + '_ {
        self.chunks.iter().flat_map(Chunk::elems)
    }

    /// Replaces chunk `c` with the chunks holding `elems`.
    fn rebuild_chunk(&mut self, c: usize, elems: &[Blob]) {
        let rebuilt = ListValue::from_elems(elems.iter().map(Elem::Blob));
        if let Some(old) = self.chunks.remove(c) {
            self.heap -= old.heap();
        }
        self.heap += rebuilt.heap;
        for (k, chunk) in rebuilt.chunks.into_iter().enumerate() {
            self.chunks.insert(c + k, chunk);
        }
    }

    fn chunk_elems(&self, c: usize) -> Vec<Blob> {
        self.chunks[c].elems().map(Elem::to_blob).collect()
    }

    /// Sets element `i` (< len) to `s`.
    pub(crate) fn set(&mut self, i: usize, s: &[u8]) {
        let (c, at) = self.locate(i);
        let mut elems = self.chunk_elems(c);
        elems[at] = Blob::copy_from_slice(s);
        self.rebuild_chunk(c, &elems);
    }

    /// Inserts `s` so that it becomes element `i` (<= len).
    pub(crate) fn insert(&mut self, i: usize, s: &[u8]) {
        if i == 0 {
            return self.push(Side::Left, s);
        }
        if i == self.len {
            return self.push(Side::Right, s);
        }
        let (c, at) = self.locate(i);
        let mut elems = self.chunk_elems(c);
        elems.insert(at, Blob::copy_from_slice(s));
        self.len += 1;
        self.rebuild_chunk(c, &elems);
    }

    /// Removes `front` elements from the front and `back` from the back.
    pub(crate) fn trim(&mut self, front: usize, back: usize) {
        let mut front = front.min(self.len);
        let mut back = back.min(self.len - front);
        self.len -= front + back;
        while front > 0 {
            let n = self.chunks[0].len();
            if n <= front {
                if let Some(old) = self.chunks.pop_front() {
                    self.heap -= old.heap();
                }
                front -= n;
            } else {
                if let Some(Chunk::Packed(p)) = self.chunks.front_mut() {
                    for _ in 0..front {
                        p.pop_front();
                    }
                }
                front = 0;
            }
        }
        while back > 0 {
            let n = self.chunks[self.chunks.len() - 1].len();
            if n <= back {
                if let Some(old) = self.chunks.pop_back() {
                    self.heap -= old.heap();
                }
                back -= n;
            } else {
                if let Some(Chunk::Packed(p)) = self.chunks.back_mut() {
                    for _ in 0..back {
                        p.pop_back();
                    }
                }
                back = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn elem(rng: &mut SmallRng) -> Vec<u8> {
        let len = match rng.gen_range(0..10) {
            0 => rng.gen_range(SMALL + 1..300),
            1 => 0,
            _ => rng.gen_range(1..=SMALL),
        };
        (0..len).map(|_| rng.gen_range(b'a'..=b'z')).collect()
    }

    fn check(list: &ListValue, model: &VecDeque<Vec<u8>>) {
        assert_eq!(list.len(), model.len());
        let all: Vec<Vec<u8>> = list.iter().map(|e| e.to_blob().to_vec()).collect();
        assert_eq!(all, Vec::from(model.clone()));
        let back: Vec<Vec<u8>> = list.iter().rev().map(|e| e.to_blob().to_vec()).collect();
        assert_eq!(back, model.iter().rev().cloned().collect::<Vec<_>>());
        let counted: usize = list.chunks.iter().map(Chunk::len).sum();
        assert_eq!(counted, list.len(), "chunk counts add up");
        let heap: usize = list.chunks.iter().map(Chunk::heap).sum();
        assert_eq!(heap, list.heap, "heap bytes counted");
        for chunk in &list.chunks {
            match chunk {
                Chunk::Packed(p) => {
                    assert!(
                        p.len() > 0 && p.len() <= CHUNK_ENTRIES && p.data().len() <= CHUNK_BYTES
                    );
                    assert!(usize::from(p.head) <= CHUNK_BYTES + 2 * (SMALL + 2));
                }
                Chunk::Big(b) => assert!(b.len() > SMALL),
            }
        }
    }

    #[test]
    fn agrees_with_a_deque_under_random_edits() {
        let mut rng = SmallRng::seed_from_u64(9);
        let mut list = ListValue::default();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for step in 0..8_000 {
            let e = elem(&mut rng);
            match rng.gen_range(0..10) {
                0 | 1 => {
                    list.push(Side::Right, &e);
                    model.push_back(e);
                }
                2 | 3 => {
                    list.push(Side::Left, &e);
                    model.push_front(e);
                }
                4 => assert_eq!(list.pop(Side::Left).map(|b| b.to_vec()), model.pop_front()),
                5 => assert_eq!(list.pop(Side::Right).map(|b| b.to_vec()), model.pop_back()),
                6 if !model.is_empty() => {
                    let i = rng.gen_range(0..model.len());
                    list.set(i, &e);
                    model[i] = e;
                }
                7 => {
                    let i = rng.gen_range(0..=model.len());
                    list.insert(i, &e);
                    model.insert(i, e);
                }
                8 if step % 50 == 0 => {
                    let (f, b) = (rng.gen_range(0..5), rng.gen_range(0..5));
                    list.trim(f, b);
                    for _ in 0..f.min(model.len()) {
                        model.pop_front();
                    }
                    for _ in 0..b.min(model.len()) {
                        model.pop_back();
                    }
                }
                _ => {
                    if !model.is_empty() {
                        let i = rng.gen_range(0..model.len());
                        assert_eq!(list.get(i).unwrap().to_blob().to_vec(), model[i]);
                        let from: Vec<Vec<u8>> =
                            list.iter_from(i).map(|e| e.to_blob().to_vec()).collect();
                        assert_eq!(from, model.iter().skip(i).cloned().collect::<Vec<_>>());
                    }
                    assert!(list.get(model.len()).is_none());
                }
            }
            if step % 97 == 0 {
                check(&list, &model);
            }
        }
        check(&list, &model);
    }

    fn buffer_bytes(list: &ListValue) -> usize {
        list.chunks
            .iter()
            .map(|c| match c {
                Chunk::Packed(p) => p.buf.capacity(),
                Chunk::Big(_) => 0,
            })
            .sum()
    }

    #[test]
    fn sixteen_byte_elements_cost_about_eighteen_bytes_from_either_end() {
        for side in [Side::Right, Side::Left] {
            let mut list = ListValue::default();
            for i in 0..10_000u32 {
                list.push(side, format!("{i:016}").as_bytes());
            }
            #[allow(clippy::cast_precision_loss)]
            let per = buffer_bytes(&list) as f64 / 10_000.0;
            assert!(
                per < 19.0,
                "{side:?}: {per} bytes an element in chunk buffers"
            );
        }
    }

    #[test]
    fn front_room_stays_within_what_the_chunk_can_take() {
        let mut list = ListValue::default();
        // One chunk of 39 elements of 100 bytes (3,978 bytes), then a short push in front.
        for _ in 0..39 {
            list.push(Side::Right, &[b'x'; 100]);
        }
        assert_eq!(list.chunks.len(), 1);
        list.push(Side::Left, b"short");
        assert_eq!(list.chunks.len(), 1);
        assert!(
            buffer_bytes(&list) <= 2 * CHUNK_BYTES,
            "{}",
            buffer_bytes(&list)
        );
        let Chunk::Packed(p) = &list.chunks[0] else {
            panic!("packed")
        };
        assert!(usize::from(p.head) + p.data().len() <= CHUNK_BYTES);
        assert_eq!(list.pop(Side::Left).unwrap(), &b"short"[..]);
    }
}

#[cfg(test)]
mod short_tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn short_elements_fill_chunks_by_count() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut list = ListValue::default();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for step in 0..200_000u32 {
            let e = step.to_string().into_bytes();
            match rng.gen_range(0..4) {
                0 => {
                    list.push(Side::Right, &e);
                    model.push_back(e);
                }
                1 => {
                    list.push(Side::Left, &e);
                    model.push_front(e);
                }
                2 => assert_eq!(
                    list.pop(Side::Left).map(|b| b.to_vec()),
                    model.pop_front(),
                    "step {step}"
                ),
                _ => assert_eq!(
                    list.pop(Side::Right).map(|b| b.to_vec()),
                    model.pop_back(),
                    "step {step}"
                ),
            }
            assert_eq!(list.len(), model.len());
        }
    }
}
