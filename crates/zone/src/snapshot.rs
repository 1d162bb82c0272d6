//! The immutable snapshot the DNS server answers from, and authoritative answer assembly.
//!
//! A [`Snapshot`] maps zone origins to [`ZoneData`], each behind an `Arc`: a change to one
//! zone builds one new `ZoneData` and a new outer map of shared pointers, never the whole
//! world. Answering ([`Snapshot::answer`]) is synchronous, lock-free and does no I/O; it
//! follows RFC 1034 section 4.3.2: delegations become referrals, CNAMEs are chased within
//! the zone, wildcards (RFC 4592) synthesise answers, and negative answers carry the SOA
//! with the RFC 2308 negative TTL. Names bound to a traffic policy (policy records) are
//! answered by evaluating the compiled policy for the querying client.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};
use policy::{EndpointKind, Policy, Query, RandomSource};

use crate::counters::Counter;
use crate::wire::{FastNode, WireHash, WireMap, wire_key};

/// A traffic policy bound to a name: one policy record as the data plane sees it.
#[derive(Clone, Debug)]
pub struct PolicyBinding {
    /// Policy record id, for logs and traces.
    pub id: String,
    /// The owner name (absolute).
    pub name: Name,
    /// TTL of every answer.
    pub ttl: u32,
    /// The compiled policy version.
    pub policy: Arc<Policy>,
    /// The answer type (the policy's RecordType).
    pub rtype: RecordType,
    /// One entry per policy endpoint: the RDATA of a `value` endpoint, or the host name of an
    /// alias-style endpoint (resolved through [`AliasTargets`]).
    pub values: Vec<EndpointData>,
    /// Answers given per endpoint (shared by clones of the binding).
    pub hits: Arc<[Counter]>,
}

impl PolicyBinding {
    /// Counts one answer that used these endpoints.
    #[inline]
    pub(crate) fn count(&self, indices: &[u32], stripe: usize) {
        for &i in indices {
            if let Some(c) = self.hits.get(i as usize) {
                c.add(stripe);
            }
        }
    }
}

/// What one policy endpoint answers with.
#[derive(Clone, Debug)]
pub enum EndpointData {
    /// Literal RDATA.
    Value(RData),
    /// A host name whose addresses are looked up (like a Route 53 alias).
    Alias(Name),
    /// A whole record set with its own TTL (record-level routing, see [`crate::routing`]).
    Set(u32, Vec<RData>),
}

impl PolicyBinding {
    /// Binds a compiled policy to a name, converting each `value` endpoint to RDATA with
    /// `parse_value` (the zone-file RDATA parser). Fails with a message if a value does not
    /// parse.
    pub fn new(
        id: String,
        name: Name,
        ttl: u32,
        policy: Arc<Policy>,
        parse_value: impl Fn(RecordType, &str) -> Result<RData, String>,
    ) -> Result<PolicyBinding, String> {
        let rtype = RecordType::from(policy_type(&policy));
        let mut values = Vec::with_capacity(policy.endpoints().len());
        for e in policy.endpoints() {
            values.push(if e.kind == EndpointKind::Value {
                EndpointData::Value(
                    parse_value(rtype, &e.value).map_err(|m| format!("endpoint {}: {m}", e.id))?,
                )
            } else {
                let target = Name::from_ascii(&e.value)
                    .map_err(|err| format!("endpoint {}: {err}", e.id))?;
                EndpointData::Alias(target.to_lowercase())
            });
        }
        let hits = (0..values.len()).map(|_| Counter::default()).collect();
        Ok(PolicyBinding { id, name, ttl, policy, rtype, values, hits })
    }
}

fn policy_type(p: &Policy) -> u16 {
    use policy::RecordType as P;
    match p.record_type() {
        P::A => 1,
        P::AAAA => 28,
        P::CAA => 257,
        P::CNAME => 5,
        P::MX => 15,
        P::NAPTR => 35,
        P::PTR => 12,
        P::SPF => 99,
        P::SRV => 33,
        P::TXT => 16,
    }
}

