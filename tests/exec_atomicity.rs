//! `MULTI` … `EXEC` is atomic to every other thread whatever the queue holds: key
//! commands, whole-database commands, `SELECT`, `MOVE`, `COPY … DB`, `SWAPDB`,
//! `FLUSHDB`, `INFO`, `CONFIG`, `OBJECT`. Each scenario runs a writer looping a queue
//! that increments a counter twice around the command under test, while a reader
//! checks that it never sees the counter odd (half a transaction).

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use embedis::{Reply, Store};

const ROUNDS: usize = 2_000;
const ROUNDS_I64: i64 = 2_000;

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec().into())
}

/// Runs `queue` (between `MULTI` and `EXEC`) `ROUNDS` times on one thread while
/// another reads `x` in database 0, and fails if the reader ever sees it odd. Returns
/// the last `EXEC` reply.
fn never_half_applied(store: &Store, queue: &[&[&str]]) -> Reply {
    let done = AtomicBool::new(false);
    let last = thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut conn = store.connection();
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                match conn.execute(&["GET", "x"]) {
                    Reply::Bulk(v) => {
                        let n: i64 = std::str::from_utf8(&v).unwrap().parse().unwrap();
                        assert_eq!(n % 2, 0, "saw half a transaction: x = {n}");
                    }
                    Reply::Nil => {}
                    other => panic!("GET x answered {other:?}"),
                }
                reads += 1;
            }
            reads
        });
        let mut conn = store.connection();
        let mut last = Reply::Nil;
        for _ in 0..ROUNDS {
            assert_eq!(conn.execute(&["MULTI"]), Reply::ok());
            assert_eq!(conn.execute(&["INCR", "x"]), Reply::Simple("QUEUED".into()));
            for args in queue {
                assert_eq!(
                    conn.execute(args),
                    Reply::Simple("QUEUED".into()),
                    "{args:?}"
                );
            }
            assert_eq!(conn.execute(&["INCR", "x"]), Reply::Simple("QUEUED".into()));
            last = conn.execute(&["EXEC"]);
            assert!(matches!(last, Reply::Array(_)), "{last:?}");
        }
        done.store(true, Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        last
    });
    let x = store.strings().get("x").unwrap().unwrap();
    assert_eq!(x, (2 * ROUNDS).to_string().as_str());
    last
}

#[test]
fn a_queue_with_dbsize_is_atomic() {
    let store = Store::new();
    let last = never_half_applied(&store, &[&["DBSIZE"]]);
    assert_eq!(
        last,
        Reply::Array(vec![
            Reply::Integer(2 * ROUNDS_I64 - 1),
            Reply::Integer(1),
            Reply::Integer(2 * ROUNDS_I64),
        ])
    );
}

#[test]
fn a_queue_with_keys_scan_randomkey_info_config_and_object_is_atomic() {
    let store = Store::new();
    never_half_applied(
        &store,
        &[
            &["KEYS", "*"],
            &["SCAN", "0"],
            &["RANDOMKEY"],
            &["INFO", "keyspace"],
            &["CONFIG", "GET", "maxmemory"],
            &["OBJECT", "ENCODING", "x"],
        ],
    );
}

#[test]
fn a_queue_that_selects_another_database_is_atomic() {
    let store = Store::new();
    let last = never_half_applied(
        &store,
        &[&["SELECT", "1"], &["INCR", "y"], &["SELECT", "0"]],
    );
    // The queue's SELECT applied to the commands after it, and the connection ends
    // where the queue left it.
    assert_eq!(
        store.db(1).unwrap().strings().get("y").unwrap().unwrap(),
        ROUNDS.to_string().as_str()
    );
    assert_eq!(store.strings().get("y").unwrap(), None);
    let Reply::Array(replies) = last else {
        panic!()
    };
    assert_eq!(replies[1], Reply::ok());
    assert_eq!(replies[2], Reply::Integer(ROUNDS_I64));
}

#[test]
fn a_queue_that_flushes_another_database_is_atomic() {
    let store = Store::new();
    store.db(2).unwrap().strings().set("junk", "1").unwrap();
    never_half_applied(
        &store,
        &[
            &["SELECT", "2"],
            &["SET", "junk", "1"],
            &["FLUSHDB"],
            &["SELECT", "0"],
        ],
    );
    assert_eq!(store.db(2).unwrap().keys().dbsize().unwrap(), 0);
}

