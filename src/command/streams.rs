//! Stream commands (`t_stream.c`): argument parsing, in Redis's order, and reply shaping.

use std::time::Duration;

use super::parse::is;
use super::{Ctx, Reply};
use crate::streams::{ReadFrom, StreamTrim, XAdd, XAddId};
use crate::value::stream::{self, Trim};
use crate::{Blob, Error, Result, StreamEntry, StreamId};

/// How a stream ID argument is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum IdForm {
    /// `-` and `+` allowed (range bounds).
    Range,
    /// `-` and `+` refused.
    Strict,
    /// Strict, and `ms-*` allowed (`XADD`).
    Add,
}

/// A parsed ID: its value, and whether the sequence was given (`false` for `ms-*`).
pub(super) fn parse_id(arg: &[u8], missing_seq: u64, form: IdForm) -> Result<(StreamId, bool)> {
    let (ms, seq) = stream::id_parts(arg).ok_or_else(|| Error::InvalidStreamId)?;
    match (ms, seq) {
        // `-` or `+` alone.
        (b"", Some(b"")) | (b"+", None) => {
            return match form {
                IdForm::Range if seq.is_some() => Ok((StreamId::MIN, true)),
                IdForm::Range => Ok((StreamId::MAX, true)),
                _ => Err(Error::InvalidStreamId),
            };
        }
        (ms, Some(b"*")) if form == IdForm::Add => {
            let ms = stream::string2ull(ms).ok_or_else(|| Error::InvalidStreamId)?;
            return Ok((StreamId::new(ms, 0), false));
        }
        _ => {}
    }
    let id = stream::parse_id(arg, missing_seq).ok_or_else(|| Error::InvalidStreamId)?;
    Ok((id, true))
}

pub(super) fn strict_id(arg: &[u8]) -> Result<StreamId> {
    parse_id(arg, 0, IdForm::Strict).map(|(id, _)| id)
}

/// A range bound (`streamParseIntervalIDOrReply`): `(` makes it exclusive.
pub(super) fn interval(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool)> {
    if arg.len() > 1 && arg[0] == b'(' {
        Ok((parse_id(&arg[1..], missing_seq, IdForm::Strict)?.0, true))
    } else {
        Ok((parse_id(arg, missing_seq, IdForm::Range)?.0, false))
    }
}

pub(super) fn long(arg: &[u8]) -> Result<i64> {
    crate::number::parse_i64(arg).ok_or_else(|| Error::NotInteger)
}

