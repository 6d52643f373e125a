//! What a [`Store`](crate::Store) shares between its clones (Redis's `server` struct):
//! the keyspace, the pub/sub registry, the client registry, the limits and the sweeper.
//!
//! The layers below (values, the engine) know nothing of it; the command handles above
//! reach the keyspace through an [`Access`](crate::keyspace::Access) and the registries
//! through this.

use crate::aof::{Aof, Ticker};
use crate::persist::Snapshots;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::{Condvar, Mutex};

use crate::keyspace::blocking::CancelToken;
use crate::keyspace::expiry::{self, Schedule, SweeperHandle};
use crate::keyspace::pubsub::Registry;
use crate::keyspace::{Access, Keyspace};

/// The state every clone of a store shares.
pub(crate) struct Core {
    pub(crate) keyspace: Keyspace,
    pub(crate) pubsub: Arc<Registry>,
    pub(crate) clients: Clients,
    pub(crate) snapshots: Snapshots,
    /// The append-only log (on with `appendonly yes`).
    pub(crate) aof: Aof,
    /// The thread writing the log out, once it is on.
    flusher: Mutex<Option<Ticker>>,
    /// The thread that syncs the log each second (apart: a sync may take long).
    syncer: Mutex<Option<Ticker>>,
    /// The thread checking the `save` rules, once there are some.
    saver: Mutex<Option<Ticker>>,
    sweeper: SweeperHandle,
    /// Lua scripting: the state, its script cache, the running script.
    #[cfg(feature = "scripting")]
    pub(crate) scripting: crate::script::Scripting,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("databases", &self.keyspace.databases())
            .field("max_string_size", &self.keyspace.max_string_size())
            .finish_non_exhaustive()
    }
}

impl Core {
    /// The shared state, and its sweeper thread (which sweeps only when
    /// `active_expiry`), which holds only a weak reference and is handed the sweep as a
    /// closure.
    pub(crate) fn start(
        keyspace: Keyspace,
        pubsub: Arc<Registry>,
        schedule: &Arc<Schedule>,
        active_expiry: bool,
        (snapshots, aof): (Snapshots, Aof),
    ) -> Arc<Core> {
        let core = Arc::new(Core {
            keyspace,
            pubsub,
            clients: Clients::default(),
            snapshots,
            aof,
            #[cfg(feature = "scripting")]
            scripting: crate::script::Scripting::default(),
            flusher: Mutex::new(None),
            syncer: Mutex::new(None),
            saver: Mutex::new(None),
            sweeper: SweeperHandle::new(Arc::clone(schedule)),
        });
        // `appendfsync` as configured, whether the log is on yet or not.
        core.keyspace.feed().set_policy(core.aof.config().fsync);
        // The sweeper also wakes async waits whose timeout passed: it runs without
        // active expiry too, then only for them.
        let weak: Weak<Core> = Arc::downgrade(&core);
        let sweep = move || {
            if !active_expiry {
                // Only the timers: no strong reference taken, so the store is never
                // dropped (and its files closed) on this thread.
                return (weak.strong_count() > 0).then_some(None);
            }
            let core = weak.upgrade()?;
            if core.keyspace.loading() {
                // Time stands still while a log is replayed: nothing is due (woken
                // when loading ends).
                return Some(None);
            }
            core.keyspace.purge_expired();
            Some(core.keyspace.first_tick())
        };
        // Without a thread the store still works: expiry stays lazy (and async waits
        // end only when served or cancelled).
        if let Ok(thread) = expiry::spawn(sweep, Arc::clone(schedule)) {
            core.sweeper.set_thread(thread);
        }
        core
    }

