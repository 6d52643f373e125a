//! Lua's `cmsgpack` library as Redis ships it (lua-cmsgpack 0.4.0):
//! `MessagePack` encoding of Lua values and decoding into Lua values.

use mlua::{Lua, MultiValue, Table, Value};

use super::cjson::glue::{self, Fail, Res, Ret};

/// Tables nested deeper than this are encoded as nil.
const MAX_NESTING: usize = 16;

/// Lua stack slots a C function may use (`LUAI_MAXCSTACK`), which bounds
/// Redis's decoder (results and nesting) and the number of `pack` arguments.
const MAX_C_STACK: usize = 8000;

/// Deepest nesting the decoder follows, below the C stack bound, keeping the
/// references it holds into the Lua state bounded.
const HARD_MAX_DEPTH: usize = 2500;

/// The error of the decoder when the C stack would overflow.
const TOO_MANY: &str =
    "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";

/// The error of the decoder when a new array would overflow the C stack.
const ARRAY_OVERFLOW: &str = "stack overflow (in function mp_decode_to_lua_array)";

/// Appends `n` as the smallest `MessagePack` integer.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends a number: an integer when it is one that fits 64 bits, else a
/// float when a float holds it exactly, else a double.
#[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
fn encode_number(out: &mut Vec<u8>, d: f64) {
    if d.is_finite()
        && d.trunc() == d
        && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d)
    {
        encode_int(out, d as i64);
        return;
    }
    let f = d as f32;
    if d == f64::from(f) {
        out.push(0xca);
        out.extend_from_slice(&f.to_bits().to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&d.to_bits().to_be_bytes());
    }
}

