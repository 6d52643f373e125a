//! Snapshots on disk (Redis's `SAVE`, `LASTSAVE` and the load at start): one RDB file,
//! `dir`/`dbfilename`, written whole to a temporary file, synced, then renamed over the
//! old one, so a crash leaves the old snapshot or the new one, never half of either.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::keyspace::Access;
use crate::{Error, Result};

/// Where snapshots go, and when the last one was made.
#[derive(Debug)]
pub(crate) struct Snapshots {
    dir: PathBuf,
    dbfilename: String,
    /// Seconds since the epoch of the last successful save (at first, the store's start,
    /// as Redis's `lastsave`).
    lastsave: AtomicU64,
    /// One save at a time (they share the temporary file's name).
    saving: Mutex<()>,
    /// The `save` rules: after this many seconds, if at least this many changes.
    rules: Mutex<Vec<(u64, u64)>>,
    /// The change count (`Keyspace::dirty`) the last saved snapshot holds, and the one
    /// a background save under way will hold.
    saved_dirty: AtomicU64,
    background_dirty: AtomicU64,
    /// Whether the last background save failed, and when it was tried (seconds): a
    /// failed one is retried by the rules only 5 s later (Redis's
    /// `CONFIG_BGSAVE_RETRY_DELAY`).
    last_failed: std::sync::atomic::AtomicBool,
    last_try: AtomicU64,
    /// `stop-writes-on-bgsave-error` (default on).
    stop_writes: std::sync::atomic::AtomicBool,
    /// Saves started (`SAVE` and `BGSAVE`), and background saves' times.
    pub(crate) runs: Runs,
}

/// Seconds since the epoch on the store's clock (a `ManualClock` in tests).
fn seconds(access: Access<'_>) -> u64 {
    access.now() / 1000
}

impl Snapshots {
    /// Snapshots to `dir`/`dbfilename`, the last one (none yet) dated `started`
    /// (seconds since the epoch), as Redis dates `lastsave` at start.
    pub(crate) fn new(dir: PathBuf, dbfilename: String, started: u64) -> Snapshots {
        Snapshots {
            dir,
            dbfilename,
            lastsave: AtomicU64::new(started),
            saving: Mutex::new(()),
            rules: Mutex::new(Vec::new()),
            saved_dirty: AtomicU64::new(0),
            background_dirty: AtomicU64::new(0),
            last_failed: std::sync::atomic::AtomicBool::new(false),
            last_try: AtomicU64::new(0),
            stop_writes: std::sync::atomic::AtomicBool::new(true),
            runs: Runs::default(),
        }
    }

    /// Writes are refused while the last background save failed, there are `save`
    /// rules and `stop-writes-on-bgsave-error` is on (Redis's
    /// `writeCommandsDeniedByDiskError`); tells the feed, which refuses them.
    fn refresh_refusal(&self, access: Access<'_>) {
        let refuse = self.stop_writes.load(Ordering::Relaxed)
            && self.last_failed.load(Ordering::Relaxed)
            && !self.rules.lock().is_empty();
        access.keyspace().feed().refuse_for_snapshot(refuse);
    }

    /// `stop-writes-on-bgsave-error`.
    pub(crate) fn set_stop_writes(&self, access: Access<'_>, on: bool) {
        self.stop_writes.store(on, Ordering::Relaxed);
        self.refresh_refusal(access);
    }

    /// `stop-writes-on-bgsave-error` now.
    pub(crate) fn stop_writes(&self) -> bool {
        self.stop_writes.load(Ordering::Relaxed)
    }

    /// The `save` rules (`CONFIG SET save`, the builder's `save`).
    pub(crate) fn set_rules(&self, access: Access<'_>, rules: Vec<(u64, u64)>) {
        *self.rules.lock() = rules;
        self.refresh_refusal(access);
    }

    /// The `save` rules.
    pub(crate) fn rules(&self) -> Vec<(u64, u64)> {
        self.rules.lock().clone()
    }

