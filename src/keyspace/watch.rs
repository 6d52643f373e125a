//! `WATCH` (Redis's `multi.c` watched keys): writers raise the flags of the
//! optimistic transactions watching their keys. Free while nobody watches: a writer
//! pays one relaxed load.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The flags of the watchers of each key, by database.
type WatchersByKey = hashbrown::HashMap<usize, hashbrown::HashMap<Vec<u8>, Vec<Arc<AtomicBool>>>>;

/// Keys watched by optimistic transactions (`WATCH`): a writer that modifies one raises
/// the flags of its watchers. Free while nobody watches (one relaxed load per write).
#[derive(Debug, Default)]
pub(crate) struct Watches {
    /// How many (key, watcher) registrations exist.
    active: AtomicUsize,
    keys: parking_lot::Mutex<WatchersByKey>,
}

impl Watches {
    /// Raises the flags of the watchers of `key` in `db`.
    #[inline]
    pub(crate) fn touch(&self, db: usize, key: &[u8]) {
        if self.active.load(Ordering::Relaxed) > 0 {
            self.raise(db, key);
        }
    }

    #[cold]
    #[inline(never)]
    fn raise(&self, db: usize, key: &[u8]) {
        if let Some(flags) = self.keys.lock().get(&db).and_then(|keys| keys.get(key)) {
            for flag in flags {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// The keys of `db` that someone watches (none while nobody watches).
    pub(crate) fn watched_in(&self, db: usize) -> Vec<Vec<u8>> {
        if self.active.load(Ordering::Relaxed) == 0 {
            return Vec::new();
        }
        self.keys
            .lock()
            .get(&db)
            .map(|keys| keys.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Makes writes to `keys` of `db` raise `flag`.
    pub(crate) fn register(&self, db: usize, keys: &[Vec<u8>], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let watched = map.entry(db).or_default();
        for key in keys {
            watched
                .entry(key.clone())
                .or_default()
                .push(Arc::clone(flag));
        }
        self.active.fetch_add(keys.len(), Ordering::Relaxed);
    }

    /// Undoes [`register`](Self::register).
    pub(crate) fn unregister(&self, db: usize, keys: &[Vec<u8>], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let Some(watched) = map.get_mut(&db) else {
            return;
        };
        for key in keys {
            if let Some(flags) = watched.get_mut(key.as_slice()) {
                flags.retain(|f| !Arc::ptr_eq(f, flag));
                if flags.is_empty() {
                    watched.remove(key.as_slice());
                }
            }
        }
        if watched.is_empty() {
            map.remove(&db);
        }
        self.active.fetch_sub(keys.len(), Ordering::Relaxed);
    }
}
