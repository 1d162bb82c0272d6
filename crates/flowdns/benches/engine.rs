//! Cost of answering one query with the policy engine, GeoIP lookup included: the work the
//! DNS server does per packet on top of wire handling. Run by hand:
//!
//! ```text
//! cargo bench -p flowdns --bench engine
//! ```
//!
//! Besides criterion's timings it prints the allocations per query, counted by a counting
//! global allocator over a batch of queries.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use policy::{AllHealthy, EstimatedLatency, Policy, Query, SplitMix64, codes::Catalog};

const GEOIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../geo/tests/data/GeoIP2-City-Test.mmdb");
const GEO_LATENCY_FAILOVER: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/geo-latency-failover.json"));

/// Clients from MaxMind's test database: London, Milton (WA, US), a Japanese IPv6 network,
/// and an address the database does not hold.
const CLIENTS: [&str; 4] = ["81.2.69.142", "216.160.83.56", "2001:218::1", "8.8.8.8"];

fn compile(text: &str) -> Policy {
    let c = policy::compile(text, &Catalog::builtin());
    c.policy.unwrap_or_else(|| panic!("benchmark document invalid: {:?}", c.diagnostics))
}

/// A weighted rule with 100 branches, weights 1..=100, each with a health check.
fn weighted_100() -> String {
    let mut endpoints = Vec::new();
    let mut items = Vec::new();
    for i in 0..100 {
        endpoints.push(format!(r#""e{i}":{{"Type":"value","Value":"192.0.2.{i}"}}"#));
        items.push(format!(
            r#"{{"EndpointReference":"e{i}","Weight":{},"HealthCheck":"hc-{i}"}}"#,
            i + 1
        ));
    }
    format!(
        r#"{{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
            "Endpoints":{{{}}},"Rules":{{"w":{{"RuleType":"weighted","Items":[{}]}}}}}}"#,
        endpoints.join(","),
        items.join(",")
    )
}

fn setup() -> (geo::GeoDb, Vec<IpAddr>, Policy, Policy) {
    let mut db = geo::GeoDb::new();
    db.add("GeoIP2-City-Test", std::fs::read(GEOIP).expect("test database")).expect("valid mmdb");
    let ips = CLIENTS.iter().map(|s| s.parse().expect("ip")).collect();
    (db, ips, compile(GEO_LATENCY_FAILOVER), compile(&weighted_100()))
}

fn query_once(
    db: &geo::GeoDb,
    policy: &Policy,
    ip: IpAddr,
    rng: &mut SplitMix64,
) -> policy::Answer {
    let location = db.locate(ip);
    let q = Query {
        location: &location,
        health: &AllHealthy,
        latency: &EstimatedLatency,
        subnet: None,
    };
    policy.evaluate(&q, rng)
}

fn bench(c: &mut Criterion) {
    let (db, ips, tree, weighted) = setup();
    let mut rng = SplitMix64(7);

    for (name, policy) in [("geo_latency_failover", &tree), ("weighted_100", &weighted)] {
        let mut i = 0;
        c.bench_function(&format!("{name}/lookup+evaluate"), |b| {
            b.iter(|| {
                i = (i + 1) % ips.len();
                black_box(query_once(&db, policy, black_box(ips[i]), &mut rng))
            })
        });
        let location = db.locate(ips[1]);
        c.bench_function(&format!("{name}/evaluate"), |b| {
            b.iter(|| {
                let q = Query {
                    location: black_box(&location),
                    health: &AllHealthy,
                    latency: &EstimatedLatency,
                    subnet: None,
                };
                black_box(policy.evaluate(&q, &mut rng))
            })
        });

        const N: u64 = 10_000;
        let info = allocation_counter::measure(|| {
            for k in 0..N {
                black_box(query_once(&db, policy, ips[(k as usize) % ips.len()], &mut rng));
            }
        });
        println!(
            "{name}: {:.3} allocations per query ({} bytes per query), over {N} queries",
            info.count_total as f64 / N as f64,
            info.bytes_total / N
        );
    }
    let info = allocation_counter::measure(|| {
        for k in 0..1000 {
            black_box(db.locate(ips[k % ips.len()]));
        }
    });
    println!("geoip lookup alone: {:.3} allocations per lookup", info.count_total as f64 / 1000.0);
}

criterion_group!(benches, bench);
criterion_main!(benches);
