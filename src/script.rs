//! The Lua engine behind scripting (Redis's `eval.c`, `script_lua.c`, `script.c`): one
//! Lua 5.1 state per store, with Redis's libraries, its `redis` table and its sandbox,
//! the cache of scripts by SHA1, and the state of the script running now — what
//! `SCRIPT KILL` and the busy replies of other callers look at. Functions (`FUNCTION`,
//! `FCALL`) run in a second state of their own, with their libraries: see [`functions`].
//!
//! This module knows Lua, not commands: running a command from a script
//! (`redis.call`) and turning values into replies belong to the command layer, which
//! hands the state a dispatcher for the length of one run (see [`Vm::hidden`]).
//!
//! # The sandbox
//!
//! Redis's Lua is patched with read-only tables; ours is stock Lua 5.1, so the same
//! rules are kept another way. Scripts run with an environment that is an empty table
//! whose reads fall through to the real globals and whose writes fail ("Attempt to
//! modify a readonly table"); the real globals answer a read of a missing name with
//! "Script attempted to access nonexistent global variable"; library tables refuse new
//! fields; `rawset` and `setmetatable` refuse the protected tables. Only the globals
//! Redis allows exist (no `print`, `os`, `io`, `dofile`, `loadfile`, `debug`).

mod base;
mod bit;
mod cjson;
mod cmsgpack;
pub(crate) mod functions;
mod structlib;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, Value, VmState};
use parking_lot::{Condvar, Mutex, MutexGuard};

/// Redis's version as scripts see it (`redis.REDIS_VERSION`, `REDIS_VERSION_NUM`).
const VERSION: &str = "7.0.15";
const VERSION_NUM: u32 = 0x0007_000f;

/// Instructions between two looks at the clock and the kill flag (Redis's count hook).
const HOOK_INSTRUCTIONS: u32 = 100_000;

/// The chunk name of the sandbox's own Lua code: frames of it are skipped when an
/// error's position is looked up, so errors point at the user's line.
const INTERNAL: &str = "=embedis";

/// The registry name of the table the sandbox keeps its Rust functions in.
const HIDDEN: &str = "embedis.hidden";

/// Globals a script may see (Redis's allow lists), besides `KEYS` and `ARGV`.
const ALLOWED_GLOBALS: &[&str] = &[
    "string",
    "cjson",
    "bit",
    "cmsgpack",
    "math",
    "table",
    "struct",
    "redis",
    "__redis__err__handler",
    "xpcall",
    "tostring",
    "setmetatable",
    "next",
    "assert",
    "tonumber",
    "rawequal",
    "collectgarbage",
    "getmetatable",
    "rawset",
    "pcall",
    "coroutine",
    "type",
    "_G",
    "select",
    "unpack",
    "gcinfo",
    "pairs",
    "rawget",
    "loadstring",
    "ipairs",
    "_VERSION",
    "load",
    "error",
];

/// Loads the libraries Redis adds to Lua's own — `cjson`, `struct`, `cmsgpack` and
/// `bit` — as globals of `lua`.
pub(crate) fn open_libraries(lua: &Lua) -> mlua::Result<()> {
    cjson::open(lua)?;
    structlib::open(lua)?;
    cmsgpack::open(lua)?;
    bit::open(lua)
}

/// The SHA1 of `body` in lowercase hex (`redis.sha1hex`, a script's name).
pub(crate) fn sha1_hex(body: &[u8]) -> String {
    sha1_smol::Sha1::from(body).digest().to_string()
}

/// A script's flags (`#!lua flags=…`; Redis's `SCRIPT_FLAG_*`).
pub(crate) mod flags {
    /// The script writes nothing.
    pub(crate) const NO_WRITES: u8 = 1;
    /// It may run while the store is over its memory limit.
    pub(crate) const ALLOW_OOM: u8 = 1 << 1;
    /// It may run on a replica that lost its master (accepted, nothing to do here).
    pub(crate) const ALLOW_STALE: u8 = 1 << 2;
    /// It refuses to run in cluster mode.
    pub(crate) const NO_CLUSTER: u8 = 1 << 3;
    /// No shebang: an `EVAL` script as before Redis 7.0.
    pub(crate) const COMPAT: u8 = 1 << 4;
    /// Its keys may hash to different slots.
    pub(crate) const ALLOW_CROSS_SLOT: u8 = 1 << 5;

    /// Each flag's name, as shebangs and `FUNCTION LIST` spell it.
    pub(crate) const NAMES: &[(&str, u8)] = &[
        ("no-writes", NO_WRITES),
        ("allow-oom", ALLOW_OOM),
        ("allow-stale", ALLOW_STALE),
        ("no-cluster", NO_CLUSTER),
        ("allow-cross-slot-keys", ALLOW_CROSS_SLOT),
    ];
}

/// Reads the `#!lua flags=a,b` line a script may start with
/// (`evalExtractShebangFlags`): the flags and the length of the line (the newline
/// kept, so line numbers stay the user's), or Redis's error text.
pub(crate) fn shebang(body: &[u8]) -> Result<(u8, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((flags::COMPAT, 0));
    }
    // `strchr` on the C string: a NUL byte ends the search.
    let Some(end) = body
        .iter()
        .take_while(|&&b| b != 0)
        .position(|&b| b == b'\n')
    else {
        return Err("Invalid script shebang".into());
    };
    let Some(parts) = split_args(&body[..end]).filter(|p| !p.is_empty()) else {
        return Err("Invalid engine in script shebang".into());
    };
    // As `%s` prints it: up to a NUL byte.
    let shown = |b: &[u8]| {
        let b = &b[..b.iter().position(|&x| x == 0).unwrap_or(b.len())];
        String::from_utf8_lossy(b).into_owned()
    };
    if parts[0] != b"#!lua" {
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            shown(&parts[0])
        ));
    }
    let mut out = 0;
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!("Unknown lua shebang option: {}", shown(part)));
        };
        if list.is_empty() {
            continue;
        }
        for name in list.split(|&b| b == b',') {
            match flags::NAMES.iter().find(|(n, _)| n.as_bytes() == name) {
                Some((_, f)) => out |= f,
                None => {
                    return Err(format!(
                        "Unexpected flag in script shebang: {}",
                        shown(name)
                    ));
                }
            }
        }
    }
    Ok((out, end))
}

