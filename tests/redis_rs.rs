//! The redis-rs drop-in: application code written against the `redis` crate's typed
//! API, run on an in-process store through `Connection`.

use std::collections::{BTreeMap, HashMap, HashSet};

use embedis::Store;
use redis::{Commands, RedisResult};

#[test]
fn strings_and_keys_through_commands() -> RedisResult<()> {
    let store = Store::new();
    let mut con = store.connection();
    let () = con.set_ex("page", "<html>", 10)?;
    let ttl: i64 = con.ttl("page")?;
    assert_eq!(ttl, 10);
    let page: Option<String> = con.get("page")?;
    assert_eq!(page.as_deref(), Some("<html>"));
    let missing: Option<String> = con.get("nope")?;
    assert_eq!(missing, None);
    let n: i64 = con.incr("n", 41)?;
    assert_eq!(n, 41);
    let f: f64 = con.incr("price", 1.5)?;
    assert!((f - 1.5).abs() < f64::EPSILON);
    let () = con.mset(&[("a", "1"), ("b", "2")])?;
    let values: Vec<i64> = con.mget(&["a", "b"])?;
    assert_eq!(values, [1, 2]);
    let exists: bool = con.exists("a")?;
    assert!(exists);
    let deleted: usize = con.del(&["a", "b", "nope"])?;
    assert_eq!(deleted, 2);
    // The typed API sees what redis-rs wrote.
    assert_eq!(store.strings().get("n").unwrap().unwrap(), "41");
    Ok(())
}

#[test]
fn collections_through_commands() -> RedisResult<()> {
    let store = Store::new();
    let mut con = store.connection();
    let () = con.hset_multiple("session:1", &[("user", "ann"), ("theme", "dark")])?;
    let session: HashMap<String, String> = con.hgetall("session:1")?;
    assert_eq!(session["user"], "ann");
    assert_eq!(session.len(), 2);
    let _: usize = con.sadd("tags", &["rust", "redis", "rust"])?;
    let tags: HashSet<String> = con.smembers("tags")?;
    assert_eq!(tags, HashSet::from(["rust".into(), "redis".into()]));
    let _: usize = con.rpush("jobs", &["a", "b", "c"])?;
    let first: Option<String> = con.lpop("jobs", None)?;
    assert_eq!(first.as_deref(), Some("a"));
    let rest: Vec<String> = con.lrange("jobs", 0, -1)?;
    assert_eq!(rest, ["b", "c"]);
    let _: usize = con.zadd_multiple("board", &[(31.0, "ann"), (12.0, "bob"), (50.5, "cy")])?;
    let top: Vec<(String, f64)> = con.zrevrange_withscores("board", 0, 1)?;
    assert_eq!(top, [("cy".to_string(), 50.5), ("ann".to_string(), 31.0)]);
    let rank: Option<usize> = con.zrank("board", "bob")?;
    assert_eq!(rank, Some(0));
    let ann: Option<f64> = con.zscore("board", "ann")?;
    assert_eq!(ann, Some(31.0));
    let by_score: BTreeMap<String, f64> = con.zrangebyscore_withscores("board", 20, "+inf")?;
    assert_eq!(by_score.len(), 2);
    let bit: bool = con.setbit("flags", 7, true)?;
    assert!(!bit);
    let count: usize = con.bitcount("flags")?;
    assert_eq!(count, 1);
    Ok(())
}

#[test]
fn errors_map_to_redis_rs_errors_with_codes() {
    let mut con = Store::new().connection();
    let _: () = con.set("s", "text").unwrap();
    let err = con.incr::<_, _, i64>("s", 1).unwrap_err();
    assert_eq!(err.code(), Some("ERR"));
    assert!(
        err.to_string()
            .contains("value is not an integer or out of range")
    );
    let err = con.hget::<_, _, Option<String>>("s", "f").unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
    let err = redis::cmd("NOSUCH").query::<()>(&mut con).unwrap_err();
    assert!(err.to_string().contains("unknown command"));
}

#[test]
fn pipelines_plain_and_atomic() -> RedisResult<()> {
    let store = Store::new();
    let mut con = store.connection();
    let (first, second, missing): (i64, i64, Option<String>) = redis::pipe()
        .incr("x", 1)
        .incr("x", 2)
        .get("missing")
        .query(&mut con)?;
    assert_eq!((first, second, missing), (1, 3, None));
    let (x, len): (i64, usize) = redis::pipe()
        .atomic()
        .incr("x", 1)
        .ignore()
        .incr("x", 1)
        .rpush("l", "v")
        .query(&mut con)?;
    assert_eq!((x, len), (5, 1));
    // A failing command in an atomic pipeline fails the query, not the others.
    let r: RedisResult<(i64, i64)> = redis::pipe()
        .atomic()
        .incr("x", 1)
        .lpush("x", "y")
        .query(&mut con);
    let e = r.unwrap_err();
    assert!(e.to_string().contains("WRONGTYPE"), "{e:?}");
    assert_eq!(store.strings().get("x").unwrap().unwrap(), "6");
    Ok(())
}

#[test]
fn optimistic_transactions_with_watch() -> RedisResult<()> {
    let store = Store::new();
    let mut con = store.connection();
    let () = con.set("stock", 3)?;
    let mut attempts = 0;
    let left: (i64,) = redis::transaction(&mut con, &["stock"], |con, pipe| {
        attempts += 1;
        let stock: i64 = con.get("stock")?;
        if attempts == 1 {
            // Someone else buys one between our read and our EXEC: the first attempt aborts.
            store.strings().decr("stock").unwrap();
        }
        pipe.set("stock", stock - 1)
            .ignore()
            .get("stock")
            .query(con)
    })?;
    assert_eq!(attempts, 2);
    assert_eq!(left, (1,));
    Ok(())
}

#[test]
fn a_scan_iterator_walks_every_key() -> RedisResult<()> {
    let mut con = Store::new().connection();
    for i in 0..50 {
        let () = con.set(format!("k{i}"), i)?;
    }
    let keys: HashSet<String> = con
        .scan_match::<_, String>("k*")?
        .collect::<RedisResult<_>>()?;
    assert_eq!(keys.len(), 50);
    Ok(())
}
