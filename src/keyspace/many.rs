//! Several keys at once (`MSET`, `SUNIONSTORE`, `RENAME`, …): every shard they need is
//! locked, deduplicated and in ascending index order, and held while the command runs —
//! atomic, and deadlock-free by construction. In a transaction the tables are the ones
//! it holds already.

use smallvec::SmallVec;

use super::feed::{Rec, Unit};
use super::log::TxLog;
use super::table::{SlotRef, Table};
use super::{EntryMut, Keyspace, notify};
use crate::value::ValueRef;

/// A key with its database, hash and shard.
pub(super) struct Located<'k> {
    pub(super) db: usize,
    pub(super) key: &'k [u8],
    pub(super) hash: u64,
    pub(super) shard: usize,
}

/// The shards of `located`, ascending and deduplicated: the lock order.
pub(super) fn lock_order(located: &[Located<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = located.iter().map(|l| l.shard).collect();
    order.sort_unstable();
    order.dedup();
    order
}

/// Where shard `shard` is in `order`.
fn position(order: &[usize], shard: usize) -> usize {
    order
        .binary_search(&shard)
        .expect("every located key's shard is locked")
}

/// Shards read-locked (or held) for [`Access::read_many`](super::Access::read_many).
pub(crate) struct ManyRead<'a> {
    /// The entry of each key, if it is live.
    pub(super) found: Vec<Option<SlotRef<'a>>>,
}

impl ManyRead<'_> {
    /// The live value of the `n`th key given.
    pub(crate) fn get(&self, n: usize) -> Option<ValueRef<'_>> {
        self.found[n].map(SlotRef::value)
    }
}

/// Shards write-locked (or held) for [`Access::write_many`](super::Access::write_many).
pub(crate) struct Many<'a> {
    pub(super) ks: &'a Keyspace,
    pub(super) order: &'a [usize],
    pub(super) tables: SmallVec<[&'a mut Table; 4]>,
    pub(super) keys: &'a [Located<'a>],
    pub(super) tx: Option<&'a TxLog>,
    pub(super) unit: &'a Unit,
}

impl Many<'_> {
    /// The live value of the `n`th key given (an expired one reads as absent).
    pub(crate) fn get(&self, n: usize) -> Option<ValueRef<'_>> {
        self.get_with_deadline(n).map(|(value, _)| value)
    }

    /// The live value of the `n`th key given, with its deadline.
    pub(crate) fn get_with_deadline(&self, n: usize) -> Option<(ValueRef<'_>, Option<u64>)> {
        let l = &self.keys[n];
        let table = &*self.tables[position(self.order, l.shard)];
        self.ks.live(table, l.hash, l.key)
    }

    /// Raises `keymiss` for each of the keys numbered `ns` that is missing: a command
    /// that reads them as sources (`SUNIONSTORE`, `BITOP`, …), as Redis's
    /// `lookupKeyRead` does.
    pub(crate) fn note_misses(&self, ns: impl IntoIterator<Item = usize>) {
        let events = self.ks.notifier.wants(notify::KEY_MISS);
        for n in ns {
            if self.get(n).is_none() {
                self.ks.stats.miss();
                if events {
                    let l = &self.keys[n];
                    self.ks.notify(notify::KEY_MISS, "keymiss", l.db, l.key);
                }
            } else {
                self.ks.stats.hit();
            }
        }
    }

    /// A writable entry for the `n`th key given.
    pub(crate) fn entry(&mut self, n: usize) -> EntryMut<'_> {
        let l = &self.keys[n];
        let g = position(self.order, l.shard);
        EntryMut::new(
            self.ks,
            (l.db, l.shard),
            &mut *self.tables[g],
            l.key,
            l.hash,
            (self.tx, self.unit),
        )
    }

    /// Records the command `f` builds, as the effect of a change to the keys of `db`
    /// (see `feed.rs`), if the store records changes.
    pub(crate) fn propagate(&self, db: usize, f: impl FnOnce(&mut Rec<'_>)) {
        if self.ks.feed.on() {
            self.unit.record(db, f);
        }
    }
}