/// Redis's `sdssplitargs`: words separated by spaces, in double quotes (with `\n`,
/// `\xHH` and the like) or single quotes (with `\'`); `None` for an unbalanced quote
/// or a closing quote not followed by a space.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return Some(words);
        }
        let mut word = Vec::new();
        let (mut dq, mut sq) = (false, false);
        loop {
            let c = line.get(i).copied();
            if dq {
                match c {
                    None => return None,
                    Some(b'\\')
                        if line.get(i + 1) == Some(&b'x')
                            && line.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
                            && line.get(i + 3).is_some_and(u8::is_ascii_hexdigit) =>
                    {
                        let hex = std::str::from_utf8(&line[i + 2..i + 4]).ok()?;
                        word.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 3;
                    }
                    Some(b'\\') if i + 1 < line.len() => {
                        i += 1;
                        word.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        if line.get(i + 1).is_some_and(|&b| !space(b)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => word.push(b),
                }
            } else if sq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        i += 1;
                        word.push(b'\'');
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|&b| !space(b)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => word.push(b),
                }
            } else {
                match c {
                    None => break,
                    Some(b) if space(b) => break,
                    Some(b'"') => dq = true,
                    Some(b'\'') => sq = true,
                    Some(b) => word.push(b),
                }
            }
            i += 1;
        }
        words.push(word);
    }
}

/// A cached script.
pub(crate) struct Script {
    /// Its shebang's flags ([`flags`]).
    pub(crate) flags: u8,
    /// The compiled chunk.
    pub(crate) function: Function,
}

/// The Lua state of a store, with its script cache.
pub(crate) struct Vm {
    lua: Lua,
    /// Scripts by lowercase SHA1.
    scripts: HashMap<String, Script>,
    /// The script cache's bytes (bodies and names), for `INFO`'s `used_memory_scripts`.
    cache_bytes: usize,
    /// The environment scripts run in (see the module docs).
    env: Table,
    /// The real globals, where `KEYS` and `ARGV` are set.
    globals: Table,
    /// Where the command layer puts its dispatcher for a run.
    hidden: Table,
    /// Runs a script: `(f) → ok, result | false, error table`.
    runner: Function,
    /// Runs a function: `(f, keys, args) → ok, result | false, error table`.
    run_with: Function,
}

/// The sandbox, in Lua: run once on a new state with the real globals as its
/// environment and the hidden table as its argument.
const PRELUDE: &str = r#"
local hidden = ...
local G = _G
local error, type, tostring, rawget, rawset, setmetatable, getmetatable, select, xpcall, pcall =
      error, type, tostring, rawget, rawset, setmetatable, getmetatable, select, xpcall, pcall
local unraise = hidden.unraise
local function readonly() error('Attempt to modify a readonly table', 2) end

local redis = {}
redis.call = hidden.call
redis.pcall = hidden.pcall
redis.setresp = hidden.setresp
redis.set_repl = hidden.set_repl
redis.acl_check_cmd = hidden.acl_check_cmd
redis.sha1hex = hidden.sha1hex
redis.error_reply = function(...)
  if select('#', ...) ~= 1 or type((...)) ~= 'string' then
    return hidden.errtable('wrong number or type of arguments')
  end
  local s = ...
  if s:sub(1, 1) ~= '-' then s = '-' .. s end
  return hidden.errtable(s)
end
redis.status_reply = function(...)
  if select('#', ...) ~= 1 or type((...)) ~= 'string' then
    return hidden.errtable('wrong number or type of arguments')
  end
  return {ok = (...)}
end
redis.log = hidden.log
-- EVAL's own additions (functions have none of them).
if hidden.eval then
  redis.replicate_commands = function() return true end
  redis.breakpoint = function() return false end
  redis.debug = function() end
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = hidden.version, hidden.version_num
G.redis = redis

G.math.random = hidden.random
G.math.randomseed = hidden.randomseed

-- Redis's pcall hands a script the text of an error table raised by redis.call.
local function fix(ok, ...)
  if ok then return ok, ... end
  local e = unraise(...)
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' or type(m) == 'number' then return false, m end
  end
  return false, e
end
G.pcall = function(...) return fix(pcall(...)) end
-- Errors raised by Rust functions reach user code as Lua strings or error tables.
G.xpcall = function(f, h) return xpcall(f, function(e) return h(unraise(e)) end) end
local resume = G.coroutine.resume
local function unraised(ok, ...)
  if ok then return ok, ... end
  return false, unraise((...))
end
G.coroutine.resume = function(...) return unraised(resume(...)) end

if hidden.eval then G.__redis__err__handler = hidden.handler end

local env = {}
G._G = env
-- What the Rust versions of next, pairs, ipairs, rawget, rawset, setmetatable and
-- getmetatable consult: the real table behind a proxy, the tables no one may modify,
-- and the metatable a script is shown of a protected table (nil for a library).
local proxies = setmetatable({}, {__mode = 'k'})
local protected = setmetatable({}, {__mode = 'k'})
local shown = setmetatable({}, {__mode = 'k'})
hidden.proxies, hidden.protected, hidden.shown = proxies, protected, shown
hidden.next, hidden.ipairs_step = next, ipairs({})
hidden.setmetatable, hidden.getmetatable = setmetatable, getmetatable

-- A read-only view of `t`: reads fall through, every write fails.
local function view(t)
  local proxy = setmetatable({}, {__index = t, __newindex = readonly})
  proxies[proxy] = t
  protected[proxy] = true
  return proxy
end

