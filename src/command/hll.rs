//! HyperLogLog commands (`hyperloglog.c`): argument parsing and reply shaping.

use super::{Ctx, Reply};
use crate::Result;

pub(super) fn pfadd(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn pfcount(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn pfdebug(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn pfmerge(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn pfselftest(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}
