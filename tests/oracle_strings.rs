//! The string and bit commands against a real `redis-server`: the same operations,
//! through the typed API here and as commands there, must give the same answers (see
//! `common/oracle.rs`; skipped, with a message, without `redis-server`).
#![allow(clippy::cast_possible_wrap)] // small lengths and indexes as RESP integers

use std::time::Duration;

use embedis::{BitFieldOp, BitFieldType, BitOffset, BitOp, BitUnit, Error, Overflow, Reply, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use oracle::{Oracle, bulk, set_both};

#[test]
fn incrbyfloat_results_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let starts = [
        "0",
        "1",
        "-5",
        "10.5",
        "13.5",
        "0.1",
        "-0.1",
        "3.0e3",
        "1e-5",
        "99.99",
        "0.3333333333",
        "7.25",
        "31.9",
        "1.7e308",
        "123456789.123456789",
        "-0.0000001",
        "5e-20",
        "12345678901234567890",
        "1e30",
    ];
    let incrs = [
        0.1, 0.2, 1.1, -1.1, 1e-5, 100.0, 0.25, 3.0, -0.3, 1e10, 2.5, -31.0, 1.7e308, 1e-18, -1e30,
    ];
    let mut mismatches = Vec::new();
    for start in starts {
        for incr in incrs {
            set_both(&store, &mut redis, "f", start.as_bytes());
            store.strings().incrbyfloat("f", incr).unwrap();
            redis.cmd(&["INCRBYFLOAT", "f", &format!("{incr}")]);
            let (ours, theirs) = (
                store.strings().get("f").unwrap().unwrap().to_vec(),
                redis.bulk(&["GET", "f"]).unwrap(),
            );
            if ours != theirs {
                mismatches.push(format!(
                    "{start} + {incr}: ours {} redis {}",
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&theirs)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn ranges_counts_and_positions_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let values: [&[u8]; 5] = [b"", b"a", b"foobar", b"\xff\xf0\x00\x0f", b"\x00\x00\xff"];
    let idx = [-20, -9, -5, -2, -1, 0, 1, 2, 3, 7, 8, 20, 40];
    for value in values {
        set_both(&store, &mut redis, "s", value);
        for &a in &idx {
            for &b in &idx {
                let (sa, sb) = (a.to_string(), b.to_string());
                let ours = store.strings().getrange("s", a, b).unwrap().to_vec();
                assert_eq!(
                    Some(ours),
                    redis.bulk(&["GETRANGE", "s", &sa, &sb]),
                    "GETRANGE {value:?} {a} {b}"
                );
                for (unit, name) in [(BitUnit::Byte, "BYTE"), (BitUnit::Bit, "BIT")] {
                    let ours = store.bits().bitcount_range("s", a, b, unit).unwrap();
                    let theirs = redis.int(&["BITCOUNT", "s", &sa, &sb, name]);
                    assert_eq!(
                        i64::try_from(ours).unwrap(),
                        theirs,
                        "BITCOUNT {value:?} {a} {b} {name}"
                    );
                    for bit in [false, true] {
                        let bs = if bit { "1" } else { "0" };
                        let ours = store
                            .bits()
                            .bitpos_range("s", bit, a, Some(b), unit)
                            .unwrap();
                        let theirs = redis.int(&["BITPOS", "s", bs, &sa, &sb, name]);
                        assert_eq!(
                            ours.map_or(-1, |p| i64::try_from(p).unwrap()),
                            theirs,
                            "BITPOS {value:?} {bs} {a} {b} {name}"
                        );
                    }
                }
            }
            for bit in [false, true] {
                let bs = if bit { "1" } else { "0" };
                let ours = store
                    .bits()
                    .bitpos_range("s", bit, a, None, BitUnit::Byte)
                    .unwrap();
                let theirs = redis.int(&["BITPOS", "s", bs, &a.to_string()]);
                assert_eq!(
                    ours.map_or(-1, |p| i64::try_from(p).unwrap()),
                    theirs,
                    "BITPOS {value:?} {bs} {a}"
                );
            }
        }
        for bit in [false, true] {
            let ours = store.bits().bitpos("s", bit).unwrap();
            let theirs = redis.int(&["BITPOS", "s", if bit { "1" } else { "0" }]);
            assert_eq!(
                ours.map_or(-1, |p| i64::try_from(p).unwrap()),
                theirs,
                "BITPOS {value:?} {bit}"
            );
        }
    }
}

fn random_type(rng: &mut SmallRng) -> (BitFieldType, String) {
    if rng.gen_bool(0.5) {
        let bits = rng.gen_range(1..=64u8);
        (BitFieldType::signed(bits), format!("i{bits}"))
    } else {
        let bits = rng.gen_range(1..=63u8);
        (BitFieldType::unsigned(bits), format!("u{bits}"))
    }
}

fn random_value(rng: &mut SmallRng) -> i64 {
    match rng.gen_range(0..5) {
        0 => rng.gen_range(-3..=3),
        1 => rng.gen_range(-300..=300),
        2 => rng.r#gen(),
        3 => [i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1][rng.gen_range(0..4)],
        _ => 1i64 << rng.gen_range(0..63),
    }
}

#[test]
fn bitfield_matches_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(7);
    for round in 0..300 {
        let mut ops = Vec::new();
        let mut args: Vec<String> = vec!["BITFIELD".into(), "bf".into()];
        for _ in 0..rng.gen_range(1..6) {
            let (ty, name) = random_type(&mut rng);
            let (offset, off_text) = if rng.gen_bool(0.3) {
                let n = rng.gen_range(0..8);
                (BitOffset::Field(n), format!("#{n}"))
            } else {
                let n = rng.gen_range(0..100);
                (BitOffset::Bit(n), n.to_string())
            };
            match rng.gen_range(0..4) {
                0 => {
                    ops.push(BitFieldOp::Get(ty, offset));
                    args.extend(["GET".into(), name, off_text]);
                }
                1 => {
                    let v = random_value(&mut rng);
                    ops.push(BitFieldOp::Set(ty, offset, v));
                    args.extend(["SET".into(), name, off_text, v.to_string()]);
                }
                2 => {
                    let v = random_value(&mut rng);
                    ops.push(BitFieldOp::IncrBy(ty, offset, v));
                    args.extend(["INCRBY".into(), name, off_text, v.to_string()]);
                }
                _ => {
                    let (o, n) = [
                        (Overflow::Wrap, "WRAP"),
                        (Overflow::Sat, "SAT"),
                        (Overflow::Fail, "FAIL"),
                    ][rng.gen_range(0..3)];
                    ops.push(BitFieldOp::Overflow(o));
                    args.extend(["OVERFLOW".into(), n.into()]);
                }
            }
        }
        let ours = store.bits().bitfield("bf", &ops).unwrap();
        let theirs = match redis.cmd(&args) {
            Reply::Array(items) => items
                .into_iter()
                .map(|r| match r {
                    Reply::Integer(i) => Some(i),
                    Reply::Nil => None,
                    other => panic!("unexpected {other:?}"),
                })
                .collect::<Vec<_>>(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(ours, theirs, "round {round}: {args:?}");
        let ours = store.strings().get("bf").unwrap().map(|b| b.to_vec());
        assert_eq!(ours, redis.bulk(&["GET", "bf"]), "round {round}: {args:?}");
    }
}

#[test]
fn lcs_matches_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(11);
    let random = |rng: &mut SmallRng| -> Vec<u8> {
        (0..rng.gen_range(0..14))
            .map(|_| b"abc"[rng.gen_range(0..3)])
            .collect()
    };
    for _ in 0..200 {
        let (a, b) = (random(&mut rng), random(&mut rng));
        set_both(&store, &mut redis, "a", &a);
        set_both(&store, &mut redis, "b", &b);
        let ours = store.strings().lcs("a", "b").unwrap().to_vec();
        assert_eq!(Some(ours), redis.bulk(&["LCS", "a", "b"]));
        let min = rng.gen_range(0..3usize);
        let idx = store.strings().lcs_idx("a", "b", min).unwrap();
        let ours = Reply::Array(vec![
            bulk(b"matches"),
            Reply::Array(
                idx.matches
                    .iter()
                    .map(|m| {
                        let pair = |(s, e): (usize, usize)| {
                            Reply::Array(vec![Reply::Integer(s as i64), Reply::Integer(e as i64)])
                        };
                        Reply::Array(vec![pair(m.a), pair(m.b), Reply::Integer(m.len as i64)])
                    })
                    .collect(),
            ),
            bulk(b"len"),
            Reply::Integer(idx.len as i64),
        ]);
        let theirs = redis.cmd(&[
            "LCS",
            "a",
            "b",
            "IDX",
            "MINMATCHLEN",
            &min.to_string(),
            "WITHMATCHLEN",
        ]);
        assert_eq!(ours, theirs, "{a:?} {b:?} min {min}");
    }
}

/// The errors of the string and bit commands, word for word.
#[test]
fn string_and_bit_errors_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let s = store.strings();
    let check = |ours: Error, theirs: String| assert_eq!(ours.to_string(), theirs);
    set_both(&store, &mut redis, "text", b"abc");
    check(s.incr("text").unwrap_err(), redis.error(&["INCR", "text"]));
    check(
        s.incrbyfloat("text", 1.0).unwrap_err(),
        redis.error(&["INCRBYFLOAT", "text", "1"]),
    );
    set_both(&store, &mut redis, "max", i64::MAX.to_string().as_bytes());
    check(s.incr("max").unwrap_err(), redis.error(&["INCR", "max"]));
    check(
        s.decrby("max", i64::MIN).unwrap_err(),
        redis.error(&["DECRBY", "max", &i64::MIN.to_string()]),
    );
    set_both(&store, &mut redis, "inf", b"inf");
    check(
        s.incrbyfloat("inf", 1.0).unwrap_err(),
        redis.error(&["INCRBYFLOAT", "inf", "1"]),
    );
    check(
        s.set_with("k", "v", embedis::SetOptions::new().ttl(Duration::ZERO))
            .unwrap_err(),
        redis.error(&["SET", "k", "v", "PX", "0"]),
    );
    check(
        s.setex("k", Duration::ZERO, "v").unwrap_err(),
        redis.error(&["SETEX", "k", "0", "v"]),
    );
    check(
        s.getex("text", embedis::Expiry::In(Duration::ZERO))
            .unwrap_err(),
        redis.error(&["GETEX", "text", "PX", "0"]),
    );
    check(
        store.bits().setbit("b", 1 << 32, true).unwrap_err(),
        redis.error(&["SETBIT", "b", "4294967296", "1"]),
    );
    check(
        s.setrange("k", 512 << 20, "x").unwrap_err(),
        redis.error(&["SETRANGE", "k", "536870912", "x"]),
    );
    let bad_type = BitFieldOp::Get(BitFieldType::unsigned(64), BitOffset::Bit(0));
    check(
        store.bits().bitfield("b", &[bad_type]).unwrap_err(),
        redis.error(&["BITFIELD", "b", "GET", "u64", "0"]),
    );
    let set = BitFieldOp::Set(BitFieldType::unsigned(8), BitOffset::Bit(0), 1);
    check(
        store.bits().bitfield_ro("b", &[set]).unwrap_err(),
        redis.error(&["BITFIELD_RO", "b", "SET", "u8", "0", "1"]),
    );
    check(
        store.bits().bitop(BitOp::Not, "d", ["a", "b"]).unwrap_err(),
        redis.error(&["BITOP", "NOT", "d", "a", "b"]),
    );
}
