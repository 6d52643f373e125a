//! Generic key commands (Redis's tests/unit/keyspace.tcl, scan.tcl).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{get, manual_store};
use embedis::{
    Blob, Clock, CopyOptions, Error, ExpireCondition, ExpireTime, KeyType, ScanOptions, Store, Ttl,
};

#[test]
fn del_counts_existing_keys_once() {
    let store = Store::new();
    store.strings().mset([("a", "1"), ("b", "2")]).unwrap();
    assert_eq!(store.keys().del(["a", "a", "b", "c"]).unwrap(), 2);
    assert_eq!(store.keys().dbsize().unwrap(), 0);
}

#[test]
fn exists_counts_repeats() {
    let store = Store::new();
    store.strings().set("a", "1").unwrap();
    assert_eq!(store.keys().exists(["a", "a", "a", "b"]).unwrap(), 3);
}

#[test]
fn keys_matches_redis_globs() {
    let store = Store::new();
    store
        .strings()
        .mset([
            ("hello", "1"),
            ("hallo", "1"),
            ("hxllo", "1"),
            ("hllo", "1"),
            ("heeeello", "1"),
            ("h*llo", "1"),
        ])
        .unwrap();
    let keys = |p: &str| -> Vec<String> {
        let mut v: Vec<String> = store
            .keys()
            .keys(p)
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(keys("h?llo"), ["h*llo", "hallo", "hello", "hxllo"]);
    assert_eq!(keys("h*llo").len(), 6);
    assert_eq!(keys("h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(keys("h[^e]llo"), ["h*llo", "hallo", "hxllo"]);
    assert_eq!(keys("h[a-b]llo"), ["hallo"]);
    assert_eq!(keys("h\\*llo"), ["h*llo"]);
    assert_eq!(keys("*").len(), 6);
}

#[test]
fn scan_returns_every_key_exactly_once() {
    let store = Store::new();
    store
        .strings()
        .mset((0..1000).map(|i| (format!("key:{i}"), "v")))
        .unwrap();
    let all: Vec<Blob> = store
        .keys()
        .scan_iter(ScanOptions::new().count(7))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 1000);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1000);
}

#[test]
fn scan_returns_every_key_present_throughout_while_the_store_grows() {
    let store = Store::builder().shards(2).build();
    let keys = store.keys();
    store
        .strings()
        .mset((0..500).map(|i| (format!("old:{i}"), "v")))
        .unwrap();
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        let (next, batch) = keys.scan(cursor, &ScanOptions::new().count(10)).unwrap();
        seen.extend(batch);
        // The tables double several times under the scan.
        if step < 40 {
            store
                .strings()
                .mset((0..200).map(|i| (format!("new:{step}:{i}"), "v")))
                .unwrap();
        }
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..500 {
        assert!(seen.contains(&Blob::from(format!("old:{i}"))), "old:{i}");
    }
}

#[test]
fn randomkey_finds_the_live_key_among_many_expired_ones() {
    for seed in 0..20 {
        let clock = embedis::ManualClock::new();
        let store = Store::builder()
            .clock(clock.clone())
            .active_expiry(false)
            .shards(1)
            .seed(seed)
            .build();
        for n in 0..2000 {
            store
                .strings()
                .setex(format!("e{n}"), Duration::from_secs(1), "v")
                .unwrap();
        }
        store.strings().set("live", "v").unwrap();
        clock.advance(Duration::from_secs(2));
        for _ in 0..5 {
            assert_eq!(
                store.keys().randomkey().unwrap(),
                Some(Blob::from("live")),
                "seed {seed}"
            );
        }
    }
}

#[test]
fn scan_iter_yields_a_failed_step_once_then_ends() {
    let store = Store::new();
    store.strings().set("k", "v").unwrap();
    // The store's own handle, used inside a transaction's closure, is refused.
    let got = store.transaction(["k"], |_tx| {
        let mut it = store.keys().scan_iter(ScanOptions::new());
        Ok::<_, Error>((it.next(), it.next()))
    });
    assert_eq!(got, Ok((Some(Err(Error::InsideTransaction)), None)));
}

#[test]
fn scan_while_the_store_grows_and_shrinks_returns_every_stable_key() {
    let store = Store::builder().shards(4).build();
    let s = store.strings();
    for i in 0..500 {
        s.set(format!("stable:{i}"), "v").unwrap();
        s.set(format!("doomed:{i}"), "v").unwrap();
    }
    let (mut cursor, mut seen, mut step) = (0, HashSet::new(), 0);
    loop {
        let (next, keys) = store
            .keys()
            .scan(cursor, &ScanOptions::new().count(10))
            .unwrap();
        seen.extend(keys.into_iter().map(|k| k.to_vec()));
        // During the first steps, thousands of new keys force the tables to grow many
        // times, and deletions free slots that new keys reuse.
        if step < 250 {
            for j in 0..40 {
                s.set(format!("new:{step}:{j}"), "v").unwrap();
            }
            store.keys().del([format!("doomed:{}", step * 2)]).unwrap();
        }
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..500 {
        assert!(
            seen.contains(format!("stable:{i}").as_bytes()),
            "stable:{i} missed"
        );
    }
    assert!(store.keys().dbsize().unwrap() > 10_000);
}

#[test]
fn scan_filters_by_pattern_and_type() {
    let store = Store::new();
    store
        .strings()
        .mset([
            ("user:1", "a"),
            ("user:2", "b"),
            ("page:1", "c"),
            ("", "empty"),
        ])
        .unwrap();
    let count = |opts: ScanOptions| store.keys().scan_iter(opts).map(Result::unwrap).count();
    assert_eq!(count(ScanOptions::new().pattern("user:*")), 2);
    assert_eq!(
        count(ScanOptions::new().pattern("*")),
        4,
        "a lone * includes the empty key"
    );
    assert_eq!(count(ScanOptions::new().key_type(KeyType::String)), 4);
    assert_eq!(count(ScanOptions::new().key_type(KeyType::Hash)), 0);
}

#[test]
fn randomkey_returns_live_keys_only() {
    let (store, clock) = manual_store();
    assert_eq!(store.keys().randomkey().unwrap(), None);
    store
        .strings()
        .setex("gone", Duration::from_secs(1), "v")
        .unwrap();
    store.strings().set("kept", "v").unwrap();
    clock.advance(Duration::from_secs(2));
    for _ in 0..50 {
        assert_eq!(store.keys().randomkey().unwrap().unwrap(), "kept");
    }
    let many = Store::new();
    many.strings()
        .mset((0..100).map(|i| (i.to_string(), "v")))
        .unwrap();
    let picked: HashSet<_> = (0..500)
        .map(|_| many.keys().randomkey().unwrap().unwrap())
        .collect();
    assert!(
        picked.len() > 50,
        "random keys should spread, got {}",
        picked.len()
    );
}

#[test]
fn rename_moves_value_and_ttl() {
    let (store, _clock) = manual_store();
    let k = store.keys();
    store
        .strings()
        .setex("a", Duration::from_secs(50), "v")
        .unwrap();
    store.strings().set("b", "old").unwrap();
    k.rename("a", "b").unwrap();
    assert_eq!(get(&store, "b"), "v");
    assert_eq!(k.ttl("b").unwrap(), Ttl::Expires(Duration::from_secs(50)));
    assert_eq!(k.exists(["a"]).unwrap(), 0);
    assert_eq!(k.rename("a", "c"), Err(Error::NoSuchKey));
    assert_eq!(k.rename("b", "b"), Ok(()));
    assert!(!k.renamenx("b", "b").unwrap());
    assert_eq!(k.renamenx("zz", "b"), Err(Error::NoSuchKey));
}

#[test]
fn copy_respects_replace_and_databases() {
    let store = Store::new();
    let k = store.keys();
    store.strings().set("a", "1").unwrap();
    store.strings().set("b", "2").unwrap();
    assert!(!k.copy("a", "b", CopyOptions::new()).unwrap());
    assert!(k.copy("a", "b", CopyOptions::new().replace()).unwrap());
    assert_eq!(get(&store, "b"), "1");
    assert_eq!(k.copy("a", "a", CopyOptions::new()), Err(Error::SameObject));
    assert!(k.copy("a", "a", CopyOptions::new().db(5)).unwrap());
    assert_eq!(
        k.copy("a", "a", CopyOptions::new().db(16)),
        Err(Error::DbIndexOutOfRange)
    );
    assert!(!k.copy("missing", "x", CopyOptions::new()).unwrap());
    // The copy is independent of the original.
    store.strings().append("a", "x").unwrap();
    assert_eq!(get(&store, "b"), "1");
}

#[test]
fn move_and_swapdb() {
    let store = Store::new();
    let k = store.keys();
    store.strings().set("k", "v").unwrap();
    assert_eq!(k.move_key("k", 0), Err(Error::SameObject));
    assert_eq!(k.move_key("k", 99), Err(Error::DbIndexOutOfRange));
    store.db(1).unwrap().strings().set("k", "there").unwrap();
    assert!(
        !k.move_key("k", 1).unwrap(),
        "an existing target blocks the move"
    );
    assert!(k.move_key("k", 2).unwrap());
    assert!(!k.move_key("k", 2).unwrap());
    k.swapdb(1, 2).unwrap();
    assert_eq!(
        store.db(1).unwrap().strings().get("k").unwrap().unwrap(),
        "v"
    );
    assert_eq!(
        store.db(2).unwrap().strings().get("k").unwrap().unwrap(),
        "there"
    );
    assert_eq!(k.swapdb(0, 16), Err(Error::DbIndexOutOfRange));
}

#[test]
fn flushdb_and_flushall() {
    let store = Store::new();
    store.strings().set("a", "1").unwrap();
    store.db(1).unwrap().strings().set("b", "1").unwrap();
    store.keys().flushdb().unwrap();
    assert_eq!(store.keys().dbsize().unwrap(), 0);
    assert_eq!(store.db(1).unwrap().keys().dbsize().unwrap(), 1);
    store.keys().flushall().unwrap();
    assert_eq!(store.db(1).unwrap().keys().dbsize().unwrap(), 0);
}

#[test]
fn expire_conditions_follow_redis() {
    let (store, _clock) = manual_store();
    let k = store.keys();
    let secs = Duration::from_secs;
    assert!(!k.expire("missing", secs(10)).unwrap());
    store.strings().set("k", "v").unwrap();
    assert!(!k.expire_with("k", secs(10), ExpireCondition::Xx).unwrap());
    assert!(
        !k.expire_with("k", secs(10), ExpireCondition::Gt).unwrap(),
        "no TTL is infinite"
    );
    assert!(!k.expire_with("k", secs(10), ExpireCondition::XxLt).unwrap());
    assert!(
        k.expire_with("k", secs(100), ExpireCondition::Lt).unwrap(),
        "below infinity"
    );
    assert!(!k.expire_with("k", secs(10), ExpireCondition::Nx).unwrap());
    assert!(k.expire_with("k", secs(200), ExpireCondition::Gt).unwrap());
    assert!(
        !k.expire_with("k", secs(200), ExpireCondition::Gt).unwrap(),
        "equal is not greater"
    );
    assert!(k.expire_with("k", secs(50), ExpireCondition::XxLt).unwrap());
    assert_eq!(k.ttl("k").unwrap(), Ttl::Expires(secs(50)));
}

#[test]
fn expire_zero_deletes_and_overflow_is_an_error() {
    let (store, _clock) = manual_store();
    let k = store.keys();
    store.strings().set("k", "v").unwrap();
    assert_eq!(
        k.expire("k", Duration::MAX),
        Err(Error::InvalidExpireTime("expire"))
    );
    assert_eq!(k.ttl("k").unwrap(), Ttl::Persistent);
    assert!(k.expire("k", Duration::ZERO).unwrap());
    assert_eq!(k.exists(["k"]).unwrap(), 0);
}

#[test]
fn ttl_pttl_expiretime_and_persist() {
    let (store, clock) = manual_store();
    let k = store.keys();
    store
        .strings()
        .psetex("k", Duration::from_millis(2600), "v")
        .unwrap();
    assert_eq!(
        k.pttl("k").unwrap(),
        Ttl::Expires(Duration::from_millis(2600))
    );
    assert_eq!(
        k.ttl("k").unwrap(),
        Ttl::Expires(Duration::from_secs(3)),
        "rounded as Redis"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(k.ttl("k").unwrap(), Ttl::Expires(Duration::from_secs(2)));
    let at = std::time::UNIX_EPOCH + Duration::from_millis(clock.now_ms() + 1600);
    assert_eq!(k.pexpiretime("k").unwrap(), ExpireTime::At(at));
    assert!(k.persist("k").unwrap());
    assert_eq!(k.pexpiretime("k").unwrap(), ExpireTime::Persistent);
    assert_eq!(k.ttl("nope").unwrap(), Ttl::Missing);
    assert!(!k.persist("nope").unwrap());
}

#[test]
fn a_fixed_seed_makes_randomkey_and_hrandfield_choose_the_same_every_run() {
    // The keyspace hashes with a seed drawn from the store's: which key a random pick
    // lands on depends on the hashing, not only on the generator. (600 fields: a hash
    // table, not a listpack.)
    let run = |seed| {
        let store = Store::builder().seed(seed).build();
        store
            .strings()
            .mset((0..500).map(|i| (format!("k{i}"), "v")))
            .unwrap();
        store
            .hashes()
            .hset("h", (0..600).map(|i| (format!("f{i}"), "v")))
            .unwrap();
        let keys: Vec<Blob> = (0..5)
            .map(|_| store.keys().randomkey().unwrap().unwrap())
            .collect();
        let fields = store
            .hashes()
            .hrandfield_count("h", embedis::Picks::Distinct(5))
            .unwrap();
        (keys, fields)
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}
