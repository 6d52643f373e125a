//! Blocking calls as futures: [`Blocked`], the async side of the same hand-off.
//!
//! A future tries its keys when first polled, as the blocking call would; if it finds
//! nothing it joins the keys' queues as a [`Waiter`] whose waker stands where a thread
//! would park, and returns `Pending`. Serving it is the same code as serving a thread:
//! the pusher pops *for* it, under its lock, and wakes the task. So the order is the
//! threads' (first come, first served, whichever kind waits) and each element goes to
//! exactly one waiter.
//!
//! # Cancel-safety
//!
//! Dropping a future that waits takes it out of the queues; nothing was taken for it.
//! Dropping one that was served but not polled since — the element popped for it, the
//! task not yet run — gives the element back through the call's *undo*: pushed back
//! where it was popped from (a list's end, a sorted set's member and score), so the
//! next waiter is served it. Nothing is lost and nothing is delivered twice.
//!
//! # Timeouts
//!
//! A timeout is a deadline on the sweeper's timer list (see `expiry.rs`): the sweeper
//! wakes the task once it has passed, and the next poll ends the call. No runtime's
//! timer is used, so any executor can poll these futures.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::{Attempt, Blocking, CancelToken, Ending, Served, State, Wait, Waiter};
use crate::keyspace::expiry::TimerKey;
use crate::keyspace::{Access, Keyspace};
use crate::{Blob, Result};

/// What gives back what was taken for a future dropped before it saw it.
pub(crate) type Undo = dyn Fn(Access<'_>, &Served) -> Result<()> + Send + Sync;

/// A blocking call run as a future: `Blocking::run`'s steps, one poll at a time.
pub(crate) struct Call<'a> {
    ks: &'a Keyspace,
    db: usize,
    keys: Vec<Blob>,
    timeout: Option<Duration>,
    cancel: Option<CancelToken>,
    undo: Option<Box<Undo>>,
    phase: Phase,
}

enum Phase {
    /// Not polled yet.
    Start { wait: Wait, attempt: Box<Attempt> },
    /// Run already (inside a transaction, where it cannot wait), not yet seen.
    Ready(Result<Option<Served>>),
    /// Queued, with its deadline and the timer that wakes it then.
    Waiting {
        waiter: Arc<Waiter>,
        deadline: Option<Instant>,
        timer: Option<TimerKey>,
    },
    /// Over: its outcome was returned.
    Done,
}

impl<'a> Call<'a> {
    /// A call of `attempt` on `keys` of `db`, waiting for a `wait` up to `timeout`.
    #[allow(clippy::too_many_arguments)]
    fn new(
        ks: &'a Keyspace,
        db: usize,
        keys: Vec<Blob>,
        wait: Wait,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        attempt: Box<Attempt>,
        undo: Option<Box<Undo>>,
    ) -> Self {
        Call {
            ks,
            db,
            keys,
            timeout,
            cancel: cancel.cloned(),
            undo,
            phase: Phase::Start { wait, attempt },
        }
    }

    fn blocking(&self) -> &'a Blocking {
        self.ks.blocking()
    }

    /// Runs the call on this thread, blocking it (the synchronous path).
    fn wait(mut self) -> Result<Option<Served>> {
        let (wait, attempt) = match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start { wait, attempt } => (wait, attempt),
            Phase::Ready(outcome) => return outcome,
            _ => unreachable!("a call is waited for before it is polled, or not at all"),
        };
        let keys: Vec<&[u8]> = self.keys.iter().map(|k| &k[..]).collect();
        self.blocking().run(
            self.ks.access(),
            self.db,
            &keys,
            wait,
            self.timeout,
            self.cancel.as_ref(),
            attempt,
        )
    }

    /// The first poll: the keys tried in order; if none yields, the call joins their
    /// queues. `Some` if it is over.
    fn start(&mut self) -> Option<Result<Option<Served>>> {
        if let Phase::Ready(_) = self.phase {
            let Phase::Ready(outcome) = std::mem::replace(&mut self.phase, Phase::Done) else {
                unreachable!("matched above")
            };
            return Some(outcome);
        }
        if !matches!(self.phase, Phase::Start { .. }) {
            return None;
        }
        let Phase::Start { wait, attempt } = std::mem::replace(&mut self.phase, Phase::Done) else {
            unreachable!("matched above")
        };
        if let Some(now) = Blocking::try_now(
            self.ks.access(),
            &self.keys,
            self.cancel.as_ref(),
            &*attempt,
        ) {
            return Some(now);
        }
        let keys = std::mem::take(&mut self.keys);
        let waiter =
            self.blocking()
                .join(self.ks, self.db, keys, wait, attempt, self.cancel.as_ref());
        // A timeout too long to represent is no timeout.
        let deadline = self.timeout.and_then(|t| Instant::now().checked_add(t));
        self.phase = Phase::Waiting {
            waiter,
            deadline,
            timer: None,
        };
        None
    }

    /// Ends the wait with `outcome`.
    fn finish(&mut self, outcome: Result<Result<Served>, Ending>) -> Result<Option<Served>> {
        let Phase::Waiting { waiter, timer, .. } = std::mem::replace(&mut self.phase, Phase::Done)
        else {
            unreachable!("only a waiting call finishes")
        };
        if let Some(key) = timer {
            self.ks.schedule().cancel_timer(key);
        }
        self.blocking()
            .finish(self.ks, &waiter, self.cancel.as_ref(), outcome)
    }
}

