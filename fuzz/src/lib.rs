//! Fixtures and checks shared by the fuzz targets in `fuzz_targets/`.
//!
//! The DNS fixture is a snapshot of two zones (static data of many types, a delegation with
//! glue, a wildcard, CNAMEs, a large RRset) and policy records (geo -> weighted -> failover with
//! a health check that is unhealthy, multivalue AAAA, CNAME, TXT, an alias-style endpoint whose
//! target resolves), located with MaxMind's GeoIP2 City test database, so that Client Subnet
//! addresses change answers.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use dns::Shared;
use hickory_proto::op::Message;
use hickory_proto::rr::rdata::opt::EdnsCode;
use hickory_proto::rr::{Name, Record, RecordType};
use policy::codes::Catalog;
use zone::{PolicyBinding, Snapshot, ZoneData};

/// MaxMind's GeoIP2 City test database (from the geo crate's test data).
pub const GEOIP_TEST_DB: &[u8] =
    include_bytes!("../../crates/geo/tests/data/GeoIP2-City-Test.mmdb");

const EXAMPLE_COM: &str = "$ORIGIN example.com.\n$TTL 300\n\
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\n@ IN NS ns2.example.net.\n@ IN MX 10 mail\n@ IN TXT \"v=spf1 -all\" \"two\"\n\
ns1 IN A 192.0.2.53\nns1 IN AAAA 2001:db8::53\nmail IN A 192.0.2.25\n\
www IN A 192.0.2.80\nwww IN A 192.0.2.81\nwww IN AAAA 2001:db8::80\n\
alias IN CNAME www\nout IN CNAME www.example.org.\nloop IN CNAME loop2\nloop2 IN CNAME loop\n\
*.wild IN TXT \"wildcard\"\n*.wild IN A 192.0.2.77\n\
sub IN NS ns.sub\nns.sub IN A 192.0.2.99\n\
_sip._udp IN SRV 10 60 5060 sip\nsip IN A 192.0.2.70\n\
@ IN CAA 0 issue \"ca.example.net\"\nptr IN PTR www\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n\
big IN TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n\
big IN TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n";

const EXAMPLE_NET: &str = "$ORIGIN example.net.\n$TTL 3600\n\
@ IN SOA ns1 hostmaster 2026120301 7200 900 1209600 300\n\
@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.53\nns1 IN AAAA 2001:db8:1::53\n\
ns2 IN A 198.51.100.53\nns2 IN AAAA 2001:db8:2::53\n";

const GEO_WEIGHTED_FAILOVER: &str = r#"{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "geo",
  "Endpoints": {
    "eu1": {"Type": "value", "Value": "198.51.100.1"},
    "eu2": {"Type": "value", "Value": "198.51.100.2"},
    "us1": {"Type": "value", "Value": "198.51.100.11"},
    "us2": {"Type": "value", "Value": "198.51.100.12"},
    "other": {"Type": "value", "Value": "198.51.100.99"}
  },
  "Rules": {
    "geo": {"RuleType": "geo", "Locations": [
      {"Continent": "EU", "RuleReference": "eu"},
      {"Country": "US", "RuleReference": "us"},
      {"IsDefault": true, "EndpointReference": "other"}]},
    "eu": {"RuleType": "weighted", "Items": [
      {"Weight": "3", "EndpointReference": "eu1"}, {"Weight": "1", "EndpointReference": "eu2"}]},
    "us": {"RuleType": "failover",
      "Primary": {"EndpointReference": "us1", "HealthCheck": "hc-down"},
      "Secondary": {"EndpointReference": "us2"}}
  }
}"#;

const MULTIVALUE_AAAA: &str = r#"{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "AAAA", "StartRule": "mv",
  "Endpoints": {
    "a": {"Type": "value", "Value": "2001:db8::a"}, "b": {"Type": "value", "Value": "2001:db8::b"},
    "c": {"Type": "value", "Value": "2001:db8::c"}
  },
  "Rules": {"mv": {"RuleType": "multivalue", "Items": [
    {"EndpointReference": "a", "HealthCheck": "hc-down"}, {"EndpointReference": "b"},
    {"EndpointReference": "c"}]}}
}"#;

const CNAME_POLICY: &str = r#"{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "CNAME", "StartEndpoint": "t",
  "Endpoints": {"t": {"Type": "value", "Value": "www.example.com"}}
}"#;

const ALIAS_POLICY: &str = r#"{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "lb",
  "Endpoints": {"lb": {"Type": "elastic-load-balancer", "Value": "lb.example.net"}}
}"#;

const TXT_POLICY: &str = r#"{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "TXT", "StartEndpoint": "t",
  "Endpoints": {"t": {"Type": "value", "Value": "\"policy text\""}}
}"#;

