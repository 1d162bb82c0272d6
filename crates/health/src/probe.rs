//! One probe: resolve, connect, (TLS), request, status, (body search).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::header::{CONNECTION, CONTENT_ENCODING, HOST, HeaderValue, USER_AGENT};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout, timeout_at};

use crate::body::{self, Progress, SEARCH_WINDOW, Search};
use crate::{MAX_HEADER_BYTES, Observation, ProbeKind, ProbeSpec, Prober, Resolve, reason};

/// Builds observations with the latency measured from one instant.
struct Outcome {
    started: Option<Instant>,
    target: Option<SocketAddr>,
    status: Option<u16>,
}

impl Outcome {
    fn done(&self, healthy: bool, reason: String) -> Observation {
        Observation {
            healthy,
            reason,
            latency: self.started.map_or(Duration::ZERO, |s| s.elapsed()),
            status: self.status,
            target: self.target,
        }
    }

    fn fail(&self, reason: String) -> Observation {
        self.done(false, reason)
    }
}

pub(crate) async fn run(prober: &Prober, spec: &ProbeSpec, resolver: &impl Resolve) -> Observation {
    let mut out = Outcome { started: None, target: None, status: None };
    let t = prober.timeouts;
    let ip = match spec.ip {
        Some(ip) => ip,
        None => match target_ip(spec, resolver, t.resolve).await {
            Ok(ip) => ip,
            Err(reason) => return out.fail(reason),
        },
    };
    let addr = SocketAddr::new(ip, spec.port);
    out.target = Some(addr);
    if let Some((net, prefix)) = prober.deny.iter().find(|(n, p)| crate::in_network(ip, *n, *p)) {
        return out.fail(reason::denied(ip, *net, *prefix));
    }
    if spec.port == 0 {
        return out.fail(reason::invalid_config("Port must be between 1 and 65535."));
    }
    let needle = if spec.kind.is_str_match() {
        match spec.search_string.as_deref() {
            Some(s) => Some(s.as_bytes()),
            None => return out.fail(reason::invalid_config("SearchString is required.")),
        }
    } else {
        None
    };

    out.started = Some(Instant::now());
    let connect_limit = if spec.kind == ProbeKind::Tcp { t.tcp_connect } else { t.connect };
    let stream = match timeout(connect_limit, TcpStream::connect(addr)).await {
        Err(_) => return out.fail(reason::connect_timeout()),
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            return out.fail(reason::connect_refused());
        }
        Ok(Err(e)) => return out.fail(reason::connect_failed(&e)),
        Ok(Ok(s)) => s,
    };
    if spec.kind == ProbeKind::Tcp {
        return out.done(true, reason::tcp_connected());
    }
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + t.response;

    if spec.kind.is_tls() {
        let name = match (&spec.fqdn, spec.validate_certificate || spec.enable_sni) {
            (Some(fqdn), true) => match ServerName::try_from(fqdn.trim_end_matches('.')) {
                Ok(n) => n.to_owned(),
                Err(_) if !spec.enable_sni => ServerName::IpAddress(ip.into()),
                Err(e) => return out.fail(reason::invalid_config(&format!("FQDN: {e}"))),
            },
            // An IP address as the server name sends no SNI.
            _ => ServerName::IpAddress(ip.into()),
        };
        let sni = spec.enable_sni && spec.fqdn.is_some();
        let connector =
            tokio_rustls::TlsConnector::from(prober.tls.get(spec.validate_certificate, sni));
        let tls = match timeout_at(deadline, connector.connect(name, stream)).await {
            Err(_) => return out.fail(reason::tls_failed(&"timed out")),
            Ok(Err(e)) => return out.fail(reason::tls_failed(&e)),
            Ok(Ok(s)) => s,
        };
        exchange(tls, spec, ip, needle, deadline, t.response, t.body, &mut out).await
    } else {
        exchange(stream, spec, ip, needle, deadline, t.response, t.body, &mut out).await
    }
}

/// The first IPv4 address of the FQDN, or a failure reason.
async fn target_ip(
    spec: &ProbeSpec,
    resolver: &impl Resolve,
    limit: Duration,
) -> Result<IpAddr, String> {
    let Some(fqdn) = spec.fqdn.as_deref().filter(|f| !f.is_empty()) else {
        return Err(reason::invalid_config(
            "neither IPAddress nor FullyQualifiedDomainName is set.",
        ));
    };
    match timeout(limit, resolver.resolve(fqdn)).await {
        Err(_) => Err(reason::dns_failed(&format!("timed out resolving {fqdn}"))),
        Ok(Err(e)) => Err(reason::dns_failed(&format!("{fqdn}: {e}"))),
        Ok(Ok(addrs)) => addrs
            .into_iter()
            .find(IpAddr::is_ipv4)
            .ok_or_else(|| reason::dns_failed(&format!("no IPv4 address for {fqdn}"))),
    }
}

/// The Host header value.
pub(crate) fn host_header(spec: &ProbeSpec, ip: IpAddr) -> String {
    let host = match (&spec.fqdn, ip) {
        (Some(fqdn), _) if !fqdn.is_empty() => fqdn.clone(),
        (_, IpAddr::V6(v6)) => format!("[{v6}]"),
        (_, IpAddr::V4(v4)) => v4.to_string(),
    };
    if spec.port == spec.kind.default_port() { host } else { format!("{host}:{}", spec.port) }
}

