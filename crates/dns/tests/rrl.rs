//! Response-rate limiting of UDP answers: the class each real answer is counted in (both
//! paths), the truncated reply a slipped answer becomes, exemptions, and, over real sockets, a
//! flooding source limited while another network is answered in full.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use dns::rrl::{Class, Config, Limiter, Rrl, parse_network};
use dns::udp::answer_into;
use dns::{Handler, Shared};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsOption};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use zone::{Snapshot, ZoneData};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.53\n\
www IN A 192.0.2.80\nalias IN CNAME www\n*.wild IN TXT \"wildcard\"\n\
sub IN NS ns.sub\nns.sub IN A 192.0.2.99\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n\
big IN TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n\
big IN TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n\
big IN TXT \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"\n\
big IN TXT \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"\n";

const OTHER_ZONE: &str = "$ORIGIN example.net.\n$TTL 300\n\
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.54\n";

fn shared(config: Option<Config>) -> Arc<Shared> {
    let zones = [ZONE, OTHER_ZONE].map(|text| {
        let parsed = zone::master::parse(text, None).unwrap();
        Arc::new(ZoneData::build(&parsed.origin, parsed.records, Vec::new()).unwrap().0)
    });
    let shared = Arc::new(Shared::new(Snapshot::from_zones(zones, 1), geo::Locator::default()));
    if let Some(c) = config {
        shared.rrl.store(Some(Arc::new(Rrl::new(c, 11).unwrap())));
    }
    shared
}

fn query_with(name: &str, rtype: RecordType, class: DNSClass, edns: Option<&str>) -> Vec<u8> {
    let mut m = Message::new(0x5151, MessageType::Query, OpCode::Query);
    let mut q = Query::query(Name::from_ascii(name).unwrap(), rtype);
    q.set_query_class(class);
    m.add_query(q);
    if let Some(subnet) = edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        if !subnet.is_empty() {
            let net = parse_network(subnet).unwrap();
            e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(net.0, net.1, 0)));
        }
        m.edns = Some(e);
    }
    m.to_vec().unwrap()
}

/// A query with EDNS (1232 bytes).
fn query(name: &str, rtype: RecordType) -> Vec<u8> {
    query_with(name, rtype, DNSClass::IN, Some(""))
}

/// Answers `packet` from `src` through the UDP entry point with the limiter: the reply sent,
/// if any.
fn ask(h: &Handler, l: &mut Limiter, src: &str, packet: &[u8]) -> Option<Message> {
    let src = SocketAddr::new(src.parse().unwrap(), 5300);
    let mut out = Vec::new();
    answer_into(h, packet, src, Some(l), &mut out).then(|| Message::from_vec(&out).unwrap())
}

/// How many of `packets`, asked in turn from `src`, are answered in full (not dropped, not
/// truncated).
fn answered(h: &Handler, l: &mut Limiter, src: &str, packets: &[Vec<u8>]) -> usize {
    packets.iter().filter(|p| ask(h, l, src, p).is_some_and(|m| !m.metadata.truncation)).count()
}

/// Two answers per bucket at the time the test sets, nothing slipped.
fn strict() -> (Arc<Shared>, Handler, Limiter) {
    let config = Config {
        responses_per_second: 2,
        window: 1,
        slip: 0,
        exempt_loopback: false,
        ..Config::default()
    };
    let shared = shared(Some(config));
    let rrl = shared.rrl.load_full().unwrap();
    let mut limiter = rrl.limiter();
    limiter.set_now(1_000_000_000);
    (shared.clone(), Handler::new(shared, 3), limiter)
}

fn counts(shared: &Shared, class: Class) -> u64 {
    shared.rrl.load_full().unwrap().counts().of(class).dropped
}

