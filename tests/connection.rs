//! `Connection::execute`: Redis's command syntax, per-connection state (databases,
//! `MULTI`, `WATCH`, subscriptions, protocol), blocking and unblocking.

use std::thread;
use std::time::{Duration, Instant};

use embedis::{Reply, Store};

mod common;
use common::until_blocked;

fn bulk(s: &str) -> Reply {
    Reply::from(s)
}

fn queued() -> Reply {
    Reply::Simple("QUEUED".into())
}

#[test]
fn errors_carry_redis_texts() {
    let mut c = Store::new().connection();
    assert_eq!(
        c.execute(&["NOSUCH", "a", "b"]),
        Reply::Error("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ".into())
    );
    assert_eq!(
        c.execute(&["get", "a", "b"]),
        Reply::Error("ERR wrong number of arguments for 'get' command".into())
    );
    c.execute(&["RPUSH", "l", "x"]);
    assert_eq!(
        c.execute(&["GET", "l"]),
        Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())
    );
    assert_eq!(
        c.execute(&["SET", "k", "v", "NX", "XX"]),
        Reply::Error("ERR syntax error".into())
    );
    assert_eq!(
        c.execute(&["EXPIRE", "k", "10", "NX", "GT"]),
        Reply::Error("ERR NX and XX, GT or LT options at the same time are not compatible".into())
    );
    assert_eq!(
        c.execute(&["OBJECT", "NOPE", "k"]),
        Reply::Error("ERR unknown subcommand 'NOPE'. Try OBJECT HELP.".into())
    );
}

#[test]
fn exec_runs_the_queue_with_a_reply_each() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["SET", "name", "ann"]);
    assert_eq!(c.execute(&["MULTI"]), Reply::ok());
    assert_eq!(c.execute(&["INCR", "hits"]), queued());
    assert_eq!(c.execute(&["INCR", "name"]), queued());
    assert_eq!(c.execute(&["GET", "name"]), queued());
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Array(vec![
            Reply::Integer(1),
            Reply::Error("ERR value is not an integer or out of range".into()),
            bulk("ann"),
        ])
    );
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Error("ERR EXEC without MULTI".into())
    );
}

#[test]
fn a_queuing_error_aborts_the_transaction() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["MULTI"]);
    c.execute(&["SET", "a", "1"]);
    assert!(c.execute(&["GET"]).is_error());
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Error("EXECABORT Transaction discarded because of previous errors.".into())
    );
    assert_eq!(store.keys().dbsize().unwrap(), 0);
    c.execute(&["MULTI"]);
    c.execute(&["SET", "a", "1"]);
    assert_eq!(c.execute(&["DISCARD"]), Reply::ok());
    assert_eq!(store.keys().dbsize().unwrap(), 0);
}

#[test]
fn watch_aborts_exec_when_a_watched_key_changes() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["SET", "stock", "3"]);
    c.execute(&["WATCH", "stock"]);
    store.strings().set("stock", "2").unwrap(); // another client
    c.execute(&["MULTI"]);
    c.execute(&["SET", "stock", "100"]);
    // RESP2's null array, as Redis answers an aborted EXEC.
    assert_eq!(c.execute(&["EXEC"]), Reply::NilArray);
    assert_eq!(store.strings().get("stock").unwrap().unwrap(), "2");
    // Unchanged, the transaction goes through; EXEC also ends the watch.
    c.execute(&["WATCH", "stock"]);
    c.execute(&["MULTI"]);
    c.execute(&["DECR", "stock"]);
    assert_eq!(c.execute(&["EXEC"]), Reply::Array(vec![Reply::Integer(1)]));
    c.execute(&["MULTI"]);
    store.strings().set("stock", "9").unwrap();
    c.execute(&["DECR", "stock"]);
    assert_eq!(c.execute(&["EXEC"]), Reply::Array(vec![Reply::Integer(8)]));
}

