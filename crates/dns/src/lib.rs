//! The authoritative DNS edge: UDP and TCP listeners (hickory-server) answering every query
//! from the current [`zone::Snapshot`].
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
use std::time::Duration;

use arc_swap::ArcSwap;
use hickory_proto::op::{Edns, Header, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::Name;
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo, Server};
use hickory_server::zone_handler::MessageResponseBuilder;
use policy::{HealthView, Query, SplitMix64};
use zone::{AliasTargets, Client, NoAliases, Snapshot};

pub mod alias;

/// UDP payload size flowdns advertises and answers up to (the DNS Flag Day 2020 value).
pub const MAX_UDP_PAYLOAD: u16 = 1232;

/// How long an idle TCP connection is kept open.
pub const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the query path reads, each part replaceable on its own.
pub struct Shared {
    /// Zones and policy records.
    pub snapshot: ArcSwap<Snapshot>,
    /// Client location and latency data.
    pub locator: ArcSwap<geo::Locator>,
    /// Resolved addresses of alias-style endpoint targets.
    pub aliases: ArcSwap<alias::AliasTable>,
    /// Query counters.
    pub stats: Stats,
}

impl Shared {
    /// Starts with a snapshot and a locator; no alias target is resolved yet.
    pub fn new(snapshot: Snapshot, locator: geo::Locator) -> Shared {
        Shared {
            snapshot: ArcSwap::from_pointee(snapshot),
            locator: ArcSwap::from_pointee(locator),
            aliases: ArcSwap::from_pointee(alias::AliasTable::default()),
            stats: Stats::default(),
        }
    }
}

/// Counters, readable while the server runs.
#[derive(Debug, Default)]
pub struct Stats {
    /// Queries answered.
    pub queries: AtomicU64,
    /// Answers that came from a traffic policy evaluation (ECS scope above 0 or not).
    pub refused: AtomicU64,
    /// NXDOMAIN answers.
    pub nxdomain: AtomicU64,
    /// FORMERR, NOTIMP and BADVERS answers.
    pub errors: AtomicU64,
}

/// The hickory-server request handler.
pub struct Handler {
    shared: Arc<Shared>,
    seed: u64,
    counter: AtomicU64,
}

impl Handler {
    /// A handler reading `shared`; `seed` varies the random draws between processes.
    pub fn new(shared: Arc<Shared>, seed: u64) -> Handler {
        Handler { shared, seed, counter: AtomicU64::new(0) }
    }
}

impl Handler {
    /// Answers one question; synchronous, so nothing here is held across an `.await`.
    pub fn answer(
        &self,
        qname: &Name,
        qtype: hickory_proto::rr::RecordType,
        ip: IpAddr,
        source_prefix: Option<u8>,
    ) -> zone::Outcome {
        let locator = self.shared.locator.load();
        let (location, latency) = locator.locate(ip, source_prefix);
        let snapshot = self.shared.snapshot.load();
        let aliases = self.shared.aliases.load();
        let alias_health = alias::AliasHealth { table: &aliases, rtype: qtype };
        let health: &dyn HealthView = &alias_health;
        let mut rng = SplitMix64(self.seed ^ self.counter.fetch_add(1, Ordering::Relaxed));
        let alias_view: &dyn AliasTargets =
            if aliases.is_empty() { &NoAliases } else { aliases.as_ref() };
        let mut client = Client {
            query: Query { location: &location, health, latency: &latency },
            rng: &mut rng,
            aliases: alias_view,
        };
        snapshot.answer(qname, qtype, &mut client)
    }
}

