use super::Conn;
use super::Store;
use super::sql::{log_change, next_serial};
use crate::error::{Result, StoreError};
use crate::model::ChangeKind;
use crate::names::normalize_name;
#[allow(unused_imports)]
use crate::soa::*;
use crate::write_tx;
use sqlx::Row;
/// The serial of the zone's SOA record as stored, if it has one that reads.
async fn stored_serial(tx: &mut Conn, zone_id: &str) -> Result<Option<u32>> {
    let rdata: Option<String> = sqlx::query_scalar(
        "SELECT r.rdata FROM records r JOIN zones z ON z.id = r.zone_id \
         WHERE r.zone_id = $1 AND r.rtype = 'SOA' AND r.name = z.name ORDER BY r.ordinal",
    )
    .bind(zone_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(rdata.as_deref().and_then(rdata_serial))
}
/// The serial DNS serves for the zone now: `zones.soa_serial`, else (a zone no write has moved
/// on since the column was added) its SOA record's. Call it before a write changes the SOA
/// record.
pub(crate) async fn served_serial(tx: &mut Conn, zone_id: &str) -> Result<Option<u32>> {
    let row = sqlx::query("SELECT soa_serial FROM zones WHERE id = $1")
        .bind(zone_id)
        .fetch_optional(&mut *tx)
        .await?;
    let kept: Option<i64> = match row {
        Some(row) => row.try_get("soa_serial")?,
        None => return Ok(None),
    };
    match kept.and_then(|s| u32::try_from(s).ok()) {
        Some(s) => Ok(Some(s)),
        None => stored_serial(tx, zone_id).await,
    }
}
/// Moves the zone's served serial on after a write that changed its answers; `before` is what
/// [`served_serial`] said before the write. Returns the new serial.
pub(crate) async fn advance(
    tx: &mut Conn,
    zone_id: &str,
    before: Option<u32>,
) -> Result<Option<u32>> {
    let next = next_soa_serial(before, stored_serial(tx, zone_id).await?);
    sqlx::query("UPDATE zones SET soa_serial = $1 WHERE id = $2")
        .bind(next.map(i64::from))
        .bind(zone_id)
        .execute(&mut *tx)
        .await?;
    Ok(next)
}
/// [`advance`] for a write that does not touch the SOA record.
pub(crate) async fn advance_unchanged(tx: &mut Conn, zone_id: &str) -> Result<Option<u32>> {
    let before = served_serial(tx, zone_id).await?;
    advance(tx, zone_id, before).await
}
impl Store {
    /// Moves the SOA serial of the zone named `zone_name` on for a reason outside the store
    /// (the health of the checks its answers use changed; a backup was restored): one write,
    /// logged as a [`ChangeKind::SoaSerial`] change with `detail`. With `past`, the new serial
    /// is also ahead of `past` (RFC 1982). Returns the new serial (`None` for a zone without
    /// an SOA record). `NotFound` for an unknown zone.
    pub(crate) async fn advance_soa_serial(
        &self,
        zone_name: &str,
        past: Option<u32>,
        detail: &str,
    ) -> Result<Option<u32>> {
        let name = normalize_name(zone_name)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let id: Option<String> = sqlx::query_scalar("SELECT id FROM zones WHERE name = $1")
                .bind(&name)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(id) = id else {
                return Err(StoreError::not_found(crate::Entity::HostedZone, &name));
            };
            let before = served_serial(tx, &id).await?;
            let mut next = next_soa_serial(before, stored_serial(tx, &id).await?);
            if let (Some(n), Some(p)) = (next, past)
                && !serial_gt(n, p)
            {
                next = Some(p.wrapping_add(1));
            }
            sqlx::query("UPDATE zones SET soa_serial = $1, serial = $2 WHERE id = $3")
                .bind(next.map(i64::from))
                .bind(serial)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            log_change(tx, serial, ChangeKind::SoaSerial, Some(&id), detail).await?;
            Ok(next)
        })
    }

    /// The SOA serial DNS serves for each zone (by name), read in one transaction; zones
    /// without an SOA record are left out.
    pub(crate) async fn soa_serials(&self) -> Result<Vec<(String, u32)>> {
        let mut tx = self.backend.begin_read().await?;
        let zones: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM zones ORDER BY name").fetch_all(&mut *tx).await?;
        let mut out = Vec::with_capacity(zones.len());
        for (id, name) in zones {
            if let Some(s) = served_serial(&mut tx, &id).await? {
                out.push((name, s));
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
