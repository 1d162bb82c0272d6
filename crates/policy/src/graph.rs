//! Policy graphs built from typed values instead of document text.
//!
//! Record-level routing (record sets with a `SetIdentifier`) and alias chains inside a zone are
//! compiled by `zone::routing` into the same [`Policy`] graph that traffic policy documents
//! compile to, so that one evaluator answers both. A [`GraphBuilder`] takes nodes one at a
//! time: endpoints, rules (reserved first, so that shared children and forward references need
//! no second pass), and whole compiled policies embedded as sub-graphs (an alias to a policy
//! record). Two kinds of rule exist only here, because documents cannot express them:
//!
//! - [`RuleSpec::Cidr`]: IP-based routing, the longest matching CIDR block of the client's
//!   subnet chooses the entry, `*` answers everyone else;
//! - [`RuleSpec::Alias`]: one hop of an alias chain, a rule with one branch, so that a hop's
//!   own health check and `EvaluateTargetHealth` keep their meaning and the trace shows it.
//!
//! [`GraphBuilder::finish`] checks what a document compiler would (every reserved rule
//! defined, no cycle, entry counts) and refuses rather than building a graph that could
//! misbehave; the caller reports the message.

use std::net::IpAddr;

use crate::codes::{self, Catalog};
use crate::compile::{Branch, Endpoint, NodeRef, Policy, Rule, RuleKind, Site, branches};
use crate::document::{FormatVersion, GeoMatch, MAX_RULE_ENTRIES};
use crate::location::{Code, Continent, Coordinates};
use crate::query::EndpointKind;
use crate::rdata::RecordType;

/// One way out of a rule.
#[derive(Clone, Debug)]
pub struct BranchSpec {
    /// The node the branch leads to.
    pub target: NodeRef,
    /// Its health check id, if any.
    pub health_check: Option<String>,
    /// Whether the target's health counts (`EvaluateTargetHealth`).
    pub evaluate_target_health: bool,
    /// How the trace names the branch (for record sets: `/<name> <type>/<set identifier>`).
    pub label: String,
}

/// A geolocation entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeoSpec {
    /// A continent code (`EU`).
    Continent(String),
    /// A country code (`FR`).
    Country(String),
    /// A country and one of its subdivisions (`US`, `WA`).
    Subdivision(String, String),
    /// Everyone no other entry matches (`*`).
    Default,
}

/// A geoproximity position.
#[derive(Clone, Debug, PartialEq)]
pub enum ProximitySpec {
    /// An AWS region or custom location code (`us-east-1`).
    Region(String),
    /// A Local Zone group (`us-east-1-atl-1`).
    LocalZone(String),
    /// Latitude and longitude in degrees.
    Coordinates(f64, f64),
}

/// One block of a CIDR location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CidrBlock {
    /// The network address (host bits zero).
    pub addr: IpAddr,
    /// The prefix length.
    pub len: u8,
}

/// A named location of a CIDR collection with its blocks.
pub type CidrLocation = (String, Vec<CidrBlock>);

/// A rule, by kind.
#[derive(Clone, Debug)]
pub enum RuleSpec {
    /// Failover: primary while healthy, else secondary.
    Failover {
        /// The primary branch.
        primary: BranchSpec,
        /// The secondary branch.
        secondary: BranchSpec,
    },
    /// Geolocation entries.
    Geo(Vec<(GeoSpec, BranchSpec)>),
    /// Latency regions (region codes).
    Latency(Vec<(String, BranchSpec)>),
    /// Geoproximity positions with their bias.
    Geoproximity(Vec<(ProximitySpec, i8, BranchSpec)>),
    /// Weighted items.
    Weighted(Vec<(u8, BranchSpec)>),
    /// Multivalue items.
    Multivalue(Vec<BranchSpec>),
    /// IP-based routing: each entry is a location with its blocks, or `None` for the default
    /// location `*`.
    Cidr(Vec<(Option<CidrLocation>, BranchSpec)>),
    /// One hop of an alias chain.
    Alias(BranchSpec),
    /// A target that answers nothing and is unhealthy, with the reason (an alias whose target
    /// no longer exists).
    Unresolved(String),
}

