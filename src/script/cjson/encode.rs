//! `cjson.encode`: Lua values to JSON text.

use mlua::{Function, Lua, Table, Value};

use super::glue::{self, Res};
use super::{Config, number};

/// Lua stack slots a C function may use (`LUAI_MAXCSTACK`): Redis's encoder
/// fails with "excessive nesting" when its stack would pass it.
const MAX_C_STACK: usize = 8000;

/// Longest text the encoder builds; past it, it fails as Lua does when
/// memory runs out, rather than exhausting the process's memory.
const MAX_OUTPUT: usize = 1 << 30;

/// Deepest nesting this encoder follows whatever the settings allow, keeping
/// its recursion and its references into the Lua state bounded.
pub(super) const HARD_MAX_DEPTH: usize = 2500;

/// The escape of each byte in a JSON string, or `None` to copy it.
fn escape(b: u8) -> Option<&'static str> {
    const LOW: [&str; 32] = [
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
        "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    ];
    match b {
        0..=31 => Some(LOW[b as usize]),
        b'"' => Some("\\\""),
        b'/' => Some("\\/"),
        b'\\' => Some("\\\\"),
        127 => Some("\\u007f"),
        _ => None,
    }
}

/// State of one `encode` call.
struct Encoder<'a> {
    lua: &'a Lua,
    cfg: &'a Config,
    /// Lua's `next`, to resume the walk of an object after a nested table.
    next: &'a Function,
    out: Vec<u8>,
}

/// Appends the JSON string of `bytes`.
fn append_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    for &b in bytes {
        match escape(b) {
            Some(e) => out.extend_from_slice(e.as_bytes()),
            None => out.push(b),
        }
    }
    out.push(b'"');
}

