//! Copying a whole store into another, new one, on either engine (`flowdns store copy`):
//! typically an embedded SQLite file moved to PostgreSQL when a deployment outgrows one
//! machine, or back.
//!
//! # What is copied
//!
//! [`TABLES`] lists every table of the schema that is copied, in foreign-key order (a table
//! comes after the tables its foreign keys name, so that each insert finds its parent rows),
//! with its columns and primary key. Not copied ([`SKIPPED_TABLES`]): `nodes` and
//! `health_observations`, which each running node writes for itself every second or so and
//! rebuilds when it starts on the destination, and `_sqlx_migrations`, which every store
//! holds for itself (the migrations are applied when a store is opened).
//!
//! Before anything is read, both stores' catalogs (SQLite's `sqlite_master` and
//! `pragma_table_info`, PostgreSQL's `information_schema`) are checked against that list:
//! every table must be either copied or skipped, and every copied table must have exactly
//! the listed columns with the listed types. A migration that adds a table or a column
//! therefore makes `store copy` refuse (and the unit test below fail) until the list says
//! what to do with it: nothing is ever silently left behind.
//!
//! # How
//!
//! 1. Both stores must hold the same schema version (the newest migration applied, as in
//!    [`StoreInfo::schema_version`](crate::StoreInfo::schema_version)).
//! 2. The destination must be empty: change serial 0 and no rows in any copied table except
//!    the change-serial row of `meta` every new store has. Otherwise the copy is refused with
//!    [`StoreError::Invalid`] naming what it holds.
//! 3. Every copied table of the source is read, in primary-key order, in one read transaction
//!    (a consistent snapshot: writers on the source may keep going, the copy holds exactly
//!    the writes committed before it began; no lock is taken). Each value is a [`Value`]
//!    (`BIGINT` or `TEXT`, possibly NULL). The source is held in memory meanwhile.
//! 4. Everything is written to the destination in one write transaction (all or nothing), in
//!    multi-row `INSERT`s of at most [`MAX_BINDS`] values each (below SQLite's and
//!    PostgreSQL's limits on bound parameters). The destination's `meta` rows are updated to
//!    the source's values rather than inserted, so its change serial becomes the source's
//!    and the next write on the destination logs the serial after it. The emptiness of the
//!    destination is checked again inside that transaction (on PostgreSQL after locking the
//!    change-serial row, which every writer locks first). On PostgreSQL the change is
//!    announced, so that nodes already following the destination load it.
//! 5. The check: still inside the write transaction, every copied table is read back from
//!    the destination, through the destination's engine, in primary-key order, and its row
//!    count and digest are compared with those of the rows read from the source. The digest
//!    is one function of every value, in order ([`digest_rows`]), the same for both sides.
//!    Any difference fails the copy, naming the table, and rolls the transaction back: a
//!    copy that was committed is a copy that was checked.
//!
//! This module is engine-neutral: [`Store::copy_to`] picks each side's engine and calls the
//! operations of `ops/copy.rs`, compiled once per engine like every other operation
//! (`copy_catalog`, `copy_holdings`, `read_tables`, and `write_tables`, which also reads the
//! tables back for the check). A copy can go from either engine to either engine.
//!
//! The digest is a 64-bit SipHash (the standard library's hasher, with fixed keys) of an
//! unambiguous encoding of the values (a tag for the type and NULL, a length before text):
//! it detects lost, changed or reordered values, not an adversary. Both digests are computed
//! in the same process, so the hasher need not be stable across Rust releases.

use std::hash::Hasher;

use crate::error::{Result, StoreError};
use crate::{Engine, EngineKind, Store};

/// The type of a column: every column of the schema is `BIGINT` or `TEXT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    /// `BIGINT`, decoded as `i64`.
    Int,
    /// `TEXT`, decoded as `String`.
    Text,
}

use ColumnType::{Int, Text};

