//! Differential tests against a real `redis-server` on 127.0.0.1: the same operations,
//! through the typed API here and as commands there, must give the same answers.
//!
//! Skipped (with a message) when `redis-server` is not installed; `.ci/run` installs it.
#![allow(clippy::cast_possible_wrap)] // small lengths and indexes as RESP integers

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use embedis::{
    Aggregate, BitFieldOp, BitFieldType, BitOffset, BitOp, BitUnit, CombineOptions, CopyOptions,
    Error, ExpireCondition, Expiry, LexBound, LposOptions, Overflow, Position, ScanOptions,
    ScoreBound, ScoreEnd, SetOptions, Side, Store, Ttl, ZAddCondition, ZAddOptions, ZRange,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "common/redis_args.rs"]
mod redis_args;
#[path = "common/redis_server.rs"]
mod redis_server;

use redis_server::Server;

#[derive(Debug, Clone, PartialEq)]
enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Resp>>),
}

struct Redis {
    /// Stopped when the connection is dropped.
    _server: Server,
    port: u16,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// A second connection to the same server (a subscriber).
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

fn send<A: AsRef<[u8]>>(writer: &mut TcpStream, args: &[A]) {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    writer.write_all(&out).unwrap();
}

fn read_resp(reader: &mut BufReader<TcpStream>) -> Resp {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let (kind, rest) = line.trim_end().split_at(1);
    match kind {
        "+" => Resp::Simple(rest.into()),
        "-" => Resp::Error(rest.into()),
        ":" => Resp::Int(rest.parse().unwrap()),
        "$" => {
            let n: i64 = rest.parse().unwrap();
            if n < 0 {
                return Resp::Bulk(None);
            }
            let mut buf = vec![0; usize::try_from(n).unwrap() + 2];
            reader.read_exact(&mut buf).unwrap();
            buf.truncate(buf.len() - 2);
            Resp::Bulk(Some(buf))
        }
        "*" => {
            let n: i64 = rest.parse().unwrap();
            if n < 0 {
                return Resp::Array(None);
            }
            Resp::Array(Some((0..n).map(|_| read_resp(reader)).collect()))
        }
        other => panic!("unexpected reply type {other:?}"),
    }
}

impl Conn {
    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Resp {
        send(&mut self.writer, args);
        read_resp(&mut self.reader)
    }
}

impl Redis {
    fn start() -> Option<Redis> {
        let Some((server, stream)) = Server::start() else {
            eprintln!(
                "redis-server not installed (or not starting): skipping the differential tests"
            );
            return None;
        };
        Some(Redis {
            port: server.port,
            _server: server,
            reader: BufReader::new(stream.try_clone().ok()?),
            writer: stream,
        })
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Resp {
        send(&mut self.writer, args);
        read_resp(&mut self.reader)
    }

    /// Another connection to this server.
    fn connect(&self) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        Conn {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn bulk<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Option<Vec<u8>> {
        match self.cmd(args) {
            Resp::Bulk(b) => b,
            other => panic!("expected a bulk reply, got {other:?}"),
        }
    }

    fn int<A: AsRef<[u8]>>(&mut self, args: &[A]) -> i64 {
        match self.cmd(args) {
            Resp::Int(i) => i,
            other => panic!("expected an integer reply, got {other:?}"),
        }
    }

    fn error<A: AsRef<[u8]>>(&mut self, args: &[A]) -> String {
        match self.cmd(args) {
            Resp::Error(e) => e,
            other => panic!("expected an error reply, got {other:?}"),
        }
    }
}

fn set_both(store: &Store, redis: &mut Redis, key: &str, value: &[u8]) {
    store.strings().set(key, value).unwrap();
    redis.cmd(&[b"SET".as_slice(), key.as_bytes(), value]);
}

fn incrbyfloat_results_match_redis(redis: &mut Redis) {
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
            set_both(&store, redis, "f", start.as_bytes());
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

fn ranges_counts_and_positions_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let values: [&[u8]; 5] = [b"", b"a", b"foobar", b"\xff\xf0\x00\x0f", b"\x00\x00\xff"];
    let idx = [-20, -9, -5, -2, -1, 0, 1, 2, 3, 7, 8, 20, 40];
    for value in values {
        set_both(&store, redis, "s", value);
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

fn bitfield_matches_redis(redis: &mut Redis) {
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
            Resp::Array(Some(items)) => items
                .into_iter()
                .map(|r| match r {
                    Resp::Int(i) => Some(i),
                    Resp::Bulk(None) => None,
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

fn lcs_matches_redis(redis: &mut Redis) {
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
        set_both(&store, redis, "a", &a);
        set_both(&store, redis, "b", &b);
        let ours = store.strings().lcs("a", "b").unwrap().to_vec();
        assert_eq!(Some(ours), redis.bulk(&["LCS", "a", "b"]));
        let min = rng.gen_range(0..3usize);
        let idx = store.strings().lcs_idx("a", "b", min).unwrap();
        let ours = Resp::Array(Some(vec![
            Resp::Bulk(Some(b"matches".to_vec())),
            Resp::Array(Some(
                idx.matches
                    .iter()
                    .map(|m| {
                        let pair = |(s, e): (usize, usize)| {
                            Resp::Array(Some(vec![Resp::Int(s as i64), Resp::Int(e as i64)]))
                        };
                        Resp::Array(Some(vec![pair(m.a), pair(m.b), Resp::Int(m.len as i64)]))
                    })
                    .collect(),
            )),
            Resp::Bulk(Some(b"len".to_vec())),
            Resp::Int(idx.len as i64),
        ]));
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

fn glob_patterns_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(3);
    let keys: Vec<String> = (0..60)
        .map(|_| {
            (0..rng.gen_range(0..5))
                .map(|_| ['a', 'b', 'c', '-', '^', '[', ']', '*', '\\'][rng.gen_range(0..9)])
                .collect()
        })
        .collect();
    for k in &keys {
        set_both(&store, redis, k, b"v");
    }
    let pieces = [
        "a", "b", "?", "*", "[ab]", "[^a]", "[a-b]", "[b-a]", "\\*", "\\", "[", "]", "[\\]]", "c",
        "-", "^",
    ];
    for _ in 0..400 {
        let pattern: String = (0..rng.gen_range(0..5))
            .map(|_| pieces[rng.gen_range(0..pieces.len())])
            .collect();
        let mut ours: Vec<Vec<u8>> = store
            .keys()
            .keys(&pattern)
            .unwrap()
            .iter()
            .map(|k| k.to_vec())
            .collect();
        ours.sort();
        let mut theirs: Vec<Vec<u8>> = match redis.cmd(&["KEYS", &pattern]) {
            Resp::Array(Some(items)) => items
                .into_iter()
                .map(|r| match r {
                    Resp::Bulk(Some(b)) => b,
                    other => panic!("unexpected {other:?}"),
                })
                .collect(),
            other => panic!("unexpected {other:?}"),
        };
        theirs.sort();
        assert_eq!(ours, theirs, "pattern {pattern:?}");
    }
}

fn expire_conditions_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(5);
    let conditions = [
        (ExpireCondition::Always, vec![]),
        (ExpireCondition::Nx, vec!["NX"]),
        (ExpireCondition::Xx, vec!["XX"]),
        (ExpireCondition::Gt, vec!["GT"]),
        (ExpireCondition::Lt, vec!["LT"]),
        (ExpireCondition::XxLt, vec!["XX", "LT"]),
    ];
    for _ in 0..300 {
        let key = ["k1", "k2", "k3"][rng.gen_range(0..3)];
        match rng.gen_range(0..6) {
            0 => set_both(&store, redis, key, b"v"),
            1 => {
                assert_eq!(
                    store.keys().persist(key).unwrap(),
                    redis.int(&["PERSIST", key]) == 1
                );
            }
            _ => {
                let secs = rng.gen_range(100..110u64);
                let (cond, flags) = &conditions[rng.gen_range(0..conditions.len())];
                let ours = store
                    .keys()
                    .expire_with(key, Duration::from_secs(secs), *cond)
                    .unwrap();
                let mut args = vec!["EXPIRE".to_string(), key.into(), secs.to_string()];
                args.extend(flags.iter().map(ToString::to_string));
                assert_eq!(ours, redis.int(&args) == 1, "{args:?}");
            }
        }
        let ours = match store.keys().ttl(key).unwrap() {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            Ttl::Expires(d) => i64::try_from(d.as_secs()).unwrap(),
        };
        let theirs = redis.int(&["TTL", key]);
        assert!(
            (ours - theirs).abs() <= 1,
            "TTL {key}: ours {ours} redis {theirs}"
        );
    }
}

fn error_messages_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let s = store.strings();
    let check = |ours: Error, theirs: String| assert_eq!(ours.to_string(), theirs);
    set_both(&store, redis, "text", b"abc");
    check(s.incr("text").unwrap_err(), redis.error(&["INCR", "text"]));
    check(
        s.incrbyfloat("text", 1.0).unwrap_err(),
        redis.error(&["INCRBYFLOAT", "text", "1"]),
    );
    set_both(&store, redis, "max", i64::MAX.to_string().as_bytes());
    check(s.incr("max").unwrap_err(), redis.error(&["INCR", "max"]));
    check(
        s.decrby("max", i64::MIN).unwrap_err(),
        redis.error(&["DECRBY", "max", &i64::MIN.to_string()]),
    );
    set_both(&store, redis, "inf", b"inf");
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
    check(
        store.keys().rename("nope", "x").unwrap_err(),
        redis.error(&["RENAME", "nope", "x"]),
    );
    check(
        store.keys().move_key("text", 0).unwrap_err(),
        redis.error(&["MOVE", "text", "0"]),
    );
    check(
        store.keys().move_key("text", 16).unwrap_err(),
        redis.error(&["MOVE", "text", "16"]),
    );
    check(
        store
            .keys()
            .copy("text", "text", embedis::CopyOptions::new())
            .unwrap_err(),
        redis.error(&["COPY", "text", "text"]),
    );
    check(
        store.keys().expire("text", Duration::MAX).unwrap_err(),
        redis.error(&["EXPIRE", "text", "9223372036854775807"]),
    );
}

fn int_resp(r: embedis::Result<usize>) -> Resp {
    r.map_or_else(|e| Resp::Error(e.to_string()), |n| Resp::Int(n as i64))
}

fn bool_resp(r: embedis::Result<bool>) -> Resp {
    int_resp(r.map(usize::from))
}

fn bulk_resp(r: embedis::Result<Option<embedis::Blob>>) -> Resp {
    r.map_or_else(
        |e| Resp::Error(e.to_string()),
        |b| Resp::Bulk(b.map(|b| b.to_vec())),
    )
}

fn array_resp(r: embedis::Result<Vec<embedis::Blob>>) -> Resp {
    r.map_or_else(
        |e| Resp::Error(e.to_string()),
        |v| {
            Resp::Array(Some(
                v.iter().map(|b| Resp::Bulk(Some(b.to_vec()))).collect(),
            ))
        },
    )
}

fn pairs_resp(r: embedis::Result<Vec<(embedis::Blob, embedis::Blob)>>) -> Resp {
    array_resp(r.map(|v| v.into_iter().flat_map(|(f, v)| [f, v]).collect()))
}

/// Sorts an array reply (for replies whose order Redis leaves unspecified).
fn sorted(r: Resp) -> Resp {
    match r {
        Resp::Array(Some(mut items)) => {
            items.sort_by_key(|i| format!("{i:?}"));
            Resp::Array(Some(items))
        }
        other => other,
    }
}

/// The length of an array reply, or its error.
fn reply_len(r: Resp) -> Result<usize, String> {
    match r {
        Resp::Array(Some(v)) => Ok(v.len()),
        Resp::Error(e) => Err(e),
        other => panic!("unexpected {other:?}"),
    }
}

/// Sorts the pairs of a flat field/value array reply.
fn sorted_pairs(r: Resp) -> Resp {
    match r {
        Resp::Array(Some(items)) => {
            let mut pairs: Vec<Vec<Resp>> = items.chunks(2).map(<[Resp]>::to_vec).collect();
            pairs.sort_by_key(|p| format!("{p:?}"));
            Resp::Array(Some(pairs.concat()))
        }
        other => other,
    }
}

/// Random hash and set commands over a few shared keys (one of them a string, so
/// wrong-type paths are hit), growing collections past their compact forms; every reply
/// and error must be Redis's.
#[allow(clippy::many_single_char_names, clippy::too_many_lines)]
fn hash_and_set_commands_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, redis, "str", b"text");
    let mut rng = SmallRng::seed_from_u64(17);
    let (h, s) = (store.hashes(), store.sets());
    let keys = ["h1", "h2", "s1", "s2", "s3", "str", "none"];
    let member = |rng: &mut SmallRng| -> String {
        match rng.gen_range(0..4) {
            0 => rng.gen_range(-3..20).to_string(),
            1 => ["a", "b", "c", "01", "+1", ""][rng.gen_range(0..6)].to_string(),
            2 => format!("m{}", rng.gen_range(0..300)),
            _ => "x".repeat(rng.gen_range(60..70)),
        }
    };
    for round in 0..4000 {
        let k = keys[rng.gen_range(0..keys.len())];
        let k2 = keys[rng.gen_range(0..keys.len())];
        let k3 = keys[rng.gen_range(0..keys.len())];
        let (f, v) = (member(&mut rng), member(&mut rng));
        let many: Vec<String> = (0..rng.gen_range(1..4)).map(|_| member(&mut rng)).collect();
        let bulk: Vec<String> = (0..rng.gen_range(0..150))
            .map(|_| member(&mut rng))
            .collect();
        let n: i64 = rng.gen_range(-5..40);
        let (ours, args, unordered): (Resp, Vec<String>, bool) = match rng.gen_range(0..24) {
            0 => (
                int_resp(h.hset(k, [(&f, &v)])),
                vec!["HSET".into(), k.into(), f, v],
                false,
            ),
            1 => {
                let pairs: Vec<(String, String)> =
                    bulk.iter().map(|m| (m.clone(), format!("v{m}"))).collect();
                let mut args = vec!["HSET".to_string(), k.into()];
                args.extend(pairs.iter().flat_map(|(f, v)| [f.clone(), v.clone()]));
                if pairs.is_empty() {
                    continue;
                }
                (int_resp(h.hset(k, pairs)), args, false)
            }
            2 => {
                let mut args = vec!["HDEL".to_string(), k.into()];
                args.extend(many.iter().cloned());
                (int_resp(h.hdel(k, &many)), args, false)
            }
            3 => (
                bulk_resp(h.hget(k, &f)),
                vec!["HGET".into(), k.into(), f],
                false,
            ),
            4 => (int_resp(h.hlen(k)), vec!["HLEN".into(), k.into()], false),
            5 => {
                let ours = sorted_pairs(pairs_resp(h.hgetall(k)));
                let theirs = sorted_pairs(redis.cmd(&["HGETALL", k]));
                assert_eq!(ours, theirs, "round {round}: HGETALL {k}");
                continue;
            }
            6 => (
                h.hincrby(k, &f, n)
                    .map_or_else(|e| Resp::Error(e.to_string()), Resp::Int),
                vec!["HINCRBY".into(), k.into(), f, n.to_string()],
                false,
            ),
            7 => (
                bool_resp(h.hsetnx(k, &f, &v)),
                vec!["HSETNX".into(), k.into(), f, v],
                false,
            ),
            8 => (
                int_resp(h.hstrlen(k, &f)),
                vec!["HSTRLEN".into(), k.into(), f],
                false,
            ),
            9 => (
                bool_resp(h.hexists(k, &f)),
                vec!["HEXISTS".into(), k.into(), f],
                false,
            ),
            10 => {
                let mut args = vec!["SADD".to_string(), k.into()];
                let members = if rng.gen_bool(0.3) && !bulk.is_empty() {
                    &bulk
                } else {
                    &many
                };
                args.extend(members.iter().cloned());
                (int_resp(s.sadd(k, members)), args, false)
            }
            11 => {
                let mut args = vec!["SREM".to_string(), k.into()];
                args.extend(many.iter().cloned());
                (int_resp(s.srem(k, &many)), args, false)
            }
            12 => (
                bool_resp(s.sismember(k, &f)),
                vec!["SISMEMBER".into(), k.into(), f],
                false,
            ),
            13 => (int_resp(s.scard(k)), vec!["SCARD".into(), k.into()], false),
            14 => (
                array_resp(s.smembers(k)),
                vec!["SMEMBERS".into(), k.into()],
                true,
            ),
            15 => (
                array_resp(s.sinter([k, k2, k3])),
                vec!["SINTER".into(), k.into(), k2.into(), k3.into()],
                true,
            ),
            16 => (
                array_resp(s.sunion([k, k2])),
                vec!["SUNION".into(), k.into(), k2.into()],
                true,
            ),
            17 => (
                array_resp(s.sdiff([k, k2, k3])),
                vec!["SDIFF".into(), k.into(), k2.into(), k3.into()],
                true,
            ),
            18 => {
                let (op, ours) = match rng.gen_range(0..3) {
                    0 => ("SINTERSTORE", s.sinterstore(k, [k2, k3])),
                    1 => ("SUNIONSTORE", s.sunionstore(k, [k2, k3])),
                    _ => ("SDIFFSTORE", s.sdiffstore(k, [k2, k3])),
                };
                (
                    int_resp(ours),
                    vec![op.into(), k.into(), k2.into(), k3.into()],
                    false,
                )
            }
            19 => (
                bool_resp(s.smove(k, k2, &f)),
                vec!["SMOVE".into(), k.into(), k2.into(), f],
                false,
            ),
            20 => {
                let limit = rng.gen_range(0..5usize);
                (
                    int_resp(s.sintercard([k, k2], limit)),
                    vec![
                        "SINTERCARD".into(),
                        "2".into(),
                        k.into(),
                        k2.into(),
                        "LIMIT".into(),
                        limit.to_string(),
                    ],
                    false,
                )
            }
            21 => {
                let mut args = vec!["SMISMEMBER".to_string(), k.into()];
                args.extend(many.iter().cloned());
                let ours = s.smismember(k, &many).map_or_else(
                    |e| Resp::Error(e.to_string()),
                    |v| Resp::Array(Some(v.into_iter().map(|b| Resp::Int(b.into())).collect())),
                );
                (ours, args, false)
            }
            22 => {
                // Counts are random; compare their sizes only.
                let ours = s
                    .srandmember_count(k, redis_args::picks(n))
                    .map(|v| v.len());
                let theirs = reply_len(redis.cmd(&["SRANDMEMBER", k, &n.to_string()]));
                assert_eq!(
                    ours.map_err(|e| e.to_string()),
                    theirs,
                    "SRANDMEMBER {k} {n}"
                );
                continue;
            }
            _ => {
                let ours = h
                    .hrandfield_withvalues(k, redis_args::picks(n))
                    .map(|v| v.len() * 2);
                let theirs = reply_len(redis.cmd(&["HRANDFIELD", k, &n.to_string(), "WITHVALUES"]));
                assert_eq!(
                    ours.map_err(|e| e.to_string()),
                    theirs,
                    "HRANDFIELD {k} {n}"
                );
                continue;
            }
        };
        let theirs = redis.cmd(&args);
        let (ours, theirs) = if unordered {
            (sorted(ours), sorted(theirs))
        } else {
            (ours, theirs)
        };
        assert_eq!(ours, theirs, "round {round}: {args:?}");
    }
    // Integer sets list in ascending order in both.
    for k in ["s1", "s2", "s3"] {
        let all_ints = s.smembers(k).unwrap_or_default().iter().all(|m| {
            m.as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .is_some_and(|i| i.to_string() == *m)
        });
        if all_ints && s.scard(k).unwrap_or(0) > 0 {
            assert_eq!(
                array_resp(s.smembers(k)),
                redis.cmd(&["SMEMBERS", k]),
                "{k}"
            );
        }
    }
}

fn small_hashes_keep_redis_order(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let h = store.hashes();
    let mut rng = SmallRng::seed_from_u64(23);
    for _ in 0..500 {
        let f = format!("f{}", rng.gen_range(0..40));
        if rng.gen_bool(0.7) {
            h.hset("h", [(&f, "v")]).unwrap();
            redis.cmd(&["HSET", "h", &f, "v"]);
        } else {
            h.hdel("h", [&f]).unwrap();
            redis.cmd(&["HDEL", "h", &f]);
        }
        assert_eq!(pairs_resp(h.hgetall("h")), redis.cmd(&["HGETALL", "h"]));
    }
}

fn opt_array_resp(r: embedis::Result<Option<Vec<embedis::Blob>>>) -> Resp {
    match r {
        Ok(None) => Resp::Array(None),
        other => array_resp(other.map(Option::unwrap_or_default)),
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Left => "LEFT",
        Side::Right => "RIGHT",
    }
}

/// Random list commands over a few shared keys (one a string), with short and long
/// elements so lists span several chunks; every reply and error must be Redis's.
#[allow(clippy::too_many_lines, clippy::many_single_char_names)]
fn list_commands_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, redis, "str", b"text");
    let lists = store.lists();
    let mut rng = SmallRng::seed_from_u64(29);
    let keys = ["l1", "l2", "str", "none"];
    let elem = |rng: &mut SmallRng| -> String {
        match rng.gen_range(0..6) {
            0 => "x".repeat(rng.gen_range(60..80)),
            1 => String::new(),
            _ => ["a", "b", "c", "d"][rng.gen_range(0..4)].to_string(),
        }
    };
    let sides = [Side::Left, Side::Right];
    for round in 0..6000 {
        let key = keys[rng.gen_range(0..keys.len())];
        let other = keys[rng.gen_range(0..keys.len())];
        let (e, pivot) = (elem(&mut rng), elem(&mut rng));
        let many: Vec<String> = (0..rng.gen_range(1..40)).map(|_| elem(&mut rng)).collect();
        let (i, j) = (rng.gen_range(-12i64..12), rng.gen_range(-12i64..12));
        let (from, to) = (sides[rng.gen_range(0..2)], sides[rng.gen_range(0..2)]);
        let count = rng.gen_range(0..6usize);
        let (ours, args): (Resp, Vec<String>) = match rng.gen_range(0..16) {
            0 | 1 => {
                let mut args = vec!["RPUSH".to_string(), key.into()];
                args.extend(many.iter().cloned());
                (int_resp(lists.rpush(key, &many)), args)
            }
            2 | 3 => {
                let mut args = vec!["LPUSH".to_string(), key.into()];
                args.extend(many.iter().cloned());
                (int_resp(lists.lpush(key, &many)), args)
            }
            4 => (
                int_resp(lists.rpushx(key, [&e])),
                vec!["RPUSHX".into(), key.into(), e],
            ),
            5 => (
                array_resp(lists.lrange(key, i, j)),
                vec!["LRANGE".into(), key.into(), i.to_string(), j.to_string()],
            ),
            6 => (
                bulk_resp(lists.lindex(key, i)),
                vec!["LINDEX".into(), key.into(), i.to_string()],
            ),
            7 => (
                lists.lset(key, i, &e).map_or_else(
                    |err| Resp::Error(err.to_string()),
                    |()| Resp::Simple("OK".into()),
                ),
                vec!["LSET".into(), key.into(), i.to_string(), e],
            ),
            8 => {
                let (pos, name) = if rng.gen_bool(0.5) {
                    (Position::Before, "BEFORE")
                } else {
                    (Position::After, "AFTER")
                };
                (
                    lists.linsert(key, pos, &pivot, &e).map_or_else(
                        |err| Resp::Error(err.to_string()),
                        |r| Resp::Int(redis_args::linsert_reply(r)),
                    ),
                    vec!["LINSERT".into(), key.into(), name.into(), pivot, e],
                )
            }
            9 => (
                lists.ltrim(key, i, j).map_or_else(
                    |err| Resp::Error(err.to_string()),
                    |()| Resp::Simple("OK".into()),
                ),
                vec!["LTRIM".into(), key.into(), i.to_string(), j.to_string()],
            ),
            10 => (
                int_resp(lists.lrem(key, redis_args::matches(i / 3), &e)),
                vec!["LREM".into(), key.into(), (i / 3).to_string(), e],
            ),
            11 => {
                let ours = if from == Side::Left {
                    lists.lpop_count(key, count)
                } else {
                    lists.rpop_count(key, count)
                };
                let cmd = if from == Side::Left { "LPOP" } else { "RPOP" };
                (
                    opt_array_resp(ours),
                    vec![cmd.into(), key.into(), count.to_string()],
                )
            }
            12 => (
                bulk_resp(lists.lmove(key, other, from, to)),
                vec![
                    "LMOVE".into(),
                    key.into(),
                    other.into(),
                    side_name(from).into(),
                    side_name(to).into(),
                ],
            ),
            13 => {
                let rank = if i == 0 { 1 } else { i };
                let maxlen = usize::try_from(j.abs()).unwrap();
                let opts = redis_args::rank(LposOptions::new(), rank).maxlen(maxlen);
                let ours = lists.lpos_count(key, &e, count, opts).map_or_else(
                    |err| Resp::Error(err.to_string()),
                    |v| Resp::Array(Some(v.into_iter().map(|p| Resp::Int(p as i64)).collect())),
                );
                let args = vec![
                    "LPOS".into(),
                    key.into(),
                    e,
                    "RANK".into(),
                    rank.to_string(),
                    "COUNT".into(),
                    count.to_string(),
                    "MAXLEN".into(),
                    maxlen.to_string(),
                ];
                (ours, args)
            }
            14 => {
                let count = count.max(1);
                let ours = match lists.lmpop([key, other], from, count) {
                    Ok(Some((k, v))) => {
                        Resp::Array(Some(vec![Resp::Bulk(Some(k.to_vec())), array_resp(Ok(v))]))
                    }
                    Ok(None) => Resp::Array(None),
                    Err(err) => Resp::Error(err.to_string()),
                };
                let args = vec![
                    "LMPOP".into(),
                    "2".into(),
                    key.into(),
                    other.into(),
                    side_name(from).into(),
                    "COUNT".into(),
                    count.to_string(),
                ];
                (ours, args)
            }
            _ => (int_resp(lists.llen(key)), vec!["LLEN".into(), key.into()]),
        };
        assert_eq!(ours, redis.cmd(&args), "round {round}: {args:?}");
    }
}

/// Rewrites every bulk string that reads as a float in Rust's shortest form, so that
/// scores compare by value (`%.17g` there, `f64` here); applied to both sides.
fn numeric(r: Resp) -> Resp {
    match r {
        Resp::Bulk(Some(b)) => {
            let v = std::str::from_utf8(&b)
                .ok()
                .and_then(|s| s.parse::<f64>().ok());
            Resp::Bulk(Some(v.map_or(b, |v| format!("{v}").into_bytes())))
        }
        Resp::Array(Some(items)) => Resp::Array(Some(items.into_iter().map(numeric).collect())),
        other => other,
    }
}

/// A reply as readable text, for failure messages.
fn show(r: &Resp) -> String {
    match r {
        Resp::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
        Resp::Array(Some(v)) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(" ")),
        other => format!("{other:?}"),
    }
}

fn score_text(s: f64) -> String {
    format!("{s}")
}

fn scored_resp(r: embedis::Result<Vec<(embedis::Blob, f64)>>) -> Resp {
    r.map_or_else(
        |e| Resp::Error(e.to_string()),
        |v| {
            Resp::Array(Some(
                v.into_iter()
                    .flat_map(|(m, s)| {
                        [
                            Resp::Bulk(Some(m.to_vec())),
                            Resp::Bulk(Some(score_text(s).into_bytes())),
                        ]
                    })
                    .collect(),
            ))
        },
    )
}

fn opt_score_resp(r: embedis::Result<Option<f64>>) -> Resp {
    r.map_or_else(
        |e| Resp::Error(e.to_string()),
        |s| Resp::Bulk(s.map(|s| score_text(s).into_bytes())),
    )
}

fn bound_text(b: ScoreBound) -> String {
    match b {
        ScoreBound::Inclusive(v) => score_text(v),
        ScoreBound::Exclusive(v) => format!("({}", score_text(v)),
    }
}

fn lex_text(b: &LexBound) -> String {
    match b {
        LexBound::Min => "-".into(),
        LexBound::Max => "+".into(),
        LexBound::Inclusive(m) => format!("[{}", String::from_utf8_lossy(m)),
        LexBound::Exclusive(m) => format!("({}", String::from_utf8_lossy(m)),
    }
}

fn condition_args(c: ZAddCondition) -> Vec<String> {
    let flags: &[&str] = match c {
        ZAddCondition::Always => &[],
        ZAddCondition::IfAbsent => &["NX"],
        ZAddCondition::IfPresent => &["XX"],
        ZAddCondition::IfGreater => &["GT"],
        ZAddCondition::IfLess => &["LT"],
        ZAddCondition::IfPresentAndGreater => &["XX", "GT"],
        ZAddCondition::IfPresentAndLess => &["XX", "LT"],
    };
    flags.iter().map(|f| (*f).to_string()).collect()
}

/// Random sorted-set commands over a few shared keys (a string and a set among them, so
/// wrong-type and set-as-operand paths are hit), growing sets past the compact form and
/// with scores that include infinities and -0; every reply and error must be Redis's.
#[allow(
    clippy::too_many_lines,
    clippy::many_single_char_names,
    clippy::similar_names
)]
fn zset_commands_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, redis, "str", b"text");
    store.sets().sadd("set", ["a", "b", "m7"]).unwrap();
    redis.cmd(&["SADD", "set", "a", "b", "m7"]);
    let z = store.zsets();
    let mut rng = SmallRng::seed_from_u64(31);
    let keys = ["z1", "z2", "z3", "str", "set", "none"];
    let conditions = [
        ZAddCondition::Always,
        ZAddCondition::IfAbsent,
        ZAddCondition::IfPresent,
        ZAddCondition::IfGreater,
        ZAddCondition::IfLess,
        ZAddCondition::IfPresentAndGreater,
        ZAddCondition::IfPresentAndLess,
    ];
    let member = |rng: &mut SmallRng| -> String {
        match rng.gen_range(0..20) {
            0 => "x".repeat(rng.gen_range(60..70)),
            1 => String::new(),
            2 => ["a", "b", "c"][rng.gen_range(0..3)].to_string(),
            _ => format!("m{}", rng.gen_range(0..200)),
        }
    };
    let score = |rng: &mut SmallRng| -> f64 {
        match rng.gen_range(0..12) {
            0 => f64::INFINITY,
            1 => f64::NEG_INFINITY,
            2 => -0.0,
            3 => f64::from(rng.gen_range(-100..100)) / 8.0,
            _ => f64::from(rng.gen_range(-20..20)),
        }
    };
    let bound = |rng: &mut SmallRng| -> ScoreBound {
        let v = match rng.gen_range(0..8) {
            0 => f64::INFINITY,
            1 => f64::NEG_INFINITY,
            _ => f64::from(rng.gen_range(-25..25)),
        };
        if rng.gen_bool(0.3) {
            ScoreBound::Exclusive(v)
        } else {
            ScoreBound::Inclusive(v)
        }
    };
    for round in 0..8000 {
        let key = keys[rng.gen_range(0..keys.len())];
        let other = keys[rng.gen_range(0..keys.len())];
        let m = member(&mut rng);
        let (i, j) = (rng.gen_range(-15i64..15), rng.gen_range(-15i64..15));
        let (lo, hi) = (bound(&mut rng), bound(&mut rng));
        let (ours, args): (Resp, Vec<String>) = match rng.gen_range(0..22) {
            0..=4 => {
                let condition = conditions[rng.gen_range(0..conditions.len())];
                let ch = rng.gen_bool(0.3);
                let pairs: Vec<(String, f64)> = (0..rng.gen_range(1..12))
                    .map(|_| (member(&mut rng), score(&mut rng)))
                    .collect();
                let mut opts = ZAddOptions::new().condition(condition);
                if ch {
                    opts = opts.ch();
                }
                let mut args = vec!["ZADD".to_string(), key.into()];
                args.extend(condition_args(condition));
                if ch {
                    args.push("CH".into());
                }
                for (m, s) in &pairs {
                    args.push(score_text(*s));
                    args.push(m.clone());
                }
                (int_resp(z.zadd_with(key, pairs, opts)), args)
            }
            5 => {
                let condition = conditions[rng.gen_range(0..conditions.len())];
                let delta = score(&mut rng);
                let mut args = vec!["ZADD".to_string(), key.into()];
                args.extend(condition_args(condition));
                args.extend(["INCR".into(), score_text(delta), m.clone()]);
                let opts = ZAddOptions::new().condition(condition);
                (opt_score_resp(z.zadd_incr(key, &m, delta, opts)), args)
            }
            6 => {
                let delta = score(&mut rng);
                let ours = z.zincrby(key, delta, &m).map_or_else(
                    |e| Resp::Error(e.to_string()),
                    |s| Resp::Bulk(Some(score_text(s).into_bytes())),
                );
                (
                    ours,
                    vec!["ZINCRBY".into(), key.into(), score_text(delta), m],
                )
            }
            7 => {
                let ms: Vec<String> = (0..rng.gen_range(1..5)).map(|_| member(&mut rng)).collect();
                let mut args = vec!["ZREM".to_string(), key.into()];
                args.extend(ms.iter().cloned());
                (int_resp(z.zrem(key, &ms)), args)
            }
            8 => {
                let ms: Vec<String> = (0..rng.gen_range(1..4)).map(|_| member(&mut rng)).collect();
                let ours = z.zmscore(key, &ms).map_or_else(
                    |e| Resp::Error(e.to_string()),
                    |v| {
                        Resp::Array(Some(
                            v.into_iter()
                                .map(|s| Resp::Bulk(s.map(|s| score_text(s).into_bytes())))
                                .collect(),
                        ))
                    },
                );
                let mut args = vec!["ZMSCORE".to_string(), key.into()];
                args.extend(ms);
                (ours, args)
            }
            9 => {
                let rev = rng.gen_bool(0.5);
                let ours = if rev {
                    z.zrevrank(key, &m)
                } else {
                    z.zrank(key, &m)
                };
                let ours = ours.map_or_else(
                    |e| Resp::Error(e.to_string()),
                    |r| r.map_or(Resp::Bulk(None), |r| Resp::Int(r as i64)),
                );
                (
                    ours,
                    vec![if rev { "ZREVRANK" } else { "ZRANK" }.into(), key.into(), m],
                )
            }
            10 => (
                int_resp(z.zcount(key, lo, hi)),
                vec!["ZCOUNT".into(), key.into(), bound_text(lo), bound_text(hi)],
            ),
            11..=13 => {
                // ZRANGE in every form.
                let rev = rng.gen_bool(0.4);
                let withscores = rng.gen_bool(0.5);
                let limit = rng
                    .gen_bool(0.4)
                    .then(|| (rng.gen_range(-1..6), rng.gen_range(-2..8)));
                let mut args = vec!["ZRANGE".to_string(), key.into()];
                let by_rank = rng.gen_bool(0.5);
                let mut range = if by_rank {
                    args.extend([i.to_string(), j.to_string()]);
                    ZRange::rank(i, j)
                } else {
                    if rev {
                        args.extend([bound_text(hi), bound_text(lo)]);
                    } else {
                        args.extend([bound_text(lo), bound_text(hi)]);
                    }
                    args.push("BYSCORE".into());
                    ZRange::score(lo, hi)
                };
                if rev {
                    args.push("REV".into());
                    range = range.rev();
                }
                if let Some((o, c)) = limit {
                    args.extend(["LIMIT".into(), o.to_string(), c.to_string()]);
                    range = redis_args::limit(range, by_rank, o, c);
                }
                let ours = if withscores {
                    args.push("WITHSCORES".into());
                    scored_resp(z.zrange_by_withscores(key, &range))
                } else {
                    array_resp(z.zrange_by(key, &range))
                };
                (ours, args)
            }
            14 => {
                let count = rng.gen_range(-1..5);
                let range = redis_args::limit(ZRange::score(lo, hi), false, 0, count);
                let args = vec![
                    "ZRANGESTORE".into(),
                    other.into(),
                    key.into(),
                    bound_text(lo),
                    bound_text(hi),
                    "BYSCORE".into(),
                    "LIMIT".into(),
                    "0".into(),
                    count.to_string(),
                ];
                (int_resp(z.zrangestore(other, key, &range)), args)
            }
            15 => match rng.gen_range(0..2) {
                0 => (
                    int_resp(z.zremrangebyrank(key, i, j)),
                    vec![
                        "ZREMRANGEBYRANK".into(),
                        key.into(),
                        i.to_string(),
                        j.to_string(),
                    ],
                ),
                _ => (
                    int_resp(z.zremrangebyscore(key, lo, hi)),
                    vec![
                        "ZREMRANGEBYSCORE".into(),
                        key.into(),
                        bound_text(lo),
                        bound_text(hi),
                    ],
                ),
            },
            16 => {
                let count = rng.gen_range(0..4usize);
                let max = rng.gen_bool(0.5);
                let ours = if max {
                    z.zpopmax(key, count)
                } else {
                    z.zpopmin(key, count)
                };
                (
                    scored_resp(ours),
                    vec![
                        if max { "ZPOPMAX" } else { "ZPOPMIN" }.into(),
                        key.into(),
                        count.to_string(),
                    ],
                )
            }
            17 => {
                let count = rng.gen_range(1..4usize);
                let end = if rng.gen_bool(0.5) {
                    ScoreEnd::Min
                } else {
                    ScoreEnd::Max
                };
                let ours = match z.zmpop([key, other], end, count) {
                    Ok(Some((k, v))) => {
                        Resp::Array(Some(vec![Resp::Bulk(Some(k.to_vec())), scored_nested(v)]))
                    }
                    Ok(None) => Resp::Array(None),
                    Err(e) => Resp::Error(e.to_string()),
                };
                let end = if end == ScoreEnd::Min { "MIN" } else { "MAX" };
                (
                    ours,
                    vec![
                        "ZMPOP".into(),
                        "2".into(),
                        key.into(),
                        other.into(),
                        end.into(),
                        "COUNT".into(),
                        count.to_string(),
                    ],
                )
            }
            18..=20 => {
                let keys2 = [key, other];
                let weights = [
                    score(&mut rng).clamp(-3.0, 3.0),
                    f64::from(rng.gen_range(-2..3)),
                ];
                let aggregate =
                    [Aggregate::Sum, Aggregate::Min, Aggregate::Max][rng.gen_range(0..3)];
                let opts = CombineOptions::new().weights(weights).aggregate(aggregate);
                let agg = match aggregate {
                    Aggregate::Sum => "SUM",
                    Aggregate::Min => "MIN",
                    Aggregate::Max => "MAX",
                };
                let tail = |args: &mut Vec<String>| {
                    args.extend([
                        "WEIGHTS".into(),
                        score_text(weights[0]),
                        score_text(weights[1]),
                        "AGGREGATE".into(),
                        agg.into(),
                    ]);
                };
                match rng.gen_range(0..6) {
                    0 => {
                        let mut args = vec!["ZUNION".into(), "2".into(), key.into(), other.into()];
                        tail(&mut args);
                        args.push("WITHSCORES".into());
                        (scored_resp(z.zunion_with(keys2, &opts)), args)
                    }
                    1 => {
                        let mut args = vec!["ZINTER".into(), "2".into(), key.into(), other.into()];
                        tail(&mut args);
                        args.push("WITHSCORES".into());
                        (scored_resp(z.zinter_with(keys2, &opts)), args)
                    }
                    2 => (
                        scored_resp(z.zdiff_withscores(keys2)),
                        vec![
                            "ZDIFF".into(),
                            "2".into(),
                            key.into(),
                            other.into(),
                            "WITHSCORES".into(),
                        ],
                    ),
                    3 => {
                        let dst = keys[rng.gen_range(0..3)];
                        let mut args = vec![
                            "ZUNIONSTORE".into(),
                            dst.into(),
                            "2".into(),
                            key.into(),
                            other.into(),
                        ];
                        tail(&mut args);
                        (int_resp(z.zunionstore_with(dst, keys2, &opts)), args)
                    }
                    4 => {
                        let dst = keys[rng.gen_range(0..3)];
                        let mut args = vec![
                            "ZINTERSTORE".into(),
                            dst.into(),
                            "2".into(),
                            key.into(),
                            other.into(),
                        ];
                        tail(&mut args);
                        (int_resp(z.zinterstore_with(dst, keys2, &opts)), args)
                    }
                    _ => {
                        let limit = rng.gen_range(0..4usize);
                        (
                            int_resp(z.zintercard(keys2, limit)),
                            vec![
                                "ZINTERCARD".into(),
                                "2".into(),
                                key.into(),
                                other.into(),
                                "LIMIT".into(),
                                limit.to_string(),
                            ],
                        )
                    }
                }
            }
            _ => (int_resp(z.zcard(key)), vec!["ZCARD".into(), key.into()]),
        };
        let theirs = redis.cmd(&args);
        assert_eq!(
            show(&numeric(ours)),
            show(&numeric(theirs)),
            "round {round}: {args:?}"
        );
        if round % 500 == 0 {
            for k in ["z1", "z2", "z3"] {
                let ours = scored_resp(z.zrange_withscores(k, 0, -1));
                let args = ["ZRANGE", k, "0", "-1", "WITHSCORES"];
                assert_eq!(
                    numeric(ours),
                    numeric(redis.cmd(&args)),
                    "round {round}: {k}"
                );
            }
        }
    }
}

