//! Evaluation: a compiled [`Policy`] and one query in, an [`Answer`] out.
//!
//! Evaluation cannot fail. It runs in two parts, as Route 53 describes it:
//!
//! * **Health** of a rule is "at least one applicable branch is healthy", where a branch is
//!   healthy when its `HealthCheck` (if any) is healthy and, with `EvaluateTargetHealth`, its
//!   target is healthy too. It does not depend on random draws, so it is computed once per rule
//!   and remembered for the rest of the query: a DAG with shared children stays linear.
//! * **Selection** walks one path from the start: each rule picks among its healthy branches
//!   by its routing policy, falls back to its last resort when none is healthy, and descends
//!   into exactly one child (a multivalue rule, which only has endpoints, takes up to eight).
//!
//! The trace is generic over [`Tracer`]; the DNS path uses a tracer whose methods are empty
//! and whose closures are never called, so it pays nothing for explain.

use crate::compile::{Branch, NodeRef, Policy, RuleKind, Site};
use crate::document::GeoMatch;
use crate::document::MAX_RULE_ENTRIES;
use crate::location::ClientLocation;
use crate::query::{HealthView, LatencyOracle, RandomSource, estimate_rtt_ms};
use crate::trace::{NoTrace, Trace, TraceEvent, Tracer};

/// Draws a weighted rule makes over all its items before it checks every item's health.
const REJECTION_TRIES: usize = 4;

/// Most values one answer holds (multivalue answers up to eight).
pub const MAX_ANSWER_VALUES: usize = 8;

/// What evaluation produced: up to eight endpoints (none: NOERROR with no data) and the EDNS
/// Client Subnet scope the answer depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    endpoints: [u32; MAX_ANSWER_VALUES],
    len: u8,
    /// Prefix length the answer depends on: 0 when it does not depend on the client's location,
    /// else the prefix of the location data that decided it.
    pub ecs_scope: u8,
    /// False when a rule on the path fell back to its last resort because nothing was healthy.
    pub healthy: bool,
}

impl Answer {
    /// Whether nothing matched (NOERROR, no data).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Number of endpoints in the answer.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// Indices of the answering endpoints in [`Policy::endpoints`].
    pub fn endpoint_indices(&self) -> &[u32] {
        &self.endpoints[..usize::from(self.len)]
    }
    /// The answering endpoints.
    pub fn endpoints<'a>(
        &'a self,
        policy: &'a Policy,
    ) -> impl Iterator<Item = &'a crate::Endpoint> + 'a {
        self.endpoint_indices().iter().map(move |&i| &policy.endpoints[i as usize])
    }
    fn push(&mut self, endpoint: u32) {
        if usize::from(self.len) < MAX_ANSWER_VALUES && !self.endpoint_indices().contains(&endpoint)
        {
            self.endpoints[usize::from(self.len)] = endpoint;
            self.len += 1;
        }
    }
}

/// One query: where the client is, what is healthy, and latency measurements.
#[derive(Clone, Copy)]
pub struct Query<'a> {
    /// The client's location.
    pub location: &'a ClientLocation,
    /// Current health.
    pub health: &'a dyn HealthView,
    /// Measured latencies (or none: [`crate::EstimatedLatency`]).
    pub latency: &'a dyn LatencyOracle,
    /// The client's subnet, for IP-based rules: the EDNS Client Subnet address and source
    /// prefix, else the resolver's address with its full length; `None` when unknown.
    pub subnet: Option<ClientSubnet>,
}

/// A client address with the number of its leading bits that are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSubnet {
    /// The address (bits past `prefix` are ignored).
    pub addr: std::net::IpAddr,
    /// The source prefix length.
    pub prefix: u8,
}

impl ClientSubnet {
    /// The client as a query gives it: the ECS source prefix when there is one, else the whole
    /// address.
    pub fn of(addr: std::net::IpAddr, ecs_source_prefix: Option<u8>) -> ClientSubnet {
        let full = if addr.is_ipv4() { 32 } else { 128 };
        ClientSubnet { addr, prefix: ecs_source_prefix.unwrap_or(full).min(full) }
    }
}

impl Policy {
    /// Evaluates the policy for one query.
    pub fn evaluate<R: RandomSource + ?Sized>(&self, q: &Query<'_>, rng: &mut R) -> Answer {
        self.evaluate_with(q, rng, &mut NoTrace)
    }

