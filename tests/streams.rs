//! Streams: IDs from the store's clock that never go backwards, Redis's rules for
//! explicit and partial IDs, trimming by whole blocks or by entries, deletions that keep
//! the stream, blocking reads that serve every waiting reader, events and watches.
//! (Replies and errors are compared with redis-server in tests/differential.rs.)

use std::thread;
use std::time::Duration;

use embedis::{
    CancelToken, Error, KeyType, KeyspaceEvents, ManualClock, ReadFrom, Store, StreamId,
    StreamTrim, XAdd, XAddId,
};

mod common;
use common::{PROMPTLY, join_within, manual_store, until_blocked};

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId::new(ms, seq)
}

fn ids(store: &Store, key: &str) -> Vec<StreamId> {
    let entries = store
        .streams()
        .xrange(key, StreamId::MIN, StreamId::MAX, None)
        .unwrap();
    entries.into_iter().map(|e| e.id).collect()
}

fn add(store: &Store, key: &str, at: StreamId) -> Option<StreamId> {
    store
        .streams()
        .xadd(key, &XAdd::id(at), [("f", "v")])
        .unwrap()
}

/// A thread reading `key` from `from`, blocked up to 10 s.
fn reader(
    store: &Store,
    key: &'static str,
    from: ReadFrom,
) -> thread::JoinHandle<Result<Option<embedis::StreamReads>, Error>> {
    let store = store.clone();
    thread::spawn(move || {
        store
            .streams()
            .xread_block(&[(key, from)], None, Some(Duration::from_secs(10)))
    })
}

#[test]
fn ids_come_from_the_clock_and_never_go_backwards() {
    let (store, clock) = manual_store();
    let now = 1_700_000_000_000;
    let s = store.streams();
    let a = s.xadd("s", &XAdd::new(), [("n", "1")]).unwrap();
    let b = s.xadd("s", &XAdd::new(), [("n", "2")]).unwrap();
    assert_eq!((a, b), (Some(id(now, 0)), Some(id(now, 1))));
    clock.advance(Duration::from_millis(5));
    assert_eq!(
        s.xadd("s", &XAdd::new(), [("n", "3")]).unwrap(),
        Some(id(now + 5, 0))
    );
    // The clock set back: the sequence goes on from the last ID.
    clock.set(std::time::UNIX_EPOCH + Duration::from_millis(now - 1_000));
    assert_eq!(
        s.xadd("s", &XAdd::new(), [("n", "4")]).unwrap(),
        Some(id(now + 5, 1))
    );
    // An ID in the future holds the clock's IDs back until time passes it.
    s.xadd("s", &XAdd::id(id(now + 100, 7)), [("n", "5")])
        .unwrap();
    assert_eq!(
        s.xadd("s", &XAdd::new(), [("n", "6")]).unwrap(),
        Some(id(now + 100, 8))
    );
}

#[test]
fn explicit_and_partial_ids_follow_redis_rules() {
    let store = Store::new();
    let s = store.streams();
    // 0-0 is refused before anything is made.
    let zero = s.xadd("s", &XAdd::id(StreamId::MIN), [("f", "v")]);
    assert_eq!(zero, Err(Error::StreamIdZero));
    assert_eq!(store.keys().exists(["s"]).unwrap(), 0);
    // `0-*` on a new stream is 0-1.
    let first = s
        .xadd("s", &XAdd::new().with_id(XAddId::AutoSeq(0)), [("f", "v")])
        .unwrap();
    assert_eq!(first, Some(id(0, 1)));
    assert_eq!(add(&store, "s", id(5, 5)), Some(id(5, 5)));
    assert_eq!(
        s.xadd("s", &XAdd::id(id(5, 5)), [("f", "v")]),
        Err(Error::StreamIdTooSmall)
    );
    assert_eq!(
        s.xadd("s", &XAdd::id(id(4, 9)), [("f", "v")]),
        Err(Error::StreamIdTooSmall)
    );
    let next = s
        .xadd("s", &XAdd::new().with_id(XAddId::AutoSeq(5)), [("f", "v")])
        .unwrap();
    assert_eq!(next, Some(id(5, 6)));
    let older = s.xadd("s", &XAdd::new().with_id(XAddId::AutoSeq(4)), [("f", "v")]);
    assert_eq!(older, Err(Error::StreamIdTooSmall));
    // The largest sequence of a millisecond: `ms-*` cannot go on, `*` moves to ms + 1.
    add(&store, "s", id(6, u64::MAX));
    let full = s.xadd("s", &XAdd::new().with_id(XAddId::AutoSeq(6)), [("f", "v")]);
    assert_eq!(full, Err(Error::StreamIdTooSmall));
    // The last possible ID exhausts the stream.
    add(&store, "s", StreamId::MAX);
    assert_eq!(
        s.xadd("s", &XAdd::new(), [("f", "v")]),
        Err(Error::StreamExhausted)
    );
    assert_eq!(s.xlen("s").unwrap(), 5);
    // NOMKSTREAM adds nothing to a missing stream, and adds to an existing one.
    assert_eq!(
        s.xadd("none", &XAdd::new().no_mkstream(), [("f", "v")])
            .unwrap(),
        None
    );
    assert_eq!(store.keys().exists(["none"]).unwrap(), 0);
    // Another type is refused.
    store.strings().set("str", "x").unwrap();
    assert_eq!(
        s.xadd("str", &XAdd::new(), [("f", "v")]),
        Err(Error::WrongType)
    );
    assert_eq!(s.xlen("str"), Err(Error::WrongType));
}

