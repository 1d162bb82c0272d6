//! Bytes as a traffic policy document: compiled, then evaluated for clients in London,
//! Seattle, Sweden, Japan (IPv6), an unknown address and an unknown location, with every
//! health check healthy and with every one unhealthy (and every alias target too).
//!
//! Checks: nothing panics; a document either compiles or has at least one error, and every
//! diagnostic has a message; an answer holds at most eight endpoints, each an index into the
//! policy's endpoints, with an ECS scope of at most 128; explain gives the same answer as
//! evaluate for the same random draws.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use policy::codes::Catalog;
use policy::{AllHealthy, ClientLocation, ClientSubnet, HealthView, Query, SplitMix64};

struct Fixture {
    catalog: Catalog,
    locator: geo::Locator,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut db = geo::GeoDb::new();
        db.add("city", flowdns_fuzz::GEOIP_TEST_DB.to_vec()).expect("test database loads");
        Fixture { catalog: Catalog::builtin(), locator: geo::Locator::new(db, None) }
    })
}

const CLIENTS: &[(&str, Option<u8>)] = &[
    ("81.2.69.142", None),
    ("216.160.83.56", Some(24)),
    ("89.160.20.112", None),
    ("2001:218::1", Some(48)),
    ("192.0.2.1", None),
];

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Ok(text) = std::str::from_utf8(data) else { return };
    let c = policy::compile(text, &f.catalog);
    for d in &c.diagnostics {
        assert!(!d.message.is_empty(), "a diagnostic without a message at {:?}", d.pointer);
    }
    let Some(p) = c.policy else {
        assert!(c.errors().next().is_some(), "no policy and no error");
        return;
    };
    let unhealthy = policy::UnhealthySet {
        health_checks: p.health_check_ids().into_iter().map(str::to_owned).collect(),
        targets: p.endpoints().iter().map(|e| e.value.clone()).collect(),
    };
    let healths: [&dyn HealthView; 2] = [&AllHealthy, &unhealthy];
    let mut places = Vec::new();
    for (ip, prefix) in CLIENTS {
        let ip = ip.parse().expect("client address");
        let (location, latency) = f.locator.locate(ip, *prefix);
        places.push((location, Some(ClientSubnet::of(ip, *prefix)), Some(latency)));
    }
    places.push((ClientLocation::UNKNOWN, None, None));
    for (location, subnet, latency) in &places {
        for health in healths {
            let latency: &dyn policy::LatencyOracle = match latency {
                Some(l) => l,
                None => &policy::EstimatedLatency,
            };
            let q = Query { location, health, latency, subnet: *subnet };
            for seed in [1, 0xDEAD_BEEF] {
                let a = p.evaluate(&q, &mut SplitMix64(seed));
                let (b, trace) = p.explain(&q, &mut SplitMix64(seed));
                assert_eq!(a, b, "explain and evaluate differ");
                let _ = trace.render();
                assert!(a.len() <= policy::MAX_ANSWER_VALUES);
                assert!(a.ecs_scope <= 128);
                for &i in a.endpoint_indices() {
                    assert!((i as usize) < p.endpoints().len(), "endpoint index {i} out of range");
                }
            }
        }
    }
});
