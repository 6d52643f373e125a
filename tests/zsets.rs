//! Sorted-set commands: the redis-py tutorial's examples, ZADD's flags, ranges by rank,
//! score and member in both directions with LIMIT, the algebra, pops (blocking ones
//! across threads), ZSCAN's guarantee, errors that change nothing, and a model check of
//! random operation sequences against a `BTreeMap`.
#![allow(clippy::float_cmp)] // scores here are exact (integers and halves)
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
#![allow(
    clippy::too_many_lines,
    clippy::many_single_char_names,
    clippy::similar_names
)]

use std::collections::{BTreeMap, HashSet};
use std::thread;
use std::time::{Duration, Instant};

use embedis::{
    Aggregate, Blob, CancelToken, CombineOptions, Error, KeyType, LexBound, Picks, Reply,
    ScanOptions, ScoreBound, ScoreEnd, Store, ZAddCondition, ZAddOptions, ZRange,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

mod common;
use common::{PROMPTLY, join_within, until_blocked, within};

fn texts(v: Vec<Blob>) -> Vec<String> {
    v.into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect()
}

fn scored(v: Vec<(Blob, f64)>) -> Vec<(String, f64)> {
    v.into_iter()
        .map(|(b, s)| (String::from_utf8(b.to_vec()).unwrap(), s))
        .collect()
}

#[test]
fn the_tutorials_sorted_set_examples_work() {
    let store = Store::new();
    let z = store.zsets();
    assert_eq!(z.zadd("h1", [("n1", 11.0), ("n2", 22.0)]).unwrap(), 2);
    assert_eq!(z.zadd("h2", [("n1", 11.0), ("n2", 22.0)]).unwrap(), 2);
    assert_eq!(z.zcard("h1").unwrap(), 2);
    assert_eq!(z.zcount("h1", 10.0, 20.0).unwrap(), 1);
    assert_eq!(z.zincrby("h1", 10.0, "n1").unwrap(), 21.0);
    assert_eq!(
        scored(z.zrevrange_withscores("h1", 1, 2).unwrap()),
        [("n1".to_owned(), 21.0)]
    );
    assert_eq!(
        scored(z.zrange_withscores("h1", 1, 2).unwrap()),
        [("n2".to_owned(), 22.0)]
    );
    assert_eq!(z.zrank("h1", "n1").unwrap(), Some(0));
    assert_eq!(z.zrank("h1", "n2").unwrap(), Some(1));
    assert_eq!(z.zrevrank("h1", "n1").unwrap(), Some(1));
    assert_eq!(z.zscore("h1", "n1").unwrap(), Some(21.0));
    assert_eq!(z.zrem("h1", ["n2"]).unwrap(), 1);
    assert_eq!(z.zrem("h2", ["n1", "n2"]).unwrap(), 2);
    assert_eq!(store.keys().exists(["h2"]).unwrap(), 0);

    // ZADD myzset 0 aa 0 ba 0 ca 0 da 0 ea 0 fa 0 ga; ZRANGEBYLEX myzset - [ca
    let members = ["aa", "ba", "ca", "da", "ea", "fa", "ga"];
    z.zadd("myzset", members.map(|m| (m, 0.0))).unwrap();
    let min = LexBound::parse("-").unwrap();
    let max = LexBound::parse("[ca").unwrap();
    assert_eq!(
        texts(z.zrangebylex("myzset", min.clone(), max.clone()).unwrap()),
        ["aa", "ba", "ca"]
    );
    assert_eq!(z.zlexcount("myzset", min, max).unwrap(), 3);
    assert_eq!(
        texts(
            z.zrevrangebylex("myzset", LexBound::parse("(ca").unwrap(), LexBound::Min)
                .unwrap()
        ),
        ["ba", "aa"]
    );

    // zremrangebyrank('h1', 1, 2) and zremrangebyscore('h1', 10, 20)
    z.zadd("h1", [("n2", 22.0), ("n3", 15.0)]).unwrap();
    assert_eq!(z.zremrangebyrank("h1", 1, 2).unwrap(), 2);
    assert_eq!(texts(z.zrange("h1", 0, -1).unwrap()), ["n3"]);
    assert_eq!(z.zremrangebyscore("h1", 10.0, 20.0).unwrap(), 1);
    assert_eq!(z.zcard("h1").unwrap(), 0);
}

#[test]
fn zadd_conditions_follow_redis() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("z", [("a", 5.0), ("b", 5.0)]).unwrap();
    let with = |c| ZAddOptions::new().condition(c).ch();
    let cases = [
        (ZAddCondition::IfAbsent, 1, 5.0),
        (ZAddCondition::IfPresent, 1, 9.0),
        (ZAddCondition::IfGreater, 2, 9.0),
        (ZAddCondition::IfLess, 1, 5.0),
        (ZAddCondition::IfPresentAndGreater, 1, 9.0),
        (ZAddCondition::IfPresentAndLess, 0, 5.0),
    ];
    for (condition, changed, a_after) in cases {
        z.zadd("z", [("a", 5.0)]).unwrap();
        z.zrem("z", ["new"]).unwrap();
        // "a" goes from 5 to 9; "new" is absent.
        let got = z
            .zadd_with("z", [("a", 9.0), ("new", 1.0)], with(condition))
            .unwrap();
        assert_eq!(got, changed, "{condition:?}");
        assert_eq!(z.zscore("z", "a").unwrap(), Some(a_after), "{condition:?}");
    }
    // Without CH only additions count; an unchanged score is no change.
    z.zadd("z", [("a", 5.0)]).unwrap();
    assert_eq!(z.zadd("z", [("a", 6.0), ("c", 1.0)]).unwrap(), 1);
    assert_eq!(
        z.zadd_with("z", [("a", 6.0)], ZAddOptions::new().ch())
            .unwrap(),
        0
    );
    // XX on a missing key creates nothing.
    let xx = ZAddOptions::new().condition(ZAddCondition::IfPresent);
    assert_eq!(z.zadd_with("none", [("a", 1.0)], xx).unwrap(), 0);
    assert_eq!(store.keys().exists(["none"]).unwrap(), 0);
}

