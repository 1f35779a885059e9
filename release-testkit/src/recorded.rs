//! Recorded upstream responses: `fixtures/responses/<system>/<case>.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::route::Route;

/// One recorded HTTP response, as stored in `fixtures/responses/<system>/<case>.json`:
///
/// ```json
/// { "description": "…", "status": 200,
///   "headers": { "content-type": "application/json" },
///   "body": { "status": "ok" } }
/// ```
///
/// A string `body` is sent verbatim (plain text, an empty body, or deliberately malformed JSON);
/// any other JSON value is sent serialized. A body that is itself a JSON string is therefore
/// written with its quotes escaped: `"\"bad filter\""`. `description` is optional.
///
/// ```
/// use release_testkit::RecordedResponse;
///
/// let recorded = RecordedResponse::from_json(
///     r#"{ "status": 503, "headers": { "content-type": "text/plain" }, "body": "down" }"#,
/// )
/// .unwrap();
/// assert_eq!(recorded.status, 503);
/// assert_eq!(recorded.content_type(), Some("text/plain"));
/// assert_eq!(recorded.body_bytes(), b"down");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// What the case shows and where its shape comes from.
    #[serde(default)]
    pub description: Option<String>,
    /// The HTTP status code (100 to 999).
    pub status: u16,
    /// Response headers, names in lower case by convention.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body: a string is sent verbatim, anything else as serialized JSON.
    #[serde(default = "empty_body")]
    pub body: serde_json::Value,
}

fn empty_body() -> serde_json::Value {
    serde_json::Value::String(String::new())
}

/// Why a recorded response could not be found or read.
///
/// ```
/// let err = release_testkit::fixtures::response("health", "no-such-case").unwrap_err();
/// assert!(err.to_string().contains("no-such-case"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file or directory could not be read.
    #[error("failed to read {}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a recorded response (or, under `fixtures/responses/railway/`, not a
    /// Railway case).
    #[error("failed to parse fixture {}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// The file parses but describes a response that HTTP cannot carry.
    #[error("invalid recorded response {}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A system or case name that is empty or would leave `fixtures/responses/`.
    #[error(
        "invalid fixture name {name:?}: expected lowercase letters, digits, dashes and underscores (and dots inside a case name)"
    )]
    Name {
        /// The name given.
        name: String,
    },
}

