//! Lua scripting (Redis's `eval.c`, `script.c`, `script_lua.c`): `EVAL`, `EVALSHA`,
//! their `_RO` forms and `SCRIPT`, and what a script's `redis.call` runs.
//!
//! A script runs atomically: every shard of the store is write-locked for its length
//! (or, inside an `EXEC`, the transaction's — which then holds them all), so no command
//! of any thread runs between its calls, and its writes are logged and published as
//! one unit, as a transaction's are. Its commands run through the same table and
//! handlers as a connection's, after Redis's script checks (`scriptCall`).

use std::cell::Cell;

use bytes::Bytes;
use mlua::{Lua, Table, Value};

use super::keys::help;
use super::parse::{db_index, is};
use super::table::{self, spec};
use super::{Ctx, Reply, error, reply_error, subcommand_syntax_error};
use crate::keyspace::Access;
use crate::script::{self, KillRefused, error_table, flags};
use crate::transaction::{self, Span, Whole};
use crate::{Error, Result, Store};

/// Nesting of a script's reply past which an element answers an error (Redis's Lua
/// stack limit), so a self-nested table cannot exhaust the thread's stack.
const MAX_REPLY_DEPTH: usize = 1000;

/// Runs the scripting command `name` (the table marks them
/// [`SCRIPTING`](table::SCRIPTING)).
pub(super) fn run(c: &Ctx<'_>, name: &str, a: &[&[u8]]) -> Result<Reply> {
    match name {
        "eval" => eval(c, a),
        "eval_ro" => eval_ro(c, a),
        "evalsha" => evalsha(c, a),
        "evalsha_ro" => evalsha_ro(c, a),
        "script" => script(c, a),
        _ => Ok(error(format!("ERR unknown scripting command '{name}'"))),
    }
}

/// `EVAL script numkeys [key …] [arg …]`.
fn eval(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_eval(c, a, Source::Body, false)
}

/// `EVAL_RO`: refuses writes.
fn eval_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_eval(c, a, Source::Body, true)
}

/// `EVALSHA sha1 numkeys [key …] [arg …]`.
fn evalsha(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_eval(c, a, Source::Sha, false)
}

/// `EVALSHA_RO`.
fn evalsha_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    run_eval(c, a, Source::Sha, true)
}

/// Whether an `EVAL`'s first argument is the script or its SHA1.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Body,
    Sha,
}

/// `NOSCRIPT No matching script. Please use EVAL.`
pub(super) fn no_script() -> Reply {
    error("NOSCRIPT No matching script. Please use EVAL.")
}

/// A Lua failure outside any script's control (the state could not be made).
pub(super) fn lua_failure(e: &mlua::Error) -> Reply {
    reply_error(&[b"ERR ", script::lua_error_text(e).as_bytes()])
}

/// The numkeys argument of `EVAL`-like commands (`evalGenericCommand`'s checks).
pub(super) fn numkeys(a: &[&[u8]], at: usize) -> std::result::Result<usize, Reply> {
    let n = super::parse::int(a[at]).map_err(Reply::from)?;
    let left = a.len() - at - 1;
    if n > i64::try_from(left).unwrap_or(i64::MAX) {
        return Err(error(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    usize::try_from(n).map_err(|_| error("ERR Number of keys can't be negative"))
}

fn run_eval(c: &Ctx<'_>, a: &[&[u8]], source: Source, ro: bool) -> Result<Reply> {
    if source == Source::Sha && a[1].len() != 40 {
        return Ok(no_script());
    }
    let n = match numkeys(a, 2) {
        Ok(n) => n,
        Err(reply) => return Ok(reply),
    };
    let (keys, args) = a[3..].split_at(n);
    let scripting = &c.store.core.scripting;
    // Memory is checked (and made) before the shards are locked, as Redis does before
    // a command: a script over the limit may still run, but not its first
    // memory-growing write.
    let oom = c.access.admit().is_err();
    locked(c, |access| {
        let mut vm = match scripting.vm() {
            Ok(vm) => vm,
            Err(e) => return lua_failure(&e),
        };
        let sha = match source {
            Source::Sha => String::from_utf8_lossy(a[1]).to_ascii_lowercase(),
            Source::Body => match vm.create(a[1]) {
                Ok(sha) => sha,
                Err(text) => return error(format!("ERR {text}")),
            },
        };
        let Some(found) = vm.script(sha.as_bytes()) else {
            return no_script();
        };
        let (function, script_flags) = (found.function.clone(), found.flags);
        let run = Run::new((c.store, c.db), access, script_flags, ro, oom);
        if let Err(reply) = run.check_flags() {
            return reply;
        }
        let lua = vm.lua();
        let out = scripting.running(lua, true, || {
            frozen_expiry(c, || {
                with_dispatcher(lua, vm.hidden(), &run, || {
                    vm.run_eval(&function, keys, args)
                })
            })
        });
        finish(lua, &run, out, &sha)
    })
}

/// Runs `f` with the store locked whole: every shard, or (inside a transaction, which
/// then holds them all) the transaction's.
pub(super) fn locked(c: &Ctx<'_>, f: impl FnOnce(Access<'_>) -> Reply) -> Result<Reply> {
    if c.access.in_transaction() {
        return Ok(f(c.access));
    }
    let span = Span {
        keys: Vec::new(),
        whole: Whole::All,
    };
    transaction::run_queue(&c.store.core, &span, &[], f)
}

/// Runs `f` with keys expiring by the time it began (`scriptTimeSnapshot`): a key a
/// script saw does not vanish halfway through it.
pub(super) fn frozen_expiry<R>(c: &Ctx<'_>, f: impl FnOnce() -> R) -> R {
    struct Thaw<'k>(&'k crate::keyspace::Keyspace);
    impl Drop for Thaw<'_> {
        fn drop(&mut self) {
            self.0.thaw_expiry();
        }
    }
    let ks = c.store.keyspace();
    ks.freeze_expiry(ks.now());
    let _thaw = Thaw(ks);
    f()
}

