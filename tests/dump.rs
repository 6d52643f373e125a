//! `DUMP` and `RESTORE` against a real `redis-server` (see `common/oracle.rs`; skipped,
//! with a message, without `redis-server`): a payload either side makes restores on the
//! other to the same value, in the same encoding; where Redis's bytes do not depend on
//! its history or hash seed, the store's payload is the same bytes; and bad payloads and
//! arguments are refused with Redis's errors, in Redis's order.

use bytes::Bytes;
use embedis::{Connection, Reply, Store};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use oracle::Oracle;

/// Builds one key per case, the same commands on both sides.
#[allow(clippy::too_many_lines)] // a table of cases
fn cases() -> Vec<(&'static str, Vec<Vec<String>>)> {
    let s = |args: &[&str]| {
        args.iter()
            .map(|a| (*a).to_owned())
            .collect::<Vec<String>>()
    };
    let many = |cmd: &str, key: &str, n: usize, f: &dyn Fn(usize) -> Vec<String>| {
        let mut c = vec![cmd.to_owned(), key.to_owned()];
        for i in 0..n {
            c.extend(f(i));
        }
        vec![c]
    };
    let long_text = "the quick brown fox jumps over the lazy dog; ".repeat(12);
    vec![
        ("str-small", vec![s(&["SET", "str-small", "hello"])]),
        ("str-int8", vec![s(&["SET", "str-int8", "-100"])]),
        ("str-int16", vec![s(&["SET", "str-int16", "30000"])]),
        ("str-int32", vec![s(&["SET", "str-int32", "-2000000000"])]),
        (
            "str-int64",
            vec![s(&["SET", "str-int64", "9223372036854775807"])],
        ),
        (
            "str-leading-zero",
            vec![s(&["SET", "str-leading-zero", "007"])],
        ),
        ("str-empty", vec![s(&["SET", "str-empty", ""])]),
        (
            "str-compressible",
            vec![s(&["SET", "str-compressible", &"a".repeat(500)])],
        ),
        ("str-text", vec![s(&["SET", "str-text", &long_text])]),
        (
            "str-incompressible",
            vec![s(&["SET", "str-incompressible", "q8Zr1xLm0Vb7Kp2Tn5Wc"])],
        ),
        (
            "str-incr",
            vec![s(&["SET", "str-incr", "41"]), s(&["INCR", "str-incr"])],
        ),
        (
            "list-small",
            vec![s(&["RPUSH", "list-small", "a", "1", "-7", "bb", "300000"])],
        ),
        (
            "list-lpush",
            vec![s(&["LPUSH", "list-lpush", "x", "y", "z"])],
        ),
        (
            "list-long",
            many("RPUSH", "list-long", 300, &|i| vec![format!("element-{i}")]),
        ),
        (
            "set-ints",
            vec![s(&[
                "SADD",
                "set-ints",
                "5",
                "-3",
                "70000",
                "1",
                "9999999999",
            ])],
        ),
        ("set-strs", vec![s(&["SADD", "set-strs", "a", "b", "c"])]),
        (
            // An intset keeps the width a removed member needed.
            "set-narrowed",
            vec![
                s(&["SADD", "set-narrowed", "70000", "1"]),
                s(&["SREM", "set-narrowed", "70000"]),
            ],
        ),
        (
            "set-big-ints",
            many("SADD", "set-big-ints", 600, &|i| vec![i.to_string()]),
        ),
        (
            "hash-small",
            vec![s(&[
                "HSET",
                "hash-small",
                "f1",
                "v1",
                "n",
                "12",
                "neg",
                "-5",
                "big",
                "123456789012",
            ])],
        ),
        (
            "hash-updated",
            vec![
                s(&["HSET", "hash-updated", "a", "1", "b", "2", "c", "3"]),
                s(&["HSET", "hash-updated", "b", "twenty"]),
                s(&["HDEL", "hash-updated", "a"]),
            ],
        ),
        (
            "hash-long-value",
            vec![s(&["HSET", "hash-long-value", "f", &"v".repeat(100)])],
        ),
        (
            "hash-many",
            many("HSET", "hash-many", 200, &|i| {
                vec![format!("field{i}"), format!("value{i}")]
            }),
        ),
        (
            "zset-small",
            vec![s(&[
                "ZADD",
                "zset-small",
                "1",
                "one",
                "2.5",
                "two-and-a-half",
                "-inf",
                "low",
                "1e300",
                "huge",
            ])],
        ),
        (
            "zset-ints",
            vec![s(&["ZADD", "zset-ints", "3", "c", "1", "a", "2", "b"])],
        ),
        (
            "zset-many",
            many("ZADD", "zset-many", 200, &|i| {
                vec![format!("{}.25", i % 37), format!("m{i}")]
            }),
        ),
    ]
}

