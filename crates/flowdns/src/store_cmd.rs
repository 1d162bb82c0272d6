//! `flowdns store backup|restore|info|copy`: online backups of the store, putting one back,
//! what a store holds, and moving a deployment to another store.
//!
//! A running server holds a shared lock on `flowdns.lock` in the data directory (flock(2),
//! released by the kernel when the process ends, however it ends). `restore` takes the lock
//! exclusively, so it refuses while any server runs on the directory.
//!
//! A restore checks the file first (an SQLite file with the store's tables, a schema version
//! this build knows), copies it next to the store, migrates the copy to the current schema,
//! moves each zone's SOA serial past the one the replaced store served (so that secondaries
//! and monitoring never see a serial go back), and only then renames it over `flowdns.db`:
//! a failure at any step leaves the store as it was.
//!
//! `copy` moves everything a store holds into a new, empty store, on either engine (typically
//! a data directory's SQLite file to PostgreSQL), in one transaction of the destination, and
//! checks it: the rows of every table and a digest of their values, read back from the
//! destination, must equal the source's (`store::Store::copy_to` has the details). It takes no
//! lock: the source is read in one read transaction, a consistent snapshot, while servers
//! may keep writing to it. A source that does not exist is refused, never created.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;
use store::{DB_FILE_NAME, Store, StoreInfo};

use crate::Refused;

/// The lock file in the data directory.
pub(crate) const LOCK_FILE: &str = "flowdns.lock";

/// A lock on the data directory, held while the value lives.
pub(crate) struct DirLock {
    #[cfg(unix)]
    _lock: nix::fcntl::Flock<File>,
    #[cfg(not(unix))]
    _file: File,
}

fn lock_file(data_dir: &Path) -> Result<File> {
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

/// The shared lock a server holds on its data directory. Several servers may share it.
pub(crate) fn lock_shared(data_dir: &Path) -> Result<DirLock> {
    let file = lock_file(data_dir)?;
    #[cfg(unix)]
    {
        use nix::fcntl::{Flock, FlockArg};
        let lock = Flock::lock(file, FlockArg::LockSharedNonblock).map_err(|(_, e)| {
            anyhow::anyhow!(
                "cannot lock {}: {e} (a `flowdns store restore` is replacing the store: try again when it is done)",
                data_dir.join(LOCK_FILE).display()
            )
        })?;
        Ok(DirLock { _lock: lock })
    }
    #[cfg(not(unix))]
    Ok(DirLock { _file: file })
}

/// The exclusive lock `restore` takes: refused while a server holds its shared lock.
fn lock_exclusive(data_dir: &Path) -> Result<DirLock> {
    let file = lock_file(data_dir)?;
    #[cfg(unix)]
    {
        use nix::fcntl::{Flock, FlockArg};
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(DirLock { _lock: lock }),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(Refused(format!(
                "a flowdns server is running on the data directory {}: stop it before restoring",
                data_dir.display()
            ))
            .into()),
            Err((_, e)) => {
                Err(anyhow::anyhow!("cannot lock {}: {e}", data_dir.join(LOCK_FILE).display()))
            }
        }
    }
    #[cfg(not(unix))]
    Ok(DirLock { _file: file })
}

fn info_json(info: &StoreInfo) -> serde_json::Value {
    json!({
        "schema_version": info.schema_version,
        "known_schema_version": info.known_schema_version,
        "serial": info.serial,
        "zones": info.zones,
        "records": info.records,
        "policies": info.policies,
        "policy_versions": info.policy_versions,
        "policy_records": info.policy_records,
        "health_checks": info.health_checks,
        "cidr_collections": info.cidr_collections,
        "changes": info.changes,
    })
}

fn info_text(info: &StoreInfo) -> String {
    format!(
        "schema version   {} (this flowdns knows up to {})\nchange serial    {}\nzones            {}\nrecords          {}\npolicies         {} ({} versions)\npolicy records   {}\nhealth checks    {}\ncidr collections {}\nchanges logged   {}",
        info.schema_version,
        info.known_schema_version,
        info.serial,
        info.zones,
        info.records,
        info.policies,
        info.policy_versions,
        info.policy_records,
        info.health_checks,
        info.cidr_collections,
        info.changes
    )
}