    /// Starts appending to the log (after it was loaded): the files made ready, the
    /// feed on, and the thread that writes it out (and syncs it every second under
    /// `everysec`).
    pub(crate) fn start_log(self: &Arc<Core>) -> crate::Result<()> {
        let aof = &self.aof;
        let access = self.access();
        // Nothing but the sweeper runs yet (the store is not handed out): the base and
        // the feed's start see the same keys, but for expired ones the sweeper may
        // remove in between, which a replay expires again.
        let sink = aof.open_for_append(access)?;
        let feed = self.keyspace.feed();
        access.with_every_shard(|| feed.start(sink))?;
        self.start_flusher()
    }

    /// Starts the thread that writes the log out, and rewrites it when it has grown
    /// enough, and the one that syncs it every second (Redis's background fsync: a
    /// sync may take long, and the writing out goes on meanwhile).
    fn start_flusher(self: &Arc<Core>) -> crate::Result<()> {
        let feed = self.keyspace.feed();
        let weak: Weak<Core> = Arc::downgrade(self);
        let syncer = Ticker::start("embedis-aof-sync", move |second| {
            let Some(core) = weak.upgrade() else {
                return false;
            };
            let feed = core.keyspace.feed();
            // Synced each second unless the policy leaves it to the system (`always`
            // syncs its writers' records itself; what else was appended, here), and a
            // failed sync retried whatever the policy (writes wait on it). An error is
            // kept by the feed: writes are refused until a sync succeeds.
            if (second && feed.policy() != crate::AppendFsync::No) || feed.sync_failed() {
                let _ = feed.sync_aside();
            }
            true
        })
        .map_err(|e| crate::Error::Io(format!("starting the log's thread: {e}")))?;
        *self.syncer.lock() = Some(syncer);
        let weak: Weak<Core> = Arc::downgrade(self);
        let flusher = Ticker::start("embedis-aof", move |_| {
            let Some(core) = weak.upgrade() else {
                return false;
            };
            let feed = core.keyspace.feed();
            // An error is kept by the feed: writes are refused until a write succeeds.
            let _ = feed.flush(false);
            if core.aof.wants_rewrite(core.access()) && core.aof.claim_auto_rewrite() {
                // On a thread of its own: starting one waits for every shard's lock,
                // which this thread, the log's writer, must not.
                let started = Arc::clone(&core);
                let spawned = std::thread::Builder::new()
                    .name("embedis-aofrw".into())
                    .spawn(move || {
                        let ok = started
                            .bgrewriteaof()
                            .is_ok_and(|done| done.recv().is_ok_and(|r| r.is_ok()));
                        started.aof.auto_rewrite_done(ok);
                    });
                if spawned.is_err() {
                    core.aof.auto_rewrite_done(false);
                }
            }
            true
        })
        .map_err(|e| crate::Error::Io(format!("starting the log's thread: {e}")))?;
        feed.set_writer(flusher.thread());
        *self.flusher.lock() = Some(flusher);
        Ok(())
    }

    /// Sets the `save` rules and, if there are some, starts the thread that checks
    /// them (10 times a second, as Redis's `serverCron`) and starts a background save
    /// when one is due.
    pub(crate) fn set_save_rules(self: &Arc<Core>, rules: Vec<(u64, u64)>) {
        let any = !rules.is_empty();
        self.snapshots.set_rules(self.access(), rules);
        let mut saver = self.saver.lock();
        if !any || saver.is_some() {
            return;
        }
        let weak: Weak<Core> = Arc::downgrade(self);
        *saver = Ticker::start("embedis-save", move |_| {
            let Some(core) = weak.upgrade() else {
                return false;
            };
            if !core.keyspace.background_in_progress() && core.snapshots.due(core.access()) {
                // Its outcome is LASTSAVE's and INFO's.
                drop(core.bgsave());
            }
            true
        })
        .ok();
    }

    /// Starts a background save (`BGSAVE`) and finishes it on a thread of its own; the
    /// receiver gets how it went.
    pub(crate) fn bgsave(
        self: &Arc<Core>,
    ) -> crate::Result<std::sync::mpsc::Receiver<crate::Result<()>>> {
        self.snapshots.begin_background(self.access())?;
        let core = Arc::clone(self);
        let finish = move || core.snapshots.finish_background(core.access());
        Ok(on_a_thread("embedis-bgsave", finish))
    }

