//! Tags through the service layer: Route 53's rules, all-or-nothing changes, error codes.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use control::health::HealthCheckConfig;
use control::tags::Tag;
use control::{Code, Served, Service};

/// A service over a fresh shared in-memory store.
async fn service() -> Service {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let url = format!("sqlite:file:tags-{}-{n}?mode=memory&cache=shared", std::process::id());
    let store = store::Store::open_url(&url).await.unwrap();
    Service::new(
        store,
        Arc::new(policy::codes::Catalog::builtin()),
        Arc::new(Served::default()),
        None,
    )
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::new(key, value)
}

fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs.iter().map(|(k, v)| tag(k, v)).collect()
}

fn numbered(n: usize, prefix: &str) -> Vec<Tag> {
    (0..n).map(|i| tag(&format!("{prefix}{i:02}"), "v")).collect()
}

async fn zone(s: &Service, name: &str) -> String {
    s.create_zone(name, &format!("ref-{name}"), "").await.unwrap().0.zone.id
}

async fn health_check(s: &Service, reference: &str) -> String {
    let config = HealthCheckConfig {
        check_type: "TCP".into(),
        ip_address: Some("192.0.2.7".into()),
        port: Some(22),
        ..Default::default()
    };
    s.create_health_check(reference, config).await.unwrap().check.id
}

#[tokio::test]
async fn round_trip_on_zones_and_health_checks() {
    let s = service().await;
    let z = zone(&s, "tagged.example").await;
    let h = health_check(&s, "hc-1").await;
    for (kind, id) in [("hostedzone", &z), ("healthcheck", &h)] {
        let listed = s.list_tags(kind, id).await.unwrap();
        assert_eq!((listed.resource_type.as_str(), listed.id.as_str()), (kind, id.as_str()));
        assert!(listed.tags.is_empty());
        let after = s
            .change_tags(kind, id, Some(tags(&[("Name", "web 1"), ("env", "prod")])), None)
            .await
            .unwrap();
        assert_eq!(after, tags(&[("Name", "web 1"), ("env", "prod")]));
        // Replace one value, remove a key and an absent one.
        let after = s
            .change_tags(
                kind,
                id,
                Some(tags(&[("Name", "web-2")])),
                Some(vec!["env".into(), "never-there".into()]),
            )
            .await
            .unwrap();
        assert_eq!(after, tags(&[("Name", "web-2")]));
        assert_eq!(s.list_tags(kind, id).await.unwrap().tags, after);
    }
    // Each resource keeps its own tags.
    s.change_tags("hostedzone", &z, Some(tags(&[("zone-only", "")])), None).await.unwrap();
    assert_eq!(s.list_tags("healthcheck", &h).await.unwrap().tags, tags(&[("Name", "web-2")]));

    // The JSON API's replacement of the whole set, up to 50 at once.
    let fifty = numbered(50, "k");
    assert_eq!(s.replace_tags("hostedzone", &z, fifty.clone()).await.unwrap(), fifty);
    assert!(s.replace_tags("hostedzone", &z, Vec::new()).await.unwrap().is_empty());
}

/// A refused change: what it is, the tags added, the keys removed, part of the message.
type Case = (&'static str, Option<Vec<Tag>>, Option<Vec<String>>, &'static str);

#[tokio::test]
async fn refused_changes_name_the_field_and_apply_nothing() {
    let s = service().await;
    let z = zone(&s, "refused.example").await;
    s.change_tags("hostedzone", &z, Some(numbered(10, "a")), None).await.unwrap();
    s.change_tags("hostedzone", &z, Some(numbered(10, "b")), None).await.unwrap();
    s.change_tags("hostedzone", &z, Some(numbered(10, "c")), None).await.unwrap();
    s.change_tags("hostedzone", &z, Some(numbered(10, "d")), None).await.unwrap();
    s.change_tags("hostedzone", &z, Some(numbered(9, "e")), None).await.unwrap();
    let before = s.list_tags("hostedzone", &z).await.unwrap().tags;
    assert_eq!(before.len(), 49);
    let serial = s.store_serial().await.unwrap();

    let long_key = "k".repeat(129);
    let cases: Vec<Case> = vec![
        (
            "two more than 49",
            Some(tags(&[("x", "1"), ("y", "2")])),
            None,
            "hosted zone refused.example. would have 51 tags: at most 50",
        ),
        ("11 tags", Some(numbered(11, "f")), None, "AddTags: 11 tags; give 1 to 10"),
        (
            "11 keys",
            None,
            Some((0..11).map(|i| format!("a{i:02}")).collect()),
            "RemoveTagKeys: 11 keys; give 1 to 10",
        ),
        ("empty AddTags", Some(vec![]), None, "AddTags: 0 tags; give 1 to 10"),
        ("empty RemoveTagKeys", None, Some(vec![]), "RemoveTagKeys: 0 keys"),
        (
            "bad character",
            Some(tags(&[("a!", "v")])),
            None,
            "AddTags/Tag[1]/Key: \"a!\" contains '!'",
        ),
        (
            "bad value character",
            Some(tags(&[("ok", "v"), ("k", "<v>")])),
            None,
            "AddTags/Tag[2]/Value: \"<v>\" contains '<'",
        ),
        ("aws: prefix", Some(tags(&[("aws:cloudformation", "x")])), None, "reserved"),
        ("aws: removed", None, Some(vec!["AWS:x".into()]), "RemoveTagKeys/Key[1]: \"AWS:x\""),
        (
            "long key",
            Some(vec![tag(&long_key, "v")]),
            None,
            "AddTags/Tag[1]/Key: is 129 characters",
        ),
        ("empty key", Some(tags(&[("", "v")])), None, "AddTags/Tag[1]/Key: is empty"),
        (
            "key twice",
            Some(tags(&[("dup", "1"), ("dup", "2")])),
            None,
            "AddTags/Tag[2]/Key: \"dup\" is also Tag[1]",
        ),
        (
            "added and removed",
            Some(tags(&[("both", "1")])),
            Some(vec!["both".into()]),
            "RemoveTagKeys/Key[1]: \"both\" is also added by AddTags/Tag[1]",
        ),
    ];
    for (what, add, remove, message) in cases {
        let e = s.change_tags("hostedzone", &z, add, remove).await.unwrap_err();
        assert_eq!(e.code, Code::InvalidInput, "{what}: {e}");
        assert!(e.message.contains(message), "{what}: {e}");
    }
    let e = s.replace_tags("hostedzone", &z, numbered(51, "r")).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::InvalidInput, "Tags: 51 tags; a resource has at most 50")
    );
    assert_eq!(s.list_tags("hostedzone", &z).await.unwrap().tags, before);
    assert_eq!(s.store_serial().await.unwrap(), serial, "a refused change writes nothing");

    // Replacing existing values does not count against the limit; one out, one in is fine.
    s.change_tags("hostedzone", &z, Some(tags(&[("a00", "new")])), None).await.unwrap();
    s.change_tags(
        "hostedzone",
        &z,
        Some(tags(&[("x", "1"), ("y", "2")])),
        Some(vec!["a01".into()]),
    )
    .await
    .unwrap();
    assert_eq!(s.list_tags("hostedzone", &z).await.unwrap().tags.len(), 50);
}