/// The client network a query speaks for: the ECS address and source prefix when present
/// and non-zero, else the source address.
fn client_of(request: &Request) -> (IpAddr, Option<u8>, Option<ClientSubnet>) {
    let ecs = request.edns.as_ref().and_then(|e| match e.option(EdnsCode::Subnet) {
        Some(EdnsOption::Subnet(cs)) => Some(*cs),
        _ => None,
    });
    match ecs {
        Some(cs) => (cs.addr(), Some(cs.source_prefix()), Some(cs)),
        None => (request.src().ip(), None, None),
    }
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let stats = &self.shared.stats;
        stats.queries.fetch_add(1, Ordering::Relaxed);
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.recursion_available = false;
        metadata.authentic_data = false;

        let mut edns = request.edns.as_ref().map(|_| {
            let mut e = Edns::new();
            e.set_max_payload(MAX_UDP_PAYLOAD);
            e
        });

        let error = if request.metadata.op_code != OpCode::Query {
            Some(ResponseCode::NotImp)
        } else if request.queries.len() != 1 {
            Some(ResponseCode::FormErr)
        } else if request.edns.as_ref().is_some_and(|e| e.version() > 0) {
            Some(ResponseCode::BADVERS)
        } else {
            None
        };
        if let Some(code) = error {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            metadata.response_code = code;
            if let Some(e) = edns.as_mut() {
                e.set_rcode_high(code.high());
            }
            let b = builder(request, &edns);
            let msg = b.build(metadata, [], [], [], []);
            return send(&mut response, msg, &request.metadata).await;
        }

        let query = &request.queries.queries()[0];
        let qname: Name = query.original().name().clone();
        let (ip, source_prefix, ecs) = client_of(request);
        let outcome = self.answer(&qname, query.query_type(), ip, source_prefix);

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
        let b = builder(request, &edns);
        let msg = b.build(
            metadata,
            outcome.answers.iter(),
            outcome.authority.iter(),
            [],
            outcome.additional.iter(),
        );
        send(&mut response, msg, &request.metadata).await
    }
}

fn builder<'q>(request: &'q Request, edns: &'q Option<Edns>) -> MessageResponseBuilder<'q> {
    let mut b = MessageResponseBuilder::from_message_request(request);
    if let Some(e) = edns {
        b.edns(e);
    }
    b
}

async fn send<'q, 'a, R: ResponseHandler>(
    response: &mut R,
    msg: hickory_server::zone_handler::MessageResponse<
        'q,
        'a,
        impl Iterator<Item = &'a hickory_proto::rr::Record> + Send + 'a,
        impl Iterator<Item = &'a hickory_proto::rr::Record> + Send + 'a,
        impl Iterator<Item = &'a hickory_proto::rr::Record> + Send + 'a,
        impl Iterator<Item = &'a hickory_proto::rr::Record> + Send + 'a,
    >,
    request: &Metadata,
) -> ResponseInfo {
    match response.send_response(msg).await {
        Ok(info) => info,
        Err(e) => {
            tracing::debug!(error = %e, "could not send a response");
            let mut m = Metadata::response_from_request(request);
            m.response_code = ResponseCode::ServFail;
            Header { metadata: m, counts: Default::default() }.into()
        }
    }
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
    /// UDP sockets sharing the address.
    pub udp: Vec<tokio::net::UdpSocket>,
    /// The TCP listener.
    pub tcp: tokio::net::TcpListener,
}

impl Listener {
    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

fn reuseport_udp(addr: SocketAddr) -> std::io::Result<tokio::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    tokio::net::UdpSocket::from_std(socket.into())
}

/// Binds UDP and TCP on every address. Binding happens before serving so that a taken port
/// is reported at once.
pub async fn bind(addrs: &[SocketAddr]) -> Result<Vec<Listener>, ListenError> {
    let per_address = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16);
    let mut out = Vec::new();
    for &addr in addrs {
        // A plain bind first, so that a port another process holds is an error (SO_REUSEPORT
        // would otherwise share it with a process of the same user).
        let first = tokio::net::UdpSocket::bind(addr)
            .await
            .map_err(|source| ListenError { addr, protocol: "UDP", source })?;
        // Port 0 asks for a free port: the other sockets and TCP take the one UDP got.
        let bound = first.local_addr().map_err(|source| ListenError { addr, protocol: "UDP", source })?;
        drop(first);
        let mut udp = Vec::with_capacity(per_address);
        for _ in 0..per_address {
            udp.push(reuseport_udp(bound).map_err(|source| ListenError { addr: bound, protocol: "UDP", source })?);
        }
        let tcp = tokio::net::TcpListener::bind(bound)
            .await
            .map_err(|source| ListenError { addr: bound, protocol: "TCP", source })?;
        out.push(Listener { udp, tcp });
    }
    Ok(out)
}

/// Serves DNS on the bound sockets until `shutdown` completes, then stops gracefully.
pub async fn serve(
    listeners: Vec<Listener>,
    handler: Handler,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let mut server = Server::new(handler);
    for l in listeners {
        for udp in l.udp {
            server.register_socket(udp);
        }
        server.register_listener(l.tcp, TCP_IDLE_TIMEOUT, 65_535);
    }
    shutdown.await;
    server.shutdown_gracefully().await.map_err(|e| e.to_string())
}
