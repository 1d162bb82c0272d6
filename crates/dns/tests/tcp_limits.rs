//! DNS over TCP with its limits: pipelined queries answered in order, answers never truncated,
//! framing errors closing the connection (or FORMERR) without harming the server, the idle and
//! message timeouts, the per-source cap, and eviction of the idlest connection when the global
//! cap is reached, so that a client sending its query at once is answered however many idle
//! connections others hold. No assertion is about how long anything took: timeouts are
//! checked by their effect (the connection is closed, the counter moves).

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use dns::tcp::TcpLimits;
use dns::{Handler, Shared};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa5\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa6\"\n";

/// How long any single wait of these tests may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

fn shared() -> Arc<Shared> {
    // huge.example.com TXT: an answer of about 31 KB.
    let mut text = ZONE.to_owned();
    for i in 0..120 {
        text.push_str(&format!("huge IN TXT \"{i:03}{}\"\n", "h".repeat(247)));
    }
    let parsed = zone::master::parse(&text, None).unwrap();
    let (data, _) = zone::ZoneData::build(&parsed.origin, parsed.records, Vec::new()).unwrap();
    let snapshot = zone::Snapshot::from_zones([Arc::new(data)], 1);
    Arc::new(Shared::new(snapshot, geo::Locator::default()))
}

struct Running {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), String>>>,
}

impl Running {
    async fn start(limits: TcpLimits) -> Running {
        let shared = shared();
        let listeners = dns::bind(&["127.0.0.1:0".parse().unwrap()]).await.unwrap();
        let addr = listeners[0].local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(dns::serve_with(listeners, shared.clone(), 7, limits, async {
            let _ = stopped.await;
        }));
        Running { addr, shared, stop: Some(stop), server: Some(server) }
    }

    fn open(&self) -> u64 {
        self.shared.tcp.open.load(Ordering::Relaxed)
    }

    /// Waits until `what` holds.
    async fn until(&self, what: &str, f: impl Fn(&Running) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !f(self) {
            assert!(tokio::time::Instant::now() < deadline, "waited in vain for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        let server = self.server.take().unwrap();
        tokio::time::timeout(WAIT, server).await.expect("the server stops").unwrap().unwrap();
    }
}

/// Limits with long timeouts, so that nothing closes unless a test wants it to.
fn patient() -> TcpLimits {
    TcpLimits {
        idle_timeout: Duration::from_secs(120),
        busy_idle_timeout: Duration::from_secs(120),
        message_timeout: Duration::from_secs(120),
        ..TcpLimits::DEFAULT
    }
}

fn query(id: u16, name: &str, rtype: RecordType, edns: bool) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    if edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        m.edns = Some(e);
    }
    m.to_vec().unwrap()
}

fn framed(packet: &[u8]) -> Vec<u8> {
    let mut v = (packet.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(packet);
    v
}

/// A connection from `source` (any 127.0.0.0/8 address).
async fn connect_from(source: Ipv4Addr, addr: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(IpAddr::V4(source), 0)).unwrap();
    s.connect(addr).await.unwrap()
}

async fn read_reply(s: &mut TcpStream) -> Message {
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, s.read_exact(&mut len)).await.expect("a reply in time").unwrap();
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tokio::time::timeout(WAIT, s.read_exact(&mut reply)).await.expect("a reply in time").unwrap();
    Message::from_vec(&reply).unwrap()
}

/// Whether the server closed `s` (end of stream or reset) rather than sending anything.
async fn closed(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    match tokio::time::timeout(WAIT, s.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) | Err(_) => false,
    }
}

