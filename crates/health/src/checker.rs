//! The checker: runs every health check at its interval, turns observations into statuses
//! ([`crate::state`]), and publishes the set of unhealthy checks whenever it changes.
//!
//! One task probes each endpoint check and sends its observations to one aggregating task,
//! which alone owns the checkers' views; CALCULATED checks are recomputed from their children
//! after every observation. Definitions are replaced wholesale through a `watch` channel (the
//! server sends the new list when the store's health checks change); views of checks whose
//! definition did not change are kept.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::{mpsc, watch};

use crate::state::{CheckerView, Reporting, resolve};
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

/// Every check's status, replaced wholesale after each observation.
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

/// Runs until `defs` closes. `publish` receives the ids of the unhealthy checks each time the
/// set changes (and once at the start).
pub async fn run(
    mut defs: watch::Receiver<Vec<CheckDef>>,
    board: Arc<Board>,
    prober: Arc<Prober>,
    publish: impl Fn(&HashSet<String>) + Send + 'static,
) {
    let (tx, mut rx) = mpsc::channel::<(String, Observation)>(1024);
    let mut tasks: HashMap<String, (CheckDef, tokio::task::JoinHandle<()>)> = HashMap::new();
    let mut views: HashMap<String, CheckerView> = HashMap::new();
    let mut current: Vec<CheckDef> = Vec::new();
    let mut unhealthy: Option<HashSet<String>> = None;
    let mut records: HashMap<String, (Option<ObservationRecord>, Option<ObservationRecord>, u64)> =
        HashMap::new();
    // The board's observations are refreshed at most once a second; statuses (which DNS reads)
    // are recomputed at once when a view flips or the definitions change.
    let mut flush = tokio::time::interval(Duration::from_secs(1));
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stale = false;
    loop {
        let mut urgent = false;
        // (Re)start probe tasks for new or changed definitions.
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
            records.retain(|id, _| ids.contains(id.as_str()));
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
        } else {
            tokio::select! {
                changed = defs.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    continue;
                }
                _ = flush.tick() => {
                    if !stale {
                        continue;
                    }
                }
                got = rx.recv() => {
                    let Some((id, o)) = got else { break };
                    let Some(def) = current.iter().find(|d| d.id == id) else { continue };
                    let flipped = views.entry(id.clone()).or_default().observe(o.healthy, def.failure_threshold);
                    let record = ObservationRecord {
                        at: now_rfc3339(),
                        healthy: o.healthy,
                        reason: o.reason.clone(),
                        latency: o.latency,
                    };
                    stale = true;
                    if flipped {
                        urgent = true;
                        tracing::info!(check = %id, healthy = o.healthy, reason = %o.reason, "health check observation flipped");
                    }
                    let entry = records.entry(id).or_default();
                    if !o.healthy {
                        entry.1 = Some(record.clone());
                    }
                    entry.0 = Some(record);
                    if !urgent {
                        continue;
                    }
                }
            }
        }
        stale = false;
        // Statuses of every check, then publish if the unhealthy set changed.
        let raw: HashMap<String, (bool, Reporting)> = current
            .iter()
            .filter(|d| matches!(d.kind, CheckKind::Probe(_)))
            .map(|d| {
                let healthy = views.get(&d.id).is_none_or(|v| v.healthy);
                (d.id.clone(), (healthy, d.reporting.clone()))
            })
            .collect();
        let calc: HashMap<String, (Vec<String>, u32, Reporting)> = current
            .iter()
            .filter_map(|d| match &d.kind {
                CheckKind::Calculated { children, threshold } => {
                    Some((d.id.clone(), (children.clone(), *threshold, d.reporting.clone())))
                }
                CheckKind::Probe(_) => None,
            })
            .collect();
        let statuses = resolve(&raw, &calc);
        let previous = board.statuses.load_full();
        let mut next = HashMap::with_capacity(statuses.len());
        for (id, healthy) in &statuses {
            let (last, last_failure, mut transitions) =
                records.get(id).cloned().unwrap_or_default();
            let was = previous.get(id).map(|s| s.healthy);
            if was.is_some_and(|w| w != *healthy) {
                transitions += 1;
                tracing::warn!(check = %id, healthy, "health check status changed");
                if let Some(r) = records.get_mut(id) {
                    r.2 = transitions;
                } else {
                    records.insert(id.clone(), (None, None, transitions));
                }
            }
            next.insert(
                id.clone(),
                CheckStatus { healthy: *healthy, last, last_failure, transitions },
            );
        }
        board.statuses.store(Arc::new(next));
        let now_unhealthy: HashSet<String> =
            statuses.into_iter().filter(|(_, h)| !h).map(|(id, _)| id).collect();
        if unhealthy.as_ref() != Some(&now_unhealthy) {
            publish(&now_unhealthy);
            unhealthy = Some(now_unhealthy);
        }
    }
    for (_, (_, handle)) in tasks {
        handle.abort();
    }
}
