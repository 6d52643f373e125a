//! Lua's `bit` library as Redis ships it (Lua `BitOp` 1.0.2): bitwise operations on
//! numbers taken modulo 2^32 as signed 32-bit integers.

use mlua::{Lua, MultiValue, Table, Value};

use super::cjson::glue::{self, Res};

/// `barg`: argument `narg` as 32 bits. The number is normalised the way
/// `BitOp` does it, by adding 2^52+2^51 and keeping the low word of the
/// double, which takes any number modulo 2^32 (rounding non-integers to even).
fn barg(lua: &Lua, args: &MultiValue, narg: usize) -> Res<u32> {
    let v = args.get(narg - 1);
    let n = glue::to_number(lua, v)?.unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation)]
    let b = (n + 6_755_399_441_055_744.0).to_bits() as u32;
    if b == 0 && glue::to_number(lua, v)?.is_none() {
        return Err(glue::type_error(lua, narg, "number", v));
    }
    Ok(b)
}

/// The Lua number of a 32-bit result, read as signed.
fn bret(b: u32) -> MultiValue {
    #[allow(clippy::cast_possible_wrap)]
    let s = b as i32;
    glue::one(Value::Number(f64::from(s)))
}

/// A unary operation.
fn unary(lua: &Lua, args: &MultiValue, op: fn(u32) -> u32) -> Res<MultiValue> {
    Ok(bret(op(barg(lua, args, 1)?)))
}

/// An operation folding all its arguments, from the last to the second, into the first.
fn fold(lua: &Lua, args: &MultiValue, op: fn(u32, u32) -> u32) -> Res<MultiValue> {
    let mut b = barg(lua, args, 1)?;
    for i in (2..=args.len()).rev() {
        b = op(b, barg(lua, args, i)?);
    }
    Ok(bret(b))
}

/// A shift or rotation by the second argument's low 5 bits.
fn shift(lua: &Lua, args: &MultiValue, op: fn(u32, u32) -> u32) -> Res<MultiValue> {
    let b = barg(lua, args, 1)?;
    let n = barg(lua, args, 2)? & 31;
    Ok(bret(op(b, n)))
}

/// `bit.tohex(x [, n])`: `n` hexadecimal digits of `x` (8 by default),
/// upper case when `n` is negative, at most 8.
fn tohex(lua: &Lua, args: &MultiValue) -> Res<MultiValue> {
    let mut b = barg(lua, args, 1)?;
    #[allow(clippy::cast_possible_wrap)]
    let mut n: i32 = if args.len() < 2 {
        8
    } else {
        barg(lua, args, 2)? as i32
    };
    let digits: &[u8; 16] = if n < 0 {
        n = n.wrapping_neg();
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    if n < 0 {
        // -2^31 has no positive counterpart: Redis's build gives 8 digits.
        n = 8;
    }
    let n = n.min(8);
    let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
    for slot in buf.iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ok(glue::one(glue::string(lua, buf)?))
}

/// Sets the global table `bit` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let t: Table = lua.create_table()?;
    glue::register(lua, &t, "tobit", |lua, a| unary(lua, &a, |b| b))?;
    glue::register(lua, &t, "bnot", |lua, a| unary(lua, &a, |b| !b))?;
    glue::register(lua, &t, "band", |lua, a| fold(lua, &a, |x, y| x & y))?;
    glue::register(lua, &t, "bor", |lua, a| fold(lua, &a, |x, y| x | y))?;
    glue::register(lua, &t, "bxor", |lua, a| fold(lua, &a, |x, y| x ^ y))?;
    glue::register(lua, &t, "lshift", |lua, a| shift(lua, &a, |b, n| b << n))?;
    glue::register(lua, &t, "rshift", |lua, a| shift(lua, &a, |b, n| b >> n))?;
    #[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
    glue::register(lua, &t, "arshift", |lua, a| {
        shift(lua, &a, |b, n| ((b as i32) >> n) as u32)
    })?;
    glue::register(lua, &t, "rol", |lua, a| shift(lua, &a, u32::rotate_left))?;
    glue::register(lua, &t, "ror", |lua, a| shift(lua, &a, u32::rotate_right))?;
    glue::register(lua, &t, "bswap", |lua, a| unary(lua, &a, u32::swap_bytes))?;
    glue::register(lua, &t, "tohex", |lua, a| tohex(lua, &a))?;
    lua.globals().raw_set("bit", t)
}

