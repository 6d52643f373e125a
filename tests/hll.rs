//! HLL scenarios (`PFADD`, `PFCOUNT`, `PFMERGE`, `PFDEBUG`, `PFSELFTEST`), and
//! differential runs against a real `redis-server` comparing every reply and the bytes
//! of every HLL (skipped without redis-server unless `EMBEDIS_REQUIRE_REDIS=1`).

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use embedis::{Error, Reply, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use redis_client::Redis;

fn run(conn: &mut embedis::Connection, args: &[&[u8]]) -> Reply {
    conn.execute(args)
}

fn bytes(store: &Store, key: &str) -> Vec<u8> {
    store.strings().get(key).unwrap().unwrap().to_vec()
}

// ---- scenarios ----

#[test]
fn pfadd_creates_the_key_even_without_elements() {
    let store = Store::new();
    let mut c = store.connection();
    assert_eq!(run(&mut c, &[b"PFADD", b"h"]), Reply::Integer(1));
    assert_eq!(run(&mut c, &[b"PFADD", b"h"]), Reply::Integer(0));
    // Sparse, one XZERO run, the cache marked stale by the add.
    assert_eq!(
        bytes(&store, "h"),
        b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff".to_vec()
    );
    assert_eq!(store.hyperloglogs().pfcount(["h"]).unwrap(), 0);
    assert_eq!(
        bytes(&store, "h"),
        b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff".to_vec()
    );
}

#[test]
fn pfadd_answers_whether_a_register_changed() {
    let store = Store::new();
    let hll = store.hyperloglogs();
    assert!(hll.pfadd("h", ["a", "b", "c"]).unwrap());
    assert!(!hll.pfadd("h", ["a", "b", "c"]).unwrap());
    assert!(!hll.pfadd("h", Vec::<&str>::new()).unwrap());
    assert_eq!(hll.pfcount(["h"]).unwrap(), 3);
    // Element "a" sets register 12711 to 2 (as redis-server does).
    let mut c = store.connection();
    let regs = run(&mut c, &[b"PFDEBUG", b"GETREG", b"h"]);
    let Reply::Array(regs) = regs else {
        panic!("{regs:?}")
    };
    assert_eq!(regs.len(), 16384);
    assert_eq!(regs[12711], Reply::Integer(2));
}

#[test]
fn pfcount_caches_the_cardinality_in_the_header() {
    let store = Store::new();
    let hll = store.hyperloglogs();
    hll.pfadd("h", (0..100).map(|i| i.to_string())).unwrap();
    assert_eq!(bytes(&store, "h")[15] & 0x80, 0x80);
    assert_eq!(hll.pfcount(["h"]).unwrap(), 100);
    let b = bytes(&store, "h");
    assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), 100);
    // A forged cache is what PFCOUNT answers while it is valid.
    store.bits().setbit("h", 8 * 8 + 7, true).unwrap();
    assert_eq!(hll.pfcount(["h"]).unwrap(), 101);
    // The union of several keys does not touch their caches.
    hll.pfadd("g", ["x"]).unwrap();
    let g = bytes(&store, "g");
    assert_eq!(hll.pfcount(["h", "g"]).unwrap(), 101);
    assert_eq!(bytes(&store, "g"), g);
}

#[test]
fn stale_pfcount_is_a_change_watch_sees() {
    let store = Store::new();
    store.hyperloglogs().pfadd("h", ["a"]).unwrap();
    let mut c = store.connection();
    let mut other = store.connection();
    assert_eq!(run(&mut c, &[b"WATCH", b"h"]), Reply::ok());
    assert_eq!(run(&mut other, &[b"PFCOUNT", b"h"]), Reply::Integer(1));
    run(&mut c, &[b"MULTI"]);
    run(&mut c, &[b"PING"]);
    assert_eq!(run(&mut c, &[b"EXEC"]), Reply::NilArray);
    // A cached count changes nothing.
    assert_eq!(run(&mut c, &[b"WATCH", b"h"]), Reply::ok());
    assert_eq!(run(&mut other, &[b"PFCOUNT", b"h"]), Reply::Integer(1));
    run(&mut c, &[b"MULTI"]);
    run(&mut c, &[b"PING"]);
    assert_eq!(
        run(&mut c, &[b"EXEC"]),
        Reply::Array(vec![Reply::Simple("PONG".into())])
    );
}