/// Appends a string (raw) header and its bytes.
#[allow(clippy::cast_possible_truncation)]
fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// Appends an array or map header (`fix`, 16- or 32-bit count).
#[allow(clippy::cast_possible_truncation)]
fn encode_header(out: &mut Vec<u8>, n: usize, fix: u8, b16: u8, b32: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Whether the keys of `t` are exactly 1..n (C `int`-sized positive
/// integers, as many as the largest), and that n.
#[allow(clippy::float_cmp)]
fn array_len(t: &Table) -> Res<Option<usize>> {
    let mut count: i64 = 0;
    let mut max: i32 = 0;
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        let Some(n) = glue::number_of(&k) else {
            return Ok(None);
        };
        if n <= 0.0 || f64::from(glue::double_to_i32(n)) != n {
            return Ok(None);
        }
        if n > f64::from(max) {
            max = glue::double_to_i32(n);
        }
        count += 1;
    }
    Ok((i64::from(max) == count).then(|| usize::try_from(count).unwrap_or(0)))
}

/// Longest encoding `pack` builds; past it, it fails as Lua does when memory
/// runs out (tables referring to themselves can ask for exponential sizes).
const MAX_OUTPUT: usize = 1 << 30;

/// Appends `v` found at nesting `level`.
fn encode_value(out: &mut Vec<u8>, v: &Value, level: usize) -> Res<()> {
    if out.len() > MAX_OUTPUT {
        return Err(Fail::Msg(b"not enough memory".to_vec()));
    }
    match v {
        Value::String(s) => encode_bytes(out, &s.as_bytes()),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(_) | Value::Number(_) => {
            encode_number(out, glue::number_of(v).unwrap_or(0.0));
        }
        Value::Table(t) if level < MAX_NESTING => {
            if let Some(len) = array_len(t)? {
                encode_header(out, len, 0x90, 0xdc, 0xdd);
                for i in 1..=len {
                    let item: Value = t.raw_get(i)?;
                    encode_value(out, &item, level + 1)?;
                }
            } else {
                let mut n = 0usize;
                for pair in t.pairs::<Value, Value>() {
                    pair?;
                    n += 1;
                }
                encode_header(out, n, 0x80, 0xde, 0xdf);
                for pair in t.pairs::<Value, Value>() {
                    let (k, val) = pair?;
                    encode_value(out, &k, level + 1)?;
                    encode_value(out, &val, level + 1)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

/// `cmsgpack.pack(...)`: the concatenated encodings of the arguments.
fn pack(lua: &Lua, args: &MultiValue) -> Res<MultiValue> {
    if args.is_empty() {
        return Err(glue::arg_error_at(lua, 0, "MessagePack pack needs input."));
    }
    if args.len() * 2 > MAX_C_STACK {
        return Err(glue::arg_error_at(
            lua,
            0,
            "Too many arguments for MessagePack pack.",
        ));
    }
    let mut out = Vec::new();
    for v in args {
        encode_value(&mut out, v, 0)?;
    }
    Ok(glue::one(glue::string(lua, out)?))
}

/// Why decoding stopped.
enum Stop {
    /// The input ends inside a value.
    Eof,
    /// A byte that starts no supported value.
    BadFormat,
    /// Any other failure.
    Fail(Fail),
}

impl From<mlua::Error> for Stop {
    fn from(e: mlua::Error) -> Self {
        Stop::Fail(Fail::Lua(e))
    }
}

/// A table being filled.
enum Frame {
    /// An array: its table, the next index, the items left.
    Array { table: Table, index: u32, left: u32 },
    /// A map: its table, the pairs left, the key read (whose value comes next).
    Map {
        table: Table,
        left: u32,
        key: Option<Value>,
    },
}

/// The state of one `unpack` call.
struct Decoder<'a> {
    lua: &'a Lua,
    data: &'a [u8],
    pos: usize,
    /// Lua stack slots the C decoder would be using.
    slots: usize,
}

impl Decoder<'_> {
    /// Bytes left.
    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    /// `n` bytes at the cursor (and advances past them), or the end-of-input stop.
    fn take(&mut self, n: usize) -> Result<&[u8], Stop> {
        if self.left() < n {
            return Err(Stop::Eof);
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A big-endian unsigned integer of `n` bytes.
    fn uint(&mut self, n: usize) -> Result<u64, Stop> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }

    /// A string of `n` bytes.
    fn string(&mut self, n: usize) -> Result<Value, Stop> {
        let lua = self.lua;
        let s = self.take(n)?;
        Ok(Value::String(lua.create_string(s)?))
    }

    /// A C stack overflow error.
    fn overflow(&self, msg: &str) -> Stop {
        Stop::Fail(glue::error(self.lua, msg))
    }

    /// Opens a container of `len` items (pairs for a map); an empty one is
    /// complete at once.
    fn open(&mut self, stack: &mut Vec<Frame>, len: u64, map: bool) -> Result<Option<Value>, Stop> {
        let table = self.lua.create_table()?;
        if !map && (self.slots + 2 > MAX_C_STACK || stack.len() >= HARD_MAX_DEPTH) {
            return Err(self.overflow(ARRAY_OVERFLOW));
        }
        if map && stack.len() >= HARD_MAX_DEPTH {
            return Err(self.overflow(TOO_MANY));
        }
        if len == 0 {
            return Ok(Some(Value::Table(table)));
        }
        let left = u32::try_from(len).unwrap_or(u32::MAX);
        if map {
            stack.push(Frame::Map {
                table,
                left,
                key: None,
            });
            self.slots += 1;
        } else {
            stack.push(Frame::Array {
                table,
                index: 1,
                left,
            });
            self.slots += 2;
        }
        Ok(None)
    }

    /// Reads the next item: a complete value, or `None` when it opened a container.
    #[allow(
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation,
        clippy::cast_precision_loss,
        clippy::too_many_lines
    )]
    fn item(&mut self, stack: &mut Vec<Frame>) -> Result<Option<Value>, Stop> {
        if self.left() == 0 {
            return Err(Stop::Eof);
        }
        if self.slots + 1 > MAX_C_STACK {
            return Err(self.overflow(TOO_MANY));
        }
        let b = self.data[self.pos];
        let num = |n: f64| Ok(Some(Value::Number(n)));
        match b {
            0xcc => {
                self.take(1)?;
                num(self.uint(1)? as f64)
            }
            0xd0 => {
                self.take(1)?;
                num(f64::from(self.uint(1)? as u8 as i8))
            }
            0xcd => {
                self.need(3)?;
                self.pos += 1;
                num(self.uint(2)? as f64)
            }
            0xd1 => {
                self.need(3)?;
                self.pos += 1;
                num(f64::from(self.uint(2)? as u16 as i16))
            }
            0xce => {
                self.need(5)?;
                self.pos += 1;
                num(self.uint(4)? as f64)
            }
            0xd2 => {
                self.need(5)?;
                self.pos += 1;
                num(f64::from(self.uint(4)? as u32 as i32))
            }
            0xcf | 0xd3 => {
                self.need(9)?;
                self.pos += 1;
                num(self.uint(8)? as i64 as f64)
            }
            0xc0 => {
                self.pos += 1;
                Ok(Some(Value::Nil))
            }
            0xc3 | 0xc2 => {
                self.pos += 1;
                Ok(Some(Value::Boolean(b == 0xc3)))
            }
            0xca => {
                self.need(5)?;
                self.pos += 1;
                num(f64::from(f32::from_bits(self.uint(4)? as u32)))
            }
            0xcb => {
                self.need(9)?;
                self.pos += 1;
                num(f64::from_bits(self.uint(8)?))
            }
            0xd9 => {
                self.need(2)?;
                let l = usize::from(self.data[self.pos + 1]);
                self.need(2 + l)?;
                self.pos += 2;
                self.string(l).map(Some)
            }
            0xda => {
                self.need(3)?;
                let l = usize::from(u16::from_be_bytes([
                    self.data[self.pos + 1],
                    self.data[self.pos + 2],
                ]));
                self.need(3 + l)?;
                self.pos += 3;
                self.string(l).map(Some)
            }
            0xdb => {
                self.need(5)?;
                self.pos += 1;
                let l = usize::try_from(self.uint(4)?).unwrap_or(usize::MAX);
                self.string(l).map(Some)
            }
            0xdc | 0xde => {
                self.need(3)?;
                self.pos += 1;
                let l = self.uint(2)?;
                self.open(stack, l, b == 0xde)
            }
            0xdd | 0xdf => {
                self.need(5)?;
                self.pos += 1;
                let l = self.uint(4)?;
                self.open(stack, l, b == 0xdf)
            }
            _ if b & 0x80 == 0 => {
                self.pos += 1;
                num(f64::from(b))
            }
            _ if b & 0xe0 == 0xe0 => {
                self.pos += 1;
                num(f64::from(b as i8))
            }
            _ if b & 0xe0 == 0xa0 => {
                let l = usize::from(b & 0x1f);
                self.need(1 + l)?;
                self.pos += 1;
                self.string(l).map(Some)
            }
            _ if b & 0xf0 == 0x90 || b & 0xf0 == 0x80 => {
                self.pos += 1;
                self.open(stack, u64::from(b & 0xf), b & 0xf0 == 0x80)
            }
            _ => Err(Stop::BadFormat),
        }
    }

    /// Fails unless `n` bytes are left.
    fn need(&self, n: usize) -> Result<(), Stop> {
        if self.left() < n {
            Err(Stop::Eof)
        } else {
            Ok(())
        }
    }

    /// Decodes one top-level value, following nested containers with an explicit stack.
    fn value(&mut self) -> Result<Value, Stop> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let Some(mut v) = self.item(&mut stack)? else {
                continue;
            };
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(v);
                };
                match top {
                    Frame::Array { table, index, left } => {
                        table.raw_set(*index, v)?;
                        *index = index.wrapping_add(1);
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        self.slots -= 2;
                    }
                    Frame::Map { table, left, key } => {
                        let Some(k) = key.take() else {
                            *key = Some(v);
                            self.slots += 1;
                            break;
                        };
                        self.slots -= 1;
                        match &k {
                            Value::Nil => {
                                return Err(Stop::Fail(Fail::Msg(b"table index is nil".to_vec())));
                            }
                            Value::Number(n) if n.is_nan() => {
                                return Err(Stop::Fail(Fail::Msg(b"table index is NaN".to_vec())));
                            }
                            _ => {}
                        }
                        table.raw_set(k, v)?;
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        self.slots -= 1;
                    }
                }
                v = match stack.pop() {
                    Some(Frame::Array { table, .. } | Frame::Map { table, .. }) => {
                        Value::Table(table)
                    }
                    None => Value::Nil,
                };
            }
        }
    }
}

