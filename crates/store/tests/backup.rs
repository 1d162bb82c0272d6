//! Online backups: a copy taken while another task keeps writing opens as a store and holds
//! exactly a prefix of the writes, and `inspect` tells a store from other files.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{TempDir, example_records, fresh_sqlite};
use store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_holds_a_consistent_prefix() {
    let (dir, store) = fresh_sqlite("backup-live").await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let zone = format!("z{n}.example.");
                store
                    .create_zone_with_records(&zone, "", None, example_records(&zone))
                    .await
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    // Let some writes land first.
    while store.serial().await.unwrap() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut copies = Vec::new();
    for i in 0..3 {
        let path = dir.path().join(format!("copy-{i}.db"));
        store.backup(&path).await.unwrap();
        copies.push(path);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    let final_serial = store.serial().await.unwrap();
    assert_eq!(final_serial, i64::from(written));

    let mut serials = Vec::new();
    for path in &copies {
        let info = store::inspect(path).await.unwrap();
        assert_eq!(info.schema_version, store::known_schema_version());
        let copy = Store::open_url(&format!("sqlite:{}", path.display())).await.unwrap();
        let serial = copy.serial().await.unwrap();
        assert!(serial >= 5 && serial <= final_serial, "{serial} of {final_serial}");
        // A prefix: the change log is 1..=serial without gaps, and the zones are exactly the
        // ones those changes created, each with all its records.
        let changes = copy.changes_since(0).await.unwrap();
        assert_eq!(
            changes.iter().map(|c| c.serial).collect::<Vec<_>>(),
            (1..=serial).collect::<Vec<_>>()
        );
        let zones = copy.list_zones().await.unwrap();
        assert_eq!(zones.len() as i64, serial);
        for n in 0..serial {
            let zone = copy.zone_by_name(&format!("z{n}.example.")).await.unwrap();
            assert_eq!(copy.zone_records(&zone.id).await.unwrap().len(), 6);
        }
        assert!(copy.zone_by_name(&format!("z{serial}.example.")).await.is_err());
        assert_eq!((info.serial, info.zones, info.records), (serial, serial, 6 * serial));
        copy.close().await;
        serials.push(serial);
    }
    // The copies were taken while the writer ran: each holds more than the one before, and
    // the last one less than everything.
    assert!(serials.windows(2).all(|w| w[0] < w[1]), "{serials:?}");
    assert!(*serials.last().unwrap() < final_serial, "{serials:?} of {final_serial}");
    // A backup is never written over an existing file.
    assert!(store.backup(&copies[0]).await.is_err());
}

#[tokio::test]
async fn inspect_tells_a_store_from_other_files() {
    let dir = TempDir::new("inspect");
    std::fs::create_dir_all(dir.path()).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, just some text that is long enough").unwrap();
    let e = store::inspect(&text).await.unwrap_err().to_string();
    assert!(e.contains("is not a flowdns store"), "{e}");
    assert!(store::inspect(&dir.path().join("missing.db")).await.is_err());

    // An SQLite file without the store's tables.
    let other = dir.path().join("other.db");
    let plain = Store::open_url(&format!("sqlite:{}", other.display())).await.unwrap();
    plain.close().await;
    // (Opened as a store it has the tables; take them away.)
    {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite:{}", other.display())).await.unwrap();
        sqlx::query("DROP TABLE change_log").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let e = store::inspect(&other).await.unwrap_err().to_string();
    assert!(e.contains("no table change_log"), "{e}");

    // A store written by a newer flowdns (a migration this build does not know).
    let newer = dir.path().join("newer.db");
    let s = Store::open_url(&format!("sqlite:{}", newer.display())).await.unwrap();
    s.close().await;
    {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite:{}", newer.display())).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, \
             execution_time) VALUES (9999, 'future', '2030-01-01', 1, x'00', 0)",
        )
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
    }
    let e = store::inspect(&newer).await.unwrap_err().to_string();
    assert!(e.contains("schema version 9999, newer than this flowdns knows"), "{e}");
}
