//! Bit commands on strings (Redis's `bitops.c`).
//!
//! | Redis | method |
//! |---|---|
//! | `SETBIT` / `GETBIT` | [`setbit`](Bits::setbit) / [`getbit`](Bits::getbit) |
//! | `BITCOUNT` (BYTE, BIT) | [`bitcount`](Bits::bitcount), [`bitcount_range`](Bits::bitcount_range) |
//! | `BITPOS` (BYTE, BIT) | [`bitpos`](Bits::bitpos), [`bitpos_range`](Bits::bitpos_range) |
//! | `BITOP` AND / OR / XOR / NOT | [`bitop`](Bits::bitop) |
//! | `BITFIELD` / `BITFIELD_RO` | [`bitfield`](Bits::bitfield) / [`bitfield_ro`](Bits::bitfield_ro) |
//!
//! Bit 0 is the most significant bit of the first byte, as in Redis. Reads past the end
//! of a string see zeros; writes past it grow the string with zero bytes, after checking
//! the result against the maximum string size.

use crate::keyspace::{Access, Deadline, notify};
use crate::value::{StrRef, opt_str};
use crate::{Error, Result};

/// The unit of a `BITCOUNT` / `BITPOS` range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BitUnit {
    /// Indexes count bytes (the default).
    #[default]
    Byte,
    /// Indexes count bits.
    Bit,
}

/// A `BITOP` operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitOp {
    /// Bitwise AND of all sources.
    And,
    /// Bitwise OR of all sources.
    Or,
    /// Bitwise XOR of all sources.
    Xor,
    /// Bitwise NOT of the single source.
    Not,
}

/// A `BITFIELD` integer type: `i1`…`i64` or `u1`…`u63`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BitFieldType {
    signed: bool,
    bits: u8,
}

impl BitFieldType {
    /// A signed type of `bits` bits (`i<bits>`, 1 to 64).
    ///
    /// # Examples
    ///
    /// ```
    /// let i8 = embedis::BitFieldType::signed(8);
    /// ```
    pub const fn signed(bits: u8) -> Self {
        BitFieldType { signed: true, bits }
    }

    /// An unsigned type of `bits` bits (`u<bits>`, 1 to 63).
    ///
    /// # Examples
    ///
    /// ```
    /// let u4 = embedis::BitFieldType::unsigned(4);
    /// ```
    pub const fn unsigned(bits: u8) -> Self {
        BitFieldType {
            signed: false,
            bits,
        }
    }

    fn checked_bits(self) -> Result<u64> {
        let max = if self.signed { 64 } else { 63 };
        if (1..=max).contains(&self.bits) {
            Ok(u64::from(self.bits))
        } else {
            Err(Error::InvalidBitfieldType)
        }
    }
}

/// Where a `BITFIELD` field starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitOffset {
    /// At this bit.
    Bit(u64),
    /// At field number `n` of the type's width (Redis's `#n`).
    Field(u64),
}

/// What `BITFIELD` does when a `SET` or `INCRBY` overflows the type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// Wrap around (the default).
    #[default]
    Wrap,
    /// Saturate at the type's minimum or maximum.
    Sat,
    /// Do nothing and report `None`.
    Fail,
}

/// One `BITFIELD` subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitFieldOp {
    /// `GET type offset`: the field's value.
    Get(BitFieldType, BitOffset),
    /// `SET type offset value`: writes `value`, replies with the old value.
    Set(BitFieldType, BitOffset, i64),
    /// `INCRBY type offset increment`: adds, replies with the new value.
    IncrBy(BitFieldType, BitOffset, i64),
    /// `OVERFLOW WRAP|SAT|FAIL`: the behaviour of the `SET`s and `INCRBY`s after it.
    Overflow(Overflow),
}

