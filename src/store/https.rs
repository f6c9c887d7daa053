//! The HTTPS client every AWS SDK call of this crate goes through, so that init reads and
//! decodes no certificate bundle.
//!
//! The SDK's own client loads the system's root certificates when a client is built: it
//! reads the PEM bundle and base64-decodes it, about 8 million instructions, four fifths
//! of this function's init with it (9.9 million; 1.8 million without: BENCHMARKS.md).
//! This client is the same stack (hyper 1 and rustls 0.23, here on *ring*), but trusts
//! the Web PKI roots compiled into the binary (`webpki-roots`, Mozilla's list as the
//! rustls project ships it), already in the form the verifier uses. The escape hatch is the usual one: when `SSL_CERT_FILE` or
//! `SSL_CERT_DIR` is set, the certificates found there are trusted instead (private CAs,
//! TLS-inspecting proxies, a local store). SECURITY.md has the trade-offs.
//!
//! It behaves as the SDK's client does where the SDK relies on it: the connect timeout
//! covers TCP and the TLS handshake; errors are sorted into the SDK's timeout / I/O / other
//! kinds, which drive its retries; a connection the retry policy marks bad is poisoned,
//! so the pool never hands it out again. It speaks HTTP/1.1 (DynamoDB's protocol) and
//! plain `http://` for local endpoints; it does not route through proxies.

use std::ffi::OsString;
use std::future::Future;
use std::path::PathBuf;
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
use rustls::{ClientConfig, RootCertStore};
use tower_service::Service;

use super::in_chain;

/// Which certificates the client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The Web PKI roots compiled into the binary (`webpki-roots`).
    CompiledIn,
    /// The certificates `SSL_CERT_FILE` / `SSL_CERT_DIR` name when either is set (as
    /// OpenSSL reads them), else the operating system's store; read when the client is
    /// built.
    System,
    /// The certificates in one PEM file.
    File(PathBuf),
}

impl Roots {
    /// The function's choice: [`Roots::System`] when `SSL_CERT_FILE` or `SSL_CERT_DIR` is
    /// set (so those are trusted), else [`Roots::CompiledIn`].
    pub fn from_env() -> Self {
        Self::choose(
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        )
    }

    /// [`Roots::from_env`] given the two variables' values; an empty value counts as unset.
    pub fn choose(cert_file: Option<OsString>, cert_dir: Option<OsString>) -> Self {
        let set = |v: Option<OsString>| v.is_some_and(|v| !v.is_empty());
        if set(cert_file) || set(cert_dir) {
            Roots::System
        } else {
            Roots::CompiledIn
        }
    }

    fn load(&self) -> Result<RootCertStore, TrustError> {
        let found = match self {
            Roots::CompiledIn => {
                return Ok(RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                })
            }
            Roots::System => rustls_native_certs::load_native_certs(),
            Roots::File(path) => rustls_native_certs::load_certs_from_paths(Some(path), None),
        };
        let mut roots = RootCertStore::empty();
        let (added, _unparsable) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(TrustError {
                roots: self.clone(),
                problems: found.errors.iter().map(ToString::to_string).collect(),
            });
        }
        for problem in &found.errors {
            tracing::warn!(%problem, "some trusted certificates were not loaded");
        }
        Ok(roots)
    }
}

/// The certificates to trust were to be read (`SSL_CERT_FILE` / `SSL_CERT_DIR`, the system's
/// store, or a file) but none could be loaded: a setting that would fail every request,
/// reported when the client is built (at init).
#[derive(Debug)]
pub struct TrustError {
    roots: Roots,
    problems: Vec<String>,
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.roots {
            Roots::File(path) => write!(f, "no usable certificate in {}", path.display())?,
            _ => f.write_str(
                "no usable certificate in SSL_CERT_FILE / SSL_CERT_DIR \
                 (or, with neither set, in the system's store)",
            )?,
        }
        if !self.problems.is_empty() {
            write!(f, " ({})", self.problems.join("; "))?;
        }
        Ok(())
    }
}

impl Error for TrustError {}

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
        SharedHttpConnector::new(Connector {
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

type Tls = HttpsConnector<TcpConnector>;

/// One pool's SDK connector: a request in, a response (or a sorted error) out.
struct Connector {
    client: Client<ConnectTimeout<Tls>, SdkBody>,
    read_timeout: Option<Duration>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector").finish_non_exhaustive()
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let captured = capture_connection(&mut request);
        if let Some(capture) = request.extensions().get::<CaptureSmithyConnection>() {
            capture.set_connection_retriever(move || poisonable(&captured));
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
            let response = response.map_err(sort_error)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The connection a request went out on, for the SDK's retry policy to poison.
fn poisonable(captured: &CaptureConnection) -> Option<ConnectionMetadata> {
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

/// Sorts hyper's error into the SDK's kinds, as the SDK's own client does: a timeout, an
/// I/O failure (connection refused, reset or closed, DNS, TLS handshake), or other.
fn sort_error(err: hyper_util::client::legacy::Error) -> ConnectorError {
    if in_chain::<ConnectTimedOut>(&err).is_some() {
        return ConnectorError::timeout(err.into());
    }
    if let Some(hyper) = in_chain::<hyper::Error>(&err) {
        if hyper.is_timeout() {
            return ConnectorError::timeout(err.into());
        }
        if hyper.is_user() {
            return ConnectorError::user(err.into());
        }
        if hyper.is_incomplete_message() {
            return ConnectorError::other(err.into(), Some(ErrorKind::TransientError));
        }
        if hyper.is_closed() || hyper.is_canceled() || in_chain::<std::io::Error>(hyper).is_some() {
            return ConnectorError::io(err.into());
        }
        return ConnectorError::other(err.into(), None);
    }
    if err.is_connect() || in_chain::<std::io::Error>(&err).is_some() {
        return ConnectorError::io(err.into());
    }
    ConnectorError::other(err.into(), None)
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

impl Service<Uri> for ConnectTimeout<Tls> {
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

    #[test]
    fn compiled_in_roots_unless_either_variable_is_set() {
        let v = |s: &str| Some(OsString::from(s));
        assert_eq!(Roots::choose(None, None), Roots::CompiledIn);
        assert_eq!(Roots::choose(v(""), v("")), Roots::CompiledIn);
        assert_eq!(Roots::choose(v("/etc/ca.pem"), None), Roots::System);
        assert_eq!(Roots::choose(None, v("/etc/ssl/certs")), Roots::System);
        assert_eq!(Roots::choose(v(""), v("/etc/ssl/certs")), Roots::System);
    }

    #[test]
    fn compiled_in_roots_are_the_web_pki_and_read_no_file() {
        let roots = Roots::CompiledIn.load().unwrap();
        assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(roots.len() > 100, "{}", roots.len());
    }

    #[test]
    fn a_trust_file_with_no_certificate_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("https-roots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for path in [empty, dir.join("missing.pem")] {
            let err = HttpsClient::new(&Roots::File(path.clone())).unwrap_err();
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
