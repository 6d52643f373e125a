//! Keyspace notifications against a real `redis-server` (`KEA` plus new-key and
//! key-miss events): after each command, the events published here — channel and
//! message, in order — must be Redis's (see `common/oracle.rs`; skipped, with a message,
//! without `redis-server`).

use std::time::Duration;

use embedis::{
    BitOp, CopyOptions, Expiry, KeyspaceEvents, LexBound, Position, Reply, SetOptions, Side, Store,
    ZAddCondition, ZAddOptions, ZRange,
};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use oracle::{Oracle, bulk, show};

/// What one command did to the store here, for the event comparison.
type Step = Box<dyn Fn(&Store) -> embedis::Result<()>>;

fn step(f: impl Fn(&Store) -> embedis::Result<()> + 'static) -> Step {
    Box::new(f)
}

/// A command's words.
fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

/// Runs `setup` in both, before anyone listens, then each of `steps`, one command at a
/// time: the events published here must be Redis's, the same and in the same order.
fn events_match(setup: &[(Vec<String>, Step)], steps: &[(Vec<String>, Step)]) {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEAnm"]);
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("KEAnm").unwrap())
        .build();
    for (args, apply) in setup {
        assert!(!redis.cmd(args).is_error(), "{args:?}");
        apply(&store).unwrap();
    }
    let mut listener = redis.connect();
    listener.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    listener.cmd(&["SUBSCRIBE", "sync"]);
    let ours = store.pubsub().psubscribe(["__key*__:*"]);
    for (n, (args, apply)) in steps.iter().enumerate() {
        redis.cmd(args);
        redis.cmd(&["PUBLISH", "sync", &n.to_string()]);
        let mut theirs = Vec::new();
        loop {
            match listener.read() {
                Reply::Array(m) if m[0] == bulk(b"pmessage") => {
                    theirs.push((m[2].clone(), m[3].clone()));
                }
                Reply::Array(m) if m[0] == bulk(b"message") => break,
                other => panic!("unexpected push {other:?}"),
            }
        }
        apply(&store).unwrap();
        let mine: Vec<(Reply, Reply)> = ours
            .iter_pending()
            .map(|m| (bulk(m.channel), bulk(m.payload)))
            .collect();
        let show_all = |v: &[(Reply, Reply)]| {
            v.iter()
                .map(|(c, p)| format!("{} {}", show(c), show(p)))
                .collect::<Vec<_>>()
        };
        assert_eq!(show_all(&mine), show_all(&theirs), "{args:?}");
    }
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]);
}

