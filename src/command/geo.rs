//! geospatial commands (`geo.c`): argument parsing and reply shaping.

use super::{Ctx, Reply};
use crate::Result;

pub(super) fn geoadd(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn geodist(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn geohash(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn geopos(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn georadius(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn georadius_ro(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn georadiusbymember(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn georadiusbymember_ro(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn geosearch(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}

pub(super) fn geosearchstore(_c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Error("ERR not yet built".into()))
}
