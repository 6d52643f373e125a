//! `SORT` and `SORT_RO`: scenarios through the typed API and the command interface,
//! and a differential run against a real `redis-server` (skipped without one unless
//! `EMBEDIS_REQUIRE_REDIS` is set). `EMBEDIS_SORT_ROUNDS=n` runs more rounds.

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use embedis::{Connection, Error, KeyspaceEvents, ManualClock, Reply, SortOptions, Store};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn run(conn: &mut Connection, args: &[&str]) -> Reply {
    conn.execute(args)
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(|s| Reply::from(*s)).collect())
}

#[test]
fn numbers_sort_as_numbers_and_ties_by_bytes() -> embedis::Result<()> {
    let store = Store::new();
    store
        .lists()
        .rpush("l", ["10", "9", "-1.5", "0x10", " 3", "1e1", "", "2"])?;
    let sorted = store.keys().sort("l", &SortOptions::new())?;
    let expected = ["-1.5", "", "2", " 3", "9", "10", "1e1", "0x10"];
    assert_eq!(
        sorted,
        expected.map(|s| Some(s.into())).to_vec(),
        "strtod's numbers: hex, leading space, the empty string as 0; 10 and 1e1 tie, by bytes"
    );
    store.lists().rpush("bad", ["1", "abc"])?;
    assert_eq!(
        store.keys().sort("bad", &SortOptions::new()),
        Err(Error::SortNotDouble)
    );
    // strtod's ERANGE: overflow, and (glibc) a subnormal result.
    for weight in ["1e400", "4.9e-324", "-1e-310"] {
        store.lists().rpush("range", [weight])?;
        assert_eq!(
            store.keys().sort("range", &SortOptions::new()),
            Err(Error::SortNotDouble),
            "{weight}"
        );
        store.keys().del(["range"])?;
    }
    assert_eq!(
        store.keys().sort("bad", &SortOptions::new().alpha())?.len(),
        2
    );
    Ok(())
}

#[test]
fn weights_and_values_come_from_patterns() -> embedis::Result<()> {
    let store = Store::new();
    let mut conn = store.connection();
    store.lists().rpush("ids", ["1", "2", "3", "4"])?;
    store
        .strings()
        .mset([("w_1", "30"), ("w_2", "10"), ("w_3", "20")])?;
    for (id, name) in [("1", "ann"), ("2", "bob"), ("3", "cy")] {
        store.hashes().hset(format!("u_{id}"), [("name", name)])?;
    }
    // 4 has no weight: 0, first.
    assert_eq!(
        run(
            &mut conn,
            &["SORT", "ids", "BY", "w_*", "GET", "#", "GET", "u_*->name"]
        ),
        Reply::Array(vec![
            "4".into(),
            Reply::Nil,
            "2".into(),
            "bob".into(),
            "3".into(),
            "cy".into(),
            "1".into(),
            "ann".into(),
        ])
    );
    // A weight that is a hash, read as a string: missing.
    assert_eq!(
        run(
            &mut conn,
            &["SORT", "ids", "BY", "u_*", "DESC", "LIMIT", "0", "2"]
        ),
        bulks(&["4", "3"])
    );
    // BY a constant: no sort, the list's order (reversed by DESC) — also when
    // another BY follows.
    assert_eq!(
        run(
            &mut conn,
            &["SORT", "ids", "BY", "nosort", "DESC", "LIMIT", "1", "2"]
        ),
        bulks(&["3", "2"])
    );
    assert_eq!(
        run(
            &mut conn,
            &[
                "SORT", "ids", "BY", "nosort", "BY", "w_*", "LIMIT", "1", "2"
            ]
        ),
        bulks(&["2", "3"])
    );
    assert_eq!(
        run(
            &mut conn,
            &["SORT_RO", "ids", "BY", "w_*", "ALPHA", "GET", "w_*"]
        ),
        Reply::Array(vec![Reply::Nil, "10".into(), "20".into(), "30".into()])
    );
    Ok(())
}

