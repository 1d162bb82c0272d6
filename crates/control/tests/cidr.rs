//! The service rules of CIDR collections and of record sets that name them, with their Route
//! 53 error codes and HTTP statuses.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use control::cidr::CidrCollectionChange;
use control::zones::{Change, ChangeAction, CidrRoutingConfig, RecordSet, Routing};
use control::{Code, Limits, Service};
use store::{RrsetAction, Store};

/// A service over a fresh store, and the store (to write below the service).
async fn service_and_store(limits: Limits) -> (Service, Store) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = format!(
        "sqlite:file:control-cidr-{}-{}?mode=memory&cache=shared",
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
    .with_limits(limits);
    (service, store)
}

async fn service_with(limits: Limits) -> Service {
    service_and_store(limits).await.0
}

async fn service() -> Service {
    service_with(Limits::default()).await
}

fn change(action: &str, location: &str, cidrs: &[&str]) -> CidrCollectionChange {
    CidrCollectionChange {
        location_name: location.into(),
        action: action.into(),
        cidr_list: cidrs.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// Asserts the error's code, status and that its message contains every part.
fn refused<T: std::fmt::Debug>(r: control::Result<T>, code: Code, status: u16, parts: &[&str]) {
    let err = r.unwrap_err();
    assert_eq!((err.code, err.code.status()), (code, status), "{err}");
    for part in parts {
        assert!(err.message.contains(part), "{part:?} not in: {}", err.message);
    }
}

const UNKNOWN: &str = "0f3c7a5e-1111-4222-8333-444455556666";

#[tokio::test]
async fn creation_rules() {
    let s = service().await;
    for (name, reference, field) in [
        ("", "r", "Name"),
        ("with space", "r", "Name"),
        (&*"n".repeat(65), "r", "Name"),
        ("ok", "", "CallerReference"),
        ("ok", "caf\u{e9}", "CallerReference"),
        ("ok", &*"r".repeat(65), "CallerReference"),
    ] {
        refused(s.create_cidr_collection(name, reference).await, Code::InvalidInput, 400, &[field]);
    }
    let (c, created) = s.create_cidr_collection("offices", "ref-1").await.unwrap();
    assert!(created);
    assert_eq!(c.version, 1);
    assert_eq!(control::cidr::arn(&c.id), format!("arn:aws:route53:::cidrcollection/{}", c.id));
    let (again, created) = s.create_cidr_collection("offices", "ref-1").await.unwrap();
    assert_eq!((again, created), (c.clone(), false));
    refused(
        s.create_cidr_collection("offices", "ref-2").await,
        Code::CidrCollectionAlreadyExistsException,
        400,
        &["offices", "already exists"],
    );

    let s = service_with(Limits { cidr_collections: 1, ..Limits::default() }).await;
    s.create_cidr_collection("one", "r1").await.unwrap();
    refused(
        s.create_cidr_collection("two", "r2").await,
        Code::LimitsExceeded,
        400,
        &["limit of 1"],
    );
}

#[tokio::test]
async fn change_rules() {
    let s = service_with(Limits { cidr_blocks_per_collection: 4, ..Limits::default() }).await;
    let (c, _) = s.create_cidr_collection("net", "r").await.unwrap();

    // Every problem of a request is reported, each with its position; nothing is applied.
    refused(
        s.change_cidr_collection(
            &c.id,
            None,
            vec![
                change("PUT", "fra", &["192.0.2.0/25", "2001:db8::/49", "192.0.2.1/24", "junk"]),
                change("REPLACE", "bad.name", &["10.0.0.0/8"]),
                change("PUT", "ams", &[]),
            ],
        )
        .await,
        Code::InvalidInput,
        400,
        &[
            "Changes[1]/CidrList[1]: \"192.0.2.0/25\": an IPv4 block's prefix length is 1 to 24, not 25",
            "Changes[1]/CidrList[2]: \"2001:db8::/49\": an IPv6 block's prefix length is 1 to 48, not 49",
            "Changes[1]/CidrList[3]: \"192.0.2.1/24\" has host bits set: the network is 192.0.2.0/24",
            "Changes[1]/CidrList[4]: \"junk\" has no prefix length",
            "Changes[2]/Action: \"REPLACE\"; PUT or DELETE_IF_EXISTS",
            "Changes[2]/LocationName: \"bad.name\"",
            "Changes[3]/CidrList: 0 blocks; 1 to 1000",
        ],
    );
    refused(
        s.change_cidr_collection(&c.id, None, vec![]).await,
        Code::InvalidInput,
        400,
        &["Changes"],
    );
    let many: Vec<String> = (0..1001).map(|i| format!("10.{}.{}.0/24", i / 256, i % 256)).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    refused(
        s.change_cidr_collection(&c.id, None, vec![change("PUT", "a", &many)]).await,
        Code::InvalidInput,
        400,
        &["1001 CIDR blocks in one request; at most 1000"],
    );
    refused(
        s.change_cidr_collection(&c.id, Some(0), vec![change("PUT", "a", &["10.0.0.0/8"])]).await,
        Code::InvalidInput,
        400,
        &["CollectionVersion"],
    );
    refused(
        s.change_cidr_collection("not-a-uuid", None, vec![change("PUT", "a", &["10.0.0.0/8"])])
            .await,
        Code::InvalidInput,
        400,
        &["CidrCollectionId"],
    );
    refused(
        s.change_cidr_collection(UNKNOWN, None, vec![change("PUT", "a", &["10.0.0.0/8"])]).await,
        Code::NoSuchCidrCollectionException,
        404,
        &[UNKNOWN],
    );

    // Canonical forms are stored; versions count calls.
    let (after, info) = s
        .change_cidr_collection(
            &c.id,
            Some(1),
            vec![change("PUT", "fra", &["2001:DB8:0::/32", "192.0.2.0/24"])],
        )
        .await
        .unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(s.get_change(&info.id).await.unwrap().id, info.id);
    refused(
        s.change_cidr_collection(&c.id, Some(1), vec![change("PUT", "ams", &["10.0.0.0/8"])]).await,
        Code::CidrCollectionVersionMismatchException,
        409,
        &["at version 2, not 1"],
    );
    refused(
        s.change_cidr_collection(&c.id, None, vec![change("PUT", "ams", &["192.0.2.0/24"])]).await,
        Code::CidrBlockInUseException,
        400,
        &["192.0.2.0/24 is already in location fra"],
    );
    // Moving a block in one call works.
    let (after, _) = s
        .change_cidr_collection(
            &c.id,
            Some(2),
            vec![
                change("DELETE_IF_EXISTS", "fra", &["192.0.2.0/24"]),
                change("PUT", "ams", &["192.0.2.0/24"]),
            ],
        )
        .await
        .unwrap();
    assert_eq!(after.version, 3);
    let blocks = s.list_cidr_blocks(&c.id, None, None, None).await.unwrap();
    let got: Vec<(&str, &str)> =
        blocks.items.iter().map(|b| (b.location.as_str(), b.cidr.as_str())).collect();
    assert_eq!(got, [("ams", "192.0.2.0/24"), ("fra", "2001:db8::/32")]);
    refused(
        s.change_cidr_collection(
            &c.id,
            None,
            vec![change("PUT", "lon", &["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16"])],
        )
        .await,
        Code::LimitsExceeded,
        400,
        &["would hold 5 blocks; the limit is 4"],
    );
}

#[tokio::test]
async fn lists_page_with_tokens() {
    let s = service().await;
    for name in ["c", "a", "b"] {
        s.create_cidr_collection(name, &format!("ref-{name}")).await.unwrap();
    }
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = s.list_cidr_collections(token.as_deref(), Some("2")).await.unwrap();
        assert!(p.items.len() <= 2);
        names.extend(p.items.into_iter().map(|c| c.name));
        token = p.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["a", "b", "c"]);
    refused(
        s.list_cidr_collections(None, Some("0")).await,
        Code::InvalidInput,
        400,
        &["maxresults"],
    );
    refused(
        s.list_cidr_collections(Some("xyz"), None).await,
        Code::InvalidInput,
        400,
        &["nexttoken"],
    );

    let id = s.list_cidr_collections(None, None).await.unwrap().items[0].id.clone();
    s.change_cidr_collection(
        &id,
        None,
        vec![
            change("PUT", "zrh", &["2001:db8::/32", "10.0.0.0/8", "9.0.0.0/8"]),
            change("PUT", "ams", &["192.0.2.0/24"]),
        ],
    )
    .await
    .unwrap();
    let p = s.list_cidr_locations(&id, None, Some("1")).await.unwrap();
    assert_eq!(p.items, ["ams"]);
    let p = s.list_cidr_locations(&id, p.next_token.as_deref(), Some("1")).await.unwrap();
    assert_eq!((p.items, p.next_token), (vec!["zrh".to_owned()], None));

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = s.list_cidr_blocks(&id, Some("zrh"), token.as_deref(), Some("2")).await.unwrap();
        seen.extend(p.items.into_iter().map(|b| b.cidr));
        token = p.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["9.0.0.0/8", "10.0.0.0/8", "2001:db8::/32"]);
    refused(
        s.list_cidr_blocks(&id, Some("lon"), None, None).await,
        Code::NoSuchCidrLocationException,
        404,
        &["no location \"lon\""],
    );
    refused(
        s.list_cidr_blocks(&id, Some("*"), None, None).await,
        Code::InvalidInput,
        400,
        &["location"],
    );
    refused(
        s.list_cidr_locations(UNKNOWN, None, None).await,
        Code::NoSuchCidrCollectionException,
        404,
        &[UNKNOWN],
    );
}

