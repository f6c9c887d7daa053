//! Logging set-up, once at init.
//!
//! Behaves like `lambda_http::tracing::init_default_subscriber()`: it honours Lambda's
//! advanced logging controls (`AWS_LAMBDA_LOG_FORMAT=JSON`, `AWS_LAMBDA_LOG_LEVEL`, else
//! `RUST_LOG`, default INFO). One addition: `lambda_runtime` logs every raw event at TRACE
//! (headers, and so session tokens, included). That target is capped at DEBUG whatever the
//! level asked for, so no log level ever writes a token.

use std::str::FromStr;

use tracing_subscriber::filter::{Directive, EnvFilter, LevelFilter};

/// The `lambda_runtime` target that logs raw event payloads at TRACE.
const RAW_EVENT_TARGET_CAP: &str = "lambda_runtime::layers::api_response=debug";

/// The filter: level from the Lambda/`RUST_LOG` environment, the raw-event target capped.
pub fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    let builder = EnvFilter::builder();
    let mut filter = match lambda_level {
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
    };
    if let Ok(cap) = Directive::from_str(RAW_EVENT_TARGET_CAP) {
        filter = filter.add_directive(cap);
    }
    filter
}

/// Installs the global subscriber writing to stdout (CloudWatch Logs on Lambda).
pub fn init() {
    let lambda_level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    let rust_log = std::env::var("RUST_LOG").ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(lambda_level.as_deref(), rust_log.as_deref()));
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = result {
        eprintln!("logging already initialised: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_event_target_is_capped_even_at_trace() {
        let f = filter(Some("TRACE"), None).to_string();
        assert!(
            f.contains("lambda_runtime::layers::api_response=debug"),
            "{f}"
        );
        assert!(f.contains("trace"), "{f}");
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
