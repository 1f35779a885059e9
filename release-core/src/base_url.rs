//! Base URLs: the `api_url`, `web_url`, `prometheus_url` and `alertmanager_url` a plan's
//! environment sets, the flags and variables that replace them (`--api-url`,
//! `RELEASE_API_URL`…) and `RAILWAY_API_URL`.
//!
//! Gate URLs are written `{api_url}/health`: the base is pasted in front of the rest as text.
//! A base with a query or a fragment would swallow that rest (`https://api#x` + `/health` asks
//! for `/`, `https://api?a=1` + `/health` sends `?a=1/health`), so the gate would check another
//! endpoint than the one written. A base the HTTP client will not send to (`ftp:`, a relative
//! path) would only fail when the gate runs. Both are refused where the base is given.

use crate::names::{acts_instead_of_showing, escaped};

/// The placeholders a plan's URL settings may use: the base URLs an environment has, each
/// also given by a flag and a variable (`--api-url`, `RELEASE_API_URL`).
pub const URL_PLACEHOLDERS: [&str; 4] =
    ["api_url", "web_url", "prometheus_url", "alertmanager_url"];

pub use crate::errors::{BASE_URL_RULE, BaseUrlError};

/// Checks a base URL against [`BASE_URL_RULE`]. The error says what is wrong as a fragment to
/// follow the URL's name; it never quotes the URL, which may hold credentials
/// (`https://user:password@host`).
///
/// ```
/// use release_core::base_url::check_base_url;
/// assert!(check_base_url("https://api.example.com").is_ok());
/// assert!(check_base_url("http://user:pw@127.0.0.1:8080/prefix/").is_ok());
/// assert_eq!(check_base_url("ftp://x").unwrap_err().to_string(), "is a `ftp` URL; expected `http` or `https`");
/// assert_eq!(check_base_url("http://x#a").unwrap_err().to_string(), "has a fragment (`#…`), which would swallow the path written after it");
/// assert_eq!(check_base_url("not a url").unwrap_err().to_string(), "is not an absolute URL (relative URL without a base)");
/// ```
pub fn check_base_url(url: &str) -> Result<(), BaseUrlError> {
    if url.is_empty() {
        return Err(BaseUrlError::Empty);
    }
    if let Some(c) = url.chars().find(|c| acts_instead_of_showing(*c)) {
        return Err(BaseUrlError::Unprintable(
            escaped(c.encode_utf8(&mut [0; 4])).into_owned(),
        ));
    }
    if url.trim() != url {
        return Err(BaseUrlError::Spaces);
    }
    let parsed = url::Url::parse(url).map_err(|e| BaseUrlError::NotAbsolute(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(BaseUrlError::Scheme(escaped(parsed.scheme()).into_owned()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(BaseUrlError::NoHost);
    }
    if parsed.query().is_some() {
        return Err(BaseUrlError::Query);
    }
    if parsed.fragment().is_some() {
        return Err(BaseUrlError::Fragment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        for fine in [
            "http://127.0.0.1:18090",
            "https://api.example.com/",
            "https://api.example.com/v1",
            "http://[::1]:9090",
            "https://user:secret@host.example",
            "HTTPS://EXAMPLE.COM",
        ] {
            assert_eq!(check_base_url(fine), Ok(()), "{fine}");
        }
        for (bad, why) in [
            ("", "is empty"),
            (" http://x", "has spaces at its ends"),
            ("http://x\t", "holds `\\t`, which does not print as itself"),
            (
                "http://x\u{202e}",
                "holds `\\u{202e}`, which does not print as itself",
            ),
            (
                "not a url",
                "is not an absolute URL (relative URL without a base)",
            ),
            (
                "/relative",
                "is not an absolute URL (relative URL without a base)",
            ),
            ("http://", "is not an absolute URL (empty host)"),
            (
                "ftp://127.0.0.1",
                "is a `ftp` URL; expected `http` or `https`",
            ),
            ("file:///etc", "is a `file` URL; expected `http` or `https`"),
            (
                "mailto:a@b",
                "is a `mailto` URL; expected `http` or `https`",
            ),
            (
                "http://x?a=1",
                "has a query (`?…`), which would swallow the path written after it",
            ),
            (
                "http://x/?",
                "has a query (`?…`), which would swallow the path written after it",
            ),
            (
                "http://x#",
                "has a fragment (`#…`), which would swallow the path written after it",
            ),
        ] {
            assert_eq!(
                check_base_url(bad).map_err(|e| e.to_string()),
                Err(why.to_owned()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_credential_is_never_quoted() {
        for bad in [
            "ftp://user:hunter2hunter2@host",
            "http://user:hunter2hunter2@host?x",
            "http://user:hunter2hunter2@host#x",
            "http://user:hunter2hunter2@:80",
        ] {
            let problem = check_base_url(bad).unwrap_err().to_string();
            assert!(!problem.contains("hunter2"), "{problem}");
        }
    }
}
