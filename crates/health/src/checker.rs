//! The checker of one node: runs every endpoint check it is given at its interval, keeps this
//! checker's view of each ([`crate::state::CheckerView`]) and reports it after every probe.
//! The reports of every checker node go to the store, and every node computes the checks'
//! statuses from all of them ([`crate::view`]).
//!
//! One task probes each endpoint check and sends its observations to one task that alone
//! owns the views. Definitions are replaced wholesale through a `watch` channel (the server
//! sends the new list when the store's health checks change); views of checks whose
//! definition did not change are kept.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::{mpsc, watch};

use crate::state::{CheckerView, Reporting};
use crate::{Observation, ProbeSpec, Prober, SystemResolver};

/// What a health check is, as the checker runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    /// The check's id.
    pub id: String,
    /// Endpoint probe or calculated.
    pub kind: CheckKind,
    /// Time between two probes.
    pub interval: Duration,
    /// Consecutive observations needed to flip.
    pub failure_threshold: u32,
    /// Inverted, disabled, override.
    pub reporting: Reporting,
    /// The checker regions that probe it (Route 53 `Regions`); empty: every checker.
    pub regions: Vec<String>,
}

/// The two families of checks.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckKind {
    /// Probes an endpoint.
    Probe(ProbeSpec),
    /// Healthy when enough children are.
    Calculated {
        /// Child check ids.
        children: Vec<String>,
        /// How many must be healthy.
        threshold: u32,
    },
}

/// One observation as the API reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservationRecord {
    /// When (RFC 3339).
    pub at: String,
    /// What the probe saw (before `Inverted`).
    pub healthy: bool,
    /// Route 53-style reason (`Success: ...` or `Failure: ...`).
    pub reason: String,
    /// How long the probe took.
    pub latency: Duration,
}

/// The current status of one check.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckStatus {
    /// The reported status.
    pub healthy: bool,
    /// The last observation (endpoint checks).
    pub last: Option<ObservationRecord>,
    /// The last failed observation.
    pub last_failure: Option<ObservationRecord>,
    /// How many times the reported status changed.
    pub transitions: u64,
}

/// Every check's status, replaced wholesale whenever the health view is recomputed.
#[derive(Debug, Default)]
pub struct Board {
    /// Status by check id.
    pub statuses: ArcSwap<HashMap<String, CheckStatus>>,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One checker's report on one check, made at every probe.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeReport {
    /// The check.
    pub check_id: String,
    /// This checker's view after the failure threshold (before `Inverted`).
    pub healthy: bool,
    /// The observation just made.
    pub last: ObservationRecord,
    /// This checker's last failed observation of the check.
    pub last_failure: Option<ObservationRecord>,
}

/// How often pending reports are handed over when no view flipped (a flip is handed over at
/// once).
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Probes every endpoint check of `defs` at its interval until `defs` closes, keeps this
/// checker's view of each, and hands the reports to `report`: at once when a view flips,
/// otherwise batched every quarter second. The checks' statuses are computed from every
/// checker's reports by [`crate::view::Aggregator`], not here.
pub async fn run(
    mut defs: watch::Receiver<Vec<CheckDef>>,
    prober: Arc<Prober>,
    report: impl Fn(Vec<ProbeReport>) + Send + 'static,
) {
    let (tx, mut rx) = mpsc::channel::<(String, Observation)>(1024);
    let mut tasks: HashMap<String, (CheckDef, tokio::task::JoinHandle<()>)> = HashMap::new();
    let mut views: HashMap<String, CheckerView> = HashMap::new();
    let mut failures: HashMap<String, ObservationRecord> = HashMap::new();
    let mut current: Vec<CheckDef> = Vec::new();
    let mut pending: Vec<ProbeReport> = Vec::new();
    let mut flush = tokio::time::interval(REPORT_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let wanted: Vec<CheckDef> = defs.borrow_and_update().clone();
        if wanted != current {
            let ids: HashSet<&str> = wanted.iter().map(|d| d.id.as_str()).collect();
            tasks.retain(|id, (def, handle)| {
                let keep = ids.contains(id.as_str()) && wanted.iter().any(|d| d == def);
                if !keep {
                    handle.abort();
                }
                keep
            });
            views.retain(|id, _| ids.contains(id.as_str()));
            failures.retain(|id, _| ids.contains(id.as_str()));
            for def in &wanted {
                if let CheckKind::Probe(spec) = &def.kind
                    && !tasks.contains_key(&def.id)
                {
                    let (id, spec, every, tx, prober) =
                        (def.id.clone(), spec.clone(), def.interval, tx.clone(), prober.clone());
                    let handle = tokio::spawn(async move {
                        let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
                        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        loop {
                            tick.tick().await;
                            let o = prober.probe(&spec, &SystemResolver).await;
                            if tx.send((id.clone(), o)).await.is_err() {
                                return;
                            }
                        }
                    });
                    tasks.insert(def.id.clone(), (def.clone(), handle));
                }
            }
            current = wanted;
        }
        tokio::select! {
            changed = defs.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = flush.tick() => {
                if !pending.is_empty() {
                    report(std::mem::take(&mut pending));
                }
            }
            got = rx.recv() => {
                let Some((id, o)) = got else { break };
                let Some(def) = current.iter().find(|d| d.id == id) else { continue };
                let view = views.entry(id.clone()).or_default();
                let flipped = view.observe(o.healthy, def.failure_threshold);
                let record = ObservationRecord {
                    at: now_rfc3339(),
                    healthy: o.healthy,
                    reason: o.reason.clone(),
                    latency: o.latency,
                };
                if !o.healthy {
                    failures.insert(id.clone(), record.clone());
                }
                if flipped {
                    tracing::info!(check = %id, healthy = view.healthy, reason = %o.reason, "this checker's view of a health check flipped");
                }
                pending.retain(|r| r.check_id != id);
                pending.push(ProbeReport {
                    check_id: id.clone(),
                    healthy: view.healthy,
                    last: record,
                    last_failure: failures.get(&id).cloned(),
                });
                if flipped {
                    report(std::mem::take(&mut pending));
                }
            }
        }
    }
    for (_, (_, handle)) in tasks {
        handle.abort();
    }
}
