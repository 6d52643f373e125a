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

/// The inclusive range of a list of `len` elements that `LRANGE` and `LTRIM` select
/// (negative indexes from the end, the start clamped to 0, the end to the last element);
/// `None` when it selects nothing.
pub(crate) fn list_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = i128::try_from(len).ok()?;
    let norm = |i: i64| {
        let i = i128::from(i);
        if i < 0 { len + i } else { i }
    };
    let (start, end) = (norm(start).max(0), norm(end));
    if start > end || start >= len {
        return None;
    }
    Some((
        usize::try_from(start).ok()?,
        usize::try_from(end.min(len - 1)).ok()?,
    ))
}

/// The element that index `i` names in a list of `len` (negative from the end), if any.
pub(crate) fn list_index(i: i64, len: usize) -> Option<usize> {
    let len = i128::try_from(len).ok()?;
    let i = i128::from(i);
    let i = if i < 0 { len + i } else { i };
    (0..len)
        .contains(&i)
        .then(|| usize::try_from(i).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ranges_clamp_like_lrange() {
        assert_eq!(list_range(0, -1, 5), Some((0, 4)));
        assert_eq!(
            list_range(-100, -50, 5),
            None,
            "unlike GETRANGE, the end is not raised to 0"
        );
        assert_eq!(list_range(-100, 2, 5), Some((0, 2)));
        assert_eq!(list_range(3, 100, 5), Some((3, 4)));
        assert_eq!(list_range(5, 10, 5), None);
        assert_eq!(list_range(2, 1, 5), None);
        assert_eq!(list_range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(list_index(-1, 5), Some(4));
        assert_eq!(list_index(-6, 5), None);
        assert_eq!(list_index(5, 5), None);
        assert_eq!(list_index(i64::MIN, 5), None);
    }

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
