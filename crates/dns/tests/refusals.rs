//! Queries answered the same whatever the zones hold: zone transfers and classes other than IN
//! are REFUSED (there is no transfer ACL, and every record is of class IN), and Client Subnet
//! options that RFC 7871 rejects get FORMERR. Each is checked on the UDP entry point (lean path
//! first, then the general path), on the general path alone, and over TCP, with the counters.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use dns::udp::{answer_datagram, answer_general};
use dns::{Handler, Shared};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{DNSClass, Name, RecordType};
use zone::{Snapshot, ZoneData};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\nversion IN TXT \"in-data\"\n";

fn shared() -> Arc<Shared> {
    let parsed = zone::master::parse(ZONE, None).unwrap();
    let (data, _) = ZoneData::build(&parsed.origin, parsed.records, Vec::new()).unwrap();
    let snapshot = Snapshot::from_zones([Arc::new(data)], 1);
    Arc::new(Shared::new(snapshot, geo::Locator::default()))
}

fn src() -> SocketAddr {
    "192.0.2.200:5300".parse().unwrap()
}

/// A query of `name`, `rtype`, `class`, with EDNS carrying `ecs` (raw option data) if given.
fn query(name: &str, rtype: RecordType, class: DNSClass, ecs: Option<&[u8]>) -> Vec<u8> {
    let mut m = Message::new(0x4242, MessageType::Query, OpCode::Query);
    let mut q = Query::query(Name::from_ascii(name).unwrap(), rtype);
    q.set_query_class(class);
    m.add_query(q);
    if let Some(option) = ecs {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        e.options_mut().insert(EdnsOption::Unknown(8, option.to_vec()));
        m.edns = Some(e);
    }
    m.to_vec().unwrap()
}

/// The reply through the UDP entry point, checked against the general path alone.
fn ask(shared: &Arc<Shared>, packet: &[u8]) -> Message {
    let udp = answer_datagram(&Handler::new(shared.clone(), 3), packet, src()).unwrap();
    let general = answer_general(&Handler::new(shared.clone(), 3), packet, src()).unwrap();
    assert_eq!(udp, general, "the lean path must leave this query to the general path");
    let reply = Message::from_vec(&udp).unwrap();
    assert_eq!(reply.metadata.id, 0x4242);
    reply
}

fn rcode(shared: &Arc<Shared>, packet: &[u8]) -> ResponseCode {
    ask(shared, packet).metadata.response_code
}

#[test]
fn zone_transfers_are_refused() {
    let shared = shared();
    for t in [RecordType::AXFR, RecordType::IXFR] {
        for ecs in [None, Some(&[0u8, 1, 24, 0, 192, 0, 2][..])] {
            let reply = ask(&shared, &query("example.com.", t, DNSClass::IN, ecs));
            assert_eq!(reply.metadata.response_code, ResponseCode::Refused, "{t}");
            assert!(reply.answers.is_empty() && reply.authorities.is_empty(), "{t}");
            assert!(!reply.metadata.authoritative);
        }
    }
    // Two answers per query: the UDP entry point and the general path.
    assert_eq!(shared.stats.refused.load(Ordering::Relaxed), 2 * 4);
    assert_eq!(shared.stats.errors.load(Ordering::Relaxed), 0);
}

