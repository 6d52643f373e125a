//! Blocking calls as futures: a task waits without a thread and is woken by the same
//! exactly-once hand-off as a thread; tasks and threads share one first-come
//! first-served queue; timeouts fire with no runtime timer; and dropping a future —
//! waiting, or served but not yet polled — never loses or duplicates an element.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use embedis::{
    Blob, Blocked, CancelToken, Error, GroupCreate, GroupRead, ReadFrom, ScoreEnd, Side, Store,
    XAdd, XReadGroup,
};

mod common;
use common::{PROMPTLY, WORKLOAD, join_within, until_blocked};

/// A minimal executor: polls `f` on this thread, parking between wake-ups.
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// Polls `f` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn multi_thread(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn a_task_waits_while_another_pushes_on_a_current_thread_runtime() {
    let store = Store::new();
    current_thread().block_on(async {
        let consumer = tokio::spawn({
            let store = store.clone();
            async move { store.lists().blpop_async(["jobs"], None).await }
        });
        // The consumer waits without holding the only thread: this task runs.
        while store.blocked_clients() == 0 {
            tokio::task::yield_now().await;
        }
        store.lists().rpush("jobs", ["job-1"]).unwrap();
        let got = tokio::time::timeout(PROMPTLY, consumer).await;
        let got = got.expect("woken").unwrap().unwrap();
        assert_eq!(got, Some(("jobs".into(), "job-1".into())));
    });
    assert_eq!(store.blocked_clients(), 0);
}

#[test]
fn timeouts_fire_without_a_runtime_timer_with_or_without_active_expiry() {
    for active_expiry in [true, false] {
        let store = Store::builder().active_expiry(active_expiry).build();
        let lists = store.lists();
        let start = Instant::now();
        let got = block_on(lists.blpop_async(["none"], Some(Duration::from_millis(50))));
        let took = start.elapsed();
        assert_eq!(got, Ok(None));
        assert!(took >= Duration::from_millis(50), "ended early: {took:?}");
        assert!(took < PROMPTLY, "ended late: {took:?}");
        assert_eq!(store.blocked_clients(), 0);
    }
}

#[test]
fn threads_and_tasks_are_served_first_come_first_served() {
    let store = Store::new();
    let thread_waiter = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["q"], Some(PROMPTLY)))
    };
    until_blocked(&store, 1);
    let mut task = store.lists().blpop_async(["q"], Some(PROMPTLY));
    assert!(poll_once(&mut task).is_pending());
    until_blocked(&store, 2);
    let later_thread = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["q"], Some(PROMPTLY)))
    };
    until_blocked(&store, 3);
    store.lists().rpush("q", ["1", "2", "3"]).unwrap();
    let first = join_within(thread_waiter, PROMPTLY, "first waiter").unwrap();
    assert_eq!(first.unwrap().1, "1");
    assert_eq!(block_on(task).unwrap().unwrap().1, "2");
    let third = join_within(later_thread, PROMPTLY, "third waiter").unwrap();
    assert_eq!(third.unwrap().1, "3");
}

#[test]
fn a_future_that_finds_an_element_returns_it_on_its_first_poll() {
    let store = Store::new();
    store.lists().rpush("q", ["a", "b"]).unwrap();
    let mut pop = store.lists().brpop_async(["empty", "q"], None);
    let Poll::Ready(got) = poll_once(&mut pop) else {
        panic!("an element was there");
    };
    assert_eq!(got.unwrap(), Some(("q".into(), "b".into())));
    assert_eq!(store.blocked_clients(), 0);
}

#[test]
fn nothing_happens_until_a_future_is_polled() {
    let store = Store::new();
    store.lists().rpush("q", ["a"]).unwrap();
    let unpolled = store.lists().blpop_async(["q"], None);
    drop(unpolled);
    assert_eq!(store.lists().lrange("q", 0, -1).unwrap(), ["a"]);
}

#[test]
fn dropping_a_waiting_future_leaves_the_queue() {
    let store = Store::new();
    let mut pop = store.lists().blpop_async(["q"], None);
    assert!(poll_once(&mut pop).is_pending());
    assert_eq!(store.blocked_clients(), 1);
    drop(pop);
    assert_eq!(store.blocked_clients(), 0);
    store.lists().rpush("q", ["a"]).unwrap();
    assert_eq!(store.lists().lrange("q", 0, -1).unwrap(), ["a"]);
}

