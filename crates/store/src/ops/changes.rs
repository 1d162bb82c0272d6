use super::Store;
use super::sql::{
    policy_record_columns, policy_record_from_row, record_columns, record_from_row, zone_columns,
    zone_from_row,
};
use super::zones::{records_of, zone_in_tx};
use super::{Conn, DbRow};
#[allow(unused_imports)]
use crate::changes::*;
use crate::error::Result;
use crate::model::{Change, ChangeKind, PolicyRecord, RecordRow, StoreContents, Zone};
use sqlx::Row;
use std::collections::HashMap;
impl Store {
    /// The current change serial: 0 for a new store, then the serial of the last committed
    /// write.
    pub(crate) async fn serial(&self) -> Result<i64> {
        let mut conn = self.backend.pool().acquire().await?;
        current_serial(&mut conn).await
    }

    /// The changes committed after `serial`, in serial order. Poll with the last serial seen.
    pub(crate) async fn changes_since(&self, serial: i64) -> Result<Vec<Change>> {
        let rows: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT serial, changed_at, kind, zone_id, detail FROM change_log \
             WHERE serial > $1 ORDER BY serial",
        )
        .bind(serial)
        .fetch_all(self.backend.pool())
        .await?;
        rows.into_iter()
            .map(|(serial, at, kind, zone_id, detail)| {
                Ok(Change { serial, at, kind: ChangeKind::parse(&kind)?, zone_id, detail })
            })
            .collect()
    }

    /// The change with this serial, if it is in the log.
    pub(crate) async fn change(&self, serial: i64) -> Result<Option<Change>> {
        let row: Option<(i64, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT serial, changed_at, kind, zone_id, detail FROM change_log WHERE serial = $1",
        )
        .bind(serial)
        .fetch_optional(self.backend.pool())
        .await?;
        row.map(|(serial, at, kind, zone_id, detail)| {
            Ok(Change { serial, at, kind: ChangeKind::parse(&kind)?, zone_id, detail })
        })
        .transpose()
    }

    /// Everything a DNS server serves, read in one read transaction: every zone (by name)
    /// with its records (in order), every policy record (by zone name, name, type) with its
    /// version's document text, every CIDR collection with its blocks, and the serial all of
    /// it corresponds to.
    pub(crate) async fn load_all(&self) -> Result<StoreContents> {
        let mut tx = self.backend.begin_read().await?;
        let serial = current_serial(&mut tx).await?;
        let zones: Vec<Zone> =
            sqlx::query(concat!("SELECT ", zone_columns!(), " FROM zones ORDER BY name"))
                .try_map(zone_from_row)
                .fetch_all(&mut *tx)
                .await?;
        let index: HashMap<String, usize> =
            zones.iter().enumerate().map(|(i, zone)| (zone.id.clone(), i)).collect();
        let mut records: Vec<Vec<RecordRow>> = zones
            .iter()
            .map(|zone| Vec::with_capacity(usize::try_from(zone.record_count).unwrap_or(0)))
            .collect();
        let rows: Vec<(String, RecordRow)> = sqlx::query(concat!(
            "SELECT zone_id, ",
            record_columns!(),
            " FROM records ORDER BY zone_id, ordinal"
        ))
        .try_map(|row: DbRow| Ok((row.try_get::<String, _>("zone_id")?, record_from_row(&row)?)))
        .fetch_all(&mut *tx)
        .await?;
        for (zone_id, record) in rows {
            if let Some(&i) = index.get(&zone_id) {
                records[i].push(record);
            }
        }
        let policy_records = policy_records_with_documents(&mut tx, None).await?;
        let cidr_collections = super::cidr::all_collections(&mut tx).await?;
        tx.commit().await?;
        Ok(StoreContents {
            serial,
            zones: zones.into_iter().zip(records).collect(),
            policy_records,
            cidr_collections,
        })
    }

    /// One zone with its records and its policy records (with document texts), read in one
    /// read transaction, for rebuilding only the zones named by [`Store::changes_since`].
    /// `NotFound` means the zone was deleted.
    pub(crate) async fn load_zone(
        &self,
        zone_id: &str,
    ) -> Result<(Zone, Vec<RecordRow>, Vec<(PolicyRecord, String)>)> {
        let mut tx = self.backend.begin_read().await?;
        let zone = zone_in_tx(&mut tx, zone_id).await?;
        let records = records_of(&mut tx, zone_id).await?;
        let policy_records = policy_records_with_documents(&mut tx, Some(zone_id)).await?;
        tx.commit().await?;
        Ok((zone, records, policy_records))
    }
}
async fn current_serial(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'serial'")
        .fetch_one(&mut *conn)
        .await?)
}
/// Policy records (of one zone or all) with the document of the version each uses.
async fn policy_records_with_documents(
    tx: &mut Conn,
    zone_id: Option<&str>,
) -> Result<Vec<(PolicyRecord, String)>> {
    let decode =
        |row: DbRow| Ok((policy_record_from_row(&row)?, row.try_get::<String, _>("document")?));
    let rows = match zone_id {
        Some(zone_id) => {
            sqlx::query(concat!(
                "SELECT ",
                policy_record_columns!(),
                ", v.document FROM policy_records pr \
                 JOIN policy_versions v \
                   ON v.policy_id = pr.policy_id AND v.version = pr.policy_version \
                 WHERE pr.zone_id = $1 ORDER BY pr.name, pr.record_type"
            ))
            .bind(zone_id)
            .try_map(decode)
            .fetch_all(&mut *tx)
            .await?
        }
        None => {
            sqlx::query(concat!(
                "SELECT ",
                policy_record_columns!(),
                ", v.document FROM policy_records pr \
                 JOIN zones z ON z.id = pr.zone_id \
                 JOIN policy_versions v \
                   ON v.policy_id = pr.policy_id AND v.version = pr.policy_version \
                 ORDER BY z.name, pr.name, pr.record_type"
            ))
            .try_map(decode)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    Ok(rows)
}
impl Store {
    /// How many rows `table` has: one of `zones`, `policies` (live ones), `policy_records`
    /// and `health_checks`.
    pub(crate) async fn count(&self, table: Counted) -> Result<u64> {
        let sql = match table {
            Counted::Zones => "SELECT COUNT(*) FROM zones",
            Counted::Policies => "SELECT COUNT(*) FROM policies WHERE deleted = 0",
            Counted::PolicyRecords => "SELECT COUNT(*) FROM policy_records",
            Counted::HealthChecks => "SELECT COUNT(*) FROM health_checks",
        };
        let n: i64 = sqlx::query_scalar(sql).fetch_one(self.backend.pool()).await?;
        Ok(n.max(0) as u64)
    }
}
