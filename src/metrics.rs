//! The function's CloudWatch metrics: their catalogue, and the formatter that adds them to
//! the request line as Embedded Metric Format (EMF) metadata.
//!
//! Why a module of its own: metrics change for other reasons than logging does (a new
//! metric, a dimension, an alarm), and the template's alarms and dashboard name exactly
//! what is declared here (`tests/dashboard.rs`). With JSON logs and a metrics namespace
//! (`SESSION_METRICS_NAMESPACE`) the one line per request carries the metadata, so
//! CloudWatch derives the metrics from it with no API call: `requests` (Count, by
//! `function_name` with `outcome`, and with `front_door`), `errors` (Count, by
//! `function_name` and `error_code`), `store_ms` (Milliseconds, by `function_name`),
//! `touch_failures` (Count, by `function_name`: a read's record of activity that failed).

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Format, Json, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::Metrics;
use crate::request_log::{self, field};

/// The JSON line format, plus EMF metadata on request lines when metrics are on.
pub(crate) struct EmfFormat {
    inner: Format<Json, ()>,
    emf: Option<Emf>,
}

impl EmfFormat {
    /// `inner`'s lines, with metrics in `metrics`' namespace where it is set.
    pub(crate) fn new(inner: Format<Json, ()>, metrics: Option<Metrics>) -> Self {
        EmfFormat {
            inner,
            emf: metrics.map(Emf::new),
        }
    }
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
