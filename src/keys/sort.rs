//! `SORT` and `SORT_RO` (Redis's `sort.c`): the elements of a list, set or sorted set,
//! ordered by their own value or by weights found in other keys, with `GET` patterns
//! to fetch related values, and `STORE` to keep the result as a list.
//!
//! # How it runs
//!
//! A sort goes in three steps, as in Redis: load the elements (a list or a sorted set
//! not sorted — `BY` a pattern without `*` — loads only the `LIMIT` window, in its own
//! order), weigh and sort them, then emit the window with its `GET` values.
//!
//! A pattern with `*` (`BY weight_*`, `GET data_*->field`) names other keys for each
//! element, which no one can list beforehand: such a sort holds every shard of its
//! database for its run, so that what it reads and stores is one instant. A sort that
//! reads only its key locks that key's shard (and its destination's, with `STORE`).

use std::cmp::Ordering;

use super::Keys;
use crate::keyspace::{Access, Deadline, EntryMut, notify};
use crate::number::parse_sort_double;
use crate::qsort;
use crate::value::{Elem, ListValue, SortedSet, Value, ValueRef};
use crate::{Blob, Error, Result};

/// What [`Keys::sort`] does: the weights (`BY`), the window (`LIMIT`), the values
/// fetched (`GET`), the direction (`ASC`/`DESC`) and the comparison (`ALPHA`).
///
/// By default elements sort as numbers, ascending, and are returned themselves.
///
/// # Examples
///
/// ```
/// use embedis::{SortOptions, Store};
/// let store = Store::new();
/// store.lists().rpush("ids", ["3", "1", "2"])?;
/// store.strings().mset([("name_1", "ann"), ("name_2", "bob"), ("name_3", "cy")])?;
/// let names = store.keys().sort("ids", &SortOptions::new().desc().get("name_*"))?;
/// assert_eq!(names, [Some("cy".into()), Some("bob".into()), Some("ann".into())]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortOptions {
    by: Option<Vec<u8>>,
    /// A `BY` without `*` was given: nothing is sorted, whatever `BY` follows.
    nosort: bool,
    limit: Option<(i64, i64)>,
    get: Vec<Vec<u8>>,
    desc: bool,
    alpha: bool,
}

