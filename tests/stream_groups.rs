//! Consumer groups: a job queue whose entries each reach one consumer, blocked group
//! readers told when their group or stream goes, crashed consumers' entries claimed by
//! idle time on a manual clock, group state replayed from the log, and what WATCH and
//! keyspace events see. (Replies and errors are compared with redis-server in
//! tests/differential.rs.)

use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use embedis::{
    CancelToken, ClaimTime, Error, GroupCreate, GroupRead, GroupReads, GroupStart, KeyspaceEvents,
    ManualClock, PendingRange, Reply, Store, StreamId, XAdd, XClaim, XReadGroup,
};

mod common;
use common::{PROMPTLY, join_within, until_blocked};

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId::new(ms, seq)
}

fn add(store: &Store, key: &str, at: StreamId) {
    store
        .streams()
        .xadd(key, &XAdd::id(at), [("f", at.to_string())])
        .unwrap();
}

/// A thread reading new entries of `key` as `consumer` of group `g`, blocked up to 10 s.
fn worker(
    store: &Store,
    key: &'static str,
    consumer: &'static str,
) -> thread::JoinHandle<Result<Option<GroupReads>, Error>> {
    let store = store.clone();
    thread::spawn(move || {
        store.streams().xreadgroup_block(
            &XReadGroup::new("g", consumer).count(1),
            &[(key, GroupRead::New)],
            Some(Duration::from_secs(10)),
        )
    })
}

fn clocked() -> (ManualClock, Store) {
    let clock = ManualClock::new();
    clock.set(UNIX_EPOCH + Duration::from_secs(1_000));
    let store = Store::builder().clock(clock.clone()).build();
    (clock, store)
}

#[test]
fn each_new_entry_reaches_exactly_one_waiting_consumer() {
    let store = Store::new();
    let s = store.streams();
    s.xgroup_create("jobs", "g", &GroupCreate::last().mkstream())
        .unwrap();
    let workers: Vec<_> = ["w1", "w2", "w3"]
        .into_iter()
        .map(|name| worker(&store, "jobs", name))
        .collect();
    until_blocked(&store, 3);
    for ms in 1..=3 {
        add(&store, "jobs", id(ms, 0));
    }
    let mut got: Vec<StreamId> = workers
        .into_iter()
        .map(|w| {
            let read = join_within(w, PROMPTLY, "a worker").unwrap().unwrap();
            assert_eq!(read[0].1.len(), 1);
            read[0].1[0].id
        })
        .collect();
    got.sort();
    assert_eq!(got, [id(1, 0), id(2, 0), id(3, 0)]);
    let pending = s.xpending("jobs", "g").unwrap();
    assert_eq!(pending.count, 3);
    assert_eq!(pending.consumers.len(), 3);
    // The group read everything: nothing is new for anyone.
    let again = s
        .xreadgroup(&XReadGroup::new("g", "w1"), &[("jobs", GroupRead::New)])
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(s.xinfo_groups("jobs").unwrap()[0].lag, Some(0));
}

#[test]
fn blocked_group_readers_are_told_when_their_group_or_stream_goes() {
    let store = Store::new();
    let s = store.streams();
    let setup = |key| {
        s.xgroup_create(key, "g", &GroupCreate::last().mkstream())
            .unwrap();
    };
    for key in ["a", "b", "c", "d"] {
        setup(key);
    }
    let on_a = worker(&store, "a", "x");
    let on_b = worker(&store, "b", "x");
    let on_c = worker(&store, "c", "x");
    let on_d = worker(&store, "d", "x");
    until_blocked(&store, 4);
    s.xgroup_destroy("a", "g").unwrap();
    assert_eq!(join_within(on_a, PROMPTLY, "a"), Err(Error::GroupGone));
    store.keys().del(["b"]).unwrap();
    assert_eq!(join_within(on_b, PROMPTLY, "b"), Err(Error::StreamGone));
    store.strings().set("c", "now a string").unwrap();
    assert_eq!(join_within(on_c, PROMPTLY, "c"), Err(Error::StreamGone));
    store.keys().flushdb().unwrap();
    assert_eq!(join_within(on_d, PROMPTLY, "d"), Err(Error::StreamGone));
    // A stream made again without the group: the group is gone for a waiting reader.
    setup("e");
    let on_e = worker(&store, "e", "x");
    until_blocked(&store, 1);
    store
        .transaction(["e"], |tx| {
            tx.keys().del(["e"])?;
            tx.streams().xadd("e", &XAdd::id(id(1, 0)), [("f", "v")])
        })
        .unwrap();
    assert_eq!(join_within(on_e, PROMPTLY, "e"), Err(Error::GroupGone));
}