/// Commands on strings as bit arrays. Obtained from [`Store::bits`](crate::Store::bits) or
/// [`Db::bits`](crate::Db::bits).
///
/// A handle is a borrowed view of the store: it holds no lock between calls.
#[derive(Clone, Copy, Debug)]
pub struct Bits<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Bits<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Bits { ks, db }
    }

    fn ks(&self) -> Access<'s> {
        self.ks
    }

    fn check_offset(&self, offset: u64) -> Result<u64> {
        if offset >> 3 < self.ks.max_string_size() as u64 {
            Ok(offset)
        } else {
            Err(Error::BitOffsetOutOfRange)
        }
    }

    /// Sets or clears the bit at `offset` and returns its old value (`SETBIT`); the
    /// string grows with zero bytes as needed.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string; [`Error::BitOffsetOutOfRange`]
    /// if `offset` is 2^32 or more (with the default maximum string size), checked
    /// before allocating.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(!store.bits().setbit("k", 1, true)?);
    /// assert_eq!(store.strings().get("k")?.unwrap(), "@");
    /// assert!(store.bits().setbit("k", 1, false)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn setbit(&self, key: impl AsRef<[u8]>, offset: u64, value: bool) -> Result<bool> {
        let offset = self.check_offset(offset)?;
        #[allow(clippy::cast_possible_truncation)] // below the maximum string size
        let byte = (offset >> 3) as usize;
        let mask = 0x80u8 >> (offset & 7);
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let (old, covered) = e
                .str()?
                .map_or((false, false), |s| match s.bytes().get(byte) {
                    Some(b) => (b & mask != 0, true),
                    None => (false, false),
                });
            if old == value && covered {
                return Ok(old);
            }
            e.update_str(|buf| {
                if buf.len() <= byte {
                    buf.resize(byte + 1, 0);
                }
                if value {
                    buf[byte] |= mask;
                } else {
                    buf[byte] &= !mask;
                }
            })?;
            e.notify(notify::STRING, "setbit");
            let key = e.key();
            e.propagate(|r| {
                r.arg("SETBIT")
                    .arg(key)
                    .uint(offset)
                    .arg(if value { "1" } else { "0" });
            });
            Ok(old)
        })
    }

    /// The bit at `offset`; `false` past the end or for a missing key (`GETBIT`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`]; [`Error::BitOffsetOutOfRange`] as for
    /// [`setbit`](Self::setbit).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "@")?;
    /// assert!(store.bits().getbit("k", 1)?);
    /// assert!(!store.bits().getbit("k", 100)?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn getbit(&self, key: impl AsRef<[u8]>, offset: u64) -> Result<bool> {
        let offset = self.check_offset(offset)?;
        self.ks().read(self.db, key.as_ref(), |v| {
            let bytes = opt_str(v)?.map_or(&b""[..], StrRef::bytes);
            Ok(usize::try_from(offset >> 3)
                .ok()
                .and_then(|i| bytes.get(i))
                .is_some_and(|b| b & (0x80 >> (offset & 7)) != 0))
        })
    }

    /// The number of set bits in the string (`BITCOUNT`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "foobar")?;
    /// assert_eq!(store.bits().bitcount("k")?, 26);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitcount(&self, key: impl AsRef<[u8]>) -> Result<u64> {
        self.bitcount_range(key, 0, -1, BitUnit::Byte)
    }

    /// The number of set bits between `start` and `end` inclusive, counted in bytes or
    /// bits; negative indexes count from the end (`BITCOUNT key start end BYTE|BIT`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::BitUnit;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", "foobar")?;
    /// assert_eq!(store.bits().bitcount_range("k", 1, 1, BitUnit::Byte)?, 6);
    /// assert_eq!(store.bits().bitcount_range("k", 5, 30, BitUnit::Bit)?, 17);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitcount_range(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        end: i64,
        unit: BitUnit,
    ) -> Result<u64> {
        self.ks().read(self.db, key.as_ref(), |v| {
            let bytes = opt_str(v)?.map_or(&b""[..], StrRef::bytes);
            let Some((first, last)) = bit_range(bytes.len(), start, end, unit, crate::index::range)
            else {
                return Ok(0);
            };
            Ok(count_ones(bytes, first, last))
        })
    }

    /// The position of the first bit equal to `bit` (`BITPOS key bit`).
    ///
    /// Looking for a clear bit in a string of set bits answers the first position past
    /// the end; a missing key is all clear bits. `None` means no such bit (Redis's -1).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.strings().set("k", b"\x00\xff")?;
    /// assert_eq!(store.bits().bitpos("k", true)?, Some(8));
    /// assert_eq!(store.bits().bitpos("missing", true)?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitpos(&self, key: impl AsRef<[u8]>, bit: bool) -> Result<Option<u64>> {
        self.bitpos_impl(key.as_ref(), bit, None, BitUnit::Byte)
    }

    /// `BITPOS key bit start [end] [BYTE|BIT]`: as [`bitpos`](Self::bitpos) within a
    /// range. With an explicit `end`, a clear bit is looked for only inside the range.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds a non-string.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::BitUnit;
    /// let store = embedis::Store::new();
    /// store.strings().set("k", b"\xff\xf0\x00")?;
    /// assert_eq!(store.bits().bitpos_range("k", false, 0, None, BitUnit::Byte)?, Some(12));
    /// assert_eq!(store.bits().bitpos_range("k", true, 2, None, BitUnit::Byte)?, None);
    /// assert_eq!(store.bits().bitpos_range("k", true, 7, Some(15), BitUnit::Bit)?, Some(7));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitpos_range(
        &self,
        key: impl AsRef<[u8]>,
        bit: bool,
        start: i64,
        end: Option<i64>,
        unit: BitUnit,
    ) -> Result<Option<u64>> {
        self.bitpos_impl(key.as_ref(), bit, Some((start, end)), unit)
    }

    fn bitpos_impl(
        &self,
        key: &[u8],
        bit: bool,
        range: Option<(i64, Option<i64>)>,
        unit: BitUnit,
    ) -> Result<Option<u64>> {
        self.ks().read(self.db, key, |v| {
            let Some(s) = opt_str(v)? else {
                return Ok(if bit { None } else { Some(0) });
            };
            let bytes = s.bytes();
            let (start, end) = range.unwrap_or((0, None));
            let end_given = end.is_some();
            let Some((first, last)) = bit_range(
                bytes.len(),
                start,
                end.unwrap_or(-1),
                unit,
                crate::index::clamp,
            ) else {
                return Ok(None);
            };
            Ok(find_bit(bytes, bit, first, last).or((!bit && !end_given).then_some(last + 1)))
        })
    }

    /// Combines the strings at `sources` bit by bit and stores the result at `dest`,
    /// returning its length (`BITOP`). Shorter strings and missing keys count as zero
    /// bytes. An empty result deletes `dest`. Atomic.
    ///
    /// **Locking:** holds the write locks of every shard involved while it runs.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if a source holds a non-string; [`Error::BitopNotSingleKey`]
    /// for [`BitOp::Not`] without exactly one source. `dest` is untouched on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::BitOp;
    /// let store = embedis::Store::new();
    /// store.strings().mset([("n1", "abc"), ("n2", "cde"), ("n3", "adc")])?;
    /// assert_eq!(store.bits().bitop(BitOp::And, "now_key", ["n1", "n2", "n3"])?, 3);
    /// assert_eq!(store.strings().get("now_key")?.unwrap(), "a`a");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitop<K: AsRef<[u8]>>(
        &self,
        op: BitOp,
        dest: impl AsRef<[u8]>,
        sources: impl IntoIterator<Item = K>,
    ) -> Result<usize> {
        let sources: Vec<K> = sources.into_iter().collect();
        if op == BitOp::Not && sources.len() != 1 {
            return Err(Error::BitopNotSingleKey);
        }
        let mut keys = vec![(self.db, dest.as_ref())];
        keys.extend(sources.iter().map(|k| (self.db, k.as_ref())));
        self.ks().admit()?;
        self.ks().write_many(&keys, |many| {
            many.note_misses(1..keys.len());
            let mut inputs = Vec::with_capacity(sources.len());
            for n in 1..keys.len() {
                inputs.push(
                    many.entry(n)
                        .str()?
                        .map(StrRef::to_bytes)
                        .unwrap_or_default(),
                );
            }
            let len = inputs.iter().map(bytes::Bytes::len).max().unwrap_or(0);
            let mut out = vec![0u8; len];
            for (i, byte) in out.iter_mut().enumerate() {
                let mut bytes = inputs.iter().map(|s| s.get(i).copied().unwrap_or(0));
                let first = bytes.next().unwrap_or(0);
                *byte = match op {
                    BitOp::And => bytes.fold(first, |a, b| a & b),
                    BitOp::Or => bytes.fold(first, |a, b| a | b),
                    BitOp::Xor => bytes.fold(first, |a, b| a ^ b),
                    BitOp::Not => !first,
                };
            }
            let mut dest = many.entry(0);
            let key = dest.key();
            if out.is_empty() {
                if dest.remove() {
                    dest.notify(notify::GENERIC, "del");
                    dest.propagate(|r| {
                        r.arg("DEL").arg(key);
                    });
                }
            } else {
                dest.put_str(&out, Deadline::Clear);
                dest.notify(notify::STRING, "set");
                dest.propagate(|r| {
                    r.arg("SET").arg(key).arg(&out);
                });
            }
            Ok(len)
        })
    }

    /// Runs `BITFIELD` subcommands in order and returns one reply per `GET`, `SET` and
    /// `INCRBY` (`None` where `OVERFLOW FAIL` prevented a write). Writes grow the string
    /// with zero bytes to cover every field written (even one that then fails, as Redis
    /// does); only `GET`s on a missing key create nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBitfieldType`], [`Error::BitOffsetOutOfRange`] (all checked before
    /// anything runs), [`Error::WrongType`].
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{BitFieldOp::*, BitFieldType, BitOffset, Overflow};
    /// let store = embedis::Store::new();
    /// let u8t = BitFieldType::unsigned(8);
    /// let out = store.bits().bitfield("k", &[
    ///     Set(u8t, BitOffset::Bit(0), 200),
    ///     IncrBy(u8t, BitOffset::Bit(0), 100),
    ///     Overflow(Overflow::Sat),
    ///     IncrBy(u8t, BitOffset::Bit(0), 100),
    ///     Get(u8t, BitOffset::Field(0)),
    /// ])?;
    /// assert_eq!(out, vec![Some(0), Some(44), Some(144), Some(144)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitfield(&self, key: impl AsRef<[u8]>, ops: &[BitFieldOp]) -> Result<Vec<Option<i64>>> {
        let plan = self.plan(ops)?;
        let Some(max_bit) = plan
            .iter()
            .filter(|p| p.write)
            .map(|p| p.offset + p.bits - 1)
            .max()
        else {
            return self.bitfield_read(key.as_ref(), &plan);
        };
        #[allow(clippy::cast_possible_truncation)] // offsets are below the size limit
        let need = (max_bit >> 3) as usize + 1;
        self.ks().admit()?;
        self.ks().write(self.db, key.as_ref(), |e| {
            let replies = e.update_str(|buf| {
                if buf.len() < need {
                    buf.resize(need, 0);
                }
                plan.iter().map(|p| p.run(buf)).collect()
            })?;
            e.notify(notify::STRING, "setbit");
            // Its writes, in order, each under the overflow rule it ran with.
            let key = e.key();
            e.propagate(|r| {
                r.arg("BITFIELD").arg(key);
                let mut overflow = Overflow::Wrap;
                for p in plan.iter().filter(|p| p.write) {
                    if p.overflow != overflow {
                        overflow = p.overflow;
                        r.arg("OVERFLOW").arg(match overflow {
                            Overflow::Wrap => "WRAP",
                            Overflow::Sat => "SAT",
                            Overflow::Fail => "FAIL",
                        });
                    }
                    let ty = format!("{}{}", if p.signed { 'i' } else { 'u' }, p.bits);
                    let (name, value) = match p.kind {
                        StepKind::Set(v) => ("SET", v),
                        StepKind::IncrBy(v) => ("INCRBY", v),
                        StepKind::Get => continue,
                    };
                    r.arg(name).arg(ty).uint(p.offset).int(value);
                }
            });
            Ok(replies)
        })
    }

    /// `BITFIELD_RO`: only `GET` subcommands, under a read lock.
    ///
    /// # Errors
    ///
    /// [`Error::BitfieldReadOnly`] if `ops` holds anything but `GET`; otherwise as
    /// [`bitfield`](Self::bitfield).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{BitFieldOp, BitFieldType, BitOffset};
    /// let store = embedis::Store::new();
    /// store.strings().set("k", b"\x01")?;
    /// let get = BitFieldOp::Get(BitFieldType::signed(8), BitOffset::Bit(0));
    /// assert_eq!(store.bits().bitfield_ro("k", &[get])?, vec![Some(1)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bitfield_ro(
        &self,
        key: impl AsRef<[u8]>,
        ops: &[BitFieldOp],
    ) -> Result<Vec<Option<i64>>> {
        if ops.iter().any(|op| !matches!(op, BitFieldOp::Get(..))) {
            return Err(Error::BitfieldReadOnly);
        }
        let plan = self.plan(ops)?;
        self.bitfield_read(key.as_ref(), &plan)
    }

    fn bitfield_read(&self, key: &[u8], plan: &[Step]) -> Result<Vec<Option<i64>>> {
        self.ks().read(self.db, key, |v| {
            let bytes = opt_str(v)?.map_or(&b""[..], StrRef::bytes);
            Ok(plan.iter().map(|p| Some(p.get(bytes))).collect())
        })
    }

    /// Validates every subcommand and resolves offsets, before anything runs.
    fn plan(&self, ops: &[BitFieldOp]) -> Result<Vec<Step>> {
        let mut overflow = Overflow::Wrap;
        let mut plan = Vec::with_capacity(ops.len());
        for op in ops {
            let (ty, offset, kind) = match *op {
                BitFieldOp::Overflow(o) => {
                    overflow = o;
                    continue;
                }
                BitFieldOp::Get(ty, offset) => (ty, offset, StepKind::Get),
                BitFieldOp::Set(ty, offset, v) => (ty, offset, StepKind::Set(v)),
                BitFieldOp::IncrBy(ty, offset, v) => (ty, offset, StepKind::IncrBy(v)),
            };
            let bits = ty.checked_bits()?;
            let offset = match offset {
                BitOffset::Bit(o) => o,
                BitOffset::Field(n) => n
                    .checked_mul(bits)
                    .ok_or_else(|| Error::BitOffsetOutOfRange)?,
            };
            plan.push(Step {
                signed: ty.signed,
                bits,
                offset: self.check_offset(offset)?,
                write: !matches!(kind, StepKind::Get),
                kind,
                overflow,
            });
        }
        Ok(plan)
    }
}

