//! `Store::copy_to`: a populated SQLite store copied to PostgreSQL (and back) reads the same
//! through every part of the API, and the copy's serial carries on; a non-empty destination
//! or another schema version is refused with nothing written; an empty store copies.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DOC_A, DOC_AAAA, TempDir, example_records, fresh, fresh_sqlite};
use store::{
    CidrAction, CidrChange, CopyReport, NodeInfo, PolicyRecordState, Rrset, RrsetAction,
    RrsetChange, SKIPPED_TABLES, Store, StoreError, Tag, TaggedResource,
};

/// A new, empty PostgreSQL store on the tests' throwaway server.
async fn fresh_postgres() -> Store {
    Store::open_url(&pgtest::shared().create_database()).await.unwrap()
}

fn routed(name: &str, set: &str, value: &str, routing: String) -> RrsetChange {
    RrsetChange {
        action: RrsetAction::Create,
        rrset: Rrset {
            name: name.into(),
            rtype: "A".into(),
            set_identifier: Some(set.into()),
            ttl: 60,
            values: vec![value.into()],
            routing: Some(routing),
        },
    }
}

/// What `populate` made, to look things up by id afterwards.
struct Made {
    zones: Vec<String>,
    policies: Vec<String>,
    checks: Vec<String>,
}

/// A store with a row of every kind the copy carries: zones with records (plain, routed with
/// set identifiers, one naming a CIDR collection), policies with several versions (a deleted
/// one, and a policy whose only version was deleted), a policy record with a state, health
/// checks (one with an override), tags of both kinds of resource, a CIDR collection with
/// blocks in two locations, a zone without caller reference, non-ASCII text, and one
/// change-log row per write.
async fn populate(store: &Store) -> Made {
    let (collection, _) = store.create_cidr_collection("offices", "cidr-ref", 100).await.unwrap();
    let put = |location: &str, cidrs: &[&str]| CidrChange {
        action: CidrAction::Put,
        location: location.into(),
        cidrs: cidrs.iter().map(|c| (*c).to_owned()).collect(),
    };
    store
        .change_cidr_collection(
            &collection.id,
            Some(1),
            &[put("east", &["192.0.2.0/24", "2001:db8::/32"]), put("west", &["198.51.100.0/24"])],
            100,
        )
        .await
        .unwrap();
    let zone = store
        .create_zone_with_records(
            "example.com",
            "the main zone, ünïcode",
            Some("zone-ref"),
            example_records("example.com."),
        )
        .await
        .unwrap();
    let cidr_routing = |location: &str| {
        format!(
            r#"{{"CidrRoutingConfig":{{"CollectionId":"{}","LocationName":"{location}"}}}}"#,
            collection.id
        )
    };
    store
        .change_record_sets(
            &zone.id,
            vec![
                routed("geo.example.com.", "east", "192.0.2.10", cidr_routing("east")),
                routed("geo.example.com.", "west", "192.0.2.11", cidr_routing("west")),
                routed("w.example.com.", "one", "192.0.2.20", r#"{"Weight":3}"#.into()),
                routed("w.example.com.", "two", "192.0.2.21", r#"{"Weight":0}"#.into()),
            ],
            "routed sets",
        )
        .await
        .unwrap();
    let other = store.create_zone("example.net", "", None).await.unwrap();

    let web = store.create_policy("web", DOC_A, "A", "first").await.unwrap();
    store.create_policy_version(&web.policy_id, DOC_A, "A", "second").await.unwrap();
    store.create_policy_version(&web.policy_id, DOC_A, "A", "third, deleted").await.unwrap();
    store.delete_policy_version(&web.policy_id, 3).await.unwrap();
    store.update_policy_comment(&web.policy_id, 1, "first, renamed").await.unwrap();
    let gone = store.create_policy("gone", DOC_AAAA, "AAAA", "only").await.unwrap();
    store.delete_policy_version(&gone.policy_id, 1).await.unwrap();

    let record = store
        .create_policy_record(&zone.id, "app.example.com", 120, &web.policy_id, 2)
        .await
        .unwrap();
    store.set_policy_record_state(&record.id, PolicyRecordState::Applied, "applied").await.unwrap();

    let config = r#"{"Type":"HTTP","IPAddress":"192.0.2.1","Port":80,"ResourcePath":"/"}"#;
    let check = store.create_health_check("hc-ref", config).await.unwrap();
    let plain = store.create_health_check("hc-ref-2", "{}").await.unwrap();
    store.set_health_override(&check.id, false, "ops", "maintenance window").await.unwrap();

    store
        .change_tags(
            TaggedResource::HostedZone,
            &zone.id,
            &[Tag::new("team", "dns"), Tag::new("env", "prod")],
            &[],
        )
        .await
        .unwrap();
    store
        .change_tags(TaggedResource::HealthCheck, &check.id, &[Tag::new("owner", "")], &[])
        .await
        .unwrap();

    Made {
        zones: vec![zone.id, other.id],
        policies: vec![web.policy_id, gone.policy_id],
        checks: vec![check.id, plain.id],
    }
}

/// Asserts that two stores read the same through every part of the API.
async fn assert_same(a: &Store, b: &Store, made: &Made) {
    assert_eq!(a.load_all().await.unwrap(), b.load_all().await.unwrap());
    assert_eq!(a.list_zones().await.unwrap(), b.list_zones().await.unwrap());
    assert_eq!(a.soa_serials().await.unwrap(), b.soa_serials().await.unwrap());
    for zone in &made.zones {
        assert_eq!(a.zone_records(zone).await.unwrap(), b.zone_records(zone).await.unwrap());
        assert_eq!(
            a.tags(TaggedResource::HostedZone, zone).await.unwrap(),
            b.tags(TaggedResource::HostedZone, zone).await.unwrap()
        );
    }
    assert_eq!(a.list_policies().await.unwrap(), b.list_policies().await.unwrap());
    for policy in &made.policies {
        assert_eq!(
            a.list_policy_versions(policy).await.unwrap(),
            b.list_policy_versions(policy).await.unwrap()
        );
        for version in 1..=3 {
            let (x, y) = (
                a.get_policy_version(policy, Some(version)).await,
                b.get_policy_version(policy, Some(version)).await,
            );
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "{policy} version {version}");
        }
    }
    assert_eq!(
        a.list_policy_records(None).await.unwrap(),
        b.list_policy_records(None).await.unwrap()
    );
    assert_eq!(a.list_health_checks().await.unwrap(), b.list_health_checks().await.unwrap());
    assert_eq!(a.health_overrides().await.unwrap(), b.health_overrides().await.unwrap());
    for check in &made.checks {
        assert_eq!(
            a.tags(TaggedResource::HealthCheck, check).await.unwrap(),
            b.tags(TaggedResource::HealthCheck, check).await.unwrap()
        );
    }
    assert_eq!(a.cidr_collections().await.unwrap(), b.cidr_collections().await.unwrap());
    assert_eq!(a.serial().await.unwrap(), b.serial().await.unwrap());
    assert_eq!(a.changes_since(0).await.unwrap(), b.changes_since(0).await.unwrap());
}

/// The report's tables, with their row counts, and that both sides agree.
fn rows_by_table(report: &CopyReport) -> Vec<(&'static str, u64)> {
    for t in &report.tables {
        assert_eq!(t.source, t.destination, "{}", t.table);
    }
    report.tables.iter().map(|t| (t.table, t.source.rows)).collect()
}

fn rows_of(report: &CopyReport, table: &str) -> u64 {
    report.tables.iter().find(|t| t.table == table).unwrap().source.rows
}

#[tokio::test]
async fn a_populated_sqlite_store_copied_to_postgres_reads_the_same() {
    let (_dir, source) = fresh_sqlite("copy-to-pg").await;
    let made = populate(&source).await;
    // A node's registration is the node's own: not copied.
    source
        .register_node(&NodeInfo {
            id: "node-a".into(),
            roles: "dns".into(),
            dns: true,
            region: "here".into(),
            dns_address: "127.0.0.1:53".into(),
            api_address: String::new(),
            version: "test".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            heartbeat_ms: 1,
            served_serial: 0,
        })
        .await
        .unwrap();
    let dest = fresh_postgres().await;

    let mut progress = Vec::new();
    let report =
        source.copy_to(&dest, |table, rows| progress.push((table.to_owned(), rows))).await.unwrap();

    assert_same(&source, &dest, &made).await;
    let serial = source.serial().await.unwrap();
    assert_eq!(report.serial, serial);
    assert_eq!(report.source_engine, store::EngineKind::Sqlite);
    assert_eq!(report.destination_engine, store::EngineKind::Postgres);
    assert_eq!(report.schema_version, store::known_schema_version());
    let by_table = rows_by_table(&report);
    assert_eq!(
        progress,
        by_table.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect::<Vec<_>>(),
        "progress is reported per table, in order"
    );
    let info = source.info().await.unwrap();
    assert_eq!(rows_of(&report, "zones"), info.zones as u64);
    assert_eq!(rows_of(&report, "records"), info.records as u64);
    assert_eq!(rows_of(&report, "policy_versions"), 4);
    assert_eq!(rows_of(&report, "policies"), 2, "the deleted policy is copied too");
    assert_eq!(rows_of(&report, "cidr_blocks"), 3);
    assert_eq!(rows_of(&report, "tags"), 3);
    assert_eq!(rows_of(&report, "health_check_overrides"), 1);
    assert_eq!(rows_of(&report, "change_log"), serial as u64);
    assert_eq!(rows_of(&report, "meta"), 1);
    assert!(report.tables.iter().all(|t| !SKIPPED_TABLES.contains(&t.table)));
    assert_eq!(report.skipped, SKIPPED_TABLES);
    assert!(dest.nodes().await.unwrap().is_empty(), "nodes are not copied");
    // The deleted policy's name is free on both.
    assert_eq!(dest.list_policies().await.unwrap().len(), 1);

    // The destination carries on from the source's serial.
    let zone = dest.create_zone("after.example", "", None).await.unwrap();
    assert_eq!(dest.serial().await.unwrap(), serial + 1);
    let changes = dest.changes_since(serial).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].serial, changes[0].zone_id.as_deref()), (serial + 1, Some(&*zone.id)));
    assert_eq!(source.serial().await.unwrap(), serial, "the source is left as it was");
    dest.close().await;
    source.close().await;
}

