//! Lua's `struct` library as Redis ships it (Roberto Ierusalimschy's
//! `struct` for Lua 5.1): packing numbers and strings into binary strings
//! and back, as on x86-64 (`long` and `size_t` of 8 bytes, little-endian).

use mlua::{Lua, MultiValue, Value};

use super::cjson::glue::{self, Res, Ret};

/// Largest size of an integral option.
const MAX_INT_SIZE: usize = 32;

/// Default largest alignment of `!`.
const MAX_ALIGN: i64 = 8;

/// Lua stack slots a C function may use (`LUAI_MAXCSTACK`), which bounds the
/// results of `unpack`.
const MAX_C_STACK: usize = 8000;

/// Byte orders.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endian {
    Big,
    Little,
}

/// The format string and the settings its control options change.
struct Format<'a> {
    fmt: &'a [u8],
    pos: usize,
    endian: Endian,
    align: usize,
}

impl<'a> Format<'a> {
    /// The format up to its first NUL byte, with default settings.
    fn new(fmt: &'a [u8]) -> Self {
        let end = fmt.iter().position(|&b| b == 0).unwrap_or(fmt.len());
        Format {
            fmt: &fmt[..end],
            pos: 0,
            endian: Endian::Little,
            align: 1,
        }
    }

    /// The next option byte.
    fn next(&mut self) -> Option<u8> {
        let b = self.fmt.get(self.pos).copied();
        if b.is_some() {
            self.pos += 1;
        }
        b
    }

    /// `getnum`: the decimal number at the cursor, or `default` when none.
    fn number(&mut self, lua: &Lua, default: i64) -> Res<i64> {
        if !self.fmt.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut a: i64 = 0;
        while let Some(&c) = self.fmt.get(self.pos).filter(|c| c.is_ascii_digit()) {
            let d = i64::from(c - b'0');
            if a > i64::from(i32::MAX) / 10 || a * 10 > i64::from(i32::MAX) - d {
                return Err(glue::error(lua, "integral size overflow"));
            }
            a = a * 10 + d;
            self.pos += 1;
        }
        Ok(a)
    }

    /// `optsize`: the size of option `opt` (reading its digits).
    fn size(&mut self, lua: &Lua, opt: u8) -> Res<usize> {
        Ok(match opt {
            b'B' | b'b' | b'x' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => usize::try_from(self.number(lua, 1)?).unwrap_or(0),
            b'i' | b'I' => {
                let sz = self.number(lua, 4)?;
                if sz > 32 {
                    return Err(glue::error(
                        lua,
                        format!("integral size {sz} is larger than limit of {MAX_INT_SIZE}"),
                    ));
                }
                usize::try_from(sz).unwrap_or(0)
            }
            _ => 0,
        })
    }

    /// `gettoalign`: padding before an item of `size` bytes at offset `len`.
    fn to_align(&self, len: usize, opt: u8, size: usize) -> usize {
        if size == 0 || opt == b'c' {
            return 0;
        }
        let size = size.min(self.align);
        size.wrapping_sub(len & size.wrapping_sub(1)) & size.wrapping_sub(1)
    }

    /// `controloptions`: applies a control option, or fails for an unknown one.
    fn control(&mut self, lua: &Lua, opt: u8) -> Res<()> {
        match opt {
            b' ' => {}
            b'>' => self.endian = Endian::Big,
            b'<' => self.endian = Endian::Little,
            b'!' => {
                let a = self.number(lua, MAX_ALIGN)?;
                if a <= 0 || a & (a - 1) != 0 {
                    return Err(glue::error(
                        lua,
                        format!("alignment {a} is not a power of 2"),
                    ));
                }
                self.align = usize::try_from(a).unwrap_or(1);
            }
            _ => {
                let mut msg = b"invalid format option '".to_vec();
                msg.push(opt);
                msg.push(b'\'');
                return Err(glue::arg_error(lua, 1, msg));
            }
        }
        Ok(())
    }
}

/// `luaL_checkstring` of the format (argument 1).
fn format_arg(lua: &Lua, args: &MultiValue) -> Res<Vec<u8>> {
    Ok(glue::check_string(lua, args, 1)?.as_bytes().to_vec())
}

/// Argument `narg` of `pack`, whose C stack holds a nil after the arguments.
fn pack_arg(args: &MultiValue, narg: usize) -> Option<&Value> {
    const NIL: &Value = &Value::Nil;
    match args.get(narg - 1) {
        Some(v) => Some(v),
        None if narg == args.len() + 1 => Some(NIL),
        None => None,
    }
}

