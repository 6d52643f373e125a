//! Numbers in strings, exactly as Redis reads and writes them.
//!
//! Integers follow `string2ll` (util.c): optional `-`, no `+`, no spaces, no leading
//! zeros, must fit an `i64`. `INCRBYFLOAT` reads with `strtold`, adds in 80-bit
//! `long double` and prints with `%.17Lf` minus trailing zeros; `long_double` reproduces
//! that exactly, which is why `13.5 + 1.1` reads back as `14.6` and `0.1 + 0.2` as `0.3`
//! while `3000 + 0.1` reads back, as in Redis, as `3000.10000000000000009`.

mod long_double;
mod strtod;

use long_double::LongDouble;
pub(crate) use strtod::Ld;
pub(crate) use strtod::is_c_space;

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

/// A double as Redis 7.0 replies with it (`%.17g`; `inf`, `-inf`, `nan`).
///
/// ```text
/// 1.1 → "1.1000000000000001", 3.0 → "3", 1e300 → "1.0000000000000001e+300"
/// ```
pub(crate) fn format_double(d: f64) -> String {
    if d.is_nan() {
        // As glibc prints it: x86's default NaN (`0/0`) has its sign bit set.
        return if d.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // 17 significant digits, then %g's choice of notation and trimming.
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent notation");
    let exp: i32 = exp.parse().expect("an exponent");
    if (-4..17).contains(&exp) {
        let decimals = usize::try_from(16 - exp).expect("exp < 17");
        trim_fraction(&format!("{d:.decimals$}")).to_owned()
    } else {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
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

/// A float argument as `getDoubleFromObject` reads it (`strtod`): all of the text, no
/// leading space, no NaN, no overflow to infinity or underflow to zero from a finite
/// literal. Hex (`0x10`) and `inf` are numbers.
pub(crate) fn parse_double(s: &[u8]) -> Option<f64> {
    if s.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    let sc = strtod::scan(s).filter(|sc| sc.end == s.len())?;
    let (v, erange) = strtod::to_f64(s, &sc);
    (!v.is_nan() && !erange).then_some(v)
}

/// What C's `strtod` (and `sscanf("%lg")`) reads at the start of `s`: leading space
/// skipped, trailing bytes ignored, overflow infinity; `None` if it converts nothing.
pub(crate) fn strtod_prefix(s: &[u8]) -> Option<f64> {
    strtod::scan(s).map(|sc| strtod::to_f64(s, &sc).0)
}

/// A score bound as `zslParseRange` reads it: `strtod` up to the end or a NUL byte,
/// whatever it converts (nothing reads as 0, so `""` and `"("` are 0; leading space is
/// skipped; overflow is infinity), only NaN refused.
pub(crate) fn parse_range_double(s: &[u8]) -> Option<f64> {
    let (v, end) = match strtod::scan(s) {
        Some(sc) => (strtod::to_f64(s, &sc).0, sc.end),
        None => (0.0, 0),
    };
    (matches!(s.get(end), None | Some(0)) && !v.is_nan()).then_some(v)
}

/// A `SORT` weight as `sortCommandGeneric` reads it (`strtod`): up to the end or a NUL
/// byte, leading space skipped, nothing read counting as 0 only for an empty text;
/// NaN, overflow and underflow refused.
pub(crate) fn parse_sort_double(s: &[u8]) -> Option<f64> {
    // An integer (the common weight) converts as strtod rounds it: to nearest.
    if let Some(i) = parse_i64(s) {
        #[allow(clippy::cast_precision_loss)] // rounded to nearest, as strtod does
        return Some(i as f64);
    }
    let (v, end, erange) = match strtod::scan(s) {
        Some(sc) => {
            let (v, erange) = strtod::to_f64(s, &sc);
            (v, sc.end, erange)
        }
        None => (0.0, 0, false),
    };
    // glibc's strtod also sets ERANGE for an inexact subnormal result, which every
    // decimal one is (a hex one may be exact).
    let hex = s[..end].iter().any(|b| b.eq_ignore_ascii_case(&b'x'));
    let subnormal = v != 0.0 && v.abs() < f64::MIN_POSITIVE && !hex;
    (matches!(s.get(end), None | Some(0)) && !erange && !subnormal && !v.is_nan()).then_some(v)
}

/// A `long double` as Redis's `string2ld` reads one (`strtold`): 1 to 5119 bytes, all
/// of them read, no leading space, in range, not NaN.
pub(crate) fn parse_long_double(s: &[u8]) -> Option<Ld> {
    if s.is_empty() || s.len() >= 5 * 1024 || is_c_space(s[0]) {
        return None;
    }
    let sc = strtod::scan(s).filter(|sc| sc.end == s.len())?;
    strtod::to_long_double(s, &sc).filter(|&ld| ld != Ld::Nan)
}

impl Ld {
    /// An increment given as an `f64` through the typed API: the shortest decimal that
    /// reads back as it (what the caller wrote, in practice), read as Redis would read
    /// that text.
    pub(crate) fn from_f64(v: f64) -> Ld {
        if v.is_nan() {
            Ld::Nan
        } else if v.is_infinite() {
            Ld::Infinite(v < 0.0)
        } else {
            LongDouble::parse(format!("{v}").as_bytes()).map_or(Ld::Nan, Ld::Finite)
        }
    }
}

/// `INCRBYFLOAT` and `HINCRBYFLOAT`'s sum: the text of `current` (absent: `0`) plus
/// `incr`, both read as `long double` (`current` through `string2ld`; a stored value
/// that is no number is [`Error::NotFloat`]), added in 80 bits and printed as Redis
/// prints it on `x86_64` (`%.17Lf`, trailing zeros trimmed): `13.5 + 1.1` is `14.6`,
/// `3000 + 0.1` is `3000.10000000000000009`.
pub(crate) fn incr_by_float(current: Option<&[u8]>, incr: Ld) -> Result<String> {
    if incr == Ld::Nan {
        return Err(Error::NotFloat);
    }
    let value = match current {
        None => Ld::Finite(LongDouble::ZERO),
        Some(c) => parse_long_double(c).ok_or_else(|| Error::NotFloat)?,
    };
    match (value, incr) {
        (Ld::Finite(a), Ld::Finite(b)) => a
            .add(b)
            .map(LongDouble::to_redis_string)
            .ok_or_else(|| Error::NanOrInfinity),
        _ => Err(Error::NanOrInfinity),
    }
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
        let f = |cur: Option<&str>, inc: f64| {
            incr_by_float(cur.map(str::as_bytes), Ld::from_f64(inc)).unwrap()
        };
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
        let one = Ld::from_f64(1.0);
        assert_eq!(incr_by_float(Some(b"abc"), one), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b" 1"), one), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"nan"), one), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1e5000"), one), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"1"), Ld::Nan), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"inf"), one), Err(Error::NanOrInfinity));
        assert_eq!(
            incr_by_float(Some(b"1"), Ld::from_f64(f64::INFINITY)),
            Err(Error::NanOrInfinity)
        );
        assert_eq!(
            incr_by_float(Some(&[b'1'; 6000]), one),
            Err(Error::NotFloat)
        );
    }

    #[test]
    fn long_doubles_read_as_strtold_reads_them() {
        let one = Ld::from_f64(1.0);
        // Values read from Redis 7.0 on x86_64.
        assert_eq!(incr_by_float(Some(b"0x10"), one).unwrap(), "17");
        assert_eq!(incr_by_float(Some(b"1\x002"), one), Err(Error::NotFloat));
        assert_eq!(incr_by_float(Some(b"\x00"), one), Err(Error::NotFloat));
        let incr = |s: &str| parse_long_double(s.as_bytes()).unwrap();
        assert_eq!(incr_by_float(None, incr("0x1p-2")).unwrap(), "0.25");
        assert_eq!(
            incr_by_float(None, incr("123456789.123456789")).unwrap(),
            "123456789.12345678899873747"
        );
        assert_eq!(
            incr_by_float(None, incr("637921340293417570")).unwrap(),
            "637921340293417570"
        );
        assert_eq!(incr_by_float(None, incr("1e400")).unwrap().len(), 401);
        assert_eq!(parse_long_double(b"nan"), None);
        assert_eq!(parse_long_double(b""), None);
        assert_eq!(parse_long_double(b" 1"), None);
    }

    #[test]
    fn score_bounds_read_whatever_strtod_converts() {
        assert_eq!(parse_range_double(b""), Some(0.0));
        assert_eq!(parse_range_double(b" 2"), Some(2.0));
        assert_eq!(parse_range_double(b"1\x00abc"), Some(1.0));
        assert_eq!(parse_range_double(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_range_double(b"0x10"), Some(16.0));
        assert_eq!(parse_range_double(b"abc"), None);
        assert_eq!(parse_range_double(b"nan"), None);
        assert_eq!(parse_range_double(b"1 "), None);
    }
}
