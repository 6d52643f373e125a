//! A `redis-server` of our own on a free 127.0.0.1 port, persistence off, stopped on
//! drop: the one way the differential tests and the Redis benchmark start Redis.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` and a first connection to it.
#[allow(dead_code)] // not every user reads the port
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts one and waits (up to 10 s) until it accepts connections; `None` if
    /// `redis-server` is not installed or does not come up.
    ///
    /// The port is free when chosen but may be taken before the server binds it (by
    /// another test's server, say): the server that answers must report our child's
    /// process id, or another port is tried.
    #[allow(dead_code)] // not every test starts a plain one
    pub(crate) fn start() -> Option<(Server, TcpStream)> {
        Server::start_with(&[])
    }

    /// [`start`](Self::start) with more of redis-server's options (`--dir`, …).
    pub(crate) fn start_with(extra: &[&str]) -> Option<(Server, TcpStream)> {
        Command::new("redis-server")
            .arg("--version")
            .output()
            .ok()?;
        (0..5).find_map(|_| Server::start_on_a_free_port(extra))
    }

    fn start_on_a_free_port(extra: &[&str]) -> Option<(Server, TcpStream)> {
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let port_arg = port.to_string();
        let args = [
            "--port",
            &port_arg,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ];
        let child = Command::new("redis-server")
            .args(args)
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let mut server = Server { child, port };
        let start = Instant::now();
        loop {
            if server.child.try_wait().ok()?.is_some() {
                return None; // it exited: the port was taken
            }
            match TcpStream::connect(("127.0.0.1", port)) {
                // Another server's, or ours cannot say: try another port.
                Ok(stream) => {
                    return (process_id(&stream)? == server.child.id()).then_some((server, stream));
                }
                Err(_) if start.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }
}

/// The process id the server on `stream` reports (`INFO server`).
fn process_id(stream: &TcpStream) -> Option<u32> {
    let mut writer = stream;
    writer
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let len: usize = line.strip_prefix('$')?.trim_end().parse().ok()?;
    let mut info = vec![0; len + 2];
    reader.read_exact(&mut info).ok()?;
    String::from_utf8_lossy(&info)
        .lines()
        .find_map(|l| l.strip_prefix("process_id:")?.trim().parse().ok())
}
