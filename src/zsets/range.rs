//! The `ZRANGE` family: the bounds [`ScoreBound`] and [`LexBound`], the selection
//! [`ZRange`], and the commands that count, read, store or remove a range (`ZCOUNT`,
//! `ZLEXCOUNT`, `ZRANGE` and its older spellings, `ZRANGESTORE`, `ZREMRANGEBY*`). Every
//! range is answered in ranks (see the `zsets` module).

use super::{ZSets, store_sorted};
use crate::index::list_range;
use crate::keyspace::notify;
use crate::value::zset::Lazy;
use crate::value::{SortedSet, opt};
use crate::{Blob, Error, Result};

/// One end of a score range (`ZRANGEBYSCORE`, `ZCOUNT`, `ZREMRANGEBYSCORE`, …).
///
/// A plain `f64` converts into an inclusive bound; infinities are ordinary bounds
/// (`-inf` and `+inf` in Redis's syntax). [`parse`](Self::parse) reads Redis's textual
/// forms (`5`, `(5`, `-inf`, `+inf`).
///
/// # Examples
///
/// ```
/// use embedis::ScoreBound;
/// assert_eq!(ScoreBound::parse("(1.5")?, ScoreBound::Exclusive(1.5));
/// assert_eq!(ScoreBound::from(2.0), ScoreBound::Inclusive(2.0));
/// assert_eq!(ScoreBound::parse("-inf")?, ScoreBound::MIN);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// Scores equal to the value are in the range (`5`).
    Inclusive(f64),
    /// Scores equal to the value are not (`(5`).
    Exclusive(f64),
}

impl ScoreBound {
    /// Below every score (`-inf`).
    pub const MIN: ScoreBound = ScoreBound::Inclusive(f64::NEG_INFINITY);
    /// Above every score (`+inf`).
    pub const MAX: ScoreBound = ScoreBound::Inclusive(f64::INFINITY);

    /// Reads a bound as Redis writes one: a float, optionally preceded by `(` for an
    /// exclusive bound.
    ///
    /// # Errors
    ///
    /// [`Error::MinMaxNotFloat`] if the rest is not a float (NaN included).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, ScoreBound};
    /// assert_eq!(ScoreBound::parse("+inf")?, ScoreBound::MAX);
    /// assert_eq!(ScoreBound::parse("(0")?, ScoreBound::Exclusive(0.0));
    /// assert_eq!(ScoreBound::parse("nan"), Err(Error::MinMaxNotFloat));
    /// // `strtod`'s forms, and what it reads from nothing.
    /// assert_eq!(ScoreBound::parse("0x10")?, ScoreBound::Inclusive(16.0));
    /// assert_eq!(ScoreBound::parse("")?, ScoreBound::Inclusive(0.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn parse(text: impl AsRef<[u8]>) -> Result<ScoreBound> {
        let text = text.as_ref();
        let (exclusive, number) = match text {
            [b'(', rest @ ..] => (true, rest),
            _ => (false, text),
        };
        // As `zslParseRange`: `strtod` up to the end or a NUL byte (`"("` and `""` read
        // as 0, leading space is skipped), NaN refused.
        let value =
            crate::number::parse_range_double(number).ok_or_else(|| Error::MinMaxNotFloat)?;
        Ok(if exclusive {
            ScoreBound::Exclusive(value)
        } else {
            ScoreBound::Inclusive(value)
        })
    }

    fn check(self) -> Result<Self> {
        match self {
            ScoreBound::Inclusive(v) | ScoreBound::Exclusive(v) if v.is_nan() => {
                Err(Error::MinMaxNotFloat)
            }
            _ => Ok(self),
        }
    }

    /// Whether score `s` lies before a range that starts at this bound.
    fn before_min(self, s: f64) -> bool {
        match self {
            ScoreBound::Inclusive(v) => s < v,
            ScoreBound::Exclusive(v) => s <= v,
        }
    }

    /// Whether score `s` lies no later than a range that ends at this bound.
    fn upto_max(self, s: f64) -> bool {
        match self {
            ScoreBound::Inclusive(v) => s <= v,
            ScoreBound::Exclusive(v) => s < v,
        }
    }
}