#[test]
fn a_blocked_group_reader_is_told_when_the_sweeper_expires_its_stream() {
    let (clock, store) = clocked();
    let s = store.streams();
    s.xgroup_create("s", "g", &GroupCreate::last().mkstream())
        .unwrap();
    store
        .keys()
        .expire("s", Duration::from_millis(100))
        .unwrap();
    let on_s = worker(&store, "s", "x");
    until_blocked(&store, 1);
    clock.advance(Duration::from_millis(200));
    // The active expiry removes it, as Redis's does: the reader is unblocked.
    assert_eq!(store.purge_expired(), 1);
    assert_eq!(join_within(on_s, PROMPTLY, "s"), Err(Error::StreamGone));
}

#[test]
fn a_blocked_group_read_times_out_is_cancelled_or_never_waits_in_a_transaction() {
    let store = Store::new();
    let s = store.streams();
    s.xgroup_create("q", "g", &GroupCreate::last().mkstream())
        .unwrap();
    let options = XReadGroup::new("g", "c");
    let none = s.xreadgroup_block(
        &options,
        &[("q", GroupRead::New)],
        Some(Duration::from_millis(20)),
    );
    assert_eq!(none, Ok(None));
    // A read that blocks makes no consumer until it is served.
    assert!(s.xinfo_consumers("q", "g").unwrap().is_empty());
    let token = std::sync::Arc::new(CancelToken::new());
    let waiter = {
        let (store, token) = (store.clone(), token.clone());
        thread::spawn(move || {
            store.streams().cancel_with(&token).xreadgroup_block(
                &XReadGroup::new("g", "c"),
                &[("q", GroupRead::New)],
                None,
            )
        })
    };
    until_blocked(&store, 1);
    token.cancel();
    assert_eq!(
        join_within(waiter, PROMPTLY, "the cancelled reader"),
        Err(Error::Unblocked)
    );
    let got = store.transaction(["q"], |tx| {
        tx.streams()
            .xreadgroup_block(&XReadGroup::new("g", "c"), &[("q", GroupRead::New)], None)
    });
    assert_eq!(got, Ok(None));
    // A history read answers at once, even empty.
    let history = s
        .xreadgroup_block(&options, &[("q", GroupRead::Pending(StreamId::MIN))], None)
        .unwrap()
        .unwrap();
    assert!(history[0].1.is_empty());
}

