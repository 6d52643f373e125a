//! The `redis` crate's [`ConnectionLike`] for [`Connection`] and
//! [`redis::aio::ConnectionLike`] for [`AsyncConnection`] (feature `redis-rs`): code
//! written against redis-rs — `Commands` / `AsyncCommands`, typed `FromRedisValue`
//! results, `redis::pipe()` with and without `.atomic()`, `redis::transaction`,
//! `redis::Script` — runs unchanged on an in-process store.
//!
//! `req_command` hands the command's arguments to [`Connection::execute`] directly; only
//! packed commands (pipelines) are parsed, strictly, from RESP. Error replies become
//! redis-rs server errors with Redis's codes (`WRONGTYPE`, `ERR`, `EXECABORT`, …).
//!
//! ```
//! use redis::Commands;
//! let mut con = embedis::Store::new().connection();
//! let _: () = con.set("greeting", "hello")?;
//! let got: String = con.get("greeting")?;
//! assert_eq!(got, "hello");
//! let n: i64 = con.incr("visits", 5)?;
//! assert_eq!(n, 5);
//! let (a, b): (i64, i64) = redis::pipe().atomic().incr("visits", 1).incr("visits", 1).query(&mut con)?;
//! assert_eq!((a, b), (6, 7));
//! let err = con.lpush::<_, _, i64>("greeting", "x").unwrap_err();
//! assert_eq!(err.code(), Some("WRONGTYPE"));
//! # Ok::<(), redis::RedisError>(())
//! ```

use redis::{
    Arg, Cmd, ConnectionLike, ErrorKind, Pipeline, PushKind, RedisError, RedisFuture, RedisResult,
    Value,
};

use crate::{Connection, Reply, Store};

fn parse_error(what: &'static str) -> RedisError {
    RedisError::from((ErrorKind::Parse, what))
}

/// Splits packed commands (RESP arrays of bulk strings, as redis-rs packs them) into
/// their arguments, refusing anything else.
fn parse_commands(mut bytes: &[u8]) -> RedisResult<Vec<Vec<&[u8]>>> {
    fn line(bytes: &mut &[u8], tag: u8) -> RedisResult<usize> {
        let end = bytes
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| parse_error("a packed command is cut short"))?;
        let (head, rest) = bytes.split_at(end);
        *bytes = &rest[2..];
        match head.split_first() {
            Some((&t, n)) if t == tag => std::str::from_utf8(n)
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| parse_error("a packed command has a bad length")),
            _ => Err(parse_error(
                "a packed command is not an array of bulk strings",
            )),
        }
    }
    let mut commands = Vec::new();
    while !bytes.is_empty() {
        let n = line(&mut bytes, b'*')?;
        let mut args = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let len = line(&mut bytes, b'$')?;
            if bytes.len() < len + 2 || &bytes[len..len + 2] != b"\r\n" {
                return Err(parse_error("a packed command's bulk string is cut short"));
            }
            args.push(&bytes[..len]);
            bytes = &bytes[len + 2..];
        }
        commands.push(args);
    }
    Ok(commands)
}

fn push_kind(name: &[u8]) -> PushKind {
    match name {
        b"message" => PushKind::Message,
        b"pmessage" => PushKind::PMessage,
        b"subscribe" => PushKind::Subscribe,
        b"psubscribe" => PushKind::PSubscribe,
        b"unsubscribe" => PushKind::Unsubscribe,
        b"punsubscribe" => PushKind::PUnsubscribe,
        b"smessage" => PushKind::SMessage,
        b"ssubscribe" => PushKind::SSubscribe,
        b"sunsubscribe" => PushKind::SUnsubscribe,
        other => PushKind::Other(String::from_utf8_lossy(other).into_owned()),
    }
}

