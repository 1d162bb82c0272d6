//! The SQL of `store copy` (`crate::copy` has the design): reading each copied table of a
//! store in primary-key order inside one read transaction, writing them all into an empty
//! store inside one write transaction and reading them back there for the check, and reading
//! the catalog (the one engine-specific part: each engine describes its tables its own way).

use sqlx::{QueryBuilder, Row};

use super::{Conn, Db, DbRow, Store};
use crate::EngineKind;
use crate::copy::{
    CatalogTable, ColumnType, MAX_BINDS, Rows, TABLES, TableDigest, TableSpec, Value, digest_rows,
    refuse_unless_empty,
};
use crate::error::{Result, StoreError};

/// The tables of the schema, and the columns of one (bound as `$1`) with their declared types.
fn catalog_sql(kind: EngineKind) -> (&'static str, &'static str) {
    match kind {
        EngineKind::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        ),
        EngineKind::Postgres => (
            "SELECT tablename::text FROM pg_catalog.pg_tables \
             WHERE schemaname = current_schema() ORDER BY tablename",
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        ),
    }
}

/// `SELECT` of every column of a table, in primary-key order.
fn select_sql(spec: &TableSpec) -> String {
    let columns: Vec<&str> = spec.columns.iter().map(|(c, _)| *c).collect();
    format!("SELECT {} FROM {} ORDER BY {}", columns.join(", "), spec.name, spec.key.join(", "))
}

/// Decodes one row of [`select_sql`].
fn decode(spec: &TableSpec, row: &DbRow) -> Result<Vec<Value>> {
    spec.columns
        .iter()
        .enumerate()
        .map(|(i, (column, ty))| {
            let value = match ty {
                ColumnType::Int => row.try_get::<Option<i64>, _>(i).map(Value::Int),
                ColumnType::Text => row.try_get::<Option<String>, _>(i).map(Value::Text),
            };
            value.map_err(|e| {
                StoreError::Invalid(format!("cannot read {}.{column}: {e}", spec.name))
            })
        })
        .collect()
}

/// Every row of a table, in primary-key order.
async fn read_rows(conn: &mut Conn, spec: &TableSpec) -> Result<Rows> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(select_sql(spec))).fetch_all(&mut *conn).await?;
    rows.iter().map(|row| decode(spec, row)).collect()
}

async fn current_serial(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'serial'")
        .fetch_one(&mut *conn)
        .await?)
}

/// The row count of every copied table; for `meta`, of its rows besides the change serial
/// (which every store has).
async fn holdings(conn: &mut Conn) -> Result<Vec<(&'static str, i64)>> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for spec in TABLES {
        let sql = if spec.seeded {
            format!("SELECT COUNT(*) FROM {} WHERE key <> 'serial'", spec.name)
        } else {
            format!("SELECT COUNT(*) FROM {}", spec.name)
        };
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await?;
        counts.push((spec.name, n));
    }
    Ok(counts)
}

fn push_value(builder: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, value: &Value) {
    match value {
        Value::Int(v) => builder.push_bind(*v),
        Value::Text(v) => builder.push_bind(v.clone()),
    };
}

/// Inserts rows into a table, in statements of at most [`MAX_BINDS`] values.
async fn insert_rows(tx: &mut Conn, spec: &TableSpec, rows: &[Vec<Value>]) -> Result<()> {
    let columns: Vec<&str> = spec.columns.iter().map(|(c, _)| *c).collect();
    let per_statement = (MAX_BINDS / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut insert =
            QueryBuilder::<Db>::new(format!("INSERT INTO {} ({}) ", spec.name, columns.join(", ")));
        insert.push_values(chunk, |mut row, values| {
            for value in values {
                push_value(&mut row, value);
            }
        });
        insert.build().execute(&mut *tx).await.map_err(|e| refused_row(spec, e))?;
    }
    Ok(())
}

/// A row the destination refused (a constraint the source's rows break) names its table.
fn refused_row(spec: &TableSpec, err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => StoreError::Invalid(format!(
            "the destination refused a row of table {}: {db}; nothing was written",
            spec.name
        )),
        other => StoreError::Database(other),
    }
}