fn binding(origin: &Name, id: &str, name: &str, document: &str) -> PolicyBinding {
    let compiled = policy::compile(document, &Catalog::builtin());
    let policy = Arc::new(compiled.policy.expect("fixture policy compiles"));
    let name = Name::from_ascii(name).expect("fixture name");
    PolicyBinding::new(id.into(), name, 60, policy, |rtype, value| {
        zone::master::parse_rdata(origin, "@", &rtype.to_string(), 0, value).map(|r| r.data)
    })
    .expect("fixture binding")
}

fn zone(text: &str, bindings: &[(&str, &str, &str)]) -> Arc<ZoneData> {
    let parsed = zone::master::parse(text, None).expect("fixture zone parses");
    let o = &parsed.origin;
    let bindings = bindings.iter().map(|(id, name, doc)| binding(o, id, name, doc)).collect();
    let (data, conflicts) = ZoneData::build(o, parsed.records, bindings).expect("fixture zone");
    assert!(conflicts.is_empty(), "{conflicts:?}");
    Arc::new(data)
}

/// The DNS fixture (built once per process).
pub fn dns_shared() -> &'static Arc<Shared> {
    static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        let com = zone(
            EXAMPLE_COM,
            &[
                ("geo", "app.example.com.", GEO_WEIGHTED_FAILOVER),
                ("mv", "mv.example.com.", MULTIVALUE_AAAA),
                ("mv-a", "mv.example.com.", GEO_WEIGHTED_FAILOVER),
                ("cn", "cn.example.com.", CNAME_POLICY),
                ("alias", "lb.example.com.", ALIAS_POLICY),
                ("txt", "txt.example.com.", TXT_POLICY),
            ],
        );
        let net = zone(EXAMPLE_NET, &[]);
        let snapshot = Snapshot::from_zones([com, net], 1);
        let mut db = geo::GeoDb::new();
        db.add("city", GEOIP_TEST_DB.to_vec()).expect("test database loads");
        let shared = Arc::new(Shared::new(snapshot, geo::Locator::new(db, None)));
        shared.health.store(Arc::new(dns::health::HealthTable::with_unhealthy(["hc-down"])));
        let mut aliases = dns::alias::AliasTable::default();
        aliases.insert(
            Name::from_ascii("lb.example.net.").expect("name"),
            RecordType::A,
            vec![
                "203.0.113.10".parse().expect("address"),
                "203.0.113.11".parse().expect("address"),
            ],
            60,
        );
        shared.aliases.store(Arc::new(aliases));
        shared
    })
}

/// Source addresses: London, Seattle (United States), Sweden, Japan (IPv6), one the database
/// does not know, and the unspecified address.
pub const CLIENTS: &[&str] = &[
    "81.2.69.142:5300",
    "216.160.83.56:5300",
    "89.160.20.112:5300",
    "[2001:218::1]:5300",
    "192.0.2.1:5300",
    "0.0.0.0:53",
];

/// The source address for a datagram, chosen by its ID so that a seed keeps its client.
pub fn client_for(packet: &[u8]) -> SocketAddr {
    let id = packet.first().copied().unwrap_or(0);
    CLIENTS[usize::from(id) % CLIENTS.len()].parse().expect("client address")
}

/// The parts of a response that two equivalent responses share, in a comparable form.
///
/// Two responses are equivalent when they have the same ID, the same header flags (QR,
/// opcode, AA, TC, RD, RA, AD, CD), the same response code (with the extended bits of the
/// OPT record), the same question section, the same answer, authority and additional
/// sections as sets of records (owner compared case-insensitively, with type, class, TTL and
/// RDATA; the order inside a section does not matter), and the same OPT record: present or
/// not, payload size, version, DO bit, and the Client Subnet option (family, source prefix,
/// scope prefix, address).
#[derive(Debug, PartialEq, Eq)]
pub struct View {
    header: String,
    questions: String,
    answers: BTreeSet<String>,
    authorities: BTreeSet<String>,
    additionals: BTreeSet<String>,
    edns: Option<String>,
}

fn record_key(r: &Record) -> String {
    format!("{} {} {:?} {} {}", r.name.to_lowercase(), r.ttl, r.dns_class, r.record_type(), r.data)
}

/// The [`View`] of a response, or why it does not parse.
pub fn view(bytes: &[u8]) -> Result<View, String> {
    let m = Message::from_vec(bytes).map_err(|e| e.to_string())?;
    let h = &m.metadata;
    Ok(View {
        header: format!(
            "id {} {:?} {:?} aa {} tc {} rd {} ra {} ad {} cd {} rcode {:?}",
            h.id,
            h.message_type,
            h.op_code,
            h.authoritative,
            h.truncation,
            h.recursion_desired,
            h.recursion_available,
            h.authentic_data,
            h.checking_disabled,
            h.response_code
        ),
        questions: format!("{:?}", m.queries),
        answers: m.answers.iter().map(record_key).collect(),
        authorities: m.authorities.iter().map(record_key).collect(),
        additionals: m.additionals.iter().map(record_key).collect(),
        edns: m.edns.as_ref().map(|e| {
            format!(
                "payload {} version {} do {} ecs {:?}",
                e.max_payload(),
                e.version(),
                e.flags().dnssec_ok,
                e.option(EdnsCode::Subnet)
            )
        }),
    })
}

