//! The seed's second application: a session store in a hash, renewed on every access.
//!
//! As the seed's `RedisToSession`: a visitor's session is a hash under a random ID kept
//! in the `uc` cookie; a request whose cookie names no live session gets a new one;
//! every request renews the session's TTL to 20 minutes; the form sets or deletes a
//! field (`action=set` / `action=del`, `key`, `val`), and the page shows them all. Run
//! it with `cargo run --example sessions` and open <http://127.0.0.1:9999/>.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use embedis::{Error, Store};

/// How long a session lives after its last access (the seed's `ExpiresTime`).
pub(crate) const EXPIRES: Duration = Duration::from_secs(20 * 60);

/// The cookie holding the session ID (the seed's `CookieID`).
const COOKIE_NAME: &str = "uc";

/// The application: `GET /` shows the session, `POST /` changes it.
pub(crate) fn app(store: Store) -> Router {
    Router::new()
        .route("/", get(show).post(change))
        .with_state(store)
}

/// A visitor's session: its ID, opened (or made) and renewed by a request.
struct Session<'s> {
    store: &'s Store,
    id: String,
}

impl<'s> Session<'s> {
    /// The session the request's cookie names, if it is still alive; else a new one.
    /// Either way its TTL is 20 minutes again.
    fn open(store: &'s Store, headers: &HeaderMap) -> Result<Self, Error> {
        let cookie = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| c.trim().strip_prefix("uc="))
            .map(str::to_owned);
        let id = match cookie {
            Some(id) if store.keys().exists([id.as_str()])? == 1 => id,
            _ => {
                let id = format!("{:032x}", rand::random::<u128>());
                // A hash cannot be empty: the session starts with its creation mark, as
                // the seed's starts with a placeholder field.
                store.hashes().hset(&id, [("_new", "1")])?;
                id
            }
        };
        store.keys().expire(&id, EXPIRES)?;
        Ok(Session { store, id })
    }

    fn set(&self, key: &str, val: &str) -> Result<(), Error> {
        self.store.hashes().hset(&self.id, [(key, val)])?;
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), Error> {
        self.store.hashes().hdel(&self.id, [key])?;
        Ok(())
    }

    fn all(&self) -> Result<BTreeMap<String, String>, Error> {
        Ok(self
            .store
            .hashes()
            .hgetall(&self.id)?
            .into_iter()
            .map(|(f, v)| {
                (
                    String::from_utf8_lossy(&f).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect())
    }

    /// The page: the form and the session's fields, with the cookie set.
    fn page(&self) -> Result<Response, Error> {
        let mut body = String::from(concat!(
            "<!DOCTYPE html><html><body>",
            "<form action=\"/\" method=\"post\">",
            "set/del: <input type=\"text\" name=\"action\" value=\"set\"/> ",
            "Key: <input type=\"text\" name=\"key\"/> ",
            "Val: <input type=\"text\" name=\"val\"/> ",
            "<input type=\"submit\" value=\"Set\"/></form><ul>"
        ));
        for (k, v) in self.all()? {
            let _ = write!(body, "<li>{}={}</li>", escape(&k), escape(&v));
        }
        body.push_str("</ul></body></html>");
        let mut response = Html(body).into_response();
        let cookie = format!("{COOKIE_NAME}={}; Path=/; HttpOnly", self.id);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(SET_COOKIE, value);
        }
        Ok(response)
    }
}

/// Text made safe to show in HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn failed(e: &Error) -> Response {
    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

async fn show(State(store): State<Store>, headers: HeaderMap) -> Response {
    Session::open(&store, &headers)
        .and_then(|s| s.page())
        .unwrap_or_else(|e| failed(&e))
}

/// `POST /` with the form's fields `action`, `key` and `val`.
async fn change(
    State(store): State<Store>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let run = || -> Result<Response, Error> {
        let session = Session::open(&store, &headers)?;
        match field("action") {
            "set" => session.set(field("key"), field("val"))?,
            "del" => session.delete(field("key"))?,
            _ => {}
        }
        session.page()
    };
    run().unwrap_or_else(|e| failed(&e))
}

#[allow(dead_code)] // run by `cargo run`; the tests drive `app` themselves
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:9999").await?;
    println!(
        "serving http://{}/ (sessions of 20 minutes)",
        listener.local_addr()?
    );
    axum::serve(listener, app(Store::new())).await
}