#[test]
fn zadd_incr_returns_none_when_a_condition_refuses() {
    let store = Store::new();
    let z = store.zsets();
    let opts = |c| ZAddOptions::new().condition(c);
    assert_eq!(
        z.zadd_incr("z", "a", 2.0, ZAddOptions::new()).unwrap(),
        Some(2.0)
    );
    assert_eq!(
        z.zadd_incr("z", "a", 1.0, opts(ZAddCondition::IfAbsent))
            .unwrap(),
        None
    );
    assert_eq!(
        z.zadd_incr("z", "b", 1.0, opts(ZAddCondition::IfPresent))
            .unwrap(),
        None
    );
    assert_eq!(
        z.zadd_incr("z", "a", 0.0, opts(ZAddCondition::IfGreater))
            .unwrap(),
        None
    );
    assert_eq!(
        z.zadd_incr("z", "a", -1.0, opts(ZAddCondition::IfLess))
            .unwrap(),
        Some(1.0)
    );
    assert_eq!(
        z.zadd_incr("z", "a", 0.0, ZAddOptions::new()).unwrap(),
        Some(1.0)
    );
    assert_eq!(z.zcard("z").unwrap(), 1);
}

#[test]
fn nan_scores_are_refused_and_change_nothing() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("z", [("a", f64::INFINITY)]).unwrap();
    assert_eq!(z.zincrby("z", f64::NEG_INFINITY, "a"), Err(Error::ScoreNaN));
    assert_eq!(z.zscore("z", "a").unwrap(), Some(f64::INFINITY));
    assert_eq!(z.zadd("z", [("b", f64::NAN)]), Err(Error::ScoreNaN));
    assert_eq!(
        z.zadd("new", [("b", 1.0), ("c", f64::NAN)]),
        Err(Error::ScoreNaN)
    );
    assert_eq!(store.keys().exists(["new"]).unwrap(), 0);
    assert_eq!(
        z.zcount("z", ScoreBound::Inclusive(f64::NAN), ScoreBound::MAX),
        Err(Error::MinMaxNotFloat)
    );
    assert_eq!(
        Error::ScoreNaN.to_string(),
        "ERR resulting score is not a number (NaN)"
    );
}