-- Library tables are read through views; the real tables refuse new fields too.
for _, name in ipairs({'string', 'math', 'table', 'coroutine', 'redis', 'cjson', 'bit', 'struct', 'cmsgpack'}) do
  local t = rawget(G, name)
  if type(t) == 'table' then
    setmetatable(t, {__newindex = readonly})
    protected[t] = true
    local proxy = view(t)
    shown[proxy] = false
    rawset(G, name, proxy)
  end
end
local function nonexistent(_, n)
  error("Script attempted to access nonexistent global variable '" .. tostring(n) .. "'", 2)
end
-- The globals' metatable as a script sees it: its __index is the function that
-- refuses missing names, and it cannot be changed.
local shown_globals = view({__index = nonexistent})
setmetatable(G, {__index = nonexistent, __newindex = readonly})
setmetatable(env, {__index = G, __newindex = readonly})
proxies[env] = G
protected[G], protected[env] = true, true
shown[env], shown[G] = shown_globals, shown_globals
-- Strings' metatable: its __index is the string library's view, read-only.
local string_meta = getmetatable('')
rawset(string_meta, '__metatable', view({__index = rawget(G, 'string')}))
for _, name in ipairs({'next', 'pairs', 'ipairs', 'rawget', 'rawset', 'setmetatable', 'getmetatable'}) do
  rawset(G, name, hidden[name .. '_fn'])
end

local handler = hidden.handler
local function run(f)
  return xpcall(f, handler)
end
local function run_with(f, keys, args)
  return xpcall(function() return (f(keys, args)) end, handler)
end
return env, run, run_with
"#;

impl Vm {
    /// A new state: Lua's base, table, string and math libraries, Redis's four, the
    /// `redis` table, the sandbox.
    pub(crate) fn new(rng: Arc<Mutex<Lrand48>>) -> mlua::Result<Vm> {
        Self::with_api(rng, true)
    }

    /// A state for function libraries: the same sandbox without what only `EVAL`
    /// scripts have (`redis.replicate_commands`, `redis.breakpoint`, `redis.debug`, the
    /// global error handler).
    pub(crate) fn for_functions(rng: Arc<Mutex<Lrand48>>) -> mlua::Result<Vm> {
        Self::with_api(rng, false)
    }

    fn with_api(rng: Arc<Mutex<Lrand48>>, eval: bool) -> mlua::Result<Vm> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        open_libraries(&lua)?;
        let globals = lua.globals();
        // Only what Redis's allow lists name (the base library's `print`, `dofile`,
        // `loadfile` and the like go).
        let mut unwanted = Vec::new();
        for pair in globals.pairs::<Value, Value>() {
            let (name, _) = pair?;
            let keep = match &name {
                Value::String(s) => ALLOWED_GLOBALS.iter().any(|a| s.as_bytes() == a.as_bytes()),
                _ => false,
            };
            if !keep {
                unwanted.push(name);
            }
        }
        for name in unwanted {
            globals.raw_set(name, Value::Nil)?;
        }
        let hidden = hidden_table(&lua, rng)?;
        hidden.raw_set("eval", eval)?;
        let (env, runner, run_with): (Table, Function, Function) =
            lua.load(PRELUDE).set_name(INTERNAL).call(hidden.clone())?;
        Ok(Vm {
            lua,
            scripts: HashMap::new(),
            cache_bytes: 0,
            env,
            globals,
            hidden,
            runner,
            run_with,
        })
    }

    /// The environment scripts run in, of a state made by [`Vm::new`].
    #[cfg(test)]
    pub(crate) fn test_env(lua: &Lua) -> Table {
        lua.globals().raw_get("_G").expect("the sandbox sets _G")
    }

    /// The Lua state.
    pub(crate) fn lua(&self) -> &Lua {
        &self.lua
    }

    /// The table where a run's dispatcher goes, as `dispatch`: a function of
    /// `(op, …)` answering `(result)` or `(nil, error table)`, where op 0 is
    /// `redis.call`'s command, 1 `redis.setresp (argc, v)`, 2 `redis.set_repl (argc, v)`
    /// and 3 `redis.acl_check_cmd`'s command.
    pub(crate) fn hidden(&self) -> &Table {
        &self.hidden
    }

    /// The cached script of `sha` (any case).
    pub(crate) fn script(&self, sha: &[u8]) -> Option<&Script> {
        let sha = std::str::from_utf8(sha).ok()?;
        if sha.bytes().any(|b| b.is_ascii_uppercase()) {
            self.scripts.get(&sha.to_ascii_lowercase())
        } else {
            self.scripts.get(sha)
        }
    }

    /// Whether `sha` (in any case, as Redis's script dictionary compares) is cached.
    pub(crate) fn exists(&self, sha: &[u8]) -> bool {
        self.script(sha).is_some()
    }

    /// Compiles and caches `body` (`luaCreateFunction`), answering its SHA1; an
    /// already cached script is not compiled again. The error is Redis's text.
    pub(crate) fn create(&mut self, body: &[u8]) -> Result<String, String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (flags, skip) = shebang(body)?;
        // Source only, as Redis's parser takes it: a body that starts like a binary
        // chunk is read as text (and fails as text does).
        let source = &body[skip..];
        let text: std::borrow::Cow<'_, [u8]> = if source.first() == Some(&0x1b) {
            [b" ".as_slice(), source].concat().into()
        } else {
            source.into()
        };
        let function = self
            .lua
            .load(&*text)
            .set_name("@user_script")
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| {
                format!(
                    "Error compiling script (new function): {}",
                    lua_error_text(&e)
                )
            })?;
        self.cache_bytes += body.len() + sha.len();
        self.scripts.insert(sha.clone(), Script { flags, function });
        Ok(sha)
    }

    /// Empties the script cache (`SCRIPT FLUSH`).
    pub(crate) fn flush(&mut self) {
        self.scripts.clear();
        self.cache_bytes = 0;
        // What the scripts held goes now, as Redis's new state would.
        let _ = self.lua.gc_collect();
    }

    /// The number of cached scripts and their bytes (`INFO memory`).
    pub(crate) fn cache_size(&self) -> (usize, usize) {
        (self.scripts.len(), self.cache_bytes)
    }

    /// Runs `function` as an `EVAL` script with `keys` and `args` as the globals `KEYS`
    /// and `ARGV`: `Ok(value)` with what it returned, or `Err(error table)`.
    pub(crate) fn run_eval(
        &self,
        function: &Function,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> mlua::Result<Result<Value, Value>> {
        self.globals.raw_set("KEYS", self.array(keys)?)?;
        self.globals.raw_set("ARGV", self.array(args)?)?;
        let (ok, value): (bool, Value) = self.runner.call(function.clone())?;
        Ok(if ok { Ok(value) } else { Err(value) })
    }

    /// A Lua array of `items`.
    fn array(&self, items: &[&[u8]]) -> mlua::Result<Table> {
        let t = self.lua.create_table_with_capacity(items.len(), 0)?;
        for (i, item) in items.iter().enumerate() {
            t.raw_set(i + 1, self.lua.create_string(item)?)?;
        }
        Ok(t)
    }
}