fn routed(
    name: &str,
    set: &str,
    rtype: &str,
    value: &str,
    collection: &str,
    location: &str,
) -> Change {
    Change {
        action: ChangeAction::Create,
        set: RecordSet {
            name: name.into(),
            rtype: rtype.into(),
            set_identifier: (!set.is_empty()).then(|| set.to_owned()),
            ttl: Some(60),
            values: vec![value.into()],
            routing: Routing {
                cidr_routing_config: Some(CidrRoutingConfig {
                    collection_id: collection.into(),
                    location_name: location.into(),
                }),
                ..Routing::default()
            },
            traffic_policy_instance_id: None,
        },
    }
}

#[tokio::test]
async fn record_sets_name_existing_collections_and_locations() {
    let (s, store) = service_and_store(Limits::default()).await;
    let (zone, _) = s.create_zone("example.com", "z", "").await.unwrap();
    let zone_id = zone.zone.id;
    let (c, _) = s.create_cidr_collection("net", "r").await.unwrap();
    s.change_cidr_collection(&c.id, None, vec![change("PUT", "fra", &["192.0.2.0/24"])])
        .await
        .unwrap();

    let name = "ip.example.com.";
    refused(
        s.change_record_sets(
            &zone_id,
            vec![
                routed(name, "a", "A", "192.0.2.1", UNKNOWN, "fra"),
                routed(name, "b", "A", "192.0.2.2", &c.id, "lon"),
                routed(name, "c", "NS", "ns.example.net.", &c.id, "fra"),
                routed(name, "", "A", "192.0.2.3", &c.id, "fra"),
                routed(name, "e", "A", "192.0.2.4", &c.id, "a*b"),
            ],
            "",
        )
        .await,
        Code::InvalidChangeBatch,
        400,
        &[
            &format!(
                "change 1: CidrRoutingConfig/CollectionId: no CIDR collection has the id {UNKNOWN}"
            ),
            "change 2: CidrRoutingConfig/LocationName: CIDR collection",
            "has no location \"lon\" (its locations: fra)",
            "change 3: Type: IP-based routing (CidrRoutingConfig) is not available for NS",
            "change 4: SetIdentifier is required with cidr routing",
            "change 5: CidrRoutingConfig/LocationName: \"a*b\"",
        ],
    );

    // A record set written below the service still counts: the collection is in use.
    store
        .change_record_sets(
            &zone_id,
            vec![store::RrsetChange {
                action: RrsetAction::Create,
                rrset: store::Rrset {
                    name: name.into(),
                    rtype: "A".into(),
                    set_identifier: Some("a".into()),
                    ttl: 60,
                    values: vec!["192.0.2.1".into()],
                    routing: Some(format!(
                        r#"{{"CidrRoutingConfig":{{"CollectionId":"{}","LocationName":"fra"}}}}"#,
                        c.id
                    )),
                },
            }],
            "",
        )
        .await
        .unwrap();
    s.change_cidr_collection(
        &c.id,
        None,
        vec![change("DELETE_IF_EXISTS", "fra", &["192.0.2.0/24"])],
    )
    .await
    .unwrap();
    refused(
        s.delete_cidr_collection(&c.id).await,
        Code::CidrCollectionInUseException,
        400,
        &["1 record sets use it", "[name='ip.example.com.', type='A', set-identifier='a']"],
    );
    refused(s.delete_cidr_collection(UNKNOWN).await, Code::NoSuchCidrCollectionException, 404, &[]);

    let (other, _) = s.create_cidr_collection("spare", "r2").await.unwrap();
    s.change_cidr_collection(&other.id, None, vec![change("PUT", "x", &["10.0.0.0/8"])])
        .await
        .unwrap();
    refused(
        s.delete_cidr_collection(&other.id).await,
        Code::CidrCollectionInUseException,
        400,
        &["1 CIDR blocks in 1 locations (x)"],
    );
    s.change_cidr_collection(
        &other.id,
        None,
        vec![change("DELETE_IF_EXISTS", "x", &["10.0.0.0/8"])],
    )
    .await
    .unwrap();
    s.delete_cidr_collection(&other.id).await.unwrap();
    refused(s.cidr_collection(&other.id).await, Code::NoSuchCidrCollectionException, 404, &[]);
}
