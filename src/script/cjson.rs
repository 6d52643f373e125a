//! Lua's `cjson` library as Redis ships it.

use mlua::Lua;

pub(super) mod glue;

/// Sets the global table `cjson` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let _ = lua;
    Ok(())
}
