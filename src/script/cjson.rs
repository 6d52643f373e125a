//! Lua's `cjson` library as Redis ships it (Lua CJSON 2.1.0): JSON encoding
//! of Lua values and decoding of JSON text into Lua values.

use std::sync::Arc;

use mlua::{Lua, LuaString, MultiValue, Table, Value};
use parking_lot::Mutex;

use glue::Res;

pub(super) mod glue;

mod decode;
mod encode;
mod number;

/// Settings of one `cjson` module table, changed by its `encode_*` and
/// `decode_*` functions.
#[derive(Clone, Copy, Debug)]
struct Config {
    /// Encode excessively sparse arrays as objects instead of failing.
    sparse_convert: bool,
    /// An array is excessively sparse when its largest index exceeds this
    /// many times its number of items (0: never).
    sparse_ratio: i32,
    /// Arrays whose largest index is at most this are never excessively sparse.
    sparse_safe: i32,
    /// Deepest nesting of tables `encode` accepts.
    encode_max_depth: i32,
    /// Deepest nesting of arrays and objects `decode` accepts.
    decode_max_depth: i32,
    /// NaN and infinities: 0 refused, 1 written as `nan`/`inf`, 2 written as `null`.
    encode_invalid_numbers: usize,
    /// `decode` accepts NaN, infinities, hexadecimal numbers, leading `+` and zeros.
    decode_invalid_numbers: bool,
    /// Significant digits of encoded numbers (1 to 14).
    number_precision: i32,
    /// The (unobservable) buffer-reuse setting.
    keep_buffer: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: true,
            number_precision: 14,
            keep_buffer: true,
        }
    }
}

/// Shared settings of one module table.
type Shared = Arc<Mutex<Config>>;

/// `json_arg_init`: at most `n` arguments; the returned list is padded with nils.
fn arg_init(lua: &Lua, args: MultiValue, n: usize) -> Res<Vec<Value>> {
    if args.len() > n {
        return Err(glue::arg_error(lua, n + 1, "found too many arguments"));
    }
    let mut v: Vec<Value> = args.into_iter().collect();
    v.resize(n, Value::Nil);
    Ok(v)
}

/// `json_integer_option`: sets `setting` from argument `idx` unless it is nil,
/// within `min..=max` (the range error names argument 1, as Redis's does).
fn integer_option(
    lua: &Lua,
    args: &[Value],
    idx: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> Res<Value> {
    let v = &args[idx - 1];
    if !v.is_nil() {
        let Some(n) = glue::to_number(lua, Some(v))? else {
            return Err(glue::type_error(lua, idx, "number", Some(v)));
        };
        #[allow(clippy::cast_possible_truncation)]
        let value = glue::double_to_i64(n) as i32;
        if !(min <= value && value <= max) {
            return Err(glue::arg_error(
                lua,
                1,
                format!("expected integer between {min} and {max}"),
            ));
        }
        *setting = value;
    }
    Ok(Value::Number(f64::from(*setting)))
}

/// `json_enum_option`: sets `setting` from argument `idx` unless it is nil; a
/// boolean means 0 or 1, a string one of `options`. Returns the setting as a
/// boolean when it is 0 or 1, else as its option name.
fn enum_option(
    lua: &Lua,
    args: &[Value],
    idx: usize,
    setting: &mut usize,
    options: &[&str],
) -> Res<Value> {
    let v = &args[idx - 1];
    match v {
        Value::Nil => {}
        Value::Boolean(b) => *setting = usize::from(*b),
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            let name = match lua.coerce_string(v.clone())? {
                Some(s) => s.as_bytes().to_vec(),
                None => Vec::new(),
            };
            let Some(i) = options.iter().position(|o| o.as_bytes() == &name[..]) else {
                let mut msg = b"invalid option '".to_vec();
                msg.extend_from_slice(&name);
                msg.push(b'\'');
                return Err(glue::arg_error(lua, idx, msg));
            };
            *setting = i;
        }
        _ => return Err(glue::type_error(lua, idx, "string", Some(v))),
    }
    if *setting <= 1 {
        Ok(Value::Boolean(*setting == 1))
    } else {
        glue::string(lua, options[*setting])
    }
}

