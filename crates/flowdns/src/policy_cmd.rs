//! `flowdns policy validate` and `flowdns policy explain`.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use policy::{Compilation, Diagnostic, Severity};
use serde_json::{Value, json};

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
        crate::output::line(&serde_json::to_string_pretty(&value)?);
    }
    Ok(if all_valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Which document `explain` evaluates.
pub(crate) enum DocumentSource {
    /// A file.
    File(PathBuf),
    /// A stored policy version (the latest when `None`).
    Stored { policy: String, version: Option<u32> },
}

pub(crate) struct ExplainRequest {
    pub(crate) source: DocumentSource,
    pub(crate) client: String,
    pub(crate) unhealthy: Vec<String>,
    pub(crate) unhealthy_targets: Vec<String>,
    pub(crate) geoip: Vec<PathBuf>,
    /// Databases to load when `geoip` is empty and no server answered.
    pub(crate) fallback_geoip: Vec<PathBuf>,
    pub(crate) latency_table: Option<PathBuf>,
    pub(crate) seed: u64,
    /// The server whose GeoIP data to use, unless GeoIP files are given.
    pub(crate) server: String,
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

/// The document to explain and how to name it in messages.
fn explain_document(data_dir: &Path, source: &DocumentSource) -> Result<(String, String)> {
    match source {
        DocumentSource::File(path) => match read_document(path)? {
            Ok(text) => Ok((text, path.display().to_string())),
            Err(msg) => Err(crate::Refused(format!("{}: {msg}", path.display())).into()),
        },
        DocumentSource::Stored { policy, version } => {
            let v = crate::runtime().block_on(async {
                let store = store::Store::open(data_dir).await.map_err(|e| {
                    anyhow::anyhow!("cannot open the store in {}: {e}", data_dir.display())
                })?;
                let v = store.get_policy_version(policy, *version).await;
                store.close().await;
                v.map_err(|e| match e {
                    store::StoreError::Database(_) => anyhow::Error::new(e),
                    other => crate::Refused(other.to_string()).into(),
                })
            })?;
            Ok((v.document, format!("policy {} version {}", v.policy_id, v.version)))
        }
    }
}

pub(crate) fn explain(config: &Config, data_dir: &Path, req: &ExplainRequest) -> Result<ExitCode> {
    parse_client(&req.client)?;
    let (document, label) = explain_document(data_dir, &req.source)?;
    let catalog = config.catalog()?;
    let c = policy::compile(&document, &catalog);
    if c.policy.is_none() {
        for d in c.errors() {
            eprintln!("{label}: {d}");
        }
        return Ok(ExitCode::from(1));
    }
    let explain = control::simulate::ExplainRequest {
        document,
        client: req.client.clone(),
        unhealthy: req.unhealthy.clone(),
        unhealthy_targets: req.unhealthy_targets.clone(),
        seed: req.seed,
    };

    // A running server has its GeoIP data loaded already: ask it rather than loading the
    // databases here (seconds for real ones), unless files are given on the command line.
    let table = req.latency_table.clone().or_else(|| config.latency_table());
    let mut from_server = None;
    if req.geoip.is_empty() && req.latency_table.is_none() {
        let asked = crate::remote::find(&req.server, data_dir).and_then(|server| {
            let body = serde_json::json!({
                "document": explain.document, "client": explain.client,
                "unhealthy": explain.unhealthy, "unhealthy_targets": explain.unhealthy_targets,
                "seed": explain.seed,
            });
            let answer = crate::runtime().block_on(server.call("POST", "explain", Some(&body)));
            answer.map(|v| (v, server.url))
        });
        match asked {
            Ok(answer) => from_server = Some(answer),
            Err(why) => eprintln!("flowdns: note: {why}; loading the GeoIP data here instead"),
        }
    }
    let mut out = match from_server {
        Some((mut v, url)) => {
            eprintln!("flowdns: explained with the GeoIP data of the server at {url}");
            v["warnings"] = json!([]);
            v["geoip"] = json!({"server": url});
            v
        }
        None => {
            let files = if req.geoip.is_empty() { &req.fallback_geoip } else { &req.geoip };
            let geo = crate::geoip::load(files, table.as_deref())?;
            let mut v = control::simulate::explain(&catalog, &geo.locator, &explain)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            v["warnings"] = json!(geo.warnings());
            v["geoip"] =
                json!({"files": files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()});
            v
        }
    };
    if req.json {
        // The same JSON as the API's explain, from the same code.
        crate::output::line(&serde_json::to_string_pretty(&out)?);
    } else {
        if let Some(warnings) = out["warnings"].as_array() {
            for w in warnings.iter().filter_map(Value::as_str) {
                eprintln!("flowdns: warning: {w}");
            }
        }
        out["client"] = json!(req.client);
        crate::output::write(&render_explanation(&out));
    }
    Ok(ExitCode::SUCCESS)
}

/// The explanation as text: the client's location, the decision trace, the answer.
fn render_explanation(v: &Value) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let client = v["client"].as_str().unwrap_or_default();
    let _ = writeln!(s, "client {client} -> {}", describe_location(&v["location"]));
    for step in v["trace"].as_array().into_iter().flatten() {
        let depth = step["depth"].as_u64().unwrap_or(0) as usize;
        let event = step["event"].as_str().unwrap_or_default();
        let detail = step["detail"].as_str().unwrap_or_default();
        let _ = write!(s, "{:indent$}{event:<11} {detail}", "", indent = depth * 2);
        if let Some(p) = step["pointer"].as_str().filter(|p| !p.is_empty()) {
            let _ = write!(s, "  [{p}]");
        }
        s.push('\n');
    }
    let ecs = v["ecs_scope"].as_u64().unwrap_or(0);
    let endpoints = v["endpoints"].as_array().map(Vec::as_slice).unwrap_or_default();
    if endpoints.is_empty() {
        let _ = writeln!(s, "answer: (no data) NOERROR, ECS scope /{ecs}");
        return s;
    }
    let record_type = v["record_type"].as_str().unwrap_or_default();
    for e in endpoints {
        let kind = e["type"].as_str().unwrap_or_default();
        let how = if policy::EndpointKind::parse(kind).is_some_and(|k| k.is_alias()) {
            format!("  ; {kind} target, resolved when served")
        } else {
            String::new()
        };
        let _ =
            writeln!(s, "answer: {record_type} {}{how}", e["value"].as_str().unwrap_or_default());
    }
    let last_resort =
        if v["healthy"].as_bool().unwrap_or(true) { "" } else { " (last resort: nothing healthy)" };
    let _ = writeln!(s, "ECS scope /{ecs}{last_resort}");
    s
}

fn describe_location(l: &Value) -> String {
    let text = |k: &str| l[k].as_str().map(str::to_owned);
    let (continent, country, subdivision) =
        (text("continent"), text("country"), text("subdivision"));
    let coordinates = l["latitude"].as_f64().zip(l["longitude"].as_f64());
    if continent.is_none() && country.is_none() && coordinates.is_none() {
        return "location unknown".into();
    }
    let mut parts = Vec::new();
    if let Some(c) = continent {
        parts.push(format!("continent {c}"));
    }
    if let Some(c) = country {
        parts.push(format!("country {c}"));
    }
    if let Some(s) = subdivision {
        parts.push(format!("subdivision {s}"));
    }
    if let Some((lat, lon)) = coordinates {
        parts.push(format!("at {lat:.2},{lon:.2}"));
    }
    parts.push(format!("network /{}", l["scope_prefix"].as_u64().unwrap_or(0)));
    parts.join(", ")
}
