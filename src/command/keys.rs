//! Generic key commands (`db.c`, `expire.c`, `object.c`): argument parsing and reply
//! shaping over [`Keys`](crate::Keys).

use std::time::{Duration, UNIX_EPOCH};

use super::parse::{db_index, int, is};
use super::{Ctx, Reply, c_str, reply_error};
use crate::value::ValueRef;
use crate::{
    CopyOptions, Error, ExpireCondition, ExpireTime, KeyType, RestoreOptions, Result, ScanOptions,
    SortOptions, Ttl,
};

pub(super) fn del(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().del(&a[1..])?.into())
}

pub(super) fn unlink(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().unlink(&a[1..])?.into())
}

pub(super) fn exists(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().exists(&a[1..])?.into())
}

pub(super) fn touch(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().touch(&a[1..])?.into())
}

pub(super) fn type_(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let t = c.keys().key_type(a[1])?;
    Ok(Reply::Simple(t.map_or("none", KeyType::as_str).into()))
}

pub(super) fn keys(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().keys(a[1])?.into())
}

/// A scan cursor as `parseScanCursorOrReply` reads it (`strtoul`): an optional sign and
/// decimal digits (a `-` wraps around), up to the end or a NUL byte; nothing converted
/// reads as 0. Leading space, other trailing bytes and values past `u64` are an invalid
/// cursor.
pub(super) fn cursor(arg: &[u8]) -> Result<u64> {
    if arg.first().is_some_and(|&b| crate::number::is_c_space(b)) {
        return Err(Error::InvalidCursor);
    }
    let (negative, signed) = match arg {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, arg),
    };
    let digits = signed.iter().take_while(|b| b.is_ascii_digit()).count();
    // With no digits, strtoul converts nothing and points at the start.
    let rest = if digits == 0 { arg } else { &signed[digits..] };
    if rest.first().is_some_and(|&b| b != 0) {
        return Err(Error::InvalidCursor);
    }
    let mut n: u64 = 0;
    for &d in &signed[..digits] {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or_else(|| Error::InvalidCursor)?;
    }
    Ok(if negative { n.wrapping_neg() } else { n })
}

fn key_type(name: &[u8]) -> Option<KeyType> {
    [
        KeyType::String,
        KeyType::List,
        KeyType::Set,
        KeyType::ZSet,
        KeyType::Hash,
    ]
    .into_iter()
    .find(|t| is(name, t.as_str()))
}

/// The options of the `SCAN` family from `a[from]`: `MATCH`, `COUNT`, and `TYPE` where
/// `with_type`. An unknown type matches nothing, as in Redis: the second value says so.
pub(super) fn scan_options(
    a: &[&[u8]],
    from: usize,
    with_type: bool,
) -> Result<(ScanOptions, bool)> {
    let mut options = ScanOptions::new();
    let mut matches_nothing = false;
    let mut i = from;
    while i < a.len() {
        let (o, value) = (a[i], a.get(i + 1).ok_or_else(|| Error::Syntax)?);
        if is(o, "COUNT") {
            let n = int(value)?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            options = options.count(usize::try_from(n).unwrap_or(usize::MAX));
        } else if is(o, "MATCH") {
            options = options.pattern(value);
        } else if is(o, "TYPE") && with_type {
            match key_type(value) {
                Some(t) => options = options.key_type(t),
                None => matches_nothing = true,
            }
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    Ok((options, matches_nothing))
}

pub(super) fn scan_reply(next: u64, items: Vec<Reply>) -> Reply {
    Reply::Array(vec![
        Reply::from(next.to_string().as_str()),
        Reply::Array(items),
    ])
}

/// The options of `HSCAN`, `SSCAN` and `ZSCAN`, which Redis reads after the cursor
/// and the key: a missing key answers an empty scan (`None`) and a key of another type
/// `WRONGTYPE` before a bad option is reported.
pub(super) fn member_scan_options(
    c: &Ctx<'_>,
    a: &[&[u8]],
    ty: KeyType,
) -> Result<Option<ScanOptions>> {
    match scan_options(a, 3, false) {
        Ok((options, _)) => Ok(Some(options)),
        Err(_) if !c.holds(a[1], ty)? => Ok(None),
        Err(e) => Err(e),
    }
}

pub(super) fn scan(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let at = cursor(a[1])?;
    let (options, nothing) = scan_options(a, 2, true)?;
    let (next, keys) = c.keys().scan(at, &options)?;
    let keys = if nothing { Vec::new() } else { keys };
    Ok(scan_reply(
        next,
        keys.into_iter().map(Reply::from).collect(),
    ))
}

pub(super) fn randomkey(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().randomkey()?.into())
}

pub(super) fn rename(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    c.keys().rename(a[1], a[2])?;
    Ok(Reply::ok())
}

pub(super) fn renamenx(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().renamenx(a[1], a[2])?.into())
}

