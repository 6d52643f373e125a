//! The append-only log on disk (Redis 7.0's multi-part AOF, `aof.c`): a directory
//! (`appenddirname`) holding a base file (an RDB snapshot), incremental files of
//! commands in RESP, and a manifest naming them in order:
//!
//! ```text
//! file appendonly.aof.1.base.rdb seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! A redis-server 7.0 started on the same `dir` with `appendonly yes` loads it, and the
//! store loads what Redis wrote. Opening loads the base, then each incremental file in
//! order; a torn last command of the last file is cut off (with `aof-load-truncated`, the
//! default), anything else malformed refuses to open with an error naming the file and
//! the offset. Each batch of commands written to an incremental file is followed by a
//! line `#C:<length>:<CRC-64>`, which Redis skips as it skips its own `#` annotations:
//! a flipped bit in a batch is refused as damage, and a cut is taken for a torn write
//! only if no whole batch follows it. The base is an RDB file, or commands with
//! `aof-use-rdb-preamble no`. The records themselves come from the keyspace's feed
//! (`keyspace/feed.rs`); this module names, opens, reads and syncs the files.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::keyspace::feed::{AppendFsync, Sink, WriteFailed};
use crate::keyspace::{Access, Form};
use crate::{Error, Result};

/// How the log is configured (Redis's names).
#[derive(Debug, Clone)]
pub(crate) struct AofConfig {
    /// `appenddirname`, inside `dir`.
    pub(crate) dirname: String,
    /// `appendfilename`: the prefix of every file's name.
    pub(crate) filename: String,
    /// `appendfsync`.
    pub(crate) fsync: AppendFsync,
    /// `aof-load-truncated`.
    pub(crate) load_truncated: bool,
    /// `aof-use-rdb-preamble`.
    pub(crate) use_rdb_preamble: bool,
    /// `auto-aof-rewrite-percentage` (0: never) and `auto-aof-rewrite-min-size`.
    pub(crate) auto_rewrite_percentage: u64,
    pub(crate) auto_rewrite_min_size: u64,
    /// `appendonly`: whether opening the store loads and starts the log.
    pub(crate) appendonly: bool,
}

impl Default for AofConfig {
    fn default() -> Self {
        AofConfig {
            dirname: "appendonlydir".to_owned(),
            filename: "appendonly.aof".to_owned(),
            fsync: AppendFsync::EverySec,
            load_truncated: true,
            use_rdb_preamble: true,
            auto_rewrite_percentage: 100,
            auto_rewrite_min_size: 64 << 20,
            appendonly: false,
        }
    }
}

/// One file the manifest names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    name: String,
    seq: u64,
}

/// The manifest: the base, earlier files awaiting deletion, the incremental files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Manifest {
    base: Option<Part>,
    history: Vec<Part>,
    incrs: Vec<Part>,
}

/// A manifest's name is a file name, never a path (Redis's `pathIsBaseName`).
fn is_base_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !name.contains('\\') && name != "." && name != ".."
}

impl Manifest {
    /// Reads a manifest as `aofLoadManifestFromFile` does.
    fn parse(text: &str) -> std::result::Result<Manifest, String> {
        let mut m = Manifest::default();
        let mut lines = 0;
        for (n, raw) in text.split_inclusive('\n').enumerate() {
            lines += 1;
            if raw.starts_with('#') {
                continue;
            }
            if !raw.ends_with('\n') {
                return Err(format!("line {}: a line without its end", n + 1));
            }
            let words: Vec<&str> = raw.split_ascii_whitespace().collect();
            if words.len() < 6 || !words.len().is_multiple_of(2) {
                return Err(format!("line {}: invalid AOF manifest file format", n + 1));
            }
            let (mut name, mut seq, mut kind) = (None, 0u64, None);
            for pair in words.chunks(2) {
                match pair[0].to_ascii_lowercase().as_str() {
                    "file" => name = Some(pair[1].trim_matches('"').to_owned()),
                    "seq" => seq = pair[1].parse().unwrap_or(0),
                    "type" => kind = pair[1].chars().next(),
                    _ => {}
                }
            }
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(format!("line {}: invalid AOF manifest file format", n + 1));
            };
            if seq == 0 {
                return Err(format!("line {}: invalid AOF manifest file format", n + 1));
            }
            if !is_base_name(&name) {
                return Err(format!(
                    "line {}: file can't be a path, just a filename",
                    n + 1
                ));
            }
            let part = Part { name, seq };
            match kind {
                'b' if m.base.is_some() => {
                    return Err(format!(
                        "line {}: found duplicate base file information",
                        n + 1
                    ));
                }
                'b' => m.base = Some(part),
                'h' => m.history.push(part),
                'i' => {
                    if m.incrs.last().is_some_and(|last| last.seq >= part.seq) {
                        return Err(format!(
                            "line {}: found a non-monotonic sequence number",
                            n + 1
                        ));
                    }
                    m.incrs.push(part);
                }
                _ => return Err(format!("line {}: unknown AOF file type", n + 1)),
            }
        }
        if lines == 0 {
            return Err("found an empty AOF manifest".to_owned());
        }
        Ok(m)
    }

    fn format(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let mut line = |p: &Part, kind: char| {
            let _ = writeln!(out, "file {} seq {} type {kind}", p.name, p.seq);
        };
        if let Some(b) = &self.base {
            line(b, 'b');
        }
        for h in &self.history {
            line(h, 'h');
        }
        for i in &self.incrs {
            line(i, 'i');
        }
        out
    }
}

/// The open incremental file.
struct AppendFile {
    file: File,
    path: PathBuf,
}

impl AppendFile {
    fn sink(file: File, path: PathBuf) -> Box<dyn Sink> {
        Box::new(AppendFile { file, path })
    }
}

