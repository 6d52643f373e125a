//! String commands, scenario by scenario (Redis's tests/unit/type/string.tcl).
#![allow(clippy::float_cmp)] // INCRBYFLOAT results are exact decimals

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::{get, manual_store};
use embedis::{Error, Expiry, SetOptions, Store, Ttl};

#[test]
fn set_nx_keeps_existing_value() {
    let store = Store::new();
    let s = store.strings();
    assert!(
        s.set_with(
            "k1",
            "v1",
            SetOptions::new().nx().ttl(Duration::from_secs(10))
        )
        .unwrap()
    );
    assert!(!s.set_with("k1", "v2", SetOptions::new().nx()).unwrap());
    assert_eq!(get(&store, "k1"), "v1");
    assert!(s.setnx("k2", "v2").unwrap());
    assert!(!s.setnx("k2", "other").unwrap());
}

#[test]
fn set_xx_only_overwrites() {
    let store = Store::new();
    let s = store.strings();
    assert!(!s.set_with("k", "v", SetOptions::new().xx()).unwrap());
    assert_eq!(s.get("k").unwrap(), None);
    s.set("k", "a").unwrap();
    assert!(s.set_with("k", "b", SetOptions::new().xx()).unwrap());
    assert_eq!(get(&store, "k"), "b");
}

#[test]
fn plain_set_clears_ttl_and_keepttl_keeps_it() {
    let (store, _clock) = manual_store();
    let s = store.strings();
    s.setex("k", Duration::from_secs(100), "v").unwrap();
    s.set_with("k", "w", SetOptions::new().keep_ttl()).unwrap();
    assert_eq!(
        store.keys().ttl("k").unwrap(),
        Ttl::Expires(Duration::from_secs(100))
    );
    s.set("k", "x").unwrap();
    assert_eq!(store.keys().ttl("k").unwrap(), Ttl::Persistent);
}

#[test]
fn set_get_returns_old_value_and_refuses_wrong_type_options() {
    let (store, _clock) = manual_store();
    let s = store.strings();
    assert_eq!(s.set_get("k", "a", SetOptions::new()).unwrap(), None);
    assert_eq!(
        s.set_get("k", "b", SetOptions::new()).unwrap().unwrap(),
        "a"
    );
    // NX GET: returns the old value and does not write.
    assert_eq!(
        s.set_get("k", "c", SetOptions::new().nx())
            .unwrap()
            .unwrap(),
        "b"
    );
    assert_eq!(get(&store, "k"), "b");
    // XX GET on a missing key: nil, nothing written.
    assert_eq!(
        s.set_get("nope", "c", SetOptions::new().xx()).unwrap(),
        None
    );
    assert_eq!(s.get("nope").unwrap(), None);
}

#[test]
fn invalid_expire_times_are_rejected_and_store_unchanged() {
    let store = Store::new();
    let s = store.strings();
    s.set("k", "v").unwrap();
    let zero = SetOptions::new().ttl(Duration::ZERO);
    assert_eq!(
        s.set_with("k", "x", zero),
        Err(Error::InvalidExpireTime("set"))
    );
    let huge = SetOptions::new().ttl(Duration::from_secs(u64::MAX));
    assert_eq!(
        s.set_with("k", "x", huge),
        Err(Error::InvalidExpireTime("set"))
    );
    let epoch = SetOptions::new().expires_at(UNIX_EPOCH);
    assert_eq!(
        s.set_with("k", "x", epoch),
        Err(Error::InvalidExpireTime("set"))
    );
    assert_eq!(
        s.setex("k", Duration::ZERO, "x"),
        Err(Error::InvalidExpireTime("setex"))
    );
    assert_eq!(
        s.psetex("k", Duration::ZERO, "x"),
        Err(Error::InvalidExpireTime("psetex"))
    );
    assert_eq!(
        s.getex("k", Expiry::In(Duration::ZERO)),
        Err(Error::InvalidExpireTime("getex"))
    );
    assert_eq!(get(&store, "k"), "v");
    assert_eq!(store.keys().ttl("k").unwrap(), Ttl::Persistent);
    assert_eq!(
        Error::InvalidExpireTime("set").to_string(),
        "ERR invalid expire time in 'set' command"
    );
}

