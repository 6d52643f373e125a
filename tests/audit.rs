//! The bad-input audit: every kind of bad argument — wrong arity, wrong type,
//! non-numbers, overflow, NaN, huge offsets and counts, negative zero, bad option
//! combinations — sent to the commands that read it, each with the exact error Redis
//! answers, and the store checked unchanged after every one. With `redis-server`
//! installed the same table runs against a real Redis 7 too, so the texts here are
//! Redis's, not ours.

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::fmt::Write as _;

use embedis::{Connection, Reply, Store};
use redis_client::Redis;

/// (command, the error Redis answers).
const CASES: &[(&str, &str)] = &[
    // Arity.
    ("GET", "ERR wrong number of arguments for 'get' command"),
    ("SET k", "ERR wrong number of arguments for 'set' command"),
    (
        "HSET h f",
        "ERR wrong number of arguments for 'hset' command",
    ),
    (
        "HSET h f v g",
        "ERR wrong number of arguments for 'hset' command",
    ),
    (
        "ZADD z 1",
        "ERR wrong number of arguments for 'zadd' command",
    ),
    (
        "LPUSH l",
        "ERR wrong number of arguments for 'lpush' command",
    ),
    (
        "MSET a 1 b",
        "ERR wrong number of arguments for 'mset' command",
    ),
    (
        "OBJECT ENCODING",
        "ERR wrong number of arguments for 'object|encoding' command",
    ),
    (
        "NOSUCH a b",
        "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ",
    ),
    // Wrong types.
    (
        "LPUSH str x",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "INCR list",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "HGET set f",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "ZADD hash 1 a",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "SADD zset a",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "APPEND hash x",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "SETBIT list 1 1",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "SUNIONSTORE dst set str",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
    ),
    (
        "LCS str list",
        "ERR The specified keys must contain string values",
    ),
    // Not numbers.
    (
        "INCRBY num abc",
        "ERR value is not an integer or out of range",
    ),
    ("INCR str", "ERR value is not an integer or out of range"),
    (
        "INCRBY num 1.0",
        "ERR value is not an integer or out of range",
    ),
    (
        "INCRBY num -0",
        "ERR value is not an integer or out of range",
    ),
    (
        "INCRBY num ' 1'",
        "ERR value is not an integer or out of range",
    ),
    (
        "INCRBY num +1",
        "ERR value is not an integer or out of range",
    ),
    (
        "EXPIRE str abc",
        "ERR value is not an integer or out of range",
    ),
    (
        "SETRANGE str abc x",
        "ERR value is not an integer or out of range",
    ),
    (
        "LINDEX list x",
        "ERR value is not an integer or out of range",
    ),
    (
        "HINCRBY hash n x",
        "ERR value is not an integer or out of range",
    ),
    ("INCRBYFLOAT str 1", "ERR value is not a valid float"),
    ("INCRBYFLOAT num abc", "ERR value is not a valid float"),
    ("ZADD zset abc a", "ERR value is not a valid float"),
    ("ZINCRBY zset x a", "ERR value is not a valid float"),
    ("ZRANGEBYSCORE zset a b", "ERR min or max is not a float"),
    (
        "ZRANGEBYLEX zset a b",
        "ERR min or max not valid string range item",
    ),
    (
        "GETRANGE str a 1",
        "ERR value is not an integer or out of range",
    ),
    // Overflow.
    (
        "INCRBY num 9223372036854775807",
        "ERR increment or decrement would overflow",
    ),
    (
        "DECRBY num -9223372036854775807",
        "ERR increment or decrement would overflow",
    ),
    (
        "DECRBY num -9223372036854775808",
        "ERR decrement would overflow",
    ),
    (
        "INCRBY num 9223372036854775808",
        "ERR value is not an integer or out of range",
    ),
    (
        "HINCRBY hash n 9223372036854775807",
        "ERR increment or decrement would overflow",
    ),
    (
        "EXPIRE str 9223372036854775807",
        "ERR invalid expire time in 'expire' command",
    ),
    (
        "SET k v EX 9223372036854775807",
        "ERR invalid expire time in 'set' command",
    ),
    ("SET k v EX 0", "ERR invalid expire time in 'set' command"),
    ("SET k v PX -1", "ERR invalid expire time in 'set' command"),
    (
        "SETEX k -10 v",
        "ERR invalid expire time in 'setex' command",
    ),
    // NaN and infinities.
    ("ZADD zset nan a", "ERR value is not a valid float"),
    ("INCRBYFLOAT num nan", "ERR value is not a valid float"),
    (
        "INCRBYFLOAT num inf",
        "ERR increment would produce NaN or Infinity",
    ),
    ("HINCRBYFLOAT hash n inf", "ERR value is NaN or Infinity"),
    ("ZINCRBY zset nan a", "ERR value is not a valid float"),
    (
        "ZINCRBY zset -inf top",
        "ERR resulting score is not a number (NaN)",
    ),
    // Offsets and sizes.
    (
        "SETBIT str 4294967296 1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "SETBIT str -1 1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "SETBIT str 1 2",
        "ERR bit is not an integer or out of range",
    ),
    (
        "GETBIT str 4294967296",
        "ERR bit offset is not an integer or out of range",
    ),
    ("SETRANGE str -1 x", "ERR offset is out of range"),
    (
        "SETRANGE str 536870912 x",
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
    ),
    (
        "BITFIELD str SET u8 4294967296 1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "BITFIELD str GET i65 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD str GET u64 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD str OVERFLOW BOGUS",
        "ERR Invalid OVERFLOW type specified",
    ),
    (
        "BITFIELD_RO str SET u8 0 1",
        "ERR BITFIELD_RO only supports the GET subcommand",
    ),
    (
        "BITOP NOT dst a b",
        "ERR BITOP NOT must be called with a single source key.",
    ),
    ("BITCOUNT str 0 1 BOGUS", "ERR syntax error"),
    // Counts.
    (
        "LPOP list -1",
        "ERR value is out of range, must be positive",
    ),
    ("SPOP set -1", "ERR value is out of range, must be positive"),
    (
        "SRANDMEMBER set -9223372036854775808",
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    ),
    (
        "LPOS list a RANK 0",
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    ),
    ("LPOS list a COUNT -1", "ERR COUNT can't be negative"),
    ("LPOS list a MAXLEN -1", "ERR MAXLEN can't be negative"),
    ("SINTERCARD 0 set", "ERR numkeys should be greater than 0"),
    (
        "SINTERCARD 2 set",
        "ERR Number of keys can't be greater than number of args",
    ),
    ("SINTERCARD 1 set LIMIT -1", "ERR LIMIT can't be negative"),
    ("LMPOP 0 list LEFT", "ERR numkeys should be greater than 0"),
    (
        "LMPOP 1 list LEFT COUNT 0",
        "ERR count should be greater than 0",
    ),
    (
        "ZUNIONSTORE dst 0 zset",
        "ERR at least 1 input key is needed for 'zunionstore' command",
    ),
    (
        "ZUNIONSTORE dst 1 zset WEIGHTS x",
        "ERR weight value is not a float",
    ),
    (
        "ZRANDMEMBER zset -9223372036854775808",
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    ),
    ("SCAN abc", "ERR invalid cursor"),
    ("SCAN 0 COUNT 0", "ERR syntax error"),
    ("BLPOP list -1", "ERR timeout is negative"),
    (
        "BLPOP list abc",
        "ERR timeout is not a float or out of range",
    ),
    // Options.
    ("SET k v NX XX", "ERR syntax error"),
    ("SET k v EX 10 PX 10", "ERR syntax error"),
    ("SET k v KEEPTTL EX 10", "ERR syntax error"),
    ("SET k v BOGUS", "ERR syntax error"),
    (
        "ZADD zset NX XX 1 a",
        "ERR XX and NX options at the same time are not compatible",
    ),
    (
        "ZADD zset GT LT 1 a",
        "ERR GT, LT, and/or NX options at the same time are not compatible",
    ),
    (
        "ZADD zset INCR 1 a 2 b",
        "ERR INCR option supports a single increment-element pair",
    ),
    (
        "ZRANGE zset 0 -1 LIMIT 0 1",
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    ),
    (
        "EXPIRE str 10 NX XX",
        "ERR NX and XX, GT or LT options at the same time are not compatible",
    ),
    (
        "EXPIRE str 10 GT LT",
        "ERR GT and LT options at the same time are not compatible",
    ),
    (
        "COPY str dst DB abc",
        "ERR value is not an integer or out of range",
    ),
    ("MOVE str 16", "ERR DB index is out of range"),
    ("SELECT -1", "ERR DB index is out of range"),
    ("SWAPDB 0 16", "ERR DB index is out of range"),
    (
        "OBJECT NOSUCH str",
        "ERR unknown subcommand 'NOSUCH'. Try OBJECT HELP.",
    ),
    ("RENAME nosuch x", "ERR no such key"),
    ("LSET list 99 x", "ERR index out of range"),
    ("LSET nosuch 0 x", "ERR no such key"),
    ("EXEC", "ERR EXEC without MULTI"),
    ("DISCARD", "ERR DISCARD without MULTI"),
];

