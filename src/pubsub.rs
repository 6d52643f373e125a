//! Publish/subscribe between threads (Redis's `pubsub.c`): the [`PubSub`] handle and the
//! [`Subscription`] a subscriber reads from, on the registry in `keyspace/pubsub.rs`.
//!
//! | Redis | here |
//! |---|---|
//! | `PUBLISH` | [`PubSub::publish`] |
//! | `SUBSCRIBE` / `PSUBSCRIBE` | [`PubSub::subscribe`] / [`PubSub::psubscribe`], then [`Subscription::subscribe`] / [`Subscription::psubscribe`] |
//! | `UNSUBSCRIBE` / `PUNSUBSCRIBE` | [`Subscription::unsubscribe`] / [`Subscription::punsubscribe`], or drop the subscription |
//! | `PUBSUB CHANNELS` / `NUMSUB` / `NUMPAT` | [`PubSub::channels`] / [`PubSub::numsub`] / [`PubSub::numpat`] |
//!
//! A [`Subscription`] is read by a thread ([`recv`](Subscription::recv),
//! [`iter`](Subscription::iter)) or awaited by a task: it is a [`futures_core::Stream`]
//! of its messages, on any async runtime, with the same buffer and cut-off.
//!
//! How a message reaches the subscriptions, and what becomes of one that falls behind,
//! is described in `keyspace/pubsub.rs` ("Delivery" and "Slow subscribers").

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use parking_lot::Mutex;

use crate::core::Core;
use crate::keyspace::pubsub::{Inbox, Kind, Message, Registry};
use crate::{Blob, Result};

/// Publish/subscribe: channels between the threads of a process. From
/// [`Store::pubsub`](crate::Store::pubsub).
///
/// Channels are global to the store (not per database), as in Redis. A message reaches
/// the subscriptions present when it is published; nothing is stored for later ones.
///
/// # Examples
///
/// ```
/// let store = embedis::Store::new();
/// let sub = store.pubsub().subscribe(["chat"]);
/// let publisher = {
///     let store = store.clone();
///     std::thread::spawn(move || store.pubsub().publish("chat", "hello"))
/// };
/// assert_eq!(publisher.join().unwrap()?, 1);
/// assert_eq!(sub.recv()?.payload, "hello");
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PubSub<'s> {
    core: &'s Core,
}

impl<'s> PubSub<'s> {
    pub(crate) fn new(core: &'s Core) -> Self {
        PubSub { core }
    }

