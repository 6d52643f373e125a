//! Server commands that need no connection state (`server.c`, `config.c`,
//! `pubsub.c`): `PING`, `ECHO`, `TIME`, `INFO`, `CONFIG`, `COMMAND`, `PUBLISH`, `PUBSUB`.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use super::keys::help;
use super::parse::is;
use super::table::{self, Command};
use super::{Ctx, Reply};
use crate::{Error, KeyspaceEvents, Result};

pub(super) fn ping(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(match a.get(1) {
        None => Reply::Simple("PONG".into()),
        Some(m) => Reply::from(*m),
    })
}

pub(super) fn echo(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::from(a[1]))
}

pub(super) fn time(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    let _ = c;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Reply::Array(vec![
        Reply::from(now.as_secs().to_string().as_str()),
        Reply::from(now.subsec_micros().to_string().as_str()),
    ]))
}

pub(super) fn info(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let all = a.len() == 1
        || a[1..]
            .iter()
            .any(|s| is(s, "all") || is(s, "everything") || is(s, "default"));
    let wants = |name: &str| all || a[1..].iter().any(|s| is(s, name));
    let mut text = String::new();
    let store = c.store;
    if wants("server") {
        text.push_str("# Server\r\n");
        let _ = write!(text, "embedis_version:{}\r\n", env!("CARGO_PKG_VERSION"));
        text.push_str("redis_version:7.0.15\r\nredis_mode:standalone\r\n");
        let _ = write!(text, "process_id:{}\r\n", std::process::id());
        let _ = write!(text, "databases:{}\r\n\r\n", store.databases());
    }
    let info = store.info();
    if wants("clients") {
        text.push_str("# Clients\r\n");
        let _ = write!(
            text,
            "connected_clients:{}\r\nblocked_clients:{}\r\n\r\n",
            info.connected_clients, info.blocked_clients
        );
    }
    if wants("stats") {
        text.push_str("# Stats\r\n");
        let _ = write!(
            text,
            "total_commands_processed:{}\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\n\r\n",
            info.total_commands_processed,
            info.expired_keys,
            info.evicted_keys,
            info.keyspace_hits,
            info.keyspace_misses,
        );
    }
    if wants("keyspace") {
        text.push_str("# Keyspace\r\n");
        for db in 0..store.databases() {
            let (keys, expires) = store.keyspace().counts(db);
            if keys > 0 {
                let _ = write!(text, "db{db}:keys={keys},expires={expires},avg_ttl=0\r\n");
            }
        }
    }
    Ok(Reply::Bulk(text.trim_end_matches("\r\n").to_owned().into()))
}

/// The settings `CONFIG GET` knows, with their current values.
fn config_values(c: &Ctx<'_>) -> Vec<(&'static str, String)> {
    let store = c.store;
    vec![
        ("databases", store.databases().to_string()),
        ("hz", "10".into()),
        ("maxmemory", "0".into()),
        ("maxmemory-policy", "noeviction".into()),
        (
            "notify-keyspace-events",
            store.notify_keyspace_events().to_string(),
        ),
        (
            "proto-max-bulk-len",
            store.shared.max_string_size.to_string(),
        ),
    ]
}

const CONFIG_HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "HELP",
    "    Print this help.",
];

