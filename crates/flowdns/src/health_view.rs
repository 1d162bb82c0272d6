//! The health view every node computes from the store: every checker node's reports,
//! combined with `health::view::Aggregator` (more than `[health] healthy_share` of the fresh
//! reports healthy), published to the DNS path (the unhealthy checks) and to the board the
//! API reads (statuses, last observations). Checker nodes write their reports with
//! [`report_sink`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use health::checker::{Board, CheckDef, ObservationRecord, ProbeReport};
use health::view::{Aggregator, CheckerReport};
use store::{HealthReport, Store};

/// How often the reports are read.
const READ_EVERY: Duration = Duration::from_millis(500);

/// Reads the reports every half second until `stop` completes, and publishes each check's
/// status to `board` and the unhealthy set to `publish` when it changes. While the store
/// cannot be read, the last statuses stand.
pub(crate) async fn run(
    store: Store,
    mut defs: tokio::sync::watch::Receiver<Vec<CheckDef>>,
    healthy_share: f64,
    board: Arc<Board>,
    publish: impl Fn(&HashSet<String>),
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut aggregator = Aggregator::default();
    let mut published: Option<HashSet<String>> = None;
    let mut failing = false;
    loop {
        let reports = match store.health_reports().await {
            Ok(r) => {
                failing = false;
                Some(r)
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot read health reports; keeping the last statuses");
                    failing = true;
                }
                None
            }
        };
        if let Some(reports) = reports {
            let mut by_check: HashMap<String, Vec<CheckerReport>> = HashMap::new();
            for r in reports {
                by_check.entry(r.check_id.clone()).or_default().push(checker_report(r));
            }
            let current = defs.borrow_and_update().clone();
            let (statuses, unhealthy) =
                aggregator.update(&current, &by_check, control::unix_ms(), healthy_share);
            for (id, s) in &statuses {
                if board.statuses.load().get(id).is_some_and(|b| b.healthy != s.healthy) {
                    tracing::warn!(check = %id, healthy = s.healthy, "health check status changed");
                }
            }
            board.statuses.store(Arc::new(statuses));
            if published.as_ref() != Some(&unhealthy) {
                publish(&unhealthy);
                published = Some(unhealthy);
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = defs.changed() => {}
            () = tokio::time::sleep(READ_EVERY) => {}
        }
    }
}

fn checker_report(r: HealthReport) -> CheckerReport {
    CheckerReport {
        node: r.node_id,
        region: r.region,
        healthy: r.healthy,
        reported_ms: r.reported_ms,
        last: ObservationRecord {
            at: r.observed_at,
            healthy: r.observed_healthy,
            reason: r.reason,
            latency: Duration::from_micros(u64::try_from(r.latency_us).unwrap_or(0)),
        },
        last_failure: r.failure_at.map(|at| ObservationRecord {
            at,
            healthy: false,
            reason: r.failure_reason.unwrap_or_default(),
            latency: Duration::ZERO,
        }),
    }
}

/// Where a checker node's reports go: a task that writes them to the store in order, one
/// transaction per batch. A batch that cannot be written is dropped (the next probe reports
/// again) and the error logged once until writes succeed again.
pub(crate) fn report_sink(
    store: Store,
    node: String,
    region: String,
) -> impl Fn(Vec<ProbeReport>) + Send + 'static {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<ProbeReport>>();
    tokio::spawn(async move {
        let mut failing = false;
        while let Some(mut batch) = rx.recv().await {
            // Take whatever else is queued: only the newest report per check matters.
            while let Ok(more) = rx.try_recv() {
                batch.retain(|r| !more.iter().any(|m| m.check_id == r.check_id));
                batch.extend(more);
            }
            let now = control::unix_ms();
            let rows: Vec<HealthReport> = batch
                .into_iter()
                .map(|r| HealthReport {
                    check_id: r.check_id,
                    node_id: node.clone(),
                    region: region.clone(),
                    healthy: r.healthy,
                    reported_ms: now,
                    observed_at: r.last.at,
                    observed_healthy: r.last.healthy,
                    reason: r.last.reason,
                    latency_us: i64::try_from(r.last.latency.as_micros()).unwrap_or(i64::MAX),
                    failure_at: r.last_failure.as_ref().map(|f| f.at.clone()),
                    failure_reason: r.last_failure.map(|f| f.reason),
                })
                .collect();
            match store.report_health(&rows).await {
                Ok(()) => {
                    if failing {
                        tracing::info!("health reports written again");
                        failing = false;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "cannot write health reports; other checkers' reports decide meanwhile");
                        failing = true;
                    }
                }
            }
        }
    });
    move |batch| {
        let _ = tx.send(batch);
    }
}
