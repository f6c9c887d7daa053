//! One capture of every log line a test binary writes, through the function's own
//! `logging`, and the lines of one request.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use get_session::field;
use get_session::LogFormat;
use get_session::Metrics;

/// Every log line written in this test binary, from one process-wide subscriber built by
/// the function's own `logging` (JSON, metrics on, TRACE): a thread-local subscriber
/// would miss events whose callsite interest another test thread cached first.
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let metrics = Metrics {
            namespace: "GetSession/Test".into(),
            function_name: "get-session-test".into(),
        };
        let subscriber = get_session::log_subscriber(
            get_session::log_filter(Some("TRACE"), None),
            LogFormat::Json,
            Some(metrics),
            move || LogWriter(Arc::clone(&writer)),
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("one subscriber per test binary");
        buffer
    })
}

/// The JSON log lines whose `op_id` is `op_id`.
pub fn log_lines(op_id: &str) -> Vec<Value> {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l[field::OP_ID] == op_id)
        .collect()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