/// SET (with and without a TTL), INCR, INCRBYFLOAT, APPEND, SETRANGE, GETDEL, MSET and
/// GETEX.
#[test]
fn string_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (s(&["SET", "k", "v"]), step(|st| st.strings().set("k", "v"))),
        (
            s(&["SET", "k", "v", "EX", "100"]),
            step(|st| {
                st.strings()
                    .set_with("k", "v", SetOptions::new().ttl(Duration::from_secs(100)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["INCR", "n"]),
            step(|st| st.strings().incr("n").map(|_| ())),
        ),
        (
            s(&["INCRBYFLOAT", "f", "1.5"]),
            step(|st| st.strings().incrbyfloat("f", 1.5).map(|_| ())),
        ),
        (
            s(&["APPEND", "k", "x"]),
            step(|st| st.strings().append("k", "x").map(|_| ())),
        ),
        (
            s(&["SETRANGE", "k", "0", "ab"]),
            step(|st| st.strings().setrange("k", 0, "ab").map(|_| ())),
        ),
        (
            s(&["GETDEL", "k"]),
            step(|st| st.strings().getdel("k").map(|_| ())),
        ),
        (
            s(&["MSET", "a", "1", "b", "2"]),
            step(|st| st.strings().mset([("a", "1"), ("b", "2")])),
        ),
        (s(&["SET", "g", "v"]), step(|st| st.strings().set("g", "v"))),
        (
            s(&["GETEX", "g", "EX", "100"]),
            step(|st| {
                st.strings()
                    .getex("g", Expiry::In(Duration::from_secs(100)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["GETEX", "g", "PERSIST"]),
            step(|st| st.strings().getex("g", Expiry::Persist).map(|_| ())),
        ),
        (
            s(&["GETEX", "g", "PERSIST"]),
            step(|st| st.strings().getex("g", Expiry::Persist).map(|_| ())),
        ),
        (
            s(&["MSET", "e1", "x", "e2", "y"]),
            step(|st| st.strings().mset([("e1", "x"), ("e2", "y")])),
        ),
    ];
    events_match(&setup, &steps);
}

/// EXPIRE (a TTL, and 0: a deletion), PERSIST, RENAME, COPY, MOVE and DEL.
#[test]
fn key_command_events_match_redis() {
    let setup = vec![
        (
            s(&["MSET", "a", "1", "b", "2"]),
            step(|st| st.strings().mset([("a", "1"), ("b", "2")])),
        ),
        (
            s(&["MSET", "e1", "x", "e2", "y"]),
            step(|st| st.strings().mset([("e1", "x"), ("e2", "y")])),
        ),
    ];
    let steps = vec![
        (
            s(&["EXPIRE", "a", "100"]),
            step(|st| st.keys().expire("a", Duration::from_secs(100)).map(|_| ())),
        ),
        (
            s(&["PERSIST", "a"]),
            step(|st| st.keys().persist("a").map(|_| ())),
        ),
        (
            s(&["EXPIRE", "a", "0"]),
            step(|st| st.keys().expire("a", Duration::ZERO).map(|_| ())),
        ),
        (
            s(&["RENAME", "b", "c"]),
            step(|st| st.keys().rename("b", "c")),
        ),
        (
            s(&["COPY", "c", "d"]),
            step(|st| st.keys().copy("c", "d", CopyOptions::new()).map(|_| ())),
        ),
        (
            s(&["MOVE", "d", "1"]),
            step(|st| st.keys().move_key("d", 1).map(|_| ())),
        ),
        (
            s(&["DEL", "c", "nokey"]),
            step(|st| st.keys().del(["c", "nokey"]).map(|_| ())),
        ),
        (
            s(&["RENAME", "e1", "e2"]),
            step(|st| st.keys().rename("e1", "e2")),
        ),
        (
            s(&["COPY", "e2", "e3"]),
            step(|st| st.keys().copy("e2", "e3", CopyOptions::new()).map(|_| ())),
        ),
        (
            s(&["COPY", "e2", "e3", "REPLACE"]),
            step(|st| {
                st.keys()
                    .copy("e2", "e3", CopyOptions::new().replace())
                    .map(|_| ())
            }),
        ),
    ];
    events_match(&setup, &steps);
}

/// Pushes, pops, LINSERT, LSET, LREM, LTRIM and LMOVE, down to the list's deletion.
#[test]
fn list_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (
            s(&["LPUSH", "l", "a", "b"]),
            step(|st| st.lists().lpush("l", ["a", "b"]).map(|_| ())),
        ),
        (
            s(&["RPUSH", "l", "c"]),
            step(|st| st.lists().rpush("l", ["c"]).map(|_| ())),
        ),
        (
            s(&["LPOP", "l"]),
            step(|st| st.lists().lpop("l").map(|_| ())),
        ),
        (
            s(&["RPOP", "l", "5"]),
            step(|st| st.lists().rpop_count("l", 5).map(|_| ())),
        ),
        (
            s(&["LPUSHX", "l", "x"]),
            step(|st| st.lists().lpushx("l", ["x"]).map(|_| ())),
        ),
        (
            s(&["LPUSH", "l", "x", "y"]),
            step(|st| st.lists().lpush("l", ["x", "y"]).map(|_| ())),
        ),
        (
            s(&["LINSERT", "l", "BEFORE", "x", "w"]),
            step(|st| {
                st.lists()
                    .linsert("l", Position::Before, "x", "w")
                    .map(|_| ())
            }),
        ),
        (
            s(&["LSET", "l", "0", "z"]),
            step(|st| st.lists().lset("l", 0, "z")),
        ),
        (
            s(&["LREM", "l", "0", "z"]),
            step(|st| st.lists().lrem("l", embedis::Matches::All, "z").map(|_| ())),
        ),
        (
            s(&["LTRIM", "l", "0", "0"]),
            step(|st| st.lists().ltrim("l", 0, 0)),
        ),
        (
            s(&["LMOVE", "l", "l2", "LEFT", "RIGHT"]),
            step(|st| {
                st.lists()
                    .lmove("l", "l2", Side::Left, Side::Right)
                    .map(|_| ())
            }),
        ),
    ];
    events_match(&setup, &steps);
}

/// HSET, HSETNX, the increments and HDEL, down to the hash's deletion.
#[test]
fn hash_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (
            s(&["HSET", "h", "f", "v"]),
            step(|st| st.hashes().hset("h", [("f", "v")]).map(|_| ())),
        ),
        (
            s(&["HSETNX", "h", "f", "v"]),
            step(|st| st.hashes().hsetnx("h", "f", "v").map(|_| ())),
        ),
        (
            s(&["HINCRBY", "h", "n", "1"]),
            step(|st| st.hashes().hincrby("h", "n", 1).map(|_| ())),
        ),
        (
            s(&["HINCRBYFLOAT", "h", "g", "1.5"]),
            step(|st| st.hashes().hincrbyfloat("h", "g", 1.5).map(|_| ())),
        ),
        (
            s(&["HDEL", "h", "f", "n", "g"]),
            step(|st| st.hashes().hdel("h", ["f", "n", "g"]).map(|_| ())),
        ),
    ];
    events_match(&setup, &steps);
}

