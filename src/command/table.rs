//! The command table (Redis's `commands.def`): each command's name, arity, flags, key
//! positions and handler, sorted by name for lookup. `COMMAND`, which reads the table,
//! lives in its child `introspect`, so the family modules the table points to never need
//! the table back.

mod introspect;
pub(crate) mod spec;

use super::{Ctx, Reply, hashes, keys, lists, server, sets, strings, zsets};
use crate::Result;

/// A handler: parses the arguments, calls the typed API, shapes the reply.
pub(crate) type Handler = fn(&Ctx<'_>, &[&[u8]]) -> Result<Reply>;

pub(crate) const WRITE: u16 = 1;
pub(crate) const READONLY: u16 = 1 << 1;
pub(crate) const DENYOOM: u16 = 1 << 2;
pub(crate) const FAST: u16 = 1 << 3;
pub(crate) const BLOCKING: u16 = 1 << 4;
pub(crate) const PUBSUB: u16 = 1 << 5;
pub(crate) const NOSCRIPT: u16 = 1 << 6;
pub(crate) const LOADING: u16 = 1 << 7;
pub(crate) const STALE: u16 = 1 << 8;
/// Needs the connection's state: run by the connection itself, not a handler.
pub(crate) const CONN: u16 = 1 << 9;
/// Reaches a whole database (or several): cannot run on named keys alone.
pub(crate) const WHOLE_DB: u16 = 1 << 10;
/// Allowed while a RESP2 connection is subscribed.
pub(crate) const SUB_OK: u16 = 1 << 11;
/// Not queued by `MULTI`: `EXEC`, `DISCARD`, `MULTI`, `WATCH`, `QUIT` and `RESET`.
pub(crate) const NO_QUEUE: u16 = 1 << 12;
/// Refused inside `MULTI` ("Command not allowed inside a transaction").
pub(crate) const NO_MULTI: u16 = 1 << 13;

/// Where a command's keys are.
#[derive(Clone, Copy)]
pub(crate) enum KeySpec {
    /// No keys.
    None,
    /// From `first` to `last` (negative: from the end, -1 the last argument) by `step`.
    Range(i32, i32, i32),
    /// A `numkeys` argument at `at`, the keys after it; plus the key at 1 if `dest`.
    NumKeys { at: usize, dest: bool },
}

/// One command.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) arity: i32,
    pub(crate) flags: u16,
    pub(crate) keys: KeySpec,
    pub(crate) run: Option<Handler>,
}

impl Command {
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The keys among `args` (which passed the arity check); `None` when they cannot
    /// be told (a bad `numkeys`: the command will fail without touching a key).
    pub(crate) fn keys<'a>(&self, args: &[&'a [u8]]) -> Option<Vec<&'a [u8]>> {
        match self.keys {
            KeySpec::None => Some(Vec::new()),
            KeySpec::Range(first, last, step) => {
                let len = i32::try_from(args.len()).ok()?;
                let last = if last < 0 {
                    len + last
                } else {
                    last.min(len - 1)
                };
                let mut out = Vec::new();
                let mut i = first;
                while i <= last {
                    out.push(args[usize::try_from(i).ok()?]);
                    i += step;
                }
                Some(out)
            }
            KeySpec::NumKeys { at, dest } => {
                let n = crate::number::parse_i64(args.get(at)?)?;
                let n = usize::try_from(n).ok()?;
                let keys = args.get(at + 1..at + 1 + n)?;
                let mut out: Vec<&[u8]> = if dest { vec![args[1]] } else { Vec::new() };
                out.extend_from_slice(keys);
                Some(out)
            }
        }
    }
}