#[test]
fn infinities_are_ordinary_scores_and_bounds() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd(
        "z",
        [
            ("lo", f64::NEG_INFINITY),
            ("mid", 0.0),
            ("hi", f64::INFINITY),
        ],
    )
    .unwrap();
    assert_eq!(texts(z.zrange("z", 0, -1).unwrap()), ["lo", "mid", "hi"]);
    let open = ZRange::score(
        ScoreBound::Exclusive(f64::NEG_INFINITY),
        ScoreBound::Exclusive(f64::INFINITY),
    );
    assert_eq!(texts(z.zrange_by("z", &open).unwrap()), ["mid"]);
    assert_eq!(z.zcount("z", ScoreBound::MIN, ScoreBound::MAX).unwrap(), 3);
}

#[test]
fn ties_order_by_member_bytes_in_both_directions() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("z", [("b", 1.0), ("a", 1.0), ("ab", 1.0), ("c", 0.0)])
        .unwrap();
    assert_eq!(texts(z.zrange("z", 0, -1).unwrap()), ["c", "a", "ab", "b"]);
    assert_eq!(
        texts(z.zrevrange("z", 0, -1).unwrap()),
        ["b", "ab", "a", "c"]
    );
}

#[test]
fn ranges_select_like_redis_with_rev_and_limit() {
    let store = Store::new();
    let z = store.zsets();
    let members: Vec<(String, f64)> = (0..10).map(|i| (format!("m{i}"), f64::from(i))).collect();
    z.zadd("z", members).unwrap();
    let get = |r: ZRange| texts(z.zrange_by("z", &r).unwrap());
    assert_eq!(get(ZRange::rank(2, 4)), ["m2", "m3", "m4"]);
    assert_eq!(get(ZRange::rank(-2, 100)), ["m8", "m9"]);
    assert_eq!(get(ZRange::rank(5, 2)), Vec::<String>::new());
    assert_eq!(get(ZRange::rank(0, 2).rev()), ["m9", "m8", "m7"]);
    assert_eq!(get(ZRange::score(3.0, 5.0)), ["m3", "m4", "m5"]);
    assert_eq!(
        get(ZRange::score(
            ScoreBound::Exclusive(3.0),
            ScoreBound::Exclusive(5.0)
        )),
        ["m4"]
    );
    assert_eq!(get(ZRange::score(5.0, 3.0)), Vec::<String>::new());
    assert_eq!(get(ZRange::score(2.0, 8.0).limit(1, 2)), ["m3", "m4"]);
    assert_eq!(get(ZRange::score(2.0, 8.0).rev().limit(1, 2)), ["m7", "m6"]);
    assert_eq!(get(ZRange::score(2.0, 8.0).limit(5, -1)), ["m7", "m8"]);
    assert_eq!(
        get(ZRange::score(2.0, 8.0).limit(-1, 5)),
        Vec::<String>::new()
    );
    assert_eq!(
        get(ZRange::score(2.0, 8.0).limit(1, 0)),
        Vec::<String>::new()
    );
    assert_eq!(
        get(ZRange::score(2.0, 8.0).limit(100, 5)),
        Vec::<String>::new()
    );
    assert_eq!(
        z.zrange_by("z", &ZRange::rank(0, 1).limit(0, 1)),
        Err(Error::LimitWithoutBy)
    );
    assert_eq!(
        z.zrange_by_withscores("z", &ZRange::lex(LexBound::Min, LexBound::Max)),
        Err(Error::WithScoresByLex)
    );
    assert_eq!(
        texts(z.zrevrangebyscore("z", 3.0, ScoreBound::MIN).unwrap()),
        ["m3", "m2", "m1", "m0"]
    );
}

