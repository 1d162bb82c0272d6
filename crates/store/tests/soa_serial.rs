//! The SOA serial DNS serves for a zone moves on in the transaction of every write that changes
//! the zone's answers, and only then.

#![allow(clippy::unwrap_used)]

mod common;

use common::{DOC_A, example_records, fresh};
use store::{CidrAction, CidrChange, Rrset, RrsetAction, RrsetChange, Store, Tag, TaggedResource};

fn upsert(name: &str, rtype: &str, values: &[&str], routing: Option<&str>) -> RrsetChange {
    RrsetChange {
        action: RrsetAction::Upsert,
        rrset: Rrset {
            name: name.into(),
            rtype: rtype.into(),
            set_identifier: routing.map(|_| "east".into()),
            ttl: 60,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            routing: routing.map(str::to_owned),
        },
    }
}

async fn served(store: &Store, id: &str) -> u32 {
    store.get_zone(id).await.unwrap().soa_serial.unwrap()
}

#[tokio::test]
async fn every_change_of_the_answers_moves_the_serial_on() {
    let (_dir, store) = fresh("soa-serial").await;
    let zone = store
        .create_zone_with_records("example.com.", "", None, example_records("example.com."))
        .await
        .unwrap();
    // A new zone serves its SOA record's serial.
    assert_eq!(zone.soa_serial, Some(1));
    let id = zone.id.clone();

    store
        .change_record_sets(&id, vec![upsert("new.example.com.", "A", &["192.0.2.9"], None)], "")
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 2);

    let policy = store.create_policy("p", DOC_A, "A", "").await.unwrap();
    let pr = store
        .create_policy_record(&id, "app.example.com.", 60, &policy.policy_id, 1)
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 3);
    store.update_policy_record(&pr.id, None, 1, Some(120)).await.unwrap();
    assert_eq!(served(&store, &id).await, 4);
    store.delete_policy_record(&pr.id).await.unwrap();
    assert_eq!(served(&store, &id).await, 5);

    // Tags change no answer: the serial stays.
    store
        .change_tags(
            TaggedResource::HostedZone,
            &id,
            &[Tag { key: "env".into(), value: "prod".into() }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 5);

    // A CIDR collection the zone's record sets name: its changes move the serial on.
    let (collection, _) = store.create_cidr_collection("offices", "ref", 100).await.unwrap();
    let put = |cidr: &str| CidrChange {
        action: CidrAction::Put,
        location: "east".into(),
        cidrs: vec![cidr.to_owned()],
    };
    store
        .change_cidr_collection(&collection.id, None, &[put("198.51.100.0/24")], 1000)
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 5, "no record set names the collection yet");
    let routing = format!(
        r#"{{"CidrRoutingConfig":{{"CollectionId":"{}","LocationName":"east"}}}}"#,
        collection.id
    );
    store
        .change_record_sets(
            &id,
            vec![upsert("ip.example.com.", "A", &["192.0.2.44"], Some(&routing))],
            "",
        )
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 6);
    store
        .change_cidr_collection(&collection.id, None, &[put("203.0.113.0/24")], 1000)
        .await
        .unwrap();
    assert_eq!(served(&store, &id).await, 7);

    // An SOA record with a higher serial is served as written; one behind is moved past.
    let soa = |serial: u32| {
        upsert(
            "example.com.",
            "SOA",
            &[&format!("ns1.example.com. hostmaster.example.com. {serial} 7200 900 1209600 300")],
            None,
        )
    };
    store.change_record_sets(&id, vec![soa(2026120301)], "").await.unwrap();
    assert_eq!(served(&store, &id).await, 2026120301);
    store.change_record_sets(&id, vec![soa(5)], "").await.unwrap();
    assert_eq!(served(&store, &id).await, 2026120302);
    // An import whose file is behind, too.
    store.replace_zone_records("example.com.", example_records("example.com.")).await.unwrap();
    assert_eq!(served(&store, &id).await, 2026120303);

    // From outside the store (health), and past a given serial (a restore).
    assert_eq!(
        store.advance_soa_serial("example.com", None, "health").await.unwrap(),
        Some(2026120304)
    );
    assert_eq!(
        store.advance_soa_serial("example.com", Some(2026129999), "restore").await.unwrap(),
        Some(2026130000)
    );
    assert_eq!(store.soa_serials().await.unwrap(), [("example.com.".to_owned(), 2026130000)]);
}
