//! A `redis-server` of our own on a free 127.0.0.1 port, persistence off, stopped on
//! drop: the one way the differential tests and the Redis benchmark start Redis.

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
    pub(crate) fn start() -> Option<(Server, TcpStream)> {
        Command::new("redis-server")
            .arg("--version")
            .output()
            .ok()?;
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
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let server = Server { child, port };
        let start = Instant::now();
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => return Some((server, stream)),
                Err(_) if start.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }
}