/// A copied table: its name, its columns (in the order values are read and written), and
/// the columns of its primary key (the order rows are read in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableSpec {
    /// The table.
    pub(crate) name: &'static str,
    /// Every column with its type.
    pub(crate) columns: &'static [(&'static str, ColumnType)],
    /// The primary-key columns.
    pub(crate) key: &'static [&'static str],
    /// Whether a new store already has rows in this table (`meta`'s change serial), which
    /// the copy updates to the source's values instead of inserting.
    pub(crate) seeded: bool,
}

const fn table(
    name: &'static str,
    columns: &'static [(&'static str, ColumnType)],
    key: &'static [&'static str],
) -> TableSpec {
    TableSpec { name, columns, key, seeded: false }
}

/// Every copied table, in foreign-key order (parents first: `records` names
/// `cidr_collections`, `policy_records` names `zones` and `policy_versions`).
pub(crate) const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "meta",
        columns: &[("key", Text), ("value", Int)],
        key: &["key"],
        seeded: true,
    },
    table(
        "zones",
        &[
            ("id", Text),
            ("name", Text),
            ("comment", Text),
            ("caller_reference", Text),
            ("created_at", Text),
            ("serial", Int),
            ("record_count", Int),
            ("soa_serial", Int),
        ],
        &["id"],
    ),
    table(
        "cidr_collections",
        &[
            ("id", Text),
            ("name", Text),
            ("caller_reference", Text),
            ("version", Int),
            ("created_at", Text),
            ("created_serial", Int),
        ],
        &["id"],
    ),
    table(
        "cidr_blocks",
        &[("collection_id", Text), ("location", Text), ("cidr", Text)],
        &["collection_id", "cidr"],
    ),
    table(
        "records",
        &[
            ("zone_id", Text),
            ("ordinal", Int),
            ("name", Text),
            ("rtype", Text),
            ("ttl", Int),
            ("rdata", Text),
            ("set_identifier", Text),
            ("routing", Text),
            ("cidr_collection_id", Text),
        ],
        &["zone_id", "ordinal"],
    ),
    table(
        "policies",
        &[
            ("id", Text),
            ("name", Text),
            ("created_at", Text),
            ("created_serial", Int),
            ("latest_version", Int),
            ("next_version", Int),
            ("deleted", Int),
        ],
        &["id"],
    ),
    table(
        "policy_versions",
        &[
            ("policy_id", Text),
            ("version", Int),
            ("document", Text),
            ("comment", Text),
            ("record_type", Text),
            ("created_at", Text),
            ("deleted", Int),
        ],
        &["policy_id", "version"],
    ),
    table(
        "policy_records",
        &[
            ("id", Text),
            ("zone_id", Text),
            ("name", Text),
            ("record_type", Text),
            ("ttl", Int),
            ("policy_id", Text),
            ("policy_version", Int),
            ("state", Text),
            ("message", Text),
            ("created_at", Text),
            ("updated_at", Text),
        ],
        &["id"],
    ),
    table(
        "health_checks",
        &[
            ("id", Text),
            ("caller_reference", Text),
            ("config", Text),
            ("version", Int),
            ("created_at", Text),
            ("created_serial", Int),
        ],
        &["id"],
    ),
    table(
        "health_check_overrides",
        &[
            ("check_id", Text),
            ("healthy", Int),
            ("set_by", Text),
            ("set_at", Text),
            ("reason", Text),
        ],
        &["check_id"],
    ),
    table(
        "tags",
        &[("resource_type", Text), ("resource_id", Text), ("tag_key", Text), ("tag_value", Text)],
        &["resource_type", "resource_id", "tag_key"],
    ),
    table(
        "change_log",
        &[
            ("serial", Int),
            ("changed_at", Text),
            ("kind", Text),
            ("zone_id", Text),
            ("detail", Text),
        ],
        &["serial"],
    ),
];

/// The tables a copy leaves out: each node's registration and health observations (written
/// by running nodes and rebuilt by them on the destination), and the migrations table every
/// store has for itself.
pub const SKIPPED_TABLES: &[&str] = &["nodes", "health_observations", "_sqlx_migrations"];

/// Most values bound in one statement: below SQLite's limit (32,766) and PostgreSQL's
/// (65,535), with statements of a reasonable size.
pub(crate) const MAX_BINDS: usize = 8_000;

