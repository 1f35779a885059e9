//! Credentials inside URLs.

use super::SecretNames;

/// Query and connection-string parameter names that carry a credential although no variable
/// would be called that (`?key=` is Google's API key, `sig=` an Azure SAS signature, `Pwd=` a
/// SQL Server password), matched ignoring case. Names such as `access_token` or `password` are
/// found by the [`SecretNames`] rules, as variables are.
const SECRET_PARAMETERS: [&str; 9] = [
    "key",
    "pwd",
    "pass",
    "sig",
    "signature",
    "auth",
    "jsessionid",
    "sessionid",
    "session_id",
];

/// The credentials inside every URL (`scheme://…`) in a value, whatever its variable is
/// called, read leniently, since a value that is not quite a URL still reaches a client or a
/// command that will use it:
///
/// - every `scheme://` in the value starts a URL (`redis://:a@h1,redis://:b@h2`, or separated
///   by spaces); a scheme may hold `:` (`jdbc:postgresql://`);
/// - the user information ends at the last `@` before the host, so a password may hold an
///   unescaped `@`, `/`, `?` or `#` (`postgres://app:Slash/Pass#1@db`); its password is a
///   credential, as written, percent-decoded and as the URL standard writes it, and so is the
///   HTTP Basic credential made from the user information (`base64(user:password)`, which an
///   HTTP client sends for such a URL);
/// - the value of each parameter whose name is a secret name (`?access_token=…`,
///   `;password=…` in a JDBC URL, `#access_token=…` in a fragment), or one of a few names only
///   parameters use (`key`, `sig`, `pwd`, …).
///
/// The user name is not a credential (`postgres://postgres@db` would redact the word
/// `postgres` everywhere), and a value without `://` has none.
///
/// ```
/// use release_core::{SecretNames, url_credentials};
/// let names = SecretNames::default();
/// assert_eq!(
///     url_credentials("postgres://app:s%40cret@db/app", &names),
///     ["s%40cret", "s@cret", "YXBwOnNAY3JldA==", "YXBwOnMlNDBjcmV0"],
/// );
/// assert_eq!(url_credentials("https://h/x?api_key=k1&page=2", &names), ["k1"]);
/// assert!(url_credentials("postgres://app@db/app", &names).iter().all(|c| c != "app"));
/// ```
pub fn url_credentials(value: &str, names: &SecretNames) -> Vec<String> {
    let mut found = Found::default();
    for body in url_bodies(value) {
        // Read whole, and up to its first space: a password may (wrongly) hold a space, and
        // a value may be a list of URLs separated by spaces.
        let words = body.split(char::is_whitespace).next().unwrap_or_default();
        for reading in [body, words] {
            for (user, password) in user_information(reading) {
                found.password(user, password);
            }
        }
        // Parameters end at a space: their values are escaped, and what follows a space is
        // no longer the URL (a command line, a list).
        for (name, secret) in parameters(words) {
            if is_secret_parameter(name, names) {
                found.raw(secret);
            }
        }
    }
    found.0
}

/// Whether a URL parameter's value is a credential, by the parameter's name.
fn is_secret_parameter(name: &str, names: &SecretNames) -> bool {
    let decoded = percent_decoded(name).unwrap_or_else(|| name.to_owned());
    let plausible = !decoded.is_empty()
        && decoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'));
    if !plausible {
        return false;
    }
    let lower = decoded.to_ascii_lowercase();
    names.is_secret(&decoded)
        || ((SECRET_PARAMETERS.contains(&lower.as_str()) || lower.ends_with("signature"))
            && !names.is_opted_out(&decoded))
}