/// Puts the run's dispatcher where `redis.call` finds it for the length of `f`.
pub(super) fn with_dispatcher<R>(
    lua: &Lua,
    hidden: &Table,
    run: &Run<'_>,
    f: impl FnOnce() -> mlua::Result<R>,
) -> mlua::Result<R> {
    lua.scope(|scope| {
        let dispatch =
            scope.create_function(|lua, args: mlua::MultiValue| run.dispatch(lua, args))?;
        hidden.raw_set("dispatch", dispatch)?;
        let out = f();
        hidden.raw_set("dispatch", Value::Nil)?;
        out
    })
}

/// The reply of a finished run: the script's value, or its error with the script's
/// name and the user's line (`luaCallFunction`).
pub(super) fn finish(
    lua: &Lua,
    run: &Run<'_>,
    out: mlua::Result<std::result::Result<Value, Value>>,
    name: &str,
) -> Reply {
    match out {
        Ok(Ok(value)) => to_reply(lua, &value, run.resp.get(), 0),
        Ok(Err(Value::Table(t))) => {
            let text = |field: &str| -> Option<Vec<u8>> {
                match t.raw_get::<Value>(field).ok()? {
                    Value::String(s) => Some(s.as_bytes().to_vec()),
                    Value::Integer(i) => Some(i.to_string().into_bytes()),
                    Value::Number(n) => Some(script::lua_number_string(n).into_bytes()),
                    _ => None,
                }
            };
            let msg = text("err").unwrap_or_else(|| b"(null)".to_vec());
            match (text("source"), text("line")) {
                (Some(source), Some(line)) => reply_error(&[
                    &msg,
                    b" script: ",
                    name.as_bytes(),
                    b", on ",
                    &source,
                    b":",
                    &line,
                    b".",
                ]),
                _ => reply_error(&[&msg]),
            }
        }
        Ok(Err(other)) => {
            let msg = match other {
                Value::String(s) => s.as_bytes().to_vec(),
                _ => b"execution failure".to_vec(),
            };
            reply_error(&[
                b"ERR Error running script ",
                name.as_bytes(),
                b", ",
                &msg[..msg.len().min(100)],
            ])
        }
        Err(e) => lua_failure(&e),
    }
}

