//! Logging set-up, once at init.
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
//!   (`SESSION_METRICS_NAMESPACE`), the request line's JSON goes through
//!   [`crate::metrics`]' formatter, which adds CloudWatch Embedded Metric Format metadata.
//!   Text logs never carry metrics.

use std::str::FromStr;

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

use crate::config::Metrics;
use crate::metrics::EmfFormat;

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
                    .event_format(EmfFormat::new(json, metrics))
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
