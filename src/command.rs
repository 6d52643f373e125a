//! The command interface: Redis's command syntax over the typed handles.
//!
//! [`Connection::execute`] takes a command as a client sends it — `["SET", "k", "v",
//! "EX", "10"]` — and answers a [`Reply`]. It is a thin layer: [`table`](self) names
//! each command's arity, flags and key positions as Redis's command table does, and
//! each family's module (`command/strings.rs`, `command/zsets.rs`, …) only parses
//! arguments, calls the typed API and shapes the reply. No command is implemented
//! twice. (Handlers name the context `c` and the arguments `a`, as Redis's `c->argv`.)
//! The connection itself keeps what Redis keeps per client: the selected
//! database, the `MULTI` queue, `WATCH`ed keys, subscriptions, the protocol version.

mod cluster;
mod connection;
#[cfg(feature = "scripting")]
mod functions;
#[cfg(not(feature = "scripting"))]
use scripting as functions;
mod geo;
mod hashes;
mod hll;
mod keys;
#[allow(clippy::many_single_char_names)]
mod lists;
mod open;
mod parse;
mod reply;
#[cfg(feature = "scripting")]
mod scripting;
#[cfg(not(feature = "scripting"))]
#[path = "command/no_scripting.rs"]
mod scripting;
#[cfg(feature = "scripting")]
mod scripts;
mod server;
mod sets;
mod stream_groups;
mod streams;
mod strings;
mod table;
mod zsets;

pub use connection::Connection;
pub use reply::Reply;
#[cfg(feature = "scripting")]
pub use scripts::{FunctionRestore, Scripts};

use crate::keyspace::Access;
use crate::{
    Bits, Blocked, CancelToken, Geo, Hashes, HyperLogLogs, Keys, Lists, Sets, Store, Streams,
    Strings, ZSets,
};

/// What a handler runs against: the store, the keyspace as the command reaches it
/// (live, or through the shards an `EXEC` holds), a database, the protocol, and the
/// token that unblocks a blocking command.
pub(crate) struct Ctx<'a> {
    store: &'a Store,
    access: Access<'a>,
    db: usize,
    resp3: bool,
    cancel: Option<&'a CancelToken>,
    /// A script runs the command (`redis.call`): some options are refused then.
    script: bool,
    /// Where a blocking command leaves its wait for the caller to await (an async
    /// connection); `None`: it waits on this thread.
    park: Option<Parked<'a>>,
}

/// A blocking command's wait, left by its handler for an async caller to await.
type Parked<'a> = parking_lot::Mutex<Option<Blocked<'a, Reply>>>;

impl<'a> Ctx<'a> {
    fn strings(&self) -> Strings<'a> {
        Strings::new(self.access, self.db)
    }

    fn bits(&self) -> Bits<'a> {
        Bits::new(self.access, self.db)
    }

    fn keys(&self) -> Keys<'a> {
        Keys::new(self.access, self.db)
    }

    fn hyperloglogs(&self) -> HyperLogLogs<'a> {
        HyperLogLogs::new(self.access, self.db)
    }

    fn geo(&self) -> Geo<'a> {
        Geo::new(self.access, self.db)
    }

    fn hashes(&self) -> Hashes<'a> {
        Hashes::new(self.access, self.db)
    }

    fn sets(&self) -> Sets<'a> {
        Sets::new(self.access, self.db)
    }

    fn lists(&self) -> Lists<'a> {
        let lists = Lists::new(self.access, self.db);
        match self.cancel {
            Some(token) => lists.cancel_with(token),
            None => lists,
        }
    }

    fn streams(&self) -> Streams<'a> {
        let streams = Streams::new(self.access, self.db);
        match self.cancel {
            Some(token) => streams.cancel_with(token),
            None => streams,
        }
    }

    fn zsets(&self) -> ZSets<'a> {
        let zsets = ZSets::new(self.access, self.db);
        match self.cancel {
            Some(token) => zsets.cancel_with(token),
            None => zsets,
        }
    }

    /// Whether `key` holds a `ty` (`false`: missing); [`Error::WrongType`] if it
    /// holds another type. For commands that Redis type-checks before it reads their
    /// other arguments: called when an argument fails, to report what Redis reports
    /// first.
    fn holds(&self, key: &[u8], ty: crate::KeyType) -> crate::Result<bool> {
        match self.keys().key_type(key)? {
            None => Ok(false),
            Some(t) if t == ty => Ok(true),
            Some(_) => Err(crate::Error::WrongType),
        }
    }

    /// A blocking command's reply: `blocked` waited for on this thread, or left for the
    /// async caller that runs the command (then the reply returned now stands for
    /// nothing).
    fn block(&self, blocked: Blocked<'a, Reply>) -> crate::Result<Reply> {
        match &self.park {
            Some(park) => {
                *park.lock() = Some(blocked);
                Ok(Reply::NoReply)
            }
            None => blocked.wait(),
        }
    }

    /// The store's clock, in Unix milliseconds.
    fn now_ms(&self) -> i64 {
        i64::try_from(self.access.now()).unwrap_or(i64::MAX)
    }
}

/// `ERR unknown subcommand 'x'. Try OBJECT HELP.`, with up to 128 bytes of the
/// subcommand as given.
fn unknown_subcommand(sub: &[u8], command: &str) -> Reply {
    let sub = c_str(sub);
    reply_error(&[
        b"ERR unknown subcommand '",
        &sub[..sub.len().min(128)],
        b"'. Try ",
        command.as_bytes(),
        b" HELP.",
    ])
}

/// A known subcommand given the wrong arguments (`addReplySubcommandSyntaxError`).
fn subcommand_syntax_error(sub: &[u8], command: &str) -> Reply {
    let sub = c_str(sub);
    reply_error(&[
        b"ERR unknown subcommand or wrong number of arguments for '",
        &sub[..sub.len().min(128)],
        b"'. Try ",
        command.as_bytes(),
        b" HELP.",
    ])
}

/// An error reply of `text` as it is.
fn error(text: impl Into<String>) -> Reply {
    Reply::Error(text.into().into())
}

/// An argument as C's `%s` prints it: up to its first NUL byte.
pub(crate) fn c_str(arg: &[u8]) -> &[u8] {
    &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())]
}

/// An error reply made of `parts` (arguments among them, echoed as given), with the
/// newlines in it turned into spaces as Redis does so the reply stays one line.
pub(crate) fn reply_error(parts: &[&[u8]]) -> Reply {
    let mut text = parts.concat();
    for b in &mut text {
        if matches!(*b, b'\r' | b'\n') {
            *b = b' ';
        }
    }
    Reply::Error(text.into())
}
