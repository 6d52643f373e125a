//! Transactions (Redis's `multi.c`), three ways over one mechanism:
//!
//! * [`Store::transaction`](crate::Store::transaction): a closure over named keys, atomic to every other thread,
//!   all or nothing (an error or a panic undoes everything).
//! * [`Store::watch`](crate::Store::watch) + [`Watch::transaction`]: the same, committed only if no watched
//!   key changed since the watch began (`WATCH` … `EXEC`).
//! * [`Store::pipeline`](crate::Store::pipeline): commands queued, then run atomically with one reply each; a
//!   failing command does not stop or undo the others (`MULTI` … `EXEC`).
//!
//! # How
//!
//! A transaction runs its commands in place, on the live shards it holds locked
//! (`keyspace/txn.rs`): it write-locks the shards of the keys it names (and of the keys
//! it watches) in the store's one ascending order, checks the watches under those
//! locks, and runs the closure with handles that reach those tables directly — the
//! ordinary typed handles, so every command behaves inside a transaction exactly as
//! outside, with no second implementation. Before a key's first change its old entry
//! is recorded; returning `Ok` commits (the locks are released, then keyspace events,
//! `WATCH` flags and blocked callers see the changes at once), returning an error or
//! panicking puts the records back before the locks are released.
//!
//! A command on a key the transaction did not name is refused at once with
//! [`Error::KeyNotInTransaction`], as is a command over a whole database (`DBSIZE`,
//! `SCAN`, `FLUSHDB`, …). Blocking commands do not wait inside a transaction — nothing
//! else can change its keys — as in Redis's `MULTI`. The store's own handles must not
//! be used inside the closure: their shards are the transaction's, so they answer
//! [`Error::InsideTransaction`] instead of waiting for it.
//!
//! # Cost
//!
//! Locking the named keys' shards, plus a copy of each key's entry before its first
//! change (for the rollback) — nothing for counters and session hashes, noticeable for
//! a million-member sorted set. Pipelines and `EXEC` cannot roll back and copy nothing.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::core::Core;
pub(crate) use crate::keyspace::Whole;
use crate::keyspace::{Access, Locked, Rollback};
use crate::{Bits, Error, Hashes, Keys, Lists, Sets, Streams, Strings, ZSets};

/// The handles of a transaction in progress: the same commands as on a [`Store`](crate::Store), on
/// the keys the transaction named (in its database). From [`Store::transaction`](crate::Store::transaction).
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// store.strings().set("a", "100")?;
/// store.transaction(["a", "b"], |tx| {
///     tx.strings().decrby("a", 30)?;
///     tx.strings().incrby("b", 30)?;
///     Ok::<_, embedis::Error>(())
/// })?;
/// assert_eq!(store.strings().mget(["a", "b"])?, [Some("70".into()), Some("30".into())]);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug)]
pub struct Transaction<'t> {
    access: Access<'t>,
    db: usize,
}