/// A validated `BITFIELD` subcommand.
struct Step {
    signed: bool,
    bits: u64,
    offset: u64,
    write: bool,
    kind: StepKind,
    overflow: Overflow,
}

#[derive(Clone, Copy)]
enum StepKind {
    Get,
    Set(i64),
    IncrBy(i64),
}

impl Step {
    fn get(&self, bytes: &[u8]) -> i64 {
        let raw = get_unsigned(bytes, self.offset, self.bits);
        if self.signed {
            sign_extend(raw, self.bits)
        } else {
            raw.cast_signed()
        }
    }

    /// Runs the step on a buffer already long enough for it.
    fn run(&self, buf: &mut [u8]) -> Option<i64> {
        let old = self.get(buf);
        let (new, reply, overflowed) = match self.kind {
            StepKind::Get => return Some(old),
            StepKind::Set(v) => {
                let (new, overflowed) = self.fit(v, 0);
                (new, old, overflowed)
            }
            StepKind::IncrBy(incr) => {
                let (new, overflowed) = self.fit(old, incr);
                (new, new, overflowed)
            }
        };
        if overflowed && self.overflow == Overflow::Fail {
            return None;
        }
        set_unsigned(buf, self.offset, self.bits, new.cast_unsigned());
        Some(reply)
    }