/// Addresses of alias-style endpoint targets, kept fresh outside the query path.
pub trait AliasTargets {
    /// The addresses of `name` for `rtype` (A or AAAA) and the TTL to answer with, or `None`
    /// when they are not (yet) known.
    fn addresses(&self, name: &Name, rtype: RecordType) -> Option<(&[IpAddr], u32)>;
}

/// No alias target resolves.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAliases;

impl AliasTargets for NoAliases {
    fn addresses(&self, _: &Name, _: RecordType) -> Option<(&[IpAddr], u32)> {
        None
    }
}

/// All data at one owner name.
#[derive(Clone, Debug, Default)]
struct Node {
    /// Record sets by type, each with its records in zone order.
    rrsets: Vec<(RecordType, Vec<Record>)>,
    /// Policy records, at most one per type (a CNAME one stands alone).
    policies: Vec<Arc<PolicyBinding>>,
}

impl Node {
    fn policy(&self, t: RecordType) -> Option<&Arc<PolicyBinding>> {
        self.policies.iter().find(|b| b.rtype == t)
    }

    fn rrset(&self, t: RecordType) -> Option<&[Record]> {
        self.rrsets.iter().find(|(rt, _)| *rt == t).map(|(_, v)| v.as_slice())
    }
}

/// One zone, ready to answer from.
#[derive(Debug)]
pub struct ZoneData {
    origin: LowerName,
    origin_name: Name,
    soa: Record,
    nodes: HashMap<LowerName, Node>,
    /// Names that exist only because something exists below them (RFC 8020 empty
    /// non-terminals): they answer NODATA, never NXDOMAIN.
    empty_non_terminals: HashSet<LowerName>,
    /// Names below the apex with NS records: zone cuts.
    cuts: HashSet<LowerName>,
    has_wildcards: bool,
    /// Pre-encoded answers for the names the fast path may answer (see [`crate::wire`]).
    fast: WireMap<FastNode>,
    /// Alias-style endpoint targets of the zone's policy records, with the type to look up.
    alias_targets: Vec<(Name, RecordType)>,
    /// Queries answered from this zone.
    pub queries: Counter,
    /// Of those, NXDOMAIN answers.
    pub nxdomain: Counter,
}

/// A problem found while building a zone (the zone is still built without the offending
/// policy record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingConflict {
    /// Policy record id.
    pub id: String,
    /// Why it cannot be served.
    pub message: String,
}