#[tokio::test]
async fn a_copy_to_postgres_and_back_to_sqlite_is_the_original() {
    let (_dir, original) = fresh_sqlite("copy-round-trip").await;
    let made = populate(&original).await;
    let middle = fresh_postgres().await;
    let there = original.copy_to(&middle, |_, _| {}).await.unwrap();
    let (_back_dir, back) = fresh_sqlite("copy-round-trip-back").await;
    let again = middle.copy_to(&back, |_, _| {}).await.unwrap();
    assert_eq!(again.source_engine, store::EngineKind::Postgres);
    assert_eq!(again.destination_engine, store::EngineKind::Sqlite);
    assert_same(&original, &back, &made).await;
    assert_eq!(there.tables, again.tables, "the same rows and digests both ways");
    original.close().await;
    middle.close().await;
    back.close().await;
}

#[tokio::test]
async fn a_non_empty_destination_is_refused_and_left_as_it_was() {
    let (_s, source) = fresh("copy-source").await;
    populate(&source).await;

    // A destination with a zone.
    let (_d, dest) = fresh("copy-busy").await;
    let zone = dest.create_zone("mine.example", "", None).await.unwrap();
    dest.change_tags(TaggedResource::HostedZone, &zone.id, &[Tag::new("k", "v")], &[])
        .await
        .unwrap();
    let before = dest.load_all().await.unwrap();
    let mut progress = 0;
    let err = source.copy_to(&dest, |_, _| progress += 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("not empty"), "{message}");
    assert!(message.contains("change serial 2"), "{message}");
    assert!(message.contains("1 row in zones"), "{message}");
    assert!(message.contains("1 row in tags"), "{message}");
    assert!(message.contains("2 rows in change_log"), "{message}");
    assert_eq!(progress, 0, "nothing was written");
    assert_eq!(dest.load_all().await.unwrap(), before);
    assert_eq!(dest.changes_since(0).await.unwrap().len(), 2);

    // A destination whose rows were all deleted again still has a history.
    let (_e, emptied) = fresh("copy-emptied").await;
    let z = emptied.create_zone("gone.example", "", None).await.unwrap();
    emptied.delete_zone(&z.id).await.unwrap();
    let err = source.copy_to(&emptied, |_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("change serial 2"), "{err}");
    assert_eq!(emptied.serial().await.unwrap(), 2);
    assert!(emptied.list_zones().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_empty_store_copies() {
    let (_s, source) = fresh("copy-empty").await;
    let (_d, dest) = fresh("copy-empty-dest").await;
    let report = source.copy_to(&dest, |_, _| {}).await.unwrap();
    assert_eq!(report.serial, 0);
    for (table, rows) in rows_by_table(&report) {
        assert_eq!(rows, u64::from(table == "meta"), "{table}");
    }
    assert_eq!(dest.serial().await.unwrap(), 0);
    assert!(dest.load_all().await.unwrap().zones.is_empty());
    dest.create_zone("first.example", "", None).await.unwrap();
    assert_eq!(dest.serial().await.unwrap(), 1);
    // A store copied into is no longer empty.
    let err = source.copy_to(&dest, |_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("1 row in zones"), "{err}");
}

#[tokio::test]
async fn stores_of_different_schema_versions_are_refused() {
    let (_s, source) = fresh("copy-schema").await;
    populate(&source).await;
    let dir = TempDir::new("copy-schema-dest");
    let dest = Store::open(dir.path()).await.unwrap();
    // Make the destination look one migration behind.
    let url = format!("sqlite:{}", dir.path().join(store::DB_FILE_NAME).display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(store::known_schema_version())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = source.copy_to(&dest, |_, _| {}).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let message = err.to_string();
    let expected = format!(
        "schema version {} and the destination {}",
        store::known_schema_version(),
        store::known_schema_version() - 1
    );
    assert!(message.contains(&expected), "{message}");
    assert!(dest.list_zones().await.unwrap().is_empty());
    assert_eq!(dest.serial().await.unwrap(), 0);
}

#[tokio::test]
async fn a_row_the_destination_refuses_fails_the_whole_copy() {
    use sqlx::Connection;
    let (dir, source) = fresh_sqlite("copy-orphan").await;
    populate(&source).await;
    // A block of a collection that does not exist, written past the foreign keys.
    let url = format!("sqlite:{}", dir.path().join(store::DB_FILE_NAME).display());
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let mut conn =
        sqlx::SqliteConnection::connect_with(&options.foreign_keys(false)).await.unwrap();
    sqlx::query("INSERT INTO cidr_blocks (collection_id, location, cidr) VALUES ($1, $2, $3)")
        .bind("no-such-collection")
        .bind("x")
        .bind("203.0.113.0/24")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let dest = fresh_postgres().await;
    let mut written = Vec::new();
    let err = source.copy_to(&dest, |table, _| written.push(table.to_owned())).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("table cidr_blocks"), "{err}");
    assert_eq!(written, ["meta", "zones", "cidr_collections"], "it stopped at cidr_blocks");
    assert_eq!(dest.serial().await.unwrap(), 0, "the tables written before were rolled back");
    assert!(dest.list_zones().await.unwrap().is_empty());
    assert!(dest.changes_since(0).await.unwrap().is_empty());
    // The destination is still empty: a copy of a consistent store goes through.
    let (_other, clean) = fresh_sqlite("copy-clean").await;
    populate(&clean).await;
    clean.copy_to(&dest, |_, _| {}).await.unwrap();
    dest.close().await;
    source.close().await;
}
