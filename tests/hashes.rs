//! Hash commands: the redis-py tutorial's examples, Redis's edge cases and errors, the
//! compact-to-table conversion, HSCAN's guarantee and HRANDFIELD's distribution.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use embedis::{Blob, Error, KeyType, Picks, Reply, ScanOptions, Store, Ttl};

fn text(b: &Blob) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn pairs_map(pairs: &[(Blob, Blob)]) -> HashMap<String, String> {
    pairs.iter().map(|(f, v)| (text(f), text(v))).collect()
}

#[test]
fn the_tutorials_hash_examples_work() {
    let store = Store::new();
    let h = store.hashes();
    assert_eq!(h.hset("dic", [("k1", "v1")]).unwrap(), 1);
    assert_eq!(h.hget("dic", "k1").unwrap().unwrap(), "v1");
    h.hmset("dic", [("k1", "v1"), ("k2", "v2")]).unwrap();
    assert_eq!(h.hget("dic", "k2").unwrap().unwrap(), "v2");
    assert_eq!(
        h.hmget("dic", ["k1", "k2"]).unwrap(),
        [Some(Blob::from("v1")), Some(Blob::from("v2"))]
    );
    assert_eq!(
        pairs_map(&h.hgetall("dic").unwrap()),
        HashMap::from([("k1".into(), "v1".into()), ("k2".into(), "v2".into())])
    );
    assert_eq!(h.hlen("dic").unwrap(), 2);
    assert_eq!(h.hkeys("dic").unwrap(), ["k1", "k2"]);
    assert_eq!(h.hvals("dic").unwrap(), ["v1", "v2"]);
    assert!(h.hexists("dic", "k1").unwrap());
    assert!(!h.hexists("dic", "kk").unwrap());
    assert_eq!(h.hdel("dic", ["k1"]).unwrap(), 1);
    assert_eq!(h.hget("dic", "k1").unwrap(), None);
    assert_eq!(h.hincrby("dic", "number", 1).unwrap(), 1);
    assert_eq!(h.hincrby("dic", "number", 10).unwrap(), 11);
    assert!((h.hincrbyfloat("dic", "float", 1.0).unwrap() - 1.0).abs() < f64::EPSILON);
    assert!((h.hincrbyfloat("dic", "float", 0.3).unwrap() - 1.3).abs() < f64::EPSILON);
    assert_eq!(h.hget("dic", "float").unwrap().unwrap(), "1.3");
    let all: Vec<_> = h
        .hscan_iter("dic", ScanOptions::new())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[test]
fn the_tutorials_expiring_hash_disappears_at_its_deadline() {
    let (store, clock) = common::manual_store();
    store
        .hashes()
        .hset("info", [("BlogUrl", "https://blog.ansheng.me")])
        .unwrap();
    assert!(
        store
            .keys()
            .expire("info", Duration::from_secs(10))
            .unwrap()
    );
    assert_eq!(
        store.hashes().hget("info", "BlogUrl").unwrap().unwrap(),
        "https://blog.ansheng.me"
    );
    // Gone once its deadline's millisecond has passed.
    clock.advance(Duration::from_millis(10_001));
    assert_eq!(store.hashes().hget("info", "BlogUrl").unwrap(), None);
    assert_eq!(store.hashes().hlen("info").unwrap(), 0);
}

#[test]
fn hset_counts_only_new_fields_and_later_pairs_win() {
    let store = Store::new();
    let h = store.hashes();
    assert_eq!(
        h.hset("h", [("a", "1"), ("b", "2"), ("a", "3")]).unwrap(),
        2
    );
    assert_eq!(h.hget("h", "a").unwrap().unwrap(), "3");
    assert_eq!(h.hset("h", [("a", "4"), ("c", "5")]).unwrap(), 1);
    assert_eq!(h.hlen("h").unwrap(), 3);
}

#[test]
fn missing_keys_read_as_empty_hashes() {
    let store = Store::new();
    let h = store.hashes();
    assert_eq!(h.hget("none", "f").unwrap(), None);
    assert_eq!(h.hmget("none", ["a", "b"]).unwrap(), [None, None]);
    assert!(h.hgetall("none").unwrap().is_empty());
    assert!(h.hkeys("none").unwrap().is_empty());
    assert_eq!(h.hlen("none").unwrap(), 0);
    assert_eq!(h.hstrlen("none", "f").unwrap(), 0);
    assert_eq!(h.hdel("none", ["f"]).unwrap(), 0);
    assert_eq!(h.hrandfield("none").unwrap(), None);
    assert!(
        h.hrandfield_count("none", Picks::Repeated(5))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        h.hscan("none", 0, &ScanOptions::new()).unwrap(),
        (0, vec![])
    );
    assert_eq!(store.keys().dbsize().unwrap(), 0, "reads create nothing");
}

#[test]
fn every_hash_command_refuses_another_type_and_changes_nothing() {
    let store = Store::new();
    store.strings().set("s", "text").unwrap();
    let h = store.hashes();
    let wrong = Err::<(), _>(Error::WrongType);
    assert_eq!(h.hset("s", [("f", "v")]).map(|_| ()), wrong);
    assert_eq!(h.hsetnx("s", "f", "v").map(|_| ()), wrong);
    assert_eq!(h.hget("s", "f").map(|_| ()), wrong);
    assert_eq!(h.hmget("s", ["f"]).map(|_| ()), wrong);
    assert_eq!(h.hgetall("s").map(|_| ()), wrong);
    assert_eq!(h.hdel("s", ["f"]).map(|_| ()), wrong);
    assert_eq!(h.hlen("s").map(|_| ()), wrong);
    assert_eq!(h.hincrby("s", "f", 1).map(|_| ()), wrong);
    assert_eq!(h.hincrbyfloat("s", "f", 1.0).map(|_| ()), wrong);
    assert_eq!(
        h.hrandfield_count("s", Picks::Distinct(3)).map(|_| ()),
        wrong
    );
    assert_eq!(h.hscan("s", 0, &ScanOptions::new()).map(|_| ()), wrong);
    assert_eq!(common::get(&store, "s"), "text");
    h.hset("h", [("f", "v")]).unwrap();
    assert_eq!(store.strings().get("h"), Err(Error::WrongType));
    assert_eq!(store.keys().key_type("h").unwrap(), Some(KeyType::Hash));
}

#[test]
fn empty_argument_lists_are_arity_errors() {
    let store = Store::new();
    let h = store.hashes();
    let none: [(&str, &str); 0] = [];
    assert_eq!(h.hset("h", none), Err(Error::WrongArity("hset")));
    assert_eq!(h.hmset("h", none), Err(Error::WrongArity("hmset")));
    assert_eq!(
        h.hdel("h", Vec::<&str>::new()),
        Err(Error::WrongArity("hdel"))
    );
    assert_eq!(
        h.hmget("h", Vec::<&str>::new()),
        Err(Error::WrongArity("hmget"))
    );
    assert_eq!(
        Error::WrongArity("hset").to_string(),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(store.keys().dbsize().unwrap(), 0);
}

#[test]
fn removing_the_last_field_deletes_the_key_and_its_ttl() {
    let (store, _clock) = common::manual_store();
    let h = store.hashes();
    h.hset("h", [("a", "1"), ("b", "2")]).unwrap();
    store.keys().expire("h", Duration::from_secs(60)).unwrap();
    assert_eq!(h.hdel("h", ["a", "b", "c"]).unwrap(), 2);
    assert_eq!(store.keys().exists(["h"]).unwrap(), 0);
    h.hset("h", [("a", "1")]).unwrap();
    assert_eq!(store.keys().ttl("h").unwrap(), Ttl::Persistent);
}

#[test]
fn writes_keep_the_hashs_ttl() {
    let (store, _clock) = common::manual_store();
    let h = store.hashes();
    h.hset("h", [("a", "1")]).unwrap();
    store.keys().expire("h", Duration::from_secs(60)).unwrap();
    h.hset("h", [("b", "2")]).unwrap();
    h.hincrby("h", "n", 1).unwrap();
    h.hdel("h", ["a"]).unwrap();
    assert_eq!(
        store.keys().ttl("h").unwrap(),
        Ttl::Expires(Duration::from_secs(60))
    );
}

#[test]
fn hincrby_refuses_non_integers_and_overflow_leaving_the_field_alone() {
    let store = Store::new();
    let h = store.hashes();
    h.hset(
        "h",
        [
            ("text", "abc"),
            ("max", "9223372036854775807"),
            ("lead", "01"),
        ],
    )
    .unwrap();
    assert_eq!(h.hincrby("h", "text", 1), Err(Error::HashValueNotInteger));
    assert_eq!(h.hincrby("h", "lead", 1), Err(Error::HashValueNotInteger));
    assert_eq!(h.hincrby("h", "max", 1), Err(Error::Overflow));
    assert_eq!(h.hget("h", "max").unwrap().unwrap(), "9223372036854775807");
    assert_eq!(h.hincrby("h", "max", -1).unwrap(), i64::MAX - 1);
    assert_eq!(
        Error::HashValueNotInteger.to_string(),
        "ERR hash value is not an integer"
    );
    // A failed increment of a new key leaves no key behind.
    assert_eq!(
        h.hincrbyfloat("fresh", "f", f64::INFINITY),
        Err(Error::NotFinite)
    );
    assert_eq!(store.keys().exists(["fresh"]).unwrap(), 0);
}

#[test]
fn hincrbyfloat_formats_and_refuses_as_redis() {
    let store = Store::new();
    let h = store.hashes();
    h.hset(
        "h",
        [
            ("f", "10.50"),
            ("e", "5.0e3"),
            ("bad", " 1"),
            ("big", "1e308"),
        ],
    )
    .unwrap();
    assert!((h.hincrbyfloat("h", "f", 0.1).unwrap() - 10.6).abs() < 1e-9);
    assert_eq!(h.hget("h", "f").unwrap().unwrap(), "10.6");
    h.hincrbyfloat("h", "e", 200.0).unwrap();
    assert_eq!(h.hget("h", "e").unwrap().unwrap(), "5200");
    assert_eq!(
        h.hincrbyfloat("h", "bad", 1.0),
        Err(Error::HashValueNotFloat)
    );
    assert_eq!(h.hincrbyfloat("h", "f", f64::NAN), Err(Error::NotFloat));
    assert_eq!(
        h.hincrbyfloat("h", "f", f64::INFINITY),
        Err(Error::NotFinite)
    );
    assert_eq!(Error::NotFinite.to_string(), "ERR value is NaN or Infinity");
    // 80-bit arithmetic does not overflow here, as in Redis.
    h.hincrbyfloat("h", "big", 1e308).unwrap();
    assert!(
        h.hget("h", "big")
            .unwrap()
            .unwrap()
            .starts_with(b"19999999999999999999")
    );
}

#[test]
fn hsetnx_and_hstrlen() {
    let store = Store::new();
    let h = store.hashes();
    assert!(h.hsetnx("h", "f", "hello").unwrap());
    assert!(!h.hsetnx("h", "f", "other").unwrap());
    assert_eq!(h.hstrlen("h", "f").unwrap(), 5);
    assert_eq!(h.hstrlen("h", "missing").unwrap(), 0);
}

#[test]
fn a_growing_hash_keeps_every_pair_across_its_conversion() {
    let store = Store::new();
    let h = store.hashes();
    let mut expected = HashMap::new();
    for i in 0..1000 {
        let (f, v) = (format!("field:{i}"), format!("value:{i}"));
        h.hset("h", [(&f, &v)]).unwrap();
        expected.insert(f, v);
        if i % 97 == 0 {
            assert_eq!(pairs_map(&h.hgetall("h").unwrap()), expected);
        }
    }
    // A long value converts a small hash at once.
    let long = "x".repeat(100);
    h.hset("small", [("a", "1"), ("b", long.as_str())]).unwrap();
    assert_eq!(h.hget("small", "b").unwrap().unwrap(), long.as_str());
    assert_eq!(h.hget("small", "a").unwrap().unwrap(), "1");
    for i in 0..1000 {
        assert_eq!(h.hdel("h", [format!("field:{i}")]).unwrap(), 1);
    }
    assert_eq!(store.keys().exists(["h"]).unwrap(), 0);
}

#[test]
fn small_hashes_list_fields_in_insertion_order_as_redis() {
    let store = Store::new();
    let h = store.hashes();
    h.hset("h", [("c", "1"), ("a", "2"), ("b", "3")]).unwrap();
    h.hset("h", [("a", "20")]).unwrap();
    h.hdel("h", ["c"]).unwrap();
    h.hset("h", [("c", "4")]).unwrap();
    assert_eq!(h.hkeys("h").unwrap(), ["a", "b", "c"]);
    assert_eq!(h.hvals("h").unwrap(), ["20", "3", "4"]);
}

#[test]
fn hscan_returns_every_field_present_throughout_while_the_hash_grows_past_its_conversion() {
    let store = Store::new();
    let h = store.hashes();
    h.hset("h", (0..100).map(|i| (format!("old{i}"), "v")))
        .unwrap();
    // A compact hash is returned whole in the first step, so the walk is complete
    // before the growth below converts it.
    let (cursor, first) = h.hscan("h", 0, &ScanOptions::new().count(5)).unwrap();
    assert_eq!((cursor, first.len()), (0, 100));
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut added = 0;
    loop {
        let (next, pairs) = h.hscan("h", cursor, &ScanOptions::new().count(5)).unwrap();
        seen.extend(pairs.iter().map(|(f, _)| text(f)));
        // Grow between steps, through the conversion and several table resizes.
        h.hset("h", (added..added + 50).map(|i| (format!("new{i}"), "v")))
            .unwrap();
        added += 50;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..100 {
        assert!(seen.contains(&format!("old{i}")), "old{i} missed");
    }
    // Once large, a walk that starts after the conversion also sees every old field
    // while fields are deleted and added.
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        let (next, pairs) = h.hscan("h", cursor, &ScanOptions::new().count(20)).unwrap();
        seen.extend(pairs.iter().map(|(f, _)| text(f)));
        let gone: Vec<String> = (step * 40..step * 40 + 40)
            .map(|i| format!("new{i}"))
            .collect();
        h.hdel("h", &gone).unwrap();
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..100 {
        assert!(
            seen.contains(&format!("old{i}")),
            "old{i} missed after deletions"
        );
    }
}

#[test]
fn hscan_filters_by_pattern_and_refuses_a_type_filter() {
    let store = Store::new();
    let h = store.hashes();
    h.hset("h", [("user:1", "a"), ("user:2", "b"), ("page:1", "c")])
        .unwrap();
    let (cursor, pairs) = h
        .hscan("h", 0, &ScanOptions::new().pattern("user:*"))
        .unwrap();
    assert_eq!(cursor, 0, "a small hash is returned in one step");
    assert_eq!(pairs.len(), 2);
    assert_eq!(
        h.hscan("h", 0, &ScanOptions::new().key_type(KeyType::Hash)),
        Err(Error::Syntax)
    );
    let big: Vec<(String, String)> = (0..300).map(|i| (format!("f{i}"), i.to_string())).collect();
    h.hset("big", big.iter().map(|(f, v)| (f, v))).unwrap();
    let matched: Vec<_> = h
        .hscan_iter("big", ScanOptions::new().pattern("f2??"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(matched.len(), 100);
}

#[test]
fn hrandfield_counts_follow_redis() {
    let store = Store::new();
    let h = store.hashes();
    h.hset("h", [("a", "1"), ("b", "2"), ("c", "3")]).unwrap();
    let distinct: HashSet<_> = h
        .hrandfield_count("h", Picks::Distinct(3))
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(distinct.len(), 3);
    let all = h.hrandfield_count("h", Picks::Distinct(100)).unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        h.hrandfield_count("h", Picks::Distinct(0))
            .unwrap()
            .is_empty()
    );
    let repeated = h.hrandfield_count("h", Picks::Repeated(100)).unwrap();
    assert_eq!(repeated.len(), 100);
    assert!(repeated.iter().collect::<HashSet<_>>().len() <= 3);
    for (f, v) in h.hrandfield_withvalues("h", Picks::Repeated(20)).unwrap() {
        assert_eq!(h.hget("h", &f).unwrap().unwrap(), v);
    }
    // Redis's bound for WITHVALUES, for either kind of pick.
    let past_half = usize::try_from(i64::MAX / 2 + 1).unwrap();
    for picks in [Picks::Repeated(past_half), Picks::Distinct(past_half)] {
        assert_eq!(h.hrandfield_withvalues("h", picks), Err(Error::OutOfRange));
    }
    // Through Redis's syntax, the count's sign picks the kind; i64::MIN has no magnitude.
    let mut c = store.connection();
    let min = i64::MIN.to_string();
    assert_eq!(
        c.execute(&["HRANDFIELD", "h", &min]),
        Reply::Error(
            Error::ValueOutOfRange {
                min: -i64::MAX,
                max: i64::MAX
            }
            .to_string()
            .into()
        )
    );
    let past_minus_half = (-(i64::MAX / 2) - 1).to_string();
    assert_eq!(
        c.execute(&["HRANDFIELD", "h", &past_minus_half, "WITHVALUES"]),
        Reply::Error(Error::OutOfRange.to_string().into())
    );
}

/// Chi-square statistic of `counts` against a uniform expectation.
fn chi_square(counts: &HashMap<Blob, usize>, cells: usize, draws: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let expected = draws as f64 / cells as f64;
    let missing = cells - counts.len();
    #[allow(clippy::cast_precision_loss)]
    let present: f64 = counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let absent = missing as f64 * expected;
    present + absent
}

#[test]
fn hrandfield_is_uniform_over_small_and_large_hashes() {
    let store = Store::builder().seed(0x5eed).build();
    let h = store.hashes();
    for (key, n, deleted) in [("small", 50usize, 0), ("large", 2000, 6000)] {
        h.hset(key, (0..n + deleted).map(|i| (format!("f{i}"), "v")))
            .unwrap();
        // Delete most of the large hash, leaving its table sparse (a quarter live).
        if deleted > 0 {
            h.hdel(key, (0..deleted).map(|i| format!("f{i}"))).unwrap();
        }
        assert_eq!(h.hlen(key).unwrap(), n);
        let draws = n * 200;
        let mut counts: HashMap<Blob, usize> = HashMap::new();
        for f in h.hrandfield_count(key, Picks::Repeated(draws)).unwrap() {
            *counts.entry(f).or_default() += 1;
        }
        let chi = chi_square(&counts, n, draws);
        // df = n - 1; mean df, sd sqrt(2 df): allow 5 standard deviations.
        #[allow(clippy::cast_precision_loss)]
        let df = (n - 1) as f64;
        assert!(
            chi < df + 5.0 * (2.0 * df).sqrt(),
            "{key}: chi-square {chi:.1} for {df} degrees of freedom"
        );
    }
}

#[test]
fn hscan_iter_yields_a_wrong_type_once_then_ends() {
    let store = Store::new();
    let h = store.hashes();
    store.strings().set("s", "v").unwrap();
    let mut it = h.hscan_iter("s", ScanOptions::new());
    assert_eq!(it.next(), Some(Err(Error::WrongType)));
    assert_eq!(it.next(), None);
    // A large hash, walked in steps, that comes to hold a string mid-walk: the rest of
    // the step fetched, then the error, then the end.
    h.hset("h", (0..1000).map(|i| (format!("f{i}"), "v")))
        .unwrap();
    let mut it = h.hscan_iter("h", ScanOptions::new().count(10));
    assert!(matches!(it.next(), Some(Ok(_))));
    store.strings().set("h", "v").unwrap();
    let rest: Vec<_> = it.by_ref().collect();
    let (last, before) = rest.split_last().unwrap();
    assert_eq!(last, &Err(Error::WrongType));
    assert!(before.iter().all(Result::is_ok));
    assert_eq!(it.next(), None);
}
