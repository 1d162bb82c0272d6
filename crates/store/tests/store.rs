//! Opening, the change log, snapshots, concurrency and durability.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{DOC_A, TempDir, example_records, fresh, rec};
use store::{ChangeKind, NewRecord, PolicyRecordState, Store, StoreError};

#[tokio::test]
async fn open_creates_a_private_directory_and_reopens() {
    let dir = TempDir::new("open");
    let data = dir.path().join("nested").join("data");
    let store = Store::open(&data).await.unwrap();
    assert!(data.join(store::DB_FILE_NAME).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    assert_eq!(store.serial().await.unwrap(), 0);
    let (zone, _) =
        store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    let policy = store.create_policy("web", DOC_A, "A", "").await.unwrap();
    let record = store
        .create_policy_record(&zone.id, "app.example.com.", 60, &policy.policy_id, 1)
        .await
        .unwrap();
    let health = store.create_health_check("ref", "{}").await.unwrap();
    let before = store.load_all().await.unwrap();
    let changes = store.changes_since(0).await.unwrap();
    store.close().await;
    drop(store);

    // Reopening the same directory (migrations already applied) keeps everything.
    let store = Store::open(&data).await.unwrap();
    assert_eq!(store.serial().await.unwrap(), 4);
    assert_eq!(store.load_all().await.unwrap(), before);
    assert_eq!(store.changes_since(0).await.unwrap(), changes);
    assert_eq!(store.get_policy_record(&record.id).await.unwrap(), record);
    assert_eq!(store.get_health_check(&health.id).await.unwrap(), health);
    assert_eq!(store.get_policy_version(&policy.policy_id, None).await.unwrap(), policy);
    // And the serial continues.
    store.create_zone("example.net.", "", None).await.unwrap();
    assert_eq!(store.serial().await.unwrap(), 5);
}

#[tokio::test]
async fn open_refuses_what_it_cannot_use() {
    let dir = TempDir::new("open-file");
    std::fs::write(dir.path(), b"not a directory").unwrap();
    let err = Store::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    assert!(err.to_string().starts_with("cannot create data directory"), "{err}");
    std::fs::remove_file(dir.path()).unwrap();

    // Nothing listens on port 1: the error names the server and says why, at once.
    let err = Store::open_url("postgres://flowdns@127.0.0.1:1/flowdns").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    assert!(
        err.to_string().starts_with("cannot connect to PostgreSQL at 127.0.0.1:1/flowdns:"),
        "{err}"
    );
    let err = Store::open_url("postgres://[bad").await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err}");
    assert!(matches!(Store::open_url("mysql://x").await, Err(StoreError::Invalid(_))));
}

#[tokio::test]
async fn open_url_shared_memory_and_file() {
    let name = uuid::Uuid::new_v4().simple();
    let store =
        Store::open_url(&format!("sqlite:file:{name}?mode=memory&cache=shared")).await.unwrap();
    let zone = store.create_zone("example.com.", "", None).await.unwrap();
    // Clones share the pool; every connection sees the same database.
    let clone = store.clone();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let store = clone.clone();
            let id = zone.id.clone();
            tokio::spawn(async move { store.get_zone(&id).await.unwrap() })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.unwrap(), zone);
    }

    let dir = TempDir::new("url");
    std::fs::create_dir_all(dir.path()).unwrap();
    let url = format!("sqlite:{}", dir.path().join("x.db").display());
    let store = Store::open_url(&url).await.unwrap();
    store.create_zone("example.com.", "", None).await.unwrap();
    store.close().await;
    let store = Store::open_url(&url).await.unwrap();
    assert_eq!(store.list_zones().await.unwrap().len(), 1);
}