#[test]
fn exec_of_whole_database_commands_runs_in_order() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["MULTI"]);
    c.execute(&["SET", "a", "1"]);
    c.execute(&["DBSIZE"]);
    c.execute(&["SELECT", "2"]);
    c.execute(&["SET", "b", "2"]);
    c.execute(&["FLUSHDB"]);
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Array(vec![
            Reply::ok(),
            Reply::Integer(1),
            Reply::ok(),
            Reply::ok(),
            Reply::ok()
        ])
    );
    assert_eq!(c.db(), 2);
    assert_eq!(store.keys().dbsize().unwrap(), 1);
    assert_eq!(store.db(2).unwrap().keys().dbsize().unwrap(), 0);
}

#[test]
fn blocking_commands_in_multi_never_wait() {
    let mut c = Store::new().connection();
    c.execute(&["MULTI"]);
    c.execute(&["BLPOP", "q", "0"]);
    c.execute(&["DBSIZE"]); // a whole-database command: the queue runs in order
    c.execute(&["BZPOPMIN", "z", "0"]);
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Array(vec![Reply::NilArray, Reply::Integer(0), Reply::NilArray])
    );
    c.execute(&["MULTI"]);
    c.execute(&["BRPOP", "q", "0"]);
    // BLMOVE and BRPOPLPUSH answer a null bulk string where they cannot block.
    c.execute(&["BLMOVE", "q", "d", "LEFT", "LEFT", "0"]);
    c.execute(&["BRPOPLPUSH", "q", "d", "0"]);
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Array(vec![Reply::NilArray, Reply::Nil, Reply::Nil])
    );
    // Under RESP3 there is one null.
    c.execute(&["HELLO", "3"]);
    assert_eq!(c.execute(&["LPOP", "q", "2"]), Reply::Nil);
}

