//! The C library's `qsort` and Redis's `pqsort`, for replies ordered exactly as Redis
//! orders them where its comparator leaves ties (or is not a strict order at all):
//! glibc's `qsort` is a top-down merge sort, stable; `pqsort` (Redis's `pqsort.c`, used
//! by `SORT … BY … LIMIT` and `GEOSEARCH … COUNT`) a Bentley–McIlroy quicksort that
//! sorts only the parts holding a window of positions, equal elements in its own order.

use std::cmp::Ordering;

/// Sorts as glibc's `qsort` does: a top-down merge sort, stable, calling `cmp` exactly
/// where it does (so even a comparator that is not a strict order gives its result).
pub(crate) fn merge_sort_by<T: Clone>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let mut tmp = v.to_vec();
    msort(v, &mut tmp, &cmp);
}

fn msort<T: Clone>(run: &mut [T], tmp: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let len = run.len();
    if len <= 1 {
        return;
    }
    let half = len / 2;
    {
        let (first, second) = run.split_at_mut(half);
        msort(first, &mut tmp[..half], cmp);
        msort(second, &mut tmp[half..len], cmp);
    }
    let (mut left, mut right, mut out) = (0, half, 0);
    while left < half && right < len {
        if cmp(&run[left], &run[right]).is_le() {
            tmp[out] = run[left].clone();
            left += 1;
        } else {
            tmp[out] = run[right].clone();
            right += 1;
        }
        out += 1;
    }
    // What remains of the first half follows; the second half's rest is in place.
    while left < half {
        tmp[out] = run[left].clone();
        left += 1;
        out += 1;
    }
    run[..out].clone_from_slice(&tmp[..out]);
}

/// Redis's `pqsort`: after it, the positions `lrange..=rrange` hold what a full sort by
/// `cmp` would put there (equal elements in its own order); the rest is partly sorted.
pub(crate) fn pqsort_by<T>(
    v: &mut [T],
    cmp: impl Fn(&T, &T) -> Ordering,
    lrange: usize,
    rrange: usize,
) {
    let cmp = move |v: &[T], a: usize, b: usize| cmp(&v[a], &v[b]);
    pqsort(v, 0, v.len(), &cmp, lrange, rrange);
}

/// The median of three positions by `cmp` (`med3` of the Bentley–McIlroy sort).
fn med3<T>(
    v: &[T],
    a: usize,
    b: usize,
    c: usize,
    cmp: &impl Fn(&[T], usize, usize) -> Ordering,
) -> usize {
    if cmp(v, a, b).is_lt() {
        if cmp(v, b, c).is_lt() {
            b
        } else if cmp(v, a, c).is_lt() {
            c
        } else {
            a
        }
    } else if cmp(v, b, c).is_gt() {
        b
    } else if cmp(v, a, c).is_lt() {
        a
    } else {
        c
    }
}

#[allow(clippy::many_single_char_names)]
fn pqsort<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    cmp: &impl Fn(&[T], usize, usize) -> Ordering,
    lr: usize,
    rr: usize,
) {
    let med3 = |v: &[T], a: usize, b: usize, c: usize| med3(v, a, b, c, cmp);
    let vecswap = |v: &mut [T], a: usize, b: usize, n: usize| {
        for i in 0..n {
            v.swap(a + i, b + i);
        }
    };
    // Whether `len` elements from `start` hold none of the positions asked for.
    let outside = |start: usize, len: usize| {
        let end = start + len - 1;
        (lr < start && rr < start) || (lr > end && rr > end)
    };
    loop {
        if n < 7 {
            for m in a + 1..a + n {
                let mut l = m;
                while l > a && cmp(v, l - 1, l).is_gt() {
                    v.swap(l, l - 1);
                    l -= 1;
                }
            }
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d);
                pm = med3(v, pm - d, pm, pm + d);
                pn = med3(v, pn - 2 * d, pn - d, pn);
            }
            pm = med3(v, pl, pm, pn);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let r = cmp(v, pb, a);
                if r.is_gt() {
                    break;
                }
                if r.is_eq() {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = cmp(v, pc, a);
                if r.is_lt() {
                    break;
                }
                if r.is_eq() {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && !outside(a, r) {
            pqsort(v, a, r, cmp, lr, rr);
        }
        let r = pd - pc;
        if r > 1 {
            a = pn - r;
            n = r;
            if !outside(a, n) {
                continue;
            }
        }
        return;
    }
}
