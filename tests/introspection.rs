//! `COMMAND` and its subcommands against a real `redis-server` 7.0: every command and
//! subcommand the store has is described (`COMMAND INFO`, `COMMAND DOCS`), listed
//! (`COMMAND LIST FILTERBY …`) and searched for keys (`COMMAND GETKEYS`,
//! `GETKEYSANDFLAGS`) as Redis does, in RESP2 and RESP3.
//!
//! Redis lists a container's subcommands in its hash table's (random) order, and has
//! commands the store does not: subcommand lists compare by name, on the store's.

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;
use redis_client::Redis;

use std::collections::BTreeSet;

use embedis::{Reply, Store};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn text(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Simple(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// A subcommand list (`COMMAND INFO`'s tenth field, or `COMMAND DOCS`'s
/// "subcommands"), kept to the names in `ours` and sorted.
fn only_ours(r: &Reply, ours: &BTreeSet<String>) -> Reply {
    match r {
        Reply::Array(items) => {
            let mut items: Vec<Reply> = items
                .iter()
                .filter(|i| match i {
                    Reply::Array(f) => ours.contains(&text(&f[0])),
                    _ => true,
                })
                .cloned()
                .collect();
            items.sort_by_key(|i| format!("{i:?}"));
            Reply::Array(items)
        }
        Reply::Map(pairs) => {
            let mut pairs: Vec<(Reply, Reply)> = pairs
                .iter()
                .filter(|(k, _)| ours.contains(&text(k)))
                .cloned()
                .collect();
            pairs.sort_by_key(|(k, _)| text(k));
            Reply::Map(pairs)
        }
        other => other.clone(),
    }
}

/// `COMMAND INFO name`'s reply with its subcommands kept to the store's.
fn info(r: Reply, ours: &BTreeSet<String>) -> Reply {
    let Reply::Array(mut entries) = r else {
        return r;
    };
    for e in &mut entries {
        if let Reply::Array(fields) = e
            && fields.len() == 10
        {
            fields[9] = only_ours(&fields[9], ours);
        }
    }
    Reply::Array(entries)
}

/// `COMMAND DOCS name`'s reply with its subcommands kept to the store's. RESP2 shows a
/// map as a flat array of keys and values.
fn docs(r: Reply, ours: &BTreeSet<String>) -> Reply {
    fn fix(doc: &mut Reply, ours: &BTreeSet<String>) {
        match doc {
            Reply::Map(pairs) => {
                for (k, v) in pairs {
                    if text(k) == "subcommands" {
                        *v = only_ours(v, ours);
                    }
                }
            }
            Reply::Array(flat) => {
                for i in (0..flat.len()).step_by(2) {
                    if text(&flat[i]) == "subcommands" {
                        let Reply::Array(subs) = &flat[i + 1] else {
                            continue;
                        };
                        let mut pairs: Vec<(Reply, Reply)> = subs
                            .chunks(2)
                            .filter(|p| ours.contains(&text(&p[0])))
                            .map(|p| (p[0].clone(), p[1].clone()))
                            .collect();
                        pairs.sort_by_key(|(k, _)| text(k));
                        flat[i + 1] =
                            Reply::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect());
                    }
                }
            }
            _ => {}
        }
    }
    match r {
        Reply::Map(mut pairs) => {
            for (_, d) in &mut pairs {
                fix(d, ours);
            }
            Reply::Map(pairs)
        }
        Reply::Array(mut flat) => {
            for i in (1..flat.len()).step_by(2) {
                fix(&mut flat[i], ours);
            }
            Reply::Array(flat)
        }
        other => other,
    }
}

fn names(r: &Reply) -> BTreeSet<String> {
    match r {
        Reply::Array(v) | Reply::Set(v) => v.iter().map(text).collect(),
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn command_describes_every_command_as_redis_does() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the introspection tests are SKIPPED ***\n");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    let ours = names(&c.execute(&["COMMAND", "LIST"]));
    assert!(
        ours.contains("get") && ours.contains("client|id"),
        "{ours:?}"
    );
    let mut failures = Vec::new();
    for resp in ["2", "3"] {
        redis.cmd(&["HELLO", resp]);
        c.execute(&["HELLO", resp]);
        for name in &ours {
            let cmd = ["COMMAND", "INFO", name.as_str()];
            let (a, b) = (info(c.execute(&cmd), &ours), info(redis.cmd(&cmd), &ours));
            if a != b {
                failures.push(format!(
                    "RESP{resp} {cmd:?}\n  ours:  {a:?}\n  redis: {b:?}"
                ));
            }
            let cmd = ["COMMAND", "DOCS", name.as_str()];
            let (a, b) = (docs(c.execute(&cmd), &ours), docs(redis.cmd(&cmd), &ours));
            if a != b {
                failures.push(format!(
                    "RESP{resp} {cmd:?}\n  ours:  {a:?}\n  redis: {b:?}"
                ));
            }
        }
        // Names that name nothing, or too much.
        for name in [
            "get|key",
            "config|get|key",
            "",
            "|",
            "client|",
            "nosuch",
            "GET",
            "Client|ID",
        ] {
            for sub in ["INFO", "DOCS"] {
                let cmd = ["COMMAND", sub, name];
                let (a, b) = (c.execute(&cmd), redis.cmd(&cmd));
                if a != b {
                    failures.push(format!(
                        "RESP{resp} {cmd:?}\n  ours:  {a:?}\n  redis: {b:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn command_list_filters_as_redis_does() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the introspection tests are SKIPPED ***\n");
        return;
    };
    let mut c = Store::new().connection();
    let ours = names(&c.execute(&["COMMAND", "LIST"]));
    let categories = [
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
        "FAST",
        "nosuch",
        "",
    ];
    let patterns = [
        "set", "GET", "*", "z*", "cl*help", "client|*", "*|*", "[a-c]*", "?et", "x\\", "",
    ];
    let filters = categories
        .iter()
        .map(|c| ("ACLCAT", *c))
        .chain(patterns.iter().map(|p| ("PATTERN", *p)))
        .chain([("MODULE", "x"), ("module", "")]);
    for (kind, arg) in filters {
        let cmd = ["COMMAND", "LIST", "FILTERBY", kind, arg];
        let a = names(&c.execute(&cmd));
        let b: BTreeSet<String> = names(&redis.cmd(&cmd))
            .intersection(&ours)
            .cloned()
            .collect();
        assert_eq!(a, b, "{cmd:?}");
    }
    for cmd in [
        &["COMMAND", "LIST", "bad"][..],
        &["COMMAND", "LIST", "FILTERBY", "bad"],
        &["COMMAND", "LIST", "FILTERBY", "bad", "x"],
        &["COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "y"],
        &["COMMAND", "LIST", "FILTERBY", "PATTERN"],
        &["COMMAND", "COUNT", "x"],
        &["COMMAND", "NOSUCH"],
        &["COMMAND", "HELP"],
    ] {
        assert_eq!(c.execute(cmd), redis.cmd(cmd), "{cmd:?}");
    }
    assert_eq!(
        c.execute(&["COMMAND", "COUNT"]),
        Reply::Integer(i64::try_from(ours.iter().filter(|n| !n.contains('|')).count()).unwrap())
    );
}

#[test]
fn command_getkeys_finds_the_keys_redis_finds() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the introspection tests are SKIPPED ***\n");
        return;
    };
    let mut c = Store::new().connection();
    let ours: Vec<String> = names(&c.execute(&["COMMAND", "LIST"]))
        .into_iter()
        .collect();
    // Redis's own cases, then random ones.
    let mut lines = redis_cases();
    let all: Vec<String> = (1..=260).map(|i| format!("key{i}")).collect();
    lines.push(
        ["zunionstore", "target", "260"]
            .iter()
            .map(|s| (*s).to_string())
            .chain(all)
            .collect(),
    );
    let pool = [
        "0",
        "1",
        "2",
        "3",
        "-1",
        " 2",
        "+1",
        "2x",
        "99999999999999999999",
        "k",
        "GET",
        "get",
        "LEFT",
        "STORE",
        "WEIGHTS",
        "incrby",
        "set",
        "overflow",
        "u8",
        "",
        "a\u{0}b",
    ];
    let mut rng = SmallRng::seed_from_u64(7);
    for _ in 0..3_000 {
        let name = ours.choose(&mut rng).unwrap();
        let mut line: Vec<String> = name.split('|').map(String::from).collect();
        for _ in 0..rng.gen_range(0..7) {
            line.push((*pool.choose(&mut rng).unwrap()).to_string());
        }
        lines.push(line);
    }
    let mut failures = Vec::new();
    for line in &lines {
        for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
            let mut cmd = vec!["COMMAND".to_string(), sub.to_string()];
            cmd.extend(line.iter().cloned());
            let (a, b) = (c.execute(&cmd), redis.cmd(&cmd));
            // A command the store does not have is not one Redis may describe.
            let theirs_only = a == Reply::Error("ERR Invalid command specified".into())
                && !ours.contains(&line.first().cloned().unwrap_or_default().to_lowercase());
            if a != b && !theirs_only {
                failures.push(format!("{cmd:?}\n  ours:  {a:?}\n  redis: {b:?}"));
            }
        }
    }
    failures.truncate(20);
    assert!(failures.is_empty(), "differences:\n{}", failures.join("\n"));
}

/// `COMMAND GETKEYS` lines from Redis's tests and its key finders' corners.
fn redis_cases() -> Vec<Vec<String>> {
    [
        "get key",
        "set k1 v1",
        "set k1 v1 get",
        "set k1 v1 GeT",
        "mset k1 v1 k2 v2",
        "LMOVE k1 k2 left right",
        "memory usage key",
        "lcs key1 key2",
        "zunionstore t 2 a b",
        "zunionstore t 3 a b",
        "zunion 2abc a b c",
        "zunion 0 a b c",
        "zunion -1 a",
        "zunion 4294967298 a b",
        "zunion 9223372036854775807 a",
        "zunionstore d 4294967297 a",
        "blmpop 0 2 a b LEFT",
        "lmpop x a b LEFT",
        "bitfield k get u8 0",
        "bitfield k get u8 0 incrby u8 0 1",
        "bitfield k overflow sat",
        "bitfield_ro k get u8 0",
        "sintercard 2 a b",
        "ping",
        "client",
        "client nope",
        "client id",
        "get",
        "nosuch a",
        "object encoding k",
        "pubsub numsub a",
        "spublish ch m",
        "watch a b",
        "rename a b",
        "blpop a b 0",
        "migrate",
    ]
    .iter()
    .map(|l| l.split(' ').map(String::from).collect())
    .collect()
}

/// `CLIENT INFO`'s fields, less those of a socket, a buffer or the clock (a
/// connection has no socket: `addr=?:0 laddr=?:0 fd=-1`).
fn client_fields(r: &Reply) -> Vec<(String, String)> {
    let (Reply::Bulk(text) | Reply::Verbatim(text)) = r else {
        panic!("not CLIENT INFO's text: {r:?}");
    };
    let text = String::from_utf8_lossy(text);
    assert!(text.ends_with('\n'), "{text:?}");
    text.trim_end()
        .split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').unwrap();
            let own = [
                "id",
                "addr",
                "laddr",
                "fd",
                "age",
                "idle",
                "qbuf-free",
                "rbs",
                "rbp",
                "tot-mem",
            ];
            let v = if own.contains(&k) { "*" } else { v };
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn client_answers_as_redis_does() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("\n*** redis-server is not installed: the introspection tests are SKIPPED ***\n");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    let mut other = store.connection();
    let mut redis_other = redis.connect();
    let info = &["CLIENT", "INFO"][..];
    let steps: Vec<(&[&str], bool)> = vec![
        (info, true),
        (&["SELECT", "3"], false),
        (&["CLIENT", "SETNAME", "worker-1"], false),
        (info, true),
        (&["CLIENT", "NO-EVICT", "on"], false),
        (&["MULTI"], false),
        (&["SET", "a", "b"], false),
        (&["CLIENT", "INFO"], false),
        (&["EXEC"], false),
        (&["WATCH", "k"], false),
        (info, true),
        (&["UNWATCH"], false),
        (info, true),
        (&["HELLO", "3"], false),
        (&["SUBSCRIBE", "x"], false),
        (&["PSUBSCRIBE", "y*"], false),
        (&["SSUBSCRIBE", "z"], false),
        (info, true),
        (&["RESET"], false),
        (info, true),
        (&["CLIENT", "LIST", "TYPE", "pubsub"], false),
        (&["CLIENT", "GETNAME"], false),
    ];
    for (cmd, fields) in steps {
        if cmd == ["EXEC"] {
            // The queued CLIENT INFO runs inside EXEC: in a transaction of one command.
            let (Reply::Array(a), Reply::Array(b)) = (c.execute(cmd), redis.cmd(cmd)) else {
                panic!("EXEC");
            };
            assert_eq!(a.len(), b.len());
            assert_eq!(a[0], b[0]);
            assert_eq!(client_fields(&a[1]), client_fields(&b[1]));
            continue;
        }
        if cmd == ["WATCH", "k"] {
            c.execute(cmd);
            redis.cmd(cmd);
            // Another client changes the watched key: this one is dirty (`d`).
            redis_other.cmd(&["SELECT", "3"]);
            redis_other.cmd(&["SET", "k", "1"]);
            other.execute(&["SELECT", "3"]);
            other.execute(&["SET", "k", "1"]);
            continue;
        }
        let (a, b) = (c.execute(cmd), redis.cmd(cmd));
        if fields {
            assert_eq!(client_fields(&a), client_fields(&b), "{cmd:?}");
        } else if cmd[0] != "HELLO" {
            assert_eq!(a, b, "{cmd:?}");
        }
    }
    // Arguments Redis refuses, in Redis's words.
    for line in REFUSED {
        let cmd: Vec<&str> = line.split(' ').collect();
        assert_eq!(c.execute(&cmd), redis.cmd(&cmd), "{line}");
    }
}

/// `CLIENT` lines Redis refuses (or answers without a change).
const REFUSED: &[&str] = &[
    "CLIENT KILL",
    "CLIENT KILL id 10 wrong_arg",
    "CLIENT KILL id str",
    "CLIENT KILL id -1",
    "CLIENT KILL id 0",
    "CLIENT KILL type wrong_type",
    "CLIENT KILL user wrong_user",
    "CLIENT KILL skipme yes_or_no",
    "CLIENT KILL id 99999",
    "CLIENT KILL 1.2.3.4:5",
    "CLIENT KILL id 99999 type",
    "CLIENT KILL type master",
    "CLIENT KILL type normal id 9999 skipme yes",
    "CLIENT LIST TYPE",
    "CLIENT LIST TYPE foo",
    "CLIENT LIST TYPE master",
    "CLIENT LIST ID",
    "CLIENT LIST ID x",
    "CLIENT LIST ID 99999",
    "CLIENT LIST foo bar",
    "CLIENT PAUSE",
    "CLIENT PAUSE x",
    "CLIENT PAUSE -1",
    "CLIENT PAUSE 10 foo",
    "CLIENT PAUSE x foo",
    "CLIENT PAUSE 9223372036854775807",
    "CLIENT PAUSE 10 write x",
    "CLIENT UNPAUSE",
    "CLIENT UNPAUSE x",
    "CLIENT REPLY",
    "CLIENT REPLY foo",
    "CLIENT REPLY ON",
    "CLIENT NO-EVICT maybe",
    "CLIENT UNBLOCK 1 TIMEOUT x",
    "CLIENT UNBLOCK x foo",
    "CLIENT UNBLOCK x",
    "CLIENT HELP",
    "CLIENT GETNAME x",
    "CLIENT SETNAME a b",
    "CLIENT SETNAME a\nb",
    "CLIENT CACHING yes",
    "CLIENT FOO",
];
