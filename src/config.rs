//! The function's settings, read from the environment once at init and validated there.
//!
//! A missing or invalid setting stops the function before it serves anything, with a
//! message naming the variable, instead of answering requests half-configured. The AWS
//! settings (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`, ...) are not here: the
//! standard AWS environment is read by `aws-config`.

use std::fmt;

use crate::cors::AllowedOrigins;
use crate::methods::Methods;
use crate::session::{unix_now, KeyScheme, Policy, MAX_CLOCK_AHEAD};
use crate::token::CookieName;

/// Validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `SESSION_TABLE`: the DynamoDB table holding sessions (required).
    pub table: String,
    /// `SESSION_COOKIE`: the cookie carrying the token (default `session`).
    pub cookie_name: CookieName,
    /// `SESSION_TOKEN_HASH`: `sha256` (default) or `none`.
    pub key_scheme: KeyScheme,
    /// `SESSION_CONSISTENT_READ`: `true` (default) or `false`.
    pub consistent_read: bool,
    /// `SESSION_WARM_UP`: `false` (default) or `true`: open the store's connection at init
    /// (one bounded `GetItem` of a key no session can have), so that the first request
    /// finds it ready. Off by default: where the request waits for init (an on-demand cold
    /// start) it makes the cold answer slower by one round trip (BENCHMARKS.md); on where
    /// init runs ahead of requests (provisioned concurrency).
    pub warm_up: bool,
    /// `SESSION_METRICS_NAMESPACE`: CloudWatch metrics from the JSON request line, in this
    /// namespace (unset: no metrics); the function's name (`AWS_LAMBDA_FUNCTION_NAME`) is
    /// their dimension.
    pub metrics: Option<Metrics>,
    /// `SESSION_IDLE_TIMEOUT` (seconds, or a duration such as `30m`; unset: off) and
    /// `SESSION_NOT_BEFORE` (Unix seconds; unset: off): README, "Session policy".
    pub policy: Policy,
    /// `SESSION_TOUCH`: `false` (default) or `true`: a read of a live session whose
    /// `last_seen_at` is missing or older than the touch interval (a minute, or a quarter of
    /// the idle timeout where shorter: `session::touch_interval`) sets it to now (one
    /// conditional `UpdateItem`). Needs the idle timeout.
    pub touch: bool,
    /// `SESSION_METHODS`: the methods of `/session` this deployment serves, comma-separated
    /// (`GET, DELETE`); a `405`'s `Allow` lists them, and the function's own method always.
    /// Unset: the function's own method alone.
    pub methods: Methods,
    /// `SESSION_AUTHORIZER_SIMPLE_RESPONSES`: `true` (default) or `false`: how
    /// `session-authorizer` answers an HTTP API payload 2.0 event: a simple response
    /// (`{"isAuthorized"}`, the API's `EnableSimpleResponses: true`) or an IAM policy. Set it
    /// as the API's authorizer is set: the event does not say.
    pub authorizer_simple_responses: bool,
    /// `SESSION_ALLOWED_ORIGINS`: exact origins (`https://app.example.com`), comma-separated,
    /// whose pages may read the answers with credentials (README "Browser clients"); unset:
    /// no CORS. `*` or anything that is not an origin stops init.
    pub allowed_origins: AllowedOrigins,
}

/// Where the metrics go: a CloudWatch namespace and the function's name (the one
/// dimension every metric has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    pub namespace: String,
    pub function_name: String,
}

