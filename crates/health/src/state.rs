//! Health-check state, pure: how observations become a check's status (Route 53 semantics,
//! spec section 4), with no clock, no I/O and no randomness.
//!
//! - Each checker keeps its own view of a check: it flips only after `failure_threshold`
//!   consecutive observations that disagree with its current view. A new check starts healthy.
//! - The check's status over all checkers is healthy when more than 18% of them see it
//!   healthy ([`aggregate`]); every checker node reports its view to the store and
//!   [`crate::view`] applies the rule to the fresh reports, with a configurable share.
//! - `Inverted` reports the opposite; `Disabled` reports healthy whatever the observations; an
//!   override (a flowdns extension) forces a status until cleared.
//! - A CALCULATED check is healthy when at least `health_threshold` of its children are
//!   healthy (children that do not exist count as healthy, as in DNS answers).

use std::collections::HashMap;

/// Share of checkers that must see a check healthy for it to be healthy: more than 18%.
pub const HEALTHY_SHARE: f64 = 0.18;

/// One checker's view of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckerView {
    /// What this checker currently reports (before `Inverted`).
    pub healthy: bool,
    /// Consecutive observations that disagreed with `healthy`.
    pub streak: u32,
}

impl Default for CheckerView {
    fn default() -> CheckerView {
        CheckerView { healthy: true, streak: 0 }
    }
}

impl CheckerView {
    /// Takes one observation; returns whether the view flipped.
    pub fn observe(&mut self, healthy: bool, failure_threshold: u32) -> bool {
        if healthy == self.healthy {
            self.streak = 0;
            return false;
        }
        self.streak += 1;
        if self.streak >= failure_threshold.max(1) {
            self.healthy = healthy;
            self.streak = 0;
            return true;
        }
        false
    }
}

/// Healthy when more than [`HEALTHY_SHARE`] of the views are healthy; no views: healthy.
pub fn aggregate<'a>(views: impl IntoIterator<Item = &'a CheckerView>) -> bool {
    let (mut total, mut healthy) = (0usize, 0usize);
    for v in views {
        total += 1;
        healthy += usize::from(v.healthy);
    }
    total == 0 || healthy as f64 / total as f64 > HEALTHY_SHARE
}

/// A forced status set by an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The status to report.
    pub healthy: bool,
    /// Who set it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// How a check turns its inputs into a reported status.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reporting {
    /// Report the opposite.
    pub inverted: bool,
    /// Report healthy whatever happens.
    pub disabled: bool,
    /// Forced status, if any.
    pub forced: Option<Override>,
}

impl Reporting {
    /// The reported status for a raw status.
    pub fn report(&self, raw: bool) -> bool {
        if let Some(o) = &self.forced {
            return o.healthy;
        }
        if self.disabled {
            return true;
        }
        raw != self.inverted
    }
}

/// A CALCULATED check's raw status: at least `threshold` of `children` healthy, where
/// `status` says whether a child is healthy (`None`: unknown, counted healthy).
pub fn calculated(
    children: &[String],
    threshold: u32,
    status: impl Fn(&str) -> Option<bool>,
) -> bool {
    let healthy = children.iter().filter(|c| status(c).unwrap_or(true)).count();
    healthy >= threshold as usize
}

/// Resolves CALCULATED checks in dependency order: `raw` holds the endpoint checks' raw
/// statuses; `calc` maps a calculated check to its children, threshold and reporting. Returns
/// every check's reported status. A cycle among calculated checks counts as healthy.
pub fn resolve(
    raw: &HashMap<String, (bool, Reporting)>,
    calc: &HashMap<String, (Vec<String>, u32, Reporting)>,
) -> HashMap<String, bool> {
    let mut out: HashMap<String, bool> =
        raw.iter().map(|(id, (healthy, r))| (id.clone(), r.report(*healthy))).collect();
    // Children first: repeat until nothing changes (at most as many rounds as checks).
    let mut pending: Vec<&String> = calc.keys().collect();
    pending.sort();
    for _ in 0..=calc.len() {
        let mut progressed = false;
        pending.retain(|id| {
            let Some((children, threshold, r)) = calc.get(*id) else { return false };
            let ready = children.iter().all(|c| out.contains_key(c) || !calc.contains_key(c));
            if !ready {
                return true;
            }
            let raw = calculated(children, *threshold, |c| out.get(c).copied());
            out.insert((*id).clone(), r.report(raw));
            progressed = true;
            false
        });
        if !progressed {
            break;
        }
    }
    for id in pending {
        out.insert(id.clone(), true);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_flips_after_the_threshold_of_consecutive_observations() {
        let mut v = CheckerView::default();
        assert!(!v.observe(false, 3));
        assert!(!v.observe(false, 3));
        assert!(!v.observe(true, 3), "a success resets the streak");
        assert!(!v.observe(false, 3));
        assert!(!v.observe(false, 3));
        assert!(v.observe(false, 3));
        assert!(!v.healthy);
        assert!(v.observe(true, 1), "threshold 1 flips at once");
    }

    #[test]
    fn more_than_18_percent_of_checkers_healthy_is_healthy() {
        let up = CheckerView { healthy: true, streak: 0 };
        let down = CheckerView { healthy: false, streak: 0 };
        assert!(aggregate([&up]));
        assert!(!aggregate([&down]));
        assert!(aggregate(&[up.clone(), down.clone(), down.clone(), down.clone()]), "25% > 18%");
        assert!(
            !aggregate(&[
                up.clone(),
                down.clone(),
                down.clone(),
                down.clone(),
                down.clone(),
                down.clone()
            ]),
            "16.7%"
        );
        assert!(aggregate(std::iter::empty()));
    }

    #[test]
    fn inverted_disabled_and_overrides() {
        let inv = Reporting { inverted: true, ..Reporting::default() };
        assert!(!inv.report(true));
        let off = Reporting { disabled: true, ..Reporting::default() };
        assert!(off.report(false));
        let forced = Reporting {
            forced: Some(Override { healthy: false, by: "ops".into(), at: "now".into() }),
            disabled: true,
            ..Reporting::default()
        };
        assert!(!forced.report(true));
    }

    #[test]
    fn calculated_checks_follow_their_children() {
        let mut raw = HashMap::new();
        raw.insert("a".to_owned(), (true, Reporting::default()));
        raw.insert("b".to_owned(), (false, Reporting::default()));
        let mut calc = HashMap::new();
        calc.insert("two".to_owned(), (vec!["a".into(), "b".into()], 2, Reporting::default()));
        calc.insert("one".to_owned(), (vec!["a".into(), "b".into()], 1, Reporting::default()));
        calc.insert("nested".to_owned(), (vec!["two".into()], 1, Reporting::default()));
        calc.insert("ghost".to_owned(), (vec!["missing".into()], 1, Reporting::default()));
        calc.insert("x".to_owned(), (vec!["y".into()], 1, Reporting::default()));
        calc.insert("y".to_owned(), (vec!["x".into()], 1, Reporting::default()));
        let s = resolve(&raw, &calc);
        assert!(!s["two"]);
        assert!(s["one"]);
        assert!(!s["nested"]);
        assert!(s["ghost"], "a missing child counts healthy");
        assert!(s["x"] && s["y"], "a cycle counts healthy");
    }
}