pub(super) fn copy(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let mut options = CopyOptions::new();
    let mut i = 3;
    while i < a.len() {
        if is(a[i], "REPLACE") {
            options = options.replace();
        } else if is(a[i], "DB") && i + 1 < a.len() {
            // The database is checked where it is read, before later options.
            let db = db_index(a[i + 1])?;
            c.access.check_db(db)?;
            options = options.db(db);
            i += 1;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    Ok(c.keys().copy(a[1], a[2], options)?.into())
}

pub(super) fn dump(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().dump(a[1])?.into())
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ
/// frequency]`, its arguments checked in Redis's order: the options, then whether the
/// key is taken, then the TTL, then the payload.
pub(super) fn restore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<u64>, Option<u8>) = (None, None);
    let mut i = 4;
    while i < a.len() {
        let more = i + 1 < a.len();
        if is(a[i], "REPLACE") {
            replace = true;
        } else if is(a[i], "ABSTTL") {
            absttl = true;
        } else if is(a[i], "IDLETIME") && more && freq.is_none() {
            let Ok(v) = u64::try_from(int(a[i + 1])?) else {
                return Ok(Reply::Error(
                    "ERR Invalid IDLETIME value, must be >= 0".into(),
                ));
            };
            idle = Some(v);
            i += 1;
        } else if is(a[i], "FREQ") && more && idle.is_none() {
            let Ok(v) = u8::try_from(int(a[i + 1])?) else {
                return Ok(Reply::Error(
                    "ERR Invalid FREQ value, must be >= 0 and <= 255".into(),
                ));
            };
            freq = Some(v);
            i += 1;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    let ttl = match int(a[2]).map(u64::try_from) {
        Ok(Ok(ttl)) => ttl,
        bad => {
            // A taken key is reported before a bad TTL.
            if !replace && c.keys().key_type(a[1])?.is_some() {
                return Err(Error::BusyKey);
            }
            return match bad {
                Err(e) => Err(e),
                _ => Ok(Reply::Error("ERR Invalid TTL value, must be >= 0".into())),
            };
        }
    };
    let mut options = RestoreOptions::new();
    if replace {
        options = options.replace();
    }
    if ttl > 0 {
        options = if absttl {
            options.expire_at(UNIX_EPOCH + Duration::from_millis(ttl))
        } else {
            options.ttl(Duration::from_millis(ttl))
        };
    }
    if let Some(idle) = idle {
        options = options.idle_time(idle);
    }
    if let Some(freq) = freq {
        options = options.freq(freq);
    }
    c.keys().restore(a[1], a[3], options)?;
    Ok(Reply::ok())
}

pub(super) fn move_(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if c.access.keyspace().cluster() {
        return Err(Error::ClusterMode("MOVE is not allowed in cluster mode"));
    }
    let db = db_index(a[2])?;
    Ok(c.keys().move_key(a[1], db)?.into())
}

pub(super) fn swapdb(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if c.access.keyspace().cluster() {
        return Err(Error::ClusterMode("SWAPDB is not allowed in cluster mode"));
    }
    let index = |arg: &[u8], which: &str| {
        let i = crate::number::parse_i64(arg)
            .and_then(|i| i32::try_from(i).ok())
            .ok_or_else(|| Reply::Error(format!("ERR invalid {which} DB index").into()))?;
        Ok::<_, Reply>(usize::try_from(i).unwrap_or(usize::MAX))
    };
    let (x, y) = match (index(a[1], "first"), index(a[2], "second")) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return Ok(e),
    };
    c.keys().swapdb(x, y)?;
    Ok(Reply::ok())
}

pub(super) fn dbsize(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().dbsize()?.into())
}

fn flush_mode(a: &[&[u8]]) -> Result<()> {
    match a.get(1) {
        None => Ok(()),
        Some(m) if a.len() == 2 && (is(m, "ASYNC") || is(m, "SYNC")) => Ok(()),
        Some(_) => Err(Error::Syntax),
    }
}

pub(super) fn flushdb(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    flush_mode(a)?;
    c.keys().flushdb()?;
    Ok(Reply::ok())
}

pub(super) fn flushall(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    flush_mode(a)?;
    c.keys().flushall()?;
    // As Redis's `flushAllDataAndResetRDB`: with `save` rules, the snapshot on disk is
    // made empty at once (after a background save under way, whose older file it
    // replaces), so a restart does not bring the keys back. Not from inside a
    // transaction, whose shards this thread holds.
    if !c.access.in_transaction() && !c.store.core.snapshots.rules().is_empty() {
        let waited = std::time::Instant::now();
        while c.store.keyspace().bgsave_in_progress()
            && waited.elapsed() < std::time::Duration::from_secs(60)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // A failure is the next save's to report (Redis logs it).
        let _ = c.store.save();
    }
    Ok(Reply::ok())
}