/// A [`Reply`] as redis-rs's [`Value`].
fn to_value(reply: Reply) -> Value {
    match reply {
        // A silenced reply (CLIENT REPLY OFF) reads as nil: redis-rs has no "nothing".
        Reply::Nil | Reply::NilArray | Reply::NoReply => Value::Nil,
        Reply::Simple(s) if s == "OK" => Value::Okay,
        Reply::Simple(s) => Value::SimpleString(s),
        // redis-rs builds server errors only from the wire: give it the error line.
        Reply::Error(e) => redis::parse_redis_value(&[b"-".as_slice(), &e, b"\r\n"].concat())
            .unwrap_or_else(|_| Value::SimpleString(String::from_utf8_lossy(&e).into_owned())),
        Reply::Integer(i) => Value::Int(i),
        Reply::Bulk(b) => Value::BulkString(b.into()),
        Reply::Verbatim(text) => Value::VerbatimString {
            format: redis::VerbatimFormat::Text,
            text: String::from_utf8_lossy(&text).into_owned(),
        },
        Reply::Double(d) => Value::Double(d),
        Reply::Boolean(b) => Value::Boolean(b),
        Reply::Array(v) => Value::Array(v.into_iter().map(to_value).collect()),
        Reply::Set(v) => Value::Set(v.into_iter().map(to_value).collect()),
        Reply::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (to_value(k), to_value(v)))
                .collect(),
        ),
        Reply::Push(v) => {
            let mut v = v.into_iter();
            let kind = match v.next() {
                Some(Reply::Bulk(name)) => push_kind(&name),
                _ => PushKind::Other(String::new()),
            };
            Value::Push {
                kind,
                data: v.map(to_value).collect(),
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let mut commands = parse_commands(cmd)?;
        if commands.len() != 1 {
            return Err(parse_error("expected exactly one packed command"));
        }
        let args = commands.pop().expect("one command");
        Ok(to_value(self.execute(&args)))
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let commands = parse_commands(cmd)?;
        check_span(commands.len(), offset, count)?;
        let replies: Vec<Value> = commands
            .iter()
            .map(|args| to_value(self.execute(args)))
            .collect();
        Ok(replies.into_iter().skip(offset).take(count).collect())
    }

    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        match command_args(cmd) {
            Some(args) => Ok(to_value(self.execute(&args))),
            // A cursor (or anything newer) is filled in when the command is packed.
            None => self.req_packed_command(&cmd.get_packed_command()),
        }
    }

    fn get_db(&self) -> i64 {
        i64::try_from(self.db()).unwrap_or(i64::MAX)
    }

    fn check_connection(&mut self) -> bool {
        true
    }

    fn is_open(&self) -> bool {
        true
    }
}

/// A connection for async redis-rs code: [`redis::aio::ConnectionLike`], so code
/// written for redis-rs's `MultiplexedConnection` or `ConnectionManager` —
/// `AsyncCommands`, `redis::pipe().query_async`, `redis::Script::invoke_async` — runs
/// on the store unchanged. From [`Store::async_connection`].
///
/// Commands run on the calling task at once; only a blocking command (`BLPOP`,
/// `BLMOVE`, `BZPOPMIN`, `XREAD … BLOCK`, …) waits, as a future that holds no thread,
/// so a task awaiting a `BLPOP` and one pushing share a single-threaded runtime. Any
/// executor polls it: no runtime is started, and timeouts are kept by the store's
/// sweeper thread. Dropping a waiting call loses nothing (see [`Blocked`](crate::Blocked)).
///
/// A clone is another connection (a client of its own, on the same database, with the
/// same protocol and name), as clones of a multiplexed connection send commands
/// independently; a transaction or a later `SELECT` belongs to the one that ran it.
///
/// # Examples
///
/// ```
/// use redis::AsyncCommands;
/// # async fn demo() -> redis::RedisResult<()> {
/// let store = embedis::Store::new();
/// let mut con = store.async_connection();
/// let _: () = con.set("greeting", "hello").await?;
/// let got: String = con.get("greeting").await?;
/// assert_eq!(got, "hello");
/// let (a, b): (i64, i64) = redis::pipe().atomic().incr("n", 1).incr("n", 1).query_async(&mut con).await?;
/// assert_eq!((a, b), (1, 2));
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Debug)]
pub struct AsyncConnection {
    conn: Connection,
}

