//! The configuration file (TOML). Every key is optional; unknown keys are errors, so a typo is
//! never silently ignored.
//!
//! ```toml
//! # Your own locations, usable wherever a region code is: "Region": "dc-fra" in latency
//! # rules, "aws:route53:dc-fra" in geoproximity rules.
//! [[locations]]
//! code = "dc-fra"
//! name = "Frankfurt, rack 12"
//! latitude = 50.11
//! longitude = 8.68
//!
//! # Measured round-trip times (CSV: client,region,rtt_ms); relative to this file.
//! latency_table = "latency.csv"
//!
//! # Account limits reported and enforced by the API (defaults shown).
//! [limits]
//! hosted_zones = 100000
//! health_checks = 100000
//! traffic_policies = 10000
//! traffic_policy_instances = 100000
//! cidr_collections = 10000            # Route 53: 5
//! cidr_blocks_per_collection = 1000   # Route 53: 1,000
//!
//! # Networks health checks must never reach (loopback and private ones are allowed).
//! [health]
//! deny = ["169.254.0.0/16", "10.20.0.0/16"]
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    locations: Vec<LocationConfig>,
    latency_table: Option<PathBuf>,
    #[serde(default)]
    limits: LimitsConfig,
    #[serde(default)]
    health: HealthConfig,
    /// Directory the relative paths in the file are resolved against.
    #[serde(skip)]
    base: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HealthConfig {
    #[serde(default)]
    deny: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsConfig {
    hosted_zones: Option<u64>,
    health_checks: Option<u64>,
    traffic_policies: Option<u64>,
    traffic_policy_instances: Option<u64>,
    cidr_collections: Option<u64>,
    cidr_blocks_per_collection: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationConfig {
    code: String,
    #[serde(default)]
    name: String,
    latitude: f64,
    longitude: f64,
}

impl Config {
    pub(crate) fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else { return Ok(Config::default()) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
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

    pub(crate) fn latency_table(&self) -> Option<PathBuf> {
        self.latency_table.as_ref().map(|p| self.base.join(p))
    }
}
