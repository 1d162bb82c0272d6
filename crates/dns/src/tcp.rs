//! DNS over TCP (RFC 1035 4.2.2, RFC 7766), with the limits a server facing the internet needs.
//!
//! Each message is preceded by its length in two octets. One connection may carry many
//! queries, sent without waiting (pipelining); they are answered in the order received, which
//! RFC 7766 6.2.1.1 allows. Answers come from the same code as UDP's: the lean path in
//! [`crate::fast`] first, then the general path of [`crate::udp`] (with [`Handler::respond`]),
//! except that a TCP answer is never truncated for a UDP buffer: it may be up to 65,535 octets.
//!
//! Each connection is one tokio task that waits on the socket, its timers and two
//! notifications, so an idle connection costs no CPU, and it holds no read buffer while idle.
//!
//! # Limits ([`TcpLimits`])
//!
//! - **Idle timeout** (default 10 s): a connection with no message under way is closed after
//!   this long without a complete query. Under pressure (at least half of the connection cap
//!   in use) it shrinks to the busy idle timeout (default 1 s, or the idle timeout when that
//!   is shorter), for connections already open too: they are woken when pressure begins.
//! - **Message timeout** (default 2 s): a message whose first octet has arrived must be
//!   complete within this time, and a batch of answers must be taken by the client within it;
//!   otherwise the connection is closed. A client that sends a length prefix one octet at a
//!   time holds its connection for this long at most.
//! - **Connection cap** (default 1,000, for all listen addresses together): when a new
//!   connection would exceed it, the idlest connection is closed to make room (the one whose
//!   last complete query or answer, or whose opening when it has none, is the oldest: one
//!   whose answers are being written is not idle), as Knot DNS, NSD
//!   and Unbound do. A new connection is never refused for the global cap, so a client holding
//!   many idle connections cannot lock out one that sends its query at once. When accepting
//!   fails because the process is out of file descriptors, the idlest connection is closed too.
//! - **Per-source cap** (default 64): connections beyond it from one source are closed at
//!   once, without evicting anything. A source is an IPv4 address, or an IPv6 /64: a /64 is one
//!   link (one host, or one customer's LAN) by convention, and a single host usually holds a
//!   whole /64, so counting IPv6 addresses one by one would give it 2^64 quotas. Wider blocks
//!   (/56, /48) are not merged: they are often one customer, but also what some networks
//!   share among many users, whom one cap would then lock out together. A source spread over
//!   many /64s (or many IPv4 addresses) meets the global cap, whose eviction keeps room for
//!   clients that ask at once.
//!
//! A zero-length message, a message shorter than a DNS header, and a response (QR set) close
//! the connection, as nothing can be answered; other undecodable messages get FORMERR, as over
//! UDP. A connection closed half-way through a message is simply dropped.
//!
//! Counters: [`TcpStats`] in [`crate::Shared`], rendered by the binary's `/metrics`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::{Handler, Shared, fast, udp};

/// The longest DNS message over TCP (its length is two octets).
pub const MAX_TCP_MESSAGE: usize = 65_535;

/// Read at least this much at a time.
const READ_CHUNK: usize = 4096;

/// Answers are written once this many octets are waiting (or when no complete query is left).
const FLUSH_AT: usize = 64 * 1024;

/// Buffers larger than this are freed when a connection goes idle.
const KEEP_BUFFER: usize = 16 * 1024;

/// How long accepting pauses when the process has no file descriptor left.
const OUT_OF_FDS_PAUSE: Duration = Duration::from_millis(50);

/// The limits of DNS over TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpLimits {
    /// A connection without a message under way is closed after this long without a
    /// complete query (shorter under pressure: see the module docs).
    pub idle_timeout: Duration,
    /// A started message must arrive, and a batch of answers be taken, within this time.
    pub message_timeout: Duration,
    /// Open connections on all listeners together; more evict the idlest. At least 1.
    pub max_connections: usize,
    /// Open connections from one source (an IPv4 address or an IPv6 /64); more are closed at
    /// once. At least 1.
    pub max_connections_per_source: usize,
    /// The idle timeout while at least half of `max_connections` are open (the idle timeout
    /// when that is shorter).
    pub busy_idle_timeout: Duration,
}