/// A setting that is missing or has a value the function does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid configuration: {} {}",
            self.variable, self.problem
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        // Read in this order, so that the first problem named is the same as ever.
        let table = env.table()?;
        let cookie_name = env.cookie_name()?;
        let key_scheme = env.key_scheme()?;
        let consistent_read = env.flag("SESSION_CONSISTENT_READ", true)?;
        let warm_up = env.flag("SESSION_WARM_UP", false)?;
        let metrics = env.metrics()?;
        let policy = Policy {
            idle_timeout: env.idle_timeout()?,
            not_before: env.not_before()?,
        };
        let touch = env.flag("SESSION_TOUCH", false)?;
        if touch && policy.idle_timeout.is_none() {
            return Err(ConfigError {
                variable: "SESSION_TOUCH",
                problem: "is true but SESSION_IDLE_TIMEOUT is not set: without an idle timeout, recording activity would write for nothing (set both, or neither)".into(),
            });
        }
        let methods = env.methods()?;
        let authorizer_simple_responses = env.flag("SESSION_AUTHORIZER_SIMPLE_RESPONSES", true)?;
        let allowed_origins = match env.get("SESSION_ALLOWED_ORIGINS") {
            None => AllowedOrigins::default(),
            Some(list) => AllowedOrigins::parse(&list).map_err(|problem| ConfigError {
                variable: "SESSION_ALLOWED_ORIGINS",
                problem,
            })?,
        };
        Ok(Config {
            table,
            cookie_name,
            key_scheme,
            consistent_read,
            warm_up,
            metrics,
            policy,
            touch,
            methods,
            authorizer_simple_responses,
            allowed_origins,
        })
    }
}

/// The settings' source, one reader per setting: a value is trimmed, and an empty one is
/// unset.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn table(&self) -> Result<String, ConfigError> {
        let table = self.get("SESSION_TABLE").ok_or_else(|| ConfigError {
            variable: "SESSION_TABLE",
            problem: "is required: set it to the name of the DynamoDB session table".into(),
        })?;
        if !valid_table_name(&table) {
            return Err(ConfigError {
                variable: "SESSION_TABLE",
                problem: "must be 3-255 characters of A-Z a-z 0-9 _ - . (a DynamoDB table name)"
                    .into(),
            });
        }
        Ok(table)
    }

    fn cookie_name(&self) -> Result<CookieName, ConfigError> {
        match self.get("SESSION_COOKIE") {
            None => Ok(CookieName::default()),
            Some(name) => CookieName::parse(&name).ok_or_else(|| ConfigError {
                variable: "SESSION_COOKIE",
                problem: "must be a valid cookie name (RFC 6265 token characters)".into(),
            }),
        }
    }

    fn key_scheme(&self) -> Result<KeyScheme, ConfigError> {
        match self
            .get("SESSION_TOKEN_HASH")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("sha256") => Ok(KeyScheme::Sha256),
            Some("none") => Ok(KeyScheme::Raw),
            Some(_) => Err(ConfigError {
                variable: "SESSION_TOKEN_HASH",
                problem: "must be `sha256` or `none`".into(),
            }),
        }
    }

    /// `true` or `false` (any case), `default` when unset.
    fn flag(&self, variable: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self
            .get(variable)
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(ConfigError {
                variable,
                problem: "must be `true` or `false`".into(),
            }),
        }
    }

    fn metrics(&self) -> Result<Option<Metrics>, ConfigError> {
        match self.get("SESSION_METRICS_NAMESPACE") {
            None => Ok(None),
            Some(namespace) if valid_namespace(&namespace) => Ok(Some(Metrics {
                namespace,
                function_name: self
                    .get("AWS_LAMBDA_FUNCTION_NAME")
                    .unwrap_or_else(|| "get-session".to_owned()),
            })),
            Some(_) => Err(ConfigError {
                variable: "SESSION_METRICS_NAMESPACE",
                problem: "must be 1-255 characters of A-Z a-z 0-9 . - _ / # : and spaces, not starting with AWS/ (a CloudWatch namespace)".into(),
            }),
        }
    }

    fn idle_timeout(&self) -> Result<Option<u32>, ConfigError> {
        self.get("SESSION_IDLE_TIMEOUT")
            .map(|v| {
                parse_duration_secs(&v)
                    .and_then(|secs| u32::try_from(secs).ok())
                    .ok_or_else(|| ConfigError {
                        variable: "SESSION_IDLE_TIMEOUT",
                        problem: "must be a number of seconds (such as 1800) or a duration with a unit s, m, h or d (such as 30m), greater than 0".into(),
                    })
            })
            .transpose()
    }

    fn methods(&self) -> Result<Methods, ConfigError> {
        match self.get("SESSION_METHODS") {
            None => Ok(Methods::default()),
            Some(list) => Methods::parse(&list).ok_or_else(|| ConfigError {
                variable: "SESSION_METHODS",
                problem: "must list the methods of /session this deployment serves, comma-separated, from GET and DELETE (such as `GET, DELETE`)".into(),
            }),
        }
    }

    /// A time in whole Unix seconds, at most [`MAX_CLOCK_AHEAD`] ahead of the clock: a
    /// cut-off in the future would end every session, new logins included, until then.
    fn not_before(&self) -> Result<Option<i64>, ConfigError> {
        let Some(v) = self.get("SESSION_NOT_BEFORE") else {
            return Ok(None);
        };
        let error = |problem: &str| ConfigError {
            variable: "SESSION_NOT_BEFORE",
            problem: problem.into(),
        };
        let t = v
            .parse::<i64>()
            .ok()
            .filter(|t| (0..=MAX_EPOCH).contains(t))
            .ok_or_else(|| error("must be a time in whole Unix seconds (such as 1767225600), from 0 to 253402300799"))?;
        if t.saturating_sub(unix_now()) > MAX_CLOCK_AHEAD {
            return Err(error("is more than 5 minutes in the future: it would end every session, new logins included, until then; set it to the time from which sessions stay valid (now, or earlier)"));
        }
        Ok(Some(t))
    }
}

