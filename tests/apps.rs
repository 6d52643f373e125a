//! The seed's two web applications (`examples/page_cache.rs`, `examples/sessions.rs`)
//! driven over real HTTP on 127.0.0.1, with a manual clock to show expiry: the page
//! cached five seconds, and the session renewed to 20 minutes on every access.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use embedis::{Clock, ManualClock, Store};

#[path = "../examples/page_cache.rs"]
mod page_cache;
#[path = "../examples/sessions.rs"]
mod sessions;

/// An application served on a free loopback port until dropped.
struct Served {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn serve(app: axum::Router) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_io()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await });
    Served {
        addr,
        _runtime: runtime,
    }
}

/// A response: its headers (lower-case names) and body.
struct Answer {
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// The session ID the response sets in the `uc` cookie.
    fn cookie(&self) -> String {
        self.headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .and_then(|(_, v)| v.strip_prefix("uc="))
            .and_then(|v| v.split(';').next())
            .expect("a uc cookie")
            .to_string()
    }
}

fn request(addr: SocketAddr, method: &str, cookie: Option<&str>, form: Option<&str>) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!("{method} / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(id) = cookie {
        let _ = write!(req, "Cookie: uc={id}\r\n");
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    let _ = write!(req, "Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a full response");
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default();
    assert!(status.contains(" 200 "), "{status}");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    Answer {
        headers,
        body: body.to_string(),
    }
}

fn clock_at(secs: u64) -> ManualClock {
    let clock = ManualClock::new();
    clock.set(UNIX_EPOCH + Duration::from_secs(secs));
    clock
}

#[test]
fn the_page_shows_a_time_cached_five_seconds() {
    // 2026-12-07 10:00:00 UTC.
    let clock = clock_at(1_796_637_600);
    let store = Store::builder().clock(clock.clone()).build();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let served = serve(page_cache::app(store, shared));
    let get = || request(served.addr, "GET", None, None).body;
    assert_eq!(get(), "2026-12-07 10:00:00");
    clock.advance(Duration::from_secs(3));
    assert_eq!(get(), "2026-12-07 10:00:00", "still cached");
    clock.advance(Duration::from_millis(2_001));
    assert_eq!(get(), "2026-12-07 10:00:05", "expired after five seconds");
    assert_eq!(
        page_cache::format_utc(951_782_400_000),
        "2000-02-29 00:00:00"
    );
}

#[test]
fn a_session_lives_twenty_minutes_after_its_last_access() {
    let clock = clock_at(1_796_637_600);
    let store = Store::builder().clock(clock.clone()).build();
    let served = serve(sessions::app(store.clone()));
    let first = request(served.addr, "GET", None, None);
    let id = first.cookie();
    let set = request(
        served.addr,
        "POST",
        Some(&id),
        Some("action=set&key=name&val=ann+%3Cb%3E"),
    );
    assert_eq!(set.cookie(), id, "the same session");
    assert!(
        set.body.contains("<li>name=ann &lt;b&gt;</li>"),
        "{}",
        set.body
    );
    // Every access renews the session: 19 minutes, twice, and it is still there.
    for _ in 0..2 {
        clock.advance(Duration::from_secs(19 * 60));
        let again = request(served.addr, "GET", Some(&id), None);
        assert_eq!(again.cookie(), id);
        assert!(again.body.contains("<li>name=ann"));
        assert_eq!(
            store.keys().ttl(&id).unwrap(),
            embedis::Ttl::Expires(sessions::EXPIRES)
        );
    }
    let deleted = request(served.addr, "POST", Some(&id), Some("action=del&key=name"));
    assert!(!deleted.body.contains("<li>name="), "{}", deleted.body);
    // Idle past 20 minutes: gone, and the visitor gets a new, empty session.
    clock.advance(Duration::from_secs(20 * 60 + 1));
    let later = request(served.addr, "GET", Some(&id), None);
    assert_ne!(later.cookie(), id);
    assert_eq!(store.keys().exists([id.as_str()]).unwrap(), 0);
}
