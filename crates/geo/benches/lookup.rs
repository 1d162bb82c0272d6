//! Per-query cost of locating a client: `cargo bench -p geo`.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{GeoDb, LatencyTable, Locator};
use policy::{ClientLocation, LatencyOracle};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn db(files: &[&str]) -> GeoDb {
    let mut db = GeoDb::new();
    for f in files {
        db.add(f, data(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    db
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn bench(c: &mut Criterion) {
    let city = db(&["GeoIP2-City-Test.mmdb"]);
    let flat = db(&["dbip-flat-ipv4.mmdb", "dbip-flat-ipv6.mmdb"]);
    let mut g = c.benchmark_group("geodb");
    for (name, db, addr) in [
        ("geoip2_city_v4", &city, "216.160.83.56"),
        ("geoip2_city_v6", &city, "2001:218::1"),
        ("geoip2_not_found", &city, "8.8.8.8"),
        ("flat_v4_us_state", &flat, "216.160.83.56"),
        ("flat_v6", &flat, "2001:218::1"),
    ] {
        let addr = ip(addr);
        g.bench_function(name, |b| b.iter(|| black_box(db).locate(black_box(addr))));
    }
    g.finish();

    let table = LatencyTable::parse(
        "10.0.0.0/8,us-east-1,50\n10.1.0.0/16,us-east-1,20\n216.160.83.0/24,us-west-2,12\n\
         2001:db8::/32,eu-west-1,30\nUS,us-east-1,70\n",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let locator = Locator::new(db(&["GeoIP2-City-Test.mmdb"]), Some(table));
    let addr = ip("216.160.83.56");
    c.bench_function("locator_locate_and_two_rtts", |b| {
        b.iter(|| {
            let (location, latency): (ClientLocation, _) =
                locator.locate(black_box(addr), Some(24));
            (latency.rtt_ms(&location, "us-west-2"), latency.rtt_ms(&location, "us-east-1"))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