/// What follows each `scheme://` of the value, up to the next URL's scheme or the end.
fn url_bodies(value: &str) -> Vec<&str> {
    let is_scheme = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | ':');
    // (where its scheme starts, where its body starts)
    let mut urls = Vec::new();
    let mut from = 0;
    while let Some(found) = value[from..].find("://") {
        let at = from + found;
        let scheme_start = value[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_scheme(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let scheme = &value[scheme_start..at];
        if scheme.chars().any(|c| c.is_ascii_alphabetic()) {
            urls.push((scheme_start, at + 3));
        }
        from = at + 3;
    }
    urls.iter()
        .enumerate()
        .map(|(i, (_, body))| {
            let end = urls
                .get(i + 1)
                .map_or(value.len(), |(next, _)| (*next).max(*body));
            &value[*body..end]
        })
        .collect()
}

/// The user names and passwords a URL body may start with. The user information ends at an
/// `@` followed by a host: text up to the next `/`, `?`, `#` (or the end) with no `@` in it.
/// Each such `@` is a candidate, so that `u:p@ss@host` reads as the password `p@ss`, and
/// `u:pw@db/app?mail=me@example.com` still gives `pw`. A user name holds no `/`, `?`, `#`
/// or space, and a "password" that is a port followed by a path (`host:8080/@scope/pkg`) is
/// none.
fn user_information(body: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    for (at, _) in body.match_indices('@') {
        let host = body[at + 1..]
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        if host.contains('@') {
            continue;
        }
        let Some((user, password)) = body[..at].split_once(':') else {
            continue;
        };
        let port_then_path = password
            .find(['/', '?', '#'])
            .is_some_and(|end| end > 0 && password[..end].bytes().all(|b| b.is_ascii_digit()));
        if user.contains(['/', '?', '#']) || user.contains(char::is_whitespace) || port_then_path {
            continue;
        }
        found.push((user, password));
    }
    found
}

/// The `name=value` parameters of a URL body: its pieces between `?`, `&`, `;`, `#` and
/// spaces that hold an `=`.
fn parameters(body: &str) -> impl Iterator<Item = (&str, &str)> {
    body.split(|c: char| matches!(c, '?' | '&' | ';' | '#') || c.is_whitespace())
        .filter_map(|piece| piece.split_once('='))
        .filter(|(name, value)| !name.is_empty() && !value.is_empty())
}

/// Credentials found so far, each once, in the order found.
#[derive(Default)]
struct Found(Vec<String>);

impl Found {
    fn push(&mut self, form: String) {
        if !form.is_empty() && !self.0.contains(&form) {
            self.0.push(form);
        }
    }

    /// A credential as written and percent-decoded.
    fn raw(&mut self, raw: &str) {
        self.push(raw.to_owned());
        if let Some(decoded) = percent_decoded(raw) {
            self.push(decoded);
        }
    }

    /// A password, its forms, and the Basic credential of the user information.
    fn password(&mut self, user: &str, password: &str) {
        if password.is_empty() {
            return;
        }
        self.raw(password);
        if let Some(normalised) = normalised_password(password) {
            self.push(normalised);
        }
        // As an HTTP client sends it (the URL's parts percent-decoded), and as written.
        let decode = |text: &str| percent_decoded(text).unwrap_or_else(|| text.to_owned());
        self.push(base64(&format!("{}:{}", decode(user), decode(password))));
        self.push(base64(&format!("{user}:{password}")));
    }
}

/// The password as the URL standard writes it (`p@ss` as `p%40ss`), as a client that parses
/// the URL would show it.
fn normalised_password(password: &str) -> Option<String> {
    let mut url = url::Url::parse("http://host/").ok()?;
    url.set_password(Some(password)).ok()?;
    url.password().map(str::to_owned)
}

/// Standard base64 with padding, as HTTP Basic credentials are written.
pub(crate) fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The text a standard base64 string encodes, when it is one and the text is UTF-8.
pub(crate) fn base64_decoded(encoded: &str) -> Option<String> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let trimmed = encoded.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    for chunk in trimmed.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    String::from_utf8(out).ok()
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

    /// The credentials found, less the Basic forms (tested on their own).
    fn plain(value: &str) -> Vec<String> {
        let names = SecretNames::default();
        url_credentials(value, &names)
            .into_iter()
            .filter(|c| base64_decoded(c).is_none_or(|d| !d.contains(':') || base64(&d) != *c))
            .collect()
    }

    #[test]
    fn finds_passwords_and_secret_parameters_in_every_form() {
        let cases: &[(&str, &[&str])] = &[
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
            // Unescaped `/`, `#` and `?`: the user information ends at the `@` before the host.
            (
                "postgres://app:Slash/Pass#22222@db/app",
                &["Slash/Pass#22222", "Slash%2FPass%2322222"],
            ),
            (
                "amqp://guest:Amqp?Pass66666@mq",
                &["Amqp?Pass66666", "Amqp%3FPass66666"],
            ),
            (
                "postgres://app:Pa/ss@w0rd@db:5432/app",
                &["Pa/ss@w0rd", "Pa%2Fss%40w0rd"],
            ),
            // An `@` in the query does not hide the password before the host.
            (
                "postgres://app:pw0rd@db/app?mail=me@example.com",
                &[
                    "pw0rd",
                    "pw0rd@db/app?mail=me",
                    "pw0rd%40db%2Fapp%3Fmail%3Dme",
                ],
            ),
            // A scheme with `:`, and parameters after `?`, `&` and `;`.
            (
                "jdbc:postgresql://db/app?user=app&password=JdbcPass-11111",
                &["JdbcPass-11111"],
            ),
            (
                "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=Sql-Pass-77777;encrypt=true",
                &["Sql-Pass-77777"],
            ),
            (
                "jdbc:sqlserver://db:1433;Pwd=Sql-Pwd-88888",
                &["Sql-Pwd-88888"],
            ),
            (
                "mysql://u:My-Pass-12121@db/app?sslmode=require",
                &["My-Pass-12121"],
            ),
            // Several URLs in one value, separated by commas or spaces.
            (
                "redis://:SentA-33333@a:26379,redis://:SentB-44444@b:26379",
                &["SentA-33333", "SentB-44444"],
            ),
            (
                "redis://:SentA-33333@a:26379 redis://:SentB-44444@b:26379",
                &["SentA-33333", "SentB-44444"],
            ),
            (
                "primary=postgres://a:First-55555@h1/db; replica=postgres://b:Second-6666@h2/db",
                &["First-55555", "Second-6666"],
            ),
            // Placeholders where the host goes (a service's `env`).
            (
                "redis://:SvcUrlPass-98765@{host}:{port}/0",
                &["SvcUrlPass-98765"],
            ),
            ("https://host/cb?access_token=abc123&page=2", &["abc123"]),
            ("https://host/?API_KEY=k%2B1#frag", &["k%2B1", "k+1"]),
            (
                "postgresql://host/db?user=app&password=s3cr3t&sslmode=require",
                &["s3cr3t"],
            ),
            // Parameters that only URLs call that: Google's `key`, an Azure SAS `sig`,
            // an S3 presigned URL's signature, a session id.
            (
                "https://maps.example/api?key=AIzaKey-0123&sensor=false",
                &["AIzaKey-0123"],
            ),
            (
                "https://acct.blob.example/c/b?sv=2022&sig=Sas%2BSig%3D",
                &["Sas%2BSig%3D", "Sas+Sig="],
            ),
            (
                "https://s3.example/b/k?X-Amz-Signature=abcdef0123&X-Amz-Security-Token=tok-4567",
                &["abcdef0123", "tok-4567"],
            ),
            ("https://h/app;jsessionid=0123ABCD?x=1", &["0123ABCD"]),
            // An OAuth implicit grant puts the token in the fragment.
            (
                "https://app/cb#access_token=frag-token-9",
                &["frag-token-9"],
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(plain(value), *expected, "{value}");
        }
    }

    #[test]
    fn finds_nothing_where_there_is_no_credential() {
        let names = SecretNames::default();
        for value in [
            "https://host/?token=",
            "postgres://postgres@localhost/db",
            "https://host/users/@me",
            "https://registry.example/@babel/core",
            // A port, then a path with an `@`.
            "http://localhost:4873/@scope/pkg",
            "https://host:8080/path/@me?page=2",
            "https://host:8080/path?page=2&mail=a@b.example",
            "https://h/x?a=b:c@d",
            "not a url: user:pw@host",
            "user:pw@host",
            "://u:pw@host",
            "https://host/path?tokenizer=bpe&max_tokens=30&page_size=2",
            "https://host/path/token=abc",
            "",
        ] {
            assert_eq!(
                url_credentials(value, &names),
                Vec::<String>::new(),
                "{value}"
            );
        }
    }

    #[test]
    fn the_basic_credential_of_the_user_information_is_a_credential() {
        let names = SecretNames::default();
        let found = url_credentials("http://apiuser:PlanUrlPass99@127.0.0.1:18082", &names);
        // base64("apiuser:PlanUrlPass99"), as reqwest sends it.
        assert!(
            found.contains(&"YXBpdXNlcjpQbGFuVXJsUGFzczk5".to_owned()),
            "{found:?}"
        );
        // Percent-decoded first, as the client does.
        let found = url_credentials("https://u%40x:p%2F1@h/", &names);
        assert!(found.contains(&base64("u@x:p/1")), "{found:?}");
        assert!(found.contains(&base64("u%40x:p%2F1")), "{found:?}");
    }

    #[test]
    fn opted_out_parameter_names_are_not_credentials() {
        let names = SecretNames::new(
            [],
            [
                crate::secret::NamePattern::new("page_token").unwrap(),
                crate::secret::NamePattern::new("key").unwrap(),
            ],
        );
        assert!(url_credentials("https://h/?page_token=2&key=k", &names).is_empty());
        assert_eq!(
            url_credentials("https://h/?page_token=2&key=k", &SecretNames::default()),
            ["2", "k"]
        );
    }

    #[test]
    fn base64_round_trips() {
        for (text, encoded) in [
            ("", ""),
            ("a", "YQ=="),
            ("ab", "YWI="),
            ("abc", "YWJj"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(text), encoded);
            assert_eq!(base64_decoded(encoded).as_deref(), Some(text));
        }
        assert_eq!(base64_decoded("not base64!"), None);
        assert_eq!(base64_decoded("Y"), None);
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