#[test]
fn set_with_a_deadline_in_the_past_leaves_no_key() {
    let store = Store::new();
    let past = SetOptions::new().expires_at(UNIX_EPOCH + Duration::from_secs(1));
    assert!(store.strings().set_with("k", "v", past).unwrap());
    assert_eq!(store.strings().get("k").unwrap(), None);
    assert_eq!(store.keys().dbsize().unwrap(), 0);
}

#[test]
fn getex_changes_ttl_and_persist_removes_it() {
    let (store, clock) = manual_store();
    let s = store.strings();
    s.set("k", "v").unwrap();
    assert_eq!(
        s.getex("k", Expiry::In(Duration::from_secs(5)))
            .unwrap()
            .unwrap(),
        "v"
    );
    assert_eq!(
        store.keys().ttl("k").unwrap(),
        Ttl::Expires(Duration::from_secs(5))
    );
    assert_eq!(s.getex("k", Expiry::Persist).unwrap().unwrap(), "v");
    assert_eq!(store.keys().ttl("k").unwrap(), Ttl::Persistent);
    let past = embedis::Expiry::At(UNIX_EPOCH + Duration::from_millis(clock_now(&clock) - 1));
    assert_eq!(s.getex("k", past).unwrap().unwrap(), "v");
    assert_eq!(s.get("k").unwrap(), None);
    assert_eq!(s.getex("missing", Expiry::Persist).unwrap(), None);
}

fn clock_now(clock: &embedis::ManualClock) -> u64 {
    use embedis::Clock;
    clock.now_ms()
}

#[test]
fn getdel_and_getset() {
    let store = Store::new();
    let s = store.strings();
    s.set("hello", "world").unwrap();
    assert_eq!(s.getset("hello", "Linux").unwrap().unwrap(), "world");
    assert_eq!(s.getdel("hello").unwrap().unwrap(), "Linux");
    assert_eq!(s.getdel("hello").unwrap(), None);
}

#[test]
fn mset_mget_and_msetnx_are_all_or_nothing() {
    let store = Store::new();
    let s = store.strings();
    s.mset([("k1", "v1"), ("k2", "v2"), ("k1", "v3")]).unwrap();
    assert_eq!(
        s.mget(["k1", "k2", "k3"]).unwrap(),
        vec![Some("v3".into()), Some("v2".into()), None]
    );
    assert!(!s.msetnx([("k3", "x"), ("k1", "x")]).unwrap());
    assert_eq!(s.get("k3").unwrap(), None);
    assert!(s.msetnx([("k3", "x"), ("k4", "y")]).unwrap());
}

#[test]
fn getrange_follows_redis_index_rules() {
    let store = Store::new();
    let s = store.strings();
    s.set("key", "value").unwrap();
    assert_eq!(s.getrange("key", 1, 4).unwrap(), "alue");
    assert_eq!(s.getrange("key", 0, -1).unwrap(), "value");
    assert_eq!(s.getrange("key", -3, -1).unwrap(), "lue");
    assert_eq!(s.getrange("key", 5, 10).unwrap(), "");
    assert_eq!(s.getrange("key", -1, -5).unwrap(), "");
    assert_eq!(s.getrange("key", 3, 1).unwrap(), "");
    assert_eq!(s.getrange("nokey", 0, -1).unwrap(), "");
}

#[test]
fn setrange_overwrites_and_pads() {
    let store = Store::new();
    let s = store.strings();
    s.set("n", "123456789").unwrap();
    assert_eq!(s.setrange("n", 0, "a").unwrap(), 9);
    assert_eq!(get(&store, "n"), "a23456789");
    assert_eq!(s.setrange("n", 12, "xy").unwrap(), 14);
    assert_eq!(s.get("n").unwrap().unwrap(), b"a23456789\0\0\0xy");
    assert_eq!(s.setrange("new", 0, "").unwrap(), 0);
    assert_eq!(
        store.keys().exists(["new"]).unwrap(),
        0,
        "empty SETRANGE creates nothing"
    );
}

