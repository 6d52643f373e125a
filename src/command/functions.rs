//! Functions (Redis's `functions.c`): `FUNCTION LOAD | DELETE | FLUSH | LIST | DUMP |
//! RESTORE | STATS | KILL | HELP`, and `FCALL` / `FCALL_RO`, which run a function as
//! `EVAL` runs a script — the store locked whole, `redis.call` under the same checks,
//! errors naming the function.
//!
//! The libraries live in scripting's registry; after each change their code is copied
//! to the keyspace, where snapshots and log rewrites find it, and the change is logged
//! as Redis propagates it (the command as given). The libraries of a file the store
//! opened are taken into the registry as it opens (or, replaying a log, before the
//! log's first command on functions).

use bytes::Bytes;

use super::keys::help;
use super::parse::is;
use super::scripting::{
    Run, busy_error, finish, frozen_expiry, kill_reply, locked, lua_failure, with_dispatcher,
};
use super::{Ctx, Reply, error, reply_error, subcommand_syntax_error};
use crate::Result;
use crate::rdb::file;
use crate::script::functions::{ENGINE, LOAD_TIMEOUT, RestorePolicy};
use crate::script::{MappedFunctions, flags};

/// The registry, with the libraries a loaded file left in the keyspace taken in.
fn registry<'a>(c: &Ctx<'a>) -> std::result::Result<MappedFunctions<'a>, Reply> {
    let mut functions = c
        .store
        .core
        .scripting
        .functions()
        .map_err(|e| lua_failure(&e))?;
    let mut libraries = c.store.keyspace().libraries();
    if libraries.loaded {
        // A log's replay after its base: the base's libraries go in first.
        let taken = functions.take_loaded(&mut libraries);
        drop(libraries);
        count(c, &functions);
        if let Err(e) = taken {
            return Err(reply_error(&[
                b"ERR Failed loading library, ",
                e.as_bytes(),
            ]));
        }
    }
    Ok(functions)
}

/// Updates the counts `FUNCTION STATS` and `INFO` show.
fn count(c: &Ctx<'_>, functions: &MappedFunctions<'_>) {
    let (libraries, count) = functions.counts();
    let mut stats = c.store.core.scripting.function_stats();
    stats.libraries = libraries;
    stats.functions = count;
}

/// After a change: the keyspace's copy of the code, the counts `FUNCTION STATS`
/// shows, and the log.
fn changed(c: &Ctx<'_>, functions: &MappedFunctions<'_>, a: &[&[u8]]) -> Result<()> {
    c.store.keyspace().libraries().codes = functions.libraries().map(|l| l.code.clone()).collect();
    count(c, functions);
    c.store.keyspace().count_other_change();
    c.access.log_command(c.db, a)
}

/// Runs the scripting command `name` (the table marks them
/// [`SCRIPTING`](super::table::SCRIPTING)): functions here, scripts by
/// [`scripting::run`](super::scripting::run).
pub(super) fn run(c: &Ctx<'_>, name: &str, a: &[&[u8]]) -> Result<Reply> {
    match name {
        "function" => function(c, a),
        "fcall" => fcall(c, a),
        "fcall_ro" => fcall_ro(c, a),
        _ => super::scripting::run(c, name, a),
    }
}

/// `FUNCTION <subcommand> …`.
pub(super) fn function(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "help") && a.len() == 2 {
        return Ok(function_help());
    }
    if is(sub, "stats") && a.len() == 2 {
        return Ok(stats(c));
    }
    if is(sub, "kill") && a.len() == 2 {
        return Ok(kill_reply(c.store.core.scripting.run_state().kill(false)));
    }
    if is(sub, "load") && a.len() >= 3 {
        return load(c, a);
    }
    if is(sub, "delete") && a.len() == 3 {
        let mut functions = match registry(c) {
            Ok(f) => f,
            Err(reply) => return Ok(reply),
        };
        if !functions.delete(a[2]) {
            return Ok(error("ERR Library not found"));
        }
        changed(c, &functions, a)?;
        return Ok(Reply::ok());
    }
    if is(sub, "flush") {
        if a.len() > 3 {
            return Ok(subcommand_syntax_error(sub, "FUNCTION"));
        }
        if a.len() == 3 && !is(a[2], "sync") && !is(a[2], "async") {
            return Ok(error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
        }
        let mut functions = match registry(c) {
            Ok(f) => f,
            Err(reply) => return Ok(reply),
        };
        functions.flush();
        changed(c, &functions, a)?;
        return Ok(Reply::ok());
    }
    if is(sub, "list") {
        return Ok(list(c, a));
    }
    if is(sub, "dump") && a.len() == 2 {
        let functions = match registry(c) {
            Ok(f) => f,
            Err(reply) => return Ok(reply),
        };
        let codes: Vec<Vec<u8>> = functions.libraries().map(|l| l.code.clone()).collect();
        drop(functions);
        let compress = c.store.keyspace().rdb_compression();
        return Ok(Reply::Bulk(Bytes::from(file::functions_payload(
            &codes, compress,
        ))));
    }
    if is(sub, "restore") && a.len() >= 3 {
        return restore(c, a);
    }
    Ok(subcommand_syntax_error(sub, "FUNCTION"))
}

