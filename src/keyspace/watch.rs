//! `WATCH` (Redis's `multi.c` watched keys): writers raise the flags of the
//! optimistic transactions watching their keys. Free while nobody watches: a writer
//! pays one relaxed load.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The watchers of each key, by database.
type WatchersByKey = hashbrown::HashMap<usize, hashbrown::HashMap<Vec<u8>, Vec<Watcher>>>;

/// One watcher of one key (Redis's `watchedKey`).
#[derive(Debug)]
struct Watcher {
    /// Raised when the key changes.
    flag: Arc<AtomicBool>,
    /// The key had expired (but was not deleted) when the watch began: its deletion is
    /// no change (`wk->expired`).
    expired: bool,
}

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
        if let Some(watchers) = self.keys.lock().get(&db).and_then(|keys| keys.get(key)) {
            for w in watchers {
                w.flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Notes that `key` of `db` had expired, undeleted, when the watch of `flag` began.
    pub(crate) fn began_expired(&self, db: usize, key: &[u8], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let watchers = map.get_mut(&db).and_then(|keys| keys.get_mut(key));
        for w in watchers.into_iter().flatten() {
            if Arc::ptr_eq(&w.flag, flag) {
                w.expired = true;
            }
        }
    }

    /// What a wholesale change of `db` (`FLUSHDB`, `FLUSHALL`, `SWAPDB`) does to its
    /// watchers, as Redis's `touchAllWatchedKeysInDb` decides: `entry(key)` says
    /// whether the key has an entry in the emptied database and in what replaces it
    /// (`Some(expired)`). Returns the flags to raise (the caller raises them while the
    /// keys are held, or at the commit).
    pub(crate) fn wholesale(
        &self,
        db: usize,
        entry: impl Fn(&[u8]) -> (Option<bool>, Option<bool>),
    ) -> Vec<Arc<AtomicBool>> {
        let mut raise = Vec::new();
        if self.active.load(Ordering::Relaxed) == 0 {
            return raise;
        }
        let mut map = self.keys.lock();
        let Some(keys) = map.get_mut(&db) else {
            return raise;
        };
        for (key, watchers) in keys.iter_mut() {
            let (emptied, replacement) = entry(key);
            if emptied.is_none() && replacement.is_none() {
                continue;
            }
            for w in watchers {
                if w.expired {
                    match replacement {
                        // An expired key deleted: no change, and no longer expired.
                        None => w.expired = false,
                        // Expired, and replaced by an expired one: no change.
                        Some(true) => {}
                        Some(false) => raise.push(Arc::clone(&w.flag)),
                    }
                } else if emptied.is_none() && replacement == Some(true) {
                    // No key, replaced by an expired one.
                    w.expired = true;
                } else {
                    raise.push(Arc::clone(&w.flag));
                }
            }
        }
        raise
    }

    /// Makes writes to `keys` of `db` raise `flag`.
    pub(crate) fn register(&self, db: usize, keys: &[Vec<u8>], flag: &Arc<AtomicBool>) {
        let mut map = self.keys.lock();
        let watched = map.entry(db).or_default();
        for key in keys {
            watched.entry(key.clone()).or_default().push(Watcher {
                flag: Arc::clone(flag),
                expired: false,
            });
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
            if let Some(watchers) = watched.get_mut(key.as_slice()) {
                watchers.retain(|w| !Arc::ptr_eq(&w.flag, flag));
                if watchers.is_empty() {
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
