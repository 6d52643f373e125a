//! The async redis-rs drop-in: code written for redis-rs's async connections
//! (`AsyncCommands`, `pipe().query_async`, `Script::invoke_async`) on an in-process
//! store, with blocking commands that await instead of holding a thread.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use embedis::{AsyncConnection, Store};
use redis::{AsyncCommands, RedisResult};

mod common;
use common::{PROMPTLY, WORKLOAD};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// An application function, as it would be written for `MultiplexedConnection`: a
/// visit counter with a session hash and a leaderboard.
async fn app<C: redis::aio::ConnectionLike + Send>(
    con: &mut C,
) -> RedisResult<(i64, Vec<(String, f64)>)> {
    let visits: i64 = redis::cmd("INCR").arg("visits").query_async(con).await?;
    redis::pipe()
        .atomic()
        .hset("session:1", "user", "ann")
        .expire("session:1", 1200)
        .ignore()
        .zadd("board", "ann", 31)
        .zadd("board", "bob", 12)
        .query_async::<()>(con)
        .await?;
    let top: Vec<(String, f64)> = redis::cmd("ZREVRANGE")
        .arg("board")
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(con)
        .await?;
    Ok((visits, top))
}

#[test]
fn application_code_runs_unchanged() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut con = store.async_connection();
        let (visits, top) = app(&mut con).await?;
        assert_eq!(visits, 1);
        assert_eq!(top, [("ann".to_string(), 31.0), ("bob".to_string(), 12.0)]);
        let () = con.set_ex("page", "<html>", 5).await?;
        let ttl: i64 = con.ttl("page").await?;
        assert_eq!(ttl, 5);
        let user: String = con.hget("session:1", "user").await?;
        assert_eq!(user, "ann");
        let err = con.lpush::<_, _, i64>("page", "x").await.unwrap_err();
        assert_eq!(err.code(), Some("WRONGTYPE"));
        // A script, as redis::Script runs it (EVALSHA, then EVAL when not cached).
        let script = redis::Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        let n: i64 = script.key("visits").arg(10).invoke_async(&mut con).await?;
        assert_eq!(n, 11);
        Ok::<(), redis::RedisError>(())
    })?;
    assert_eq!(store.strings().get("visits").unwrap().unwrap(), "11");
    Ok(())
}

#[test]
fn a_blpop_awaits_while_another_task_pushes_on_one_thread() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut consumer = store.async_connection();
        let waiting = tokio::spawn(async move {
            consumer
                .blpop::<_, Option<(String, String)>>("jobs", 0.0)
                .await
        });
        while store.blocked_clients() == 0 {
            tokio::task::yield_now().await;
        }
        let mut producer = store.async_connection();
        let _: i64 = producer.rpush("jobs", "job-1").await?;
        let got = tokio::time::timeout(PROMPTLY, waiting).await;
        let got = got.expect("woken").expect("the task ran")?;
        assert_eq!(got, Some(("jobs".to_string(), "job-1".to_string())));
        Ok(())
    })
}

#[test]
fn a_blocking_timeout_answers_nil_without_a_runtime_timer() -> RedisResult<()> {
    let store = Store::new();
    // A runtime without its time driver: the store's own sweeper ends the wait.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut con = store.async_connection();
        let start = Instant::now();
        let got: Option<(String, String)> = con.brpop("none", 0.05).await?;
        assert_eq!(got, None);
        assert!(start.elapsed() >= Duration::from_millis(50));
        let got: Option<String> = redis::cmd("BLMOVE")
            .arg(&["none", "dst", "LEFT", "RIGHT", "0.01"])
            .query_async(&mut con)
            .await?;
        assert_eq!(got, None);
        let got: Option<(String, String, f64)> = con.bzpopmin("none", 0.01).await?;
        assert_eq!(got, None);
        Ok(())
    })
}

