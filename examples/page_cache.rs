//! The seed's first application: a web page showing the time, cached five seconds.
//!
//! The handler reads the cached text; when it has expired, it formats the time anew and
//! caches it with `SET … EX 5`, as the seed's Tornado `MainHandler` does with a Redis
//! server. Run it with `cargo run --example page_cache` and open
//! <http://127.0.0.1:9999/>: the time moves only every five seconds.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use std::time::Duration;

use embedis::{Clock, SetOptions, Store, SystemClock};

/// What the handlers share: the store and the clock it keeps time with.
#[derive(Clone)]
pub(crate) struct Page {
    store: Store,
    clock: Arc<dyn Clock>,
}

/// The application: `GET /` answers the cached time.
pub(crate) fn app(store: Store, clock: Arc<dyn Clock>) -> Router {
    Router::new()
        .route("/", get(current_time))
        .with_state(Page { store, clock })
}

async fn current_time(State(page): State<Page>) -> String {
    let strings = page.store.strings();
    if let Ok(Some(cached)) = strings.get("CurrentTim") {
        return String::from_utf8_lossy(&cached).into_owned();
    }
    let now = format_utc(page.clock.now_ms());
    // Cached for five seconds: later requests within them show the same time.
    let _ = strings.set_with(
        "CurrentTim",
        &now,
        SetOptions::new().ttl(Duration::from_secs(5)),
    );
    now
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time in milliseconds.
pub(crate) fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[allow(dead_code)] // run by `cargo run`; the tests drive `app` themselves
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Store::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:9999").await?;
    println!(
        "serving http://{}/ (the time, cached 5 s)",
        listener.local_addr()?
    );
    axum::serve(listener, app(store, clock)).await
}
