//! `CLIENT`: a connection's own settings and what it sees of the others
//! (`networking.c`'s `clientCommand` and `catClientInfoString`).
//!
//! A connection has no socket: `CLIENT LIST` shows it as Redis shows a client without
//! one (`addr=?:0 laddr=?:0 fd=-1`), with the fields Redis keeps for every client.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Connection, check_client_name, error};
use crate::Error;
use crate::command::parse::{int, is};
use crate::command::table;
use crate::command::{Reply, c_str, reply_error, subcommand_syntax_error};
use crate::core::Client;

/// The address `CLIENT LIST` gives a connection, and `CLIENT KILL ADDR` matches.
const ADDRESS: &[u8] = b"?:0";

/// A client type, as `CLIENT LIST TYPE` and `CLIENT KILL TYPE` name them.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Normal,
    Replica,
    PubSub,
    Master,
}

/// `getClientTypeByName`; the error names the argument.
fn kind(name: &[u8]) -> Result<Kind, Reply> {
    let name = c_str(name);
    Ok(match name.to_ascii_lowercase().as_slice() {
        b"normal" => Kind::Normal,
        b"slave" | b"replica" => Kind::Replica,
        b"pubsub" => Kind::PubSub,
        b"master" => Kind::Master,
        _ => return Err(reply_error(&[b"ERR Unknown client type '", name, b"'"])),
    })
}

fn kind_of(client: &Client) -> Kind {
    let subs = &client.shown.subscriptions;
    if subs.iter().any(|n| n.load(Ordering::Relaxed) > 0) {
        Kind::PubSub
    } else {
        Kind::Normal
    }
}

