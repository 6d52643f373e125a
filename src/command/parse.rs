//! Arguments as Redis reads them: numbers (`string2ll`, `strtod`), timeouts, options.

use std::time::Duration;

use crate::number::parse_i64;
use crate::{Error, Picks, Result};

/// An integer argument (`getLongLongFromObjectOrReply`).
pub(crate) fn int(arg: &[u8]) -> Result<i64> {
    parse_i64(arg).ok_or_else(|| Error::NotInteger)
}

/// A non-negative count: `ERR value is out of range, must be positive` otherwise, for
/// a non-integer too (`getPositiveLongFromObjectOrReply`, which admits 0).
pub(crate) fn count(arg: &[u8]) -> Result<usize> {
    parse_i64(arg)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| Error::NotPositive)
}

/// The count of `SRANDMEMBER`, `HRANDFIELD` and `ZRANDMEMBER`: `n >= 0` asks for `n`
/// distinct elements, `-n` for `n` that may repeat. `i64::MIN`, whose magnitude is no
/// `i64`, is out of range (`getRangeLongFromObjectOrReply` from `-LONG_MAX`).
pub(crate) fn picks(arg: &[u8]) -> Result<Picks> {
    let n = int(arg)?;
    if n == i64::MIN {
        return Err(Error::ValueOutOfRange {
            min: -i64::MAX,
            max: i64::MAX,
        });
    }
    let magnitude = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    Ok(if n >= 0 {
        Picks::Distinct(magnitude)
    } else {
        Picks::Repeated(magnitude)
    })
}

/// The count and flag of `SRANDMEMBER`-like commands with a `WITH…` form
/// (`HRANDFIELD … WITHVALUES`, `ZRANDMEMBER … WITHSCORES`), checked in Redis's order:
/// the count's range, then the syntax, then the tighter range of the `WITH…` form
/// (whose replies are twice as long).
pub(crate) fn rand_count(a: &[&[u8]], with: &str) -> Result<(Picks, bool)> {
    let picks = picks(a[2])?;
    let with = match a.len() {
        3 => false,
        4 if is(a[3], with) => true,
        _ => return Err(Error::Syntax),
    };
    let n = match picks {
        Picks::Distinct(n) | Picks::Repeated(n) => n,
    };
    if with && u64::try_from(n).unwrap_or(u64::MAX) > i64::MAX.unsigned_abs() / 2 {
        return Err(Error::OutOfRange);
    }
    Ok((picks, with))
}

/// A float argument as `getDoubleFromObject` reads it (see
/// [`parse_double`](crate::number::parse_double)).
pub(crate) fn float(arg: &[u8]) -> Result<f64> {
    parse_float(arg).ok_or_else(|| Error::NotFloat)
}

pub(crate) fn parse_float(arg: &[u8]) -> Option<f64> {
    crate::number::parse_double(arg)
}

/// A blocking command's timeout in seconds (`getTimeoutFromObjectOrReply`): a float,
/// rounded up to whole milliseconds, so any positive timeout waits at least 1 ms; 0
/// (or a negative fraction of a millisecond) waits forever. A value whose milliseconds
/// do not fit a signed 64-bit integer converts, as in Redis on x86, to the most
/// negative one: "timeout is negative".
pub(crate) fn timeout(arg: &[u8]) -> Result<Option<Duration>> {
    let secs = crate::number::parse_long_double(arg).ok_or_else(|| Error::TimeoutNotFloat)?;
    let ms = match secs {
        crate::number::Ld::Finite(v) => v.mul_ceil(1000),
        _ => None,
    };
    // Out of a long long's range, the conversion gives the most negative one.
    let ms = ms.and_then(|ms| i64::try_from(ms).ok()).unwrap_or(i64::MIN);
    if ms < 0 {
        return Err(Error::TimeoutNegative);
    }
    Ok((ms > 0).then(|| Duration::from_millis(ms.unsigned_abs())))
}

/// Whether `arg` is the option `name`, case-insensitively, as `strcasecmp` sees it:
/// up to its first NUL byte (`"NX\0junk"` is `NX`).
pub(crate) fn is(arg: &[u8], name: &str) -> bool {
    // Only as many bytes as the name are read (an argument may be a long value).
    let name = name.as_bytes();
    arg.get(..name.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(name))
        && matches!(arg.get(name.len()), None | Some(0))
}