#[test]
fn store_replaces_the_destination_and_serves_a_waiter() -> embedis::Result<()> {
    let clock = ManualClock::new();
    let store = Store::builder()
        .clock(clock.clone())
        .notify_keyspace_events(KeyspaceEvents::parse("KEA")?)
        .build();
    let events = store.pubsub().psubscribe(["__keyevent@0__:*"]);
    store.sets().sadd("s", ["b", "a", "c"])?;
    store.strings().set("dest", "old")?;
    store.keys().expire("dest", Duration::from_secs(10))?;
    // A set not sorted is stored sorted as strings.
    let n = store
        .keys()
        .sort_store("s", "dest", &SortOptions::new().nosort())?;
    assert_eq!(n, 3);
    assert_eq!(store.lists().lrange("dest", 0, -1)?, ["a", "b", "c"]);
    assert_eq!(store.keys().ttl("dest")?, embedis::Ttl::Persistent);
    let mut seen = Vec::new();
    while let Ok(Some(m)) = events.try_recv() {
        seen.push(String::from_utf8_lossy(&m.channel).into_owned());
    }
    assert!(seen.iter().any(|c| c.ends_with(":sortstore")), "{seen:?}");
    // An empty result deletes the destination.
    assert_eq!(
        store
            .keys()
            .sort_store("missing", "dest", &SortOptions::new())?,
        0
    );
    assert!(!store.keys().exists(["dest"])? > 0);
    // A caller blocked on the destination gets the first element.
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || store.lists().blpop(["queue"], None))
    };
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    store
        .keys()
        .sort_store("s", "queue", &SortOptions::new().alpha().desc())?;
    let (key, first) = waiter.join().unwrap()?.unwrap();
    assert_eq!((key.as_ref(), first.as_ref()), (&b"queue"[..], &b"c"[..]));
    assert_eq!(store.lists().lrange("queue", 0, -1)?, ["b", "a"]);
    Ok(())
}

#[test]
fn errors_come_in_redis_order() {
    let store = Store::new();
    let mut conn = store.connection();
    run(&mut conn, &["SET", "str", "x"]);
    let err = |r: Reply| match r {
        Reply::Error(e) => String::from_utf8_lossy(&e).into_owned(),
        other => panic!("not an error: {other:?}"),
    };
    // Options first, left to right; then the key's type.
    assert_eq!(
        err(run(&mut conn, &["SORT", "str", "LIMIT", "x", "1", "FOO"])),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(run(&mut conn, &["SORT", "str", "FOO"])),
        "ERR syntax error"
    );
    assert_eq!(
        err(run(&mut conn, &["SORT", "str", "LIMIT", "1"])),
        "ERR syntax error"
    );
    assert_eq!(
        err(run(&mut conn, &["SORT_RO", "str", "STORE", "d"])),
        "ERR syntax error"
    );
    assert_eq!(
        err(run(&mut conn, &["SORT", "str"])),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    run(&mut conn, &["RPUSH", "l", "a"]);
    assert_eq!(
        err(run(&mut conn, &["SORT", "l", "STORE", "d"])),
        "ERR One or more scores can't be converted into double"
    );
    assert_eq!(run(&mut conn, &["EXISTS", "d"]), Reply::Integer(0));
}

#[test]
fn a_queued_sort_with_patterns_sees_its_transaction() {
    let store = Store::new();
    let mut conn = store.connection();
    run(&mut conn, &["RPUSH", "l", "1", "2"]);
    run(&mut conn, &["MULTI"]);
    run(&mut conn, &["SET", "w_1", "5"]);
    run(&mut conn, &["SET", "w_2", "3"]);
    run(
        &mut conn,
        &["SORT", "l", "BY", "w_*", "GET", "w_*", "STORE", "out"],
    );
    run(&mut conn, &["LRANGE", "out", "0", "-1"]);
    assert_eq!(
        run(&mut conn, &["EXEC"]),
        Reply::Array(vec![
            Reply::Simple("OK".into()),
            Reply::Simple("OK".into()),
            Reply::Integer(2),
            bulks(&["3", "5"]),
        ])
    );
}

#[test]
fn a_queued_store_locks_its_destination() {
    let store = Store::new();
    let mut conn = store.connection();
    run(&mut conn, &["RPUSH", "l", "2", "1"]);
    run(&mut conn, &["MULTI"]);
    // The destination is found as Redis's sortGetKeys finds it: the last STORE.
    run(
        &mut conn,
        &[
            "SORT", "l", "STORE", "ignored", "LIMIT", "0", "1", "STORE", "d",
        ],
    );
    run(&mut conn, &["SORT", "l", "DESC", "STORE", "d2"]);
    assert_eq!(
        run(&mut conn, &["EXEC"]),
        Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)])
    );
    assert_eq!(run(&mut conn, &["LRANGE", "d", "0", "-1"]), bulks(&["1"]));
    assert_eq!(
        run(&mut conn, &["LRANGE", "d2", "0", "-1"]),
        bulks(&["2", "1"])
    );
    assert_eq!(run(&mut conn, &["EXISTS", "ignored"]), Reply::Integer(0));
}

