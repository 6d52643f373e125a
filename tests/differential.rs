//! Differential tests: the same seeded random command sequences against a real
//! `redis-server` (started on 127.0.0.1, persistence off) and `Connection::execute`,
//! replies compared exactly — order-free replies as sets, random picks by their shape.
//!
//! `EMBEDIS_DIFF_ROUNDS=100000 cargo test --test differential -- --nocapture` runs more
//! (each round is 250 commands on a flushed keyspace); `EMBEDIS_DIFF_SEED=n` starts
//! from seed `n`. A mismatch prints the seed and a shrunk sequence that reproduces it.

mod common;

#[path = "common/hostile.rs"]
mod hostile;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;
use redis_client::Redis;

use embedis::{Reply, Store};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// How two replies are compared.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Compare {
    Exact,
    /// An array whose order is unspecified.
    Unordered,
    /// Field–value or member–score pairs in unspecified order.
    UnorderedPairs,
    /// A random pick: the same shape (error text, nil, or array length).
    Shape,
    /// A scan step: the cursor, then the elements in any order (pairs if `true`).
    Scan(bool),
    /// An integer within this distance (`PTTL`).
    Near(i64),
    /// Not compared (`HELLO`, whose reply names the server).
    Ignore,
    /// Only an error reply is compared (a lex range over unequal scores, unspecified).
    ErrorsOnly,
    /// Times left out: Unix times in milliseconds, idle times (`XPENDING`, `XINFO`).
    Clock,
}

fn normalize(r: &Reply, how: Compare) -> Reply {
    let sorted = |v: &[Reply], pairs: bool| {
        let mut items: Vec<Vec<Reply>> = if pairs {
            v.chunks(2).map(<[Reply]>::to_vec).collect()
        } else {
            v.iter().map(|r| vec![r.clone()]).collect()
        };
        items.sort_by_key(|i| format!("{i:?}"));
        Reply::Array(items.into_iter().flatten().collect())
    };
    match (how, r) {
        (Compare::Unordered, Reply::Array(v) | Reply::Set(v)) => sorted(v, false),
        (Compare::Unordered | Compare::UnorderedPairs, Reply::Map(pairs)) => {
            let flat: Vec<Reply> = pairs
                .iter()
                .flat_map(|(k, v)| [k.clone(), v.clone()])
                .collect();
            sorted(&flat, true)
        }
        (Compare::UnorderedPairs, Reply::Array(v)) => sorted(v, true),
        (Compare::Clock, _) => timeless(r),
        (Compare::Shape, Reply::Array(v) | Reply::Set(v)) => {
            Reply::Integer(i64::try_from(v.len()).unwrap())
        }
        (Compare::Shape, Reply::Bulk(_)) => Reply::Simple("bulk".into()),
        (Compare::Scan(pairs), Reply::Array(v)) if v.len() == 2 => match &v[1] {
            Reply::Array(items) => Reply::Array(vec![v[0].clone(), sorted(items, pairs)]),
            _ => r.clone(),
        },
        _ => r.clone(),
    }
}

/// `r` with its times zeroed: integers that are Unix times in milliseconds, the value
/// after an `idle` key, and the idle time of an `XPENDING` entry (its third element).
fn timeless(r: &Reply) -> Reply {
    let is_id = |r: &Reply| matches!(r, Reply::Bulk(b) if b.contains(&b'-'));
    match r {
        Reply::Integer(n) if *n >= 1_000_000_000_000 => Reply::Integer(0),
        Reply::Array(v) => {
            let mut out: Vec<Reply> = v.iter().map(timeless).collect();
            if out.len() == 4 && is_id(&out[0]) && matches!(out[2], Reply::Integer(_)) {
                out[2] = Reply::Integer(0);
            }
            for i in 1..out.len() {
                if matches!(&out[i - 1], Reply::Bulk(k) if &k[..] == b"idle") {
                    out[i] = Reply::Integer(0);
                }
            }
            Reply::Array(out)
        }
        Reply::Map(pairs) => Reply::Map(
            pairs
                .iter()
                .map(|(k, v)| {
                    let idle = matches!(k, Reply::Bulk(k) if &k[..] == b"idle");
                    (
                        k.clone(),
                        if idle { Reply::Integer(0) } else { timeless(v) },
                    )
                })
                .collect(),
        ),
        _ => r.clone(),
    }
}

fn agree(ours: &Reply, theirs: &Reply, how: Compare) -> bool {
    if let (Compare::Near(d), Reply::Integer(a), Reply::Integer(b)) = (how, ours, theirs) {
        return (a - b).abs() <= d;
    }
    if how == Compare::Ignore {
        return true;
    }
    if how == Compare::ErrorsOnly {
        return ours.is_error() == theirs.is_error() && (!ours.is_error() || ours == theirs);
    }
    normalize(ours, how) == normalize(theirs, how)
}

const STRINGS: [&str; 2] = ["s0", "s1"];
const HASHES: [&str; 2] = ["h0", "h1"];
const LISTS: [&str; 2] = ["l0", "l1"];
const SETS: [&str; 2] = ["t0", "t1"];
const ZSETS: [&str; 2] = ["z0", "z1"];
/// Only ever holds members of score 0: Redis leaves lex ranges over different scores
/// unspecified.
const LEX: [&str; 1] = ["zl"];
const XS: [&str; 2] = ["x0", "x1"];
const GROUPS: [&str; 2] = ["g0", "g1"];
const CONSUMERS: [&str; 3] = ["c0", "c1", "c2"];
const ALL: [&str; 13] = [
    "s0", "s1", "h0", "h1", "l0", "l1", "t0", "t1", "z0", "z1", "x0", "x1", "nokey",
];

struct Gen {
    rng: SmallRng,
}

