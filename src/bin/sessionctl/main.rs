//! `sessionctl`: create, inspect and revoke sessions in the session table.
//!
//! It shares the function's configuration (`SESSION_TABLE`, `SESSION_TOKEN_HASH`), key
//! derivation and table code, so what it writes is exactly what `GET /session` reads. It
//! talks to whatever DynamoDB the standard AWS environment points at, local
//! (`AWS_ENDPOINT_URL_DYNAMODB`) or real.

mod table;

use std::io::Read;
use std::process::ExitCode;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use get_session::{parse_duration_secs, unix_now, SessionKey, SessionRecord, State, Username};
use get_session::{Cause, DynamoStore, Roots, SessionStore, StoreError, USERNAME_INDEX};
use get_session::{Config, SessionToken};

/// Shortest token `create --token` accepts. A chosen token is only as strong as its
/// length: 32 bytes of the token alphabet carry at least 128 bits when random, and the
/// table keys tokens by an unsalted SHA-256, which is safe only for tokens nobody can guess.
const MIN_CHOSEN_TOKEN_LEN: usize = 32;

const USAGE: &str = "\
usage: sessionctl create USERNAME [--ttl DURATION] [--token TOKEN]
       sessionctl show TOKEN
       sessionctl revoke TOKEN
       sessionctl list USERNAME
       sessionctl revoke-user USERNAME

  create       writes a session (issued and last seen now) and prints its token (256
               random bits) on stdout, once.
               --ttl     lifetime: seconds, or a number with s, m, h or d (default 8h)
               --token   use this token instead of a random one (fixtures, demos; 32+ bytes)
  show         prints the session's username, times and state
  revoke       deletes the session
  list         one line per session of USERNAME (a short handle, never a token or key;
               issued, last seen, expires; live, idle, ended or expired), through the
               table's username-index
  revoke-user  deletes every session of USERNAME and prints how many

TOKEN may be `-` to read it from standard input (keeps it out of the process list).
--verbose (anywhere) adds the AWS SDK's error chain to an error.
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
    List(String),
    RevokeUser(String),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    args.retain(|a| a != "--verbose" && a != "-v");
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("sessionctl: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command, verbose).await {
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
                        ttl_secs = parse_duration_secs(v)
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
        "list" | "revoke-user" => {
            let [username] = rest else {
                return Err(format!("{verb} takes exactly one USERNAME"));
            };
            Ok(if verb == "list" {
                Command::List(username.clone())
            } else {
                Command::RevokeUser(username.clone())
            })
        }
        "-h" | "--help" | "help" => Err("help".into()),
        other => Err(format!("unknown command {other:?}")),
    }
}

