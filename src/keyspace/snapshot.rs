//! Snapshots of the whole store at one instant (`SAVE`, `BGSAVE`), without fork and
//! without stopping a writer for longer than one chunk of a shard takes to copy.
//!
//! A background snapshot starts by write-locking every shard at once (in ascending
//! order) for as long as it takes to mark each one *owed* and note the instant: no
//! command is half done then. Each shard's table is then copied in *chunks* of
//! [`CHUNK`] of the buckets it had at the instant (tables only grow, so an entry of
//! bucket `b` then is in a bucket `≡ b` modulo that count ever after): a background
//! thread copies the chunks one at a time, each under the shard's read lock, released
//! between chunks. A writer of one key that finds its shard owed copies that key's
//! chunk first, if nobody has ([`Keyspace::lock_shard_for`]); any other writer
//! ([`Keyspace::lock_shard`]) first copies whatever the shard still owes, a chunk per
//! read lock. So every chunk is copied as it was at the instant, whatever was written
//! since — a transaction or multi-key command is wholly in or wholly out — and no one
//! waits for more than one chunk's copy at a time. A blocking `SAVE` copies every
//! shard under all the read locks at once. Either way the copies become a file only
//! after the locks are released.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use parking_lot::Mutex;

use super::table::Table;
use super::{Access, Keyspace};
use crate::rdb::file;
use crate::{Error, Result};

/// Buckets (of a table at a snapshot's instant) copied at once: about as many keys, a
/// fraction of a millisecond's work.
const CHUNK: usize = 1024;

/// What a snapshot is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Form {
    /// An RDB file.
    #[default]
    Rdb,
    /// Commands that rebuild the store (a log's base with `aof-use-rdb-preamble no`).
    Commands,
}

/// One shard's part of a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Part {
    /// The chunks' bytes, each its own buffer (no large buffer is regrown, and so
    /// copied, while a lock is held).
    chunks: Vec<Vec<u8>>,
    keys: usize,
    volatile: usize,
}

/// One shard's copy under way: which chunks are copied, and the bytes so far.
#[derive(Debug, Default)]
pub(crate) struct ShardCopy {
    /// The table's bucket count at the instant (a power of two, or 0).
    base: usize,
    /// Per chunk of `CHUNK` buckets of `base`: copied yet.
    done: Vec<bool>,
    /// Chunks not copied yet, and the first that may not be.
    left: usize,
    next: usize,
    part: Part,
    form: Form,
}

impl ShardCopy {
    fn new(base: usize, form: Form) -> ShardCopy {
        let chunks = base.div_ceil(CHUNK);
        ShardCopy {
            form,
            base,
            done: vec![false; chunks],
            left: chunks,
            next: 0,
            part: Part::default(),
        }
    }

    /// The chunk holding the entries of `hash`.
    fn chunk_of(&self, hash: u64) -> usize {
        #[allow(clippy::cast_possible_truncation)] // masked to the bucket count
        let bucket = hash as usize & (self.base - 1);
        bucket / CHUNK
    }

    /// The first chunk not copied yet.
    fn next_owed(&mut self) -> Option<usize> {
        while self.next < self.done.len() && self.done[self.next] {
            self.next += 1;
        }
        (self.next < self.done.len()).then_some(self.next)
    }
}

/// A snapshot being taken: its instant and the copies made so far, one per shard.
#[derive(Debug)]
pub(crate) struct Pending {
    now: u64,
    parts: Vec<Mutex<ShardCopy>>,
    /// Taken for the append-only log (a rewrite's base), not for `dump.rdb`: a `SAVE`
    /// may run beside it.
    for_log: bool,
    form: Form,
    /// The function libraries' code at the instant.
    libraries: Vec<Vec<u8>>,
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
    pub(crate) fn copy_part(&self, table: &Table, now: u64, form: Form) -> Part {
        let mut copy = ShardCopy::new(table.bucket_count(), form);
        while let Some(c) = copy.next_owed() {
            self.copy_chunk(table, &mut copy, c, now);
        }
        copy.part
    }

