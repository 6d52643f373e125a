//! `COMMAND` and its subcommands: the commands the store has, described as Redis 7.0
//! describes them (`server.c`'s `commandCommand` and its siblings), from the specs in
//! [`super::spec`].

use super::spec::{
    self, ARG_FLAG_NAMES, Arg, CATEGORY_NAMES, DOC_FLAG_NAMES, KEY_FLAG_NAMES, Spec,
};
use super::{COMMANDS, lookup, subcommands};
use crate::Result;
use crate::command::keys::help;
use crate::command::parse::is;
use crate::command::{Ctx, Reply, c_str, unknown_subcommand};
use crate::glob;

/// The specs of the commands the store has, in name order.
fn all() -> impl Iterator<Item = &'static Spec> {
    COMMANDS
        .iter()
        .filter_map(|c| spec::find(c.name.as_bytes()))
}

/// The subcommands of `parent` the store has.
fn subs(parent: &'static Spec) -> impl Iterator<Item = &'static Spec> {
    let have = subcommands(parent.name).unwrap_or_default();
    parent
        .subcommands
        .iter()
        .filter(move |s| have.iter().any(|h| s.name[parent.name.len() + 1..] == **h))
}

/// The command the arguments of a command line name: its subcommand when it is a
/// container given one (`lookupCommand`).
fn by_args(args: &[&[u8]]) -> Option<&'static Spec> {
    let top = spec::find(lookup(args.first()?)?.name.as_bytes())?;
    match args.get(1) {
        Some(sub) if !top.subcommands.is_empty() => own_sub(top, sub),
        _ => Some(top),
    }
}

/// The subcommand `name` of `parent`, if the store has it.
fn own_sub(parent: &'static Spec, name: &[u8]) -> Option<&'static Spec> {
    let s = parent.sub(name)?;
    subs(parent).any(|o| o.name == s.name).then_some(s)
}

/// The command a full name (`get`, `client|list`) names (`lookupCommandBySds`).
fn by_full_name(name: &[u8]) -> Option<&'static Spec> {
    let mut parts = name.split(|b| *b == b'|');
    let top = spec::find(lookup(parts.next()?)?.name.as_bytes())?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(top),
        (Some(sub), None) if !top.subcommands.is_empty() => own_sub(top, sub),
        _ => None,
    }
}

fn names<T>(flags: T, table: &[(T, &'static str)], prefix: &str) -> Reply
where
    T: Copy + std::ops::BitAnd<Output = T> + PartialEq + Default,
{
    Reply::Set(
        table
            .iter()
            .filter(|(f, _)| flags & *f != T::default())
            .map(|(_, n)| Reply::Simple(format!("{prefix}{n}")))
            .collect(),
    )
}

fn key_flags(flags: u16) -> Reply {
    names(flags, &KEY_FLAG_NAMES, "")
}

fn map(pairs: Vec<(&str, Reply)>) -> Reply {
    Reply::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Reply::from(k), v))
            .collect(),
    )
}

fn key_specs(spec: &Spec) -> Reply {
    Reply::Set(
        spec.key_specs
            .iter()
            .map(|k| {
                let mut m = Vec::new();
                if let Some(notes) = k.notes {
                    m.push(("notes", Reply::from(notes)));
                }
                m.push(("flags", key_flags(k.flags)));
                let int = |n: i32| Reply::Integer(n.into());
                let begin = match k.begin {
                    spec::Begin::Index(i) => {
                        vec![
                            ("type", "index".into()),
                            ("spec", map(vec![("index", int(i))])),
                        ]
                    }
                    spec::Begin::Keyword(word, from) => vec![
                        ("type", "keyword".into()),
                        (
                            "spec",
                            map(vec![("keyword", word.into()), ("startfrom", int(from))]),
                        ),
                    ],
                    spec::Begin::Unknown => {
                        vec![("type", "unknown".into()), ("spec", map(Vec::new()))]
                    }
                };
                m.push(("begin_search", map(begin)));
                let find = match k.find {
                    spec::Find::Range { last, step, limit } => vec![
                        ("type", "range".into()),
                        (
                            "spec",
                            map(vec![
                                ("lastkey", int(last)),
                                ("keystep", int(step)),
                                ("limit", int(limit)),
                            ]),
                        ),
                    ],
                    spec::Find::KeyNum { index, first, step } => vec![
                        ("type", "keynum".into()),
                        (
                            "spec",
                            map(vec![
                                ("keynumidx", int(index)),
                                ("firstkey", int(first)),
                                ("keystep", int(step)),
                            ]),
                        ),
                    ],
                    spec::Find::Unknown => {
                        vec![("type", "unknown".into()), ("spec", map(Vec::new()))]
                    }
                };
                m.push(("find_keys", map(find)));
                map(m)
            })
            .collect(),
    )
}

