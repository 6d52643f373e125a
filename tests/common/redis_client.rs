//! A minimal RESP client for our own `redis-server` (see `redis_server.rs`): commands
//! out, `Reply` values back, so answers compare with `Connection::execute`'s directly.
//! A test that uses it also declares `mod redis_server` at its root.
//!
//! RESP2's null bulk string reads as `Reply::Nil`, its null array as `Reply::NilArray`;
//! RESP3's verbatim strings (format `txt`) as `Reply::Verbatim`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use bytes::Bytes;
use embedis::Reply;

/// Our own server and a first connection to it; the server stops when this is dropped.
pub(crate) struct Redis {
    conn: Conn,
    server: crate::redis_server::Server,
}

/// One connection to a server.
pub(crate) struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Redis {
    /// Starts a server of our own; `None` without `redis-server` (the caller skips
    /// with a message), unless `EMBEDIS_REQUIRE_REDIS` is set (as CI sets it): then a
    /// missing or failing server fails the test.
    pub(crate) fn start() -> Option<Redis> {
        Redis::start_with(&[])
    }

    /// [`start`](Self::start) with more of redis-server's options (`--dir`, …).
    pub(crate) fn start_with(extra: &[&str]) -> Option<Redis> {
        let Some((server, stream)) = crate::redis_server::Server::start_with(extra) else {
            assert!(
                std::env::var_os("EMBEDIS_REQUIRE_REDIS").is_none(),
                "EMBEDIS_REQUIRE_REDIS is set but redis-server is not installed or does not start"
            );
            return None;
        };
        Some(Redis {
            conn: Conn::new(stream),
            server,
        })
    }

    /// Sends one command and reads its reply.
    pub(crate) fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        self.conn.cmd(args)
    }

    /// Another connection to the same server (a subscriber, say).
    #[allow(dead_code)] // not every test uses a second connection
    pub(crate) fn connect(&self) -> Conn {
        Conn::new(TcpStream::connect(("127.0.0.1", self.server.port)).unwrap())
    }
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        Conn {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends one command and reads its reply.
    pub(crate) fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            let a = a.as_ref();
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&out).unwrap();
        self.read()
    }

    /// Reads the next reply or pushed message.
    pub(crate) fn read(&mut self) -> Reply {
        read_reply(&mut self.reader)
    }
}

fn read_reply(r: &mut BufReader<TcpStream>) -> Reply {
    let mut raw = Vec::new();
    r.read_until(b'\n', &mut raw).unwrap();
    assert!(raw.ends_with(b"\r\n"), "the server closed the connection");
    raw.truncate(raw.len() - 2);
    // An error echoes arguments as they were given: binary, so taken as bytes.
    if raw.first() == Some(&b'-') {
        return Reply::Error(Bytes::copy_from_slice(&raw[1..]));
    }
    let line = String::from_utf8(raw).unwrap();
    let (kind, rest) = line.split_at(1);
    let n = || rest.parse::<i64>().unwrap();
    match kind {
        "+" => Reply::Simple(rest.into()),
        ":" => Reply::Integer(n()),
        "$" if n() < 0 => Reply::Nil,
        "*" if n() < 0 => Reply::NilArray,
        "_" => Reply::Nil,
        "," => Reply::Double(match rest {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap(),
        }),
        "#" => Reply::Boolean(rest == "t"),
        "%" => Reply::Map((0..n()).map(|_| (read_reply(r), read_reply(r))).collect()),
        "~" => Reply::Set((0..n()).map(|_| read_reply(r)).collect()),
        ">" => Reply::Push((0..n()).map(|_| read_reply(r)).collect()),
        "$" => {
            let mut buf = vec![0; usize::try_from(n()).unwrap() + 2];
            r.read_exact(&mut buf).unwrap();
            buf.truncate(buf.len() - 2);
            Reply::Bulk(Bytes::from(buf))
        }
        "*" => Reply::Array((0..n()).map(|_| read_reply(r)).collect()),
        "=" => {
            let mut buf = vec![0; usize::try_from(n()).unwrap() + 2];
            r.read_exact(&mut buf).unwrap();
            buf.truncate(buf.len() - 2);
            assert!(buf.starts_with(b"txt:"), "verbatim format");
            Reply::Verbatim(Bytes::copy_from_slice(&buf[4..]))
        }
        other => panic!("unexpected reply type {other:?}"),
    }
}
