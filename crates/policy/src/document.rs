//! Stage one: the JSON text of a traffic policy document, read into typed definitions.
//!
//! Reading checks the shape of every object (unknown and missing fields, value types, code
//! tables, ranges) and reports all problems at once. It does not follow references; that is
//! `compile`'s job. Both spellings of numbers and booleans are accepted, native JSON and
//! strings (`"Weight": "3"`, `"EvaluateTargetHealth": "true"`), because AWS's own syntax pages
//! and its exported documents disagree.

use crate::codes::{self, Catalog};
use crate::diag::Diags;
use crate::json::{Json, ptr};
use crate::location::{Code, Continent, Coordinates};
use crate::query::EndpointKind;
use crate::rdata::RecordType;
use crate::suggest::{self, edit_distance};

/// Largest document Route 53 accepts, in characters.
pub const MAX_DOCUMENT_CHARS: usize = 102_400;

/// Most entries flowdns accepts in one rule. Route 53 caps routed records of one name and type
/// at 100 (30 for geoproximity); flowdns allows more but keeps evaluation allocation-free.
pub const MAX_RULE_ENTRIES: usize = 255;

/// The two document format versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatVersion {
    /// The original format: flat `Region`/`Latitude`/`Longitude` in geoproximity rules.
    V2015_10_01,
    /// Adds the geoproximity `Location` object and Local Zones.
    V2023_05_09,
}

impl FormatVersion {
    /// The version string as written in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            FormatVersion::V2015_10_01 => "2015-10-01",
            FormatVersion::V2023_05_09 => "2023-05-09",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Rule,
    Endpoint,
}

#[derive(Debug)]
pub(crate) struct TargetRef {
    pub(crate) kind: NodeKind,
    pub(crate) id: String,
    pub(crate) ptr: String,
}

#[derive(Debug)]
pub(crate) struct BranchDef {
    pub(crate) ptr: String,
    pub(crate) target: Option<TargetRef>,
    pub(crate) eth: bool,
    pub(crate) health_check: Option<String>,
}

/// Which clients a geolocation entry matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GeoMatch {
    Subdivision(Code, Code),
    Country(Code),
    Continent(Continent),
    Default,
}

#[derive(Debug)]
pub(crate) struct Site {
    /// Region code, Local Zone name or custom code; `None` for plain coordinates.
    pub(crate) code: Option<String>,
    pub(crate) at: Coordinates,
    /// How the author wrote it, for messages and traces.
    pub(crate) label: String,
}

#[derive(Debug)]
pub(crate) enum RuleBody {
    Failover { primary: Option<BranchDef>, secondary: Option<BranchDef> },
    Geo(Vec<(Option<GeoMatch>, BranchDef)>),
    Latency(Vec<(Option<Site>, BranchDef)>),
    Geoproximity(Vec<(Option<Site>, i8, BranchDef)>),
    Weighted(Vec<(u8, BranchDef)>),
    Multivalue(Vec<BranchDef>),
}