impl Sink for AppendFile {
    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), WriteFailed> {
        let failed = |error, kept| WriteFailed { error, kept };
        let before = self.file.metadata().map_err(|e| failed(e, 0))?.len();
        // The batch and its checksum line in one write (a process killed between two
        // writes would leave a batch without its line).
        let line = checksum_line(bytes);
        let mut parts = [std::io::IoSlice::new(bytes), std::io::IoSlice::new(&line)];
        let mut left = &mut parts[..];
        let mut written = 0;
        while !left.is_empty() {
            match self.file.write_vectored(left) {
                Ok(0) => {
                    let e = std::io::Error::from(std::io::ErrorKind::WriteZero);
                    return Err(self.cut_back(before, written, bytes.len(), e));
                }
                Ok(n) => {
                    written += n;
                    std::io::IoSlice::advance_slices(&mut left, n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.cut_back(before, written, bytes.len(), e)),
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    fn renamed(&mut self, path: PathBuf) {
        self.path = path;
    }

    fn file(&self) -> Option<File> {
        // Opened anew: a file description of its own (a clone would share this one's,
        // and a writeback error is reported once per description).
        File::open(&self.path).ok()
    }
}

impl AppendFile {
    /// A write that failed after `written` bytes (of a batch of `batch` and its line):
    /// cut back to `before` (as Redis does), so the next attempt does not follow half
    /// of it; if even that fails, the batch's bytes written stay, and only the rest is
    /// to be written again.
    fn cut_back(
        &mut self,
        before: u64,
        written: usize,
        batch: usize,
        error: std::io::Error,
    ) -> WriteFailed {
        let kept = if written == 0 || self.file.set_len(before).is_ok() {
            0
        } else {
            written.min(batch)
        };
        WriteFailed { error, kept }
    }
}

/// What reading one file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loaded {
    /// Read whole.
    Whole,
    /// Its last command was torn and cut off (the file was truncated there).
    Truncated,
}

/// How big the log is, for automatic rewrites (Redis's `aof_current_size` and
/// `aof_rewrite_base_size`).
#[derive(Debug, Default, Clone, Copy)]
struct Sizes {
    /// The files' bytes when the feed stood at `mark` (at open, or a rewrite's end).
    files: u64,
    mark: u64,
    /// The size after the last rewrite (or at open): growth is measured from it.
    after_rewrite: u64,
}

/// The log's files, in `dir`/`appenddirname`.
pub(crate) struct Aof {
    config: AofConfig,
    dir: PathBuf,
    manifest: Mutex<Manifest>,
    /// One rewrite at a time.
    rewriting: Mutex<bool>,
    /// The rewrite under way began with the log off (it writes a base alone).
    offline: AtomicBool,
    sizes: Mutex<Sizes>,
    /// `auto-aof-rewrite-percentage` and `-min-size`, changeable at run time.
    thresholds: Mutex<(u64, u64)>,
    /// The directory's lock, held while the log is on (see [`Aof::lock`]).
    lock: Mutex<Option<File>>,
    /// Whether the log is on (records go to it).
    enabled: AtomicBool,
    /// Whether the last load cut a torn tail off (`INFO`'s `aof_last_load_truncated`).
    truncated: AtomicBool,
    /// `aof-load-truncated`, changeable at run time (it applies at the next open).
    load_truncated: AtomicBool,
    /// `aof-use-rdb-preamble`: bases are RDB files (else commands); and the form of
    /// the base being written.
    preamble: AtomicBool,
    base_form: Mutex<Form>,
    /// Rewrites started, and how they went.
    pub(crate) runs: crate::persist::Runs,
    /// An automatic rewrite asked for and not over yet; after a failed one, none
    /// before this instant, the delay doubling (1 minute to 1 hour, Redis's
    /// `aofRewriteLimited`).
    auto: AutoRewrite,
}

#[derive(Default)]
struct AutoRewrite {
    pending: AtomicBool,
    not_before: Mutex<Option<(Instant, Duration)>>,
}

impl std::fmt::Debug for Aof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aof")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{what}: {e}"))
}

impl Aof {
    /// The log in `dir`; nothing is read or written yet.
    pub(crate) fn new(dir: &Path, config: AofConfig) -> Aof {
        Aof {
            dir: dir.join(&config.dirname),
            manifest: Mutex::new(Manifest::default()),
            rewriting: Mutex::new(false),
            offline: AtomicBool::new(false),
            sizes: Mutex::new(Sizes::default()),
            thresholds: Mutex::new((config.auto_rewrite_percentage, config.auto_rewrite_min_size)),
            lock: Mutex::new(None),
            enabled: AtomicBool::new(false),
            truncated: AtomicBool::new(false),
            load_truncated: AtomicBool::new(config.load_truncated),
            preamble: AtomicBool::new(config.use_rdb_preamble),
            base_form: Mutex::new(Form::Rdb),
            runs: crate::persist::Runs::default(),
            auto: AutoRewrite::default(),
            config,
        }
    }

    /// Refuses names that are paths, as Redis refuses them.
    fn check_names(&self) -> Result<()> {
        if !is_base_name(&self.config.dirname) || !is_base_name(&self.config.filename) {
            return Err(Error::Io(
                "appenddirname and appendfilename can't be paths, just names".to_owned(),
            ));
        }
        Ok(())
    }

    /// Claims the one rewrite (or log switch) that may run at a time.
    fn claim(&self) -> Result<()> {
        let mut busy = self.rewriting.lock();
        if *busy {
            return Err(Error::RewriteInProgress);
        }
        *busy = true;
        Ok(())
    }

    /// Runs `f` (turning the log off) as if it were a rewrite: none begins meanwhile,
    /// and none may be under way.
    pub(crate) fn exclusively<R>(&self, f: impl FnOnce() -> Result<R>) -> Result<R> {
        self.claim()?;
        let out = f();
        *self.rewriting.lock() = false;
        out
    }

    /// `aof-use-rdb-preamble` now.
    pub(crate) fn use_rdb_preamble(&self) -> bool {
        self.preamble.load(Ordering::Relaxed)
    }