#[test]
fn a_crashed_consumers_entries_are_claimed_once_idle_long_enough() {
    let (clock, store) = clocked();
    let s = store.streams();
    s.xgroup_create("log", "g", &GroupCreate::at(StreamId::MIN).mkstream())
        .unwrap();
    for ms in 1..=4 {
        add(&store, "log", id(ms, 0));
    }
    let crashed = XReadGroup::new("g", "crashed").count(3);
    s.xreadgroup(&crashed, &[("log", GroupRead::New)]).unwrap();
    clock.advance(Duration::from_millis(500));
    // Not idle for a minute yet.
    let early = s
        .xautoclaim("log", "g", "rescuer", 60_000, StreamId::MIN, 10)
        .unwrap();
    assert!(early.claimed.is_empty());
    assert_eq!(early.next, StreamId::MIN);
    let idle = s
        .xpending_range(
            "log",
            "g",
            &PendingRange::new(StreamId::MIN, StreamId::MAX, 10),
        )
        .unwrap();
    assert_eq!(idle[0].idle, 500);
    clock.advance(Duration::from_secs(60));
    // Entry 2 was deleted meanwhile: it is dropped from the list, not claimed.
    s.xdel("log", [id(2, 0)]).unwrap();
    let taken = s
        .xautoclaim("log", "g", "rescuer", 60_000, StreamId::MIN, 1)
        .unwrap();
    assert_eq!(taken.claimed[0].id, id(1, 0));
    assert_eq!(taken.next, id(2, 0));
    let taken = s
        .xautoclaim("log", "g", "rescuer", 60_000, taken.next, 10)
        .unwrap();
    assert_eq!(taken.deleted, [id(2, 0)]);
    assert_eq!(taken.claimed.len(), 1);
    let pending = s
        .xpending_range(
            "log",
            "g",
            &PendingRange::new(StreamId::MIN, StreamId::MAX, 10).consumer("rescuer"),
        )
        .unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|p| (p.id, p.deliveries, p.idle))
            .collect::<Vec<_>>(),
        [(id(1, 0), 2, 0), (id(3, 0), 2, 0)]
    );
    // XCLAIM: IDLE sets the delivery time back, RETRYCOUNT the count.
    let options = XClaim::new().time(ClaimTime::Idle(250)).retry_count(9);
    let ids = s
        .xclaim_ids("log", "g", "third", 0, [id(3, 0)], &options)
        .unwrap();
    assert_eq!(ids, [id(3, 0)]);
    let p = s
        .xpending_range("log", "g", &PendingRange::new(id(3, 0), id(3, 0), 1))
        .unwrap();
    assert_eq!(
        (&p[0].consumer[..], p[0].idle, p[0].deliveries),
        (&b"third"[..], 250, 9)
    );
    // Acknowledged entries are done.
    assert_eq!(
        s.xack("log", "g", [id(1, 0), id(3, 0), id(9, 0)]).unwrap(),
        2
    );
    assert_eq!(s.xpending("log", "g").unwrap().count, 0);
}

