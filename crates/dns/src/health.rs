//! The health of Route 53-style health checks as the query path reads it: a table of the
//! checks that are currently unhealthy, replaced wholesale (through `ArcSwap`) by the health
//! checker whenever a state changes. A check the table does not name is healthy, which is
//! also how a referenced check that does not exist counts.

use std::collections::HashSet;

use hickory_proto::rr::{Name, RecordType};

use zone::AliasTargets;

use crate::alias::AliasTable;

/// The health checks that are unhealthy now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthTable {
    unhealthy: HashSet<Box<str>>,
}

impl HealthTable {
    /// A table in which exactly these checks are unhealthy.
    pub fn with_unhealthy<I: IntoIterator<Item = S>, S: AsRef<str>>(ids: I) -> HealthTable {
        HealthTable { unhealthy: ids.into_iter().map(|s| s.as_ref().into()).collect() }
    }

    /// Whether the check with this id is healthy (unknown checks are).
    pub fn is_healthy(&self, id: &str) -> bool {
        self.unhealthy.is_empty() || !self.unhealthy.contains(id)
    }

    /// How many checks are unhealthy.
    pub fn unhealthy_count(&self) -> usize {
        self.unhealthy.len()
    }

    /// The checks whose health differs between `before` and this table, sorted.
    pub fn changed_since<'a>(&'a self, before: &'a HealthTable) -> Vec<&'a str> {
        let mut out: Vec<&str> =
            self.unhealthy.symmetric_difference(&before.unhealthy).map(|id| &**id).collect();
        out.sort_unstable();
        out
    }
}

/// Health as one query sees it: the health checks' table, and an alias-style endpoint's target
/// healthy when it resolves.
pub struct QueryHealth<'a> {
    /// Health checks.
    pub checks: &'a HealthTable,
    /// Resolved alias targets.
    pub aliases: &'a AliasTable,
    /// The answer type (A or AAAA), which decides which target addresses count.
    pub rtype: RecordType,
}

impl policy::HealthView for QueryHealth<'_> {
    fn is_healthy(&self, id: &str) -> bool {
        self.checks.is_healthy(id)
    }
    fn target_healthy(&self, _: policy::EndpointKind, value: &str) -> bool {
        let Ok(name) = Name::from_ascii(value) else { return false };
        self.aliases.addresses(&name.to_lowercase(), self.rtype).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_checks_are_healthy() {
        let t = HealthTable::with_unhealthy(["hc-down"]);
        assert!(!t.is_healthy("hc-down"));
        assert!(t.is_healthy("hc-up"));
        assert!(HealthTable::default().is_healthy("anything"));
        assert_eq!(t.unhealthy_count(), 1);
    }

    #[test]
    fn changes_between_tables() {
        let before = HealthTable::with_unhealthy(["b", "c"]);
        let after = HealthTable::with_unhealthy(["a", "c"]);
        assert_eq!(after.changed_since(&before), ["a", "b"]);
        assert!(after.changed_since(&after).is_empty());
        assert_eq!(HealthTable::default().changed_since(&before), ["b", "c"]);
    }
}
