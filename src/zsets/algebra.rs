//! The algebra: `ZUNION`, `ZINTER`, `ZDIFF`, their `STORE` forms and `ZINTERCARD`, with
//! their [`CombineOptions`] (`WEIGHTS`, [`Aggregate`]).

use hashbrown::HashMap;

use super::{ZSets, members_of, store_sorted};
use crate::value::{Elem, SetValue, SortedSet, ValueRef};
use crate::{Blob, Error, Result};

/// How `ZUNION` and `ZINTER` combine the scores of a member found in several inputs
/// (`AGGREGATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// The sum of the weighted scores (the default).
    #[default]
    Sum,
    /// The least weighted score.
    Min,
    /// The greatest weighted score.
    Max,
}

impl Aggregate {
    /// Folds `v` into `acc` exactly as Redis's `zunionInterAggregate`: an undefined sum
    /// is 0, and `MIN`/`MAX` replace only on a strict comparison (so a NaN is ignored
    /// and the first of two zeros is kept).
    fn fold(self, acc: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *acc += v;
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            Aggregate::Min => {
                if v < *acc {
                    *acc = v;
                }
            }
            Aggregate::Max => {
                if v > *acc {
                    *acc = v;
                }
            }
        }
    }
}

/// `WEIGHTS` and `AGGREGATE` of `ZUNION`, `ZINTER` and their `STORE` forms.
///
/// # Examples
///
/// ```
/// use embedis::{Aggregate, CombineOptions};
/// let store = embedis::Store::new();
/// store.zsets().zadd("a", [("x", 1.0)])?;
/// store.zsets().zadd("b", [("x", 5.0)])?;
/// let opts = CombineOptions::new().weights([10.0, 1.0]).aggregate(Aggregate::Max);
/// assert_eq!(store.zsets().zunion_with(["a", "b"], &opts)?, [("x".into(), 10.0)]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CombineOptions {
    weights: Option<Vec<f64>>,
    aggregate: Aggregate,
}

impl CombineOptions {
    /// Weight 1 for every input, scores summed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// let all = store.zsets().zunion_with(["a", "a"], &embedis::CombineOptions::new())?;
    /// assert_eq!(all, [("x".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        CombineOptions::default()
    }

    /// One multiplier per input key, in order (`WEIGHTS`); there must be exactly as many
    /// as keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 2.0)])?;
    /// let opts = embedis::CombineOptions::new().weights([3.0]);
    /// assert_eq!(store.zsets().zunion_with(["a"], &opts)?, [("x".into(), 6.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn weights(mut self, weights: impl IntoIterator<Item = f64>) -> Self {
        self.weights = Some(weights.into_iter().collect());
        self
    }

    /// How the scores of a member in several inputs combine (`AGGREGATE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 2.0)])?;
    /// store.zsets().zadd("b", [("x", 7.0)])?;
    /// let min = CombineOptions::new().aggregate(Aggregate::Min);
    /// assert_eq!(store.zsets().zinter_with(["a", "b"], &min)?, [("x".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn aggregate(mut self, aggregate: Aggregate) -> Self {
        self.aggregate = aggregate;
        self
    }
}