    /// Starts a rewrite of the log (`BGREWRITEAOF`) and finishes it on a thread of its
    /// own; the receiver gets how it went.
    pub(crate) fn bgrewriteaof(
        self: &Arc<Core>,
    ) -> crate::Result<std::sync::mpsc::Receiver<crate::Result<()>>> {
        self.aof.begin_rewrite(self.access())?;
        let core = Arc::clone(self);
        let finish = move || core.aof.finish_rewrite(core.access());
        Ok(on_a_thread("embedis-aofrw", finish))
    }

    /// Turns the log on or off in a running store (`CONFIG SET appendonly`). On: as
    /// Redis's `startAppendOnly`, a new log of the store as it is, made in the
    /// background while changes already go to it (see `Aof::begin_enable`). Off: what
    /// was appended is written out and synced, and the directory let go.
    pub(crate) fn set_appendonly(self: &Arc<Core>, on: bool) -> crate::Result<()> {
        let aof = &self.aof;
        let feed = self.keyspace.feed();
        if on == aof.enabled() {
            return Ok(());
        }
        if on {
            return match self.enable_log() {
                // A background save is being taken (Redis's other child): the log
                // starts once it is over, as Redis schedules its rewrite. Nothing is
                // lost meanwhile: the log's base is the store as it is then.
                Err(crate::Error::BackgroundSaveInProgress) => {
                    let core = Arc::clone(self);
                    std::thread::Builder::new()
                        .name("embedis-aofrw".into())
                        .spawn(move || {
                            for _ in 0..60_000 {
                                std::thread::sleep(std::time::Duration::from_millis(10));
                                if core.aof.enabled()
                                    || !matches!(
                                        core.enable_log(),
                                        Err(crate::Error::BackgroundSaveInProgress)
                                    )
                                {
                                    return;
                                }
                            }
                        })
                        .map(drop)
                        .map_err(|e| crate::Error::Io(format!("scheduling the log: {e}")))
                }
                other => other,
            };
        }
        aof.exclusively(|| {
            self.flusher.lock().take();
            self.syncer.lock().take();
            aof.set_enabled(false);
            let stopped = feed.stop();
            aof.unlock();
            stopped
        })
    }

    /// Turns the log on: its feed starts at this instant, its base is written on a
    /// thread of its own.
    fn enable_log(self: &Arc<Core>) -> crate::Result<()> {
        self.aof.begin_enable(self.access())?;
        // The base is written whatever comes next (its thread ends the rewrite).
        let core = Arc::clone(self);
        drop(on_a_thread("embedis-aofrw", move || {
            core.aof.finish_enable(core.access())
        }));
        self.start_flusher()
    }

    /// The keyspace as a handle outside any transaction reaches it.
    pub(crate) fn access(&self) -> Access<'_> {
        self.keyspace.access()
    }

    #[cfg(test)]
    pub(crate) fn sweeper_thread(&self) -> Option<std::thread::ThreadId> {
        self.sweeper.thread_id()
    }
}

/// Runs `finish` (the rest of a background job) on a thread named `name`, or here if
/// no thread can start (rather than leave it owed); the receiver gets its result.
fn on_a_thread(
    name: &str,
    finish: impl FnOnce() -> crate::Result<()> + Send + Clone + 'static,
) -> std::sync::mpsc::Receiver<crate::Result<()>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name(name.into()).spawn({
        let tx = tx.clone();
        let finish = finish.clone();
        move || {
            let _ = tx.send(finish());
        }
    });
    if spawned.is_err() {
        let _ = tx.send(finish());
    }
    rx
}

