//! The CloudWatch dashboard in template.yaml: its body is valid dashboard JSON, and every
//! metric it shows is one the function emits (namespace, name, dimensions and dimension
//! values as the code names them: `METRICS` (src/metrics.rs), `Outcome::ALL`, every error's code,
//! `FrontDoor::ALL`) or one Lambda publishes for a function. It shows every outcome, every
//! error code, every front door and every alarm the template defines, so a new one cannot be left off the picture.

use std::collections::BTreeSet;

use get_session::FrontDoor;
use get_session::Outcome;
use get_session::{AuthorizerShape, Metric, FUNCTION_DIMENSION, METRICS};
use serde_json::Value;
use testkit::every_error;

const TEMPLATE: &str = include_str!("../template.yaml");

/// Metrics Lambda publishes per function (namespace AWS/Lambda, dimension FunctionName):
/// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
const LAMBDA_METRICS: &[&str] = &[
    "Invocations",
    "Errors",
    "Throttles",
    "Duration",
    "ConcurrentExecutions",
];

/// The `DashboardBody: !Sub |` block, with each `${Name}` replaced by `<Name>`.
fn body() -> Value {
    let mut lines = TEMPLATE
        .lines()
        .skip_while(|l| !l.contains("DashboardBody: !Sub |"));
    let head = lines
        .next()
        .expect("template.yaml has a DashboardBody: !Sub | block");
    let indent = head.len() - head.trim_start().len();
    let block: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .collect();
    let mut text = block.join("\n");
    while let Some(start) = text.find("${") {
        let end = start + text[start..].find('}').expect("a closed ${...}");
        let name = text[start + 2..end].to_owned();
        text.replace_range(start..=end, &format!("<{name}>"));
    }
    serde_json::from_str(&text).expect("the dashboard body is JSON")
}

fn metric_lines(body: &Value) -> Vec<(Vec<String>, Option<Value>)> {
    let mut out = Vec::new();
    for w in body["widgets"].as_array().unwrap() {
        if w["type"] != "metric" {
            continue;
        }
        for m in w["properties"]["metrics"].as_array().expect("metrics") {
            let items = m.as_array().expect("a metric is an array");
            let (last, strings) = match items.last() {
                Some(Value::Object(_)) => (items.last().cloned(), &items[..items.len() - 1]),
                _ => (None, &items[..]),
            };
            let strings: Vec<String> = strings
                .iter()
                .map(|s| s.as_str().expect("namespace, name, dimensions").to_owned())
                .collect();
            assert!(
                strings.len() >= 2 && strings.len().is_multiple_of(2),
                "namespace, name, then name/value pairs: {m}"
            );
            out.push((strings, last));
        }
    }
    out
}

#[test]
fn the_body_is_a_valid_dashboard() {
    let body = body();
    let widgets = body["widgets"].as_array().expect("widgets");
    assert!(!widgets.is_empty());
    let mut cells = BTreeSet::new();
    for w in widgets {
        let kind = w["type"].as_str().expect("type");
        assert!(["metric", "log", "alarm", "text"].contains(&kind), "{kind}");
        let n = |k: &str| w[k].as_u64().unwrap_or_else(|| panic!("{k} in {w}"));
        let (x, y, width, height) = (n("x"), n("y"), n("width"), n("height"));
        assert!(
            (1..=24).contains(&width) && x + width <= 24,
            "within 24 columns: {w}"
        );
        assert!((1..=1000).contains(&height), "{w}");
        for cell in (x..x + width).flat_map(|cx| (y..y + height).map(move |cy| (cx, cy))) {
            assert!(cells.insert(cell), "widgets overlap at {cell:?}");
        }
        let p = &w["properties"];
        assert!(p["title"].is_string(), "every widget has a title: {w}");
        match kind {
            "metric" | "log" => assert_eq!(p["region"], "<AWS::Region>", "{w}"),
            _ => {}
        }
        if kind == "metric" {
            let view = p["view"].as_str().unwrap_or("timeSeries");
            assert!(["timeSeries", "singleValue", "bar", "pie", "gauge", "table"].contains(&view));
        }
        if kind == "log" {
            assert!(p["query"].is_string(), "{w}");
        }
        if kind == "alarm" {
            assert!(p["alarms"].is_array(), "{w}");
        }
    }
    for (_, options) in metric_lines(&body) {
        if let Some(stat) = options.and_then(|o| o.get("stat").cloned()) {
            let stat = stat.as_str().unwrap().to_owned();
            let percentile = stat
                .strip_prefix('p')
                .is_some_and(|n| n.parse::<f64>().is_ok());
            assert!(
                percentile
                    || ["Sum", "Average", "Minimum", "Maximum", "SampleCount"]
                        .contains(&stat.as_str()),
                "{stat}"
            );
        }
    }
}

