//! Sorted-set commands (Redis's `t_zset.c`), blocking pops included: the [`ZSets`]
//! handle and the types its options are made of.
//!
//! | Redis | here |
//! |---|---|
//! | `ZADD` (`NX XX GT LT CH INCR`) / `ZINCRBY` | [`zadd`](ZSets::zadd), [`zadd_with`](ZSets::zadd_with), [`zadd_incr`](ZSets::zadd_incr) / [`zincrby`](ZSets::zincrby) |
//! | `ZREM` / `ZCARD` / `ZSCORE` / `ZMSCORE` | [`zrem`](ZSets::zrem) / [`zcard`](ZSets::zcard) / [`zscore`](ZSets::zscore) / [`zmscore`](ZSets::zmscore) |
//! | `ZRANK` / `ZREVRANK` (`WITHSCORE`) | [`zrank`](ZSets::zrank), [`zrank_withscore`](ZSets::zrank_withscore) / [`zrevrank`](ZSets::zrevrank), [`zrevrank_withscore`](ZSets::zrevrank_withscore) |
//! | `ZCOUNT` / `ZLEXCOUNT` | [`zcount`](ZSets::zcount) / [`zlexcount`](ZSets::zlexcount) |
//! | `ZRANGE` (`BYSCORE BYLEX REV LIMIT WITHSCORES`) / `ZRANGESTORE` | [`zrange`](ZSets::zrange), [`zrange_withscores`](ZSets::zrange_withscores), [`zrange_by`](ZSets::zrange_by), [`zrange_by_withscores`](ZSets::zrange_by_withscores) / [`zrangestore`](ZSets::zrangestore) |
//! | `ZREVRANGE`, `ZRANGEBYSCORE`, `ZREVRANGEBYSCORE`, `ZRANGEBYLEX`, `ZREVRANGEBYLEX` | [`zrevrange`](ZSets::zrevrange), [`zrangebyscore`](ZSets::zrangebyscore), [`zrevrangebyscore`](ZSets::zrevrangebyscore), [`zrangebylex`](ZSets::zrangebylex), [`zrevrangebylex`](ZSets::zrevrangebylex) (and `_withscores` forms) |
//! | `ZREMRANGEBYRANK` / `BYSCORE` / `BYLEX` | [`zremrangebyrank`](ZSets::zremrangebyrank) / [`zremrangebyscore`](ZSets::zremrangebyscore) / [`zremrangebylex`](ZSets::zremrangebylex) |
//! | `ZPOPMIN` / `ZPOPMAX` / `ZMPOP` | [`zpopmin`](ZSets::zpopmin) / [`zpopmax`](ZSets::zpopmax) / [`zmpop`](ZSets::zmpop) |
//! | `BZPOPMIN` / `BZPOPMAX` / `BZMPOP` | [`bzpopmin`](ZSets::bzpopmin) / [`bzpopmax`](ZSets::bzpopmax) / [`bzmpop`](ZSets::bzmpop) |
//! | `ZRANDMEMBER` | [`zrandmember`](ZSets::zrandmember), [`zrandmember_count`](ZSets::zrandmember_count), [`zrandmember_withscores`](ZSets::zrandmember_withscores) |
//! | `ZUNION` / `ZINTER` / `ZDIFF` (+`STORE`) | [`zunion`](ZSets::zunion) / [`zinter`](ZSets::zinter) / [`zdiff`](ZSets::zdiff) and their `_withscores`, `_with` and `store` forms |
//! | `ZINTERCARD` | [`zintercard`](ZSets::zintercard) |
//! | `ZSCAN` | [`zscan`](ZSets::zscan), [`zscan_iter`](ZSets::zscan_iter) |
//!
//! # Design
//!
//! A sorted set is a map from member to score plus the members in `(score, member)`
//! order; `value/zset.rs` keeps both, small sets in one sorted vector and large ones in
//! a ranked skiplist (`value/zset/skiplist.rs`, whose essay explains its layout).
//!
//! Every range command is answered in ranks. A [`ScoreBound`] or [`LexBound`] becomes
//! the number of elements before it — one O(log n) descent of the skiplist — so a range
//! by score is a range of ranks, `ZCOUNT` is a subtraction, `LIMIT offset count` and
//! `REV` are arithmetic, and the elements are then visited or removed by rank in
//! O(log n + m). This is why one code path serves `ZRANGE`, its five older spellings,
//! `ZRANGESTORE` and the three `ZREMRANGEBY*`.
//!
//! Scores are `f64`. NaN is never stored ([`Error::ScoreNaN`]); ±infinity is. Equal
//! scores order by member bytes, as in Redis.
//!
//! # Multi-key and blocking commands
//!
//! `ZRANGESTORE`, the algebra and its `STORE` forms lock every shard involved, in
//! ascending order, for the whole command, and type-check every key first (sets count as
//! sorted sets with score 1, as in Redis). `BZPOPMIN` & co. wait exactly as the lists'
//! blocking pops do (see [`Lists`](crate::Lists)): first come, first served, an element
//! handed to exactly one waiter, and cancellable with a [`CancelToken`].

use std::time::Duration;

use hashbrown::HashMap;
use rand::Rng;

use crate::index::list_range;
use crate::keyspace::blocking::{CancelToken, Served};
use crate::keyspace::{Deadline, Keyspace, notify};
use crate::scan::{Batches, ScanOptions};
use crate::value::dict::Picks;
use crate::value::zset::Lazy;
use crate::value::{Elem, KeyType, SetValue, SortedSet, Value, ValueRef, opt};
use crate::{Args, Blob, Error, Result, Store};