/// One value of a row, as both engines store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A `BIGINT`, or NULL.
    Int(Option<i64>),
    /// A `TEXT`, or NULL.
    Text(Option<String>),
}

/// The rows of one table, each with a value per column of its [`TableSpec`].
pub(crate) type Rows = Vec<Vec<Value>>;

/// The row count and digest of a table's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDigest {
    /// How many rows.
    pub rows: u64,
    /// A 64-bit digest of every value, in primary-key order.
    pub hash: u64,
}

impl TableDigest {
    /// The digest as 16 hexadecimal digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.hash)
    }
}

/// The digest of rows, in the order given (see the module docs).
pub(crate) fn digest_rows<'a>(rows: impl IntoIterator<Item = &'a [Value]>) -> TableDigest {
    // The standard hasher with its fixed keys: the same for both sides of one copy.
    let mut hasher = std::hash::DefaultHasher::new();
    let mut count = 0u64;
    for row in rows {
        count += 1;
        hasher.write_u8(b'R');
        hasher.write_u64(row.len() as u64);
        for value in row {
            match value {
                Value::Int(None) => hasher.write_u8(0),
                Value::Int(Some(n)) => {
                    hasher.write_u8(1);
                    hasher.write_i64(*n);
                }
                Value::Text(None) => hasher.write_u8(2),
                Value::Text(Some(s)) => {
                    hasher.write_u8(3);
                    hasher.write_u64(s.len() as u64);
                    hasher.write(s.as_bytes());
                }
            }
        }
    }
    TableDigest { rows: count, hash: hasher.finish() }
}

/// One copied table in a [`CopyReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub table: &'static str,
    /// What was read from the source.
    pub source: TableDigest,
    /// What the destination held after the write, read back through its engine. Equal to
    /// `source` (a copy where they differ fails).
    pub destination: TableDigest,
}

/// What [`Store::copy_to`] copied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// The source's engine.
    pub source_engine: EngineKind,
    /// The destination's engine.
    pub destination_engine: EngineKind,
    /// The schema version of both stores.
    pub schema_version: i64,
    /// The change serial copied: the source's when it was read, now the destination's.
    pub serial: i64,
    /// Every copied table, in the order written.
    pub tables: Vec<TableCopy>,
    /// The tables not copied ([`SKIPPED_TABLES`]).
    pub skipped: &'static [&'static str],
}

/// A table of a store's catalog: its name and its columns with their declared types.
pub(crate) type CatalogTable = (String, Vec<(String, String)>);

/// Checks a store's catalog against [`TABLES`] and [`SKIPPED_TABLES`]: every table is
/// either copied or skipped, and every copied table exists with exactly its listed columns
/// and types. `which` names the store in the message.
pub(crate) fn check_catalog(which: &str, catalog: &[CatalogTable]) -> Result<()> {
    let refuse = |why: String| {
        Err(StoreError::Invalid(format!(
            "the {which} store's schema is not the one this flowdns copies: {why}"
        )))
    };
    for (name, _) in catalog {
        let known = TABLES.iter().any(|t| t.name == name) || SKIPPED_TABLES.contains(&&**name);
        if !known {
            return refuse(format!(
                "it has a table {name} that store copy neither copies nor skips"
            ));
        }
    }
    for spec in TABLES {
        let Some((_, columns)) = catalog.iter().find(|(name, _)| name == spec.name) else {
            return refuse(format!("it has no table {}", spec.name));
        };
        for (column, declared) in columns {
            let Some((_, expected)) = spec.columns.iter().find(|(c, _)| c == column) else {
                return refuse(format!(
                    "table {} has a column {column} that store copy does not copy",
                    spec.name
                ));
            };
            let actual = if declared.eq_ignore_ascii_case("bigint") {
                Int
            } else if declared.eq_ignore_ascii_case("text") {
                Text
            } else {
                return refuse(format!(
                    "column {}.{column} has type {declared}; only BIGINT and TEXT are copied",
                    spec.name
                ));
            };
            if actual != *expected {
                return refuse(format!(
                    "column {}.{column} has type {declared}, not {}",
                    spec.name,
                    match expected {
                        Int => "BIGINT",
                        Text => "TEXT",
                    }
                ));
            }
        }
        for (column, _) in spec.columns {
            if !columns.iter().any(|(c, _)| c == column) {
                return refuse(format!("table {} has no column {column}", spec.name));
            }
        }
    }
    Ok(())
}