    /// `value + incr` in the field's type under its overflow policy: the value to store
    /// and whether it overflowed. A literal port of Redis's
    /// `check{Signed,Unsigned}BitfieldOverflow`, wrapping arithmetic included (so, as in
    /// Redis, `SET i13 … -9223372036854775807` saturates to the maximum).
    fn fit(&self, value: i64, incr: i64) -> (i64, bool) {
        let bits = self.bits;
        if self.signed {
            let max = if bits == 64 {
                i64::MAX
            } else {
                (1i64 << (bits - 1)) - 1
            };
            let min = -max - 1;
            let max_incr = max
                .cast_unsigned()
                .wrapping_sub(value.cast_unsigned())
                .cast_signed();
            let min_incr = min.wrapping_sub(value);
            let up = value > max
                || (bits != 64 && incr > max_incr)
                || (value >= 0 && incr > 0 && incr > max_incr);
            let down = !up
                && (value < min
                    || (bits != 64 && incr < min_incr)
                    || (value < 0 && incr < 0 && incr < min_incr));
            if !up && !down {
                return (value.wrapping_add(incr), false);
            }
            let new = if self.overflow != Overflow::Sat {
                let sum = value.cast_unsigned().wrapping_add(incr.cast_unsigned());
                sign_extend(sum & mask(bits), bits)
            } else if up {
                max
            } else {
                min
            };
            (new, true)
        } else {
            let value = value.cast_unsigned();
            let max = mask(bits);
            let max_incr = max.wrapping_sub(value).cast_signed();
            let min_incr = 0u64.wrapping_sub(value).cast_signed();
            let up = value > max || (incr > 0 && incr > max_incr);
            let down = !up && incr < 0 && incr < min_incr;
            if !up && !down {
                return (
                    value.wrapping_add(incr.cast_unsigned()).cast_signed(),
                    false,
                );
            }
            let new = if self.overflow != Overflow::Sat {
                value.wrapping_add(incr.cast_unsigned()) & max
            } else if up {
                max
            } else {
                0
            };
            (new.cast_signed(), true)
        }
    }
}

