//! Property tests: `compile` never panics on any input, its diagnostics always point into the
//! document, and randomly generated valid documents always compile and evaluate within the
//! answer invariants.

mod common;
use common::{resolves, run};
use std::collections::BTreeSet;

use policy::codes::{AWS_REGIONS, COUNTRIES, LOCAL_ZONES, SUBDIVISIONS, continent_of};
use policy::{
    ClientLocation, Code, Compilation, Continent, Coordinates, EstimatedLatency, LatencyOracle,
    MAX_ANSWER_VALUES, Policy, Query, SplitMix64, UnhealthySet,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// Shared checks.

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (for longer hunts).
fn config(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        base
    } else {
        ProptestConfig { cases, ..base }
    }
}

/// Every diagnostic of `comp` points into `doc` (which has no duplicate keys).
fn pointers_resolve(doc: &Value, text: &str, comp: &Compilation) -> Result<(), TestCaseError> {
    for d in &comp.diagnostics {
        prop_assert!(resolves(doc, &d.pointer), "pointer of `{}` does not resolve in {}", d, text);
    }
    Ok(())
}

/// Whether some geo rule of the document has no default location.
fn has_geo_without_default(doc: &Value) -> bool {
    let Some(rules) = doc.get("Rules").and_then(Value::as_object) else { return false };
    rules.values().any(|r| {
        r.get("RuleType").and_then(Value::as_str) == Some("geo")
            && !r.get("Locations").and_then(Value::as_array).is_some_and(|locs| {
                locs.iter().any(|l| {
                    matches!(l.get("IsDefault"), Some(Value::Bool(true)))
                        || l.get("IsDefault").and_then(Value::as_str) == Some("true")
                        || l.get("Country").and_then(Value::as_str) == Some("*")
                })
            })
    })
}

/// Measured latencies for some regions, derived from a seed.
struct Measured(u64);

impl LatencyOracle for Measured {
    fn rtt_ms(&self, _: &ClientLocation, region_code: &str) -> Option<f64> {
        let h = region_code.bytes().fold(self.0 ^ 0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        (h % 3 != 0).then_some(((h >> 11) % 500) as f64)
    }
}

/// One query against a policy.
#[derive(Clone, Debug)]
struct Probe {
    client: ClientLocation,
    unhealthy: Vec<String>,
    /// Bit i set: the i-th endpoint's value is an unhealthy alias target.
    target_mask: u16,
    seed: u64,
    measured: Option<u64>,
}

const HEALTH_IDS: &[&str] = &[
    "hc-0",
    "hc-1",
    "hc-2",
    "hc-3",
    "hc-4",
    "hc-5",
    "hc-english",
    "hc-french",
    "hc-german",
    "hc-srv1",
    "hc-srv2",
    "hc-srv3",
    "h",
];

fn arb_client() -> impl Strategy<Value = ClientLocation> {
    let place = prop_oneof![
        Just((None, None, None)),
        (0..COUNTRIES.len()).prop_map(|i| {
            let c = &COUNTRIES[i];
            (Some(c.continent), Code::new(c.code), None)
        }),
        (0..SUBDIVISIONS.len()).prop_map(|i| {
            let s = &SUBDIVISIONS[i];
            let country = Code::new(s.country);
            (country.and_then(continent_of), country, Code::new(s.code))
        }),
        select(Continent::ALL.to_vec()).prop_map(|c| (Some(c), None, None)),
        // Inconsistent or unknown codes: the engine must cope with whatever the data says.
        (prop::option::of(select(Continent::ALL.to_vec())), "[A-Z0-9]{1,3}", "[A-Z0-9]{0,3}")
            .prop_map(|(c, country, sub)| (c, Code::new(&country), Code::new(&sub))),
    ];
    let coordinates = prop::option::of(
        (-90.0f64..=90.0, -180.0f64..=180.0)
            .prop_map(|(latitude, longitude)| Coordinates { latitude, longitude }),
    );
    (place, coordinates, any::<u8>()).prop_map(
        |((continent, country, subdivision), coordinates, scope_prefix)| ClientLocation {
            continent,
            country,
            subdivision,
            coordinates,
            scope_prefix,
        },
    )
}

fn arb_probe() -> impl Strategy<Value = Probe> {
    (
        prop_oneof![Just(ClientLocation::UNKNOWN), arb_client()],
        vec(select(HEALTH_IDS), 0..5),
        prop_oneof![Just(0u16), any::<u16>()],
        any::<u64>(),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(client, unhealthy, target_mask, seed, measured)| Probe {
            client,
            unhealthy: unhealthy.into_iter().map(String::from).collect(),
            target_mask,
            seed,
            measured,
        })
}

/// Evaluates `policy` for every probe and checks the answer invariants.
fn check_answers(
    policy: &Policy,
    geo_without_default: bool,
    probes: &[Probe],
    text: &str,
) -> Result<(), TestCaseError> {
    let n_endpoints = policy.endpoints().len();
    for probe in probes {
        let health = UnhealthySet {
            health_checks: probe.unhealthy.clone(),
            targets: policy
                .endpoints()
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < 16 && probe.target_mask >> i & 1 == 1)
                .map(|(_, e)| e.value.clone())
                .collect(),
        };
        let measured = probe.measured.map(Measured);
        let latency: &dyn LatencyOracle = match &measured {
            Some(m) => m,
            None => &EstimatedLatency,
        };
        let q = Query { location: &probe.client, health: &health, latency, subnet: None };
        let answer = policy.evaluate(&q, &mut SplitMix64(probe.seed));
        let ctx = || format!("document {text}\nprobe {probe:?}\nanswer {answer:?}");

        let indices = answer.endpoint_indices();
        prop_assert_eq!(indices.len(), answer.len());
        prop_assert!(answer.len() <= MAX_ANSWER_VALUES, "more than 8 values: {}", ctx());
        prop_assert!(
            indices.iter().all(|&i| (i as usize) < n_endpoints),
            "endpoint index out of range: {}",
            ctx()
        );
        let unique: BTreeSet<u32> = indices.iter().copied().collect();
        prop_assert_eq!(unique.len(), indices.len(), "duplicate endpoints: {}", ctx());
        prop_assert!(
            answer.ecs_scope == 0 || answer.ecs_scope == probe.client.scope_prefix,
            "ECS scope neither 0 nor the client's prefix: {}",
            ctx()
        );
        prop_assert!(
            !answer.is_empty() || geo_without_default,
            "empty answer although every geo rule has a default: {}",
            ctx()
        );
        if health.health_checks.is_empty() && health.targets.is_empty() && !geo_without_default {
            prop_assert!(answer.healthy, "all healthy, yet the answer is a last resort: {}", ctx());
        }
        // Same inputs, same answer; explain runs the same code.
        let again = policy.evaluate(&q, &mut SplitMix64(probe.seed));
        prop_assert_eq!(again, answer, "evaluation is not deterministic: {}", ctx());
        let (explained, _trace) = policy.explain(&q, &mut SplitMix64(probe.seed));
        prop_assert_eq!(explained, answer, "explain answers differently: {}", ctx());
    }
    Ok(())
}

