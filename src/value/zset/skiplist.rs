//! `SkipList`: the ordered half of a large sorted set (Redis's `zskiplist`).
//!
//! # Shape
//!
//! As Redis's: elements ordered by `(score, member)`, up to 32 levels, a node reaching
//! level `l + 1` with probability 1/4 given level `l`, a backward link on level 0 and, on
//! every forward link, its *span* — how many elements it skips. Summing spans along a
//! search gives an element's rank, so rank queries, "the element at rank r" and rank
//! ranges cost O(log n), which is what `ZRANK`, `ZRANGE` and every `LIMIT` need.
//!
//! # Layout
//!
//! A pointer skiplist chases one cache miss per step, and at a million elements a search
//! takes some thirty steps. Ours keeps the steps but makes each one cheaper:
//!
//! * Nodes live in one arena (`Vec<Node>`) and link by `u32` index, not by pointer: a
//!   node is 48 bytes, its member inline when short (a `Member` holds 22 bytes without
//!   allocating), and no per-node heap allocation is made.
//! * Levels above 0 live in a second pool, `height - 1` consecutive [`Link`]s per node;
//!   three nodes in four have none. Each upper link carries the *score of the node it
//!   points to*, so a search compares against that score where it stands and moves only
//!   when it must: one cache line per step, not two. Members are read only to break
//!   ties.
//! * The member → node map of the sorted set stores node numbers (a [`SlotIndex`] word:
//!   a tag of the hash and the number, 8 bytes) and
//!   reads members from the arena, so each member is stored once.
//!
//! # Slots
//!
//! A removed node's slot is reused by the next insert. When fewer than a quarter of the
//! slots are live, the top nodes move down into the lowest holes, the arena is truncated
//! and every link is rebuilt in one pass over level 0 ([`SkipList::compact_if_sparse`]).
//! Nodes only ever move *down*, which is what lets `ZSCAN` walk slots from the top with
//! the number of slots left as its cursor: an element present throughout is returned at
//! least once (as `Dict` does for hashes and sets).
//!
//! `check_invariants` verifies order, spans, link scores, levels, backward links, length
//! and the free slots; the unit tests and the fuzz target call it after every mutation.

use super::member::Member;
use crate::mem::Heap;

/// Most levels a node can have.
const MAX_LEVEL: usize = 32;
/// The header node, which is never a link's target: index 0 doubles as "no node".
const HEAD: u32 = 0;
const NIL: u32 = 0;
/// Ranks this close to either end are reached by walking from it rather than by a
/// descent (top-N and bottom-N queries).
const NEAR_END: usize = 16;
/// Below this many slots the arena is never compacted.
const MIN_COMPACT: usize = 64;

/// An element of level 0, with its own levels in the upper pool.
#[derive(Debug, Clone)]
struct Node {
    score: f64,
    member: Member,
    /// Level-0 forward link (its span is always 1).
    next: u32,
    /// Level-0 backward link; `HEAD` for the first element.
    back: u32,
    /// Where levels `1..height` start in the upper pool.
    upper: u32,
    /// Levels; 0 marks a free slot.
    height: u8,
}

/// A forward link above level 0.
#[derive(Debug, Clone, Copy, Default)]
struct Link {
    next: u32,
    /// Elements skipped: rank(next) - rank(this node). For a link to nothing, the
    /// elements after this node (Redis's convention).
    span: u32,
    /// Score of `next`, so comparisons need not visit it.
    score: f64,
    /// Where the levels of `next` start in the upper pool, so moving there needs no
    /// visit either.
    next_upper: u32,
}

/// The nodes a search passed at each level, with their ranks (1-based; 0 for the
/// header): the predecessors an insert or removal relinks.
struct Path {
    update: [u32; MAX_LEVEL],
    rank: [u32; MAX_LEVEL],
}

impl Path {
    fn new() -> Self {
        Path {
            update: [HEAD; MAX_LEVEL],
            rank: [0; MAX_LEVEL],
        }
    }
}