/// A key and the members (with scores) popped from it.
type Popped = (Blob, Vec<(Blob, f64)>);

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
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn parse(text: impl AsRef<[u8]>) -> Result<ScoreBound> {
        let text = text.as_ref();
        let (exclusive, number) = match text {
            [b'(', rest @ ..] => (true, rest),
            _ => (false, text),
        };
        // `strtod`, as Redis reads bounds, skips leading white space.
        let number = number.trim_ascii_start();
        let value = std::str::from_utf8(number)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|v| !v.is_nan())
            .ok_or(Error::MinMaxNotFloat)?;
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

/// When `ZADD` may add or update a member: its `NX`, `XX`, `GT` and `LT` flags, in the
/// combinations Redis accepts.
///
/// # Examples
///
/// ```
/// use embedis::{ZAddCondition, ZAddOptions};
/// let store = embedis::Store::new();
/// store.zsets().zadd("z", [("a", 5.0)])?;
/// let gt = ZAddOptions::new().condition(ZAddCondition::IfGreater);
/// store.zsets().zadd_with("z", [("a", 3.0), ("b", 1.0)], gt)?;
/// assert_eq!(store.zsets().zscore("z", "a")?, Some(5.0));
/// assert_eq!(store.zsets().zscore("z", "b")?, Some(1.0));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZAddCondition {
    /// Add new members, update existing ones (no flag).
    #[default]
    Always,
    /// Only add new members (`NX`).
    IfAbsent,
    /// Only update existing members (`XX`).
    IfPresent,
    /// Add new members; update existing ones only to a greater score (`GT`).
    IfGreater,
    /// Add new members; update existing ones only to a lower score (`LT`).
    IfLess,
    /// Only update existing members, and only to a greater score (`XX GT`).
    IfPresentAndGreater,
    /// Only update existing members, and only to a lower score (`XX LT`).
    IfPresentAndLess,
}

impl ZAddCondition {
    /// Whether a member now at `old` (`None`: absent) may take score `new`; when not,
    /// Redis counts the member as not processed.
    fn permits(self, old: Option<f64>, new: f64) -> bool {
        use ZAddCondition::{
            Always, IfAbsent, IfGreater, IfLess, IfPresent, IfPresentAndGreater, IfPresentAndLess,
        };
        match (self, old) {
            (IfPresent | IfPresentAndGreater | IfPresentAndLess, None) | (IfAbsent, Some(_)) => {
                false
            }
            (_, None) | (Always | IfPresent, Some(_)) => true,
            (IfGreater | IfPresentAndGreater, Some(old)) => new > old,
            (IfLess | IfPresentAndLess, Some(old)) => new < old,
        }
    }

    /// Whether the key must already exist for anything to happen (`XX`).
    fn only_updates(self) -> bool {
        matches!(
            self,
            ZAddCondition::IfPresent
                | ZAddCondition::IfPresentAndGreater
                | ZAddCondition::IfPresentAndLess
        )
    }
}

/// Options of `ZADD`: the [`ZAddCondition`] and `CH`.
///
/// # Examples
///
/// ```
/// use embedis::{ZAddCondition, ZAddOptions};
/// let opts = ZAddOptions::new().condition(ZAddCondition::IfPresent).ch();
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZAddOptions {
    condition: ZAddCondition,
    ch: bool,
}

impl ZAddOptions {
    /// Add or update every member, counting the added ones.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let n = store.zsets().zadd_with("z", [("a", 1.0)], embedis::ZAddOptions::new())?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        ZAddOptions::default()
    }

    /// Which members may be added or updated.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// let xx = ZAddOptions::new().condition(ZAddCondition::IfPresent);
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 1.0)], xx)?, 0);
    /// assert_eq!(store.zsets().zcard("z")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn condition(mut self, condition: ZAddCondition) -> Self {
        self.condition = condition;
        self
    }

    /// Count changed members — added, or given a new score — rather than added ones
    /// (`CH`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let ch = embedis::ZAddOptions::new().ch();
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 2.0), ("b", 1.0)], ch)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }
}

/// Which end of a sorted set a pop takes from (`ZMPOP`'s `MIN | MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreEnd {
    /// The lowest scores first.
    Min,
    /// The highest scores first.
    Max,
}

/// How `ZUNION` and `ZINTER` combine the scores of a member found in several inputs
/// (`AGGREGATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// The sum of the weighted scores (the default).
    #[default]
    Sum,
    /// The least weighted score.
    Min,
    /// The greatest weighted score.
    Max,
}

impl Aggregate {
    /// Folds `v` into `acc` exactly as Redis's `zunionInterAggregate`: an undefined sum
    /// is 0, and `MIN`/`MAX` replace only on a strict comparison (so a NaN is ignored
    /// and the first of two zeros is kept).
    fn fold(self, acc: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *acc += v;
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            Aggregate::Min => {
                if v < *acc {
                    *acc = v;
                }
            }
            Aggregate::Max => {
                if v > *acc {
                    *acc = v;
                }
            }
        }
    }
}

/// `WEIGHTS` and `AGGREGATE` of `ZUNION`, `ZINTER` and their `STORE` forms.
///
/// # Examples
///
/// ```
/// use embedis::{Aggregate, CombineOptions};
/// let store = embedis::Store::new();
/// store.zsets().zadd("a", [("x", 1.0)])?;
/// store.zsets().zadd("b", [("x", 5.0)])?;
/// let opts = CombineOptions::new().weights([10.0, 1.0]).aggregate(Aggregate::Max);
/// assert_eq!(store.zsets().zunion_with(["a", "b"], &opts)?, [("x".into(), 10.0)]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CombineOptions {
    weights: Option<Vec<f64>>,
    aggregate: Aggregate,
}

