//! [`Connection`]: one caller's session, as Redis keeps a client (`networking.c`,
//! `multi.c`, `pubsub.c`).

mod client;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;

use super::parse::{db_index, is};
use super::table::{self, Command};
use super::{Ctx, Reply, c_str, error, reply_error, unknown_subcommand};
use crate::core::Client;
use crate::keyspace::Access;
use crate::transaction::{self, Span, Whole};
use crate::{CancelToken, Error, Message, Store, Subscription, Watch};

/// A transaction being queued (`MULTI`).
#[derive(Default)]
struct Multi {
    queue: Vec<Vec<Bytes>>,
    /// The queued arguments' bytes, and a pointer's for each (`multi-mem`).
    memory: usize,
    /// A command was refused while queuing: `EXEC` will abort.
    dirty: bool,
}

/// Which replies a connection is sent (`CLIENT REPLY`).
#[derive(Default)]
struct Replies {
    /// `OFF`: none.
    off: bool,
    /// Not this command's (the one after `SKIP`).
    skip: bool,
    /// Not the next command's (`SKIP` was just run).
    skip_next: bool,
}

/// One caller's session with the store, as a Redis client has with a server: the
/// selected database, a `MULTI` queue, `WATCH`ed keys, subscriptions and the protocol
/// version (RESP2 until `HELLO 3`). From [`Store::connection`](crate::Store::connection).
///
/// [`execute`](Self::execute) runs any command as a client would send it. Blocking
/// commands (`BLPOP` & co.) block the calling thread; another thread can wake it with
/// `CLIENT UNBLOCK <id>`. After `SUBSCRIBE`, messages are read with
/// [`next_push`](Self::next_push).
///
/// # Examples
///
/// ```
/// use embedis::{Reply, Store};
/// let store = Store::new();
/// let mut conn = store.connection();
/// assert_eq!(conn.execute(&["SET", "page", "<html>", "EX", "10"]), Reply::ok());
/// assert_eq!(conn.execute(&["TTL", "page"]), Reply::Integer(10));
/// assert_eq!(conn.execute(&["MULTI"]), Reply::ok());
/// assert_eq!(conn.execute(&["INCR", "hits"]), Reply::Simple("QUEUED".into()));
/// assert_eq!(conn.execute(&["EXEC"]), Reply::Array(vec![Reply::Integer(1)]));
/// // The typed API sees the same data.
/// assert_eq!(store.strings().get("hits")?.unwrap(), "1");
/// # Ok::<(), embedis::Error>(())
/// ```
pub struct Connection {
    store: Store,
    db: usize,
    resp3: bool,
    multi: Option<Multi>,
    watches: Vec<Watch>,
    subscription: Option<Subscription>,
    /// Replies pushed but not read yet (`SUBSCRIBE a b` confirms `b` here).
    pushes: VecDeque<Reply>,
    client: Arc<Client>,
    /// While an `EXEC` runs: the `CLIENT UNBLOCK`s to carry out once it is done.
    deferred_cancels: Option<Vec<CancelToken>>,
    replies: Replies,
    /// A command ran that may have changed what `CLIENT LIST` shows of the connection
    /// (a connection command, or one queued by `MULTI`).
    state_changed: bool,
    /// Run by an async caller: a blocking command that passed the checks is left here
    /// for it to await, instead of blocking the thread.
    deferring: bool,
    deferred: Option<(&'static Command, table::Handler)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.client.id)
            .field("db", &self.db)
            .field("resp3", &self.resp3)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A new [`Connection`] to this store, on database 0, speaking RESP2.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut conn = store.connection();
    /// assert_eq!(conn.execute(&["PING"]), embedis::Reply::Simple("PONG".into()));
    /// ```
    pub fn connection(&self) -> Connection {
        Connection {
            store: self.clone(),
            db: 0,
            resp3: false,
            multi: None,
            watches: Vec::new(),
            subscription: None,
            pushes: VecDeque::new(),
            client: self.core.clients.register(self.keyspace().now()),
            deferred_cancels: None,
            replies: Replies::default(),
            state_changed: false,
            deferring: false,
            deferred: None,
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.store.core.clients.deregister(self.client.id);
    }
}

/// Marks a client neither blocked nor running a command once dropped.
#[cfg(feature = "redis-rs")]
struct Unblock(Arc<Client>);

#[cfg(feature = "redis-rs")]
impl Drop for Unblock {
    fn drop(&mut self) {
        *self.0.blocked.lock() = None;
        let s = &self.0.shown;
        s.running.store(0, Ordering::Relaxed);
        s.running_args.store(0, Ordering::Relaxed);
        s.buffered.store(0, Ordering::Relaxed);
    }
}

/// Redis's reply to an unknown command: the name and up to 128 bytes of arguments.
/// (Each as C's `%.*s` prints it: cut at a NUL byte.)
fn unknown_command(args: &[&[u8]]) -> Reply {
    let mut shown = Vec::new();
    for a in &args[1..] {
        if shown.len() >= 128 {
            break;
        }
        let a = c_str(a);
        let a = &a[..a.len().min(128 - shown.len())];
        shown.extend_from_slice(&[b"'".as_slice(), a, b"' "].concat());
    }
    let name = c_str(args[0]);
    reply_error(&[
        b"ERR unknown command '",
        &name[..name.len().min(128)],
        b"', with args beginning with: ",
        &shown,
    ])
}

impl Connection {
    /// Runs one command, given as a client sends it (the name in any case, then the
    /// arguments), and returns its reply — `Reply::Error` with Redis's text when it
    /// fails. In RESP2 (the default) replies use RESP2's types only; `HELLO 3`
    /// switches to RESP3's maps, sets, doubles and booleans.
    ///
    /// After `CLIENT REPLY OFF` (or `SKIP`, for the next command) the reply is
    /// [`Reply::NoReply`]. A connection closed by `CLIENT KILL` answers its next
    /// command with an error, without running it, and is then new again (a new id,
    /// database 0, no transaction or subscription), as a client that reconnects.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{Reply, Store};
    /// let mut conn = Store::new().connection();
    /// conn.execute(&["ZADD", "board", "31", "ann", "12", "bob"]);
    /// assert_eq!(
    ///     conn.execute(&["ZRANGE", "board", "0", "-1", "WITHSCORES"]),
    ///     Reply::Array(vec!["bob".into(), "12".into(), "ann".into(), "31".into()]),
    /// );
    /// assert_eq!(
    ///     conn.execute(&["LPUSH", "board", "x"]).to_string(),
    ///     "(error) WRONGTYPE Operation against a key holding the wrong kind of value",
    /// );
    /// assert_eq!(
    ///     conn.execute(&["GET"]),
    ///     Reply::Error("ERR wrong number of arguments for 'get' command".into()),
    /// );
    /// ```
    pub fn execute<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        if self.client.killed.load(Ordering::Acquire) {
            return self.reconnect();
        }
        let args: Vec<&[u8]> = args.iter().map(AsRef::as_ref).collect();
        let reply = self.dispatch(&args);
        self.answer(reply)
    }

    /// [`execute`](Self::execute) for an async caller: a blocking command (`BLPOP`,
    /// `XREAD … BLOCK`, …) waits as a future, holding no thread, instead of blocking
    /// this one.
    #[cfg(feature = "redis-rs")]
    pub(crate) async fn execute_async(&mut self, args: &[&[u8]]) -> Reply {
        if self.client.killed.load(Ordering::Acquire) {
            return self.reconnect();
        }
        self.deferring = true;
        let reply = self.dispatch(args);
        self.deferring = false;
        let reply = match self.deferred.take() {
            Some((cmd, handler)) => self.run_blocking_async(cmd, handler, args).await,
            None => reply,
        };
        self.answer(reply)
    }

    /// The reply a command's outcome makes, as `CLIENT REPLY` and the protocol have it.
    fn answer(&mut self, reply: Reply) -> Reply {
        self.show();
        // `CLIENT REPLY`: `resetClient`'s order — this command's reply is silenced by
        // `OFF` or a `SKIP` before it; a `SKIP` now silences the next one.
        let silenced = self.replies.off || self.replies.skip;
        self.replies.skip = std::mem::take(&mut self.replies.skip_next);
        if silenced {
            Reply::NoReply
        } else if self.resp3 {
            reply.into_resp3()
        } else {
            reply.into_resp2()
        }
    }

    /// A connection closed by `CLIENT KILL` starts afresh, and the command it was
    /// given fails (a client sees its connection closed).
    fn reconnect(&mut self) -> Reply {
        *self = self.store.connection();
        error("ERR Connection closed by CLIENT KILL")
    }

    /// Whether a command may change data, as `CLIENT PAUSE WRITE` judges (Redis's
    /// `write` or `may_replicate` flags; for `EXEC`, any queued command's).
    fn may_write(&self, cmd: &Command, spec: Option<&table::spec::Spec>) -> bool {
        let flags =
            |name: &str| table::spec::find(name.as_bytes()).map_or(0, table::spec::Spec::flags);
        let writes = table::spec::F_WRITE | table::spec::F_MAY_REPLICATE;
        if cmd.name == "exec" {
            return self.multi.as_ref().is_some_and(|m| {
                m.queue
                    .iter()
                    .any(|q| table::lookup(&q[0]).is_some_and(|c| flags(c.name) & writes != 0))
            });
        }
        spec.map_or_else(|| flags(cmd.name), table::spec::Spec::flags) & writes != 0
    }

    /// Notes for `CLIENT LIST` the command arriving: its code (see
    /// [`table::command_code`]; 0: unknown) and the time.
    fn note(&self, code: u32) {
        let s = &self.client.shown;
        s.last_command.store(code, Ordering::Relaxed);
        let now = self.store.keyspace().coarse_now();
        s.last_interaction.store(now, Ordering::Relaxed);
    }

    /// Notes for `CLIENT LIST` the size of a command that can be seen running (one
    /// that lists clients, blocks, or waits on a pause): in RESP, and its arguments'
    /// bytes. Other commands are over before anyone could look.
    fn note_size(&self, args: &[&[u8]]) {
        fn resp_len(n: usize) -> usize {
            n.checked_ilog10().map_or(1, |d| d as usize + 1) + 3
        }
        let bytes: usize = args.iter().map(|a| a.len()).sum();
        let framing: usize = args.iter().map(|a| resp_len(a.len()) + 2).sum();
        let s = &self.client.shown;
        s.running
            .store(resp_len(args.len()) + framing + bytes, Ordering::Relaxed);
        s.running_args.store(bytes, Ordering::Relaxed);
    }

    /// Publishes this connection's state for `CLIENT LIST` once a command ran: what a
    /// connection command or `MULTI` changed, and the end of a running command.
    fn show(&mut self) {
        let s = &self.client.shown;
        if s.running.load(Ordering::Relaxed) != 0 {
            s.running.store(0, Ordering::Relaxed);
            s.running_args.store(0, Ordering::Relaxed);
            s.buffered.store(0, Ordering::Relaxed);
        }
        if !std::mem::take(&mut self.state_changed) {
            return;
        }
        s.db.store(self.db, Ordering::Relaxed);
        s.resp3.store(self.resp3, Ordering::Relaxed);
        let subs = self.subscription.as_ref().map_or([0; 3], |s| {
            [
                s.channels().len(),
                s.patterns().len(),
                s.shard_channels().len(),
            ]
        });
        for (shown, n) in s.subscriptions.iter().zip(subs) {
            shown.store(n, Ordering::Relaxed);
        }
        let (queued, memory) = self
            .multi
            .as_ref()
            .map_or((0, 0), |m| (m.queue.len() + 1, m.memory));
        s.multi.store(queued, Ordering::Relaxed);
        s.multi_memory.store(memory, Ordering::Relaxed);
        if s.watching.load(Ordering::Relaxed) != self.watches.len() {
            *s.watched.lock() = self.watches.iter().map(Watch::changed_flag).collect();
            s.watching.store(self.watches.len(), Ordering::Relaxed);
        }
    }

    /// The next pushed reply — a subscription's confirmation or message, as
    /// `["message", channel, payload]` or `["pmessage", pattern, channel, payload]` —
    /// waiting up to `timeout`; `None` if none came. After `CLIENT REPLY OFF`, what
    /// arrives is dropped and this is `None`; after `CLIENT KILL`, it is the error a
    /// closed connection gives, once (see [`execute`](Self::execute)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use embedis::{Reply, Store};
    /// let store = Store::new();
    /// let mut conn = store.connection();
    /// conn.execute(&["SUBSCRIBE", "news"]);
    /// store.pubsub().publish("news", "hello")?;
    /// assert_eq!(
    ///     conn.next_push(Duration::from_secs(1)),
    ///     Some(Reply::Array(vec!["message".into(), "news".into(), "hello".into()])),
    /// );
    /// assert_eq!(conn.next_push(Duration::ZERO), None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn next_push(&mut self, timeout: Duration) -> Option<Reply> {
        if self.client.killed.load(Ordering::Acquire) {
            return Some(self.reconnect());
        }
        if self.replies.off {
            // Nothing is sent: what arrives is dropped.
            self.pushes.clear();
            if let Some(sub) = &self.subscription {
                while let Ok(Some(_)) = sub.try_recv() {}
            }
            return None;
        }
        let reply = if let Some(r) = self.pushes.pop_front() {
            r
        } else {
            let sub = self.subscription.as_ref()?;
            let got = sub.recv_timeout(timeout);
            if self.client.killed.load(Ordering::Acquire) {
                // Killed while it waited (the kill closed the inbox, which woke it).
                return Some(self.reconnect());
            }
            match got {
                Ok(m) => message_reply(m?),
                Err(e) => e.into(),
            }
        };
        Some(if self.resp3 {
            reply
        } else {
            reply.into_resp2()
        })
    }