/// How a command reports a bad `numkeys`.
#[derive(Clone, Copy)]
pub(crate) enum NumKeys {
    /// `SINTERCARD`: not a positive integer, or more than the arguments.
    Card,
    /// `LMPOP`, `ZMPOP` and their blocking forms: a syntax error when too many.
    Pop,
    /// `ZUNION`, `ZINTERSTORE`, `ZINTERCARD`, …: at least one input key.
    Algebra(&'static str),
}

/// `numkeys` at `args[at]` followed by that many keys: the keys and the index after them.
pub(crate) fn numkeys<'a>(
    args: &'a [&'a [u8]],
    at: usize,
    style: NumKeys,
) -> Result<(&'a [&'a [u8]], usize)> {
    let n = match style {
        NumKeys::Card | NumKeys::Pop => parse_i64(args[at])
            .filter(|&n| n >= 1)
            .ok_or_else(|| Error::NumKeysNotPositive)?,
        NumKeys::Algebra(name) => match int(args[at])? {
            n if n < 1 => return Err(Error::NoInputKeys(name)),
            n => n,
        },
    };
    let start = at + 1;
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > args.len() - start {
        return Err(match style {
            NumKeys::Card => Error::NumKeysTooMany,
            NumKeys::Pop | NumKeys::Algebra(_) => Error::Syntax,
        });
    }
    Ok((&args[start..start + n], start + n))
}

/// The optional `COUNT n` that ends `LMPOP`, `ZMPOP` and their blocking forms: 1 if
/// absent, `ERR count should be greater than 0` unless positive.
pub(crate) fn mpop_count(rest: &[&[u8]]) -> Result<usize> {
    match rest {
        [] => Ok(1),
        [o, n] if is(o, "COUNT") => parse_i64(n)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| Error::CountNotPositive),
        _ => Err(Error::Syntax),
    }
}

/// A database index as `getIntFromObjectOrReply` reads it (`SELECT`, `MOVE`,
/// `COPY … DB`): an integer, within C's `int` ("value is out of range, value must
/// between …"), then not negative ([`Error::DbIndexOutOfRange`]; the caller checks the
/// upper end against the store's databases).
pub(crate) fn db_index(arg: &[u8]) -> Result<usize> {
    let i = int(arg)?;
    let i = i32::try_from(i).map_err(|_| Error::ValueOutOfRange {
        min: i32::MIN.into(),
        max: i32::MAX.into(),
    })?;
    usize::try_from(i).map_err(|_| Error::DbIndexOutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_match_as_strcasecmp_does() {
        assert!(is(b"nx", "NX") && is(b"NX\0junk", "NX"));
        assert!(!is(b"NXX", "NX") && !is(b"N", "NX") && !is(b"", "NX"));
        assert!(!is(b"N\0X", "NX"));
    }

    #[test]
    fn floats_are_read_as_strtod_with_redis_checks() {
        assert_eq!(parse_float(b"1.5"), Some(1.5));
        assert_eq!(parse_float(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_float(b".5"), Some(0.5));
        assert_eq!(parse_float(b"0e5"), Some(0.0));
        assert_eq!(parse_float(b"0x10"), Some(16.0), "strtod reads hex");
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"abc",
            b"1x",
            b"1\x002",
            b"\x0b1",
        ] {
            assert_eq!(parse_float(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn timeouts_are_seconds_with_zero_forever() {
        assert_eq!(timeout(b"0").unwrap(), None);
        assert_eq!(timeout(b"0.1").unwrap(), Some(Duration::from_millis(100)));
        // Rounded up: a sub-millisecond timeout waits 1 ms, not forever.
        assert_eq!(timeout(b"0.0001").unwrap(), Some(Duration::from_millis(1)));
        assert_eq!(timeout(b"0.0011").unwrap(), Some(Duration::from_millis(2)));
        assert_eq!(timeout(b"-0.0001").unwrap(), None);
        assert_eq!(timeout(b"1e30"), Err(Error::TimeoutNegative));
        assert_eq!(timeout(b"inf"), Err(Error::TimeoutNegative));
        // In long double, as Redis computes it: these fit a long long of milliseconds.
        assert_eq!(
            timeout(b"9223372036854775.807").unwrap(),
            Some(Duration::from_millis(i64::MAX.unsigned_abs()))
        );
        assert!(timeout(b"9223372036854775").unwrap().is_some());
        assert_eq!(
            timeout(b"9223372036854775.808"),
            Err(Error::TimeoutNegative)
        );
        assert_eq!(
            timeout(b"1.0000000000000000001").unwrap(),
            Some(Duration::from_millis(1001))
        );
        assert_eq!(timeout(b"-1"), Err(Error::TimeoutNegative));
        assert_eq!(timeout(b"x"), Err(Error::TimeoutNotFloat));
    }
}