/// Options of the boolean settings.
const BOOL_OPTIONS: [&str; 2] = ["off", "on"];

/// Adds the functions of a module table sharing `cfg` to `t`.
#[allow(clippy::many_single_char_names)]
fn fill(lua: &Lua, t: &Table, cfg: &Shared) -> mlua::Result<()> {
    let c = cfg.clone();
    let next: mlua::Function = lua.globals().raw_get("next")?;
    glue::register(lua, t, "encode", move |lua, args| {
        if args.len() != 1 {
            return Err(glue::arg_error(lua, 1, "expected 1 argument"));
        }
        let conf = *c.lock();
        let out = encode::encode(lua, &conf, &next, &args[0])?;
        Ok(glue::one(glue::string(lua, out)?))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "decode", move |lua, args| {
        if args.len() != 1 {
            return Err(glue::arg_error(lua, 1, "expected 1 argument"));
        }
        let text: LuaString = glue::check_string(lua, &args, 1)?;
        let conf = *c.lock();
        let v = decode::decode(lua, &conf, &text.as_bytes())?;
        Ok(glue::one(v))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "encode_sparse_array", move |lua, args| {
        let a = arg_init(lua, args, 3)?;
        let mut conf = *c.lock();
        let mut convert = usize::from(conf.sparse_convert);
        let r1 = enum_option(lua, &a, 1, &mut convert, &BOOL_OPTIONS)?;
        conf.sparse_convert = convert == 1;
        c.lock().sparse_convert = conf.sparse_convert;
        let r2 = integer_option(lua, &a, 2, &mut conf.sparse_ratio, 0, i32::MAX)?;
        c.lock().sparse_ratio = conf.sparse_ratio;
        let r3 = integer_option(lua, &a, 3, &mut conf.sparse_safe, 0, i32::MAX)?;
        c.lock().sparse_safe = conf.sparse_safe;
        Ok(MultiValue::from_iter([r1, r2, r3]))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "encode_max_depth", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = c.lock().encode_max_depth;
        let r = integer_option(lua, &a, 1, &mut v, 1, i32::MAX)?;
        c.lock().encode_max_depth = v;
        Ok(glue::one(r))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "decode_max_depth", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = c.lock().decode_max_depth;
        let r = integer_option(lua, &a, 1, &mut v, 1, i32::MAX)?;
        c.lock().decode_max_depth = v;
        Ok(glue::one(r))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "encode_number_precision", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = c.lock().number_precision;
        let r = integer_option(lua, &a, 1, &mut v, 1, 14)?;
        c.lock().number_precision = v;
        Ok(glue::one(r))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "encode_keep_buffer", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = usize::from(c.lock().keep_buffer);
        let r = enum_option(lua, &a, 1, &mut v, &BOOL_OPTIONS)?;
        c.lock().keep_buffer = v == 1;
        Ok(glue::one(r))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "encode_invalid_numbers", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = c.lock().encode_invalid_numbers;
        let r = enum_option(lua, &a, 1, &mut v, &["off", "on", "null"])?;
        c.lock().encode_invalid_numbers = v;
        Ok(glue::one(r))
    })?;
    let c = cfg.clone();
    glue::register(lua, t, "decode_invalid_numbers", move |lua, args| {
        let a = arg_init(lua, args, 1)?;
        let mut v = usize::from(c.lock().decode_invalid_numbers);
        let r = enum_option(lua, &a, 1, &mut v, &BOOL_OPTIONS)?;
        c.lock().decode_invalid_numbers = v == 1;
        Ok(glue::one(r))
    })?;
    glue::register(lua, t, "new", |lua, _args| {
        Ok(glue::one(Value::Table(new_module(lua)?)))
    })?;
    t.raw_set("null", Value::NULL)?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(())
}

/// A new module table with its own settings (`cjson.new()`).
fn new_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let cfg: Shared = Arc::new(Mutex::new(Config::default()));
    fill(lua, &t, &cfg)?;
    Ok(t)
}

/// Sets the global table `cjson` of `lua`.
pub(crate) fn open(lua: &Lua) -> mlua::Result<()> {
    let t = new_module(lua)?;
    lua.globals().raw_set("cjson", t)
}

#[cfg(test)]
mod tests {
    use crate::script::cjson::glue::tests::{eval, eval3, lua};

    /// `cjson.encode` outputs of redis-server 7.0.15.
    #[test]
    #[allow(clippy::too_many_lines)]
    fn encode_matches_redis() {
        let lua = lua();
        for (expr, want) in [
            ("cjson.encode({1,2,{a=1.5}})", "[1,2,{\"a\":1.5}]"),
            ("cjson.encode(0.1)", "0.1"),
            ("cjson.encode(1/3)", "0.33333333333333"),
            ("cjson.encode(1e300)", "1e+300"),
            ("cjson.encode(123456789012345678)", "1.2345678901235e+17"),
            ("cjson.encode(-0.0)", "-0"),
            ("cjson.encode(1e-5)", "1e-05"),
            ("cjson.encode(0.0001)", "0.0001"),
            ("cjson.encode(1e14)", "1e+14"),
            ("cjson.encode(1e15)", "1e+15"),
            ("cjson.encode(5e-324)", "4.9406564584125e-324"),
            ("cjson.encode(2^53)", "9.007199254741e+15"),
            ("cjson.encode(-1.5e-7)", "-1.5e-07"),
            (
                "cjson.encode('a/b\"c\\\\d\\1\\127\\8\\9\\10\\12\\13\\31 ')",
                "\"a\\/b\\\"c\\\\d\\u0001\\u007f\\b\\t\\n\\f\\r\\u001f \"",
            ),
            ("cjson.encode({[1]=1,[2]=2,[4]=4})", "[1,2,null,4]"),
            (
                "cjson.encode({[1]=1,[20]=2})",
                "user_script:1: Cannot serialise table: excessively sparse array",
            ),
            (
                "cjson.encode({[1]=1,[11]=2})",
                "user_script:1: Cannot serialise table: excessively sparse array",
            ),
            (
                "cjson.encode({[1]=1,[10]=2})",
                "[1,null,null,null,null,null,null,null,null,2]",
            ),
            ("cjson.encode({})", "{}"),
            ("cjson.encode({[2^40]=1})", "{\"1099511627776\":1}"),
            ("cjson.encode({[1.5]=1})", "{\"1.5\":1}"),
            (
                "cjson.encode({[true]=1})",
                "user_script:1: Cannot serialise boolean: table key must be a number or string",
            ),
            (
                "cjson.encode({[{}]=1})",
                "user_script:1: Cannot serialise table: table key must be a number or string",
            ),
            (
                "cjson.encode(function() end)",
                "user_script:1: Cannot serialise function: type not supported",
            ),
            (
                "cjson.encode({coroutine.create(function() end)})",
                "user_script:1: Cannot serialise thread: type not supported",
            ),
            (
                "cjson.encode(0/0)",
                "user_script:1: Cannot serialise number: must not be NaN or Inf",
            ),
            (
                "cjson.encode(1/0)",
                "user_script:1: Cannot serialise number: must not be NaN or Inf",
            ),
            (
                "cjson.encode({[0/0 ~= 0/0 and 1 or 2]=1/0})",
                "user_script:1: Cannot serialise number: must not be NaN or Inf",
            ),
            ("cjson.encode({[-1]=1})", "{\"-1\":1}"),
            ("cjson.encode({[0]=1})", "{\"0\":1}"),
            ("cjson.encode(cjson.null)", "null"),
            ("cjson.encode(nil)", "null"),
            (
                "cjson.encode()",
                "user_script:1: bad argument #1 to 'encode' (expected 1 argument)",
            ),
            (
                "cjson.encode(1,2)",
                "user_script:1: bad argument #1 to 'encode' (expected 1 argument)",
            ),
            ("cjson.encode({1,nil,3})", "[1,null,3]"),
            ("cjson.encode({a={b={c={}}}})", "{\"a\":{\"b\":{\"c\":{}}}}"),
            ("cjson.encode(true)", "true"),
            ("cjson.encode({false})", "[false]"),
            ("cjson.encode('')", "\"\""),
            ("cjson.encode(12)", "12"),
            ("cjson.encode('12')", "\"12\""),
            ("cjson.encode({[1]=1, n=2})", "{\"1\":1,\"n\":2}"),
            (
                "cjson.encode({[1]='a', [2]='b', [3]='c', [4]='d'})",
                "[\"a\",\"b\",\"c\",\"d\"]",
            ),
            ("cjson.encode({[3]=1})", "[null,null,1]"),
            (
                "cjson.encode({[12]=1})",
                "user_script:1: Cannot serialise table: excessively sparse array",
            ),
            (
                "cjson.encode({[1/0]=1})",
                "user_script:1: Cannot serialise number: must not be NaN or Inf",
            ),
            ("cjson.encode({{{{{{{{{{}}}}}}}}}})", "[[[[[[[[[{}]]]]]]]]]"),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }

    /// Bytes above 127 are copied as they are (redis-server 7.0.15).
    #[test]
    fn encode_copies_high_bytes() {
        let lua = lua();
        let s: mlua::LuaString = lua
            .load("return cjson.encode('\\128\\255')")
            .eval()
            .unwrap();
        assert_eq!(&s.as_bytes()[..], b"\"\x80\xff\"");
    }

    /// `cjson.decode` outputs of redis-server 7.0.15.
    #[test]
    #[allow(clippy::too_many_lines)]
    fn decode_matches_redis() {
        let lua = lua();
        for (expr, want) in [
            (
                "cjson.encode(cjson.decode('[1,2,3,{\"a\":[true,false,null]}]'))",
                "[1,2,3,{\"a\":[true,false,null]}]",
            ),
            (
                "cjson.encode(cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\\\\/\"')) == cjson.encode('\\195\\169\\240\\159\\152\\128/')",
                "true",
            ),
            (
                "cjson.decode('\"\\\\ud800\"')",
                "user_script:1: Expected value but found invalid unicode escape code at character 2",
            ),
            (
                "cjson.decode('\"\\\\udc00\\\\udc00\"')",
                "user_script:1: Expected value but found invalid unicode escape code at character 2",
            ),
            (
                "cjson.decode('\"\\\\ud800\\\\u0041\"')",
                "user_script:1: Expected value but found invalid unicode escape code at character 2",
            ),
            (
                "cjson.decode('\"\\\\x\"')",
                "user_script:1: Expected value but found invalid escape code at character 2",
            ),
            (
                "cjson.decode('\"\\\\')",
                "user_script:1: Expected value but found invalid escape code at character 2",
            ),
            (
                "cjson.decode('\"abc')",
                "user_script:1: Expected value but found unexpected end of string at character 5",
            ),
            (
                "cjson.decode('x')",
                "user_script:1: Expected value but found invalid token at character 1",
            ),
            (
                "cjson.decode('')",
                "user_script:1: Expected value but found T_END at character 1",
            ),
            (
                "cjson.decode('[1,2')",
                "user_script:1: Expected comma or array end but found T_END at character 5",
            ),
            (
                "cjson.decode('[1 2]')",
                "user_script:1: Expected comma or array end but found T_NUMBER at character 4",
            ),
            (
                "cjson.decode('{\"a\" 1}')",
                "user_script:1: Expected colon but found T_NUMBER at character 6",
            ),
            (
                "cjson.decode('{1:2}')",
                "user_script:1: Expected object key string but found T_NUMBER at character 2",
            ),
            (
                "cjson.decode('{\"a\":1,}')",
                "user_script:1: Expected object key string but found T_OBJ_END at character 8",
            ),
            (
                "cjson.decode('{\"a\":1 \"b\"}')",
                "user_script:1: Expected comma or object end but found T_STRING at character 8",
            ),
            (
                "cjson.decode('[1,]')",
                "user_script:1: Expected value but found T_ARR_END at character 4",
            ),
            (
                "cjson.decode('1 2')",
                "user_script:1: Expected the end but found T_NUMBER at character 3",
            ),
            ("cjson.decode('0x10')", "16"),
            ("cjson.decode('0x1p4')", "16"),
            ("cjson.decode('-Infinity')", "-inf"),
            ("cjson.decode('Infinity')", "inf"),
            ("cjson.decode('inf')", "inf"),
            ("cjson.decode('nan')", "nan"),
            ("cjson.decode('NaN')", "nan"),
            (
                "cjson.decode('Nx')",
                "user_script:1: Expected value but found invalid token at character 1",
            ),
            ("cjson.decode('+5')", "5"),
            ("cjson.decode('01')", "1"),
            (
                "cjson.decode('-')",
                "user_script:1: Expected value but found invalid number at character 1",
            ),
            (
                "cjson.decode('- 1')",
                "user_script:1: Expected value but found invalid number at character 1",
            ),
            (
                "cjson.decode('tru')",
                "user_script:1: Expected value but found invalid token at character 1",
            ),
            (
                "cjson.decode('nul')",
                "user_script:1: Expected value but found invalid token at character 1",
            ),
            ("cjson.decode('1e5')", "100000"),
            ("cjson.decode('1.')", "1"),
            ("cjson.decode('-0')", "-0"),
            (
                "cjson.decode('1e')",
                "user_script:1: Expected the end but found invalid token at character 2",
            ),
            ("cjson.decode('  12  ')", "12"),
            ("cjson.decode(' \\t\\r\\n12')", "12"),
            ("cjson.decode(123)", "123"),
            (
                "cjson.decode({})",
                "user_script:1: bad argument #1 to 'decode' (string expected, got table)",
            ),
            (
                "cjson.decode()",
                "user_script:1: bad argument #1 to 'decode' (expected 1 argument)",
            ),
            (
                "cjson.decode('1', 2)",
                "user_script:1: bad argument #1 to 'decode' (expected 1 argument)",
            ),
            ("cjson.decode('[1]\\0x')[1]", "1"),
            (
                "cjson.decode('\\0[')",
                "user_script:1: JSON parser does not support UTF-16 or UTF-32",
            ),
            (
                "cjson.decode('1\\0')",
                "user_script:1: JSON parser does not support UTF-16 or UTF-32",
            ),
            ("cjson.decode('12\\0')", "12"),
            (
                "cjson.decode(string.rep('[', 1001))",
                "user_script:1: Found too many nested data structures (1001) at character 1001",
            ),
            (
                "cjson.decode(string.rep('{\"a\":', 1001))",
                "user_script:1: Found too many nested data structures (1001) at character 5001",
            ),
            (
                "cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)) ~= nil",
                "true",
            ),
            (
                "cjson.decode('\"\\\\u0041\\\\u00\"')",
                "user_script:1: Expected value but found invalid unicode escape code at character 8",
            ),
            ("cjson.decode('{\"a\":1}').a", "1"),
            ("cjson.decode('null') == cjson.null", "true"),
            ("cjson.decode('[1,2,3]')[3]", "3"),
            (
                "cjson.decode('{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}').a.b[2].c",
                "d",
            ),
            ("cjson.decode('1.5e500')", "inf"),
            ("cjson.decode('\"\\\\u0000\"'):len()", "1"),
            ("cjson.decode('{\"a\":1,\"a\":2}').a", "2"),
            (
                "cjson.decode('\"\\\\b\\\\f\\\\n\\\\r\\\\t\\\\\"\\\\\\\\\\\\/\"') == '\\8\\12\\10\\13\\9\"\\\\/'",
                "true",
            ),
            ("cjson.decode('[]')[1]", "nil"),
            ("next(cjson.decode('{}'))", "nil"),
            ("cjson.decode('[null]')[1] == cjson.null", "true"),
            ("#cjson.decode('[1,null,3]')", "3"),
            ("cjson.decode('\"\\\\u20AC\"') == '\\226\\130\\172'", "true"),
            ("cjson.decode('true')", "true"),
            ("cjson.decode('false')", "false"),
            ("cjson.decode('[true,false]')[2]", "false"),
            ("cjson.decode('{\"1\":2}')['1']", "2"),
            (
                "cjson.decode('123456789012345678901234567890')",
                "1.2345678901235e+29",
            ),
            ("cjson.decode('0.1')", "0.1"),
            ("cjson.decode('1E+2')", "100"),
            (
                "cjson.decode('  ')",
                "user_script:1: Expected value but found T_END at character 3",
            ),
            (
                "cjson.decode('[')",
                "user_script:1: Expected value but found T_END at character 2",
            ),
            (
                "cjson.decode('{')",
                "user_script:1: Expected object key string but found T_END at character 2",
            ),
            (
                "cjson.decode('{\"a\"')",
                "user_script:1: Expected colon but found T_END at character 5",
            ),
            (
                "cjson.decode('{\"a\":')",
                "user_script:1: Expected value but found T_END at character 6",
            ),
            (
                "cjson.decode(']')",
                "user_script:1: Expected value but found T_ARR_END at character 1",
            ),
            (
                "cjson.decode('@')",
                "user_script:1: Expected value but found invalid token at character 1",
            ),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }

    /// The settings functions, run in this order on one redis-server 7.0.15
    /// (up to three results, as `tostring`s joined by spaces).
    #[test]
    #[allow(clippy::too_many_lines)]
    fn settings_match_redis() {
        let lua = lua();
        for (expr, want) in [
            ("cjson.encode_sparse_array()", "false 2 10"),
            ("cjson.encode_sparse_array(true, 3, 20)", "true 3 20"),
            ("cjson.encode_sparse_array('on')", "true 3 20"),
            (
                "cjson.encode_sparse_array('x')",
                "user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option 'x')",
            ),
            (
                "cjson.encode_sparse_array(1)",
                "user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option '1')",
            ),
            (
                "cjson.encode_sparse_array(nil, -1)",
                "user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)",
            ),
            (
                "cjson.encode_sparse_array(nil, 'a')",
                "user_script:1: bad argument #2 to 'encode_sparse_array' (number expected, got string)",
            ),
            ("cjson.encode_sparse_array(nil, '5')", "true 5 20"),
            (
                "cjson.encode_sparse_array(nil, nil, nil, nil)",
                "user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments)",
            ),
            (
                "cjson.encode_sparse_array({})",
                "user_script:1: bad argument #1 to 'encode_sparse_array' (string expected, got table)",
            ),
            (
                "cjson.encode_sparse_array(true), cjson.encode({[1]=1,[20]=2})",
                "true [1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,2] nil",
            ),
            (
                "cjson.encode_sparse_array(true, 2, 10), cjson.encode({[1]=1,[20]=2})",
                "true {\"1\":1,\"20\":2} nil",
            ),
            (
                "cjson.encode_sparse_array(false, 0), cjson.encode({[1]=1,[20]=2})",
                "false [1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,2] nil",
            ),
            (
                "cjson.encode_sparse_array(false, 2, 0), pcall(cjson.encode, {[1]=1,[3]=2})",
                "false true [1,null,2]",
            ),
            (
                "cjson.encode_sparse_array(false, 1, 0), pcall(cjson.encode, {[1]=1,[3]=2})",
                "false false Cannot serialise table: excessively sparse array",
            ),
            ("cjson.encode_sparse_array('off', 2, 10)", "false 2 10"),
            ("cjson.encode_max_depth()", "1000 nil nil"),
            (
                "cjson.encode_max_depth(0)",
                "user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)",
            ),
            ("cjson.encode_max_depth(5.7)", "5 nil nil"),
            ("cjson.encode_max_depth(2^32+3)", "3 nil nil"),
            (
                "cjson.encode_max_depth(2), pcall(cjson.encode, {{{1}}})",
                "2 false Cannot serialise, excessive nesting (3)",
            ),
            (
                "cjson.encode_max_depth(3), pcall(cjson.encode, {{{1}}})",
                "3 true [[[1]]]",
            ),
            (
                "cjson.encode_max_depth(3), pcall(cjson.encode, {a={b={c=1}}})",
                "3 true {\"a\":{\"b\":{\"c\":1}}}",
            ),
            (
                "cjson.encode_max_depth(3), pcall(cjson.encode, {a={b={c={}}}})",
                "3 false Cannot serialise, excessive nesting (4)",
            ),
            ("cjson.encode_max_depth(1000)", "1000 nil nil"),
            ("cjson.decode_max_depth(2)", "2 nil nil"),
            (
                "cjson.decode_max_depth(2), pcall(cjson.decode, '[[[1]]]')",
                "2 false Found too many nested data structures (3) at character 3",
            ),
            (
                "cjson.decode_max_depth(2), pcall(cjson.decode, '{\"a\":{\"b\":{}}}')",
                "2 false Found too many nested data structures (3) at character 11",
            ),
            ("cjson.decode_max_depth(1000)", "1000 nil nil"),
            (
                "cjson.encode_number_precision(15)",
                "user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)",
            ),
            (
                "cjson.encode_number_precision(0)",
                "user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)",
            ),
            (
                "cjson.encode_number_precision('x')",
                "user_script:1: bad argument #1 to 'encode_number_precision' (number expected, got string)",
            ),
            (
                "cjson.encode_number_precision(3), cjson.encode(math.pi), cjson.encode(0.125)",
                "3 3.14 0.125",
            ),
            (
                "cjson.encode_number_precision(1), cjson.encode(2.5), cjson.encode(3.5)",
                "1 2 4",
            ),
            (
                "cjson.encode_number_precision(2), cjson.encode(0.125), cjson.encode(1234)",
                "2 0.12 1.2e+03",
            ),
            (
                "cjson.encode_number_precision(5), cjson.encode({[0.123456]=1}), cjson.encode(99999.5)",
                "5 {\"0.12346\":1} 1e+05",
            ),
            ("cjson.encode_number_precision(14)", "14 nil nil"),
            ("cjson.encode_keep_buffer()", "true nil nil"),
            ("cjson.encode_keep_buffer(false)", "false nil nil"),
            ("cjson.encode_keep_buffer('on')", "true nil nil"),
            ("cjson.encode_invalid_numbers()", "false nil nil"),
            (
                "cjson.encode_invalid_numbers('null'), cjson.encode({0/0, 1/0, -1/0})",
                "null [null,null,null] nil",
            ),
            (
                "cjson.encode_invalid_numbers(true), cjson.encode({0/0, 1/0, -1/0})",
                "true [nan,inf,-inf] nil",
            ),
            ("cjson.encode_invalid_numbers('on')", "true nil nil"),
            ("cjson.encode_invalid_numbers(false)", "false nil nil"),
            (
                "cjson.encode_invalid_numbers('bogus')",
                "user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'bogus')",
            ),
            (
                "cjson.encode_invalid_numbers(1, 2)",
                "user_script:1: bad argument #2 to 'encode_invalid_numbers' (found too many arguments)",
            ),
            ("cjson.decode_invalid_numbers()", "true nil nil"),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '0x10')",
                "false false Expected value but found invalid number at character 1",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, 'nan')",
                "false false Expected value but found invalid token at character 1",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '-inf')",
                "false false Expected value but found invalid number at character 1",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '+1')",
                "false false Expected value but found invalid token at character 1",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '-01')",
                "false false Expected value but found invalid number at character 1",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '0')",
                "false true 0",
            ),
            (
                "cjson.decode_invalid_numbers(false), pcall(cjson.decode, '-0.5e3')",
                "false true -500",
            ),
            ("cjson.decode_invalid_numbers('on')", "true nil nil"),
            (
                "cjson.new().encode_max_depth(), cjson.new()._NAME, cjson.new().new ~= nil",
                "1000 cjson true",
            ),
            (
                "cjson.encode_sparse_array(true), cjson.new().encode_sparse_array()",
                "true false 2",
            ),
            (
                "cjson._NAME, cjson._VERSION, type(cjson.null)",
                "cjson 2.1.0 userdata",
            ),
        ] {
            assert_eq!(eval3(&lua, expr), want, "{expr}");
        }
    }

    /// A decode error under `pcall` is a plain string without position, as in
    /// redis-server 7.0.15 (`EVAL "local ok, e = pcall(cjson.decode, 'x') return {tostring(ok), e}" 0`).
    #[test]
    fn pcall_gets_plain_string() {
        let lua = lua();
        let (ok, e): (bool, mlua::Value) = lua
            .load("return pcall(cjson.decode, 'x')")
            .set_name("@user_script")
            .eval()
            .unwrap();
        assert!(!ok);
        let mlua::Value::String(s) = e else {
            panic!("error is not a string: {e:?}")
        };
        assert_eq!(
            s.to_str().unwrap(),
            "Expected value but found invalid token at character 1"
        );
        let e: String = lua
            .load("local ok, e = pcall(cjson.decode) return e")
            .set_name("@user_script")
            .eval()
            .unwrap();
        assert_eq!(e, "bad argument #1 to '?' (expected 1 argument)");
    }
}