impl Transaction<'_> {
    /// String commands inside the transaction.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let n = store.transaction(["n"], |tx| tx.strings().incr("n"))?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn strings(&self) -> Strings<'_> {
        Strings::new(self.access, self.db)
    }

    /// Bit commands inside the transaction.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.transaction(["f"], |tx| tx.bits().setbit("f", 7, true))?;
    /// assert_eq!(store.bits().getbit("f", 7)?, true);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn bits(&self) -> Bits<'_> {
        Bits::new(self.access, self.db)
    }

    /// Hash commands inside the transaction.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.transaction(["h"], |tx| tx.hashes().hset("h", [("f", "v")]))?;
    /// assert_eq!(store.hashes().hget("h", "f")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn hashes(&self) -> Hashes<'_> {
        Hashes::new(self.access, self.db)
    }

    /// List commands inside the transaction; blocking ones do not wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let got = store.transaction(["q"], |tx| tx.lists().blpop(["q"], None))?;
    /// assert_eq!(got, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn lists(&self) -> Lists<'_> {
        Lists::new(self.access, self.db)
    }

    /// Stream commands inside the transaction; blocking reads do not wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ReadFrom, XAdd};
    /// let store = embedis::Store::new();
    /// let read = store.transaction(["log"], |tx| {
    ///     tx.streams().xadd("log", &XAdd::new(), [("event", "a")])?;
    ///     tx.streams().xread_block(&[("log", ReadFrom::New)], None, None)
    /// })?;
    /// assert_eq!(read, None);
    /// assert_eq!(store.streams().xlen("log")?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn streams(&self) -> Streams<'_> {
        Streams::new(self.access, self.db)
    }

    /// Set commands inside the transaction.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.sets().sadd("a", ["x"])?;
    /// store.transaction(["a", "b"], |tx| tx.sets().smove("a", "b", "x"))?;
    /// assert!(store.sets().sismember("b", "x")?);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sets(&self) -> Sets<'_> {
        Sets::new(self.access, self.db)
    }

    /// Sorted-set commands inside the transaction.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.transaction(["board"], |tx| tx.zsets().zadd("board", [("ann", 1.0)]))?;
    /// assert_eq!(store.zsets().zscore("board", "ann")?, Some(1.0));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn zsets(&self) -> ZSets<'_> {
        ZSets::new(self.access, self.db)
    }

    /// Key commands inside the transaction (on the named keys; not the whole-database
    /// ones).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// store.strings().set("tmp", "x")?;
    /// store.transaction(["tmp", "kept"], |tx| {
    ///     tx.keys().rename("tmp", "kept")?;
    ///     tx.keys().expire("kept", Duration::from_secs(60))
    /// })?;
    /// assert_eq!(store.keys().exists(["tmp", "kept"])?, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn keys(&self) -> Keys<'_> {
        Keys::new(self.access, self.db)
    }
}

/// Runs `f` as a transaction over `keys` of database `db` of `store`; with `watches`,
/// only if none of their keys changed since they were taken.
pub(crate) fn run<K, R, E>(
    core: &Core,
    db: usize,
    keys: impl IntoIterator<Item = K>,
    watches: &[Watch],
    rollback: Rollback,
    f: impl FnOnce(&Transaction<'_>) -> Result<R, E>,
) -> Result<R, E>
where
    K: AsRef<[u8]>,
    E: From<Error>,
{
    let keys: crate::Args<K> = keys.into_iter().collect();
    let ks = &core.keyspace;
    ks.check_db(db)?;
    if watches.iter().any(|w| w.cross_slot) {
        return Err(Error::CrossSlot.into());
    }
    ks.check_slots(keys.iter().map(AsRef::as_ref))?;
    let mut named: crate::Args<(usize, &[u8])> = keys.iter().map(|k| (db, k.as_ref())).collect();
    named.sort_unstable();
    named.dedup();
    let locked = lock(core, (&named, true), &Whole::Nothing, watches, rollback)?;
    let tx = Transaction {
        access: Access::held(ks, &locked),
        db,
    };
    let out = f(&tx);
    match out {
        Ok(out) => {
            locked.commit()?;
            Ok(out)
        }
        Err(e) => {
            locked.rollback();
            Err(e)
        }
    }
}

/// Locks `keys` (strictly: only they may be touched), `whole` databases and the
/// watched keys' shards, then checks the watches under those locks, so that the check
/// and the commit are one step. [`Error::WatchedKeyChanged`] (nothing locked) if a
/// watched key changed.
fn lock<'k>(
    core: &'k Core,
    keys: (&'k [(usize, &'k [u8])], bool),
    whole: &Whole,
    watches: &[Watch],
    rollback: Rollback,
) -> Result<Locked<'k>, Error> {
    let ks = &core.keyspace;
    let watched_keys: Vec<(usize, &[u8])> = watches
        .iter()
        .flat_map(|w| w.keys.iter().map(|k| (w.db, k.as_slice())))
        .collect();
    let locked = Locked::new(ks, keys, &watched_keys, whole, rollback)?;
    let now = ks.now();
    if watches.iter().any(|w| w.changed_now(now)) {
        locked.rollback();
        return Err(Error::WatchedKeyChanged);
    }
    Ok(locked)
}