impl ZoneData {
    /// Builds a zone from its records (which must include exactly one SOA at the apex) and
    /// its policy records. A policy record whose name and type already hold records, or that
    /// sits at or below a delegation, is left out and reported.
    pub fn build(
        origin: &Name,
        records: Vec<Record>,
        bindings: Vec<PolicyBinding>,
    ) -> Result<(ZoneData, Vec<BindingConflict>), String> {
        let origin_name = origin.to_lowercase();
        let origin = LowerName::new(&origin_name);
        let mut nodes: HashMap<LowerName, Node> = HashMap::new();
        let mut soa = None;
        for r in records {
            let owner = LowerName::new(&r.name);
            if !origin.zone_of(&owner) {
                return Err(format!("record {} is outside the zone {}", r.name, origin_name));
            }
            if r.record_type() == RecordType::SOA {
                if owner != origin {
                    return Err(format!("SOA at {} is not at the zone apex", r.name));
                }
                soa = Some(r.clone());
            }
            let node = nodes.entry(owner).or_default();
            match node.rrsets.iter_mut().find(|(t, _)| *t == r.record_type()) {
                Some((_, v)) => v.push(r),
                None => node.rrsets.push((r.record_type(), vec![r])),
            }
        }
        let soa = soa.ok_or_else(|| format!("zone {origin_name} has no SOA record"))?;
        let cuts: HashSet<LowerName> = nodes
            .iter()
            .filter(|(n, node)| **n != origin && node.rrset(RecordType::NS).is_some())
            .map(|(n, _)| n.clone())
            .collect();
        let mut conflicts = Vec::new();
        for b in bindings {
            let owner = LowerName::new(&b.name);
            let problem = if !origin.zone_of(&owner) {
                Some(format!("{} is not in the zone {origin_name}", b.name))
            } else if below_cut(&cuts, &origin, &owner) {
                Some(format!("{} is at or below a delegation (NS records)", b.name))
            } else {
                nodes.get(&owner).and_then(|n| {
                    if n.policy(b.rtype).is_some() {
                        Some(format!("{} already has a policy record of type {}", b.name, b.rtype))
                    } else if b.rtype == RecordType::CNAME && !n.policies.is_empty() {
                        Some(format!(
                            "{} has other policy records; a CNAME must stand alone",
                            b.name
                        ))
                    } else if n.policy(RecordType::CNAME).is_some() {
                        Some(format!(
                            "{} has a CNAME policy record, which must stand alone",
                            b.name
                        ))
                    } else if n.rrset(b.rtype).is_some() {
                        Some(format!("{} already has {} records", b.name, b.rtype))
                    } else if b.rtype == RecordType::CNAME && !n.rrsets.is_empty() {
                        Some(format!("{} has other records; a CNAME must stand alone", b.name))
                    } else if n.rrset(RecordType::CNAME).is_some() {
                        Some(format!("{} has a CNAME record, which must stand alone", b.name))
                    } else {
                        None
                    }
                })
            };
            match problem {
                Some(message) => conflicts.push(BindingConflict { id: b.id.clone(), message }),
                None => nodes.entry(owner).or_default().policies.push(Arc::new(b)),
            }
        }
        let mut empty_non_terminals = HashSet::new();
        for name in nodes.keys() {
            let mut n = name.base_name();
            while origin.zone_of(&n) && n != origin && !nodes.contains_key(&n) {
                if !empty_non_terminals.insert(n.clone()) {
                    break;
                }
                n = n.base_name();
            }
        }
        let has_wildcards = nodes.keys().any(|n| n.is_wildcard());
        let mut fast = WireMap::with_capacity_and_hasher(nodes.len(), WireHash);
        for (name, node) in &nodes {
            // Delegated names answer with referrals, which the fast path leaves to `answer`.
            if *name != origin && below_cut(&cuts, &origin, name) {
                continue;
            }
            fast.insert(wire_key(&Name::from(name)), FastNode::build(&node.rrsets, &node.policies));
        }
        let mut alias_targets: Vec<(Name, RecordType)> = nodes
            .values()
            .flat_map(|n| n.policies.iter())
            .flat_map(|b| {
                b.values.iter().filter_map(|v| match v {
                    EndpointData::Alias(name) => Some((name.clone(), b.rtype)),
                    _ => None,
                })
            })
            .collect();
        alias_targets.sort();
        alias_targets.dedup();
        Ok((
            ZoneData {
                alias_targets,
                queries: Counter::default(),
                nxdomain: Counter::default(),
                origin,
                origin_name,
                soa,
                nodes,
                empty_non_terminals,
                cuts,
                has_wildcards,
                fast,
            },
            conflicts,
        ))
    }