    fn registry(self) -> &'s Arc<Registry> {
        &self.core.pubsub
    }

    /// Sends `message` to every subscription to `channel` or to a pattern matching it,
    /// and returns how many received it (`PUBLISH`). Never blocks on a subscriber.
    ///
    /// # Errors
    ///
    /// None yet; the `Result` is the API's convention.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.pubsub().publish("nobody", "hi")?, 0);
    /// let _a = store.pubsub().subscribe(["news"]);
    /// let _b = store.pubsub().psubscribe(["n*"]);
    /// assert_eq!(store.pubsub().publish("news", "hi")?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn publish(&self, channel: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> Result<usize> {
        let payload = Blob::copy_from_slice(message.as_ref());
        Ok(self.registry().publish(channel.as_ref(), &payload))
    }

    /// A subscription to `channels` (`SUBSCRIBE`). Dropping it unsubscribes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["a", "b"]);
    /// store.pubsub().publish("b", "x")?;
    /// assert_eq!(sub.recv()?.channel, "b");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn subscribe<C: AsRef<[u8]>>(&self, channels: impl IntoIterator<Item = C>) -> Subscription {
        let mut sub = Subscription::new(Arc::clone(self.registry()));
        sub.subscribe(channels);
        sub
    }

    /// A subscription to every channel matching one of the glob `patterns`
    /// (`PSUBSCRIBE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().psubscribe(["user:*:login"]);
    /// store.pubsub().publish("user:42:login", "ok")?;
    /// assert_eq!(sub.recv()?.channel, "user:42:login");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn psubscribe<P: AsRef<[u8]>>(
        &self,
        patterns: impl IntoIterator<Item = P>,
    ) -> Subscription {
        let mut sub = Subscription::new(Arc::clone(self.registry()));
        sub.psubscribe(patterns);
        sub
    }

    /// The channels with at least one subscription, optionally only those matching the
    /// glob `pattern` (`PUBSUB CHANNELS`). Pattern subscriptions do not count.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let _s = store.pubsub().subscribe(["news", "sport"]);
    /// assert_eq!(store.pubsub().channels(Some("n*"))?, ["news"]);
    /// assert_eq!(store.pubsub().channels(None::<&str>)?.len(), 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[allow(clippy::needless_pass_by_value)] // `Some("n*")` reads better than a reference
    pub fn channels(&self, pattern: Option<impl AsRef<[u8]>>) -> Result<Vec<Blob>> {
        Ok(self
            .registry()
            .channels(false, pattern.as_ref().map(AsRef::as_ref)))
    }

    /// The number of subscriptions to each of `channels`, pattern subscriptions not
    /// counted (`PUBSUB NUMSUB`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let _a = store.pubsub().subscribe(["news"]);
    /// let _b = store.pubsub().subscribe(["news"]);
    /// assert_eq!(store.pubsub().numsub(["news", "sport"])?, [("news".into(), 2), ("sport".into(), 0)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn numsub<C: AsRef<[u8]>>(
        &self,
        channels: impl IntoIterator<Item = C>,
    ) -> Result<Vec<(Blob, usize)>> {
        Ok(self.registry().numsub(false, channels))
    }

    /// Publishes `message` to the shard channel `channel` (`SPUBLISH`): a namespace of
    /// its own, which pattern subscriptions do not see. Returns how many subscribers
    /// received it.
    ///
    /// # Errors
    ///
    /// None yet; the `Result` is the API's convention.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().ssubscribe(["orders"]);
    /// let _plain = store.pubsub().subscribe(["orders"]);
    /// assert_eq!(store.pubsub().spublish("orders", "new")?, 1);
    /// let m = sub.try_recv()?.unwrap();
    /// assert!(m.sharded);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn spublish(&self, channel: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> Result<usize> {
        let payload = Blob::copy_from_slice(message.as_ref());
        Ok(self.registry().publish_shard(channel.as_ref(), &payload))
    }

    /// A subscription to the shard `channels` (`SSUBSCRIBE`). Dropping it unsubscribes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().ssubscribe(["orders"]);
    /// assert_eq!(sub.shard_channels(), ["orders"]);
    /// ```
    pub fn ssubscribe<C: AsRef<[u8]>>(
        &self,
        channels: impl IntoIterator<Item = C>,
    ) -> Subscription {
        let mut sub = Subscription::new(Arc::clone(self.registry()));
        sub.ssubscribe(channels);
        sub
    }

    /// The shard channels with at least one subscription, optionally only those
    /// matching the glob `pattern` (`PUBSUB SHARDCHANNELS`).
    ///
    /// # Errors
    ///
    /// None yet; the `Result` is the API's convention.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let _s = store.pubsub().ssubscribe(["orders"]);
    /// assert_eq!(store.pubsub().shard_channels(None::<&str>)?, ["orders"]);
    /// assert!(store.pubsub().channels(None::<&str>)?.is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[allow(clippy::needless_pass_by_value)] // as `channels`
    pub fn shard_channels(&self, pattern: Option<impl AsRef<[u8]>>) -> Result<Vec<Blob>> {
        Ok(self
            .registry()
            .channels(true, pattern.as_ref().map(AsRef::as_ref)))
    }

    /// The number of subscriptions to each of the shard `channels`
    /// (`PUBSUB SHARDNUMSUB`).
    ///
    /// # Errors
    ///
    /// None yet; the `Result` is the API's convention.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let _s = store.pubsub().ssubscribe(["orders"]);
    /// assert_eq!(store.pubsub().shard_numsub(["orders"])?, [("orders".into(), 1)]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn shard_numsub<C: AsRef<[u8]>>(
        &self,
        channels: impl IntoIterator<Item = C>,
    ) -> Result<Vec<(Blob, usize)>> {
        Ok(self.registry().numsub(true, channels))
    }

    /// The number of distinct patterns subscribed to (`PUBSUB NUMPAT`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let _a = store.pubsub().psubscribe(["a*", "b*"]);
    /// let _b = store.pubsub().psubscribe(["a*"]);
    /// assert_eq!(store.pubsub().numpat()?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn numpat(&self) -> Result<usize> {
        Ok(self.registry().numpat())
    }
}

