//! Hosted zones and their records.

use crate::error::{Result, StoreError};
use crate::model::NewRecord;
use crate::names::{check_text, check_ttl, is_in_zone, normalize_name, normalize_rtype};

/// Longest zone comment (Route 53 `HostedZoneConfig.Comment`).
pub(crate) const MAX_ZONE_COMMENT: usize = 256;
/// Longest caller reference of a zone (Route 53 `CallerReference`).
pub(crate) const MAX_CALLER_REFERENCE: usize = 128;
/// Records per multi-row `INSERT` (8 parameters each, far below both engines' limits).
pub(crate) const INSERT_CHUNK: usize = 256;
/// Longest set identifier (Route 53 `SetIdentifier`).
pub(crate) const MAX_SET_IDENTIFIER: usize = 128;

/// Normalises and checks one record of a batch; `index` is 0-based.
pub(crate) fn check_record(
    record: NewRecord,
    zone: &str,
    index: usize,
    total: usize,
) -> Result<NewRecord> {
    let at = |e: StoreError| match e {
        StoreError::Invalid(message) => {
            StoreError::Invalid(format!("record {} of {total}: {message}", index + 1))
        }
        other => other,
    };
    let name = normalize_name(&record.name).map_err(at)?;
    if !is_in_zone(&name, zone) {
        return Err(StoreError::Invalid(format!(
            "record {} of {total}: {name} is outside zone {zone}: records must be at or under the \
             zone's name",
            index + 1
        )));
    }
    let rtype = normalize_rtype(&record.rtype).map_err(at)?;
    check_ttl(record.ttl, &format!("{name} {rtype}")).map_err(at)?;
    if let Some(set_identifier) = &record.set_identifier {
        check_text(set_identifier, "set identifier", MAX_SET_IDENTIFIER, true).map_err(at)?;
    }
    Ok(NewRecord { name, rtype, ..record })
}