impl Gen {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from.choose(&mut self.rng).unwrap()
    }

    /// A key of the family most of the time, any key otherwise (wrong types).
    fn key(&mut self, family: &[&'static str]) -> String {
        if self.rng.gen_bool(0.8) {
            self.pick(family)
        } else {
            self.pick(&ALL)
        }
        .to_string()
    }

    /// The lex-only sorted set, or a key of another type.
    /// (`s0` may hold a sorted set of other scores by then: only errors are compared on
    /// it, and lex commands never write it. `lx` is never written at all.)
    fn lex_key(&mut self) -> String {
        if self.rng.gen_bool(0.8) {
            LEX[0]
        } else {
            self.pick(&["s0", "lx"])
        }
        .to_string()
    }

    /// A stream ID argument: mostly small complete IDs, so that entries collide and
    /// come out of order; sometimes special, partial or invalid ones.
    fn stream_id(&mut self) -> String {
        match self.rng.gen_range(0..24) {
            0 => "-".into(),
            1 => "+".into(),
            2 => "x".into(),
            3 => "0-0".into(),
            4 => "18446744073709551615-18446744073709551615".into(),
            5 => format!(
                "({}-{}",
                self.rng.gen_range(0..20),
                self.rng.gen_range(0..3)
            ),
            6 | 7 => self.rng.gen_range(0..20).to_string(),
            8 => format!("{}-x", self.rng.gen_range(0..20)),
            9 => "-1".into(),
            _ => format!("{}-{}", self.rng.gen_range(0..20), self.rng.gen_range(0..3)),
        }
    }

    /// A trimming clause of `XADD` or `XTRIM` (possibly a wrong one).
    fn trim(&mut self, a: &mut Vec<String>) {
        let strategy = self.pick(&["MAXLEN", "MAXLEN", "MINID", "maxlen"]);
        a.push(strategy.into());
        match self.rng.gen_range(0..3) {
            0 => a.push("~".into()),
            1 => a.push("=".into()),
            _ => {}
        }
        if strategy.eq_ignore_ascii_case("MAXLEN") {
            a.push(self.pick(&["0", "1", "2", "3", "5", "-1", "x"]).into());
        } else {
            a.push(self.stream_id());
        }
        if self.rng.gen_bool(0.2) {
            a.extend(["LIMIT".into(), self.pick(&["0", "1", "10", "-1"]).into()]);
        }
    }

    fn int(&mut self) -> String {
        match self.rng.gen_range(0..20) {
            0 => "x".into(),
            1 => "9223372036854775807".into(),
            2 => "-9223372036854775808".into(),
            3 => "1.5".into(),
            4 => String::new(),
            _ => self.rng.gen_range(-4..12).to_string(),
        }
    }

    fn lon(&mut self) -> &'static str {
        self.pick(&[
            "13.361389",
            "15.087269",
            "-180",
            "180",
            "181",
            "0",
            "x",
            "13.4",
        ])
    }

    fn lat(&mut self) -> &'static str {
        self.pick(&[
            "38.115556",
            "37.502669",
            "85.05112878",
            "-85.06",
            "0",
            "x",
            "38.1",
        ])
    }

    fn small(&mut self) -> String {
        self.rng.gen_range(-3..8).to_string()
    }

    fn float(&mut self) -> String {
        match self.rng.gen_range(0..16) {
            0 => "inf".into(),
            1 => "-inf".into(),
            2 => "nan".into(),
            3 => "x".into(),
            4 => "-0".into(),
            5 => "1e400".into(),
            6 => "0.1".into(),
            7 => "2.5".into(),
            8 => "1e-5".into(),
            _ => self.rng.gen_range(-5..10).to_string(),
        }
    }

    /// An `INCRBYFLOAT` increment. Redis reads these as `long double`, so `1e400` is an
    /// increment there; here it is not a float (the typed API takes an `f64`).
    fn incr_float(&mut self) -> String {
        match self.float() {
            f if f == "1e400" => "1e300".into(),
            f => f,
        }
    }

    fn member(&mut self) -> String {
        match self.rng.gen_range(0..12) {
            0 => String::new(),
            1 => "a-much-longer-member-that-is-over-sixty-four-bytes-long-to-change-the-encoding"
                .into(),
            2..=4 => self.rng.gen_range(0..6).to_string(),
            _ => self.pick(&["a", "b", "c", "d", "e", "ab", "bc"]).into(),
        }
    }

    fn members(&mut self, n: usize) -> Vec<String> {
        (0..self.rng.gen_range(1..=n))
            .map(|_| self.member())
            .collect()
    }

    fn score_bound(&mut self) -> String {
        let open = if self.rng.gen_bool(0.3) { "(" } else { "" };
        match self.rng.gen_range(0..10) {
            0 => "-inf".into(),
            1 => "+inf".into(),
            2 => "x".into(),
            _ => format!("{open}{}", self.rng.gen_range(-3..8)),
        }
    }

    fn lex_bound(&mut self) -> String {
        match self.rng.gen_range(0..10) {
            0 => "-".into(),
            1 => "+".into(),
            2 => "x".into(),
            _ => format!(
                "{}{}",
                self.pick(&["[", "("]),
                self.pick(&["a", "b", "c", "d", ""])
            ),
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per command form
    fn command(&mut self) -> (Vec<String>, Compare) {
        use Compare::{Clock, Exact, Near, Scan, Shape, Unordered, UnorderedPairs};
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<String>>();
        let r = self.rng.gen_range(0..175);
        let (mut args, how): (Vec<String>, Compare) = match r {
            // strings
            0 => (vec!["SET".into(), self.key(&STRINGS), self.int()], Exact),
            1 => {
                let mut a = vec!["SET".into(), self.key(&STRINGS), self.member()];
                for o in ["NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PERSIST"] {
                    if self.rng.gen_bool(0.15) {
                        a.push(o.into());
                        if o == "EX" || o == "PX" {
                            a.push(self.pick(&["100000", "0", "-1", "x", "500000"]).into());
                        } else if o == "EXAT" {
                            // (A time in the past is left out: Redis keeps such a key,
                            // expired, until it is next touched, which DBSIZE shows.)
                            a.push(self.pick(&["4102444800", "0", "x"]).into());
                        }
                    }
                }
                (a, Exact)
            }
            2 => (vec!["GET".into(), self.key(&STRINGS)], Exact),
            3 => (
                vec![self.pick(&["INCR", "DECR"]).into(), self.key(&STRINGS)],
                Exact,
            ),
            4 => (
                vec![
                    self.pick(&["INCRBY", "DECRBY"]).into(),
                    self.key(&STRINGS),
                    self.int(),
                ],
                Exact,
            ),
            5 => (
                vec!["INCRBYFLOAT".into(), self.key(&STRINGS), self.incr_float()],
                Exact,
            ),
            6 => (
                vec!["APPEND".into(), self.key(&STRINGS), self.member()],
                Exact,
            ),
            7 => (
                vec![
                    "GETRANGE".into(),
                    self.key(&STRINGS),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            8 => (
                vec![
                    "SETRANGE".into(),
                    self.key(&STRINGS),
                    self.small(),
                    self.member(),
                ],
                Exact,
            ),
            9 => (vec!["STRLEN".into(), self.key(&STRINGS)], Exact),
            10 => (
                vec![
                    "MSET".into(),
                    self.key(&STRINGS),
                    self.int(),
                    self.key(&STRINGS),
                    self.member(),
                ],
                Exact,
            ),
            11 => (
                vec![
                    "MGET".into(),
                    self.key(&STRINGS),
                    self.key(&STRINGS),
                    self.key(&ALL),
                ],
                Exact,
            ),
            12 => (vec!["GETDEL".into(), self.key(&STRINGS)], Exact),
            13 => (
                vec![
                    "GETEX".into(),
                    self.key(&STRINGS),
                    self.pick(&["EX", "PERSIST", "PX"]).into(),
                    "1000".into(),
                ],
                Exact,
            ),
            14 => (vec!["SETNX".into(), self.key(&STRINGS), self.int()], Exact),
            15 => (
                vec![
                    "SETEX".into(),
                    self.key(&STRINGS),
                    self.pick(&["10", "0", "-5", "x"]).into(),
                    "v".into(),
                ],
                Exact,
            ),
            16 => (
                vec![
                    "SETBIT".into(),
                    self.key(&STRINGS),
                    self.small(),
                    self.pick(&["0", "1", "2"]).into(),
                ],
                Exact,
            ),
            17 => (
                vec!["GETBIT".into(), self.key(&STRINGS), self.small()],
                Exact,
            ),
            18 => {
                let mut a = vec!["BITCOUNT".into(), self.key(&STRINGS)];
                if self.rng.gen_bool(0.6) {
                    a.extend([self.small(), self.small()]);
                    if self.rng.gen_bool(0.4) {
                        a.push(self.pick(&["BYTE", "BIT", "bad"]).into());
                    }
                }
                (a, Exact)
            }
            19 => {
                let mut a = vec![
                    "BITPOS".into(),
                    self.key(&STRINGS),
                    self.pick(&["0", "1", "2"]).into(),
                ];
                for _ in 0..self.rng.gen_range(0..3) {
                    a.push(self.small());
                }
                (a, Exact)
            }
            20 => (
                vec![
                    "BITOP".into(),
                    self.pick(&["AND", "OR", "XOR", "NOT", "bad"]).into(),
                    self.key(&STRINGS),
                    self.key(&STRINGS),
                    self.key(&STRINGS),
                ],
                Exact,
            ),
            21 => (vec!["GETSET".into(), self.key(&STRINGS), self.int()], Exact),
            22 => (
                vec!["LCS".into(), self.key(&STRINGS), self.key(&STRINGS)],
                Exact,
            ),
            // keys
            23 => (vec!["DEL".into(), self.key(&ALL), self.key(&ALL)], Exact),
            24 => (vec!["EXISTS".into(), self.key(&ALL), self.key(&ALL)], Exact),
            25 => (vec!["TYPE".into(), self.key(&ALL)], Exact),
            26 => {
                // No TTL short enough to pass during a round: timing is not compared.
                let (cmd, ttl) = if self.rng.gen_bool(0.5) {
                    (
                        "EXPIRE",
                        self.pick(&["100", "-1", "0", "x", "200000", "9223372036854775807"]),
                    )
                } else {
                    (
                        "PEXPIRE",
                        self.pick(&["100000", "-1", "0", "x", "200000000"]),
                    )
                };
                let mut a = vec![cmd.into(), self.key(&ALL), ttl.into()];
                if self.rng.gen_bool(0.3) {
                    a.push(self.pick(&["NX", "XX", "GT", "LT", "bad"]).into());
                }
                (a, Exact)
            }
            27 => (vec!["TTL".into(), self.key(&ALL)], Exact),
            28 => (vec!["PTTL".into(), self.key(&ALL)], Near(100)),
            29 => (vec!["PERSIST".into(), self.key(&ALL)], Exact),
            30 => (
                vec![
                    self.pick(&["RENAME", "RENAMENX"]).into(),
                    self.key(&ALL),
                    self.key(&ALL),
                ],
                Exact,
            ),
            31 => (
                vec!["KEYS".into(), self.pick(&["*", "s*", "?0", "[hz]*"]).into()],
                Unordered,
            ),
            32 => (vec!["DBSIZE".into()], Exact),
            33 => (
                vec![
                    "COPY".into(),
                    self.key(&ALL),
                    self.key(&ALL),
                    self.pick(&["REPLACE", "DB", "x"]).into(),
                ],
                Exact,
            ),
            // hashes
            34 | 35 => {
                let mut a = vec!["HSET".into(), self.key(&HASHES)];
                for _ in 0..self.rng.gen_range(1..4) {
                    a.extend([self.member(), self.int()]);
                }
                (a, Exact)
            }
            36 => (vec!["HGET".into(), self.key(&HASHES), self.member()], Exact),
            37 => (
                vec![
                    "HDEL".into(),
                    self.key(&HASHES),
                    self.member(),
                    self.member(),
                ],
                Exact,
            ),
            38 => (vec!["HGETALL".into(), self.key(&HASHES)], UnorderedPairs),
            39 => (
                vec![
                    self.pick(&["HKEYS", "HVALS", "HLEN"]).into(),
                    self.key(&HASHES),
                ],
                Unordered,
            ),
            40 => (
                vec![
                    "HINCRBY".into(),
                    self.key(&HASHES),
                    self.member(),
                    self.int(),
                ],
                Exact,
            ),
            41 => (
                vec![
                    "HINCRBYFLOAT".into(),
                    self.key(&HASHES),
                    self.member(),
                    self.incr_float(),
                ],
                Exact,
            ),
            42 => (
                vec![
                    "HMGET".into(),
                    self.key(&HASHES),
                    self.member(),
                    self.member(),
                ],
                Exact,
            ),
            43 => (
                vec![
                    self.pick(&["HEXISTS", "HSTRLEN"]).into(),
                    self.key(&HASHES),
                    self.member(),
                ],
                Exact,
            ),
            44 => (
                vec![
                    "HSETNX".into(),
                    self.key(&HASHES),
                    self.member(),
                    self.int(),
                ],
                Exact,
            ),
            45 => {
                let mut a = vec!["HRANDFIELD".into(), self.key(&HASHES)];
                if self.rng.gen_bool(0.7) {
                    a.push(self.small());
                    if self.rng.gen_bool(0.5) {
                        a.push("WITHVALUES".into());
                    }
                }
                (a, Shape)
            }
            46 => (
                vec![
                    "HSCAN".into(),
                    self.key(&HASHES),
                    "0".into(),
                    "COUNT".into(),
                    "100000".into(),
                ],
                Scan(true),
            ),
            // sets
            47 | 48 => {
                let mut a = vec!["SADD".into(), self.key(&SETS)];
                a.extend(self.members(4));
                (a, Exact)
            }
            49 => {
                let mut a = vec!["SREM".into(), self.key(&SETS)];
                a.extend(self.members(3));
                (a, Exact)
            }
            50 => (vec!["SMEMBERS".into(), self.key(&SETS)], Unordered),
            51 => (
                vec![
                    self.pick(&["SISMEMBER", "SCARD"]).into(),
                    self.key(&SETS),
                    self.member(),
                ],
                Exact,
            ),
            52 => (
                vec![
                    "SMISMEMBER".into(),
                    self.key(&SETS),
                    self.member(),
                    self.member(),
                ],
                Exact,
            ),
            53 => (
                vec![
                    self.pick(&["SINTER", "SUNION", "SDIFF"]).into(),
                    self.key(&SETS),
                    self.key(&SETS),
                ],
                Unordered,
            ),
            54 => (
                vec![
                    self.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
                        .into(),
                    self.key(&SETS),
                    self.key(&SETS),
                    self.key(&SETS),
                ],
                Exact,
            ),
            55 => (
                vec![
                    "SINTERCARD".into(),
                    self.pick(&["2", "0", "3", "x"]).into(),
                    self.key(&SETS),
                    self.key(&SETS),
                    "LIMIT".into(),
                    self.small(),
                ],
                Exact,
            ),
            56 => (
                vec![
                    "SMOVE".into(),
                    self.key(&SETS),
                    self.key(&SETS),
                    self.member(),
                ],
                Exact,
            ),
            57 => (
                vec!["SRANDMEMBER".into(), self.key(&SETS), self.small()],
                Shape,
            ),
            58 => (
                vec![
                    "SPOP".into(),
                    self.key(&SETS),
                    self.pick(&["1000", "-1", "0"]).into(), // beyond any set: random picks would make the stores differ
                ],
                Unordered,
            ),
            59 => (
                vec![
                    "SSCAN".into(),
                    self.key(&SETS),
                    "0".into(),
                    "COUNT".into(),
                    "100000".into(),
                ],
                Scan(false),
            ),
            // lists
            60 | 61 => {
                let mut a = vec![
                    self.pick(&["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]).into(),
                    self.key(&LISTS),
                ];
                a.extend(self.members(3));
                (a, Exact)
            }
            62 => {
                let mut a = vec![self.pick(&["LPOP", "RPOP"]).into(), self.key(&LISTS)];
                if self.rng.gen_bool(0.4) {
                    a.push(self.int());
                }
                (a, Exact)
            }
            63 => (
                vec![
                    "LRANGE".into(),
                    self.key(&LISTS),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            64 => (vec!["LINDEX".into(), self.key(&LISTS), self.small()], Exact),
            65 => (
                vec!["LSET".into(), self.key(&LISTS), self.small(), self.member()],
                Exact,
            ),
            66 => (
                vec![
                    "LINSERT".into(),
                    self.key(&LISTS),
                    self.pick(&["BEFORE", "AFTER", "x"]).into(),
                    self.member(),
                    self.member(),
                ],
                Exact,
            ),
            67 => (
                vec!["LREM".into(), self.key(&LISTS), self.small(), self.member()],
                Exact,
            ),
            68 => (
                vec!["LTRIM".into(), self.key(&LISTS), self.small(), self.small()],
                Exact,
            ),
            69 => {
                let mut a = vec!["LPOS".into(), self.key(&LISTS), self.member()];
                for o in ["RANK", "COUNT", "MAXLEN"] {
                    if self.rng.gen_bool(0.3) {
                        a.extend([o.into(), self.small()]);
                    }
                }
                (a, Exact)
            }
            70 => (
                vec![
                    "LMOVE".into(),
                    self.key(&LISTS),
                    self.key(&LISTS),
                    self.pick(&["LEFT", "RIGHT", "UP"]).into(),
                    self.pick(&["LEFT", "RIGHT"]).into(),
                ],
                Exact,
            ),
            71 => (
                vec![
                    "LMPOP".into(),
                    self.pick(&["2", "0", "5"]).into(),
                    self.key(&LISTS),
                    self.key(&LISTS),
                    self.pick(&["LEFT", "RIGHT"]).into(),
                    "COUNT".into(),
                    self.small(),
                ],
                Exact,
            ),
            72 => (
                vec![
                    self.pick(&["BLPOP", "BRPOP"]).into(),
                    self.key(&LISTS),
                    self.key(&LISTS),
                    self.pick(&["0.01", "-1", "x"]).into(),
                ],
                Exact,
            ),
            73 => (vec!["LLEN".into(), self.key(&LISTS)], Exact),
            // sorted sets
            75 if self.rng.gen_bool(0.5) => {
                let mut a = vec!["ZADD".into(), "zl".into()];
                for m in self.members(4) {
                    a.extend(["0".into(), m]);
                }
                (a, Exact)
            }
            74 | 75 => {
                let mut a = vec!["ZADD".into(), self.key(&ZSETS)];
                for o in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
                    if self.rng.gen_bool(0.1) {
                        a.push(o.into());
                    }
                }
                for _ in 0..self.rng.gen_range(1..4) {
                    a.extend([self.float(), self.member()]);
                }
                (a, Exact)
            }
            76 => (
                vec!["ZSCORE".into(), self.key(&ZSETS), self.member()],
                Exact,
            ),
            77 => (
                vec![
                    "ZINCRBY".into(),
                    self.key(&ZSETS),
                    self.float(),
                    self.member(),
                ],
                Exact,
            ),
            78 => (
                vec![
                    self.pick(&["ZRANK", "ZREVRANK"]).into(),
                    self.key(&ZSETS),
                    self.member(),
                ],
                Exact,
            ),
            79 | 80 => {
                let by = self.rng.gen_range(0..3);
                let key = if by == 2 {
                    self.lex_key()
                } else {
                    self.key(&ZSETS)
                };
                let (lo, hi) = match by {
                    0 => (self.small(), self.small()),
                    1 => (self.score_bound(), self.score_bound()),
                    _ => (self.lex_bound(), self.lex_bound()),
                };
                let mut a = vec!["ZRANGE".into(), key, lo, hi];
                if by == 1 {
                    a.push("BYSCORE".into());
                } else if by == 2 {
                    a.push("BYLEX".into());
                }
                if self.rng.gen_bool(0.3) {
                    a.push("REV".into());
                }
                if self.rng.gen_bool(0.3) {
                    a.extend(["LIMIT".into(), self.small(), self.small()]);
                }
                if self.rng.gen_bool(0.4) {
                    a.push("WITHSCORES".into());
                }
                (a, Exact)
            }
            81 => (
                vec![
                    self.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]).into(),
                    self.key(&ZSETS),
                    self.score_bound(),
                    self.score_bound(),
                    "WITHSCORES".into(),
                ],
                Exact,
            ),
            82 => (
                vec![
                    self.pick(&[
                        "ZRANGEBYLEX",
                        "ZREVRANGEBYLEX",
                        "ZLEXCOUNT",
                        "ZREMRANGEBYLEX",
                    ])
                    .into(),
                    self.lex_key(),
                    self.lex_bound(),
                    self.lex_bound(),
                ],
                Exact,
            ),
            83 => (
                vec![
                    self.pick(&["ZCOUNT", "ZREMRANGEBYSCORE"]).into(),
                    self.key(&ZSETS),
                    self.score_bound(),
                    self.score_bound(),
                ],
                Exact,
            ),
            84 => (
                vec![
                    "ZREMRANGEBYRANK".into(),
                    self.key(&ZSETS),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            85 => {
                let mut a = vec!["ZREM".into(), self.key(&ZSETS)];
                a.extend(self.members(3));
                (a, Exact)
            }
            86 => (
                vec![
                    self.pick(&["ZPOPMIN", "ZPOPMAX"]).into(),
                    self.key(&ZSETS),
                    self.pick(&["1", "2", "-1", "x"]).into(),
                ],
                Exact,
            ),
            87 => {
                let op = self.pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
                let mut a = vec![
                    op.into(),
                    self.key(&ZSETS),
                    "2".into(),
                    self.key(&ZSETS),
                    self.key(&SETS),
                ];
                if op != "ZDIFFSTORE" && self.rng.gen_bool(0.4) {
                    a.extend(["WEIGHTS".into(), self.float(), self.float()]);
                }
                if op != "ZDIFFSTORE" && self.rng.gen_bool(0.4) {
                    a.extend([
                        "AGGREGATE".into(),
                        self.pick(&["SUM", "MIN", "MAX", "x"]).into(),
                    ]);
                }
                (a, Exact)
            }
            88 => {
                let op = self.pick(&["ZUNION", "ZINTER", "ZDIFF"]);
                let mut a = vec![
                    op.into(),
                    self.pick(&["2", "0", "3"]).into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                ];
                if self.rng.gen_bool(0.5) {
                    a.push("WITHSCORES".into());
                }
                (a, Exact)
            }
            89 => (
                vec![
                    "ZMSCORE".into(),
                    self.key(&ZSETS),
                    self.member(),
                    self.member(),
                ],
                Exact,
            ),
            90 => (vec!["ZCARD".into(), self.key(&ZSETS)], Exact),
            91 => (
                vec![
                    "ZMPOP".into(),
                    "2".into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                    self.pick(&["MIN", "MAX", "x"]).into(),
                    "COUNT".into(),
                    self.small(),
                ],
                Exact,
            ),
            92 => (
                vec![
                    "ZRANGESTORE".into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            93 => (
                vec![
                    "ZINTERCARD".into(),
                    self.pick(&["2", "0", "x"]).into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                ],
                Exact,
            ),
            94 => (
                vec!["ZRANDMEMBER".into(), self.key(&ZSETS), self.small()],
                Shape,
            ),
            95 => (
                vec![
                    "ZSCAN".into(),
                    self.key(&ZSETS),
                    "0".into(),
                    "COUNT".into(),
                    "100000".into(),
                ],
                Scan(true),
            ),
            96 => (
                vec![
                    self.pick(&["BZPOPMIN", "BZPOPMAX"]).into(),
                    self.key(&ZSETS),
                    "0.01".into(),
                ],
                Exact,
            ),
            // connection and server
            97 => (s(&[self.pick(&["PING", "ECHO", "DBSIZE"])]), Exact),
            98 => (
                vec![self.pick(&["FOO", "GET", "SET", "HSET", "ZADD"]).into()],
                Exact,
            ),
            99 => (vec!["MULTI".into()], Exact),
            // less common forms
            100 => (
                vec![
                    self.pick(&["EXPIRETIME", "PEXPIRETIME"]).into(),
                    self.key(&ALL),
                ],
                Near(1000),
            ),
            101 => {
                let mut a = vec!["SCAN".into(), "0".into(), "COUNT".into(), "100000".into()];
                if self.rng.gen_bool(0.5) {
                    a.extend(["MATCH".into(), self.pick(&["*0", "?1", "[st]*"]).into()]);
                }
                if self.rng.gen_bool(0.5) {
                    a.extend([
                        "TYPE".into(),
                        self.pick(&["string", "hash", "ZSET", "nosuch"]).into(),
                    ]);
                }
                (a, Scan(false))
            }
            102 => (
                vec![
                    "ZREVRANGE".into(),
                    self.key(&ZSETS),
                    self.small(),
                    self.small(),
                    "WITHSCORES".into(),
                ],
                Exact,
            ),
            103 => (
                vec![
                    "ZREVRANGEBYSCORE".into(),
                    self.key(&ZSETS),
                    self.score_bound(),
                    self.score_bound(),
                    "LIMIT".into(),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            104 => (
                vec![
                    "SUBSTR".into(),
                    self.key(&STRINGS),
                    self.small(),
                    self.small(),
                ],
                Exact,
            ),
            105 => {
                let mut a = vec!["BITFIELD".into(), self.key(&STRINGS)];
                for _ in 0..self.rng.gen_range(1..4) {
                    let ty = self
                        .pick(&["u8", "i5", "u63", "i64", "u64", "x3"])
                        .to_string();
                    let offset = self.pick(&["0", "#1", "7", "-1", "100"]).to_string();
                    match self.rng.gen_range(0..4) {
                        0 => a.extend(["GET".into(), ty, offset]),
                        1 => a.extend(["SET".into(), ty, offset, self.int()]),
                        2 => a.extend(["INCRBY".into(), ty, offset, self.int()]),
                        _ => a.extend([
                            "OVERFLOW".into(),
                            self.pick(&["WRAP", "SAT", "FAIL", "NO"]).into(),
                        ]),
                    }
                }
                (a, Exact)
            }
            106 => (
                vec![
                    "BITFIELD_RO".into(),
                    self.key(&STRINGS),
                    self.pick(&["GET", "SET"]).into(),
                    "u4".into(),
                    self.small(),
                ],
                Exact,
            ),
            107 => (
                vec![
                    "SETRANGE".into(),
                    self.key(&STRINGS),
                    self.pick(&["-1", "536870912", "3"]).into(),
                    "x".into(),
                ],
                Exact,
            ),
            108 => (
                vec![
                    "MOVE".into(),
                    self.key(&ALL),
                    self.pick(&["1", "0", "16", "x"]).into(),
                ],
                Exact,
            ),
            109 => (
                vec![
                    "LCS".into(),
                    self.key(&STRINGS),
                    self.key(&STRINGS),
                    self.pick(&["LEN", "IDX", "WITHMATCHLEN"]).into(),
                ],
                Exact,
            ),
            110 => (
                vec![
                    "LCS".into(),
                    self.key(&STRINGS),
                    self.key(&STRINGS),
                    "IDX".into(),
                    "MINMATCHLEN".into(),
                    self.small(),
                    "WITHMATCHLEN".into(),
                ],
                Exact,
            ),
            111 => (
                vec![
                    "ZRANDMEMBER".into(),
                    self.key(&ZSETS),
                    self.small(),
                    "WITHSCORES".into(),
                ],
                Shape,
            ),
            112 => (
                vec![
                    "SRANDMEMBER".into(),
                    self.key(&SETS),
                    self.pick(&["-5", "5", "0"]).into(),
                ],
                Shape,
            ),
            113 => (
                vec![
                    "HRANDFIELD".into(),
                    self.key(&HASHES),
                    self.pick(&["-5", "5", "0"]).into(),
                    "WITHVALUES".into(),
                ],
                Shape,
            ),
            114 => (vec!["PUBLISH".into(), "ch".into(), "msg".into()], Exact),
            115 => (
                vec![
                    "PUBSUB".into(),
                    self.pick(&["NUMSUB", "NUMPAT", "CHANNELS", "NOPE"]).into(),
                ],
                Exact,
            ),
            116 => (
                vec![
                    "GETEX".into(),
                    self.key(&STRINGS),
                    self.pick(&["EX", "PX", "EXAT", "PXAT", "PERSIST", "KEEPTTL"])
                        .into(),
                    self.pick(&["0", "-1", "x", "100000"]).into(),
                ],
                Exact,
            ),
            117 => (
                vec![
                    "SET".into(),
                    self.key(&STRINGS),
                    "v".into(),
                    self.pick(&["EX", "KEEPTTL", "NX"]).into(),
                    self.pick(&["PX", "EX", "GET", "XX"]).into(),
                    "100000".into(),
                ],
                Exact,
            ),
            118 => (
                vec![
                    "ZADD".into(),
                    self.key(&ZSETS),
                    self.pick(&["NX", "XX", "GT", "LT", "INCR", "CH"]).into(),
                    self.pick(&["NX", "XX", "GT", "LT", "INCR"]).into(),
                    self.float(),
                    self.member(),
                ],
                Exact,
            ),
            119 => (
                vec![
                    "ZINTERCARD".into(),
                    "2".into(),
                    self.key(&ZSETS),
                    self.key(&SETS),
                    "LIMIT".into(),
                    self.pick(&["0", "1", "-1", "x"]).into(),
                ],
                Exact,
            ),
            120 => (
                vec![
                    "SINTERCARD".into(),
                    "1".into(),
                    self.key(&SETS),
                    "LIMIT".into(),
                    self.pick(&["0", "1", "-1", "x"]).into(),
                ],
                Exact,
            ),
            121 => (
                vec![
                    "OBJECT".into(),
                    self.pick(&["FREQ", "NOPE", "HELP"]).into(),
                    self.key(&ALL),
                ],
                Exact,
            ),
            122 => (vec!["TOUCH".into(), self.key(&ALL), self.key(&ALL)], Exact),
            123 => (
                vec![
                    "EXPIREAT".into(),
                    self.key(&ALL),
                    self.pick(&["1", "4102444800", "x", "-5"]).into(),
                    self.pick(&["NX", "XX", "GT", "LT"]).into(),
                ],
                Exact,
            ),
            // Big collections: the other encodings (dict, skiplist, quicklist chunks).
            124 => {
                let mut a = vec!["ZADD".into(), self.key(&ZSETS)];
                for i in 0..self.rng.gen_range(100..200) {
                    a.extend([self.rng.gen_range(-50..50).to_string(), format!("m{i}")]);
                }
                (a, Exact)
            }
            125 => {
                let mut a = vec!["HSET".into(), self.key(&HASHES)];
                for i in 0..self.rng.gen_range(100..200) {
                    a.extend([format!("f{i}"), i.to_string()]);
                }
                (a, Exact)
            }
            126 => {
                let mut a = vec!["SADD".into(), self.key(&SETS)];
                let strings = self.rng.gen_bool(0.5);
                for i in 0..self.rng.gen_range(100..600) {
                    a.push(if strings {
                        format!("s{i}")
                    } else {
                        i.to_string()
                    });
                }
                (a, Exact)
            }
            127 => {
                let mut a = vec!["RPUSH".into(), self.key(&LISTS)];
                for i in 0..self.rng.gen_range(100..300) {
                    a.push(format!("e{}", i % 7));
                }
                (a, Exact)
            }
            128 => (
                vec![
                    "MSETNX".into(),
                    self.key(&STRINGS),
                    self.int(),
                    self.key(&ALL),
                    "x".into(),
                ],
                Exact,
            ),
            129 => (
                vec![
                    self.pick(&["LMOVE", "BLMOVE"]).into(),
                    self.key(&LISTS),
                    self.key(&LISTS),
                    self.pick(&["LEFT", "RIGHT"]).into(),
                    self.pick(&["LEFT", "RIGHT"]).into(),
                    "0.01".into(),
                ],
                Exact,
            ),
            130 => (
                vec![
                    self.pick(&["SSCAN", "ZSCAN", "HSCAN"]).into(),
                    self.key(&ALL),
                    self.pick(&["0", "x", "+0", ""]).into(),
                    "MATCH".into(),
                    self.pick(&["*1*", "m?", "[a-c]*", "*"]).into(),
                    "COUNT".into(),
                    "100000".into(),
                ],
                Scan(false),
            ),
            131 => (
                vec![
                    "ZRANGE".into(),
                    self.key(&ZSETS),
                    self.small(),
                    self.pick(&["-1", "20", "150"]).into(),
                    "WITHSCORES".into(),
                ],
                Exact,
            ),
            132 => {
                let by = self.rng.gen_range(0..2);
                let (lo, hi) = if by == 0 {
                    (self.score_bound(), self.score_bound())
                } else {
                    (self.small(), self.small())
                };
                let mut a = vec![
                    "ZRANGESTORE".into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                    lo,
                    hi,
                ];
                if by == 0 {
                    a.push("BYSCORE".into());
                }
                if self.rng.gen_bool(0.4) {
                    a.push("REV".into());
                }
                if self.rng.gen_bool(0.4) {
                    a.extend(["LIMIT".into(), self.small(), self.small()]);
                }
                (a, Exact)
            }
            133 => {
                let k = self.key(&ALL);
                (
                    vec![
                        self.pick(&["RENAME", "RENAMENX", "COPY", "SMOVE"]).into(),
                        k.clone(),
                        k,
                        "a".into(),
                    ],
                    Exact,
                )
            }
            134 => (
                vec![
                    "SELECT".into(),
                    self.pick(&["0", "1", "0", "x", "99"]).into(),
                ],
                Exact,
            ),
            135 => (
                vec![
                    "SWAPDB".into(),
                    self.pick(&["0", "1", "x"]).into(),
                    self.pick(&["1", "0", "-1"]).into(),
                ],
                Exact,
            ),
            136 => (
                vec!["FLUSHDB".into(), self.pick(&["ASYNC", "SYNC", "x"]).into()],
                Exact,
            ),
            137 => (
                vec![
                    "ZUNIONSTORE".into(),
                    self.key(&ZSETS),
                    "2".into(),
                    self.key(&ZSETS),
                    self.key(&ZSETS),
                    "WEIGHTS".into(),
                    self.pick(&["inf", "-inf", "0"]).into(),
                    self.pick(&["inf", "0", "nan"]).into(),
                    "AGGREGATE".into(),
                    self.pick(&["SUM", "MIN", "MAX"]).into(),
                ],
                Exact,
            ),
            138 => (
                vec![
                    "ZINCRBY".into(),
                    self.key(&ZSETS),
                    self.pick(&["inf", "-inf"]).into(),
                    self.member(),
                ],
                Exact,
            ),
            139 => (
                vec![
                    "GETRANGE".into(),
                    self.key(&STRINGS),
                    self.pick(&["-100", "0", "9223372036854775807", "-9223372036854775808"])
                        .into(),
                    self.pick(&["-1", "100", "-9223372036854775808"]).into(),
                ],
                Exact,
            ),
            // geo, on sorted sets of any scores
            140..=141 => {
                let mut a = vec!["GEOADD".into(), self.key(&ZSETS)];
                for o in ["NX", "XX", "CH"] {
                    if self.rng.gen_bool(0.1) {
                        a.push(o.into());
                    }
                }
                for _ in 0..self.rng.gen_range(1..3) {
                    a.push(self.lon().into());
                    a.push(self.lat().into());
                    a.push(self.member());
                }
                (a, Exact)
            }
            142 => {
                let mut a = vec![self.pick(&["GEOPOS", "GEOHASH"]).into(), self.key(&ZSETS)];
                a.extend(self.members(3));
                (a, Exact)
            }
            143 => {
                let mut a = vec![
                    "GEODIST".into(),
                    self.key(&ZSETS),
                    self.member(),
                    self.member(),
                ];
                if self.rng.gen_bool(0.5) {
                    a.push(self.pick(&["m", "KM", "ft", "mi", "x"]).into());
                }
                (a, Exact)
            }
            144..=145 => {
                let mut a = vec!["GEOSEARCH".into(), self.key(&ZSETS)];
                if self.rng.gen_bool(0.5) {
                    a.extend(["FROMLONLAT".into(), self.lon().into(), self.lat().into()]);
                } else {
                    a.extend(["FROMMEMBER".into(), self.member()]);
                }
                if self.rng.gen_bool(0.5) {
                    a.extend([
                        "BYRADIUS".into(),
                        self.pick(&["100", "5000", "0", "-1", "x"]).into(),
                    ]);
                } else {
                    a.extend([
                        "BYBOX".into(),
                        "400".into(),
                        self.pick(&["300", "0", "-2"]).into(),
                    ]);
                }
                a.push(self.pick(&["km", "m", "mi", "parsec"]).into());
                for o in ["ASC", "DESC", "WITHDIST", "WITHCOORD", "WITHHASH", "COUNT"] {
                    if self.rng.gen_bool(0.25) {
                        a.push(o.into());
                        if o == "COUNT" {
                            a.push(self.pick(&["1", "2", "0", "x"]).into());
                            if self.rng.gen_bool(0.3) {
                                a.push("ANY".into());
                            }
                        }
                    }
                }
                (a, Exact)
            }
            // HyperLogLogs, on strings of any bytes
            146 => {
                let mut a = vec!["PFADD".into(), self.key(&STRINGS)];
                a.extend((0..self.rng.gen_range(0..4)).map(|_| self.member()));
                (a, Exact)
            }
            147 => {
                let n = self.rng.gen_range(1..3);
                let mut a = vec![self.pick(&["PFCOUNT", "PFMERGE"]).into()];
                a.extend((0..n).map(|_| self.key(&STRINGS)));
                (a, Exact)
            }
            // SORT as text (a numeric SORT in Redis fails after any earlier float
            // overflow anywhere on the server: it never clears errno)
            148..=149 => {
                let key = self.pick(&["l0", "l1", "t0", "t1", "z0", "z1", "s0", "nokey"]);
                let mut a = vec![
                    self.pick(&["SORT", "SORT", "SORT_RO"]).into(),
                    key.into(),
                    "ALPHA".into(),
                ];
                if self.rng.gen_bool(0.3) {
                    a.extend(["LIMIT".into(), self.small(), self.small()]);
                }
                if self.rng.gen_bool(0.3) {
                    a.push("DESC".into());
                }
                if a[0] == "SORT" && self.rng.gen_bool(0.3) {
                    a.extend(["STORE".into(), self.key(&LISTS)]);
                    // Not sorted, a set answers in its hash order, but is stored sorted.
                    if self.rng.gen_bool(0.3) {
                        a.extend(["BY".into(), "nosort".into()]);
                    }
                }
                (a, Exact)
            }
            // streams, with explicit IDs (IDs from the clock differ between the two)
            150..=152 => {
                let mut a = vec!["XADD".into(), self.key(&XS)];
                if self.rng.gen_bool(0.1) {
                    a.push("NOMKSTREAM".into());
                }
                if self.rng.gen_bool(0.25) {
                    self.trim(&mut a);
                }
                let id = if self.rng.gen_bool(0.2) {
                    format!("{}-*", self.rng.gen_range(0..20))
                } else {
                    self.stream_id()
                };
                a.push(id);
                let pairs = if self.rng.gen_bool(0.05) {
                    0
                } else {
                    self.rng.gen_range(1..3)
                };
                for _ in 0..pairs {
                    a.push(self.pick(&["f", "g", "h"]).into());
                    a.push(self.member());
                }
                if self.rng.gen_bool(0.05) {
                    a.push("odd".into());
                }
                (a, Exact)
            }
            153 => {
                let rev = self.rng.gen_bool(0.3);
                let mut a = vec![
                    if rev { "XREVRANGE" } else { "XRANGE" }.into(),
                    self.key(&XS),
                    self.stream_id(),
                    self.stream_id(),
                ];
                if self.rng.gen_bool(0.3) {
                    a.extend([
                        "COUNT".into(),
                        self.pick(&["0", "1", "2", "-1", "x"]).into(),
                    ]);
                }
                (a, Exact)
            }
            154 => {
                let mut a = vec!["XDEL".into(), self.key(&XS)];
                a.extend((0..self.rng.gen_range(1..4)).map(|_| self.stream_id()));
                (a, Exact)
            }
            155 => {
                let mut a = vec!["XTRIM".into(), self.key(&XS)];
                self.trim(&mut a);
                (a, Exact)
            }
            156 => (
                vec![self.pick(&["XLEN", "TYPE", "EXISTS"]).into(), self.key(&XS)],
                Exact,
            ),
            157 | 158 => {
                let mut a = vec!["XREAD".into()];
                if self.rng.gen_bool(0.3) {
                    a.extend(["COUNT".into(), self.pick(&["1", "2", "0", "-1"]).into()]);
                }
                a.push("STREAMS".into());
                let n = self.rng.gen_range(1..3);
                a.extend((0..n).map(|_| self.key(&XS)));
                a.extend((0..n).map(|_| {
                    if self.rng.gen_bool(0.2) {
                        "$".to_string()
                    } else {
                        self.stream_id()
                    }
                }));
                (a, Exact)
            }
            159 => {
                let mut a = vec!["XSETID".into(), self.key(&XS), self.stream_id()];
                if self.rng.gen_bool(0.3) {
                    a.extend([
                        "ENTRIESADDED".into(),
                        self.pick(&["0", "5", "100", "-1"]).into(),
                    ]);
                }
                if self.rng.gen_bool(0.3) {
                    a.extend(["MAXDELETEDID".into(), self.stream_id()]);
                }
                (a, Exact)
            }
            160 | 161 => {
                let mut a = vec![
                    "XGROUP".into(),
                    "CREATE".into(),
                    self.key(&XS),
                    self.pick(&GROUPS).into(),
                ];
                a.push(match self.rng.gen_range(0..4) {
                    0 => "$".into(),
                    1 => "0".into(),
                    _ => self.stream_id(),
                });
                if self.rng.gen_bool(0.5) {
                    a.push("MKSTREAM".into());
                }
                if self.rng.gen_bool(0.2) {
                    a.extend([
                        "ENTRIESREAD".into(),
                        self.pick(&["0", "2", "-1", "-2", "x"]).into(),
                    ]);
                }
                (a, Exact)
            }
            162 => {
                let sub =
                    self.pick(&["SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER", "SETID"]);
                let mut a = vec![
                    "XGROUP".into(),
                    sub.into(),
                    self.key(&XS),
                    self.pick(&GROUPS).into(),
                ];
                match sub {
                    "SETID" => {
                        a.push(if self.rng.gen_bool(0.3) {
                            "$".into()
                        } else {
                            self.stream_id()
                        });
                        if self.rng.gen_bool(0.3) {
                            a.extend(["ENTRIESREAD".into(), self.pick(&["1", "-1", "9"]).into()]);
                        }
                    }
                    "DESTROY" => {}
                    _ => a.push(self.pick(&CONSUMERS).into()),
                }
                (a, Exact)
            }
            163 | 164 => {
                let mut a = vec![
                    "XREADGROUP".into(),
                    "GROUP".into(),
                    self.pick(&GROUPS).into(),
                    self.pick(&CONSUMERS).into(),
                ];
                if self.rng.gen_bool(0.4) {
                    a.extend(["COUNT".into(), self.pick(&["1", "2", "0"]).into()]);
                }
                if self.rng.gen_bool(0.15) {
                    a.push("NOACK".into());
                }
                a.push("STREAMS".into());
                let n = self.rng.gen_range(1..3);
                a.extend((0..n).map(|_| self.key(&XS)));
                a.extend((0..n).map(|_| match self.rng.gen_range(0..6) {
                    0..=2 => ">".to_string(),
                    3 => "0".to_string(),
                    _ => self.stream_id(),
                }));
                (a, Exact)
            }
            165 => {
                let mut a = vec!["XACK".into(), self.key(&XS), self.pick(&GROUPS).into()];
                a.extend((0..self.rng.gen_range(1..4)).map(|_| self.stream_id()));
                (a, Exact)
            }
            166 => {
                let mut a = vec!["XPENDING".into(), self.key(&XS), self.pick(&GROUPS).into()];
                if self.rng.gen_bool(0.6) {
                    if self.rng.gen_bool(0.2) {
                        a.extend(["IDLE".into(), self.pick(&["0", "3600000", "x"]).into()]);
                    }
                    a.extend([self.stream_id(), self.stream_id()]);
                    a.push(self.pick(&["10", "1", "0", "-1"]).into());
                    if self.rng.gen_bool(0.4) {
                        a.push(self.pick(&CONSUMERS).into());
                    }
                }
                (a, Clock)
            }
            167 => {
                let mut a = vec![
                    "XCLAIM".into(),
                    self.key(&XS),
                    self.pick(&GROUPS).into(),
                    self.pick(&CONSUMERS).into(),
                    self.pick(&["0", "0", "3600000", "x"]).into(),
                ];
                a.extend((0..self.rng.gen_range(1..3)).map(|_| self.stream_id()));
                for o in ["FORCE", "JUSTID", "RETRYCOUNT", "TIME", "LASTID", "IDLE"] {
                    if self.rng.gen_bool(0.15) {
                        a.push(o.into());
                        match o {
                            "RETRYCOUNT" => a.push(self.pick(&["3", "-1", "x"]).into()),
                            "TIME" => a.push(self.pick(&["1000", "-5"]).into()),
                            "IDLE" => a.push(self.pick(&["3600000", "x"]).into()),
                            "LASTID" => a.push(self.stream_id()),
                            _ => {}
                        }
                    }
                }
                (a, Clock)
            }
            168 => {
                let mut a = vec![
                    "XAUTOCLAIM".into(),
                    self.key(&XS),
                    self.pick(&GROUPS).into(),
                    self.pick(&CONSUMERS).into(),
                    self.pick(&["0", "0", "3600000", "x"]).into(),
                    if self.rng.gen_bool(0.7) {
                        "0".into()
                    } else {
                        self.stream_id()
                    },
                ];
                if self.rng.gen_bool(0.4) {
                    a.extend(["COUNT".into(), self.pick(&["1", "2", "0", "x"]).into()]);
                }
                if self.rng.gen_bool(0.3) {
                    a.push("JUSTID".into());
                }
                (a, Clock)
            }
            169 => {
                let a = match self.rng.gen_range(0..4) {
                    0 => vec!["XINFO".into(), "GROUPS".into(), self.key(&XS)],
                    1 => vec![
                        "XINFO".into(),
                        "CONSUMERS".into(),
                        self.key(&XS),
                        self.pick(&GROUPS).into(),
                    ],
                    2 => vec!["XINFO".into(), "STREAM".into(), self.key(&XS)],
                    _ => s(&[
                        "XINFO",
                        "STREAM",
                        self.pick(&XS),
                        "FULL",
                        "COUNT",
                        self.pick(&["2", "0"]),
                    ]),
                };
                (a, Clock)
            }
            // scripting
            170..=172 => {
                let script = self.pick(&[
                    "return redis.call(ARGV[1], KEYS[1], ARGV[2])",
                    "return redis.pcall(ARGV[1], KEYS[1], ARGV[2])",
                    "return {redis.call('TYPE', KEYS[1]), redis.call('EXISTS', KEYS[1]), redis.pcall(ARGV[1], KEYS[1])}",
                    "redis.setresp(3) return redis.call(ARGV[1], KEYS[1], ARGV[2])",
                    "local r = redis.call('GET', KEYS[1]) if r then return {r, tonumber(r) and tonumber(r) * 2.5 or false} end return r",
                    "return {1, 2.7, 'x', false, true, {err='E1 bad'}, {ok='FINE'}}",
                    "redis.call('SET', KEYS[1], ARGV[2]) return redis.call('GETRANGE', KEYS[1], 0, -1)",
                    "return redis.call(ARGV[1], KEYS[1], ARGV[2], 'extra', 'args')",
                    "local t = redis.call('LRANGE', KEYS[1], 0, -1) return #t",
                    "error(ARGV[1])",
                    "return redis.error_reply(ARGV[1])",
                    "return redis.status_reply(ARGV[1])",
                    "return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')",
                    "redis.setresp(3) return redis.call('HGETALL', KEYS[1])",
                    "redis.setresp(3) return redis.call('SMEMBERS', KEYS[1])",
                    "return {double = tonumber(ARGV[2])}",
                    "return cjson.encode(cjson.decode(ARGV[2]))",
                    "return cjson.decode(ARGV[2])",
                    "return cjson.encode({ARGV[2], tonumber(ARGV[2]), {k = ARGV[2]}})",
                    "return cmsgpack.unpack(cmsgpack.pack(ARGV[2], tonumber(ARGV[2]), {ARGV[2]}))",
                    "return {bit.band(tonumber(ARGV[2]) or 0, 7), bit.tohex(tonumber(ARGV[2]) or -1)}",
                    "return struct.unpack('>i2', ARGV[2])",
                    "return {pcall(cjson.decode, ARGV[2])}",
                    "for k in pairs(redis.call(ARGV[1], KEYS[1])) do end return 1",
                ]);
                let command = self.pick(&["EVAL", "EVAL", "EVAL_RO"]);
                let key = self.pick(&ALL).to_string();
                let numkeys = self.pick(&["1", "1", "1", "0", "2", "-1", "x"]);
                let verb = self.pick(&[
                    "GET", "INCR", "LPUSH", "SADD", "HGET", "TYPE", "DEL", "STRLEN", "ZSCORE",
                    "SMEMBERS", "HGETALL", "nosuch", "DECRBY",
                ]);
                let arg = self.member();
                let a = vec![
                    command.into(),
                    script.into(),
                    numkeys.into(),
                    key,
                    verb.into(),
                    arg,
                ];
                // SMEMBERS and HGETALL answer in the store's own order.
                let how = if script.contains("setresp") || verb == "SMEMBERS" || verb == "HGETALL" {
                    Compare::ErrorsOnly
                } else {
                    Exact
                };
                (a, how)
            }
            173 => {
                let a = match self.rng.gen_range(0..4) {
                    0 => s(&["SCRIPT", "LOAD", "return KEYS"]),
                    1 => s(&[
                        "SCRIPT",
                        "EXISTS",
                        "57ade87c8731f041ecac85aba56623f8af391fab",
                        "x",
                    ]),
                    2 => s(&[
                        "EVALSHA",
                        "57ade87c8731f041ecac85aba56623f8af391fab",
                        "1",
                        "k",
                    ]),
                    _ => s(&["SCRIPT", "LOAD", "retur 1"]),
                };
                (a, Exact)
            }
            _ => (vec!["ECHO".into()], Exact),
        };
        if args[0] == "ECHO" {
            args.push("hi".into());
        }
        let how = if args.get(1).is_some_and(|k| k == "s0") && lex_command(&args) {
            if args[0] == "ZREMRANGEBYLEX" {
                args[1] = "lx".into();
                how
            } else {
                Compare::ErrorsOnly
            }
        } else {
            how
        };
        (args, how)
    }
}

fn lex_command(args: &[String]) -> bool {
    args[0].contains("LEX") || args.iter().any(|a| a == "BYLEX")
}

/// The index of the first command whose replies differ, if any.
fn first_mismatch(
    redis: &mut Redis,
    cmds: &[(Vec<String>, Compare)],
) -> Option<(usize, Reply, Reply)> {
    // A round may leave a MULTI open, another database selected, RESP3 on.
    assert_eq!(redis.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(redis.cmd(&["FLUSHALL"]), Reply::ok());
    let store = Store::new();
    let mut conn = store.connection();
    // The comparisons of the commands queued by an open MULTI, for its EXEC.
    let mut queued: Option<Vec<Compare>> = None;
    for (i, (args, how)) in cmds.iter().enumerate() {
        let theirs = redis.cmd(args);
        let ours = conn.execute(args);
        let same = match (&ours, &theirs, args[0].as_str()) {
            (Reply::Array(o), Reply::Array(t), "EXEC") => {
                let hows = queued.take().unwrap_or_default();
                o.len() == t.len()
                    && o.iter()
                        .zip(t)
                        .zip(hows.iter().chain(std::iter::repeat(&Compare::Exact)))
                        .all(|((o, t), h)| agree(o, t, *h))
            }
            _ => agree(&ours, &theirs, *how),
        };
        if !same {
            return Some((i, ours, theirs));
        }
        match args[0].as_str() {
            "MULTI" if theirs == Reply::ok() => queued = Some(Vec::new()),
            "EXEC" | "DISCARD" => queued = None,
            _ if theirs == Reply::Simple("QUEUED".into()) => {
                if let Some(q) = &mut queued {
                    q.push(*how);
                }
            }
            _ => {}
        }
    }
    None
}

/// The shortest prefix-preserving subsequence (ddmin) that still mismatches at its end.
fn shrink(redis: &mut Redis, mut cmds: Vec<(Vec<String>, Compare)>) -> Vec<(Vec<String>, Compare)> {
    let mut chunk = cmds.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start + 1 < cmds.len() {
            let end = (start + chunk).min(cmds.len() - 1);
            if end <= start {
                break;
            }
            let mut trial = cmds[..start].to_vec();
            trial.extend_from_slice(&cmds[end..]);
            match first_mismatch(redis, &trial) {
                Some((i, ..)) if i == trial.len() - 1 => cmds = trial,
                _ => start = end,
            }
        }
        chunk /= 2;
    }
    cmds
}

#[test]
fn random_commands_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the differential tests are SKIPPED ***\n");
        return;
    };
    let rounds: u64 = std::env::var("EMBEDIS_DIFF_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let first: u64 = std::env::var("EMBEDIS_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut failures = Vec::new();
    for seed in first..first + rounds {
        let mut g = Gen {
            rng: SmallRng::seed_from_u64(seed),
        };
        let mut cmds: Vec<(Vec<String>, Compare)> = (0..250).map(|_| g.command()).collect();
        // One round in three speaks RESP3.
        if seed % 3 == 0 {
            cmds.insert(0, (vec!["HELLO".into(), "3".into()], Compare::Ignore));
        }
        // Every MULTI is closed, so a round never ends inside a transaction.
        let mut open = false;
        for c in &mut cmds {
            if c.0[0] == "MULTI" {
                if open {
                    c.0[0] = "EXEC".into();
                }
                open = !open;
            }
        }
        if open {
            cmds.push((vec!["EXEC".into()], Compare::Exact));
        }
        if let Some((i, ours, theirs)) = first_mismatch(&mut redis, &cmds) {
            let mut shrunk = shrink(&mut redis, cmds[..=i].to_vec());
            let (ours, theirs) = if let Some((_, o, t)) = first_mismatch(&mut redis, &shrunk) {
                (o, t)
            } else {
                // Not reproducible (timing): report the whole sequence.
                shrunk = cmds[..=i].to_vec();
                (ours, theirs)
            };
            let steps: Vec<String> = shrunk.iter().map(|(a, _)| a.join(" ")).collect();
            failures.push(format!(
                "seed {seed}:\n    {}\n  ours:   {ours:?}\n  redis:  {theirs:?}",
                steps.join("\n    ")
            ));
            if failures.len() >= 15 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How `hostile_arguments_match_redis` compares a command's replies, by name; `None`
/// for commands it leaves out (they describe the server or the connection, not data).
fn hostile_compare(name: &str, args: &[String]) -> Option<Compare> {
    Some(match name {
        // COMMAND compares where its answer does not list every command (the store
        // has fewer than Redis: tests/introspection.rs compares those per command).
        "command" => {
            let sub = args.first().map(|s| s.to_ascii_uppercase());
            match sub.as_deref() {
                None | Some("COUNT" | "LIST") => return None,
                Some("INFO" | "DOCS") if args.len() == 1 => return None,
                _ => Compare::Exact,
            }
        }
        // CLIENT KILL, PAUSE and REPLY would stop the reference server answering.
        "client" | "config" | "info" | "memory" | "hello" | "quit" | "reset" | "save"
        | "shutdown" | "sync" | "psync" | "time" | "lastsave" | "bgsave" | "bgrewriteaof"
        | "multi" | "exec" | "discard" | "watch" | "unwatch" | "subscribe" | "psubscribe"
        | "unsubscribe" | "punsubscribe" | "ssubscribe" | "sunsubscribe" => {
            return None;
        }
        // Access times and frequencies are the server's own.
        // A key's idle time is the server's own clock's (FREQ, under no LFU policy, is
        // the same error on both sides).
        "object"
            if args
                .first()
                .is_some_and(|s| s.eq_ignore_ascii_case("idletime")) =>
        {
            return None;
        }
        // Random picks; and DUMP, whose payload of a set or hash in a hash table lists it
        // in the table's order, which a randomly seeded hash decides (Redis's too):
        // tests/dump.rs compares the bytes where they are determined, and restores each
        // side's payloads on the other.
        "randomkey" | "spop" | "srandmember" | "hrandfield" | "zrandmember" | "dump" => {
            Compare::Shape
        }
        // Cursors are the implementation's own: errors and the end of a scan compare.
        "scan" | "sscan" | "hscan" | "zscan" => Compare::ErrorsOnly,
        "keys" | "smembers" | "sinter" | "sunion" | "sdiff" | "hkeys" | "hvals" => {
            Compare::Unordered
        }
        "hgetall" => Compare::UnorderedPairs,
        "pttl" | "pexpiretime" => Compare::Near(5),
        "ttl" | "expiretime" => Compare::Near(1),
        _ => Compare::Exact,
    })
}

/// A hostile argument: mostly from the shared pool, sometimes a random number or a
/// long string.
fn hostile_arg(rng: &mut SmallRng) -> String {
    match rng.gen_range(0..20) {
        0 => "x".repeat(rng.gen_range(0..40)),
        1 => rng.r#gen::<i64>().to_string(),
        2 => rng.gen_range(-5i64..20).to_string(),
        3 => format!("{}", rng.r#gen::<f64>() * 100.0),
        // Offsets that would make half-gigabyte strings on both sides are left out.
        _ => (*hostile::NASTY
            .iter()
            .filter(|a| !["536870912", "4294967295", "4294967296"].contains(a))
            .collect::<Vec<_>>()
            .choose(rng)
            .unwrap())
        .to_string(),
    }
}

/// The same keys of every type on both sides.
fn hostile_fixture() -> Vec<Vec<&'static str>> {
    vec![
        vec!["RESET"],
        vec!["FLUSHALL"],
        vec!["SET", "k", "12"],
        vec!["SET", "k1", "abc"],
        vec!["RPUSH", "l", "a", "b", "1"],
        vec!["SADD", "s", "a", "1", "2"],
        vec!["ZADD", "z", "1", "a", "2", "b", "-inf", "c"],
        vec!["HSET", "h", "f", "v", "n", "1"],
    ]
}

/// Each command the store knows with its arity (`COMMAND LIST`, `COMMAND INFO`), less
/// those `hostile_compare` leaves out, sorted.
fn known_commands(c: &mut embedis::Connection) -> Vec<(String, i64)> {
    let mut commands: Vec<(String, i64)> = hostile::command_arities(c)
        .into_iter()
        .filter(|(name, _)| {
            name == "object" || name == "command" || hostile_compare(name, &[]).is_some()
        })
        .collect();
    commands.sort();
    commands
}

/// A command of `commands` with hostile arguments: mostly the right count, the first
/// mostly a key of some type.
fn hostile_command(rng: &mut SmallRng, commands: &[(String, i64)]) -> Vec<String> {
    let (name, arity) = commands.choose(rng).unwrap().clone();
    let mut args = vec![name];
    let n = match usize::try_from(arity.unsigned_abs() - 1).unwrap() {
        n if rng.gen_bool(0.1) => rng.gen_range(0..n + 3),
        n if arity < 0 => n + rng.gen_range(0..6),
        n => n,
    };
    for j in 0..n {
        if j == 0 && rng.gen_bool(0.7) {
            let keys = ["k", "k1", "l", "s", "z", "h", "x"];
            args.push((*keys.choose(rng).unwrap()).to_string());
        } else {
            args.push(hostile_arg(rng));
        }
    }
    args
}

/// Both sides back to the same fixture.
fn reset_both(redis: &mut Redis, c: &mut embedis::Connection) {
    for f in hostile_fixture() {
        redis.cmd(&f);
        c.execute(&f);
    }
}

/// A key just given a TTL of under a second expires while both sides are asked about
/// it, a few microseconds apart: waits until it is gone from both (and deleted, rather
/// than whenever each side's sweep runs).
fn settle_short_ttl(
    redis: &mut Redis,
    c: &mut embedis::Connection,
    args: &[String],
    theirs: &Reply,
) {
    let sets_ttl = [
        "psetex",
        "set",
        "setex",
        "pexpire",
        "pexpireat",
        "expire",
        "expireat",
        "getex",
    ];
    if !sets_ttl.contains(&args[0].as_str()) || theirs.is_error() {
        return;
    }
    if let Reply::Integer(ms @ 0..1000) = redis.cmd(&["PTTL", &args[1]]) {
        std::thread::sleep(std::time::Duration::from_millis(ms.unsigned_abs() + 3));
        assert_eq!(redis.cmd(&["EXISTS", &args[1]]), Reply::Integer(0));
        assert_eq!(c.execute(&["EXISTS", &args[1]]), Reply::Integer(0));
    }
}

/// Every command the store knows (from `COMMAND LIST` and `COMMAND INFO`), fed random
/// and hostile arguments in every position — mostly the right count, the first
/// mostly a key of some type — on the same data as a real Redis, in RESP2 and RESP3:
/// the replies must be the same, errors included (which error, in which order of
/// checks).
/// `EMBEDIS_HOSTILE_ROUNDS` sets the number of commands.
#[test]
fn hostile_arguments_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the differential tests are SKIPPED ***\n");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    let commands = known_commands(&mut c);
    let rounds: usize = std::env::var("EMBEDIS_HOSTILE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("EMBEDIS_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut failures: Vec<String> = Vec::new();
    let mut failed_commands = std::collections::BTreeSet::new();
    let mut history: Vec<Vec<String>> = Vec::new();
    for i in 0..rounds {
        if i % 40 == 0 {
            reset_both(&mut redis, &mut c);
            history.clear();
            // Every other stretch speaks RESP3.
            if (i / 40) % 2 == 1 {
                redis.cmd(&["HELLO", "3"]);
                c.execute(&["HELLO", "3"]);
                history.push(vec!["HELLO".into(), "3".into()]);
            }
        }
        let args = hostile_command(&mut rng, &commands);
        let name = args[0].clone();
        let Some(how) = hostile_compare(&name, &args[1..]) else {
            continue;
        };
        // Redis 7.0 tries to build a reply of that many random picks.
        let huge = |a: &String| a.parse::<i64>().is_ok_and(|n| n.unsigned_abs() > 10_000);
        if how == Compare::Shape && args[1..].iter().any(huge) {
            continue;
        }
        if std::env::var("EMBEDIS_HOSTILE_TRACE").is_ok() {
            eprintln!("{i} {args:?}");
        }
        let blocking = name.starts_with("bl")
            || name.starts_with("bz")
            || name.starts_with("brpop")
            || name == "wait";
        let (ours, theirs) = if blocking {
            // Inside MULTI nothing waits: the reply is EXEC's only element.
            redis.cmd(&["MULTI"]);
            c.execute(&["MULTI"]);
            let queued = (redis.cmd(&args), c.execute(&args));
            let done = (redis.cmd(&["EXEC"]), c.execute(&["EXEC"]));
            if queued.0.is_error() || queued.1.is_error() {
                (queued.1, queued.0)
            } else {
                (done.1, done.0)
            }
        } else {
            (c.execute(&args), redis.cmd(&args))
        };
        history.push(args.clone());
        settle_short_ttl(&mut redis, &mut c, &args, &theirs);
        // A random removal leaves the two sides with different data: start again.
        if name == "spop" && !theirs.is_error() {
            reset_both(&mut redis, &mut c);
        }
        if !agree(&ours, &theirs, how) && failed_commands.insert(name.clone()) {
            failures.push(format!(
                "{}\n  after: {}\n  ours:  {ours:?}\n  redis: {theirs:?}",
                args.join(" "),
                history[..history.len() - 1]
                    .iter()
                    .rev()
                    .take(3)
                    .map(|a| a.join(" "))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} commands answer otherwise than Redis (the first case of each):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Everything about every key of every database, in a canonical order: type, value (as
/// an order-free reply where the order is unspecified), and the exact time to live.
fn whole_state(conn: &mut embedis::Connection) -> Vec<(usize, String, Reply, Reply)> {
    let mut out = Vec::new();
    for db in 0..16 {
        conn.execute(&["SELECT", &db.to_string()]);
        let Reply::Array(keys) = conn.execute(&["KEYS", "*"]) else {
            panic!("KEYS answers an array");
        };
        let mut keys: Vec<String> = keys
            .into_iter()
            .map(|k| match k {
                Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        keys.sort();
        for k in keys {
            let value = match conn.execute(&["TYPE", &k]) {
                Reply::Simple(t) if t == "string" => conn.execute(&["GET", &k]),
                Reply::Simple(t) if t == "list" => conn.execute(&["LRANGE", &k, "0", "-1"]),
                Reply::Simple(t) if t == "set" => {
                    normalize(&conn.execute(&["SMEMBERS", &k]), Compare::Unordered)
                }
                Reply::Simple(t) if t == "hash" => {
                    normalize(&conn.execute(&["HGETALL", &k]), Compare::UnorderedPairs)
                }
                // A score of -0 is 0 (a listpack keeps neither sign, Redis's too).
                Reply::Simple(t) if t == "zset" => {
                    match conn.execute(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]) {
                        Reply::Array(items) => Reply::Array(
                            items
                                .into_iter()
                                .map(|r| match r {
                                    Reply::Bulk(b) if &b[..] == b"-0" => Reply::Bulk("0".into()),
                                    r => r,
                                })
                                .collect(),
                        ),
                        other => other,
                    }
                }
                // Entries, and each group's position and pending entries with their
                // consumers. (Not what Redis itself does not replay: a group's count of
                // entries read after XCLAIM … LASTID, delivery counts raised by history
                // reads, consumers made by a read that delivered nothing.)
                Reply::Simple(t) if t == "stream" => {
                    let mut state = vec![conn.execute(&["XRANGE", &k, "-", "+"])];
                    if let Reply::Array(groups) = conn.execute(&["XINFO", "GROUPS", &k]) {
                        for g in groups {
                            let fields: Vec<(Reply, Reply)> = match g {
                                Reply::Map(fields) => fields,
                                Reply::Array(flat) => flat
                                    .chunks(2)
                                    .map(|p| (p[0].clone(), p[1].clone()))
                                    .collect(),
                                _ => continue,
                            };
                            let field = |name: &str| {
                                fields
                                    .iter()
                                    .find(|(f, _)| {
                                        *f == Reply::Bulk(name.as_bytes().to_vec().into())
                                    })
                                    .map(|(_, v)| v.clone())
                            };
                            let Some(Reply::Bulk(name)) = field("name") else {
                                continue;
                            };
                            let name = String::from_utf8_lossy(&name).into_owned();
                            state.push(Reply::Array(vec![
                                Reply::Bulk(name.clone().into_bytes().into()),
                                field("last-delivered-id").unwrap_or(Reply::Nil),
                            ]));
                            if let Reply::Array(pending) =
                                conn.execute(&["XPENDING", &k, &name, "-", "+", "100000"])
                            {
                                state.extend(pending.into_iter().map(|p| match p {
                                    Reply::Array(p) => Reply::Array(p[..2].to_vec()),
                                    other => other,
                                }));
                            }
                        }
                    }
                    Reply::Array(state)
                }
                other => panic!("{other:?}"),
            };
            let ttl = conn.execute(&["PTTL", &k]);
            out.push((db, k, value, ttl));
        }
    }
    conn.execute(&["SELECT", "0"]);
    out
}

/// The append-only log holds every change of the random rounds: a store reopened on
/// it (same clock) holds exactly what the store that wrote it held — every command
/// family, transactions, blocking pops, expiries, random pops (logged by effect).
#[test]
fn every_change_replays_from_the_log() {
    let rounds: u64 = std::env::var("EMBEDIS_DIFF_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        / 4;
    let dir = std::env::temp_dir().join(format!("embedis-replay-{}", std::process::id()));
    let mut failures = Vec::new();
    for seed in 1..=rounds.max(5) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let clock = embedis::ManualClock::new();
        let open = || {
            Store::builder()
                .dir(&dir)
                .clock(clock.clone())
                .active_expiry(false)
                .appendonly(true)
                .open()
                .expect("the log opens")
        };
        let mut g = Gen {
            rng: SmallRng::seed_from_u64(seed),
        };
        let store = open();
        let mut conn = store.connection();
        let mut ran = Vec::new();
        for i in 0..250 {
            let (args, _) = g.command();
            conn.execute(&args);
            ran.push(args.join(" "));
            // Time moves now and then: keys expire, lazily or by the sweep.
            if i % 50 == 49 {
                clock.advance(std::time::Duration::from_millis(g.rng.gen_range(0..200)));
                if g.rng.gen_bool(0.5) {
                    store.purge_expired();
                }
            }
        }
        conn.execute(&["EXEC"]);
        let before = whole_state(&mut conn);
        drop(conn);
        drop(store);
        let again = open();
        let after = whole_state(&mut again.connection());
        if before != after {
            let diff: Vec<String> = before
                .iter()
                .filter(|b| !after.contains(b))
                .map(|b| format!("  before: {b:?}"))
                .chain(
                    after
                        .iter()
                        .filter(|a| !before.contains(a))
                        .map(|a| format!("  after:  {a:?}")),
                )
                .take(10)
                .collect();
            failures.push(format!(
                "seed {seed}:\n{}\n  commands:\n    {}",
                diff.join("\n"),
                ran.join("\n    ")
            ));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
