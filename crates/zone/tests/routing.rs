//! The routing compiler, data-driven: a zone's record sets in Route 53's shape, then queries
//! (client, unhealthy checks) with the answer and the trace lines they must give. Covers every
//! routing kind, alias chains (with `EvaluateTargetHealth` along them), IP-based routing with
//! its ECS scope, and what is refused when a batch is written.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::IpAddr;

use hickory_proto::rr::Name;
use policy::codes::Catalog;
use policy::graph::CidrBlock;
use policy::{
    ClientLocation, ClientSubnet, Code, Continent, EstimatedLatency, Query, UnhealthySet,
};
use serde_json::{Value, json};
use zone::routing::{Compiled, Key, Routing, SetSpec, ZoneRouting, check, compile_group};
use zone::snapshot::EndpointData;

const ORIGIN: &str = "example.com.";

fn key(name: &str, t: &str) -> Key {
    let n = if name.ends_with('.') { name.to_owned() } else { format!("{name}.{ORIGIN}") };
    (Name::from_ascii(n).unwrap(), t.parse().unwrap())
}

/// A zone from record sets written as Route 53 writes them: `Name`, `Type`, optional
/// `SetIdentifier`, `TTL` and `Values`, and the routing fields (`Weight`, `Failover`,
/// `GeoLocation`, `AliasTarget`, `HealthCheckId`, `CidrRoutingConfig`...). A set without
/// routing, health check or alias is a simple record set.
fn zone(sets: Value) -> ZoneRouting {
    let mut z = ZoneRouting { zone_id: "Z1".into(), ..ZoneRouting::default() };
    let origin = Name::from_ascii(ORIGIN).unwrap();
    for s in sets.as_array().unwrap() {
        let k = key(s["Name"].as_str().unwrap(), s["Type"].as_str().unwrap_or("A"));
        let mut routing_json = s.clone();
        for f in ["Name", "Type", "SetIdentifier", "TTL", "Values"] {
            routing_json.as_object_mut().unwrap().remove(f);
        }
        let routing: Routing = serde_json::from_value(routing_json).unwrap();
        let ttl = s["TTL"].as_u64().unwrap_or(300) as u32;
        let records = s["Values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        let t = zone::master::type_text(k.1);
                        zone::master::parse_rdata(&origin, "@", &t, ttl, v.as_str().unwrap())
                            .unwrap()
                            .data
                    })
                    .collect()
            })
            .unwrap_or_default();
        let set_identifier = s["SetIdentifier"].as_str().map(str::to_owned);
        if routing.is_empty() && set_identifier.is_none() {
            z.simple.insert(k, (ttl, records));
        } else {
            z.groups.entry(k).or_default().push(SetSpec { set_identifier, ttl, records, routing });
        }
    }
    z
}

fn alias(target: &str, eth: bool) -> Value {
    json!({"HostedZoneId": "Z1", "DNSName": format!("{target}.{ORIGIN}"), "EvaluateTargetHealth": eth})
}

/// A client: an address (the ECS subnet) and where the GeoIP data puts it.
struct Client<'a> {
    subnet: Option<(&'a str, u8)>,
    continent: Option<Continent>,
    country: Option<&'a str>,
    position: Option<(f64, f64)>,
}

const NOWHERE: Client<'static> =
    Client { subnet: None, continent: None, country: None, position: None };

