//! Which values a run treats as secrets: declared ones, names that look secret, credentials
//! inside URLs, and `[release.secrets]`, with its mistakes reported at load with positions.

use release_core::{Plan, Vars};

const GATES: &str = r#"
[environments.staging]

[tokens]
admin = "RELEASE_ADMIN_TOKEN"

[[gates]]
id = "release-env"
kind = "env"
phases = ["preflight-env"]
vars = [{ name = "SHORT_PIN", secret = { min_length = 4 } }, { name = "APP_NAME" }]
"#;

fn plan(secrets: &str) -> Plan {
    Plan::parse("plan.toml", &format!("{secrets}\n{GATES}"))
        .unwrap_or_else(|e| panic!("plan refused: {e}"))
}

fn errors(secrets: &str) -> Vec<(usize, usize, String)> {
    match Plan::parse("plan.toml", &format!("{secrets}\n{GATES}")) {
        Ok(_) => panic!("expected the plan to be refused"),
        Err(err) => err
            .diagnostics()
            .iter()
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect(),
    }
}

/// What the plan's redactor makes of `NAME=VALUE` printed for each variable.
fn shown(plan: &Plan, vars: &[(&str, &str)]) -> Vec<String> {
    let redactor = plan.redactor(
        &Vars::from_pairs(vars.iter().copied()),
        &release_core::plan::UrlOverrides::default(),
    );
    vars.iter()
        .map(|(name, value)| redactor.redact(&format!("{name}={value}")).into_owned())
        .collect()
}