impl SortOptions {
    /// Numeric, ascending, the elements themselves, no window.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("s", ["10", "9", "100"])?;
    /// let sorted = store.keys().sort("s", &embedis::SortOptions::new())?;
    /// assert_eq!(sorted, [Some("9".into()), Some("10".into()), Some("100".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        SortOptions::default()
    }

    /// Weighs each element by the value at `pattern` with its first `*` replaced by the
    /// element (`BY`): a string key, or a hash field written `key_*->field`. A missing
    /// weight counts as 0 (as the smallest with [`alpha`](Self::alpha)). A pattern
    /// without `*` means no sorting at all (see [`nosort`](Self::nosort)), even if
    /// another `BY` follows, as in Redis; else the last `BY` wins.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("users", ["ann", "bob"])?;
    /// store.hashes().hset("user:ann", [("age", "40")])?;
    /// store.hashes().hset("user:bob", [("age", "31")])?;
    /// let by_age = store.keys().sort("users", &SortOptions::new().by("user:*->age").alpha())?;
    /// assert_eq!(by_age, [Some("bob".into()), Some("ann".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn by(mut self, pattern: impl AsRef<[u8]>) -> Self {
        let pattern = pattern.as_ref();
        self.nosort |= !c_str(pattern).contains(&b'*');
        self.by = Some(pattern.to_vec());
        self
    }

    /// Does not sort (Redis's `BY nosort`): a list or sorted set keeps its own order
    /// ([`desc`](Self::desc) reverses it), handy with [`get`](Self::get) and
    /// [`limit`](Self::limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("l", ["b", "a", "c"])?;
    /// let tail = store.keys().sort("l", &SortOptions::new().nosort().limit(1, 5))?;
    /// assert_eq!(tail, [Some("a".into()), Some("c".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn nosort(self) -> Self {
        self.by("nosort")
    }

    /// Returns only `count` elements from `offset` of the sorted order (`LIMIT`); a
    /// negative `count` means all the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("l", ["5", "3", "4", "1"])?;
    /// let page = store.keys().sort("l", &SortOptions::new().limit(1, 2))?;
    /// assert_eq!(page, [Some("3".into()), Some("4".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }

    /// Returns, for each element, the value at `pattern` (`GET`, repeatable): `*`
    /// replaced by the element, `key_*->field` for a hash field, `#` for the element
    /// itself; `None` where there is no such string or field. With several, each
    /// element contributes one value per pattern, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("l", ["2", "1"])?;
    /// store.strings().set("v_1", "one")?;
    /// let got = store.keys().sort("l", &SortOptions::new().get("#").get("v_*"))?;
    /// assert_eq!(got, [Some("1".into()), Some("one".into()), Some("2".into()), None]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn get(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.get.push(pattern.as_ref().to_vec());
        self
    }

    /// Sorts in descending order (`DESC`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("l", ["1", "3", "2"])?;
    /// let down = store.keys().sort("l", &SortOptions::new().desc())?;
    /// assert_eq!(down, [Some("3".into()), Some("2".into()), Some("1".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn desc(mut self) -> Self {
        self.desc = true;
        self
    }

    /// Sorts in ascending order (`ASC`, the default; undoes [`desc`](Self::desc)).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = embedis::SortOptions::new().desc().asc();
    /// assert_eq!(options, embedis::SortOptions::new());
    /// ```
    #[must_use]
    pub fn asc(mut self) -> Self {
        self.desc = false;
        self
    }

    /// Compares as strings, byte by byte, rather than as numbers (`ALPHA`).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.lists().rpush("l", ["b", "a", "10", "9"])?;
    /// let sorted = store.keys().sort("l", &SortOptions::new().alpha())?;
    /// assert_eq!(sorted, [Some("10".into()), Some("9".into()), Some("a".into()), Some("b".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[must_use]
    pub fn alpha(mut self) -> Self {
        self.alpha = true;
        self
    }

    /// Whether nothing is sorted: `BY` a pattern without `*`.
    fn dontsort(&self) -> bool {
        self.nosort
    }

    /// In cluster mode, what Redis Cluster refuses: `BY` a pattern with `*`, and `GET`.
    fn check_cluster(&self, cluster: bool) -> Result<()> {
        if !cluster {
            return Ok(());
        }
        if self.by.as_deref().is_some_and(|p| c_str(p).contains(&b'*')) {
            return Err(Error::ClusterMode(
                "BY option of SORT denied in Cluster mode.",
            ));
        }
        if !self.get.is_empty() {
            return Err(Error::ClusterMode(
                "GET option of SORT denied in Cluster mode.",
            ));
        }
        Ok(())
    }

    /// Whether the sort reads keys other than the one sorted.
    fn reaches_other_keys(&self) -> bool {
        let reaches = |p: &[u8]| matches!(target(p, b""), Target::Key(..));
        (!self.dontsort() && self.by.as_deref().is_some_and(reaches))
            || self.get.iter().any(|p| reaches(p))
    }
}

/// The text before the first NUL byte: what C's `strchr` and `strcmp` see of a pattern.
fn c_str(s: &[u8]) -> &[u8] {
    &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())]
}

/// What a pattern names for one element (`lookupKeyByPattern`).
enum Target<'p> {
    /// `#`: the element itself.
    Itself,
    /// No `*`: nothing.
    Nothing,
    /// A string key, or (with a field) a hash field.
    Key(Vec<u8>, Option<&'p [u8]>),
}

fn target<'p>(pattern: &'p [u8], elem: &[u8]) -> Target<'p> {
    let c = c_str(pattern);
    if c == b"#" {
        return Target::Itself;
    }
    let Some(star) = c.iter().position(|&b| b == b'*') else {
        return Target::Nothing;
    };
    // `->` after the `*`, with something after it, makes the rest a hash field.
    let arrow = c[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < c.len());
    let (postfix, field) = match arrow {
        Some(f) => (&pattern[star + 1..f], Some(&pattern[f + 2..])),
        None => (&pattern[star + 1..], None),
    };
    let mut key = Vec::with_capacity(pattern.len() + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(postfix);
    Target::Key(key, field)
}

/// Reads a pattern's key for [`lookup`]: the string at a key, or a hash field.
type Fetch<'f> = dyn FnMut(&[u8], Option<&[u8]>) -> Result<Option<Blob>> + 'f;

