//! Tags of hosted zones and health checks.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fresh, no_change, one_change};
use store::{ChangeKind, MAX_TAGS_PER_RESOURCE, StoreError, Tag, TaggedResource};

const CONFIG: &str = r#"{"Type":"TCP","IPAddress":"192.0.2.1","Port":22}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag::new(key, value)
}

fn keys(n: usize, prefix: &str) -> Vec<Tag> {
    (0..n).map(|i| tag(&format!("{prefix}{i:02}"), "v")).collect()
}

#[tokio::test]
async fn add_replace_remove_with_one_change_each() {
    let (_dir, store) = fresh("tags-crud").await;
    let zone = store.create_zone("tags.example", "", None).await.unwrap();
    let z = TaggedResource::HostedZone;
    assert!(store.tags(z, &zone.id).await.unwrap().is_empty());

    let before = store.serial().await.unwrap();
    let after = store
        .change_tags(z, &zone.id, &[tag("team", "dns"), tag("Env", "prod"), tag("env", "")], &[])
        .await
        .unwrap();
    let change = one_change(&store, before, ChangeKind::Tags).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert!(!ChangeKind::Tags.affects_answers());
    assert_eq!(change.detail, "tags of hosted zone tags.example.: added Env, env, team");
    // Keys are case-sensitive and sorted; an empty value is a value.
    let expected = vec![tag("Env", "prod"), tag("env", ""), tag("team", "dns")];
    assert_eq!(after, expected);
    assert_eq!(store.tags(z, &zone.id).await.unwrap(), expected);
    // Tags change no answer: the zone's serial stays.
    assert_eq!(store.get_zone(&zone.id).await.unwrap().serial, zone.serial);

    // Replace a value, remove one key and an absent one, add another: one change.
    let before = store.serial().await.unwrap();
    let after = store
        .change_tags(
            z,
            &zone.id,
            &[tag("team", "netops"), tag("cost", "42")],
            &["env".to_owned(), "absent".to_owned()],
        )
        .await
        .unwrap();
    let change = one_change(&store, before, ChangeKind::Tags).await;
    assert_eq!(
        change.detail,
        "tags of hosted zone tags.example.: added cost; changed team; removed env"
    );
    assert_eq!(after, vec![tag("Env", "prod"), tag("cost", "42"), tag("team", "netops")]);

    // Nothing to change: no serial, no change-log row.
    let before = store.serial().await.unwrap();
    let same = store
        .change_tags(z, &zone.id, &[tag("team", "netops")], &["absent".to_owned()])
        .await
        .unwrap();
    assert_eq!(same, after);
    no_change(&store, before).await;

    // Replace the whole set.
    let replaced = store.replace_tags(z, &zone.id, &[tag("only", "one")]).await.unwrap();
    one_change(&store, before, ChangeKind::Tags).await;
    assert_eq!(replaced, vec![tag("only", "one")]);
    assert_eq!(store.tags(z, &zone.id).await.unwrap(), replaced);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let (_dir, store) = fresh("tags-refused").await;
    let zone = store.create_zone("refused.example", "", None).await.unwrap();
    let check = store.create_health_check("ref", CONFIG).await.unwrap();
    let z = TaggedResource::HostedZone;
    let h = TaggedResource::HealthCheck;
    store.change_tags(z, &zone.id, &keys(45, "k"), &[]).await.unwrap();
    let before = store.serial().await.unwrap();
    let stored = store.tags(z, &zone.id).await.unwrap();

    let cases: Vec<(&str, store::Result<Vec<Tag>>)> = vec![
        ("51st tag", store.change_tags(z, &zone.id, &keys(6, "new"), &[]).await),
        (
            "replace with 51",
            store.replace_tags(z, &zone.id, &keys(MAX_TAGS_PER_RESOURCE + 1, "r")).await,
        ),
        ("empty key", store.change_tags(z, &zone.id, &[tag("", "v")], &[]).await),
        ("long key", store.change_tags(z, &zone.id, &[tag(&"k".repeat(129), "v")], &[]).await),
        ("long value", store.change_tags(z, &zone.id, &[tag("k", &"é".repeat(257))], &[]).await),
        ("key twice", store.change_tags(z, &zone.id, &[tag("a", "1"), tag("a", "2")], &[]).await),
        (
            "added and removed",
            store.change_tags(z, &zone.id, &[tag("a", "1")], &["a".to_owned()]).await,
        ),
        ("remove empty key", store.change_tags(z, &zone.id, &[], &[String::new()]).await),
        ("unknown zone", store.change_tags(z, "nope", &[tag("a", "1")], &[]).await),
        ("unknown check", store.change_tags(h, "nope", &[tag("a", "1")], &[]).await),
        ("zone id as a check", store.change_tags(h, &zone.id, &[tag("a", "1")], &[]).await),
        ("check id as a zone", store.change_tags(z, &check.id, &[tag("a", "1")], &[]).await),
    ];
    for (what, result) in cases {
        let err = result.unwrap_err();
        let ok = match what {
            "51st tag" | "replace with 51" => {
                matches!(&err, StoreError::TooMany(m) if m.contains("at most 50"))
            }
            w if w.starts_with("unknown") || w.contains(" as a ") => {
                matches!(err, StoreError::NotFound { .. })
            }
            _ => matches!(err, StoreError::Invalid(_)),
        };
        assert!(ok, "{what}: {err:?}");
    }
    no_change(&store, before).await;
    assert_eq!(store.tags(z, &zone.id).await.unwrap(), stored);

    // Exactly 50 is fine; replacing values does not count twice.
    store.change_tags(z, &zone.id, &keys(5, "new"), &[]).await.unwrap();
    assert_eq!(store.tags(z, &zone.id).await.unwrap().len(), MAX_TAGS_PER_RESOURCE);
    store.change_tags(z, &zone.id, &[tag("k00", "other")], &[]).await.unwrap();
    // At the limit, one removed makes room for one added in the same change.
    store.change_tags(z, &zone.id, &[tag("swap", "in")], &["k01".to_owned()]).await.unwrap();
    assert_eq!(store.tags(z, &zone.id).await.unwrap().len(), MAX_TAGS_PER_RESOURCE);
}

