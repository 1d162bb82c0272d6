//! CIDR collections: versions, block moves, refusals that change nothing, and the record sets
//! that use a collection.
#![allow(clippy::unwrap_used)]

mod common;

use common::{example_records, fresh, no_change, one_change, rec};
use store::{
    ChangeKind, CidrAction, CidrBlock, CidrChange, NewRecord, Rrset, RrsetAction, RrsetChange,
    Store, StoreError,
};

const MANY: u64 = 1000;

fn put(location: &str, cidrs: &[&str]) -> CidrChange {
    CidrChange {
        action: CidrAction::Put,
        location: location.into(),
        cidrs: cidrs.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn delete(location: &str, cidrs: &[&str]) -> CidrChange {
    CidrChange { action: CidrAction::DeleteIfExists, ..put(location, cidrs) }
}

/// The collection's blocks as (location, block) pairs, in the store's order.
async fn blocks(store: &Store, id: &str) -> Vec<(String, String)> {
    store
        .cidr_collection(id)
        .await
        .unwrap()
        .blocks
        .into_iter()
        .map(|CidrBlock { location, cidr }| (location, cidr))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(l, c)| ((*l).to_owned(), (*c).to_owned())).collect()
}

fn routing(collection: &str, location: &str) -> String {
    format!(
        r#"{{"CidrRoutingConfig":{{"CollectionId":"{collection}","LocationName":"{location}"}}}}"#
    )
}

fn routed(name: &str, set: &str, value: &str, collection: &str, location: &str) -> RrsetChange {
    RrsetChange {
        action: RrsetAction::Create,
        rrset: Rrset {
            name: name.into(),
            rtype: "A".into(),
            set_identifier: Some(set.into()),
            ttl: 60,
            values: vec![value.into()],
            routing: Some(routing(collection, location)),
        },
    }
}

#[tokio::test]
async fn create_is_idempotent_per_caller_reference() {
    let (_dir, store) = fresh("cidr-create").await;
    let before = store.serial().await.unwrap();
    let (c, created) = store.create_cidr_collection("offices", "ref-1", MANY).await.unwrap();
    assert!(created);
    let change = one_change(&store, before, ChangeKind::CidrCollection).await;
    assert!(change.kind.affects_answers());
    assert_eq!(change.zone_id, None);
    assert_eq!(change.cidr_collection_id(), Some(c.id.as_str()));
    assert_eq!((c.name.as_str(), c.caller_reference.as_str(), c.version), ("offices", "ref-1", 1));
    assert_eq!(c.id.len(), 36);
    assert!(c.id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-'));

    // A retry writes nothing and returns the same collection.
    let before = store.serial().await.unwrap();
    let (again, created) = store.create_cidr_collection("offices", "ref-1", MANY).await.unwrap();
    assert!(!created);
    assert_eq!(again, c);
    no_change(&store, before).await;

    for (name, reference, what) in
        [("offices", "ref-2", "already exists"), ("branches", "ref-1", "was already used")]
    {
        let err = store.create_cidr_collection(name, reference, MANY).await.unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
        assert!(err.to_string().contains(what), "{err}");
    }
    for (name, reference) in [
        ("", "r"),
        ("has space", "r"),
        ("dotted.name", "r"),
        (&*"n".repeat(65), "r"),
        ("ok", ""),
        ("ok", &*"r".repeat(65)),
    ] {
        let err = store.create_cidr_collection(name, reference, MANY).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{name:?} {reference:?}: {err}");
    }
    no_change(&store, before).await;

    // The limit counts existing collections.
    store.create_cidr_collection("second", "ref-2", 2).await.unwrap();
    let before = store.serial().await.unwrap();
    let err = store.create_cidr_collection("third", "ref-3", 2).await.unwrap_err();
    assert!(matches!(err, StoreError::TooMany(_)), "{err}");
    no_change(&store, before).await;
    let names: Vec<String> =
        store.list_cidr_collections().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["offices", "second"]);
}

#[tokio::test]
async fn changes_apply_together_and_count_versions() {
    let (_dir, store) = fresh("cidr-change").await;
    let (c, _) = store.create_cidr_collection("net", "r", MANY).await.unwrap();

    let before = store.serial().await.unwrap();
    let (after, serial) = store
        .change_cidr_collection(
            &c.id,
            Some(1),
            &[put("fra", &["192.0.2.0/24", "2001:db8::/32"]), put("ams", &["198.51.100.0/24"])],
            MANY,
        )
        .await
        .unwrap();
    let change = one_change(&store, before, ChangeKind::CidrCollection).await;
    assert_eq!(change.serial, serial);
    assert_eq!(change.cidr_collection_id(), Some(c.id.as_str()));
    assert_eq!(after.version, 2);
    assert_eq!(
        blocks(&store, &c.id).await,
        pairs(&[("ams", "198.51.100.0/24"), ("fra", "192.0.2.0/24"), ("fra", "2001:db8::/32")])
    );
    assert_eq!(store.cidr_collection(&c.id).await.unwrap().locations(), ["ams", "fra"]);

    // Moving a block: delete from one location and put in another, in either order.
    let (after, _) = store
        .change_cidr_collection(
            &c.id,
            None,
            &[put("ams", &["192.0.2.0/24"]), delete("fra", &["192.0.2.0/24"])],
            MANY,
        )
        .await
        .unwrap();
    assert_eq!(after.version, 3);
    assert_eq!(
        blocks(&store, &c.id).await,
        pairs(&[("ams", "192.0.2.0/24"), ("ams", "198.51.100.0/24"), ("fra", "2001:db8::/32")])
    );

    // A put of a block already there and a delete of one that is absent (or in another
    // location) change no block, but the call still counts as a version.
    let (after, _) = store
        .change_cidr_collection(
            &c.id,
            Some(3),
            &[put("ams", &["192.0.2.0/24"]), delete("fra", &["203.0.113.0/24", "192.0.2.0/24"])],
            MANY,
        )
        .await
        .unwrap();
    assert_eq!(after.version, 4);
    assert_eq!(blocks(&store, &c.id).await.len(), 3);

    // Emptying a location removes it.
    store
        .change_cidr_collection(&c.id, None, &[delete("fra", &["2001:db8::/32"])], MANY)
        .await
        .unwrap();
    assert_eq!(store.cidr_collection(&c.id).await.unwrap().locations(), ["ams"]);
}

#[tokio::test]
async fn refused_changes_change_nothing() {
    let (_dir, store) = fresh("cidr-refuse").await;
    let (c, _) = store.create_cidr_collection("net", "r", MANY).await.unwrap();
    store
        .change_cidr_collection(&c.id, None, &[put("a", &["192.0.2.0/24", "10.0.0.0/8"])], MANY)
        .await
        .unwrap();
    let snapshot = blocks(&store, &c.id).await;
    let before = store.serial().await.unwrap();

    // (CollectionVersion, changes, block limit, error kind, part of the message)
    type Case = (Option<i64>, Vec<CidrChange>, u64, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            Some(1),
            vec![put("b", &["203.0.113.0/24"])],
            MANY,
            "VersionMismatch",
            "at version 2, not 1",
        ),
        (
            Some(3),
            vec![put("b", &["203.0.113.0/24"])],
            MANY,
            "VersionMismatch",
            "at version 2, not 3",
        ),
        (None, vec![put("b", &["192.0.2.0/24"])], MANY, "InUse", "already in location a"),
        (
            None,
            vec![put("b", &["203.0.113.0/24"]), put("c", &["203.0.113.0/24"])],
            MANY,
            "InUse",
            "put in both b and c",
        ),
        (
            None,
            vec![put("b", &["203.0.113.0/24"]), delete("b", &["203.0.113.0/24"])],
            MANY,
            "Invalid",
            "both PUT and DELETE_IF_EXISTS",
        ),
        (None, vec![put("b", &["203.0.113.0/24"])], 2, "TooMany", "would hold 3 blocks"),
        (None, vec![put("b", &["203.0.113.1/24"])], MANY, "Invalid", "203.0.113.0/24"),
        (None, vec![put("b", &["2001:DB8::/32"])], MANY, "Invalid", "2001:db8::/32"),
        (None, vec![put("b", &["nonsense"])], MANY, "Invalid", "no prefix length"),
        (None, vec![put("bad name", &["203.0.113.0/24"])], MANY, "Invalid", "location name"),
        (None, vec![put(&"l".repeat(17), &["203.0.113.0/24"])], MANY, "Invalid", "location name"),
        (None, vec![], MANY, "Invalid", "needs changes"),
    ];
    for (version, changes, max, kind, text) in cases {
        let err = store.change_cidr_collection(&c.id, version, &changes, max).await.unwrap_err();
        let got = match err {
            StoreError::VersionMismatch(_) => "VersionMismatch",
            StoreError::InUse(_) => "InUse",
            StoreError::Invalid(_) => "Invalid",
            StoreError::TooMany(_) => "TooMany",
            _ => "other",
        };
        assert_eq!(got, kind, "{changes:?}: {err}");
        assert!(err.to_string().contains(text), "{changes:?}: {err}");
    }
    let err = store
        .change_cidr_collection(
            "0f3c7a5e-1111-4222-8333-444455556666",
            None,
            &[put("a", &[])],
            MANY,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "CIDR collection", .. }), "{err}");
    no_change(&store, before).await;
    assert_eq!(blocks(&store, &c.id).await, snapshot);
    assert_eq!(store.cidr_collection(&c.id).await.unwrap().collection.version, 2);
}