/// The data every case runs against: a key of each type, and numbers.
const SETUP: &[&str] = &[
    "SET str abc",
    "SET num 12",
    "RPUSH list a b c",
    "SADD set a b 1",
    "ZADD zset 1 a 2 b +inf top",
    "HSET hash f v n 5",
    "SETEX temp 1000 v",
];

/// Splits a case into arguments: words, with `'…'` for one containing spaces.
fn args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'').expect("closing quote");
            out.push(quoted[..end].to_owned());
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

/// An array reply's elements (in groups of `n`: a hash's pairs) in sorted order, for
/// the types whose order is unspecified.
fn unordered(reply: &Reply, n: usize) -> String {
    let Reply::Array(items) = reply else {
        return reply.to_string();
    };
    let mut groups: Vec<String> = items
        .chunks(n)
        .map(|g| {
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("=")
        })
        .collect();
    groups.sort();
    groups.join(",")
}

/// Everything in database 0, as text: each key with its type, contents and whether it
/// has a TTL.
fn snapshot(c: &mut Connection) -> String {
    let Reply::Array(keys) = c.execute(&["KEYS", "*"]) else {
        panic!("KEYS answers an array");
    };
    let mut keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
    keys.sort();
    let mut out = String::new();
    for key in keys {
        let key = key.trim_matches('"').to_owned();
        let kind = c.execute(&["TYPE", &key]).to_string();
        let content = match kind.as_str() {
            "string" => c.execute(&["GET", &key]).to_string(),
            "list" => c.execute(&["LRANGE", &key, "0", "-1"]).to_string(),
            "set" => unordered(&c.execute(&["SMEMBERS", &key]), 1),
            "zset" => c
                .execute(&["ZRANGE", &key, "0", "-1", "WITHSCORES"])
                .to_string(),
            "hash" => unordered(&c.execute(&["HGETALL", &key]), 2),
            other => panic!("type {other}"),
        };
        let ttl = matches!(c.execute(&["PTTL", &key]), Reply::Integer(n) if n > 0);
        let _ = writeln!(out, "{key} {kind} {content} ttl={ttl}");
    }
    out
}

