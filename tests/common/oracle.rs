//! Shared by the `oracle_*` tests, which check the typed API against a real
//! `redis-server`: the same operations, through the typed API here and as commands
//! there, must give the same answers. A test file that uses this also declares
//! `mod redis_server` and `mod redis_client` at its root.
//!
//! Each test starts a server of its own, one test at a time (parallel servers would race
//! for ports); without `redis-server` a test says so and passes, checking nothing.
#![allow(dead_code)] // each test file uses some of the helpers
#![allow(clippy::cast_possible_wrap)] // small lengths and indexes as RESP integers

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use embedis::{Blob, Reply, Store};

use crate::redis_client::Redis;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The Redis the typed API is compared with: a server of this test's own.
pub(crate) struct Oracle {
    redis: Redis,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl Oracle {
    /// Waits for the other tests of this file to finish with theirs, then starts a
    /// server; `None`, with a message, if `redis-server` is not installed.
    pub(crate) fn start() -> Option<Oracle> {
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(redis) = Redis::start() else {
            eprintln!(
                "redis-server not installed (or not starting): skipping the differential tests"
            );
            return None;
        };
        Some(Oracle {
            redis,
            _one_at_a_time: guard,
        })
    }

    /// A bulk string reply (`None` for nil); panics on any other.
    pub(crate) fn bulk<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Option<Vec<u8>> {
        match self.cmd(args) {
            Reply::Bulk(b) => Some(b.to_vec()),
            Reply::Nil => None,
            other => panic!("expected a bulk reply, got {other:?}"),
        }
    }

    /// An integer reply; panics on any other.
    pub(crate) fn int<A: AsRef<[u8]>>(&mut self, args: &[A]) -> i64 {
        match self.cmd(args) {
            Reply::Integer(i) => i,
            other => panic!("expected an integer reply, got {other:?}"),
        }
    }

    /// An error reply's text; panics on any other reply.
    pub(crate) fn error<A: AsRef<[u8]>>(&mut self, args: &[A]) -> String {
        match self.cmd(args) {
            Reply::Error(e) => String::from_utf8_lossy(&e).into_owned(),
            other => panic!("expected an error reply, got {other:?}"),
        }
    }
}

impl Deref for Oracle {
    type Target = Redis;
    fn deref(&self) -> &Redis {
        &self.redis
    }
}

impl DerefMut for Oracle {
    fn deref_mut(&mut self) -> &mut Redis {
        &mut self.redis
    }
}

/// Sets the string `key` in both.
pub(crate) fn set_both(store: &Store, redis: &mut Oracle, key: &str, value: &[u8]) {
    store.strings().set(key, value).unwrap();
    redis.cmd(&[b"SET".as_slice(), key.as_bytes(), value]);
}

pub(crate) fn bulk(b: impl AsRef<[u8]>) -> Reply {
    Reply::Bulk(Bytes::copy_from_slice(b.as_ref()))
}

pub(crate) fn error_reply(e: &embedis::Error) -> Reply {
    Reply::from(e.clone())
}

pub(crate) fn int_resp(r: embedis::Result<usize>) -> Reply {
    r.map_or_else(|e| error_reply(&e), |n| Reply::Integer(n as i64))
}

pub(crate) fn bool_resp(r: embedis::Result<bool>) -> Reply {
    int_resp(r.map(usize::from))
}

pub(crate) fn bulk_resp(r: embedis::Result<Option<Blob>>) -> Reply {
    r.map_or_else(|e| error_reply(&e), |b| b.map_or(Reply::Nil, bulk))
}

pub(crate) fn array_resp(r: embedis::Result<Vec<Blob>>) -> Reply {
    r.map_or_else(
        |e| error_reply(&e),
        |v| Reply::Array(v.iter().map(bulk).collect()),
    )
}

/// A missing list is a null array (`LPOP key count`).
pub(crate) fn opt_array_resp(r: embedis::Result<Option<Vec<Blob>>>) -> Reply {
    match r {
        Ok(None) => Reply::NilArray,
        other => array_resp(other.map(Option::unwrap_or_default)),
    }
}

pub(crate) fn pairs_resp(r: embedis::Result<Vec<(Blob, Blob)>>) -> Reply {
    array_resp(r.map(|v| v.into_iter().flat_map(|(f, v)| [f, v]).collect()))
}

/// Sorts an array reply (for replies whose order Redis leaves unspecified).
pub(crate) fn sorted(r: Reply) -> Reply {
    match r {
        Reply::Array(mut items) => {
            items.sort_by_key(|i| format!("{i:?}"));
            Reply::Array(items)
        }
        other => other,
    }
}

/// Sorts the pairs of a flat field/value array reply.
pub(crate) fn sorted_pairs(r: Reply) -> Reply {
    match r {
        Reply::Array(items) => {
            let mut pairs: Vec<Vec<Reply>> = items.chunks(2).map(<[Reply]>::to_vec).collect();
            pairs.sort_by_key(|p| format!("{p:?}"));
            Reply::Array(pairs.concat())
        }
        other => other,
    }
}

/// The length of an array reply, or its error.
pub(crate) fn reply_len(r: Reply) -> Result<usize, String> {
    match r {
        Reply::Array(v) => Ok(v.len()),
        Reply::Error(e) => Err(String::from_utf8_lossy(&e).into_owned()),
        other => panic!("unexpected {other:?}"),
    }
}

/// Rewrites every bulk string that reads as a float in Rust's shortest form, so that
/// scores compare by value (`%.17g` there, `f64` here); applied to both sides.
pub(crate) fn numeric(r: Reply) -> Reply {
    match r {
        Reply::Bulk(b) => {
            let v = std::str::from_utf8(&b)
                .ok()
                .and_then(|s| s.parse::<f64>().ok());
            v.map_or(Reply::Bulk(b), |v| bulk(format!("{v}")))
        }
        Reply::Array(items) => Reply::Array(items.into_iter().map(numeric).collect()),
        other => other,
    }
}

/// A reply as readable text, for failure messages.
pub(crate) fn show(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Array(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(" ")),
        other => format!("{other:?}"),
    }
}
