//! Sorted-set commands (`t_zset.c`): argument parsing and reply shaping over
//! [`ZSets`](crate::ZSets); blocking forms block the calling thread.

use super::hashes::pairs;
use super::keys::{cursor, member_scan_options, scan_reply};
use super::parse::{NumKeys, count, float, int, is, mpop_count, numkeys, rand_count, timeout};
use super::reply::format_double;
use super::sets::card_limit;
use super::{Ctx, Reply};
use crate::{
    Aggregate, Blob, CombineOptions, Error, KeyType, LexBound, Result, ScoreBound, ScoreEnd,
    ZAddCondition, ZAddOptions, ZRange,
};

fn score_or_nil(s: Option<f64>) -> Reply {
    s.map_or(Reply::Nil, Reply::Double)
}

/// Members with scores: nested pairs in RESP3, flat in RESP2 (`ZRANGE … WITHSCORES`).
fn scored(c: &Ctx<'_>, v: Vec<(Blob, f64)>) -> Reply {
    pairs(c, v.into_iter().map(|(m, s)| (m.into(), Reply::Double(s))))
}

pub(super) fn zadd(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, false);
    let mut at = 2;
    while at < a.len() {
        match a[at] {
            o if is(o, "NX") => nx = true,
            o if is(o, "XX") => xx = true,
            o if is(o, "GT") => gt = true,
            o if is(o, "LT") => lt = true,
            o if is(o, "CH") => ch = true,
            o if is(o, "INCR") => incr = true,
            _ => break,
        }
        at += 1;
    }
    let rest = &a[at..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(Error::Syntax);
    }
    if nx && xx {
        return Ok(Reply::Error(
            "ERR XX and NX options at the same time are not compatible".into(),
        ));
    }
    if (gt || lt) && nx || gt && lt {
        return Ok(Reply::Error(
            "ERR GT, LT, and/or NX options at the same time are not compatible".into(),
        ));
    }
    if incr && rest.len() > 2 {
        return Ok(Reply::Error(
            "ERR INCR option supports a single increment-element pair".into(),
        ));
    }
    let condition = match (nx, xx, gt, lt) {
        (true, ..) => ZAddCondition::IfAbsent,
        (_, true, true, _) => ZAddCondition::IfPresentAndGreater,
        (_, true, _, true) => ZAddCondition::IfPresentAndLess,
        (_, true, ..) => ZAddCondition::IfPresent,
        (_, _, true, _) => ZAddCondition::IfGreater,
        (_, _, _, true) => ZAddCondition::IfLess,
        _ => ZAddCondition::Always,
    };
    let mut options = ZAddOptions::new().condition(condition);
    if ch {
        options = options.ch();
    }
    let members = rest
        .chunks_exact(2)
        .map(|p| Ok((p[1], float(p[0])?)))
        .collect::<Result<Vec<_>>>()?;
    if incr {
        let (member, delta) = members[0];
        return Ok(score_or_nil(
            c.zsets().zadd_incr(a[1], member, delta, options)?,
        ));
    }
    Ok(c.zsets().zadd_with(a[1], members, options)?.into())
}

pub(super) fn zincrby(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // ZINCRBY is ZADD's INCR form in Redis: a flag name where the increment goes is
    // read as a flag, leaving an odd number of score–member arguments.
    let flags = ["NX", "XX", "GT", "LT", "CH", "INCR"];
    if flags.iter().any(|f| is(a[2], f)) {
        return Err(Error::Syntax);
    }
    let delta = float(a[2])?;
    Ok(Reply::Double(c.zsets().zincrby(a[1], delta, a[3])?))
}

pub(super) fn zrem(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.zsets().zrem(a[1], &a[2..])?.into())
}

pub(super) fn zcard(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.zsets().zcard(a[1])?.into())
}

pub(super) fn zscore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(score_or_nil(c.zsets().zscore(a[1], a[2])?))
}

pub(super) fn zmscore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let scores = c.zsets().zmscore(a[1], &a[2..])?;
    Ok(Reply::Array(scores.into_iter().map(score_or_nil).collect()))
}