/// The string at `key` in `db`, or with `field` the hash field.
fn fetch(ks: Access<'_>, db: usize, key: &[u8], field: Option<&[u8]>) -> Result<Option<Blob>> {
    ks.read(db, key, |v| {
        Ok(match (v, field) {
            (Some(ValueRef::Str(s)), None) => Some(s.to_blob()),
            (Some(ValueRef::Hash(h)), Some(f)) => h.get(f).map(Elem::to_blob),
            _ => None,
        })
    })
}

/// The value `pattern` names for `elem` (`lookupKeyByPattern`).
fn lookup(pattern: &[u8], elem: &Blob, fetch: &mut Fetch<'_>) -> Result<Option<Blob>> {
    match target(pattern, elem) {
        Target::Itself => Ok(Some(elem.clone())),
        Target::Nothing => Ok(None),
        Target::Key(key, field) => fetch(&key, field),
    }
}

/// For a sort that reaches no other key: its patterns name none.
fn no_key(_: &[u8], _: Option<&[u8]>) -> Result<Option<Blob>> {
    Ok(None)
}

/// The elements loaded from the key, and the window of them to emit.
struct Loaded {
    elems: Vec<Blob>,
    start: i64,
    end: i64,
    sort: bool,
    alpha: bool,
    by: bool,
}

/// `x` as an integer of the same order (no NaN comes here; -0 and 0 are equal, as
/// Redis compares them).
fn ordered_bits(x: f64) -> u64 {
    let bits = if x == 0.0 { 0 } else { x.to_bits() };
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The first and last position to emit from `len` sorted elements, as Redis clamps
/// `LIMIT` (an empty window has `end < start`).
fn window(len: i64, limit: Option<(i64, i64)>) -> (i64, i64) {
    let (offset, count) = limit.unwrap_or((0, -1));
    let mut start = offset.clamp(0, len);
    let count = count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    (start, end.min(len - 1))
}

/// Loads the elements of `value` to sort (`sortCommandGeneric`'s first half).
fn load(value: Option<ValueRef<'_>>, o: &SortOptions, store: bool) -> Result<Loaded> {
    let mut sort = !o.dontsort();
    let mut alpha = o.alpha;
    let mut by = sort && o.by.is_some();
    let len = match value {
        None => 0,
        Some(ValueRef::List(l)) => l.len(),
        Some(ValueRef::Set(s)) => s.len(),
        Some(ValueRef::ZSet(z)) => z.len(),
        Some(_) => return Err(Error::WrongType),
    };
    // A set not sorted has no order of its own: stored, it is sorted as strings.
    if !sort && store && matches!(value, Some(ValueRef::Set(_))) {
        (sort, alpha, by) = (true, true, false);
    }
    let (mut start, mut end) = window(i64::try_from(len).unwrap_or(i64::MAX), o.limit);
    let take = usize::try_from(end - start + 1).unwrap_or(0);
    let from = usize::try_from(start).unwrap_or(0);
    let mut elems = Vec::new();
    match value {
        Some(ValueRef::List(l)) if !sort && end >= start => {
            elems.reserve(take);
            if o.desc {
                elems.extend(l.iter().rev().skip(from).take(take).map(Elem::to_blob));
            } else {
                elems.extend(l.iter_from(from).take(take).map(Elem::to_blob));
            }
            end -= start;
            start = 0;
        }
        Some(ValueRef::List(_)) if !sort => {}
        Some(ValueRef::ZSet(z)) if !sort => {
            elems.reserve(take);
            let ranks = if o.desc {
                len - from - take..len - from
            } else {
                from..from + take
            };
            z.visit(ranks, o.desc, |m, _| elems.push(Blob::copy_from_slice(m)));
            end -= start;
            start = 0;
        }
        Some(ValueRef::List(l)) => elems.extend(l.iter().map(Elem::to_blob)),
        Some(ValueRef::Set(s)) => elems.extend(s.members().map(Elem::to_blob)),
        Some(ValueRef::ZSet(z)) => {
            elems.reserve(len);
            z.for_each(|m, _| elems.push(Blob::copy_from_slice(m)));
        }
        _ => {}
    }
    Ok(Loaded {
        elems,
        start,
        end,
        sort,
        alpha,
        by,
    })
}

/// The order of `elems` by number (`sortCompare` without `ALPHA`), as their positions:
/// each weighed by its own value or the one `by` names.
fn by_number(
    elems: &[Blob],
    by: Option<&[u8]>,
    desc: bool,
    fetch: &mut Fetch<'_>,
) -> Result<Vec<usize>> {
    let mut keyed: Vec<(u64, usize)> = Vec::with_capacity(elems.len());
    let mut not_a_number = false;
    for (i, elem) in elems.iter().enumerate() {
        let found = match by {
            Some(pattern) => lookup(pattern, elem, fetch)?,
            None => None,
        };
        let score = match (by, found) {
            // A missing weight is 0.
            (Some(_), None) => 0.0,
            (_, found) => {
                parse_sort_double(found.as_deref().unwrap_or(elem)).unwrap_or_else(|| {
                    not_a_number = true;
                    0.0
                })
            }
        };
        // Scores sort as integers that order as they do, beside their positions.
        let bits = ordered_bits(score);
        keyed.push((if desc { !bits } else { bits }, i));
    }
    // Every weight is looked up (and any expired key met deleted) before the error.
    if not_a_number {
        return Err(Error::SortNotDouble);
    }
    keyed.sort_unstable();
    // Equal scores tie-break on the element's bytes. Elements that compare equal are
    // equal, and any order of them makes the same reply.
    for tied in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if tied.len() > 1 {
            tied.sort_unstable_by(|&(_, i), &(_, j)| {
                let order = elems[i].cmp(&elems[j]);
                if desc { order.reverse() } else { order }
            });
        }
    }
    Ok(keyed.into_iter().map(|(_, i)| i).collect())
}