/// One subscriber's view of pub/sub: the channels and patterns it listens to, and the
/// messages published to them since, in order. From [`PubSub::subscribe`] or
/// [`PubSub::psubscribe`].
///
/// It owns its place in the store (it can move to another thread and outlive the handle
/// that made it); dropping it unsubscribes from everything. Reads take `&self`, changes
/// to what it listens to `&mut self`.
///
/// In async code it is a [`Stream`] of its messages (see [its impl](#impl-Stream-for-Subscription)):
/// a task awaits the next one without holding a thread, on whichever runtime polls it.
/// Keyspace notifications are messages like any other, so a subscription to
/// `__keyspace@0__:*` is a stream of them.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let store = embedis::Store::new();
/// let mut sub = store.pubsub().subscribe(["a"]);
/// sub.psubscribe(["b.*"]);
/// store.pubsub().publish("a", "1")?;
/// store.pubsub().publish("b.x", "2")?;
/// let got: Vec<_> = sub.iter_pending().map(|m| m.payload).collect();
/// assert_eq!(got, ["1", "2"]);
/// assert_eq!(sub.recv_timeout(Duration::from_millis(10))?, None);
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug)]
pub struct Subscription {
    registry: Arc<Registry>,
    inbox: Arc<Inbox>,
    /// Messages taken from the inbox in one batch, not yet read (its lock is never
    /// contended: only the reader uses it).
    taken: Mutex<VecDeque<Message>>,
    channels: Vec<Blob>,
    patterns: Vec<Blob>,
    shard_channels: Vec<Blob>,
    /// The [`Stream`] returned `None` (it was cut off), for
    /// [`FusedStream::is_terminated`].
    ended: bool,
}

impl Subscription {
    fn new(registry: Arc<Registry>) -> Self {
        Subscription {
            registry,
            inbox: Arc::new(Inbox::default()),
            taken: Mutex::new(VecDeque::new()),
            channels: Vec::new(),
            patterns: Vec::new(),
            shard_channels: Vec::new(),
            ended: false,
        }
    }

    /// Where its messages wait (for `CLIENT KILL` to close).
    pub(crate) fn inbox(&self) -> Arc<Inbox> {
        Arc::clone(&self.inbox)
    }

    /// Also listens to `channels` (`SUBSCRIBE`); those already subscribed are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().subscribe(["a"]);
    /// sub.subscribe(["b", "a"]);
    /// assert_eq!(sub.channels(), ["a", "b"]);
    /// ```
    pub fn subscribe<C: AsRef<[u8]>>(&mut self, channels: impl IntoIterator<Item = C>) {
        self.listen(Kind::Channel, channels);
    }

    /// Also listens to channels matching the glob `patterns` (`PSUBSCRIBE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().subscribe(["a"]);
    /// sub.psubscribe(["x*"]);
    /// assert_eq!(sub.patterns(), ["x*"]);
    /// ```
    pub fn psubscribe<P: AsRef<[u8]>>(&mut self, patterns: impl IntoIterator<Item = P>) {
        self.listen(Kind::Pattern, patterns);
    }