/// What an `EXEC` queue needs locked: the keys its commands name (each with its
/// database), and whole databases.
pub(crate) struct Span<'a> {
    pub(crate) keys: Vec<(usize, &'a [u8])>,
    pub(crate) whole: Whole,
}

/// `EXEC`: locks `span` (and the watched keys), checks the watches, and runs `f` on the
/// held shards; nothing is rolled back. [`Error::WatchedKeyChanged`] (and `f` not run)
/// if a watched key changed.
pub(crate) fn run_queue<R>(
    core: &Core,
    span: &Span<'_>,
    watches: &[Watch],
    f: impl FnOnce(Access<'_>) -> R,
) -> Result<R, Error> {
    let locked = lock(
        core,
        (&span.keys, false),
        &span.whole,
        watches,
        Rollback::No,
    )?;
    let out = f(Access::held(&core.keyspace, &locked));
    locked.commit()?;
    Ok(out)
}

/// Keys watched for an optimistic transaction (Redis's `WATCH` … `MULTI` … `EXEC`): read
/// what you need, decide, then commit with [`transaction`](Self::transaction), which
/// applies nothing and fails with [`Error::WatchedKeyChanged`] if any watched key was
/// written, deleted, renamed, flushed or expired since the watch began. From
/// [`Store::watch`](crate::Store::watch); dropping it stops watching.
///
/// Watching costs writers of other keys nothing measurable (one relaxed load); a write
/// to a watched key looks its watchers up. A command that could have changed a
/// collection counts as a change even if it did not (an `SREM` of an absent member), so
/// a conflict is occasionally reported where Redis would not; never the reverse.
///
/// # Examples
///
/// A check-and-set that retries on conflict:
///
/// ```
/// use embedis::{Error, Store};
/// let store = Store::new();
/// store.strings().set("stock", "3")?;
/// let sold = loop {
///     let watch = store.watch(["stock"]);
///     let stock: i64 = store.strings().get("stock")?.unwrap().as_str().unwrap().parse().unwrap();
///     if stock == 0 {
///         break false;
///     }
///     match watch.transaction(["stock", "orders"], |tx| {
///         tx.strings().set("stock", (stock - 1).to_string())?;
///         tx.lists().rpush("orders", ["order-1"])
///     }) {
///         Ok(_) => break true,
///         Err(Error::WatchedKeyChanged) => continue,
///         Err(e) => return Err(e),
///     }
/// };
/// assert!(sold);
/// assert_eq!(store.strings().get("stock")?.unwrap(), "2");
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug)]
pub struct Watch {
    core: Arc<Core>,
    db: usize,
    keys: Vec<Vec<u8>>,
    flag: Arc<AtomicBool>,
    /// Each key's deadline when the watch began: passing it is a change.
    deadlines: Vec<Option<u64>>,
    /// In cluster mode, the keys span hash slots: a transaction under this watch is
    /// refused ([`Error::CrossSlot`]), as Redis Cluster refuses the `WATCH`.
    cross_slot: bool,
}