    /// `CONFIG SET aof-use-rdb-preamble`: the form of the bases made from now on.
    pub(crate) fn set_use_rdb_preamble(&self, on: bool) {
        self.preamble.store(on, Ordering::Relaxed);
    }

    /// The form bases are made in now.
    fn form(&self) -> Form {
        if self.use_rdb_preamble() {
            Form::Rdb
        } else {
            Form::Commands
        }
    }

    /// Notes the form of the base a rewrite starting now makes, and returns it.
    fn base_form(&self) -> Form {
        let form = self.form();
        *self.base_form.lock() = form;
        form
    }

    /// A base's name (Redis's: `.base.rdb` for an RDB file, `.base.aof` for commands).
    fn base_name(&self, seq: u64, form: Form) -> String {
        let suffix = match form {
            Form::Rdb => "rdb",
            Form::Commands => "aof",
        };
        format!("{}.{seq}.base.{suffix}", self.config.filename)
    }

    /// `aof-load-truncated` now.
    pub(crate) fn load_truncated(&self) -> bool {
        self.load_truncated.load(Ordering::Relaxed)
    }

    /// `CONFIG SET aof-load-truncated`.
    pub(crate) fn set_load_truncated(&self, on: bool) {
        self.load_truncated.store(on, Ordering::Relaxed);
    }

    pub(crate) fn config(&self) -> &AofConfig {
        &self.config
    }

    /// Whether opening cut a torn last command off the log.
    pub(crate) fn truncated_at_load(&self) -> bool {
        self.truncated.load(Ordering::Relaxed)
    }

