//! Datagrams the fuzz target `dns_message` (fuzz/, run by `scripts/fuzz`) once failed on, kept
//! in `tests/fuzz/` and checked here without the fuzzer: each is answered by the lean path,
//! the general path and `answer_datagram`; every reply parses, is a response with the query's
//! ID and fits the client's buffer (512 bytes without an OPT record, 1232 with one), and when
//! the lean path answers, the general path gives the same answer.
//!
//! - `notimp-four-long-questions.bin`: an unknown opcode with four long questions and no EDNS.
//!   The NOTIMP reply echoed the questions, 553 bytes with TC set; it is now the header alone.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::SocketAddr;
use std::sync::Arc;

use dns::udp::{answer_datagram, answer_general, answer_lean};
use dns::{Handler, Shared};
use hickory_proto::op::{Message, MessageType};
use zone::{Snapshot, ZoneData};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n\
@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\nalias IN CNAME www\n*.wild IN TXT \"x\"\n";

fn shared() -> Arc<Shared> {
    let parsed = zone::master::parse(ZONE, None).unwrap();
    let (data, _) = ZoneData::build(&parsed.origin, parsed.records, Vec::new()).unwrap();
    let snapshot = Snapshot::from_zones([Arc::new(data)], 1);
    Arc::new(Shared::new(snapshot, geo::Locator::default()))
}

fn check(name: &str, packet: &[u8]) {
    let shared = shared();
    let src: SocketAddr = "192.0.2.200:5300".parse().unwrap();
    let lean = answer_lean(&Handler::new(shared.clone(), 1), packet, src);
    let general = answer_general(&Handler::new(shared.clone(), 1), packet, src);
    let either = answer_datagram(&Handler::new(shared.clone(), 1), packet, src);
    assert_eq!(either, lean.clone().or_else(|| general.clone()), "{name}");
    for reply in [&lean, &general].into_iter().flatten() {
        let m = Message::from_vec(reply).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.metadata.message_type, MessageType::Response, "{name}");
        assert_eq!(reply[..2], packet[..2], "{name}: the query's ID");
        let limit = if m.edns.is_some() { usize::from(dns::MAX_UDP_PAYLOAD) } else { 512 };
        assert!(reply.len() <= limit, "{name}: {} bytes, limit {limit}", reply.len());
    }
    if let (Some(l), Some(g)) = (&lean, &general) {
        let (l, g) = (Message::from_vec(l).unwrap(), Message::from_vec(g).unwrap());
        assert_eq!(l.metadata, g.metadata, "{name}");
        assert_eq!(l.answers, g.answers, "{name}");
    }
}

#[test]
fn every_kept_input_is_answered_within_the_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    for path in &files {
        check(&path.display().to_string(), &std::fs::read(path).unwrap());
    }
}