#[tokio::test]
async fn unknown_resources_and_types() {
    let s = service().await;
    let z = zone(&s, "known.example").await;
    let h = health_check(&s, "hc-known").await;
    let add = || Some(tags(&[("k", "v")]));
    let cases: Vec<(&str, &str, Code, &str)> = vec![
        ("hostedzone", "0123456789abcdef0123456789abcdef", Code::NoSuchHostedZone, "hosted zone"),
        (
            "healthcheck",
            "abcdef11-2222-3333-4444-555555fedcba",
            Code::NoSuchHealthCheck,
            "health check",
        ),
        // A zone id is not a health check id, and the reverse.
        ("healthcheck", &z, Code::NoSuchHealthCheck, "health check"),
        ("hostedzone", "abcdef11-2222-3333-4444-555", Code::NoSuchHostedZone, "hosted zone"),
        ("healthchecksource", "x", Code::InvalidInput, "flowdns has no health check sources"),
        ("trafficpolicy", "x", Code::InvalidInput, "ResourceType: \"trafficpolicy\""),
        ("hostedzone", "", Code::InvalidInput, "ResourceId: is required"),
    ];
    for (kind, id, code, message) in &cases {
        for e in [
            s.change_tags(kind, id, add(), None).await.unwrap_err(),
            s.list_tags(kind, id).await.unwrap_err(),
        ] {
            assert_eq!(e.code, *code, "{kind}/{id}: {e}");
            assert!(e.message.contains(message), "{kind}/{id}: {e}");
        }
    }
    let e = s.list_tags("hostedzone", &format!("/hostedzone/{z}")).await.unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("at 'resourceId' failed to satisfy constraint"), "{e}");
    assert!(s.list_tags("healthcheck", &h).await.is_ok());
}

#[tokio::test]
async fn several_resources_at_once() {
    let s = service().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = zone(&s, &format!("z{i}.example")).await;
        s.change_tags("hostedzone", &id, Some(tags(&[("n", &i.to_string())])), None).await.unwrap();
        ids.push(id);
    }
    ids.reverse();
    let sets = s.list_tags_for_resources("hostedzone", &ids).await.unwrap();
    let got: Vec<(&str, &str)> =
        sets.iter().map(|r| (r.id.as_str(), r.tags[0].value.as_str())).collect();
    assert_eq!(got, vec![(ids[0].as_str(), "2"), (ids[1].as_str(), "1"), (ids[2].as_str(), "0")]);

    let e = s.list_tags_for_resources("hostedzone", &[]).await.unwrap_err();
    assert!(e.message.starts_with("ResourceIds: 0 ids; give 1 to 10"), "{e}");
    let eleven: Vec<String> = (0..11).map(|_| ids[0].clone()).collect();
    let e = s.list_tags_for_resources("hostedzone", &eleven).await.unwrap_err();
    assert!(e.message.contains("'ResourceId' can occur a maximum of '10' times"), "{e}");
    let mut with_unknown = ids.clone();
    with_unknown.push("0123456789abcdef0123456789abcdef".into());
    let e = s.list_tags_for_resources("hostedzone", &with_unknown).await.unwrap_err();
    assert_eq!(e.code, Code::NoSuchHostedZone);
}

#[tokio::test]
async fn tags_are_deleted_with_their_zone_and_check() {
    let s = service().await;
    let z = zone(&s, "deleted.example").await;
    let h = health_check(&s, "hc-deleted").await;
    s.change_tags("hostedzone", &z, Some(tags(&[("a", "1")])), None).await.unwrap();
    s.change_tags("healthcheck", &h, Some(tags(&[("b", "2")])), None).await.unwrap();
    s.delete_zone(&z).await.unwrap();
    s.delete_health_check(&h).await.unwrap();
    assert_eq!(s.list_tags("hostedzone", &z).await.unwrap_err().code, Code::NoSuchHostedZone);
    assert_eq!(s.list_tags("healthcheck", &h).await.unwrap_err().code, Code::NoSuchHealthCheck);
}
