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

/// Bytes a `hashbrown` table of `T` with room for `capacity` items allocates: a power of
/// two of buckets, each a `T` and a control byte, plus one group of control bytes.
pub(crate) fn table_bytes<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (size_of::<T>() + 1) + 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_bytes_follow_hashbrowns_growth() {
        assert_eq!(table_bytes::<u32>(0), 0);
        let t: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(100);
        // 100 items need 128 buckets (at most 7/8 full): 5 bytes each plus a group.
        assert_eq!(table_bytes::<u32>(t.capacity()), 128 * 5 + 16);
        assert_eq!(table_bytes::<u32>(3), 4 * 5 + 16);
    }
}
