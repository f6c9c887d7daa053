//! The function binary refuses to start half-configured: without a valid SESSION_TABLE, or
//! with SSL_CERT_FILE / SSL_CERT_DIR naming no usable certificate, it exits at init with a
//! message naming the variable, before asking the Runtime API for any event.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

fn run_without(table: Option<&str>) -> (Option<i32>, String, usize) {
    run_with(table, &[])
}

fn run_with(table: Option<&str>, extra: &[(&str, &str)]) -> (Option<i32>, String, usize) {
    // A Runtime API that counts connections: the function must never poll it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_get-session"));
    cmd.env_clear()
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            listener.local_addr().unwrap().to_string(),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "get-session")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1");
    if let Some(table) = table {
        cmd.env("SESSION_TABLE", table);
    }
    cmd.envs(extra.iter().copied());
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut polls = 0;
    while child.try_wait().unwrap().is_none() {
        if listener.accept().is_ok() {
            polls += 1;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("the function kept running without a valid SESSION_TABLE");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text, polls)
}

#[test]
fn missing_or_invalid_table_stops_init_naming_the_variable() {
    for table in [None, Some(""), Some("no spaces allowed")] {
        let (code, output, polls) = run_without(table);
        assert_ne!(code, Some(0), "{table:?}: {output}");
        assert!(output.contains("SESSION_TABLE"), "{table:?}: {output}");
        assert_eq!(polls, 0, "{table:?}: polled the Runtime API");
    }
}

#[test]
fn trust_settings_naming_no_certificate_stop_init_naming_the_variables() {
    let not_pem = env!("CARGO_MANIFEST_PATH");
    let empty_dir = std::env::temp_dir().join(format!("no-certs-{}", std::process::id()));
    std::fs::create_dir_all(&empty_dir).unwrap();
    let empty_dir = empty_dir.to_str().unwrap().to_owned();
    for extra in [
        [("SSL_CERT_FILE", "/nonexistent/ca.pem")],
        [("SSL_CERT_FILE", not_pem)],
        [("SSL_CERT_DIR", empty_dir.as_str())],
    ] {
        let (code, output, polls) = run_with(Some("sessions"), &extra);
        assert_ne!(code, Some(0), "{extra:?}: {output}");
        assert!(output.contains("init failed"), "{extra:?}: {output}");
        assert!(
            output.contains("SSL_CERT_FILE / SSL_CERT_DIR"),
            "{extra:?}: {output}"
        );
        assert_eq!(polls, 0, "{extra:?}: polled the Runtime API");
    }
    std::fs::remove_dir_all(&empty_dir).unwrap();
}

#[test]
fn session_policy_settings_that_make_no_sense_stop_init_naming_the_variable() {
    for (extra, variable) in [
        (
            &[("SESSION_IDLE_TIMEOUT", "half an hour")][..],
            "SESSION_IDLE_TIMEOUT",
        ),
        (&[("SESSION_IDLE_TIMEOUT", "0")][..], "SESSION_IDLE_TIMEOUT"),
        (
            &[("SESSION_NOT_BEFORE", "yesterday")][..],
            "SESSION_NOT_BEFORE",
        ),
        (&[("SESSION_NOT_BEFORE", "-1")][..], "SESSION_NOT_BEFORE"),
        // 2100-01-01: a cut-off in the future would end every session until then.
        (
            &[("SESSION_NOT_BEFORE", "4102444800")][..],
            "SESSION_NOT_BEFORE",
        ),
        (&[("SESSION_TOUCH", "true")][..], "SESSION_TOUCH"),
        (
            &[
                ("SESSION_TOUCH", "sometimes"),
                ("SESSION_IDLE_TIMEOUT", "30m"),
            ][..],
            "SESSION_TOUCH",
        ),
    ] {
        let (code, output, polls) = run_with(Some("sessions"), extra);
        assert_ne!(code, Some(0), "{extra:?}: {output}");
        assert!(output.contains("init failed"), "{extra:?}: {output}");
        assert!(output.contains(variable), "{extra:?}: {output}");
        assert_eq!(polls, 0, "{extra:?}: polled the Runtime API");
    }
}
