//! Zone integrity as Route 53 keeps it: exactly one SOA record, at the apex; NS records at the
//! apex; no SOA record anywhere else. Every change batch and zone import that would break a
//! rule is refused with `InvalidChangeBatch` naming the change, and nothing is applied.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use control::zone_files::ZoneFileRecord;
use control::zones::{Change, ChangeAction, RecordSet, Routing};
use control::{Code, Limits, Service};
use store::Store;

const APEX: &str = "example.com.";
/// The SOA and NS records `create_zone` gives a new zone without configured name servers.
const SOA: &str = "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 86400";
const SOA_TTL: i64 = 900;
const NS: [&str; 2] = ["ns1.example.com.", "ns2.example.com."];
const NS_TTL: i64 = 172_800;

async fn service_and_store() -> (Service, Store) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = format!(
        "sqlite:file:control-integrity-{}-{}?mode=memory&cache=shared",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let store = Store::open_url(&url).await.unwrap();
    let service = Service::new(
        store.clone(),
        Arc::new(policy::codes::Catalog::builtin()),
        Arc::new(control::Served::default()),
        None,
    )
    .with_limits(Limits::default());
    (service, store)
}

fn set(name: &str, rtype: &str, ttl: i64, values: &[&str]) -> RecordSet {
    RecordSet {
        name: name.into(),
        rtype: rtype.into(),
        ttl: Some(ttl),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        ..RecordSet::default()
    }
}

fn change(action: ChangeAction, set: RecordSet) -> Change {
    Change { action, set }
}

fn weighted(mut s: RecordSet, id: &str) -> RecordSet {
    s.set_identifier = Some(id.into());
    s.routing = Routing { weight: Some(1), ..Routing::default() };
    s
}

fn apex_soa() -> RecordSet {
    set(APEX, "SOA", SOA_TTL, &[SOA])
}

fn apex_ns() -> RecordSet {
    set(APEX, "NS", NS_TTL, &NS)
}

fn other_soa(serial: u32) -> String {
    format!("ns1.example.com. hostmaster.example.com. {serial} 7200 900 1209600 86400")
}

/// The zone's record sets as (name, type, set identifier, values), in listing order.
async fn snapshot(s: &Service, zone: &str) -> Vec<(String, String, Option<String>, Vec<String>)> {
    s.list_record_sets(zone, None, None, None, None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| (r.name, r.rtype, r.set_identifier, r.values))
        .collect()
}

