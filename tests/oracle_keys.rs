//! The key commands against a real `redis-server`: glob patterns, expiry conditions and
//! errors, through the typed API here and as commands there, must give the same answers
//! (see `common/oracle.rs`; skipped, with a message, without `redis-server`).

use std::time::Duration;

use embedis::{Error, ExpireCondition, Reply, Store, Ttl};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use oracle::{Oracle, set_both};

#[test]
fn glob_patterns_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(3);
    let keys: Vec<String> = (0..60)
        .map(|_| {
            (0..rng.gen_range(0..5))
                .map(|_| ['a', 'b', 'c', '-', '^', '[', ']', '*', '\\'][rng.gen_range(0..9)])
                .collect()
        })
        .collect();
    for k in &keys {
        set_both(&store, &mut redis, k, b"v");
    }
    let pieces = [
        "a", "b", "?", "*", "[ab]", "[^a]", "[a-b]", "[b-a]", "\\*", "\\", "[", "]", "[\\]]", "c",
        "-", "^",
    ];
    for _ in 0..400 {
        let pattern: String = (0..rng.gen_range(0..5))
            .map(|_| pieces[rng.gen_range(0..pieces.len())])
            .collect();
        let mut ours: Vec<Vec<u8>> = store
            .keys()
            .keys(&pattern)
            .unwrap()
            .iter()
            .map(|k| k.to_vec())
            .collect();
        ours.sort();
        let mut theirs: Vec<Vec<u8>> = match redis.cmd(&["KEYS", &pattern]) {
            Reply::Array(items) => items
                .into_iter()
                .map(|r| match r {
                    Reply::Bulk(b) => b.to_vec(),
                    other => panic!("unexpected {other:?}"),
                })
                .collect(),
            other => panic!("unexpected {other:?}"),
        };
        theirs.sort();
        assert_eq!(ours, theirs, "pattern {pattern:?}");
    }
}

#[test]
fn expire_conditions_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let mut rng = SmallRng::seed_from_u64(5);
    let conditions = [
        (ExpireCondition::Always, vec![]),
        (ExpireCondition::Nx, vec!["NX"]),
        (ExpireCondition::Xx, vec!["XX"]),
        (ExpireCondition::Gt, vec!["GT"]),
        (ExpireCondition::Lt, vec!["LT"]),
        (ExpireCondition::XxLt, vec!["XX", "LT"]),
    ];
    for _ in 0..300 {
        let key = ["k1", "k2", "k3"][rng.gen_range(0..3)];
        match rng.gen_range(0..6) {
            0 => set_both(&store, &mut redis, key, b"v"),
            1 => {
                assert_eq!(
                    store.keys().persist(key).unwrap(),
                    redis.int(&["PERSIST", key]) == 1
                );
            }
            _ => {
                let secs = rng.gen_range(100..110u64);
                let (cond, flags) = &conditions[rng.gen_range(0..conditions.len())];
                let ours = store
                    .keys()
                    .expire_with(key, Duration::from_secs(secs), *cond)
                    .unwrap();
                let mut args = vec!["EXPIRE".to_string(), key.into(), secs.to_string()];
                args.extend(flags.iter().map(ToString::to_string));
                assert_eq!(ours, redis.int(&args) == 1, "{args:?}");
            }
        }
        let ours = match store.keys().ttl(key).unwrap() {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            Ttl::Expires(d) => i64::try_from(d.as_secs()).unwrap(),
        };
        let theirs = redis.int(&["TTL", key]);
        assert!(
            (ours - theirs).abs() <= 1,
            "TTL {key}: ours {ours} redis {theirs}"
        );
    }
}

/// The errors of the key commands, word for word.
#[test]
fn key_command_errors_match_redis() {
    let Some(mut redis) = Oracle::start() else {
        return;
    };
    redis.cmd(&["FLUSHALL"]);
    let store = Store::new();
    let check = |ours: Error, theirs: String| assert_eq!(ours.to_string(), theirs);
    set_both(&store, &mut redis, "text", b"abc");
    check(
        store.keys().rename("nope", "x").unwrap_err(),
        redis.error(&["RENAME", "nope", "x"]),
    );
    check(
        store.keys().move_key("text", 0).unwrap_err(),
        redis.error(&["MOVE", "text", "0"]),
    );
    check(
        store.keys().move_key("text", 16).unwrap_err(),
        redis.error(&["MOVE", "text", "16"]),
    );
    check(
        store
            .keys()
            .copy("text", "text", embedis::CopyOptions::new())
            .unwrap_err(),
        redis.error(&["COPY", "text", "text"]),
    );
    check(
        store.keys().expire("text", Duration::MAX).unwrap_err(),
        redis.error(&["EXPIRE", "text", "9223372036854775807"]),
    );
}
