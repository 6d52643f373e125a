//! An embedded, single-process data-structure store with Redis semantics.
//!
//! Link it and get what you would otherwise run a Redis server for — a cache with TTLs,
//! counters, flags, session hashes, tag sets, job queues with blocking pops,
//! leaderboards, pub/sub between threads, transactions, a keyspace you can scan — at
//! in-process speed, with Redis's commands, options, edge cases and error messages.
//!
//! ```
//! use std::time::Duration;
//! use embedis::{SetOptions, Store};
//!
//! let store = Store::new();
//! let strings = store.strings();
//! strings.set("url", "https://example.org")?;
//! assert_eq!(strings.get("url")?.unwrap(), "https://example.org");
//! strings.set_with("page", "<html>…</html>", SetOptions::new().ttl(Duration::from_secs(5)))?;
//! assert_eq!(strings.incrbyfloat("price", 13.5)?, 13.5);
//! store.bits().setbit("flags", 3, true)?;
//! store.hashes().hset("session:1", [("user", "ann")])?;
//! store.sets().sadd("tags", ["rust", "redis"])?;
//! store.lists().lpush("jobs", ["job-1"])?;
//! assert_eq!(store.lists().brpop(["jobs"], None)?.unwrap().1, "job-1");
//! store.zsets().zadd("board", [("ann", 31.0), ("bob", 12.0)])?;
//! assert_eq!(store.zsets().zrevrank("board", "bob")?, Some(1));
//! assert_eq!(store.keys().dbsize()?, 7);
//! # Ok::<(), embedis::Error>(())
//! ```
//!
//! # Architecture
//!
//! Seven layers; a module imports only from its own layer or below (a module and its
//! own children excepted), which `tests/layers.rs` checks on every `cargo test`.
//!
//! | layer | modules | what | Redis |
//! |---|---|---|---|
//! | L0 leaves | `error`, `number`, `glob`, `index`, `mem`, `clock`, `varint`, `geohash`, `slot` | [`Error`], [`Clock`], [`ManualClock`]; numbers, patterns and ranges as Redis reads and writes them; geohash cells and distances; Redis Cluster's hash slots ([`key_slot`]) | `util.c`, `geohash.c`, `geohash_helper.c`, `crc16.c` |
//! | L1 tables | `raw`, `blob` | the crate's one module of `unsafe` code: chained entry tables whose entries are single blocks, a packed entry's bytes shared with readers by a count of holders; [`Blob`], the byte string a read returns (inline, shared, or in a per-thread pooled buffer) | `dict.c`, `sds.c` |
//! | L2 values | `value` + `value/` (`hash`, `list`, `set`, `zset`, `zset/skiplist`, `pack`, `dict`, `hll`) | what a key holds, and each type's representation — no lock, no clock; [`KeyType`], [`Side`]; the HyperLogLog string format | `object.c`, `t_*.c`'s type API, `listpack.c`, `intset.c`, `quicklist.c`, `dict.c`, `hyperloglog.c` |
//! | L3 engine | `keyspace` + `keyspace/` (`access`, `entry`, `many`, `whole`, `txn`, `log`, `watch`, `expiry`, `evict`, `notify`, `pubsub`, `blocking` + `blocking/future`, `stats`, `table`, `snapshot`, `feed`) | sharded keys and lock order; the one door handles use (live, or through a transaction's held shards); transactions in place with their undo log; expiry, eviction ([`EvictionPolicy`]), notifications ([`KeyspaceEvents`]), the pub/sub registry ([`Message`]), blocked callers, threads or tasks ([`CancelToken`], [`Blocked`]); the sweeper's timers for async waits | `db.c`, `multi.c`, `expire.c`, `evict.c`, `notify.c`, `pubsub.c`, `blocked.c` |
//! | L4 core | `core`, `persist`, `aof`, `script` (+ `script/`: `base`, `cjson`, `cmsgpack`, `structlib`, `bit`, `functions`) | what a [`Store`] shares: keyspace, pub/sub and client registries, limits, the sweeper; snapshots and the append-only log on disk ([`AppendFsync`]); the Lua 5.1 engine (feature `scripting`): Redis's sandbox and libraries, the script cache, function libraries, the running script's busy and kill state | `server.c`, `rdb.c`, `aof.c`, `eval.c`, `script.c`, `script_lua.c`, `function_lua.c`, `functions.c`, `deps/lua` |
//! | L5 commands | `strings`, `bits`, `keys` (+ `keys/sort`), `hashes`, `lists`, `sets`, `zsets` (+ `zsets/range`, `options`, `algebra`, `blocking`), `hll`, `geo`, `pubsub`, `transaction`, `scan` | the handles [`Strings`], [`Bits`], [`Keys`], [`Hashes`], [`Lists`], [`Sets`], [`ZSets`], [`HyperLogLogs`], [`Geo`], [`PubSub`]: look up, type-check, call the value; [`SortOptions`]; [`Transaction`], [`Watch`], [`Pipeline`]; [`ScanOptions`] | `t_string.c`, `bitops.c`, `sort.c`, `t_hash.c`, `t_list.c`, `t_set.c`, `t_zset.c`, `hyperloglog.c`, `geo.c`, `multi.c` |
//! | L6 facade | `store` | [`Store`], [`StoreBuilder`], [`Db`], [`Info`] and the handle accessors | `server.c` |
//! | L7 wire | `command` (+ `command/table`, one file per family, `command/scripting` and `command/functions` for Lua), `redis_rs` | [`Connection`], [`Reply`]: Redis's command syntax over the handles; `Scripts` (`EVAL`, `FCALL` and their kin from Rust, running commands through the same table); (feature `redis-rs`) redis-rs's `ConnectionLike`, sync and async (`AsyncConnection`) | `server.c`, `networking.c`, `eval.c`, `functions.c` |
//! | `error` | [`Error`], [`Result`] | |

