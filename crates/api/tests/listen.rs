//! The accept loop (`api::listen`) on loopback: connection caps, the header, idle, stall and
//! TLS handshake timeouts, TLS with a certificate swapped at run time, and shutdown.
//!
//! Timeouts are short here; the tests wait for what must happen (a close, a counter) with a
//! generous bound and never check how long it took.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use api::listen::{Limits, Options, Refused, Stats, TimedOut, Tls};
use axum::body::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The longest any wait here waits.
const WAIT: Duration = Duration::from_secs(20);

struct Running {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

fn router() -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(|| async { "ok" }))
        .route("/echo", axum::routing::post(|body: Bytes| async move { body }))
        .route("/big", axum::routing::get(|| async { vec![b'x'; BIG] }))
}

/// The size of `GET /big`: more than the socket buffers hold.
const BIG: usize = 8 << 20;

async fn start(limits: Limits, tls: Option<Arc<Tls>>) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(Stats::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = Options { limits, tls, stats: stats.clone() };
    let task = tokio::spawn(api::listen::serve(listener, router(), options, async move {
        let _ = stopped.await;
    }));
    Running { addr, stats, stop: Some(stop), task }
}

/// Limits with every timeout long (longer than any wait here) unless a test shortens it.
fn limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(600),
        tls_handshake_timeout: Duration::from_secs(600),
        max_connections: 100,
        max_connections_per_source: 100,
    }
}

async fn connect_from(source: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Waits until `cond` holds.
async fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "waited {WAIT:?} for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether the server closed the connection (end of stream or reset) within the wait.
async fn closed_by_server(stream: &mut (impl AsyncReadExt + Unpin)) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(WAIT, read).await.is_ok()
}

/// One `GET /` on a kept-alive connection; the body it answered.
async fn get(stream: &mut (impl AsyncReadExt + AsyncWriteExt + Unpin)) -> String {
    stream.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let answered = async {
        while !String::from_utf8_lossy(&got).ends_with("\r\n\r\nok") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before answering: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(WAIT, answered).await.unwrap();
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text
}

#[tokio::test]
async fn connections_over_the_global_cap_are_closed_at_once() {
    let server = start(Limits { max_connections: 3, ..limits() }, None).await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(connect_from("127.0.0.1", server.addr).await);
    }
    until("3 connections open", || server.stats.open() == 3).await;
    let mut over = connect_from("127.0.0.1", server.addr).await;
    assert!(closed_by_server(&mut over).await, "the 4th connection is closed");
    assert_eq!(server.stats.refused(Refused::MaxConnections), 1);
    assert_eq!(server.stats.refused(Refused::MaxConnectionsPerSource), 0);
    // The silent ones are still open and usable.
    get(&mut silent[0]).await;
    // One closed: room for one more, which is served.
    silent.pop();
    until("2 connections open", || server.stats.open() == 2).await;
    let mut next = connect_from("127.0.0.1", server.addr).await;
    get(&mut next).await;
    assert_eq!(server.stats.refused(Refused::MaxConnections), 1);
}

#[tokio::test]
async fn the_per_source_cap_counts_each_source_alone() {
    let server = start(Limits { max_connections_per_source: 2, ..limits() }, None).await;
    let _a = connect_from("127.0.0.2", server.addr).await;
    let _b = connect_from("127.0.0.2", server.addr).await;
    until("2 connections open", || server.stats.open() == 2).await;
    let mut third = connect_from("127.0.0.2", server.addr).await;
    assert!(closed_by_server(&mut third).await, "the third from 127.0.0.2 is closed");
    assert_eq!(server.stats.refused(Refused::MaxConnectionsPerSource), 1);
    // Another source is served while 127.0.0.2 is at its cap.
    let mut other = connect_from("127.0.0.3", server.addr).await;
    get(&mut other).await;
    get(&mut other).await;
    assert_eq!(server.stats.refused(Refused::MaxConnectionsPerSource), 1);
    assert_eq!(server.stats.refused(Refused::MaxConnections), 0);
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let server =
        start(Limits { header_timeout: Duration::from_millis(300), ..limits() }, None).await;
    let mut silent = connect_from("127.0.0.1", server.addr).await;
    assert!(closed_by_server(&mut silent).await);
    until("counted", || server.stats.timed_out(TimedOut::Header) == 1).await;
    until("no connection open", || server.stats.open() == 0).await;
    assert_eq!(server.stats.timed_out(TimedOut::Idle), 0);
}

