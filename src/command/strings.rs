//! String and bit commands (`t_string.c`, `bitops.c`): argument parsing and reply
//! shaping over [`Strings`](crate::Strings) and [`Bits`](crate::Bits).

use std::time::{Duration, UNIX_EPOCH};

use super::parse::{int, is};
use super::{Ctx, Reply};
use crate::{
    BitFieldOp, BitFieldType, BitOffset, BitOp, BitUnit, Error, Expiry, Overflow, Result,
    SetCondition, SetOptions,
};

pub(super) fn get(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().get(a[1])?.into())
}

/// An expiry value in milliseconds, checked as Redis checks it: positive, and not
/// overflowing once converted or added to now.
fn expire_ms(
    c: &Ctx<'_>,
    arg: &[u8],
    unit_ms: i64,
    absolute: bool,
    name: &'static str,
) -> Result<i64> {
    let n = int(arg)?;
    let invalid = || Error::InvalidExpireTime(name);
    if n <= 0 {
        return Err(invalid());
    }
    let ms = n.checked_mul(unit_ms).ok_or_else(invalid)?;
    if !absolute {
        ms.checked_add(c.now_ms()).ok_or_else(invalid)?;
    }
    Ok(ms)
}

/// The options of `SET` and `GETEX` (`parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // Redis's flags, one per option
struct Extended<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// The unit in milliseconds, whether absolute, and the value.
    expire: Option<(i64, bool, &'a [u8])>,
}

impl<'a> Extended<'a> {
    fn parse(a: &[&'a [u8]], from: usize, set: bool) -> Result<Extended<'a>> {
        let mut x = Extended::default();
        let mut j = from;
        while j < a.len() {
            let (o, next) = (a[j], a.get(j + 1).copied());
            let timed = x.expire;
            let expire_kind = [
                ("EX", 1000, false),
                ("PX", 1, false),
                ("EXAT", 1000, true),
                ("PXAT", 1, true),
            ]
            .into_iter()
            .find(|(n, ..)| is(o, n));
            if is(o, "NX") && !x.xx && set {
                x.nx = true;
            } else if is(o, "XX") && !x.nx && set {
                x.xx = true;
            } else if is(o, "GET") && set {
                x.get = true;
            } else if is(o, "KEEPTTL") && set && timed.is_none() {
                x.keep_ttl = true;
            } else if is(o, "PERSIST") && !set && timed.is_none() {
                x.persist = true;
            } else if let Some((_, unit, absolute)) = expire_kind {
                let same = timed.is_none_or(|(u, abs, _)| u == unit && abs == absolute);
                let Some(value) = next.filter(|_| same && !x.keep_ttl && !x.persist) else {
                    return Err(Error::Syntax);
                };
                x.expire = Some((unit, absolute, value));
                j += 1;
            } else {
                return Err(Error::Syntax);
            }
            j += 1;
        }
        Ok(x)
    }

    fn expiry(&self, c: &Ctx<'_>, name: &'static str) -> Result<Expiry> {
        if let Some((unit, absolute, value)) = self.expire {
            let ms = expire_ms(c, value, unit, absolute, name)?;
            #[allow(clippy::cast_sign_loss)] // positive
            let ms = ms as u64;
            return Ok(if absolute {
                Expiry::At(UNIX_EPOCH + Duration::from_millis(ms))
            } else {
                Expiry::In(Duration::from_millis(ms))
            });
        }
        Ok(if self.keep_ttl {
            Expiry::Keep
        } else if self.persist || set_default(name) {
            Expiry::Persist
        } else {
            Expiry::Keep
        })
    }
}

/// `SET` without an expiry option removes the TTL; `GETEX` without one keeps it.
fn set_default(name: &str) -> bool {
    name == "set"
}

pub(super) fn set(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let x = Extended::parse(a, 3, true)?;
    let condition = if x.nx {
        SetCondition::IfAbsent
    } else if x.xx {
        SetCondition::IfPresent
    } else {
        SetCondition::Always
    };
    let options = SetOptions::new()
        .condition(condition)
        .expiry(x.expiry(c, "set")?);
    if x.get {
        return Ok(c.strings().set_get(a[1], a[2], options)?.into());
    }
    Ok(if c.strings().set_with(a[1], a[2], options)? {
        Reply::ok()
    } else {
        Reply::Nil
    })
}

pub(super) fn setnx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().setnx(a[1], a[2])?.into())
}

