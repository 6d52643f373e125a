//! Redis's RDB format (version 10, Redis 7.0): the serialized form of values that `DUMP`
//! and `RESTORE` exchange, and (later) the snapshot files.
//!
//! The codecs Redis nests inside RDB values each have a module: [`crc64`] (the
//! checksum), [`lzf`] (string compression), [`listpack`], [`intset`] and [`ziplist`]
//! (the compact encodings of small lists, sets, hashes and sorted sets).

pub(crate) mod crc64;
pub(crate) mod encoding;
pub(crate) mod file;
pub(crate) mod intset;
pub(crate) mod listpack;
pub(crate) mod lzf;
pub(crate) mod object;
pub(crate) mod stream;
pub(crate) mod ziplist;

/// Bytes that are not a well-formed encoding (Redis's "Bad data format"). Decoders
/// return it rather than panic, whatever the input, and check every length against the
/// bytes actually present before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadFormat;