async fn ask(addr: SocketAddr, source: Ipv4Addr, id: u16) -> Message {
    let mut s = connect_from(source, addr).await;
    s.write_all(&framed(&query(id, "www.example.com.", RecordType::A, false))).await.unwrap();
    read_reply(&mut s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_queries_are_all_answered_in_order_and_never_truncated() {
    let server = Running::start(patient()).await;
    let mut s = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    let mut batch = Vec::new();
    let mut asked = Vec::new();
    for id in 1..=40u16 {
        let (name, rtype, edns) = match id % 4 {
            0 => ("big.example.com.", RecordType::TXT, false),
            1 => ("www.example.com.", RecordType::A, false),
            2 => ("www.example.com.", RecordType::A, true),
            _ => ("nothing.example.com.", RecordType::A, false),
        };
        batch.extend(framed(&query(id, name, rtype, edns)));
        asked.push((id, rtype));
    }
    // Sent in uneven pieces, so that messages and length prefixes are split between reads.
    for piece in batch.chunks(7) {
        s.write_all(piece).await.unwrap();
    }
    for (id, rtype) in asked {
        let reply = read_reply(&mut s).await;
        assert_eq!(reply.metadata.id, id, "answers come in the order asked");
        assert!(!reply.metadata.truncation, "query {id}: a TCP answer is never truncated");
        match (id % 4, rtype) {
            (0, _) => {
                // Over 600 octets without EDNS: UDP would truncate it, TCP sends it whole.
                assert_eq!(reply.answers.len(), 6, "query {id}");
            }
            (1 | 2, _) => assert_eq!(reply.answers.len(), 1, "query {id}"),
            _ => assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain, "query {id}"),
        }
    }
    // The same big answer over UDP without EDNS is truncated, as it must be.
    let udp = dns::udp::answer_general(
        &Handler::new(server.shared.clone(), 1),
        &query(9, "big.example.com.", RecordType::TXT, false),
        "127.0.0.1:5300".parse().unwrap(),
    )
    .unwrap();
    assert!(Message::from_vec(&udp).unwrap().metadata.truncation);
    // The connection stays open for more.
    s.write_all(&framed(&query(99, "www.example.com.", RecordType::A, false))).await.unwrap();
    assert_eq!(read_reply(&mut s).await.metadata.id, 99);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_errors_close_the_connection_or_get_formerr_and_never_harm_the_server() {
    let server =
        Running::start(TcpLimits { message_timeout: Duration::from_millis(300), ..patient() })
            .await;
    let addr = server.addr;
    let me = Ipv4Addr::LOCALHOST;

    // A zero length: nothing to answer, the connection is closed.
    let mut s = connect_from(me, addr).await;
    s.write_all(&[0, 0]).await.unwrap();
    assert!(closed(&mut s).await, "a zero-length message closes the connection");

    // Fewer octets than a DNS header: no header to answer with, closed.
    let mut s = connect_from(me, addr).await;
    s.write_all(&framed(&[0xab; 5])).await.unwrap();
    assert!(closed(&mut s).await, "a runt closes the connection");

    // A response instead of a query: closed.
    let mut s = connect_from(me, addr).await;
    let mut response = query(5, "www.example.com.", RecordType::A, false);
    response[2] |= 0x80;
    s.write_all(&framed(&response)).await.unwrap();
    assert!(closed(&mut s).await, "a response closes the connection");

    // Garbage with a header: FORMERR, and the connection goes on.
    let mut s = connect_from(me, addr).await;
    let mut garbage = vec![0x12, 0x34, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    garbage.extend_from_slice(&[0xc0, 0x0c, 0x00, 0x01]);
    s.write_all(&framed(&garbage)).await.unwrap();
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, s.read_exact(&mut len)).await.unwrap().unwrap();
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply[..2], &[0x12, 0x34]);
    assert_eq!(reply[3] & 0x0f, 1, "FORMERR");
    s.write_all(&framed(&query(6, "www.example.com.", RecordType::A, false))).await.unwrap();
    assert_eq!(read_reply(&mut s).await.metadata.id, 6);

    // A length prefix promising more than is sent: closed by the message timeout.
    let mut s = connect_from(me, addr).await;
    s.write_all(&[0xff, 0xff]).await.unwrap();
    s.write_all(&[0xab; 300]).await.unwrap();
    assert!(closed(&mut s).await, "an incomplete message is closed by the message timeout");
    // Half a length prefix: the same.
    let mut s = connect_from(me, addr).await;
    s.write_all(&[0x00]).await.unwrap();
    assert!(closed(&mut s).await, "half a length prefix is closed by the message timeout");
    assert_eq!(server.shared.tcp.message_timeouts.load(Ordering::Relaxed), 2);

    // A client closing half-way through a message.
    let mut s = connect_from(me, addr).await;
    let q = framed(&query(7, "www.example.com.", RecordType::A, false));
    s.write_all(&q[..q.len() / 2]).await.unwrap();
    drop(s);

    // Random frames of every length, each on its own connection: never a panic.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..50 {
        let len = (next() % 300) as usize;
        let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let mut s = connect_from(me, addr).await;
        s.write_all(&framed(&body)).await.unwrap();
        // Whatever the reply (FORMERR, an answer, nothing), the connection ends or answers.
        let mut buf = [0u8; 1024];
        let _ = tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await;
    }

    // The server is unharmed: a new connection is answered.
    let reply = ask(addr, me, 8).await;
    assert_eq!(reply.metadata.id, 8);
    assert_eq!(reply.answers.len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_by_the_idle_timeout() {
    let server = Running::start(TcpLimits {
        idle_timeout: Duration::from_millis(300),
        busy_idle_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    // One that never says anything, and one that asks once and then stays silent.
    let mut silent = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    let mut asked = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    asked.write_all(&framed(&query(1, "www.example.com.", RecordType::A, false))).await.unwrap();
    assert_eq!(read_reply(&mut asked).await.metadata.id, 1);
    assert!(closed(&mut silent).await, "a silent connection is closed");
    assert!(closed(&mut asked).await, "a connection idle after its query is closed");
    server.until("both counted", |s| s.shared.tcp.idle_timeouts.load(Ordering::Relaxed) == 2).await;
    server.until("no connection open", |s| s.open() == 0).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressure_shortens_the_idle_timeout_of_connections_already_waiting() {
    // Half the cap (2 of 4) is pressure: then connections idle for 200 ms are closed, the one
    // that was waiting before pressure began included. The second connection has a message
    // under way, so that only the message timeout (long here) applies to it and the pressure
    // lasts.
    let server = Running::start(TcpLimits {
        max_connections: 4,
        busy_idle_timeout: Duration::from_millis(200),
        ..patient()
    })
    .await;
    let mut first = connect_from(Ipv4Addr::new(127, 0, 3, 1), server.addr).await;
    server.until("the first connection", |s| s.open() == 1).await;
    let mut second = connect_from(Ipv4Addr::new(127, 0, 3, 2), server.addr).await;
    second.write_all(&[0x00]).await.unwrap();
    assert!(closed(&mut first).await, "the connection open before pressure is closed");
    assert_eq!(server.shared.tcp.idle_timeouts.load(Ordering::Relaxed), 1);
    // The second is still open: it can finish its message and be answered.
    let q = query(3, "www.example.com.", RecordType::A, false);
    let mut rest = vec![q.len() as u8];
    rest.extend_from_slice(&q);
    second.write_all(&rest).await.unwrap();
    assert_eq!(read_reply(&mut second).await.metadata.id, 3);
    assert_eq!(server.shared.tcp.evicted.load(Ordering::Relaxed), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_per_source_cap_are_refused() {
    let server = Running::start(TcpLimits { max_connections_per_source: 3, ..patient() }).await;
    let crowd = Ipv4Addr::new(127, 0, 2, 1);
    let mut held = Vec::new();
    for id in 1..=3u16 {
        let mut s = connect_from(crowd, server.addr).await;
        s.write_all(&framed(&query(id, "www.example.com.", RecordType::A, false))).await.unwrap();
        assert_eq!(read_reply(&mut s).await.metadata.id, id);
        held.push(s);
    }
    // A fourth from the same address is closed at once, unanswered.
    let mut fourth = connect_from(crowd, server.addr).await;
    let _ = fourth.write_all(&framed(&query(4, "www.example.com.", RecordType::A, false))).await;
    assert!(closed(&mut fourth).await, "the fourth connection from one source is refused");
    assert_eq!(server.shared.tcp.refused.load(Ordering::Relaxed), 1);
    // Another source is answered, and nothing was evicted for the refused one.
    assert_eq!(ask(server.addr, Ipv4Addr::new(127, 0, 2, 2), 5).await.metadata.id, 5);
    assert_eq!(server.shared.tcp.evicted.load(Ordering::Relaxed), 0);
    // The held connections still work.
    for (i, s) in held.iter_mut().enumerate() {
        let id = 10 + i as u16;
        s.write_all(&framed(&query(id, "www.example.com.", RecordType::A, false))).await.unwrap();
        assert_eq!(read_reply(s).await.metadata.id, id);
    }
    // Once one closes, the source may open another.
    drop(held.pop());
    server.until("the closed connection gone", |s| s.open() == 3 - 1).await;
    assert_eq!(ask(server.addr, crowd, 6).await.metadata.id, 6);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_global_cap_a_new_connection_evicts_the_idlest_and_is_answered() {
    const CAP: usize = 40;
    let server = Running::start(TcpLimits { max_connections: CAP, ..patient() }).await;
    // CAP silent connections from many sources, opened one after the other.
    let mut silent = Vec::new();
    for i in 0..CAP {
        silent.push(connect_from(Ipv4Addr::new(127, 0, 1, 1 + i as u8), server.addr).await);
        server.until("the connection registered", |s| s.open() == i as u64 + 1).await;
    }
    // One that asked a question: it has made progress more recently than the silent ones.
    // Asking evicts the oldest silent one (the cap is full).
    let mut active = connect_from(Ipv4Addr::new(127, 0, 4, 1), server.addr).await;
    active.write_all(&framed(&query(1, "www.example.com.", RecordType::A, false))).await.unwrap();
    assert_eq!(read_reply(&mut active).await.metadata.id, 1);
    assert!(closed(&mut silent[0]).await, "the idlest connection was evicted");
    // Legitimate clients sending their query at once are answered, each evicting the next
    // idlest (they stay open, so that each new one finds the cap full).
    let mut legit = Vec::new();
    for (n, id) in (10..15u16).enumerate() {
        let mut s = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
        s.write_all(&framed(&query(id, "www.example.com.", RecordType::A, false))).await.unwrap();
        let reply = read_reply(&mut s).await;
        assert_eq!(reply.metadata.id, id);
        assert_eq!(reply.answers.len(), 1);
        assert!(closed(&mut silent[n + 1]).await, "silent connection {} evicted", n + 1);
        legit.push(s);
    }
    assert!(server.shared.tcp.evicted.load(Ordering::Relaxed) >= 6);
    assert!(server.open() <= CAP as u64);
    // The active connection, younger in progress than every silent one, was kept.
    active.write_all(&framed(&query(2, "www.example.com.", RecordType::A, false))).await.unwrap();
    assert_eq!(read_reply(&mut active).await.metadata.id, 2);
    assert_eq!(server.shared.tcp.refused.load(Ordering::Relaxed), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_whose_answers_are_being_written_is_not_the_idlest() {
    // Opened before two silent connections, it then asks for several megabytes of answers
    // and reads them slowly: while they are written it is busy, so a new connection at the
    // cap evicts the oldest silent one, not it.
    let server = Running::start(TcpLimits { max_connections: 3, ..patient() }).await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.bind("127.0.6.1:0".parse().unwrap()).unwrap();
    let mut busy = socket.connect(server.addr).await.unwrap();
    server.until("the busy connection", |s| s.open() == 1).await;
    let mut first_silent = connect_from(Ipv4Addr::new(127, 0, 6, 2), server.addr).await;
    server.until("the first silent connection", |s| s.open() == 2).await;
    let _second_silent = connect_from(Ipv4Addr::new(127, 0, 6, 3), server.addr).await;
    server.until("the second silent connection", |s| s.open() == 3).await;
    // Progress is kept in milliseconds: let the clock move past the silent ones' opening.
    tokio::time::sleep(Duration::from_millis(20)).await;
    const ASKED: u16 = 100;
    let mut batch = Vec::new();
    for id in 1..=ASKED {
        batch.extend(framed(&query(id, "huge.example.com.", RecordType::TXT, false)));
    }
    busy.write_all(&batch).await.unwrap();
    // The first octets of the answers: the server is writing them.
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, busy.read_exact(&mut len)).await.unwrap().unwrap();
    assert_eq!(ask(server.addr, Ipv4Addr::new(127, 0, 6, 4), 500).await.metadata.id, 500);
    assert!(closed(&mut first_silent).await, "the oldest silent connection is evicted");
    assert_eq!(server.shared.tcp.evicted.load(Ordering::Relaxed), 1);
    // Every answer arrives whole on the busy connection.
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tokio::time::timeout(WAIT, busy.read_exact(&mut reply)).await.unwrap().unwrap();
    assert_eq!(Message::from_vec(&reply).unwrap().metadata.id, 1);
    for id in 2..=ASKED {
        let reply = read_reply(&mut busy).await;
        assert_eq!((reply.metadata.id, reply.answers.len()), (id, 120));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_closes_idle_connections_and_returns() {
    let server = Running::start(patient()).await;
    let mut idle = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    let mut half = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    half.write_all(&[0x00, 0x20, 0x12]).await.unwrap();
    server.until("both connections", |s| s.open() == 2).await;
    let shared = server.shared.clone();
    server.stop().await;
    assert!(closed(&mut idle).await);
    assert!(closed(&mut half).await);
    assert_eq!(shared.tcp.open.load(Ordering::Relaxed), 0);
}