#[test]
fn positive_answers_count_per_name_and_type_on_both_paths() {
    let (shared, h, mut l) = strict();
    let src = "198.51.100.1";
    // The lean path answers www A; twice, then nothing.
    assert_eq!(answered(&h, &mut l, src, &vec![query("www.example.com.", RecordType::A); 3]), 2);
    // Another name, and the same name of another type that has data (CNAME here goes through
    // the general path), are other buckets.
    assert_eq!(answered(&h, &mut l, src, &vec![query("alias.example.com.", RecordType::A); 3]), 2);
    assert_eq!(counts(&shared, Class::Positive), 2);
    // One bucket whichever path answers and however the name is spelt: with EDNS the big TXT
    // fits (lean path), without it the general path sends it truncated.
    let with_edns = query("big.example.com.", RecordType::TXT);
    let without = query_with("BIG.Example.COM.", RecordType::TXT, DNSClass::IN, None);
    assert_eq!(answered(&h, &mut l, src, &[with_edns.clone(), with_edns]), 2);
    assert!(ask(&h, &mut l, src, &without).is_none(), "the same bucket on the general path");
    // A network's answers are its own.
    assert_eq!(
        answered(&h, &mut l, "198.51.101.1", &[query("www.example.com.", RecordType::A)]),
        1
    );
}

#[test]
fn nxdomain_counts_per_zone_whatever_the_name() {
    let (shared, h, mut l) = strict();
    let random: Vec<Vec<u8>> =
        (0..5).map(|i| query(&format!("r{i}x.example.com."), RecordType::A)).collect();
    for p in &random {
        let _ = ask(&h, &mut l, "198.51.100.1", p);
    }
    assert_eq!(counts(&shared, Class::Nxdomain), 3, "five names, one zone: two answered");
    // Another zone is another bucket.
    let reply = ask(&h, &mut l, "198.51.100.1", &query("nope.example.net.", RecordType::A));
    assert_eq!(reply.unwrap().metadata.response_code, ResponseCode::NXDomain);
    // NXDOMAIN does not use up the positive answers of the zone.
    assert_eq!(
        answered(&h, &mut l, "198.51.100.1", &[query("www.example.com.", RecordType::A)]),
        1
    );
}

#[test]
fn nodata_referrals_and_errors_have_their_own_buckets() {
    let (shared, h, mut l) = strict();
    let src = "198.51.100.1";
    // NODATA, per name.
    let aaaa = vec![query("www.example.com.", RecordType::AAAA); 3];
    assert_eq!(answered(&h, &mut l, src, &aaaa), 2);
    assert_eq!(counts(&shared, Class::Nodata), 1);
    assert_eq!(answered(&h, &mut l, src, &[query("ns1.example.com.", RecordType::AAAA)]), 1);
    // Referrals, per delegation point: three names below sub.example.com share one.
    let below: Vec<Vec<u8>> = ["a.sub.example.com.", "b.sub.example.com.", "c.sub.example.com."]
        .iter()
        .map(|n| query(n, RecordType::A))
        .collect();
    assert_eq!(answered(&h, &mut l, src, &below), 2);
    assert_eq!(counts(&shared, Class::Referral), 1);
    // Errors, per network: REFUSED (no zone), REFUSED (class CH), FORMERR (garbage).
    let errors = [
        query("example.org.", RecordType::A),
        query_with("www.example.com.", RecordType::A, DNSClass::CH, None),
        vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff],
    ];
    assert_eq!(answered(&h, &mut l, src, &errors), 2);
    assert_eq!(counts(&shared, Class::Error), 1);
    // None of this touched the positive bucket of www A.
    assert_eq!(answered(&h, &mut l, src, &vec![query("www.example.com.", RecordType::A); 2]), 2);
}

#[test]
fn the_source_network_counts_not_the_client_subnet() {
    let (_, h, mut l) = strict();
    let ecs = |s: &str| query_with("www.example.com.", RecordType::A, DNSClass::IN, Some(s));
    let packets = [ecs("203.0.113.0/24"), ecs("192.0.2.0/24"), ecs("2001:db8::/56")];
    assert_eq!(answered(&h, &mut l, "198.51.100.1", &packets), 2);
}