/// One run of a script or function: what its `redis.call`s run against.
pub(super) struct Run<'a> {
    store: &'a Store,
    access: Access<'a>,
    db: Cell<usize>,
    /// The protocol of its command replies (`redis.setresp`).
    resp: Cell<u8>,
    flags: u8,
    read_only: bool,
    /// The store was over its memory limit when the run began.
    oom: bool,
    wrote: Cell<bool>,
    /// The slot of the first key a command touched (cluster mode).
    slot: Cell<Option<u16>>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        (store, db): (&'a Store, usize),
        access: Access<'a>,
        script_flags: u8,
        ro: bool,
        oom: bool,
    ) -> Self {
        let compat = script_flags & flags::COMPAT != 0;
        Run {
            store,
            access,
            db: Cell::new(db),
            resp: Cell::new(2),
            flags: script_flags,
            read_only: ro || (!compat && script_flags & flags::NO_WRITES != 0),
            oom,
            wrote: Cell::new(false),
            slot: Cell::new(None),
        }
    }

    fn compat(&self) -> bool {
        self.flags & flags::COMPAT != 0
    }

    /// `scriptPrepareForRun`'s checks of a script's declared flags.
    pub(super) fn check_flags(&self) -> std::result::Result<(), Reply> {
        if self.compat() {
            return Ok(());
        }
        // A script with flags and neither `allow-oom` nor `no-writes` is a command that
        // may grow memory: refused as any such command over the limit, first.
        if self.oom && self.flags & (flags::ALLOW_OOM | flags::NO_WRITES) == 0 {
            return Err(Error::OutOfMemory.into());
        }
        if self.flags & flags::NO_CLUSTER != 0 && self.store.keyspace().cluster() {
            return Err(error(
                "ERR Can not run script on cluster, 'no-cluster' flag is set.",
            ));
        }
        if self.flags & flags::NO_WRITES == 0 {
            if let Err(e) = self.store.keyspace().feed().check() {
                return Err(e.into());
            }
            if self.read_only {
                return Err(error(
                    "ERR Can not execute a script with write flag using *_ro command.",
                ));
            }
        }
        Ok(())
    }

    /// The dispatcher: op 0 runs a command (`redis.call`/`redis.pcall`), 1 is
    /// `redis.setresp`, 2 `redis.set_repl`, 3 `redis.acl_check_cmd`. Answers
    /// `(value, nil)` or `(nil, error table)`.
    fn dispatch(&self, lua: &Lua, mut values: mlua::MultiValue) -> mlua::Result<(Value, Value)> {
        let op = match values.pop_front() {
            Some(Value::Integer(op)) => op,
            _ => 0,
        };
        let fail = |text: &str| -> mlua::Result<(Value, Value)> {
            Ok((Value::Nil, Value::Table(error_table(lua, text.as_bytes())?)))
        };
        match op {
            1 | 2 => {
                let count = match values.pop_front() {
                    Some(Value::Integer(n)) => n,
                    _ => 0,
                };
                if count != 1 {
                    return fail(if op == 1 {
                        "redis.setresp() requires one argument."
                    } else {
                        "redis.set_repl() requires two arguments."
                    });
                }
                // `lua_tonumber`, then C's conversion to an integer.
                #[allow(clippy::cast_possible_truncation)]
                let v = to_number(values.front()).unwrap_or(0.0) as i64;
                if op == 1 {
                    if v != 2 && v != 3 {
                        return fail("RESP version must be 2 or 3.");
                    }
                    self.resp.set(if v == 3 { 3 } else { 2 });
                } else if v & !3 != 0 {
                    return fail(
                        "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                    );
                }
                Ok((Value::Nil, Value::Nil))
            }
            3 => {
                let words = match arguments(&values) {
                    Ok(words) => words,
                    Err(text) => return fail(text),
                };
                let argv: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
                if lookup(&argv).is_none() {
                    return fail("Invalid command passed to redis.acl_check_cmd()");
                }
                Ok((Value::Boolean(true), Value::Nil))
            }
            _ => {
                let words = match arguments(&values) {
                    Ok(words) => words,
                    Err(text) => return fail(text),
                };
                drop(values);
                let argv: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
                // Errors of the command and of its checks carry the flag Redis sets
                // so that its error statistics count them once.
                let flagged = |text: &[u8]| -> mlua::Result<(Value, Value)> {
                    let t = error_table(lua, text)?;
                    t.raw_set("ignore_error_stats_update", true)?;
                    Ok((Value::Nil, Value::Table(t)))
                };
                let reply = match self.call(&argv) {
                    Ok(reply) => reply,
                    Err(text) => return flagged(text.as_bytes()),
                };
                let reply = if self.resp.get() == 3 {
                    reply.into_resp3()
                } else {
                    reply.into_resp2()
                };
                if let Reply::Error(text) = &reply {
                    return flagged(&[b"-".as_slice(), text].concat());
                }
                Ok((to_lua(lua, reply, self.resp.get())?, Value::Nil))
            }
        }
    }

    /// Runs one command of the script after Redis's checks (`scriptCall`); `Err` is an
    /// error of the checks (the reply of a command that ran may be an error too).
    fn call(&self, argv: &[&[u8]]) -> std::result::Result<Reply, String> {
        let Some((cmd, spec)) = lookup(argv) else {
            // A command of Redis's the store does not have: refused as Redis refuses
            // it in a script if it may not run there.
            let refused = spec::find(argv[0]).is_some_and(|s| {
                let s = argv.get(1).and_then(|sub| s.sub(sub)).unwrap_or(s);
                table::arity_ok(s.arity, argv.len()) && s.flags() & spec::F_NOSCRIPT != 0
            });
            return Err(if refused {
                "This Redis command is not allowed from script"
            } else {
                "Unknown Redis command called from script"
            }
            .into());
        };
        let arity = spec.map_or(cmd.arity, |s| s.arity);
        if !table::arity_ok(arity, argv.len()) {
            return Err("Wrong number of args calling Redis command from script".into());
        }
        let cmd_flags = spec.map_or(0, spec::Spec::flags);
        if cmd_flags & spec::F_NOSCRIPT != 0 {
            return Err("This Redis command is not allowed from script".into());
        }
        let writes = cmd_flags & spec::F_WRITE != 0;
        if self.read_only && cmd_flags & (spec::F_WRITE | spec::F_MAY_REPLICATE) != 0 {
            return Err("Write commands are not allowed from read-only scripts.".into());
        }
        if writes
            && !self.wrote.get()
            && let Err(e) = self.store.keyspace().feed().check()
        {
            return Err(format!("-{e}"));
        }
        if self.flags & flags::ALLOW_OOM == 0 || self.compat() {
            let denyoom = table::denies_oom(cmd, argv);
            if denyoom && self.oom && !self.wrote.get() {
                return Err(format!("-{}", Error::OutOfMemory));
            }
        }
        if writes {
            self.wrote.set(true);
            self.store.core.scripting.run_state().wrote();
        }
        if self.store.keyspace().cluster() {
            self.check_slot(cmd, argv)?;
        }
        self.store.keyspace().stats().command();
        let Some(handler) = cmd.run else {
            // The connection commands a script may run.
            return Ok(match cmd.name {
                "select" => match db_index(argv[1]).and_then(|i| {
                    self.store.db(i)?;
                    Ok(i)
                }) {
                    Ok(i) => {
                        self.db.set(i);
                        Reply::ok()
                    }
                    Err(e) => e.into(),
                },
                _ => return Err("This Redis command is not allowed from script".into()),
            });
        };
        let ctx = Ctx {
            store: self.store,
            access: self.access,
            db: self.db.get(),
            resp3: self.resp.get() == 3,
            cancel: None,
            script: true,
            park: None,
        };
        // The script's checks above decided about memory (`scriptVerifyOOM`).
        self.access.admit_all(true);
        let reply = handler(&ctx, argv).unwrap_or_else(Reply::from);
        self.access.admit_all(false);
        Ok(reply)
    }

    /// Cluster mode: the keys of a script's commands must all hash to one slot
    /// (`scriptVerifyClusterState`), unless the script allows cross-slot keys.
    fn check_slot(&self, cmd: &table::Command, argv: &[&[u8]]) -> std::result::Result<(), String> {
        let keys = table::cluster_keys(cmd, argv);
        let slot = match crate::slot::common_slot(keys) {
            Ok(Some(slot)) => slot,
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("-{e}")),
        };
        if self.compat() || self.flags & flags::ALLOW_CROSS_SLOT != 0 {
            return Ok(());
        }
        match self.slot.get() {
            None => self.slot.set(Some(slot)),
            Some(s) if s != slot => {
                return Err(
                    "Script attempted to access keys that do not hash to the same slot".into(),
                );
            }
            Some(_) => {}
        }
        Ok(())
    }
}

