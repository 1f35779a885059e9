//! The `release-mock` binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use release_testkit::{RailwayMock, Scenario};

fn release_mock() -> Command {
    Command::new(env!("CARGO_BIN_EXE_release-mock"))
}

#[test]
fn scenarios_lists_every_scenario_with_its_description() {
    let output = release_mock().arg("scenarios").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Scenario::ALL.len(), "{stdout}");
    for (line, scenario) in lines.iter().zip(Scenario::ALL) {
        assert!(line.starts_with(scenario.name()), "{line}");
        assert!(line.ends_with(scenario.description()), "{line}");
    }
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let output = release_mock()
        .args(["serve", "--scenario", "sunny"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("roles-blocked"), "{stderr}");
}

/// Kills the child (by its own handle) when the test ends, even on a failed assertion.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How many `KEY=value` lines `release-mock serve` prints.
const LINES: usize = 5;

/// Starts `release-mock serve` and reads its `KEY=value` lines.
fn serve(args: &[&str]) -> (Serving, Vec<(String, String)>) {
    serve_lines(args, LINES)
}

/// Starts `release-mock serve` and reads `count` `KEY=value` lines.
fn serve_lines(args: &[&str], count: usize) -> (Serving, Vec<(String, String)>) {
    let mut child = release_mock()
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let serving = Serving(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().take(count) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut vars = Vec::new();
    for _ in 0..count {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("release-mock printed its variables")
            .unwrap();
        let (key, value) = line.split_once('=').expect("KEY=value");
        vars.push((key.to_owned(), value.to_owned()));
    }
    (serving, vars)
}

#[tokio::test]
async fn serve_prints_the_urls_and_token_and_serves_the_scenario() {
    let (_serving, vars) = serve(&["--scenario", "roles-blocked"]);
    let keys: Vec<&str> = vars.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "RELEASE_API_URL",
            "RELEASE_WEB_URL",
            "RELEASE_ADMIN_TOKEN",
            "RAILWAY_API_URL",
            "RAILWAY_TOKEN"
        ]
    );
    let (api, web, token) = (&vars[0].1, &vars[1].1, &vars[2].1);
    assert_eq!(token, release_testkit::DEFAULT_ADMIN_TOKEN);

    let response = reqwest::Client::new()
        .get(format!("{api}/api/admin/ai-runtime/health"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(r#""rolesBlocked":2"#)
    );
    assert_eq!(
        reqwest::get(format!("{web}/login")).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn serve_uses_the_given_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_serving, vars) = serve(&["--scenario", "healthy", "--port", &port.to_string()]);
    assert_eq!(vars[0].1, format!("http://127.0.0.1:{port}"));
    let health = reqwest::get(format!("{}/health", vars[0].1)).await.unwrap();
    assert_eq!(health.status(), 200);
}

/// Posts a `ProjectToken` query with a project token and returns the reply's text.
async fn project_token_query(url: &str, token: &str) -> String {
    let body = serde_json::json!({
        "query": "query ProjectToken { projectToken { id project { id name } environment { id name } } }",
        "variables": {},
        "operationName": "ProjectToken",
    });
    let response = reqwest::Client::new()
        .post(url)
        .header("Project-Access-Token", token)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn serve_prints_the_railway_url_and_a_token_that_the_railway_mock_accepts() {
    let (_serving, vars) = serve(&[]);
    assert_eq!(vars[3].0, "RAILWAY_API_URL");
    assert_eq!(vars[4].0, "RAILWAY_TOKEN");
    let (url, token) = (&vars[3].1, &vars[4].1);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/graphql/v2"), "{url}");
    assert_eq!(token, RailwayMock::PROJECT_TOKEN);
    let reply = project_token_query(url, token).await;
    assert!(reply.contains(RailwayMock::PROJECT_ID), "{reply}");
}

#[tokio::test]
async fn serve_takes_a_railway_case() {
    let (_serving, vars) = serve(&["--railway-case", "unauthorized"]);
    let reply = project_token_query(&vars[3].1, &vars[4].1).await;
    assert!(reply.contains("Not Authorized"), "{reply}");
}

#[test]
fn an_unknown_railway_case_is_a_usage_error() {
    let output = release_mock()
        .args(["serve", "--railway-case", "sunny"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("crashed-running-instances"), "{stderr}");
}

#[tokio::test]
async fn serve_adds_the_platform_and_slack_mocks_on_request() {
    let (_serving, vars) = serve_lines(&["--after-deploy", "api=api-down", "--slack"], LINES + 1);
    assert_eq!(vars[5].0, "SLACK_WEBHOOK_URL");
    assert!(vars[5].1.ends_with(release_testkit::SlackMock::SECRET));
    let posted = reqwest::Client::new()
        .post(&vars[5].1)
        .body(r#"{"text":"hi"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.text().await.unwrap(), "ok");

    // The platform answers deploys; once api's is live the app is down.
    let deploy = serde_json::json!({
        "query": "mutation D($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }",
        "variables": { "e": "env-prod", "s": "svc-api" },
    });
    let reply = reqwest::Client::new()
        .post(&vars[3].1)
        .header("Project-Access-Token", &vars[4].1)
        .body(deploy.to_string())
        .send()
        .await
        .unwrap();
    assert!(reply.text().await.unwrap().contains("dep-api-"));
    let health = format!("{}/health", vars[0].1);
    let mut status = 0;
    for _ in 0..1000 {
        status = reqwest::get(&health).await.unwrap().status().as_u16();
        if status == 502 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, 502);
}
