//! The primitives of Redis's RDB encoding that every value's encoding is made of:
//! lengths (`rdbSaveLen`, `rdbLoadLen`) and strings, integer-encoded or LZF-compressed
//! (`rdbSaveRawString`, `rdbGenericLoadStringObject`), read from [`Input`].

use super::{BadFormat, lzf};
use crate::number::{IntBuf, parse_i64, strtod_prefix};

/// Length-prefix markers (`RDB_6BITLEN` … `RDB_64BITLEN`, `RDB_ENCVAL`).
const ENC_INT8: u8 = 0xC0;
const ENC_INT16: u8 = 0xC1;
const ENC_INT32: u8 = 0xC2;
const ENC_LZF: u8 = 0xC3;
const LEN_32: u8 = 0x80;
const LEN_64: u8 = 0x81;

/// Appends `len` as an RDB length (`rdbSaveLen`).
#[allow(clippy::cast_possible_truncation)] // each byte masked to its bits
pub(crate) fn save_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend([0x40 | (len >> 8) as u8, (len & 0xff) as u8]);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(LEN_32);
        out.extend(len.to_be_bytes());
    } else {
        out.push(LEN_64);
        out.extend(len.to_be_bytes());
    }
}

/// Appends `s` as an RDB string (`rdbSaveRawString`): LZF-compressed when `compress`
/// (`rdbcompression yes`), longer than 20 bytes and smaller by at least 4.
pub(crate) fn save_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11
        && let Some(v) = parse_i64(s)
    {
        if let Ok(v) = i8::try_from(v) {
            out.push(ENC_INT8);
            out.extend(v.to_le_bytes());
            return;
        }
        if let Ok(v) = i16::try_from(v) {
            out.push(ENC_INT16);
            out.extend(v.to_le_bytes());
            return;
        }
        if let Ok(v) = i32::try_from(v) {
            out.push(ENC_INT32);
            out.extend(v.to_le_bytes());
            return;
        }
    }
    if compress
        && s.len() > 20
        && let Some(packed) = lzf::compress(s, s.len() - 4)
    {
        out.push(ENC_LZF);
        save_len(out, packed.len() as u64);
        save_len(out, s.len() as u64);
        out.extend_from_slice(&packed);
        return;
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Bytes being read, front to back.
pub(crate) struct Input<'a> {
    bytes: &'a [u8],
}

/// A string read from RDB: borrowed, or made (an integer, a decompressed string).
pub(crate) enum Str<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Str<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Str::Borrowed(b) => b,
            Str::Owned(v) => v,
        }
    }
}

/// A length, or the special string encoding that stands in its place.
enum Len {
    Plain(u64),
    Encoded(u8),
}

impl<'a> Input<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn byte(&mut self) -> Result<u8, BadFormat> {
        let (&b, rest) = self.bytes.split_first().ok_or(BadFormat)?;
        self.bytes = rest;
        Ok(b)
    }

    /// The next `n` bytes (checked against what is left before anything else).
    pub(crate) fn take(&mut self, n: u64) -> Result<&'a [u8], BadFormat> {
        let n = usize::try_from(n).map_err(|_| BadFormat)?;
        if n > self.bytes.len() {
            return Err(BadFormat);
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BadFormat> {
        self.take(N as u64)?.try_into().map_err(|_| BadFormat)
    }

    fn len_or_encoding(&mut self) -> Result<Len, BadFormat> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3f)),
            1 => Len::Plain(u64::from(b & 0x3f) << 8 | u64::from(self.byte()?)),
            3 => Len::Encoded(b),
            _ if b == LEN_32 => Len::Plain(u64::from(u32::from_be_bytes(self.array()?))),
            _ if b == LEN_64 => Len::Plain(u64::from_be_bytes(self.array()?)),
            _ => return Err(BadFormat),
        })
    }

    /// An RDB length (`rdbLoadLen`).
    pub(crate) fn len(&mut self) -> Result<u64, BadFormat> {
        match self.len_or_encoding()? {
            Len::Plain(n) => Ok(n),
            Len::Encoded(_) => Err(BadFormat),
        }
    }

    /// An RDB string (`rdbGenericLoadStringObject`), at most `max` bytes long.
    pub(crate) fn string(&mut self, max: usize) -> Result<Str<'a>, BadFormat> {
        let int = match self.len_or_encoding()? {
            Len::Plain(n) => {
                if n > max as u64 {
                    return Err(BadFormat);
                }
                return self.take(n).map(Str::Borrowed);
            }
            Len::Encoded(ENC_INT8) => i64::from(i8::from_le_bytes(self.array()?)),
            Len::Encoded(ENC_INT16) => i64::from(i16::from_le_bytes(self.array()?)),
            Len::Encoded(ENC_INT32) => i64::from(i32::from_le_bytes(self.array()?)),
            Len::Encoded(ENC_LZF) => {
                let clen = self.len()?;
                let len = self.len()?;
                // LZF makes at most 264 bytes of a 3-byte back reference.
                if len > max as u64 || len > clen.saturating_mul(88).saturating_add(8) {
                    return Err(BadFormat);
                }
                let packed = self.take(clen)?;
                if len == 0 {
                    // Redis takes a failed decompression's 0 for the length it wanted.
                    return Ok(Str::Owned(Vec::new()));
                }
                let len = usize::try_from(len).map_err(|_| BadFormat)?;
                return lzf::decompress(packed, len).map(Str::Owned);
            }
            Len::Encoded(_) => return Err(BadFormat),
        };
        Ok(Str::Owned(IntBuf::new(int).as_bytes().to_vec()))
    }

    /// A binary double (`rdbLoadBinaryDoubleValue`).
    pub(crate) fn binary_double(&mut self) -> Result<f64, BadFormat> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A double written as text (`rdbLoadDoubleValue`, RDB versions before 8): read as
    /// `sscanf("%lg")` does, refused if no prefix of it is a number.
    pub(crate) fn text_double(&mut self) -> Result<f64, BadFormat> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => strtod_prefix(self.take(u64::from(n))?).ok_or(BadFormat),
        }
    }
}
