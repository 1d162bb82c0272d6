use sqlx::Row;

use super::{DbRow, Store};
use crate::cluster::{HealthReport, NodeInfo};
use crate::error::Result;
use crate::write_tx;

const NODE_COLUMNS: &str = "id, roles, dns, region, dns_address, api_address, version, \
                            started_at, heartbeat_ms, served_serial";

const REPORT_COLUMNS: &str = "check_id, node_id, region, healthy, reported_ms, observed_at, \
                              observed_healthy, reason, latency_us, failure_at, failure_reason";

fn node_from_row(row: DbRow) -> Result<NodeInfo, sqlx::Error> {
    Ok(NodeInfo {
        id: row.try_get("id")?,
        roles: row.try_get("roles")?,
        dns: row.try_get::<i64, _>("dns")? != 0,
        region: row.try_get("region")?,
        dns_address: row.try_get("dns_address")?,
        api_address: row.try_get("api_address")?,
        version: row.try_get("version")?,
        started_at: row.try_get("started_at")?,
        heartbeat_ms: row.try_get("heartbeat_ms")?,
        served_serial: row.try_get("served_serial")?,
    })
}

fn report_from_row(row: DbRow) -> Result<HealthReport, sqlx::Error> {
    Ok(HealthReport {
        check_id: row.try_get("check_id")?,
        node_id: row.try_get("node_id")?,
        region: row.try_get("region")?,
        healthy: row.try_get::<i64, _>("healthy")? != 0,
        reported_ms: row.try_get("reported_ms")?,
        observed_at: row.try_get("observed_at")?,
        observed_healthy: row.try_get::<i64, _>("observed_healthy")? != 0,
        reason: row.try_get("reason")?,
        latency_us: row.try_get("latency_us")?,
        failure_at: row.try_get("failure_at")?,
        failure_reason: row.try_get("failure_reason")?,
    })
}

impl Store {
    /// Registers a node, or replaces its row (a restarted node registers again under its
    /// name).
    pub(crate) async fn register_node(&self, node: &NodeInfo) -> Result<()> {
        sqlx::query(
            "INSERT INTO nodes (id, roles, dns, region, dns_address, api_address, version, \
             started_at, heartbeat_ms, served_serial) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET roles = excluded.roles, dns = excluded.dns, \
             region = excluded.region, dns_address = excluded.dns_address, \
             api_address = excluded.api_address, version = excluded.version, \
             started_at = excluded.started_at, heartbeat_ms = excluded.heartbeat_ms, \
             served_serial = excluded.served_serial",
        )
        .bind(&node.id)
        .bind(&node.roles)
        .bind(i64::from(node.dns))
        .bind(&node.region)
        .bind(&node.dns_address)
        .bind(&node.api_address)
        .bind(&node.version)
        .bind(&node.started_at)
        .bind(node.heartbeat_ms)
        .bind(node.served_serial)
        .execute(self.backend.pool())
        .await?;
        Ok(())
    }

    /// Renews a node's heartbeat and the serial it serves. Returns false when the node has
    /// no row (it was removed): it should register again.
    pub(crate) async fn heartbeat(
        &self,
        node_id: &str,
        heartbeat_ms: i64,
        served_serial: i64,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE nodes SET heartbeat_ms = $1, served_serial = $2 WHERE id = $3")
                .bind(heartbeat_ms)
                .bind(served_serial)
                .bind(node_id)
                .execute(self.backend.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every registered node, live or not, by name.
    pub(crate) async fn nodes(&self) -> Result<Vec<NodeInfo>> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLUMNS} FROM nodes ORDER BY id"
        )))
        .try_map(node_from_row)
        .fetch_all(self.backend.pool())
        .await?)
    }

    /// Removes a node (a clean shutdown), with its health reports.
    pub(crate) async fn remove_node(&self, node_id: &str) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM health_observations WHERE node_id = $1")
                .bind(node_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM nodes WHERE id = $1").bind(node_id).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// Writes a checker's reports (one row per check and checker, replaced), in one
    /// transaction.
    pub(crate) async fn report_health(&self, reports: &[HealthReport]) -> Result<()> {
        if reports.is_empty() {
            return Ok(());
        }
        write_tx!(self, |tx| {
            for r in reports {
                sqlx::query(
                    "INSERT INTO health_observations (check_id, node_id, region, healthy, \
                     reported_ms, observed_at, observed_healthy, reason, latency_us, \
                     failure_at, failure_reason) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (check_id, node_id) DO UPDATE SET region = excluded.region, \
                     healthy = excluded.healthy, reported_ms = excluded.reported_ms, \
                     observed_at = excluded.observed_at, \
                     observed_healthy = excluded.observed_healthy, reason = excluded.reason, \
                     latency_us = excluded.latency_us, failure_at = excluded.failure_at, \
                     failure_reason = excluded.failure_reason",
                )
                .bind(&r.check_id)
                .bind(&r.node_id)
                .bind(&r.region)
                .bind(i64::from(r.healthy))
                .bind(r.reported_ms)
                .bind(&r.observed_at)
                .bind(i64::from(r.observed_healthy))
                .bind(&r.reason)
                .bind(r.latency_us)
                .bind(&r.failure_at)
                .bind(&r.failure_reason)
                .execute(&mut *tx)
                .await?;
            }
            Ok(())
        })
    }

    /// Every checker's report on every check, by check and node.
    pub(crate) async fn health_reports(&self) -> Result<Vec<HealthReport>> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLUMNS} FROM health_observations ORDER BY check_id, node_id"
        )))
        .try_map(report_from_row)
        .fetch_all(self.backend.pool())
        .await?)
    }
}