fn scored_nested(v: Vec<(embedis::Blob, f64)>) -> Resp {
    Resp::Array(Some(
        v.into_iter()
            .map(|(m, s)| {
                Resp::Array(Some(vec![
                    Resp::Bulk(Some(m.to_vec())),
                    Resp::Bulk(Some(score_text(s).into_bytes())),
                ]))
            })
            .collect(),
    ))
}

/// Lex ranges over members of equal score, small and large sets.
#[allow(clippy::many_single_char_names)]
fn zset_lex_ranges_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let z = store.zsets();
    let mut rng = SmallRng::seed_from_u64(37);
    // Lex ranges over a same-score set, small then large.
    for n in [20, 300] {
        redis.cmd(&["DEL", "lex"]);
        store.keys().del(["lex"]).unwrap();
        for k in 0..n {
            let m = format!("{}{}", ["a", "b", "ab", "ba", ""][k % 5], k % 37);
            z.zadd("lex", [(&m, 0.0)]).unwrap();
            redis.cmd(&["ZADD", "lex", "0", &m]);
        }
        let bounds = [
            "-", "+", "[a", "(a", "[b1", "(b1", "[ab", "(ba3", "[", "(", "[zz",
        ];
        for _ in 0..300 {
            let (lo, hi) = (
                bounds[rng.gen_range(0..bounds.len())],
                bounds[rng.gen_range(0..bounds.len())],
            );
            let (l, h) = (LexBound::parse(lo).unwrap(), LexBound::parse(hi).unwrap());
            assert_eq!(lex_text(&l), lo);
            let (o, c) = (rng.gen_range(0..4), rng.gen_range(-1..6));
            let checks = [
                (
                    array_resp(z.zrange_by(
                        "lex",
                        &redis_args::limit(ZRange::lex(l.clone(), h.clone()), false, o, c),
                    )),
                    vec![
                        "ZRANGEBYLEX".to_string(),
                        "lex".into(),
                        lo.into(),
                        hi.into(),
                        "LIMIT".into(),
                        o.to_string(),
                        c.to_string(),
                    ],
                ),
                (
                    array_resp(z.zrevrangebylex("lex", h.clone(), l.clone())),
                    vec![
                        "ZREVRANGEBYLEX".to_string(),
                        "lex".into(),
                        hi.into(),
                        lo.into(),
                    ],
                ),
                (
                    int_resp(z.zlexcount("lex", l.clone(), h.clone())),
                    vec!["ZLEXCOUNT".to_string(), "lex".into(), lo.into(), hi.into()],
                ),
            ];
            for (ours, args) in checks {
                assert_eq!(ours, redis.cmd(&args), "{args:?}");
            }
        }
        let (l, h) = (
            LexBound::parse("[b").unwrap(),
            LexBound::parse("(ba9").unwrap(),
        );
        assert_eq!(
            int_resp(z.zremrangebylex("lex", l, h)),
            redis.cmd(&["ZREMRANGEBYLEX", "lex", "[b", "(ba9"])
        );
        assert_eq!(
            array_resp(z.zrange("lex", 0, -1)),
            redis.cmd(&["ZRANGE", "lex", "0", "-1"])
        );
    }
}

