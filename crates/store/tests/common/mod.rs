//! Helpers shared by the store's integration tests.
#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::path::{Path, PathBuf};

use store::{Change, ChangeKind, NewRecord, Store};

/// A fresh directory under the system temp directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "flowdns-store-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store in a fresh data directory (kept alive by the returned guard).
pub async fn fresh(tag: &str) -> (TempDir, Store) {
    let dir = TempDir::new(tag);
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}

pub fn rec(name: &str, rtype: &str, ttl: u32, rdata: &str) -> NewRecord {
    NewRecord::new(name, rtype, ttl, rdata)
}

/// A small valid-looking zone.
pub fn example_records(zone: &str) -> Vec<NewRecord> {
    vec![
        rec(zone, "SOA", 3600, &format!("ns1.{zone} hostmaster.{zone} 1 7200 900 1209600 300")),
        rec(zone, "NS", 3600, &format!("ns1.{zone}")),
        rec(&format!("ns1.{zone}"), "A", 3600, "192.0.2.53"),
        rec(&format!("www.{zone}"), "A", 300, "192.0.2.1"),
        rec(&format!("www.{zone}"), "A", 300, "192.0.2.2"),
        rec(&format!("mail.{zone}"), "AAAA", 300, "2001:db8::25"),
    ]
}

pub const DOC_A: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","Endpoints":{"e":{"Type":"value","Value":"192.0.2.10"}},"StartEndpoint":"e"}"#;
pub const DOC_AAAA: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"AAAA","Endpoints":{"e":{"Type":"value","Value":"2001:db8::10"}},"StartEndpoint":"e"}"#;
pub const DOC_CNAME: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","Endpoints":{"e":{"Type":"value","Value":"target.example.net"}},"StartEndpoint":"e"}"#;

/// Asserts that exactly one change was logged since `before`, of `kind`, and returns it.
pub async fn one_change(store: &Store, before: i64, kind: ChangeKind) -> Change {
    let after = store.serial().await.unwrap();
    assert_eq!(after, before + 1, "a write must advance the serial by exactly one");
    let changes = store.changes_since(before).await.unwrap();
    assert_eq!(changes.len(), 1, "a write must log exactly one change: {changes:?}");
    let change = changes.into_iter().next().unwrap();
    assert_eq!(change.serial, after);
    assert_eq!(change.kind, kind, "{change:?}");
    change
}

/// Asserts that nothing was logged since `before`.
pub async fn no_change(store: &Store, before: i64) {
    assert_eq!(store.serial().await.unwrap(), before, "a failed write must not advance the serial");
    assert!(store.changes_since(before).await.unwrap().is_empty());
}
