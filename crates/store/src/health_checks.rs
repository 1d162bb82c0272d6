//! Health-check definitions and their manual overrides (the checker in `flowdns serve` runs
//! them).

/// Longest caller reference of a health check (Route 53 `CallerReference`).
pub(crate) const MAX_CALLER_REFERENCE: usize = 64;
/// Longest configuration text accepted.
pub(crate) const MAX_CONFIG: usize = 65_536;

/// A manual override of a health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthOverride {
    /// The check.
    pub check_id: String,
    /// The status forced.
    pub healthy: bool,
    /// Who set it (an access key id, or the CLI's user).
    pub set_by: String,
    /// When (RFC 3339).
    pub set_at: String,
    /// Why.
    pub reason: String,
}
