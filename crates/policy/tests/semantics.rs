//! Data-driven routing semantics: every file in `tests/cases/` holds one traffic policy
//! document and the answers Route 53 gives for it (spec section 3, "Routing semantics").
//!
//! File format (JSON):
//!
//! ```text
//! {
//!   "about": "what the file covers (free text, optional)",
//!   "document": { ...a traffic policy document... },      // or
//!   "document_file": "examples/x.json",                     // path from the workspace root
//!   "cases": [ {
//!     "name": "...",
//!     "spec": "the spec sentence the case checks (free text, optional)",
//!     "client": { "continent": "EU", "country": "GB", "subdivision": "WA",
//!                 "lat": 51.51, "lon": -0.09, "prefix": 24 },   // all optional
//!     "unhealthy": ["health check id", ...],
//!     "unhealthy_targets": ["alias target name", ...],
//!     "rtt": { "region code": milliseconds, ... },   // measured latency; others estimated
//!     "seed": 1,                                      // SplitMix64 seed (default 1)
//!     "draws": 1,                                     // evaluate with seeds seed..seed+draws
//!     "answer": ["endpoint id", ...],                 // exact answer, in order, every draw
//!     "unordered": false,                             // compare `answer` as a set
//!     "answer_len": 8,                                // number of values, every draw
//!     "one_of": ["id", ...],                          // every value is one of these
//!     "never": ["id", ...],                           // these never appear
//!     "always": ["id", ...],                          // these appear in every answer
//!     "all_seen": ["id", ...],                        // each appears in at least one draw
//!     "healthy": true,                                // Answer::healthy, every draw
//!     "scope": 24,                                    // Answer::ecs_scope, every draw
//!     "trace_contains": ["...", ...]                  // substrings of the first draw's
//!   } ]                                               // rendered trace, in this order
//! }
//! ```
//!
//! A missing `continent` with a known `country` is derived from the country with
//! `policy::codes::continent_of`, as the `geo` crate does for real lookups. Answers never hold
//! the same value twice; that is checked for every draw.
//!
//! All mismatches of all files are collected and reported together.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use policy::codes::{self, Catalog};
use policy::{
    ClientLocation, Code, Continent, Coordinates, LatencyOracle, Policy, Query, SplitMix64,
    UnhealthySet,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    #[allow(dead_code)]
    about: Option<String>,
    #[serde(default)]
    document: Option<serde_json::Value>,
    #[serde(default)]
    document_file: Option<String>,
    cases: Vec<Case>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Client {
    continent: Option<String>,
    country: Option<String>,
    subdivision: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    prefix: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    spec: Option<String>,
    #[serde(default)]
    client: Client,
    #[serde(default)]
    unhealthy: Vec<String>,
    #[serde(default)]
    unhealthy_targets: Vec<String>,
    #[serde(default)]
    rtt: BTreeMap<String, f64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    draws: Option<u64>,
    #[serde(default)]
    answer: Option<Vec<String>>,
    #[serde(default)]
    unordered: bool,
    #[serde(default)]
    answer_len: Option<usize>,
    #[serde(default)]
    one_of: Option<Vec<String>>,
    #[serde(default)]
    never: Vec<String>,
    #[serde(default)]
    always: Vec<String>,
    #[serde(default)]
    all_seen: Vec<String>,
    #[serde(default)]
    healthy: Option<bool>,
    #[serde(default)]
    scope: Option<u8>,
    #[serde(default)]
    trace_contains: Vec<String>,
}

/// Measured latencies from the case, estimated for every other region.
struct TableLatency<'a>(&'a BTreeMap<String, f64>);