fn setex_generic(c: &Ctx<'_>, a: &[&[u8]], unit: i64, name: &'static str) -> Result<Reply> {
    let ms = expire_ms(c, a[2], unit, false, name)?;
    #[allow(clippy::cast_sign_loss)] // positive
    let ttl = Duration::from_millis(ms as u64);
    c.strings()
        .psetex(a[1], ttl, a[3])
        .map_err(|_| Error::InvalidExpireTime(name))?;
    Ok(Reply::ok())
}

pub(super) fn setex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    setex_generic(c, a, 1000, "setex")
}

pub(super) fn psetex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    setex_generic(c, a, 1, "psetex")
}

pub(super) fn getset(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().getset(a[1], a[2])?.into())
}

fn pairs<'a>(
    a: &'a [&'a [u8]],
    name: &'static str,
) -> Result<impl Iterator<Item = (&'a [u8], &'a [u8])>> {
    if a.len().is_multiple_of(2) {
        return Err(Error::WrongArity(name));
    }
    Ok(a[1..].chunks_exact(2).map(|p| (p[0], p[1])))
}

pub(super) fn mset(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    c.strings().mset(pairs(a, "mset")?)?;
    Ok(Reply::ok())
}

pub(super) fn msetnx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().msetnx(pairs(a, "msetnx")?)?.into())
}

pub(super) fn mget(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let values = c.strings().mget(&a[1..])?;
    Ok(Reply::Array(values.into_iter().map(Reply::from).collect()))
}

pub(super) fn getex(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let x = Extended::parse(a, 2, false)?;
    // Redis looks the key up before it reads the expiry's value.
    if !string_exists(c, a[1])? {
        return Ok(Reply::Nil);
    }
    let expiry = x.expiry(c, "getex")?;
    Ok(c.strings().getex(a[1], expiry)?.into())
}

pub(super) fn getdel(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().getdel(a[1])?.into())
}

pub(super) fn getrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (start, end) = (int(a[2])?, int(a[3])?);
    Ok(c.strings().getrange(a[1], start, end)?.into())
}

pub(super) fn setrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let offset = usize::try_from(int(a[2])?).map_err(|_| Error::OffsetOutOfRange)?;
    Ok(c.strings().setrange(a[1], offset, a[3])?.into())
}

pub(super) fn strlen(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().strlen(a[1])?.into())
}

pub(super) fn append(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().append(a[1], a[2])?.into())
}

pub(super) fn incr(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().incr(a[1])?.into())
}

pub(super) fn decr(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().decr(a[1])?.into())
}

pub(super) fn incrby(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().incrby(a[1], int(a[2])?)?.into())
}

pub(super) fn decrby(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.strings().decrby(a[1], int(a[2])?)?.into())
}

pub(super) fn incrbyfloat(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // Redis type-checks the key before it reads the increment (as a `long double`).
    let Some(delta) = crate::number::parse_long_double(a[2]) else {
        string_exists(c, a[1])?;
        return Err(Error::NotFloat);
    };
    // The reply is the stored text, which keeps Redis's long-double digits.
    Ok(Reply::from(
        c.strings().incrbyfloat_text(a[1], delta)?.as_str(),
    ))
}