    /// Evaluates the policy and records every step taken.
    pub fn explain<R: RandomSource + ?Sized>(&self, q: &Query<'_>, rng: &mut R) -> (Answer, Trace) {
        let mut trace = Trace::default();
        let answer = self.evaluate_with(q, rng, &mut trace);
        (answer, trace)
    }

    /// Evaluates with any tracer.
    pub fn evaluate_with<R: RandomSource + ?Sized, T: Tracer>(
        &self,
        q: &Query<'_>,
        rng: &mut R,
        tracer: &mut T,
    ) -> Answer {
        let mut ev = Eval {
            p: self,
            q,
            rng,
            tr: tracer,
            memo: Memo::new(self.rules.len()),
            used_location: false,
            cidr_scope: 0,
        };
        let mut answer =
            Answer { endpoints: [0; MAX_ANSWER_VALUES], len: 0, ecs_scope: 0, healthy: true };
        ev.tr.step(0, || {
            let (ptr, what) = match self.start {
                NodeRef::Rule(r) => ("/StartRule", format!("rule {}", self.rules[r as usize].id)),
                NodeRef::Endpoint(e) => {
                    ("/StartEndpoint", format!("endpoint {}", self.endpoints[e as usize].id))
                }
            };
            (TraceEvent::Start, ptr.into(), format!("start at {what}"))
        });
        answer.healthy = ev.select(self.start, 1, &mut answer);
        if ev.used_location {
            answer.ecs_scope = q.location.scope_prefix;
        }
        answer.ecs_scope = answer.ecs_scope.max(ev.cidr_scope);
        ev.tr.step(0, || {
            let values: Vec<_> = answer.endpoints(self).map(|e| e.id.as_str()).collect();
            let detail = if values.is_empty() {
                "no answer: NOERROR with no data".to_owned()
            } else {
                format!("answer {} (ECS scope /{})", values.join(", "), answer.ecs_scope)
            };
            (TraceEvent::Answer, String::new(), detail)
        });
        answer
    }
}

/// Per-query memory of rule health, on the stack for policies of up to 128 rules.
enum Memo {
    Small { known: u128, healthy: u128 },
    Large(Vec<u8>),
}

impl Memo {
    fn new(rules: usize) -> Memo {
        if rules <= 128 {
            Memo::Small { known: 0, healthy: 0 }
        } else {
            Memo::Large(vec![0; rules])
        }
    }
    fn get(&self, r: u32) -> Option<bool> {
        match self {
            Memo::Small { known, healthy } => {
                (known >> r & 1 == 1).then_some(healthy >> r & 1 == 1)
            }
            Memo::Large(v) => match v[r as usize] {
                0 => None,
                x => Some(x == 2),
            },
        }
    }
    fn set(&mut self, r: u32, h: bool) {
        match self {
            Memo::Small { known, healthy } => {
                *known |= 1 << r;
                *healthy |= u128::from(h) << r;
            }
            Memo::Large(v) => v[r as usize] = 1 + u8::from(h),
        }
    }
}

/// A set of entry indices of one rule (at most 255 entries), on the stack.
#[derive(Clone, Copy, Default)]
struct Set([u64; 4]);

impl Set {
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
}

struct Eval<'a, 'q, R: ?Sized, T> {
    p: &'a Policy,
    q: &'a Query<'q>,
    rng: &'a mut R,
    tr: &'a mut T,
    memo: Memo,
    used_location: bool,
    /// The ECS scope IP-based rules need (the longest over the rules visited).
    cidr_scope: u8,
}

impl<R: RandomSource + ?Sized, T: Tracer> Eval<'_, '_, R, T> {
    /// Whether a node counts as healthy for a parent branch with EvaluateTargetHealth.
    fn node_healthy(&mut self, n: NodeRef) -> bool {
        match n {
            NodeRef::Endpoint(e) => {
                let ep = &self.p.endpoints[e as usize];
                !ep.kind.is_alias() || self.q.health.target_healthy(ep.kind, &ep.value)
            }
            NodeRef::Rule(r) => {
                if let Some(h) = self.memo.get(r) {
                    return h;
                }
                let h = self.rule_healthy(r);
                self.memo.set(r, h);
                h
            }
        }
    }

