//! The values the store reads and writes.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;

/// A hosted zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Zone id: a UUID v4 in its 32-hex-digit simple form (fits Route 53's 32-character
    /// `HostedZoneId`).
    pub id: String,
    /// Lower-case absolute name with its trailing dot, e.g. `example.com.`.
    pub name: String,
    /// Free text, at most 256 characters (Route 53 `HostedZoneConfig.Comment`).
    pub comment: String,
    /// The caller's idempotency token given at creation (Route 53 `CallerReference`), unique.
    pub caller_reference: Option<String>,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Change serial of the last write that changed what the zone serves (its records or its
    /// policy records). A DNS server can compare it with the serial its snapshot was built at.
    pub serial: i64,
    /// Number of records (rows, not record sets) in the zone.
    pub record_count: i64,
    /// The SOA serial DNS serves for the zone (see the crate docs, "SOA serials"); `None`
    /// until a write moves it on, and until then the SOA record's own serial is served.
    pub soa_serial: Option<u32>,
}

/// A record to store, as given to [`Store::replace_zone_records`](crate::Store::replace_zone_records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// Owner name; normalised to lower-case absolute form, and must be in or under the zone.
    pub name: String,
    /// Type mnemonic such as `A` or `TYPE65534`; normalised to upper case.
    pub rtype: String,
    /// TTL in seconds, 0 to 2,147,483,647.
    pub ttl: u32,
    /// RDATA in presentation form as in a zone file (not interpreted by the store).
    pub rdata: String,
    /// Reserved for record-level routing: the Route 53 `SetIdentifier`.
    pub set_identifier: Option<String>,
    /// Reserved for record-level routing: routing parameters as JSON text.
    pub routing: Option<String>,
}

impl NewRecord {
    /// A plain record without record-level routing.
    pub fn new(
        name: impl Into<String>,
        rtype: impl Into<String>,
        ttl: u32,
        rdata: impl Into<String>,
    ) -> Self {
        NewRecord {
            name: name.into(),
            rtype: rtype.into(),
            ttl,
            rdata: rdata.into(),
            set_identifier: None,
            routing: None,
        }
    }
}

/// A stored record. A record set is the rows with equal (zone, `name`, `rtype`,
/// `set_identifier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// Position in the zone as imported (0-based); rows are returned in this order.
    pub ordinal: i64,
    /// Lower-case absolute owner name.
    pub name: String,
    /// Upper-case type mnemonic.
    pub rtype: String,
    /// TTL in seconds.
    pub ttl: u32,
    /// RDATA in presentation form.
    pub rdata: String,
    /// Record-level routing: the set identifier, if any.
    pub set_identifier: Option<String>,
    /// Record-level routing: parameters as JSON text, if any.
    pub routing: Option<String>,
}

/// One immutable version of a traffic policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// Policy id (UUID v4, hyphenated).
    pub policy_id: String,
    /// Policy name (immutable, unique among policies that are not deleted).
    pub name: String,
    /// Version number, 1 to [`MAX_POLICY_VERSIONS`](crate::MAX_POLICY_VERSIONS); never reused.
    pub version: u32,
    /// The document exactly as it was given.
    pub document: String,
    /// Per-version comment (the only mutable part).
    pub comment: String,
    /// DNS type of the records the document produces (from its `RecordType`).
    pub record_type: String,
    /// Creation time of this version, RFC 3339 UTC.
    pub created_at: String,
    /// Whether this version was deleted (soft delete: it can still be read by number).
    pub deleted: bool,
}

/// A traffic policy as listed: the summary of its latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySummary {
    /// Policy id.
    pub id: String,
    /// Policy name.
    pub name: String,
    /// DNS type of the latest version.
    pub record_type: String,
    /// Highest version number that is not deleted.
    pub latest_version: u32,
    /// Number of versions that are not deleted (Route 53 `TrafficPolicyCount`).
    pub version_count: u32,
    /// Creation time of the policy, RFC 3339 UTC.
    pub created_at: String,
}

/// The state of a policy record (Route 53 traffic policy instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyRecordState {
    /// Created; not yet served everywhere.
    Creating,
    /// Moved to another policy version or TTL; not yet served everywhere.
    Updating,
    /// Served.
    Applied,
    /// Could not be applied; the message says why.
    Failed,
    /// Being deleted.
    Deleting,
}