    /// Stops listening to `channels`, or to every channel if `channels` is empty
    /// (`UNSUBSCRIBE`). Messages already received stay readable.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().subscribe(["a", "b"]);
    /// sub.unsubscribe(["a"]);
    /// assert_eq!(store.pubsub().publish("a", "x")?, 0);
    /// sub.unsubscribe(Vec::<&str>::new());
    /// assert!(sub.channels().is_empty());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn unsubscribe<C: AsRef<[u8]>>(&mut self, channels: impl IntoIterator<Item = C>) {
        self.stop(Kind::Channel, channels);
    }

    /// Stops listening to `patterns`, or to every pattern if `patterns` is empty
    /// (`PUNSUBSCRIBE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().psubscribe(["a*"]);
    /// sub.punsubscribe(["a*"]);
    /// assert_eq!(store.pubsub().numpat()?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn punsubscribe<P: AsRef<[u8]>>(&mut self, patterns: impl IntoIterator<Item = P>) {
        self.stop(Kind::Pattern, patterns);
    }

    /// Also listens to the shard `channels` (`SSUBSCRIBE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().subscribe(["a"]);
    /// sub.ssubscribe(["s"]);
    /// assert_eq!((sub.channels(), sub.shard_channels()), (&["a".into()][..], &["s".into()][..]));
    /// ```
    pub fn ssubscribe<C: AsRef<[u8]>>(&mut self, channels: impl IntoIterator<Item = C>) {
        self.listen(Kind::Shard, channels);
    }

    /// Stops listening to the shard `channels`, or to every shard channel if
    /// `channels` is empty (`SUNSUBSCRIBE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut sub = store.pubsub().ssubscribe(["s"]);
    /// sub.sunsubscribe(Vec::<&str>::new());
    /// assert_eq!(store.pubsub().spublish("s", "x")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn sunsubscribe<C: AsRef<[u8]>>(&mut self, channels: impl IntoIterator<Item = C>) {
        self.stop(Kind::Shard, channels);
    }

    fn names(&mut self, kind: Kind) -> &mut Vec<Blob> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// Adds `names` (channels or patterns) to what this subscription listens to.
    fn listen<N: AsRef<[u8]>>(&mut self, kind: Kind, names: impl IntoIterator<Item = N>) {
        let added = self.registry.listen(kind, names, &self.inbox);
        self.names(kind).extend(added);
    }

    /// Removes `names` (all of this kind if none) from what this subscription listens
    /// to.
    fn stop<N: AsRef<[u8]>>(&mut self, kind: Kind, names: impl IntoIterator<Item = N>) {
        let mut names: Vec<Blob> = names
            .into_iter()
            .map(|n| Blob::copy_from_slice(n.as_ref()))
            .collect();
        if names.is_empty() {
            names.clone_from(self.names(kind));
        }
        self.registry.stop(kind, &names, &self.inbox);
        self.names(kind).retain(|n| !names.contains(n));
    }

    /// The channels listened to, in subscription order.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.pubsub().subscribe(["b", "a"]).channels(), ["b", "a"]);
    /// ```
    pub fn channels(&self) -> &[Blob] {
        &self.channels
    }

    /// The patterns listened to, in subscription order.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.pubsub().psubscribe(["p*"]).patterns(), ["p*"]);
    /// ```
    pub fn patterns(&self) -> &[Blob] {
        &self.patterns
    }

    /// The shard channels listened to, in subscription order.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// assert_eq!(store.pubsub().ssubscribe(["s"]).shard_channels(), ["s"]);
    /// ```
    pub fn shard_channels(&self) -> &[Blob] {
        &self.shard_channels
    }

    /// Waits up to `deadline` (`None`: forever) for the next message.
    fn next(&self, deadline: Option<Instant>) -> Result<Option<Message>> {
        let mut taken = self.taken.lock();
        if taken.is_empty() && !self.inbox.wait(&mut taken, deadline)? {
            return Ok(None);
        }
        Ok(taken.pop_front())
    }

    /// The next message, waiting for one as long as it takes.
    ///
    /// **Locking:** sleeps on the subscription's own condition variable; publishers
    /// never wait for it.
    ///
    /// # Errors
    ///
    /// [`Error::SubscriberCutOff`](crate::Error::SubscriberCutOff) once the subscription
    /// fell further behind than its buffer allows (see the [module docs](crate::PubSub)):
    /// the messages it had not read were dropped, and it receives no more.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["jobs"]);
    /// store.pubsub().publish("jobs", "j1")?;
    /// assert_eq!(sub.recv()?.payload, "j1");
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn recv(&self) -> Result<Message> {
        loop {
            // Without a deadline, `next` returns only with a message or an error.
            if let Some(m) = self.next(None)? {
                return Ok(m);
            }
        }
    }

    /// The next message, waiting up to `timeout`; `None` if none came.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["quiet"]);
    /// assert_eq!(sub.recv_timeout(Duration::from_millis(5))?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Message>> {
        // A timeout too long to represent is no timeout.
        self.next(Instant::now().checked_add(timeout))
    }

    /// The next message if one is waiting, without blocking.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["c"]);
    /// assert_eq!(sub.try_recv()?, None);
    /// store.pubsub().publish("c", "m")?;
    /// assert!(sub.try_recv()?.is_some());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn try_recv(&self) -> Result<Option<Message>> {
        let mut taken = self.taken.lock();
        if taken.is_empty() {
            self.inbox.take(&mut taken)?;
        }
        Ok(taken.pop_front())
    }

    /// The messages as they come, waiting for each; ends if the subscription is cut
    /// off.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["c"]);
    /// for i in 0..3 {
    ///     store.pubsub().publish("c", i.to_string())?;
    /// }
    /// let got: Vec<_> = sub.iter().take(3).map(|m| m.payload).collect();
    /// assert_eq!(got, ["0", "1", "2"]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Message> + '_ {
        std::iter::from_fn(|| self.recv().ok())
    }

    /// The messages already waiting, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let sub = store.pubsub().subscribe(["c"]);
    /// store.pubsub().publish("c", "a")?;
    /// assert_eq!(sub.iter_pending().count(), 1);
    /// assert_eq!(sub.iter_pending().count(), 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn iter_pending(&self) -> impl Iterator<Item = Message> + '_ {
        std::iter::from_fn(|| self.try_recv().ok().flatten())
    }
}