impl Future for Call<'_> {
    type Output = Result<Option<Served>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(now) = this.start() {
            return Poll::Ready(now);
        }
        let Phase::Waiting {
            waiter,
            deadline,
            timer,
        } = &mut this.phase
        else {
            panic!("a blocking call polled after it was over");
        };
        let mut state = waiter.state.lock();
        let ending = match std::mem::replace(&mut *state, State::Done) {
            State::Served(result) => Ok(result),
            State::Done => unreachable!("only the call leaves a served state"),
            State::Waiting if this.cancel.as_ref().is_some_and(CancelToken::is_cancelled) => {
                Err(Ending::Cancelled)
            }
            State::Waiting if deadline.is_some_and(|d| Instant::now() >= d) => {
                Err(Ending::TimedOut)
            }
            State::Waiting => {
                *state = State::Waiting;
                let mut slot = waiter.waker.lock();
                if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *slot = Some(cx.waker().clone());
                }
                drop(slot);
                drop(state);
                if let Some(at) = *deadline {
                    *timer = Some(this.ks.schedule().set_timer(at, *timer, cx.waker()));
                }
                return Poll::Pending;
            }
        };
        drop(state);
        Poll::Ready(this.finish(ending))
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        let taken = match &mut self.phase {
            Phase::Waiting { waiter, .. } => {
                // Leave the queues first (so what is given back is not served to us
                // again), then give back what was taken for us and not seen.
                let taken = match std::mem::replace(&mut *waiter.state.lock(), State::Done) {
                    State::Served(Ok(served)) => Some(served),
                    _ => None,
                };
                let _ = self.finish(Err(Ending::Cancelled));
                taken
            }
            // Run inside a transaction, as the call would have run there: what it took
            // is the transaction's (given back, it would come back twice on a rollback).
            Phase::Ready(_) | Phase::Start { .. } | Phase::Done => None,
        };
        if let (Some(served), Some(undo)) = (taken, self.undo.take()) {
            self.blocking().give_back(self.ks, undo, served);
        }
    }
}

/// A blocking command as a future: [`Lists::blpop_async`](crate::Lists::blpop_async)
/// and its siblings. It resolves to what the blocking call returns (`Ok(None)` on
/// timeout, [`Error::Unblocked`](crate::Error::Unblocked) when cancelled).
///
/// A pop or a move does nothing until the future is first polled: then it tries its
/// keys, and if they are empty it waits in their queues — first come, first served,
/// with the threads that wait there too — holding no lock and no thread. (The stream
/// reads, `xread_block_async` and `xreadgroup_block_async`, read once when made, as the
/// command's first read; and inside a transaction, where nothing can arrive, a call runs
/// at once.) Any executor can poll it (tokio, smol, a hand-written `block_on`); its
/// timeout is kept by the store's own sweeper thread.
///
/// **Cancel-safe:** dropping it — a `select!` that took another branch, a runtime's
/// timeout — never loses or duplicates an element. If an element was popped for it but
/// not yet seen, it is pushed back where it came from (a list's end; a sorted set's
/// member with its score; for [`blmove_async`](crate::Lists::blmove_async), moved back
/// if it is still at the destination's end), so the next waiter gets it. Dropped while
/// its thread holds the store, it gives back once the thread lets go: when the
/// transaction ends, or at the thread's next write after a zero-copy read's closure.
/// (A call *made* inside a transaction has run there, as the blocking call would: what
/// it took is the transaction's, polled or not.) Entries read through a consumer group
/// stay in the consumer's pending list, as for any read — but for a `NOACK` read, which
/// keeps none. The one loss is the one any write over the key would cause: if the key
/// was replaced by a value of another type in between, the element is not pushed into
/// it.
///
/// # Examples
///
/// ```
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     struct W(std::thread::Thread);
/// #     impl std::task::Wake for W { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
/// #     let waker = std::sync::Arc::new(W(std::thread::current())).into();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
/// #         std::thread::park();
/// #     }
/// # }
/// use std::time::Duration;
/// let store = embedis::Store::new();
/// let producer = {
///     let store = store.clone();
///     std::thread::spawn(move || {
///         while store.blocked_clients() == 0 {
///             std::thread::yield_now();
///         }
///         store.lists().rpush("jobs", ["job-1"])
///     })
/// };
/// // Any executor: here, a minimal `block_on`.
/// let got = block_on(store.lists().blpop_async(["jobs"], None))?;
/// assert_eq!(got, Some(("jobs".into(), "job-1".into())));
/// producer.join().unwrap()?;
/// // A timeout ends it with `None`.
/// let none = block_on(store.lists().blpop_async(["jobs"], Some(Duration::from_millis(20))))?;
/// assert_eq!(none, None);
/// # Ok::<(), embedis::Error>(())
/// ```
#[must_use = "a blocking call waits, and hands over what it took, only when polled"]
pub struct Blocked<'a, T> {
    inner: Inner<'a, T>,
}

