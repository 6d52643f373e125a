//! Snapshots of the whole store at one instant (`SAVE`, `BGSAVE`), without fork and
//! without stopping writers for longer than one shard takes to copy.
//!
//! A background snapshot starts by write-locking every shard at once (in ascending
//! order) for as long as it takes to mark each one *owed* and note the instant: no
//! command is half done then. A background thread then copies the shards one at a time,
//! each under its read lock, into RDB bytes. A writer that locks a shard still owed
//! copies it first ([`Keyspace::write_shard`] does), so every shard's copy is its state
//! at the instant, whatever was written since — a transaction or multi-key command is
//! wholly in or wholly out. A blocking `SAVE` copies every shard under all the read locks
//! at once. Either way the copies become a file only after the locks are released.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use parking_lot::Mutex;

use super::table::Table;
use super::{Access, Keyspace};
use crate::rdb::file;
use crate::{Error, Result};

/// One shard's part of a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Part {
    bytes: Vec<u8>,
    keys: usize,
    volatile: usize,
}

/// A snapshot being taken: its instant and the parts copied so far, one per shard.
#[derive(Debug)]
pub(crate) struct Pending {
    now: u64,
    parts: Vec<Mutex<Option<Part>>>,
    /// Taken for the append-only log (a rewrite's base), not for `dump.rdb`: a `SAVE`
    /// may run beside it.
    for_log: bool,
}

impl Keyspace {
    /// Whether a background snapshot (a `BGSAVE` or a log rewrite) is being taken.
    pub(crate) fn background_in_progress(&self) -> bool {
        self.background.lock().is_some()
    }

    /// Whether a background snapshot for `dump.rdb` (a `BGSAVE`) is being taken.
    pub(crate) fn bgsave_in_progress(&self) -> bool {
        self.background.lock().as_ref().is_some_and(|p| !p.for_log)
    }

    /// Copies `table` (shard `s`) as it is, for the snapshot of instant `now`.
    pub(crate) fn copy_part(&self, table: &Table, now: u64) -> Part {
        let mut out = file::Writer::part();
        // Readers stamp accesses under their read locks: a stamp may be later than
        // the instant, so access history is measured against the time of the copy.
        let stamps_now = self.coarse_now().max(now);
        for entry in table.iter().filter(|e| e.is_live_at(now)) {
            let history = self.memory.history(entry, stamps_now);
            out.entry(entry.key(), entry.value(), entry.expires_at(), history);
        }
        Part {
            bytes: out.into_bytes(),
            keys: table.len(),
            volatile: table.volatile(),
        }
    }

    /// If shard `s` is owed to a background snapshot, copies it now (the caller holds
    /// its lock, so the table is as it was at the snapshot's instant).
    #[cold]
    pub(crate) fn pay(&self, s: usize, table: &Table) {
        let pending = self.background.lock().clone();
        if let Some(pending) = pending {
            let mut part = pending.parts[s].lock();
            if part.is_none() {
                *part = Some(self.copy_part(table, pending.now));
            }
        }
        self.shards[s].owed.store(false, Ordering::Release);
    }

    /// Copies each of `shards` still owed under its read lock, one at a time: a writer
    /// about to lock several shards then waits for none of their copies while holding
    /// the others.
    pub(crate) fn prepay(&self, shards: impl IntoIterator<Item = usize>) {
        for s in shards {
            if self.shards[s].owed.load(Ordering::Acquire) {
                let table = self.shards[s].table.read();
                if self.shards[s].owed.load(Ordering::Acquire) {
                    self.pay(s, &table);
                }
            }
        }
    }

    /// The file made of the parts, one per shard in order.
    fn assemble(&self, parts: &[Part], ctime: u64) -> Vec<u8> {
        let mut out = file::Writer::new(ctime, self.memory.used());
        for db in 0..self.databases() {
            let shards = &parts[self.db_shards(db)];
            let keys = shards.iter().map(|p| p.keys).sum();
            if keys == 0 {
                continue;
            }
            out.database(db, keys, shards.iter().map(|p| p.volatile).sum());
            for part in shards {
                out.append(&part.bytes);
            }
        }
        out.finish()
    }
}

