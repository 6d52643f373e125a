//! The Lua engine behind scripting and functions (Redis's `eval.c`, `script_lua.c`,
//! `function_lua.c`): Lua 5.1 with Redis's libraries and sandbox.

mod bit;
mod cjson;
mod cmsgpack;
mod structlib;

use mlua::Lua;

/// Loads the libraries Redis adds to Lua's own — `cjson`, `struct`, `cmsgpack` and
/// `bit` — as globals of `lua`.
pub(crate) fn open_libraries(lua: &Lua) -> mlua::Result<()> {
    cjson::open(lua)?;
    structlib::open(lua)?;
    cmsgpack::open(lua)?;
    bit::open(lua)
}
