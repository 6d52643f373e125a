//! RDB snapshot files (rdb.c's `rdbSaveRio` and `rdbLoadRioWithLoadingCtx`), version 10:
//!
//! ```text
//! "REDIS0010"  AUX fields  { SELECTDB n  RESIZEDB size expires  { [EXPIRETIME_MS t]
//!     [IDLE s | FREQ f]  type key value }* }*  EOF  CRC-64 (LE, of everything before)
//! ```
//!
//! [`Writer`] makes one, as Redis does; [`read`] reads one Redis 7.0 (or an older
//! version) wrote, reporting the byte offset of whatever is wrong with it.

use super::object::{self, Input, RDB_VERSION, save_len, save_object, save_string, value_type};
use super::{BadFormat, crc64};
use crate::value::{Value, ValueRef};

const OPCODE_FUNCTION2: u8 = 245;
const OPCODE_FUNCTION: u8 = 246;
const OPCODE_MODULE_AUX: u8 = 247;
const OPCODE_IDLE: u8 = 248;
const OPCODE_FREQ: u8 = 249;
const OPCODE_AUX: u8 = 250;
const OPCODE_RESIZEDB: u8 = 251;
const OPCODE_EXPIRETIME_MS: u8 = 252;
const OPCODE_EXPIRETIME: u8 = 253;
const OPCODE_SELECTDB: u8 = 254;
const OPCODE_EOF: u8 = 255;

/// A key's access history in a file (`IDLE` or `FREQ` before it), or given to
/// `RESTORE` (`IDLETIME`, `FREQ`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum History {
    #[default]
    None,
    /// Seconds since the last access (saved under an LRU policy).
    Idle(u64),
    /// The LFU counter (saved under an LFU policy).
    Freq(u8),
}

/// Writes a snapshot into memory, front to back.
pub(crate) struct Writer {
    out: Vec<u8>,
    /// Strings LZF-compressed where it pays (`rdbcompression`).
    compress: bool,
}

impl Writer {
    /// The header and Redis's AUX fields (`rdbSaveInfoAuxFields`): the version the file
    /// claims to come from, `ctime` (seconds since the epoch) and `used-mem`.
    pub(crate) fn new(ctime: u64, used_mem: usize, compress: bool) -> Writer {
        let mut w = Writer {
            out: format!("REDIS{RDB_VERSION:04}").into_bytes(),
            compress,
        };
        w.aux(b"redis-ver", b"7.0.15");
        w.aux(b"redis-bits", b"64");
        w.aux(b"ctime", ctime.to_string().as_bytes());
        w.aux(b"used-mem", used_mem.to_string().as_bytes());
        w.aux(b"aof-base", b"0");
        w
    }

    fn aux(&mut self, name: &[u8], value: &[u8]) {
        self.out.push(OPCODE_AUX);
        save_string(&mut self.out, name, self.compress);
        save_string(&mut self.out, value, self.compress);
    }

    /// A writer of entries alone, with no header, that goes on after `bytes`: a piece
    /// of a snapshot, which [`append`](Self::append) later adds to a file's.
    pub(crate) fn continuing(bytes: Vec<u8>, compress: bool) -> Writer {
        Writer {
            out: bytes,
            compress,
        }
    }

    /// Adds a part's entries (see [`continuing`](Self::continuing)).
    pub(crate) fn append(&mut self, part: &[u8]) {
        self.out.extend_from_slice(part);
    }

    /// The bytes written so far (of a part).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// A function library's code (`rdbSaveFunctions`), written before the databases.
    pub(crate) fn function(&mut self, code: &[u8]) {
        self.out.push(OPCODE_FUNCTION2);
        save_string(&mut self.out, code, self.compress);
    }

    /// Starts database `db`, of `keys` keys of which `volatile` have a TTL.
    pub(crate) fn database(&mut self, db: usize, keys: usize, volatile: usize) {
        self.out.push(OPCODE_SELECTDB);
        save_len(&mut self.out, db as u64);
        self.out.push(OPCODE_RESIZEDB);
        save_len(&mut self.out, keys as u64);
        save_len(&mut self.out, volatile as u64);
    }