/// The order of `elems` as text (`ALPHA`), as their positions: by their own bytes or
/// the strings `by` names, a missing one first. `window` is what will be emitted.
fn by_text(
    elems: &[Blob],
    by: Option<&[u8]>,
    (desc, store): (bool, bool),
    window: (i64, i64),
    fetch: &mut Fetch<'_>,
) -> Result<Vec<usize>> {
    let mut order: Vec<usize> = (0..elems.len()).collect();
    let directed = |ord: Ordering| if desc { ord.reverse() } else { ord };
    // STORE compares bytes; a reply collates, which for the C locale is strcmp: up to
    // the first NUL.
    let text_order = |a: &[u8], b: &[u8]| {
        if store {
            a.cmp(b)
        } else {
            c_str(a).cmp(c_str(b))
        }
    };
    // Text may tie between different elements, which then keep their loaded order
    // (glibc's qsort is a stable merge sort).
    let Some(pattern) = by else {
        order.sort_by(|&i, &j| directed(text_order(&elems[i], &elems[j])));
        return Ok(order);
    };
    let mut weights = Vec::with_capacity(elems.len());
    for elem in elems {
        weights.push(lookup(pattern, elem, fetch)?);
    }
    let compare = |&i: &usize, &j: &usize| {
        directed(match (&weights[i], &weights[j]) {
            (Some(x), Some(y)) => text_order(x, y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        })
    };
    let (start, end) = window;
    let whole = start == 0 && end == i64::try_from(elems.len()).unwrap_or(i64::MAX) - 1;
    match (usize::try_from(start), usize::try_from(end)) {
        // A window short of the whole: Redis's partial sort, whose order among ties is
        // its own.
        (Ok(first), Ok(last)) if !whole && last >= first => {
            qsort::pqsort_by(&mut order, compare, first, last);
        }
        _ => order.sort_by(compare),
    }
    Ok(order)
}

/// Weighs, sorts and emits `loaded` (`sortCommandGeneric`'s second half): the values to
/// reply with or store, a missing `GET` value as `None` (stored as an empty string).
fn finish(
    loaded: Loaded,
    o: &SortOptions,
    store: bool,
    fetch: &mut Fetch<'_>,
) -> Result<Vec<Option<Blob>>> {
    let Loaded {
        mut elems,
        start,
        end,
        sort,
        alpha,
        by,
    } = loaded;
    let by = o.by.as_deref().filter(|_| by);
    // The order, as positions in `elems`.
    let order = match (sort, alpha) {
        (false, _) => (0..elems.len()).collect(),
        (true, false) => by_number(&elems, by, o.desc, fetch)?,
        (true, true) => by_text(&elems, by, (o.desc, store), (start, end), fetch)?,
    };
    let mut out = Vec::new();
    if end >= start {
        let window = usize::try_from(start).unwrap_or(0)..=usize::try_from(end).unwrap_or(0);
        let window = &order[window];
        out.reserve(window.len() * o.get.len().max(1));
        for &i in window {
            for pattern in &o.get {
                let found = lookup(pattern, &elems[i], fetch)?;
                out.push(if store {
                    Some(found.unwrap_or_default())
                } else {
                    found
                });
            }
            if o.get.is_empty() {
                // Each position is emitted once.
                out.push(Some(std::mem::take(&mut elems[i])));
            }
        }
    }
    Ok(out)
}

/// Makes a small sorted set at `key` a skiplist before it is sorted, as Redis's `SORT`
/// does (`zsetConvert`): a change of form, which no watcher hears and the log does not
/// record. A store refusing writes (a failing log) leaves it as it is.
fn as_skiplist(ks: Access<'_>, db: usize, key: &[u8]) {
    let small = ks
        .peek(db, key, |v| {
            Ok(matches!(v, Some((ValueRef::ZSet(z), _)) if z.is_small()))
        })
        .unwrap_or(false);
    if small {
        let _ = ks.write(db, key, |e| {
            e.unsignalled(|e| {
                e.update_existing::<SortedSet, _>(|z| {
                    z.grow();
                    Ok(())
                })
            })
        });
    }
}

/// Replaces `entry` with the list `values` (deletes it for none); returns its length.
fn store_list(entry: &mut EntryMut<'_>, values: Vec<Option<Blob>>) -> usize {
    let n = values.len();
    let key = entry.key();
    if n == 0 {
        entry.remove_as_del();
        return 0;
    }
    let values: Vec<Blob> = values.into_iter().map(Option::unwrap_or_default).collect();
    // The effect: the destination replaced by the list stored.
    entry.propagate(|r| {
        r.arg("DEL").arg(key);
    });
    entry.propagate(|r| {
        r.arg("RPUSH").arg(key).args(values.iter());
    });
    let list = ListValue::from_elems(values.iter().map(Elem::Blob));
    entry.put(Value::List(list), Deadline::Clear);
    entry.notify(notify::LIST, "sortstore");
    n
}

/// `SORT` and `SORT_RO`.
impl Keys<'_> {
    /// The elements of the list, set or sorted set at `key`, sorted as `options` says
    /// (`SORT`, `SORT_RO`); an empty result for a missing key. Each element is `Some`
    /// unless [`SortOptions::get`] found nothing for it.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds anything but a list, a set or a sorted set;
    /// [`Error::SortNotDouble`] if a numeric sort meets a weight that is not a number.
    /// In a [`Transaction`](crate::Transaction), a pattern reaching a key it did not
    /// name is [`Error::KeyNotInTransaction`]. In [cluster
    /// mode](crate::StoreBuilder::cluster_mode), `BY` a pattern with `*` or any `GET` is
    /// [`Error::ClusterMode`], as Redis Cluster refuses them.
    ///
    /// # Complexity
    ///
    /// O(n log n) for n elements, plus a look-up per element and pattern.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.zsets().zadd("z", [("b", 1.0), ("a", 2.0)])?;
    /// let sorted = store.keys().sort("z", &SortOptions::new().alpha())?;
    /// assert_eq!(sorted, [Some("a".into()), Some("b".into())]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sort(&self, key: impl AsRef<[u8]>, options: &SortOptions) -> Result<Vec<Option<Blob>>> {
        let (key, db) = (key.as_ref(), self.db);
        options.check_cluster(self.ks.keyspace().cluster())?;
        if options.reaches_other_keys() {
            return self.ks.holding_db(db, |ks| {
                as_skiplist(ks, db, key);
                let loaded = ks.read(db, key, |v| load(v, options, false))?;
                finish(loaded, options, false, &mut |k, f| fetch(ks, db, k, f))
            });
        }
        as_skiplist(self.ks, db, key);
        self.ks.read(db, key, |v| {
            let loaded = load(v, options, false)?;
            finish(loaded, options, false, &mut no_key)
        })
    }

    /// Sorts as [`sort`](Self::sort) does and stores the result as a list at `dest`,
    /// replacing what it held and its TTL (`SORT … STORE`); returns the list's length.
    /// An empty result deletes `dest`. A missing `GET` value is stored as an empty
    /// string. Callers blocked on `dest` are served.
    ///
    /// # Errors
    ///
    /// As [`sort`](Self::sort); nothing is stored on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{SortOptions, Store};
    /// let store = Store::new();
    /// store.sets().sadd("s", ["3", "1", "2"])?;
    /// assert_eq!(store.keys().sort_store("s", "sorted", &SortOptions::new())?, 3);
    /// assert_eq!(store.lists().lrange("sorted", 0, -1)?, ["1", "2", "3"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sort_store(
        &self,
        key: impl AsRef<[u8]>,
        dest: impl AsRef<[u8]>,
        options: &SortOptions,
    ) -> Result<usize> {
        let (key, dest, db) = (key.as_ref(), dest.as_ref(), self.db);
        options.check_cluster(self.ks.keyspace().cluster())?;
        self.ks.admit()?;
        if options.reaches_other_keys() {
            return self.ks.holding_db(db, |ks| {
                as_skiplist(ks, db, key);
                let loaded = ks.read(db, key, |v| load(v, options, true))?;
                let values = finish(loaded, options, true, &mut |k, f| fetch(ks, db, k, f))?;
                ks.write(db, dest, |e| Ok(store_list(e, values)))
            });
        }
        as_skiplist(self.ks, db, key);
        self.ks.write_many(&[(db, dest), (db, key)], |many| {
            many.note_misses([1]);
            let loaded = load(many.get(1), options, true)?;
            let values = finish(loaded, options, true, &mut no_key)?;
            Ok(store_list(&mut many.entry(0), values))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_clamp_as_redis_does() {
        assert_eq!(window(5, None), (0, 4));
        assert_eq!(window(5, Some((1, 2))), (1, 2));
        assert_eq!(window(5, Some((-3, 2))), (0, 1));
        assert_eq!(window(5, Some((3, -7))), (3, 4));
        assert_eq!(window(5, Some((3, 100))), (3, 4));
        assert_eq!(window(5, Some((9, 1))), (4, 3));
        assert_eq!(window(5, Some((2, 0))), (2, 1));
        assert_eq!(window(0, None), (-1, -2));
        assert_eq!(window(3, Some((i64::MAX, i64::MAX))), (2, 1));
        assert_eq!(window(3, Some((i64::MIN, i64::MIN))), (0, 2));
    }

    #[test]
    fn scores_order_as_their_bits() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.5,
            -f64::MIN_POSITIVE,
            0.0,
            1e-300,
            2.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(ordered_bits(w[0]) < ordered_bits(w[1]), "{w:?}");
        }
        assert_eq!(ordered_bits(-0.0), ordered_bits(0.0));
    }

    #[test]
    fn patterns_name_keys_and_fields() {
        let key = |p: &'static [u8], e: &[u8]| match target(p, e) {
            Target::Key(k, f) => Some((k, f.map(<[u8]>::to_vec))),
            Target::Itself => Some((b"#".to_vec(), None)),
            Target::Nothing => None,
        };
        assert_eq!(key(b"w_*", b"1"), Some((b"w_1".to_vec(), None)));
        assert_eq!(
            key(b"h_*_x->f", b"1"),
            Some((b"h_1_x".to_vec(), Some(b"f".to_vec())))
        );
        // Only the first `*` is replaced; `->` with nothing after is part of the key.
        assert_eq!(key(b"*-*->", b"a"), Some((b"a-*->".to_vec(), None)));
        assert_eq!(key(b"->*", b"a"), Some((b"->a".to_vec(), None)));
        assert_eq!(key(b"#", b"a"), Some((b"#".to_vec(), None)));
        assert_eq!(key(b"#\0x", b"a"), Some((b"#".to_vec(), None)));
        assert_eq!(key(b"nosort", b"a"), None);
        // A `*` after a NUL byte is not seen, as by `strchr`.
        assert_eq!(key(b"k\0*", b"a"), None);
    }

    #[test]
    fn other_keys_are_reached_only_through_star_patterns() {
        assert!(!SortOptions::new().reaches_other_keys());
        assert!(!SortOptions::new().nosort().get("#").reaches_other_keys());
        assert!(!SortOptions::new().get("plain").reaches_other_keys());
        assert!(SortOptions::new().by("w_*").reaches_other_keys());
        assert!(SortOptions::new().get("v_*").reaches_other_keys());
    }
}