#[test]
fn a_slipped_answer_is_the_header_and_question_with_tc() {
    let shared = shared(Some(Config {
        responses_per_second: 1,
        window: 1,
        slip: 1,
        exempt_loopback: false,
        ..Config::default()
    }));
    let h = Handler::new(shared.clone(), 3);
    let mut l = shared.rrl.load_full().unwrap().limiter();
    for (i, (packet, rcode, authoritative)) in [
        (query("big.example.com.", RecordType::TXT), ResponseCode::NoError, true),
        (query("nope.example.com.", RecordType::A), ResponseCode::NXDomain, true),
        (
            query_with("big.example.com.", RecordType::TXT, DNSClass::IN, None),
            ResponseCode::NoError,
            true,
        ),
        (query("example.org.", RecordType::A), ResponseCode::Refused, false),
    ]
    .into_iter()
    .enumerate()
    {
        // Each case from its own network: one answer, then the same from a neighbour slips.
        let first = ask(&h, &mut l, &format!("198.51.{}.1", 100 + i), &packet).unwrap();
        assert_eq!(first.metadata.response_code, rcode);
        let mut out = Vec::new();
        let src = format!("198.51.{}.9:5300", 100 + i).parse().unwrap();
        assert!(answer_into(&h, &packet, src, Some(&mut l), &mut out));
        assert!(out.len() <= packet.len(), "{} > {}", out.len(), packet.len());
        let slipped = Message::from_vec(&out).unwrap();
        assert_eq!(slipped.metadata.id, 0x5151);
        assert_eq!(slipped.metadata.message_type, MessageType::Response);
        assert!(slipped.metadata.truncation);
        assert_eq!(slipped.metadata.response_code, rcode);
        assert_eq!(slipped.metadata.authoritative, authoritative);
        assert_eq!(slipped.queries, Message::from_vec(&packet).unwrap().queries);
        assert!(slipped.answers.is_empty() && slipped.authorities.is_empty());
        assert!(slipped.additionals.is_empty() && slipped.edns.is_none());
    }
    let c = shared.rrl.load_full().unwrap().counts();
    assert_eq!((c.total().slipped, c.total().dropped), (4, 0));
}

#[test]
fn exempt_sources_are_never_limited() {
    // The default: loopback is exempt.
    let shared = shared(Some(Config { responses_per_second: 1, window: 1, ..Config::default() }));
    let h = Handler::new(shared.clone(), 3);
    let mut l = shared.rrl.load_full().unwrap().limiter();
    let www = vec![query("www.example.com.", RecordType::A); 20];
    assert_eq!(answered(&h, &mut l, "127.0.0.1", &www), 20);
    assert_eq!(answered(&h, &mut l, "::1", &www), 20);
    assert_eq!(answered(&h, &mut l, "198.51.100.1", &www), 1);
    // Listed networks.
    let shared = shared_with_exempt();
    let h = Handler::new(shared.clone(), 3);
    let mut l = shared.rrl.load_full().unwrap().limiter();
    assert_eq!(answered(&h, &mut l, "10.9.8.7", &www), 20);
    assert_eq!(answered(&h, &mut l, "2001:db8:1:2::3", &www), 20);
    assert_eq!(answered(&h, &mut l, "127.0.0.1", &www), 1);
}

fn shared_with_exempt() -> Arc<Shared> {
    shared(Some(Config {
        responses_per_second: 1,
        window: 1,
        exempt_loopback: false,
        exempt: vec![parse_network("10.0.0.0/8").unwrap(), parse_network("2001:db8::/32").unwrap()],
        ..Config::default()
    }))
}

#[test]
fn without_a_limiter_everything_is_answered() {
    let shared = shared(None);
    let h = Handler::new(shared, 3);
    let src: SocketAddr = "198.51.100.1:5300".parse().unwrap();
    let mut out = Vec::new();
    for _ in 0..1000 {
        assert!(answer_into(&h, &query("www.example.com.", RecordType::A), src, None, &mut out));
    }
}

// ---- over real sockets ----

/// UDP answering threads on 127.0.0.1 (one socket), stopped on drop.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(shared: &Arc<Shared>) -> Server {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = shared.clone();
        let threads = dns::udp::spawn(
            vec![socket],
            move |i| Handler::new(shared.clone(), i as u64),
            stop.clone(),
        )
        .unwrap();
        Server { addr, stop, threads }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// What a flooding client got back.
#[derive(Debug, Default)]
struct Received {
    full: usize,
    truncated: usize,
    bytes: usize,
}