impl Encoder<'_> {
    /// `Cannot serialise <type>: <reason>`.
    fn exception(&self, v: &Value, reason: &str) -> glue::Fail {
        glue::error(
            self.lua,
            format!("Cannot serialise {}: {reason}", glue::type_name(Some(v))),
        )
    }

    /// Appends a number, applying the invalid-number setting.
    fn number(&mut self, v: &Value, n: f64) -> Res<()> {
        match self.cfg.encode_invalid_numbers {
            0 => {
                if !n.is_finite() {
                    return Err(self.exception(v, "must not be NaN or Inf"));
                }
            }
            1 => {
                if n.is_nan() {
                    self.out.extend_from_slice(b"nan");
                    return Ok(());
                }
            }
            _ => {
                if !n.is_finite() {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                }
            }
        }
        #[allow(clippy::cast_sign_loss)]
        let p = self.cfg.number_precision.clamp(1, 14) as usize;
        self.out.extend_from_slice(number::fmt_g(n, p).as_bytes());
        Ok(())
    }

    /// `lua_array_length`: the length of `t` when all its keys are positive
    /// integers (0 for an empty table), `None` when it must be an object.
    #[allow(clippy::float_cmp)]
    fn array_length(&self, t: &Table, v: &Value) -> Res<Option<i32>> {
        let mut max: i32 = 0;
        let mut items: i32 = 0;
        for pair in t.pairs::<Value, Value>() {
            let (k, _) = pair?;
            let k = match glue::number_of(&k) {
                Some(k) if k != 0.0 && k.floor() == k && k >= 1.0 => k,
                _ => return Ok(None),
            };
            if k > f64::from(max) {
                max = glue::double_to_i32(k);
            }
            items = items.wrapping_add(1);
        }
        let c = self.cfg;
        if c.sparse_ratio > 0 && max > items.wrapping_mul(c.sparse_ratio) && max > c.sparse_safe {
            if !c.sparse_convert {
                return Err(self.exception(v, "excessively sparse array"));
            }
            return Ok(None);
        }
        Ok(Some(max))
    }

    /// Appends `v` if it is not a table; opens a table at nesting `depth` + 1
    /// held in C at stack slot `slots` by pushing its frame onto `stack`.
    fn start(&mut self, v: &Value, depth: usize, slots: usize, stack: &mut Vec<Frame>) -> Res<()> {
        match v {
            Value::String(s) => append_string(&mut self.out, &s.as_bytes()),
            Value::Integer(_) | Value::Number(_) => {
                let n = glue::number_of(v).unwrap_or(0.0);
                self.number(v, n)?;
            }
            Value::Boolean(b) => self
                .out
                .extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Table(t) => {
                let depth = depth + 1;
                #[allow(clippy::cast_sign_loss)]
                let max_depth = self.cfg.encode_max_depth.max(0) as usize;
                if depth > max_depth || slots + 3 > MAX_C_STACK || depth > HARD_MAX_DEPTH {
                    return Err(glue::error(
                        self.lua,
                        format!("Cannot serialise, excessive nesting ({depth})"),
                    ));
                }
                match self.array_length(t, v)? {
                    Some(len) if len > 0 => {
                        self.out.push(b'[');
                        stack.push(Frame::Array {
                            table: t.clone(),
                            next: 1,
                            len,
                            slots,
                        });
                    }
                    _ => {
                        self.out.push(b'{');
                        if let Some((k, child)) = self.object_until_table(t)? {
                            stack.push(Frame::Object {
                                table: t.clone(),
                                key: k,
                                slots,
                                pending: Some(child),
                            });
                        }
                    }
                }
            }
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(u) if u.0.is_null() => self.out.extend_from_slice(b"null"),
            _ => return Err(self.exception(v, "type not supported")),
        }
        Ok(())
    }

    /// Writes the members of object `t` up to the first whose value is a table
    /// and returns that member (its key written), or closes the object.
    fn object_until_table(&mut self, t: &Table) -> Res<Option<(Value, Value)>> {
        let mut first = true;
        for pair in t.pairs::<Value, Value>() {
            let (k, val) = pair?;
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.key(&k)?;
            if let Value::Table(_) = val {
                return Ok(Some((k, val)));
            }
            let mut none = Vec::new();
            self.start(&val, 0, 0, &mut none)?;
        }
        self.out.push(b'}');
        Ok(None)
    }

    /// Appends object key `k`.
    fn key(&mut self, k: &Value) -> Res<()> {
        match k {
            Value::Integer(_) | Value::Number(_) => {
                self.out.push(b'"');
                let n = glue::number_of(k).unwrap_or(0.0);
                self.number(k, n)?;
                self.out.extend_from_slice(b"\":");
            }
            Value::String(s) => {
                append_string(&mut self.out, &s.as_bytes());
                self.out.push(b':');
            }
            _ => return Err(self.exception(k, "table key must be a number or string")),
        }
        Ok(())
    }

    /// Appends `v`, following nested tables with an explicit stack.
    fn run(&mut self, v: &Value) -> Res<()> {
        let mut stack: Vec<Frame> = Vec::new();
        self.start(v, 0, 1, &mut stack)?;
        loop {
            let depth = stack.len();
            if self.out.len() > MAX_OUTPUT {
                return Err(glue::Fail::Msg(b"not enough memory".to_vec()));
            }
            let Some(top) = stack.last_mut() else { break };
            match top {
                Frame::Array {
                    table,
                    next,
                    len,
                    slots,
                } => {
                    if *next > i64::from(*len) {
                        self.out.push(b']');
                        stack.pop();
                        continue;
                    }
                    if *next > 1 {
                        self.out.push(b',');
                    }
                    let item: Value = table.raw_get(*next)?;
                    *next += 1;
                    let slots = *slots + 1;
                    self.start(&item, depth, slots, &mut stack)?;
                }
                Frame::Object {
                    table,
                    key,
                    slots,
                    pending,
                } => {
                    if let Some(child) = pending.take() {
                        let slots = *slots + 2;
                        self.start(&child, depth, slots, &mut stack)?;
                        continue;
                    }
                    let (k, val): (Value, Value) = self.next.call((table.clone(), key.clone()))?;
                    if k.is_nil() {
                        self.out.push(b'}');
                        stack.pop();
                        continue;
                    }
                    if !key.is_nil() {
                        self.out.push(b',');
                    }
                    let slots = *slots + 2;
                    *key = k;
                    let k = key.clone();
                    self.key(&k)?;
                    drop(k);
                    self.start(&val, depth, slots, &mut stack)?;
                }
            }
        }
        Ok(())
    }
}

/// A table being written.
enum Frame {
    /// An array: its table, the next index to write, its length, and the C
    /// stack slot holding it.
    Array {
        table: Table,
        next: i64,
        len: i32,
        slots: usize,
    },
    /// An object: its table, the last key written, the C stack slot holding
    /// it, and the value of that key when it is still to be written.
    Object {
        table: Table,
        key: Value,
        slots: usize,
        pending: Option<Value>,
    },
}

/// The JSON text of `v`; `next` is Lua's `next` function.
pub(super) fn encode(lua: &Lua, cfg: &Config, next: &Function, v: &Value) -> Res<Vec<u8>> {
    let mut e = Encoder {
        lua,
        cfg,
        next,
        out: Vec::new(),
    };
    e.run(v)?;
    Ok(e.out)
}
