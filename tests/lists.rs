//! List commands: the redis-py tutorial's examples, Redis's edge cases and errors, large
//! lists across many chunks, and the capped-list pattern.

mod common;
use common::{PROMPTLY, within};

use std::time::Duration;

use embedis::{
    Blob, Error, Insertion, KeyType, LposOptions, Matches, Position, Reply, Side, Store, Ttl,
};

fn all(store: &Store, key: &str) -> Vec<String> {
    store
        .lists()
        .lrange(key, 0, -1)
        .unwrap()
        .iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect()
}

#[test]
fn the_tutorials_list_examples_work() {
    let store = Store::new();
    let l = store.lists();
    assert_eq!(l.lpush("li", ["11", "22", "33"]).unwrap(), 3);
    assert_eq!(l.lindex("li", 0).unwrap().unwrap(), "33");
    assert_eq!(l.rpush("lli", ["11", "22", "33"]).unwrap(), 3);
    assert_eq!(l.lindex("lli", 0).unwrap().unwrap(), "11");
    assert_eq!(l.lpushx("li", ["aa"]).unwrap(), 4);
    assert_eq!(l.lindex("li", 0).unwrap().unwrap(), "aa");
    assert_eq!(l.rpushx("li", ["bb"]).unwrap(), 5);
    assert_eq!(l.lindex("li", 4).unwrap().unwrap(), "bb");
    assert_eq!(l.llen("li").unwrap(), 5);
    assert_eq!(
        l.linsert("li", Position::After, "11", "cc").unwrap(),
        Insertion::Len(6)
    );
    assert_eq!(l.lindex("li", 3).unwrap().unwrap(), "11");
    assert_eq!(l.lindex("li", 4).unwrap().unwrap(), "cc");
    l.lset("li", 4, "hello").unwrap();
    assert_eq!(l.lindex("li", 4).unwrap().unwrap(), "hello");
    assert_eq!(l.lrem("li", Matches::All, "hello").unwrap(), 1);
    assert_eq!(l.llen("li").unwrap(), 5);
    assert_eq!(l.lrem("li", Matches::First(2), "22").unwrap(), 1);
    assert_eq!(all(&store, "li"), ["aa", "33", "11", "bb"]);
    assert_eq!(l.lpop("li").unwrap().unwrap(), "aa");
    assert_eq!(l.rpop("li").unwrap().unwrap(), "bb");
    l.rpush("li", ["3", "23", "34", "235", "2", "1"]).unwrap();
    assert_eq!(
        l.lrange("li", 0, 5).unwrap(),
        ["33", "11", "3", "23", "34", "235"]
    );
    l.ltrim("li", 0, 5).unwrap();
    assert_eq!(l.llen("li").unwrap(), 6);
    l.lpush("li1", ["1", "2", "3"]).unwrap();
    l.lpush("li2", ["a", "b", "c"]).unwrap();
    assert_eq!(l.rpoplpush("li1", "li2").unwrap().unwrap(), "1");
    l.lpush("ll", ["a", "b", "c"]).unwrap();
    l.lpush("aa", ["a", "b", "c"]).unwrap();
    let got = {
        let store = store.clone();
        within(PROMPTLY, "BRPOPLPUSH of a non-empty list", move || {
            store.lists().brpoplpush("ll", "aa", None)
        })
    };
    assert_eq!(got.unwrap().unwrap(), "a");
    // The tutorial's hand-written incremental iteration is `lrange_iter`.
    let walked: Vec<Blob> = l.lrange_iter("aa", 2).collect::<Result<_, _>>().unwrap();
    assert_eq!(walked, ["a", "c", "b", "a"]);
}

#[test]
fn missing_keys_read_as_empty_lists() {
    let store = Store::new();
    let l = store.lists();
    assert_eq!(l.llen("none").unwrap(), 0);
    assert_eq!(l.lindex("none", 0).unwrap(), None);
    assert!(l.lrange("none", 0, -1).unwrap().is_empty());
    assert_eq!(l.lpop("none").unwrap(), None);
    assert_eq!(l.rpop_count("none", 3).unwrap(), None);
    assert_eq!(l.lrem("none", Matches::All, "x").unwrap(), 0);
    l.ltrim("none", 0, 1).unwrap();
    assert_eq!(
        l.lmove("none", "dst", Side::Left, Side::Left).unwrap(),
        None
    );
    assert_eq!(l.lmpop(["none", "other"], Side::Left, 1).unwrap(), None);
    assert_eq!(l.lpos("none", "x", LposOptions::new()).unwrap(), None);
    assert_eq!(store.keys().dbsize().unwrap(), 0, "reads create nothing");
}

