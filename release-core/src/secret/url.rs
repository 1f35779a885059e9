//! Credentials inside URLs.

use super::SecretNames;

/// The credentials inside a value that is a URL (`scheme://…`), whatever its variable is
/// called: the password of its user information, and the value of each query parameter whose
/// name is a secret name (`?access_token=…`, `?password=…`), each as written, percent-decoded
/// and as the URL standard writes it. The user name is not a credential
/// (`postgres://postgres@db`), and a value that is not a URL has none.
///
/// ```
/// use release_core::{SecretNames, url_credentials};
/// let names = SecretNames::default();
/// assert_eq!(url_credentials("postgres://app:s%40cret@db/app", &names), ["s%40cret", "s@cret"]);
/// assert_eq!(url_credentials("https://h/x?api_key=k1&page=2", &names), ["k1"]);
/// assert!(url_credentials("postgres://app@db/app", &names).is_empty());
/// ```
pub fn url_credentials(value: &str, names: &SecretNames) -> Vec<String> {
    let value = value.trim();
    let Some((scheme, rest)) = value.split_once("://") else {
        return Vec::new();
    };
    let is_scheme = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    if scheme.is_empty() || !scheme.chars().all(is_scheme) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut keep = |raw: &str| {
        if raw.is_empty() {
            return;
        }
        for form in [Some(raw.to_owned()), percent_decoded(raw)]
            .into_iter()
            .flatten()
        {
            if !found.contains(&form) {
                found.push(form);
            }
        }
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // The last `@` ends the user information, so a password holding an unescaped `@` is
    // still found whole.
    if let Some((userinfo, _host)) = authority.rsplit_once('@')
        && let Some((_user, password)) = userinfo.split_once(':')
    {
        keep(password);
        if let Ok(url) = url::Url::parse(value)
            && let Some(normalised) = url.password()
        {
            keep(normalised);
        }
    }
    let before_fragment = rest.split('#').next().unwrap_or_default();
    if let Some((_, query)) = before_fragment.split_once('?') {
        for pair in query.split('&') {
            let Some((name, secret)) = pair.split_once('=') else {
                continue;
            };
            let name = percent_decoded(name).unwrap_or_else(|| name.to_owned());
            if names.is_secret(&name) {
                keep(secret);
            }
        }
    }
    found
}

/// The text with its `%XX` escapes decoded, when that changes it and gives UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(hi), Some(lo)) if hex(hi).is_some() && hex(lo).is_some() => {
                let value = hex(hi).unwrap_or(0) * 16 + hex(lo).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'%'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .ok()
        .filter(|decoded| decoded != text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_passwords_and_secret_query_parameters() {
        let names = SecretNames::default();
        let cases: [(&str, &[&str]); 16] = [
            (
                "postgres://user:hunter2hunter2@host/db",
                &["hunter2hunter2"],
            ),
            ("  redis://:pw@redis:6379  ", &["pw"]),
            ("amqp://guest:guest@localhost", &["guest"]),
            // As written, and as the URL standard writes it.
            ("postgres://u:p@ss@host/db", &["p@ss", "p%40ss"]),
            ("postgres://u:p%40ss%2Fx@host/db", &["p%40ss%2Fx", "p@ss/x"]),
            // The URL standard escapes a space in a password as `%20`.
            ("https://u:a b@host/", &["a b", "a%20b"]),
            ("postgres://u:a:b@host/db", &["a:b", "a%3Ab"]),
            ("https://host/cb?access_token=abc123&page=2", &["abc123"]),
            ("https://host/?API_KEY=k%2B1#frag", &["k%2B1", "k+1"]),
            (
                "postgresql://host/db?user=app&password=s3cr3t&sslmode=require",
                &["s3cr3t"],
            ),
            ("https://host/?token=", &[]),
            ("postgres://postgres@localhost/db", &[]),
            ("https://host/users/@me", &[]),
            ("https://host:8080/path?page=2#password=x", &[]),
            ("not a url: user:pw@host", &[]),
            ("user:pw@host", &[]),
        ];
        for (value, expected) in cases {
            assert_eq!(url_credentials(value, &names), expected, "{value}");
        }
    }

    #[test]
    fn opted_out_query_parameter_names_are_not_credentials() {
        let names = SecretNames::new([], [crate::secret::NamePattern::new("page_token").unwrap()]);
        assert!(url_credentials("https://h/?page_token=2", &names).is_empty());
        assert_eq!(
            url_credentials("https://h/?page_token=2", &SecretNames::default()),
            ["2"]
        );
    }

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decoded("a%4"), None);
        assert_eq!(percent_decoded("100%"), None);
        assert_eq!(percent_decoded("%zz%41"), Some("%zzA".to_owned()));
        assert_eq!(percent_decoded("%ff"), None);
        assert_eq!(percent_decoded("%C3%A9"), Some("é".to_owned()));
    }
}