/// `mp_unpack_full`: decodes up to `limit` values of argument 1 from `offset`
/// (everything when both are 0); all but the decode-everything form return the
/// offset after the last value (-1 at the end) first. `nargs` is the number of
/// arguments left on the C stack.
fn unpack_full(lua: &Lua, text: &[u8], limit: i64, offset: i64, nargs: usize) -> Res<Ret> {
    let decode_all = limit == 0 && offset == 0;
    let len = text.len();
    if offset < 0 || limit < 0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let (o, l) = (offset as i32, len as i32);
        return Err(glue::error(
            lua,
            format!("Invalid request to unpack with offset of {o} and limit of {l}."),
        ));
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    if start > len {
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let (o, l) = (offset as i32, len as i32);
        return Err(glue::error(
            lua,
            format!("Start offset {o} greater than input length {l}."),
        ));
    }
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        limit
    };
    let mut d = Decoder {
        lua,
        data: text,
        pos: start,
        slots: nargs,
    };
    let mut out = glue::Results::default();
    if !decode_all {
        out.push(lua, Value::Nil)?;
    }
    let mut cnt: i64 = 0;
    while d.left() > 0 && cnt < limit {
        match d.value() {
            Ok(v) => out.push(lua, v)?,
            Err(Stop::Eof) => return Err(glue::error(lua, "Missing bytes in input.")),
            Err(Stop::BadFormat) => return Err(glue::error(lua, "Bad data format in input.")),
            Err(Stop::Fail(f)) => return Err(f),
        }
        d.slots += 1;
        cnt += 1;
    }
    if !decode_all {
        #[allow(clippy::cast_precision_loss)]
        let next = if d.left() == 0 { -1.0 } else { d.pos as f64 };
        out.set_first(Value::Number(next))?;
    }
    Ok(out.finish())
}

