//! The command table (Redis's `commands.def`): each command's name, arity, flags, key
//! positions and handler, sorted by name for lookup. `COMMAND`, which reads the table,
//! lives in its child `introspect`, so the family modules the table points to never need
//! the table back.

mod introspect;

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

const FLAG_NAMES: [(u16, &str); 9] = [
    (WRITE, "write"),
    (READONLY, "readonly"),
    (DENYOOM, "denyoom"),
    (FAST, "fast"),
    (BLOCKING, "blocking"),
    (PUBSUB, "pubsub"),
    (NOSCRIPT, "noscript"),
    (LOADING, "loading"),
    (STALE, "stale"),
];

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
    pub(crate) group: &'static str,
    pub(crate) args: &'static str,
    pub(crate) summary: &'static str,
}

impl Command {
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub(crate) fn flag_names(&self) -> Vec<&'static str> {
        FLAG_NAMES
            .iter()
            .filter(|(f, _)| self.has(*f))
            .map(|(_, n)| *n)
            .collect()
    }

    /// `COMMAND INFO`'s legacy first key, last key and step.
    pub(crate) fn key_range(&self) -> (i64, i64, i64) {
        match self.keys {
            KeySpec::Range(f, l, s) => (i64::from(f), i64::from(l), i64::from(s)),
            KeySpec::NumKeys { dest: true, .. } => (1, 1, 1),
            KeySpec::None | KeySpec::NumKeys { .. } => (0, 0, 0),
        }
    }

    /// Whether `n` arguments (the name included) satisfy the arity.
    pub(crate) fn arity_ok(&self, n: usize) -> bool {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 { n == arity } else { n >= -arity }
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

/// The subcommands of a container command, with their arities (Redis checks both
/// before running, or queuing, the command).
pub(crate) fn subcommands(name: &str) -> Option<&'static [(&'static str, i32)]> {
    Some(match name {
        "client" => &[
            ("getname", 2),
            ("getredir", 2),
            ("help", 2),
            ("id", 2),
            ("info", 2),
            ("no-evict", 3),
            ("setname", 3),
            ("trackinginfo", 2),
            ("unblock", -3),
        ],
        "command" => &[
            ("count", 2),
            ("docs", -2),
            ("help", 2),
            ("info", -2),
            ("list", -2),
        ],
        "config" => &[("get", -3), ("help", 2), ("resetstat", 2), ("set", -4)],
        "memory" => &[("help", 2), ("usage", -3)],
        "object" => &[
            ("encoding", 3),
            ("freq", 3),
            ("help", 2),
            ("idletime", 3),
            ("refcount", 3),
        ],
        "pubsub" => &[
            ("channels", -2),
            ("help", 2),
            ("numpat", 2),
            ("numsub", -2),
            ("shardchannels", -2),
            ("shardnumsub", -2),
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
    ($($name:literal, $arity:expr, $flags:expr, $keys:expr, $run:expr, $group:literal, $args:literal, $summary:literal;)*) => {
        /// Every command, sorted by name.
        pub(crate) static COMMANDS: &[Command] = &[
            $(Command {
                name: $name,
                arity: $arity,
                flags: $flags,
                keys: $keys,
                run: $run,
                group: $group,
                args: $args,
                summary: $summary,
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
    "append", 3, WF, K1, Some(strings::append), "string", "key value", "Appends a string to the value of a key. Creates the key if it doesn't exist.";
    "auth", -2, NOSCRIPT | LOADING | STALE | FAST, NONE, Some(server::auth), "connection", "[username] password", "Authenticates the connection.";
    "bitcount", -2, R, K1, Some(strings::bitcount), "bitmap", "key [start end [BYTE|BIT]]", "Counts the number of set bits (population counting) in a string.";
    "bitfield", -2, W, K1, Some(strings::bitfield), "bitmap", "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]", "Performs arbitrary bitfield integer operations on strings.";
    "bitfield_ro", -2, RF, K1, Some(strings::bitfield_ro), "bitmap", "key [GET encoding offset ...]", "Performs arbitrary read-only bitfield integer operations on strings.";
    "bitop", -4, W, k(2, -1, 1), Some(strings::bitop), "bitmap", "AND|OR|XOR|NOT destkey key [key ...]", "Performs bitwise operations on multiple strings, and stores the result.";
    "bitpos", -3, R, K1, Some(strings::bitpos), "bitmap", "key bit [start [end [BYTE|BIT]]]", "Finds the first set (1) or clear (0) bit in a string.";
    "blmove", 6, D | DENYOOM | BLOCKING, K12, Some(lists::blmove), "list", "source destination LEFT|RIGHT LEFT|RIGHT timeout", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise.";
    "blmpop", -5, D | BLOCKING, KeySpec::NumKeys { at: 2, dest: false }, Some(lists::blmpop), "list", "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise.";
    "blpop", -3, D | BLOCKING, k(1, -2, 1), Some(lists::blpop), "list", "key [key ...] timeout", "Removes and returns the first element in a list. Blocks until an element is available otherwise.";
    "brpop", -3, D | BLOCKING, k(1, -2, 1), Some(lists::brpop), "list", "key [key ...] timeout", "Removes and returns the last element in a list. Blocks until an element is available otherwise.";
    "brpoplpush", 4, D | DENYOOM | BLOCKING, K12, Some(lists::brpoplpush), "list", "source destination timeout", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise.";
    "bzmpop", -5, D | BLOCKING, KeySpec::NumKeys { at: 2, dest: false }, Some(zsets::bzmpop), "sorted_set", "timeout numkeys key [key ...] MIN|MAX [COUNT count]", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise.";
    "bzpopmax", -3, DF | BLOCKING, k(1, -2, 1), Some(zsets::bzpopmax), "sorted_set", "key [key ...] timeout", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise.";
    "bzpopmin", -3, DF | BLOCKING, k(1, -2, 1), Some(zsets::bzpopmin), "sorted_set", "key [key ...] timeout", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise.";
    "client", -2, CONN_FLAGS, NONE, None, "connection", "subcommand [arg ...]", "A container for client connection commands (ID, GETNAME, SETNAME, UNBLOCK, INFO, LIST, REPLY).";
    "command", -1, LOADING | STALE, NONE, Some(introspect::command), "server", "[COUNT|LIST|INFO [command-name ...]|DOCS [command-name ...]]", "Returns detailed information about all commands.";
    "config", -2, NOSCRIPT | LOADING | STALE | WHOLE_DB, NONE, Some(server::config), "server", "GET parameter [parameter ...]|SET parameter value [parameter value ...]|RESETSTAT", "A container for server configuration commands.";
    "copy", -3, W, K12, Some(keys::copy), "generic", "source destination [DB destination-db] [REPLACE]", "Copies the value of a key to a new key.";
    "dbsize", 1, RF | WHOLE_DB, NONE, Some(keys::dbsize), "server", "", "Returns the number of keys in the database.";
    "decr", 2, WF, K1, Some(strings::decr), "string", "key", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.";
    "decrby", 3, WF, K1, Some(strings::decrby), "string", "key decrement", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.";
    "del", -2, D, KALL, Some(keys::del), "generic", "key [key ...]", "Deletes one or more keys.";
    "discard", 1, CONN_FLAGS | NO_QUEUE, NONE, None, "transactions", "", "Discards a transaction.";
    "echo", 2, FAST, NONE, Some(server::echo), "connection", "message", "Returns the given string.";
    "exec", 1, CONN_FLAGS | NO_QUEUE, NONE, None, "transactions", "", "Executes all commands in a transaction.";
    "exists", -2, RF, KALL, Some(keys::exists), "generic", "key [key ...]", "Determines whether one or more keys exist.";
    "expire", -3, DF, K1, Some(keys::expire), "generic", "key seconds [NX|XX|GT|LT]", "Sets the expiration time of a key in seconds.";
    "expireat", -3, DF, K1, Some(keys::expireat), "generic", "key unix-time-seconds [NX|XX|GT|LT]", "Sets the expiration time of a key to a Unix timestamp.";
    "expiretime", 2, RF, K1, Some(keys::expiretime), "generic", "key", "Returns the expiration time of a key as a Unix timestamp.";
    "flushall", -1, D | WHOLE_DB, NONE, Some(keys::flushall), "server", "[ASYNC|SYNC]", "Removes all keys from all databases.";
    "flushdb", -1, D | WHOLE_DB, NONE, Some(keys::flushdb), "server", "[ASYNC|SYNC]", "Remove all keys from the current database.";
    "get", 2, RF, K1, Some(strings::get), "string", "key", "Returns the string value of a key.";
    "getbit", 3, RF, K1, Some(strings::getbit), "bitmap", "key offset", "Returns a bit value by offset.";
    "getdel", 2, DF, K1, Some(strings::getdel), "string", "key", "Returns the string value of a key after deleting the key.";
    "getex", -2, DF, K1, Some(strings::getex), "string", "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]", "Returns the string value of a key after setting its expiration time.";
    "getrange", 4, R, K1, Some(strings::getrange), "string", "key start end", "Returns a substring of the string stored at a key.";
    "getset", 3, WF, K1, Some(strings::getset), "string", "key value", "Returns the previous string value of a key after setting it to a new value.";
    "hdel", -3, DF, K1, Some(hashes::hdel), "hash", "key field [field ...]", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.";
    "hello", -1, CONN_FLAGS, NONE, None, "connection", "[protover [AUTH username password] [SETNAME clientname]]", "Handshakes with the Redis server.";
    "hexists", 3, RF, K1, Some(hashes::hexists), "hash", "key field", "Determines whether a field exists in a hash.";
    "hget", 3, RF, K1, Some(hashes::hget), "hash", "key field", "Returns the value of a field in a hash.";
    "hgetall", 2, R, K1, Some(hashes::hgetall), "hash", "key", "Returns all fields and values in a hash.";
    "hincrby", 4, WF, K1, Some(hashes::hincrby), "hash", "key field increment", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.";
    "hincrbyfloat", 4, WF, K1, Some(hashes::hincrbyfloat), "hash", "key field increment", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.";
    "hkeys", 2, R, K1, Some(hashes::hkeys), "hash", "key", "Returns all fields in a hash.";
    "hlen", 2, RF, K1, Some(hashes::hlen), "hash", "key", "Returns the number of fields in a hash.";
    "hmget", -3, RF, K1, Some(hashes::hmget), "hash", "key field [field ...]", "Returns the values of all fields in a hash.";
    "hmset", -4, WF, K1, Some(hashes::hmset), "hash", "key field value [field value ...]", "Sets the values of multiple fields.";
    "hrandfield", -2, R, K1, Some(hashes::hrandfield), "hash", "key [count [WITHVALUES]]", "Returns one or more random fields from a hash.";
    "hscan", -3, R, K1, Some(hashes::hscan), "hash", "key cursor [MATCH pattern] [COUNT count]", "Iterates over fields and values of a hash.";
    "hset", -4, WF, K1, Some(hashes::hset), "hash", "key field value [field value ...]", "Creates or modifies the value of a field in a hash.";
    "hsetnx", 4, WF, K1, Some(hashes::hsetnx), "hash", "key field value", "Sets the value of a field in a hash only when the field doesn't exist.";
    "hstrlen", 3, RF, K1, Some(hashes::hstrlen), "hash", "key field", "Returns the length of the value of a field.";
    "hvals", 2, R, K1, Some(hashes::hvals), "hash", "key", "Returns all values in a hash.";
    "incr", 2, WF, K1, Some(strings::incr), "string", "key", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.";
    "incrby", 3, WF, K1, Some(strings::incrby), "string", "key increment", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.";
    "incrbyfloat", 3, WF, K1, Some(strings::incrbyfloat), "string", "key increment", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.";
    "info", -1, LOADING | STALE | WHOLE_DB, NONE, Some(server::info), "server", "[section [section ...]]", "Returns information and statistics about the server.";
    "keys", 2, R | WHOLE_DB, NONE, Some(keys::keys), "generic", "pattern", "Returns all key names that match a pattern.";
    "lcs", -3, R, K12, Some(strings::lcs), "string", "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", "Finds the longest common substring.";
    "lindex", 3, R, K1, Some(lists::lindex), "list", "key index", "Returns an element from a list by its index.";
    "linsert", 5, W, K1, Some(lists::linsert), "list", "key BEFORE|AFTER pivot element", "Inserts an element before or after another element in a list.";
    "llen", 2, RF, K1, Some(lists::llen), "list", "key", "Returns the length of a list.";
    "lmove", 5, W, K12, Some(lists::lmove), "list", "source destination LEFT|RIGHT LEFT|RIGHT", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.";
    "lmpop", -4, D, KeySpec::NumKeys { at: 1, dest: false }, Some(lists::lmpop), "list", "numkeys key [key ...] LEFT|RIGHT [COUNT count]", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.";
    "lpop", -2, DF, K1, Some(lists::lpop), "list", "key [count]", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.";
    "lpos", -3, R, K1, Some(lists::lpos), "list", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]", "Returns the index of matching elements in a list.";
    "lpush", -3, WF, K1, Some(lists::lpush), "list", "key element [element ...]", "Prepends one or more elements to a list. Creates the key if it doesn't exist.";
    "lpushx", -3, WF, K1, Some(lists::lpushx), "list", "key element [element ...]", "Prepends one or more elements to a list only when the list exists.";
    "lrange", 4, R, K1, Some(lists::lrange), "list", "key start stop", "Returns a range of elements from a list.";
    "lrem", 4, D, K1, Some(lists::lrem), "list", "key count element", "Removes elements from a list. Deletes the list if the last element was removed.";
    "lset", 4, W, K1, Some(lists::lset), "list", "key index element", "Sets the value of an element in a list by its index.";
    "ltrim", 4, D, K1, Some(lists::ltrim), "list", "key start stop", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.";
    "memory", -2, R, NONE, Some(server::memory), "server", "USAGE key [SAMPLES count]", "A container for memory diagnostics commands.";
    "mget", -2, RF, KALL, Some(strings::mget), "string", "key [key ...]", "Atomically returns the string values of one or more keys.";
    "move", 3, DF, K1, Some(keys::move_), "generic", "key db", "Moves a key to another database.";
    "mset", -3, W, k(1, -1, 2), Some(strings::mset), "string", "key value [key value ...]", "Atomically creates or modifies the string values of one or more keys.";
    "msetnx", -3, W, k(1, -1, 2), Some(strings::msetnx), "string", "key value [key value ...]", "Atomically modifies the string values of one or more keys only when all keys don't exist.";
    "multi", 1, CONN_FLAGS | NO_QUEUE, NONE, None, "transactions", "", "Starts a transaction.";
    "object", -2, R, NONE, Some(keys::object), "generic", "ENCODING|FREQ|IDLETIME|REFCOUNT key", "A container for object introspection commands.";
    "persist", 2, DF, K1, Some(keys::persist), "generic", "key", "Removes the expiration time of a key.";
    "pexpire", -3, DF, K1, Some(keys::pexpire), "generic", "key milliseconds [NX|XX|GT|LT]", "Sets the expiration time of a key in milliseconds.";
    "pexpireat", -3, DF, K1, Some(keys::pexpireat), "generic", "key unix-time-milliseconds [NX|XX|GT|LT]", "Sets the expiration time of a key to a Unix milliseconds timestamp.";
    "pexpiretime", 2, RF, K1, Some(keys::pexpiretime), "generic", "key", "Returns the expiration time of a key as a Unix milliseconds timestamp.";
    "ping", -1, FAST | SUB_OK, NONE, Some(server::ping), "connection", "[message]", "Returns the server's liveliness response.";
    "psetex", 4, W, K1, Some(strings::psetex), "string", "key milliseconds value", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.";
    "psubscribe", -2, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "pattern [pattern ...]", "Listens for messages published to channels that match one or more patterns.";
    "psync", -3, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported), "server", "replicationid offset", "An internal command used in replication.";
    "pttl", 2, RF, K1, Some(keys::pttl), "generic", "key", "Returns the expiration time in milliseconds of a key.";
    "publish", 3, PUBSUB | LOADING | STALE | FAST, NONE, Some(server::publish), "pubsub", "channel message", "Posts a message to a channel.";
    "pubsub", -2, PUBSUB | LOADING | STALE, NONE, Some(server::pubsub), "pubsub", "CHANNELS [pattern]|NUMSUB [channel ...]|NUMPAT", "A container for Pub/Sub commands.";
    "punsubscribe", -1, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "[pattern [pattern ...]]", "Stops listening to messages published to channels that match one or more patterns.";
    "quit", -1, CONN_FLAGS | SUB_OK | NO_QUEUE, NONE, None, "connection", "", "Closes the connection.";
    "randomkey", 1, R | WHOLE_DB, NONE, Some(keys::randomkey), "generic", "", "Returns a random key name from the database.";
    "rename", 3, D, K12, Some(keys::rename), "generic", "key newkey", "Renames a key and overwrites the destination.";
    "renamenx", 3, DF, K12, Some(keys::renamenx), "generic", "key newkey", "Renames a key only when the target key name doesn't exist.";
    "reset", 1, CONN_FLAGS | SUB_OK | NO_QUEUE, NONE, None, "connection", "", "Resets the connection.";
    "rpop", -2, DF, K1, Some(lists::rpop), "list", "key [count]", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.";
    "rpoplpush", 3, W, K12, Some(lists::rpoplpush), "list", "source destination", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.";
    "rpush", -3, WF, K1, Some(lists::rpush), "list", "key element [element ...]", "Appends one or more elements to a list. Creates the key if it doesn't exist.";
    "rpushx", -3, WF, K1, Some(lists::rpushx), "list", "key element [element ...]", "Appends an element to a list only when the list exists.";
    "sadd", -3, WF, K1, Some(sets::sadd), "set", "key member [member ...]", "Adds one or more members to a set. Creates the key if it doesn't exist.";
    "save", 1, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported), "server", "", "Synchronously saves the database(s) to disk.";
    "scan", -2, R | WHOLE_DB, NONE, Some(keys::scan), "generic", "cursor [MATCH pattern] [COUNT count] [TYPE type]", "Iterates over the key names in the database.";
    "scard", 2, RF, K1, Some(sets::scard), "set", "key", "Returns the number of members in a set.";
    "sdiff", -2, R, KALL, Some(sets::sdiff), "set", "key [key ...]", "Returns the difference of multiple sets.";
    "sdiffstore", -3, W, KALL, Some(sets::sdiffstore), "set", "destination key [key ...]", "Stores the difference of multiple sets in a key.";
    "select", 2, CONN_FLAGS, NONE, None, "connection", "index", "Changes the selected database.";
    "set", -3, W, K1, Some(strings::set), "string", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.";
    "setbit", 4, W, K1, Some(strings::setbit), "bitmap", "key offset value", "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.";
    "setex", 4, W, K1, Some(strings::setex), "string", "key seconds value", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.";
    "setnx", 3, WF, K1, Some(strings::setnx), "string", "key value", "Set the string value of a key only when the key doesn't exist.";
    "setrange", 4, W, K1, Some(strings::setrange), "string", "key offset value", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.";
    "shutdown", -1, NO_MULTI | NOSCRIPT | LOADING | STALE, NONE, Some(server::unsupported), "server", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]", "Synchronously saves the database(s) to disk and shuts down the Redis server.";
    "sinter", -2, R, KALL, Some(sets::sinter), "set", "key [key ...]", "Returns the intersect of multiple sets.";
    "sintercard", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(sets::sintercard), "set", "numkeys key [key ...] [LIMIT limit]", "Returns the number of members of the intersect of multiple sets.";
    "sinterstore", -3, W, KALL, Some(sets::sinterstore), "set", "destination key [key ...]", "Stores the intersect of multiple sets in a key.";
    "sismember", 3, RF, K1, Some(sets::sismember), "set", "key member", "Determines whether a member belongs to a set.";
    "smembers", 2, R, K1, Some(sets::smembers), "set", "key", "Returns all members of a set.";
    "smismember", -3, RF, K1, Some(sets::smismember), "set", "key member [member ...]", "Determines whether multiple members belong to a set.";
    "smove", 4, DF, K12, Some(sets::smove), "set", "source destination member", "Moves a member from one set to another.";
    "spop", -2, DF, K1, Some(sets::spop), "set", "key [count]", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.";
    "spublish", 3, PUBSUB | LOADING | STALE | FAST, NONE, Some(server::spublish), "pubsub", "shardchannel message", "Post a message to a shard channel";
    "srandmember", -2, R, K1, Some(sets::srandmember), "set", "key [count]", "Get one or multiple random members from a set.";
    "srem", -3, DF, K1, Some(sets::srem), "set", "key member [member ...]", "Removes one or more members from a set. Deletes the set if the last member was removed.";
    "sscan", -3, R, K1, Some(sets::sscan), "set", "key cursor [MATCH pattern] [COUNT count]", "Iterates over members of a set.";
    "ssubscribe", -2, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "shardchannel [shardchannel ...]", "Listens for messages published to shard channels.";
    "strlen", 2, RF, K1, Some(strings::strlen), "string", "key", "Returns the length of a string value.";
    "subscribe", -2, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "channel [channel ...]", "Listens for messages published to channels.";
    "substr", 4, R, K1, Some(strings::getrange), "string", "key start end", "Returns a substring from a string value.";
    "sunion", -2, R, KALL, Some(sets::sunion), "set", "key [key ...]", "Returns the union of multiple sets.";
    "sunionstore", -3, W, KALL, Some(sets::sunionstore), "set", "destination key [key ...]", "Stores the union of multiple sets in a key.";
    "sunsubscribe", -1, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "[shardchannel [shardchannel ...]]", "Stops listening to messages posted to shard channels.";
    "swapdb", 3, DF | WHOLE_DB, NONE, Some(keys::swapdb), "server", "index1 index2", "Swaps two Redis databases.";
    "sync", 1, NO_MULTI | NOSCRIPT, NONE, Some(server::unsupported), "server", "", "An internal command used in replication.";
    "time", 1, FAST | LOADING | STALE, NONE, Some(server::time), "server", "", "Returns the server time.";
    "touch", -2, RF, KALL, Some(keys::touch), "generic", "key [key ...]", "Returns the number of existing keys out of those specified after updating the time they were last accessed.";
    "ttl", 2, RF, K1, Some(keys::ttl), "generic", "key", "Returns the expiration time in seconds of a key.";
    "type", 2, RF, K1, Some(keys::type_), "generic", "key", "Determines the type of value stored at a key.";
    "unlink", -2, DF, KALL, Some(keys::unlink), "generic", "key [key ...]", "Asynchronously deletes one or more keys.";
    "unsubscribe", -1, CONN_FLAGS | PUBSUB | SUB_OK, NONE, None, "pubsub", "[channel [channel ...]]", "Stops listening to messages posted to channels.";
    "unwatch", 1, CONN_FLAGS, NONE, None, "transactions", "", "Forgets about watched keys of a transaction.";
    "wait", 3, NOSCRIPT | BLOCKING, NONE, Some(server::wait), "generic", "numreplicas timeout", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.";
    "watch", -2, CONN_FLAGS | NO_QUEUE, KALL, None, "transactions", "key [key ...]", "Monitors changes to keys to determine the execution of a transaction.";
    "zadd", -4, WF, K1, Some(zsets::zadd), "sorted_set", "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.";
    "zcard", 2, RF, K1, Some(zsets::zcard), "sorted_set", "key", "Returns the number of members in a sorted set.";
    "zcount", 4, RF, K1, Some(zsets::zcount), "sorted_set", "key min max", "Returns the count of members in a sorted set that have scores within a range.";
    "zdiff", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zdiff), "sorted_set", "numkeys key [key ...] [WITHSCORES]", "Returns the difference between multiple sorted sets.";
    "zdiffstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zdiffstore), "sorted_set", "destination numkeys key [key ...]", "Stores the difference of multiple sorted sets in a key.";
    "zincrby", 4, WF, K1, Some(zsets::zincrby), "sorted_set", "key increment member", "Increments the score of a member in a sorted set.";
    "zinter", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zinter), "sorted_set", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", "Returns the intersect of multiple sorted sets.";
    "zintercard", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zintercard), "sorted_set", "numkeys key [key ...] [LIMIT limit]", "Returns the number of members of the intersect of multiple sorted sets.";
    "zinterstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zinterstore), "sorted_set", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]", "Stores the intersect of multiple sorted sets in a key.";
    "zlexcount", 4, RF, K1, Some(zsets::zlexcount), "sorted_set", "key min max", "Returns the number of members in a sorted set within a lexicographical range.";
    "zmpop", -4, D, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zmpop), "sorted_set", "numkeys key [key ...] MIN|MAX [COUNT count]", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.";
    "zmscore", -3, RF, K1, Some(zsets::zmscore), "sorted_set", "key member [member ...]", "Returns the score of one or more members in a sorted set.";
    "zpopmax", -2, DF, K1, Some(zsets::zpopmax), "sorted_set", "key [count]", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.";
    "zpopmin", -2, DF, K1, Some(zsets::zpopmin), "sorted_set", "key [count]", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.";
    "zrandmember", -2, R, K1, Some(zsets::zrandmember), "sorted_set", "key [count [WITHSCORES]]", "Returns one or more random members from a sorted set.";
    "zrange", -4, R, K1, Some(zsets::zrange), "sorted_set", "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", "Returns members in a sorted set within a range of indexes.";
    "zrangebylex", -4, R, K1, Some(zsets::zrangebylex), "sorted_set", "key min max [LIMIT offset count]", "Returns members in a sorted set within a lexicographical range.";
    "zrangebyscore", -4, R, K1, Some(zsets::zrangebyscore), "sorted_set", "key min max [WITHSCORES] [LIMIT offset count]", "Returns members in a sorted set within a range of scores.";
    "zrangestore", -5, W, K12, Some(zsets::zrangestore), "sorted_set", "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]", "Stores a range of members from sorted set in a key.";
    "zrank", 3, RF, K1, Some(zsets::zrank), "sorted_set", "key member", "Returns the index of a member in a sorted set ordered by ascending scores.";
    "zrem", -3, DF, K1, Some(zsets::zrem), "sorted_set", "key member [member ...]", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.";
    "zremrangebylex", 4, D, K1, Some(zsets::zremrangebylex), "sorted_set", "key min max", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.";
    "zremrangebyrank", 4, D, K1, Some(zsets::zremrangebyrank), "sorted_set", "key start stop", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.";
    "zremrangebyscore", 4, D, K1, Some(zsets::zremrangebyscore), "sorted_set", "key min max", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.";
    "zrevrange", -4, R, K1, Some(zsets::zrevrange), "sorted_set", "key start stop [WITHSCORES]", "Returns members in a sorted set within a range of indexes in reverse order.";
    "zrevrangebylex", -4, R, K1, Some(zsets::zrevrangebylex), "sorted_set", "key max min [LIMIT offset count]", "Returns members in a sorted set within a lexicographical range in reverse order.";
    "zrevrangebyscore", -4, R, K1, Some(zsets::zrevrangebyscore), "sorted_set", "key max min [WITHSCORES] [LIMIT offset count]", "Returns members in a sorted set within a range of scores in reverse order.";
    "zrevrank", 3, RF, K1, Some(zsets::zrevrank), "sorted_set", "key member", "Returns the index of a member in a sorted set ordered by descending scores.";
    "zscan", -3, R, K1, Some(zsets::zscan), "sorted_set", "key cursor [MATCH pattern] [COUNT count]", "Iterates over members and scores of a sorted set.";
    "zscore", 3, RF, K1, Some(zsets::zscore), "sorted_set", "key member", "Returns the score of a member in a sorted set.";
    "zunion", -3, R, KeySpec::NumKeys { at: 1, dest: false }, Some(zsets::zunion), "sorted_set", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", "Returns the union of multiple sorted sets.";
    "zunionstore", -4, W, KeySpec::NumKeys { at: 2, dest: true }, Some(zsets::zunionstore), "sorted_set", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]", "Stores the union of multiple sorted sets in a key.";
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
