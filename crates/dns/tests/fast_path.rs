//! The lean UDP path gives the same response as the general path for every query it answers,
//! and declines what it must leave to the general path. Queries are generated over a zone with
//! static data of many types, a delegation, a wildcard, a CNAME, and policy records (values,
//! CNAME type, alias-style endpoints), with and without EDNS and Client Subnet, in classes other
//! than IN, as zone transfers, and with Client Subnet options RFC 7871 rejects (which the lean
//! path declines and the general path answers with FORMERR).

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use dns::udp::{answer_general, answer_lean};
use dns::{Handler, Shared};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use policy::codes::Catalog;
use proptest::prelude::*;
use zone::{PolicyBinding, Snapshot, ZoneData};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\n@ IN NS ns2.example.net.\n@ IN MX 10 mail\n@ IN TXT \"v=spf1 -all\" \"second string\"\n\
ns1 IN A 192.0.2.53\nns1 IN AAAA 2001:db8::53\n\
www IN A 192.0.2.80\nwww IN A 192.0.2.81\nwww IN AAAA 2001:db8::80\n\
alias IN CNAME www\nout IN CNAME www.example.org.\n\
*.wild IN TXT \"wildcard\"\n\
sub IN NS ns.sub\nns.sub IN A 192.0.2.99\n\
_sip._udp IN SRV 10 60 5060 sip\nsip IN A 192.0.2.70\n\
@ IN CAA 0 issue \"ca.example.net\"\n\
big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n\
big IN TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n\
big IN TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n";

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
      "Primary": {"EndpointReference": "us1", "HealthCheck": "hc-us1"},
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
    {"EndpointReference": "a"}, {"EndpointReference": "b"}, {"EndpointReference": "c"}]}}
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
    let policy = Arc::new(compiled.policy.unwrap_or_else(|| panic!("{:?}", compiled.diagnostics)));
    PolicyBinding::new(id.into(), Name::from_ascii(name).unwrap(), 60, policy, |rtype, value| {
        zone::master::parse_rdata(origin, "@", &rtype.to_string(), 0, value).map(|r| r.data)
    })
    .unwrap()
}

fn shared() -> Arc<Shared> {
    let parsed = zone::master::parse(ZONE, None).unwrap();
    let o = &parsed.origin;
    let bindings = vec![
        binding(o, "geo", "app.example.com.", GEO_WEIGHTED_FAILOVER),
        binding(o, "mv", "mv.example.com.", MULTIVALUE_AAAA),
        // A second policy record at the same name, of another type.
        binding(o, "mv-a", "mv.example.com.", GEO_WEIGHTED_FAILOVER),
        binding(o, "cn", "cn.example.com.", CNAME_POLICY),
        binding(o, "alias", "lb.example.com.", ALIAS_POLICY),
        binding(o, "txt", "txt.example.com.", TXT_POLICY),
    ];
    let (data, conflicts) = ZoneData::build(o, parsed.records, bindings).unwrap();
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let snapshot = Snapshot::from_zones([Arc::new(data)], 1);
    let mut db = geo::GeoDb::new();
    let mmdb = std::fs::read("../geo/tests/data/GeoIP2-City-Test.mmdb").unwrap();
    db.add("city", mmdb).unwrap();
    Arc::new(Shared::new(snapshot, geo::Locator::new(db, None)))
}

const NAMES: &[&str] = &[
    "example.com.",
    "www.example.com.",
    "WwW.ExAmPlE.cOm.",
    "ns1.example.com.",
    "alias.example.com.",
    "out.example.com.",
    "x.wild.example.com.",
    "*.wild.example.com.",
    "wild.example.com.",
    "sub.example.com.",
    "ns.sub.example.com.",
    "deep.ns.sub.example.com.",
    "_sip._udp.example.com.",
    "_udp.example.com.",
    "big.example.com.",
    "app.example.com.",
    "APP.example.com.",
    "mv.example.com.",
    "cn.example.com.",
    "lb.example.com.",
    "txt.example.com.",
    "nope.example.com.",
    "example.org.",
    ".",
];

const TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::MX,
    RecordType::TXT,
    RecordType::NS,
    RecordType::SOA,
    RecordType::CNAME,
    RecordType::SRV,
    RecordType::CAA,
    RecordType::ANY,
    RecordType::DS,
    RecordType::PTR,
    RecordType::AXFR,
    RecordType::IXFR,
];

/// Query classes: IN, CH, HS, NONE and ANY.
const CLASSES: &[u16] = &[1, 3, 4, 254, 255];

/// Client Subnet option bodies a query must not carry (RFC 7871 sections 6 and 7.2.1), each
/// sent as the option's raw bytes.
const BAD_ECS: &[&[u8]] = &[
    &[0, 1, 20, 0, 192, 0, 0x12], // address bits beyond the source prefix
    &[0, 1, 0, 0, 192, 0, 2, 1],  // address octets with a /0 prefix
    &[0, 1, 24, 24, 192, 0, 2],   // non-zero scope in a query
    &[0, 1, 24, 0, 192, 0, 2, 1], // more octets than the prefix needs
    &[0, 2, 0, 0, 0x20],          // IPv6 address octet with /0
    &[0, 2, 33, 0, 0x20, 1, 0x0d, 0xb8, 0x40], // IPv6 bits beyond /33
];

