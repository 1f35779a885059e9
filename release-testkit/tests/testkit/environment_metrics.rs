//! A mock environment's Prometheus and Alertmanager serve what its scenario says.

use release_testkit::{Metric, MockEnvironment, Scenario};
use serde_json::Value;

async fn get_json(url: reqwest::Url) -> Value {
    serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn every_scenario_serves_its_metric_values_and_alerts() {
    let queries = [
        (
            "sum(rate(errors[5m])) / sum(rate(requests[5m]))",
            Metric::ErrorRatio,
        ),
        ("histogram_quantile(0.95, latency)", Metric::LatencySeconds),
    ];
    for scenario in Scenario::ALL {
        let mut builder = MockEnvironment::builder().scenario(scenario);
        for (query, metric) in queries {
            builder = builder.metric(query, metric);
        }
        let env = builder.start().await.unwrap();

        for (query, metric) in queries {
            let url = reqwest::Url::parse_with_params(
                &format!("{}/api/v1/query", env.prometheus().url()),
                [("query", query)],
            )
            .unwrap();
            let body = get_json(url).await;
            let value: f64 = body["data"]["result"][0]["value"][1]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(value, scenario.metric(metric), "{scenario} {metric:?}");
        }

        let url =
            reqwest::Url::parse(&format!("{}/api/v2/alerts", env.alertmanager().url())).unwrap();
        let served: Vec<Value> = serde_json::from_value(get_json(url).await).unwrap();
        let mut served: Vec<&str> = served
            .iter()
            .map(|alert| alert["labels"]["alertname"].as_str().unwrap())
            .collect();
        let expected = scenario.alerts();
        let mut expected: Vec<&str> = expected
            .iter()
            .map(|alert| alert["labels"]["alertname"].as_str().unwrap())
            .collect();
        served.sort_unstable();
        expected.sort_unstable();
        assert_eq!(served, expected, "{scenario}");
    }
}