/// SADD (and one that adds nothing), SREM, SMOVE, SPOP and the store commands.
#[test]
fn set_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (
            s(&["SADD", "s", "a", "b"]),
            step(|st| st.sets().sadd("s", ["a", "b"]).map(|_| ())),
        ),
        (
            s(&["SADD", "s", "a"]),
            step(|st| st.sets().sadd("s", ["a"]).map(|_| ())),
        ),
        (
            s(&["SREM", "s", "a"]),
            step(|st| st.sets().srem("s", ["a"]).map(|_| ())),
        ),
        (
            s(&["SMOVE", "s", "s2", "b"]),
            step(|st| st.sets().smove("s", "s2", "b").map(|_| ())),
        ),
        (
            s(&["SPOP", "s2"]),
            step(|st| st.sets().spop("s2").map(|_| ())),
        ),
        (
            s(&["SADD", "s3", "x"]),
            step(|st| st.sets().sadd("s3", ["x"]).map(|_| ())),
        ),
        (
            s(&["SINTERSTORE", "dst", "s3", "s3"]),
            step(|st| st.sets().sinterstore("dst", ["s3", "s3"]).map(|_| ())),
        ),
        (
            s(&["SUNIONSTORE", "dst", "nokey"]),
            step(|st| st.sets().sunionstore("dst", ["nokey"]).map(|_| ())),
        ),
    ];
    events_match(&setup, &steps);
}

