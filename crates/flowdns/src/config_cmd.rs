//! `flowdns config check`: validates a configuration file and prints the effective settings
//! (flags, environment, file and defaults combined), with where each came from. Secrets are
//! never printed: passwords in the store URL are replaced, and of the access key given in the
//! environment only its id is shown.

use std::io::Write as _;

use anyhow::Result;
use serde_json::{Value, json};

use crate::config::Config;
use crate::settings::{Settings, redact_url};

/// The effective settings as JSON.
pub(crate) fn effective(settings: &Settings, config: &Config) -> Result<Value> {
    let sources: serde_json::Map<String, Value> = settings
        .sources
        .iter()
        .map(|(k, from)| ((*k).to_owned(), json!(from.to_string())))
        .collect();
    let limits = config.limits();
    let geoip_files: Vec<String> =
        settings.geoip.paths()?.iter().map(|p| p.display().to_string()).collect();
    let access_key = std::env::var("FLOWDNS_ACCESS_KEY_ID").ok().filter(|v| !v.is_empty());
    let secret_set = std::env::var_os("FLOWDNS_SECRET_ACCESS_KEY").is_some_and(|v| !v.is_empty());
    Ok(json!({
        "config_file": settings.config_file.as_ref().map(|p| p.display().to_string()),
        "data_dir": crate::settings::absolute(&settings.data_dir).display().to_string(),
        "store": settings.store.as_deref().map(redact_url),
        "store_file": settings.store_file().map(|f| crate::settings::absolute(&f).display().to_string()),
        // Only a file can be looked at here; a PostgreSQL store is not contacted.
        "store_exists": settings.store_file().map(|f| f.exists()),
        "upstream": settings.upstream,
        "latency_table": settings.latency_table.as_ref().map(|p| p.display().to_string()),
        "dns": {
            "listen": settings.dns_listen.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "tcp_idle_timeout": settings.dns_tcp.idle_timeout.as_secs_f64(),
            "tcp_message_timeout": settings.dns_tcp.message_timeout.as_secs_f64(),
            "tcp_max_connections": settings.dns_tcp.max_connections,
            "tcp_max_connections_per_source": settings.dns_tcp.max_connections_per_source,
        },
        "api": {
            "listen": settings.api_listen.to_string(),
            "name_servers": settings.name_servers,
            "metrics_auth": settings.metrics_auth,
            "header_timeout": settings.api_limits.header_timeout.as_secs_f64(),
            "idle_timeout": settings.api_limits.idle_timeout.as_secs_f64(),
            "tls_handshake_timeout": settings.api_limits.tls_handshake_timeout.as_secs_f64(),
            "max_connections": settings.api_limits.max_connections,
            "max_connections_per_source": settings.api_limits.max_connections_per_source,
            "tls_cert": settings.api_tls.as_ref().map(|t| t.cert.display().to_string()),
            "tls_key": settings.api_tls.as_ref().map(|t| t.key.display().to_string()),
            "access_key_id": access_key,
            "secret_access_key": if secret_set { Some("(set, not shown)") } else { None },
        },
        "geoip": {
            "files": geoip_files,
            "directory": match &settings.geoip {
                crate::settings::GeoipSource::Dir(d) => Some(d.display().to_string()),
                crate::settings::GeoipSource::Files(_) => None,
            },
            "reload_interval": settings.geoip_reload.map_or(0, |d| d.as_secs()),
        },
        "log": { "level": settings.log_level, "format": settings.log_format.as_str() },
        "limits": {
            "hosted_zones": limits.hosted_zones,
            "health_checks": limits.health_checks,
            "traffic_policies": limits.traffic_policies,
            "traffic_policy_instances": limits.traffic_policy_instances,
            "cidr_collections": limits.cidr_collections,
            "cidr_blocks_per_collection": limits.cidr_blocks_per_collection,
        },
        "health": { "deny": config.health_deny_text(), "healthy_share": settings.healthy_share },
        "node": {
            "name": settings.node.name,
            "roles": settings.node.roles().split(',').collect::<Vec<_>>(),
            "region": settings.node.region,
        },
        "rrl": {
            "enabled": settings.rrl.is_some(),
            "responses_per_second": settings.rrl.as_ref().map(|r| r.responses_per_second),
            "window": settings.rrl.as_ref().map(|r| r.window),
            "slip": settings.rrl.as_ref().map(|r| r.slip),
            "ipv4_prefix": settings.rrl.as_ref().map(|r| r.ipv4_prefix),
            "ipv6_prefix": settings.rrl.as_ref().map(|r| r.ipv6_prefix),
            "exempt_loopback": settings.rrl.as_ref().map(|r| r.exempt_loopback),
            "exempt": settings.rrl.as_ref().map(|r| {
                r.exempt.iter().map(|(a, p)| format!("{a}/{p}")).collect::<Vec<_>>()
            }),
            "log_only": settings.rrl.as_ref().map(|r| r.log_only),
            "table_size": settings.rrl.as_ref().map(|r| r.table_size),
        },
        "locations": config.location_codes(),
        "sources": sources,
    }))
}

/// Prints the effective settings: JSON, or `key = value  # from` lines.
pub(crate) fn check(settings: &Settings, config: &Config, as_json: bool) -> Result<()> {
    let value = effective(settings, config)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    match &settings.config_file {
        Some(f) => writeln!(out, "# {}: valid", f.display())?,
        None => writeln!(out, "# no configuration file: flags, environment and defaults")?,
    }
    let mut lines = Vec::new();
    flatten(&value, "", &mut lines);
    for (key, v) in lines {
        if key.starts_with("sources.") || key == "config_file" {
            continue;
        }
        let from = value["sources"].get(&key).and_then(Value::as_str);
        match from {
            Some(from) => writeln!(out, "{key} = {v}  # {from}")?,
            None => writeln!(out, "{key} = {v}")?,
        }
    }
    Ok(())
}

fn flatten(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(v, &key, out);
            }
        }
        Value::Null => {}
        v => out.push((prefix.to_owned(), v.to_string())),
    }
}