/// The same seed for every handler, each fresh, so that random draws agree.
const SEED: u64 = 42;

/// Answers `packet` from `src` through the lean path, the general path, `answer_datagram` and
/// `answer_into`, each with a fresh handler, and checks: every reply parses with hickory-proto,
/// is a response with the query's ID, fits 1232 bytes (512 without an OPT record); the entry
/// points give the lean path's reply when it answers and the general path's otherwise; and
/// whenever the lean path answers, the general path gives an equivalent response ([`View`]).
/// Panics on a violation. Returns the reply, if any.
pub fn check_datagram(shared: &Arc<Shared>, packet: &[u8], src: SocketAddr) -> Option<Vec<u8>> {
    use dns::Handler;
    use dns::udp::{answer_datagram, answer_general, answer_into, answer_lean};
    use hickory_proto::op::MessageType;

    let handler = || Handler::new(shared.clone(), SEED);
    let lean = answer_lean(&handler(), packet, src);
    let general = answer_general(&handler(), packet, src);
    let either = answer_datagram(&handler(), packet, src);
    let mut out = Vec::new();
    let into = answer_into(&handler(), packet, src, None, &mut out).then_some(out);

    assert_eq!(either, lean.clone().or_else(|| general.clone()), "answer_datagram");
    assert_eq!(into, either, "answer_into");
    for reply in [&lean, &general].into_iter().flatten() {
        let view =
            view(reply).unwrap_or_else(|e| panic!("reply does not parse: {e}\n{reply:02x?}"));
        let m = Message::from_vec(reply).expect("parsed above");
        assert_eq!(m.metadata.message_type, MessageType::Response, "{view:?}");
        assert_eq!(&reply[..2], &packet[..2], "the reply carries the query's ID");
        let limit = if m.edns.is_some() { usize::from(dns::MAX_UDP_PAYLOAD) } else { 512 };
        assert!(reply.len() <= limit, "{} bytes, limit {limit}: {view:?}", reply.len());
    }
    if let Some(lean) = &lean {
        let general = general.as_ref().expect("the general path answers what the lean path does");
        assert_eq!(view(lean), view(general), "lean and general responses differ");
    }
    if let Some(reply) = &either {
        check_limited(shared, packet, src, reply);
    }
    either
}

/// Response-rate limiting over the same datagram: with one answer per second and every second
/// limited answer slipped, the first of three answers is the reply itself, and the limited
/// ones are dropped or sent as a truncated reply that parses, with TC set and the query's ID.
/// `udp::slip` applied to the reply directly gives the same kind of reply.
fn check_limited(shared: &Arc<Shared>, packet: &[u8], src: SocketAddr, reply: &[u8]) {
    use dns::rrl::{Config, MIN_TABLE_SIZE, Rrl};
    use dns::udp::{answer_into, slip};

    let check_slipped = |bytes: &[u8]| {
        let m = Message::from_vec(bytes)
            .unwrap_or_else(|e| panic!("a slipped reply does not parse: {e}\n{bytes:02x?}"));
        assert!(m.metadata.truncation, "a slipped reply without TC");
        assert!(m.answers.is_empty() && m.authorities.is_empty() && m.additionals.is_empty());
        assert_eq!(&bytes[..2], &packet[..2], "the slipped reply carries the query's ID");
    };
    let mut slipped = reply.to_vec();
    slip(&mut slipped);
    check_slipped(&slipped);

    let config = Config {
        responses_per_second: 1,
        window: 1,
        slip: 2,
        exempt_loopback: false,
        table_size: MIN_TABLE_SIZE,
        ..Config::default()
    };
    let rrl = Arc::new(Rrl::new(config, 1).expect("valid limiter settings"));
    let mut limiter = rrl.limiter();
    limiter.set_now(1_000_000_000);
    for i in 0..3 {
        let mut out = Vec::new();
        let sent = answer_into(
            &dns::Handler::new(shared.clone(), SEED),
            packet,
            src,
            Some(&mut limiter),
            &mut out,
        );
        if i == 0 {
            assert!(sent, "the first answer is not limited");
            assert_eq!(out, reply, "the first answer under a limit is the reply itself");
        } else if sent && out != reply {
            check_slipped(&out);
        }
    }
}