#[test]
fn group_state_is_replayed_from_the_log() {
    let dir = std::env::temp_dir().join(format!("embedis-groups-aof-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let before = {
        let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
        let s = store.streams();
        s.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())
            .unwrap();
        s.xgroup_create("s", "quiet", &GroupCreate::at(StreamId::MIN))
            .unwrap();
        for ms in 1..=5 {
            add(&store, "s", id(ms, 0));
        }
        s.xreadgroup(
            &XReadGroup::new("g", "a").count(2),
            &[("s", GroupRead::New)],
        )
        .unwrap();
        s.xreadgroup(
            &XReadGroup::new("g", "b").count(2),
            &[("s", GroupRead::New)],
        )
        .unwrap();
        s.xreadgroup(
            &XReadGroup::new("quiet", "n").count(3).noack(),
            &[("s", GroupRead::New)],
        )
        .unwrap();
        s.xack("s", "g", [id(1, 0)]).unwrap();
        s.xclaim(
            "s",
            "g",
            "c",
            0,
            [id(3, 0)],
            &XClaim::new().last_id(id(4, 0)),
        )
        .unwrap();
        s.xgroup_createconsumer("s", "g", "idle").unwrap();
        s.xgroup_setid("s", "quiet", GroupStart::Id(id(4, 0)), Some(4))
            .unwrap();
        s.xinfo_stream_full("s", 0).unwrap()
    };
    let store = Store::builder().dir(&dir).appendonly(true).open().unwrap();
    let after = store.streams().xinfo_stream_full("s", 0).unwrap();
    let shape = |full: &embedis::StreamInfoFull| {
        full.groups
            .iter()
            .map(|g| {
                let consumers: Vec<_> = g
                    .consumers
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            c.pending.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(),
                        )
                    })
                    .collect();
                let pending: Vec<_> = g
                    .pending
                    .iter()
                    .map(|p| (p.0, p.1.clone(), p.2, p.3))
                    .collect();
                // Not the count of entries read: a replayed XCLAIM … LASTID leaves it
                // unknown, as it does in Redis.
                (g.name.clone(), g.last_delivered_id, pending, consumers)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&after), shape(&before));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn group_commands_announce_events_and_only_mkstream_touches_watchers() {
    let store = Store::builder()
        .notify_keyspace_events(KeyspaceEvents::parse("Et").unwrap())
        .build();
    let sub = store.pubsub().psubscribe(["__keyevent@0__:*"]);
    let s = store.streams();
    let made = store.watch(["s"]);
    s.xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())
        .unwrap();
    assert!(made.changed());
    add(&store, "s", id(1, 0));
    let watch = store.watch(["s"]);
    s.xreadgroup(&XReadGroup::new("g", "a"), &[("s", GroupRead::New)])
        .unwrap();
    s.xack("s", "g", [id(1, 0)]).unwrap();
    s.xgroup_createconsumer("s", "g", "b").unwrap();
    s.xgroup_delconsumer("s", "g", "b").unwrap();
    s.xgroup_setid("s", "g", GroupStart::Last, None).unwrap();
    s.xgroup_destroy("s", "g").unwrap();
    assert!(
        !watch.changed(),
        "group changes are not seen by WATCH in 7.0"
    );
    let events: Vec<String> = sub
        .iter_pending()
        .map(|m| String::from_utf8(m.channel.to_vec()).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "__keyevent@0__:xgroup-create",
            "__keyevent@0__:xadd",
            "__keyevent@0__:xgroup-createconsumer",
            "__keyevent@0__:xgroup-createconsumer",
            "__keyevent@0__:xgroup-delconsumer",
            "__keyevent@0__:xgroup-setid",
            "__keyevent@0__:xgroup-destroy",
        ]
    );
}

/// A plain model of one stream and one group, for the property test below.
#[derive(Default)]
struct Model {
    entries: std::collections::BTreeSet<u64>,
    last: u64,
    group_last: u64,
    /// Pending entries: consumer and delivery count.
    pending: std::collections::BTreeMap<u64, (usize, u64)>,
    consumers: std::collections::BTreeSet<usize>,
}

const NAMES: [&str; 3] = ["c0", "c1", "c2"];

impl Model {
    fn drop_pending(&mut self, ms: u64) {
        self.pending.remove(&ms);
    }

    fn take(&mut self, ms: u64, c: usize, bump: bool) {
        if let Some(p) = self.pending.get_mut(&ms) {
            p.0 = c;
            if bump {
                p.1 += 1;
            }
        }
    }
}

