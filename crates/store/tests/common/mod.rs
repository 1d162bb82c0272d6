//! Helpers shared by the store's integration tests.
#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::path::{Path, PathBuf};

use store::{Change, ChangeKind, NewRecord, Store};

/// A fresh directory under the system temp directory, removed on drop; for a PostgreSQL
/// store, also the URL of its database.
pub struct TempDir(PathBuf, Option<String>);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "flowdns-store-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        TempDir(path, None)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The PostgreSQL database's URL, for a store `fresh` made on PostgreSQL.
    pub fn url(&self) -> Option<&str> {
        self.1.as_deref()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether this run tests the PostgreSQL engine: `FLOWDNS_TEST_STORE=postgres` (the test
/// script runs the suite once per engine). Anything else but `sqlite` or nothing is refused,
/// so that a typo cannot quietly test the wrong engine.
pub fn on_postgres() -> bool {
    match std::env::var("FLOWDNS_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("FLOWDNS_TEST_STORE={other:?}: use sqlite or postgres"),
    }
}

/// A fresh, empty store on the engine under test: a new data directory (SQLite), or a new
/// database on the suite's throwaway PostgreSQL server. The directory guard is returned
/// either way.
pub async fn fresh(tag: &str) -> (TempDir, Store) {
    let dir = TempDir::new(tag);
    let store = if on_postgres() {
        let url = pgtest::shared().create_database();
        let store = Store::open_url(&url).await.unwrap();
        let mut dir = dir;
        dir.1 = Some(url);
        return (dir, store);
    } else {
        Store::open(dir.path()).await.unwrap()
    };
    (dir, store)
}

/// A place for a store on the engine under test, not opened yet: a new directory, or a new
/// empty database.
pub fn unopened(tag: &str) -> TempDir {
    let mut dir = TempDir::new(tag);
    if on_postgres() {
        dir.1 = Some(pgtest::shared().create_database());
    }
    dir
}

/// Opens (another handle on) the store at `dir`, as the CLI and the server each have one.
pub async fn open_at(dir: &TempDir) -> store::Result<Store> {
    match &dir.1 {
        Some(url) => Store::open_url(url).await,
        None => Store::open(dir.path()).await,
    }
}

/// Another handle on the store `fresh` made.
pub async fn reopen(dir: &TempDir) -> Store {
    open_at(dir).await.unwrap()
}

/// A fresh SQLite store, for the tests of what only the embedded engine does (backups, files).
pub async fn fresh_sqlite(tag: &str) -> (TempDir, Store) {
    let dir = TempDir::new(tag);
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}

pub fn rec(name: &str, rtype: &str, ttl: u32, rdata: &str) -> NewRecord {
    NewRecord::new(name, rtype, ttl, rdata)
}

/// A small valid-looking zone.
pub fn example_records(zone: &str) -> Vec<NewRecord> {
    vec![
        rec(zone, "SOA", 3600, &format!("ns1.{zone} hostmaster.{zone} 1 7200 900 1209600 300")),
        rec(zone, "NS", 3600, &format!("ns1.{zone}")),
        rec(&format!("ns1.{zone}"), "A", 3600, "192.0.2.53"),
        rec(&format!("www.{zone}"), "A", 300, "192.0.2.1"),
        rec(&format!("www.{zone}"), "A", 300, "192.0.2.2"),
        rec(&format!("mail.{zone}"), "AAAA", 300, "2001:db8::25"),
    ]
}

pub const DOC_A: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","Endpoints":{"e":{"Type":"value","Value":"192.0.2.10"}},"StartEndpoint":"e"}"#;
pub const DOC_AAAA: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"AAAA","Endpoints":{"e":{"Type":"value","Value":"2001:db8::10"}},"StartEndpoint":"e"}"#;
pub const DOC_CNAME: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","Endpoints":{"e":{"Type":"value","Value":"target.example.net"}},"StartEndpoint":"e"}"#;

/// Asserts that exactly one change was logged since `before`, of `kind`, and returns it.
pub async fn one_change(store: &Store, before: i64, kind: ChangeKind) -> Change {
    let after = store.serial().await.unwrap();
    assert_eq!(after, before + 1, "a write must advance the serial by exactly one");
    let changes = store.changes_since(before).await.unwrap();
    assert_eq!(changes.len(), 1, "a write must log exactly one change: {changes:?}");
    let change = changes.into_iter().next().unwrap();
    assert_eq!(change.serial, after);
    assert_eq!(change.kind, kind, "{change:?}");
    change
}

/// Asserts that nothing was logged since `before`.
pub async fn no_change(store: &Store, before: i64) {
    assert_eq!(store.serial().await.unwrap(), before, "a failed write must not advance the serial");
    assert!(store.changes_since(before).await.unwrap().is_empty());
}

/// Runs one statement directly on the database under `dir`, bypassing the store (to set up
/// states that would take too long to reach through it). `$1` is `number`, `$2` is `text`.
pub async fn exec_raw(dir: &TempDir, sql: &'static str, number: i64, text: &str) {
    match &dir.1 {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql).bind(number).bind(text).execute(&pool).await.unwrap();
            pool.close().await;
        }
        None => {
            let url = format!("sqlite:{}", dir.path().join(store::DB_FILE_NAME).display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(sql).bind(number).bind(text).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// Reads two text columns directly from the database under `dir`.
pub async fn pairs_raw(dir: &TempDir, sql: &'static str) -> Vec<(String, String)> {
    match &dir.1 {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
        None => {
            let url = format!("sqlite:{}", dir.path().join(store::DB_FILE_NAME).display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }
}
