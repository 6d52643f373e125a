//! Snapshots (`SAVE`, `Store::save`, `StoreBuilder::open`) against a real `redis-server`
//! (skipped, with a message, without it): a file the store writes is loaded by Redis at
//! start, with every type, TTL and database; a file Redis writes opens here the same;
//! and a damaged file is refused with its offset, never a panic.

use std::path::PathBuf;
use std::time::Duration;

use embedis::{Connection, ManualClock, Reply, Store};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use redis_client::Redis;

/// A fresh directory of this test's own.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Commands that make keys of every type and size in databases 0 and 3, some with TTLs.
fn fixture() -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let c = |commands: &mut Vec<Vec<String>>, args: &[&str]| {
        commands.push(args.iter().map(|a| (*a).to_owned()).collect());
    };
    c(&mut commands, &["SET", "s", "hello"]);
    c(&mut commands, &["SET", "n", "-12345"]);
    c(&mut commands, &["SET", "long", &"abc".repeat(200)]);
    c(&mut commands, &["SET", "ttl", "v", "PX", "3600000"]);
    c(&mut commands, &["RPUSH", "l", "a", "b", "300"]);
    c(&mut commands, &["SADD", "ints", "1", "2", "70000"]);
    c(&mut commands, &["SADD", "strs", "x", "y"]);
    c(&mut commands, &["HSET", "h", "f", "v", "g", "12"]);
    c(
        &mut commands,
        &["ZADD", "z", "1.5", "a", "-inf", "b", "3", "c"],
    );
    c(&mut commands, &["PEXPIRE", "h", "7200000"]);
    let big: Vec<String> = (0..600).map(|i| format!("member{i}")).collect();
    let mut sadd = vec!["SADD", "bigset"];
    sadd.extend(big.iter().map(String::as_str));
    c(&mut commands, &sadd);
    let mut zadd = vec!["ZADD".to_owned(), "bigz".to_owned()];
    for (i, m) in big.iter().enumerate() {
        zadd.push((i % 17).to_string());
        zadd.push(m.clone());
    }
    commands.push(zadd);
    c(&mut commands, &["SELECT", "3"]);
    c(&mut commands, &["SET", "in3", "three"]);
    c(&mut commands, &["HSET", "h3", "k", &"v".repeat(100)]);
    c(&mut commands, &["SELECT", "0"]);
    commands
}