#[test]
fn a_sorted_set_sorted_becomes_a_skiplist_unseen_by_watch() {
    let store = Store::new();
    let mut conn = store.connection();
    let mut other = store.connection();
    run(&mut conn, &["ZADD", "z", "2", "b", "1", "a"]);
    assert_eq!(
        run(&mut conn, &["OBJECT", "ENCODING", "z"]),
        Reply::from("listpack")
    );
    run(&mut conn, &["WATCH", "z"]);
    assert_eq!(
        run(&mut other, &["SORT_RO", "z", "ALPHA"]),
        bulks(&["a", "b"])
    );
    assert_eq!(
        run(&mut conn, &["OBJECT", "ENCODING", "z"]),
        Reply::from("skiplist")
    );
    run(&mut conn, &["MULTI"]);
    run(&mut conn, &["PING"]);
    assert_eq!(
        run(&mut conn, &["EXEC"]),
        Reply::Array(vec![Reply::Simple("PONG".into())])
    );
}

#[test]
fn a_watched_destination_is_changed_by_a_store() {
    let store = Store::new();
    let mut watcher = store.connection();
    let mut other = store.connection();
    run(&mut other, &["RPUSH", "l", "1"]);
    run(&mut watcher, &["WATCH", "dest"]);
    run(&mut other, &["SORT", "l", "STORE", "dest"]);
    run(&mut watcher, &["MULTI"]);
    run(&mut watcher, &["PING"]);
    assert_eq!(run(&mut watcher, &["EXEC"]), Reply::NilArray);
}

// ---------------------------------------------------------------------------------
// Differential against redis-server.
// ---------------------------------------------------------------------------------

const ELEMS: &[&str] = &[
    "1", "2", "10", "9", "-3", "0", "1.5", "a", "B", "b", "", " 7", "0x1f", "1e2", "inf", "-inf",
    "nan", "zz", "a\0b", "a\0c",
];
const INTS: &[&str] = &["1", "2", "10", "9", "-3", "0", "42", "7", "100", "-20"];
// No weight overflows: Redis never clears `errno`, so one `ERANGE` would make every later
// numeric SORT of its server fail.
const WEIGHTS: &[&str] = &["1", "2", "2", "-1", "3.5", "x", "", "10", "1e2", "0"];
const BY: &[&str] = &[
    "w_*",
    "w_*",
    "h_*->f",
    "nosort",
    "#",
    "missing_*",
    "w_*->f",
    "h_*->",
    "*",
];
const GET: &[&str] = &["#", "v_*", "h_*->f", "h_*->", "plain", "w_*"];

struct Case {
    args: Vec<Vec<u8>>,
    /// Whether the order of the reply is unspecified (a set or zset whose ties keep
    /// their hash order).
    unordered: bool,
}

fn populate(rng: &mut SmallRng) -> Vec<Vec<Vec<u8>>> {
    let mut cmds: Vec<Vec<Vec<u8>>> = vec![vec![b"FLUSHALL".to_vec()]];
    let pick = |rng: &mut SmallRng, from: &[&str], n: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| from.choose(rng).unwrap().as_bytes().to_vec())
            .collect()
    };
    let n = rng.gen_range(0..12);
    if n > 0 {
        let mut c = vec![b"RPUSH".to_vec(), b"l".to_vec()];
        c.extend(pick(rng, ELEMS, n));
        cmds.push(c);
    }
    let n = rng.gen_range(0..8);
    if n > 0 {
        let mut c = vec![b"SADD".to_vec(), b"si".to_vec()];
        c.extend(pick(rng, INTS, n));
        cmds.push(c);
        let mut c = vec![b"SADD".to_vec(), b"ss".to_vec()];
        c.extend(pick(rng, &ELEMS[..18], n));
        cmds.push(c);
        let mut c = vec![b"ZADD".to_vec(), b"z".to_vec()];
        for e in pick(rng, &ELEMS[..18], n) {
            c.push(rng.gen_range(0..4).to_string().into_bytes());
            c.push(e);
        }
        cmds.push(c);
    }
    for e in ELEMS.iter().chain(INTS) {
        if rng.gen_bool(0.6) {
            let w = WEIGHTS.choose(rng).unwrap();
            cmds.push(vec![
                b"SET".to_vec(),
                format!("w_{e}").into_bytes(),
                w.as_bytes().to_vec(),
            ]);
        }
        if rng.gen_bool(0.5) {
            let w = WEIGHTS.choose(rng).unwrap();
            cmds.push(vec![
                b"HSET".to_vec(),
                format!("h_{e}").into_bytes(),
                b"f".to_vec(),
                w.as_bytes().to_vec(),
            ]);
        }
        if rng.gen_bool(0.5) {
            cmds.push(vec![
                b"SET".to_vec(),
                format!("v_{e}").into_bytes(),
                format!("val-{e}").into_bytes(),
            ]);
        }
    }
    if rng.gen_bool(0.3) {
        cmds.push(vec![b"SET".to_vec(), b"dest".to_vec(), b"x".to_vec()]);
    }
    cmds
}

