//! `GET /readyz`: whether this server answers DNS from current data.
//!
//! Ready means both:
//! - the store answers a cheap read (its change serial) within [`STORE_TIMEOUT`];
//! - the DNS snapshot is current: its serial equals the store's, or it has been behind the
//!   store for less than [`MAX_LAG`]. The server picks up a change within milliseconds, so a
//!   snapshot that stays behind means changes are not being applied (the change log cannot be
//!   read, or a rebuild keeps failing).
//!
//! The lag is measured from the first probe that saw the store ahead: a probe that finds the
//! snapshot behind remembers the store's serial and the time, and later probes fail once the
//! snapshot has not reached that serial within [`MAX_LAG`]. A stuck snapshot is therefore
//! reported by the first probe that comes at least [`MAX_LAG`] after the one that noticed it.
//!
//! `GET /healthz` stays a liveness check: it answers as long as the process serves HTTP.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the DNS snapshot may stay behind a serial the store has reached.
pub const MAX_LAG: Duration = Duration::from_secs(5);

/// How long the store's serial may take to read before the store counts as not answering.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// The outcome of one readiness probe.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// The store answers and the snapshot is current (or catching up within [`MAX_LAG`]).
    Ready {
        /// The store's change serial.
        store: i64,
        /// The serial DNS answers from.
        snapshot: i64,
        /// How long the snapshot has been seen behind (zero when current).
        lag: Duration,
    },
    /// Not ready, with the reason.
    NotReady {
        /// One sentence for an operator.
        reason: String,
        /// The store's change serial, when it could be read.
        store: Option<i64>,
        /// The serial DNS answers from.
        snapshot: i64,
    },
}

impl Verdict {
    /// The HTTP status and the JSON body of `/readyz`.
    pub(crate) fn to_response(&self) -> (u16, serde_json::Value) {
        match self {
            Verdict::Ready { store, snapshot, lag } => {
                let mut body = serde_json::json!({
                    "ready": true,
                    "store_serial": store,
                    "snapshot_serial": snapshot,
                });
                if !lag.is_zero() {
                    body["lag_seconds"] = serde_json::json!(round_millis(*lag));
                }
                (200, body)
            }
            Verdict::NotReady { reason, store, snapshot } => (
                503,
                serde_json::json!({
                    "ready": false,
                    "reason": reason,
                    "store_serial": store,
                    "snapshot_serial": snapshot,
                }),
            ),
        }
    }
}

fn round_millis(d: Duration) -> f64 {
    (d.as_millis() as f64) / 1000.0
}

/// A store serial the snapshot had not reached when a probe first saw it.
#[derive(Debug, Clone, Copy)]
struct Behind {
    store: i64,
    since: Instant,
}

/// The probe's memory between requests: when the snapshot was first seen behind.
#[derive(Debug)]
pub(crate) struct Readiness {
    max_lag: Duration,
    behind: Mutex<Option<Behind>>,
}

impl Readiness {
    /// A probe that tolerates the snapshot being behind for `max_lag`.
    pub(crate) fn new(max_lag: Duration) -> Readiness {
        Readiness { max_lag, behind: Mutex::new(None) }
    }

    /// Probes the service: reads the store's serial (bounded by [`STORE_TIMEOUT`]) and
    /// compares it with the serial DNS answers from.
    pub(crate) async fn check(&self, service: &control::Service) -> Verdict {
        let store = match tokio::time::timeout(STORE_TIMEOUT, service.store_serial()).await {
            Ok(Ok(serial)) => Ok(serial),
            Ok(Err(e)) => Err(e.message),
            Err(_) => Err(format!("no answer within {} s", STORE_TIMEOUT.as_secs())),
        };
        // Read after the store: a snapshot published meanwhile only makes the verdict fresher.
        self.assess(store, service.served_serial(), Instant::now())
    }