    /// Copies chunk `c` of `table` into `copy`, for the snapshot of instant `now`.
    fn copy_chunk(&self, table: &Table, copy: &mut ShardCopy, c: usize, now: u64) {
        let mut out = file::Writer::continuing(Vec::new(), self.rdb_compression());
        let mut commands = Vec::new();
        // Readers stamp accesses under their read locks: a stamp may be later than
        // the instant, so access history is measured against the time of the copy.
        let stamps_now = self.coarse_now().max(now);
        let buckets = table.bucket_count();
        for first in c * CHUNK..((c + 1) * CHUNK).min(copy.base) {
            // The bucket at the instant, and those it has split into since.
            for b in (first..buckets).step_by(copy.base) {
                for entry in table.chain(b).filter(|e| e.is_live_at(now)) {
                    let expires_at = entry.expires_at();
                    match copy.form {
                        Form::Rdb => {
                            let history = self.memory.history(entry, stamps_now);
                            out.entry(entry.key(), entry.value(), expires_at, history);
                        }
                        Form::Commands => {
                            super::feed::rebuild(
                                &mut commands,
                                entry.key(),
                                entry.value(),
                                expires_at,
                            );
                        }
                    }
                    copy.part.keys += 1;
                    copy.part.volatile += usize::from(expires_at.is_some());
                }
            }
        }
        copy.part.chunks.push(match copy.form {
            Form::Rdb => out.into_bytes(),
            Form::Commands => commands,
        });
        copy.done[c] = true;
        copy.left -= 1;
    }

    /// If shard `s` is owed to a background snapshot, copies what it still owes now
    /// (the caller holds its lock, so the table is as it was at the instant where it
    /// is owed).
    #[cold]
    pub(crate) fn pay(&self, s: usize, table: &Table) {
        self.pay_some(s, table, None);
    }

    /// If shard `s` owes the chunk of `hash` to a background snapshot, copies it now
    /// (the caller holds the shard's write lock and changes only that key).
    #[cold]
    pub(crate) fn pay_for(&self, s: usize, table: &Table, hash: u64) {
        self.pay_some(s, table, Some(hash));
    }

    /// Copies the chunk of `hash` (every chunk owed if `None`) of shard `s`; returns
    /// whether the shard still owes some.
    fn pay_some(&self, s: usize, table: &Table, hash: Option<u64>) -> bool {
        let pending = self.background.lock().clone();
        let mut owes = false;
        if let Some(pending) = pending {
            let mut copy = pending.parts[s].lock();
            match hash {
                Some(hash) if copy.left > 0 => {
                    let c = copy.chunk_of(hash);
                    if !copy.done[c] {
                        self.copy_chunk(table, &mut copy, c, pending.now);
                    }
                }
                _ => {
                    while let Some(c) = copy.next_owed() {
                        self.copy_chunk(table, &mut copy, c, pending.now);
                    }
                }
            }
            owes = copy.left > 0;
        }
        if !owes {
            self.shards[s].owed.store(false, Ordering::Release);
        }
        owes
    }

    /// Copies what each of `shards` still owes, a chunk per read lock: a writer about to
    /// lock several shards then waits for no copy while holding the others, and others
    /// wait for at most one chunk's copy at a time.
    pub(crate) fn prepay(&self, shards: impl IntoIterator<Item = usize>) {
        for s in shards {
            while self.shards[s].owed.load(Ordering::Acquire) {
                let table = self.shards[s].table.read();
                if !self.shards[s].owed.load(Ordering::Acquire) {
                    break;
                }
                let pending = self.background.lock().clone();
                let Some(pending) = pending else {
                    self.shards[s].owed.store(false, Ordering::Release);
                    break;
                };
                let mut copy = pending.parts[s].lock();
                if let Some(c) = copy.next_owed() {
                    self.copy_chunk(&table, &mut copy, c, pending.now);
                }
                if copy.left == 0 {
                    self.shards[s].owed.store(false, Ordering::Release);
                }
            }
        }
    }

