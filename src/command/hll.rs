//! HyperLogLog commands (`hyperloglog.c`): argument parsing and reply shaping.

// "HyperLogLog" is a name, not an identifier to put in backticks.

use super::parse::is;
use super::{Ctx, Reply};
use crate::Result;
use crate::hll::{DebugReply, PfDebug};

pub(super) fn pfadd(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::Integer(i64::from(
        c.hyperloglogs().pfadd(a[1], &a[2..])?,
    )))
}

pub(super) fn pfcount(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    // Redis replies with the count as a signed integer (an infinite estimate shows
    // as i64::MIN).
    #[allow(clippy::cast_possible_wrap)]
    let card = c.hyperloglogs().pfcount(&a[1..])? as i64;
    Ok(Reply::Integer(card))
}

pub(super) fn pfdebug(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = match a[1] {
        s if is(s, "GETREG") => PfDebug::GetReg,
        s if is(s, "DECODE") => PfDebug::Decode,
        s if is(s, "ENCODING") => PfDebug::Encoding,
        s if is(s, "TODENSE") => PfDebug::ToDense,
        _ => PfDebug::Unknown,
    };
    Ok(match c.hyperloglogs().pfdebug(sub, a[2])? {
        DebugReply::NoKey => Reply::Error("ERR The specified key does not exist".into()),
        DebugReply::Registers(regs) => Reply::Array(
            regs.into_iter()
                .map(|r| Reply::Integer(i64::from(r)))
                .collect(),
        ),
        DebugReply::Decoded(Some(text)) => Reply::Bulk(text.into()),
        DebugReply::Decoded(None) => Reply::Error("ERR HLL encoding is not sparse".into()),
        DebugReply::Encoding(name) => Reply::Simple(name.into()),
        DebugReply::Converted(done) => Reply::Integer(i64::from(done)),
        DebugReply::Unknown => {
            let mut text = b"ERR Unknown PFDEBUG subcommand '".to_vec();
            // Redis's addReplyErrorFormat turns line breaks into spaces.
            text.extend(a[1].iter().map(|&b| match b {
                b'\r' | b'\n' => b' ',
                b => b,
            }));
            text.push(b'\'');
            Reply::Error(text.into())
        }
    })
}

pub(super) fn pfmerge(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    c.hyperloglogs().pfmerge(a[1], &a[2..])?;
    Ok(Reply::ok())
}

pub(super) fn pfselftest(c: &Ctx<'_>, _a: &[&[u8]]) -> Result<Reply> {
    Ok(match c.hyperloglogs().pfselftest() {
        Ok(()) => Reply::ok(),
        // Redis's addReplyError puts ERR before a text without a code.
        Err(text) => Reply::Error(format!("ERR {text}").into()),
    })
}