impl LatencyOracle for TableLatency<'_> {
    fn rtt_ms(&self, _: &ClientLocation, region_code: &str) -> Option<f64> {
        self.0.get(region_code).copied()
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a test fixture. The crate's clippy.toml bans file reads to keep the engine pure; the
/// test harness is the caller that "reads files and hands in bytes", so it is allowed here.
#[allow(clippy::disallowed_methods)]
fn read_fixture(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn code(s: &str, what: &str) -> Result<Code, String> {
    Code::new(s).ok_or_else(|| format!("bad {what} code {s:?} in the case"))
}

fn location(c: &Client) -> Result<ClientLocation, String> {
    let country = c.country.as_deref().map(|s| code(s, "country")).transpose()?;
    let continent = match &c.continent {
        Some(s) => Some(
            Continent::from_code(s).ok_or_else(|| format!("bad continent {s:?} in the case"))?,
        ),
        None => country.and_then(codes::continent_of),
    };
    let coordinates = match (c.lat, c.lon) {
        (Some(latitude), Some(longitude)) => Some(Coordinates { latitude, longitude }),
        (None, None) => None,
        _ => return Err("client needs both lat and lon, or neither".into()),
    };
    Ok(ClientLocation {
        continent,
        country,
        subdivision: c.subdivision.as_deref().map(|s| code(s, "subdivision")).transpose()?,
        coordinates,
        scope_prefix: c.prefix.unwrap_or(0),
    })
}

/// Checks that `needles` occur in `hay` in this order.
fn contains_in_order(hay: &str, needles: &[String]) -> Result<(), String> {
    let mut rest = hay;
    for n in needles {
        match rest.find(n.as_str()) {
            Some(i) => rest = &rest[i + n.len()..],
            None => {
                return Err(format!(
                    "trace lacks {n:?} (after the earlier expected lines); trace:\n{hay}"
                ));
            }
        }
    }
    Ok(())
}

/// Runs one case; every problem found is appended to `errs`.
fn run_case(p: &Policy, case: &Case, errs: &mut Vec<String>) {
    let has_assertion = case.answer.is_some()
        || case.answer_len.is_some()
        || case.one_of.is_some()
        || !case.never.is_empty()
        || !case.always.is_empty()
        || !case.all_seen.is_empty()
        || case.healthy.is_some()
        || case.scope.is_some()
        || !case.trace_contains.is_empty();
    if !has_assertion {
        errs.push("the case asserts nothing".into());
        return;
    }
    let loc = match location(&case.client) {
        Ok(l) => l,
        Err(e) => {
            errs.push(e);
            return;
        }
    };
    // Every id the case names must be an endpoint of the document, or the case is mistyped.
    let ids: BTreeSet<&str> = p.endpoints().iter().map(|e| e.id.as_str()).collect();
    let named = case
        .answer
        .iter()
        .flatten()
        .chain(case.one_of.iter().flatten())
        .chain(&case.never)
        .chain(&case.always)
        .chain(&case.all_seen);
    for id in named {
        if !ids.contains(id.as_str()) {
            errs.push(format!("the case names {id:?}, which is not an endpoint of the document"));
        }
    }
    let health = UnhealthySet {
        health_checks: case.unhealthy.clone(),
        targets: case.unhealthy_targets.clone(),
    };
    let latency = TableLatency(&case.rtt);
    let q = Query { location: &loc, health: &health, latency: &latency, subnet: None };
    let seed0 = case.seed.unwrap_or(1);
    let draws = case.draws.unwrap_or(1).max(1);
    let mut seen = BTreeSet::new();
    // Report each kind of mismatch once per case, with the first draw it happened in.
    let mut reported = BTreeSet::new();
    let mut report = |kind: &str, msg: String, errs: &mut Vec<String>| {
        if reported.insert(kind.to_owned()) {
            errs.push(msg);
        }
    };
    for k in 0..draws {
        let seed = seed0.wrapping_add(k);
        let (answer, trace) = p.explain(&q, &mut SplitMix64(seed));
        let got: Vec<&str> = answer.endpoints(p).map(|e| e.id.as_str()).collect();
        let at = if draws > 1 { format!(" (seed {seed})") } else { String::new() };
        // The same query with the same seed must give the same answer without a trace.
        let plain = p.evaluate(&q, &mut SplitMix64(seed));
        if plain != answer {
            report("explain", format!("evaluate and explain disagree{at}"), errs);
        }
        let distinct: BTreeSet<&str> = got.iter().copied().collect();
        if distinct.len() != got.len() {
            report("dup", format!("answer repeats a value{at}: got {got:?}"), errs);
        }
        seen.extend(got.iter().map(|s| s.to_string()));
        if let Some(want) = &case.answer {
            let ok = if case.unordered {
                let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
                want == distinct && want.len() == got.len()
            } else {
                got == *want
            };
            if !ok {
                report("answer", format!("answer{at}: expected {want:?}, got {got:?}"), errs);
            }
        }
        if let Some(n) = case.answer_len
            && got.len() != n
        {
            report(
                "len",
                format!("answer length{at}: expected {n}, got {} ({got:?})", got.len()),
                errs,
            );
        }
        if let Some(allowed) = &case.one_of
            && let Some(bad) = got.iter().find(|g| !allowed.iter().any(|a| a == *g))
        {
            report(
                "one_of",
                format!("answer{at} holds {bad:?}, not one of {allowed:?}: got {got:?}"),
                errs,
            );
        }
        if let Some(bad) = case.never.iter().find(|n| got.contains(&n.as_str())) {
            report(
                "never",
                format!("answer{at} holds {bad:?}, which must never appear: got {got:?}"),
                errs,
            );
        }
        if let Some(miss) = case.always.iter().find(|a| !got.contains(&a.as_str())) {
            report(
                "always",
                format!("answer{at} lacks {miss:?}, which must always appear: got {got:?}"),
                errs,
            );
        }
        if let Some(h) = case.healthy
            && answer.healthy != h
        {
            report(
                "healthy",
                format!("healthy{at}: expected {h}, got {} (answer {got:?})", answer.healthy),
                errs,
            );
        }
        if let Some(s) = case.scope
            && answer.ecs_scope != s
        {
            report("scope", format!("ecs_scope{at}: expected {s}, got {}", answer.ecs_scope), errs);
        }
        if k == 0
            && let Err(e) = contains_in_order(&trace.render(), &case.trace_contains)
        {
            report("trace", e, errs);
        }
    }
    let unseen: Vec<&String> = case.all_seen.iter().filter(|s| !seen.contains(*s)).collect();
    if !unseen.is_empty() {
        errs.push(format!("over {draws} draws these never appeared: {unseen:?} (seen: {seen:?})"));
    }
}

/// Loads and runs one case file; returns the number of cases and appends mismatches.
fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let text = match read_fixture(path) {
        Ok(t) => t,
        Err(e) => {
            failures.push(format!("{file}: cannot read: {e}"));
            return 0;
        }
    };
    let cf: CaseFile = match serde_json::from_str(&text) {
        Ok(cf) => cf,
        Err(e) => {
            failures.push(format!("{file}: not a valid case file: {e}"));
            return 0;
        }
    };
    let document = match (&cf.document, &cf.document_file) {
        (Some(doc), None) => match serde_json::to_string_pretty(doc) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{file}: cannot serialize the document: {e}"));
                return 0;
            }
        },
        (None, Some(rel)) => match read_fixture(&workspace().join(rel)) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{file}: cannot read document_file {rel}: {e}"));
                return 0;
            }
        },
        _ => {
            failures.push(format!("{file}: needs exactly one of document and document_file"));
            return 0;
        }
    };
    let compiled = policy::compile(&document, &Catalog::builtin());
    let Some(p) = compiled.policy.as_ref() else {
        let mut msg = format!("{file}: the document does not compile:");
        for d in compiled.errors() {
            let _ = write!(msg, "\n    {d:?}");
        }
        failures.push(msg);
        return 0;
    };
    let mut names = BTreeSet::new();
    for case in &cf.cases {
        let mut errs = Vec::new();
        if !names.insert(case.name.as_str()) {
            errs.push("duplicate case name".into());
        }
        run_case(p, case, &mut errs);
        for e in errs {
            failures.push(format!("{file} / {}: {e}", case.name));
        }
    }
    cf.cases.len()
}

#[test]
fn routing_semantics_cases() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no case files in {}", cases_dir().display());
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &paths {
        total += run_file(path, &mut failures);
    }
    eprintln!("{} case files, {total} cases, {} failures", paths.len(), failures.len());
    if !failures.is_empty() {
        panic!(
            "{} of the routing-semantics checks failed ({total} cases in {} files):\n  - {}",
            failures.len(),
            paths.len(),
            failures.join("\n  - ")
        );
    }
}
