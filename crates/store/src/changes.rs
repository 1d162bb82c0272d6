//! The change log and the consistent snapshot reads a DNS server builds from.

/// What [`Store::count`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Hosted zones.
    Zones,
    /// Traffic policies not deleted.
    Policies,
    /// Policy records.
    PolicyRecords,
    /// Health checks.
    HealthChecks,
}