#[test]
fn ranges_include_their_bounds_and_stop_at_count() {
    let store = Store::new();
    for ms in 1..=300 {
        add(&store, "s", id(ms, 0));
    }
    let s = store.streams();
    let got = |start, end, count| -> Vec<u64> {
        s.xrange("s", start, end, count)
            .unwrap()
            .iter()
            .map(|e| e.id.ms)
            .collect()
    };
    assert_eq!(got(id(99, 0), id(102, 0), None), [99, 100, 101, 102]);
    assert_eq!(got(id(99, 1), id(101, u64::MAX), Some(5)), [100, 101]);
    assert_eq!(got(StreamId::MIN, StreamId::MAX, Some(3)), [1, 2, 3]);
    assert!(got(id(5, 0), id(4, 0), None).is_empty());
    let back: Vec<u64> = s
        .xrevrange("s", id(201, 0), id(198, 0), None)
        .unwrap()
        .iter()
        .map(|e| e.id.ms)
        .collect();
    assert_eq!(back, [201, 200, 199, 198]);
    assert_eq!(
        s.xrange("none", StreamId::MIN, StreamId::MAX, None)
            .unwrap(),
        []
    );
}

#[test]
fn deleting_every_entry_keeps_an_empty_stream() {
    let store = Store::new();
    for ms in 1..=3 {
        add(&store, "s", id(ms, 0));
    }
    let s = store.streams();
    assert_eq!(s.xdel("s", [id(1, 0), id(1, 0), id(9, 0)]).unwrap(), 1);
    assert_eq!(s.xdel("s", [id(2, 0), id(3, 0)]).unwrap(), 2);
    assert_eq!(s.xlen("s").unwrap(), 0);
    assert_eq!(store.keys().key_type("s").unwrap(), Some(KeyType::Stream));
    // The last ID stays: a smaller one is still refused.
    assert_eq!(
        s.xadd("s", &XAdd::id(id(2, 0)), [("f", "v")]),
        Err(Error::StreamIdTooSmall)
    );
    assert_eq!(s.xdel("none", [id(1, 0)]).unwrap(), 0);
}

#[test]
fn trimming_exactly_removes_entries_and_approximately_whole_blocks() {
    let fill = |store: &Store| {
        store.keys().flushall().unwrap();
        for ms in 1..=250 {
            add(store, "s", id(ms, 0));
        }
    };
    let store = Store::new();
    let s = store.streams();
    fill(&store);
    assert_eq!(s.xtrim("s", &StreamTrim::max_len(120)).unwrap(), 130);
    assert_eq!(ids(&store, "s")[0], id(131, 0));
    // Blocks hold 100 entries: `~` removes only the first whole block.
    fill(&store);
    assert_eq!(
        s.xtrim("s", &StreamTrim::max_len(120).approx()).unwrap(),
        100
    );
    assert_eq!(s.xlen("s").unwrap(), 150);
    // A limit below a block's size stops it.
    fill(&store);
    assert_eq!(
        s.xtrim("s", &StreamTrim::max_len(0).approx().limit(99))
            .unwrap(),
        0
    );
    assert_eq!(
        s.xtrim("s", &StreamTrim::max_len(0).approx().limit(200))
            .unwrap(),
        200
    );
    fill(&store);
    assert_eq!(s.xtrim("s", &StreamTrim::min_id(id(240, 0))).unwrap(), 239);
    assert_eq!(
        ids(&store, "s"),
        (240..=250).map(|ms| id(ms, 0)).collect::<Vec<_>>()
    );
    // XADD trims after adding.
    let opts = XAdd::id(id(251, 0)).trim(StreamTrim::max_len(3));
    s.xadd("s", &opts, [("f", "v")]).unwrap();
    assert_eq!(ids(&store, "s"), [id(249, 0), id(250, 0), id(251, 0)]);
}