/// Compiles `doc` and checks everything that holds for any document: no panic, pointers
/// resolve, and a compiled policy evaluates within the invariants.
fn check_any_document(doc: &Value, pretty: bool, probes: &[Probe]) -> Result<(), TestCaseError> {
    let text = if pretty {
        serde_json::to_string_pretty(doc).unwrap_or_default()
    } else {
        doc.to_string()
    };
    let comp = run(&text);
    pointers_resolve(doc, &text, &comp)?;
    prop_assert_eq!(comp.policy.is_some(), comp.errors().next().is_none());
    if let Some(policy) = &comp.policy {
        check_answers(policy, has_geo_without_default(doc), probes, &text)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (a) arbitrary text.

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..1024)) {
        let text = String::from_utf8_lossy(&bytes);
        let comp = run(&text);
        prop_assert!(comp.policy.is_none() || comp.errors().next().is_none());
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let comp = run(&text);
        prop_assert!(comp.policy.is_none() || comp.errors().next().is_none());
    }

    /// Text made of JSON punctuation and vocabulary, which gets past the tokenizer far more
    /// often than random bytes do.
    #[test]
    fn json_like_text_never_panics(
        parts in vec(prop_oneof![
            select(vec!["{", "}", "[", "]", ",", ":", "\"", " ", "\n", "0", "-1", "2.50", "1e400",
                        "true", "null", "\\u0000", "\\ud800", "\"\"", "\"A\""]).prop_map(String::from),
            select(KEYS).prop_map(|k| format!("\"{k}\"")),
            select(WORDS).prop_map(|w| format!("\"{w}\"")),
        ], 0..64),
    ) {
        let text = parts.concat();
        let _ = run(&text);
        let wrapped = format!("{{{text}}}");
        let _ = run(&wrapped);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) arbitrary JSON values.

