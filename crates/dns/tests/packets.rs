//! Whatever bytes arrive, the UDP path answers or stays silent; it never panics. Property
//! tests over random datagrams and over mutations of valid queries, against a real snapshot.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::SocketAddr;
use std::sync::Arc;

use dns::{Handler, Shared, udp::answer_datagram};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsOption};
use hickory_proto::rr::{Name, RecordType};
use proptest::prelude::*;
use zone::{Snapshot, ZoneData};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\nalias IN CNAME www\n*.wild IN TXT \"x\"\n";

fn handler() -> Handler {
    let parsed = zone::master::parse(ZONE, None).unwrap();
    let (data, _) = ZoneData::build(&parsed.origin, parsed.records, Vec::new()).unwrap();
    let snapshot = Snapshot::from_zones([Arc::new(data)], 1);
    Handler::new(Arc::new(Shared::new(snapshot, geo::Locator::default())), 7)
}

fn src() -> SocketAddr {
    "192.0.2.200:5300".parse().unwrap()
}

fn query(name: &str, rtype: RecordType, edns: bool) -> Vec<u8> {
    let mut m = Message::new(0x1234, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    if edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(
            "203.0.113.0".parse().unwrap(),
            24,
            0,
        )));
        m.edns = Some(e);
    }
    m.to_vec().unwrap()
}

#[test]
fn answers_a_valid_query() {
    let h = handler();
    let reply = Message::from_vec(
        &answer_datagram(&h, &query("www.example.com.", RecordType::A, true), src()).unwrap(),
    )
    .unwrap();
    assert_eq!(reply.metadata.id, 0x1234);
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.metadata.authoritative);
    assert_eq!(reply.answers.len(), 1);
    let reply = Message::from_vec(
        &answer_datagram(&h, &query("nope.example.com.", RecordType::A, false), src()).unwrap(),
    )
    .unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(reply.edns.is_none(), "no OPT in the answer to a query without one");
}

#[test]
fn responses_and_runts_get_no_reply_and_garbage_gets_formerr() {
    let h = handler();
    let mut response = query("www.example.com.", RecordType::A, false);
    response[2] |= 0x80;
    assert!(answer_datagram(&h, &response, src()).is_none());
    assert!(answer_datagram(&h, &[1, 2, 3], src()).is_none());
    let mut garbage = query("www.example.com.", RecordType::A, false);
    garbage[5] = 40; // 40 questions announced, one present
    let reply = answer_datagram(&h, &garbage, src()).unwrap();
    assert_eq!(reply.len(), 12);
    assert_eq!(reply[3] & 0x0f, 1, "FORMERR");
    assert_eq!(&reply[..2], &garbage[..2], "same id");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let h = handler();
        if let Some(reply) = answer_datagram(&h, &bytes, src()) {
            prop_assert!(reply.len() >= 12);
            prop_assert!(reply.len() <= 1232);
        }
    }

    #[test]
    fn mutated_queries_never_panic(
        which in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let h = handler();
        let names = ["www.example.com.", "alias.example.com.", "x.wild.example.com.", "www.example.org."];
        let mut q = query(names[which], RecordType::A, which % 2 == 0);
        for (at, byte) in flips {
            let i = at.index(q.len());
            q[i] = byte;
        }
        if truncate {
            q.truncate(cut.index(q.len() + 1));
        }
        if let Some(reply) = answer_datagram(&h, &q, src()) {
            prop_assert!(reply.len() >= 12);
            prop_assert_eq!(&reply[..2], &q[..2]);
        }
    }
}
