//! The configuration file (TOML). Every key is optional; unknown keys are errors, so a typo is
//! never silently ignored. The reference of every key is `docs/configuration.md`; a test checks
//! that it lists exactly the keys this parser accepts, and that its examples parse.
//!
//! In TOML, keys that belong to no table (`data_dir`, `upstream`, `latency_table`...) must come
//! before the first `[table]` or `[[array]]` header: after one, they belong to that table.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Where the store, the access keys and the GeoIP databases live.
    pub(crate) data_dir: Option<PathBuf>,
    /// A database URL for the store instead of `<data_dir>/flowdns.db`.
    pub(crate) store: Option<String>,
    /// Recursive resolver for alias-style endpoint targets.
    pub(crate) upstream: Option<String>,
    latency_table: Option<PathBuf>,
    #[serde(default)]
    pub(crate) dns: DnsConfig,
    #[serde(default)]
    pub(crate) api: ApiConfig,
    #[serde(default)]
    pub(crate) geoip: GeoipConfig,
    #[serde(default)]
    pub(crate) log: LogConfig,
    #[serde(default)]
    pub(crate) query_log: QueryLogConfig,
    #[serde(default)]
    limits: LimitsConfig,
    #[serde(default)]
    pub(crate) health: HealthConfig,
    #[serde(default)]
    pub(crate) node: NodeConfig,
    #[serde(default)]
    pub(crate) rrl: RrlConfig,
    #[serde(default)]
    locations: Vec<LocationConfig>,
    /// Directory the relative paths in the file are resolved against.
    #[serde(skip)]
    base: PathBuf,
    /// The file this was read from.
    #[serde(skip)]
    pub(crate) path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsConfig {
    pub(crate) listen: Option<Vec<SocketAddr>>,
    /// DNS over TCP (seconds; see `dns::tcp`).
    pub(crate) tcp_idle_timeout: Option<f64>,
    pub(crate) tcp_message_timeout: Option<f64>,
    pub(crate) tcp_max_connections: Option<u64>,
    pub(crate) tcp_max_connections_per_source: Option<u64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiConfig {
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) name_servers: Option<Vec<String>>,
    /// `GET /metrics` wants a bearer token of an access key.
    pub(crate) metrics_auth: Option<bool>,
    /// Connection limits and timeouts of the API (seconds; see `api::listen`).
    pub(crate) header_timeout: Option<f64>,
    pub(crate) idle_timeout: Option<f64>,
    pub(crate) tls_handshake_timeout: Option<f64>,
    pub(crate) max_connections: Option<u64>,
    pub(crate) max_connections_per_source: Option<u64>,
    /// TLS for the API: the certificate chain and its private key, PEM files (relative to the
    /// configuration file).
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GeoipConfig {
    pub(crate) files: Option<Vec<PathBuf>>,
    /// Seconds between checks of the databases' modification times; 0: only on SIGHUP.
    pub(crate) reload_interval: Option<u64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueryLogConfig {
    /// File the query log is appended to (relative to the configuration file).
    pub(crate) file: Option<PathBuf>,
    /// The share of queries logged, above 0 and at most 1.
    pub(crate) sample: Option<f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogConfig {
    pub(crate) level: Option<String>,
    pub(crate) format: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthConfig {
    #[serde(default)]
    deny: Vec<String>,
    /// A check is healthy when more than this share of its fresh checker reports say so.
    pub(crate) healthy_share: Option<f64>,
}

/// `[node]`: this process's place in a deployment of several nodes on one store.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeConfig {
    /// The node's name, unique in the deployment.
    pub(crate) name: Option<String>,
    /// Its roles: any of "dns", "api", "health".
    pub(crate) roles: Option<Vec<String>>,
    /// The region its health checker reports as (matched against a check's Regions).
    pub(crate) region: Option<String>,
}

/// `[rrl]`: response-rate limiting of UDP answers (resolved in `settings.rs`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RrlConfig {
    pub(crate) enabled: Option<bool>,
    pub(crate) responses_per_second: Option<u32>,
    pub(crate) window: Option<u32>,
    pub(crate) slip: Option<u32>,
    pub(crate) ipv4_prefix: Option<u8>,
    pub(crate) ipv6_prefix: Option<u8>,
    pub(crate) exempt_loopback: Option<bool>,
    /// Networks never limited, such as "10.0.0.0/8".
    pub(crate) exempt: Option<Vec<String>>,
    pub(crate) log_only: Option<bool>,
    pub(crate) table_size: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LimitsConfig {
    hosted_zones: Option<u64>,
    health_checks: Option<u64>,
    traffic_policies: Option<u64>,
    traffic_policy_instances: Option<u64>,
    cidr_collections: Option<u64>,
    cidr_blocks_per_collection: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LocationConfig {
    code: String,
    #[serde(default)]
    name: String,
    latitude: f64,
    longitude: f64,
}

/// The hint added to a parse error about a key that is not allowed where it stands.
const ORDER_HINT: &str = "keys outside any table (data_dir, store, upstream, latency_table) \
    must come before the first [table] or [[locations]]";

impl Config {
    pub(crate) fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else { return Ok(Config::default()) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        let mut config = Config::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.trim_end()))?;
        config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses the text of a configuration file (paths stay relative).
    pub(crate) fn parse(text: &str) -> std::result::Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|e| {
            let msg = e.to_string();
            let top_level = ["data_dir", "store", "upstream", "latency_table"];
            if msg.contains("unknown field")
                && top_level.iter().any(|k| msg.contains(&format!("`{k}`")))
            {
                format!("{}\n({ORDER_HINT})", msg.trim_end())
            } else {
                msg
            }
        })
    }

    /// A path from the file, relative to the file's directory.
    pub(crate) fn resolve_path(&self, p: &Path) -> PathBuf {
        self.base.join(p)
    }

    /// The region catalog: built-in regions plus the configured locations.
    pub(crate) fn catalog(&self) -> Result<policy::codes::Catalog> {
        let custom = self
            .locations
            .iter()
            .map(|l| policy::codes::CustomLocation {
                code: l.code.clone(),
                name: l.name.clone(),
                coordinates: policy::Coordinates { latitude: l.latitude, longitude: l.longitude },
            })
            .collect();
        match policy::codes::Catalog::with_custom(custom) {
            Ok(c) => Ok(c),
            Err(errors) => bail!("configuration: {}", errors.join("; ")),
        }
    }

    /// The configured locations' codes.
    pub(crate) fn location_codes(&self) -> Vec<String> {
        self.locations.iter().map(|l| l.code.clone()).collect()
    }

    /// The API's account limits: the defaults, with the configured ones.
    pub(crate) fn limits(&self) -> control::Limits {
        let d = control::Limits::default();
        let l = &self.limits;
        control::Limits {
            hosted_zones: l.hosted_zones.unwrap_or(d.hosted_zones),
            health_checks: l.health_checks.unwrap_or(d.health_checks),
            traffic_policies: l.traffic_policies.unwrap_or(d.traffic_policies),
            traffic_policy_instances: l
                .traffic_policy_instances
                .unwrap_or(d.traffic_policy_instances),
            cidr_collections: l.cidr_collections.unwrap_or(d.cidr_collections),
            cidr_blocks_per_collection: l
                .cidr_blocks_per_collection
                .unwrap_or(d.cidr_blocks_per_collection),
            ..d
        }
    }

    /// The networks health checks must not reach, from `[health] deny`.
    pub(crate) fn health_deny(&self) -> Result<Vec<(std::net::IpAddr, u8)>> {
        let mut out = Vec::new();
        for (i, entry) in self.health.deny.iter().enumerate() {
            let parsed = entry.split_once('/').and_then(|(a, p)| {
                let ip: std::net::IpAddr = a.trim().parse().ok()?;
                let prefix: u8 = p.trim().parse().ok()?;
                (prefix <= if ip.is_ipv4() { 32 } else { 128 }).then_some((ip, prefix))
            });
            match parsed {
                Some(net) => out.push(net),
                None => bail!(
                    "configuration: health.deny[{i}] = {entry:?}: expected a network such as \"10.0.0.0/8\" or \"fd00::/8\""
                ),
            }
        }
        Ok(out)
    }

    /// The configured `[health] deny` entries as written.
    pub(crate) fn health_deny_text(&self) -> &[String] {
        &self.health.deny
    }

    pub(crate) fn latency_table(&self) -> Option<PathBuf> {
        self.latency_table.as_ref().map(|p| self.base.join(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::Config;

    fn root() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The ```toml blocks of a Markdown file.
    fn toml_blocks(markdown: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        for line in markdown.lines() {
            match &mut current {
                None if line.trim() == "```toml" => current = Some(String::new()),
                Some(block) if line.trim() == "```" => {
                    out.push(std::mem::take(block));
                    current = None;
                }
                Some(block) => {
                    block.push_str(line);
                    block.push('\n');
                }
                None => {}
            }
        }
        out
    }

    /// The dotted key paths of a serialised configuration (arrays of tables as `name[]`).
    fn key_paths(
        value: &serde_json::Value,
        prefix: &str,
        out: &mut std::collections::BTreeSet<String>,
    ) {
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                match v {
                    serde_json::Value::Object(_) => key_paths(v, &path, out),
                    serde_json::Value::Array(items)
                        if items.first().is_some_and(serde_json::Value::is_object) =>
                    {
                        key_paths(&items[0], &format!("{path}[]"), out)
                    }
                    _ => {
                        out.insert(path);
                    }
                }
            }
        }
    }

    #[test]
    fn every_example_in_the_docs_parses() {
        for file in ["docs/configuration.md", "README.md"] {
            let text = std::fs::read_to_string(root().join(file)).unwrap();
            let blocks = toml_blocks(&text);
            assert!(!blocks.is_empty(), "{file} has a TOML example");
            for block in blocks {
                let config =
                    Config::parse(&block).unwrap_or_else(|e| panic!("{file}: {e}\n{block}"));
                config.catalog().unwrap();
                config.health_deny().unwrap();
            }
        }
    }

    #[test]
    fn the_reference_lists_exactly_the_keys_the_parser_accepts() {
        let doc = std::fs::read_to_string(root().join("docs/configuration.md")).unwrap();
        // The full example holds every key: it parses (so each of its keys is accepted), and
        // serialising what it parsed to gives every field the parser has, set or not.
        let full = toml_blocks(&doc).into_iter().next().unwrap();
        let config = Config::parse(&full).unwrap();
        let mut accepted = std::collections::BTreeSet::new();
        key_paths(&serde_json::to_value(&config).unwrap(), "", &mut accepted);
        // Keys in the reference tables: rows starting with | `key` |.
        let documented: std::collections::BTreeSet<String> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split_once('`').map(|(k, _)| k.to_owned()))
            .collect();
        let undocumented: Vec<_> = accepted.difference(&documented).collect();
        let unknown: Vec<_> = documented.difference(&accepted).collect();
        assert!(undocumented.is_empty(), "accepted but not documented: {undocumented:?}");
        assert!(unknown.is_empty(), "documented but not accepted: {unknown:?}");
        // And the full example sets every one of them.
        let mut set = std::collections::BTreeSet::new();
        let toml_value: toml::Value = toml::from_str(&full).unwrap();
        key_paths(&serde_json::to_value(&toml_value).unwrap(), "", &mut set);
        let missing: Vec<_> = accepted.difference(&set).collect();
        assert!(missing.is_empty(), "the full example lacks: {missing:?}");
    }

    #[test]
    fn a_top_level_key_after_a_table_is_explained() {
        let e = Config::parse(
            "[[locations]]\ncode = \"x\"\nlatitude = 1\nlongitude = 2\nlatency_table = \"l.csv\"\n",
        )
        .unwrap_err();
        assert!(e.contains("latency_table") && e.contains("must come before"), "{e}");
        let e = Config::parse("[dns]\nlisten = \"127.0.0.1:53\"\n").unwrap_err();
        assert!(e.contains("listen"), "{e}");
    }
}