/// Sets the global table `cmsgpack` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let t = lua.create_table()?;
    glue::register(lua, &t, "pack", |lua, a| pack(lua, &a))?;
    glue::register(lua, &t, "unpack", |lua, a| {
        let s = glue::check_string(lua, &a, 1)?;
        unpack_full(lua, &s.as_bytes(), 0, 0, a.len())
    })?;
    glue::register(lua, &t, "unpack_one", |lua, a| {
        let offset = glue::opt_integer(lua, &a, 2, 0)?;
        let s = glue::check_string(lua, &a, 1)?;
        unpack_full(lua, &s.as_bytes(), 1, offset, 1)
    })?;
    glue::register(lua, &t, "unpack_limit", |lua, a| {
        let limit = glue::check_integer(lua, &a, 2)?;
        let offset = glue::opt_integer(lua, &a, 3, 0)?;
        let s = glue::check_string(lua, &a, 1)?;
        unpack_full(lua, &s.as_bytes(), limit, offset, 1)
    })?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    lua.globals().raw_set("cmsgpack", t)
}

#[cfg(test)]
mod tests {
    use crate::script::cjson::glue::tests::{eval, lua};

    /// Outputs of redis-server 7.0.15 (`hex` writes a string's bytes in hexadecimal).
    /// Where results differ from Redis's: a Rust function hands Lua at most 7998
    /// values (Lua keeps a stack slot for itself), where Redis's C functions return up
    /// to 7999 (`unpack` of 7999 objects, `unpack_limit` of 7998 with the offset).
    #[test]
    fn results_at_lua_stack_limit_are_refused() {
        let lua = lua();
        for expr in [
            "select('#', cmsgpack.unpack(string.rep('\\1', 7999)))",
            "select('#', cmsgpack.unpack_limit(string.rep('\\1', 9000), 7998))",
        ] {
            let got = eval(&lua, expr);
            assert!(got.starts_with("out of Lua stack"), "{expr}: {got}");
        }
    }

