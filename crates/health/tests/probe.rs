//! Probes against real servers on loopback: well-behaved, failing and hostile.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use health::{
    Observation, ProbeKind, ProbeOptions, ProbeSpec, Prober, SystemResolver, Timeouts, probe,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// What the servers saw: request heads and SNI names.
#[derive(Default)]
struct Seen {
    heads: Mutex<Vec<String>>,
    sni: Mutex<Vec<Option<String>>>,
    connections: AtomicUsize,
}

impl Seen {
    fn host(&self) -> Option<String> {
        let heads = self.heads.lock().unwrap();
        let head = heads.last()?;
        head.lines()
            .find_map(|l| l.strip_prefix("host: ").or_else(|| l.strip_prefix("Host: ")))
            .map(str::to_owned)
    }
}

/// Reads a request head (up to the blank line) from the client.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match s.read(&mut byte).await {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A plain TCP server: each connection's request head is recorded, then `respond` runs.
async fn server<F, Fut>(respond: F) -> (u16, Arc<Seen>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            s.connections.fetch_add(1, Ordering::SeqCst);
            let head = read_head(&mut stream).await;
            s.heads.lock().unwrap().push(head);
            tokio::spawn(respond(stream));
        }
    });
    (port, seen)
}

/// Writes a whole response and closes.
fn fixed(
    response: Vec<u8>,
) -> impl Fn(TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static
{
    let response = Arc::new(response);
    move |mut s: TcpStream| {
        let r = response.clone();
        Box::pin(async move {
            let _ = s.write_all(&r).await;
            let _ = s.shutdown().await;
        })
    }
}

fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

fn spec(kind: ProbeKind, port: u16) -> ProbeSpec {
    ProbeSpec { ip: Some(LOCALHOST), port, ..ProbeSpec::new(kind) }
}

fn str_match(port: u16, needle: &str) -> ProbeSpec {
    ProbeSpec { search_string: Some(needle.into()), ..spec(ProbeKind::HttpStrMatch, port) }
}

/// Probes and checks the time bound.
async fn timed(spec: &ProbeSpec, bound: Duration) -> Observation {
    let start = Instant::now();
    let obs = probe(spec, &SystemResolver).await;
    let elapsed = start.elapsed();
    assert!(elapsed < bound, "took {elapsed:?} (bound {bound:?}): {obs:?}");
    obs
}

const QUICK: Duration = Duration::from_secs(1);
/// Route 53's connect (4 s) is not reached on loopback; status line 2 s, body 2 s, + 1 s slack.
const STATUS_BOUND: Duration = Duration::from_secs(3);
const BODY_BOUND: Duration = Duration::from_secs(5);

#[tokio::test]
async fn http_200_passes_with_ip_host() {
    let (port, seen) = server(fixed(response("200 OK", &[], b"hello"))).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: HTTP Status Code 200, OK");
    assert_eq!(obs.status, Some(200));
    assert_eq!(obs.target, Some(SocketAddr::new(LOCALHOST, port)));
    assert_eq!(seen.host().unwrap(), format!("127.0.0.1:{port}"));
    let head = seen.heads.lock().unwrap()[0].clone();
    assert!(head.starts_with("GET / HTTP/1.1\r\n"), "{head}");
}

#[tokio::test]
async fn host_header_is_the_fqdn_and_path_is_sent() {
    let (port, seen) = server(fixed(response("204 No Content", &[], b""))).await;
    let spec = ProbeSpec {
        fqdn: Some("api.example.test".into()),
        resource_path: Some("health?deep=1".into()),
        ..spec(ProbeKind::Http, port)
    };
    let obs = timed(&spec, QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: HTTP Status Code 204, No Content");
    assert_eq!(seen.host().unwrap(), format!("api.example.test:{port}"));
    assert!(seen.heads.lock().unwrap()[0].starts_with("GET /health?deep=1 HTTP/1.1\r\n"));
}

#[tokio::test]
async fn fqdn_is_resolved_ipv4_only() {
    let (port, seen) = server(fixed(response("200 OK", &[], b""))).await;
    let spec = ProbeSpec {
        ip: None,
        fqdn: Some("svc.example.test".into()),
        ..spec(ProbeKind::Http, port)
    };
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    let resolver = move |host: String| {
        a.lock().unwrap().push(host);
        async { Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST), LOCALHOST]) }
    };
    let obs = probe(&spec, &resolver).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.target, Some(SocketAddr::new(LOCALHOST, port)));
    assert_eq!(asked.lock().unwrap().as_slice(), ["svc.example.test"]);
    assert_eq!(seen.host().unwrap(), format!("svc.example.test:{port}"));

    let only_v6 = |_: String| async { Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)]) };
    let obs = probe(&spec, &only_v6).await;
    assert!(!obs.healthy);
    assert_eq!(obs.reason, "Failure: DNS resolution failed: no IPv4 address for svc.example.test");

    let nx = |_: String| async { Err(io::Error::other("NXDOMAIN")) };
    let obs = probe(&spec, &nx).await;
    assert_eq!(obs.reason, "Failure: DNS resolution failed: svc.example.test: NXDOMAIN");

    let neither = ProbeSpec { fqdn: None, ..spec.clone() };
    let obs = probe(&neither, &nx).await;
    assert!(obs.reason.starts_with("Failure: Invalid health check configuration"), "{obs:?}");
}