/// Says what a destination holds, or nothing when it is empty. `holdings` is the change
/// serial and the row count of every copied table (for `meta`, rows besides the serial).
pub(crate) fn refuse_unless_empty(serial: i64, holdings: &[(&'static str, i64)]) -> Result<()> {
    let held: Vec<String> = holdings
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{n} {} in {t}", if *n == 1 { "row" } else { "rows" }))
        .collect();
    if serial == 0 && held.is_empty() {
        return Ok(());
    }
    let mut what = vec![format!("change serial {serial}")];
    what.extend(held);
    Err(StoreError::Invalid(format!(
        "the destination store is not empty (it holds {}): a copy goes into a new, empty store",
        what.join(", ")
    )))
}

/// Compares the digests of the source and the destination, table by table.
pub(crate) fn compare(source: &[TableDigest], destination: &[TableDigest]) -> Result<()> {
    for ((spec, s), d) in TABLES.iter().zip(source).zip(destination) {
        if s != d {
            return Err(StoreError::Invalid(format!(
                "the copy of table {} does not match: the source has {} rows with digest {}, \
                 the destination read back {} rows with digest {}; nothing was written",
                spec.name,
                s.rows,
                s.hex(),
                d.rows,
                d.hex()
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Copies everything this store holds into `dest`, a new, empty store on either engine,
    /// in one write transaction, and checks the copy: every copied table is read back from
    /// `dest` inside that transaction, and its row count and a digest of its values must
    /// equal the source's. Both stores must have the same schema version, and `dest` must be
    /// empty. Node registrations and health observations ([`SKIPPED_TABLES`]) are not copied.
    /// The source is read in one read transaction (a consistent snapshot, taken without a
    /// lock). `progress` is called after each table is written (before the commit), with the
    /// table and its row count.
    ///
    /// Refused with [`StoreError::Invalid`] when the schema versions differ, when `dest` is
    /// not empty (naming what it holds), when either store has a table or column the copy
    /// does not know, and when the check finds a table whose copy differs (naming it). A
    /// failed copy writes nothing.
    pub async fn copy_to(
        &self,
        dest: &Store,
        mut progress: impl FnMut(&str, u64),
    ) -> Result<CopyReport> {
        check_catalog("source", &self.catalog().await?)?;
        check_catalog("destination", &dest.catalog().await?)?;
        let (from, to) = (self.schema_version().await?, dest.schema_version().await?);
        if from != to {
            return Err(StoreError::Invalid(format!(
                "the source store has schema version {from} and the destination {to}: open both \
                 with the same flowdns so that both are migrated to the same version"
            )));
        }
        // Refuse a non-empty destination before reading the whole source; the write checks
        // it again, inside its transaction.
        let (serial, holdings) = match &dest.engine {
            Engine::Sqlite(s) => s.copy_holdings().await?,
            Engine::Postgres(s) => s.copy_holdings().await?,
        };
        refuse_unless_empty(serial, &holdings)?;

        let (serial, tables) = match &self.engine {
            Engine::Sqlite(s) => s.read_tables().await?,
            Engine::Postgres(s) => s.read_tables().await?,
        };
        let source: Vec<TableDigest> =
            tables.iter().map(|rows| digest_rows(rows.iter().map(Vec::as_slice))).collect();
        let check = |written: &[TableDigest]| compare(&source, written);
        let destination = match &dest.engine {
            Engine::Sqlite(s) => s.write_tables(serial, &tables, &mut progress, check).await?,
            Engine::Postgres(s) => s.write_tables(serial, &tables, &mut progress, check).await?,
        };
        Ok(CopyReport {
            source_engine: self.engine(),
            destination_engine: dest.engine(),
            schema_version: from,
            serial,
            tables: TABLES
                .iter()
                .zip(source.iter().zip(destination))
                .map(|(spec, (s, d))| TableCopy { table: spec.name, source: *s, destination: d })
                .collect(),
            skipped: SKIPPED_TABLES,
        })
    }

    /// The newest migration applied.
    async fn schema_version(&self) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(s) => s.copy_schema_version().await,
            Engine::Postgres(s) => s.copy_schema_version().await,
        }
    }

    /// The tables of this store's schema with their columns and declared types.
    async fn catalog(&self) -> Result<Vec<CatalogTable>> {
        match &self.engine {
            Engine::Sqlite(s) => s.copy_catalog(EngineKind::Sqlite).await,
            Engine::Postgres(s) => s.copy_catalog(EngineKind::Postgres).await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn catalog_of(spec: &[TableSpec], skipped: &[&str]) -> Vec<CatalogTable> {
        let mut catalog: Vec<CatalogTable> = spec
            .iter()
            .map(|t| {
                let columns = t
                    .columns
                    .iter()
                    .map(|(c, ty)| {
                        ((*c).to_owned(), if *ty == Int { "BIGINT" } else { "TEXT" }.to_owned())
                    })
                    .collect();
                (t.name.to_owned(), columns)
            })
            .collect();
        catalog.extend(skipped.iter().map(|t| ((*t).to_owned(), Vec::new())));
        catalog
    }

    /// A migration that adds a table or a column must say whether `store copy` copies it:
    /// the schema of a fresh store (read from SQLite's `sqlite_master` and
    /// `pragma_table_info`) is exactly the copied tables plus the skipped ones.
    #[tokio::test]
    async fn every_table_of_a_fresh_store_is_copied_or_skipped() {
        let store = Store::open_url("sqlite::memory:").await.unwrap();
        let catalog = store.catalog().await.unwrap();
        check_catalog("fresh", &catalog).unwrap();
        let mut names: Vec<&str> = catalog.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        let mut expected: Vec<&str> =
            TABLES.iter().map(|t| t.name).chain(SKIPPED_TABLES.iter().copied()).collect();
        expected.sort_unstable();
        assert_eq!(names, expected);
        store.close().await;
    }

    /// The migration files of both engines name no table beyond the copied and skipped ones.
    #[test]
    fn the_migration_files_create_only_known_tables() {
        for engine in ["sqlite", "postgres"] {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
            let mut created = Vec::new();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some(rest) = line.trim_start().strip_prefix("CREATE TABLE ") {
                        created.push(rest.split_whitespace().next().unwrap().to_owned());
                    }
                }
            }
            assert!(created.len() >= TABLES.len(), "{engine}: {created:?}");
            for name in &created {
                assert!(
                    TABLES.iter().any(|t| t.name == name) || SKIPPED_TABLES.contains(&&**name),
                    "{engine}: migration creates table {name}, which store copy neither copies \
                     nor lists in SKIPPED_TABLES"
                );
            }
        }
    }

    #[test]
    fn the_catalog_check_names_what_it_does_not_know() {
        check_catalog("x", &catalog_of(TABLES, SKIPPED_TABLES)).unwrap();

        let mut extra_table = catalog_of(TABLES, SKIPPED_TABLES);
        extra_table.push(("widgets".into(), vec![("id".into(), "TEXT".into())]));
        let err = check_catalog("source", &extra_table).unwrap_err().to_string();
        assert!(err.contains("source store") && err.contains("table widgets"), "{err}");

        let mut extra_column = catalog_of(TABLES, SKIPPED_TABLES);
        extra_column[1].1.push(("colour".into(), "TEXT".into()));
        let err = check_catalog("destination", &extra_column).unwrap_err().to_string();
        assert!(err.contains("zones has a column colour"), "{err}");

        let mut missing_column = catalog_of(TABLES, SKIPPED_TABLES);
        missing_column[1].1.retain(|(c, _)| c != "soa_serial");
        let err = check_catalog("source", &missing_column).unwrap_err().to_string();
        assert!(err.contains("zones has no column soa_serial"), "{err}");

        let mut wrong_type = catalog_of(TABLES, SKIPPED_TABLES);
        wrong_type[1].1[0].1 = "bigint".into();
        let err = check_catalog("source", &wrong_type).unwrap_err().to_string();
        assert!(err.contains("zones.id has type bigint, not TEXT"), "{err}");

        let missing_table = catalog_of(&TABLES[1..], SKIPPED_TABLES);
        let err = check_catalog("source", &missing_table).unwrap_err().to_string();
        assert!(err.contains("no table meta"), "{err}");
    }

    #[test]
    fn the_spec_is_in_foreign_key_order_with_keys_among_the_columns() {
        let position = |name: &str| TABLES.iter().position(|t| t.name == name).unwrap();
        for (child, parent) in [
            ("records", "zones"),
            ("records", "cidr_collections"),
            ("cidr_blocks", "cidr_collections"),
            ("policy_versions", "policies"),
            ("policy_records", "zones"),
            ("policy_records", "policy_versions"),
            ("health_check_overrides", "health_checks"),
        ] {
            assert!(position(parent) < position(child), "{parent} must come before {child}");
        }
        for t in TABLES {
            assert!(!t.key.is_empty(), "{}", t.name);
            for k in t.key {
                assert!(t.columns.iter().any(|(c, _)| c == k), "{}.{k}", t.name);
            }
        }
    }

    #[test]
    fn the_digest_sees_every_value_its_type_null_and_the_row_boundaries() {
        let t = |s: &str| Value::Text(Some(s.to_owned()));
        let d = |rows: &[Vec<Value>]| digest_rows(rows.iter().map(Vec::as_slice));
        let base = vec![vec![t("ab"), Value::Int(Some(1))], vec![t("c"), Value::Int(None)]];
        assert_eq!(d(&base), d(&base.clone()));
        assert_eq!(d(&base).rows, 2);
        let variants = [
            vec![vec![t("a"), Value::Int(Some(1))], vec![t("bc"), Value::Int(None)]],
            vec![vec![t("ab"), Value::Int(Some(2))], vec![t("c"), Value::Int(None)]],
            vec![vec![t("ab"), Value::Int(Some(1))], vec![t("c"), Value::Text(None)]],
            vec![vec![t("ab"), Value::Int(Some(1))], vec![t("c"), Value::Int(Some(0))]],
            vec![vec![t("ab"), Value::Int(Some(1))], vec![t(""), Value::Int(None)]],
            vec![vec![t("c"), Value::Int(None)], vec![t("ab"), Value::Int(Some(1))]],
            vec![vec![t("ab"), Value::Int(Some(1)), t("c"), Value::Int(None)]],
            vec![vec![t("ab"), Value::Int(Some(1))]],
        ];
        for v in &variants {
            assert_ne!(d(&base), d(v), "{v:?}");
        }
        assert_eq!(d(&[]).rows, 0);
    }

    #[test]
    fn a_destination_is_empty_only_with_serial_0_and_no_rows() {
        refuse_unless_empty(0, &[("zones", 0), ("meta", 0)]).unwrap();
        let err = refuse_unless_empty(0, &[("zones", 2), ("records", 0), ("change_log", 1)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 rows in zones") && err.contains("1 row in change_log"), "{err}");
        assert!(!err.contains("records"), "{err}");
        let err = refuse_unless_empty(7, &[("zones", 0)]).unwrap_err().to_string();
        assert!(err.contains("change serial 7"), "{err}");
    }

    #[test]
    fn a_mismatch_names_the_table() {
        let same: Vec<TableDigest> =
            TABLES.iter().map(|_| TableDigest { rows: 1, hash: 5 }).collect();
        compare(&same, &same).unwrap();
        let mut other = same.clone();
        other[4].hash = 6;
        let err = compare(&same, &other).unwrap_err().to_string();
        assert!(err.contains("table records"), "{err}");
    }
}