#[tokio::test]
async fn serial_and_change_log() {
    let (_dir, store) = fresh("changes").await;
    assert_eq!(store.serial().await.unwrap(), 0);
    assert!(store.changes_since(0).await.unwrap().is_empty());

    let zone = store.create_zone("example.com.", "", None).await.unwrap();
    store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    let policy = store.create_policy("web", DOC_A, "A", "").await.unwrap().policy_id;
    store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    store.update_policy_comment(&policy, 2, "c").await.unwrap();
    let record =
        store.create_policy_record(&zone.id, "app.example.com.", 1, &policy, 1).await.unwrap();
    store.update_policy_record(&record.id, None, 2, None).await.unwrap();
    store.set_policy_record_state(&record.id, PolicyRecordState::Applied, "").await.unwrap();
    store.delete_policy_version(&policy, 1).await.unwrap();
    let check = store.create_health_check("r", "{}").await.unwrap();
    store.update_health_check(&check.id, "{ }", None).await.unwrap();
    store.delete_health_check(&check.id).await.unwrap();
    store.delete_policy_record(&record.id).await.unwrap();
    store.delete_zone(&zone.id).await.unwrap();
    // Failed writes in between leave no trace.
    assert!(store.create_zone("example.com.", "", None).await.is_ok());
    assert!(store.create_zone("example.com.", "", None).await.is_err());

    let changes = store.changes_since(0).await.unwrap();
    let serials: Vec<i64> = changes.iter().map(|c| c.serial).collect();
    assert_eq!(serials, (1..=15).collect::<Vec<_>>(), "one row per write, no gaps");
    assert_eq!(store.serial().await.unwrap(), 15);
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Zone,
            ChangeKind::Records,
            ChangeKind::Policy,
            ChangeKind::Policy,
            ChangeKind::Policy,
            ChangeKind::PolicyRecord,
            ChangeKind::PolicyRecord,
            ChangeKind::PolicyRecordState,
            ChangeKind::Policy,
            ChangeKind::HealthCheck,
            ChangeKind::HealthCheck,
            ChangeKind::HealthCheck,
            ChangeKind::PolicyRecord,
            ChangeKind::Zone,
            ChangeKind::Zone
        ]
    );
    for change in &changes {
        assert_eq!(
            change.zone_id.is_some(),
            !matches!(change.kind, ChangeKind::Policy | ChangeKind::HealthCheck),
            "{change:?}"
        );
        assert!(!change.detail.is_empty());
        assert!(change.at.ends_with('Z'));
    }
    assert_eq!(changes[13].zone_id.as_deref(), Some(zone.id.as_str()), "deletion names the zone");
    assert!(changes[13].detail.contains("deleted zone example.com."), "{}", changes[13].detail);
    let tail = store.changes_since(12).await.unwrap();
    assert_eq!(tail, changes[12..].to_vec());
    assert!(store.changes_since(15).await.unwrap().is_empty());
}

#[tokio::test]
async fn load_zone_and_load_all() {
    let (_dir, store) = fresh("load").await;
    let (a, _) =
        store.replace_zone_records("a.example.", example_records("a.example.")).await.unwrap();
    let (b, _) =
        store.replace_zone_records("b.example.", example_records("b.example.")).await.unwrap();
    let empty = store.create_zone("c.example.", "", None).await.unwrap();
    let policy = store.create_policy("web", DOC_A, "A", "").await.unwrap().policy_id;
    let doc2 = DOC_A.replace("192.0.2.10", "192.0.2.20");
    store.create_policy_version(&policy, &doc2, "A", "").await.unwrap();
    let r1 = store.create_policy_record(&b.id, "x.b.example.", 1, &policy, 1).await.unwrap();
    let r2 = store.create_policy_record(&a.id, "y.a.example.", 1, &policy, 2).await.unwrap();

    let all = store.load_all().await.unwrap();
    assert_eq!(all.serial, store.serial().await.unwrap());
    let names: Vec<&str> = all.zones.iter().map(|(z, _)| z.name.as_str()).collect();
    assert_eq!(names, ["a.example.", "b.example.", "c.example."]);
    assert_eq!(all.zones[0].1, store.zone_records(&a.id).await.unwrap());
    assert_eq!(all.zones[1].1, store.zone_records(&b.id).await.unwrap());
    assert!(all.zones[2].1.is_empty());
    assert_eq!(all.zones[2].0, empty);
    assert_eq!(all.policy_records.len(), 2);
    assert_eq!(all.policy_records[0], (r2.clone(), doc2.clone()), "ordered by zone name");
    assert_eq!(all.policy_records[1], (r1.clone(), DOC_A.to_owned()));

    let (zone, records, policy_records) = store.load_zone(&a.id).await.unwrap();
    assert_eq!(zone, all.zones[0].0);
    assert_eq!(records, all.zones[0].1);
    assert_eq!(policy_records, [(r2, doc2)]);
    assert!(matches!(store.load_zone("nope").await, Err(StoreError::NotFound { .. })));
}

