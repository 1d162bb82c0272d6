//! The store-to-snapshot builder against a real (temporary) SQLite store: routed record sets
//! and alias chains are served, a group whose stored routing does not read back is left out
//! (not served as if unrouted) while the rest of the zone is served, and an incremental
//! update rebuilds the zone a change names.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::path::PathBuf;

use hickory_proto::rr::{Name, RecordType};
use policy::codes::Catalog;
use policy::{ClientLocation, EstimatedLatency, Query, UnhealthySet};
use snapshots::Builder;
use store::{NewRecord, Rrset, RrsetAction, RrsetChange, Store};
use zone::{Client, NoAliases, Snapshot};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!("flowdns-snapshots-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    TempDir(p)
}

fn answer(s: &Snapshot, name: &str) -> (String, Vec<String>) {
    let location = ClientLocation::UNKNOWN;
    let health = UnhealthySet::default();
    let mut rng = policy::SplitMix64(3);
    let mut client = Client {
        query: Query {
            location: &location,
            health: &health,
            latency: &EstimatedLatency,
            subnet: None,
        },
        rng: &mut rng,
        aliases: &NoAliases,
        stripe: 0,
        trace: None,
    };
    let out = s.answer(&Name::from_ascii(name).unwrap(), RecordType::A, &mut client);
    let mut values: Vec<String> = out
        .answers
        .iter()
        .map(|r| format!("{} {}", r.ttl, zone::master::data_text(&r.data)))
        .collect();
    values.sort();
    (out.rcode.to_string(), values)
}

fn set(
    name: &str,
    id: Option<&str>,
    ttl: u32,
    values: &[&str],
    routing: Option<&str>,
) -> RrsetChange {
    RrsetChange {
        action: RrsetAction::Create,
        rrset: Rrset {
            name: name.into(),
            rtype: "A".into(),
            set_identifier: id.map(str::to_owned),
            ttl,
            values: values.iter().map(|v| v.to_string()).collect(),
            routing: routing.map(str::to_owned),
        },
    }
}

#[tokio::test]
async fn routed_sets_and_chains_are_served_and_corrupt_routing_is_left_out() {
    let dir = temp_dir("build");
    let store = Store::open(&dir.0).await.unwrap();
    let zone = store
        .create_zone_with_records(
            "example.com.",
            "",
            None,
            vec![
                NewRecord::new(
                    "example.com.",
                    "SOA",
                    900,
                    "ns1.example.com. h.example.com. 1 7200 900 1209600 300",
                ),
                NewRecord::new("example.com.", "NS", 900, "ns1.example.com."),
                NewRecord::new("target.example.com.", "A", 123, "192.0.2.1"),
            ],
        )
        .await
        .unwrap();
    let alias = |t: &str| {
        format!(
            r#"{{"AliasTarget":{{"HostedZoneId":"{}","DNSName":"{t}","EvaluateTargetHealth":false}}}}"#,
            zone.id
        )
    };
    store
        .change_record_sets(
            &zone.id,
            vec![
                set("w.example.com.", Some("a"), 60, &["192.0.2.10"], Some(r#"{"Weight":1}"#)),
                set("w.example.com.", Some("b"), 60, &["192.0.2.11"], Some(r#"{"Weight":0}"#)),
                set(
                    "front.example.com.",
                    None,
                    0,
                    &["mid.example.com."],
                    Some(&alias("mid.example.com.")),
                ),
                set(
                    "mid.example.com.",
                    None,
                    0,
                    &["w.example.com."],
                    Some(&alias("w.example.com.")),
                ),
                set(
                    "plain.example.com.",
                    None,
                    0,
                    &["target.example.com."],
                    Some(&alias("target.example.com.")),
                ),
                // Written by something that is not flowdns: it must not be served as unrouted.
                set("broken.example.com.", Some("x"), 60, &["192.0.2.66"], Some("{\"Weight\": ")),
            ],
            "",
        )
        .await
        .unwrap();
    let mut builder = Builder::new(Catalog::builtin());
    let (snapshot, _) = builder.build_all(&store).await.unwrap();
    assert_eq!(
        answer(&snapshot, "w.example.com."),
        ("No Error".into(), vec!["60 192.0.2.10".into()])
    );
    assert_eq!(
        answer(&snapshot, "front.example.com."),
        ("No Error".into(), vec!["60 192.0.2.10".into()])
    );
    assert_eq!(
        answer(&snapshot, "plain.example.com."),
        ("No Error".into(), vec!["123 192.0.2.1".into()])
    );
    let (rcode, values) = answer(&snapshot, "broken.example.com.");
    assert!(values.is_empty(), "corrupt routing must not be served: {rcode} {values:?}");

    // An incremental update rebuilds the zone: the chain follows its target's change.
    store
        .change_record_sets(
            &zone.id,
            vec![RrsetChange {
                action: RrsetAction::Upsert,
                rrset: Rrset {
                    name: "w.example.com.".into(),
                    rtype: "A".into(),
                    set_identifier: Some("a".into()),
                    ttl: 30,
                    values: vec!["192.0.2.20".into()],
                    routing: Some(r#"{"Weight":1}"#.into()),
                },
            }],
            "",
        )
        .await
        .unwrap();
    let (next, _) = builder.update(&store, &snapshot).await.unwrap().expect("a change to apply");
    assert_eq!(
        answer(&next, "front.example.com."),
        ("No Error".into(), vec!["30 192.0.2.20".into()])
    );
    assert!(next.serial > snapshot.serial);
}
