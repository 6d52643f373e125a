//! Without the `scripting` feature: the scripting commands answer that Lua is not
//! built in.

use super::{Ctx, Reply, error};
use crate::Result;

pub(super) fn not_built(_: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    Ok(error(
        "ERR Lua scripting is not built in (cargo feature `scripting`)",
    ))
}

pub(super) use not_built as eval;
pub(super) use not_built as eval_ro;
pub(super) use not_built as evalsha;
pub(super) use not_built as evalsha_ro;
pub(super) use not_built as script;
pub(super) use not_built as function;
pub(super) use not_built as fcall;
pub(super) use not_built as fcall_ro;
