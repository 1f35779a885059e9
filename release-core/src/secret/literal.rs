//! Secrets a plan writes itself: request headers, request bodies.

use super::{MIN_SUBSTRING_LEN, SecretNames};

/// Header names that carry credentials whatever the name rules say.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Whether a request header of this name carries a credential: `Authorization`,
/// `Proxy-Authorization`, `Cookie`, or a name the variable name rules call secret once its
/// `-` are read as `_` (`X-Api-Key` as `X_API_KEY`, `X-Auth-Token`, `Private-Token`).
pub(crate) fn is_secret_header(name: &str, names: &SecretNames) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    names.is_secret(&lower.replace('-', "_"))
        || (CREDENTIAL_HEADERS.contains(&lower.as_str()) && !names.is_opted_out(name.trim()))
}

/// The secrets of a request header a plan writes: none unless its name is secret
/// ([`is_secret_header`]); else its value, the credentials after an auth scheme
/// (`Bearer <token>`), the user information and password inside `Basic <base64>`, and each
/// cookie value of eight characters or more (shorter ones are settings such as `theme=dark`,
/// which would be redacted wherever they stand as a word).
pub(crate) fn header_secrets(name: &str, value: &str, names: &SecretNames) -> Vec<String> {
    if !is_secret_header(name, names) {
        return Vec::new();
    }
    let value = value.trim();
    let mut secrets = vec![value.to_owned()];
    if let Some((scheme, credentials)) = value.split_once(' ')
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        let credentials = credentials.trim();
        secrets.push(credentials.to_owned());
        if scheme.eq_ignore_ascii_case("basic")
            && let Some(decoded) = super::url::base64_decoded(credentials)
        {
            if let Some((_user, password)) = decoded.split_once(':') {
                secrets.push(password.to_owned());
            }
            secrets.push(decoded);
        }
    }
    if name.trim().eq_ignore_ascii_case("cookie") || name.trim().eq_ignore_ascii_case("set-cookie")
    {
        secrets.extend(
            value
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .map(|(_, v)| v.trim())
                .filter(|v| v.chars().count() >= MIN_SUBSTRING_LEN)
                .map(str::to_owned),
        );
    }
    secrets
}

/// The secrets of a JSON request body a plan writes: the string (or number) values of its
/// members whose keys are secret names (`{"password": "…"}`, `{"api_key": "…"}`), at any depth.
pub(crate) fn json_secrets(value: &serde_json::Value, names: &SecretNames) -> Vec<String> {
    let mut secrets = Vec::new();
    match value {
        serde_json::Value::Object(map) => {
            for (key, member) in map {
                if names.is_secret(key) {
                    match member {
                        serde_json::Value::String(s) => secrets.push(s.clone()),
                        serde_json::Value::Number(n) => secrets.push(n.to_string()),
                        _ => {}
                    }
                }
                secrets.extend(json_secrets(member, names));
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                secrets.extend(json_secrets(item, names));
            }
        }
        serde_json::Value::String(text) => secrets.extend(super::url_credentials(text, names)),
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
    secrets
}

/// The secrets of a text request body a plan writes: the values of its `name=value` pairs
/// with secret names, as in a form (`username=bot&password=…`), and the credentials of the
/// URLs in it.
pub(crate) fn text_body_secrets(body: &str, names: &SecretNames) -> Vec<String> {
    let mut secrets: Vec<String> = body
        .split(['&', '\n'])
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, value)| names.is_secret(name.trim()) && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    secrets.extend(super::url_credentials(body, names));
    secrets
}