    /// The file made of the parts, one per shard in order.
    fn assemble(&self, parts: &[Part], libraries: &[Vec<u8>], ctime: u64, form: Form) -> Vec<u8> {
        if form == Form::Commands {
            // As Redis's rewrite: each database's keys after a `SELECT` of it.
            let mut out = Vec::new();
            // As Redis's rewrite (`rewriteFunctions`): the libraries first.
            for code in libraries {
                super::feed::command(&mut out, &[b"FUNCTION", b"LOAD", code]);
            }
            for db in 0..self.databases() {
                let shards = &parts[self.db_shards(db)];
                if shards.iter().all(|p| p.keys == 0) {
                    continue;
                }
                super::feed::select(&mut out, db);
                for chunk in shards.iter().flat_map(|p| &p.chunks) {
                    out.extend_from_slice(chunk);
                }
            }
            return out;
        }
        let mut out = file::Writer::new(ctime, self.memory.used(), self.rdb_compression());
        for code in libraries {
            out.function(code);
        }
        for db in 0..self.databases() {
            let shards = &parts[self.db_shards(db)];
            let keys = shards.iter().map(|p| p.keys).sum();
            if keys == 0 {
                continue;
            }
            out.database(db, keys, shards.iter().map(|p| p.volatile).sum());
            for part in shards {
                for chunk in &part.chunks {
                    out.append(chunk);
                }
            }
        }
        out.finish(self.rdb_checksum())
    }
}

impl Access<'_> {
    /// Every database's live entries at one instant, as the bytes of an RDB file
    /// (`SAVE`), copied while every shard is read-locked; `ctime` is the time the file
    /// claims, in seconds since the epoch.
    pub(crate) fn snapshot(self, ctime: u64) -> Result<Vec<u8>> {
        self.snapshot_as(ctime, Form::Rdb)
    }

    /// [`snapshot`](Self::snapshot), written as `form` says.
    pub(crate) fn snapshot_as(self, ctime: u64, form: Form) -> Result<Vec<u8>> {
        let ks = self.keyspace();
        let now = ks.now();
        // Checked under every read lock: a background snapshot's state changes only
        // under every write lock (start) or after its file is written (end).
        let parts = self.all_tables(|tables| {
            if ks.bgsave_in_progress() {
                return Err(Error::BackgroundSaveInProgress);
            }
            let parts = tables
                .iter()
                .map(|t| ks.copy_part(t, now, form))
                .collect::<Vec<_>>();
            Ok((parts, ks.libraries().codes.clone()))
        })??;
        Ok(ks.assemble(&parts.0, &parts.1, ctime, form))
    }

    /// Starts a background snapshot (`BGSAVE`): marks every shard owed at one instant
    /// and returns; [`finish_background`](Self::finish_background), on another thread,
    /// copies the shards no writer has copied yet and makes the file.
    pub(crate) fn start_background(self) -> Result<()> {
        self.start_background_with(false, Form::Rdb, || Ok(()))
    }

    /// [`start_background`](Self::start_background), calling `at_instant` while every
    /// shard is write-locked, at the snapshot's instant (a log rewrite switches to a new
    /// incremental file there); if it fails, nothing starts. The snapshot is written
    /// as `form` says.
    pub(crate) fn start_background_with(
        self,
        for_log: bool,
        form: Form,
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
        let parts: Vec<_> = guards
            .iter()
            .map(|t| Mutex::new(ShardCopy::new(t.bucket_count(), form)))
            .collect();
        for (shard, copy) in ks.shards.iter().zip(&parts) {
            shard.owed.store(copy.lock().left > 0, Ordering::Release);
        }
        *background = Some(Arc::new(Pending {
            for_log,
            form,
            now: ks.now(),
            parts,
            libraries: ks.libraries().codes.clone(),
        }));
        drop(background);
        drop(guards);
        Ok(())
    }

    /// Calls `f` with every shard write-locked: no command is half done while it runs.
    pub(crate) fn with_every_shard<R>(self, f: impl FnOnce() -> R) -> Result<R> {
        let ks = self.keyspace();
        ks.check_not_held()?;
        let all: Vec<usize> = (0..ks.shards.len()).collect();
        let guards = ks.lock_shards(&all);
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
        let (parts, libraries, form) = pending.map_or_else(
            || {
                (
                    (0..ks.shards.len()).map(|_| Part::default()).collect(),
                    Vec::new(),
                    Form::Rdb,
                )
            },
            |p| {
                let parts = p
                    .parts
                    .iter()
                    .map(|m| std::mem::take(&mut m.lock().part))
                    .collect::<Vec<_>>();
                (parts, p.libraries.clone(), p.form)
            },
        );
        ks.assemble(&parts, &libraries, ctime, form)
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