fn rank_generic(c: &Ctx<'_>, a: &[&[u8]], rev: bool) -> Result<Reply> {
    // Redis 7.0's ZRANK and ZREVRANK take exactly a key and a member (the table's
    // arity); WITHSCORE came later.
    let z = c.zsets();
    let r = if rev {
        z.zrevrank(a[1], a[2])?
    } else {
        z.zrank(a[1], a[2])?
    };
    Ok(r.map_or(Reply::Nil, Reply::from))
}

pub(super) fn zrank(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    rank_generic(c, a, false)
}

pub(super) fn zrevrank(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    rank_generic(c, a, true)
}

pub(super) fn zcount(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (min, max) = (ScoreBound::parse(a[2])?, ScoreBound::parse(a[3])?);
    Ok(c.zsets().zcount(a[1], min, max)?.into())
}

pub(super) fn zlexcount(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (min, max) = (LexBound::parse(a[2])?, LexBound::parse(a[3])?);
    Ok(c.zsets().zlexcount(a[1], min, max)?.into())
}

#[derive(Clone, Copy, PartialEq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

/// `zrangeGenericCommand`: the range at `a[from]`, `a[from + 1]` and the options after
/// it, parsed in Redis's order; `fixed` is the type a legacy command implies and `rev`
/// its direction.
fn parse_range(
    a: &[&[u8]],
    from: usize,
    fixed: By,
    rev: Option<bool>,
    store: bool,
) -> Result<(ZRange, bool)> {
    let (mut by, mut reverse, mut withscores) = (fixed, rev, false);
    let mut limit: Option<(i64, i64)> = None;
    let mut j = from + 2;
    while j < a.len() {
        let (o, left) = (a[j], a.len() - j - 1);
        if !store && is(o, "WITHSCORES") {
            withscores = true;
        } else if is(o, "LIMIT") && left >= 2 {
            limit = Some((int(a[j + 1])?, int(a[j + 2])?));
            j += 2;
        } else if reverse.is_none() && is(o, "REV") {
            reverse = Some(true);
        } else if by == By::Auto && is(o, "BYLEX") {
            by = By::Lex;
        } else if by == By::Auto && is(o, "BYSCORE") {
            by = By::Score;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let rev = reverse.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    if by == By::Rank && limit.is_some_and(|(_, count)| count != -1) {
        return Err(Error::LimitWithoutBy);
    }
    if withscores && by == By::Lex {
        return Err(Error::WithScoresByLex);
    }
    let (lo, hi) = if rev && by != By::Rank {
        (a[from + 1], a[from])
    } else {
        (a[from], a[from + 1])
    };
    let mut range = match by {
        By::Score => ZRange::score(ScoreBound::parse(lo)?, ScoreBound::parse(hi)?),
        By::Lex => ZRange::lex(LexBound::parse(lo)?, LexBound::parse(hi)?),
        _ => ZRange::rank(int(lo)?, int(hi)?),
    };
    if rev {
        range = range.rev();
    }
    if let Some((offset, count)) = limit.filter(|_| by != By::Rank) {
        range = range.limit(offset, count);
    }
    Ok((range, withscores))
}

fn range_reply(c: &Ctx<'_>, a: &[&[u8]], fixed: By, rev: Option<bool>) -> Result<Reply> {
    let (range, withscores) = parse_range(a, 2, fixed, rev, false)?;
    if withscores {
        return Ok(scored(c, c.zsets().zrange_by_withscores(a[1], &range)?));
    }
    Ok(c.zsets().zrange_by(a[1], &range)?.into())
}

pub(super) fn zrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Auto, None)
}

pub(super) fn zrevrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Rank, Some(true))
}

pub(super) fn zrangebyscore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Score, Some(false))
}

pub(super) fn zrevrangebyscore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Score, Some(true))
}

pub(super) fn zrangebylex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Lex, Some(false))
}

pub(super) fn zrevrangebylex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range_reply(c, a, By::Lex, Some(true))
}

pub(super) fn zrangestore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (range, _) = parse_range(a, 3, By::Auto, None, true)?;
    Ok(c.zsets().zrangestore(a[1], a[2], &range)?.into())
}

pub(super) fn zremrangebyrank(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (start, stop) = (int(a[2])?, int(a[3])?);
    Ok(c.zsets().zremrangebyrank(a[1], start, stop)?.into())
}

