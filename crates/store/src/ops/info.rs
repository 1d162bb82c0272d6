use super::{Conn, Store};
use crate::error::Result;
use crate::info::{StoreInfo, known_schema_version};

async fn count(conn: &mut Conn, sql: &'static str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(&mut *conn).await?)
}

/// Reads the schema version and the counts, inside one read transaction.
pub(crate) async fn info_of(conn: &mut Conn) -> Result<StoreInfo> {
    let schema_version =
        count(conn, "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success").await?;
    Ok(StoreInfo {
        schema_version,
        known_schema_version: known_schema_version(),
        serial: count(conn, "SELECT value FROM meta WHERE key = 'serial'").await?,
        zones: count(conn, "SELECT COUNT(*) FROM zones").await?,
        records: count(conn, "SELECT COUNT(*) FROM records").await?,
        policies: count(conn, "SELECT COUNT(*) FROM policies WHERE deleted = 0").await?,
        policy_versions: count(conn, "SELECT COUNT(*) FROM policy_versions").await?,
        policy_records: count(conn, "SELECT COUNT(*) FROM policy_records").await?,
        health_checks: count(conn, "SELECT COUNT(*) FROM health_checks").await?,
        cidr_collections: if schema_version >= 4 {
            count(conn, "SELECT COUNT(*) FROM cidr_collections").await?
        } else {
            0
        },
        changes: count(conn, "SELECT COUNT(*) FROM change_log").await?,
    })
}

impl Store {
    /// The schema version, change serial and counts of this store.
    pub(crate) async fn info(&self) -> Result<StoreInfo> {
        let mut tx = self.backend.begin_read().await?;
        let info = info_of(&mut tx).await?;
        tx.commit().await?;
        Ok(info)
    }
}