/// Sends `count` copies of `packet` from `from` to `to`, a few per millisecond, and reads the
/// replies until none has come for half a second.
fn flood(from: IpAddr, to: SocketAddr, packet: &[u8], count: usize) -> (Received, Duration) {
    let socket = UdpSocket::bind(SocketAddr::new(from, 0)).unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let receiver = socket.try_clone().unwrap();
    let expected = Message::from_vec(packet).unwrap().queries;
    let reader = std::thread::spawn(move || {
        let mut got = Received::default();
        let mut buf = [0u8; 4096];
        while let Ok(n) = receiver.recv(&mut buf) {
            let m = Message::from_vec(&buf[..n]).unwrap();
            assert_eq!(m.queries, expected);
            got.bytes += n;
            if m.metadata.truncation {
                assert!(
                    m.answers.is_empty() && m.authorities.is_empty() && m.additionals.is_empty()
                );
                got.truncated += 1;
            } else {
                assert!(!m.answers.is_empty());
                got.full += 1;
            }
        }
        got
    });
    let started = Instant::now();
    for i in 0..count {
        socket.send_to(packet, to).unwrap();
        if i % 4 == 3 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let got = reader.join().unwrap();
    (got, started.elapsed())
}

#[test]
fn a_flooding_network_is_limited_while_another_is_answered() {
    const RATE: u32 = 20;
    let shared = shared(Some(Config {
        responses_per_second: RATE,
        window: 1,
        slip: 2,
        exempt_loopback: false,
        ..Config::default()
    }));
    let server = Server::start(&shared);
    let big = query("big.example.com.", RecordType::TXT);
    // Unlimited, the answer is many times the query.
    let src: SocketAddr = "192.0.2.1:5300".parse().unwrap();
    let full_size =
        dns::udp::answer_datagram(&Handler::new(shared.clone(), 1), &big, src).unwrap().len();
    assert!(full_size > 10 * big.len(), "{full_size} bytes for {}", big.len());

    // Another /24 asks the same question at a modest rate meanwhile.
    let to = server.addr;
    let question = big.clone();
    let legit = std::thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.2.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answered = 0;
        for _ in 0..10 {
            socket.send_to(&question, to).unwrap();
            let mut buf = [0u8; 1500];
            let n = socket.recv(&mut buf).unwrap();
            let m = Message::from_vec(&buf[..n]).unwrap();
            if !m.metadata.truncation && m.answers.len() == 5 {
                answered += 1;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        answered
    });
    let sent = 2000;
    let (got, elapsed) = flood("127.0.1.1".parse().unwrap(), server.addr, &big, sent);
    assert_eq!(legit.join().unwrap(), 10, "every answer to the other network");

    let c = shared.rrl.load_full().unwrap().counts().of(Class::Positive);
    // The burst, then the rate: never more than that many full answers.
    let most = RATE as usize + (RATE as f64 * elapsed.as_secs_f64()).ceil() as usize + 1;
    assert!(got.full >= RATE as usize && got.full <= most, "{got:?} in {elapsed:?}");
    // Every limited answer was dropped or sent truncated, one of each in turn.
    assert_eq!(got.full + c.dropped as usize + c.slipped as usize, sent, "{got:?} {c:?}");
    assert_eq!(got.truncated as u64, c.slipped);
    assert!(c.dropped - c.slipped <= 1, "{c:?}");
    // A truncated reply is no larger than the query; what the flooding network got back is a
    // small part of what the answers would have been.
    assert!(got.bytes <= got.full * full_size + got.truncated * big.len(), "{got:?}");
    assert!(got.bytes * 4 < sent * full_size, "{got:?}");
}

#[test]
fn listed_networks_are_not_limited_over_sockets() {
    let server = Server::start(&shared_with_exempt());
    // 127.0.0.0/8 is not exempt here, 10.0.0.0/8 is (but cannot be a source on loopback):
    // a loopback source is limited like any other.
    let (got, _) = flood(
        "127.0.3.1".parse().unwrap(),
        server.addr,
        &query("www.example.com.", RecordType::A),
        200,
    );
    assert!(got.full < 100, "{got:?}");
    // With loopback exempt (the default), the same flood is answered in full.
    let server = Server::start(&shared(Some(Config {
        responses_per_second: 1,
        window: 1,
        ..Config::default()
    })));
    let (got, _) = flood(
        "127.0.3.1".parse().unwrap(),
        server.addr,
        &query("www.example.com.", RecordType::A),
        200,
    );
    assert_eq!((got.full, got.truncated), (200, 0));
}