    /// The same zone with its SOA served with `serial`: everything else is shared or copied,
    /// and the counters carry on (policy records keep their endpoint counters).
    pub fn with_soa_serial(&self, serial: u32) -> ZoneData {
        let mut soa = self.soa.clone();
        if let RData::SOA(s) = &mut soa.data {
            s.serial = serial;
        }
        let mut nodes = self.nodes.clone();
        let mut fast = self.fast.clone();
        if let Some(apex) = nodes.get_mut(&self.origin) {
            for (t, records) in &mut apex.rrsets {
                if *t == RecordType::SOA {
                    for r in records.iter_mut() {
                        if let RData::SOA(s) = &mut r.data {
                            s.serial = serial;
                        }
                    }
                }
            }
            fast.insert(wire_key(&self.origin_name), FastNode::build(&apex.rrsets, &apex.policies));
        }
        ZoneData {
            origin: self.origin.clone(),
            origin_name: self.origin_name.clone(),
            soa,
            nodes,
            empty_non_terminals: self.empty_non_terminals.clone(),
            cuts: self.cuts.clone(),
            has_wildcards: self.has_wildcards,
            fast,
            alias_targets: self.alias_targets.clone(),
            queries: self.queries.carried(),
            nxdomain: self.nxdomain.carried(),
        }
    }

    /// The zone's origin.
    pub fn origin(&self) -> &Name {
        &self.origin_name
    }

    /// The zone's policy bindings (policy records and routed record sets), for reports.
    pub fn bindings(&self) -> impl Iterator<Item = &Arc<PolicyBinding>> {
        self.nodes.values().flat_map(|n| n.policies.iter())
    }

    /// Number of owner names with data.
    pub fn name_count(&self) -> usize {
        self.nodes.len()
    }

    fn negative_soa(&self) -> Record {
        let mut soa = self.soa.clone();
        if let RData::SOA(s) = &self.soa.data {
            soa.ttl = soa.ttl.min(s.minimum);
        }
        soa
    }
}

fn below_cut(cuts: &HashSet<LowerName>, origin: &LowerName, name: &LowerName) -> bool {
    if cuts.is_empty() {
        return false;
    }
    let mut n = name.clone();
    while n != *origin && !n.is_root() {
        if cuts.contains(&n) {
            return true;
        }
        n = n.base_name();
    }
    false
}

/// Every zone the server is authoritative for, at one change-log serial.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The change-log serial this snapshot reflects.
    pub serial: i64,
    zones: HashMap<LowerName, Arc<ZoneData>>,
    /// The same zones keyed by wire-form origin, for the fast path.
    wire_zones: WireMap<Arc<ZoneData>>,
    /// Most labels of any origin, to bound the zone search.
    max_origin_labels: u8,
}

/// Everything one answer depends on besides the snapshot.
pub struct Client<'a> {
    /// Location, health and latency for policy evaluation.
    pub query: Query<'a>,
    /// Random source for weighted and multivalue draws.
    pub rng: &'a mut dyn RandomSource,
    /// Addresses of alias-style endpoint targets.
    pub aliases: &'a dyn AliasTargets,
    /// The answering thread's counter stripe (see [`crate::counters`]).
    pub stripe: usize,
    /// Where policy evaluations record their steps, when the answer is being explained.
    pub trace: Option<&'a mut policy::Trace>,
}

/// An authoritative answer, ready to be written to the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// NOERROR, NXDOMAIN or REFUSED.
    pub rcode: ResponseCode,
    /// The AA bit: set for data from our zones, clear for referrals and refusals.
    pub authoritative: bool,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section (SOA for negative answers, NS for referrals).
    pub authority: Vec<Record>,
    /// Additional section (glue).
    pub additional: Vec<Record>,
    /// EDNS Client Subnet scope prefix length the answer depends on.
    pub ecs_scope: u8,
}

impl Outcome {
    fn new(rcode: ResponseCode, authoritative: bool) -> Outcome {
        Outcome {
            rcode,
            authoritative,
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            ecs_scope: 0,
        }
    }
}

/// Longest CNAME chain followed inside one zone.
const MAX_CNAME_CHAIN: usize = 8;

impl Snapshot {
    /// No zones at all.
    pub fn empty() -> Snapshot {
        Snapshot::default()
    }

