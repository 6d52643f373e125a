//! HyperLogLog commands (Redis's `hyperloglog.c`): approximate counting of distinct
//! elements in 12 KB at most, with a standard error of 0.81%.
//!
//! | Redis | method |
//! |---|---|
//! | `PFADD` | [`pfadd`](HyperLogLogs::pfadd) |
//! | `PFCOUNT` | [`pfcount`](HyperLogLogs::pfcount) |
//! | `PFMERGE` | [`pfmerge`](HyperLogLogs::pfmerge) |
//! | `PFDEBUG`, `PFSELFTEST` | the command interface only |
//!
//! A HyperLogLog is a string holding exactly the bytes Redis would hold (see
//! `value/hll.rs`): `GET` shows them, and a HyperLogLog written by redis-server
//! (`SET` of its bytes, `RESTORE`, a snapshot) works here. `PFCOUNT` of one key stores
//! the cardinality it computes in the string's header, as Redis does, so it is a
//! change to the key (`WATCH` sees it, the append-only log records it) when the cached
//! value was stale.

// "HyperLogLog" is a name, not an identifier to put in backticks.

use bytes::BytesMut;
use smallvec::SmallVec;

use crate::keyspace::{Access, notify};
use crate::value::hll::{self, Encoding};
use crate::value::{StrRef, opt_str};
use crate::{Error, Result};

/// Commands on HyperLogLog values, in one database. From
/// [`Store::hyperloglogs`](crate::Store::hyperloglogs).
///
/// A handle is a borrowed view of the store: it holds no lock between calls.
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let hll = store.hyperloglogs();
/// hll.pfadd("page:1", (0..1000).map(|i| format!("user{i}")))?;
/// // An estimate (redis-server answers the same number).
/// assert_eq!(hll.pfcount(["page:1"])?, 1011);
/// // The value is Redis's own representation: a string beginning with "HYLL".
/// assert!(store.strings().get("page:1")?.unwrap().starts_with(b"HYLL"));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct HyperLogLogs<'s> {
    ks: Access<'s>,
    db: usize,
}

/// A `PFDEBUG` subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PfDebug {
    /// `GETREG`: every register (a sparse HyperLogLog is made dense first).
    GetReg,
    /// `DECODE`: the sparse opcodes as text.
    Decode,
    /// `ENCODING`: `sparse` or `dense`.
    Encoding,
    /// `TODENSE`: makes the HyperLogLog dense.
    ToDense,
    /// A subcommand Redis does not know (checked after the key, as Redis does).
    Unknown,
}

/// What `PFDEBUG` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DebugReply {
    /// The key does not exist.
    NoKey,
    /// `GETREG`'s registers.
    Registers(Vec<u8>),
    /// `DECODE`'s text, or `None` if the HyperLogLog is dense.
    Decoded(Option<String>),
    /// `ENCODING`'s name.
    Encoding(&'static str),
    /// `TODENSE`: whether it converted.
    Converted(bool),
    /// An unknown subcommand.
    Unknown,
}

/// The HyperLogLog `s` holds: its encoding, [`Error::WrongType`] for another type,
/// [`Error::NotHll`] for a string that is not one (Redis's `isHLLObjectOrReply`).
fn check(s: Option<StrRef<'_>>) -> Result<Option<Encoding>> {
    s.map(|s| hll::encoding(s.bytes())).transpose()
}