impl RuleBody {
    /// Every branch, in document order.
    pub(crate) fn branches(&self) -> Vec<&BranchDef> {
        match self {
            RuleBody::Failover { primary, secondary } => {
                primary.iter().chain(secondary.iter()).collect()
            }
            RuleBody::Geo(v) => v.iter().map(|(_, b)| b).collect(),
            RuleBody::Latency(v) => v.iter().map(|(_, b)| b).collect(),
            RuleBody::Geoproximity(v) => v.iter().map(|(_, _, b)| b).collect(),
            RuleBody::Weighted(v) => v.iter().map(|(_, b)| b).collect(),
            RuleBody::Multivalue(v) => v.iter().collect(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct RuleDef {
    pub(crate) id: String,
    pub(crate) ptr: String,
    pub(crate) body: Option<RuleBody>,
}

#[derive(Debug)]
pub(crate) struct EndpointDef {
    pub(crate) id: String,
    pub(crate) ptr: String,
    pub(crate) kind: Option<EndpointKind>,
    pub(crate) value: Option<String>,
    pub(crate) region: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Doc {
    pub(crate) version: Option<FormatVersion>,
    pub(crate) record_type: Option<RecordType>,
    pub(crate) start: Option<TargetRef>,
    pub(crate) endpoints: Vec<EndpointDef>,
    pub(crate) rules: Vec<RuleDef>,
}

const TOP_FIELDS: &[&str] =
    &["AWSPolicyFormatVersion", "RecordType", "StartRule", "StartEndpoint", "Endpoints", "Rules"];
const ENDPOINT_FIELDS: &[&str] = &["Type", "Value", "Region"];
const RULE_TYPES: &[&str] =
    &["failover", "geo", "geoproximity", "latency", "multivalue", "weighted"];

/// Reads the document text into typed definitions, reporting every problem into `d`.
pub(crate) fn read(text: &str, catalog: &Catalog, d: &mut Diags) -> Option<Doc> {
    let chars = text.chars().count();
    if chars > MAX_DOCUMENT_CHARS {
        d.error(
            "",
            format!(
                "the document has {chars} characters; at most {MAX_DOCUMENT_CHARS} are allowed"
            ),
        );
        return None;
    }
    let json = match Json::parse(text) {
        Ok(j) => j,
        Err(e) => {
            d.error("", format!("not valid JSON: {e}"));
            return None;
        }
    };
    let mut top = Fields::new(&json, "", "the document", d)?;
    let mut doc = Doc::default();

    match top.take("AWSPolicyFormatVersion", d) {
        None => d.error(
            "/AWSPolicyFormatVersion",
            "AWSPolicyFormatVersion is required: \"2015-10-01\" or \"2023-05-09\"",
        ),
        Some((v, p)) => {
            if let Some(s) = string(v, &p, d) {
                doc.version = match s.as_str() {
                    "2015-10-01" => Some(FormatVersion::V2015_10_01),
                    "2023-05-09" => Some(FormatVersion::V2023_05_09),
                    _ => {
                        d.error(&p, format!(
                            "unknown format version {s:?}; allowed: \"2015-10-01\" or \"2023-05-09\""
                        ));
                        None
                    }
                }
            }
        }
    }

    match top.take("RecordType", d) {
        None => d.error("/RecordType", format!("RecordType is required; allowed: {}", type_list())),
        Some((v, p)) => {
            if let Some(s) = string(v, &p, d) {
                doc.record_type = RecordType::parse(&s);
                if doc.record_type.is_none() {
                    let hint = RecordType::parse(&s.to_ascii_uppercase())
                        .map(|t| format!(" (record types are upper-case: {t})"))
                        .unwrap_or_default();
                    d.error(&p, format!(
                        "record type {s:?} is not supported in traffic policies{hint}; allowed: {}",
                        type_list()
                    ));
                }
            }
        }
    }

    let start_rule = top.take("StartRule", d);
    let start_endpoint = top.take("StartEndpoint", d);
    match (start_rule, start_endpoint) {
        (Some(_), Some((_, p))) => d.error(
            &p,
            "StartRule and StartEndpoint are both set; a document starts at exactly one of them",
        ),
        (None, None) => d.error(
            "",
            "the document needs a start point: StartRule (a rule id) or StartEndpoint (an endpoint id)",
        ),
        (Some((v, p)), None) => {
            doc.start = string(v, &p, d).map(|id| TargetRef { kind: NodeKind::Rule, id, ptr: p })
        }
        (None, Some((v, p))) => {
            doc.start =
                string(v, &p, d).map(|id| TargetRef { kind: NodeKind::Endpoint, id, ptr: p })
        }
    }

    match top.take("Endpoints", d) {
        None => {
            d.error("/Endpoints", "Endpoints is required: an object of endpoint id -> endpoint")
        }
        Some((v, p)) => {
            if let Some(mut eps) = Fields::new(v, &p, "Endpoints", d) {
                for (id, value, p) in eps.all(d) {
                    doc.endpoints.push(read_endpoint(id, value, p, d));
                }
            }
        }
    }

    if let Some((v, p)) = top.take("Rules", d)
        && let Some(mut rules) = Fields::new(v, &p, "Rules", d)
    {
        for (id, value, p) in rules.all(d) {
            let body = read_rule(value, &p, doc.version, catalog, d);
            doc.rules.push(RuleDef { id, ptr: p, body });
        }
    }
    top.finish(TOP_FIELDS, "at the top level of a document", d);
    Some(doc)
}

fn type_list() -> String {
    RecordType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

fn read_endpoint(id: String, v: &Json, p: String, d: &mut Diags) -> EndpointDef {
    let mut ep = EndpointDef { id, ptr: p.clone(), kind: None, value: None, region: None };
    let Some(mut f) = Fields::new(v, &p, "an endpoint", d) else { return ep };
    match f.take("Type", d) {
        None => {
            d.error(&ptr(&p, "Type"), format!("endpoint Type is required; allowed: {}", kinds()))
        }
        Some((v, tp)) => {
            if let Some(s) = string(v, &tp, d) {
                ep.kind = EndpointKind::parse(&s);
                if ep.kind.is_none() {
                    let hint = suggest::one_of(&s, EndpointKind::ALL.iter().map(|(_, n)| *n));
                    d.error(
                        &tp,
                        format!("unknown endpoint Type {s:?}{hint}; allowed: {}", kinds()),
                    );
                }
            }
        }
    }
    match f.take("Value", d) {
        None => d.error(&ptr(&p, "Value"), "endpoint Value is required"),
        Some((v, vp)) => ep.value = string(v, &vp, d),
    }
    if let Some((v, rp)) = f.take("Region", d) {
        ep.region = string(v, &rp, d);
        if let Some(r) = &ep.region {
            if ep.kind.is_some_and(|k| k != EndpointKind::S3Website) {
                d.error(&rp, "Region is only allowed on s3-website endpoints");
            } else if codes::aws_region(r).is_none() {
                d.error(&rp, format!("{r:?} is not an AWS region code such as us-east-1"));
            }
        }
    } else if ep.kind == Some(EndpointKind::S3Website) {
        d.error(
            &ptr(&p, "Region"),
            "s3-website endpoints need Region, the bucket's region (e.g. us-east-1)",
        );
    }
    f.finish(ENDPOINT_FIELDS, "in an endpoint", d);
    ep
}

fn kinds() -> String {
    EndpointKind::ALL.iter().map(|(_, s)| *s).collect::<Vec<_>>().join(", ")
}

fn read_rule(
    v: &Json,
    p: &str,
    version: Option<FormatVersion>,
    catalog: &Catalog,
    d: &mut Diags,
) -> Option<RuleBody> {
    let mut f = Fields::new(v, p, "a rule", d)?;
    let rule_type = match f.take("RuleType", d) {
        None => {
            d.error(
                &ptr(p, "RuleType"),
                format!("RuleType is required; allowed: {}", RULE_TYPES.join(", ")),
            );
            None
        }
        Some((v, tp)) => {
            let s = string(v, &tp, d)?;
            if !RULE_TYPES.contains(&s.as_str()) {
                let hint = match s.to_ascii_lowercase().as_str() {
                    "geolocation" => " (geolocation rules are spelled \"geo\")".to_owned(),
                    t if RULE_TYPES.contains(&t) => " (rule types are lower-case)".to_owned(),
                    _ => suggest::one_of(&s, RULE_TYPES.iter().copied()),
                };
                d.error(
                    &tp,
                    format!("unknown RuleType {s:?}{hint}; allowed: {}", RULE_TYPES.join(", ")),
                );
                None
            } else {
                Some(s)
            }
        }
    };
    let Some(rule_type) = rule_type else {
        // Without a type the other members cannot be checked; report nothing more for this rule.
        return None;
    };
    let (list_key, allowed): (&str, &[&str]) = match rule_type.as_str() {
        "failover" => ("", &["RuleType", "Primary", "Secondary"]),
        "geo" => ("Locations", &["RuleType", "Locations"]),
        "latency" => ("Regions", &["RuleType", "Regions"]),
        "geoproximity" => ("GeoproximityLocations", &["RuleType", "GeoproximityLocations"]),
        _ => ("Items", &["RuleType", "Items"]),
    };
    let context = format!("in a {rule_type} rule");
    let body = if rule_type == "failover" {
        let side = |name: &str, f: &mut Fields<'_>, d: &mut Diags| match f.take(name, d) {
            None => {
                d.error(
                    &ptr(p, name),
                    format!("a failover rule needs both Primary and Secondary; {name} is missing"),
                );
                None
            }
            Some((v, bp)) => {
                let mut bf = Fields::new(v, &bp, "a failover branch", d)?;
                let b = branch(&mut bf, &bp, true, d);
                bf.finish(BRANCH_FIELDS, &format!("in a failover {name} branch"), d);
                Some(b)
            }
        };
        let primary = side("Primary", &mut f, d);
        let secondary = side("Secondary", &mut f, d);
        Some(RuleBody::Failover { primary, secondary })
    } else {
        match f.take(list_key, d) {
            None => {
                d.error(
                    &ptr(p, list_key),
                    format!("a {rule_type} rule needs {list_key}, a list of entries"),
                );
                None
            }
            Some((list, lp)) => {
                let items = array(list, &lp, d).unwrap_or_default();
                if items.is_empty() && matches!(list, Json::Array(_)) {
                    d.error(&lp, format!("{list_key} must have at least one entry"));
                }
                if items.len() > MAX_RULE_ENTRIES {
                    d.error(&lp, format!(
                        "{list_key} has {} entries; flowdns allows at most {MAX_RULE_ENTRIES} per rule",
                        items.len()
                    ));
                }
                let entries = items.iter().enumerate().filter_map(|(i, item)| {
                    let ip = ptr(&lp, i);
                    let what = format!("an entry of {list_key}");
                    Fields::new(item, &ip, &what, d).map(|fields| (fields, ip))
                });
                Some(match rule_type.as_str() {
                    "geo" => RuleBody::Geo(
                        entries
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|(mut ef, ip)| geo_entry(&mut ef, &ip, d))
                            .collect(),
                    ),
                    "latency" => RuleBody::Latency(
                        entries
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|(mut ef, ip)| latency_entry(&mut ef, &ip, catalog, d))
                            .collect(),
                    ),
                    "geoproximity" => RuleBody::Geoproximity(
                        entries
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|(mut ef, ip)| {
                                geoproximity_entry(&mut ef, &ip, version, catalog, d)
                            })
                            .collect(),
                    ),
                    "weighted" => RuleBody::Weighted(
                        entries
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|(mut ef, ip)| weighted_entry(&mut ef, &ip, d))
                            .collect(),
                    ),
                    _ => RuleBody::Multivalue(
                        entries
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|(mut ef, ip)| {
                                let b = branch(&mut ef, &ip, false, d);
                                ef.finish(
                                    &["EndpointReference", "HealthCheck"],
                                    "in a multivalue item",
                                    d,
                                );
                                b
                            })
                            .collect(),
                    ),
                })
            }
        }
    };
    f.finish(allowed, &context, d);
    body
}

