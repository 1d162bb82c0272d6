//! Policy records: binding policy versions to names.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DOC_A, DOC_AAAA, DOC_CNAME, example_records, fresh, no_change, one_change, rec};
use store::{ChangeKind, MAX_TTL, PolicyRecordState, Store, StoreError, Zone};

async fn setup(tag: &str) -> (common::TempDir, Store, Zone, String) {
    let (dir, store) = fresh(tag).await;
    let (zone, _) =
        store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    let policy = store.create_policy("web", DOC_A, "A", "").await.unwrap();
    (dir, store, zone, policy.policy_id)
}

#[tokio::test]
async fn create_get_list() {
    let (_dir, store, zone, policy) = setup("precords-create").await;
    let before = store.serial().await.unwrap();
    let record =
        store.create_policy_record(&zone.id, "App.Example.com", 60, &policy, 1).await.unwrap();
    let change = one_change(&store, before, ChangeKind::PolicyRecord).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert!(change.kind.affects_answers());
    assert_eq!(record.name, "app.example.com.");
    assert_eq!(record.record_type, "A", "the type comes from the version");
    assert_eq!(record.state, PolicyRecordState::Creating);
    assert_eq!(record.message, "");
    assert_eq!((record.ttl, record.policy_version), (60, 1));
    assert_eq!(record.id.len(), 36);
    assert_eq!(store.get_policy_record(&record.id).await.unwrap(), record);
    assert_eq!(store.get_zone(&zone.id).await.unwrap().serial, change.serial);

    // The apex is allowed, and names of other types at the same name.
    let v2 = store.create_policy_version(&policy, DOC_AAAA, "AAAA", "").await.unwrap();
    let apex =
        store.create_policy_record(&zone.id, "example.com", MAX_TTL, &policy, 2).await.unwrap();
    assert_eq!(apex.record_type, v2.record_type);
    let six =
        store.create_policy_record(&zone.id, "app.example.com.", 0, &policy, 2).await.unwrap();

    let other = store.create_zone("example.net.", "", None).await.unwrap();
    let far = store.create_policy_record(&other.id, "example.net.", 5, &policy, 1).await.unwrap();

    let ids = |list: Vec<store::PolicyRecord>| list.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_policy_records(Some(&zone.id)).await.unwrap()),
        [record.id.clone(), six.id.clone(), apex.id.clone()]
    );
    assert_eq!(
        ids(store.list_policy_records(None).await.unwrap()),
        [record.id, six.id, apex.id, far.id]
    );
    let err = store.list_policy_records(Some("nope")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "hosted zone", .. }), "{err}");
    let err = store.get_policy_record("nope").await.unwrap_err();
    assert_eq!(err.to_string(), "policy record not found: nope");
}

