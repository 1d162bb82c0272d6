//! Record-level routing (Route 53 `ChangeResourceRecordSets` with `SetIdentifier`) and alias
//! chains inside a zone: the routing settings stored with a record set, and the one compiler
//! that turns them into policy graphs, so that weighted, failover, geolocation, latency,
//! multivalue, geoproximity and IP-based record sets, and aliases to any of them, are answered
//! by the same policy engine as policy records.
//!
//! # The compiler
//!
//! All record sets of one name and type form a group. A routed group becomes a rule whose
//! entries are its record sets; a set with records is an endpoint answering all of them with
//! its own TTL, a set with an `AliasTarget` is a branch to whatever the target compiles to:
//!
//! - another routed group: its rule, in the same graph (shared when several branches lead
//!   there);
//! - a simple record set: an endpoint answering the target's records with the target's TTL;
//! - a policy record: its compiled policy, embedded;
//! - a plain alias (no routing): followed to its own target. A hop with its own health check
//!   stays in the graph as a one-branch `alias` rule; any other hop is folded into the branch
//!   that leads to it, and its name stays in the branch's label, so the trace names every hop
//!   at no cost per query.
//!
//! `EvaluateTargetHealth` follows the chain as Route 53 does: a routed target is healthy when
//! one of the record sets it could answer this client with is healthy, a simple target is
//! always healthy, and a hop without `EvaluateTargetHealth` counts as healthy whatever lies
//! beyond it. A target that does not exist (deleted after the alias was written) answers
//! nothing and is unhealthy.
//!
//! Chains are followed when the snapshot is built, never per query: a loop, or a chain of more
//! than [`MAX_ALIAS_HOPS`] hops, is an error, which the write path reports as
//! `InvalidChangeBatch` before anything is stored ([`check`]) and the snapshot builder
//! ([`compile_zone`]) logs. Both call the same code on typed values.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hickory_proto::rr::{Name, RData, Record, RecordType};
use policy::NodeRef;
use policy::codes::Catalog;
use policy::graph::{BranchSpec, CidrBlock, GeoSpec, GraphBuilder, ProximitySpec, RuleSpec};
use serde::{Deserialize, Serialize};

use crate::counters::Counter;
use crate::snapshot::{EndpointData, PolicyBinding};

/// The longest alias chain followed from one record set, in hops.
pub const MAX_ALIAS_HOPS: usize = 16;

/// Alias target of a record set: another name in the same zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AliasTarget {
    /// Hosted zone of the target (must be this zone).
    pub hosted_zone_id: String,
    /// The target name.
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    /// Whether the target's health counts.
    pub evaluate_target_health: bool,
}

/// Geolocation of a routed record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GeoLocation {
    /// Continent code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// Country code (`*` for the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Subdivision code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

/// Geoproximity location of a routed record set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GeoProximity {
    /// AWS region code.
    #[serde(rename = "AWSRegion", skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    /// Local Zone group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_zone_group: Option<String>,
    /// Latitude, as text (two decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    /// Longitude, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    /// Bias, -99 to 99.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bias: Option<i32>,
}

/// IP-based routing of a record set: a location of a CIDR collection (`*` for the default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CidrRoutingConfig {
    /// The CIDR collection id (a UUID).
    pub collection_id: String,
    /// The location name in that collection, or `*` for clients no location holds.
    pub location_name: String,
}

/// Routing and alias settings of a record set, stored with its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Routing {
    /// Weighted routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// Latency routing: the region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Geolocation routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// Failover routing: `PRIMARY` or `SECONDARY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    /// Multivalue answer routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// Geoproximity routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<GeoProximity>,
    /// IP-based routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<CidrRoutingConfig>,
    /// Health check of this record set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// Alias target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<AliasTarget>,
}

impl Routing {
    /// The routing policy this set uses, if any.
    pub fn policy(&self) -> Option<&'static str> {
        if self.weight.is_some() {
            Some("weighted")
        } else if self.region.is_some() {
            Some("latency")
        } else if self.geo_location.is_some() {
            Some("geolocation")
        } else if self.failover.is_some() {
            Some("failover")
        } else if self.multi_value_answer.is_some() {
            Some("multivalue")
        } else if self.geo_proximity_location.is_some() {
            Some("geoproximity")
        } else if self.cidr_routing_config.is_some() {
            Some("cidr")
        } else {
            None
        }
    }

    /// No routing, health check or alias setting at all.
    pub fn is_empty(&self) -> bool {
        *self == Routing::default()
    }
}