#[test]
fn classes_other_than_in_are_refused() {
    let shared = shared();
    let chaos = ask(&shared, &query("version.bind.", RecordType::TXT, DNSClass::CH, None));
    assert_eq!(chaos.metadata.response_code, ResponseCode::Refused);
    assert!(chaos.answers.is_empty());
    // A name the zone has in class IN is not answered in another class.
    for class in [DNSClass::CH, DNSClass::HS, DNSClass::NONE, DNSClass::Unknown(42)] {
        let reply = ask(&shared, &query("www.example.com.", RecordType::A, class, None));
        assert_eq!(reply.metadata.response_code, ResponseCode::Refused, "{class:?}");
        assert!(reply.answers.is_empty(), "{class:?}");
    }
    let txt = ask(&shared, &query("version.example.com.", RecordType::TXT, DNSClass::CH, None));
    assert_eq!(txt.metadata.response_code, ResponseCode::Refused);
    // Two answers per query: the UDP entry point and the general path.
    assert_eq!(shared.stats.refused.load(Ordering::Relaxed), 2 * 6);
    // IN is answered, and so is ANY (with the IN data, the only class there is).
    let a = ask(&shared, &query("www.example.com.", RecordType::A, DNSClass::IN, None));
    assert_eq!(a.metadata.response_code, ResponseCode::NoError);
    assert_eq!(a.answers.len(), 1);
    let any = ask(&shared, &query("www.example.com.", RecordType::A, DNSClass::ANY, None));
    assert_eq!(any.metadata.response_code, ResponseCode::NoError);
    assert_eq!(any.answers.len(), 1);
    assert_eq!(shared.stats.refused.load(Ordering::Relaxed), 2 * 6);
}

/// Client Subnet option data (family, source prefix, scope prefix, address) that RFC 7871
/// rejects, with the rule each breaks.
const BAD_ECS: &[(&[u8], &str)] = &[
    (&[0, 1, 20, 0, 192, 0, 0x12], "address bits beyond the source prefix"),
    (&[0, 1, 24, 0, 192, 0, 2, 1], "a fourth address octet with /24"),
    (&[0, 1, 0, 0, 192, 0, 2, 1], "address octets with a /0 prefix"),
    (&[0, 1, 0, 0, 0], "one address octet with a /0 prefix"),
    (&[0, 1, 24, 16, 192, 0, 2], "a non-zero scope in a query"),
    (&[0, 1, 24, 0, 192, 0], "too few address octets"),
    (&[0, 3, 0, 0], "an unknown family"),
    (&[0, 1, 33, 0, 192, 0, 2, 1, 0], "a prefix longer than IPv4 allows"),
    (&[0, 2, 129, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "IPv6 /129"),
    (&[0, 2, 33, 0, 0x20, 1, 0x0d, 0xb8, 0x40], "IPv6 address bits beyond /33"),
    (&[0, 2, 32, 1, 0x20, 1, 0x0d, 0xb8], "an IPv6 query with a scope"),
];

#[test]
fn client_subnet_options_rfc_7871_rejects_get_formerr() {
    let shared = shared();
    for (option, rule) in BAD_ECS {
        for name in ["www.example.com.", "nope.example.com.", "example.org."] {
            let packet = query(name, RecordType::A, DNSClass::IN, Some(option));
            assert_eq!(rcode(&shared, &packet), ResponseCode::FormErr, "{rule}, {name}");
        }
        // FORMERR comes before the refusals of classes and transfers.
        let chaos = query("version.bind.", RecordType::TXT, DNSClass::CH, Some(option));
        assert_eq!(rcode(&shared, &chaos), ResponseCode::FormErr, "{rule}, class CH");
    }
    // Two options, each well formed: one query, one client subnet.
    let mut bytes =
        query("www.example.com.", RecordType::A, DNSClass::IN, Some(&[0, 1, 24, 0, 192, 0, 2]));
    // Append a second ECS option to the OPT record: the last bytes are its options.
    let second = [0u8, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100];
    let rdlen_at = bytes.len() - 11 - 2;
    let rdlen = u16::from_be_bytes([bytes[rdlen_at], bytes[rdlen_at + 1]]) + second.len() as u16;
    bytes[rdlen_at..rdlen_at + 2].copy_from_slice(&rdlen.to_be_bytes());
    bytes.extend_from_slice(&second);
    assert_eq!(rcode(&shared, &bytes), ResponseCode::FormErr, "two Client Subnet options");
    assert_eq!(
        shared.stats.errors.load(Ordering::Relaxed),
        (BAD_ECS.len() * 4 + 1) as u64 * 2,
        "each FORMERR counted once per answer (UDP entry point and general path)"
    );
    assert_eq!(shared.stats.refused.load(Ordering::Relaxed), 0);
}

#[test]
fn well_formed_client_subnet_options_are_answered() {
    let shared = shared();
    let good: &[&[u8]] = &[
        &[0, 1, 24, 0, 192, 0, 2],
        &[0, 1, 20, 0, 192, 0, 0x10],
        &[0, 1, 0, 0],
        &[0, 1, 32, 0, 192, 0, 2, 1],
        &[0, 2, 0, 0],
        &[0, 2, 33, 0, 0x20, 1, 0x0d, 0xb8, 0x80],
        &[0, 2, 56, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0],
    ];
    for option in good {
        let reply =
            ask(&shared, &query("nope.example.com.", RecordType::A, DNSClass::IN, Some(option)));
        assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain, "{option:?}");
        let packet = query("www.example.com.", RecordType::A, DNSClass::IN, Some(option));
        let reply = Message::from_vec(
            &answer_datagram(&Handler::new(shared.clone(), 3), &packet, src()).unwrap(),
        )
        .unwrap();
        assert_eq!(reply.metadata.response_code, ResponseCode::NoError, "{option:?}");
        assert_eq!(reply.answers.len(), 1, "{option:?}");
    }
    assert_eq!(shared.stats.errors.load(Ordering::Relaxed), 0);
}