#[test]
fn every_metric_is_one_the_function_or_lambda_emits() {
    let outcomes: BTreeSet<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let codes: BTreeSet<&str> = every_error().iter().map(|e| e.code()).collect();
    // The request line's front doors: the HTTP functions' and the authorizer's shapes.
    let doors: BTreeSet<&str> = FrontDoor::ALL
        .iter()
        .map(|d| d.as_str())
        .chain(AuthorizerShape::ALL.iter().map(|s| s.as_str()))
        .collect();
    let mut shown_doors = BTreeSet::new();
    let functions = [
        "<GetSessionFunction>",
        "<DeleteSessionFunction>",
        "<SessionAuthorizerFunction>",
    ]
    .map(str::to_owned);
    let mut shown_per_function = BTreeSet::<(String, String, String)>::new();
    let (mut shown_outcomes, mut shown_codes, mut shown) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::<(String, String)>::new(),
    );
    for (strings, options) in metric_lines(&body()) {
        let (namespace, name) = (&strings[0], &strings[1]);
        let dims: Vec<(&String, &String)> = strings[2..]
            .chunks(2)
            .map(|pair| (&pair[0], &pair[1]))
            .collect();
        let stat = options
            .and_then(|o| o.get("stat").and_then(|s| s.as_str().map(str::to_owned)))
            .unwrap_or_default();
        shown.insert((name.clone(), stat.clone()));
        if let Some((_, function)) = dims.first() {
            shown_per_function.insert(((*function).clone(), name.clone(), stat));
        }
        match namespace.as_str() {
            // The function's: SESSION_METRICS_NAMESPACE is the MetricsNamespace parameter.
            "<MetricsNamespace>" => {
                let metric: &Metric = METRICS
                    .iter()
                    .find(|m| m.name == name)
                    .unwrap_or_else(|| panic!("the function emits no metric {name}"));
                let got: Vec<&str> = dims.iter().map(|(n, _)| n.as_str()).collect();
                let published = |want: &[&str]| got == want;
                assert!(
                    metric
                        .dimensions
                        .iter()
                        .any(|d| published(&[FUNCTION_DIMENSION, d]))
                        || (metric.dimensions.is_empty() && published(&[FUNCTION_DIMENSION])),
                    "{name} by {got:?}: not a dimension set the function publishes"
                );
                assert!(
                    functions.contains(dims[0].1),
                    "{name}: a function's own name"
                );
                if let Some((dimension, value)) = dims.get(1) {
                    if *dimension == "outcome" {
                        assert!(outcomes.contains(value.as_str()), "no outcome {value}");
                        shown_outcomes.insert(value.as_str().to_owned());
                    } else if *dimension == "error_code" {
                        assert!(codes.contains(value.as_str()), "no error code {value}");
                        shown_codes.insert(value.as_str().to_owned());
                    } else if *dimension == "front_door" {
                        assert!(doors.contains(value.as_str()), "no front door {value}");
                        shown_doors.insert(value.as_str().to_owned());
                    } else {
                        panic!("{name}: no values known for dimension {dimension}");
                    }
                }
            }
            "AWS/Lambda" => {
                assert!(
                    LAMBDA_METRICS.contains(&name.as_str()),
                    "Lambda has no {name}"
                );
                assert_eq!(dims.len(), 1, "{name} per function");
                assert_eq!(dims[0].0, "FunctionName", "{name} per function");
                assert!(
                    functions.contains(dims[0].1),
                    "{name}: a function's own name"
                );
            }
            other => panic!("a metric from namespace {other}"),
        }
    }
    let all = |set: &BTreeSet<&str>| set.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(shown_outcomes, all(&outcomes), "every outcome is shown");
    assert_eq!(shown_codes, all(&codes), "every error code is shown");
    assert_eq!(shown_doors, all(&doors), "every front door is shown");
    for (name, stat) in [
        ("store_ms", "p50"),
        ("store_ms", "p99"),
        ("Duration", "p50"),
        ("Duration", "p99"),
        ("Duration", "Maximum"),
        ("ConcurrentExecutions", "Maximum"),
        ("Throttles", "Sum"),
    ] {
        for function in &functions {
            let row = (function.clone(), name.to_owned(), stat.to_owned());
            assert!(shown_per_function.contains(&row), "{row:?} is shown");
        }
    }
    assert!(
        TEMPLATE.contains("SESSION_METRICS_NAMESPACE: !Ref MetricsNamespace"),
        "the function's namespace is the parameter the dashboard reads"
    );
}

#[test]
fn cold_starts_come_from_the_function_s_report_records() {
    let body = body();
    let log = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["type"] == "log")
        .expect("a log widget");
    let query = log["properties"]["query"].as_str().unwrap();
    assert!(
        query.starts_with("SOURCE '<GetSessionLogGroup>'"),
        "{query}"
    );
    assert!(query.contains(r#"type = "platform.report""#), "{query}");
    assert!(query.contains("record.metrics.initDurationMs"), "{query}");
    assert!(TEMPLATE.contains("LogGroup: !Ref GetSessionLogGroup"));
    assert!(TEMPLATE.contains("LogFormat: JSON"), "the records are JSON");
    assert!(
        TEMPLATE.contains("SystemLogLevel: !If [DashboardOn, INFO, WARN]"),
        "Lambda logs platform.report at INFO: kept while the dashboard is on"
    );
}

#[test]
fn every_alarm_is_on_the_dashboard() {
    let mut alarms = BTreeSet::new();
    let lines: Vec<&str> = TEMPLATE.lines().collect();
    for pair in lines.windows(2) {
        if pair[1].trim() == "Type: AWS::CloudWatch::Alarm" {
            alarms.insert(format!("<{}.Arn>", pair[0].trim().trim_end_matches(':')));
        }
    }
    assert!(alarms.len() >= 6, "{alarms:?}");
    let body = body();
    let shown: BTreeSet<String> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "alarm")
        .flat_map(|w| w["properties"]["alarms"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shown, alarms);
}
