//! [`Access`]: how a command handle reaches the keyspace — the one door, outside a
//! transaction and inside one.
//!
//! Outside, each method locks what it needs (one shard, or several in ascending order)
//! for the duration of the call. Inside a transaction ([`Held`]), the shards are locked
//! already: the method finds its tables among the transaction's and edits them in
//! place, and the entry reports its changes to the transaction's log. The commands'
//! code is the same either way.
//!
//! Every method returns a `Result`: inside a transaction a key it did not name is
//! refused with [`Error::KeyNotInTransaction`], and outside, a call from a thread whose
//! own transaction holds the store's shards is refused with
//! [`Error::InsideTransaction`] instead of waiting for itself forever.

use smallvec::SmallVec;

use super::feed::Unit;
use super::log::TxLog;
use super::many::{Located, lock_order};
use super::table::Table;
use super::txn::Held;
use super::{EntryMut, Keyspace, Many, ManyRead, notify};
use crate::value::{Collection, ValueRef, opt};
use crate::{Error, Result};

/// The keyspace as a command handle sees it: live, or through a transaction's held
/// shards. `Copy`, two words and a tag.
#[derive(Clone, Copy)]
pub(crate) struct Access<'a> {
    ks: &'a Keyspace,
    held: Option<&'a dyn Held>,
}