impl From<f64> for ScoreBound {
    fn from(v: f64) -> Self {
        ScoreBound::Inclusive(v)
    }
}

/// One end of a lexicographic range (`ZRANGEBYLEX`, `ZLEXCOUNT`, `ZREMRANGEBYLEX`).
///
/// Members compare byte by byte, a prefix before the longer string. [`parse`](Self::parse)
/// reads Redis's textual forms (`[a`, `(a`, `-`, `+`).
///
/// # Examples
///
/// ```
/// use embedis::LexBound;
/// assert_eq!(LexBound::parse("[ca")?, LexBound::inclusive("ca"));
/// assert_eq!(LexBound::parse("-")?, LexBound::Min);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// Before every member (`-`).
    Min,
    /// After every member (`+`).
    Max,
    /// This member is in the range (`[m`).
    Inclusive(Blob),
    /// This member is not (`(m`).
    Exclusive(Blob),
}

impl LexBound {
    /// An inclusive bound at `member` (`[member`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// assert_eq!(LexBound::inclusive("a"), LexBound::Inclusive("a".into()));
    /// ```
    pub fn inclusive(member: impl AsRef<[u8]>) -> LexBound {
        LexBound::Inclusive(Blob::copy_from_slice(member.as_ref()))
    }

    /// An exclusive bound at `member` (`(member`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// assert_eq!(LexBound::exclusive("a"), LexBound::Exclusive("a".into()));
    /// ```
    pub fn exclusive(member: impl AsRef<[u8]>) -> LexBound {
        LexBound::Exclusive(Blob::copy_from_slice(member.as_ref()))
    }

    /// Reads a bound as Redis writes one: `-`, `+`, or a member preceded by `[`
    /// (inclusive) or `(` (exclusive).
    ///
    /// # Errors
    ///
    /// [`Error::MinMaxNotString`] for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Error, LexBound};
    /// assert_eq!(LexBound::parse("(b")?, LexBound::exclusive("b"));
    /// assert_eq!(LexBound::parse("b"), Err(Error::MinMaxNotString));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn parse(text: impl AsRef<[u8]>) -> Result<LexBound> {
        match text.as_ref() {
            b"-" => Ok(LexBound::Min),
            b"+" => Ok(LexBound::Max),
            [b'[', m @ ..] => Ok(LexBound::inclusive(m)),
            [b'(', m @ ..] => Ok(LexBound::exclusive(m)),
            _ => Err(Error::MinMaxNotString),
        }
    }

    /// Whether member `m` lies before a range that starts at this bound.
    fn before_min(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(b) => m < &b[..],
            LexBound::Exclusive(b) => m <= &b[..],
        }
    }

    /// Whether member `m` lies no later than a range that ends at this bound.
    fn upto_max(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(b) => m <= &b[..],
            LexBound::Exclusive(b) => m < &b[..],
        }
    }
}

/// What a `ZRANGE` selects: by rank, by score or by member, optionally reversed and
/// (by score or member) limited.
///
/// Bounds are always given low then high; [`rev`](Self::rev) only reverses the order
/// of the reply (Redis's `ZRANGE … REV` takes them high first — the command layer
/// swaps them).
///
/// # Examples
///
/// ```
/// use embedis::{ScoreBound, ZRange};
/// let store = embedis::Store::new();
/// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)])?;
/// let top_two_above_1 = ZRange::score(ScoreBound::Exclusive(1.0), ScoreBound::MAX).rev().limit(0, 2);
/// assert_eq!(store.zsets().zrange_by("z", &top_two_above_1)?, ["d", "c"]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct ZRange {
    by: By,
    rev: bool,
    limit: Option<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