#[test]
fn a_queue_with_swapdb_is_atomic() {
    let store = Store::new();
    // Two swaps put database 0 back where it was, so the reader of db 0 keeps seeing x.
    never_half_applied(&store, &[&["SWAPDB", "0", "5"], &["SWAPDB", "0", "5"]]);
}

#[test]
fn move_and_copy_to_another_database_work_inside_multi() {
    let store = Store::new();
    let mut conn = store.connection();
    conn.execute(&["SET", "a", "1"]);
    conn.execute(&["MULTI"]);
    conn.execute(&["MOVE", "a", "3"]);
    conn.execute(&["COPY", "b", "c", "DB", "4"]);
    conn.execute(&["SET", "b", "2"]);
    conn.execute(&["COPY", "b", "c", "DB", "4"]);
    conn.execute(&["SELECT", "3"]);
    conn.execute(&["GET", "a"]);
    assert_eq!(
        conn.execute(&["EXEC"]),
        Reply::Array(vec![
            Reply::Integer(1),
            Reply::Integer(0),
            Reply::ok(),
            Reply::Integer(1),
            Reply::ok(),
            bulk("1"),
        ])
    );
    assert_eq!(conn.db(), 3);
    assert_eq!(store.strings().get("a").unwrap(), None);
    assert_eq!(
        store.db(4).unwrap().strings().get("c").unwrap().unwrap(),
        "2"
    );
}

#[test]
fn a_queue_that_moves_and_copies_is_atomic() {
    let store = Store::new();
    never_half_applied(
        &store,
        &[
            &["SET", "m", "v"],
            &["MOVE", "m", "7"],
            &["COPY", "x", "x", "DB", "8", "REPLACE"],
            &["SELECT", "7"],
            &["DEL", "m"],
            &["SELECT", "0"],
        ],
    );
    // The copy in database 8 holds the value x had half-way through the last queue.
    assert_eq!(
        store.db(8).unwrap().strings().get("x").unwrap().unwrap(),
        (2 * ROUNDS - 1).to_string().as_str()
    );
}

#[test]
fn watch_is_checked_under_the_locks_that_run_the_queue() {
    // Two clients each WATCH x, read it, and queue SET x (read + 1) with a DBSIZE (a
    // whole-database queue): exactly the commits that saw no change succeed, so no
    // increment is lost.
    let store = Store::new();
    store.strings().set("x", "0").unwrap();
    let committed: usize = thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = store.connection();
                    let mut ok = 0;
                    for _ in 0..1_000 {
                        conn.execute(&["WATCH", "x"]);
                        let Reply::Bulk(v) = conn.execute(&["GET", "x"]) else {
                            panic!()
                        };
                        let n: i64 = std::str::from_utf8(&v).unwrap().parse().unwrap();
                        conn.execute(&["MULTI"]);
                        conn.execute(&["SET", "x", &(n + 1).to_string()]);
                        conn.execute(&["DBSIZE"]);
                        if conn.execute(&["EXEC"]) != Reply::NilArray {
                            ok += 1;
                        }
                    }
                    ok
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let x = store.strings().get("x").unwrap().unwrap();
    assert_eq!(x, committed.to_string().as_str());
    // A round fails only when the other client committed since its WATCH, and one
    // commit can fail at most one round of the other: failures <= commits, so at least
    // half of the 2000 rounds commit.
    assert!(
        committed >= 1_000,
        "only {committed} of 2000 rounds committed"
    );
}

#[test]
fn exec_is_refused_whole_when_over_the_memory_limit() {
    let store = Store::new();
    store.strings().set("big", [b'x'; 1000]).unwrap();
    let mut conn = store.connection();
    conn.execute(&["MULTI"]);
    assert_eq!(
        conn.execute(&["SET", "k", "v"]),
        Reply::Simple("QUEUED".into())
    );
    // The limit bites after queuing: EXEC checks again, as Redis does.
    store.set_max_memory(1);
    assert_eq!(
        conn.execute(&["EXEC"]),
        Reply::Error(
            "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.".into()
        )
    );
    assert_eq!(store.strings().get("k").unwrap(), None);
}
