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
//! | module | what | Redis |
//! |---|---|---|
//! | `store` | [`Store`], [`StoreBuilder`], [`Db`] and the handle accessors | `server.c` |
//! | `keyspace` | sharded keys, lock order, lazy expiry; `keyspace/expiry` the sweeper | `db.c`, `expire.c` |
//! | `value` | what a key holds, type checks | `object.c` |
//! | `value/hash`, `value/set`, `value/list` | the hash value (pack, table); the set value (intset, pack, table); the list value (chunks) | `t_hash.c`, `t_set.c`, `intset.c`, `quicklist.c` |
//! | `value/zset` | the sorted-set value; `value/zset/skiplist` the ranked skiplist | `t_zset.c` |
//! | `value/pack`, `value/dict` | compact small collections; the scannable hash table of large ones | `listpack.c`, `dict.c` |
//! | `strings`, `bits`, `keys` | the command handles [`Strings`], [`Bits`], [`Keys`] | `t_string.c`, `bitops.c` |
//! | `hashes`, `sets`, `lists` | the command handles [`Hashes`], [`Sets`], [`Lists`] | `t_hash.c`, `t_set.c`, `t_list.c` |
//! | `zsets` | the command handle [`ZSets`]; `zsets/range`, `zsets/options`, `zsets/algebra`, `zsets/blocking` its commands and option types by concern | `t_zset.c` |
//! | `scan` | [`ScanOptions`] and the cursor-step batching behind the scan iterators | `db.c` |
//! | `pubsub` | [`PubSub`], [`Subscription`]: channels between threads | `pubsub.c` |
//! | `transaction` | [`Transaction`], [`Watch`], [`Pipeline`]: atomic closures, optimistic commits, `MULTI`/`EXEC` batches | `multi.c` |
//! | `keyspace/blocking` | blocked callers of `BLPOP` & co., [`CancelToken`] | `blocked.c` |
//! | `keyspace/notify` | keyspace notifications, [`KeyspaceEvents`] | `notify.c` |
//! | `glob`, `index`, `number` | patterns, ranges, numbers as Redis reads and writes them | `util.c` |
//! | `clock` | [`Clock`], [`SystemClock`], [`ManualClock`] | |
//! | `command` | [`Connection`], [`Reply`]: Redis's command syntax over the handles; `command/table` the command table | `server.c`, `networking.c` |
//! | `redis_rs` | (feature `redis-rs`) redis-rs's `ConnectionLike` for [`Connection`] | |
//! | `error` | [`Error`], [`Result`] | |

mod bits;
mod blob;
mod clock;
mod command;
mod core;
mod error;
mod glob;
mod hashes;
mod index;
mod keys;
mod keyspace;
mod lists;
mod mem;
mod number;
mod pubsub;
#[cfg(feature = "redis-rs")]
mod redis_rs;
mod scan;
mod sets;
mod store;
mod strings;
mod transaction;
mod value;
mod zsets;

pub use bits::{BitFieldOp, BitFieldType, BitOffset, BitOp, BitUnit, Bits, Overflow};
pub use blob::Blob;
pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Connection, Reply};
pub use error::{Error, Result};
pub use hashes::{HScanIter, Hashes};
pub use keys::{CopyOptions, ExpireCondition, ExpireTime, Keys, ScanIter, Ttl};
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
}

pub use keyspace::blocking::CancelToken;
pub use keyspace::evict::EvictionPolicy;
pub use keyspace::notify::KeyspaceEvents;
pub use keyspace::pubsub::Message;
pub use lists::{Insertion, LRangeIter, Lists, LposOptions, Matches, Position, Side};
pub use pubsub::{PubSub, Subscription};
pub use scan::ScanOptions;
pub use sets::{SScanIter, Sets};
pub use store::{Db, Info, Store, StoreBuilder};
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