#[test]
fn every_list_command_refuses_another_type_and_changes_nothing() {
    let store = Store::new();
    store.strings().set("s", "text").unwrap();
    store.lists().rpush("l", ["a"]).unwrap();
    let l = store.lists();
    let wrong = Err::<(), _>(Error::WrongType);
    assert_eq!(l.lpush("s", ["a"]).map(|_| ()), wrong);
    assert_eq!(l.rpushx("s", ["a"]).map(|_| ()), wrong);
    assert_eq!(l.llen("s").map(|_| ()), wrong);
    assert_eq!(l.lindex("s", 0).map(|_| ()), wrong);
    assert_eq!(l.lset("s", 0, "x"), wrong);
    assert_eq!(l.lrange("s", 0, -1).map(|_| ()), wrong);
    assert_eq!(l.lpop("s").map(|_| ()), wrong);
    assert_eq!(l.lrem("s", Matches::All, "x").map(|_| ()), wrong);
    assert_eq!(
        l.linsert("s", Position::Before, "a", "b").map(|_| ()),
        wrong
    );
    assert_eq!(l.lmove("s", "l", Side::Left, Side::Left).map(|_| ()), wrong);
    assert_eq!(l.lmove("l", "s", Side::Left, Side::Left).map(|_| ()), wrong);
    assert_eq!(
        l.lmpop(["none", "s", "l"], Side::Left, 1).map(|_| ()),
        wrong
    );
    // The blocking forms must refuse at once, not wait.
    let blocking = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP and BLMOVE on a string", move || {
            let l = store.lists();
            [
                l.blpop(["s"], None).map(|_| ()),
                l.blmove("s", "l", Side::Left, Side::Left, None).map(|_| ()),
            ]
        })
    };
    assert_eq!(blocking, [wrong.clone(), wrong]);
    assert_eq!(common::get(&store, "s"), "text");
    assert_eq!(all(&store, "l"), ["a"]);
    assert_eq!(store.keys().key_type("l").unwrap(), Some(KeyType::List));
}

#[test]
fn errors_and_counts_follow_redis() {
    let store = Store::new();
    let l = store.lists();
    l.rpush("l", ["a", "b"]).unwrap();
    assert_eq!(l.lset("l", 2, "x"), Err(Error::IndexOutOfRange));
    assert_eq!(l.lset("l", -3, "x"), Err(Error::IndexOutOfRange));
    assert_eq!(l.lset("none", 0, "x"), Err(Error::NoSuchKey));
    assert_eq!(Error::IndexOutOfRange.to_string(), "ERR index out of range");
    assert_eq!(
        l.lpush("l", Vec::<&str>::new()),
        Err(Error::WrongArity("lpush"))
    );
    let got = {
        let store = store.clone();
        within(PROMPTLY, "BLPOP of no keys", move || {
            store.lists().blpop(Vec::<&str>::new(), None)
        })
    };
    assert_eq!(got, Err(Error::WrongArity("blpop")));
    assert_eq!(
        l.lmpop(Vec::<&str>::new(), Side::Left, 1),
        Err(Error::NumKeysNotPositive)
    );
    assert_eq!(l.lmpop(["l"], Side::Left, 0), Err(Error::CountNotPositive));
    // RANK's sign is a direction: 0 has none. Redis 7.0 negates i64::MIN into itself:
    // the first match from the tail, whatever the COUNT.
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["LPOS", "l", "a", "RANK", "0"]),
        Reply::Error(Error::RankZero.to_string().into())
    );
    l.rpush("l", ["a"]).unwrap();
    let min = i64::MIN.to_string();
    assert_eq!(
        c.execute(&["LPOS", "l", "a", "RANK", &min]),
        Reply::Integer(2)
    );
    assert_eq!(
        c.execute(&["LPOS", "l", "a", "RANK", &min, "COUNT", "1"]),
        Reply::Array(vec![Reply::Integer(2), Reply::Integer(0)])
    );
    l.rpop("l").unwrap();
    assert_eq!(l.lpop_count("l", 0).unwrap(), Some(vec![]));
    assert_eq!(all(&store, "l"), ["a", "b"]);
}

