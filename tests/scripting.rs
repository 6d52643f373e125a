//! Lua scripting (`EVAL`, `EVALSHA`, `SCRIPT`) in the situations applications use it:
//! a lock released by compare-and-delete, a token-bucket rate limiter, `redis::Script`
//! through the redis-rs drop-in, a busy script killed, atomicity against other
//! threads, and a script's writes as one change for WATCH, blocked callers, the log.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use embedis::{AppendFsync, Error, ManualClock, Reply, Store};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-scripting-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
";

#[test]
fn a_lock_is_released_only_by_its_owner() -> embedis::Result<()> {
    let store = Store::new();
    let mut conn = store.connection();
    assert_eq!(
        conn.execute(&["SET", "lock:job", "token-a", "NX", "PX", "30000"]),
        Reply::ok()
    );
    // A second owner cannot take it, nor release it.
    assert_eq!(
        conn.execute(&["SET", "lock:job", "token-b", "NX", "PX", "30000"]),
        Reply::Nil
    );
    assert_eq!(
        conn.execute(&["EVAL", RELEASE, "1", "lock:job", "token-b"]),
        Reply::Integer(0)
    );
    assert_eq!(store.strings().get("lock:job")?.unwrap(), "token-a");
    // The owner releases it through the cached script.
    let sha = store.scripts().load(RELEASE)?;
    assert_eq!(
        conn.execute(&["EVALSHA", &sha, "1", "lock:job", "token-a"]),
        Reply::Integer(1)
    );
    assert!(store.strings().get("lock:job")?.is_none());
    Ok(())
}

/// A token bucket in a hash: `tokens` refilled at `rate` per second up to `capacity`,
/// the time read with `TIME` (the store's clock).
const BUCKET: &str = r"
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or capacity
local ts = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local allowed = 0
if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000))
return allowed
";

#[test]
fn a_token_bucket_limits_a_burst_and_refills_with_time() -> embedis::Result<()> {
    let clock = ManualClock::at(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let store = Store::builder().clock(clock.clone()).build();
    let limit = || store.scripts().eval(BUCKET, ["rate:ann"], ["2", "5"]);
    let allowed: Vec<Reply> = (0..7).map(|_| limit()).collect::<Result<_, _>>()?;
    assert_eq!(
        allowed,
        [1, 1, 1, 1, 1, 0, 0].map(Reply::Integer).to_vec(),
        "a burst of five, then refused"
    );
    // Half a second refills one token at two per second.
    clock.advance(Duration::from_millis(500));
    assert_eq!(limit()?, Reply::Integer(1));
    assert_eq!(limit()?, Reply::Integer(0));
    // The bucket expires once it would be full again.
    assert_eq!(
        store.keys().pttl("rate:ann")?,
        embedis::Ttl::Expires(Duration::from_millis(2500))
    );
    clock.advance(Duration::from_millis(2501));
    assert_eq!(store.keys().exists(["rate:ann"])?, 0);
    Ok(())
}

#[test]
fn redis_rs_scripts_run_unchanged() -> redis::RedisResult<()> {
    let store = Store::new();
    let mut conn = store.connection();
    let script = redis::Script::new(
        "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('STRLEN', KEYS[1]) + tonumber(ARGV[2])",
    );
    // The first call finds no cached script (NOSCRIPT), loads it and runs it again.
    let n: i64 = script
        .key("greeting")
        .arg("hello")
        .arg(10)
        .invoke(&mut conn)?;
    assert_eq!(n, 15);
    let exists: Vec<bool> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(script.get_hash())
        .query(&mut conn)?;
    assert_eq!(exists, [true]);
    let v: String = redis::cmd("GET").arg("greeting").query(&mut conn)?;
    assert_eq!(v, "hello");
    // An error raised by the script is a redis-rs error with Redis's text.
    let failing = redis::Script::new("return redis.call('INCR', KEYS[1])");
    let err = failing
        .key("greeting")
        .invoke::<i64>(&mut conn)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("value is not an integer or out of range"),
        "{err}"
    );
    Ok(())
}

