//! Redis's functions (`functions.c`, `function_lua.c`): libraries of Lua functions that
//! `FUNCTION LOAD` registers and `FCALL` runs, kept in a Lua state of their own.
//!
//! A library is its code, which starts with a shebang naming the engine and the library
//! (`#!lua name=mylib`). Loading runs the code once, in an environment that holds only
//! a small `redis` table — `register_function`, `log`, the `LOG_*` levels and the
//! version — so the code can do nothing but register functions; it is stopped after
//! [`LOAD_TIMEOUT`]. The functions it registered run later with the whole sandbox
//! (`redis.call` and the libraries), as EVAL scripts do, but are handed their keys and
//! arguments as two tables instead of the `KEYS` and `ARGV` globals.
//!
//! Both phases share one environment table whose fall-through is switched: to the
//! load-time API while a library loads, to the sandbox's globals otherwise (Redis swaps
//! its globals' `__index` the same way), so functions a library defines see the full
//! sandbox when they run.
//!
//! Library names are case-sensitive; function names are looked up in any case and are
//! unique across libraries. Replacing a library (`FUNCTION LOAD REPLACE`) is atomic: if
//! the new code fails, the old library stays.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, Table, Value, VmState};
use parking_lot::Mutex;

use super::{
    INTERNAL, Lrand48, Raised, RunState, Scripting, Vm, flags, lua_error_text, lua_number_string,
    split_args,
};
use super::{raise_table, raised};
use crate::keyspace::{Keyspace, Libraries};

/// How long a library's code may run when it loads (Redis's `LOAD_TIMEOUT_MS`).
pub(crate) const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// The only engine (Redis's `LUA`), as `FUNCTION LIST` and `FUNCTION STATS` name it.
pub(crate) const ENGINE: &str = "LUA";

/// One registered function.
#[derive(Clone)]
pub(crate) struct FunctionInfo {
    pub(crate) name: String,
    pub(crate) description: Option<Vec<u8>>,
    /// Its flags ([`flags`]).
    pub(crate) flags: u8,
    pub(crate) callback: Function,
}

/// A loaded library.
pub(crate) struct Library {
    pub(crate) name: String,
    /// The code as given, shebang included.
    pub(crate) code: Vec<u8>,
    /// Its functions by name.
    pub(crate) functions: BTreeMap<String, FunctionInfo>,
}

/// How `FUNCTION RESTORE` treats the libraries there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RestorePolicy {
    /// Drop them all first.
    Flush,
    /// Keep them; a library of the same name is an error.
    Append,
    /// Keep them; a library of the same name is replaced.
    Replace,
}

/// The Lua state of functions and the libraries loaded in it.
pub(crate) struct Functions {
    vm: Vm,
    /// The environment libraries' code (and so their functions) runs in.
    fenv: Table,
    /// Its metatable, whose `__index` is switched between the two phases.
    fenv_meta: Table,
    /// What library code sees while it loads.
    load_api: Table,
    /// Where `redis.register_function` puts what it registers during a load.
    pending: Arc<Mutex<Option<Vec<FunctionInfo>>>>,
    /// Libraries by name.
    libraries: BTreeMap<String, Library>,
    /// Every function's library, by the function's lowercase name.
    names: HashMap<String, String>,
}

/// The load-time environment, in Lua: run with the real globals as its environment.
const LOAD_ENV: &str = r#"
local register, log, version, version_num = ...
local error, rawget, tostring, setmetatable = error, rawget, tostring, setmetatable
local function readonly() error('Attempt to modify a readonly table', 2) end
local function protect(real)
  return setmetatable({}, {
    __index = function(_, k)
      local v = rawget(real, k)
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end,
    __newindex = readonly,
    __metatable = false,
  })
end
local api = protect({
  register_function = register,
  log = log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = version, REDIS_VERSION_NUM = version_num,
})
local lib = protect({redis = api})
local meta = {__index = lib, __newindex = readonly, __metatable = false}
local fenv = setmetatable({}, meta)
return fenv, meta, lib
"#;

/// Whether `name` is a valid library or function name (`functionsVerifyName`).
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