#[test]
fn a_change_of_form_is_one_watch_does_not_see() {
    let store = Store::new();
    let mut c = store.connection();
    let mut other = store.connection();
    let pong = Reply::Array(vec![Reply::Simple("PONG".into())]);
    let watched_exec = |c: &mut embedis::Connection| {
        run(c, &[b"MULTI"]);
        run(c, &[b"PING"]);
        run(c, &[b"EXEC"])
    };
    let conversions: [&[&[u8]]; 2] = [
        &[b"PFDEBUG", b"TODENSE", b"h"],
        &[b"PFDEBUG", b"GETREG", b"h"],
    ];
    for convert in conversions {
        // Alone, and inside another client's transaction: as Redis, which counts the
        // conversion as a change but signals no watcher.
        for queued in [false, true] {
            run(&mut c, &[b"DEL", b"h"]);
            store.hyperloglogs().pfadd("h", ["a"]).unwrap();
            assert_eq!(run(&mut c, &[b"WATCH", b"h"]), Reply::ok());
            if queued {
                run(&mut other, &[b"MULTI"]);
                run(&mut other, convert);
                assert!(matches!(run(&mut other, &[b"EXEC"]), Reply::Array(_)));
            } else {
                assert!(!matches!(run(&mut other, convert), Reply::Error(_)));
            }
            assert_eq!(
                run(&mut other, &[b"PFDEBUG", b"ENCODING", b"h"]),
                Reply::Simple("dense".into())
            );
            assert_eq!(watched_exec(&mut c), pong, "{convert:?} queued: {queued}");
        }
    }
    // A real change still is.
    assert_eq!(run(&mut c, &[b"WATCH", b"h"]), Reply::ok());
    assert_eq!(run(&mut other, &[b"PFADD", b"h", b"b"]), Reply::Integer(1));
    assert_eq!(watched_exec(&mut c), Reply::NilArray);
}

#[test]
fn wrong_values_answer_redis_errors() {
    let store = Store::new();
    let hll = store.hyperloglogs();
    store.lists().lpush("list", ["x"]).unwrap();
    store.strings().set("text", "hello").unwrap();
    assert_eq!(hll.pfadd("list", ["a"]), Err(Error::WrongType));
    assert_eq!(hll.pfadd("text", ["a"]), Err(Error::NotHll));
    assert_eq!(hll.pfcount(["text"]), Err(Error::NotHll));
    assert_eq!(
        Error::NotHll.to_string(),
        "WRONGTYPE Key is not a valid HyperLogLog string value."
    );
    // In key order: the first bad key decides.
    hll.pfadd("h", ["a"]).unwrap();
    assert_eq!(hll.pfcount(["h", "list", "text"]), Err(Error::WrongType));
    assert_eq!(hll.pfcount(["h", "text", "list"]), Err(Error::NotHll));
    assert_eq!(hll.pfmerge("text", ["list"]), Err(Error::NotHll));
    assert_eq!(hll.pfmerge("h", ["list", "text"]), Err(Error::WrongType));
    // A dense one of the wrong length is not a HyperLogLog.
    let mut dense = b"HYLL".to_vec();
    dense.resize(12303, 0);
    store.strings().set("short", &dense).unwrap();
    assert_eq!(hll.pfcount(["short"]), Err(Error::NotHll));
    // Sparse opcodes not covering 16384 registers are corrupt.
    store
        .strings()
        .set("bad", b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xfe")
        .unwrap();
    assert_eq!(hll.pfcount(["bad"]), Err(Error::CorruptHll));
    assert_eq!(hll.pfcount(["h", "bad"]), Err(Error::CorruptHll));
    assert_eq!(hll.pfmerge("h", ["bad"]), Err(Error::CorruptHll));
    assert_eq!(
        Error::CorruptHll.to_string(),
        "INVALIDOBJ Corrupted HLL object detected"
    );
    assert_eq!(hll.pfcount(["h"]).unwrap(), 1);
}

#[test]
fn sparse_turns_dense_past_the_configured_size() {
    let store = Store::new();
    let mut c = store.connection();
    let hll = store.hyperloglogs();
    hll.pfadd("h", (0..100).map(|i| i.to_string())).unwrap();
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"ENCODING", b"h"]),
        Reply::Simple("sparse".into())
    );
    let len = bytes(&store, "h").len();
    assert!(len > 100 && len < 3000, "{len}");
    assert_eq!(
        run(&mut c, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b"20"]),
        Reply::ok()
    );
    assert_eq!(
        run(&mut c, &[b"CONFIG", b"GET", b"hll-sparse-max-bytes"]),
        Reply::Array(vec![
            Reply::Bulk("hll-sparse-max-bytes".into()),
            Reply::Bulk("20".into())
        ])
    );
    hll.pfadd("s", ["a", "b", "c", "d"]).unwrap();
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"ENCODING", b"s"]),
        Reply::Simple("dense".into())
    );
    assert_eq!(bytes(&store, "s").len(), 12304);
    assert_eq!(hll.pfcount(["s"]).unwrap(), 4);
    assert!(matches!(
        run(&mut c, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b"-1"]),
        Reply::Error(e) if e.starts_with(b"ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument must be a memory value")
    ));
}

