//! Just enough of the x87 80-bit `long double` for `INCRBYFLOAT` to give Redis's answers
//! digit for digit: a correctly rounded decimal parse (`strtold`), one addition
//! (round-to-nearest-even on a 64-bit significand) and `%.17Lf` printing.
//!
//! A value is `(-1)^neg × mant × 2^exp` with `mant` normalised (top bit set) or zero.
//! Exact intermediate values use a small unsigned big integer.

use std::cmp::Ordering;
use std::fmt::Write;

/// An unsigned big integer, little-endian base 2^32.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut d = Vec::new();
        while v != 0 {
            #[allow(clippy::cast_possible_truncation)] // the low 32 bits
            d.push(v as u32);
            v >>= 32;
        }
        Big(d)
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn bits(&self) -> u64 {
        self.0.last().map_or(0, |top| {
            self.0.len() as u64 * 32 - u64::from(top.leading_zeros())
        })
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for d in &mut self.0 {
            let v = u64::from(*d) * u64::from(m) + carry;
            #[allow(clippy::cast_possible_truncation)] // the low 32 bits
            {
                *d = v as u32;
            }
            carry = v >> 32;
        }
        if carry != 0 {
            #[allow(clippy::cast_possible_truncation)] // below 2^32
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = u64::from(a);
        for d in &mut self.0 {
            if carry == 0 {
                return;
            }
            let v = u64::from(*d) + carry;
            #[allow(clippy::cast_possible_truncation)] // the low 32 bits
            {
                *d = v as u32;
            }
            carry = v >> 32;
        }
        if carry != 0 {
            #[allow(clippy::cast_possible_truncation)] // below 2^32
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        #[allow(clippy::cast_possible_truncation)] // n < 9
        self.mul_small(10u32.pow(n as u32));
    }

    fn shl(&self, n: u64) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (words, bits) = (usize::try_from(n / 32).unwrap_or(usize::MAX), n % 32);
        let mut d = vec![0u32; words];
        let mut carry = 0u32;
        for &w in &self.0 {
            #[allow(clippy::cast_possible_truncation)] // bits < 32
            let (lo, hi) = if bits == 0 {
                (w, 0)
            } else {
                (w << bits, w >> (32 - bits as u32))
            };
            d.push(lo | carry);
            carry = hi;
        }
        d.push(carry);
        let mut b = Big(d);
        b.trim();
        b
    }

    /// The bits from `from` upwards (at most 128 of them) and whether any bit below
    /// `from` is set.
    fn bits_from(&self, from: u64) -> (u128, bool) {
        let mut out = 0u128;
        for i in (from..self.bits()).rev() {
            out = (out << 1) | u128::from(self.bit(i));
        }
        let sticky = (0..from.min(self.bits())).any(|i| self.bit(i) == 1);
        (out, sticky)
    }

    fn bit(&self, i: u64) -> u32 {
        let w = usize::try_from(i / 32).unwrap_or(usize::MAX);
        self.0.get(w).map_or(0, |d| (d >> (i % 32)) & 1)
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, d) in self.0.iter_mut().enumerate() {
            let v = i64::from(*d) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // reduced mod 2^32
            {
                *d = (v + (borrow << 32)) as u32;
            }
        }
        self.trim();
    }

    /// `self / d` for a quotient known to fit 128 bits, and whether a remainder is left.
    fn div(&self, d: &Big) -> (u128, bool) {
        let mut rem = self.clone();
        let mut q = 0u128;
        let top = self.bits().saturating_sub(d.bits());
        for i in (0..=top).rev() {
            let shifted = d.shl(i);
            q <<= 1;
            if rem.cmp(&shifted) != Ordering::Less {
                rem.sub_assign(&shifted);
                q |= 1;
            }
        }
        (q, !rem.is_zero())
    }

    fn to_decimal(&self) -> String {
        let mut words = self.0.clone();
        let mut chunks = Vec::new();
        while !words.is_empty() {
            let mut rem = 0u64;
            for w in words.iter_mut().rev() {
                let v = (rem << 32) | u64::from(*w);
                #[allow(clippy::cast_possible_truncation)] // v / 10^9 < 2^32
                {
                    *w = (v / 1_000_000_000) as u32;
                }
                rem = v % 1_000_000_000;
            }
            while words.last() == Some(&0) {
                words.pop();
            }
            chunks.push(rem);
        }
        let mut s = chunks
            .pop()
            .map_or_else(|| "0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev() {
            let _ = write!(s, "{c:09}");
        }
        s
    }
}

/// `v × 2^e`, in steps that stay within `f64`'s exponent range.
pub(crate) fn ldexp(mut v: f64, mut e: i64) -> f64 {
    while e > 0 && v.is_finite() {
        let step = e.min(1000);
        v *= 2f64.powi(i32::try_from(step).unwrap_or(1000));
        e -= step;
    }
    while e < 0 && v != 0.0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(i32::try_from(step).unwrap_or(1000));
        e += step;
    }
    v
}

