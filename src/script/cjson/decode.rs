//! `cjson.decode`: JSON text to Lua values, without recursion.

use mlua::{Lua, Table, Value};

use super::encode::HARD_MAX_DEPTH;
use super::glue::{self, Res};
use super::{Config, number};

/// Lua stack slots a C function may use (`LUAI_MAXCSTACK`): Redis's decoder
/// fails with "too many nested data structures" when its stack would pass it.
const MAX_C_STACK: usize = 8000;

/// Kinds of tokens; their names appear in syntax errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str,
    Num,
    Bool,
    Null,
    Colon,
    Comma,
    End,
    Error,
}

impl Kind {
    /// The token's name in error messages.
    fn name(self) -> &'static str {
        match self {
            Kind::ObjBegin => "T_OBJ_BEGIN",
            Kind::ObjEnd => "T_OBJ_END",
            Kind::ArrBegin => "T_ARR_BEGIN",
            Kind::ArrEnd => "T_ARR_END",
            Kind::Str => "T_STRING",
            Kind::Num => "T_NUMBER",
            Kind::Bool => "T_BOOLEAN",
            Kind::Null => "T_NULL",
            Kind::Colon => "T_COLON",
            Kind::Comma => "T_COMMA",
            Kind::End => "T_END",
            Kind::Error => "T_ERROR",
        }
    }
}

/// A token: its kind, its offset in the text, and its value.
#[derive(Clone, Copy)]
struct Token {
    kind: Kind,
    index: usize,
    number: f64,
    boolean: bool,
    /// What went wrong, for an error token.
    error: &'static str,
}

/// The tokenizer over the text; bytes past the end read as NUL, as the C
/// parser reads its NUL-terminated buffer (so a NUL byte ends the text).
struct Parser<'a> {
    data: &'a [u8],
    ptr: usize,
    /// The decoded bytes of the last string token.
    tmp: Vec<u8>,
    invalid_numbers: bool,
}

/// The value of a hexadecimal digit.
fn hex_digit(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// UTF-8 of a code point up to 0x1FFFFF.
fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    #[allow(clippy::cast_possible_truncation)]
    if cp <= 0x7F {
        out.push(cp as u8);
    } else if cp <= 0x7FF {
        out.extend_from_slice(&[(cp >> 6) as u8 | 0xC0, (cp & 0x3F) as u8 | 0x80]);
    } else if cp <= 0xFFFF {
        out.extend_from_slice(&[
            (cp >> 12) as u8 | 0xE0,
            ((cp >> 6) & 0x3F) as u8 | 0x80,
            (cp & 0x3F) as u8 | 0x80,
        ]);
    } else {
        out.extend_from_slice(&[
            (cp >> 18) as u8 | 0xF0,
            ((cp >> 12) & 0x3F) as u8 | 0x80,
            ((cp >> 6) & 0x3F) as u8 | 0x80,
            (cp & 0x3F) as u8 | 0x80,
        ]);
    }
}