const BRANCH_FIELDS: &[&str] =
    &["EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck"];

/// Reads the members every branch shares. `full` is false for multivalue items, which may
/// only reference endpoints and carry no EvaluateTargetHealth.
fn branch(f: &mut Fields<'_>, p: &str, full: bool, d: &mut Diags) -> BranchDef {
    let mut b = BranchDef { ptr: p.to_owned(), target: None, eth: false, health_check: None };
    let ep = f.take("EndpointReference", d);
    let rule = if full { f.take("RuleReference", d) } else { None };
    if !full && let Some((_, rp)) = f.take("RuleReference", d) {
        d.error(
            &rp,
            "multivalue items can only reference endpoints (EndpointReference), not rules",
        );
    }
    match (ep, rule) {
        (Some(_), Some((_, rp))) => {
            d.error(&rp, "a branch has either EndpointReference or RuleReference, not both")
        }
        (None, None) if full => d.error(
            p,
            "a branch needs EndpointReference (an endpoint id) or RuleReference (a rule id)",
        ),
        (None, None) => d.error(p, "a multivalue item needs EndpointReference (an endpoint id)"),
        (Some((v, rp)), None) => {
            b.target =
                string(v, &rp, d).map(|id| TargetRef { kind: NodeKind::Endpoint, id, ptr: rp })
        }
        (None, Some((v, rp))) => {
            b.target = string(v, &rp, d).map(|id| TargetRef { kind: NodeKind::Rule, id, ptr: rp })
        }
    }
    if full && let Some((v, ep)) = f.take("EvaluateTargetHealth", d) {
        b.eth = boolean(v, &ep, d).unwrap_or(false);
    }
    if let Some((v, hp)) = f.take("HealthCheck", d) {
        b.health_check = string(v, &hp, d).filter(|id| {
            let ok = !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
            if !ok {
                d.error(&hp, format!(
                    "health check id {id:?} must be 1-64 letters, digits, '-' or '_' (a health check's Id)"
                ));
            }
            ok
        });
    }
    b
}