/// ZADD in its forms, ZINCRBY, ZREM, the pops and range removals, and the store
/// commands.
#[test]
fn sorted_set_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (
            s(&["ZADD", "z", "1", "a", "2", "b"]),
            step(|st| st.zsets().zadd("z", [("a", 1.0), ("b", 2.0)]).map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "XX", "1", "a"]),
            step(|st| {
                st.zsets()
                    .zadd_with(
                        "z",
                        [("a", 1.0)],
                        ZAddOptions::new().condition(ZAddCondition::IfPresent),
                    )
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZINCRBY", "z", "1", "a"]),
            step(|st| st.zsets().zincrby("z", 1.0, "a").map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "INCR", "1", "b"]),
            step(|st| {
                st.zsets()
                    .zadd_incr("z", "b", 1.0, ZAddOptions::new())
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZREM", "z", "a"]),
            step(|st| st.zsets().zrem("z", ["a"]).map(|_| ())),
        ),
        (
            s(&["ZPOPMIN", "z"]),
            step(|st| st.zsets().zpopmin("z", 1).map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
            step(|st| {
                st.zsets()
                    .zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZREMRANGEBYSCORE", "z", "1", "1"]),
            step(|st| st.zsets().zremrangebyscore("z", 1.0, 1.0).map(|_| ())),
        ),
        (
            s(&["ZREMRANGEBYRANK", "z", "0", "0"]),
            step(|st| st.zsets().zremrangebyrank("z", 0, 0).map(|_| ())),
        ),
        (
            s(&["ZREMRANGEBYLEX", "z", "-", "+"]),
            step(|st| {
                st.zsets()
                    .zremrangebylex("z", LexBound::Min, LexBound::Max)
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZADD", "z2", "1", "x"]),
            step(|st| st.zsets().zadd("z2", [("x", 1.0)]).map(|_| ())),
        ),
        (
            s(&["ZUNIONSTORE", "z3", "1", "z2"]),
            step(|st| st.zsets().zunionstore("z3", ["z2"]).map(|_| ())),
        ),
        (
            s(&["ZRANGESTORE", "z4", "z2", "0", "-1"]),
            step(|st| {
                st.zsets()
                    .zrangestore("z4", "z2", &ZRange::rank(0, -1))
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZINTERSTORE", "z4", "2", "z2", "nokey"]),
            step(|st| st.zsets().zinterstore("z4", ["z2", "nokey"]).map(|_| ())),
        ),
    ];
    events_match(&setup, &steps);
}

/// SETBIT (and one that changes nothing) and BITOP.
#[test]
fn bit_command_events_match_redis() {
    let setup = [];
    let steps = vec![
        (
            s(&["SETBIT", "bits", "3", "1"]),
            step(|st| st.bits().setbit("bits", 3, true).map(|_| ())),
        ),
        (
            s(&["SETBIT", "bits", "3", "1"]),
            step(|st| st.bits().setbit("bits", 3, true).map(|_| ())),
        ),
        (
            s(&["BITOP", "OR", "bits2", "bits"]),
            step(|st| st.bits().bitop(BitOp::Or, "bits2", ["bits"]).map(|_| ())),
        ),
    ];
    events_match(&setup, &steps);
}

/// Reads of existing and missing keys: a key-miss event for each missing key, nothing
/// else.
#[test]
fn reads_raise_only_key_miss_events_like_redis() {
    let setup = vec![
        (
            s(&["SET", "e2", "x"]),
            step(|st| st.strings().set("e2", "x")),
        ),
        (
            s(&["SADD", "s3", "x"]),
            step(|st| st.sets().sadd("s3", ["x"]).map(|_| ())),
        ),
        (
            s(&["ZADD", "z2", "1", "x"]),
            step(|st| st.zsets().zadd("z2", [("x", 1.0)]).map(|_| ())),
        ),
    ];
    let steps = vec![
        (
            s(&["GET", "nokey"]),
            step(|st| st.strings().get("nokey").map(|_| ())),
        ),
        (
            s(&["MGET", "e2", "nokey"]),
            step(|st| st.strings().mget(["e2", "nokey"]).map(|_| ())),
        ),
        (
            s(&["EXISTS", "nokey", "e2"]),
            step(|st| st.keys().exists(["nokey", "e2"]).map(|_| ())),
        ),
        (
            s(&["TTL", "nokey"]),
            step(|st| st.keys().ttl("nokey").map(|_| ())),
        ),
        (
            s(&["TYPE", "nokey"]),
            step(|st| st.keys().key_type("nokey").map(|_| ())),
        ),
        (
            s(&["SINTER", "s3", "nokey"]),
            step(|st| st.sets().sinter(["s3", "nokey"]).map(|_| ())),
        ),
        (
            s(&["ZSCORE", "nokey", "m"]),
            step(|st| st.zsets().zscore("nokey", "m").map(|_| ())),
        ),
        (
            s(&["HGET", "nokey", "f"]),
            step(|st| st.hashes().hget("nokey", "f").map(|_| ())),
        ),
        (
            s(&["LRANGE", "nokey", "0", "-1"]),
            step(|st| st.lists().lrange("nokey", 0, -1).map(|_| ())),
        ),
        (
            s(&["GETDEL", "nokey"]),
            step(|st| st.strings().getdel("nokey").map(|_| ())),
        ),
        (
            s(&["STRLEN", "nokey"]),
            step(|st| st.strings().strlen("nokey").map(|_| ())),
        ),
        (
            s(&["GETEX", "nokey", "EX", "5"]),
            step(|st| {
                st.strings()
                    .getex("nokey", Expiry::In(Duration::from_secs(5)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZUNION", "2", "nokey", "z2"]),
            step(|st| st.zsets().zunion(["nokey", "z2"]).map(|_| ())),
        ),
    ];
    events_match(&setup, &steps);
}
