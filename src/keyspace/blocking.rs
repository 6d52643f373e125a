//! Blocking pops (Redis's `blocked.c`): who waits for which key, and how a pushed element
//! reaches exactly one of them.
//!
//! # Waiting
//!
//! A blocking command that finds nothing registers a [`Waiter`] in the FIFO queue of each
//! of its keys, then tries once more (a push may have landed in between), then sleeps on
//! its condition variable — holding no shard lock, using no CPU — until it is served,
//! times out or is cancelled.
//!
//! # Serving
//!
//! A write that adds to a list or creates a sorted set *signals* the key (only if someone
//! waits at all: one atomic load otherwise). When the command has applied everything and
//! released its locks, the keys it signalled are served: for each, the waiters in its
//! queue that wait for the type the key now holds (`BLPOP` & co. for a list, `BZPOPMIN` &
//! co. for a sorted set) are taken first-come first-served, and each one's *attempt* (its
//! pop or move, performed here on its behalf, under the usual shard locks) runs until the
//! value runs dry. So a push inside a multi-key command wakes waiters only after the
//! whole command, as in Redis.
//!
//! # Exactly once
//!
//! A waiter's state (`Waiting`, `Served`, `Done`) sits under its own mutex, and an
//! element is only ever popped for a waiter while that mutex is held and the state is
//! `Waiting`, which the same critical section leaves. Whoever gets there first — a
//! serving pusher, or the waiter's own retry — takes the element; the other sees the
//! state changed and takes nothing. A timeout or cancellation likewise leaves `Waiting`
//! under the mutex, so an element is never popped for a waiter that has given up.
//!
//! Locks are taken in one order — registry, then waiter, then shards — and attempts made
//! while serving defer the keys *they* signal (a `BLMOVE` pushing to its destination) to
//! the same serving loop instead of recursing.

mod future;

pub use future::Blocked;
use future::Undo;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::{Duration, Instant};

use hashbrown::HashMap;
use parking_lot::{Condvar, Mutex};

use super::{Access, Keyspace};
use crate::value::{KeyType, ValueRef};
use crate::{Blob, Error, Result};

/// What a served waiter receives: the key it was served from, the elements and (from a
/// sorted set) their scores.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Served {
    pub(crate) key: Blob,
    pub(crate) items: Vec<Blob>,
    pub(crate) scores: Vec<f64>,
    /// Stream entries read (`XREAD`), for a stream waiter.
    pub(crate) entries: Vec<crate::value::stream::StreamEntry>,
    /// Entries read through a consumer group (`XREADGROUP`): each ID, with its fields
    /// unless the entry is gone.
    pub(crate) group_entries: Vec<GroupEntryParts>,
    /// Where the log's record of the pop ends: under `appendfsync always` the waiter
    /// waits for it to be on disk itself, after it wakes, holding no lock.
    pub(crate) logged: Option<u64>,
}

impl Served {
    /// Elements taken from `key`.
    pub(crate) fn new(key: &[u8], items: Vec<Blob>) -> Self {
        Served {
            key: Blob::copy_from_slice(key),
            items,
            scores: Vec::new(),
            entries: Vec::new(),
            group_entries: Vec::new(),
            logged: None,
        }
    }
}

/// An entry read through a group: its ID, and its fields unless it is gone.
pub(crate) type GroupEntryParts = (crate::value::stream::StreamId, Option<Vec<(Blob, Blob)>>);

/// What a waiter waits for: a value of one type at one of its keys. A reader of a
/// consumer group also ends, with [`Error::StreamGone`], when its stream is deleted or
/// replaced by another type (Redis's `unblockDeletedStreamReadgroupClients`).
///
/// Readers of one group take from one place (the group's position): when one of them
/// finds nothing, the others after it in the queue would find nothing either, and
/// are not tried again in that pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wait {
    kind: KeyType,
    ends_when_gone: bool,
    /// The consumer group read through, for a group's reader.
    group: Option<Blob>,
}

