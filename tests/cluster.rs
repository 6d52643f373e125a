//! Cluster mode: the store as a one-node Redis Cluster owning every slot — keys of
//! several slots refused (CROSSSLOT) through the command interface and the typed API,
//! databases other than 0 refused, and `CLUSTER`'s answers. The last tests compare
//! with a real cluster-mode `redis-server` (skipped with a message without one).

#[allow(dead_code)] // only `start_with` is used
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use embedis::{Connection, CopyOptions, Error, Reply, SLOTS, Store, key_slot};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use redis_client::Redis;

const CROSSSLOT: &str = "CROSSSLOT Keys in request don't hash to the same slot";

fn cluster() -> Store {
    Store::builder().cluster_mode(true).build()
}

fn err(text: &str) -> Reply {
    Reply::Error(text.to_owned().into())
}

fn run(conn: &mut Connection, args: &[&str]) -> Reply {
    conn.execute(args)
}

#[test]
fn slots_of_keys() {
    assert_eq!(key_slot("foo"), 12182);
    assert_eq!(
        key_slot("{user1000}.following"),
        key_slot("{user1000}.followers")
    );
    assert_eq!(key_slot(""), 0);
    for i in 0..1000 {
        assert!(key_slot(format!("key:{i}")) < SLOTS);
    }
}

#[test]
fn cross_slot_commands_refused() {
    let store = cluster();
    let mut c = store.connection();
    for cmd in [
        &["MSET", "a", "1", "b", "2"][..],
        &["MGET", "a", "b"],
        &["DEL", "a", "b"],
        &["RENAME", "a", "b"],
        &["SUNIONSTORE", "d", "a"],
        &["ZUNIONSTORE", "d", "2", "{d}a", "b"],
        &["XREAD", "STREAMS", "a", "b", "0", "0"],
        &["BLPOP", "a", "b", "0"],
        &["WATCH", "a", "b"],
        &["COPY", "a", "b"],
        &["SORT", "{x}a", "STORE", "b"],
        &["SSUBSCRIBE", "a", "b"],
    ] {
        assert_eq!(c.execute(cmd), err(CROSSSLOT), "{cmd:?}");
    }
    assert_eq!(store.keys().dbsize(), Ok(0));
}

#[test]
fn same_slot_accepted() {
    let store = cluster();
    let mut c = store.connection();
    assert_eq!(
        run(&mut c, &["MSET", "{u1}.a", "1", "{u1}.b", "2"]),
        Reply::ok()
    );
    assert_eq!(
        run(&mut c, &["MGET", "{u1}.a", "{u1}.b"]),
        Reply::Array(vec!["1".into(), "2".into()])
    );
    // The same key twice is one slot.
    assert_eq!(run(&mut c, &["MSET", "a", "1", "a", "2"]), Reply::ok());
    assert_eq!(run(&mut c, &["RENAME", "{u1}.a", "{u1}.c"]), Reply::ok());
    // Commands without keys, and single-key commands, are never refused.
    assert_eq!(run(&mut c, &["PING"]), Reply::Simple("PONG".into()));
    assert_eq!(run(&mut c, &["DBSIZE"]), Reply::Integer(3));
    assert_eq!(run(&mut c, &["INCR", "n"]), Reply::Integer(1));
}