impl TcpLimits {
    /// The defaults: 10 s idle (1 s when busy), 2 s per message, 1,000 connections, 64 per
    /// source.
    pub const DEFAULT: TcpLimits = TcpLimits {
        idle_timeout: Duration::from_secs(10),
        message_timeout: Duration::from_secs(2),
        max_connections: 1000,
        max_connections_per_source: 64,
        busy_idle_timeout: Duration::from_secs(1),
    };

    /// The idle timeout while at least half of the connection cap is in use.
    pub fn pressure_idle_timeout(&self) -> Duration {
        self.idle_timeout.min(self.busy_idle_timeout)
    }
}

impl Default for TcpLimits {
    fn default() -> TcpLimits {
        TcpLimits::DEFAULT
    }
}

/// Counters of the TCP connections, readable while the server runs.
#[derive(Debug, Default)]
pub struct TcpStats {
    /// Connections open now.
    pub open: AtomicU64,
    /// Connections accepted (including those closed at once for the per-source cap).
    pub accepted: AtomicU64,
    /// Connections closed to make room for a new one (global cap, or out of descriptors).
    pub evicted: AtomicU64,
    /// Connections closed at once because their source had as many as it may.
    pub refused: AtomicU64,
    /// Connections closed by the idle timeout.
    pub idle_timeouts: AtomicU64,
    /// Connections closed because a message, or the taking of an answer, took too long.
    pub message_timeouts: AtomicU64,
}

/// What the per-source cap counts: an IPv4 address, or the first 64 bits of an IPv6 address
/// (an IPv4-mapped IPv6 address counts as its IPv4 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// An IPv4 address.
    V4(u32),
    /// An IPv6 /64 network, as its first 64 bits.
    V6(u64),
}

