//! Set commands: the redis-py tutorial's examples, Redis's edge cases and errors, the
//! intset/pack/table forms, SSCAN's guarantee, SPOP/SRANDMEMBER's distribution, and
//! atomicity of SMOVE and SINTERSTORE against concurrent writers.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use embedis::{Blob, Error, KeyType, Picks, Reply, ScanOptions, Store, Ttl};

fn sorted(v: Vec<Blob>) -> Vec<String> {
    let mut v: Vec<String> = v
        .into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn the_tutorials_set_examples_work() {
    let store = Store::new();
    let s = store.sets();
    assert_eq!(s.sadd("s1", ["1"]).unwrap(), 1);
    assert_eq!(s.sadd("s1", ["1"]).unwrap(), 0);
    assert_eq!(s.scard("s1").unwrap(), 1);
    s.sadd("s1", ["2", "3", "a", "c", "v"]).unwrap();
    s.sadd("s2", ["1", "2", "3"]).unwrap();
    assert_eq!(sorted(s.sdiff(["s1", "s2"]).unwrap()), ["a", "c", "v"]);
    assert_eq!(s.sdiffstore("news", ["s1", "s2"]).unwrap(), 3);
    assert_eq!(s.scard("news").unwrap(), 3);
    assert_eq!(sorted(s.sinter(["s1", "s2"]).unwrap()), ["1", "2", "3"]);
    assert_eq!(s.sinterstore("news1", ["s1", "s2"]).unwrap(), 3);
    assert!(s.sismember("news1", "1").unwrap());
    assert!(!s.sismember("news1", "aa1").unwrap());
    assert_eq!(sorted(s.smembers("news1").unwrap()), ["1", "2", "3"]);
    assert!(s.smove("s1", "s2", "v").unwrap());
    assert_eq!(sorted(s.smembers("s1").unwrap()), ["1", "2", "3", "a", "c"]);
    assert_eq!(sorted(s.smembers("s2").unwrap()), ["1", "2", "3", "v"]);
    let mut left = s.smembers("s2").unwrap();
    while let Some(m) = s.spop("s2").unwrap() {
        assert!(left.contains(&m));
        left.retain(|x| *x != m);
        assert_eq!(s.scard("s2").unwrap(), left.len());
    }
    assert!(left.is_empty());
    let m = s.srandmember("s1").unwrap().unwrap();
    assert!(s.sismember("s1", &m).unwrap());
    assert_eq!(
        s.srandmember_count("s1", Picks::Distinct(2)).unwrap().len(),
        2
    );
    assert_eq!(s.srem("s1", ["1", "2"]).unwrap(), 2);
    assert_eq!(sorted(s.smembers("s1").unwrap()), ["3", "a", "c"]);
    s.sadd("a1", ["1", "2", "3"]).unwrap();
    s.sadd("a2", ["1", "2", "3", "4", "5", "6", "7"]).unwrap();
    assert_eq!(
        s.sunion(["a2", "a1"]).unwrap(),
        ["1", "2", "3", "4", "5", "6", "7"]
    );
    assert_eq!(s.sunionstore("a3", ["a2", "a1"]).unwrap(), 7);
    assert_eq!(
        s.smembers("a3").unwrap(),
        ["1", "2", "3", "4", "5", "6", "7"]
    );
}

#[test]
fn integer_sets_list_in_ascending_order_and_compare_canonically() {
    let store = Store::new();
    let s = store.sets();
    s.sadd("i", ["3", "1", "2", "-5"]).unwrap();
    assert_eq!(s.smembers("i").unwrap(), ["-5", "1", "2", "3"]);
    assert!(!s.sismember("i", "01").unwrap());
    assert!(!s.sismember("i", "+1").unwrap());
    s.sadd("i", ["01", "+1"]).unwrap();
    assert_eq!(s.scard("i").unwrap(), 6, "01 and +1 are strings, not 1");
    assert!(s.sismember("i", "01").unwrap() && s.sismember("i", "1").unwrap());
}

#[test]
fn every_set_command_refuses_another_type_and_changes_nothing() {
    let store = Store::new();
    store.strings().set("str", "x").unwrap();
    store.sets().sadd("s", ["a", "b"]).unwrap();
    let s = store.sets();
    let wrong = Err::<(), _>(Error::WrongType);
    assert_eq!(s.sadd("str", ["a"]).map(|_| ()), wrong);
    assert_eq!(s.srem("str", ["a"]).map(|_| ()), wrong);
    assert_eq!(s.scard("str").map(|_| ()), wrong);
    assert_eq!(s.sismember("str", "a").map(|_| ()), wrong);
    assert_eq!(s.smembers("str").map(|_| ()), wrong);
    assert_eq!(s.spop("str").map(|_| ()), wrong);
    assert_eq!(
        s.srandmember_count("str", Picks::Distinct(2)).map(|_| ()),
        wrong
    );
    assert_eq!(s.sscan("str", 0, &ScanOptions::new()).map(|_| ()), wrong);
    // Multi-key commands type-check every key, even after a missing one.
    assert_eq!(s.sinter(["missing", "str"]).map(|_| ()), wrong);
    assert_eq!(s.sdiff(["missing", "str"]).map(|_| ()), wrong);
    assert_eq!(s.sunion(["s", "str"]).map(|_| ()), wrong);
    assert_eq!(s.sintercard(["missing", "str"], 0).map(|_| ()), wrong);
    assert_eq!(s.sinterstore("dst", ["s", "str"]).map(|_| ()), wrong);
    assert_eq!(s.smove("s", "str", "a").map(|_| ()), wrong);
    assert_eq!(s.smove("str", "s", "a").map(|_| ()), wrong);
    assert_eq!(common::get(&store, "str"), "x");
    assert_eq!(sorted(s.smembers("s").unwrap()), ["a", "b"]);
    assert_eq!(store.keys().exists(["dst"]).unwrap(), 0);
}

#[test]
fn smove_from_a_missing_source_answers_false_whatever_the_destination() {
    let store = Store::new();
    store.strings().set("str", "x").unwrap();
    assert!(!store.sets().smove("missing", "str", "a").unwrap());
    store.sets().sadd("s", ["a"]).unwrap();
    assert!(store.sets().smove("s", "s", "a").unwrap());
    assert!(!store.sets().smove("s", "s", "zz").unwrap());
    assert_eq!(store.sets().smembers("s").unwrap(), ["a"]);
    // Moving the last member deletes the source.
    assert!(store.sets().smove("s", "t", "a").unwrap());
    assert_eq!(store.keys().exists(["s"]).unwrap(), 0);
    assert_eq!(store.sets().smembers("t").unwrap(), ["a"]);
}

#[test]
fn store_forms_overwrite_any_destination_and_delete_it_when_empty() {
    let (store, _clock) = common::manual_store();
    let s = store.sets();
    s.sadd("a", ["1", "2", "3"]).unwrap();
    s.sadd("b", ["2", "3", "4"]).unwrap();
    store.hashes().hset("dst", [("f", "v")]).unwrap();
    store.keys().expire("dst", Duration::from_secs(5)).unwrap();
    assert_eq!(s.sinterstore("dst", ["a", "b"]).unwrap(), 2);
    assert_eq!(store.keys().key_type("dst").unwrap(), Some(KeyType::Set));
    assert_eq!(store.keys().ttl("dst").unwrap(), Ttl::Persistent);
    assert_eq!(s.sdiffstore("dst", ["a", "b"]).unwrap(), 1);
    assert_eq!(s.smembers("dst").unwrap(), ["1"]);
    assert_eq!(s.sunionstore("dst", ["a", "b", "nothing"]).unwrap(), 4);
    assert_eq!(s.sinterstore("dst", ["a", "nothing"]).unwrap(), 0);
    assert_eq!(store.keys().exists(["dst"]).unwrap(), 0);
    // The destination may be one of the sources.
    assert_eq!(s.sdiffstore("a", ["a", "b"]).unwrap(), 1);
    assert_eq!(s.smembers("a").unwrap(), ["1"]);
}

#[test]
fn empty_argument_lists_are_errors_as_in_redis() {
    let store = Store::new();
    let s = store.sets();
    let none = Vec::<&str>::new();
    assert_eq!(s.sadd("s", &none), Err(Error::WrongArity("sadd")));
    assert_eq!(s.srem("s", &none), Err(Error::WrongArity("srem")));
    assert_eq!(
        s.smismember("s", &none),
        Err(Error::WrongArity("smismember"))
    );
    assert_eq!(s.sinter(&none), Err(Error::WrongArity("sinter")));
    assert_eq!(
        s.sunionstore("d", &none),
        Err(Error::WrongArity("sunionstore"))
    );
    assert_eq!(s.sintercard(&none, 0), Err(Error::NumKeysNotPositive));
    assert_eq!(
        Error::NumKeysNotPositive.to_string(),
        "ERR numkeys should be greater than 0"
    );
}

#[test]
fn spop_and_srandmember_counts_follow_redis() {
    let store = Store::new();
    let s = store.sets();
    assert_eq!(s.spop("missing").unwrap(), None);
    assert!(s.spop_count("missing", 3).unwrap().is_empty());
    assert!(
        s.srandmember_count("missing", Picks::Repeated(3))
            .unwrap()
            .is_empty()
    );
    s.sadd("s", ["a", "b", "c", "d"]).unwrap();
    assert!(s.spop_count("s", 0).unwrap().is_empty());
    assert!(
        s.srandmember_count("s", Picks::Distinct(0))
            .unwrap()
            .is_empty()
    );
    assert!(
        s.srandmember_count("s", Picks::Repeated(0))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.srandmember_count("s", Picks::Distinct(10)).unwrap().len(),
        4
    );
    assert_eq!(
        s.srandmember_count("s", Picks::Repeated(10)).unwrap().len(),
        10
    );
    // Redis's count with its sign: -n asks for repeats; i64::MIN has no magnitude.
    let mut c = store.connection();
    assert!(matches!(c.execute(&["SRANDMEMBER", "s", "-10"]), Reply::Array(v) if v.len() == 10));
    assert_eq!(
        c.execute(&["SRANDMEMBER", "s", &i64::MIN.to_string()]),
        Reply::Error(
            Error::ValueOutOfRange {
                min: -i64::MAX,
                max: i64::MAX
            }
            .to_string()
            .into()
        )
    );
    let popped = s.spop_count("s", 3).unwrap();
    assert_eq!(popped.len(), 3);
    assert_eq!(popped.iter().collect::<HashSet<_>>().len(), 3);
    for m in &popped {
        assert!(!s.sismember("s", m).unwrap());
    }
    assert_eq!(s.spop_count("s", 3).unwrap().len(), 1);
    assert_eq!(store.keys().exists(["s"]).unwrap(), 0);
}

#[test]
fn sintercard_stops_at_its_limit() {
    let store = Store::new();
    let s = store.sets();
    s.sadd("a", (0..1000).map(|i| i.to_string())).unwrap();
    s.sadd("b", (500..1500).map(|i| i.to_string())).unwrap();
    assert_eq!(s.sintercard(["a", "b"], 0).unwrap(), 500);
    assert_eq!(s.sintercard(["a", "b"], 10).unwrap(), 10);
    assert_eq!(s.sintercard(["a", "b"], 10_000).unwrap(), 500);
    assert_eq!(s.sintercard(["a", "missing"], 0).unwrap(), 0);
}

#[test]
fn algebra_agrees_with_std_sets_across_every_form() {
    let store = Store::new();
    let s = store.sets();
    // An intset, a pack, a large table of strings, a large table with integers.
    let inputs: Vec<(&str, Vec<String>)> = vec![
        (
            "ints",
            (0..300).step_by(3).map(|i: i32| i.to_string()).collect(),
        ),
        (
            "pack",
            ["1", "3", "x", "y", "12"].map(String::from).to_vec(),
        ),
        (
            "strs",
            (0..2000)
                .map(|i| format!("{}", i * 2))
                .chain(["x".into()])
                .collect(),
        ),
        ("mixed", (0..700).map(|i| i.to_string()).collect()),
    ];
    let mut model: HashMap<&str, HashSet<String>> = HashMap::new();
    for (k, members) in &inputs {
        s.sadd(k, members).unwrap();
        model.insert(k, members.iter().cloned().collect());
    }
    let keys = ["ints", "pack", "strs", "mixed", "missing"];
    for a in keys {
        for b in keys {
            let (ma, mb) = (
                model.get(a).cloned().unwrap_or_default(),
                model.get(b).cloned().unwrap_or_default(),
            );
            let mut inter: Vec<_> = ma.intersection(&mb).cloned().collect();
            let mut union: Vec<_> = ma.union(&mb).cloned().collect();
            let mut diff: Vec<_> = ma.difference(&mb).cloned().collect();
            inter.sort();
            union.sort();
            diff.sort();
            assert_eq!(sorted(s.sinter([a, b]).unwrap()), inter, "{a} ∩ {b}");
            assert_eq!(sorted(s.sunion([a, b]).unwrap()), union, "{a} ∪ {b}");
            assert_eq!(sorted(s.sdiff([a, b]).unwrap()), diff, "{a} - {b}");
            assert_eq!(s.sintercard([a, b], 0).unwrap(), inter.len());
            assert_eq!(s.sunionstore("out", [a, b]).unwrap(), union.len());
            assert_eq!(sorted(s.smembers("out").unwrap()), union);
        }
    }
}

#[test]
fn sscan_returns_every_member_present_throughout_while_the_set_churns() {
    let store = Store::new();
    let s = store.sets();
    s.sadd("s", (0..1000).map(|i| format!("keep{i}"))).unwrap();
    s.sadd("s", (0..3000).map(|i| format!("tmp{i}"))).unwrap();
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        let (next, members) = s.sscan("s", cursor, &ScanOptions::new().count(50)).unwrap();
        seen.extend(members);
        // Delete temporaries (so the table compacts) and add new members between steps.
        s.srem(
            "s",
            (step * 100..step * 100 + 100).map(|i| format!("tmp{i}")),
        )
        .unwrap();
        s.sadd("s", (0..10).map(|i| format!("new{step}-{i}")))
            .unwrap();
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..1000 {
        assert!(
            seen.contains(format!("keep{i}").as_bytes()),
            "keep{i} missed"
        );
    }
}

#[test]
fn sscan_of_an_integer_set_returns_it_whole_and_filters_by_pattern() {
    let store = Store::new();
    let s = store.sets();
    s.sadd("i", (0..300).map(|i| i.to_string())).unwrap();
    let (cursor, all) = s.sscan("i", 0, &ScanOptions::new().count(1)).unwrap();
    assert_eq!((cursor, all.len()), (0, 300));
    let tens = s
        .sscan_iter("i", ScanOptions::new().pattern("1?"))
        .map(Result::unwrap)
        .count();
    assert_eq!(tens, 10);
}

fn chi_square_ok(counts: &HashMap<Blob, usize>, cells: usize, draws: usize) -> bool {
    #[allow(clippy::cast_precision_loss)]
    let expected = draws as f64 / cells as f64;
    #[allow(clippy::cast_precision_loss)]
    let chi: f64 = counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum::<f64>()
        + (cells - counts.len()) as f64 * expected;
    #[allow(clippy::cast_precision_loss)]
    let df = (cells - 1) as f64;
    chi < df + 5.0 * (2.0 * df).sqrt()
}

#[test]
fn srandmember_and_spop_pick_uniformly_in_every_form() {
    let store = Store::builder().seed(42).build();
    let s = store.sets();
    s.sadd("ints", (0..100).map(|i| i.to_string())).unwrap();
    s.sadd("pack", (0..100).map(|i| format!("m{i}"))).unwrap();
    s.sadd("dict", (0..4000).map(|i| format!("m{i}"))).unwrap();
    s.srem("dict", (0..3000).map(|i| format!("m{i}"))).unwrap();
    for (key, n) in [("ints", 100), ("pack", 100), ("dict", 1000)] {
        // Repeated single picks.
        let draws = n * 300;
        let mut counts: HashMap<Blob, usize> = HashMap::new();
        for m in s.srandmember_count(key, Picks::Repeated(draws)).unwrap() {
            *counts.entry(m).or_default() += 1;
        }
        assert!(chi_square_ok(&counts, n, draws), "{key}: repeated picks");
        // Distinct picks of a tenth of the set, many times over.
        let mut counts: HashMap<Blob, usize> = HashMap::new();
        let rounds = 3000;
        for _ in 0..rounds {
            for m in s.srandmember_count(key, Picks::Distinct(n / 10)).unwrap() {
                *counts.entry(m).or_default() += 1;
            }
        }
        assert!(
            chi_square_ok(&counts, n, rounds * (n / 10)),
            "{key}: distinct picks"
        );
    }
    // SPOP: which member of a two-member set is popped first is a fair coin.
    let mut first = HashMap::new();
    for _ in 0..2000 {
        s.sadd("coin", ["heads", "tails"]).unwrap();
        *first
            .entry(s.spop("coin").unwrap().unwrap())
            .or_insert(0usize) += 1;
        s.spop("coin").unwrap();
    }
    assert!(chi_square_ok(&first, 2, 2000), "{first:?}");
}

#[test]
fn the_same_seed_makes_the_same_choices() {
    let run = |seed| {
        let store = Store::builder().seed(seed).build();
        store
            .sets()
            .sadd("s", (0..500).map(|i| format!("m{i}")))
            .unwrap();
        let a = store
            .sets()
            .srandmember_count("s", Picks::Distinct(5))
            .unwrap();
        let b = store.sets().spop_count("s", 5).unwrap();
        (a, b)
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn smove_never_loses_or_duplicates_members_under_concurrent_moves() {
    let store = Store::new();
    let n = 2000;
    store
        .sets()
        .sadd("a", (0..n).map(|i| format!("m{i}")))
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let (from, to) = if t % 2 == 0 { ("a", "b") } else { ("b", "a") };
                for i in 0..n {
                    store.sets().smove(from, to, format!("m{i}")).unwrap();
                }
            })
        })
        .collect();
    // Meanwhile a reader checks the total through an atomic union.
    let store2 = store.clone();
    let done = Arc::new(AtomicBool::new(false));
    let done2 = Arc::clone(&done);
    let reader = std::thread::spawn(move || {
        let mut checks = 0;
        while !done2.load(Ordering::Relaxed) {
            let a = store2.sets().scard("a").unwrap();
            let union = store2.sets().sunion(["a", "b"]).unwrap();
            assert_eq!(union.len(), n, "a member was lost or doubled (|a| = {a})");
            checks += 1;
        }
        checks
    });
    for t in threads {
        t.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    let a: HashSet<_> = store.sets().smembers("a").unwrap().into_iter().collect();
    let b: HashSet<_> = store.sets().smembers("b").unwrap().into_iter().collect();
    assert!(a.is_disjoint(&b));
    assert_eq!(a.len() + b.len(), n);
}