#[cfg(test)]
mod tests {
    use crate::script::cjson::glue::tests::{eval, lua};

    /// Outputs of redis-server 7.0.15 (`EVAL "... return tostring(r)" 0`).
    #[test]
    #[allow(clippy::too_many_lines)]
    fn matches_redis() {
        let lua = lua();
        for (expr, want) in [
            ("bit.tobit(0xffffffff)", "-1"),
            ("bit.tobit(2^32+5)", "5"),
            ("bit.tobit(1.5)", "2"),
            ("bit.tobit(2.5)", "2"),
            ("bit.tobit(-1.5)", "-2"),
            ("bit.tobit('0x10')", "16"),
            ("bit.tobit(' 12 ')", "12"),
            ("bit.tohex(1)", "00000001"),
            ("bit.tohex(-1)", "ffffffff"),
            ("bit.tohex(255, -4)", "00FF"),
            ("bit.tohex(255, 2)", "ff"),
            ("bit.tohex(0x12345678, 12)", "12345678"),
            ("bit.tohex(1, 0)", ""),
            ("bit.tohex(255,-2^31)", "000000FF"),
            ("bit.tohex(255,2^31)", "000000FF"),
            ("bit.tohex(255,-9)", "000000FF"),
            ("bit.tohex(0xabc, -3)", "ABC"),
            ("bit.bnot(0)", "-1"),
            ("bit.band(0xff, 0x0f, 0x3)", "3"),
            ("bit.bor(1,2,4)", "7"),
            ("bit.bxor(1,3)", "2"),
            ("bit.lshift(1, 31)", "-2147483648"),
            ("bit.lshift(1, 32)", "1"),
            ("bit.rshift(-1, 28)", "15"),
            ("bit.arshift(-256, 4)", "-16"),
            ("bit.rol(0x12345678, 12)", "1164411171"),
            ("bit.ror(0x12345678, 12)", "1736516421"),
            ("bit.bswap(0x12345678)", "2018915346"),
            ("bit.tobit(0/0)", "0"),
            ("bit.tobit(1/0)", "0"),
            ("bit.tobit(2^60)", "0"),
            (
                "bit.band()",
                "user_script:1: bad argument #1 to 'band' (number expected, got no value)",
            ),
            (
                "bit.tobit('x')",
                "user_script:1: bad argument #1 to 'tobit' (number expected, got string)",
            ),
            (
                "bit.tobit({})",
                "user_script:1: bad argument #1 to 'tobit' (number expected, got table)",
            ),
            (
                "bit.tohex(1, nil)",
                "user_script:1: bad argument #2 to 'tohex' (number expected, got nil)",
            ),
            (
                "bit.band(1, 'a')",
                "user_script:1: bad argument #2 to 'band' (number expected, got string)",
            ),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }

    /// Errors under `pcall` and for method calls, as redis-server 7.0.15 gives them.
    #[test]
    fn error_forms() {
        let lua = lua();
        let run = |code: &str| -> String {
            lua.load(code)
                .set_name("@user_script")
                .eval::<String>()
                .unwrap()
        };
        assert_eq!(
            run("local ok, e = pcall(bit.band) return e"),
            "bad argument #1 to '?' (number expected, got no value)"
        );
        assert_eq!(
            run("local ok, e = pcall(function() local x = bit:band() end) return e"),
            "user_script:1: calling 'band' on bad self (number expected, got table)"
        );
        assert_eq!(
            run("local ok, e = pcall(function() local b = bit.band local x = b('x') end) return e"),
            "user_script:1: bad argument #1 to 'b' (number expected, got string)"
        );
    }
}
