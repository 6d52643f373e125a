//! Sorted sets against a real `redis-server`: random command sequences, lex ranges, edge
//! cases and errors, through the typed API here and as commands there, must give the
//! same answers (see `common/oracle.rs`; skipped, with a message, without
//! `redis-server`). Scores compare by value: `%.17g` there, `f64` here.
#![allow(clippy::cast_possible_wrap)] // small lengths and indexes as RESP integers

use embedis::{
    Aggregate, CombineOptions, Error, LexBound, Reply, ScanOptions, ScoreBound, ScoreEnd, Store,
    ZAddCondition, ZAddOptions, ZRange,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_args.rs"]
mod redis_args;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use oracle::{Oracle, array_resp, bulk, int_resp, numeric, reply_len, set_both, show};

fn score_text(s: f64) -> String {
    format!("{s}")
}

fn scored_resp(r: embedis::Result<Vec<(embedis::Blob, f64)>>) -> Reply {
    r.map_or_else(Reply::from, |v| {
        Reply::Array(
            v.into_iter()
                .flat_map(|(m, s)| [bulk(m), bulk(score_text(s))])
                .collect(),
        )
    })
}

fn opt_score_resp(r: embedis::Result<Option<f64>>) -> Reply {
    r.map_or_else(Reply::from, |s| {
        s.map_or(Reply::Nil, |s| bulk(score_text(s)))
    })
}

fn scored_nested(v: Vec<(embedis::Blob, f64)>) -> Reply {
    Reply::Array(
        v.into_iter()
            .map(|(m, s)| Reply::Array(vec![bulk(m), bulk(score_text(s))]))
            .collect(),
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
#[test]
fn zset_commands_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, &mut redis, "str", b"text");
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
        let (ours, args): (Reply, Vec<String>) = match rng.gen_range(0..22) {
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
                let ours = z
                    .zincrby(key, delta, &m)
                    .map_or_else(Reply::from, |s| bulk(score_text(s)));
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
                let ours = z.zmscore(key, &ms).map_or_else(Reply::from, |v| {
                    Reply::Array(
                        v.into_iter()
                            .map(|s| s.map_or(Reply::Nil, |s| bulk(score_text(s))))
                            .collect(),
                    )
                });
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
                let ours = ours.map_or_else(Reply::from, |r| {
                    r.map_or(Reply::Nil, |r| Reply::Integer(r as i64))
                });
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
                let mut range = if rng.gen_bool(0.5) {
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
                    range = range.limit(o, c);
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
                let range = ZRange::score(lo, hi).limit(0, count);
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
                    Ok(Some((k, v))) => Reply::Array(vec![bulk(k), scored_nested(v)]),
                    Ok(None) => Reply::NilArray,
                    Err(e) => Reply::from(e),
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

/// Lex ranges over members of equal score, small and large sets.
#[allow(clippy::many_single_char_names)]
#[test]
fn zset_lex_ranges_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
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
                    array_resp(z.zrange_by("lex", &ZRange::lex(l.clone(), h.clone()).limit(o, c))),
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

/// ZRANDMEMBER's whole-set reply, -0 in both forms, walks by score with LIMIT on a
/// large set, ZSCAN of a small set in one step, and ZRANDMEMBER's reply sizes.
#[test]
fn zset_edge_cases_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
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
        let ours = z.zrange_by_withscores("big", &ZRange::score(l, h).rev().limit(offset, count));
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
        let ours = z.zrange_by("big", &ZRange::score(l, h).limit(offset, count));
        let theirs = redis.cmd(&["ZRANGEBYSCORE", "big", lo, hi, "LIMIT", o, c]);
        assert_eq!(
            numeric(array_resp(ours)),
            numeric(theirs),
            "{lo} {hi} {o} {c}"
        );
    }
    let (cursor, got) = z.zscan("q", 0, &ScanOptions::new()).unwrap();
    let theirs = redis.cmd(&["ZSCAN", "q", "0"]);
    let ours = Reply::Array(vec![bulk(cursor.to_string()), scored_resp(Ok(got))]);
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
#[test]
fn zset_errors_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
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
        assert_eq!(Reply::from(ours), redis.cmd(&args), "{args:?}");
    }
    // The failed ZINCRBY changed nothing.
    assert_eq!(
        opt_score_resp(z.zscore("q", "inf")),
        redis.cmd(&["ZSCORE", "q", "inf"])
    );
}
