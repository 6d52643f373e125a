//! A subscription awaited as a `futures_core::Stream`: woken by publishers on any
//! runtime (tokio's current-thread and multi-thread, a hand-written executor), the same
//! messages in the same order as `recv`, the cut-off ending the stream, and nothing left
//! behind by a subscription dropped while its task waits.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use embedis::{Blob, Error, KeyspaceEvents, Message, Store, Subscription};
use futures_core::Stream;
use futures_core::stream::FusedStream;

mod common;
use common::{PROMPTLY, WORKLOAD, within};

fn text(b: &Blob) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// `StreamExt::next`, without the crate.
async fn next(sub: &mut Subscription) -> Option<Message> {
    poll_fn(|cx| Pin::new(&mut *sub).poll_next(cx)).await
}

/// One poll of `sub` with `waker`.
fn poll_with(sub: &mut Subscription, waker: &Waker) -> Poll<Option<Message>> {
    Pin::new(sub).poll_next(&mut Context::from_waker(waker))
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Count {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The smallest executor: polls `future` on this thread, parking between polls.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn a_task_awaits_what_another_task_publishes_on_a_current_thread_runtime() {
    const MESSAGES: usize = 200;
    let (got, pendings) = within(PROMPTLY, "current-thread subscriber", || {
        let store = Store::new();
        let mut sub = store.pubsub().subscribe(["c"]);
        current_thread().block_on(async move {
            // Spawned first, the reader finds nothing and waits: every message it gets
            // comes through a wake-up, not a look at a full queue.
            let reader = tokio::spawn(async move {
                let pendings = Arc::new(AtomicUsize::new(0));
                let mut got = Vec::new();
                while got.len() < MESSAGES {
                    let m = poll_fn(|cx| {
                        let p = Pin::new(&mut sub).poll_next(cx);
                        if p.is_pending() {
                            pendings.fetch_add(1, Ordering::Relaxed);
                        }
                        p
                    })
                    .await
                    .expect("not cut off");
                    got.push(text(&m.payload));
                }
                (got, pendings.load(Ordering::Relaxed))
            });
            let writer = tokio::spawn(async move {
                for i in 0..MESSAGES {
                    assert_eq!(store.pubsub().publish("c", i.to_string()).unwrap(), 1);
                    if i % 10 == 9 {
                        tokio::task::yield_now().await;
                    }
                }
            });
            writer.await.unwrap();
            reader.await.unwrap()
        })
    });
    let want: Vec<String> = (0..MESSAGES).map(|i| i.to_string()).collect();
    assert_eq!(got, want);
    assert!(pendings >= 1, "the reader never waited");
}

#[test]
fn keyspace_notifications_arrive_as_a_stream() {
    let got = within(PROMPTLY, "keyspace notifications", || {
        let store = Store::new();
        store.set_notify_keyspace_events(KeyspaceEvents::parse("KEA").unwrap());
        let mut sub = store.pubsub().psubscribe(["__keyspace@0__:*"]);
        sub.subscribe(["__keyevent@0__:lpush"]);
        current_thread().block_on(async move {
            let reader = tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..4 {
                    let m = next(&mut sub).await.expect("not cut off");
                    got.push((text(&m.channel), text(&m.payload)));
                }
                got
            });
            tokio::spawn(async move {
                store.lists().lpush("jobs", ["j1"]).unwrap();
                tokio::task::yield_now().await;
                store.lists().rpop("jobs").unwrap();
            })
            .await
            .unwrap();
            reader.await.unwrap()
        })
    });
    let pair = |c: &str, p: &str| (c.to_string(), p.to_string());
    assert_eq!(
        got,
        [
            pair("__keyspace@0__:jobs", "lpush"),
            pair("__keyevent@0__:lpush", "jobs"),
            pair("__keyspace@0__:jobs", "rpop"),
            pair("__keyspace@0__:jobs", "del"),
        ]
    );
}