#[test]
fn dropping_a_served_future_gives_the_elements_back_where_they_were() {
    let store = Store::new();
    let lists = store.lists();
    // From the head, two at once: back in their order, before what was left.
    let mut pop = lists.blmpop_async(["q"], Side::Left, 2, None);
    assert!(poll_once(&mut pop).is_pending());
    lists.rpush("q", ["a", "b", "c"]).unwrap();
    assert_eq!(
        lists.lrange("q", 0, -1).unwrap(),
        ["c"],
        "served: popped for it"
    );
    drop(pop);
    assert_eq!(lists.lrange("q", 0, -1).unwrap(), ["a", "b", "c"]);
    // From the tail.
    let mut pop = lists.brpop_async(["r"], None);
    assert!(poll_once(&mut pop).is_pending());
    lists.rpush("r", ["x", "y"]).unwrap();
    assert_eq!(lists.lrange("r", 0, -1).unwrap(), ["x"]);
    drop(pop);
    assert_eq!(lists.lrange("r", 0, -1).unwrap(), ["x", "y"]);
    // A list emptied by the pop (and so deleted) comes back.
    let mut pop = lists.blpop_async(["s"], None);
    assert!(poll_once(&mut pop).is_pending());
    lists.rpush("s", ["only"]).unwrap();
    assert_eq!(lists.llen("s").unwrap(), 0);
    drop(pop);
    assert_eq!(lists.lrange("s", 0, -1).unwrap(), ["only"]);
}

#[test]
fn an_element_given_back_goes_to_the_next_waiter() {
    let store = Store::new();
    let mut first = store.lists().blpop_async(["q"], None);
    assert!(poll_once(&mut first).is_pending());
    let second = {
        let store = store.clone();
        thread::spawn(move || store.lists().blpop(["q"], Some(PROMPTLY)))
    };
    until_blocked(&store, 2);
    store.lists().rpush("q", ["job"]).unwrap();
    // Served to the first (it came first), which is dropped unseen: the second gets it.
    drop(first);
    let got = join_within(second, PROMPTLY, "the second waiter").unwrap();
    assert_eq!(got, Some(("q".into(), "job".into())));
    assert_eq!(store.lists().llen("q").unwrap(), 0);
}

#[test]
fn a_dropped_move_goes_back_unless_its_element_was_taken_on() {
    let store = Store::new();
    let lists = store.lists();
    let mut mv = lists.blmove_async("jobs", "doing", Side::Left, Side::Right, None);
    assert!(poll_once(&mut mv).is_pending());
    lists.rpush("jobs", ["j1", "j2"]).unwrap();
    assert_eq!(lists.lrange("doing", 0, -1).unwrap(), ["j1"]);
    drop(mv);
    assert_eq!(lists.lrange("jobs", 0, -1).unwrap(), ["j1", "j2"]);
    assert_eq!(lists.llen("doing").unwrap(), 0);
    // Taken on from the destination before the drop: it stays where it went.
    store.keys().del(["jobs"]).unwrap();
    let mut mv = lists.blmove_async("jobs", "doing", Side::Left, Side::Right, None);
    assert!(poll_once(&mut mv).is_pending());
    lists.rpush("jobs", ["j3"]).unwrap();
    assert_eq!(lists.rpop("doing").unwrap().unwrap(), "j3");
    drop(mv);
    assert_eq!(lists.llen("jobs").unwrap(), 0);
    assert_eq!(lists.llen("doing").unwrap(), 0);
}

#[test]
fn a_dropped_sorted_set_pop_gives_members_back_with_their_scores() {
    let store = Store::new();
    let zsets = store.zsets();
    let mut pop = zsets.bzmpop_async(["tasks"], ScoreEnd::Min, 2, None);
    assert!(poll_once(&mut pop).is_pending());
    zsets
        .zadd("tasks", [("a", 1.0), ("b", 2.0), ("c", 3.0)])
        .unwrap();
    assert_eq!(zsets.zcard("tasks").unwrap(), 1);
    drop(pop);
    let all = zsets.zrange_withscores("tasks", 0, -1).unwrap();
    assert_eq!(
        all,
        [("a".into(), 1.0), ("b".into(), 2.0), ("c".into(), 3.0)]
    );
    let got = block_on(zsets.bzpopmax_async(["tasks"], None)).unwrap();
    assert_eq!(got, Some(("tasks".into(), "c".into(), 3.0)));
    let got = block_on(zsets.bzpopmin_async(["tasks"], None)).unwrap();
    assert_eq!(got, Some(("tasks".into(), "a".into(), 1.0)));
}