/// `struct.pack(fmt, ...)`.
fn pack(lua: &Lua, args: &MultiValue) -> Res<MultiValue> {
    let fmt = format_arg(lua, args)?;
    let mut f = Format::new(&fmt);
    let mut out: Vec<u8> = Vec::new();
    let mut arg = 2;
    while let Some(opt) = f.next() {
        let mut size = f.size(lua, opt)?;
        let pad = f.to_align(out.len(), opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = glue::check_number_of(lua, pack_arg(args, arg), arg)?;
                arg += 1;
                let mut value = glue::double_to_u64(n);
                let mut buf = [0u8; MAX_INT_SIZE];
                for i in 0..size {
                    let at = if f.endian == Endian::Little {
                        i
                    } else {
                        size - 1 - i
                    };
                    buf[at] = (value & 0xff) as u8;
                    value >>= 8;
                }
                out.extend_from_slice(&buf[..size]);
            }
            b'x' => out.push(0),
            b'f' => {
                #[allow(clippy::cast_possible_truncation)]
                let v = glue::check_number_of(lua, pack_arg(args, arg), arg)? as f32;
                arg += 1;
                out.extend_from_slice(&if f.endian == Endian::Little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                });
            }
            b'd' => {
                let v = glue::check_number_of(lua, pack_arg(args, arg), arg)?;
                arg += 1;
                out.extend_from_slice(&if f.endian == Endian::Little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let s = glue::check_string_of(lua, pack_arg(args, arg), arg)?;
                arg += 1;
                let s = s.as_bytes();
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    return Err(glue::arg_error(lua, arg, "string too short"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => f.control(lua, opt)?,
        }
    }
    Ok(glue::one(glue::string(lua, out)?))
}

/// `getinteger`: the integer of `size` bytes at the start of `b`.
fn get_integer(b: &[u8], endian: Endian, signed: bool, size: usize) -> f64 {
    let mut l: u64 = 0;
    let mut add = |byte: u8| l = l << 8 | u64::from(byte);
    if endian == Endian::Big {
        b[..size].iter().for_each(|&x| add(x));
    } else {
        b[..size].iter().rev().for_each(|&x| add(x));
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation
    )]
    if signed {
        let shift = ((size as i64) * 8 - 1) & 63;
        let mask = u64::MAX << shift;
        if l & mask != 0 {
            l |= mask;
        }
        l as i64 as f64
    } else {
        l as f64
    }
}

/// `struct.unpack(fmt, data [, pos])`: the values and the position after them.
#[allow(clippy::too_many_lines)]
fn unpack(lua: &Lua, args: &MultiValue) -> Res<Ret> {
    let fmt = format_arg(lua, args)?;
    let data = glue::check_string(lua, args, 2)?;
    let data = data.as_bytes();
    let ld = data.len();
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    let mut pos = glue::opt_integer(lua, args, 3, 1)? as u64 as usize;
    if pos == 0 {
        return Err(glue::arg_error(lua, 3, "offset must be 1 or greater"));
    }
    pos -= 1;
    let nargs = args.len();
    let mut f = Format::new(&fmt);
    let mut out = glue::Results::default();
    let short = |lua: &Lua| glue::arg_error(lua, 2, "data string too short");
    while let Some(opt) = f.next() {
        let mut size = f.size(lua, opt)?;
        pos = pos.wrapping_add(f.to_align(pos, opt, size));
        if !(size <= ld && pos <= ld - size) {
            return Err(short(lua));
        }
        if nargs + out.len() + 2 > MAX_C_STACK {
            return Err(glue::error(lua, "stack overflow (too many results)"));
        }
        let at = &data[pos..];
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let v = get_integer(at, f.endian, opt.is_ascii_lowercase(), size);
                out.push(lua, Value::Number(v))?;
            }
            b'x' => {}
            b'f' => {
                let b = [at[0], at[1], at[2], at[3]];
                let v = if f.endian == Endian::Little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                out.push(lua, Value::Number(f64::from(v)))?;
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&at[..8]);
                let v = if f.endian == Endian::Little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                out.push(lua, Value::Number(v))?;
            }
            b'c' => {
                if size == 0 {
                    let prev = if out.len() == 0 {
                        None
                    } else {
                        Some(out.pop()?)
                    };
                    let n = match &prev {
                        Some(v) => glue::to_number(lua, Some(v))?,
                        None => None,
                    };
                    let Some(n) = n else {
                        return Err(glue::error(lua, "format 'c0' needs a previous size"));
                    };
                    size = usize::try_from(glue::double_to_u64(n)).unwrap_or(usize::MAX);
                    if !(size <= ld && pos <= ld - size) {
                        return Err(short(lua));
                    }
                }
                out.push(lua, glue::string(lua, &data[pos..pos + size])?)?;
            }
            b's' => {
                let Some(e) = at.iter().position(|&b| b == 0) else {
                    return Err(glue::error(lua, "unfinished string in data"));
                };
                size = e + 1;
                out.push(lua, glue::string(lua, &at[..e])?)?;
            }
            _ => f.control(lua, opt)?,
        }
        pos = pos.wrapping_add(size);
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]
    out.push(lua, Value::Number(pos.wrapping_add(1) as i64 as f64))?;
    Ok(out.finish())
}

