//! Stage two: typed definitions checked as a whole (references, cycles, record types, duplicate
//! locations, lints) and compiled into an immutable evaluation graph, [`Policy`].

use std::collections::HashMap;

use crate::codes::Catalog;
use crate::diag::{Diagnostic, Diags, Severity};
use crate::document::{
    self, BranchDef, Doc, FormatVersion, GeoMatch, NodeKind, RuleBody, TargetRef,
};
use crate::json::ptr;
use crate::location::Coordinates;
use crate::query::EndpointKind;
use crate::rdata::{self, RecordType};

/// A node of the graph: a rule or an endpoint, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRef {
    /// Index into the policy's rules.
    Rule(u32),
    /// Index into the policy's endpoints.
    Endpoint(u32),
}

/// A leaf of the graph: what an answer is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The author's endpoint id.
    pub id: String,
    /// The endpoint `Type`.
    pub kind: EndpointKind,
    /// RDATA (for `value`) or the target host name (for the alias-style kinds).
    pub value: String,
    /// Bucket region of an `s3-website` endpoint.
    pub region: Option<String>,
}

/// One way out of a rule.
#[derive(Clone, Debug)]
pub(crate) struct Branch {
    pub(crate) target: NodeRef,
    pub(crate) health_check: Option<Box<str>>,
    pub(crate) eth: bool,
    /// JSON Pointer of the branch, for the trace.
    pub(crate) ptr: Box<str>,
}

/// A region, Local Zone, custom location or coordinate, resolved to a position.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub(crate) code: Option<Box<str>>,
    pub(crate) at: Coordinates,
    pub(crate) label: Box<str>,
}

#[derive(Clone, Debug)]
pub(crate) enum RuleKind {
    Failover {
        primary: Branch,
        secondary: Branch,
    },
    Geo(Vec<(GeoMatch, Branch)>),
    Latency(Vec<(Site, Branch)>),
    Geoproximity(Vec<(Site, i8, Branch)>),
    /// `cumulative[i]` is the sum of the weights of items `0..=i`, for drawing by binary search.
    Weighted {
        items: Vec<(u8, Branch)>,
        all_zero: bool,
        cumulative: Vec<u32>,
        /// Some item's health depends on the client's location (see
        /// `mark_location_dependent_health`).
        items_health_uses_location: bool,
        /// Some item's health depends on the client's subnet (an IP-based rule below it).
        items_health_uses_subnet: bool,
    },
    Multivalue(Vec<Branch>),
    /// IP-based routing (record-level only, see [`crate::graph`]).
    Cidr(Box<crate::graph::CidrTable>),
    /// One hop of an alias chain (record-level only).
    Alias(Branch),
    /// Answers nothing and is unhealthy (record-level only: an alias whose target is gone).
    Unresolved(Box<str>),
}

impl RuleKind {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            RuleKind::Failover { .. } => "failover",
            RuleKind::Geo(_) => "geo",
            RuleKind::Latency(_) => "latency",
            RuleKind::Geoproximity(_) => "geoproximity",
            RuleKind::Weighted { .. } => "weighted",
            RuleKind::Multivalue(_) => "multivalue",
            RuleKind::Cidr(_) => "IP-based",
            RuleKind::Alias(_) => "alias",
            RuleKind::Unresolved(_) => "unresolved",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub(crate) id: String,
    /// How the trace points at the rule: `/Rules/<id>` for documents.
    pub(crate) ptr: Box<str>,
    pub(crate) kind: RuleKind,
}

/// A compiled, immutable traffic policy: cheap to evaluate, safe to share between threads.
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) text: String,
    pub(crate) version: FormatVersion,
    pub(crate) record_type: RecordType,
    pub(crate) start: NodeRef,
    pub(crate) rules: Vec<Rule>,
    pub(crate) endpoints: Vec<Endpoint>,
}