const KEYS: &[&str] = &[
    "AWSPolicyFormatVersion",
    "RecordType",
    "StartRule",
    "StartEndpoint",
    "Endpoints",
    "Rules",
    "Type",
    "Value",
    "Region",
    "RuleType",
    "Primary",
    "Secondary",
    "Locations",
    "Regions",
    "GeoproximityLocations",
    "Items",
    "EndpointReference",
    "RuleReference",
    "EvaluateTargetHealth",
    "HealthCheck",
    "IsDefault",
    "Continent",
    "Country",
    "Subdivision",
    "Bias",
    "Weight",
    "Latitude",
    "Longitude",
    "Location",
    "LocationName",
];

const WORDS: &[&str] = &[
    "2015-10-01",
    "2023-05-09",
    "A",
    "AAAA",
    "MX",
    "TXT",
    "CNAME",
    "SRV",
    "CAA",
    "NAPTR",
    "a",
    "value",
    "cloudfront",
    "s3-website",
    "elastic-load-balancer",
    "failover",
    "geo",
    "geoproximity",
    "latency",
    "multivalue",
    "weighted",
    "geolocation",
    "e1",
    "e2",
    "r1",
    "r2",
    "a/b",
    "~0",
    "us-east-1",
    "eu-west-1",
    "aws:route53:us-east-1",
    "aws:route53:us-east-1-atl-1a",
    "Region",
    "LocalZone",
    "Coordinate",
    "US",
    "UA",
    "FR",
    "BV",
    "us",
    "WA",
    "30",
    "XX",
    "EU",
    "NA",
    "*",
    "true",
    "false",
    "yes",
    "51.50",
    "-0.16",
    "40.7128",
    "-99",
    "100",
    "3",
    "255",
    "256",
    "192.0.2.1",
    "2001:db8::1",
    "10 mail.example.com",
    "0 issue \"ca.example.net\"",
    "\"txt\"",
    "www.example.com",
    "hc-1",
    "",
    " ",
];

const RULE_TYPES: &[&str] =
    &["failover", "geo", "geoproximity", "latency", "multivalue", "weighted", "Geo", "other"];

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![4 => select(WORDS).prop_map(String::from), 1 => ".{0,10}"]
}

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KEYS).prop_map(String::from),
        1 => select(WORDS).prop_map(String::from),
        1 => ".{0,8}",
    ]
}

fn arb_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => (-300i64..300).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => (-20000i32..20000, 0u32..4).prop_map(|(n, d)| json!(f64::from(n) / 10f64.powi(d as i32))),
        1 => any::<f64>().prop_map(|f| json!(f)),
        6 => arb_string().prop_map(Value::String),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    arb_scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((arb_key(), inner), 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object(members: Vec<(String, Value)>) -> Value {
    Value::Object(members.into_iter().collect())
}

/// A field value: mostly a scalar, sometimes any JSON.
fn arb_field() -> impl Strategy<Value = Value> {
    prop_oneof![5 => arb_scalar(), 1 => arb_json()]
}

/// An object of policy-ish fields (an entry, a branch, an endpoint, a Location).
fn arb_fields(max: usize) -> impl Strategy<Value = Value> {
    vec((select(KEYS).prop_map(String::from), arb_field()), 0..max).prop_map(object)
}

/// Plausible members of rule entries and branches: mostly valid, some subtly wrong.
fn plausible_members() -> Vec<(&'static str, Value)> {
    vec![
        ("EndpointReference", json!("e1")),
        ("EndpointReference", json!("e2")),
        ("EndpointReference", json!("r1")),
        ("RuleReference", json!("r1")),
        ("RuleReference", json!("r2")),
        ("RuleReference", json!("e1")),
        ("HealthCheck", json!("hc-1")),
        ("HealthCheck", json!("hc-2")),
        ("EvaluateTargetHealth", json!(true)),
        ("EvaluateTargetHealth", json!("false")),
        ("Country", json!("US")),
        ("Country", json!("FR")),
        ("Country", json!("*")),
        ("Country", json!("ZZ")),
        ("Continent", json!("EU")),
        ("Subdivision", json!("WA")),
        ("IsDefault", json!(true)),
        ("IsDefault", json!("true")),
        ("Region", json!("us-east-1")),
        ("Region", json!("eu-west-1")),
        ("Region", json!("aws:route53:us-east-1")),
        ("Weight", json!(3)),
        ("Weight", json!("0")),
        ("Weight", json!(256)),
        ("Bias", json!(10)),
        ("Bias", json!("-99")),
        ("Latitude", json!("51.50")),
        ("Longitude", json!("-0.16")),
        ("Latitude", json!(40.7128)),
        ("Location", json!({"Type": "Region", "LocationName": "aws:route53:eu-west-1"})),
        ("Location", json!({"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-atl-1a"})),
        ("Location", json!({"Type": "Coordinate", "Latitude": "1.5", "Longitude": 2})),
    ]
}

fn arb_entry() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (
            vec(select(plausible_members()), 1..5),
            vec((select(KEYS).prop_map(String::from), arb_field()), 0..2),
        )
            .prop_map(|(members, extra)| {
                let mut m: Map<String, Value> =
                    members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                if extra.len() == 1 {
                    m.extend(extra);
                }
                Value::Object(m)
            }),
        1 => arb_fields(6),
    ]
}