/// Type-checks every operand of the algebra (sets count, with score 1) before any is
/// used.
enum Operand<'a> {
    Missing,
    Set(&'a SetValue),
    ZSet(&'a SortedSet),
}

impl<'a> Operand<'a> {
    fn of(value: Option<ValueRef<'a>>) -> Result<Operand<'a>> {
        match value {
            None => Ok(Operand::Missing),
            Some(ValueRef::Set(s)) => Ok(Operand::Set(s)),
            Some(ValueRef::ZSet(z)) => Ok(Operand::ZSet(z)),
            Some(_) => Err(Error::WrongType),
        }
    }

    fn len(&self) -> usize {
        match self {
            Operand::Missing => 0,
            Operand::Set(s) => s.len(),
            Operand::ZSet(z) => z.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Operand::Missing => None,
            Operand::Set(s) => s.contains(member).then_some(1.0),
            Operand::ZSet(z) => z.score(member),
        }
    }

    fn for_each(&self, mut f: impl FnMut(Elem<'_>, f64)) {
        match self {
            Operand::Missing => {}
            Operand::Set(s) => s.members().for_each(|m| f(m, 1.0)),
            Operand::ZSet(z) => z.for_each(|m, s| f(Elem::Bytes(m), s)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

impl Op {
    fn name(self, store: bool) -> &'static str {
        match (self, store) {
            (Op::Union, false) => "zunion",
            (Op::Inter, false) => "zinter",
            (Op::Diff, false) => "zdiff",
            (Op::Union, true) => "zunionstore",
            (Op::Inter, true) => "zinterstore",
            (Op::Diff, true) => "zdiffstore",
        }
    }

    /// The result, sorted, of this operation over `inputs` (Redis's
    /// `zunionInterDiffGenericCommand`, whose order of evaluation it keeps, so that
    /// float sums and signed zeros come out the same).
    fn apply(self, inputs: &[Operand<'_>], options: &CombineOptions) -> Vec<(Blob, f64)> {
        let weight = |i: usize| options.weights.as_ref().map_or(1.0, |w| w[i]);
        // A weighted score of 0 × ±inf is 0.
        let weighted = |i: usize, s: f64| {
            let v = weight(i) * s;
            if v.is_nan() { 0.0 } else { v }
        };
        // Union and intersection visit the inputs smallest first (a stable sort, as
        // glibc's `qsort`); a difference starts from its first key.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        if self != Op::Diff {
            order.sort_by_key(|&i| inputs[i].len());
        }
        let mut out: Vec<(Blob, f64)> = Vec::new();
        match self {
            Op::Union => {
                let mut acc: HashMap<Blob, f64> = HashMap::new();
                for &i in &order {
                    inputs[i].for_each(|m, s| {
                        let v = weighted(i, s);
                        m.with_bytes(|b| match acc.get_mut(b) {
                            Some(total) => options.aggregate.fold(total, v),
                            None => {
                                acc.insert(Blob::copy_from_slice(b), v);
                            }
                        });
                    });
                }
                out.extend(acc);
            }
            Op::Inter => {
                let Some((&first, rest)) = order.split_first() else {
                    return out;
                };
                inputs[first].for_each(|m, s| {
                    m.with_bytes(|b| {
                        let mut total = weighted(first, s);
                        for &j in rest {
                            // Here Redis does not turn a NaN product into 0.
                            match inputs[j].score(b) {
                                Some(s) => options.aggregate.fold(&mut total, s * weight(j)),
                                None => return,
                            }
                        }
                        out.push((Blob::copy_from_slice(b), total));
                    });
                });
            }
            Op::Diff => {
                if let Some((first, rest)) = inputs.split_first() {
                    first.for_each(|m, s| {
                        m.with_bytes(|b| {
                            if rest.iter().all(|o| o.score(b).is_none()) {
                                out.push((Blob::copy_from_slice(b), s));
                            }
                        });
                    });
                }
            }
        }
        out.sort_unstable_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        out
    }
}

/// The algebra (`ZUNION`, `ZINTER`, `ZDIFF`, their `STORE` forms, `ZINTERCARD`).
impl ZSets<'_> {
    fn located<'k, K: AsRef<[u8]>>(&self, keys: &'k [K]) -> Vec<(usize, &'k [u8])> {
        keys.iter().map(|k| (self.db, k.as_ref())).collect()
    }

    fn check_combine(op: Op, keys: usize, options: &CombineOptions, store: bool) -> Result<()> {
        if keys == 0 {
            return Err(Error::NoInputKeys(op.name(store)));
        }
        if let Some(w) = &options.weights {
            if w.len() != keys {
                return Err(Error::Syntax);
            }
            if w.iter().any(|w| w.is_nan()) {
                return Err(Error::WeightNotFloat);
            }
        }
        Ok(())
    }

    fn compute<K: AsRef<[u8]>>(
        &self,
        op: Op,
        keys: &[K],
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        Self::check_combine(op, keys.len(), options, false)?;
        self.ks().read_many(&self.located(keys), |many| {
            let inputs = (0..keys.len())
                .map(|n| Operand::of(many.get(n)))
                .collect::<Result<Vec<_>>>()?;
            Ok(op.apply(&inputs, options))
        })
    }

    fn store_result<K: AsRef<[u8]>>(
        &self,
        op: Op,
        dst: &[u8],
        keys: &[K],
        options: &CombineOptions,
    ) -> Result<usize> {
        Self::check_combine(op, keys.len(), options, true)?;
        let mut located = vec![(self.db, dst)];
        located.extend(self.located(keys));
        self.ks().admit()?;
        self.ks().write_many(&located, |many| {
            many.note_misses(1..located.len());
            let result = {
                let inputs = (1..located.len())
                    .map(|n| Operand::of(many.get(n)))
                    .collect::<Result<Vec<_>>>()?;
                op.apply(&inputs, options)
            };
            Ok(store_sorted(&mut many.entry(0), result, op.name(true)))
        })
    }

    /// The members of any of `keys`, by score (`ZUNION`); scores summed.
    ///
    /// # Errors
    ///
    /// [`Error::NoInputKeys`] for no keys; [`Error::WrongType`] if a key holds neither a
    /// sorted set nor a set.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.sets().sadd("s", ["y", "z"])?;
    /// assert_eq!(store.zsets().zunion(["a", "s"])?, ["x", "z", "y"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zunion_withscores(keys)?))
    }

    /// [`zunion`](Self::zunion) with scores (`ZUNION … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// store.zsets().zadd("b", [("x", 2.0)])?;
    /// assert_eq!(store.zsets().zunion_withscores(["a", "b"])?, [("x".into(), 3.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zunion_with(keys, &CombineOptions::new())
    }

    /// [`zunion_withscores`](Self::zunion_withscores) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Errors
    ///
    /// As [`zunion`](Self::zunion), and [`Error::Syntax`] if the number of weights is
    /// not the number of keys, [`Error::WeightNotFloat`] for a NaN weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 4.0)])?;
    /// store.zsets().zadd("b", [("x", 3.0)])?;
    /// let max = CombineOptions::new().aggregate(Aggregate::Max);
    /// assert_eq!(store.zsets().zunion_with(["a", "b"], &max)?, [("x".into(), 3.0), ("y".into(), 4.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunion_with<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Union, &keys, options)
    }

    /// The members in every one of `keys`, by score (`ZINTER`); scores summed.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zinter(["a", "b"])?, ["y"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zinter_withscores(keys)?))
    }

    /// [`zinter`](Self::zinter) with scores (`ZINTER … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zinter_withscores(["a", "b"])?, [("y".into(), 7.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        self.zinter_with(keys, &CombineOptions::new())
    }

    /// [`zinter_withscores`](Self::zinter_withscores) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::CombineOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// let w = CombineOptions::new().weights([2.0, 0.0]);
    /// assert_eq!(store.zsets().zinter_with(["a", "b"], &w)?, [("y".into(), 4.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinter_with<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Inter, &keys, options)
    }

    /// The members of the first of `keys` in none of the others, by score (`ZDIFF`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// store.zsets().zadd("b", [("y", 5.0)])?;
    /// assert_eq!(store.zsets().zdiff(["a", "b"])?, ["x"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiff<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<Vec<Blob>> {
        Ok(members_of(self.zdiff_withscores(keys)?))
    }

    /// [`zdiff`](Self::zdiff) with scores (`ZDIFF … WITHSCORES`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0)])?;
    /// assert_eq!(store.zsets().zdiff_withscores(["a", "missing"])?, [("x".into(), 1.0), ("y".into(), 2.0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiff_withscores<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(Blob, f64)>> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.compute(Op::Diff, &keys, &CombineOptions::new())
    }

    /// Stores the union of `keys` at `dst` and returns its size (`ZUNIONSTORE`). An
    /// empty result deletes `dst`. Atomic.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zunionstore("u", ["a", "b"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunionstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        self.zunionstore_with(dst, keys, &CombineOptions::new())
    }

    /// [`zunionstore`](Self::zunionstore) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::CombineOptions;
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0)])?;
    /// assert_eq!(store.zsets().zunionstore_with("u", ["a"], &CombineOptions::new().weights([5.0]))?, 1);
    /// assert_eq!(store.zsets().zscore("u", "x")?, Some(5.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zunionstore_with<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Union, dst.as_ref(), &keys, options)
    }

    /// Stores the intersection of `keys` at `dst` and returns its size
    /// (`ZINTERSTORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zinterstore("i", ["a", "b"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinterstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        self.zinterstore_with(dst, keys, &CombineOptions::new())
    }

    /// [`zinterstore`](Self::zinterstore) with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Aggregate, CombineOptions};
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// let max = CombineOptions::new().aggregate(Aggregate::Max);
    /// assert_eq!(store.zsets().zinterstore_with("i", ["a", "b"], &max)?, 1);
    /// assert_eq!(store.zsets().zscore("i", "y")?, Some(2.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zinterstore_with<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
        options: &CombineOptions,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Inter, dst.as_ref(), &keys, options)
    }

    /// Stores the difference of `keys` at `dst` and returns its size (`ZDIFFSTORE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 1.0)])?;
    /// store.zsets().zadd("b", [("y", 2.0)])?;
    /// assert_eq!(store.zsets().zdiffstore("d", ["a", "b"])?, 1);
    /// assert_eq!(store.zsets().zrange("d", 0, -1)?, ["x"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zdiffstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        self.store_result(Op::Diff, dst.as_ref(), &keys, &CombineOptions::new())
    }

    /// The size of the intersection of `keys`, counting stopped at `limit` (0: no
    /// limit) (`ZINTERCARD`).
    ///
    /// # Errors
    ///
    /// [`Error::NoInputKeys`] for no keys; [`Error::WrongType`] if a key holds neither
    /// a sorted set nor a set.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("a", [("x", 1.0), ("y", 2.0), ("z", 3.0)])?;
    /// store.sets().sadd("s", ["x", "y", "z"])?;
    /// assert_eq!(store.zsets().zintercard(["a", "s"], 0)?, 3);
    /// assert_eq!(store.zsets().zintercard(["a", "s"], 2)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zintercard<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
        limit: usize,
    ) -> Result<usize> {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::NoInputKeys("zintercard"));
        }
        let limit = if limit == 0 { usize::MAX } else { limit };
        self.ks().read_many(&self.located(&keys), |many| {
            let inputs = (0..keys.len())
                .map(|n| Operand::of(many.get(n)))
                .collect::<Result<Vec<_>>>()?;
            let Some(smallest) = (0..inputs.len()).min_by_key(|&i| inputs[i].len()) else {
                return Ok(0);
            };
            let mut n = 0;
            inputs[smallest].for_each(|m, _| {
                if n < limit && m.with_bytes(|b| inputs.iter().all(|o| o.score(b).is_some())) {
                    n += 1;
                }
            });
            Ok(n)
        })
    }
}
