use super::Conn;
use super::Store;
use super::policies::live_version;
use super::sql::{
    log_change, next_serial, policy_record_columns, policy_record_from_row, touch_zone,
};
use super::zones::zone_in_tx;
use crate::error::{Result, StoreError, map_unique};
use crate::model::{ChangeKind, PolicyRecord, PolicyRecordState};
use crate::names::{check_text, check_ttl, is_in_zone, normalize_name, types_conflict};
#[allow(unused_imports)]
use crate::policy_records::*;
use crate::time::now_rfc3339;
use crate::write_tx;
impl Store {
    /// Binds version `version` of policy `policy_id` to `name` in the zone, with state
    /// `Creating`. The record type is the version's. Refused if the name is outside the zone
    /// (`Invalid`), the policy or version is unknown or deleted (`NotFound`), or the zone
    /// already has a policy record or records of that name and type, or a CNAME clash
    /// (`AlreadyExists`).
    pub(crate) async fn create_policy_record(
        &self,
        zone_id: &str,
        name: &str,
        ttl: u32,
        policy_id: &str,
        version: u32,
    ) -> Result<PolicyRecord> {
        let name = normalize_name(name)?;
        check_ttl(ttl, &format!("policy record {name}"))?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let zone = zone_in_tx(tx, zone_id).await?;
            if !is_in_zone(&name, &zone.name) {
                return Err(StoreError::Invalid(format!(
                    "policy record name {name} is outside zone {}: it must be the zone's name or \
                     a name under it",
                    zone.name
                )));
            }
            let policy_version = live_version(tx, policy_id, version).await?;
            let rtype = policy_version.record_type;
            check_free(tx, zone_id, &zone.name, &name, &rtype).await?;
            let now = now_rfc3339();
            let record = PolicyRecord {
                id: uuid::Uuid::new_v4().to_string(),
                zone_id: zone_id.to_owned(),
                name,
                record_type: rtype,
                ttl,
                policy_id: policy_id.to_owned(),
                policy_version: version,
                state: PolicyRecordState::Creating,
                message: String::new(),
                created_at: now.clone(),
                updated_at: now,
            };
            sqlx::query(
                "INSERT INTO policy_records (id, zone_id, name, record_type, ttl, policy_id, \
                 policy_version, state, message, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&record.id)
            .bind(&record.zone_id)
            .bind(&record.name)
            .bind(&record.record_type)
            .bind(i64::from(record.ttl))
            .bind(&record.policy_id)
            .bind(i64::from(record.policy_version))
            .bind(record.state.as_str())
            .bind(&record.message)
            .bind(&record.created_at)
            .bind(&record.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                map_unique(e, || {
                    format!(
                        "zone {} already has a policy record for {} {}",
                        zone.name, record.name, record.record_type
                    )
                })
            })?;
            touch_zone(tx, zone_id, serial).await?;
            log_change(
                tx,
                serial,
                ChangeKind::PolicyRecord,
                Some(zone_id),
                &format!(
                    "created policy record {} ({} {}) with policy {policy_id} version {version}",
                    record.id, record.name, record.record_type
                ),
            )
            .await?;
            Ok(record)
        })
    }

    /// Moves a policy record to `version` of `policy_id` (default: its current policy) and
    /// optionally a new TTL; the state becomes `Updating`. Rolling back is an update to an
    /// older version. Refused with `ConflictingTypes` if that version answers another
    /// record type, and `NotFound` for an unknown record, policy or version.
    pub(crate) async fn update_policy_record(
        &self,
        id: &str,
        policy_id: Option<&str>,
        version: u32,
        ttl: Option<u32>,
    ) -> Result<PolicyRecord> {
        if let Some(ttl) = ttl {
            check_ttl(ttl, &format!("policy record {id}"))?;
        }
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = record_in_tx(tx, id).await?;
            let policy_id = policy_id.unwrap_or(&current.policy_id).to_owned();
            let target = live_version(tx, &policy_id, version).await?;
            if target.record_type != current.record_type {
                return Err(StoreError::ConflictingTypes(format!(
                    "version {version} of traffic policy {policy_id} ({}) answers {} but policy \
                     record {id} ({}) answers {}: a policy record keeps its type; create a new \
                     policy record instead",
                    target.name, target.record_type, current.name, current.record_type
                )));
            }
            let updated = PolicyRecord {
                ttl: ttl.unwrap_or(current.ttl),
                policy_id,
                policy_version: version,
                state: PolicyRecordState::Updating,
                message: String::new(),
                updated_at: now_rfc3339(),
                ..current
            };
            sqlx::query(
                "UPDATE policy_records SET ttl = $1, policy_id = $2, policy_version = $3, \
                 state = $4, message = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(i64::from(updated.ttl))
            .bind(&updated.policy_id)
            .bind(i64::from(updated.policy_version))
            .bind(updated.state.as_str())
            .bind(&updated.message)
            .bind(&updated.updated_at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            touch_zone(tx, &updated.zone_id, serial).await?;
            log_change(
                tx,
                serial,
                ChangeKind::PolicyRecord,
                Some(&updated.zone_id),
                &format!(
                    "updated policy record {id} ({} {}) to policy {} version {version}, TTL {}",
                    updated.name, updated.record_type, updated.policy_id, updated.ttl
                ),
            )
            .await?;
            Ok(updated)
        })
    }

    /// Sets the state and message of a policy record (the DNS server reports `Applied` or
    /// `Failed` with a reason). Writing the state and message it already has changes nothing
    /// and logs no change.
    pub(crate) async fn set_policy_record_state(
        &self,
        id: &str,
        state: PolicyRecordState,
        message: &str,
    ) -> Result<PolicyRecord> {
        check_text(message, "policy record message", MAX_MESSAGE, false)?;
        write_tx!(self, |tx| {
            // Read before the serial bump, so that a no-op allocates no serial.
            let current = record_in_tx(tx, id).await?;
            if current.state == state && current.message == message {
                return Ok(current);
            }
            let serial = next_serial(tx).await?;
            let updated = PolicyRecord {
                state,
                message: message.to_owned(),
                updated_at: now_rfc3339(),
                ..current
            };
            sqlx::query(
                "UPDATE policy_records SET state = $1, message = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(state.as_str())
            .bind(message)
            .bind(&updated.updated_at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            log_change(
                tx,
                serial,
                ChangeKind::PolicyRecordState,
                Some(&updated.zone_id),
                &format!(
                    "policy record {id} ({} {}) is {state}",
                    updated.name, updated.record_type
                ),
            )
            .await?;
            Ok(updated)
        })
    }

    /// Sets the states of many policy records in one transaction with one change-log row (the
    /// DNS server reports a whole build at once). Records that already have the state and
    /// message, or no longer exist, are skipped; returns the ones that changed.
    pub(crate) async fn set_policy_record_states(
        &self,
        updates: &[(String, PolicyRecordState, String)],
    ) -> Result<Vec<PolicyRecord>> {
        for (_, _, message) in updates {
            check_text(message, "policy record message", MAX_MESSAGE, false)?;
        }
        write_tx!(self, |tx| {
            // Read first: a call that changes nothing allocates no serial. Then take the
            // serial (the lock every writer takes first, so that two writers never hold
            // each other's rows) and write what still differs.
            let mut differs = false;
            for (id, state, message) in updates {
                match record_in_tx(tx, id).await {
                    Ok(r) if r.state != *state || r.message != *message => {
                        differs = true;
                        break;
                    }
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if !differs {
                return Ok(Vec::new());
            }
            let serial = next_serial(tx).await?;
            let mut changed = Vec::new();
            for (id, state, message) in updates {
                let current = match record_in_tx(tx, id).await {
                    Ok(r) => r,
                    Err(StoreError::NotFound { .. }) => continue,
                    Err(e) => return Err(e),
                };
                if current.state == *state && current.message == *message {
                    continue;
                }
                let updated = PolicyRecord {
                    state: *state,
                    message: message.clone(),
                    updated_at: now_rfc3339(),
                    ..current
                };
                sqlx::query(
                    "UPDATE policy_records SET state = $1, message = $2, updated_at = $3 \
                     WHERE id = $4",
                )
                .bind(state.as_str())
                .bind(message)
                .bind(&updated.updated_at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                changed.push(updated);
            }
            log_change(
                tx,
                serial,
                ChangeKind::PolicyRecordState,
                None,
                &format!("{} policy record states reported by the DNS server", changed.len()),
            )
            .await?;
            Ok(changed)
        })
    }

    /// Deletes a policy record; its name stops answering for its type.
    pub(crate) async fn delete_policy_record(&self, id: &str) -> Result<()> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = record_in_tx(tx, id).await?;
            sqlx::query("DELETE FROM policy_records WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            touch_zone(tx, &current.zone_id, serial).await?;
            log_change(
                tx,
                serial,
                ChangeKind::PolicyRecord,
                Some(&current.zone_id),
                &format!("deleted policy record {id} ({} {})", current.name, current.record_type),
            )
            .await?;
            Ok(())
        })
    }

    /// The policy record with this id.
    pub(crate) async fn get_policy_record(&self, id: &str) -> Result<PolicyRecord> {
        sqlx::query(concat!(
            "SELECT ",
            policy_record_columns!(),
            " FROM policy_records pr WHERE pr.id = $1"
        ))
        .bind(id)
        .try_map(|row| policy_record_from_row(&row))
        .fetch_optional(self.backend.pool())
        .await?
        .ok_or_else(|| StoreError::not_found(crate::Entity::PolicyRecord, id))
    }

    /// The policy records of one zone (refused with `NotFound` for an unknown zone), or of
    /// every zone, ordered by zone name, name and type.
    pub(crate) async fn list_policy_records(
        &self,
        zone_id: Option<&str>,
    ) -> Result<Vec<PolicyRecord>> {
        let Some(zone_id) = zone_id else {
            return Ok(sqlx::query(concat!(
                "SELECT ",
                policy_record_columns!(),
                " FROM policy_records pr JOIN zones z ON z.id = pr.zone_id \
                 ORDER BY z.name, pr.name, pr.record_type"
            ))
            .try_map(|row| policy_record_from_row(&row))
            .fetch_all(self.backend.pool())
            .await?);
        };
        let mut tx = self.backend.begin_read().await?;
        zone_in_tx(&mut tx, zone_id).await?;
        let records = sqlx::query(concat!(
            "SELECT ",
            policy_record_columns!(),
            " FROM policy_records pr WHERE pr.zone_id = $1 ORDER BY pr.name, pr.record_type"
        ))
        .bind(zone_id)
        .try_map(|row| policy_record_from_row(&row))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(records)
    }
}
/// The policy record with this id, read inside a transaction.
async fn record_in_tx(tx: &mut Conn, id: &str) -> Result<PolicyRecord> {
    sqlx::query(concat!(
        "SELECT ",
        policy_record_columns!(),
        " FROM policy_records pr WHERE pr.id = $1"
    ))
    .bind(id)
    .try_map(|row| policy_record_from_row(&row))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found(crate::Entity::PolicyRecord, id))
}
/// Refuses a new policy record of type `rtype` at `name` if the zone already has a policy
/// record or records there that clash with it.
async fn check_free(
    tx: &mut Conn,
    zone_id: &str,
    zone_name: &str,
    name: &str,
    rtype: &str,
) -> Result<()> {
    let policy_records: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, record_type FROM policy_records WHERE zone_id = $1 AND name = $2 \
         ORDER BY record_type",
    )
    .bind(zone_id)
    .bind(name)
    .fetch_all(&mut *tx)
    .await?;
    for (other_id, other_type) in &policy_records {
        if other_type == rtype {
            return Err(StoreError::AlreadyExists(format!(
                "zone {zone_name} already has policy record {other_id} for {name} {rtype}: one \
                 policy record per name and type; update it instead"
            )));
        }
        if types_conflict(other_type, rtype) {
            return Err(StoreError::AlreadyExists(format!(
                "{name} {rtype} clashes with policy record {other_id} ({name} {other_type}) in \
                 zone {zone_name}: a CNAME stands alone at its name"
            )));
        }
    }
    let record_types: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT rtype FROM records WHERE zone_id = $1 AND name = $2 ORDER BY rtype",
    )
    .bind(zone_id)
    .bind(name)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(other_type) = record_types.iter().find(|t| types_conflict(t, rtype)) {
        return Err(StoreError::AlreadyExists(format!(
            "zone {zone_name} already has {other_type} records at {name}, which clash with a \
             policy record of type {rtype}: a name and type hold either records or a policy \
             record, and a CNAME stands alone; remove the records first"
        )));
    }
    Ok(())
}
