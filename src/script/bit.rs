//! Lua's `bit` library as Redis ships it.

use mlua::Lua;

/// Sets the global table `bit` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let _ = lua;
    Ok(())
}