impl CombineOptions {
    /// Weight 1 for every input, scores summed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// let all = store.zsets().zunion_with(["a", "a"], &embedis::CombineOptions::new())?;
    /// assert_eq!(all, [("x".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        CombineOptions::default()
    }

    /// One multiplier per input key, in order (`WEIGHTS`); there must be exactly as many
    /// as keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 2.0)])?;
    /// let opts = embedis::CombineOptions::new().weights([3.0]);
    /// assert_eq!(store.zsets().zunion_with(["a"], &opts)?, [("x".into(), 6.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn weights(mut self, weights: impl IntoIterator<Item = f64>) -> Self {
        self.weights = Some(weights.into_iter().collect());
        self
    }

    /// How the scores of a member in several inputs combine (`AGGREGATE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 2.0)])?;
    /// store.zsets().zadd("b", [("x", 7.0)])?;
    /// let min = CombineOptions::new().aggregate(Aggregate::Min);
    /// assert_eq!(store.zsets().zinter_with(["a", "b"], &min)?, [("x".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn aggregate(mut self, aggregate: Aggregate) -> Self {
        self.aggregate = aggregate;
        self
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

/// Type-checks every operand of the algebra (sets count, with score 1) before any is
/// used.
enum Operand<'a> {
    Missing,
    Set(&'a SetValue),
    ZSet(&'a SortedSet),
}

impl<'a> Operand<'a> {
    fn of(value: Option<ValueRef<'a>>) -> Result<Operand<'a>> {
        match value {
            None => Ok(Operand::Missing),
            Some(ValueRef::Set(s)) => Ok(Operand::Set(s)),
            Some(ValueRef::ZSet(z)) => Ok(Operand::ZSet(z)),
            Some(_) => Err(Error::WrongType),
        }
    }

    fn len(&self) -> usize {
        match self {
            Operand::Missing => 0,
            Operand::Set(s) => s.len(),
            Operand::ZSet(z) => z.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Operand::Missing => None,
            Operand::Set(s) => s.contains(member).then_some(1.0),
            Operand::ZSet(z) => z.score(member),
        }
    }

    fn for_each(&self, mut f: impl FnMut(Elem<'_>, f64)) {
        match self {
            Operand::Missing => {}
            Operand::Set(s) => s.members().for_each(|m| f(m, 1.0)),
            Operand::ZSet(z) => z.for_each(|m, s| f(Elem::Bytes(m), s)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

impl Op {
    fn name(self, store: bool) -> &'static str {
        match (self, store) {
            (Op::Union, false) => "zunion",
            (Op::Inter, false) => "zinter",
            (Op::Diff, false) => "zdiff",
            (Op::Union, true) => "zunionstore",
            (Op::Inter, true) => "zinterstore",
            (Op::Diff, true) => "zdiffstore",
        }
    }

    /// The result, sorted, of this operation over `inputs` (Redis's
    /// `zunionInterDiffGenericCommand`, whose order of evaluation it keeps, so that
    /// float sums and signed zeros come out the same).
    fn apply(self, inputs: &[Operand<'_>], options: &CombineOptions) -> Vec<(Blob, f64)> {
        let weight = |i: usize| options.weights.as_ref().map_or(1.0, |w| w[i]);
        // A weighted score of 0 × ±inf is 0.
        let weighted = |i: usize, s: f64| {
            let v = weight(i) * s;
            if v.is_nan() { 0.0 } else { v }
        };
        // Union and intersection visit the inputs smallest first (a stable sort, as
        // glibc's `qsort`); a difference starts from its first key.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        if self != Op::Diff {
            order.sort_by_key(|&i| inputs[i].len());
        }
        let mut out: Vec<(Blob, f64)> = Vec::new();
        match self {
            Op::Union => {
                let mut acc: HashMap<Blob, f64> = HashMap::new();
                for &i in &order {
                    inputs[i].for_each(|m, s| {
                        let v = weighted(i, s);
                        m.with_bytes(|b| match acc.get_mut(b) {
                            Some(total) => options.aggregate.fold(total, v),
                            None => {
                                acc.insert(Blob::copy_from_slice(b), v);
                            }
                        });
                    });
                }
                out.extend(acc);
            }
            Op::Inter => {
                let Some((&first, rest)) = order.split_first() else {
                    return out;
                };
                inputs[first].for_each(|m, s| {
                    m.with_bytes(|b| {
                        let mut total = weighted(first, s);
                        for &j in rest {
                            // Here Redis does not turn a NaN product into 0.
                            match inputs[j].score(b) {
                                Some(s) => options.aggregate.fold(&mut total, s * weight(j)),
                                None => return,
                            }
                        }
                        out.push((Blob::copy_from_slice(b), total));
                    });
                });
            }
            Op::Diff => {
                if let Some((first, rest)) = inputs.split_first() {
                    first.for_each(|m, s| {
                        m.with_bytes(|b| {
                            if rest.iter().all(|o| o.score(b).is_none()) {
                                out.push((Blob::copy_from_slice(b), s));
                            }
                        });
                    });
                }
            }
        }
        out.sort_unstable_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        out
    }
}

/// Commands on sorted-set values, in one database. From [`Store::zsets`] or
/// [`Db::zsets`](crate::Db::zsets).
///
/// A handle is a borrowed view of the store: it holds no lock between calls (and none
/// while a blocking call waits).
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let board = store.zsets();
/// board.zadd("scores", [("ann", 31.0), ("bob", 12.0), ("cy", 25.0)])?;
/// board.zincrby("scores", 10.0, "bob")?;
/// assert_eq!(board.zrevrange_withscores("scores", 0, 1)?, [("ann".into(), 31.0), ("cy".into(), 25.0)]);
/// assert_eq!(board.zrevrank("scores", "bob")?, Some(2));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ZSets<'s> {
    store: &'s Store,
    db: usize,
    cancel: Option<&'s CancelToken>,
}

/// Pops up to `count` elements from `end` of the sorted set at `key`; `None` if the key
/// is missing.
fn pop_n(
    ks: &Keyspace,
    db: usize,
    key: &[u8],
    end: ScoreEnd,
    count: usize,
) -> Result<Option<Vec<(Blob, f64)>>> {
    ks.write(db, key, |e| {
        let popped = e.update_existing::<SortedSet, _>(|z| {
            let len = z.len();
            let n = count.min(len);
            let mut out = Vec::with_capacity(n);
            match end {
                ScoreEnd::Min => z.remove_ranks(0..n, |m, s| out.push((m, s))),
                ScoreEnd::Max => {
                    z.remove_ranks(len - n..len, |m, s| out.push((m, s)));
                    out.reverse();
                }
            }
            Ok(out)
        })?;
        if popped.as_ref().is_some_and(|p| !p.is_empty()) {
            let event = match end {
                ScoreEnd::Min => "zpopmin",
                ScoreEnd::Max => "zpopmax",
            };
            e.notify_then_del(notify::ZSET, event);
        }
        Ok(popped)
    })
}

fn served(key: &[u8], popped: Vec<(Blob, f64)>) -> Served {
    let (items, scores) = popped.into_iter().unzip();
    Served {
        key: Blob::copy_from_slice(key),
        items,
        scores,
    }
}

fn unserve(s: Served) -> (Blob, Vec<(Blob, f64)>) {
    (s.key, s.items.into_iter().zip(s.scores).collect())
}

/// The members of a reply with scores.
fn members_of(scored: Vec<(Blob, f64)>) -> Vec<Blob> {
    scored.into_iter().map(|(m, _)| m).collect()
}

fn check_mpop(keys: usize, count: usize) -> Result<()> {
    if keys == 0 {
        return Err(Error::NumKeysNotPositive);
    }
    if count == 0 {
        return Err(Error::CountNotPositive);
    }
    Ok(())
}

impl<'s> ZSets<'s> {
    pub(crate) fn new(store: &'s Store, db: usize) -> Self {
        ZSets {
            store,
            db,
            cancel: None,
        }
    }

    fn ks(&self) -> &'s Keyspace {
        self.store.keyspace()
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&SortedSet>) -> R) -> Result<R> {
        self.ks().read_as(self.db, key, f)
    }

    /// The same handle, with blocking calls that `token` can cancel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (store, token) = (embedis::Store::new(), embedis::CancelToken::new());
    /// token.cancel();
    /// let zsets = store.zsets().cancel_with(&token);
    /// assert_eq!(zsets.bzpopmin(["z"], None), Err(embedis::Error::Unblocked));
    /// ```
    #[must_use]
    pub fn cancel_with(self, token: &'s CancelToken) -> ZSets<'s> {
        ZSets {
            cancel: Some(token),
            ..self
        }
    }

    /// Adds `members` with their scores, or updates the scores of those present, and
    /// returns how many were added (`ZADD`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] for a NaN
    /// score; [`Error::WrongArity`] for no members. On error nothing changes.
    ///
    /// # Complexity
    ///
    /// O(log n) per member.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?, 2);
    /// assert_eq!(store.zsets().zadd("z", [("a", 5.0), ("c", 3.0)])?, 1);
    /// assert_eq!(store.zsets().zrange("z", 0, -1)?, ["b", "c", "a"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (M, f64)>,
    ) -> Result<usize> {
        self.zadd_with(key, members, ZAddOptions::new())
    }

    /// [`zadd`](Self::zadd) with `NX`/`XX`/`GT`/`LT` and `CH` (`ZADD … options`).
    ///
    /// # Errors
    ///
    /// As [`zadd`](Self::zadd).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let nx = ZAddOptions::new().condition(ZAddCondition::IfAbsent);
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 9.0), ("b", 2.0)], nx)?, 1);
    /// assert_eq!(store.zsets().zscore("z", "a")?, Some(1.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd_with<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (M, f64)>,
        options: ZAddOptions,
    ) -> Result<usize> {
        let members: Args<(M, f64)> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zadd"));
        }
        if members.iter().any(|(_, s)| s.is_nan()) {
            return Err(Error::ScoreNaN);
        }
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            if options.condition.only_updates() && e.get::<SortedSet>()?.is_none() {
                return Ok(0);
            }
            let (counted, changed) = e.update::<SortedSet, _>(|z| {
                let (mut counted, mut changed) = (0, false);
                for (m, score) in &members {
                    let (old, new) = z.upsert(m.as_ref(), |old| {
                        // An equal score (0 and -0 included) is left as it is.
                        let write = options.condition.permits(old, *score) && old != Some(*score);
                        Ok::<_, Error>(write.then_some(*score))
                    })?;
                    let (added, updated) =
                        (old.is_none() && new.is_some(), old.is_some() && new != old);
                    counted += usize::from(added || (options.ch && updated));
                    changed |= added || updated;
                }
                Ok((counted, changed))
            })?;
            if changed {
                e.notify(notify::ZSET, "zadd");
            }
            Ok(counted)
        })
    }

    /// Adds `delta` to the score of `member` (absent: 0) under `options`'s condition
    /// and returns the new score, or `None` if the condition left it unchanged (`ZADD …
    /// INCR`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] if `delta`
    /// or the sum is NaN (nothing changes).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 5.0)])?;
    /// let gt = ZAddOptions::new().condition(ZAddCondition::IfGreater);
    /// assert_eq!(store.zsets().zadd_incr("z", "a", 2.0, gt)?, Some(7.0));
    /// assert_eq!(store.zsets().zadd_incr("z", "a", -1.0, gt)?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zadd_incr(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
        delta: f64,
        options: ZAddOptions,
    ) -> Result<Option<f64>> {
        if delta.is_nan() {
            return Err(Error::ScoreNaN);
        }
        let member = member.as_ref();
        let condition = options.condition;
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            e.update::<SortedSet, _>(|z| {
                let mut result = None;
                z.upsert(member, |old| {
                    if old.is_some() && condition == ZAddCondition::IfAbsent {
                        return Ok(None);
                    }
                    let sum = old.map_or(delta, |old| old + delta);
                    if sum.is_nan() {
                        return Err(Error::ScoreNaN);
                    }
                    if !condition.permits(old, sum) {
                        return Ok(None);
                    }
                    result = Some(sum);
                    Ok((old != Some(sum)).then_some(sum))
                })?;
                Ok(result)
            })
            .inspect(|result| {
                if result.is_some() {
                    e.notify(notify::ZSET, "zincr");
                }
            })
        })
    }

    /// Adds `delta` to the score of `member` (absent: 0) and returns the new score
    /// (`ZINCRBY`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNaN`] if the sum
    /// is NaN (`+inf` plus `-inf`), in which case nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().zincrby("z", 2.5, "a")?, 2.5);
    /// assert_eq!(store.zsets().zincrby("z", -1.0, "a")?, 1.5);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zincrby(
        &self,
        key: impl AsRef<[u8]>,
        delta: f64,
        member: impl AsRef<[u8]>,
    ) -> Result<f64> {
        let new = self.zadd_incr(key, member, delta, ZAddOptions::new())?;
        Ok(new.unwrap_or(delta))
    }
}