/// One line of `CLIENT LIST` (without its newline), at `now` (Unix milliseconds).
pub(super) fn info_line(client: &Client, now: u64) -> String {
    let name = client.name.lock().clone().unwrap_or_default();
    let blocked = client.blocked.lock().is_some();
    let s = &client.shown;
    let load = |a: &std::sync::atomic::AtomicUsize| a.load(Ordering::Relaxed);
    let subs = [0, 1, 2].map(|i| load(&s.subscriptions[i]));
    let multi = load(&s.multi);
    let mut flags = String::new();
    if subs.iter().any(|n| *n > 0) {
        flags.push('P');
    }
    if multi > 0 {
        flags.push('x');
    }
    if blocked || s.postponed.load(Ordering::Relaxed) {
        flags.push('b');
    }
    if s.watched.lock().iter().any(|w| w.load(Ordering::Relaxed)) {
        flags.push('d');
    }
    if s.no_evict.load(Ordering::Relaxed) {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi_mem = load(&s.multi_memory);
    let (qbuf, argv_mem) = (load(&s.running), load(&s.running_args));
    let secs = |ms: u64| now / 1000 - (ms / 1000).min(now / 1000);
    let mut line = String::new();
    let _ = write!(
        line,
        "id={} addr=?:0 laddr=?:0 fd=-1 name={} age={} idle={} flags={flags} db={} sub={} psub={} ssub={} multi={} qbuf={qbuf} qbuf-free=0 argv-mem={argv_mem} multi-mem={multi_mem} rbs=0 rbp=0 obl={} oll=0 omem=0 tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        client.id,
        String::from_utf8_lossy(c_str(&name)),
        secs(client.created),
        secs(s.last_interaction.load(Ordering::Relaxed)),
        load(&s.db),
        subs[0],
        subs[1],
        subs[2],
        i64::try_from(multi).unwrap_or(i64::MAX) - 1,
        load(&s.buffered),
        qbuf + argv_mem + multi_mem + std::mem::size_of::<Connection>(),
        table::command_name(s.last_command.load(Ordering::Relaxed)).unwrap_or("NULL"),
        if s.resp3.load(Ordering::Relaxed) {
            3
        } else {
            2
        },
    );
    line
}

impl Connection {
    /// `CLIENT <subcommand>`, its arity already checked against Redis's.
    pub(super) fn client_command(&mut self, args: &[&[u8]]) -> Reply {
        let sub = args[1];
        let n = args.len();
        if is(sub, "HELP") {
            return crate::command::keys::help(&HELP);
        }
        if is(sub, "ID") {
            return Reply::Integer(i64::try_from(self.client.id).unwrap_or(i64::MAX));
        }
        if is(sub, "INFO") {
            let line = info_line(&self.client, self.store.keyspace().now());
            return Reply::Verbatim(Bytes::from(line + "\n"));
        }
        if is(sub, "LIST") {
            return self.list(args);
        }
        if is(sub, "REPLY") {
            return self.reply_mode(args[2]);
        }
        if is(sub, "NO-EVICT") {
            // Connections are never evicted: the flag is only shown.
            let on = match args[2] {
                a if is(a, "ON") => true,
                a if is(a, "OFF") => false,
                _ => return Error::Syntax.into(),
            };
            self.client.shown.no_evict.store(on, Ordering::Relaxed);
            return Reply::ok();
        }
        if is(sub, "KILL") {
            return self.kill(args);
        }
        if is(sub, "UNBLOCK") && (n == 3 || n == 4) {
            return self.unblock(args);
        }
        if is(sub, "SETNAME") {
            if let Err(e) = check_client_name(args[2]) {
                return e;
            }
            let name = (!args[2].is_empty()).then(|| Bytes::copy_from_slice(args[2]));
            *self.client.name.lock() = name;
            return Reply::ok();
        }
        if is(sub, "GETNAME") {
            return self
                .client
                .name
                .lock()
                .clone()
                .map_or(Reply::Nil, Reply::Bulk);
        }
        if is(sub, "UNPAUSE") {
            self.store.core.clients.unpause();
            return Reply::ok();
        }
        if is(sub, "PAUSE") && (n == 3 || n == 4) {
            return self.pause(args);
        }
        // Client-side caching is a server's: a connection tracks nothing.
        if is(sub, "CACHING") {
            return error(
                "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
            );
        }
        if is(sub, "GETREDIR") {
            return Reply::Integer(-1);
        }
        if is(sub, "TRACKINGINFO") {
            return Reply::Map(vec![
                (Reply::from("flags"), Reply::Set(vec![Reply::from("off")])),
                (Reply::from("redirect"), Reply::Integer(-1)),
                (Reply::from("prefixes"), Reply::Array(Vec::new())),
            ]);
        }
        subcommand_syntax_error(sub, "CLIENT")
    }

    /// `CLIENT LIST [TYPE type | ID id ...]`.
    fn list(&self, args: &[&[u8]]) -> Reply {
        let now = self.store.keyspace().now();
        let clients = &self.store.core.clients;
        let chosen: Vec<std::sync::Arc<Client>> = if args.len() == 4 && is(args[2], "TYPE") {
            let wanted = match kind(args[3]) {
                Ok(k) => k,
                Err(e) => return e,
            };
            let all = clients.all().into_iter();
            all.filter(|c| kind_of(c) == wanted).collect()
        } else if args.len() > 3 && is(args[2], "ID") {
            let mut chosen = Vec::new();
            for a in &args[3..] {
                let Some(id) = crate::number::parse_i64(a) else {
                    return error("ERR Invalid client ID");
                };
                chosen.extend(u64::try_from(id).ok().and_then(|id| clients.get(id)));
            }
            chosen
        } else if args.len() != 2 {
            return Error::Syntax.into();
        } else {
            clients.all()
        };
        let mut text = String::new();
        for c in chosen {
            text.push_str(&info_line(&c, now));
            text.push('\n');
        }
        Reply::Verbatim(Bytes::from(text))
    }

    /// `CLIENT REPLY ON|OFF|SKIP`: `OFF` and `SKIP` answer nothing themselves.
    fn reply_mode(&mut self, mode: &[u8]) -> Reply {
        if is(mode, "ON") {
            self.replies.off = false;
            self.replies.skip = false;
            self.replies.skip_next = false;
            Reply::ok()
        } else if is(mode, "OFF") {
            self.replies.off = true;
            Reply::NoReply
        } else if is(mode, "SKIP") {
            if !self.replies.off {
                self.replies.skip_next = true;
            }
            Reply::NoReply
        } else {
            Error::Syntax.into()
        }
    }

    /// `CLIENT KILL addr` or `CLIENT KILL <filter> <value> ...`. A killed connection
    /// is closed: its blocking call, if any, returns, and its next command fails (then
    /// it starts afresh, as a client that reconnects).
    fn kill(&mut self, args: &[&[u8]]) -> Reply {
        let mut addr: Option<&[u8]> = None;
        let mut laddr: Option<&[u8]> = None;
        let mut wanted: Option<Kind> = None;
        let mut id: Option<u64> = None;
        let mut skip_me = true;
        if args.len() == 3 {
            addr = Some(args[2]);
            skip_me = false;
        } else {
            // (The arity, checked before, asks for three arguments or more.)
            let mut i = 2;
            while i < args.len() {
                let (opt, value) = (args[i], args.get(i + 1).copied());
                match value {
                    Some(v) if is(opt, "ID") => match int(v).ok().filter(|n| *n >= 1) {
                        Some(n) => id = u64::try_from(n).ok(),
                        None => return error("ERR client-id should be greater than 0"),
                    },
                    Some(v) if is(opt, "TYPE") => match kind(v) {
                        Ok(k) => wanted = Some(k),
                        Err(e) => return e,
                    },
                    Some(v) if is(opt, "ADDR") => addr = Some(v),
                    Some(v) if is(opt, "LADDR") => laddr = Some(v),
                    // The one user there is.
                    Some(v) if is(opt, "USER") => {
                        if v != b"default" {
                            return reply_error(&[b"ERR No such user '", c_str(v), b"'"]);
                        }
                    }
                    Some(v) if is(opt, "SKIPME") => {
                        skip_me = match v {
                            v if is(v, "YES") => true,
                            v if is(v, "NO") => false,
                            _ => return Error::Syntax.into(),
                        };
                    }
                    _ => return Error::Syntax.into(),
                }
                i += 2;
            }
        }
        let at_address = |a: Option<&[u8]>| a.is_none_or(|a| c_str(a) == ADDRESS);
        let mut killed = 0;
        let mut me = false;
        for client in self.store.core.clients.all() {
            let itself = client.id == self.client.id;
            let matches = at_address(addr)
                && at_address(laddr)
                && wanted.is_none_or(|k| kind_of(&client) == k)
                && id.is_none_or(|id| client.id == id)
                && !(itself && skip_me);
            if !matches {
                continue;
            }
            killed += 1;
            if itself {
                me = true;
                continue;
            }
            self.store.core.clients.deregister(client.id);
            if let Some(token) = client.kill(&self.store.core.clients) {
                match &mut self.deferred_cancels {
                    Some(deferred) => deferred.push(token),
                    None => token.cancel(),
                }
            }
        }
        if me {
            // Closed once this reply is out.
            self.store.core.clients.deregister(self.client.id);
            self.client.kill(&self.store.core.clients);
        }
        if args.len() == 3 {
            if killed == 0 {
                error("ERR No such client")
            } else {
                Reply::ok()
            }
        } else {
            Reply::Integer(killed)
        }
    }

    /// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`.
    fn unblock(&mut self, args: &[&[u8]]) -> Reply {
        let as_error = match args.get(3) {
            None => false,
            Some(m) if is(m, "TIMEOUT") => false,
            Some(m) if is(m, "ERROR") => true,
            Some(_) => return error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
        };
        let id = match int(args[2]) {
            Ok(id) => id,
            Err(e) => return e.into(),
        };
        let id = u64::try_from(id).unwrap_or(0);
        let Some(token) = self.store.core.clients.unblock(id, as_error) else {
            return Reply::Integer(0);
        };
        match &mut self.deferred_cancels {
            Some(deferred) => deferred.push(token),
            None => token.cancel(),
        }
        Reply::Integer(1)
    }

    /// `CLIENT PAUSE milliseconds [WRITE|ALL]`.
    fn pause(&mut self, args: &[&[u8]]) -> Reply {
        let writes_only = match args.get(3) {
            None => false,
            Some(m) if is(m, "WRITE") => true,
            Some(m) if is(m, "ALL") => false,
            Some(_) => return error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
        };
        let Some(ms) = crate::number::parse_i64(args[2]) else {
            return Error::TimeoutNotInteger.into();
        };
        if ms < 0 {
            return Error::TimeoutNegative.into();
        }
        // Redis adds the time in a long long, which wraps past its range: the pause
        // then ended long ago.
        let now = i64::try_from(self.store.keyspace().now()).unwrap_or(i64::MAX);
        let ms = if ms > 0 && ms.checked_add(now).is_none() {
            0
        } else {
            ms
        };
        let start = Instant::now();
        let until = start
            .checked_add(Duration::from_millis(ms.unsigned_abs()))
            .unwrap_or(start + Duration::from_secs(u64::from(u32::MAX)));
        self.store.core.clients.pause(until, writes_only);
        Reply::ok()
    }
}

const HELP: [&str; 48] = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];