    /// One key (`rdbSaveKeyValuePair`).
    pub(crate) fn entry(
        &mut self,
        key: &[u8],
        value: ValueRef<'_>,
        expires_at: Option<u64>,
        history: History,
    ) {
        if let Some(at) = expires_at {
            self.out.push(OPCODE_EXPIRETIME_MS);
            self.out.extend(at.to_le_bytes());
        }
        match history {
            History::None => {}
            History::Idle(seconds) => {
                self.out.push(OPCODE_IDLE);
                save_len(&mut self.out, seconds);
            }
            History::Freq(counter) => self.out.extend([OPCODE_FREQ, counter]),
        }
        self.out.push(value_type(value));
        save_string(&mut self.out, key, self.compress);
        save_object(&mut self.out, value, self.compress);
    }

    /// The end marker and the checksum (0, "none", unless `checksum`: Redis's
    /// `rdbchecksum`): the file's bytes.
    pub(crate) fn finish(mut self, checksum: bool) -> Vec<u8> {
        self.out.push(OPCODE_EOF);
        let crc = if checksum {
            crc64::crc64(0, &self.out)
        } else {
            0
        };
        self.out.extend(crc.to_le_bytes());
        self.out
    }
}

/// What is wrong with a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileError {
    /// The byte offset where reading stopped.
    pub(crate) offset: usize,
    /// What was wrong there.
    pub(crate) what: &'static str,
}

/// A key read from a file.
pub(crate) struct Loaded<'a> {
    pub(crate) db: usize,
    pub(crate) key: &'a [u8],
    pub(crate) value: Value,
    /// Its deadline (ms since the epoch).
    pub(crate) expires_at: Option<u64>,
    pub(crate) history: History,
    /// Where its record ends in the file.
    pub(crate) offset: usize,
}