/// An 80-bit extended-precision value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LongDouble {
    neg: bool,
    mant: u64,
    exp: i64,
}

/// Largest and smallest binary exponents of a normal x87 value, for `mant × 2^exp`.
const MAX_EXP: i64 = 16383 - 63;
const MIN_EXP: i64 = -16382 - 63;

/// Rounds `q × 2^exp` (with `sticky` standing for nonzero bits below `q`) to a 64-bit
/// significand, ties to even.
fn round(neg: bool, q: u128, exp: i64, sticky: bool) -> LongDouble {
    if q == 0 {
        return LongDouble {
            neg,
            mant: 0,
            exp: 0,
        };
    }
    let len = 128 - i64::from(q.leading_zeros());
    if len <= 64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // fits 64 bits
        return LongDouble {
            neg,
            mant: (q << (64 - len)) as u64,
            exp: exp - (64 - len),
        };
    }
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // 0 < len - 64 <= 64
    let shift = (len - 64) as u32;
    let mut mant = q >> shift;
    let rem = q & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && (sticky || mant & 1 == 1)) {
        mant += 1;
    }
    let mut exp = exp + i64::from(shift);
    if mant >> 64 != 0 {
        mant >>= 1;
        exp += 1;
    }
    #[allow(clippy::cast_possible_truncation)] // fits 64 bits after the checks above
    LongDouble {
        neg,
        mant: mant as u64,
        exp,
    }
}

impl LongDouble {
    pub(crate) const ZERO: LongDouble = LongDouble {
        neg: false,
        mant: 0,
        exp: 0,
    };

