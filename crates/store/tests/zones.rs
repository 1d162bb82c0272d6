//! Hosted zones and their records.
#![allow(clippy::unwrap_used)]

mod common;

use common::{example_records, fresh, no_change, one_change, rec};
use store::{ChangeKind, NewRecord, StoreError};

#[tokio::test]
async fn create_get_list_and_names() {
    let (_dir, store) = fresh("zones-basic").await;
    let before = store.serial().await.unwrap();
    let zone = store.create_zone("Example.COM", "my zone", Some("ref-1")).await.unwrap();
    let change = one_change(&store, before, ChangeKind::Zone).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert_eq!(zone.name, "example.com.");
    assert_eq!(zone.comment, "my zone");
    assert_eq!(zone.caller_reference.as_deref(), Some("ref-1"));
    assert_eq!(zone.id.len(), 32, "zone ids fit Route 53's 32-character HostedZoneId");
    assert_eq!(zone.record_count, 0);
    assert_eq!(zone.serial, change.serial);
    assert!(zone.created_at.ends_with('Z'));

    assert_eq!(store.get_zone(&zone.id).await.unwrap(), zone);
    assert_eq!(store.zone_by_name("EXAMPLE.com.").await.unwrap(), zone);
    store.create_zone("a.example.org.", "", None).await.unwrap();
    store.create_zone("b.example.", "", None).await.unwrap();
    let names: Vec<String> =
        store.list_zones().await.unwrap().into_iter().map(|z| z.name).collect();
    assert_eq!(names, ["a.example.org.", "b.example.", "example.com."]);
}

#[tokio::test]
async fn zone_rules() {
    let (_dir, store) = fresh("zones-rules").await;
    let zone = store.create_zone("example.com", "", Some("ref-1")).await.unwrap();
    let before = store.serial().await.unwrap();

    let err = store.create_zone("EXAMPLE.com.", "", None).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    assert!(err.to_string().contains("example.com."), "{err}");
    let err = store.create_zone("other.com", "", Some("ref-1")).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    let err = store.create_zone("bad..name", "", None).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = store.create_zone("ok.com", &"x".repeat(257), None).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = store.create_zone("ok.com", "", Some("")).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    no_change(&store, before).await;

    let err = store.get_zone("nope").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "hosted zone", .. }), "{err}");
    assert_eq!(err.to_string(), "hosted zone not found: nope");
    let err = store.zone_by_name("missing.com").await.unwrap_err();
    assert_eq!(err.to_string(), "hosted zone not found: missing.com.");
    assert!(matches!(store.zone_records("nope").await, Err(StoreError::NotFound { .. })));

    store.delete_zone(&zone.id).await.unwrap();
    one_change(&store, before, ChangeKind::Zone).await;
    assert!(matches!(store.get_zone(&zone.id).await, Err(StoreError::NotFound { .. })));
    let before = store.serial().await.unwrap();
    assert!(matches!(store.delete_zone(&zone.id).await, Err(StoreError::NotFound { .. })));
    no_change(&store, before).await;
    // The name is free again.
    store.create_zone("example.com", "", None).await.unwrap();
}