/// A command's ten-field description (`addReplyCommandInfo`).
fn info(spec: &'static Spec) -> Reply {
    let ((first, last, step), _) = spec.legacy_range();
    let subcommands = if spec.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(subs(spec).map(info).collect())
    };
    Reply::Array(vec![
        Reply::from(spec.name),
        Reply::Integer(spec.arity.into()),
        Reply::Set(spec.flag_names().map(|f| Reply::Simple(f.into())).collect()),
        Reply::Integer(first),
        Reply::Integer(last),
        Reply::Integer(step),
        names(spec.categories(), &CATEGORY_NAMES, "@"),
        Reply::Set(spec.tips.iter().map(|t| Reply::from(*t)).collect()),
        key_specs(spec),
        subcommands,
    ])
}

fn arg_docs(args: &[Arg]) -> Reply {
    Reply::Array(
        args.iter()
            .map(|a| {
                let mut m = vec![
                    ("name", Reply::from(a.name)),
                    ("type", a.kind.name().into()),
                ];
                if let Some(i) = a.key_spec {
                    m.push(("key_spec_index", Reply::Integer(i.into())));
                }
                for (field, value) in [
                    ("token", a.token),
                    ("since", a.since),
                    ("deprecated_since", a.deprecated_since),
                ] {
                    if let Some(v) = value {
                        m.push((field, v.into()));
                    }
                }
                if a.flags != 0 {
                    m.push(("flags", names(a.flags, &ARG_FLAG_NAMES, "")));
                }
                if matches!(a.kind, spec::ArgType::OneOf | spec::ArgType::Block) {
                    m.push(("arguments", arg_docs(a.args)));
                }
                map(m)
            })
            .collect(),
    )
}

/// A command's documentation (`addReplyCommandDocs`).
fn docs(spec: &'static Spec) -> Reply {
    let d = &spec.doc;
    let mut m = Vec::new();
    if let Some(s) = d.summary {
        m.push(("summary", s.into()));
    }
    if let Some(s) = d.since {
        m.push(("since", s.into()));
    }
    m.push(("group", d.group.into()));
    if let Some(s) = d.complexity {
        m.push(("complexity", s.into()));
    }
    if d.doc_flags != 0 {
        m.push(("doc_flags", names(d.doc_flags, &DOC_FLAG_NAMES, "")));
    }
    if let Some(s) = d.deprecated_since {
        m.push(("deprecated_since", s.into()));
    }
    if let Some(s) = d.replaced_by {
        m.push(("replaced_by", s.into()));
    }
    if !d.history.is_empty() {
        let h = d.history.iter();
        let h = h.map(|(v, c)| Reply::Array(vec![Reply::from(*v), Reply::from(*c)]));
        m.push(("history", Reply::Set(h.collect())));
    }
    if !d.args.is_empty() {
        m.push(("arguments", arg_docs(d.args)));
    }
    if !spec.subcommands.is_empty() {
        let s = subs(spec).map(|s| (Reply::from(s.name), docs(s)));
        m.push(("subcommands", Reply::Map(s.collect())));
    }
    map(m)
}

/// `COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern]`.
fn list(a: &[&[u8]]) -> Reply {
    let filter: Box<dyn Fn(&Spec) -> bool> = match a {
        [_, _] => Box::new(|_| true),
        [_, _, f, kind, arg] if is(f, "FILTERBY") => {
            let arg = c_str(arg);
            if is(kind, "MODULE") {
                // No modules: no command is a module's.
                Box::new(|_| false)
            } else if is(kind, "ACLCAT") {
                let cat = CATEGORY_NAMES
                    .iter()
                    .find(|(_, n)| arg.eq_ignore_ascii_case(n.as_bytes()))
                    .map_or(0, |(c, _)| *c);
                Box::new(move |s| s.categories() & cat != 0)
            } else if is(kind, "PATTERN") {
                let pattern = arg.to_ascii_lowercase();
                Box::new(move |s| glob::matches(&pattern, s.name.as_bytes()))
            } else {
                return crate::Error::Syntax.into();
            }
        }
        _ => return crate::Error::Syntax.into(),
    };
    let mut out = Vec::new();
    for top in all() {
        for s in std::iter::once(top).chain(subs(top)) {
            if filter(s) {
                out.push(Reply::from(s.name));
            }
        }
    }
    Reply::Array(out)
}