pub(super) fn zremrangebyscore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (min, max) = (ScoreBound::parse(a[2])?, ScoreBound::parse(a[3])?);
    Ok(c.zsets().zremrangebyscore(a[1], min, max)?.into())
}

pub(super) fn zremrangebylex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (min, max) = (LexBound::parse(a[2])?, LexBound::parse(a[3])?);
    Ok(c.zsets().zremrangebylex(a[1], min, max)?.into())
}

fn pop_generic(c: &Ctx<'_>, a: &[&[u8]], end: ScoreEnd) -> Result<Reply> {
    let z = c.zsets();
    let n = match a.len() {
        2 => None,
        3 => Some(count(a[2])?),
        _ => return Err(Error::Syntax),
    };
    let got = match end {
        ScoreEnd::Min => z.zpopmin(a[1], n.unwrap_or(1))?,
        ScoreEnd::Max => z.zpopmax(a[1], n.unwrap_or(1))?,
    };
    if n.is_none() {
        return Ok(Reply::Array(
            got.into_iter()
                .flat_map(|(m, s)| [m.into(), Reply::Double(s)])
                .collect(),
        ));
    }
    Ok(scored(c, got))
}

pub(super) fn zpopmin(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    pop_generic(c, a, ScoreEnd::Min)
}

pub(super) fn zpopmax(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    pop_generic(c, a, ScoreEnd::Max)
}

/// `MIN|MAX [COUNT n]` of `ZMPOP` and `BZMPOP`, from `a[at]`.
fn mpop_options(a: &[&[u8]], at: usize) -> Result<(ScoreEnd, usize)> {
    let end = match a.get(at) {
        Some(e) if is(e, "MIN") => ScoreEnd::Min,
        Some(e) if is(e, "MAX") => ScoreEnd::Max,
        _ => return Err(Error::Syntax),
    };
    Ok((end, mpop_count(&a[at + 1..])?))
}

fn mpop_reply(got: Option<(Blob, Vec<(Blob, f64)>)>) -> Reply {
    got.map_or(Reply::NilArray, |(key, members)| {
        let members = members
            .into_iter()
            .map(|(m, s)| Reply::Array(vec![m.into(), Reply::Double(s)]))
            .collect();
        Reply::Array(vec![key.into(), Reply::Array(members)])
    })
}

pub(super) fn zmpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 1, NumKeys::Pop)?;
    let (end, n) = mpop_options(a, rest)?;
    Ok(mpop_reply(c.zsets().zmpop(keys, end, n)?))
}

pub(super) fn bzmpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The timeout is read last, as `zmpopGenericCommand` does.
    let (keys, rest) = numkeys(a, 2, NumKeys::Pop)?;
    let (end, n) = mpop_options(a, rest)?;
    let t = timeout(a[1])?;
    c.block(c.zsets().bzmpop_async(keys, end, n, t).map(mpop_reply))
}

fn bpop_reply(got: Option<(Blob, Blob, f64)>) -> Reply {
    got.map_or(Reply::NilArray, |(k, m, s)| {
        Reply::Array(vec![k.into(), m.into(), Reply::Double(s)])
    })
}

pub(super) fn bzpopmin(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = timeout(a[a.len() - 1])?;
    c.block(
        c.zsets()
            .bzpopmin_async(&a[1..a.len() - 1], t)
            .map(bpop_reply),
    )
}

pub(super) fn bzpopmax(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = timeout(a[a.len() - 1])?;
    c.block(
        c.zsets()
            .bzpopmax_async(&a[1..a.len() - 1], t)
            .map(bpop_reply),
    )
}

pub(super) fn zrandmember(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let z = c.zsets();
    if a.len() == 2 {
        return Ok(z.zrandmember(a[1])?.into());
    }
    match rand_count(a, "WITHSCORES")? {
        (n, false) => Ok(z.zrandmember_count(a[1], n)?.into()),
        (n, true) => Ok(scored(c, z.zrandmember_withscores(a[1], n)?)),
    }
}