impl Policy {
    /// The document text exactly as it was given.
    pub fn document_text(&self) -> &str {
        &self.text
    }
    /// The document's format version.
    pub fn format_version(&self) -> FormatVersion {
        self.version
    }
    /// The DNS type of every answer.
    pub fn record_type(&self) -> RecordType {
        self.record_type
    }
    /// All endpoints, in document order.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }
    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }
    /// Every health check id the document references, sorted and without duplicates.
    pub fn health_check_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .rules
            .iter()
            .flat_map(|r| branches(&r.kind))
            .filter_map(|b| b.health_check.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

pub(crate) fn branches(kind: &RuleKind) -> Box<dyn Iterator<Item = &Branch> + '_> {
    match kind {
        RuleKind::Failover { primary, secondary } => Box::new([primary, secondary].into_iter()),
        RuleKind::Geo(v) => Box::new(v.iter().map(|(_, b)| b)),
        RuleKind::Latency(v) => Box::new(v.iter().map(|(_, b)| b)),
        RuleKind::Geoproximity(v) => Box::new(v.iter().map(|(_, _, b)| b)),
        RuleKind::Weighted { items, .. } => Box::new(items.iter().map(|(_, b)| b)),
        RuleKind::Multivalue(v) => Box::new(v.iter()),
        RuleKind::Cidr(t) => Box::new(t.entries.iter().map(|(_, b)| b)),
        RuleKind::Alias(b) => Box::new(std::iter::once(b)),
        RuleKind::Unresolved(_) => Box::new(std::iter::empty()),
    }
}

/// The result of compiling a document: the policy when there is no error, and every
/// diagnostic (errors and warnings) in document order.
#[derive(Debug)]
pub struct Compilation {
    /// The compiled policy, present exactly when no diagnostic is an error.
    pub policy: Option<Policy>,
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning)
    }
}

/// Parses, validates and compiles a traffic policy document.
pub fn compile(text: &str, catalog: &Catalog) -> Compilation {
    let mut d = Diags::default();
    let policy = document::read(text, catalog, &mut d).and_then(|doc| build(text, doc, &mut d));
    let policy = if d.has_errors() { None } else { policy };
    Compilation { policy, diagnostics: d.0 }
}

