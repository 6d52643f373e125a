//! Transactions in place (Redis's `multi.c`): the shards a transaction needs stay
//! write-locked while its commands run on them, on the live tables.
//!
//! # How
//!
//! [`Locked`] takes the write locks of every shard the transaction needs — the shards
//! of the keys it names (and of the keys it watches), or every shard of whole
//! databases when a command needs one — in the store's one ascending order, so two
//! transactions, or a transaction and a multi-key command, cannot deadlock. Its
//! commands then run through an [`Access`](super::Access) that finds its tables among
//! the held ones instead of locking: exactly the code that runs outside a transaction.
//!
//! While it runs, the transaction's [`TxLog`] keeps what must not be seen before the
//! commit: keyspace events and `WATCH` flags (released at commit, dropped on rollback),
//! and — for a transaction that can roll back — each key's entry as it was before the
//! key's first change (a whole table before `FLUSHDB`, the fact of a `SWAPDB`). Commit
//! accounts memory, releases the locks, then publishes the events, raises the flags,
//! serves blocked callers of the keys it pushed to, and evicts if the store is over its
//! limit. Rollback restores the records, newest first, before releasing the locks.
//!
//! Only the closure API can roll back ([`Rollback::Yes`]); `EXEC` and pipelines do not
//! (a failing command does not undo the others, as in Redis), so they record nothing.
//!
//! A thread holding a transaction's locks that takes a lock of the same store outside
//! the transaction would wait for itself: [`Access`](super::Access) refuses that with
//! [`Error::InsideTransaction`](crate::Error::InsideTransaction).

use std::cell::{Cell, RefCell};

use parking_lot::RwLockWriteGuard;
use smallvec::SmallVec;

use super::feed::Unit;
use super::log::{Rollback, TxLog, Undo};
use super::table::{SavedSlot, Table};
use super::{EntryMut, HELD_BY_THIS_THREAD, HELD_OUTSIDE, Keyspace};
use crate::Result;

/// Whole databases a transaction locks, besides its keys' shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Whole {
    /// None.
    Nothing,
    /// Every shard of these databases.
    Databases(Vec<usize>),
    /// Every shard of the store.
    All,
}

/// The tables a transaction holds, as its [`Access`](super::Access) sees them. A trait
/// object, so that a handle borrowing a transaction needs no lifetime of the locks.
pub(crate) trait Held {
    /// The transaction's log.
    fn log(&self) -> &TxLog;

    /// The hash and shard of `key` in `db`, if the transaction may touch it (the
    /// closure API names its keys; `EXEC` may touch any key of a shard it holds).
    fn locate(&self, db: usize, key: &[u8]) -> Option<(u64, usize)>;

    /// Calls `f` with the tables of `shards` (ascending, deduplicated), in that order;
    /// `false` (and `f` not called) unless every one is held.
    fn with_tables(&self, shards: &[usize], f: &mut dyn FnMut(&mut [&mut Table])) -> bool;
}

/// A key a transaction named: its database, the key, its hash.
type Named<'k> = (usize, &'k [u8], u64);

/// The shards of one transaction, write-locked until it commits or rolls back.
pub(crate) struct Locked<'k> {
    ks: &'k Keyspace,
    shards: SmallVec<[usize; 4]>,
    guards: RefCell<SmallVec<[RwLockWriteGuard<'k, Table>; 4]>>,
    /// Each table's footprint when locked, for the memory accounting at the end.
    before: SmallVec<[usize; 4]>,
    /// The keys the transaction may touch, sorted, with their hashes (`None`: any key
    /// of a held shard).
    named: Option<SmallVec<[Named<'k>; 4]>>,
    log: TxLog,
    /// What [`HELD_BY_THIS_THREAD`] said before this transaction.
    outer: usize,
    finished: Cell<bool>,
}

impl Held for Locked<'_> {
    fn log(&self) -> &TxLog {
        &self.log
    }

    fn locate(&self, db: usize, key: &[u8]) -> Option<(u64, usize)> {
        let Some(named) = &self.named else {
            return Some(self.ks.locate_one(db, key));
        };
        let found = if named.len() <= 8 {
            named.iter().find(|&&(d, k, _)| d == db && k == key)
        } else {
            named
                .binary_search_by(|&(d, k, _)| (d, k).cmp(&(db, key)))
                .ok()
                .map(|i| &named[i])
        };
        found.map(|&(_, _, hash)| (hash, self.ks.shard_of(db, hash)))
    }

    fn with_tables(&self, shards: &[usize], f: &mut dyn FnMut(&mut [&mut Table])) -> bool {
        let mut guards = self.guards.borrow_mut();
        let mut picked: SmallVec<[&mut Table; 4]> = SmallVec::new();
        let mut wanted = shards.iter().peekable();
        for (s, guard) in self.shards.iter().zip(guards.iter_mut()) {
            if wanted.peek() == Some(&s) {
                picked.push(&mut **guard);
                wanted.next();
            }
        }
        if wanted.next().is_some() {
            return false;
        }
        f(&mut picked);
        true
    }
}