/// The sandbox's Rust functions, in the table the prelude takes (and the registry keeps
/// as [`HIDDEN`]).
fn hidden_table(lua: &Lua, rng: Arc<Mutex<Lrand48>>) -> mlua::Result<Table> {
    let hidden = lua.create_table()?;
    lua.set_named_registry_value(HIDDEN, &hidden)?;
    hidden.set("version", VERSION)?;
    hidden.set("version_num", VERSION_NUM)?;
    hidden.set("handler", lua.create_function(error_handler)?)?;
    hidden.set(
        "errtable",
        lua.create_function(|lua, text: mlua::LuaString| error_table(lua, &text.as_bytes()))?,
    )?;
    hidden.set(
        "unraise",
        lua.create_function(|lua, v: Value| {
            Ok(match &v {
                Value::Error(e) => match raised(e) {
                    Some(Raised::Table(t)) => {
                        let table = lua.create_table()?;
                        table.raw_set("err", lua.create_string(t)?)?;
                        Value::Table(table)
                    }
                    Some(Raised::Text(t)) => Value::String(lua.create_string(t)?),
                    None => Value::String(lua.create_string(lua_error_text(e))?),
                },
                _ => v,
            })
        })?,
    )?;
    hidden.set(
        "call",
        lua.create_function(|lua, args: mlua::MultiValue| command(lua, args, true))?,
    )?;
    hidden.set(
        "pcall",
        lua.create_function(|lua, args: mlua::MultiValue| command(lua, args, false))?,
    )?;
    for (name, op, what) in [
        ("setresp", 1, "redis.setresp"),
        ("set_repl", 2, "redis.set_repl"),
        ("acl_check_cmd", 3, "redis.acl_check_cmd"),
    ] {
        hidden.set(
            name,
            lua.create_function(move |lua, args: mlua::MultiValue| control(lua, op, what, args))?,
        )?;
    }
    hidden.set(
        "sha1hex",
        lua.create_function(|lua, args: mlua::MultiValue| {
            if args.len() != 1 {
                return Err(raise_table("ERR wrong number of arguments"));
            }
            let bytes: Vec<u8> = match &args[0] {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Number(n) => lua_number_string(*n).into_bytes(),
                #[allow(clippy::cast_precision_loss)]
                Value::Integer(i) => lua_number_string(*i as f64).into_bytes(),
                _ => Vec::new(),
            };
            lua.create_string(sha1_hex(&bytes))
        })?,
    )?;
    hidden.set("log", lua.create_function(log)?)?;
    base::register(lua, &hidden, rng)?;
    Ok(hidden)
}

/// An error table as Redis's `luaPushErrorBuff` makes it: `-CODE message` keeps its
/// code, anything else gets `ERR`; the message loses surrounding newlines.
pub(crate) fn error_table(lua: &Lua, text: &[u8]) -> mlua::Result<Table> {
    let (code, msg): (&[u8], &[u8]) = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&b| b == b' ') {
            Some(sp) => (&rest[..sp], &rest[sp + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", text),
    };
    let start = msg
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(msg.len());
    let end = msg
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(start, |e| e + 1);
    let msg = &msg[start..end];
    // `lua_pushstring`: the text ends at a NUL byte.
    let full = [code, b" ", msg].concat();
    let full = &full[..full.iter().position(|&b| b == 0).unwrap_or(full.len())];
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(full)?)?;
    Ok(t)
}

/// The text of a Lua error as Lua itself would show it (without mlua's decoration).
pub(crate) fn lua_error_text(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(m) | mlua::Error::MemoryError(m) => m.clone(),
        mlua::Error::CallbackError { cause, .. } => return lua_error_text(cause),
        mlua::Error::ExternalError(inner) => match inner.downcast_ref::<Raised>() {
            Some(r) => r.to_string(),
            None => inner.to_string(),
        },
        other => other.to_string(),
    };
    // Lua's message, without the traceback the binding adds.
    match text.find("\nstack traceback:") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// `__redis__err__handler`: turns what a script raised into an error table with the
/// source and line of the user's code that raised it.
fn error_handler(lua: &Lua, err: Value) -> mlua::Result<Value> {
    let table = match err {
        Value::Table(t) => t,
        Value::Error(e) => match raised(&e) {
            Some(Raised::Table(text)) => {
                let t = lua.create_table()?;
                t.raw_set("err", lua.create_string(text)?)?;
                t
            }
            Some(Raised::Text(text)) => error_table(lua, text)?,
            None => error_table(lua, lua_error_text(&e).as_bytes())?,
        },
        other => {
            let text = match &other {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Number(n) => lua_number_string(*n).into_bytes(),
                #[allow(clippy::cast_precision_loss)]
                Value::Integer(i) => lua_number_string(*i as f64).into_bytes(),
                Value::Nil => b"nil".to_vec(),
                Value::Boolean(b) => b.to_string().into_bytes(),
                v => v.to_string().unwrap_or_default().into_bytes(),
            };
            let t = lua.create_table()?;
            t.raw_set(
                "err",
                lua.create_string([b"ERR ".as_slice(), &text].concat())?,
            )?;
            t
        }
    };
    // The frame that raised: past this handler, the sandbox's own frames, and then
    // one C function (`error`, a library function), as Redis's handler looks.
    let mut level = 1;
    let mut skipped_c = false;
    loop {
        let frame = lua.inspect_stack(level, |d| {
            let s = d.source();
            (
                s.source.as_deref().map(str::to_owned),
                s.what,
                d.current_line(),
            )
        });
        let Some((source, what, line)) = frame else {
            break;
        };
        level += 1;
        if source.as_deref() == Some(INTERNAL) {
            continue;
        }
        if what == "C" && !skipped_c {
            skipped_c = true;
            continue;
        }
        if let Some(source) = source {
            table.raw_set("source", source)?;
        }
        if let Some(line) = line {
            table.raw_set("line", line)?;
        }
        break;
    }
    Ok(Value::Table(table))
}

