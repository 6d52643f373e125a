//! List commands (`t_list.c`): argument parsing and reply shaping over
//! [`Lists`](crate::Lists); blocking forms block the calling thread.

use super::parse::{NumKeys, count, int, is, mpop_count, numkeys, timeout};
use super::{Ctx, Reply};
use crate::{Blob, Error, Insertion, KeyType, LposOptions, Matches, Position, Result, Side};

pub(super) fn lpush(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().lpush(a[1], &a[2..])?.into())
}

pub(super) fn rpush(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().rpush(a[1], &a[2..])?.into())
}

pub(super) fn lpushx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().lpushx(a[1], &a[2..])?.into())
}

pub(super) fn rpushx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().rpushx(a[1], &a[2..])?.into())
}

fn pop(c: &Ctx<'_>, a: &[&[u8]], side: Side) -> Result<Reply> {
    let lists = c.lists();
    match a.len() {
        2 => Ok(match side {
            Side::Left => lists.lpop(a[1])?,
            Side::Right => lists.rpop(a[1])?,
        }
        .into()),
        3 => {
            let n = count(a[2])?;
            let got = match side {
                Side::Left => lists.lpop_count(a[1], n)?,
                Side::Right => lists.rpop_count(a[1], n)?,
            };
            Ok(got.map_or(Reply::NilArray, Reply::from))
        }
        // Checked when it runs (the table's arity is -2), as `popGenericCommand` does.
        _ => Err(Error::WrongArity(match side {
            Side::Left => "lpop",
            Side::Right => "rpop",
        })),
    }
}

pub(super) fn lpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    pop(c, a, Side::Left)
}

pub(super) fn rpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    pop(c, a, Side::Right)
}

pub(super) fn llen(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().llen(a[1])?.into())
}

pub(super) fn lindex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The key is looked up before the index is read.
    let i = match int(a[2]) {
        Ok(i) => i,
        Err(_) if !c.holds(a[1], KeyType::List)? => return Ok(Reply::Nil),
        Err(e) => return Err(e),
    };
    Ok(c.lists().lindex(a[1], i)?.into())
}

pub(super) fn lset(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let i = match int(a[2]) {
        Ok(i) => i,
        Err(_) if !c.holds(a[1], KeyType::List)? => return Err(Error::NoSuchKey),
        Err(e) => return Err(e),
    };
    c.lists().lset(a[1], i, a[3])?;
    Ok(Reply::ok())
}

pub(super) fn linsert(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let position = match a[2] {
        p if is(p, "BEFORE") => Position::Before,
        p if is(p, "AFTER") => Position::After,
        _ => return Err(Error::Syntax),
    };
    Ok(match c.lists().linsert(a[1], position, a[3], a[4])? {
        Insertion::Len(n) => n.into(),
        Insertion::NoPivot => Reply::Integer(-1),
        Insertion::Missing => Reply::Integer(0),
    })
}

pub(super) fn lrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (start, stop) = (int(a[2])?, int(a[3])?);
    Ok(c.lists().lrange(a[1], start, stop)?.into())
}

pub(super) fn ltrim(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (start, stop) = (int(a[2])?, int(a[3])?);
    c.lists().ltrim(a[1], start, stop)?;
    Ok(Reply::ok())
}

pub(super) fn lrem(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The sign of the count picks the end; 0 removes every match.
    let count = int(a[2])?;
    let n = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let matches = match count {
        0 => Matches::All,
        1.. => Matches::First(n),
        _ => Matches::Last(n),
    };
    Ok(c.lists().lrem(a[1], matches, a[3])?.into())
}