fn expire_generic(
    c: &Ctx<'_>,
    a: &[&[u8]],
    unit_ms: i64,
    absolute: bool,
    name: &'static str,
) -> Result<Reply> {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for o in &a[3..] {
        match o {
            o if is(o, "NX") => nx = true,
            o if is(o, "XX") => xx = true,
            o if is(o, "GT") => gt = true,
            o if is(o, "LT") => lt = true,
            // `addReplyErrorFormat` with `%s`: the option's bytes up to a NUL, with
            // newlines at the end trimmed.
            o => {
                let o = c_str(o);
                let end = o.len()
                    - o.iter()
                        .rev()
                        .take_while(|b| matches!(b, b'\r' | b'\n'))
                        .count();
                return Ok(reply_error(&[b"ERR Unsupported option ", &o[..end]]));
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Ok(Reply::Error(
            "ERR NX and XX, GT or LT options at the same time are not compatible".into(),
        ));
    }
    if gt && lt {
        return Ok(Reply::Error(
            "ERR GT and LT options at the same time are not compatible".into(),
        ));
    }
    let condition = match (nx, xx, gt, lt) {
        (true, ..) => ExpireCondition::Nx,
        (_, _, true, _) => ExpireCondition::Gt,
        (_, true, _, true) => ExpireCondition::XxLt,
        (_, false, _, true) => ExpireCondition::Lt,
        (_, true, ..) => ExpireCondition::Xx,
        _ => ExpireCondition::Always,
    };
    let invalid = || Error::InvalidExpireTime(name);
    let when = int(a[2])?.checked_mul(unit_ms).ok_or_else(invalid)?;
    let base = if absolute { 0 } else { c.now_ms() };
    let when = when.checked_add(base).ok_or_else(invalid)?;
    if !absolute && when > base {
        // A relative TTL goes through the relative form, measured from the store's clock.
        let ttl = Duration::from_millis(u64::try_from(when - base).unwrap_or(u64::MAX));
        return Ok(c.keys().expire_with(a[1], ttl, condition)?.into());
    }
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(when).unwrap_or(0));
    Ok(c.keys().expireat_with(a[1], at, condition)?.into())
}

pub(super) fn expire(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    expire_generic(c, a, 1000, false, "expire")
}

pub(super) fn pexpire(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    expire_generic(c, a, 1, false, "pexpire")
}

pub(super) fn expireat(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    expire_generic(c, a, 1000, true, "expireat")
}

pub(super) fn pexpireat(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    expire_generic(c, a, 1, true, "pexpireat")
}

fn ttl_reply(t: Ttl, unit_ms: u128) -> Reply {
    match t {
        Ttl::Missing => Reply::Integer(-2),
        Ttl::Persistent => Reply::Integer(-1),
        Ttl::Expires(d) => {
            let ms = d.as_millis();
            let n = if unit_ms == 1 { ms } else { (ms + 500) / 1000 };
            Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
        }
    }
}

pub(super) fn ttl(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(ttl_reply(c.keys().pttl(a[1])?, 1000))
}

pub(super) fn pttl(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(ttl_reply(c.keys().pttl(a[1])?, 1))
}

fn expiretime_reply(t: ExpireTime, unit_ms: u128) -> Reply {
    match t {
        ExpireTime::Missing => Reply::Integer(-2),
        ExpireTime::Persistent => Reply::Integer(-1),
        ExpireTime::At(at) => {
            let ms = at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            Reply::Integer(i64::try_from(ms / unit_ms).unwrap_or(i64::MAX))
        }
    }
}

pub(super) fn expiretime(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(expiretime_reply(c.keys().pexpiretime(a[1])?, 1000))
}

pub(super) fn pexpiretime(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(expiretime_reply(c.keys().pexpiretime(a[1])?, 1))
}

pub(super) fn persist(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.keys().persist(a[1])?.into())
}

