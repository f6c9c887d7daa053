//! Which certificates the store's HTTPS client trusts, loaded once when the client is built.
//!
//! Why not the SDK's default: its client reads the system's PEM bundle and base64-decodes
//! it whenever a client is built, most of this function's init (BENCHMARKS.md has the
//! instruction counts). Here the default is the Web PKI roots compiled into the binary
//! (`webpki-roots`, Mozilla's list as the rustls project ships it), already in the form the
//! verifier uses, so init reads no file. The escape hatch is the usual one: when
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, the certificates found there are trusted
//! instead (private CAs, TLS-inspecting proxies, a local store). A setting that yields no
//! usable certificate is an init error ([`TrustError`]), not a failure of every request.
//! SECURITY.md ("TLS, trust and randomness") has the trade-offs.

use std::ffi::OsString;
use std::path::PathBuf;
use std::{error::Error, fmt};

use rustls::RootCertStore;

/// Which certificates the client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The Web PKI roots compiled into the binary (`webpki-roots`).
    CompiledIn,
    /// The certificates `SSL_CERT_FILE` / `SSL_CERT_DIR` name when either is set (as
    /// OpenSSL reads them), else the operating system's store; read when the client is
    /// built.
    EnvOrSystem,
    /// The certificates in one PEM file.
    File(PathBuf),
}

impl Roots {
    /// The function's choice: [`Roots::EnvOrSystem`] when `SSL_CERT_FILE` or `SSL_CERT_DIR` is
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
            Roots::EnvOrSystem
        } else {
            Roots::CompiledIn
        }
    }

    pub(crate) fn load(&self) -> Result<RootCertStore, TrustError> {
        let found = match self {
            Roots::CompiledIn => {
                return Ok(RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                })
            }
            Roots::EnvOrSystem => rustls_native_certs::load_native_certs(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_roots_unless_either_variable_is_set() {
        let v = |s: &str| Some(OsString::from(s));
        assert_eq!(Roots::choose(None, None), Roots::CompiledIn);
        assert_eq!(Roots::choose(v(""), v("")), Roots::CompiledIn);
        assert_eq!(Roots::choose(v("/etc/ca.pem"), None), Roots::EnvOrSystem);
        assert_eq!(Roots::choose(None, v("/etc/ssl/certs")), Roots::EnvOrSystem);
        assert_eq!(
            Roots::choose(v(""), v("/etc/ssl/certs")),
            Roots::EnvOrSystem
        );
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
            let err = Roots::File(path.clone()).load().unwrap_err();
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