#[test]
fn pfmerge_includes_dest_and_goes_dense_with_a_dense_source() {
    let store = Store::new();
    let hll = store.hyperloglogs();
    let mut c = store.connection();
    hll.pfadd("dest", ["a"]).unwrap();
    hll.pfadd("s1", ["b"]).unwrap();
    hll.pfmerge("dest", ["s1", "missing"]).unwrap();
    assert_eq!(hll.pfcount(["dest"]).unwrap(), 2);
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"ENCODING", b"dest"]),
        Reply::Simple("sparse".into())
    );
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"TODENSE", b"s1"]),
        Reply::Integer(1)
    );
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"TODENSE", b"s1"]),
        Reply::Integer(0)
    );
    hll.pfmerge("new", ["s1"]).unwrap();
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"ENCODING", b"new"]),
        Reply::Simple("dense".into())
    );
    assert_eq!(hll.pfcount(["new"]).unwrap(), 1);
    // With no sources at all, PFMERGE creates an empty HyperLogLog.
    assert_eq!(run(&mut c, &[b"PFMERGE", b"empty"]), Reply::ok());
    assert_eq!(hll.pfcount(["empty"]).unwrap(), 0);
}

#[test]
fn pfdebug_subcommands_and_errors() {
    let store = Store::new();
    let mut c = store.connection();
    store.hyperloglogs().pfadd("h", ["a", "b"]).unwrap();
    let decoded = run(&mut c, &[b"PFDEBUG", b"DECODE", b"h"]);
    assert!(
        matches!(&decoded, Reply::Bulk(b) if b.starts_with(b"Z:") && b.windows(2).any(|w| w == b"v:")),
        "{decoded:?}"
    );
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"nope", b"missing"]),
        Reply::Error("ERR The specified key does not exist".into())
    );
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"nope", b"h"]),
        Reply::Error("ERR Unknown PFDEBUG subcommand 'nope'".into())
    );
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"a\nb\rc", b"h"]),
        Reply::Error("ERR Unknown PFDEBUG subcommand 'a b c'".into())
    );
    run(&mut c, &[b"PFDEBUG", b"TODENSE", b"h"]);
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"DECODE", b"h"]),
        Reply::Error("ERR HLL encoding is not sparse".into())
    );
    store.strings().set("s", "x").unwrap();
    assert_eq!(
        run(&mut c, &[b"PFDEBUG", b"ENCODING", b"s"]),
        Reply::Error("WRONGTYPE Key is not a valid HyperLogLog string value.".into())
    );
}

#[test]
fn pfselftest_answers_ok() {
    let store = Store::new();
    let mut c = store.connection();
    assert_eq!(run(&mut c, &[b"PFSELFTEST"]), Reply::ok());
}