/// The keys of database `db` and everything about them both sides answer alike.
fn describe(run: &mut dyn FnMut(&[&str]) -> Reply, db: usize) -> Vec<(String, Reply, Reply, bool)> {
    run(&["SELECT", &db.to_string()]);
    let mut keys = match run(&["KEYS", "*"]) {
        Reply::Array(keys) => keys
            .into_iter()
            .map(|k| match k {
                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    keys.sort();
    let out = keys
        .into_iter()
        .map(|k| {
            let value = match run(&["TYPE", &k]) {
                Reply::Simple(t) if t == "string" => run(&["GET", &k]),
                Reply::Simple(t) if t == "list" => run(&["LRANGE", &k, "0", "-1"]),
                Reply::Simple(t) if t == "set" => oracle::sorted(run(&["SMEMBERS", &k])),
                Reply::Simple(t) if t == "hash" => oracle::sorted_pairs(run(&["HGETALL", &k])),
                Reply::Simple(t) if t == "zset" => run(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]),
                other => panic!("{other:?}"),
            };
            let encoding = run(&["OBJECT", "ENCODING", &k]);
            let ttl = matches!(run(&["PTTL", &k]), Reply::Integer(t) if t > 0);
            (k, value, encoding, ttl)
        })
        .collect();
    run(&["SELECT", "0"]);
    out
}

fn run_here(c: &mut Connection) -> impl FnMut(&[&str]) -> Reply + '_ {
    move |args: &[&str]| c.execute(args)
}

#[test]
fn a_snapshot_of_the_store_loads_in_redis() {
    let dir = temp_dir("to-redis");
    let store = Store::builder().dir(&dir).build();
    let mut ours = store.connection();
    for c in fixture() {
        ours.execute(&c);
    }
    assert_eq!(ours.execute(&["SAVE"]), Reply::ok());
    let dir_arg = dir.to_str().unwrap();
    let Some(mut redis) = Redis::start_with(&["--dir", dir_arg, "--dbfilename", "dump.rdb"]) else {
        return;
    };
    for db in [0, 3] {
        let theirs = describe(&mut |a| redis.cmd(a), db);
        assert!(!theirs.is_empty(), "Redis loaded database {db}");
        assert_eq!(
            describe(&mut run_here(&mut ours), db),
            theirs,
            "database {db}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_snapshot_redis_wrote_opens_here() {
    let dir = temp_dir("from-redis");
    // `dir` cannot change at run time (a protected setting): a server started on it.
    let Some(mut redis) = Redis::start_with(&["--dir", dir.to_str().unwrap()]) else {
        return;
    };
    for c in fixture() {
        redis.cmd(&c);
    }
    // A key Redis writes but that has expired by the time it is loaded is left out.
    redis.cmd(&["SET", "gone", "x", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(redis.cmd(&["SAVE"]), Reply::ok());
    let store = Store::builder()
        .dir(&dir)
        .open()
        .expect("Redis's snapshot opens");
    let mut ours = store.connection();
    for db in [0, 3] {
        let theirs = describe(&mut |a| redis.cmd(a), db);
        assert_eq!(
            describe(&mut run_here(&mut ours), db),
            theirs,
            "database {db}"
        );
    }
    assert_eq!(store.keys().exists(["gone"]).unwrap(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_save_round_trips_and_keeps_ttls_lastsave_moves() {
    let dir = temp_dir("round-trip");
    // Every ManualClock starts at the same instant.
    let clock = ManualClock::new();
    let store = Store::builder().dir(&dir).clock(clock.clone()).build();
    let started = store.lastsave();
    store.strings().set("a", "1").unwrap();
    store
        .strings()
        .set_with(
            "soon",
            "x",
            embedis::SetOptions::new().ttl(Duration::from_secs(10)),
        )
        .unwrap();
    // LASTSAVE is the store's start until a save, then the save's time (its clock's).
    clock.advance(Duration::from_secs(2));
    assert_eq!(store.lastsave(), started);
    store.save().unwrap();
    assert_eq!(store.lastsave(), started + Duration::from_secs(2));
    // Reopened 5 s later the TTL has 5 s left; 20 s later the key is gone.
    let later = ManualClock::new();
    later.advance(Duration::from_secs(5));
    let again = Store::builder()
        .dir(&dir)
        .clock(later.clone())
        .open()
        .unwrap();
    assert_eq!(again.strings().get("a").unwrap().unwrap(), "1");
    match again.keys().pttl("soon").unwrap() {
        embedis::Ttl::Expires(left) => assert_eq!(left, Duration::from_secs(5)),
        other => panic!("{other:?}"),
    }
    let much_later = ManualClock::new();
    much_later.advance(Duration::from_secs(20));
    let third = Store::builder().dir(&dir).clock(much_later).open().unwrap();
    assert_eq!(third.keys().exists(["soon", "a"]).unwrap(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_snapshot_is_refused_with_its_offset_never_a_panic() {
    let dir = temp_dir("damaged");
    let store = Store::builder().dir(&dir).build();
    store.hashes().hset("h", [("f", "v")]).unwrap();
    store.lists().rpush("l", ["1", "2"]).unwrap();
    store.zsets().zadd("z", [("m", 2.5)]).unwrap();
    store.save().unwrap();
    let path = dir.join("dump.rdb");
    let good = std::fs::read(&path).unwrap();
    for cut in 0..good.len() {
        std::fs::write(&path, &good[..cut]).unwrap();
        let err = Store::builder()
            .dir(&dir)
            .open()
            .expect_err("a cut file is refused");
        assert!(err.to_string().contains("at byte"), "{err}");
    }
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        // The checksum (or the header) catches every flipped bit.
        assert!(
            Store::builder().dir(&dir).open().is_err(),
            "a flip at {at} opened"
        );
    }
    std::fs::write(&path, b"REDIS0011").unwrap();
    let err = Store::builder().dir(&dir).open().unwrap_err();
    assert!(err.to_string().contains("RDB version"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A snapshot file of `records` (after the header), with its checksum left out (0: not
/// checked, as Redis allows).
fn file_of(records: &[u8]) -> Vec<u8> {
    let mut f = b"REDIS0010".to_vec();
    f.extend_from_slice(records);
    f.push(0xFF);
    f.extend(0u64.to_le_bytes());
    f
}

#[test]
fn deadlines_read_signed_as_redis_reads_them() {
    let dir = temp_dir("signed");
    let mut records = vec![0xFE, 0]; // SELECTDB 0
    // EXPIRETIME_MS -1: no deadline.
    records.push(0xFC);
    records.extend((-1i64).to_le_bytes());
    records.extend([0, 4, b'k', b'e', b'e', b'p', 1, b'v']);
    // EXPIRETIME_MS -5000 and EXPIRETIME -1 s: long past, left out.
    records.push(0xFC);
    records.extend((-5000i64).to_le_bytes());
    records.extend([0, 2, b'g', b'1', 1, b'v']);
    records.push(0xFD);
    records.extend((-1i32).to_le_bytes());
    records.extend([0, 2, b'g', b'2', 1, b'v']);
    std::fs::write(dir.join("dump.rdb"), file_of(&records)).unwrap();
    let store = Store::builder().dir(&dir).open().unwrap();
    assert_eq!(store.keys().ttl("keep").unwrap(), embedis::Ttl::Persistent);
    assert_eq!(store.keys().exists(["g1", "g2"]).unwrap(), 0);
    // A database the store lacks is refused where it is named.
    std::fs::write(dir.join("dump.rdb"), file_of(&[0xFE, 40])).unwrap();
    let err = Store::builder().dir(&dir).open().unwrap_err();
    assert!(err.to_string().contains("database"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stores_sharing_a_directory_never_mix_their_files() {
    let dir = temp_dir("shared");
    let a = Store::builder().dir(&dir).dbfilename("a.rdb").build();
    let b = Store::builder().dir(&dir).dbfilename("b.rdb").build();
    a.strings().set("who", "a").unwrap();
    b.strings().set("who", "b").unwrap();
    std::thread::scope(|s| {
        for store in [&a, &b] {
            s.spawn(move || {
                for _ in 0..40 {
                    store.save().unwrap();
                }
            });
        }
    });
    for name in ["a", "b"] {
        let store = Store::builder()
            .dir(&dir)
            .dbfilename(format!("{name}.rdb"))
            .open()
            .unwrap();
        assert_eq!(store.strings().get("who").unwrap().unwrap(), name);
    }
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
    // A file name that is a path is refused, as Redis refuses it.
    let err = Store::builder()
        .dir(&dir)
        .dbfilename("../x.rdb")
        .build()
        .save()
        .unwrap_err();
    assert!(err.to_string().contains("just a filename"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Stops a writer however the test ends (a failed assertion too).
struct Stop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn a_background_save_is_one_instant_while_writers_go_on() {
    let dir = temp_dir("bgsave");
    let store = Store::builder().dir(&dir).build();
    // Pairs set together in transactions: a snapshot must never show a pair torn.
    let pairs = 2000;
    let mut c = store.connection();
    for i in 0..pairs {
        c.execute(&["MSET", &format!("a{i}"), "0", &format!("b{i}"), "0"]);
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut c = store.connection();
            let mut round = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                round += 1;
                let i = round % pairs;
                let v = round.to_string();
                c.execute(&["MULTI"]);
                c.execute(&["SET", &format!("a{i}"), &v]);
                c.execute(&["SET", &format!("b{i}"), &v]);
                assert!(matches!(c.execute(&["EXEC"]), Reply::Array(_)));
            }
            round
        });
        let stopping = Stop(&stop);
        for _ in 0..5 {
            store.bgsave().unwrap().wait().unwrap();
            let snap = Store::builder().dir(&dir).open().unwrap();
            for i in 0..pairs {
                let a = snap.strings().get(format!("a{i}")).unwrap();
                let b = snap.strings().get(format!("b{i}")).unwrap();
                assert_eq!(a, b, "pair {i} torn in the snapshot");
            }
        }
        drop(stopping);
        assert!(
            writer.join().unwrap() > 0,
            "the writer ran during the saves"
        );
    });
    // The commands, and a second save refused while one is taken.
    assert_eq!(
        c.execute(&["BGSAVE", "nope"]),
        Reply::Error("ERR syntax error".into())
    );
    c.execute(&["MULTI"]);
    c.execute(&["BGSAVE"]);
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Array(vec![Reply::Simple("Background saving scheduled".into())])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_background_save_copied_chunk_by_chunk_is_the_instant_whatever_single_key_writers_do() {
    let dir = temp_dir("bgsave-chunks");
    // One shard per database: a table of 64 K buckets, 64 chunks, that writers copy
    // chunk by chunk (each before it changes a key there) while the saver copies the
    // rest; new keys make the table grow mid-copy.
    let store = Store::builder().dir(&dir).shards(1).build();
    let keys = 40_000;
    for i in 0..keys {
        store
            .strings()
            .set(format!("k{i}"), format!("v{i}"))
            .unwrap();
    }
    store.hashes().hset("h", [("f", "1")]).unwrap();
    let done = store.bgsave().unwrap();
    // The instant is past: none of this may show in the file.
    for i in (0..keys).rev().step_by(3) {
        store.strings().set(format!("k{i}"), "changed").unwrap();
    }
    for i in (1..keys).step_by(7) {
        store.keys().del([format!("k{i}")]).unwrap();
    }
    for i in 0..keys * 2 {
        store.strings().set(format!("new{i}"), "x").unwrap();
    }
    store.hashes().hset("h", [("g", "2")]).unwrap();
    done.wait().unwrap();
    let snap = Store::builder().dir(&dir).open().unwrap();
    assert_eq!(snap.keys().dbsize().unwrap(), keys + 1);
    for i in 0..keys {
        assert_eq!(
            snap.strings().get(format!("k{i}")).unwrap().unwrap(),
            format!("v{i}").as_str(),
            "k{i}"
        );
    }
    assert_eq!(snap.hashes().hlen("h").unwrap(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_later_save_is_never_overwritten_by_an_earlier_background_one() {
    let dir = temp_dir("order");
    let store = Store::builder().dir(&dir).build();
    for i in 0..2000 {
        store.strings().set(format!("filler{i}"), "x").unwrap();
    }
    for round in 0..10 {
        store.strings().set("k", "old").unwrap();
        let background = store.bgsave().unwrap();
        store.strings().set("k", "new").unwrap();
        // Refused while the background save is in progress, then taken after it.
        loop {
            match store.save() {
                Ok(()) => break,
                Err(embedis::Error::BackgroundSaveInProgress) => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
        background.wait().unwrap();
        let snap = Store::builder().dir(&dir).open().unwrap();
        assert_eq!(
            snap.strings().get("k").unwrap().unwrap(),
            "new",
            "round {round}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_rules_start_background_saves_and_count_changes() {
    let dir = temp_dir("rules");
    let clock = ManualClock::new();
    let store = Store::builder()
        .dir(&dir)
        .clock(clock.clone())
        .save(Duration::from_secs(60), 3)
        .build();
    let started = store.lastsave();
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["CONFIG", "GET", "save"]),
        Reply::Array(vec![Reply::from("save"), Reply::from("60 3")])
    );
    let changes = |c: &mut Connection| {
        let (Reply::Verbatim(info) | Reply::Bulk(info)) = c.execute(&["INFO", "persistence"])
        else {
            panic!("INFO answers text");
        };
        String::from_utf8_lossy(&info)
            .lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .map(|n| n.trim().parse::<u64>().unwrap())
            .unwrap()
    };
    c.execute(&["SET", "a", "1"]);
    c.execute(&["SET", "b", "1"]);
    assert_eq!(changes(&mut c), 2);
    // Enough time, too few changes; then enough changes: a save within a tick or so.
    clock.advance(Duration::from_secs(61));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !dir.join("dump.rdb").exists(),
        "two changes do not meet the rule"
    );
    c.execute(&["SET", "c", "1"]);
    let start = std::time::Instant::now();
    while !dir.join("dump.rdb").exists() || changes(&mut c) != 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the rule never saved"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(store.lastsave() >= started + Duration::from_secs(61));
    // Rules change at run time, and are checked as Redis checks them.
    assert_eq!(c.execute(&["CONFIG", "SET", "save", ""]), Reply::ok());
    assert_eq!(
        c.execute(&["CONFIG", "GET", "save"]),
        Reply::Array(vec![Reply::from("save"), Reply::from("")])
    );
    for bad in ["1", "0 1", "x 1", "10 -1"] {
        assert!(
            matches!(c.execute(&["CONFIG", "SET", "save", bad]), Reply::Error(e) if String::from_utf8_lossy(&e).contains("Invalid save parameters")),
            "{bad}"
        );
    }
    drop(c);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_background_save_stops_writes_while_save_rules_are_set() {
    let dir = std::env::temp_dir().join(format!("embedis-no-such-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::builder().dir(&dir).build();
    let mut c = store.connection();
    c.execute(&["SET", "k", "v"]);
    assert!(
        store.bgsave().unwrap().wait().is_err(),
        "no directory to save in"
    );
    // Without rules, writes go on (Redis's rule).
    assert_eq!(c.execute(&["SET", "k", "w"]), Reply::ok());
    assert_eq!(c.execute(&["CONFIG", "SET", "save", "3600 1"]), Reply::ok());
    let refused = c.execute(&["SET", "k", "x"]);
    assert!(
        matches!(&refused, Reply::Error(e) if e.starts_with(b"MISCONF Redis is configured to save RDB snapshots")),
        "{refused:?}"
    );
    assert_eq!(
        store.strings().get("k").unwrap().unwrap(),
        "w",
        "reads go on"
    );
    assert_eq!(
        c.execute(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]),
        Reply::ok()
    );
    assert_eq!(c.execute(&["SET", "k", "y"]), Reply::ok());
    assert_eq!(
        c.execute(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"]),
        Reply::ok()
    );
    assert!(matches!(c.execute(&["SET", "k", "z"]), Reply::Error(_)));
    // A good save lets writes go on again.
    std::fs::create_dir_all(&dir).unwrap();
    store.bgsave().unwrap().wait().unwrap();
    assert_eq!(c.execute(&["SET", "k", "z"]), Reply::ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flushall_with_save_rules_empties_the_snapshot_at_once() {
    let dir = temp_dir("flushall");
    let store = Store::builder()
        .dir(&dir)
        .save(Duration::from_secs(3600), 1)
        .build();
    let mut c = store.connection();
    c.execute(&["SET", "k", "v"]);
    assert_eq!(c.execute(&["SAVE"]), Reply::ok());
    assert_eq!(c.execute(&["FLUSHALL"]), Reply::ok());
    drop(c);
    drop(store);
    let again = Store::builder().dir(&dir).open().unwrap();
    assert_eq!(
        again.keys().dbsize().unwrap(),
        0,
        "the flushed key stays gone"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The field names of an `INFO persistence` reply, in order.
fn info_fields(reply: &Reply) -> Vec<String> {
    let text = match reply {
        Reply::Bulk(b) | Reply::Verbatim(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("INFO replied {other:?}"),
    };
    text.lines()
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.to_owned()))
        .collect()
}

/// `rdbchecksum no` (set at start, in Redis and here): a file whose checksum is 0.
fn checksums_off_as_redis_writes_them(dir: &std::path::Path, long: &str) {
    let both = |ours: &mut Connection, redis: &mut Redis, c: &[&str]| {
        let theirs = redis.cmd(c);
        assert_eq!(ours.execute(c), theirs, "{c:?}");
    };
    let plain_dir = dir.join("plain");
    let theirs_plain = dir.join("redis-plain");
    for d in [&plain_dir, &theirs_plain] {
        std::fs::create_dir_all(d).unwrap();
    }
    let plain = Store::builder().dir(&plain_dir).rdbchecksum(false).build();
    let mut plain = plain.connection();
    let Some(mut redis_plain) = Redis::start_with(&[
        "--dir",
        theirs_plain.to_str().unwrap(),
        "--rdbchecksum",
        "no",
    ]) else {
        return;
    };
    both(
        &mut plain,
        &mut redis_plain,
        &["CONFIG", "GET", "rdbchecksum"],
    );
    both(&mut plain, &mut redis_plain, &["SET", "s", long]);
    both(&mut plain, &mut redis_plain, &["SAVE"]);
    for file in [plain_dir.join("dump.rdb"), theirs_plain.join("dump.rdb")] {
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(bytes[bytes.len() - 8..], [0; 8], "{}", file.display());
    }
}

#[test]
fn rdb_settings_and_info_persistence_as_redis_has_them() {
    let dir = temp_dir("rdb-settings");
    let theirs_dir = dir.join("redis");
    std::fs::create_dir_all(&theirs_dir).unwrap();
    let Some(mut redis) = Redis::start_with(&["--dir", theirs_dir.to_str().unwrap()]) else {
        return;
    };
    let store = Store::builder().dir(&dir).build();
    let mut ours = store.connection();
    let long = "a".repeat(100);
    let both = |ours: &mut Connection, redis: &mut Redis, c: &[&str]| {
        let theirs = redis.cmd(c);
        assert_eq!(ours.execute(c), theirs, "{c:?}");
        theirs
    };
    // INFO persistence names Redis's fields in Redis's order (ours adds none while the
    // log is off).
    assert_eq!(
        info_fields(&ours.execute(&["INFO", "persistence"])),
        info_fields(&redis.cmd(&["INFO", "persistence"]))
    );
    for c in [
        &["SET", "s", &long][..],
        &["RPUSH", "l", &long, &long, "x"],
        &["HSET", "h", "f", &long],
    ] {
        both(&mut ours, &mut redis, c);
    }
    // rdbcompression: payloads compressed by default, not once it is off; byte for byte
    // Redis's either way.
    for setting in ["yes", "no"] {
        both(
            &mut ours,
            &mut redis,
            &["CONFIG", "SET", "rdbcompression", setting],
        );
        both(&mut ours, &mut redis, &["CONFIG", "GET", "rdbcompression"]);
        for key in ["s", "l", "h"] {
            let payload = both(&mut ours, &mut redis, &["DUMP", key]);
            let Reply::Bulk(payload) = payload else {
                panic!("{payload:?}")
            };
            assert_eq!(payload.len() > 100, setting == "no", "{key}: {setting}");
        }
    }
    // rdbchecksum is set at start only; no: the file's checksum is 0, as Redis writes it.
    both(
        &mut ours,
        &mut redis,
        &["CONFIG", "SET", "rdbchecksum", "no"],
    );
    both(&mut ours, &mut redis, &["CONFIG", "GET", "rdbchecksum"]);
    checksums_off_as_redis_writes_them(&dir, &long);
    // A wrong checksum refuses the file, unless checksums are off.
    both(&mut ours, &mut redis, &["SAVE"]);
    let path = dir.join("dump.rdb");
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::builder().dir(&dir).open().unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    let loaded = Store::builder()
        .dir(&dir)
        .rdbchecksum(false)
        .open()
        .unwrap();
    assert_eq!(loaded.strings().get("s").unwrap().unwrap(), long.as_str());
    // aof-load-truncated is a yes/no setting.
    both(
        &mut ours,
        &mut redis,
        &["CONFIG", "SET", "aof-load-truncated", "no"],
    );
    both(
        &mut ours,
        &mut redis,
        &["CONFIG", "GET", "aof-load-truncated"],
    );
    both(
        &mut ours,
        &mut redis,
        &["CONFIG", "SET", "aof-load-truncated", "maybe"],
    );
    // Saves are counted (a SAVE, a BGSAVE).
    assert_eq!(store.bgsave().unwrap().wait(), Ok(()));
    let info = match ours.execute(&["INFO", "persistence"]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("{other:?}"),
    };
    assert!(info.contains("rdb_saves:2\r\n"), "{info}");
    assert!(info.contains("rdb_last_bgsave_time_sec:0\r\n"), "{info}");
    assert!(
        info.contains("rdb_current_bgsave_time_sec:-1\r\n"),
        "{info}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_key_twice_in_a_snapshot_is_refused_at_its_second_record() {
    let dir = temp_dir("twice");
    // Two string records of key "k" (type 0, length-prefixed key and value), 5 bytes
    // each after the 9-byte header; many keys between them, so the two meet in a
    // batch after others have gone in.
    let mut records = b"\x00\x01k\x01v".to_vec();
    for i in 0..1000 {
        let key = format!("other{i:04}");
        records.push(0);
        records.push(u8::try_from(key.len()).unwrap());
        records.extend_from_slice(key.as_bytes());
        records.extend_from_slice(b"\x01v");
    }
    let second_ends = 9 + records.len() + 5;
    records.extend_from_slice(b"\x00\x01k\x01w");
    std::fs::write(dir.join("dump.rdb"), file_of(&records)).unwrap();
    let err = Store::builder().dir(&dir).open().unwrap_err().to_string();
    assert!(
        err.contains(&format!("a key twice at byte {second_ends}")),
        "{err}"
    );
    // Damage after it: still the key twice, the first error in the file's order.
    let mut damaged = records.clone();
    damaged.extend_from_slice(b"\x00\x05bad");
    std::fs::write(dir.join("dump.rdb"), file_of(&damaged)).unwrap();
    let err = Store::builder().dir(&dir).open().unwrap_err().to_string();
    assert!(
        err.contains(&format!("a key twice at byte {second_ends}")),
        "{err}"
    );
    // Without the second record it opens, and INFO counts what it loaded.
    let mut whole = records[..records.len() - 5].to_vec();
    whole.extend_from_slice(b"\xfc\x01\0\0\0\0\0\0\0\x00\x04gone\x01v");
    std::fs::write(dir.join("dump.rdb"), file_of(&whole)).unwrap();
    let store = Store::builder().dir(&dir).open().unwrap();
    let info = match store.connection().execute(&["INFO", "persistence"]) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("{other:?}"),
    };
    assert!(
        info.contains("rdb_last_load_keys_loaded:1001\r\n"),
        "{info}"
    );
    assert!(info.contains("rdb_last_load_keys_expired:1\r\n"), "{info}");
    let _ = std::fs::remove_dir_all(&dir);
}