/// The request target: ResourcePath with a leading `/`.
fn path(spec: &ProbeSpec) -> String {
    match spec.resource_path.as_deref() {
        None | Some("") => "/".to_owned(),
        Some(p) if p.starts_with('/') => p.to_owned(),
        Some(p) => format!("/{p}"),
    }
}

/// Aborts the spawned connection task (and so closes the socket) when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[allow(clippy::too_many_arguments)]
async fn exchange<IO>(
    io: IO,
    spec: &ProbeSpec,
    ip: IpAddr,
    needle: Option<&[u8]>,
    deadline: Instant,
    response_limit: Duration,
    body_limit: Duration,
    out: &mut Outcome,
) -> Observation
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = match HeaderValue::from_str(&host_header(spec, ip)) {
        Ok(host) => Request::get(path(spec))
            .header(HOST, host)
            .header(USER_AGENT, crate::USER_AGENT)
            .header(CONNECTION, "close")
            .body(Empty::<Bytes>::new()),
        Err(e) => return out.fail(reason::invalid_config(&format!("Host header: {e}"))),
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => return out.fail(reason::invalid_config(&format!("ResourcePath: {e}"))),
    };

    let mut builder = hyper::client::conn::http1::Builder::new();
    builder.max_buf_size(MAX_HEADER_BYTES);
    let (mut sender, conn) = match builder.handshake(TokioIo::new(io)).await {
        Ok(pair) => pair,
        Err(e) => return out.fail(reason::read_failed(&e)),
    };
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));

    let response = match timeout_at(deadline, sender.send_request(request)).await {
        Err(_) => return out.fail(reason::response_timeout(response_limit)),
        Ok(Err(e)) => return out.fail(hyper_failure(&e)),
        Ok(Ok(r)) => r,
    };
    let code = response.status().as_u16();
    out.status = Some(code);
    let phrase = match response.status().canonical_reason() {
        Some(p) => Some(p.to_owned()),
        None => response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .map(|p| String::from_utf8_lossy(p.as_bytes()).chars().take(64).collect::<String>()),
    };
    let passed = (200..400).contains(&code);
    let status_reason = reason::http_status(passed, code, phrase.as_deref());
    let Some(needle) = needle.filter(|_| passed) else {
        return out.done(passed, status_reason);
    };

    let encoding =
        body::coding(response.headers().get(CONTENT_ENCODING).map(HeaderValue::as_bytes));
    let mut search = Search::new(needle, encoding);
    let mut incoming = response.into_body();
    let body_deadline = Instant::now() + body_limit;
    loop {
        let frame = match timeout_at(body_deadline, incoming.frame()).await {
            Err(_) => return out.fail(reason::body_timeout(body_limit)),
            Ok(None) => None,
            Ok(Some(Err(e))) => return out.fail(hyper_failure(&e)),
            Ok(Some(Ok(frame))) => Some(frame),
        };
        let progress = match frame {
            None => search.finish(),
            Some(frame) => match frame.into_data() {
                Ok(data) => search.feed(&data),
                Err(_trailers) => continue,
            },
        };
        match progress {
            Ok(Progress::Found) => return out.done(true, status_reason),
            Ok(Progress::NotFound) => return out.fail(reason::search_not_found(SEARCH_WINDOW)),
            Ok(Progress::More) => {}
            Err(e) => return out.fail(reason::decode_failed(search.encoding(), &e)),
        }
    }
}

/// The reason for an error from hyper while reading the response.
fn hyper_failure(e: &hyper::Error) -> String {
    // `is_parse_too_large` exists only with hyper's server feature: match the message instead.
    if e.is_parse() && e.to_string().contains("too large") {
        reason::headers_too_large(MAX_HEADER_BYTES)
    } else if e.is_parse() || e.is_parse_status() {
        reason::invalid_response(&e)
    } else if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        reason::closed_early()
    } else {
        reason::read_failed(&ErrorChain(e))
    }
}

/// Displays an error with its sources (`error: source: source`).
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn host_and_path() {
        let mut spec = ProbeSpec::new(ProbeKind::Http);
        let v4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(host_header(&spec, v4), "192.0.2.1");
        spec.port = 8080;
        assert_eq!(host_header(&spec, v4), "192.0.2.1:8080");
        assert_eq!(host_header(&spec, IpAddr::V6(Ipv6Addr::LOCALHOST)), "[::1]:8080");
        spec.fqdn = Some("www.example.com".into());
        assert_eq!(host_header(&spec, v4), "www.example.com:8080");
        let mut https = ProbeSpec::new(ProbeKind::HttpsStrMatch);
        https.fqdn = Some("www.example.com".into());
        assert_eq!(host_header(&https, v4), "www.example.com");
        https.port = 80;
        assert_eq!(host_header(&https, v4), "www.example.com:80");

        assert_eq!(path(&spec), "/");
        spec.resource_path = Some("health?x=1".into());
        assert_eq!(path(&spec), "/health?x=1");
        spec.resource_path = Some("/h".into());
        assert_eq!(path(&spec), "/h");
    }
}
