//! TLS client configurations for HTTPS probes: rustls with the `ring` provider (never aws-lc).
//!
//! Four configurations are built once per [`crate::Prober`]: validating or not, sending SNI or
//! not. Without validation (Route 53's behaviour) any certificate is accepted, expired,
//! self-signed or for another name, and handshake signatures are not checked either. With
//! validation the chain is checked against the Mozilla roots of `webpki-roots` plus any roots
//! the prober was given, and the name against the FQDN (or the IP address when there is none).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The four client configurations, indexed by (validate, sni).
#[derive(Debug, Clone)]
pub(crate) struct Configs {
    configs: [Arc<ClientConfig>; 4],
}

impl Configs {
    pub(crate) fn new(extra_roots: &[CertificateDer<'static>]) -> Result<Configs, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for root in extra_roots {
            roots.add(root.clone())?;
        }
        let roots = Arc::new(roots);
        let build = |validate: bool, sni: bool| -> Result<Arc<ClientConfig>, rustls::Error> {
            let builder = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()?;
            let mut config = if validate {
                builder.with_root_certificates(roots.clone()).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAny(provider.clone())))
                    .with_no_client_auth()
            };
            config.enable_sni = sni;
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        };
        Ok(Configs {
            configs: [
                build(false, false)?,
                build(false, true)?,
                build(true, false)?,
                build(true, true)?,
            ],
        })
    }

    pub(crate) fn get(&self, validate: bool, sni: bool) -> Arc<ClientConfig> {
        let i = usize::from(validate) * 2 + usize::from(sni);
        self.configs[i].clone()
    }
}

/// Accepts every certificate and signature: Route 53 does not validate certificates.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
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
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