#[tokio::test]
async fn record_sets_use_collections_that_exist() {
    let (_dir, store) = fresh("cidr-records").await;
    let zone = store
        .create_zone_with_records("example.com", "", None, example_records("example.com."))
        .await
        .unwrap();
    let (c, _) = store.create_cidr_collection("net", "r", MANY).await.unwrap();
    let (other, _) = store.create_cidr_collection("spare", "r2", MANY).await.unwrap();
    store.change_cidr_collection(&c.id, None, &[put("a", &["192.0.2.0/24"])], MANY).await.unwrap();
    let missing = "0f3c7a5e-1111-4222-8333-444455556666";

    // A batch naming a collection that does not exist is refused as a whole.
    let before = store.serial().await.unwrap();
    let err = store
        .change_record_sets(
            &zone.id,
            vec![
                routed("ip.example.com.", "a", "192.0.2.1", &c.id, "a"),
                routed("ip.example.com.", "b", "192.0.2.2", missing, "*"),
            ],
            "",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("change 2: "), "{err}");
    assert!(err.to_string().contains(missing), "{err}");
    no_change(&store, before).await;
    assert!(store.cidr_collection_zones(&c.id).await.unwrap().is_empty());

    store
        .change_record_sets(
            &zone.id,
            vec![
                routed("ip.example.com.", "a", "192.0.2.1", &c.id, "a"),
                routed("ip.example.com.", "default", "192.0.2.2", &c.id, "*"),
            ],
            "",
        )
        .await
        .unwrap();
    assert_eq!(store.cidr_collection_zones(&c.id).await.unwrap(), [zone.id.as_str()]);
    assert!(store.cidr_collection_zones(&other.id).await.unwrap().is_empty());

    // In use: neither emptying nor record sets let it be deleted; the message names both.
    let before = store.serial().await.unwrap();
    let err = store.delete_cidr_collection(&c.id).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("1 CIDR blocks in 1 locations (a)"), "{text}");
    assert!(text.contains("2 record sets use it"), "{text}");
    assert!(
        text.contains("zone example.com.: [name='ip.example.com.', type='A', set-identifier='a']"),
        "{text}"
    );
    no_change(&store, before).await;

    // Empty but used: still refused.
    store
        .change_cidr_collection(&c.id, None, &[delete("a", &["192.0.2.0/24"])], MANY)
        .await
        .unwrap();
    let err = store.delete_cidr_collection(&c.id).await.unwrap_err();
    assert!(err.to_string().contains("2 record sets use it"), "{err}");
    assert!(!err.to_string().contains("CIDR blocks"), "{err}");

    // Deleting the record sets frees it.
    let mut deletes = Vec::new();
    for (set, value, location) in [("a", "192.0.2.1", "a"), ("default", "192.0.2.2", "*")] {
        let mut d = routed("ip.example.com.", set, value, &c.id, location);
        d.action = RrsetAction::Delete;
        deletes.push(d);
    }
    store.change_record_sets(&zone.id, deletes, "").await.unwrap();
    assert!(store.cidr_collection_zones(&c.id).await.unwrap().is_empty());
    let before = store.serial().await.unwrap();
    store.delete_cidr_collection(&c.id).await.unwrap();
    let change = one_change(&store, before, ChangeKind::CidrCollection).await;
    assert_eq!(change.cidr_collection_id(), Some(c.id.as_str()));
    assert!(matches!(store.cidr_collection(&c.id).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(store.delete_cidr_collection(&c.id).await, Err(StoreError::NotFound { .. })));

    // Whole-zone writes check the collections too.
    let mut records = example_records("example.com.");
    records.push(NewRecord {
        set_identifier: Some("x".into()),
        routing: Some(routing(&c.id, "a")),
        ..rec("ip.example.com.", "A", 60, "192.0.2.9")
    });
    let before = store.serial().await.unwrap();
    let err = store.replace_zone_records("example.com.", records).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    no_change(&store, before).await;
}