fn build(text: &str, doc: Doc, d: &mut Diags) -> Option<Policy> {
    let rule_index: HashMap<&str, u32> =
        doc.rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i as u32)).collect();
    let ep_index: HashMap<&str, u32> =
        doc.endpoints.iter().enumerate().map(|(i, e)| (e.id.as_str(), i as u32)).collect();

    let resolve = |t: &TargetRef, d: &mut Diags| -> Option<NodeRef> {
        let (index, what, list) = match t.kind {
            NodeKind::Rule => (&rule_index, "rule", "Rules"),
            NodeKind::Endpoint => (&ep_index, "endpoint", "Endpoints"),
        };
        match index.get(t.id.as_str()) {
            Some(&i) => Some(match t.kind {
                NodeKind::Rule => NodeRef::Rule(i),
                NodeKind::Endpoint => NodeRef::Endpoint(i),
            }),
            None => {
                let mut known: Vec<&str> = index.keys().copied().collect();
                known.sort_unstable();
                let other = match t.kind {
                    NodeKind::Rule if ep_index.contains_key(t.id.as_str()) => {
                        format!("; {:?} is an endpoint: use EndpointReference", t.id)
                    }
                    NodeKind::Endpoint if rule_index.contains_key(t.id.as_str()) => {
                        format!("; {:?} is a rule: use RuleReference", t.id)
                    }
                    _ => String::new(),
                };
                let defined = if known.is_empty() {
                    format!("{list} defines none")
                } else {
                    if known.len() > 12 {
                        format!(
                            "defined: {}, and {} more",
                            known[..12].join(", "),
                            known.len() - 12
                        )
                    } else {
                        format!("defined: {}", known.join(", "))
                    }
                };
                d.error(&t.ptr, format!("{what} {:?} does not exist{other}; {defined}", t.id));
                None
            }
        }
    };

    // Endpoints: kind versus record type, and the value's form.
    let mut endpoints = Vec::with_capacity(doc.endpoints.len());
    for e in &doc.endpoints {
        let (Some(kind), Some(value)) = (e.kind, e.value.clone()) else { continue };
        let vp = ptr(&e.ptr, "Value");
        if let Some(rt) = doc.record_type {
            if kind == EndpointKind::Value {
                if let Err(msg) = rdata::check_value(rt, &value) {
                    d.error(&vp, format!("{msg}; a {rt} value must be {}", rt.value_form()));
                }
            } else {
                let allowed: &[RecordType] = if kind == EndpointKind::S3Website {
                    &[RecordType::A]
                } else {
                    &[RecordType::A, RecordType::AAAA]
                };
                if !allowed.contains(&rt) {
                    let list: Vec<_> = allowed.iter().map(|t| t.as_str()).collect();
                    d.error(&ptr(&e.ptr, "Type"), format!(
                        "{} endpoints answer only RecordType {}; this document's RecordType is {rt}",
                        kind.as_str(),
                        list.join(" or ")
                    ));
                }
                if let Err(msg) = rdata::check_domain_name(&value) {
                    d.error(
                        &vp,
                        format!("{msg}; a {} endpoint's Value is its DNS name", kind.as_str()),
                    );
                }
            }
        }
        endpoints.push(Endpoint { id: e.id.clone(), kind, value, region: e.region.clone() });
    }

    let start = doc.start.as_ref().and_then(|s| resolve(s, d));

    // Rules.
    let mut rules = Vec::with_capacity(doc.rules.len());
    let mut complete = true;
    for r in &doc.rules {
        let Some(body) = &r.body else {
            complete = false;
            continue;
        };
        let branch = |b: &BranchDef, d: &mut Diags| -> Option<Branch> {
            let target = resolve(b.target.as_ref()?, d)?;
            Some(Branch {
                target,
                health_check: b.health_check.as_deref().map(Box::from),
                eth: b.eth,
                ptr: b.ptr.as_str().into(),
            })
        };
        let kind = match body {
            RuleBody::Failover { primary, secondary } => {
                let p = primary.as_ref().and_then(|b| branch(b, d));
                let s = secondary.as_ref().and_then(|b| branch(b, d));
                for (b, side) in [(primary, "Primary"), (secondary, "Secondary")] {
                    if let Some(b) = b {
                        lint_failover_branch(b, side, &doc, d);
                    }
                }
                match (p, s) {
                    (Some(primary), Some(secondary)) => {
                        Some(RuleKind::Failover { primary, secondary })
                    }
                    _ => None,
                }
            }
            RuleBody::Geo(entries) => {
                let mut out = Vec::new();
                let mut defaults = 0;
                for (i, (m, b)) in entries.iter().enumerate() {
                    if let Some(m) = m {
                        if entries[..i].iter().any(|(o, _)| o.as_ref() == Some(m)) {
                            d.error(
                                &b.ptr,
                                format!(
                                    "the location {} appears more than once in this rule",
                                    describe_geo(m)
                                ),
                            );
                        }
                        if *m == GeoMatch::Default {
                            defaults += 1;
                            if defaults == 2 {
                                d.error(&b.ptr, "more than one default location (IsDefault true or Country \"*\"); a geo rule has at most one");
                            }
                        }
                    }
                    if let (Some(m), Some(br)) = (m, branch(b, d)) {
                        out.push((*m, br));
                    }
                }
                if defaults == 0 && !entries.is_empty() {
                    d.warn(&ptr(&r.ptr, "Locations"), "no default location: clients outside every listed location get an empty answer (NODATA); add {\"IsDefault\": true} or {\"Country\": \"*\"} unless that is intended");
                }
                (out.len() == entries.len()).then_some(RuleKind::Geo(out))
            }
            RuleBody::Latency(entries) => {
                let mut out = Vec::new();
                for (i, (site, b)) in entries.iter().enumerate() {
                    if let Some(s) = site
                        && entries[..i]
                            .iter()
                            .any(|(o, _)| o.as_ref().is_some_and(|o| same_site(o, s)))
                    {
                        d.error(
                            &ptr(&b.ptr, "Region"),
                            format!("region {} appears more than once in this rule", s.label),
                        );
                    }
                    if let (Some(s), Some(br)) = (site, branch(b, d)) {
                        out.push((site_of(s), br));
                    }
                }
                (out.len() == entries.len()).then_some(RuleKind::Latency(out))
            }
            RuleBody::Geoproximity(entries) => {
                let mut out = Vec::new();
                for (i, (site, bias, b)) in entries.iter().enumerate() {
                    if let Some(s) = site
                        && entries[..i]
                            .iter()
                            .any(|(o, _, _)| o.as_ref().is_some_and(|o| same_site(o, s)))
                    {
                        d.error(
                            &b.ptr,
                            format!("location {} appears more than once in this rule", s.label),
                        );
                    }
                    if let (Some(s), Some(br)) = (site, branch(b, d)) {
                        out.push((site_of(s), *bias, br));
                    }
                }
                (out.len() == entries.len()).then_some(RuleKind::Geoproximity(out))
            }
            RuleBody::Weighted(items) => {
                let all_zero = items.iter().all(|(w, _)| *w == 0);
                if all_zero && !items.is_empty() {
                    d.warn(
                        &ptr(&r.ptr, "Items"),
                        "every weight is 0: Route 53 then picks every item with equal probability",
                    );
                }
                let out: Vec<_> =
                    items.iter().filter_map(|(w, b)| Some((*w, branch(b, d)?))).collect();
                let cumulative = out
                    .iter()
                    .scan(0u32, |acc, (w, _)| {
                        *acc += u32::from(*w);
                        Some(*acc)
                    })
                    .collect();
                (out.len() == items.len()).then_some(RuleKind::Weighted {
                    items: out,
                    all_zero,
                    cumulative,
                    items_health_uses_location: false,
                    items_health_uses_subnet: false,
                })
            }
            RuleBody::Multivalue(items) => {
                for (i, b) in items.iter().enumerate() {
                    let id = b.target.as_ref().map(|t| t.id.as_str());
                    if id.is_some()
                        && items[..i].iter().any(|o| o.target.as_ref().map(|t| t.id.as_str()) == id)
                    {
                        d.error(
                            &ptr(&b.ptr, "EndpointReference"),
                            format!(
                                "endpoint {:?} appears more than once in this multivalue rule; each item answers one distinct value",
                                id.unwrap_or_default()
                            ),
                        );
                    }
                }
                let out: Vec<_> = items.iter().filter_map(|b| branch(b, d)).collect();
                (out.len() == items.len()).then_some(RuleKind::Multivalue(out))
            }
        };
        match kind {
            Some(kind) => rules.push(Rule {
                id: r.id.clone(),
                ptr: format!("/Rules/{}", crate::json::escape_token(&r.id)).into(),
                kind,
            }),
            None => complete = false,
        }
    }

    check_graph(&doc, &rule_index, &ep_index, d);
    let (Some(version), Some(record_type), Some(start)) = (doc.version, doc.record_type, start)
    else {
        return None;
    };
    if !complete || endpoints.len() != doc.endpoints.len() {
        return None;
    }
    let mut policy =
        Policy { text: text.to_owned(), version, record_type, start, rules, endpoints };
    mark_location_dependent_health(&mut policy);
    Some(policy)
}