    /// Whether the log is on (`appendonly yes`).
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Release);
    }

    /// Lets go of the directory (the log turned off).
    pub(crate) fn unlock(&self) {
        self.lock.lock().take();
    }

    /// Takes the directory's lock (`<appendfilename>.lock`, an exclusive `flock`): a
    /// second store, in this process or another, cannot append to the same files. The
    /// system lets go when the store is dropped or its process dies.
    fn lock(&self) -> Result<()> {
        if self.lock.lock().is_some() {
            return Ok(());
        }
        fs::create_dir_all(&self.dir)
            .map_err(|e| io_error(format!("creating {}", self.dir.display()), e))?;
        let path = self.dir.join(format!("{}.lock", self.config.filename));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(format!("opening {}", path.display()), e))?;
        // A store just dropped may still be closing on one of its threads (a flush or a
        // rewrite ending holds it a moment): a short wait, then a refusal.
        let deadline = Instant::now() + Duration::from_secs(2);
        while file.try_lock().is_err() {
            if Instant::now() >= deadline {
                return Err(Error::Io(format!(
                    "{} is in use by another store (its lock {} is held)",
                    self.dir.display(),
                    path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        *self.lock.lock() = Some(file);
        Ok(())
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join(format!("{}.manifest", self.config.filename))
    }

    /// Loads the manifest and every file it names, in order: the base into the store
    /// through `access`, each command through `run` (the command interpreter; an error
    /// of a command is ignored, as Redis ignores it, an unknown command stops the
    /// load). Returns whether the last file was truncated; `None` if there is no log.
    pub(crate) fn load(
        &self,
        access: Access<'_>,
        run: &mut dyn FnMut(&[Vec<u8>]) -> Result<()>,
    ) -> Result<Option<Loaded>> {
        self.check_names()?;
        self.lock()?;
        let path = self.manifest_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(format!("reading {}", path.display()), e)),
        };
        let manifest = Manifest::parse(&text)
            .map_err(|e| Error::Io(format!("reading {}: {e}", path.display())))?;
        let files: Vec<&Part> = manifest.base.iter().chain(&manifest.incrs).collect();
        let mut result = Loaded::Whole;
        for (n, part) in files.iter().enumerate() {
            let last = n + 1 == files.len();
            let path = self.dir.join(&part.name);
            let bytes =
                fs::read(&path).map_err(|e| io_error(format!("reading {}", path.display()), e))?;
            // A snapshot first (an RDB base, or an old log's RDB preamble), then
            // commands.
            let mut from = 0;
            if bytes.starts_with(b"REDIS") {
                from = access
                    .load(&bytes)
                    .map_err(|e| {
                        Error::Io(format!(
                            "loading {}: {} at byte {}",
                            path.display(),
                            e.what,
                            e.offset
                        ))
                    })?
                    .end;
            }
            let replayed = replay(&bytes[from..], run).map_err(|stop| match stop {
                Stop::Short { valid } => Stop::Short {
                    valid: from + valid,
                },
                Stop::Format { at } => Stop::Format { at: from + at },
                Stop::Checksum { at } => Stop::Checksum { at: from + at },
                Stop::Command { at, error } => Stop::Command {
                    at: from + at,
                    error,
                },
            });
            match replayed {
                Ok(()) => {}
                Err(Stop::Short { valid }) if last && self.load_truncated() => {
                    let file = File::options()
                        .write(true)
                        .open(&path)
                        .map_err(|e| io_error(format!("truncating {}", path.display()), e))?;
                    file.set_len(valid as u64)
                        .and_then(|()| file.sync_all())
                        .map_err(|e| io_error(format!("truncating {}", path.display()), e))?;
                    log::warn!(
                        "!!! Warning: short read while loading the AOF file {}!!! \
                         AOF loaded anyway because aof-load-truncated is enabled: \
                         the file was cut to its last whole command, at byte {valid}",
                        path.display()
                    );
                    result = Loaded::Truncated;
                }
                Err(Stop::Short { valid }) => {
                    return Err(Error::Io(format!(
                        "loading {}: unexpected end of file after byte {valid}{}",
                        path.display(),
                        if last {
                            " (aof-load-truncated is off)"
                        } else {
                            " (not the last file)"
                        }
                    )));
                }
                Err(Stop::Format { at }) => {
                    return Err(Error::Io(format!(
                        "loading {}: bad file format at byte {at}",
                        path.display()
                    )));
                }
                Err(Stop::Checksum { at }) => {
                    return Err(Error::Io(format!(
                        "loading {}: a wrong checksum for the commands before byte {at}",
                        path.display()
                    )));
                }
                Err(Stop::Command { at, error }) => {
                    return Err(Error::Io(format!(
                        "loading {}: {error} at byte {at}",
                        path.display()
                    )));
                }
            }
        }
        *self.manifest.lock() = manifest;
        self.truncated
            .store(result == Loaded::Truncated, Ordering::Relaxed);
        Ok(Some(result))
    }

    /// Makes the log ready to append to, as Redis does at start: a base (a snapshot
    /// of the store as it is, through `access`) if there is none and no incremental
    /// file either, then the last incremental file opened (or a new one), and the
    /// manifest written. Returns the file to append to.
    pub(crate) fn open_for_append(&self, access: Access<'_>) -> Result<Box<dyn Sink>> {
        self.check_names()?;
        fs::create_dir_all(&self.dir)
            .map_err(|e| io_error(format!("creating {}", self.dir.display()), e))?;
        let mut m = self.manifest.lock().clone();
        if m.base.is_none() && m.incrs.is_empty() {
            let seq = 1;
            let form = self.form();
            let name = self.base_name(seq, form);
            let bytes = access.snapshot_as(access.now() / 1000, form)?;
            let path = self.dir.join(&name);
            crate::persist::write_atomically(&self.dir, &path, &bytes)
                .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
            m.base = Some(Part { name, seq });
        }
        if m.incrs.is_empty() {
            let seq = 1;
            m.incrs.push(Part {
                name: format!("{}.{seq}.incr.aof", self.config.filename),
                seq,
            });
        }
        let last = m.incrs.last().expect("an incremental file").clone();
        let path = self.dir.join(&last.name);
        let file = File::options()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(format!("opening {}", path.display()), e))?;
        // Files a rewrite interrupted by a crash left to retire go now.
        for old in std::mem::take(&mut m.history) {
            let _ = fs::remove_file(self.dir.join(&old.name));
        }
        self.persist_manifest(&m)?;
        let files = self.files_size(&m);
        // Growth is measured from the base alone, as Redis measures it after a restart.
        let base = m
            .base
            .as_ref()
            .and_then(|b| fs::metadata(self.dir.join(&b.name)).ok())
            .map_or(0, |md| md.len());
        *self.sizes.lock() = Sizes {
            files,
            mark: access.keyspace().feed().appended(),
            after_rewrite: base,
        };
        *self.manifest.lock() = m;
        self.set_enabled(true);
        Ok(AppendFile::sink(file, path))
    }

    /// The bytes of the base and incremental files `m` names.
    fn files_size(&self, m: &Manifest) -> u64 {
        m.base
            .iter()
            .chain(&m.incrs)
            .filter_map(|p| fs::metadata(self.dir.join(&p.name)).ok())
            .map(|md| md.len())
            .sum()
    }

    /// The log's size now, and after the last rewrite.
    pub(crate) fn size(&self, access: Access<'_>) -> (u64, u64) {
        let s = *self.sizes.lock();
        let now = access.keyspace().feed().appended();
        (s.files + now.saturating_sub(s.mark), s.after_rewrite)
    }

    /// Whether a rewrite is under way.
    pub(crate) fn rewriting(&self) -> bool {
        *self.rewriting.lock()
    }

    /// Whether the log has grown enough since the last rewrite for an automatic one
    /// (Redis's `serverCron` rule): `auto-aof-rewrite-percentage` of growth, and at least
    /// `auto-aof-rewrite-min-size`.
    pub(crate) fn wants_rewrite(&self, access: Access<'_>) -> bool {
        let (percentage, min) = *self.thresholds.lock();
        if percentage == 0 || self.rewriting() || !self.enabled() {
            return false;
        }
        let (now, base) = self.size(access);
        now > min && (now * 100 / base.max(1)).saturating_sub(100) >= percentage
    }

    /// Claims the automatic rewrite [`wants_rewrite`](Self::wants_rewrite) asked for:
    /// `false` if one is under way or a failed one's delay has not passed.
    pub(crate) fn claim_auto_rewrite(&self) -> bool {
        if self
            .auto
            .not_before
            .lock()
            .is_some_and(|(at, _)| Instant::now() < at)
        {
            return false;
        }
        !self.auto.pending.swap(true, Ordering::AcqRel)
    }

    /// An automatic rewrite is over: on failure the next waits (1 minute, doubling
    /// after each failure up to an hour); on success, no longer.
    pub(crate) fn auto_rewrite_done(&self, ok: bool) {
        let mut not_before = self.auto.not_before.lock();
        *not_before = if ok {
            None
        } else {
            let delay = not_before.map_or(Duration::from_secs(60), |(_, d)| {
                (d * 2).min(Duration::from_secs(3600))
            });
            Some((Instant::now() + delay, delay))
        };
        drop(not_before);
        self.auto.pending.store(false, Ordering::Release);
    }

    /// The automatic rewrite's thresholds (`CONFIG SET auto-aof-rewrite-*`).
    pub(crate) fn set_auto_rewrite(&self, percentage: Option<u64>, min_size: Option<u64>) {
        let mut auto = self.thresholds.lock();
        if let Some(p) = percentage {
            auto.0 = p;
        }
        if let Some(m) = min_size {
            auto.1 = m;
        }
    }

    /// `auto-aof-rewrite-percentage` and `auto-aof-rewrite-min-size` now.
    pub(crate) fn auto_rewrite(&self) -> (u64, u64) {
        *self.thresholds.lock()
    }

    /// Starts a rewrite (`BGREWRITEAOF`): at one instant (every shard write-locked, the
    /// background snapshot's), a new incremental file is opened, named in the manifest,
    /// and the feed switched to it; [`finish_rewrite`](Self::finish_rewrite), on another
    /// thread, writes the new base (the snapshot of that instant) and retires the files
    /// before it. A crash before the end leaves the old base and every incremental file
    /// named: nothing is lost.
    pub(crate) fn begin_rewrite(&self, access: Access<'_>) -> Result<()> {
        self.claim()?;
        self.offline.store(!self.enabled(), Ordering::Relaxed);
        if !self.enabled() {
            // As Redis's BGREWRITEAOF with `appendonly no`: a base of this instant,
            // which the directory's manifest then names alone (older files retired).
            let started = self.check_names().and_then(|()| {
                self.lock()?;
                *self.manifest.lock() = self.manifest_on_disk()?;
                access.start_background_with(true, self.base_form(), || Ok(()))
            });
            if started.is_ok() {
                self.runs.start();
            } else {
                *self.rewriting.lock() = false;
                self.unlock();
            }
            return started;
        }
        let started = access.start_background_with(true, self.base_form(), || {
            let mut m = self.manifest.lock().clone();
            let seq = m.incrs.last().map_or(1, |p| p.seq + 1);
            let name = format!("{}.{seq}.incr.aof", self.config.filename);
            let path = self.dir.join(&name);
            let file = empty_append_file(&path)?;
            m.incrs.push(Part { name, seq });
            self.persist_manifest(&m)?;
            access
                .keyspace()
                .feed()
                .switch(AppendFile::sink(file, path))?;
            *self.manifest.lock() = m;
            let mut sizes = self.sizes.lock();
            sizes.mark = access.keyspace().feed().appended();
            sizes.files = 0;
            Ok(())
        });
        match started {
            Ok(()) => self.runs.start(),
            Err(_) => *self.rewriting.lock() = false,
        }
        started
    }

    /// Turns the log on in a running store (`CONFIG SET appendonly yes`), as Redis's
    /// `startAppendOnly` does: at one instant (every shard write-locked) the feed starts
    /// into a temporary incremental file, named in no manifest yet; a thread then
    /// writes the snapshot of that instant as a new base
    /// ([`finish_enable`](Self::finish_enable)), and only then the manifest names the
    /// two (and any older log in the directory is retired). Returns the feed's new
    /// sink's name.
    pub(crate) fn begin_enable(&self, access: Access<'_>) -> Result<()> {
        self.check_names()?;
        self.claim()?;
        let started = self.lock().and_then(|()| {
            // The log already in the directory, if any: its files are retired at the end.
            *self.manifest.lock() = self.manifest_on_disk()?;
            access.start_background_with(true, self.base_form(), || {
                let path = self.temp_incr_path();
                let file = empty_append_file(&path)?;
                access.keyspace().feed().start(AppendFile::sink(file, path));
                *self.sizes.lock() = Sizes {
                    files: 0,
                    mark: access.keyspace().feed().appended(),
                    after_rewrite: 0,
                };
                self.set_enabled(true);
                Ok(())
            })
        });
        if started.is_ok() {
            self.runs.start();
        } else {
            // (The directory is not kept for a log that did not start.)
            self.unlock();
            *self.rewriting.lock() = false;
        }
        started
    }

    /// `temp-<appendfilename>.incr` (Redis's name for the incremental file of a log
    /// being turned on).
    fn temp_incr_path(&self) -> PathBuf {
        self.dir.join(format!("temp-{}.incr", self.config.filename))
    }

    /// The bytes of the new base: the background snapshot of the instant, copied
    /// whole; the guard ends the snapshot and the rewrite however the caller ends (a
    /// panic too).
    fn base_of_instant<'a>(&'a self, access: Access<'a>) -> (EndRewrite<'a>, Vec<u8>) {
        let end = EndRewrite(access, self);
        (end, access.finish_background(access.now() / 1000))
    }

    /// Completes [`begin_enable`](Self::begin_enable): the new base, then the
    /// temporary incremental file renamed to its place, then the manifest naming both;
    /// the files of an older log are deleted.
    pub(crate) fn finish_enable(&self, access: Access<'_>) -> Result<()> {
        self.ended(self.write_enable(access))
    }

    /// How a rewrite (or the first base of a log turned on) ended, noted for `INFO`
    /// and logged if it failed.
    fn ended(&self, done: Result<()>) -> Result<()> {
        self.runs.end(done.is_ok());
        if let Err(e) = &done {
            log::warn!("Background AOF rewrite failed: {e}");
        }
        done
    }

    /// The body of [`finish_enable`](Self::finish_enable).
    fn write_enable(&self, access: Access<'_>) -> Result<()> {
        let (_end, bytes) = self.base_of_instant(access);
        let mut m = self.manifest.lock().clone();
        let base_seq = m.base.as_ref().map_or(1, |b| b.seq + 1);
        let incr_seq = m.incrs.last().map_or(1, |p| p.seq + 1);
        let base = self.base_name(base_seq, *self.base_form.lock());
        let incr = format!("{}.{incr_seq}.incr.aof", self.config.filename);
        let path = self.dir.join(&base);
        crate::persist::write_atomically(&self.dir, &path, &bytes)
            .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
        fs::rename(self.temp_incr_path(), self.dir.join(&incr))
            .map_err(|e| io_error(format!("renaming the new incremental file {incr}"), e))?;
        access.keyspace().feed().sink_renamed(self.dir.join(&incr));
        let old: Vec<Part> = m
            .base
            .take()
            .into_iter()
            .chain(m.history.drain(..))
            .chain(m.incrs.drain(..))
            .collect();
        m.base = Some(Part {
            name: base,
            seq: base_seq,
        });
        m.incrs.push(Part {
            name: incr,
            seq: incr_seq,
        });
        self.persist_manifest(&m)?;
        for part in old {
            let _ = fs::remove_file(self.dir.join(&part.name));
        }
        *self.manifest.lock() = m;
        let appended = access.keyspace().feed().appended();
        let mut sizes = self.sizes.lock();
        sizes.files += bytes.len() as u64;
        sizes.after_rewrite = sizes.files + appended.saturating_sub(sizes.mark);
        Ok(())
    }

    /// Completes a rewrite begun by [`begin_rewrite`](Self::begin_rewrite): copies what
    /// the background snapshot still needs, writes it as the new base, then names it in
    /// the manifest with the incremental file opened at the instant, and deletes the
    /// files it replaces.
    pub(crate) fn finish_rewrite(&self, access: Access<'_>) -> Result<()> {
        self.ended(self.write_rewrite(access))
    }

    /// The manifest in the directory (an empty one if there is none).
    fn manifest_on_disk(&self) -> Result<Manifest> {
        let path = self.manifest_path();
        match fs::read_to_string(&path) {
            Ok(text) => Manifest::parse(&text)
                .map_err(|e| Error::Io(format!("reading {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(io_error(format!("reading {}", path.display()), e)),
        }
    }

    /// The body of [`finish_rewrite`](Self::finish_rewrite).
    fn write_rewrite(&self, access: Access<'_>) -> Result<()> {
        let (_end, bytes) = self.base_of_instant(access);
        let mut m = self.manifest.lock().clone();
        let seq = m.base.as_ref().map_or(1, |b| b.seq + 1);
        let name = self.base_name(seq, *self.base_form.lock());
        let path = self.dir.join(&name);
        crate::persist::write_atomically(&self.dir, &path, &bytes)
            .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
        // The incremental file opened at the instant stays (a log that is off has
        // none); the ones before it, and the old base, are history.
        let current = if self.offline.load(Ordering::Relaxed) {
            None
        } else {
            Some(m.incrs.pop().expect("the rewrite's incremental file"))
        };
        m.history.extend(m.base.take());
        m.history.append(&mut m.incrs);
        m.incrs.extend(current);
        m.base = Some(Part { name, seq });
        self.persist_manifest(&m)?;
        // The new log is in place; retiring the old files is best effort (a manifest
        // naming deleted history files still loads: history is never read).
        *self.manifest.lock() = m.clone();
        for old in std::mem::take(&mut m.history) {
            let _ = fs::remove_file(self.dir.join(&old.name));
        }
        let _ = self.persist_manifest(&m);
        *self.manifest.lock() = m;
        let appended = access.keyspace().feed().appended();
        let mut sizes = self.sizes.lock();
        sizes.files += bytes.len() as u64;
        sizes.after_rewrite = sizes.files + appended.saturating_sub(sizes.mark);
        Ok(())
    }

    /// Writes the manifest through a temporary file and a rename (`persistAofManifest`).
    fn persist_manifest(&self, m: &Manifest) -> Result<()> {
        let path = self.manifest_path();
        crate::persist::write_atomically(&self.dir, &path, m.format().as_bytes())
            .map_err(|e| io_error(format!("writing {}", path.display()), e))
    }
}

/// Ends a rewrite's background snapshot, and the rewrite, when dropped.
struct EndRewrite<'a>(Access<'a>, &'a Aof);

impl Drop for EndRewrite<'_> {
    fn drop(&mut self) {
        self.0.end_background();
        // A rewrite with the log off held the directory for its own time only.
        if self.1.offline.swap(false, Ordering::Relaxed) {
            self.1.unlock();
        }
        *self.1.rewriting.lock() = false;
    }
}

/// A new, empty incremental file at `path`, opened for appending.
fn empty_append_file(path: &Path) -> Result<File> {
    File::options()
        .append(true)
        .create(true)
        .truncate(false)
        .open(path)
        .and_then(|f| f.set_len(0).map(|()| f))
        .map_err(|e| io_error(format!("opening {}", path.display()), e))
}

/// The annotation that follows each batch of commands written to an incremental file:
/// `#C:<length>:<CRC-64 in hex>`, the checksum of the `length` bytes before it. Redis
/// skips lines that start with `#` (its own timestamp annotations are such lines), so
/// a log stays Redis's; here a batch whose bytes no longer match is damage, refused
/// with its offset, as a flipped bit in a snapshot is.
fn checksum_line(batch: &[u8]) -> Vec<u8> {
    format!(
        "#C:{}:{:016x}\r\n",
        batch.len(),
        crate::rdb::crc64::crc64(0, batch)
    )
    .into_bytes()
}

/// Checks the checksum annotation `line` (without its line end), found at `at` after
/// the bytes from `floor` on: `Ok` if it is not one of ours or the bytes match it.
fn verify_checksum(
    bytes: &[u8],
    floor: usize,
    at: usize,
    line: &[u8],
) -> std::result::Result<(), Stop> {
    if !line.starts_with(b"#C:") {
        return Ok(());
    }
    let bad = Stop::Checksum { at };
    let len = checksum_length(line).ok_or(Stop::Checksum { at })?;
    let crc = std::str::from_utf8(&line[line.len() - 16..])
        .ok()
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .ok_or(Stop::Checksum { at })?;
    if len > at - floor || crate::rdb::crc64::crc64(0, &bytes[at - len..at]) != crc {
        return Err(bad);
    }
    Ok(())
}

/// Why reading a file of commands stopped early.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// The file ends inside a command (or inside a `MULTI` … `EXEC`): what is valid ends
    /// at `valid`.
    Short { valid: usize },
    /// Not RESP at byte `at`.
    Format { at: usize },
    /// The checksum annotation at byte `at` does not match the bytes before it.
    Checksum { at: usize },
    /// The interpreter refused the command at byte `at`.
    Command { at: usize, error: String },
}