fn geo_entry(f: &mut Fields<'_>, p: &str, d: &mut Diags) -> (Option<GeoMatch>, BranchDef) {
    let b = branch(f, p, true, d);
    let is_default = f.take("IsDefault", d).and_then(|(v, ip)| boolean(v, &ip, d)).unwrap_or(false);
    let continent = f.take("Continent", d).and_then(|(v, cp)| {
        let s = string(v, &cp, d)?;
        let c = Continent::from_code(&s);
        if c.is_none() {
            let all: Vec<_> = Continent::ALL.iter().map(|c| c.code()).collect();
            let hint = suggest::continent(&s);
            d.error(
                &cp,
                format!("unknown continent code {s:?}{hint}; allowed: {}", all.join(", ")),
            );
        }
        c
    });
    let country_raw = f.take("Country", d).and_then(|(v, cp)| Some((string(v, &cp, d)?, cp)));
    let subdivision_raw =
        f.take("Subdivision", d).and_then(|(v, sp)| Some((string(v, &sp, d)?, sp)));
    f.finish(
        &[
            "EndpointReference",
            "RuleReference",
            "EvaluateTargetHealth",
            "HealthCheck",
            "IsDefault",
            "Continent",
            "Country",
            "Subdivision",
        ],
        "in a geo location",
        d,
    );

    let mut country = None;
    let mut star = false;
    if let Some((c, cp)) = &country_raw {
        if c == "*" {
            star = true;
        } else if let Some(info) = codes::country(c) {
            country = Code::new(info.code);
        } else if let Some((_, name)) = codes::UNSUPPORTED_COUNTRIES.iter().find(|(u, _)| u == c) {
            d.error(cp, format!("{c} ({name}) cannot be targeted: Route 53 has no IP data for it"));
        } else if codes::country(&c.to_ascii_uppercase()).is_some() {
            d.error(cp, format!("country codes are upper-case: use {:?}", c.to_ascii_uppercase()));
        } else {
            let hint = suggest::country(c);
            d.error(cp, format!(
                "unknown country code {c:?}{hint}; use an ISO 3166-1 alpha-2 code such as US, or \"*\" for the default"
            ));
        }
    }
    if continent.is_some() && country_raw.is_some() {
        d.error(p, "a location names either a Continent or a Country (with an optional Subdivision), not both");
    }
    let mut subdivision = None;
    if let Some((s, sp)) = &subdivision_raw {
        match &country_raw {
            None => d.error(sp, "Subdivision needs Country (US, or UA) in the same location"),
            Some((c, _)) if star => {
                let _ = c;
                d.error(sp, "Subdivision cannot be combined with the default Country \"*\"")
            }
            Some((c, _)) => {
                if let Some(info) = codes::subdivision(c, s) {
                    subdivision = Code::new(info.code);
                } else if c == "US" || c == "UA" {
                    let hint = suggest::subdivision(c, s);
                    d.error(sp, format!("{s:?} is not a subdivision code of {c}{hint}"));
                } else if country.is_some() {
                    d.error(sp, format!(
                        "Route 53 supports subdivisions only for US (state codes) and UA; {c} has none"
                    ));
                }
            }
        }
    }
    if is_default && (continent.is_some() || (country_raw.is_some() && !star)) {
        d.error(p, "a location with IsDefault true is the default for everyone else; it must not also name a Continent or Country");
        return (None, b);
    }
    let m = if is_default || star {
        Some(GeoMatch::Default)
    } else if let Some(c) = continent {
        Some(GeoMatch::Continent(c))
    } else if let (Some(c), Some(s)) = (country, subdivision) {
        Some(GeoMatch::Subdivision(c, s))
    } else if subdivision_raw.is_none() {
        country.map(GeoMatch::Country)
    } else {
        None
    };
    if m.is_none() && continent.is_none() && country_raw.is_none() && subdivision_raw.is_none() {
        d.error(p, "a geo location needs Continent, Country (optionally with Subdivision), or IsDefault true");
    }
    (m, b)
}

