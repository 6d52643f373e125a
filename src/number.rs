//! Numbers in strings, exactly as Redis reads and writes them.
//!
//! Integers follow `string2ll` (util.c): optional `-`, no `+`, no spaces, no leading
//! zeros, must fit an `i64`. `INCRBYFLOAT` reads with `strtold`, adds in 80-bit
//! `long double` and prints with `%.17Lf` minus trailing zeros; `long_double` reproduces
//! that exactly, which is why `13.5 + 1.1` reads back as `14.6` and `0.1 + 0.2` as `0.3`
//! while `3000 + 0.1` reads back, as in Redis, as `3000.10000000000000009`.

mod long_double;

use long_double::LongDouble;

use crate::{Error, Result};

/// Parses a stored string or argument as Redis's `string2ll` does.
pub(crate) fn parse_i64(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b {
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, b),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v == 1 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(v).ok().map(|v| -v)
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Formats `v` in decimal into a stack buffer (no allocation).
pub(crate) struct IntBuf {
    buf: [u8; 20],
    start: usize,
}

impl IntBuf {
    pub(crate) fn new(v: i64) -> Self {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut n = v.unsigned_abs();
        loop {
            i -= 1;
            #[allow(clippy::cast_possible_truncation)] // a single digit
            {
                buf[i] = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        IntBuf { buf, start: i }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// `INCRBYFLOAT`: the text of `current` (absent: `0`) plus `incr`, as Redis on `x86_64`
/// stores it. The increment is taken as the shortest decimal that reads back as `incr`
/// (what the caller wrote, in practice), and the sum is done in 80-bit `long double` as
/// Redis does, so the digits agree with Redis's.
pub(crate) fn incr_by_float(current: Option<&[u8]>, incr: f64) -> Result<String> {
    if incr.is_nan() {
        return Err(Error::NotFloat);
    }
    let current = current.unwrap_or(b"0");
    if current.is_empty() || current.len() > 5 * 1024 || current[0].is_ascii_whitespace() {
        return Err(Error::NotFloat);
    }
    // The stored value is read first: a non-number there is reported before an
    // infinite increment.
    if is_infinity(current) {
        return Err(Error::NanOrInfinity);
    }
    let value = LongDouble::parse(current).ok_or(Error::NotFloat)?;
    if incr.is_infinite() {
        return Err(Error::NanOrInfinity);
    }
    let incr = LongDouble::parse(format!("{incr}").as_bytes()).ok_or(Error::NotFloat)?;
    let sum = value.add(incr).ok_or(Error::NanOrInfinity)?;
    Ok(sum.to_redis_string())
}

/// Whether `s` spells an infinity, which `strtold` reads (and `INCRBYFLOAT` then refuses
/// as producing infinity).
fn is_infinity(s: &[u8]) -> bool {
    let t = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    t.eq_ignore_ascii_case(b"inf") || t.eq_ignore_ascii_case(b"infinity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_like_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"1.0",
            b"9223372036854775808",
            b"abc",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn integers_format_without_allocating() {
        for v in [0, 7, -7, 10, i64::MAX, i64::MIN] {
            assert_eq!(IntBuf::new(v).as_bytes(), v.to_string().as_bytes());
        }
    }

    #[test]
    fn floats_add_and_print_like_redis() {
        let f = |cur: Option<&str>, inc: f64| incr_by_float(cur.map(str::as_bytes), inc).unwrap();
        assert_eq!(f(Some("13.5"), 1.1), "14.6");
        assert_eq!(f(Some("0.1"), 0.2), "0.3");
        assert_eq!(f(Some("10.50"), 0.1), "10.6");
        assert_eq!(f(Some("5.0e3"), 2.0e2), "5200");
        assert_eq!(f(None, 1.5), "1.5");
        assert_eq!(f(Some("1"), -1.1), "-0.1");
        assert_eq!(f(Some("1.5"), -1.5), "0");
        assert_eq!(f(Some("3"), 1e20), "100000000000000000000");
        assert_eq!(
            f(Some("1.7e308"), 1.7e308).len(),
            309,
            "long double range, as Redis"
        );
    }

    #[test]
    fn bad_floats_are_rejected() {
        assert_eq!(incr_by_float(Some(b"abc"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b" 1"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"nan"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1e5000"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"0x10"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1"), f64::NAN), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"inf"), 1.0), Err(Error::NanOrInfinity));
        assert_eq!(
            incr_by_float(Some(b"1"), f64::INFINITY),
            Err(Error::NanOrInfinity)
        );
        assert_eq!(
            incr_by_float(Some(&[b'1'; 6000]), 1.0),
            Err(Error::NotFloat)
        );
    }
}
