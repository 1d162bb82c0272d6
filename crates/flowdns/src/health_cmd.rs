//! `flowdns health`: health-check definitions and overrides, through the same service layer
//! as the API. Configurations use Route 53's `HealthCheckConfig` field names, as JSON.

use anyhow::Result;
use serde_json::json;

use crate::Refused;

pub(crate) fn refused(e: control::Error) -> anyhow::Error {
    if e.code == control::Code::ServiceUnavailable {
        anyhow::anyhow!("{}", e.message)
    } else {
        Refused(format!("{}: {}", e.code.as_str(), e.message)).into()
    }
}

/// A configuration given inline (`{"Type": "HTTP", ...}`) or as `@FILE`.
fn read_config(text: &str) -> Result<control::health::HealthCheckConfig> {
    let raw = match text.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?
        }
        None => text.to_owned(),
    };
    serde_json::from_str(&raw).map_err(|e| {
        Refused(format!(
            "the configuration is not a Route 53 HealthCheckConfig in JSON ({e}); for example \
             {{\"Type\": \"HTTP\", \"IPAddress\": \"192.0.2.10\", \"Port\": 80, \"ResourcePath\": \"/health\"}}"
        ))
        .into()
    })
}

fn show(r: &control::health::HealthReport) -> serde_json::Value {
    json!({
        "id": r.check.check.id,
        "caller_reference": r.check.check.caller_reference,
        "version": r.check.check.version,
        "config": r.check.config,
        "override": r.forced.as_ref().map(|o| json!({
            "healthy": o.healthy, "set_by": o.set_by, "set_at": o.set_at, "reason": o.reason,
        })),
    })
}