/// Applies operation `op` (a byte string) to the store and the model, and checks they
/// agree on the answer and on the group's pending entries.
#[allow(clippy::too_many_lines)] // one arm per operation
fn step(store: &Store, m: &mut Model, op: [u8; 4]) {
    let s = store.streams();
    let c = usize::from(op[1]) % 3;
    let name = NAMES[c];
    let pick = |m: &Model, n: u8| -> u64 {
        if m.last == 0 {
            return 1;
        }
        u64::from(n) % (m.last + 2)
    };
    match op[0] % 9 {
        0 | 1 => {
            let ms = m.last + 1 + u64::from(op[2] % 3);
            add(store, "s", id(ms, 0));
            m.entries.insert(ms);
            m.last = ms;
        }
        2 => {
            let ms = pick(m, op[2]);
            let n = s.xdel("s", [id(ms, 0)]).unwrap();
            assert_eq!(n, u64::from(m.entries.remove(&ms)));
        }
        3 => {
            let count = usize::from(op[2] % 4);
            let read = s
                .xreadgroup(
                    &XReadGroup::new("g", name).count(count),
                    &[("s", GroupRead::New)],
                )
                .unwrap();
            let fresh: Vec<u64> = m
                .entries
                .range(m.group_last + 1..)
                .take(if count == 0 { usize::MAX } else { count })
                .copied()
                .collect();
            let got: Vec<u64> = read
                .iter()
                .flat_map(|(_, e)| e.iter().map(|e| e.id.ms))
                .collect();
            assert_eq!(got, fresh, "XREADGROUP >");
            if let Some(&top) = fresh.last() {
                m.group_last = top;
                m.consumers.insert(c);
                for ms in fresh {
                    m.pending.insert(ms, (c, 1));
                }
            }
        }
        4 => {
            let after = pick(m, op[2]);
            let read = s
                .xreadgroup(
                    &XReadGroup::new("g", name),
                    &[("s", GroupRead::Pending(id(after, 0)))],
                )
                .unwrap();
            m.consumers.insert(c);
            let mine: Vec<(u64, bool)> = m
                .pending
                .range(after + 1..)
                .filter(|(_, p)| p.0 == c)
                .map(|(&ms, _)| (ms, m.entries.contains(&ms)))
                .collect();
            let got: Vec<(u64, bool)> = read[0]
                .1
                .iter()
                .map(|e| (e.id.ms, e.fields.is_some()))
                .collect();
            assert_eq!(got, mine, "XREADGROUP history");
            for (ms, live) in mine {
                if live {
                    m.take(ms, c, true);
                }
            }
        }
        5 => {
            let ids = [pick(m, op[2]), pick(m, op[3])];
            let acked = s.xack("s", "g", ids.map(|ms| id(ms, 0))).unwrap();
            let mut want = 0;
            for ms in ids {
                want += u64::from(m.pending.remove(&ms).is_some());
            }
            assert_eq!(acked, want, "XACK");
        }
        6 => {
            let ms = pick(m, op[2]);
            let force = op[3].is_multiple_of(2);
            let options = if force {
                XClaim::new().force()
            } else {
                XClaim::new()
            };
            let got = s
                .xclaim_ids("s", "g", name, 0, [id(ms, 0)], &options)
                .unwrap();
            let mut want = Vec::new();
            if !m.entries.contains(&ms) {
                m.drop_pending(ms);
            } else if m.pending.contains_key(&ms) || force {
                m.pending.entry(ms).or_insert((c, 1));
                m.take(ms, c, false);
                m.consumers.insert(c);
                want.push(ms);
            }
            assert_eq!(got.iter().map(|i| i.ms).collect::<Vec<_>>(), want, "XCLAIM");
        }
        7 => {
            let count = u64::from(op[2] % 3) + 1;
            let start = pick(m, op[3]);
            let got = s
                .xautoclaim_ids("s", "g", name, 0, id(start, 0), count)
                .unwrap();
            let (mut claimed, mut deleted, mut left) = (Vec::new(), Vec::new(), count);
            let ids: Vec<u64> = m.pending.range(start..).map(|(&ms, _)| ms).collect();
            let mut next = 0;
            for (i, ms) in ids.iter().enumerate() {
                if left == 0 {
                    next = *ms;
                    break;
                }
                left -= 1;
                if m.entries.contains(ms) {
                    // JUSTID: the delivery count stays.
                    m.take(*ms, c, false);
                    m.consumers.insert(c);
                    claimed.push(*ms);
                } else {
                    m.drop_pending(*ms);
                    deleted.push(*ms);
                }
                if i + 1 == ids.len() {
                    next = 0;
                }
            }
            assert_eq!(
                got.claimed.iter().map(|i| i.ms).collect::<Vec<_>>(),
                claimed
            );
            assert_eq!(
                got.deleted.iter().map(|i| i.ms).collect::<Vec<_>>(),
                deleted
            );
            assert_eq!(got.next, id(next, 0), "the cursor");
        }
        _ => {
            let had = s.xgroup_delconsumer("s", "g", name).unwrap();
            let mine: Vec<u64> = m
                .pending
                .iter()
                .filter(|(_, p)| p.0 == c)
                .map(|(&ms, _)| ms)
                .collect();
            assert_eq!(had, mine.len() as u64, "DELCONSUMER");
            for ms in mine {
                m.pending.remove(&ms);
            }
            m.consumers.remove(&c);
        }
    }
    let list = s
        .xpending_range(
            "s",
            "g",
            &PendingRange::new(StreamId::MIN, StreamId::MAX, 1000),
        )
        .unwrap();
    let got: Vec<(u64, String, u64)> = list
        .iter()
        .map(|p| {
            (
                p.id.ms,
                String::from_utf8_lossy(&p.consumer).into_owned(),
                p.deliveries,
            )
        })
        .collect();
    let want: Vec<(u64, String, u64)> = m
        .pending
        .iter()
        .map(|(&ms, &(c, n))| (ms, NAMES[c].to_string(), n))
        .collect();
    assert_eq!(got, want, "the pending entries");
    assert_eq!(
        s.xinfo_groups("s").unwrap()[0].last_delivered_id,
        id(m.group_last, 0)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100)
    ))]

    /// Random reads, acknowledgements, claims, deletions and consumer removals agree
    /// with a plain model of the group's pending entries.
    #[test]
    fn group_operations_agree_with_a_model(ops in proptest::collection::vec(proptest::prelude::any::<[u8; 4]>(), 0..200)) {
        let (_clock, store) = clocked();
        store
            .streams()
            .xgroup_create("s", "g", &GroupCreate::at(StreamId::MIN).mkstream())
            .unwrap();
        let mut m = Model::default();
        for op in &ops {
            step(&store, &mut m, *op);
        }
    }
}