const CLIENTS: &[&str] =
    &["81.2.69.142", "216.160.83.56", "89.160.20.112", "2001:218::1", "192.0.2.1", "0.0.0.0"];

#[derive(Debug, Clone)]
struct Case {
    name: usize,
    rtype: usize,
    rd: bool,
    cd: bool,
    edns: Option<u16>,
    ecs: Option<(usize, u8)>,
    cookie: bool,
    /// Index into [`CLASSES`].
    class: usize,
    /// Index into [`BAD_ECS`]: that option replaces `ecs` (with EDNS).
    bad_ecs: Option<usize>,
}

impl Case {
    fn plain(name: usize, rtype: usize) -> Case {
        Case {
            name,
            rtype,
            rd: false,
            cd: false,
            edns: None,
            ecs: None,
            cookie: false,
            class: 0,
            bad_ecs: None,
        }
    }

    /// The response code the case must get whatever the zone holds: FORMERR for a bad Client
    /// Subnet option, REFUSED for a zone transfer or a class other than IN and ANY.
    fn forced_rcode(&self) -> Option<ResponseCode> {
        if self.edns.is_some() && self.bad_ecs.is_some() {
            Some(ResponseCode::FormErr)
        } else if matches!(TYPES[self.rtype], RecordType::AXFR | RecordType::IXFR)
            || !matches!(CLASSES[self.class], 1 | 255)
        {
            Some(ResponseCode::Refused)
        } else {
            None
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..NAMES.len(),
        0..TYPES.len(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop_oneof![Just(512u16), Just(1232), Just(4096), 0u16..2000]),
        prop::option::of((0..CLIENTS.len(), 0u8..=32)),
        any::<bool>(),
        prop_oneof![4 => Just(0usize), 1 => 0..CLASSES.len()],
        prop::option::weighted(0.2, 0..BAD_ECS.len()),
    )
        .prop_map(|(name, rtype, rd, cd, edns, ecs, cookie, class, bad_ecs)| Case {
            name,
            rtype,
            rd,
            cd,
            edns,
            ecs,
            cookie,
            class,
            bad_ecs,
        })
}

fn packet(c: &Case) -> Vec<u8> {
    let mut m = Message::new(0xBEEF, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = c.rd;
    m.metadata.checking_disabled = c.cd;
    let mut q = Query::query(Name::from_ascii(NAMES[c.name]).unwrap(), TYPES[c.rtype]);
    q.set_query_class(DNSClass::from(CLASSES[c.class]));
    m.add_query(q);
    if let Some(payload) = c.edns {
        let mut e = Edns::new();
        e.set_max_payload(payload.max(512));
        if let Some((client, prefix)) = c.ecs {
            let ip: IpAddr = CLIENTS[client].parse().unwrap();
            let prefix = if ip.is_ipv6() { prefix.saturating_mul(4) } else { prefix };
            // The address cut to the prefix, as RFC 7871 section 6 requires of the client.
            let ip = match ip {
                IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(
                    u32::from(a) & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0),
                )),
                IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(
                    u128::from(a) & u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0),
                )),
            };
            e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(ip, prefix, 0)));
        }
        if let Some(bad) = c.bad_ecs {
            e.options_mut().insert(EdnsOption::Unknown(8, BAD_ECS[bad].to_vec()));
        }
        if c.cookie {
            e.options_mut().insert(EdnsOption::Unknown(10, vec![1, 2, 3, 4, 5, 6, 7, 8]));
        }
        m.edns = Some(e);
    }
    m.to_vec().unwrap()
}

fn src() -> SocketAddr {
    "89.160.20.112:5300".parse().unwrap()
}

/// The parts of a response that matter to a client.
fn view(bytes: &[u8]) -> String {
    let m = Message::from_vec(bytes).unwrap();
    let edns = m.edns.as_ref().map(|e| {
        (
            e.max_payload(),
            e.version(),
            e.flags().dnssec_ok,
            e.rcode_high(),
            format!("{:?}", e.option(EdnsCode::Subnet)),
        )
    });
    format!(
        "{:?}\nQ {:?}\nAN {:?}\nNS {:?}\nAR {:?}\nEDNS {:?}",
        m.metadata, m.queries, m.answers, m.authorities, m.additionals, edns
    )
}

fn compare(shared: &Arc<Shared>, c: &Case) -> bool {
    let bytes = packet(c);
    // Same seed and a fresh counter for both, so that random draws agree.
    let lean = answer_lean(&Handler::new(shared.clone(), 42), &bytes, src());
    let general = answer_general(&Handler::new(shared.clone(), 42), &bytes, src()).unwrap();
    if let Some(rcode) = c.forced_rcode() {
        assert!(lean.is_none(), "the lean path must decline {c:?}");
        let reply = Message::from_vec(&general).unwrap();
        assert_eq!(reply.metadata.response_code, rcode, "case {c:?}");
        assert!(reply.answers.is_empty() && reply.authorities.is_empty(), "case {c:?}");
        return false;
    }
    match lean {
        Some(l) => {
            assert_eq!(view(&l), view(&general), "case {c:?}");
            true
        }
        None => false,
    }
}

