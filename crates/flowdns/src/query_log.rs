//! `serve --query-log FILE --query-log-sample FRACTION`: opens the file and starts the DNS
//! edge's query log (see `dns::querylog`), which looks up the policy record of each logged
//! question in the snapshot current when the line is written.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

pub(crate) fn start(shared: &Arc<dns::Shared>, file: &Path, sample: f64) -> Result<()> {
    if !(sample > 0.0 && sample <= 1.0) {
        anyhow::bail!(
            "--query-log-sample {sample}: the share of queries to log must be above 0 and at most 1 (0.1 logs one query in ten)"
        );
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o640);
    let out = options
        .open(file)
        .with_context(|| format!("cannot open the query log {}", file.display()))?;
    let weak = Arc::downgrade(shared);
    let lookup: dns::querylog::RecordLookup = Box::new(move |name, rtype| {
        weak.upgrade()?.snapshot.load().policy_record_at(name, rtype).map(str::to_owned)
    });
    let (log, _writer) = dns::querylog::QueryLog::start(Box::new(out), sample, lookup)
        .context("cannot start the query log writer")?;
    shared.query_log.store(Some(log));
    tracing::info!(file = %file.display(), sample, "writing the query log");
    Ok(())
}
