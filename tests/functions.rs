//! Functions (`FUNCTION …`, `FCALL`, `FCALL_RO`) through the command interface: loading,
//! listing, replacing, deleting, dumping and restoring libraries; calling functions
//! with their flags and errors; libraries kept by snapshots and by the append-only log
//! (its replay and its rewrite); and, against a real `redis-server` (skipped, with a
//! message, without it, unless `EMBEDIS_REQUIRE_REDIS=1`), the same replies for a list
//! of commands, and snapshots with libraries moving both ways.

#![cfg(feature = "scripting")]

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use embedis::{Connection, Reply, Store};

#[path = "common/redis_client.rs"]
mod redis_client;
#[path = "common/redis_server.rs"]
mod redis_server;

use redis_client::Redis;

/// A fresh directory of this test's own.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-functions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn err(s: &str) -> Reply {
    Reply::Error(Bytes::copy_from_slice(s.as_bytes()))
}

/// Runs `args` on `c`.
fn run(c: &mut Connection, args: &[&str]) -> Reply {
    c.execute(args)
}

const LIB: &str = "#!lua name=mylib
redis.register_function('echo_key', function(keys, args) return keys[1] end)
redis.register_function{function_name = 'setter', description = 'sets a key',
  callback = function(keys, args) return redis.call('set', keys[1], args[1]) end}
redis.register_function{function_name = 'getter', flags = {'no-writes'},
  callback = function(keys, args) return redis.call('get', keys[1]) end}
redis.register_function('fail', function(keys, args)
  error('boom')
end)";

#[test]
fn a_library_loads_lists_and_its_functions_run() {
    let store = Store::new();
    let mut c = store.connection();
    assert_eq!(run(&mut c, &["FUNCTION", "LOAD", LIB]), bulk("mylib"));
    assert_eq!(
        run(&mut c, &["FCALL", "echo_key", "1", "k", "a"]),
        bulk("k")
    );
    assert_eq!(run(&mut c, &["FCALL", "ECHO_KEY", "1", "k"]), bulk("k"));
    assert_eq!(
        run(&mut c, &["FCALL", "setter", "1", "k", "v"]),
        Reply::ok()
    );
    assert_eq!(run(&mut c, &["GET", "k"]), bulk("v"));
    assert_eq!(run(&mut c, &["FCALL_RO", "getter", "1", "k"]), bulk("v"));
    assert_eq!(
        run(&mut c, &["FCALL_RO", "setter", "1", "k", "w"]),
        err("ERR Can not execute a script with write flag using *_ro command.")
    );
    let listed = run(&mut c, &["FUNCTION", "LIST", "WITHCODE"]).into_resp2();
    let Reply::Array(libs) = listed else {
        panic!("{listed:?}")
    };
    assert_eq!(libs.len(), 1);
    let Reply::Array(fields) = &libs[0] else {
        panic!()
    };
    assert_eq!(fields[0], bulk("library_name"));
    assert_eq!(fields[1], bulk("mylib"));
    assert_eq!(fields[3], bulk("LUA"));
    assert_eq!(fields[7], bulk(LIB));
    let Reply::Array(functions) = &fields[5] else {
        panic!()
    };
    assert_eq!(functions.len(), 4);
    assert!(functions.contains(&Reply::Array(vec![
        bulk("name"),
        bulk("setter"),
        bulk("description"),
        bulk("sets a key"),
        bulk("flags"),
        Reply::Array(vec![]),
    ])));
    assert!(functions.contains(&Reply::Array(vec![
        bulk("name"),
        bulk("getter"),
        bulk("description"),
        Reply::Nil,
        bulk("flags"),
        Reply::Array(vec![Reply::Simple("no-writes".into())]),
    ])));
    assert_eq!(
        run(&mut c, &["FUNCTION", "LIST", "LIBRARYNAME", "other*"]),
        Reply::Array(vec![])
    );
    let stats = run(&mut c, &["FUNCTION", "STATS"]).into_resp2();
    assert_eq!(
        stats,
        Reply::Array(vec![
            bulk("running_script"),
            Reply::Nil,
            bulk("engines"),
            Reply::Array(vec![
                bulk("LUA"),
                Reply::Array(vec![
                    bulk("libraries_count"),
                    Reply::Integer(1),
                    bulk("functions_count"),
                    Reply::Integer(4),
                ]),
            ]),
        ])
    );
    assert_eq!(run(&mut c, &["FUNCTION", "DELETE", "mylib"]), Reply::ok());
    assert_eq!(
        run(&mut c, &["FUNCTION", "DELETE", "mylib"]),
        err("ERR Library not found")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "getter", "1", "k"]),
        err("ERR Function not found")
    );
}