#[tokio::test]
async fn tags_go_with_their_resource() {
    let (dir, store) = fresh("tags-delete").await;
    let z = TaggedResource::HostedZone;
    let h = TaggedResource::HealthCheck;
    let zone = store.create_zone("gone.example", "", None).await.unwrap();
    let check = store.create_health_check("ref-gone", CONFIG).await.unwrap();
    let other = store.create_health_check("ref-kept", CONFIG).await.unwrap();
    store.change_tags(z, &zone.id, &[tag("a", "1")], &[]).await.unwrap();
    store.change_tags(h, &check.id, &[tag("b", "2")], &[]).await.unwrap();
    store.change_tags(h, &other.id, &[tag("c", "3")], &[]).await.unwrap();

    // Several resources in one read, in the order asked; one unknown id fails the read.
    let both = store.tags_of(h, &[&other.id, &check.id]).await.unwrap();
    assert_eq!(both, vec![vec![tag("c", "3")], vec![tag("b", "2")]]);
    assert!(matches!(
        store.tags_of(h, &[&other.id, "nope"]).await,
        Err(StoreError::NotFound { what: "health check", .. })
    ));

    let before = store.serial().await.unwrap();
    store.delete_zone(&zone.id).await.unwrap();
    one_change(&store, before, ChangeKind::Zone).await;
    store.delete_health_check(&check.id).await.unwrap();
    assert!(matches!(
        store.tags(z, &zone.id).await,
        Err(StoreError::NotFound { what: "hosted zone", .. })
    ));
    assert_eq!(store.tags(h, &other.id).await.unwrap(), vec![tag("c", "3")]);

    // A new zone of the same name starts without tags.
    let again = store.create_zone("gone.example", "", None).await.unwrap();
    assert!(store.tags(z, &again.id).await.unwrap().is_empty());

    // No row is left behind for the deleted resources.
    store.close().await;
    let left = common::pairs_raw(&dir, "SELECT resource_type, resource_id FROM tags").await;
    assert_eq!(left, vec![("healthcheck".to_owned(), other.id.clone())]);
}

#[tokio::test]
async fn a_failed_zone_deletion_keeps_the_tags() {
    let (_dir, store) = fresh("tags-keep").await;
    let z = TaggedResource::HostedZone;
    let zone = store
        .replace_zone_records("kept.example", common::example_records("kept.example."))
        .await
        .unwrap()
        .0;
    store.change_tags(z, &zone.id, &[tag("a", "1")], &[]).await.unwrap();
    let before = store.serial().await.unwrap();
    assert!(matches!(store.delete_empty_zone(&zone.id).await, Err(StoreError::InUse(_))));
    no_change(&store, before).await;
    assert_eq!(store.tags(z, &zone.id).await.unwrap(), vec![tag("a", "1")]);
}