#[test]
fn client_unblock_wakes_an_awaiting_call() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut consumer = store.async_connection();
        let id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut consumer)
            .await?;
        let mut admin = store.async_connection();
        let mut replies = Vec::new();
        for how in ["TIMEOUT", "ERROR"] {
            let waiting = tokio::spawn(async move {
                let got: RedisResult<Option<(String, String)>> = consumer.blpop("q", 0.0).await;
                (consumer, got)
            });
            while store.blocked_clients() == 0 {
                tokio::task::yield_now().await;
            }
            let n: i64 = redis::cmd("CLIENT")
                .arg(&["UNBLOCK", &id.to_string(), how])
                .query_async(&mut admin)
                .await?;
            assert_eq!(n, 1);
            let (back, got) = tokio::time::timeout(PROMPTLY, waiting)
                .await
                .expect("woken")
                .unwrap();
            consumer = back;
            replies.push(got);
        }
        assert_eq!(replies[0].as_ref().unwrap(), &None);
        assert_eq!(replies[1].as_ref().unwrap_err().code(), Some("UNBLOCKED"));
        assert_eq!(store.blocked_clients(), 0);
        Ok(())
    })
}

#[test]
fn stream_reads_block_as_futures() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut reader = store.async_connection();
        let waiting = tokio::spawn(async move {
            redis::cmd("XREAD")
                .arg(&["BLOCK", "0", "STREAMS", "events", "$"])
                .query_async::<redis::Value>(&mut reader)
                .await
        });
        while store.blocked_clients() == 0 {
            tokio::task::yield_now().await;
        }
        let mut writer = store.async_connection();
        let _: String = redis::cmd("XADD")
            .arg(&["events", "*", "kind", "login"])
            .query_async(&mut writer)
            .await?;
        let read = tokio::time::timeout(PROMPTLY, waiting)
            .await
            .expect("woken")
            .unwrap()?;
        let text = format!("{read:?}");
        assert!(text.contains("login"), "{text}");
        Ok(())
    })
}

#[test]
fn clones_are_connections_of_their_own_on_the_same_database() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut con: AsyncConnection = store.async_connection();
        redis::cmd("SELECT")
            .arg(3)
            .query_async::<()>(&mut con)
            .await?;
        redis::cmd("HELLO")
            .arg(3)
            .query_async::<redis::Value>(&mut con)
            .await?;
        redis::cmd("CLIENT")
            .arg(&["SETNAME", "web"])
            .query_async::<()>(&mut con)
            .await?;
        let mut other = con.clone();
        // The same protocol (a map in RESP3) and name.
        let () = other.hset("h", "f", "v").await?;
        let map: redis::Value = redis::cmd("HGETALL")
            .arg("h")
            .query_async(&mut other)
            .await?;
        assert!(matches!(map, redis::Value::Map(_)), "{map:?}");
        let name: String = redis::cmd("CLIENT")
            .arg("GETNAME")
            .query_async(&mut other)
            .await?;
        assert_eq!(name, "web");
        assert_eq!(redis::aio::ConnectionLike::get_db(&other), 3);
        let () = other.set("k", "v").await?;
        let got: String = con.get("k").await?;
        assert_eq!(got, "v");
        let a: i64 = redis::cmd("CLIENT").arg("ID").query_async(&mut con).await?;
        let b: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut other)
            .await?;
        assert_ne!(a, b);
        Ok::<(), redis::RedisError>(())
    })?;
    assert_eq!(
        store.db(3).unwrap().strings().get("k").unwrap().unwrap(),
        "v"
    );
    Ok(())
}

