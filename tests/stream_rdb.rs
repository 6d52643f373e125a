//! Streams through the RDB codec against a real `redis-server` (skipped, with a
//! message, without it, unless `EMBEDIS_REQUIRE_REDIS=1`): streams built in Redis with
//! `XADD`, `XDEL`, `XTRIM`, `XSETID`, `XGROUP`, `XREADGROUP`, `XCLAIM` and `XACK`,
//! dumped there, restored into a store and dumped back, come back byte for byte and
//! restore in Redis to the same stream (`XINFO STREAM … FULL`, `XRANGE`, `XPENDING`);
//! a snapshot Redis writes opens here and, saved again here, loads in Redis the same;
//! and the store's AOF rewrite in command form rebuilds them in Redis.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use embedis::{Reply, RestoreOptions, Store};

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use redis_client::Redis;

/// A fresh directory of this test's own.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-stream-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The keys [`build`] makes.
const KEYS: [&str; 8] = [
    "big",
    "trimmed",
    "tomb",
    "empty",
    "mkstream",
    "setid",
    "numbers",
    "old-groups",
];

/// Sends `args`, which must not fail.
fn ok(redis: &mut Redis, args: &[&str]) -> Reply {
    let reply = redis.cmd(args);
    assert!(!matches!(reply, Reply::Error(_)), "{args:?}: {reply:?}");
    reply
}

/// Builds the streams of [`KEYS`] in Redis.
#[allow(clippy::too_many_lines)] // a script of commands
fn build(redis: &mut Redis) {
    // Several nodes (by count and by bytes), entries with and without the master
    // fields, integer and text values, deleted entries, groups with consumers.
    for i in 0..300u64 {
        let id = format!("{}-{}", 1000 + i / 4, i % 4);
        let n = i.to_string();
        let long = "x".repeat(usize::try_from(i % 50).unwrap() * 12);
        let fields: Vec<&str> = match i % 5 {
            0 => vec!["other", &n],
            1 => vec!["a", &n, "b", &long],
            2 => vec!["a", "-17", "b", "1.5"],
            _ => vec!["a", &n, "b", "text"],
        };
        let mut args = vec!["XADD", "big", &id];
        args.extend(fields);
        ok(redis, &args);
    }
    for id in ["1000-1", "1000-2", "1010-0", "1020-3", "1050-1"] {
        ok(redis, &["XDEL", "big", id]);
    }
    ok(redis, &["XGROUP", "CREATE", "big", "g1", "0"]);
    ok(
        redis,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "10",
            "STREAMS",
            "big",
            ">",
        ],
    );
    ok(
        redis,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "bob",
            "COUNT",
            "5",
            "STREAMS",
            "big",
            ">",
        ],
    );
    ok(redis, &["XACK", "big", "g1", "1000-3", "1001-0"]);
    ok(redis, &["XCLAIM", "big", "g1", "carol", "0", "1001-1"]);
    ok(
        redis,
        &[
            "XCLAIM",
            "big",
            "g1",
            "dave",
            "0",
            "1000-0",
            "TIME",
            "1700000000000",
            "RETRYCOUNT",
            "7",
            "FORCE",
            "JUSTID",
        ],
    );
    // A pending entry deleted from the stream.
    ok(redis, &["XDEL", "big", "1001-2"]);
    ok(redis, &["XGROUP", "CREATECONSUMER", "big", "g1", "idle"]);
    ok(redis, &["XGROUP", "CREATE", "big", "g2", "$"]);
    ok(
        redis,
        &[
            "XGROUP",
            "CREATE",
            "big",
            "g3",
            "1030-0",
            "ENTRIESREAD",
            "100",
        ],
    );

    // Trimmed exactly and approximately: nodes with entries flagged deleted.
    for i in 0..250u64 {
        ok(
            redis,
            &["XADD", "trimmed", &format!("{}-0", i + 1), "f", "v"],
        );
    }
    ok(redis, &["XTRIM", "trimmed", "MAXLEN", "130"]);
    ok(redis, &["XTRIM", "trimmed", "MINID", "~", "150"]);
    ok(redis, &["XTRIM", "trimmed", "MINID", "160"]);

    // A node whose only entries left are deleted ones.
    for i in 1..=10 {
        ok(redis, &["XADD", "tomb", &format!("{i}-0"), "f", "v"]);
    }
    ok(redis, &["XADD", "tomb", "20-0", "g", "w"]);
    ok(redis, &["XDEL", "tomb", "10-0"]);
    ok(redis, &["XTRIM", "tomb", "MINID", "10"]);

    // Emptied streams, with and without groups.
    ok(redis, &["XADD", "empty", "5-5", "f", "v"]);
    ok(redis, &["XDEL", "empty", "5-5"]);
    ok(
        redis,
        &["XGROUP", "CREATE", "mkstream", "g", "$", "MKSTREAM"],
    );
    ok(
        redis,
        &["XGROUP", "CREATECONSUMER", "mkstream", "g", "nobody"],
    );

    ok(redis, &["XADD", "setid", "1-1", "f", "v"]);
    ok(
        redis,
        &[
            "XSETID",
            "setid",
            "100-0",
            "ENTRIESADDED",
            "50",
            "MAXDELETEDID",
            "50-0",
        ],
    );

    // Integer field names and values of every listpack integer width, seq wrapping.
    let numbers = [
        "0",
        "-1",
        "127",
        "128",
        "-4096",
        "4095",
        "32767",
        "-32769",
        "8388607",
        "8388608",
        "2147483647",
        "-2147483649",
        "9223372036854775807",
        "-9223372036854775808",
        "007",
        "1.0",
        "",
    ];
    for (i, v) in numbers.iter().enumerate() {
        let id = format!("{}-{}", 5 + i / 3, u64::MAX - 3 + (i as u64 % 3));
        ok(redis, &["XADD", "numbers", &id, v, v, "12", v]);
    }

    // Groups read and acknowledged in full, whose consumers then have nothing pending.
    ok(redis, &["XADD", "old-groups", "1-0", "f", "v"]);
    ok(redis, &["XADD", "old-groups", "2-0", "f", "v"]);
    ok(redis, &["XGROUP", "CREATE", "old-groups", "g", "0"]);
    ok(
        redis,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "STREAMS",
            "old-groups",
            ">",
        ],
    );
    ok(redis, &["XACK", "old-groups", "g", "1-0", "2-0"]);
}