    fn rule_healthy(&mut self, r: u32) -> bool {
        let p = self.p;
        match &p.rules[r as usize].kind {
            RuleKind::Failover { primary, secondary } => {
                self.branch_ok(primary) || self.branch_ok(secondary)
            }
            RuleKind::Geo(entries) => {
                let chain = self.geo_chain(entries);
                chain.iter().flatten().any(|&i| self.branch_ok(&entries[i].1))
            }
            RuleKind::Latency(v) => v.iter().any(|(_, b)| self.branch_ok(b)),
            RuleKind::Geoproximity(v) => v.iter().any(|(_, _, b)| self.branch_ok(b)),
            RuleKind::Weighted { items, .. } => items.iter().any(|(_, b)| self.branch_ok(b)),
            RuleKind::Multivalue(items) => items.iter().any(|b| self.check_ok(b)),
            RuleKind::Cidr(t) => {
                let [matched, default] = self.cidr_candidates(t);
                [matched, default].into_iter().flatten().any(|i| self.branch_ok(&t.entries[i].1))
            }
            RuleKind::Alias(b) => self.branch_ok(b),
            RuleKind::Unresolved(_) => false,
        }
    }

    /// The entries of an IP-based rule that apply to the client: the location of the longest
    /// matching block, then the default `*`.
    fn cidr_candidates(&mut self, t: &crate::graph::CidrTable) -> [Option<usize>; 2] {
        let matched = match self.q.subnet {
            Some(c) => {
                let (entry, scope) = t.lookup(c.addr, c.prefix);
                self.cidr_scope = self.cidr_scope.max(scope);
                entry.map(usize::from)
            }
            None => None,
        };
        let default = t.default.map(usize::from).filter(|d| Some(*d) != matched);
        [matched, default]
    }

    /// The branch's own health check.
    fn check_ok(&self, b: &Branch) -> bool {
        b.health_check.as_deref().is_none_or(|id| self.q.health.is_healthy(id))
    }

    /// Health check and, with EvaluateTargetHealth, the target's health.
    fn branch_ok(&mut self, b: &Branch) -> bool {
        self.check_ok(b) && (!b.eth || self.node_healthy(b.target))
    }

    /// Like `branch_ok`, recording why a branch is passed over.
    fn try_branch(&mut self, depth: usize, b: &Branch, label: &dyn Fn() -> String) -> bool {
        if !self.check_ok(b) {
            self.tr.step(depth, || {
                let hc = b.health_check.as_deref().unwrap_or_default();
                (
                    TraceEvent::Skip,
                    b.ptr.to_string(),
                    format!("{} skipped: health check {hc} is unhealthy", label()),
                )
            });
            return false;
        }
        if b.eth && !self.node_healthy(b.target) {
            let p = self.p;
            let why = match b.target {
                NodeRef::Rule(r) if T::ON => self.why_unhealthy(r),
                _ => String::new(),
            };
            self.tr.step(depth, || {
                let what = match b.target {
                    NodeRef::Rule(r) => {
                        format!("rule {} has no healthy branch ({why})", p.rules[r as usize].id)
                    }
                    NodeRef::Endpoint(e) => {
                        format!("target {} is unhealthy", p.endpoints[e as usize].value)
                    }
                };
                (
                    TraceEvent::Skip,
                    b.ptr.to_string(),
                    format!("{} skipped: EvaluateTargetHealth and {what}", label()),
                )
            });
            return false;
        }
        true
    }

    /// For the trace: why each (applicable) branch of an unhealthy rule is unhealthy, one
    /// level down.
    fn why_unhealthy(&mut self, r: u32) -> String {
        let p = self.p;
        let rule = &p.rules[r as usize];
        let applicable: Vec<&Branch> = match &rule.kind {
            RuleKind::Geo(entries) => {
                let chain = self.geo_chain(entries);
                if chain.iter().all(Option::is_none) {
                    return "no location matches the client".into();
                }
                chain.iter().flatten().map(|&i| &entries[i].1).collect()
            }
            RuleKind::Cidr(t) => {
                let candidates = self.cidr_candidates(t);
                if candidates.iter().all(Option::is_none) {
                    return "no CIDR location matches the client and there is no default".into();
                }
                candidates.iter().flatten().map(|&i| &t.entries[i].1).collect()
            }
            kind => crate::compile::branches(kind).collect(),
        };
        let mut reasons = Vec::new();
        for b in applicable {
            let at = b
                .ptr
                .rsplit('/')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("/");
            if !self.check_ok(b) {
                reasons.push(format!(
                    "{at}: health check {} unhealthy",
                    b.health_check.as_deref().unwrap_or_default()
                ));
            } else if b.eth && !self.node_healthy(b.target) {
                reasons.push(format!("{at}: its target is unhealthy"));
            }
        }
        reasons.join("; ")
    }

