use super::Conn;
use super::Store;
use super::sql::{health_check_columns, health_check_from_row, log_change, next_serial};
use super::tags::delete_tags_in_tx;
use crate::error::{Result, StoreError, map_unique};
#[allow(unused_imports)]
use crate::health_checks::*;
use crate::model::{ChangeKind, HealthCheck};
use crate::names::check_text;
use crate::tags::TaggedResource;
use crate::time::now_rfc3339;
use crate::write_tx;
impl Store {
    /// Stores a new health check (version 1). `config` is JSON text the store does not
    /// interpret. Refused with `AlreadyExists` if the caller reference was used.
    pub(crate) async fn create_health_check(
        &self,
        caller_reference: &str,
        config: &str,
    ) -> Result<HealthCheck> {
        check_text(caller_reference, "caller reference", MAX_CALLER_REFERENCE, true)?;
        check_text(config, "health check configuration", MAX_CONFIG, true)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let used: Option<String> =
                sqlx::query_scalar("SELECT id FROM health_checks WHERE caller_reference = $1")
                    .bind(caller_reference)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(other) = used {
                return Err(StoreError::AlreadyExists(format!(
                    "caller reference {caller_reference:?} was already used by health check \
                     {other}: each creation needs a new caller reference"
                )));
            }
            let check = HealthCheck {
                id: uuid::Uuid::new_v4().to_string(),
                caller_reference: caller_reference.to_owned(),
                config: config.to_owned(),
                version: 1,
                created_at: now_rfc3339(),
            };
            sqlx::query(
                "INSERT INTO health_checks \
                 (id, caller_reference, config, version, created_at, created_serial) \
                 VALUES ($1, $2, $3, 1, $4, $5)",
            )
            .bind(&check.id)
            .bind(&check.caller_reference)
            .bind(&check.config)
            .bind(&check.created_at)
            .bind(serial)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                map_unique(e, || format!("caller reference {caller_reference:?} was used"))
            })?;
            log_change(
                tx,
                serial,
                ChangeKind::HealthCheck,
                None,
                &format!("created health check {}", check.id),
            )
            .await?;
            Ok(check)
        })
    }

    /// The health check with this id.
    pub(crate) async fn get_health_check(&self, id: &str) -> Result<HealthCheck> {
        sqlx::query(concat!(
            "SELECT ",
            health_check_columns!(),
            " FROM health_checks WHERE id = $1"
        ))
        .bind(id)
        .try_map(health_check_from_row)
        .fetch_optional(self.backend.pool())
        .await?
        .ok_or_else(|| StoreError::not_found(crate::Entity::HealthCheck, id))
    }

    /// Every health check, in creation order.
    pub(crate) async fn list_health_checks(&self) -> Result<Vec<HealthCheck>> {
        Ok(sqlx::query(concat!(
            "SELECT ",
            health_check_columns!(),
            " FROM health_checks ORDER BY created_serial"
        ))
        .try_map(health_check_from_row)
        .fetch_all(self.backend.pool())
        .await?)
    }

    /// Replaces the configuration and increments the version. With `expected_version`, the
    /// update is refused with `VersionMismatch` unless the stored version equals it (Route 53
    /// `HealthCheckVersion`).
    pub(crate) async fn update_health_check(
        &self,
        id: &str,
        config: &str,
        expected_version: Option<i64>,
    ) -> Result<HealthCheck> {
        check_text(config, "health check configuration", MAX_CONFIG, true)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = check_in_tx(tx, id).await?;
            if let Some(expected) = expected_version
                && expected != current.version
            {
                return Err(StoreError::VersionMismatch(format!(
                    "health check {id} is at version {}, not {expected}: read it again and retry",
                    current.version
                )));
            }
            let updated =
                HealthCheck { config: config.to_owned(), version: current.version + 1, ..current };
            sqlx::query("UPDATE health_checks SET config = $1, version = $2 WHERE id = $3")
                .bind(&updated.config)
                .bind(updated.version)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            log_change(
                tx,
                serial,
                ChangeKind::HealthCheck,
                None,
                &format!("updated health check {id} to version {}", updated.version),
            )
            .await?;
            Ok(updated)
        })
    }

    /// Deletes a health check, with its override, its tags and its checkers' reports.
    pub(crate) async fn delete_health_check(&self, id: &str) -> Result<()> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            check_in_tx(tx, id).await?;
            delete_tags_in_tx(tx, TaggedResource::HealthCheck, id).await?;
            sqlx::query("DELETE FROM health_observations WHERE check_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM health_checks WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            log_change(
                tx,
                serial,
                ChangeKind::HealthCheck,
                None,
                &format!("deleted health check {id}"),
            )
            .await?;
            Ok(())
        })
    }
}
pub(crate) async fn check_in_tx(tx: &mut Conn, id: &str) -> Result<HealthCheck> {
    sqlx::query(concat!("SELECT ", health_check_columns!(), " FROM health_checks WHERE id = $1"))
        .bind(id)
        .try_map(health_check_from_row)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(crate::Entity::HealthCheck, id))
}
impl Store {
    /// Forces a health check healthy or unhealthy until [`Store::clear_health_override`].
    pub(crate) async fn set_health_override(
        &self,
        check_id: &str,
        healthy: bool,
        set_by: &str,
        reason: &str,
    ) -> Result<HealthOverride> {
        check_text(set_by, "override author", 256, true)?;
        check_text(reason, "override reason", 1024, false)?;
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            check_in_tx(tx, check_id).await?;
            let o = HealthOverride {
                check_id: check_id.to_owned(),
                healthy,
                set_by: set_by.to_owned(),
                set_at: now_rfc3339(),
                reason: reason.to_owned(),
            };
            sqlx::query("DELETE FROM health_check_overrides WHERE check_id = $1")
                .bind(check_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO health_check_overrides (check_id, healthy, set_by, set_at, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(check_id)
            .bind(i64::from(healthy))
            .bind(set_by)
            .bind(&o.set_at)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            let what = if healthy { "healthy" } else { "unhealthy" };
            log_change(
                tx,
                serial,
                ChangeKind::HealthCheck,
                None,
                &format!("health check {check_id} forced {what} by {set_by}: {reason}"),
            )
            .await?;
            Ok(o)
        })
    }

    /// Clears a health check's override; `NotFound` if it had none.
    pub(crate) async fn clear_health_override(
        &self,
        check_id: &str,
        cleared_by: &str,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let n = sqlx::query("DELETE FROM health_check_overrides WHERE check_id = $1")
                .bind(check_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::not_found(crate::Entity::HealthCheckOverride, check_id));
            }
            log_change(
                tx,
                serial,
                ChangeKind::HealthCheck,
                None,
                &format!("override of health check {check_id} cleared by {cleared_by}"),
            )
            .await?;
            Ok(())
        })
    }

    /// Every override in force.
    pub(crate) async fn health_overrides(&self) -> Result<Vec<HealthOverride>> {
        let rows: Vec<(String, i64, String, String, String)> = sqlx::query_as(
            "SELECT check_id, healthy, set_by, set_at, reason FROM health_check_overrides \
             ORDER BY check_id",
        )
        .fetch_all(self.backend.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(check_id, healthy, set_by, set_at, reason)| HealthOverride {
                check_id,
                healthy: healthy != 0,
                set_by,
                set_at,
                reason,
            })
            .collect())
    }
}