fn refuse(e: store::StoreError) -> anyhow::Error {
    match e {
        store::StoreError::Database(_) => anyhow::Error::new(e),
        other => Refused(other.to_string()).into(),
    }
}

/// The store file of a data directory, refused when there is none (so that a mistyped
/// directory is not taken for an empty store).
fn existing_db(data_dir: &Path) -> Result<PathBuf> {
    let db = data_dir.join(DB_FILE_NAME);
    if !db.is_file() {
        return Err(Refused(format!(
            "there is no store in {} (no {DB_FILE_NAME}): check --data-dir",
            data_dir.display()
        ))
        .into());
    }
    Ok(db)
}

/// `flowdns store info [FILE]`: the store of the data directory, or a backup file.
pub(crate) async fn info(
    data_dir: &Path,
    store_url: Option<&str>,
    file: Option<&Path>,
    json_out: bool,
) -> Result<()> {
    // A PostgreSQL store (--store, FLOWDNS_STORE, `store =`) is asked through a connection.
    if let (None, Some(url)) = (file, store_url.filter(|u| !u.starts_with("sqlite:"))) {
        let shown = crate::settings::redact_url(url);
        let store = Store::open_url(url).await.map_err(refuse)?;
        let info = store.info().await.map_err(refuse)?;
        store.close().await;
        if json_out {
            let mut v = info_json(&info);
            v["store"] = json!(shown);
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            println!("store            {shown}\n{}", info_text(&info));
        }
        return Ok(());
    }
    let path = match (file, store_url) {
        (Some(f), _) => f.to_path_buf(),
        (None, Some(url)) => {
            let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
            PathBuf::from(rest.split('?').next().unwrap_or(rest))
        }
        (None, None) => existing_db(data_dir)?,
    };
    let info = store::inspect(&path).await.map_err(refuse)?;
    if json_out {
        let mut v = info_json(&info);
        v["file"] = json!(path.display().to_string());
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("file             {}\n{}", path.display(), info_text(&info));
    }
    Ok(())
}

/// `flowdns store backup FILE`: a consistent copy, taken while servers and commands write.
pub(crate) async fn backup(data_dir: &Path, dest: &Path, json_out: bool) -> Result<()> {
    existing_db(data_dir)?;
    if dest.exists() {
        return Err(Refused(format!(
            "{} already exists: a backup is written to a new file",
            dest.display()
        ))
        .into());
    }
    // Written under a temporary name in the same directory, then renamed: a FILE that exists
    // is a whole backup.
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let store = Store::open(data_dir).await.context("cannot open the store")?;
    let result = store.backup(&tmp).await;
    store.close().await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(refuse(e)).with_context(|| format!("cannot write {}", dest.display()));
    }
    File::open(&tmp).and_then(|f| f.sync_all()).context("cannot flush the backup")?;
    std::fs::rename(&tmp, dest)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), dest.display()))?;
    let info = store::inspect(dest).await.map_err(refuse)?;
    if json_out {
        let mut v = info_json(&info);
        v["file"] = json!(dest.display().to_string());
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "backed up to {}: change serial {}, {} zones, {} policy records",
            dest.display(),
            info.serial,
            info.zones,
            info.policy_records
        );
    }
    Ok(())
}