/// `COMMAND GETKEYS` / `GETKEYSANDFLAGS` (`getKeysSubcommandImpl`).
fn getkeys(line: &[&[u8]], with_flags: bool) -> Reply {
    let error = |e: &str| Reply::Error(format!("ERR {e}").into_bytes().into());
    let Some(spec) = by_args(line) else {
        return error("Invalid command specified");
    };
    if !spec.has_keys() {
        return error("The command has no key arguments");
    }
    if !super::arity_ok(spec.arity, line.len()) {
        return error("Invalid number of arguments specified for command");
    }
    let keys = spec.keys(line);
    if keys.is_empty() {
        return if spec.flags() & spec::F_NO_MANDATORY_KEYS != 0 {
            Reply::Array(Vec::new())
        } else {
            error("Invalid arguments specified for command")
        };
    }
    Reply::Array(
        keys.into_iter()
            .map(|(i, flags)| {
                let key = Reply::from(line[i]);
                if with_flags {
                    Reply::Array(vec![key, key_flags(flags)])
                } else {
                    key
                }
            })
            .collect(),
    )
}

pub(super) fn command(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(match a.get(1) {
        None => Reply::Array(all().map(info).collect()),
        Some(s) if is(s, "COUNT") => all().count().into(),
        Some(s) if is(s, "HELP") => help(&[
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
            "HELP",
            "    Prints this help.",
        ]),
        Some(s) if is(s, "LIST") => list(a),
        Some(s) if is(s, "INFO") => {
            if a.len() == 2 {
                Reply::Array(all().map(info).collect())
            } else {
                let infos = a[2..]
                    .iter()
                    .map(|n| by_full_name(n).map_or(Reply::Nil, info));
                Reply::Array(infos.collect())
            }
        }
        Some(s) if is(s, "DOCS") => {
            let found: Vec<&'static Spec> = if a.len() == 2 {
                all().collect()
            } else {
                a[2..].iter().filter_map(|n| by_full_name(n)).collect()
            };
            Reply::Map(
                found
                    .into_iter()
                    .map(|s| (Reply::from(s.name), docs(s)))
                    .collect(),
            )
        }
        Some(s) if is(s, "GETKEYS") => getkeys(&a[2..], false),
        Some(s) if is(s, "GETKEYSANDFLAGS") => getkeys(&a[2..], true),
        Some(s) => unknown_subcommand(s, "COMMAND"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_subcommand_has_its_redis_spec_and_arity() {
        for c in COMMANDS {
            let spec = spec::find(c.name.as_bytes())
                .unwrap_or_else(|| panic!("{} has no Redis 7.0 spec", c.name));
            assert_eq!(spec.arity, c.arity, "{}", c.name);
            for sub in subcommands(c.name).unwrap_or_default() {
                assert!(spec.sub(sub.as_bytes()).is_some(), "{}|{sub}", c.name);
            }
            assert_eq!(
                subs(spec).count(),
                subcommands(c.name).map_or(0, <[_]>::len)
            );
        }
    }

    #[test]
    fn the_dispatch_flags_agree_with_redis() {
        use super::super::{BLOCKING, DENYOOM, FAST, LOADING, NO_MULTI, NOSCRIPT, PUBSUB};
        use super::super::{READONLY, STALE, WRITE};
        let pairs = [
            (WRITE, spec::F_WRITE),
            (READONLY, spec::F_READONLY),
            (DENYOOM, spec::F_DENYOOM),
            (FAST, spec::F_FAST),
            (BLOCKING, spec::F_BLOCKING),
            (PUBSUB, spec::F_PUBSUB),
            (NOSCRIPT, spec::F_NOSCRIPT),
            (LOADING, spec::F_LOADING),
            (STALE, spec::F_STALE),
            (NO_MULTI, spec::F_NO_MULTI),
        ];
        let mut wrong = Vec::new();
        // A container's subcommands have their own flags; WAIT blocks (as in Redis)
        // without Redis's flag.
        let plain = COMMANDS.iter().filter(|c| subcommands(c.name).is_none());
        for c in plain {
            let spec = spec::find(c.name.as_bytes()).unwrap();
            for (ours, theirs) in pairs {
                if c.name == "wait" && ours == BLOCKING {
                    continue;
                }
                if c.has(ours) != (spec.flags() & theirs != 0) {
                    wrong.push(format!("{} {theirs:#x}", c.name));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:?}");
    }
}
