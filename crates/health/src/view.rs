//! The one health view of a deployment, pure: every checker node's reports in, every check's
//! status out (Route 53 semantics, spec section 4.2).
//!
//! Each checker node keeps its own view of each check it probes ([`crate::state::CheckerView`],
//! which flips after `FailureThreshold` consecutive observations) and reports it to the store
//! at every probe. Every node reads all reports and computes, with [`Aggregator::update`]:
//!
//! - a report is fresh while it is younger than [`freshness`] (three probe intervals plus
//!   five seconds): a checker that stops reporting (stopped, cut off from the store) ages out;
//! - an endpoint check is healthy when more than `healthy_share` of its fresh reports are
//!   healthy (0.18 by default, Route 53's 18%), and healthy when it has no fresh report (a new
//!   check starts healthy; with no checker left, answers fail open rather than empty);
//! - then `Inverted`, `Disabled` and overrides ([`crate::state::Reporting`]) and CALCULATED
//!   checks ([`crate::state::resolve`]).
//!
//! Every node computes the same statuses from the same reports and the same clock time, so
//! DNS nodes answer alike; reports are read every half second, so nodes agree within that.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::checker::{CheckDef, CheckKind, CheckStatus, ObservationRecord};
use crate::state::{Reporting, resolve};

/// One checker's current report on one check, as read from the store.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckerReport {
    /// The checker node.
    pub node: String,
    /// Its region.
    pub region: String,
    /// Its view: healthy or not, after the failure threshold (before `Inverted`).
    pub healthy: bool,
    /// When it last reported, in Unix milliseconds.
    pub reported_ms: i64,
    /// Its last observation.
    pub last: ObservationRecord,
    /// Its last failed observation.
    pub last_failure: Option<ObservationRecord>,
}

/// How long a report stays fresh for a check probed every `interval`.
pub fn freshness(interval: Duration) -> Duration {
    interval * 3 + Duration::from_secs(5)
}

/// An endpoint check's raw status from its reports: healthy when more than `share` of the
/// fresh ones are. `None` when none is fresh.
pub fn combine<'a>(
    reports: impl IntoIterator<Item = &'a CheckerReport>,
    now_ms: i64,
    fresh_for: Duration,
    share: f64,
) -> Option<bool> {
    let oldest = now_ms.saturating_sub(i64::try_from(fresh_for.as_millis()).unwrap_or(i64::MAX));
    let (mut total, mut healthy) = (0usize, 0usize);
    for r in reports {
        if r.reported_ms >= oldest {
            total += 1;
            healthy += usize::from(r.healthy);
        }
    }
    (total > 0).then(|| healthy as f64 / total as f64 > share)
}

/// Keeps the statuses between updates, to count transitions.
#[derive(Debug, Default)]
pub struct Aggregator {
    previous: HashMap<String, CheckStatus>,
}