/// The value at `key` in a form both sides answer the same for the same value.
fn contents(run: &mut dyn FnMut(&[&[u8]]) -> Reply, key: &[u8]) -> (Reply, Reply) {
    let kind = run(&[b"TYPE", key]);
    let sorted = |r: Reply| oracle::sorted(r);
    let value = match &kind {
        Reply::Simple(t) if t == "string" => run(&[b"GET", key]),
        Reply::Simple(t) if t == "list" => run(&[b"LRANGE", key, b"0", b"-1"]),
        Reply::Simple(t) if t == "set" => sorted(run(&[b"SMEMBERS", key])),
        Reply::Simple(t) if t == "hash" => oracle::sorted_pairs(run(&[b"HGETALL", key])),
        Reply::Simple(t) if t == "zset" => run(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]),
        other => panic!("unexpected type {other:?}"),
    };
    let encoding = run(&[b"OBJECT", b"ENCODING", key]);
    (value, encoding)
}

fn store_runner(c: &mut Connection) -> impl FnMut(&[&[u8]]) -> Reply + '_ {
    move |args: &[&[u8]]| c.execute(args)
}

fn bulk(r: Reply) -> Vec<u8> {
    match r {
        Reply::Bulk(b) => b.to_vec(),
        other => panic!("expected a bulk reply, got {other:?}"),
    }
}

#[test]
fn payloads_restore_across_the_two_in_both_directions() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut ours = store.connection();
    // Keys whose payload Redis makes the same way whatever its history or seed.
    let same_bytes = [
        "str-small",
        "str-int8",
        "str-int16",
        "str-int32",
        "str-int64",
        "str-leading-zero",
        "str-empty",
        "str-compressible",
        "str-text",
        "str-incompressible",
        "str-incr",
        "list-small",
        "list-lpush",
        "list-long",
        "set-ints",
        "set-narrowed",
        "hash-small",
        "hash-updated",
        "zset-small",
        "zset-ints",
        "zset-many",
        "hash-many",
        "hash-long-value",
    ];
    for (key, commands) in cases() {
        for c in &commands {
            let theirs = redis.cmd(c);
            assert_eq!(ours.execute(c), theirs, "{c:?}");
        }
        let k = key.as_bytes();
        let redis_payload = bulk(redis.cmd(&[b"DUMP".as_slice(), k]));
        let our_payload = bulk(ours.execute(&[b"DUMP".as_slice(), k]));
        if same_bytes.contains(&key) {
            assert_eq!(our_payload, redis_payload, "{key}: the payloads differ");
        }
        let expected = contents(&mut |a| redis.cmd(a), k);
        assert_eq!(contents(&mut store_runner(&mut ours), k), expected, "{key}");

        // Redis's payload restores here, ours there, each to the same value and encoding.
        let copy = format!("{key}-copy");
        let c = copy.as_bytes();
        assert_eq!(
            ours.execute(&[b"RESTORE".as_slice(), c, b"0", &redis_payload]),
            Reply::ok()
        );
        assert_eq!(
            contents(&mut store_runner(&mut ours), c),
            expected,
            "{key} restored here"
        );
        assert_eq!(
            redis.cmd(&[b"RESTORE".as_slice(), c, b"0", &our_payload]),
            Reply::ok()
        );
        assert_eq!(
            contents(&mut |a| redis.cmd(a), c),
            expected,
            "{key} restored in Redis"
        );
    }
}