impl PolicyRecordState {
    /// Every state.
    pub const ALL: [PolicyRecordState; 5] = [
        PolicyRecordState::Creating,
        PolicyRecordState::Updating,
        PolicyRecordState::Applied,
        PolicyRecordState::Failed,
        PolicyRecordState::Deleting,
    ];

    /// The Route 53 spelling, e.g. `Applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyRecordState::Creating => "Creating",
            PolicyRecordState::Updating => "Updating",
            PolicyRecordState::Applied => "Applied",
            PolicyRecordState::Failed => "Failed",
            PolicyRecordState::Deleting => "Deleting",
        }
    }
}

impl fmt::Display for PolicyRecordState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolicyRecordState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        PolicyRecordState::ALL.into_iter().find(|state| state.as_str() == s).ok_or_else(|| {
            StoreError::Invalid(format!(
                "unknown policy record state {s:?}: one of Creating, Updating, Applied, Failed, \
                 Deleting"
            ))
        })
    }
}

/// A policy record (Route 53 traffic policy instance): a policy version bound to a DNS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    /// Policy record id (UUID v4, hyphenated).
    pub id: String,
    /// Hosted zone id (immutable).
    pub zone_id: String,
    /// Lower-case absolute name, in or under the zone's name (immutable).
    pub name: String,
    /// DNS type answered, fixed at creation from the policy version.
    pub record_type: String,
    /// TTL of the answers, 0 to 2,147,483,647.
    pub ttl: u32,
    /// Policy used.
    pub policy_id: String,
    /// Version of the policy used.
    pub policy_version: u32,
    /// Current state.
    pub state: PolicyRecordState,
    /// Why it failed when `state` is `Failed`; empty otherwise.
    pub message: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Time of the last change, RFC 3339 UTC.
    pub updated_at: String,
}

/// A stored health-check definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// Health check id (UUID v4, hyphenated).
    pub id: String,
    /// The caller's unique idempotency token (1-64 characters).
    pub caller_reference: String,
    /// Configuration as JSON text (not interpreted by the store).
    pub config: String,
    /// Starts at 1 and grows by one on each update (Route 53 `HealthCheckVersion`).
    pub version: i64,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

/// What a change-log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A hosted zone was created or deleted (`zone_id` set).
    Zone,
    /// A zone's records were replaced, possibly creating the zone (`zone_id` set).
    Records,
    /// A traffic policy or version was created, commented or deleted (no `zone_id`: policy
    /// records bind immutable versions, so no zone serves anything different).
    Policy,
    /// A policy record was created, moved to another version or TTL, or deleted
    /// (`zone_id` set).
    PolicyRecord,
    /// A policy record's state or message changed (`zone_id` set). Answers do not change.
    PolicyRecordState,
    /// A health check was created, updated or deleted (no `zone_id`).
    HealthCheck,
    /// The tags of a hosted zone (`zone_id` set) or a health check (no `zone_id`) changed.
    /// Answers do not change.
    Tags,
    /// A CIDR collection was created, its blocks changed, or it was deleted (no `zone_id`:
    /// any zone whose record sets name the collection may answer differently). The detail
    /// starts with `cidr collection <id>`; [`Change::cidr_collection_id`] reads the id back,
    /// and [`Store::cidr_collection_zones`](crate::Store::cidr_collection_zones) lists the
    /// zones that use it.
    CidrCollection,
    /// The zone's SOA serial moved on for a reason outside the store (`zone_id` set): the
    /// health of checks its answers use changed (written by a DNS server), or a restored
    /// backup took the serial past the one served before. See
    /// [`Store::advance_soa_serial`](crate::Store::advance_soa_serial).
    SoaSerial,
}

impl ChangeKind {
    const ALL: [ChangeKind; 9] = [
        ChangeKind::Zone,
        ChangeKind::Records,
        ChangeKind::Policy,
        ChangeKind::PolicyRecord,
        ChangeKind::PolicyRecordState,
        ChangeKind::HealthCheck,
        ChangeKind::Tags,
        ChangeKind::CidrCollection,
        ChangeKind::SoaSerial,
    ];