#[test]
fn multi_exec_across_slots() {
    let store = cluster();
    let mut c = store.connection();
    // Each command alone is fine; together they span two slots: EXEC answers
    // CROSSSLOT and the transaction is gone.
    assert_eq!(run(&mut c, &["MULTI"]), Reply::ok());
    assert_eq!(
        run(&mut c, &["SET", "a", "1"]),
        Reply::Simple("QUEUED".into())
    );
    assert_eq!(
        run(&mut c, &["SET", "b", "2"]),
        Reply::Simple("QUEUED".into())
    );
    assert_eq!(run(&mut c, &["EXEC"]), err(CROSSSLOT));
    assert_eq!(run(&mut c, &["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(store.keys().dbsize(), Ok(0));

    // A cross-slot command while queuing is refused and dirties the transaction.
    assert_eq!(run(&mut c, &["MULTI"]), Reply::ok());
    assert_eq!(run(&mut c, &["MSET", "a", "1", "b", "2"]), err(CROSSSLOT));
    assert_eq!(
        run(&mut c, &["SET", "a", "1"]),
        Reply::Simple("QUEUED".into())
    );
    assert_eq!(
        run(&mut c, &["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );

    // One slot across the transaction (and commands without keys): it runs.
    assert_eq!(run(&mut c, &["MULTI"]), Reply::ok());
    run(&mut c, &["SET", "{t}a", "1"]);
    run(&mut c, &["PING"]);
    run(&mut c, &["INCR", "{t}b"]);
    assert_eq!(
        run(&mut c, &["EXEC"]),
        Reply::Array(vec![
            Reply::ok(),
            Reply::Simple("PONG".into()),
            Reply::Integer(1)
        ])
    );
}

#[test]
fn one_database() {
    let store = cluster();
    let mut c = store.connection();
    let select = err("ERR SELECT is not allowed in cluster mode");
    assert_eq!(run(&mut c, &["SELECT", "1"]), select);
    assert_eq!(run(&mut c, &["SELECT", "99"]), select);
    assert_eq!(run(&mut c, &["SELECT", "-1"]), select);
    assert_eq!(run(&mut c, &["SELECT", "0"]), Reply::ok());
    assert_eq!(
        run(&mut c, &["SELECT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        run(&mut c, &["MOVE", "a", "1"]),
        err("ERR MOVE is not allowed in cluster mode")
    );
    assert_eq!(
        run(&mut c, &["SWAPDB", "0", "1"]),
        err("ERR SWAPDB is not allowed in cluster mode")
    );
    assert_eq!(
        run(&mut c, &["COPY", "a", "{a}b", "DB", "1"]),
        err("ERR Copying to another database is not allowed in cluster mode")
    );
    assert_eq!(
        run(&mut c, &["COPY", "a", "{a}b", "DB", "0"]),
        Reply::Integer(0)
    );
    // The typed API.
    assert_eq!(
        store.db(1).err(),
        Some(Error::ClusterMode("SELECT is not allowed in cluster mode"))
    );
    assert!(store.db(0).is_ok());
    assert_eq!(
        run(&mut c, &["SORT", "a", "BY", "w_*"]),
        err("ERR BY option of SORT denied in Cluster mode.")
    );
    assert_eq!(
        store
            .keys()
            .sort("a", &embedis::SortOptions::new().get("#")),
        Err(Error::ClusterMode(
            "GET option of SORT denied in Cluster mode."
        ))
    );
    assert_eq!(
        store.keys().move_key("a", 1),
        Err(Error::ClusterMode("MOVE is not allowed in cluster mode"))
    );
    assert_eq!(
        store.keys().swapdb(0, 1),
        Err(Error::ClusterMode("SWAPDB is not allowed in cluster mode"))
    );
    assert_eq!(
        store.keys().copy("a", "{a}b", CopyOptions::new().db(1)),
        Err(Error::ClusterMode(
            "Copying to another database is not allowed in cluster mode"
        ))
    );
}

#[test]
fn typed_api_cross_slot() {
    let store = cluster();
    assert_eq!(
        store.strings().mset([("a", "1"), ("b", "2")]),
        Err(Error::CrossSlot)
    );
    assert_eq!(store.keys().rename("a", "b"), Err(Error::CrossSlot));
    assert_eq!(
        store.sets().sunion(["a", "b"]).err(),
        Some(Error::CrossSlot)
    );
    store
        .strings()
        .mset([("{u}a", "1"), ("{u}b", "2")])
        .unwrap();
    assert_eq!(Error::CrossSlot.to_string(), CROSSSLOT);

    // Transactions, pipelines and watches name their keys up front.
    let r = store.transaction(["a", "b"], |tx| tx.strings().set("a", "1"));
    assert_eq!(r, Err(Error::CrossSlot));
    store
        .transaction(["{u}a", "{u}b"], |tx| tx.strings().set("{u}a", "2"))
        .unwrap();
    let mut p = store.pipeline(["a", "b"]);
    p.queue(|tx| tx.strings().set("a", "1"));
    assert_eq!(p.execute().err(), Some(Error::CrossSlot));
    let watch = store.watch(["a", "b"]);
    assert_eq!(
        watch.transaction(["{a}x"], |tx| tx.strings().set("{a}x", "1")),
        Err(Error::CrossSlot)
    );
    let watch = store.watch(["{u}a", "{u}b"]);
    watch
        .transaction(["{u}a"], |tx| tx.strings().set("{u}a", "3"))
        .unwrap();
    assert_eq!(store.keys().dbsize(), Ok(2));

    // Without cluster mode, nothing of this applies.
    let plain = Store::new();
    plain.strings().mset([("a", "1"), ("b", "2")]).unwrap();
    plain
        .transaction(["a", "b"], |tx| tx.strings().set("a", "2"))
        .unwrap();
    assert!(plain.db(1).is_ok());
}

#[test]
fn cluster_commands() {
    let store = Store::builder().cluster_mode(true).seed(7).build();
    let mut c = store.connection();
    assert_eq!(
        run(&mut c, &["CLUSTER", "KEYSLOT", "foo"]),
        Reply::Integer(12182)
    );
    let id = match run(&mut c, &["CLUSTER", "MYID"]) {
        Reply::Bulk(id) => String::from_utf8(id.to_vec()).unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(id.len(), 40);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    // Fixed for a fixed seed.
    let again = Store::builder().cluster_mode(true).seed(7).build();
    assert_eq!(
        again.connection().execute(&["CLUSTER", "MYID"]),
        Reply::from(id.as_str())
    );

    let Reply::Bulk(info) = run(&mut c, &["CLUSTER", "INFO"]) else {
        panic!("INFO is a bulk string in RESP2")
    };
    let info = String::from_utf8(info.to_vec()).unwrap();
    assert!(info.starts_with("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"));
    assert!(info.contains("cluster_known_nodes:1\r\ncluster_size:1\r\n"));
    assert_eq!(info.len(), 312);

    let node = Reply::Array(vec![
        "127.0.0.1".into(),
        Reply::Integer(6379),
        id.as_str().into(),
        Reply::Array(vec![]),
    ]);
    assert_eq!(
        run(&mut c, &["CLUSTER", "SLOTS"]),
        Reply::Array(vec![Reply::Array(vec![
            Reply::Integer(0),
            Reply::Integer(16383),
            node
        ])])
    );
    let Reply::Array(shards) = run(&mut c, &["CLUSTER", "SHARDS"]) else {
        panic!()
    };
    assert_eq!(shards.len(), 1);
    let Reply::Array(shard) = &shards[0] else {
        panic!()
    };
    assert_eq!(shard[0], Reply::from("slots"));
    assert_eq!(
        shard[1],
        Reply::Array(vec![Reply::Integer(0), Reply::Integer(16383)])
    );
    assert_eq!(shard[2], Reply::from("nodes"));
    assert_eq!(
        run(&mut c, &["CLUSTER", "NODES"]),
        Reply::from(
            format!("{id} 127.0.0.1:6379@16379 myself,master - 0 0 0 connected 0-16383\n").as_str()
        )
    );

    run(&mut c, &["MSET", "{foo}a", "1", "{foo}b", "2"]);
    run(&mut c, &["SET", "foo", "3"]);
    run(&mut c, &["SET", "bar", "3"]);
    assert_eq!(
        run(&mut c, &["CLUSTER", "COUNTKEYSINSLOT", "12182"]),
        Reply::Integer(3)
    );
    let Reply::Array(keys) = run(&mut c, &["CLUSTER", "GETKEYSINSLOT", "12182", "2"]) else {
        panic!()
    };
    assert_eq!(keys.len(), 2);
    assert_eq!(
        run(&mut c, &["CLUSTER", "COUNTKEYSINSLOT", "16384"]),
        err("ERR Invalid slot")
    );
    assert_eq!(
        run(&mut c, &["CLUSTER", "GETKEYSINSLOT", "1", "-1"]),
        err("ERR Invalid slot or number of keys")
    );
    assert_eq!(
        run(&mut c, &["CLUSTER", "COUNTKEYSINSLOT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    let Reply::Array(help) = run(&mut c, &["CLUSTER", "HELP"]) else {
        panic!()
    };
    assert_eq!(help.len(), 56);
    assert_eq!(run(&mut c, &["ASKING"]), Reply::ok());
    assert_eq!(run(&mut c, &["READONLY"]), Reply::ok());
    assert_eq!(run(&mut c, &["READWRITE"]), Reply::ok());

    // RESP3: maps and verbatim text.
    run(&mut c, &["HELLO", "3"]);
    let Reply::Array(shards) = run(&mut c, &["CLUSTER", "SHARDS"]) else {
        panic!()
    };
    assert!(matches!(&shards[0], Reply::Map(m) if m.len() == 2));
    assert!(matches!(
        run(&mut c, &["CLUSTER", "INFO"]),
        Reply::Verbatim(_)
    ));
}

#[test]
fn cluster_disabled() {
    let mut c = Store::new().connection();
    let disabled = err("ERR This instance has cluster support disabled");
    assert_eq!(run(&mut c, &["CLUSTER", "INFO"]), disabled);
    assert_eq!(run(&mut c, &["CLUSTER", "KEYSLOT", "foo"]), disabled);
    assert_eq!(run(&mut c, &["ASKING"]), disabled);
    assert_eq!(run(&mut c, &["READONLY"]), disabled);
    assert_eq!(
        run(&mut c, &["CLUSTER", "FOO"]),
        err("ERR unknown subcommand 'FOO'. Try CLUSTER HELP.")
    );
    assert_eq!(run(&mut c, &["MSET", "a", "1", "b", "2"]), Reply::ok());
    assert_eq!(run(&mut c, &["SELECT", "1"]), Reply::ok());
}

#[test]
fn log_replayed_as_written() {
    // A log written without cluster mode holds cross-slot commands and other
    // databases: opened in cluster mode, it is replayed as written.
    let dir = std::env::temp_dir().join(format!("embedis-cluster-aof-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plain = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    let mut c = plain.connection();
    c.execute(&["MSET", "a", "1", "b", "2"]);
    c.execute(&["SELECT", "1"]);
    c.execute(&["SET", "a", "in db 1"]);
    c.execute(&["SELECT", "0"]);
    c.execute(&["SET", "c", "3"]);
    drop(c);
    drop(plain);
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .cluster_mode(true)
        .open()
        .unwrap();
    let got = store.keys().keys("*").unwrap();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(store.strings().get("a").unwrap().unwrap(), "1");
    // Once open, the rules hold.
    assert_eq!(
        store.strings().mset([("a", "1"), ("b", "2")]),
        Err(Error::CrossSlot)
    );
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// A real one-node cluster-mode `redis-server` owning every slot, ready for keys.
fn real_cluster() -> Option<(Redis, std::path::PathBuf)> {
    let dir = std::env::temp_dir().join(format!("embedis-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nodes.conf");
    let dir_arg = dir.to_str().unwrap().to_owned();
    let conf_arg = conf.to_str().unwrap().to_owned();
    let Some(mut redis) = Redis::start_with(&[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        &conf_arg,
        "--dir",
        &dir_arg,
    ]) else {
        eprintln!("redis-server not installed (or not starting): skipping the cluster comparison");
        return None;
    };
    assert_eq!(
        redis.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]),
        Reply::ok()
    );
    let start = std::time::Instant::now();
    loop {
        let Reply::Bulk(info) = redis.cmd(&["CLUSTER", "INFO"]) else {
            panic!("CLUSTER INFO")
        };
        if info.starts_with(b"cluster_state:ok") {
            break;
        }
        assert!(start.elapsed().as_secs() < 10, "the cluster never came up");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some((redis, dir))
}

#[test]
fn against_redis_cluster() {
    let Some((mut redis, dir)) = real_cluster() else {
        return;
    };
    let store = cluster();
    let mut conn = store.connection();

    // Slots of many keys, hash tags of every shape included.
    let mut rng = SmallRng::seed_from_u64(1);
    let alphabet = b"ab{}{}xyz";
    let mut keys: Vec<Vec<u8>> = (0..300)
        .map(|_| {
            let len = rng.gen_range(0..8);
            (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect()
        })
        .collect();
    keys.extend((0..200).map(|i| format!("key:{i}").into_bytes()));
    keys.push(vec![0xff, 0x00, b'{', 0x80, b'}']);
    for key in &keys {
        let cmd: [&[u8]; 3] = [b"CLUSTER", b"KEYSLOT", key];
        let ours = conn.execute(&cmd);
        assert_eq!(ours, redis.cmd(&cmd), "{key:?}");
        assert_eq!(ours, Reply::Integer(key_slot(key).into()));
    }

    // The same commands, answered alike.
    let script: &[&[&str]] = &[
        &["MSET", "a", "1", "b", "2"],
        &["MSET", "{a}1", "x", "{a}2", "y"],
        &["MSET", "a", "1", "a", "2"],
        &["MGET", "{a}1", "{a}2", "a"],
        &["DEL", "a", "b"],
        &["RENAME", "{a}1", "{a}3"],
        &["RENAME", "a", "b"],
        &["SINTERSTORE", "{a}s", "{a}3", "a"],
        &["SUNIONSTORE", "s", "a"],
        &["ZUNIONSTORE", "d", "2", "{d}a", "b"],
        &["ZUNION", "2", "{d}a", "{d}b"],
        &["LMPOP", "2", "a", "b", "LEFT"],
        &["XREAD", "STREAMS", "a", "b", "0", "0"],
        &["XREAD", "COUNT", "1", "STREAMS", "{x}a", "{x}b", "0", "0"],
        &["SORT", "a", "STORE", "b"],
        &["SORT", "a", "BY", "w_*"],
        &["SORT", "a", "BY", "nosort", "GET", "#"],
        &["SORT", "a", "BY", "x"],
        &["SORT_RO", "a", "GET", "k_*"],
        &["GEORADIUS", "a", "0", "0", "1", "km", "STORE", "b"],
        &["COPY", "a", "b"],
        &["COPY", "a", "b", "DB", "1"],
        &["COPY", "a", "{a}b", "DB", "1"],
        &["COPY", "a", "{a}b", "DB", "0"],
        &["SELECT", "1"],
        &["SELECT", "-1"],
        &["SELECT", "0"],
        &["MOVE", "a", "1"],
        &["MOVE", "a", "x"],
        &["SWAPDB", "0", "1"],
        &["WATCH", "a", "b"],
        &["WATCH", "{a}1", "{a}2"],
        &["UNWATCH"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["SET", "b", "1"],
        &["EXEC"],
        &["EXEC"],
        &["MULTI"],
        &["MSET", "a", "1", "b", "1"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "{t}a", "1"],
        &["PING"],
        &["INCR", "{t}b"],
        &["EXEC"],
        &["SPUBLISH", "a", "m"],
        &["CLUSTER", "COUNTKEYSINSLOT", "15495"],
        &["CLUSTER", "COUNTKEYSINSLOT", "16384"],
        &["CLUSTER", "COUNTKEYSINSLOT", "-1"],
        &["CLUSTER", "GETKEYSINSLOT", "1", "-1"],
        &["CLUSTER", "GETKEYSINSLOT", "1", "x"],
        &["CLUSTER", "INFO"],
        &["CLUSTER", "HELP"],
        &["CLUSTER", "FOO"],
        &["CLUSTER", "KEYSLOT"],
        &["ASKING"],
        &["READONLY"],
        &["READWRITE"],
    ];
    for cmd in script {
        assert_eq!(conn.execute(cmd), redis.cmd(cmd), "{cmd:?}");
    }
    // Same shapes; the node's ID and address differ.
    let mut other = conn;
    for sub in ["SLOTS", "SHARDS"] {
        let shape = |r: Reply| format!("{:?}", strip(r));
        assert_eq!(
            shape(other.execute(&["CLUSTER", sub])),
            shape(redis.cmd(&["CLUSTER", sub])),
            "CLUSTER {sub}"
        );
    }
    drop(redis);
    let _ = std::fs::remove_dir_all(dir);
}

/// A reply with every string and integer blanked: its shape.
fn strip(r: Reply) -> Reply {
    match r {
        Reply::Array(items) => Reply::Array(items.into_iter().map(strip).collect()),
        Reply::Map(items) => Reply::Map(items.into_iter().map(|(k, v)| (k, strip(v))).collect()),
        Reply::Bulk(_) => Reply::Bulk("".into()),
        Reply::Integer(_) => Reply::Integer(0),
        other => other,
    }
}

#[test]
fn typed_blocking_pops_and_stream_reads_across_slots_are_refused() {
    use embedis::{GroupCreate, GroupRead, ReadFrom, StreamId, XAdd, XReadGroup};
    let store = cluster();
    let wait = Some(std::time::Duration::from_millis(1));
    // "a" and "b" hash to different slots; "{q}a" and "{q}b" to one.
    assert_eq!(store.lists().blpop(["a", "b"], wait), Err(Error::CrossSlot));
    assert_eq!(store.lists().blpop(["{q}a", "{q}b"], wait), Ok(None));
    let streams = store.streams();
    streams
        .xadd("a", &XAdd::id(StreamId::new(1, 0)), [("f", "v")])
        .unwrap();
    let from = [
        ("a", ReadFrom::After(StreamId::MIN)),
        ("b", ReadFrom::After(StreamId::MIN)),
    ];
    assert_eq!(streams.xread(&from, None), Err(Error::CrossSlot));
    assert_eq!(
        streams.xread_block(&from, None, wait),
        Err(Error::CrossSlot)
    );
    streams
        .xgroup_create("a", "g", &GroupCreate::at(StreamId::MIN))
        .unwrap();
    let read = [("a", GroupRead::New), ("b", GroupRead::New)];
    assert_eq!(
        streams.xreadgroup(&XReadGroup::new("g", "c"), &read),
        Err(Error::CrossSlot)
    );
    // Nothing was read by the refused calls.
    assert_eq!(streams.xpending("a", "g").unwrap().count, 0);
}