/// Reading and removing.
impl ZSets<'_> {
    /// Removes `members` and returns how many were there (`ZREM`). Removing the last
    /// member deletes the key.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] for no
    /// members.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrem("z", ["a", "x"])?, 1);
    /// assert_eq!(store.zsets().zrem("z", ["b"])?, 1);
    /// assert_eq!(store.keys().exists(["z"])?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrem<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<usize> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zrem"));
        }
        self.ks().write(self.db, key.as_ref(), |e| {
            let removed = e
                .update_existing::<SortedSet, _>(|z| {
                    let n = members
                        .iter()
                        .filter(|m| z.remove(m.as_ref()).is_some())
                        .count();
                    z.shrink();
                    Ok(n)
                })
                .map(Option::unwrap_or_default)?;
            if removed > 0 {
                e.notify_then_del(notify::ZSET, "zrem");
            }
            Ok(removed)
        })
    }

    /// Number of members, 0 if the key is missing (`ZCARD`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zcard("z")?, 2);
    /// assert_eq!(store.zsets().zcard("missing")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zcard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.read(key.as_ref(), |z| z.map_or(0, SortedSet::len))
    }

    /// The score of `member` (`ZSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.5)])?;
    /// assert_eq!(store.zsets().zscore("z", "a")?, Some(1.5));
    /// assert_eq!(store.zsets().zscore("z", "b")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<f64>> {
        let member = member.as_ref();
        self.read(key.as_ref(), |z| z.and_then(|z| z.score(member)))
    }

    /// The score of each of `members` (`ZMSCORE`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::WrongArity`] for no
    /// members.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zmscore("z", ["a", "b", "c"])?, [Some(1.0), None, Some(3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zmscore<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<Vec<Option<f64>>> {
        let members: Args<M> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::WrongArity("zmscore"));
        }
        self.read(key.as_ref(), |z| {
            members
                .iter()
                .map(|m| z.and_then(|z| z.score(m.as_ref())))
                .collect()
        })
    }

    fn rank_of(&self, key: &[u8], member: &[u8], rev: bool) -> Result<Option<(usize, f64)>> {
        self.read(key, |z| {
            let z = z?;
            let (rank, score) = z.rank(member)?;
            Some((if rev { z.len() - 1 - rank } else { rank }, score))
        })
    }

    /// The 0-based rank of `member`, lowest score first (`ZRANK`).
    ///
    /// # Complexity
    ///
    /// O(log n).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrank("z", "b")?, Some(1));
    /// assert_eq!(store.zsets().zrank("z", "x")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrank(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<usize>> {
        Ok(self
            .rank_of(key.as_ref(), member.as_ref(), false)?
            .map(|r| r.0))
    }

    /// [`zrank`](Self::zrank) with the member's score (`ZRANK … WITHSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrank_withscore("z", "b")?, Some((1, 2.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrank_withscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<(usize, f64)>> {
        self.rank_of(key.as_ref(), member.as_ref(), false)
    }

    /// The 0-based rank of `member`, highest score first (`ZREVRANK`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrevrank("z", "b")?, Some(0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrank(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        Ok(self
            .rank_of(key.as_ref(), member.as_ref(), true)?
            .map(|r| r.0))
    }

    /// [`zrevrank`](Self::zrevrank) with the member's score (`ZREVRANK … WITHSCORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrevrank_withscore("z", "a")?, Some((1, 1.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrevrank_withscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<(usize, f64)>> {
        self.rank_of(key.as_ref(), member.as_ref(), true)
    }

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
            let removed = e
                .update_existing::<SortedSet, _>(|z| {
                    let (ranks, _) = range.select(z);
                    let n = ranks.len();
                    z.remove_ranks(ranks, |_, _| {});
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

/// Stores `members` (sorted, distinct) at the entry, or deletes it if there are none;
/// returns how many.
fn store_sorted(
    entry: &mut crate::keyspace::EntryMut<'_>,
    members: Vec<(Blob, f64)>,
    event: &'static str,
) -> usize {
    let n = members.len();
    if n == 0 {
        if entry.remove() {
            entry.notify(notify::GENERIC, "del");
        }
    } else {
        entry.put(
            Value::ZSet(SortedSet::from_sorted(members)),
            Deadline::Clear,
        );
        entry.notify(notify::ZSET, event);
    }
    n
}

/// Popping, blocking pops and random members.
impl ZSets<'_> {
    /// Removes and returns up to `count` members with the lowest scores, lowest first
    /// (`ZPOPMIN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zpopmin("z", 2)?, [("a".into(), 1.0), ("b".into(), 2.0)]);
    /// assert_eq!(store.zsets().zcard("z")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zpopmin(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Blob, f64)>> {
        Ok(pop_n(self.ks(), self.db, key.as_ref(), ScoreEnd::Min, count)?.unwrap_or_default())
    }

    /// Removes and returns up to `count` members with the highest scores, highest
    /// first (`ZPOPMAX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
    /// assert_eq!(store.zsets().zpopmax("z", 1)?, [("c".into(), 3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zpopmax(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Blob, f64)>> {
        Ok(pop_n(self.ks(), self.db, key.as_ref(), ScoreEnd::Max, count)?.unwrap_or_default())
    }

    /// Pops up to `count` members from `end` of the first non-empty sorted set among
    /// `keys` and returns its key with them (`ZMPOP`); `None` if all are empty.
    ///
    /// # Errors
    ///
    /// [`Error::NumKeysNotPositive`] for no keys; [`Error::CountNotPositive`] for a
    /// count of 0; [`Error::WrongType`] if a key checked holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScoreEnd;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("b", [("x", 1.0), ("y", 2.0)])?;
    /// let (key, got) = store.zsets().zmpop(["a", "b"], ScoreEnd::Max, 5)?.unwrap();
    /// assert_eq!((key.as_str(), got), (Some("b"), vec![("y".into(), 2.0), ("x".into(), 1.0)]));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        for key in &keys {
            if let Some(popped) = pop_n(self.ks(), self.db, key.as_ref(), end, count)? {
                return Ok(Some((Blob::copy_from_slice(key.as_ref()), popped)));
            }
        }
        Ok(None)
    }

    fn blocking_pop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
        timeout: Option<Duration>,
        command: &'static str,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::WrongArity(command));
        }
        let keys: Args<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        let db = self.db;
        let attempt = move |ks: &Keyspace, key: &[u8]| {
            pop_n(ks, db, key, end, count)
                .map(|popped| popped.map(|p| served(key, p)))
                .transpose()
        };
        let ks = self.ks();
        let got = ks
            .blocking()
            .run(ks, db, &keys, KeyType::ZSet, timeout, self.cancel, attempt)?;
        Ok(got.map(unserve))
    }

    /// Pops the lowest-scoring member of the first non-empty sorted set among `keys`,
    /// waiting up to `timeout` (`None`: forever) for one to be added (`BZPOPMIN`).
    /// Returns the key, the member and its score; `None` on timeout.
    ///
    /// **Locking:** holds no lock while it waits.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a key checked holds another type; [`Error::Unblocked`]
    /// if cancelled through [`cancel_with`](Self::cancel_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// let worker = {
    ///     let store = store.clone();
    ///     std::thread::spawn(move || store.zsets().bzpopmin(["tasks"], Some(Duration::from_secs(5))))
    /// };
    /// store.zsets().zadd("tasks", [("urgent", 1.0), ("later", 9.0)])?;
    /// let (key, task, priority) = worker.join().unwrap()?.unwrap();
    /// assert_eq!((key, task, priority), ("tasks".into(), "urgent".into(), 1.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzpopmin<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob, f64)>> {
        let got = self.blocking_pop(keys, ScoreEnd::Min, 1, timeout, "bzpopmin")?;
        Ok(got.and_then(|(k, mut v)| v.pop().map(|(m, s)| (k, m, s))))
    }

    /// [`bzpopmin`](Self::bzpopmin) from the highest scores (`BZPOPMAX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().bzpopmax(["z"], None)?, Some(("z".into(), "b".into(), 2.0)));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzpopmax<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        timeout: Option<Duration>,
    ) -> Result<Option<(Blob, Blob, f64)>> {
        let got = self.blocking_pop(keys, ScoreEnd::Max, 1, timeout, "bzpopmax")?;
        Ok(got.and_then(|(k, mut v)| v.pop().map(|(m, s)| (k, m, s))))
    }

    /// [`zmpop`](Self::zmpop), waiting up to `timeout` for a member (`BZMPOP`).
    ///
    /// **Locking:** holds no lock while it waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::ScoreEnd;
    /// let store = embedis::Store::new();
    /// assert_eq!(store.zsets().bzmpop(["z"], ScoreEnd::Min, 1, Some(Duration::from_millis(10)))?, None);
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let (_, got) = store.zsets().bzmpop(["z"], ScoreEnd::Min, 1, None)?.unwrap();
    /// assert_eq!(got, [("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bzmpop<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        end: ScoreEnd,
        count: usize,
        timeout: Option<Duration>,
    ) -> Result<Option<Popped>> {
        let keys: Args<K> = keys.into_iter().collect();
        check_mpop(keys.len(), count)?;
        self.blocking_pop(keys, end, count, timeout, "bzmpop")
    }

    /// A random member (`ZRANDMEMBER`); `None` if the key is missing.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// assert_eq!(store.zsets().zrandmember("z")?.unwrap(), "a");
    /// assert_eq!(store.zsets().zrandmember("missing")?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Blob>> {
        Ok(self
            .random(key.as_ref(), Picks::Distinct(1))?
            .pop()
            .map(|e| e.0))
    }

    /// `count` distinct random members (all if fewer) when `count` ≥ 0, or `-count`
    /// members with possible repeats (`ZRANDMEMBER key count`).
    ///
    /// # Errors
    ///
    /// [`Error::ValueOutOfRange`] for `i64::MIN`; [`Error::OutOfRange`] if the picks
    /// cannot fit in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// assert_eq!(store.zsets().zrandmember_count("z", 5)?.len(), 2);
    /// assert_eq!(store.zsets().zrandmember_count("z", -5)?.len(), 5);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Blob>> {
        let picks = Picks::from_count(count, self.store.max_picks())?;
        Ok(members_of(self.random(key.as_ref(), picks)?))
    }

    /// [`zrandmember_count`](Self::zrandmember_count) with scores (`ZRANDMEMBER key
    /// count WITHSCORES`).
    ///
    /// # Errors
    ///
    /// As [`zrandmember_count`](Self::zrandmember_count), and [`Error::OutOfRange`] for
    /// a count below `-i64::MAX / 2` (Redis's limit for this form).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// assert_eq!(store.zsets().zrandmember_withscores("z", -2)?, [("a".into(), 1.0), ("a".into(), 1.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zrandmember_withscores(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Blob, f64)>> {
        if count < -i64::MAX / 2 {
            return Err(Error::OutOfRange);
        }
        self.random(
            key.as_ref(),
            Picks::from_count(count, self.store.max_picks())?,
        )
    }

    fn random(&self, key: &[u8], picks: Picks) -> Result<Vec<(Blob, f64)>> {
        let mut rng = self.ks().rng();
        self.read(key, |z| {
            let Some(z) = z else {
                return Ok(Vec::new());
            };
            let len = z.len();
            let ranks = match picks {
                // The whole set, highest first, as Redis replies for a count past the
                // size.
                Picks::Distinct(k) if k >= len => (0..len).rev().collect(),
                // Few distinct picks from many: draw ranks, rejecting repeats.
                Picks::Distinct(k) if k.saturating_mul(3) < len => {
                    let mut seen = hashbrown::HashSet::with_capacity(k);
                    while seen.len() < k {
                        seen.insert(rng.gen_range(0..len));
                    }
                    seen.into_iter().collect()
                }
                _ => picks.positions(&mut rng, len)?,
            };
            Ok(ranks
                .into_iter()
                .map(|r| {
                    let (m, s) = z.at(r);
                    (Blob::copy_from_slice(m), s)
                })
                .collect())
        })?
    }
}