fn arb_rule() -> impl Strategy<Value = Value> {
    (
        select(RULE_TYPES),
        prop::bool::weighted(0.85),
        select(vec!["Locations", "Regions", "GeoproximityLocations", "Items"]),
        vec(arb_entry(), 0..5),
        vec((select(vec!["Primary", "Secondary"]), arb_entry()), 0..3),
        vec((select(KEYS).prop_map(String::from), arb_field()), 0..2),
    )
        .prop_map(|(rule_type, matching, other_key, entries, sides, extra)| {
            let mut m = Map::new();
            m.insert("RuleType".into(), json!(rule_type));
            let list_key = match (matching, rule_type) {
                (true, "geo") => Some("Locations"),
                (true, "latency") => Some("Regions"),
                (true, "geoproximity") => Some("GeoproximityLocations"),
                (true, "weighted" | "multivalue") => Some("Items"),
                (true, "failover") => None,
                _ => Some(other_key),
            };
            match list_key {
                Some(k) => {
                    m.insert(k.into(), Value::Array(entries));
                }
                None => {
                    let mut e = entries.into_iter();
                    m.insert(
                        "Primary".into(),
                        e.next().unwrap_or_else(|| json!({"EndpointReference": "e1"})),
                    );
                    m.insert(
                        "Secondary".into(),
                        e.next().unwrap_or_else(|| json!({"EndpointReference": "e2"})),
                    );
                }
            }
            if !matching {
                for (k, e) in sides {
                    m.insert(k.into(), e);
                }
            }
            if extra.len() == 1 {
                m.extend(extra);
            }
            Value::Object(m)
        })
}

fn arb_endpoint() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (
            select(vec!["value", "value", "cloudfront", "s3-website", "elastic-load-balancer", "lambda"]),
            select(vec!["192.0.2.1", "192.0.2.2", "2001:db8::1", "www.example.com", "10 mail.example.com", "not a name"]),
            prop::option::weighted(0.2, select(vec!["us-east-1", "mars-1"])),
        )
            .prop_map(|(t, v, r)| {
                let mut e = json!({"Type": t, "Value": v});
                if let Some(r) = r {
                    e["Region"] = json!(r);
                }
                e
            }),
        1 => arb_fields(4),
    ]
}

fn arb_id() -> impl Strategy<Value = String> {
    prop_oneof![6 => select(vec!["e1", "e2", "r1", "r2", "a/b"]).prop_map(String::from), 1 => ".{0,6}"]
}

/// Documents with the right overall shape and plausible insides, which reach the later checks
/// (references, record types, cycles, lints) and evaluation far more often than arbitrary JSON.
fn arb_shaped_document() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.95, prop_oneof![8 => select(vec!["2015-10-01", "2023-05-09"]).prop_map(|v| json!(v)), 1 => arb_field()]),
        prop::option::weighted(0.95, prop_oneof![6 => Just(json!("A")), 2 => select(vec!["AAAA", "MX", "TXT"]).prop_map(|v| json!(v)), 1 => arb_field()]),
        prop::option::weighted(0.8, select(vec!["r1", "r2", "e1"])),
        prop::option::weighted(0.2, select(vec!["e1", "e2", "r1"])),
        vec((select(vec!["e1", "e1", "e2", "e3"]).prop_map(String::from), arb_endpoint()), 0..4),
        vec((arb_id(), arb_rule()), 0..4),
        vec((arb_key(), arb_field()), 0..2),
    )
        .prop_map(|(version, record_type, start_rule, start_endpoint, endpoints, rules, extra)| {
            let mut m = Map::new();
            if extra.len() == 1 {
                m.extend(extra);
            }
            if let Some(v) = version {
                m.insert("AWSPolicyFormatVersion".into(), v);
            }
            if let Some(v) = record_type {
                m.insert("RecordType".into(), v);
            }
            if let Some(v) = start_rule {
                m.insert("StartRule".into(), json!(v));
            }
            if let Some(v) = start_endpoint {
                m.insert("StartEndpoint".into(), json!(v));
            }
            m.insert("Endpoints".into(), object(endpoints));
            m.insert("Rules".into(), object(rules));
            Value::Object(m)
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_json_never_panics(doc in arb_json(), pretty in any::<bool>(), probes in vec(arb_probe(), 1..4)) {
        check_any_document(&doc, pretty, &probes)?;
    }

    #[test]
    fn document_shaped_json_never_panics(doc in arb_shaped_document(), probes in vec(arb_probe(), 1..4)) {
        check_any_document(&doc, false, &probes)?;
    }
}

// ---------------------------------------------------------------------------------------------
// (c) mutated example documents.

/// Reads a test input; the crate's clippy.toml bans file reads in the library, not in tests.
#[allow(clippy::disallowed_methods)]
fn read_text(path: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn examples() -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "json"));
    paths.sort();
    paths
        .iter()
        .filter_map(|p| read_text(p))
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(Vec<u32>),
    Insert(Vec<u32>, String, Value),
    Replace(Vec<u32>, Value),
    Swap(Vec<u32>, Vec<u32>),
    Rename(Vec<u32>, String),
    Duplicate(Vec<u32>),
}