impl Parser<'_> {
    /// The byte at `i`, NUL past the end.
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    /// Four hexadecimal digits at `i`.
    fn hex4(&self, i: usize) -> Option<u32> {
        let mut v = 0;
        for k in 0..4 {
            v = v << 4 | hex_digit(self.at(i + k))?;
        }
        Some(v)
    }

    /// The `\uXXXX` escape (or surrogate pair) at `ptr`, appended as UTF-8.
    fn unicode_escape(&mut self) -> Option<()> {
        let mut cp = self.hex4(self.ptr + 2)?;
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            if cp & 0x400 != 0 {
                return None;
            }
            if self.at(self.ptr + 6) != b'\\' || self.at(self.ptr + 7) != b'u' {
                return None;
            }
            let low = self.hex4(self.ptr + 8)?;
            if low & 0xFC00 != 0xDC00 {
                return None;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        push_utf8(&mut self.tmp, cp);
        self.ptr += len;
        Some(())
    }

    /// An error token at the current position.
    fn error_token(&self, tok: &mut Token, what: &'static str) {
        tok.kind = Kind::Error;
        tok.index = self.ptr;
        tok.error = what;
    }

    /// The string token at `ptr` (on its opening quote).
    fn string_token(&mut self, tok: &mut Token) {
        self.ptr += 1;
        self.tmp.clear();
        loop {
            let ch = self.at(self.ptr);
            if ch == b'"' {
                break;
            }
            if ch == 0 {
                self.error_token(tok, "unexpected end of string");
                return;
            }
            let mut out = ch;
            if ch == b'\\' {
                out = match self.at(self.ptr + 1) {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'f' => 12,
                    b'r' => b'\r',
                    b'u' => {
                        if self.unicode_escape().is_some() {
                            continue;
                        }
                        self.error_token(tok, "invalid unicode escape code");
                        return;
                    }
                    _ => {
                        self.error_token(tok, "invalid escape code");
                        return;
                    }
                };
                self.ptr += 1;
            }
            self.tmp.push(out);
            self.ptr += 1;
        }
        self.ptr += 1;
        tok.kind = Kind::Str;
    }

    /// `json_is_invalid_number`: text at `ptr` that only lenient decoding reads as a number.
    fn is_invalid_number(&self) -> bool {
        let mut p = self.ptr;
        if self.at(p) == b'+' {
            return true;
        }
        if self.at(p) == b'-' {
            p += 1;
        }
        let c = self.at(p);
        if c == b'0' {
            let c2 = self.at(p + 1);
            return c2 | 0x20 == b'x' || c2.is_ascii_digit();
        } else if c <= b'9' {
            return false;
        }
        let rest = &self.data[p.min(self.data.len())..];
        let ci = |w: &[u8]| rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(w);
        ci(b"inf") || ci(b"nan")
    }

    /// A number token read by `strtod`.
    fn number_token(&mut self, tok: &mut Token) {
        tok.kind = Kind::Num;
        match number::strtod(&self.data[self.ptr.min(self.data.len())..]) {
            Some((n, len)) if len > 0 => {
                tok.number = n;
                self.ptr += len;
            }
            _ => self.error_token(tok, "invalid number"),
        }
    }

    /// The next token.
    fn next(&mut self) -> Token {
        while matches!(self.at(self.ptr), b' ' | b'\t' | b'\n' | b'\r') {
            self.ptr += 1;
        }
        let mut tok = Token {
            kind: Kind::Error,
            index: self.ptr,
            number: 0.0,
            boolean: false,
            error: "",
        };
        let ch = self.at(self.ptr);
        let single = match ch {
            b'{' => Some(Kind::ObjBegin),
            b'}' => Some(Kind::ObjEnd),
            b'[' => Some(Kind::ArrBegin),
            b']' => Some(Kind::ArrEnd),
            b',' => Some(Kind::Comma),
            b':' => Some(Kind::Colon),
            0 => {
                tok.kind = Kind::End;
                return tok;
            }
            b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'"' | b'+' | b'-' | b'0'..=b'9' => None,
            _ => {
                self.error_token(&mut tok, "invalid token");
                return tok;
            }
        };
        if let Some(k) = single {
            tok.kind = k;
            self.ptr += 1;
            return tok;
        }
        let rest = &self.data[self.ptr..];
        if ch == b'"' {
            self.string_token(&mut tok);
        } else if ch == b'-' || ch.is_ascii_digit() {
            if !self.invalid_numbers && self.is_invalid_number() {
                self.error_token(&mut tok, "invalid number");
            } else {
                self.number_token(&mut tok);
            }
        } else if rest.starts_with(b"true") {
            tok.kind = Kind::Bool;
            tok.boolean = true;
            self.ptr += 4;
        } else if rest.starts_with(b"false") {
            tok.kind = Kind::Bool;
            self.ptr += 5;
        } else if rest.starts_with(b"null") {
            tok.kind = Kind::Null;
            self.ptr += 4;
        } else if self.invalid_numbers && self.is_invalid_number() {
            self.number_token(&mut tok);
        } else {
            self.error_token(&mut tok, "invalid token");
        }
        tok
    }
}

/// An open array or object.
struct Frame {
    table: Table,
    /// The next array index, or 0 for an object.
    index: i64,
    /// The key of the object member being read.
    key: Vec<u8>,
}

/// What reading a value's first token gave.
enum Start {
    /// A complete value.
    Value(Value),
    /// A container was opened; this is its first member's token.
    Opened(Token),
}

/// State of one `decode` call.
struct Decoder<'a> {
    lua: &'a Lua,
    p: Parser<'a>,
    stack: Vec<Frame>,
    max_depth: usize,
    /// Lua stack slots the C decoder would be using.
    slots: usize,
}