#[tokio::test]
async fn redirect_passes_and_is_not_followed() {
    let (port, seen) = server(fixed(response(
        "301 Moved Permanently",
        &["Location: http://127.0.0.1:1/elsewhere"],
        b"",
    )))
    .await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: HTTP Status Code 301, Moved Permanently");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn server_errors_fail() {
    let (port, _) = server(fixed(response("500 Internal Server Error", &[], b"boom"))).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert!(!obs.healthy);
    assert_eq!(obs.reason, "Failure: HTTP Status Code 500, Internal Server Error");
    assert_eq!(obs.status, Some(500));

    let (port, _) = server(fixed(response("404 Not Found", &[], b"needle"))).await;
    let obs = timed(&str_match(port, "needle"), QUICK).await;
    assert_eq!(obs.reason, "Failure: HTTP Status Code 404, Not Found");

    let (port, _) = server(fixed(response("599 Odd Thing", &[], b""))).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert_eq!(obs.reason, "Failure: HTTP Status Code 599, Odd Thing");
}

#[tokio::test]
async fn str_match_found_and_not_found() {
    let (port, _) = server(fixed(response("200 OK", &[], b"<html>status: ALL GOOD</html>"))).await;
    let obs = timed(&str_match(port, "ALL GOOD"), QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: HTTP Status Code 200, OK");
    let obs = timed(&str_match(port, "all good"), QUICK).await;
    assert!(!obs.healthy);
    assert_eq!(
        obs.reason,
        "Failure: The search string was not found in the first 5120 bytes of the response body."
    );
}

#[tokio::test]
async fn str_match_only_counts_the_first_5120_bytes() {
    let mut body = vec![b'.'; 5120 - 6];
    body.extend_from_slice(b"needle");
    let (port, _) = server(fixed(response("200 OK", &[], &body))).await;
    assert!(timed(&str_match(port, "needle"), QUICK).await.healthy);

    let mut body = vec![b'.'; 5120 - 5];
    body.extend_from_slice(b"needle");
    let (port, _) = server(fixed(response("200 OK", &[], &body))).await;
    let obs = timed(&str_match(port, "needle"), QUICK).await;
    assert!(!obs.healthy);
    assert!(obs.reason.contains("not found in the first 5120 bytes"), "{obs:?}");
}

#[tokio::test]
async fn str_match_chunked_and_compressed_bodies() {
    use flate2::Compression;
    use std::io::Write;
    let text = format!("{}ALL GOOD", "padding ".repeat(200));

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (port, _) = server(fixed(response("200 OK", &["Content-Encoding: gzip"], &gz))).await;
    let obs = timed(&str_match(port, "ALL GOOD"), QUICK).await;
    assert!(obs.healthy, "{obs:?}");

    let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    zl.write_all(text.as_bytes()).unwrap();
    let zl = zl.finish().unwrap();
    let (port, _) = server(fixed(response("200 OK", &["Content-Encoding: deflate"], &zl))).await;
    assert!(timed(&str_match(port, "ALL GOOD"), QUICK).await.healthy);

    // The compressed bytes themselves do not contain the string.
    let (port, _) = server(fixed(response("200 OK", &["Content-Encoding: br"], &gz))).await;
    assert!(!timed(&str_match(port, "ALL GOOD"), QUICK).await.healthy);

    let (port, _) =
        server(fixed(response("200 OK", &["Content-Encoding: gzip"], b"not gzip"))).await;
    let obs = timed(&str_match(port, "x"), QUICK).await;
    assert!(
        obs.reason.starts_with("Failure: Could not decode the response body (gzip)"),
        "{obs:?}"
    );

    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let (port, _) = server(fixed(chunked.to_vec())).await;
    assert!(timed(&str_match(port, "lo wo"), QUICK).await.healthy);
}

#[tokio::test]
async fn tcp_open_passes_closed_fails_fast() {
    let (port, _) = server(|_s| async {}).await;
    let obs = timed(&spec(ProbeKind::Tcp, port), QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: TCP connection established.");

    let closed = {
        let l = std::net::TcpListener::bind((LOCALHOST, 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    for kind in [ProbeKind::Tcp, ProbeKind::Http, ProbeKind::Https] {
        let obs = timed(&spec(kind, closed), QUICK).await;
        assert!(!obs.healthy);
        assert!(obs.reason.starts_with("Failure: Connection refused."), "{obs:?}");
    }
}

#[tokio::test]
async fn connect_timeout_is_reported() {
    // A listener with a backlog of 1 that never accepts: once its queue is full, the kernel
    // drops further SYNs and connecting hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(LOCALHOST, 0)).unwrap();
    let listener = socket.listen(1).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            TcpStream::connect((LOCALHOST, port)),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        tcp_connect: Duration::from_millis(500),
        ..Timeouts::default()
    };
    let prober = Prober::new(ProbeOptions { timeouts, ..ProbeOptions::default() }).unwrap();
    let start = Instant::now();
    let obs = prober.probe(&spec(ProbeKind::Tcp, port), &SystemResolver).await;
    assert!(start.elapsed() < Duration::from_millis(1500), "{obs:?}");
    assert!(!obs.healthy);
    assert!(obs.reason.starts_with("Failure: Connection timed out."), "{obs:?}");
    drop(listener);
}

// ---- HTTPS ----

struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
    cert: CertificateDer<'static>,
}

fn tls() -> Tls {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = key.cert.der().clone();
    let pk = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.clone()], pk)
    .unwrap();
    Tls { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)), cert }
}