#[test]
fn setrange_and_append_refuse_results_past_the_size_limit() {
    let store = Store::builder().max_string_size(1024).build();
    let s = store.strings();
    s.set("k", "abc").unwrap();
    assert_eq!(s.setrange("k", 1024, "x"), Err(Error::StringTooLong));
    assert_eq!(s.setrange("k", usize::MAX, "x"), Err(Error::StringTooLong));
    assert_eq!(s.append("k", vec![0u8; 1022]), Err(Error::StringTooLong));
    assert_eq!(get(&store, "k"), "abc");
    assert_eq!(s.append("k", vec![b'x'; 1021]).unwrap(), 1024);
    // The default limit is 512 MB (tests/limits.rs checks nothing is allocated first).
    let big = Store::new();
    assert_eq!(
        big.strings().setrange("k", 512 << 20, "x"),
        Err(Error::StringTooLong)
    );
    assert_eq!(big.strings().setrange("k", (512 << 20) - 1, "").unwrap(), 0);
}

#[test]
fn strlen_counts_bytes() {
    let store = Store::new();
    store.strings().set("name", "安生").unwrap();
    assert_eq!(store.strings().strlen("name").unwrap(), 6);
    assert_eq!(store.strings().strlen("none").unwrap(), 0);
}

#[test]
fn append_grows_short_strings_into_long_ones_and_keeps_ttl() {
    let (store, _clock) = manual_store();
    let s = store.strings();
    s.setex("blog", Duration::from_secs(60), "https://blog.ansheng.me")
        .unwrap();
    assert_eq!(s.append("blog", "/").unwrap(), 24);
    assert_eq!(get(&store, "blog"), "https://blog.ansheng.me/");
    for _ in 0..100 {
        s.append("blog", "0123456789").unwrap();
    }
    assert_eq!(s.strlen("blog").unwrap(), 1024);
    assert_eq!(
        store.keys().ttl("blog").unwrap(),
        Ttl::Expires(Duration::from_secs(60))
    );
}

#[test]
fn incr_family_and_tutorial_counters() {
    let store = Store::new();
    let s = store.strings();
    assert_eq!(s.incr("number").unwrap(), 1);
    assert_eq!(get(&store, "number"), "1");
    assert_eq!(s.incr("number").unwrap(), 2);
    assert_eq!(s.incrby("number", 10).unwrap(), 12);
    s.set("n", "10").unwrap();
    assert_eq!(s.decr("n").unwrap(), 9);
    assert_eq!(s.decrby("n", 9).unwrap(), 0);
    assert_eq!(s.decrby("n", -5).unwrap(), 5);
}

#[test]
fn incr_on_text_is_not_integer_and_leaves_value() {
    let store = Store::new();
    let s = store.strings();
    for bad in [
        "abc",
        " 1",
        "1 ",
        "+1",
        "01",
        "1.5",
        "",
        "99999999999999999999",
    ] {
        s.set("k", bad).unwrap();
        assert_eq!(s.incr("k"), Err(Error::NotInteger), "{bad:?}");
        assert_eq!(get(&store, "k"), bad);
    }
}

#[test]
fn incr_past_i64_overflows_and_leaves_value() {
    let store = Store::new();
    let s = store.strings();
    s.set("k", i64::MAX.to_string()).unwrap();
    assert_eq!(s.incr("k"), Err(Error::Overflow));
    assert_eq!(s.decrby("k", i64::MIN), Err(Error::DecrementOverflow));
    s.set("m", i64::MIN.to_string()).unwrap();
    assert_eq!(s.decr("m"), Err(Error::Overflow));
    assert_eq!(get(&store, "k"), i64::MAX.to_string());
}

