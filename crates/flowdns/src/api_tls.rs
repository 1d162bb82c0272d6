//! TLS for the API: the certificate chain and private key (PEM files, `api.tls_cert` and
//! `api.tls_key`) read into a rustls configuration (the `ring` provider) at start, and again
//! on SIGHUP; and the CLI's trust in a server that uses them.
//!
//! - At start, a file that cannot be read, holds no PEM certificate or key, or a key that
//!   does not match the certificate stops `serve` with an error naming the file.
//! - On SIGHUP both files are read again. New connections get the new certificate; those
//!   established keep theirs. A new pair that does not load is logged as an error and the
//!   old one kept (counted in `flowdns_api_tls_reloads_total{result="error"}`).
//! - The CLI commands that ask a running server (`remote.rs`) speak TLS when the server URL
//!   is `https://`, or when it is the default `http://127.0.0.1:8053` and `api.tls_cert` is
//!   configured (the server then speaks only TLS there). They trust exactly the certificates
//!   in the configured `api.tls_cert` file, whatever name the server is reached by: the CLI
//!   runs beside the server and reads the same file, so a CA and a host name would add
//!   nothing. Without `api.tls_cert` an `https://` server cannot be verified, and the
//!   command works without it (as when no server answers), saying why.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::settings::ApiTls;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificates of a PEM file, in order.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read the API TLS certificate {}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("the API TLS certificate {}: not valid PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(anyhow!(
            "the API TLS certificate {}: no certificate in it (expected PEM: -----BEGIN \
             CERTIFICATE-----, the server's certificate first, then its intermediates)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The rustls configuration of the certificate chain and key in `files`.
pub(crate) fn load(files: &ApiTls) -> Result<rustls::ServerConfig> {
    let certs = certificates(&files.cert)?;
    let pem = std::fs::read(&files.key)
        .with_context(|| format!("cannot read the API TLS key {}", files.key.display()))?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => anyhow!(
            "the API TLS key {}: no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----, \
             RSA PRIVATE KEY or EC PRIVATE KEY)",
            files.key.display()
        ),
        e => anyhow!("the API TLS key {}: not valid PEM: {e}", files.key.display()),
    })?;
    rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            anyhow!(
                "the API TLS certificate {} and key {} cannot be used together: {e}",
                files.cert.display(),
                files.key.display()
            )
        })
}

/// Reads `files` again into `tls`; on error keeps the configuration in force and says why.
pub(crate) fn reload(files: &ApiTls, tls: &api::listen::Tls, stats: &api::listen::Stats) {
    match load(files) {
        Ok(config) => {
            tls.replace(config);
            stats.tls_reloaded(true);
            tracing::info!(
                cert = %files.cert.display(),
                key = %files.key.display(),
                "API TLS certificate reloaded"
            );
        }
        Err(e) => {
            stats.tls_reloaded(false);
            tracing::error!(
                error = %format!("{e:#}"),
                "cannot reload the API TLS certificate; keeping the current one"
            );
        }
    }
}

/// Reloads the certificate and key at every SIGHUP, until the signal stream ends.
pub(crate) async fn reload_on_hangup(
    files: ApiTls,
    tls: Arc<api::listen::Tls>,
    stats: Arc<api::listen::Stats>,
    mut hangup: tokio::signal::unix::Signal,
) {
    while hangup.recv().await.is_some() {
        let (f, t, s) = (files.clone(), tls.clone(), stats.clone());
        // File reads and key parsing, off the runtime's threads.
        let _ = tokio::task::spawn_blocking(move || reload(&f, &t, &s)).await;
    }
}

/// The CLI's TLS configuration for a server that uses the certificate in `cert_file`.
pub(crate) fn client_config(cert_file: &Path) -> Result<rustls::ClientConfig> {
    let pinned = Pinned { certs: certificates(cert_file)?, provider: provider() };
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(pinned))
        .with_no_client_auth())
}

/// Trusts a server that shows one of these certificates (and proves it has its key: the
/// handshake signatures are checked as usual).
#[derive(Debug)]
struct Pinned {
    certs: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if self.certs.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the one in api.tls_cert".to_owned(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    struct Dir(std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("flowdns-api-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    /// A self-signed certificate and its key, written as PEM files into `d`.
    fn write_pair(d: &Path, name: &str) -> (ApiTls, CertificateDer<'static>) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let files =
            ApiTls { cert: d.join(format!("{name}.crt")), key: d.join(format!("{name}.key")) };
        std::fs::write(&files.cert, made.cert.pem()).unwrap();
        std::fs::write(&files.key, made.signing_key.serialize_pem()).unwrap();
        (files, made.cert.der().clone())
    }

    #[test]
    fn bad_files_are_refused_naming_the_file() {
        let d = dir("bad");
        let (good, _) = write_pair(&d.0, "a");
        let (other, _) = write_pair(&d.0, "b");
        assert!(load(&good).is_ok());
        let missing = ApiTls { cert: d.0.join("none.crt"), key: good.key.clone() };
        let e = format!("{:#}", load(&missing).unwrap_err());
        assert!(e.contains("cannot read the API TLS certificate") && e.contains("none.crt"), "{e}");
        let garbage = d.0.join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let e = format!(
            "{:#}",
            load(&ApiTls { cert: garbage.clone(), key: good.key.clone() }).unwrap_err()
        );
        assert!(e.contains("garbage.pem") && e.contains("no certificate"), "{e}");
        let e =
            format!("{:#}", load(&ApiTls { cert: good.cert.clone(), key: garbage }).unwrap_err());
        assert!(e.contains("garbage.pem") && e.contains("no private key"), "{e}");
        // The key of another certificate.
        let e =
            format!("{:#}", load(&ApiTls { cert: good.cert.clone(), key: other.key }).unwrap_err());
        assert!(e.contains("cannot be used together") && e.contains("a.crt"), "{e}");
    }

    #[test]
    fn a_failed_reload_keeps_the_certificate_in_force() {
        let d = dir("reload");
        let (files, first) = write_pair(&d.0, "a");
        let tls = api::listen::Tls::new(load(&files).unwrap());
        let stats = api::listen::Stats::default();
        // Which configuration is in force.
        let shown = |tls: &api::listen::Tls| Arc::as_ptr(&tls.current());
        let before = shown(&tls);
        std::fs::write(&files.cert, "-----BEGIN CERTIFICATE-----\nbroken\n").unwrap();
        reload(&files, &tls, &stats);
        assert_eq!(shown(&tls), before, "the old configuration is kept");
        let mut text = String::new();
        stats.render(&mut text, true);
        assert!(text.contains("flowdns_api_tls_reloads_total{result=\"error\"} 1"), "{text}");
        let (second, second_der) = write_pair(&d.0, "a");
        assert_ne!(second_der, first);
        reload(&second, &tls, &stats);
        assert_ne!(shown(&tls), before, "the new configuration is in force");
    }

    #[test]
    fn the_client_trusts_exactly_the_configured_certificate() {
        use rustls::client::danger::ServerCertVerifier as _;
        let d = dir("client");
        let (files, der) = write_pair(&d.0, "a");
        let (_, other) = write_pair(&d.0, "b");
        let pinned = Pinned { certs: certificates(&files.cert).unwrap(), provider: provider() };
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let now = rustls::pki_types::UnixTime::now();
        assert!(pinned.verify_server_cert(&der, &[], &name, &[], now).is_ok());
        assert!(pinned.verify_server_cert(&other, &[], &name, &[], now).is_err());
        assert!(client_config(&files.cert).is_ok());
    }
}
