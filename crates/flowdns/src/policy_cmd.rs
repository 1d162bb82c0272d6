//! `flowdns policy validate` and `flowdns policy explain`.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use policy::{Compilation, Diagnostic, Query, Severity, SplitMix64, UnhealthySet};
use serde_json::json;

use crate::config::Config;

/// Reads a document. Bytes that are not UTF-8 are a document error (exit 1), not an I/O error.
fn read_document(path: &Path) -> Result<std::result::Result<String, String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(String::from_utf8(bytes).map_err(|e| {
        format!(
            "the document is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    }))
}

fn diag_json(d: &Diagnostic) -> serde_json::Value {
    json!({ "pointer": d.pointer, "message": d.message })
}

fn compile_file(config: &Config, path: &Path) -> Result<Compilation> {
    let catalog = config.catalog()?;
    Ok(match read_document(path)? {
        Ok(text) => policy::compile(&text, &catalog),
        Err(msg) => Compilation {
            policy: None,
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                pointer: String::new(),
                message: msg,
            }],
        },
    })
}

pub(crate) fn validate(config: &Config, files: &[PathBuf], as_json: bool) -> Result<ExitCode> {
    let mut all_valid = true;
    let mut reports = Vec::new();
    for path in files {
        let c = compile_file(config, path)?;
        let valid = c.policy.is_some();
        all_valid &= valid;
        if as_json {
            reports.push(json!({
                "file": path.display().to_string(),
                "valid": valid,
                "errors": c.errors().map(diag_json).collect::<Vec<_>>(),
                "warnings": c.warnings().map(diag_json).collect::<Vec<_>>(),
            }));
        } else {
            let mut out = std::io::stdout().lock();
            for d in &c.diagnostics {
                writeln!(out, "{}: {d}", path.display())?;
            }
            if valid {
                let p = c
                    .policy
                    .as_ref()
                    .map(|p| (p.record_type(), p.rule_count(), p.endpoints().len()));
                if let Some((t, r, e)) = p {
                    writeln!(out, "{}: valid ({t}, {r} rules, {e} endpoints)", path.display())?;
                }
            }
        }
    }
    if as_json {
        let value = if reports.len() == 1 { reports.remove(0) } else { json!(reports) };
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(if all_valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub(crate) struct ExplainRequest {
    pub(crate) file: PathBuf,
    pub(crate) client: String,
    pub(crate) unhealthy: Vec<String>,
    pub(crate) unhealthy_targets: Vec<String>,
    pub(crate) geoip: Vec<PathBuf>,
    pub(crate) latency_table: Option<PathBuf>,
    pub(crate) seed: u64,
    pub(crate) json: bool,
}

/// Parses `IP` or `IP/PREFIX`.
fn parse_client(s: &str) -> Result<(IpAddr, Option<u8>)> {
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = ip.parse().with_context(|| {
        format!(
            "--client {s:?}: expected an IP address or subnet such as 203.0.113.7 or 203.0.113.0/24"
        )
    })?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => None,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => Some(n),
            _ => bail!("--client {s:?}: the prefix length must be 0..{max}"),
        },
    };
    Ok((ip, prefix))
}

pub(crate) fn explain(config: &Config, req: &ExplainRequest) -> Result<ExitCode> {
    let (ip, prefix) = parse_client(&req.client)?;
    let c = compile_file(config, &req.file)?;
    let Some(policy) = c.policy else {
        for d in c.errors() {
            eprintln!("{}: {d}", req.file.display());
        }
        return Ok(ExitCode::from(1));
    };

    let table = req.latency_table.clone().or_else(|| config.latency_table());
    let geo = crate::geoip::load(&req.geoip, table.as_deref())?;
    let (location, latency) = geo.locator.locate(ip, prefix);
    let health = UnhealthySet {
        health_checks: req.unhealthy.clone(),
        targets: req.unhealthy_targets.clone(),
    };
    let query = Query {
        location: &location,
        health: &health,
        latency: &latency,
        subnet: Some(policy::ClientSubnet::of(ip, prefix)),
    };
    let (answer, trace) = policy.explain(&query, &mut SplitMix64(req.seed));

    let values: Vec<&str> = answer.endpoints(&policy).map(|e| e.value.as_str()).collect();
    if req.json {
        // The same JSON as the API's explain, from the same code.
        let document = match read_document(&req.file)? {
            Ok(text) => text,
            Err(msg) => bail!("{msg}"),
        };
        let explain = control::simulate::ExplainRequest {
            document,
            client: req.client.clone(),
            unhealthy: req.unhealthy.clone(),
            unhealthy_targets: req.unhealthy_targets.clone(),
            seed: req.seed,
        };
        let mut out = control::simulate::explain(&config.catalog()?, &geo.locator, &explain)
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        out["warnings"] = json!(geo.warnings());
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for w in geo.warnings() {
            eprintln!("flowdns: warning: {w}");
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "client {} -> {}", req.client, describe_location(&location))?;
        write!(out, "{}", trace.render())?;
        if values.is_empty() {
            writeln!(out, "answer: (no data) NOERROR, ECS scope /{}", answer.ecs_scope)?;
        } else {
            for e in answer.endpoints(&policy) {
                let how = if e.kind.is_alias() {
                    format!("  ; {} target, resolved when served", e.kind.as_str())
                } else {
                    String::new()
                };
                writeln!(out, "answer: {} {}{how}", policy.record_type(), e.value)?;
            }
            writeln!(
                out,
                "ECS scope /{}{}",
                answer.ecs_scope,
                if answer.healthy { "" } else { " (last resort: nothing healthy)" }
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe_location(l: &policy::ClientLocation) -> String {
    if l.continent.is_none() && l.country.is_none() && l.coordinates.is_none() {
        return "location unknown".into();
    }
    let mut parts = Vec::new();
    if let Some(c) = l.continent {
        parts.push(format!("continent {c}"));
    }
    if let Some(c) = l.country {
        parts.push(format!("country {c}"));
    }
    if let Some(s) = l.subdivision {
        parts.push(format!("subdivision {s}"));
    }
    if let Some(c) = l.coordinates {
        parts.push(format!("at {:.2},{:.2}", c.latitude, c.longitude));
    }
    parts.push(format!("network /{}", l.scope_prefix));
    parts.join(", ")
}