#[test]
fn exec_is_atomic_to_other_threads() {
    let store = Store::new();
    store.strings().mset([("a", "1000"), ("b", "0")]).unwrap();
    let mover = {
        let store = store.clone();
        thread::spawn(move || {
            let mut c = store.connection();
            for _ in 0..500 {
                c.execute(&["MULTI"]);
                c.execute(&["DECRBY", "a", "1"]);
                c.execute(&["INCRBY", "b", "1"]);
                c.execute(&["EXEC"]);
            }
        })
    };
    let mut c = store.connection();
    while !mover.is_finished() {
        let Reply::Array(v) = c.execute(&["MGET", "a", "b"]) else {
            panic!("MGET answers an array");
        };
        let n = |r: &Reply| match r {
            Reply::Bulk(b) => std::str::from_utf8(b).unwrap().parse::<i64>().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(n(&v[0]) + n(&v[1]), 1000, "a transfer was seen half done");
    }
    mover.join().unwrap();
    assert_eq!(store.strings().get("b").unwrap().unwrap(), "500");
}

#[test]
fn select_keeps_a_database_per_connection() {
    let store = Store::new();
    let mut one = store.connection();
    let mut two = store.connection();
    assert_eq!(one.execute(&["SELECT", "1"]), Reply::ok());
    one.execute(&["SET", "k", "in db 1"]);
    assert_eq!(two.execute(&["GET", "k"]), Reply::Nil);
    assert_eq!(
        two.execute(&["SELECT", "16"]),
        Reply::Error("ERR DB index is out of range".into())
    );
    assert_eq!(two.execute(&["SWAPDB", "0", "1"]), Reply::ok());
    assert_eq!(two.execute(&["GET", "k"]), bulk("in db 1"));
}

#[test]
fn hello_3_switches_to_resp3_shapes() {
    let mut c = Store::new().connection();
    c.execute(&["HSET", "h", "f", "v"]);
    c.execute(&["ZADD", "z", "1.5", "m"]);
    c.execute(&["SADD", "s", "x"]);
    assert_eq!(
        c.execute(&["HGETALL", "h"]),
        Reply::Array(vec![bulk("f"), bulk("v")])
    );
    assert_eq!(c.execute(&["ZSCORE", "z", "m"]), bulk("1.5"));
    assert_eq!(
        c.execute(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        Reply::Array(vec![bulk("m"), bulk("1.5")])
    );
    let Reply::Map(hello) = c.execute(&["HELLO", "3"]) else {
        panic!("HELLO 3 answers a map");
    };
    assert!(hello.contains(&(bulk("proto"), Reply::Integer(3))));
    assert_eq!(
        c.execute(&["HGETALL", "h"]),
        Reply::Map(vec![(bulk("f"), bulk("v"))])
    );
    assert_eq!(c.execute(&["ZSCORE", "z", "m"]), Reply::Double(1.5));
    assert_eq!(c.execute(&["SMEMBERS", "s"]), Reply::Set(vec![bulk("x")]));
    assert_eq!(
        c.execute(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        Reply::Array(vec![Reply::Array(vec![bulk("m"), Reply::Double(1.5)])])
    );
    assert_eq!(
        c.execute(&["HELLO", "4"]),
        Reply::Error("NOPROTO unsupported protocol version".into())
    );
    assert_eq!(c.execute(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(c.execute(&["ZSCORE", "z", "m"]), bulk("1.5"));
}

#[test]
fn subscriptions_deliver_messages_as_pushes() {
    let store = Store::new();
    let mut sub = store.connection();
    let mut publisher = store.connection();
    assert_eq!(
        sub.execute(&["SUBSCRIBE", "news", "sport"]),
        Reply::Array(vec![bulk("subscribe"), bulk("news"), Reply::Integer(1)])
    );
    let wait = Duration::from_secs(5);
    assert_eq!(
        sub.next_push(wait),
        Some(Reply::Array(vec![
            bulk("subscribe"),
            bulk("sport"),
            Reply::Integer(2)
        ]))
    );
    assert!(
        sub.execute(&["GET", "k"]).is_error(),
        "only (un)subscribing while subscribed"
    );
    assert_eq!(
        sub.execute(&["PING"]),
        Reply::Array(vec![bulk("pong"), bulk("")])
    );
    sub.execute(&["PSUBSCRIBE", "s*"]);
    assert_eq!(
        publisher.execute(&["PUBLISH", "sport", "goal"]),
        Reply::Integer(2)
    );
    let mut got = vec![sub.next_push(wait).unwrap(), sub.next_push(wait).unwrap()];
    got.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        got,
        [
            Reply::Array(vec![bulk("message"), bulk("sport"), bulk("goal")]),
            Reply::Array(vec![
                bulk("pmessage"),
                bulk("s*"),
                bulk("sport"),
                bulk("goal")
            ]),
        ]
    );
    assert_eq!(
        publisher.execute(&["PUBSUB", "NUMSUB", "news"]),
        Reply::Array(vec![bulk("news"), Reply::Integer(1)])
    );
    sub.execute(&["UNSUBSCRIBE"]);
    sub.next_push(wait); // the second channel's confirmation
    sub.execute(&["PUNSUBSCRIBE"]);
    assert_eq!(sub.execute(&["GET", "k"]), Reply::Nil);
    assert_eq!(sub.next_push(Duration::ZERO), None);
}

#[test]
fn keyspace_events_are_configured_and_received_through_commands() {
    let store = Store::new();
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["CONFIG", "SET", "notify-keyspace-events", "E$"]),
        Reply::ok()
    );
    assert_eq!(
        c.execute(&["CONFIG", "GET", "notify-keyspace-events"]),
        Reply::Array(vec![bulk("notify-keyspace-events"), bulk("$E")])
    );
    let mut sub = store.connection();
    sub.execute(&["SUBSCRIBE", "__keyevent@0__:set"]);
    c.execute(&["SET", "k", "v"]);
    assert_eq!(
        sub.next_push(Duration::from_secs(5)),
        Some(Reply::Array(vec![
            bulk("message"),
            bulk("__keyevent@0__:set"),
            bulk("k")
        ]))
    );
}

#[test]
fn blocking_commands_block_and_client_unblock_wakes_them() {
    let store = Store::new();
    let mut c = store.connection();
    let id = c.id().to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = thread::spawn(move || {
        // Long timeouts, so that a wake-up that does not come fails the test, not hangs it.
        for cmd in [
            ["BLPOP", "q", "20"],
            ["BRPOP", "q", "20"],
            ["BZPOPMIN", "z", "20"],
        ] {
            let start = Instant::now();
            let reply = c.execute(&cmd);
            tx.send((reply, start.elapsed())).unwrap();
        }
    });
    let mut other = store.connection();
    until_blocked(&store, 1);
    assert_eq!(other.execute(&["RPUSH", "q", "job"]), Reply::Integer(1));
    let (first, _) = rx.recv().unwrap();
    assert_eq!(first, Reply::Array(vec![bulk("q"), bulk("job")]));
    until_blocked(&store, 1);
    assert_eq!(
        other.execute(&["CLIENT", "UNBLOCK", &id]),
        Reply::Integer(1)
    );
    let (second, took) = rx.recv().unwrap();
    assert_eq!(second, Reply::NilArray, "TIMEOUT reads as a timeout");
    assert!(took < Duration::from_secs(10));
    until_blocked(&store, 1);
    assert_eq!(
        other.execute(&["CLIENT", "UNBLOCK", &id, "ERROR"]),
        Reply::Integer(1)
    );
    let (third, took) = rx.recv().unwrap();
    assert_eq!(
        third,
        Reply::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into())
    );
    assert!(took < Duration::from_secs(10));
    waiter.join().unwrap();
    assert_eq!(
        other.execute(&["CLIENT", "UNBLOCK", &id]),
        Reply::Integer(0)
    );
}

#[test]
fn blocking_commands_time_out() {
    let mut c = Store::new().connection();
    assert_eq!(c.execute(&["BLPOP", "q", "0.01"]), Reply::NilArray);
    assert_eq!(
        c.execute(&["BRPOPLPUSH", "q", "d", "0.01"]),
        Reply::NilArray
    );
    // A sub-millisecond timeout waits a millisecond, not forever.
    assert_eq!(c.execute(&["BLPOP", "q", "0.0001"]), Reply::NilArray);
    assert_eq!(
        c.execute(&["BLPOP", "q", "-1"]),
        Reply::Error("ERR timeout is negative".into())
    );
}

#[test]
fn ttls_follow_the_stores_clock() {
    let (store, clock) = {
        let clock = embedis::ManualClock::new();
        (
            Store::builder()
                .clock(clock.clone())
                .active_expiry(false)
                .build(),
            clock,
        )
    };
    let mut c = store.connection();
    c.execute(&["SET", "page", "<html>", "EX", "10"]);
    assert_eq!(c.execute(&["TTL", "page"]), Reply::Integer(10));
    clock.advance(Duration::from_millis(9_400));
    assert_eq!(c.execute(&["TTL", "page"]), Reply::Integer(1));
    assert_eq!(c.execute(&["PTTL", "page"]), Reply::Integer(600));
    // Through the millisecond of its deadline the key lives, with a TTL of 0 (Redis's
    // `now > deadline`); one millisecond later it is gone.
    clock.advance(Duration::from_millis(600));
    assert_eq!(c.execute(&["PTTL", "page"]), Reply::Integer(0));
    assert_eq!(c.execute(&["TTL", "page"]), Reply::Integer(0));
    assert_eq!(c.execute(&["GET", "page"]), bulk("<html>"));
    clock.advance(Duration::from_millis(1));
    assert_eq!(c.execute(&["TTL", "page"]), Reply::Integer(-2));
    assert_eq!(c.execute(&["GET", "page"]), Reply::Nil);
    assert_eq!(c.execute(&["EXPIRE", "nope", "-1"]), Reply::Integer(0));
    c.execute(&["SET", "k", "v"]);
    assert_eq!(c.execute(&["EXPIRE", "k", "-1"]), Reply::Integer(1));
    assert_eq!(c.execute(&["EXISTS", "k"]), Reply::Integer(0));
}

#[test]
fn command_and_info_describe_the_server() {
    let mut c = Store::new().connection();
    let Reply::Integer(n) = c.execute(&["COMMAND", "COUNT"]) else {
        panic!("COMMAND COUNT answers an integer");
    };
    assert!(n > 150);
    let Reply::Array(info) = c.execute(&["COMMAND", "INFO", "get"]) else {
        panic!("COMMAND INFO answers an array");
    };
    let Reply::Array(get) = &info[0] else {
        panic!("one entry per command");
    };
    assert_eq!(get[..2], [bulk("get"), Reply::Integer(2)]);
    c.execute(&["SET", "a", "1", "EX", "100"]);
    c.execute(&["SET", "b", "1"]);
    let Reply::Bulk(text) = c.execute(&["INFO", "keyspace"]) else {
        panic!("INFO answers text");
    };
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(text.contains("db0:keys=2,expires=1"), "{text}");
    assert_eq!(c.execute(&["OBJECT", "ENCODING", "a"]), bulk("int"));
    assert_eq!(c.execute(&["ECHO", "hi"]), bulk("hi"));
}

#[test]
fn info_stats_count_hits_misses_expiries_and_commands() {
    let clock = embedis::ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .active_expiry(false)
        .build();
    let mut c = store.connection();
    c.execute(&["SET", "a", "1", "PX", "100"]);
    c.execute(&["GET", "a"]);
    c.execute(&["MGET", "a", "nope"]);
    c.execute(&["HGET", "nope", "f"]);
    clock.advance(Duration::from_millis(101));
    c.execute(&["SET", "a", "2"]); // replaces the expired key: one expiry
    let info = store.info();
    assert_eq!((info.keyspace_hits, info.keyspace_misses), (2, 2));
    assert_eq!(info.expired_keys, 1);
    assert_eq!(info.total_commands_processed, 5);
    assert_eq!(info.connected_clients, 1);
    let Reply::Bulk(text) = c.execute(&["INFO", "stats"]) else {
        panic!("INFO answers text");
    };
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(
        text.contains("keyspace_hits:2\r\nkeyspace_misses:2"),
        "{text}"
    );
    assert!(text.contains("expired_keys:1\r\n"), "{text}");
    assert_eq!(c.execute(&["CONFIG", "RESETSTAT"]), Reply::ok());
    assert_eq!(store.info().keyspace_hits, 0);
}

/// The line `CLIENT LIST` gives connection `id`, if listed.
fn listed(c: &mut embedis::Connection, id: u64) -> Option<String> {
    let Reply::Bulk(text) = c.execute(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST");
    };
    String::from_utf8_lossy(&text)
        .lines()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .map(str::to_string)
}

#[test]
fn client_kill_closes_a_connection_which_then_starts_afresh() {
    let store = Store::new();
    let mut killer = store.connection();
    let mut victim = store.connection();
    victim.execute(&["SELECT", "2"]);
    victim.execute(&["MULTI"]);
    let id = victim.id();
    assert!(listed(&mut killer, id).is_some());
    let kill = killer.execute(&["CLIENT", "KILL", "ID", &id.to_string()]);
    assert_eq!(kill, Reply::Integer(1));
    // Gone from the list at once; its next command fails, and it is new again.
    assert_eq!(listed(&mut killer, id), None);
    assert_eq!(
        victim.execute(&["PING"]),
        Reply::Error("ERR Connection closed by CLIENT KILL".into())
    );
    assert_ne!(victim.id(), id);
    assert_eq!(victim.db(), 0);
    assert_eq!(victim.execute(&["PING"]), Reply::Simple("PONG".into()));
    // Killing no one: a count of 0, or the old form's error.
    assert_eq!(
        killer.execute(&["CLIENT", "KILL", "ID", "999999"]),
        Reply::Integer(0)
    );
    assert_eq!(
        killer.execute(&["CLIENT", "KILL", "10.0.0.1:6379"]),
        Reply::Error("ERR No such client".into())
    );
    // SKIPME NO kills the caller too, after its reply; the old form kills all at the
    // connections' address (a connection has no socket: `?:0`).
    let mut third = store.connection();
    assert_eq!(
        killer.execute(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]),
        Reply::Integer(3)
    );
    assert!(killer.execute(&["PING"]).is_error());
    assert!(third.execute(&["PING"]).is_error());
    assert_eq!(killer.execute(&["CLIENT", "KILL", "?:0"]), Reply::ok());
    assert!(killer.execute(&["PING"]).is_error());
}