impl Source {
    /// The source `ip` counts against.
    pub fn of(ip: IpAddr) -> Source {
        match ip {
            IpAddr::V4(v4) => Source::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Source::V4(u32::from(v4)),
                None => Source::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// Answers one message received over TCP into `out` (cleared first), without the length
/// prefix; `false` when nothing can be answered (a response, or fewer octets than a header).
pub fn answer_message(
    handler: &Handler,
    packet: &[u8],
    src: SocketAddr,
    out: &mut Vec<u8>,
) -> bool {
    if let Some(q) = fast::parse(packet)
        && fast::respond(handler, packet, &q, src.ip(), out)
    {
        return true;
    }
    out.clear();
    match udp::general(handler, packet, src, false, Some(MAX_TCP_MESSAGE)) {
        Some((reply, _)) => {
            out.extend_from_slice(&reply);
            true
        }
        None => false,
    }
}

/// One open connection, as the registry sees it.
struct Slot {
    id: u64,
    source: Source,
    /// Milliseconds from the registry's epoch to the last complete query or answer (or the
    /// opening).
    progress: AtomicU64,
    /// Told to close (evicted).
    close: Notify,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    conns: HashMap<u64, Arc<Slot>>,
    per_source: HashMap<Source, usize>,
}

impl Table {
    fn remove(&mut self, id: u64) -> Option<Arc<Slot>> {
        let slot = self.conns.remove(&id)?;
        if let Some(n) = self.per_source.get_mut(&slot.source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_source.remove(&slot.source);
            }
        }
        Some(slot)
    }

    /// The connection without progress for the longest time.
    fn idlest(&self) -> Option<u64> {
        self.conns.values().min_by_key(|s| (s.progress.load(Ordering::Relaxed), s.id)).map(|s| s.id)
    }
}

/// Every open connection of one server, for the caps and eviction.
struct Registry {
    limits: TcpLimits,
    shared: Arc<Shared>,
    epoch: Instant,
    table: Mutex<Table>,
    /// Open connections (the table's size), readable without the lock.
    open: AtomicUsize,
    /// Woken when pressure begins, so that idle connections take the shorter timeout.
    pressure: Notify,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn under_pressure(&self) -> bool {
        self.open.load(Ordering::Relaxed) * 2 >= self.limits.max_connections
    }

    fn set_open(&self, n: usize) {
        self.open.store(n, Ordering::Relaxed);
        self.shared.tcp.open.store(n as u64, Ordering::Relaxed);
    }

    /// Registers a connection from `ip`, evicting the idlest ones when the global cap is
    /// reached; `None` when its source has as many connections as it may.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Registration> {
        let source = Source::of(ip);
        let mut evicted = Vec::new();
        let (slot, before, after) = {
            let mut table = self.lock();
            if table.per_source.get(&source).copied().unwrap_or(0)
                >= self.limits.max_connections_per_source.max(1)
            {
                drop(table);
                self.shared.tcp.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            let before = table.conns.len();
            while table.conns.len() >= self.limits.max_connections.max(1) {
                let Some(victim) = table.idlest().and_then(|id| table.remove(id)) else { break };
                evicted.push(victim);
            }
            table.next_id += 1;
            let slot = Arc::new(Slot {
                id: table.next_id,
                source,
                progress: AtomicU64::new(self.now_ms()),
                close: Notify::new(),
            });
            table.conns.insert(slot.id, slot.clone());
            *table.per_source.entry(source).or_insert(0) += 1;
            let after = table.conns.len();
            self.set_open(after);
            (slot, before, after)
        };
        self.shared.tcp.evicted.fetch_add(evicted.len() as u64, Ordering::Relaxed);
        for victim in evicted {
            victim.close.notify_one();
        }
        let cap = self.limits.max_connections;
        if before * 2 < cap && after * 2 >= cap {
            self.pressure.notify_waiters();
        }
        Some(Registration { registry: self.clone(), slot })
    }

    /// Closes the idlest connection (to free a file descriptor); `false` when none is open.
    fn evict_idlest(&self) -> bool {
        let victim = {
            let mut table = self.lock();
            let victim = table.idlest().and_then(|id| table.remove(id));
            self.set_open(table.conns.len());
            victim
        };
        match victim {
            Some(v) => {
                self.shared.tcp.evicted.fetch_add(1, Ordering::Relaxed);
                v.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A connection's place in the registry, given back when the connection ends.
struct Registration {
    registry: Arc<Registry>,
    slot: Arc<Slot>,
}

impl Registration {
    /// Records a complete query or answer.
    fn progress(&self) {
        self.slot.progress.store(self.registry.now_ms(), Ordering::Relaxed);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self.registry.lock();
        table.remove(self.slot.id);
        self.registry.set_open(table.conns.len());
    }
}

/// The running TCP side of [`crate::serve`].
pub struct TcpServer {
    stop: watch::Sender<bool>,
    acceptors: Vec<tokio::task::JoinHandle<()>>,
}

impl TcpServer {
    /// Starts accepting on every listener; connections are answered by `handler` within
    /// `limits` (the caps count connections on all listeners together). Must be called
    /// inside a tokio runtime.
    pub fn start(
        listeners: Vec<TcpListener>,
        handler: Arc<Handler>,
        shared: Arc<Shared>,
        limits: TcpLimits,
    ) -> TcpServer {
        let registry = Arc::new(Registry {
            limits,
            shared,
            epoch: Instant::now(),
            table: Mutex::new(Table::default()),
            open: AtomicUsize::new(0),
            pressure: Notify::new(),
        });
        let (stop, stopped) = watch::channel(false);
        let acceptors = listeners
            .into_iter()
            .map(|l| tokio::spawn(accept(l, registry.clone(), handler.clone(), stopped.clone())))
            .collect();
        TcpServer { stop, acceptors }
    }

    /// Stops gracefully: no new connection is accepted, idle connections and those with a
    /// message half received are closed, answers being written are finished (within the
    /// message timeout). Returns once every connection is closed.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for a in self.acceptors {
            let _ = a.await;
        }
    }
}

/// Whether an accept error means the process or system is out of descriptors or memory
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM): the one case where retrying at once would spin.
fn out_of_resources(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12))
}

async fn accept(
    listener: TcpListener,
    registry: Arc<Registry>,
    handler: Arc<Handler>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let mut last_warning: Option<Instant> = None;
    let message_timeout = registry.limits.message_timeout;
    loop {
        while conns.try_join_next().is_some() {}
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stopped.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                let pause = if out_of_resources(&e) {
                    if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                        last_warning = Some(Instant::now());
                        tracing::warn!(
                            error = %e,
                            open = registry.open.load(Ordering::Relaxed),
                            "cannot accept DNS TCP connections: closing the idlest (raise the open-file limit, or lower dns.tcp_max_connections)"
                        );
                    }
                    registry.evict_idlest();
                    OUT_OF_FDS_PAUSE
                } else {
                    // A connection that failed before it was accepted (reset, aborted).
                    tracing::debug!(error = %e, "DNS TCP accept failed");
                    Duration::from_millis(1)
                };
                tokio::select! {
                    _ = tokio::time::sleep(pause) => continue,
                    _ = stopped.changed() => break,
                }
            }
        };
        registry.shared.tcp.accepted.fetch_add(1, Ordering::Relaxed);
        let Some(registration) = registry.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let handler = handler.clone();
        let stopped = stopped.clone();
        conns.spawn(connection(stream, peer, handler, registration, stopped));
    }
    drop(listener);
    // Idle connections see the stop at once; one writing answers finishes within the message
    // timeout. Whatever is left after that (it should be nothing) is cut.
    let drained = tokio::time::timeout(message_timeout + Duration::from_secs(1), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        conns.shutdown().await;
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client closed it (possibly half-way through a message), or the socket failed.
    Closed,
    /// Idle for too long.
    IdleTimeout,
    /// A message, or the taking of an answer, took too long.
    MessageTimeout,
    /// Closed to make room for another connection.
    Evicted,
    /// The server is stopping.
    Stopped,
    /// A message that cannot be answered (zero length, a runt, a response).
    Unanswerable,
}

