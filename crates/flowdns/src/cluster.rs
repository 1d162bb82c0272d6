//! This node's place in a deployment of several nodes on one store: it registers itself
//! (name, roles, region, addresses), renews a heartbeat every second with the change serial
//! its DNS snapshot answers from (at once when that serial moves, so that GetChange turns
//! INSYNC without waiting), and leaves the registry on a clean shutdown. The control plane
//! counts the live DNS nodes for GetChange (`control::Service::in_sync`).

use std::sync::Arc;
use std::time::Duration;

use store::{NodeInfo, Store};

use crate::settings::NodeSettings;

/// Time between two heartbeats.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(1);

/// The row this node registers.
pub(crate) fn node_info(
    node: &NodeSettings,
    dns: &[std::net::SocketAddr],
    api: Option<std::net::SocketAddr>,
    served_serial: i64,
) -> NodeInfo {
    let list =
        |a: &[std::net::SocketAddr]| a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",");
    NodeInfo {
        id: node.name.clone(),
        roles: node.roles(),
        dns: node.dns,
        region: node.region.clone(),
        dns_address: if node.dns { list(dns) } else { String::new() },
        api_address: api.map(|a| a.to_string()).unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        heartbeat_ms: control::unix_ms(),
        served_serial,
    }
}

/// Registers the node, then beats until `stop` completes, and leaves the registry. A store
/// error is logged once until the store answers again (the change-log follower reports the
/// outage too); a node that finds its row gone registers again.
pub(crate) async fn run(
    store: Store,
    mut info: NodeInfo,
    served: Arc<control::Served>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut registered = false;
    let mut failing = false;
    let mut last_sent = i64::MIN;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_beat = tokio::time::Instant::now() - HEARTBEAT;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            _ = tick.tick() => {}
        }
        let serial = served.get();
        // Beat every second, and as soon as the served serial moves.
        if serial == last_sent && last_beat.elapsed() < HEARTBEAT {
            continue;
        }
        last_beat = tokio::time::Instant::now();
        let now = control::unix_ms();
        let result = if registered {
            store.heartbeat(&info.id, now, serial).await
        } else {
            info.heartbeat_ms = now;
            info.served_serial = serial;
            store.register_node(&info).await.map(|()| true)
        };
        match result {
            Ok(true) => {
                if !registered {
                    tracing::info!(node = %info.id, roles = %info.roles, region = %info.region, "node registered");
                }
                registered = true;
                last_sent = serial;
                if failing {
                    tracing::info!(node = %info.id, "heartbeat renewed");
                    failing = false;
                }
            }
            Ok(false) => registered = false,
            Err(e) => {
                if !failing {
                    tracing::warn!(node = %info.id, error = %e, "cannot renew this node's heartbeat");
                    failing = true;
                }
            }
        }
    }
    if registered && let Err(e) = store.remove_node(&info.id).await {
        tracing::warn!(node = %info.id, error = %e, "cannot leave the node registry");
    }
}