/// Batches that would break a rule: each is refused with `InvalidChangeBatch` (HTTP 400), the
/// message holds every listed part, and the zone keeps every record set it had.
#[tokio::test]
async fn batches_that_break_the_zone_are_refused_and_change_nothing() {
    use ChangeAction::{Create, Delete, Upsert};
    let two_soa = other_soa(2);
    let cases: Vec<(&str, Vec<Change>, Vec<&str>)> = vec![
        (
            "delete the apex SOA",
            vec![change(Delete, apex_soa())],
            vec!["change 1: the zone example.com. would have no SOA record"],
        ),
        (
            "create an SOA below the apex",
            vec![change(Create, set("www.example.com.", "SOA", 300, &[SOA]))],
            vec![
                "change 1: The resource record set with the name www.example.com. and type SOA \
                 must be at the apex example.com.",
            ],
        ),
        (
            "upsert an SOA below the apex",
            vec![change(Upsert, set("sub.example.com.", "SOA", 300, &[SOA]))],
            vec!["change 1: The resource record set with the name sub.example.com. and type SOA"],
        ),
        (
            "upsert the apex SOA with two values",
            vec![change(Upsert, set(APEX, "SOA", SOA_TTL, &[SOA, &two_soa]))],
            vec!["change 1: [name='example.com.', type='SOA'] has 2 values"],
        ),
        (
            "delete the apex NS",
            vec![change(Delete, apex_ns())],
            vec!["change 1: the zone example.com. would have no NS records at its apex"],
        ),
        (
            "delete the apex SOA and create one with two values",
            vec![
                change(Delete, apex_soa()),
                change(Create, set(APEX, "SOA", SOA_TTL, &[SOA, &two_soa])),
            ],
            vec!["change 2: [name='example.com.', type='SOA'] has 2 values"],
        ),
        (
            "a good change first, then the apex NS deleted",
            vec![
                change(Create, set("www.example.com.", "A", 300, &["192.0.2.1"])),
                change(Delete, apex_ns()),
            ],
            vec!["change 2: the zone example.com. would have no NS records"],
        ),
        (
            "every rule broken in one batch, each named",
            vec![
                change(Delete, apex_ns()),
                change(Create, set("a.example.com.", "SOA", 300, &[SOA])),
                change(Delete, apex_soa()),
                change(Upsert, set("b.example.com.", "SOA", 300, &[SOA])),
            ],
            vec![
                "change 3: the zone example.com. would have no SOA record",
                "change 2: The resource record set with the name a.example.com. and type SOA",
                "change 4: The resource record set with the name b.example.com. and type SOA",
                "change 1: the zone example.com. would have no NS records",
            ],
        ),
        (
            "a second, routed SOA record set at the apex",
            vec![change(Create, weighted(set(APEX, "SOA", SOA_TTL, &[&two_soa]), "b"))],
            vec!["change 1: the zone example.com. would have 2 SOA record sets"],
        ),
        (
            "the apex SOA replaced by a routed one",
            vec![
                change(Delete, apex_soa()),
                change(Create, weighted(set(APEX, "SOA", SOA_TTL, &[&two_soa]), "a")),
            ],
            vec!["change 2: [name='example.com.', type='SOA'] has routing settings"],
        ),
    ];
    let (s, _) = service_and_store().await;
    let (zone, _) = s.create_zone(APEX, "integrity", "").await.unwrap();
    let id = zone.zone.id;
    let before = snapshot(&s, &id).await;
    assert_eq!(
        before.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["NS", "SOA"],
        "a new zone has its NS and SOA record sets"
    );
    for (what, batch, parts) in cases {
        let err = s.change_record_sets(&id, batch, "").await.unwrap_err();
        assert_eq!((err.code, err.code.status()), (Code::InvalidChangeBatch, 400), "{what}: {err}");
        for part in parts {
            assert!(err.message.contains(part), "{what}: {part:?} not in:\n{}", err.message);
        }
        assert_eq!(snapshot(&s, &id).await, before, "{what}: the zone changed");
    }
}

/// What the rules leave allowed: the SOA and the apex NS changed in place, the SOA deleted and
/// created again in one batch, NS records below the apex (delegations), and deleting the zone.
#[tokio::test]
async fn changes_that_keep_the_zone_whole_are_applied() {
    use ChangeAction::{Create, Delete, Upsert};
    let (s, _) = service_and_store().await;
    let (zone, _) = s.create_zone(APEX, "integrity", "").await.unwrap();
    let id = zone.zone.id;
    let soa2 = other_soa(2);
    let soa3 = other_soa(3);
    let steps: Vec<(&str, Vec<Change>)> = vec![
        ("upsert the apex SOA", vec![change(Upsert, set(APEX, "SOA", SOA_TTL, &[&soa2]))]),
        (
            "delete the apex SOA and create another in one batch",
            vec![
                change(Delete, set(APEX, "SOA", SOA_TTL, &[&soa2])),
                change(Create, set(APEX, "SOA", 600, &[&soa3])),
            ],
        ),
        ("upsert the apex NS", vec![change(Upsert, set(APEX, "NS", 3600, &["ns.example.net."]))]),
        (
            "delegate a subdomain",
            vec![change(Create, set("sub.example.com.", "NS", 3600, &["ns.example.net."]))],
        ),
        (
            "take the delegation back",
            vec![change(Delete, set("sub.example.com.", "NS", 3600, &["ns.example.net."]))],
        ),
    ];
    for (what, batch) in steps {
        s.change_record_sets(&id, batch, "").await.unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    assert_eq!(
        snapshot(&s, &id).await,
        [
            (APEX.to_owned(), "NS".to_owned(), None, vec!["ns.example.net.".to_owned()]),
            (APEX.to_owned(), "SOA".to_owned(), None, vec![soa3]),
        ]
    );
    // Deleting the zone takes its SOA and NS with it.
    s.delete_zone(&id).await.unwrap();
    assert_eq!(s.count_zones().await.unwrap(), 0);
}

/// A zone broken before these rules (its SOA deleted below the service) refuses batches that
/// leave it broken, saying why, and takes the batch that mends it.
#[tokio::test]
async fn a_zone_broken_before_is_mended_by_a_batch_and_not_by_others() {
    let (s, store) = service_and_store().await;
    let (zone, _) = s.create_zone(APEX, "integrity", "").await.unwrap();
    let id = zone.zone.id;
    let raw = store::RrsetChange {
        action: store::RrsetAction::Delete,
        rrset: store::Rrset {
            name: APEX.into(),
            rtype: "SOA".into(),
            set_identifier: None,
            ttl: SOA_TTL as u32,
            values: vec![SOA.into()],
            routing: None,
        },
    };
    store.change_record_sets(&id, vec![raw], "").await.unwrap();
    let www = set("www.example.com.", "A", 300, &["192.0.2.1"]);
    let err = s
        .change_record_sets(&id, vec![change(ChangeAction::Create, www.clone())], "")
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidChangeBatch);
    assert!(
        err.message.starts_with("the zone example.com. would have no SOA record"),
        "{}",
        err.message
    );
    s.change_record_sets(
        &id,
        vec![change(ChangeAction::Create, www), change(ChangeAction::Create, apex_soa())],
        "",
    )
    .await
    .unwrap();
    assert_eq!(snapshot(&s, &id).await.len(), 3);
}

