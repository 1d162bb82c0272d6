//! Storage errors: a write that fails for want of room (or for any other storage error) rolls
//! back cleanly, and the next write works as soon as the cause is gone, without a restart.
#![allow(clippy::unwrap_used)]

mod common;

use common::TempDir;
use store::{Store, StoreError};

/// The page limit of the store's connections: room for the schema and a few records.
const PAGE_LIMIT: u32 = 400;

/// Another writer on the same file, without the store's limit: it takes the free room (as
/// another program fills a disk) and gives it back.
struct Hog(sqlx::SqlitePool);

impl Hog {
    async fn open(dir: &TempDir) -> Hog {
        let url = format!("sqlite:{}", dir.path().join(store::DB_FILE_NAME).display());
        Hog(sqlx::SqlitePool::connect(&url).await.unwrap())
    }

    /// Grows the database beyond the store's page limit, so that the store has no room left.
    async fn fill(&self) {
        sqlx::query("CREATE TABLE hog (data BLOB)").execute(&self.0).await.unwrap();
        let bytes = (PAGE_LIMIT as i64 + 100) * 4096;
        sqlx::query("INSERT INTO hog VALUES (zeroblob($1))")
            .bind(bytes)
            .execute(&self.0)
            .await
            .unwrap();
    }

    /// Frees the room it took (the pages go back to the database's free list).
    async fn free(&self) {
        sqlx::query("DROP TABLE hog").execute(&self.0).await.unwrap();
    }
}

/// Whether `err` is SQLite's `SQLITE_FULL`.
fn is_full(err: &StoreError) -> bool {
    err.to_string().contains("database or disk is full")
}

#[tokio::test]
async fn a_full_database_fails_writes_cleanly_and_recovers_once_room_is_freed() {
    let dir = TempDir::new("storage-full");
    let store = Store::open_with_max_page_count(dir.path(), PAGE_LIMIT).await.unwrap();
    let hog = Hog::open(&dir).await;
    hog.fill().await;

    // Write until the pages that had room left are used up: then every write fails with the
    // full error, and none of them leaves anything behind.
    let mut failures = 0;
    let mut written = 0;
    for i in 0..400 {
        let serial = store.serial().await.unwrap();
        let name = format!("zone{i}.example");
        match store.create_zone(&name, &"x".repeat(256), None).await {
            Ok(_) => written += 1,
            Err(err) => {
                assert!(is_full(&err), "a write failed for another reason than room: {err}");
                assert_eq!(store.serial().await.unwrap(), serial, "a failed write was logged");
                failures += 1;
                if failures == 20 {
                    break;
                }
            }
        }
    }
    assert_eq!(failures, 20, "the database never became full ({written} records written)");
    assert_eq!(store.list_zones().await.unwrap().len(), written);

    // Room is freed: the very next write works, and so does every one after it (each may
    // take another connection of the pool).
    hog.free().await;
    for i in 0..40 {
        let name = format!("after{i}.example");
        store
            .create_zone(&name, "", None)
            .await
            .unwrap_or_else(|err| panic!("write {i} after freeing room failed: {err}"));
    }
    assert_eq!(store.list_zones().await.unwrap().len(), written + 40);
    hog.0.close().await;
    store.close().await;
}

/// The permission bits of `path`.
#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[tokio::test]
async fn database_files_are_created_owner_only_even_in_an_open_directory() {
    use std::os::unix::fs::PermissionsExt;
    // A data directory that already exists, readable by everyone: it keeps its mode (the
    // server warns about it), but the files created in it are the owner's alone.
    let dir = TempDir::new("storage-modes");
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    store.create_zone("example.com", "", None).await.unwrap();

    let db = dir.path().join(store::DB_FILE_NAME);
    let mut checked = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(path.exists(), "{} is missing while the store is open", path.display());
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        checked.push(path);
    }
    assert_eq!(mode(dir.path()), 0o755, "an existing directory keeps its mode");
    store.close().await;

    // A new data directory is the owner's alone too.
    let fresh = TempDir::new("storage-modes-new");
    let store = Store::open(fresh.path()).await.unwrap();
    assert_eq!(mode(fresh.path()), 0o700);
    assert_eq!(mode(&fresh.path().join(store::DB_FILE_NAME)), 0o600);
    store.close().await;
}