/// A reader calling `load_all` while a writer replaces zones never sees a half-applied
/// write, and what it sees matches the serial it reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_all_is_consistent_with_its_serial() {
    let (dir, writer) = fresh("consistent").await;
    let reader = common::reopen(&dir).await;
    const WRITES: usize = 60;
    let write = tokio::spawn(async move {
        for generation in 1..=WRITES {
            let zone = format!("z{}.example.", generation % 4);
            let records: Vec<NewRecord> = (0..generation)
                .map(|i| rec(&format!("h{i}.{zone}"), "TXT", 60, &format!("\"gen {generation}\"")))
                .collect();
            writer.replace_zone_records(&zone, records).await.unwrap();
        }
        writer
    });
    let mut snapshots = 0;
    loop {
        let contents = reader.load_all().await.unwrap();
        snapshots += 1;
        // What the log says each zone should hold at this serial.
        let changes = reader.changes_since(0).await.unwrap();
        let mut expected: HashMap<String, i64> = HashMap::new();
        for change in changes.iter().filter(|c| c.serial <= contents.serial) {
            expected.insert(change.zone_id.clone().unwrap(), change.serial);
        }
        assert_eq!(contents.zones.len(), expected.len());
        for (zone, records) in &contents.zones {
            assert_eq!(zone.serial, expected[&zone.id], "zone serial matches the log");
            let generation = zone.serial as usize;
            assert_eq!(records.len(), generation, "all rows of one write");
            assert_eq!(zone.record_count, generation as i64);
            let marker = format!("\"gen {generation}\"");
            assert!(records.iter().all(|r| r.rdata == marker), "rows of another write");
        }
        if contents.serial == WRITES as i64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    write.await.unwrap();
    assert!(snapshots >= 1);
}

/// Two handles on one file (as the CLI and the server are) write concurrently: the busy
/// timeout makes short transactions wait for each other instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_one_file() {
    let dir = common::unopened("concurrent");
    // Both open a new store at the same time: migrations are applied once.
    let (one, two) = tokio::join!(common::open_at(&dir), common::open_at(&dir));
    let (one, two) = (one.unwrap(), two.unwrap());
    let policy = one.create_policy("web", DOC_A, "A", "").await.unwrap().policy_id;
    const TASKS: usize = 4;
    const PER_TASK: usize = 15;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = if task % 2 == 0 { one.clone() } else { two.clone() };
        let policy = policy.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..PER_TASK {
                let zone = format!("t{task}-{i}.example.");
                let (zone, _) =
                    store.replace_zone_records(&zone, example_records(&zone)).await.unwrap();
                let record = store
                    .create_policy_record(&zone.id, &format!("app.{}", zone.name), 60, &policy, 1)
                    .await
                    .unwrap();
                store
                    .set_policy_record_state(&record.id, PolicyRecordState::Applied, "")
                    .await
                    .unwrap();
                let _ = store.list_zones().await.unwrap();
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    let total = 1 + (TASKS * PER_TASK * 3) as i64;
    assert_eq!(one.serial().await.unwrap(), total);
    assert_eq!(two.serial().await.unwrap(), total);
    let serials: Vec<i64> =
        two.changes_since(0).await.unwrap().into_iter().map(|c| c.serial).collect();
    assert_eq!(serials, (1..=total).collect::<Vec<_>>());
    let all = one.load_all().await.unwrap();
    assert_eq!(all.zones.len(), TASKS * PER_TASK);
    assert_eq!(all.policy_records.len(), TASKS * PER_TASK);
    assert!(all.policy_records.iter().all(|(r, _)| r.state == PolicyRecordState::Applied));
}

#[tokio::test]
async fn large_zone_round_trip() {
    let (_dir, store) = fresh("large").await;
    let records: Vec<NewRecord> = (0..20_000)
        .map(|i| {
            rec(
                &format!("h{i}.example.com."),
                "A",
                60,
                &format!("10.{}.{}.{}", i / 65536, i / 256 % 256, i % 256),
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let (zone, _) = store.replace_zone_records("example.com.", records.clone()).await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 30, "20,000 records took {elapsed:?}");
    let rows = store.zone_records(&zone.id).await.unwrap();
    assert_eq!(rows.len(), records.len());
    assert!(rows.iter().zip(&records).all(|(row, want)| row.rdata == want.rdata));
}