fn arb_path() -> impl Strategy<Value = Vec<u32>> {
    vec(any::<u32>(), 0..7)
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        arb_path().prop_map(Mutation::Delete),
        (arb_path(), arb_key(), arb_field()).prop_map(|(p, k, v)| Mutation::Insert(p, k, v)),
        (arb_path(), arb_field()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        (arb_path(), arb_path()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (arb_path(), arb_key()).prop_map(|(p, k)| Mutation::Rename(p, k)),
        arb_path().prop_map(Mutation::Duplicate),
    ]
}

/// Walks from the root by `selectors` (each picks a child; 0 mod 5 stops early) and returns the
/// tokens of the node reached.
fn locate(doc: &Value, selectors: &[u32]) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = doc;
    for &s in selectors {
        if s % 5 == 0 {
            break;
        }
        let next = match cur {
            Value::Object(m) if !m.is_empty() => {
                m.iter().nth(s as usize % m.len()).map(|(k, v)| (k.clone(), v))
            }
            Value::Array(a) if !a.is_empty() => {
                let i = s as usize % a.len();
                Some((i.to_string(), &a[i]))
            }
            _ => None,
        };
        let Some((token, v)) = next else { break };
        tokens.push(token);
        cur = v;
    }
    tokens
}

fn node_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    tokens.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