/// The secrets of a command line a plan writes (a `shell` line, or an argument of
/// `command`): the credentials of the URLs in it, and the values of assignments and flags with
/// secret names (`PGPASSWORD=… psql`, `export API_TOKEN=…`, `--db-password=…`), quotes removed.
pub(crate) fn command_secrets(text: &str, names: &SecretNames) -> Vec<String> {
    let mut secrets = super::url_credentials(text, names);
    let words = text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'));
    for word in words {
        // Each `=` may end a name: `--set=DB_PASSWORD=…` (psql) assigns `DB_PASSWORD`.
        let mut name_start = 0;
        for (at, _) in word.match_indices('=') {
            let name = word[name_start..at]
                .trim_start_matches(['-', '"', '\''])
                .replace('-', "_");
            name_start = at + 1;
            let plausible = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let value = word[at + 1..].trim_matches(['"', '\'']);
            if plausible && !value.is_empty() && !value.starts_with('$') && names.is_secret(&name) {
                secrets.push(value.to_owned());
            }
        }
    }
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_are_told_by_their_names() {
        let names = SecretNames::default();
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Api-Key",
            "x-api-key",
            "Api-Key",
            "apikey",
            "X-Auth-Token",
            "Private-Token",
            "X-Vault-Token",
            "X-Amz-Security-Token",
            "X-Client-Secret",
            "X-Hub-Signature-Secret",
        ] {
            assert!(is_secret_header(name, &names), "{name} should be secret");
        }
        for name in [
            "Accept",
            "Content-Type",
            "X-Request-Id",
            "User-Agent",
            "X-Token-Header",
            "X-Max-Tokens",
            "Keyboard",
        ] {
            assert!(
                !is_secret_header(name, &names),
                "{name} should not be secret"
            );
        }
        let opted = SecretNames::new(
            [],
            [
                crate::secret::NamePattern::new("authorization").unwrap(),
                crate::secret::NamePattern::new("X_API_KEY").unwrap(),
            ],
        );
        assert!(!is_secret_header("Authorization", &opted));
        assert!(!is_secret_header("X-Api-Key", &opted));
    }

    #[test]
    fn header_values_and_their_credentials() {
        let names = SecretNames::default();
        assert_eq!(
            header_secrets("X-Api-Key", " HeaderLiteral777 ", &names),
            ["HeaderLiteral777"]
        );
        assert_eq!(
            header_secrets("Authorization", "Bearer tok-0123456789", &names),
            ["Bearer tok-0123456789", "tok-0123456789"]
        );
        assert_eq!(
            header_secrets(
                "authorization",
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                &names
            ),
            [
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                "open sesame",
                "Aladdin:open sesame"
            ]
        );
        assert_eq!(
            header_secrets("Cookie", "session=abcdef0123456789; theme=dark", &names),
            ["session=abcdef0123456789; theme=dark", "abcdef0123456789"]
        );
        assert!(header_secrets("X-Request-Id", "abc-0123456789", &names).is_empty());
    }

    #[test]
    fn command_lines_give_their_assignments_flags_and_urls() {
        let names = SecretNames::default();
        let found = command_secrets(
            "export API_TOKEN='Tok-0123456789'; PGPASSWORD=Pg-Pass-5555 psql postgres://u:Url-Pass-777@db/app \\\n && deploy --db-password=\"Flag-Pw-999\" --token-ttl=30 --max-tokens=4096 GITHUB_TOKEN=$GITHUB_TOKEN",
            &names,
        );
        for secret in [
            "Tok-0123456789",
            "Pg-Pass-5555",
            "Url-Pass-777",
            "Flag-Pw-999",
        ] {
            assert!(found.contains(&secret.to_owned()), "{secret}: {found:?}");
        }
        for plain in ["30", "4096", "$GITHUB_TOKEN", "u"] {
            assert!(!found.contains(&plain.to_owned()), "{plain}: {found:?}");
        }
    }

    #[test]
    fn bodies_give_their_secret_members() {
        let names = SecretNames::default();
        let body = serde_json::json!({
            "username": "smoke-bot",
            "password": "Body-Pass-0123",
            "nested": [{ "api_key": "Nested-Key-456", "pin": 1234 }, { "client_secret": 98765432 }],
            "callback": "https://u:Cb-Pass-789@hooks.example/x",
        });
        let mut found = json_secrets(&body, &names);
        found.sort();
        let expected = [
            "98765432",
            "Body-Pass-0123",
            "Cb-Pass-789",
            "Nested-Key-456",
        ];
        assert!(
            expected.iter().all(|e| found.contains(&(*e).to_owned())),
            "{found:?}"
        );
        assert!(!found.contains(&"smoke-bot".to_owned()));
        assert_eq!(
            text_body_secrets("username=bot&password=Form-Pass-1&remember=true", &names),
            ["Form-Pass-1"]
        );
    }
}