    /// The stored spelling, e.g. `policy_record`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Zone => "zone",
            ChangeKind::Records => "records",
            ChangeKind::Policy => "policy",
            ChangeKind::PolicyRecord => "policy_record",
            ChangeKind::PolicyRecordState => "policy_record_state",
            ChangeKind::HealthCheck => "health_check",
            ChangeKind::Tags => "tags",
            ChangeKind::CidrCollection => "cidr_collection",
            ChangeKind::SoaSerial => "soa_serial",
        }
    }

    /// Whether a change of this kind can change DNS answers: of the zone in `zone_id` when it
    /// is set, else (a CIDR collection) of the zones whose record sets use the object.
    pub fn affects_answers(self) -> bool {
        matches!(
            self,
            ChangeKind::Zone
                | ChangeKind::Records
                | ChangeKind::PolicyRecord
                | ChangeKind::CidrCollection
                | ChangeKind::SoaSerial
        )
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        ChangeKind::ALL.into_iter().find(|kind| kind.as_str() == s).ok_or_else(|| {
            StoreError::Invalid(format!(
                "unknown change kind {s:?} in the change log: written by a newer flowdns?"
            ))
        })
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change-log entry: one committed write transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The change serial, strictly increasing without gaps (1, 2, 3, ...).
    pub serial: i64,
    /// Commit time (taken when the transaction ran), RFC 3339 UTC.
    pub at: String,
    /// What changed.
    pub kind: ChangeKind,
    /// The hosted zone concerned, if any (also set for a deleted zone).
    pub zone_id: Option<String>,
    /// Human-readable one-line description, e.g. `created policy record www.example.com. A`.
    pub detail: String,
}

impl Change {
    /// The prefix of the detail of every [`ChangeKind::CidrCollection`] change, followed by the
    /// collection id and a colon.
    pub(crate) const CIDR_DETAIL_PREFIX: &'static str = "cidr collection ";

    /// The CIDR collection a [`ChangeKind::CidrCollection`] change is about (its detail reads
    /// `cidr collection <id>: ...`); `None` for other kinds.
    pub fn cidr_collection_id(&self) -> Option<&str> {
        if self.kind != ChangeKind::CidrCollection {
            return None;
        }
        let rest = self.detail.strip_prefix(Change::CIDR_DETAIL_PREFIX)?;
        rest.split_once(':').map(|(id, _)| id)
    }
}

/// A CIDR collection (Route 53 IP-based routing): named locations, each a set of CIDR blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrCollection {
    /// Collection id (UUID v4, hyphenated, lower case).
    pub id: String,
    /// Unique name, 1-64 letters, digits, `_` or `-`.
    pub name: String,
    /// The caller's idempotency token given at creation (unique, 1-64 ASCII characters).
    pub caller_reference: String,
    /// Starts at 1 and grows by one with each change of the blocks.
    pub version: i64,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

/// One block of a CIDR collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidrBlock {
    /// The location it belongs to (1-16 letters, digits, `_` or `-`).
    pub location: String,
    /// The block in canonical form: `192.0.2.0/24`, `2001:db8::/32` (see
    /// [`Cidr`](crate::Cidr)).
    pub cidr: String,
}

/// A CIDR collection with all of its blocks, ordered by location name and then by block text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrCollectionBlocks {
    /// The collection.
    pub collection: CidrCollection,
    /// Its blocks.
    pub blocks: Vec<CidrBlock>,
}

impl CidrCollectionBlocks {
    /// The location names, in order, each once.
    pub fn locations(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for b in &self.blocks {
            if out.last() != Some(&b.location.as_str()) {
                out.push(&b.location);
            }
        }
        out
    }
}

/// What a change of a CIDR collection does with its blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidrAction {
    /// Adds the blocks to the location (creating the location); blocks already there stay.
    Put,
    /// Removes the blocks from the location where they are there; absent ones are ignored.
    DeleteIfExists,
}

/// One change of a CIDR collection (Route 53 `CidrCollectionChange`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrChange {
    /// PUT or DELETE_IF_EXISTS.
    pub action: CidrAction,
    /// The location.
    pub location: String,
    /// The blocks, each in canonical form.
    pub cidrs: Vec<String>,
}

/// Everything a DNS server needs, read in one read transaction, consistent with `serial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreContents {
    /// The change serial the contents correspond to.
    pub serial: i64,
    /// Every zone (by name) with its records (in file order).
    pub zones: Vec<(Zone, Vec<RecordRow>)>,
    /// Every policy record with the document text of the version it uses.
    pub policy_records: Vec<(PolicyRecord, String)>,
    /// Every CIDR collection with its blocks, in creation order.
    pub cidr_collections: Vec<CidrCollectionBlocks>,
}