/// An HTTPS server answering every request with `response`; records SNI and heads.
async fn https_server(tls: &Tls, response: Vec<u8>) -> (u16, Arc<Seen>) {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Seen::default());
    let (s, acceptor, response) = (seen.clone(), tls.acceptor.clone(), Arc::new(response));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (s, acceptor, response) = (s.clone(), acceptor.clone(), response.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                s.sni.lock().unwrap().push(tls.get_ref().1.server_name().map(str::to_owned));
                let head = read_head(&mut tls).await;
                s.heads.lock().unwrap().push(head);
                let _ = tls.write_all(&response).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn https_self_signed_passes_without_validation_with_sni() {
    let tls = tls();
    let (port, seen) = https_server(&tls, response("200 OK", &[], b"secure ok")).await;
    let https = ProbeSpec {
        fqdn: Some("secure.example.test".into()),
        search_string: Some("secure ok".into()),
        ..spec(ProbeKind::HttpsStrMatch, port)
    };
    let obs = timed(&https, QUICK).await;
    assert!(obs.healthy, "{obs:?}");
    assert_eq!(obs.reason, "Success: HTTP Status Code 200, OK");
    assert_eq!(seen.sni.lock().unwrap().as_slice(), [Some("secure.example.test".to_owned())]);
    assert_eq!(seen.host().unwrap(), format!("secure.example.test:{port}"));

    // EnableSNI off: no SNI, same Host.
    let no_sni = ProbeSpec { enable_sni: false, ..https.clone() };
    assert!(timed(&no_sni, QUICK).await.healthy);
    assert_eq!(seen.sni.lock().unwrap()[1], None);
    // No FQDN: no SNI, Host is the IP.
    let by_ip = spec(ProbeKind::Https, port);
    assert!(timed(&by_ip, QUICK).await.healthy);
    assert_eq!(seen.sni.lock().unwrap()[2], None);
    assert_eq!(seen.host().unwrap(), format!("127.0.0.1:{port}"));
}

#[tokio::test]
async fn https_validation_rejects_self_signed_unless_trusted() {
    let tls = tls();
    let (port, _) = https_server(&tls, response("200 OK", &[], b"")).await;
    let spec = ProbeSpec {
        fqdn: Some("localhost".into()),
        validate_certificate: true,
        ..spec(ProbeKind::Https, port)
    };
    let obs = timed(&spec, QUICK).await;
    assert!(!obs.healthy);
    assert!(
        obs.reason.starts_with("Failure: TLS handshake failed: invalid peer certificate"),
        "{obs:?}"
    );

    let prober = Prober::new(ProbeOptions {
        extra_roots: vec![tls.cert.clone()],
        ..ProbeOptions::default()
    })
    .unwrap();
    let obs = prober.probe(&spec, &SystemResolver).await;
    assert!(obs.healthy, "{obs:?}");
    // Trusted, but for another name.
    let other = ProbeSpec { fqdn: Some("other.example.test".into()), ..spec.clone() };
    let obs = prober.probe(&other, &SystemResolver).await;
    assert!(
        obs.reason.starts_with("Failure: TLS handshake failed: invalid peer certificate"),
        "{obs:?}"
    );
}

// ---- hostile endpoints ----

#[tokio::test]
async fn hostile_never_ending_headers() {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let (port, _) = server(move |mut s| {
        let counter = counter.clone();
        async move {
            if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                return;
            }
            let line =
                b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
            while s.write_all(line).await.is_ok() {
                counter.fetch_add(line.len(), Ordering::SeqCst);
            }
        }
    })
    .await;
    let obs = timed(&spec(ProbeKind::Http, port), STATUS_BOUND).await;
    assert!(!obs.healthy);
    assert_eq!(
        obs.reason,
        "Failure: Received invalid response: the response headers exceed 16384 bytes."
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The client stopped reading: what the server managed to write is what the socket
    // buffers hold, not an unbounded stream.
    assert!(sent.load(Ordering::SeqCst) < 16 * 1024 * 1024);
}

#[tokio::test]
async fn hostile_one_byte_per_second() {
    let (port, _) = server(|mut s| async move {
        for b in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let start = Instant::now();
    let obs = timed(&spec(ProbeKind::Http, port), STATUS_BOUND).await;
    assert!(start.elapsed() >= Duration::from_millis(1900));
    assert!(!obs.healthy);
    assert_eq!(
        obs.reason,
        "Failure: Timed out waiting for the response. The endpoint did not send the status line \
         and headers within 2 seconds of the connection being established."
    );
}

#[tokio::test]
async fn hostile_silent_after_accept() {
    let (port, _) = server(|s| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(s);
    })
    .await;
    let obs = timed(&spec(ProbeKind::Http, port), STATUS_BOUND).await;
    assert!(obs.reason.starts_with("Failure: Timed out waiting for the response."), "{obs:?}");
    // HTTPS: the handshake is within the same 2 s.
    let obs = timed(&spec(ProbeKind::Https, port), STATUS_BOUND).await;
    assert_eq!(obs.reason, "Failure: TLS handshake failed: timed out");
}

#[tokio::test]
async fn hostile_slow_body() {
    let (port, _) = server(|mut s| async move {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").await;
        loop {
            if s.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
    .await;
    let obs = timed(&str_match(port, "needle"), BODY_BOUND).await;
    assert_eq!(obs.status, Some(200));
    assert_eq!(
        obs.reason,
        "Failure: Timed out reading the response body. The search string was not received within \
         2 seconds of the response headers."
    );
}

#[tokio::test]
async fn hostile_garbage() {
    let (port, _) =
        server(fixed(b"\x00\x01garbage that is not HTTP at all\r\n\r\n".to_vec())).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert!(!obs.healthy);
    assert!(obs.reason.starts_with("Failure: Received invalid response: "), "{obs:?}");

    eprintln!("garbage: {}", obs.reason);
    let (port, _) = server(fixed(vec![b'z'; 100_000])).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert!(obs.reason.starts_with("Failure: Received invalid response: "), "{obs:?}");

    // Closed without a byte.
    let (port, _) = server(fixed(Vec::new())).await;
    let obs = timed(&spec(ProbeKind::Http, port), QUICK).await;
    assert_eq!(
        obs.reason,
        "Failure: The connection was closed before a complete response was received."
    );
}

#[tokio::test]
async fn hostile_tls_handshake_failure() {
    // A plain HTTP server on an HTTPS check: it answers the ClientHello with an HTTP response.
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(&response("400 Bad Request", &[], b"plain http")).await;
        }
    });
    let obs = timed(&spec(ProbeKind::Https, port), QUICK).await;
    assert!(!obs.healthy);
    assert!(obs.reason.starts_with("Failure: TLS handshake failed: "), "{obs:?}");
    assert!(!obs.reason.contains("timed out"), "{obs:?}");
    eprintln!("plain HTTP on HTTPS: {}", obs.reason);
}

#[tokio::test]
async fn hostile_huge_body_before_the_string() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let (port, _) = server(move |mut s| {
        let counter = counter.clone();
        async move {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", TEN_MB + 6);
            let _ = s.write_all(head.as_bytes()).await;
            let chunk = vec![b'.'; 64 * 1024];
            while counter.load(Ordering::SeqCst) < TEN_MB {
                match s.write(&chunk).await {
                    Ok(n) if n > 0 => counter.fetch_add(n, Ordering::SeqCst),
                    _ => return,
                };
            }
            let _ = s.write_all(b"needle").await;
        }
    })
    .await;
    let obs = timed(&str_match(port, "needle"), QUICK).await;
    assert!(!obs.healthy);
    assert_eq!(
        obs.reason,
        "Failure: The search string was not found in the first 5120 bytes of the response body."
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let written = sent.load(Ordering::SeqCst);
    eprintln!("huge body: the server wrote {written} bytes before the probe closed");
    assert!(written < TEN_MB, "the server wrote all {written} bytes");
}

#[tokio::test]
async fn hostile_gzip_bomb() {
    use flate2::Compression;
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&vec![0u8; 50 * 1024 * 1024]).unwrap();
    let gz = gz.finish().unwrap();
    let (port, _) = server(fixed(response("200 OK", &["Content-Encoding: gzip"], &gz))).await;
    let obs = timed(&str_match(port, "needle"), QUICK).await;
    assert!(obs.reason.contains("not found in the first 5120 bytes"), "{obs:?}");
}