#[test]
fn a_cancel_token_ends_a_waiting_future() {
    let store = Store::new();
    let token = CancelToken::new();
    let canceller = {
        let (store, token) = (store.clone(), token.clone());
        thread::spawn(move || {
            until_blocked(&store, 1);
            token.cancel();
        })
    };
    let got = block_on(store.lists().cancel_with(&token).blpop_async(["q"], None));
    assert_eq!(got, Err(Error::Unblocked));
    join_within(canceller, PROMPTLY, "the canceller");
    assert_eq!(store.blocked_clients(), 0);
}

#[test]
fn stream_reads_wait_as_futures() {
    let store = Store::new();
    let streams = store.streams();
    let mut read = streams.xread_block_async(&[("events", ReadFrom::New)], None, None);
    assert!(poll_once(&mut read).is_pending());
    streams
        .xadd("events", &XAdd::new(), [("kind", "login")])
        .unwrap();
    let got = block_on(read).unwrap().unwrap();
    assert_eq!(got[0].1[0].fields[0].1, "login");

    streams
        .xgroup_create("jobs", "workers", &GroupCreate::last().mkstream())
        .unwrap();
    let options = XReadGroup::new("workers", "w1");
    let mut read = streams.xreadgroup_block_async(&options, &[("jobs", GroupRead::New)], None);
    assert!(poll_once(&mut read).is_pending());
    streams
        .xadd("jobs", &XAdd::new(), [("task", "mail")])
        .unwrap();
    let got = block_on(read).unwrap().unwrap();
    assert_eq!(got[0].1.len(), 1);
    // A timeout with nothing new.
    let none = block_on(streams.xreadgroup_block_async(
        &options,
        &[("jobs", GroupRead::New)],
        Some(Duration::from_millis(20)),
    ));
    assert_eq!(none, Ok(None));
}