#[test]
fn sinterstore_sees_each_concurrent_transfer_whole() {
    // Writers move members between x and y with SMOVE. Each store command sees every
    // member in exactly one of x and y: none in transit (in neither), none in both.
    let store = Store::new();
    let n = 500;
    let members: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    store.sets().sadd("all", &members).unwrap();
    store.sets().sadd("x", &members).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let (store, stop) = (store.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    let m = format!("m{}", i % n);
                    if !store.sets().smove("x", "y", &m).unwrap() {
                        store.sets().smove("y", "x", &m).unwrap();
                    }
                    i += 2;
                }
            })
        })
        .collect();
    for _ in 0..300 {
        let union = store.sets().sunionstore("snap", ["x", "y"]).unwrap();
        assert_eq!(union, n, "a member was in transit or lost");
        assert_eq!(store.sets().sinterstore("both", ["x", "y"]).unwrap(), 0);
        assert_eq!(
            store
                .sets()
                .sinterstore("snap_all", ["all", "snap"])
                .unwrap(),
            n
        );
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
}

#[test]
fn key_commands_copy_rename_and_type_collections() {
    let store = Store::new();
    store.sets().sadd("s", ["a", "b"]).unwrap();
    store.hashes().hset("h", [("f", "v")]).unwrap();
    assert!(
        store
            .keys()
            .copy("s", "s2", embedis::CopyOptions::new())
            .unwrap()
    );
    store.sets().sadd("s2", ["c"]).unwrap();
    assert_eq!(store.sets().scard("s").unwrap(), 2, "a copy is independent");
    store.keys().rename("h", "h2").unwrap();
    assert_eq!(store.hashes().hget("h2", "f").unwrap().unwrap(), "v");
    assert_eq!(store.keys().key_type("s2").unwrap(), Some(KeyType::Set));
    let sets: Vec<_> = store
        .keys()
        .scan_iter(ScanOptions::new().key_type(KeyType::Set))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sorted(sets), ["s", "s2"]);
    assert!(store.keys().move_key("s2", 1).unwrap());
    assert_eq!(store.db(1).unwrap().sets().scard("s2").unwrap(), 3);
    assert_eq!(
        store.strings().lcs("s", "h2"),
        Err(Error::LcsNotString),
        "LCS names non-strings its own way"
    );
}