/// One query over TCP to `addr`, with the two-octet length prefix.
fn over_tcp(addr: SocketAddr, packet: &[u8]) -> Message {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(packet);
    s.write_all(&framed).unwrap();
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut reply).unwrap();
    Message::from_vec(&reply).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_gets_the_same_refusals_and_formerrs() {
    let shared = shared();
    let listeners = dns::bind(&["127.0.0.1:0".parse().unwrap()]).await.unwrap();
    let addr = listeners[0].local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(dns::serve(listeners, shared.clone(), 5, async {
        let _ = stopped.await;
    }));
    let cases: Vec<(Vec<u8>, ResponseCode, &str)> = vec![
        (
            query("example.com.", RecordType::AXFR, DNSClass::IN, None),
            ResponseCode::Refused,
            "AXFR",
        ),
        (
            query("example.com.", RecordType::IXFR, DNSClass::IN, None),
            ResponseCode::Refused,
            "IXFR",
        ),
        (
            query("version.bind.", RecordType::TXT, DNSClass::CH, None),
            ResponseCode::Refused,
            "CH TXT version.bind",
        ),
        (
            query("www.example.com.", RecordType::A, DNSClass::CH, None),
            ResponseCode::Refused,
            "CH A of an IN name",
        ),
        (query("www.example.com.", RecordType::A, DNSClass::IN, None), ResponseCode::NoError, "IN"),
    ];
    let bad = BAD_ECS.iter().map(|(option, rule)| {
        (
            query("www.example.com.", RecordType::A, DNSClass::IN, Some(option)),
            ResponseCode::FormErr,
            *rule,
        )
    });
    let cases: Vec<_> = cases.into_iter().chain(bad).collect();
    let replies = tokio::task::spawn_blocking(move || {
        cases.iter().map(|(p, code, what)| (over_tcp(addr, p), *code, *what)).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (reply, code, what) in &replies {
        assert_eq!(reply.metadata.response_code, *code, "{what} over TCP");
        if *code != ResponseCode::NoError {
            assert!(reply.answers.is_empty(), "{what} over TCP");
        }
    }
    assert_eq!(shared.stats.refused.load(Ordering::Relaxed), 4);
    // Every FORMERR is counted over TCP as over UDP, those of requests the decoder rejects
    // (too few octets, an unknown family, a prefix too long) included.
    assert_eq!(shared.stats.errors.load(Ordering::Relaxed), BAD_ECS.len() as u64);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}