fn bulk(reply: Reply) -> Bytes {
    match reply {
        Reply::Bulk(b) => b,
        other => panic!("not a bulk string: {other:?}"),
    }
}

/// Everything Redis tells of `key`: `XINFO STREAM … FULL`, `XRANGE`, and per group
/// `XPENDING` in both forms.
fn describe(redis: &mut Redis, key: &str) -> Vec<Reply> {
    let mut out = vec![
        redis.cmd(&["XINFO", "STREAM", key, "FULL"]),
        redis.cmd(&["XRANGE", key, "-", "+"]),
    ];
    let Reply::Array(groups) = redis.cmd(&["XINFO", "GROUPS", key]) else {
        panic!("no groups reply");
    };
    for g in groups {
        let Reply::Array(fields) = g else {
            panic!("a group is an array")
        };
        let name = String::from_utf8(bulk(fields[1].clone()).to_vec()).unwrap();
        out.push(redis.cmd(&["XPENDING", key, &name]));
        // Less the idle times, which run on.
        let Reply::Array(pending) = redis.cmd(&["XPENDING", key, &name, "-", "+", "1000"]) else {
            panic!("no pending reply");
        };
        out.push(Reply::Array(
            pending
                .into_iter()
                .map(|p| match p {
                    Reply::Array(mut p) => {
                        p[2] = Reply::Nil;
                        Reply::Array(p)
                    }
                    other => other,
                })
                .collect(),
        ));
    }
    out
}

/// Asserts `ours` and `theirs` alike, showing the first difference briefly.
fn same(ours: &[Reply], theirs: &[Reply], key: &str) {
    let short = |r: &Reply| {
        let mut s = format!("{r:?}");
        s.truncate(1500);
        s
    };
    assert_eq!(ours.len(), theirs.len(), "{key}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        if a != b {
            let (Reply::Array(x), Reply::Array(y)) = (a, b) else {
                panic!("{key} part {i}: {} vs {}", short(a), short(b));
            };
            let at = x.iter().zip(y).position(|(p, q)| p != q);
            let shown = at.map(|j| (short(&x[j]), short(&y[j])));
            panic!(
                "{key} part {i}, element {at:?} of {}/{}: {shown:?}",
                x.len(),
                y.len()
            );
        }
    }
}

