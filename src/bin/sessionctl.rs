//! `sessionctl`: create, inspect and revoke sessions in the session table.
//!
//! It shares the function's configuration (`SESSION_TABLE`, `SESSION_TOKEN_HASH`), key
//! derivation and table code, so what it writes is exactly what `GET /session` reads. It
//! talks to whatever DynamoDB the standard AWS environment points at, local
//! (`AWS_ENDPOINT_URL_DYNAMODB`) or real.

use std::io::Read;
use std::process::ExitCode;

use get_session::session::{unix_now, SessionKey, SessionRecord, Username};
use get_session::store::{self, DynamoStore, SessionStore, StoreError, StoreFailure};
use get_session::token::SessionToken;
use get_session::Config;

const USAGE: &str = "\
usage: sessionctl create USERNAME [--ttl DURATION] [--token TOKEN]
       sessionctl show TOKEN
       sessionctl revoke TOKEN

  create   writes a session and prints its token (256 random bits) on stdout, once.
           --ttl     lifetime: a number with s, m, h or d (default 8h)
           --token   use this token instead of a random one (fixtures, demos)
  show     prints the session's username, expiry and state
  revoke   deletes the session

TOKEN may be `-` to read it from standard input (keeps it out of the process list).
Environment: SESSION_TABLE (required), SESSION_TOKEN_HASH (sha256|none), and the
standard AWS settings (AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB).";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Create {
        username: String,
        ttl_secs: i64,
        token: Option<String>,
    },
    Show(String),
    Revoke(String),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("sessionctl: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("sessionctl: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let (verb, rest) = args.split_first().ok_or("a command is required")?;
    match verb.as_str() {
        "create" => {
            let mut username = None;
            let mut ttl_secs = 8 * 3600;
            let mut token = None;
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--ttl" => {
                        let v = it.next().ok_or("--ttl needs a value")?;
                        ttl_secs = parse_duration(v)
                            .ok_or_else(|| format!("invalid --ttl {v:?}: use e.g. 30m, 8h, 7d"))?;
                    }
                    "--token" => token = Some(it.next().ok_or("--token needs a value")?.clone()),
                    flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                    name if username.is_none() => username = Some(name.to_owned()),
                    _ => return Err("create takes one USERNAME".into()),
                }
            }
            let username = username.ok_or("create needs a USERNAME")?;
            Ok(Command::Create {
                username,
                ttl_secs,
                token,
            })
        }
        "show" | "revoke" => {
            let [token] = rest else {
                return Err(format!("{verb} takes exactly one TOKEN"));
            };
            Ok(if verb == "show" {
                Command::Show(token.clone())
            } else {
                Command::Revoke(token.clone())
            })
        }
        "-h" | "--help" | "help" => Err("help".into()),
        other => Err(format!("unknown command {other:?}")),
    }
}

/// `90s`, `30m`, `8h`, `7d` -> seconds (> 0).
fn parse_duration(v: &str) -> Option<i64> {
    let (split, _) = v.char_indices().last()?;
    let (num, unit) = v.split_at(split);
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(scale)
}

async fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let client = aws_sdk_dynamodb::Client::new(&store::sdk_config_loader().load().await);
    let table = DynamoStore::new(client, &config.table, true);
    let explain = |e: StoreError| explain(&config.table, e);
    match command {
        Command::Create {
            username,
            ttl_secs,
            token,
        } => {
            let token = match token {
                Some(t) => read_token(&t)?,
                None => {
                    SessionToken::generate().map_err(|e| format!("no randomness available: {e}"))?
                }
            };
            let record = SessionRecord {
                username: Username::new(username).ok_or("USERNAME must not be empty")?,
                expires_at: unix_now().saturating_add(ttl_secs),
            };
            table
                .put(&SessionKey::derive(&token, config.key_scheme), &record)
                .await
                .map_err(explain)?;
            eprintln!(
                "created session for {} in {}, expires {} ({})",
                record.username.as_str(),
                config.table,
                rfc3339(record.expires_at),
                record.expires_at
            );
            println!("{}", token.expose());
        }
        Command::Show(t) => {
            let key = SessionKey::derive(&read_token(&t)?, config.key_scheme);
            match table.find(&key).await.map_err(explain)? {
                None => return Err("no such session".into()),
                Some(rec) => {
                    let state = if rec.is_live_at(unix_now()) {
                        "live"
                    } else {
                        "expired"
                    };
                    println!("username:   {}", rec.username.as_str());
                    println!(
                        "expires_at: {} ({})",
                        rec.expires_at,
                        rfc3339(rec.expires_at)
                    );
                    println!("state:      {state}");
                }
            }
        }
        Command::Revoke(t) => {
            let key = SessionKey::derive(&read_token(&t)?, config.key_scheme);
            if table.delete(&key).await.map_err(explain)? {
                eprintln!("revoked");
            } else {
                return Err("no such session".into());
            }
        }
    }
    Ok(())
}

/// The token argument, or standard input for `-`, validated like the function does.
fn read_token(arg: &str) -> Result<SessionToken, String> {
    let raw = if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading the token from stdin: {e}"))?;
        s.trim().to_owned()
    } else {
        arg.to_owned()
    };
    SessionToken::parse(raw.as_bytes())
        .map_err(|m| format!("the token is malformed: {}", m.describe()))
}

fn explain(table: &str, e: StoreError) -> String {
    match (e.failure, e.cause.as_str()) {
        (_, "ResourceNotFoundException") => {
            format!("table {table:?} does not exist at this endpoint/region")
        }
        (_, "AccessDeniedException") => format!("access denied to table {table:?}"),
        (
            _,
            "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException",
        ) => "the AWS credentials were rejected".into(),
        (_, "no credentials") => {
            "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)".into()
        }
        (_, "no region") => "no AWS region found (set AWS_REGION)".into(),
        (StoreFailure::RecordInvalid, cause) => format!("the stored record is invalid: {cause}"),
        (StoreFailure::Unavailable, cause) => format!("DynamoDB is unreachable ({cause})"),
        (StoreFailure::Throttled, cause) => format!("DynamoDB is throttling requests ({cause})"),
        (StoreFailure::Misconfigured, cause) => format!("DynamoDB refused the request ({cause})"),
    }
}

/// Epoch seconds as an RFC 3339 UTC timestamp (days-to-civil, H. Hinnant).
fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_commands() {
        assert_eq!(
            parse_args(&args("create alice --ttl 30m")),
            Ok(Command::Create {
                username: "alice".into(),
                ttl_secs: 1800,
                token: None
            })
        );
        assert_eq!(
            parse_args(&args("create bob --token abc")),
            Ok(Command::Create {
                username: "bob".into(),
                ttl_secs: 8 * 3600,
                token: Some("abc".into())
            })
        );
        assert_eq!(parse_args(&args("show t")), Ok(Command::Show("t".into())));
        assert_eq!(
            parse_args(&args("revoke t")),
            Ok(Command::Revoke("t".into()))
        );
        assert!(parse_args(&args("create")).is_err());
        assert!(parse_args(&args("create a b")).is_err());
        assert!(parse_args(&args("create a --ttl 0h")).is_err());
        assert!(parse_args(&args("create a --bogus")).is_err());
        assert!(parse_args(&args("show")).is_err());
        assert!(parse_args(&args("frobnicate")).is_err());
        assert!(parse_args(&[]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("-1h"), None);
        assert_eq!(parse_duration("1y"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("5é"), None);
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
