//! Set commands (`t_set.c`): argument parsing and reply shaping over
//! [`Sets`](crate::Sets).

use super::keys::{cursor, member_scan_options, scan_reply};
use super::parse::{NumKeys, count, is, numkeys, picks};
use super::{Ctx, Reply};
use crate::{Blob, Error, KeyType, Result};

/// Members as a set: RESP3's set type, an array in RESP2.
fn set(members: Vec<Blob>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::from).collect())
}

pub(super) fn sadd(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().sadd(a[1], &a[2..])?.into())
}

pub(super) fn srem(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().srem(a[1], &a[2..])?.into())
}

pub(super) fn scard(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().scard(a[1])?.into())
}

pub(super) fn sismember(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().sismember(a[1], a[2])?.into())
}

pub(super) fn smismember(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let found = c.sets().smismember(a[1], &a[2..])?;
    Ok(Reply::Array(found.into_iter().map(Reply::from).collect()))
}

pub(super) fn smembers(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(set(c.sets().smembers(a[1])?))
}

pub(super) fn spop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    match a.len() {
        2 => Ok(c.sets().spop(a[1])?.into()),
        3 => Ok(set(c.sets().spop_count(a[1], count(a[2])?)?)),
        _ => Err(Error::Syntax),
    }
}

pub(super) fn srandmember(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    match a.len() {
        2 => Ok(c.sets().srandmember(a[1])?.into()),
        3 => Ok(c.sets().srandmember_count(a[1], picks(a[2])?)?.into()),
        _ => Err(Error::Syntax),
    }
}

pub(super) fn smove(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().smove(a[1], a[2], a[3])?.into())
}

pub(super) fn sdiff(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(set(c.sets().sdiff(&a[1..])?))
}

pub(super) fn sinter(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(set(c.sets().sinter(&a[1..])?))
}

pub(super) fn sunion(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(set(c.sets().sunion(&a[1..])?))
}

pub(super) fn sdiffstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().sdiffstore(a[1], &a[2..])?.into())
}

pub(super) fn sinterstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().sinterstore(a[1], &a[2..])?.into())
}

pub(super) fn sunionstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.sets().sunionstore(a[1], &a[2..])?.into())
}

/// The `LIMIT` option of `SINTERCARD` and `ZINTERCARD` from `a[from]`.
pub(super) fn card_limit(a: &[&[u8]], from: usize) -> Result<usize> {
    let mut limit = 0;
    let mut i = from;
    while i < a.len() {
        if is(a[i], "LIMIT") && i + 1 < a.len() {
            limit = crate::number::parse_i64(a[i + 1])
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| Error::LimitNegative)?;
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(limit)
}

pub(super) fn sintercard(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (keys, rest) = numkeys(a, 1, NumKeys::Card)?;
    let limit = card_limit(a, rest)?;
    Ok(c.sets().sintercard(keys, limit)?.into())
}

pub(super) fn sscan(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let at = cursor(a[2])?;
    let Some(options) = member_scan_options(c, a, KeyType::Set)? else {
        return Ok(scan_reply(0, Vec::new()));
    };
    let (next, found) = c.sets().sscan(a[1], at, &options)?;
    Ok(scan_reply(
        next,
        found.into_iter().map(Reply::from).collect(),
    ))
}