/// `redis.log(level, …)`: the message goes to the `log` crate at Redis's level.
#[allow(clippy::needless_pass_by_value)] // mlua hands the arguments over owned
fn log(_: &Lua, args: mlua::MultiValue) -> mlua::Result<()> {
    if args.len() < 2 {
        return Err(raise_table(
            "ERR redis.log() requires two arguments or more.",
        ));
    }
    let level = match &args[0] {
        Value::Integer(i) => Some(f64::from(i32::try_from(*i).unwrap_or(i32::MAX))),
        Value::Number(f) => Some(*f),
        Value::String(s) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok()),
        _ => None,
    };
    let Some(level) = level else {
        return Err(raise_table(
            "ERR First argument must be a number (log level).",
        ));
    };
    #[allow(clippy::cast_possible_truncation)]
    let level = level as i64;
    if !(0..=3).contains(&level) {
        return Err(raise_table("ERR Invalid debug level."));
    }
    let mut text = Vec::new();
    for (i, v) in args.iter().enumerate().skip(1) {
        let piece = match v {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Number(f) => lua_number_string(*f).into_bytes(),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => lua_number_string(*i as f64).into_bytes(),
            _ => continue,
        };
        if i != 1 {
            text.push(b' ');
        }
        text.extend_from_slice(&piece);
    }
    let text = String::from_utf8_lossy(&text);
    match level {
        0 => log::debug!("{text}"),
        1 | 2 => log::info!("{text}"),
        _ => log::warn!("{text}"),
    }
    Ok(())
}

/// `redis.call` (`raise`) and `redis.pcall`: the run's dispatcher runs the command;
/// its error is raised, or (`pcall`) returned as an error table.
fn command(lua: &Lua, args: mlua::MultiValue, raise: bool) -> mlua::Result<Value> {
    let hidden: Table = lua.named_registry_value(HIDDEN)?;
    let Value::Function(dispatch) = hidden.raw_get::<Value>("dispatch")? else {
        return Err(raise_table(
            "ERR redis.call/pcall can only be called inside a script invocation",
        ));
    };
    let mut with_op = mlua::MultiValue::with_capacity(args.len() + 1);
    with_op.push_back(Value::Integer(0));
    with_op.extend(args);
    let (reply, error): (Value, Value) = dispatch.call(with_op)?;
    match error {
        Value::Table(t) if raise => {
            let text: mlua::LuaString = t.raw_get("err")?;
            Err(raise_table(&*text.as_bytes()))
        }
        Value::Table(t) => Ok(Value::Table(t)),
        _ => Ok(reply),
    }
}

/// `redis.setresp` (op 1), `redis.set_repl` (2), `redis.acl_check_cmd` (3), through
/// the run's dispatcher.
fn control(lua: &Lua, op: i64, what: &str, args: mlua::MultiValue) -> mlua::Result<Value> {
    let hidden: Table = lua.named_registry_value(HIDDEN)?;
    let Value::Function(dispatch) = hidden.raw_get::<Value>("dispatch")? else {
        return Err(raise_table(format!(
            "ERR {what} can only be called inside a script invocation"
        )));
    };
    let mut with_op = mlua::MultiValue::with_capacity(args.len() + 2);
    with_op.push_back(Value::Integer(op));
    if op != 3 {
        with_op.push_back(Value::Integer(
            i64::try_from(args.len()).unwrap_or(i64::MAX),
        ));
    }
    with_op.extend(args);
    let (reply, error): (Value, Value) = dispatch.call(with_op)?;
    match error {
        Value::Table(t) => {
            let text: mlua::LuaString = t.raw_get("err")?;
            Err(raise_table(&*text.as_bytes()))
        }
        _ => Ok(reply),
    }
}

/// An error a Rust function raises in a script: an error table (`{err = …}`, as
/// Redis's `luaPushError` + `lua_error`), or a string with the caller's position
/// (`luaL_error`).
#[derive(Debug, Clone)]
pub(crate) enum Raised {
    /// An error table's `err` text.
    Table(Vec<u8>),
    /// A string error.
    Text(Vec<u8>),
}

impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (Raised::Table(t) | Raised::Text(t)) = self;
        f.write_str(&String::from_utf8_lossy(t))
    }
}

impl std::error::Error for Raised {}

/// Raises an error table of `text` (already with its code).
pub(crate) fn raise_table(text: impl AsRef<[u8]>) -> mlua::Error {
    mlua::Error::external(Raised::Table(text.as_ref().to_vec()))
}

/// Raises `text` as a string error as it is (a library function's message, its
/// position already in it).
pub(crate) fn raise_plain(text: impl AsRef<[u8]>) -> mlua::Error {
    mlua::Error::external(Raised::Text(text.as_ref().to_vec()))
}