async fn run(command: Command, verbose: bool) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    // An operator's tool: the system's trust store (and a corporate CA in it), not the
    // function's compiled-in roots; it has no cold start to save.
    let sdk_config = get_session::config_loader_trusting(&Roots::EnvOrSystem)
        .map_err(|e| e.to_string())?
        .load()
        .await;
    if sdk_config.region().is_none() {
        return Err("no AWS region found (set AWS_REGION)".into());
    }
    let client = aws_sdk_dynamodb::Client::new(&sdk_config);
    let table = DynamoStore::new(client.clone(), &config.table, true);
    let explain = |e: StoreError| explain(&config.table, &e, verbose);
    match command {
        Command::Create {
            username,
            ttl_secs,
            token,
        } => {
            let token = match token {
                Some(t) => {
                    let token = read_token(&t)?;
                    if token.expose().len() < MIN_CHOSEN_TOKEN_LEN {
                        return Err(format!(
                            "--token must be at least {MIN_CHOSEN_TOKEN_LEN} bytes: a short token can be guessed, and the table keys tokens by an unsalted hash (leave --token out for a random 256-bit one)"
                        ));
                    }
                    token
                }
                None => {
                    SessionToken::generate().map_err(|e| format!("no randomness available: {e}"))?
                }
            };
            let now = unix_now();
            let record = SessionRecord {
                username: Username::new(username).ok_or("USERNAME must not be empty")?,
                expires_at: now.saturating_add(ttl_secs),
                issued_at: Some(now),
                last_seen_at: Some(now),
            };
            let key = SessionKey::derive(&token, config.key_scheme);
            table::put(&client, &config.table, &key, &record)
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
                    let state = rec.state_at(unix_now(), &config.policy);
                    println!("username:     {}", rec.username.as_str());
                    println!("issued_at:    {}", time(rec.issued_at));
                    println!("last_seen_at: {}", time(rec.last_seen_at));
                    println!("expires_at:   {}", time(Some(rec.expires_at)));
                    println!("state:        {}", state_name(state));
                }
            }
        }
        Command::List(username) => {
            let sessions = table::sessions_of(&client, &config.table, &username)
                .await
                .map_err(|e| list_error(&config.table, e, verbose))?;
            let now = unix_now();
            for s in &sessions {
                let state = match s.expires_at {
                    None => "invalid",
                    Some(expires_at) => state_name(
                        SessionRecord {
                            username: Username::new(username.clone()).ok_or("empty USERNAME")?,
                            expires_at,
                            issued_at: s.issued_at,
                            last_seen_at: s.last_seen_at,
                        }
                        .state_at(now, &config.policy),
                    ),
                };
                println!(
                    "{}  issued {}  last seen {}  expires {}  {state}",
                    handle(&s.key),
                    time(s.issued_at),
                    time(s.last_seen_at),
                    time(s.expires_at),
                );
            }
            eprintln!("{} session(s) of {username:?}", sessions.len());
        }
        Command::RevokeUser(username) => {
            let sessions = table::sessions_of(&client, &config.table, &username)
                .await
                .map_err(|e| list_error(&config.table, e, verbose))?;
            let keys: Vec<String> = sessions.into_iter().map(|s| s.key).collect();
            let deleted = table::delete_all(&client, &config.table, &keys)
                .await
                .map_err(explain)?;
            println!("{deleted}");
            eprintln!("revoked {deleted} session(s) of {username:?}");
        }
        Command::Revoke(t) => {
            let key = SessionKey::derive(&read_token(&t)?, config.key_scheme);
            if table::delete(&client, &config.table, &key)
                .await
                .map_err(explain)?
            {
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

/// A sentence for the operator: what is wrong and what to do. Every cause has its own
/// (the match is exhaustive: a new cause cannot go unexplained). With `--verbose`, the
/// SDK's error chain follows it.
fn explain(table: &str, e: &StoreError, verbose: bool) -> String {
    use Cause::*;
    let what = match e.cause() {
        Timeout => "DynamoDB did not answer in time; check the endpoint and the network, then try again".into(),
        ConnectTimeout => "no connection to DynamoDB could be opened in time; check AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION and the network".into(),
        ConnectionFailed => "the connection to DynamoDB was refused or broken; check that the endpoint is up (AWS_ENDPOINT_URL_DYNAMODB)".into(),
        DispatchFailure => "the request could not be sent to DynamoDB (TLS or DNS); check the endpoint and the trusted certificates".into(),
        UnreadableResponse => "DynamoDB's answer could not be read; check that AWS_ENDPOINT_URL_DYNAMODB points at DynamoDB".into(),
        ServerError => "DynamoDB answered with a server error; try again later".into(),
        Throttled => "DynamoDB is throttling requests; try again later or raise the table's capacity".into(),
        TableNotFound => format!("table {table:?} does not exist at this endpoint/region; check SESSION_TABLE and AWS_REGION"),
        AccessDenied => format!("access denied to table {table:?}; grant these credentials access to it"),
        CredentialsRejected => "the AWS credentials were rejected; check that they are current".into(),
        NoCredentials => "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)".into(),
        EndpointUnresolved => "no DynamoDB endpoint for this configuration (set AWS_REGION)".into(),
        RequestRejected => format!("DynamoDB refused the request as invalid; check that table {table:?} has the session table's key schema"),
        IssuedAtNotNumber | IssuedAtNotEpoch | LastSeenAtNotNumber | LastSeenAtNotEpoch => format!(
            "the stored session's times are invalid ({}); the login service must write issued_at and last_seen_at as whole Unix seconds (N)",
            e.cause().as_str()
        ),
        UsernameMissing | UsernameEmpty | UsernameNotString | ExpiresAtMissing
        | ExpiresAtNotNumber | ExpiresAtNotEpoch => format!(
            "the stored session is invalid ({}); the login service must write it as the README's \"Session policy\" says",
            e.cause().as_str()
        ),
    };
    match std::error::Error::source(e) {
        Some(source) if verbose => format!("{what}: {}", DisplayErrorContext(source)),
        Some(_) => format!("{what} (--verbose shows the AWS SDK's error)"),
        None => what,
    }
}

/// Why a user's sessions could not be listed, for the operator.
fn list_error(table: &str, e: table::ListError, verbose: bool) -> String {
    match e {
        table::ListError::NoIndex => format!(
            "table {table:?} has no global secondary index {USERNAME_INDEX:?} (partition key username), which finding a user's sessions needs; add it as template.yaml defines it"
        ),
        table::ListError::Store(e) => explain(table, &e, verbose),
    }
}

/// A short handle for a session in listings: the first 12 hex digits of the SHA-256 of its
/// key, which says nothing of the token (nor, where the table stores tokens raw, of the key).
fn handle(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(key.as_bytes())[..6])
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Live => "live",
        State::Expired => "expired",
        State::Idle => "idle",
        State::NotBefore => "ended",
    }
}

/// `1767225600 (2026-01-01T00:00:00Z)`, or `-` where there is no time.
fn time(t: Option<i64>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| format!("{t} ({})", rfc3339(t)))
}

/// Epoch seconds as an RFC 3339 UTC timestamp.
fn rfc3339(secs: i64) -> String {
    DateTime::from_secs(secs)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| secs.to_string())
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
        assert_eq!(parse_duration_secs("90s"), Some(90));
        assert_eq!(parse_duration_secs("7d"), Some(604_800));
        assert_eq!(parse_duration_secs("h"), None);
        assert_eq!(parse_duration_secs("-1h"), None);
        assert_eq!(parse_duration_secs("1y"), None);
        assert_eq!(parse_duration_secs(""), None);
        assert_eq!(parse_duration_secs("5é"), None);
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
