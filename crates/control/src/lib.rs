//! The control-plane service layer.
//!
//! Every management operation lives here once, with its validation and its errors: the Route 53
//! XML API and the JSON API (crate `api`) are thin adapters that translate shapes, and never
//! decide anything themselves. Writes go to the [`store::Store`] in one transaction each; the
//! DNS server picks them up from the change log.
//!
//! Errors carry a Route 53 error [`Code`] (which decides the HTTP status) and a message that
//! names the field or value at fault and what is allowed.
#![deny(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub mod audit;
pub mod cidr;
pub mod coverage;
pub mod geo_codes;
pub mod health;
pub mod instances;
pub mod page;
pub mod policies;
pub mod simulate;
pub mod tags;
pub mod zone_files;
pub mod zones;

pub use page::{Page, page};

/// Route 53 error codes this layer returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // The names are Route 53's.
pub enum Code {
    InvalidInput,
    InvalidArgument,
    InvalidTrafficPolicyDocument,
    TrafficPolicyAlreadyExists,
    TooManyTrafficPolicies,
    TooManyTrafficPolicyVersionsForCurrentPolicy,
    NoSuchTrafficPolicy,
    TrafficPolicyInUse,
    TooManyTrafficPolicyInstances,
    TrafficPolicyInstanceAlreadyExists,
    NoSuchTrafficPolicyInstance,
    ConflictingTypes,
    ConcurrentModification,
    PriorRequestNotComplete,
    NoSuchHostedZone,
    HostedZoneAlreadyExists,
    HostedZoneNotEmpty,
    InvalidDomainName,
    TooManyHostedZones,
    InvalidChangeBatch,
    NoSuchChange,
    NoSuchHealthCheck,
    HealthCheckAlreadyExists,
    HealthCheckInUse,
    HealthCheckVersionMismatch,
    TooManyHealthChecks,
    NoSuchGeoLocation,
    NoSuchCidrCollectionException,
    NoSuchCidrLocationException,
    CidrCollectionAlreadyExistsException,
    CidrCollectionVersionMismatchException,
    CidrCollectionInUseException,
    CidrBlockInUseException,
    LimitsExceeded,
    ServiceUnavailable,
    /// An operation of the Route 53 API that flowdns does not implement (HTTP 501, which
    /// AWS SDKs do not retry).
    NotImplemented,
}

impl Code {
    /// The code as Route 53 spells it.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            InvalidInput => "InvalidInput",
            InvalidArgument => "InvalidArgument",
            InvalidTrafficPolicyDocument => "InvalidTrafficPolicyDocument",
            TrafficPolicyAlreadyExists => "TrafficPolicyAlreadyExists",
            TooManyTrafficPolicies => "TooManyTrafficPolicies",
            TooManyTrafficPolicyVersionsForCurrentPolicy => {
                "TooManyTrafficPolicyVersionsForCurrentPolicy"
            }
            NoSuchTrafficPolicy => "NoSuchTrafficPolicy",
            TrafficPolicyInUse => "TrafficPolicyInUse",
            TooManyTrafficPolicyInstances => "TooManyTrafficPolicyInstances",
            TrafficPolicyInstanceAlreadyExists => "TrafficPolicyInstanceAlreadyExists",
            NoSuchTrafficPolicyInstance => "NoSuchTrafficPolicyInstance",
            ConflictingTypes => "ConflictingTypes",
            ConcurrentModification => "ConcurrentModification",
            PriorRequestNotComplete => "PriorRequestNotComplete",
            NoSuchHostedZone => "NoSuchHostedZone",
            HostedZoneAlreadyExists => "HostedZoneAlreadyExists",
            HostedZoneNotEmpty => "HostedZoneNotEmpty",
            InvalidDomainName => "InvalidDomainName",
            TooManyHostedZones => "TooManyHostedZones",
            InvalidChangeBatch => "InvalidChangeBatch",
            NoSuchChange => "NoSuchChange",
            NoSuchHealthCheck => "NoSuchHealthCheck",
            HealthCheckAlreadyExists => "HealthCheckAlreadyExists",
            HealthCheckInUse => "HealthCheckInUse",
            HealthCheckVersionMismatch => "HealthCheckVersionMismatch",
            TooManyHealthChecks => "TooManyHealthChecks",
            NoSuchGeoLocation => "NoSuchGeoLocation",
            NoSuchCidrCollectionException => "NoSuchCidrCollectionException",
            NoSuchCidrLocationException => "NoSuchCidrLocationException",
            CidrCollectionAlreadyExistsException => "CidrCollectionAlreadyExistsException",
            CidrCollectionVersionMismatchException => "CidrCollectionVersionMismatchException",
            CidrCollectionInUseException => "CidrCollectionInUseException",
            CidrBlockInUseException => "CidrBlockInUseException",
            LimitsExceeded => "LimitsExceeded",
            ServiceUnavailable => "ServiceUnavailable",
            NotImplemented => "NotImplemented",
        }
    }

    /// The HTTP status Route 53 answers with.
    pub fn status(self) -> u16 {
        use Code::*;
        match self {
            NoSuchTrafficPolicy
            | NoSuchTrafficPolicyInstance
            | NoSuchHostedZone
            | NoSuchChange
            | NoSuchHealthCheck
            | NoSuchGeoLocation
            | NoSuchCidrCollectionException
            | NoSuchCidrLocationException => 404,
            TrafficPolicyAlreadyExists
            | TrafficPolicyInstanceAlreadyExists
            | HostedZoneAlreadyExists
            | HealthCheckAlreadyExists
            | HealthCheckVersionMismatch
            | CidrCollectionVersionMismatchException => 409,
            // CidrCollectionAlreadyExistsException and LimitsExceeded have no status in the
            // model: 400, like every other client error.
            ServiceUnavailable => 503,
            NotImplemented => 501,
            _ => 400,
        }
    }
}