#[test]
fn incrbyfloat_formats_like_redis() {
    let store = Store::new();
    let s = store.strings();
    assert_eq!(s.incrbyfloat("number", 1.5).unwrap(), 1.5);
    s.set("number", "12").unwrap();
    assert_eq!(s.incrbyfloat("number", 1.5).unwrap(), 13.5);
    assert_eq!(s.incrbyfloat("number", 1.1).unwrap(), 14.6);
    assert_eq!(get(&store, "number"), "14.6");
    s.set("x", "0.1").unwrap();
    s.incrbyfloat("x", 0.2).unwrap();
    assert_eq!(get(&store, "x"), "0.3");
    s.set("e", "5.0e3").unwrap();
    s.incrbyfloat("e", 2.0e2).unwrap();
    assert_eq!(get(&store, "e"), "5200");
}

#[test]
fn incrbyfloat_rejects_bad_input_and_leaves_value() {
    let store = Store::new();
    let s = store.strings();
    s.set("k", "abc").unwrap();
    assert_eq!(s.incrbyfloat("k", 1.0), Err(Error::NotFloat));
    s.set("k", "1.5").unwrap();
    assert_eq!(s.incrbyfloat("k", f64::INFINITY), Err(Error::NanOrInfinity));
    assert_eq!(s.incrbyfloat("k", f64::NAN), Err(Error::NotFloat));
    s.set("k", "inf").unwrap();
    assert_eq!(s.incrbyfloat("k", 1.0), Err(Error::NanOrInfinity));
    assert_eq!(get(&store, "k"), "inf");
}

#[test]
fn lcs_of_the_redis_docs_example() {
    let store = Store::new();
    let s = store.strings();
    s.mset([("key1", "ohmytext"), ("key2", "mynewtext")])
        .unwrap();
    assert_eq!(s.lcs("key1", "key2").unwrap(), "mytext");
    assert_eq!(s.lcs_len("key1", "key2").unwrap(), 6);
    let idx = s.lcs_idx("key1", "key2", 0).unwrap();
    assert_eq!(idx.len, 6);
    let ranges: Vec<_> = idx.matches.iter().map(|m| (m.a, m.b, m.len)).collect();
    assert_eq!(ranges, vec![((4, 7), (5, 8), 4), ((2, 3), (0, 1), 2)]);
    assert_eq!(s.lcs("key1", "missing").unwrap(), "");
}

#[test]
fn a_value_read_earlier_never_changes_under_later_writes() {
    let store = Store::new();
    let s = store.strings();
    let long = "x".repeat(1000);
    s.set("k", &long).unwrap();
    let held = s.get("k").unwrap().unwrap();
    s.append("k", "y").unwrap();
    assert_eq!(held, long.as_str(), "a value read earlier never changes");
    assert_eq!(s.strlen("k").unwrap(), 1001);
    s.setrange("k", 0, "z").unwrap();
    assert_eq!(held, long.as_str());
    assert_eq!(&s.get("k").unwrap().unwrap()[..2], b"zx");
}

