//! Upgrades: for every migration, a store written by the schema before it (built by applying
//! the migrations up to that one and inserting rows of every kind that schema holds, as the
//! release that had that schema would have written them) is opened by this build, migrated
//! to the newest schema, and everything in it is found through the store's API.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::TempDir;
use sqlx::Connection;
use store::{PolicyRecordState, RrsetAction, RrsetChange, Store, TaggedResource};

const ZONE_ID: &str = "0123456789abcdef0123456789abcdef";
const POLICY_ID: &str = "7b0c2f4e-1d3a-4c5b-9e8f-0a1b2c3d4e5f";
const RECORD_ID: &str = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
const CHECK_ID: &str = "c0ffee00-1234-4abc-8def-001122334455";
const COLLECTION_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const AT: &str = "2026-01-02T03:04:05Z";
const SOA: &str = "ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 300";
const DOC: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","Endpoints":{"e":{"Type":"value","Value":"192.0.2.10"}},"StartEndpoint":"e"}"#;
const CHECK: &str = r#"{"Type":"TCP","IPAddress":"192.0.2.9","Port":443}"#;
const ROUTING: &str = r#"{"CidrRoutingConfig":{"CollectionId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","LocationName":"east"}}"#;

/// The SQLite migrations as shipped, read from the source tree.
async fn migrator() -> sqlx::migrate::Migrator {
    engine_migrator("sqlite").await
}

async fn engine_migrator(engine: &str) -> sqlx::migrate::Migrator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    sqlx::migrate::Migrator::new(dir).await.unwrap()
}

/// Both engines have the same migrations, by number and name, so that a schema version means
/// the same tables on either and `store copy` can compare them.
#[tokio::test]
async fn both_engines_have_the_same_migrations() {
    let names = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
        m.iter().map(|m| (m.version, m.description.to_string())).collect()
    };
    let sqlite = engine_migrator("sqlite").await;
    let postgres = engine_migrator("postgres").await;
    assert!(sqlite.iter().count() >= 6);
    assert_eq!(names(&sqlite), names(&postgres));
}