#[test]
fn zrangestore_stores_the_selection_and_an_empty_one_deletes() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)]).unwrap();
    store.strings().set("dst", "old").unwrap();
    assert_eq!(
        z.zrangestore("dst", "z", &ZRange::score(2.0, ScoreBound::MAX))
            .unwrap(),
        2
    );
    assert_eq!(store.keys().key_type("dst").unwrap(), Some(KeyType::ZSet));
    assert_eq!(
        z.zrangestore("dst", "z", &ZRange::score(10.0, 20.0))
            .unwrap(),
        0
    );
    assert_eq!(store.keys().exists(["dst"]).unwrap(), 0);
    store.strings().set("s", "x").unwrap();
    assert_eq!(
        z.zrangestore("dst", "s", &ZRange::rank(0, -1)),
        Err(Error::WrongType)
    );
}

#[test]
fn the_algebra_weighs_aggregates_and_treats_sets_as_score_one() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("a", [("x", 1.0), ("y", 2.0), ("inf", f64::INFINITY)])
        .unwrap();
    z.zadd("b", [("y", 3.0), ("z", 4.0), ("inf", f64::NEG_INFINITY)])
        .unwrap();
    store.sets().sadd("s", ["x", "z"]).unwrap();
    assert_eq!(
        scored(z.zunion_withscores(["a", "b", "s"]).unwrap()),
        [
            ("inf".to_owned(), 0.0),
            ("x".to_owned(), 2.0),
            ("y".to_owned(), 5.0),
            ("z".to_owned(), 5.0),
        ]
    );
    let opts = CombineOptions::new()
        .weights([2.0, 1.0])
        .aggregate(Aggregate::Max);
    assert_eq!(
        scored(z.zinter_with(["a", "b"], &opts).unwrap()),
        [("y".to_owned(), 4.0), ("inf".to_owned(), f64::INFINITY)]
    );
    assert_eq!(texts(z.zdiff(["a", "b"]).unwrap()), ["x"]);
    assert_eq!(z.zintercard(["a", "b", "s"], 0).unwrap(), 0);
    assert_eq!(z.zintercard(["a", "b"], 1).unwrap(), 1);
    assert_eq!(z.zunionstore("u", ["a", "missing"]).unwrap(), 3);
    assert_eq!(z.zinterstore("i", ["a", "missing"]).unwrap(), 0);
    assert_eq!(store.keys().exists(["i"]).unwrap(), 0);
    assert_eq!(
        z.zunion(Vec::<&str>::new()),
        Err(Error::NoInputKeys("zunion"))
    );
    assert_eq!(
        z.zunionstore_with("u", ["a"], &CombineOptions::new().weights([1.0, 2.0])),
        Err(Error::Syntax)
    );
    store.strings().set("str", "v").unwrap();
    assert_eq!(z.zunionstore("u", ["a", "str"]), Err(Error::WrongType));
    assert_eq!(
        z.zcard("u").unwrap(),
        3,
        "a failed STORE leaves dst as it was"
    );
}

#[test]
fn pops_take_from_the_ends_and_delete_the_emptied_key() {
    let store = Store::new();
    let z = store.zsets();
    z.zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)]).unwrap();
    assert_eq!(
        scored(z.zpopmax("z", 2).unwrap()),
        [("c".into(), 3.0), ("b".into(), 2.0)]
    );
    assert_eq!(z.zpopmin("z", 0).unwrap(), []);
    assert_eq!(scored(z.zpopmin("z", 5).unwrap()), [("a".into(), 1.0)]);
    assert_eq!(store.keys().exists(["z"]).unwrap(), 0);
    assert_eq!(z.zmpop(["z"], ScoreEnd::Min, 1).unwrap(), None);
    assert_eq!(
        z.zmpop(Vec::<&str>::new(), ScoreEnd::Min, 1),
        Err(Error::NumKeysNotPositive)
    );
    assert_eq!(
        z.zmpop(["z"], ScoreEnd::Min, 0),
        Err(Error::CountNotPositive)
    );
}