/// ZRANDMEMBER's whole-set reply, -0 in both forms, and the errors of the sorted-set
/// commands, word for word.
fn zset_edge_cases_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let z = store.zsets();
    // A count past the size returns the small set whole, highest first.
    z.zadd("q", [("e", 5.0), ("a", 1.0), ("c", 3.0)]).unwrap();
    redis.cmd(&["ZADD", "q", "5", "e", "1", "a", "3", "c"]);
    assert_eq!(
        numeric(scored_resp(
            z.zrandmember_withscores("q", embedis::Picks::Distinct(10))
        )),
        numeric(redis.cmd(&["ZRANDMEMBER", "q", "10", "WITHSCORES"]))
    );
    // -0: the compact form stores 0, the skiplist keeps the sign.
    z.zadd("q", [("neg", -0.0)]).unwrap();
    redis.cmd(&["ZADD", "q", "-0", "neg"]);
    assert_eq!(
        opt_score_resp(z.zscore("q", "neg")),
        redis.cmd(&["ZSCORE", "q", "neg"])
    );
    let many: Vec<(String, f64)> = (0..200).map(|k| (format!("m{k}"), f64::from(k))).collect();
    for (m, s) in &many {
        redis.cmd(&["ZADD", "big", &score_text(*s), m]);
    }
    z.zadd("big", many).unwrap();
    z.zadd("big", [("neg", -0.0)]).unwrap();
    redis.cmd(&["ZADD", "big", "-0", "neg"]);
    assert_eq!(
        opt_score_resp(z.zscore("big", "neg")),
        redis.cmd(&["ZSCORE", "big", "neg"])
    );
    // Walks by score in both directions with LIMIT, on the large set; ZSCAN of a
    // small set in one step; ZRANDMEMBER's reply sizes.
    for (lo, hi, o, c) in [
        ("10", "150", "3", "5"),
        ("(10", "+inf", "0", "-1"),
        ("-inf", "(0", "0", "3"),
    ] {
        let (l, h) = (
            ScoreBound::parse(lo).unwrap(),
            ScoreBound::parse(hi).unwrap(),
        );
        let (offset, count) = (o.parse().unwrap(), c.parse().unwrap());
        let ours = z.zrange_by_withscores(
            "big",
            &redis_args::limit(ZRange::score(l, h).rev(), false, offset, count),
        );
        let theirs = redis.cmd(&[
            "ZREVRANGEBYSCORE",
            "big",
            hi,
            lo,
            "WITHSCORES",
            "LIMIT",
            o,
            c,
        ]);
        assert_eq!(
            numeric(scored_resp(ours)),
            numeric(theirs),
            "{lo} {hi} {o} {c}"
        );
        let ours = z.zrange_by(
            "big",
            &redis_args::limit(ZRange::score(l, h), false, offset, count),
        );
        let theirs = redis.cmd(&["ZRANGEBYSCORE", "big", lo, hi, "LIMIT", o, c]);
        assert_eq!(
            numeric(array_resp(ours)),
            numeric(theirs),
            "{lo} {hi} {o} {c}"
        );
    }
    let (cursor, got) = z.zscan("q", 0, &ScanOptions::new()).unwrap();
    let theirs = redis.cmd(&["ZSCAN", "q", "0"]);
    let ours = Resp::Array(Some(vec![
        Resp::Bulk(Some(cursor.to_string().into_bytes())),
        scored_resp(Ok(got)),
    ]));
    assert_eq!(numeric(ours), numeric(theirs));
    for count in [-5i64, 0, 2, 500] {
        let ours = reply_len(array_resp(
            z.zrandmember_count("big", redis_args::picks(count)),
        ));
        let theirs = reply_len(redis.cmd(&["ZRANDMEMBER", "big", &count.to_string()]));
        assert_eq!(ours, theirs, "ZRANDMEMBER big {count}");
    }
}

