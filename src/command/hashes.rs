//! Hash commands (`t_hash.c`): argument parsing and reply shaping over
//! [`Hashes`](crate::Hashes).

use super::keys::{cursor, member_scan_options, scan_reply};
use super::parse::{int, rand_count};
use super::{Ctx, Reply};
use crate::{Blob, Error, KeyType, Result};

fn field_values<'a>(
    a: &'a [&'a [u8]],
    name: &'static str,
) -> Result<impl Iterator<Item = (&'a [u8], &'a [u8])>> {
    if !a.len().is_multiple_of(2) {
        return Err(Error::WrongArity(name));
    }
    Ok(a[2..].chunks_exact(2).map(|p| (p[0], p[1])))
}

pub(super) fn hset(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hset(a[1], field_values(a, "hset")?)?.into())
}

pub(super) fn hmset(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    c.hashes().hmset(a[1], field_values(a, "hmset")?)?;
    Ok(Reply::ok())
}

pub(super) fn hsetnx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hsetnx(a[1], a[2], a[3])?.into())
}

pub(super) fn hget(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hget(a[1], a[2])?.into())
}

pub(super) fn hmget(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let values = c.hashes().hmget(a[1], &a[2..])?;
    Ok(Reply::Array(values.into_iter().map(Reply::from).collect()))
}

/// Field–value pairs: a map in RESP3, a flat array in RESP2.
pub(super) fn map(pairs: Vec<(Blob, Blob)>) -> Reply {
    Reply::Map(
        pairs
            .into_iter()
            .map(|(f, v)| (f.into(), v.into()))
            .collect(),
    )
}

pub(super) fn hgetall(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(map(c.hashes().hgetall(a[1])?))
}

pub(super) fn hkeys(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hkeys(a[1])?.into())
}

pub(super) fn hvals(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hvals(a[1])?.into())
}

pub(super) fn hdel(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hdel(a[1], &a[2..])?.into())
}

pub(super) fn hlen(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hlen(a[1])?.into())
}

pub(super) fn hstrlen(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hstrlen(a[1], a[2])?.into())
}

pub(super) fn hexists(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hexists(a[1], a[2])?.into())
}

pub(super) fn hincrby(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.hashes().hincrby(a[1], a[2], int(a[3])?)?.into())
}

pub(super) fn hincrbyfloat(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let delta = crate::number::parse_long_double(a[3]).ok_or_else(|| Error::NotFloat)?;
    // The stored text carries Redis's long-double digits.
    Ok(Reply::from(
        c.hashes().hincrbyfloat_text(a[1], a[2], delta)?.as_str(),
    ))
}

/// Pairs as `HRANDFIELD … WITHVALUES` and `ZRANDMEMBER … WITHSCORES` answer: nested
/// two-element arrays in RESP3, flat in RESP2.
pub(super) fn pairs(c: &Ctx<'_>, pairs: impl IntoIterator<Item = (Reply, Reply)>) -> Reply {
    if c.resp3 {
        Reply::Array(
            pairs
                .into_iter()
                .map(|(a, b)| Reply::Array(vec![a, b]))
                .collect(),
        )
    } else {
        Reply::Array(pairs.into_iter().flat_map(|(a, b)| [a, b]).collect())
    }
}

pub(super) fn hrandfield(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if a.len() == 2 {
        return Ok(c.hashes().hrandfield(a[1])?.into());
    }
    match rand_count(a, "WITHVALUES")? {
        (n, false) => Ok(c.hashes().hrandfield_count(a[1], n)?.into()),
        (n, true) => {
            let got = c.hashes().hrandfield_withvalues(a[1], n)?;
            Ok(pairs(c, got.into_iter().map(|(f, v)| (f.into(), v.into()))))
        }
    }
}

pub(super) fn hscan(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let at = cursor(a[2])?;
    let Some(options) = member_scan_options(c, a, KeyType::Hash)? else {
        return Ok(scan_reply(0, Vec::new()));
    };
    let (next, found) = c.hashes().hscan(a[1], at, &options)?;
    let items = found
        .into_iter()
        .flat_map(|(f, v)| [f.into(), v.into()])
        .collect();
    Ok(scan_reply(next, items))
}