/// The longest line of a command's header (`*<n>` or `$<n>`) Redis reads.
const MAX_HEADER: usize = 128;

/// Reads `*<n>\r\n` or `$<n>\r\n` at `at`: the number and where the next begins.
/// `Err(true)`: the bytes end first; `Err(false)`: malformed.
fn header(bytes: &[u8], at: usize, mark: u8) -> std::result::Result<(i64, usize), bool> {
    let rest = &bytes[at..];
    // (Not a header at all, however short: damage, not a torn end.)
    if rest.first().is_some_and(|&b| b != mark) {
        return Err(false);
    }
    let Some(end) = rest.iter().take(MAX_HEADER).position(|&b| b == b'\n') else {
        return Err(rest.len() < MAX_HEADER);
    };
    let line = &rest[1..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let n = crate::number::parse_i64(line).ok_or(false)?;
    Ok((n, at + end + 1))
}

/// Runs each command of a file of RESP commands, as `loadSingleAppendOnlyFile` reads
/// it: `#` lines are annotations; a file that ends inside a command, or inside a
/// `MULTI` never closed, is [`Stop::Short`] at the end of the last whole command
/// before it.
fn replay(
    bytes: &[u8],
    run: &mut dyn FnMut(&[Vec<u8>]) -> Result<()>,
) -> std::result::Result<(), Stop> {
    match replay_from_start(bytes, run) {
        // A torn write is only ever the last batch: a whole, checked batch after the
        // cut proves the file went on, and the cut is damage.
        Err(Stop::Short { valid }) if whole_batch_after(bytes, valid) => {
            Err(Stop::Format { at: valid })
        }
        other => other,
    }
}

/// Whether the batch holding `from` was written to its end: the first checksum line
/// after `from` covers it, and what follows that line reads as commands (to the end,
/// or to a torn end of its own). Such bytes inside a torn value (a value may hold
/// anything, a copy of a log too) neither cover the cut nor, mostly, precede commands.
fn whole_batch_after(bytes: &[u8], from: usize) -> bool {
    let mut at = from;
    while let Some(i) = bytes[at..].windows(4).position(|w| w == b"\n#C:") {
        let line_start = at + i + 1;
        let Some(end) = bytes[line_start..].iter().position(|&b| b == b'\n') else {
            return false;
        };
        let line = &bytes[line_start..line_start + end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(len) = checksum_length(line) else {
            at = line_start;
            continue;
        };
        if len > line_start || line_start - len > from {
            return false;
        }
        let mut none = |_: &[Vec<u8>]| Ok(());
        return matches!(
            replay_from_start(&bytes[line_start + end + 1..], &mut none),
            Ok(()) | Err(Stop::Short { .. })
        );
    }
    false
}

/// The length a well-formed checksum annotation (`#C:<length>:<16 hex digits>`) covers.
fn checksum_length(line: &[u8]) -> Option<usize> {
    let rest = line.strip_prefix(b"#C:")?;
    let text = std::str::from_utf8(rest).ok()?;
    let (len, crc) = text.split_once(':')?;
    (crc.len() == 16 && crc.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    len.parse().ok()
}

/// [`replay`], before its check of what follows a torn end.
fn replay_from_start(
    bytes: &[u8],
    run: &mut dyn FnMut(&[Vec<u8>]) -> Result<()>,
) -> std::result::Result<(), Stop> {
    let mut at = 0;
    // Where the bytes a checksum annotation may cover begin (after the last one).
    let mut floor = 0;
    let mut valid_before_multi = None;
    while at < bytes.len() {
        if bytes[at] == b'#' {
            match bytes[at..].iter().position(|&b| b == b'\n') {
                Some(end) => {
                    let line = &bytes[at..at + end];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if line.starts_with(b"#C:") {
                        verify_checksum(bytes, floor, at, line)?;
                        floor = at + end + 1;
                    }
                    at += end + 1;
                    continue;
                }
                // (A torn line inside an open transaction: the cut is before it.)
                None => {
                    return Err(Stop::Short {
                        valid: valid_before_multi.unwrap_or(at),
                    });
                }
            }
        }
        let start = at;
        let short = Stop::Short {
            valid: valid_before_multi.unwrap_or(start),
        };
        let (count, mut next) = match header(bytes, at, b'*') {
            Ok(h) => h,
            Err(true) => return Err(short),
            Err(false) => return Err(Stop::Format { at }),
        };
        if count < 1 {
            return Err(Stop::Format { at });
        }
        // A count past what the file holds is not believed for the allocation (each
        // argument takes at least 5 bytes); the arguments then run out (short) or a
        // header is not one (damage), as Redis finds.
        let Ok(argc) = usize::try_from(count) else {
            return Err(Stop::Format { at });
        };
        let mut command = Vec::with_capacity(argc.min((bytes.len() - next) / 5 + 1));
        for _ in 0..argc {
            let (len, from) = match header(bytes, next, b'$') {
                Ok(h) => h,
                Err(true) => return Err(short),
                Err(false) => return Err(Stop::Format { at: next }),
            };
            let Ok(len) = usize::try_from(len) else {
                return Err(Stop::Format { at: next });
            };
            if bytes.len() - from < len.saturating_add(2) {
                return Err(short);
            }
            if &bytes[from + len..from + len + 2] != b"\r\n" {
                return Err(Stop::Format { at: from + len });
            }
            command.push(bytes[from..from + len].to_vec());
            next = from + len + 2;
        }
        at = next;
        let name = command[0].to_ascii_lowercase();
        // From the outermost MULTI: a nested one (which no log of ours or Redis's
        // holds) does not move the cut into the open transaction.
        if name == b"multi" && valid_before_multi.is_none() {
            valid_before_multi = Some(start);
        } else if name == b"exec" {
            valid_before_multi = None;
        }
        if let Err(e) = run(&command) {
            return Err(Stop::Command {
                at: start,
                error: e.to_string(),
            });
        }
    }
    match valid_before_multi {
        Some(valid) => Err(Stop::Short { valid }),
        None => Ok(()),
    }
}

/// The log's readers on arbitrary bytes (the `log` fuzz target): no input panics; a
/// file read as torn is whole once cut where the reader says (what loading does); a
/// manifest that parses formats to itself.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn exercise(data: &[u8]) {
    let mut none = |_: &[Vec<u8>]| Ok(());
    if let Err(Stop::Short { valid }) = replay(data, &mut none) {
        assert!(valid <= data.len(), "a cut past the end");
        assert_eq!(
            replay(&data[..valid], &mut none),
            Ok(()),
            "the file cut where the reader said is whole"
        );
    }
    // (One of comments only names no file, as Redis reads it; written out it is empty,
    // which Redis refuses: no round trip.)
    if let Ok(m) = Manifest::parse(&String::from_utf8_lossy(data))
        && m != Manifest::default()
    {
        assert_eq!(Manifest::parse(&m.format()), Ok(m.clone()), "{m:?}");
    }
}

/// A thread that runs a task every 50 ms until stopped (dropped) or until the task
/// says the store is gone: the log's writer (writing out what writers appended,
/// syncing each second), the `save` rules' checker.
pub(crate) struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticker").finish_non_exhaustive()
    }
}