/// The errors of the sorted-set commands, word for word, and that a failed ZINCRBY
/// changes nothing.
fn zset_errors_match_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let z = store.zsets();
    z.zadd("q", [("a", 1.0)]).unwrap();
    redis.cmd(&["ZADD", "q", "1", "a"]);
    z.zincrby("q", f64::NEG_INFINITY, "inf").unwrap();
    redis.cmd(&["ZINCRBY", "q", "-inf", "inf"]);
    let errors: Vec<(Error, Vec<&str>)> = vec![
        (
            z.zincrby("q", f64::INFINITY, "inf").unwrap_err(),
            vec!["ZINCRBY", "q", "inf", "inf"],
        ),
        (
            z.zrange_by("q", &ZRange::rank(0, 1).limit(0, 1))
                .unwrap_err(),
            vec!["ZRANGE", "q", "0", "1", "LIMIT", "0", "1"],
        ),
        (
            z.zrange_by_withscores("q", &ZRange::lex(LexBound::Min, LexBound::Max))
                .unwrap_err(),
            vec!["ZRANGE", "q", "-", "+", "BYLEX", "WITHSCORES"],
        ),
        (
            ScoreBound::parse("x").unwrap_err(),
            vec!["ZCOUNT", "q", "x", "1"],
        ),
        (
            ScoreBound::parse("nan").unwrap_err(),
            vec!["ZCOUNT", "q", "nan", "1"],
        ),
        (
            LexBound::parse("a").unwrap_err(),
            vec!["ZLEXCOUNT", "q", "a", "+"],
        ),
        (
            z.zunion(Vec::<&str>::new()).unwrap_err(),
            vec!["ZUNION", "0", "q"],
        ),
        (
            z.zinterstore(Vec::<u8>::new(), Vec::<&str>::new())
                .unwrap_err(),
            vec!["ZINTERSTORE", "d", "0", "q"],
        ),
        (
            z.zunion_with(["q"], &CombineOptions::new().weights([f64::NAN]))
                .unwrap_err(),
            vec!["ZUNION", "1", "q", "WEIGHTS", "nan"],
        ),
        (
            z.zmpop(["q"], ScoreEnd::Min, 0).unwrap_err(),
            vec!["ZMPOP", "1", "q", "MIN", "COUNT", "0"],
        ),
        (
            z.zintercard(Vec::<&str>::new(), 0).unwrap_err(),
            vec!["ZINTERCARD", "0", "q"],
        ),
    ];
    for (ours, args) in errors {
        assert_eq!(Resp::Error(ours.to_string()), redis.cmd(&args), "{args:?}");
    }
    // The failed ZINCRBY changed nothing.
    assert_eq!(
        opt_score_resp(z.zscore("q", "inf")),
        redis.cmd(&["ZSCORE", "q", "inf"])
    );
}

