//! The append-only log (`appendonly`): Redis 7.0's multi-part format both ways with a
//! real `redis-server` (skipped, with a message, without it), torn and damaged logs,
//! and a writer killed at random moments that never loses an acknowledged write under
//! `appendfsync always`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use embedis::{AppendFsync, Connection, Reply, Store};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use redis_client::Redis;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-aof-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(dir: &Path) -> embedis::Result<Store> {
    Store::builder()
        .dir(dir)
        .appendonly(true)
        .appendfsync(AppendFsync::Always)
        .open()
}

/// Commands of every family, among them those logged by effect rather than as sent.
fn workload() -> Vec<Vec<String>> {
    let text = [
        "SET s hello",
        "SET n -12345",
        "SET ttl v PX 3600000",
        "SETEX ex 3600 v",
        "INCRBYFLOAT f 1.1",
        "INCRBYFLOAT f 2.2",
        "APPEND s !",
        "SETRANGE s 1 E",
        "SETBIT bits 70 1",
        "BITFIELD bf SET u8 0 200 INCRBY u8 0 100 OVERFLOW SAT INCRBY u8 8 300",
        "RPUSH l a b 300 c d",
        "LPOP l",
        "RPOPLPUSH l l2",
        "LMOVE l l2 LEFT RIGHT",
        "LREM l 0 d",
        "LINSERT l2 BEFORE c x",
        "SADD ints 1 2 70000",
        "SADD strs x y z w",
        "SPOP strs",
        "SMOVE ints strs 1",
        "HSET h f v g 12",
        "HINCRBY h g 5",
        "HINCRBYFLOAT h fl 0.25",
        "HDEL h f",
        "ZADD z 1.5 a -inf b 3 c 7 d",
        "ZINCRBY z 2 a",
        "ZADD z GT CH 1 c 9 d",
        "ZREMRANGEBYSCORE z 8 10",
        "ZUNIONSTORE zu 2 z ints WEIGHTS 2 1",
        "ZPOPMIN z",
        "PEXPIRE h 7200000",
        "EXPIRE s 100000",
        "PERSIST s",
        "SET gone x",
        "EXPIRE gone -1",
        "COPY s s2",
        "RENAME s2 s3",
        "MULTI",
        "SET a 1",
        "SET b 2",
        "INCR a",
        "EXEC",
        "MSET m1 1 m2 2",
        "DEL m2",
        "SELECT 3",
        "SET in3 three",
        "HSET h3 k v",
        "MOVE in3 4",
        "SELECT 4",
        "SWAPDB 4 5",
        "SELECT 0",
        "GETEX n PX 5000000",
        "GETDEL s3",
        "SORT l2 ALPHA DESC STORE sorted",
        "SET w_x 3",
        "SET w_y 1",
        "MSET w_w 2 w_1 0",
        "SORT strs BY w_* ALPHA GET # GET w_* STORE sorted2",
        "SORT nothing STORE sorted",
    ];
    let mut out: Vec<Vec<String>> = text
        .iter()
        .map(|c| c.split(' ').map(str::to_owned).collect())
        .collect();
    let big: Vec<String> = (0..600).map(|i| format!("member{i}")).collect();
    let mut sadd = vec!["SADD".to_owned(), "bigset".to_owned()];
    sadd.extend(big.iter().cloned());
    out.push(sadd);
    out.push(vec!["SPOP".into(), "bigset".into(), "5".into()]);
    out
}

/// The keys of database `db` and everything about them both sides answer alike.
fn describe(run: &mut dyn FnMut(&[&str]) -> Reply, db: usize) -> Vec<(String, Reply, bool)> {
    run(&["SELECT", &db.to_string()]);
    let Reply::Array(keys) = run(&["KEYS", "*"]) else {
        panic!("KEYS answers an array");
    };
    let mut keys: Vec<String> = keys
        .into_iter()
        .map(|k| match k {
            Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
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
            let ttl = matches!(run(&["PTTL", &k]), Reply::Integer(t) if t > 0);
            (k, value, ttl)
        })
        .collect();
    run(&["SELECT", "0"]);
    out
}