impl<'s> HyperLogLogs<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        HyperLogLogs { ks, db }
    }

    /// Adds `elements` to the HyperLogLog at `key`, creating it (even with no
    /// elements); `true` if the key was created or a register changed, that is, if the
    /// estimated cardinality may have changed (`PFADD`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string, [`Error::NotHll`] if it holds
    /// a string that is not a HyperLogLog, [`Error::CorruptHll`] if its sparse registers
    /// are damaged (the elements before the damage was found stay added, as in Redis).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let hll = store.hyperloglogs();
    /// assert!(hll.pfadd("visitors", ["ann", "bob"])?);
    /// assert!(!hll.pfadd("visitors", ["ann"])?);
    /// assert_eq!(hll.pfcount(["visitors"])?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pfadd(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<bool> {
        let elements: SmallVec<[_; 4]> = elements.into_iter().collect();
        let patterns: SmallVec<[(usize, u8); 4]> =
            elements.iter().map(|e| hll::pattern(e.as_ref())).collect();
        let max_bytes = self.ks.hll_sparse_max_bytes();
        self.ks.admit()?;
        // The common case of a large HyperLogLog, elements that raise no register, is
        // answered under the shard's read lock: nothing changes, nothing is recorded.
        // (Refusals a write would meet come first: a failed log or snapshot.)
        if !self.ks.in_transaction() {
            self.ks.keyspace().feed().check()?;
            let unchanged = self.ks.peek(self.db, key.as_ref(), |v| {
                Ok(v.and_then(|(v, _)| v.as_str().ok()).is_some_and(|s| {
                    hll::encoding(s.bytes()) == Ok(Encoding::Dense)
                        && !patterns
                            .iter()
                            .any(|&p| hll::dense_would_raise(s.bytes(), p))
                }))
            })?;
            if unchanged {
                return Ok(false);
            }
        }
        self.ks.write(self.db, key.as_ref(), |e| {
            match check(e.str()?)? {
                Some(Encoding::Dense) => {
                    let raises = e.str()?.is_some_and(|s| {
                        patterns
                            .iter()
                            .any(|&p| hll::dense_would_raise(s.bytes(), p))
                    });
                    if !raises {
                        return Ok(false);
                    }
                    e.update_str(|buf| {
                        for &(index, count) in &patterns {
                            // A dense HyperLogLog takes every value.
                            let _ = hll::raise(buf, index, count, max_bytes);
                        }
                        hll::invalidate(buf);
                    })?;
                }
                Some(Encoding::Sparse) => {
                    // Edited on a copy: unchanged, the key is not written at all.
                    let mut buf = e
                        .str()?
                        .map(|s| BytesMut::from(s.bytes()))
                        .unwrap_or_default();
                    let mut changed = false;
                    for &(index, count) in &patterns {
                        match hll::raise(&mut buf, index, count, max_bytes) {
                            Ok(c) => changed |= c,
                            Err(err) => {
                                // Redis edits in place: what was added stays, and
                                // with no signal to watchers.
                                if e.str()?.is_some_and(|s| s.bytes() != &buf[..]) {
                                    e.unsignalled(|e| e.update_str(|b| *b = buf))?;
                                }
                                return Err(err);
                            }
                        }
                    }
                    if !changed {
                        return Ok(false);
                    }
                    hll::invalidate(&mut buf);
                    e.update_str(|b| *b = buf)?;
                }
                None => {
                    let mut buf = hll::new();
                    for &(index, count) in &patterns {
                        hll::raise(&mut buf, index, count, max_bytes)?;
                    }
                    hll::invalidate(&mut buf);
                    e.update_str(|b| *b = buf)?;
                }
            }
            e.notify(notify::STRING, "pfadd");
            let key = e.key();
            e.propagate(|r| {
                r.arg("PFADD")
                    .arg(key)
                    .args(elements.iter().map(AsRef::as_ref));
            });
            Ok(true)
        })
    }

    /// The estimated number of distinct elements added to the HyperLogLog at the one
    /// key given, or to the union of several (`PFCOUNT`); a missing key counts as an
    /// empty HyperLogLog.
    ///
    /// With one key the cardinality is cached in the key's header: when the cache is
    /// stale it is computed and stored, a change to the key (as in Redis). The union of
    /// several keys changes none of them.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`], [`Error::NotHll`] or [`Error::CorruptHll`] for the first
    /// key (in the order given) that is not a valid HyperLogLog.
    ///
    /// # Complexity
    ///
    /// O(1) with one key whose cache is valid; otherwise O(N) in the keys, each a pass
    /// over its 2^14 registers.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let hll = store.hyperloglogs();
    /// hll.pfadd("a", ["x", "y"])?;
    /// hll.pfadd("b", ["y", "z"])?;
    /// assert_eq!(hll.pfcount(["a"])?, 2);
    /// assert_eq!(hll.pfcount(["a", "b", "missing"])?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pfcount(&self, keys: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Result<u64> {
        let keys: SmallVec<[_; 4]> = keys.into_iter().collect();
        if let [key] = &keys[..] {
            return self.count_one(key.as_ref());
        }
        let keys: Vec<(usize, &[u8])> = keys.iter().map(|k| (self.db, k.as_ref())).collect();
        self.ks.read_many(&keys, |many| {
            let mut max = vec![0u8; hll::REGISTERS];
            for n in 0..keys.len() {
                if let Some(s) = opt_str(many.get(n))? {
                    hll::merge(&mut max, s.bytes())?;
                }
            }
            Ok(hll::count_registers(&max))
        })
    }

    /// `PFCOUNT` of one key: the cached cardinality under a read lock, else computed
    /// and cached under the write lock.
    fn count_one(&self, key: &[u8]) -> Result<u64> {
        let cached = self.ks.read(self.db, key, |v| {
            let Some(s) = opt_str(v)? else {
                return Ok(Some(0));
            };
            hll::encoding(s.bytes())?;
            Ok(hll::cached(s.bytes()))
        })?;
        if let Some(card) = cached {
            return Ok(card);
        }
        self.ks.write(self.db, key, |e| {
            let Some(s) = e.str()? else {
                return Ok(0);
            };
            hll::encoding(s.bytes())?;
            if let Some(card) = hll::cached(s.bytes()) {
                return Ok(card);
            }
            let card = hll::count(s.bytes())?;
            e.update_str(|buf| hll::set_cached(buf, card))?;
            let key = e.key();
            e.propagate(|r| {
                r.arg("PFCOUNT").arg(key);
            });
            Ok(card)
        })
    }

    /// Merges the HyperLogLogs at `sources` into the one at `dest`, whose own registers
    /// take part, creating it if missing (`PFMERGE`). The result is dense if any input
    /// is; its key keeps its TTL.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`], [`Error::NotHll`] or [`Error::CorruptHll`] for the first
    /// of `dest` and then `sources` that is not a valid HyperLogLog; nothing changes
    /// then.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let hll = store.hyperloglogs();
    /// hll.pfadd("mon", ["ann", "bob"])?;
    /// hll.pfadd("tue", ["bob", "cid"])?;
    /// hll.pfmerge("week", ["mon", "tue"])?;
    /// assert_eq!(hll.pfcount(["week"])?, 3);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn pfmerge(
        &self,
        dest: impl AsRef<[u8]>,
        sources: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<()> {
        let sources: SmallVec<[_; 4]> = sources.into_iter().collect();
        let mut keys = vec![(self.db, dest.as_ref())];
        keys.extend(sources.iter().map(|k| (self.db, k.as_ref())));
        let max_bytes = self.ks.hll_sparse_max_bytes();
        self.ks.admit()?;
        self.ks.write_many(&keys, |many| {
            many.note_misses(0..keys.len());
            let mut max = vec![0u8; hll::REGISTERS];
            let mut dense = false;
            for n in 0..keys.len() {
                if let Some(s) = opt_str(many.get(n))? {
                    dense |= hll::encoding(s.bytes())? == Encoding::Dense;
                    hll::merge(&mut max, s.bytes())?;
                }
            }
            let mut dest = many.entry(0);
            let mut buf = match dest.str()? {
                Some(s) => BytesMut::from(s.bytes()),
                None => hll::new(),
            };
            if dense {
                hll::to_dense(&mut buf)?;
            }
            for (index, &count) in max.iter().enumerate() {
                if count != 0 {
                    // Every input was checked: the raise cannot fail.
                    let _ = hll::raise(&mut buf, index, count, max_bytes);
                }
            }
            hll::invalidate(&mut buf);
            dest.update_str(|b| *b = buf)?;
            dest.notify(notify::STRING, "pfadd");
            let key = dest.key();
            dest.propagate(|r| {
                r.arg("PFMERGE")
                    .arg(key)
                    .args(sources.iter().map(AsRef::as_ref));
            });
            Ok(())
        })
    }

    /// `PFDEBUG sub key`. `GETREG` and `TODENSE` make a sparse HyperLogLog dense, a
    /// change recorded as the command itself (as Redis propagates it).
    pub(crate) fn pfdebug(&self, sub: PfDebug, key: &[u8]) -> Result<DebugReply> {
        self.ks.write(self.db, key, |e| {
            let Some(s) = e.str()? else {
                return Ok(DebugReply::NoKey);
            };
            let encoding = hll::encoding(s.bytes())?;
            let reply = match sub {
                PfDebug::Encoding => DebugReply::Encoding(encoding.name()),
                PfDebug::Decode => DebugReply::Decoded(
                    (encoding == Encoding::Sparse).then(|| hll::decode(s.bytes())),
                ),
                PfDebug::GetReg | PfDebug::ToDense => {
                    let converted = encoding == Encoding::Sparse;
                    if converted {
                        let mut buf = BytesMut::from(s.bytes());
                        hll::to_dense(&mut buf)?;
                        let buf = buf;
                        // A change of form: counted and logged, but no watcher hears.
                        e.unsignalled(|e| e.update_str(|b| *b = buf))?;
                        let key = e.key();
                        let name = if sub == PfDebug::GetReg {
                            "GETREG"
                        } else {
                            "TODENSE"
                        };
                        e.propagate(|r| {
                            r.arg("PFDEBUG").arg(name).arg(key);
                        });
                    }
                    if sub == PfDebug::ToDense {
                        DebugReply::Converted(converted)
                    } else {
                        let s = e.str()?.ok_or_else(|| Error::CorruptHll)?;
                        DebugReply::Registers(hll::registers(s.bytes()))
                    }
                }
                PfDebug::Unknown => DebugReply::Unknown,
            };
            Ok(reply)
        })
    }

    /// `PFSELFTEST`: checks the register packing and the estimator (see
    /// `value/hll.rs`); the failure's text.
    pub(crate) fn pfselftest(&self) -> std::result::Result<(), String> {
        use rand::RngCore as _;
        let seed = self.ks.rng().next_u64();
        // A sparse string is rewritten on each add: past the default size the test
        // would take seconds, and tests nothing more.
        let max_bytes = self
            .ks
            .hll_sparse_max_bytes()
            .min(hll::DEFAULT_SPARSE_MAX_BYTES);
        hll::self_test(max_bytes, seed)
    }
}