async fn exec(c: &mut sqlx::SqliteConnection, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&mut *c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A store file at schema `version`, holding rows of every kind that schema has.
async fn write_fixture(path: &Path, version: i64) {
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    migrator().await.run_to(version, &mut c).await.unwrap();
    let zone_rows: [(&str, &str, &str); 4] = [
        ("example.com.", "SOA", SOA),
        ("example.com.", "NS", "ns1.example.com."),
        ("ns1.example.com.", "A", "192.0.2.53"),
        ("www.example.com.", "A", "192.0.2.80"),
    ];
    let mut changes = vec![("zone", Some(ZONE_ID), "created zone example.com.")];
    exec(
        &mut c,
        "INSERT INTO zones (id, name, comment, caller_reference, created_at, serial, record_count) \
         VALUES ($1, 'example.com.', 'the example', 'ref-1', $2, 1, $3)",
        &[ZONE_ID, AT, if version >= 4 { "5" } else { "4" }],
    )
    .await;
    for (i, (name, rtype, rdata)) in zone_rows.iter().enumerate() {
        exec(
            &mut c,
            &format!(
                "INSERT INTO records (zone_id, ordinal, name, rtype, ttl, rdata) \
                 VALUES ($1, {i}, $2, $3, 300, $4)"
            ),
            &[ZONE_ID, name, rtype, rdata],
        )
        .await;
    }
    exec(
        &mut c,
        "INSERT INTO policies (id, name, created_at, created_serial, latest_version, next_version) \
         VALUES ($1, 'steer', $2, 2, 1, 2)",
        &[POLICY_ID, AT],
    )
    .await;
    exec(
        &mut c,
        "INSERT INTO policy_versions (policy_id, version, document, comment, record_type, created_at) \
         VALUES ($1, 1, $2, 'first', 'A', $3)",
        &[POLICY_ID, DOC, AT],
    )
    .await;
    changes.push(("policy", None, "created policy steer"));
    exec(
        &mut c,
        "INSERT INTO policy_records (id, zone_id, name, record_type, ttl, policy_id, policy_version, \
         state, message, created_at, updated_at) \
         VALUES ($1, $2, 'app.example.com.', 'A', 60, $3, 1, 'Applied', '', $4, $4)",
        &[RECORD_ID, ZONE_ID, POLICY_ID, AT],
    )
    .await;
    changes.push(("policy_record", Some(ZONE_ID), "created policy record"));
    exec(
        &mut c,
        "INSERT INTO health_checks (id, caller_reference, config, version, created_at, created_serial) \
         VALUES ($1, 'hc-ref', $2, 1, $3, 4)",
        &[CHECK_ID, CHECK, AT],
    )
    .await;
    changes.push(("health_check", None, "created health check"));
    if version >= 2 {
        exec(
            &mut c,
            "INSERT INTO health_check_overrides (check_id, healthy, set_by, set_at, reason) \
             VALUES ($1, 0, 'alice', $2, 'maintenance')",
            &[CHECK_ID, AT],
        )
        .await;
        changes.push(("health_check", None, "override"));
    }
    if version >= 3 {
        exec(
            &mut c,
            "INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) \
             VALUES ('hostedzone', $1, 'env', 'prod')",
            &[ZONE_ID],
        )
        .await;
        changes.push(("tags", Some(ZONE_ID), "tags"));
    }
    if version >= 4 {
        exec(
            &mut c,
            "INSERT INTO cidr_collections (id, name, caller_reference, version, created_at, created_serial) \
             VALUES ($1, 'offices', 'cidr-ref', 2, $2, 7)",
            &[COLLECTION_ID, AT],
        )
        .await;
        exec(
            &mut c,
            "INSERT INTO cidr_blocks (collection_id, location, cidr) VALUES ($1, 'east', '198.51.100.0/24')",
            &[COLLECTION_ID],
        )
        .await;
        changes.push(("cidr_collection", None, "cidr collection"));
        exec(
            &mut c,
            "INSERT INTO records (zone_id, ordinal, name, rtype, ttl, rdata, set_identifier, routing, \
             cidr_collection_id) VALUES ($1, 4, 'ip.example.com.', 'A', 60, '192.0.2.44', 'east', $2, $3)",
            &[ZONE_ID, ROUTING, COLLECTION_ID],
        )
        .await;
        changes.push(("records", Some(ZONE_ID), "changed record sets"));
    }
    for (i, (kind, zone, detail)) in changes.iter().enumerate() {
        let mut q = sqlx::query(
            "INSERT INTO change_log (serial, changed_at, kind, zone_id, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i as i64 + 1)
        .bind(AT)
        .bind(*kind)
        .bind(*zone);
        q = q.bind(*detail);
        q.execute(&mut c).await.unwrap();
    }
    exec(&mut c, &format!("UPDATE meta SET value = {} WHERE key = 'serial'", changes.len()), &[])
        .await;
    c.close().await.unwrap();
}

/// Everything [`write_fixture`] wrote for schema `version`, read through the store's API.
async fn check_everything_is_there(store: &Store, version: i64) {
    let info = store.info().await.unwrap();
    assert_eq!(info.schema_version, store::known_schema_version(), "from {version}");
    let changes =
        4 + i64::from(version >= 2) + i64::from(version >= 3) + 2 * i64::from(version >= 4);
    assert_eq!(store.serial().await.unwrap(), changes);
    assert_eq!(store.changes_since(0).await.unwrap().len() as i64, changes);

    let zone = store.zone_by_name("example.com").await.unwrap();
    assert_eq!((zone.id.as_str(), zone.comment.as_str()), (ZONE_ID, "the example"));
    assert_eq!(zone.caller_reference.as_deref(), Some("ref-1"));
    let records = store.zone_records(ZONE_ID).await.unwrap();
    let rows: Vec<(&str, &str, &str)> =
        records.iter().map(|r| (r.name.as_str(), r.rtype.as_str(), r.rdata.as_str())).collect();
    assert_eq!(
        rows[..4],
        [
            ("example.com.", "SOA", SOA),
            ("example.com.", "NS", "ns1.example.com."),
            ("ns1.example.com.", "A", "192.0.2.53"),
            ("www.example.com.", "A", "192.0.2.80"),
        ]
    );

    let v = store.get_policy_version(POLICY_ID, Some(1)).await.unwrap();
    assert_eq!((v.document.as_str(), v.comment.as_str()), (DOC, "first"));
    assert_eq!(store.list_policies().await.unwrap().len(), 1);
    let pr = store.get_policy_record(RECORD_ID).await.unwrap();
    assert_eq!((pr.name.as_str(), pr.ttl, pr.policy_version), ("app.example.com.", 60, 1));
    assert_eq!(pr.state, PolicyRecordState::Applied);
    assert_eq!(store.get_health_check(CHECK_ID).await.unwrap().config, CHECK);

    let overrides = store.health_overrides().await.unwrap();
    if version >= 2 {
        assert_eq!(overrides.len(), 1);
        assert_eq!((overrides[0].set_by.as_str(), overrides[0].healthy), ("alice", false));
    } else {
        assert!(overrides.is_empty());
    }
    let tags = store.tags(TaggedResource::HostedZone, ZONE_ID).await.unwrap();
    if version >= 3 {
        assert_eq!(tags.len(), 1);
        assert_eq!((tags[0].key.as_str(), tags[0].value.as_str()), ("env", "prod"));
    } else {
        assert!(tags.is_empty());
    }
    if version >= 4 {
        let c = store.cidr_collection(COLLECTION_ID).await.unwrap();
        assert_eq!((c.collection.name.as_str(), c.collection.version), ("offices", 2));
        assert_eq!(c.blocks.len(), 1);
        assert_eq!(c.blocks[0].cidr, "198.51.100.0/24");
        assert_eq!(store.cidr_collection_zones(COLLECTION_ID).await.unwrap(), [ZONE_ID]);
        let routed = &records[4];
        assert_eq!(routed.routing.as_deref(), Some(ROUTING));
        assert_eq!(routed.set_identifier.as_deref(), Some("east"));
    } else {
        assert_eq!(records.len(), 4);
        assert!(store.cidr_collections().await.unwrap().is_empty());
    }
    // What a DNS server reads at start decodes too.
    let all = store.load_all().await.unwrap();
    assert_eq!((all.zones.len(), all.policy_records.len()), (1, 1));

    // Migration 5: the served serial starts from the SOA record's, and the first change
    // moves it on.
    assert_eq!(zone.soa_serial, None);
    assert_eq!(store.soa_serials().await.unwrap(), [("example.com.".to_owned(), 2024010101)]);
    let change = RrsetChange {
        action: RrsetAction::Upsert,
        rrset: store::Rrset {
            name: "new.example.com.".into(),
            rtype: "A".into(),
            set_identifier: None,
            ttl: 60,
            values: vec!["192.0.2.99".into()],
            routing: None,
        },
    };
    store.change_record_sets(ZONE_ID, vec![change], "after the upgrade").await.unwrap();
    assert_eq!(store.get_zone(ZONE_ID).await.unwrap().soa_serial, Some(2024010102));
}

#[tokio::test]
async fn every_migration_keeps_what_the_schema_before_it_held() {
    let migrations: Vec<i64> = migrator().await.iter().map(|m| m.version).collect();
    assert_eq!(*migrations.last().unwrap(), store::known_schema_version());
    for pair in migrations.windows(2) {
        let (before, migration) = (pair[0], pair[1]);
        let dir = TempDir::new(&format!("migrate-{migration}"));
        std::fs::create_dir_all(dir.path()).unwrap();
        let file = dir.path().join(store::DB_FILE_NAME);
        write_fixture(&file, before).await;
        let info = store::inspect(&file).await.unwrap();
        assert_eq!(info.schema_version, before, "migration {migration}");
        let store = Store::open(dir.path()).await.unwrap();
        check_everything_is_there(&store, before).await;
        store.close().await;
    }
}
