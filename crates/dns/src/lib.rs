//! The authoritative DNS edge: UDP and TCP listeners answering every query from the current
//! [`zone::Snapshot`] (UDP on blocking threads, [`udp`]; TCP on tokio tasks, [`tcp`]).
//!
//! The query path reads `Arc` snapshots through `ArcSwap` (no lock, no I/O, no `.await` on
//! anything but the socket): the zone data, the GeoIP locator and the alias-target addresses
//! are each replaced wholesale by other tasks. If the store is unreachable, DNS keeps
//! answering from the last snapshot.
//!
//! Per query: the client is located by the EDNS Client Subnet address when the query carries
//! one with a non-zero source prefix (RFC 7871), else by the source address; the snapshot
//! answers; the ECS option is echoed with the scope the answer depends on.
#![deny(missing_docs)]

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use hickory_proto::op::{Edns, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::Name;
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use policy::{HealthView, Query, SplitMix64};
use zone::{AliasTargets, Client, NoAliases, Snapshot};

pub mod alias;
mod ecs;
mod fast;
pub mod health;
pub mod querylog;
pub mod rrl;
pub mod tcp;
pub mod udp;

/// UDP payload size flowdns advertises and answers up to (the DNS Flag Day 2020 value).
pub const MAX_UDP_PAYLOAD: u16 = 1232;

/// What the query path reads, each part replaceable on its own.
pub struct Shared {
    /// Zones and policy records.
    pub snapshot: ArcSwap<Snapshot>,
    /// Client location and latency data.
    pub locator: ArcSwap<geo::Locator>,
    /// Resolved addresses of alias-style endpoint targets.
    pub aliases: ArcSwap<alias::AliasTable>,
    /// Health checks that are unhealthy now.
    pub health: ArcSwap<health::HealthTable>,
    /// Query counters.
    pub stats: Stats,
    /// TCP connection counters.
    pub tcp: tcp::TcpStats,
    /// The query log, when one is kept (set before the listeners start: each answering
    /// thread reads it once).
    pub query_log: arc_swap::ArcSwapOption<querylog::QueryLog>,
    /// Response-rate limiting of UDP answers, when on (set before the listeners start: each
    /// UDP thread reads it once).
    pub rrl: arc_swap::ArcSwapOption<rrl::Rrl>,
}

impl Shared {
    /// Starts with a snapshot and a locator; no alias target is resolved yet.
    pub fn new(snapshot: Snapshot, locator: geo::Locator) -> Shared {
        Shared {
            snapshot: ArcSwap::from_pointee(snapshot),
            locator: ArcSwap::from_pointee(locator),
            aliases: ArcSwap::from_pointee(alias::AliasTable::default()),
            health: ArcSwap::from_pointee(health::HealthTable::default()),
            stats: Stats::default(),
            tcp: tcp::TcpStats::default(),
            query_log: arc_swap::ArcSwapOption::empty(),
            rrl: arc_swap::ArcSwapOption::empty(),
        }
    }
}

/// Counters of rarer events, readable while the server runs. (Every-query counters belong to
/// each receive thread, so that cores do not contend for one cache line.)
#[derive(Debug, Default)]
pub struct Stats {
    /// REFUSED answers (names outside every zone).
    pub refused: AtomicU64,
    /// NXDOMAIN answers.
    pub nxdomain: AtomicU64,
    /// FORMERR, NOTIMP and BADVERS answers.
    pub errors: AtomicU64,
    /// The per-handler query counters (each receive thread counts its own queries, so that
    /// cores do not share a counter; this list is only touched when a handler is made and
    /// when the counters are read).
    handlers: std::sync::Mutex<Vec<std::sync::Weak<AtomicU64>>>,
}

impl Stats {
    /// Queries answered from the zones (every answer but FORMERR, NOTIMP and BADVERS), by the
    /// handlers alive now.
    pub fn queries(&self) -> u64 {
        let Ok(mut list) = self.handlers.lock() else { return 0 };
        list.retain(|w| w.strong_count() > 0);
        list.iter().filter_map(std::sync::Weak::upgrade).map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

/// Answers queries from [`Shared`]: one per UDP thread, one for all TCP connections.
pub struct Handler {
    shared: Arc<Shared>,
    query_log: Option<Arc<querylog::QueryLog>>,
    seed: u64,
    counter: Arc<AtomicU64>,
    /// This handler's counter stripe (see `zone::counters`).
    stripe: usize,
}

impl Handler {
    /// A handler reading `shared`; `seed` varies the random draws between processes.
    pub fn new(shared: Arc<Shared>, seed: u64) -> Handler {
        let counter = Arc::new(AtomicU64::new(0));
        let mut stripe = 0;
        if let Ok(mut list) = shared.stats.handlers.lock() {
            list.retain(|w| w.strong_count() > 0);
            stripe = list.len();
            list.push(Arc::downgrade(&counter));
        }
        let query_log = shared.query_log.load_full();
        Handler { shared, query_log, seed, counter, stripe }
    }
}

impl Handler {
    /// Runs `f` with the current snapshot and everything one answer depends on: the client
    /// located at `ip` (with the ECS source prefix, if any), alias-target health for `qtype`,
    /// and a random source. Synchronous, so nothing here is held across an `.await`.
    pub(crate) fn with_client<T>(
        &self,
        qtype: u16,
        ip: IpAddr,
        source_prefix: Option<u8>,
        f: impl FnOnce(&Snapshot, &mut Client<'_>) -> T,
    ) -> T {
        self.with_traced_client(qtype, ip, source_prefix, None, f)
    }

    /// [`Handler::with_client`], recording policy evaluations in `trace` when given.
    fn with_traced_client<T>(
        &self,
        qtype: u16,
        ip: IpAddr,
        source_prefix: Option<u8>,
        trace: Option<&mut policy::Trace>,
        f: impl FnOnce(&Snapshot, &mut Client<'_>) -> T,
    ) -> T {
        let locator = self.shared.locator.load();
        let (location, latency) = locator.locate(ip, source_prefix);
        let snapshot = self.shared.snapshot.load();
        let aliases = self.shared.aliases.load();
        let checks = self.shared.health.load();
        let query_health = health::QueryHealth {
            checks: &checks,
            aliases: &aliases,
            rtype: hickory_proto::rr::RecordType::from(qtype),
        };
        let health: &dyn HealthView = &query_health;
        let mut rng = SplitMix64(self.seed ^ self.counter.fetch_add(1, Ordering::Relaxed));
        let alias_view: &dyn AliasTargets =
            if aliases.is_empty() { &NoAliases } else { aliases.as_ref() };
        let mut client = Client {
            query: Query {
                location: &location,
                health,
                latency: &latency,
                subnet: Some(policy::ClientSubnet::of(ip, source_prefix)),
            },
            rng: &mut rng,
            aliases: alias_view,
            stripe: self.stripe,
            trace,
        };
        f(&snapshot, &mut client)
    }

    /// Answers one question as [`Handler::answer`] does, recording every policy evaluation
    /// on the way (routed record sets, alias chains, policy records) in a trace.
    pub fn explain(
        &self,
        qname: &Name,
        qtype: hickory_proto::rr::RecordType,
        ip: IpAddr,
        source_prefix: Option<u8>,
    ) -> (zone::Outcome, policy::Trace, policy::ClientLocation) {
        let mut trace = policy::Trace::default();
        let location = self.shared.locator.load().locate(ip, source_prefix).0;
        let outcome = self.with_traced_client(
            u16::from(qtype),
            ip,
            source_prefix,
            Some(&mut trace),
            |snapshot, client| snapshot.answer(qname, qtype, client),
        );
        (outcome, trace, location)
    }

    /// Offers the query just answered to the query log, when there is one and the query is
    /// sampled; `entry` runs only then.
    #[inline]
    pub(crate) fn log_query(&self, entry: impl FnOnce() -> querylog::Entry) {
        if let Some(log) = &self.query_log
            && log.sampled(self.seed, self.counter.load(Ordering::Relaxed))
        {
            log.record(entry());
        }
    }

    /// Counts a FORMERR answered without [`Handler::respond`] (a request that does not parse).
    pub(crate) fn count_error(&self) {
        self.shared.stats.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Answers one question.
    pub fn answer(
        &self,
        qname: &Name,
        qtype: hickory_proto::rr::RecordType,
        ip: IpAddr,
        source_prefix: Option<u8>,
    ) -> zone::Outcome {
        self.with_client(u16::from(qtype), ip, source_prefix, |snapshot, client| {
            snapshot.answer(qname, qtype, client)
        })
    }
}

/// A response before it is written: header, EDNS, and the sections.
pub struct Response {
    /// Header fields.
    pub metadata: Metadata,
    /// The OPT record to send (when the query had one).
    pub edns: Option<Edns>,
    /// The sections (empty for error responses).
    pub outcome: zone::Outcome,
}

impl Handler {
    /// Everything a query's response depends on, for the general path of UDP and TCP alike: header checks (NOTIMP, FORMERR, BADVERS), the EDNS Client Subnet option checked
    /// as RFC 7871 requires (FORMERR), refusals (REFUSED) of zone transfers and
    /// of classes other than IN, the client's network from EDNS Client Subnet or the source
    /// address, the snapshot's answer, and the ECS option echoed with its scope. Synchronous:
    /// nothing here is held across an `.await`.
    ///
    /// `packet` is the request as received: the Client Subnet checks need its bytes, which
    /// the decoded option does not keep.
    ///
    /// Classes: IN is answered; ANY (QCLASS `*`) is answered with the IN data, as every record
    /// here is of class IN (RFC 1035 3.2.5); every other class (CH, HS, NONE, ...) is REFUSED,
    /// as Route 53 refuses `version.bind` in class CH. AXFR and IXFR are REFUSED: there is no
    /// transfer ACL, so no client may transfer a zone.
    pub fn respond(
        &self,
        request: &Metadata,
        // The question when there is exactly one; `None` (FORMERR) for none or several.
        question: Option<&hickory_proto::op::Query>,
        request_edns: Option<&Edns>,
        src: IpAddr,
        packet: &[u8],
    ) -> Response {
        let stats = &self.shared.stats;
        let mut metadata = Metadata::response_from_request(request);
        metadata.recursion_available = false;
        metadata.authentic_data = false;
        let mut edns = request_edns.map(|_| {
            let mut e = Edns::new();
            e.set_max_payload(MAX_UDP_PAYLOAD);
            e
        });
        let empty = zone::Outcome {
            rcode: ResponseCode::NoError,
            authoritative: false,
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            ecs_scope: 0,
        };
        let error = if request.op_code != OpCode::Query {
            Some(ResponseCode::NotImp)
        } else if question.is_none() {
            Some(ResponseCode::FormErr)
        } else if request_edns.is_some_and(|e| e.version() > 0) {
            Some(ResponseCode::BADVERS)
        } else if request_edns.is_some() && ecs::malformed_in(packet) {
            Some(ResponseCode::FormErr)
        } else {
            None
        };
        if let Some(code) = error {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            if let Some(q) = question {
                self.log_query(|| querylog::Entry {
                    at: std::time::SystemTime::now(),
                    client: src,
                    qname: querylog::QName::Name(q.name().clone()),
                    qtype: u16::from(q.query_type()),
                    rcode: code,
                    answers: 0,
                    ecs: None,
                });
            }
            metadata.response_code = code;
            if let Some(e) = edns.as_mut() {
                e.set_rcode_high(code.high());
            }
            return Response { metadata, edns, outcome: empty };
        }
        let Some(query) = question else {
            return Response { metadata, edns, outcome: empty };
        };
        let ecs = request_edns.and_then(|e| match e.option(EdnsCode::Subnet) {
            Some(EdnsOption::Subnet(cs)) => Some(*cs),
            _ => None,
        });
        let (ip, source_prefix) = match ecs {
            Some(cs) => (cs.addr(), Some(cs.source_prefix())),
            None => (src, None),
        };
        let outcome = if refused(query) {
            // Counted as a query answered, as a name outside every zone is.
            self.counter.fetch_add(1, Ordering::Relaxed);
            zone::Outcome { rcode: ResponseCode::Refused, ..empty }
        } else {
            self.answer(query.name(), query.query_type(), ip, source_prefix)
        };
        metadata.response_code = outcome.rcode;
        metadata.authoritative = outcome.authoritative;
        match outcome.rcode {
            ResponseCode::Refused => stats.refused.fetch_add(1, Ordering::Relaxed),
            ResponseCode::NXDomain => stats.nxdomain.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        if let (Some(e), Some(cs)) = (edns.as_mut(), ecs) {
            // RFC 7871 section 7.2.1: echo family, source prefix and address; set the scope.
            let scope = if cs.source_prefix() == 0 { 0 } else { outcome.ecs_scope };
            e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(
                cs.addr(),
                cs.source_prefix(),
                scope,
            )));
        }
        self.log_query(|| querylog::Entry {
            at: std::time::SystemTime::now(),
            client: src,
            qname: querylog::QName::Name(query.name().clone()),
            qtype: u16::from(query.query_type()),
            rcode: outcome.rcode,
            answers: u16::try_from(outcome.answers.len()).unwrap_or(u16::MAX),
            ecs: ecs.map(|cs| {
                let scope = if cs.source_prefix() == 0 { 0 } else { outcome.ecs_scope };
                (cs.addr(), cs.source_prefix(), scope)
            }),
        });
        Response { metadata, edns, outcome }
    }
}

/// Whether `query` is refused whatever the zones hold: a zone transfer (no transfer ACL
/// exists), or a class other than IN and ANY.
fn refused(query: &hickory_proto::op::Query) -> bool {
    use hickory_proto::rr::{DNSClass, RecordType};
    matches!(query.query_type(), RecordType::AXFR | RecordType::IXFR)
        || !matches!(query.query_class(), DNSClass::IN | DNSClass::ANY)
}

/// Errors starting the listeners.
#[derive(Debug)]
pub struct ListenError {
    /// The address that could not be bound.
    pub addr: SocketAddr,
    /// UDP or TCP.
    pub protocol: &'static str,
    /// The operating system's error.
    pub source: std::io::Error,
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = match self.source.kind() {
            std::io::ErrorKind::AddrInUse => {
                "; another process (another DNS server?) already listens there: stop it or choose another --dns-listen address"
            }
            std::io::ErrorKind::PermissionDenied => {
                "; ports below 1024 need root or CAP_NET_BIND_SERVICE"
            }
            _ => "",
        };
        write!(
            f,
            "cannot listen for DNS on {} ({}): {}{hint}",
            self.addr, self.protocol, self.source
        )
    }
}

impl std::error::Error for ListenError {}

/// Sockets for one listen address: one UDP socket per core (SO_REUSEPORT, so the kernel
/// spreads queries over them and each has its own receive loop) and one TCP listener.
pub struct Listener {
    /// UDP sockets sharing the address (served by blocking threads, see [`udp`]).
    pub udp: Vec<std::net::UdpSocket>,
    /// The TCP listener.
    pub tcp: tokio::net::TcpListener,
}

impl Listener {
    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

fn reuseport_udp(addr: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    let socket = socket_for(addr, socket2::Type::DGRAM)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// A socket for `addr`; an IPv6 one is IPv6-only, so that `[::]:53` and `0.0.0.0:53` can be
/// listened on side by side (Linux makes IPv6 sockets dual-stack by default).
fn socket_for(addr: SocketAddr, kind: socket2::Type) -> std::io::Result<socket2::Socket> {
    use socket2::{Domain, Socket};
    let socket = Socket::new(Domain::for_address(addr), kind, None)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    Ok(socket)
}

/// A plain UDP socket (no SO_REUSEPORT) bound to `addr`.
fn plain_udp(addr: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    let socket = socket_for(addr, socket2::Type::DGRAM)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// A listening, non-blocking TCP socket bound to `addr` (SO_REUSEADDR, as std sets it).
fn tcp_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket_for(addr, socket2::Type::STREAM)?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// How many fresh ports [`bind`] tries for an address with port 0 before giving up.
const PORT_ATTEMPTS: usize = 64;

/// Binds UDP and TCP on every address, to one port per address. Binding happens before serving
/// so that a taken port is reported at once.
///
/// An explicit port must be free for both UDP and TCP, or the error names the protocol that
/// could not have it. Port 0 asks for any free port: the kernel picks one for UDP, and when TCP
/// cannot have the same number (another socket holds it), the pair is released and another
/// port is tried, up to [`PORT_ATTEMPTS`] times.
pub async fn bind(addrs: &[SocketAddr]) -> Result<Vec<Listener>, ListenError> {
    let per_address = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16);
    let mut out = Vec::new();
    for &addr in addrs {
        let attempts = if addr.port() == 0 { PORT_ATTEMPTS } else { 1 };
        let mut attempt = 0;
        let listener = loop {
            attempt += 1;
            match bind_pair(addr, per_address) {
                Ok(l) => break l,
                Err(e)
                    if attempt < attempts && e.source.kind() == std::io::ErrorKind::AddrInUse =>
                {
                    tracing::debug!(error = %e, "port pair not free; trying another port");
                }
                Err(e) => return Err(e),
            }
        };
        out.push(listener);
    }
    Ok(out)
}

/// One attempt of [`bind`] for one address.
fn bind_pair(addr: SocketAddr, per_address: usize) -> Result<Listener, ListenError> {
    let udp_err = |addr, source| ListenError { addr, protocol: "UDP", source };
    // A plain bind first, so that a port another process holds is an error (SO_REUSEPORT
    // would otherwise share it with a process of the same user). It also picks the port
    // when port 0 was asked for.
    let first = plain_udp(addr).map_err(|e| udp_err(addr, e))?;
    let bound = first.local_addr().map_err(|e| udp_err(addr, e))?;
    // TCP takes the same number while the plain UDP socket still holds it, so nothing else can
    // take the UDP port in between.
    let tcp = tcp_listener(bound).map_err(|source| ListenError {
        addr: bound,
        protocol: "TCP",
        source,
    })?;
    drop(first);
    let mut udp = Vec::with_capacity(per_address);
    for _ in 0..per_address {
        udp.push(reuseport_udp(bound).map_err(|e| udp_err(bound, e))?);
    }
    let tcp = tokio::net::TcpListener::from_std(tcp).map_err(|source| ListenError {
        addr: bound,
        protocol: "TCP",
        source,
    })?;
    Ok(Listener { udp, tcp })
}

/// Serves DNS on the bound sockets until `shutdown` completes, then stops gracefully, with the
/// default TCP limits ([`serve_with`]).
pub async fn serve(
    listeners: Vec<Listener>,
    shared: Arc<Shared>,
    seed: u64,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    serve_with(listeners, shared, seed, tcp::TcpLimits::default(), shutdown).await
}

/// Serves DNS on the bound sockets until `shutdown` completes: UDP on blocking threads (the
/// fast path), TCP on tokio tasks within `tcp_limits`. Then stops gracefully: the UDP loops
/// end, no TCP connection is accepted, idle ones are closed and answers being written are
/// finished.
pub async fn serve_with(
    listeners: Vec<Listener>,
    shared: Arc<Shared>,
    seed: u64,
    tcp_limits: tcp::TcpLimits,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    let mut tcp_listeners = Vec::new();
    for (n, l) in listeners.into_iter().enumerate() {
        let shared = shared.clone();
        let make =
            move |i: usize| Handler::new(shared.clone(), seed ^ ((n as u64) << 32 | i as u64));
        match udp::spawn(l.udp, make, stop.clone()) {
            Ok(t) => threads.extend(t),
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                for t in threads {
                    let _ = t.join();
                }
                return Err(e.to_string());
            }
        }
        tcp_listeners.push(l.tcp);
    }
    let handler = Arc::new(Handler::new(shared.clone(), seed.rotate_left(32)));
    let tcp = tcp::TcpServer::start(tcp_listeners, handler, shared, tcp_limits);
    shutdown.await;
    stop.store(true, Ordering::Relaxed);
    tcp.stop().await;
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}