// The call is the common variant, and a future is kept where it is made: boxing it
// would cost an allocation a call to save bytes in the rare `Ready`.
#[allow(clippy::large_enum_variant)]
enum Inner<'a, T> {
    /// Known when made (inside a transaction; a read found entries at once).
    Ready(Option<Result<T>>),
    /// A call, and what turns its outcome into `T`.
    Call(Call<'a>, Option<Map<'a, T>>),
}

// Nothing in a `Blocked` is pinned in place: `T` is only ever moved out whole.
impl<T> Unpin for Blocked<'_, T> {}

/// What turns a call's outcome into the future's.
type Map<'a, T> = Box<dyn FnOnce(Result<Option<Served>>) -> Result<T> + Send + Sync + 'a>;

impl<T> fmt::Debug for Blocked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.inner {
            Inner::Ready(Some(_)) => "ready",
            Inner::Ready(None) => "done",
            Inner::Call(c, _) => match c.phase {
                Phase::Start { .. } => "not polled",
                Phase::Ready(_) => "ready",
                Phase::Waiting { .. } => "waiting",
                Phase::Done => "done",
            },
        };
        f.debug_struct("Blocked").field("state", &state).finish()
    }
}

impl<'a, T> Blocked<'a, T> {
    /// A blocking call of `attempt` on `keys` of `db` through `access`, waiting for a
    /// `wait` up to `timeout`, its outcome turned into `T` by `map`. Inside a
    /// transaction it runs now (it cannot wait there), and the future is ready.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call(
        access: Access<'a>,
        db: usize,
        keys: Vec<Blob>,
        wait: impl Into<Wait>,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        attempt: Box<Attempt>,
        undo: Option<Box<Undo>>,
        map: impl FnOnce(Option<Served>) -> T + Send + Sync + 'a,
    ) -> Self {
        let ks = access.keyspace();
        let mut call = Call::new(ks, db, keys, wait.into(), timeout, cancel, attempt, undo);
        if access.in_transaction() {
            // It cannot wait there: it runs now, through the transaction's shards, as
            // the blocking call would; its outcome is the transaction's.
            let refs: Vec<&[u8]> = call.keys.iter().map(|k| &k[..]).collect();
            let Phase::Start { wait, attempt } = std::mem::replace(&mut call.phase, Phase::Done)
            else {
                unreachable!("a new call has not started")
            };
            let now = ks
                .blocking()
                .run(access, db, &refs, wait, timeout, cancel, attempt);
            call.phase = Phase::Ready(now);
        }
        Blocked {
            inner: Inner::Call(call, Some(Box::new(move |outcome| outcome.map(map)))),
        }
    }

    /// An outcome known already.
    pub(crate) fn ready(outcome: Result<T>) -> Self {
        Blocked {
            inner: Inner::Ready(Some(outcome)),
        }
    }

    /// The same call, with `f` applied to its value.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U + Send + Sync + 'a) -> Blocked<'a, U>
    where
        T: 'a,
    {
        self.then(|r| r.map(f))
    }

    /// The same call, with `f` applied to its outcome (an error included).
    pub(crate) fn then<U>(
        self,
        f: impl FnOnce(Result<T>) -> Result<U> + Send + Sync + 'a,
    ) -> Blocked<'a, U>
    where
        T: 'a,
    {
        let mut this = self;
        match std::mem::replace(&mut this.inner, Inner::Ready(None)) {
            Inner::Ready(r) => Blocked {
                inner: Inner::Ready(r.map(f)),
            },
            Inner::Call(call, map) => {
                let map = map.expect("a call not yet over has its map");
                Blocked {
                    inner: Inner::Call(call, Some(Box::new(move |s| f(map(s))))),
                }
            }
        }
    }

    /// Runs the call on this thread, blocking it until it is over.
    pub(crate) fn wait(self) -> Result<T> {
        let mut this = self;
        match std::mem::replace(&mut this.inner, Inner::Ready(None)) {
            Inner::Ready(r) => r.expect("a ready call is waited for once"),
            Inner::Call(call, map) => {
                let map = map.expect("a call not yet over has its map");
                map(call.wait())
            }
        }
    }
}

impl<T> Future for Blocked<'_, T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        match &mut self.get_mut().inner {
            Inner::Ready(r) => {
                Poll::Ready(r.take().expect("a blocking call polled after it was over"))
            }
            Inner::Call(call, map) => match Pin::new(call).poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(outcome) => {
                    let map = map
                        .take()
                        .expect("a blocking call polled after it was over");
                    Poll::Ready(map(outcome))
                }
            },
        }
    }
}