/// Under RESP3, listings are maps and flags a set of statuses, as Redis sends them.
#[test]
fn resp3_listings_are_maps_and_sets() {
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["HELLO", "3"]);
    run(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=r3\nredis.register_function{function_name='a', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='d'}",
        ],
    );
    let flags = Reply::Set(vec![
        Reply::Simple("no-writes".into()),
        Reply::Simple("allow-oom".into()),
    ]);
    assert_eq!(
        run(&mut c, &["FUNCTION", "LIST"]),
        Reply::Array(vec![Reply::Map(vec![
            (bulk("library_name"), bulk("r3")),
            (bulk("engine"), bulk("LUA")),
            (
                bulk("functions"),
                Reply::Array(vec![Reply::Map(vec![
                    (bulk("name"), bulk("a")),
                    (bulk("description"), bulk("d")),
                    (bulk("flags"), flags),
                ])])
            ),
        ])])
    );
    let Reply::Map(stats) = run(&mut c, &["FUNCTION", "STATS"]) else {
        panic!()
    };
    assert_eq!(stats[0], (bulk("running_script"), Reply::Nil));
}

#[test]
fn fcall_errors_are_redis_s() {
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    assert_eq!(
        run(&mut c, &["FCALL", "fail", "0"]),
        err("ERR user_function:8: boom script: fail, on @user_function:8.")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "nope", "0"]),
        err("ERR Function not found")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "getter", "x"]),
        err("ERR Bad number of keys provided")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "getter", "-1"]),
        err("ERR Number of keys can't be negative")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "getter", "2", "a"]),
        err("ERR Number of keys can't be greater than number of args")
    );
}

#[test]
fn over_the_memory_limit_only_functions_that_cannot_grow_it_run() {
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    run(&mut c, &["SET", "k", "some value"]);
    run(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    let oom = err("OOM command not allowed when used memory > 'maxmemory'.");
    assert_eq!(run(&mut c, &["FCALL", "setter", "1", "k", "v"]), oom);
    // Before its arguments are looked at.
    assert_eq!(run(&mut c, &["FCALL", "setter", "x"]), oom);
    assert_eq!(run(&mut c, &["FCALL_RO", "setter", "1", "k", "v"]), oom);
    assert_eq!(
        run(&mut c, &["FCALL", "getter", "1", "k"]),
        bulk("some value")
    );
    assert_eq!(
        run(&mut c, &["FCALL", "nope", "0"]),
        err("ERR Function not found")
    );
}

#[test]
fn loading_errors_are_redis_s() {
    let store = Store::new();
    let mut c = store.connection();
    let cases: &[(&str, &str)] = &[
        ("return 1", "ERR Missing library metadata"),
        ("#!lua", "ERR Invalid library metadata"),
        ("#!lua\nreturn 1", "ERR Library name was not given"),
        (
            "#!lua name=a b=c\n",
            "ERR Invalid metadata value given: b=c",
        ),
        ("#!py name=a\n", "ERR Engine 'py' not found"),
        (
            "#!lua name=a-b\n",
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ),
        ("#!lua name=x\nreturn 1", "ERR No functions registered"),
        (
            "#!lua name=x\nlocal a = string.len('x')",
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'",
        ),
        (
            "#!lua name=x\nredis.register_function('g', function() end) redis.register_function('g', function() end)",
            "ERR Error registering functions: ERR Function already exists in the library",
        ),
        (
            "#!lua name=x\nredis.register_function{function_name='g', callback=function() end, foo=1}",
            "ERR Error registering functions: ERR unknown argument given to redis.register_function",
        ),
        (
            "#!lua name=x\nredis.register_function(1, 2, 3)",
            "ERR Error registering functions: ERR wrong number of arguments to redis.register_function",
        ),
        (
            "#!lua name=x\nretur 1",
            "ERR Error compiling function: user_function:2: '=' expected near '1'",
        ),
    ];
    for (code, expected) in cases {
        assert_eq!(
            run(&mut c, &["FUNCTION", "LOAD", code]),
            err(expected),
            "{code}"
        );
    }
    assert_eq!(
        run(&mut c, &["FUNCTION", "LOAD", "foo", "#!lua name=x\n"]),
        err("ERR Unknown option given: foo")
    );
    assert_eq!(
        run(
            &mut c,
            &["FUNCTION", "LOAD", "#!lua name=x\nwhile true do end"]
        ),
        err("ERR Error registering functions: ERR FUNCTION LOAD timeout")
    );
    assert_eq!(
        run(&mut c, &["FUNCTION", "STATS"]).into_resp2(),
        run(&mut c, &["FUNCTION", "STATS"]).into_resp2()
    );
}

#[test]
fn a_replace_is_atomic() {
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    assert_eq!(
        run(&mut c, &["FUNCTION", "LOAD", LIB]),
        err("ERR Library 'mylib' already exists")
    );
    // A failing replacement leaves the old library.
    assert_eq!(
        run(
            &mut c,
            &["FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nreturn 1"]
        ),
        err("ERR No functions registered")
    );
    assert_eq!(run(&mut c, &["FCALL", "echo_key", "1", "k"]), bulk("k"));
    // Another library may not take a function's name.
    assert_eq!(
        run(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=other\nredis.register_function('Getter', function() end)"
            ]
        ),
        err("ERR Function Getter already exists")
    );
    assert_eq!(
        run(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "REPLACE",
                "#!lua name=mylib\nredis.register_function('v2', function() return 2 end)"
            ]
        ),
        bulk("mylib")
    );
    assert_eq!(run(&mut c, &["FCALL", "v2", "0"]), Reply::Integer(2));
    assert_eq!(
        run(&mut c, &["FCALL", "echo_key", "1", "k"]),
        err("ERR Function not found")
    );
}

