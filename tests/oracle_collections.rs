//! Hashes, sets and lists against a real `redis-server`: random command sequences and
//! edge cases, through the typed API here and as commands there, must give the same
//! answers, errors included (see `common/oracle.rs`; skipped, with a message, without
//! `redis-server`). Hashes and sets share one random sequence, so that commands meet
//! keys of the other type.
#![allow(clippy::cast_possible_wrap)] // small lengths and indexes as RESP integers

use embedis::{LposOptions, Position, Reply, Side, Store};
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

use oracle::{
    Oracle, array_resp, bool_resp, bulk, bulk_resp, int_resp, opt_array_resp, pairs_resp,
    reply_len, set_both, sorted, sorted_pairs,
};

/// Random hash and set commands over a few shared keys (one of them a string, so
/// wrong-type paths are hit), growing collections past their compact forms; every reply
/// and error must be Redis's.
#[allow(clippy::many_single_char_names, clippy::too_many_lines)]
#[test]
fn hash_and_set_commands_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, &mut redis, "str", b"text");
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
        let (ours, args, unordered): (Reply, Vec<String>, bool) = match rng.gen_range(0..24) {
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
                h.hincrby(k, &f, n).map_or_else(Reply::from, Reply::Integer),
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
                let ours = s.smismember(k, &many).map_or_else(Reply::from, |v| {
                    Reply::Array(v.into_iter().map(|b| Reply::Integer(b.into())).collect())
                });
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

#[test]
fn hincrbyfloat_matches_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
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
                (Ok(()), Reply::Bulk(_)) => {}
                (Err(e), Reply::Error(t)) => assert_eq!(e.to_string(), t, "{start} + {incr}"),
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

#[test]
fn small_hashes_keep_redis_order() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
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

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Left => "LEFT",
        Side::Right => "RIGHT",
    }
}

/// Random list commands over a few shared keys (one a string), with short and long
/// elements so lists span several chunks; every reply and error must be Redis's.
#[allow(clippy::too_many_lines, clippy::many_single_char_names)]
#[test]
fn list_commands_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    set_both(&store, &mut redis, "str", b"text");
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
        let (ours, args): (Reply, Vec<String>) = match rng.gen_range(0..16) {
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
                lists
                    .lset(key, i, &e)
                    .map_or_else(Reply::from, |()| Reply::Simple("OK".into())),
                vec!["LSET".into(), key.into(), i.to_string(), e],
            ),
            8 => {
                let (pos, name) = if rng.gen_bool(0.5) {
                    (Position::Before, "BEFORE")
                } else {
                    (Position::After, "AFTER")
                };
                (
                    lists
                        .linsert(key, pos, &pivot, &e)
                        .map_or_else(Reply::from, |r| {
                            Reply::Integer(redis_args::linsert_reply(r))
                        }),
                    vec!["LINSERT".into(), key.into(), name.into(), pivot, e],
                )
            }
            9 => (
                lists
                    .ltrim(key, i, j)
                    .map_or_else(Reply::from, |()| Reply::Simple("OK".into())),
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
                let ours = lists
                    .lpos_count(key, &e, count, opts)
                    .map_or_else(Reply::from, |v| {
                        Reply::Array(v.into_iter().map(|p| Reply::Integer(p as i64)).collect())
                    });
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
                    Ok(Some((k, v))) => Reply::Array(vec![bulk(k), array_resp(Ok(v))]),
                    Ok(None) => Reply::NilArray,
                    Err(err) => Reply::from(err),
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
