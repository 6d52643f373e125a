//! Redis 7.0's answers where the store once answered otherwise, one test per class of
//! difference. Every expected reply here was read from redis-server 7.0.15; the
//! differential tests (`tests/differential.rs`) keep comparing against it live.
//! (Exact expiry on the real clock: `tests/expiry.rs`,
//! `on_the_real_clock_a_key_is_gone_the_millisecond_after_its_deadline`.)

use embedis::{Reply, Store};

fn bulk(s: &str) -> Reply {
    Reply::from(s)
}

fn err(s: &str) -> Reply {
    Reply::Error(s.to_string().into())
}

/// Runs `cmds` and returns the last reply.
fn run(c: &mut embedis::Connection, cmds: &[&[&str]]) -> Reply {
    let mut last = Reply::Nil;
    for cmd in cmds {
        last = c.execute(cmd);
    }
    last
}

#[test]
fn class_2_sub_millisecond_blocking_timeouts_return() {
    let mut c = Store::new().connection();
    for cmd in [
        &["BLPOP", "l", "0.0001"][..],
        &["BRPOP", "l", "0.0001"],
        &["BLMPOP", "0.0001", "1", "l", "LEFT"],
        &["BZPOPMIN", "z", "0.0001"],
        &["BZMPOP", "0.0001", "1", "z", "MIN"],
        &["BRPOPLPUSH", "l", "d", "0.0001"],
        &["BLMOVE", "l", "d", "LEFT", "LEFT", "0.0001"],
    ] {
        assert_eq!(c.execute(cmd), Reply::NilArray, "{cmd:?}");
    }
    // A timeout whose milliseconds overflow reads, as on x86, as negative.
    assert_eq!(
        c.execute(&["BLPOP", "l", "1e30"]),
        err("ERR timeout is negative")
    );
}

#[test]
fn class_3_arity_is_checked_where_redis_checks_it() {
    let mut c = Store::new().connection();
    c.execute(&["RPUSH", "l", "a", "b"]);
    c.execute(&["ZADD", "z", "1", "m"]);
    let arity = |name: &str| {
        err(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ))
    };
    assert_eq!(c.execute(&["LPOP", "l", "1", "2"]), arity("lpop"));
    assert_eq!(c.execute(&["RPOP", "l", "0", "x", "y"]), arity("rpop"));
    assert_eq!(c.execute(&["ZRANK", "z", "m", "x", "y"]), arity("zrank"));
    assert_eq!(c.execute(&["PING", "a", "b"]), arity("ping"));
    // Outside MULTI, a refused EXEC is an EXECABORT.
    assert_eq!(
        c.execute(&["EXEC", "x"]),
        err(
            "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
        )
    );
    // Inside, the table's arity errors dirty the transaction; LPOP's own check runs
    // inside EXEC.
    let queued = run(&mut c, &[&["MULTI"], &["ZRANK", "z", "m", "x"], &["EXEC"]]);
    assert_eq!(
        queued,
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    let inside = run(&mut c, &[&["MULTI"], &["LPOP", "l", "1", "2"], &["EXEC"]]);
    assert_eq!(inside, Reply::Array(vec![arity("lpop")]));
    c.execute(&["MULTI"]);
    assert_eq!(
        c.execute(&["MULTI", "x"]),
        arity("multi"),
        "refused, and the transaction dirtied"
    );
    assert_eq!(
        c.execute(&["EXEC", "x"]),
        err(
            "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
        )
    );
    assert_eq!(c.execute(&["EXEC"]), err("ERR EXEC without MULTI"));
}

