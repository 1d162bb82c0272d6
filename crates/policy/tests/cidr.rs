//! IP-based rules built with `policy::graph`: the answer is the location of the longest block
//! holding the client, and every address inside the ECS scope returned gets the same answer
//! (checked against a brute-force reading of the blocks, over random block sets).

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::net::{IpAddr, Ipv4Addr};

use policy::codes::Catalog;
use policy::graph::{BranchSpec, CidrBlock, GraphBuilder, RuleSpec};
use policy::{
    ClientLocation, ClientSubnet, EstimatedLatency, Policy, Query, RecordType, UnhealthySet,
};
use proptest::prelude::*;

/// Locations 0..n get their blocks; location n is the default `*` when `default` is set.
fn policy(locations: &[Vec<(u32, u8)>], default: bool) -> Policy {
    let catalog = Catalog::builtin();
    let mut g = GraphBuilder::new(RecordType::A, &catalog, "test".into());
    let rule = g.reserve("ip".into(), "/ip".into());
    let mut entries = Vec::new();
    for (i, blocks) in locations.iter().enumerate() {
        let e = g.endpoint(format!("loc{i}"), format!("192.0.2.{i}"));
        let list = blocks
            .iter()
            .map(|&(net, len)| CidrBlock { addr: IpAddr::V4(Ipv4Addr::from(net)), len })
            .collect();
        entries.push((Some((format!("loc{i}"), list)), branch(e)));
    }
    if default {
        let e = g.endpoint("default".into(), "192.0.2.255".into());
        entries.push((None, branch(e)));
    }
    g.define(rule, RuleSpec::Cidr(entries)).unwrap();
    g.finish(rule).unwrap()
}

fn branch(target: policy::NodeRef) -> BranchSpec {
    BranchSpec { target, health_check: None, evaluate_target_health: false, label: "b".into() }
}

/// The endpoint answered for a client, and the ECS scope.
fn ask(p: &Policy, ip: u32, prefix: u8) -> (Option<u32>, u8) {
    let health = UnhealthySet::default();
    let q = Query {
        location: &ClientLocation::UNKNOWN,
        health: &health,
        latency: &EstimatedLatency,
        subnet: Some(ClientSubnet { addr: IpAddr::V4(Ipv4Addr::from(ip)), prefix }),
    };
    let a = p.evaluate(&q, &mut policy::SplitMix64(1));
    (a.endpoint_indices().first().copied(), a.ecs_scope)
}

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
}

/// The brute-force answer: the location of the longest block holding the client's /prefix.
fn expected(locations: &[Vec<(u32, u8)>], default: bool, ip: u32, prefix: u8) -> Option<u32> {
    let mut best: Option<(u8, usize)> = None;
    for (i, blocks) in locations.iter().enumerate() {
        for &(net, len) in blocks {
            if len <= prefix && (ip ^ net) & mask(len) == 0 && best.is_none_or(|(l, _)| len > l) {
                best = Some((len, i));
            }
        }
    }
    match best {
        Some((_, i)) => Some(i as u32),
        None if default => Some(locations.len() as u32),
        None => None,
    }
}

fn blocks() -> impl Strategy<Value = Vec<Vec<(u32, u8)>>> {
    // Addresses from a small space so that blocks overlap and nest often.
    let block = (0u32..64, 1u8..=24).prop_map(|(hi, len)| {
        let net = (hi << 26) | (hi.wrapping_mul(2_654_435_761) >> 6);
        (net & mask(len), len)
    });
    prop::collection::vec(prop::collection::vec(block, 1..6), 1..5)
}

proptest! {
    #[test]
    fn longest_match_and_a_scope_every_neighbour_shares(
        locations in blocks(),
        default in any::<bool>(),
        hi in 0u32..64,
        lo in any::<u32>(),
        prefix in prop_oneof![Just(32u8), 8u8..=32],
        neighbours in prop::collection::vec(any::<u32>(), 16),
    ) {
        // Keep locations distinct: a block listed twice keeps its first location.
        let p = policy(&locations, default);
        let ip = ((hi << 26) | (lo >> 6)) & mask(prefix);
        let (answer, scope) = ask(&p, ip, prefix);
        let want = expected(&locations, default, ip, prefix);
        // Equal blocks in two locations: either location is a longest match.
        let tie = locations.iter().enumerate().filter(|(_, b)| b.iter().any(|&(n, l)| l <= prefix && (ip ^ n) & mask(l) == 0)).count() > 1;
        if !tie {
            prop_assert_eq!(answer, want);
        }
        prop_assert!(scope <= prefix);
        // Any client whose first `scope` bits are the same, asking with the same source
        // prefix, gets the same answer.
        for n in neighbours {
            let other = ((ip & mask(scope)) | (n & !mask(scope))) & mask(prefix);
            prop_assert_eq!(ask(&p, other, prefix).0, answer, "{:#x}/{} scope {} vs {:#x}", ip, prefix, scope, other);
        }
    }
}