#[test]
fn lean_answers_match_the_general_path_on_every_combination() {
    let shared = shared();
    let mut answered = 0;
    let mut declined = 0;
    let mut forced = 0;
    // Well-formed Client Subnet options, then each bad one in place of them.
    let ecs_cases = [None, Some((0, 24)), Some((1, 0)), Some((3, 12))]
        .map(|ecs| (ecs, None))
        .into_iter()
        .chain((0..BAD_ECS.len()).map(|b| (None, Some(b))));
    let ecs_cases: Vec<_> = ecs_cases.collect();
    for name in 0..NAMES.len() {
        for rtype in 0..TYPES.len() {
            for class in 0..CLASSES.len() {
                for edns in [None, Some(512), Some(1232)] {
                    for &(ecs, bad_ecs) in &ecs_cases {
                        if edns.is_none() && (ecs.is_some() || bad_ecs.is_some()) {
                            continue;
                        }
                        // Other classes once per name and type, with no ECS at all.
                        if class != 0 && (ecs.is_some() || bad_ecs.is_some()) {
                            continue;
                        }
                        let c = Case {
                            edns,
                            ecs,
                            class,
                            bad_ecs,
                            rd: true,
                            ..Case::plain(name, rtype)
                        };
                        if c.forced_rcode().is_some() {
                            forced += 1;
                        }
                        if compare(&shared, &c) {
                            answered += 1;
                        } else {
                            declined += 1;
                        }
                    }
                }
            }
        }
    }
    // Positive answers are the lean path's; everything else is declined.
    eprintln!("answered {answered}, declined {declined}, forced FORMERR or REFUSED {forced}");
    assert!(answered > 150, "lean path answered only {answered}");
    assert!(declined > 1000, "lean path declined only {declined}");
    assert!(forced > 1000, "only {forced} refusals and FORMERRs");
}

#[test]
fn lean_path_answers_what_it_should_and_declines_the_rest() {
    let shared = shared();
    let h = Handler::new(shared, 1);
    let ask = |name: &str, t: RecordType, payload: Option<u16>| {
        let c = Case {
            edns: payload,
            ..Case::plain(
                NAMES.iter().position(|n| *n == name).unwrap(),
                TYPES.iter().position(|x| *x == t).unwrap(),
            )
        };
        answer_lean(&h, &packet(&c), src()).is_some()
    };
    assert!(ask("www.example.com.", RecordType::A, None));
    assert!(ask("app.example.com.", RecordType::A, Some(1232)));
    assert!(ask("example.com.", RecordType::SOA, None));
    assert!(!ask("nope.example.com.", RecordType::A, None), "NXDOMAIN");
    assert!(!ask("www.example.com.", RecordType::MX, None), "NODATA");
    assert!(!ask("alias.example.com.", RecordType::A, None), "CNAME chase");
    assert!(!ask("x.wild.example.com.", RecordType::TXT, None), "wildcard synthesis");
    assert!(!ask("ns.sub.example.com.", RecordType::A, None), "below a delegation");
    assert!(!ask("lb.example.com.", RecordType::A, None), "alias-style endpoint");
    assert!(!ask("example.org.", RecordType::A, None), "REFUSED");
    assert!(!ask("www.example.com.", RecordType::ANY, None), "ANY");
    assert!(!ask("big.example.com.", RecordType::TXT, None), "over 512 bytes: truncation");
    assert!(ask("big.example.com.", RecordType::TXT, Some(1232)));
    assert!(!ask("example.com.", RecordType::AXFR, None), "zone transfer");
    assert!(!ask("example.com.", RecordType::IXFR, Some(1232)), "zone transfer");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn generated_queries_agree(c in case()) {
        let shared = shared_once();
        compare(shared, &c);
    }
}

fn shared_once() -> &'static Arc<Shared> {
    static SHARED: std::sync::OnceLock<Arc<Shared>> = std::sync::OnceLock::new();
    SHARED.get_or_init(shared)
}

#[test]
fn unhealthy_checks_change_both_paths_alike() {
    let shared = shared();
    let seattle = CLIENTS.iter().position(|c| *c == "216.160.83.56").unwrap();
    let app = NAMES.iter().position(|n| *n == "app.example.com.").unwrap();
    let c = Case { edns: Some(1232), ecs: Some((seattle, 32)), ..Case::plain(app, 0) };
    let answer = |shared: &Arc<Shared>| {
        let bytes = answer_lean(&Handler::new(shared.clone(), 9), &packet(&c), src()).unwrap();
        Message::from_vec(&bytes).unwrap().answers[0].data.to_string()
    };
    assert!(compare(&shared, &c));
    assert_eq!(answer(&shared), "198.51.100.11", "the primary while its check is healthy");
    shared.health.store(Arc::new(dns::health::HealthTable::with_unhealthy(["hc-us1"])));
    assert!(compare(&shared, &c));
    assert_eq!(answer(&shared), "198.51.100.12", "the secondary once the primary's check fails");
}