/// How often the task runs (sooner when its thread is unparked: the log's writer is,
/// when a backlog builds up).
const TICK: Duration = Duration::from_millis(50);

impl Ticker {
    /// Starts the thread; `task(second)` runs every tick (or when the thread is
    /// unparked), `second` telling whether a second has passed since it was last
    /// `true`, and returns `false` once the store is gone.
    pub(crate) fn start(
        name: &str,
        task: impl Fn(bool) -> bool + Send + 'static,
    ) -> std::io::Result<Ticker> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let mut last = Instant::now();
                loop {
                    std::thread::park_timeout(TICK);
                    if stopped.load(Ordering::Acquire) {
                        return;
                    }
                    let second = last.elapsed() >= Duration::from_secs(1);
                    if second {
                        last = Instant::now();
                    }
                    if !task(second) {
                        return;
                    }
                }
            })?;
        Ok(Ticker {
            stop,
            thread: Some(thread),
        })
    }

    /// The thread, to unpark it.
    pub(crate) fn thread(&self) -> Option<std::thread::Thread> {
        self.thread.as_ref().map(|t| t.thread().clone())
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(bytes: &[u8]) -> (Vec<Vec<Vec<u8>>>, std::result::Result<(), Stop>) {
        let mut seen = Vec::new();
        let out = replay(bytes, &mut |args| {
            seen.push(args.to_vec());
            Ok(())
        });
        (seen, out)
    }

    #[test]
    fn the_fuzz_targets_checks_hold_on_its_seeds_and_on_every_cut() {
        let seeds = [
            &b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"[..],
            b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n",
            b"#TS:1700000000\r\n*1\r\n$4\r\nPING\r\n",
            // A torn annotation inside an open MULTI: the cut is before the MULTI.
            b"*1\r\n$5\r\nMULTI\r\n#T*\r1*P\n#\rK*3\r:",
            // A MULTI inside an open one: the cut stays before the outer.
            b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*1\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\n",
            b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
        ];
        for seed in seeds {
            for cut in 0..=seed.len() {
                exercise(&seed[..cut]);
            }
        }
    }

    #[test]
    fn a_manifest_reads_back_as_written_and_bad_ones_are_refused() {
        let m = Manifest {
            base: Some(Part {
                name: "appendonly.aof.1.base.rdb".into(),
                seq: 1,
            }),
            history: vec![],
            incrs: vec![
                Part {
                    name: "appendonly.aof.1.incr.aof".into(),
                    seq: 1,
                },
                Part {
                    name: "appendonly.aof.2.incr.aof".into(),
                    seq: 2,
                },
            ],
        };
        let text = m.format();
        assert_eq!(
            text,
            "file appendonly.aof.1.base.rdb seq 1 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type i\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert_eq!(Manifest::parse(&text), Ok(m));
        for bad in [
            "",
            "file a seq 1 type b\nfile b seq 2 type b\n",
            "file a seq 2 type i\nfile b seq 1 type i\n",
            "file ../a seq 1 type i\n",
            "file a seq 1 type x\n",
            "file a seq 1\n",
            "file a seq 1 type i",
        ] {
            assert!(Manifest::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn commands_are_read_and_a_torn_tail_or_open_multi_is_short() {
        let one = b"*2\r\n$3\r\nDEL\r\n$1\r\na\r\n";
        let (seen, out) = commands(one);
        assert_eq!(out, Ok(()));
        assert_eq!(seen, vec![vec![b"DEL".to_vec(), b"a".to_vec()]]);
        for cut in 1..one.len() {
            let mut bytes = one.to_vec();
            bytes.extend_from_slice(&one[..cut]);
            let (seen, out) = commands(&bytes);
            assert_eq!(seen.len(), 1, "cut at {cut}");
            assert_eq!(out, Err(Stop::Short { valid: one.len() }), "cut at {cut}");
        }
        let mut multi = b"*1\r\n$5\r\nMULTI\r\n".to_vec();
        multi.extend_from_slice(one);
        let mut bytes = one.to_vec();
        bytes.extend_from_slice(&multi);
        let (_, out) = commands(&bytes);
        assert_eq!(out, Err(Stop::Short { valid: one.len() }));
        assert_eq!(commands(b"#annotation\r\n").1, Ok(()));
        assert_eq!(commands(b"+OK\r\n").1, Err(Stop::Format { at: 0 }));
        assert_eq!(commands(b"*1\r\n+OK\r\n").1, Err(Stop::Format { at: 4 }));
        // A huge count is not allocated: at the end it is a torn command, before
        // another command it is damage (never a reason to cut the commands after it).
        assert_eq!(
            commands(b"*99999999999\r\n$1\r\na\r\n").1,
            Err(Stop::Short { valid: 0 })
        );
        let mut damaged = b"*9\r\n$3\r\nDEL\r\n".to_vec();
        damaged.extend_from_slice(one);
        assert_eq!(commands(&damaged).1, Err(Stop::Format { at: 13 }));
    }
}