#[test]
fn zero_copy_reads_see_the_bytes_and_refuse_the_store_from_their_closure() {
    use embedis::Error;
    let store = Store::new();
    store.strings().set("k", "value").unwrap();
    store.strings().set("n", "12").unwrap();
    store
        .hashes()
        .hset("h", [("f", "1"), ("g", "text")])
        .unwrap();
    store.lists().rpush("l", ["a", "7"]).unwrap();
    assert_eq!(
        store
            .strings()
            .get_with("k", |v| v.map(<[u8]>::to_vec))
            .unwrap(),
        Some(b"value".to_vec())
    );
    assert!(
        store
            .strings()
            .get_with("n", |v| v == Some(b"12".as_slice()))
            .unwrap()
    );
    assert!(store.strings().get_with("nope", |v| v.is_none()).unwrap());
    // Integers kept as integers are shown as their text.
    assert_eq!(
        store
            .hashes()
            .hget_with("h", "f", |v| v.map(<[u8]>::to_vec))
            .unwrap(),
        Some(b"1".to_vec())
    );
    assert_eq!(
        store
            .lists()
            .lindex_with("l", -1, |v| v.map(<[u8]>::to_vec))
            .unwrap(),
        Some(b"7".to_vec())
    );
    // The wrong type: an error, and the closure is not called.
    let mut called = false;
    assert_eq!(
        store.strings().get_with("h", |_| called = true),
        Err(Error::WrongType)
    );
    assert!(!called);
    assert_eq!(
        store.hashes().hget_with("k", "f", |_| ()),
        Err(Error::WrongType)
    );
    // The store from the closure: refused (it would wait for the read's own lock), for
    // the same key, another key, a write, and inside a transaction.
    let same = store
        .strings()
        .get_with("k", |_| store.strings().get("k"))
        .unwrap();
    assert_eq!(same, Err(Error::InsideRead));
    let write = store
        .strings()
        .get_with("k", |_| store.strings().set("k", "x"))
        .unwrap();
    assert_eq!(write, Err(Error::InsideRead));
    let in_tx = store
        .transaction(["k"], |tx| {
            tx.strings().get_with("k", |_| tx.strings().get("k"))
        })
        .unwrap();
    assert_eq!(in_tx, Err(Error::InsideRead));
    // A panicking closure leaves the store usable on this thread.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.strings().get_with("k", |_| panic!("in the closure"))
    }));
    assert!(panicked.is_err());
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "value");
    // A call that returns no Result panics, naming the mistake, rather than hang.
    let sweep = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.strings().get_with("k", |_| store.purge_expired())
    }));
    let message = sweep.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("being read"), "{message}");
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "value");
    // Another store may be used from the closure.
    let other = Store::new();
    other.strings().set("o", "1").unwrap();
    let from_other = store
        .strings()
        .get_with("k", |_| other.strings().get("o"))
        .unwrap();
    assert_eq!(from_other.unwrap().unwrap(), "1");
}

/// A value read with `get` is the value at the time of the read, whatever the store does
/// after: a rewrite in place of the same length (which the store skips while a reader
/// holds the entry's bytes), another length, a TTL, deletion, expiry, a flush, and the
/// key's entry freed under it. Lengths cover the inline, packed and boxed forms.
#[test]
fn a_value_read_stays_as_it_was_read() {
    let (store, clock) = manual_store();
    let s = store.strings();
    for len in [5, 31, 100, 128, 129, 300] {
        let old = vec![b'a'; len];
        let new = vec![b'b'; len];
        s.set("k", &old).unwrap();
        let first = s.get("k").unwrap().unwrap();
        let second = s.get("k").unwrap().unwrap();
        s.set("k", &new).unwrap();
        assert_eq!(first, old, "length {len}");
        assert_eq!(s.get("k").unwrap().unwrap(), new, "length {len}");
        // Once the readers let go, the same write is made in place again.
        drop((first, second));
        s.set("k", &old).unwrap();
        assert_eq!(s.get("k").unwrap().unwrap(), old);
        let held = s.get("k").unwrap().unwrap();
        let clone = held.clone();
        s.set_with("k", &new, SetOptions::new().ttl(Duration::from_secs(1)))
            .unwrap();
        assert_eq!(s.get("k").unwrap().unwrap(), new);
        s.set_with("k", &old, SetOptions::new().ttl(Duration::from_secs(5)))
            .unwrap();
        clock.advance(Duration::from_secs(6));
        assert_eq!(s.get("k").unwrap(), None, "expired");
        assert_eq!(held, old);
        s.set("k", &new).unwrap();
        let before_delete = s.get("k").unwrap().unwrap();
        assert_eq!(store.keys().del(["k"]).unwrap(), 1);
        s.set("other", &old).unwrap();
        let before_flush = s.get("other").unwrap().unwrap();
        store.keys().flushall().unwrap();
        assert_eq!(before_delete, new);
        assert_eq!(before_flush, old);
        assert_eq!(clone, old);
        // A value read on one thread is read and dropped on another.
        s.set("k", &new).unwrap();
        let sent = s.get("k").unwrap().unwrap();
        s.set("k", &old).unwrap();
        std::thread::spawn(move || assert_eq!(sent, new))
            .join()
            .unwrap();
        assert_eq!(s.get("k").unwrap().unwrap(), old);
    }
}