#[test]
fn removing_the_last_element_deletes_the_key_and_its_ttl() {
    let (store, _clock) = common::manual_store();
    let l = store.lists();
    l.rpush("l", ["a", "b"]).unwrap();
    store.keys().expire("l", Duration::from_secs(60)).unwrap();
    l.lpush("l", ["z"]).unwrap();
    assert_eq!(
        store.keys().ttl("l").unwrap(),
        Ttl::Expires(Duration::from_secs(60)),
        "pushes keep the TTL"
    );
    assert_eq!(l.rpop_count("l", 10).unwrap().unwrap(), ["b", "a", "z"]);
    assert_eq!(store.keys().exists(["l"]).unwrap(), 0);
    l.rpush("l", ["new"]).unwrap();
    assert_eq!(store.keys().ttl("l").unwrap(), Ttl::Persistent);
    l.lrem("l", Matches::All, "new").unwrap();
    assert_eq!(store.keys().exists(["l"]).unwrap(), 0);
    l.rpush("l", ["x"]).unwrap();
    l.ltrim("l", 1, 0).unwrap();
    assert_eq!(store.keys().exists(["l"]).unwrap(), 0);
}

#[test]
fn lrange_and_lindex_clamp_and_count_from_the_end() {
    let store = Store::new();
    let l = store.lists();
    l.rpush("l", ["0", "1", "2", "3", "4"]).unwrap();
    assert_eq!(l.lrange("l", -100, -50).unwrap(), Vec::<Blob>::new());
    assert_eq!(l.lrange("l", -100, 1).unwrap(), ["0", "1"]);
    assert_eq!(l.lrange("l", 3, 100).unwrap(), ["3", "4"]);
    assert_eq!(l.lrange("l", 5, 6).unwrap(), Vec::<Blob>::new());
    assert_eq!(l.lrange("l", i64::MIN, i64::MAX).unwrap().len(), 5);
    assert_eq!(l.lindex("l", -5).unwrap().unwrap(), "0");
    assert_eq!(l.lindex("l", -6).unwrap(), None);
    assert_eq!(l.lindex("l", i64::MIN).unwrap(), None);
}

#[test]
fn linsert_tells_apart_a_missing_key_a_missing_pivot_and_an_insertion() {
    let store = Store::new();
    let l = store.lists();
    assert_eq!(
        l.linsert("l", Position::Before, "a", "x").unwrap(),
        Insertion::Missing
    );
    assert_eq!(store.keys().exists(["l"]).unwrap(), 0);
    l.rpush("l", ["a", "c"]).unwrap();
    assert_eq!(
        l.linsert("l", Position::After, "zz", "x").unwrap(),
        Insertion::NoPivot
    );
    assert_eq!(
        l.linsert("l", Position::After, "a", "b").unwrap(),
        Insertion::Len(3)
    );
    assert_eq!(
        l.linsert("l", Position::Before, "a", "0")
            .unwrap()
            .new_len(),
        Some(4)
    );
    assert_eq!(all(&store, "l"), ["0", "a", "b", "c"]);
    // Through Redis's syntax: -1, 0 and the new length.
    let mut c = store.connection();
    assert_eq!(
        c.execute(&["LINSERT", "l", "BEFORE", "zz", "x"]),
        Reply::Integer(-1)
    );
    assert_eq!(
        c.execute(&["LINSERT", "none", "BEFORE", "a", "x"]),
        Reply::Integer(0)
    );
    assert_eq!(
        c.execute(&["LINSERT", "l", "AFTER", "c", "d"]),
        Reply::Integer(5)
    );
}

#[test]
fn lrange_iter_yields_a_wrong_type_once_then_ends() {
    let store = Store::new();
    store.strings().set("s", "v").unwrap();
    let mut it = store.lists().lrange_iter("s", 10);
    assert_eq!(it.next(), Some(Err(Error::WrongType)));
    assert_eq!(it.next(), None);
    // A key that comes to hold another type mid-walk: the batch fetched, then the error.
    store.lists().rpush("l", ["a", "b", "c"]).unwrap();
    let mut it = store.lists().lrange_iter("l", 2);
    assert_eq!(it.next(), Some(Ok("a".into())));
    store.strings().set("l", "v").unwrap();
    assert_eq!(it.next(), Some(Ok("b".into())));
    assert_eq!(it.next(), Some(Err(Error::WrongType)));
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
}