impl Watch {
    /// The flag raised when a watched key changes.
    pub(crate) fn changed_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }
    pub(crate) fn new<K: AsRef<[u8]>>(
        core: &Arc<Core>,
        db: usize,
        keys: impl IntoIterator<Item = K>,
    ) -> Watch {
        let mut keys: Vec<Vec<u8>> = keys.into_iter().map(|k| k.as_ref().to_vec()).collect();
        keys.sort_unstable();
        keys.dedup();
        let flag = Arc::new(AtomicBool::new(false));
        let ks = &core.keyspace;
        let cross_slot = ks.check_slots(keys.iter().map(Vec::as_slice)).is_err();
        // Register first: a write after this point raises the flag, so reading the
        // deadlines next cannot miss one.
        ks.watches().register(db, &keys, &flag);
        let deadlines = keys
            .iter()
            .map(|k| {
                // Inside a transaction's closure the key cannot be read: no deadline.
                let (expired, deadline) = core
                    .access()
                    .peek_expired(db, k, |e| Ok(e.and_then(|(_, d)| d)))
                    .unwrap_or((false, None));
                if expired {
                    ks.watches().began_expired(db, k, &flag);
                }
                deadline
            })
            .collect();
        Watch {
            core: Arc::clone(core),
            db,
            keys,
            flag,
            deadlines,
            cross_slot,
        }
    }

    fn changed_now(&self, now: u64) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadlines.iter().flatten().any(|&d| d < now)
    }

    /// Whether a watched key changed since the watch began (it may change right after:
    /// only [`transaction`](Self::transaction) decides atomically).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let watch = store.watch(["a", "b"]);
    /// assert!(!watch.changed());
    /// store.keys().del(["a"])?; // deleting an absent key changes nothing
    /// assert!(!watch.changed());
    /// store.strings().set("b", "1")?;
    /// assert!(watch.changed());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn changed(&self) -> bool {
        self.changed_now(self.core.keyspace.now())
    }

    /// [`Store::transaction`](crate::Store::transaction) over `keys` (of the watched database), run only if no
    /// watched key changed since the watch began — checked atomically with the commit.
    ///
    /// # Errors
    ///
    /// [`Error::WatchedKeyChanged`] if one did (nothing is applied; read again and
    /// retry); in [cluster mode](crate::StoreBuilder::cluster_mode),
    /// [`Error::CrossSlot`] if the watched keys span hash slots; else as
    /// [`Store::transaction`](crate::Store::transaction).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Error;
    /// let store = embedis::Store::new();
    /// let watch = store.watch(["k"]);
    /// store.strings().set("k", "v")?;
    /// let r = watch.transaction(["k"], |tx| tx.strings().set("k", "mine"));
    /// assert_eq!(r, Err(Error::WatchedKeyChanged));
    /// assert_eq!(store.strings().get("k")?.unwrap(), "v");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn transaction<K, R, E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        f: impl FnOnce(&Transaction<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        K: AsRef<[u8]>,
        E: From<Error>,
    {
        run(
            &self.core,
            self.db,
            keys,
            std::slice::from_ref(self),
            Rollback::Yes,
            f,
        )
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.core
            .keyspace
            .watches()
            .unregister(self.db, &self.keys, &self.flag);
    }
}

/// A batch of commands run as one atomic unit with one reply per command (Redis's
/// `MULTI` … `EXEC`, redis-py's `pipeline(transaction=True)`). From
/// [`Store::pipeline`](crate::Store::pipeline).
///
/// Commands are queued as closures over a [`Transaction`] and run, in order, when
/// [`execute`](Self::execute) is called — atomically, on the keys named when the
/// pipeline was made. As in `EXEC`, a command that fails does not stop the others or
/// undo them: its own reply is the error. (For all or nothing, use
/// [`Store::transaction`](crate::Store::transaction).)
///
/// # Examples
///
/// ```
/// use embedis::Error;
/// let store = embedis::Store::new();
/// store.strings().set("name", "ann")?;
/// let mut p = store.pipeline(["hits", "name"]);
/// let hits = p.queue(|tx| tx.strings().incr("hits"));
/// let bad = p.queue(|tx| tx.strings().incr("name"));
/// let name = p.queue(|tx| tx.strings().get("name"));
/// let mut replies = p.execute()?;
/// assert_eq!(replies.take(hits), Ok(1));
/// assert_eq!(replies.take(bad), Err(Error::NotInteger));
/// assert_eq!(replies.take(name)?.unwrap(), "ann");
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use]
pub struct Pipeline<'s> {
    core: &'s Core,
    db: usize,
    keys: Vec<Vec<u8>>,
    commands: Vec<Command<'s>>,
}

/// A queued command: runs on the transaction and boxes its `Result<T>`.
type Command<'s> = Box<dyn FnOnce(&Transaction<'_>) -> Box<dyn Any> + 's>;

