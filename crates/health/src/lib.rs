//! Health-check probes with Route 53's semantics (spec section 4 in
//! `../shared/spec/route53-traffic-flow.md`).
//!
//! A probe is one attempt of one health check from one checker: [`Prober::probe`] (or the
//! free function [`probe`] with the default limits) takes a [`ProbeSpec`] and returns an
//! [`Observation`]: healthy or not, with a Route 53-style reason (see [`reason`]), the latency
//! and the HTTP status. A probe never panics and never returns an error: every failure is an
//! unhealthy observation with its reason. Scheduling, thresholds, inversion, aggregation over
//! checkers and calculated checks are not here.
//!
//! # Semantics
//!
//! - Target: `ip` when given, else `fqdn` resolved on every probe through the [`Resolve`]
//!   given (the default [`SystemResolver`] uses `tokio::net::lookup_host`). Like Route 53 only
//!   IPv4 results are used; none is `Failure: DNS resolution failed: ...`.
//! - TCP: healthy when the connection is established within [`Timeouts::tcp_connect`] (10 s).
//! - HTTP(S): TCP connect within [`Timeouts::connect`] (4 s); then the TLS handshake (HTTPS),
//!   the request and the status line with all headers within [`Timeouts::response`] (2 s) of
//!   the connection being established. Status 200-399 passes, anything else fails; redirects
//!   are not followed. Headers larger than [`MAX_HEADER_BYTES`] fail. The request is
//!   `GET <ResourcePath> HTTP/1.1` (path default `/`, a missing leading `/` added) with
//!   `Host`, `User-Agent` and `Connection: close`.
//! - Host header: the FQDN when given, else the IP (IPv6 in brackets), followed by `:port`
//!   when the port is not the scheme's default (80 for HTTP, 443 for HTTPS).
//! - HTTPS: rustls (TLS 1.2 and 1.3; Route 53 also accepts TLS 1.0 and 1.1, rustls does not).
//!   SNI is the FQDN when given and `enable_sni` is set; otherwise no SNI is sent.
//!   Certificates are not validated unless `validate_certificate` is set (a flowdns extension),
//!   in which case the chain is checked against the `webpki-roots` Mozilla roots plus
//!   [`ProbeOptions::extra_roots`], and the name against the FQDN (or the IP without one).
//! - `*_STR_MATCH`: after a passing status, the search string (case-sensitive bytes) must
//!   appear in the first [`SEARCH_WINDOW`] (5,120) bytes of the body, decoded when
//!   `Content-Encoding` is `gzip` or `deflate` (zlib or raw); other codings are searched as
//!   they are. The body must deliver the string within [`Timeouts::body`] (2 s) of the headers.
//!   At most 5,120 decoded bytes are kept and reading stops as soon as the answer is known.
//!
//! Worst-case duration of one probe: `resolve + connect + response + body` (4 + 4 + 2 + 2 s
//! with the defaults); TCP: `resolve + tcp_connect`. Memory per probe is bounded by hyper's
//! 16 KiB read buffer, the 5,120-byte window and one 1 KiB slice's worth of decompression.

#![deny(missing_docs)]

mod body;
pub mod checker;
mod probe;
pub mod reason;
pub mod state;
mod tls;
pub mod view;

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

pub use body::{MAX_COMPRESSED, SEARCH_WINDOW};
pub use rustls::pki_types::CertificateDer;

/// The response headers (status line included) may not exceed this many bytes (Route 53: 16,384).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The `User-Agent` sent with HTTP(S) probes.
pub const USER_AGENT: &str = concat!("flowdns-health-check/", env!("CARGO_PKG_VERSION"));

/// The probe types: Route 53's `HealthCheckConfig.Type` values that make a network request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    /// `HTTP`.
    Http,
    /// `HTTPS`.
    Https,
    /// `HTTP_STR_MATCH`.
    HttpStrMatch,
    /// `HTTPS_STR_MATCH`.
    HttpsStrMatch,
    /// `TCP`.
    Tcp,
}

impl ProbeKind {
    /// The kind for a Route 53 type name (`HTTP`, `HTTPS_STR_MATCH`, ...); `None` for types
    /// that are not probes (`CALCULATED`, `CLOUDWATCH_METRIC`, `RECOVERY_CONTROL`) or unknown.
    pub fn from_route53(name: &str) -> Option<ProbeKind> {
        Some(match name {
            "HTTP" => ProbeKind::Http,
            "HTTPS" => ProbeKind::Https,
            "HTTP_STR_MATCH" => ProbeKind::HttpStrMatch,
            "HTTPS_STR_MATCH" => ProbeKind::HttpsStrMatch,
            "TCP" => ProbeKind::Tcp,
            _ => return None,
        })
    }

    /// Whether the probe speaks TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, ProbeKind::Https | ProbeKind::HttpsStrMatch)
    }

    /// Whether the probe looks for a search string in the body.
    pub fn is_str_match(self) -> bool {
        matches!(self, ProbeKind::HttpStrMatch | ProbeKind::HttpsStrMatch)
    }

    /// Route 53's default port: 443 for HTTPS types, 80 otherwise (TCP has no default in
    /// Route 53; 80 is returned for it).
    pub fn default_port(self) -> u16 {
        if self.is_tls() { 443 } else { 80 }
    }
}

