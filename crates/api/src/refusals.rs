//! Logging refused requests without letting clients fill the disk.
//!
//! A refused request (a bad or missing signature, an unknown key) is logged in one short line:
//! its error code and a path of at most [`MAX_PATH`] characters, never the canonical request
//! or anything else the client chose at length (the client gets those in its error response).
//! At most [`BURST`] such lines are written per [`WINDOW`]; the refusals beyond are counted,
//! and the first line of the next window says how many were left out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refusals logged per window.
pub const BURST: u32 = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(10);
/// The longest path logged, in characters.
pub const MAX_PATH: usize = 120;

/// What to do with one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Log it.
    Log {
        /// Refusals left out since the last line.
        suppressed: u64,
    },
    /// Count it, do not log it.
    Drop,
}

/// The rate limit of refusal lines (one per server).
#[derive(Debug, Default)]
pub struct RefusalLog {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    window: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

impl RefusalLog {
    /// Decides for a refusal seen at `now`.
    pub fn admit(&self, now: Instant) -> Verdict {
        // The lock is held for a few comparisons, never across an await.
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.window.is_none_or(|start| now.duration_since(start) >= WINDOW) {
            s.window = Some(now);
            s.logged = 0;
        }
        if s.logged < BURST {
            s.logged += 1;
            let suppressed = std::mem::take(&mut s.suppressed);
            Verdict::Log { suppressed }
        } else {
            s.suppressed += 1;
            Verdict::Drop
        }
    }

    /// Logs a refusal (or counts it), briefly.
    pub fn refused(&self, code: &str, path: &str) {
        match self.admit(Instant::now()) {
            Verdict::Drop => {}
            Verdict::Log { suppressed } => {
                let path: String = path.chars().take(MAX_PATH).collect();
                if suppressed > 0 {
                    tracing::info!(%path, code, suppressed, "request refused ({suppressed} more refusals not logged)");
                } else {
                    tracing::info!(%path, code, "request refused");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_window_then_a_count_of_the_rest() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        for _ in 0..BURST {
            assert_eq!(log.admit(t0), Verdict::Log { suppressed: 0 });
        }
        for i in 0..1000 {
            assert_eq!(log.admit(t0 + Duration::from_millis(i)), Verdict::Drop);
        }
        // The next window's first line carries the count, once.
        let t1 = t0 + WINDOW;
        assert_eq!(log.admit(t1), Verdict::Log { suppressed: 1000 });
        assert_eq!(log.admit(t1), Verdict::Log { suppressed: 0 });
    }
}