impl RecordedResponse {
    /// Parses the text of a recorded response file and checks that its status and headers are
    /// valid HTTP.
    ///
    /// ```
    /// use release_testkit::RecordedResponse;
    ///
    /// assert!(RecordedResponse::from_json(r#"{ "status": 200, "body": {} }"#).is_ok());
    /// assert!(RecordedResponse::from_json(r#"{ "status": 42, "body": {} }"#).is_err());
    /// assert!(RecordedResponse::from_json(r#"{ "status": 200, "bdy": {} }"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        Self::from_json_at(text, PathBuf::from("<memory>"))
    }

    pub(crate) fn from_json_at(text: &str, path: PathBuf) -> Result<Self, FixtureError> {
        let recorded: Self = match serde_json::from_str(text) {
            Ok(recorded) => recorded,
            Err(source) => return Err(FixtureError::Parse { path, source }),
        };
        if let Err(reason) = recorded.validate() {
            return Err(FixtureError::Invalid { path, reason });
        }
        Ok(recorded)
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !valid_status(self.status) {
            return Err(format!("status {} is not between 100 and 999", self.status));
        }
        for (name, value) in &self.headers {
            if !valid_header_name(name) {
                return Err(format!("header name {name:?} is not a valid HTTP token"));
            }
            if !valid_header_value(value) {
                return Err(format!("header {name:?} has a value HTTP cannot carry"));
            }
        }
        Ok(())
    }

    /// A response with `status`, `content-type: application/json` and `body` serialized (a
    /// string `body` is sent verbatim, as in a file). Handy for scripting a
    /// [`RailwayMock`](crate::RailwayMock).
    ///
    /// ```
    /// use release_testkit::RecordedResponse;
    ///
    /// let recorded = RecordedResponse::json(200, serde_json::json!({ "data": { "ok": true } }));
    /// assert_eq!(recorded.content_type(), Some("application/json"));
    /// assert_eq!(recorded.body_bytes(), br#"{"data":{"ok":true}}"#);
    /// ```
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            description: None,
            status,
            headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
            body,
        }
    }

    /// The same response with one more header (replacing one of the same name, compared
    /// case-insensitively). The name is stored in lower case.
    ///
    /// ```
    /// use release_testkit::RecordedResponse;
    ///
    /// let recorded = RecordedResponse::json(429, serde_json::json!({ "data": null }))
    ///     .with_header("Retry-After", "1");
    /// assert_eq!(recorded.headers["retry-after"], "1");
    /// ```
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .retain(|existing, _| !existing.eq_ignore_ascii_case(name));
        self.headers
            .insert(name.to_ascii_lowercase(), value.to_owned());
        self
    }

    /// The `content-type` header, looked up case-insensitively.
    ///
    /// ```
    /// let recorded = release_testkit::fixtures::response("health", "health-json-pass").unwrap();
    /// assert_eq!(recorded.content_type(), Some("application/health+json"));
    /// ```
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
    }

    /// The bytes sent on the wire: a string body verbatim, any other value as compact JSON.
    ///
    /// ```
    /// let recorded = release_testkit::fixtures::response("health", "malformed-json").unwrap();
    /// assert_eq!(recorded.body_bytes(), br#"{"status": "pa"#);
    /// let recorded = release_testkit::fixtures::response("health", "simple-ok").unwrap();
    /// assert_eq!(recorded.body_bytes(), br#"{"status":"ok"}"#);
    /// ```
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            serde_json::Value::String(text) => text.clone().into_bytes(),
            // Serializing a `Value` cannot fail: its map keys are strings.
            other => serde_json::to_vec(other).unwrap_or_default(),
        }
    }

    /// The response as a wiremock [`ResponseTemplate`]. Headers that HTTP cannot carry (possible
    /// only when the public fields were changed by hand) are left out, and an invalid status
    /// becomes 500, so this never panics.
    ///
    /// ```
    /// use wiremock::{Mock, MockServer, matchers::path};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = MockServer::start().await;
    /// let recorded = release_testkit::fixtures::response("health", "spring-down").unwrap();
    /// Mock::given(path("/actuator/health"))
    ///     .respond_with(recorded.template())
    ///     .mount(&server)
    ///     .await;
    ///
    /// let response = reqwest::get(format!("{}/actuator/health", server.uri())).await.unwrap();
    /// assert_eq!(response.status(), 503);
    /// # });
    /// ```
    pub fn template(&self) -> ResponseTemplate {
        let status = if valid_status(self.status) {
            self.status
        } else {
            500
        };
        let mut template = ResponseTemplate::new(status);
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("content-type")
                || !valid_header_name(name)
                || !valid_header_value(value)
            {
                continue;
            }
            template = template.insert_header(name.as_str(), value.as_str());
        }
        match self
            .content_type()
            .filter(|value| valid_header_value(value))
        {
            Some(content_type) => template.set_body_raw(self.body_bytes(), content_type),
            None => template.set_body_bytes(self.body_bytes()),
        }
    }

    /// Mounts this response on `server` for requests with `method` (for example `"GET"`, compared
    /// case-insensitively) on `path` (a query string in `path` is ignored), at wiremock's default
    /// priority. Never panics, whatever the arguments.
    ///
    /// ```
    /// use wiremock::MockServer;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = MockServer::start().await;
    /// let recorded = release_testkit::fixtures::response("ai-runtime", "health-ok").unwrap();
    /// recorded.mount_on(&server, "GET", "/api/admin/ai-runtime/health").await;
    ///
    /// let url = format!("{}/api/admin/ai-runtime/health", server.uri());
    /// let body = reqwest::get(url).await.unwrap().text().await.unwrap();
    /// let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    /// assert_eq!(body["summary"]["rolesBlocked"], 0);
    /// # });
    /// ```
    pub async fn mount_on(&self, server: &MockServer, method: &str, path: &str) {
        Mock::given(Route::new(Some(method), path))
            .respond_with(self.template())
            .mount(server)
            .await;
    }
}

impl From<&RecordedResponse> for ResponseTemplate {
    /// Same as [`RecordedResponse::template`].
    fn from(recorded: &RecordedResponse) -> Self {
        recorded.template()
    }
}

impl From<RecordedResponse> for ResponseTemplate {
    /// Same as [`RecordedResponse::template`].
    fn from(recorded: RecordedResponse) -> Self {
        recorded.template()
    }
}

pub(crate) fn valid_status(status: u16) -> bool {
    (100..=999).contains(&status)
}

/// RFC 9110 `token`.
fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Visible ASCII, spaces, tabs and non-ASCII bytes; no control characters.
fn valid_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
}