/// The subcommands the store has of a container command (Redis checks the name, and
/// the arity its spec gives, before running or queuing the command).
pub(crate) fn subcommands(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "client" => &[
            "caching",
            "getname",
            "getredir",
            "help",
            "id",
            "info",
            "kill",
            "list",
            "no-evict",
            "pause",
            "reply",
            "setname",
            "trackinginfo",
            "unblock",
            "unpause",
        ],
        "command" => &[
            "count",
            "docs",
            "getkeys",
            "getkeysandflags",
            "help",
            "info",
            "list",
        ],
        "config" => &["get", "help", "resetstat", "set"],
        "memory" => &["help", "usage"],
        "object" => &["encoding", "freq", "help", "idletime", "refcount"],
        "pubsub" => &[
            "channels",
            "help",
            "numpat",
            "numsub",
            "shardchannels",
            "shardnumsub",
        ],
        _ => return None,
    })
}

/// The command named `name`, in any case.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static Command> {
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    COMMANDS
        .binary_search_by(|c| c.name.as_bytes().cmp(lower))
        .ok()
        .map(|i| &COMMANDS[i])
}

const fn k(first: i32, last: i32, step: i32) -> KeySpec {
    KeySpec::Range(first, last, step)
}

const NONE: KeySpec = KeySpec::None;
const K1: KeySpec = KeySpec::Range(1, 1, 1);
const K12: KeySpec = KeySpec::Range(1, 2, 1);
const KALL: KeySpec = KeySpec::Range(1, -1, 1);

macro_rules! commands {
    ($($name:literal, $arity:expr, $flags:expr, $keys:expr, $run:expr;)*) => {
        /// Every command, sorted by name.
        pub(crate) static COMMANDS: &[Command] = &[
            $(Command {
                name: $name,
                arity: $arity,
                flags: $flags,
                keys: $keys,
                run: $run,
            },)*
        ];
    };
}

const W: u16 = WRITE | DENYOOM;
const WF: u16 = WRITE | DENYOOM | FAST;
const R: u16 = READONLY;
const RF: u16 = READONLY | FAST;
const D: u16 = WRITE;
const DF: u16 = WRITE | FAST;
const CONN_FLAGS: u16 = CONN | NOSCRIPT | LOADING | STALE | FAST;