/// `XADD`'s and `XTRIM`'s options (`streamParseAddOrTrimArgsOrReply`): the trimming,
/// and for `XADD` the ID's position, its ID and `NOMKSTREAM`.
fn add_or_trim_args(
    c: &Ctx<'_>,
    a: &[&[u8]],
    xadd: bool,
) -> Result<(Option<StreamTrim>, XAdd, usize)> {
    let mut trim: Option<(Trim, bool)> = None;
    let mut limit: Option<u64> = None;
    let mut options = XAdd::new();
    let mut i = 2;
    while i < a.len() {
        let more = a.len() - 1 - i;
        let opt = a[i];
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "MAXLEN") || is(opt, "MINID")) && more > 0 {
            if trim.is_some() {
                return Err(Error::StreamArgument(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            let mut approx = false;
            if more >= 2 && a[i + 1] == b"~" {
                approx = true;
                i += 1;
            } else if more >= 2 && a[i + 1] == b"=" {
                i += 1;
            }
            let arg = a.get(i + 1).copied().unwrap_or_default();
            let strategy = if is(opt, "MAXLEN") {
                let n = long(arg)?;
                let n = u64::try_from(n)
                    .map_err(|_| Error::StreamArgument("The MAXLEN argument must be >= 0."))?;
                Trim::MaxLen(n)
            } else {
                Trim::MinId(strict_id(arg)?)
            };
            i += 1;
            trim = Some((strategy, approx));
        } else if is(opt, "LIMIT") && more > 0 {
            let n = long(a[i + 1])?;
            let n = u64::try_from(n)
                .map_err(|_| Error::StreamArgument("The LIMIT argument must be >= 0."))?;
            limit = Some(n);
            i += 1;
        } else if xadd && is(opt, "NOMKSTREAM") {
            options = options.no_mkstream();
        } else if xadd {
            let (id, seq_given) = parse_id(opt, 0, IdForm::Add)?;
            options = options.with_id(if seq_given {
                XAddId::Explicit(id)
            } else {
                XAddId::AutoSeq(id.ms)
            });
            break;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if limit.is_some_and(|n| n != 0) && trim.is_none() {
        return Err(Error::StreamArgument(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && trim.is_none() {
        return Err(Error::StreamArgument(
            "syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    let loading = c.store.keyspace().loading();
    let trim = trim.map(|(strategy, approx)| {
        let mut t = match strategy {
            Trim::MaxLen(n) => StreamTrim::max_len(n),
            Trim::MinId(id) => StreamTrim::min_id(id),
        };
        if approx {
            t = t.approx();
        }
        (t, approx)
    });
    if !loading && limit.is_some() && !trim.is_some_and(|(_, approx)| approx) {
        return Err(Error::StreamArgument(
            "syntax error, LIMIT cannot be used without the special ~ option",
        ));
    }
    let trim = trim.map(|(t, _)| match limit {
        Some(n) => t.limit(n),
        None => t,
    });
    if let Some(t) = trim {
        options = options.trim(t);
    }
    Ok((trim, options, i))
}

pub(super) fn xadd(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (_, options, idpos) = add_or_trim_args(c, a, true)?;
    let fields = &a[(idpos + 1).min(a.len())..];
    if fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(Error::WrongArity("xadd"));
    }
    let pairs: Vec<(&[u8], &[u8])> = fields.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    Ok(match c.streams().add(a[1], &options, &pairs)? {
        Some(id) => Reply::Bulk(id.to_string().into()),
        None => Reply::Nil,
    })
}

pub(super) fn xtrim(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (trim, _, _) = add_or_trim_args(c, a, false)?;
    let trim = trim.ok_or_else(|| Error::Syntax)?;
    Ok(Reply::Integer(to_i64(c.streams().xtrim(a[1], &trim)?)))
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn xlen(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Integer(to_i64(c.streams().xlen(a[1])?)))
}

pub(super) fn entry_reply(e: StreamEntry) -> Reply {
    let mut fields = Vec::with_capacity(e.fields.len() * 2);
    for (f, v) in e.fields {
        fields.push(f.into());
        fields.push(v.into());
    }
    Reply::Array(vec![
        Reply::Bulk(e.id.to_string().into()),
        Reply::Array(fields),
    ])
}

fn range(c: &Ctx<'_>, a: &[&[u8]], rev: bool) -> Result<Reply> {
    let (start_arg, end_arg) = if rev { (a[3], a[2]) } else { (a[2], a[3]) };
    let (mut start, start_ex) = interval(start_arg, 0)?;
    if start_ex {
        start = start
            .next()
            .ok_or(Error::StreamArgument("invalid start ID for the interval"))?;
    }
    let (mut end, end_ex) = interval(end_arg, u64::MAX)?;
    if end_ex {
        end = end
            .prev()
            .ok_or(Error::StreamArgument("invalid end ID for the interval"))?;
    }
    let mut count: i64 = -1;
    let mut j = 4;
    while j < a.len() {
        if is(a[j], "COUNT") && j + 1 < a.len() {
            count = long(a[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let streams = c.streams();
    // The key is looked up after the arguments are read.
    if count == 0 {
        return Ok(if is_stream(c, a[1])? {
            Reply::NilArray
        } else {
            Reply::Array(Vec::new())
        });
    }
    let count = usize::try_from(count).ok();
    let entries = if rev {
        streams.xrevrange(a[1], end, start, count)?
    } else {
        streams.xrange(a[1], start, end, count)?
    };
    Ok(Reply::Array(entries.into_iter().map(entry_reply).collect()))
}

pub(super) fn xrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range(c, a, false)
}

pub(super) fn xrevrange(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    range(c, a, true)
}

/// Whether `key` holds a stream: `false` if it does not exist, [`Error::WrongType`] if
/// it holds another type.
fn is_stream(c: &Ctx<'_>, key: &[u8]) -> Result<bool> {
    match c.keys().key_type(key)? {
        None => Ok(false),
        Some(crate::KeyType::Stream) => Ok(true),
        Some(_) => Err(Error::WrongType),
    }
}

pub(super) fn xdel(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // The key is looked up first (for writing: no hit or miss counted); then every ID is
    // checked before anything goes.
    let ids = || {
        a[2..]
            .iter()
            .map(|id| strict_id(id))
            .collect::<Result<Vec<_>>>()
    };
    Ok(Reply::Integer(to_i64(c.streams().del(a[1], ids)?)))
}

pub(super) fn xsetid(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let id = strict_id(a[2])?;
    let (mut added, mut max_deleted) = (None, None);
    let mut i = 3;
    while i < a.len() {
        let more = a.len() - 1 - i;
        if is(a[i], "ENTRIESADDED") && more > 0 {
            let n = long(a[i + 1])?;
            added = Some(
                u64::try_from(n)
                    .map_err(|_| Error::StreamArgument("entries_added must be positive"))?,
            );
        } else if is(a[i], "MAXDELETEDID") && more > 0 {
            let m = strict_id(a[i + 1])?;
            if id < m {
                return Err(Error::SetIdBelowMaxDeleted);
            }
            max_deleted = Some(m);
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    c.streams().xsetid(a[1], id, added, max_deleted)?;
    Ok(Reply::ok())
}

/// `XREAD`'s reply: per stream, its key and entries (a map in RESP3); the null array
/// when nothing was read.
fn read_reply(resp3: bool, read: Option<Vec<(Blob, Vec<StreamEntry>)>>) -> Reply {
    let Some(read) = read.filter(|r| !r.is_empty()) else {
        return Reply::NilArray;
    };
    let pairs = read.into_iter().map(|(key, entries)| {
        (
            key.into(),
            Reply::Array(entries.into_iter().map(entry_reply).collect()),
        )
    });
    if resp3 {
        Reply::Map(pairs.collect())
    } else {
        Reply::Array(pairs.map(|(k, v)| Reply::Array(vec![k, v])).collect())
    }
}

#[allow(clippy::many_single_char_names)] // the handlers' `c` and `a`, and indices
/// `XREAD`'s and `XREADGROUP`'s options, read as Redis's one `xreadCommand` reads
/// them (`GROUP` and `NOACK` refused for `XREAD`).
pub(super) struct ReadArgs<'a> {
    /// `BLOCK` milliseconds.
    pub(super) timeout: Option<i64>,
    /// `COUNT`, 0 for none.
    pub(super) count: usize,
    pub(super) noack: bool,
    /// `GROUP`'s group and consumer.
    pub(super) group: Option<(&'a [u8], &'a [u8])>,
    /// Where the keys start, after `STREAMS`.
    pub(super) streams_at: usize,
}

#[allow(clippy::many_single_char_names)] // `a` and indices
pub(super) fn read_args<'a>(
    a: &[&'a [u8]],
    xreadgroup: bool,
    from_script: bool,
) -> Result<ReadArgs<'a>> {
    let mut args = ReadArgs {
        timeout: None,
        count: 0,
        noack: false,
        group: None,
        streams_at: 0,
    };
    let mut i = 1;
    while i < a.len() {
        let more = a.len() - 1 - i;
        let o = a[i];
        if is(o, "BLOCK") && more > 0 {
            if from_script {
                // The name as the script spelled it.
                let name = String::from_utf8_lossy(super::c_str(a[0])).into_owned();
                return Err(Error::Script(
                    format!("ERR {name} command is not allowed with BLOCK option from scripts")
                        .into(),
                ));
            }
            i += 1;
            let ms = crate::number::parse_i64(a[i]).ok_or_else(|| Error::TimeoutNotInteger)?;
            if ms < 0 {
                return Err(Error::TimeoutNegative);
            }
            args.timeout = Some(ms);
        } else if is(o, "COUNT") && more > 0 {
            i += 1;
            args.count = usize::try_from(long(a[i])?.max(0)).unwrap_or(usize::MAX);
        } else if is(o, "STREAMS") && more > 0 {
            if !(a.len() - (i + 1)).is_multiple_of(2) {
                return Err(Error::StreamArgument(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            args.streams_at = i + 1;
            return Ok(args);
        } else if is(o, "GROUP") && more >= 2 {
            if !xreadgroup {
                return Err(Error::StreamArgument(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            args.group = Some((a[i + 1], a[i + 2]));
            i += 2;
        } else if is(o, "NOACK") {
            if !xreadgroup {
                return Err(Error::StreamArgument(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            args.noack = true;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    // No STREAMS.
    Err(Error::Syntax)
}

pub(super) fn xread(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let ReadArgs {
        timeout,
        count,
        streams_at: at,
        ..
    } = read_args(a, false, c.script)?;
    let count = (count > 0).then_some(count);
    let n = (a.len() - at) / 2;
    let streams = c.streams();
    let mut from: Vec<(&[u8], ReadFrom)> = Vec::with_capacity(n);
    for k in 0..n {
        let (key, id) = (a[at + k], a[at + n + k]);
        // Each key is type-checked before its ID is read, as Redis does.
        streams.xlen(key)?;
        let start = if id == b"$" {
            ReadFrom::New
        } else if id == b">" {
            return Err(Error::StreamArgument(
                "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
            ));
        } else {
            ReadFrom::After(strict_id(id)?)
        };
        from.push((key, start));
    }
    let resp3 = c.resp3;
    match timeout {
        None => Ok(read_reply(resp3, Some(streams.xread(&from, count)?))),
        Some(ms) => {
            let wait = (ms > 0).then(|| Duration::from_millis(ms.unsigned_abs()));
            let read = streams.xread_block_async(&from, count, wait);
            c.block(read.map(move |read| read_reply(resp3, read)))
        }
    }
}