const BAD_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// A library's shebang (`functionExtractLibMetaData`): the engine, the name, and where
/// the code after the shebang line begins (at its newline, so lines keep their numbers).
fn metadata(code: &[u8]) -> Result<(Vec<u8>, Vec<u8>, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    // `strchr`: the shebang ends at a NUL byte too.
    let line = &code[..end];
    let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
    let Some(parts) = split_args(line).filter(|p| !p.is_empty()) else {
        return Err("Invalid library metadata".into());
    };
    let engine = parts[0].get(2..).unwrap_or_default().to_vec();
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok((engine, name, end))
}

/// A Lua value as `lua_tolstring` gives it, for strings and numbers only.
fn lua_string(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(lua_number_string(*n).into_bytes()),
        _ => None,
    }
}

/// What `redis.register_function` was given: the name, the description, the flags
/// and the callback.
type Registration = (Vec<u8>, Option<Vec<u8>>, u8, Function);

/// `redis.register_function`'s arguments (`luaRegisterFunctionReadArgs`), or the error.
fn register_args(args: &mlua::MultiValue) -> Result<Registration, &'static str> {
    match args.len() {
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err(
                    "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
                );
            };
            let (mut name, mut desc, mut callback, mut fflags) = (None, None, None, 0);
            for pair in t.pairs::<Value, Value>() {
                let Ok((k, v)) = pair else {
                    return Err(
                        "named argument key given to redis.register_function is not a string",
                    );
                };
                let Some(key) = lua_string(&k) else {
                    return Err(
                        "named argument key given to redis.register_function is not a string",
                    );
                };
                if key.eq_ignore_ascii_case(b"function_name") {
                    name = Some(lua_string(&v).ok_or(
                        "function_name argument given to redis.register_function must be a string",
                    )?);
                } else if key.eq_ignore_ascii_case(b"description") {
                    desc = Some(lua_string(&v).ok_or(
                        "description argument given to redis.register_function must be a string",
                    )?);
                } else if key.eq_ignore_ascii_case(b"callback") {
                    let Value::Function(f) = v else {
                        return Err(
                            "callback argument given to redis.register_function must be a function",
                        );
                    };
                    callback = Some(f);
                } else if key.eq_ignore_ascii_case(b"flags") {
                    let Value::Table(list) = v else {
                        return Err(
                            "flags argument to redis.register_function must be a table representing function flags",
                        );
                    };
                    fflags = read_flags(&list).ok_or("unknown flag given")?;
                } else {
                    return Err("unknown argument given to redis.register_function");
                }
            }
            let name = name.ok_or("redis.register_function must get a function name argument")?;
            let callback =
                callback.ok_or("redis.register_function must get a callback argument")?;
            Ok((name, desc, fflags, callback))
        }
        2 => {
            let name = lua_string(&args[0])
                .ok_or("first argument to redis.register_function must be a string")?;
            let Value::Function(f) = &args[1] else {
                return Err("second argument to redis.register_function must be a function");
            };
            Ok((name, None, 0, f.clone()))
        }
        _ => Err("wrong number of arguments to redis.register_function"),
    }
}

/// A `flags` table's flags (`luaRegisterFunctionReadFlags`); `None` for an unknown one.
fn read_flags(list: &Table) -> Option<u8> {
    let mut out = 0;
    for i in 1.. {
        let v = list.get::<Value>(i).ok()?;
        if v == Value::Nil {
            break;
        }
        let name = lua_string(&v)?;
        let (_, f) = flags::NAMES
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(&name))?;
        out |= f;
    }
    Some(out)
}

