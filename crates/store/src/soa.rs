//! The SOA serial DNS serves for each zone, kept in `zones.soa_serial` and moved on by every
//! write that changes what the zone answers (see the crate docs, "SOA serials").

use sqlx::Row;

use crate::backend::Conn;
use crate::error::{Result, StoreError};
use crate::model::ChangeKind;
use crate::names::normalize_name;
use crate::sql::{log_change, next_serial};
use crate::{Store, write_tx};

/// Whether serial `a` is greater than `b` in RFC 1982 serial number arithmetic (32 bits): `a`
/// is ahead of `b` by less than 2^31. Serials exactly 2^31 apart are not ordered: neither is
/// greater.
pub fn serial_gt(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// The serial to serve after a write, given the one served before it (`None` for a zone not
/// served yet) and the serial field of the zone's SOA record as the write leaves it: the
/// record's serial when it is ahead of the served one (someone set a higher serial, as with a
/// date-based `YYYYMMDDnn` scheme), else the served serial plus one (mod 2^32). `None` when
/// there is neither.
pub fn next_soa_serial(served: Option<u32>, stored: Option<u32>) -> Option<u32> {
    match (served, stored) {
        (None, stored) => stored,
        (Some(served), Some(stored)) if serial_gt(stored, served) => Some(stored),
        (Some(served), _) => Some(served.wrapping_add(1)),
    }
}

/// The SERIAL field of SOA RDATA in presentation form (`MNAME RNAME SERIAL REFRESH RETRY
/// EXPIRE MINIMUM`). Read from the end, so that a name with an escaped space does not shift
/// the fields.
pub(crate) fn rdata_serial(rdata: &str) -> Option<u32> {
    let fields: Vec<&str> = rdata.split_whitespace().collect();
    let at = fields.len().checked_sub(5)?;
    fields[at].parse().ok()
}

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
    pub async fn advance_soa_serial(
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
            let Some(id) = id else { return Err(StoreError::not_found("hosted zone", &name)) };
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
    pub async fn soa_serials(&self) -> Result<Vec<(String, u32)>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_order() {
        assert!(serial_gt(2, 1));
        assert!(!serial_gt(1, 2));
        assert!(!serial_gt(7, 7));
        // Wrapping: 0 follows 4294967295, and 5 is ahead of 4294967000.
        assert!(serial_gt(0, u32::MAX));
        assert!(serial_gt(5, 4_294_967_000));
        assert!(!serial_gt(4_294_967_000, 5));
        // Exactly 2^31 apart: undefined, so neither is greater.
        assert!(!serial_gt(1 << 31, 0));
        assert!(!serial_gt(0, 1 << 31));
    }

    #[test]
    fn the_next_serial_never_goes_back() {
        // A new zone serves its record's serial as written.
        assert_eq!(next_soa_serial(None, Some(2026010101)), Some(2026010101));
        assert_eq!(next_soa_serial(None, None), None);
        // A change that leaves the record's serial behind moves the served one by one.
        assert_eq!(next_soa_serial(Some(2026010101), Some(2026010101)), Some(2026010102));
        assert_eq!(next_soa_serial(Some(40), Some(7)), Some(41));
        assert_eq!(next_soa_serial(Some(40), None), Some(41));
        // A record serial ahead of the served one is taken as it is.
        assert_eq!(next_soa_serial(Some(2026010105), Some(2026020101)), Some(2026020101));
        // At the top of the range the serial wraps, which RFC 1982 counts as going forward.
        let after = next_soa_serial(Some(u32::MAX), Some(1)).unwrap();
        assert_eq!(after, 1);
        assert!(serial_gt(after, u32::MAX));
        let after = next_soa_serial(Some(u32::MAX), Some(u32::MAX)).unwrap();
        assert_eq!(after, 0);
        assert!(serial_gt(after, u32::MAX));
    }

    #[test]
    fn serial_field_of_soa_text() {
        let soa = "ns1.example.com. hostmaster.example.com. 2026112701 7200 3600 1209600 60";
        assert_eq!(rdata_serial(soa), Some(2026112701));
        assert_eq!(rdata_serial(r"ns1.example.com. host\ master.example.com. 5 1 2 3 4"), Some(5));
        assert_eq!(rdata_serial("1 2 3 4"), None);
        assert_eq!(rdata_serial("a. b. x 1 2 3 4"), None);
    }
}