impl Aggregator {
    /// Every check's status from the reports (by check id), at `now_ms`, and the ids of the
    /// unhealthy ones.
    pub fn update(
        &mut self,
        defs: &[CheckDef],
        reports: &HashMap<String, Vec<CheckerReport>>,
        now_ms: i64,
        share: f64,
    ) -> (HashMap<String, CheckStatus>, HashSet<String>) {
        let none: Vec<CheckerReport> = Vec::new();
        let mut raw: HashMap<String, (bool, Reporting)> = HashMap::new();
        let mut calc: HashMap<String, (Vec<String>, u32, Reporting)> = HashMap::new();
        for d in defs {
            match &d.kind {
                CheckKind::Probe(_) => {
                    let of = reports.get(&d.id).unwrap_or(&none);
                    let healthy = combine(of, now_ms, freshness(d.interval), share).unwrap_or(true);
                    raw.insert(d.id.clone(), (healthy, d.reporting.clone()));
                }
                CheckKind::Calculated { children, threshold } => {
                    calc.insert(d.id.clone(), (children.clone(), *threshold, d.reporting.clone()));
                }
            }
        }
        let statuses = resolve(&raw, &calc);
        let mut out = HashMap::with_capacity(statuses.len());
        for (id, healthy) in &statuses {
            let of = reports.get(id).unwrap_or(&none);
            let last = of.iter().map(|r| &r.last).max_by(|a, b| a.at.cmp(&b.at)).cloned();
            let last_failure = of
                .iter()
                .filter_map(|r| r.last_failure.as_ref())
                .max_by(|a, b| a.at.cmp(&b.at))
                .cloned();
            let before = self.previous.get(id);
            let mut transitions = before.map_or(0, |s| s.transitions);
            if before.is_some_and(|s| s.healthy != *healthy) {
                transitions += 1;
            }
            out.insert(
                id.clone(),
                CheckStatus { healthy: *healthy, last, last_failure, transitions },
            );
        }
        let unhealthy = statuses.into_iter().filter(|(_, h)| !h).map(|(id, _)| id).collect();
        self.previous = out.clone();
        (out, unhealthy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::CheckKind;
    use crate::{ProbeKind, ProbeSpec};

    fn obs(at: &str, healthy: bool) -> ObservationRecord {
        ObservationRecord {
            at: at.into(),
            healthy,
            reason: if healthy { "Success".into() } else { "Failure".into() },
            latency: Duration::from_millis(3),
        }
    }

    fn report(node: &str, healthy: bool, at_ms: i64) -> CheckerReport {
        CheckerReport {
            node: node.into(),
            region: "r".into(),
            healthy,
            reported_ms: at_ms,
            last: obs(&format!("2026-12-03T00:00:{:02}Z", at_ms / 1000 % 60), healthy),
            last_failure: None,
        }
    }

    fn probe(id: &str) -> CheckDef {
        CheckDef {
            id: id.into(),
            kind: CheckKind::Probe(ProbeSpec::new(ProbeKind::Tcp)),
            interval: Duration::from_secs(1),
            failure_threshold: 1,
            reporting: Reporting::default(),
            regions: Vec::new(),
        }
    }

    #[test]
    fn one_checker_of_three_seeing_it_down_does_not_flip_it() {
        let now = 100_000;
        let reports = [report("a", false, now), report("b", true, now), report("c", true, now)];
        assert_eq!(combine(&reports, now, Duration::from_secs(8), 0.18), Some(true));
        let all_down = [report("a", false, now), report("b", false, now), report("c", false, now)];
        assert_eq!(combine(&all_down, now, Duration::from_secs(8), 0.18), Some(false));
    }

    #[test]
    fn the_share_is_strictly_more_than_the_threshold() {
        let now = 50_000;
        // 1 of 5 healthy = 20% > 18%; 1 of 6 = 16.7%.
        let mut five: Vec<CheckerReport> =
            (0..4).map(|i| report(&format!("d{i}"), false, now)).collect();
        five.push(report("up", true, now));
        assert_eq!(combine(&five, now, Duration::from_secs(8), 0.18), Some(true));
        assert_eq!(combine(&five, now, Duration::from_secs(8), 0.20), Some(false), "configurable");
        let mut six = five.clone();
        six.push(report("d9", false, now));
        assert_eq!(combine(&six, now, Duration::from_secs(8), 0.18), Some(false));
    }

    #[test]
    fn stale_reports_age_out() {
        let now = 100_000;
        let fresh_for = freshness(Duration::from_secs(1));
        assert_eq!(fresh_for, Duration::from_secs(8));
        // The only healthy checker stopped reporting 9 s ago: the two fresh ones decide.
        let reports =
            [report("gone", true, now - 9_000), report("b", false, now), report("c", false, now)];
        assert_eq!(combine(&reports, now, fresh_for, 0.18), Some(false));
        assert_eq!(combine(&reports[..1], now, fresh_for, 0.18), None, "nothing fresh");
    }

    #[test]
    fn the_aggregator_applies_reporting_calculated_checks_and_counts_transitions() {
        let mut defs = vec![probe("p"), probe("q")];
        defs.push(CheckDef {
            id: "calc".into(),
            kind: CheckKind::Calculated { children: vec!["p".into(), "q".into()], threshold: 2 },
            interval: Duration::from_secs(1),
            failure_threshold: 1,
            reporting: Reporting::default(),
            regions: Vec::new(),
        });
        let mut agg = Aggregator::default();
        let now = 10_000;
        let mut reports = HashMap::new();
        reports.insert("p".to_owned(), vec![report("a", true, now)]);
        let (s, unhealthy) = agg.update(&defs, &reports, now, 0.18);
        assert!(s["p"].healthy && s["q"].healthy && s["calc"].healthy, "no report: healthy");
        assert!(unhealthy.is_empty());
        reports.insert("q".to_owned(), vec![report("a", false, now)]);
        let (s, unhealthy) = agg.update(&defs, &reports, now, 0.18);
        assert!(!s["q"].healthy && !s["calc"].healthy);
        assert_eq!(s["q"].transitions, 1);
        assert_eq!(unhealthy, HashSet::from(["q".to_owned(), "calc".to_owned()]));
        assert_eq!(s["q"].last.as_ref().map(|o| o.healthy), Some(false));
        // Inverted reports the opposite of what the checkers see.
        defs[1].reporting.inverted = true;
        let (s, _) = agg.update(&defs, &reports, now, 0.18);
        assert!(s["q"].healthy);
        assert_eq!(s["q"].transitions, 2);
    }
}
