//! The nodes of a deployment and the health checkers' observations (migration 0006).
//!
//! Neither is part of the change log: every node writes its heartbeat about once a second,
//! and every checker its view of each check at each probe, outside the serial. Nothing in
//! them is an answer by itself: DNS nodes combine all fresh observations of a check into its
//! status (crate `health`), and the control plane combines the live DNS nodes' served
//! serials into GetChange's status.

/// A running node, as it registers itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// The node's name, unique in the deployment (configured; the host name by default).
    pub id: String,
    /// Its roles, comma-separated (`dns,api,health`).
    pub roles: String,
    /// Whether it answers DNS (and so counts for GetChange).
    pub dns: bool,
    /// The checker region it reports health observations as.
    pub region: String,
    /// Where it answers DNS, as text (empty without the DNS role).
    pub dns_address: String,
    /// Where it serves the API, as text (empty without the API role).
    pub api_address: String,
    /// The flowdns version it runs.
    pub version: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Its last heartbeat, in Unix milliseconds of its own clock.
    pub heartbeat_ms: i64,
    /// The change serial its DNS snapshot answers from.
    pub served_serial: i64,
}

/// One checker's current report on one health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// The health check.
    pub check_id: String,
    /// The checker node.
    pub node_id: String,
    /// The checker's region.
    pub region: String,
    /// What this checker reports: its view after the failure threshold, before `Inverted`.
    pub healthy: bool,
    /// When it last reported (Unix milliseconds of its clock): a report that is not renewed
    /// ages out.
    pub reported_ms: i64,
    /// When its last probe ran (RFC 3339).
    pub observed_at: String,
    /// What the last probe saw.
    pub observed_healthy: bool,
    /// The last probe's reason (`Success: ...` or `Failure: ...`).
    pub reason: String,
    /// The last probe's duration in microseconds.
    pub latency_us: i64,
    /// When its last failed probe ran, if any.
    pub failure_at: Option<String>,
    /// The last failed probe's reason.
    pub failure_reason: Option<String>,
}
