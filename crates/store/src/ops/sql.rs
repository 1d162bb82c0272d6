//! Statements and row decoders shared by the operations. All SQL here is portable (see the
//! crate docs).

use sqlx::Row;

use super::{Conn, DbRow};
use crate::error::Result;
use crate::model::{
    ChangeKind, HealthCheck, PolicyRecord, PolicyRecordState, PolicyVersion, RecordRow, Zone,
};
use crate::time::now_rfc3339;

/// Columns of `zones`, in the order [`zone_from_row`] reads them by name.
macro_rules! zone_columns {
    () => {
        "id, name, comment, caller_reference, created_at, serial, record_count, soa_serial"
    };
}
pub(crate) use zone_columns;

/// Columns of `records` (without `zone_id`).
macro_rules! record_columns {
    () => {
        "ordinal, name, rtype, ttl, rdata, set_identifier, routing"
    };
}
pub(crate) use record_columns;

/// Columns of a policy version joined with its policy (`v` and `p`).
macro_rules! version_columns {
    () => {
        "v.policy_id, p.name, v.version, v.document, v.comment, v.record_type, v.created_at, \
         v.deleted"
    };
}
pub(crate) use version_columns;

/// Columns of `policy_records` (as `pr`).
macro_rules! policy_record_columns {
    () => {
        "pr.id, pr.zone_id, pr.name, pr.record_type, pr.ttl, pr.policy_id, pr.policy_version, \
         pr.state, pr.message, pr.created_at, pr.updated_at"
    };
}
pub(crate) use policy_record_columns;

/// Columns of `health_checks`.
macro_rules! health_check_columns {
    () => {
        "id, caller_reference, config, version, created_at"
    };
}
pub(crate) use health_check_columns;

/// Allocates the next change serial. Every write transaction calls this first, exactly once,
/// and later appends the change-log row with [`log_change`].
pub(crate) async fn next_serial(tx: &mut Conn) -> Result<i64> {
    let serial: i64 = sqlx::query_scalar(
        "UPDATE meta SET value = value + 1 WHERE key = 'serial' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(serial)
}

/// Appends the one change-log row of a write transaction, and announces the change to other
/// processes (delivered when the transaction commits; a no-op on SQLite).
pub(crate) async fn log_change(
    tx: &mut Conn,
    serial: i64,
    kind: ChangeKind,
    zone_id: Option<&str>,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO change_log (serial, changed_at, kind, zone_id, detail) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(serial)
    .bind(now_rfc3339())
    .bind(kind.as_str())
    .bind(zone_id)
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    super::notify_change(tx, serial).await
}

/// Marks a zone as changed by the write with this serial, and moves its SOA serial on (the
/// write does not touch its SOA record).
pub(crate) async fn touch_zone(tx: &mut Conn, zone_id: &str, serial: i64) -> Result<()> {
    sqlx::query("UPDATE zones SET serial = $1 WHERE id = $2")
        .bind(serial)
        .bind(zone_id)
        .execute(&mut *tx)
        .await?;
    super::soa::advance_unchanged(tx, zone_id).await?;
    Ok(())
}

fn decode_error(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

fn get_u32(row: &DbRow, column: &str) -> Result<u32, sqlx::Error> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value)
        .map_err(|_| decode_error(format!("column {column} holds {value}, outside 0..=2^32-1")))
}

fn get_bool(row: &DbRow, column: &str) -> Result<bool, sqlx::Error> {
    let value: i64 = row.try_get(column)?;
    Ok(value != 0)
}

pub(crate) fn zone_from_row(row: DbRow) -> Result<Zone, sqlx::Error> {
    Ok(Zone {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        comment: row.try_get("comment")?,
        caller_reference: row.try_get("caller_reference")?,
        created_at: row.try_get("created_at")?,
        serial: row.try_get("serial")?,
        record_count: row.try_get("record_count")?,
        soa_serial: row
            .try_get::<Option<i64>, _>("soa_serial")?
            .and_then(|s| u32::try_from(s).ok()),
    })
}

pub(crate) fn record_from_row(row: &DbRow) -> Result<RecordRow, sqlx::Error> {
    Ok(RecordRow {
        ordinal: row.try_get("ordinal")?,
        name: row.try_get("name")?,
        rtype: row.try_get("rtype")?,
        ttl: get_u32(row, "ttl")?,
        rdata: row.try_get("rdata")?,
        set_identifier: row.try_get("set_identifier")?,
        routing: row.try_get("routing")?,
    })
}

pub(crate) fn version_from_row(row: DbRow) -> Result<PolicyVersion, sqlx::Error> {
    Ok(PolicyVersion {
        policy_id: row.try_get("policy_id")?,
        name: row.try_get("name")?,
        version: get_u32(&row, "version")?,
        document: row.try_get("document")?,
        comment: row.try_get("comment")?,
        record_type: row.try_get("record_type")?,
        created_at: row.try_get("created_at")?,
        deleted: get_bool(&row, "deleted")?,
    })
}

pub(crate) fn policy_record_from_row(row: &DbRow) -> Result<PolicyRecord, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(PolicyRecord {
        id: row.try_get("id")?,
        zone_id: row.try_get("zone_id")?,
        name: row.try_get("name")?,
        record_type: row.try_get("record_type")?,
        ttl: get_u32(row, "ttl")?,
        policy_id: row.try_get("policy_id")?,
        policy_version: get_u32(row, "policy_version")?,
        state: state.parse::<PolicyRecordState>().map_err(|e| decode_error(e.to_string()))?,
        message: row.try_get("message")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn health_check_from_row(row: DbRow) -> Result<HealthCheck, sqlx::Error> {
    Ok(HealthCheck {
        id: row.try_get("id")?,
        caller_reference: row.try_get("caller_reference")?,
        config: row.try_get("config")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
    })
}