/// Builds a [`Policy`] node by node.
#[derive(Debug)]
pub struct GraphBuilder<'c> {
    catalog: &'c Catalog,
    record_type: RecordType,
    description: String,
    rules: Vec<(String, Option<RuleKind>)>,
    labels: Vec<Box<str>>,
    endpoints: Vec<Endpoint>,
}

impl<'c> GraphBuilder<'c> {
    /// A builder for answers of `record_type`; `description` stands in for the document text
    /// ([`Policy::document_text`]).
    pub fn new(record_type: RecordType, catalog: &'c Catalog, description: String) -> Self {
        GraphBuilder {
            catalog,
            record_type,
            description,
            rules: Vec::new(),
            labels: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    /// Adds a `value` endpoint. `value` is what explain shows; the caller keeps the data the
    /// endpoint answers with, by index.
    pub fn endpoint(&mut self, id: String, value: String) -> NodeRef {
        self.endpoints.push(Endpoint { id, kind: EndpointKind::Value, value, region: None });
        NodeRef::Endpoint(self.endpoints.len() as u32 - 1)
    }

    /// Number of endpoints so far (the next endpoint's index).
    pub fn endpoint_count(&self) -> usize {
        self.endpoints.len()
    }

    /// Reserves a rule named `id`, defined later with [`GraphBuilder::define`]; `label` is
    /// how the trace names it.
    pub fn reserve(&mut self, id: String, label: String) -> NodeRef {
        self.rules.push((id, None));
        self.labels.push(label.into());
        NodeRef::Rule(self.rules.len() as u32 - 1)
    }

    /// Defines a reserved rule. The message says what is wrong with the spec.
    pub fn define(&mut self, node: NodeRef, spec: RuleSpec) -> Result<(), String> {
        let NodeRef::Rule(r) = node else {
            return Err("an endpoint cannot be defined as a rule".into());
        };
        let kind = self.kind(spec)?;
        match self.rules.get_mut(r as usize) {
            Some((_, slot @ None)) => {
                *slot = Some(kind);
                Ok(())
            }
            Some((id, Some(_))) => Err(format!("rule {id} is defined twice")),
            None => Err(format!("rule {r} was not reserved")),
        }
    }

    /// Copies a compiled policy into this graph and returns the node its start becomes. The
    /// embedded policy's endpoints keep their order, from the returned endpoint offset on.
    pub fn embed(&mut self, p: &Policy) -> Result<(NodeRef, usize), String> {
        if p.record_type != self.record_type {
            return Err(format!(
                "a {} policy cannot answer {} queries",
                p.record_type, self.record_type
            ));
        }
        let rule_base = self.rules.len() as u32;
        let ep_base = self.endpoints.len();
        let shift = |n: NodeRef| match n {
            NodeRef::Rule(r) => NodeRef::Rule(r + rule_base),
            NodeRef::Endpoint(e) => NodeRef::Endpoint(e + ep_base as u32),
        };
        self.endpoints.extend(p.endpoints.iter().cloned());
        for rule in &p.rules {
            let mut kind = rule.kind.clone();
            for b in branches_mut(&mut kind) {
                b.target = shift(b.target);
            }
            self.labels.push(rule.ptr.clone());
            self.rules.push((rule.id.clone(), Some(kind)));
        }
        Ok((shift(p.start), ep_base))
    }

    /// The finished policy starting at `start`.
    pub fn finish(self, start: NodeRef) -> Result<Policy, String> {
        let mut rules = Vec::with_capacity(self.rules.len());
        for ((id, kind), ptr) in self.rules.into_iter().zip(self.labels) {
            let kind = kind.ok_or_else(|| format!("rule {id} was reserved but not defined"))?;
            rules.push(Rule { id, ptr, kind });
        }
        let n_rules = rules.len() as u32;
        let n_eps = self.endpoints.len() as u32;
        let in_range = |n: NodeRef| match n {
            NodeRef::Rule(r) => r < n_rules,
            NodeRef::Endpoint(e) => e < n_eps,
        };
        if !in_range(start)
            || rules.iter().flat_map(|r| branches(&r.kind)).any(|b| !in_range(b.target))
        {
            return Err("a branch leads to a node that does not exist".into());
        }
        if let Some(cycle) = find_cycle(&rules) {
            return Err(format!("the graph has a cycle: {cycle}"));
        }
        let mut policy = Policy {
            text: self.description,
            version: FormatVersion::V2023_05_09,
            record_type: self.record_type,
            start,
            rules,
            endpoints: self.endpoints,
        };
        crate::compile::mark_location_dependent_health(&mut policy);
        Ok(policy)
    }

    fn kind(&self, spec: RuleSpec) -> Result<RuleKind, String> {
        let entries = match &spec {
            RuleSpec::Failover { .. } | RuleSpec::Alias(_) | RuleSpec::Unresolved(_) => 1,
            RuleSpec::Geo(v) => v.len(),
            RuleSpec::Latency(v) => v.len(),
            RuleSpec::Geoproximity(v) => v.len(),
            RuleSpec::Weighted(v) => v.len(),
            RuleSpec::Multivalue(v) => v.len(),
            RuleSpec::Cidr(v) => v.len(),
        };
        if entries == 0 {
            return Err("a rule needs at least one entry".into());
        }
        if entries > MAX_RULE_ENTRIES {
            return Err(format!("{entries} entries in one rule; at most {MAX_RULE_ENTRIES}"));
        }
        Ok(match spec {
            RuleSpec::Failover { primary, secondary } => {
                RuleKind::Failover { primary: branch(primary), secondary: branch(secondary) }
            }
            RuleSpec::Alias(b) => RuleKind::Alias(branch(b)),
            RuleSpec::Unresolved(why) => RuleKind::Unresolved(why.into()),
            RuleSpec::Geo(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (g, b) in v {
                    let m = geo_match(&g).map_err(|e| format!("{}: {e}", b.label))?;
                    if out.iter().any(|(o, _)| *o == m) {
                        return Err(format!(
                            "{}: the location {} appears more than once",
                            b.label,
                            crate::compile::describe_geo(&m)
                        ));
                    }
                    out.push((m, branch(b)));
                }
                RuleKind::Geo(out)
            }
            RuleSpec::Latency(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (region, b) in v {
                    let (_, at) = self.catalog.latency_region(&region).ok_or_else(|| {
                        format!("{}: {region:?} is not a known latency region", b.label)
                    })?;
                    let site = Site {
                        code: Some(region.as_str().into()),
                        at,
                        label: region.as_str().into(),
                    };
                    out.push((site, branch(b)));
                }
                RuleKind::Latency(out)
            }
            RuleSpec::Geoproximity(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (position, bias, b) in v {
                    if !(-99..=99).contains(&bias) {
                        return Err(format!("{}: bias {bias} is out of range -99 to 99", b.label));
                    }
                    let site = self.site(&position).map_err(|e| format!("{}: {e}", b.label))?;
                    out.push((site, bias, branch(b)));
                }
                RuleKind::Geoproximity(out)
            }
            RuleSpec::Weighted(v) => {
                let all_zero = v.iter().all(|(w, _)| *w == 0);
                let items: Vec<(u8, Branch)> = v.into_iter().map(|(w, b)| (w, branch(b))).collect();
                let cumulative = items
                    .iter()
                    .scan(0u32, |acc, (w, _)| {
                        *acc += u32::from(*w);
                        Some(*acc)
                    })
                    .collect();
                RuleKind::Weighted {
                    items,
                    all_zero,
                    cumulative,
                    items_health_uses_location: false,
                    items_health_uses_subnet: false,
                }
            }
            RuleSpec::Multivalue(v) => {
                if v.iter().any(|b| matches!(b.target, NodeRef::Rule(_))) {
                    return Err("multivalue items answer values, not rules".into());
                }
                RuleKind::Multivalue(v.into_iter().map(branch).collect())
            }
            RuleSpec::Cidr(v) => {
                let mut entries = Vec::with_capacity(v.len());
                let mut blocks = Vec::new();
                let mut default = None;
                for (i, (location, b)) in v.into_iter().enumerate() {
                    match location {
                        None if default.is_some() => {
                            return Err(format!("{}: a second default location *", b.label));
                        }
                        None => {
                            default = Some(i as u8);
                            entries.push(("*".into(), branch(b)));
                        }
                        Some((name, list)) => {
                            for block in list {
                                blocks.push(CidrKey::new(block, i as u8).ok_or_else(|| {
                                    format!(
                                        "{}: {}/{} is not a network address and prefix length",
                                        b.label, block.addr, block.len
                                    )
                                })?);
                            }
                            entries.push((name.into(), branch(b)));
                        }
                    }
                }
                // Longest prefix first, so that the first block containing the client wins.
                blocks.sort_by(|a, b| b.len.cmp(&a.len).then(a.net.cmp(&b.net)));
                RuleKind::Cidr(Box::new(CidrTable { entries, blocks, default }))
            }
        })
    }

    fn site(&self, p: &ProximitySpec) -> Result<Site, String> {
        let (code, at) = match p {
            ProximitySpec::Region(code) => (
                Some(code.as_str()),
                self.catalog
                    .geoproximity_region(code, false)
                    .ok_or_else(|| format!("{code:?} is not a known region"))?
                    .1,
            ),
            ProximitySpec::LocalZone(code) => (
                Some(code.as_str()),
                self.catalog
                    .geoproximity_region(code, true)
                    .ok_or_else(|| format!("{code:?} is not a known Local Zone group"))?
                    .1,
            ),
            ProximitySpec::Coordinates(latitude, longitude) => {
                if !(-90.0..=90.0).contains(latitude) || !(-180.0..=180.0).contains(longitude) {
                    return Err(format!(
                        "coordinates {latitude}, {longitude} are out of range (latitude -90 to 90, longitude -180 to 180)"
                    ));
                }
                (None, Coordinates { latitude: *latitude, longitude: *longitude })
            }
        };
        let label = match p {
            ProximitySpec::Coordinates(la, lo) => format!("{la}, {lo}"),
            _ => code.unwrap_or_default().to_owned(),
        };
        Ok(Site { code: code.map(Box::from), at, label: label.into() })
    }
}

fn branch(b: BranchSpec) -> Branch {
    Branch {
        target: b.target,
        health_check: b.health_check.map(String::into_boxed_str),
        eth: b.evaluate_target_health,
        ptr: b.label.into(),
    }
}

fn geo_match(g: &GeoSpec) -> Result<GeoMatch, String> {
    Ok(match g {
        GeoSpec::Default => GeoMatch::Default,
        GeoSpec::Continent(c) => GeoMatch::Continent(
            Continent::from_code(c).ok_or_else(|| format!("{c:?} is not a continent code"))?,
        ),
        GeoSpec::Country(c) => {
            codes::country(c).ok_or_else(|| format!("{c:?} is not a country code"))?;
            GeoMatch::Country(Code::new(c).ok_or_else(|| format!("{c:?} is not a country code"))?)
        }
        GeoSpec::Subdivision(c, s) => {
            codes::subdivision(c, s)
                .ok_or_else(|| format!("{s:?} is not a subdivision of {c:?}"))?;
            let code = |x: &str| Code::new(x).ok_or_else(|| format!("{x:?} is not a code"));
            GeoMatch::Subdivision(code(c)?, code(s)?)
        }
    })
}

fn branches_mut(kind: &mut RuleKind) -> Vec<&mut Branch> {
    match kind {
        RuleKind::Failover { primary, secondary } => vec![primary, secondary],
        RuleKind::Geo(v) => v.iter_mut().map(|(_, b)| b).collect(),
        RuleKind::Latency(v) => v.iter_mut().map(|(_, b)| b).collect(),
        RuleKind::Geoproximity(v) => v.iter_mut().map(|(_, _, b)| b).collect(),
        RuleKind::Weighted { items, .. } => items.iter_mut().map(|(_, b)| b).collect(),
        RuleKind::Multivalue(v) => v.iter_mut().collect(),
        RuleKind::Cidr(t) => t.entries.iter_mut().map(|(_, b)| b).collect(),
        RuleKind::Alias(b) => vec![b],
        RuleKind::Unresolved(_) => Vec::new(),
    }
}

/// The rule ids along a cycle, if the rules have one.
fn find_cycle(rules: &[Rule]) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; rules.len()];
    for root in 0..rules.len() {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search: (rule, next child position).
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::Active;
        while let Some(&mut (r, ref mut pos)) = stack.last_mut() {
            let child = branches(&rules[r].kind).nth(*pos).map(|b| b.target);
            *pos += 1;
            match child {
                None => {
                    marks[r] = Mark::Done;
                    stack.pop();
                }
                Some(NodeRef::Rule(c)) => {
                    let c = c as usize;
                    match marks[c] {
                        Mark::New => {
                            marks[c] = Mark::Active;
                            stack.push((c, 0));
                        }
                        Mark::Active => {
                            let from = stack.iter().position(|(s, _)| *s == c).unwrap_or(0);
                            let mut path: Vec<&str> =
                                stack[from..].iter().map(|(s, _)| rules[*s].id.as_str()).collect();
                            path.push(&rules[c].id);
                            return Some(path.join(" -> "));
                        }
                        Mark::Done => {}
                    }
                }
                Some(NodeRef::Endpoint(_)) => {}
            }
        }
    }
    None
}

