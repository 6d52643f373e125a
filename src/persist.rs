//! Snapshots on disk (Redis's `SAVE`, `LASTSAVE` and the load at start): one RDB file,
//! `dir`/`dbfilename`, written whole to a temporary file, synced, then renamed over the
//! old one, so a crash leaves the old snapshot or the new one, never half of either.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Snapshots {
    pub(crate) fn new(dir: PathBuf, dbfilename: String) -> Snapshots {
        Snapshots {
            dir,
            dbfilename,
            lastsave: AtomicU64::new(unix_seconds()),
            saving: Mutex::new(()),
        }
    }

    /// The snapshot's path.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(&self.dbfilename)
    }

    /// Seconds since the epoch of the last successful save.
    pub(crate) fn lastsave(&self) -> u64 {
        self.lastsave.load(Ordering::Relaxed)
    }

    /// Writes a snapshot of the whole store (`SAVE`).
    pub(crate) fn save(&self, access: Access<'_>) -> Result<()> {
        let _one = self.saving.lock();
        let now = unix_seconds();
        let bytes = access.snapshot(now)?;
        write_atomically(&self.dir, &self.dbfilename, &bytes)
            .map_err(|e| Error::Io(format!("saving {}: {e}", self.path().display())))?;
        self.lastsave.store(now, Ordering::Relaxed);
        Ok(())
    }

    /// Loads the snapshot, if there is one; returns how many keys it added.
    pub(crate) fn load(&self, access: Access<'_>) -> Result<usize> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::Io(format!("reading {}: {e}", path.display()))),
        };
        access.load(&bytes).map_err(|e| {
            Error::Io(format!(
                "loading {}: {} at byte {}",
                path.display(),
                e.what,
                e.offset
            ))
        })
    }
}

/// Writes `bytes` to `dir/name` through a temporary file in `dir` (`temp-<pid>.rdb`, as
/// Redis names it), synced before the rename and the directory after it.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let written = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    // The rename is durable once the directory is synced (not possible everywhere).
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
