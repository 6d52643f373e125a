//! The write feed (Redis's `feedAppendOnlyFile` and `propagatePendingCommands`): every
//! change, as the commands that redo it, in the order the changes were made — what the
//! append-only log writes.
//!
//! A command's changes are written as Redis propagates them: by effect where the command
//! is not deterministic (`SPOP` as `SREM`, `EXPIRE` as `PEXPIREAT`, `SET … EX` as
//! `SET … PXAT`, a key found expired as `DEL`). Each command (or transaction) collects
//! its records in a [`Unit`] while it runs and appends the unit to the feed *while it
//! still holds its shards' locks*: two changes to one key reach the feed in the order
//! they were made, and a unit of several records is wrapped in `MULTI`/`EXEC`, so a
//! transaction or multi-key command is replayed whole or not at all. A `SELECT` goes
//! before a record of another database than the last.
//!
//! Off (the default) the feed costs one relaxed load per write and nothing is encoded.
//!
//! Writing out: [`Feed::flush`] moves what was appended to the [`Sink`] (a file); with
//! [`AppendFsync::Always`] a writer waits in [`Feed::settle`] until its records are
//! synced — the first waiter syncs for everyone queued behind it, so concurrent writers
//! share one sync. A failed write or sync is remembered: later writes are refused with
//! [`Error::Misconf`] until a flush succeeds.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use parking_lot::Mutex;

use crate::number::IntBuf;
use crate::value::ValueRef;
use crate::{Error, Result};

/// When the append-only log is synced to disk (Redis's `appendfsync`).
///
/// # Examples
///
/// ```
/// use embedis::AppendFsync;
/// assert_eq!(AppendFsync::parse("everysec"), Some(AppendFsync::EverySec));
/// assert_eq!(AppendFsync::Always.as_str(), "always");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppendFsync {
    /// Before a write returns: an acknowledged write is on disk. Concurrent writers share
    /// syncs.
    Always,
    /// Once a second, in the background (the default): a crash loses at most about the
    /// last second.
    #[default]
    EverySec,
    /// Never explicitly: the operating system decides.
    No,
}

impl AppendFsync {
    /// Reads Redis's name (`always`, `everysec`, `no`; any case).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::AppendFsync::parse("ALWAYS"), Some(embedis::AppendFsync::Always));
    /// assert_eq!(embedis::AppendFsync::parse("sometimes"), None);
    /// ```
    pub fn parse(name: &str) -> Option<AppendFsync> {
        [AppendFsync::Always, AppendFsync::EverySec, AppendFsync::No]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
    }

    /// Redis's name for it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::AppendFsync::No.as_str(), "no");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::EverySec => "everysec",
            AppendFsync::No => "no",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> AppendFsync {
        match code {
            0 => AppendFsync::Always,
            1 => AppendFsync::EverySec,
            _ => AppendFsync::No,
        }
    }
}

/// A write that failed: why, and how many of its bytes stay written all the same (a
/// failed write that could not be cut back; the rest must follow them, not all again).
#[derive(Debug)]
pub(crate) struct WriteFailed {
    pub(crate) error: std::io::Error,
    pub(crate) kept: usize,
}

/// Where the feed's bytes go: the open append-only file.
pub(crate) trait Sink: Send {
    /// Appends `bytes` whole (on failure, says how many stay written).
    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), WriteFailed>;
    /// Makes everything written so far durable.
    fn sync(&mut self) -> std::io::Result<()>;
    /// A handle of its own on the same file (a file description apart, so a failed
    /// writeback is reported to this one and to the sink's), to sync it without holding
    /// the sink (see [`Feed::sync_aside`]); `None` if there is none.
    fn file(&self) -> Option<std::fs::File> {
        None
    }
    /// The file was renamed (a log turned on at run time: its temporary name becomes
    /// the incremental file's).
    fn renamed(&mut self, _path: std::path::PathBuf) {}
}

/// Appends `n` in decimal.
fn decimal(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `bytes` as a RESP bulk string.
fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'$');
    decimal(out, bytes.len() as u64);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Appends a whole command of plain arguments.
pub(super) fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.push(b'*');
    decimal(out, args.len() as u64);
    out.extend_from_slice(b"\r\n");
    for a in args {
        bulk(out, a);
    }
}

/// Elements per command in a base of commands (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
const ITEMS_PER_COMMAND: usize = 64;

/// Commands of one name and key over many items (each `width` arguments), at most
/// [`ITEMS_PER_COMMAND`] items to a command, as Redis's rewrite batches them.
struct Batches<'o> {
    out: &'o mut Vec<u8>,
    name: &'static [u8],
    key: &'o [u8],
    width: usize,
    /// Items not written yet, and those the current command still takes.
    left: usize,
    in_command: usize,
}