#[test]
fn restore_refuses_what_redis_refuses_in_its_order() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    // Access times kept, as Redis keeps them, so IDLETIME compares.
    let store = Store::builder().track_idle_time(true).build();
    let mut ours = store.connection();
    for c in [["SET", "k", "v"], ["SET", "taken", "x"]] {
        redis.cmd(&c);
        ours.execute(&c);
    }
    let good = bulk(redis.cmd(&["DUMP", "k"]));
    let mut bad_crc = good.clone();
    *bad_crc.last_mut().unwrap() ^= 1;
    let mut newer = good.clone();
    let n = newer.len();
    newer[n - 10] = 11;
    let garbage = Bytes::from_static(b"\x00\x05ab");
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"new", b"0", &good],
        vec![b"RESTORE", b"taken", b"0", &good],
        vec![b"RESTORE", b"taken", b"-1", &good],
        vec![b"RESTORE", b"taken", b"x", &good],
        vec![b"RESTORE", b"n2", b"-1", &good],
        vec![b"RESTORE", b"n2", b"x", &good],
        vec![b"RESTORE", b"n2", b"0", &bad_crc],
        vec![b"RESTORE", b"n2", b"0", &newer],
        vec![b"RESTORE", b"n2", b"0", &garbage],
        vec![b"RESTORE", b"n2", b"0", b""],
        vec![b"RESTORE", b"taken", b"0", &bad_crc, b"REPLACE"],
        vec![b"RESTORE", b"n3", b"0", &good, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"n3", b"0", &good, b"IDLETIME", b"x"],
        vec![b"RESTORE", b"n3", b"0", &good, b"FREQ", b"256"],
        vec![b"RESTORE", b"n3", b"0", &good, b"FREQ", b"-1"],
        vec![
            b"RESTORE",
            b"n3",
            b"0",
            &good,
            b"FREQ",
            b"5",
            b"IDLETIME",
            b"5",
        ],
        vec![b"RESTORE", b"n3", b"0", &good, b"IDLETIME"],
        vec![b"RESTORE", b"n3", b"0", &good, b"BOGUS"],
        vec![b"RESTORE", b"taken", b"0", &good, b"BOGUS"],
        vec![b"RESTORE", b"n4", b"1", &good, b"ABSTTL"],
        vec![b"EXISTS", b"n4"],
        vec![b"RESTORE", b"taken", b"1", &good, b"ABSTTL", b"REPLACE"],
        vec![b"EXISTS", b"taken"],
        vec![b"RESTORE", b"n5", b"100000", &good],
        vec![b"PTTL", b"n5"],
        vec![
            b"RESTORE",
            b"n6",
            b"0",
            &good,
            b"IDLETIME",
            b"1000",
            b"REPLACE",
        ],
        vec![b"OBJECT", b"IDLETIME", b"n6"],
        vec![b"DUMP", b"missing"],
    ];
    for c in &cases {
        let (theirs, here) = (redis.cmd(c), ours.execute(c));
        match (&theirs, &here) {
            // PTTL and IDLETIME move with the clocks.
            (Reply::Integer(a), Reply::Integer(b)) if c[0] == b"PTTL" || c[0] == b"OBJECT" => {
                assert!((a - b).abs() < 2000, "{a} vs {b}");
                assert!(*b > 0, "a TTL or idle time was set");
            }
            _ => assert_eq!(here, theirs, "{:?}", String::from_utf8_lossy(&c.concat())),
        }
    }
}

