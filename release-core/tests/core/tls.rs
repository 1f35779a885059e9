//! `https://` probes go through certificate verification against the system's trust store,
//! which is read on the first handshake (not when the client is built): a server whose
//! certificate no trust store holds is refused with the reason, and the gate says so.

use std::sync::Arc;

use release_core::gates::http::{HttpGate, HttpGateSpec};
use release_core::{Context, Gate, GateInfo, Verdict};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tls")
        .join(name)
}

/// A TLS server on loopback with the self-signed fixture certificate; it completes
/// handshakes (when the client lets it) and answers nothing.
async fn self_signed_server() -> std::net::SocketAddr {
    let certs = CertificateDer::pem_file_iter(fixture("self-signed.crt"))
        .expect("certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(fixture("self-signed.key")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_certificate_no_trust_store_holds_is_refused_with_the_reason() {
    let addr = self_signed_server().await;
    let spec: HttpGateSpec =
        toml::from_str(&format!("url = 'https://localhost:{}/health'", addr.port())).expect("spec");
    let gate = HttpGate::new(GateInfo::new("tls", "http"), spec).expect("gate");
    let evaluation = gate.evaluate(&Context::builder("staging").build()).await;
    assert_eq!(evaluation.verdict, Verdict::Error, "{evaluation:?}");
    let said = format!("{} {:?}", evaluation.summary, evaluation.observations);
    assert!(
        said.contains("invalid peer certificate: UnknownIssuer"),
        "the reason names the certificate: {said}"
    );
}