/// A refused or failed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, as a Route 53 code.
    pub code: Code,
    /// A message naming the field or value and what is allowed. Several problems (a change
    /// batch, a policy document) are one per line.
    pub message: String,
}

impl Error {
    /// An error with this code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// `InvalidInput` naming `field`.
    pub fn invalid(field: &str, message: impl std::fmt::Display) -> Error {
        Error::new(Code::InvalidInput, format!("{field}: {message}"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

/// Results of this layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The code for a missing object of this kind; `fallback` for kinds without their own code
/// (a health check's override).
fn not_found_code(entity: store::Entity, fallback: Code) -> Code {
    use store::Entity as E;
    match entity {
        E::HostedZone => Code::NoSuchHostedZone,
        E::Policy | E::PolicyVersion => Code::NoSuchTrafficPolicy,
        E::PolicyRecord => Code::NoSuchTrafficPolicyInstance,
        E::HealthCheck => Code::NoSuchHealthCheck,
        E::CidrCollection => Code::NoSuchCidrCollectionException,
        _ => fallback,
    }
}

/// Maps a store error: `not_found` is the code for a missing object of a kind that has no
/// code of its own, and `conflict` for "already exists".
pub(crate) fn from_store(e: store::StoreError, not_found: Code, conflict: Code) -> Error {
    use store::StoreError as S;
    match e {
        S::NotFound { entity, id, .. } => {
            Error::new(not_found_code(entity, not_found), format!("{entity} not found: {id}"))
        }
        S::AlreadyExists(m) => Error::new(conflict, m),
        S::InUse(m) => Error::new(Code::TrafficPolicyInUse, m),
        S::ConflictingTypes(m) => Error::new(Code::ConflictingTypes, m),
        S::TooMany(m) => Error::new(Code::TooManyTrafficPolicyVersionsForCurrentPolicy, m),
        S::Invalid(m) => Error::new(Code::InvalidInput, m),
        S::VersionMismatch(m) => Error::new(Code::HealthCheckVersionMismatch, m),
        other => Error::new(
            Code::ServiceUnavailable,
            format!("the store is unavailable ({other}); retry later"),
        ),
    }
}

/// Account limits reported by GetAccountLimit and enforced on creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Hosted zones.
    pub hosted_zones: u64,
    /// Health checks.
    pub health_checks: u64,
    /// Traffic policies.
    pub traffic_policies: u64,
    /// Policy records (traffic policy instances).
    pub traffic_policy_instances: u64,
    /// Reusable delegation sets (reported only).
    pub reusable_delegation_sets: u64,
    /// CIDR collections (Route 53: 5).
    pub cidr_collections: u64,
    /// CIDR blocks in one collection (Route 53: 1,000).
    pub cidr_blocks_per_collection: u64,
}

impl Default for Limits {
    /// Generous: a self-hosted server is limited by its machine, not by a quota.
    fn default() -> Limits {
        Limits {
            hosted_zones: 100_000,
            health_checks: 100_000,
            traffic_policies: 10_000,
            traffic_policy_instances: 100_000,
            reusable_delegation_sets: 100,
            cidr_collections: 10_000,
            cidr_blocks_per_collection: 1_000,
        }
    }
}

/// The serial of the snapshot the DNS server answers from, published by the server.
#[derive(Debug, Default)]
pub struct Served(AtomicI64);

impl Served {
    /// Records that the snapshot at `serial` is being served.
    pub fn set(&self, serial: i64) {
        self.0.store(serial, Ordering::Release);
    }
    /// The serial being served.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }
}

/// The service: every operation is a method (see the modules).
#[derive(Clone)]
pub struct Service {
    pub(crate) store: store::Store,
    pub(crate) catalog: Arc<policy::codes::Catalog>,
    pub(crate) served: Arc<Served>,
    pub(crate) dns: Option<Arc<dns::Shared>>,
    pub(crate) limits: Limits,
    pub(crate) name_servers: Vec<String>,
    pub(crate) health_status: Option<health::StatusFn>,
    /// Representative points of countries for coverage, per loaded GeoIP data.
    pub(crate) coverage_points: Arc<coverage::PointsCache>,
}

impl Service {
    /// A service over `store`. `served` tells which change serial DNS answers from (for
    /// GetChange); `dns` is the answering state (for TestDNSAnswer and explain), absent when
    /// no server runs in this process.
    pub fn new(
        store: store::Store,
        catalog: Arc<policy::codes::Catalog>,
        served: Arc<Served>,
        dns: Option<Arc<dns::Shared>>,
    ) -> Service {
        Service {
            store,
            catalog,
            served,
            dns,
            limits: Limits::default(),
            name_servers: Vec::new(),
            health_status: None,
            coverage_points: Arc::default(),
        }
    }

    /// A service over a new, empty in-memory store with the built-in catalog and no DNS
    /// edge, for tests of the adapters above the service (each call gets a store of its own).
    pub async fn in_memory() -> Result<Service> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = format!(
            "sqlite:file:control-memory-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        );
        let store = store::Store::open_url(&url)
            .await
            .map_err(|e| Error::new(Code::ServiceUnavailable, e.to_string()))?;
        let catalog = Arc::new(policy::codes::Catalog::builtin());
        Ok(Service::new(store, catalog, Arc::default(), None))
    }

    /// Replaces the account limits.
    pub fn with_limits(mut self, limits: Limits) -> Service {
        self.limits = limits;
        self
    }

    /// Name servers written as the NS records of new zones and returned as their delegation
    /// set. Empty: `ns1.<zone>` and `ns2.<zone>`.
    pub fn with_name_servers(mut self, name_servers: Vec<String>) -> Service {
        self.name_servers = name_servers;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The latest change serial the store has committed. The error's message is the store's
    /// own (for a readiness probe to report as it is).
    pub async fn store_serial(&self) -> Result<i64> {
        self.store.serial().await.map_err(|e| Error::new(Code::ServiceUnavailable, e.to_string()))
    }

    /// The serial DNS currently answers from.
    pub fn served_serial(&self) -> i64 {
        self.served.get()
    }

    /// Whether the change with this serial is served by every live DNS node (GetChange's
    /// `INSYNC`). Nodes register in the store and renew a heartbeat every second with the
    /// serial they serve; a DNS node whose heartbeat is older than [`NODE_TIMEOUT`] no longer
    /// counts. When no DNS node is live (a process without the DNS role, or tests), the
    /// serial this process serves decides. A node that serves DNS itself also checks its own
    /// serial, which is fresher than its heartbeat.
    pub async fn in_sync(&self, serial: i64) -> Result<bool> {
        let here = self.served.get() >= serial;
        if self.dns.is_some() && !here {
            return Ok(false);
        }
        let nodes = self
            .store
            .nodes()
            .await
            .map_err(|e| from_store(e, Code::NoSuchChange, Code::InvalidInput))?;
        let now = unix_ms();
        let mut live = nodes.iter().filter(|n| n.dns && is_live(n.heartbeat_ms, now)).peekable();
        if live.peek().is_none() {
            return Ok(here);
        }
        Ok(live.all(|n| n.served_serial >= serial))
    }

    /// The nodes registered in the store, by name, each with whether its heartbeat is live.
    pub async fn nodes(&self) -> Result<Vec<NodeStatus>> {
        let now = unix_ms();
        Ok(self
            .store
            .nodes()
            .await
            .map_err(|e| from_store(e, Code::InvalidInput, Code::InvalidInput))?
            .into_iter()
            .map(|n| NodeStatus {
                live: is_live(n.heartbeat_ms, now),
                heartbeat_age_ms: (now - n.heartbeat_ms).max(0),
                name: n.id,
                roles: n.roles.split(',').map(str::to_owned).collect(),
                dns: n.dns,
                region: n.region,
                dns_address: n.dns_address,
                api_address: n.api_address,
                version: n.version,
                started_at: n.started_at,
                served_serial: n.served_serial,
            })
            .collect())
    }

    /// Every checker's current report on a health check (`NoSuchHealthCheck` if it does not
    /// exist), by node, each with whether it is still fresh.
    pub async fn health_check_reports(&self, id: &str) -> Result<Vec<CheckerReport>> {
        let check =
            self.store.get_health_check(id).await.map_err(|e| {
                from_store(e, Code::NoSuchHealthCheck, Code::HealthCheckAlreadyExists)
            })?;
        let interval = serde_json::from_str::<crate::health::HealthCheckConfig>(&check.config)
            .ok()
            .and_then(|c| c.request_interval)
            .unwrap_or(30);
        let fresh_for = ::health::view::freshness(std::time::Duration::from_secs(interval.into()));
        let fresh_ms = i64::try_from(fresh_for.as_millis()).unwrap_or(i64::MAX);
        let now = unix_ms();
        Ok(self
            .store
            .health_reports()
            .await
            .map_err(|e| from_store(e, Code::NoSuchHealthCheck, Code::InvalidInput))?
            .into_iter()
            .filter(|r| r.check_id == id)
            .map(|r| CheckerReport {
                fresh: now - r.reported_ms <= fresh_ms,
                age_ms: (now - r.reported_ms).max(0),
                node: r.node_id,
                region: r.region,
                healthy: r.healthy,
                observed_at: r.observed_at,
                observed_healthy: r.observed_healthy,
                reason: r.reason,
                latency_ms: r.latency_us as f64 / 1000.0,
                failure_at: r.failure_at,
                failure_reason: r.failure_reason,
            })
            .collect())
    }
}

/// A node of the deployment as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    /// Its name.
    pub name: String,
    /// Its roles (`dns`, `api`, `health`).
    pub roles: Vec<String>,
    /// Whether it answers DNS.
    pub dns: bool,
    /// Its checker region.
    pub region: String,
    /// Where it answers DNS.
    pub dns_address: String,
    /// Where it serves the API.
    pub api_address: String,
    /// The flowdns version it runs.
    pub version: String,
    /// When it started.
    pub started_at: String,
    /// The change serial it serves.
    pub served_serial: i64,
    /// Whether its heartbeat is younger than [`NODE_TIMEOUT`].
    pub live: bool,
    /// How old its heartbeat is.
    pub heartbeat_age_ms: i64,
}

/// One checker node's report on one health check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckerReport {
    /// The checker node.
    pub node: String,
    /// Its region.
    pub region: String,
    /// What it reports (its view after the failure threshold, before `Inverted`).
    pub healthy: bool,
    /// Whether the report still counts (younger than three probe intervals plus 5 s).
    pub fresh: bool,
    /// How old the report is.
    pub age_ms: i64,
    /// When its last probe ran.
    pub observed_at: String,
    /// What that probe saw.
    pub observed_healthy: bool,
    /// That probe's reason.
    pub reason: String,
    /// That probe's duration.
    pub latency_ms: f64,
    /// When its last failed probe ran.
    pub failure_at: Option<String>,
    /// That failure's reason.
    pub failure_reason: Option<String>,
}

/// A node whose heartbeat is older than this is gone: it no longer counts for GetChange.
/// Nodes beat every second.
pub const NODE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a node whose last heartbeat was at `heartbeat_ms` is live at `now_ms` (Unix
/// milliseconds): younger than [`NODE_TIMEOUT`].
pub fn is_live(heartbeat_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(heartbeat_ms)
        <= i64::try_from(NODE_TIMEOUT.as_millis()).unwrap_or(i64::MAX)
}

/// Now, in Unix milliseconds (the clock heartbeats are written with).
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Checks a required text field: not empty, at most `max` characters.
pub(crate) fn check_len(field: &str, value: &str, max: usize, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::invalid(field, "is required and must not be empty"));
    }
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(field, format!("is {n} characters long; at most {max}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found(entity: store::Entity) -> store::StoreError {
        store::StoreError::NotFound { entity, what: entity.as_str(), id: "x1".into() }
    }

    #[test]
    fn missing_objects_map_by_their_kind() {
        use store::Entity as E;
        let cases = [
            (E::HostedZone, Code::NoSuchHostedZone, "hosted zone not found: x1"),
            (E::Policy, Code::NoSuchTrafficPolicy, "traffic policy not found: x1"),
            (E::PolicyVersion, Code::NoSuchTrafficPolicy, "traffic policy version not found: x1"),
            (E::PolicyRecord, Code::NoSuchTrafficPolicyInstance, "policy record not found: x1"),
            (E::HealthCheck, Code::NoSuchHealthCheck, "health check not found: x1"),
            (
                E::CidrCollection,
                Code::NoSuchCidrCollectionException,
                "CIDR collection not found: x1",
            ),
            // No code of its own: the operation's.
            (E::HealthCheckOverride, Code::InvalidArgument, "health check override not found: x1"),
        ];
        for (entity, code, message) in cases {
            // The operation's own code only applies to kinds without one.
            let e = from_store(not_found(entity), Code::InvalidArgument, Code::InvalidInput);
            assert_eq!(e, Error::new(code, message), "{entity:?}");
        }
    }
}