async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<Handler>,
    registration: Registration,
    mut stopped: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let end = serve_connection(&mut stream, peer, &handler, &registration, &mut stopped).await;
    let stats = &registration.registry.shared.tcp;
    match end {
        End::IdleTimeout => stats.idle_timeouts.fetch_add(1, Ordering::Relaxed),
        End::MessageTimeout => stats.message_timeouts.fetch_add(1, Ordering::Relaxed),
        _ => 0,
    };
    tracing::trace!(%peer, ?end, "DNS TCP connection closed");
    // Dropping the registration (after the stream) gives the connection's place back.
    drop(stream);
    drop(registration);
}

/// What [`answer_all`] did with the octets received.
enum Parsed {
    /// Consumed this many octets; what is left is an incomplete message (or nothing).
    Consumed(usize),
    /// The connection must close.
    End(End),
}

async fn serve_connection(
    stream: &mut TcpStream,
    peer: SocketAddr,
    handler: &Handler,
    registration: &Registration,
    stopped: &mut watch::Receiver<bool>,
) -> End {
    let registry = &registration.registry;
    let limits = registry.limits;
    let slot = &registration.slot;
    let mut buf: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let mut scratch: Vec<u8> = Vec::new();
    let mut idle_since = Instant::now();
    // When the first octet of the message under way arrived.
    let mut started: Option<Instant> = None;
    loop {
        if *stopped.borrow() {
            return End::Stopped;
        }
        // Answer every complete message received. A connection with a query to answer is
        // not idle: while its answers are written it must not look the idlest.
        if frame_len(&buf).is_some_and(|len| buf.len() >= 2 + len) {
            registration.progress();
        }
        let consumed =
            match answer_all(stream, peer, handler, &buf, &mut out, &mut scratch, slot, limits)
                .await
            {
                Parsed::Consumed(n) => n,
                Parsed::End(end) => return end,
            };
        if consumed > 0 {
            buf.drain(..consumed);
            if !out.is_empty()
                && let Err(end) = write(stream, &out, slot, limits.message_timeout).await
            {
                return end;
            }
            out.clear();
            registration.progress();
            idle_since = Instant::now();
            started = (!buf.is_empty()).then(Instant::now);
        } else if !buf.is_empty() && started.is_none() {
            started = Some(Instant::now());
        }
        if buf.is_empty() {
            started = None;
            // An idle connection keeps no large buffer.
            if buf.capacity() > KEEP_BUFFER {
                buf = Vec::new();
            }
            if out.capacity() > KEEP_BUFFER {
                out = Vec::new();
            }
            if scratch.capacity() > KEEP_BUFFER {
                scratch = Vec::new();
            }
        }
        // Wait for more octets.
        match started {
            None => {
                // Idle: the deadline depends on the pressure, which may begin while waiting.
                loop {
                    let pressure = registry.pressure.notified();
                    let limit = if registry.under_pressure() {
                        limits.pressure_idle_timeout()
                    } else {
                        limits.idle_timeout
                    };
                    let deadline = idle_since + limit;
                    if Instant::now() >= deadline {
                        return End::IdleTimeout;
                    }
                    tokio::select! {
                        r = stream.readable() => {
                            if r.is_err() {
                                return End::Closed;
                            }
                            break;
                        }
                        _ = slot.close.notified() => return End::Evicted,
                        _ = stopped.changed() => return End::Stopped,
                        _ = tokio::time::sleep_until(deadline.into()) => {}
                        _ = pressure => {}
                    }
                }
            }
            Some(at) => {
                let deadline = at + limits.message_timeout;
                tokio::select! {
                    r = stream.readable() => {
                        if r.is_err() {
                            return End::Closed;
                        }
                    }
                    _ = slot.close.notified() => return End::Evicted,
                    _ = stopped.changed() => return End::Stopped,
                    _ = tokio::time::sleep_until(deadline.into()) => return End::MessageTimeout,
                }
            }
        }
        // Room for the rest of the message under way, and at least a chunk.
        let want = match frame_len(&buf) {
            Some(len) => (2 + len).saturating_sub(buf.len()).max(READ_CHUNK),
            None => READ_CHUNK,
        };
        buf.reserve(want);
        match stream.try_read_buf(&mut buf) {
            Ok(0) => return End::Closed,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return End::Closed,
        }
    }
}