/// The messages as they come, to a task: `Poll::Pending` while none is waiting, the task
/// woken by the next one. The same messages, in the same order, as [`recv`] would return.
///
/// The item is a [`Message`], not a `Result`, as in [`iter`]: the only error a read can
/// meet is [`Error::SubscriberCutOff`], which is final, so the stream *ends* (`None`)
/// exactly when the subscription is cut off — after the messages it had already taken
/// — and at no other time. (With no channel left to listen to, it stays pending, as
/// [`recv`] waits.) A task that must tell the cut-off from a deliberate stop can ask
/// [`try_recv`], which then returns the error. Once ended, the stream returns `None` for
/// good, and [`FusedStream::is_terminated`] says so.
///
/// **Locking:** a poll takes the subscription's own inbox lock, briefly; the task's
/// waker is kept under that lock, which publishers take anyway, and woken after it. No
/// thread is started. A subscription dropped while its task waits leaves nothing behind:
/// it unsubscribes, and the waker goes with it.
///
/// [`recv`]: Subscription::recv
/// [`iter`]: Subscription::iter
/// [`try_recv`]: Subscription::try_recv
/// [`Error::SubscriberCutOff`]: crate::Error::SubscriberCutOff
///
/// # Examples
///
/// A task awaits messages another task publishes (with `futures::StreamExt`, the
/// `poll_fn` line is `sub.next().await`):
///
/// ```
/// use std::{future::poll_fn, pin::Pin};
/// use futures_core::Stream;
///
/// let store = embedis::Store::new();
/// let mut sub = store.pubsub().subscribe(["jobs"]);
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let got = runtime.block_on(async move {
///     tokio::spawn(async move { store.pubsub().publish("jobs", "j1") });
///     poll_fn(|cx| Pin::new(&mut sub).poll_next(cx)).await
/// });
/// assert_eq!(got.unwrap().payload, "j1");
/// ```
///
/// A subscriber cut off reads what it had taken, then the stream ends:
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// use std::pin::Pin;
/// use futures_core::{Stream, stream::FusedStream};
///
/// let store = embedis::Store::builder().pubsub_buffer_limit(1024).build();
/// let mut sub = store.pubsub().subscribe(["firehose"]);
/// let mut poll = |sub: &mut embedis::Subscription| {
///     Pin::new(sub).poll_next(&mut Context::from_waker(Waker::noop()))
/// };
/// assert!(poll(&mut sub).is_pending());
/// for _ in 0..100 {
///     store.pubsub().publish("firehose", [0u8; 100])?;
/// }
/// assert_eq!(poll(&mut sub), Poll::Ready(None));
/// assert!(sub.is_terminated());
/// assert_eq!(sub.try_recv(), Err(embedis::Error::SubscriberCutOff));
/// # Ok::<(), embedis::Error>(())
/// ```
impl Stream for Subscription {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let this = self.get_mut();
        let taken = this.taken.get_mut();
        if taken.is_empty() {
            match this.inbox.poll_take(taken, cx.waker()) {
                Ok(true) => {}
                Ok(false) => return Poll::Pending,
                Err(_) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
            }
        }
        Poll::Ready(taken.pop_front())
    }
}

/// The stream ends only when the subscription is cut off, and stays ended.
///
/// # Examples
///
/// ```
/// use futures_core::stream::FusedStream;
/// let store = embedis::Store::new();
/// assert!(!store.pubsub().subscribe(["c"]).is_terminated());
/// ```
impl FusedStream for Subscription {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop(Kind::Channel, Vec::<Blob>::new());
        self.stop(Kind::Pattern, Vec::<Blob>::new());
        self.stop(Kind::Shard, Vec::<Blob>::new());
        // Unsubscribed, so no publisher reaches the inbox any more; but a `CLIENT KILL`
        // entry may hold it still, and with it a task's waker.
        self.inbox.forget_waker();
    }
}
