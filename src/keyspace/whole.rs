//! Whole databases (Redis's `db.c` `DBSIZE`, `FLUSHDB`, `SWAPDB`, `SCAN`, `RANDOMKEY`)
//! and the store-wide maintenance (the expiry sweep, policy changes).
//!
//! Outside a transaction a reading walk locks one shard at a time; a change to whole
//! databases locks all their shards at once, so it is atomic. Inside a transaction the
//! databases' shards are held already (a queue that needs them locks them all).

use rand::Rng;
use smallvec::SmallVec;

use super::access::Access;
use super::evict::EvictionPolicy;
use super::log::{Rollback, TxLog};
use super::{Keyspace, Locked, Whole, expiry, notify};
use crate::Result;
use crate::rdb::file;
use crate::value::ValueRef;

impl Access<'_> {
    /// Number of keys in `db`, counting expired keys not yet removed (as Redis's DBSIZE).
    pub(crate) fn len(self, db: usize) -> Result<usize> {
        Ok(self.counts(db)?.0)
    }

    /// Number of keys in `db` and how many of them have a TTL (`INFO keyspace`).
    pub(crate) fn counts(self, db: usize) -> Result<(usize, usize)> {
        let mut total = (0, 0);
        for s in self.keyspace().db_shards(db) {
            let (k, e) = self.table(s, |t| (t.len(), t.volatile()))?;
            total = (total.0 + k, total.1 + e);
        }
        Ok(total)
    }

    /// Adds the keys of the RDB file `bytes` (read as Redis reads one at start), skipping
    /// those whose deadline has passed; returns how many were added. A key that exists
    /// already, a database the store does not have, or a malformed file is an error
    /// naming the byte offset (keys read before it may stay). Also returns where the
    /// snapshot ends in `bytes`. For a store being opened: no events, no eviction, no
    /// change counted; keys go in per shard in batches, a lock for each.
    pub(crate) fn load(self, bytes: &[u8]) -> std::result::Result<SnapshotLoaded, file::FileError> {
        /// Keys decoded and not yet in their shard's table, at most this many per shard.
        const BATCH: usize = 256;
        let ks = self.keyspace();
        ks.assert_not_held();
        let now = ks.now();
        let mut added = 0;
        let mut expired = 0;
        let mut batches: Vec<Vec<Pending>> = (0..ks.shards.len()).map(|_| Vec::new()).collect();
        // A batch's failure, with the offset of the key that failed.
        let mut failed: Option<file::FileError> = None;
        let mut libraries = Vec::new();
        let read = file::read_with_functions(
            bytes,
            ks.databases(),
            ks.max_string_size(),
            ks.rdb_checksum(),
            |k| {
                if k.expires_at.is_some_and(|at| at <= now) {
                    expired += 1;
                    return Ok(());
                }
                let (hash, s) = ks.locate_one(k.db, k.key);
                batches[s].push(Pending {
                    hash,
                    slot: super::table::Slot::new(k.key, k.value, k.expires_at),
                    history: k.history,
                    offset: k.offset,
                });
                added += 1;
                if batches[s].len() >= BATCH {
                    ks.load_batch(s, &mut batches[s]).map_err(|e| {
                        failed = Some(e);
                        "a key twice"
                    })?;
                }
                Ok(())
            },
            Some(&mut libraries),
        );
        // The first error in the file's order: a key twice may still wait in a batch
        // when a later record turns out damaged, or in another shard's batch.
        let mut first = failed;
        let end = match read {
            Ok(end) => Some(end),
            Err(e) => {
                first.get_or_insert(e);
                None
            }
        };
        for (s, batch) in batches.iter_mut().enumerate() {
            if let Err(e) = ks.load_batch(s, batch)
                && first.as_ref().is_none_or(|f| e.offset < f.offset)
            {
                first = Some(e);
            }
        }
        match first {
            Some(e) => Err(e),
            // (No error: the read ended well.)
            None => Ok({
                *ks.last_load.lock() = (added, expired);
                if !libraries.is_empty() {
                    let mut l = ks.libraries();
                    l.codes.extend(libraries);
                    l.loaded = true;
                }
                SnapshotLoaded {
                    keys: added,
                    end: end.unwrap_or(bytes.len()),
                }
            }),
        }
    }

    /// Calls `f` with every shard of `db` held, for a command that reaches keys it cannot
    /// name beforehand (`SORT … BY`/`GET` patterns): what it reads and writes is one
    /// instant of the database, as in Redis. Inside a transaction `f` runs on the
    /// shards held: an `EXEC` queue holding such a command locks the database whole,
    /// while a closure transaction reaches only the keys it named (any other is
    /// [`Error::KeyNotInTransaction`](crate::Error::KeyNotInTransaction)).
    pub(crate) fn holding_db<R>(
        self,
        db: usize,
        f: impl FnOnce(Access<'_>) -> Result<R>,
    ) -> Result<R> {
        if self.in_transaction() {
            return f(self);
        }
        let ks = self.keyspace();
        ks.check_db(db)?;
        let locked = Locked::new(
            ks,
            (&[], false),
            &[],
            &Whole::Databases(vec![db]),
            Rollback::No,
        )?;
        let out = f(Access::held(ks, &locked));
        let committed = locked.commit();
        let out = out?;
        committed.map(|()| out)
    }

    /// Logs a command that changes no key (`FUNCTION LOAD`, `FUNCTION DELETE`, …) as
    /// Redis propagates it, as `args` for database `db`: inside a transaction, among the
    /// transaction's records.
    #[cfg_attr(not(feature = "scripting"), allow(dead_code))]
    pub(crate) fn log_command(self, db: usize, args: &[&[u8]]) -> Result<()> {
        let feed = &self.keyspace().feed;
        if !feed.on() {
            return Ok(());
        }
        self.tables_mut(&[], |_, _, unit| {
            unit.record(db, |r| {
                r.args(args);
            });
        })
    }

    /// Removes every key of `db` (`None`: of every database), atomically.
    pub(crate) fn clear(self, db: Option<usize>) -> Result<()> {
        let ks = self.keyspace();
        let shards: Vec<usize> = match db {
            Some(db) => ks.db_shards(db).collect(),
            None => (0..ks.shards.len()).collect(),
        };
        let dbs = match db {
            Some(db) => db..db + 1,
            None => 0..ks.databases(),
        };
        let old = self.tables_mut(&shards, |tables, tx, unit| {
            if ks.feed.on() {
                unit.record(db.unwrap_or(0), |r| {
                    r.arg(if db.is_some() { "FLUSHDB" } else { "FLUSHALL" });
                });
            }
            // Watchers of the keys that exist are told (`touchAllWatchedKeysInDb`), while
            // the tables are still held.
            ks.touch_watched(dbs.clone(), tx, |db, key| {
                (ks.entry_state(&shards, tables, db, key), None)
            });
            let mut old = Vec::new();
            for (s, table) in shards.iter().zip(tables.iter_mut()) {
                if table.len() > 0 {
                    ks.count_change(*s);
                }
                let taken = std::mem::take(&mut **table);
                match tx {
                    Some(log) => log.cleared(*s, taken),
                    None => old.push(taken),
                }
            }
            if let Some(log) = tx {
                for db in dbs.clone() {
                    log.emptied(db);
                }
            }
            old
        })?;
        // The old tables are freed once the locks are released.
        drop(old);
        // A group's readers blocked on a stream that went are told.
        if !self.in_transaction() && ks.blocking.has_waiters() {
            for db in dbs {
                ks.blocking.signal_db(db);
            }
            ks.blocking.serve_signalled(ks);
        }
        Ok(())
    }

    /// Exchanges the contents of databases `a` and `b`, atomically.
    pub(crate) fn swap(self, a: usize, b: usize) -> Result<()> {
        let ks = self.keyspace();
        if a == b {
            // Nothing moves, and no watcher is told (`dbSwapDatabases`).
            return Ok(());
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let shards: Vec<usize> = ks.db_shards(lo).chain(ks.db_shards(hi)).collect();
        let n = ks.shards_per_db();
        self.tables_mut(&shards, |tables, tx, unit| {
            if ks.feed.on() {
                unit.record(a, |r| {
                    r.arg("SWAPDB").uint(a as u64).uint(b as u64);
                });
            }
            // A watched key of either database, against what replaces it.
            ks.touch_watched([a, b], tx, |db, key| {
                let other = if db == a { b } else { a };
                (
                    ks.entry_state(&shards, tables, db, key),
                    ks.entry_state(&shards, tables, other, key),
                )
            });
            for &s in &shards {
                ks.count_change(s);
            }
            let (low, high) = tables.split_at_mut(n);
            for (x, y) in low.iter_mut().zip(high.iter_mut()) {
                std::mem::swap(&mut **x, &mut **y);
            }
            if let Some(log) = tx {
                log.swapped(a, b);
            }
        })?;
        if !self.in_transaction() {
            // Callers blocked on a key of either database may now find a value there.
            if ks.blocking.has_waiters() {
                ks.blocking.signal_db(a);
                ks.blocking.signal_db(b);
                ks.blocking.serve_signalled(ks);
            }
        }
        Ok(())
    }

    /// Calls `f` for every live key of `db`, one shard at a time.
    pub(crate) fn for_each(self, db: usize, mut f: impl FnMut(&[u8], ValueRef<'_>)) -> Result<()> {
        let ks = self.keyspace();
        let now = ks.now();
        for s in ks.db_shards(db) {
            self.table(s, |table| {
                for entry in table.iter() {
                    if entry.is_live_at(now) {
                        f(entry.key(), entry.value());
                    }
                }
            })?;
        }
        Ok(())
    }

    /// One step of `SCAN` over `db`: visits the chains of entries from `cursor` on,
    /// until `count` entries (or ten times as many chains) have been looked at, and
    /// returns the next cursor (0 when done).
    ///
    /// A cursor is a shard number (high 32 bits) and a cursor of that shard's chains
    /// (low 32 bits; see [`Table::scan`](super::table::Table::scan)), so every key
    /// present for the whole scan is visited, however the tables grow in between.
    pub(crate) fn scan(
        self,
        db: usize,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(&[u8], ValueRef<'_>),
    ) -> Result<u64> {
        let ks = self.keyspace();
        let per_db = ks.shards_per_db() as u64;
        let (mut shard, mut at) = (cursor >> 32, cursor & u64::from(u32::MAX));
        let now = ks.now();
        let (mut seen, mut visited) = (0usize, 0usize);
        let count = count.max(1);
        while shard < per_db {
            let global = ks.db_shards(db).start + usize::try_from(shard).unwrap_or(0);
            let stopped = self.table(global, |table| {
                loop {
                    if seen >= count || visited >= count.saturating_mul(10) {
                        return true;
                    }
                    visited += 1;
                    at = table.scan(at, |entry| {
                        seen += 1;
                        if entry.is_live_at(now) {
                            f(entry.key(), entry.value());
                        }
                    });
                    if at == 0 {
                        return false;
                    }
                }
            })?;
            if stopped {
                return Ok((shard << 32) | at);
            }
            shard += 1;
            at = 0;
        }
        Ok(0)
    }

    /// A live key of `db` chosen at random, with its value. Expired keys the search
    /// meets are deleted, as Redis's `dbRandomKey` does.
    pub(crate) fn random<R>(
        self,
        db: usize,
        f: impl FnOnce(&[u8], ValueRef<'_>) -> R,
    ) -> Result<Option<R>> {
        let ks = self.keyspace();
        let mut rng = ks.rng();
        let range = ks.db_shards(db);
        let now = ks.now();
        let start = rng.gen_range(range.clone());
        let mut f = Some(f);
        let mut expired: Vec<Vec<u8>> = Vec::new();
        let mut found = None;
        for s in (start..range.end).chain(range.start..start) {
            found = self.table(s, |table| {
                if table.len() == 0 {
                    return None;
                }
                let n = table.bucket_count();
                // Random chains find a live entry quickly unless most are empty or
                // expired; then walk from a random one. In a chain, a random entry
                // (Redis's `dictGetFairRandomKey` does the same).
                let probes: Vec<usize> = (0..64).map(|_| rng.gen_range(0..n)).collect();
                let walk = {
                    let from = rng.gen_range(0..n);
                    (from..n).chain(0..from)
                };
                for (step, b) in probes.into_iter().chain(walk).enumerate() {
                    let chain: SmallVec<[_; 8]> = table.chain(b).collect();
                    if chain.is_empty() {
                        continue;
                    }
                    let pick = rng.gen_range(0..chain.len());
                    let mut live = None;
                    for (k, &entry) in chain.iter().enumerate() {
                        if entry.is_live_at(now) {
                            if k == pick {
                                return f.take().map(|f| f(entry.key(), entry.value()));
                            }
                            live.get_or_insert(entry);
                        } else if expired.len() < 16 {
                            expired.push(entry.key().to_vec());
                        }
                    }
                    // Walking (past the random probes), any live entry of the chain:
                    // a live key is found whenever one exists.
                    if let (true, Some(entry)) = (step >= 64, live) {
                        return f.take().map(|f| f(entry.key(), entry.value()));
                    }
                }
                None
            })?;
            if found.is_some() {
                break;
            }
        }
        for key in expired {
            // Opening the entry for writing deletes it if it is still expired (a
            // transaction that did not name it leaves it for later).
            let _ = self.write(db, &key, |_| Ok(()));
        }
        Ok(found)
    }

    /// `MEMORY USAGE`: the bytes of `key`'s entry with its share of the table (its
    /// bucket at the most, an expiry record); `None` if absent. Not an access.
    pub(crate) fn memory_usage(self, db: usize, key: &[u8]) -> Result<Option<usize>> {
        let ks = self.keyspace();
        let (hash, s) = self.locate(db, key)?;
        self.table(s, |table| {
            let slot = ks.lookup(table, hash, key).entry()?;
            let wheel = if slot.expires_at().is_some() { 4 } else { 0 };
            Some(slot.mem() + super::table::PER_KEY + wheel)
        })
    }

    /// The access stamp of `key` (`Some(None)`: present, none kept); `None` if absent.
    /// Not an access.
    #[allow(clippy::option_option)] // absent key vs. no stamp kept
    pub(crate) fn access_stamp(self, db: usize, key: &[u8]) -> Result<Option<Option<u32>>> {
        let ks = self.keyspace();
        let (hash, s) = self.locate(db, key)?;
        self.table(s, |table| {
            let entry = ks.lookup(table, hash, key).entry()?;
            let kept = ks.memory.tracking() != super::evict::Tracking::None;
            Some(kept.then(|| entry.stamp()))
        })
    }

    /// Changes the eviction policy; a change of what the access stamps measure (LRU
    /// times, LFU counters) drops them, so every key starts afresh rather than being
    /// misread. Outside a transaction the store then evicts down to its limit (inside,
    /// the commit does).
    pub(crate) fn set_policy(self, policy: EvictionPolicy) -> Result<()> {
        let ks = self.keyspace();
        let before = ks.memory.tracking();
        let after = ks.memory.tracking_for(policy);
        if before != after {
            let shards: Vec<usize> = (0..ks.shards.len()).collect();
            let now = ks.coarse_now();
            self.tables_mut_checked(&shards, false, |tables, _, _| {
                // Tracked the new way before any stamp is rewritten, while every shard
                // is held: no reader or writer stores an old-style stamp after this.
                ks.memory.store_policy(policy);
                for table in tables.iter() {
                    super::evict::Memory::restamp(table, after, now);
                }
            })?;
        }
        ks.memory.set_policy(policy);
        self.shrink_to_limit()
    }

    /// Evicts until the store is under its limit (or nothing is left to evict), after
    /// the limit or the policy changed; inside a transaction, the commit does.
    pub(crate) fn shrink_to_limit(self) -> Result<()> {
        if !self.in_transaction() {
            let ks = self.keyspace();
            ks.check_not_held()?;
            while ks.memory.over() && ks.evict_to_limit() {}
        }
        Ok(())
    }
}

/// What loading a snapshot did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SnapshotLoaded {
    /// Keys added.
    pub(crate) keys: usize,
    /// Where the snapshot ends in the bytes (commands may follow, in a log's base).
    pub(crate) end: usize,
}

/// A key decoded from a snapshot, waiting for its shard's batch.
struct Pending {
    hash: u64,
    slot: super::table::Slot,
    history: file::History,
    /// Where its record ends in the file.
    offset: usize,
}

impl Keyspace {
    /// Puts a loading snapshot's `batch` of keys into shard `s`'s table (emptying it);
    /// a key already there is an error at its record's offset.
    fn load_batch(
        &self,
        s: usize,
        batch: &mut Vec<Pending>,
    ) -> std::result::Result<(), file::FileError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut table = self.lock_shard(s);
        let before = table.footprint();
        let stamp_now = self.coarse_now();
        let mut out = Ok(());
        for p in batch.drain(..) {
            if out.is_err() {
                continue;
            }
            let key = p.slot.view().key();
            if table.find(p.hash, key).is_some() {
                out = Err(file::FileError {
                    offset: p.offset,
                    what: "a key twice",
                });
                continue;
            }
            let deadline = p.slot.expires_at();
            self.memory.stamp(p.slot.view(), true, || stamp_now);
            let h = table.insert(&self.hasher, p.hash, p.slot);
            self.memory
                .set_history(table.slot(p.hash, h), p.history, stamp_now);
            if let Some(at) = deadline {
                let tick = self.schedule.tick(at);
                table.schedule(&self.hasher, p.hash, tick);
                self.schedule.note(tick);
            }
        }
        self.publish(s, &table, before);
        out
    }

    /// Tells the watchers of the watched keys of `dbs` of a wholesale change (in a
    /// transaction, at its commit): `entry(db, key)` gives the key's entry before and
    /// after (see [`Watches::wholesale`](super::watch::Watches::wholesale)).
    fn touch_watched(
        &self,
        dbs: impl IntoIterator<Item = usize>,
        tx: Option<&TxLog>,
        entry: impl Fn(usize, &[u8]) -> (Option<bool>, Option<bool>),
    ) {
        let flags: Vec<_> = dbs
            .into_iter()
            .flat_map(|db| self.watches.wholesale(db, |key| entry(db, key)))
            .collect();
        match tx {
            Some(log) => log.touched(flags),
            None => flags
                .iter()
                .for_each(|f| f.store(true, std::sync::atomic::Ordering::Relaxed)),
        }
    }

    /// Whether `key` has an entry in `db`, among the held `tables` of `shards`: `None`,
    /// or whether it has expired.
    fn entry_state<T: std::ops::Deref<Target = super::table::Table>>(
        &self,
        shards: &[usize],
        tables: &[T],
        db: usize,
        key: &[u8],
    ) -> Option<bool> {
        let (hash, shard) = self.locate_one(db, key);
        let i = shards.iter().position(|&s| s == shard)?;
        match self.lookup(&tables[i], hash, key) {
            super::Lookup::Missing => None,
            super::Lookup::Expired => Some(true),
            super::Lookup::Live(..) => Some(false),
        }
    }

    /// Removes every expired entry that the wheels say is due, shard by shard, in
    /// bounded batches. Returns how many were removed.
    pub(crate) fn purge_expired(&self) -> usize {
        let mut removed = 0;
        let notify = self.notifier.wants(notify::EXPIRED);
        let mut expired: Vec<Vec<u8>> = Vec::new();
        // A group's readers blocked on a stream that expires are told it is gone.
        let mut gone: Vec<Vec<u8>> = Vec::new();
        for s in 0..self.shards.len() {
            let db = s >> self.shard_bits;
            loop {
                let now = self.now();
                // Nothing due: no write lock (nor, during a snapshot, a copy).
                let due = self.schedule.tick(now);
                if self.read_shard(s).first_tick().is_none_or(|t| t > due) {
                    break;
                }
                let mut table = self.write_shard(s);
                let before = table.footprint();
                let feed = self.feed.on().then_some(&self.feed);
                let out = table.sweep(
                    &self.hasher,
                    now,
                    self.schedule.resolution(),
                    expiry::SWEEP_BATCH,
                    |key| {
                        if notify {
                            expired.push(key.to_vec());
                        }
                        if self.blocking.has_waiters() {
                            gone.push(key.to_vec());
                        }
                        // As Redis propagates an expiry: `DEL`, while the shard is held.
                        if let Some(feed) = feed {
                            feed.append_one(db, |r| {
                                r.arg("DEL").arg(key);
                            });
                        }
                    },
                );
                self.publish(s, &table, before);
                drop(table);
                removed += out.removed;
                self.stats.expired(out.removed as u64);
                // Events go out once the shard's lock is released.
                for key in expired.drain(..) {
                    self.notify(notify::EXPIRED, "expired", db, &key);
                }
                for key in gone.drain(..) {
                    self.blocking.signal(db, &key);
                }
                self.blocking.serve_signalled(self);
                if !out.more {
                    break;
                }
            }
        }
        removed
    }

    /// The earliest tick any shard's wheel holds.
    pub(crate) fn first_tick(&self) -> Option<u64> {
        (0..self.shards.len())
            .filter_map(|s| self.read_shard(s).first_tick())
            .min()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::clock::ClockSource;
    use crate::keyspace::expiry::Schedule;
    use crate::keyspace::{Access, Deadline, Keyspace, Locked, Rollback, Whole};

    fn keyspace() -> Keyspace {
        let clock = ClockSource::System;
        let schedule = Arc::new(Schedule::new(Duration::from_millis(10), clock.clone()));
        Keyspace::new(4, 4, clock, schedule, 1)
    }

    fn set(ks: Access<'_>, db: usize, key: &str, value: &str) {
        ks.write(db, key.as_bytes(), |e| {
            e.put_str(value.as_bytes(), Deadline::Keep);
            Ok(())
        })
        .unwrap();
    }

    fn get(ks: Access<'_>, db: usize, key: &str) -> Option<Vec<u8>> {
        ks.read(db, key.as_bytes(), |v| {
            Ok(v.map(|v| v.as_str().unwrap().bytes().to_vec()))
        })
        .unwrap()
    }

    /// Key changes, a FLUSHDB, changes after it and a SWAPDB, all undone in order.
    #[test]
    fn a_rollback_undoes_key_and_whole_database_changes_newest_first() {
        let ks = keyspace();
        for db in 0..2 {
            for k in 0..20 {
                set(ks.access(), db, &format!("k{k}"), &format!("db{db}"));
            }
        }
        let used = ks.memory().used();
        let locked = Locked::new(&ks, (&[], false), &[], &Whole::All, Rollback::Yes).unwrap();
        let tx = Access::held(&ks, &locked);
        set(tx, 0, "k1", "changed");
        set(tx, 0, "new", "x");
        tx.clear(Some(0)).unwrap();
        set(tx, 0, "k1", "after flush");
        tx.swap(0, 1).unwrap();
        set(tx, 0, "k2", "after swap");
        assert_eq!(get(tx, 1, "k1").as_deref(), Some(&b"after flush"[..]));
        assert_eq!(tx.len(0).unwrap(), 20);
        locked.rollback();
        let live = ks.access();
        for db in 0..2 {
            assert_eq!(live.len(db).unwrap(), 20, "db {db}");
            for k in 0..20 {
                let want = format!("db{db}");
                assert_eq!(get(live, db, &format!("k{k}")), Some(want.into_bytes()));
            }
        }
        assert_eq!(get(live, 0, "new"), None);
        // The same entries again; only the slot freed by "new" stays on a free list.
        let now = ks.memory().used();
        assert!(now >= used && now - used <= 256, "{used} -> {now}");
    }

    /// Without rollback the same steps stay, and the store's own access works again.
    #[test]
    fn a_commit_keeps_everything_and_releases_the_shards() {
        let ks = keyspace();
        set(ks.access(), 1, "a", "1");
        let locked = Locked::new(&ks, (&[], false), &[], &Whole::All, Rollback::No).unwrap();
        let tx = Access::held(&ks, &locked);
        assert_eq!(
            ks.access().read(0, b"a", |_| Ok(())),
            Err(crate::Error::InsideTransaction)
        );
        tx.swap(0, 1).unwrap();
        set(tx, 0, "b", "2");
        locked.commit().unwrap();
        assert_eq!(get(ks.access(), 0, "a").as_deref(), Some(&b"1"[..]));
        assert_eq!(get(ks.access(), 0, "b").as_deref(), Some(&b"2"[..]));
        assert_eq!(ks.access().len(1).unwrap(), 0);
    }

    /// A sink whose every write fails (a full disk).
    struct Full;

    impl crate::keyspace::feed::Sink for Full {
        fn write(
            &mut self,
            _: &[u8],
        ) -> std::result::Result<(), crate::keyspace::feed::WriteFailed> {
            Err(crate::keyspace::feed::WriteFailed {
                error: std::io::Error::other("No space left on device"),
                kept: 0,
            })
        }
        fn sync(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn under_always_a_write_the_log_cannot_take_is_not_acknowledged_and_later_ones_refused() {
        let ks = keyspace();
        ks.feed
            .set_policy(crate::keyspace::feed::AppendFsync::Always);
        ks.feed.start(Box::new(Full));
        let misconf = |r: crate::Result<()>| matches!(r, Err(crate::Error::Misconf(ref why)) if why.contains("No space"));
        let write = |key: &str| {
            ks.access().write(0, key.as_bytes(), |e| {
                e.put_str(b"v", Deadline::Clear);
                e.propagate(|r| {
                    r.arg("SET").arg(key).arg("v");
                });
                Ok(())
            })
        };
        assert!(misconf(write("a")), "the first write is not acknowledged");
        assert!(misconf(write("b")), "a later write is refused");
        assert_eq!(get(ks.access(), 0, "b"), None, "and not applied");
        // Reads go on.
        assert_eq!(get(ks.access(), 0, "a").as_deref(), Some(&b"v"[..]));
        let locked = Locked::new(&ks, (&[], false), &[], &Whole::All, Rollback::No);
        assert!(
            matches!(locked, Err(crate::Error::Misconf(_))),
            "transactions too"
        );
    }
}