    /// Notes that the snapshot on disk holds the store at change count `dirty` (just
    /// loaded).
    pub(crate) fn mark_saved(&self, dirty: u64) {
        self.saved_dirty.store(dirty, Ordering::Relaxed);
    }

    /// Whether the last background save failed (`rdb_last_bgsave_status`).
    pub(crate) fn last_failed(&self) -> bool {
        self.last_failed.load(Ordering::Relaxed)
    }

    /// Changes since the last snapshot (`rdb_changes_since_last_save`).
    pub(crate) fn changes_since_save(&self, access: Access<'_>) -> u64 {
        access
            .keyspace()
            .dirty()
            .saturating_sub(self.saved_dirty.load(Ordering::Relaxed))
    }

    /// Whether a rule asks for a background save now (Redis's `serverCron` test).
    pub(crate) fn due(&self, access: Access<'_>) -> bool {
        let rules = self.rules.lock();
        if rules.is_empty() {
            return false;
        }
        let now = seconds(access);
        let changes = self.changes_since_save(access);
        let since = now.saturating_sub(self.lastsave());
        let retry = !self.last_failed.load(Ordering::Relaxed)
            || now.saturating_sub(self.last_try.load(Ordering::Relaxed)) > 5;
        retry
            && rules
                .iter()
                .any(|&(secs, min)| changes >= min && since > secs)
    }

    /// The snapshot's path; refused, as Redis refuses it, if `dbfilename` is a path.
    pub(crate) fn path(&self) -> Result<PathBuf> {
        let name = Path::new(&self.dbfilename);
        if self.dbfilename.is_empty() || name.file_name() != Some(name.as_os_str()) {
            return Err(Error::Io(
                "dbfilename can't be a path, just a filename".to_owned(),
            ));
        }
        Ok(self.dir.join(name))
    }

    /// The directory (`dir`).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The snapshot's file name (`dbfilename`).
    pub(crate) fn dbfilename(&self) -> &str {
        &self.dbfilename
    }

    /// Seconds since the epoch of the last successful save.
    pub(crate) fn lastsave(&self) -> u64 {
        self.lastsave.load(Ordering::Relaxed)
    }

    /// Writes a snapshot of the whole store (`SAVE`).
    pub(crate) fn save(&self, access: Access<'_>) -> Result<()> {
        let path = self.path()?;
        let _one = self.saving.lock();
        let dirty = access.keyspace().dirty();
        let bytes = access.snapshot(seconds(access))?;
        self.runs.count();
        self.commit(access, &path, &bytes)?;
        self.saved_dirty.store(dirty, Ordering::Relaxed);
        // As `rdbSave`: a good save clears a failed background save's status.
        self.last_failed.store(false, Ordering::Relaxed);
        self.refresh_refusal(access);
        Ok(())
    }

    /// Puts a snapshot's bytes in place (the caller holds `saving`) and notes when.
    fn commit(&self, access: Access<'_>, path: &Path, bytes: &[u8]) -> Result<()> {
        write_atomically(&self.dir, path, bytes)
            .map_err(|e| Error::Io(format!("saving {}: {e}", path.display())))?;
        self.lastsave.store(seconds(access), Ordering::Relaxed);
        Ok(())
    }

    /// Starts a background save (`BGSAVE`): its instant is now;
    /// [`finish_background`](Self::finish_background), on another thread, completes it.
    pub(crate) fn begin_background(&self, access: Access<'_>) -> Result<()> {
        self.path()?;
        // Read before the instant: a change between is saved but still counted.
        let dirty = access.keyspace().dirty();
        access.start_background()?;
        self.runs.start();
        self.background_dirty.store(dirty, Ordering::Relaxed);
        self.last_try.store(seconds(access), Ordering::Relaxed);
        Ok(())
    }

