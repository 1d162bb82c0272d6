//! Statistical checks of the random routing policies (spec 3.7 weighted, 3.8 multivalue):
//! many draws from a fixed-seed `SplitMix64`, so the results are deterministic, compared with
//! the shares the spec prescribes. Tolerances are several standard deviations wide.

use std::collections::BTreeMap;

use policy::codes::Catalog;
use policy::{ClientLocation, EstimatedLatency, Policy, Query, SplitMix64, UnhealthySet};
use serde_json::json;

fn compile(doc: &serde_json::Value) -> Policy {
    let text = serde_json::to_string(doc).expect("serializable");
    let c = policy::compile(&text, &Catalog::builtin());
    let errors: Vec<_> = c.errors().collect();
    assert!(errors.is_empty(), "document does not compile: {errors:?}");
    c.policy.expect("compiled")
}

/// A weighted rule over value endpoints `(id, weight, health check id)`.
fn weighted(items: &[(&str, u8, &str)]) -> Policy {
    let endpoints: serde_json::Map<_, _> = items
        .iter()
        .enumerate()
        .map(|(i, (id, _, _))| {
            (id.to_string(), json!({ "Type": "value", "Value": format!("192.0.2.{}", i + 1) }))
        })
        .collect();
    let rule_items: Vec<_> = items
        .iter()
        .map(|(id, w, hc)| json!({ "EndpointReference": id, "Weight": w, "HealthCheck": hc }))
        .collect();
    compile(&json!({
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": "A",
        "StartRule": "split",
        "Endpoints": endpoints,
        "Rules": { "split": { "RuleType": "weighted", "Items": rule_items } }
    }))
}

/// A multivalue rule over `n` value endpoints `v00..`, each with health check `hc-vNN`.
fn multivalue(n: usize) -> Policy {
    let endpoints: serde_json::Map<_, _> = (0..n)
        .map(|i| {
            (format!("v{i:02}"), json!({ "Type": "value", "Value": format!("192.0.2.{}", i + 1) }))
        })
        .collect();
    let items: Vec<_> = (0..n)
        .map(|i| json!({ "EndpointReference": format!("v{i:02}"), "HealthCheck": format!("hc-v{i:02}") }))
        .collect();
    compile(&json!({
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": "A",
        "StartRule": "many",
        "Endpoints": endpoints,
        "Rules": { "many": { "RuleType": "multivalue", "Items": items } }
    }))
}

/// How often each endpoint id appears over `draws` evaluations with one seeded stream, and
/// every answer's length.
fn tally(
    p: &Policy,
    unhealthy: &[&str],
    draws: usize,
    seed: u64,
) -> (BTreeMap<String, usize>, BTreeMap<usize, usize>) {
    let health = UnhealthySet {
        health_checks: unhealthy.iter().map(|s| s.to_string()).collect(),
        targets: Vec::new(),
    };
    let loc = ClientLocation::UNKNOWN;
    let q = Query { location: &loc, health: &health, latency: &EstimatedLatency, subnet: None };
    let mut rng = SplitMix64(seed);
    let mut counts = BTreeMap::new();
    let mut lens = BTreeMap::new();
    for _ in 0..draws {
        let a = p.evaluate(&q, &mut rng);
        *lens.entry(a.len()).or_insert(0) += 1;
        for e in a.endpoints(p) {
            *counts.entry(e.id.clone()).or_insert(0) += 1;
        }
    }
    (counts, lens)
}

/// Asserts each id's share of `draws` is within `tol` of the expected share (ids not listed
/// must not appear at all).
fn assert_shares(counts: &BTreeMap<String, usize>, draws: usize, want: &[(&str, f64)], tol: f64) {
    let mut problems = Vec::new();
    for (id, share) in want {
        let got = *counts.get(*id).unwrap_or(&0) as f64 / draws as f64;
        if (got - share).abs() > tol {
            problems.push(format!("{id}: expected {share:.4} +- {tol}, got {got:.4}"));
        }
    }
    for (id, n) in counts {
        if !want.iter().any(|(w, _)| w == id) {
            problems.push(format!("{id} must never appear, appeared {n} times"));
        }
    }
    assert!(
        problems.is_empty(),
        "shares off over {draws} draws: {problems:#?} (counts {counts:?})"
    );
}

const DRAWS: usize = 100_000;
/// One percentage point: for p = 0.6 and 100,000 draws one standard deviation is 0.15 points.
const TOL: f64 = 0.01;

#[test]
fn weighted_3_1_1_splits_60_20_20() {
    // Spec 3.7: probability of an item = weight / sum(weights of eligible items).
    let p = weighted(&[("srv1", 3, "hc-srv1"), ("srv2", 1, "hc-srv2"), ("srv3", 1, "hc-srv3")]);
    for seed in [1, 0x5eed, 2024] {
        let (counts, _) = tally(&p, &[], DRAWS, seed);
        assert_shares(&counts, DRAWS, &[("srv1", 0.6), ("srv2", 0.2), ("srv3", 0.2)], TOL);
    }
}