pub(super) fn lcs(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The keys' types are checked before the options are read.
    for key in [a[1], a[2]] {
        if c.holds(key, crate::KeyType::String).is_err() {
            return Err(Error::LcsNotString);
        }
    }
    let (mut len, mut idx, mut min_len, mut with_len) = (false, false, 0usize, false);
    let mut i = 3;
    while i < a.len() {
        let o = a[i];
        if is(o, "LEN") {
            len = true;
        } else if is(o, "IDX") {
            idx = true;
        } else if is(o, "WITHMATCHLEN") {
            with_len = true;
        } else if is(o, "MINMATCHLEN") && i + 1 < a.len() {
            min_len = usize::try_from(int(a[i + 1])?).unwrap_or(0);
            i += 1;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if len && idx {
        return Ok(Reply::Error(
            "ERR If you want both the length and indexes, please just use IDX.".into(),
        ));
    }
    if len {
        return Ok(c.strings().lcs_len(a[1], a[2])?.into());
    }
    if !idx {
        return Ok(c.strings().lcs(a[1], a[2])?.into());
    }
    let found = c.strings().lcs_idx(a[1], a[2], min_len)?;
    let range = |(s, e): (usize, usize)| Reply::Array(vec![s.into(), e.into()]);
    let matches = found
        .matches
        .into_iter()
        .map(|m| {
            let mut item = vec![range(m.a), range(m.b)];
            if with_len {
                item.push(m.len.into());
            }
            Reply::Array(item)
        })
        .collect();
    Ok(Reply::Map(vec![
        (Reply::from("matches"), Reply::Array(matches)),
        (Reply::from("len"), found.len.into()),
    ]))
}

// ---- bits ----

/// A bit offset as `getBitOffsetFromArgument` reads it: an integer from 0 to the last
/// bit of the largest string the store allows, checked before anything else.
fn bit_offset(c: &Ctx<'_>, arg: &[u8]) -> Result<u64> {
    offset_within(c, crate::number::parse_i64(arg))
}

/// `offset` if it is a bit of a string the store allows.
fn offset_within(c: &Ctx<'_>, offset: Option<i64>) -> Result<u64> {
    let max_bytes = u64::try_from(c.access.max_string_size()).unwrap_or(u64::MAX);
    offset
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| n >> 3 < max_bytes)
        .ok_or_else(|| Error::BitOffsetOutOfRange)
}

pub(super) fn setbit(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let offset = bit_offset(c, a[2])?;
    let value = match a[3] {
        b"0" => false,
        b"1" => true,
        _ => return Err(Error::BitNotBinary),
    };
    Ok(c.bits().setbit(a[1], offset, value)?.into())
}

pub(super) fn getbit(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let offset = bit_offset(c, a[2])?;
    Ok(c.bits().getbit(a[1], offset)?.into())
}

fn unit(arg: Option<&&[u8]>) -> Result<BitUnit> {
    match arg {
        None => Ok(BitUnit::Byte),
        Some(u) if is(u, "BYTE") => Ok(BitUnit::Byte),
        Some(u) if is(u, "BIT") => Ok(BitUnit::Bit),
        Some(_) => Err(Error::Syntax),
    }
}

/// Whether `key` holds a string (`WRONGTYPE` if it holds something else). `BITCOUNT` and
/// `BITPOS` look the key up before they read their range.
fn string_exists(c: &Ctx<'_>, key: &[u8]) -> Result<bool> {
    c.holds(key, crate::KeyType::String)
}

pub(super) fn bitcount(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if a.len() > 2 && !string_exists(c, a[1])? {
        return Ok(Reply::Integer(0));
    }
    let n = match a.len() {
        2 => c.bits().bitcount(a[1])?,
        4 | 5 => {
            let (start, end) = (int(a[2])?, int(a[3])?);
            if start < 0 && end < 0 && start > end {
                return Ok(Reply::Integer(0));
            }
            let unit = unit(a.get(4))?;
            c.bits().bitcount_range(a[1], start, end, unit)?
        }
        _ => return Err(Error::Syntax),
    };
    Ok(Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX)))
}

pub(super) fn bitpos(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let bit = match int(a[2])? {
        0 => false,
        1 => true,
        _ => return Err(Error::BitArgumentNotBinary),
    };
    if a.len() > 3 && !string_exists(c, a[1])? {
        return Ok(Reply::Integer(if bit { -1 } else { 0 }));
    }
    let found = match a.len() {
        3 => c.bits().bitpos(a[1], bit)?,
        4..=6 => {
            let start = int(a[3])?;
            let end = a.get(4).map(|e| int(e)).transpose()?;
            let unit = unit(a.get(5))?;
            c.bits().bitpos_range(a[1], bit, start, end, unit)?
        }
        _ => return Err(Error::Syntax),
    };
    Ok(found.map_or(Reply::Integer(-1), |p| {
        Reply::Integer(i64::try_from(p).unwrap_or(i64::MAX))
    }))
}