impl Batches<'_> {
    fn item(&mut self, args: &[&[u8]]) {
        if self.in_command == 0 {
            self.in_command = self.left.min(ITEMS_PER_COMMAND);
            self.out.push(b'*');
            decimal(self.out, (2 + self.in_command * self.width) as u64);
            self.out.extend_from_slice(b"\r\n");
            bulk(self.out, self.name);
            bulk(self.out, self.key);
        }
        for a in args {
            bulk(self.out, a);
        }
        self.in_command -= 1;
        self.left -= 1;
    }
}

/// Appends the commands that make `key` hold `value` until `expires_at`, as Redis's
/// rewrite writes a key into a base of commands (`aof-use-rdb-preamble no`): `SET`,
/// `RPUSH`, `SADD`, `ZADD` or `HMSET` (64 elements to a command), then `PEXPIREAT`.
pub(crate) fn rebuild(out: &mut Vec<u8>, key: &[u8], value: ValueRef<'_>, expires_at: Option<u64>) {
    let batches = |out, name, width, left| Batches {
        out,
        name,
        key,
        width,
        left,
        in_command: 0,
    };
    match value {
        ValueRef::Str(s) => command(out, &[b"SET", key, s.bytes()]),
        ValueRef::List(list) => {
            let mut b = batches(&mut *out, b"RPUSH", 1, list.len());
            for e in list.iter() {
                e.with_bytes(|e| b.item(&[e]));
            }
        }
        ValueRef::Set(set) => {
            let mut b = batches(&mut *out, b"SADD", 1, set.len());
            for m in set.members() {
                m.with_bytes(|m| b.item(&[m]));
            }
        }
        ValueRef::ZSet(z) => {
            let mut b = batches(&mut *out, b"ZADD", 2, z.len());
            z.for_each(|m, score| b.item(&[crate::number::format_double(score).as_bytes(), m]));
        }
        ValueRef::Hash(h) => {
            let mut b = batches(&mut *out, b"HMSET", 2, h.len());
            for (f, v) in h.pairs() {
                f.with_bytes(|f| v.with_bytes(|v| b.item(&[f, v])));
            }
        }
        ValueRef::Stream(s) => rewrite_stream(out, key, s),
    }
    if let Some(at) = expires_at {
        let mut n = Vec::with_capacity(20);
        decimal(&mut n, at);
        command(out, &[b"PEXPIREAT", key, &n]);
    }
}

/// Appends the commands that rebuild stream `s` at `key`, as Redis's
/// `rewriteStreamObject` writes them: an `XADD` for each live entry with its ID (one
/// entry to a command), or for an empty stream `XADD key MAXLEN 0 0-1 x y`; then
/// `XSETID` with the entries added and the largest deleted ID; then for each group
/// `XGROUP CREATE … ENTRIESREAD` and, for each consumer, an `XCLAIM … JUSTID FORCE` for
/// each of its pending entries, or `XGROUP CREATECONSUMER` if it has none.
fn rewrite_stream(out: &mut Vec<u8>, key: &[u8], s: &crate::value::stream::Stream) {
    use crate::value::stream::StreamId;
    let text = |id: StreamId| id.to_string().into_bytes();
    // Signed, as Redis prints these (`rioWriteBulkLongLong`).
    #[allow(clippy::cast_possible_wrap)]
    let signed = |n: u64| (n as i64).to_string().into_bytes();
    if s.len() > 0 {
        for e in s.range(StreamId::MIN, StreamId::MAX, false) {
            let id = text(e.id);
            let mut args: Vec<&[u8]> = vec![b"XADD", key, &id];
            for (f, v) in e.fields() {
                args.push(f);
                args.push(v);
            }
            command(out, &args);
        }
    } else {
        command(out, &[b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
    }
    command(
        out,
        &[
            b"XSETID",
            key,
            &text(s.last_id),
            b"ENTRIESADDED",
            &signed(s.entries_added),
            b"MAXDELETEDID",
            &text(s.max_deleted_id),
        ],
    );
    for (name, g) in &s.groups {
        command(
            out,
            &[
                b"XGROUP",
                b"CREATE",
                key,
                name,
                &text(g.last_id),
                b"ENTRIESREAD",
                &signed(g.entries_read.unwrap_or(u64::MAX)),
            ],
        );
        for (consumer, c) in &g.consumers {
            if c.pending.is_empty() {
                command(out, &[b"XGROUP", b"CREATECONSUMER", key, name, consumer]);
                continue;
            }
            for id in &c.pending {
                let Some(p) = g.pending.get(id) else {
                    continue;
                };
                command(
                    out,
                    &[
                        b"XCLAIM",
                        key,
                        name,
                        consumer,
                        b"0",
                        &text(*id),
                        b"TIME",
                        &signed(p.delivery_time),
                        b"RETRYCOUNT",
                        &signed(p.delivery_count),
                        b"JUSTID",
                        b"FORCE",
                    ],
                );
            }
        }
    }
}

/// Appends `SELECT db`.
pub(crate) fn select(out: &mut Vec<u8>, db: usize) {
    let mut n = Vec::new();
    decimal(&mut n, db as u64);
    command(out, &[b"SELECT", &n]);
}

/// One record's arguments, as a command builds them.
pub(crate) struct Rec<'b> {
    body: &'b mut Vec<u8>,
    n: usize,
}

impl Rec<'_> {
    /// Adds an argument.
    pub(crate) fn arg(&mut self, a: impl AsRef<[u8]>) -> &mut Self {
        bulk(self.body, a.as_ref());
        self.n += 1;
        self
    }

    /// Adds an integer argument.
    pub(crate) fn int(&mut self, i: i64) -> &mut Self {
        self.arg(IntBuf::new(i).as_bytes())
    }

    /// Adds an unsigned integer argument (a deadline, a database, an offset).
    pub(crate) fn uint(&mut self, n: impl Into<u64>) -> &mut Self {
        let mut buf = Vec::with_capacity(20);
        decimal(&mut buf, n.into());
        self.arg(buf)
    }

    /// Adds each of `args`.
    pub(crate) fn args<A: AsRef<[u8]>>(&mut self, args: impl IntoIterator<Item = A>) -> &mut Self {
        for a in args {
            self.arg(a);
        }
        self
    }
}

