//! Number text as C's `printf("%.<p>g")` writes it and `strtod` reads it.

/// `printf("%.<prec>g", x)` (`prec` from 1 to 17) as glibc writes it.
pub(crate) fn fmt_g(x: f64, prec: usize) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let p = prec.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:.*e}", p - 1, x);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let e: i64 = exp.parse().unwrap_or(0);
    #[allow(clippy::cast_possible_wrap)]
    let pi = p as i64;
    if e < -4 || e >= pi {
        let mant = strip_zeros(mant);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", e.abs())
    } else {
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let decimals = (pi - 1 - e) as usize;
        let fixed = format!("{x:.decimals$}");
        strip_zeros(&fixed).to_owned()
    }
}

/// Removes trailing zeros of a fraction, and its point when nothing is left.
fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `strtod` of glibc: the number at the start of `s` and the length it takes,
/// or `None` when no number starts there. Leading white space is not skipped.
pub(crate) fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    let neg = match at(0) {
        b'-' => {
            i = 1;
            true
        }
        b'+' => {
            i = 1;
            false
        }
        _ => false,
    };
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i.min(s.len())..];
    if starts_with_ci(rest, b"inf") {
        let n = if starts_with_ci(rest, b"infinity") {
            8
        } else {
            3
        };
        return Some((sign(f64::INFINITY), i + n));
    }
    if starts_with_ci(rest, b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let mut j = 4;
            while rest
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                j += 1;
            }
            if rest.get(j) == Some(&b')') {
                n = j + 1;
            }
        }
        return Some((sign(f64::NAN), i + n));
    }
    if at(i) == b'0' && (at(i + 1) | 0x20) == b'x' {
        if let Some((v, n)) = hex(&s[i + 2..]) {
            return Some((sign(v), i + 2 + n));
        }
        return Some((sign(0.0), i + 1));
    }
    let start = i;
    let mut digits = 0;
    while at(i).is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if at(i) == b'.' {
        i += 1;
        while at(i).is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if at(i) | 0x20 == b'e' {
        let mut j = i + 1;
        if at(j) == b'+' || at(j) == b'-' {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            while at(j).is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some((sign(v), i))
}

/// Whether `s` starts with the lower-case ASCII `prefix`, ignoring case.
fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The hexadecimal float after `0x`: digits, an optional fraction and an
/// optional binary exponent `p`; `None` without a digit.
fn hex(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut digits = 0;
    let mut sticky = false;
    let mut add = |d: u64, frac: bool, exp: &mut i64| {
        if mant >> 60 == 0 {
            mant = mant << 4 | d;
            if frac {
                *exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !frac {
                *exp += 4;
            }
        }
    };
    while let Some(d) = (at(i) as char).to_digit(16) {
        add(u64::from(d), false, &mut exp);
        i += 1;
        digits += 1;
    }
    if at(i) == b'.' {
        let mut j = i + 1;
        while let Some(d) = (at(j) as char).to_digit(16) {
            add(u64::from(d), true, &mut exp);
            j += 1;
            digits += 1;
        }
        if digits > 0 {
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    if at(i) | 0x20 == b'p' {
        let mut j = i + 1;
        let neg = at(j) == b'-';
        if at(j) == b'+' || at(j) == b'-' {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            let mut e: i64 = 0;
            while at(j).is_ascii_digit() {
                e = (e * 10 + i64::from(at(j) - b'0')).min(100_000);
                j += 1;
            }
            exp += if neg { -e } else { e };
            i = j;
        }
    }
    if sticky {
        mant |= 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let mut v = mant as f64;
    let mut e = exp.clamp(-3000, 3000);
    while e > 0 {
        let step = e.min(1000);
        #[allow(clippy::cast_possible_truncation)]
        {
            v *= 2f64.powi(step as i32);
        }
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        #[allow(clippy::cast_possible_truncation)]
        {
            v /= 2f64.powi(step as i32);
        }
        e += step;
    }
    Some((v, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        assert_eq!(fmt_g(0.1, 14), "0.1");
        assert_eq!(fmt_g(1.0 / 3.0, 14), "0.33333333333333");
        assert_eq!(fmt_g(1e300, 14), "1e+300");
        assert_eq!(fmt_g(123_456_789_012_345_678.0, 14), "1.2345678901235e+17");
        assert_eq!(fmt_g(-0.0, 14), "-0");
        assert_eq!(fmt_g(1e-5, 14), "1e-05");
        assert_eq!(fmt_g(0.0001, 14), "0.0001");
        assert_eq!(fmt_g(1e14, 14), "1e+14");
        assert_eq!(fmt_g(1_099_511_627_776.0, 14), "1099511627776");
        assert_eq!(fmt_g(100.0, 14), "100");
    }

    #[test]
    fn strtod_forms() {
        assert_eq!(strtod(b"12x"), Some((12.0, 2)));
        assert_eq!(strtod(b"-1.5e3,"), Some((-1500.0, 6)));
        assert_eq!(strtod(b"1e"), Some((1.0, 1)));
        assert_eq!(strtod(b"0x10]"), Some((16.0, 4)));
        assert_eq!(strtod(b"0x"), Some((0.0, 1)));
        assert_eq!(strtod(b"-"), None);
        assert_eq!(strtod(b"Infinity"), Some((f64::INFINITY, 8)));
        assert_eq!(strtod(b"1."), Some((1.0, 2)));
    }
}