/// A member read only when a comparison needs it: bytes at hand, or a node not yet
/// visited.
#[derive(Clone, Copy)]
pub(crate) enum Lazy<'a> {
    Bytes(&'a [u8]),
    Node(&'a SkipList, u32),
}

impl<'a> Lazy<'a> {
    /// The member's bytes (for a node: a visit).
    #[inline]
    pub(crate) fn get(self) -> &'a [u8] {
        match self {
            Lazy::Bytes(b) => b,
            Lazy::Node(list, x) => list.member(x),
        }
    }
}

/// Whether `(a, am)` sorts before `(b, bm)`: by score, then member bytes. Scores are
/// never NaN.
#[inline]
#[allow(clippy::float_cmp)] // scores order exactly, as Redis compares them
pub(crate) fn precedes(a: f64, am: &[u8], b: f64, bm: &[u8]) -> bool {
    a < b || (a == b && am < bm)
}

/// Elements ordered by `(score, member)` with ranks in O(log n).
#[derive(Debug, Clone)]
pub(crate) struct SkipList {
    nodes: Vec<Node>,
    upper: Vec<Link>,
    free_nodes: Vec<u32>,
    /// Heads of free upper blocks by size (1..=31 links), chained through `next`.
    free_upper: [u32; MAX_LEVEL],
    /// Levels in use (at least 1).
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
    /// Heap bytes owned by members (see `mem.rs`).
    heap: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

fn to_u32(i: usize) -> u32 {
    u32::try_from(i).expect("a sorted set holds fewer than 2^32 elements")
}

impl SkipList {
    pub(crate) fn new() -> Self {
        let header = Node {
            score: 0.0,
            member: Member::default(),
            next: NIL,
            back: HEAD,
            upper: 0,
            #[allow(clippy::cast_possible_truncation)] // 32
            height: MAX_LEVEL as u8,
        };
        SkipList {
            nodes: vec![header],
            upper: vec![Link::default(); MAX_LEVEL - 1],
            free_nodes: Vec::new(),
            free_upper: [0; MAX_LEVEL],
            level: 1,
            len: 0,
            tail: NIL,
            rng: rand::random::<u64>() | 1,
            heap: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The member of live node `x`.
    #[inline]
    pub(crate) fn member(&self, x: u32) -> &Member {
        &self.nodes[x as usize].member
    }

    /// The score of live node `x`.
    #[inline]
    pub(crate) fn score(&self, x: u32) -> f64 {
        self.nodes[x as usize].score
    }

    /// The node after `x` in order, if any.
    pub(crate) fn next(&self, x: u32) -> Option<u32> {
        let n = self.nodes[x as usize].next;
        (n != NIL).then_some(n)
    }

    /// The node before `x` in order, if any.
    pub(crate) fn prev(&self, x: u32) -> Option<u32> {
        let b = self.nodes[x as usize].back;
        (b != HEAD).then_some(b)
    }

    #[inline]
    fn link(&self, x: u32, l: usize) -> Link {
        let node = &self.nodes[x as usize];
        if l == 0 {
            let next = node.next;
            let score = if next == NIL {
                0.0
            } else {
                self.nodes[next as usize].score
            };
            Link {
                next,
                span: 1,
                score,
                next_upper: 0,
            }
        } else {
            self.upper[node.upper as usize + l - 1]
        }
    }

    /// A link to `next` (or to nothing) skipping `span` elements.
    fn link_to(&self, next: u32, span: u32) -> Link {
        let (score, next_upper) = if next == NIL {
            (0.0, 0)
        } else {
            let n = &self.nodes[next as usize];
            (n.score, n.upper)
        };
        Link {
            next,
            span,
            score,
            next_upper,
        }
    }

    #[inline]
    fn set_link(&mut self, x: u32, l: usize, link: Link) {
        if l == 0 {
            self.nodes[x as usize].next = link.next;
        } else {
            let at = self.nodes[x as usize].upper as usize + l - 1;
            self.upper[at] = link;
        }
    }

    fn add_span(&mut self, x: u32, l: usize, delta: i64) {
        if l > 0 {
            let at = self.nodes[x as usize].upper as usize + l - 1;
            let span = i64::from(self.upper[at].span) + delta;
            self.upper[at].span = u32::try_from(span).expect("spans stay within the length");
        }
    }

    /// Walks down from the top level, moving forward at each level while
    /// `forward(score, node, rank)` holds for the next node (its score, index and
    /// 1-based rank); records the path. Returns the last node passed and its rank (0 for
    /// the header).
    #[inline]
    fn search(
        &self,
        mut forward: impl FnMut(f64, u32, u32) -> bool,
        path: &mut Path,
    ) -> (u32, u32) {
        // `upper` follows `x` from the links, so an upper-level step reads one link.
        let (mut x, mut upper, mut rank) = (HEAD, self.nodes[HEAD as usize].upper, 0u32);
        for l in (0..self.level).rev() {
            loop {
                let link = if l == 0 {
                    self.link(x, 0)
                } else {
                    self.upper[upper as usize + l - 1]
                };
                if link.next != NIL && forward(link.score, link.next, rank + link.span) {
                    rank += link.span;
                    x = link.next;
                    upper = link.next_upper;
                } else {
                    break;
                }
            }
            path.update[l] = x;
            path.rank[l] = rank;
        }
        (x, rank)
    }

    /// Whether node `i`, whose score is `s` (read from a link), sorts before
    /// `(score, member)`. The node itself is read only on a tie of scores, so that a
    /// search touches one cache line per step.
    #[inline]
    #[allow(clippy::float_cmp)] // scores order exactly, as Redis compares them
    fn node_precedes(&self, s: f64, i: u32, score: f64, member: &[u8]) -> bool {
        s < score || (s == score && self.nodes[i as usize].member[..] < *member)
    }

    /// The path to where `(score, member)` sits or would sit.
    fn path_to(&self, score: f64, member: &[u8], path: &mut Path) -> (u32, u32) {
        self.search(|s, i, _| self.node_precedes(s, i, score, member), path)
    }

    fn random_height(&mut self) -> usize {
        // xorshift64*: each pair of low zero bits is one more level (p = 1/4).
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (1 + r.trailing_zeros() as usize / 2).min(MAX_LEVEL)
    }

    fn alloc_upper(&mut self, links: usize) -> u32 {
        if links == 0 {
            return 0;
        }
        let head = self.free_upper[links];
        if head != 0 {
            self.free_upper[links] = self.upper[head as usize].next;
            return head;
        }
        let at = to_u32(self.upper.len());
        crate::raw::grow_preferring_huge(&mut self.upper, links);
        self.upper.resize(self.upper.len() + links, Link::default());
        at
    }

    fn alloc(&mut self, score: f64, member: Member, height: usize) -> u32 {
        self.heap += member.heap();
        let upper = self.alloc_upper(height - 1);
        #[allow(clippy::cast_possible_truncation)] // at most MAX_LEVEL
        let node = Node {
            score,
            member,
            next: NIL,
            back: HEAD,
            upper,
            height: height as u8,
        };
        if let Some(x) = self.free_nodes.pop() {
            self.nodes[x as usize] = node;
            x
        } else {
            crate::raw::push_preferring_huge(&mut self.nodes, node);
            to_u32(self.nodes.len() - 1)
        }
    }

    /// Frees the slot of unlinked node `x`, returning its member and score.
    fn release(&mut self, x: u32) -> (Member, f64) {
        let node = &mut self.nodes[x as usize];
        let links = usize::from(node.height) - 1;
        let (member, score) = (std::mem::take(&mut node.member), node.score);
        self.heap -= member.heap();
        node.height = 0;
        if links > 0 {
            let at = node.upper;
            self.upper[at as usize].next = self.free_upper[links];
            self.free_upper[links] = at;
        }
        self.free_nodes.push(x);
        (member, score)
    }

    /// Inserts `(score, member)`, which must not be present; returns its node.
    ///
    /// # Complexity
    ///
    /// O(log n) expected.
    pub(crate) fn insert(&mut self, score: f64, member: Member) -> u32 {
        let height = self.random_height();
        let x = self.alloc(score, member, height);
        self.link_in(x);
        x
    }

    /// Links allocated node `x` in at its place.
    fn link_in(&mut self, x: u32) {
        let (score, height) = {
            let n = &self.nodes[x as usize];
            (n.score, usize::from(n.height))
        };
        let mut path = Path::new();
        self.path_to(score, &self.nodes[x as usize].member, &mut path);
        if height > self.level {
            for l in self.level..height {
                path.update[l] = HEAD;
                path.rank[l] = 0;
                let link = self.link_to(NIL, to_u32(self.len));
                self.set_link(HEAD, l, link);
            }
            self.level = height;
        }
        let rank0 = path.rank[0];
        for l in 0..height {
            let u = path.update[l];
            let before = self.link(u, l);
            let gap = rank0 - path.rank[l];
            let after = Link {
                span: before.span - gap,
                ..before
            };
            self.set_link(x, l, after);
            let to_x = self.link_to(x, gap + 1);
            self.set_link(u, l, to_x);
        }
        for l in height..self.level {
            self.add_span(path.update[l], l, 1);
        }
        let back = path.update[0];
        self.nodes[x as usize].back = back;
        match self.nodes[x as usize].next {
            NIL => self.tail = x,
            next => self.nodes[next as usize].back = x,
        }
        self.len += 1;
    }

    /// Unlinks node `x`, whose predecessors `path` holds, leaving its slot allocated.
    fn unlink(&mut self, x: u32, path: &Path) {
        for l in 0..self.level {
            let u = path.update[l];
            let from_u = self.link(u, l);
            if from_u.next == x {
                let from_x = self.link(x, l);
                let bypass = Link {
                    span: from_u.span + from_x.span - 1,
                    ..from_x
                };
                self.set_link(u, l, bypass);
            } else {
                self.add_span(u, l, -1);
            }
        }
        let (next, back) = {
            let n = &self.nodes[x as usize];
            (n.next, n.back)
        };
        match next {
            NIL => self.tail = back,
            next => self.nodes[next as usize].back = back,
        }
        while self.level > 1 && self.link(HEAD, self.level - 1).next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// Removes node `x`, returning its member and score. Call
    /// [`compact_if_sparse`](Self::compact_if_sparse) after a batch of removals.
    ///
    /// # Complexity
    ///
    /// O(log n) expected.
    pub(crate) fn remove(&mut self, x: u32) -> (Member, f64) {
        let mut path = Path::new();
        let node = &self.nodes[x as usize];
        self.path_to(node.score, &node.member, &mut path);
        debug_assert_eq!(self.link(path.update[0], 0).next, x);
        self.unlink(x, &path);
        self.release(x)
    }

    /// Gives node `x` a new score, moving it if its place changes; the node keeps its
    /// slot.
    pub(crate) fn set_score(&mut self, x: u32, score: f64) {
        let mut path = Path::new();
        let (old, member) = {
            let node = &self.nodes[x as usize];
            (node.score, node.member.clone())
        };
        self.path_to(old, &member, &mut path);
        let (back, next) = {
            let n = &self.nodes[x as usize];
            (n.back, n.next)
        };
        let after_back = back == HEAD || {
            let b = &self.nodes[back as usize];
            precedes(b.score, &b.member, score, &member)
        };
        let before_next = next == NIL || {
            let n = &self.nodes[next as usize];
            precedes(score, &member, n.score, &n.member)
        };
        if after_back && before_next {
            // Same place: update the score here and in the links that point here.
            self.nodes[x as usize].score = score;
            for l in 1..self.level {
                let u = path.update[l];
                if self.link(u, l).next == x {
                    let at = self.nodes[u as usize].upper as usize + l - 1;
                    self.upper[at].score = score;
                }
            }
            return;
        }
        self.unlink(x, &path);
        self.nodes[x as usize].score = score;
        self.nodes[x as usize].next = NIL;
        self.link_in(x);
    }

    /// The 0-based rank of node `x`.
    ///
    /// # Complexity
    ///
    /// O(log n) expected.
    pub(crate) fn rank(&self, x: u32) -> usize {
        let node = &self.nodes[x as usize];
        let mut path = Path::new();
        let (_, rank) = self.path_to(node.score, &node.member, &mut path);
        rank as usize
    }

    /// How many elements, from the first, satisfy `before(score, member)`, which must
    /// hold for a prefix of the order and fail after it, and the last of them (`None`
    /// if none). The member is read only if `before` asks for it, so a test of the
    /// score alone never visits a node it does not move to.
    pub(crate) fn count_while(
        &self,
        before: impl Fn(f64, Lazy<'_>) -> bool,
    ) -> (usize, Option<u32>) {
        let mut path = Path::new();
        let (x, rank) = self.search(|s, i, _| before(s, Lazy::Node(self, i)), &mut path);
        (rank as usize, (x != HEAD).then_some(x))
    }

    /// The first node, if any.
    pub(crate) fn first(&self) -> Option<u32> {
        self.next(HEAD)
    }

    /// The node at 0-based rank `r < len`.
    ///
    /// # Complexity
    ///
    /// O(log n) expected.
    pub(crate) fn at_rank(&self, r: usize) -> u32 {
        debug_assert!(r < self.len);
        if r < NEAR_END {
            let mut x = self.nodes[HEAD as usize].next;
            for _ in 0..r {
                x = self.nodes[x as usize].next;
            }
            return x;
        }
        if self.len - 1 - r < NEAR_END {
            let mut x = self.tail;
            for _ in r..self.len - 1 {
                x = self.nodes[x as usize].back;
            }
            return x;
        }
        let target = to_u32(r + 1);
        let (x, rank) = self.search(|_, _, rank| rank <= target, &mut Path::new());
        debug_assert_eq!(rank, target);
        x
    }

    /// Removes the elements of 0-based ranks `start..end`, handing each to `f` in order
    /// with the slot it held.
    ///
    /// # Complexity
    ///
    /// O(log n + removed).
    pub(crate) fn remove_ranks(
        &mut self,
        start: usize,
        end: usize,
        mut f: impl FnMut(u32, Member, f64),
    ) {
        if start >= end {
            return;
        }
        let target = to_u32(start);
        let mut path = Path::new();
        let (x, _) = self.search(|_, _, rank| rank <= target, &mut path);
        let mut x = self.nodes[x as usize].next;
        for _ in start..end.min(self.len) {
            let next = self.nodes[x as usize].next;
            self.unlink(x, &path);
            let (member, score) = self.release(x);
            f(x, member, score);
            x = next;
        }
    }

    /// Bytes this list allocates, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        crate::mem::vec_bytes::<Node>(self.nodes.capacity())
            + crate::mem::vec_bytes::<Link>(self.upper.capacity())
            + crate::mem::vec_bytes::<u32>(self.free_nodes.capacity())
            + self.heap
    }

    /// Slots (live or free) in the arena, the header included.
    pub(crate) fn slots(&self) -> usize {
        self.nodes.len()
    }

    /// The node in slot `i`, if live.
    pub(crate) fn slot(&self, i: usize) -> Option<u32> {
        (i != HEAD as usize && self.nodes.get(i).is_some_and(|n| n.height > 0)).then(|| to_u32(i))
    }

    /// When fewer than a quarter of the slots are live, moves the top nodes down into
    /// the lowest free slots (telling `moved(from, to)` of each), truncates the arena and
    /// rebuilds every link.
    pub(crate) fn compact_if_sparse(&mut self, mut moved: impl FnMut(u32, u32)) {
        let slots = self.nodes.len();
        if slots <= MIN_COMPACT || (self.len + 1) * 4 > slots {
            return;
        }
        let keep = self.len + 1;
        let mut order: Vec<u32> = Vec::with_capacity(self.len);
        let mut x = self.nodes[HEAD as usize].next;
        while x != NIL {
            order.push(x);
            x = self.nodes[x as usize].next;
        }
        let mut remap: Vec<u32> = (0..to_u32(slots)).collect();
        let holes: Vec<usize> = (1..keep).filter(|&i| self.nodes[i].height == 0).collect();
        let tops: Vec<usize> = (keep..slots)
            .rev()
            .filter(|&i| self.nodes[i].height > 0)
            .collect();
        for (hole, top) in holes.into_iter().zip(tops) {
            self.nodes.swap(hole, top);
            remap[top] = to_u32(hole);
            moved(to_u32(top), to_u32(hole));
        }
        self.nodes.truncate(keep);
        self.nodes.shrink_to_fit();
        self.free_nodes = Vec::new();
        for x in &mut order {
            *x = remap[*x as usize];
        }
        self.relink(&order);
    }

    /// Rebuilds the upper pool and every link from `order`, the live nodes in order.
    fn relink(&mut self, order: &[u32]) {
        let pool: usize = order
            .iter()
            .map(|&x| usize::from(self.nodes[x as usize].height) - 1)
            .sum();
        self.upper = Vec::with_capacity(MAX_LEVEL - 1 + pool);
        self.upper.resize(MAX_LEVEL - 1, Link::default());
        self.free_upper = [0; MAX_LEVEL];
        let mut last = [HEAD; MAX_LEVEL];
        let mut last_rank = [0u32; MAX_LEVEL];
        let mut level = 1;
        let mut back = HEAD;
        for (r, &x) in order.iter().enumerate() {
            let rank = to_u32(r + 1);
            let height = usize::from(self.nodes[x as usize].height);
            level = level.max(height);
            let upper = to_u32(self.upper.len());
            self.upper
                .resize(self.upper.len() + height - 1, Link::default());
            {
                let node = &mut self.nodes[x as usize];
                node.upper = if height > 1 { upper } else { 0 };
                node.back = back;
            }
            for l in 0..height {
                let link = self.link_to(x, rank - last_rank[l]);
                self.set_link(last[l], l, link);
                last[l] = x;
                last_rank[l] = rank;
            }
            back = x;
        }
        for l in 0..MAX_LEVEL.min(level.max(1)) {
            let link = self.link_to(NIL, to_u32(self.len) - last_rank[l]);
            self.set_link(last[l], l, link);
        }
        self.level = level;
        self.tail = back;
    }

    /// Panics unless every structural invariant holds (for tests and fuzzing).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn check_invariants(&self) {
        let slots = self.nodes.len();
        let heap: usize = self.nodes[1..]
            .iter()
            .filter(|n| n.height > 0)
            .map(|n| n.member.heap())
            .sum();
        assert_eq!(heap, self.heap, "heap bytes counted");
        assert_eq!(
            usize::from(self.nodes[0].height),
            MAX_LEVEL,
            "header height"
        );
        assert!(
            (1..=MAX_LEVEL).contains(&self.level),
            "level {}",
            self.level
        );
        // Level 0: order, backward links, tail, length.
        let mut rank_of = vec![0u32; slots];
        let (mut x, mut prev, mut n) = (self.nodes[0].next, HEAD, 0usize);
        while x != NIL {
            let node = &self.nodes[x as usize];
            assert!(node.height > 0, "free slot {x} is linked");
            assert!(!node.score.is_nan(), "NaN score");
            assert_eq!(node.back, prev, "backward link of {x}");
            if prev != HEAD {
                let p = &self.nodes[prev as usize];
                assert!(
                    precedes(p.score, &p.member, node.score, &node.member),
                    "order broken at {x}"
                );
            }
            n += 1;
            rank_of[x as usize] = to_u32(n);
            assert!(
                usize::from(node.height) <= self.level,
                "node above the level"
            );
            prev = x;
            x = node.next;
        }
        assert_eq!(n, self.len, "length");
        assert_eq!(self.tail, prev, "tail");
        let live = self.nodes[1..].iter().filter(|n| n.height > 0).count();
        assert_eq!(live, self.len, "live slots");
        assert_eq!(self.free_nodes.len(), slots - 1 - live, "free slots");
        for &f in &self.free_nodes {
            assert_eq!(
                self.nodes[f as usize].height, 0,
                "free list holds a live slot"
            );
        }
        // Upper levels: spans, link scores, membership.
        for l in 1..self.level {
            let (mut x, mut seen) = (HEAD, 0usize);
            loop {
                let link = self.link(x, l);
                let from = rank_of[x as usize];
                if link.next == NIL {
                    assert_eq!(link.span as usize, self.len - from as usize, "tail span");
                    break;
                }
                let to = &self.nodes[link.next as usize];
                assert!(usize::from(to.height) > l, "link to a shorter node");
                assert_eq!(link.span, rank_of[link.next as usize] - from, "span");
                assert_eq!(link.score.to_bits(), to.score.to_bits(), "link score");
                assert_eq!(link.next_upper, to.upper, "link to the upper levels");
                seen += 1;
                x = link.next;
            }
            let expected = self.nodes[1..]
                .iter()
                .filter(|n| usize::from(n.height) > l)
                .count();
            assert_eq!(seen, expected, "nodes on level {l}");
        }
    }
}

/// A model check shared by the unit tests and the `skiplist` fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod check {
    use std::collections::BTreeSet;

    use super::{Member, SkipList};

    /// Scores are small integers here, so the model orders them exactly.
    type Model = BTreeSet<(i32, Vec<u8>)>;

    fn find(list: &SkipList, member: &[u8]) -> Option<u32> {
        (0..list.slots())
            .filter_map(|i| list.slot(i))
            .find(|&x| &list.member(x)[..] == member)
    }

    fn agree(list: &SkipList, model: &Model) {
        list.check_invariants();
        assert_eq!(list.len(), model.len());
        let mut x = (list.len() > 0).then(|| list.at_rank(0));
        for (r, (s, m)) in model.iter().enumerate() {
            let node = x.expect("as long as the model");
            assert_eq!(
                (list.score(node), &list.member(node)[..]),
                (f64::from(*s), &m[..])
            );
            assert_eq!(list.rank(node), r);
            x = list.next(node);
        }
        assert_eq!(x, None);
    }

    /// `steps` operations — inserts, score updates, removals, rank-range removals, then
    /// compaction — with every choice drawn from `draw(n)` (a number below `n`), applied
    /// to a list and to an ordered model and compared after each step. Returns how many
    /// compactions ran.
    #[allow(clippy::missing_panics_doc)]
    pub(crate) fn exercise(steps: usize, mut draw: impl FnMut(u32) -> u32) -> usize {
        let mut list = SkipList::new();
        let mut model = Model::new();
        let mut compactions = 0;
        for step in 0..steps {
            let member = format!("m{}", draw(300)).into_bytes();
            let score = i32::try_from(draw(40)).unwrap_or(0) - 20;
            let existing = find(&list, &member);
            // Grow, then shrink (so that compaction runs), then churn.
            let op = match step * 3 / steps.max(1) {
                0 => [0, 0, 0, 1, 1, 1, 2, 3][draw(8) as usize % 8],
                1 => 2 + draw(2),
                _ => draw(4),
            };
            match (op, existing) {
                (0 | 1, None) => {
                    list.insert(f64::from(score), Member::new(&member));
                    model.insert((score, member));
                }
                (0 | 1, Some(x)) => {
                    #[allow(clippy::cast_possible_truncation)] // small integers
                    let old = list.score(x) as i32;
                    list.set_score(x, f64::from(score));
                    model.remove(&(old, member.clone()));
                    model.insert((score, member));
                }
                (2, Some(x)) => {
                    let (m, s) = list.remove(x);
                    assert_eq!(&m[..], &member[..]);
                    #[allow(clippy::cast_possible_truncation)] // small integers
                    let s = s as i32;
                    assert!(model.remove(&(s, member)));
                }
                (3, _) if list.len() > 0 => {
                    let len = u32::try_from(list.len()).unwrap_or(u32::MAX);
                    let a = draw(len) as usize;
                    let b = (a + draw(5) as usize).min(list.len());
                    let expected: Vec<_> = model.iter().skip(a).take(b - a).cloned().collect();
                    let mut got = Vec::new();
                    #[allow(clippy::cast_possible_truncation)] // small integers
                    list.remove_ranks(a, b, |_, m, s| got.push((s as i32, m.to_vec())));
                    assert_eq!(got, expected);
                    for e in &expected {
                        model.remove(e);
                    }
                }
                _ => {}
            }
            let slots = list.slots();
            list.compact_if_sparse(|_, _| {});
            compactions += usize::from(list.slots() < slots);
            agree(&list, &model);
        }
        compactions
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn random_operations_agree_with_an_ordered_model() {
        let mut rng = SmallRng::seed_from_u64(11);
        let compactions = check::exercise(3000, |n| rng.gen_range(0..n));
        assert!(compactions > 0, "the shrinking phase compacts");
    }

    #[test]
    fn counts_prefixes_by_score_and_by_member() {
        let mut list = SkipList::new();
        for i in 0..1000 {
            list.insert(f64::from(i / 10), Member::new(format!("{i:04}").as_ref()));
            if i % 97 == 0 {
                list.check_invariants();
            }
        }
        let count = |f: &dyn Fn(f64, Lazy<'_>) -> bool| list.count_while(f).0;
        assert_eq!(count(&|s, _| s < 5.0), 50);
        assert_eq!(count(&|s, _| s <= 5.0), 60);
        assert_eq!(count(&|_, m| m.get() < &b"0500"[..]), 500);
        assert_eq!(count(&|_, _| true), 1000);
        assert_eq!(list.count_while(|_, _| false), (0, None));
        let (below, found) = list.count_while(|s, _| s < 5.0);
        assert_eq!(list.rank(found.unwrap()), below - 1);
        for r in [0, 1, 15, 16, 500, 983, 984, 998, 999] {
            let x = list.at_rank(r);
            assert_eq!(list.rank(x), r);
        }
        let x = list.at_rank(733);
        assert_eq!(&list.member(x)[..], b"0733");
        assert_eq!(list.rank(x), 733);
    }

    #[test]
    fn compaction_moves_nodes_down_and_keeps_everything_findable() {
        let mut list = SkipList::new();
        let nodes: Vec<u32> = (0..1000)
            .map(|i| list.insert(f64::from(i), Member::new(format!("m{i}").as_ref())))
            .collect();
        for &x in nodes.iter().filter(|&&x| x % 8 != 0) {
            list.remove(x);
        }
        let before = list.slots();
        let mut moves = Vec::new();
        list.compact_if_sparse(|from, to| moves.push((from, to)));
        list.check_invariants();
        assert!(list.slots() < before / 3, "{} slots left", list.slots());
        assert!(
            moves.iter().all(|(from, to)| to < from),
            "only downward moves"
        );
        let scores: Vec<f64> = (0..list.len())
            .map(|r| list.score(list.at_rank(r)))
            .collect();
        let expected: Vec<f64> = (0..1000).filter(|i| i % 8 == 0).map(f64::from).collect();
        assert_eq!(scores.len(), expected.len());
        assert!(scores.windows(2).all(|w| w[0] < w[1]));
        // Inserts after compaction reuse nothing stale.
        list.insert(0.5, Member::new(b"half"));
        list.check_invariants();
    }

    #[test]
    fn equal_scores_order_by_member_bytes_and_infinities_sort_at_the_ends() {
        let mut list = SkipList::new();
        for (s, m) in [
            (1.0, "b"),
            (1.0, "a"),
            (f64::INFINITY, "z"),
            (f64::NEG_INFINITY, "y"),
            (1.0, "ab"),
        ] {
            list.insert(s, Member::new(m.as_ref()));
            list.check_invariants();
        }
        let order: Vec<Vec<u8>> = (0..list.len())
            .map(|r| list.member(list.at_rank(r)).to_vec())
            .collect();
        assert_eq!(order, [&b"y"[..], b"a", b"ab", b"b", b"z"]);
    }
}