#[test]
fn a_blocked_zpop_is_served_by_a_later_zadd_exactly_once() {
    let store = Store::new();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let store = store.clone();
            thread::spawn(move || store.zsets().bzpopmin(["q"], Some(Duration::from_secs(10))))
        })
        .collect();
    until_blocked(&store, 3);
    store
        .zsets()
        .zadd("q", [("a", 1.0), ("b", 2.0), ("c", 3.0)])
        .unwrap();
    let mut got: Vec<String> = consumers
        .into_iter()
        .map(|c| {
            let (_, m, _) = join_within(c, PROMPTLY, "a waiter the ZADD should serve")
                .unwrap()
                .unwrap();
            String::from_utf8(m.to_vec()).unwrap()
        })
        .collect();
    got.sort();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(store.zsets().zcard("q").unwrap(), 0);
}

#[test]
fn a_zpop_waiter_is_not_served_by_a_list_push_and_vice_versa() {
    let store = Store::new();
    let zwaiter = {
        let store = store.clone();
        thread::spawn(move || store.zsets().bzpopmax(["k"], Some(Duration::from_secs(10))))
    };
    until_blocked(&store, 1);
    store.lists().rpush("k", ["x"]).unwrap();
    let lwaiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["k2"], Some(Duration::from_secs(10))))
    };
    until_blocked(&store, 2);
    // The list push did not wake the sorted-set waiter.
    assert_eq!(store.lists().llen("k").unwrap(), 1);
    store.keys().del(["k"]).unwrap();
    store.zsets().zadd("k", [("m", 7.0)]).unwrap();
    assert_eq!(
        join_within(zwaiter, PROMPTLY, "the sorted-set waiter, after the ZADD").unwrap(),
        Some(("k".into(), "m".into(), 7.0))
    );
    store.zsets().zadd("k2", [("m", 1.0)]).unwrap();
    assert_eq!(store.blocked_clients(), 1, "the list waiter still waits");
    store.keys().del(["k2"]).unwrap();
    store.lists().rpush("k2", ["e"]).unwrap();
    let got = join_within(lwaiter, PROMPTLY, "the list waiter, after the RPUSH");
    assert_eq!(got.unwrap().unwrap().1, "e");
}

#[test]
fn bzmpop_times_out_and_is_cancellable() {
    let store = Store::new();
    let (got, waited) = {
        let store = store.clone();
        within(PROMPTLY, "BZMPOP with a 30 ms timeout", move || {
            let start = Instant::now();
            let got = store
                .zsets()
                .bzmpop(["z"], ScoreEnd::Max, 2, Some(Duration::from_millis(30)))
                .unwrap();
            (got, start.elapsed())
        })
    };
    assert_eq!(got, None);
    assert!(waited >= Duration::from_millis(30), "{waited:?}");
    let token = CancelToken::new();
    let waiter = {
        let (store, token) = (store.clone(), token.clone());
        thread::spawn(move || store.zsets().cancel_with(&token).bzpopmin(["z"], None))
    };
    until_blocked(&store, 1);
    token.cancel();
    assert_eq!(
        join_within(waiter, PROMPTLY, "the cancelled waiter"),
        Err(Error::Unblocked)
    );
    store.strings().set("s", "x").unwrap();
    let got = {
        let store = store.clone();
        within(PROMPTLY, "BZPOPMIN on a string", move || {
            store.zsets().bzpopmin(["s"], None)
        })
    };
    assert_eq!(got, Err(Error::WrongType));
}