#[derive(Default)]
struct UnitInner {
    /// The records, RESP-encoded, with a `SELECT` before any whose database differs
    /// from the one before it.
    bytes: Vec<u8>,
    records: usize,
    first_db: usize,
    last_db: Option<usize>,
}

/// The records of one command or transaction, appended to the feed as one.
#[derive(Default)]
pub(crate) struct Unit {
    inner: RefCell<UnitInner>,
}

thread_local! {
    /// A unit's buffer kept for the thread's next unit: no allocation per write.
    static SPARE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Settling is deferred on this thread (it serves blocked callers), and the end of
    /// the records it deferred.
    static DEFERRING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static DEFERRED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Makes [`Feed::settle`] on this thread keep the offset to wait for instead of
/// waiting (`true`), or wait again (`false`); returns the previous setting.
pub(crate) fn defer_settles(on: bool) -> bool {
    DEFERRING.with(|d| d.replace(on))
}

/// The end of the records whose settling was deferred on this thread since the last
/// call, if any.
pub(crate) fn take_deferred() -> Option<u64> {
    DEFERRED.with(std::cell::Cell::take)
}

/// Buffers up to this size are kept for the next unit.
const SPARE_UP_TO: usize = 64 << 10;

impl Drop for Unit {
    fn drop(&mut self) {
        let bytes = &mut self.inner.get_mut().bytes;
        if bytes.capacity() > 0 && bytes.capacity() <= SPARE_UP_TO {
            let mut bytes = std::mem::take(bytes);
            bytes.clear();
            let _ = SPARE.try_with(|spare| {
                if let Ok(mut spare) = spare.try_borrow_mut()
                    && spare.capacity() == 0
                {
                    *spare = bytes;
                }
            });
        }
    }
}

impl Unit {
    /// Adds a record for database `db`, its arguments built by `f`.
    pub(crate) fn record(&self, db: usize, f: impl FnOnce(&mut Rec<'_>)) {
        let mut u = self.inner.borrow_mut();
        let u = &mut *u;
        if u.bytes.capacity() == 0 {
            u.bytes = SPARE
                .try_with(|spare| spare.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)))
                .ok()
                .and_then(std::result::Result::ok)
                .unwrap_or_default();
        }
        // Encoded in place: a `SELECT` if needed, the header with room for a one-digit
        // count (patched after, widened in the rare case of ten arguments or more).
        let start = u.bytes.len();
        let switch = u.last_db.is_some_and(|last| last != db);
        if switch {
            select(&mut u.bytes, db);
        }
        let header = u.bytes.len();
        u.bytes.extend_from_slice(b"*0\r\n");
        let mut rec = Rec {
            body: &mut u.bytes,
            n: 0,
        };
        f(&mut rec);
        let n = rec.n;
        if n == 0 {
            u.bytes.truncate(start);
            return;
        }
        if n < 10 {
            u.bytes[header + 1] = b'0' + u8::try_from(n).unwrap_or(0);
        } else {
            let mut digits = Vec::with_capacity(20);
            decimal(&mut digits, n as u64);
            u.bytes.splice(header + 1..header + 2, digits);
        }
        if u.last_db.is_none() {
            u.first_db = db;
        }
        u.last_db = Some(db);
        u.records += 1;
    }

    /// Forgets every record (a rolled-back transaction).
    pub(crate) fn clear(&self) {
        let mut u = self.inner.borrow_mut();
        u.bytes.clear();
        u.records = 0;
        u.last_db = None;
    }
}