#[test]
fn tasks_on_a_multi_thread_runtime_get_every_message_in_each_publishers_order() {
    const SUBSCRIBERS: usize = 4;
    const PUBLISHERS: usize = 3;
    const MESSAGES: usize = 1000;
    within(WORKLOAD, "multi-thread subscribers", || {
        let store = Store::new();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        runtime.block_on(async move {
            let readers: Vec<_> = (0..SUBSCRIBERS)
                .map(|s| {
                    let mut sub = if s % 2 == 0 {
                        store.pubsub().subscribe(["events"])
                    } else {
                        store.pubsub().psubscribe(["ev*"])
                    };
                    tokio::spawn(async move {
                        let mut next_of = [0; PUBLISHERS];
                        for _ in 0..PUBLISHERS * MESSAGES {
                            let m = next(&mut sub).await.expect("not cut off");
                            let payload = text(&m.payload);
                            let (p, i) = payload.split_once(':').unwrap();
                            let (p, i): (usize, usize) = (p.parse().unwrap(), i.parse().unwrap());
                            assert_eq!(i, next_of[p], "publisher {p}'s messages out of order");
                            next_of[p] += 1;
                        }
                        next_of
                    })
                })
                .collect();
            let writers: Vec<_> = (0..PUBLISHERS)
                .map(|p| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        for i in 0..MESSAGES {
                            let n = store.pubsub().publish("events", format!("{p}:{i}"));
                            assert_eq!(n.unwrap(), SUBSCRIBERS);
                            if i % 64 == 0 {
                                tokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for w in writers {
                w.await.unwrap();
            }
            for r in readers {
                assert_eq!(r.await.unwrap(), [MESSAGES; PUBLISHERS]);
            }
        });
    });
}

#[test]
fn any_executor_will_do_a_hand_written_one_woken_by_a_publishing_thread() {
    const MESSAGES: usize = 2000;
    let got = within(PROMPTLY, "hand-written executor", || {
        let store = Store::new();
        let mut sub = store.pubsub().subscribe(["c"]);
        let publisher = thread::spawn(move || {
            for i in 0..MESSAGES {
                store.pubsub().publish("c", i.to_string()).unwrap();
            }
        });
        let got = block_on(async {
            let mut got = Vec::new();
            while got.len() < MESSAGES {
                got.push(text(&next(&mut sub).await.unwrap().payload));
            }
            got
        });
        publisher.join().unwrap();
        got
    });
    assert_eq!(
        got,
        (0..MESSAGES).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

#[test]
fn the_stream_and_the_blocking_reads_share_one_order() {
    let store = Store::new();
    let mut sub = store.pubsub().subscribe(["c"]);
    for m in ["a", "b", "c", "d"] {
        store.pubsub().publish("c", m).unwrap();
    }
    // `try_recv` takes the whole batch and returns its first; the stream goes on.
    assert_eq!(sub.try_recv().unwrap().unwrap().payload, "a");
    let waker = Waker::noop();
    let Poll::Ready(Some(m)) = poll_with(&mut sub, waker) else {
        panic!("b is waiting")
    };
    assert_eq!(m.payload, "b");
    assert_eq!(sub.recv().unwrap().payload, "c");
    let Poll::Ready(Some(m)) = poll_with(&mut sub, waker) else {
        panic!("d is waiting")
    };
    assert_eq!(m.payload, "d");
    assert!(poll_with(&mut sub, waker).is_pending());
}

#[test]
fn a_cut_off_stream_yields_the_batch_it_took_then_ends_for_good() {
    let store = Store::builder().pubsub_buffer_limit(1024).build();
    let mut sub = store.pubsub().subscribe(["firehose"]);
    let count = Arc::new(Count::default());
    let waker = Waker::from(Arc::clone(&count));
    for m in ["m0", "m1", "m2"] {
        store.pubsub().publish("firehose", m).unwrap();
    }
    // The first poll takes all three.
    assert_eq!(
        poll_with(&mut sub, &waker).map(|m| m.map(|m| m.payload)),
        Poll::Ready(Some("m0".into()))
    );
    let delivered: Vec<usize> = (0..100)
        .map(|_| store.pubsub().publish("firehose", [0u8; 100]).unwrap())
        .collect();
    assert!(delivered.contains(&0), "the subscriber was never cut off");
    for want in ["m1", "m2"] {
        let Poll::Ready(Some(m)) = poll_with(&mut sub, &waker) else {
            panic!("{want} was taken before the cut-off")
        };
        assert_eq!(m.payload, want);
    }
    assert!(!sub.is_terminated());
    assert_eq!(poll_with(&mut sub, &waker), Poll::Ready(None));
    assert!(sub.is_terminated());
    assert_eq!(poll_with(&mut sub, &waker), Poll::Ready(None));
    assert_eq!(sub.try_recv(), Err(Error::SubscriberCutOff));
    assert_eq!(count.get(), 0, "never pending, never woken");
}

#[test]
fn a_task_waiting_when_its_subscription_is_cut_off_wakes_to_the_end() {
    let (ended, terminated, after) = within(PROMPTLY, "cut off while waiting", || {
        let store = Store::builder().pubsub_buffer_limit(1024).build();
        let mut sub = store.pubsub().subscribe(["firehose"]);
        current_thread().block_on(async move {
            let reader = tokio::spawn(async move {
                let first = next(&mut sub).await;
                (first, sub.is_terminated(), sub.try_recv())
            });
            // The reader runs first and waits; this floods without yielding, so the
            // reader next runs when its inbox is already cut off.
            tokio::spawn(async move {
                for _ in 0..100 {
                    store.pubsub().publish("firehose", [0u8; 100]).unwrap();
                }
            })
            .await
            .unwrap();
            reader.await.unwrap()
        })
    });
    assert_eq!(ended, None);
    assert!(terminated);
    assert_eq!(after, Err(Error::SubscriberCutOff));
}

#[test]
fn a_subscription_dropped_while_pending_leaves_nothing_behind() {
    let store = Store::new();
    let mut sub = store.pubsub().subscribe(["c"]);
    let count = Arc::new(Count::default());
    let waker = Waker::from(Arc::clone(&count));
    assert!(poll_with(&mut sub, &waker).is_pending());
    drop(waker);
    assert_eq!(Arc::strong_count(&count), 2, "the inbox keeps the waker");
    drop(sub);
    assert_eq!(
        Arc::strong_count(&count),
        1,
        "the waker went with the subscription"
    );
    assert_eq!(store.pubsub().numsub(["c"]).unwrap(), [("c".into(), 0)]);
    assert_eq!(store.pubsub().publish("c", "x").unwrap(), 0);
    assert_eq!(count.get(), 0);
}

#[test]
fn a_task_aborted_while_it_awaits_unsubscribes() {
    let store = Store::new();
    let sub = store.pubsub().subscribe(["c"]);
    let left = within(PROMPTLY, "aborted subscriber", move || {
        current_thread().block_on(async move {
            let mut sub = sub;
            let task = tokio::spawn(async move { next(&mut sub).await });
            tokio::task::yield_now().await; // the task polls, and waits
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());
            (
                store.pubsub().numsub(["c"]).unwrap(),
                store.pubsub().publish("c", "x").unwrap(),
            )
        })
    });
    assert_eq!(left, (vec![("c".into(), 0)], 0));
}

#[test]
fn only_the_last_tasks_waker_is_kept_and_woken() {
    let store = Store::new();
    let mut sub = store.pubsub().subscribe(["c"]);
    let (a, b) = (Arc::new(Count::default()), Arc::new(Count::default()));
    let (wa, wb) = (Waker::from(Arc::clone(&a)), Waker::from(Arc::clone(&b)));
    assert!(poll_with(&mut sub, &wa).is_pending());
    assert!(poll_with(&mut sub, &wb).is_pending());
    assert!(poll_with(&mut sub, &wb).is_pending());
    drop((wa, wb));
    assert_eq!(Arc::strong_count(&a), 1, "a's waker was replaced");
    assert_eq!(Arc::strong_count(&b), 2, "b's waker is kept once");
    store.pubsub().publish("c", "x").unwrap();
    store.pubsub().publish("c", "y").unwrap();
    assert_eq!((a.get(), b.get()), (0, 1), "b woken once, a never");
    assert_eq!(Arc::strong_count(&b), 1, "a wake-up takes the waker out");
}
