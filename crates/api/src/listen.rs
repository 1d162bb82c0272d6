//! The API's accept loop: hyper's HTTP/1.1 server around the [`axum::Router`], with the limits
//! and timeouts a server on the open internet needs, and optional TLS (rustls).
//!
//! # Limits
//!
//! - **Connection caps.** At most [`Limits::max_connections`] connections are open at once,
//!   and at most [`Limits::max_connections_per_source`] from one source. A connection over a
//!   cap is closed at once, before anything is read from it (and before any TLS handshake),
//!   and counted in `flowdns_api_connections_refused_total{reason}`. Connections count from
//!   their accept to their close, TLS handshake included.
//! - **Sources.** An IPv4 address is one source. An IPv6 address counts with its /64: one
//!   host, or one customer, normally has a whole /64 and picks addresses in it freely
//!   (privacy addresses, SLAAC), so a cap per IPv6 address would cap nothing. IPv4-mapped
//!   IPv6 addresses (`::ffff:192.0.2.1`, from a dual-stack `[::]` listener) count as their
//!   IPv4 address.
//! - **Header timeout** ([`Limits::header_timeout`]). A new connection must deliver its first
//!   request's header within this time of its accept (of the end of its TLS handshake with
//!   TLS); a later request on a kept-alive connection, within this time of its first byte. A
//!   silent connection, or one that sends its header a byte at a time, is closed.
//! - **Idle timeout** ([`Limits::idle_timeout`]). A kept-alive connection with no request in
//!   flight that receives no byte for this long is closed. The same time bounds a stalled
//!   request: one whose body stops arriving, or whose response the client stops reading.
//! - **TLS handshake timeout** ([`Limits::tls_handshake_timeout`]).
//!
//! Each close by a timeout is counted in `flowdns_api_connections_timed_out_total{reason}`
//! (`tls_handshake`, `header`, `idle`, `stalled`); see [`Stats::render`] for every metric.
//!
//! # Why our own timers, not hyper's `header_read_timeout`
//!
//! In the hyper we use (1.12), the HTTP/1 `header_read_timeout` starts when a connection
//! starts and again as soon as a response is done (the change of hyper pull request 3828), so
//! on a kept-alive connection it also bounds the wait for the next request: an idle timeout
//! longer than the header timeout could not be had from it. So hyper's is turned off and one
//! watchdog per connection ([`Watch`]) keeps both, as other servers do (Go's
//! `ReadHeaderTimeout` and `IdleTimeout`, nginx's `client_header_timeout` and
//! `keepalive_timeout`): the header timeout counts from the first byte of a request (from
//! the accept for the first one), the idle timeout from the end of the previous response.
//! The watchdog sees the bytes read and written on the connection, the request entering the
//! router, the request body being waited for, and the response body being dropped by hyper
//! once taken. hyper takes a body before it has sent it, so while a write cannot proceed only
//! the stall counts, and the idle (or next header) time starts again whenever a blocked write
//! moves: a client reading a large response slowly keeps its connection, one that stops
//! reading is closed as stalled.
//!
//! # Shutdown
//!
//! When the `shutdown` future of [`serve`] completes, the listener is closed, idle
//! connections are closed, requests in flight are answered (with `Connection: close`), and
//! [`serve`] returns once every connection has ended.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The default [`Limits::header_timeout`]: a client sends a request header in one round trip;
/// ten seconds leave room for a slow link and close a silent connection soon.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Limits::idle_timeout`]: SDKs and the AWS CLI keep connections for reuse;
/// a minute keeps them useful (nginx keeps 75 s) while a flood of idle ones drains.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The default [`Limits::tls_handshake_timeout`].
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Limits::max_connections`]: far more than operators and their tools use,
/// and few enough file descriptors next to the DNS server's under a raised open-file limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The default [`Limits::max_connections_per_source`]: a NAT full of Terraform runs
/// (10 parallel requests each) fits; one hostile source holds at most 1/16 of the global cap.
pub const DEFAULT_MAX_CONNECTIONS_PER_SOURCE: usize = 64;

/// The largest read buffer of a connection (hyper's default is about 400 KB): it bounds a
/// request's header (a larger one gets 431) and the memory a full house of connections
/// holds, 64 MiB at the default cap. Bodies are streamed through it, so they are not bounded
/// by it (the router's body limit is [`crate::server::MAX_BODY`]).
const READ_BUFFER: usize = 64 * 1024;

/// The connection limits and timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a request's header (see the module docs).
    pub header_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request, and a request may stall.
    pub idle_timeout: Duration,
    /// Time to complete a TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one source (an IPv4 address, an IPv6 /64).
    pub max_connections_per_source: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_source: DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
        }
    }
}

/// The TLS configuration in force: swapped whole when the certificate is reloaded, so that
/// connections from then on get the new one and established ones keep theirs.
pub struct Tls {
    config: arc_swap::ArcSwap<rustls::ServerConfig>,
}

impl Tls {
    /// TLS with this configuration; its ALPN list is set to HTTP/1.1, the one protocol served.
    pub fn new(config: rustls::ServerConfig) -> Tls {
        Tls { config: arc_swap::ArcSwap::from_pointee(Tls::prepare(config)) }
    }

    /// Connections accepted from now on use `config`.
    pub fn replace(&self, config: rustls::ServerConfig) {
        self.config.store(Arc::new(Tls::prepare(config)));
    }

    /// The configuration in force.
    pub fn current(&self) -> Arc<rustls::ServerConfig> {
        self.config.load_full()
    }

    fn prepare(mut config: rustls::ServerConfig) -> rustls::ServerConfig {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// Why a connection was closed by a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedOut {
    /// The TLS handshake took longer than [`Limits::tls_handshake_timeout`].
    TlsHandshake,
    /// A request header took longer than [`Limits::header_timeout`].
    Header,
    /// No request for [`Limits::idle_timeout`].
    Idle,
    /// A request's body, or the reading of its response, made no progress for
    /// [`Limits::idle_timeout`].
    Stalled,
}

impl TimedOut {
    /// Every reason, in the order of the metrics.
    pub const ALL: [TimedOut; 4] =
        [TimedOut::TlsHandshake, TimedOut::Header, TimedOut::Idle, TimedOut::Stalled];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            TimedOut::TlsHandshake => "tls_handshake",
            TimedOut::Header => "header",
            TimedOut::Idle => "idle",
            TimedOut::Stalled => "stalled",
        }
    }
}

/// Why a new connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// [`Limits::max_connections`] were open.
    MaxConnections,
    /// [`Limits::max_connections_per_source`] were open from the same source.
    MaxConnectionsPerSource,
}

impl Refused {
    /// Every reason, in the order of the metrics.
    pub const ALL: [Refused; 2] = [Refused::MaxConnections, Refused::MaxConnectionsPerSource];

    /// The metric label (the name of the limit).
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::MaxConnections => "max_connections",
            Refused::MaxConnectionsPerSource => "max_connections_per_source",
        }
    }
}

/// The accept loop's counters, for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    open: AtomicU64,
    accepted: AtomicU64,
    refused: [AtomicU64; 2],
    timed_out: [AtomicU64; 4],
    tls_failed: AtomicU64,
    accept_errors: AtomicU64,
    tls_reloads: AtomicU64,
    tls_reload_failures: AtomicU64,
}

impl Stats {
    /// Connections open now.
    pub fn open(&self) -> u64 {
        self.open.load(Relaxed)
    }

    /// Connections accepted (within the caps) since the start.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Relaxed)
    }

    /// Connections refused for `reason` since the start.
    pub fn refused(&self, reason: Refused) -> u64 {
        self.refused[reason as usize].load(Relaxed)
    }

    /// Connections closed for `reason` since the start.
    pub fn timed_out(&self, reason: TimedOut) -> u64 {
        self.timed_out[reason as usize].load(Relaxed)
    }

    /// TLS handshakes that failed (not by the timeout) since the start.
    pub fn tls_failed(&self) -> u64 {
        self.tls_failed.load(Relaxed)
    }

    /// Counts a reload of the TLS certificate: done, or failed (the old one kept).
    pub fn tls_reloaded(&self, ok: bool) {
        if ok { &self.tls_reloads } else { &self.tls_reload_failures }.fetch_add(1, Relaxed);
    }

    /// Appends the Prometheus text of these counters to `out`; the TLS lines only with `tls`.
    pub fn render(&self, out: &mut String, tls: bool) {
        use std::fmt::Write as _;
        let mut metric = |name: &str, kind: &str, help: &str, values: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, v) in values {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        metric(
            "flowdns_api_connections_open",
            "gauge",
            "API connections open now (TLS handshakes included).",
            &[("", self.open())],
        );
        metric(
            "flowdns_api_connections_accepted_total",
            "counter",
            "API connections accepted within the connection caps.",
            &[("", self.accepted())],
        );
        let refused: Vec<(String, u64)> = Refused::ALL
            .iter()
            .map(|r| (format!("{{reason=\"{}\"}}", r.as_str()), self.refused(*r)))
            .collect();
        metric(
            "flowdns_api_connections_refused_total",
            "counter",
            "API connections closed at once because a connection cap was reached, by cap.",
            &refused.iter().map(|(l, v)| (l.as_str(), *v)).collect::<Vec<_>>(),
        );
        let timed_out: Vec<(String, u64)> = TimedOut::ALL
            .iter()
            .filter(|t| tls || **t != TimedOut::TlsHandshake)
            .map(|t| (format!("{{reason=\"{}\"}}", t.as_str()), self.timed_out(*t)))
            .collect();
        metric(
            "flowdns_api_connections_timed_out_total",
            "counter",
            "API connections closed by a timeout, by timeout.",
            &timed_out.iter().map(|(l, v)| (l.as_str(), *v)).collect::<Vec<_>>(),
        );
        metric(
            "flowdns_api_accept_errors_total",
            "counter",
            "Errors accepting API connections (such as the open-file limit reached).",
            &[("", self.accept_errors.load(Relaxed))],
        );
        if tls {
            metric(
                "flowdns_api_tls_handshake_failures_total",
                "counter",
                "API TLS handshakes that failed (timeouts are counted apart).",
                &[("", self.tls_failed())],
            );
            metric(
                "flowdns_api_tls_reloads_total",
                "counter",
                "Reloads of the API's TLS certificate and key, by result (on error the previous ones are kept).",
                &[
                    ("{result=\"ok\"}", self.tls_reloads.load(Relaxed)),
                    ("{result=\"error\"}", self.tls_reload_failures.load(Relaxed)),
                ],
            );
        }
    }
}

/// What [`serve`] needs besides the listener and the router.
pub struct Options {
    /// The limits and timeouts.
    pub limits: Limits,
    /// TLS, or plain HTTP.
    pub tls: Option<Arc<Tls>>,
    /// Where the counters go.
    pub stats: Arc<Stats>,
}

/// A source of connections for the per-source cap: an IPv4 address, or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// An IPv4 address (also as an IPv4-mapped IPv6 address).
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
}

impl Source {
    /// The source an address counts for.
    pub fn of(ip: IpAddr) -> Source {
        match ip {
            IpAddr::V4(a) => Source::V4(a.into()),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => Source::V4(v4.into()),
                None => Source::V6((u128::from(a) >> 64) as u64),
            },
        }
    }
}

/// What the accept loop and its connections share.
struct Shared {
    limits: Limits,
    tls: Option<Arc<Tls>>,
    stats: Arc<Stats>,
    router: axum::Router,
    /// Open connections per source, and in all (under one lock, so that both caps hold).
    admitted: Mutex<Admitted>,
    /// Woken when the last connection closes.
    all_closed: Notify,
    refusal_log: crate::refusals::RefusalLog,
}

#[derive(Default)]
struct Admitted {
    open: usize,
    sources: HashMap<Source, usize>,
}

/// A connection's place under the caps, given back when it is dropped.
struct Admission {
    shared: Arc<Shared>,
    source: Source,
}

impl Shared {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admission, Refused> {
        let source = Source::of(ip);
        let mut a = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if a.open >= self.limits.max_connections {
            return Err(Refused::MaxConnections);
        }
        let from_source = a.sources.get(&source).copied().unwrap_or(0);
        if from_source >= self.limits.max_connections_per_source {
            return Err(Refused::MaxConnectionsPerSource);
        }
        a.sources.insert(source, from_source + 1);
        a.open += 1;
        self.stats.open.fetch_add(1, Relaxed);
        self.stats.accepted.fetch_add(1, Relaxed);
        Ok(Admission { shared: self.clone(), source })
    }

    fn open(&self) -> usize {
        self.admitted.lock().unwrap_or_else(|e| e.into_inner()).open
    }

    fn refused(&self, reason: Refused, peer: SocketAddr) {
        self.stats.refused[reason as usize].fetch_add(1, Relaxed);
        if let crate::refusals::Verdict::Log { suppressed } =
            self.refusal_log.admit(std::time::Instant::now())
        {
            tracing::warn!(
                %peer,
                limit = reason.as_str(),
                suppressed,
                "API connection refused: connection cap reached"
            );
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut a = self.shared.admitted.lock().unwrap_or_else(|e| e.into_inner());
        a.open = a.open.saturating_sub(1);
        match a.sources.get_mut(&self.source) {
            Some(n) if *n > 1 => *n -= 1,
            _ => {
                a.sources.remove(&self.source);
            }
        }
        self.shared.stats.open.fetch_sub(1, Relaxed);
        if a.open == 0 {
            self.shared.all_closed.notify_waiters();
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then closes the listener, lets
/// the requests in flight finish, and returns when every connection has ended.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    options: Options,
    shutdown: impl Future<Output = ()> + Send,
) {
    let shared = Arc::new(Shared {
        limits: options.limits,
        tls: options.tls,
        stats: options.stats,
        router,
        admitted: Mutex::new(Admitted::default()),
        all_closed: Notify::new(),
        refusal_log: crate::refusals::RefusalLog::default(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_errors_logged: Option<std::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => match shared.admit(peer.ip()) {
                Ok(admission) => {
                    tokio::spawn(connection(stream, peer, admission, stop_rx.clone()));
                }
                // Closed at once: nothing read, nothing written.
                Err(reason) => {
                    drop(stream);
                    shared.refused(reason, peer);
                }
            },
            Err(e) => {
                // Out of file descriptors (EMFILE) and the like: accepting again at once
                // would spin; a short pause lets connections close.
                shared.stats.accept_errors.fetch_add(1, Relaxed);
                let now = std::time::Instant::now();
                if accept_errors_logged
                    .is_none_or(|t| now.duration_since(t) >= crate::refusals::WINDOW)
                {
                    accept_errors_logged = Some(now);
                    tracing::error!(error = %e, "cannot accept API connections");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    loop {
        let closed = shared.all_closed.notified();
        let mut closed = std::pin::pin!(closed);
        closed.as_mut().enable();
        if shared.open() == 0 {
            break;
        }
        closed.await;
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One connection, from its accept to its close.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    admission: Admission,
    mut stop: watch::Receiver<bool>,
) {
    let shared = admission.shared.clone();
    let _ = stream.set_nodelay(true);
    let Some(tls) = &shared.tls else {
        http(&shared, stream, peer, stop).await;
        return;
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
    let handshake =
        tokio::time::timeout(shared.limits.tls_handshake_timeout, acceptor.accept(stream));
    let done = tokio::select! {
        done = handshake => done,
        () = stopped(&mut stop) => return,
    };
    match done {
        Ok(Ok(stream)) => http(&shared, stream, peer, stop).await,
        Ok(Err(e)) => {
            shared.stats.tls_failed.fetch_add(1, Relaxed);
            tracing::debug!(%peer, error = %e, "API TLS handshake failed");
        }
        Err(_) => {
            shared.stats.timed_out[TimedOut::TlsHandshake as usize].fetch_add(1, Relaxed);
            tracing::debug!(%peer, "API TLS handshake timed out");
        }
    }
    drop(admission);
}

/// HTTP/1.1 on an established connection, under the watchdog.
async fn http<IO>(shared: &Arc<Shared>, io: IO, peer: SocketAddr, mut stop: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let watch = Arc::new(Watch::new(Instant::now()));
    let io = hyper_util::rt::TokioIo::new(Watched { io, watch: watch.clone() });
    let router = shared.router.clone();
    let service_watch = watch.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
        service_watch.request_started();
        let watch = service_watch.clone();
        let mut request =
            request.map(|body| axum::body::Body::new(WatchedBody { body, watch: watch.clone() }));
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        let mut router = router.clone();
        async move {
            let response = tower_service::Service::call(&mut router, request).await?;
            Ok::<_, Infallible>(response.map(|body| Responding { body, watch }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog keeps the header timeout (see the module docs).
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(READ_BUFFER);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "API connection ended with an error");
                }
                return;
            }
            reason = watch.expired(&shared.limits) => {
                shared.stats.timed_out[reason as usize].fetch_add(1, Relaxed);
                tracing::debug!(%peer, reason = reason.as_str(), "API connection closed by a timeout");
                return;
            }
            () = stopped(&mut stop), if !draining => {
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// One connection's watchdog: what it waits for, since when.
struct Watch {
    state: Mutex<WatchState>,
    /// Set while the first byte of the next request is awaited (read without the lock).
    want_first_byte: AtomicBool,
    /// Whether the request body is awaited, and whether writing is blocked, as last seen
    /// (so that the lock is taken only when one changes).
    body_waiting: AtomicBool,
    write_blocked: AtomicBool,
    changed: Notify,
}

struct WatchState {
    /// Between requests: since when, whether no request came yet, and the first byte of the
    /// next one.
    waiting: Option<Waiting>,
    in_flight: usize,
    /// Since when the request body is awaited.
    body_since: Option<Instant>,
    /// Since when a write cannot proceed.
    write_since: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Waiting {
    since: Instant,
    first: bool,
    first_byte: Option<Instant>,
}

impl Watch {
    fn new(now: Instant) -> Watch {
        Watch {
            state: Mutex::new(WatchState {
                waiting: Some(Waiting { since: now, first: true, first_byte: None }),
                in_flight: 0,
                body_since: None,
                write_since: None,
            }),
            want_first_byte: AtomicBool::new(true),
            body_waiting: AtomicBool::new(false),
            write_blocked: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut WatchState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn read_some(&self) {
        if !self.want_first_byte.swap(false, Relaxed) {
            return;
        }
        self.with(|s| {
            if let Some(w) = &mut s.waiting
                && w.first_byte.is_none()
            {
                w.first_byte = Some(Instant::now());
            }
        });
        self.changed.notify_one();
    }

    fn request_started(&self) {
        self.want_first_byte.store(false, Relaxed);
        self.with(|s| {
            s.waiting = None;
            s.in_flight += 1;
        });
        self.changed.notify_one();
    }

    fn request_done(&self) {
        self.body_waiting.store(false, Relaxed);
        let idle = self.with(|s| {
            s.in_flight = s.in_flight.saturating_sub(1);
            s.body_since = None;
            if s.in_flight == 0 {
                s.waiting = Some(Waiting { since: Instant::now(), first: false, first_byte: None });
            }
            s.in_flight == 0
        });
        if idle {
            self.want_first_byte.store(true, Relaxed);
            self.changed.notify_one();
        }
    }

    fn body(&self, waiting: bool) {
        if self.body_waiting.swap(waiting, Relaxed) == waiting {
            return;
        }
        let started = self.with(|s| match (waiting, s.body_since) {
            (true, None) => {
                s.body_since = Some(Instant::now());
                true
            }
            (false, Some(_)) => {
                s.body_since = None;
                false
            }
            _ => false,
        });
        if started {
            self.changed.notify_one();
        }
    }

    fn write(&self, blocked: bool) {
        if self.write_blocked.swap(blocked, Relaxed) == blocked {
            return;
        }
        let started = self.with(|s| match (blocked, s.write_since) {
            (true, None) => {
                s.write_since = Some(Instant::now());
                true
            }
            (false, Some(_)) => {
                s.write_since = None;
                // The previous response may still have been on its way (hyper drops its body
                // once it has taken it, not once it is sent): the wait starts again from here.
                if let Some(w) = &mut s.waiting
                    && !w.first
                {
                    let now = Instant::now();
                    w.since = now;
                    w.first_byte = w.first_byte.map(|_| now);
                }
                false
            }
            _ => false,
        });
        if started {
            self.changed.notify_one();
        }
    }

    /// The earliest deadline now in force, and what it is for.
    fn deadline(&self, limits: &Limits) -> Option<(Instant, TimedOut)> {
        self.with(|s| {
            let mut best: Option<(Instant, TimedOut)> = None;
            let mut consider = |at: Instant, why: TimedOut| {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, why));
                }
            };
            // While a write cannot proceed, only the stall counts: the wait for the next
            // request begins once the response has gone.
            if let Some(w) = s.waiting
                && s.write_since.is_none()
            {
                match (w.first, w.first_byte) {
                    (true, _) => consider(w.since + limits.header_timeout, TimedOut::Header),
                    (false, Some(b)) => consider(b + limits.header_timeout, TimedOut::Header),
                    (false, None) => consider(w.since + limits.idle_timeout, TimedOut::Idle),
                }
            }
            if let Some(t) = s.body_since {
                consider(t + limits.idle_timeout, TimedOut::Stalled);
            }
            if let Some(t) = s.write_since {
                consider(t + limits.idle_timeout, TimedOut::Stalled);
            }
            best
        })
    }

    /// Completes when a deadline passes, with its reason.
    async fn expired(&self, limits: &Limits) -> TimedOut {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            match self.deadline(limits) {
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}

/// The connection's bytes, seen by the watchdog.
struct Watched<IO> {
    io: IO,
    watch: Arc<Watch>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.read_some();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> Watched<IO> {
    fn seen<T>(&self, polled: Poll<T>) -> Poll<T> {
        self.watch.write(polled.is_pending());
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.seen(polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.seen(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.seen(polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_shutdown(cx);
        this.seen(polled)
    }
}

/// A request body: the watchdog sees when it is waited for.
struct WatchedBody {
    body: hyper::body::Incoming,
    watch: Arc<Watch>,
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        this.watch.body(polled.is_pending());
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for WatchedBody {
    fn drop(&mut self) {
        self.watch.body(false);
    }
}

/// A response body: hyper drops it once it is sent, which ends the request for the watchdog.
struct Responding {
    body: axum::body::Body,
    watch: Arc<Watch>,
}

impl http_body::Body for Responding {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Responding {
    fn drop(&mut self) {
        self.watch.request_done();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let s = |t: &str| Source::of(t.parse().unwrap());
        assert_eq!(s("2001:db8:1:2::1"), s("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(s("2001:db8:1:2::1"), s("2001:db8:1:3::1"));
        assert_eq!(s("::ffff:192.0.2.7"), s("192.0.2.7"));
        assert_ne!(s("192.0.2.7"), s("192.0.2.8"));
    }

    #[test]
    fn deadlines_follow_the_connection() {
        let limits = Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            ..Limits::default()
        };
        let start = Instant::now();
        let w = Watch::new(start);
        // A new connection: its first header within the header timeout of the accept, bytes
        // or not.
        assert_eq!(w.deadline(&limits), Some((start + limits.header_timeout, TimedOut::Header)));
        w.read_some();
        assert_eq!(w.deadline(&limits).unwrap().1, TimedOut::Header);
        // A request in flight that is computing: no deadline.
        w.request_started();
        assert_eq!(w.deadline(&limits), None);
        // Its body awaited: stalled after the idle timeout.
        w.body(true);
        assert_eq!(w.deadline(&limits).unwrap().1, TimedOut::Stalled);
        w.body(false);
        assert_eq!(w.deadline(&limits), None);
        // Answered: idle until the next request's first byte, then its header.
        w.request_done();
        let (at, why) = w.deadline(&limits).unwrap();
        assert_eq!(why, TimedOut::Idle);
        assert!(at >= start + limits.idle_timeout);
        w.read_some();
        assert_eq!(w.deadline(&limits).unwrap().1, TimedOut::Header);
        // A write that cannot proceed counts as a stall.
        w.request_started();
        w.write(true);
        assert_eq!(w.deadline(&limits).unwrap().1, TimedOut::Stalled);
        w.write(false);
        assert_eq!(w.deadline(&limits), None);
    }

    #[test]
    fn the_metrics_name_every_reason() {
        let stats = Stats::default();
        stats.refused[Refused::MaxConnectionsPerSource as usize].fetch_add(3, Relaxed);
        stats.timed_out[TimedOut::Header as usize].fetch_add(2, Relaxed);
        let mut plain = String::new();
        stats.render(&mut plain, false);
        assert!(plain.contains(
            "flowdns_api_connections_refused_total{reason=\"max_connections_per_source\"} 3\n"
        ));
        assert!(
            plain.contains("flowdns_api_connections_refused_total{reason=\"max_connections\"} 0\n")
        );
        assert!(plain.contains("flowdns_api_connections_timed_out_total{reason=\"header\"} 2\n"));
        assert!(plain.contains("flowdns_api_connections_timed_out_total{reason=\"idle\"} 0\n"));
        assert!(!plain.contains("tls"), "{plain}");
        let mut tls = String::new();
        stats.render(&mut tls, true);
        assert!(tls.contains("{reason=\"tls_handshake\"} 0\n"));
        assert!(tls.contains("flowdns_api_tls_reloads_total{result=\"error\"} 0\n"));
    }
}