impl<'k> Locked<'k> {
    /// Locks the shards of `keys` (each a database and a key; sorted), of `watched`, and
    /// every shard of the databases `whole` names. With `strict`, only `keys` may be
    /// touched; else any key of a locked shard.
    pub(crate) fn new(
        ks: &'k Keyspace,
        (keys, strict): (&'k [(usize, &'k [u8])], bool),
        watched: &[(usize, &[u8])],
        whole: &Whole,
        rollback: Rollback,
    ) -> Result<Self> {
        ks.check_not_held()?;
        ks.feed.check()?;
        let mut shards: SmallVec<[usize; 4]> = match whole {
            Whole::Nothing => SmallVec::new(),
            Whole::Databases(dbs) => dbs
                .iter()
                .filter(|&&db| db < ks.databases)
                .flat_map(|&db| ks.db_shards(db))
                .collect(),
            Whole::All => (0..ks.shards.len()).collect(),
        };
        let hashed: SmallVec<[Named<'k>; 4]> = keys
            .iter()
            .map(|&(db, key)| (db, key, ks.locate_one(db, key).0))
            .collect();
        shards.extend(hashed.iter().map(|&(db, _, hash)| ks.shard_of(db, hash)));
        shards.extend(watched.iter().map(|&(db, key)| ks.locate_one(db, key).1));
        shards.sort_unstable();
        shards.dedup();
        let named = strict.then_some(hashed);
        let guards = ks.lock_shards(&shards);
        let before = guards.iter().map(|t| t.footprint()).collect();
        let outer = HELD_BY_THIS_THREAD.with(|h| h.replace(ks.address()));
        if outer != 0 {
            HELD_OUTSIDE.with(|h| h.borrow_mut().push(outer));
        }
        Ok(Locked {
            ks,
            shards,
            guards: RefCell::new(guards),
            before,
            named,
            log: TxLog::new(rollback),
            outer,
            finished: Cell::new(false),
        })
    }

    /// Makes every change visible: releases the locks, then publishes the held events,
    /// raises watchers' flags and serves blocked callers.
    ///
    /// # Errors
    ///
    /// [`Error::Misconf`](crate::Error::Misconf) if the append-only log could not
    /// take its records (the changes stay, as a write Redis could not log).
    pub(crate) fn commit(self) -> Result<()> {
        self.finish(false)
    }

    /// Undoes every change (for a transaction made with [`Rollback::Yes`]; one made
    /// without keeps its changes, as a commit), then releases the locks.
    pub(crate) fn rollback(self) {
        let _ = self.finish(self.log.rollback == Rollback::Yes);
    }

    fn finish(&self, undo: bool) -> Result<()> {
        if self.finished.replace(true) {
            return Ok(());
        }
        let ks = self.ks;
        let mut end = None;
        {
            let mut guards = self.guards.borrow_mut();
            if undo {
                self.undo(&mut guards);
            }
            for ((s, table), before) in self.shards.iter().zip(guards.iter()).zip(&self.before) {
                ks.publish(*s, table, *before);
            }
            if undo {
                self.log.unit.clear();
            } else {
                // Watchers' flags go up while the keys are still held: a watcher that
                // locks one of them next must see its flag.
                for c in self.log.changed.borrow().iter().filter(|c| c.signal) {
                    ks.watches.touch(c.db, &c.key);
                }
                for flag in self.log.touched.borrow().iter() {
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                // Events go out in the order of the changes: before another thread can
                // change the same keys.
                for e in self.log.events.borrow().iter() {
                    ks.notify(e.class, e.event, e.db, &e.key);
                }
                // Its records, as one unit, before another thread can change its keys.
                end = ks.feed.append(&self.log.unit);
            }
            guards.clear();
        }
        HELD_BY_THIS_THREAD.with(|h| h.set(self.outer));
        if self.outer != 0 {
            HELD_OUTSIDE.with(|h| h.borrow_mut().pop());
        }
        if undo {
            // What futures dropped inside it took goes back even so.
            ks.blocking.give_back_pending(ks);
            return Ok(());
        }
        let log = &self.log;
        if ks.blocking.has_waiters() {
            for db in log.signalled_dbs.borrow().iter() {
                ks.blocking.signal_db(*db);
            }
        }
        ks.blocking.serve_signalled(ks);
        ks.after_write();
        // Under `appendfsync always`, acknowledged only once its records are on disk.
        ks.feed.settle(end)
    }

    /// Puts back every recorded entry, newest first.
    fn undo(&self, guards: &mut [RwLockWriteGuard<'k, Table>]) {
        let ks = self.ks;
        let index = |s: usize| {
            self.shards
                .binary_search(&s)
                .expect("an undo record names a held shard")
        };
        let undo = std::mem::take(&mut *self.log.undo.borrow_mut());
        // What undoing records is not kept: the transaction leaves no records.
        let scrap = Unit::default();
        let changed = self.log.changed.borrow();
        for step in undo.into_iter().rev() {
            match step {
                Undo::Key { n, old } => {
                    let c = &changed[n];
                    let table = &mut *guards[index(c.shard)];
                    EntryMut::new(ks, (c.db, c.shard), table, &c.key, c.hash, (None, &scrap))
                        .restore(old.map(SavedSlot::restore));
                }
                Undo::Table { shard, old } => *guards[index(shard)] = *old,
                Undo::Swap { a, b } => {
                    for (x, y) in ks.db_shards(a.min(b)).zip(ks.db_shards(a.max(b))) {
                        let (i, j) = (index(x), index(y));
                        let (lo, hi) = guards.split_at_mut(j);
                        std::mem::swap(&mut *lo[i], &mut *hi[0]);
                    }
                }
            }
        }
    }
}

impl Drop for Locked<'_> {
    /// A transaction dropped unfinished (its closure panicked) rolls back.
    fn drop(&mut self) {
        let _ = self.finish(self.log.rollback == Rollback::Yes);
    }
}