fn latency_entry(
    f: &mut Fields<'_>,
    p: &str,
    catalog: &Catalog,
    d: &mut Diags,
) -> (Option<Site>, BranchDef) {
    let b = branch(f, p, true, d);
    let site = match f.take("Region", d) {
        None => {
            d.error(&ptr(p, "Region"), "a latency entry needs Region, a region code such as us-east-1");
            None
        }
        Some((v, rp)) => string(v, &rp, d).and_then(|r| {
            if let Some((_, at)) = catalog.latency_region(&r) {
                return Some(Site { code: Some(r.clone()), at, label: r });
            }
            let hint = match r.strip_prefix("aws:route53:") {
                Some(bare) if catalog.latency_region(bare).is_some() => format!(
                    " (latency rules take the plain code {bare:?}; the aws:route53: form is for geoproximity)"
                ),
                _ => suggest::one_of(&r, codes::AWS_REGIONS.iter().map(|a| a.code)),
            };
            d.error(&rp, format!(
                "unknown latency region {r:?}{hint}; use an AWS region code such as us-east-1 or one of your own locations"
            ));
            None
        }),
    };
    f.finish(
        &["EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Region"],
        "in a latency region",
        d,
    );
    (site, b)
}

fn geoproximity_entry(
    f: &mut Fields<'_>,
    p: &str,
    version: Option<FormatVersion>,
    catalog: &Catalog,
    d: &mut Diags,
) -> (Option<Site>, i8, BranchDef) {
    let b = branch(f, p, true, d);
    let bias =
        f.take("Bias", d).and_then(|(v, bp)| integer(v, &bp, -99, 99, "Bias", d)).unwrap_or(0)
            as i8;
    let flat_allowed = version != Some(FormatVersion::V2023_05_09);
    let object_allowed = version != Some(FormatVersion::V2015_10_01);
    let region = f.take("Region", d);
    let lat = f.take("Latitude", d);
    let lon = f.take("Longitude", d);
    let location = f.take("Location", d);
    let mut sites = Vec::new();
    if !flat_allowed {
        for (_, fp) in [&region, &lat, &lon].into_iter().flatten() {
            d.error(fp, "format 2023-05-09 puts the position in Location: {\"Type\": \"Region\" | \"LocalZone\" | \"Coordinate\", ...}");
        }
    } else {
        if let Some((v, rp)) = &region {
            sites.push(region_site(v, rp, false, catalog, d));
        }
        if lat.is_some() || lon.is_some() {
            sites.push(coordinates_site(lat.as_ref(), lon.as_ref(), p, d));
        }
    }
    if let Some((v, lp)) = &location {
        if !object_allowed {
            d.error(lp, "Location needs \"AWSPolicyFormatVersion\": \"2023-05-09\"; format 2015-10-01 uses Region or Latitude and Longitude");
        } else if let Some(mut lf) = Fields::new(v, lp, "a Location", d) {
            let kind = lf.take("Type", d).and_then(|(v, tp)| Some((string(v, &tp, d)?, tp)));
            let name = lf.take("LocationName", d);
            let llat = lf.take("Latitude", d);
            let llon = lf.take("Longitude", d);
            match kind.as_ref().map(|(k, tp)| (k.as_str(), tp)) {
                None => d.error(&ptr(lp, "Type"), "Location needs Type: \"Region\", \"LocalZone\" or \"Coordinate\""),
                Some(("Region" | "LocalZone", _)) => {
                    let lz = kind.as_ref().is_some_and(|(k, _)| k == "LocalZone");
                    match &name {
                        Some((v, np)) => sites.push(region_site(v, np, lz, catalog, d)),
                        None => d.error(&ptr(lp, "LocationName"), "a Region or LocalZone Location needs LocationName, e.g. \"aws:route53:us-east-1\""),
                    }
                    for (_, fp) in [&llat, &llon].into_iter().flatten() {
                        d.error(fp, "Latitude and Longitude belong only in a Location of Type \"Coordinate\"");
                    }
                }
                Some(("Coordinate", _)) => {
                    sites.push(coordinates_site(llat.as_ref(), llon.as_ref(), lp, d));
                    if let Some((_, np)) = &name {
                        d.error(np, "LocationName belongs only in a Location of Type \"Region\" or \"LocalZone\"");
                    }
                }
                Some((other, tp)) => d.error(tp, format!(
                    "unknown Location Type {other:?}; allowed: \"Region\", \"LocalZone\", \"Coordinate\""
                )),
            }
            lf.finish(
                &["Type", "LocationName", "Latitude", "Longitude"],
                "in a geoproximity Location",
                d,
            );
        }
    }
    match sites.len() {
        0 if region.is_none() && lat.is_none() && lon.is_none() && location.is_none() => d.error(
            p,
            if object_allowed && !flat_allowed {
                "a geoproximity entry needs Location"
            } else if object_allowed {
                "a geoproximity entry needs Region, Latitude and Longitude, or Location"
            } else {
                "a geoproximity entry needs Region (aws:route53:<region>) or Latitude and Longitude"
            },
        ),
        0 | 1 => {}
        _ => d.error(p, "a geoproximity entry has one position: Region or coordinates, not both"),
    }
    let mut allowed =
        vec!["EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Bias"];
    if flat_allowed {
        allowed.extend(["Region", "Latitude", "Longitude"]);
    }
    if object_allowed {
        allowed.push("Location");
    }
    f.finish(&allowed, "in a geoproximity location", d);
    let site = if sites.len() == 1 { sites.pop().flatten() } else { None };
    (site, bias, b)
}

