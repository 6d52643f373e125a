//! `LCS`: the longest common subsequence of two strings, by Redis's dynamic programme
//! (`t_string.c`, `lcsCommand`), including its walk back through the table, so that ties
//! between equally long subsequences resolve exactly as in Redis.

use crate::{Error, Result};

/// One matching range of an [`LcsIdx`]: inclusive byte ranges in each string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LcsMatch {
    /// The range in the first string.
    pub a: (usize, usize),
    /// The range in the second string.
    pub b: (usize, usize),
    /// The range's length.
    pub len: usize,
}

/// The result of [`Strings::lcs_idx`](crate::Strings::lcs_idx).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LcsIdx {
    /// Matching ranges, from the end of the strings backwards (Redis's order).
    pub matches: Vec<LcsMatch>,
    /// The length of the whole common subsequence.
    pub len: usize,
}

/// The table of LCS lengths of every pair of prefixes.
pub(crate) struct Table<'a> {
    a: &'a [u8],
    b: &'a [u8],
    cells: Vec<u32>,
}

impl<'a> Table<'a> {
    /// Builds the table, refusing (before allocating) one larger than `max_bytes`.
    pub(crate) fn new(a: &'a [u8], b: &'a [u8], max_bytes: usize) -> Result<Self> {
        let size = (a.len() as u128 + 1) * (b.len() as u128 + 1);
        if a.len() >= u32::MAX as usize - 1
            || b.len() >= u32::MAX as usize - 1
            || size * 4 > max_bytes as u128
        {
            return Err(Error::LcsTooLong);
        }
        #[allow(clippy::cast_possible_truncation)] // bounded by max_bytes just above
        let mut cells = vec![0u32; size as usize];
        let w = b.len() + 1;
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * w + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * w + j - 1] + 1
                } else {
                    cells[(i - 1) * w + j].max(cells[i * w + j - 1])
                };
            }
        }
        Ok(Table { a, b, cells })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * (self.b.len() + 1) + j]
    }

    pub(crate) fn len(&self) -> usize {
        self.at(self.a.len(), self.b.len()) as usize
    }

    /// Walks back from the end as Redis does, calling `on_byte` for each byte of the
    /// subsequence (last first) and `on_range` for each maximal matching range.
    fn walk(&self, mut on_byte: impl FnMut(u8), mut on_range: impl FnMut(LcsMatch)) {
        let (a, b) = (self.a, self.b);
        let (mut i, mut j) = (a.len(), b.len());
        // `None`: no range open. Otherwise (a_start, a_end, b_start, b_end).
        let mut open: Option<(usize, usize, usize, usize)> = None;
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                on_byte(a[i - 1]);
                match &mut open {
                    None => open = Some((i - 1, i - 1, j - 1, j - 1)),
                    Some((a_start, _, b_start, _)) => {
                        if *a_start == i && *b_start == j {
                            *a_start -= 1;
                            *b_start -= 1;
                        } else {
                            emit = true;
                        }
                    }
                }
                if open.is_some_and(|(a_start, _, b_start, _)| a_start == 0 || b_start == 0) {
                    emit = true;
                }
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = open.is_some();
            }
            if emit && let Some((a_start, a_end, b_start, b_end)) = open.take() {
                on_range(LcsMatch {
                    a: (a_start, a_end),
                    b: (b_start, b_end),
                    len: a_end - a_start + 1,
                });
            }
        }
    }

    pub(crate) fn sequence(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        self.walk(|c| out.push(c), |_| {});
        out.reverse();
        out
    }

    pub(crate) fn matches(&self, min_len: usize) -> LcsIdx {
        let mut matches = Vec::new();
        self.walk(
            |_| {},
            |m| {
                if m.len >= min_len {
                    matches.push(m);
                }
            },
        );
        LcsIdx {
            matches,
            len: self.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_subsequence_and_its_ranges_like_redis() {
        let t = Table::new(b"ohmytext", b"mynewtext", 1 << 20).unwrap();
        assert_eq!(t.sequence(), b"mytext");
        assert_eq!(t.len(), 6);
        let idx = t.matches(0);
        assert_eq!(
            idx.matches,
            vec![
                LcsMatch {
                    a: (4, 7),
                    b: (5, 8),
                    len: 4
                },
                LcsMatch {
                    a: (2, 3),
                    b: (0, 1),
                    len: 2
                },
            ]
        );
        assert_eq!(t.matches(4).matches.len(), 1);
    }

    #[test]
    fn empty_and_oversized_inputs() {
        assert_eq!(Table::new(b"", b"abc", 1024).unwrap().len(), 0);
        assert!(
            Table::new(b"", b"", 1024)
                .unwrap()
                .matches(0)
                .matches
                .is_empty()
        );
        assert!(matches!(
            Table::new(&[0; 100], &[0; 100], 1000),
            Err(Error::LcsTooLong)
        ));
    }
}