/// Workers on a multi-threaded runtime pop with BRPOP through their own connections,
/// giving up often (a runtime timeout shorter than the command's): each job is taken
/// exactly once.
#[test]
fn a_job_queue_on_a_multi_threaded_runtime_hands_each_job_out_once() {
    let store = Store::new();
    let jobs = 3_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_time()
        .build()
        .unwrap();
    let got = rt.block_on(async {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for w in 0..4u64 {
            let (mut con, done) = (store.async_connection(), done.clone());
            workers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut n = 0;
                while done.load(std::sync::atomic::Ordering::SeqCst) < jobs {
                    n += 1;
                    let patience = Duration::from_micros((n * 53 + w * 7) % 400);
                    let pop = con.brpop::<_, Option<(String, String)>>("jobs", 0.05);
                    if let Ok(got) = tokio::time::timeout(patience, pop).await
                        && let Some((_, job)) = got.unwrap()
                    {
                        mine.push(job);
                        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                mine
            }));
        }
        let mut producer = store.async_connection();
        for i in 0..jobs {
            let _: i64 = producer.lpush("jobs", i).await.unwrap();
            if i % 8 == 0 {
                tokio::task::yield_now().await;
            }
        }
        let all = async {
            let mut all = Vec::new();
            for w in workers {
                all.extend(w.await.unwrap());
            }
            all
        };
        tokio::time::timeout(WORKLOAD, all).await.expect("all done")
    });
    assert_eq!(got.len(), jobs);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), jobs);
    assert_eq!(store.lists().llen("jobs").unwrap(), 0);
}

/// A blocking command whose future is dropped (a runtime's timeout) leaves its client
/// as a client that is not blocked: `CLIENT LIST` shows no `b` flag and `CLIENT UNBLOCK`
/// finds nothing to unblock.
#[test]
fn a_dropped_blocking_command_leaves_its_client_unblocked() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut con = store.async_connection();
        let id: i64 = redis::cmd("CLIENT").arg("ID").query_async(&mut con).await?;
        let blpop = redis::cmd("BLPOP").arg(&["q", "0"]).clone();
        let pop = blpop.query_async::<redis::Value>(&mut con);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), pop)
                .await
                .is_err()
        );
        assert_eq!(store.blocked_clients(), 0);
        let mut admin = store.async_connection();
        let list: String = redis::cmd("CLIENT")
            .arg(&["LIST", "ID", &id.to_string()])
            .query_async(&mut admin)
            .await?;
        assert!(list.contains("flags=N "), "{list}");
        let n: i64 = redis::cmd("CLIENT")
            .arg(&["UNBLOCK", &id.to_string()])
            .query_async(&mut admin)
            .await?;
        assert_eq!(n, 0);
        // The connection goes on.
        let () = con.set("k", "v").await?;
        Ok(())
    })
}

/// `WAIT` with replicas asked for waits out its timeout; `CLIENT UNBLOCK` ends it with 0,
/// or with `ERROR` with Redis's error.
#[test]
fn wait_is_unblocked_as_redis_unblocks_it() -> RedisResult<()> {
    let store = Store::new();
    current_thread().block_on(async {
        let mut con = store.async_connection();
        let start = Instant::now();
        let n: i64 = redis::cmd("WAIT")
            .arg(&["1", "30"])
            .query_async(&mut con)
            .await?;
        assert_eq!(n, 0);
        assert!(start.elapsed() >= Duration::from_millis(30));
        let id: i64 = redis::cmd("CLIENT").arg("ID").query_async(&mut con).await?;
        let mut admin = store.async_connection();
        let mut replies = Vec::new();
        for how in ["TIMEOUT", "ERROR"] {
            let waiting = tokio::spawn(async move {
                let got: RedisResult<i64> = redis::cmd("WAIT")
                    .arg(&["1", "0"])
                    .query_async(&mut con)
                    .await;
                (con, got)
            });
            while store.blocked_clients() == 0 {
                tokio::task::yield_now().await;
            }
            let _: i64 = redis::cmd("CLIENT")
                .arg(&["UNBLOCK", &id.to_string(), how])
                .query_async(&mut admin)
                .await?;
            let (back, got) = waiting.await.unwrap();
            con = back;
            replies.push(got);
        }
        assert_eq!(replies[0].as_ref().unwrap(), &0);
        assert_eq!(replies[1].as_ref().unwrap_err().code(), Some("UNBLOCKED"));
        Ok(())
    })
}
