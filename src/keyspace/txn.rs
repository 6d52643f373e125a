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

use hashbrown::HashSet;
use parking_lot::RwLockWriteGuard;
use smallvec::SmallVec;

use super::table::{Slot, Table};
use super::{EntryMut, HELD_BY_THIS_THREAD, Keyspace};
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

/// Whether a transaction can undo its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rollback {
    /// Record each change's old value: an error or a panic undoes everything.
    Yes,
    /// Record nothing: what ran stays (`EXEC`, pipelines).
    No,
}

/// One change to undo.
enum Undo {
    /// The key's entry before its first change (`None`: it was absent).
    Key {
        shard: usize,
        db: usize,
        hash: u64,
        key: Vec<u8>,
        old: Option<Slot>,
    },
    /// A whole table before it was cleared.
    Table { shard: usize, old: Table },
    /// Two databases' tables were exchanged.
    Swap { a: usize, b: usize },
}

/// A keyspace event held back until the commit.
struct HeldEvent {
    class: u32,
    event: &'static str,
    db: usize,
    key: Vec<u8>,
}

/// What a transaction keeps while it runs (see the module doc).
pub(crate) struct TxLog {
    rollback: Rollback,
    undo: RefCell<Vec<Undo>>,
    /// Keys recorded since the last whole-table change (a later change of one of them
    /// needs no new record).
    recorded: RefCell<HashSet<(usize, Vec<u8>)>>,
    events: RefCell<Vec<HeldEvent>>,
    /// Keys changed, for their watchers.
    touched: RefCell<Vec<(usize, Vec<u8>)>>,
    /// Databases changed wholesale (`None`: all), for their watchers.
    touched_dbs: RefCell<Vec<Option<usize>>>,
    /// Databases whose blocked callers may find a value now (after `SWAPDB`).
    signalled_dbs: RefCell<Vec<usize>>,
}

impl TxLog {
    fn new(rollback: Rollback) -> Self {
        TxLog {
            rollback,
            undo: RefCell::default(),
            recorded: RefCell::default(),
            events: RefCell::default(),
            touched: RefCell::default(),
            touched_dbs: RefCell::default(),
            signalled_dbs: RefCell::default(),
        }
    }

    /// Called before each change of `key`: records `old`, the entry as it is, on the
    /// key's first change.
    pub(super) fn before_change(
        &self,
        shard: usize,
        db: usize,
        key: &[u8],
        hash: u64,
        old: Option<&Slot>,
    ) {
        let mut recorded = self.recorded.borrow_mut();
        if recorded.contains(&(db, key.to_vec())) {
            return;
        }
        recorded.insert((db, key.to_vec()));
        self.touched.borrow_mut().push((db, key.to_vec()));
        if self.rollback == Rollback::Yes {
            self.undo.borrow_mut().push(Undo::Key {
                shard,
                db,
                hash,
                key: key.to_vec(),
                old: old.cloned(),
            });
        }
    }

    /// Records that table `shard` is about to be replaced by an empty one (`old` is
    /// what it held).
    pub(super) fn cleared(&self, shard: usize, old: Table) {
        self.recorded.borrow_mut().clear();
        if self.rollback == Rollback::Yes {
            self.undo.borrow_mut().push(Undo::Table { shard, old });
        }
    }

    /// Records that databases `a` and `b` were exchanged.
    pub(super) fn swapped(&self, a: usize, b: usize) {
        self.recorded.borrow_mut().clear();
        self.touched_dbs.borrow_mut().extend([Some(a), Some(b)]);
        self.signalled_dbs.borrow_mut().extend([a, b]);
        if self.rollback == Rollback::Yes {
            self.undo.borrow_mut().push(Undo::Swap { a, b });
        }
    }

    /// Records that `db` (`None`: every database) changed wholesale, for its watchers.
    pub(super) fn touched_db(&self, db: Option<usize>) {
        self.touched_dbs.borrow_mut().push(db);
    }

    /// Holds a keyspace event back until the commit.
    pub(super) fn hold_event(&self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        self.events.borrow_mut().push(HeldEvent {
            class,
            event,
            db,
            key: key.to_vec(),
        });
    }
}

/// The tables a transaction holds, as its [`Access`](super::Access) sees them. A trait
/// object, so that a handle borrowing a transaction needs no lifetime of the locks.
pub(crate) trait Held {
    /// The transaction's log.
    fn log(&self) -> &TxLog;