impl std::fmt::Debug for Pipeline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("db", &self.db)
            .field("keys", &self.keys.len())
            .field("commands", &self.commands.len())
            .finish()
    }
}

/// Where a queued command's reply will be, in [`Replies`]. From [`Pipeline::queue`].
#[derive(Debug)]
pub struct Queued<T> {
    index: usize,
    reply: PhantomData<fn() -> T>,
}

/// The replies of an executed [`Pipeline`], one per queued command.
#[derive(Debug)]
pub struct Replies {
    replies: Vec<Option<Box<dyn Any>>>,
}

impl<'s> Pipeline<'s> {
    pub(crate) fn new<K: AsRef<[u8]>>(
        core: &'s Core,
        db: usize,
        keys: impl IntoIterator<Item = K>,
    ) -> Self {
        Pipeline {
            core,
            db,
            keys: keys.into_iter().map(|k| k.as_ref().to_vec()).collect(),
            commands: Vec::new(),
        }
    }

    /// Queues `command`; its reply will be at the returned place.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut p = store.pipeline(["q"]);
    /// let len = p.queue(|tx| tx.lists().rpush("q", ["a", "b"]));
    /// assert_eq!(p.execute()?.take(len)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn queue<T: 'static>(
        &mut self,
        command: impl FnOnce(&Transaction<'_>) -> Result<T, Error> + 's,
    ) -> Queued<T> {
        self.commands.push(Box::new(move |tx: &Transaction<'_>| {
            Box::new(command(tx)) as Box<dyn Any>
        }));
        Queued {
            index: self.commands.len() - 1,
            reply: PhantomData,
        }
    }

    /// Runs every queued command, in order, as one atomic step, and returns their
    /// replies. As in `EXEC`, a command's error is its own reply and undoes nothing — a
    /// command on a key the pipeline did not name answers
    /// [`Error::KeyNotInTransaction`].
    ///
    /// # Errors
    ///
    /// [`Error::InsideTransaction`] if called inside a transaction's closure on the
    /// same store; in [cluster mode](crate::StoreBuilder::cluster_mode),
    /// [`Error::CrossSlot`] (nothing run) if the pipeline's keys span hash slots.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut p = store.pipeline(["a"]);
    /// p.queue(|tx| tx.strings().set("a", "1"));
    /// p.execute()?;
    /// assert_eq!(store.strings().get("a")?.unwrap(), "1");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn execute(self) -> Result<Replies, Error> {
        let Pipeline {
            core,
            db,
            keys,
            commands,
        } = self;
        run(core, db, keys, &[], Rollback::No, |tx| {
            Ok(Replies {
                replies: commands.into_iter().map(|c| Some(c(tx))).collect(),
            })
        })
    }
}

impl Replies {
    /// The reply of a queued command: what it returned, error included.
    ///
    /// # Panics
    ///
    /// If `queued` belongs to another pipeline, or its reply was taken already.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut p = store.pipeline(["n"]);
    /// let first = p.queue(|tx| tx.strings().incrby("n", 5));
    /// let second = p.queue(|tx| tx.strings().incrby("n", 5));
    /// let mut replies = p.execute()?;
    /// assert_eq!((replies.take(first)?, replies.take(second)?), (5, 10));
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[allow(clippy::needless_pass_by_value)] // consumed on purpose: a reply is taken once
    pub fn take<T: 'static>(&mut self, queued: Queued<T>) -> Result<T, Error> {
        let reply = self
            .replies
            .get_mut(queued.index)
            .and_then(Option::take)
            .expect("a reply of this pipeline, taken once");
        *reply
            .downcast::<Result<T, Error>>()
            .expect("a reply of this pipeline, taken once")
    }

    /// How many replies there are (one per queued command).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut p = store.pipeline(["a"]);
    /// p.queue(|tx| tx.strings().set("a", "1"));
    /// assert_eq!(p.execute()?.len(), 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.replies.len()
    }

    /// Whether no command was queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert!(store.pipeline(["a"]).execute()?.is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.replies.is_empty()
    }
}