/// Reads a snapshot for a store of `databases` databases, handing each key to `f`
/// (which may refuse it, ending the read). Empty collections are skipped, as Redis
/// skips them. Strings are at most `max` bytes. Returns where the snapshot ends (what
/// follows, in a log's base written with an RDB preamble, is commands). The checksum is
/// verified if `checksum` (`rdbchecksum`) and the file has one.
#[cfg_attr(not(feature = "fuzzing"), allow(dead_code))] // used by the fuzz entry points
pub(crate) fn read(
    bytes: &[u8],
    databases: usize,
    max: usize,
    checksum: bool,
    f: impl FnMut(Loaded<'_>) -> Result<(), &'static str>,
) -> Result<usize, FileError> {
    read_with_functions(bytes, databases, max, checksum, f, None)
}

/// [`read`], handing the code of each function library in the file to `functions`
/// (`None`: a library is an error).
#[allow(clippy::too_many_lines)] // one loop over the file's records, as Redis's
pub(crate) fn read_with_functions(
    bytes: &[u8],
    databases: usize,
    max: usize,
    checksum: bool,
    mut f: impl FnMut(Loaded<'_>) -> Result<(), &'static str>,
    mut functions: Option<&mut Vec<Vec<u8>>>,
) -> Result<usize, FileError> {
    let fail = |input: &Input<'_>, what| FileError {
        offset: bytes.len() - input.remaining(),
        what,
    };
    let mut input = Input::new(bytes);
    let version = header(&mut input).map_err(|what| fail(&input, what))?;
    let mut db = 0usize;
    let (mut expires_at, mut history) = (None, History::None);
    loop {
        let bad = |input: &Input<'_>| fail(input, "a malformed record");
        let kind = input
            .byte()
            .map_err(|_| fail(&input, "the file ends early"))?;
        match kind {
            OPCODE_EOF => break,
            // Signed, as Redis reads them: -1 ms is no deadline, any other negative
            // time one long past.
            OPCODE_EXPIRETIME_MS => {
                let t = input.take(8).map_err(|_| bad(&input))?;
                let t = i64::from_le_bytes(t.try_into().map_err(|_| bad(&input))?);
                expires_at = (t != -1).then(|| u64::try_from(t).unwrap_or(0));
                continue;
            }
            OPCODE_EXPIRETIME => {
                let t = input.take(4).map_err(|_| bad(&input))?;
                let t = i32::from_le_bytes(t.try_into().map_err(|_| bad(&input))?);
                expires_at = Some(u64::try_from(i64::from(t) * 1000).unwrap_or(0));
                continue;
            }
            OPCODE_IDLE => {
                history = History::Idle(input.len().map_err(|_| bad(&input))?);
                continue;
            }
            OPCODE_FREQ => {
                history = History::Freq(input.byte().map_err(|_| bad(&input))?);
                continue;
            }
            OPCODE_SELECTDB => {
                let n = input.len().map_err(|_| bad(&input))?;
                db = usize::try_from(n)
                    .ok()
                    .filter(|&n| n < databases)
                    .ok_or_else(|| fail(&input, "a database this store does not have"))?;
                continue;
            }
            OPCODE_RESIZEDB => {
                input.len().map_err(|_| bad(&input))?;
                input.len().map_err(|_| bad(&input))?;
                continue;
            }
            OPCODE_AUX => {
                input.string(usize::MAX).map_err(|_| bad(&input))?;
                input.string(usize::MAX).map_err(|_| bad(&input))?;
                continue;
            }
            OPCODE_MODULE_AUX => {
                return Err(fail(&input, "module data, which this store cannot load"));
            }
            OPCODE_FUNCTION2 if functions.is_some() => {
                let code = input.string(max).map_err(|_| bad(&input))?;
                if let Some(out) = functions.as_mut() {
                    out.push(code.to_vec());
                }
                continue;
            }
            OPCODE_FUNCTION | OPCODE_FUNCTION2 => {
                return Err(fail(
                    &input,
                    "a function library, which this store cannot load",
                ));
            }
            // Modules' values, and the stream type of Redis 7.2 and later.
            6 | 7 | 21 => {
                return Err(fail(
                    &input,
                    "a module value or a newer stream, which this store cannot load",
                ));
            }
            _ => {}
        }
        let key = input.string(max).map_err(|_| bad(&input))?;
        let value = match object::load_any(kind, &mut input, max) {
            Ok(value) => value,
            Err(BadFormat) => return Err(fail(&input, "a malformed value")),
        };
        if !object::is_empty(&value) {
            let loaded = Loaded {
                db,
                key: &key,
                value,
                expires_at,
                history,
                offset: bytes.len() - input.remaining(),
            };
            f(loaded).map_err(|what| fail(&input, what))?;
        }
        (expires_at, history) = (None, History::None);
    }
    if version >= 5 {
        let body = bytes.len() - input.remaining();
        let stored = input
            .take(8)
            .map_err(|_| fail(&input, "the file ends early"))?;
        let stored = u64::from_le_bytes(stored.try_into().unwrap_or_default());
        // 0: saved with `rdbchecksum no`.
        if checksum && stored != 0 && stored != crc64::crc64(0, &bytes[..body]) {
            return Err(fail(&input, "a wrong checksum"));
        }
    }
    Ok(bytes.len() - input.remaining())
}

/// The `FUNCTION DUMP` payload of libraries of `codes` (`functionDumpCommand`): each
/// as in a file, then the RDB version and the CRC-64.
#[cfg_attr(not(feature = "scripting"), allow(dead_code))]
pub(crate) fn functions_payload(codes: &[Vec<u8>], compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        save_string(&mut out, code, compress);
    }
    out.extend(RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend(crc.to_le_bytes());
    out
}

/// Why a `FUNCTION RESTORE` payload was refused: Redis's text, without the `ERR ` code.
#[cfg_attr(not(feature = "scripting"), allow(dead_code))]
pub(crate) type PayloadError = &'static str;

/// The libraries' code in a `FUNCTION DUMP` payload (`functionRestoreCommand`), each at
/// most `max` bytes.
#[cfg_attr(not(feature = "scripting"), allow(dead_code))]
pub(crate) fn read_functions_payload(
    payload: &[u8],
    max: usize,
) -> Result<Vec<Vec<u8>>, PayloadError> {
    const WRONG: &str = "DUMP payload version or checksum are wrong";
    let Some(body) = payload.len().checked_sub(10) else {
        return Err(WRONG);
    };
    let footer = &payload[body..];
    if u16::from_le_bytes([footer[0], footer[1]]) > RDB_VERSION
        || crc64::crc64(0, &payload[..body + 2]).to_le_bytes() != footer[2..]
    {
        return Err(WRONG);
    }
    let mut input = Input::new(payload);
    let mut codes = Vec::new();
    while input.remaining() > 10 {
        let kind = input.byte().map_err(|_| "can not read data type")?;
        if kind != OPCODE_FUNCTION && kind != OPCODE_FUNCTION2 {
            return Err("given type is not a function");
        }
        // The format of Redis 7.0's release candidates (name, engine, description and
        // code apart) is not read.
        if kind == OPCODE_FUNCTION {
            return Err("Failed loading library name");
        }
        let code = input
            .string(max)
            .map_err(|_| "Failed loading library payload")?;
        codes.push(code.to_vec());
    }
    Ok(codes)
}

/// The signature and the version (1 to 10) a file starts with.
fn header(input: &mut Input<'_>) -> Result<u16, &'static str> {
    let header = input.take(9).map_err(|_| "not an RDB file: too short")?;
    if &header[..5] != b"REDIS" {
        return Err("not an RDB file: no REDIS signature");
    }
    std::str::from_utf8(&header[5..])
        .ok()
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|v| (1..=RDB_VERSION).contains(v))
        .ok_or("an RDB version this store cannot read")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_go_before_the_databases_and_read_back() {
        let mut w = Writer::new(0, 0, true);
        w.function(b"#!lua name=a\nredis.register_function('f', function() return 1 end)");
        w.function(b"#!lua name=b\n");
        let bytes = w.finish(true);
        let mut codes = Vec::new();
        read_with_functions(&bytes, 16, usize::MAX, true, |_| Ok(()), Some(&mut codes)).unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[1], b"#!lua name=b\n");
        // Without a place for them, libraries are refused.
        let e = read(&bytes, 16, usize::MAX, true, |_| Ok(())).unwrap_err();
        assert_eq!(e.what, "a function library, which this store cannot load");
    }

    #[test]
    fn function_payloads_round_trip_and_are_checked() {
        let codes = vec![b"#!lua name=x\n".to_vec(), vec![b'y'; 300]];
        let payload = functions_payload(&codes, true);
        assert_eq!(read_functions_payload(&payload, usize::MAX).unwrap(), codes);
        assert_eq!(
            read_functions_payload(&functions_payload(&[], false), 1).unwrap(),
            Vec::<Vec<u8>>::new()
        );
        let mut bad = payload.clone();
        bad[4] ^= 0xff;
        assert_eq!(
            read_functions_payload(&bad, usize::MAX).unwrap_err(),
            "DUMP payload version or checksum are wrong"
        );
        assert_eq!(
            read_functions_payload(b"short", usize::MAX).unwrap_err(),
            "DUMP payload version or checksum are wrong"
        );
        // A string longer than allowed is refused before it is read.
        assert_eq!(
            read_functions_payload(&payload, 10).unwrap_err(),
            "Failed loading library payload"
        );
        // Something else than a library.
        let mut other = vec![0u8, 1, b'k', 1, b'v'];
        other.extend(RDB_VERSION.to_le_bytes());
        let crc = crc64::crc64(0, &other);
        other.extend(crc.to_le_bytes());
        assert_eq!(
            read_functions_payload(&other, usize::MAX).unwrap_err(),
            "given type is not a function"
        );
    }
}