#[test]
fn weighted_with_one_unhealthy_splits_among_the_eligible() {
    // Spec 3.7: the sum runs over eligible (healthy) items only.
    let p = weighted(&[("srv1", 3, "hc-srv1"), ("srv2", 1, "hc-srv2"), ("srv3", 1, "hc-srv3")]);
    let (counts, _) = tally(&p, &["hc-srv1"], DRAWS, 7);
    assert_shares(&counts, DRAWS, &[("srv2", 0.5), ("srv3", 0.5)], TOL);
    let (counts, _) = tally(&p, &["hc-srv3"], DRAWS, 8);
    assert_shares(&counts, DRAWS, &[("srv1", 0.75), ("srv2", 0.25)], TOL);
}

#[test]
fn weighted_all_unhealthy_still_splits_by_weight() {
    // Spec 3.7: all unhealthy -> last resort: treat all as healthy, choose by weight.
    let p = weighted(&[
        ("srv1", 3, "hc-srv1"),
        ("srv2", 1, "hc-srv2"),
        ("srv3", 1, "hc-srv3"),
        ("idle", 0, "hc-idle"),
    ]);
    let (counts, _) = tally(&p, &["hc-srv1", "hc-srv2", "hc-srv3", "hc-idle"], DRAWS, 9);
    assert_shares(&counts, DRAWS, &[("srv1", 0.6), ("srv2", 0.2), ("srv3", 0.2)], TOL);
}

#[test]
fn weighted_all_zero_is_an_equal_split() {
    // Spec 3.7: weight 0 is never chosen... unless all items are 0 -> equal probability.
    let p = weighted(&[("x", 0, "hc-x"), ("y", 0, "hc-y"), ("w", 0, "hc-w")]);
    let third = 1.0 / 3.0;
    let (counts, _) = tally(&p, &[], DRAWS, 10);
    assert_shares(&counts, DRAWS, &[("x", third), ("y", third), ("w", third)], TOL);
}

#[test]
fn weighted_zero_weight_items_share_equally_when_the_actives_are_down() {
    // Spec 3.7: if all non-zero items are unhealthy, zero-weight items are considered.
    let p = weighted(&[("a", 2, "hc-a"), ("p1", 0, "hc-p1"), ("b", 1, "hc-b"), ("p2", 0, "hc-p2")]);
    let (counts, _) = tally(&p, &[], DRAWS, 11);
    assert_shares(&counts, DRAWS, &[("a", 2.0 / 3.0), ("b", 1.0 / 3.0)], TOL);
    let (counts, _) = tally(&p, &["hc-a", "hc-b"], DRAWS, 12);
    assert_shares(&counts, DRAWS, &[("p1", 0.5), ("p2", 0.5)], TOL);
}

#[test]
fn multivalue_20_healthy_gives_each_item_8_in_20() {
    // Spec 3.8: up to 8 healthy values, chosen approximately at random.
    const N: usize = 20;
    const MV_DRAWS: usize = 40_000;
    let p = multivalue(N);
    let (counts, lens) = tally(&p, &[], MV_DRAWS, 42);
    assert_eq!(lens, BTreeMap::from([(8, MV_DRAWS)]), "every answer holds exactly 8 values");
    // One standard deviation of a share of 0.4 over 40,000 draws is 0.25 points; allow 1.5.
    let want: Vec<(String, f64)> = (0..N).map(|i| (format!("v{i:02}"), 8.0 / 20.0)).collect();
    let want: Vec<(&str, f64)> = want.iter().map(|(s, f)| (s.as_str(), *f)).collect();
    assert_shares(&counts, MV_DRAWS, &want, 0.015);
}

#[test]
fn multivalue_excludes_unhealthy_and_spreads_over_the_rest() {
    // Spec 3.8: 15 of 20 healthy -> 8 of those 15, each 8/15 of the time; never the others.
    const N: usize = 20;
    const MV_DRAWS: usize = 40_000;
    let p = multivalue(N);
    let down: Vec<String> = (0..5).map(|i| format!("hc-v{i:02}")).collect();
    let down: Vec<&str> = down.iter().map(String::as_str).collect();
    let (counts, lens) = tally(&p, &down, MV_DRAWS, 43);
    assert_eq!(lens, BTreeMap::from([(8, MV_DRAWS)]), "every answer holds exactly 8 values");
    let want: Vec<(String, f64)> = (5..N).map(|i| (format!("v{i:02}"), 8.0 / 15.0)).collect();
    let want: Vec<(&str, f64)> = want.iter().map(|(s, f)| (s.as_str(), *f)).collect();
    assert_shares(&counts, MV_DRAWS, &want, 0.015);
}