/// A CIDR block as the evaluator compares it: the network as a 128-bit number (IPv4 in the
/// high 32 bits), its prefix length, and the entry it leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CidrKey {
    pub(crate) v6: bool,
    pub(crate) net: u128,
    pub(crate) len: u8,
    pub(crate) entry: u8,
}

impl CidrKey {
    fn new(b: CidrBlock, entry: u8) -> Option<CidrKey> {
        let (v6, bits, max) = split(b.addr);
        if b.len > max || bits & !mask(b.len) != 0 {
            return None;
        }
        Some(CidrKey { v6, net: bits, len: b.len, entry })
    }
}

/// An address as (is IPv6, bits aligned to the top of a u128, family length).
pub(crate) fn split(addr: IpAddr) -> (bool, u128, u8) {
    match addr {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)) << 96, 32),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (false, u128::from(u32::from(v4)) << 96, 32),
            None => (true, u128::from(a), 128),
        },
    }
}

/// The top `len` bits set.
pub(crate) fn mask(len: u8) -> u128 {
    if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) }
}

/// The blocks of an IP-based rule.
#[derive(Clone, Debug)]
pub(crate) struct CidrTable {
    /// Location name and branch, in the order given.
    pub(crate) entries: Vec<(Box<str>, Branch)>,
    /// Every block, longest prefix first.
    pub(crate) blocks: Vec<CidrKey>,
    /// The entry of the default location `*`.
    pub(crate) default: Option<u8>,
}