fn mask(bits: u64) -> u64 {
    if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

fn sign_extend(raw: u64, bits: u64) -> i64 {
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | !mask(bits)).cast_signed()
    } else {
        raw.cast_signed()
    }
}

fn bit_at(bytes: &[u8], pos: u64) -> u64 {
    usize::try_from(pos >> 3)
        .ok()
        .and_then(|i| bytes.get(i))
        .map_or(0, |b| u64::from((b >> (7 - (pos & 7))) & 1))
}

fn get_unsigned(bytes: &[u8], offset: u64, bits: u64) -> u64 {
    (0..bits).fold(0, |v, j| (v << 1) | bit_at(bytes, offset + j))
}

fn set_unsigned(buf: &mut [u8], offset: u64, bits: u64, value: u64) {
    for j in 0..bits {
        let pos = offset + j;
        #[allow(clippy::cast_possible_truncation)] // the buffer covers the field
        let byte = &mut buf[(pos >> 3) as usize];
        let m = 0x80u8 >> (pos & 7);
        if (value >> (bits - 1 - j)) & 1 == 1 {
            *byte |= m;
        } else {
            *byte &= !m;
        }
    }
}

/// Turns a `start`/`end` pair in `unit`s into an inclusive range of bit positions within
/// a string of `len` bytes, normalised by `normalise`.
fn bit_range(
    len: usize,
    start: i64,
    end: i64,
    unit: BitUnit,
    normalise: fn(i64, i64, u64) -> Option<(u64, u64)>,
) -> Option<(u64, u64)> {
    let len = len as u64;
    match unit {
        BitUnit::Byte => normalise(start, end, len).map(|(s, e)| (s * 8, e * 8 + 7)),
        BitUnit::Bit => normalise(start, end, len * 8),
    }
}