impl Store {
    /// A new [`AsyncConnection`] (feature `redis-rs`): redis-rs's async
    /// `ConnectionLike` over this store, on database 0, speaking RESP2.
    ///
    /// # Examples
    ///
    /// A task waits in `BLPOP` while another pushes, on one thread:
    ///
    /// ```
    /// use redis::AsyncCommands;
    /// # async fn demo() -> redis::RedisResult<()> {
    /// let store = embedis::Store::new();
    /// let mut consumer = store.async_connection();
    /// let waiting = tokio::spawn(async move {
    ///     consumer.blpop::<_, Option<(String, String)>>("jobs", 5.0).await
    /// });
    /// while store.blocked_clients() == 0 {
    ///     tokio::task::yield_now().await;
    /// }
    /// let _: i64 = store.async_connection().rpush("jobs", "job-1").await?;
    /// let got = waiting.await.unwrap()?;
    /// assert_eq!(got, Some(("jobs".to_string(), "job-1".to_string())));
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn async_connection(&self) -> AsyncConnection {
        AsyncConnection {
            conn: self.connection(),
        }
    }
}

impl Clone for AsyncConnection {
    /// Another connection to the same store, on the same database, speaking the same
    /// protocol, under the same client name.
    fn clone(&self) -> Self {
        let mut conn = self.conn.store().connection();
        if self.conn.db() != 0 {
            conn.execute(&["SELECT".as_bytes(), self.conn.db().to_string().as_bytes()]);
        }
        if self.conn.resp3() {
            conn.execute(&["HELLO", "3"]);
        }
        if let Some(name) = self.conn.client_name() {
            conn.execute(&[b"CLIENT".as_slice(), b"SETNAME", &name]);
        }
        AsyncConnection { conn }
    }
}

/// A command's arguments as redis-rs built them (packed only when one is filled in
/// late, as a scan cursor).
fn command_args(cmd: &Cmd) -> Option<Vec<&[u8]>> {
    cmd.args_iter()
        .map(|arg| match arg {
            Arg::Simple(a) => Some(a),
            _ => None,
        })
        .collect()
}

impl redis::aio::ConnectionLike for AsyncConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            if let Some(args) = command_args(cmd) {
                return Ok(to_value(self.conn.execute_async(&args).await));
            }
            let packed = cmd.get_packed_command();
            let mut commands = parse_commands(&packed)?;
            if commands.len() != 1 {
                return Err(parse_error("expected exactly one packed command"));
            }
            let args = commands.pop().expect("one command");
            Ok(to_value(self.conn.execute_async(&args).await))
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let packed = pipeline.get_packed_pipeline();
            let commands = parse_commands(&packed)?;
            check_span(commands.len(), offset, count)?;
            let mut replies = Vec::with_capacity(commands.len());
            for args in &commands {
                replies.push(to_value(self.conn.execute_async(args).await));
            }
            Ok(replies.into_iter().skip(offset).take(count).collect())
        })
    }

    fn get_db(&self) -> i64 {
        ConnectionLike::get_db(&self.conn)
    }
}

/// Refuses a pipeline's request for replies beyond its commands.
fn check_span(commands: usize, offset: usize, count: usize) -> RedisResult<()> {
    if offset.checked_add(count).is_none_or(|end| end > commands) {
        return Err(parse_error(
            "a pipeline asked for more replies than commands",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_commands_parse_strictly() {
        let two = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
        let parsed = parse_commands(two).unwrap();
        assert_eq!(parsed, vec![vec![&b"GET"[..], b"k"], vec![&b"PING"[..]]]);
        for bad in [
            &b"*1\r\n$3\r\nGE"[..],
            b"+OK\r\n",
            b"*1\r\n$x\r\n",
            b"*1\r\n:1\r\n",
            b"*1",
        ] {
            assert!(
                parse_commands(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn errors_keep_their_codes() {
        let Value::ServerError(e) =
            to_value(Reply::Error("WRONGTYPE Operation against a key".into()))
        else {
            panic!("a server error");
        };
        assert_eq!(e.code(), "WRONGTYPE");
        assert_eq!(to_value(Reply::ok()), Value::Okay);
    }
}
