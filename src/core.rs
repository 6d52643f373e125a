//! What a [`Store`](crate::Store) shares between its clones (Redis's `server` struct):
//! the keyspace, the pub/sub registry, the client registry, the limits and the sweeper.
//!
//! The layers below (values, the engine) know nothing of it; the command handles above
//! reach the keyspace through an [`Access`](crate::keyspace::Access) and the registries
//! through this.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::Mutex;

use crate::keyspace::blocking::CancelToken;
use crate::keyspace::expiry::{self, Schedule, SweeperHandle};
use crate::keyspace::pubsub::Registry;
use crate::keyspace::{Access, Keyspace};

/// The state every clone of a store shares.
pub(crate) struct Core {
    pub(crate) keyspace: Keyspace,
    pub(crate) pubsub: Arc<Registry>,
    pub(crate) clients: Clients,
    sweeper: SweeperHandle,
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
    /// The shared state, and — when `active_expiry` — its sweeper thread, which holds
    /// only a weak reference and is handed the sweep as a closure.
    pub(crate) fn start(
        keyspace: Keyspace,
        pubsub: Arc<Registry>,
        schedule: &Arc<Schedule>,
        active_expiry: bool,
    ) -> Arc<Core> {
        let core = Arc::new(Core {
            keyspace,
            pubsub,
            clients: Clients::default(),
            sweeper: SweeperHandle::new(Arc::clone(schedule)),
        });
        if active_expiry {
            let weak: Weak<Core> = Arc::downgrade(&core);
            let sweep = move || {
                let core = weak.upgrade()?;
                core.keyspace.purge_expired();
                Some(core.keyspace.first_tick())
            };
            // Without a thread the store still works: expiry stays lazy.
            if let Ok(thread) = expiry::spawn(sweep, Arc::clone(schedule)) {
                core.sweeper.set_thread(thread);
            }
        }
        core
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

/// The connections of a store, for `CLIENT UNBLOCK` and `INFO clients`.
#[derive(Default, Debug)]
pub(crate) struct Clients {
    next_id: AtomicU64,
    live: Mutex<HashMap<u64, Arc<Client>>>,
}

impl Clients {
    pub(crate) fn count(&self) -> usize {
        self.live.lock().len()
    }

    /// A new client, with the next id.
    pub(crate) fn register(&self) -> Arc<Client> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let client = Arc::new(Client {
            id,
            name: Mutex::new(None),
            blocked: Mutex::new(None),
            unblock_error: AtomicBool::new(false),
        });
        self.live.lock().insert(id, Arc::clone(&client));
        client
    }

    /// Forgets client `id` (its connection closed).
    pub(crate) fn deregister(&self, id: u64) {
        self.live.lock().remove(&id);
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
}
