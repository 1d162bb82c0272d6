//! Traffic policies and versions.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DOC_A, DOC_AAAA, fresh, no_change, one_change};
use store::{ChangeKind, MAX_DOCUMENT_LEN, MAX_POLICY_VERSIONS, StoreError};

#[tokio::test]
async fn documents_are_kept_byte_exact() {
    let (_dir, store) = fresh("policies-exact").await;
    let document = "{\r\n  \"RecordType\" : \"A\",\t\"Comment\": \"caf\u{e9} \\u00e9 \u{1f600}\",\n\
                    \"Dup\": 1, \"Dup\": 2 }   \n\n";
    let before = store.serial().await.unwrap();
    let v1 = store.create_policy("exact", document, "a", "first").await.unwrap();
    let change = one_change(&store, before, ChangeKind::Policy).await;
    assert_eq!(change.zone_id, None);
    assert_eq!(v1.version, 1);
    assert_eq!(v1.name, "exact");
    assert_eq!(v1.record_type, "A");
    assert_eq!(v1.comment, "first");
    assert!(!v1.deleted);
    assert_eq!(v1.document, document);
    let read = store.get_policy_version(&v1.policy_id, Some(1)).await.unwrap();
    assert_eq!(read, v1);
    assert_eq!(read.document.as_bytes(), document.as_bytes());
    assert_eq!(store.get_policy_version(&v1.policy_id, None).await.unwrap(), v1);
}

#[tokio::test]
async fn version_numbers_are_never_reused() {
    let (_dir, store) = fresh("policies-versions").await;
    let v1 = store.create_policy("web", DOC_A, "A", "").await.unwrap();
    let id = v1.policy_id.clone();
    let before = store.serial().await.unwrap();
    let v2 = store.create_policy_version(&id, DOC_AAAA, "AAAA", "v2").await.unwrap();
    one_change(&store, before, ChangeKind::Policy).await;
    let v3 = store.create_policy_version(&id, DOC_A, "A", "v3").await.unwrap();
    assert_eq!((v2.version, v3.version), (2, 3));
    assert_eq!(v2.record_type, "AAAA");

    let before = store.serial().await.unwrap();
    store.delete_policy_version(&id, 2).await.unwrap();
    one_change(&store, before, ChangeKind::Policy).await;
    store.delete_policy_version(&id, 3).await.unwrap();
    let latest = store.get_policy_version(&id, None).await.unwrap();
    assert_eq!(latest.version, 1);

    let v4 = store.create_policy_version(&id, DOC_A, "A", "v4").await.unwrap();
    assert_eq!(v4.version, 4, "create v1-v3, delete v2-v3: next is v4");
    let listed: Vec<u32> =
        store.list_policy_versions(&id).await.unwrap().into_iter().map(|v| v.version).collect();
    assert_eq!(listed, [1, 4]);

    // A deleted version can still be read by number (Route 53 soft delete).
    let old = store.get_policy_version(&id, Some(2)).await.unwrap();
    assert!(old.deleted);
    assert_eq!(old.document, DOC_AAAA);
    assert_eq!(old.comment, "v2");
    // But it cannot be deleted again or commented.
    let before = store.serial().await.unwrap();
    let err = store.delete_policy_version(&id, 2).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("deleted"), "{err}");
    let err = store.update_policy_comment(&id, 3, "x").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = store.get_policy_version(&id, Some(5)).await.unwrap_err();
    assert_eq!(err.to_string(), format!("traffic policy version not found: {id} version 5"));
    no_change(&store, before).await;
}

#[tokio::test]
async fn at_most_max_versions() {
    assert_eq!(MAX_POLICY_VERSIONS, 1000);
    let (dir, store) = fresh("policies-limit").await;
    let v1 = store.create_policy("limited", DOC_A, "A", "").await.unwrap();
    let id = v1.policy_id;
    // Skip ahead to the last allowed number without writing 998 versions: the counter lives
    // in the database, as it would after 998 creations (deleted or not).
    common::exec_raw(
        &dir,
        "UPDATE policies SET next_version = $1 WHERE id = $2",
        i64::from(MAX_POLICY_VERSIONS),
        &id,
    )
    .await;

    let last = store.create_policy_version(&id, DOC_A, "A", "").await.unwrap();
    assert_eq!(last.version, MAX_POLICY_VERSIONS);
    let before = store.serial().await.unwrap();
    let err = store.create_policy_version(&id, DOC_A, "A", "").await.unwrap_err();
    assert!(matches!(err, StoreError::TooMany(_)), "{err}");
    assert!(err.to_string().contains("1000 versions"), "{err}");
    no_change(&store, before).await;
    // Deleting versions does not make room: numbers are never reused.
    store.delete_policy_version(&id, MAX_POLICY_VERSIONS).await.unwrap();
    let err = store.create_policy_version(&id, DOC_A, "A", "").await.unwrap_err();
    assert!(matches!(err, StoreError::TooMany(_)), "{err}");
}