#[cfg(test)]
mod deep_tests {
    use crate::script::cjson::glue::tests::{eval, lua};

    /// Nesting past the settings' limits fails with Redis's messages and no
    /// panic, even when the settings allow more than this implementation follows.
    #[test]
    fn deep_nesting_is_an_error() {
        let lua = lua();
        lua.load("cjson.encode_max_depth(100000) cjson.decode_max_depth(100000)")
            .exec()
            .unwrap();
        let e = eval(&lua, "cjson.decode(string.rep('[', 100000))");
        assert!(
            e.starts_with("user_script:1: Found too many nested data structures ("),
            "{e}"
        );
        let e = eval(&lua, "cjson.decode(string.rep('{\"a\":', 100000))");
        assert!(
            e.starts_with("user_script:1: Found too many nested data structures ("),
            "{e}"
        );
        let e = eval(
            &lua,
            "(function() local t = {} for i = 1, 100000 do t = {t} end local s = cjson.encode(t) return s end)()",
        );
        assert!(
            e.starts_with("user_script:1: Cannot serialise, excessive nesting ("),
            "{e}"
        );
        let e = eval(
            &lua,
            "(function() local t = {} for i = 1, 100000 do t = {a = t} end local s = cjson.encode(t) return s end)()",
        );
        assert!(
            e.starts_with("user_script:1: Cannot serialise, excessive nesting ("),
            "{e}"
        );
        assert_eq!(
            eval(
                &lua,
                "#cjson.encode(cjson.decode(string.rep('[', 2499) .. string.rep(']', 2499)))"
            ),
            "4998"
        );
    }
}