pub(super) fn config(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "HELP") && a.len() == 2 {
        return Ok(help(CONFIG_HELP));
    }
    if is(sub, "GET") && a.len() >= 3 {
        let values = config_values(c);
        let mut out = Vec::new();
        for (name, value) in &values {
            if a[2..]
                .iter()
                .any(|p| crate::glob::matches(&p.to_ascii_lowercase(), name.as_bytes()))
            {
                out.push((Reply::from(*name), Reply::from(value.as_str())));
            }
        }
        return Ok(Reply::Map(out));
    }
    if is(sub, "SET") && a.len() >= 4 && a.len().is_multiple_of(2) {
        for pair in a[2..].chunks_exact(2) {
            let (name, value) = (pair[0], pair[1]);
            if is(name, "notify-keyspace-events") {
                let events = std::str::from_utf8(value)
                    .map_err(|_| Error::InvalidEventClass)
                    .and_then(KeyspaceEvents::parse);
                let Ok(events) = events else {
                    return Ok(Reply::Error(
                        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into(),
                    ));
                };
                c.store.set_notify_keyspace_events(events);
            } else if is(name, "hz")
                || is(name, "maxmemory-policy") && is(value, "noeviction")
                || is(name, "maxmemory") && value == b"0"
            {
                // Accepted: the store's behaviour already is this.
            } else {
                let name = String::from_utf8_lossy(name).into_owned();
                return Ok(Reply::Error(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                )));
            }
        }
        return Ok(Reply::ok());
    }
    if is(sub, "RESETSTAT") && a.len() == 2 {
        c.store.keyspace().stats().reset();
        return Ok(Reply::ok());
    }
    Ok(super::unknown_subcommand(sub, "CONFIG"))
}

pub(super) fn publish(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.store.pubsub().publish(a[1], a[2])?.into())
}

pub(super) fn pubsub(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    let ps = c.store.pubsub();
    if is(sub, "CHANNELS") && a.len() <= 3 {
        return Ok(ps.channels(a.get(2))?.into());
    }
    if is(sub, "NUMSUB") {
        let counts = ps.numsub(&a[2..])?;
        return Ok(Reply::Array(
            counts
                .into_iter()
                .flat_map(|(ch, n)| [Reply::from(ch), Reply::from(n)])
                .collect(),
        ));
    }
    if is(sub, "NUMPAT") && a.len() == 2 {
        return Ok(ps.numpat()?.into());
    }
    if is(sub, "HELP") {
        return Ok(help(&[
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "HELP",
            "    Print this help.",
        ]));
    }
    Ok(super::unknown_subcommand(sub, "PUBSUB"))
}

fn command_info(cmd: &Command) -> Reply {
    let (first, last, step) = cmd.key_range();
    Reply::Array(vec![
        Reply::from(cmd.name),
        Reply::Integer(i64::from(cmd.arity)),
        Reply::Set(
            cmd.flag_names()
                .into_iter()
                .map(|f| Reply::Simple(f.into()))
                .collect(),
        ),
        Reply::Integer(first),
        Reply::Integer(last),
        Reply::Integer(step),
    ])
}

pub(super) fn command(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let all = table::COMMANDS;
    match a.get(1) {
        None => Ok(Reply::Array(all.iter().map(command_info).collect())),
        Some(s) if is(s, "COUNT") && a.len() == 2 => Ok(all.len().into()),
        Some(s) if is(s, "HELP") => Ok(help(&[
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands in this server.",
            "LIST",
            "    Return a list of all commands in this server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple commands.",
            "HELP",
            "    Print this help.",
        ])),
        Some(s) if is(s, "LIST") && a.len() == 2 => Ok(Reply::Array(
            all.iter().map(|c| Reply::from(c.name)).collect(),
        )),
        Some(s) if is(s, "INFO") => Ok(Reply::Array(
            a[2..]
                .iter()
                .map(|n| table::lookup(n).map_or(Reply::Nil, command_info))
                .collect(),
        )),
        Some(s) if is(s, "DOCS") => {
            let names: Vec<&Command> = if a.len() == 2 {
                all.iter().collect()
            } else {
                a[2..].iter().filter_map(|n| table::lookup(n)).collect()
            };
            Ok(Reply::Map(
                names
                    .into_iter()
                    .map(|c| {
                        let doc = Reply::Map(vec![
                            (Reply::from("summary"), Reply::from(c.summary)),
                            (Reply::from("group"), Reply::from(c.group)),
                            (Reply::from("syntax"), Reply::from(c.args)),
                        ]);
                        (Reply::from(c.name), doc)
                    })
                    .collect(),
            ))
        }
        Some(s) => Ok(super::unknown_subcommand(s, "COMMAND")),
    }
}