impl Drop for Core {
    /// The log's last records written out and synced before the store goes.
    fn drop(&mut self) {
        self.saver.get_mut().take();
        self.flusher.get_mut().take();
        self.syncer.get_mut().take();
        let _ = self.keyspace.feed().stop();
    }
}

/// The connections of a store, for `CLIENT LIST`, `KILL`, `PAUSE`, `UNBLOCK` and
/// `INFO clients`.
#[derive(Default, Debug)]
pub(crate) struct Clients {
    next_id: AtomicU64,
    live: Mutex<HashMap<u64, Arc<Client>>>,
    /// Whether a `CLIENT PAUSE` may be in force (the cheap check every command makes).
    paused: AtomicBool,
    pause: Mutex<Pause>,
    pause_changed: Condvar,
}

/// A `CLIENT PAUSE` in force.
#[derive(Default, Debug, Clone, Copy)]
struct Pause {
    until: Option<Instant>,
    /// `WRITE`: only commands that may change data wait.
    writes_only: bool,
}

impl Clients {
    pub(crate) fn count(&self) -> usize {
        self.live.lock().len()
    }

    /// A new client, with the next id, made at `now` (Unix milliseconds).
    pub(crate) fn register(&self, now: u64) -> Arc<Client> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let client = Arc::new(Client {
            id,
            name: Mutex::new(None),
            blocked: Mutex::new(None),
            unblock_error: AtomicBool::new(false),
            created: now,
            shown: Shown {
                last_interaction: AtomicU64::new(now),
                ..Shown::default()
            },
            killed: AtomicBool::new(false),
            inbox: Mutex::new(None),
        });
        self.live.lock().insert(id, Arc::clone(&client));
        client
    }

    /// Forgets client `id` (its connection closed).
    pub(crate) fn deregister(&self, id: u64) {
        self.live.lock().remove(&id);
    }

    /// Every connection, oldest first.
    pub(crate) fn all(&self) -> Vec<Arc<Client>> {
        let mut all: Vec<Arc<Client>> = self.live.lock().values().cloned().collect();
        all.sort_by_key(|c| c.id);
        all
    }

    /// The connection `id`, if open.
    pub(crate) fn get(&self, id: u64) -> Option<Arc<Client>> {
        self.live.lock().get(&id).cloned()
    }

    /// `CLIENT UNBLOCK`: the token of the blocking call `id` is in, if any, for the
    /// caller to cancel (an `EXEC` cancels once it has released its shards: a waking
    /// waiter may be retrying on one of them).
    pub(crate) fn unblock(&self, id: u64, error: bool) -> Option<CancelToken> {
        let client = self.live.lock().get(&id).cloned()?;
        let blocked = client.blocked.lock();
        let token = blocked.as_ref()?;
        client.unblock_error.store(error, Ordering::Relaxed);
        Some(token.clone())
    }

    /// `CLIENT PAUSE`: until `until`, every command waits (or, `writes_only`, every
    /// command that may change data). A pause in force is extended, never shortened,
    /// and made no less strict (`pauseClients`).
    pub(crate) fn pause(&self, until: Instant, writes_only: bool) {
        let mut p = self.pause.lock();
        let live = p.until.is_some_and(|u| u > Instant::now());
        *p = if live {
            Pause {
                until: p.until.max(Some(until)),
                writes_only: p.writes_only && writes_only,
            }
        } else {
            Pause {
                until: Some(until),
                writes_only,
            }
        };
        self.paused.store(true, Ordering::Release);
        self.pause_changed.notify_all();
    }

    /// Wakes the commands waiting on a pause, to look again (at a kill).
    fn wake_paused(&self) {
        let _p = self.pause.lock();
        self.pause_changed.notify_all();
    }

    /// `CLIENT UNPAUSE`.
    pub(crate) fn unpause(&self) {
        *self.pause.lock() = Pause::default();
        self.paused.store(false, Ordering::Release);
        self.pause_changed.notify_all();
    }

    /// Waits while a pause holds `client`'s command (`write()`: whether it may change
    /// data); meanwhile `CLIENT LIST` shows the client blocked.
    pub(crate) fn wait_while_paused(&self, client: &Client, write: impl FnOnce() -> bool) {
        if !self.paused.load(Ordering::Acquire) {
            return;
        }
        let write = write();
        let mut p = self.pause.lock();
        let mut waited = false;
        while let Some(until) = p.until {
            if client.killed.load(Ordering::Acquire) {
                break;
            }
            if Instant::now() >= until {
                *p = Pause::default();
                self.paused.store(false, Ordering::Release);
                break;
            }
            if p.writes_only && !write {
                break;
            }
            if !waited {
                waited = true;
                client.shown.postponed.store(true, Ordering::Relaxed);
            }
            self.pause_changed.wait_until(&mut p, until);
        }
        if waited {
            client.shown.postponed.store(false, Ordering::Relaxed);
        }
    }
}