    #[test]
    #[allow(clippy::too_many_lines)]
    fn matches_redis() {
        let lua = lua();
        for (expr, want) in [
            (
                "hex(cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 2^32-1, 2^32, 2^53))",
                "00017fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000cf0020000000000000",
            ),
            (
                "hex(cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31-1, -2^53, -2^63))",
                "ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffd3ffe0000000000000d38000000000000000",
            ),
            (
                "hex(cmsgpack.pack(2^63, 2^64, -2^64))",
                "ca5f000000ca5f800000cadf800000",
            ),
            (
                "hex(cmsgpack.pack(0.5, 1.5, 0.1, -0.25, 1e300, 1/0, -1/0, -0.0, 3.4028234663852886e38))",
                "ca3f000000ca3fc00000cb3fb999999999999acabe800000cb7e37e43c8800759cca7f800000caff80000000ca7f7fffff",
            ),
            ("hex(cmsgpack.pack(0/0))", "cbfff8000000000000"),
            (
                "hex(cmsgpack.pack('', 'a', string.rep('x', 31), string.rep('y', 32)):sub(1, 12))",
                "a0a161bf7878787878787878",
            ),
            (
                "hex(cmsgpack.pack(string.rep('x', 255)):sub(1, 6))",
                "d9ff78787878",
            ),
            (
                "hex(cmsgpack.pack(string.rep('x', 256)):sub(1, 8))",
                "da01007878787878",
            ),
            (
                "hex(cmsgpack.pack(string.rep('x', 65536)):sub(1, 12))",
                "db0001000078787878787878",
            ),
            (
                "hex(cmsgpack.pack(true, false, nil, function() end, cjson.null))",
                "c3c2c0c0c0",
            ),
            ("hex(cmsgpack.pack({}))", "90"),
            ("hex(cmsgpack.pack({1, 2, 3}))", "93010203"),
            ("hex(cmsgpack.pack({1, nil, 3}))", "8201010303"),
            ("hex(cmsgpack.pack({[2] = 1}))", "810201"),
            ("hex(cmsgpack.pack({a = 1}))", "81a16101"),
            ("hex(cmsgpack.pack({[1.5] = 1}))", "81ca3fc0000001"),
            ("hex(cmsgpack.pack({[0] = 1}))", "810001"),
            ("hex(cmsgpack.pack({[2^31] = 1}))", "81ce8000000001"),
            ("hex(cmsgpack.pack({[true] = false}))", "81c3c2"),
            (
                "hex(cmsgpack.pack({{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}))",
                "9191919191919191919191919191919101",
            ),
            ("hex(cmsgpack.pack({[{}] = 1}))", "819001"),
            (
                "hex(cmsgpack.pack(string.rep('a', 16) and {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}))",
                "dc00100102030405060708090a0b0c0d0e0f10",
            ),
            (
                "cmsgpack.pack()",
                "user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)",
            ),
            (
                "cmsgpack.pack(unpack((function() local t = {} for i = 1, 4001 do t[i] = i end return t end)()))",
                "user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)",
            ),
            (
                "#cmsgpack.pack(unpack((function() local t = {} for i = 1, 3999 do t[i] = i end return t end)()))",
                "11615",
            ),
            (
                "#cmsgpack.pack(unpack((function() local t = {} for i = 1, 4000 do t[i] = i end return t end)()))",
                "11618",
            ),
            ("cmsgpack.unpack(cmsgpack.pack(1, 'a', true))", "1"),
            (
                "select('#', cmsgpack.unpack(cmsgpack.pack(1, 'a', nil, true, nil)))",
                "5",
            ),
            (
                "select(4, cmsgpack.unpack(cmsgpack.pack(1, 'a', nil, true, nil)))",
                "true",
            ),
            ("cmsgpack.unpack('')", "nil"),
            ("select('#', cmsgpack.unpack(''))", "0"),
            (
                "cmsgpack.unpack()",
                "user_script:1: bad argument #1 to 'unpack' (string expected, got no value)",
            ),
            (
                "cmsgpack.unpack({})",
                "user_script:1: bad argument #1 to 'unpack' (string expected, got table)",
            ),
            ("cmsgpack.unpack(12)", "49"),
            (
                "cmsgpack.unpack('\\204')",
                "user_script:1: Missing bytes in input.",
            ),
            (
                "cmsgpack.unpack('\\193')",
                "user_script:1: Bad data format in input.",
            ),
            (
                "cmsgpack.unpack('\\196\\1a')",
                "user_script:1: Bad data format in input.",
            ),
            (
                "cmsgpack.unpack('\\212\\1\\1')",
                "user_script:1: Bad data format in input.",
            ),
            (
                "cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')",
                "-1",
            ),
            (
                "cmsgpack.unpack('\\207\\127\\255\\255\\255\\255\\255\\255\\255')",
                "9.2233720368548e+18",
            ),
            (
                "cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0')",
                "-9.2233720368548e+18",
            ),
            ("cmsgpack.unpack('\\209\\255\\254')", "-2"),
            ("cmsgpack.unpack('\\210\\255\\255\\255\\254')", "-2"),
            ("cmsgpack.unpack('\\206\\255\\255\\255\\255')", "4294967295"),
            ("cmsgpack.unpack('\\202\\63\\192\\0\\0')", "1.5"),
            ("cmsgpack.unpack('\\203\\63\\248\\0\\0\\0\\0\\0\\0')", "1.5"),
            ("cmsgpack.unpack('\\217\\3abc')", "abc"),
            (
                "cmsgpack.unpack('\\217\\4abc')",
                "user_script:1: Missing bytes in input.",
            ),
            ("cmsgpack.unpack('\\218\\0\\3abc')", "abc"),
            ("cmsgpack.unpack('\\219\\0\\0\\0\\3abc')", "abc"),
            (
                "cmsgpack.unpack('\\219\\255\\255\\255\\255abc')",
                "user_script:1: Missing bytes in input.",
            ),
            (
                "cmsgpack.unpack('\\221\\255\\255\\255\\255\\1')",
                "user_script:1: Missing bytes in input.",
            ),
            (
                "cmsgpack.unpack('\\223\\255\\255\\255\\255\\1\\2')",
                "user_script:1: Missing bytes in input.",
            ),
            ("cmsgpack.unpack('\\129\\192\\1')", "table index is nil"),
            (
                "cmsgpack.unpack('\\129\\203\\127\\248\\0\\0\\0\\0\\0\\0\\1')",
                "table index is NaN",
            ),
            (
                "cmsgpack.unpack('\\146\\1')",
                "user_script:1: Missing bytes in input.",
            ),
            ("cmsgpack.unpack('\\220\\0\\2\\1\\2')[2]", "2"),
            ("cmsgpack.unpack('\\222\\0\\1\\161a\\5').a", "5"),
            ("cmsgpack.unpack('\\145\\145\\145\\1')[1][1][1]", "1"),
            ("cmsgpack.unpack('\\130\\1\\2\\3\\4')[3]", "4"),
            ("cmsgpack.unpack('\\255')", "-1"),
            ("cmsgpack.unpack('\\224')", "-32"),
            (
                "cmsgpack.unpack('\\162ab\\163')",
                "user_script:1: Missing bytes in input.",
            ),
            ("cmsgpack.unpack('\\1', 2, 3)", "1"),
            ("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))", "1"),
            (
                "select(2, cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3)))",
                "1",
            ),
            (
                "select(2, cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2))",
                "3",
            ),
            ("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)", "-1"),
            ("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)", "-1"),
            (
                "select('#', cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3))",
                "1",
            ),
            (
                "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 4)",
                "user_script:1: Start offset 4 greater than input length 3.",
            ),
            (
                "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), -1)",
                "user_script:1: Invalid request to unpack with offset of -1 and limit of 3.",
            ),
            (
                "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 'x')",
                "user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)",
            ),
            ("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), nil)", "1"),
            ("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), '1')", "2"),
            ("cmsgpack.unpack_one('')", "-1"),
            ("cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)", "2"),
            (
                "select(3, cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2))",
                "2",
            ),
            (
                "select('#', cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0))",
                "3",
            ),
            (
                "select('#', cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1))",
                "1",
            ),
            ("cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)", "1"),
            ("cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)", "-1"),
            (
                "select(3, cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1))",
                "3",
            ),
            (
                "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)",
                "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.",
            ),
            (
                "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))",
                "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)",
            ),
            (
                "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, -5)",
                "user_script:1: Invalid request to unpack with offset of -5 and limit of 3.",
            ),
            (
                "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 2^32+1)",
                "user_script:1: Start offset 1 greater than input length 3.",
            ),
            ("cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 1.7)", "2"),
            (
                "cmsgpack.unpack(string.rep('\\145', 5000))",
                "user_script:1: stack overflow (in function mp_decode_to_lua_array)",
            ),
            (
                "select('#', cmsgpack.unpack(string.rep('\\1', 7998)))",
                "7998",
            ),
            (
                "cmsgpack.unpack_limit(string.rep('\\1', 9000), 8000)",
                "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
            ),
            (
                "cmsgpack.unpack(cmsgpack.pack({[1]={[2]={}}}))[1][2] ~= nil",
                "true",
            ),
            ("cmsgpack._NAME", "cmsgpack"),
            ("cmsgpack._VERSION", "lua-cmsgpack 0.4.0"),
            (
                "cmsgpack._COPYRIGHT",
                "Copyright (C) 2012, Salvatore Sanfilippo",
            ),
            (
                "cmsgpack._DESCRIPTION",
                "MessagePack C implementation for Lua",
            ),
            (
                "(function() local t = 1 for i = 1, 17 do t = {t} end return hex(cmsgpack.pack(t)) end)()",
                "91919191919191919191919191919191c0",
            ),
            (
                "(function() local m = {} m.a = m return hex(cmsgpack.pack(m)) end)()",
                "81a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a161c0",
            ),
            (
                "type(cmsgpack.unpack(string.rep('\\145', 2400) .. '\\1'))",
                "table",
            ),
            (
                "type(cmsgpack.unpack(string.rep('\\129\\1', 2400) .. '\\1'))",
                "table",
            ),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }
}
