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
            "no GeoIP database given (--geoip or FLOWDNS_GEOIP): every client's location is unknown, \
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