#[test]
fn client_kill_ends_a_blocked_call() {
    let store = Store::new();
    let mut waiter = store.connection();
    let id = waiter.id();
    let blocked = thread::spawn(move || waiter.execute(&["BLPOP", "jobs", "0"]));
    until_blocked(&store, 1);
    let mut killer = store.connection();
    assert_eq!(
        killer.execute(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Reply::Integer(1)
    );
    let reply = common::join_within(blocked, common::PROMPTLY, "BLPOP of a killed client");
    assert_eq!(
        reply,
        Reply::Error("ERR Connection closed by CLIENT KILL".into())
    );
}

#[test]
fn client_pause_holds_commands_until_it_ends() {
    let store = Store::new();
    let mut admin = store.connection();
    assert_eq!(
        admin.execute(&["CLIENT", "PAUSE", "60000", "WRITE"]),
        Reply::ok()
    );
    // Reads pass a WRITE pause; writes wait, shown blocked (`b`) on their command.
    let mut writer = store.connection();
    assert_eq!(writer.execute(&["GET", "k"]), Reply::Nil);
    let id = writer.id();
    let write = thread::spawn(move || writer.execute(&["SET", "k", "v"]));
    let deadline = Instant::now() + common::PROMPTLY;
    loop {
        let line = listed(&mut admin, id).unwrap();
        if line.contains(" flags=b ") && line.contains(" cmd=set ") {
            break;
        }
        assert!(Instant::now() < deadline, "the write never waited: {line}");
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(store.strings().get("k").unwrap(), None);
    assert_eq!(admin.execute(&["CLIENT", "UNPAUSE"]), Reply::ok());
    let reply = common::join_within(write, common::PROMPTLY, "a write after UNPAUSE");
    assert_eq!(reply, Reply::ok());
    // A pause of all commands whose time is over holds none (this would hang).
    assert_eq!(admin.execute(&["CLIENT", "PAUSE", "1"]), Reply::ok());
    let mut late = store.connection();
    let write = thread::spawn(move || late.execute(&["SET", "k", "w"]));
    let reply = common::join_within(write, common::PROMPTLY, "a write after a 1 ms pause");
    assert_eq!(reply, Reply::ok());
    // The store can always end a pause, even of every command (CLIENT UNPAUSE waits
    // then, as in Redis).
    assert_eq!(admin.execute(&["CLIENT", "PAUSE", "3600000"]), Reply::ok());
    store.unpause_connections();
    assert_eq!(admin.execute(&["GET", "k"]), bulk("w"));
}

#[test]
fn client_kill_is_final_for_a_waiting_command_a_blocked_pop_and_a_subscriber() {
    let store = Store::new();
    let mut admin = store.connection();
    // A command waiting on a pause is not run.
    admin.execute(&["CLIENT", "PAUSE", "3600000", "WRITE"]);
    let mut writer = store.connection();
    let id = writer.id().to_string();
    let write = thread::spawn(move || writer.execute(&["SET", "k", "killed"]));
    let deadline = Instant::now() + common::PROMPTLY;
    while !listed(&mut admin, id.parse().unwrap()).is_some_and(|l| l.contains(" flags=b ")) {
        assert!(Instant::now() < deadline, "the write never waited");
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        admin.execute(&["CLIENT", "KILL", "ID", &id]),
        Reply::Integer(1)
    );
    let reply = common::join_within(write, common::PROMPTLY, "a killed connection's write");
    assert_eq!(
        reply,
        Reply::Error("ERR Connection closed by CLIENT KILL".into())
    );
    admin.execute(&["CLIENT", "UNPAUSE"]);
    assert_eq!(admin.execute(&["EXISTS", "k"]), Reply::Integer(0));
    // A killed blocked pop takes nothing pushed later.
    let mut waiter = store.connection();
    let id = waiter.id().to_string();
    let pop = thread::spawn(move || waiter.execute(&["BLPOP", "q", "0"]));
    until_blocked(&store, 1);
    assert_eq!(
        admin.execute(&["CLIENT", "KILL", "ID", &id]),
        Reply::Integer(1)
    );
    common::join_within(pop, common::PROMPTLY, "a killed BLPOP");
    admin.execute(&["LPUSH", "q", "x"]);
    assert_eq!(admin.execute(&["LLEN", "q"]), Reply::Integer(1));
    // A killed subscriber stops receiving and counting at once, and its wait ends.
    let mut sub = store.connection();
    sub.execute(&["SUBSCRIBE", "ch"]);
    let id = sub.id().to_string();
    let waiting = thread::spawn(move || sub.next_push(Duration::from_secs(3600)));
    assert_eq!(
        admin.execute(&["CLIENT", "KILL", "ID", &id]),
        Reply::Integer(1)
    );
    let woke = common::join_within(waiting, common::PROMPTLY, "a killed subscriber's wait");
    assert_eq!(
        woke,
        Some(Reply::Error("ERR Connection closed by CLIENT KILL".into()))
    );
    assert_eq!(admin.execute(&["PUBLISH", "ch", "m"]), Reply::Integer(0));
    assert_eq!(
        admin.execute(&["PUBSUB", "NUMSUB", "ch"]),
        Reply::Array(vec![bulk("ch"), Reply::Integer(0)])
    );
    assert_eq!(admin.execute(&["PUBSUB", "CHANNELS"]), Reply::Array(vec![]));
}

#[test]
fn client_reply_off_and_skip_silence_replies() {
    let mut c = Store::new().connection();
    assert_eq!(c.execute(&["CLIENT", "REPLY", "OFF"]), Reply::NoReply);
    assert_eq!(c.execute(&["SET", "k", "v"]), Reply::NoReply);
    assert_eq!(c.execute(&["GET", "nope", "extra"]), Reply::NoReply);
    assert_eq!(c.execute(&["CLIENT", "REPLY", "ON"]), Reply::ok());
    assert_eq!(c.execute(&["GET", "k"]), bulk("v"));
    // SKIP silences itself and the next command only.
    assert_eq!(c.execute(&["CLIENT", "REPLY", "SKIP"]), Reply::NoReply);
    assert_eq!(c.execute(&["PING", "a"]), Reply::NoReply);
    assert_eq!(c.execute(&["PING", "b"]), bulk("b"));
    // ON right after SKIP answers.
    c.execute(&["CLIENT", "REPLY", "SKIP"]);
    assert_eq!(c.execute(&["CLIENT", "REPLY", "ON"]), Reply::ok());
    // Nothing on the wire.
    assert!(Reply::NoReply.to_resp(false).is_empty());
}
