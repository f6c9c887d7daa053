//! The HTTPS client every AWS SDK call of this crate goes through: hyper 1 and rustls 0.23
//! on *ring*, trusting [`Roots`] (see [`super::trust`] for why not the SDK's own client).
//!
//! Why a client of our own: the SDK's client (`aws-smithy-http-client`) takes trust anchors
//! only as PEM and offers no way to pass DER anchors or a custom TLS connector
//! (smithy-rs#4806, open). So the adapter below follows upstream's
//! `rust-runtime/aws-smithy-http-client/src/client.rs` (smithy-lang/smithy-rs, as in
//! `aws-smithy-http-client` 1.5.2): the same names (`Adapter`, `extract_smithy_connection`,
//! `downcast_error`, `to_connector_error`, `find_source`) in the same order, so that a diff
//! against it is readable. Where it differs, each difference is named where it stands
//! and tested: no h2 (HTTP/1.1 only: DynamoDB's protocol); our connect timeout's error
//! (`ConnectTimedOut`) is upstream's `HttpTimeoutError`; and an error with no hyper error
//! in it (a connect failure from hyper-util) is I/O, where upstream says "other".
//!
//! It behaves as the SDK's client does where the SDK relies on it: the connect timeout
//! covers TCP and the TLS handshake; errors are sorted into the SDK's timeout / I/O / other
//! kinds, which drive its retries; a connection the retry policy marks bad is poisoned,
//! so the pool never hands it out again. It speaks HTTP/1.1 and plain `http://` for local
//! endpoints; it does not route through proxies. SECURITY.md says how to go back to the
//! SDK's own client once smithy-rs#4806 lands.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;
use std::{error::Error, fmt};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connection::{CaptureSmithyConnection, ConnectionMetadata};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::{
    capture_connection, CaptureConnection, HttpConnector as TcpConnector,
};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::ClientConfig;
use tower_service::Service;

pub use super::trust::{Roots, TrustError};

/// The client: one TLS configuration, one connection pool per distinct connector setting.
pub struct HttpsClient {
    tls: Arc<ClientConfig>,
    connectors: RwLock<Vec<(Timeouts, SharedHttpConnector)>>,
}

type Timeouts = (Option<Duration>, Option<Duration>);

impl fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsClient").finish_non_exhaustive()
    }
}

impl HttpsClient {
    /// A client trusting `roots`.
    pub fn new(roots: &Roots) -> Result<Self, TrustError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots.load()?)
            .with_no_client_auth();
        Ok(Self {
            tls: Arc::new(tls),
            connectors: RwLock::new(Vec::new()),
        })
    }

    /// As an SDK HTTP client.
    pub fn shared(self) -> SharedHttpClient {
        SharedHttpClient::new(self)
    }

    fn connector(&self, timeouts: Timeouts) -> SharedHttpConnector {
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(ClientConfig::clone(&self.tls))
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(ConnectTimeout {
                inner: https,
                timeout: timeouts.0,
            });
        SharedHttpConnector::new(Adapter {
            client,
            read_timeout: timeouts.1,
        })
    }
}

impl HttpClient for HttpsClient {
    // Called on every attempt: a read lock and a comparison once the connector exists.
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        let find = |list: &[(Timeouts, SharedHttpConnector)]| {
            list.iter()
                .find(|(t, _)| *t == timeouts)
                .map(|(_, c)| c.clone())
        };
        if let Some(found) = find(&self.connectors.read().unwrap_or_else(|e| e.into_inner())) {
            return found;
        }
        let mut list = self.connectors.write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = find(&list) {
            return found;
        }
        let made = self.connector(timeouts);
        list.push((timeouts, made.clone()));
        made
    }
}

/// The connector one pool's connections are opened by: TCP, then TLS for `https://`.
type HttpsOrHttpConnector = HttpsConnector<TcpConnector>;

/// One pool's SDK connector: a request in, a response (or a sorted error) out. Upstream's
/// `Adapter`, with the read timeout in it (upstream wraps the client in a timeout service).
struct Adapter {
    client: Client<ConnectTimeout<HttpsOrHttpConnector>, SdkBody>,
    read_timeout: Option<Duration>,
}

impl fmt::Debug for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adapter").finish_non_exhaustive()
    }
}

impl HttpConnector for Adapter {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let capture_connection = capture_connection(&mut request);
        if let Some(capture_smithy_connection) =
            request.extensions().get::<CaptureSmithyConnection>()
        {
            capture_smithy_connection
                .set_connection_retriever(move || extract_smithy_connection(&capture_connection));
        }
        let response = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                None => response.await,
                Some(limit) => tokio::time::timeout(limit, response)
                    .await
                    .map_err(|elapsed| ConnectorError::timeout(elapsed.into()))?,
            };
            let response = response.map_err(|e| downcast_error(e.into()))?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The connection a request went out on, for the SDK's retry policy to poison.
fn extract_smithy_connection(captured: &CaptureConnection) -> Option<ConnectionMetadata> {
    let connected = captured.connection_metadata();
    let connected = connected.as_ref()?;
    let proxied = connected.is_proxied();
    let captured = captured.clone();
    Some(
        ConnectionMetadata::builder()
            .proxied(proxied)
            .poison_fn(move || {
                if let Some(c) = captured.connection_metadata().as_ref() {
                    c.poison();
                }
            })
            .build(),
    )
}

