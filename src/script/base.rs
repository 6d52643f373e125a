//! Lua's base functions that look through the sandbox's read-only views (`next`,
//! `pairs`, `ipairs`, `rawget`) or guard its protected tables (`rawset`,
//! `setmetatable`, `getmetatable`), and Redis's `math.random`. Rust functions — so,
//! to Lua, C functions like the ones they stand for: their errors name the caller's
//! line and the function as Lua's own would.

use std::sync::Arc;

use mlua::{Function, Lua, MultiValue, Table, Value};
use parking_lot::Mutex;

use super::cjson::glue::{self, Fail, Res};
use super::{HIDDEN, Lrand48};

/// The sandbox's bookkeeping table (see the prelude).
fn sandbox(lua: &Lua) -> Res<Table> {
    Ok(lua.named_registry_value(HIDDEN)?)
}

/// The real table behind a read-only view, or `t` itself.
fn real(lua: &Lua, t: &Table) -> Res<Table> {
    let proxies: Table = sandbox(lua)?.raw_get("proxies")?;
    Ok(match proxies.raw_get::<Value>(t)? {
        Value::Table(real) => real,
        _ => t.clone(),
    })
}

fn is_protected(lua: &Lua, t: &Table) -> Res<bool> {
    let protected: Table = sandbox(lua)?.raw_get("protected")?;
    Ok(protected.raw_get::<Option<bool>>(t)?.unwrap_or(false))
}

/// `luaL_checktype(L, n, LUA_TTABLE)`.
fn check_table(lua: &Lua, args: &MultiValue, n: usize) -> Res<Table> {
    match args.get(n - 1) {
        Some(Value::Table(t)) => Ok(t.clone()),
        v => Err(glue::type_error(lua, n, "table", v)),
    }
}

/// `luaL_checkany(L, n)`.
fn check_any(lua: &Lua, args: &MultiValue, n: usize) -> Res<Value> {
    match args.get(n - 1) {
        Some(v) => Ok(v.clone()),
        None => Err(glue::arg_error(lua, n, "value expected")),
    }
}

/// Lua's readonly-table error, raised where a protected table would change.
fn readonly() -> Fail {
    Fail::Msg(b"Attempt to modify a readonly table".to_vec())
}

fn values<const N: usize>(v: [Value; N]) -> MultiValue {
    v.into_iter().collect()
}

/// Stores the functions in the sandbox's hidden table as `<name>_fn`.
pub(super) fn register(lua: &Lua, into: &Table, rng: Arc<Mutex<Lrand48>>) -> mlua::Result<()> {
    into.raw_set(
        "next_fn",
        glue::make(lua, "next", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            let next: Function = sandbox(lua)?.raw_get("next")?;
            let key = args.get(1).cloned().unwrap_or(Value::Nil);
            Ok(next.call::<MultiValue>((real(lua, &t)?, key))?)
        })?,
    )?;
    into.raw_set(
        "pairs_fn",
        glue::make(lua, "pairs", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            let next: Function = sandbox(lua)?.raw_get("next")?;
            Ok(values([
                Value::Function(next),
                Value::Table(real(lua, &t)?),
                Value::Nil,
            ]))
        })?,
    )?;
    into.raw_set(
        "ipairs_fn",
        glue::make(lua, "ipairs", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            let step: Function = sandbox(lua)?.raw_get("ipairs_step")?;
            Ok(values([
                Value::Function(step),
                Value::Table(real(lua, &t)?),
                Value::Integer(0),
            ]))
        })?,
    )?;
    register_raw(lua, into)?;
    let r = Arc::clone(&rng);
    into.raw_set(
        "random",
        glue::make(lua, "random", move |lua, args| random(lua, &r, &args))?,
    )?;
    into.raw_set(
        "randomseed",
        glue::make(lua, "randomseed", move |lua, args| {
            let seed = check_int(lua, &args, 1)?;
            rng.lock().seed(seed);
            Ok(MultiValue::new())
        })?,
    )?;
    Ok(())
}