    /// Parses `[-+]digits[.digits][(e|E)[-+]digits]`, correctly rounded; `None` for
    /// other forms, or a magnitude outside the normal range (`strtold`'s `ERANGE`).
    pub(crate) fn parse(s: &[u8]) -> Option<LongDouble> {
        let (neg, s) = match s {
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] => (false, rest),
            _ => (false, s),
        };
        let (num, exp_part) = match s.iter().position(|&c| c == b'e' || c == b'E') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let mut exp10: i64 = match exp_part {
            Some(e) => {
                let t = std::str::from_utf8(e).ok()?;
                let digits = t.trim_start_matches(['+', '-']);
                if digits.is_empty()
                    || !digits.bytes().all(|c| c.is_ascii_digit())
                    || t.len() - digits.len() > 1
                {
                    return None;
                }
                t.parse::<i64>()
                    .unwrap_or(if t.starts_with('-') {
                        -100_000
                    } else {
                        100_000
                    })
                    .clamp(-100_000, 100_000)
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
        let mut digits = Big(Vec::new());
        for &c in int.iter().chain(frac) {
            if !c.is_ascii_digit() {
                return None;
            }
            digits.mul_small(10);
            digits.add_small(u32::from(c - b'0'));
        }
        exp10 -= i64::try_from(frac.len()).ok()?;
        if digits.is_zero() {
            return Some(LongDouble {
                neg,
                mant: 0,
                exp: 0,
            });
        }
        // Quick range check before any big arithmetic (an estimate suffices).
        #[allow(clippy::cast_precision_loss)]
        let magnitude =
            i64::try_from(digits.bits()).ok()? as f64 * std::f64::consts::LOG10_2 + exp10 as f64;
        if !(-4960.0..=4940.0).contains(&magnitude) {
            return None;
        }
        let value = if exp10 >= 0 {
            digits.mul_pow10(exp10.unsigned_abs());
            let from = digits.bits().saturating_sub(66);
            let (q, sticky) = digits.bits_from(from);
            round(neg, q, i64::try_from(from).ok()?, sticky)
        } else {
            let mut den = Big::from_u128(1);
            den.mul_pow10(exp10.unsigned_abs());
            let shift = (den.bits() + 66).saturating_sub(digits.bits());
            let (q, sticky) = digits.shl(shift).div(&den);
            round(neg, q, -i64::try_from(shift).ok()?, sticky)
        };
        (value.mant == 0 || (MIN_EXP..=MAX_EXP).contains(&value.exp)).then_some(value)
    }

    /// `q × 2^exp` (`sticky`: nonzero bits dropped below `q`), rounded; `None` outside
    /// the normal range.
    pub(crate) fn from_bits(neg: bool, q: u128, exp: i64, sticky: bool) -> Option<LongDouble> {
        let value = round(neg, q, exp, sticky);
        (value.mant == 0 || (MIN_EXP..=MAX_EXP).contains(&value.exp)).then_some(value)
    }

    /// `ceill(self × factor)` as an integer, the product rounded to a `long double`
    /// first, as C computes `ceill(x * 1000.0L)`; `None` beyond `i128`.
    pub(crate) fn mul_ceil(self, factor: u32) -> Option<i128> {
        if self.mant == 0 {
            return Some(0);
        }
        let p = round(
            self.neg,
            u128::from(self.mant) * u128::from(factor),
            self.exp,
            false,
        );
        let m = i128::from(p.mant);
        let magnitude_ceil = |truncated: i128, fraction: bool| {
            if p.neg {
                -truncated
            } else {
                truncated + i128::from(fraction)
            }
        };
        if p.exp >= 0 {
            // At most 64 + 62 bits: fits an i128.
            (p.exp <= 62).then(|| magnitude_ceil(m << p.exp, false))
        } else if p.exp <= -128 {
            Some(magnitude_ceil(0, true))
        } else {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 < -exp < 128
            let shift = (-p.exp) as u32;
            Some(magnitude_ceil(m >> shift, m & ((1 << shift) - 1) != 0))
        }
    }

    /// `self + other`, rounded; `None` if the result overflows.
    pub(crate) fn add(self, other: LongDouble) -> Option<LongDouble> {
        if other.mant == 0 {
            return Some(self);
        }
        if self.mant == 0 {
            return Some(other);
        }
        let (a, b) = if (self.exp, self.mant) >= (other.exp, other.mant) {
            (self, other)
        } else {
            (other, self)
        };
        let d = a.exp - b.exp;
        let big_a = u128::from(a.mant) << 63;
        let full_b = u128::from(b.mant) << 63;
        let (big_b, sticky) = if d >= 127 {
            (0, true)
        } else {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // 0 <= d < 127
            let d = d as u32;
            (full_b >> d, full_b & ((1u128 << d) - 1) != 0)
        };
        let big_b = big_b | u128::from(sticky);
        let base = a.exp - 63;
        let result = if a.neg == b.neg {
            round(a.neg, big_a + big_b, base, false)
        } else {
            match big_a.cmp(&big_b) {
                Ordering::Equal => LongDouble {
                    neg: false,
                    mant: 0,
                    exp: 0,
                },
                Ordering::Greater => round(a.neg, big_a - big_b, base, false),
                Ordering::Less => round(b.neg, big_b - big_a, base, false),
            }
        };
        (result.mant == 0 || result.exp <= MAX_EXP).then_some(result)
    }

    /// The value as C's `printf("%.17Lf")` prints it, trailing zeros and a bare point
    /// removed, and `-0` printed as `0` (Redis's `ld2string` in human mode).
    pub(crate) fn to_redis_string(self) -> String {
        const SCALE: u128 = 100_000_000_000_000_000; // 10^17
        let scaled = if self.exp >= 0 {
            let mut b = Big::from_u128(u128::from(self.mant) * SCALE);
            b = b.shl(self.exp.unsigned_abs());
            b
        } else {
            let num = u128::from(self.mant) * SCALE;
            let shift = self.exp.unsigned_abs();
            if shift >= 128 {
                Big(Vec::new())
            } else {
                #[allow(clippy::cast_possible_truncation)] // shift < 128
                let shift = shift as u32;
                let mut q = num >> shift;
                let rem = num & ((1u128 << shift) - 1);
                let half = 1u128 << (shift - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q += 1;
                }
                Big::from_u128(q)
            }
        };
        if scaled.is_zero() {
            return "0".into();
        }
        let digits = format!("{:0>18}", scaled.to_decimal());
        let (int, frac) = digits.split_at(digits.len() - 17);
        let frac = frac.trim_end_matches('0');
        let sign = if self.neg { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &str, b: &str) -> String {
        let (a, b) = (
            LongDouble::parse(a.as_bytes()).unwrap(),
            LongDouble::parse(b.as_bytes()).unwrap(),
        );
        a.add(b).unwrap().to_redis_string()
    }

    #[test]
    fn sums_print_as_redis_on_x86_64() {
        // Reference values read from Redis 7 on x86_64.
        assert_eq!(add("13.5", "1.1"), "14.6");
        assert_eq!(add("0.1", "0.2"), "0.3");
        assert_eq!(add("0.1", "100"), "100.1");
        assert_eq!(add("3.0e3", "0.1"), "3000.10000000000000009");
        assert_eq!(add("3.0e3", "-1.1"), "2998.89999999999999991");
        assert_eq!(add("99.99", "100"), "199.98999999999999999");
        assert_eq!(add("0.1", "10000000000"), "10000000000.09999999962747097");
        assert_eq!(add("1.7e308", "1.7e308").len(), 309);
        assert_eq!(add("1.5", "-1.5"), "0");
        assert_eq!(add("-5", "3"), "-2");
    }

    #[test]
    fn parse_rejects_what_strtold_does_not_read_fully() {
        for bad in [
            "", "-", "1e", "1e+", "e5", ".", "1.2.3", "0x10", "1e99999", "1e-99999",
        ] {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad}");
        }
        assert!(LongDouble::parse(b".5").is_some());
        assert!(LongDouble::parse(b"5.").is_some());
        assert_eq!(LongDouble::parse(b"0.000").unwrap().to_redis_string(), "0");
    }
}