/// Sorts an error out of the client into the SDK's kinds (timeout, I/O, user, other), as
/// upstream's `downcast_error` does.
fn downcast_error(err: BoxError) -> ConnectorError {
    // Upstream first looks for aws-smithy-async's `TimedOutError`; nothing here raises it
    // (our read timeout answers `ConnectorError::timeout` itself).
    let err = match err.downcast::<ConnectorError>() {
        Ok(connector_error) => return *connector_error,
        Err(box_error) => box_error,
    };
    let err = match find_source::<hyper::Error>(err.as_ref()) {
        Some(hyper_error) => return to_connector_error(hyper_error)(err),
        None => err,
    };
    // Divergence: a connect failure from hyper-util carries no hyper error. Upstream
    // calls it "other"; here our connect timeout is a timeout and a refused, reset or
    // failed connection (TCP, DNS, the TLS handshake) is I/O, so the SDK retries it and
    // the function reports `connect_timeout` / `connection_failed`.
    if find_source::<ConnectTimedOut>(err.as_ref()).is_some() {
        return ConnectorError::timeout(err);
    }
    let connect = find_source::<hyper_util::client::legacy::Error>(err.as_ref())
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    if connect || find_source::<std::io::Error>(err.as_ref()).is_some() {
        return ConnectorError::io(err);
    }
    ConnectorError::other(err, None)
}

/// Which of the SDK's kinds a [`hyper::Error`] is: upstream's order (timeout, user,
/// closed/canceled/I/O, incomplete message, other), without its h2 arm.
fn to_connector_error(err: &hyper::Error) -> fn(BoxError) -> ConnectorError {
    if err.is_timeout() || find_source::<ConnectTimedOut>(err).is_some() {
        return ConnectorError::timeout;
    }
    if err.is_user() {
        return ConnectorError::user;
    }
    if err.is_closed() || err.is_canceled() || find_source::<std::io::Error>(err).is_some() {
        return ConnectorError::io;
    }
    // Upstream: "We sometimes receive this from S3: hyper::Error(IncompleteMessage)".
    if err.is_incomplete_message() {
        return |err: BoxError| ConnectorError::other(err, Some(ErrorKind::TransientError));
    }
    |err: BoxError| ConnectorError::other(err, None)
}

/// The first error of type `E` in `err`'s source chain, `err` itself included.
fn find_source<'a, E: Error + 'static>(err: &'a (dyn Error + 'static)) -> Option<&'a E> {
    super::in_chain::<E>(err)
}

/// Bounds opening a connection, TCP and TLS handshake together.
#[derive(Clone)]
struct ConnectTimeout<C> {
    inner: C,
    timeout: Option<Duration>,
}

/// Opening a connection took longer than the connect timeout.
#[derive(Debug)]
struct ConnectTimedOut(Duration);

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connecting took longer than {:?}", self.0)
    }
}

impl Error for ConnectTimedOut {}

type Stream = MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;
type Connecting = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

impl Service<Uri> for ConnectTimeout<HttpsOrHttpConnector> {
    type Response = Stream;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let connecting = self.inner.call(uri);
        let limit = self.timeout;
        Box::pin(async move {
            match limit {
                None => connecting.await,
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(connected) => connected,
                    Err(_) => Err(ConnectTimedOut(limit).into()),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(err: ConnectorError) -> &'static str {
        if err.is_timeout() {
            "timeout"
        } else if err.is_io() {
            "io"
        } else if err.is_user() {
            "user"
        } else if err.as_other() == Some(ErrorKind::TransientError) {
            "other transient"
        } else {
            "other"
        }
    }

    #[test]
    fn errors_without_a_hyper_error_are_sorted_as_the_function_needs() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(kind(downcast_error(Box::new(refused))), "io");
        let timed_out = ConnectTimedOut(Duration::from_millis(5));
        assert_eq!(kind(downcast_error(Box::new(timed_out))), "timeout");
        let already = ConnectorError::user("bad request".into());
        assert_eq!(kind(downcast_error(Box::new(already))), "user");
        let unknown: BoxError = "something else".into();
        assert_eq!(kind(downcast_error(unknown)), "other");
    }

    /// Real hyper errors, from a server that misbehaves: sorted in upstream's order
    /// (timeout, user, closed/canceled/I/O, then incomplete message), as upstream does. An
    /// earlier version tested "incomplete message" before "closed/I/O"; both are retried,
    /// so only the kind's name differed, and now the order is upstream's.
    #[tokio::test]
    async fn hyper_errors_follow_upstreams_order() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        async fn answer_with(reply: &'static [u8]) -> ConnectorError {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/", listener.local_addr().unwrap());
            tokio::spawn(async move {
                let (mut tcp, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1024];
                let _ = tcp.read(&mut buf).await;
                let _ = tcp.write_all(reply).await;
            });
            let client = HttpsClient::new(&Roots::CompiledIn).unwrap();
            let connector = client.connector((None, None));
            let request = HttpRequest::get(url.as_str()).unwrap();
            connector.call(request).await.unwrap_err()
        }
        // Closed before any answer: hyper's IncompleteMessage with no I/O error in it,
        // which upstream calls other and transient (retried).
        let closed = answer_with(b"").await;
        assert_eq!(kind(closed), "other transient");
        // An answer that is not HTTP: a parse error, which upstream calls other.
        let garbage = answer_with(b"not http at all\r\n\r\n").await;
        assert_eq!(kind(garbage), "other");
    }
}
