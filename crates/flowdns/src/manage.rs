//! The commands that manage the store: `zone`, `policy create|update|list|show|delete` and
//! `record`. They work while the server runs: every write goes through the service layer
//! (`control::Service`, with the checks, limits and change log lines the API gets) as one
//! store transaction, and the server picks the change up from the change log.
//!
//! Output: a short human line by default, `--json` for scripts. A refused operation (not
//! found, conflict, invalid input) is one line on stderr and exit code 1; usage and I/O
//! problems exit with 2.

use std::path::Path;

use anyhow::Result;
use hickory_proto::rr::Name;
use serde_json::{Value, json};
use store::Store;

use crate::Refused;

/// Normalises a DNS name given on the command line to lower case with a trailing dot.
pub(crate) fn absolute(name: &str) -> Result<String, Refused> {
    let n = name.trim().to_ascii_lowercase();
    if n.is_empty() {
        return Err(Refused("a DNS name must not be empty".into()));
    }
    let n = if n.ends_with('.') { n } else { format!("{n}.") };
    Name::from_ascii(&n).map_err(|e| Refused(format!("{name:?} is not a valid DNS name: {e}")))?;
    Ok(n)
}

/// A record name given with `--zone`: absolute if it ends in the zone's name, otherwise
/// relative to the zone (`www` means `www.<zone>`); `@` is the apex.
pub(crate) fn in_zone(name: &str, zone: &str) -> Result<String, Refused> {
    if name == "@" {
        return Ok(zone.to_owned());
    }
    let trimmed = name.trim().to_ascii_lowercase();
    let with_dot = if trimmed.ends_with('.') { trimmed.clone() } else { format!("{trimmed}.") };
    if with_dot == zone || with_dot.ends_with(&format!(".{zone}")) {
        return absolute(&with_dot);
    }
    if trimmed.ends_with('.') {
        return Err(Refused(format!("{name} is not in the zone {zone}")));
    }
    absolute(&format!("{trimmed}.{zone}"))
}

fn print(json_out: bool, value: Value, human: impl FnOnce() -> String) {
    if json_out {
        crate::output::line(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        let text = human();
        if !text.is_empty() {
            crate::output::line(&text);
        }
    }
}

/// A refusal of the service layer: one line on stderr and exit code 1, or exit code 2 when
/// the store is unavailable.
fn denied(e: control::Error) -> anyhow::Error {
    crate::health_cmd::refused(e)
}

fn refused(e: store::StoreError) -> anyhow::Error {
    match e {
        store::StoreError::Database(_) => anyhow::Error::new(e),
        other => Refused(other.to_string()).into(),
    }
}

/// A lookup through the service layer refused as [`refused`] refuses the store's: the
/// message alone (`hosted zone not found: ...`), or exit code 2 when the store is unavailable.
fn lookup_refused(e: control::Error) -> anyhow::Error {
    if e.code == control::Code::ServiceUnavailable {
        anyhow::anyhow!("{}", e.message)
    } else {
        Refused(e.message).into()
    }
}

// ------------------------------------------------------------------------------------------
// Zones

pub(crate) async fn zone_import(
    service: &control::Service,
    file: &Path,
    origin: Option<&str>,
    json_out: bool,
) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let origin = origin.map(absolute).transpose()?;
    let parsed = match zone::master::parse(&text, origin.as_deref()) {
        Ok(p) => p,
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}:{}: {}", file.display(), e.line, e.message))
                .collect();
            return Err(Refused(format!(
                "{} error(s); nothing was imported\n{}",
                errors.len(),
                lines.join("\n")
            ))
            .into());
        }
    };
    let zone_name = zone::master::name_text(&parsed.origin).to_ascii_lowercase();
    let rows: Vec<control::zone_files::ZoneFileRecord> = parsed
        .records
        .iter()
        .map(|r| control::zone_files::ZoneFileRecord {
            name: zone::master::name_text(&r.name).to_ascii_lowercase(),
            rtype: zone::master::type_text(r.record_type()),
            ttl: r.ttl,
            value: zone::master::rdata_text(r),
        })
        .collect();
    let done = service.import_zone(&zone_name, rows).await.map_err(denied)?;
    let (zone, created, count) = (done.zone, done.created, done.records);
    print(
        json_out,
        json!({"zone": zone.name, "id": zone.id, "records": count, "created": created}),
        || {
            format!(
                "{}: {count} records {}",
                zone.name,
                if created { "imported (new zone)" } else { "imported (replaced)" }
            )
        },
    );
    Ok(())
}