pub(super) fn bitop(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let op = match a[1] {
        o if is(o, "AND") => BitOp::And,
        o if is(o, "OR") => BitOp::Or,
        o if is(o, "XOR") => BitOp::Xor,
        o if is(o, "NOT") => BitOp::Not,
        _ => return Err(Error::Syntax),
    };
    Ok(c.bits().bitop(op, a[2], &a[3..])?.into())
}

fn field_type(arg: &[u8]) -> Result<(BitFieldType, u8)> {
    let (signed, bits) = match arg {
        // Lower case only, as `getBitfieldTypeFromArgument` reads it.
        [b'i', rest @ ..] => (true, rest),
        [b'u', rest @ ..] => (false, rest),
        _ => return Err(Error::InvalidBitfieldType),
    };
    let bits = crate::number::parse_i64(bits)
        .and_then(|b| u8::try_from(b).ok())
        .filter(|&b| (1..=if signed { 64 } else { 63 }).contains(&b))
        .ok_or_else(|| Error::InvalidBitfieldType)?;
    let t = if signed {
        BitFieldType::signed(bits)
    } else {
        BitFieldType::unsigned(bits)
    };
    Ok((t, bits))
}

/// A BITFIELD operation's type, then its offset (`#n` counts fields of the type), as
/// `getBitOffsetFromArgument` reads it: within the largest string allowed.
fn field(c: &Ctx<'_>, t: &[u8], offset: &[u8]) -> Result<(BitFieldType, BitOffset)> {
    let (t, bits) = field_type(t)?;
    let offset = match offset {
        [b'#', rest @ ..] => {
            crate::number::parse_i64(rest).and_then(|n| n.checked_mul(bits.into()))
        }
        _ => crate::number::parse_i64(offset),
    };
    Ok((t, BitOffset::Bit(offset_within(c, offset)?)))
}

fn bitfield_ops(c: &Ctx<'_>, a: &[&[u8]], read_only: bool) -> Result<Vec<BitFieldOp>> {
    let mut ops = Vec::new();
    let mut i = 2;
    while i < a.len() {
        let op = a[i];
        let left = a.len() - i - 1;
        if is(op, "GET") && left >= 2 {
            let (ty, off) = field(c, a[i + 1], a[i + 2])?;
            ops.push(BitFieldOp::Get(ty, off));
            i += 3;
        } else if is(op, "SET") && left >= 3 {
            let (ty, off) = field(c, a[i + 1], a[i + 2])?;
            ops.push(BitFieldOp::Set(ty, off, int(a[i + 3])?));
            i += 4;
        } else if is(op, "INCRBY") && left >= 3 {
            let (ty, off) = field(c, a[i + 1], a[i + 2])?;
            ops.push(BitFieldOp::IncrBy(ty, off, int(a[i + 3])?));
            i += 4;
        } else if is(op, "OVERFLOW") && left >= 1 {
            let mode = match a[i + 1] {
                mode if is(mode, "WRAP") => Overflow::Wrap,
                mode if is(mode, "SAT") => Overflow::Sat,
                mode if is(mode, "FAIL") => Overflow::Fail,
                _ => return Err(Error::InvalidOverflowType),
            };
            ops.push(BitFieldOp::Overflow(mode));
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    // As Redis, every operation is read before the read-only form refuses a write.
    let writes = ops
        .iter()
        .any(|op| matches!(op, BitFieldOp::Set(..) | BitFieldOp::IncrBy(..)));
    if read_only && writes {
        return Err(Error::BitfieldReadOnly);
    }
    Ok(ops)
}

fn bitfield_reply(values: Vec<Option<i64>>) -> Reply {
    Reply::Array(
        values
            .into_iter()
            .map(|v| v.map_or(Reply::Nil, Reply::Integer))
            .collect(),
    )
}

pub(super) fn bitfield(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let ops = bitfield_ops(c, a, false)?;
    Ok(bitfield_reply(c.bits().bitfield(a[1], &ops)?))
}

pub(super) fn bitfield_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let ops = bitfield_ops(c, a, true)?;
    Ok(bitfield_reply(c.bits().bitfield_ro(a[1], &ops)?))
}