/// What was appended and not yet handed to the sink.
#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    /// The database the log's reader is in after the last record (`None`: unknown,
    /// so the next record selects its own).
    selected: Option<usize>,
    /// Bytes appended since the feed started: the offset a writer waits for.
    end: u64,
}

/// The sink's side.
#[derive(Default)]
struct Io {
    sink: Option<Box<dyn Sink>>,
    /// Offsets (as [`Pending::end`]) written to the sink, and synced.
    written: u64,
    synced: u64,
    /// The other of the two buffers: writers append to one while the other is written
    /// out (no buffer grows again from nothing after each write).
    spare: Vec<u8>,
}

/// Past this many bytes waiting, the log's writer thread is woken (rather than wait
/// for its tick).
const WAKE_FROM: usize = 256 << 10;

/// Past this many bytes waiting, a writer outside `always` writes them out itself (the
/// log's thread cannot keep up: writers slow down to the disk's pace).
const WRITE_FROM: usize = 64 << 20;

/// The feed of the store's changes (see the module doc).
#[derive(Default)]
pub(crate) struct Feed {
    on: AtomicBool,
    policy: AtomicU8,
    pending: Mutex<Pending>,
    io: Mutex<Io>,
    /// The last write or sync error, until a write (for a write's) or a sync (for a
    /// sync's) succeeds (Redis's `aof_last_write_status` and its sync status).
    failed: Mutex<Option<String>>,
    write_failed: AtomicBool,
    sync_failed: AtomicBool,
    /// The log's writer thread, woken when a backlog builds up.
    writer: Mutex<Option<std::thread::Thread>>,
    /// Writes refused because a background save failed (`stop-writes-on-bgsave-error`).
    snapshot_failed: AtomicBool,
    /// More than [`WRITE_FROM`] bytes wait (set by appends, so that settling needs no
    /// second lock to know).
    backlog: AtomicBool,
}

/// Which step of writing out failed.
#[derive(Clone, Copy)]
enum Step {
    Write,
    Sync,
}

impl Feed {
    /// Whether changes are recorded.
    #[inline]
    pub(crate) fn on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// The sync policy.
    pub(crate) fn policy(&self) -> AppendFsync {
        AppendFsync::from_code(self.policy.load(Ordering::Relaxed))
    }

    pub(crate) fn set_policy(&self, policy: AppendFsync) {
        self.policy.store(policy.code(), Ordering::Relaxed);
    }

    /// Starts recording into `sink` (what was appended before is dropped: the caller
    /// has made a base that holds it). The caller holds every shard's lock, so no unit
    /// is half in the old sink and half in the new.
    pub(crate) fn start(&self, sink: Box<dyn Sink>) {
        let mut io = self.io.lock();
        let mut p = self.pending.lock();
        p.buf.clear();
        p.selected = None;
        io.written = p.end;
        io.synced = p.end;
        io.sink = Some(sink);
        // A new log starts healthy (as Redis's startAppendOnly resets the statuses).
        self.write_failed.store(false, Ordering::Relaxed);
        self.sync_failed.store(false, Ordering::Relaxed);
        *self.failed.lock() = None;
        self.on.store(true, Ordering::Relaxed);
    }

    /// Switches to a new sink (a rewrite's new incremental file): what was appended so
    /// far goes to the old one, which is synced (a writer waiting under `always` for
    /// those records finds them synced); what is appended from now on goes to the new.
    /// The caller holds every shard's lock: no unit is split between the two.
    pub(crate) fn switch(&self, sink: Box<dyn Sink>) -> Result<()> {
        let mut io = self.io.lock();
        self.drain(&mut io)?;
        self.sync_locked(&mut io)?;
        io.sink = Some(sink);
        self.pending.lock().selected = None;
        Ok(())
    }

    /// Stops recording; what was appended is written out and synced first.
    pub(crate) fn stop(&self) -> Result<()> {
        self.on.store(false, Ordering::Relaxed);
        let mut io = self.io.lock();
        let out = self.drain(&mut io).and_then(|()| self.sync_locked(&mut io));
        io.sink = None;
        out
    }

    /// Refuses writes (or lets them go on again) for a failed background save.
    pub(crate) fn refuse_for_snapshot(&self, refuse: bool) {
        self.snapshot_failed.store(refuse, Ordering::Relaxed);
    }

    /// Whether the last write out (or sync) failed (`INFO`'s `aof_last_write_status`).
    pub(crate) fn failed(&self) -> bool {
        self.write_failed.load(Ordering::Relaxed) || self.sync_failed.load(Ordering::Relaxed)
    }