#[test]
fn class_4_checks_run_in_redis_order() {
    let mut c = Store::new().connection();
    c.execute(&["SET", "str", "v"]);
    c.execute(&["SADD", "set", "a"]);
    assert_eq!(c.execute(&["LINDEX", "missing", "abc"]), Reply::Nil);
    assert_eq!(
        c.execute(&["LSET", "missing", "x", "v"]),
        err("ERR no such key")
    );
    let empty_scan = Reply::Array(vec![bulk("0"), Reply::Array(vec![])]);
    assert_eq!(c.execute(&["HSCAN", "missing", "0", "MATCH"]), empty_scan);
    assert_eq!(
        c.execute(&["ZSCAN", "missing", "0", "COUNT", "0"]),
        empty_scan
    );
    let wrongtype = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_eq!(c.execute(&["HSCAN", "str", "0", "BOGUS"]), wrongtype);
    assert_eq!(c.execute(&["ZCOUNT", "set", "", "1"]), wrongtype);
    assert_eq!(
        c.execute(&["LCS", "set", "str", "BOGUS"]),
        err("ERR The specified keys must contain string values")
    );
    assert_eq!(
        c.execute(&["SETBIT", "str", "4294967296", "2"]),
        err("ERR bit offset is not an integer or out of range")
    );
    assert_eq!(
        c.execute(&["BITFIELD_RO", "str", "SET", "i8", "0", "1", "GET", "x", "0"]),
        err(
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
        )
    );
    assert_eq!(
        c.execute(&["BLMPOP", "x", "0", "l", "LEFT"]),
        err("ERR numkeys should be greater than 0")
    );
    assert_eq!(
        c.execute(&["ZINCRBY", "z", "XX", "m"]),
        err("ERR syntax error")
    );
    assert_eq!(
        c.execute(&["HRANDFIELD", "h", "x", "WITHVALUES", "y"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.execute(&["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"]),
        err("ERR value is out of range")
    );
}

#[test]
fn class_5_numbers_are_read_as_redis_reads_them() {
    let mut c = Store::new().connection();
    c.execute(&["ZADD", "z", "1", "a", "2", "b", "20", "c"]);
    assert_eq!(c.execute(&["ZCOUNT", "z", "", "2.5"]), Reply::Integer(2));
    assert_eq!(c.execute(&["ZCOUNT", "z", "0x10", "20"]), Reply::Integer(1));
    assert_eq!(c.execute(&["ZCOUNT", "z", "(", "1"]), Reply::Integer(1));
    assert_eq!(c.execute(&["ZADD", "z", "0x10", "d"]), Reply::Integer(1));
    assert_eq!(
        c.execute(&["HINCRBYFLOAT", "h", "f", "123456789.123456789"]),
        bulk("123456789.12345678899873747")
    );
    assert_eq!(
        c.execute(&["INCRBYFLOAT", "n", "637921340293417570"]),
        bulk("637921340293417570")
    );
    let Reply::Bulk(big) = c.execute(&["INCRBYFLOAT", "big", "1e400"]) else {
        panic!("1e400 is within a long double");
    };
    assert_eq!(big.len(), 401);
    let out_of_int =
        err("ERR value is out of range, value must between -2147483648 and 2147483647");
    assert_eq!(c.execute(&["SELECT", "4294967296"]), out_of_int);
    assert_eq!(c.execute(&["MOVE", "z", "4294967296"]), out_of_int);
    assert_eq!(
        c.execute(&["BITFIELD", "s", "GET", "I8", "0"]),
        err(
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
        )
    );
}

#[test]
fn class_6_resp2_null_arrays() {
    let mut c = Store::new().connection();
    assert_eq!(c.execute(&["LPOP", "none", "1"]).to_resp(false), b"*-1\r\n");
    assert_eq!(c.execute(&["LMPOP", "1", "none", "LEFT"]), Reply::NilArray);
    assert_eq!(c.execute(&["ZMPOP", "1", "none", "MIN"]), Reply::NilArray);
    assert_eq!(c.execute(&["BLPOP", "none", "0.001"]), Reply::NilArray);
    // An EXEC aborted by a WATCH.
    c.execute(&["WATCH", "w"]);
    c.execute(&["SET", "w", "1"]);
    assert_eq!(
        run(&mut c, &[&["MULTI"], &["PING"], &["EXEC"]]),
        Reply::NilArray
    );
    // Inside EXEC too; BLMOVE there answers a null bulk string.
    let exec = run(
        &mut c,
        &[
            &["MULTI"],
            &["RPOP", "none", "2"],
            &["BLMOVE", "none", "d", "LEFT", "LEFT", "0"],
            &["EXEC"],
        ],
    );
    assert_eq!(exec.to_resp(false), b"*2\r\n*-1\r\n$-1\r\n");
    // RESP3 has one null.
    c.execute(&["HELLO", "3"]);
    assert_eq!(c.execute(&["LPOP", "none", "1"]).to_resp(true), b"_\r\n");
}

#[test]
fn class_7_error_texts_are_binary_safe() {
    let mut c = Store::new().connection();
    c.execute(&["SET", "k", "v"]);
    let reply = c.execute(&[&b"EXPIRE"[..], b"k", b"10", b"NX", b"\xff\xfe"]);
    assert_eq!(
        reply.to_resp(false),
        b"-ERR Unsupported option \xff\xfe\r\n"
    );
    // `%s` stops at a NUL byte; newlines become spaces.
    let reply = c.execute(&[&b"EXPIRE"[..], b"k", b"10", b"a\x00b"]);
    assert_eq!(reply.to_resp(false), b"-ERR Unsupported option a\r\n");
    let reply = c.execute(&[&b"NOSUCH\xff"[..], b"x\r\ny"]);
    assert_eq!(
        reply.to_resp(false),
        b"-ERR unknown command 'NOSUCH\xff', with args beginning with: 'x  y' \r\n"
    );
}

#[test]
fn class_8_watch_is_touched_only_by_real_changes() {
    let store = Store::new();
    let mut c = store.connection();
    let mut other = store.connection();
    let exec_ok = |c: &mut embedis::Connection| {
        run(c, &[&["MULTI"], &["PING"], &["EXEC"]]) != Reply::NilArray
    };
    // FLUSHDB of a database without the key: not a change of it.
    c.execute(&["WATCH", "absent"]);
    other.execute(&["FLUSHDB"]);
    assert!(exec_ok(&mut c));
    // With the key: a change.
    other.execute(&["SET", "k", "1"]);
    c.execute(&["WATCH", "k"]);
    other.execute(&["FLUSHALL"]);
    assert!(!exec_ok(&mut c));
    // SWAPDB of a database with itself changes nothing.
    other.execute(&["SET", "k", "1"]);
    c.execute(&["WATCH", "k"]);
    other.execute(&["SWAPDB", "0", "0"]);
    assert!(exec_ok(&mut c));
    // SMOVE of a member the destination holds touches the source only.
    other.execute(&["SADD", "src", "m"]);
    other.execute(&["SADD", "dst", "m"]);
    c.execute(&["WATCH", "dst"]);
    assert_eq!(
        other.execute(&["SMOVE", "src", "dst", "m"]),
        Reply::Integer(1)
    );
    assert!(exec_ok(&mut c));
    other.execute(&["SADD", "src", "m"]);
    c.execute(&["WATCH", "src"]);
    other.execute(&["SMOVE", "src", "dst", "m"]);
    assert!(!exec_ok(&mut c));
}

#[test]
fn class_10_commands_refused_inside_multi() {
    let mut c = Store::new().connection();
    c.execute(&["MULTI"]);
    for cmd in [
        &["SAVE"][..],
        &["SHUTDOWN"],
        &["SYNC"],
        &["PSYNC", "x", "1"],
    ] {
        assert_eq!(
            c.execute(cmd),
            err("ERR Command not allowed inside a transaction"),
            "{cmd:?}"
        );
    }
    assert_eq!(
        c.execute(&["WATCH", "k"]),
        err("ERR WATCH inside MULTI is not allowed")
    );
    // HELLO and UNWATCH are queued, as in Redis.
    assert_eq!(c.execute(&["UNWATCH"]), Reply::Simple("QUEUED".into()));
    assert_eq!(
        c.execute(&["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
}

#[test]
fn class_9_introspection_as_7_0_answers_it() {
    let store = Store::new();
    let mut c = store.connection();
    // A server whose default user has no password.
    assert_eq!(
        c.execute(&["AUTH", "x"]),
        err(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
        )
    );
    assert_eq!(c.execute(&["AUTH", "default", "x"]), Reply::ok());
    let wrongpass = err("WRONGPASS invalid username-password pair or user is disabled.");
    assert_eq!(c.execute(&["AUTH", "other", "x"]), wrongpass);
    assert_eq!(c.execute(&["HELLO", "2", "AUTH", "other", "x"]), wrongpass);
    // No replicas acknowledge.
    assert_eq!(c.execute(&["WAIT", "0", "0"]), Reply::Integer(0));
    assert_eq!(c.execute(&["WAIT", "1", "5"]), Reply::Integer(0));
    assert_eq!(
        c.execute(&["WAIT", "0", "-1"]),
        err("ERR timeout is negative")
    );
    // Sets of other members than integers are hash tables in 7.0.
    c.execute(&["SADD", "ints", "1", "2"]);
    c.execute(&["SADD", "words", "a", "b"]);
    assert_eq!(c.execute(&["OBJECT", "ENCODING", "ints"]), bulk("intset"));
    assert_eq!(
        c.execute(&["OBJECT", "ENCODING", "words"]),
        bulk("hashtable")
    );
    assert_eq!(c.execute(&["CLIENT", "NO-EVICT", "on"]), Reply::ok());
    assert_eq!(
        c.execute(&["CLIENT", "NO-EVICT", "maybe"]),
        err("ERR syntax error")
    );
    let Reply::Array(help) = c.execute(&["OBJECT", "HELP"]) else {
        panic!("OBJECT HELP answers lines");
    };
    assert_eq!(
        help.last(),
        Some(&Reply::Simple("    Prints this help.".into()))
    );
    // Sharded pub/sub as a single node serves it: its own namespace.
    let mut sub = store.connection();
    assert_eq!(
        sub.execute(&["SSUBSCRIBE", "orders"]),
        Reply::Array(vec![bulk("ssubscribe"), bulk("orders"), Reply::Integer(1)])
    );
    assert_eq!(c.execute(&["PUBLISH", "orders", "x"]), Reply::Integer(0));
    assert_eq!(c.execute(&["SPUBLISH", "orders", "new"]), Reply::Integer(1));
    assert_eq!(
        sub.next_push(std::time::Duration::from_secs(1)),
        Some(Reply::Array(vec![
            bulk("smessage"),
            bulk("orders"),
            bulk("new")
        ]))
    );
    assert_eq!(
        c.execute(&["PUBSUB", "SHARDCHANNELS"]),
        Reply::Array(vec![bulk("orders")])
    );
    assert_eq!(
        c.execute(&["PUBSUB", "SHARDNUMSUB", "orders", "none"]),
        Reply::Array(vec![
            bulk("orders"),
            Reply::Integer(1),
            bulk("none"),
            Reply::Integer(0)
        ])
    );
    assert_eq!(
        sub.execute(&["PUBSUB", "SHARDCHANNELS"]),
        err(
            "ERR Can't execute 'pubsub|shardchannels': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )
    );
    assert_eq!(
        sub.execute(&["SUNSUBSCRIBE"]),
        Reply::Array(vec![
            bulk("sunsubscribe"),
            bulk("orders"),
            Reply::Integer(0)
        ])
    );
}

#[test]
fn class_9_idle_time_is_not_reset_by_ttl_type_exists_or_object() {
    use std::time::Duration;
    // Access times as Redis keeps them: under the LRU policies, or every policy when
    // asked for. (Under an LFU policy OBJECT IDLETIME is an error, as in Redis.)
    for lru in [true, false] {
        let clock = embedis::ManualClock::new();
        let builder = Store::builder().clock(clock.clone());
        let store = if lru {
            builder.eviction_policy(embedis::EvictionPolicy::AllKeysLru)
        } else {
            builder.track_idle_time(true)
        }
        .build();
        let mut c = store.connection();
        c.execute(&["SET", "foo", "bar"]);
        clock.advance(Duration::from_secs(3));
        for cmd in [
            &["TTL", "foo"][..],
            &["PTTL", "foo"],
            &["EXPIRETIME", "foo"],
            &["PEXPIRETIME", "foo"],
            &["TYPE", "foo"],
            &["EXISTS", "foo"],
            &["OBJECT", "ENCODING", "foo"],
            &["OBJECT", "IDLETIME", "foo"],
        ] {
            c.execute(cmd);
        }
        assert_eq!(c.execute(&["OBJECT", "IDLETIME", "foo"]), Reply::Integer(3));
        // Whole seconds between second stamps, as Redis's LRU clock counts them (the
        // manual clock starts on a whole second).
        clock.advance(Duration::from_millis(999));
        assert_eq!(c.execute(&["OBJECT", "IDLETIME", "foo"]), Reply::Integer(3));
        // TOUCH and reads are accesses.
        assert_eq!(c.execute(&["TOUCH", "foo", "nope"]), Reply::Integer(1));
        assert_eq!(c.execute(&["OBJECT", "IDLETIME", "foo"]), Reply::Integer(0));
        clock.advance(Duration::from_secs(5));
        c.execute(&["GET", "foo"]);
        assert_eq!(c.execute(&["OBJECT", "IDLETIME", "foo"]), Reply::Integer(0));
    }
}

type Commands<'a> = &'a [&'a [&'a str]];

/// Redis 7.0's `multi.tcl` cases of keys that had expired, undeleted, when they were
/// watched (`wk->expired`): their deletion — lazy, by FLUSHDB, or by SWAPDB — is no
/// change; replacing no key with an expired one is none either.
#[test]
fn class_8_watched_stale_keys_change_only_by_real_changes() {
    use std::time::Duration;
    let clock = embedis::ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .active_expiry(false)
        .build();
    let mut c = store.connection();
    let mut other = store.connection();
    let ping = Reply::Array(vec![Reply::Simple("PONG".into())]);
    // Each case: commands before the WATCH (the clock then passes their deadlines),
    // the database to watch in, what runs between WATCH and EXEC, and whether EXEC runs.
    let cases: Vec<(Commands<'_>, &str, Commands<'_>, bool)> = vec![
        (&[&["SET", "x", "foo", "PX", "1"]], "0", &[], true),
        (
            &[&["SET", "x", "foo", "PX", "1"]],
            "0",
            &[&["EXISTS", "x"]],
            true,
        ),
        (
            &[&["SET", "x", "foo", "PX", "1"]],
            "0",
            &[&["FLUSHDB"]],
            true,
        ),
        (
            &[&["SET", "x", "foo", "PX", "1"]],
            "0",
            &[&["SET", "x", "y"]],
            false,
        ),
        (
            &[&["SELECT", "1"], &["SET", "x", "foo", "PX", "1"]],
            "1",
            &[&["SWAPDB", "0", "1"]],
            true,
        ),
        (
            &[&["SET", "x", "foo", "PX", "1"]],
            "1",
            &[&["SWAPDB", "0", "1"]],
            true,
        ),
        (
            &[
                &["SELECT", "1"],
                &["SET", "x", "foo", "PX", "1"],
                &["SELECT", "0"],
                &["SET", "x", "bar", "PX", "1"],
            ],
            "1",
            &[&["SWAPDB", "0", "1"]],
            true,
        ),
        // Live keys: SWAPDB changes them, whether they exist or are created.
        (&[&["SET", "x", "30"]], "0", &[&["SWAPDB", "0", "1"]], false),
        (
            &[&["SELECT", "1"], &["SET", "x", "30"]],
            "0",
            &[&["SWAPDB", "0", "1"]],
            false,
        ),
        (&[&["SET", "x", "30"]], "0", &[&["FLUSHALL"]], false),
        (&[&["SET", "x", "30"]], "0", &[&["FLUSHDB"]], false),
    ];
    for (n, (before, watch_db, between, runs)) in cases.into_iter().enumerate() {
        other.execute(&["FLUSHALL"]);
        for cmd in before {
            other.execute(cmd);
        }
        other.execute(&["SELECT", "0"]);
        clock.advance(Duration::from_millis(2));
        c.execute(&["SELECT", watch_db]);
        c.execute(&["WATCH", "x"]);
        for cmd in between {
            // The watcher's own EXISTS is a lazy deletion; the rest come from another.
            if cmd[0] == "EXISTS" {
                assert_eq!(c.execute(cmd), Reply::Integer(0));
            } else {
                other.execute(cmd);
            }
        }
        c.execute(&["MULTI"]);
        c.execute(&["PING"]);
        let expected = if runs { ping.clone() } else { Reply::NilArray };
        assert_eq!(c.execute(&["EXEC"]), expected, "case {n}");
    }
}
