//! The shape of Redis's radix tree (`rax.c`), as far as `XINFO STREAM` shows it: the
//! `radix-tree-nodes` field is `s->rax->numnodes`, the node count of the rax that keys a
//! stream's listpacks by their master ID (16 bytes: big-endian ms, then seq).
//!
//! For keys of one fixed length none of which is a prefix of another, the rax is always
//! the canonical compressed trie of its keys, whatever the order of insertions and
//! removals: insertion splits a compressed node into a trimmed part, a split node and a
//! postfix part (never leaving two single-child non-key nodes in a row), and
//! `raxRemove` frees childless non-key nodes upward and then recompresses the single-child
//! chain around the node that lost a child. Its nodes sit at these positions (prefixes):
//!
//! - the root (the head, always present, empty when the rax is);
//! - every branch point, a prefix whose keys differ in the next byte (a normal node with
//!   one edge per distinct byte);
//! - every child of a branch point (a compressed node, a one-byte normal node, a branch
//!   point itself or a leaf);
//! - every key (a leaf, a normal node with no children).
//!
//! A run of single-child non-key positions between two of these is one node: compressed
//! when it spans more than one byte, else a normal node with one edge. (Compressed nodes
//! hold at most 2^29 - 1 bytes, far beyond 16.)

/// The number of nodes Redis's rax holds for these keys: `radix-tree-nodes` of a stream
/// whose listpack master IDs, as [`StreamId::to_be_bytes`], are `keys`.
///
/// `keys` must be sorted ascending and distinct. Runs in O(17 n) time, O(n) space.
///
/// [`StreamId::to_be_bytes`]: super::stream::StreamId::to_be_bytes
pub(crate) fn node_count(keys: &[[u8; 16]]) -> usize {
    debug_assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "keys sorted and distinct"
    );
    let n = keys.len();
    if n == 0 {
        return 1;
    }
    // lcp[i]: length of the common prefix of keys[i] and keys[i + 1].
    let lcp: Vec<usize> = keys
        .windows(2)
        .map(|w| w[0].iter().zip(&w[1]).take_while(|(a, b)| a == b).count())
        .collect();
    // At depth d, the keys sharing a prefix of length d form a run of consecutive keys;
    // `parent_branch[i]` says whether the run holding key i at depth d - 1 branched.
    let mut parent_branch = vec![false; n];
    let mut count = 0;
    for d in 0..=16 {
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && lcp[end - 1] >= d {
                end += 1;
            }
            // (At depth 16 both are None: a leaf never branches.)
            let branch = keys[start].get(d) != keys[end - 1].get(d);
            if d == 0 || d == 16 || branch || parent_branch[start] {
                count += 1;
            }
            parent_branch[start..end].fill(branch);
            start = end;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    //! Every expected count here is `radix-tree-nodes` from `XINFO STREAM` of a real
    //! redis-server 7.0.15, for a stream built with `stream-node-max-entries 1` (so every
    //! entry is its own listpack and its ID a master) unless noted: the IDs added by XADD in
    //! ascending order, then the XDELs / XTRIMs noted, `keys` being the surviving masters.

    use super::node_count;

    fn key(ms: u64, seq: u64) -> [u8; 16] {
        let mut k = [0; 16];
        k[..8].copy_from_slice(&ms.to_be_bytes());
        k[8..].copy_from_slice(&seq.to_be_bytes());
        k
    }

    fn count(ids: impl IntoIterator<Item = (u64, u64)>) -> usize {
        let mut keys: Vec<[u8; 16]> = ids.into_iter().map(|(ms, seq)| key(ms, seq)).collect();
        keys.sort_unstable();
        keys.dedup();
        node_count(&keys)
    }

    #[test]
    fn empty_and_single() {
        // XADD s 1-1, XDEL s 1-1: the stream exists with an empty rax, the head alone.
        assert_eq!(node_count(&[]), 1);
        // The head compressed over all 16 bytes, then the key's leaf.
        assert_eq!(count([(1, 0)]), 2);
    }

    #[test]
    fn pairs_and_byte_boundaries() {
        // Head "15 bytes", branch, two leaves.
        assert_eq!(count([(1, 0), (1, 1)]), 4);
        // Head "7 bytes", branch, two compressed 8-byte tails, two leaves.
        assert_eq!(count([(1, 0), (2, 0)]), 6);
        assert_eq!(count([(255, 0), (256, 0)]), 6);
        assert_eq!(count([(65535, 0), (65536, 0)]), 6);
        let huge = [
            (1 << 40, 0),
            ((1 << 40) + 1, 0),
            ((1 << 41) - 7, 3),
            (u64::MAX, 0),
            (u64::MAX, u64::MAX),
        ];
        assert_eq!(count(huge), 17);
        assert_eq!(count(((1u64 << 32) - 5..(1 << 32) + 5).map(|s| (9, s))), 16);
    }

    #[test]
    fn runs() {
        assert_eq!(count((0..300).map(|s| (1, s))), 304);
        assert_eq!(count((1..=300).map(|ms| (ms, 0))), 604);
        assert_eq!(count((65500..65600).map(|ms| (ms, 0))), 206);
    }

    #[test]
    fn after_deletions() {
        // XADD 1-0 1-1 2-0, then XDEL one of them: raxRemove recompresses, so the count
        // is that of the two survivors inserted alone.
        assert_eq!(count([(1, 0), (2, 0)]), 6); // XDEL 1-1
        assert_eq!(count([(1, 0), (1, 1)]), 4); // XDEL 2-0
        assert_eq!(count([(1, 1), (2, 0)]), 6); // XDEL 1-0
        // XADD ms-0 for ms in 1..=1000, XDEL those with ms % 3 != 0 ...
        assert_eq!(
            count((1..=1000).filter(|ms| ms % 3 == 0).map(|ms| (ms, 0))),
            672
        );
        // ... then XTRIM MINID 500-0.
        let trimmed = (500..=1000).filter(|ms| ms % 3 == 0).map(|ms| (ms, 0));
        assert_eq!(count(trimmed), 339);
    }

    #[test]
    fn large() {
        let base = 1_700_000_000_000;
        assert_eq!(count((0..100_000).map(|i| (base + i, 0))), 200_395);
        assert_eq!(count((0..100_000).map(|s| (42, s))), 100_395);
        let hashed = |i: u64| ((i * 2_654_435_761) % (1 << 40), i % 3);
        assert_eq!(count((1..=100_000).map(hashed)), 233_755);
        // The same, then XDEL of the entries with odd i.
        assert_eq!(count((2..=100_000).step_by(2).map(hashed)), 108_318);
    }

    #[test]
    fn bigger_nodes() {
        // stream-node-max-entries 100, XADD (base + i / 7)-(i % 7) for i in 0..100000:
        // masters are every 100th entry.
        let base = 1_700_000_000_000;
        let masters = (0..100_000).step_by(100).map(|i| (base + i / 7, i % 7));
        assert_eq!(count(masters), 2058);
        // stream-node-max-entries 10, XADD ms-0 for ms in 1..=2000, XDEL all but the
        // entries of every fourth node (from the second): masters 11-0, 51-0, 91-0, ...
        let masters = (0..200).filter(|c| c % 4 == 1).map(|c| (10 * c + 1, 0));
        assert_eq!(count(masters), 110);
    }
}