    /// Descends from `n`, adding endpoints to `out`. Returns whether the path was healthy.
    fn select(&mut self, n: NodeRef, depth: usize, out: &mut Answer) -> bool {
        let r = match n {
            NodeRef::Endpoint(e) => {
                out.push(e);
                return true;
            }
            NodeRef::Rule(r) => r,
        };
        let p = self.p;
        let rule = &p.rules[r as usize];
        self.tr.step(depth, || {
            (
                TraceEvent::Rule,
                rule.ptr.to_string(),
                format!("rule {} ({})", rule.id, rule.kind.type_name()),
            )
        });
        let d = depth + 1;
        let (choice, healthy) = match &rule.kind {
            RuleKind::Failover { primary, secondary } => {
                if self.try_branch(d, primary, &|| "Primary".into()) {
                    (Some(primary), true)
                } else if self.try_branch(d, secondary, &|| "Secondary".into()) {
                    (Some(secondary), true)
                } else {
                    self.last_resort(d, "both branches unhealthy: Route 53 answers from Primary");
                    (Some(primary), false)
                }
            }
            RuleKind::Geo(entries) => self.select_geo(d, entries),
            RuleKind::Latency(entries) => {
                self.used_location = true;
                self.select_nearest(
                    d,
                    entries.len(),
                    |ev, i| ev.latency_of(&entries[i].0),
                    |i| &entries[i].1,
                    |i| format!("region {}", entries[i].0.label),
                    "ms",
                )
            }
            RuleKind::Geoproximity(entries) => {
                self.used_location = true;
                self.select_nearest(
                    d,
                    entries.len(),
                    |ev, i| ev.biased_distance(&entries[i].0, entries[i].1),
                    |i| &entries[i].2,
                    |i| {
                        let (s, bias, _) = &entries[i];
                        format!("location {} (bias {bias})", s.label)
                    },
                    "km (biased)",
                )
            }
            RuleKind::Weighted {
                items,
                all_zero,
                cumulative,
                items_health_uses_location,
                items_health_uses_subnet,
            } => {
                // The draw may not check every item, but which items are healthy, and so the
                // odds, can depend on where the client is.
                self.used_location |= *items_health_uses_location;
                if *items_health_uses_subnet {
                    // IP-based rules below record their ECS scope when their health is
                    // computed, which the draw might skip.
                    for (_, b) in items {
                        if b.eth {
                            self.node_healthy(b.target);
                        }
                    }
                }
                self.select_weighted(d, items, *all_zero, cumulative)
            }
            RuleKind::Multivalue(items) => return self.select_multivalue(d, items, out),
            RuleKind::Cidr(t) => self.select_cidr(d, t),
            RuleKind::Alias(b) => {
                let ok = self.try_branch(d, b, &|| "the alias target".into());
                (Some(b), ok)
            }
            RuleKind::Unresolved(why) => {
                self.tr.step(d, || (TraceEvent::NoMatch, rule.ptr.to_string(), why.to_string()));
                return false;
            }
        };
        match choice {
            Some(b) => {
                self.tr.step(d, || {
                    (
                        TraceEvent::Choose,
                        b.ptr.to_string(),
                        format!("follow {}", describe(p, b.target)),
                    )
                });
                let child_healthy = self.select(b.target, d, out);
                healthy && child_healthy
            }
            None => {
                self.tr.step(d, || {
                    (
                        TraceEvent::NoMatch,
                        rule.ptr.to_string(),
                        "no location matches the client and there is no default".into(),
                    )
                });
                // An empty answer, but not a last resort.
                true
            }
        }
    }

    fn last_resort(&mut self, depth: usize, why: &str) {
        self.tr.step(depth, || (TraceEvent::LastResort, String::new(), why.to_owned()));
    }