fn case(rng: &mut SmallRng) -> Case {
    let key = *["l", "l", "si", "ss", "z", "missing", "w_1"]
        .choose(rng)
        .unwrap();
    let readonly = rng.gen_bool(0.2);
    let mut args: Vec<Vec<u8>> = vec![
        if readonly {
            b"SORT_RO".to_vec()
        } else {
            b"SORT".to_vec()
        },
        key.as_bytes().to_vec(),
    ];
    let mut by = None;
    let (mut alpha, mut limit, mut store) = (false, false, false);
    let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
    // Sometimes two BYs: one without `*` means no sort whatever the other says.
    let mut nosort = false;
    for _ in 0..[0, 0, 1, 1, 2].choose(rng).copied().unwrap() {
        let p = *BY.choose(rng).unwrap();
        by = Some(p);
        nosort |= !p.contains('*');
        opts.push(vec![b"BY".to_vec(), p.as_bytes().to_vec()]);
    }
    if rng.gen_bool(0.4) {
        limit = true;
        let o = rng.gen_range(-2..8).to_string();
        let c = rng.gen_range(-2..8).to_string();
        opts.push(vec![b"LIMIT".to_vec(), o.into_bytes(), c.into_bytes()]);
    }
    for _ in 0..rng.gen_range(0..3) {
        opts.push(vec![
            b"GET".to_vec(),
            GET.choose(rng).unwrap().as_bytes().to_vec(),
        ]);
    }
    if rng.gen_bool(0.5) {
        let dir = if rng.gen_bool(0.5) { "DESC" } else { "ASC" };
        opts.push(vec![dir.as_bytes().to_vec()]);
    }
    if rng.gen_bool(0.5) {
        alpha = true;
        opts.push(vec![b"ALPHA".to_vec()]);
    }
    if !readonly && rng.gen_bool(0.3) {
        store = true;
        // Sometimes into the key sorted, or one a pattern reads.
        let dest = *["dest", "dest", "dest", key, "w_1"].choose(rng).unwrap();
        opts.push(vec![b"STORE".to_vec(), dest.as_bytes().to_vec()]);
    }
    if rng.gen_bool(0.03) {
        opts.push(vec![b"BOGUS".to_vec()]);
    }
    opts.shuffle(rng);
    let sorted = !nosort;
    let hash_order = matches!(key, "ss" | "z");
    // Ties keep the input order: a set's or a zset's hash order is Redis's own.
    let ties = alpha && by.is_some() && sorted || !sorted && key == "ss" && !store;
    let mut unordered = false;
    if ties && hash_order {
        // Which of the tied come first depends on the hash order: no window.
        if limit {
            opts.retain(|o| o[0] != b"LIMIT");
        }
        unordered = true;
    }
    args.extend(opts.into_iter().flatten());
    Case { args, unordered }
}

/// The key a case sorts.
fn key_of(args: &[Vec<u8>]) -> &str {
    std::str::from_utf8(&args[1]).unwrap()
}

fn normalize(r: Reply, unordered: bool) -> Reply {
    match r {
        Reply::Array(mut v) if unordered => {
            v.sort_by_key(|r| format!("{r:?}"));
            Reply::Array(v)
        }
        r => r,
    }
}

#[test]
fn sort_matches_redis() {
    let Some(mut redis) = redis_client::Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let store = Store::new();
    let mut conn = store.connection();
    let rounds: u64 = std::env::var("EMBEDIS_SORT_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    for seed in 0..rounds {
        let mut rng = SmallRng::seed_from_u64(seed);
        let setup = populate(&mut rng);
        for c in &setup {
            let ours = conn.execute(c);
            let theirs = redis.cmd(c);
            assert_eq!(ours, theirs, "seed {seed}: setup {c:?}");
        }
        for _ in 0..20 {
            let Case { args, unordered } = case(&mut rng);
            let shown: Vec<String> = args
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let ours = normalize(conn.execute(&args), unordered);
            let theirs = normalize(redis.cmd(&args), unordered);
            assert_eq!(ours, theirs, "seed {seed}: {shown:?}");
            for check in [
                &["LRANGE", "dest", "0", "-1"][..],
                &["TYPE", "dest"],
                &["TTL", "dest"],
                &["LRANGE", key_of(&args), "0", "-1"],
                &["TYPE", "w_1"],
                // SORT makes a small sorted set a skiplist.
                &["OBJECT", "ENCODING", "z"],
            ] {
                let ours = normalize(conn.execute(check), unordered);
                let theirs = normalize(redis.cmd(check), unordered);
                assert_eq!(ours, theirs, "seed {seed}: after {shown:?}: {check:?}");
            }
            if unordered {
                // Its order is unspecified: not a base for the next comparisons.
                for key in ["dest", key_of(&args), "w_1"] {
                    conn.execute(&["DEL", key]);
                    redis.cmd(&["DEL", key]);
                }
            }
        }
    }
}