/// What a Rust function raised, if it was a [`Raised`].
fn raised(e: &mlua::Error) -> Option<&Raised> {
    match e {
        mlua::Error::CallbackError { cause, .. } => raised(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<Raised>(),
        _ => None,
    }
}

/// A number as Lua 5.1 prints it (`%.14g`).
pub(crate) fn lua_number_string(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf" } else { "-inf" }.into();
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{n:.13e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    if (-4..14).contains(&exp) {
        let decimals = usize::try_from(13 - exp).unwrap_or(0);
        trim(&format!("{n:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.unsigned_abs())
    }
}

/// Redis's `redisLrand48`: the 48-bit linear congruential generator of `lrand48`,
/// one per store, seeded as Redis's process starts and by `math.randomseed`.
pub(crate) struct Lrand48 {
    x: u64,
}

impl Default for Lrand48 {
    fn default() -> Self {
        Lrand48::new()
    }
}

impl Lrand48 {
    const A: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new() -> Self {
        Lrand48 {
            x: 0x1234_ABCD_330E,
        }
    }

    fn seed(&mut self, seed: i32) {
        #[allow(clippy::cast_sign_loss)]
        let s = u64::from(seed as u32);
        self.x = (s << 16) | 0x330E;
    }

    fn next(&mut self) -> i32 {
        self.x = (Self::A.wrapping_mul(self.x).wrapping_add(0xB)) & Self::MASK;
        i32::try_from(self.x >> 17).unwrap_or(i32::MAX)
    }
}

/// The script running now, as other callers see it.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)]
struct Running {
    started: Instant,
    /// An `EVAL` script (else a function).
    eval: bool,
    /// It ran a write command: it can no longer be killed.
    wrote: bool,
    /// `SCRIPT KILL` or `FUNCTION KILL` asked it to stop.
    killed: bool,
    /// It ran past the busy threshold: callers are answered `BUSY`.
    timed_out: bool,
}

/// What the running script is to others: waited for, answered `BUSY`, killed.
#[derive(Default)]
pub(crate) struct RunState {
    running: Mutex<Option<Running>>,
    changed: Condvar,
    /// `busy-reply-threshold` (`lua-time-limit`), in milliseconds; 0: never busy.
    threshold_ms: std::sync::atomic::AtomicU64,
    /// A script runs: the one load other callers' commands pay when none does.
    active: std::sync::atomic::AtomicBool,
}

/// Why `SCRIPT KILL` or `FUNCTION KILL` did not kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillRefused {
    /// Nothing runs.
    NotBusy,
    /// The script wrote.
    Unkillable,
    /// `SCRIPT KILL` of a function.
    IsFunction,
    /// `FUNCTION KILL` of a script.
    IsEval,
}

impl RunState {
    fn threshold(&self) -> Option<Duration> {
        match self.threshold_ms.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Sets `busy-reply-threshold`.
    pub(crate) fn set_threshold_ms(&self, ms: u64) {
        self.threshold_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// `busy-reply-threshold`.
    pub(crate) fn threshold_ms(&self) -> u64 {
        self.threshold_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Marks a run begun; the guard ends it.
    fn begin(self: &Arc<Self>, eval: bool) -> RunGuard {
        self.active
            .store(true, std::sync::atomic::Ordering::Release);
        *self.running.lock() = Some(Running {
            started: Instant::now(),
            eval,
            wrote: false,
            killed: false,
            timed_out: false,
        });
        RunGuard(Arc::clone(self))
    }

    /// The running script ran a write command.
    pub(crate) fn wrote(&self) {
        if let Some(r) = self.running.lock().as_mut() {
            r.wrote = true;
        }
    }

    /// The count hook's look (`scriptInterrupt`): whether the script must stop.
    fn interrupt(&self) -> bool {
        let mut guard = self.running.lock();
        let Some(r) = guard.as_mut() else {
            return false;
        };
        if !r.timed_out
            && let Some(limit) = self.threshold()
            && r.started.elapsed() >= limit
        {
            r.timed_out = true;
            log::warn!(
                "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {} command.",
                r.started.elapsed().as_millis(),
                if r.eval {
                    "SCRIPT KILL"
                } else {
                    "FUNCTION KILL"
                }
            );
            self.changed.notify_all();
        }
        r.killed
    }

    /// `SCRIPT KILL` (`eval`) or `FUNCTION KILL` (`scriptKill`).
    pub(crate) fn kill(&self, eval: bool) -> Result<(), KillRefused> {
        let mut guard = self.running.lock();
        let Some(r) = guard.as_mut() else {
            return Err(KillRefused::NotBusy);
        };
        if r.wrote {
            return Err(KillRefused::Unkillable);
        }
        if eval && !r.eval {
            return Err(KillRefused::IsFunction);
        }
        if !eval && r.eval {
            return Err(KillRefused::IsEval);
        }
        r.killed = true;
        Ok(())
    }

    /// Whether a script runs (one load).
    pub(crate) fn active(&self) -> bool {
        self.active.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Before a command of another caller runs: waits while a script runs that has not
    /// passed the busy threshold; `Some(eval)` if one has (the caller is answered
    /// `BUSY`), `None` once none runs.
    pub(crate) fn wait_busy(&self) -> Option<bool> {
        if !self.active.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        let mut guard = self.running.lock();
        loop {
            let r = (*guard)?;
            if r.timed_out {
                return Some(r.eval);
            }
            match self.threshold() {
                // Past the threshold, the script's hook marks it at its next look.
                Some(limit) => {
                    let left = limit.saturating_sub(r.started.elapsed());
                    self.changed
                        .wait_for(&mut guard, left.max(Duration::from_millis(1)));
                }
                None => self.changed.wait(&mut guard),
            }
        }
    }
}

/// Ends a run: the state is idle again, and waiters are woken.
struct RunGuard(Arc<RunState>);

impl Drop for RunGuard {
    fn drop(&mut self) {
        *self.0.running.lock() = None;
        self.0
            .active
            .store(false, std::sync::atomic::Ordering::Release);
        self.0.changed.notify_all();
    }
}

/// A store's scripting: the Lua state (made on first use), its random generator, and
/// the running script's state.
pub(crate) struct Scripting {
    vm: Mutex<Option<Vm>>,
    /// The state's figures when last read: scripts cached, their bytes, Lua's memory.
    seen: [AtomicUsize; 3],
    rng: Arc<Mutex<Lrand48>>,
    run: Arc<RunState>,
    /// The functions' Lua state and libraries (made on first use).
    functions: Mutex<Option<functions::Functions>>,
    /// What `FUNCTION STATS` reads while a function runs.
    function_stats: Mutex<functions::Stats>,
}

impl Default for Scripting {
    fn default() -> Self {
        let run = Arc::new(RunState::default());
        run.set_threshold_ms(5000);
        Scripting {
            vm: Mutex::new(None),
            seen: Default::default(),
            rng: Arc::new(Mutex::new(Lrand48::new())),
            run,
            functions: Mutex::new(None),
            function_stats: Mutex::new(functions::Stats::default()),
        }
    }
}

impl std::fmt::Debug for Scripting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripting").finish_non_exhaustive()
    }
}

impl Scripting {
    /// The run state (busy, kill).
    pub(crate) fn run_state(&self) -> &RunState {
        &self.run
    }

    /// The Lua state, made on first use.
    pub(crate) fn vm(&self) -> mlua::Result<MappedVm<'_>> {
        let mut guard = self.vm.lock();
        if guard.is_none() {
            *guard = Some(Vm::new(Arc::clone(&self.rng))?);
        }
        Ok(MutexGuard::map(guard, |vm| {
            vm.as_mut().expect("made above")
        }))
    }

    /// The functions' state and libraries, made on first use.
    pub(crate) fn functions(&self) -> mlua::Result<MappedFunctions<'_>> {
        let mut guard = self.functions.lock();
        if guard.is_none() {
            *guard = Some(functions::Functions::new(Arc::clone(&self.rng))?);
        }
        Ok(MutexGuard::map(guard, |f| f.as_mut().expect("made above")))
    }

    /// What `FUNCTION STATS` reads (kept apart from the libraries, which a running
    /// function holds).
    pub(crate) fn function_stats(&self) -> MutexGuard<'_, functions::Stats> {
        self.function_stats.lock()
    }

    /// The number of cached scripts and their bytes, without making a state. While a
    /// script runs (`INFO` may be one of its commands) the last figures seen.
    pub(crate) fn cache_size(&self) -> (usize, usize) {
        self.figures();
        let [scripts, bytes, _] = self.seen.each_ref().map(|a| a.load(Ordering::Relaxed));
        (scripts, bytes)
    }

    /// The Lua state's memory, without making one (as [`cache_size`](Self::cache_size)).
    pub(crate) fn lua_memory(&self) -> usize {
        self.figures();
        self.seen[2].load(Ordering::Relaxed)
    }

    /// Reads the state's figures into `seen`, if no one holds the state.
    fn figures(&self) {
        if let Some(vm) = self.vm.try_lock() {
            let (scripts, bytes, memory) = vm.as_ref().map_or((0, 0, 0), |vm| {
                let (n, b) = vm.cache_size();
                (n, b, vm.lua.used_memory())
            });
            for (a, v) in self.seen.iter().zip([scripts, bytes, memory]) {
                a.store(v, Ordering::Relaxed);
            }
        }
    }

    /// Runs `f` as the running script (an `EVAL` one if `eval`): busy and kill apply
    /// to it, through a count hook on `lua`.
    pub(crate) fn running<R>(&self, lua: &Lua, eval: bool, f: impl FnOnce() -> R) -> R {
        let _guard = self.run.begin(eval);
        let run = Arc::clone(&self.run);
        let hook = lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
            move |lua, _| {
                if run.interrupt() {
                    // Every line from now on, so a `pcall` cannot swallow the kill.
                    let again = Arc::clone(&run);
                    lua.set_hook(HookTriggers::EVERY_LINE, move |_, _| {
                        if again.interrupt() {
                            Err(raise_table("ERR Script killed by user with SCRIPT KILL..."))
                        } else {
                            Ok(VmState::Continue)
                        }
                    })?;
                    return Err(raise_table("ERR Script killed by user with SCRIPT KILL..."));
                }
                Ok(VmState::Continue)
            },
        );
        let out = f();
        if hook.is_ok() {
            lua.remove_hook();
        }
        out
    }
}

/// The Lua state, locked.
pub(crate) type MappedVm<'a> = parking_lot::MappedMutexGuard<'a, Vm>;

/// The functions' state, locked.
pub(crate) type MappedFunctions<'a> = parking_lot::MappedMutexGuard<'a, functions::Functions>;

#[cfg(test)]
mod tests {
    use super::*;

    fn vm() -> Vm {
        Vm::new(Arc::new(Mutex::new(Lrand48::new()))).unwrap()
    }

    fn eval(vm: &mut Vm, body: &str) -> Result<Value, Value> {
        let sha = vm.create(body.as_bytes()).unwrap();
        let f = vm.script(sha.as_bytes()).unwrap().function.clone();
        vm.run_eval(&f, &[], &[]).unwrap()
    }

    fn err_text(v: &Value) -> String {
        let Value::Table(t) = v else {
            panic!("not a table: {v:?}")
        };
        let e: String = t.get("err").unwrap();
        let line: Option<i64> = t.get("line").unwrap();
        let source: Option<String> = t.get("source").unwrap();
        format!("{e} | {source:?}:{line:?}")
    }

    #[test]
    fn split_args_follows_sdssplitargs() {
        assert_eq!(
            split_args(b"a  \"b c\" 'd'").unwrap(),
            vec![b"a".to_vec(), b"b c".to_vec(), b"d".to_vec()]
        );
        assert!(split_args(b"\"a\"b").is_none());
        assert!(split_args(b"'a").is_none());
        assert_eq!(split_args(b"\"\\x41\"").unwrap(), vec![b"A".to_vec()]);
    }

    #[test]
    fn shebangs_read_as_redis_reads_them() {
        assert_eq!(shebang(b"return 1"), Ok((flags::COMPAT, 0)));
        assert_eq!(shebang(b"#!lua\nreturn 1"), Ok((0, 5)));
        assert_eq!(
            shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok((flags::NO_WRITES | flags::ALLOW_OOM, 31))
        );
        assert_eq!(shebang(b"#!lua").unwrap_err(), "Invalid script shebang");
        assert_eq!(
            shebang(b"#!python\n").unwrap_err(),
            "Unexpected engine in script shebang: #!python"
        );
        assert_eq!(
            shebang(b"#!lua x=1\n").unwrap_err(),
            "Unknown lua shebang option: x=1"
        );
        assert_eq!(
            shebang(b"#!lua flags=bogus\n").unwrap_err(),
            "Unexpected flag in script shebang: bogus"
        );
    }

    #[test]
    fn globals_are_read_only_and_missing_ones_are_errors() {
        let mut vm = vm();
        let e = eval(&mut vm, "x = 1").unwrap_err();
        assert_eq!(
            err_text(&e),
            "ERR user_script:1: Attempt to modify a readonly table | Some(\"@user_script\"):Some(1)"
        );
        let e = eval(&mut vm, "return y").unwrap_err();
        assert!(err_text(&e).starts_with(
            "ERR user_script:1: Script attempted to access nonexistent global variable 'y'"
        ));
        let e = eval(&mut vm, "string.x = 1").unwrap_err();
        assert!(err_text(&e).starts_with("ERR user_script:1: Attempt to modify a readonly table"));
        let e = eval(&mut vm, "rawset(_G, 'zz', 1)").unwrap_err();
        assert!(err_text(&e).starts_with("ERR Attempt to modify a readonly table |"));
        let e = eval(&mut vm, "return print").unwrap_err();
        assert!(err_text(&e).contains("nonexistent global variable 'print'"));
        let e = eval(&mut vm, "loadstring('q = 1')()").unwrap_err();
        assert!(
            err_text(&e).contains("Attempt to modify a readonly table"),
            "{}",
            err_text(&e)
        );
        assert!(matches!(
            eval(&mut vm, "local t = {} t.x = 1 return t.x"),
            Ok(Value::Integer(1) | Value::Number(_))
        ));
        let Ok(Value::Integer(n)) = eval(
            &mut vm,
            "local n=0 for k in pairs(string) do n=n+1 end return n",
        ) else {
            panic!()
        };
        assert_eq!(n, 15);
    }

    #[test]
    fn errors_carry_the_users_line() {
        let mut vm = vm();
        let e = eval(&mut vm, "local a = 1\nerror('boom')").unwrap_err();
        assert_eq!(
            err_text(&e),
            "ERR user_script:2: boom | Some(\"@user_script\"):Some(2)"
        );
        let e = eval(&mut vm, "error({err='MY boom'})").unwrap_err();
        assert_eq!(err_text(&e), "MY boom | Some(\"@user_script\"):Some(1)");
        let e = eval(&mut vm, "\n\nreturn redis.call('get', 'k')").unwrap_err();
        assert_eq!(
            err_text(&e),
            "ERR redis.call/pcall can only be called inside a script invocation | Some(\"@user_script\"):Some(3)"
        );
        let e = vm.create(b"retur 1").unwrap_err();
        assert_eq!(
            e,
            "Error compiling script (new function): user_script:1: '=' expected near '1'"
        );
    }

    #[test]
    fn the_redis_table_helpers() {
        let mut vm = vm();
        let Ok(Value::String(s)) = eval(&mut vm, "return redis.sha1hex('')") else {
            panic!()
        };
        assert_eq!(
            s.to_str().unwrap(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        let Ok(Value::Table(t)) = eval(&mut vm, "return redis.error_reply('FOO bar')") else {
            panic!()
        };
        assert_eq!(t.get::<String>("err").unwrap(), "FOO bar");
        let Ok(Value::Table(t)) = eval(&mut vm, "return redis.error_reply('x')") else {
            panic!()
        };
        assert_eq!(t.get::<String>("err").unwrap(), "ERR x");
        let Ok(Value::Table(t)) = eval(&mut vm, "return redis.status_reply('FINE')") else {
            panic!()
        };
        assert_eq!(t.get::<String>("ok").unwrap(), "FINE");
        let Ok(Value::String(s)) = eval(&mut vm, "return redis.REDIS_VERSION") else {
            panic!()
        };
        assert_eq!(s.to_str().unwrap(), "7.0.15");
        let e = eval(&mut vm, "redis.log(1)").unwrap_err();
        assert!(err_text(&e).starts_with("ERR redis.log() requires two arguments or more."));
        assert!(eval(&mut vm, "redis.log(redis.LOG_NOTICE, 'hello', 1)").is_ok());
        let Ok(Value::Table(t)) =
            eval(&mut vm, "return {pcall(function() error({err='E x'}) end)}")
        else {
            panic!()
        };
        assert_eq!(t.get::<String>(2).unwrap(), "E x");
    }

    #[test]
    fn math_random_follows_redis_sequence() {
        let mut vm = vm();
        let Ok(Value::String(s)) = eval(&mut vm, "return tostring(math.random())") else {
            panic!()
        };
        assert_eq!(s.to_str().unwrap(), "0.39646477363839");
        let Ok(Value::String(s)) = eval(&mut vm, "return tostring(math.random())") else {
            panic!()
        };
        assert_eq!(s.to_str().unwrap(), "0.84048536971234");
        let Ok(Value::String(s)) =
            eval(&mut vm, "math.randomseed(7) return tostring(math.random())")
        else {
            panic!()
        };
        assert_eq!(s.to_str().unwrap(), "0.26644419658298");
    }

    #[test]
    fn numbers_print_as_lua_prints_them() {
        assert_eq!(lua_number_string(3.0), "3");
        assert_eq!(lua_number_string(0.1), "0.1");
        assert_eq!(lua_number_string(1e15), "1e+15");
        assert_eq!(
            lua_number_string(123_456_789_012_345.0),
            "1.2345678901234e+14"
        );
        assert_eq!(lua_number_string(1.0 / 3.0), "0.33333333333333");
    }
}