#[test]
fn without_a_setting_declared_secret_named_and_url_credentials_are_hidden() {
    let plan = plan("");
    let vars = [
        ("RELEASE_ADMIN_TOKEN", "adm_0123456789abcdef"),
        ("SHORT_PIN", "k9Zq"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY"),
        ("GITHUB_TOKEN", "ghp_0123456789abcdef"),
        ("STRIPE_SECRET_KEY", "sk_live_0123456789"),
        ("DB_PASSWORD", "hunt3r"),
        ("db_password_lowercase", "lowercase-value"),
        (
            "REPLICA_URL",
            "postgres://user:hunter2hunter2@db.internal/app",
        ),
        ("FEATURE_PASSWORD_LOGIN", "true"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("AI_MAX_TOKENS", "4096"),
        ("APP_NAME", "acme-web"),
    ];
    assert_eq!(
        shown(&plan, &vars),
        [
            "RELEASE_ADMIN_TOKEN=[redacted]",
            "SHORT_PIN=[redacted]",
            "AWS_SECRET_ACCESS_KEY=[redacted]",
            "GITHUB_TOKEN=[redacted]",
            "STRIPE_SECRET_KEY=[redacted]",
            "DB_PASSWORD=[redacted]",
            "db_password_lowercase=[redacted]",
            "REPLICA_URL=postgres://user:[redacted]@db.internal/app",
            // A flag under a secret-looking name is no secret.
            "FEATURE_PASSWORD_LOGIN=true",
            "TOKENIZERS_PARALLELISM=false",
            "AI_MAX_TOKENS=4096",
            "APP_NAME=acme-web",
        ]
    );
}

#[test]
fn a_plan_adds_patterns_and_opts_names_out() {
    let plan = plan(
        r#"
[release.secrets]
patterns = ["*_SALT", "internal_signing_*"]
not_secret = ["NEXT_PUBLIC_*", "GPG_KEY"]
"#,
    );
    let vars = [
        ("SIGNING_SALT", "pepper"),
        ("INTERNAL_SIGNING_SEED", "seed-0123456789"),
        ("NEXT_PUBLIC_STRIPE_KEY", "pk_live_0123456789"),
        ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
        ("STRIPE_SECRET_KEY", "sk_live_0123456789"),
        // Opted out by name, yet its URL's password is still a credential.
        ("NEXT_PUBLIC_DB_URL", "postgres://u:hunter2hunter2@db/app"),
    ];
    assert_eq!(
        shown(&plan, &vars),
        [
            "SIGNING_SALT=[redacted]",
            "INTERNAL_SIGNING_SEED=[redacted]",
            "NEXT_PUBLIC_STRIPE_KEY=pk_live_0123456789",
            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "STRIPE_SECRET_KEY=[redacted]",
            "NEXT_PUBLIC_DB_URL=postgres://u:[redacted]@db/app",
        ]
    );
}

#[test]
fn opting_every_name_out_keeps_declared_secrets_and_url_passwords() {
    let plan = plan("[release]\nsecrets = { not_secret = [\"*\"] }\n");
    let vars = [
        ("RELEASE_ADMIN_TOKEN", "adm_0123456789abcdef"),
        ("SHORT_PIN", "k9Zq"),
        ("GITHUB_TOKEN", "ghp_0123456789abcdef"),
        ("DATABASE_URL", "postgres://u:hunter2hunter2@db/app"),
    ];
    assert_eq!(
        shown(&plan, &vars),
        [
            "RELEASE_ADMIN_TOKEN=[redacted]",
            "SHORT_PIN=[redacted]",
            "GITHUB_TOKEN=ghp_0123456789abcdef",
            "DATABASE_URL=postgres://u:[redacted]@db/app",
        ]
    );
}

#[test]
fn the_setting_is_read_back_as_written() {
    let plan = plan("[release.secrets]\npatterns = [\"*_Salt\"]\n");
    let patterns: Vec<&str> = plan
        .release
        .secrets
        .patterns
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(patterns, ["*_Salt"]);
    assert!(plan.secret_names().is_secret("signing_salt"));
    assert!(plan.release.secrets.not_secret.is_empty());
}

#[test]
fn bad_patterns_are_refused_at_load_where_they_are_written() {
    let found = errors(
        "[release.secrets]\npatterns = [\"OK_*\", \"DB PASSWORD\"]\nnot_secret = [\"A=B\"]\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let (line, column, message) = &found[0];
    // Within one table only the first mistake is reported; `not_secret` comes first here.
    assert_eq!((*line, *column), (3, 15), "{message}");
    assert!(
        message.contains("`A=B` is not a name pattern: `=` is not allowed"),
        "{message}"
    );

    let found = errors("[release.secrets]\npatterns = [\"OK_*\", \"DB PASSWORD\"]\n");
    assert_eq!(found[0].0, 2);
    assert_eq!(found[0].1, 21);
    assert!(
        found[0].2.contains("a space is not allowed"),
        "{}",
        found[0].2
    );

    for (secrets, expected) in [
        (
            "[release]\nsecrets = { patterns = [\"\"] }\n",
            (2, 25, "must not be empty"),
        ),
        (
            "[release]\nsecrets = { patterns = [3] }\n",
            (2, 25, "expected a variable name"),
        ),
        (
            "[release]\nsecrets = { patterns = \"*_KEY\" }\n",
            (2, 24, "expected an array"),
        ),
        (
            "[release]\nsecrets = { nope = [] }\n",
            (2, 13, "unknown field `nope`"),
        ),
        (
            "[release]\nsecrets = [\"*_KEY\"]\n",
            (2, 12, "expected an array"),
        ),
        (
            "[release.secrets]\npatterns = [\"TAB\\tHERE\"]\n",
            (2, 13, "the character U+0009"),
        ),
    ] {
        let found = errors(secrets);
        let (line, column, message) = &found[0];
        assert_eq!(
            (*line, *column),
            (expected.0, expected.1),
            "{secrets}: {message}"
        );
        assert!(message.contains(expected.2), "{secrets}: {message}");
        assert!(!message.contains('\t'), "{message:?}");
    }
}

#[test]
fn not_secret_cannot_name_a_declared_secret() {
    let found = errors(
        "[release.secrets]\nnot_secret = [\"NEXT_PUBLIC_*\", \"release_admin_token\", \"SHORT_PIN\"]\n",
    );
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .all(|(line, column, _)| (*line, *column) == (2, 14))
    );
    assert!(
        messages[0].contains("names `release_admin_token`, which the plan declares secret"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("names `SHORT_PIN`"), "{}", messages[1]);
}

/// A plan that writes credentials itself, in every place a plan can: base URLs of two
/// environments, gate URLs and endpoints, request headers and bodies, a command's `env`, argv
/// and shell line, a service's `env` and start command.
const WRITES_SECRETS: &str = r#"
[tokens]
admin = "RELEASE_ADMIN_TOKEN"

[environments.staging]
api_url = "http://apiuser:PlanUrlPass-1111@127.0.0.1:18082"
prometheus_url = "https://prom:PromUrlPass-2222@prom.example"

[environments.production]
# A base URL may not carry a query (plan checks refuse it); a gate URL may.
web_url = "https://web.example"

[[gates]]
id = "h1"
kind = "http"
phases = ["smoke"]
url = "{api_url}/health?access_token=QueryTok-4444&page=2"
headers = { X-Api-Key = "HeaderKey-5555", Authorization = "Bearer BearerTok-6666", Cookie = "session=CookieSess-7777; theme=dark", X-Request-Id = "plain-request-id" }
json = { username = "smoke-bot", password = "JsonPass-8888" }

[[gates]]
id = "h2"
kind = "http"
phases = ["smoke"]
url = "{web_url}/login?access_token=WebQueryTok-3333"
method = "POST"
body = "username=smoke-bot&password=FormPass-9999"

[[gates]]
id = "ai"
kind = "ai-runtime"
phases = ["launch"]
probe = "health"
url = "https://ai.example/health?key=AiKey-1212"

[[gates]]
id = "up"
kind = "prometheus"
phases = ["launch"]
query = "up"
fail_below = 1
url = "{prometheus_url}/api/v1/query?token=PromTok-1313"

[[gates]]
id = "railway"
kind = "platform"
phases = ["preflight-platform"]
services = ["api"]
endpoint = "https://bot:RailwayEndpointPw-1414@railway.example/graphql/v2"

[[gates]]
id = "qa"
kind = "command"
phases = ["preflight-qa"]
command = ["psql", "postgresql://app:ArgvPass-1515@db/app", "--set=DB_PASSWORD=ArgvAssign-1616"]
env = { DB_PASSWORD = "GateEnvPw-1717", REPLICA = "jdbc:postgresql://db/app?user=app&password=JdbcPass-1818", CI = "true", DEPLOY_TOKEN_PROD = "GateTok-1919" }

[[gates]]
id = "qa-shell"
kind = "command"
phases = ["preflight-qa"]
shell = "PGPASSWORD=ShellPw-2020 psql -h db && deploy --api-token='ShellTok-2121'"

[[gates.services]]
name = "cache"
start = ["redis-server", "--port", "{port}", "--client-secret=MasterAuth-2323"]
ready = { tcp = true }
env = { REDIS_URL = "redis://:SvcUrlPass-2222@{host}:{port}/0", SENTINELS = "redis://:SentA-2424@{host}:26379,redis://:SentB-2525@b:26379" }
"#;

#[test]
fn what_the_plan_and_the_flags_write_is_secret() {
    use release_core::plan::UrlOverrides;
    let plan = Plan::parse("plan.toml", WRITES_SECRETS).unwrap_or_else(|e| panic!("{e}"));
    let flags = UrlOverrides {
        api_url: Some("http://u:FlagPass-2626@127.0.0.1:18082".to_owned()),
        alertmanager_url: Some("https://am.example/?sig=FlagSig-2727".to_owned()),
        ..UrlOverrides::default()
    };
    let redactor = plan.redactor(&Vars::default(), &flags);
    let secrets = [
        "PlanUrlPass-1111",
        "PromUrlPass-2222",
        "WebQueryTok-3333",
        "QueryTok-4444",
        "HeaderKey-5555",
        "BearerTok-6666",
        "CookieSess-7777",
        "JsonPass-8888",
        "FormPass-9999",
        "AiKey-1212",
        "PromTok-1313",
        "RailwayEndpointPw-1414",
        "ArgvPass-1515",
        "ArgvAssign-1616",
        "GateEnvPw-1717",
        "JdbcPass-1818",
        "GateTok-1919",
        "ShellPw-2020",
        "ShellTok-2121",
        "SvcUrlPass-2222",
        "MasterAuth-2323",
        "SentA-2424",
        "SentB-2525",
        "FlagPass-2626",
        "FlagSig-2727",
        // base64("apiuser:PlanUrlPass-1111") and base64("u:FlagPass-2626"): the Basic
        // credentials an HTTP client sends for those URLs.
        "YXBpdXNlcjpQbGFuVXJsUGFzcy0xMTEx",
        "dTpGbGFnUGFzcy0yNjI2",
    ];
    for secret in secrets {
        assert_eq!(
            redactor.redact(&format!("<{secret}>")),
            "<[redacted]>",
            "{secret} is not a secret"
        );
    }
    // What is not a secret stays.
    for plain in [
        "plain-request-id",
        "smoke-bot",
        "dark",
        "true",
        "apiuser",
        "127.0.0.1:18082",
        "application/json",
        "page=2",
    ] {
        assert_eq!(redactor.redact(plain), plain, "{plain} was redacted");
    }
}

#[test]
fn what_the_plan_writes_follows_its_secrets_setting() {
    use release_core::plan::UrlOverrides;
    let plan = Plan::parse(
        "plan.toml",
        &format!(
            "[release.secrets]\nnot_secret = [\"X_API_KEY\", \"DEPLOY_TOKEN_*\"]\n{WRITES_SECRETS}"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let redactor = plan.redactor(&Vars::default(), &UrlOverrides::default());
    assert_eq!(
        redactor.redact("HeaderKey-5555 GateTok-1919"),
        "HeaderKey-5555 GateTok-1919"
    );
    // A URL's password stays secret whatever the names say.
    assert_eq!(redactor.redact("PlanUrlPass-1111"), "[redacted]");
}