impl Functions {
    /// A new state with no libraries.
    pub(crate) fn new(rng: Arc<Mutex<Lrand48>>) -> mlua::Result<Functions> {
        let vm = Vm::for_functions(rng)?;
        let pending: Arc<Mutex<Option<Vec<FunctionInfo>>>> = Arc::default();
        let p = Arc::clone(&pending);
        let register = vm.lua.create_function(move |_, args: mlua::MultiValue| {
            if p.lock().is_none() {
                return Err(raise_table(
                    "ERR redis.register_function can only be called on FUNCTION LOAD command",
                ));
            }
            // Read without the lock: reading a table may run Lua code.
            let (name, description, fflags, callback) =
                register_args(&args).map_err(|e| raise_table(format!("ERR {e}")))?;
            if !valid_name(&name) {
                return Err(raise_table(format!("ERR {BAD_NAME}")));
            }
            let name = String::from_utf8_lossy(&name).into_owned();
            let mut guard = p.lock();
            let Some(list) = guard.as_mut() else {
                return Err(raise_table(
                    "ERR redis.register_function can only be called on FUNCTION LOAD command",
                ));
            };
            if list.iter().any(|f| f.name == name) {
                return Err(raise_table("ERR Function already exists in the library"));
            }
            list.push(FunctionInfo {
                name,
                description,
                flags: fflags,
                callback,
            });
            Ok(())
        })?;
        let log: Value = vm.hidden.raw_get("log")?;
        let (fenv, fenv_meta, load_api): (Table, Table, Table) = vm
            .lua
            .load(LOAD_ENV)
            .set_name(INTERNAL)
            .call((register, log, super::VERSION, super::VERSION_NUM))?;
        let f = Functions {
            vm,
            fenv,
            fenv_meta,
            load_api,
            pending,
            libraries: BTreeMap::new(),
            names: HashMap::new(),
        };
        f.run_phase()?;
        Ok(f)
    }

    /// Globals fall through to the sandbox's (functions running).
    fn run_phase(&self) -> mlua::Result<()> {
        self.fenv_meta.raw_set("__index", self.vm.env.clone())
    }

    /// The Lua state (for the run's dispatcher and hooks).
    pub(crate) fn vm(&self) -> &Vm {
        &self.vm
    }

    /// The loaded libraries, by name.
    pub(crate) fn libraries(&self) -> impl Iterator<Item = &Library> {
        self.libraries.values()
    }