impl Wait {
    /// A blocked `XREADGROUP` through `group`.
    pub(crate) fn group_reader(group: &[u8]) -> Self {
        Wait {
            kind: KeyType::Stream,
            ends_when_gone: true,
            group: Some(Blob::copy_from_slice(group)),
        }
    }
}

impl From<KeyType> for Wait {
    fn from(kind: KeyType) -> Self {
        Wait {
            kind,
            ends_when_gone: false,
            group: None,
        }
    }
}

/// A waiter's pop or move on one of its keys: `None` if there is nothing to take.
pub(crate) type Attempt = dyn Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync;

enum State {
    Waiting,
    Served(Result<Served>),
    Done,
}

pub(crate) struct Waiter {
    db: usize,
    keys: Vec<Blob>,
    /// What this waiter takes from.
    wait: Wait,
    attempt: Box<Attempt>,
    state: Mutex<State>,
    /// A thread waits here…
    wake: Condvar,
    /// …or a future leaves its waker here (set and taken under `state`'s lock, so a
    /// wake-up between a poll's look at the state and its return is not lost).
    waker: Mutex<Option<Waker>>,
    /// In how many queues it still is (served: taken out of one); leaving with none
    /// left needs no look at the registry.
    queued: AtomicUsize,
}

impl Waiter {
    fn new(db: usize, mut keys: Vec<Blob>, wait: Wait, attempt: Box<Attempt>) -> Arc<Waiter> {
        // Each key once, in the order given.
        let mut i = 0;
        while i < keys.len() {
            if keys[..i].contains(&keys[i]) {
                keys.remove(i);
            } else {
                i += 1;
            }
        }
        Arc::new(Waiter {
            db,
            keys,
            wait,
            attempt,
            state: Mutex::new(State::Waiting),
            wake: Condvar::new(),
            waker: Mutex::new(None),
            queued: AtomicUsize::new(0),
        })
    }

    /// Wakes whoever waits: the thread now, or — through the waker returned, to be
    /// woken once the caller's locks are released, so that the task does not run into
    /// them — the task. Called holding `state`'s lock.
    #[must_use]
    fn notify(&self) -> Option<Waker> {
        self.wake.notify_all();
        self.waker.lock().take()
    }

