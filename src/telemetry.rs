//! Logging and metrics set-up, once at init.
//!
//! Behaves like `lambda_runtime::tracing::init_default_subscriber()`: it honours Lambda's
//! advanced logging controls (`AWS_LAMBDA_LOG_FORMAT=JSON`, `AWS_LAMBDA_LOG_LEVEL`, else
//! `RUST_LOG`, default INFO). Three additions:
//! - **No secrets at any level.** `lambda_runtime` logs every raw event at TRACE (session
//!   tokens included), and the AWS SDK logs whole requests and responses at TRACE (the
//!   token's hash, the username). Their TRACE is dropped whatever the level; their other
//!   levels follow the configured one (an earlier version capped them with `target=debug`
//!   directives, which at the default INFO *raised* them to DEBUG: SDK lines on every
//!   request).
//! - **Flat JSON.** Each JSON line is one flat object (`op_id`, `outcome`, ... at the top
//!   level), which CloudWatch Logs Insights and Embedded Metric Format both read.
//! - **Metrics from the request line.** With JSON logs and a metrics namespace
//!   (`SESSION_METRICS_NAMESPACE`), the one line per request also carries CloudWatch
//!   Embedded Metric Format metadata, so CloudWatch derives per-request metrics from it
//!   with no API call: `requests` (Count, by `function_name` and `outcome`), `errors`
//!   (Count, by `function_name` and `error_code`), `store_ms` (Milliseconds, by
//!   `function_name`), `touch_failures` (Count, by `function_name`: a read's record of
//!   activity that failed). Text logs never carry metrics.

use std::fmt;
use std::str::FromStr;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use tracing_subscriber::fmt::format::{Format, Json, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;

use crate::config::Metrics;
use crate::request_log::{self, field};

/// Targets (and every target below them) that print secrets at TRACE: raw events
/// (`lambda_runtime`), requests and responses with their bodies (the SDK's orchestrator,
/// request signing, HTTP client). Their TRACE is dropped whatever the level; the level
/// itself is left alone (at the default INFO they log nothing below INFO).
const CAPPED_TARGETS: [&str; 5] = [
    "lambda_runtime::layers::api_response",
    "aws_smithy_runtime",
    "aws_sigv4",
    "aws_smithy_http_client",
    "hyper",
];

/// Whether a span or event may be logged at all: not TRACE from a [`CAPPED_TARGETS`] target.
fn loggable_at_all(meta: &Metadata<'_>) -> bool {
    *meta.level() != Level::TRACE || !CAPPED_TARGETS.iter().any(|t| meta.target().starts_with(t))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The filter: the level from the Lambda/`RUST_LOG` environment. (Secret-bearing targets
/// are capped by [`subscriber`] on top of it.)
pub fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    let builder = EnvFilter::builder();
    match lambda_level {
        // Lambda's log level is the operator's explicit choice: it wins over RUST_LOG.
        Some(level) => builder
            .with_default_directive(
                LevelFilter::from_str(level)
                    .unwrap_or(LevelFilter::INFO)
                    .into(),
            )
            .parse_lossy(""),
        None => builder
            .with_default_directive(LevelFilter::INFO.into())
            .parse_lossy(rust_log.unwrap_or("")),
    }
}

/// The subscriber, writing to `writer` (stdout on Lambda: CloudWatch Logs).
pub fn subscriber<W>(
    filter: EnvFilter,
    format: LogFormat,
    metrics: Option<Metrics>,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // Drops the capped targets' TRACE on top of the level filter; keeps its level hint, so
    // that disabled levels stay free.
    let hint = filter.max_level_hint().unwrap_or(LevelFilter::TRACE);
    let cap = filter_fn(move |meta| hint >= *meta.level() && loggable_at_all(meta))
        .with_max_level_hint(hint);
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => Box::new(builder.finish().with(cap)),
        LogFormat::Json => {
            let json = tracing_subscriber::fmt::format()
                .json()
                .with_target(false)
                .without_time()
                .flatten_event(true)
                .with_span_list(false);
            Box::new(
                builder
                    .json()
                    .event_format(EmfFormat {
                        inner: json,
                        emf: metrics.map(Emf::new),
                    })
                    .finish()
                    .with(cap),
            )
        }
    }
}

/// Installs the global subscriber from the Lambda environment.
pub fn init(metrics: Option<Metrics>) {
    let lambda_level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    let rust_log = std::env::var("RUST_LOG").ok();
    let format = match std::env::var("AWS_LAMBDA_LOG_FORMAT") {
        Ok(f) if f.eq_ignore_ascii_case("json") => LogFormat::Json,
        _ => LogFormat::Text,
    };
    let filter = filter(lambda_level.as_deref(), rust_log.as_deref());
    let subscriber = subscriber(filter, format, metrics, std::io::stdout);
    if let Err(e) = tracing::subscriber::set_global_default(subscriber) {
        eprintln!("logging already initialised: {e}");
    }
}

/// The JSON line format, plus EMF metadata on request lines when metrics are on.
struct EmfFormat {
    inner: Format<Json, ()>,
    emf: Option<Emf>,
}

impl<S, N> FormatEvent<S, N> for EmfFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(emf) = self
            .emf
            .as_ref()
            .filter(|_| event.metadata().target() == request_log::TARGET)
        else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(512);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let mut present = MetricFields::default();
        event.record(&mut present);
        match line.trim_end().strip_suffix('}') {
            Some(object) => {
                writer.write_str(object)?;
                emf.write_members(&mut writer, present)?;
                writer.write_str("}\n")
            }
            None => writer.write_str(&line),
        }
    }
}

