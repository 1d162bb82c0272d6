//! Helpers shared by the integration tests.
// Tests read their fixtures; the library itself never opens a file.
#![allow(dead_code, unreachable_pub, clippy::disallowed_methods)]

pub mod mmdb;

use std::net::IpAddr;

use geo::GeoDb;

/// The bytes of a file under tests/data.
pub fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// A database made of these test files, added in this order.
pub fn db(files: &[&str]) -> GeoDb {
    let mut db = GeoDb::new();
    for f in files {
        db.add(f, data(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    db
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub const CITY: &str = "GeoIP2-City-Test.mmdb";
pub const COUNTRY: &str = "GeoIP2-Country-Test.mmdb";
pub const FLAT_V4: &str = "dbip-flat-ipv4.mmdb";
pub const FLAT_V6: &str = "dbip-flat-ipv6.mmdb";
