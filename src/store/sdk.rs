//! The AWS SDK settings every DynamoDB call of this crate runs with: how long it may take,
//! how often it is retried, and the HTTPS client it goes through ([`super::https`]).
//! Region, credentials and `AWS_ENDPOINT_URL_DYNAMODB` come from the standard AWS
//! environment; callers may override them (tests point the loader at a local server).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};

use super::https::{HttpsClient, Roots, TrustError};

/// Time to open a TCP+TLS connection to DynamoDB.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Time for one HTTP attempt; a slower attempt is retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Time for the whole call, retries included: the bound on a request's store latency.
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(3000);
/// Attempts per call under the standard retry mode.
const MAX_ATTEMPTS: u32 = 3;
/// First retry waits up to this long (with jitter), the second up to twice as long. The
/// SDK's default (1 s) would spend most of the 3 s budget waiting.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);

/// The most init may spend opening the store's connection ahead of the first request
/// (`SESSION_WARM_UP`): one attempt's worth.
pub const WARM_UP_BUDGET: Duration = ATTEMPT_TIMEOUT;

/// The shared AWS configuration with this crate's time bounds, retry mode and HTTPS client,
/// trusting [`Roots::from_env`]. Fails only when `SSL_CERT_FILE` / `SSL_CERT_DIR` name no
/// usable certificate.
pub fn config_loader() -> Result<ConfigLoader, TrustError> {
    config_loader_trusting(&Roots::from_env())
}

/// [`config_loader`] with the HTTPS client trusting `roots`.
pub fn config_loader_trusting(roots: &Roots) -> Result<ConfigLoader, TrustError> {
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .http_client(HttpsClient::new(roots)?.shared())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF),
        )
        // Watches bodies for stalls (minimum throughput over a grace period): redundant
        // under the 1 s attempt timeout for a body of a few hundred bytes, and a per-request
        // cost (a body wrapper and its timers).
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled()))
}
