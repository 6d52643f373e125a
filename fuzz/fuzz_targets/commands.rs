//! Arbitrary argument vectors through `Connection::execute`, over a small key space
//! seeded with a value of every type (so wrong-type and overwrite paths are hit all the
//! time): command names from the command table, arguments from the hostile pool of
//! `tests/garbage.rs`, integers, and raw bytes. No input may panic or hang (a `CLIENT
//! PAUSE` lasts 1 ms); strings are
//! capped at 1 MiB so that valid huge offsets do not turn into slow allocations.
#![no_main]

use std::sync::LazyLock;

use arbitrary::{Result, Unstructured};
use embedis::{Connection, Reply, Store};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/hostile.rs"]
mod hostile;

const KEYS: [&str; 9] = ["k", "k1", "l", "s", "z", "h", "x", "p", "g"];

/// Every command name the table knows (but `QUIT`, and `SAVE`, `BGSAVE` and
/// `BGREWRITEAOF`, which write and sync files in the working directory on every pick — the
/// background ones on a thread that may outlive the input, which the leak check takes
/// for a leak; tests/persistence.rs and tests/aof.rs cover them;
/// and the commands that run Lua, since arbitrary code may loop forever, as it may on
/// Redis: tests/scripting.rs and the differential tests cover them).
static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut c = Store::new().connection();
    let Reply::Array(names) = c.execute(&["COMMAND", "LIST"]) else {
        panic!("COMMAND LIST answers an array");
    };
    let mut names: Vec<String> = names
        .into_iter()
        .filter_map(|n| match n {
            Reply::Bulk(b) => String::from_utf8(b.to_vec()).ok(),
            _ => None,
        })
        .filter(|n| {
            !matches!(
                n.as_str(),
                "quit"
                    | "save"
                    | "bgsave"
                    | "bgrewriteaof"
                    | "eval"
                    | "eval_ro"
                    | "evalsha"
                    | "evalsha_ro"
                    | "fcall"
                    | "fcall_ro"
                    | "function"
            )
        })
        .collect();
    names.sort();
    names
});

fn seed(c: &mut Connection) {
    for cmd in [
        &["SET", "k", "12"][..],
        &["SET", "k1", "abc"],
        &["RPUSH", "l", "a", "b", "1"],
        &["SADD", "s", "a", "1", "2"],
        &["ZADD", "z", "1", "a", "2", "b", "-inf", "c"],
        &["HSET", "h", "f", "v", "n", "1"],
        &["PFADD", "p", "a", "b", "c"],
        &["GEOADD", "g", "13.361389", "38.115556", "a", "15.087269", "37.502669", "b"],
        &["XADD", "x", "1-0", "f", "v"],
        &["XADD", "x", "2-0", "f", "w"],
        &["XGROUP", "CREATE", "x", "g", "0"],
        &["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "x", ">"],
    ] {
        c.execute(cmd);
    }
}

fn arg(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => KEYS[u.choose_index(KEYS.len())?].into(),
        1 => u.arbitrary::<i64>()?.to_string().into_bytes(),
        2 => {
            let len = u.int_in_range(0..=64usize)?;
            u.bytes(len)?.to_vec()
        }
        _ => hostile::NASTY[u.choose_index(hostile::NASTY.len())?].into(),
    })
}

fn run(data: &[u8]) -> Result<()> {
    let store = Store::builder()
        .active_expiry(false)
        .max_string_size(1 << 20)
        .build();
    let mut c = store.connection();
    seed(&mut c);
    let mut u = Unstructured::new(data);
    while !u.is_empty() {
        let name = &NAMES[u.choose_index(NAMES.len())?];
        let mut args = vec![name.clone().into_bytes()];
        for _ in 0..u.int_in_range(0..=7u8)? {
            args.push(arg(&mut u)?);
        }
        // Blocking commands (and WAIT, and XREAD/XREADGROUP, which block with a BLOCK
        // option) would wait for real outside a transaction.
        let blocking = name.starts_with("bl")
            || name.starts_with("bz")
            || name == "brpop"
            || name == "brpoplpush"
            || name == "xread"
            || name == "xreadgroup"
            || name == "wait";
        if blocking {
            c.execute(&["MULTI"]);
        }
        // A CLIENT PAUSE holds every later command (UNPAUSE too) for real: 1 ms at most.
        if name == "client"
            && args
                .get(1)
                .is_some_and(|a| a.eq_ignore_ascii_case(b"pause"))
            && let Some(timeout) = args.get_mut(2)
        {
            *timeout = b"1".to_vec();
        }
        c.execute(&args);
        if blocking {
            c.execute(&["EXEC"]);
        }
    }
    c.execute(&["RESET"]);
    assert_eq!(c.execute(&["PING"]), Reply::Simple("PONG".into()));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
