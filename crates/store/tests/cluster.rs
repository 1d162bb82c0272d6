//! Nodes and health reports (migration 0006): registered, renewed, replaced and removed the
//! same way on both engines.

#![allow(clippy::unwrap_used)]

mod common;

use common::fresh;
use store::{HealthReport, NodeInfo};

fn node(id: &str, dns: bool, serial: i64) -> NodeInfo {
    NodeInfo {
        id: id.into(),
        roles: if dns { "dns,api".into() } else { "health".into() },
        dns,
        region: "eu-west-1".into(),
        dns_address: if dns { "127.0.0.1:53".into() } else { String::new() },
        api_address: String::new(),
        version: "0.1.0".into(),
        started_at: "2026-12-03T00:00:00Z".into(),
        heartbeat_ms: 1_000,
        served_serial: serial,
    }
}

fn report(check: &str, node: &str, healthy: bool, at: i64) -> HealthReport {
    HealthReport {
        check_id: check.into(),
        node_id: node.into(),
        region: "eu-west-1".into(),
        healthy,
        reported_ms: at,
        observed_at: "2026-12-03T00:00:01Z".into(),
        observed_healthy: healthy,
        reason: if healthy { "Success: HTTP 200".into() } else { "Failure: timeout".into() },
        latency_us: 1500,
        failure_at: (!healthy).then(|| "2026-12-03T00:00:01Z".into()),
        failure_reason: (!healthy).then(|| "Failure: timeout".into()),
    }
}

#[tokio::test]
async fn nodes_register_beat_and_leave() {
    let (_dir, store) = fresh("nodes").await;
    let serial = store.serial().await.unwrap();
    store.register_node(&node("b", true, 0)).await.unwrap();
    store.register_node(&node("a", false, 0)).await.unwrap();
    assert!(store.heartbeat("b", 2_000, 7).await.unwrap());
    assert!(!store.heartbeat("ghost", 2_000, 7).await.unwrap(), "no row: register again");
    let nodes = store.nodes().await.unwrap();
    assert_eq!(nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!((nodes[1].heartbeat_ms, nodes[1].served_serial, nodes[1].dns), (2_000, 7, true));
    // A restart registers again: the row is replaced, not duplicated.
    store.register_node(&node("b", true, 3)).await.unwrap();
    let nodes = store.nodes().await.unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[1], node("b", true, 3));
    store.remove_node("a").await.unwrap();
    assert_eq!(store.nodes().await.unwrap().len(), 1);
    assert_eq!(store.serial().await.unwrap(), serial, "heartbeats are not changes");
}

#[tokio::test]
async fn health_reports_are_replaced_per_checker_and_go_with_their_check() {
    let (_dir, store) = fresh("reports").await;
    let check = store
        .create_health_check("ref-1", r#"{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}"#)
        .await
        .unwrap();
    let serial = store.serial().await.unwrap();
    store
        .report_health(&[report(&check.id, "n1", true, 10), report(&check.id, "n2", false, 10)])
        .await
        .unwrap();
    store.report_health(&[report(&check.id, "n1", false, 20)]).await.unwrap();
    let reports = store.health_reports().await.unwrap();
    assert_eq!(
        reports,
        vec![report(&check.id, "n1", false, 20), report(&check.id, "n2", false, 10)]
    );
    assert_eq!(store.serial().await.unwrap(), serial, "reports are not changes");
    store.remove_node("n2").await.unwrap();
    assert_eq!(store.health_reports().await.unwrap().len(), 1, "a removed node's reports go");
    store.delete_health_check(&check.id).await.unwrap();
    assert!(store.health_reports().await.unwrap().is_empty(), "a deleted check's reports go");
}

#[tokio::test]
async fn info_reads_the_schema_version_and_counts() {
    let (_dir, store) = fresh("info").await;
    store.create_zone("info.example.", "", None).await.unwrap();
    let info = store.info().await.unwrap();
    assert_eq!(info.schema_version, store::known_schema_version());
    assert_eq!((info.zones, info.serial, info.changes), (1, 1, 1));
}

/// PostgreSQL announces every committed write to listeners; SQLite has nothing to listen to
/// and every wait lasts its timeout. A rolled-back write announces nothing.
#[tokio::test]
async fn listeners_wake_on_committed_writes() {
    let (_dir, store) = fresh("listen").await;
    let mut listener = store.listen().await;
    let idle = listener.wait(std::time::Duration::from_millis(200)).await;
    assert_eq!(idle, store::Wake::Timeout);
    // A refused write (a zone name that is not a DNS name) commits nothing.
    assert!(store.create_zone("not a name", "", None).await.is_err());
    let after_refusal = listener.wait(std::time::Duration::from_millis(300)).await;
    assert_eq!(after_refusal, store::Wake::Timeout);
    let writer = store.clone();
    let write = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        writer.create_zone("listen.example.", "", None).await.unwrap();
    });
    let bound = if common::on_postgres() { 10_000 } else { 500 };
    let woke = listener.wait(std::time::Duration::from_millis(bound)).await;
    write.await.unwrap();
    if common::on_postgres() {
        assert_eq!(woke, store::Wake::Notified);
    } else {
        assert_eq!(woke, store::Wake::Timeout);
    }
}