impl CidrTable {
    /// The entry whose block is the longest match for the client subnet (a block matches
    /// when it contains the whole subnet), and the ECS scope that keeps the decision true for
    /// every address sharing that many leading bits with the client: the matched prefix
    /// length, lengthened past any block the client is not in.
    pub(crate) fn lookup(&self, addr: IpAddr, source_len: u8) -> (Option<u8>, u8) {
        let (v6, bits, max) = split(addr);
        // An IPv4-mapped IPv6 subnet counts its prefix over 128 bits.
        let mapped = matches!(addr, IpAddr::V6(a) if a.to_ipv4_mapped().is_some());
        let source_len = if mapped { source_len.saturating_sub(96) } else { source_len }.min(max);
        let bits = bits & mask(source_len);
        let family = || self.blocks.iter().filter(move |k| k.v6 == v6);
        let contains = |k: &CidrKey| k.len <= source_len && (bits ^ k.net) & mask(k.len) == 0;
        let matched = family().find(|k| contains(k));
        let mut scope = matched.map_or(0, |k| k.len);
        for k in family() {
            if contains(k) || matched.is_some_and(|m| m.entry == k.entry) {
                continue;
            }
            // A block leading elsewhere: the first bit where the client leaves it must be
            // inside the scope.
            let common = ((bits ^ k.net).leading_zeros() as u8).min(k.len);
            scope = scope.max((common + 1).min(k.len));
        }
        (matched.map(|k| k.entry), scope.min(source_len))
    }
}