/// `reply` with every consumer's `seen-time` blanked (a rebuild by commands sets it), and
/// the stream's node counts (commands rebuild the nodes without deleted entries).
fn without_seen_times(reply: Reply) -> Reply {
    match reply {
        Reply::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut blank = false;
            for item in items {
                if blank {
                    out.push(Reply::Nil);
                    blank = false;
                    continue;
                }
                blank = ["seen-time", "radix-tree-keys", "radix-tree-nodes"]
                    .iter()
                    .any(|&name| item == Reply::from(name));
                out.push(without_seen_times(item));
            }
            Reply::Array(out)
        }
        other => other,
    }
}

#[test]
fn streams_dumped_by_redis_restore_here_and_dump_back_the_same() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    build(&mut redis);
    let store = Store::new();
    for key in KEYS {
        let payload = bulk(redis.cmd(&["DUMP", key]));
        store
            .keys()
            .restore(key, &payload, RestoreOptions::default())
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        let ours = store.keys().dump(key).unwrap().unwrap();
        assert_eq!(&ours[..], &payload[..], "{key}: the same bytes");
        let copy = format!("{key}:copy");
        assert_eq!(
            redis.cmd(&[&b"RESTORE"[..], copy.as_bytes(), b"0", &ours]),
            Reply::ok()
        );
        let theirs = describe(&mut redis, key);
        same(&describe(&mut redis, &copy), &theirs, key);
    }
    // Uncompressed too (`rdbcompression no` on both sides).
    ok(&mut redis, &["CONFIG", "SET", "rdbcompression", "no"]);
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["CONFIG", "SET", "rdbcompression", "no"]),
        Reply::ok()
    );
    for key in KEYS {
        let payload = bulk(redis.cmd(&["DUMP", key]));
        assert_eq!(
            &store.keys().dump(key).unwrap().unwrap()[..],
            &payload[..],
            "{key}"
        );
    }
}

#[test]
fn a_snapshot_with_streams_opens_here_and_saved_again_loads_in_redis() {
    let theirs = temp_dir("theirs");
    let Some(mut redis) = Redis::start_with(&["--dir", theirs.to_str().unwrap()]) else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    build(&mut redis);
    assert_eq!(redis.cmd(&["SAVE"]), Reply::ok());
    let ours = temp_dir("ours");
    std::fs::copy(theirs.join("dump.rdb"), ours.join("dump.rdb")).unwrap();
    let store = Store::builder()
        .dir(&ours)
        .open()
        .expect("Redis's snapshot opens");
    for key in KEYS {
        assert_eq!(
            store.keys().dump(key).unwrap().map(|p| p.to_vec()),
            Some(bulk(redis.cmd(&["DUMP", key])).to_vec()),
            "{key}"
        );
    }
    store.save().unwrap();
    drop(store);
    let Some(mut again) = Redis::start_with(&["--dir", ours.to_str().unwrap()]) else {
        panic!("a second redis-server does not start");
    };
    for key in KEYS {
        let theirs = describe(&mut redis, key);
        same(&describe(&mut again, key), &theirs, key);
    }
    let _ = std::fs::remove_dir_all(&theirs);
    let _ = std::fs::remove_dir_all(&ours);
}

/// The commands of a base in command form.
fn commands(mut text: &[u8]) -> Vec<Vec<Vec<u8>>> {
    fn line<'a>(text: &mut &'a [u8]) -> &'a [u8] {
        let end = text.windows(2).position(|w| w == b"\r\n").unwrap();
        let l = &text[..end];
        *text = &text[end + 2..];
        l
    }
    let number = |l: &[u8]| -> usize { std::str::from_utf8(&l[1..]).unwrap().parse().unwrap() };
    let mut out = Vec::new();
    while !text.is_empty() {
        let n = number(line(&mut text));
        let mut args = Vec::new();
        for _ in 0..n {
            let len = number(line(&mut text));
            args.push(text[..len].to_vec());
            text = &text[len + 2..];
        }
        out.push(args);
    }
    out
}