/// `flowdns store restore FILE`: replaces the store of the data directory with a backup.
pub(crate) async fn restore(data_dir: &Path, file: &Path, json_out: bool) -> Result<()> {
    let _lock = lock_exclusive(data_dir)?;
    let backup = store::inspect(file).await.map_err(refuse)?;
    let db = data_dir.join(DB_FILE_NAME);
    let tmp = data_dir.join(format!("{DB_FILE_NAME}.restoring"));
    for p in [tmp.clone(), sidecar(&tmp, "-wal"), sidecar(&tmp, "-shm")] {
        let _ = std::fs::remove_file(p);
    }
    std::fs::copy(file, &tmp)
        .with_context(|| format!("cannot copy {} to {}", file.display(), tmp.display()))?;
    let outcome = async {
        // The serials DNS served before, which the restored zones must move past.
        let served = if db.is_file() {
            let current = Store::open(data_dir).await.context("cannot open the current store")?;
            let serials = current.soa_serials().await.map_err(refuse);
            // Closing checkpoints the current store's write-ahead log into its file.
            current.close().await;
            serials?
        } else {
            Vec::new()
        };
        let url = format!("sqlite:{}", tmp.display());
        let restored = Store::open_url(&url)
            .await
            .with_context(|| format!("cannot migrate {} to the current schema", file.display()))?;
        let result = async {
            let names: Vec<String> =
                restored.soa_serials().await.map_err(refuse)?.into_iter().map(|(n, _)| n).collect();
            for (zone, before) in served {
                if names.contains(&zone) {
                    restored
                        .advance_soa_serial(
                            &zone,
                            Some(before),
                            &format!(
                                "restored from a backup: SOA serial moved past {before}, served before the restore"
                            ),
                        )
                        .await
                        .map_err(refuse)?;
                }
            }
            restored.info().await.map_err(refuse)
        }
        .await;
        restored.close().await;
        result
    }
    .await;
    let info = match outcome {
        Ok(info) => info,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if std::fs::metadata(sidecar(&tmp, "-wal")).is_ok_and(|m| m.len() > 0) {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("the restored copy was not checkpointed; the store is unchanged");
    }
    File::open(&tmp).and_then(|f| f.sync_all()).context("cannot flush the restored copy")?;
    // The current store was checkpointed when it was closed: its log holds nothing more.
    for p in
        [sidecar(&db, "-wal"), sidecar(&db, "-shm"), sidecar(&tmp, "-wal"), sidecar(&tmp, "-shm")]
    {
        let _ = std::fs::remove_file(p);
    }
    std::fs::rename(&tmp, &db)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), db.display()))?;
    if let Ok(dir) = File::open(data_dir) {
        let _ = dir.sync_all();
    }
    if json_out {
        let mut v = info_json(&info);
        v["restored_from"] = json!(file.display().to_string());
        v["backup_schema_version"] = json!(backup.schema_version);
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "restored {} (schema version {} migrated to {}): change serial {}, {} zones, {} policy records",
            file.display(),
            backup.schema_version,
            info.schema_version,
            info.serial,
            info.zones,
            info.policy_records
        );
    }
    Ok(())
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Where `store copy` reads or writes: a data directory (its `flowdns.db`) or a database URL.
#[derive(Debug, PartialEq, Eq)]
enum Location {
    /// A data directory.
    Dir(PathBuf),
    /// A `sqlite:` or `postgres://` URL.
    Url(String),
}

impl Location {
    /// For messages: the store file of a directory, or the URL without its password.
    fn display(&self) -> String {
        match self {
            Location::Dir(dir) => {
                crate::settings::absolute(&dir.join(DB_FILE_NAME)).display().to_string()
            }
            Location::Url(url) => store::redact(url),
        }
    }

    async fn open(&self, role: &str) -> Result<Store> {
        let opened = match self {
            Location::Dir(dir) => Store::open(dir).await,
            Location::Url(url) => Store::open_url(url).await,
        };
        opened.map_err(|e| {
            Refused(format!("cannot open the {role} store {}: {e}", self.display())).into()
        })
    }
}

/// The file of a `sqlite:` URL (as sqlx reads it: after `sqlite:` or `sqlite://`, before `?`,
/// percent-decoded), or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or(rest);
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(String::from_utf8_lossy(&decoded).into_owned()))
}

/// Reads `--from` or `--to`: `sqlite:PATH`, `postgres://...` (or `postgresql://`), or a
/// data directory. A source must exist (and, on SQLite, be a flowdns store): a copy never
/// creates its source.
async fn location(arg: &str, flag: &str, source: bool) -> Result<Location> {
    let unsupported = || {
        Refused(format!(
            "{flag} {}: expected sqlite:PATH, postgres://USER@HOST/DATABASE or a data directory",
            store::redact(arg)
        ))
    };
    if arg.is_empty() {
        return Err(unsupported().into());
    }
    if arg.starts_with("postgres://") || arg.starts_with("postgresql://") {
        return Ok(Location::Url(arg.to_owned()));
    }
    if arg.starts_with("sqlite:") {
        if source && let Some(file) = sqlite_file(arg) {
            if !file.is_file() {
                return Err(Refused(format!(
                    "{flag} {arg}: there is no file {}: the source of a copy must exist",
                    file.display()
                ))
                .into());
            }
            store::inspect(&file).await.map_err(|e| Refused(format!("{flag} {arg}: {e}")))?;
        }
        return Ok(Location::Url(arg.to_owned()));
    }
    if arg.contains("://") {
        return Err(unsupported().into());
    }
    let dir = PathBuf::from(arg);
    if dir.is_file() {
        return Err(Refused(format!(
            "{flag} {arg} is a file: give its data directory, or sqlite:{arg} for a database file"
        ))
        .into());
    }
    if source {
        if !dir.is_dir() {
            return Err(Refused(format!("{flag} {arg}: no such data directory")).into());
        }
        let db = existing_db(&dir)?;
        store::inspect(&db).await.map_err(|e| Refused(format!("{flag} {arg}: {e}")))?;
    }
    Ok(Location::Dir(dir))
}