/// Bits `first..=last` of byte `i`, as a mask.
fn edge_mask(i: u64, first: u64, last: u64) -> u8 {
    let lo = if i == first / 8 {
        0xffu8 >> (first % 8)
    } else {
        0xff
    };
    let hi = if i == last / 8 {
        0xffu8 << (7 - last % 8)
    } else {
        0xff
    };
    lo & hi
}

fn count_ones(bytes: &[u8], first: u64, last: u64) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // positions within the string
    let (a, b) = ((first / 8) as usize, (last / 8) as usize);
    let mut count: u64 = bytes[a..=b].iter().map(|b| u64::from(b.count_ones())).sum();
    let strip = |i: usize| u64::from((bytes[i] & !edge_mask(i as u64, first, last)).count_ones());
    count -= strip(a);
    if b != a {
        count -= strip(b);
    }
    count
}

fn find_bit(bytes: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    #[allow(clippy::cast_possible_truncation)] // positions within the string
    let (a, b) = ((first / 8) as usize, (last / 8) as usize);
    (a..=b).find_map(|i| {
        let byte = if bit { bytes[i] } else { !bytes[i] };
        let hits = byte & edge_mask(i as u64, first, last);
        (hits != 0).then(|| i as u64 * 8 + u64::from(hits.leading_zeros()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_and_write_across_byte_boundaries() {
        let mut buf = [0u8; 4];
        set_unsigned(&mut buf, 5, 10, 0b10_1100_1101);
        assert_eq!(get_unsigned(&buf, 5, 10), 0b10_1100_1101);
        assert_eq!(sign_extend(0b1111, 4), -1);
        assert_eq!(sign_extend(0b0111, 4), 7);
        assert_eq!(get_unsigned(&[], 100, 8), 0, "past the end reads zeros");
    }

    #[test]
    fn overflow_policies_match_redis() {
        let step = |signed, bits, overflow| Step {
            signed,
            bits,
            offset: 0,
            write: true,
            kind: StepKind::Get,
            overflow,
        };
        assert_eq!(step(true, 8, Overflow::Wrap).fit(127, 1), (-128, true));
        assert_eq!(step(true, 8, Overflow::Sat).fit(127, 1), (127, true));
        assert_eq!(step(true, 8, Overflow::Sat).fit(-128, -1), (-128, true));
        assert_eq!(step(false, 8, Overflow::Wrap).fit(255, 1), (0, true));
        assert_eq!(step(false, 8, Overflow::Sat).fit(0, -1), (0, true));
        assert_eq!(step(false, 8, Overflow::Wrap).fit(-1, 0), (255, true));
        assert_eq!(step(false, 8, Overflow::Sat).fit(-1, 0), (255, true));
        assert_eq!(
            step(true, 64, Overflow::Wrap).fit(i64::MAX, 1),
            (i64::MIN, true)
        );
        assert_eq!(
            step(true, 64, Overflow::Sat).fit(i64::MAX, 1),
            (i64::MAX, true)
        );
        assert_eq!(
            step(false, 63, Overflow::Sat).fit(1, i64::MAX),
            (i64::MAX, true)
        );
        assert_eq!(step(true, 4, Overflow::Fail).fit(3, 2), (5, false));
        // Redis's wrapping arithmetic: a far-negative SET value saturates upwards.
        assert_eq!(
            step(true, 13, Overflow::Sat).fit(-i64::MAX, 0),
            (4095, true)
        );
    }

    #[test]
    fn counting_and_searching_respect_bit_edges() {
        let bytes = [0b1111_0000, 0b0000_1111];
        assert_eq!(count_ones(&bytes, 0, 15), 8);
        assert_eq!(count_ones(&bytes, 2, 13), 4);
        assert_eq!(count_ones(&bytes, 4, 11), 0);
        assert_eq!(find_bit(&bytes, true, 4, 15), Some(12));
        assert_eq!(find_bit(&bytes, false, 0, 3), None);
        assert_eq!(find_bit(&bytes, false, 0, 15), Some(4));
    }
}