impl Decoder<'_> {
    /// "Expected <exp> but found <token> at character <n>".
    fn parse_error(&self, exp: &str, tok: &Token) -> glue::Fail {
        let found = if tok.kind == Kind::Error {
            tok.error
        } else {
            tok.kind.name()
        };
        glue::error(
            self.lua,
            format!(
                "Expected {exp} but found {found} at character {}",
                tok.index + 1
            ),
        )
    }

    /// Opens a container needing `need` C stack slots.
    fn descend(&mut self, need: usize) -> Res<()> {
        let depth = self.stack.len() + 1;
        if depth <= self.max_depth && depth <= HARD_MAX_DEPTH && self.slots + need <= MAX_C_STACK {
            return Ok(());
        }
        Err(glue::error(
            self.lua,
            format!(
                "Found too many nested data structures ({depth}) at character {}",
                self.p.ptr
            ),
        ))
    }

    /// Reads the object key and colon after `tok`, and returns the member value's token.
    fn member(&mut self, tok: &Token) -> Res<Token> {
        if tok.kind != Kind::Str {
            return Err(self.parse_error("object key string", tok));
        }
        let key = std::mem::take(&mut self.p.tmp);
        if let Some(f) = self.stack.last_mut() {
            f.key = key;
        }
        let colon = self.p.next();
        if colon.kind != Kind::Colon {
            return Err(self.parse_error("colon", &colon));
        }
        Ok(self.p.next())
    }

    /// `json_process_value` up to the first member of a container.
    fn start(&mut self, tok: Token) -> Res<Start> {
        Ok(Start::Value(match tok.kind {
            Kind::Str => Value::String(self.lua.create_string(&self.p.tmp)?),
            Kind::Num => Value::Number(tok.number),
            Kind::Bool => Value::Boolean(tok.boolean),
            Kind::Null => Value::NULL,
            Kind::ObjBegin => {
                self.descend(3)?;
                let table = self.lua.create_table()?;
                let t = self.p.next();
                if t.kind == Kind::ObjEnd {
                    return Ok(Start::Value(Value::Table(table)));
                }
                self.stack.push(Frame {
                    table,
                    index: 0,
                    key: Vec::new(),
                });
                self.slots += 2;
                let v = self.member(&t)?;
                return Ok(Start::Opened(v));
            }
            Kind::ArrBegin => {
                self.descend(2)?;
                let table = self.lua.create_table()?;
                let t = self.p.next();
                if t.kind == Kind::ArrEnd {
                    return Ok(Start::Value(Value::Table(table)));
                }
                self.stack.push(Frame {
                    table,
                    index: 1,
                    key: Vec::new(),
                });
                self.slots += 1;
                return Ok(Start::Opened(t));
            }
            _ => return Err(self.parse_error("value", &tok)),
        }))
    }

    /// Decodes the whole text.
    fn run(&mut self) -> Res<Value> {
        let mut tok = self.p.next();
        loop {
            let mut v = match self.start(tok)? {
                Start::Opened(t) => {
                    tok = t;
                    continue;
                }
                Start::Value(v) => v,
            };
            // Store the value into its container, closing the containers that end.
            loop {
                let Some(f) = self.stack.last_mut() else {
                    return Ok(v);
                };
                let next;
                if f.index > 0 {
                    f.table.raw_set(f.index, v)?;
                    f.index += 1;
                    let t = self.p.next();
                    if t.kind == Kind::ArrEnd {
                        v = self.close(1);
                        continue;
                    }
                    if t.kind != Kind::Comma {
                        return Err(self.parse_error("comma or array end", &t));
                    }
                    next = self.p.next();
                } else {
                    let key = self.lua.create_string(&f.key)?;
                    f.table.raw_set(key, v)?;
                    let t = self.p.next();
                    if t.kind == Kind::ObjEnd {
                        v = self.close(2);
                        continue;
                    }
                    if t.kind != Kind::Comma {
                        return Err(self.parse_error("comma or object end", &t));
                    }
                    let k = self.p.next();
                    next = self.member(&k)?;
                }
                tok = next;
                break;
            }
        }
    }

    /// Closes the innermost container, which used `slots` C stack slots.
    fn close(&mut self, slots: usize) -> Value {
        self.slots -= slots;
        self.stack
            .pop()
            .map_or(Value::Nil, |f| Value::Table(f.table))
    }
}

/// The Lua value of JSON `text`.
pub(super) fn decode(lua: &Lua, cfg: &Config, text: &[u8]) -> Res<Value> {
    if text.len() >= 2 && (text[0] == 0 || text[1] == 0) {
        return Err(glue::error(
            lua,
            "JSON parser does not support UTF-16 or UTF-32",
        ));
    }
    #[allow(clippy::cast_sign_loss)]
    let max_depth = cfg.decode_max_depth.max(0) as usize;
    let mut d = Decoder {
        lua,
        p: Parser {
            data: text,
            ptr: 0,
            tmp: Vec::new(),
            invalid_numbers: cfg.decode_invalid_numbers,
        },
        stack: Vec::new(),
        max_depth,
        slots: 1,
    };
    let v = d.run()?;
    let end = d.p.next();
    if end.kind != Kind::End {
        return Err(d.parse_error("the end", &end));
    }
    Ok(v)
}