fn region_site(
    v: &Json,
    p: &str,
    local_zone: bool,
    catalog: &Catalog,
    d: &mut Diags,
) -> Option<Site> {
    let r = string(v, p, d)?;
    let Some(code) = r.strip_prefix("aws:route53:") else {
        let hint = if catalog.latency_region(&r).is_some() || codes::local_zone(&r).is_some() {
            format!(" (write \"aws:route53:{r}\")")
        } else {
            String::new()
        };
        d.error(
            p,
            format!(
                "geoproximity regions are written aws:route53:<code>; {r:?} lacks the prefix{hint}"
            ),
        );
        return None;
    };
    match catalog.geoproximity_region(code, local_zone) {
        Some((_, at)) => Some(Site { code: Some(code.to_owned()), at, label: r }),
        None => {
            let what = if local_zone {
                "Local Zone name such as aws:route53:us-east-1-atl-1a"
            } else if codes::local_zone(code).is_some() {
                "region: this is a Local Zone, so use Location Type \"LocalZone\" (format 2023-05-09)"
            } else {
                "region code such as aws:route53:us-east-1, or one of your own locations"
            };
            d.error(
                p,
                format!(
                    "unknown geoproximity {} {r:?}; expected a {what}",
                    if local_zone { "Local Zone" } else { "region" }
                ),
            );
            None
        }
    }
}

