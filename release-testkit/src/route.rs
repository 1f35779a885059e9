//! A request matcher on method and path that never panics, unlike `wiremock::matchers::path`
//! (which panics on a `?`).

use wiremock::{Match, Request};

/// Matches requests on an exact path, and on a method when one is given.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    method: Option<String>,
    path: String,
}

impl Route {
    /// `path` loses its query string, if any, and gains a leading `/` if it has none.
    pub(crate) fn new(method: Option<&str>, path: &str) -> Self {
        Self {
            method: method.map(str::to_ascii_uppercase),
            path: normalize_path(path),
        }
    }

    /// Any method on `path`.
    pub(crate) fn path(path: &str) -> Self {
        Self::new(None, path)
    }
}

impl Match for Route {
    fn matches(&self, request: &Request) -> bool {
        let method_matches = self
            .method
            .as_deref()
            .is_none_or(|method| request.method.as_str().eq_ignore_ascii_case(method));
        method_matches && request.url.path() == self.path
    }
}

/// `/api/x?y=1` → `/api/x`; `health` → `/health`.
pub(crate) fn normalize_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}