#[test]
fn zrandmember_draws_distinct_or_repeated_members() {
    let store = Store::builder().seed(3).build();
    let z = store.zsets();
    let members: Vec<(String, f64)> = (0..1000).map(|i| (format!("m{i}"), f64::from(i))).collect();
    z.zadd("z", members).unwrap();
    for count in [1, 10, 400, 999] {
        let got = z.zrandmember_count("z", Picks::Distinct(count)).unwrap();
        let distinct: HashSet<Blob> = got.iter().cloned().collect();
        assert_eq!((got.len(), distinct.len()), (count, count));
    }
    let all = z.zrandmember_count("z", Picks::Distinct(5000)).unwrap();
    assert_eq!(all.len(), 1000);
    let with = z.zrandmember_withscores("z", Picks::Repeated(50)).unwrap();
    assert_eq!(with.len(), 50);
    for (m, s) in with {
        assert_eq!(z.zscore("z", &m).unwrap(), Some(s));
    }
    // More repeated picks than members: some must repeat.
    z.zadd("few", [("a", 1.0), ("b", 2.0)]).unwrap();
    let got = z.zrandmember_count("few", Picks::Repeated(5)).unwrap();
    assert_eq!(got.len(), 5);
    assert!(got.iter().collect::<HashSet<_>>().len() <= 2);
    let past_half = usize::try_from(i64::MAX / 2 + 1).unwrap();
    assert_eq!(
        z.zrandmember_withscores("z", Picks::Repeated(past_half)),
        Err(Error::OutOfRange)
    );
    assert!(
        z.zrandmember_count("missing", Picks::Distinct(3))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn zscan_returns_every_member_present_throughout_while_the_set_changes() {
    let store = Store::new();
    let z = store.zsets();
    let keep: Vec<(String, f64)> = (0..300)
        .map(|i| (format!("keep{i}"), f64::from(i)))
        .collect();
    let tmp: Vec<(String, f64)> = (0..1500)
        .map(|i| (format!("tmp{i}"), f64::from(i)))
        .collect();
    z.zadd("z", keep).unwrap();
    z.zadd("z", tmp).unwrap();
    let (mut cursor, mut step, mut seen) = (0, 0, HashSet::new());
    loop {
        let (next, got) = z.zscan("z", cursor, &ScanOptions::new().count(20)).unwrap();
        seen.extend(texts(got.into_iter().map(|e| e.0).collect()));
        let gone: Vec<String> = (step * 60..step * 60 + 60)
            .map(|j| format!("tmp{j}"))
            .collect();
        z.zrem("z", gone).unwrap();
        z.zadd("z", [(format!("new{step}"), 0.5)]).unwrap();
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..300 {
        assert!(seen.contains(&format!("keep{i}")), "keep{i} missed");
    }
    let total = z
        .zscan_iter("z", ScanOptions::new().pattern("keep*"))
        .map(Result::unwrap)
        .count();
    assert_eq!(total, 300);
}

#[test]
fn commands_on_another_type_are_wrongtype_and_change_nothing() {
    let store = Store::new();
    store.lists().rpush("l", ["x"]).unwrap();
    let z = store.zsets();
    assert_eq!(z.zadd("l", [("a", 1.0)]), Err(Error::WrongType));
    assert_eq!(z.zrange("l", 0, -1), Err(Error::WrongType));
    assert_eq!(z.zincrby("l", 1.0, "a"), Err(Error::WrongType));
    assert_eq!(z.zpopmin("l", 1), Err(Error::WrongType));
    assert_eq!(z.zunion(["l"]), Err(Error::WrongType));
    assert_eq!(store.lists().lrange("l", 0, -1).unwrap(), ["x"]);
}

/// A sorted set leaves the compact form where Redis's does (`OBJECT ENCODING`): past
/// 128 members (`zset-max-listpack-entries`) or with a member longer than 64 bytes
/// (`zset-max-listpack-value`), and never goes back; it answers the same either way.
#[test]
fn large_sets_convert_and_keep_answering() {
    let store = Store::new();
    let z = store.zsets();
    let mut conn = store.connection();
    let mut encoding = |key: &str| match conn.execute(&["OBJECT", "ENCODING", key]) {
        Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("OBJECT ENCODING {key}: {other:?}"),
    };
    for i in 0..1000 {
        z.zadd("z", [(format!("m{i:04}"), f64::from(i % 100))])
            .unwrap();
        let expected = if i < 128 { "listpack" } else { "skiplist" };
        assert_eq!(encoding("z"), expected, "with {} members", i + 1);
    }
    assert_eq!(z.zcard("z").unwrap(), 1000);
    assert_eq!(
        z.zcount("z", 10.0, ScoreBound::Exclusive(20.0)).unwrap(),
        100
    );
    assert_eq!(z.zrank("z", "m0000").unwrap(), Some(0));
    assert_eq!(z.zrank("z", "m0100").unwrap(), Some(1));
    assert_eq!(z.zrevrank("z", "m0999").unwrap(), Some(0));
    assert_eq!(
        z.zremrangebyscore("z", 0.0, ScoreBound::Exclusive(50.0))
            .unwrap(),
        500
    );
    assert_eq!(z.zrange("z", 0, 0).unwrap(), ["m0050"]);
    assert_eq!(z.zpopmax("z", 1).unwrap(), [("m0999".into(), 99.0)]);
    // Down to 100 members, below the threshold: still the large form, as in Redis.
    assert_eq!(z.zremrangebyrank("z", 0, 398).unwrap(), 399);
    assert_eq!(z.zcard("z").unwrap(), 100);
    assert_eq!(encoding("z"), "skiplist");
    assert_eq!(z.zrange("z", 0, 0).unwrap(), ["m0989"]);

    // A member of 64 bytes fits the compact form; one of 65 does not.
    let (fits, too_long) = ("x".repeat(64), "y".repeat(65));
    z.zadd("long", [(&fits, 1.0)]).unwrap();
    assert_eq!(encoding("long"), "listpack");
    z.zadd("long", [(&too_long, 2.0)]).unwrap();
    assert_eq!(encoding("long"), "skiplist");
    assert_eq!(z.zrange("long", 0, -1).unwrap(), [fits, too_long]);
}

/// Random operation sequences against a `BTreeMap` model (member → score), across the
/// small and large forms.
#[test]
fn random_operations_agree_with_a_model() {
    let store = Store::new();
    let z = store.zsets();
    let mut model: BTreeMap<String, f64> = BTreeMap::new();
    let mut lex: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut rng = SmallRng::seed_from_u64(21);
    let ordered = |model: &BTreeMap<String, f64>| {
        let mut v: Vec<(String, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    for step in 0..3000 {
        let member = format!("m{}", rng.gen_range(0..250));
        let score = f64::from(rng.gen_range(-30..30));
        match rng.gen_range(0..10) {
            0..=3 => {
                z.zadd("z", [(&member, score)]).unwrap();
                model.insert(member, score);
            }
            4 => {
                let got = z.zincrby("z", score, &member).unwrap();
                let e = model.entry(member).or_insert(0.0);
                *e += score;
                assert_eq!(got, *e);
            }
            5 => {
                assert_eq!(
                    z.zrem("z", [&member]).unwrap(),
                    usize::from(model.remove(&member).is_some())
                );
            }
            6 => {
                let (lo, hi) = (score, score + f64::from(rng.gen_range(0..20)));
                let (offset, count) = (rng.gen_range(0..5), rng.gen_range(-1..6));
                let rev = rng.gen_bool(0.5);
                let mut range = ZRange::score(lo, ScoreBound::Exclusive(hi)).limit(offset, count);
                let mut expected: Vec<(String, f64)> = ordered(&model)
                    .into_iter()
                    .filter(|e| e.1 >= lo && e.1 < hi)
                    .collect();
                if rev {
                    range = range.rev();
                    expected.reverse();
                }
                let expected: Vec<(String, f64)> = expected
                    .into_iter()
                    .skip(offset as usize)
                    .take(if count < 0 {
                        usize::MAX
                    } else {
                        count as usize
                    })
                    .collect();
                assert_eq!(
                    scored(z.zrange_by_withscores("z", &range).unwrap()),
                    expected
                );
            }
            7 => {
                let all = ordered(&model);
                let rank = all.iter().position(|e| e.0 == member);
                assert_eq!(z.zrank("z", &member).unwrap(), rank);
                assert_eq!(
                    z.zrevrank("z", &member).unwrap(),
                    rank.map(|r| all.len() - 1 - r)
                );
            }
            8 => {
                let (a, b) = (rng.gen_range(-10..10), rng.gen_range(-10..10));
                let n = model.len() as i64;
                // As Redis: negative from the end; the start (only) is raised to 0.
                let norm = |i: i64| if i < 0 { n + i } else { i };
                let (s, e) = (norm(a).max(0), norm(b).min(n - 1));
                let expected: Vec<String> = if s > e || s >= n {
                    Vec::new()
                } else {
                    ordered(&model)[s as usize..=e as usize]
                        .iter()
                        .map(|e| e.0.clone())
                        .collect()
                };
                if rng.gen_bool(0.3) {
                    let removed = z.zremrangebyrank("z", a, b).unwrap();
                    assert_eq!(removed, expected.len());
                    for m in &expected {
                        model.remove(m);
                    }
                } else {
                    assert_eq!(texts(z.zrange("z", a, b).unwrap()), expected);
                }
            }
            _ => {
                // Lex ranges are specified for equal scores: a same-score copy.
                z.zadd("lex", [(&member, 0.0)]).unwrap();
                lex.insert(member.clone());
                let other = format!("m{}", rng.gen_range(0..250));
                let (lo, hi) = if member <= other {
                    (member, other)
                } else {
                    (other, member)
                };
                let expected: Vec<String> = lex
                    .iter()
                    .filter(|m| **m > lo && **m <= hi)
                    .cloned()
                    .collect();
                let range = ZRange::lex(LexBound::exclusive(&lo), LexBound::inclusive(&hi));
                assert_eq!(texts(z.zrange_by("lex", &range).unwrap()), expected);
                assert_eq!(
                    z.zlexcount("lex", LexBound::exclusive(&lo), LexBound::inclusive(&hi))
                        .unwrap(),
                    expected.len()
                );
                // The other direction, a page of it.
                let page: Vec<String> = expected.iter().rev().skip(1).take(3).cloned().collect();
                let range = range.rev().limit(1, 3);
                assert_eq!(texts(z.zrange_by("lex", &range).unwrap()), page);
            }
        }
        if step % 100 == 0 {
            let all: Vec<(String, f64)> = scored(z.zrange_withscores("z", 0, -1).unwrap());
            assert_eq!(all, ordered(&model));
            assert_eq!(z.zcard("z").unwrap(), model.len());
        }
    }
}

/// ZADD of many members is one atomic step, and ZUNIONSTORE reads its inputs in one:
/// a copy made while another thread rewrites every score never mixes old and new.
#[test]
fn zunionstore_never_sees_a_zadd_half_done() {
    let store = Store::new();
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    store
        .zsets()
        .zadd("src", members.iter().map(|m| (m, 0.0)))
        .unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, done, members) = (store.clone(), done.clone(), members.clone());
        thread::spawn(move || {
            let mut round = 0.0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                round += 1.0;
                let all = members.iter().map(|m| (m, round));
                store.zsets().zadd("src", all).unwrap();
            }
        })
    };
    for _ in 0..300 {
        assert_eq!(
            store
                .zsets()
                .zunionstore("copy", ["src", "missing"])
                .unwrap(),
            200
        );
        let scores: HashSet<u64> = store
            .zsets()
            .zrange_withscores("copy", 0, -1)
            .unwrap()
            .into_iter()
            .map(|(_, s)| s.to_bits())
            .collect();
        assert_eq!(scores.len(), 1, "a copy mixed two ZADDs");
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn zscan_iter_yields_a_wrong_type_once_then_ends() {
    let store = Store::new();
    let z = store.zsets();
    store.strings().set("s", "v").unwrap();
    let mut it = z.zscan_iter("s", ScanOptions::new());
    assert_eq!(it.next(), Some(Err(Error::WrongType)));
    assert_eq!(it.next(), None);
    // A large sorted set, walked in steps, that comes to hold a string mid-walk: the
    // rest of the step fetched, then the error, then the end.
    let members: Vec<(String, f64)> = (0..1000).map(|i| (format!("m{i}"), f64::from(i))).collect();
    z.zadd("z", members).unwrap();
    let mut it = z.zscan_iter("z", ScanOptions::new().count(10));
    assert!(matches!(it.next(), Some(Ok(_))));
    store.strings().set("z", "v").unwrap();
    let rest: Vec<_> = it.by_ref().collect();
    let (last, before) = rest.split_last().unwrap();
    assert_eq!(last, &Err(Error::WrongType));
    assert!(before.iter().all(Result::is_ok));
    assert_eq!(it.next(), None);
}
