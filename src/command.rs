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

mod connection;
mod hashes;
mod keys;
#[allow(clippy::many_single_char_names)]
mod lists;
mod parse;
mod reply;
mod server;
mod sets;
mod strings;
mod table;
mod zsets;

pub use connection::Connection;
pub use reply::Reply;

use crate::keyspace::Access;
use crate::{Bits, CancelToken, Hashes, Keys, Lists, Sets, Store, Strings, ZSets};

/// What a handler runs against: the store, the keyspace as the command reaches it
/// (live, or through the shards an `EXEC` holds), a database, the protocol, and the
/// token that unblocks a blocking command.
pub(crate) struct Ctx<'a> {
    store: &'a Store,
    access: Access<'a>,
    db: usize,
    resp3: bool,
    cancel: Option<&'a CancelToken>,
}

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

    fn zsets(&self) -> ZSets<'a> {
        let zsets = ZSets::new(self.access, self.db);
        match self.cancel {
            Some(token) => zsets.cancel_with(token),
            None => zsets,
        }
    }

    /// The store's clock, in Unix milliseconds.
    fn now_ms(&self) -> i64 {
        i64::try_from(self.access.now()).unwrap_or(i64::MAX)
    }
}

/// `ERR unknown subcommand 'x'. Try OBJECT HELP.`
fn unknown_subcommand(sub: &[u8], command: &str) -> Reply {
    let sub = String::from_utf8_lossy(sub);
    Reply::Error(format!(
        "ERR unknown subcommand '{sub}'. Try {command} HELP."
    ))
}