    /// A copy with `zone` added or replaced; the other zones are shared, not copied.
    pub fn with_zone(&self, zone: Arc<ZoneData>, serial: i64) -> Snapshot {
        let mut zones = self.zones.clone();
        zones.insert(zone.origin.clone(), zone);
        Snapshot::from_map(zones, serial)
    }

    /// A copy without the zone at `origin`.
    pub fn without_zone(&self, origin: &Name, serial: i64) -> Snapshot {
        let mut zones = self.zones.clone();
        zones.remove(&LowerName::new(origin));
        Snapshot::from_map(zones, serial)
    }

    /// A snapshot of exactly these zones.
    pub fn from_zones(zones: impl IntoIterator<Item = Arc<ZoneData>>, serial: i64) -> Snapshot {
        Snapshot::from_map(zones.into_iter().map(|z| (z.origin.clone(), z)).collect(), serial)
    }

    fn from_map(zones: HashMap<LowerName, Arc<ZoneData>>, serial: i64) -> Snapshot {
        let max_origin_labels = zones.keys().map(|n| n.num_labels()).max().unwrap_or(0);
        let mut wire_zones = WireMap::with_capacity_and_hasher(zones.len(), WireHash);
        for z in zones.values() {
            wire_zones.insert(wire_key(&z.origin_name), z.clone());
        }
        Snapshot { serial, zones, wire_zones, max_origin_labels }
    }

    /// Every alias-style endpoint target of every policy record, with the type to look up.
    pub fn alias_targets(&self) -> HashSet<(Name, RecordType)> {
        self.zones.values().flat_map(|z| z.alias_targets.iter().cloned()).collect()
    }

    /// Every zone, for reports.
    pub fn zones(&self) -> impl Iterator<Item = &Arc<ZoneData>> {
        self.zones.values()
    }

    /// Number of zones.
    pub fn zone_count(&self) -> usize {
        self.zones.len()
    }

    /// The zone at `origin`, if served.
    pub fn zone(&self, origin: &Name) -> Option<&Arc<ZoneData>> {
        self.zones.get(&LowerName::new(origin))
    }

    /// The id of the policy record (or routed record sets) that owns `name` and `rtype`, if
    /// any: for reports such as the query log.
    pub fn policy_record_at(&self, name: &Name, rtype: RecordType) -> Option<&str> {
        let lower = LowerName::new(name);
        let zone = self.find_zone(&lower)?;
        zone.nodes.get(&lower)?.policy(rtype).map(|b| b.id.as_str())
    }

    /// The most specific zone containing `name`.
    pub fn find_zone(&self, name: &LowerName) -> Option<&Arc<ZoneData>> {
        let mut n = if name.num_labels() > self.max_origin_labels {
            LowerName::new(&Name::from(name).trim_to(self.max_origin_labels as usize))
        } else {
            name.clone()
        };
        loop {
            if let Some(z) = self.zones.get(&n) {
                return Some(z);
            }
            if n.is_root() {
                return None;
            }
            n = n.base_name();
        }
    }

    /// The fast path: appends the answer section for `qtype` at `name` to `out` when the
    /// question has a positive answer from pre-encoded data (see [`crate::wire`]), returning
    /// the record count and the ECS scope; `None` (with `out` untouched) when [`Self::answer`]
    /// must answer instead. `name` is the question's name in lowercase wire form and
    /// `label_starts` the offset of each of its labels.
    pub fn answer_wire(
        &self,
        name: &[u8],
        label_starts: &[u8],
        qtype: u16,
        client: &mut Client<'_>,
        out: &mut Vec<u8>,
    ) -> Option<(u16, u8)> {
        let skip = label_starts.len().saturating_sub(usize::from(self.max_origin_labels));
        let zone = label_starts[skip..]
            .iter()
            .map(|&start| &name[usize::from(start)..])
            .chain(std::iter::once(&name[name.len().saturating_sub(1)..]))
            .find_map(|suffix| self.wire_zones.get(suffix))?;
        let node = zone.fast.get(name)?;
        let before = out.len();
        let result = node.answer(qtype, client, out);
        match result {
            Some(_) => zone.queries.add(client.stripe),
            None => out.truncate(before),
        }
        result
    }

