use super::Conn;
use super::Store;
use super::sql::{log_change, next_serial, version_columns, version_from_row};
use crate::error::{Result, StoreError, map_unique};
use crate::model::{ChangeKind, PolicySummary, PolicyVersion};
use crate::names::check_text;
#[allow(unused_imports)]
use crate::policies::*;
use crate::time::now_rfc3339;
use crate::{MAX_POLICY_VERSIONS, write_tx};
impl Store {
    /// Creates a traffic policy and its version 1. The document is stored byte-exact and is
    /// not validated here: the caller compiles it first and passes its `RecordType`.
    /// Refused with `AlreadyExists` if a policy that is not deleted has this name.
    pub(crate) async fn create_policy(
        &self,
        name: &str,
        document: &str,
        record_type: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        check_text(name, "policy name", MAX_POLICY_NAME, true)?;
        let record_type = check_version_input(document, record_type, comment)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM policies WHERE name = $1 AND deleted = 0")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = taken {
                return Err(StoreError::AlreadyExists(format!(
                    "a traffic policy named {name:?} already exists (id {id}): names are unique; \
                     add a version to it or choose another name"
                )));
            }
            let id = uuid::Uuid::new_v4().to_string();
            let created_at = now_rfc3339();
            sqlx::query(
                "INSERT INTO policies \
                 (id, name, created_at, created_serial, latest_version, next_version, deleted) \
                 VALUES ($1, $2, $3, $4, 1, 2, 0)",
            )
            .bind(&id)
            .bind(name)
            .bind(&created_at)
            .bind(serial)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                map_unique(e, || format!("a traffic policy named {name:?} already exists"))
            })?;
            let version =
                insert_version(tx, &id, name, 1, document, &record_type, comment, &created_at)
                    .await?;
            log_change(
                tx,
                serial,
                ChangeKind::Policy,
                None,
                &format!("created policy {id} ({name}) version 1"),
            )
            .await?;
            Ok(version)
        })
    }

    /// Adds the next version to a policy (numbers are never reused). Refused with `TooMany`
    /// once the policy has had [`MAX_POLICY_VERSIONS`] versions, and with `NotFound` for an
    /// unknown or deleted policy.
    pub(crate) async fn create_policy_version(
        &self,
        policy_id: &str,
        document: &str,
        record_type: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        let record_type = check_version_input(document, record_type, comment)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let policy = live_policy(tx, policy_id).await?;
            if policy.next_version > i64::from(MAX_POLICY_VERSIONS) {
                return Err(StoreError::TooMany(format!(
                    "traffic policy {policy_id} ({}) has had {MAX_POLICY_VERSIONS} versions, the \
                     most a policy can have: create a new policy from the document",
                    policy.name
                )));
            }
            let number = policy.next_version;
            let version = insert_version(
                tx,
                policy_id,
                &policy.name,
                number,
                document,
                &record_type,
                comment,
                &now_rfc3339(),
            )
            .await?;
            sqlx::query("UPDATE policies SET latest_version = $1, next_version = $2 WHERE id = $3")
                .bind(number)
                .bind(number + 1)
                .bind(policy_id)
                .execute(&mut *tx)
                .await?;
            log_change(
                tx,
                serial,
                ChangeKind::Policy,
                None,
                &format!("created policy {policy_id} ({}) version {number}", policy.name),
            )
            .await?;
            Ok(version)
        })
    }

    /// Changes the comment of a version (the only mutable part of a version).
    pub(crate) async fn update_policy_comment(
        &self,
        policy_id: &str,
        version: u32,
        comment: &str,
    ) -> Result<PolicyVersion> {
        check_text(comment, "policy comment", MAX_POLICY_COMMENT, false)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let mut current = live_version(tx, policy_id, version).await?;
            sqlx::query(
                "UPDATE policy_versions SET comment = $1 WHERE policy_id = $2 AND version = $3",
            )
            .bind(comment)
            .bind(policy_id)
            .bind(i64::from(version))
            .execute(&mut *tx)
            .await?;
            log_change(
                tx,
                serial,
                ChangeKind::Policy,
                None,
                &format!("changed the comment of policy {policy_id} version {version}"),
            )
            .await?;
            current.comment = comment.to_owned();
            Ok(current)
        })
    }

    /// A version of a policy; `None` means the latest. A deleted version can still be read by
    /// number (its `deleted` flag is set); `None` on a deleted policy gives its last version.
    pub(crate) async fn get_policy_version(
        &self,
        policy_id: &str,
        version: Option<u32>,
    ) -> Result<PolicyVersion> {
        let found = match version {
            Some(number) => {
                sqlx::query(concat!(
                    "SELECT ",
                    version_columns!(),
                    " FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
                     WHERE v.policy_id = $1 AND v.version = $2"
                ))
                .bind(policy_id)
                .bind(i64::from(number))
                .try_map(version_from_row)
                .fetch_optional(self.backend.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    version_columns!(),
                    " FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
                     WHERE p.id = $1 AND v.version = p.latest_version"
                ))
                .bind(policy_id)
                .try_map(version_from_row)
                .fetch_optional(self.backend.pool())
                .await?
            }
        };
        found.ok_or_else(|| match version {
            Some(number) => StoreError::not_found(
                crate::Entity::PolicyVersion,
                format!("{policy_id} version {number}"),
            ),
            None => StoreError::not_found(crate::Entity::Policy, policy_id),
        })
    }

    /// Every policy that is not deleted, as the summary of its latest version, in creation
    /// order.
    pub(crate) async fn list_policies(&self) -> Result<Vec<PolicySummary>> {
        let rows: Vec<(String, String, String, i64, i64, String)> = sqlx::query_as(
            "SELECT p.id, p.name, v.record_type, p.latest_version, \
                    (SELECT COUNT(*) FROM policy_versions c \
                     WHERE c.policy_id = p.id AND c.deleted = 0), \
                    p.created_at \
             FROM policies p \
             JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.latest_version \
             WHERE p.deleted = 0 \
             ORDER BY p.created_serial",
        )
        .fetch_all(self.backend.pool())
        .await?;
        rows.into_iter()
            .map(|(id, name, record_type, latest, count, created_at)| {
                Ok(PolicySummary {
                    id,
                    name,
                    record_type,
                    latest_version: to_u32(latest)?,
                    version_count: to_u32(count)?,
                    created_at,
                })
            })
            .collect()
    }

    /// The versions of a policy that are not deleted, in numeric order (empty for a deleted
    /// policy).
    pub(crate) async fn list_policy_versions(&self, policy_id: &str) -> Result<Vec<PolicyVersion>> {
        let mut tx = self.backend.begin_read().await?;
        policy_row(&mut tx, policy_id).await?;
        let versions = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
             WHERE v.policy_id = $1 AND v.deleted = 0 ORDER BY v.version"
        ))
        .bind(policy_id)
        .try_map(version_from_row)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(versions)
    }

    /// Deletes a version (soft delete: it can still be read by number, its number is never
    /// reused). Refused with `InUse` while a policy record uses it. Deleting the last version
    /// deletes the policy: it leaves the lists and its name may be used again.
    pub(crate) async fn delete_policy_version(&self, policy_id: &str, version: u32) -> Result<()> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = live_version(tx, policy_id, version).await?;
            let users: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT id, name, record_type FROM policy_records \
                 WHERE policy_id = $1 AND policy_version = $2 ORDER BY name, record_type",
            )
            .bind(policy_id)
            .bind(i64::from(version))
            .fetch_all(&mut *tx)
            .await?;
            if let Some((id, name, rtype)) = users.first() {
                return Err(StoreError::InUse(format!(
                    "version {version} of traffic policy {policy_id} ({}) is used by {} policy \
                     record(s), e.g. {id} ({name} {rtype}): update or delete them first",
                    current.name,
                    users.len()
                )));
            }
            sqlx::query(
                "UPDATE policy_versions SET deleted = 1 WHERE policy_id = $1 AND version = $2",
            )
            .bind(policy_id)
            .bind(i64::from(version))
            .execute(&mut *tx)
            .await?;
            let latest: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM policy_versions WHERE policy_id = $1 AND deleted = 0",
            )
            .bind(policy_id)
            .fetch_one(&mut *tx)
            .await?;
            let mut detail =
                format!("deleted policy {policy_id} ({}) version {version}", current.name);
            match latest {
                Some(latest) => {
                    sqlx::query("UPDATE policies SET latest_version = $1 WHERE id = $2")
                        .bind(latest)
                        .bind(policy_id)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query("UPDATE policies SET deleted = 1 WHERE id = $1")
                        .bind(policy_id)
                        .execute(&mut *tx)
                        .await?;
                    detail.push_str("; no versions left, the policy is deleted");
                }
            }
            log_change(tx, serial, ChangeKind::Policy, None, &detail).await?;
            Ok(())
        })
    }
}
async fn policy_row(tx: &mut Conn, policy_id: &str) -> Result<PolicyRow> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT name, next_version, deleted FROM policies WHERE id = $1")
            .bind(policy_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (name, next_version, deleted) =
        row.ok_or_else(|| StoreError::not_found(crate::Entity::Policy, policy_id))?;
    Ok(PolicyRow { name, next_version, deleted: deleted != 0 })
}
/// The policy, refused with `NotFound` if it is unknown or deleted.
async fn live_policy(tx: &mut Conn, policy_id: &str) -> Result<PolicyRow> {
    let policy = policy_row(tx, policy_id).await?;
    if policy.deleted {
        return Err(StoreError::not_found(
            crate::Entity::Policy,
            format!("{policy_id} (deleted with its last version)"),
        ));
    }
    Ok(policy)
}
/// A version that is not deleted, refused with `NotFound` otherwise.
pub(crate) async fn live_version(
    tx: &mut Conn,
    policy_id: &str,
    version: u32,
) -> Result<PolicyVersion> {
    let found = sqlx::query(concat!(
        "SELECT ",
        version_columns!(),
        " FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
         WHERE v.policy_id = $1 AND v.version = $2"
    ))
    .bind(policy_id)
    .bind(i64::from(version))
    .try_map(version_from_row)
    .fetch_optional(&mut *tx)
    .await?;
    match found {
        Some(v) if !v.deleted => Ok(v),
        Some(_) => Err(StoreError::not_found(
            crate::Entity::PolicyVersion,
            format!("{policy_id} version {version} (deleted)"),
        )),
        None => {
            // Say which part is unknown.
            policy_row(tx, policy_id).await?;
            Err(StoreError::not_found(
                crate::Entity::PolicyVersion,
                format!("{policy_id} version {version}"),
            ))
        }
    }
}
#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut Conn,
    policy_id: &str,
    name: &str,
    version: i64,
    document: &str,
    record_type: &str,
    comment: &str,
    created_at: &str,
) -> Result<PolicyVersion> {
    sqlx::query(
        "INSERT INTO policy_versions \
         (policy_id, version, document, comment, record_type, created_at, deleted) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(policy_id)
    .bind(version)
    .bind(document)
    .bind(comment)
    .bind(record_type)
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    Ok(PolicyVersion {
        policy_id: policy_id.to_owned(),
        name: name.to_owned(),
        version: to_u32(version)?,
        document: document.to_owned(),
        comment: comment.to_owned(),
        record_type: record_type.to_owned(),
        created_at: created_at.to_owned(),
        deleted: false,
    })
}