    /// The number of libraries and of functions.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.libraries.len(), self.names.len())
    }

    /// The function called `name` (any case).
    pub(crate) fn find(&self, name: &[u8]) -> Option<&FunctionInfo> {
        let name = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        let library = self.names.get(&name)?;
        self.libraries
            .get(library)?
            .functions
            .values()
            .find(|f| f.name.eq_ignore_ascii_case(&name))
    }

    /// Runs `function` with `keys` and `args` as its two arguments: `Ok(value)` with
    /// what it returned, or `Err(error table)`.
    pub(crate) fn call(
        &self,
        function: &Function,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> mlua::Result<Result<Value, Value>> {
        let (ok, value): (bool, Value) = self.vm.run_with.call((
            function.clone(),
            self.vm.array(keys)?,
            self.vm.array(args)?,
        ))?;
        Ok(if ok { Ok(value) } else { Err(value) })
    }

    /// Runs a library's code (`luaEngineCreate`): its functions, or Redis's error text
    /// (without the `ERR ` code). `timeout`: how long the code may run.
    fn create(&self, code: &[u8], timeout: Option<Duration>) -> Result<Vec<FunctionInfo>, String> {
        let chunk = self
            .vm
            .lua
            .load(code)
            .set_name("@user_function")
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(self.fenv.clone())
            .into_function()
            .map_err(|e| format!("Error compiling function: {}", lua_error_text(&e)))?;
        let lua: &Lua = &self.vm.lua;
        let _ = self.fenv_meta.raw_set("__index", self.load_api.clone());
        *self.pending.lock() = Some(Vec::new());
        if let Some(limit) = timeout {
            let start = Instant::now();
            let _ = lua.set_hook(
                HookTriggers::new().every_nth_instruction(super::HOOK_INSTRUCTIONS),
                move |_, _| {
                    if start.elapsed() > limit {
                        Err(raise_table("ERR FUNCTION LOAD timeout"))
                    } else {
                        Ok(VmState::Continue)
                    }
                },
            );
        }
        let out: mlua::Result<(bool, Value)> = self.vm.runner.call(chunk);
        if timeout.is_some() {
            lua.remove_hook();
        }
        let _ = self.run_phase();
        let registered = self.pending.lock().take().unwrap_or_default();
        let text = match out {
            Ok((true, _)) => return Ok(registered),
            Ok((false, Value::Table(t))) => match t.raw_get::<Value>("err") {
                Ok(v) => lua_string(&v).map_or_else(
                    || "ERR (null)".to_owned(),
                    |s| String::from_utf8_lossy(&s).into_owned(),
                ),
                Err(e) => format!("ERR {}", lua_error_text(&e)),
            },
            Ok((false, other)) => format!(
                "ERR {}",
                String::from_utf8_lossy(&lua_string(&other).unwrap_or_default())
            ),
            Err(e) => match raised(&e) {
                Some(Raised::Table(t)) => String::from_utf8_lossy(t).into_owned(),
                Some(Raised::Text(t)) => format!("ERR {}", String::from_utf8_lossy(t)),
                None => format!("ERR {}", lua_error_text(&e)),
            },
        };
        Err(format!("Error registering functions: {text}"))
    }

    /// Checks and runs a library's code (`functionsCreateWithLibraryCtx` up to the
    /// linking): the new library and the one of its name it replaces, if `replace`.
    fn prepare(
        &self,
        code: &[u8],
        replace: bool,
        timeout: Option<Duration>,
    ) -> Result<Library, String> {
        let (engine, name, body) = metadata(code)?;
        if !valid_name(&name) {
            return Err(BAD_NAME.into());
        }
        if !engine.eq_ignore_ascii_case(ENGINE.as_bytes()) {
            return Err(format!(
                "Engine '{}' not found",
                String::from_utf8_lossy(&engine)
            ));
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        if !replace && self.libraries.contains_key(&name) {
            return Err(format!("Library '{name}' already exists"));
        }
        let registered = self.create(&code[body..], timeout)?;
        if registered.is_empty() {
            return Err("No functions registered".into());
        }
        Ok(Library {
            name,
            code: code.to_vec(),
            functions: registered
                .into_iter()
                .map(|f| (f.name.clone(), f))
                .collect(),
        })
    }

    /// The first function of `library` that another library (not `except`) has.
    fn collision(&self, library: &Library, except: &[&str]) -> Option<String> {
        library.functions.keys().find_map(|f| {
            let owner = self.names.get(&f.to_ascii_lowercase())?;
            (!except.contains(&owner.as_str())).then(|| f.clone())
        })
    }

    fn link(&mut self, library: Library) {
        for f in library.functions.keys() {
            self.names
                .entry(f.to_ascii_lowercase())
                .or_insert_with(|| library.name.clone());
        }
        self.libraries.insert(library.name.clone(), library);
    }

    fn unlink(&mut self, name: &str) -> Option<Library> {
        let library = self.libraries.remove(name)?;
        self.names.retain(|_, owner| owner != name);
        Some(library)
    }

    /// `FUNCTION LOAD [REPLACE]`: the library's name, or Redis's error text (without
    /// the `ERR ` code). With no `timeout`, the code may run as long as it takes (a
    /// library read from a file).
    pub(crate) fn load(
        &mut self,
        code: &[u8],
        replace: bool,
        timeout: Option<Duration>,
    ) -> Result<String, String> {
        let library = self.prepare(code, replace, timeout)?;
        if let Some(f) = self.collision(&library, &[&library.name]) {
            return Err(format!("Function {f} already exists"));
        }
        let name = library.name.clone();
        self.unlink(&name);
        self.link(library);
        Ok(name)
    }

    /// `FUNCTION DELETE`: whether the library was there.
    pub(crate) fn delete(&mut self, name: &[u8]) -> bool {
        std::str::from_utf8(name).is_ok_and(|n| self.unlink(n).is_some())
    }

    /// `FUNCTION FLUSH`: every library goes.
    pub(crate) fn flush(&mut self) {
        self.libraries.clear();
        self.names.clear();
        let _ = self.vm.lua.gc_collect();
    }

    /// `FUNCTION RESTORE`: loads the libraries of `codes` as one (`libraryJoin`), or
    /// changes nothing and answers Redis's error text.
    pub(crate) fn restore(
        &mut self,
        codes: &[Vec<u8>],
        policy: RestorePolicy,
    ) -> Result<(), String> {
        let mut new: Vec<Library> = Vec::with_capacity(codes.len());
        for code in codes {
            let library = self.prepare(code, true, None).and_then(|l| {
                if new.iter().any(|o| o.name == l.name) {
                    return Err(format!("Library '{}' already exists", l.name));
                }
                let clash = l.functions.keys().find(|f| {
                    new.iter()
                        .any(|o| o.functions.keys().any(|g| g.eq_ignore_ascii_case(f)))
                });
                match clash {
                    Some(f) => Err(format!("Function {f} already exists")),
                    None => Ok(l),
                }
            })?;
            new.push(library);
        }
        if policy == RestorePolicy::Flush {
            self.flush();
        } else {
            let names: Vec<&str> = new.iter().map(|l| l.name.as_str()).collect();
            for l in &new {
                if policy == RestorePolicy::Append && self.libraries.contains_key(&l.name) {
                    return Err(format!("Library {} already exists", l.name));
                }
            }
            let replaced: &[&str] = if policy == RestorePolicy::Replace {
                &names
            } else {
                &[]
            };
            for l in &new {
                if let Some(f) = self.collision(l, replaced) {
                    return Err(format!("Function {f} already exists"));
                }
            }
            for name in &names {
                self.unlink(name);
            }
        }
        for l in new {
            self.link(l);
        }
        Ok(())
    }
}

impl Functions {
    /// Takes in the libraries a loaded file left in the keyspace (Redis's
    /// `rdbFunctionLoad` as a file loads), however long their code runs; the keyspace
    /// then holds the registry's libraries. Stops at the first library that fails, with
    /// Redis's text.
    pub(crate) fn take_loaded(&mut self, libraries: &mut Libraries) -> Result<(), String> {
        if !libraries.loaded {
            return Ok(());
        }
        libraries.loaded = false;
        let codes = std::mem::take(&mut libraries.codes);
        let mut out = Ok(());
        for code in &codes {
            if let Err(e) = self.load(code, false, None) {
                out = Err(e);
                break;
            }
        }
        libraries.codes = self.libraries().map(|l| l.code.clone()).collect();
        out
    }
}

impl Scripting {
    /// [`Functions::take_loaded`] for a store just opened: the keyspace's libraries
    /// from its file, in the registry.
    pub(crate) fn take_loaded_libraries(&self, ks: &Keyspace) -> Result<(), String> {
        if !ks.libraries().loaded {
            return Ok(());
        }
        let mut functions = self.functions().map_err(|e| lua_error_text(&e))?;
        let out = functions.take_loaded(&mut ks.libraries());
        let (libraries, count) = functions.counts();
        let mut stats = self.function_stats();
        stats.libraries = libraries;
        stats.functions = count;
        out
    }
}

/// The function running now, as `FUNCTION STATS` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub(crate) name: String,
    /// The `FCALL` that runs it.
    pub(crate) command: Vec<Vec<u8>>,
    pub(crate) started: Instant,
}