enum By {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

impl By {
    /// Whether an element lies before the start of this range (by score or member).
    fn before(&self, s: f64, m: Lazy<'_>) -> bool {
        match self {
            By::Score(min, _) => min.before_min(s),
            By::Lex(min, _) => min.before_min(m.get()),
            By::Rank(..) => unreachable!("ranks are not bounds"),
        }
    }

    /// Whether an element lies no later than the end of this range.
    fn upto(&self, s: f64, m: Lazy<'_>) -> bool {
        match self {
            By::Score(_, max) => max.upto_max(s),
            By::Lex(_, max) => max.upto_max(m.get()),
            By::Rank(..) => unreachable!("ranks are not bounds"),
        }
    }
}

impl ZRange {
    /// Ranks `start..=stop`, negative ones counting from the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ZRange;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrange_by("z", &ZRange::rank(-2, -1))?, ["b", "c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rank(start: i64, stop: i64) -> Self {
        ZRange {
            by: By::Rank(start, stop),
            rev: false,
            limit: None,
        }
    }

    /// Scores from `min` to `max` (`BYSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ZRange;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrange_by("z", &ZRange::score(2.0, 10.0))?, ["b", "c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn score(min: impl Into<ScoreBound>, max: impl Into<ScoreBound>) -> Self {
        ZRange {
            by: By::Score(min.into(), max.into()),
            rev: false,
            limit: None,
        }
    }

    /// Members from `min` to `max` (`BYLEX`; meaningful when all scores are equal).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{LexBound, ZRange};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 0.0), ("b", 0.0), ("c", 0.0)])?;
    /// let range = ZRange::lex(LexBound::exclusive("a"), LexBound::Max);
    /// assert_eq!(store.zsets().zrange_by("z", &range)?, ["b", "c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lex(min: LexBound, max: LexBound) -> Self {
        ZRange {
            by: By::Lex(min, max),
            rev: false,
            limit: None,
        }
    }

    /// Highest first (`REV`). For ranks, rank 0 is then the highest element.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ZRange;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrange_by("z", &ZRange::rank(0, 1).rev())?, ["c", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn rev(mut self) -> Self {
        self.rev = true;
        self
    }

    /// Skips `offset` elements of the selection and returns at most `count` (all if
    /// negative) — `LIMIT offset count`, for ranges by score or member only (as in
    /// Redis, a range by rank accepts only a count of -1, and ignores the limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ScoreBound, ZRange};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// let page = ZRange::score(ScoreBound::MIN, ScoreBound::MAX).limit(1, 1);
    /// assert_eq!(store.zsets().zrange_by("z", &page)?, ["b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }

    /// Checks the range against its rules before anything is read.
    fn check(&self, withscores: bool) -> Result<()> {
        match &self.by {
            // As Redis, which only looks at the count (an offset alone is ignored).
            By::Rank(..) if self.limit.is_some_and(|(_, count)| count != -1) => {
                Err(Error::LimitWithoutBy)
            }
            By::Lex(..) if withscores => Err(Error::WithScoresByLex),
            By::Score(min, max) => {
                min.check()?;
                max.check()?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Visits what the range selects in `z`, in its order: by ranks for a range by
    /// rank, else by walking from the end it starts at (one descent).
    fn visit(&self, z: &SortedSet, f: impl FnMut(&[u8], f64)) {
        if matches!(self.by, By::Rank(..)) {
            let (ranks, rev) = self.select(z);
            return z.visit(ranks, rev, f);
        }
        let (skip, take) = match self.limit {
            // As Redis: a negative offset selects nothing, a negative count everything.
            Some((offset, _)) if offset < 0 => return,
            Some((offset, count)) => (
                usize::try_from(offset).unwrap_or(usize::MAX),
                usize::try_from(count).unwrap_or(usize::MAX),
            ),
            None => (0, usize::MAX),
        };
        let by = &self.by;
        z.walk(
            |s, m| by.before(s, m),
            |s, m| by.upto(s, m),
            self.rev,
            skip,
            take,
            f,
        );
    }

    /// How many elements a visit will likely see (exact by rank, a guess otherwise), to
    /// size the reply once.
    fn size_hint(&self, z: &SortedSet) -> usize {
        match (&self.by, self.limit) {
            (By::Rank(..), _) => self.select(z).0.len(),
            (_, Some((_, count))) => usize::try_from(count).map_or(16, |c| c.min(z.len())),
            _ => 16,
        }
    }

    /// The ranks selected in `z`, ascending, and whether to visit them in reverse.
    fn select(&self, z: &SortedSet) -> (std::ops::Range<usize>, bool) {
        let len = z.len();
        let (lo, hi) = match &self.by {
            By::Rank(start, stop) => {
                let Some((a, b)) = list_range(*start, *stop, len) else {
                    return (0..0, self.rev);
                };
                if self.rev {
                    (len - 1 - b, len - a)
                } else {
                    (a, b + 1)
                }
            }
            By::Score(..) | By::Lex(..) => (
                z.count_while(|s, m| self.by.before(s, m)),
                z.count_while(|s, m| self.by.upto(s, m)),
            ),
        };
        if hi <= lo {
            return (0..0, self.rev);
        }
        let (Some((offset, count)), false) = (self.limit, matches!(self.by, By::Rank(..))) else {
            return (lo..hi, self.rev);
        };
        // As Redis: a negative offset selects nothing, a negative count everything left.
        let Ok(offset) = usize::try_from(offset) else {
            return (0..0, self.rev);
        };
        let width = hi - lo;
        let skip = offset.min(width);
        let take = usize::try_from(count).map_or(width - skip, |c| c.min(width - skip));
        let range = if self.rev {
            hi - skip - take..hi - skip
        } else {
            lo + skip..lo + skip + take
        };
        (range, self.rev)
    }
}

/// Ranges: counting, reading, storing and removing by rank, score or member.
impl ZSets<'_> {
    /// How many members score between `min` and `max` (`ZCOUNT`).
    ///
    /// # Errors
    ///
    /// [`Error::MinMaxNotFloat`] for a NaN bound.
    ///
    /// # Complexity
    ///
    /// O(log n).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScoreBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zcount("z", ScoreBound::Exclusive(1.0), 3.0)?, 2);
    /// assert_eq!(store.zsets().zcount("z", ScoreBound::MIN, ScoreBound::MAX)?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zcount(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<usize> {
        self.count(key.as_ref(), &ZRange::score(min, max))
    }

    /// How many members lie between `min` and `max` by bytes (`ZLEXCOUNT`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 0.0), ("b", 0.0), ("c", 0.0)])?;
    /// assert_eq!(store.zsets().zlexcount("z", LexBound::inclusive("b"), LexBound::Max)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zlexcount(&self, key: impl AsRef<[u8]>, min: LexBound, max: LexBound) -> Result<usize> {
        self.count(key.as_ref(), &ZRange::lex(min, max))
    }

    fn count(&self, key: &[u8], range: &ZRange) -> Result<usize> {
        range.check(false)?;
        self.read(key, |z| z.map_or(0, |z| range.select(z).0.len()))
    }

    fn range<T>(
        &self,
        key: &[u8],
        range: &ZRange,
        withscores: bool,
        f: impl Fn(&[u8], f64) -> T,
    ) -> Result<Vec<T>> {
        range.check(withscores)?;
        self.read(key, |z| {
            let mut out = Vec::new();
            if let Some(z) = z {
                out.reserve(range.size_hint(z));
                range.visit(z, |m, s| out.push(f(m, s)));
            }
            out
        })
    }

    /// The members that `range` selects, in its order (`ZRANGE … BYSCORE | BYLEX, REV,
    /// LIMIT`).
    ///
    /// # Errors
    ///
    /// [`Error::LimitWithoutBy`] for a limit on a range by rank; [`Error::MinMaxNotFloat`]
    /// for a NaN score bound; [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Complexity
    ///
    /// O(log n + m) for m members returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ScoreBound, ZRange};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrange_by("z", &ZRange::score(2.0, ScoreBound::MAX).rev())?, ["c", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrange_by(&self, key: impl AsRef<[u8]>, range: &ZRange) -> Result<Vec<Blob>> {
        self.range(key.as_ref(), range, false, |m, _| Blob::copy_from_slice(m))
    }

    /// [`zrange_by`](Self::zrange_by) with scores (`ZRANGE … WITHSCORES`).
    ///
    /// # Errors
    ///
    /// As [`zrange_by`](Self::zrange_by), and [`Error::WithScoresByLex`] for a range by
    /// member.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ZRange;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrange_by_withscores("z", &ZRange::rank(0, 0))?, [("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrange_by_withscores(
        &self,
        key: impl AsRef<[u8]>,
        range: &ZRange,
    ) -> Result<Vec<(Blob, f64)>> {
        self.range(key.as_ref(), range, true, |m, s| {
            (Blob::copy_from_slice(m), s)
        })
    }

    /// Members of ranks `start..=stop`, lowest score first; negative ranks count from
    /// the end (`ZRANGE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrange("z", 0, -2)?, ["a", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::rank(start, stop))
    }

    /// [`zrange`](Self::zrange) with scores (`ZRANGE … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrange_withscores("z", 0, -1)?, [("a".into(), 1.0), ("b".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zrange_by_withscores(key, &ZRange::rank(start, stop))
    }

    /// Members of ranks `start..=stop` counted from the highest score (`ZREVRANGE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrevrange("z", 0, 1)?, ["c", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::rank(start, stop).rev())
    }

    /// [`zrevrange`](Self::zrevrange) with scores (`ZREVRANGE … WITHSCORES`): the top
    /// of a leaderboard.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("board", [("ann", 30.0), ("bob", 10.0), ("cy", 20.0)])?;
    /// let top2 = store.zsets().zrevrange_withscores("board", 0, 1)?;
    /// assert_eq!(top2, [("ann".into(), 30.0), ("cy".into(), 20.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zrange_by_withscores(key, &ZRange::rank(start, stop).rev())
    }

    /// Members scoring between `min` and `max`, lowest first (`ZRANGEBYSCORE`). For
    /// `LIMIT`, use [`zrange_by`](Self::zrange_by) with [`ZRange::limit`].
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScoreBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrangebyscore("z", ScoreBound::Exclusive(1.0), ScoreBound::MAX)?, ["b", "c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::score(min, max))
    }

    /// [`zrangebyscore`](Self::zrangebyscore) with scores.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrangebyscore_withscores("z", 2.0, 2.0)?, [("b".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrangebyscore_withscores(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zrange_by_withscores(key, &ZRange::score(min, max))
    }

    /// Members scoring between `min` and `max`, highest first (`ZREVRANGEBYSCORE`,
    /// which takes `max` first as Redis does).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrevrangebyscore("z", 2.0, 1.0)?, ["b", "a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        max: impl Into<ScoreBound>,
        min: impl Into<ScoreBound>,
    ) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::score(min, max).rev())
    }

    /// [`zrevrangebyscore`](Self::zrevrangebyscore) with scores.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScoreBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// let all = store.zsets().zrevrangebyscore_withscores("z", ScoreBound::MAX, ScoreBound::MIN)?;
    /// assert_eq!(all, [("b".into(), 2.0), ("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrangebyscore_withscores(
        &self,
        key: impl AsRef<[u8]>,
        max: impl Into<ScoreBound>,
        min: impl Into<ScoreBound>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zrange_by_withscores(key, &ZRange::score(min, max).rev())
    }

    /// Members between `min` and `max` by bytes (`ZRANGEBYLEX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("aa", 0.0), ("ba", 0.0), ("ca", 0.0), ("da", 0.0)])?;
    /// assert_eq!(store.zsets().zrangebylex("z", LexBound::Min, LexBound::inclusive("ca"))?, ["aa", "ba", "ca"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::lex(min, max))
    }

    /// Members between `min` and `max` by bytes, highest first (`ZREVRANGEBYLEX`, which
    /// takes `max` first as Redis does).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 0.0), ("b", 0.0), ("c", 0.0)])?;
    /// assert_eq!(store.zsets().zrevrangebylex("z", LexBound::Max, LexBound::exclusive("a"))?, ["c", "b"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        max: LexBound,
        min: LexBound,
    ) -> Result<Vec<Blob>> {
        self.zrange_by(key, &ZRange::lex(min, max).rev())
    }

    /// Stores what `range` selects from `src` at `dst` and returns its size
    /// (`ZRANGESTORE`). An empty selection deletes `dst`. Atomic.
    ///
    /// # Errors
    ///
    /// As [`zrange_by`](Self::zrange_by); [`Error::WrongType`] if `src` holds another
    /// type (`dst` is overwritten whatever it holds).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ZRange;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zrangestore("top", "z", &ZRange::rank(0, 1).rev())?, 2);
    /// assert_eq!(store.zsets().zrange_withscores("top", 0, -1)?, [("b".into(), 2.0), ("c".into(), 3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrangestore(
        &self,
        dst: impl AsRef<[u8]>,
        src: impl AsRef<[u8]>,
        range: &ZRange,
    ) -> Result<usize> {
        range.check(false)?;
        let located = [(self.db, dst.as_ref()), (self.db, src.as_ref())];
        self.ks().admit()?;
        self.ks().write_many(&located, |many| {
            many.note_misses([1]);
            let selected = {
                let mut out = Vec::new();
                if let Some(z) = opt::<SortedSet>(many.get(1))? {
                    let (ranks, _) = range.select(z);
                    out.reserve(ranks.len());
                    z.visit(ranks, false, |m, s| out.push((Blob::copy_from_slice(m), s)));
                }
                out
            };
            Ok(store_sorted(&mut many.entry(0), selected, "zrangestore"))
        })
    }

    fn remove_range(&self, key: &[u8], range: &ZRange) -> Result<usize> {
        range.check(false)?;
        self.ks().write(self.db, key, |e| {
            let recording = e.recording();
            let mut taken = Vec::new();
            let removed = e
                .update_existing::<SortedSet, _>(|z| {
                    let (ranks, _) = range.select(z);
                    let n = ranks.len();
                    z.remove_ranks(ranks, |m, _| {
                        if recording {
                            taken.push(m);
                        }
                    });
                    Ok(n)
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                let event = match range.by {
                    By::Rank(..) => "zremrangebyrank",
                    By::Score(..) => "zremrangebyscore",
                    By::Lex(..) => "zremrangebylex",
                };
                e.notify_then_del(notify::ZSET, event);
                // The effect: the members removed.
                let key = e.key();
                e.propagate(|r| {
                    r.arg("ZREM").arg(key).args(taken.iter());
                });
            }
            Ok(removed)
        })
    }

    /// Removes the members of ranks `start..=stop` and returns how many
    /// (`ZREMRANGEBYRANK`).
    ///
    /// # Complexity
    ///
    /// O(log n + m) for m members removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zremrangebyrank("z", 0, 1)?, 2);
    /// assert_eq!(store.zsets().zrange("z", 0, -1)?, ["c"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zremrangebyrank(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<usize> {
        self.remove_range(key.as_ref(), &ZRange::rank(start, stop))
    }

    /// Removes the members scoring between `min` and `max` (`ZREMRANGEBYSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zremrangebyscore("z", 2.0, 10.0)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zremrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<usize> {
        self.remove_range(key.as_ref(), &ZRange::score(min, max))
    }

    /// Removes the members between `min` and `max` by bytes (`ZREMRANGEBYLEX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::LexBound;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 0.0), ("b", 0.0), ("c", 0.0)])?;
    /// assert_eq!(store.zsets().zremrangebylex("z", LexBound::Min, LexBound::exclusive("c"))?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zremrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<usize> {
        self.remove_range(key.as_ref(), &ZRange::lex(min, max))
    }
}