/// Which of the metric-bearing fields a request line holds.
#[derive(Debug, Default, Clone, Copy)]
struct MetricFields {
    front_door: bool,
    error_code: bool,
    store_ms: bool,
    touch_cause: bool,
}

impl Visit for MetricFields {
    fn record_debug(&mut self, f: &Field, _: &dyn fmt::Debug) {
        match f.name() {
            field::FRONT_DOOR => self.front_door = true,
            field::ERROR_CODE => self.error_code = true,
            field::STORE_MS => self.store_ms = true,
            field::TOUCH_CAUSE => self.touch_cause = true,
            _ => {}
        }
    }
}

/// A metric the request line carries (Embedded Metric Format): its name, the dimensions it
/// is published by (each one a dimension set beside [`FUNCTION_DIMENSION`], its values the
/// line's field of that name; none: by function alone) and its unit. The template's alarms
/// and dashboard name exactly these (tests/dashboard.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub dimensions: &'static [&'static str],
    pub unit: &'static str,
}

/// The dimension every metric has: the function's name.
pub const FUNCTION_DIMENSION: &str = "function_name";

/// One per request, by how it ended and, separately, by the front door it came through
/// (a line without a front door, an event of no known shape, counts by outcome only).
pub const REQUESTS: Metric = Metric {
    name: "requests",
    dimensions: &[field::OUTCOME, field::FRONT_DOOR],
    unit: "Count",
};
/// One per ResponseError, by its code.
pub const ERRORS: Metric = Metric {
    name: "errors",
    dimensions: &[field::ERROR_CODE],
    unit: "Count",
};
/// The session store's time, where the request reached it.
pub const STORE_MS: Metric = Metric {
    name: field::STORE_MS,
    dimensions: &[],
    unit: "Milliseconds",
};
/// One per failed recording of activity (touch on read).
pub const TOUCH_FAILURES: Metric = Metric {
    name: "touch_failures",
    dimensions: &[],
    unit: "Count",
};
/// Every metric the function emits.
pub const METRICS: [Metric; 4] = [REQUESTS, ERRORS, STORE_MS, TOUCH_FAILURES];

/// The EMF members added to a request line, built once at init.
#[derive(Debug)]
struct Emf {
    requests: String,
    /// `requests` without its front door dimension, for a line that has none.
    requests_by_outcome: String,
    errors: String,
    store_ms: String,
    touch_failures: String,
    function_name: String,
}

