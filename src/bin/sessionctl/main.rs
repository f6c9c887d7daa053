//! `sessionctl`: create, inspect and revoke sessions in the session table.
//!
//! It shares the function's configuration (`SESSION_TABLE`, `SESSION_TOKEN_HASH`), key
//! derivation and table code, so what it writes is exactly what `GET /session` reads. It
//! talks to whatever DynamoDB the standard AWS environment points at, local
//! (`AWS_ENDPOINT_URL_DYNAMODB`) or real.

mod table;

use std::collections::HashSet;
use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use get_session::{
    parse_duration_secs, unix_now, Ended, Policy, SessionKey, SessionRecord, Username,
};
use get_session::{Cause, DynamoStore, Roots, SessionStore, StoreError, USERNAME_INDEX};
use get_session::{Config, SessionToken};

/// Shortest token `create --token` accepts. A chosen token is only as strong as its
/// length: 32 bytes of the token alphabet carry at least 128 bits when random, and the
/// table keys tokens by an unsalted SHA-256, which is safe only for tokens nobody can guess.
const MIN_CHOSEN_TOKEN_LEN: usize = 32;

/// What follows the list of commands in `--help`.
const AFTER_HELP: &str = "\
TOKEN may be `-` to read it from standard input (keeps it out of the process list); a
USERNAME that starts with `-` goes after `--` (sessionctl list -- -v).
Environment: SESSION_TABLE (required), SESSION_TOKEN_HASH (sha256|none), SESSION_IDLE_TIMEOUT
and SESSION_NOT_BEFORE (the states shown), and the standard AWS settings (AWS_REGION,
credentials, AWS_ENDPOINT_URL_DYNAMODB).";

/// Create, inspect and revoke sessions in the session table that get-session reads.
#[derive(Debug, Parser)]
#[command(name = "sessionctl", version, after_help = AFTER_HELP)]
struct Cli {
    /// Add the AWS SDK's error chain to an error.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, PartialEq, Eq, Subcommand)]
enum Command {
    /// Write a session and print its token on stdout, once.
    ///
    /// The session is issued and last seen now; its token is 256 random bits unless
    /// --token gives one.
    Create {
        #[arg(value_parser = username)]
        username: Username,
        /// Lifetime: seconds, or a number with s, m, h or d.
        #[arg(long, default_value = "8h", value_parser = ttl)]
        ttl: i64,
        /// Use this token instead of a random one (fixtures, demos; 32 bytes or more).
        #[arg(long)]
        token: Option<String>,
    },
    /// Print the session's username, times and state.
    Show { token: String },
    /// Delete the session.
    Revoke { token: String },
    /// List USERNAME's sessions, one line each.
    ///
    /// Through the table's username-index: a short handle (never a token or key), when it
    /// was issued, last seen and expires, and its state (live, idle, ended or expired).
    List {
        #[arg(value_parser = username)]
        username: Username,
    },
    /// Delete every session of USERNAME and print how many.
    ///
    /// Disable the account at the login service first, so that no new session starts.
    /// Passes over the table's username-index repeat until it has shown no session of
    /// USERNAME for --settle (a global secondary index shows new items late), so a session
    /// created while it runs, or one the index shows late, is ended too; it fails, saying
    /// how many it ended and how many may be left, when it cannot finish.
    RevokeUser {
        #[arg(value_parser = username)]
        username: Username,
        /// How long the index must show no session of USERNAME before it is done.
        #[arg(long, default_value = "5s", value_parser = seconds)]
        settle: u64,
        /// Give up (exit 1) if sessions still appear after this long.
        #[arg(long, default_value = "2m", value_parser = seconds)]
        max_time: u64,
    },
}

/// A USERNAME argument: refused before any call when empty.
fn username(arg: &str) -> Result<Username, String> {
    Username::new(arg).ok_or_else(|| "a username cannot be empty".to_owned())
}

/// A duration argument, in seconds.
fn seconds(arg: &str) -> Result<u64, String> {
    parse_duration_secs(arg)
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| "use a number of seconds, or e.g. 5s, 2m".to_owned())
}

/// A `--ttl` argument.
fn ttl(arg: &str) -> Result<i64, String> {
    parse_duration_secs(arg)
        .ok_or_else(|| "use a number of seconds, or e.g. 30m, 8h, 7d".to_owned())
}