    /// Copies what the background save still needs, writes the file and returns how
    /// that went (the last background save's status, as `INFO` reports it).
    pub(crate) fn finish_background(&self, access: Access<'_>) -> Result<()> {
        /// Ends the background snapshot however this ends (a panic too).
        struct End<'a>(Access<'a>);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                self.0.end_background();
            }
        }
        let _end = End(access);
        let bytes = access.finish_background(seconds(access));
        let path = self.path()?;
        let _one = self.saving.lock();
        let done = self.commit(access, &path, &bytes);
        self.runs.end(done.is_ok());
        if let Err(e) = &done {
            log::warn!("Background saving error: {e}");
        }
        self.last_failed.store(done.is_err(), Ordering::Relaxed);
        self.refresh_refusal(access);
        if done.is_ok() {
            let dirty = self.background_dirty.load(Ordering::Relaxed);
            self.saved_dirty.fetch_max(dirty, Ordering::Relaxed);
        }
        done
    }

    /// Loads the snapshot, if there is one; returns how many keys it added.
    pub(crate) fn load(&self, access: Access<'_>) -> Result<usize> {
        let path = self.path()?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::Io(format!("reading {}: {e}", path.display()))),
        };
        access.load(&bytes).map(|loaded| loaded.keys).map_err(|e| {
            Error::Io(format!(
                "loading {}: {} at byte {}",
                path.display(),
                e.what,
                e.offset
            ))
        })
    }
}

/// Writes `bytes` to `path` through a new temporary file in `dir` (`temp-<pid>-<n>.rdb`:
/// Redis's name, made unique for the several stores a process may have), synced
/// before the rename, and the directory synced after it.
pub(crate) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!("temp-{}-{n}.rdb", std::process::id()));
    let written = (|| {
        let mut file = File::options().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable (`fsyncFileDir`).
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened to be synced here.
#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// One kind of background job's record (a `BGSAVE`, a log rewrite), as `INFO` reports
/// it: how many started, whether the last one failed and how many failed in a row,
/// how long the last one took and how long the current one has run (wall-clock
/// seconds, as Redis's `time(NULL)` differences).
#[derive(Debug, Default)]
pub(crate) struct Runs {
    inner: Mutex<RunsInner>,
}

#[derive(Debug, Default)]
struct RunsInner {
    started: u64,
    running_since: Option<std::time::Instant>,
    last_seconds: Option<u64>,
    failed: bool,
    failures_in_a_row: u64,
}

impl Runs {
    /// A job started.
    pub(crate) fn start(&self) {
        let mut r = self.inner.lock();
        r.started += 1;
        r.running_since = Some(std::time::Instant::now());
    }

    /// A job was counted but could not start (or a blocking one ran): its outcome
    /// only.
    pub(crate) fn count(&self) {
        self.inner.lock().started += 1;
    }

    /// The job ended, well or not.
    pub(crate) fn end(&self, ok: bool) {
        let mut r = self.inner.lock();
        if let Some(since) = r.running_since.take() {
            r.last_seconds = Some(since.elapsed().as_secs());
        }
        r.failed = !ok;
        r.failures_in_a_row = if ok { 0 } else { r.failures_in_a_row + 1 };
    }

    /// How many started (`rdb_saves`, `aof_rewrites`).
    pub(crate) fn started(&self) -> u64 {
        self.inner.lock().started
    }

    /// Whether the last one failed (`…_status:err`).
    pub(crate) fn failed(&self) -> bool {
        self.inner.lock().failed
    }

    /// Failures since the last success (`aof_rewrites_consecutive_failures`).
    pub(crate) fn failures_in_a_row(&self) -> u64 {
        self.inner.lock().failures_in_a_row
    }

    /// Seconds the last one took, -1 if none ended (`…_last_…_time_sec`).
    pub(crate) fn last_seconds(&self) -> i64 {
        self.inner
            .lock()
            .last_seconds
            .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX))
    }

    /// Seconds the current one has run, -1 if none runs (`…_current_…_time_sec`).
    pub(crate) fn current_seconds(&self) -> i64 {
        self.inner.lock().running_since.map_or(-1, |since| {
            i64::try_from(since.elapsed().as_secs()).unwrap_or(i64::MAX)
        })
    }
}
