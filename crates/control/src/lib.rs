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

/// Maps a store error: `not_found` is the code for a missing entity of this operation, and
/// `conflict` for "already exists".
pub(crate) fn from_store(e: store::StoreError, not_found: Code, conflict: Code) -> Error {
    use store::StoreError as S;
    match e {
        S::NotFound { what, id } => {
            let code = match what {
                "hosted zone" => Code::NoSuchHostedZone,
                "traffic policy" | "policy" | "policy version" | "traffic policy version" => {
                    Code::NoSuchTrafficPolicy
                }
                "policy record" => Code::NoSuchTrafficPolicyInstance,
                "health check" => Code::NoSuchHealthCheck,
                "CIDR collection" => Code::NoSuchCidrCollectionException,
                _ => not_found,
            };
            Error::new(code, format!("{what} not found: {id}"))
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

    /// The store (for adapters that need to read something this layer does not wrap).
    pub fn store(&self) -> &store::Store {
        &self.store
    }

    /// The serial DNS currently answers from.
    pub fn served_serial(&self) -> i64 {
        self.served.get()
    }
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
