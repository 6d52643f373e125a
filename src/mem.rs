//! Memory accounting: what a value holds on the heap, estimated in O(1).
//!
//! Every stored structure can say how many bytes it owns, from its capacities and from
//! counters its owner keeps up to date as elements come and go, never by walking its
//! elements. The keyspace sums these per entry as writes happen (see `keyspace.rs`), so
//! `used_memory` is one load. Figures are requested bytes, as a counting allocator sees
//! them; the allocator's own size classes and headers are not counted (Redis's
//! `used_memory` does count them, through jemalloc's statistics).

use std::mem::size_of;

/// Heap bytes owned by a value, beyond its own inline size.
pub(crate) trait Heap {
    /// The bytes this value owns on the heap.
    fn heap(&self) -> usize;
}

impl Heap for () {
    fn heap(&self) -> usize {
        0
    }
}

#[cfg(test)]
impl Heap for u32 {
    fn heap(&self) -> usize {
        0
    }
}

/// Bytes a `Vec<T>` of capacity `capacity` allocates.
pub(crate) fn vec_bytes<T>(capacity: usize) -> usize {
    capacity * size_of::<T>()
}