    /// Whether the transaction may touch `key` of `db` (the closure API names its
    /// keys; `EXEC` may touch any key of a shard it holds).
    fn allows(&self, db: usize, key: &[u8]) -> bool;

    /// Calls `f` with the tables of `shards` (ascending, deduplicated), in that order;
    /// `false` (and `f` not called) unless every one is held.
    fn with_tables(&self, shards: &[usize], f: &mut dyn FnMut(&mut [&mut Table])) -> bool;
}

/// The shards of one transaction, write-locked until it commits or rolls back.
pub(crate) struct Locked<'k> {
    ks: &'k Keyspace,
    shards: Vec<usize>,
    guards: RefCell<Vec<RwLockWriteGuard<'k, Table>>>,
    /// Each table's footprint when locked, for the memory accounting at the end.
    before: Vec<usize>,
    /// The keys the transaction may touch (`None`: any key of a held shard).
    named: Option<HashSet<(usize, Vec<u8>)>>,
    log: TxLog,
    /// What [`HELD_BY_THIS_THREAD`] said before this transaction.
    outer: usize,
    finished: Cell<bool>,
}

impl Held for Locked<'_> {
    fn log(&self) -> &TxLog {
        &self.log
    }

    fn allows(&self, db: usize, key: &[u8]) -> bool {
        self.named
            .as_ref()
            .is_none_or(|named| named.contains(&(db, key.to_vec())))
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
    /// Locks the shards of `keys` (each a database and a key) and every shard of the
    /// databases `whole` names. With `named`, only those keys may be touched; else any
    /// key of a locked shard.
    pub(crate) fn new(
        ks: &'k Keyspace,
        keys: &[(usize, &[u8])],
        whole: &Whole,
        named: Option<&[(usize, &[u8])]>,
        rollback: Rollback,
    ) -> Result<Self> {
        ks.check_not_held()?;
        let mut shards: Vec<usize> = match whole {
            Whole::Nothing => Vec::new(),
            Whole::Databases(dbs) => dbs
                .iter()
                .filter(|&&db| db < ks.databases)
                .flat_map(|&db| ks.db_shards(db))
                .collect(),
            Whole::All => (0..ks.shards.len()).collect(),
        };
        shards.extend(ks.locate(keys).iter().map(|l| l.shard));
        shards.sort_unstable();
        shards.dedup();
        let named = named.map(|keys| keys.iter().map(|&(db, k)| (db, k.to_vec())).collect());
        let guards: Vec<_> = shards.iter().map(|&s| ks.shards[s].table.write()).collect();
        let before = guards.iter().map(|t| t.footprint()).collect();
        let outer = HELD_BY_THIS_THREAD.with(|h| h.replace(ks.address()));
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
    pub(crate) fn commit(self) {
        self.finish(false);
    }

    /// Undoes every change (for a transaction made with [`Rollback::Yes`]; one made
    /// without keeps its changes, as a commit), then releases the locks.
    pub(crate) fn rollback(self) {
        self.finish(self.log.rollback == Rollback::Yes);
    }

    fn finish(&self, undo: bool) {
        if self.finished.replace(true) {
            return;
        }
        let ks = self.ks;
        {
            let mut guards = self.guards.borrow_mut();
            if undo {
                self.undo(&mut guards);
            }
            for ((s, table), before) in self.shards.iter().zip(guards.iter()).zip(&self.before) {
                ks.publish(*s, table, *before);
            }
            guards.clear();
        }
        HELD_BY_THIS_THREAD.with(|h| h.set(self.outer));
        if undo {
            return;
        }
        let log = &self.log;
        for (db, key) in log.touched.borrow().iter() {
            ks.watches.touch(*db, key);
        }
        for db in log.touched_dbs.borrow().iter() {
            ks.watches.touch_db(*db);
        }
        for e in log.events.borrow().iter() {
            ks.notify(e.class, e.event, e.db, &e.key);
        }
        if ks.blocking.has_waiters() {
            for db in log.signalled_dbs.borrow().iter() {
                ks.blocking.signal_db(*db);
            }
        }
        ks.blocking.serve_signalled(ks);
        ks.after_write();
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
        for step in undo.into_iter().rev() {
            match step {
                Undo::Key {
                    shard,
                    db,
                    hash,
                    key,
                    old,
                } => {
                    let table = &mut *guards[index(shard)];
                    EntryMut::new(ks, (db, shard), table, &key, hash, None).restore(old);
                }
                Undo::Table { shard, old } => *guards[index(shard)] = old,
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
        self.finish(self.log.rollback == Rollback::Yes);
    }
}