#[test]
fn xsetid_moves_the_last_id_within_redis_limits() {
    let store = Store::new();
    let s = store.streams();
    assert_eq!(
        s.xsetid("none", id(1, 0), None, None),
        Err(Error::NoSuchKey)
    );
    add(&store, "s", id(5, 0));
    assert_eq!(
        s.xsetid("s", id(4, 0), None, None),
        Err(Error::SetIdBelowTop)
    );
    assert_eq!(
        s.xsetid("s", id(9, 0), Some(0), None),
        Err(Error::EntriesAddedBelowLength)
    );
    assert_eq!(
        s.xsetid("s", id(9, 0), None, Some(id(10, 0))),
        Err(Error::SetIdBelowMaxDeleted)
    );
    s.xsetid("s", id(9, 0), Some(10), Some(id(8, 0))).unwrap();
    assert_eq!(
        s.xadd("s", &XAdd::id(id(9, 0)), [("f", "v")]),
        Err(Error::StreamIdTooSmall)
    );
    assert_eq!(add(&store, "s", id(9, 1)), Some(id(9, 1)));
}

#[test]
fn a_blocking_read_wakes_every_waiting_reader_with_the_new_entries() {
    let store = Store::new();
    add(&store, "s", id(1, 0));
    let readers: Vec<_> = (0..3).map(|_| reader(&store, "s", ReadFrom::New)).collect();
    // A reader after a later ID is not served by an earlier entry.
    let later = reader(&store, "s", ReadFrom::After(id(50, 0)));
    until_blocked(&store, 4);
    add(&store, "s", id(2, 0));
    for r in readers {
        let read = join_within(r, PROMPTLY, "a reader").unwrap().unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].0, "s");
        assert_eq!(
            read[0].1.iter().map(|e| e.id).collect::<Vec<_>>(),
            [id(2, 0)]
        );
    }
    assert_eq!(store.blocked_clients(), 1);
    add(&store, "s", id(51, 0));
    let read = join_within(later, PROMPTLY, "the later reader")
        .unwrap()
        .unwrap();
    assert_eq!(read[0].1[0].id, id(51, 0));
}

#[test]
fn a_blocking_read_answers_at_once_times_out_or_is_cancelled() {
    let store = Store::new();
    add(&store, "a", id(1, 0));
    let s = store.streams();
    // Entries already there answer without waiting, only the streams that have some.
    let from = [
        ("b", ReadFrom::After(StreamId::MIN)),
        ("a", ReadFrom::After(StreamId::MIN)),
    ];
    let read = s.xread_block(&from, Some(1), None).unwrap().unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].0, "a");
    // Nothing arrives: a timeout.
    let none = s.xread_block(
        &[("a", ReadFrom::New)],
        None,
        Some(Duration::from_millis(20)),
    );
    assert_eq!(none, Ok(None));
    // Cancelled from another thread.
    let token = std::sync::Arc::new(CancelToken::new());
    let waiter = {
        let (store, token) = (store.clone(), token.clone());
        thread::spawn(move || {
            store
                .streams()
                .cancel_with(&token)
                .xread_block(&[("a", ReadFrom::New)], None, None)
        })
    };
    until_blocked(&store, 1);
    token.cancel();
    assert_eq!(
        join_within(waiter, PROMPTLY, "the cancelled reader"),
        Err(Error::Unblocked)
    );
    // Inside a transaction nothing can arrive: no wait.
    let got = store.transaction(["a"], |tx| {
        tx.streams()
            .xread_block(&[("a", ReadFrom::New)], None, None)
    });
    assert_eq!(got, Ok(None));
    store.strings().set("str", "x").unwrap();
    assert_eq!(
        s.xread(&[("str", ReadFrom::After(StreamId::MIN))], None),
        Err(Error::WrongType)
    );
}

#[test]
fn stream_commands_announce_their_events() {
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("Et").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@0__:*"]);
    let s = store.streams();
    add(&store, "s", id(1, 0));
    add(&store, "s", id(2, 0));
    s.xdel("s", [id(1, 0)]).unwrap();
    s.xdel("s", [id(1, 0)]).unwrap(); // nothing deleted: no event
    s.xtrim("s", &StreamTrim::max_len(0)).unwrap();
    s.xtrim("s", &StreamTrim::max_len(0)).unwrap(); // nothing trimmed: no event
    s.xsetid("s", id(5, 0), None, None).unwrap();
    s.xadd(
        "s",
        &XAdd::id(id(6, 0)).trim(StreamTrim::max_len(0)),
        [("f", "v")],
    )
    .unwrap();
    let events: Vec<String> = sub
        .iter_pending()
        .map(|m| String::from_utf8(m.channel.to_vec()).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "__keyevent@0__:xadd",
            "__keyevent@0__:xadd",
            "__keyevent@0__:xdel",
            "__keyevent@0__:xtrim",
            "__keyevent@0__:xsetid",
            "__keyevent@0__:xadd",
            "__keyevent@0__:xtrim",
        ]
    );
}