#[tokio::test]
async fn create_is_refused() {
    let (_dir, store, zone, policy) = setup("precords-refused").await;
    store.create_policy_record(&zone.id, "app.example.com.", 60, &policy, 1).await.unwrap();
    let cname = store.create_policy("alias", DOC_CNAME, "CNAME", "").await.unwrap().policy_id;
    store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    store.delete_policy_version(&policy, 2).await.unwrap();
    let before = store.serial().await.unwrap();

    let err =
        store.create_policy_record(&zone.id, "APP.example.com", 30, &policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    assert!(err.to_string().contains("app.example.com. A"), "{err}");
    // A CNAME policy record next to another policy record, and next to records.
    let err =
        store.create_policy_record(&zone.id, "app.example.com.", 30, &cname, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    let err =
        store.create_policy_record(&zone.id, "www.example.com.", 30, &cname, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    // The same name and type as records.
    let err =
        store.create_policy_record(&zone.id, "www.example.com.", 30, &policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    assert!(err.to_string().contains("already has A records at www.example.com."), "{err}");
    // Outside the zone.
    let err =
        store.create_policy_record(&zone.id, "example.org.", 30, &policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("outside zone example.com."), "{err}");
    let err =
        store.create_policy_record(&zone.id, "notexample.com.", 30, &policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    // Bad TTL and name.
    let err = store
        .create_policy_record(&zone.id, "t.example.com.", MAX_TTL + 1, &policy, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err =
        store.create_policy_record(&zone.id, "t..example.com.", 1, &policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    // Unknown zone, policy, version; deleted version.
    for (zone_id, policy_id, version) in [
        ("nope", policy.as_str(), 1),
        (zone.id.as_str(), "nope", 1),
        (zone.id.as_str(), &policy, 7),
        (zone.id.as_str(), &policy, 2),
    ] {
        let err = store
            .create_policy_record(zone_id, "n.example.com.", 1, policy_id, version)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    }
    no_change(&store, before).await;

    // A CNAME policy record is fine at a free name.
    let ok =
        store.create_policy_record(&zone.id, "alias.example.com.", 30, &cname, 1).await.unwrap();
    assert_eq!(ok.record_type, "CNAME");
}

#[tokio::test]
async fn records_may_not_clash_with_policy_records() {
    let (_dir, store, zone, policy) = setup("precords-clash").await;
    store.create_policy_record(&zone.id, "app.example.com.", 60, &policy, 1).await.unwrap();
    let original = store.zone_records(&zone.id).await.unwrap();
    let before = store.serial().await.unwrap();
    for clash in [
        rec("app.example.com.", "A", 60, "192.0.2.7"),
        rec("APP.example.com.", "CNAME", 60, "x.example."),
    ] {
        let mut batch = example_records("example.com.");
        batch.push(clash);
        let err = store.replace_zone_records("example.com.", batch).await.unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
        assert!(err.to_string().contains("clashes with policy record"), "{err}");
    }
    assert_eq!(store.zone_records(&zone.id).await.unwrap(), original);
    no_change(&store, before).await;
    // Other types at that name are fine.
    let mut batch = example_records("example.com.");
    batch.push(rec("app.example.com.", "AAAA", 60, "2001:db8::7"));
    batch.push(rec("app.example.com.", "TXT", 60, "\"hello\""));
    store.replace_zone_records("example.com.", batch).await.unwrap();
}

#[tokio::test]
async fn update_moves_versions_but_never_types() {
    let (_dir, store, zone, policy) = setup("precords-update").await;
    let record =
        store.create_policy_record(&zone.id, "app.example.com.", 60, &policy, 1).await.unwrap();
    store.set_policy_record_state(&record.id, PolicyRecordState::Applied, "").await.unwrap();
    let v2 = store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    let v3 = store.create_policy_version(&policy, DOC_AAAA, "AAAA", "").await.unwrap();

    let before = store.serial().await.unwrap();
    let moved = store.update_policy_record(&record.id, None, v2.version, Some(120)).await.unwrap();
    let change = one_change(&store, before, ChangeKind::PolicyRecord).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert_eq!((moved.policy_version, moved.ttl), (2, 120));
    assert_eq!(moved.state, PolicyRecordState::Updating);
    assert_eq!(moved.created_at, record.created_at);
    assert_eq!(store.get_policy_record(&record.id).await.unwrap(), moved);

    // Rollback is an update to an older version; the TTL stays when not given.
    let back = store.update_policy_record(&record.id, Some(&policy), 1, None).await.unwrap();
    assert_eq!((back.policy_version, back.ttl), (1, 120));

    let before = store.serial().await.unwrap();
    let err = store.update_policy_record(&record.id, None, v3.version, None).await.unwrap_err();
    assert!(matches!(err, StoreError::ConflictingTypes(_)), "{err}");
    assert!(err.to_string().contains("answers AAAA"), "{err}");
    let other_aaaa = store.create_policy("v6", DOC_AAAA, "AAAA", "").await.unwrap().policy_id;
    let before2 = store.serial().await.unwrap();
    assert_eq!(before2, before + 1);
    let err = store.update_policy_record(&record.id, Some(&other_aaaa), 1, None).await.unwrap_err();
    assert!(matches!(err, StoreError::ConflictingTypes(_)), "{err}");
    let err = store.update_policy_record(&record.id, None, 9, None).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = store.update_policy_record("nope", None, 1, None).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = store.update_policy_record(&record.id, None, 1, Some(MAX_TTL + 1)).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    no_change(&store, before2).await;
    assert_eq!(store.get_policy_record(&record.id).await.unwrap(), back);

    // Another policy of the same type is fine.
    let other_a = store.create_policy("other", DOC_A, "A", "").await.unwrap().policy_id;
    let switched = store.update_policy_record(&record.id, Some(&other_a), 1, None).await.unwrap();
    assert_eq!(switched.policy_id, other_a);
}

#[tokio::test]
async fn versions_in_use_cannot_be_deleted() {
    let (_dir, store, zone, policy) = setup("precords-inuse").await;
    let record =
        store.create_policy_record(&zone.id, "app.example.com.", 60, &policy, 1).await.unwrap();
    store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    let before = store.serial().await.unwrap();
    let err = store.delete_policy_version(&policy, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    assert!(err.to_string().contains(&record.id), "{err}");
    no_change(&store, before).await;
    // Unused versions can go.
    store.delete_policy_version(&policy, 2).await.unwrap();
    // Once the record moves away, its old version is free.
    store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    store.update_policy_record(&record.id, None, 3, None).await.unwrap();
    store.delete_policy_version(&policy, 1).await.unwrap();
    let err = store.delete_policy_version(&policy, 3).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    store.delete_policy_record(&record.id).await.unwrap();
    store.delete_policy_version(&policy, 3).await.unwrap();
    assert!(store.list_policies().await.unwrap().is_empty());
}

#[tokio::test]
async fn states_and_deletion() {
    let (_dir, store, zone, policy) = setup("precords-state").await;
    let record =
        store.create_policy_record(&zone.id, "app.example.com.", 60, &policy, 1).await.unwrap();
    let zone_serial = store.get_zone(&zone.id).await.unwrap().serial;

    let before = store.serial().await.unwrap();
    let failed = store
        .set_policy_record_state(&record.id, PolicyRecordState::Failed, "endpoint does not resolve")
        .await
        .unwrap();
    let change = one_change(&store, before, ChangeKind::PolicyRecordState).await;
    assert!(!change.kind.affects_answers());
    assert_eq!(failed.state, PolicyRecordState::Failed);
    assert_eq!(failed.message, "endpoint does not resolve");
    assert_eq!(store.get_policy_record(&record.id).await.unwrap(), failed);
    assert_eq!(store.get_zone(&zone.id).await.unwrap().serial, zone_serial, "answers unchanged");

    // Writing the same state again is not a change.
    let before = store.serial().await.unwrap();
    let same = store
        .set_policy_record_state(&record.id, PolicyRecordState::Failed, "endpoint does not resolve")
        .await
        .unwrap();
    assert_eq!(same, failed);
    no_change(&store, before).await;
    let err = store
        .set_policy_record_state(&record.id, PolicyRecordState::Applied, &"m".repeat(1025))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err =
        store.set_policy_record_state("nope", PolicyRecordState::Applied, "").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    no_change(&store, before).await;

    for state in PolicyRecordState::ALL {
        assert_eq!(state.as_str().parse::<PolicyRecordState>().unwrap(), state);
        let set = store.set_policy_record_state(&record.id, state, "").await.unwrap();
        assert_eq!(set.state, state);
    }
    assert!("applied".parse::<PolicyRecordState>().is_err());

    // A zone with policy records cannot be deleted.
    let before = store.serial().await.unwrap();
    let err = store.delete_zone(&zone.id).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    no_change(&store, before).await;

    store.delete_policy_record(&record.id).await.unwrap();
    let change = one_change(&store, before, ChangeKind::PolicyRecord).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert!(matches!(store.get_policy_record(&record.id).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(
        store.delete_policy_record(&record.id).await,
        Err(StoreError::NotFound { .. })
    ));
    store.delete_zone(&zone.id).await.unwrap();
}

/// Moving a policy record (the API) and recording states (the DNS server, after each
/// rebuild) at the same time: every write takes the serial before any row, so neither waits
/// for a row the other holds while holding the serial (on PostgreSQL, the opposite order
/// deadlocked and one of the two was aborted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_record_while_its_state_is_recorded() {
    let (_dir, store, zone, policy) = setup("precords-race").await;
    store.create_policy_version(&policy, DOC_A, "A", "").await.unwrap();
    let record =
        store.create_policy_record(&zone.id, "race.example.com.", 60, &policy, 1).await.unwrap();
    const ROUNDS: u32 = 100;
    let (mover, recorder) = (store.clone(), store.clone());
    let id = record.id.clone();
    let moves = tokio::spawn(async move {
        for i in 0..ROUNDS {
            mover.update_policy_record(&id, None, 1 + i % 2, None).await.unwrap();
        }
    });
    let id = record.id.clone();
    let states = tokio::spawn(async move {
        for i in 0..ROUNDS {
            let state =
                if i % 2 == 0 { PolicyRecordState::Applied } else { PolicyRecordState::Updating };
            recorder
                .set_policy_record_states(&[(id.clone(), state, format!("round {i}"))])
                .await
                .unwrap();
        }
    });
    moves.await.unwrap();
    states.await.unwrap();
    // Both ran to the end; the record is at one of the two versions.
    let last = store.get_policy_record(&record.id).await.unwrap();
    assert!(matches!(last.policy_version, 1 | 2));
}

/// The states write takes the serial before any row: while another transaction holds the
/// serial and then updates the same policy record, the states write waits instead of holding
/// that row (on PostgreSQL the opposite order was a deadlock, and one of the two was
/// aborted). SQLite serialises whole write transactions, so this is a PostgreSQL test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_states_write_takes_the_serial_before_the_row() {
    let (dir, store, zone, policy) = setup("precords-lock-order").await;
    let Some(url) = dir.url() else { return };
    let record =
        store.create_policy_record(&zone.id, "order.example.com.", 60, &policy, 1).await.unwrap();
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let mut other = pool.begin().await.unwrap();
    // Another writer takes the serial first, as every write does...
    sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'serial'")
        .execute(&mut *other)
        .await
        .unwrap();
    let recorder = store.clone();
    let id = record.id.clone();
    let states = tokio::spawn(async move {
        recorder
            .set_policy_record_states(&[(id, PolicyRecordState::Failed, "lock order".into())])
            .await
    });
    // ...the states write starts meanwhile and must wait for it without holding the row...
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // ...so that the other writer can update the row (this deadlocked before).
    sqlx::query("UPDATE policy_records SET message = 'other' WHERE id = $1")
        .bind(&record.id)
        .execute(&mut *other)
        .await
        .expect("the other writer updates the row the states write has not taken");
    other.rollback().await.unwrap();
    let changed = states.await.unwrap().expect("the states write goes on after the other one");
    assert_eq!(changed.len(), 1);
    let now = store.get_policy_record(&record.id).await.unwrap();
    assert_eq!((now.state, now.message.as_str()), (PolicyRecordState::Failed, "lock order"));
    pool.close().await;
}