/// The length of the first message in `buf`, when its prefix is there.
fn frame_len(buf: &[u8]) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([*buf.first()?, *buf.get(1)?])))
}

/// Answers the complete messages at the start of `buf` into `out`, writing `out` whenever it
/// holds [`FLUSH_AT`] octets.
#[allow(clippy::too_many_arguments)]
async fn answer_all(
    stream: &mut TcpStream,
    peer: SocketAddr,
    handler: &Handler,
    buf: &[u8],
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    slot: &Slot,
    limits: TcpLimits,
) -> Parsed {
    let mut at = 0;
    while let Some(len) = frame_len(&buf[at..]) {
        if len == 0 {
            return Parsed::End(End::Unanswerable);
        }
        let Some(message) = buf.get(at + 2..at + 2 + len) else { break };
        at += 2 + len;
        if !answer_message(handler, message, peer, scratch) {
            return Parsed::End(End::Unanswerable);
        }
        // Answers are at most 65,535 octets: the general path truncates anything longer.
        let Ok(n) = u16::try_from(scratch.len()) else {
            return Parsed::End(End::Unanswerable);
        };
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(scratch);
        if out.len() >= FLUSH_AT {
            if let Err(end) = write(stream, out, slot, limits.message_timeout).await {
                return Parsed::End(end);
            }
            out.clear();
        }
    }
    Parsed::Consumed(at)
}

/// Writes `data` within `timeout`, unless the connection is evicted first.
async fn write(
    stream: &mut TcpStream,
    data: &[u8],
    slot: &Slot,
    timeout: Duration,
) -> Result<(), End> {
    tokio::select! {
        r = tokio::time::timeout(timeout, stream.write_all(data)) => match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Closed),
            Err(_) => Err(End::MessageTimeout),
        },
        _ = slot.close.notified() => Err(End::Evicted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_ipv4_addresses_and_ipv6_slash_64s() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(Source::of(ip("192.0.2.1")), Source::V4(0xc000_0201));
        assert_ne!(Source::of(ip("192.0.2.1")), Source::of(ip("192.0.2.2")));
        assert_eq!(Source::of(ip("2001:db8:1:2::1")), Source::of(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(Source::of(ip("2001:db8:1:2::1")), Source::of(ip("2001:db8:1:3::1")));
        assert_eq!(Source::of(ip("::ffff:192.0.2.1")), Source::of(ip("192.0.2.1")));
    }

    #[test]
    fn frame_lengths() {
        assert_eq!(frame_len(&[]), None);
        assert_eq!(frame_len(&[1]), None);
        assert_eq!(frame_len(&[1, 2, 3]), Some(258));
        assert_eq!(frame_len(&[0xff, 0xff]), Some(65_535));
    }
}