fn coordinates_site(
    lat: Option<&(&Json, String)>,
    lon: Option<&(&Json, String)>,
    p: &str,
    d: &mut Diags,
) -> Option<Site> {
    let la = match lat {
        Some((v, lp)) => coordinate(v, lp, "Latitude", 90.0, 2, d),
        None => {
            d.error(&ptr(p, "Latitude"), "coordinates need both Latitude and Longitude");
            None
        }
    };
    let lo = match lon {
        Some((v, lp)) => coordinate(v, lp, "Longitude", 180.0, 3, d),
        None => {
            d.error(&ptr(p, "Longitude"), "coordinates need both Latitude and Longitude");
            None
        }
    };
    let (la, lo) = (la?, lo?);
    Some(Site {
        code: None,
        at: Coordinates { latitude: la.0, longitude: lo.0 },
        label: format!("{},{}", la.1, lo.1),
    })
}

/// Reads a latitude or longitude: a number or numeric string with at most `int_digits` digits
/// before the point and at most two after it, within `-limit..=limit`.
fn coordinate(
    v: &Json,
    p: &str,
    what: &str,
    limit: f64,
    int_digits: usize,
    d: &mut Diags,
) -> Option<(f64, String)> {
    let text = match v {
        Json::String(s) | Json::Number(s) => s.trim().to_owned(),
        other => {
            d.error(
                p,
                format!("{what} must be a number or a numeric string, found {}", other.type_name()),
            );
            return None;
        }
    };
    let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !int.is_empty()
        && int.len() <= int_digits
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    let value: Option<f64> = text.parse().ok().filter(|_| well_formed);
    match value {
        None => d.error(p, format!("{what} {text:?} must be a decimal number such as {}", if limit > 90.0 { "-0.16" } else { "51.50" })),
        Some(_) if frac.len() > 2 => d.error(p, format!(
            "{what} {text} has {} decimal places; Route 53 allows at most 2 (0.01 degree is about 1.1 km)",
            frac.len()
        )),
        Some(x) if !(-limit..=limit).contains(&x) => {
            d.error(p, format!("{what} {text} is out of range; allowed -{limit}..{limit}"))
        }
        Some(x) => return Some((x, text)),
    }
    None
}

fn weighted_entry(f: &mut Fields<'_>, p: &str, d: &mut Diags) -> (u8, BranchDef) {
    let b = branch(f, p, true, d);
    let weight = match f.take("Weight", d) {
        None => {
            d.error(
                &ptr(p, "Weight"),
                "a weighted item needs Weight, a whole number from 0 to 255",
            );
            0
        }
        Some((v, wp)) => integer(v, &wp, 0, 255, "Weight", d).unwrap_or(0),
    };
    f.finish(
        &["EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Weight"],
        "in a weighted item",
        d,
    );
    (weight as u8, b)
}