#[tokio::test]
async fn a_header_sent_a_byte_at_a_time_is_cut_off() {
    let server =
        start(Limits { header_timeout: Duration::from_millis(500), ..limits() }, None).await;
    let mut slow = connect_from("127.0.0.1", server.addr).await;
    slow.write_all(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ").await.unwrap();
    // One byte every 50 ms: the connection is never quiet, but the header never ends.
    let (mut reader, mut writer) = slow.into_split();
    let trickle = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if writer.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(closed_by_server(&mut reader).await, "the slow header is cut off");
    trickle.abort();
    until("counted", || server.stats.timed_out(TimedOut::Header) == 1).await;
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_the_idle_timeout() {
    // The header timeout is long: only the idle timeout can close this connection.
    let server = start(Limits { idle_timeout: Duration::from_millis(300), ..limits() }, None).await;
    let mut conn = connect_from("127.0.0.1", server.addr).await;
    get(&mut conn).await;
    get(&mut conn).await;
    assert!(closed_by_server(&mut conn).await, "closed once idle");
    until("counted", || server.stats.timed_out(TimedOut::Idle) == 1).await;
    assert_eq!(server.stats.timed_out(TimedOut::Header), 0);
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_one_after_the_other() {
    let server = start(
        Limits {
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(5),
            ..limits()
        },
        None,
    )
    .await;
    let mut conn = connect_from("127.0.0.1", server.addr).await;
    for _ in 0..5 {
        get(&mut conn).await;
    }
    assert_eq!(server.stats.accepted(), 1, "one connection for every request");
}

#[tokio::test]
async fn a_header_larger_than_the_read_buffer_is_refused_and_a_normal_one_still_served() {
    let server = start(limits(), None).await;
    let mut conn = connect_from("127.0.0.1", server.addr).await;
    // 200 KB of header fields: hyper's default buffer (about 400 KB) would take it all.
    let mut request = b"GET / HTTP/1.1\r\nHost: test\r\n".to_vec();
    for i in 0..20 {
        request.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "a".repeat(10_000)).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    // The server may stop reading (and close) before the whole header is written.
    let _ = conn.write_all(&request).await;
    // Refused and closed: 431, or a reset when the close overtakes the answer (unread header
    // bytes left in the server's socket). The default buffer would answer 200 and keep the
    // connection open.
    let mut got = Vec::new();
    let closed = tokio::time::timeout(WAIT, conn.read_to_end(&mut got)).await;
    assert!(closed.is_ok(), "the connection was kept open");
    let text = String::from_utf8_lossy(&got);
    assert!(got.is_empty() || text.starts_with("HTTP/1.1 431"), "{text}");
    let mut other = connect_from("127.0.0.1", server.addr).await;
    get(&mut other).await;
}

#[tokio::test]
async fn a_stalled_request_body_is_cut_off() {
    let server = start(Limits { idle_timeout: Duration::from_millis(300), ..limits() }, None).await;
    let mut conn = connect_from("127.0.0.1", server.addr).await;
    conn.write_all(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    assert!(closed_by_server(&mut conn).await);
    until("counted", || server.stats.timed_out(TimedOut::Stalled) == 1).await;
    assert_eq!(server.stats.timed_out(TimedOut::Header), 0);
}

#[tokio::test]
async fn a_response_read_slowly_is_sent_whole_and_one_not_read_is_cut_off_as_stalled() {
    let server = start(Limits { idle_timeout: Duration::from_secs(1), ..limits() }, None).await;
    // Read in small bites with short pauses: the whole takes longer than the idle timeout,
    // but the response never stops moving for that long.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut slow = socket.connect(server.addr).await.unwrap();
    slow.write_all(b"GET /big HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let whole = loop {
        let n = tokio::time::timeout(WAIT, slow.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "closed after {} octets", got.len());
        got.extend_from_slice(&buf[..n]);
        if let Some(head) = got.windows(4).position(|w| w == b"\r\n\r\n")
            && got.len() >= head + 4 + BIG
        {
            break head + 4 + BIG;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(got.len(), whole);
    // A client that never reads its response: cut off, as stalled (not idle).
    let idle = server.stats.timed_out(TimedOut::Idle);
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut deaf = socket.connect(server.addr).await.unwrap();
    deaf.write_all(b"GET /big HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    until("counted", || server.stats.timed_out(TimedOut::Stalled) == 1).await;
    assert_eq!(server.stats.timed_out(TimedOut::Idle), idle);
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

struct Cert {
    der: rustls::pki_types::CertificateDer<'static>,
    config: rustls::ServerConfig,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn cert() -> Cert {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let der = made.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        made.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    Cert { der, config }
}

/// A TLS client trusting `trusted`; answers the stream and the certificate the server showed.
async fn tls_connect(
    addr: SocketAddr,
    trusted: &rustls::pki_types::CertificateDer<'static>,
) -> (tokio_rustls::client::TlsStream<TcpStream>, rustls::pki_types::CertificateDer<'static>) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = connect_from("127.0.0.1", addr).await;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio::time::timeout(WAIT, connector.connect(name, tcp)).await.unwrap().unwrap();
    let shown = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    (stream, shown)
}

#[tokio::test]
async fn tls_serves_and_takes_a_new_certificate_for_new_connections() {
    let first = cert();
    let tls = Arc::new(Tls::new(first.config));
    let server = start(limits(), Some(tls.clone())).await;
    let (mut old, shown) = tls_connect(server.addr, &first.der).await;
    assert_eq!(shown, first.der);
    get(&mut old).await;
    let second = cert();
    tls.replace(second.config);
    let (mut new, shown) = tls_connect(server.addr, &second.der).await;
    assert_eq!(shown, second.der, "a new connection gets the new certificate");
    get(&mut new).await;
    // The established connection goes on with the old one.
    get(&mut old).await;
}

#[tokio::test]
async fn a_tls_handshake_in_progress_counts_for_the_cap() {
    let c = cert();
    let server =
        start(Limits { max_connections: 1, ..limits() }, Some(Arc::new(Tls::new(c.config)))).await;
    let _silent = connect_from("127.0.0.1", server.addr).await;
    until("1 connection open", || server.stats.open() == 1).await;
    let mut over = connect_from("127.0.0.2", server.addr).await;
    assert!(closed_by_server(&mut over).await);
    assert_eq!(server.stats.refused(Refused::MaxConnections), 1);
}

#[tokio::test]
async fn a_silent_tls_client_is_closed_after_the_handshake_timeout() {
    let c = cert();
    let limits = Limits { tls_handshake_timeout: Duration::from_millis(300), ..limits() };
    let server = start(limits, Some(Arc::new(Tls::new(c.config)))).await;
    let mut silent = connect_from("127.0.0.1", server.addr).await;
    assert!(closed_by_server(&mut silent).await);
    until("counted", || server.stats.timed_out(TimedOut::TlsHandshake) == 1).await;
    assert_eq!(server.stats.tls_failed(), 0);
    // Plain HTTP to a TLS listener fails its handshake.
    let mut plain = connect_from("127.0.0.1", server.addr).await;
    plain.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    assert!(closed_by_server(&mut plain).await);
    until("counted", || server.stats.tls_failed() == 1).await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_returns() {
    let mut server = start(limits(), None).await;
    let mut idle = connect_from("127.0.0.1", server.addr).await;
    get(&mut idle).await;
    server.stop.take().unwrap().send(()).unwrap();
    assert!(closed_by_server(&mut idle).await, "the idle connection is closed");
    tokio::time::timeout(WAIT, &mut server.task).await.unwrap().unwrap();
    assert_eq!(server.stats.open(), 0);
    assert!(TcpStream::connect(server.addr).await.is_err(), "no longer listening");
}
