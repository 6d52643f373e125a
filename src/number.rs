//! Numbers in strings, exactly as Redis reads and writes them.
//!
//! Integers follow `string2ll` (util.c): optional `-`, no `+`, no spaces, no leading
//! zeros, must fit an `i64`. `INCRBYFLOAT` reads with `string2ld` and prints with
//! `%.17Lf` minus trailing zeros, in 80-bit `long double`. We add exactly in decimal
//! whenever the operands are plain decimals and the result is small enough that the
//! `long double` rounding cannot show in 17 fractional digits (|x| < 32, or an integer
//! below 2^63) — which is why `13.5 + 1.1` and `0.1 + 0.2` print `14.6` and `0.3` — and
//! otherwise fall back to `f64` arithmetic.

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

/// Parses a float as Redis's `string2ld` does: no leading space, nothing trailing, not
/// NaN, and out-of-range magnitudes rejected (only a literal infinity is infinite).
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b.len() > 5 * 1024 || b[0].is_ascii_whitespace() {
        return None;
    }
    let s = std::str::from_utf8(b).ok()?;
    let v: f64 = s.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        let t = s.trim_start_matches(['+', '-']);
        if !t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("inf")) {
            return None;
        }
    }
    Some(v)
}

/// A plain decimal: ±`mant` × 10^`exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    neg: bool,
    mant: u128,
    exp: i32,
}

/// Parses `[-+]digits[.digits][(e|E)[-+]digits]` with at most 36 significant digits.
fn parse_decimal(s: &[u8]) -> Option<Decimal> {
    let (neg, s) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let (num, exp_part) = match s.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut exp: i32 = match exp_part {
        Some(e) => {
            let e = std::str::from_utf8(e).ok()?;
            if e.is_empty() || e.starts_with(['+', '-']) && e.len() == 1 {
                return None;
            }
            e.parse::<i32>().ok().filter(|e| e.abs() < 400)?
        }
        None => 0,
    };
    let (int, frac) = match num.iter().position(|&c| c == b'.') {
        Some(i) => (&num[..i], &num[i + 1..]),
        None => (num, &b""[..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut mant: u128 = 0;
    let mut digits = 0;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        if mant == 0 && c == b'0' {
            continue;
        }
        digits += 1;
        if digits > 36 {
            return None;
        }
        mant = mant * 10 + u128::from(c - b'0');
    }
    exp -= i32::try_from(frac.len()).ok()?;
    Some(Decimal { neg, mant, exp })
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn add_decimal(a: Decimal, b: Decimal) -> Option<Decimal> {
    let exp = a.exp.min(b.exp);
    let scale = |d: Decimal| -> Option<i128> {
        let m = d.mant.checked_mul(pow10(u32::try_from(d.exp - exp).ok()?)?)?;
        let m = i128::try_from(m).ok()?;
        Some(if d.neg { -m } else { m })
    };
    let sum = scale(a)?.checked_add(scale(b)?)?;
    Some(Decimal {
        neg: sum < 0,
        mant: sum.unsigned_abs(),
        exp,
    })
}

/// Formats `d` as `%.17Lf` would print the nearest `long double`, trailing zeros
/// removed, or `None` when that `long double`'s rounding could show.
fn format_decimal(d: Decimal) -> Option<String> {
    let Decimal { neg, mut mant, mut exp } = d;
    while exp < 0 && mant % 10 == 0 && mant != 0 {
        mant /= 10;
        exp += 1;
    }
    if mant == 0 {
        return Some("0".into());
    }
    let sign = if neg { "-" } else { "" };
    if exp >= 0 {
        // An integer: exact in a long double below 2^63.
        let v = mant.checked_mul(pow10(exp.unsigned_abs())?)?;
        return (v < 1 << 63).then(|| format!("{sign}{v}"));
    }
    let frac_digits = exp.unsigned_abs();
    if frac_digits > 17 {
        return None;
    }
    let unit = pow10(frac_digits)?;
    let (int, frac) = (mant / unit, mant % unit);
    if int >= 32 {
        return None;
    }
    let width = frac_digits as usize;
    Some(format!("{sign}{int}.{frac:0width$}"))
}

/// `%.17f` of an `f64`, trailing zeros (and a bare point) removed, `-0` as `0`.
fn format_f64(v: f64) -> String {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" { "0".into() } else { s }
}

/// `INCRBYFLOAT`: the text of `current` (absent: `0`) plus `incr`, as Redis would store
/// it.
pub(crate) fn incr_by_float(current: Option<&[u8]>, incr: f64) -> Result<String> {
    if incr.is_nan() {
        return Err(Error::NotFloat);
    }
    let current = current.unwrap_or(b"0");
    let value = parse_f64(current).ok_or(Error::NotFloat)?;
    let sum = value + incr;
    if sum.is_nan() || sum.is_infinite() {
        return Err(Error::NanOrInfinity);
    }
    // The increment is taken as the shortest decimal that reads back as `incr`: what
    // the caller wrote, in practice.
    let exact = parse_decimal(current)
        .zip(parse_decimal(format!("{incr}").as_bytes()))
        .and_then(|(a, b)| add_decimal(a, b))
        .and_then(format_decimal);
    Ok(exact.unwrap_or_else(|| format_f64(sum)))
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
        for bad in [&b""[..], b"-", b"+1", b" 1", b"1 ", b"01", b"-0", b"1.0", b"9223372036854775808", b"abc"] {
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
    }

    #[test]
    fn bad_floats_are_rejected() {
        assert_eq!(incr_by_float(Some(b"abc"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b" 1"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"nan"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1e5000"), 1.0), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1"), f64::NAN), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"inf"), 1.0), Err(Error::NanOrInfinity));
        assert_eq!(incr_by_float(Some(b"1"), f64::INFINITY), Err(Error::NanOrInfinity));
        assert_eq!(incr_by_float(Some(&[b'1'; 6000]), 1.0), Err(Error::NotFloat));
    }
}
