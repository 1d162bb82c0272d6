//! Record-level routing becomes a policy the engine compiles, for every routing kind; groups
//! that cannot be served say why.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{RData, RecordType};
use policy::codes::Catalog;
use zone::routing::{GeoLocation, GeoProximity, RoutedSet, Routing, group_document};

fn set(id: &str, ip: [u8; 4], routing: Routing) -> RoutedSet {
    RoutedSet {
        set_identifier: id.into(),
        ttl: 60,
        records: vec![RData::A(A::new(ip[0], ip[1], ip[2], ip[3]))],
        routing,
    }
}

fn compiles(sets: &[RoutedSet]) -> policy::Policy {
    let doc = group_document(RecordType::A, sets).unwrap();
    let c = policy::compile(&doc, &Catalog::builtin());
    c.policy.unwrap_or_else(|| panic!("{doc}\n{:?}", c.diagnostics))
}

#[test]
fn every_routing_kind_compiles() {
    let w =
        |n| Routing { weight: Some(n), health_check_id: Some("hc-1".into()), ..Routing::default() };
    let p = compiles(&[set("a", [192, 0, 2, 1], w(3)), set("b", [192, 0, 2, 2], w(1))]);
    assert_eq!(p.endpoints().len(), 2);
    let f = |role: &str| Routing { failover: Some(role.into()), ..Routing::default() };
    compiles(&[set("p", [192, 0, 2, 1], f("PRIMARY")), set("s", [192, 0, 2, 2], f("SECONDARY"))]);
    let g = |country: &str| Routing {
        geo_location: Some(GeoLocation {
            country_code: Some(country.into()),
            ..GeoLocation::default()
        }),
        ..Routing::default()
    };
    compiles(&[set("gb", [192, 0, 2, 1], g("GB")), set("default", [192, 0, 2, 2], g("*"))]);
    let sub = Routing {
        geo_location: Some(GeoLocation {
            country_code: Some("US".into()),
            subdivision_code: Some("WA".into()),
            ..GeoLocation::default()
        }),
        ..Routing::default()
    };
    let eu = Routing {
        geo_location: Some(GeoLocation {
            continent_code: Some("EU".into()),
            ..GeoLocation::default()
        }),
        ..Routing::default()
    };
    compiles(&[set("wa", [192, 0, 2, 1], sub), set("eu", [192, 0, 2, 2], eu)]);
    let l = |r: &str| Routing { region: Some(r.into()), ..Routing::default() };
    compiles(&[set("e", [192, 0, 2, 1], l("us-east-1")), set("w", [192, 0, 2, 2], l("eu-west-1"))]);
    let m = Routing { multi_value_answer: Some(true), ..Routing::default() };
    compiles(&[set("1", [192, 0, 2, 1], m.clone()), set("2", [192, 0, 2, 2], m)]);
    let region = Routing {
        geo_proximity_location: Some(GeoProximity {
            aws_region: Some("us-west-2".into()),
            bias: Some(10),
            ..GeoProximity::default()
        }),
        ..Routing::default()
    };
    let coords = Routing {
        geo_proximity_location: Some(GeoProximity {
            latitude: Some("51.50".into()),
            longitude: Some("-0.16".into()),
            ..GeoProximity::default()
        }),
        ..Routing::default()
    };
    compiles(&[set("r", [192, 0, 2, 1], region), set("c", [192, 0, 2, 2], coords)]);
}

#[test]
fn a_lone_failover_set_answers_unconditionally() {
    let p = Routing { failover: Some("PRIMARY".into()), ..Routing::default() };
    let doc = group_document(RecordType::A, &[set("p", [192, 0, 2, 1], p)]).unwrap();
    assert!(doc.contains("\"StartEndpoint\": \"e0\""), "{doc}");
}

#[test]
fn mixed_or_missing_routing_is_refused_with_a_reason() {
    let w = Routing { weight: Some(1), ..Routing::default() };
    let f = Routing { failover: Some("PRIMARY".into()), ..Routing::default() };
    let e =
        group_document(RecordType::A, &[set("a", [192, 0, 2, 1], w), set("b", [192, 0, 2, 2], f)])
            .unwrap_err();
    assert!(e.contains("share one routing policy"), "{e}");
    let e =
        group_document(RecordType::A, &[set("a", [192, 0, 2, 1], Routing::default())]).unwrap_err();
    assert!(e.contains("need a routing policy"), "{e}");
}