/// Opens `dir`'s log here, then in a redis-server started on it (if there is one):
/// databases 0, 3, 4 and 5 hold `expected` (as `describe` shows them) in both.
fn loads_here_and_in_redis(dir: &Path, expected: &[Vec<(String, Reply, bool)>]) {
    let again = open(dir).unwrap();
    let mut conn = again.connection();
    for (i, db) in [0, 3, 4, 5].into_iter().enumerate() {
        assert_eq!(
            describe(&mut run_here(&mut conn), db),
            expected[i],
            "db {db}"
        );
    }
    drop(conn);
    drop(again);
    if let Some(mut redis) =
        Redis::start_with(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"])
    {
        for (i, db) in [0, 3, 4, 5].into_iter().enumerate() {
            assert_eq!(
                describe(&mut |a| redis.cmd(a), db),
                expected[i],
                "db {db} in Redis"
            );
        }
    }
}

fn run_here(c: &mut Connection) -> impl FnMut(&[&str]) -> Reply + '_ {
    move |args: &[&str]| c.execute(args)
}

#[test]
fn a_log_the_store_wrote_loads_in_redis_and_reopens_here() {
    let dir = temp_dir("to-redis");
    let store = open(&dir).unwrap();
    let mut ours = store.connection();
    for c in workload() {
        ours.execute(&c);
    }
    let expected: Vec<_> = [0, 3, 4, 5]
        .into_iter()
        .map(|db| describe(&mut run_here(&mut ours), db))
        .collect();
    assert!(!expected[0].is_empty() && !expected[3].is_empty());
    drop(ours);
    drop(store);
    let again = open(&dir).unwrap();
    let mut conn = again.connection();
    for (i, db) in [0, 3, 4, 5].into_iter().enumerate() {
        assert_eq!(
            describe(&mut run_here(&mut conn), db),
            expected[i],
            "database {db}"
        );
    }
    drop(conn);
    drop(again);
    let dir_arg = dir.to_str().unwrap();
    let Some(mut redis) = Redis::start_with(&["--dir", dir_arg, "--appendonly", "yes"]) else {
        eprintln!("\n*** redis-server is not installed: the AOF interop test is SKIPPED ***\n");
        return;
    };
    for (i, db) in [0, 3, 4, 5].into_iter().enumerate() {
        assert_eq!(
            describe(&mut |a| redis.cmd(a), db),
            expected[i],
            "database {db}"
        );
    }
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_log_redis_wrote_opens_here() {
    let dir = temp_dir("from-redis");
    let Some(mut redis) =
        Redis::start_with(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"])
    else {
        eprintln!("\n*** redis-server is not installed: the AOF interop test is SKIPPED ***\n");
        return;
    };
    for c in workload() {
        redis.cmd(&c);
    }
    let expected: Vec<_> = [0, 3, 4, 5]
        .into_iter()
        .map(|db| describe(&mut |a| redis.cmd(a), db))
        .collect();
    // Redis has written (not necessarily synced) every reply's change before replying.
    let store = open(&dir).expect("Redis's log opens");
    let mut ours = store.connection();
    for (i, db) in [0, 3, 4, 5].into_iter().enumerate() {
        assert_eq!(
            describe(&mut run_here(&mut ours), db),
            expected[i],
            "database {db}"
        );
    }
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The incremental file the manifest names last.
fn last_incr(dir: &Path) -> PathBuf {
    let manifest =
        std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    let line = manifest.lines().rfind(|l| l.ends_with("type i")).unwrap();
    dir.join("appendonlydir")
        .join(line.split(' ').nth(1).unwrap())
}

#[test]
fn a_torn_tail_is_cut_off_and_damage_elsewhere_is_refused() {
    let dir = temp_dir("torn");
    let store = open(&dir).unwrap();
    store.strings().set("first", "1").unwrap();
    let mut c = store.connection();
    c.execute(&["MULTI"]);
    c.execute(&["SET", "x", "1"]);
    c.execute(&["SET", "y", "2"]);
    c.execute(&["EXEC"]);
    drop(c);
    drop(store);
    let path = last_incr(&dir);
    let whole = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&whole).into_owned();
    let multi = text
        .find("*1\r\n$5\r\nMULTI")
        .expect("the transaction is one unit");
    let exec_end = text.find("EXEC\r\n").expect("its end") + 6;
    // Each batch written is followed by its checksum annotation, which Redis skips.
    assert!(text[exec_end..].starts_with("#C:"), "{text}");
    // Cut anywhere inside the transaction: it is dropped whole, the rest loads, and the
    // file is cut back to the end of what loaded.
    for cut in multi + 1..exec_end {
        std::fs::write(&path, &whole[..cut]).unwrap();
        let refused = Store::builder()
            .dir(&dir)
            .appendonly(true)
            .aof_load_truncated(false)
            .open();
        let err = refused.expect_err("aof-load-truncated no refuses a torn file");
        assert!(err.to_string().contains("unexpected end of file"), "{err}");
        let store = open(&dir).unwrap();
        assert_eq!(store.strings().get("first").unwrap().unwrap(), "1");
        assert_eq!(store.keys().exists(["x", "y"]).unwrap(), 0, "cut at {cut}");
        let info = store
            .connection()
            .execute(&["INFO", "persistence"])
            .to_string();
        assert!(info.contains("aof_last_load_truncated:1"), "{info}");
        drop(store);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            &whole[..multi],
            "cut at {cut}"
        );
    }
    // Cut inside the last checksum annotation: the commands all load, the torn line goes.
    for cut in exec_end..whole.len() {
        std::fs::write(&path, &whole[..cut]).unwrap();
        let store = open(&dir).unwrap();
        assert_eq!(
            store.keys().exists(["first", "x", "y"]).unwrap(),
            3,
            "cut at {cut}"
        );
        drop(store);
        assert!(
            std::fs::read(&path)
                .unwrap()
                .starts_with(&whole[..exec_end]),
            "cut at {cut}"
        );
    }
    // A damaged command (not a torn one) is refused, naming the file and the offset.
    let mut bad = whole[..multi].to_vec();
    bad[0] = b'?';
    std::fs::write(&path, &bad).unwrap();
    let err = open(&dir).unwrap_err().to_string();
    assert!(
        err.contains("appendonly.aof.1.incr.aof") && err.contains("at byte 0"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The child of the kill loop: opens the log under `always` and counts, printing each
/// value once its write returned (acknowledged).
fn child(dir: &Path, policy: AppendFsync) {
    use std::io::Write;
    let store = Store::builder()
        .dir(dir)
        .appendonly(true)
        .appendfsync(policy)
        .open()
        .unwrap();
    let mut out = std::io::stdout();
    loop {
        let mut c = store.connection();
        c.execute(&["MULTI"]);
        c.execute(&["INCR", "n"]);
        c.execute(&["RPUSH", "log", "x"]);
        let Reply::Array(replies) = c.execute(&["EXEC"]) else {
            panic!("EXEC answers an array");
        };
        let Reply::Integer(n) = replies[0] else {
            panic!("{replies:?}");
        };
        writeln!(out, "{n}").unwrap();
        out.flush().unwrap();
        // Rewrites and snapshots now and then: killed mid-rewrite and mid-snapshot too.
        if n % 25 == 0 {
            drop(store.bgrewriteaof());
        }
        if n % 10 == 5 {
            drop(store.bgsave());
        }
    }
}

/// Runs this test binary's test `name` as a child writing into `dir` (it sees `env`
/// set to `dir`), and a thread collecting each value it acknowledges with when it was
/// read.
fn spawn_writer(
    name: &str,
    env: &str,
    dir: &Path,
) -> (
    std::process::Child,
    std::thread::JoinHandle<Vec<(i64, std::time::Instant)>>,
) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(env, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(n) = line.trim().parse::<i64>() {
                seen.push((n, std::time::Instant::now()));
            }
        }
        seen
    });
    (child, reader)
}

/// The counter the writer increments and the length of the list it pushes to, in the
/// same transaction: equal unless a transaction was split.
fn counted(store: &Store, round: u64) -> i64 {
    let n: i64 = store
        .strings()
        .get("n")
        .unwrap()
        .map_or(0, |v| std::str::from_utf8(&v).unwrap().parse().unwrap());
    let len = store.lists().llen("log").unwrap();
    assert_eq!(
        i64::try_from(len).unwrap(),
        n,
        "round {round}: a transaction was split"
    );
    n
}

#[test]
fn a_writer_killed_at_random_never_loses_an_acknowledged_write() {
    const NAME: &str = "a_writer_killed_at_random_never_loses_an_acknowledged_write";
    if let Some(dir) = std::env::var_os("EMBEDIS_AOF_CHILD") {
        child(Path::new(&dir), AppendFsync::Always);
        return;
    }
    let dir = temp_dir("kill");
    let rounds: u64 = std::env::var("EMBEDIS_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut acked = 0;
    for round in 0..rounds {
        let (mut child, reader) = spawn_writer(NAME, "EMBEDIS_AOF_CHILD", &dir);
        // Killed after a few acknowledgements, or mid-start (round 0 and every tenth).
        let wanted = (round * 7919) % 23;
        std::thread::sleep(Duration::from_millis(if round % 10 == 0 {
            1
        } else {
            5 + wanted
        }));
        child.kill().unwrap();
        child.wait().unwrap();
        let last = reader.join().unwrap().last().map(|&(n, _)| n);
        let store = open(&dir).unwrap_or_else(|e| panic!("round {round}: {e}"));
        // Every acknowledged increment is there; never half a transaction.
        let n = counted(&store, round);
        assert!(
            n >= last.unwrap_or(0),
            "round {round}: {n} < acknowledged {last:?}"
        );
        // A snapshot killed half-written left the last whole one, itself one instant.
        if dir.join("dump.rdb").exists() {
            let snap = Store::builder().dir(&dir).open().unwrap();
            let at = counted(&snap, round);
            assert!(at <= n, "round {round}: the snapshot is ahead of the log");
        }
        acked = n;
    }
    assert!(
        acked > 0,
        "the writer acknowledged nothing in {rounds} rounds"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A log replayed after its keys' deadlines passed gives the store that wrote it, then
/// expires them: a record never meets a key its writer did not (Redis's loading mode).
#[test]
fn a_log_replayed_after_its_deadlines_passed_brings_nothing_back() {
    let dir = temp_dir("late");
    let clock = embedis::ManualClock::new();
    let open_at = |clock: &embedis::ManualClock| {
        Store::builder()
            .dir(&dir)
            .clock(clock.clone())
            .appendonly(true)
            .appendfsync(AppendFsync::Always)
            .open()
            .unwrap()
    };
    let store = open_at(&clock);
    let mut c = store.connection();
    for cmd in [
        &["SET", "k", "10", "PX", "1000"][..],
        &["INCRBY", "k", "5"],
        &["RPUSH", "l", "a"],
        &["PEXPIRE", "l", "1000"],
        &["RPUSH", "l", "b"],
        &["SET", "stays", "1"],
    ] {
        c.execute(cmd);
    }
    drop(c);
    drop(store);
    // Before the deadline, the keys are back with it.
    let soon = embedis::ManualClock::new();
    soon.advance(Duration::from_millis(500));
    let second = open_at(&soon);
    assert_eq!(second.strings().get("k").unwrap().unwrap(), "15");
    assert_eq!(second.lists().lrange("l", 0, -1).unwrap(), ["a", "b"]);
    assert!(matches!(
        second.keys().pttl("k").unwrap(),
        embedis::Ttl::Expires(_)
    ));
    drop(second);
    // After it, they are gone (not back without a deadline).
    let later = embedis::ManualClock::new();
    later.advance(Duration::from_secs(5));
    let third = open_at(&later);
    assert_eq!(third.keys().exists(["k", "l"]).unwrap(), 0);
    assert_eq!(third.strings().get("stays").unwrap().unwrap(), "1");
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The manifest's lines.
fn manifest(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_rewrite_keeps_everything_and_retires_the_files_it_replaces() {
    let dir = temp_dir("rewrite");
    let store = open(&dir).unwrap();
    let mut c = store.connection();
    for c2 in workload() {
        c.execute(&c2);
    }
    for i in 0..200 {
        c.execute(&["INCR", "counter"]);
        c.execute(&["RPUSH", "big", &i.to_string()]);
    }
    assert_eq!(
        c.execute(&["BGREWRITEAOF"]),
        Reply::Simple("Background append only file rewriting started".into())
    );
    // Wait for it through the store's own API, then write on.
    while c
        .execute(&["INFO", "persistence"])
        .to_string()
        .contains("aof_rewrite_in_progress:1")
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    store.bgrewriteaof().unwrap().wait().unwrap();
    c.execute(&["SET", "after", "rewrite"]);
    let expected: Vec<_> = [0, 3, 4, 5]
        .into_iter()
        .map(|db| describe(&mut run_here(&mut c), db))
        .collect();
    drop(c);
    drop(store);
    assert_eq!(
        manifest(&dir),
        [
            "file appendonly.aof.3.base.rdb seq 3 type b",
            "file appendonly.aof.3.incr.aof seq 3 type i"
        ]
    );
    let mut left: Vec<String> = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "appendonly.aof.3.base.rdb",
            "appendonly.aof.3.incr.aof",
            "appendonly.aof.lock",
            "appendonly.aof.manifest"
        ],
        "the replaced files are gone"
    );
    loads_here_and_in_redis(&dir, &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rewrites_while_writers_go_on_lose_nothing_and_split_no_transaction() {
    let dir = temp_dir("rewrite-busy");
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .appendfsync(AppendFsync::EverySec)
        .open()
        .unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let written = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut c = store.connection();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.execute(&["MULTI"]);
                c.execute(&["SET", &format!("a{}", n % 500), &n.to_string()]);
                c.execute(&["SET", &format!("b{}", n % 500), &n.to_string()]);
                c.execute(&["EXEC"]);
                n += 1;
            }
            n
        });
        for _ in 0..5 {
            store.bgrewriteaof().unwrap().wait().unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        writer.join().unwrap()
    });
    assert!(written > 0);
    let mut before = store.connection();
    let expected = describe(&mut run_here(&mut before), 0);
    drop(before);
    drop(store);
    let again = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    let mut c = again.connection();
    let got = describe(&mut run_here(&mut c), 0);
    assert_eq!(got, expected);
    for i in 0..500 {
        assert_eq!(
            c.execute(&["GET", &format!("a{i}")]),
            c.execute(&["GET", &format!("b{i}")]),
            "pair {i} torn"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_log_rewrites_itself_as_it_grows_and_says_so_in_info_and_config() {
    let dir = temp_dir("auto");
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .auto_aof_rewrite_min_size(4096)
        .auto_aof_rewrite_percentage(100)
        .open()
        .unwrap();
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["CONFIG", "GET", "appendonly"]),
        Reply::Array(vec![Reply::from("appendonly"), Reply::from("yes")])
    );
    assert_eq!(
        c.execute(&["CONFIG", "SET", "appendfsync", "no"]),
        Reply::ok()
    );
    assert_eq!(
        c.execute(&["CONFIG", "GET", "appendfsync"]),
        Reply::Array(vec![Reply::from("appendfsync"), Reply::from("no")])
    );
    // The same key over and over: the log grows, the store does not.
    let start = std::time::Instant::now();
    loop {
        for i in 0..100 {
            c.execute(&["SET", "k", &"x".repeat(100 + i)]);
        }
        if manifest(&dir)[0].contains("seq 1 type b") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no automatic rewrite"
            );
            continue;
        }
        break;
    }
    let info = c.execute(&["INFO", "persistence"]).to_string();
    assert!(info.contains("aof_enabled:1"), "{info}");
    assert!(info.contains("aof_last_write_status:ok"), "{info}");
    // The rewrite is counted, and went well.
    assert!(!info.contains("aof_rewrites:0\r\n"), "{info}");
    assert!(info.contains("aof_last_bgrewrite_status:ok"), "{info}");
    assert!(
        info.contains("aof_rewrites_consecutive_failures:0"),
        "{info}"
    );
    // A rewrite the loop set off may still run, and the store writes its log until it
    // is dropped: both first, or they make the directory again after it is removed.
    while c
        .execute(&["INFO", "persistence"])
        .to_string()
        .contains("aof_rewrite_in_progress:1")
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(c);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_store_cannot_open_a_directory_whose_log_is_in_use() {
    let dir = temp_dir("lock");
    let first = open(&dir).unwrap();
    first.strings().set("k", "v").unwrap();
    let err = open(&dir).expect_err("the log is in use").to_string();
    assert!(err.contains("in use by another store"), "{err}");
    drop(first);
    let second = open(&dir).unwrap();
    assert_eq!(second.strings().get("k").unwrap().unwrap(), "v");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A base with commands after its RDB part (an old log with an RDB preamble, which
/// Redis 7.0 keeps as the base when it upgrades one) loads both parts.
#[test]
fn a_base_with_commands_after_its_snapshot_loads_both() {
    let dir = temp_dir("preamble");
    let store = open(&dir).unwrap();
    drop(store);
    let base = dir.join("appendonlydir/appendonly.aof.1.base.rdb");
    let mut bytes = std::fs::read(&base).unwrap();
    assert!(bytes.starts_with(b"REDIS"));
    bytes.extend_from_slice(
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n1\r\n",
    );
    std::fs::write(&base, &bytes).unwrap();
    let again = open(&dir).unwrap();
    assert_eq!(again.strings().get("tail").unwrap().unwrap(), "1");
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Under `everysec`, a writer killed at random loses at most about the last second of
/// acknowledged writes, and never gains one it was not asked for.
#[test]
fn under_everysec_a_kill_loses_at_most_the_last_second_or_two() {
    const NAME: &str = "under_everysec_a_kill_loses_at_most_the_last_second_or_two";
    if let Some(dir) = std::env::var_os("EMBEDIS_AOF_CHILD_EVERYSEC") {
        child(Path::new(&dir), AppendFsync::EverySec);
        return;
    }
    let dir = temp_dir("kill-everysec");
    for round in 0..3u64 {
        let (mut child, reader) = spawn_writer(NAME, "EMBEDIS_AOF_CHILD_EVERYSEC", &dir);
        std::thread::sleep(Duration::from_millis(2500 + round * 300));
        let killed = std::time::Instant::now();
        child.kill().unwrap();
        child.wait().unwrap();
        let seen = reader.join().unwrap();
        let store = open(&dir).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n = counted(&store, round);
        let last = seen.last().map_or(0, |&(n, _)| n);
        // Applied but not yet printed: one more at most.
        assert!(
            n <= last + 1,
            "round {round}: {n} > acknowledged {last} + 1"
        );
        let two_seconds_before = seen
            .iter()
            .filter(|(_, at)| killed.duration_since(*at) >= Duration::from_secs(2))
            .map(|&(n, _)| n)
            .max()
            .unwrap_or(0);
        assert!(
            n >= two_seconds_before,
            "round {round}: {n} lost writes acknowledged 2 s before the kill ({two_seconds_before})"
        );
        drop(store);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pops_served_to_blocked_callers_are_logged() {
    let dir = temp_dir("served");
    let store = open(&dir).unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                store
                    .lists()
                    .blpop(["jobs"], Some(Duration::from_secs(10)))
                    .unwrap()
            })
        })
        .collect();
    while store.blocked_clients() < 3 {
        std::thread::yield_now();
    }
    store.lists().rpush("jobs", ["a", "b", "c", "d"]).unwrap();
    let mut got: Vec<String> = waiters
        .into_iter()
        .map(|w| {
            let (_, v) = w.join().unwrap().expect("served");
            String::from_utf8(v.to_vec()).unwrap()
        })
        .collect();
    got.sort();
    assert_eq!(got, ["a", "b", "c"]);
    drop(store);
    let again = open(&dir).unwrap();
    assert_eq!(again.lists().lrange("jobs", 0, -1).unwrap(), ["d"]);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `CONFIG SET appendonly yes` in a running store makes a log of everything already
/// there (a base made in the background while changes go on to the new incremental
/// file); `no` stops it.
#[test]
fn the_log_turns_on_and_off_at_run_time() {
    let dir = temp_dir("toggle");
    let store = Store::builder().dir(&dir).open().unwrap();
    let mut c = store.connection();
    c.execute(&["SET", "before", "1"]);
    c.execute(&["RPUSH", "l", "a", "b"]);
    assert_eq!(
        c.execute(&["CONFIG", "SET", "appendonly", "yes"]),
        Reply::ok()
    );
    c.execute(&["SET", "during", "2"]);
    let start = std::time::Instant::now();
    while c
        .execute(&["INFO", "persistence"])
        .to_string()
        .contains("aof_rewrite_in_progress:1")
    {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    c.execute(&["SET", "after", "3"]);
    assert_eq!(
        c.execute(&["CONFIG", "SET", "appendonly", "maybe"]),
        Reply::Error(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'".into()
        )
    );
    assert_eq!(
        c.execute(&["CONFIG", "SET", "appendonly", "no"]),
        Reply::ok()
    );
    c.execute(&["SET", "unlogged", "4"]);
    drop(c);
    drop(store);
    assert_eq!(
        manifest(&dir),
        [
            "file appendonly.aof.1.base.rdb seq 1 type b",
            "file appendonly.aof.1.incr.aof seq 1 type i"
        ]
    );
    let again = open(&dir).unwrap();
    let mut c = again.connection();
    for (k, v) in [("before", "1"), ("during", "2"), ("after", "3")] {
        assert_eq!(c.execute(&["GET", k]), Reply::from(v), "{k}");
    }
    assert_eq!(c.execute(&["EXISTS", "unlogged"]), Reply::Integer(0));
    assert_eq!(
        c.execute(&["LRANGE", "l", "0", "-1"]),
        Reply::Array(vec![Reply::from("a"), Reply::from("b")])
    );
    drop(c);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_get_shows_the_log_settings_whether_it_is_on_or_not() {
    let store = Store::builder().build();
    let mut c = store.connection();
    for (name, value) in [
        ("appendonly", "no"),
        ("appendfsync", "everysec"),
        ("appenddirname", "appendonlydir"),
        ("appendfilename", "appendonly.aof"),
        ("auto-aof-rewrite-percentage", "100"),
        ("auto-aof-rewrite-min-size", "67108864"),
        ("aof-load-truncated", "yes"),
        ("save", ""),
        ("dbfilename", "dump.rdb"),
    ] {
        assert_eq!(
            c.execute(&["CONFIG", "GET", name]),
            Reply::Array(vec![Reply::from(name), Reply::from(value)]),
            "{name}"
        );
    }
}

#[test]
fn bgrewriteaof_with_the_log_off_writes_a_base_that_redis_and_we_load() {
    let dir = temp_dir("offline");
    // A log in the directory from before: its files are retired by the rewrite.
    drop(open(&dir).unwrap());
    let store = Store::builder().dir(&dir).build();
    let mut c = store.connection();
    for w in workload() {
        c.execute(&w);
    }
    // As Redis with `appendonly no`: the rewrite runs, and names only its base.
    assert_eq!(
        c.execute(&["BGREWRITEAOF"]),
        Reply::Simple("Background append only file rewriting started".into())
    );
    while c
        .execute(&["INFO", "persistence"])
        .to_string()
        .contains("aof_rewrite_in_progress:1")
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        manifest(&dir),
        ["file appendonly.aof.2.base.rdb seq 2 type b"]
    );
    assert!(!dir.join("appendonlydir/appendonly.aof.1.base.rdb").exists());
    assert!(!dir.join("appendonlydir/appendonly.aof.1.incr.aof").exists());
    let expected: Vec<_> = [0, 3, 4, 5]
        .into_iter()
        .map(|db| describe(&mut run_here(&mut c), db))
        .collect();
    // The directory is not held: a store with the log on opens it, and Redis too.
    loads_here_and_in_redis(&dir, &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_base_of_commands_loads_here_and_in_redis() {
    let dir = temp_dir("commands-base");
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .aof_use_rdb_preamble(false)
        .open()
        .unwrap();
    let mut c = store.connection();
    for w in workload() {
        c.execute(&w);
    }
    // Collections past one command's 64 elements.
    for i in 0..150 {
        let i = i.to_string();
        c.execute(&["RPUSH", "long-list", &i]);
        c.execute(&["SADD", "long-set", &format!("m{i}")]);
        c.execute(&["ZADD", "long-zset", &format!("{i}.5"), &i]);
        c.execute(&["HSET", "long-hash", &i, &i]);
    }
    c.execute(&["SET", "volatile", "v", "EX", "1000"]);
    assert_eq!(
        c.execute(&["CONFIG", "GET", "aof-use-rdb-preamble"]),
        Reply::Array(vec![Reply::from("aof-use-rdb-preamble"), Reply::from("no")])
    );
    store.bgrewriteaof().unwrap().wait().unwrap();
    let base = dir.join("appendonlydir/appendonly.aof.2.base.aof");
    let text = std::fs::read(&base).unwrap();
    assert!(
        text.starts_with(b"*2\r\n$6\r\nSELECT\r\n"),
        "{:?}",
        &text[..20]
    );
    assert_eq!(
        manifest(&dir)[0],
        "file appendonly.aof.2.base.aof seq 2 type b"
    );
    c.execute(&["SET", "after", "rewrite"]);
    let expected: Vec<_> = [0, 3, 4, 5]
        .into_iter()
        .map(|db| describe(&mut run_here(&mut c), db))
        .collect();
    drop(c);
    drop(store);
    loads_here_and_in_redis(&dir, &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_flipped_bit_anywhere_in_the_log_is_refused_or_harmless() {
    let dir = temp_dir("flips");
    let store = open(&dir).unwrap();
    // Under `always` each write is a batch of its own, with its checksum annotation.
    for i in 0..12 {
        store
            .strings()
            .set(format!("k{i}"), format!("value number {i}"))
            .unwrap();
    }
    drop(store);
    let path = last_incr(&dir);
    let whole = std::fs::read(&path).unwrap();
    let check = |store: &Store, at: usize| {
        for i in 0..12 {
            assert_eq!(
                store.strings().get(format!("k{i}")).unwrap().unwrap(),
                format!("value number {i}").as_str(),
                "flip at {at}: k{i}"
            );
        }
    };
    let mut refused = 0;
    for at in 0..whole.len() {
        for bit in [0x01, 0x10, 0x80] {
            let mut bad = whole.clone();
            bad[at] ^= bit;
            std::fs::write(&path, &bad).unwrap();
            // Never a silent loss: refused (naming the file), or every write is there
            // (a flip in the last line end only cuts that annotation off).
            match open(&dir) {
                Err(e) => {
                    assert!(e.to_string().contains("incr.aof"), "{e}");
                    refused += 1;
                }
                Ok(store) => check(&store, at),
            }
        }
    }
    assert!(
        refused > whole.len() * 2,
        "{refused} of {} flips refused",
        whole.len() * 3
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_value_holding_log_like_lines_is_cut_off_not_refused() {
    let src = temp_dir("torn-value-src");
    let store = open(&src).unwrap();
    for i in 0..3 {
        store
            .strings()
            .set(format!("k{i}"), format!("v{i}"))
            .unwrap();
    }
    drop(store);
    let log_copy = std::fs::read(last_incr(&src)).unwrap();
    // A value may hold anything: a copy of a log, or a line like a checksum's.
    let values: [Vec<u8>; 2] = [
        log_copy,
        b"notes\n#C:60:0000000000000000\r\nmore notes and more notes".to_vec(),
    ];
    for (n, value) in values.into_iter().enumerate() {
        let dir = temp_dir(&format!("torn-value-{n}"));
        let store = open(&dir).unwrap();
        store.strings().set("first", "1").unwrap();
        store.strings().set("backup", &value).unwrap();
        drop(store);
        let path = last_incr(&dir);
        let whole = std::fs::read(&path).unwrap();
        // Torn a little after the value's first checksum-like line.
        let value_at = whole.windows(6).position(|w| w == b"backup").unwrap();
        let inner = value_at
            + whole[value_at..]
                .windows(4)
                .position(|w| w == b"\n#C:")
                .unwrap();
        let line_end = inner + 1 + whole[inner + 1..].iter().position(|&b| b == b'\n').unwrap();
        std::fs::write(&path, &whole[..line_end + 5]).unwrap();
        let store = open(&dir).expect("a torn tail is cut off");
        assert_eq!(
            store.strings().get("first").unwrap().unwrap(),
            "1",
            "value {n}"
        );
        assert_eq!(store.keys().exists(["backup"]).unwrap(), 0, "value {n}");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&src);
}

#[test]
fn turning_the_log_on_during_a_background_save_starts_it_once_the_save_is_over() {
    let dir = temp_dir("on-during-bgsave");
    let store = Store::builder().dir(&dir).build();
    for i in 0..200_000 {
        store.strings().set(format!("k{i}"), "v").unwrap();
    }
    let mut c = store.connection();
    let save = store.bgsave().unwrap();
    // As Redis: OK at once, the log started when the save is over.
    assert_eq!(
        c.execute(&["CONFIG", "SET", "appendonly", "yes"]),
        Reply::ok()
    );
    c.execute(&["SET", "during", "the save"]);
    save.wait().unwrap();
    let start = std::time::Instant::now();
    while !manifest_exists(&dir)
        || c.execute(&["INFO", "persistence"])
            .to_string()
            .contains("aof_rewrite_in_progress:1")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the log never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    c.execute(&["SET", "after", "it"]);
    drop(c);
    drop(store);
    let again = open(&dir).unwrap();
    assert_eq!(again.keys().dbsize().unwrap(), 200_002);
    assert_eq!(again.strings().get("during").unwrap().unwrap(), "the save");
    let _ = std::fs::remove_dir_all(&dir);
}

fn manifest_exists(dir: &Path) -> bool {
    dir.join("appendonlydir/appendonly.aof.manifest").exists()
}