    /// Matching geo entries, smallest region first: subdivision, country, continent, default.
    ///
    /// Each level matches on what the client's location knows at that level, independently
    /// of the others: a client whose entry has only a continent matches continent entries and
    /// the default, a US client without a state the `US` entry, its continent and the
    /// default, and an unknown client the default only.
    fn geo_chain(&mut self, entries: &[(GeoMatch, Branch)]) -> [Option<usize>; 4] {
        self.used_location = true;
        let loc = self.q.location;
        let mut chain = [None; 4];
        for (i, (m, _)) in entries.iter().enumerate() {
            let slot = match *m {
                GeoMatch::Subdivision(c, s)
                    if loc.country == Some(c) && loc.subdivision == Some(s) =>
                {
                    0
                }
                GeoMatch::Country(c) if loc.country == Some(c) => 1,
                GeoMatch::Continent(c) if loc.continent == Some(c) => 2,
                GeoMatch::Default => 3,
                _ => continue,
            };
            chain[slot].get_or_insert(i);
        }
        chain
    }

    fn select_cidr<'b>(
        &mut self,
        d: usize,
        t: &'b crate::graph::CidrTable,
    ) -> (Option<&'b Branch>, bool) {
        let candidates = self.cidr_candidates(t);
        self.tr.step(d, || {
            let client = match self.q.subnet {
                Some(c) => format!("client subnet {}/{}", c.addr, c.prefix),
                None => "client address unknown".into(),
            };
            let matched = match candidates[0] {
                Some(i) => format!("longest matching block is in location {}", t.entries[i].0),
                None => "no block of these locations holds it".into(),
            };
            let scope = self.cidr_scope;
            (TraceEvent::Client, String::new(), format!("{client}: {matched} (ECS scope /{scope})"))
        });
        let mut first = None;
        for i in candidates.into_iter().flatten() {
            let (name, b) = &t.entries[i];
            self.tr.step(d, || {
                (TraceEvent::Match, b.ptr.to_string(), format!("matches location {name}"))
            });
            first.get_or_insert(b);
            if self.try_branch(d, b, &|| format!("location {name}")) {
                return (Some(b), true);
            }
        }
        if first.is_some() {
            self.last_resort(
                d,
                "every matching location is unhealthy: answering from the most specific one",
            );
        }
        (first, false)
    }

    fn select_geo<'b>(
        &mut self,
        d: usize,
        entries: &'b [(GeoMatch, Branch)],
    ) -> (Option<&'b Branch>, bool) {
        let chain = self.geo_chain(entries);
        self.tr.step(d, || {
            let loc = self.q.location;
            let f = |o: Option<String>| o.unwrap_or_else(|| "?".into());
            let detail = format!(
                "client: continent {}, country {}, subdivision {} (can match: {})",
                f(loc.continent.map(|c| c.to_string())),
                f(loc.country.map(|c| c.to_string())),
                f(loc.subdivision.map(|c| c.to_string())),
                loc.levels()
            );
            (TraceEvent::Client, String::new(), detail)
        });
        const LEVEL: [&str; 4] = ["subdivision", "country", "continent", "default"];
        let mut smallest = None;
        for (level, i) in chain.iter().enumerate().filter_map(|(l, i)| Some((l, (*i)?))) {
            let (m, b) = &entries[i];
            self.tr.step(d, || {
                (
                    TraceEvent::Match,
                    b.ptr.to_string(),
                    format!("matches {} ({})", crate::compile::describe_geo(m), LEVEL[level]),
                )
            });
            smallest.get_or_insert(b);
            if self.try_branch(d, b, &|| crate::compile::describe_geo(m)) {
                return (Some(b), true);
            }
        }
        if smallest.is_some() {
            self.last_resort(d, "every matching location is unhealthy: Route 53 answers from the smallest matching one");
        }
        (smallest, false)
    }

    /// Route 53 answers every query from China with the `cn-north-1` entry of a latency rule
    /// when it has one; that entry then ranks first, at 0 ms.
    fn latency_of(&self, site: &Site) -> Option<f64> {
        let loc = self.q.location;
        if site.code.as_deref() == Some("cn-north-1")
            && loc.country.is_some_and(|c| c.as_str() == "CN")
        {
            return Some(0.0);
        }
        let measured = site.code.as_deref().and_then(|c| self.q.latency.rtt_ms(loc, c));
        measured.or_else(|| loc.coordinates.map(|c| estimate_rtt_ms(c, site.at)))
    }

    fn biased_distance(&self, site: &Site, bias: i8) -> Option<f64> {
        let actual = self.q.location.coordinates?.distance_km(site.at);
        let b = f64::from(bias) / 100.0;
        Some(if bias >= 0 { actual * (1.0 - b) } else { actual / (1.0 + b) })
    }

    /// Latency and geoproximity: the entry with the smallest metric among healthy ones, the
    /// smallest overall as the last resort. An unknown metric (client position unknown) ranks
    /// after every known one; ties keep document order.
    fn select_nearest<'b>(
        &mut self,
        d: usize,
        n: usize,
        metric: impl Fn(&Self, usize) -> Option<f64>,
        branch: impl Fn(usize) -> &'b Branch,
        label: impl Fn(usize) -> String,
        unit: &str,
    ) -> (Option<&'b Branch>, bool) {
        if T::ON {
            let mut ranking: Vec<(f64, String)> =
                (0..n).map(|i| (metric(self, i).unwrap_or(f64::INFINITY), label(i))).collect();
            ranking.sort_by(|a, b| a.0.total_cmp(&b.0));
            let list: Vec<String> = ranking
                .iter()
                .map(|(m, l)| {
                    if m.is_finite() {
                        format!("{l} {m:.0} {unit}")
                    } else {
                        format!("{l} unknown")
                    }
                })
                .collect();
            self.tr.step(d, || {
                (TraceEvent::Client, String::new(), format!("ranking: {}", list.join(", ")))
            });
        }
        // Each metric is computed once; the order is by metric, then document order. Most
        // queries stop at the nearest entry, so the full sort happens only when it is unhealthy.
        let mut small = [f64::INFINITY; 32];
        let mut large = Vec::new();
        let metrics: &mut [f64] = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, f64::INFINITY);
            &mut large
        };
        for (i, m) in metrics.iter_mut().enumerate() {
            *m = metric(self, i).unwrap_or(f64::INFINITY);
        }
        let key = |i: usize| (metrics[i], i);
        let nearest = (0..n)
            .min_by(|&a, &b| key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal));
        let mut order = [0u8; MAX_RULE_ENTRIES];
        let mut sorted = false;
        for rank in 0..n {
            let i = if rank == 0 {
                match nearest {
                    Some(i) => i,
                    None => break,
                }
            } else {
                if !sorted {
                    for (slot, o) in order[..n].iter_mut().enumerate() {
                        *o = slot as u8;
                    }
                    order[..n].sort_unstable_by(|&a, &b| {
                        key(usize::from(a))
                            .partial_cmp(&key(usize::from(b)))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    });
                    sorted = true;
                }
                usize::from(order[rank])
            };
            let m = metrics[i];
            let b = branch(i);
            self.tr.step(d, || {
                let how = if m.is_finite() {
                    format!("{m:.0} {unit}")
                } else {
                    "unknown distance: client position unknown".into()
                };
                (
                    TraceEvent::Candidate,
                    b.ptr.to_string(),
                    format!("nearest remaining: {} at {how}", label(i)),
                )
            });
            if self.try_branch(d, b, &|| label(i)) {
                return (Some(b), true);
            }
        }
        let best_overall = nearest;
        self.last_resort(
            d,
            "every entry is unhealthy: Route 53 treats all as healthy and answers from the nearest",
        );
        (best_overall.map(branch), false)
    }

    fn select_weighted<'b>(
        &mut self,
        d: usize,
        items: &'b [(u8, Branch)],
        all_zero: bool,
        cumulative: &[u32],
    ) -> (Option<&'b Branch>, bool) {
        // Fast path, rejection sampling: draw over all items by weight and keep the draw if
        // that item is healthy. The accepted draws are distributed exactly by weight among the
        // healthy non-zero items, and a query checks one item instead of all of them.
        let total = cumulative.last().copied().unwrap_or(0);
        if total > 0 {
            for _ in 0..REJECTION_TRIES {
                let draw = self.rng.below(u64::from(total));
                let i = cumulative.partition_point(|&c| u64::from(c) <= draw);
                let (w, b) = &items[i];
                self.tr.step(d, || {
                    (TraceEvent::Draw, String::new(), format!("random draw {draw} of 0..{total} (by weight) picks item {i} (weight {w})"))
                });
                if self.try_branch(d, b, &|| format!("item {i} (weight {w})")) {
                    return (Some(b), true);
                }
            }
        }
        // Slow path: the exact rules, item by item.
        let mut ok = Set::default();
        let (mut any_ok, mut total) = (false, 0u64);
        for (i, (w, b)) in items.iter().enumerate() {
            if self.try_branch(d, b, &|| format!("item {i} (weight {w})")) {
                ok.insert(i);
                any_ok = true;
                total += u64::from(*w);
            }
        }
        let (pool, healthy) = if any_ok {
            (ok, true)
        } else {
            self.last_resort(
                d,
                "every item is unhealthy: Route 53 treats all as healthy and picks by weight",
            );
            let mut all = Set::default();
            (0..items.len()).for_each(|i| all.insert(i));
            total = items.iter().map(|(w, _)| u64::from(*w)).sum();
            (all, false)
        };
        // Weight 0 is never picked while a non-zero item is eligible; otherwise the zero-weight
        // items share equally (all-zero rules, and active-passive with the actives down).
        let by_weight = total > 0;
        let count = (0..items.len())
            .filter(|&i| pool.contains(i) && (!by_weight || items[i].0 > 0))
            .count() as u64;
        let span = if by_weight { total } else { count };
        let draw = self.rng.below(span);
        let mut acc = 0;
        let mut chosen = None;
        for (i, (w, b)) in items.iter().enumerate() {
            if !pool.contains(i) || (by_weight && *w == 0) {
                continue;
            }
            acc += if by_weight { u64::from(*w) } else { 1 };
            if draw < acc {
                chosen = Some((i, b));
                break;
            }
        }
        self.tr.step(d, || {
            let how = if by_weight {
                "by weight"
            } else if all_zero {
                "all weights are 0: equal chance"
            } else {
                "only zero-weight items left: equal chance"
            };
            let which = chosen.map(|(i, _)| i.to_string()).unwrap_or_default();
            (
                TraceEvent::Draw,
                String::new(),
                format!("random draw {draw} of 0..{span} ({how}) picks item {which}"),
            )
        });
        (chosen.map(|(_, b)| b), healthy)
    }

    fn select_multivalue(&mut self, d: usize, items: &[Branch], out: &mut Answer) -> bool {
        let p = self.p;
        let mut ok = Set::default();
        let mut n_ok = 0;
        for (i, b) in items.iter().enumerate() {
            if self.try_branch(d, b, &|| format!("item {i}")) {
                ok.insert(i);
                n_ok += 1;
            }
        }
        let healthy = n_ok > 0;
        let (pool, n) = if healthy {
            (ok, n_ok)
        } else {
            self.last_resort(
                d,
                "every item is unhealthy: Route 53 answers with up to 8 unhealthy values",
            );
            let mut all = Set::default();
            (0..items.len()).for_each(|i| all.insert(i));
            (all, items.len())
        };
        // Selection sampling: each eligible item is taken with probability needed / remaining,
        // which yields a uniformly random subset of up to eight, in document order.
        let mut needed = n.min(MAX_ANSWER_VALUES) as u64;
        let mut remaining = n as u64;
        for (i, b) in items.iter().enumerate() {
            if !pool.contains(i) || needed == 0 {
                continue;
            }
            let (take, draw) = if remaining <= needed {
                (true, None)
            } else {
                let draw = self.rng.below(remaining);
                (draw < needed, Some(draw))
            };
            if let Some(draw) = draw {
                self.tr.step(d, || {
                    (
                        TraceEvent::Draw,
                        b.ptr.to_string(),
                        format!(
                            "item {i}: random draw {draw} of 0..{remaining} {} {needed} values still needed",
                            if take { "<" } else { ">=" }
                        ),
                    )
                });
            }
            remaining -= 1;
            if take {
                needed -= 1;
                self.tr.step(d, || {
                    (
                        TraceEvent::Choose,
                        b.ptr.to_string(),
                        format!("include {}", describe(p, b.target)),
                    )
                });
                if let NodeRef::Endpoint(e) = b.target {
                    out.push(e);
                }
            }
        }
        self.tr.step(d, || {
            let detail = if n > MAX_ANSWER_VALUES {
                format!("{n} eligible values: 8 chosen at random (selection sampling, draws above)")
            } else {
                format!("{n} eligible values: all included, no draw")
            };
            (TraceEvent::Draw, String::new(), detail)
        });
        healthy
    }
}

fn describe(p: &Policy, n: NodeRef) -> String {
    match n {
        NodeRef::Rule(r) => format!("rule {}", p.rules[r as usize].id),
        NodeRef::Endpoint(e) => {
            let ep = &p.endpoints[e as usize];
            format!("endpoint {} ({} {})", ep.id, ep.kind.as_str(), ep.value)
        }
    }
}