mod aof;
mod bits;
mod blob;
mod clock;
mod command;
mod core;
mod error;
mod geo;
mod geohash;
mod glob;
mod hashes;
mod hll;
mod index;
mod keys;
mod keyspace;
mod lists;
mod mem;
mod number;
mod persist;
mod pubsub;
mod qsort;
mod raw;
mod rdb;
#[cfg(feature = "redis-rs")]
mod redis_rs;
mod scan;
#[cfg(feature = "scripting")]
mod script;
mod sets;
mod slot;
mod store;
mod streams;
mod strings;
mod transaction;
mod value;
mod varint;
mod zsets;

pub use bits::{BitFieldOp, BitFieldType, BitOffset, BitOp, BitUnit, Bits, Overflow};
pub use blob::Blob;
pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Connection, Reply};
#[cfg(feature = "scripting")]
pub use command::{FunctionRestore, Scripts};
pub use error::{Error, Result};
pub use geo::{Geo, GeoMatch, GeoOrder, GeoSearch, GeoUnit};
pub use hashes::{HScanIter, Hashes};
pub use hll::HyperLogLogs;
pub use keys::{
    CopyOptions, ExpireCondition, ExpireTime, Keys, RestoreOptions, ScanIter, SortOptions, Ttl,
};
#[cfg(feature = "redis-rs")]
pub use redis_rs::AsyncConnection;
pub use streams::{
    AutoClaim, ClaimTime, ConsumerInfo, ConsumerInfoFull, GroupCreate, GroupEntry, GroupInfo,
    GroupInfoFull, GroupRead, GroupReads, GroupStart, PendingEntry, PendingRange, PendingSummary,
    ReadFrom, StreamEntry, StreamId, StreamInfo, StreamInfoFull, StreamReads, StreamTrim, Streams,
    XAdd, XAddId, XClaim, XReadGroup,
};
/// Entry points for the fuzz targets in `fuzz/`: internal model checks driven by the
/// fuzzer's bytes. Not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// The skiplist's model check (inserts, score updates, removals, rank ranges,
    /// compaction, each step compared with an ordered model and the invariants
    /// checked), with every choice drawn from `data`.
    pub fn skiplist(data: &[u8]) {
        let mut bytes = data.chunks_exact(2);
        let steps = data.len() / 8;
        crate::value::zset::skiplist_check::exercise(steps, |n| {
            bytes.next().map_or(0, |b| {
                u32::from(u16::from_le_bytes([b[0], b[1]])) % n.max(1)
            })
        });
    }

    /// A `RESTORE` payload from the fuzzer's bytes, twice: as given (the footer nearly
    /// always refuses it), then with a right footer, so the RDB decoder itself meets the
    /// bytes. Whatever it accepts dumps to a payload that restores to the same value.
    /// Also the bytes as the body of a snapshot file.
    pub fn restore(data: &[u8]) {
        use crate::rdb::{crc64::crc64, object};
        let max = 1 << 20;
        let _ = object::restore(data, max);
        // The same bytes as a snapshot file's, after a header.
        let mut file = b"REDIS0010".to_vec();
        file.extend_from_slice(data);
        let _ = crate::rdb::file::read(&file, 16, max, true, |_| Ok(()));
        let mut payload = data.to_vec();
        payload.extend(object::RDB_VERSION.to_le_bytes());
        let crc = crc64(0, &payload);
        payload.extend(crc.to_le_bytes());
        if let Ok(value) = object::restore(&payload, max) {
            if let crate::value::Value::ZSet(z) = &value {
                z.check();
            }
            let dumped = object::dump(value.as_ref(), true);
            let again = object::restore(&dumped, max).expect("a dump restores");
            assert_eq!(
                object::dump(again.as_ref(), true),
                dumped,
                "a round trip changes nothing"
            );
        }
    }

    /// The append-only log's readers (its RESP files and its manifest) on the fuzzer's
    /// bytes: nothing panics or allocates a claimed length; a file read as torn is whole
    /// once cut where the reader says, as loading cuts it; a manifest that parses
    /// formats back to itself.
    pub fn log(data: &[u8]) {
        crate::aof::exercise(data);
    }

    /// The keyspace's entry table (`raw.rs`, the crate's unsafe code) against a
    /// `HashMap`: inserts, removals, replacements, edits, stamps, stale handles and
    /// scans, with every choice drawn from `data`.
    pub fn entries(data: &[u8]) {
        let mut bytes = data.chunks_exact(4);
        crate::raw::check::exercise(data.len() / 4, |n| {
            bytes.next().map_or(0, |b| {
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % n.max(1)
            })
        });
    }
}

pub use keyspace::blocking::{Blocked, CancelToken};
pub use keyspace::evict::EvictionPolicy;
pub use keyspace::feed::AppendFsync;
pub use keyspace::notify::KeyspaceEvents;
pub use keyspace::pubsub::Message;
pub use lists::{Insertion, LRangeIter, Lists, LposOptions, Matches, Position, Side};
pub use pubsub::{PubSub, Subscription};
pub use scan::ScanOptions;
pub use sets::{SScanIter, Sets};
pub use slot::{SLOTS, key_slot};
pub use store::{BackgroundSave, Db, Info, Store, StoreBuilder};
pub use strings::{Expiry, LcsIdx, LcsMatch, SetCondition, SetOptions, Strings};
pub use transaction::{Pipeline, Queued, Replies, Transaction, Watch};
pub use value::KeyType;
pub use value::dict::Picks;
pub use zsets::{
    Aggregate, CombineOptions, LexBound, ScoreBound, ScoreEnd, ZAddCondition, ZAddOptions, ZRange,
    ZScanIter, ZSets,
};

/// Arguments gathered from a caller's iterator: the usual handful stay on the stack.
pub(crate) type Args<T> = smallvec::SmallVec<[T; 4]>;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
struct ReadmeDoctests;