#[test]
fn lrem_counts_from_either_end() {
    let store = Store::new();
    let l = store.lists();
    l.rpush("l", ["x", "a", "x", "b", "x", "c", "x"]).unwrap();
    assert_eq!(l.lrem("l", Matches::First(2), "x").unwrap(), 2);
    assert_eq!(all(&store, "l"), ["a", "b", "x", "c", "x"]);
    assert_eq!(l.lrem("l", Matches::Last(1), "x").unwrap(), 1);
    assert_eq!(all(&store, "l"), ["a", "b", "x", "c"]);
    assert_eq!(l.lrem("l", Matches::First(0), "x").unwrap(), 0);
    assert_eq!(l.lrem("l", Matches::Last(usize::MAX), "x").unwrap(), 1);
    assert_eq!(l.lrem("l", Matches::All, "zz").unwrap(), 0);
    assert_eq!(all(&store, "l"), ["a", "b", "c"]);
    // Through Redis's syntax, the count's sign picks the end and 0 means every match.
    l.rpush("l", ["x", "a", "x"]).unwrap();
    let mut c = store.connection();
    assert_eq!(c.execute(&["LREM", "l", "-1", "a"]), Reply::Integer(1));
    assert_eq!(all(&store, "l"), ["a", "b", "c", "x", "x"]);
    assert_eq!(
        c.execute(&["LREM", "l", &i64::MIN.to_string(), "x"]),
        Reply::Integer(2)
    );
    assert_eq!(c.execute(&["LREM", "l", "1", "c"]), Reply::Integer(1));
    assert_eq!(c.execute(&["LREM", "l", "0", "b"]), Reply::Integer(1));
    assert_eq!(all(&store, "l"), ["a"]);
}

#[test]
fn lpos_ranks_counts_and_maxlen() {
    let store = Store::new();
    let l = store.lists();
    l.rpush("l", ["a", "b", "c", "1", "2", "3", "c", "c"])
        .unwrap();
    let o = LposOptions::new;
    assert_eq!(l.lpos("l", "c", o()).unwrap(), Some(2));
    assert_eq!(l.lpos("l", "c", o().skip(1)).unwrap(), Some(6));
    assert_eq!(l.lpos("l", "c", o().from_tail()).unwrap(), Some(7));
    assert_eq!(l.lpos("l", "c", o().from_tail().skip(2)).unwrap(), Some(2));
    assert_eq!(l.lpos("l", "c", o().skip(3)).unwrap(), None);
    assert_eq!(l.lpos("l", "c", o().skip(usize::MAX)).unwrap(), None);
    assert_eq!(l.lpos_count("l", "c", 0, o()).unwrap(), [2, 6, 7]);
    assert_eq!(l.lpos_count("l", "c", 2, o().from_tail()).unwrap(), [7, 6]);
    assert_eq!(l.lpos_count("l", "c", 0, o().maxlen(3)).unwrap(), [2]);
    assert_eq!(
        l.lpos_count("l", "c", 0, o().from_tail().maxlen(2))
            .unwrap(),
        [7, 6]
    );
    // Through Redis's syntax, RANK's sign picks the end; the last RANK given counts.
    let mut c = store.connection();
    let ints = |v: &[i64]| Reply::Array(v.iter().map(|&i| Reply::Integer(i)).collect());
    let lpos = |c: &mut embedis::Connection, args: &[&str]| {
        c.execute(&[&["LPOS", "l", "c"][..], args].concat())
    };
    assert_eq!(lpos(&mut c, &["RANK", "-2", "COUNT", "0"]), ints(&[6, 2]));
    assert_eq!(
        lpos(&mut c, &["RANK", "-1", "RANK", "2", "COUNT", "0"]),
        ints(&[6, 7])
    );
    assert!(l.lpos_count("l", "zz", 0, o()).unwrap().is_empty());
}