// ---------------------------------------------------------------------------------------------
// Value readers: each reports its own error and returns `None` on failure.

fn string(v: &Json, p: &str, d: &mut Diags) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        other => {
            d.error(p, format!("must be a string, found {}", other.type_name()));
            None
        }
    }
}

fn boolean(v: &Json, p: &str, d: &mut Diags) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s == "true" => Some(true),
        Json::String(s) if s == "false" => Some(false),
        other => {
            let found = match other {
                Json::String(s) => format!("{s:?}"),
                o => o.type_name().to_owned(),
            };
            d.error(
                p,
                format!(
                    "must be true or false (or the strings \"true\" / \"false\"), found {found}"
                ),
            );
            None
        }
    }
}

fn integer(v: &Json, p: &str, min: i64, max: i64, what: &str, d: &mut Diags) -> Option<i64> {
    let text = match v {
        Json::Number(s) | Json::String(s) => s.trim(),
        other => {
            d.error(
                p,
                format!(
                    "{what} must be a whole number from {min} to {max}, found {}",
                    other.type_name()
                ),
            );
            return None;
        }
    };
    match text.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(n) => {
            d.error(p, format!("{what} {n} is out of range; allowed {min} to {max}"));
            None
        }
        Err(_) => {
            d.error(p, format!("{what} {text:?} must be a whole number from {min} to {max}"));
            None
        }
    }
}

fn array<'a>(v: &'a Json, p: &str, d: &mut Diags) -> Option<&'a [Json]> {
    match v {
        Json::Array(a) => Some(a),
        other => {
            d.error(p, format!("must be an array, found {}", other.type_name()));
            None
        }
    }
}

/// The members of one JSON object, handed out by name; whatever is left unread at `finish` is
/// reported as an unknown field, with a "did you mean" hint for near-misses.
struct Fields<'a> {
    ptr: String,
    members: &'a [(String, Json)],
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    fn new(v: &'a Json, p: &str, what: &str, d: &mut Diags) -> Option<Fields<'a>> {
        match v {
            Json::Object(members) => {
                let mut seen = std::collections::BTreeSet::new();
                for (k, _) in members {
                    if !seen.insert(k.as_str()) {
                        d.error(&ptr(p, k), format!("{k:?} appears more than once in {what}"));
                    }
                }
                Some(Fields { ptr: p.to_owned(), members, used: vec![false; members.len()] })
            }
            other => {
                d.error(p, format!("{what} must be a JSON object, found {}", other.type_name()));
                None
            }
        }
    }

    /// The first member named `key`, with its pointer.
    fn take(&mut self, key: &str, _d: &mut Diags) -> Option<(&'a Json, String)> {
        let mut found = None;
        for (i, (k, v)) in self.members.iter().enumerate() {
            if k == key {
                self.used[i] = true;
                if found.is_none() {
                    found = Some((v, ptr(&self.ptr, k)));
                }
            }
        }
        found
    }

    /// Every member (for id -> definition maps), with its pointer; duplicates were reported.
    fn all(&mut self, _d: &mut Diags) -> Vec<(String, &'a Json, String)> {
        self.used.iter_mut().for_each(|u| *u = true);
        let mut out: Vec<(String, &'a Json, String)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (k, v) in self.members {
            if seen.insert(k.as_str()) {
                out.push((k.clone(), v, ptr(&self.ptr, k)));
            }
        }
        out
    }

    fn finish(&self, allowed: &[&str], context: &str, d: &mut Diags) {
        for (i, (k, _)) in self.members.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let hint = match near_miss(k, allowed) {
                Some(a) => format!("; did you mean {a:?}? (field names are case-sensitive)"),
                None => String::new(),
            };
            d.error(
                &ptr(&self.ptr, k),
                format!("unknown field {k:?} {context}{hint}; allowed: {}", allowed.join(", ")),
            );
        }
    }
}

/// The allowed name closest to `key`: equal ignoring case, or at most two edits away.
fn near_miss<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    if let Some(a) = allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
        return Some(a);
    }
    allowed
        .iter()
        .map(|a| (edit_distance(&key.to_ascii_lowercase(), &a.to_ascii_lowercase()), *a))
        .filter(|(dist, a)| *dist <= 2 && a.len() > 3)
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, a)| a)
}