/// Consumers that keep giving up (a `select!` against a short sleep) while producers
/// push: every element is received exactly once, whichever way each wait ended.
#[test]
fn cancelled_waits_never_lose_or_duplicate_elements() {
    let store = Store::new();
    let keys = ["q0", "q1"];
    let producers = 3;
    let per_producer = 4_000;
    let total = producers * per_producer;
    let got = multi_thread(4).block_on(async {
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut consumers = Vec::new();
        for c in 0..6u64 {
            let (store, received) = (store.clone(), Arc::clone(&received));
            consumers.push(tokio::spawn(async move {
                let mut n = 0u64;
                while received.lock().unwrap().len() < total {
                    n += 1;
                    let patience = Duration::from_micros((n * 37 + c * 11) % 300);
                    let pop = store
                        .lists()
                        .blpop_async(keys, Some(Duration::from_millis(50)));
                    tokio::select! {
                        got = pop => {
                            if let Some((_, v)) = got.unwrap() {
                                received.lock().unwrap().push(v);
                            }
                        }
                        () = tokio::time::sleep(patience) => {}
                    }
                }
            }));
        }
        let mut pushers = Vec::new();
        for p in 0..producers {
            let store = store.clone();
            pushers.push(tokio::spawn(async move {
                for i in 0..per_producer {
                    let key = keys[i % keys.len()];
                    store.lists().rpush(key, [format!("{p}:{i}")]).unwrap();
                    if i % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            }));
        }
        let all = async {
            for t in pushers.into_iter().chain(consumers) {
                t.await.unwrap();
            }
        };
        tokio::time::timeout(WORKLOAD, all).await.expect("all done");
        Arc::try_unwrap(received).unwrap().into_inner().unwrap()
    });
    assert_eq!(got.len(), total, "every element received");
    let unique: HashSet<&Blob> = got.iter().collect();
    assert_eq!(unique.len(), total, "none twice");
    for key in keys {
        assert_eq!(store.lists().llen(key).unwrap(), 0);
    }
    assert_eq!(store.blocked_clients(), 0);
}

/// The same futures on smol's executor: a consumer task awaits while another pushes,
/// a timeout ends a wait, and a subscription is read as a stream.
#[test]
fn smol_runs_them_too() {
    use futures_core::Stream;
    let store = Store::new();
    let executor = smol::LocalExecutor::new();
    smol::block_on(executor.run(async {
        let consumer = executor.spawn({
            let store = store.clone();
            async move { store.lists().brpop_async(["jobs"], Some(PROMPTLY)).await }
        });
        while store.blocked_clients() == 0 {
            smol::future::yield_now().await;
        }
        store.lists().rpush("jobs", ["job-1"]).unwrap();
        assert_eq!(consumer.await.unwrap().unwrap().1, "job-1");
        let none = store
            .zsets()
            .bzpopmin_async(["none"], Some(Duration::from_millis(20)))
            .await;
        assert_eq!(none, Ok(None));
        let mut sub = store.pubsub().subscribe(["news"]);
        let publisher = executor.spawn({
            let store = store.clone();
            async move {
                store.pubsub().publish("news", "hello").unwrap();
            }
        });
        publisher.await;
        let message = std::future::poll_fn(|cx| Pin::new(&mut sub).poll_next(cx)).await;
        assert_eq!(message.unwrap().payload, "hello");
    }));
}

/// A waker may do anything — here, drop another future of the same store, as an
/// executor that discards a task does — while a push serves a waiter and while the
/// sweeper fires a timeout: wakers are called holding none of the store's locks.
#[test]
fn a_waker_may_drop_other_futures_of_the_store() {
    type Slot = Arc<std::sync::Mutex<Option<Blocked<'static, Option<(Blob, Blob)>>>>>;
    struct DropOnWake(Slot);
    impl Wake for DropOnWake {
        fn wake(self: Arc<Self>) {
            drop(self.0.lock().unwrap().take());
        }
    }
    let store: &'static Store = Box::leak(Box::new(Store::new()));
    for (timeout, by) in [
        (None, "a push"),
        (Some(Duration::from_millis(10)), "a timeout"),
    ] {
        let other: Slot = Arc::default();
        let mut b = store
            .lists()
            .blpop_async(["other"], Some(Duration::from_secs(60)));
        assert!(poll_once(&mut b).is_pending());
        *other.lock().unwrap() = Some(b);
        let mut a = store.lists().blpop_async(["k"], timeout);
        let waker = Waker::from(Arc::new(DropOnWake(Arc::clone(&other))));
        assert!(
            Pin::new(&mut a)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        if timeout.is_none() {
            let pusher = thread::spawn(|| store.lists().rpush("k", ["x"]).unwrap());
            join_within(
                pusher,
                PROMPTLY,
                "a push that wakes a waker that drops a future",
            );
        }
        let start = Instant::now();
        while other.lock().unwrap().is_some() {
            assert!(start.elapsed() < PROMPTLY, "the waker never ran ({by})");
            thread::sleep(Duration::from_millis(1));
        }
        // Served (or timed out), and the other future is gone from the queues.
        let got = block_on(a).unwrap();
        assert_eq!(got.is_some(), timeout.is_none(), "{by}");
        assert_eq!(store.blocked_clients(), 0, "{by}");
        // And the sweeper still fires timeouts.
        let none = block_on(
            store
                .lists()
                .blpop_async(["z"], Some(Duration::from_millis(20))),
        );
        assert_eq!(none, Ok(None));
    }
}

/// Inside a transaction a blocking call cannot wait: it runs at once, as the blocking
/// call would, and what it took is the transaction's. A future served earlier and
/// dropped unseen inside a transaction — committed or rolled back — gives back what it
/// took once the transaction has released the store.
#[test]
fn a_future_dropped_in_a_transaction_gives_back_after_it() {
    let store = Store::new();
    store.lists().rpush("k", ["x"]).unwrap();
    store
        .transaction(["k"], |tx| {
            drop(tx.lists().blpop_async(["k"], None));
            assert_eq!(tx.lists().llen("k")?, 0, "taken inside the transaction");
            Ok::<(), Error>(())
        })
        .unwrap();
    assert_eq!(
        store.lists().llen("k").unwrap(),
        0,
        "the transaction's pop stands"
    );
    // Rolled back, the transaction's pop is undone — once.
    store.lists().rpush("k", ["x"]).unwrap();
    let failed = store.transaction(["k"], |tx| {
        drop(tx.lists().blpop_async(["k"], None));
        Err::<(), Error>(Error::OutOfRange)
    });
    assert_eq!(failed, Err(Error::OutOfRange));
    assert_eq!(store.lists().lrange("k", 0, -1).unwrap(), ["x"]);

    for commit in [true, false] {
        let mut served = store.lists().blpop_async(["q"], None);
        assert!(poll_once(&mut served).is_pending());
        store.lists().rpush("q", ["y"]).unwrap();
        let inside = store.transaction(["q"], |tx| {
            drop(served);
            let n = tx.lists().llen("q")?;
            if commit {
                Ok(n)
            } else {
                Err(Error::OutOfRange)
            }
        });
        assert_eq!(
            inside,
            if commit {
                Ok(0)
            } else {
                Err(Error::OutOfRange)
            }
        );
        assert_eq!(
            store.lists().lrange("q", 0, -1).unwrap(),
            ["y"],
            "commit: {commit}"
        );
        store.lists().lpop("q").unwrap();
    }
}