/// Writes rows into a table a new store already has rows in (`meta`): each row updates the
/// row with its key, or is inserted when there is none.
async fn upsert_rows(tx: &mut Conn, spec: &TableSpec, rows: &Rows) -> Result<()> {
    for values in rows {
        let mut update = QueryBuilder::<Db>::new(format!("UPDATE {} SET ", spec.name));
        let mut set = update.separated(", ");
        for ((column, _), value) in spec.columns.iter().zip(values) {
            if !spec.key.contains(column) {
                set.push(format!("{column} = "));
                push_value_unseparated(&mut set, value);
            }
        }
        update.push(" WHERE ");
        let mut key = update.separated(" AND ");
        for ((column, _), value) in spec.columns.iter().zip(values) {
            if spec.key.contains(column) {
                key.push(format!("{column} = "));
                push_value_unseparated(&mut key, value);
            }
        }
        let updated = update
            .build()
            .execute(&mut *tx)
            .await
            .map_err(|e| refused_row(spec, e))?
            .rows_affected();
        if updated == 0 {
            insert_rows(tx, spec, std::slice::from_ref(values)).await?;
        }
    }
    Ok(())
}

fn push_value_unseparated(
    builder: &mut sqlx::query_builder::Separated<'_, Db, &'static str>,
    value: &Value,
) {
    match value {
        Value::Int(v) => builder.push_bind_unseparated(*v),
        Value::Text(v) => builder.push_bind_unseparated(v.clone()),
    };
}

impl Store {
    /// Every table of this store's schema with its columns and their declared types.
    pub(crate) async fn copy_catalog(&self, kind: EngineKind) -> Result<Vec<CatalogTable>> {
        let (tables_sql, columns_sql) = catalog_sql(kind);
        let mut tx = self.backend.begin_read().await?;
        let names: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(&mut *tx).await?;
        let mut catalog = Vec::with_capacity(names.len());
        for name in names {
            let columns: Vec<(String, String)> =
                sqlx::query_as(columns_sql).bind(&name).fetch_all(&mut *tx).await?;
            catalog.push((name, columns));
        }
        tx.commit().await?;
        Ok(catalog)
    }

    /// The schema version: the newest migration applied. (`WHERE success` is true for
    /// SQLite's integer 1 and PostgreSQL's boolean alike.)
    pub(crate) async fn copy_schema_version(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(self.backend.pool())
        .await?)
    }

    /// The change serial and the row counts that make a store non-empty for a copy.
    pub(crate) async fn copy_holdings(&self) -> Result<(i64, Vec<(&'static str, i64)>)> {
        let mut tx = self.backend.begin_read().await?;
        let serial = current_serial(&mut tx).await?;
        let counts = holdings(&mut tx).await?;
        tx.commit().await?;
        Ok((serial, counts))
    }

    /// Every copied table (in the order of [`TABLES`]), each in primary-key order, with the
    /// change serial, all read in one read transaction.
    pub(crate) async fn read_tables(&self) -> Result<(i64, Vec<Rows>)> {
        let mut tx = self.backend.begin_read().await?;
        let serial = current_serial(&mut tx).await?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for spec in TABLES {
            tables.push(read_rows(&mut tx, spec).await?);
        }
        tx.commit().await?;
        Ok((serial, tables))
    }

    /// Writes the tables [`read_tables`](Self::read_tables) read into this store, which must
    /// be empty, in one write transaction; reads every table back in that transaction and
    /// commits only when `check` accepts their digests. Calls `progress` after each table.
    /// Returns the digests read back.
    pub(crate) async fn write_tables(
        &self,
        serial: i64,
        tables: &[Rows],
        progress: &mut impl FnMut(&str, u64),
        check: impl FnOnce(&[TableDigest]) -> Result<()>,
    ) -> Result<Vec<TableDigest>> {
        crate::write_tx!(self, |tx| {
            // Locks the change-serial row (as every writer does first), so that no write can
            // land between the emptiness check and the copy.
            let current: i64 = sqlx::query_scalar(
                "UPDATE meta SET value = value WHERE key = 'serial' RETURNING value",
            )
            .fetch_one(&mut *tx)
            .await?;
            refuse_unless_empty(current, &holdings(tx).await?)?;
            for (spec, rows) in TABLES.iter().zip(tables) {
                if spec.seeded {
                    upsert_rows(tx, spec, rows).await?;
                } else {
                    insert_rows(tx, spec, rows).await?;
                }
                progress(spec.name, rows.len() as u64);
            }
            if serial > 0 {
                super::notify_change(tx, serial).await?;
            }
            let mut digests = Vec::with_capacity(TABLES.len());
            for spec in TABLES {
                let rows = read_rows(tx, spec).await?;
                digests.push(digest_rows(rows.iter().map(Vec::as_slice)));
            }
            check(&digests)?;
            Ok(digests)
        })
    }
}
