//! Policy records (Route 53: traffic policy instances): one policy version bound to a name and
//! TTL in a hosted zone, applied asynchronously (`Creating`/`Updating`, then `Applied` once DNS
//! serves it, or `Failed` with a message).

use crate::page::{Page, max_items, page};
use crate::{Code, Error, Result, Service, from_store};

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

impl std::fmt::Display for PolicyRecordState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<store::PolicyRecordState> for PolicyRecordState {
    fn from(s: store::PolicyRecordState) -> PolicyRecordState {
        match s {
            store::PolicyRecordState::Creating => PolicyRecordState::Creating,
            store::PolicyRecordState::Updating => PolicyRecordState::Updating,
            store::PolicyRecordState::Applied => PolicyRecordState::Applied,
            store::PolicyRecordState::Failed => PolicyRecordState::Failed,
            store::PolicyRecordState::Deleting => PolicyRecordState::Deleting,
        }
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

impl From<store::PolicyRecord> for PolicyRecord {
    fn from(r: store::PolicyRecord) -> PolicyRecord {
        PolicyRecord {
            id: r.id,
            zone_id: r.zone_id,
            name: r.name,
            record_type: r.record_type,
            ttl: r.ttl,
            policy_id: r.policy_id,
            policy_version: r.policy_version,
            state: r.state.into(),
            message: r.message,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn code(e: store::StoreError) -> Error {
    from_store(e, Code::NoSuchTrafficPolicyInstance, Code::TrafficPolicyInstanceAlreadyExists)
}

/// Filters of the ListTrafficPolicyInstances operations.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter<'a> {
    /// Only this hosted zone.
    pub zone_id: Option<&'a str>,
    /// Only this policy...
    pub policy_id: Option<&'a str>,
    /// ...and version.
    pub policy_version: Option<u32>,
}

/// Where a page of instances starts: zone id, name and type of its first instance.
#[derive(Debug, Clone, Default)]
pub struct InstanceMarker<'a> {
    /// HostedZoneIdMarker.
    pub zone_id: Option<&'a str>,
    /// TrafficPolicyInstanceNameMarker.
    pub name: Option<&'a str>,
    /// TrafficPolicyInstanceTypeMarker.
    pub rtype: Option<&'a str>,
}

impl Service {
    /// CreateTrafficPolicyInstance.
    pub async fn create_instance(
        &self,
        zone_id: &str,
        name: &str,
        ttl: i64,
        policy_id: &str,
        version: u32,
    ) -> Result<PolicyRecord> {
        let ttl = check_ttl(ttl)?;
        self.zone_row(zone_id).await?;
        self.get_policy(policy_id, Some(version)).await?;
        let count = self.count_instances().await?;
        if count >= self.limits.traffic_policy_instances {
            return Err(Error::new(
                Code::TooManyTrafficPolicyInstances,
                format!(
                    "the account limit of {} traffic policy instances is reached",
                    self.limits.traffic_policy_instances
                ),
            ));
        }
        let r: PolicyRecord = self
            .store
            .create_policy_record(zone_id, name, ttl, policy_id, version)
            .await
            .map_err(code)?
            .into();
        crate::audit::record_changed("policy record created", &r);
        Ok(r)
    }

    /// GetTrafficPolicyInstance.
    pub async fn get_instance(&self, id: &str) -> Result<PolicyRecord> {
        self.store.get_policy_record(id).await.map(PolicyRecord::from).map_err(code)
    }

    /// UpdateTrafficPolicyInstance: another version (rollback is an update to an older one)
    /// and TTL. The previous version keeps answering until the new one is served.
    pub async fn update_instance(
        &self,
        id: &str,
        ttl: Option<i64>,
        policy_id: Option<&str>,
        version: u32,
    ) -> Result<PolicyRecord> {
        let ttl = ttl.map(check_ttl).transpose()?;
        let current = self.get_instance(id).await?;
        let policy = policy_id.unwrap_or(&current.policy_id);
        self.get_policy(policy, Some(version)).await?;
        let r: PolicyRecord = self
            .store
            .update_policy_record(id, Some(policy), version, ttl)
            .await
            .map_err(code)?
            .into();
        crate::audit::record_changed("policy record updated", &r);
        Ok(r)
    }

    /// DeleteTrafficPolicyInstance.
    pub async fn delete_instance(&self, id: &str) -> Result<()> {
        self.store.delete_policy_record(id).await.map_err(code)?;
        crate::audit::changed("policy record deleted", &[("record", &id)]);
        Ok(())
    }

    /// GetTrafficPolicyInstanceCount.
    pub async fn count_instances(&self) -> Result<u64> {
        self.store.count(store::Counted::PolicyRecords).await.map_err(code)
    }

    /// ListTrafficPolicyInstances and its by-zone and by-policy forms: sorted by zone id, name
    /// and type, filtered, and paged from the marker.
    pub async fn list_instances(
        &self,
        filter: InstanceFilter<'_>,
        marker: InstanceMarker<'_>,
        max: Option<&str>,
    ) -> Result<Page<PolicyRecord>> {
        let max = max_items(max, 100, 100)?;
        if let Some(z) = filter.zone_id {
            self.zone_row(z).await?;
        }
        if let Some(p) = filter.policy_id {
            self.get_policy(p, filter.policy_version).await?;
        }
        let mut all: Vec<PolicyRecord> = self
            .store
            .list_policy_records(filter.zone_id)
            .await
            .map_err(code)?
            .into_iter()
            .map(PolicyRecord::from)
            .collect();
        all.retain(|r| {
            filter.policy_id.is_none_or(|p| r.policy_id == p)
                && filter.policy_version.is_none_or(|v| r.policy_version == v)
        });
        all.sort_by(|a, b| {
            (a.zone_id.as_str(), a.name.as_str(), a.record_type.as_str()).cmp(&(
                b.zone_id.as_str(),
                b.name.as_str(),
                b.record_type.as_str(),
            ))
        });
        let name = marker.name.map(|n| store::normalize_name(n).unwrap_or_else(|_| n.to_owned()));
        let has_marker = marker.zone_id.is_some() || name.is_some() || marker.rtype.is_some();
        // The page starts at the first instance at or after (zone, name, type); a missing
        // part of the marker sorts first.
        let from = (
            marker.zone_id.or(filter.zone_id).unwrap_or(""),
            name.as_deref().unwrap_or(""),
            marker.rtype.unwrap_or(""),
        );
        let starts = |r: &PolicyRecord| {
            (r.zone_id.as_str(), r.name.as_str(), r.record_type.as_str()) >= from
        };
        Ok(page(all, has_marker.then_some(&starts as &dyn Fn(&PolicyRecord) -> bool), max))
    }
}

/// TTL of a policy record: 0 to 2,147,483,647 seconds (RFC 2181).
pub(crate) fn check_ttl(ttl: i64) -> Result<u32> {
    u32::try_from(ttl).ok().filter(|t| *t <= store::MAX_TTL).ok_or_else(|| {
        Error::invalid("TTL", format!("{ttl} is out of range: 0 to {} seconds", store::MAX_TTL))
    })
}
