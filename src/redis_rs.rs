//! The `redis` crate's [`ConnectionLike`] for [`Connection`] (feature `redis-rs`): code
//! written against redis-rs — `Commands`, typed `FromRedisValue` results,
//! `redis::pipe()` with and without `.atomic()`, `redis::transaction` — runs unchanged
//! on an in-process store.
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

use redis::{Arg, Cmd, ConnectionLike, ErrorKind, PushKind, RedisError, RedisResult, Value};

use crate::{Connection, Reply};

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
        if offset
            .checked_add(count)
            .is_none_or(|end| end > commands.len())
        {
            return Err(parse_error(
                "a pipeline asked for more replies than commands",
            ));
        }
        let replies: Vec<Value> = commands
            .iter()
            .map(|args| to_value(self.execute(args)))
            .collect();
        Ok(replies.into_iter().skip(offset).take(count).collect())
    }

    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        let mut args = Vec::with_capacity(cmd.args_iter().len());
        for arg in cmd.args_iter() {
            match arg {
                Arg::Simple(a) => args.push(a),
                // A cursor (or anything newer) is filled in when the command is packed.
                _ => return self.req_packed_command(&cmd.get_packed_command()),
            }
        }
        Ok(to_value(self.execute(&args)))
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