impl Access<'_> {
    /// Every database's live entries at one instant, as the bytes of an RDB file
    /// (`SAVE`), copied while every shard is read-locked; `ctime` is the time the file
    /// claims, in seconds since the epoch.
    pub(crate) fn snapshot(self, ctime: u64) -> Result<Vec<u8>> {
        let ks = self.keyspace();
        let now = ks.now();
        // Checked under every read lock: a background snapshot's state changes only
        // under every write lock (start) or after its file is written (end).
        let parts = self.all_tables(|tables| {
            if ks.bgsave_in_progress() {
                return Err(Error::BackgroundSaveInProgress);
            }
            Ok(tables
                .iter()
                .map(|t| ks.copy_part(t, now))
                .collect::<Vec<_>>())
        })??;
        Ok(ks.assemble(&parts, ctime))
    }

    /// Starts a background snapshot (`BGSAVE`): marks every shard owed at one instant
    /// and returns; [`finish_background`](Self::finish_background), on another thread,
    /// copies the shards no writer has copied yet and makes the file.
    pub(crate) fn start_background(self) -> Result<()> {
        self.start_background_with(false, || Ok(()))
    }

    /// [`start_background`](Self::start_background), calling `at_instant` while every
    /// shard is write-locked, at the snapshot's instant (a log rewrite switches to a new
    /// incremental file there); if it fails, nothing starts.
    pub(crate) fn start_background_with(
        self,
        for_log: bool,
        at_instant: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        let ks = self.keyspace();
        if ks.background.lock().is_some() {
            return Err(Error::BackgroundSaveInProgress);
        }
        // Every shard write-locked at once: no command is half done at the instant.
        // Plain locks: a refused start copies nothing. (Shards before the snapshot's
        // state, always: a writer that pays holds its shard, then reads the state.)
        self.keyspace().check_not_held()?;
        let guards: Vec<_> = ks.shards.iter().map(|s| s.table.write()).collect();
        let mut background = ks.background.lock();
        if background.is_some() {
            return Err(Error::BackgroundSaveInProgress);
        }
        at_instant()?;
        *background = Some(Arc::new(Pending {
            for_log,
            now: ks.now(),
            parts: (0..ks.shards.len()).map(|_| Mutex::new(None)).collect(),
        }));
        for shard in &*ks.shards {
            shard.owed.store(true, Ordering::Release);
        }
        drop(background);
        drop(guards);
        Ok(())
    }

    /// Calls `f` with every shard write-locked: no command is half done while it runs.
    pub(crate) fn with_every_shard<R>(self, f: impl FnOnce() -> R) -> Result<R> {
        let ks = self.keyspace();
        ks.check_not_held()?;
        ks.prepay(0..ks.shards.len());
        let guards: Vec<_> = (0..ks.shards.len()).map(|s| ks.lock_shard(s)).collect();
        let out = f();
        drop(guards);
        Ok(out)
    }

    /// Copies every shard still owed (each under its read lock, one at a time) and
    /// returns the background snapshot's file's bytes. The snapshot stays in progress
    /// (no other starts) until [`end_background`](Self::end_background), once its file
    /// is written: a later snapshot's file is never overwritten by an earlier one's.
    pub(crate) fn finish_background(self, ctime: u64) -> Vec<u8> {
        let ks = self.keyspace();
        ks.prepay(0..ks.shards.len());
        let pending = ks.background.lock().clone();
        let parts = pending.map_or_else(Vec::new, |p| {
            p.parts
                .iter()
                .map(|m| m.lock().take().unwrap_or_default())
                .collect()
        });
        ks.assemble(&parts, ctime)
    }

    /// Ends the background snapshot, whether or not its file was made (a failed or
    /// panicking save too): no shard stays owed.
    pub(crate) fn end_background(self) {
        let ks = self.keyspace();
        let mut background = ks.background.lock();
        for shard in &*ks.shards {
            shard.owed.store(false, Ordering::Release);
        }
        *background = None;
    }
}