/// `FUNCTION LOAD [REPLACE] code` (`functionLoadCommand`).
fn load(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let mut replace = false;
    let mut at = 2;
    while at < a.len() - 1 {
        if is(a[at], "replace") {
            replace = true;
            at += 1;
            continue;
        }
        return Ok(reply_error(&[
            b"ERR Unknown option given: ",
            super::c_str(a[at]),
        ]));
    }
    if at >= a.len() {
        return Ok(error("ERR Function code is missing"));
    }
    let mut functions = match registry(c) {
        Ok(f) => f,
        Err(reply) => return Ok(reply),
    };
    // Replayed from the log, a library loads however long it takes (Redis's
    // `mustObeyClient`).
    let timeout = (!c.store.keyspace().loading()).then_some(LOAD_TIMEOUT);
    match functions.load(a[at], replace, timeout) {
        Ok(name) => {
            changed(c, &functions, a)?;
            Ok(Reply::Bulk(Bytes::from(name)))
        }
        Err(text) => Ok(reply_error(&[b"ERR ", text.as_bytes()])),
    }
}

/// `FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]` (`functionRestoreCommand`).
fn restore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if a.len() > 4 {
        return Ok(subcommand_syntax_error(a[1], "FUNCTION"));
    }
    let policy = match a.get(3) {
        None => RestorePolicy::Append,
        Some(p) if is(p, "append") => RestorePolicy::Append,
        Some(p) if is(p, "replace") => RestorePolicy::Replace,
        Some(p) if is(p, "flush") => RestorePolicy::Flush,
        Some(_) => {
            return Ok(error(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ));
        }
    };
    let codes = match file::read_functions_payload(a[2], c.store.keyspace().max_string_size()) {
        Ok(codes) => codes,
        Err(text) => return Ok(reply_error(&[b"ERR ", text.as_bytes()])),
    };
    let mut functions = match registry(c) {
        Ok(f) => f,
        Err(reply) => return Ok(reply),
    };
    match functions.restore(&codes, policy) {
        Ok(()) => {
            changed(c, &functions, a)?;
            Ok(Reply::ok())
        }
        Err(text) => Ok(reply_error(&[b"ERR ", text.as_bytes()])),
    }
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]` (`functionListCommand`).
fn list(c: &Ctx<'_>, a: &[&[u8]]) -> Reply {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while i < a.len() {
        if !with_code && is(a[i], "withcode") {
            with_code = true;
            i += 1;
            continue;
        }
        if pattern.is_none() && is(a[i], "libraryname") {
            if i >= a.len() - 1 {
                return error("ERR library name argument was not given");
            }
            pattern = Some(a[i + 1]);
            i += 2;
            continue;
        }
        return reply_error(&[b"ERR Unknown argument ", super::c_str(a[i])]);
    }
    let functions = match registry(c) {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    let bulk = |s: &str| Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()));
    // Matched in any case (`stringmatchlen`'s `nocase`): both sides lowered.
    let pattern = pattern.map(<[u8]>::to_ascii_lowercase);
    let mut out = Vec::new();
    for library in functions.libraries() {
        if let Some(p) = &pattern
            && !crate::glob::matches(p, library.name.to_ascii_lowercase().as_bytes())
        {
            continue;
        }
        let mut fields = vec![
            (bulk("library_name"), bulk(&library.name)),
            (bulk("engine"), bulk(ENGINE)),
            (
                bulk("functions"),
                Reply::Array(
                    library
                        .functions
                        .values()
                        .map(|f| {
                            Reply::Map(vec![
                                (bulk("name"), bulk(&f.name)),
                                (
                                    bulk("description"),
                                    f.description.as_ref().map_or(Reply::Nil, |d| {
                                        Reply::Bulk(Bytes::copy_from_slice(d))
                                    }),
                                ),
                                (
                                    bulk("flags"),
                                    Reply::Set(
                                        flags::NAMES
                                            .iter()
                                            .filter(|(_, bit)| f.flags & bit != 0)
                                            .map(|(n, _)| Reply::Simple((*n).into()))
                                            .collect(),
                                    ),
                                ),
                            ])
                        })
                        .collect(),
                ),
            ),
        ];
        if with_code {
            fields.push((
                bulk("library_code"),
                Reply::Bulk(Bytes::copy_from_slice(&library.code)),
            ));
        }
        out.push(Reply::Map(fields));
    }
    Reply::Array(out)
}

/// `FUNCTION STATS` (`functionStatsCommand`): read without the registry, which a
/// running function holds.
fn stats(c: &Ctx<'_>) -> Reply {
    let scripting = &c.store.core.scripting;
    if scripting.run_state().running_eval() == Some(true) {
        return busy_error(true);
    }
    let bulk = |s: &str| Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()));
    let stats = scripting.function_stats();
    let running = match &stats.current {
        None => Reply::Nil,
        Some(cur) => Reply::Map(vec![
            (bulk("name"), bulk(&cur.name)),
            (
                bulk("command"),
                Reply::Array(
                    cur.command
                        .iter()
                        .map(|a| Reply::Bulk(Bytes::copy_from_slice(a)))
                        .collect(),
                ),
            ),
            (
                bulk("duration_ms"),
                Reply::Integer(
                    i64::try_from(cur.started.elapsed().as_millis()).unwrap_or(i64::MAX),
                ),
            ),
        ]),
    };
    Reply::Map(vec![
        (bulk("running_script"), running),
        (
            bulk("engines"),
            Reply::Map(vec![(
                bulk(ENGINE),
                Reply::Map(vec![
                    (
                        bulk("libraries_count"),
                        Reply::Integer(i64::try_from(stats.libraries).unwrap_or(i64::MAX)),
                    ),
                    (
                        bulk("functions_count"),
                        Reply::Integer(i64::try_from(stats.functions).unwrap_or(i64::MAX)),
                    ),
                ]),
            )]),
        ),
    ])
}

fn function_help() -> Reply {
    help(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ])
}

/// `FCALL function numkeys [key …] [arg …]`.
pub(super) fn fcall(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_fcall(c, a, false)
}

/// `FCALL_RO`: refuses functions that may write.
pub(super) fn fcall_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_fcall(c, a, true)
}

/// The numkeys argument of `FCALL` (`fcallCommandGeneric`'s checks).
fn numkeys(a: &[&[u8]]) -> std::result::Result<usize, Reply> {
    let Ok(n) = super::parse::int(a[2]) else {
        return Err(error("ERR Bad number of keys provided"));
    };
    if n > i64::try_from(a.len() - 3).unwrap_or(i64::MAX) {
        return Err(error(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    usize::try_from(n).map_err(|_| error("ERR Number of keys can't be negative"))
}

fn run_fcall(c: &Ctx<'_>, a: &[&[u8]], ro: bool) -> Result<Reply> {
    let scripting = &c.store.core.scripting;
    let oom = c.access.admit().is_err();
    locked(c, |access| {
        let functions = match registry(c) {
            Ok(f) => f,
            Err(reply) => return reply,
        };
        let Some(found) = functions.find(a[1]) else {
            return error("ERR Function not found");
        };
        let (callback, name, function_flags) =
            (found.callback.clone(), found.name.clone(), found.flags);
        // A function that may write and does not allow it is refused over the memory
        // limit as a command that grows memory is (Redis turns its flags into the
        // command's, which its checks before running any command look at).
        if oom && function_flags & (flags::NO_WRITES | flags::ALLOW_OOM) == 0 {
            return crate::Error::OutOfMemory.into();
        }
        // And one that may write, while writes are refused (`MISCONF`).
        if function_flags & flags::NO_WRITES == 0
            && let Err(e) = c.store.keyspace().feed().check()
        {
            return e.into();
        }
        let n = match numkeys(a) {
            Ok(n) => n,
            Err(reply) => return reply,
        };
        let (keys, args) = a[3..].split_at(n);
        let run = Run::new((c.store, c.db), access, function_flags, ro, oom);
        if let Err(reply) = run.check_flags() {
            return reply;
        }
        let vm = functions.vm();
        let lua = vm.lua();
        scripting.function_stats().current = Some(crate::script::functions::Current {
            name: name.clone(),
            command: a.iter().map(|x| x.to_vec()).collect(),
            started: std::time::Instant::now(),
        });
        let out = scripting.running(lua, false, || {
            frozen_expiry(c, || {
                with_dispatcher(lua, vm.hidden(), &run, || {
                    functions.call(&callback, keys, args)
                })
            })
        });
        scripting.function_stats().current = None;
        finish(lua, &run, out, &name)
    })
}
