//! The SOA serial follows health: when the health of checks changes, the zones whose policy
//! records or routed record sets use one of them may answer differently, so their SOA serial
//! moves on (one store write per zone, logged as a `soa_serial` change). The snapshot
//! follower then serves the new serial like any other change.
//!
//! Every node computes the same health view, so one node writes for all: the live node
//! whose name sorts first (heartbeat younger than `control::NODE_TIMEOUT`). While that node
//! is gone and not yet timed out, a health change does not move serials on; answers change
//! all the same.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use dns::health::HealthTable;
use store::Store;
use tokio::sync::watch;

/// How long to wait before writing again after the store refused a write.
const RETRY: Duration = Duration::from_secs(1);

/// The zones of `snapshot` whose answers use one of `checks`, by origin, each with the checks
/// it uses.
fn zones_using(snapshot: &zone::Snapshot, checks: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for z in snapshot.zones() {
        for b in z.bindings() {
            for id in b.policy.health_check_ids() {
                if checks.contains(&id) {
                    out.entry(z.origin().to_string()).or_default().insert(id.to_owned());
                }
            }
        }
    }
    out
}

/// Whether this node is the one that moves serials on: the first live node by name (or no
/// live node is registered yet: a node alone, starting).
async fn writes_for_all(store: &Store, node: &str) -> bool {
    let Ok(nodes) = store.nodes().await else { return false };
    let now = control::unix_ms();
    nodes
        .iter()
        .filter(|n| control::is_live(n.heartbeat_ms, now))
        .map(|n| n.id.as_str())
        .min()
        .is_none_or(|first| first == node)
}

/// Follows the health tables published on `tables` until the sender is dropped, moving on the
/// SOA serial of each zone whose checks changed. A write the store refuses is retried.
pub(crate) async fn follow(
    store: Store,
    shared: Arc<dns::Shared>,
    mut tables: watch::Receiver<Arc<HealthTable>>,
    node: String,
) {
    let mut last = tables.borrow_and_update().clone();
    let mut pending: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    loop {
        if pending.is_empty() {
            if tables.changed().await.is_err() {
                return;
            }
        } else {
            tokio::select! {
                changed = tables.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(RETRY) => {}
            }
        }
        let next = tables.borrow_and_update().clone();
        let changed = next.changed_since(&last);
        if !changed.is_empty() {
            for (zone, checks) in zones_using(&shared.snapshot.load(), &changed) {
                pending.entry(zone).or_default().extend(checks);
            }
        }
        last = next;
        if !pending.is_empty() && !writes_for_all(&store, &node).await {
            pending.clear();
            continue;
        }
        let zones: Vec<String> = pending.keys().cloned().collect();
        for zone in zones {
            let checks: Vec<&str> = pending[&zone].iter().map(String::as_str).collect();
            let detail = format!(
                "the health of check(s) {} changed the answers of zone {zone}",
                checks.join(", ")
            );
            match store.advance_soa_serial(&zone, None, &detail).await {
                Ok(serial) => {
                    tracing::info!(%zone, soa_serial = serial, checks = %checks.join(","), "SOA serial moved on for a health change");
                    pending.remove(&zone);
                }
                Err(store::StoreError::NotFound { .. }) => {
                    pending.remove(&zone);
                }
                Err(e) => {
                    tracing::warn!(%zone, error = %e, "cannot move the SOA serial on; will retry");
                    break;
                }
            }
        }
    }
}
