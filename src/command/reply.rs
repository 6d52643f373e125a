//! What a command answers: [`Reply`], in RESP3's shapes, and how RESP2 and the wire see it.

use std::fmt::Write as _;

use bytes::Bytes;

pub(crate) use crate::number::format_double;

/// A command's answer, as a Redis client receives it (RESP3's types; under RESP2 a
/// [`Connection`](crate::Connection) sends only the RESP2 subset, as Redis does).
///
/// # Examples
///
/// ```
/// use embedis::{Reply, Store};
/// let mut conn = Store::new().connection();
/// assert_eq!(conn.execute(&["SET", "k", "v"]), Reply::ok());
/// assert_eq!(conn.execute(&["GET", "k"]), Reply::from("v"));
/// assert_eq!(conn.execute(&["GET", "nope"]), Reply::Nil);
/// assert_eq!(conn.execute(&["INCR", "k"]).to_string(), "(error) ERR value is not an integer or out of range");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// No value: a missing key (RESP2's null bulk string `$-1`, RESP3's `_`).
    Nil,
    /// No array: a blocking pop's timeout, a pop with a count on a missing key, an
    /// `EXEC` whose watched keys changed (RESP2's null array `*-1`). RESP3 has a single
    /// null, so a [`Connection`](crate::Connection) speaking it answers [`Reply::Nil`].
    NilArray,
    /// A status such as `OK` or `QUEUED`.
    Simple(String),
    /// An error, with Redis's text and prefix (`ERR …`, `WRONGTYPE …`), as bytes:
    /// Redis echoes arguments into some errors as they were given.
    Error(Bytes),
    /// An integer.
    Integer(i64),
    /// A binary-safe string.
    Bulk(Bytes),
    /// A floating-point number (RESP3; a bulk string in RESP2).
    Double(f64),
    /// A boolean (RESP3; the integer 1 or 0 in RESP2).
    Boolean(bool),
    /// An ordered sequence.
    Array(Vec<Reply>),
    /// Key–value pairs (RESP3; a flat array in RESP2).
    Map(Vec<(Reply, Reply)>),
    /// An unordered collection (RESP3; an array in RESP2).
    Set(Vec<Reply>),
    /// Out-of-band data such as a pub/sub message (RESP3; an array in RESP2).
    Push(Vec<Reply>),
    /// Text meant to be shown as it is, such as `INFO`'s or `CLIENT LIST`'s (RESP3's
    /// verbatim string, of format `txt`; a bulk string in RESP2).
    Verbatim(Bytes),
    /// Nothing at all: the connection turned its replies off (`CLIENT REPLY OFF`, or
    /// `SKIP` for one command), so a server would send no bytes. Inside an `EXEC`'s
    /// array it stands for the reply a `CLIENT REPLY` queued there leaves out (Redis
    /// then sends an array with fewer elements than its length says).
    NoReply,
}

impl Reply {
    /// The `+OK` status.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::Reply::ok(), embedis::Reply::Simple("OK".into()));
    /// ```
    pub fn ok() -> Reply {
        Reply::Simple("OK".into())
    }

    /// The reply in RESP2's types: maps and sets become arrays (a map's pairs
    /// flattened), doubles become bulk strings formatted as Redis formats them,
    /// booleans become 1 or 0, pushes become arrays.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Reply;
    /// assert_eq!(Reply::Double(1.5).into_resp2(), Reply::from("1.5"));
    /// let map = Reply::Map(vec![(Reply::from("f"), Reply::Integer(1))]);
    /// assert_eq!(map.into_resp2(), Reply::Array(vec![Reply::from("f"), Reply::Integer(1)]));
    /// ```
    #[must_use]
    pub fn into_resp2(self) -> Reply {
        match self {
            Reply::Double(d) => Reply::Bulk(Bytes::from(format_double(d))),
            Reply::Boolean(b) => Reply::Integer(i64::from(b)),
            Reply::Verbatim(text) => Reply::Bulk(text),
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => {
                Reply::Array(v.into_iter().map(Reply::into_resp2).collect())
            }
            Reply::Map(pairs) => Reply::Array(
                pairs
                    .into_iter()
                    .flat_map(|(k, v)| [k.into_resp2(), v.into_resp2()])
                    .collect(),
            ),
            other => other,
        }
    }

