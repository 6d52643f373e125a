//! Shared rules for Redis's signed, inclusive index ranges (`GETRANGE`, `BITCOUNT`,
//! `BITPOS`, and later `LRANGE`, `ZRANGE`): negative indexes count from the end, and
//! out-of-range ends are clamped.

/// The inclusive range `[start, end]` of a sequence of `len` items, as `GETRANGE` and
/// `BITCOUNT` normalise it; `None` when it selects nothing.
pub(crate) fn range(start: i64, end: i64, len: u64) -> Option<(u64, u64)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    clamp(start, end, len)
}

/// Like [`range`] without the early "both negative and reversed" rule (`BITPOS`).
pub(crate) fn clamp(start: i64, end: i64, len: u64) -> Option<(u64, u64)> {
    let len_i = i128::from(len);
    let norm = |i: i64| {
        let i = i128::from(i);
        let i = if i < 0 { len_i + i } else { i };
        i.max(0)
    };
    let (start, end) = (norm(start), norm(end).min(len_i - 1));
    if len == 0 || start > end {
        return None;
    }
    Some((u64::try_from(start).ok()?, u64::try_from(end).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_getrange() {
        assert_eq!(range(0, -1, 5), Some((0, 4)));
        assert_eq!(range(1, 3, 5), Some((1, 3)));
        assert_eq!(range(-3, -1, 5), Some((2, 4)));
        assert_eq!(range(-100, 100, 5), Some((0, 4)));
        assert_eq!(range(3, 1, 5), None);
        assert_eq!(range(-1, -3, 5), None);
        assert_eq!(range(0, -1, 0), None);
        assert_eq!(range(5, 10, 5), None);
        assert_eq!(range(i64::MIN, i64::MAX, 5), Some((0, 4)));
    }
}
