//! Bytes as a zone file for import (`flowdns zone import`): `zone::master::parse`, then what
//! an import and the server do with the records.
//!
//! Checks: nothing panics; errors are sorted by line and each has a message; a file that
//! parses is written back by `master::write` as a file that parses to the same origin and
//! records; every record survives the store's text row (`name_text`, `type_text`,
//! `rdata_text`, then `parse_rdata`) unchanged; the zone builds for DNS, and a query for each
//! of its first names and types (with and without EDNS) gets replies that pass
//! `flowdns_fuzz::check_datagram` (lean and general paths equivalent).
#![no_main]

use std::sync::Arc;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use libfuzzer_sys::fuzz_target;
use zone::master;

/// Questions asked per zone (each with and without EDNS).
const QUESTIONS: usize = 12;

fn sorted(records: &[hickory_proto::rr::Record]) -> Vec<String> {
    let mut keys: Vec<String> = records.iter().map(|r| format!("{r:?}")).collect();
    keys.sort();
    keys
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = match master::parse(text, None) {
        Ok(p) => p,
        Err(errors) => {
            assert!(!errors.is_empty(), "an error result without errors");
            assert!(errors.windows(2).all(|w| w[0].line <= w[1].line), "errors not sorted");
            for e in &errors {
                assert!(!e.message.is_empty());
                let _ = e.to_string();
            }
            return;
        }
    };
    let written = master::write(&parsed.origin, &parsed.records);
    let again = master::parse(&written, None)
        .unwrap_or_else(|e| panic!("the written file does not parse: {e:?}\n{written}"));
    assert_eq!(again.origin, parsed.origin);
    assert_eq!(sorted(&again.records), sorted(&parsed.records), "written:\n{written}");
    for r in &parsed.records {
        let (name, rtype, value) =
            (master::name_text(&r.name), master::type_text(r.record_type()), master::rdata_text(r));
        let back = master::parse_rdata(&parsed.origin, &name, &rtype, r.ttl, &value)
            .unwrap_or_else(|e| panic!("row {name} {rtype} {value:?} does not read back: {e}"));
        assert_eq!(back.data, r.data, "row {name} {rtype} {value:?}");
        assert_eq!(back.name, r.name, "row {name} {rtype} {value:?}");
    }

    let Ok((data, _conflicts)) =
        zone::ZoneData::build(&parsed.origin, parsed.records.clone(), Vec::new())
    else {
        return;
    };
    let snapshot = zone::Snapshot::from_zones([Arc::new(data)], 1);
    let shared = Arc::new(dns::Shared::new(snapshot, geo::Locator::default()));
    let mut asked = std::collections::HashSet::new();
    for r in &parsed.records {
        if asked.len() >= QUESTIONS {
            break;
        }
        if !asked.insert((r.name.clone(), r.record_type())) {
            continue;
        }
        for edns in [false, true] {
            let mut m = Message::new(0x4242, MessageType::Query, OpCode::Query);
            m.add_query(Query::query(r.name.clone(), r.record_type()));
            if edns {
                let mut e = Edns::new();
                e.set_max_payload(1232);
                m.edns = Some(e);
            }
            let Ok(packet) = m.to_vec() else { continue };
            let src = "192.0.2.1:5300".parse().expect("address");
            flowdns_fuzz::check_datagram(&shared, &packet, src)
                .expect("a query for a name in the zone gets a reply");
        }
    }
});