    /// Bytes appended and not yet written out (`aof_buffer_length`).
    pub(crate) fn buffered(&self) -> usize {
        self.pending.lock().buf.len()
    }

    /// The thread that writes the log out, woken past [`WAKE_FROM`] bytes waiting.
    pub(crate) fn set_writer(&self, thread: Option<std::thread::Thread>) {
        *self.writer.lock() = thread;
    }

    /// Bytes appended since the feed began: the log's growth, for automatic rewrites.
    pub(crate) fn appended(&self) -> u64 {
        self.pending.lock().end
    }

    /// Refuses a write while the last write out failed (Redis's `MISCONF`).
    #[inline]
    pub(crate) fn check(&self) -> Result<()> {
        if self.snapshot_failed.load(Ordering::Relaxed) {
            return Err(Error::MisconfSnapshot);
        }
        // (With the log off its failures no longer matter: as Redis, which looks at
        // them only while the log is on.)
        if self.on() && self.failed() {
            let why = self.failed.lock().clone().unwrap_or_default();
            return Err(Error::Misconf(why));
        }
        Ok(())
    }

    /// Appends `unit`'s records (wrapped in `MULTI`/`EXEC` if more than one). Called
    /// with the unit's shards still locked. Returns the offset to
    /// [`settle`](Self::settle) on, `None` if there was nothing.
    pub(crate) fn append(&self, unit: &Unit) -> Option<u64> {
        let mut u = unit.inner.borrow_mut();
        if u.records == 0 {
            return None;
        }
        let mut p = self.pending.lock();
        let start = p.buf.len();
        if p.selected != Some(u.first_db) {
            select(&mut p.buf, u.first_db);
        }
        let wrap = u.records > 1;
        if wrap {
            command(&mut p.buf, &[b"MULTI"]);
        }
        p.buf.extend_from_slice(&u.bytes);
        if wrap {
            command(&mut p.buf, &[b"EXEC"]);
        }
        p.selected = u.last_db;
        p.end += (p.buf.len() - start) as u64;
        let end = p.end;
        let crossed = start < WAKE_FROM && p.buf.len() >= WAKE_FROM;
        if start < WRITE_FROM && p.buf.len() >= WRITE_FROM {
            self.backlog.store(true, Ordering::Relaxed);
        }
        drop(p);
        u.bytes.clear();
        u.records = 0;
        u.last_db = None;
        if crossed && let Some(writer) = &*self.writer.lock() {
            writer.unpark();
        }
        Some(end)
    }

