//! Online backups, and what a store file holds: schema version, change serial, counts.

use std::path::Path;

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::Store;
use crate::backend::Conn;
use crate::error::{Result, StoreError};

/// What a store holds, for `flowdns store info` and for checking a backup before a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// The newest migration applied (the schema version), 0 for none.
    pub schema_version: i64,
    /// The newest migration this build knows.
    pub known_schema_version: i64,
    /// The change serial of the last write.
    pub serial: i64,
    /// Hosted zones.
    pub zones: i64,
    /// Record rows.
    pub records: i64,
    /// Traffic policies not deleted.
    pub policies: i64,
    /// Policy versions, deleted ones included.
    pub policy_versions: i64,
    /// Policy records.
    pub policy_records: i64,
    /// Health checks.
    pub health_checks: i64,
    /// CIDR collections.
    pub cidr_collections: i64,
    /// Change-log rows.
    pub changes: i64,
}

/// The newest schema version (migration number) this build of the store knows.
pub fn known_schema_version() -> i64 {
    crate::backend::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

async fn count(conn: &mut Conn, sql: &'static str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(&mut *conn).await?)
}

/// Reads the schema version and the counts, inside one read transaction.
async fn info_of(conn: &mut Conn) -> Result<StoreInfo> {
    let schema_version =
        count(conn, "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1")
            .await?;
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
    /// Writes a consistent copy of the whole store to `dest`, a new file, while other
    /// connections keep reading and writing (SQLite's `VACUUM INTO`: one read transaction,
    /// so the copy holds exactly the writes committed before it began). Refused when `dest`
    /// exists.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists: a backup is written to a new file",
                dest.display()
            )));
        }
        let text = dest
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not valid UTF-8", dest.display())))?;
        let mut conn = self.backend.pool().acquire().await?;
        sqlx::query("VACUUM INTO $1").bind(text).execute(&mut *conn).await?;
        Ok(())
    }

    /// The schema version, change serial and counts of this store.
    pub async fn info(&self) -> Result<StoreInfo> {
        let mut tx = self.backend.begin_read().await?;
        let info = info_of(&mut tx).await?;
        tx.commit().await?;
        Ok(info)
    }
}

/// Opens the SQLite file at `path` read-only, without migrating it, and says what it holds.
/// Refused with [`StoreError::Invalid`] when it is not a flowdns store (not SQLite, or without
/// the store's tables) or when its schema is newer than this build knows.
pub async fn inspect(path: &Path) -> Result<StoreInfo> {
    if !path.is_file() {
        return Err(StoreError::Invalid(format!("{} is not a file", path.display())));
    }
    let not_a_store = |why: String| {
        StoreError::Invalid(format!("{} is not a flowdns store: {why}", path.display()))
    };
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn =
        SqliteConnection::connect_with(&options).await.map_err(|e| not_a_store(e.to_string()))?;
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| not_a_store(e.to_string()))?;
    for needed in ["_sqlx_migrations", "meta", "zones", "records", "change_log"] {
        if !tables.iter().any(|t| t == needed) {
            return Err(not_a_store(format!("it has no table {needed}")));
        }
    }
    let mut tx = conn.begin().await?;
    let info = info_of(&mut tx).await.map_err(|e| not_a_store(e.to_string()))?;
    tx.commit().await?;
    conn.close().await?;
    if info.schema_version > info.known_schema_version {
        return Err(StoreError::Invalid(format!(
            "{} has schema version {}, newer than this flowdns knows ({}): use a newer flowdns",
            path.display(),
            info.schema_version,
            info.known_schema_version
        )));
    }
    Ok(info)
}
