//! The skeleton the upstream mocks (Prometheus, Alertmanager, Railway) share: a wiremock server
//! on loopback, one state behind a lock that answers every request, the requests recorded in a
//! form each mock chooses, and a `Debug` for those records that hides credentials.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// What makes a mock one upstream rather than another: how it records a request and how it
/// answers it.
pub(crate) trait Upstream: Send + 'static {
    /// One received request, as the mock's users read it back.
    type Recorded: Clone + Send + 'static;

    /// Records `request` (called for every request, before [`answer`](Self::answer)).
    fn record(request: &Request) -> Self::Recorded;

    /// The answer to `request`, recorded as `recorded`.
    fn answer(&mut self, recorded: &Self::Recorded, request: &Request) -> ResponseTemplate;

    /// Completes the record of the request just answered with what only the answer knows
    /// (called after [`answer`](Self::answer)).
    fn answered(&mut self, _recorded: &mut Self::Recorded) {}
}

/// A stateful mock of an upstream on loopback: every request is recorded, then answered by the
/// upstream's state.
pub(crate) struct StatefulMock<U: Upstream> {
    server: MockServer,
    state: Arc<Mutex<State<U>>>,
}

struct State<U: Upstream> {
    upstream: U,
    requests: Vec<U::Recorded>,
}

impl<U: Upstream> StatefulMock<U> {
    /// Starts `upstream` on a random loopback port, for the requests `route` matches.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    pub(crate) async fn start(
        name: &'static str,
        route: impl Match + 'static,
        upstream: U,
    ) -> Self {
        let server = match loopback_server(0).await {
            Ok(server) => server,
            // A test kit cannot run without loopback.
            Err((addr, err)) => panic!("failed to bind {addr} for the {name} mock: {err}"),
        };
        Self::serve(server, route, name, upstream).await
    }

    /// Serves `upstream` on `server` for the requests `route` matches (wiremock answers the
    /// others 404 and records nothing of them here).
    pub(crate) async fn serve(
        server: MockServer,
        route: impl Match + 'static,
        name: &'static str,
        upstream: U,
    ) -> Self {
        let state = Arc::new(Mutex::new(State {
            upstream,
            requests: Vec::new(),
        }));
        Mock::given(route)
            .respond_with(Responder(Arc::clone(&state)))
            .named(name)
            .mount(&server)
            .await;
        Self { server, state }
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub(crate) fn uri(&self) -> String {
        self.server.uri()
    }

    /// Runs `change` on the upstream's state, between two requests.
    pub(crate) fn with<T>(&self, change: impl FnOnce(&mut U) -> T) -> T {
        change(&mut lock(&self.state).upstream)
    }

    /// The requests received so far, oldest first.
    pub(crate) fn requests(&self) -> Vec<U::Recorded> {
        lock(&self.state).requests.clone()
    }

    /// A handle on the upstream's state for another mock's responder (the app asking the
    /// platform which deployment is live).
    pub(crate) fn shared(&self) -> Shared<U> {
        Shared(Arc::clone(&self.state))
    }
}

/// The state of a [`StatefulMock`], shared with another responder.
pub(crate) struct Shared<U: Upstream>(Arc<Mutex<State<U>>>);

impl<U: Upstream> Clone for Shared<U> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<U: Upstream> Shared<U> {
    /// Runs `read` on the upstream's state, between two requests.
    pub(crate) fn with<T>(&self, read: impl FnOnce(&mut U) -> T) -> T {
        read(&mut lock(&self.0).upstream)
    }
}

struct Responder<U: Upstream>(Arc<Mutex<State<U>>>);

impl<U: Upstream> Respond for Responder<U> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut recorded = U::record(request);
        let mut state = lock(&self.0);
        let response = state.upstream.answer(&recorded, request);
        state.upstream.answered(&mut recorded);
        state.requests.push(recorded);
        response
    }
}

/// The state, even if a thread panicked while holding it (every state reachable by a partial
/// update is a valid one).
fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A wiremock server on `127.0.0.1:port` (0: any free port), or the address that could not be
/// bound and why.
pub(crate) async fn loopback_server(port: u16) -> Result<MockServer, (SocketAddr, std::io::Error)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr).map_err(|err| (addr, err))?;
    Ok(MockServer::builder().listener(listener).start().await)
}

/// Every header of `request` in the order received, names in lower case, values that are not
/// UTF-8 converted lossily.
pub(crate) fn headers(request: &Request) -> Vec<(String, String)> {
    request
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The first value of header `name` (compared case-insensitively).
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// The first value of parameter `name` (compared exactly).
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(param, _)| param == name)
        .map(|(_, value)| value.as_str())
}

/// Headers for a `Debug` output: the values of `secret` headers (lower-case names) are
/// replaced by `[redacted]`.
pub(crate) struct RedactedHeaders<'a> {
    pub(crate) headers: &'a [(String, String)],
    pub(crate) secret: &'static [&'static str],
}

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.headers.iter().map(|(name, value)| {
                let value = if self.secret.contains(&name.as_str()) {
                    "[redacted]"
                } else {
                    value.as_str()
                };
                (name.as_str(), value)
            }))
            .finish()
    }
}