/// What to probe: the fields of Route 53's `HealthCheckConfig` that a single attempt needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSpec {
    /// The check type.
    pub kind: ProbeKind,
    /// `IPAddress`: the address to connect to. When absent, `fqdn` is resolved.
    pub ip: Option<IpAddr>,
    /// `Port`.
    pub port: u16,
    /// `FullyQualifiedDomainName`: the Host header and SNI name, and the target without `ip`.
    pub fqdn: Option<String>,
    /// `ResourcePath` (default `/`; may carry a query string).
    pub resource_path: Option<String>,
    /// `SearchString`, for the `*_STR_MATCH` kinds.
    pub search_string: Option<String>,
    /// `EnableSNI`, for the HTTPS kinds.
    pub enable_sni: bool,
    /// flowdns extension: validate the HTTPS certificate (Route 53 never does).
    pub validate_certificate: bool,
}

impl ProbeSpec {
    /// A spec with Route 53's defaults: the kind's default port, path `/`, SNI on.
    pub fn new(kind: ProbeKind) -> ProbeSpec {
        ProbeSpec {
            kind,
            ip: None,
            port: kind.default_port(),
            fqdn: None,
            resource_path: None,
            search_string: None,
            enable_sni: true,
            validate_certificate: false,
        }
    }
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Whether this attempt passed.
    pub healthy: bool,
    /// Route 53-style status: `Success: ...` or `Failure: ...` (see [`reason`]).
    pub reason: String,
    /// Time from the start of the TCP connection attempt to the result (resolution excluded);
    /// zero when no connection was attempted.
    pub latency: Duration,
    /// The HTTP status code, when a status line was received.
    pub status: Option<u16>,
    /// The address connected to (or tried), when one was known.
    pub target: Option<SocketAddr>,
}

/// The time limits of a probe. The defaults are Route 53's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Resolving the FQDN (default 4 s; Route 53 does not document one).
    pub resolve: Duration,
    /// HTTP(S): establishing the TCP connection (default 4 s).
    pub connect: Duration,
    /// TCP checks: establishing the TCP connection (default 10 s).
    pub tcp_connect: Duration,
    /// HTTP(S): TLS handshake, request and the whole response head, counted from the
    /// connection (default 2 s).
    pub response: Duration,
    /// `*_STR_MATCH`: the search string must arrive within this time of the headers (2 s).
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            resolve: Duration::from_secs(4),
            connect: Duration::from_secs(4),
            tcp_connect: Duration::from_secs(10),
            response: Duration::from_secs(2),
            body: Duration::from_secs(2),
        }
    }
}

/// Options of a [`Prober`].
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    /// Time limits.
    pub timeouts: Timeouts,
    /// Roots trusted in addition to `webpki-roots` when a check validates certificates.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Networks never probed (address, prefix length): a check whose target falls in one
    /// fails with a reason saying so. Loopback and private addresses are allowed by default.
    pub deny: Vec<(IpAddr, u8)>,
}

/// Whether `ip` is in the network `net/prefix` (IPv4-mapped IPv6 addresses count as IPv4).
pub fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let canon = |a: IpAddr| match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    };
    match (canon(ip), canon(net)) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Resolves a host name to addresses, for specs without an IP address.
///
/// Implemented by [`SystemResolver`] and by every `Fn(String) -> impl Future<Output =
/// io::Result<Vec<IpAddr>>>` closure (handy in tests).
pub trait Resolve: Send + Sync {
    /// The addresses of `host` (only IPv4 ones are used).
    fn resolve(&self, host: &str) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send;
}

/// The system resolver, through `tokio::net::lookup_host`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        let addrs = tokio::net::lookup_host((host, 0)).await?;
        Ok(addrs.map(|a| a.ip()).collect())
    }
}

impl<F, Fut> Resolve for F
where
    F: Fn(String) -> Fut + Send + Sync,
    Fut: Future<Output = io::Result<Vec<IpAddr>>> + Send,
{
    fn resolve(&self, host: &str) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
        self(host.to_owned())
    }
}

/// Runs probes with fixed options; holds the TLS configurations, so build one and reuse it.
#[derive(Debug, Clone)]
pub struct Prober {
    timeouts: Timeouts,
    tls: tls::Configs,
    deny: Vec<(IpAddr, u8)>,
}

impl Prober {
    /// A prober with these options. Fails only if an extra root is not a usable certificate.
    pub fn new(options: ProbeOptions) -> Result<Prober, rustls::Error> {
        Ok(Prober {
            timeouts: options.timeouts,
            tls: tls::Configs::new(&options.extra_roots)?,
            deny: options.deny,
        })
    }

    /// The time limits in force.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// One probe of `spec`; `resolver` is used only when the spec has no IP address.
    pub async fn probe(&self, spec: &ProbeSpec, resolver: &impl Resolve) -> Observation {
        probe::run(self, spec, resolver).await
    }
}

/// One probe with the default options (Route 53's limits, no extra roots).
pub async fn probe(spec: &ProbeSpec, resolver: &impl Resolve) -> Observation {
    static DEFAULT: OnceLock<Result<Prober, String>> = OnceLock::new();
    match DEFAULT.get_or_init(|| Prober::new(ProbeOptions::default()).map_err(|e| e.to_string())) {
        Ok(prober) => prober.probe(spec, resolver).await,
        Err(e) => Observation {
            healthy: false,
            reason: reason::tls_failed(e),
            latency: Duration::ZERO,
            status: None,
            target: None,
        },
    }
}