fn record(name: &str, rtype: &str, value: &str) -> ZoneFileRecord {
    ZoneFileRecord { name: name.into(), rtype: rtype.into(), ttl: 300, value: value.into() }
}

/// Zone files get the same rules, each problem naming the record at fault, and an import that
/// breaks one writes nothing.
#[tokio::test]
async fn zone_imports_get_the_same_rules() {
    let good = || {
        vec![
            record(APEX, "SOA", SOA),
            record(APEX, "NS", NS[0]),
            record("www.example.com.", "A", "192.0.2.1"),
        ]
    };
    let with = |extra: Vec<ZoneFileRecord>| {
        let mut r = good();
        r.extend(extra);
        r
    };
    let two_soa = other_soa(2);
    let cases: Vec<(&str, Vec<ZoneFileRecord>, Vec<&str>)> = vec![
        (
            "an SOA below the apex",
            with(vec![record("sub.example.com.", "SOA", SOA)]),
            vec![
                "record 4 of 4 (sub.example.com. SOA): The resource record set with the name \
                 sub.example.com. and type SOA must be at the apex",
            ],
        ),
        (
            "two SOA records at the apex",
            with(vec![record(APEX, "SOA", &two_soa)]),
            vec![
                "record 1 of 4 (example.com. SOA): [name='example.com.', type='SOA'] has 2 values",
            ],
        ),
        (
            "no SOA record",
            good().into_iter().skip(1).collect(),
            vec!["the zone example.com. would have no SOA record"],
        ),
        (
            "no NS record at the apex",
            good().into_iter().filter(|r| r.rtype != "NS").collect(),
            vec!["the zone example.com. would have no NS records at its apex"],
        ),
    ];
    let (s, _) = service_and_store().await;
    let done = s.import_zone(APEX, good()).await.unwrap();
    let before = snapshot(&s, &done.zone.id).await;
    for (what, records, parts) in cases {
        let err = s.import_zone(APEX, records).await.unwrap_err();
        assert_eq!(err.code, Code::InvalidChangeBatch, "{what}: {err}");
        assert!(err.message.starts_with("nothing was imported"), "{what}: {}", err.message);
        for part in parts {
            assert!(err.message.contains(part), "{what}: {part:?} not in:\n{}", err.message);
        }
        assert_eq!(snapshot(&s, &done.zone.id).await, before, "{what}: the zone changed");
    }
    // A new zone is not created by a refused import either.
    let net: Vec<ZoneFileRecord> = vec![
        record("example.net.", "SOA", SOA),
        record("example.net.", "NS", "ns1.example.net."),
        record("deep.example.net.", "SOA", SOA),
    ];
    let err = s.import_zone("example.net.", net).await.unwrap_err();
    assert!(err.message.contains("name deep.example.net. and type SOA"), "{}", err.message);
    assert_eq!(s.count_zones().await.unwrap(), 1);
}