/// Whether each rule's health (as a parent with EvaluateTargetHealth sees it) can depend on
/// where the client is: geo rules (only matching locations count), and rules with a branch
/// that evaluates the health of such a rule. A weighted rule with such an item depends on the
/// client's location even when its draw does not check that item, so its answers must carry
/// the location's ECS scope.
pub(crate) fn mark_location_dependent_health(p: &mut Policy) {
    /// (depends on the GeoIP location, depends on the client subnet)
    fn visit(p: &Policy, r: usize, memo: &mut [Option<(bool, bool)>]) -> (bool, bool) {
        if let Some(v) = memo[r] {
            return v;
        }
        let mut v = (
            matches!(p.rules[r].kind, RuleKind::Geo(_)),
            matches!(p.rules[r].kind, RuleKind::Cidr(_)),
        );
        for b in branches(&p.rules[r].kind) {
            if let NodeRef::Rule(c) = b.target
                && b.eth
            {
                let (geo, subnet) = visit(p, c as usize, memo);
                v = (v.0 || geo, v.1 || subnet);
            }
        }
        memo[r] = Some(v);
        v
    }
    let mut memo = vec![None; p.rules.len()];
    let flags: Vec<(bool, bool)> = (0..p.rules.len())
        .map(|r| {
            let mut f = (false, false);
            for b in branches(&p.rules[r].kind) {
                if let NodeRef::Rule(c) = b.target
                    && b.eth
                {
                    let (geo, subnet) = visit(p, c as usize, &mut memo);
                    f = (f.0 || geo, f.1 || subnet);
                }
            }
            f
        })
        .collect();
    for (rule, (geo, subnet)) in p.rules.iter_mut().zip(flags) {
        if let RuleKind::Weighted { items_health_uses_location, items_health_uses_subnet, .. } =
            &mut rule.kind
        {
            *items_health_uses_location = geo;
            *items_health_uses_subnet = subnet;
        }
    }
}

/// Two sites are the same when they name the same code, or give the same coordinates however
/// they are spelled ("51.5" and "51.50").
fn same_site(a: &document::Site, b: &document::Site) -> bool {
    match (&a.code, &b.code) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.at == b.at,
        _ => false,
    }
}

fn site_of(s: &document::Site) -> Site {
    Site { code: s.code.as_deref().map(Box::from), at: s.at, label: s.label.as_str().into() }
}

pub(crate) fn describe_geo(m: &GeoMatch) -> String {
    match m {
        GeoMatch::Subdivision(c, s) => format!("Country {c} Subdivision {s}"),
        GeoMatch::Country(c) => format!("Country {c}"),
        GeoMatch::Continent(c) => format!("Continent {c}"),
        GeoMatch::Default => "default".to_owned(),
    }
}