/// A command and its subcommand's spec, as `lookupCommand` finds them (an unknown
/// subcommand of a container is no command).
pub(super) fn lookup(
    argv: &[&[u8]],
) -> Option<(&'static table::Command, Option<&'static spec::Spec>)> {
    let cmd = table::lookup(argv.first()?)?;
    let top = spec::find(cmd.name.as_bytes());
    match (table::subcommands(cmd.name), argv.get(1)) {
        (Some(subs), Some(sub)) => {
            if !subs.iter().any(|n| is(sub, n)) {
                return None;
            }
            Some((cmd, top.and_then(|t| t.sub(sub))))
        }
        _ => Some((cmd, top)),
    }
}

/// A command's arguments from Lua values (`luaArgsToRedisArgv`): strings as they are,
/// numbers as `%.17g`; anything else is refused.
pub(super) fn arguments(
    args: &mlua::MultiValue,
) -> std::result::Result<Vec<Vec<u8>>, &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    args.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            // Every Lua number is a double, written `%.17g` (1e17 as `1e+17`).
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Ok(crate::number::format_double(*i as f64).into_bytes()),
            Value::Number(n) => Ok(crate::number::format_double(*n).into_bytes()),
            _ => Err("Lua redis lib command arguments must be strings or integers"),
        })
        .collect()
}

