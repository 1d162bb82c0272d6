//! Traffic policies and their immutable numbered versions.

use crate::error::{Result, StoreError};
use crate::names::{check_text, normalize_rtype};

/// Longest policy name (Route 53 `Name`).
use crate::MAX_DOCUMENT_LEN;

pub(crate) const MAX_POLICY_NAME: usize = 512;
/// Longest policy version comment (Route 53 `Comment`).
pub(crate) const MAX_POLICY_COMMENT: usize = 1024;

/// The mutable bookkeeping of a policy.
pub(crate) struct PolicyRow {
    pub(crate) name: String,
    pub(crate) next_version: i64,
    pub(crate) deleted: bool,
}

/// Checks the parts of a new version and returns the normalised record type.
pub(crate) fn check_version_input(
    document: &str,
    record_type: &str,
    comment: &str,
) -> Result<String> {
    if document.is_empty() {
        return Err(StoreError::Invalid("policy document is empty".to_owned()));
    }
    if document.len() > MAX_DOCUMENT_LEN {
        return Err(StoreError::Invalid(format!(
            "policy document is {} bytes long: at most {MAX_DOCUMENT_LEN} are allowed",
            document.len()
        )));
    }
    check_text(comment, "policy comment", MAX_POLICY_COMMENT, false)?;
    normalize_rtype(record_type)
}

pub(crate) fn to_u32(value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| {
        StoreError::Database(sqlx::Error::Decode(format!("{value} is not a version number").into()))
    })
}
