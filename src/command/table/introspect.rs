//! `COMMAND` and its subcommands (`COUNT`, `LIST`, `INFO`, `DOCS`, `HELP`): the command
//! table describing itself (`server.c`'s `commandCommand` and its siblings).

use super::{COMMANDS, Command, lookup};
use crate::Result;
use crate::command::keys::help;
use crate::command::parse::is;
use crate::command::{Ctx, Reply, unknown_subcommand};

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
    let all = COMMANDS;
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
            "    Prints this help.",
        ])),
        Some(s) if is(s, "LIST") && a.len() == 2 => Ok(Reply::Array(
            all.iter().map(|c| Reply::from(c.name)).collect(),
        )),
        Some(s) if is(s, "INFO") => Ok(Reply::Array(
            a[2..]
                .iter()
                .map(|n| lookup(n).map_or(Reply::Nil, command_info))
                .collect(),
        )),
        Some(s) if is(s, "DOCS") => {
            let names: Vec<&Command> = if a.len() == 2 {
                all.iter().collect()
            } else {
                a[2..].iter().filter_map(|n| lookup(n)).collect()
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
        Some(s) => Ok(unknown_subcommand(s, "COMMAND")),
    }
}