/// A Lua value as `lua_tonumber` reads it.
fn to_number(v: Option<&Value>) -> Option<f64> {
    match v? {
        #[allow(clippy::cast_precision_loss)]
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => std::str::from_utf8(&s.as_bytes()).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A command's reply as a script sees it (`redisProtocolToLuaType`).
fn to_lua(lua: &Lua, reply: Reply, resp: u8) -> mlua::Result<Value> {
    let single = |key: &str, v: Value| -> mlua::Result<Value> {
        let t = lua.create_table()?;
        t.raw_set(key, v)?;
        Ok(Value::Table(t))
    };
    Ok(match reply {
        // RESP2's nulls are `false`, RESP3's is `nil`.
        Reply::Nil if resp == 3 => Value::Nil,
        Reply::Nil | Reply::NilArray | Reply::NoReply => Value::Boolean(false),
        Reply::Simple(s) => single("ok", Value::String(lua.create_string(s)?))?,
        Reply::Error(e) => Value::Table(error_table(lua, &[b"-".as_slice(), &e].concat())?),
        #[allow(clippy::cast_precision_loss)]
        Reply::Integer(i) => Value::Number(i as f64),
        Reply::Bulk(b) => Value::String(lua.create_string(&b)?),
        Reply::Double(d) => single("double", Value::Number(d))?,
        Reply::Boolean(b) => Value::Boolean(b),
        Reply::Array(items) | Reply::Push(items) => {
            // Built as Redis builds it (an empty table, then each element in
            // order), so a RESP3 null leaves the same hole: `#` agrees.
            let t = lua.create_table()?;
            for (i, item) in items.into_iter().enumerate() {
                t.raw_set(i + 1, to_lua(lua, item, resp)?)?;
            }
            Value::Table(t)
        }
        Reply::Map(pairs) => {
            // Unsized as Redis's, so `pairs` visits in Redis's order.
            let t = lua.create_table()?;
            for (k, v) in pairs {
                t.raw_set(to_lua(lua, k, resp)?, to_lua(lua, v, resp)?)?;
            }
            single("map", Value::Table(t))?
        }
        Reply::Set(items) => {
            let t = lua.create_table()?;
            for item in items {
                t.raw_set(to_lua(lua, item, resp)?, true)?;
            }
            single("set", Value::Table(t))?
        }
        Reply::Verbatim(b) => {
            let inner = lua.create_table()?;
            inner.raw_set("string", lua.create_string(&b)?)?;
            inner.raw_set("format", "txt")?;
            single("verbatim_string", Value::Table(inner))?
        }
    })
}

/// A script's value as a reply (`luaReplyToRedisReply`); `resp` is the protocol the
/// script chose, which decides how booleans answer.
pub(super) fn to_reply(lua: &Lua, v: &Value, resp: u8, depth: usize) -> Reply {
    if depth > MAX_REPLY_DEPTH {
        return error("ERR reached lua stack limit");
    }
    match v {
        Value::String(s) => Reply::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        Value::Boolean(b) if resp == 3 => Reply::Boolean(*b),
        Value::Boolean(true) => Reply::Integer(1),
        Value::Integer(i) => Reply::Integer(*i),
        Value::Number(n) => Reply::Integer(to_long_long(*n)),
        Value::Table(t) => table_reply(lua, t, resp, depth),
        _ => Reply::Nil,
    }
}

/// A double as C's cast to `long long` gives it on x86-64: out of range (and NaN)
/// is the smallest integer.
fn to_long_long(n: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    if n.is_finite() && n >= i64::MIN as f64 && n < i64::MAX as f64 {
        n as i64
    } else {
        i64::MIN
    }
}

fn table_reply(lua: &Lua, t: &Table, resp: u8, depth: usize) -> Reply {
    let field = |name: &str| t.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(e) = field("err") {
        // One line, as Redis's error replies are.
        return reply_error(&[&e.as_bytes()]);
    }
    if let Value::String(ok) = field("ok") {
        let mut ok = String::from_utf8_lossy(&ok.as_bytes()).into_owned();
        ok = ok.replace(['\r', '\n'], " ");
        return Reply::Simple(ok);
    }
    match field("double") {
        Value::Number(d) => return Reply::Double(d),
        #[allow(clippy::cast_precision_loss)]
        Value::Integer(i) => return Reply::Double(i as f64),
        _ => {}
    }
    if let Value::String(b) = field("big_number") {
        let text = String::from_utf8_lossy(&b.as_bytes()).replace(['\r', '\n'], " ");
        return Reply::Bulk(Bytes::from(text));
    }
    if let Value::Table(v) = field("verbatim_string")
        && let Ok(Value::String(_)) = v.raw_get::<Value>("format")
        && let Ok(Value::String(s)) = v.raw_get::<Value>("string")
    {
        return Reply::Verbatim(Bytes::copy_from_slice(&s.as_bytes()));
    }
    if let Value::Table(m) = field("map") {
        let mut pairs = Vec::new();
        for (k, v) in m.pairs::<Value, Value>().flatten() {
            pairs.push((
                to_reply(lua, &k, resp, depth + 1),
                to_reply(lua, &v, resp, depth + 1),
            ));
        }
        return Reply::Map(pairs);
    }
    if let Value::Table(s) = field("set") {
        let mut items = Vec::new();
        for (k, _) in s.pairs::<Value, Value>().flatten() {
            items.push(to_reply(lua, &k, resp, depth + 1));
        }
        return Reply::Set(items);
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(to_reply(lua, &v, resp, depth + 1)),
        }
    }
    Reply::Array(items)
}

/// `SCRIPT LOAD | EXISTS | FLUSH | KILL | DEBUG | HELP`.
fn script(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let scripting = &c.store.core.scripting;
    let sub = a[1];
    if a.len() == 2 && is(sub, "help") {
        return Ok(help(&[
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help.",
        ]));
    }
    if is(sub, "flush") {
        if !(a.len() == 2 || a.len() == 3 && (is(a[2], "sync") || is(a[2], "async"))) {
            return Ok(error("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
        }
        match scripting.vm() {
            Ok(mut vm) => vm.flush(),
            Err(e) => return Ok(lua_failure(&e)),
        }
        return Ok(Reply::ok());
    }
    if is(sub, "exists") {
        let vm = match scripting.vm() {
            Ok(vm) => vm,
            Err(e) => return Ok(lua_failure(&e)),
        };
        return Ok(Reply::Array(
            a[2..]
                .iter()
                .map(|sha| Reply::Integer(i64::from(vm.exists(sha))))
                .collect(),
        ));
    }
    if a.len() == 3 && is(sub, "load") {
        let mut vm = match scripting.vm() {
            Ok(vm) => vm,
            Err(e) => return Ok(lua_failure(&e)),
        };
        return Ok(match vm.create(a[2]) {
            Ok(sha) => Reply::Bulk(sha.into()),
            Err(text) => error(format!("ERR {text}")),
        });
    }
    if a.len() == 2 && is(sub, "kill") {
        return Ok(kill_reply(scripting.run_state().kill(true)));
    }
    if a.len() == 3 && is(sub, "debug") {
        return Ok(if is(a[2], "no") {
            Reply::ok()
        } else if is(a[2], "yes") || is(a[2], "sync") {
            error("ERR SCRIPT DEBUG is not supported by an embedded store")
        } else {
            error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
        });
    }
    Ok(subcommand_syntax_error(sub, "SCRIPT"))
}

/// The reply to `SCRIPT KILL` / `FUNCTION KILL`.
pub(super) fn kill_reply(r: std::result::Result<(), KillRefused>) -> Reply {
    match r {
        Ok(()) => Reply::ok(),
        Err(KillRefused::NotBusy) => error("NOTBUSY No scripts in execution right now."),
        Err(KillRefused::Unkillable) => error(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ),
        Err(KillRefused::IsFunction) => busy_error(false),
        Err(KillRefused::IsEval) => busy_error(true),
    }
}

/// `BUSY`: a script (`eval`) or a function runs past the busy threshold.
pub(super) fn busy_error(eval: bool) -> Reply {
    error(format!(
        "BUSY Redis is busy running a script. You can only call {} KILL or SHUTDOWN NOSAVE.",
        if eval { "SCRIPT" } else { "FUNCTION" }
    ))
}
