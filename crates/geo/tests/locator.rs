//! Locator: geolocation and latency table together, with EDNS Client Subnet scopes.

mod common;

use common::*;
use geo::{GeoDb, LatencyTable, Locator};
use policy::{ClientLocation, Code, LatencyOracle};

fn locator(table: &str) -> Locator {
    let table = LatencyTable::parse(table).unwrap_or_else(|e| panic!("{e:?}"));
    Locator::new(db(&[CITY, FLAT_V4, FLAT_V6]), Some(table))
}

#[test]
fn without_ecs_the_scope_is_the_longer_of_database_and_table() {
    let l = locator("216.160.83.0/24,us-west-2,12\n");
    let (location, latency) = l.locate(ip("216.160.83.56"), None);
    assert_eq!(location.country, Code::new("US"));
    assert_eq!(location.scope_prefix, 29, "the database's /29 is longer than the table's /24");
    assert_eq!(latency.rtt_ms(&location, "us-west-2"), Some(12.0));
    assert_eq!(latency.ip(), ip("216.160.83.56"));

    let l = locator("216.160.83.56/32,us-west-2,12\n");
    assert_eq!(l.locate(ip("216.160.83.56"), None).0.scope_prefix, 32);
    // The table's /32 sits inside the database's /29 next to this address: only /31 keeps
    // it out.
    assert_eq!(l.locate(ip("216.160.83.58"), None).0.scope_prefix, 31);
}

#[test]
fn ecs_address_is_cut_to_the_source_prefix_and_the_scope_clamped_to_it() {
    let l = locator("81.2.69.0/24,eu-west-2,9\nGB,eu-west-2,25\n");
    // /32 source: the database's /31.
    let (location, _) = l.locate(ip("81.2.69.142"), Some(32));
    assert_eq!((location.country, location.scope_prefix), (Code::new("GB"), 31));
    // /24 source: looked up as 81.2.69.0, which the City database has no country for (its
    // /25 is empty there) but the flat one does; the scope is clamped to the /24.
    let (location, latency) = l.locate(ip("81.2.69.142"), Some(24));
    assert_eq!((location.country, location.subdivision), (Code::new("GB"), None));
    assert_eq!(location.scope_prefix, 24);
    assert_eq!(latency.ip(), ip("81.2.69.0"));
    assert_eq!(latency.rtt_ms(&location, "eu-west-2"), Some(9.0));
    // A /20 source: the table's /24 no longer matches; the country row does.
    let (location, latency) = l.locate(ip("81.2.69.142"), Some(20));
    assert_eq!(location.scope_prefix, 20);
    assert_eq!(latency.rtt_ms(&location, "eu-west-2"), None, "81.2.64.0 is not located");
    // IPv6 with a /56 source.
    let (location, _) = l.locate(ip("2001:218:0:1::1"), Some(56));
    assert_eq!((location.country, location.scope_prefix), (Code::new("JP"), 32));
    // A source prefix past the family's width is the whole address.
    let (location, _) = l.locate(ip("81.2.69.142"), Some(200));
    assert_eq!(location.scope_prefix, 31);
}

#[test]
fn ecs_source_prefix_zero_carries_no_address() {
    let l = locator("0.0.0.0/0,us-east-1,1\n");
    let (location, latency) = l.locate(ip("81.2.69.142"), Some(0));
    assert_eq!(location, ClientLocation::UNKNOWN);
    assert_eq!(latency.rtt_ms(&location, "us-east-1"), None);
}

#[test]
fn mapped_addresses_get_ipv6_scopes() {
    let l = locator("81.2.69.0/24,eu-west-2,9\n");
    let (location, latency) = l.locate(ip("::ffff:81.2.69.142"), None);
    assert_eq!((location.country, location.scope_prefix), (Code::new("GB"), 127));
    assert_eq!(latency.rtt_ms(&location, "eu-west-2"), Some(9.0));
    let (location, _) = l.locate(ip("::ffff:81.2.69.142"), Some(120));
    assert_eq!(location.scope_prefix, 120);
}

#[test]
fn without_databases_or_table() {
    let l = Locator::new(GeoDb::new(), None);
    assert!(l.geo().is_empty() && l.latency_table().is_none());
    let (location, latency) = l.locate(ip("81.2.69.142"), None);
    assert_eq!(location, ClientLocation::UNKNOWN);
    assert_eq!(latency.rtt_ms(&location, "eu-west-2"), None);
    // A table alone still scopes the answer and answers for its networks.
    let table =
        LatencyTable::parse("81.2.69.0/24,eu-west-2,9\n").unwrap_or_else(|e| panic!("{e:?}"));
    let l = Locator::new(GeoDb::new(), Some(table));
    let (location, latency) = l.locate(ip("81.2.69.142"), None);
    assert_eq!((location.country, location.scope_prefix), (None, 24));
    assert_eq!(latency.rtt_ms(&location, "eu-west-2"), Some(9.0));
    assert_eq!(Locator::default().locate(ip("::1"), Some(64)).0, ClientLocation::UNKNOWN);
}
