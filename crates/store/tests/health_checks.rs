//! Health-check definitions.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fresh, no_change, one_change};
use store::{ChangeKind, StoreError};

const CONFIG: &str = r#"{"Type":"HTTP","IPAddress":"192.0.2.1","Port":80,"ResourcePath":"/"}"#;

#[tokio::test]
async fn crud_with_versions() {
    let (_dir, store) = fresh("health-crud").await;
    let before = store.serial().await.unwrap();
    let check = store.create_health_check("ref-1", CONFIG).await.unwrap();
    let change = one_change(&store, before, ChangeKind::HealthCheck).await;
    assert_eq!(change.zone_id, None);
    assert_eq!(check.version, 1);
    assert_eq!(check.config, CONFIG);
    assert_eq!(check.caller_reference, "ref-1");
    assert_eq!(store.get_health_check(&check.id).await.unwrap(), check);

    let second = store.create_health_check("ref-2", "{}").await.unwrap();
    let ids: Vec<String> =
        store.list_health_checks().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, [check.id.clone(), second.id.clone()]);

    let before = store.serial().await.unwrap();
    let updated = store.update_health_check(&check.id, "{\"Port\":81}", Some(1)).await.unwrap();
    one_change(&store, before, ChangeKind::HealthCheck).await;
    assert_eq!(updated.version, 2);
    assert_eq!(updated.created_at, check.created_at);
    let unconditional = store.update_health_check(&check.id, CONFIG, None).await.unwrap();
    assert_eq!(unconditional.version, 3);
    assert_eq!(store.get_health_check(&check.id).await.unwrap(), unconditional);

    let before = store.serial().await.unwrap();
    let err = store.update_health_check(&check.id, "{}", Some(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::VersionMismatch(_)), "{err}");
    assert!(err.to_string().contains("at version 3, not 2"), "{err}");
    let err = store.create_health_check("ref-1", "{}").await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    for bad in [
        store.create_health_check("", "{}").await,
        store.create_health_check(&"r".repeat(65), "{}").await,
        store.create_health_check("ref-3", "").await,
    ] {
        assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
    }
    assert!(matches!(store.get_health_check("nope").await, Err(StoreError::NotFound { .. })));
    assert!(matches!(
        store.update_health_check("nope", "{}", None).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(store.delete_health_check("nope").await, Err(StoreError::NotFound { .. })));
    no_change(&store, before).await;

    store.delete_health_check(&check.id).await.unwrap();
    one_change(&store, before, ChangeKind::HealthCheck).await;
    assert!(matches!(store.get_health_check(&check.id).await, Err(StoreError::NotFound { .. })));
    assert_eq!(store.list_health_checks().await.unwrap().len(), 1);
}

#[tokio::test]
async fn overrides_are_set_cleared_and_go_with_their_check() {
    let (_dir, store) = fresh("health-override").await;
    let check = store.create_health_check("ref-o", CONFIG).await.unwrap();
    let before = store.serial().await.unwrap();
    let o =
        store.set_health_override(&check.id, false, "ops@example", "maintenance").await.unwrap();
    one_change(&store, before, ChangeKind::HealthCheck).await;
    assert!(!o.healthy);
    assert_eq!(store.health_overrides().await.unwrap(), [o]);
    // Setting it again replaces it.
    let o2 = store.set_health_override(&check.id, true, "ops@example", "").await.unwrap();
    assert_eq!(store.health_overrides().await.unwrap(), [o2]);
    store.clear_health_override(&check.id, "ops@example").await.unwrap();
    assert!(store.health_overrides().await.unwrap().is_empty());
    let before = store.serial().await.unwrap();
    assert!(matches!(
        store.clear_health_override(&check.id, "ops").await,
        Err(StoreError::NotFound { .. })
    ));
    no_change(&store, before).await;
    assert!(matches!(
        store.set_health_override("nope", true, "ops", "").await,
        Err(StoreError::NotFound { .. })
    ));
    store.set_health_override(&check.id, false, "ops", "").await.unwrap();
    store.delete_health_check(&check.id).await.unwrap();
    assert!(store.health_overrides().await.unwrap().is_empty(), "deleted with the check");
}