#[tokio::test]
async fn names_are_unique_among_live_policies() {
    let (_dir, store) = fresh("policies-names").await;
    let first = store.create_policy("web", DOC_A, "A", "").await.unwrap();
    let before = store.serial().await.unwrap();
    let err = store.create_policy("web", DOC_AAAA, "AAAA", "").await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    assert!(err.to_string().contains(&first.policy_id), "{err}");
    no_change(&store, before).await;
    // Names are case-sensitive, as in Route 53.
    store.create_policy("Web", DOC_A, "A", "").await.unwrap();

    // Deleting the last version deletes the policy and frees its name.
    store.delete_policy_version(&first.policy_id, 1).await.unwrap();
    let names: Vec<String> =
        store.list_policies().await.unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Web"]);
    let gone = store.get_policy_version(&first.policy_id, None).await.unwrap();
    assert!(gone.deleted);
    assert_eq!(gone.document, DOC_A);
    assert!(store.list_policy_versions(&first.policy_id).await.unwrap().is_empty());
    let err = store.create_policy_version(&first.policy_id, DOC_A, "A", "").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    let reused = store.create_policy("web", DOC_AAAA, "AAAA", "").await.unwrap();
    assert_ne!(reused.policy_id, first.policy_id);
    assert_eq!(reused.version, 1);
}

#[tokio::test]
async fn list_is_latest_summary_in_creation_order() {
    let (_dir, store) = fresh("policies-list").await;
    let b = store.create_policy("b", DOC_A, "A", "").await.unwrap();
    let a = store.create_policy("a", DOC_A, "A", "").await.unwrap();
    let c = store.create_policy("c", DOC_A, "A", "").await.unwrap();
    store.create_policy_version(&a.policy_id, DOC_AAAA, "AAAA", "").await.unwrap();
    store.create_policy_version(&a.policy_id, DOC_A, "A", "").await.unwrap();
    store.create_policy_version(&a.policy_id, DOC_AAAA, "AAAA", "").await.unwrap();
    store.delete_policy_version(&a.policy_id, 4).await.unwrap();
    store.delete_policy_version(&c.policy_id, 1).await.unwrap();

    let list = store.list_policies().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, b.policy_id);
    assert_eq!((list[0].latest_version, list[0].version_count), (1, 1));
    assert_eq!(list[1].id, a.policy_id);
    assert_eq!(list[1].name, "a");
    assert_eq!(list[1].record_type, "A", "type of the latest live version, 3");
    assert_eq!((list[1].latest_version, list[1].version_count), (3, 3));
    assert_eq!(list[1].created_at, a.created_at);
}

#[tokio::test]
async fn comments_and_inputs() {
    let (_dir, store) = fresh("policies-inputs").await;
    let v1 = store.create_policy("p", DOC_A, "A", "old").await.unwrap();
    let before = store.serial().await.unwrap();
    let updated = store.update_policy_comment(&v1.policy_id, 1, "new comment").await.unwrap();
    one_change(&store, before, ChangeKind::Policy).await;
    assert_eq!(updated.comment, "new comment");
    assert_eq!(updated.document, DOC_A);
    assert_eq!(store.get_policy_version(&v1.policy_id, Some(1)).await.unwrap(), updated);

    let before = store.serial().await.unwrap();
    let invalid = [
        store.create_policy("", DOC_A, "A", "").await,
        store.create_policy(&"n".repeat(513), DOC_A, "A", "").await,
        store.create_policy("q", "", "A", "").await,
        store.create_policy("q", &" ".repeat(MAX_DOCUMENT_LEN + 1), "A", "").await,
        store.create_policy("q", DOC_A, "", "").await,
        store.create_policy("q", DOC_A, "A", &"c".repeat(1025)).await,
        store.create_policy_version(&v1.policy_id, DOC_A, "A*", "").await,
        store.update_policy_comment(&v1.policy_id, 1, &"c".repeat(1025)).await,
    ];
    for result in invalid {
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    let unknown = [
        store.create_policy_version("nope", DOC_A, "A", "").await.unwrap_err(),
        store.update_policy_comment("nope", 1, "").await.unwrap_err(),
        store.update_policy_comment(&v1.policy_id, 9, "").await.unwrap_err(),
        store.delete_policy_version("nope", 1).await.unwrap_err(),
        store.get_policy_version("nope", None).await.unwrap_err(),
        store.list_policy_versions("nope").await.unwrap_err(),
    ];
    for err in unknown {
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    }
    no_change(&store, before).await;
    // A document of exactly the maximum size is fine.
    store.create_policy("big", &" ".repeat(MAX_DOCUMENT_LEN), "A", "").await.unwrap();
}