/// 9999-12-31T23:59:59Z: the last second a timestamp setting may name.
const MAX_EPOCH: i64 = 253_402_300_799;

/// `1800` (seconds), or a number with a unit: `90s`, `30m`, `8h`, `7d` -> seconds (> 0).
pub fn parse_duration_secs(v: &str) -> Option<i64> {
    let v = v.trim();
    let (num, scale) = match v.as_bytes().last()? {
        b's' => (&v[..v.len() - 1], 1),
        b'm' => (&v[..v.len() - 1], 60),
        b'h' => (&v[..v.len() - 1], 3600),
        b'd' => (&v[..v.len() - 1], 86400),
        b'0'..=b'9' => (v, 1),
        _ => return None,
    };
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    n.checked_mul(scale)
}

/// DynamoDB's rule for table names; an ARN is accepted too (tables shared across accounts).
fn valid_table_name(name: &str) -> bool {
    name.starts_with("arn:")
        || ((3..=255).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
}

/// CloudWatch's rule for custom namespaces.
fn valid_namespace(ns: &str) -> bool {
    (1..=255).contains(&ns.len())
        && !ns.starts_with("AWS/")
        && ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" .-_/#:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults() {
        let c = config(&[("SESSION_TABLE", "sessions")]).unwrap();
        assert_eq!(c.table, "sessions");
        assert_eq!(c.cookie_name.as_str(), "session");
        assert_eq!(c.key_scheme, KeyScheme::Sha256);
        assert!(c.consistent_read);
        assert_eq!(c.metrics, None);
    }

    #[test]
    fn metrics_namespace_turns_metrics_on_for_the_function() {
        let c = config(&[
            ("SESSION_TABLE", "sessions"),
            ("SESSION_METRICS_NAMESPACE", "DR/Sessions"),
            ("AWS_LAMBDA_FUNCTION_NAME", "prod-get-session"),
        ])
        .unwrap();
        let m = c.metrics.unwrap();
        assert_eq!(
            (m.namespace.as_str(), m.function_name.as_str()),
            ("DR/Sessions", "prod-get-session")
        );
        for bad in ["AWS/Lambda", "a\"b", &"x".repeat(256)] {
            let e = config(&[
                ("SESSION_TABLE", "sessions"),
                ("SESSION_METRICS_NAMESPACE", bad),
            ])
            .unwrap_err();
            assert_eq!(e.variable, "SESSION_METRICS_NAMESPACE");
        }
    }

    #[test]
    fn table_is_required_and_named_in_the_error() {
        for vars in [
            &[][..],
            &[("SESSION_TABLE", "")][..],
            &[("SESSION_TABLE", "  ")][..],
        ] {
            let e = config(vars).unwrap_err();
            assert_eq!(e.variable, "SESSION_TABLE");
            assert!(e.to_string().contains("SESSION_TABLE"));
        }
        assert_eq!(
            config(&[("SESSION_TABLE", "a b")]).unwrap_err().variable,
            "SESSION_TABLE"
        );
    }

    #[test]
    fn every_setting_is_parsed() {
        let c = config(&[
            ("SESSION_TABLE", "t-1.x_y"),
            ("SESSION_COOKIE", "__Host-sid"),
            ("SESSION_TOKEN_HASH", "NONE"),
            ("SESSION_CONSISTENT_READ", "false"),
            ("SESSION_WARM_UP", "True"),
        ])
        .unwrap();
        assert_eq!(c.cookie_name.as_str(), "__Host-sid");
        assert_eq!(c.key_scheme, KeyScheme::Raw);
        assert!(!c.consistent_read);
        assert!(c.warm_up);
        let defaults = config(&[("SESSION_TABLE", "sessions")]).unwrap();
        assert!(defaults.consistent_read && !defaults.warm_up);
        assert_eq!(defaults.policy, Policy::default());
        assert!(!defaults.touch);
        assert_eq!(defaults.methods, Methods::default());
        let both = config(&[
            ("SESSION_TABLE", "sessions"),
            ("SESSION_METHODS", "GET, DELETE"),
        ]);
        assert_eq!(both.unwrap().methods.allow(), "GET, DELETE");
    }

    #[test]
    fn session_policy_settings() {
        let base = ("SESSION_TABLE", "sessions");
        for (v, secs) in [
            ("1800", 1800),
            ("30m", 1800),
            ("90s", 90),
            ("12h", 43200),
            ("1d", 86400),
        ] {
            let c = config(&[base, ("SESSION_IDLE_TIMEOUT", v)]).unwrap();
            assert_eq!(c.policy.idle_timeout, Some(secs), "{v}");
        }
        let c = config(&[
            base,
            ("SESSION_IDLE_TIMEOUT", "30m"),
            ("SESSION_TOUCH", "true"),
            ("SESSION_NOT_BEFORE", "1767225600"),
        ])
        .unwrap();
        assert!(c.touch);
        assert_eq!(c.policy.not_before, Some(1_767_225_600));
        for bad in [
            "0",
            "-5",
            "30x",
            "m",
            "1.5h",
            "thirty",
            "99999999999d",
            "5000000000",
        ] {
            let e = config(&[base, ("SESSION_IDLE_TIMEOUT", bad)]).unwrap_err();
            assert_eq!(e.variable, "SESSION_IDLE_TIMEOUT", "{bad}");
        }
        let in_an_hour = (unix_now() + 3600).to_string();
        let in_a_minute = (unix_now() + 60).to_string();
        let ok = config(&[base, ("SESSION_NOT_BEFORE", &in_a_minute)]).unwrap();
        assert!(ok.policy.not_before.is_some());
        let e = config(&[base, ("SESSION_NOT_BEFORE", &in_an_hour)]).unwrap_err();
        assert!(e.problem.contains("in the future"), "{e}");
        for bad in ["-1", "1.5", "soon", "253402300800", "1e9", "4102444800"] {
            let e = config(&[base, ("SESSION_NOT_BEFORE", bad)]).unwrap_err();
            assert_eq!(e.variable, "SESSION_NOT_BEFORE", "{bad}");
        }
        let e = config(&[base, ("SESSION_TOUCH", "true")]).unwrap_err();
        assert_eq!(e.variable, "SESSION_TOUCH");
        assert!(e.to_string().contains("SESSION_IDLE_TIMEOUT"));
    }

    #[test]
    fn bad_values_fail_naming_the_variable() {
        let base = ("SESSION_TABLE", "sessions");
        assert_eq!(
            config(&[base, ("SESSION_COOKIE", "a;b")])
                .unwrap_err()
                .variable,
            "SESSION_COOKIE"
        );
        assert_eq!(
            config(&[base, ("SESSION_TOKEN_HASH", "md5")])
                .unwrap_err()
                .variable,
            "SESSION_TOKEN_HASH"
        );
        assert_eq!(
            config(&[base, ("SESSION_CONSISTENT_READ", "yes")])
                .unwrap_err()
                .variable,
            "SESSION_CONSISTENT_READ"
        );
        assert_eq!(
            config(&[base, ("SESSION_WARM_UP", "1")])
                .unwrap_err()
                .variable,
            "SESSION_WARM_UP"
        );
        for bad in ["POST", "GET,", "GET DELETE"] {
            assert_eq!(
                config(&[base, ("SESSION_METHODS", bad)])
                    .unwrap_err()
                    .variable,
                "SESSION_METHODS",
                "{bad}"
            );
        }
    }
}