    /// The store this connection talks to.
    #[cfg(feature = "redis-rs")]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Whether it speaks RESP3 (`HELLO 3`).
    #[cfg(feature = "redis-rs")]
    pub(crate) fn resp3(&self) -> bool {
        self.resp3
    }

    /// Its name (`CLIENT SETNAME`).
    #[cfg(feature = "redis-rs")]
    pub(crate) fn client_name(&self) -> Option<Bytes> {
        self.client.name.lock().clone()
    }

    /// This connection's id (`CLIENT ID`), which `CLIENT UNBLOCK` takes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let mut conn = store.connection();
    /// let id = conn.id() as i64;
    /// assert_eq!(conn.execute(&["CLIENT", "ID"]), embedis::Reply::Integer(id));
    /// ```
    pub fn id(&self) -> u64 {
        self.client.id
    }

    /// The selected database (`SELECT`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut conn = embedis::Store::new().connection();
    /// conn.execute(&["SELECT", "3"]);
    /// assert_eq!(conn.db(), 3);
    /// ```
    pub fn db(&self) -> usize {
        self.db
    }

    fn dispatch(&mut self, args: &[&[u8]]) -> Reply {
        if args.is_empty() {
            return error("ERR empty command");
        }
        // The checks of Redis's `processCommand`, in its order. Each refusal dirties a
        // transaction being queued.
        let Some(cmd) = table::lookup(args[0]) else {
            self.note(0);
            return self.reject(None, unknown_command(args));
        };
        let mut spec = None;
        if let (Some(subs), Some(sub)) = (table::subcommands(cmd.name), args.get(1)) {
            spec = subs
                .iter()
                .any(|n| is(sub, n))
                .then(|| table::spec::find(cmd.name.as_bytes())?.sub(sub))
                .flatten();
            if spec.is_none() {
                self.note(0);
                let reply = unknown_subcommand(sub, &cmd.name.to_ascii_uppercase());
                return self.reject(Some(cmd), reply);
            }
        }
        let (name, arity) = spec.map_or((cmd.name, cmd.arity), |s| (s.name, s.arity));
        self.note(table::command_code(cmd, spec));
        self.state_changed |= cmd.has(table::CONN) || self.multi.is_some();
        if matches!(cmd.name, "client" | "exec") || cmd.has(table::BLOCKING) {
            self.note_size(args);
        }
        if !table::arity_ok(arity, args.len()) {
            return self.reject(Some(cmd), arity_error(name));
        }
        if self.multi.is_some() && cmd.has(table::NO_MULTI) {
            return self.reject(
                Some(cmd),
                error("ERR Command not allowed inside a transaction"),
            );
        }
        // Cluster mode: keys of more than one slot are refused (`getNodeByQuery`); for
        // `EXEC`, those of the whole queue, and the transaction is discarded.
        if self.store.keyspace().cluster()
            && let Err(e) = self.check_slots(cmd, args)
        {
            if cmd.name == "exec" {
                self.multi = None;
                self.watches.clear();
            } else if let Some(m) = &mut self.multi {
                m.dirty = true;
            }
            return e.into();
        }
        // Over the memory limit, a command that may grow memory first makes room, or is
        // refused (and dirties a transaction being queued), as in Redis.
        let denyoom = spec.map_or(cmd.has(table::DENYOOM), |s| {
            s.flags() & table::spec::F_DENYOOM != 0
        });
        if denyoom && let Err(e) = self.store.access().admit() {
            return self.reject(Some(cmd), e.into());
        }
        if !self.resp3 && self.subscribed() && !cmd.has(table::SUB_OK) {
            // The command's full name: `pubsub|channels` for a subcommand.
            return self.reject(Some(cmd), error(format!(
                "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            )));
        }
        // `CLIENT PAUSE`: every command waits, or (`WRITE`) those that may change data.
        self.store.core.clients.wait_while_paused(&self.client, || {
            self.note_size(args);
            self.may_write(cmd, spec)
        });
        if self.client.killed.load(Ordering::Acquire) {
            // Killed while its command waited: the command is not run.
            return self.reconnect();
        }
        // A script running past the busy threshold: commands that may not run then are
        // answered `BUSY`; before the threshold they wait for it, as Redis's queue does.
        #[cfg(feature = "scripting")]
        {
            // One load when no script runs; the command's flags are looked up only then.
            let run_state = self.store.core.scripting.run_state();
            if run_state.active()
                && spec
                    .or_else(|| table::spec::find(cmd.name.as_bytes()))
                    .is_none_or(|s| s.flags() & table::spec::F_ALLOW_BUSY == 0)
                && let Some(eval) = run_state.wait_busy()
            {
                return self.reject(Some(cmd), super::scripting::busy_error(eval));
            }
        }
        if let Some(multi) = &mut self.multi
            && !cmd.has(table::NO_QUEUE)
        {
            let bytes: usize = args.iter().map(|a| a.len()).sum();
            multi.memory += bytes + args.len() * std::mem::size_of::<usize>();
            multi
                .queue
                .push(args.iter().map(|a| Bytes::copy_from_slice(a)).collect());
            return Reply::Simple("QUEUED".into());
        }
        self.run(cmd, args)
    }

    /// In cluster mode, [`Error::CrossSlot`] unless the keys of the command — of every
    /// queued command, for `EXEC` in a transaction — hash to one slot.
    fn check_slots(&self, cmd: &Command, args: &[&[u8]]) -> Result<(), Error> {
        if cmd.name != "exec" {
            return crate::slot::common_slot(table::cluster_keys(cmd, args)).map(drop);
        }
        let Some(multi) = &self.multi else {
            return Ok(());
        };
        let mut keys = Vec::new();
        for queued in &multi.queue {
            let args: Vec<&[u8]> = queued.iter().map(Bytes::as_ref).collect();
            if let Some(cmd) = table::lookup(args[0]) {
                keys.extend(
                    table::cluster_keys(cmd, &args)
                        .into_iter()
                        .map(<[u8]>::to_vec),
                );
            }
        }
        crate::slot::common_slot(keys.iter().map(Vec::as_slice)).map(drop)
    }

    /// A command refused before it runs (`rejectCommand`): a transaction being queued
    /// is dirtied, and a refused `EXEC` discards the transaction (and the watches) with
    /// `EXECABORT` (`execCommandAbort`).
    fn reject(&mut self, cmd: Option<&Command>, reply: Reply) -> Reply {
        if let Some(m) = &mut self.multi {
            m.dirty = true;
        }
        match (cmd, reply) {
            (Some(cmd), Reply::Error(e)) if cmd.name == "exec" => {
                self.multi = None;
                self.watches.clear();
                let e = e.strip_prefix(b"ERR ".as_slice()).unwrap_or(&e);
                Reply::Error(
                    [
                        b"EXECABORT Transaction discarded because of: ".as_slice(),
                        e,
                    ]
                    .concat()
                    .into(),
                )
            }
            (_, reply) => reply,
        }
    }

    fn subscribed(&self) -> bool {
        self.subscription.as_ref().is_some_and(|s| {
            !s.channels().is_empty() || !s.patterns().is_empty() || !s.shard_channels().is_empty()
        })
    }

    /// Runs a command that passed the checks, outside any queue.
    fn run(&mut self, cmd: &'static Command, args: &[&[u8]]) -> Reply {
        self.store.keyspace().stats().command();
        match cmd.run {
            Some(handler) => {
                if cmd.name == "ping" && args.len() <= 2 && self.subscribed() && !self.resp3 {
                    let msg = args.get(1).map_or(Reply::from(""), |m| Reply::from(*m));
                    return Reply::Array(vec![Reply::from("pong"), msg]);
                }
                if cmd.has(table::BLOCKING) {
                    if self.deferring {
                        self.deferred = Some((cmd, handler));
                        return Reply::NoReply;
                    }
                    return self.run_blocking(cmd, handler, args);
                }
                let ctx = Ctx {
                    store: &self.store,
                    access: self.store.access(),
                    db: self.db,
                    resp3: self.resp3,
                    cancel: None,
                    script: false,
                    park: None,
                };
                handler(&ctx, args).unwrap_or_else(Reply::from)
            }
            None if cmd.has(table::SCRIPTING) => self.run_script(cmd, args, self.store.access()),
            None => self.connection_command(cmd, args),
        }
    }

    /// Runs a scripting command (`EVAL`, `SCRIPT`, …) through `access` (live, or the
    /// shards an `EXEC` holds).
    fn run_script(&self, cmd: &'static Command, args: &[&[u8]], access: Access<'_>) -> Reply {
        let ctx = Ctx {
            store: &self.store,
            access,
            db: self.db,
            resp3: self.resp3,
            cancel: None,
            script: false,
            park: None,
        };
        super::functions::run(&ctx, cmd.name, args).unwrap_or_else(Reply::from)
    }

    fn run_blocking(&mut self, cmd: &Command, handler: table::Handler, args: &[&[u8]]) -> Reply {
        let token = match self.begin_blocking() {
            Ok(token) => token,
            Err(closed) => return closed,
        };
        let result = {
            let ctx = Ctx {
                store: &self.store,
                access: self.store.access(),
                db: self.db,
                resp3: self.resp3,
                cancel: Some(&token),
                script: false,
                park: None,
            };
            handler(&ctx, args)
        };
        self.end_blocking(cmd, result)
    }

    /// [`run_blocking`](Self::run_blocking) for an async caller: the handler leaves its
    /// wait, which is awaited here.
    #[cfg(feature = "redis-rs")]
    async fn run_blocking_async(
        &mut self,
        cmd: &Command,
        handler: table::Handler,
        args: &[&[u8]],
    ) -> Reply {
        let token = match self.begin_blocking() {
            Ok(token) => token,
            Err(closed) => return closed,
        };
        // Dropped while it waits, the command is abandoned: the client is not blocked
        // any more, nor running a command.
        let _abandoned = Unblock(Arc::clone(&self.client));
        let store = self.store.clone();
        let (now, parked) = {
            let ctx = Ctx {
                store: &store,
                access: store.access(),
                db: self.db,
                resp3: self.resp3,
                cancel: Some(&token),
                script: false,
                park: Some(parking_lot::Mutex::new(None)),
            };
            let now = handler(&ctx, args);
            (now, ctx.park.and_then(parking_lot::Mutex::into_inner))
        };
        let result = match parked {
            Some(wait) => wait.await,
            None => now,
        };
        self.end_blocking(cmd, result)
    }

    /// Marks the connection blocked (`CLIENT UNBLOCK` and `CLIENT KILL` find it by
    /// the token returned); the reply of a closed connection if it was killed.
    fn begin_blocking(&mut self) -> Result<CancelToken, Reply> {
        let token = CancelToken::new();
        {
            // A kill takes the token under this lock: seen here, or cancelled there.
            let mut blocked = self.client.blocked.lock();
            if self.client.killed.load(Ordering::Acquire) {
                drop(blocked);
                return Err(self.reconnect());
            }
            *blocked = Some(token.clone());
        }
        self.client.unblock_error.store(false, Ordering::Relaxed);
        Ok(token)
    }

    /// The reply of a blocking command that is over.
    fn end_blocking(&mut self, cmd: &Command, result: crate::Result<Reply>) -> Reply {
        *self.client.blocked.lock() = None;
        if self.client.killed.load(Ordering::Acquire) {
            return self.reconnect();
        }
        match result {
            Ok(r) => r,
            // CLIENT UNBLOCK … TIMEOUT (the default) reads as a timeout: `WAIT`'s count
            // of acknowledging replicas (none), the others' null array.
            Err(Error::Unblocked) if !self.client.unblock_error.load(Ordering::Relaxed) => {
                if cmd.name == "wait" {
                    Reply::Integer(0)
                } else {
                    Reply::NilArray
                }
            }
            Err(e) => e.into(),
        }
    }

    fn connection_command(&mut self, cmd: &'static Command, args: &[&[u8]]) -> Reply {
        match cmd.name {
            "select" => self.select(args[1]),
            "multi" => {
                if self.multi.is_some() {
                    return error("ERR MULTI calls can not be nested");
                }
                self.multi = Some(Multi::default());
                Reply::ok()
            }
            "exec" => self.exec(),
            "discard" => {
                if self.multi.take().is_none() {
                    return error("ERR DISCARD without MULTI");
                }
                self.watches.clear();
                Reply::ok()
            }
            "watch" => {
                if self.multi.is_some() {
                    return error("ERR WATCH inside MULTI is not allowed");
                }
                match self.store.db(self.db) {
                    Ok(db) => self.watches.push(db.watch(&args[1..])),
                    Err(e) => return e.into(),
                }
                Reply::ok()
            }
            "unwatch" => {
                self.watches.clear();
                Reply::ok()
            }
            "hello" => self.hello(args),
            "reset" => {
                self.multi = None;
                self.watches.clear();
                self.subscription = None;
                self.pushes.clear();
                self.resp3 = false;
                self.db = 0;
                *self.client.name.lock() = None;
                // `SKIP`'s hold on this very reply stays, as in Redis.
                self.replies.off = false;
                self.replies.skip_next = false;
                Reply::Simple("RESET".into())
            }
            "quit" => Reply::ok(),
            "client" => self.client_command(args),
            "subscribe" | "psubscribe" | "ssubscribe" => self.subscribe(cmd.name, &args[1..]),
            "unsubscribe" | "punsubscribe" | "sunsubscribe" => {
                self.unsubscribe(cmd.name, &args[1..])
            }
            _ => unreachable!("every connection command is handled"),
        }
    }

    fn select(&mut self, arg: &[u8]) -> Reply {
        let index = match db_index(arg) {
            // A negative index is no 0 either.
            Err(Error::DbIndexOutOfRange) if self.store.keyspace().cluster() => {
                Err(Error::ClusterMode("SELECT is not allowed in cluster mode"))
            }
            index => index,
        };
        match index.and_then(|i| {
            // In cluster mode, `Store::db` refuses any index but 0.
            self.store.db(i)?;
            Ok(i)
        }) {
            Ok(i) => {
                self.db = i;
                Reply::ok()
            }
            Err(e) => e.into(),
        }
    }

    fn hello(&mut self, args: &[&[u8]]) -> Reply {
        let mut resp3 = self.resp3;
        if let Some(v) = args.get(1) {
            match crate::number::parse_i64(v) {
                None => return error("ERR Protocol version is not an integer or out of range"),
                Some(2) => resp3 = false,
                Some(3) => resp3 = true,
                Some(_) => return error("NOPROTO unsupported protocol version"),
            }
        }
        let mut name = None;
        let mut user = None;
        let mut i = 2;
        while i < args.len() {
            let left = args.len() - i - 1;
            if is(args[i], "AUTH") && left >= 2 {
                user = Some(args[i + 1]);
                i += 3;
            } else if is(args[i], "SETNAME") && left >= 1 {
                if let Err(e) = check_client_name(args[i + 1]) {
                    return e;
                }
                name = Some(Bytes::copy_from_slice(args[i + 1]));
                i += 2;
            } else {
                return reply_error(&[b"ERR Syntax error in HELLO option '", c_str(args[i]), b"'"]);
            }
        }
        if let Some(user) = user
            && let Err(e) = authenticate(user)
        {
            return e.into();
        }
        self.resp3 = resp3;
        if name.is_some() {
            *self.client.name.lock() = name;
        }
        Reply::Map(vec![
            (Reply::from("server"), Reply::from("redis")),
            (Reply::from("version"), Reply::from("7.0.15")),
            (
                Reply::from("proto"),
                Reply::Integer(if resp3 { 3 } else { 2 }),
            ),
            (
                Reply::from("id"),
                Reply::Integer(i64::try_from(self.client.id).unwrap_or(i64::MAX)),
            ),
            (
                Reply::from("mode"),
                Reply::from(if self.store.cluster_mode() {
                    "cluster"
                } else {
                    "standalone"
                }),
            ),
            (Reply::from("role"), Reply::from("master")),
            (Reply::from("modules"), Reply::Array(Vec::new())),
        ])
    }

    /// The count a (un)subscription reply carries: channels and patterns, or for the
    /// shard forms, shard channels (Redis counts them apart).
    fn subscription_count(&self, kind: &str) -> usize {
        self.subscription.as_ref().map_or(0, |s| {
            if kind == "ssubscribe" || kind == "sunsubscribe" {
                s.shard_channels().len()
            } else {
                s.channels().len() + s.patterns().len()
            }
        })
    }

    /// Replies to a (un)subscription: the first is returned, the rest pushed.
    fn confirm(&mut self, replies: Vec<Reply>) -> Reply {
        let mut replies = replies.into_iter();
        let first = replies.next().unwrap_or(Reply::Nil);
        self.pushes.extend(replies);
        first
    }

    fn subscribe(&mut self, kind: &'static str, names: &[&[u8]]) -> Reply {
        let store = self.store.clone();
        let client = Arc::clone(&self.client);
        let mut replies = Vec::new();
        for name in names {
            let sub = self.subscription.get_or_insert_with(|| {
                let sub = store.pubsub().subscribe(std::iter::empty::<&[u8]>());
                *client.inbox.lock() = Some(sub.inbox());
                sub
            });
            match kind {
                "subscribe" => sub.subscribe([name]),
                "ssubscribe" => sub.ssubscribe([name]),
                _ => sub.psubscribe([name]),
            }
            let count = self.subscription_count(kind);
            replies.push(Reply::Push(vec![
                Reply::from(kind),
                Reply::from(*name),
                count.into(),
            ]));
        }
        self.confirm(replies)
    }

    fn unsubscribe(&mut self, kind: &'static str, names: &[&[u8]]) -> Reply {
        let names: Vec<Bytes> = if names.is_empty() {
            self.subscription.as_ref().map_or_else(Vec::new, |s| {
                let current = match kind {
                    "unsubscribe" => s.channels(),
                    "sunsubscribe" => s.shard_channels(),
                    _ => s.patterns(),
                };
                current.iter().map(|b| b.clone().into_bytes()).collect()
            })
        } else {
            names.iter().map(|n| Bytes::copy_from_slice(n)).collect()
        };
        if names.is_empty() {
            let count = self.subscription_count(kind);
            return Reply::Push(vec![Reply::from(kind), Reply::Nil, count.into()]);
        }
        let mut replies = Vec::new();
        for name in names {
            if let Some(sub) = &mut self.subscription {
                match kind {
                    "unsubscribe" => sub.unsubscribe([&name]),
                    "sunsubscribe" => sub.sunsubscribe([&name]),
                    _ => sub.punsubscribe([&name]),
                }
            }
            let count = self.subscription_count(kind);
            replies.push(Reply::Push(vec![
                Reply::from(kind),
                Reply::Bulk(name),
                count.into(),
            ]));
        }
        self.confirm(replies)
    }

    fn exec(&mut self) -> Reply {
        let Some(multi) = self.multi.take() else {
            return error("ERR EXEC without MULTI");
        };
        let watches = std::mem::take(&mut self.watches);
        if multi.dirty {
            return error("EXECABORT Transaction discarded because of previous errors.");
        }
        let queue: Vec<Vec<&[u8]>> = multi
            .queue
            .iter()
            .map(|args| args.iter().map(AsRef::as_ref).collect())
            .collect();
        let commands: Vec<&'static Command> = queue
            .iter()
            .map(|args| table::lookup(args[0]).expect("queued commands exist"))
            .collect();
        // As Redis, a queue that may grow memory is refused whole while the store is
        // over its limit with nothing to evict.
        if commands
            .iter()
            .zip(&queue)
            .any(|(c, args)| table::denies_oom(c, args))
            && let Err(e) = self.store.access().admit()
        {
            return error(format!(
                "EXECABORT Transaction discarded because of: {}",
                e.to_string().trim_end()
            ));
        }
        let store = self.store.clone();
        let span = self.span(&commands, &queue);
        self.deferred_cancels = Some(Vec::new());
        let ran = transaction::run_queue(&store.core, &span, &watches, |access| {
            let mut replies: Vec<Reply> = Vec::with_capacity(queue.len());
            // What a server has buffered of this reply so far (`obl`), measured only for
            // a CLIENT command to show, each reply once.
            let mut buffered = format!("*{}\r\n", queue.len()).len();
            let mut measured = 0;
            for (cmd, args) in commands.iter().zip(&queue) {
                if cmd.name == "client" {
                    for r in &replies[measured..] {
                        let r = r.clone();
                        let r = if self.resp3 {
                            r.into_resp3()
                        } else {
                            r.into_resp2()
                        };
                        buffered += r.to_resp(self.resp3).len();
                    }
                    measured = replies.len();
                    let shown = &self.client.shown.buffered;
                    shown.store(buffered, Ordering::Relaxed);
                }
                replies.push(self.run_queued(cmd, args, access));
            }
            replies
        });
        for token in self.deferred_cancels.take().into_iter().flatten() {
            token.cancel();
        }
        match ran {
            Ok(replies) => Reply::Array(replies),
            Err(Error::WatchedKeyChanged) => Reply::NilArray,
            Err(e) => e.into(),
        }
    }

    /// What an `EXEC` queue needs locked: the keys its commands name, each in the
    /// database selected when it runs (a queued `SELECT` changes it), and every shard of
    /// the databases a command reaches whole (`DBSIZE`, `FLUSHDB`, `SWAPDB`, …); all of
    /// them for `FLUSHALL`, `INFO` and `CONFIG`.
    fn span<'q>(&self, commands: &[&'static Command], queue: &'q [Vec<&'q [u8]>]) -> Span<'q> {
        let databases = self.store.databases();
        // A database the command may reach (one it would refuse reaches none).
        let index = |arg: &[u8]| db_index(arg).ok().filter(|&i| i < databases);
        let mut db = self.db;
        let mut keys: Vec<(usize, &[u8])> = Vec::new();
        let mut whole: Vec<usize> = Vec::new();
        let mut all = false;
        for (cmd, args) in commands.iter().zip(queue) {
            match cmd.name {
                "select" => db = index(args[1]).unwrap_or(db),
                // A script may reach any key of any database.
                "flushall" | "info" | "config" | "eval" | "evalsha" | "eval_ro" | "evalsha_ro"
                | "fcall" | "fcall_ro" => all = true,
                "swapdb" => whole.extend(args[1..].iter().filter_map(|a| index(a))),
                "move" => {
                    keys.push((db, args[1]));
                    keys.extend(index(args[2]).map(|to| (to, args[1])));
                }
                "copy" => {
                    // COPY source destination [DB destination-db] [REPLACE]
                    // The last DB given wins, as in the command.
                    let to = args[3..]
                        .windows(2)
                        .rfind(|w| is(w[0], "db"))
                        .and_then(|w| index(w[1]))
                        .unwrap_or(db);
                    keys.extend([(db, args[1]), (to, args[2])]);
                }
                _ if cmd.has(table::WHOLE_DB) => whole.push(db),
                // A BY or GET pattern may reach any key of the database.
                "sort" | "sort_ro" if args[2..].iter().any(|a| is(a, "by") || is(a, "get")) => {
                    whole.push(db);
                }
                _ => keys.extend(table::keys_of(cmd, args).into_iter().map(|k| (db, k))),
            }
        }
        whole.sort_unstable();
        whole.dedup();
        Span {
            keys,
            whole: if all {
                Whole::All
            } else if whole.is_empty() {
                Whole::Nothing
            } else {
                Whole::Databases(whole)
            },
        }
    }

    /// Runs one queued command on the shards `EXEC` holds.
    fn run_queued(&mut self, cmd: &'static Command, args: &[&[u8]], access: Access<'_>) -> Reply {
        self.store.keyspace().stats().command();
        match cmd.run {
            Some(handler) => {
                let ctx = Ctx {
                    store: &self.store,
                    access,
                    db: self.db,
                    resp3: self.resp3,
                    cancel: None,
                    script: false,
                    park: None,
                };
                handler(&ctx, args).unwrap_or_else(Reply::from)
            }
            None if cmd.has(table::SCRIPTING) => self.run_script(cmd, args, access),
            None => self.connection_command(cmd, args),
        }
    }
}

fn check_client_name(name: &[u8]) -> Result<(), Reply> {
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(error(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn message_reply(m: Message) -> Reply {
    let payload = Reply::from(m.payload);
    if m.sharded {
        return Reply::Push(vec![
            Reply::from("smessage"),
            Reply::from(m.channel),
            payload,
        ]);
    }
    match m.pattern {
        Some(p) => Reply::Push(vec![
            Reply::from("pmessage"),
            Reply::from(p),
            Reply::from(m.channel),
            payload,
        ]),
        None => Reply::Push(vec![
            Reply::from("message"),
            Reply::from(m.channel),
            payload,
        ]),
    }
}

/// `ERR wrong number of arguments for 'name' command`.
fn arity_error(name: &str) -> Reply {
    error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// Checks credentials as a Redis whose only user is `default` without a password
/// (`nopass`) does: any password of `default` passes, any other user is refused.
fn authenticate(user: &[u8]) -> crate::Result<()> {
    if user == b"default" {
        Ok(())
    } else {
        Err(Error::WrongPass)
    }
}
