//! Reads the GeoIP databases and the latency table from files and hands their bytes to the
//! `geo` crate. Problems with a file are errors naming the file; having no database at all is
//! allowed, with one warning that says what it means.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

/// The located `geo::Locator` plus the warnings to show once.
pub(crate) struct Geo {
    pub(crate) locator: geo::Locator,
    warnings: Vec<String>,
}

impl Geo {
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Loads every database in `paths` (empty entries, as left by a trailing ':' in
/// `FLOWDNS_GEOIP`, are skipped) and the latency table if one is given.
pub(crate) fn load(paths: &[PathBuf], latency_table: Option<&Path>) -> Result<Geo> {
    let mut db = geo::GeoDb::new();
    for path in paths.iter().filter(|p| !p.as_os_str().is_empty()) {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read GeoIP database {}", path.display()))?;
        db.add(&path.display().to_string(), bytes)
            .map_err(|e| anyhow!("GeoIP database {}: {e}", path.display()))?;
    }
    let mut warnings = Vec::new();
    if db.is_empty() {
        warnings.push(
            "no GeoIP database (--geoip, FLOWDNS_GEOIP, [geoip] files, or *.mmdb files in the \
             data directory's geoip/): every client's location is unknown, \
             so geo rules answer from their default location and latency and geoproximity rules \
             from their first entry; scripts/setup fetches the free DB-IP lite database"
                .to_owned(),
        );
    }
    let latency = match latency_table {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read latency table {}", path.display()))?;
            let table = geo::LatencyTable::parse(&text).map_err(|errors| {
                anyhow!("latency table {}: {}", path.display(), errors.join("; "))
            })?;
            Some(table)
        }
    };
    Ok(Geo { locator: geo::Locator::new(db, latency), warnings })
}

/// Reads and checks one database with the `geo` crate.
fn check_database(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read GeoIP database {}", path.display()))?;
    let mut db = geo::GeoDb::new();
    db.add(&path.display().to_string(), bytes.clone())
        .map_err(|e| anyhow!("GeoIP database {}: {e}", path.display()))?;
    Ok(bytes)
}

/// `flowdns geoip update --from FILE|DIR`: checks every database given (a file, or each
/// `*.mmdb` file of a directory) and, when all are valid, installs each into `dir` under its
/// file name: written to a temporary file in `dir`, flushed, then renamed over the old one, so
/// a running server reads either the old or the new file, never a partial one. Returns the
/// installed paths.
pub(crate) fn install(from: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(from)
        .with_context(|| format!("--from {}: cannot read it", from.display()))?;
    let sources: Vec<PathBuf> = if meta.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(from)
            .with_context(|| format!("cannot list {}", from.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "mmdb"))
            .collect();
        found.sort();
        if found.is_empty() {
            anyhow::bail!("--from {}: the directory has no *.mmdb file", from.display());
        }
        found
    } else {
        vec![from.to_path_buf()]
    };
    // Check all before installing any: nothing half-applied.
    let mut checked = Vec::new();
    for path in &sources {
        let name = path
            .file_name()
            .ok_or_else(|| anyhow!("--from {}: not a file name", path.display()))?
            .to_owned();
        checked.push((name, check_database(path)?));
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the GeoIP directory {}", dir.display()))?;
    let mut installed = Vec::new();
    for (name, bytes) in checked {
        let target = dir.join(&name);
        let temp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let written = (|| -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&temp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&temp, &target)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            anyhow::bail!("cannot install {}: {e}", target.display());
        }
        installed.push(target);
    }
    // The renames are durable once the directory is.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(installed)
}

/// What identifies the current version of the files a locator was built from.
type Fingerprint = Vec<(PathBuf, Option<std::time::SystemTime>, u64)>;

fn fingerprint(paths: &[PathBuf], latency_table: Option<&Path>) -> Fingerprint {
    paths
        .iter()
        .map(PathBuf::as_path)
        .chain(latency_table)
        .map(|p| {
            let m = std::fs::metadata(p).ok();
            (
                p.to_path_buf(),
                m.as_ref().and_then(|m| m.modified().ok()),
                m.as_ref().map_or(0, std::fs::Metadata::len),
            )
        })
        .collect()
}

/// Keeps the server's GeoIP data current: rebuilds the locator on SIGHUP, and when the files
/// change (checked every `interval`; `None`: only on SIGHUP), then swaps it in atomically.
/// Queries in progress finish with the old one; a database that does not load is logged and
/// the old data kept.
pub(crate) async fn watch(
    source: crate::settings::GeoipSource,
    latency_table: Option<PathBuf>,
    interval: Option<std::time::Duration>,
    mut hangup: Option<tokio::signal::unix::Signal>,
    shared: std::sync::Arc<dns::Shared>,
) {
    let current = |source: &crate::settings::GeoipSource| source.paths().unwrap_or_default();
    let mut seen = fingerprint(&current(&source), latency_table.as_deref());
    loop {
        // Some(true): SIGHUP; Some(false): time to look at the files; None: no more signals.
        let event = tokio::select! {
            got = async {
                match hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            } => got.map(|()| true),
            () = async {
                match interval {
                    Some(i) => tokio::time::sleep(i).await,
                    None => std::future::pending().await,
                }
            } => Some(false),
        };
        let Some(forced) = event else {
            hangup = None;
            if interval.is_none() {
                return;
            }
            continue;
        };
        let paths = match source.paths() {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot reload GeoIP data; keeping the current data");
                continue;
            }
        };
        let now = fingerprint(&paths, latency_table.as_deref());
        if !forced && now == seen {
            continue;
        }
        seen = now;
        let table = latency_table.clone();
        let loading = paths.clone();
        let loaded = tokio::task::spawn_blocking(move || load(&loading, table.as_deref())).await;
        match loaded {
            Ok(Ok(geo)) => {
                let databases = geo.locator.geo().databases().count();
                shared.locator.store(std::sync::Arc::new(geo.locator));
                tracing::info!(
                    databases,
                    files = %paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" "),
                    trigger = if forced { "SIGHUP" } else { "files changed" },
                    "GeoIP data reloaded"
                );
            }
            Ok(Err(e)) => {
                tracing::error!(error = %format!("{e:#}"), "cannot reload GeoIP data; keeping the current data");
            }
            Err(e) => tracing::error!(error = %e, "GeoIP reload failed; keeping the current data"),
        }
    }
}