/// The encoding Redis would report for a value (`OBJECT ENCODING`).
fn encoding(v: ValueRef<'_>) -> &'static str {
    use crate::value::HashValue;
    use crate::value::SetValue;
    use crate::value::SortedSet;
    match v {
        ValueRef::Str(s) => {
            let bytes = s.bytes();
            if bytes.len() <= 20 && crate::number::parse_i64(bytes).is_some() {
                "int"
            } else if bytes.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        ValueRef::Hash(HashValue::Pack(_)) | ValueRef::ZSet(SortedSet::Small(_)) => "listpack",
        // Redis 7.0 keeps a set of other members than integers in a hash table, however
        // small (listpack sets came with 7.2); the store's small packed sets report so.
        ValueRef::Hash(HashValue::Dict(_))
        | ValueRef::Set(SetValue::Pack(_) | SetValue::Dict(_)) => "hashtable",
        ValueRef::Set(SetValue::Ints(_)) => "intset",
        ValueRef::List(_) => "quicklist",
        ValueRef::ZSet(SortedSet::Big(_)) => "skiplist",
        ValueRef::Stream(_) => "stream",
    }
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

pub(super) fn help(lines: &[&str]) -> Reply {
    Reply::Array(lines.iter().map(|l| Reply::Simple((*l).into())).collect())
}

pub(super) fn object(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "HELP") && a.len() == 2 {
        return Ok(help(OBJECT_HELP));
    }
    let known = ["ENCODING", "FREQ", "IDLETIME", "REFCOUNT"]
        .iter()
        .any(|n| is(sub, n));
    if !known || a.len() != 3 {
        return Ok(super::subcommand_syntax_error(sub, "OBJECT"));
    }
    let ks = c.access;
    let found = ks.peek(c.db, a[2], |e| {
        Ok(e.map(|(v, _)| {
            // Redis shares the integers 0..10000 among all keys (a refcount of INT_MAX).
            let shared = matches!(v, ValueRef::Str(s)
                if crate::number::parse_i64(s.bytes()).is_some_and(|n| (0..10_000).contains(&n)));
            (encoding(v), shared)
        }))
    })?;
    let Some((enc, shared)) = found else {
        return Ok(Reply::Nil);
    };
    Ok(if is(sub, "ENCODING") {
        Reply::from(enc)
    } else if is(sub, "FREQ") {
        ks.object_freq(c.db, a[2])?
            .map_or(Reply::Nil, |f| Reply::Integer(f.into()))
    } else if is(sub, "REFCOUNT") {
        Reply::Integer(if shared { i64::from(i32::MAX) } else { 1 })
    } else {
        ks.object_idle_seconds(c.db, a[2])?.map_or(Reply::Nil, |s| {
            Reply::Integer(i64::try_from(s).unwrap_or(i64::MAX))
        })
    })
}

/// `SORT` / `SORT_RO` arguments, read left to right as Redis reads them (the first bad
/// one is the error): the options and the `STORE` destination.
/// In cluster mode, `BY` a pattern with `*` and `GET` are refused where they are read.
fn sort_args<'a>(
    a: &[&'a [u8]],
    readonly: bool,
    cluster: bool,
) -> Result<(SortOptions, Option<&'a [u8]>)> {
    let mut options = SortOptions::new();
    let mut store = None;
    let mut j = 2;
    while j < a.len() {
        let left = a.len() - j - 1;
        match a[j] {
            o if is(o, "asc") => options = options.asc(),
            o if is(o, "desc") => options = options.desc(),
            o if is(o, "alpha") => options = options.alpha(),
            o if is(o, "limit") && left >= 2 => {
                options = options.limit(int(a[j + 1])?, int(a[j + 2])?);
                j += 2;
            }
            o if is(o, "store") && !readonly && left >= 1 => {
                store = Some(a[j + 1]);
                j += 1;
            }
            o if is(o, "by") && left >= 1 => {
                if cluster && super::c_str(a[j + 1]).contains(&b'*') {
                    return Err(Error::ClusterMode(
                        "BY option of SORT denied in Cluster mode.",
                    ));
                }
                options = options.by(a[j + 1]);
                j += 1;
            }
            o if is(o, "get") && left >= 1 => {
                if cluster {
                    return Err(Error::ClusterMode(
                        "GET option of SORT denied in Cluster mode.",
                    ));
                }
                options = options.get(a[j + 1]);
                j += 1;
            }
            _ => return Err(Error::Syntax),
        }
        j += 1;
    }
    Ok((options, store))
}

fn sort_generic(c: &Ctx<'_>, a: &[&[u8]], readonly: bool) -> Result<Reply> {
    let (options, store) = sort_args(a, readonly, c.access.keyspace().cluster())?;
    Ok(match store {
        Some(dest) => c.keys().sort_store(a[1], dest, &options)?.into(),
        None => Reply::Array(
            c.keys()
                .sort(a[1], &options)?
                .into_iter()
                .map(|v| v.map_or(Reply::Nil, Reply::from))
                .collect(),
        ),
    })
}

pub(super) fn sort(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    sort_generic(c, a, false)
}

pub(super) fn sort_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    sort_generic(c, a, true)
}