/// The algebra (`ZUNION`, `ZINTER`, `ZDIFF`, their `STORE` forms, `ZINTERCARD`) and
/// `ZSCAN`.
impl<'s> ZSets<'s> {
    fn located<'k, K: AsRef<[u8]>>(&self, keys: &'k [K]) -> Vec<(usize, &'k [u8])> {
        keys.iter().map(|k| (self.db, k.as_ref())).collect()
    }

    fn check_combine(op: Op, keys: usize, options: &CombineOptions, store: bool) -> Result<()> {
        if keys == 0 {
            return Err(Error::NoInputKeys(op.name(store)));
        }
        if let Some(w) = &options.weights {
            if w.len() != keys {
                return Err(Error::Syntax);
            }
            if w.iter().any(|w| w.is_nan()) {
                return Err(Error::WeightNotFloat);
            }
        }
        Ok(())
    }

    fn compute<K: AsRef<[u8]>>(
        &self,
        op: Op,
        keys: &[K],
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        Self::check_combine(op, keys.len(), options, false)?;
        self.ks().read_many(&self.located(keys), |many| {
            let inputs = (0..keys.len())
                .map(|n| Operand::of(many.get(n)))
                .collect::<Result<Vec<_>>>()?;
            Ok(op.apply(&inputs, options))
        })
    }

    fn store_result<K: AsRef<[u8]>>(
        &self,
        op: Op,
        dst: &[u8],
        keys: &[K],
        options: &CombineOptions,
    ) -> Result<usize> {
        Self::check_combine(op, keys.len(), options, true)?;
        let mut located = vec![(self.db, dst)];
        located.extend(self.located(keys));
        self.ks().admit()?;
        self.ks().write_many(&located, |many| {
            many.note_misses(1..located.len());
            let result = {
                let inputs = (1..located.len())
                    .map(|n| Operand::of(many.get(n)))
                    .collect::<Result<Vec<_>>>()?;
                op.apply(&inputs, options)
            };
            Ok(store_sorted(&mut many.entry(0), result, op.name(true)))
        })
    }

    /// The members of any of `keys`, by score (`ZUNION`); scores summed.
    ///
    /// # Errors
    ///
    /// [`Error::NoInputKeys`] for no keys; [`Error::WrongType`] if a key holds neither a
    /// sorted set nor a set.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.sets().sadd("s", ["y", "z"])?;
    /// assert_eq!(store.zsets().zunion(["a", "s"])?, ["x", "z", "y"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zunion_withscores(keys)?))
    }

    /// [`zunion`](Self::zunion) with scores (`ZUNION … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// store.zsets().zadd("b", [("x", 2.0)])?;
    /// assert_eq!(store.zsets().zunion_withscores(["a", "b"])?, [("x".into(), 3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zunion_with(keys, &CombineOptions::new())
    }

    /// [`zunion_withscores`](Self::zunion_withscores) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Errors
    ///
    /// As [`zunion`](Self::zunion), and [`Error::Syntax`] if the number of weights is
    /// not the number of keys, [`Error::WeightNotFloat`] for a NaN weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 4.0)])?;
    /// store.zsets().zadd("b", [("x", 3.0)])?;
    /// let max = CombineOptions::new().aggregate(Aggregate::Max);
    /// assert_eq!(store.zsets().zunion_with(["a", "b"], &max)?, [("x".into(), 3.0), ("y".into(), 4.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion_with<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Union, &keys, options)
    }

    /// The members in every one of `keys`, by score (`ZINTER`); scores summed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zinter(["a", "b"])?, ["y"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zinter_withscores(keys)?))
    }

    /// [`zinter`](Self::zinter) with scores (`ZINTER … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zinter_withscores(["a", "b"])?, [("y".into(), 7.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zinter_with(keys, &CombineOptions::new())
    }

    /// [`zinter_withscores`](Self::zinter_withscores) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::CombineOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// let w = CombineOptions::new().weights([2.0, 0.0]);
    /// assert_eq!(store.zsets().zinter_with(["a", "b"], &w)?, [("y".into(), 4.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter_with<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Inter, &keys, options)
    }

    /// The members of the first of `keys` in none of the others, by score (`ZDIFF`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zdiff(["a", "b"])?, ["x"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiff<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zdiff_withscores(keys)?))
    }

    /// [`zdiff`](Self::zdiff) with scores (`ZDIFF … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// assert_eq!(store.zsets().zdiff_withscores(["a", "missing"])?, [("x".into(), 1.0), ("y".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiff_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Diff, &keys, &CombineOptions::new())
    }

    /// Stores the union of `keys` at `dst` and returns its size (`ZUNIONSTORE`). An
    /// empty result deletes `dst`. Atomic.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zunionstore("u", ["a", "b"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunionstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        self.zunionstore_with(dst, keys, &CombineOptions::new())
    }

    /// [`zunionstore`](Self::zunionstore) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::CombineOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// assert_eq!(store.zsets().zunionstore_with("u", ["a"], &CombineOptions::new().weights([5.0]))?, 1);
    /// assert_eq!(store.zsets().zscore("u", "x")?, Some(5.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunionstore_with<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Union, dst.as_ref(), &keys, options)
    }

    /// Stores the intersection of `keys` at `dst` and returns its size
    /// (`ZINTERSTORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zinterstore("i", ["a", "b"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinterstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        self.zinterstore_with(dst, keys, &CombineOptions::new())
    }

    /// [`zinterstore`](Self::zinterstore) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// let max = CombineOptions::new().aggregate(Aggregate::Max);
    /// assert_eq!(store.zsets().zinterstore_with("i", ["a", "b"], &max)?, 1);
    /// assert_eq!(store.zsets().zscore("i", "y")?, Some(2.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinterstore_with<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Inter, dst.as_ref(), &keys, options)
    }

    /// Stores the difference of `keys` at `dst` and returns its size (`ZDIFFSTORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zdiffstore("d", ["a", "b"])?, 1);
    /// assert_eq!(store.zsets().zrange("d", 0, -1)?, ["x"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiffstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Diff, dst.as_ref(), &keys, &CombineOptions::new())
    }

    /// The size of the intersection of `keys`, counting stopped at `limit` (0: no
    /// limit) (`ZINTERCARD`).
    ///
    /// # Errors
    ///
    /// [`Error::NoInputKeys`] for no keys; [`Error::WrongType`] if a key holds neither
    /// a sorted set nor a set.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0), ("z", 3.0)])?;
    /// store.sets().sadd("s", ["x", "y", "z"])?;
    /// assert_eq!(store.zsets().zintercard(["a", "s"], 0)?, 3);
    /// assert_eq!(store.zsets().zintercard(["a", "s"], 2)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zintercard<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        limit: usize,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::NoInputKeys("zintercard"));
        }
        let limit = if limit == 0 { usize::MAX } else { limit };
        self.ks().read_many(&self.located(&keys), |many| {
            let inputs = (0..keys.len())
                .map(|n| Operand::of(many.get(n)))
                .collect::<Result<Vec<_>>>()?;
            let Some(smallest) = (0..inputs.len()).min_by_key(|&i| inputs[i].len()) else {
                return Ok(0);
            };
            let mut n = 0;
            inputs[smallest].for_each(|m, _| {
                if n < limit && m.with_bytes(|b| inputs.iter().all(|o| o.score(b).is_some())) {
                    n += 1;
                }
            });
            Ok(n)
        })
    }

    /// One `ZSCAN` step: members (with scores) from `cursor` (0 to start), and the
    /// next cursor (0 when done). A member present for the whole scan is returned at
    /// least once; a small sorted set is returned in one step.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type; [`Error::Syntax`] for a
    /// `TYPE` option (keys only).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0), ("b", 2.0)])?;
    /// let (cursor, got) = store.zsets().zscan("z", 0, &ScanOptions::new().pattern("a*"))?;
    /// assert_eq!((cursor, got), (0, vec![("a".into(), 1.0)]));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<(u64, Vec<(Blob, f64)>)> {
        if options.key_type.is_some() {
            return Err(Error::Syntax);
        }
        self.read(key.as_ref(), |z| {
            let mut out = Vec::new();
            let next = z.map_or(0, |z| {
                z.scan(cursor, options.count, |m, s| {
                    if options.matches(m) {
                        out.push((Blob::copy_from_slice(m), s));
                    }
                })
            });
            (next, out)
        })
    }

    /// Every member with its score, in `ZSCAN` steps (fetched as the iterator goes).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::ScanOptions;
    /// let store = embedis::Store::new();
    /// let members: Vec<(String, f64)> = (0..500).map(|i| (format!("m{i}"), f64::from(i))).collect();
    /// store.zsets().zadd("z", members)?;
    /// let total: f64 = store.zsets().zscan_iter("z", ScanOptions::new().count(50)).map(|(_, s)| s).sum();
    /// assert_eq!(total, (0..500).map(f64::from).sum::<f64>());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zscan_iter(&self, key: impl AsRef<[u8]>, options: ScanOptions) -> ZScanIter<'s> {
        ZScanIter {
            zsets: *self,
            key: key.as_ref().to_vec(),
            options,
            batches: Batches::new(),
        }
    }
}

/// The members of a sorted set with their scores, in `ZSCAN` steps. From
/// [`ZSets::zscan_iter`].
///
/// Ends early (with the members seen so far) if the key comes to hold another type.
#[derive(Debug)]
pub struct ZScanIter<'s> {
    zsets: ZSets<'s>,
    key: Vec<u8>,
    options: ScanOptions,
    batches: Batches<(Blob, f64)>,
}

impl Iterator for ZScanIter<'_> {
    type Item = (Blob, f64);

    fn next(&mut self) -> Option<(Blob, f64)> {
        let (zsets, key, options) = (self.zsets, &self.key, &self.options);
        self.batches
            .next(|cursor| zsets.zscan(key, cursor, options))
    }
}