/// The base of the newest rewrite under `dir` in command form, waiting (up to 10 s)
/// for a background one to finish.
fn base_of(dir: &Path) -> Vec<u8> {
    let start = std::time::Instant::now();
    loop {
        let found = std::fs::read_dir(dir.join("appendonlydir"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".base.aof"))
            .max();
        if let Some(path) = found {
            return std::fs::read(path).unwrap();
        }
        assert!(
            start.elapsed().as_secs() < 10,
            "no base under {}",
            dir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The commands of a base by the key they rebuild (`SELECT` left out).
fn by_key(base: &[u8]) -> std::collections::BTreeMap<Vec<u8>, Vec<Vec<Vec<u8>>>> {
    let mut out: std::collections::BTreeMap<_, Vec<_>> = std::collections::BTreeMap::new();
    for args in commands(base) {
        let key = match &args[0][..] {
            b"SELECT" => continue,
            b"XGROUP" => args[2].clone(),
            _ => args[1].clone(),
        };
        out.entry(key).or_default().push(args);
    }
    out
}

/// Redis's own rewrite (`aof-use-rdb-preamble no`) is the oracle: the store's base holds
/// the same commands for each stream, and they rebuild the streams in a fresh Redis.
/// (Redis's rewrite drops a pending entry whose message was deleted: `XCLAIM … FORCE`
/// claims only entries still in the stream.)
#[test]
fn a_rewrite_in_command_form_is_redis_s_and_rebuilds_the_streams() {
    let theirs_dir = temp_dir("aof-theirs");
    let Some(mut redis) = Redis::start_with(&[
        "--dir",
        theirs_dir.to_str().unwrap(),
        "--aof-use-rdb-preamble",
        "no",
    ]) else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    build(&mut redis);
    let dir = temp_dir("aof");
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .aof_use_rdb_preamble(false)
        .open()
        .unwrap();
    for key in KEYS {
        let payload = bulk(redis.cmd(&["DUMP", key]));
        store
            .keys()
            .restore(key, &payload, RestoreOptions::default())
            .unwrap();
    }
    store.bgrewriteaof().unwrap().wait().unwrap();
    let ours = base_of(&dir);
    drop(store);
    ok(&mut redis, &["BGREWRITEAOF"]);
    let theirs = by_key(&base_of(&theirs_dir));
    let mine = by_key(&ours);
    for key in KEYS {
        let show = |c: Option<&Vec<Vec<Vec<u8>>>>| {
            c.map(|c| {
                c.iter()
                    .map(|a| {
                        a.iter()
                            .map(|x| String::from_utf8_lossy(x).into_owned())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
            })
        };
        let (a, b) = (mine.get(key.as_bytes()), theirs.get(key.as_bytes()));
        // With its groups, as Redis writes it.
        assert!(a == b, "{key}: {:?}\nvs Redis's {:?}", show(a), show(b));
    }
    let Some(mut fresh) = Redis::start() else {
        panic!("a second redis-server does not start");
    };
    for args in commands(&ours) {
        let reply = fresh.cmd(&args);
        assert!(
            !matches!(reply, Reply::Error(_)),
            "{:?}: {reply:?}",
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        );
    }
    // Redis's own rewrite does not rebuild a group whole (its count of entries read,
    // pending entries whose message was deleted): what ours rebuilds is compared with
    // what Redis's rebuilds.
    let Some(mut replayed) = Redis::start() else {
        panic!("a third redis-server does not start");
    };
    for args in commands(&base_of(&theirs_dir)) {
        replayed.cmd(&args);
    }
    for key in KEYS {
        let theirs: Vec<Reply> = describe(&mut replayed, key)
            .into_iter()
            .map(without_seen_times)
            .collect();
        let rebuilt: Vec<Reply> = describe(&mut fresh, key)
            .into_iter()
            .map(without_seen_times)
            .collect();
        same(&rebuilt, &theirs, key);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&theirs_dir);
}