    /// Wakes the waiter to look again (a cancellation).
    fn wake(&self) {
        let waker = {
            let _state = self.state.lock();
            self.notify()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

type Queues = HashMap<(usize, Blob), VecDeque<Arc<Waiter>>>;

/// A key of [`Queues`] looked up without copying it: hashed as the tuple is.
#[derive(Hash)]
struct Slot<'k>(usize, &'k [u8]);

impl hashbrown::Equivalent<(usize, Blob)> for Slot<'_> {
    fn equivalent(&self, key: &(usize, Blob)) -> bool {
        self.0 == key.0 && self.1 == &key.1[..]
    }
}

/// The registry of blocked callers, per store.
#[derive(Default)]
pub(crate) struct Blocking {
    queues: Mutex<Queues>,
    waiting: AtomicUsize,
    /// The number of queues (empty ones included) at which `register` next drops the
    /// empty ones (changed under `queues`'s lock).
    sweep_at: AtomicUsize,
    /// What dropped futures took and could not give back at once (their thread held
    /// the store's shards: a transaction, a zero-copy read), with the thread that is
    /// to give it back once it has released them; and how many.
    deferred: Mutex<Vec<(std::thread::ThreadId, Box<Undo>, Served)>>,
    deferred_count: AtomicUsize,
}

thread_local! {
    /// Keys signalled on this thread and not yet served.
    static SIGNALLED: RefCell<VecDeque<(usize, Blob)>> = const { RefCell::new(VecDeque::new()) };
    /// Whether this thread is serving (or retrying for itself): signals then wait for
    /// the loop that is already running instead of starting another.
    static SERVING: Cell<bool> = const { Cell::new(false) };
    /// Whether this thread serves a key's queue because a waiter just joined it, not
    /// because the key was signalled.
    static JOINING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the waiters now tried are served because their key was signalled (Redis's
/// ready list), rather than because another waiter joined its queue: a group's reader
/// is answered, even with nothing, only on a signal, as Redis serves it.
pub(crate) fn serving_a_signal() -> bool {
    !JOINING.with(Cell::get)
}

/// Marks this thread as serving until dropped (also on unwind). While serving, a pop
/// made for a waiter holds the waiter's lock and the registry's: it must not wait for
/// the disk there, so the log's settling is deferred (see `feed::defer_settles`) to the
/// waiter, once awake.
struct ServingGuard(bool, bool);

impl ServingGuard {
    fn enter() -> ServingGuard {
        ServingGuard(
            SERVING.with(|s| s.replace(true)),
            super::feed::defer_settles(true),
        )
    }
}

impl Drop for ServingGuard {
    fn drop(&mut self) {
        SERVING.with(|s| s.set(self.0));
        super::feed::defer_settles(self.1);
    }
}

/// How a blocking wait ended without an element.
enum Ending {
    TimedOut,
    Cancelled,
}

impl Blocking {
    /// Whether anyone waits on any key.
    #[inline]
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }

    /// How many callers are blocked now.
    pub(crate) fn blocked(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Notes that `key` of `db` received elements (served once the command is done).
    pub(crate) fn signal(&self, db: usize, key: &[u8]) {
        if self.has_waiters() {
            SIGNALLED.with(|s| s.borrow_mut().push_back((db, Blob::copy_from_slice(key))));
        }
    }

    /// Signals every key of `db` that someone waits on (after `SWAPDB`).
    pub(crate) fn signal_db(&self, db: usize) {
        let keys: Vec<(usize, Blob)> = self
            .queues
            .lock()
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        SIGNALLED.with(|s| s.borrow_mut().extend(keys));
    }

    /// Serves the waiters of every key signalled on this thread; called by the keyspace
    /// when a command has released its locks.
    #[inline]
    pub(crate) fn serve_signalled(&self, ks: &Keyspace) {
        self.give_back_pending(ks);
        if !self.has_waiters() || SERVING.with(Cell::get) {
            return;
        }
        let _serving = ServingGuard::enter();
        // In the order the keys became ready, as Redis's ready list is served.
        while let Some((db, key)) = SIGNALLED.with(|s| s.borrow_mut().pop_front()) {
            self.serve_key(ks, db, &key);
        }
    }

    /// Gives back what a dropped future took and never saw (`undo`: pushed back where
    /// it was popped from), then serves the waiters that signals. If this thread holds
    /// the store's shards, it is given back once it has released them. If the key now
    /// holds another type, it is not given back: a write that replaced the key would
    /// have dropped it with the rest.
    pub(crate) fn give_back(&self, ks: &Keyspace, undo: Box<Undo>, served: Served) {
        if self.try_give_back(ks, undo, served) {
            self.serve_signalled(ks);
        }
    }

    /// Runs `undo`, or keeps it for later if this thread holds the store's shards;
    /// whether it ran.
    fn try_give_back(&self, ks: &Keyspace, undo: Box<Undo>, served: Served) -> bool {
        match undo(ks.access(), &served) {
            Err(Error::InsideTransaction | Error::InsideRead) => {
                let me = std::thread::current().id();
                self.deferred.lock().push((me, undo, served));
                self.deferred_count.fetch_add(1, Ordering::Relaxed);
                false
            }
            _ => true,
        }
    }

    /// Gives back what this thread's dropped futures left while it held the shards;
    /// called when the thread has released some (a write, a transaction's end).
    #[inline]
    pub(crate) fn give_back_pending(&self, ks: &Keyspace) {
        if self.deferred_count.load(Ordering::Relaxed) > 0 {
            self.give_back_deferred(ks);
        }
    }

    #[cold]
    fn give_back_deferred(&self, ks: &Keyspace) {
        if SERVING.with(Cell::get) {
            return;
        }
        let me = std::thread::current().id();
        let mine: Vec<(std::thread::ThreadId, Box<Undo>, Served)> = {
            let mut deferred = self.deferred.lock();
            let (mine, others) = std::mem::take(&mut *deferred)
                .into_iter()
                .partition(|(thread, ..)| *thread == me);
            *deferred = others;
            mine
        };
        self.deferred_count.fetch_sub(mine.len(), Ordering::Relaxed);
        // Still inside an outer transaction: kept again, for when that one ends.
        for (_, undo, served) in mine {
            self.try_give_back(ks, undo, served);
        }
    }

    fn serve_key(&self, ks: &Keyspace, db: usize, key: &[u8]) {
        let mut wakers = smallvec::SmallVec::<[Waker; 2]>::new();
        self.serve_key_waking(ks, db, key, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Serves `key`'s queue, leaving the wakers of the tasks served in `wakers`.
    fn serve_key_waking(
        &self,
        ks: &Keyspace,
        db: usize,
        key: &[u8],
        wakers: &mut smallvec::SmallVec<[Waker; 2]>,
    ) {
        let _ = taken_deferred();
        let mut queues = self.queues.lock();
        let Some(queue) = queues.get_mut(&Slot(db, key)).filter(|q| !q.is_empty()) else {
            return;
        };
        // As Redis, serve only the waiters for the type the key now holds (it may have
        // been overwritten since the signal): a list's to `BLPOP` & co., a sorted set's
        // to `BZPOPMIN` & co. The others keep their place, but for a group's readers
        // when the key holds no stream any more: they are told it is gone.
        let Ok(held) = ks
            .access()
            .peek(db, key, |v| Ok(v.map(|(v, _)| ValueRef::key_type(v))))
        else {
            return;
        };
        let mut i = 0;
        // Groups whose readers found nothing in this pass.
        let mut dry: Vec<Blob> = Vec::new();
        while let Some(waiter) = queue.get(i).cloned() {
            let gone = waiter.wait.ends_when_gone && held != Some(KeyType::Stream);
            let same_dry_group =
                !gone && waiter.wait.group.as_ref().is_some_and(|g| dry.contains(g));
            if (Some(waiter.wait.kind) != held && !gone) || same_dry_group {
                i += 1;
                continue;
            }
            let mut state = waiter.state.lock();
            if matches!(*state, State::Waiting) && gone {
                *state = State::Served(Err(Error::StreamGone));
                wakers.extend(waiter.notify());
            } else if matches!(*state, State::Waiting) {
                match (waiter.attempt)(ks.access(), key) {
                    Some(result) => *state = State::Served(with_logged(result)),
                    // A stream reader waits for entries after its own ID: the next
                    // reader's may be older. A list or sorted set is empty for all.
                    None if held == Some(KeyType::Stream) => {
                        drop(state);
                        if let Some(g) = &waiter.wait.group {
                            dry.push(g.clone());
                        }
                        i += 1;
                        continue;
                    }
                    None => break,
                }
                wakers.extend(waiter.notify());
            }
            drop(state);
            if let Some(gone) = queue.remove(i) {
                gone.queued.fetch_sub(1, Ordering::Release);
            }
        }
    }

    /// Runs a blocking command: `attempt` on each of `keys` in order, and if none
    /// yields, waits (as [`block`](Self::block)) up to `timeout` (`None`: forever).
    /// Inside a transaction only the attempts run: nothing can arrive while it holds
    /// its keys, so a blocking command answers at once, as in Redis's `MULTI`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run<A>(
        &self,
        access: Access<'_>,
        db: usize,
        keys: &[&[u8]],
        wait: impl Into<Wait>,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        attempt: A,
    ) -> Result<Option<Served>>
    where
        A: Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + Send + Sync + 'static,
    {
        if let Some(now) = Self::try_now(access, keys, cancel, &attempt) {
            return now;
        }
        // Inside a transaction nothing can arrive: as in Redis's MULTI, a blocking
        // command that finds nothing returns at once.
        if access.in_transaction() {
            return Ok(None);
        }
        let ks = access.keyspace();
        // A timeout too long to represent is no timeout.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // Nothing to take now: wait (the attempt is boxed only here, off the fast path).
        self.block(ks, db, keys, wait, Box::new(attempt), deadline, cancel)
    }

    /// What a blocking command finds before it would wait: the first of `keys` whose
    /// attempt yields (or the error that ends the call); `None` if it must wait.
    fn try_now<A, K: AsRef<[u8]>>(
        access: Access<'_>,
        keys: &[K],
        cancel: Option<&CancelToken>,
        attempt: &A,
    ) -> Option<Result<Option<Served>>>
    where
        A: Fn(Access<'_>, &[u8]) -> Option<Result<Served>> + ?Sized,
    {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Some(Err(Error::Unblocked));
        }
        // In cluster mode the keys must share a hash slot, as for any multi-key call.
        if let Err(e) = access
            .keyspace()
            .check_slots(keys.iter().map(AsRef::as_ref))
        {
            return Some(Err(e));
        }
        // Not a signal's serving: a group's reader takes only entries there are.
        let joining = JOINING.with(|j| j.replace(true));
        let now = keys.iter().find_map(|key| attempt(access, key.as_ref()));
        JOINING.with(|j| j.set(joining));
        now.map(|served| served.map(Some))
    }

    /// Blocks until `attempt` succeeds on one of `keys` (tried in order, each holding
    /// a value of type `kind`), `deadline` passes (`None`: never) or `cancel` is
    /// cancelled.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn block(
        &self,
        ks: &Keyspace,
        db: usize,
        keys: &[&[u8]],
        wait: impl Into<Wait>,
        attempt: Box<Attempt>,
        deadline: Option<Instant>,
        cancel: Option<&CancelToken>,
    ) -> Result<Option<Served>> {
        let keys = keys.iter().map(|k| Blob::copy_from_slice(k)).collect();
        let waiter = self.join(ks, db, keys, wait.into(), attempt, cancel);
        let outcome = Self::wait(&waiter, deadline, cancel);
        self.finish(ks, &waiter, cancel, outcome)
    }

    /// Queues a new waiter on its keys, and serves them at once: a push may have
    /// landed between the caller's first try and the registration.
    fn join(
        &self,
        ks: &Keyspace,
        db: usize,
        keys: Vec<Blob>,
        wait: Wait,
        attempt: Box<Attempt>,
        cancel: Option<&CancelToken>,
    ) -> Arc<Waiter> {
        let waiter = Waiter::new(db, keys, wait, attempt);
        self.register(&waiter);
        if let Some(token) = cancel {
            token.watch(&waiter);
        }
        // Serve the keys' queues now, in order, as a pusher would have. Taking for
        // ourselves here instead would overtake a waiter registered before us.
        {
            let _serving = ServingGuard::enter();
            let joining = JOINING.with(|j| j.replace(true));
            for key in &waiter.keys {
                self.serve_key(ks, db, key);
            }
            JOINING.with(|j| j.set(joining));
        }
        // Keys the attempts just made signalled (a move's destination) are served now,
        // not once this waiter is done.
        self.serve_signalled(ks);
        waiter
    }

    /// Ends a wait: the waiter leaves its queues, and the outcome becomes the call's.
    fn finish(
        &self,
        ks: &Keyspace,
        waiter: &Arc<Waiter>,
        cancel: Option<&CancelToken>,
        outcome: Result<Result<Served>, Ending>,
    ) -> Result<Option<Served>> {
        if let Some(token) = cancel {
            token.unwatch(waiter);
        }
        self.deregister(waiter);
        // Keys our own retry signalled (a move's destination) are served now.
        self.serve_signalled(ks);
        match outcome {
            Ok(Ok(served)) => {
                // Acknowledged once its record is on disk (under `always`), waited for
                // here, holding no lock.
                ks.feed().settle(served.logged)?;
                Ok(Some(served))
            }
            Ok(Err(e)) => Err(e),
            Err(Ending::TimedOut) => Ok(None),
            Err(Ending::Cancelled) => Err(Error::Unblocked),
        }
    }

    /// Queues `waiter` on its keys. A key's queue is kept when it empties (a key
    /// waited on once is usually waited on again: a job queue's workers come back);
    /// the empty ones are dropped each time the registry has doubled.
    fn register(&self, waiter: &Arc<Waiter>) {
        let mut queues = self.queues.lock();
        for key in &waiter.keys {
            if let Some(queue) = queues.get_mut(&Slot(waiter.db, key)) {
                queue.push_back(Arc::clone(waiter));
                continue;
            }
            // Amortized: a sweep at most each time the map has doubled since the last.
            if queues.len() >= self.sweep_at.load(Ordering::Relaxed) {
                queues.retain(|_, q| !q.is_empty());
                let next = queues.len().saturating_mul(2).max(64);
                self.sweep_at.store(next, Ordering::Relaxed);
            }
            queues.insert(
                (waiter.db, key.clone()),
                VecDeque::from([Arc::clone(waiter)]),
            );
        }
        waiter.queued.store(waiter.keys.len(), Ordering::Relaxed);
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    fn deregister(&self, waiter: &Arc<Waiter>) {
        if waiter.queued.load(Ordering::Acquire) > 0 {
            self.unqueue(waiter);
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    /// Takes `waiter` out of the queues it is still in.
    fn unqueue(&self, waiter: &Arc<Waiter>) {
        let mut queues = self.queues.lock();
        for key in &waiter.keys {
            if let Some(queue) = queues.get_mut(&Slot(waiter.db, key)) {
                queue.retain(|w| !Arc::ptr_eq(w, waiter));
            }
        }
        waiter.queued.store(0, Ordering::Relaxed);
    }

    fn wait(
        waiter: &Waiter,
        deadline: Option<Instant>,
        cancel: Option<&CancelToken>,
    ) -> Result<Result<Served>, Ending> {
        let mut state = waiter.state.lock();
        loop {
            match std::mem::replace(&mut *state, State::Done) {
                State::Served(result) => return Ok(result),
                State::Done => unreachable!("only this thread leaves a served state"),
                State::Waiting => {}
            }
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(Ending::Cancelled);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Ending::TimedOut);
            }
            *state = State::Waiting;
            match deadline {
                Some(d) => {
                    waiter.wake.wait_until(&mut state, d);
                }
                None => waiter.wake.wait(&mut state),
            }
        }
    }
}

fn taken_deferred() -> Option<u64> {
    super::feed::take_deferred()
}

/// `result` with the end of the records its attempt wrote.
fn with_logged(result: Result<Served>) -> Result<Served> {
    let logged = taken_deferred();
    result.map(|mut s| {
        s.logged = s.logged.max(logged);
        s
    })
}

/// Cancels blocking calls from another thread, so that worker threads blocked in
/// `BLPOP` and friends can be shut down cleanly (Redis's `CLIENT UNBLOCK … ERROR`).
///
/// Give the token to a handle with [`Lists::cancel_with`](crate::Lists::cancel_with);
/// [`cancel`](Self::cancel) then makes every blocking call made through it — waiting now
/// or later — return [`Error::Unblocked`] promptly, without taking an element. Clones
/// share one state.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use embedis::{CancelToken, Error, Store};
/// let store = Store::new();
/// let token = CancelToken::new();
/// let worker = {
///     let (store, token) = (store.clone(), token.clone());
///     std::thread::spawn(move || store.lists().cancel_with(&token).brpop(["jobs"], None))
/// };
/// std::thread::sleep(Duration::from_millis(50));
/// token.cancel();
/// assert_eq!(worker.join().unwrap(), Err(Error::Unblocked));
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<TokenInner>);

#[derive(Default)]
struct TokenInner {
    cancelled: AtomicBool,
    waiters: Mutex<Vec<Weak<Waiter>>>,
}

impl std::fmt::Debug for TokenInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.cancelled.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl CancelToken {
    /// A token not cancelled yet.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!embedis::CancelToken::new().is_cancelled());
    /// ```
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every blocking call using this token, now and from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (store, token) = (embedis::Store::new(), embedis::CancelToken::new());
    /// token.cancel();
    /// let got = store.lists().cancel_with(&token).blpop(["q"], Some(Duration::from_secs(60)));
    /// assert_eq!(got, Err(embedis::Error::Unblocked));
    /// ```
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        let waiters = std::mem::take(&mut *self.0.waiters.lock());
        for w in waiters.iter().filter_map(Weak::upgrade) {
            w.wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = embedis::CancelToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    fn watch(&self, waiter: &Arc<Waiter>) {
        let mut waiters = self.0.waiters.lock();
        waiters.retain(|w| w.strong_count() > 0);
        waiters.push(Arc::downgrade(waiter));
    }

    fn unwatch(&self, waiter: &Arc<Waiter>) {
        let target = Arc::downgrade(waiter);
        self.0.waiters.lock().retain(|w| !w.ptr_eq(&target));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockSource;
    use crate::keyspace::Deadline;
    use crate::keyspace::expiry::Schedule;
    use crate::value::list::Side;
    use crate::value::{ListValue, Value};

    /// A waiter served between its registration and its own retry must take the served
    /// element and no other (this once lost one element in ~100 000 handoffs).
    #[test]
    fn a_waiter_served_before_its_retry_takes_only_what_it_was_served() {
        let clock = ClockSource::System;
        let schedule = Arc::new(Schedule::new(Duration::from_millis(10), clock.clone()));
        let ks = Keyspace::new(1, 1, clock, schedule, 7);
        let pop: Box<Attempt> = Box::new(|ks: Access<'_>, key: &[u8]| {
            let popped = ks.write(0, key, |e| {
                e.update_existing::<ListValue, _>(|l| Ok(l.pop(Side::Left)))
            });
            popped
                .map(|p| p.flatten().map(|item| Served::new(key, vec![item])))
                .transpose()
        });
        let waiter = Waiter::new(0, vec![Blob::from("q")], KeyType::List.into(), pop);
        ks.blocking().register(&waiter);
        // A push, as RPUSH makes it: the write signals the key, and the waiter is served
        // once the write's lock is released.
        let mut list = ListValue::default();
        list.push(Side::Right, b"first");
        list.push(Side::Right, b"second");
        ks.access()
            .write(0, b"q", |e| {
                e.put(Value::List(list), Deadline::Keep);
                Ok(())
            })
            .unwrap();
        // The push served the registered waiter with "first"; serving its keys again
        // (what a new waiter does once registered) must not also pop "second".
        {
            let _serving = ServingGuard::enter();
            ks.blocking().serve_key(&ks, 0, b"q");
        }
        let got = Blocking::wait(&waiter, Some(Instant::now()), None);
        ks.blocking().deregister(&waiter);
        let got = got.ok().and_then(Result::ok).map(|s| s.items);
        assert_eq!(got, Some(vec![Blob::from("first")]));
        let left = ks
            .access()
            .read_as::<ListValue, _>(0, b"q", |l| l.map(ListValue::len))
            .unwrap();
        assert_eq!(left, Some(1));
    }
    /// Queues are kept when they empty, but not without bound: waits on ever new keys
    /// leave the registry no larger than a small multiple of what is waited on.
    #[test]
    fn empty_queues_are_dropped_once_they_outnumber_the_waited_on() {
        let blocking = Blocking::default();
        let never: fn() -> Box<Attempt> = || Box::new(|_: Access<'_>, _: &[u8]| None);
        let standing = Waiter::new(
            0,
            vec![Blob::from("standing")],
            KeyType::List.into(),
            never(),
        );
        blocking.register(&standing);
        let mut most = 0;
        for i in 0..10_000 {
            let key = Blob::from(format!("key:{i}").as_str());
            let waiter = Waiter::new(0, vec![key], KeyType::List.into(), never());
            blocking.register(&waiter);
            blocking.deregister(&waiter);
            most = most.max(blocking.queues.lock().len());
        }
        assert!(most <= 130, "the registry grew to {most} queues");
        let queues = blocking.queues.lock();
        let standing_queue = queues.get(&Slot(0, b"standing")).unwrap();
        assert_eq!(standing_queue.len(), 1, "a queue with a waiter is kept");
        drop(queues);
        blocking.deregister(&standing);
        assert_eq!(blocking.blocked(), 0);
    }
}