fn main() -> ExitCode {
    // Usage errors exit 2 with clap's message; --help and --version print and exit 0.
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime on the current thread");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("sessionctl: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// What every command works with: the settings, the client and the table.
struct Table {
    config: Config,
    client: aws_sdk_dynamodb::Client,
    store: DynamoStore,
    verbose: bool,
}

impl Table {
    /// The table of the environment's settings, through the system's trust store.
    async fn connect(verbose: bool) -> Result<Self, String> {
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
        let store = DynamoStore::new(client.clone(), &config.table, true);
        Ok(Table {
            config,
            client,
            store,
            verbose,
        })
    }

    fn explain(&self, e: StoreError) -> String {
        explain(&self.config.table, &e, self.verbose)
    }

    fn key(&self, token: &str) -> Result<SessionKey, String> {
        Ok(SessionKey::derive(
            &read_token(token)?,
            self.config.key_scheme,
        ))
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let table = Table::connect(cli.verbose).await?;
    match cli.command {
        Command::Create {
            username,
            ttl,
            token,
        } => create(&table, username, ttl, token.as_deref()).await,
        Command::Show { token } => show(&table, &token).await,
        Command::Revoke { token } => revoke(&table, &token).await,
        Command::List { username } => list(&table, &username).await,
        Command::RevokeUser {
            username,
            settle,
            max_time,
        } => {
            let bounds = (Duration::from_secs(settle), Duration::from_secs(max_time));
            revoke_user(&table, &username, bounds).await
        }
    }
}

async fn create(
    table: &Table,
    username: Username,
    ttl_secs: i64,
    token: Option<&str>,
) -> Result<(), String> {
    let token = match token {
        Some(t) => {
            let token = read_token(t)?;
            if token.expose().len() < MIN_CHOSEN_TOKEN_LEN {
                return Err(format!(
                    "--token must be at least {MIN_CHOSEN_TOKEN_LEN} bytes: a short token can be guessed, and the table keys tokens by an unsalted hash (leave --token out for a random 256-bit one)"
                ));
            }
            token
        }
        None => SessionToken::generate().map_err(|e| format!("no randomness available: {e}"))?,
    };
    let now = unix_now();
    let record = SessionRecord {
        username,
        expires_at: now.saturating_add(ttl_secs),
        issued_at: Some(now),
        last_seen_at: Some(now),
    };
    let config = &table.config;
    let key = SessionKey::derive(&token, config.key_scheme);
    table::put(&table.client, &config.table, &key, &record)
        .await
        .map_err(|e| table.explain(e))?;
    eprintln!(
        "created session for {} in {}, expires {} ({})",
        record.username.as_str(),
        config.table,
        rfc3339(record.expires_at),
        record.expires_at
    );
    println!("{}", token.expose());
    Ok(())
}

/// What `show` says of a token with no item: one that never existed, or one that ended and
/// was deleted (a logout, a revoke, or DynamoDB's TTL): either way, no request is served.
const GONE: &str = "no such session: the token was never issued, or its session has ended and is gone (logged out, revoked, or removed by DynamoDB's TTL)";

async fn show(table: &Table, token: &str) -> Result<(), String> {
    let key = table.key(token)?;
    let Some(rec) = table.store.find(&key).await.map_err(|e| table.explain(e))? else {
        return Err(GONE.into());
    };
    println!("username:     {}", rec.username.as_str());
    println!("issued_at:    {}", time(rec.issued_at));
    println!("last_seen_at: {}", time(rec.last_seen_at));
    println!("expires_at:   {}", time(Some(rec.expires_at)));
    println!(
        "state:        {}",
        state(&rec, unix_now(), &table.config.policy)
    );
    Ok(())
}

async fn revoke(table: &Table, token: &str) -> Result<(), String> {
    let key = table.key(token)?;
    let config = &table.config;
    if table::delete(&table.client, &config.table, &key)
        .await
        .map_err(|e| table.explain(e))?
    {
        eprintln!("revoked");
        Ok(())
    } else {
        Err("no such session".into())
    }
}

async fn list(table: &Table, username: &Username) -> Result<(), String> {
    let config = &table.config;
    let sessions = table::sessions_of(&table.client, &config.table, username.as_str())
        .await
        .map_err(|e| list_error(&config.table, e, table.verbose))?;
    let now = unix_now();
    for s in &sessions {
        let state = match s.expires_at {
            None => "invalid (expires_at)".to_owned(),
            Some(expires_at) => {
                let record = SessionRecord {
                    username: username.clone(),
                    expires_at,
                    issued_at: s.issued_at,
                    last_seen_at: s.last_seen_at,
                };
                state(&record, now, &config.policy)
            }
        };
        println!(
            "{}  issued {}  last seen {}  expires {}  {state}",
            handle(&s.key),
            time(s.issued_at),
            time(s.last_seen_at),
            time(s.expires_at),
        );
    }
    eprintln!("{} session(s) of {:?}", sessions.len(), username.as_str());
    Ok(())
}

/// Ends every session of `username`: passes over the index (each deleting what it shows
/// that no earlier pass deleted) until it has shown nothing new for `settle`, within
/// `max_time`. A session created during the run, or shown late by the index, is met by a
/// later pass. Fails, counting what it ended and what may be left, when a call fails or
/// sessions keep appearing.
async fn revoke_user(
    table: &Table,
    username: &Username,
    (settle, max_time): (Duration, Duration),
) -> Result<(), String> {
    let config = &table.config;
    let name = username.as_str();
    let started = Instant::now();
    let mut ended: HashSet<String> = HashSet::new();
    let mut quiet_since: Option<Instant> = None;
    loop {
        let shown = table::sessions_of(&table.client, &config.table, name)
            .await
            .map_err(|e| {
                let why = list_error(&config.table, e, table.verbose);
                stopped(&why, ended.len(), name, None)
            })?;
        // The index may still show a session a pass deleted: it is not counted twice.
        let keys: Vec<String> = shown
            .into_iter()
            .map(|s| s.key)
            .filter(|k| !ended.contains(k))
            .collect();
        if keys.is_empty() {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= settle {
                break;
            }
        } else {
            quiet_since = None;
            let deleted = table::delete_all(&table.client, &config.table, &keys).await;
            let left = keys.len() - deleted.keys.len();
            ended.extend(deleted.keys);
            if let Some(e) = deleted.stopped {
                let why = table.explain(e);
                return Err(stopped(&why, ended.len(), name, Some(left)));
            }
        }
        if started.elapsed() >= max_time {
            return Err(format!(
                "sessions of {name:?} kept appearing for {} s ({} ended so far): disable the account at the login service first, then run revoke-user again",
                max_time.as_secs(),
                ended.len()
            ));
        }
        if quiet_since.is_some() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    println!("{}", ended.len());
    eprintln!(
        "revoked {} session(s) of {name:?} (the index showed none for {} s after)",
        ended.len(),
        settle.as_secs()
    );
    Ok(())
}

/// Why revoke-user stopped, how many it ended, and how many may be left (`None`: not
/// known, it stopped while finding them). Just why, where it stopped before it ended any.
fn stopped(why: &str, ended: usize, name: &str, left: Option<usize>) -> String {
    let left = match left {
        None if ended == 0 => return why.to_owned(),
        None => "more".to_owned(),
        Some(n) => format!("at least {n}"),
    };
    format!("{why}; revoke-user stopped after ending {ended} session(s) of {name:?}, and {left} may be left: run it again")
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
        ExpiresAtTooFar | IssuedAtInFuture | LastSeenAtInFuture => format!(
            "the stored session's times cannot be right ({}: ahead of this machine's clock by more than a session can be, as milliseconds written as seconds are); the login service must write whole Unix seconds",
            e.cause().as_str()
        ),
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

/// A session's state as the function judges it at `now`: `invalid (CAUSE)` where its times
/// cannot be right (the function answers 500 session_record_invalid), else live, expired,
/// idle or ended (by SESSION_NOT_BEFORE).
fn state(record: &SessionRecord, now: i64, policy: &Policy) -> String {
    if let Some(bad) = record.implausible_at(now) {
        return format!("invalid ({})", Cause::from(bad).as_str());
    }
    match record.ended_at(now, policy) {
        None => "live",
        Some(Ended::Expired) => "expired",
        Some(Ended::Idle) => "idle",
        Some(Ended::NotBefore) => "ended",
    }
    .to_owned()
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

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("sessionctl").chain(line.split_whitespace()))
    }

    fn command(line: &str) -> Command {
        parse(line).unwrap().command
    }

    fn user(name: &str) -> Username {
        Username::new(name).unwrap()
    }

    #[test]
    fn parses_commands() {
        assert_eq!(
            command("create alice --ttl 30m"),
            Command::Create {
                username: user("alice"),
                ttl: 1800,
                token: None
            }
        );
        assert_eq!(
            command("create bob --token abc"),
            Command::Create {
                username: user("bob"),
                ttl: 8 * 3600,
                token: Some("abc".into())
            }
        );
        assert_eq!(command("show t"), Command::Show { token: "t".into() });
        assert_eq!(command("revoke t"), Command::Revoke { token: "t".into() });
        assert_eq!(command("show -"), Command::Show { token: "-".into() });
        assert_eq!(
            command("revoke-user alice"),
            Command::RevokeUser {
                username: user("alice"),
                settle: 5,
                max_time: 120,
            }
        );
        // --verbose anywhere; a username that starts with `-` after `--`.
        assert!(parse("-v list alice").unwrap().verbose);
        assert!(parse("list alice --verbose").unwrap().verbose);
        let dash = parse("list -- -v").unwrap();
        assert_eq!(
            dash.command,
            Command::List {
                username: user("-v")
            }
        );
        assert!(!dash.verbose);
        for bad in [
            "create",
            "create a b",
            "create a --ttl 0h",
            "create a --bogus",
            "show",
            "frobnicate",
            "",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }

    #[test]
    fn an_empty_username_is_refused_before_any_call() {
        for verb in ["create", "list", "revoke-user"] {
            let err = Cli::try_parse_from(["sessionctl", verb, ""]).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(
                err.to_string().contains("a username cannot be empty"),
                "{err}"
            );
        }
    }

    #[test]
    fn help_and_version_exit_zero() {
        for flag in ["--help", "-h", "--version", "-V"] {
            let err = parse(flag).unwrap_err();
            assert_eq!(err.exit_code(), 0, "{flag}");
        }
        let help = parse("--help").unwrap_err().to_string();
        for verb in [
            "create",
            "show",
            "revoke",
            "list",
            "revoke-user",
            "--verbose",
        ] {
            assert!(help.contains(verb), "{verb} missing from:\n{help}");
        }
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