/// What one command did to the store here, for the event comparison.
type Step = Box<dyn Fn(&Store) -> embedis::Result<()>>;

fn step(f: impl Fn(&Store) -> embedis::Result<()> + 'static) -> Step {
    Box::new(f)
}

/// Keyspace notifications (`KEA` plus new keys): after each command, the events
/// published here — channel and message, in order — are Redis's.
#[allow(clippy::too_many_lines)]
fn keyspace_events_match_redis(redis: &mut Redis) {
    use embedis::KeyspaceEvents;
    redis.cmd(&["FLUSHALL"]);
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEAnm"]);
    let mut listener = redis.connect();
    listener.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    listener.cmd(&["SUBSCRIBE", "sync"]);
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("KEAnm").unwrap())
        .build();
    let ours = store.pubsub().psubscribe(["__key*__:*"]);
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<String>>();
    let steps: Vec<(Vec<String>, Step)> = vec![
        (s(&["SET", "k", "v"]), step(|st| st.strings().set("k", "v"))),
        (
            s(&["SET", "k", "v", "EX", "100"]),
            step(|st| {
                st.strings()
                    .set_with("k", "v", SetOptions::new().ttl(Duration::from_secs(100)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["INCR", "n"]),
            step(|st| st.strings().incr("n").map(|_| ())),
        ),
        (
            s(&["INCRBYFLOAT", "f", "1.5"]),
            step(|st| st.strings().incrbyfloat("f", 1.5).map(|_| ())),
        ),
        (
            s(&["APPEND", "k", "x"]),
            step(|st| st.strings().append("k", "x").map(|_| ())),
        ),
        (
            s(&["SETRANGE", "k", "0", "ab"]),
            step(|st| st.strings().setrange("k", 0, "ab").map(|_| ())),
        ),
        (
            s(&["GETDEL", "k"]),
            step(|st| st.strings().getdel("k").map(|_| ())),
        ),
        (
            s(&["MSET", "a", "1", "b", "2"]),
            step(|st| st.strings().mset([("a", "1"), ("b", "2")])),
        ),
        (
            s(&["EXPIRE", "a", "100"]),
            step(|st| st.keys().expire("a", Duration::from_secs(100)).map(|_| ())),
        ),
        (
            s(&["PERSIST", "a"]),
            step(|st| st.keys().persist("a").map(|_| ())),
        ),
        (
            s(&["EXPIRE", "a", "0"]),
            step(|st| st.keys().expire("a", Duration::ZERO).map(|_| ())),
        ),
        (
            s(&["RENAME", "b", "c"]),
            step(|st| st.keys().rename("b", "c")),
        ),
        (
            s(&["COPY", "c", "d"]),
            step(|st| st.keys().copy("c", "d", CopyOptions::new()).map(|_| ())),
        ),
        (
            s(&["MOVE", "d", "1"]),
            step(|st| st.keys().move_key("d", 1).map(|_| ())),
        ),
        (
            s(&["DEL", "c", "nokey"]),
            step(|st| st.keys().del(["c", "nokey"]).map(|_| ())),
        ),
        (
            s(&["LPUSH", "l", "a", "b"]),
            step(|st| st.lists().lpush("l", ["a", "b"]).map(|_| ())),
        ),
        (
            s(&["RPUSH", "l", "c"]),
            step(|st| st.lists().rpush("l", ["c"]).map(|_| ())),
        ),
        (
            s(&["LPOP", "l"]),
            step(|st| st.lists().lpop("l").map(|_| ())),
        ),
        (
            s(&["RPOP", "l", "5"]),
            step(|st| st.lists().rpop_count("l", 5).map(|_| ())),
        ),
        (
            s(&["LPUSHX", "l", "x"]),
            step(|st| st.lists().lpushx("l", ["x"]).map(|_| ())),
        ),
        (
            s(&["LPUSH", "l", "x", "y"]),
            step(|st| st.lists().lpush("l", ["x", "y"]).map(|_| ())),
        ),
        (
            s(&["LINSERT", "l", "BEFORE", "x", "w"]),
            step(|st| {
                st.lists()
                    .linsert("l", Position::Before, "x", "w")
                    .map(|_| ())
            }),
        ),
        (
            s(&["LSET", "l", "0", "z"]),
            step(|st| st.lists().lset("l", 0, "z")),
        ),
        (
            s(&["LREM", "l", "0", "z"]),
            step(|st| st.lists().lrem("l", embedis::Matches::All, "z").map(|_| ())),
        ),
        (
            s(&["LTRIM", "l", "0", "0"]),
            step(|st| st.lists().ltrim("l", 0, 0)),
        ),
        (
            s(&["LMOVE", "l", "l2", "LEFT", "RIGHT"]),
            step(|st| {
                st.lists()
                    .lmove("l", "l2", Side::Left, Side::Right)
                    .map(|_| ())
            }),
        ),
        (
            s(&["HSET", "h", "f", "v"]),
            step(|st| st.hashes().hset("h", [("f", "v")]).map(|_| ())),
        ),
        (
            s(&["HSETNX", "h", "f", "v"]),
            step(|st| st.hashes().hsetnx("h", "f", "v").map(|_| ())),
        ),
        (
            s(&["HINCRBY", "h", "n", "1"]),
            step(|st| st.hashes().hincrby("h", "n", 1).map(|_| ())),
        ),
        (
            s(&["HINCRBYFLOAT", "h", "g", "1.5"]),
            step(|st| st.hashes().hincrbyfloat("h", "g", 1.5).map(|_| ())),
        ),
        (
            s(&["HDEL", "h", "f", "n", "g"]),
            step(|st| st.hashes().hdel("h", ["f", "n", "g"]).map(|_| ())),
        ),
        (
            s(&["SADD", "s", "a", "b"]),
            step(|st| st.sets().sadd("s", ["a", "b"]).map(|_| ())),
        ),
        (
            s(&["SADD", "s", "a"]),
            step(|st| st.sets().sadd("s", ["a"]).map(|_| ())),
        ),
        (
            s(&["SREM", "s", "a"]),
            step(|st| st.sets().srem("s", ["a"]).map(|_| ())),
        ),
        (
            s(&["SMOVE", "s", "s2", "b"]),
            step(|st| st.sets().smove("s", "s2", "b").map(|_| ())),
        ),
        (
            s(&["SPOP", "s2"]),
            step(|st| st.sets().spop("s2").map(|_| ())),
        ),
        (
            s(&["SADD", "s3", "x"]),
            step(|st| st.sets().sadd("s3", ["x"]).map(|_| ())),
        ),
        (
            s(&["SINTERSTORE", "dst", "s3", "s3"]),
            step(|st| st.sets().sinterstore("dst", ["s3", "s3"]).map(|_| ())),
        ),
        (
            s(&["SUNIONSTORE", "dst", "nokey"]),
            step(|st| st.sets().sunionstore("dst", ["nokey"]).map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "1", "a", "2", "b"]),
            step(|st| st.zsets().zadd("z", [("a", 1.0), ("b", 2.0)]).map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "XX", "1", "a"]),
            step(|st| {
                st.zsets()
                    .zadd_with(
                        "z",
                        [("a", 1.0)],
                        ZAddOptions::new().condition(ZAddCondition::IfPresent),
                    )
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZINCRBY", "z", "1", "a"]),
            step(|st| st.zsets().zincrby("z", 1.0, "a").map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "INCR", "1", "b"]),
            step(|st| {
                st.zsets()
                    .zadd_incr("z", "b", 1.0, ZAddOptions::new())
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZREM", "z", "a"]),
            step(|st| st.zsets().zrem("z", ["a"]).map(|_| ())),
        ),
        (
            s(&["ZPOPMIN", "z"]),
            step(|st| st.zsets().zpopmin("z", 1).map(|_| ())),
        ),
        (
            s(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
            step(|st| {
                st.zsets()
                    .zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)])
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZREMRANGEBYSCORE", "z", "1", "1"]),
            step(|st| st.zsets().zremrangebyscore("z", 1.0, 1.0).map(|_| ())),
        ),
        (
            s(&["ZREMRANGEBYRANK", "z", "0", "0"]),
            step(|st| st.zsets().zremrangebyrank("z", 0, 0).map(|_| ())),
        ),
        (
            s(&["ZREMRANGEBYLEX", "z", "-", "+"]),
            step(|st| {
                st.zsets()
                    .zremrangebylex("z", LexBound::Min, LexBound::Max)
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZADD", "z2", "1", "x"]),
            step(|st| st.zsets().zadd("z2", [("x", 1.0)]).map(|_| ())),
        ),
        (
            s(&["ZUNIONSTORE", "z3", "1", "z2"]),
            step(|st| st.zsets().zunionstore("z3", ["z2"]).map(|_| ())),
        ),
        (
            s(&["ZRANGESTORE", "z4", "z2", "0", "-1"]),
            step(|st| {
                st.zsets()
                    .zrangestore("z4", "z2", &ZRange::rank(0, -1))
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZINTERSTORE", "z4", "2", "z2", "nokey"]),
            step(|st| st.zsets().zinterstore("z4", ["z2", "nokey"]).map(|_| ())),
        ),
        (
            s(&["SETBIT", "bits", "3", "1"]),
            step(|st| st.bits().setbit("bits", 3, true).map(|_| ())),
        ),
        (
            s(&["SETBIT", "bits", "3", "1"]),
            step(|st| st.bits().setbit("bits", 3, true).map(|_| ())),
        ),
        (
            s(&["BITOP", "OR", "bits2", "bits"]),
            step(|st| st.bits().bitop(BitOp::Or, "bits2", ["bits"]).map(|_| ())),
        ),
        (s(&["SET", "g", "v"]), step(|st| st.strings().set("g", "v"))),
        (
            s(&["GETEX", "g", "EX", "100"]),
            step(|st| {
                st.strings()
                    .getex("g", Expiry::In(Duration::from_secs(100)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["GETEX", "g", "PERSIST"]),
            step(|st| st.strings().getex("g", Expiry::Persist).map(|_| ())),
        ),
        (
            s(&["GETEX", "g", "PERSIST"]),
            step(|st| st.strings().getex("g", Expiry::Persist).map(|_| ())),
        ),
        (
            s(&["MSET", "e1", "x", "e2", "y"]),
            step(|st| st.strings().mset([("e1", "x"), ("e2", "y")])),
        ),
        (
            s(&["RENAME", "e1", "e2"]),
            step(|st| st.keys().rename("e1", "e2")),
        ),
        (
            s(&["COPY", "e2", "e3"]),
            step(|st| st.keys().copy("e2", "e3", CopyOptions::new()).map(|_| ())),
        ),
        (
            s(&["COPY", "e2", "e3", "REPLACE"]),
            step(|st| {
                st.keys()
                    .copy("e2", "e3", CopyOptions::new().replace())
                    .map(|_| ())
            }),
        ),
        (
            s(&["GET", "nokey"]),
            step(|st| st.strings().get("nokey").map(|_| ())),
        ),
        (
            s(&["MGET", "e2", "nokey"]),
            step(|st| st.strings().mget(["e2", "nokey"]).map(|_| ())),
        ),
        (
            s(&["EXISTS", "nokey", "e2"]),
            step(|st| st.keys().exists(["nokey", "e2"]).map(|_| ())),
        ),
        (
            s(&["TTL", "nokey"]),
            step(|st| st.keys().ttl("nokey").map(|_| ())),
        ),
        (
            s(&["TYPE", "nokey"]),
            step(|st| st.keys().key_type("nokey").map(|_| ())),
        ),
        (
            s(&["SINTER", "s3", "nokey"]),
            step(|st| st.sets().sinter(["s3", "nokey"]).map(|_| ())),
        ),
        (
            s(&["ZSCORE", "nokey", "m"]),
            step(|st| st.zsets().zscore("nokey", "m").map(|_| ())),
        ),
        (
            s(&["HGET", "nokey", "f"]),
            step(|st| st.hashes().hget("nokey", "f").map(|_| ())),
        ),
        (
            s(&["LRANGE", "nokey", "0", "-1"]),
            step(|st| st.lists().lrange("nokey", 0, -1).map(|_| ())),
        ),
        (
            s(&["GETDEL", "nokey"]),
            step(|st| st.strings().getdel("nokey").map(|_| ())),
        ),
        (
            s(&["STRLEN", "nokey"]),
            step(|st| st.strings().strlen("nokey").map(|_| ())),
        ),
        (
            s(&["GETEX", "nokey", "EX", "5"]),
            step(|st| {
                st.strings()
                    .getex("nokey", Expiry::In(Duration::from_secs(5)))
                    .map(|_| ())
            }),
        ),
        (
            s(&["ZUNION", "2", "nokey", "z2"]),
            step(|st| st.zsets().zunion(["nokey", "z2"]).map(|_| ())),
        ),
    ];
    for (n, (args, apply)) in steps.iter().enumerate() {
        redis.cmd(args);
        redis.cmd(&["PUBLISH", "sync", &n.to_string()]);
        let mut theirs = Vec::new();
        loop {
            match read_resp(&mut listener.reader) {
                Resp::Array(Some(m)) if m[0] == Resp::Bulk(Some(b"pmessage".to_vec())) => {
                    theirs.push((m[2].clone(), m[3].clone()));
                }
                Resp::Array(Some(m)) if m[0] == Resp::Bulk(Some(b"message".to_vec())) => break,
                other => panic!("unexpected push {other:?}"),
            }
        }
        apply(&store).unwrap();
        let mine: Vec<(Resp, Resp)> = ours
            .iter_pending()
            .map(|m| {
                (
                    Resp::Bulk(Some(m.channel.to_vec())),
                    Resp::Bulk(Some(m.payload.to_vec())),
                )
            })
            .collect();
        let show_all = |v: &[(Resp, Resp)]| {
            v.iter()
                .map(|(c, p)| format!("{} {}", show(c), show(p)))
                .collect::<Vec<_>>()
        };
        assert_eq!(show_all(&mine), show_all(&theirs), "{args:?}");
    }
    redis.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]);
}

fn hincrbyfloat_matches_redis(redis: &mut Redis) {
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let starts = [
        "0", "10.50", "5.0e3", "-0.1", "1.7e308", "abc", " 1", "inf", "1e-5",
    ];
    let incrs = [0.1, -1.1, 1e10, 1.7e308, 2.5, -31.0];
    for start in starts {
        for incr in incrs {
            store.hashes().hset("h", [("f", start)]).unwrap();
            redis.cmd(&["HSET", "h", "f", start]);
            let ours = store.hashes().hincrbyfloat("h", "f", incr).map(|_| ());
            let theirs = redis.cmd(&["HINCRBYFLOAT", "h", "f", &format!("{incr}")]);
            match (ours, theirs) {
                (Ok(()), Resp::Bulk(Some(_))) => {}
                (Err(e), Resp::Error(t)) => assert_eq!(e.to_string(), t, "{start} + {incr}"),
                (o, t) => panic!("{start} + {incr}: ours {o:?} redis {t:?}"),
            }
            let ours = store.hashes().hget("h", "f").unwrap().map(|b| b.to_vec());
            assert_eq!(ours, redis.bulk(&["HGET", "h", "f"]), "{start} + {incr}");
        }
    }
    for incr in [f64::INFINITY, f64::NEG_INFINITY] {
        let ours = store.hashes().hincrbyfloat("h", "f", incr).unwrap_err();
        let text = if incr > 0.0 { "inf" } else { "-inf" };
        assert_eq!(
            ours.to_string(),
            redis.error(&["HINCRBYFLOAT", "h", "f", text])
        );
    }
}

/// One server for every check, run in sequence (parallel servers would race for ports).
#[test]
fn typed_api_agrees_with_redis() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    incrbyfloat_results_match_redis(&mut redis);
    ranges_counts_and_positions_match_redis(&mut redis);
    bitfield_matches_redis(&mut redis);
    lcs_matches_redis(&mut redis);
    glob_patterns_match_redis(&mut redis);
    expire_conditions_match_redis(&mut redis);
    error_messages_match_redis(&mut redis);
    hash_and_set_commands_match_redis(&mut redis);
    hincrbyfloat_matches_redis(&mut redis);
    small_hashes_keep_redis_order(&mut redis);
    list_commands_match_redis(&mut redis);
    zset_commands_match_redis(&mut redis);
    zset_lex_ranges_match_redis(&mut redis);
    zset_edge_cases_match_redis(&mut redis);
    zset_errors_match_redis(&mut redis);
    keyspace_events_match_redis(&mut redis);
}