/// `rawget`, `rawset`, `setmetatable` and `getmetatable`, as `<name>_fn`.
fn register_raw(lua: &Lua, into: &Table) -> mlua::Result<()> {
    into.raw_set(
        "rawget_fn",
        glue::make(lua, "rawget", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            let key = check_any(lua, &args, 2)?;
            Ok(glue::one(real(lua, &t)?.raw_get::<Value>(key)?))
        })?,
    )?;
    into.raw_set(
        "rawset_fn",
        glue::make(lua, "rawset", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            let key = check_any(lua, &args, 2)?;
            let value = check_any(lua, &args, 3)?;
            if is_protected(lua, &t)? {
                return Err(readonly());
            }
            t.raw_set(key, value)?;
            Ok(glue::one(Value::Table(t)))
        })?,
    )?;
    into.raw_set(
        "setmetatable_fn",
        glue::make(lua, "setmetatable", |lua, args| {
            let t = check_table(lua, &args, 1)?;
            // Absent is neither nil nor a table (`lua_type` answers `LUA_TNONE`).
            let meta = match args.get(1) {
                Some(m @ (Value::Nil | Value::Table(_))) => m.clone(),
                _ => return Err(glue::arg_error(lua, 2, "nil or table expected")),
            };
            if is_protected(lua, &t)? {
                return Err(readonly());
            }
            if let Some(current) = t.metatable()
                && current.raw_get::<Value>("__metatable")? != Value::Nil
            {
                return Err(glue::error(lua, "cannot change a protected metatable"));
            }
            let set: Function = sandbox(lua)?.raw_get("setmetatable")?;
            Ok(set.call::<MultiValue>((t, meta))?)
        })?,
    )?;
    into.raw_set(
        "getmetatable_fn",
        glue::make(lua, "getmetatable", |lua, args| {
            let v = check_any(lua, &args, 1)?;
            if let Value::Table(t) = &v {
                let shown: Table = sandbox(lua)?.raw_get("shown")?;
                match shown.raw_get::<Value>(t)? {
                    Value::Nil => {}
                    Value::Boolean(false) => return Ok(glue::one(Value::Nil)),
                    meta => return Ok(glue::one(meta)),
                }
            }
            let get: Function = sandbox(lua)?.raw_get("getmetatable")?;
            Ok(get.call::<MultiValue>(v)?)
        })?,
    )
}

/// `luaL_checkint`: a number made a 64-bit `lua_Integer` (as x86-64 converts), then
/// cut to a C `int` (its low 32 bits).
fn check_int(lua: &Lua, args: &MultiValue, n: usize) -> Res<i32> {
    #[allow(clippy::cast_possible_truncation)]
    glue::check_number_of(lua, args.get(n - 1), n).map(|v| glue::double_to_i64(v) as i32)
}

/// `math.random` over Redis's `lrand48` (`redis_math_random`).
fn random(lua: &Lua, rng: &Mutex<Lrand48>, args: &MultiValue) -> Res<MultiValue> {
    let r = {
        let mut rng = rng.lock();
        f64::from(rng.next() % i32::MAX) / f64::from(i32::MAX)
    };
    let value = match args.len() {
        0 => r,
        1 => {
            let u = check_int(lua, args, 1)?;
            if u < 1 {
                return Err(glue::arg_error(lua, 1, "interval is empty"));
            }
            (r * f64::from(u)).floor() + 1.0
        }
        2 => {
            let l = check_int(lua, args, 1)?;
            let u = check_int(lua, args, 2)?;
            if l > u {
                return Err(glue::arg_error(lua, 2, "interval is empty"));
            }
            (r * (f64::from(u) - f64::from(l) + 1.0)).floor() + f64::from(l)
        }
        _ => return Err(glue::error(lua, "wrong number of arguments")),
    };
    Ok(glue::one(Value::Number(value)))
}