#[cfg(test)]
mod order_tests {
    use crate::script::cjson::glue::tests::{eval, lua};

    /// Members come out in Lua's table order, as on redis-server 7.0.15.
    #[test]
    #[allow(clippy::too_many_lines)]
    fn table_order_matches_redis() {
        let lua = lua();
        for (expr, want) in [
            (
                "cjson.encode({a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10})",
                "{\"a\":1,\"c\":3,\"b\":2,\"e\":5,\"d\":4,\"g\":7,\"f\":6,\"i\":9,\"h\":8,\"j\":10}",
            ),
            (
                "cjson.encode({[1]=1,[2]=2,a=3})",
                "{\"1\":1,\"2\":2,\"a\":3}",
            ),
            (
                "cjson.encode(cjson.decode('{\"name\":\"x\",\"age\":3,\"tags\":[\"a\",\"b\"],\"nested\":{\"k\":\"v\",\"z\":null}}'))",
                "{\"nested\":{\"k\":\"v\",\"z\":null},\"name\":\"x\",\"age\":3,\"tags\":[\"a\",\"b\"]}",
            ),
            (
                "cjson.encode({foo=\"bar\", [5]=1, [2.5]=3, baz={1,2}})",
                "{\"5\":1,\"baz\":[1,2],\"2.5\":3,\"foo\":\"bar\"}",
            ),
            (
                "hex(cmsgpack.pack({x=1,y=2,z=3,w=4}))",
                "84a17902a17801a17704a17a03",
            ),
            (
                "cjson.encode(cjson.decode('{\"b\":1,\"a\":2,\"c\":3,\"aa\":4,\"ab\":5,\"ba\":6}'))",
                "{\"a\":2,\"ab\":5,\"c\":3,\"b\":1,\"ba\":6,\"aa\":4}",
            ),
        ] {
            assert_eq!(eval(&lua, expr), want, "{expr}");
        }
    }
}
