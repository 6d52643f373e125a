//! Without the `scripting` feature: the scripting commands answer that Lua is not
//! built in.

use super::{Ctx, Reply, error};
use crate::Result;

/// Any scripting command.
pub(super) fn run(_: &Ctx<'_>, _: &str, _: &[&[u8]]) -> Result<Reply> {
    Ok(error(
        "ERR Lua scripting is not built in (cargo feature `scripting`)",
    ))
}
