use super::Store;
use super::sql::{
    log_change, next_serial, record_columns, record_from_row, zone_columns, zone_from_row,
};
use super::tags::delete_tags_in_tx;
use super::{Conn, Db};
use crate::error::{Result, StoreError, map_unique};
use crate::model::{ChangeKind, NewRecord, RecordRow, Zone};
use crate::names::{check_text, normalize_name, types_conflict};
use crate::tags::TaggedResource;
use crate::time::now_rfc3339;
use crate::write_tx;
#[allow(unused_imports)]
use crate::zones::*;
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};
impl Store {
    /// Creates an empty hosted zone. `name` is normalised (lower case, trailing dot).
    /// Refused with `AlreadyExists` if a zone has that name or the caller reference was used.
    pub(crate) async fn create_zone(
        &self,
        name: &str,
        comment: &str,
        caller_reference: Option<&str>,
    ) -> Result<Zone> {
        self.create_zone_with_records(name, comment, caller_reference, Vec::new()).await
    }

    /// Creates a hosted zone with its first records (typically the SOA and NS records at the
    /// apex), in one transaction.
    pub(crate) async fn create_zone_with_records(
        &self,
        name: &str,
        comment: &str,
        caller_reference: Option<&str>,
        records: Vec<NewRecord>,
    ) -> Result<Zone> {
        let name = normalize_name(name)?;
        let total = records.len();
        let records = records
            .into_iter()
            .enumerate()
            .map(|(i, r)| check_record(r, &name, i, total))
            .collect::<Result<Vec<_>>>()?;
        check_text(comment, "zone comment", MAX_ZONE_COMMENT, false)?;
        if let Some(reference) = caller_reference {
            check_text(reference, "caller reference", MAX_CALLER_REFERENCE, true)?;
        }
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            if let Some(reference) = caller_reference {
                let used: Option<String> =
                    sqlx::query_scalar("SELECT name FROM zones WHERE caller_reference = $1")
                        .bind(reference)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(other) = used {
                    return Err(StoreError::AlreadyExists(format!(
                        "caller reference {reference:?} was already used to create hosted zone \
                         {other}: each creation needs a new caller reference"
                    )));
                }
            }
            let mut zone = insert_zone(tx, &name, comment, caller_reference, serial).await?;
            insert_records(tx, &zone.id, 0, &records).await?;
            zone.soa_serial = super::soa::advance(tx, &zone.id, None).await?;
            if total > 0 {
                sqlx::query("UPDATE zones SET record_count = $1 WHERE id = $2")
                    .bind(total as i64)
                    .bind(&zone.id)
                    .execute(&mut *tx)
                    .await?;
                zone.record_count = total as i64;
            }
            log_change(
                tx,
                serial,
                ChangeKind::Zone,
                Some(&zone.id),
                &format!("created zone {name}"),
            )
            .await?;
            Ok(zone)
        })
    }

    /// The zone with this id.
    pub(crate) async fn get_zone(&self, id: &str) -> Result<Zone> {
        sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones WHERE id = $1"))
            .bind(id)
            .try_map(zone_from_row)
            .fetch_optional(self.backend.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(crate::Entity::HostedZone, id))
    }

    /// The zone with this name (normalised first).
    pub(crate) async fn zone_by_name(&self, name: &str) -> Result<Zone> {
        let name = normalize_name(name)?;
        sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones WHERE name = $1"))
            .bind(&name)
            .try_map(zone_from_row)
            .fetch_optional(self.backend.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(crate::Entity::HostedZone, name))
    }

    /// Every zone, ordered by name.
    pub(crate) async fn list_zones(&self) -> Result<Vec<Zone>> {
        Ok(sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones ORDER BY name"))
            .try_map(zone_from_row)
            .fetch_all(self.backend.pool())
            .await?)
    }

    /// Deletes a zone, its records and its tags. Refused with `InUse` while policy records exist in it.
    pub(crate) async fn delete_zone(&self, id: &str) -> Result<()> {
        self.delete_zone_checked(id, false).await
    }

    /// Deletes a zone only if it holds nothing but the SOA and NS records at its apex (Route
    /// 53's DeleteHostedZone); refused with `InUse` otherwise, checked in the same transaction.
    pub(crate) async fn delete_empty_zone(&self, id: &str) -> Result<()> {
        self.delete_zone_checked(id, true).await
    }

    async fn delete_zone_checked(&self, id: &str, only_if_empty: bool) -> Result<()> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let zone = zone_in_tx(tx, id).await?;
            if only_if_empty {
                let other: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM records WHERE zone_id = $1 AND NOT \
                     (name = $2 AND rtype IN ('SOA', 'NS'))",
                )
                .bind(id)
                .bind(&zone.name)
                .fetch_one(&mut *tx)
                .await?;
                if other > 0 {
                    return Err(StoreError::InUse(format!(
                        "hosted zone {} still has {other} record(s) besides the SOA and NS \
                         records at its apex: delete them first",
                        zone.name
                    )));
                }
            }
            let in_use: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM policy_records WHERE zone_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if in_use > 0 {
                return Err(StoreError::InUse(format!(
                    "hosted zone {} still has {in_use} policy record(s): delete them first",
                    zone.name
                )));
            }
            sqlx::query("DELETE FROM records WHERE zone_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            delete_tags_in_tx(tx, TaggedResource::HostedZone, id).await?;
            sqlx::query("DELETE FROM zones WHERE id = $1").bind(id).execute(&mut *tx).await?;
            log_change(
                tx,
                serial,
                ChangeKind::Zone,
                Some(id),
                &format!("deleted zone {}", zone.name),
            )
            .await?;
            Ok(())
        })
    }

    /// Replaces all records of the zone named `zone_name`, creating the zone (no comment, no
    /// caller reference) if it does not exist; returns the zone and whether it was created.
    ///
    /// One transaction: if any record is refused (a name outside the zone, a bad type or
    /// TTL, the same record twice, a clash with a policy record) nothing changes. Records
    /// keep the order given.
    pub(crate) async fn replace_zone_records(
        &self,
        zone_name: &str,
        records: Vec<NewRecord>,
    ) -> Result<(Zone, bool)> {
        let zone_name = normalize_name(zone_name)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let existing =
                sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones WHERE name = $1"))
                    .bind(&zone_name)
                    .try_map(zone_from_row)
                    .fetch_optional(&mut *tx)
                    .await?;
            let mut before = None;
            let (zone, created) = match existing {
                Some(zone) => {
                    before = super::soa::served_serial(tx, &zone.id).await?;
                    sqlx::query("DELETE FROM records WHERE zone_id = $1")
                        .bind(&zone.id)
                        .execute(&mut *tx)
                        .await?;
                    (zone, false)
                }
                None => (insert_zone(tx, &zone_name, "", None, serial).await?, true),
            };
            let policy_types = policy_types_by_name(tx, &zone.id).await?;
            let total = records.len();
            let mut seen = HashSet::with_capacity(total);
            let mut chunk = Vec::with_capacity(INSERT_CHUNK.min(total));
            for (index, record) in records.into_iter().enumerate() {
                let record = check_record(record, &zone.name, index, total)?;
                if let Some(types) = policy_types.get(&record.name)
                    && let Some((policy_type, policy_id)) =
                        types.iter().find(|(t, _)| types_conflict(t, &record.rtype))
                {
                    return Err(StoreError::AlreadyExists(format!(
                        "record {} of {total} ({} {}) clashes with policy record {policy_id} \
                         ({} {policy_type}): a name holds either records or a policy record of \
                         a type, and a CNAME stands alone",
                        index + 1,
                        record.name,
                        record.rtype,
                        record.name,
                    )));
                }
                let key = (
                    record.name.clone(),
                    record.rtype.clone(),
                    record.set_identifier.clone(),
                    record.rdata.clone(),
                );
                if !seen.insert(key) {
                    return Err(StoreError::Invalid(format!(
                        "record {} of {total} ({} {} {}) is given twice: a record set holds each \
                         record once",
                        index + 1,
                        record.name,
                        record.rtype,
                        record.rdata
                    )));
                }
                chunk.push(record);
                if chunk.len() == INSERT_CHUNK {
                    insert_records(tx, &zone.id, index + 1 - chunk.len(), &chunk).await?;
                    chunk.clear();
                }
            }
            insert_records(tx, &zone.id, total - chunk.len(), &chunk).await?;
            let soa_serial = super::soa::advance(tx, &zone.id, before).await?;
            sqlx::query("UPDATE zones SET serial = $1, record_count = $2 WHERE id = $3")
                .bind(serial)
                .bind(total as i64)
                .bind(&zone.id)
                .execute(&mut *tx)
                .await?;
            let detail = if created {
                format!("created zone {} with {total} records", zone.name)
            } else {
                format!("replaced the records of zone {}: {total} records", zone.name)
            };
            log_change(tx, serial, ChangeKind::Records, Some(&zone.id), &detail).await?;
            let zone = Zone { serial, record_count: total as i64, soa_serial, ..zone };
            Ok((zone, created))
        })
    }

    /// The records of a zone, in the order they were given.
    pub(crate) async fn zone_records(&self, zone_id: &str) -> Result<Vec<RecordRow>> {
        let mut tx = self.backend.begin_read().await?;
        zone_in_tx(&mut tx, zone_id).await?;
        let records = records_of(&mut tx, zone_id).await?;
        tx.commit().await?;
        Ok(records)
    }
}
/// Inserts `records` with consecutive ordinals from `first_ordinal`, in one multi-row
/// `INSERT` (the query builder writes each engine's placeholders).
pub(crate) async fn insert_records(
    tx: &mut Conn,
    zone_id: &str,
    first_ordinal: usize,
    records: &[NewRecord],
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let collections: Vec<Option<String>> =
        records.iter().map(|r| crate::cidr::routing_collection(r.routing.as_deref())).collect();
    let missing =
        super::cidr::missing_collections(tx, collections.iter().flatten().map(String::as_str))
            .await?;
    if let Some(id) = missing.first() {
        return Err(StoreError::Invalid(format!(
            "CidrRoutingConfig names the CIDR collection {id}, which does not exist"
        )));
    }
    let mut insert = QueryBuilder::<Db>::new(
        "INSERT INTO records \
         (zone_id, ordinal, name, rtype, ttl, rdata, set_identifier, routing, cidr_collection_id) ",
    );
    insert.push_values(
        records.iter().zip(collections).enumerate(),
        |mut row, (offset, (record, collection))| {
            row.push_bind(zone_id.to_owned())
                .push_bind((first_ordinal + offset) as i64)
                .push_bind(record.name.clone())
                .push_bind(record.rtype.clone())
                .push_bind(i64::from(record.ttl))
                .push_bind(record.rdata.clone())
                .push_bind(record.set_identifier.clone())
                .push_bind(record.routing.clone())
                .push_bind(collection);
        },
    );
    insert.build().execute(&mut *tx).await?;
    Ok(())
}
/// Inserts a new zone row (no records) at `serial`.
async fn insert_zone(
    tx: &mut Conn,
    name: &str,
    comment: &str,
    caller_reference: Option<&str>,
    serial: i64,
) -> Result<Zone> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM zones WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = exists {
        return Err(StoreError::AlreadyExists(format!(
            "hosted zone {name} already exists (id {id}): zone names are unique"
        )));
    }
    let zone = Zone {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_owned(),
        comment: comment.to_owned(),
        caller_reference: caller_reference.map(str::to_owned),
        created_at: now_rfc3339(),
        serial,
        record_count: 0,
        soa_serial: None,
    };
    sqlx::query(
        "INSERT INTO zones (id, name, comment, caller_reference, created_at, serial, record_count) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(&zone.id)
    .bind(&zone.name)
    .bind(&zone.comment)
    .bind(&zone.caller_reference)
    .bind(&zone.created_at)
    .bind(serial)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, || format!("hosted zone {name} already exists")))?;
    Ok(zone)
}
/// The zone with this id, read inside a transaction.
pub(crate) async fn zone_in_tx(tx: &mut Conn, id: &str) -> Result<Zone> {
    sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones WHERE id = $1"))
        .bind(id)
        .try_map(zone_from_row)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(crate::Entity::HostedZone, id))
}
/// The records of a zone in order.
pub(crate) async fn records_of(tx: &mut Conn, zone_id: &str) -> Result<Vec<RecordRow>> {
    Ok(sqlx::query(concat!(
        "SELECT ",
        record_columns!(),
        " FROM records WHERE zone_id = $1 ORDER BY ordinal"
    ))
    .bind(zone_id)
    .try_map(|row| record_from_row(&row))
    .fetch_all(&mut *tx)
    .await?)
}
/// Types (with policy record ids) of the zone's policy records, by name.
async fn policy_types_by_name(
    tx: &mut Conn,
    zone_id: &str,
) -> Result<HashMap<String, Vec<(String, String)>>> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, record_type, id FROM policy_records WHERE zone_id = $1")
            .bind(zone_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut by_name: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (name, rtype, id) in rows {
        by_name.entry(name).or_default().push((rtype, id));
    }
    Ok(by_name)
}