#[test]
fn every_bad_input_gets_redis_error_and_changes_nothing() {
    let store = Store::new();
    let mut c = store.connection();
    let mut redis = Redis::start();
    if redis.is_none() {
        eprintln!("redis-server not installed: the table is checked against embedis only");
    }
    for line in SETUP {
        assert!(!c.execute(&args(line)).is_error(), "{line}");
        if let Some(r) = redis.as_mut() {
            r.cmd(&args(line));
        }
    }
    let before = snapshot(&mut c);
    let mut wrong = Vec::new();
    for &(line, error) in CASES {
        let a = args(line);
        let ours = c.execute(&a);
        if ours != Reply::Error(error.into()) {
            wrong.push(format!("{line}: embedis said {ours:?}, expected {error:?}"));
        }
        if let Some(r) = redis.as_mut() {
            let theirs = r.cmd(&a);
            if theirs != Reply::Error(error.into()) {
                wrong.push(format!(
                    "{line}: Redis said {theirs:?}, the table {error:?}"
                ));
            }
        }
        let after = snapshot(&mut c);
        if after != before {
            wrong.push(format!("{line}: the store changed:\n{before}---\n{after}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

/// Odd but valid inputs work: the empty key, a 1 MB key, binary bytes, negative zero
/// as a score.
#[test]
fn odd_but_valid_inputs_work() {
    let store = Store::new();
    let mut c = store.connection();
    let big = "k".repeat(1 << 20);
    for (cmd, reply) in [
        (vec!["SET", "", "empty"], "OK"),
        (vec!["GET", ""], "\"empty\""),
        (vec!["SET", big.as_str(), "v"], "OK"),
        (vec!["STRLEN", big.as_str()], "(integer) 1"),
        (vec!["ZADD", "z", "-0", "a"], "(integer) 1"),
        (vec!["ZSCORE", "z", "a"], "\"0\""),
        (vec!["SET", "bin", "\u{0}\u{ff}"], "OK"),
        (vec!["STRLEN", "bin"], "(integer) 3"),
        (vec!["SETRANGE", "pad", "10", ""], "(integer) 0"),
        (vec!["EXISTS", "pad"], "(integer) 0"),
    ] {
        assert_eq!(c.execute(&cmd).to_string(), reply, "{cmd:?}");
    }
}

/// Found by the `commands` fuzz target: `HRANDFIELD h -<huge>` asked for a reply of
/// billions of repeated picks and allocated it. A reply of repeated random picks is now
/// bounded like a string (`StoreBuilder::max_string_size`): past it, Redis's "value is
/// out of range", before any allocation.
#[test]
fn repeated_random_picks_are_bounded_like_a_string() {
    let store = Store::builder().max_string_size(1 << 20).build();
    let mut c = store.connection();
    c.execute(&["HSET", "h", "f", "v"]);
    c.execute(&["SADD", "s", "a"]);
    c.execute(&["ZADD", "z", "1", "a"]);
    let out_of_range = Reply::Error("ERR value is out of range".into());
    for cmd in [
        &["HRANDFIELD", "h", "-4155023616"][..],
        &["HRANDFIELD", "h", "-100000", "WITHVALUES"],
        &["SRANDMEMBER", "s", "-100000"],
        &["ZRANDMEMBER", "z", "-100000"],
    ] {
        assert_eq!(c.execute(cmd), out_of_range, "{cmd:?}");
    }
    // Within the bound, repeats are served as Redis serves them.
    let Reply::Array(picks) = c.execute(&["SRANDMEMBER", "s", "-20000"]) else {
        panic!("an array");
    };
    assert_eq!(picks.len(), 20_000);
    assert_eq!(
        store
            .sets()
            .srandmember_count("s", embedis::Picks::Repeated(20_000))
            .unwrap()
            .len(),
        20_000
    );
}