pub(crate) async fn zone_export(store: &Store, name: &str) -> Result<()> {
    let zone_name = absolute(name)?;
    let zone = store.zone_by_name(&zone_name).await.map_err(refused)?;
    let rows = store.zone_records(&zone.id).await.map_err(refused)?;
    let origin = Name::from_ascii(&zone.name)?;
    let mut records = Vec::with_capacity(rows.len());
    for r in rows {
        records.push(
            zone::master::parse_rdata(&origin, &r.name, &r.rtype, r.ttl, &r.rdata).map_err(
                |e| anyhow::anyhow!("stored record {} {} does not parse: {e}", r.name, r.rtype),
            )?,
        );
    }
    crate::output::write(&zone::master::write(&origin, &records));
    Ok(())
}

pub(crate) async fn zone_list(store: &Store, json_out: bool) -> Result<()> {
    let zones = store.list_zones().await.map_err(refused)?;
    let v: Vec<Value> =
        zones.iter().map(|z| json!({"id": z.id, "name": z.name, "comment": z.comment})).collect();
    print(json_out, json!(v), || {
        zones.iter().map(|z| format!("{}\t{}", z.name, z.id)).collect::<Vec<_>>().join("\n")
    });
    Ok(())
}

pub(crate) async fn zone_delete(
    service: &control::Service,
    name: &str,
    json_out: bool,
) -> Result<()> {
    let zone = service.zone_by_name(&absolute(name)?).await.map_err(lookup_refused)?;
    service.delete_zone_with_records(&zone.id).await.map_err(denied)?;
    print(json_out, json!({"deleted": zone.name, "id": zone.id}), || {
        format!("deleted zone {}", zone.name)
    });
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Policies

/// Reads and compiles a document, refusing it with every validator error.
fn read_policy(file: &Path, catalog: &policy::codes::Catalog) -> Result<String> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Refused(format!("{}: the document is not UTF-8 text", file.display())))?;
    let c = policy::compile(&text, catalog);
    match &c.policy {
        Some(_) => {
            for w in c.warnings() {
                eprintln!("{}: {w}", file.display());
            }
            Ok(text)
        }
        None => {
            let errors: Vec<String> =
                c.errors().map(|d| format!("{}: {d}", file.display())).collect();
            Err(Refused(format!(
                "the document is invalid; nothing was stored\n{}",
                errors.join("\n")
            ))
            .into())
        }
    }
}

