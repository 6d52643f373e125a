//! A transaction's log (see `txn.rs`): what it keeps while it runs and must not show
//! before its commit — held-back keyspace events and `WATCH` flags, and the records
//! that undo its changes.

use std::cell::{Cell, RefCell};

use hashbrown::HashTable;
use smallvec::SmallVec;

use super::feed::Unit;
use super::table::{SavedSlot, SlotRef, Table};

/// Whether a transaction can undo its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rollback {
    /// Record each change's old value: an error or a panic undoes everything.
    Yes,
    /// Record nothing: what ran stays (`EXEC`, pipelines).
    No,
}

/// Changed keys up to this many are found by a linear scan, more through an index.
const INDEX_FROM: usize = 8;

/// One change to undo.
pub(super) enum Undo {
    /// The entry of the `n`th changed key (see [`TxLog`]) before its first change since
    /// the last whole-table change (`None`: it was absent).
    Key { n: usize, old: Option<SavedSlot> },
    /// A whole table before it was cleared.
    Table { shard: usize, old: Box<Table> },
    /// Two databases' tables were exchanged.
    Swap { a: usize, b: usize },
}

/// A key the transaction changed.
pub(super) struct Changed {
    pub(super) db: usize,
    pub(super) shard: usize,
    pub(super) hash: u64,
    pub(super) key: SmallVec<[u8; 24]>,
    /// The whole-table change count when its old entry was last recorded.
    epoch: u32,
    /// Whether a change to it is one watchers hear of (not only a change of form).
    pub(super) signal: bool,
}

/// A keyspace event held back until the commit.
pub(super) struct HeldEvent {
    pub(super) class: u32,
    pub(super) event: &'static str,
    pub(super) db: usize,
    pub(super) key: Vec<u8>,
}

/// What a transaction keeps while it runs (see the module doc). A transaction that
/// cannot roll back keeps only its held-back events: it raises watchers' flags as it
/// goes (nobody can commit against its keys before it releases them).
pub(crate) struct TxLog {
    pub(super) rollback: Rollback,
    pub(super) undo: RefCell<SmallVec<[Undo; 2]>>,
    /// The keys changed (with rollback); past a few, found by their hash in `index`.
    pub(super) changed: RefCell<SmallVec<[Changed; 2]>>,
    index: RefCell<HashTable<usize>>,
    /// Whole-table changes so far: a key changed again after one needs a new record.
    epoch: Cell<u32>,
    pub(super) events: RefCell<Vec<HeldEvent>>,
    /// The flags of the watchers a wholesale change (`FLUSHDB`, `SWAPDB`) touched, to
    /// raise at the commit.
    pub(super) touched: RefCell<Vec<std::sync::Arc<std::sync::atomic::AtomicBool>>>,
    /// Databases whose blocked callers may find a value now (after `SWAPDB`).
    pub(super) signalled_dbs: RefCell<Vec<usize>>,
    /// The records of its changes, appended to the feed at the commit.
    pub(super) unit: Unit,
    /// Its commands are not refused over the memory limit: a script decided for them
    /// (`allow-oom`, or a script that already wrote and cannot stop halfway).
    pub(super) admit_all: Cell<bool>,
}

impl TxLog {
    pub(super) fn new(rollback: Rollback) -> Self {
        TxLog {
            rollback,
            undo: RefCell::default(),
            changed: RefCell::default(),
            index: RefCell::default(),
            epoch: Cell::new(0),
            events: RefCell::default(),
            touched: RefCell::default(),
            signalled_dbs: RefCell::default(),
            unit: Unit::default(),
            admit_all: Cell::new(false),
        }
    }

    /// Called before each change of `key`; `old` is its entry as it is. With rollback,
    /// records `old` on the key's first change (since the last whole-table change) and
    /// holds its watchers' flags back; else raises them now. `false` if nothing was
    /// recorded and the caller should raise the flags itself.
    pub(super) fn before_change(
        &self,
        (db, shard): (usize, usize),
        key: &[u8],
        hash: u64,
        (old, signal): (Option<SlotRef<'_>>, bool),
    ) -> bool {
        if self.rollback == Rollback::No {
            return false;
        }
        let epoch = self.epoch.get();
        let mut changed = self.changed.borrow_mut();
        let mut index = self.index.borrow_mut();
        let same = |c: &Changed| c.hash == hash && c.db == db && c.key.as_slice() == key;
        let found = if changed.len() <= INDEX_FROM {
            changed.iter().position(same)
        } else {
            index.find(hash, |&n| same(&changed[n])).copied()
        };
        let n = match found {
            Some(n) if changed[n].epoch == epoch => {
                changed[n].signal |= signal;
                return true;
            }
            Some(n) => {
                changed[n].epoch = epoch;
                changed[n].signal |= signal;
                n
            }
            None => {
                let n = changed.len();
                changed.push(Changed {
                    db,
                    shard,
                    hash,
                    key: SmallVec::from_slice(key),
                    epoch,
                    signal,
                });
                if changed.len() > INDEX_FROM {
                    if index.is_empty() {
                        for (m, c) in changed.iter().enumerate() {
                            index.insert_unique(c.hash, m, |&m| changed[m].hash);
                        }
                    } else {
                        index.insert_unique(hash, n, |&m| changed[m].hash);
                    }
                }
                n
            }
        };
        self.undo.borrow_mut().push(Undo::Key {
            n,
            old: old.map(SlotRef::save),
        });
        true
    }

    /// Records that table `shard` is about to be replaced by an empty one (`old` is
    /// what it held).
    pub(super) fn cleared(&self, shard: usize, old: Table) {
        if self.rollback == Rollback::Yes {
            self.epoch.set(self.epoch.get() + 1);
            self.undo.borrow_mut().push(Undo::Table {
                shard,
                old: Box::new(old),
            });
        }
    }

    /// Records that the keys of database `db` went, for the callers blocked on them.
    pub(super) fn emptied(&self, db: usize) {
        self.signalled_dbs.borrow_mut().push(db);
    }

    /// Records that databases `a` and `b` were exchanged.
    pub(super) fn swapped(&self, a: usize, b: usize) {
        self.signalled_dbs.borrow_mut().extend([a, b]);
        if self.rollback == Rollback::Yes {
            self.epoch.set(self.epoch.get() + 1);
            self.undo.borrow_mut().push(Undo::Swap { a, b });
        }
    }

    /// Records the flags of the watchers a wholesale change (FLUSHDB, SWAPDB) touched,
    /// to raise at the commit.
    pub(super) fn touched(&self, flags: Vec<std::sync::Arc<std::sync::atomic::AtomicBool>>) {
        self.touched.borrow_mut().extend(flags);
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