/// What `FUNCTION STATS` reads without waiting for a running function: the counts of
/// libraries and functions, and the function running.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) libraries: usize,
    pub(crate) functions: usize,
    pub(crate) current: Option<Current>,
}

impl RunState {
    /// Whether a script runs now: `Some(true)` an `EVAL` one, `Some(false)` a function.
    pub(crate) fn running_eval(&self) -> Option<bool> {
        self.running.lock().map(|r| r.eval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn functions() -> Functions {
        Functions::new(Arc::new(Mutex::new(Lrand48::new()))).unwrap()
    }

    const LIB: &str =
        "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return keys[1] end)";

    #[test]
    fn metadata_is_read_as_redis_reads_it() {
        assert_eq!(
            metadata(b"return 1").unwrap_err(),
            "Missing library metadata"
        );
        assert_eq!(metadata(b"#!lua").unwrap_err(), "Invalid library metadata");
        assert_eq!(
            metadata(b"#!lua\n").unwrap_err(),
            "Library name was not given"
        );
        assert_eq!(
            metadata(b"#!lua name=a b=c\n").unwrap_err(),
            "Invalid metadata value given: b=c"
        );
        assert_eq!(
            metadata(b"#!lua name=a NAME=b\n").unwrap_err(),
            "Invalid metadata value, name argument was given multiple times"
        );
        assert_eq!(
            metadata(b"#!lua \"name=a\n").unwrap_err(),
            "Invalid library metadata"
        );
        assert_eq!(
            metadata(b"#!lua \"name=x y\"\nreturn").unwrap(),
            (b"lua".to_vec(), b"x y".to_vec(), 16)
        );
    }

    #[test]
    fn a_library_loads_and_its_function_runs() {
        let mut f = functions();
        assert_eq!(
            f.load(LIB.as_bytes(), false, Some(LOAD_TIMEOUT)).unwrap(),
            "mylib"
        );
        assert_eq!(
            f.load(LIB.as_bytes(), false, None).unwrap_err(),
            "Library 'mylib' already exists"
        );
        let func = f.find(b"F1").unwrap().callback.clone();
        let Ok(Value::String(s)) = f.call(&func, &[b"k"], &[]).unwrap() else {
            panic!()
        };
        assert_eq!(s.as_bytes().as_ref(), b"k");
        assert_eq!(f.counts(), (1, 1));
        assert!(f.delete(b"mylib"));
        assert_eq!(f.counts(), (0, 0));
    }

    #[test]
    fn load_time_sees_only_the_library_api() {
        let mut f = functions();
        let err = |f: &mut Functions, body: &str| {
            f.load(format!("#!lua name=x\n{body}").as_bytes(), false, None)
                .unwrap_err()
        };
        assert_eq!(
            err(&mut f, "error('boom')"),
            "Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'"
        );
        assert_eq!(
            err(&mut f, "redis.call('ping')"),
            "Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"
        );
        assert_eq!(
            err(&mut f, "x = 1"),
            "Error registering functions: ERR user_function:2: Attempt to modify a readonly table"
        );
        assert_eq!(err(&mut f, "return 1"), "No functions registered");
        assert_eq!(
            err(&mut f, "retur 1"),
            "Error compiling function: user_function:2: '=' expected near '1'"
        );
        assert_eq!(
            err(&mut f, "redis.register_function('f-1', function() end)"),
            format!("Error registering functions: ERR {BAD_NAME}")
        );
        assert_eq!(
            err(
                &mut f,
                "redis.register_function{function_name='g', callback=function() end, flags={'bogus'}}"
            ),
            "Error registering functions: ERR unknown flag given"
        );
    }

    #[test]
    fn a_runaway_library_is_stopped() {
        let mut f = functions();
        let e = f
            .load(
                b"#!lua name=x\nwhile true do end",
                false,
                Some(Duration::from_millis(50)),
            )
            .unwrap_err();
        assert_eq!(e, "Error registering functions: ERR FUNCTION LOAD timeout");
        // The state still works.
        f.load(LIB.as_bytes(), false, Some(LOAD_TIMEOUT)).unwrap();
    }

    #[test]
    fn a_failed_replace_keeps_the_old_library() {
        let mut f = functions();
        f.load(LIB.as_bytes(), false, None).unwrap();
        let e = f
            .load(b"#!lua name=mylib\nreturn 1", true, None)
            .unwrap_err();
        assert_eq!(e, "No functions registered");
        assert!(f.find(b"f1").is_some());
        f.load(
            b"#!lua name=mylib\nredis.register_function('f2', function() return 2 end)",
            true,
            None,
        )
        .unwrap();
        assert!(f.find(b"f1").is_none());
        assert!(f.find(b"f2").is_some());
        let e = f
            .load(
                b"#!lua name=other\nredis.register_function('F2', function() end)",
                false,
                None,
            )
            .unwrap_err();
        assert_eq!(e, "Function F2 already exists");
    }

    #[test]
    fn functions_run_with_the_full_sandbox() {
        let mut f = functions();
        f.load(
            b"#!lua name=m\nredis.register_function('g', function(k, a) return string.len(a[1]) end)\nredis.register_function('h', function() return KEYS end)",
            false,
            None,
        )
        .unwrap();
        let len = f.find(b"g").unwrap().callback.clone();
        assert!(matches!(
            f.call(&len, &[], &[b"abc"]).unwrap(),
            Ok(Value::Integer(3))
        ));
        let keys = f.find(b"h").unwrap().callback.clone();
        let Err(Value::Table(table)) = f.call(&keys, &[], &[]).unwrap() else {
            panic!()
        };
        let e: String = table.get("err").unwrap();
        assert_eq!(
            e,
            "ERR user_function:3: Script attempted to access nonexistent global variable 'KEYS'"
        );
    }
}