#[test]
fn lmove_between_every_pair_of_ends_and_rotates_a_single_list() {
    let store = Store::new();
    let l = store.lists();
    for (from, to, src_after, dst_after) in [
        (Side::Left, Side::Left, ["b", "c"], ["a", "x"]),
        (Side::Left, Side::Right, ["b", "c"], ["x", "a"]),
        (Side::Right, Side::Left, ["a", "b"], ["c", "x"]),
        (Side::Right, Side::Right, ["a", "b"], ["x", "c"]),
    ] {
        store.keys().del(["src", "dst"]).unwrap();
        l.rpush("src", ["a", "b", "c"]).unwrap();
        l.rpush("dst", ["x"]).unwrap();
        l.lmove("src", "dst", from, to).unwrap().unwrap();
        assert_eq!(all(&store, "src"), src_after, "{from:?} {to:?}");
        assert_eq!(all(&store, "dst"), dst_after, "{from:?} {to:?}");
    }
    store.keys().del(["r"]).unwrap();
    l.rpush("r", ["1", "2", "3"]).unwrap();
    assert_eq!(
        l.lmove("r", "r", Side::Left, Side::Right).unwrap().unwrap(),
        "1"
    );
    assert_eq!(all(&store, "r"), ["2", "3", "1"]);
    assert_eq!(l.rpoplpush("r", "r").unwrap().unwrap(), "1");
    assert_eq!(all(&store, "r"), ["1", "2", "3"]);
    // Moving the last element deletes the source.
    l.rpush("one", ["x"]).unwrap();
    l.lmove("one", "two", Side::Left, Side::Left).unwrap();
    assert_eq!(store.keys().exists(["one"]).unwrap(), 0);
}

#[test]
fn lmpop_serves_the_first_non_empty_key() {
    let store = Store::new();
    let l = store.lists();
    l.rpush("b", ["1", "2", "3"]).unwrap();
    l.rpush("c", ["x"]).unwrap();
    let (key, got) = l.lmpop(["a", "b", "c"], Side::Left, 5).unwrap().unwrap();
    assert_eq!(key, "b");
    assert_eq!(got, ["1", "2", "3"]);
    let (key, got) = l.lmpop(["a", "b", "c"], Side::Right, 1).unwrap().unwrap();
    assert_eq!((key, got), (Blob::from("c"), vec![Blob::from("x")]));
}

#[test]
fn a_large_list_keeps_order_through_edits_in_the_middle() {
    let store = Store::new();
    let l = store.lists();
    let n = 20_000;
    l.rpush("big", (0..n).map(|i| format!("{i:08}"))).unwrap();
    l.lpush("big", ["head"]).unwrap();
    l.rpush("big", ["t".repeat(200)]).unwrap();
    assert_eq!(l.llen("big").unwrap(), n + 2);
    assert_eq!(l.lindex("big", 10_001).unwrap().unwrap(), "00010000");
    assert_eq!(l.lindex("big", -1).unwrap().unwrap().len(), 200);
    l.lset("big", 5000, "x".repeat(100)).unwrap();
    assert_eq!(
        l.linsert("big", Position::Before, "00012345", "ins")
            .unwrap(),
        Insertion::Len(20_003)
    );
    assert_eq!(l.lindex("big", 12_346).unwrap().unwrap(), "ins");
    assert_eq!(
        l.lpos("big", "00012345", LposOptions::new()).unwrap(),
        Some(12_347)
    );
    let page = l.lrange("big", 9_999, 10_001).unwrap();
    assert_eq!(page, ["00009998", "00009999", "00010000"]);
    let walked = l.lrange_iter("big", 777).map(Result::unwrap).count();
    assert_eq!(walked, 20_003);
    l.ltrim("big", 1, 100).unwrap();
    assert_eq!(l.llen("big").unwrap(), 100);
    assert_eq!(l.lindex("big", 0).unwrap().unwrap(), "00000000");
}

#[test]
fn lpush_and_ltrim_keep_a_capped_list_of_recent_items() {
    let store = Store::new();
    let l = store.lists();
    for i in 0..1000 {
        l.lpush("recent", [format!("item{i}")]).unwrap();
        l.ltrim("recent", 0, 9).unwrap();
    }
    assert_eq!(l.llen("recent").unwrap(), 10);
    assert_eq!(l.lindex("recent", 0).unwrap().unwrap(), "item999");
    assert_eq!(l.lindex("recent", -1).unwrap().unwrap(), "item990");
}

#[test]
fn binary_and_empty_elements_round_trip() {
    let store = Store::new();
    let l = store.lists();
    let elems: Vec<Vec<u8>> = vec![
        vec![],
        vec![0, 255, 10],
        vec![7; 64],
        vec![8; 65],
        vec![9; 5000],
    ];
    l.rpush("bin", &elems).unwrap();
    let back: Vec<Vec<u8>> = l
        .lrange("bin", 0, -1)
        .unwrap()
        .iter()
        .map(|b| b.to_vec())
        .collect();
    assert_eq!(back, elems);
    assert_eq!(l.lrem("bin", Matches::All, []).unwrap(), 1);
    assert_eq!(l.rpop("bin").unwrap().unwrap().len(), 5000);
}