    /// The reply as RESP3 tells it: the one null for both of RESP2's.
    pub(crate) fn into_resp3(self) -> Reply {
        match self {
            Reply::NilArray => Reply::Nil,
            Reply::Array(v) => Reply::Array(v.into_iter().map(Reply::into_resp3).collect()),
            other => other,
        }
    }

    /// Whether this is an error reply.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(embedis::Reply::Error("ERR syntax error".into()).is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The reply encoded in RESP (`+OK\r\n`, `$1\r\nv\r\n`, …), as a server would send
    /// it; `Nil` is RESP2's null bulk string (`$-1`) or RESP3's `_`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::Reply;
    /// assert_eq!(Reply::Integer(3).to_resp(false), b":3\r\n");
    /// assert_eq!(Reply::Array(vec![Reply::from("a"), Reply::Nil]).to_resp(false), b"*2\r\n$1\r\na\r\n$-1\r\n");
    /// ```
    pub fn to_resp(&self, resp3: bool) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_resp(resp3, &mut out);
        out
    }

    fn write_resp(&self, resp3: bool, out: &mut Vec<u8>) {
        fn header(out: &mut Vec<u8>, tag: u8, n: usize) {
            out.push(tag);
            out.extend_from_slice(n.to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        match self {
            Reply::Nil | Reply::NilArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NoReply => {}
            Reply::Verbatim(text) if resp3 => {
                header(out, b'=', text.len() + 4);
                out.extend_from_slice(b"txt:");
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Simple(s) => {
                out.push(b'+');
                out.extend_from_slice(s.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Reply::Error(e) => {
                out.push(b'-');
                out.extend_from_slice(e);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Integer(i) => {
                out.push(b':');
                out.extend_from_slice(i.to_string().as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Reply::Bulk(b) => {
                header(out, b'$', b.len());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Double(d) if resp3 => {
                out.push(b',');
                out.extend_from_slice(format_double(*d).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Reply::Boolean(b) if resp3 => {
                out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            }
            Reply::Array(v) => {
                header(out, b'*', v.len());
                for r in v {
                    r.write_resp(resp3, out);
                }
            }
            Reply::Set(v) if resp3 => {
                header(out, b'~', v.len());
                for r in v {
                    r.write_resp(resp3, out);
                }
            }
            Reply::Push(v) if resp3 => {
                header(out, b'>', v.len());
                for r in v {
                    r.write_resp(resp3, out);
                }
            }
            Reply::Map(pairs) if resp3 => {
                header(out, b'%', pairs.len());
                for (k, v) in pairs {
                    k.write_resp(resp3, out);
                    v.write_resp(resp3, out);
                }
            }
            other => other.clone().into_resp2().write_resp(false, out),
        }
    }

    fn fmt_cli(&self, f: &mut std::fmt::Formatter<'_>, indent: usize) -> std::fmt::Result {
        fn items(
            f: &mut std::fmt::Formatter<'_>,
            items: &[&Reply],
            indent: usize,
        ) -> std::fmt::Result {
            if items.is_empty() {
                return f.write_str("(empty array)");
            }
            let width = items.len().to_string().len();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, "\n{:indent$}", "")?;
                }
                let label = format!("{:>width$}) ", i + 1);
                f.write_str(&label)?;
                item.fmt_cli(f, indent + label.len())?;
            }
            Ok(())
        }
        match self {
            Reply::Nil | Reply::NilArray => f.write_str("(nil)"),
            Reply::Simple(s) => f.write_str(s),
            Reply::Error(e) => write!(f, "(error) {}", String::from_utf8_lossy(e)),
            Reply::Integer(i) => write!(f, "(integer) {i}"),
            Reply::Bulk(b) => f.write_str(&quote(b)),
            Reply::Verbatim(text) => f.write_str(&String::from_utf8_lossy(text)),
            Reply::NoReply => Ok(()),
            Reply::Double(d) => write!(f, "(double) {}", format_double(*d)),
            Reply::Boolean(b) => write!(f, "({})", if *b { "true" } else { "false" }),
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => {
                items(f, &v.iter().collect::<Vec<_>>(), indent)
            }
            Reply::Map(pairs) => {
                let flat: Vec<&Reply> = pairs.iter().flat_map(|(k, v)| [k, v]).collect();
                items(f, &flat, indent)
            }
        }
    }
}

/// As `redis-cli` prints a reply: `(integer) 1`, `"value"`, `(nil)`, `(error) …`, and
/// arrays as numbered, nested lines.
impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fmt_cli(f, 0)
    }
}

impl From<&str> for Reply {
    fn from(s: &str) -> Self {
        Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<&[u8]> for Reply {
    fn from(b: &[u8]) -> Self {
        Reply::Bulk(Bytes::copy_from_slice(b))
    }
}

impl From<crate::Blob> for Reply {
    fn from(b: crate::Blob) -> Self {
        Reply::Bulk(b.into_bytes())
    }
}

impl From<Option<crate::Blob>> for Reply {
    fn from(b: Option<crate::Blob>) -> Self {
        b.map_or(Reply::Nil, Reply::from)
    }
}

impl From<Vec<crate::Blob>> for Reply {
    fn from(v: Vec<crate::Blob>) -> Self {
        Reply::Array(v.into_iter().map(Reply::from).collect())
    }
}

impl From<i64> for Reply {
    fn from(i: i64) -> Self {
        Reply::Integer(i)
    }
}

impl From<usize> for Reply {
    fn from(n: usize) -> Self {
        Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Reply {
    /// An integer 1 or 0, as most Redis commands answer yes or no.
    fn from(b: bool) -> Self {
        Reply::Integer(i64::from(b))
    }
}

impl From<crate::Error> for Reply {
    /// The error's text, with the newlines an echoed argument brought turned into
    /// spaces, as Redis's `addReplyErrorFormat` does, so the reply stays one line.
    fn from(e: crate::Error) -> Self {
        super::reply_error(&[e.to_string().as_bytes()])
    }
}

/// A string as `redis-cli` quotes it: printable ASCII as is, `\"`, `\\`, `\n`, `\r`,
/// `\t`, `\a`, `\b`, and `\xhh` for other bytes.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_format_as_percent_17g() {
        for (d, text) in [
            (1.1, "1.1000000000000001"),
            (3.0, "3"),
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (0.300_000_000_000_000_04, "0.30000000000000004"),
            (-2.5, "-2.5"),
            (1e17, "1e+17"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (-0.0, "-0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (123_456_789.123, "123456789.123"),
        ] {
            assert_eq!(format_double(d), text, "{d:e}");
        }
    }

    #[test]
    fn cli_display_numbers_nested_arrays() {
        let r = Reply::Array(vec![
            Reply::from("a"),
            Reply::Array(vec![Reply::Integer(1), Reply::Nil]),
        ]);
        assert_eq!(r.to_string(), "1) \"a\"\n2) 1) (integer) 1\n   2) (nil)");
        assert_eq!(Reply::Array(vec![]).to_string(), "(empty array)");
        assert_eq!(
            Reply::from(&b"a\"\n\xff"[..]).to_string(),
            "\"a\\\"\\n\\xff\""
        );
    }

    #[test]
    fn resp3_shapes_encode_and_downgrade() {
        let m = Reply::Map(vec![(Reply::from("k"), Reply::Double(2.0))]);
        assert_eq!(m.to_resp(true), b"%1\r\n$1\r\nk\r\n,2\r\n");
        assert_eq!(m.to_resp(false), b"*2\r\n$1\r\nk\r\n$1\r\n2\r\n");
        assert_eq!(Reply::Boolean(true).to_resp(false), b":1\r\n");
        assert_eq!(Reply::Nil.to_resp(true), b"_\r\n");
        assert_eq!(Reply::NilArray.to_resp(false), b"*-1\r\n");
        assert_eq!(Reply::NilArray.to_resp(true), b"_\r\n");
        let exec = Reply::Array(vec![Reply::NilArray, Reply::Nil]);
        assert_eq!(
            exec.clone().into_resp3(),
            Reply::Array(vec![Reply::Nil, Reply::Nil])
        );
        assert_eq!(exec.to_resp(false), b"*2\r\n*-1\r\n$-1\r\n");
    }
}