pub(crate) fn print(json_out: bool, value: &serde_json::Value, human: impl FnOnce() -> String) {
    if json_out {
        crate::output::line(&serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        crate::output::line(&human());
    }
}

/// `flowdns health create CONFIG [--caller-reference REF]`: prints the new id.
pub(crate) async fn create(
    s: &control::Service,
    config: &str,
    caller_reference: Option<&str>,
    json_out: bool,
) -> Result<()> {
    let config = read_config(config)?;
    let reference = caller_reference.map(str::to_owned).unwrap_or_else(|| {
        format!(
            "cli-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        )
    });
    let h = s.create_health_check(&reference, config).await.map_err(refused)?;
    print(json_out, &json!({"id": h.check.id, "config": h.config}), || h.check.id.clone());
    Ok(())
}

/// Live status lives in the running server: each check's status and last failure, by id,
/// from its API; or why it could not be asked.
async fn live_statuses(
    server: &str,
    data_dir: &std::path::Path,
) -> Result<std::collections::HashMap<String, serde_json::Value>, String> {
    let answer = crate::remote::find(server, data_dir)?.call("GET", "health-checks", None).await?;
    Ok(answer["health_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["id"].as_str()?.to_owned(), c.clone())))
        .collect())
}

/// `flowdns health list`: every check with its status and last failure, from the running
/// server when it can be reached.
pub(crate) async fn list(
    s: &control::Service,
    server: &str,
    data_dir: &std::path::Path,
    json_out: bool,
) -> Result<()> {
    let page = s.list_health_checks(None, Some("1000")).await.map_err(refused)?;
    let mut reports = Vec::new();
    for h in &page.items {
        reports.push(s.health_report(&h.check.id).await.map_err(refused)?);
    }
    let live = if reports.is_empty() {
        Ok(Default::default())
    } else {
        live_statuses(server, data_dir).await
    };
    let status_of = |id: &str| -> (String, serde_json::Value) {
        match &live {
            Err(_) => ("unknown (server not reachable)".to_owned(), serde_json::Value::Null),
            Ok(map) => match map.get(id) {
                Some(c) => (
                    c["status"].as_str().unwrap_or("unknown").to_owned(),
                    c["last_failure"].clone(),
                ),
                None => ("unknown (not checked by the server)".to_owned(), serde_json::Value::Null),
            },
        }
    };
    let value = json!(
        reports
            .iter()
            .map(|r| {
                let mut v = show(r);
                let (status, last_failure) = status_of(&r.check.check.id);
                v["status"] = json!(status);
                v["last_failure"] = last_failure;
                v
            })
            .collect::<Vec<_>>()
    );
    print(json_out, &value, || {
        reports
            .iter()
            .map(|r| {
                let c = &r.check.config;
                let target = c
                    .fully_qualified_domain_name
                    .clone()
                    .or(c.ip_address.clone())
                    .unwrap_or_default();
                let forced = match &r.forced {
                    Some(o) => format!(
                        "  forced {} by {}",
                        if o.healthy { "healthy" } else { "unhealthy" },
                        o.set_by
                    ),
                    None => String::new(),
                };
                let (status, last_failure) = status_of(&r.check.check.id);
                let failure = match last_failure["reason"].as_str() {
                    Some(reason) => format!(
                        "  last failure: {reason} ({})",
                        last_failure["at"].as_str().unwrap_or("?")
                    ),
                    None => String::new(),
                };
                format!(
                    "{}  {} {}  {status}{forced}{failure}",
                    r.check.check.id, c.check_type, target
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// `flowdns health show ID`.
pub(crate) async fn show_one(s: &control::Service, id: &str) -> Result<()> {
    let r = s.health_report(id).await.map_err(refused)?;
    crate::output::line(&serde_json::to_string_pretty(&show(&r))?);
    Ok(())
}

/// `flowdns health update ID CONFIG [--version N]`: the fields given replace the stored ones.
pub(crate) async fn update(
    s: &control::Service,
    id: &str,
    config: &str,
    version: Option<i64>,
    json_out: bool,
) -> Result<()> {
    let raw = match config.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?
        }
        None => config.to_owned(),
    };
    let patch: serde_json::Value =
        serde_json::from_str(&raw).map_err(|e| Refused(format!("the update is not JSON: {e}")))?;
    let current = s.get_health_check(id).await.map_err(refused)?;
    let mut merged = serde_json::to_value(&current.config)?;
    if let (Some(m), Some(p)) = (merged.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            m.insert(k.clone(), v.clone());
        }
    }
    let next: control::health::HealthCheckConfig = serde_json::from_value(merged)
        .map_err(|e| Refused(format!("the updated configuration is not valid: {e}")))?;
    let h = s.update_health_check(id, version, |c| *c = next).await.map_err(refused)?;
    print(
        json_out,
        &json!({"id": h.check.id, "version": h.check.version, "config": h.config}),
        || format!("{} is now version {}", h.check.id, h.check.version),
    );
    Ok(())
}

/// `flowdns health delete ID`.
pub(crate) async fn delete(s: &control::Service, id: &str, json_out: bool) -> Result<()> {
    s.delete_health_check(id).await.map_err(refused)?;
    print(json_out, &json!({"deleted": id}), || format!("deleted health check {id}"));
    Ok(())
}

/// Who runs the CLI, for the override and the change log: `cli:<OS user>`.
pub(crate) fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

/// `flowdns health override ID --healthy|--unhealthy [--reason TEXT]`, or `--clear`.
pub(crate) async fn force(
    s: &control::Service,
    id: &str,
    healthy: Option<bool>,
    reason: &str,
    json_out: bool,
) -> Result<()> {
    let by = operator();
    match healthy {
        Some(h) => {
            let o = s.set_health_override(id, h, &by, reason).await.map_err(refused)?;
            print(
                json_out,
                &json!({"id": id, "healthy": o.healthy, "set_by": o.set_by, "set_at": o.set_at}),
                || {
                    format!(
                        "{id} forced {} by {} until cleared",
                        if h { "healthy" } else { "unhealthy" },
                        o.set_by
                    )
                },
            );
        }
        None => {
            s.clear_health_override(id, &by).await.map_err(refused)?;
            print(json_out, &json!({"id": id, "override": null}), || {
                format!("{id}: override cleared")
            });
        }
    }
    Ok(())
}