/// One record set as the compiler sees it.
#[derive(Debug, Clone)]
pub struct SetSpec {
    /// Its set identifier (routed sets).
    pub set_identifier: Option<String>,
    /// TTL of its records (unused for aliases).
    pub ttl: u32,
    /// Its records' data (empty for aliases).
    pub records: Vec<RData>,
    /// Its routing, health check and alias settings.
    pub routing: Routing,
}

/// A name and type: the key of a group.
pub type Key = (Name, RecordType);

/// The blocks of every location of one CIDR collection.
pub type CidrLocations = HashMap<String, Vec<CidrBlock>>;

/// Everything of one zone the compiler reads. Names are lower-case and absolute.
#[derive(Default)]
pub struct ZoneRouting {
    /// The hosted zone id, for messages.
    pub zone_id: String,
    /// Record sets with routing, a health check or an alias target, by name and type.
    pub groups: BTreeMap<Key, Vec<SetSpec>>,
    /// Simple record sets that aliases may target: TTL and records.
    pub simple: HashMap<Key, (u32, Vec<RData>)>,
    /// Policy records: their binding when compiled (the snapshot), or `None` when only their
    /// existence is known (the write-time check).
    pub policy_records: HashMap<Key, Option<PolicyBinding>>,
    /// CIDR collections by id.
    pub cidr: HashMap<String, CidrLocations>,
}

/// What a zone's routing compiles to.
#[derive(Default)]
pub struct CompiledZone {
    /// One binding per routed group or alias whose answer the policy engine computes.
    pub bindings: Vec<PolicyBinding>,
    /// Plain aliases whose chain ends in a simple record set: the target's records under the
    /// alias's name, served like any static record.
    pub records: Vec<Record>,
    /// Groups that cannot be served, with the reason.
    pub errors: Vec<(Key, String)>,
}

/// How a group's name and type read in messages and traces: `www.example.com. A`.
pub fn describe(key: &Key) -> String {
    format!("{} {}", key.0, crate::master::type_text(key.1))
}

/// Compiles every group of a zone (the snapshot builder's entry point).
pub fn compile_zone(zone: &ZoneRouting, catalog: &Catalog) -> CompiledZone {
    let mut out = CompiledZone::default();
    for key in zone.groups.keys() {
        match compile_group(zone, catalog, key, false) {
            Ok(Compiled::Binding(b)) => out.bindings.push(b),
            Ok(Compiled::Records(ttl, datas)) => out
                .records
                .extend(datas.into_iter().map(|d| Record::from_rdata(key.0.clone(), ttl, d))),
            Err(e) => out.errors.push((key.clone(), e)),
        }
    }
    out
}