#[test]
fn watches_see_changes_but_not_xsetid_nor_a_trim_that_removes_nothing() {
    let store = Store::new();
    add(&store, "s", id(1, 0));
    let s = store.streams();
    let watch = store.watch(["s"]);
    s.xtrim("s", &StreamTrim::max_len(5)).unwrap();
    s.xdel("s", [id(9, 0)]).unwrap();
    // Redis 7.0's XSETID counts a change but tells no watcher.
    s.xsetid("s", id(3, 0), None, None).unwrap();
    assert!(!watch.changed());
    add(&store, "s", id(4, 0));
    assert!(watch.changed());
}

#[test]
fn a_manual_clock_makes_ids_reproducible() {
    let run = || {
        let clock = ManualClock::new();
        clock.set(std::time::UNIX_EPOCH + Duration::from_millis(42));
        let store = Store::builder().clock(clock).build();
        (0..3)
            .map(|_| {
                store
                    .streams()
                    .xadd("s", &XAdd::new(), [("f", "v")])
                    .unwrap()
                    .unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), [id(42, 0), id(42, 1), id(42, 2)]);
    assert_eq!(run(), run());
}

#[test]
fn a_waiting_reader_is_woken_by_an_entry_trimmed_as_it_is_added() {
    // Redis serves a blocked reader once the last ID passes its own, entries or not.
    let store = Store::new();
    let reader = reader(&store, "s", ReadFrom::New);
    until_blocked(&store, 1);
    let opts = XAdd::id(id(5, 0)).trim(StreamTrim::max_len(0));
    store.streams().xadd("s", &opts, [("f", "v")]).unwrap();
    let read = join_within(reader, PROMPTLY, "the reader")
        .unwrap()
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].0, "s");
    assert!(read[0].1.is_empty());
}

#[test]
fn a_stream_renamed_onto_a_waited_key_wakes_its_reader() {
    let store = Store::new();
    let reader = reader(&store, "dst", ReadFrom::After(StreamId::MIN));
    until_blocked(&store, 1);
    add(&store, "src", id(3, 0));
    store.keys().rename("src", "dst").unwrap();
    let read = join_within(reader, PROMPTLY, "the reader")
        .unwrap()
        .unwrap();
    assert_eq!(read[0].1[0].id, id(3, 0));
}

#[test]
fn a_last_id_set_below_deleted_entries_keeps_the_stream_whole() {
    // XSETID may set the last ID below a block whose entries are all deleted; entries
    // added then sit below it, and the stream still dumps and restores.
    let store = Store::new();
    for ms in 1..=3 {
        add(&store, "s", id(ms, 0));
    }
    let s = store.streams();
    s.xdel("s", [id(3, 0)]).unwrap();
    assert_eq!(s.xtrim("s", &StreamTrim::min_id(id(3, 0))).unwrap(), 2);
    s.xsetid("s", id(0, 5), None, None).unwrap();
    assert_eq!(add(&store, "s", id(0, 6)), Some(id(0, 6)));
    let payload = store.keys().dump("s").unwrap().unwrap();
    let options = embedis::RestoreOptions::default();
    store.keys().restore("copy", &payload, options).unwrap();
    assert_eq!(store.streams().xlen("copy").unwrap(), 1);
}

#[test]
fn an_approximate_trim_that_empties_a_stream_replays_from_the_log() {
    let dir = std::env::temp_dir().join(format!("embedis-streams-aof-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
        add(&store, "s", id(1, 0));
        add(&store, "s", id(2, 0));
        let trim = StreamTrim::min_id(id(10, 0)).approx();
        assert_eq!(store.streams().xtrim("s", &trim).unwrap(), 2);
        let opts = XAdd::id(id(20, 0)).trim(StreamTrim::min_id(id(100, 0)).approx());
        store.streams().xadd("t", &opts, [("f", "v")]).unwrap();
    }
    let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    assert_eq!(store.streams().xlen("s").unwrap(), 0);
    assert_eq!(store.streams().xlen("t").unwrap(), 0);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reader_after_deleted_entries_waits_for_a_new_one() {
    // The last ID is past the reader's, but only deleted entries lie between: Redis
    // blocks it until an entry is added.
    let store = Store::new();
    add(&store, "s", id(1, 0));
    add(&store, "s", id(2, 0));
    store.streams().xdel("s", [id(2, 0)]).unwrap();
    let from = [("s", ReadFrom::After(id(1, 0)))];
    let waited = store
        .streams()
        .xread_block(&from, None, Some(Duration::from_millis(30)));
    assert_eq!(waited, Ok(None));
}