fn report_json(from: &Location, to: &Location, report: &store::CopyReport) -> serde_json::Value {
    json!({
        "from": from.display(),
        "to": to.display(),
        "source_engine": report.source_engine.as_str(),
        "destination_engine": report.destination_engine.as_str(),
        "schema_version": report.schema_version,
        "serial": report.serial,
        "tables": report.tables.iter().map(|t| json!({
            "table": t.table,
            "rows": t.source.rows,
            "source_digest": t.source.hex(),
            "destination_rows": t.destination.rows,
            "destination_digest": t.destination.hex(),
            "match": t.source == t.destination,
        })).collect::<Vec<_>>(),
        "skipped": report.skipped,
    })
}

fn report_text(from: &Location, to: &Location, report: &store::CopyReport) -> String {
    let mut out = format!(
        "copied {} ({}) to {} ({}): schema version {}, change serial {}\n\n{:<24} {:>10}  {:<16}  check\n",
        from.display(),
        report.source_engine.as_str(),
        to.display(),
        report.destination_engine.as_str(),
        report.schema_version,
        report.serial,
        "table",
        "rows",
        "digest",
    );
    for t in &report.tables {
        let check = if t.source == t.destination { "same on both" } else { "DIFFERENT" };
        out.push_str(&format!(
            "{:<24} {:>10}  {:<16}  {check}\n",
            t.table,
            t.source.rows,
            t.source.hex()
        ));
    }
    out.push_str(&format!(
        "\nnot copied: {} (each node registers and reports health again on the new store; each \
         store has its own migrations)",
        report.skipped.join(", ")
    ));
    out
}

/// `flowdns store copy --from FROM --to TO`: copies every zone, record, policy, policy record,
/// health check, tag, CIDR collection and the change log into a new, empty store, and checks
/// the copy. Progress on standard error, the report on standard output.
pub(crate) async fn copy(from: &str, to: &str, json_out: bool) -> Result<()> {
    let from = location(from, "--from", true).await?;
    let to = location(to, "--to", false).await?;
    if from == to {
        return Err(Refused("--from and --to name the same store".to_owned()).into());
    }
    let source = from.open("source").await?;
    let dest = match to.open("destination").await {
        Ok(dest) => dest,
        Err(e) => {
            source.close().await;
            return Err(e);
        }
    };
    eprintln!("copying {} to {}", from.display(), to.display());
    let result = source
        .copy_to(&dest, |table, rows| {
            eprintln!("  {table}: {rows} {}", if rows == 1 { "row" } else { "rows" })
        })
        .await;
    source.close().await;
    dest.close().await;
    let report = result.map_err(|e| match e {
        store::StoreError::Database(_) => {
            anyhow::Error::new(e).context("the copy failed; nothing was written to the destination")
        }
        other => Refused(format!("the copy was refused: {other}")).into(),
    })?;
    if json_out {
        crate::output::line(&serde_json::to_string_pretty(&report_json(&from, &to, &report))?);
    } else {
        crate::output::line(&report_text(&from, &to, &report));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_sqlite_url_names_its_file_as_sqlx_reads_it() {
        assert_eq!(sqlite_file("sqlite:/tmp/a.db"), Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(sqlite_file("sqlite:///tmp/a.db?mode=rwc"), Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(sqlite_file("sqlite:rel/a%20b%3F.db"), Some(PathBuf::from("rel/a b?.db")));
        assert_eq!(sqlite_file("sqlite:odd%zz"), Some(PathBuf::from("odd%zz")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite:file:x?mode=memory&cache=shared"), None);
    }
}