#[test]
fn a_busy_script_is_answered_busy_and_killed() {
    let store = Store::new();
    store
        .scripts()
        .set_busy_threshold(Duration::from_millis(50));
    let started = Arc::new(Barrier::new(2));
    let runner = {
        let store = store.clone();
        let started = Arc::clone(&started);
        thread::spawn(move || {
            let mut conn = store.connection();
            started.wait();
            conn.execute(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"])
        })
    };
    started.wait();
    let mut other = store.connection();
    // Until the script runs, FUNCTION KILL finds nothing to refuse.
    while other.execute(&["FUNCTION", "KILL"]).to_string()
        == "(error) NOTBUSY No scripts in execution right now."
    {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        other.execute(&["FUNCTION", "KILL"]).to_string(),
        "(error) BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    // Past the threshold, another caller's command is refused, not queued forever.
    let busy = loop {
        match other.execute(&["GET", "k"]) {
            Reply::Error(e) => break e,
            _ => thread::sleep(Duration::from_millis(5)),
        }
    };
    assert_eq!(
        &busy[..],
        b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    assert_eq!(other.execute(&["SCRIPT", "KILL"]), Reply::ok());
    let Reply::Error(killed) = runner.join().unwrap() else {
        panic!("the script was not killed")
    };
    let killed = String::from_utf8_lossy(&killed).into_owned();
    assert!(
        killed.starts_with("ERR Script killed by user with SCRIPT KILL... script: "),
        "{killed}"
    );
    // Nothing runs now.
    assert_eq!(
        other.execute(&["SCRIPT", "KILL"]).to_string(),
        "(error) NOTBUSY No scripts in execution right now."
    );
    assert_eq!(other.execute(&["GET", "k"]), Reply::Nil);
}

#[test]
fn a_script_that_wrote_cannot_be_killed_and_a_pcall_cannot_swallow_a_kill() {
    let store = Store::new();
    store
        .scripts()
        .set_busy_threshold(Duration::from_millis(20));
    let runner = {
        let store = store.clone();
        thread::spawn(move || {
            store.scripts().eval(
                "redis.call('SET', 'written', '1') local i = 0 while i < 20000000 do i = i + 1 end return i",
                [""; 0],
                [""; 0],
            )
        })
    };
    let mut other = store.connection();
    while !matches!(other.execute(&["PING"]), Reply::Error(_)) {
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(
        other.execute(&["SCRIPT", "KILL"]).to_string(),
        "(error) UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    );
    assert_eq!(runner.join().unwrap().unwrap(), Reply::Integer(20_000_000));
    assert_eq!(other.execute(&["GET", "written"]), Reply::from("1"));

    // A script catching errors with pcall is still stopped.
    let runner = {
        let store = store.clone();
        thread::spawn(move || {
            store.scripts().eval(
                "while true do pcall(function() local i = 0 while true do i = i + 1 end end) end",
                [""; 0],
                [""; 0],
            )
        })
    };
    while !matches!(other.execute(&["PING"]), Reply::Error(_)) {
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(other.execute(&["SCRIPT", "KILL"]), Reply::ok());
    let err = runner.join().unwrap().unwrap_err();
    assert!(
        err.to_string()
            .contains("Script killed by user with SCRIPT KILL..."),
        "{err}"
    );
}

#[test]
fn no_command_of_another_thread_runs_between_a_scripts_calls() {
    let store = Store::new();
    store.strings().set("a", "0").unwrap();
    store.strings().set("b", "0").unwrap();
    // Scripts move one unit from a to b, one call at a time; readers must always see
    // a + b == 0.
    let movers: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            thread::spawn(move || {
                for _ in 0..300 {
                    store
                        .scripts()
                        .eval(
                            "redis.call('DECR', 'a') redis.call('INCR', 'b')",
                            [""; 0],
                            [""; 0],
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let store = store.clone();
        thread::spawn(move || {
            let mut conn = store.connection();
            for _ in 0..600 {
                let Reply::Array(v) = conn.execute(&["MGET", "a", "b"]) else {
                    panic!()
                };
                let n = |r: &Reply| match r {
                    Reply::Bulk(b) => std::str::from_utf8(b).unwrap().parse::<i64>().unwrap(),
                    _ => panic!(),
                };
                assert_eq!(n(&v[0]) + n(&v[1]), 0, "a script was seen half done");
            }
        })
    };
    for m in movers {
        m.join().unwrap();
    }
    reader.join().unwrap();
    assert_eq!(store.strings().get("b").unwrap().unwrap(), "600");
}

#[test]
fn a_scripts_writes_are_one_change_for_watch_and_blocked_callers() {
    let store = Store::new();
    let mut watcher = store.connection();
    assert_eq!(watcher.execute(&["WATCH", "counter"]), Reply::ok());
    store
        .scripts()
        .eval("return redis.call('INCR', KEYS[1])", ["counter"], [""; 0])
        .unwrap();
    watcher.execute(&["MULTI"]);
    watcher.execute(&["SET", "counter", "100"]);
    assert_eq!(
        watcher.execute(&["EXEC"]),
        Reply::NilArray,
        "WATCH saw the script"
    );

    // A caller blocked on a list is served what a script pushed.
    let waiter = {
        let store = store.clone();
        thread::spawn(move || store.connection().execute(&["BLPOP", "jobs", "5"]))
    };
    while store.info().blocked_clients == 0 {
        thread::sleep(Duration::from_millis(2));
    }
    store
        .scripts()
        .eval(
            "redis.call('RPUSH', KEYS[1], 'job-1') return 1",
            ["jobs"],
            [""; 0],
        )
        .unwrap();
    assert_eq!(
        waiter.join().unwrap(),
        Reply::Array(vec!["jobs".into(), "job-1".into()])
    );
}

#[test]
fn blocking_commands_in_a_script_answer_at_once_and_some_are_refused() {
    let store = Store::new();
    let mut conn = store.connection();
    assert_eq!(
        conn.execute(&[
            "EVAL",
            "return redis.call('BLMPOP', 10, 1, 'none', 'LEFT')",
            "0"
        ]),
        Reply::Nil
    );
    let Reply::Error(e) = conn.execute(&["EVAL", "return redis.call('BLPOP', 'l', 0)", "0"]) else {
        panic!()
    };
    assert!(e.starts_with(b"ERR This Redis command is not allowed from script script: "));
}

#[test]
fn scripts_run_inside_multi_and_select_only_changes_the_scripts_database() {
    let store = Store::new();
    let mut conn = store.connection();
    conn.execute(&["MULTI"]);
    conn.execute(&["SET", "k", "1"]);
    conn.execute(&[
        "EVAL",
        "redis.call('SELECT', 3) redis.call('SET', 'k', 'in-3') return redis.call('INCR', 'n')",
        "0",
    ]);
    conn.execute(&["GET", "k"]);
    assert_eq!(
        conn.execute(&["EXEC"]),
        Reply::Array(vec![Reply::ok(), Reply::Integer(1), Reply::from("1")])
    );
    assert_eq!(
        store.db(3).unwrap().strings().get("k").unwrap().unwrap(),
        "in-3"
    );
    assert_eq!(
        store.db(3).unwrap().strings().get("n").unwrap().unwrap(),
        "1"
    );
    assert_eq!(conn.db(), 0);
}

#[test]
fn a_scripts_effects_are_logged_and_replayed() {
    let dir = temp_dir("aof");
    {
        let store = Store::builder()
            .dir(&dir)
            .appendonly(true)
            .appendfsync(AppendFsync::Always)
            .open()
            .unwrap();
        // Random and time-dependent choices are logged by their effect.
        store
            .scripts()
            .eval(
                "redis.call('SADD', 's', 'a', 'b', 'c') local m = redis.call('SPOP', 's') redis.call('SET', 'popped', m) redis.call('EXPIRE', 'popped', 100) return m",
                [""; 0],
                [""; 0],
            )
            .unwrap();
    }
    let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    let popped = store.strings().get("popped").unwrap().unwrap();
    assert_eq!(store.sets().scard("s").unwrap(), 2);
    assert!(!store.sets().sismember("s", &popped[..]).unwrap());
    assert!(matches!(
        store.keys().ttl("popped").unwrap(),
        embedis::Ttl::Expires(t) if t > Duration::from_secs(90)
    ));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cluster_mode_refuses_a_script_touching_two_slots() {
    let store = Store::builder().cluster_mode(true).build();
    let mut conn = store.connection();
    // Declared keys of two slots: refused before it runs.
    assert_eq!(
        conn.execute(&["EVAL", "return 1", "2", "a", "b"])
            .to_string(),
        "(error) CROSSSLOT Keys in request don't hash to the same slot"
    );
    // A script with flags may not reach keys of another slot than its first.
    let Reply::Error(e) = conn.execute(&[
        "EVAL",
        "#!lua\nredis.call('SET', '{u1}a', 1) return redis.call('SET', '{u2}b', 1)",
        "0",
    ]) else {
        panic!()
    };
    assert!(
        e.starts_with(b"ERR Script attempted to access keys that do not hash to the same slot"),
        "{}",
        String::from_utf8_lossy(&e)
    );
    let Reply::Error(e) = conn.execute(&["EVAL", "#!lua flags=no-cluster\nreturn 1", "0"]) else {
        panic!()
    };
    assert_eq!(
        &e[..],
        b"ERR Can not run script on cluster, 'no-cluster' flag is set."
    );
}

#[test]
fn the_script_cache_is_per_store_and_flushed() {
    let a = Store::new();
    let b = Store::new();
    let sha = a.scripts().load("return 'x'").unwrap();
    assert_eq!(a.scripts().exists([&sha]).unwrap(), [true]);
    assert_eq!(b.scripts().exists([&sha]).unwrap(), [false]);
    assert!(matches!(
        b.scripts().evalsha(&sha, [""; 0], [""; 0]),
        Err(Error::Script(e)) if &*e == "NOSCRIPT No matching script. Please use EVAL."
    ));
    a.scripts().flush().unwrap();
    assert_eq!(a.scripts().exists([&sha]).unwrap(), [false]);
}

#[test]
fn introspection_inside_a_script_does_not_wait_for_the_script() {
    let store = Store::new();
    store.scripts().load("return 1").unwrap();
    let info = store
        .scripts()
        .eval("return redis.call('INFO', 'memory')", [""; 0], [""; 0])
        .unwrap();
    let Reply::Bulk(text) = info else { panic!() };
    assert!(String::from_utf8_lossy(&text).contains("number_of_cached_scripts:"));
    // Outside a script the figures are current.
    let mut conn = store.connection();
    let Reply::Bulk(text) = conn.execute(&["INFO", "memory"]) else {
        panic!()
    };
    assert!(String::from_utf8_lossy(&text).contains("number_of_cached_scripts:2"));
}

#[test]
fn over_the_memory_limit_a_script_is_stopped_before_its_first_write_only() {
    let store = Store::new();
    let mut conn = store.connection();
    conn.execute(&["SET", "filler", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
    conn.execute(&["CONFIG", "SET", "maxmemory", "1"]);
    let oom = "OOM command not allowed when used memory > 'maxmemory'.";
    // A script with flags that may write is refused whole; `no-writes` runs.
    assert_eq!(
        conn.execute(&["EVAL", "#!lua\nreturn 1", "0"]).to_string(),
        format!("(error) {oom}")
    );
    assert_eq!(
        conn.execute(&["EVAL", "#!lua flags=no-writes\nreturn 1", "0"]),
        Reply::Integer(1)
    );
    // `allow-oom` lets its writes grow memory.
    assert_eq!(
        conn.execute(&[
            "EVAL",
            "#!lua flags=allow-oom\nreturn redis.call('SET', 'a', 'b')",
            "0"
        ]),
        Reply::ok()
    );
    // Without flags, the first memory-growing write is refused; after a write, none is.
    let Reply::Error(e) = conn.execute(&["EVAL", "return redis.call('SET', 'c', 'd')", "0"]) else {
        panic!()
    };
    assert!(e.starts_with(oom.as_bytes()));
    assert_eq!(
        conn.execute(&[
            "EVAL",
            "redis.call('DEL', 'nothing') return redis.call('SET', 'c', 'd')",
            "0"
        ]),
        Reply::ok()
    );
    // The store's own commands are refused again after the script.
    assert_eq!(
        conn.execute(&["SET", "e", "f"]).to_string(),
        format!("(error) {oom}")
    );
}

#[test]
fn keys_do_not_expire_while_a_script_runs() {
    let clock = ManualClock::at(std::time::UNIX_EPOCH + Duration::from_secs(1_000));
    let store = Store::builder().clock(clock.clone()).build();
    store
        .strings()
        .set_with(
            "session",
            "v",
            embedis::SetOptions::new().ttl(Duration::from_secs(5)),
        )
        .unwrap();
    let script = {
        let store = store.clone();
        // Reads the key, waits until the clock is past its deadline, reads it again.
        thread::spawn(move || {
            store.scripts().eval(
                "local a = redis.call('GET', KEYS[1]) \
                 while tonumber(redis.call('TIME')[1]) < 1010 do end \
                 return {a, redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[1])}",
                ["session"],
                [""; 0],
            )
        })
    };
    // Once other callers are answered BUSY, the script is surely running.
    store.scripts().set_busy_threshold(Duration::from_millis(1));
    let mut other = store.connection();
    while !matches!(other.execute(&["PING"]), Reply::Error(_)) {
        thread::sleep(Duration::from_millis(1));
    }
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        script.join().unwrap().unwrap(),
        Reply::Array(vec!["v".into(), "v".into(), Reply::Integer(1)])
    );
    assert!(store.strings().get("session").unwrap().is_none());
}

#[test]
fn error_replies_stay_one_line_and_functions_lack_evals_extras() {
    let store = Store::new();
    let mut conn = store.connection();
    assert_eq!(
        conn.execute(&["EVAL", "return redis.error_reply('x\\ny')", "0"]),
        Reply::Error("ERR x y".into())
    );
    assert_eq!(
        conn.execute(&["EVAL", "return {err='p\\r\\nq'}", "0"]),
        Reply::Error("p  q".into())
    );
    assert_eq!(
        conn.execute(&["EVAL", "return redis.replicate_commands()", "0"]),
        Reply::Integer(1)
    );
    // Functions have the shared API only, as in Redis.
    conn.execute(&[
        "FUNCTION",
        "LOAD",
        "#!lua name=l\nredis.register_function('f', function() return {type(redis.replicate_commands), type(redis.debug), type(redis.call)} end)",
    ]);
    assert_eq!(
        conn.execute(&["FCALL", "f", "0"]),
        Reply::Array(vec!["nil".into(), "nil".into(), "function".into()])
    );
}