#[test]
fn ipv6_clients_match_ipv6_blocks_only_and_mapped_ipv4_matches_ipv4() {
    let catalog = Catalog::builtin();
    let mut g = GraphBuilder::new(RecordType::A, &catalog, "test".into());
    let rule = g.reserve("ip".into(), "/ip".into());
    let v4 = g.endpoint("v4".into(), "192.0.2.4".into());
    let v6 = g.endpoint("v6".into(), "192.0.2.6".into());
    let block = |s: &str, len| CidrBlock { addr: s.parse().unwrap(), len };
    g.define(
        rule,
        RuleSpec::Cidr(vec![
            (Some(("v4".into(), vec![block("0.0.0.0", 1)])), branch(v4)),
            (Some(("v6".into(), vec![block("2001:db8::", 32)])), branch(v6)),
        ]),
    )
    .unwrap();
    let p = g.finish(rule).unwrap();
    let health = UnhealthySet::default();
    let run = |ip: &str, prefix| {
        let q = Query {
            location: &ClientLocation::UNKNOWN,
            health: &health,
            latency: &EstimatedLatency,
            subnet: Some(ClientSubnet { addr: ip.parse().unwrap(), prefix }),
        };
        let a = p.evaluate(&q, &mut policy::SplitMix64(1));
        (a.endpoint_indices().to_vec(), a.ecs_scope)
    };
    assert_eq!(run("10.0.0.1", 32), (vec![0], 1));
    assert_eq!(run("::ffff:10.0.0.1", 128), (vec![0], 1));
    assert_eq!(run("2001:db8::1", 128), (vec![1], 32));
    assert_eq!(run("2001:db9::1", 128), (vec![], 32));
    // Bad blocks are refused when the graph is built, naming the entry.
    let mut g = GraphBuilder::new(RecordType::A, &catalog, "test".into());
    let rule = g.reserve("ip".into(), "/ip".into());
    let e = g.endpoint("e".into(), "192.0.2.1".into());
    let err = g
        .define(
            rule,
            RuleSpec::Cidr(vec![(Some(("x".into(), vec![block("10.0.0.1", 8)])), branch(e))]),
        )
        .unwrap_err();
    assert!(err.contains("10.0.0.1/8 is not a network address"), "{err}");
}

/// A weighted rule whose item evaluates an IP-based rule's health carries that rule's scope,
/// and not the GeoIP scope: no geolocation decision was made.
#[test]
fn a_weighted_rule_above_an_ip_based_rule_carries_the_subnet_scope_only() {
    let catalog = Catalog::builtin();
    let mut g = GraphBuilder::new(RecordType::A, &catalog, "test".into());
    let top = g.reserve("w".into(), "/w".into());
    let ip = g.reserve("ip".into(), "/ip".into());
    let office = g.endpoint("office".into(), "192.0.2.1".into());
    let other = g.endpoint("other".into(), "192.0.2.2".into());
    let block = CidrBlock { addr: "10.0.0.0".parse().unwrap(), len: 8 };
    g.define(ip, RuleSpec::Cidr(vec![(Some(("office".into(), vec![block])), branch(office))]))
        .unwrap();
    let eth = |target| BranchSpec { evaluate_target_health: true, ..branch(target) };
    g.define(top, RuleSpec::Weighted(vec![(1, eth(ip)), (0, eth(other))])).unwrap();
    let p = g.finish(top).unwrap();
    let located = ClientLocation { scope_prefix: 24, ..ClientLocation::UNKNOWN };
    let health = UnhealthySet::default();
    for (client, want) in [("10.1.2.3", vec![0]), ("192.168.1.1", vec![1])] {
        let q = Query {
            location: &located,
            health: &health,
            latency: &EstimatedLatency,
            subnet: Some(ClientSubnet { addr: client.parse().unwrap(), prefix: 32 }),
        };
        let a = p.evaluate(&q, &mut policy::SplitMix64(5));
        assert_eq!(a.endpoint_indices(), want.as_slice(), "{client}");
        // 10.0.0.0/8 decides both: inside it (scope /8), or outside it (scope /1).
        let scope = if client.starts_with("10.") { 8 } else { 1 };
        assert_eq!(a.ecs_scope, scope, "{client}");
    }
}