    /// Appends one record for `db` at once (a key expired or evicted by the store
    /// itself, a command on whole databases). Called with the key's shard locked.
    pub(crate) fn append_one(&self, db: usize, f: impl FnOnce(&mut Rec<'_>)) -> Option<u64> {
        let unit = Unit::default();
        unit.record(db, f);
        self.append(&unit)
    }

    /// After a write's locks are released: under `always`, waits until its records
    /// (up to `end`) are on disk; otherwise writes out a large backlog.
    pub(crate) fn settle(&self, end: Option<u64>) -> Result<()> {
        let Some(end) = end else {
            return Ok(());
        };
        if DEFERRING.with(std::cell::Cell::get) {
            DEFERRED.with(|d| d.set(Some(d.get().map_or(end, |e| e.max(end)))));
            return Ok(());
        }
        match self.policy() {
            AppendFsync::Always => {
                let mut io = self.io.lock();
                if io.synced >= end {
                    return Ok(());
                }
                self.drain(&mut io)?;
                self.sync_locked(&mut io)
            }
            AppendFsync::EverySec | AppendFsync::No => {
                // A failure here is kept (later writes are refused); this write is
                // applied and queued, as under Redis's `everysec`.
                if self.backlog.load(Ordering::Relaxed) {
                    let _ = self.drain(&mut self.io.lock());
                }
                Ok(())
            }
        }
    }

    /// Writes out what was appended, and syncs if `sync` (the background flush).
    pub(crate) fn flush(&self, sync: bool) -> Result<()> {
        let mut io = self.io.lock();
        self.drain(&mut io)?;
        if sync {
            self.sync_locked(&mut io)?;
        }
        Ok(())
    }

    fn drain(&self, io: &mut Io) -> Result<()> {
        let mut bytes = std::mem::take(&mut io.spare);
        bytes.clear();
        let end = {
            let mut p = self.pending.lock();
            if p.end == io.written {
                io.spare = bytes;
                // Everything is written (what a failed write left was kept): a write
                // failure has nothing left to hold up.
                drop(p);
                self.recovered(Step::Write);
                return Ok(());
            }
            std::mem::swap(&mut p.buf, &mut bytes);
            self.backlog.store(false, Ordering::Relaxed);
            p.end
        };
        let Some(sink) = io.sink.as_mut() else {
            io.written = end;
            return Ok(());
        };
        match sink.write(&bytes) {
            Ok(()) => {
                io.written = end;
                // Kept for the next swap, unless a burst made it huge.
                if bytes.capacity() <= WRITE_FROM {
                    io.spare = bytes;
                }
                self.recovered(Step::Write);
                Ok(())
            }
            Err(WriteFailed { error: e, kept }) => {
                // Put the bytes not written back in front of what came since: nothing
                // is lost, nothing written twice.
                io.written += kept as u64;
                let mut p = self.pending.lock();
                let later = std::mem::replace(&mut p.buf, bytes);
                let kept = kept.min(p.buf.len());
                p.buf.drain(..kept);
                p.buf.extend_from_slice(&later);
                self.backlog
                    .store(p.buf.len() >= WRITE_FROM, Ordering::Relaxed);
                drop(p);
                Err(self.fail(&e, Step::Write))
            }
        }
    }

    /// Tells the sink its file was renamed.
    pub(crate) fn sink_renamed(&self, path: std::path::PathBuf) {
        if let Some(sink) = self.io.lock().sink.as_mut() {
            sink.renamed(path);
        }
    }

    /// Syncs what has been written out without holding the sink while the disk works
    /// (as Redis's background fsync): writers and the log's writer go on meanwhile.
    /// A sink without a second handle is synced in place.
    pub(crate) fn sync_aside(&self) -> Result<()> {
        let (target, file) = {
            let mut io = self.io.lock();
            if io.synced >= io.written && !self.sync_failed() {
                return Ok(());
            }
            match io.sink.as_ref().and_then(|s| s.file()) {
                Some(file) => (io.written, file),
                None => return self.sync_locked(&mut io),
            }
        };
        let synced = file.sync_data();
        let mut io = self.io.lock();
        match synced {
            Ok(()) => {
                io.synced = io.synced.max(target);
                self.recovered(Step::Sync);
                Ok(())
            }
            Err(e) => Err(self.fail(&e, Step::Sync)),
        }
    }

    /// Whether the last sync failed (retried whatever the policy: writes wait on it).
    pub(crate) fn sync_failed(&self) -> bool {
        self.sync_failed.load(Ordering::Relaxed)
    }

    fn sync_locked(&self, io: &mut Io) -> Result<()> {
        // (After a failed sync, one is made even with nothing new: it must succeed
        // before writes are accepted again.)
        if io.synced >= io.written && !self.sync_failed() {
            return Ok(());
        }
        if let Some(sink) = io.sink.as_mut()
            && let Err(e) = sink.sync()
        {
            return Err(self.fail(&e, Step::Sync));
        }
        io.synced = io.written;
        self.recovered(Step::Sync);
        Ok(())
    }

    fn flag(&self, step: Step) -> &AtomicBool {
        match step {
            Step::Write => &self.write_failed,
            Step::Sync => &self.sync_failed,
        }
    }

    fn fail(&self, e: &std::io::Error, step: Step) -> Error {
        let why = e.to_string();
        *self.failed.lock() = Some(why.clone());
        if !self.flag(step).swap(true, Ordering::Relaxed) {
            log::warn!(
                "{} the AOF failed: {why}; writes are refused until it succeeds",
                match step {
                    Step::Write => "Writing to",
                    Step::Sync => "Syncing",
                }
            );
        }
        Error::Misconf(why)
    }

    fn recovered(&self, step: Step) {
        if self.flag(step).swap(false, Ordering::Relaxed) {
            log::warn!("The AOF is written again: writes are accepted");
            if !self.failed() {
                *self.failed.lock() = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Memory(Arc<parking_lot::Mutex<(Vec<u8>, usize, bool)>>);

    impl Sink for Memory {
        fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), WriteFailed> {
            let mut m = self.0.lock();
            if m.2 {
                return Err(WriteFailed {
                    error: std::io::Error::other("disk full"),
                    kept: 0,
                });
            }
            m.0.extend_from_slice(bytes);
            Ok(())
        }
        fn sync(&mut self) -> std::io::Result<()> {
            let mut m = self.0.lock();
            if m.2 {
                return Err(std::io::Error::other("I/O error"));
            }
            m.1 += 1;
            Ok(())
        }
    }

    fn text(m: &Memory) -> String {
        String::from_utf8(m.0.lock().0.clone()).unwrap()
    }

    #[test]
    fn units_select_their_database_and_wrap_several_records() {
        let feed = Feed::default();
        let m = Memory::default();
        feed.start(Box::new(m.clone()));
        let one = Unit::default();
        one.record(0, |r| {
            r.arg("SET").arg("k").int(5);
        });
        feed.append(&one);
        let two = Unit::default();
        two.record(0, |r| {
            r.arg("DEL").arg("a");
        });
        two.record(3, |r| {
            r.arg("DEL").arg("b");
        });
        feed.append(&two);
        let three = Unit::default();
        three.record(3, |r| {
            r.arg("DEL").arg("c");
        });
        // A record without arguments is no record.
        three.record(5, |_| {});
        feed.append(&three);
        feed.flush(false).unwrap();
        assert_eq!(
            text(&m),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n\
             *1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n*1\r\n$4\r\nEXEC\r\n\
             *2\r\n$3\r\nDEL\r\n$1\r\nc\r\n"
        );
    }

    #[test]
    fn a_record_of_ten_arguments_or_more_has_its_whole_count() {
        let unit = Unit::default();
        unit.record(0, |r| {
            r.arg("DEL").args((0..11).map(|i| i.to_string()));
        });
        let bytes = unit.inner.borrow().bytes.clone();
        assert!(
            bytes.starts_with(b"*12\r\n$3\r\nDEL\r\n$1\r\n0\r\n"),
            "{bytes:?}"
        );
        assert!(bytes.ends_with(b"$2\r\n10\r\n"));
    }

    #[test]
    fn always_syncs_before_a_write_returns_and_shares_syncs() {
        let feed = Feed::default();
        feed.set_policy(AppendFsync::Always);
        let m = Memory::default();
        feed.start(Box::new(m.clone()));
        let a = feed.append_one(0, |r| {
            r.arg("DEL").arg("a");
        });
        let b = feed.append_one(0, |r| {
            r.arg("DEL").arg("b");
        });
        feed.settle(b).unwrap();
        assert_eq!(m.0.lock().1, 1);
        // `a` was synced by `b`'s wait.
        feed.settle(a).unwrap();
        assert_eq!(m.0.lock().1, 1);
        assert!(text(&m).ends_with("$1\r\nb\r\n"));
    }

    #[test]
    fn a_failed_sync_refuses_writes_until_a_sync_succeeds_with_nothing_new_to_write() {
        let feed = Feed::default();
        let m = Memory::default();
        feed.start(Box::new(m.clone()));
        feed.append_one(0, |r| {
            r.arg("DEL").arg("a");
        });
        feed.flush(false).unwrap();
        m.0.lock().2 = true;
        assert!(feed.flush(true).is_err());
        assert!(feed.check().is_err());
        m.0.lock().2 = false;
        // The background flush's next sync clears it: nothing else need be written.
        feed.flush(true).unwrap();
        feed.check().unwrap();
        assert_eq!(m.0.lock().1, 1);
    }

    #[test]
    fn a_failed_write_refuses_writes_until_a_flush_succeeds_and_loses_nothing() {
        let feed = Feed::default();
        let m = Memory::default();
        feed.start(Box::new(m.clone()));
        m.0.lock().2 = true;
        feed.append_one(0, |r| {
            r.arg("DEL").arg("a");
        });
        assert!(matches!(feed.flush(true), Err(Error::Misconf(_))));
        assert!(matches!(feed.check(), Err(Error::Misconf(w)) if w.contains("disk full")));
        feed.append_one(0, |r| {
            r.arg("DEL").arg("b");
        });
        m.0.lock().2 = false;
        feed.flush(true).unwrap();
        feed.check().unwrap();
        let t = text(&m);
        assert!(
            t.contains("$1\r\na\r\n") && t.ends_with("$1\r\nb\r\n"),
            "{t}"
        );
    }

    /// A sink written to memory and synced fine in place, whose other handle's sync fails
    /// while `bad` (a disk error the sync aside meets first).
    #[derive(Clone)]
    struct Aside(
        Memory,
        Arc<std::sync::atomic::AtomicBool>,
        Arc<std::fs::File>,
    );

    impl Sink for Aside {
        fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), WriteFailed> {
            self.0.write(bytes)
        }
        fn sync(&mut self) -> std::io::Result<()> {
            self.0.sync()
        }
        fn file(&self) -> Option<std::fs::File> {
            if self.1.load(Ordering::Relaxed) {
                // (Under the io lock: the writer queues behind it.)
                std::thread::sleep(std::time::Duration::from_millis(3));
                let (_r, w) = std::io::pipe().unwrap();
                // A pipe cannot be synced: the sync fails.
                Some(std::fs::File::from(std::os::fd::OwnedFd::from(w)))
            } else {
                self.2.try_clone().ok()
            }
        }
    }

    #[test]
    fn a_failed_sync_noted_after_a_later_success_is_retried_not_kept_for_good() {
        let real = std::env::temp_dir().join(format!("embedis-aside-{}", std::process::id()));
        let file = Arc::new(std::fs::File::create(&real).unwrap());
        for _ in 0..20 {
            let feed = Arc::new(Feed::default());
            feed.set_policy(AppendFsync::Always);
            let bad = Arc::new(std::sync::atomic::AtomicBool::new(true));
            feed.start(Box::new(Aside(
                Memory::default(),
                Arc::clone(&bad),
                Arc::clone(&file),
            )));
            let end = feed.append_one(0, |r| {
                r.arg("DEL").arg("a");
            });
            feed.flush(false).unwrap();
            // The syncer's sync aside fails while a writer under `always` syncs in place.
            let syncer = {
                let feed = Arc::clone(&feed);
                std::thread::spawn(move || feed.sync_aside())
            };
            std::thread::sleep(std::time::Duration::from_millis(1));
            let _ = feed.settle(end);
            let _ = syncer.join().unwrap();
            // The disk is fine from now on: the next syncs clear the failure, though
            // nothing new was written.
            bad.store(false, Ordering::Relaxed);
            let _ = feed.sync_aside();
            assert!(feed.check().is_ok(), "writes refused with the disk fine");
        }
        let _ = std::fs::remove_file(&real);
    }

    #[test]
    fn a_log_turned_off_or_restarted_forgets_its_failures() {
        let feed = Feed::default();
        let disk = Memory::default();
        feed.start(Box::new(disk.clone()));
        disk.0.lock().2 = true;
        feed.append_one(0, |r| {
            r.arg("DEL").arg("a");
        });
        assert!(feed.flush(false).is_err());
        assert!(matches!(feed.check(), Err(Error::Misconf(_))));
        // Turned off (even if its last write out fails): its failures stop mattering.
        assert!(feed.stop().is_err());
        assert!(feed.check().is_ok());
        // Turned on again: a new log starts healthy.
        disk.0.lock().2 = false;
        feed.start(Box::new(disk.clone()));
        assert!(feed.check().is_ok());
    }

    /// The commands as text, one a line, arguments space-separated.
    fn lines(out: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(out);
        let mut lines = Vec::new();
        let mut parts = text.split("\r\n");
        while let Some(head) = parts.next() {
            let Some(n) = head.strip_prefix('*') else {
                break;
            };
            let n: usize = n.parse().unwrap();
            let args: Vec<&str> = (0..n)
                .map(|_| {
                    parts.next();
                    parts.next().unwrap()
                })
                .collect();
            lines.push(args.join(" "));
        }
        lines
    }

    #[test]
    fn a_stream_rewrites_as_redis_rewrites_it() {
        use crate::value::stream::{Consumer, Group, NodeLimits, Pending, Stream, StreamId};
        let mut s = Stream::default();
        s.append(StreamId::new(1, 0), &[(b"f", b"v")], NodeLimits::default());
        s.append(
            StreamId::new(2, 3),
            &[(b"a", b"1"), (b"b", b"")],
            NodeLimits::default(),
        );
        s.append(StreamId::new(4, 0), &[(b"f", b"w")], NodeLimits::default());
        assert!(s.delete(StreamId::new(4, 0)));
        let mut g = Group {
            last_id: StreamId::new(2, 3),
            entries_read: None,
            ..Group::default()
        };
        g.pending.insert(
            StreamId::new(1, 0),
            Pending {
                delivery_time: 1_700_000_000_000,
                delivery_count: 2,
                consumer: crate::Blob::from("c1"),
            },
        );
        g.consumers.insert(
            crate::Blob::from("c1"),
            Consumer {
                seen_time: 5,
                pending: [StreamId::new(1, 0)].into(),
            },
        );
        g.consumers
            .insert(crate::Blob::from("c2"), Consumer::default());
        s.groups.insert(crate::Blob::from("g"), g);
        let mut out = Vec::new();
        rebuild(&mut out, b"s", ValueRef::Stream(&s), None);
        assert_eq!(
            lines(&out),
            [
                "XADD s 1-0 f v",
                "XADD s 2-3 a 1 b ",
                "XSETID s 4-0 ENTRIESADDED 3 MAXDELETEDID 4-0",
                "XGROUP CREATE s g 2-3 ENTRIESREAD -1",
                "XCLAIM s g c1 0 1-0 TIME 1700000000000 RETRYCOUNT 2 JUSTID FORCE",
                "XGROUP CREATECONSUMER s g c2",
            ]
        );
        // An empty stream: Redis's XADD MAXLEN 0 trick.
        let mut empty = Stream::default();
        empty.set_meta(StreamId::new(7, 7), StreamId::MIN, 9);
        let mut out = Vec::new();
        rebuild(&mut out, b"e", ValueRef::Stream(&empty), None);
        assert_eq!(
            lines(&out),
            [
                "XADD e MAXLEN 0 0-1 x y",
                "XSETID e 7-7 ENTRIESADDED 9 MAXDELETEDID 0-0",
            ]
        );
    }
}