#[tokio::test]
async fn snapshots_include_collections() {
    let (_dir, store) = fresh("cidr-load").await;
    let (a, _) = store.create_cidr_collection("first", "r1", MANY).await.unwrap();
    let (b, _) = store.create_cidr_collection("second", "r2", MANY).await.unwrap();
    store
        .change_cidr_collection(
            &b.id,
            None,
            &[put("x", &["2001:db8::/48"]), put("w", &["192.0.2.128/25"])],
            MANY,
        )
        .await
        .unwrap();
    let all = store.load_all().await.unwrap();
    assert_eq!(all.serial, store.serial().await.unwrap());
    let ids: Vec<(&str, i64)> = all
        .cidr_collections
        .iter()
        .map(|c| (c.collection.id.as_str(), c.collection.version))
        .collect();
    assert_eq!(ids, [(a.id.as_str(), 1), (b.id.as_str(), 2)]);
    assert!(all.cidr_collections[0].blocks.is_empty());
    let second: Vec<(String, String)> = all.cidr_collections[1]
        .blocks
        .iter()
        .map(|b| (b.location.clone(), b.cidr.clone()))
        .collect();
    assert_eq!(second, pairs(&[("w", "192.0.2.128/25"), ("x", "2001:db8::/48")]));
    assert_eq!(store.cidr_collections().await.unwrap(), all.cidr_collections);
}