commands! {
    "append", 3, WF, K1, Some(strings::append);
    "auth", -2, NOSCRIPT | LOADING | STALE | FAST, NONE, Some(server::auth);
    "bitcount", -2, R, K1, Some(strings::bitcount);
    "bitfield", -2, W, K1, Some(strings::bitfield);
    "bitfield_ro", -2, RF, K1, Some(strings::bitfield_ro);
    "bitop", -4, W, k(2, -1, 1), Some(strings::bitop);
    "bitpos", -3, R, K1, Some(strings::bitpos);
    "blmove", 6, D | DENYOOM | NOSCRIPT | BLOCKING, K12, Some(lists::blmove);
    "blmpop", -5, D | BLOCKING, KeySpec::NumKeys { at: 2, dest: false }, Some(lists::blmpop);
    "blpop", -3, D | NOSCRIPT | BLOCKING, k(1, -2, 1), Some(lists::blpop);
    "brpop", -3, D | NOSCRIPT | BLOCKING, k(1, -2, 1), Some(lists::brpop);
    "brpoplpush", 4, D | DENYOOM | NOSCRIPT | BLOCKING, K12, Some(lists::brpoplpush);
    "bzmpop", -5, D | BLOCKING, KeySpec::NumKeys { at: 2, dest: false }, Some(zsets::bzmpop);
    "bzpopmax", -3, DF | NOSCRIPT | BLOCKING, k(1, -2, 1), Some(zsets::bzpopmax);
    "bzpopmin", -3, DF | NOSCRIPT | BLOCKING, k(1, -2, 1), Some(zsets::bzpopmin);
    "client", -2, CONN_FLAGS, NONE, None;
    "command", -1, LOADING | STALE, NONE, Some(introspect::command);
    "config", -2, NOSCRIPT | LOADING | STALE | WHOLE_DB, NONE, Some(server::config);
    "copy", -3, W, K12, Some(keys::copy);
    "dbsize", 1, RF | WHOLE_DB, NONE, Some(keys::dbsize);
    "decr", 2, WF, K1, Some(strings::decr);
    "decrby", 3, WF, K1, Some(strings::decrby);
    "del", -2, D, KALL, Some(keys::del);
    "discard", 1, CONN_FLAGS | NO_QUEUE, NONE, None;
    "echo", 2, FAST | LOADING | STALE, NONE, Some(server::echo);
    "exec", 1, CONN | NOSCRIPT | LOADING | STALE | NO_QUEUE, NONE, None;
    "exists", -2, RF, KALL, Some(keys::exists);
    "expire", -3, DF, K1, Some(keys::expire);
    "expireat", -3, DF, K1, Some(keys::expireat);
    "expiretime", 2, RF, K1, Some(keys::expiretime);
    "flushall", -1, D | WHOLE_DB, NONE, Some(keys::flushall);
    "flushdb", -1, D | WHOLE_DB, NONE, Some(keys::flushdb);
    "get", 2, RF, K1, Some(strings::get);
    "getbit", 3, RF, K1, Some(strings::getbit);
    "getdel", 2, DF, K1, Some(strings::getdel);
    "getex", -2, DF, K1, Some(strings::getex);
    "getrange", 4, R, K1, Some(strings::getrange);
    "getset", 3, WF, K1, Some(strings::getset);
    "hdel", -3, DF, K1, Some(hashes::hdel);
    "hello", -1, CONN_FLAGS, NONE, None;
    "hexists", 3, RF, K1, Some(hashes::hexists);
    "hget", 3, RF, K1, Some(hashes::hget);
    "hgetall", 2, R, K1, Some(hashes::hgetall);
    "hincrby", 4, WF, K1, Some(hashes::hincrby);
    "hincrbyfloat", 4, WF, K1, Some(hashes::hincrbyfloat);
    "hkeys", 2, R, K1, Some(hashes::hkeys);
    "hlen", 2, RF, K1, Some(hashes::hlen);
    "hmget", -3, RF, K1, Some(hashes::hmget);
    "hmset", -4, WF, K1, Some(hashes::hmset);
    "hrandfield", -2, R, K1, Some(hashes::hrandfield);
    "hscan", -3, R, K1, Some(hashes::hscan);
    "hset", -4, WF, K1, Some(hashes::hset);
    "hsetnx", 4, WF, K1, Some(hashes::hsetnx);
    "hstrlen", 3, RF, K1, Some(hashes::hstrlen);
    "hvals", 2, R, K1, Some(hashes::hvals);
    "incr", 2, WF, K1, Some(strings::incr);
    "incrby", 3, WF, K1, Some(strings::incrby);
    "incrbyfloat", 3, WF, K1, Some(strings::incrbyfloat);
    "info", -1, LOADING | STALE | WHOLE_DB, NONE, Some(server::info);
    "keys", 2, R | WHOLE_DB, NONE, Some(keys::keys);
    "lcs", -3, R, K12, Some(strings::lcs);
    "lindex", 3, R, K1, Some(lists::lindex);
    "linsert", 5, W, K1, Some(lists::linsert);
    "llen", 2, RF, K1, Some(lists::llen);
    "lmove", 5, W, K12, Some(lists::lmove);
    "lmpop", -4, D, KeySpec::NumKeys { at: 1, dest: false }, Some(lists::lmpop);
    "lpop", -2, DF, K1, Some(lists::lpop);
    "lpos", -3, R, K1, Some(lists::lpos);
    "lpush", -3, WF, K1, Some(lists::lpush);
    "lpushx", -3, WF, K1, Some(lists::lpushx);
    "lrange", 4, R, K1, Some(lists::lrange);
    "lrem", 4, D, K1, Some(lists::lrem);
    "lset", 4, W, K1, Some(lists::lset);
    "ltrim", 4, D, K1, Some(lists::ltrim);
    "memory", -2, R, NONE, Some(server::memory);
    "mget", -2, RF, KALL, Some(strings::mget);
    "move", 3, DF, K1, Some(keys::move_);
    "mset", -3, W, k(1, -1, 2), Some(strings::mset);
    "msetnx", -3, W, k(1, -1, 2), Some(strings::msetnx);
    "multi", 1, CONN_FLAGS | NO_QUEUE, NONE, None;
    "object", -2, R, NONE, Some(keys::object);
    "persist", 2, DF, K1, Some(keys::persist);
    "pexpire", -3, DF, K1, Some(keys::pexpire);
    "pexpireat", -3, DF, K1, Some(keys::pexpireat);
    "pexpiretime", 2, RF, K1, Some(keys::pexpiretime);
    "ping", -1, FAST | SUB_OK, NONE, Some(server::ping);
    "psetex", 4, W, K1, Some(strings::psetex);
    "psubscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "psync", -3, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported);
    "pttl", 2, RF, K1, Some(keys::pttl);
    "publish", 3, PUBSUB | LOADING | STALE | FAST, NONE, Some(server::publish);
    "pubsub", -2, PUBSUB | LOADING | STALE, NONE, Some(server::pubsub);
    "punsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "quit", -1, CONN_FLAGS | SUB_OK | NO_QUEUE, NONE, None;
    "randomkey", 1, R | WHOLE_DB, NONE, Some(keys::randomkey);
    "rename", 3, D, K12, Some(keys::rename);
    "renamenx", 3, DF, K12, Some(keys::renamenx);
    "reset", 1, CONN_FLAGS | SUB_OK | NO_QUEUE, NONE, None;
    "rpop", -2, DF, K1, Some(lists::rpop);
    "rpoplpush", 3, W, K12, Some(lists::rpoplpush);
    "rpush", -3, WF, K1, Some(lists::rpush);
    "rpushx", -3, WF, K1, Some(lists::rpushx);
    "sadd", -3, WF, K1, Some(sets::sadd);
    "save", 1, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported);
    "scan", -2, R | WHOLE_DB, NONE, Some(keys::scan);
    "scard", 2, RF, K1, Some(sets::scard);
    "sdiff", -2, R, KALL, Some(sets::sdiff);
    "sdiffstore", -3, W, KALL, Some(sets::sdiffstore);
    "select", 2, CONN | LOADING | STALE | FAST, NONE, None;
    "set", -3, W, K1, Some(strings::set);
    "setbit", 4, W, K1, Some(strings::setbit);
    "setex", 4, W, K1, Some(strings::setex);
    "setnx", 3, WF, K1, Some(strings::setnx);
    "setrange", 4, W, K1, Some(strings::setrange);
    "shutdown", -1, NO_MULTI | NOSCRIPT | LOADING | STALE, NONE, Some(server::unsupported);
    "sinter", -2, R, KALL, Some(sets::sinter);
    "sintercard", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(sets::sintercard);
    "sinterstore", -3, W, KALL, Some(sets::sinterstore);
    "sismember", 3, RF, K1, Some(sets::sismember);
    "smembers", 2, R, K1, Some(sets::smembers);
    "smismember", -3, RF, K1, Some(sets::smismember);
    "smove", 4, DF, K12, Some(sets::smove);
    "spop", -2, DF, K1, Some(sets::spop);
    "spublish", 3, PUBSUB | LOADING | STALE | FAST, NONE, Some(server::spublish);
    "srandmember", -2, R, K1, Some(sets::srandmember);
    "srem", -3, DF, K1, Some(sets::srem);
    "sscan", -3, R, K1, Some(sets::sscan);
    "ssubscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "strlen", 2, RF, K1, Some(strings::strlen);
    "subscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "substr", 4, R, K1, Some(strings::getrange);
    "sunion", -2, R, KALL, Some(sets::sunion);
    "sunionstore", -3, W, KALL, Some(sets::sunionstore);
    "sunsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "swapdb", 3, DF | WHOLE_DB, NONE, Some(keys::swapdb);
    "sync", 1, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported);
    "time", 1, FAST | LOADING | STALE, NONE, Some(server::time);
    "touch", -2, RF, KALL, Some(keys::touch);
    "ttl", 2, RF, K1, Some(keys::ttl);
    "type", 2, RF, K1, Some(keys::type_);
    "unlink", -2, DF, KALL, Some(keys::unlink);
    "unsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, NONE, None;
    "unwatch", 1, CONN_FLAGS, NONE, None;
    "wait", 3, NOSCRIPT | BLOCKING, NONE, Some(server::wait);
    "watch", -2, CONN_FLAGS | NO_QUEUE, KALL, None;
    "zadd", -4, WF, K1, Some(zsets::zadd);
    "zcard", 2, RF, K1, Some(zsets::zcard);
    "zcount", 4, RF, K1, Some(zsets::zcount);
    "zdiff", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zdiff);
    "zdiffstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zdiffstore);
    "zincrby", 4, WF, K1, Some(zsets::zincrby);
    "zinter", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zinter);
    "zintercard", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zintercard);
    "zinterstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zinterstore);
    "zlexcount", 4, RF, K1, Some(zsets::zlexcount);
    "zmpop", -4, D, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zmpop);
    "zmscore", -3, RF, K1, Some(zsets::zmscore);
    "zpopmax", -2, DF, K1, Some(zsets::zpopmax);
    "zpopmin", -2, DF, K1, Some(zsets::zpopmin);
    "zrandmember", -2, R, K1, Some(zsets::zrandmember);
    "zrange", -4, R, K1, Some(zsets::zrange);
    "zrangebylex", -4, R, K1, Some(zsets::zrangebylex);
    "zrangebyscore", -4, R, K1, Some(zsets::zrangebyscore);
    "zrangestore", -5, W, K12, Some(zsets::zrangestore);
    "zrank", 3, RF, K1, Some(zsets::zrank);
    "zrem", -3, DF, K1, Some(zsets::zrem);
    "zremrangebylex", 4, D, K1, Some(zsets::zremrangebylex);
    "zremrangebyrank", 4, D, K1, Some(zsets::zremrangebyrank);
    "zremrangebyscore", 4, D, K1, Some(zsets::zremrangebyscore);
    "zrevrange", -4, R, K1, Some(zsets::zrevrange);
    "zrevrangebylex", -4, R, K1, Some(zsets::zrevrangebylex);
    "zrevrangebyscore", -4, R, K1, Some(zsets::zrevrangebyscore);
    "zrevrank", 3, RF, K1, Some(zsets::zrevrank);
    "zscan", -3, R, K1, Some(zsets::zscan);
    "zscore", 3, RF, K1, Some(zsets::zscore);
    "zunion", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zunion);
    "zunionstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zunionstore);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_lookups_ignore_case() {
        assert!(COMMANDS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(lookup(b"GeT").map(|c| c.name), Some("get"));
        assert!(lookup(b"nosuchcommand").is_none());
        assert!(lookup(&[b'a'; 100]).is_none());
    }

    #[test]
    fn keys_are_found_where_the_spec_says() {
        let args: Vec<&[u8]> = vec![
            b"zunionstore",
            b"d",
            b"2",
            b"a",
            b"b",
            b"WEIGHTS",
            b"1",
            b"2",
        ];
        assert_eq!(
            lookup(b"zunionstore").unwrap().keys(&args).unwrap(),
            [&b"d"[..], b"a", b"b"]
        );
        let args: Vec<&[u8]> = vec![b"mset", b"a", b"1", b"b", b"2"];
        assert_eq!(
            lookup(b"mset").unwrap().keys(&args).unwrap(),
            [&b"a"[..], b"b"]
        );
        let args: Vec<&[u8]> = vec![b"blpop", b"a", b"b", b"0"];
        assert_eq!(
            lookup(b"blpop").unwrap().keys(&args).unwrap(),
            [&b"a"[..], b"b"]
        );
        let args: Vec<&[u8]> = vec![b"lmpop", b"9", b"a", b"LEFT"];
        assert!(lookup(b"lmpop").unwrap().keys(&args).is_none());
    }
}
