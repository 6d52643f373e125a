//! Shared plumbing of the four libraries: how a Rust function becomes a Lua
//! library function that fails the way a C library function does.
//!
//! A library function is a Rust callback (so, to Lua, a C function: a call in tail
//! position keeps its caller's frame, and errors name the caller's line). It returns
//! its results, or fails with the complete message — including the `chunk:line: `
//! prefix that C's `luaL_error` adds, computed here from the calling frame — raised as
//! the engine's string error ([`raise_text`](crate::script)), which a script's `pcall`
//! receives as the plain string Redis gives it.

use mlua::{Function, Lua, MultiValue, Table, Value};

/// Why a library function failed.
pub(crate) enum Fail {
    /// A Lua error with this message (already prefixed with the position).
    Msg(Vec<u8>),
    /// An error of the binding itself (memory, stack), passed on as is.
    Lua(mlua::Error),
}

impl From<mlua::Error> for Fail {
    fn from(e: mlua::Error) -> Self {
        Fail::Lua(e)
    }
}

/// The result of a library function.
pub(crate) type Res<T> = Result<T, Fail>;

/// Stack level of the library function's caller as seen from the Rust function.
const CALLER_LEVEL: usize = 1;
/// Stack level of the library function itself.
const SELF_LEVEL: usize = 0;

/// `luaL_where(L, 1)` of the library function: `"chunk:line: "`, or empty when
/// the caller is not a Lua function with line information.
fn where_prefix(lua: &Lua) -> Vec<u8> {
    lua.inspect_stack(CALLER_LEVEL, |d| {
        let line = d.current_line().unwrap_or(0);
        if line > 0 {
            let src = d
                .source()
                .short_src
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            format!("{src}:{line}: ").into_bytes()
        } else {
            Vec::new()
        }
    })
    .unwrap_or_default()
}

/// A `luaL_error` raised by the library function: `msg` behind the position of
/// its caller.
pub(crate) fn error(lua: &Lua, msg: impl AsRef<[u8]>) -> Fail {
    let mut full = where_prefix(lua);
    full.extend_from_slice(msg.as_ref());
    Fail::Msg(full)
}

/// A `luaL_argerror` of the library function: argument `narg` is bad.
pub(crate) fn arg_error(lua: &Lua, narg: usize, extramsg: impl AsRef<[u8]>) -> Fail {
    arg_error_at(lua, i64::try_from(narg).unwrap_or(i64::MAX), extramsg)
}

/// [`arg_error`] for any argument number, including 0.
pub(crate) fn arg_error_at(lua: &Lua, narg: i64, extramsg: impl AsRef<[u8]>) -> Fail {
    let extramsg = extramsg.as_ref();
    let (name, what) = lua
        .inspect_stack(SELF_LEVEL, |d| {
            let n = d.names();
            (n.name.map(std::borrow::Cow::into_owned), n.name_what)
        })
        .unwrap_or((None, None));
    let name = name.unwrap_or_else(|| "?".to_owned());
    let mut narg = narg;
    if what == Some("method") {
        narg -= 1;
        if narg == 0 {
            let mut msg = format!("calling '{name}' on bad self (").into_bytes();
            msg.extend_from_slice(extramsg);
            msg.push(b')');
            return error(lua, msg);
        }
    }
    let mut msg = format!("bad argument #{narg} to '{name}' (").into_bytes();
    msg.extend_from_slice(extramsg);
    msg.push(b')');
    error(lua, msg)
}

/// Lua's name of the type of argument `v` (`"no value"` when absent).
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    }
}

/// A `luaL_typerror` of the library function: argument `narg` is not a `tname`.
pub(crate) fn type_error(lua: &Lua, narg: usize, tname: &str, v: Option<&Value>) -> Fail {
    let got = type_name(v);
    arg_error(lua, narg, format!("{tname} expected, got {got}"))
}