    /// Answers one question authoritatively. `qname` keeps the case it was asked in; answer
    /// owner names for it are written in that case.
    pub fn answer(&self, qname: &Name, qtype: RecordType, client: &mut Client<'_>) -> Outcome {
        let lower = LowerName::new(qname);
        let Some(zone) = self.find_zone(&lower) else {
            return Outcome::new(ResponseCode::Refused, false);
        };
        zone.queries.add(client.stripe);
        let mut out = Outcome::new(ResponseCode::NoError, true);
        let mut name = qname.clone();
        let mut lname = lower;
        for _ in 0..=MAX_CNAME_CHAIN {
            match step(zone, &name, &lname, qtype, client, &mut out) {
                Step::Done => return out,
                Step::Follow(target) => {
                    let target_lower = LowerName::new(&target);
                    if !zone.origin.zone_of(&target_lower) {
                        // Out of our zone: the resolver follows it.
                        return out;
                    }
                    name = target;
                    lname = target_lower;
                }
            }
        }
        out
    }
}

enum Step {
    Done,
    Follow(Name),
}

/// One lookup of `name` within `zone`, adding to `out`.
fn step(
    zone: &ZoneData,
    name: &Name,
    lname: &LowerName,
    qtype: RecordType,
    client: &mut Client<'_>,
    out: &mut Outcome,
) -> Step {
    // Delegations: the closest cut at or above the name (but below the apex).
    if !zone.cuts.is_empty() {
        let mut n = lname.clone();
        while n != zone.origin && !n.is_root() {
            if zone.cuts.contains(&n) && !(n == *lname && qtype == RecordType::DS) {
                referral(zone, &n, out);
                return Step::Done;
            }
            n = n.base_name();
        }
    }
    if let Some(node) = zone.nodes.get(lname) {
        return from_node(zone, node, name, qtype, client, out);
    }
    if zone.empty_non_terminals.contains(lname) {
        nodata(zone, out);
        return Step::Done;
    }
    // RFC 4592: the wildcard at the closest encloser, if the name does not exist.
    if zone.has_wildcards {
        let mut encloser = lname.base_name();
        while zone.origin.zone_of(&encloser) {
            if zone.nodes.contains_key(&encloser) || zone.empty_non_terminals.contains(&encloser) {
                let wildcard =
                    LowerName::new(&Name::from(&encloser).prepend_label("*").unwrap_or_default());
                if let Some(node) = zone.nodes.get(&wildcard) {
                    return from_node(zone, node, name, qtype, client, out);
                }
                break;
            }
            if encloser == zone.origin {
                break;
            }
            encloser = encloser.base_name();
        }
    }
    // RFC 6604: the code describes the last name looked up, also after a CNAME.
    zone.nxdomain.add(client.stripe);
    out.rcode = ResponseCode::NXDomain;
    out.authority.push(zone.negative_soa());
    Step::Done
}

fn nodata(zone: &ZoneData, out: &mut Outcome) {
    out.authority.push(zone.negative_soa());
}

fn referral(zone: &ZoneData, cut: &LowerName, out: &mut Outcome) {
    out.authoritative = !out.answers.is_empty() && out.authoritative;
    let Some(ns) = zone.nodes.get(cut).and_then(|n| n.rrset(RecordType::NS)) else { return };
    out.authority.extend(ns.iter().cloned());
    for r in ns {
        if let RData::NS(target) = &r.data {
            let t = LowerName::new(&target.0);
            if let Some(node) = zone.nodes.get(&t) {
                for rt in [RecordType::A, RecordType::AAAA] {
                    if let Some(glue) = node.rrset(rt) {
                        out.additional.extend(glue.iter().cloned());
                    }
                }
            }
        }
    }
}

