//! The command table (Redis's `commands.def`): each command's name, arity, flags, key
//! positions and handler, sorted by name for lookup. `COMMAND`, which reads the table,
//! lives in its child `introspect`, so the family modules the table points to never need
//! the table back.

mod introspect;
pub(crate) mod spec;

use super::{
    Ctx, Reply, cluster, geo, hashes, hll, keys, lists, server, sets, stream_groups, streams,
    strings, zsets,
};
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

/// A scripting command (`EVAL`, `SCRIPT`, …): run by the connection through the
/// scripting module, which looks commands up in this table for `redis.call`.
pub(crate) const SCRIPTING: u16 = 1 << 14;

/// One command.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) arity: i32,
    pub(crate) flags: u16,
    pub(crate) run: Option<Handler>,
}

impl Command {
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// The keys among `args` that `cmd` may touch (its subcommand's, for a container), by
/// Redis's key specs: what a transaction running it must lock.
pub(crate) fn keys_of<'a>(cmd: &Command, args: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let Some(top) = spec::find(cmd.name.as_bytes()) else {
        return Vec::new();
    };
    let spec = match (subcommands(cmd.name), args.get(1)) {
        (Some(_), Some(sub)) => top.sub(sub).unwrap_or(top),
        _ => top,
    };
    spec.key_positions(args)
        .into_iter()
        .map(|i| args[i])
        .collect()
}

/// The keys among `args` that Redis Cluster hashes for `cmd` (its subcommand's, for
/// a container): see [`spec::Spec::cluster_keys`].
pub(crate) fn cluster_keys<'a>(cmd: &Command, args: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let Some(top) = spec::find(cmd.name.as_bytes()) else {
        return Vec::new();
    };
    let spec = match (subcommands(cmd.name), args.get(1)) {
        (Some(_), Some(sub)) => top.sub(sub).unwrap_or(top),
        _ => top,
    };
    spec.cluster_keys(args)
        .into_iter()
        .map(|i| args[i])
        .collect()
}

/// Whether `n` arguments (the name included) satisfy `arity`: exactly that many, or
/// (negative) at least its absolute value.
pub(crate) fn arity_ok(arity: i32, n: usize) -> bool {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let arity = i64::from(arity);
    if arity >= 0 { n == arity } else { n >= -arity }
}

/// A command (and its subcommand) as one number, for a connection to publish without a
/// lock (`CLIENT LIST`'s `cmd=`): its place in the table and in its spec's subcommands,
/// each plus one. 0 is no command.
pub(crate) fn command_code(cmd: &Command, sub: Option<&spec::Spec>) -> u32 {
    let place = |at: usize, start: usize, size: usize| (at - start) / size + 1;
    let top = place(
        std::ptr::from_ref(cmd) as usize,
        COMMANDS.as_ptr() as usize,
        std::mem::size_of::<Command>(),
    );
    let sub = sub.map_or(0, |sub| {
        spec::find(cmd.name.as_bytes()).map_or(0, |parent| {
            place(
                std::ptr::from_ref(sub) as usize,
                parent.subcommands.as_ptr() as usize,
                std::mem::size_of::<spec::Spec>(),
            )
        })
    });
    u32::try_from(top << 8 | sub.min(0xff)).unwrap_or(0)
}

/// The full name [`command_code`] coded (`client|list`); `None` for 0.
pub(crate) fn command_name(code: u32) -> Option<&'static str> {
    let top = COMMANDS.get(usize::try_from(code >> 8).ok()?.checked_sub(1)?)?;
    match (code & 0xff) as usize {
        0 => Some(top.name),
        sub => Some(
            spec::find(top.name.as_bytes())?
                .subcommands
                .get(sub - 1)?
                .name,
        ),
    }
}

