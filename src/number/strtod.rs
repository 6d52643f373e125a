//! What C's `strtod` and `strtold` read from a string (glibc, "C" locale): the extent
//! and form of the number at its start. Redis's parsers differ only in what they
//! accept around it — leading space, trailing bytes, a NUL, a range error — so each
//! applies its own rule to the [`Scan`] (see `number.rs`).

use super::long_double::{LongDouble, ldexp};

/// C's `isspace` in the "C" locale (it includes the vertical tab, which Rust's
/// `is_ascii_whitespace` does not).
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The forms `strtod` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// `digits[.digits][e[±]digits]`.
    Decimal,
    /// `0x hexdigits[.hexdigits][p[±]digits]`.
    Hex,
    /// `inf` or `infinity`, any case.
    Infinity,
    /// `nan` or `nan(chars)`, any case.
    Nan,
}

/// A number found at the start of a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scan {
    pub(crate) neg: bool,
    /// Where the number starts after leading space, its sign included.
    pub(crate) signed: usize,
    /// Where its digits (or letters) start, after the sign and any `0x`.
    pub(crate) body: usize,
    /// One past its last byte: where `strtod` leaves its end pointer.
    pub(crate) end: usize,
    pub(crate) form: Form,
}

fn starts_with_ignore_case(s: &[u8], at: usize, word: &[u8]) -> bool {
    s.get(at..at + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// The end of a run of bytes satisfying `f` from `at`.
fn run(s: &[u8], at: usize, f: impl Fn(u8) -> bool) -> usize {
    at + s[at.min(s.len())..].iter().take_while(|&&b| f(b)).count()
}

/// `digits[.digits]` (decimal or hex by `digit`) from `at`: its end, if it holds a
/// digit.
fn mantissa(s: &[u8], at: usize, digit: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    let int_end = run(s, at, digit);
    let (end, frac_digits) = if s.get(int_end) == Some(&b'.') {
        let e = run(s, int_end + 1, digit);
        (e, e - int_end - 1)
    } else {
        (int_end, 0)
    };
    (int_end > at || frac_digits > 0).then_some(end)
}

/// An exponent (`e`/`p`, a sign, digits) at `at`, taken only if it has digits.
fn exponent(s: &[u8], at: usize, letter: u8) -> usize {
    if s.get(at).is_some_and(|b| b.eq_ignore_ascii_case(&letter)) {
        let mut i = at + 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = run(s, i, |b| b.is_ascii_digit());
        if digits > i {
            return digits;
        }
    }
    at
}

/// The number `strtod` reads at the start of `s`, or `None` if it converts nothing.
pub(crate) fn scan(s: &[u8]) -> Option<Scan> {
    let signed = run(s, 0, is_c_space);
    let (neg, i) = match s.get(signed) {
        Some(b'-') => (true, signed + 1),
        Some(b'+') => (false, signed + 1),
        _ => (false, signed),
    };
    let found = |body, end, form| Scan {
        neg,
        signed,
        body,
        end,
        form,
    };
    if starts_with_ignore_case(s, i, b"inf") {
        let end = if starts_with_ignore_case(s, i, b"infinity") {
            i + 8
        } else {
            i + 3
        };
        return Some(found(i, end, Form::Infinity));
    }
    if starts_with_ignore_case(s, i, b"nan") {
        let mut end = i + 3;
        if s.get(end) == Some(&b'(') {
            let close = run(s, end + 1, |b| b.is_ascii_alphanumeric() || b == b'_');
            if s.get(close) == Some(&b')') {
                end = close + 1;
            }
        }
        return Some(found(i, end, Form::Nan));
    }
    if s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) {
        if let Some(end) = mantissa(s, i + 2, |b| b.is_ascii_hexdigit()) {
            return Some(found(i + 2, exponent(s, end, b'p'), Form::Hex));
        }
        // "0x" without hex digits: the "0" alone.
        return Some(found(i, i + 1, Form::Decimal));
    }
    let end = mantissa(s, i, |b| b.is_ascii_digit())?;
    Some(found(i, exponent(s, end, b'e'), Form::Decimal))
}

/// A hex number's significant bits: up to 32 hex digits in a `u128`, whether nonzero
/// digits were dropped, and the binary exponent of the lowest kept digit.
fn hex_bits(s: &[u8], sc: &Scan) -> (u128, bool, i64) {
    let text = &s[sc.body..sc.end];
    let p = text.iter().position(|b| b.eq_ignore_ascii_case(&b'p'));
    let (digits, exp) = match p {
        Some(p) => {
            let e = std::str::from_utf8(&text[p + 1..]).unwrap_or("0");
            let e: i64 = e.parse().unwrap_or(if e.starts_with('-') {
                -100_000
            } else {
                100_000
            });
            (&text[..p], e.clamp(-100_000, 100_000))
        }
        None => (text, 0),
    };
    let (mut q, mut sticky, mut exp) = (0u128, false, exp);
    let mut seen_point = false;
    for &b in digits {
        if b == b'.' {
            seen_point = true;
            continue;
        }
        let d = u128::from(char::from(b).to_digit(16).unwrap_or(0));
        if q >> 124 == 0 {
            q = (q << 4) | d;
            if seen_point {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_point {
                exp += 4;
            }
        }
    }
    (q, sticky, exp)
}

/// The `f64` that `strtod` returns for a scanned number, and whether it sets `ERANGE`
/// with a result Redis refuses (an overflow to infinity, an underflow to zero).
pub(crate) fn to_f64(s: &[u8], sc: &Scan) -> (f64, bool) {
    let sign = if sc.neg { -1.0 } else { 1.0 };
    match sc.form {
        Form::Infinity => (sign * f64::INFINITY, false),
        Form::Nan => (f64::NAN, false),
        Form::Decimal => {
            let text = std::str::from_utf8(&s[sc.body..sc.end]).unwrap_or("0");
            let v: f64 = text.parse().unwrap_or(0.0);
            let mantissa = text.split(['e', 'E']).next().unwrap_or("");
            let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
            (sign * v, v.is_infinite() || (v == 0.0 && nonzero))
        }
        Form::Hex => {
            let (q, sticky, exp) = hex_bits(s, sc);
            if q == 0 {
                return (sign * 0.0, false);
            }
            // Keep 64 significant bits, the lowest standing for everything dropped
            // (an f64 rounds at bit 53, well above it).
            let shift = (128 - q.leading_zeros()).saturating_sub(64);
            let rest = q & ((1u128 << shift) - 1);
            #[allow(clippy::cast_possible_truncation)] // 64 bits after the shift
            let top = (q >> shift) as u64 | u64::from(sticky || rest != 0);
            #[allow(clippy::cast_precision_loss)] // rounded once, to nearest
            let v = ldexp(top as f64, exp + i64::from(shift));
            (sign * v, v.is_infinite() || v == 0.0)
        }
    }
}

/// A `long double` as `strtold` returns it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ld {
    Finite(LongDouble),
    /// An infinity, negative if `true`.
    Infinite(bool),
    Nan,
}

/// The `long double` that `strtold` returns for a scanned number; `None` where it
/// sets `ERANGE` (out of the `long double` range).
pub(crate) fn to_long_double(s: &[u8], sc: &Scan) -> Option<Ld> {
    match sc.form {
        Form::Infinity => Some(Ld::Infinite(sc.neg)),
        Form::Nan => Some(Ld::Nan),
        Form::Decimal => LongDouble::parse(&s[sc.signed..sc.end]).map(Ld::Finite),
        Form::Hex => {
            let (q, sticky, exp) = hex_bits(s, sc);
            LongDouble::from_bits(sc.neg, q, exp, sticky).map(Ld::Finite)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Option<(f64, usize, bool)> {
        let sc = scan(s.as_bytes())?;
        let (v, erange) = to_f64(s.as_bytes(), &sc);
        Some((v, sc.end, erange))
    }

    #[test]
    fn extents_are_glibcs() {
        assert_eq!(f("1.5"), Some((1.5, 3, false)));
        assert_eq!(f("  -2e3x"), Some((-2000.0, 6, false)));
        assert_eq!(f("1e"), Some((1.0, 1, false)));
        assert_eq!(f("1e+"), Some((1.0, 1, false)));
        assert_eq!(f(".5"), Some((0.5, 2, false)));
        assert_eq!(f("5."), Some((5.0, 2, false)));
        assert_eq!(f("0x10"), Some((16.0, 4, false)));
        assert_eq!(f("0x1p-2"), Some((0.25, 6, false)));
        assert_eq!(f("0x.8"), Some((0.5, 4, false)));
        assert_eq!(f("0xg"), Some((0.0, 1, false)));
        assert_eq!(f("-InFiNiTy"), Some((f64::NEG_INFINITY, 9, false)));
        assert_eq!(f("info").map(|x| x.1), Some(3));
        assert!(f("nan(12)").is_some_and(|(v, end, _)| v.is_nan() && end == 7));
        assert_eq!(f("nan(").map(|x| x.1), Some(3));
        assert_eq!(f("1e400"), Some((f64::INFINITY, 5, true)));
        assert_eq!(f("1e-400"), Some((0.0, 6, true)));
        assert_eq!(f("0e-400"), Some((0.0, 6, false)));
        for none in ["", ".", "-", "x1", "e5", "\u{0}1"] {
            assert_eq!(scan(none.as_bytes()), None, "{none:?}");
        }
        assert!(is_c_space(0x0b) && !0x0bu8.is_ascii_whitespace());
    }

    #[test]
    fn long_doubles_reach_past_f64() {
        let ld = |s: &str| to_long_double(s.as_bytes(), &scan(s.as_bytes()).unwrap());
        assert!(matches!(ld("1e400"), Some(Ld::Finite(_))));
        assert_eq!(ld("1e5000"), None);
        assert_eq!(ld("-inf"), Some(Ld::Infinite(true)));
        assert_eq!(ld("0x10"), ld("16"));
        assert_eq!(ld("0x1.8p1"), ld("3"));
    }
}