#[test]
fn dump_and_restore_with_each_policy() {
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    let Reply::Bulk(payload) = run(&mut c, &["FUNCTION", "DUMP"]) else {
        panic!()
    };
    let payload = payload.to_vec();
    let restore = |c: &mut Connection, policy: Option<&str>| {
        let mut args: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", &payload];
        if let Some(p) = policy {
            args.push(p.as_bytes());
        }
        c.execute(&args)
    };
    assert_eq!(
        restore(&mut c, None),
        err("ERR Library mylib already exists")
    );
    assert_eq!(
        restore(&mut c, Some("APPEND")),
        err("ERR Library mylib already exists")
    );
    assert_eq!(restore(&mut c, Some("REPLACE")), Reply::ok());
    assert_eq!(restore(&mut c, Some("FLUSH")), Reply::ok());
    assert_eq!(
        restore(&mut c, Some("bogus")),
        err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    );
    assert_eq!(run(&mut c, &["FUNCTION", "FLUSH"]), Reply::ok());
    assert_eq!(run(&mut c, &["FUNCTION", "LIST"]), Reply::Array(vec![]));
    assert_eq!(restore(&mut c, None), Reply::ok());
    assert_eq!(run(&mut c, &["FCALL", "echo_key", "1", "x"]), bulk("x"));
    // A damaged payload changes nothing.
    let mut bad = payload.clone();
    bad[3] ^= 1;
    assert_eq!(
        c.execute(&[&b"FUNCTION"[..], b"RESTORE", &bad, b"FLUSH"]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    assert_eq!(
        run(&mut c, &["FUNCTION", "RESTORE", "short"]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    assert_eq!(run(&mut c, &["FCALL", "echo_key", "1", "x"]), bulk("x"));
    // A library whose function another library has.
    run(&mut c, &["FUNCTION", "DELETE", "mylib"]);
    run(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=taker\nredis.register_function('setter', function() end)",
        ],
    );
    assert_eq!(
        restore(&mut c, Some("REPLACE")),
        err("ERR Function setter already exists")
    );
    assert_eq!(
        run(&mut c, &["FUNCTION", "LIST", "LIBRARYNAME", "mylib"]),
        Reply::Array(vec![])
    );
}

#[test]
fn a_function_runs_atomically_and_can_be_killed() {
    let store = Store::new();
    let mut c = store.connection();
    run(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=slow\nredis.register_function{function_name='spin', flags={'no-writes'}, callback=function() while true do end end}",
        ],
    );
    run(&mut c, &["CONFIG", "SET", "busy-reply-threshold", "100"]);
    let s = store.clone();
    let spinner = std::thread::spawn(move || s.connection().execute(&["FCALL", "spin", "0"]));
    std::thread::sleep(Duration::from_millis(300));
    let mut other = store.connection();
    assert_eq!(
        run(&mut other, &["GET", "x"]),
        err(
            "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
        )
    );
    let stats = run(&mut other, &["FUNCTION", "STATS"]).into_resp2();
    let Reply::Array(top) = stats else { panic!() };
    let Reply::Array(running) = &top[1] else {
        panic!("{top:?}")
    };
    assert_eq!(running[1], bulk("spin"));
    assert_eq!(
        running[3],
        Reply::Array(vec![bulk("FCALL"), bulk("spin"), bulk("0")])
    );
    assert_eq!(
        run(&mut other, &["SCRIPT", "KILL"]),
        err(
            "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
        )
    );
    assert_eq!(run(&mut other, &["FUNCTION", "KILL"]), Reply::ok());
    let reply = spinner.join().unwrap();
    assert_eq!(
        reply,
        err("ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.")
    );
    assert_eq!(run(&mut other, &["GET", "x"]), Reply::Nil);
    assert_eq!(
        run(&mut other, &["FUNCTION", "KILL"]),
        err("NOTBUSY No scripts in execution right now.")
    );
}

#[test]
fn libraries_survive_a_snapshot() {
    let dir = temp_dir("rdb");
    let store = Store::builder().dir(&dir).open().unwrap();
    let mut c = store.connection();
    let changes = |c: &mut Connection| {
        let Reply::Bulk(info) = run(c, &["INFO", "persistence"]) else {
            panic!()
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        info.split("rdb_changes_since_last_save:").nth(1).unwrap()[..1].to_owned()
    };
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    // A library loaded is a change, as a key's is.
    assert_eq!(changes(&mut c), "1");
    run(&mut c, &["SET", "k", "v"]);
    store.save().unwrap();
    drop(c);
    drop(store);
    let store = Store::builder().dir(&dir).open().unwrap();
    // Saved again before anything touches the libraries: they stay in the file.
    store.save().unwrap();
    drop(store);
    let store = Store::builder().dir(&dir).open().unwrap();
    let mut c = store.connection();
    let Reply::Array(stats) = run(&mut c, &["FUNCTION", "STATS"]).into_resp2() else {
        panic!()
    };
    assert_eq!(
        stats[3],
        Reply::Array(vec![
            bulk("LUA"),
            Reply::Array(vec![
                bulk("libraries_count"),
                Reply::Integer(1),
                bulk("functions_count"),
                Reply::Integer(4),
            ]),
        ])
    );
    let Reply::Bulk(info) = run(&mut c, &["INFO", "memory"]) else {
        panic!()
    };
    assert!(String::from_utf8_lossy(&info).contains("number_of_functions:4\r\n"));
    assert_eq!(run(&mut c, &["FCALL", "getter", "1", "k"]), bulk("v"));
    let Reply::Array(libs) = run(&mut c, &["FUNCTION", "LIST", "WITHCODE"]) else {
        panic!()
    };
    assert_eq!(libs.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hostile library code and payloads: every one answered, none panics or hangs, and
/// the store keeps its libraries.
#[test]
fn hostile_libraries_and_payloads_are_answered() {
    use rand::{Rng, SeedableRng};
    let store = Store::new();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    let pieces = [
        "redis.register_function(",
        "function() end",
        ")",
        "{",
        "}",
        "'f'",
        ",",
        "=",
        "callback",
        "function_name",
        "flags",
        "{'no-writes'}",
        "local x = ",
        "redis",
        ".log",
        "(0, 'x')",
        "while false do end",
        "return",
        " ",
        "\n",
        "[[",
        "]]",
        "--",
        "\0",
        "error",
        "redis.register_function",
        "#!lua name=y\n",
        "1e400",
        "...",
        "nil",
        "..",
    ];
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    for _ in 0..300 {
        let mut code = String::from("#!lua name=h\n");
        for _ in 0..rng.gen_range(1..12) {
            code.push_str(pieces[rng.gen_range(0..pieces.len())]);
        }
        let reply = run(&mut c, &["FUNCTION", "LOAD", "REPLACE", &code]);
        assert!(
            matches!(&reply, Reply::Error(_) | Reply::Bulk(_)),
            "{code}: {reply:?}"
        );
        let mut payload: Vec<u8> = (0..rng.gen_range(0..40)).map(|_| rng.r#gen()).collect();
        if rng.gen_bool(0.5) {
            payload.insert(0, 245);
        }
        let reply = c.execute(&[&b"FUNCTION"[..], b"RESTORE", &payload]);
        assert!(matches!(reply, Reply::Error(_)), "{payload:?}: {reply:?}");
    }
    // Recursion at run time is an error reply, not a crash.
    run(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=deep\nlocal function f() return 1 + f() end\nredis.register_function('deep', function() return f() end)",
        ],
    );
    assert!(matches!(
        run(&mut c, &["FCALL", "deep", "0"]),
        Reply::Error(_)
    ));
    assert_eq!(run(&mut c, &["FCALL", "echo_key", "1", "k"]), bulk("k"));
}

/// A snapshot holding a library that does not load is refused, as Redis refuses it.
#[test]
fn a_snapshot_with_a_broken_library_does_not_open() {
    let dir = temp_dir("broken");
    let code = b"#!lua name=x\nreturn 1";
    let mut file = b"REDIS0010".to_vec();
    file.push(245);
    file.push(u8::try_from(code.len()).unwrap());
    file.extend_from_slice(code);
    file.push(255);
    file.extend([0; 8]);
    std::fs::write(dir.join("dump.rdb"), &file).unwrap();
    let e = Store::builder().dir(&dir).open().unwrap_err();
    assert!(
        e.to_string()
            .contains("Failed loading library, No functions registered"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn libraries_survive_the_log_and_its_rewrite() {
    for preamble in [true, false] {
        let dir = temp_dir(&format!("aof-{preamble}"));
        let open = || {
            Store::builder()
                .dir(&dir)
                .appendonly(true)
                .aof_use_rdb_preamble(preamble)
                .open()
                .unwrap()
        };
        let store = open();
        let mut c = store.connection();
        run(&mut c, &["FUNCTION", "LOAD", LIB]);
        run(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=gone\nredis.register_function('g', function() end)",
            ],
        );
        run(&mut c, &["FUNCTION", "DELETE", "gone"]);
        run(&mut c, &["FCALL", "setter", "1", "k", "v"]);
        // In a transaction, logged among its records.
        run(&mut c, &["MULTI"]);
        run(&mut c, &["SET", "t", "1"]);
        run(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=tx\nredis.register_function('tx', function() return 'tx' end)",
            ],
        );
        run(&mut c, &["EXEC"]);
        drop(c);
        drop(store);
        let log = std::fs::read(dir.join("appendonlydir/appendonly.aof.1.incr.aof")).unwrap();
        let wrapped = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nt\r\n$1\r\n1\r\n*3\r\n$8\r\nFUNCTION\r\n";
        assert!(
            log.windows(wrapped.len()).any(|w| w == wrapped),
            "{}",
            String::from_utf8_lossy(&log)
        );
        // Replayed.
        let store = open();
        let mut c = store.connection();
        assert_eq!(run(&mut c, &["FCALL", "getter", "1", "k"]), bulk("v"));
        assert_eq!(
            run(&mut c, &["FUNCTION", "LIST", "LIBRARYNAME", "gone"]),
            Reply::Array(vec![])
        );
        assert_eq!(run(&mut c, &["FCALL", "tx", "0"]), bulk("tx"));
        store.bgrewriteaof().unwrap().wait().unwrap();
        run(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=after\nredis.register_function('a', function() return 'a' end)",
            ],
        );
        drop(c);
        drop(store);
        // From the rewritten base, then the new increment.
        let store = open();
        let mut c = store.connection();
        assert_eq!(
            run(&mut c, &["FCALL", "getter", "1", "k"]),
            bulk("v"),
            "{preamble}"
        );
        assert_eq!(run(&mut c, &["FCALL", "a", "0"]), bulk("a"));
        drop(c);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The commands [`replies_match_redis`] runs on both.
const DIFFERENTIAL: &[&[&str]] = &[
    &["FUNCTION", "LOAD", LIB],
    &["FUNCTION", "LOAD", LIB],
    &["FUNCTION", "LIST", "LIBRARYNAME", "my*"],
    &["FUNCTION", "LIST", "LIBRARYNAME", "MY[K-M]IB"],
    &["FUNCTION", "LIST", "WITHCODE"],
    &["FUNCTION", "LIST", "LIBRARYNAME"],
    &["FUNCTION", "LIST", "bogus"],
    &["FUNCTION", "STATS"],
    &["FUNCTION", "DUMP"],
    &["FCALL", "setter", "1", "k", "v"],
    &["FCALL", "getter", "1", "k"],
    &["FCALL_RO", "setter", "1", "k", "v"],
    &["FCALL", "fail", "0"],
    &["FCALL", "nope", "0"],
    &["FCALL", "getter", "x"],
    &["FCALL"],
    &["FUNCTION"],
    &["FUNCTION", "BOGUS"],
    &["FUNCTION", "DELETE"],
    &["FUNCTION", "FLUSH", "now"],
    &["FUNCTION", "FLUSH", "a", "b"],
    &["FUNCTION", "RESTORE", "x", "FLUSH", "y"],
    &["FUNCTION", "RESTORE", "x", "nope"],
    &["FUNCTION", "RESTORE", "0123456789abc"],
    &["FUNCTION", "KILL"],
    &["FUNCTION", "HELP"],
    &["FUNCTION", "HELP", "x"],
    &["FUNCTION", "STATS", "x"],
    &["FUNCTION", "KILL", "x"],
    &["FUNCTION", "DUMP", "x"],
    &["FUNCTION", "LOAD"],
    &["FUNCTION", "RESTORE"],
    &["FUNCTION", "DELETE", "a", "b"],
    &["FCALL_RO", "x"],
    &["function", "list", "withcode", "libraryname", "nomatch"],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{function_name='g', callback=function() end, flags={'bogus'}}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function('g')",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{function_name=1}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{callback=function() end}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{function_name='n', callback=1}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{function_name='n', callback=function() end, flags=1}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.register_function('g', 2)",
    ],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=x\nredis.log(redis.LOG_WARNING, redis.REDIS_VERSION) redis.register_function('g', function() return 1 end)",
    ],
    &["FUNCTION", "LOAD", "#!lua name=x\nredis.setresp(3)"],
    &["FUNCTION", "DELETE", "x"],
    &[
        "FUNCTION",
        "LOAD",
        "#!lua name=t\nredis.register_function('t1', function(k, a) return {1, 'two', {3}, redis.status_reply('OK'), false, true} end) redis.register_function('t2', function(k, a) return redis.error_reply('MY err') end) redis.register_function('t3', function(k, a) return #k .. ':' .. #a .. ':' .. tostring(a[2]) end) redis.register_function('t4', function(k, a) return redis.pcall('incr', 'k') end) redis.register_function('t5', function(k, a) x = 1 end)",
    ],
    &["FCALL", "t1", "0"],
    &["FCALL", "t2", "0"],
    &["FCALL", "t3", "2", "a", "b", "c", "d"],
    &["FCALL", "t4", "0"],
    &["FCALL", "t5", "0"],
    &["FUNCTION", "DELETE", "mylib"],
    &["FUNCTION", "LIST"],
    &["EVAL", "return redis.call('fcall', 't3', 0)", "0"],
    &["MULTI"],
    &["FCALL", "t3", "0", "x"],
    &["FUNCTION", "DELETE", "t"],
    &["FCALL", "t3", "0"],
    &["EXEC"],
    &["FUNCTION", "FLUSH", "ASYNC"],
    &["FUNCTION", "STATS"],
];

/// Replies compared with Redis's: each command run on both, one library at a time
/// where a listing's order would be the server's hash order.
#[test]
fn replies_match_redis() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    for args in DIFFERENTIAL {
        let (ours, theirs) = (run(&mut c, args), redis.cmd(args));
        if args.len() >= 2 && args[1].eq_ignore_ascii_case("list") {
            assert_eq!(in_order(ours), in_order(theirs), "{args:?}");
        } else {
            assert_eq!(ours, theirs, "{args:?}");
        }
    }
}

/// A `FUNCTION LIST` reply with its libraries, and each library's functions, sorted:
/// Redis lists them in its hash tables' order, which its random hash seed decides.
fn in_order(reply: Reply) -> Reply {
    let Reply::Array(libraries) = reply else {
        return reply;
    };
    let key = |r: &Reply| format!("{r:?}");
    let mut libraries: Vec<Reply> = libraries
        .into_iter()
        .map(|library| match library {
            Reply::Array(mut fields) => {
                if let Some(Reply::Array(functions)) = fields.get_mut(5) {
                    functions.sort_by_key(|f| key(f));
                }
                Reply::Array(fields)
            }
            other => other,
        })
        .collect();
    libraries.sort_by_key(|l| key(l));
    Reply::Array(libraries)
}

/// The payload of a `FUNCTION DUMP` from Redis restores here, and ours there.
#[test]
fn dump_payloads_move_both_ways() {
    let Some(mut redis) = Redis::start() else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    let store = Store::new();
    let mut c = store.connection();
    assert_eq!(redis.cmd(&["FUNCTION", "LOAD", LIB]), bulk("mylib"));
    let Reply::Bulk(theirs) = redis.cmd(&["FUNCTION", "DUMP"]) else {
        panic!()
    };
    assert_eq!(
        c.execute(&[&b"FUNCTION"[..], b"RESTORE", &theirs]),
        Reply::ok()
    );
    let Reply::Bulk(ours) = run(&mut c, &["FUNCTION", "DUMP"]) else {
        panic!()
    };
    assert_eq!(ours, theirs);
    assert_eq!(
        redis.cmd(&[&b"FUNCTION"[..], b"RESTORE", &ours, b"REPLACE"]),
        Reply::ok()
    );
}

/// A snapshot Redis wrote with libraries opens here; saved here, it loads in Redis.
#[test]
fn snapshots_with_libraries_move_both_ways() {
    let theirs = temp_dir("theirs");
    let Some(mut redis) = Redis::start_with(&["--dir", theirs.to_str().unwrap()]) else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    assert_eq!(redis.cmd(&["FUNCTION", "LOAD", LIB]), bulk("mylib"));
    assert_eq!(
        redis.cmd(&[
            "FUNCTION",
            "LOAD",
            "#!lua name=second\nredis.register_function('two', function() return 2 end)"
        ]),
        bulk("second")
    );
    assert_eq!(redis.cmd(&["SET", "k", "v"]), Reply::ok());
    assert_eq!(redis.cmd(&["SAVE"]), Reply::ok());
    let ours = temp_dir("ours");
    std::fs::copy(theirs.join("dump.rdb"), ours.join("dump.rdb")).unwrap();
    let store = Store::builder()
        .dir(&ours)
        .open()
        .expect("Redis's snapshot opens");
    let mut c = store.connection();
    assert_eq!(run(&mut c, &["FCALL", "getter", "1", "k"]), bulk("v"));
    assert_eq!(run(&mut c, &["FCALL", "two", "0"]), Reply::Integer(2));
    run(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=third\nredis.register_function('three', function() return 3 end)",
        ],
    );
    store.save().unwrap();
    drop(c);
    drop(store);
    let Some(mut again) = Redis::start_with(&["--dir", ours.to_str().unwrap()]) else {
        panic!("a second redis-server does not start");
    };
    assert_eq!(again.cmd(&["FCALL", "getter", "1", "k"]), bulk("v"));
    assert_eq!(again.cmd(&["FCALL", "two", "0"]), Reply::Integer(2));
    assert_eq!(again.cmd(&["FCALL", "three", "0"]), Reply::Integer(3));
    drop(again);
    drop(redis);
    let _ = std::fs::remove_dir_all(&theirs);
    let _ = std::fs::remove_dir_all(&ours);
}

/// A log written here with libraries loads in Redis.
#[test]
fn a_log_with_libraries_loads_in_redis() {
    let dir = temp_dir("aof-redis");
    let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    let mut c = store.connection();
    run(&mut c, &["FUNCTION", "LOAD", LIB]);
    run(&mut c, &["FCALL", "setter", "1", "k", "v"]);
    drop(c);
    drop(store);
    let Some(mut redis) =
        Redis::start_with(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"])
    else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    assert_eq!(redis.cmd(&["FCALL", "getter", "1", "k"]), bulk("v"));
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A log Redis wrote opens here: libraries in its base (after a rewrite, in the RDB
/// preamble) and in its increment (`FUNCTION LOAD` commands).
#[test]
fn a_log_redis_wrote_with_libraries_opens_here() {
    let dir = temp_dir("aof-from-redis");
    let Some(mut redis) =
        Redis::start_with(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"])
    else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    assert_eq!(redis.cmd(&["FUNCTION", "LOAD", LIB]), bulk("mylib"));
    assert_eq!(redis.cmd(&["FCALL", "setter", "1", "k", "v"]), Reply::ok());
    redis.cmd(&["BGREWRITEAOF"]);
    // The rewrite is over once Redis reports none in progress or scheduled.
    for _ in 0..500 {
        let Reply::Bulk(info) = redis.cmd(&["INFO", "persistence"]) else {
            panic!()
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        redis.cmd(&[
            "FUNCTION",
            "LOAD",
            "#!lua name=later\nredis.register_function('later', function() return 'l' end)"
        ]),
        bulk("later")
    );
    // Redis has written (not necessarily synced) every reply's change before replying.
    let store = Store::builder()
        .dir(&dir)
        .appendonly(true)
        .open()
        .expect("Redis's log opens");
    let mut c = store.connection();
    assert_eq!(run(&mut c, &["FCALL", "getter", "1", "k"]), bulk("v"));
    assert_eq!(run(&mut c, &["FCALL", "later", "0"]), bulk("l"));
    drop(c);
    drop(store);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

/// In cluster mode, against a one-node cluster-mode `redis-server` owning every slot:
/// a function's declared keys, the keys its commands touch, and its cluster flags.
#[test]
fn in_cluster_mode_functions_answer_as_in_redis() {
    let dir = temp_dir("cluster");
    let conf = dir.join("nodes.conf");
    let Some(mut redis) = Redis::start_with(&[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        conf.to_str().unwrap(),
        "--dir",
        dir.to_str().unwrap(),
    ]) else {
        eprintln!("skipped: redis-server is not available");
        return;
    };
    assert_eq!(
        redis.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]),
        Reply::ok()
    );
    let start = std::time::Instant::now();
    loop {
        let Reply::Bulk(info) = redis.cmd(&["CLUSTER", "INFO"]) else {
            panic!("CLUSTER INFO")
        };
        if info.starts_with(b"cluster_state:ok") {
            break;
        }
        assert!(start.elapsed().as_secs() < 10, "the cluster never came up");
        std::thread::sleep(Duration::from_millis(20));
    }
    let store = Store::builder().cluster_mode(true).build();
    let mut c = store.connection();
    let script: &[&[&str]] = &[
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=c\nredis.register_function('two', function(k) return {redis.call('get', k[1]), redis.call('get', k[2])} end) redis.register_function('inner', function(k) return {redis.call('get', 'a'), redis.call('get', 'b')} end) redis.register_function{function_name='cross', callback=function(k) return {redis.call('get', 'a'), redis.call('get', 'b')} end, flags={'allow-cross-slot-keys'}} redis.register_function{function_name='nc', callback=function(k) return 1 end, flags={'no-cluster'}}",
        ],
        &["FCALL", "two", "2", "a", "b"],
        &["FCALL", "two", "2", "{a}1", "{a}2"],
        &["FCALL", "inner", "0"],
        &["FCALL", "cross", "0"],
        &["FCALL", "nc", "0"],
        &["FCALL_RO", "nc", "0"],
        &["FUNCTION", "DELETE", "c"],
    ];
    for args in script {
        assert_eq!(run(&mut c, args), redis.cmd(args), "{args:?}");
    }
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}