/// Copies records, owned by `name` (the question's spelling).
fn push_as(out: &mut Vec<Record>, records: &[Record], name: &Name) {
    for r in records {
        let mut r = r.clone();
        r.name = name.clone();
        out.push(r);
    }
}

fn from_node(
    zone: &ZoneData,
    node: &Node,
    name: &Name,
    qtype: RecordType,
    client: &mut Client<'_>,
    out: &mut Outcome,
) -> Step {
    let chosen = node.policy(qtype).or_else(|| {
        if qtype == RecordType::ANY && node.rrsets.is_empty() {
            node.policies.first()
        } else {
            node.policy(RecordType::CNAME)
        }
    });
    if let Some(b) = chosen {
        if qtype == b.rtype || (qtype == RecordType::ANY && node.rrsets.is_empty()) {
            let before = out.answers.len();
            evaluate(b, name, client, out);
            if out.answers.len() == before {
                nodata(zone, out);
            }
            return Step::Done;
        }
        if b.rtype == RecordType::CNAME && qtype != RecordType::CNAME {
            let before = out.answers.len();
            evaluate(b, name, client, out);
            return match out.answers.get(before).map(|r| &r.data) {
                Some(RData::CNAME(CNAME(target))) => Step::Follow(target.clone()),
                _ => {
                    nodata(zone, out);
                    Step::Done
                }
            };
        }
    }
    if qtype == RecordType::ANY {
        // RFC 8482: one RRset is enough.
        match node.rrsets.first() {
            Some((_, records)) => push_as(&mut out.answers, records, name),
            None => nodata(zone, out),
        }
        return Step::Done;
    }
    if let Some(records) = node.rrset(qtype) {
        push_as(&mut out.answers, records, name);
        return Step::Done;
    }
    if let Some(cname) = node.rrset(RecordType::CNAME) {
        push_as(&mut out.answers, cname, name);
        if let Some(RData::CNAME(CNAME(target))) = cname.first().map(|r| &r.data) {
            return Step::Follow(target.clone());
        }
        return Step::Done;
    }
    nodata(zone, out);
    Step::Done
}

/// Evaluates a policy record and appends its answer records.
fn evaluate(b: &PolicyBinding, name: &Name, client: &mut Client<'_>, out: &mut Outcome) {
    let answer = match client.trace.as_deref_mut() {
        Some(trace) => {
            use policy::Tracer;
            trace.step(0, || {
                let what = format!("{name} {} is answered by {}", b.rtype, b.id);
                (policy::TraceEvent::Start, String::new(), what)
            });
            b.policy.evaluate_with(&client.query, client.rng, trace)
        }
        None => b.policy.evaluate(&client.query, client.rng),
    };
    b.count(answer.endpoint_indices(), client.stripe);
    out.ecs_scope = out.ecs_scope.max(answer.ecs_scope);
    for &i in answer.endpoint_indices() {
        match &b.values[i as usize] {
            EndpointData::Value(rdata) => {
                out.answers.push(Record::from_rdata(name.clone(), b.ttl, rdata.clone()));
            }
            EndpointData::Set(ttl, records) => {
                for rdata in records {
                    out.answers.push(Record::from_rdata(name.clone(), *ttl, rdata.clone()));
                }
            }
            EndpointData::Alias(target) => {
                if let Some((addrs, ttl)) = client.aliases.addresses(target, b.rtype) {
                    for ip in addrs {
                        let rdata = match (ip, b.rtype) {
                            (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                            (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                            _ => continue,
                        };
                        out.answers.push(Record::from_rdata(name.clone(), ttl, rdata));
                    }
                }
            }
        }
    }
}

/// The SOA record of a zone, for tests and the API.
pub fn soa_of(zone: &ZoneData) -> Option<&SOA> {
    match &zone.soa.data {
        RData::SOA(s) => Some(s),
        _ => None,
    }
}