#[test]
fn sscan_iter_yields_a_wrong_type_once_then_ends() {
    let store = Store::new();
    let s = store.sets();
    store.strings().set("str", "v").unwrap();
    let mut it = s.sscan_iter("str", ScanOptions::new());
    assert_eq!(it.next(), Some(Err(Error::WrongType)));
    assert_eq!(it.next(), None);
    // A large set, walked in steps, that comes to hold a string mid-walk: the rest of
    // the step fetched, then the error, then the end.
    s.sadd("s", (0..1000).map(|i| format!("m{i}"))).unwrap();
    let mut it = s.sscan_iter("s", ScanOptions::new().count(10));
    assert!(matches!(it.next(), Some(Ok(_))));
    store.strings().set("s", "v").unwrap();
    let rest: Vec<_> = it.by_ref().collect();
    let (last, before) = rest.split_last().unwrap();
    assert_eq!(last, &Err(Error::WrongType));
    assert!(before.iter().all(Result::is_ok));
    assert_eq!(it.next(), None);
}

#[test]
fn distinct_picks_never_repeat_and_repeated_ones_may() {
    let store = Store::builder().seed(7).build();
    let s = store.sets();
    s.sadd("small", ["a", "b", "c"]).unwrap();
    s.sadd("large", (0..1000).map(|i| format!("m{i}"))).unwrap();
    for key in ["small", "large"] {
        for n in [1, 2, 3, 50] {
            let got = s.srandmember_count(key, Picks::Distinct(n)).unwrap();
            let size = s.scard(key).unwrap();
            assert_eq!(got.len(), n.min(size));
            assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len());
        }
    }
    // More repeated picks than members: some must come up twice.
    let got = s.srandmember_count("small", Picks::Repeated(10)).unwrap();
    assert_eq!(got.len(), 10);
    assert!(got.iter().collect::<HashSet<_>>().len() <= 3);
    // From many members, a few thousand repeated picks repeat (by the birthday bound).
    let got = s.srandmember_count("large", Picks::Repeated(3000)).unwrap();
    assert!(got.iter().collect::<HashSet<_>>().len() < 3000);
}