    /// The verdict for a store serial (or the error reading it) and the snapshot's serial at
    /// `now`; remembers when the snapshot was first seen behind.
    pub(crate) fn assess(
        &self,
        store: Result<i64, String>,
        snapshot: i64,
        now: Instant,
    ) -> Verdict {
        let store = match store {
            Ok(s) => s,
            Err(e) => {
                return Verdict::NotReady {
                    reason: format!("the store does not answer: {e}"),
                    store: None,
                    snapshot,
                };
            }
        };
        let mut behind = self.behind.lock().unwrap_or_else(|e| e.into_inner());
        if snapshot >= store {
            *behind = None;
            return Verdict::Ready { store, snapshot, lag: Duration::ZERO };
        }
        let seen = match *behind {
            // Still short of the serial an earlier probe saw: the lag runs from then.
            Some(b) if snapshot < b.store => b,
            // Newly behind, or caught up with what was seen but the store moved on.
            _ => {
                let b = Behind { store, since: now };
                *behind = Some(b);
                b
            }
        };
        let lag = now.saturating_duration_since(seen.since);
        if lag >= self.max_lag {
            Verdict::NotReady {
                reason: format!(
                    "DNS answers from change serial {snapshot}, but the store reached serial {} \
                     {:.1} s ago and the snapshot has not caught up (at most {} s allowed)",
                    seen.store,
                    lag.as_secs_f64(),
                    self.max_lag.as_secs()
                ),
                store: Some(store),
                snapshot,
            }
        } else {
            Verdict::Ready { store, snapshot, lag }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn current_snapshot_is_ready() {
        let r = Readiness::new(secs(5));
        let now = Instant::now();
        assert_eq!(
            r.assess(Ok(7), 7, now),
            Verdict::Ready { store: 7, snapshot: 7, lag: Duration::ZERO }
        );
        let (status, body) = r.assess(Ok(7), 7, now).to_response();
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({"ready": true, "store_serial": 7, "snapshot_serial": 7})
        );
    }

    #[test]
    fn a_store_error_is_not_ready_and_names_the_store() {
        let r = Readiness::new(secs(5));
        let v = r.assess(Err("no such table: meta".into()), 3, Instant::now());
        let (status, body) = v.to_response();
        assert_eq!(status, 503);
        assert_eq!(body["ready"], false);
        assert_eq!(body["reason"], "the store does not answer: no such table: meta");
        assert_eq!(body["store_serial"], serde_json::Value::Null);
        assert_eq!(body["snapshot_serial"], 3);
    }

    #[test]
    fn a_snapshot_behind_is_ready_until_the_lag_is_reached() {
        let r = Readiness::new(secs(5));
        let t0 = Instant::now();
        assert_eq!(
            r.assess(Ok(10), 9, t0),
            Verdict::Ready { store: 10, snapshot: 9, lag: Duration::ZERO }
        );
        // More writes meanwhile do not restart the clock while serial 10 is not reached.
        assert_eq!(
            r.assess(Ok(12), 9, t0 + secs(4)),
            Verdict::Ready { store: 12, snapshot: 9, lag: secs(4) }
        );
        let (status, body) = r.assess(Ok(12), 9, t0 + secs(4)).to_response();
        assert_eq!((status, body["lag_seconds"].as_f64()), (200, Some(4.0)));
        let v = r.assess(Ok(12), 9, t0 + secs(5));
        let (status, body) = v.to_response();
        assert_eq!(status, 503);
        assert_eq!(body["store_serial"], 12);
        assert_eq!(body["snapshot_serial"], 9);
        let reason = body["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("change serial 9") && reason.contains("serial 10"), "{reason}");
        // Caught up: ready at once, and the memory is cleared.
        assert_eq!(
            r.assess(Ok(12), 12, t0 + secs(6)),
            Verdict::Ready { store: 12, snapshot: 12, lag: Duration::ZERO }
        );
        assert_eq!(
            r.assess(Ok(13), 12, t0 + secs(20)),
            Verdict::Ready { store: 13, snapshot: 12, lag: Duration::ZERO }
        );
    }

    #[test]
    fn progress_past_the_serial_seen_restarts_the_clock() {
        let r = Readiness::new(secs(5));
        let t0 = Instant::now();
        assert!(matches!(r.assess(Ok(10), 9, t0), Verdict::Ready { .. }));
        // The snapshot reached 10, the store is at 20 by now: a new wait from here.
        assert_eq!(
            r.assess(Ok(20), 10, t0 + secs(6)),
            Verdict::Ready { store: 20, snapshot: 10, lag: Duration::ZERO }
        );
        assert!(matches!(r.assess(Ok(20), 15, t0 + secs(10)), Verdict::Ready { .. }));
        assert!(matches!(r.assess(Ok(20), 15, t0 + secs(11)), Verdict::NotReady { .. }));
    }

    #[test]
    fn a_store_error_keeps_the_memory_of_the_lag() {
        let r = Readiness::new(secs(5));
        let t0 = Instant::now();
        assert!(matches!(r.assess(Ok(10), 9, t0), Verdict::Ready { .. }));
        assert!(matches!(r.assess(Err("busy".into()), 9, t0 + secs(3)), Verdict::NotReady { .. }));
        assert!(matches!(r.assess(Ok(10), 9, t0 + secs(5)), Verdict::NotReady { .. }));
    }
}
