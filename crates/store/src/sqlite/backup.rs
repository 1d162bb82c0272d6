//! Online backups of an SQLite store, and reading a store file without opening it for
//! writing (`flowdns store backup|restore|info FILE`).

use std::path::Path;

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::ops::Store;
use super::ops::info::info_of;
use crate::error::{Result, StoreError};
use crate::info::StoreInfo;

impl Store {
    /// Writes a consistent copy of the whole store to `dest`, a new file, while other
    /// connections keep reading and writing (SQLite's `VACUUM INTO`: one read transaction,
    /// so the copy holds exactly the writes committed before it began). Refused when `dest`
    /// exists.
    pub(crate) async fn backup(&self, dest: &Path) -> Result<()> {
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