fn at(country: &'static str, continent: Continent) -> Client<'static> {
    Client { subnet: None, continent: Some(continent), country: Some(country), position: None }
}

fn from(ip: &'static str, prefix: u8) -> Client<'static> {
    Client { subnet: Some((ip, prefix)), continent: None, country: None, position: None }
}

/// The answer (values with TTLs, sorted), the ECS scope and the rendered trace.
fn ask(
    z: &ZoneRouting,
    name: &str,
    client: &Client<'_>,
    unhealthy: &[&str],
) -> (Vec<String>, u8, String) {
    let binding = match compile_group(z, &Catalog::builtin(), &key(name, "A"), false) {
        Ok(Compiled::Binding(b)) => b,
        Ok(Compiled::Records(ttl, datas)) => {
            let mut v: Vec<String> =
                datas.iter().map(|d| format!("{} {ttl}", zone::master::data_text(d))).collect();
            v.sort();
            return (v, 0, "static records".into());
        }
        Err(e) => panic!("{name} does not compile: {e}"),
    };
    let location = ClientLocation {
        continent: client.continent,
        country: client.country.and_then(Code::new),
        scope_prefix: if client.country.is_some() { 24 } else { 0 },
        coordinates: client
            .position
            .map(|(latitude, longitude)| policy::Coordinates { latitude, longitude }),
        ..ClientLocation::UNKNOWN
    };
    let health = UnhealthySet {
        health_checks: unhealthy.iter().map(|s| s.to_string()).collect(),
        targets: Vec::new(),
    };
    let q = Query {
        location: &location,
        health: &health,
        latency: &EstimatedLatency,
        subnet: client.subnet.map(|(ip, p)| ClientSubnet { addr: ip.parse().unwrap(), prefix: p }),
    };
    let (answer, trace) = binding.policy.explain(&q, &mut policy::SplitMix64(7));
    let mut values = Vec::new();
    for &i in answer.endpoint_indices() {
        match &binding.values[i as usize] {
            EndpointData::Set(ttl, datas) => {
                values.extend(datas.iter().map(|d| format!("{} {ttl}", zone::master::data_text(d))))
            }
            EndpointData::Value(d) => {
                values.push(format!("{} {}", zone::master::data_text(d), binding.ttl))
            }
            EndpointData::Alias(n) => values.push(format!("alias {n}")),
        }
    }
    values.sort();
    (values, answer.ecs_scope, trace.render())
}

fn answers(z: &ZoneRouting, name: &str, client: &Client<'_>, unhealthy: &[&str]) -> Vec<String> {
    ask(z, name, client, unhealthy).0
}

fn refused(z: &ZoneRouting, names: &[(&str, &str)]) -> String {
    let keys: Vec<Key> = names.iter().map(|(n, t)| key(n, t)).collect();
    check(z, &Catalog::builtin(), &keys).unwrap_err().join("\n")
}

/// The octoDNS shape: geolocation sets alias per-pool failover sets, whose PRIMARY aliases the
/// pool's weighted values and whose SECONDARY aliases the fallback pool, down to the record's
/// own values.
fn octodns_zone() -> ZoneRouting {
    let value = |pool: &str, n: u8, hc: &str| {
        json!({"Name": format!("_octodns-{pool}-value"), "SetIdentifier": format!("{pool}-{n}"),
               "TTL": 60, "Values": [format!("192.0.2.{n}")], "Weight": 1, "HealthCheckId": hc})
    };
    zone(json!([
        value("eu", 1, "hc-eu-1"), value("eu", 2, "hc-eu-2"), value("na", 3, "hc-na-3"),
        {"Name": "_octodns-default-value", "TTL": 60, "Values": ["192.0.2.250"]},
        {"Name": "_octodns-eu-pool", "SetIdentifier": "eu-primary", "Failover": "PRIMARY",
         "AliasTarget": alias("_octodns-eu-value", true)},
        {"Name": "_octodns-eu-pool", "SetIdentifier": "eu-secondary", "Failover": "SECONDARY",
         "AliasTarget": alias("_octodns-na-pool", true)},
        {"Name": "_octodns-na-pool", "SetIdentifier": "na-primary", "Failover": "PRIMARY",
         "AliasTarget": alias("_octodns-na-value", true)},
        {"Name": "_octodns-na-pool", "SetIdentifier": "na-secondary", "Failover": "SECONDARY",
         "AliasTarget": alias("_octodns-default-value", true)},
        {"Name": "www", "SetIdentifier": "0-eu", "GeoLocation": {"ContinentCode": "EU"},
         "AliasTarget": alias("_octodns-eu-pool", true)},
        {"Name": "www", "SetIdentifier": "1-us", "GeoLocation": {"CountryCode": "US"},
         "AliasTarget": alias("_octodns-na-pool", true)},
        {"Name": "www", "SetIdentifier": "2-default", "GeoLocation": {"CountryCode": "*"},
         "AliasTarget": alias("_octodns-na-pool", true)},
    ]))
}

#[test]
fn octodns_dynamic_records_answer_per_pool_and_fall_back() {
    let z = octodns_zone();
    let gb = at("GB", Continent::EU);
    let us = at("US", Continent::NA);
    // Each client network gets its pool.
    assert_eq!(answers(&z, "www", &gb, &[]).len(), 1);
    assert!(["192.0.2.1 60", "192.0.2.2 60"].contains(&answers(&z, "www", &gb, &[])[0].as_str()));
    assert_eq!(answers(&z, "www", &us, &[]), ["192.0.2.3 60"]);
    assert_eq!(answers(&z, "www", &NOWHERE, &[]), ["192.0.2.3 60"]);
    // A value whose check fails leaves its pool.
    for _ in 0..20 {
        assert_eq!(answers(&z, "www", &gb, &["hc-eu-1"]), ["192.0.2.2 60"]);
    }
    // A pool with no healthy value falls back to its fallback pool, then to the default values.
    assert_eq!(answers(&z, "www", &gb, &["hc-eu-1", "hc-eu-2"]), ["192.0.2.3 60"]);
    let all = ["hc-eu-1", "hc-eu-2", "hc-na-3"];
    assert_eq!(answers(&z, "www", &gb, &all), ["192.0.2.250 60"]);
    assert_eq!(answers(&z, "www", &us, &all), ["192.0.2.250 60"]);
    // The trace names every hop of the chain the answer came through.
    let (_, scope, trace) = ask(&z, "www", &gb, &["hc-eu-1", "hc-eu-2"]);
    assert_eq!(scope, 24, "the geolocation decision carries the GeoIP scope");
    for hop in [
        "rule www.example.com. A (geo)",
        "matches Continent EU (continent)",
        "/www.example.com. A/0-eu -> _octodns-eu-pool.example.com. A",
        "rule _octodns-eu-pool.example.com. A (failover)",
        "Primary skipped: EvaluateTargetHealth and rule _octodns-eu-value.example.com. A has no healthy branch",
        "rule _octodns-na-pool.example.com. A (failover)",
        "rule _octodns-na-value.example.com. A (weighted)",
        "answer _octodns-na-value.example.com. A na-3",
    ] {
        assert!(trace.contains(hop), "trace lacks {hop:?}:\n{trace}");
    }
}

#[test]
fn alias_chains_end_in_their_target_with_its_ttl() {
    let z = zone(json!([
        {"Name": "target", "TTL": 123, "Values": ["192.0.2.1", "192.0.2.2"]},
        {"Name": "middle", "AliasTarget": alias("target", false)},
        {"Name": "front", "AliasTarget": alias("middle", true)},
        {"Name": "w", "SetIdentifier": "a", "Weight": 1, "TTL": 60, "Values": ["192.0.2.9"]},
        {"Name": "to-routed", "AliasTarget": alias("via", false)},
        {"Name": "via", "AliasTarget": alias("w", true)},
    ]));
    // A chain ending in a simple record set answers the target's records with its TTL.
    let (v, _, trace) = ask(&z, "front", &NOWHERE, &[]);
    assert_eq!(v, ["192.0.2.1 123", "192.0.2.2 123"]);
    assert!(trace.contains("start at endpoint target.example.com. A"), "{trace}");
    match compile_group(&z, &Catalog::builtin(), &key("front", "A"), true).unwrap() {
        Compiled::Binding(b) => assert_eq!(
            b.id,
            "alias front.example.com. A -> middle.example.com. A -> target.example.com. A"
        ),
        Compiled::Records(..) => panic!("a chain is a binding, so that explain shows it"),
    }
    // A chain ending in a routed group answers as that group, with its trace.
    let (v, _, trace) = ask(&z, "to-routed", &NOWHERE, &[]);
    assert_eq!(v, ["192.0.2.9 60"]);
    assert!(trace.contains("rule w.example.com. A (weighted)"), "{trace}");
}

#[test]
fn evaluate_target_health_follows_the_chain() {
    let z = zone(json!([
        {"Name": "pool", "SetIdentifier": "1", "Weight": 1, "TTL": 60, "Values": ["192.0.2.1"], "HealthCheckId": "a"},
        {"Name": "pool", "SetIdentifier": "2", "Weight": 0, "TTL": 60, "Values": ["192.0.2.2"], "HealthCheckId": "b"},
        {"Name": "hop", "AliasTarget": alias("pool", true)},
        {"Name": "blind-hop", "AliasTarget": alias("pool", false)},
        {"Name": "checked-hop", "AliasTarget": alias("pool", false), "HealthCheckId": "c"},
        {"Name": "svc", "SetIdentifier": "p", "Failover": "PRIMARY", "AliasTarget": alias("hop", true)},
        {"Name": "svc", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 30, "Values": ["192.0.2.99"]},
        {"Name": "blind", "SetIdentifier": "p", "Failover": "PRIMARY", "AliasTarget": alias("blind-hop", true)},
        {"Name": "blind", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 30, "Values": ["192.0.2.99"]},
        {"Name": "checked", "SetIdentifier": "p", "Failover": "PRIMARY", "AliasTarget": alias("checked-hop", true)},
        {"Name": "checked", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 30, "Values": ["192.0.2.99"]},
    ]));
    // (name, unhealthy checks, answer)
    let cases: &[(&str, &[&str], &str)] = &[
        ("svc", &[], "192.0.2.1 60"),
        // The weight-0 member still counts: the group can answer with it.
        ("svc", &["a"], "192.0.2.2 60"),
        ("svc", &["a", "b"], "192.0.2.99 30"),
        // A hop without EvaluateTargetHealth is healthy whatever lies beyond it.
        ("blind", &["a", "b"], "192.0.2.1 60"),
        // A hop's own health check counts even without EvaluateTargetHealth.
        ("checked", &["c"], "192.0.2.99 30"),
        ("checked", &["a", "b"], "192.0.2.1 60"),
    ];
    for (name, unhealthy, want) in cases {
        assert_eq!(
            answers(&z, name, &NOWHERE, unhealthy),
            [*want],
            "{name} with {unhealthy:?} down"
        );
    }
}

#[test]
fn geolocation_aliasing_failover_backs_out_to_the_next_location() {
    let z = zone(json!([
        {"Name": "eu", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 60, "Values": ["192.0.2.1"], "HealthCheckId": "eu-p"},
        {"Name": "eu", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 60, "Values": ["192.0.2.2"], "HealthCheckId": "eu-s"},
        {"Name": "geo", "SetIdentifier": "gb", "GeoLocation": {"CountryCode": "GB"}, "AliasTarget": alias("eu", true)},
        {"Name": "geo", "SetIdentifier": "any", "GeoLocation": {"CountryCode": "*"}, "TTL": 60, "Values": ["192.0.2.9"]},
    ]));
    let gb = at("GB", Continent::EU);
    assert_eq!(answers(&z, "geo", &gb, &[]), ["192.0.2.1 60"]);
    assert_eq!(answers(&z, "geo", &gb, &["eu-p"]), ["192.0.2.2 60"]);
    assert_eq!(answers(&z, "geo", &gb, &["eu-p", "eu-s"]), ["192.0.2.9 60"]);
    assert_eq!(answers(&z, "geo", &at("FR", Continent::EU), &[]), ["192.0.2.9 60"]);
}

#[test]
fn loops_long_chains_and_missing_targets_are_refused_when_written() {
    let mut sets = vec![
        json!({"Name": "a", "AliasTarget": alias("b", false)}),
        json!({"Name": "b", "SetIdentifier": "x", "Weight": 1, "AliasTarget": alias("a", true)}),
        json!({"Name": "self", "AliasTarget": alias("self", false)}),
        json!({"Name": "dangling", "AliasTarget": alias("nowhere", true)}),
        json!({"Name": "h0", "TTL": 60, "Values": ["192.0.2.1"]}),
    ];
    for i in 1..=zone::routing::MAX_ALIAS_HOPS {
        sets.push(
            json!({"Name": format!("h{i}"), "AliasTarget": alias(&format!("h{}", i - 1), false)}),
        );
    }
    let z = zone(Value::Array(sets.clone()));
    let e = refused(&z, &[("a", "A")]);
    assert!(e.contains("creates a CNAME or alias loop in the zone"), "{e}");
    assert!(e.contains("a.example.com. A -> b.example.com. A -> a.example.com. A"), "{e}");
    let e = refused(&z, &[("self", "A")]);
    assert!(e.contains("self.example.com. A -> self.example.com. A"), "{e}");
    let e = refused(&z, &[("dangling", "A")]);
    assert_eq!(
        e.split(" (").next().unwrap(),
        "Tried to create an alias that targets nowhere.example.com., type A in zone Z1, but that target was not found"
    );
    // A chain of MAX_ALIAS_HOPS hops is served.
    let top = format!("h{}", zone::routing::MAX_ALIAS_HOPS);
    check(&z, &Catalog::builtin(), &[key(&top, "A")]).unwrap();
    assert_eq!(answers(&z, &top, &NOWHERE, &[]), ["192.0.2.1 60"]);
    // One more hop at the top is refused.
    let mut longer = sets.clone();
    longer.push(json!({"Name": "h17", "AliasTarget": alias("h16", false)}));
    let e = refused(&zone(Value::Array(longer)), &[("h17", "A")]);
    assert!(e.contains("h17.example.com. A is 17 hops long, longer than 16 hops"), "{e}");
    // So is one more hop at the bottom, though the batch touches only the bottom: the chain
    // above it is checked too.
    let mut deeper: Vec<Value> = sets.iter().filter(|s| s["Name"] != "h0").cloned().collect();
    deeper.push(json!({"Name": "h0", "AliasTarget": alias("x", false)}));
    deeper.push(json!({"Name": "x", "TTL": 60, "Values": ["192.0.2.1"]}));
    let e = refused(&zone(Value::Array(deeper)), &[("h0", "A"), ("x", "A")]);
    assert!(e.contains("h16.example.com. A is 17 hops long"), "{e}");
    // Aliases match their own type only: an AAAA alias to an A-only name has no target.
    let z = zone(json!([
        {"Name": "v4", "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "v6", "Type": "AAAA", "AliasTarget": alias("v4", false)},
    ]));
    let e = refused(&z, &[("v6", "AAAA")]);
    assert!(e.contains("targets v4.example.com., type AAAA"), "{e}");
}

#[test]
fn a_target_deleted_later_answers_nothing_and_is_unhealthy() {
    let z = zone(json!([
        {"Name": "geo", "SetIdentifier": "gb", "GeoLocation": {"CountryCode": "GB"}, "AliasTarget": alias("gone", true)},
        {"Name": "geo", "SetIdentifier": "any", "GeoLocation": {"CountryCode": "*"}, "TTL": 60, "Values": ["192.0.2.9"]},
        {"Name": "plain", "AliasTarget": alias("gone", false)},
    ]));
    let gb = at("GB", Continent::EU);
    // The snapshot serves the rest: with EvaluateTargetHealth the GB client backs out.
    let (v, _, trace) = ask(&z, "geo", &gb, &[]);
    assert_eq!(v, ["192.0.2.9 60"]);
    assert!(trace.contains("gone.example.com. A"), "{trace}");
    let (v, _, trace) = ask(&z, "plain", &NOWHERE, &[]);
    assert!(v.is_empty(), "{v:?}");
    assert!(trace.contains("the alias target gone.example.com. A does not exist"), "{trace}");
}

#[test]
fn ip_based_routing_takes_the_longest_match_and_scopes_the_answer() {
    let cidr = |loc: &str| json!({"CollectionId": "c1", "LocationName": loc});
    let mut z = zone(json!([
        {"Name": "ip", "SetIdentifier": "office", "CidrRoutingConfig": cidr("office"), "TTL": 60, "Values": ["192.0.2.1"], "HealthCheckId": "office"},
        {"Name": "ip", "SetIdentifier": "lab", "CidrRoutingConfig": cidr("lab"), "TTL": 60, "Values": ["192.0.2.2"]},
        {"Name": "ip", "SetIdentifier": "rest", "CidrRoutingConfig": cidr("*"), "TTL": 60, "Values": ["192.0.2.9"]},
        {"Name": "strict", "SetIdentifier": "lab", "CidrRoutingConfig": cidr("lab"), "TTL": 60, "Values": ["192.0.2.2"]},
    ]));
    let block = |s: &str| {
        let (a, l) = s.split_once('/').unwrap();
        CidrBlock { addr: a.parse::<IpAddr>().unwrap(), len: l.parse().unwrap() }
    };
    let mut locations = std::collections::HashMap::new();
    locations.insert("office".to_owned(), vec![block("10.0.0.0/8"), block("2001:db8::/32")]);
    locations.insert("lab".to_owned(), vec![block("10.1.2.0/24"), block("2001:db8:1::/48")]);
    locations.insert("unused".to_owned(), vec![block("10.200.0.0/16")]);
    z.cidr.insert("c1".into(), locations);
    // (client, source prefix, unhealthy, answer, ECS scope). The scope is the matched prefix,
    // lengthened until it leaves out every block that leads elsewhere: 10.9.9.9 gets /13
    // because 10.8.0.0/13 holds no lab block, while 10.0.0.0/12 would hold 10.1.2.0/24.
    let cases: &[(&str, u8, &[&str], &str, u8)] = &[
        ("10.9.9.9", 32, &[], "192.0.2.1 60", 13),
        ("10.1.2.3", 32, &[], "192.0.2.2 60", 24),
        ("10.1.2.0", 24, &[], "192.0.2.2 60", 24),
        // A subnet wider than the lab block is not inside it: the office block holds it.
        ("10.1.0.0", 16, &[], "192.0.2.1 60", 16),
        ("10.1.3.0", 24, &[], "192.0.2.1 60", 24),
        ("192.168.1.1", 32, &[], "192.0.2.9 60", 1),
        ("2001:db8:1::5", 56, &[], "192.0.2.2 60", 48),
        ("2001:db8:ffff::", 48, &[], "192.0.2.1 60", 33),
        ("2001:db9::", 48, &[], "192.0.2.9 60", 32),
        // An unhealthy location gives way to the default.
        ("10.9.9.9", 32, &["office"], "192.0.2.9 60", 13),
        // Only locations with a record set count: the unused location's block does not.
        ("10.200.1.1", 32, &[], "192.0.2.1 60", 9),
    ];
    for &(ip, prefix, unhealthy, want, scope) in cases {
        let (v, s, trace) = ask(&z, "ip", &from(ip, prefix), unhealthy);
        assert_eq!(
            (v.as_slice(), s),
            ([want.to_owned()].as_slice(), scope),
            "{ip}/{prefix}\n{trace}"
        );
    }
    // No match and no default: nothing.
    assert!(answers(&z, "strict", &from("192.168.1.1", 32), &[]).is_empty());
    assert_eq!(answers(&z, "strict", &from("10.1.2.9", 32), &[]), ["192.0.2.2 60"]);
}

#[test]
fn every_routing_kind_compiles_and_mixing_is_refused() {
    let z = zone(json!([
        {"Name": "lat", "SetIdentifier": "e", "Region": "us-east-1", "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "lat", "SetIdentifier": "w", "Region": "eu-west-1", "TTL": 60, "Values": ["192.0.2.2"]},
        {"Name": "mv", "SetIdentifier": "1", "MultiValueAnswer": true, "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "mv", "SetIdentifier": "2", "MultiValueAnswer": true, "TTL": 60, "Values": ["192.0.2.2"], "HealthCheckId": "x"},
        {"Name": "prox", "SetIdentifier": "r", "GeoProximityLocation": {"AWSRegion": "us-west-2", "Bias": 10}, "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "prox", "SetIdentifier": "c", "GeoProximityLocation": {"Latitude": "51.50", "Longitude": "-0.16"}, "TTL": 60, "Values": ["192.0.2.2"]},
        {"Name": "lone", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 60, "Values": ["192.0.2.7"], "HealthCheckId": "down"},
        {"Name": "mixed", "SetIdentifier": "a", "Weight": 1, "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "mixed", "SetIdentifier": "b", "Failover": "PRIMARY", "TTL": 60, "Values": ["192.0.2.2"]},
        {"Name": "twice", "SetIdentifier": "a", "Region": "us-east-1", "TTL": 60, "Values": ["192.0.2.1"]},
        {"Name": "twice", "SetIdentifier": "b", "Region": "us-east-1", "TTL": 60, "Values": ["192.0.2.2"]},
    ]));
    let london_at = Client {
        subnet: None,
        continent: Some(Continent::EU),
        country: Some("GB"),
        position: Some((51.5, -0.12)),
    };
    assert_eq!(answers(&z, "mv", &NOWHERE, &[]), ["192.0.2.1 60", "192.0.2.2 60"]);
    assert_eq!(answers(&z, "mv", &NOWHERE, &["x"]), ["192.0.2.1 60"]);
    // A lone failover set answers unconditionally.
    assert_eq!(answers(&z, "lone", &NOWHERE, &["down"]), ["192.0.2.7 60"]);
    check(&z, &Catalog::builtin(), &[key("lat", "A"), key("prox", "A")]).unwrap();
    // London is nearer eu-west-1 (Ireland) than us-east-1, and nearer the coordinates given
    // in London than us-west-2.
    assert_eq!(answers(&z, "lat", &london_at, &[]), ["192.0.2.2 60"]);
    assert_eq!(answers(&z, "prox", &london_at, &[]), ["192.0.2.2 60"]);
    let e = refused(&z, &[("mixed", "A")]);
    assert!(e.contains("share one routing policy"), "{e}");
    let e = refused(&z, &[("twice", "A")]);
    assert!(e.contains("repeats us-east-1"), "{e}");
}

#[test]
fn record_level_geolocation_matches_the_most_specific_level_the_client_has() {
    let geo = |id: &str, loc: Value, ip: &str, hc: &str| json!({"Name": "geo", "SetIdentifier": id, "GeoLocation": loc, "TTL": 60, "Values": [ip], "HealthCheckId": hc});
    let z = zone(json!([
        geo("wa", json!({"CountryCode": "US", "SubdivisionCode": "WA"}), "192.0.2.1", "wa"),
        geo("us", json!({"CountryCode": "US"}), "192.0.2.2", "us"),
        geo("na", json!({"ContinentCode": "NA"}), "192.0.2.3", "na"),
        geo("any", json!({"CountryCode": "*"}), "192.0.2.9", "any"),
    ]));
    let client =
        |continent, country: Option<&'static str>, sub: Option<&'static str>| ClientLocation {
            continent,
            country: country.and_then(Code::new),
            subdivision: sub.and_then(Code::new),
            scope_prefix: 16,
            ..ClientLocation::UNKNOWN
        };
    let na = Some(Continent::NA);
    // (what the GeoIP entry holds, unhealthy checks, answer)
    let cases: &[(ClientLocation, &[&str], &str)] = &[
        (client(na, Some("US"), Some("WA")), &[], "192.0.2.1"),
        (client(na, Some("US"), Some("WA")), &["wa"], "192.0.2.2"),
        (client(na, Some("US"), Some("WA")), &["wa", "us"], "192.0.2.3"),
        (client(na, Some("US"), Some("WA")), &["wa", "us", "na"], "192.0.2.9"),
        // Every matching location unhealthy: the smallest one answers.
        (client(na, Some("US"), Some("WA")), &["wa", "us", "na", "any"], "192.0.2.1"),
        // A US entry without a state: the country, then the continent.
        (client(na, Some("US"), None), &[], "192.0.2.2"),
        (client(na, Some("US"), None), &["us"], "192.0.2.3"),
        // A state the rules do not list: the country.
        (client(na, Some("US"), Some("OR")), &[], "192.0.2.2"),
        // Only a continent: the continent rule, then the default.
        (client(na, None, None), &[], "192.0.2.3"),
        (client(na, None, None), &["na"], "192.0.2.9"),
        (client(Some(Continent::EU), None, None), &[], "192.0.2.9"),
        // Nothing known: the default only.
        (ClientLocation::UNKNOWN, &[], "192.0.2.9"),
    ];
    let binding = match compile_group(&z, &Catalog::builtin(), &key("geo", "A"), false).unwrap() {
        Compiled::Binding(b) => b,
        Compiled::Records(..) => panic!("a geolocation group is a binding"),
    };
    for (location, unhealthy, want) in cases {
        let health = UnhealthySet {
            health_checks: unhealthy.iter().map(|s| s.to_string()).collect(),
            targets: Vec::new(),
        };
        let q = Query { location, health: &health, latency: &EstimatedLatency, subnet: None };
        let a = binding.policy.evaluate(&q, &mut policy::SplitMix64(1));
        let got: Vec<String> = a
            .endpoint_indices()
            .iter()
            .map(|&i| match &binding.values[i as usize] {
                EndpointData::Set(_, d) => zone::master::data_text(&d[0]),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(got, [*want], "{location:?} with {unhealthy:?} down");
        assert_eq!(a.ecs_scope, location.scope_prefix, "the answer carries the GeoIP scope");
    }
}

/// Routing members are Route 53's, case and all: an unknown one (a lower-case `weight`, a
/// misspelt nested member) is refused, naming it, and never dropped.
#[test]
fn unknown_routing_members_are_refused_not_dropped() {
    for (text, unknown) in [
        (r#"{"weight": 10}"#, "weight"),
        (r#"{"GeoLocation": {"Country": "GB"}}"#, "Country"),
        (
            r#"{"AliasTarget": {"HostedZoneId": "z", "DNSName": "a.", "EvaluateTargetHealth": false, "Extra": 1}}"#,
            "Extra",
        ),
    ] {
        let e = serde_json::from_str::<zone::routing::Routing>(text).unwrap_err().to_string();
        assert!(e.contains(&format!("unknown field `{unknown}`")), "{e}");
    }
    let ok: zone::routing::Routing = serde_json::from_str(r#"{"Weight": 10}"#).unwrap();
    assert_eq!(ok.weight, Some(10));
}