impl std::fmt::Debug for Access<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("in_transaction", &self.held.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Access<'a> {
    pub(super) fn live(ks: &'a Keyspace) -> Self {
        Access { ks, held: None }
    }

    /// Access through the shards a transaction holds.
    pub(crate) fn held(ks: &'a Keyspace, held: &'a dyn Held) -> Self {
        Access {
            ks,
            held: Some(held),
        }
    }

    /// The keyspace itself, for what needs no shard: the clock, the counters, the
    /// limits, the registries.
    pub(crate) fn keyspace(self) -> &'a Keyspace {
        self.ks
    }

    /// Whether commands run inside a transaction (blocking ones then never wait).
    pub(crate) fn in_transaction(self) -> bool {
        self.held.is_some()
    }

    /// The store's clock, in milliseconds.
    pub(crate) fn now(self) -> u64 {
        self.ks.now()
    }

    /// The clock's time, also while loading (see `Keyspace::wall_ms`).
    pub(crate) fn wall_ms(self) -> u64 {
        self.ks.wall_ms()
    }

    /// The longest string a command may make.
    pub(crate) fn max_string_size(self) -> usize {
        self.ks.max_string_size
    }

    /// `hll-sparse-max-bytes`.
    pub(crate) fn hll_sparse_max_bytes(self) -> usize {
        self.ks.hll_sparse_max_bytes()
    }

    /// The most repeated random picks one reply may hold.
    pub(crate) fn max_picks(self) -> usize {
        self.ks.max_picks()
    }

    /// A random generator for one command.
    pub(crate) fn rng(self) -> rand::rngs::SmallRng {
        self.ks.rng()
    }

    /// Checks that the database exists.
    pub(crate) fn check_db(self, db: usize) -> Result<()> {
        self.ks.check_db(db)
    }

    /// Makes room before a command that may grow memory (see
    /// [`Keyspace::admit`]). Inside a transaction nothing is evicted while its shards
    /// are held (the commit evicts): the command is refused only if the store is over
    /// its limit under `noeviction`.
    pub(crate) fn admit(self) -> Result<()> {
        match self.held {
            None => {
                // Only eviction locks shards; the command's own access checks the rest.
                if self.ks.memory.over() {
                    self.ks.check_not_held()?;
                }
                self.ks.admit()
            }
            Some(held) if held.log().admit_all.get() => Ok(()),
            Some(_) => self.ks.admit_without_evicting(),
        }
    }

    /// Inside a transaction, lets (`true`) or stops letting its commands grow memory
    /// over the limit: a script's own memory check decides for its commands.
    #[cfg_attr(not(feature = "scripting"), allow(dead_code))]
    pub(crate) fn admit_all(self, on: bool) {
        if let Some(held) = self.held {
            held.log().admit_all.set(on);
        }
    }

    /// Read-locks every shard at once, in ascending order, and calls `f` with their
    /// tables: one instant of the whole store. Refused from inside a transaction or a
    /// zero-copy read on this thread (whose locks it would wait for).
    pub(super) fn all_tables<R>(self, f: impl FnOnce(&[&Table]) -> R) -> Result<R> {
        self.ks.check_not_held()?;
        let guards: Vec<_> = self.ks.shards.iter().map(|s| s.table.read()).collect();
        let tables: Vec<&Table> = guards.iter().map(|g| &**g).collect();
        Ok(f(&tables))
    }

    /// Calls `f` with the tables of `shards` (ascending, deduplicated), in that order,
    /// write-locked or held. Outside a transaction the memory accounting follows.
    pub(super) fn tables_mut<R>(
        self,
        shards: &[usize],
        f: impl FnOnce(&mut [&mut Table], Option<&TxLog>, &Unit) -> R,
    ) -> Result<R> {
        self.tables_mut_checked(shards, true, f)
    }

    /// [`tables_mut`](Self::tables_mut); with `!data`, for what changes no data (an
    /// eviction policy's stamps), not refused while the log cannot be written.
    pub(super) fn tables_mut_checked<R>(
        self,
        shards: &[usize],
        data: bool,
        f: impl FnOnce(&mut [&mut Table], Option<&TxLog>, &Unit) -> R,
    ) -> Result<R> {
        match self.held {
            None => {
                self.ks.check_not_held()?;
                if data {
                    self.ks.feed.check()?;
                }
                // Owed shards copied first, one at a time, not while holding others.
                let mut guards = self.ks.lock_shards(shards);
                let before: SmallVec<[usize; 4]> = guards.iter().map(|t| t.footprint()).collect();
                let mut tables: SmallVec<[&mut Table; 4]> =
                    guards.iter_mut().map(|g| &mut **g).collect();
                let unit = Unit::default();
                let out = f(&mut tables, None, &unit);
                drop(tables);
                for ((s, table), before) in shards.iter().zip(&guards).zip(before) {
                    self.ks.publish(*s, table, before);
                }
                // Appended while the shards are held: in the order of the changes.
                let end = self.ks.feed.append(&unit);
                drop(guards);
                self.ks.feed.settle(end)?;
                Ok(out)
            }
            Some(held) => {
                // A zero-copy read's closure runs with the transaction's tables borrowed.
                if self.ks.read_by_this_thread() {
                    return Err(Error::InsideRead);
                }
                let mut f = Some(f);
                let mut out = None;
                let log = held.log();
                let all = held.with_tables(shards, &mut |tables| {
                    if let Some(f) = f.take() {
                        out = Some(f(tables, Some(log), &log.unit));
                    }
                });
                match out {
                    Some(out) if all => Ok(out),
                    _ => Err(Error::KeyNotInTransaction),
                }
            }
        }
    }

    /// Calls `f` with table `s`, read-locked or held.
    #[inline]
    pub(super) fn table<R>(self, s: usize, f: impl FnOnce(&Table) -> R) -> Result<R> {
        match self.held {
            None => {
                self.ks.check_not_held()?;
                Ok(f(&self.ks.shards[s].table.read()))
            }
            Some(_) => self.tables_mut(&[s], |tables, _, _| f(tables[0])),
        }
    }

    /// The hash and shard of `key` in `db`; [`Error::KeyNotInTransaction`] if a
    /// transaction did not name it.
    #[inline]
    pub(super) fn locate(self, db: usize, key: &[u8]) -> Result<(u64, usize)> {
        match self.held {
            None => Ok(self.ks.locate_one(db, key)),
            Some(held) => held
                .locate(db, key)
                .ok_or_else(|| Error::KeyNotInTransaction),
        }
    }

    /// [`locate`](Self::locate) for each of `keys`.
    fn locate_all<'k>(self, keys: &[(usize, &'k [u8])]) -> Result<Vec<Located<'k>>> {
        self.ks.check_slots(keys.iter().map(|&(_, key)| key))?;
        keys.iter()
            .map(|&(db, key)| {
                let (hash, shard) = self.locate(db, key)?;
                Ok(Located {
                    db,
                    key,
                    hash,
                    shard,
                })
            })
            .collect()
    }

    /// Calls `f` with the live value of `key` in `db` (counted as a hit or a miss).
    #[inline]
    pub(crate) fn read<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<ValueRef<'_>>) -> Result<R>,
    ) -> Result<R> {
        self.read_with_deadline(db, key, |entry| f(entry.map(|(value, _)| value)))
    }

    /// [`read`](Self::read) for a zero-copy read: `f` hands the value to a caller's
    /// closure, so it runs as [`Keyspace::reading`] says (the store refuses calls from
    /// it instead of waiting for the lock it runs under).
    #[inline]
    pub(crate) fn view<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<ValueRef<'_>>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        self.read(db, key, |v| ks.reading(|| f(v)))
    }

    /// [`read_as`](Self::read_as) for a zero-copy read (see [`view`](Self::view)).
    #[inline]
    pub(crate) fn view_as<C: Collection, R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<&C>) -> R,
    ) -> Result<R> {
        self.view(db, key, |v| opt::<C>(v).map(f))
    }

    /// Calls `f` with the collection `C` at `key` (`None` if absent);
    /// [`Error::WrongType`] if the key holds another type.
    #[inline]
    pub(crate) fn read_as<C: Collection, R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<&C>) -> R,
    ) -> Result<R> {
        self.read(db, key, |v| opt::<C>(v).map(f))
    }

    /// Like [`read`](Self::read), with the entry's deadline beside its value.
    #[inline]
    pub(crate) fn read_with_deadline<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> Result<R>,
    ) -> Result<R> {
        self.look(db, key, true, f)
    }

    /// [`read_with_deadline`](Self::read_with_deadline) that is not an access to the
    /// key (`TTL`, `TYPE`: Redis's `LOOKUP_NOTOUCH`): its idle time goes on.
    pub(crate) fn read_untouched<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> Result<R>,
    ) -> Result<R> {
        self.look(db, key, false, f)
    }

    #[inline]
    fn look<R>(
        self,
        db: usize,
        key: &[u8],
        touch: bool,
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        let (hash, s) = self.locate(db, key)?;
        let mut expired = false;
        let out = self.table(s, |table| {
            let found = ks.lookup(table, hash, key);
            ks.note_lookup(found, db, key, touch);
            expired = found.is_expired();
            f(found.entry().map(|entry| {
                let (deadline, value) = entry.parts();
                (value, deadline)
            }))
        })?;
        if expired {
            self.expire_after_read(db, key);
        }
        out
    }

    /// What Redis's look-up does to a key it finds expired, for a read that found one
    /// under a shared lock: deletes it (if still expired: the `expired` event, the
    /// count), then raises the read's `keymiss`.
    #[cold]
    fn expire_after_read(self, db: usize, key: &[u8]) {
        // Opening the entry for writing deletes it; the entry itself is not changed.
        let _ = self.write(db, key, |_| Ok(()));
        self.ks.notify(notify::KEY_MISS, "keymiss", db, key);
    }

    /// [`peek`](Self::peek), and whether the key has an expired entry not deleted yet.
    pub(crate) fn peek_expired<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> Result<R>,
    ) -> Result<(bool, R)> {
        let ks = self.ks;
        let (hash, s) = self.locate(db, key)?;
        self.table(s, |table| {
            let found = ks.lookup(table, hash, key);
            let live = found.entry().map(|entry| {
                let (deadline, value) = entry.parts();
                (value, deadline)
            });
            Ok((found.is_expired(), f(live)?))
        })?
    }

    /// [`read_with_deadline`](Self::read_with_deadline) for the store's own look-ups:
    /// not counted, no `keymiss` event.
    pub(crate) fn peek<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(Option<(ValueRef<'_>, Option<u64>)>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        let (hash, s) = self.locate(db, key)?;
        self.table(s, |table| f(ks.live(table, hash, key)))?
    }

    /// Calls `f` with a writable entry for `key` in `db`. Outside a transaction, the
    /// callers blocked on keys the write pushed to are served once its lock is
    /// released, and the store evicts if it is over its limit.
    #[inline]
    pub(crate) fn write<R>(
        self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(&mut EntryMut<'_>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        let (hash, s) = self.locate(db, key)?;
        let out = match self.held {
            None => {
                ks.check_not_held()?;
                ks.feed.check()?;
                let mut table = ks.lock_shard_for(s, hash);
                let before = table.footprint();
                let unit = Unit::default();
                let out = f(&mut EntryMut::new(
                    ks,
                    (db, s),
                    &mut table,
                    key,
                    hash,
                    (None, &unit),
                ));
                ks.publish(s, &table, before);
                // Appended while the shard is held: in the order of the changes.
                let end = ks.feed.append(&unit);
                drop(table);
                // Waiters are served and memory made even if the log refuses the write.
                if let Err(e) = ks.feed.settle(end) {
                    ks.blocking.serve_signalled(ks);
                    ks.after_write();
                    return Err(e);
                }
                out
            }
            Some(_) => {
                return self.tables_mut(&[s], |tables, log, unit| {
                    f(&mut EntryMut::new(
                        ks,
                        (db, s),
                        tables[0],
                        key,
                        hash,
                        (log, unit),
                    ))
                })?;
            }
        };
        ks.blocking.serve_signalled(ks);
        ks.after_write();
        out
    }

    /// Locks every shard holding one of `keys` (each a database and a key) for reading,
    /// in ascending order, and calls `f` with them. Each key is looked up once, here:
    /// the command's reads reuse the slot, and the hit or miss is counted once.
    pub(crate) fn read_many<R>(
        self,
        keys: &[(usize, &[u8])],
        f: impl FnOnce(&ManyRead<'_>) -> Result<R>,
    ) -> Result<R> {
        self.look_many(keys, true, f)
    }

    /// [`read_many`](Self::read_many) that is not an access to the keys (`EXISTS`).
    pub(crate) fn read_many_untouched<R>(
        self,
        keys: &[(usize, &[u8])],
        f: impl FnOnce(&ManyRead<'_>) -> Result<R>,
    ) -> Result<R> {
        self.look_many(keys, false, f)
    }

    fn look_many<R>(
        self,
        keys: &[(usize, &[u8])],
        touch: bool,
        f: impl FnOnce(&ManyRead<'_>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        let located = self.locate_all(keys)?;
        let order = lock_order(&located);
        let mut expired = Vec::new();
        let out = match self.held {
            None => {
                ks.check_not_held()?;
                let guards: SmallVec<[_; 4]> =
                    order.iter().map(|&s| ks.shards[s].table.read()).collect();
                let tables: SmallVec<[&Table; 4]> = guards.iter().map(|g| &**g).collect();
                read_many_in(ks, &located, &order, &tables, (touch, &mut expired), f)
            }
            Some(_) => self.tables_mut(&order, |tables, _, _| {
                let tables: SmallVec<[&Table; 4]> = tables.iter().map(|t| &**t).collect();
                read_many_in(ks, &located, &order, &tables, (touch, &mut expired), f)
            })?,
        };
        for n in expired {
            self.expire_after_read(located[n].db, located[n].key);
        }
        out
    }

    /// Locks every shard holding one of `keys` (each a database and a key) for writing,
    /// in ascending order, and calls `f` with them.
    pub(crate) fn write_many<R>(
        self,
        keys: &[(usize, &[u8])],
        f: impl FnOnce(&mut Many<'_>) -> Result<R>,
    ) -> Result<R> {
        let ks = self.ks;
        let located = self.locate_all(keys)?;
        let order = lock_order(&located);
        let out = self.tables_mut(&order, |tables, tx, unit| {
            let mut many = Many {
                ks,
                order: &order,
                tables: tables.iter_mut().map(|t| &mut **t).collect(),
                keys: &located,
                tx,
                unit,
            };
            // Each key is looked up as Redis's look-ups do: one found expired is
            // deleted first, sources included.
            for n in 0..located.len() {
                many.entry(n);
            }
            f(&mut many)
        });
        if self.held.is_none() {
            // The whole command is applied and its locks released: serve waiters now
            // (also when the log refused to acknowledge it).
            ks.blocking.serve_signalled(ks);
            ks.after_write();
        }
        out?
    }
}

/// [`Access::read_many`] on its tables: looks each key up and calls `f`.
fn read_many_in<'t, R>(
    ks: &Keyspace,
    located: &'t [Located<'t>],
    order: &'t [usize],
    tables: &[&'t Table],
    (touch, expired): (bool, &mut Vec<usize>),
    f: impl FnOnce(&ManyRead<'_>) -> R,
) -> R {
    let found = located
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let table = tables[order.binary_search(&l.shard).unwrap_or(0)];
            let found = ks.lookup(table, l.hash, l.key);
            ks.note_lookup(found, l.db, l.key, touch);
            if found.is_expired() {
                expired.push(n);
            }
            found.entry()
        })
        .collect();
    f(&ManyRead { found })
}