/// Which of the sorted-set algebra commands.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// Options of `ZUNION`, `ZINTER`, `ZDIFF` and their `STORE` forms after the keys.
fn combine_options(
    a: &[&[u8]],
    from: usize,
    nkeys: usize,
    op: Op,
    store: bool,
) -> Result<(CombineOptions, bool)> {
    let mut options = CombineOptions::new();
    let mut withscores = false;
    let mut j = from;
    while j < a.len() {
        let remaining = a.len() - j;
        let o = a[j];
        if op != Op::Diff && remaining > nkeys && is(o, "WEIGHTS") {
            let weights = a[j + 1..=j + nkeys]
                .iter()
                .map(|w| super::parse::parse_float(w).ok_or_else(|| Error::WeightNotFloat))
                .collect::<Result<Vec<_>>>()?;
            options = options.weights(weights);
            j += nkeys + 1;
        } else if op != Op::Diff && remaining >= 2 && is(o, "AGGREGATE") {
            let agg = match a[j + 1] {
                x if is(x, "SUM") => Aggregate::Sum,
                x if is(x, "MIN") => Aggregate::Min,
                x if is(x, "MAX") => Aggregate::Max,
                _ => return Err(Error::Syntax),
            };
            options = options.aggregate(agg);
            j += 2;
        } else if !store && is(o, "WITHSCORES") {
            withscores = true;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((options, withscores))
}

/// Redis type-checks the input keys before it reads the options: a wrong type wins
/// over a bad option.
fn inputs_typed(c: &Ctx<'_>, keys: &[&[u8]], e: Error) -> Error {
    let k = c.keys();
    let wrong = keys.iter().any(|key| {
        k.key_type(key)
            .is_ok_and(|t| t.is_some_and(|t| t != KeyType::ZSet && t != KeyType::Set))
    });
    if wrong { Error::WrongType } else { e }
}

fn combine(c: &Ctx<'_>, a: &[&[u8]], op: Op, name: &'static str) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 1, NumKeys::Algebra(name))?;
    let (options, withscores) =
        combine_options(a, rest, keys.len(), op, false).map_err(|e| inputs_typed(c, keys, e))?;
    let z = c.zsets();
    let got = match op {
        Op::Union => z.zunion_with(keys, &options)?,
        Op::Inter => z.zinter_with(keys, &options)?,
        Op::Diff => z.zdiff_withscores(keys)?,
    };
    if withscores {
        return Ok(scored(c, got));
    }
    Ok(Reply::Array(
        got.into_iter().map(|(m, _)| m.into()).collect(),
    ))
}

pub(super) fn zunion(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine(c, a, Op::Union, "zunion")
}

pub(super) fn zinter(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine(c, a, Op::Inter, "zinter")
}

pub(super) fn zdiff(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine(c, a, Op::Diff, "zdiff")
}

fn combine_store(c: &Ctx<'_>, a: &[&[u8]], op: Op, name: &'static str) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 2, NumKeys::Algebra(name))?;
    let (options, _) =
        combine_options(a, rest, keys.len(), op, true).map_err(|e| inputs_typed(c, keys, e))?;
    let z = c.zsets();
    Ok(match op {
        Op::Union => z.zunionstore_with(a[1], keys, &options)?,
        Op::Inter => z.zinterstore_with(a[1], keys, &options)?,
        Op::Diff => z.zdiffstore(a[1], keys)?,
    }
    .into())
}

pub(super) fn zunionstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine_store(c, a, Op::Union, "zunionstore")
}

pub(super) fn zinterstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine_store(c, a, Op::Inter, "zinterstore")
}

pub(super) fn zdiffstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    combine_store(c, a, Op::Diff, "zdiffstore")
}

pub(super) fn zintercard(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 1, NumKeys::Algebra("zintercard"))?;
    let limit = card_limit(a, rest).map_err(|e| inputs_typed(c, keys, e))?;
    Ok(c.zsets().zintercard(keys, limit)?.into())
}

pub(super) fn zscan(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let at = cursor(a[2])?;
    let Some(options) = member_scan_options(c, a, KeyType::ZSet)? else {
        return Ok(scan_reply(0, Vec::new()));
    };
    let (next, found) = c.zsets().zscan(a[1], at, &options)?;
    let items = found
        .into_iter()
        .flat_map(|(m, s)| [m.into(), Reply::from(format_double(s).as_str())])
        .collect();
    Ok(scan_reply(next, items))
}
