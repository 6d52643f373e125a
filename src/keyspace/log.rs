//! A transaction's log (see `txn.rs`): what it keeps while it runs and must not show
//! before its commit — held-back keyspace events and `WATCH` flags, and the records
//! that undo its changes.

use std::cell::RefCell;

use hashbrown::HashSet;

use super::table::{Slot, Table};

/// Whether a transaction can undo its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rollback {
    /// Record each change's old value: an error or a panic undoes everything.
    Yes,
    /// Record nothing: what ran stays (`EXEC`, pipelines).
    No,
}

/// One change to undo.
pub(super) enum Undo {
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
pub(super) struct HeldEvent {
    pub(super) class: u32,
    pub(super) event: &'static str,
    pub(super) db: usize,
    pub(super) key: Vec<u8>,
}

/// What a transaction keeps while it runs (see the module doc).
pub(crate) struct TxLog {
    pub(super) rollback: Rollback,
    pub(super) undo: RefCell<Vec<Undo>>,
    /// Keys recorded since the last whole-table change (a later change of one of them
    /// needs no new record).
    pub(super) recorded: RefCell<HashSet<(usize, Vec<u8>)>>,
    pub(super) events: RefCell<Vec<HeldEvent>>,
    /// Keys changed, for their watchers.
    pub(super) touched: RefCell<Vec<(usize, Vec<u8>)>>,
    /// Databases changed wholesale (`None`: all), for their watchers.
    pub(super) touched_dbs: RefCell<Vec<Option<usize>>>,
    /// Databases whose blocked callers may find a value now (after `SWAPDB`).
    pub(super) signalled_dbs: RefCell<Vec<usize>>,
}

impl TxLog {
    pub(super) fn new(rollback: Rollback) -> Self {
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