#[tokio::test]
async fn replace_creates_then_replaces_in_order() {
    let (_dir, store) = fresh("zones-replace").await;
    let before = store.serial().await.unwrap();
    let (zone, created) =
        store.replace_zone_records("Example.com", example_records("example.com.")).await.unwrap();
    assert!(created);
    let change = one_change(&store, before, ChangeKind::Records).await;
    assert_eq!(change.zone_id.as_deref(), Some(zone.id.as_str()));
    assert_eq!(zone.name, "example.com.");
    assert_eq!(zone.record_count, 6);
    assert_eq!(zone.serial, change.serial);
    assert_eq!(store.get_zone(&zone.id).await.unwrap(), zone);

    let rows = store.zone_records(&zone.id).await.unwrap();
    let expected = example_records("example.com.");
    assert_eq!(rows.len(), expected.len());
    for (i, (row, want)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(row.ordinal, i as i64);
        assert_eq!(row.name, want.name);
        assert_eq!(row.rtype, want.rtype);
        assert_eq!(row.ttl, want.ttl);
        assert_eq!(row.rdata, want.rdata);
        assert_eq!(row.set_identifier, None);
        assert_eq!(row.routing, None);
    }

    // Replacing: all old records go, the new ones are normalised and keep their order.
    let mut routed = rec("API.Example.com", "aaaa", 60, "2001:db8::1");
    routed.set_identifier = Some("eu".to_owned());
    routed.routing = Some(r#"{"Weight":3}"#.to_owned());
    let new = vec![
        rec("z.example.com.", "TXT", 10, "\"last\" \"first\""),
        routed,
        rec("example.com.", "A", 0, "192.0.2.9"),
    ];
    let before = store.serial().await.unwrap();
    let (again, created) = store.replace_zone_records("example.com.", new).await.unwrap();
    assert!(!created);
    one_change(&store, before, ChangeKind::Records).await;
    assert_eq!(again.id, zone.id);
    assert_eq!(again.created_at, zone.created_at);
    assert_eq!(again.record_count, 3);
    let rows = store.zone_records(&zone.id).await.unwrap();
    let summary: Vec<(&str, &str, u32, &str)> =
        rows.iter().map(|r| (r.name.as_str(), r.rtype.as_str(), r.ttl, r.rdata.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("z.example.com.", "TXT", 10, "\"last\" \"first\""),
            ("api.example.com.", "AAAA", 60, "2001:db8::1"),
            ("example.com.", "A", 0, "192.0.2.9"),
        ]
    );
    assert_eq!(rows[1].set_identifier.as_deref(), Some("eu"));
    assert_eq!(rows[1].routing.as_deref(), Some(r#"{"Weight":3}"#));

    // An empty batch empties the zone.
    let (empty, _) = store.replace_zone_records("example.com.", Vec::new()).await.unwrap();
    assert_eq!(empty.record_count, 0);
    assert!(store.zone_records(&zone.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_broken_batch_changes_nothing() {
    let (_dir, store) = fresh("zones-atomic").await;
    let (zone, _) =
        store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    let original = store.zone_records(&zone.id).await.unwrap();
    let before = store.serial().await.unwrap();

    let mut cases: Vec<(&str, Vec<NewRecord>)> = Vec::new();
    // A duplicate in the middle of the batch, after the old records were deleted and some
    // new ones inserted inside the transaction.
    let mut dup = example_records("example.com.");
    dup.insert(4, rec("WWW.example.com", "a", 300, "192.0.2.1"));
    cases.push(("duplicate", dup));
    let mut outside = example_records("example.com.");
    outside.push(rec("www.example.org.", "A", 300, "192.0.2.1"));
    cases.push(("outside the zone", outside));
    let mut bad_ttl = example_records("example.com.");
    bad_ttl.push(rec("x.example.com.", "A", 2_147_483_648, "192.0.2.1"));
    cases.push(("TTL", bad_ttl));
    let mut bad_type = example_records("example.com.");
    bad_type.push(rec("x.example.com.", "A B", 300, "192.0.2.1"));
    cases.push(("type", bad_type));
    let mut bad_name = example_records("example.com.");
    bad_name.push(rec("x..example.com.", "A", 300, "192.0.2.1"));
    cases.push(("name", bad_name));

    for (what, batch) in cases {
        let err = store.replace_zone_records("example.com.", batch).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{what}: {err}");
        assert!(err.to_string().starts_with("record "), "{what}: {err}");
        assert_eq!(store.zone_records(&zone.id).await.unwrap(), original, "{what}");
        assert_eq!(store.get_zone(&zone.id).await.unwrap(), zone, "{what}");
        no_change(&store, before).await;
    }

    // A duplicate found after several multi-row inserts already ran in the transaction.
    let mut big: Vec<NewRecord> = (0..700)
        .map(|i| {
            rec(&format!("h{i}.example.com."), "A", 60, &format!("10.0.{}.{}", i / 256, i % 256))
        })
        .collect();
    big.insert(650, rec("h3.example.com.", "A", 60, "10.0.0.3"));
    let err = store.replace_zone_records("example.com.", big).await.unwrap_err();
    assert!(err.to_string().starts_with("record 651 of 701"), "{err}");
    assert_eq!(store.zone_records(&zone.id).await.unwrap(), original);
    assert_eq!(store.get_zone(&zone.id).await.unwrap(), zone);
    no_change(&store, before).await;

    // A broken batch for a new zone does not create the zone.
    let mut dup = example_records("new.example.");
    dup.push(rec("new.example.", "NS", 3600, "ns1.new.example."));
    let err = store.replace_zone_records("new.example.", dup).await.unwrap_err();
    assert!(err.to_string().contains("given twice"), "{err}");
    assert!(matches!(store.zone_by_name("new.example.").await, Err(StoreError::NotFound { .. })));
    no_change(&store, before).await;
}

#[tokio::test]
async fn deleting_a_zone_deletes_its_records() {
    let (_dir, store) = fresh("zones-delete").await;
    let (zone, _) =
        store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    let (other, _) =
        store.replace_zone_records("example.net.", example_records("example.net.")).await.unwrap();
    store.delete_zone(&zone.id).await.unwrap();
    let contents = store.load_all().await.unwrap();
    assert_eq!(contents.zones.len(), 1);
    assert_eq!(contents.zones[0].0.id, other.id);
    assert_eq!(contents.zones[0].1.len(), 6);
    // Recreating the zone starts empty.
    let again = store.create_zone("example.com.", "", None).await.unwrap();
    assert!(store.zone_records(&again.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn wildcards_escapes_and_root() {
    let (_dir, store) = fresh("zones-names").await;
    let records = vec![
        rec("*.Example.com", "A", 60, "192.0.2.1"),
        rec(r"a\.b.example.com.", "TXT", 60, "\"dotted label\""),
        rec("_sip._tcp.example.com.", "SRV", 60, "0 5 5060 sip.example.com."),
    ];
    let (zone, _) = store.replace_zone_records("example.com", records).await.unwrap();
    let names: Vec<String> =
        store.zone_records(&zone.id).await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["*.example.com.", r"a\.b.example.com.", "_sip._tcp.example.com."]);
    // `a\.example.com.` is one label "a.example" under com., not a name in example.com.
    let err = store
        .replace_zone_records("example.com", vec![rec(r"a\.example.com.", "A", 60, "192.0.2.1")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("outside zone"), "{err}");
    let (root, _) =
        store.replace_zone_records(".", vec![rec("com.", "NS", 60, "a.gtld.")]).await.unwrap();
    assert_eq!(root.name, ".");
}