impl Emf {
    fn new(m: Metrics) -> Self {
        let directive = |metric: Metric, dimensions: &[&str]| {
            let sets: Vec<Vec<&str>> = if dimensions.is_empty() {
                vec![vec![FUNCTION_DIMENSION]]
            } else {
                dimensions
                    .iter()
                    .map(|d| vec![FUNCTION_DIMENSION, d])
                    .collect()
            };
            serde_json::json!({
                "Namespace": m.namespace,
                "Dimensions": sets,
                "Metrics": [{"Name": metric.name, "Unit": metric.unit}],
            })
            .to_string()
        };
        let by_outcome: Vec<&str> = REQUESTS
            .dimensions
            .iter()
            .copied()
            .filter(|d| *d != field::FRONT_DOOR)
            .collect();
        Emf {
            requests: directive(REQUESTS, REQUESTS.dimensions),
            requests_by_outcome: directive(REQUESTS, &by_outcome),
            errors: directive(ERRORS, ERRORS.dimensions),
            store_ms: directive(STORE_MS, STORE_MS.dimensions),
            touch_failures: directive(TOUCH_FAILURES, TOUCH_FAILURES.dimensions),
            function_name: serde_json::Value::from(m.function_name).to_string(),
        }
    }

    /// `,"_aws":{...},"function_name":...,"requests":1[,"errors":1]`: one metric directive
    /// per metric present on the line (`store_ms` is the line's own field).
    fn write_members(&self, w: &mut Writer<'_>, present: MetricFields) -> fmt::Result {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        write!(w, r#","_aws":{{"Timestamp":{millis},"CloudWatchMetrics":["#)?;
        w.write_str(if present.front_door {
            &self.requests
        } else {
            &self.requests_by_outcome
        })?;
        if present.error_code {
            w.write_char(',')?;
            w.write_str(&self.errors)?;
        }
        if present.store_ms {
            w.write_char(',')?;
            w.write_str(&self.store_ms)?;
        }
        if present.touch_cause {
            w.write_char(',')?;
            w.write_str(&self.touch_failures)?;
        }
        write!(
            w,
            r#"]}},"{FUNCTION_DIMENSION}":{},"{}":1"#,
            self.function_name, REQUESTS.name
        )?;
        if present.error_code {
            write!(w, r#","{}":1"#, ERRORS.name)?;
        }
        if present.touch_cause {
            write!(w, r#","{}":1"#, TOUCH_FAILURES.name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which levels of a capped target and of an ordinary one get logged.
    fn logged(lambda_level: Option<&str>, rust_log: Option<&str>) -> Vec<String> {
        use std::sync::{Arc, Mutex};
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let writer = move || Capture(Arc::clone(&sink));
        let subscriber = subscriber(
            filter(lambda_level, rust_log),
            LogFormat::Text,
            None,
            writer,
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "sdk-trace");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "sdk-debug");
            tracing::info!(target: "aws_smithy_runtime::client::orchestrator", "sdk-info");
            tracing::trace!(target: "hyper_util::client", "hyper-trace");
            tracing::trace!(target: "lambda_runtime::layers::api_response", "event-trace");
            tracing::trace!(target: "get_session::handler", "own-trace");
            tracing::debug!(target: "get_session::handler", "own-debug");
        });
        let text = String::from_utf8(lines.lock().unwrap().concat()).unwrap();
        [
            "sdk-trace",
            "sdk-debug",
            "sdk-info",
            "hyper-trace",
            "event-trace",
            "own-trace",
            "own-debug",
        ]
        .into_iter()
        .filter(|m| text.contains(m))
        .map(str::to_owned)
        .collect()
    }

    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn secret_bearing_targets_never_log_trace_and_are_not_raised() {
        // At TRACE: everything but the capped targets' TRACE.
        assert_eq!(
            logged(Some("TRACE"), None),
            ["sdk-debug", "sdk-info", "own-trace", "own-debug"]
        );
        assert_eq!(
            logged(None, Some("trace")),
            ["sdk-debug", "sdk-info", "own-trace", "own-debug"]
        );
        // An explicit TRACE for a capped target is capped too.
        assert_eq!(
            logged(None, Some("info,aws_smithy_runtime=trace")),
            ["sdk-debug", "sdk-info"]
        );
        // At the default INFO the capped targets log INFO only: a cap never raises a level.
        assert_eq!(logged(None, None), ["sdk-info"]);
        assert_eq!(logged(Some("INFO"), None), ["sdk-info"]);
        assert_eq!(
            logged(None, Some("info,get_session=trace")),
            ["sdk-info", "own-trace", "own-debug"]
        );
    }

    #[test]
    fn level_precedence() {
        assert!(filter(Some("warn"), Some("debug"))
            .to_string()
            .contains("warn"));
        assert!(filter(None, Some("debug")).to_string().contains("debug"));
        assert!(filter(None, None).to_string().contains("info"));
    }
}