#[test]
fn the_largest_id_reads_new_entries_as_redis_marks_the_gt_id() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["XADD", "s", "1-0", "f", "1"]);
    c.execute(&["XADD", "s", "2-0", "f", "2"]);
    c.execute(&["XGROUP", "CREATE", "s", "g", "0"]);
    let max = "18446744073709551615-18446744073709551615";
    // Redis takes this ID for `>`: new entries, not the consumer's history.
    let read = c.execute(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", max]);
    let all = c.execute(&["XRANGE", "s", "-", "+"]);
    assert_eq!(
        read,
        Reply::Array(vec![Reply::Array(vec![Reply::Bulk("s".into()), all])])
    );
    // Nothing new is left: nil, and the pending entry was not read again.
    let read = c.execute(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", max]);
    assert_eq!(read, Reply::NilArray);
    let pending = store
        .streams()
        .xpending_range(
            "s",
            "g",
            &PendingRange::new(StreamId::MIN, StreamId::MAX, 10),
        )
        .unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|p| p.deliveries == 1));
    // Through the typed API, nothing is after the largest ID.
    let history = store
        .streams()
        .xreadgroup(
            &XReadGroup::new("g", "c"),
            &[("s", GroupRead::Pending(StreamId::MAX))],
        )
        .unwrap();
    assert!(history[0].1.is_empty());
}

/// A command run on its own connection, in a thread.
fn blocked_command(store: &Store, args: &'static [&'static str]) -> thread::JoinHandle<Reply> {
    let store = store.clone();
    thread::spawn(move || store.connection().execute(args))
}