/// `struct.size(fmt)`: the bytes `pack` writes for `fmt`.
fn size(lua: &Lua, args: &MultiValue) -> Res<MultiValue> {
    let fmt = format_arg(lua, args)?;
    let mut f = Format::new(&fmt);
    let mut pos: usize = 0;
    while let Some(opt) = f.next() {
        let size = f.size(lua, opt)?;
        pos = pos.wrapping_add(f.to_align(pos, opt, size));
        if opt == b's' {
            return Err(glue::arg_error(lua, 1, "option 's' has no fixed size"));
        }
        if opt == b'c' && size == 0 {
            return Err(glue::arg_error(lua, 1, "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            f.control(lua, opt)?;
        }
        pos = pos.wrapping_add(size);
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]
    Ok(glue::one(Value::Number(pos as i64 as f64)))
}

/// Sets the global table `struct` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let t = lua.create_table()?;
    glue::register(lua, &t, "pack", |lua, a| pack(lua, &a))?;
    glue::register(lua, &t, "unpack", |lua, a| unpack(lua, &a))?;
    glue::register(lua, &t, "size", |lua, a| size(lua, &a))?;
    lua.globals().raw_set("struct", t)
}

#[cfg(test)]
mod tests {
    use crate::script::cjson::glue::tests::{eval, lua};

    /// Outputs of redis-server 7.0.15 (`hex` writes a string's bytes in hexadecimal).
    #[test]
    #[allow(clippy::too_many_lines)]
    fn matches_redis() {
        let lua = lua();
        for (expr, want) in [
            ("hex(struct.pack('>i', 1))", "00000001"),
            ("hex(struct.pack('<i', -2))", "feffffff"),
            (
                "hex(struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 4, 5))",
                "fffffefffffffdffffffffffffff04000000000000000500000000000000",
            ),
            (
                "hex(struct.pack('>bBhHlLT', -1, 255, -2, 65535, -3, 4, 5))",
                "fffffffefffffffffffffffffffd00000000000000040000000000000005",
            ),
            ("hex(struct.pack('>i3', -1))", "ffffff"),
            (
                "hex(struct.pack('<i16', -1))",
                "ffffffffffffffff0000000000000000",
            ),
            (
                "hex(struct.pack('>I16', 1))",
                "00000000000000000000000000000001",
            ),
            ("hex(struct.pack('i0', 5))", ""),
            ("hex(struct.pack('>L', 0/0))", "8000000000000000"),
            ("hex(struct.pack('>L', 2^64))", "0000000000000000"),
            ("hex(struct.pack('>L', 2^70))", "0000000000000000"),
            ("hex(struct.pack('>l', 2^70))", "0000000000000000"),
            ("hex(struct.pack('>l', -2^70))", "8000000000000000"),
            ("hex(struct.pack('>L', 2^63 + 2^62))", "c000000000000000"),
            ("hex(struct.pack('>B', 256))", "00"),
            ("hex(struct.pack('>B', 1.9))", "01"),
            ("hex(struct.pack('>b', -1.9))", "ff"),
            ("hex(struct.pack('>B', '7'))", "07"),
            ("hex(struct.pack('<f', 1.5))", "0000c03f"),
            ("hex(struct.pack('>f', 1.5))", "3fc00000"),
            ("hex(struct.pack('>d', -0.1))", "bfb999999999999a"),
            ("hex(struct.pack('<d', 1/0))", "000000000000f07f"),
            ("hex(struct.pack('>f', 1e300))", "7f800000"),
            ("hex(struct.pack('s', 'ab'))", "616200"),
            ("hex(struct.pack('c', 'ab'))", "61"),
            ("hex(struct.pack('c0', 'abc'))", "616263"),
            ("hex(struct.pack('c2', 'abc'))", "6162"),
            (
                "hex(struct.pack('c5', 'ab'))",
                "user_script:1: bad argument #3 to 'pack' (string too short)",
            ),
            (
                "hex(struct.pack('bc5', 1, 'ab'))",
                "user_script:1: bad argument #4 to 'pack' (string too short)",
            ),
            ("hex(struct.pack('xbx', 1))", "000100"),
            ("hex(struct.pack('!4 b i', 1, 2))", "0100000002000000"),
            (
                "hex(struct.pack('!b d', 1, 2))",
                "01000000000000000000000000000040",
            ),
            ("hex(struct.pack('!2 b d', 1, 2))", "01000000000000000040"),
            ("hex(struct.pack('!8 b i3', 1, 2))", "010000020000"),
            (
                "hex(struct.pack('! b h b l', 1, 2, 3, 4))",
                "01000200030000000400000000000000",
            ),
            (
                "hex(struct.pack('!3 b', 1))",
                "user_script:1: alignment 3 is not a power of 2",
            ),
            (
                "hex(struct.pack('!0 b', 1))",
                "user_script:1: alignment 0 is not a power of 2",
            ),
            (
                "hex(struct.pack('=b', 1))",
                "user_script:1: bad argument #1 to 'pack' (invalid format option '=')",
            ),
            (
                "hex(struct.pack('z', 1))",
                "user_script:1: bad argument #1 to 'pack' (invalid format option 'z')",
            ),
            (
                "hex(struct.pack('i33', 1))",
                "user_script:1: integral size 33 is larger than limit of 32",
            ),
            (
                "hex(struct.pack('i32', 1))",
                "0100000000000000000000000000000000000000000000000000000000000000",
            ),
            (
                "hex(struct.pack('c99999999999', 'a'))",
                "user_script:1: integral size overflow",
            ),
            (
                "hex(struct.pack('b'))",
                "user_script:1: bad argument #2 to 'pack' (number expected, got nil)",
            ),
            (
                "hex(struct.pack('b', 'x'))",
                "user_script:1: bad argument #2 to 'pack' (number expected, got string)",
            ),
            (
                "hex(struct.pack('s', {}))",
                "user_script:1: bad argument #2 to 'pack' (string expected, got table)",
            ),
            (
                "hex(struct.pack())",
                "user_script:1: bad argument #1 to 'pack' (string expected, got no value)",
            ),
            (
                "hex(struct.pack(12, 1))",
                "user_script:1: bad argument #1 to 'pack' (invalid format option '1')",
            ),
            ("hex(struct.pack('b\\0b', 1, 2))", "01"),
            ("struct.size('bhi')", "7"),
            ("struct.size('!bhi')", "8"),
            ("struct.size('!bd')", "16"),
            ("struct.size('c10')", "10"),
            (
                "struct.size('s')",
                "user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)",
            ),
            (
                "struct.size('c0')",
                "user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)",
            ),
            ("struct.size('zq')", "0"),
            ("struct.size('x9')", "1"),
            ("struct.size('i16')", "16"),
            (
                "struct.size('=')",
                "user_script:1: bad argument #1 to 'size' (invalid format option '=')",
            ),
            (
                "struct.size('!5')",
                "user_script:1: alignment 5 is not a power of 2",
            ),
            ("struct.size('b', 1)", "1"),
            (
                "struct.size()",
                "user_script:1: bad argument #1 to 'size' (string expected, got no value)",
            ),
            ("struct.unpack('>i', '\\0\\0\\1\\0')", "256"),
            ("struct.unpack('<i', '\\0\\0\\1\\0')", "65536"),
            ("select('#', struct.unpack('bb', '\\1\\2'))", "3"),
            ("select(3, struct.unpack('bb', '\\1\\2'))", "3"),
            ("struct.unpack('b', '\\255')", "-1"),
            ("struct.unpack('B', '\\255')", "255"),
            ("struct.unpack('>h', '\\255\\254')", "-2"),
            ("struct.unpack('>H', '\\255\\254')", "65534"),
            (
                "struct.unpack('>l', '\\255\\255\\255\\255\\255\\255\\255\\255')",
                "-1",
            ),
            (
                "struct.unpack('>L', '\\255\\255\\255\\255\\255\\255\\255\\255')",
                "1.844674407371e+19",
            ),
            ("struct.unpack('>i3', '\\255\\255\\254')", "-2"),
            ("struct.unpack('>I3', '\\255\\255\\254')", "16777214"),
            ("struct.unpack('>i16', string.rep('\\255', 16))", "-1"),
            (
                "struct.unpack('>I16', string.rep('\\1', 16))",
                "7.2340172838077e+16",
            ),
            (
                "struct.unpack('<i16', string.rep('\\255', 8) .. string.rep('\\0', 8))",
                "-1",
            ),
            ("struct.unpack('i0', 'abc')", "0"),
            ("select(2, struct.unpack('i0', 'abc'))", "1"),
            ("struct.unpack('<f', '\\0\\0\\192\\63')", "1.5"),
            ("struct.unpack('>d', '\\63\\248\\0\\0\\0\\0\\0\\0')", "1.5"),
            ("struct.unpack('s', 'ab\\0cd')", "ab"),
            ("select(2, struct.unpack('s', 'ab\\0cd'))", "4"),
            (
                "struct.unpack('s', 'abcd')",
                "user_script:1: unfinished string in data",
            ),
            ("struct.unpack('c2', 'abcd')", "ab"),
            (
                "struct.unpack('c5', 'abcd')",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            ("struct.unpack('bc0', '\\2abcd')", "ab"),
            ("struct.unpack('c1c0', '3abcd')", "abc"),
            (
                "struct.unpack('c0', 'abcd')",
                "user_script:1: format 'c0' needs a previous size",
            ),
            (
                "struct.unpack('bc0', '\\9abcd')",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            (
                "struct.unpack('c1c0', 'xabcd')",
                "user_script:1: format 'c0' needs a previous size",
            ),
            ("struct.unpack('b', '\\1\\2', 2)", "2"),
            ("select(2, struct.unpack('b', '\\1\\2', 2))", "3"),
            (
                "struct.unpack('b', '\\1\\2', 3)",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            (
                "struct.unpack('b', '\\1\\2', 0)",
                "user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)",
            ),
            (
                "struct.unpack('b', '\\1\\2', -1)",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            (
                "struct.unpack('b', '\\1\\2', 'x')",
                "user_script:1: bad argument #3 to 'unpack' (number expected, got string)",
            ),
            (
                "struct.unpack('x', '')",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            ("struct.unpack('', 'abc')", "1"),
            ("struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0')", "1"),
            (
                "select(3, struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0'))",
                "9",
            ),
            (
                "struct.unpack('z', 'a')",
                "user_script:1: bad argument #1 to 'unpack' (invalid format option 'z')",
            ),
            (
                "struct.unpack('b')",
                "user_script:1: bad argument #2 to 'unpack' (string expected, got no value)",
            ),
            (
                "struct.unpack('b', {})",
                "user_script:1: bad argument #2 to 'unpack' (string expected, got table)",
            ),
            (
                "select('#', struct.unpack(string.rep('b', 7996), string.rep('\\1', 7996)))",
                "7997",
            ),
            (
                "select('#', struct.unpack(string.rep('b', 7998), string.rep('\\1', 7998)))",
                "user_script:1: stack overflow (too many results)",
            ),
            (
                "struct.unpack('i', '\\1\\2')",
                "user_script:1: bad argument #2 to 'unpack' (data string too short)",
            ),
            ("struct.unpack('   ', '')", "1"),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }

    /// The one place results differ from Redis's: 7998 results (Redis's limit, one
    /// under `LUAI_MAXCSTACK`) are one more than a Rust function can hand Lua, which
    /// reserves a stack slot for itself. 7997 are returned, as above.
    #[test]
    fn the_last_result_under_lua_stack_limit_is_refused() {
        let lua = lua();
        let got = eval(
            &lua,
            "select('#', struct.unpack(string.rep('b', 7997), string.rep('\\1', 7997)))",
        );
        assert!(got.starts_with("out of Lua stack"), "{got}");
    }

    /// An invalid option byte above 127 appears as it is in the message (redis-server 7.0.15).
    #[test]
    fn invalid_option_byte() {
        let lua = lua();
        let e: mlua::LuaString = lua
            .load("local ok, e = pcall(function() local s = struct.pack('>\\200', 1) end) return e")
            .set_name("@user_script")
            .eval()
            .unwrap();
        assert_eq!(
            &e.as_bytes()[..],
            b"user_script:1: bad argument #1 to 'pack' (invalid format option '\xc8')"
        );
    }
}