#[test]
fn bad_payloads_are_refused_without_a_panic() {
    // Every truncation of valid payloads is refused; every single flipped bit, with the
    // checksum recomputed so that the decoder itself meets it, is refused or restores
    // something — never a panic.
    let store = Store::new();
    let keys = store.keys();
    store.strings().set("s", "x".repeat(300)).unwrap();
    store.hashes().hset("h", [("a", "1"), ("b", "2")]).unwrap();
    store.lists().rpush("l", ["1", "two", "3"]).unwrap();
    store.sets().sadd("i", ["1", "2", "3"]).unwrap();
    store.zsets().zadd("z", [("m", 1.5), ("n", 2.0)]).unwrap();
    for key in ["s", "h", "l", "i", "z"] {
        let payload = keys.dump(key).unwrap().unwrap().to_vec();
        for cut in 0..payload.len() {
            let r = keys.restore("t", &payload[..cut], embedis::RestoreOptions::new());
            assert!(r.is_err(), "{key}: a payload cut at {cut} restored");
        }
        let body = payload.len() - 10;
        for at in 0..body {
            for bit in 0..8 {
                let mut p = payload.clone();
                p[at] ^= 1 << bit;
                // Recompute the checksum, so the decoder itself meets the damage.
                let crc = crc64(&p[..body + 2]);
                p[body + 2..].copy_from_slice(&crc.to_le_bytes());
                let _ = keys.restore("t", &p, embedis::RestoreOptions::new().replace());
            }
        }
    }
}

/// Redis's CRC-64 (Jones, reflected), bit by bit: the tests' own reference.
fn crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// A payload around `body`: RDB version 10 and the CRC-64.
fn payload(body: &[u8]) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend(10u16.to_le_bytes());
    let crc = crc64(&p);
    p.extend(crc.to_le_bytes());
    p
}

#[test]
fn odd_payloads_load_as_redis_loads_them() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut ours = store.connection();
    // A skiplist zset holding -0 and 0 (Redis keeps -0 in a skiplist): ties by member.
    let mut zset = vec![5u8, 4];
    for (m, s) in [
        ("m000", 0.0f64),
        ("m001", -0.0),
        ("m002", 0.0),
        ("m003", -0.0),
    ] {
        zset.push(4);
        zset.extend(m.as_bytes());
        zset.extend(s.to_le_bytes());
    }
    // Listpacks with strings longer than 64 bytes: Redis keeps a loaded listpack a
    // listpack, whatever its strings' lengths.
    redis.cmd(&["CONFIG", "SET", "hash-max-listpack-value", "1000"]);
    redis.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "1000"]);
    redis.cmd(&["HSET", "h", "f", &"v".repeat(100)]);
    redis.cmd(&["ZADD", "z", "1", &"m".repeat(100)]);
    let long_hash = bulk(redis.cmd(&["DUMP", "h"]));
    let long_zset = bulk(redis.cmd(&["DUMP", "z"]));
    redis.cmd(&["CONFIG", "SET", "hash-max-listpack-value", "64"]);
    redis.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "64"]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("zero", payload(&zset)),
        ("long-hash", long_hash),
        ("long-zset", long_zset),
        // A quicklist node that is an empty plain element.
        ("empty-node", payload(&[18, 1, 1, 0])),
        // A string whose length runs into the footer, which Redis reads too.
        ("into-footer", payload(&[0, 10])),
        // An LZF string of length 0.
        ("lzf-empty", payload(&[0, 0xC3, 1, 0, 0x55])),
        // An intset of one 2-byte member.
        ("intset", payload(&[11, 10, 2, 0, 0, 0, 1, 0, 0, 0, 7, 0])),
    ];
    for (key, p) in &cases {
        let k = key.as_bytes();
        let restore: [&[u8]; 4] = [b"RESTORE", k, b"0", p];
        let theirs = redis.cmd(&restore);
        assert_eq!(ours.execute(&restore), theirs, "{key}");
        if theirs == Reply::ok() {
            let expected = contents(&mut |a| redis.cmd(a), k);
            assert_eq!(contents(&mut store_runner(&mut ours), k), expected, "{key}");
        }
    }
    for c in [
        vec!["ZRANK", "zero", "m002"],
        vec!["ZRANGEBYLEX", "zero", "[m001", "[m003"],
        vec!["ZSCORE", "zero", "m001"],
        vec!["DUMP", "long-hash"],
    ] {
        assert_eq!(ours.execute(&c), redis.cmd(&c), "{c:?}");
    }
}