/// One connection, as the registry knows it.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) id: u64,
    pub(crate) name: Mutex<Option<Bytes>>,
    /// The token of the blocking call in progress.
    pub(crate) blocked: Mutex<Option<CancelToken>>,
    /// Whether the last `CLIENT UNBLOCK` asked for an error rather than a timeout.
    pub(crate) unblock_error: AtomicBool,
    /// When it was made (Unix milliseconds).
    pub(crate) created: u64,
    /// What `CLIENT LIST` shows of it, kept by its connection as it runs commands.
    pub(crate) shown: Shown,
    /// Closed by `CLIENT KILL`: its next command fails, and it starts afresh.
    pub(crate) killed: AtomicBool,
    /// Its subscription's inbox, which a kill closes at once.
    pub(crate) inbox: Mutex<Option<Arc<crate::keyspace::pubsub::Inbox>>>,
}

impl Client {
    /// `CLIENT KILL` of another connection: closes it at once — its subscription stops
    /// receiving and counting, a blocking call or a wait on a pause returns — and its
    /// next command fails.
    pub(crate) fn kill(&self, clients: &Clients) -> Option<CancelToken> {
        self.killed.store(true, Ordering::Release);
        if let Some(inbox) = self.inbox.lock().take() {
            inbox.close();
        }
        clients.wake_paused();
        // Under the lock a blocking call registers its token with: it either sees the
        // kill before it waits, or its token is cancelled.
        self.blocked.lock().clone()
    }
}

/// A connection's state as others see it (`CLIENT LIST`), published by the connection
/// with relaxed stores (no lock on its command path).
#[derive(Debug, Default)]
pub(crate) struct Shown {
    pub(crate) db: AtomicUsize,
    /// Channels, patterns and shard channels subscribed to.
    pub(crate) subscriptions: [AtomicUsize; 3],
    /// Commands queued by `MULTI` plus one (0: not in `MULTI`), and their arguments'
    /// bytes.
    pub(crate) multi: AtomicUsize,
    pub(crate) multi_memory: AtomicUsize,
    /// The flags of the watches of a `WATCH` in force: set once a key changed.
    pub(crate) watched: Mutex<Vec<Arc<AtomicBool>>>,
    pub(crate) watching: AtomicUsize,
    pub(crate) no_evict: AtomicBool,
    pub(crate) resp3: AtomicBool,
    /// The last command, as the command table codes it (0: unknown).
    pub(crate) last_command: AtomicU32,
    /// When it last sent a command (Unix milliseconds).
    pub(crate) last_interaction: AtomicU64,
    /// The command running: its size in RESP, and its arguments' bytes.
    pub(crate) running: AtomicUsize,
    pub(crate) running_args: AtomicUsize,
    /// The bytes of its reply made so far (inside `EXEC`).
    pub(crate) buffered: AtomicUsize,
    /// Its command waits for a `CLIENT PAUSE` to end.
    pub(crate) postponed: AtomicBool,
}