/// Checks the groups at `keys` as the snapshot builder will compile them (the write path's
/// entry point), and every group whose alias chain leads to one of them (a change at the end
/// of a chain can make the chain too long or a loop): every problem, one line per group.
pub fn check(zone: &ZoneRouting, catalog: &Catalog, keys: &[Key]) -> Result<(), Vec<String>> {
    // Who aliases whom, reversed.
    let mut referrers: HashMap<Key, Vec<&Key>> = HashMap::new();
    for (from, sets) in &zone.groups {
        for s in sets {
            if let Some(a) = &s.routing.alias_target
                && let Ok(name) = target_name(from, a)
            {
                referrers.entry((name, from.1)).or_default().push(from);
            }
        }
    }
    let mut todo: Vec<Key> = keys.to_vec();
    let mut seen: std::collections::HashSet<Key> = todo.iter().cloned().collect();
    let mut i = 0;
    while i < todo.len() {
        for r in referrers.get(&todo[i]).into_iter().flatten() {
            if seen.insert((*r).clone()) {
                todo.push((*r).clone());
            }
        }
        i += 1;
    }
    let problems: Vec<String> = todo
        .iter()
        .filter(|k| zone.groups.contains_key(*k))
        .filter_map(|k| compile_group(zone, catalog, k, true).err())
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// What one group compiles to.
pub enum Compiled {
    /// A binding the policy engine answers.
    Binding(PolicyBinding),
    /// Static records (a plain alias to a simple record set): TTL and data.
    Records(u32, Vec<RData>),
}

/// Compiles the group at `key`.
/// With `strict`, an alias whose target does not exist is an error; without, it answers
/// nothing and counts as unhealthy.
pub fn compile_group(
    zone: &ZoneRouting,
    catalog: &Catalog,
    key: &Key,
    strict: bool,
) -> Result<Compiled, String> {
    let sets = zone.groups.get(key).ok_or_else(|| format!("{}: no record sets", describe(key)))?;
    let routed = sets.iter().any(|s| s.set_identifier.is_some());
    if !routed {
        let set = sets.first().ok_or_else(|| format!("{}: no record sets", describe(key)))?;
        if set.routing.alias_target.is_none() {
            // A simple record set with a health check (which counts only for aliases to it).
            return Ok(Compiled::Records(set.ttl, set.records.clone()));
        }
        if policy_type(key.1).is_err() {
            // Types no policy answers (HTTPS, SVCB, TLSA...) alias simple record sets only.
            return static_chain(zone, key, strict);
        }
    }
    let ptype = policy_type(key.1)?;
    let mut g = Graph {
        zone,
        builder: GraphBuilder::new(ptype, catalog, format!("record sets {}", describe(key))),
        nodes: HashMap::new(),
        path: Vec::new(),
        values: Vec::new(),
        strict,
    };
    let (start, ttl, id) = if routed {
        let node = g.group_node(key)?;
        check_depth(key, node.depth)?;
        (node.node, sets.first().map_or(0, |s| s.ttl), format!("record sets {}", describe(key)))
    } else {
        // A plain alias: the binding starts where its chain leads (a binding even when that is
        // a simple record set, so that explain shows the chain).
        let alias = sets[0].routing.alias_target.as_ref().ok_or("no alias")?;
        g.path.push(key.clone());
        let target = g.alias(key, alias)?;
        g.path.pop();
        check_depth(key, target.depth + 1)?;
        (target.node, 0, format!("alias {} -> {}", describe(key), target.hops))
    };
    let Graph { builder, values, .. } = g;
    let policy = builder.finish(start).map_err(|e| format!("{}: {e}", describe(key)))?;
    let hits = (0..values.len()).map(|_| Counter::default()).collect();
    Ok(Compiled::Binding(PolicyBinding {
        id,
        name: key.0.clone(),
        ttl,
        policy: Arc::new(policy),
        rtype: key.1,
        values,
        hits,
    }))
}

fn check_depth(key: &Key, depth: usize) -> Result<(), String> {
    if depth > MAX_ALIAS_HOPS {
        return Err(format!(
            "the alias chain from {} is {depth} hops long, longer than {MAX_ALIAS_HOPS} hops",
            describe(key)
        ));
    }
    Ok(())
}

/// A plain alias of a type no policy answers, followed to the simple record set it ends in.
fn static_chain(zone: &ZoneRouting, key: &Key, strict: bool) -> Result<Compiled, String> {
    let mut path = vec![key.clone()];
    let mut current = key.clone();
    loop {
        if let Some(sets) = zone.groups.get(&current) {
            let set = &sets[0];
            if sets.iter().any(|s| s.set_identifier.is_some()) {
                policy_type(current.1)?;
            }
            let Some(alias) = &set.routing.alias_target else {
                return Ok(Compiled::Records(set.ttl, set.records.clone()));
            };
            let next = (target_name(&current, alias)?, current.1);
            if path.contains(&next) {
                return Err(loop_message(&path, &next));
            }
            path.push(next.clone());
            check_depth(key, path.len() - 1)?;
            current = next;
        } else if let Some((ttl, datas)) = zone.simple.get(&current) {
            return Ok(Compiled::Records(*ttl, datas.clone()));
        } else if strict {
            return Err(missing_target(zone, &path[path.len() - 2], &current));
        } else {
            return Err(format!("the alias target {} does not exist", describe(&current)));
        }
    }
}

/// Route 53's refusal of a loop, with the hops from where the loop starts in `path` back to
/// `key`.
fn loop_message(path: &[Key], key: &Key) -> String {
    let from = path.iter().position(|k| k == key).unwrap_or(0);
    let mut names: Vec<String> = path[from..].iter().map(describe).collect();
    names.push(describe(key));
    format!(
        "RRSet of type {} with DNS name {} is not permitted as it creates a CNAME or alias loop in the zone: {}",
        crate::master::type_text(key.1),
        key.0,
        names.join(" -> ")
    )
}

fn target_name(from: &Key, alias: &AliasTarget) -> Result<Name, String> {
    Name::from_ascii(&alias.dns_name)
        .map(|n| {
            let mut n = n.to_lowercase();
            n.set_fqdn(true);
            n
        })
        .map_err(|e| format!("{}: AliasTarget/DNSName {:?}: {e}", describe(from), alias.dns_name))
}

fn missing_target(zone: &ZoneRouting, from: &Key, key: &Key) -> String {
    format!(
        "Tried to create an alias that targets {}, type {} in zone {}, but that target was not found (the alias is {}; an alias targets a record set of the same name and type in the zone)",
        key.0,
        crate::master::type_text(key.1),
        zone.zone_id,
        describe(from),
    )
}

fn policy_type(t: RecordType) -> Result<policy::RecordType, String> {
    let text = crate::master::type_text(t);
    policy::RecordType::parse(&text).ok_or_else(|| {
        format!(
            "record sets of type {text} cannot use routing or aliases to routed record sets; types A, AAAA, CAA, CNAME, MX, NAPTR, PTR, SPF, SRV and TXT can"
        )
    })
}

/// Where a chain leads: the node, whether a parent's `EvaluateTargetHealth` sees past the last
/// hop, and the names of the hops folded into it.
#[derive(Clone)]
struct Resolved {
    node: NodeRef,
    /// False when a folded hop had no `EvaluateTargetHealth` (it is then always healthy).
    eth_passes: bool,
    hops: String,
    /// The longest run of alias hops below this node.
    depth: usize,
}

struct Graph<'z, 'c> {
    zone: &'z ZoneRouting,
    builder: GraphBuilder<'c>,
    /// Groups, simple sets and policy records already in the graph.
    nodes: HashMap<Key, Resolved>,
    /// The chain being followed, to report loops.
    path: Vec<Key>,
    /// What each endpoint answers, by endpoint index.
    values: Vec<EndpointData>,
    /// Whether a missing alias target is an error (writes) or answers nothing (snapshots).
    strict: bool,
}

impl Graph<'_, '_> {
    fn loop_message(&self, key: &Key) -> String {
        loop_message(&self.path, key)
    }

    /// An endpoint answering a simple record set.
    fn simple_node(&mut self, key: &Key, ttl: u32, datas: &[RData]) -> Resolved {
        let value = datas.first().map(crate::master::data_text).unwrap_or_default();
        let node = self.builder.endpoint(describe(key), value);
        self.values.push(EndpointData::Set(ttl, datas.to_vec()));
        Resolved { node, eth_passes: true, hops: describe(key), depth: 0 }
    }

    /// `target` behind a one-branch rule carrying the health check `hc` of the set at `key`
    /// (or `target` itself when there is no check).
    fn checked_hop(
        &mut self,
        key: &Key,
        target: Resolved,
        hc: Option<String>,
        eth: bool,
        hops: usize,
    ) -> Result<Resolved, String> {
        let Some(hc) = hc else { return Ok(target) };
        let label = if hops == 0 {
            format!("/{}", describe(key))
        } else {
            format!("/{} -> {}", describe(key), target.hops)
        };
        let node = self.builder.reserve(describe(key), format!("/{}", describe(key)));
        let b = BranchSpec {
            target: target.node,
            health_check: Some(hc),
            evaluate_target_health: eth,
            label,
        };
        self.builder.define(node, RuleSpec::Alias(b))?;
        Ok(Resolved { node, eth_passes: true, hops: describe(key), depth: target.depth })
    }

    /// The node of whatever is at `key`, entered through an alias.
    fn resolve(&mut self, key: &Key) -> Result<Resolved, String> {
        if let Some(r) = self.nodes.get(key) {
            return Ok(r.clone());
        }
        if self.path.contains(key) {
            return Err(self.loop_message(key));
        }
        if self.path.len() > MAX_ALIAS_HOPS + 1 {
            let names: Vec<String> = self.path.iter().map(describe).collect();
            return Err(format!(
                "the alias chain {} is longer than {MAX_ALIAS_HOPS} hops",
                names.join(" -> ")
            ));
        }
        let zone = self.zone;
        let resolved = if let Some(sets) = zone.groups.get(key) {
            if sets.iter().any(|s| s.set_identifier.is_some()) {
                self.group_node(key)?
            } else {
                let set = &sets[0];
                let Some(alias) = &set.routing.alias_target else {
                    // A simple record set with a health check: an alias to it with
                    // EvaluateTargetHealth sees that check.
                    let node = self.simple_node(key, set.ttl, &set.records);
                    let hc = set.routing.health_check_id.clone();
                    let r = self.checked_hop(key, node, hc, false, 0)?;
                    self.nodes.insert(key.clone(), r.clone());
                    return Ok(r);
                };
                self.path.push(key.clone());
                let target = self.alias(key, alias)?;
                self.path.pop();
                let eth = alias.evaluate_target_health && target.eth_passes;
                match &set.routing.health_check_id {
                    // A hop with its own health check stays in the graph.
                    Some(hc) => self.checked_hop(
                        key,
                        Resolved { depth: target.depth + 1, ..target },
                        Some(hc.clone()),
                        eth,
                        1,
                    )?,
                    None => Resolved {
                        node: target.node,
                        eth_passes: eth,
                        hops: format!("{} -> {}", describe(key), target.hops),
                        depth: target.depth + 1,
                    },
                }
            }
        } else if let Some((ttl, datas)) = zone.simple.get(key) {
            self.simple_node(key, *ttl, datas)
        } else if let Some(pr) = zone.policy_records.get(key) {
            match pr {
                Some(b) => {
                    let (node, base) = self.builder.embed(&b.policy)?;
                    debug_assert_eq!(base, self.values.len());
                    self.values.extend(b.values.iter().map(|v| match v {
                        EndpointData::Value(d) => EndpointData::Set(b.ttl, vec![d.clone()]),
                        other => other.clone(),
                    }));
                    let hops = format!("policy record {}", b.id);
                    Resolved { node, eth_passes: true, hops, depth: 0 }
                }
                // Existence is all the write-time check needs.
                None => {
                    let node = self.builder.endpoint(describe(key), "policy record".into());
                    self.values.push(EndpointData::Set(0, Vec::new()));
                    Resolved { node, eth_passes: true, hops: describe(key), depth: 0 }
                }
            }
        } else {
            // Only reached in the snapshot (lenient) mode: `alias` checks existence first
            // when strict.
            let why = format!("the alias target {} does not exist", describe(key));
            let node = self.builder.reserve(describe(key), format!("/{}", describe(key)));
            self.builder.define(node, RuleSpec::Unresolved(why))?;
            Resolved { node, eth_passes: true, hops: describe(key), depth: 0 }
        };
        self.nodes.insert(key.clone(), resolved.clone());
        Ok(resolved)
    }

    /// Where the alias of the set at `from` leads. A missing target is an error here; the
    /// caller decides whether that refuses a batch or serves nothing.
    fn alias(&mut self, from: &Key, alias: &AliasTarget) -> Result<Resolved, String> {
        let key = (target_name(from, alias)?, from.1);
        if key == *from {
            return Err(self.loop_message(&key));
        }
        let z = self.zone;
        let exists = z.groups.contains_key(&key)
            || z.simple.contains_key(&key)
            || z.policy_records.contains_key(&key);
        if self.strict && !exists {
            return Err(missing_target(z, from, &key));
        }
        self.resolve(&key)
    }

    /// The rule of the routed group at `key`.
    fn group_node(&mut self, key: &Key) -> Result<Resolved, String> {
        if let Some(r) = self.nodes.get(key) {
            return Ok(r.clone());
        }
        let zone = self.zone;
        let mut sets: Vec<&SetSpec> =
            zone.groups.get(key).map(|v| v.iter().collect()).unwrap_or_default();
        sets.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
        let name = describe(key);
        let kind = sets.first().and_then(|s| s.routing.policy()).ok_or_else(|| {
            format!("{name}: record sets with a SetIdentifier need a routing policy")
        })?;
        if let Some(other) = sets.iter().find(|s| s.routing.policy() != Some(kind)) {
            return Err(format!(
                "{name}: set {:?} uses {} routing but {:?} uses {kind}: all record sets of a name and type share one routing policy",
                other.set_identifier.as_deref().unwrap_or(""),
                other.routing.policy().unwrap_or("no"),
                sets[0].set_identifier.as_deref().unwrap_or(""),
            ));
        }
        let node = self.builder.reserve(name.clone(), format!("/{name}"));
        // Entered before the children, so that a loop back to this group is seen.
        self.path.push(key.clone());
        let mut branches = Vec::with_capacity(sets.len());
        let mut depth = 0;
        for s in &sets {
            let (b, d) = self.set_branch(key, s)?;
            depth = depth.max(d);
            branches.push(b);
        }
        self.path.pop();
        let spec = rule_spec(kind, &sets, branches, zone).map_err(|e| format!("{name}: {e}"))?;
        self.builder.define(node, spec).map_err(|e| format!("{name}: {e}"))?;
        let r = Resolved { node, eth_passes: true, hops: name, depth };
        self.nodes.insert(key.clone(), r.clone());
        Ok(r)
    }

    /// The branch of one routed record set, and the alias hops below it.
    fn set_branch(&mut self, key: &Key, s: &SetSpec) -> Result<(BranchSpec, usize), String> {
        let id = s.set_identifier.clone().unwrap_or_default();
        let label = format!("/{}/{id}", describe(key));
        match &s.routing.alias_target {
            Some(alias) => {
                let t = self.alias(key, alias)?;
                let b = BranchSpec {
                    target: t.node,
                    health_check: s.routing.health_check_id.clone(),
                    evaluate_target_health: alias.evaluate_target_health && t.eth_passes,
                    label: format!("{label} -> {}", t.hops),
                };
                Ok((b, t.depth + 1))
            }
            None => {
                if s.records.is_empty() {
                    return Err(format!("{}: set {id:?} has no records", describe(key)));
                }
                let value = crate::master::data_text(&s.records[0]);
                let node = self.builder.endpoint(format!("{} {id}", describe(key)), value);
                self.values.push(EndpointData::Set(s.ttl, s.records.clone()));
                let b = BranchSpec {
                    target: node,
                    health_check: s.routing.health_check_id.clone(),
                    evaluate_target_health: false,
                    label,
                };
                Ok((b, 0))
            }
        }
    }
}

/// The rule of a routed group from its sets (sorted) and their branches (same order).
fn rule_spec(
    kind: &str,
    sets: &[&SetSpec],
    branches: Vec<BranchSpec>,
    zone: &ZoneRouting,
) -> Result<RuleSpec, String> {
    let id = |s: &SetSpec| s.set_identifier.clone().unwrap_or_default();
    let max = if kind == "geoproximity" { 30 } else { 100 };
    if sets.len() > max {
        return Err(format!("{} {kind} record sets; at most {max}", sets.len()));
    }
    // Each failover role, latency region, geolocation and CIDR location appears once.
    let mut seen = std::collections::HashSet::new();
    for s in sets {
        let r = &s.routing;
        let unique = match kind {
            "failover" => r.failover.clone(),
            "latency" => r.region.clone(),
            "geolocation" => r.geo_location.as_ref().map(|l| format!("{l:?}")),
            "cidr" => {
                r.cidr_routing_config.as_ref().map(|c| format!("location {}", c.location_name))
            }
            _ => None,
        };
        if let Some(k) = unique
            && !seen.insert(k.clone())
        {
            return Err(format!(
                "set {:?} repeats {k} of another {kind} record set: each must be unique",
                id(s)
            ));
        }
    }
    let pairs = || sets.iter().copied().zip(branches.clone());
    Ok(match kind {
        "weighted" => RuleSpec::Weighted(
            pairs()
                .map(|(s, b)| {
                    let w = s.routing.weight.unwrap_or(0);
                    u8::try_from(w)
                        .map(|w| (w, b))
                        .map_err(|_| format!("set {:?}: weight {w} is out of range 0 to 255", id(s)))
                })
                .collect::<Result<_, _>>()?,
        ),
        "multivalue" => RuleSpec::Multivalue(branches),
        "failover" => {
            let role = |r: &str| sets.iter().position(|s| s.routing.failover.as_deref() == Some(r));
            if let Some(s) = sets.iter().find(|s| {
                !matches!(s.routing.failover.as_deref(), Some("PRIMARY") | Some("SECONDARY"))
            }) {
                return Err(format!("set {:?}: Failover must be PRIMARY or SECONDARY", id(s)));
            }
            if sets.len() > 2 {
                return Err("a failover group has one PRIMARY and one SECONDARY record set".into());
            }
            let mut taken: Vec<Option<BranchSpec>> = branches.into_iter().map(Some).collect();
            match (role("PRIMARY"), role("SECONDARY")) {
                (Some(p), Some(s)) if p != s => match (taken[p].take(), taken[s].take()) {
                    (Some(primary), Some(secondary)) => RuleSpec::Failover { primary, secondary },
                    _ => return Err("a failover group needs its two branches".into()),
                },
                (Some(_), Some(_)) => {
                    return Err("a failover group has one PRIMARY and one SECONDARY record set".into());
                }
                // A lone PRIMARY or SECONDARY answers unconditionally.
                _ => match taken.into_iter().flatten().next() {
                    Some(only) => RuleSpec::Alias(only),
                    None => return Err("a failover group needs a record set".into()),
                },
            }
        }
        "geolocation" => RuleSpec::Geo(
            pairs()
                .map(|(s, b)| {
                    let g = s.routing.geo_location.clone().unwrap_or_default();
                    let spec = match (g.continent_code, g.country_code, g.subdivision_code) {
                        (Some(c), None, None) => GeoSpec::Continent(c),
                        (None, Some(c), None) if c == "*" => GeoSpec::Default,
                        (None, Some(c), None) => GeoSpec::Country(c),
                        (None, Some(c), Some(sub)) => GeoSpec::Subdivision(c, sub),
                        _ => {
                            return Err(format!(
                                "set {:?}: GeoLocation needs ContinentCode, or CountryCode with an optional SubdivisionCode",
                                id(s)
                            ));
                        }
                    };
                    Ok((spec, b))
                })
                .collect::<Result<_, String>>()?,
        ),
        "latency" => RuleSpec::Latency(
            pairs().map(|(s, b)| (s.routing.region.clone().unwrap_or_default(), b)).collect(),
        ),
        "geoproximity" => RuleSpec::Geoproximity(
            pairs()
                .map(|(s, b)| {
                    let g = s.routing.geo_proximity_location.clone().unwrap_or_default();
                    let coordinate = |v: &Option<String>, what: &str| {
                        v.as_deref().and_then(|t| t.trim().parse::<f64>().ok()).ok_or_else(|| {
                            format!("set {:?}: GeoProximityLocation/Coordinates/{what} is not a number", id(s))
                        })
                    };
                    let position = match (&g.aws_region, &g.local_zone_group, &g.latitude) {
                        (Some(r), _, _) => ProximitySpec::Region(r.clone()),
                        (None, Some(z), _) => ProximitySpec::LocalZone(z.clone()),
                        (None, None, Some(_)) => ProximitySpec::Coordinates(
                            coordinate(&g.latitude, "Latitude")?,
                            coordinate(&g.longitude, "Longitude")?,
                        ),
                        _ => {
                            return Err(format!(
                                "set {:?}: GeoProximityLocation needs AWSRegion, LocalZoneGroup or Coordinates",
                                id(s)
                            ));
                        }
                    };
                    let bias = g.bias.unwrap_or(0);
                    let bias = i8::try_from(bias)
                        .ok()
                        .filter(|b| (-99..=99).contains(b))
                        .ok_or_else(|| format!("set {:?}: Bias {bias} is out of range -99 to 99", id(s)))?;
                    Ok((position, bias, b))
                })
                .collect::<Result<_, String>>()?,
        ),
        "cidr" => {
            let mut collection: Option<&str> = None;
            let mut entries = Vec::with_capacity(sets.len());
            for (s, b) in pairs() {
                let Some(c) = &s.routing.cidr_routing_config else { continue };
                match collection {
                    Some(first) if first != c.collection_id => {
                        return Err(format!(
                            "set {:?} uses CIDR collection {} but the others use {first}: all record sets of a name and type use one collection",
                            id(s),
                            c.collection_id
                        ));
                    }
                    _ => collection = Some(&c.collection_id),
                }
                let locations = zone.cidr.get(&c.collection_id).ok_or_else(|| {
                    format!("set {:?}: CIDR collection {} does not exist", id(s), c.collection_id)
                })?;
                if c.location_name == "*" {
                    entries.push((None, b));
                } else {
                    let blocks = locations.get(&c.location_name).cloned().unwrap_or_default();
                    entries.push((Some((c.location_name.clone(), blocks)), b));
                }
            }
            RuleSpec::Cidr(entries)
        }
        other => return Err(format!("unknown routing policy {other}")),
    })
}