/// The number a Lua number value holds.
pub(crate) fn number_of(v: &Value) -> Option<f64> {
    match v {
        #[allow(clippy::cast_precision_loss)]
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// `lua_tonumber`: a number, or a string Lua converts to a number.
pub(crate) fn to_number(lua: &Lua, v: Option<&Value>) -> Res<Option<f64>> {
    match v {
        None => Ok(None),
        Some(v) => {
            if let Some(n) = number_of(v) {
                return Ok(Some(n));
            }
            if let Value::String(_) = v {
                return Ok(lua.coerce_number(v.clone())?);
            }
            Ok(None)
        }
    }
}

/// `luaL_checknumber` of `v`, argument `narg`.
pub(crate) fn check_number_of(lua: &Lua, v: Option<&Value>, narg: usize) -> Res<f64> {
    match to_number(lua, v)? {
        Some(n) => Ok(n),
        None => Err(type_error(lua, narg, "number", v)),
    }
}

/// C's conversion of a double to a 64-bit integer on x86-64 (`cvttsd2si`):
/// truncation, and the "integer indefinite" value for NaN and out-of-range.
pub(crate) fn double_to_i64(n: f64) -> i64 {
    if n.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let v = n as i64;
        v
    }
}

/// C's conversion of a double to a 32-bit `int` on x86-64.
pub(crate) fn double_to_i32(n: f64) -> i32 {
    if n.is_nan() || n >= 2_147_483_648.0 || n <= -2_147_483_649.0 {
        i32::MIN
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let v = n as i32;
        v
    }
}

/// `luaL_checkinteger` of argument `narg`, as the `lua_Integer` (64-bit) C gets.
pub(crate) fn check_integer(lua: &Lua, args: &MultiValue, narg: usize) -> Res<i64> {
    let v = args.get(narg - 1);
    match to_number(lua, v)? {
        Some(n) => Ok(double_to_i64(n)),
        None => Err(type_error(lua, narg, "number", v)),
    }
}

/// `luaL_checklstring` of argument `narg`: the bytes of a string, or of a number
/// converted as Lua converts it.
pub(crate) fn check_string(lua: &Lua, args: &MultiValue, narg: usize) -> Res<mlua::LuaString> {
    check_string_of(lua, args.get(narg - 1), narg)
}

/// `luaL_checklstring` of `v`, argument `narg`.
pub(crate) fn check_string_of(lua: &Lua, v: Option<&Value>, narg: usize) -> Res<mlua::LuaString> {
    match v {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(n @ (Value::Integer(_) | Value::Number(_))) => match lua.coerce_string(n.clone())? {
            Some(s) => Ok(s),
            None => Err(type_error(lua, narg, "string", v)),
        },
        _ => Err(type_error(lua, narg, "string", v)),
    }
}

/// A Lua string value of `bytes`.
pub(crate) fn string(lua: &Lua, bytes: impl AsRef<[u8]>) -> Res<Value> {
    Ok(Value::String(lua.create_string(bytes)?))
}

/// What a library function returns.
pub(crate) enum Ret {
    /// These values.
    Values(MultiValue),
    /// The values at 1..=n of this table (for long lists of results, which
    /// would not fit the stack of a Rust callback).
    Spread(Table, usize),
}

impl From<MultiValue> for Ret {
    fn from(m: MultiValue) -> Self {
        Ret::Values(m)
    }
}

/// Most results a library function returns as plain values; longer lists go
/// through a table.
pub(crate) const MAX_DIRECT_RESULTS: usize = 64;

/// Stores in `table` under `name` the library function that runs `f`.
pub(crate) fn register<F, R>(lua: &Lua, table: &Table, name: &str, f: F) -> mlua::Result<()>
where
    F: Fn(&Lua, MultiValue) -> Res<R> + Send + 'static,
    R: Into<Ret>,
{
    let func = make(lua, name, f)?;
    table.raw_set(name, func)
}

/// The library function that runs `f` (see the module documentation).
pub(crate) fn make<F, R>(lua: &Lua, _name: &str, f: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, MultiValue) -> Res<R> + Send + 'static,
    R: Into<Ret>,
{
    lua.create_function(
        move |lua, args: MultiValue| match f(lua, args).map(Into::into) {
            Ok(Ret::Values(vals)) => Ok(vals),
            Ok(Ret::Spread(t, n)) => {
                // The libraries bound their results by Lua's C stack limit, as Redis's do.
                let mut vals = MultiValue::with_capacity(n);
                for i in 1..=n {
                    vals.push_back(t.raw_get::<Value>(i)?);
                }
                Ok(vals)
            }
            Err(Fail::Msg(m)) => Err(crate::script::raise_plain(m)),
            Err(Fail::Lua(e)) => Err(e),
        },
    )
}

/// The results of a library function: plain values while few, then a table.
#[derive(Default)]
pub(crate) struct Results {
    direct: MultiValue,
    table: Option<Table>,
    n: usize,
}

impl Results {
    /// Appends `v`.
    pub(crate) fn push(&mut self, lua: &Lua, v: Value) -> mlua::Result<()> {
        self.n += 1;
        if let Some(t) = &self.table {
            return t.raw_set(self.n, v);
        }
        if self.n <= MAX_DIRECT_RESULTS {
            self.direct.push_back(v);
            return Ok(());
        }
        let t = lua.create_table()?;
        for (i, x) in std::mem::take(&mut self.direct).into_iter().enumerate() {
            t.raw_set(i + 1, x)?;
        }
        t.raw_set(self.n, v)?;
        self.table = Some(t);
        Ok(())
    }

    /// Removes the last value and returns it.
    pub(crate) fn pop(&mut self) -> mlua::Result<Value> {
        if self.n == 0 {
            return Ok(Value::Nil);
        }
        let v = match &self.table {
            Some(t) => {
                let v: Value = t.raw_get(self.n)?;
                t.raw_set(self.n, Value::Nil)?;
                v
            }
            None => self.direct.pop_back().unwrap_or(Value::Nil),
        };
        self.n -= 1;
        Ok(v)
    }

    /// Replaces the first value.
    pub(crate) fn set_first(&mut self, v: Value) -> mlua::Result<()> {
        if let Some(t) = &self.table {
            return t.raw_set(1, v);
        }
        if let Some(first) = self.direct.front_mut() {
            *first = v;
        }
        Ok(())
    }

    /// How many values there are.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The values, for returning.
    pub(crate) fn finish(self) -> Ret {
        match self.table {
            Some(t) => Ret::Spread(t, self.n),
            None => Ret::Values(self.direct),
        }
    }
}

/// `luaL_optinteger` of argument `narg`: `default` when it is none or nil.
pub(crate) fn opt_integer(lua: &Lua, args: &MultiValue, narg: usize, default: i64) -> Res<i64> {
    match args.get(narg - 1) {
        None | Some(Value::Nil) => Ok(default),
        Some(_) => check_integer(lua, args, narg),
    }
}

/// C's conversion of a double to an unsigned 64-bit integer as gcc compiles
/// it for x86-64.
pub(crate) fn double_to_u64(n: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    #[allow(clippy::cast_sign_loss)]
    if n >= TWO63 {
        (double_to_i64(n - TWO63) as u64) ^ (1 << 63)
    } else {
        double_to_i64(n) as u64
    }
}

/// One result.
pub(crate) fn one(v: Value) -> MultiValue {
    let mut m = MultiValue::new();
    m.push_back(v);
    m
}

#[cfg(test)]
pub(crate) mod tests {
    use mlua::Lua;

    /// A Lua state with the four libraries, in the engine's sandbox (whose `pcall`
    /// hands a script the plain string a library function raised).
    pub(crate) fn lua() -> Lua {
        let vm = crate::script::Vm::new(std::sync::Arc::default()).unwrap();
        vm.lua().clone()
    }

    /// A local function `hex` writing a string's bytes in hexadecimal.
    const HEX: &str = "local function hex(s) return (string.gsub(s, '.', \
        function(c) return string.format('%02x', string.byte(c)) end)) end";

    /// `tostring` of the value of `expr`, or of its error, evaluated at line 1 of
    /// a chunk named like Redis's scripts.
    pub(crate) fn eval(lua: &Lua, expr: &str) -> String {
        let code =
            format!("{HEX} local ok, r = pcall(function() return ({expr}) end) return tostring(r)");
        let s: mlua::LuaString = lua
            .load(code)
            .set_name("@user_script")
            .set_environment(crate::script::Vm::test_env(lua))
            .eval()
            .unwrap();
        String::from_utf8_lossy(&s.as_bytes()).into_owned()
    }

    /// Up to three results of `exprs` (or its error) as `tostring`s joined by spaces.
    pub(crate) fn eval3(lua: &Lua, exprs: &str) -> String {
        let code = format!(
            "local ok, r = pcall(function() return {{{exprs}}} end) if not ok then return r end \
             local o = {{}} for i = 1, 3 do o[i] = tostring(r[i]) end return table.concat(o, ' ')"
        );
        let s: mlua::LuaString = lua
            .load(code)
            .set_name("@user_script")
            .set_environment(crate::script::Vm::test_env(lua))
            .eval()
            .unwrap();
        String::from_utf8_lossy(&s.as_bytes()).into_owned()
    }
}
