//! The one interface over both engines: every operation of [`Store`], forwarded to the
//! engine's compilation of `ops/`. The methods and their docs are those of `ops/`; a method
//! added there is added here too (the compiler finds a forwarded method that does not exist,
//! and the crate's tests call every public one).

use std::path::Path;

use crate::{
    BatchView, Change, CidrChange, CidrCollection, CidrCollectionBlocks, Counted, HealthCheck,
    HealthOverride, HealthReport, NewRecord, NodeInfo, PolicyRecord, PolicyRecordState,
    PolicySummary, PolicyVersion, RecordRow, Result, Rrset, RrsetChange, StoreContents, StoreError,
    StoreInfo, Tag, TaggedResource, Zone,
};
use crate::{Engine, Store};

impl Store {
    /// The current change serial: 0 for a new store, then the serial of the last committed
    /// write.
    pub async fn serial(&self) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => s.serial().await,
            Engine::Postgres(s) => s.serial().await,
        }
    }

    /// The changes committed after `serial`, in serial order. Poll with the last serial seen.
    pub async fn changes_since(&self, serial: i64) -> Result<Vec<Change>> {
        match &self.engine {
            Engine::Sqlite(s) => s.changes_since(serial).await,
            Engine::Postgres(s) => s.changes_since(serial).await,
        }
    }

    /// The change with this serial, if it is in the log.
    pub async fn change(&self, serial: i64) -> Result<Option<Change>> {
        match &self.engine {
            Engine::Sqlite(s) => s.change(serial).await,
            Engine::Postgres(s) => s.change(serial).await,
        }
    }

    /// Everything a DNS server serves, read in one read transaction: every zone (by name)
    /// with its records (in order), every policy record (by zone name, name, type) with its
    /// version's document text, every CIDR collection with its blocks, and the serial all of
    /// it corresponds to.
    pub async fn load_all(&self) -> Result<StoreContents> {
        match &self.engine {
            Engine::Sqlite(s) => s.load_all().await,
            Engine::Postgres(s) => s.load_all().await,
        }
    }

    /// One zone with its records and its policy records (with document texts), read in one
    /// read transaction, for rebuilding only the zones named by [`Store::changes_since`].
    /// `NotFound` means the zone was deleted.
    pub async fn load_zone(
        &self,
        zone_id: &str,
    ) -> Result<(Zone, Vec<RecordRow>, Vec<(PolicyRecord, String)>)> {
        match &self.engine {
            Engine::Sqlite(s) => s.load_zone(zone_id).await,
            Engine::Postgres(s) => s.load_zone(zone_id).await,
        }
    }

    /// How many rows `table` has: one of `zones`, `policies` (live ones), `policy_records`
    /// and `health_checks`.
    pub async fn count(&self, table: Counted) -> Result<u64> {
        match &self.engine {
            Engine::Sqlite(s) => s.count(table).await,
            Engine::Postgres(s) => s.count(table).await,
        }
    }

    /// Creates an empty CIDR collection (version 1) and returns it with `true`; a retry with
    /// the same name and caller reference returns the existing collection with `false` and
    /// writes nothing. Refused with `AlreadyExists` when the name is taken with another caller
    /// reference or the caller reference was used for another name, and with `TooMany` when
    /// `max_collections` collections exist.
    pub async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
        max_collections: u64,
    ) -> Result<(CidrCollection, bool)> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.create_cidr_collection(name, caller_reference, max_collections).await
            }
            Engine::Postgres(s) => {
                s.create_cidr_collection(name, caller_reference, max_collections).await
            }
        }
    }

    /// Applies changes to a collection's blocks, all together, and increments its version by
    /// one; returns the collection as changed and the change serial.
    ///
    /// Every `DeleteIfExists` is applied first (removing each block from its location where it
    /// is there), then every `Put`; so moving a block is a `DeleteIfExists` from one location
    /// and a `Put` to another in one call. Refused, with nothing changed:
    /// - `NotFound` for an unknown collection;
    /// - `VersionMismatch` when `expected_version` is given and is not the current version;
    /// - `Invalid` for a location name that is not 1-16 letters, digits, `_` or `-`, a block
    ///   not in canonical form, or a block both put and deleted in one location;
    /// - `InUse` when a block would be in two locations: it is in another location after the
    ///   deletions, or the call puts it in two locations (one message lists every such block);
    /// - `TooMany` when the collection would hold more than `max_blocks` blocks.
    pub async fn change_cidr_collection(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: &[CidrChange],
        max_blocks: u64,
    ) -> Result<(CidrCollection, i64)> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.change_cidr_collection(id, expected_version, changes, max_blocks).await
            }
            Engine::Postgres(s) => {
                s.change_cidr_collection(id, expected_version, changes, max_blocks).await
            }
        }
    }

    /// Deletes a collection and returns the change serial. Refused with `InUse` while it has
    /// blocks or a record set names it (the message says which), checked in the same
    /// transaction, so a record-set batch cannot start using it meanwhile.
    pub async fn delete_cidr_collection(&self, id: &str) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_cidr_collection(id).await,
            Engine::Postgres(s) => s.delete_cidr_collection(id).await,
        }
    }

    /// One collection with its blocks (ordered by location, then block text), read in one
    /// read transaction. `NotFound` if there is none with this id.
    pub async fn cidr_collection(&self, id: &str) -> Result<CidrCollectionBlocks> {
        match &self.engine {
            Engine::Sqlite(s) => s.cidr_collection(id).await,
            Engine::Postgres(s) => s.cidr_collection(id).await,
        }
    }

    /// Every collection with its blocks, in creation order, read in one read transaction.
    pub async fn cidr_collections(&self) -> Result<Vec<CidrCollectionBlocks>> {
        match &self.engine {
            Engine::Sqlite(s) => s.cidr_collections().await,
            Engine::Postgres(s) => s.cidr_collections().await,
        }
    }

    /// Every collection without its blocks, in creation order.
    pub async fn list_cidr_collections(&self) -> Result<Vec<CidrCollection>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_cidr_collections().await,
            Engine::Postgres(s) => s.list_cidr_collections().await,
        }
    }

    /// The ids of the zones whose record sets name this collection (sorted; empty for an
    /// unknown collection): the zones a [`ChangeKind::CidrCollection`] change can affect.
    pub async fn cidr_collection_zones(&self, id: &str) -> Result<Vec<String>> {
        match &self.engine {
            Engine::Sqlite(s) => s.cidr_collection_zones(id).await,
            Engine::Postgres(s) => s.cidr_collection_zones(id).await,
        }
    }

    /// Stores a new health check (version 1). `config` is JSON text the store does not
    /// interpret. Refused with `AlreadyExists` if the caller reference was used.
    pub async fn create_health_check(
        &self,
        caller_reference: &str,
        config: &str,
    ) -> Result<HealthCheck> {
        match &self.engine {
            Engine::Sqlite(s) => s.create_health_check(caller_reference, config).await,
            Engine::Postgres(s) => s.create_health_check(caller_reference, config).await,
        }
    }

    /// The health check with this id.
    pub async fn get_health_check(&self, id: &str) -> Result<HealthCheck> {
        match &self.engine {
            Engine::Sqlite(s) => s.get_health_check(id).await,
            Engine::Postgres(s) => s.get_health_check(id).await,
        }
    }

    /// Every health check, in creation order.
    pub async fn list_health_checks(&self) -> Result<Vec<HealthCheck>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_health_checks().await,
            Engine::Postgres(s) => s.list_health_checks().await,
        }
    }

    /// Replaces the configuration and increments the version. With `expected_version`, the
    /// update is refused with `VersionMismatch` unless the stored version equals it (Route 53
    /// `HealthCheckVersion`).
    pub async fn update_health_check(
        &self,
        id: &str,
        config: &str,
        expected_version: Option<i64>,
    ) -> Result<HealthCheck> {
        match &self.engine {
            Engine::Sqlite(s) => s.update_health_check(id, config, expected_version).await,
            Engine::Postgres(s) => s.update_health_check(id, config, expected_version).await,
        }
    }

    /// Deletes a health check, with its override and its tags.
    pub async fn delete_health_check(&self, id: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_health_check(id).await,
            Engine::Postgres(s) => s.delete_health_check(id).await,
        }
    }

    /// Forces a health check healthy or unhealthy until [`Store::clear_health_override`].
    pub async fn set_health_override(
        &self,
        check_id: &str,
        healthy: bool,
        set_by: &str,
        reason: &str,
    ) -> Result<HealthOverride> {
        match &self.engine {
            Engine::Sqlite(s) => s.set_health_override(check_id, healthy, set_by, reason).await,
            Engine::Postgres(s) => s.set_health_override(check_id, healthy, set_by, reason).await,
        }
    }

    /// Clears a health check's override; `NotFound` if it had none.
    pub async fn clear_health_override(&self, check_id: &str, cleared_by: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.clear_health_override(check_id, cleared_by).await,
            Engine::Postgres(s) => s.clear_health_override(check_id, cleared_by).await,
        }
    }

    /// Every override in force.
    pub async fn health_overrides(&self) -> Result<Vec<HealthOverride>> {
        match &self.engine {
            Engine::Sqlite(s) => s.health_overrides().await,
            Engine::Postgres(s) => s.health_overrides().await,
        }
    }

    /// The schema version, change serial and counts of this store.
    pub async fn info(&self) -> Result<StoreInfo> {
        match &self.engine {
            Engine::Sqlite(s) => s.info().await,
            Engine::Postgres(s) => s.info().await,
        }
    }

    /// Creates a traffic policy and its version 1. The document is stored byte-exact and is
    /// not validated here: the caller compiles it first and passes its `RecordType`.
    /// Refused with `AlreadyExists` if a policy that is not deleted has this name.
    pub async fn create_policy(
        &self,
        name: &str,
        document: &str,
        record_type: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        match &self.engine {
            Engine::Sqlite(s) => s.create_policy(name, document, record_type, comment).await,
            Engine::Postgres(s) => s.create_policy(name, document, record_type, comment).await,
        }
    }

    /// Adds the next version to a policy (numbers are never reused). Refused with `TooMany`
    /// once the policy has had [`MAX_POLICY_VERSIONS`] versions, and with `NotFound` for an
    /// unknown or deleted policy.
    pub async fn create_policy_version(
        &self,
        policy_id: &str,
        document: &str,
        record_type: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.create_policy_version(policy_id, document, record_type, comment).await
            }
            Engine::Postgres(s) => {
                s.create_policy_version(policy_id, document, record_type, comment).await
            }
        }
    }

    /// Changes the comment of a version (the only mutable part of a version).
    pub async fn update_policy_comment(
        &self,
        policy_id: &str,
        version: u32,
        comment: &str,
    ) -> Result<PolicyVersion> {
        match &self.engine {
            Engine::Sqlite(s) => s.update_policy_comment(policy_id, version, comment).await,
            Engine::Postgres(s) => s.update_policy_comment(policy_id, version, comment).await,
        }
    }

    /// A version of a policy; `None` means the latest. A deleted version can still be read by
    /// number (its `deleted` flag is set); `None` on a deleted policy gives its last version.
    pub async fn get_policy_version(
        &self,
        policy_id: &str,
        version: Option<u32>,
    ) -> Result<PolicyVersion> {
        match &self.engine {
            Engine::Sqlite(s) => s.get_policy_version(policy_id, version).await,
            Engine::Postgres(s) => s.get_policy_version(policy_id, version).await,
        }
    }

    /// Every policy that is not deleted, as the summary of its latest version, in creation
    /// order.
    pub async fn list_policies(&self) -> Result<Vec<PolicySummary>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_policies().await,
            Engine::Postgres(s) => s.list_policies().await,
        }
    }

    /// The versions of a policy that are not deleted, in numeric order (empty for a deleted
    /// policy).
    pub async fn list_policy_versions(&self, policy_id: &str) -> Result<Vec<PolicyVersion>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_policy_versions(policy_id).await,
            Engine::Postgres(s) => s.list_policy_versions(policy_id).await,
        }
    }

    /// Deletes a version (soft delete: it can still be read by number, its number is never
    /// reused). Refused with `InUse` while a policy record uses it. Deleting the last version
    /// deletes the policy: it leaves the lists and its name may be used again.
    pub async fn delete_policy_version(&self, policy_id: &str, version: u32) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_policy_version(policy_id, version).await,
            Engine::Postgres(s) => s.delete_policy_version(policy_id, version).await,
        }
    }

    /// Binds version `version` of policy `policy_id` to `name` in the zone, with state
    /// `Creating`. The record type is the version's. Refused if the name is outside the zone
    /// (`Invalid`), the policy or version is unknown or deleted (`NotFound`), or the zone
    /// already has a policy record or records of that name and type, or a CNAME clash
    /// (`AlreadyExists`).
    pub async fn create_policy_record(
        &self,
        zone_id: &str,
        name: &str,
        ttl: u32,
        policy_id: &str,
        version: u32,
    ) -> Result<PolicyRecord> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.create_policy_record(zone_id, name, ttl, policy_id, version).await
            }
            Engine::Postgres(s) => {
                s.create_policy_record(zone_id, name, ttl, policy_id, version).await
            }
        }
    }

    /// Moves a policy record to `version` of `policy_id` (default: its current policy) and
    /// optionally a new TTL; the state becomes `Updating`. Rolling back is an update to an
    /// older version. Refused with `ConflictingTypes` if that version answers another
    /// record type, and `NotFound` for an unknown record, policy or version.
    pub async fn update_policy_record(
        &self,
        id: &str,
        policy_id: Option<&str>,
        version: u32,
        ttl: Option<u32>,
    ) -> Result<PolicyRecord> {
        match &self.engine {
            Engine::Sqlite(s) => s.update_policy_record(id, policy_id, version, ttl).await,
            Engine::Postgres(s) => s.update_policy_record(id, policy_id, version, ttl).await,
        }
    }

    /// Sets the state and message of a policy record (the DNS server reports `Applied` or
    /// `Failed` with a reason). Writing the state and message it already has changes nothing
    /// and logs no change.
    pub async fn set_policy_record_state(
        &self,
        id: &str,
        state: PolicyRecordState,
        message: &str,
    ) -> Result<PolicyRecord> {
        match &self.engine {
            Engine::Sqlite(s) => s.set_policy_record_state(id, state, message).await,
            Engine::Postgres(s) => s.set_policy_record_state(id, state, message).await,
        }
    }

    /// Sets the states of many policy records in one transaction with one change-log row (the
    /// DNS server reports a whole build at once). Records that already have the state and
    /// message, or no longer exist, are skipped; returns the ones that changed.
    pub async fn set_policy_record_states(
        &self,
        updates: &[(String, PolicyRecordState, String)],
    ) -> Result<Vec<PolicyRecord>> {
        match &self.engine {
            Engine::Sqlite(s) => s.set_policy_record_states(updates).await,
            Engine::Postgres(s) => s.set_policy_record_states(updates).await,
        }
    }

    /// Deletes a policy record; its name stops answering for its type.
    pub async fn delete_policy_record(&self, id: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_policy_record(id).await,
            Engine::Postgres(s) => s.delete_policy_record(id).await,
        }
    }

    /// The policy record with this id.
    pub async fn get_policy_record(&self, id: &str) -> Result<PolicyRecord> {
        match &self.engine {
            Engine::Sqlite(s) => s.get_policy_record(id).await,
            Engine::Postgres(s) => s.get_policy_record(id).await,
        }
    }

    /// The policy records of one zone (refused with `NotFound` for an unknown zone), or of
    /// every zone, ordered by zone name, name and type.
    pub async fn list_policy_records(&self, zone_id: Option<&str>) -> Result<Vec<PolicyRecord>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_policy_records(zone_id).await,
            Engine::Postgres(s) => s.list_policy_records(zone_id).await,
        }
    }

    /// Applies a change batch to a zone in one transaction and returns the change serial.
    /// Refused with [`StoreError::Invalid`] listing every problem (one per line, each naming
    /// the change by 1-based position) if any action cannot be applied; nothing changes then.
    /// RDATA syntax and routing settings are the caller's to check: the store keeps them as
    /// text.
    pub async fn change_record_sets(
        &self,
        zone_id: &str,
        changes: Vec<RrsetChange>,
        comment: &str,
    ) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => s.change_record_sets(zone_id, changes, comment).await,
            Engine::Postgres(s) => s.change_record_sets(zone_id, changes, comment).await,
        }
    }

    /// Like [`Store::change_record_sets`], and then, inside the same transaction, `check` sees
    /// the zone's routed record sets as the batch leaves them ([`BatchView`]); an error from
    /// it (one problem per line) rolls everything back as [`StoreError::Invalid`]. Because
    /// writers are serialised, two concurrent batches are each checked against the other's
    /// outcome, never against a state that neither will leave.
    pub async fn change_record_sets_checked(
        &self,
        zone_id: &str,
        changes: Vec<RrsetChange>,
        comment: &str,
        check: impl FnOnce(&BatchView) -> std::result::Result<(), String> + Send,
    ) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.change_record_sets_checked(zone_id, changes, comment, check).await
            }
            Engine::Postgres(s) => {
                s.change_record_sets_checked(zone_id, changes, comment, check).await
            }
        }
    }

    /// The zone's record sets, each with its records in order.
    pub async fn zone_record_sets(&self, zone_id: &str) -> Result<Vec<Rrset>> {
        match &self.engine {
            Engine::Sqlite(s) => s.zone_record_sets(zone_id).await,
            Engine::Postgres(s) => s.zone_record_sets(zone_id).await,
        }
    }

    /// How many record sets a zone has, counting each policy record as one (Route 53's
    /// `ResourceRecordSetCount`).
    pub async fn rrset_count(&self, zone_id: &str) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => s.rrset_count(zone_id).await,
            Engine::Postgres(s) => s.rrset_count(zone_id).await,
        }
    }

    /// Moves the SOA serial of the zone named `zone_name` on for a reason outside the store
    /// (the health of the checks its answers use changed; a backup was restored): one write,
    /// logged as a [`ChangeKind::SoaSerial`] change with `detail`. With `past`, the new serial
    /// is also ahead of `past` (RFC 1982). Returns the new serial (`None` for a zone without
    /// an SOA record). `NotFound` for an unknown zone.
    pub async fn advance_soa_serial(
        &self,
        zone_name: &str,
        past: Option<u32>,
        detail: &str,
    ) -> Result<Option<u32>> {
        match &self.engine {
            Engine::Sqlite(s) => s.advance_soa_serial(zone_name, past, detail).await,
            Engine::Postgres(s) => s.advance_soa_serial(zone_name, past, detail).await,
        }
    }

    /// The SOA serial DNS serves for each zone (by name), read in one transaction; zones
    /// without an SOA record are left out.
    pub async fn soa_serials(&self) -> Result<Vec<(String, u32)>> {
        match &self.engine {
            Engine::Sqlite(s) => s.soa_serials().await,
            Engine::Postgres(s) => s.soa_serials().await,
        }
    }

    /// Adds the tags `add` (a key that exists gets the new value) and removes the keys
    /// `remove` (an absent key is no error) of a resource, in one write; returns its tags
    /// after, sorted by key. Refused with `NotFound` if the resource does not exist,
    /// `Invalid` if a key is given twice or both added and removed, and `TooMany` if the
    /// resource would have more than [`MAX_TAGS_PER_RESOURCE`] tags; nothing changes then.
    pub async fn change_tags(
        &self,
        resource: TaggedResource,
        id: &str,
        add: &[Tag],
        remove: &[String],
    ) -> Result<Vec<Tag>> {
        match &self.engine {
            Engine::Sqlite(s) => s.change_tags(resource, id, add, remove).await,
            Engine::Postgres(s) => s.change_tags(resource, id, add, remove).await,
        }
    }

    /// Replaces every tag of a resource with `tags`, in one write; returns them sorted by key.
    /// Refused as [`Store::change_tags`] is.
    pub async fn replace_tags(
        &self,
        resource: TaggedResource,
        id: &str,
        tags: &[Tag],
    ) -> Result<Vec<Tag>> {
        match &self.engine {
            Engine::Sqlite(s) => s.replace_tags(resource, id, tags).await,
            Engine::Postgres(s) => s.replace_tags(resource, id, tags).await,
        }
    }

    /// The tags of a resource, sorted by key; `NotFound` if the resource does not exist.
    pub async fn tags(&self, resource: TaggedResource, id: &str) -> Result<Vec<Tag>> {
        match &self.engine {
            Engine::Sqlite(s) => s.tags(resource, id).await,
            Engine::Postgres(s) => s.tags(resource, id).await,
        }
    }

    /// The tags of several resources of one kind, in the order of `ids`, read in one read
    /// transaction; `NotFound` for the first that does not exist.
    pub async fn tags_of(&self, resource: TaggedResource, ids: &[&str]) -> Result<Vec<Vec<Tag>>> {
        match &self.engine {
            Engine::Sqlite(s) => s.tags_of(resource, ids).await,
            Engine::Postgres(s) => s.tags_of(resource, ids).await,
        }
    }

    /// Creates an empty hosted zone. `name` is normalised (lower case, trailing dot).
    /// Refused with `AlreadyExists` if a zone has that name or the caller reference was used.
    pub async fn create_zone(
        &self,
        name: &str,
        comment: &str,
        caller_reference: Option<&str>,
    ) -> Result<Zone> {
        match &self.engine {
            Engine::Sqlite(s) => s.create_zone(name, comment, caller_reference).await,
            Engine::Postgres(s) => s.create_zone(name, comment, caller_reference).await,
        }
    }

    /// Creates a hosted zone with its first records (typically the SOA and NS records at the
    /// apex), in one transaction.
    pub async fn create_zone_with_records(
        &self,
        name: &str,
        comment: &str,
        caller_reference: Option<&str>,
        records: Vec<NewRecord>,
    ) -> Result<Zone> {
        match &self.engine {
            Engine::Sqlite(s) => {
                s.create_zone_with_records(name, comment, caller_reference, records).await
            }
            Engine::Postgres(s) => {
                s.create_zone_with_records(name, comment, caller_reference, records).await
            }
        }
    }

    /// The zone with this id.
    pub async fn get_zone(&self, id: &str) -> Result<Zone> {
        match &self.engine {
            Engine::Sqlite(s) => s.get_zone(id).await,
            Engine::Postgres(s) => s.get_zone(id).await,
        }
    }

    /// The zone with this name (normalised first).
    pub async fn zone_by_name(&self, name: &str) -> Result<Zone> {
        match &self.engine {
            Engine::Sqlite(s) => s.zone_by_name(name).await,
            Engine::Postgres(s) => s.zone_by_name(name).await,
        }
    }

    /// Every zone, ordered by name.
    pub async fn list_zones(&self) -> Result<Vec<Zone>> {
        match &self.engine {
            Engine::Sqlite(s) => s.list_zones().await,
            Engine::Postgres(s) => s.list_zones().await,
        }
    }

    /// Deletes a zone, its records and its tags. Refused with `InUse` while policy records exist in it.
    pub async fn delete_zone(&self, id: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_zone(id).await,
            Engine::Postgres(s) => s.delete_zone(id).await,
        }
    }

    /// Deletes a zone only if it holds nothing but the SOA and NS records at its apex (Route
    /// 53's DeleteHostedZone); refused with `InUse` otherwise, checked in the same transaction.
    pub async fn delete_empty_zone(&self, id: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.delete_empty_zone(id).await,
            Engine::Postgres(s) => s.delete_empty_zone(id).await,
        }
    }

    /// Replaces all records of the zone named `zone_name`, creating the zone (no comment, no
    /// caller reference) if it does not exist; returns the zone and whether it was created.
    ///
    /// One transaction: if any record is refused (a name outside the zone, a bad type or
    /// TTL, the same record twice, a clash with a policy record) nothing changes. Records
    /// keep the order given.
    pub async fn replace_zone_records(
        &self,
        zone_name: &str,
        records: Vec<NewRecord>,
    ) -> Result<(Zone, bool)> {
        match &self.engine {
            Engine::Sqlite(s) => s.replace_zone_records(zone_name, records).await,
            Engine::Postgres(s) => s.replace_zone_records(zone_name, records).await,
        }
    }

    /// The records of a zone, in the order they were given.
    pub async fn zone_records(&self, zone_id: &str) -> Result<Vec<RecordRow>> {
        match &self.engine {
            Engine::Sqlite(s) => s.zone_records(zone_id).await,
            Engine::Postgres(s) => s.zone_records(zone_id).await,
        }
    }

    /// Registers a node of the deployment, or replaces its row (a restarted node registers
    /// again under its name).
    pub async fn register_node(&self, node: &NodeInfo) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.register_node(node).await,
            Engine::Postgres(s) => s.register_node(node).await,
        }
    }

    /// Renews a node's heartbeat and the change serial its DNS snapshot answers from. False
    /// when the node has no row (removed meanwhile): it should register again.
    pub async fn heartbeat(
        &self,
        node_id: &str,
        heartbeat_ms: i64,
        served_serial: i64,
    ) -> Result<bool> {
        match &self.engine {
            Engine::Sqlite(s) => s.heartbeat(node_id, heartbeat_ms, served_serial).await,
            Engine::Postgres(s) => s.heartbeat(node_id, heartbeat_ms, served_serial).await,
        }
    }

    /// Every registered node, live or not, by name.
    pub async fn nodes(&self) -> Result<Vec<NodeInfo>> {
        match &self.engine {
            Engine::Sqlite(s) => s.nodes().await,
            Engine::Postgres(s) => s.nodes().await,
        }
    }

    /// Removes a node (on a clean shutdown), with its health reports.
    pub async fn remove_node(&self, node_id: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.remove_node(node_id).await,
            Engine::Postgres(s) => s.remove_node(node_id).await,
        }
    }

    /// Writes a checker's current reports (one row per check and checker, replaced) in one
    /// transaction. Not a change: the serial does not move.
    pub async fn report_health(&self, reports: &[HealthReport]) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.report_health(reports).await,
            Engine::Postgres(s) => s.report_health(reports).await,
        }
    }

    /// Every checker's report on every check, by check and node.
    pub async fn health_reports(&self) -> Result<Vec<HealthReport>> {
        match &self.engine {
            Engine::Sqlite(s) => s.health_reports().await,
            Engine::Postgres(s) => s.health_reports().await,
        }
    }

    /// Writes a consistent copy of the whole store to `dest`, a new SQLite file, while other
    /// connections keep reading and writing (SQLite's `VACUUM INTO`: one read transaction,
    /// so the copy holds exactly the writes committed before it began). Refused when `dest`
    /// exists, and on PostgreSQL, whose own tools (`pg_dump`, base backups) do this.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(s) => s.backup(dest).await,
            Engine::Postgres(_) => Err(StoreError::Invalid(
                "store backup writes an SQLite file; back up a PostgreSQL store with pg_dump \
                 or the server's own backups (or copy it to SQLite with flowdns store copy)"
                    .into(),
            )),
        }
    }
}