fn lint_failover_branch(b: &BranchDef, side: &str, doc: &Doc, d: &mut Diags) {
    if b.health_check.is_some() {
        return;
    }
    // EvaluateTargetHealth is a health signal only for rules and alias-style endpoints.
    let eth_counts = b.eth
        && b.target.as_ref().is_some_and(|t| match t.kind {
            NodeKind::Rule => true,
            NodeKind::Endpoint => doc
                .endpoints
                .iter()
                .find(|e| e.id == t.id)
                .is_some_and(|e| e.kind.is_some_and(EndpointKind::is_alias)),
        });
    if !eth_counts {
        let why = if side == "Primary" {
            "the primary then always counts as healthy, so the secondary is never used"
        } else {
            "the secondary then always counts as healthy, even when it is down"
        };
        d.warn(&b.ptr, format!(
            "failover {side} has no HealthCheck (and no EvaluateTargetHealth on a rule or alias target): {why}"
        ));
    }
}

/// One reference out of a rule: the rule it names (if it resolves), the endpoint it names
/// (if it resolves), and the branch's pointer.
type Child<'a> = (Option<usize>, Option<usize>, &'a str);

/// Cycles (errors, every one of them) and unreachable rules or endpoints (warnings), checked on
/// the document's references as written, so that they are reported alongside any other error.
fn check_graph(
    doc: &Doc,
    rule_index: &HashMap<&str, u32>,
    ep_index: &HashMap<&str, u32>,
    d: &mut Diags,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    // The children of each rule: (rule index or None for an endpoint, endpoint index, pointer).
    let children: Vec<Vec<Child<'_>>> = doc
        .rules
        .iter()
        .map(|r| {
            r.body
                .as_ref()
                .map(|b| {
                    b.branches()
                        .into_iter()
                        .filter_map(|br| Some((br.target.as_ref()?, br.ptr.as_str())))
                        .map(|(t, ptr)| match t.kind {
                            NodeKind::Rule => {
                                (rule_index.get(t.id.as_str()).map(|&i| i as usize), None, ptr)
                            }
                            NodeKind::Endpoint => {
                                (None, ep_index.get(t.id.as_str()).map(|&i| i as usize), ptr)
                            }
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut marks = vec![Mark::New; doc.rules.len()];
    let mut reached_rule = vec![false; doc.rules.len()];
    let mut reached_ep = vec![false; doc.endpoints.len()];
    let start = doc.start.as_ref().and_then(|s| match s.kind {
        NodeKind::Rule => rule_index.get(s.id.as_str()).map(|&i| Some(i as usize)),
        NodeKind::Endpoint => {
            if let Some(&e) = ep_index.get(s.id.as_str()) {
                reached_ep[e as usize] = true;
            }
            None
        }
    });
    let roots = start
        .into_iter()
        .flatten()
        .map(|r| (r, true))
        .chain((0..doc.rules.len()).map(|r| (r, false)));
    for (root, from_start) in roots {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search: documents can nest deeply, and a check must never
        // overflow the stack.
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::Active;
        reached_rule[root] |= from_start;
        while let Some(&mut (rule, ref mut next)) = stack.last_mut() {
            let Some(&(child_rule, child_ep, ptr)) = children[rule].get(*next) else {
                marks[rule] = Mark::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            if let Some(e) = child_ep {
                reached_ep[e] |= from_start;
            }
            let Some(c) = child_rule else { continue };
            match marks[c] {
                Mark::Done => {}
                Mark::New => {
                    marks[c] = Mark::Active;
                    reached_rule[c] |= from_start;
                    stack.push((c, 0));
                }
                Mark::Active => {
                    let pos = stack.iter().position(|(s, _)| *s == c).unwrap_or(0);
                    let mut path: Vec<&str> =
                        stack[pos..].iter().map(|(s, _)| doc.rules[*s].id.as_str()).collect();
                    path.push(&doc.rules[c].id);
                    d.error(
                        ptr,
                        format!(
                            "rule references form a cycle: {}; a policy must be a tree (or a DAG without loops)",
                            path.join(" -> ")
                        ),
                    );
                }
            }
        }
    }
    if doc.start.is_none() {
        return;
    }
    for (i, reached) in reached_rule.iter().enumerate() {
        if !reached {
            d.warn(
                &doc.rules[i].ptr,
                format!(
                    "rule {:?} is not reachable from the start point and is never evaluated",
                    doc.rules[i].id
                ),
            );
        }
    }
    for (i, reached) in reached_ep.iter().enumerate() {
        if !reached {
            d.warn(
                &doc.endpoints[i].ptr,
                format!(
                    "endpoint {:?} is not reachable from the start point and is never answered",
                    doc.endpoints[i].id
                ),
            );
        }
    }
}