/// Where `policy create` and `policy update` store a document.
pub(crate) enum PolicyTarget<'a> {
    /// A new policy with this name (version 1); prints its id.
    New { name: &'a str },
    /// The next version of this policy; prints the version number.
    NextVersion { id: &'a str },
}

/// Warnings about what was just stored: on stderr, and in the JSON output.
fn warn(json_out: bool, value: &mut Value, warnings: Vec<String>) {
    if json_out {
        value["warnings"] = json!(warnings);
    } else {
        for w in warnings {
            eprintln!("flowdns: warning: {w}");
        }
    }
}

pub(crate) async fn policy_store(
    service: &control::Service,
    catalog: &policy::codes::Catalog,
    target: PolicyTarget<'_>,
    file: &Path,
    comment: Option<&str>,
    json_out: bool,
) -> Result<()> {
    let text = read_policy(file, catalog)?;
    let comment = comment.unwrap_or("");
    let v = match target {
        PolicyTarget::New { name } => service.create_policy(name, &text, comment).await,
        PolicyTarget::NextVersion { id } => service.create_policy_version(id, &text, comment).await,
    }
    .map_err(denied)?;
    let new_policy = matches!(target, PolicyTarget::New { .. });
    let mut value = json!({"id": v.policy_id, "version": v.version, "type": v.record_type});
    // Stored already: a failure to list the health checks only loses the warnings.
    let missing = match &policy::compile(&text, catalog).policy {
        Some(p) => service.missing_health_checks(p).await.unwrap_or_default(),
        None => Vec::new(),
    };
    warn(json_out, &mut value, missing);
    print(json_out, value, || if new_policy { v.policy_id.clone() } else { v.version.to_string() });
    Ok(())
}

pub(crate) async fn policy_list(store: &Store, json_out: bool) -> Result<()> {
    let list = store.list_policies().await.map_err(refused)?;
    let v: Vec<Value> = list
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "type": p.record_type, "latest_version": p.latest_version, "versions": p.version_count}))
        .collect();
    print(json_out, json!(v), || {
        list.iter()
            .map(|p| format!("{}\t{}\t{}\tv{}", p.id, p.name, p.record_type, p.latest_version))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub(crate) async fn policy_show(
    store: &Store,
    id: &str,
    version: Option<u32>,
    json_out: bool,
) -> Result<()> {
    let v = store.get_policy_version(id, version).await.map_err(refused)?;
    if json_out {
        print(
            true,
            json!({"id": v.policy_id, "name": v.name, "version": v.version, "type": v.record_type, "comment": v.comment, "document": v.document}),
            String::new,
        );
    } else {
        // The document exactly as it was stored.
        if v.document.ends_with('\n') {
            crate::output::write(&v.document);
        } else {
            crate::output::line(&v.document);
        }
    }
    Ok(())
}

pub(crate) async fn policy_delete(
    service: &control::Service,
    id: &str,
    version: u32,
    json_out: bool,
) -> Result<()> {
    service.delete_policy(id, version).await.map_err(denied)?;
    print(json_out, json!({"deleted": {"id": id, "version": version}}), || {
        format!("deleted {id} version {version}")
    });
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Policy records

fn record_json(r: &control::instances::PolicyRecord) -> Value {
    json!({
        "id": r.id, "zone_id": r.zone_id, "name": r.name, "type": r.record_type, "ttl": r.ttl,
        "policy_id": r.policy_id, "version": r.policy_version, "state": r.state.as_str(), "message": r.message,
    })
}

pub(crate) struct RecordCreate<'a> {
    pub(crate) zone: &'a str,
    pub(crate) name: &'a str,
    pub(crate) policy: &'a str,
    pub(crate) version: u32,
    pub(crate) ttl: u32,
}

pub(crate) async fn record_create(
    service: &control::Service,
    a: RecordCreate<'_>,
    json_out: bool,
) -> Result<()> {
    let zone = service.zone_by_name(&absolute(a.zone)?).await.map_err(lookup_refused)?;
    let name = in_zone(a.name, &zone.name)?;
    let r = service
        .create_instance(&zone.id, &name, i64::from(a.ttl), a.policy, a.version)
        .await
        .map_err(denied)?;
    let mut value = record_json(&r);
    let missing =
        service.version_warnings(&r.policy_id, r.policy_version).await.unwrap_or_default();
    warn(json_out, &mut value, missing);
    print(json_out, value, || r.id.clone());
    Ok(())
}

pub(crate) async fn record_update(
    service: &control::Service,
    id: &str,
    policy: Option<&str>,
    version: u32,
    ttl: Option<u32>,
    json_out: bool,
) -> Result<()> {
    let r =
        service.update_instance(id, ttl.map(i64::from), policy, version).await.map_err(denied)?;
    print(json_out, record_json(&r), || {
        format!("{} now uses {} version {} ({})", r.name, r.policy_id, r.policy_version, r.state)
    });
    Ok(())
}

pub(crate) async fn record_delete(
    service: &control::Service,
    id: &str,
    json_out: bool,
) -> Result<()> {
    service.delete_instance(id).await.map_err(denied)?;
    print(json_out, json!({"deleted": id}), || format!("deleted policy record {id}"));
    Ok(())
}

pub(crate) async fn record_list(store: &Store, zone: Option<&str>, json_out: bool) -> Result<()> {
    let zone_id = match zone {
        Some(z) => Some(store.zone_by_name(&absolute(z)?).await.map_err(refused)?.id),
        None => None,
    };
    let list: Vec<control::instances::PolicyRecord> = store
        .list_policy_records(zone_id.as_deref())
        .await
        .map_err(refused)?
        .into_iter()
        .map(control::instances::PolicyRecord::from)
        .collect();
    print(json_out, json!(list.iter().map(record_json).collect::<Vec<_>>()), || {
        list.iter()
            .map(|r| {
                format!(
                    "{}\t{}\t{}\tttl {}\t{} v{}\t{}{}",
                    r.id,
                    r.name,
                    r.record_type,
                    r.ttl,
                    r.policy_id,
                    r.policy_version,
                    r.state,
                    if r.message.is_empty() { String::new() } else { format!(": {}", r.message) }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
