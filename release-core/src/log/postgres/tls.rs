//! TLS for the database connection, as libpq's `sslmode` means it: `prefer` and `require`
//! encrypt without checking who answers (libpq's own meaning, and what a private network
//! needs); `verify-ca` checks the certificate's issuer; `verify-full` also its name. The
//! authorities are `sslrootcert`'s when given, else the system's (as the HTTP gates'),
//! through the rustls and aws-lc-rs the HTTP client already links.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{PostgresUrl, TlsMode};
use crate::log::store::StoreError;
use crate::net::tls::LazyPlatformVerifier;

/// The connector for `url`'s TLS mode (unused by tokio-postgres when it is `disable`).
pub(super) fn connector(url: &PostgresUrl) -> Result<MakeRustlsConnect, StoreError> {
    let failed = |reason: String| StoreError::Database {
        location: format!("release store {url}"),
        action: "set up TLS for",
        reason,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let trusted: Arc<dyn ServerCertVerifier> = match &url.root_cert {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|found| found.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    failed(format!(
                        "cannot read sslrootcert {}: {e}",
                        crate::text::escaped(&path.display().to_string())
                    ))
                })?;
            for certificate in certificates {
                roots.add(certificate).map_err(|e| {
                    failed(format!(
                        "sslrootcert {} holds a certificate rustls refuses: {e}",
                        path.display()
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(failed(format!(
                    "sslrootcert {} holds no certificate",
                    path.display()
                )));
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| failed(e.to_string()))?
        }
        None => Arc::new(LazyPlatformVerifier::new(provider.clone())),
    };
    let verifier: Arc<dyn ServerCertVerifier> = match url.tls {
        TlsMode::VerifyFull => trusted,
        TlsMode::VerifyCa => Arc::new(AnyName(trusted)),
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => {
            Arc::new(Unchecked(provider.clone()))
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// `verify-ca`: the issuer is checked, the name is not.
#[derive(Debug)]
struct AnyName(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require`: encrypted, whoever answers (the handshake's signatures are still
/// checked, so the session key belongs to the certificate presented).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