/// Whether `cmd` with `args` may grow memory and is refused over the limit: a
/// container's subcommand by its own flags (`XGROUP CREATE`, `XGROUP CREATECONSUMER`),
/// as Redis looks at the subcommand it runs.
pub(crate) fn denies_oom(cmd: &Command, args: &[&[u8]]) -> bool {
    match (subcommands(cmd.name), args.get(1)) {
        (Some(_), Some(sub)) => spec::find(cmd.name.as_bytes())
            .and_then(|s| s.sub(sub))
            .is_some_and(|s| s.flags() & spec::F_DENYOOM != 0),
        _ => cmd.has(DENYOOM),
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
        "cluster" => &[
            "countkeysinslot",
            "getkeysinslot",
            "help",
            "info",
            "keyslot",
            "myid",
            "nodes",
            "shards",
            "slots",
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
        "xgroup" => &[
            "create",
            "createconsumer",
            "delconsumer",
            "destroy",
            "help",
            "setid",
        ],
        "xinfo" => &["consumers", "groups", "help", "stream"],
        "script" => &["debug", "exists", "flush", "help", "kill", "load"],
        "function" => &[
            "delete", "dump", "flush", "help", "kill", "list", "load", "restore", "stats",
        ],
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

macro_rules! commands {
    ($($name:literal, $arity:expr, $flags:expr, $run:expr;)*) => {
        /// Every command, sorted by name.
        pub(crate) static COMMANDS: &[Command] = &[
            $(Command {
                name: $name,
                arity: $arity,
                flags: $flags,
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
    "append", 3, WF, Some(strings::append);
    "asking", 1, FAST, Some(cluster::ok_in_cluster);
    "auth", -2, NOSCRIPT | LOADING | STALE | FAST, Some(server::auth);
    "bgrewriteaof", 1, NOSCRIPT, Some(server::bgrewriteaof);
    "bgsave", -1, NOSCRIPT, Some(server::bgsave);
    "bitcount", -2, R, Some(strings::bitcount);
    "bitfield", -2, W, Some(strings::bitfield);
    "bitfield_ro", -2, RF, Some(strings::bitfield_ro);
    "bitop", -4, W, Some(strings::bitop);
    "bitpos", -3, R, Some(strings::bitpos);
    "blmove", 6, D | DENYOOM | NOSCRIPT | BLOCKING, Some(lists::blmove);
    "blmpop", -5, D | BLOCKING, Some(lists::blmpop);
    "blpop", -3, D | NOSCRIPT | BLOCKING, Some(lists::blpop);
    "brpop", -3, D | NOSCRIPT | BLOCKING, Some(lists::brpop);
    "brpoplpush", 4, D | DENYOOM | NOSCRIPT | BLOCKING, Some(lists::brpoplpush);
    "bzmpop", -5, D | BLOCKING, Some(zsets::bzmpop);
    "bzpopmax", -3, DF | NOSCRIPT | BLOCKING, Some(zsets::bzpopmax);
    "bzpopmin", -3, DF | NOSCRIPT | BLOCKING, Some(zsets::bzpopmin);
    "client", -2, CONN_FLAGS, None;
    "cluster", -2, LOADING | STALE | WHOLE_DB, Some(cluster::cluster);
    "command", -1, LOADING | STALE, Some(introspect::command);
    "config", -2, NOSCRIPT | LOADING | STALE | WHOLE_DB, Some(server::config);
    "copy", -3, W, Some(keys::copy);
    "dbsize", 1, RF | WHOLE_DB, Some(keys::dbsize);
    "decr", 2, WF, Some(strings::decr);
    "decrby", 3, WF, Some(strings::decrby);
    "del", -2, D, Some(keys::del);
    "discard", 1, CONN_FLAGS | NO_QUEUE, None;
    "dump", 2, R, Some(keys::dump);
    "echo", 2, FAST | LOADING | STALE, Some(server::echo);
    "eval", -3, NOSCRIPT | STALE | SCRIPTING, None;
    "eval_ro", -3, NOSCRIPT | STALE | READONLY | SCRIPTING, None;
    "evalsha", -3, NOSCRIPT | STALE | SCRIPTING, None;
    "evalsha_ro", -3, NOSCRIPT | STALE | READONLY | SCRIPTING, None;
    "exec", 1, CONN | NOSCRIPT | LOADING | STALE | NO_QUEUE, None;
    "exists", -2, RF, Some(keys::exists);
    "expire", -3, DF, Some(keys::expire);
    "expireat", -3, DF, Some(keys::expireat);
    "expiretime", 2, RF, Some(keys::expiretime);
    "fcall", -3, NOSCRIPT | STALE | SCRIPTING, None;
    "fcall_ro", -3, NOSCRIPT | STALE | READONLY | SCRIPTING, None;
    "flushall", -1, D | WHOLE_DB, Some(keys::flushall);
    "flushdb", -1, D | WHOLE_DB, Some(keys::flushdb);
    "function", -2, NOSCRIPT | SCRIPTING, None;
    "geoadd", -5, W, Some(geo::geoadd);
    "geodist", -4, R, Some(geo::geodist);
    "geohash", -2, R, Some(geo::geohash);
    "geopos", -2, R, Some(geo::geopos);
    "georadius", -6, W, Some(geo::georadius);
    "georadius_ro", -6, R, Some(geo::georadius_ro);
    "georadiusbymember", -5, W, Some(geo::georadiusbymember);
    "georadiusbymember_ro", -5, R, Some(geo::georadiusbymember_ro);
    "geosearch", -7, R, Some(geo::geosearch);
    "geosearchstore", -8, W, Some(geo::geosearchstore);
    "get", 2, RF, Some(strings::get);
    "getbit", 3, RF, Some(strings::getbit);
    "getdel", 2, DF, Some(strings::getdel);
    "getex", -2, DF, Some(strings::getex);
    "getrange", 4, R, Some(strings::getrange);
    "getset", 3, WF, Some(strings::getset);
    "hdel", -3, DF, Some(hashes::hdel);
    "hello", -1, CONN_FLAGS, None;
    "hexists", 3, RF, Some(hashes::hexists);
    "hget", 3, RF, Some(hashes::hget);
    "hgetall", 2, R, Some(hashes::hgetall);
    "hincrby", 4, WF, Some(hashes::hincrby);
    "hincrbyfloat", 4, WF, Some(hashes::hincrbyfloat);
    "hkeys", 2, R, Some(hashes::hkeys);
    "hlen", 2, RF, Some(hashes::hlen);
    "hmget", -3, RF, Some(hashes::hmget);
    "hmset", -4, WF, Some(hashes::hmset);
    "hrandfield", -2, R, Some(hashes::hrandfield);
    "hscan", -3, R, Some(hashes::hscan);
    "hset", -4, WF, Some(hashes::hset);
    "hsetnx", 4, WF, Some(hashes::hsetnx);
    "hstrlen", 3, RF, Some(hashes::hstrlen);
    "hvals", 2, R, Some(hashes::hvals);
    "incr", 2, WF, Some(strings::incr);
    "incrby", 3, WF, Some(strings::incrby);
    "incrbyfloat", 3, WF, Some(strings::incrbyfloat);
    "info", -1, LOADING | STALE | WHOLE_DB, Some(server::info);
    "keys", 2, R | WHOLE_DB, Some(keys::keys);
    "lastsave", 1, LOADING | STALE | FAST, Some(server::lastsave);
    "lcs", -3, R, Some(strings::lcs);
    "lindex", 3, R, Some(lists::lindex);
    "linsert", 5, W, Some(lists::linsert);
    "llen", 2, RF, Some(lists::llen);
    "lmove", 5, W, Some(lists::lmove);
    "lmpop", -4, D, Some(lists::lmpop);
    "lpop", -2, DF, Some(lists::lpop);
    "lpos", -3, R, Some(lists::lpos);
    "lpush", -3, WF, Some(lists::lpush);
    "lpushx", -3, WF, Some(lists::lpushx);
    "lrange", 4, R, Some(lists::lrange);
    "lrem", 4, D, Some(lists::lrem);
    "lset", 4, W, Some(lists::lset);
    "ltrim", 4, D, Some(lists::ltrim);
    "memory", -2, R, Some(server::memory);
    "mget", -2, RF, Some(strings::mget);
    "move", 3, DF, Some(keys::move_);
    "mset", -3, W, Some(strings::mset);
    "msetnx", -3, W, Some(strings::msetnx);
    "multi", 1, CONN_FLAGS | NO_QUEUE, None;
    "object", -2, R, Some(keys::object);
    "persist", 2, DF, Some(keys::persist);
    "pexpire", -3, DF, Some(keys::pexpire);
    "pexpireat", -3, DF, Some(keys::pexpireat);
    "pexpiretime", 2, RF, Some(keys::pexpiretime);
    "pfadd", -2, WF, Some(hll::pfadd);
    "pfcount", -2, R, Some(hll::pfcount);
    "pfdebug", 3, W, Some(hll::pfdebug);
    "pfmerge", -2, W, Some(hll::pfmerge);
    "pfselftest", 1, 0, Some(hll::pfselftest);
    "ping", -1, FAST | SUB_OK, Some(server::ping);
    "psetex", 4, W, Some(strings::psetex);
    "psubscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "psync", -3, NO_MULTI | NOSCRIPT, Some(server::unsupported);
    "pttl", 2, RF, Some(keys::pttl);
    "publish", 3, PUBSUB | LOADING | STALE | FAST, Some(server::publish);
    "pubsub", -2, PUBSUB | LOADING | STALE, Some(server::pubsub);
    "punsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "quit", -1, CONN_FLAGS | SUB_OK | NO_QUEUE, None;
    "randomkey", 1, R | WHOLE_DB, Some(keys::randomkey);
    "readonly", 1, LOADING | STALE | FAST, Some(cluster::ok_in_cluster);
    "readwrite", 1, LOADING | STALE | FAST, Some(cluster::ok_in_cluster);
    "rename", 3, D, Some(keys::rename);
    "renamenx", 3, DF, Some(keys::renamenx);
    "reset", 1, CONN_FLAGS | SUB_OK | NO_QUEUE, None;
    "restore", -4, W, Some(keys::restore);
    "rpop", -2, DF, Some(lists::rpop);
    "rpoplpush", 3, W, Some(lists::rpoplpush);
    "rpush", -3, WF, Some(lists::rpush);
    "rpushx", -3, WF, Some(lists::rpushx);
    "sadd", -3, WF, Some(sets::sadd);
    "save", 1, NO_MULTI | NOSCRIPT, Some(server::save);
    "scan", -2, R | WHOLE_DB, Some(keys::scan);
    "scard", 2, RF, Some(sets::scard);
    "script", -2, NOSCRIPT | SCRIPTING, None;
    "sdiff", -2, R, Some(sets::sdiff);
    "sdiffstore", -3, W, Some(sets::sdiffstore);
    "select", 2, CONN | LOADING | STALE | FAST, None;
    "set", -3, W, Some(strings::set);
    "setbit", 4, W, Some(strings::setbit);
    "setex", 4, W, Some(strings::setex);
    "setnx", 3, WF, Some(strings::setnx);
    "setrange", 4, W, Some(strings::setrange);
    "shutdown", -1, NO_MULTI | NOSCRIPT | LOADING | STALE, Some(server::unsupported);
    "sinter", -2, R, Some(sets::sinter);
    "sintercard", -3, R, Some(sets::sintercard);
    "sinterstore", -3, W, Some(sets::sinterstore);
    "sismember", 3, RF, Some(sets::sismember);
    "smembers", 2, R, Some(sets::smembers);
    "smismember", -3, RF, Some(sets::smismember);
    "smove", 4, DF, Some(sets::smove);
    "sort", -2, W, Some(keys::sort);
    "sort_ro", -2, R, Some(keys::sort_ro);
    "spop", -2, DF, Some(sets::spop);
    "spublish", 3, PUBSUB | LOADING | STALE | FAST, Some(server::spublish);
    "srandmember", -2, R, Some(sets::srandmember);
    "srem", -3, DF, Some(sets::srem);
    "sscan", -3, R, Some(sets::sscan);
    "ssubscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "strlen", 2, RF, Some(strings::strlen);
    "subscribe", -2, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "substr", 4, R, Some(strings::getrange);
    "sunion", -2, R, Some(sets::sunion);
    "sunionstore", -3, W, Some(sets::sunionstore);
    "sunsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "swapdb", 3, DF | WHOLE_DB, Some(keys::swapdb);
    "sync", 1, NO_MULTI | NOSCRIPT, Some(server::unsupported);
    "time", 1, FAST | LOADING | STALE, Some(server::time);
    "touch", -2, RF, Some(keys::touch);
    "ttl", 2, RF, Some(keys::ttl);
    "type", 2, RF, Some(keys::type_);
    "unlink", -2, DF, Some(keys::unlink);
    "unsubscribe", -1, CONN | NOSCRIPT | LOADING | STALE | PUBSUB | SUB_OK, None;
    "unwatch", 1, CONN_FLAGS, None;
    "wait", 3, NOSCRIPT | BLOCKING, Some(server::wait);
    "watch", -2, CONN_FLAGS | NO_QUEUE, None;
    "xack", -4, DF, Some(stream_groups::xack);
    "xadd", -5, WF, Some(streams::xadd);
    "xautoclaim", -6, DF, Some(stream_groups::xautoclaim);
    "xclaim", -6, DF, Some(stream_groups::xclaim);
    "xdel", -3, DF, Some(streams::xdel);
    "xgroup", -2, D, Some(stream_groups::xgroup);
    "xinfo", -2, R, Some(stream_groups::xinfo);
    "xlen", 2, RF, Some(streams::xlen);
    "xpending", -3, R, Some(stream_groups::xpending);
    "xrange", -4, R, Some(streams::xrange);
    "xread", -4, R | BLOCKING, Some(streams::xread);
    "xreadgroup", -7, D | BLOCKING, Some(stream_groups::xreadgroup);
    "xrevrange", -4, R, Some(streams::xrevrange);
    "xsetid", -3, WF, Some(streams::xsetid);
    "xtrim", -4, D, Some(streams::xtrim);
    "zadd", -4, WF, Some(zsets::zadd);
    "zcard", 2, RF, Some(zsets::zcard);
    "zcount", 4, RF, Some(zsets::zcount);
    "zdiff", -3, R, Some(zsets::zdiff);
    "zdiffstore", -4, W, Some(zsets::zdiffstore);
    "zincrby", 4, WF, Some(zsets::zincrby);
    "zinter", -3, R, Some(zsets::zinter);
    "zintercard", -3, R, Some(zsets::zintercard);
    "zinterstore", -4, W, Some(zsets::zinterstore);
    "zlexcount", 4, RF, Some(zsets::zlexcount);
    "zmpop", -4, D, Some(zsets::zmpop);
    "zmscore", -3, RF, Some(zsets::zmscore);
    "zpopmax", -2, DF, Some(zsets::zpopmax);
    "zpopmin", -2, DF, Some(zsets::zpopmin);
    "zrandmember", -2, R, Some(zsets::zrandmember);
    "zrange", -4, R, Some(zsets::zrange);
    "zrangebylex", -4, R, Some(zsets::zrangebylex);
    "zrangebyscore", -4, R, Some(zsets::zrangebyscore);
    "zrangestore", -5, W, Some(zsets::zrangestore);
    "zrank", 3, RF, Some(zsets::zrank);
    "zrem", -3, DF, Some(zsets::zrem);
    "zremrangebylex", 4, D, Some(zsets::zremrangebylex);
    "zremrangebyrank", 4, D, Some(zsets::zremrangebyrank);
    "zremrangebyscore", 4, D, Some(zsets::zremrangebyscore);
    "zrevrange", -4, R, Some(zsets::zrevrange);
    "zrevrangebylex", -4, R, Some(zsets::zrevrangebylex);
    "zrevrangebyscore", -4, R, Some(zsets::zrevrangebyscore);
    "zrevrank", 3, RF, Some(zsets::zrevrank);
    "zscan", -3, R, Some(zsets::zscan);
    "zscore", 3, RF, Some(zsets::zscore);
    "zunion", -3, R, Some(zsets::zunion);
    "zunionstore", -4, W, Some(zsets::zunionstore);
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
    fn command_codes_name_commands_and_subcommands() {
        let get = lookup(b"get").unwrap();
        assert_eq!(command_name(command_code(get, None)), Some("get"));
        let client = lookup(b"client").unwrap();
        let list = spec::find(b"client").unwrap().sub(b"list");
        assert_eq!(
            command_name(command_code(client, list)),
            Some("client|list")
        );
        let final_one = COMMANDS.last().unwrap();
        let code = command_code(final_one, None);
        assert_eq!(command_name(code), Some(final_one.name));
        assert_eq!(command_name(0), None);
    }

    #[test]
    fn keys_are_found_where_the_spec_says() {
        let keys = |args: &[&'static [u8]]| keys_of(lookup(args[0]).unwrap(), args);
        let z: &[&[u8]] = &[
            b"zunionstore",
            b"d",
            b"2",
            b"a",
            b"b",
            b"WEIGHTS",
            b"1",
            b"2",
        ];
        assert_eq!(keys(z), [&b"d"[..], b"a", b"b"]);
        assert_eq!(keys(&[b"mset", b"a", b"1", b"b", b"2"]), [&b"a"[..], b"b"]);
        assert_eq!(keys(&[b"blpop", b"a", b"b", b"0"]), [&b"a"[..], b"b"]);
        // A subcommand's keys.
        assert_eq!(keys(&[b"object", b"encoding", b"k"]), [&b"k"[..]]);
        assert_eq!(keys(&[b"memory", b"usage", b"k"]), [&b"k"[..]]);
        // A count the arguments cannot meet: the keys the other specs find.
        assert_eq!(keys(&[b"zunionstore", b"d", b"0", b"a"]), [&b"d"[..]]);
        assert!(keys(&[b"lmpop", b"9", b"a", b"LEFT"]).is_empty());
        assert!(keys(&[b"ping"]).is_empty());
    }
}
