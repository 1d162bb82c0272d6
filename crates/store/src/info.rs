//! What a store holds: schema version, change serial and counts (`flowdns store info`, the
//! check of a backup before a restore, and the check of a `store copy`).

/// What a store holds, for `flowdns store info` and for checking a backup before a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// The newest migration applied (the schema version), 0 for none.
    pub schema_version: i64,
    /// The newest migration this build knows.
    pub known_schema_version: i64,
    /// The change serial of the last write.
    pub serial: i64,
    /// Hosted zones.
    pub zones: i64,
    /// Record rows.
    pub records: i64,
    /// Traffic policies not deleted.
    pub policies: i64,
    /// Policy versions, deleted ones included.
    pub policy_versions: i64,
    /// Policy records.
    pub policy_records: i64,
    /// Health checks.
    pub health_checks: i64,
    /// CIDR collections.
    pub cidr_collections: i64,
    /// Change-log rows.
    pub changes: i64,
}

/// The newest schema version (migration number) this build of the store knows. Both
/// engines' migrations carry the same numbers (a unit test checks it).
pub fn known_schema_version() -> i64 {
    crate::sqlite::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}