fn node<'a>(doc: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn apply(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::Delete(p) => {
            let tokens = locate(doc, p);
            if let Some((last, parent)) = tokens.split_last() {
                match node_mut(doc, parent) {
                    Some(Value::Object(o)) => {
                        o.remove(last);
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Insert(p, key, value) => {
            let mut tokens = locate(doc, p);
            if !node(doc, &tokens).is_some_and(|n| n.is_object() || n.is_array()) {
                tokens.pop();
            }
            match node_mut(doc, &tokens) {
                Some(Value::Object(o)) => {
                    o.insert(key.clone(), value.clone());
                }
                Some(Value::Array(a)) => {
                    let at = key.len() % (a.len() + 1);
                    a.insert(at, value.clone());
                }
                _ => {}
            }
        }
        Mutation::Replace(p, value) => {
            let tokens = locate(doc, p);
            if let Some(n) = node_mut(doc, &tokens) {
                *n = value.clone();
            }
        }
        Mutation::Swap(a, b) => {
            let (ta, tb) = (locate(doc, a), locate(doc, b));
            if ta.starts_with(&tb) || tb.starts_with(&ta) {
                return;
            }
            let (Some(va), Some(vb)) = (node(doc, &ta).cloned(), node(doc, &tb).cloned()) else {
                return;
            };
            if let Some(n) = node_mut(doc, &ta) {
                *n = vb;
            }
            if let Some(n) = node_mut(doc, &tb) {
                *n = va;
            }
        }
        Mutation::Rename(p, key) => {
            let tokens = locate(doc, p);
            if let Some((last, parent)) = tokens.split_last()
                && let Some(Value::Object(o)) = node_mut(doc, parent)
                && let Some(v) = o.remove(last)
            {
                o.insert(key.clone(), v);
            }
        }
        Mutation::Duplicate(p) => {
            // Copies a rule or endpoint under a new id, or an array element in place.
            let tokens = locate(doc, p);
            if let Some((last, parent)) = tokens.split_last() {
                match node_mut(doc, parent) {
                    Some(Value::Object(o)) => {
                        if let Some(v) = o.get(last).cloned() {
                            o.insert(format!("{last}-copy"), v);
                        }
                    }
                    Some(Value::Array(a)) => {
                        if let Some(v) = last.parse::<usize>().ok().and_then(|i| a.get(i)).cloned()
                        {
                            a.push(v);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn mutated_examples_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in vec(arb_mutation(), 1..5),
        pretty in any::<bool>(),
        probes in vec(arb_probe(), 1..4),
    ) {
        let all = examples();
        prop_assert!(!all.is_empty(), "no example documents found");
        let mut doc = which.get(&all).clone();
        for m in &mutations {
            apply(&mut doc, m);
        }
        check_any_document(&doc, pretty, &probes)?;
    }
}

// ---------------------------------------------------------------------------------------------
// (d) randomly generated valid documents.

#[derive(Clone, Debug)]
struct BranchSpec {
    to_rule: bool,
    pick: usize,
    health_check: Option<u8>,
    /// EvaluateTargetHealth: (value, written as a string).
    eth: Option<(bool, bool)>,
}

#[derive(Clone, Debug)]
enum SiteSpec {
    Region(usize),
    LocalZone(usize),
    /// Hundredths of a degree, and whether written as strings.
    Coordinate(i32, i32, bool),
}

/// A geoproximity Bias, if any: value, and whether written as a string.
type BiasSpec = Option<(i8, bool)>;

#[derive(Clone, Debug)]
enum RuleSpec {
    Failover(BranchSpec, BranchSpec),
    Geo {
        /// Indices into the pool of continents, countries and subdivisions.
        entries: Vec<(usize, BranchSpec)>,
        /// Position, written as `Country: "*"` (else `IsDefault: true`), branch.
        default: Option<(usize, bool, BranchSpec)>,
    },
    Latency(Vec<(usize, BranchSpec)>),
    /// Site, bias (value, as a string), branch.
    Geoproximity(Vec<(SiteSpec, BiasSpec, BranchSpec)>),
    /// Weight, as a string, branch.
    Weighted(Vec<(u8, bool, BranchSpec)>),
    /// Endpoint pick, health check.
    Multivalue(Vec<(usize, Option<u8>)>),
}

#[derive(Clone, Debug)]
struct DocSpec {
    v2023: bool,
    endpoints: Vec<[u8; 4]>,
    rules: Vec<RuleSpec>,
    start_endpoint: Option<usize>,
    odd_ids: bool,
}

fn arb_branch() -> impl Strategy<Value = BranchSpec> {
    (
        any::<bool>(),
        any::<usize>(),
        prop::option::of(0u8..6),
        prop::option::of(any::<(bool, bool)>()),
    )
        .prop_map(|(to_rule, pick, health_check, eth)| BranchSpec {
            to_rule,
            pick,
            health_check,
            eth,
        })
}

fn geo_pool_len() -> usize {
    Continent::ALL.len() + COUNTRIES.len() + SUBDIVISIONS.len()
}

fn arb_site() -> impl Strategy<Value = SiteSpec> {
    prop_oneof![
        (0..AWS_REGIONS.len()).prop_map(SiteSpec::Region),
        (0..LOCAL_ZONES.len()).prop_map(SiteSpec::LocalZone),
        (-9000i32..=9000, -18000i32..=18000, any::<bool>())
            .prop_map(|(la, lo, s)| SiteSpec::Coordinate(la, lo, s)),
    ]
}

fn arb_rule_spec() -> impl Strategy<Value = RuleSpec> {
    prop_oneof![
        (arb_branch(), arb_branch()).prop_map(|(p, s)| RuleSpec::Failover(p, s)),
        (
            vec((0..geo_pool_len(), arb_branch()), 0..6),
            prop::option::of((any::<usize>(), any::<bool>(), arb_branch())),
        )
            .prop_filter("a geo rule needs an entry", |(e, d)| !e.is_empty() || d.is_some())
            .prop_map(|(entries, default)| RuleSpec::Geo { entries, default }),
        vec((0..AWS_REGIONS.len(), arb_branch()), 1..6).prop_map(RuleSpec::Latency),
        vec((arb_site(), prop::option::of((-99i8..=99, any::<bool>())), arb_branch()), 1..6)
            .prop_map(RuleSpec::Geoproximity),
        vec((any::<u8>(), any::<bool>(), arb_branch()), 1..7).prop_map(RuleSpec::Weighted),
        vec((any::<usize>(), prop::option::of(0u8..6)), 1..20).prop_map(RuleSpec::Multivalue),
    ]
}

fn arb_doc_spec(rules: std::ops::Range<usize>) -> impl Strategy<Value = DocSpec> {
    (
        any::<bool>(),
        vec(any::<[u8; 4]>(), 1..11),
        vec(arb_rule_spec(), rules),
        prop::option::weighted(0.1, any::<usize>()),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(v2023, endpoints, rules, start_endpoint, odd_ids)| DocSpec {
            v2023,
            endpoints,
            rules,
            start_endpoint,
            odd_ids,
        })
}

impl DocSpec {
    fn rule_id(&self, i: usize) -> String {
        if self.odd_ids { format!("rule/{i}~x") } else { format!("r{i}") }
    }

    fn endpoint_id(&self, i: usize) -> String {
        if self.odd_ids { format!("ep~{i}/") } else { format!("e{i}") }
    }

    fn endpoint_ref(&self, pick: usize) -> String {
        self.endpoint_id(pick % self.endpoints.len())
    }

    /// The branch members of `b` in rule `i`: a child rule after `i` (so the graph is a DAG)
    /// or an endpoint.
    fn branch(&self, i: usize, b: &BranchSpec) -> Map<String, Value> {
        let mut m = Map::new();
        let n = self.rules.len();
        if b.to_rule && i + 1 < n {
            let child = i + 1 + b.pick % (n - i - 1);
            m.insert("RuleReference".into(), json!(self.rule_id(child)));
        } else {
            m.insert("EndpointReference".into(), json!(self.endpoint_ref(b.pick)));
        }
        if let Some(h) = b.health_check {
            m.insert("HealthCheck".into(), json!(format!("hc-{h}")));
        }
        if let Some((v, as_string)) = b.eth {
            m.insert(
                "EvaluateTargetHealth".into(),
                if as_string { json!(v.to_string()) } else { json!(v) },
            );
        }
        m
    }

    fn with(&self, i: usize, b: &BranchSpec, fields: Value) -> Value {
        let mut m = self.branch(i, b);
        if let Value::Object(f) = fields {
            m.extend(f);
        }
        Value::Object(m)
    }

    fn geo_location(p: usize) -> Value {
        let continents = Continent::ALL.len();
        if p < continents {
            json!({"Continent": Continent::ALL[p].code()})
        } else if p < continents + COUNTRIES.len() {
            json!({"Country": COUNTRIES[p - continents].code})
        } else {
            let s = &SUBDIVISIONS[p - continents - COUNTRIES.len()];
            json!({"Country": s.country, "Subdivision": s.code})
        }
    }

    fn coordinate(hundredths: i32, as_string: bool) -> Value {
        let x = f64::from(hundredths) / 100.0;
        if as_string { json!(format!("{x:.2}")) } else { json!(x) }
    }

    fn site(&self, site: &SiteSpec) -> (String, Value) {
        match (site, self.v2023) {
            (SiteSpec::LocalZone(z), true) => {
                let name = format!("aws:route53:{}", LOCAL_ZONES[*z].code);
                (format!("L{z}"), json!({"Location": {"Type": "LocalZone", "LocationName": name}}))
            }
            (SiteSpec::Region(r), v2023) | (SiteSpec::LocalZone(r), v2023) => {
                let r = r % AWS_REGIONS.len();
                let name = format!("aws:route53:{}", AWS_REGIONS[r].code);
                let fields = if v2023 {
                    json!({"Location": {"Type": "Region", "LocationName": name}})
                } else {
                    json!({"Region": name})
                };
                (format!("R{r}"), fields)
            }
            (SiteSpec::Coordinate(la, lo, s), v2023) => {
                let (lat, lon) = (Self::coordinate(*la, *s), Self::coordinate(*lo, *s));
                let fields = if v2023 {
                    json!({"Location": {"Type": "Coordinate", "Latitude": lat, "Longitude": lon}})
                } else {
                    json!({"Latitude": lat, "Longitude": lon})
                };
                (format!("C{la},{lo}"), fields)
            }
        }
    }

    fn rule(&self, i: usize, r: &RuleSpec) -> Value {
        match r {
            RuleSpec::Failover(p, s) => json!({
                "RuleType": "failover",
                "Primary": Value::Object(self.branch(i, p)),
                "Secondary": Value::Object(self.branch(i, s)),
            }),
            RuleSpec::Geo { entries, default } => {
                let mut seen = BTreeSet::new();
                let mut locations: Vec<Value> = entries
                    .iter()
                    .filter(|(p, _)| seen.insert(*p))
                    .map(|(p, b)| self.with(i, b, Self::geo_location(*p)))
                    .collect();
                if let Some((at, star, b)) = default {
                    let fields =
                        if *star { json!({"Country": "*"}) } else { json!({"IsDefault": true}) };
                    let at = at % (locations.len() + 1);
                    locations.insert(at, self.with(i, b, fields));
                }
                json!({"RuleType": "geo", "Locations": locations})
            }
            RuleSpec::Latency(entries) => {
                let mut seen = BTreeSet::new();
                let regions: Vec<Value> = entries
                    .iter()
                    .filter(|(r, _)| seen.insert(*r))
                    .map(|(r, b)| self.with(i, b, json!({"Region": AWS_REGIONS[*r].code})))
                    .collect();
                json!({"RuleType": "latency", "Regions": regions})
            }
            RuleSpec::Geoproximity(entries) => {
                let mut seen = BTreeSet::new();
                let mut locations = Vec::new();
                for (site, bias, b) in entries {
                    let (key, mut fields) = self.site(site);
                    if !seen.insert(key) {
                        continue;
                    }
                    if let (Some((v, as_string)), Some(m)) = (bias, fields.as_object_mut()) {
                        m.insert(
                            "Bias".into(),
                            if *as_string { json!(v.to_string()) } else { json!(v) },
                        );
                    }
                    locations.push(self.with(i, b, fields));
                }
                json!({"RuleType": "geoproximity", "GeoproximityLocations": locations})
            }
            RuleSpec::Weighted(items) => {
                let items: Vec<Value> = items
                    .iter()
                    .map(|(w, as_string, b)| {
                        let w = if *as_string { json!(w.to_string()) } else { json!(w) };
                        self.with(i, b, json!({"Weight": w}))
                    })
                    .collect();
                json!({"RuleType": "weighted", "Items": items})
            }
            RuleSpec::Multivalue(items) => {
                // Each endpoint at most once: a multivalue rule answers distinct values.
                let mut seen = std::collections::HashSet::new();
                let items: Vec<Value> = items
                    .iter()
                    .filter(|(pick, _)| seen.insert(self.endpoint_ref(*pick)))
                    .map(|(pick, hc)| {
                        let mut m = json!({"EndpointReference": self.endpoint_ref(*pick)});
                        if let Some(h) = hc {
                            m["HealthCheck"] = json!(format!("hc-{h}"));
                        }
                        m
                    })
                    .collect();
                json!({"RuleType": "multivalue", "Items": items})
            }
        }
    }

    fn document(&self) -> Value {
        let endpoints: Map<String, Value> = self
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, [a, b, c, d])| {
                (self.endpoint_id(i), json!({"Type": "value", "Value": format!("{a}.{b}.{c}.{d}")}))
            })
            .collect();
        let rules: Map<String, Value> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (self.rule_id(i), self.rule(i, r)))
            .collect();
        let mut doc = json!({
            "AWSPolicyFormatVersion": if self.v2023 { "2023-05-09" } else { "2015-10-01" },
            "RecordType": "A",
            "Endpoints": endpoints,
            "Rules": rules,
        });
        match (self.start_endpoint, self.rules.is_empty()) {
            (Some(e), _) => doc["StartEndpoint"] = json!(self.endpoint_ref(e)),
            (None, true) => doc["StartEndpoint"] = json!(self.endpoint_id(0)),
            (None, false) => doc["StartRule"] = json!(self.rule_id(0)),
        }
        doc
    }

    fn has_geo_without_default(&self) -> bool {
        self.rules.iter().any(|r| matches!(r, RuleSpec::Geo { default: None, .. }))
    }
}

fn check_generated(spec: &DocSpec, probes: &[Probe]) -> Result<(), TestCaseError> {
    let doc = spec.document();
    let text = doc.to_string();
    let comp = run(&text);
    let errors: Vec<String> = comp.errors().map(ToString::to_string).collect();
    prop_assert!(
        errors.is_empty(),
        "generated document rejected:\n{}\n{}",
        errors.join("\n"),
        text
    );
    pointers_resolve(&doc, &text, &comp)?;
    let Some(policy) = &comp.policy else {
        return Err(TestCaseError::fail(format!("no policy and no error for {text}")));
    };
    prop_assert_eq!(policy.rule_count(), spec.rules.len());
    prop_assert_eq!(policy.endpoints().len(), spec.endpoints.len());
    prop_assert_eq!(has_geo_without_default(&doc), spec.has_geo_without_default());
    check_answers(policy, spec.has_geo_without_default(), probes, &text)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_documents_compile_and_evaluate(
        spec in arb_doc_spec(0..9),
        probes in vec(arb_probe(), 1..12),
    ) {
        check_generated(&spec, &probes)?;
    }
}

proptest! {
    // More than 128 rules: per-query rule health no longer fits the on-stack memo.
    #![proptest_config(config(12))]

    #[test]
    fn generated_wide_documents_compile_and_evaluate(
        spec in arb_doc_spec(129..170),
        probes in vec(arb_probe(), 1..6),
    ) {
        check_generated(&spec, &probes)?;
    }
}