#[test]
fn a_ttl_survives_pfadd_and_pfmerge() {
    let store = Store::new();
    let hll = store.hyperloglogs();
    hll.pfadd("h", ["a"]).unwrap();
    store
        .keys()
        .expire("h", std::time::Duration::from_secs(100))
        .unwrap();
    hll.pfadd("h", ["b"]).unwrap();
    hll.pfmerge("h", ["h"]).unwrap();
    assert!(matches!(
        store.keys().ttl("h").unwrap(),
        embedis::Ttl::Expires(_)
    ));
}

#[test]
fn pfadd_and_pfmerge_announce_pfadd_and_new_keys() {
    let store = Store::builder()
        .notify_keyspace_events(embedis::KeyspaceEvents::parse("KEAn").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@0__:*"]);
    let hll = store.hyperloglogs();
    hll.pfadd("h", ["a"]).unwrap();
    hll.pfadd("h", ["a"]).unwrap();
    hll.pfcount(["h"]).unwrap();
    hll.pfmerge("m", ["h"]).unwrap();
    let got: Vec<(String, String)> = sub
        .iter_pending()
        .map(|m| {
            (
                String::from_utf8(m.channel.to_vec()).unwrap(),
                String::from_utf8(m.payload.to_vec()).unwrap(),
            )
        })
        .collect();
    let want = [
        ("__keyevent@0__:new", "h"),
        ("__keyevent@0__:pfadd", "h"),
        ("__keyevent@0__:new", "m"),
        ("__keyevent@0__:pfadd", "m"),
    ];
    assert_eq!(
        got,
        want.map(|(c, k)| (c.to_owned(), k.to_owned())).to_vec()
    );
}

#[test]
fn the_log_records_pfcount_that_caches_and_replays_to_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("embedis-hll-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = || {
        Store::builder()
            .dir(&dir)
            .appendonly(true)
            .appendfsync(embedis::AppendFsync::Always)
            .open()
            .unwrap()
    };
    let store = open();
    let hll = store.hyperloglogs();
    let mut c = store.connection();
    hll.pfadd("a", (0..50).map(|i| format!("a{i}"))).unwrap();
    hll.pfadd("b", (0..50).map(|i| format!("b{i}"))).unwrap();
    assert!(!hll.pfadd("a", ["a1"]).unwrap());
    assert_eq!(hll.pfcount(["a"]).unwrap(), 50);
    hll.pfmerge("m", ["a", "b"]).unwrap();
    run(&mut c, &[b"PFDEBUG", b"TODENSE", b"b"]);
    let before: Vec<Vec<u8>> = ["a", "b", "m"].iter().map(|k| bytes(&store, k)).collect();
    drop(c);
    drop(store);
    let log: Vec<u8> = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    let text = String::from_utf8_lossy(&log);
    assert!(text.contains("$7\r\nPFCOUNT\r\n$1\r\na\r\n"), "{text}");
    assert!(text.contains("PFMERGE") && text.contains("TODENSE"));
    assert_eq!(text.matches("PFADD").count(), 2);
    let again = open();
    let after: Vec<Vec<u8>> = ["a", "b", "m"].iter().map(|k| bytes(&again, k)).collect();
    assert_eq!(after, before);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- differential ----

/// The HLL keys of a run, plus a plain string and a list.
const KEYS: [&str; 6] = ["h0", "h1", "h2", "h3", "str", "list"];

fn random_command(rng: &mut SmallRng) -> Vec<Vec<u8>> {
    let key = |rng: &mut SmallRng| {
        let n = if rng.gen_bool(0.9) { 4 } else { 6 };
        KEYS[rng.gen_range(0..n)].as_bytes().to_vec()
    };
    let element = |rng: &mut SmallRng| {
        let n: u32 = rng.gen_range(0..20_000);
        format!("e{n}").into_bytes()
    };
    let mut cmd: Vec<Vec<u8>> = Vec::new();
    match rng.gen_range(0..100) {
        0..=44 => {
            cmd.push(b"PFADD".to_vec());
            cmd.push(key(rng));
            let n = match rng.gen_range(0..10) {
                0 => 0,
                1..=6 => rng.gen_range(1..4),
                _ => rng.gen_range(10..300),
            };
            for _ in 0..n {
                cmd.push(element(rng));
            }
        }
        45..=64 => {
            cmd.push(b"PFCOUNT".to_vec());
            for _ in 0..rng.gen_range(1..4) {
                cmd.push(key(rng));
            }
        }
        65..=74 => {
            cmd.push(b"PFMERGE".to_vec());
            for _ in 0..rng.gen_range(1..4) {
                cmd.push(key(rng));
            }
        }
        75..=84 => {
            let sub: &[u8] = match rng.gen_range(0..20) {
                0 => b"GETREG",
                1..=3 => b"TODENSE",
                4..=10 => b"DECODE",
                11 => b"bogus",
                _ => b"ENCODING",
            };
            cmd.extend([b"PFDEBUG".to_vec(), sub.to_vec(), key(rng)]);
        }
        85..=89 => {
            // Damage: a byte or two somewhere, often in the opcodes.
            let offset: u32 = match rng.gen_range(0..4) {
                0 => rng.gen_range(0..16),
                1 => rng.gen_range(16..40),
                2 => rng.gen_range(0..3000),
                _ => rng.gen_range(0..12400),
            };
            let len = rng.gen_range(1..3);
            let value: Vec<u8> = (0..len).map(|_| rng.r#gen::<u8>()).collect();
            cmd.extend([
                b"SETRANGE".to_vec(),
                key(rng),
                offset.to_string().into_bytes(),
                value,
            ]);
        }
        90..=92 => {
            cmd.extend([b"CONFIG".to_vec(), b"SET".to_vec()]);
            cmd.push(b"hll-sparse-max-bytes".to_vec());
            let v: u32 = *[0u32, 50, 300, 3000, 3000, 8000]
                .get(rng.gen_range(0..6))
                .unwrap_or(&3000);
            cmd.push(v.to_string().into_bytes());
        }
        93..=95 => cmd.extend([b"DEL".to_vec(), key(rng)]),
        _ => cmd.extend([b"GET".to_vec(), key(rng)]),
    }
    cmd
}

fn setup(c: &mut dyn FnMut(&[&[u8]]) -> Reply) {
    c(&[b"SET", b"str", b"hello"]);
    c(&[b"RPUSH", b"list", b"x"]);
}

#[test]
fn differential_random_sequences_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let rounds: u64 = std::env::var("EMBEDIS_HLL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for seed in 0..rounds {
        let store = Store::new();
        let mut ours = store.connection();
        redis.cmd(&[b"FLUSHALL".as_slice()]);
        redis.cmd(&[
            b"CONFIG".as_slice(),
            b"SET",
            b"hll-sparse-max-bytes",
            b"3000",
        ]);
        setup(&mut |a| ours.execute(a));
        setup(&mut |a| redis.cmd(a));
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut history = Vec::new();
        // Some commands run inside MULTI … EXEC, whose replies are compared too.
        let mut queued = 0u32;
        for step in 0..400 {
            let cmd = if queued == 0 && rng.gen_ratio(1, 40) {
                queued = rng.gen_range(2..5);
                vec![b"MULTI".to_vec()]
            } else if queued == 1 {
                queued = 0;
                vec![b"EXEC".to_vec()]
            } else {
                queued = queued.saturating_sub(1);
                random_command(&mut rng)
            };
            let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
            let want = redis.cmd(&args);
            let got = ours.execute(&args);
            if got != want {
                for key in &KEYS[..4] {
                    let get = [b"GET".as_slice(), key.as_bytes()];
                    if let Reply::Bulk(b) = redis.cmd(&get) {
                        let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
                        eprintln!("{key}: {}", hex.concat());
                    }
                }
            }
            history.push(
                args.iter()
                    .map(|a| String::from_utf8_lossy(&a[..a.len().min(40)]).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            assert_eq!(
                got,
                want,
                "seed {seed} step {step}: {}\nhistory:\n{}",
                history.last().unwrap(),
                history[history.len().saturating_sub(15)..].join("\n")
            );
            for key in &KEYS[..4] {
                let get = [b"GET".as_slice(), key.as_bytes()];
                assert_eq!(
                    ours.execute(&get),
                    redis.cmd(&get),
                    "seed {seed} step {step}: bytes of {key} after {}",
                    history.last().unwrap()
                );
            }
        }
        if queued > 0 {
            let exec = [b"EXEC".as_slice()];
            assert_eq!(
                ours.execute(&exec),
                redis.cmd(&exec),
                "seed {seed}: the last EXEC"
            );
        }
    }
}

#[test]
fn differential_bytes_written_by_redis_work_here() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let store = Store::new();
    let mut ours = store.connection();
    let mut rng = SmallRng::seed_from_u64(7);
    for (round, n) in [0usize, 1, 5, 40, 400, 2000, 6000].into_iter().enumerate() {
        let key = format!("r{round}");
        let mut add = vec![b"PFADD".to_vec(), key.clone().into_bytes()];
        add.extend((0..n).map(|_| rng.r#gen::<u64>().to_string().into_bytes()));
        redis.cmd(&add);
        let get = [b"GET".as_slice(), key.as_bytes()];
        let Reply::Bulk(theirs) = redis.cmd(&get) else {
            panic!("no bytes for {key}")
        };
        ours.execute(&[b"SET".as_slice(), key.as_bytes(), &theirs]);
        let count = [b"PFCOUNT".as_slice(), key.as_bytes()];
        assert_eq!(ours.execute(&count), redis.cmd(&count), "{key}");
        assert_eq!(ours.execute(&get), redis.cmd(&get), "{key}");
        let more = [b"PFADD".as_slice(), key.as_bytes(), b"x", b"y", b"zz"];
        assert_eq!(ours.execute(&more), redis.cmd(&more), "{key}");
        assert_eq!(ours.execute(&get), redis.cmd(&get), "{key}");
        assert_eq!(ours.execute(&count), redis.cmd(&count), "{key}");
        // And the other way: our bytes into redis-server.
        let Reply::Bulk(mine) = ours.execute(&get) else {
            panic!()
        };
        let copy = format!("{key}-copy");
        redis.cmd(&[b"SET".as_slice(), copy.as_bytes(), &mine]);
        ours.execute(&[b"SET".as_slice(), copy.as_bytes(), &mine]);
        let union = [b"PFCOUNT".as_slice(), copy.as_bytes(), b"r0"];
        assert_eq!(ours.execute(&union), redis.cmd(&union), "{key}");
    }
}

/// A sparse body of random opcodes covering about 2^14 registers: exactly, a little
/// short, a little over, or cut inside its last opcode.
fn damaged_sparse(rng: &mut SmallRng) -> Vec<u8> {
    let mut s = b"HYLL\x01\0\0\0".to_vec();
    let card: u64 = rng.gen_range(0..1000);
    s.extend(card.to_le_bytes());
    if rng.gen_bool(0.5) {
        s[15] |= 0x80;
    }
    let target: i64 = 16384 + rng.gen_range(-3..3) * i64::from(rng.gen_bool(0.5));
    let mut covered = 0i64;
    while covered < target {
        let left = target - covered;
        match rng.gen_range(0..3) {
            0 => {
                let len = rng.gen_range(1..=64.min(left));
                s.push(u8::try_from(len - 1).unwrap());
                covered += len;
            }
            1 => {
                let len = rng.gen_range(1..=16384.min(left));
                let l = u16::try_from(len - 1).unwrap();
                s.push(0x40 | u8::try_from(l >> 8).unwrap());
                s.push(u8::try_from(l & 0xff).unwrap());
                covered += len;
            }
            _ => {
                let len = rng.gen_range(1..=4.min(left));
                let value: u8 = rng.gen_range(1..=32);
                s.push(0x80 | (value - 1) << 2 | u8::try_from(len - 1).unwrap());
                covered += len;
            }
        }
    }
    match rng.gen_range(0..8) {
        0 => {
            s.pop();
        }
        1 => s.push(rng.r#gen()),
        _ => {}
    }
    s
}

#[test]
fn differential_damaged_sparse_strings_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let store = Store::new();
    let mut ours = store.connection();
    let mut rng = SmallRng::seed_from_u64(99);
    let cases: u32 = std::env::var("EMBEDIS_HLL_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(1500, |r| r * 100);
    for case in 0..cases {
        let body = damaged_sparse(&mut rng);
        let mut script: Vec<Vec<Vec<u8>>> = vec![
            vec![b"DEL".to_vec(), b"k".to_vec(), b"d".to_vec()],
            vec![b"SET".to_vec(), b"k".to_vec(), body.clone()],
        ];
        if rng.gen_bool(0.3) {
            script.push(vec![
                b"CONFIG".to_vec(),
                b"SET".to_vec(),
                b"hll-sparse-max-bytes".to_vec(),
                (body.len() + rng.gen_range(0..6)).to_string().into_bytes(),
            ]);
        }
        for _ in 0..rng.gen_range(1..4) {
            let cmd: Vec<Vec<u8>> = match rng.gen_range(0..8) {
                0..=2 => {
                    let mut c = vec![b"PFADD".to_vec(), b"k".to_vec()];
                    for _ in 0..rng.gen_range(1..40) {
                        c.push(rng.r#gen::<u32>().to_string().into_bytes());
                    }
                    c
                }
                3 => vec![b"PFCOUNT".to_vec(), b"k".to_vec()],
                4 => vec![b"PFCOUNT".to_vec(), b"k".to_vec(), b"d".to_vec()],
                5 => vec![b"PFMERGE".to_vec(), b"d".to_vec(), b"k".to_vec()],
                6 => vec![b"PFDEBUG".to_vec(), b"DECODE".to_vec(), b"k".to_vec()],
                _ => vec![b"PFDEBUG".to_vec(), b"TODENSE".to_vec(), b"k".to_vec()],
            };
            script.push(cmd);
            script.push(vec![b"GET".to_vec(), b"k".to_vec()]);
            script.push(vec![b"GET".to_vec(), b"d".to_vec()]);
        }
        script.push(vec![
            b"CONFIG".to_vec(),
            b"SET".to_vec(),
            b"hll-sparse-max-bytes".to_vec(),
            b"3000".to_vec(),
        ]);
        for cmd in &script {
            let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
            let want = redis.cmd(&args);
            let got = ours.execute(&args);
            let hex: Vec<String> = body.iter().map(|x| format!("{x:02x}")).collect();
            assert_eq!(
                got,
                want,
                "case {case}: {} after SET k {}",
                String::from_utf8_lossy(&cmd[0]),
                hex.concat()
            );
        }
    }
}

#[test]
fn differential_hll_sparse_max_bytes_is_validated_as_redis_does() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let store = Store::new();
    let mut ours = store.connection();
    for value in [
        "-1",
        "abc",
        "1kb",
        "1K",
        "2mb",
        "5b",
        "0",
        " 5",
        "",
        "99999999999999999999",
        "9223372036854775808",
        "9223372036854775807",
        "3000",
    ] {
        let set = ["CONFIG", "SET", "hll-sparse-max-bytes", value];
        assert_eq!(ours.execute(&set), redis.cmd(&set), "{value:?}");
        let get = ["CONFIG", "GET", "hll-sparse-max-bytes"];
        assert_eq!(ours.execute(&get), redis.cmd(&get), "{value:?}");
    }
}

#[test]
fn differential_dump_of_redis_restores_here() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("redis-server not available: skipped");
        return;
    };
    let store = Store::new();
    let mut ours = store.connection();
    for (key, n) in [("few", 3u32), ("some", 300), ("many", 5000)] {
        let mut add = vec![b"PFADD".to_vec(), key.as_bytes().to_vec()];
        add.extend((0..n).map(|i| format!("m{i}").into_bytes()));
        redis.cmd(&add);
        let Reply::Bulk(payload) = redis.cmd(&[b"DUMP".as_slice(), key.as_bytes()]) else {
            panic!("no payload for {key}")
        };
        assert_eq!(
            ours.execute(&[b"RESTORE".as_slice(), key.as_bytes(), b"0", &payload]),
            Reply::ok()
        );
        for cmd in [
            vec![b"PFCOUNT".as_slice(), key.as_bytes()],
            vec![b"GET".as_slice(), key.as_bytes()],
            vec![b"PFDEBUG".as_slice(), b"ENCODING", key.as_bytes()],
            vec![b"PFADD".as_slice(), key.as_bytes(), b"extra"],
            vec![b"GET".as_slice(), key.as_bytes()],
        ] {
            assert_eq!(ours.execute(&cmd), redis.cmd(&cmd), "{key}");
        }
    }
}