pub(super) fn lpos(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (mut rank, mut maxlen, mut count_opt) = (1, 0, None);
    let mut i = 3;
    while i < a.len() {
        let (o, value) = (a[i], a.get(i + 1).ok_or_else(|| Error::Syntax)?);
        if is(o, "RANK") {
            rank = int(value)?;
            if rank == 0 {
                return Err(Error::RankZero);
            }
        } else if is(o, "COUNT") {
            let n = crate::number::parse_i64(value).and_then(|n| usize::try_from(n).ok());
            count_opt = Some(n.ok_or_else(|| Error::CountNegative)?);
        } else if is(o, "MAXLEN") {
            let n = crate::number::parse_i64(value).and_then(|n| usize::try_from(n).ok());
            maxlen = n.ok_or_else(|| Error::MaxLenNegative)?;
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    // RANK r starts at the r-th match from the head, RANK -r at the r-th from the tail.
    // Redis negates RANK i64::MIN into itself: the first match from the tail, and a
    // COUNT that its overflowing comparison never reaches (all matches).
    if rank == i64::MIN {
        rank = -1;
        count_opt = count_opt.map(|_| 0);
    }
    let skip = usize::try_from(rank.unsigned_abs() - 1).unwrap_or(usize::MAX);
    let mut options = LposOptions::new().skip(skip).maxlen(maxlen);
    if rank < 0 {
        options = options.from_tail();
    }
    Ok(match count_opt {
        None => c
            .lists()
            .lpos(a[1], a[2], options)?
            .map_or(Reply::Nil, Reply::from),
        Some(n) => Reply::Array(
            c.lists()
                .lpos_count(a[1], a[2], n, options)?
                .into_iter()
                .map(Reply::from)
                .collect(),
        ),
    })
}

fn side(arg: &[u8]) -> Result<Side> {
    match arg {
        s if is(s, "LEFT") => Ok(Side::Left),
        s if is(s, "RIGHT") => Ok(Side::Right),
        _ => Err(Error::Syntax),
    }
}

pub(super) fn lmove(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (from, to) = (side(a[3])?, side(a[4])?);
    Ok(c.lists().lmove(a[1], a[2], from, to)?.into())
}

pub(super) fn rpoplpush(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.lists().rpoplpush(a[1], a[2])?.into())
}

/// `LEFT|RIGHT [COUNT n]` of `LMPOP` and `BLMPOP`, from `a[at]`.
fn mpop_options(a: &[&[u8]], at: usize) -> Result<(Side, usize)> {
    let side = side(a.get(at).ok_or_else(|| Error::Syntax)?)?;
    Ok((side, mpop_count(&a[at + 1..])?))
}

fn mpop_reply(got: Option<(Blob, Vec<Blob>)>) -> Reply {
    got.map_or(Reply::NilArray, |(key, elems)| {
        Reply::Array(vec![key.into(), elems.into()])
    })
}

pub(super) fn lmpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 1, NumKeys::Pop)?;
    let (side, n) = mpop_options(a, rest)?;
    Ok(mpop_reply(c.lists().lmpop(keys, side, n)?))
}

fn pair_reply(got: Option<(Blob, Blob)>) -> Reply {
    got.map_or(Reply::NilArray, |(k, v)| {
        Reply::Array(vec![k.into(), v.into()])
    })
}

pub(super) fn blpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = timeout(a[a.len() - 1])?;
    c.block(c.lists().blpop_async(&a[1..a.len() - 1], t).map(pair_reply))
}

pub(super) fn brpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = timeout(a[a.len() - 1])?;
    c.block(c.lists().brpop_async(&a[1..a.len() - 1], t).map(pair_reply))
}

pub(super) fn blmpop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The timeout is read last, as `lmpopGenericCommand` does.
    let (keys, rest) = numkeys(a, 2, NumKeys::Pop)?;
    let (side, n) = mpop_options(a, rest)?;
    let t = timeout(a[1])?;
    c.block(c.lists().blmpop_async(keys, side, n, t).map(mpop_reply))
}

pub(super) fn blmove(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (from, to) = (side(a[3])?, side(a[4])?);
    let t = timeout(a[5])?;
    let blocked = c.cancel.is_some();
    c.block(
        c.lists()
            .blmove_async(a[1], a[2], from, to, t)
            .map(move |got| moved_reply(blocked, got)),
    )
}

/// What `BLMOVE` and `BRPOPLPUSH` answer: the element; on a timeout the null array (a
/// blocked client's timeout), but nil where they could not block (inside `EXEC`).
fn moved_reply(blocked: bool, got: Option<Blob>) -> Reply {
    match got {
        Some(v) => v.into(),
        None if blocked => Reply::NilArray,
        None => Reply::Nil,
    }
}

pub(super) fn brpoplpush(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = timeout(a[3])?;
    let blocked = c.cancel.is_some();
    c.block(
        c.lists()
            .brpoplpush_async(a[1], a[2], t)
            .map(move |got| moved_reply(blocked, got)),
    )
}