#[test]
fn a_blocked_group_reader_is_answered_on_a_signal_only_as_redis_serves_it() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["XADD", "s", "1-0", "f", "1"]);
    c.execute(&["XADD", "s", "2-0", "f", "2"]);
    c.execute(&["XGROUP", "CREATE", "s", "g", "1-0"]);
    c.execute(&["XGROUP", "CREATE", "s", "other", "0"]);
    c.execute(&["XDEL", "s", "2-0"]);
    let read: &[&str] = &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "300",
        "STREAMS",
        "s",
        ">",
    ];
    // The stream's last ID is past the group's, with no entry left to give: another
    // group's destruction signals the key, and Redis answers the reader, empty.
    let reader = blocked_command(&store, read);
    until_blocked(&store, 1);
    c.execute(&["XGROUP", "DESTROY", "s", "other"]);
    let empty = Reply::Array(vec![Reply::Array(vec![
        Reply::Bulk("s".into()),
        Reply::Array(vec![]),
    ])]);
    assert_eq!(join_within(reader, PROMPTLY, "reader"), empty);
    // XSETID moves the last ID without a signal: another client blocking on the key
    // does not answer the reader, which times out.
    c.execute(&["XSETID", "s", "5-0"]);
    c.execute(&["XGROUP", "SETID", "s", "g", "2-0"]);
    let reader = blocked_command(&store, read);
    until_blocked(&store, 1);
    let other: &[&str] = &["XREAD", "BLOCK", "100", "STREAMS", "s", "$"];
    let other = blocked_command(&store, other);
    assert_eq!(join_within(other, PROMPTLY, "other"), Reply::NilArray);
    assert_eq!(join_within(reader, PROMPTLY, "reader"), Reply::NilArray);
}

#[test]
fn over_the_memory_limit_only_the_group_subcommands_that_grow_memory_are_refused() {
    let store = Store::new();
    let mut c = store.connection();
    c.execute(&["XADD", "s", "1-0", "f", "1"]);
    c.execute(&["XGROUP", "CREATE", "s", "g0", "0"]);
    c.execute(&["CONFIG", "SET", "maxmemory", "1"]);
    let oom = "(error) OOM command not allowed when used memory > 'maxmemory'.";
    // DENYOOM in Redis's table is the subcommand's, not XGROUP's.
    for args in [
        &["XGROUP", "CREATE", "s", "g", "0"][..],
        &["XGROUP", "CREATECONSUMER", "s", "g0", "c"],
    ] {
        assert_eq!(c.execute(args).to_string(), oom, "{args:?}");
    }
    assert_eq!(
        c.execute(&["XGROUP", "SETID", "s", "g0", "0"]),
        Reply::Simple("OK".into())
    );
    assert_eq!(
        c.execute(&["XGROUP", "DESTROY", "s", "g0"]),
        Reply::Integer(1)
    );
}

#[test]
fn one_entry_reaches_one_reader_of_each_waiting_group() {
    let store = Store::new();
    let s = store.streams();
    for g in ["g", "audit"] {
        s.xgroup_create("q", g, &GroupCreate::last().mkstream())
            .unwrap();
    }
    let reader = |group: &'static str, consumer: &'static str| {
        let store = store.clone();
        thread::spawn(move || {
            store.streams().xreadgroup_block(
                &XReadGroup::new(group, consumer),
                &[("q", GroupRead::New)],
                Some(Duration::from_millis(300)),
            )
        })
    };
    // Two readers of "g" queue before the one of "audit": the second of "g" finds
    // nothing, and "audit"'s reader is still served.
    let g1 = reader("g", "a");
    until_blocked(&store, 1);
    let g2 = reader("g", "b");
    until_blocked(&store, 2);
    let audit = reader("audit", "x");
    until_blocked(&store, 3);
    add(&store, "q", id(1, 0));
    let got = |h: thread::JoinHandle<Result<Option<GroupReads>, Error>>| {
        join_within(h, PROMPTLY, "a reader").unwrap()
    };
    assert!(got(audit).is_some());
    let (first, second) = (got(g1), got(g2));
    assert!(first.is_some(), "the first of the group gets the entry");
    assert_eq!(second, None, "the second times out");
}
