//! Health-check definitions (the checker that runs them is another part of flowdns).

use serde::{Deserialize, Serialize};

use crate::page::{Page, max_items, page};
use crate::{Code, Error, Result, Service, from_store};

fn code(e: store::StoreError) -> Error {
    from_store(e, Code::NoSuchHealthCheck, Code::HealthCheckAlreadyExists)
}

/// The types Route 53 defines; flowdns runs all but the CloudWatch and Recovery Control ones.
pub const TYPES: &[&str] = &[
    "HTTP",
    "HTTPS",
    "HTTP_STR_MATCH",
    "HTTPS_STR_MATCH",
    "TCP",
    "CALCULATED",
    "CLOUDWATCH_METRIC",
    "RECOVERY_CONTROL",
];

/// A health check's configuration, with Route 53's field names (stored as JSON).
///
/// Every member is acted on or refused by [`HealthCheckConfig::check`]: `MeasureLatency` is
/// kept and echoed (flowdns measures every probe's latency, reported in its metrics, either
/// way); `EnableSNI` decides whether HTTPS probes send SNI; `EndpointType` may only be
/// `PUBLIC`; `Regions` chooses which checker nodes probe the check (the `[node] region` of
/// this deployment's health nodes: any names, at least one); `InsufficientDataHealthStatus`
/// (CloudWatch alarm checks only) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(missing_docs)] // The fields are Route 53's HealthCheckConfig members.
pub struct HealthCheckConfig {
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(rename = "Type")]
    pub check_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fully_qualified_domain_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_interval: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_latency: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inverted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_health_checks: Vec<String>,
    #[serde(rename = "EnableSNI", skip_serializing_if = "Option::is_none")]
    pub enable_sni: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insufficient_data_health_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_type: Option<String>,
    /// flowdns extension: validate HTTPS certificates (Route 53 never does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_certificate: Option<bool>,
}

impl HealthCheckConfig {
    /// Fills Route 53's defaults (port by type, interval 30, threshold 3, SNI for HTTPS).
    pub fn with_defaults(mut self) -> HealthCheckConfig {
        let t = self.check_type.as_str();
        if t != "CALCULATED" {
            if self.port.is_none() {
                self.port = Some(if t.starts_with("HTTPS") { 443 } else { 80 });
            }
            self.request_interval.get_or_insert(30);
            self.failure_threshold.get_or_insert(3);
            self.measure_latency.get_or_insert(false);
            if t.starts_with("HTTPS") {
                self.enable_sni.get_or_insert(true);
            }
        }
        self.inverted.get_or_insert(false);
        self.disabled.get_or_insert(false);
        self
    }

    /// Checks the configuration; the message names the field and what is allowed.
    pub fn check(&self) -> Result<()> {
        let t = self.check_type.as_str();
        if !TYPES.contains(&t) {
            return Err(Error::invalid("Type", format!("{t:?}; one of {}", TYPES.join(", "))));
        }
        if t == "CLOUDWATCH_METRIC" || t == "RECOVERY_CONTROL" {
            return Err(Error::invalid(
                "Type",
                format!("{t} checks need AWS services flowdns does not have"),
            ));
        }
        // Regions name the checker regions of this deployment's health nodes
        // (`[node] region`), which the operator chooses; Route 53's list of AWS regions and
        // its minimum of three do not apply. Empty: every checker probes the check.
        let mut seen = std::collections::HashSet::new();
        for r in &self.regions {
            if r.is_empty() || r.len() > 64 || r.chars().any(|c| c.is_whitespace()) {
                return Err(Error::invalid(
                    "Regions",
                    format!("{r:?}: a checker region name, 1 to 64 characters without spaces"),
                ));
            }
            if !seen.insert(r.as_str()) {
                return Err(Error::invalid("Regions", format!("{r:?} is listed twice")));
            }
        }
        if self.regions.len() > 64 {
            return Err(Error::invalid("Regions", "at most 64 regions"));
        }
        if let Some(status) = &self.insufficient_data_health_status {
            return Err(Error::invalid(
                "InsufficientDataHealthStatus",
                format!(
                    "{status:?}: it applies only to CLOUDWATCH_METRIC checks, which flowdns \
                     does not run; leave it out"
                ),
            ));
        }
        match self.endpoint_type.as_deref() {
            None | Some("PUBLIC") => {}
            Some("PRIVATE") => {
                return Err(Error::invalid(
                    "EndpointType",
                    "PRIVATE: private health checks run from a health check source in a VPC, \
                     which flowdns does not have; PUBLIC or leave it out",
                ));
            }
            Some(other) => {
                return Err(Error::invalid(
                    "EndpointType",
                    format!("{other:?}; PUBLIC (PRIVATE is not supported)"),
                ));
            }
        }
        if t == "CALCULATED" {
            if self.child_health_checks.is_empty() {
                return Err(Error::invalid(
                    "ChildHealthChecks",
                    "a CALCULATED check needs at least one child",
                ));
            }
            if self.child_health_checks.len() > 256 {
                return Err(Error::invalid("ChildHealthChecks", "at most 256 children"));
            }
            let n = self.health_threshold.unwrap_or(0);
            if n as usize > self.child_health_checks.len() {
                return Err(Error::invalid(
                    "HealthThreshold",
                    format!("{n} is more than the {} children", self.child_health_checks.len()),
                ));
            }
            return Ok(());
        }
        if self.ip_address.is_none() && self.fully_qualified_domain_name.is_none() {
            return Err(Error::invalid(
                "IPAddress",
                "give IPAddress, FullyQualifiedDomainName or both",
            ));
        }
        if let Some(ip) = &self.ip_address
            && ip.parse::<std::net::IpAddr>().is_err()
        {
            return Err(Error::invalid(
                "IPAddress",
                format!("{ip:?} is not an IPv4 or IPv6 address"),
            ));
        }
        if let Some(f) = &self.fully_qualified_domain_name
            && (f.is_empty() || f.len() > 255)
        {
            return Err(Error::invalid("FullyQualifiedDomainName", "1 to 255 characters"));
        }
        if self.port == Some(0) {
            return Err(Error::invalid("Port", "1 to 65535"));
        }
        if let Some(p) = &self.resource_path
            && p.len() > 255
        {
            return Err(Error::invalid("ResourcePath", "at most 255 characters"));
        }
        if t.ends_with("STR_MATCH") {
            match &self.search_string {
                Some(s) if !s.is_empty() && s.len() <= 255 => {}
                _ => {
                    return Err(Error::invalid(
                        "SearchString",
                        "required for *_STR_MATCH checks: 1 to 255 characters",
                    ));
                }
            }
        }
        if let Some(i) = self.request_interval
            && !(1..=30).contains(&i)
        {
            return Err(Error::invalid(
                "RequestInterval",
                format!("{i}; 10 or 30 as in Route 53, or 1 to 30 seconds (flowdns extension)"),
            ));
        }
        if let Some(f) = self.failure_threshold
            && !(1..=10).contains(&f)
        {
            return Err(Error::invalid("FailureThreshold", format!("{f}; 1 to 10")));
        }
        Ok(())
    }
}

/// A health-check definition as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// Health check id (UUID v4, hyphenated).
    pub id: String,
    /// The caller's unique idempotency token (1-64 characters).
    pub caller_reference: String,
    /// Configuration as JSON text (see [`HealthCheckView::config`] for it parsed).
    pub config: String,
    /// Starts at 1 and grows by one on each update (Route 53 `HealthCheckVersion`).
    pub version: i64,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

impl From<store::HealthCheck> for HealthCheck {
    fn from(h: store::HealthCheck) -> HealthCheck {
        HealthCheck {
            id: h.id,
            caller_reference: h.caller_reference,
            config: h.config,
            version: h.version,
            created_at: h.created_at,
        }
    }
}

/// A manual override of a health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthOverride {
    /// The check.
    pub check_id: String,
    /// The status forced.
    pub healthy: bool,
    /// Who set it (an access key id, or the CLI's user).
    pub set_by: String,
    /// When (RFC 3339).
    pub set_at: String,
    /// Why.
    pub reason: String,
}

impl From<store::HealthOverride> for HealthOverride {
    fn from(o: store::HealthOverride) -> HealthOverride {
        HealthOverride {
            check_id: o.check_id,
            healthy: o.healthy,
            set_by: o.set_by,
            set_at: o.set_at,
            reason: o.reason,
        }
    }
}

/// A stored health check with its parsed configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckView {
    /// The stored definition.
    pub check: HealthCheck,
    /// The configuration.
    pub config: HealthCheckConfig,
}

fn view(check: store::HealthCheck) -> HealthCheckView {
    let config = serde_json::from_str(&check.config).unwrap_or_default();
    HealthCheckView { check: check.into(), config }
}

impl Service {
    /// `Regions` must name regions of this deployment's checker nodes (`[node] region` of
    /// nodes with the health role, as registered in the store): a check probed by nobody
    /// would stay healthy whatever its endpoint does.
    async fn check_regions(&self, regions: &[String]) -> Result<()> {
        if regions.is_empty() {
            return Ok(());
        }
        let nodes = self.store.nodes().await.map_err(code)?;
        let mut known: Vec<&str> = nodes
            .iter()
            .filter(|n| n.roles.split(',').any(|r| r == "health"))
            .map(|n| n.region.as_str())
            .collect();
        known.sort_unstable();
        known.dedup();
        if let Some(r) = regions.iter().find(|r| !known.contains(&r.as_str())) {
            return Err(Error::invalid(
                "Regions",
                format!(
                    "{r:?} is not the region of any checker node (known: {}); give checker \
                     nodes that region ([node] region, --node-region) or leave Regions out",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
            ));
        }
        Ok(())
    }

    /// CreateHealthCheck.
    pub async fn create_health_check(
        &self,
        caller_reference: &str,
        config: HealthCheckConfig,
    ) -> Result<HealthCheckView> {
        crate::check_len("CallerReference", caller_reference, 64, true)?;
        let config = config.with_defaults();
        config.check()?;
        self.check_regions(&config.regions).await?;
        let count = self.count_health_checks().await?;
        if count >= self.limits.health_checks {
            return Err(Error::new(
                Code::TooManyHealthChecks,
                format!(
                    "the account limit of {} health checks is reached",
                    self.limits.health_checks
                ),
            ));
        }
        let text =
            serde_json::to_string(&config).map_err(|e| Error::invalid("HealthCheckConfig", e))?;
        match self.store.create_health_check(caller_reference, &text).await {
            Ok(h) => {
                crate::audit::changed("health check created", &[("check", &h.id)]);
                Ok(view(h))
            }
            Err(store::StoreError::AlreadyExists(m)) => {
                // Route 53: the same caller reference with the same configuration returns the
                // existing check (a retried request); another configuration is an error.
                let existing = self
                    .store
                    .list_health_checks()
                    .await
                    .map_err(code)?
                    .into_iter()
                    .map(view)
                    .find(|h| h.check.caller_reference == caller_reference);
                match existing {
                    Some(h) if h.config == config => Ok(h),
                    _ => Err(Error::new(Code::HealthCheckAlreadyExists, m)),
                }
            }
            Err(e) => Err(code(e)),
        }
    }

    /// GetHealthCheck.
    pub async fn get_health_check(&self, id: &str) -> Result<HealthCheckView> {
        Ok(view(self.store.get_health_check(id).await.map_err(code)?))
    }

    /// ListHealthChecks: a page from the check with id `marker`.
    pub async fn list_health_checks(
        &self,
        marker: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<HealthCheckView>> {
        let max = max_items(max, 100, 1000)?;
        let all: Vec<HealthCheckView> =
            self.store.list_health_checks().await.map_err(code)?.into_iter().map(view).collect();
        let starts = marker.map(|m| move |h: &HealthCheckView| h.check.id == m);
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&HealthCheckView) -> bool), max))
    }

    /// GetHealthCheckCount.
    pub async fn count_health_checks(&self) -> Result<u64> {
        self.store.count(store::Counted::HealthChecks).await.map_err(code)
    }

    /// UpdateHealthCheck: `change` edits the current configuration; refused with
    /// `HealthCheckVersionMismatch` if `version` is given and is not the current one.
    pub async fn update_health_check(
        &self,
        id: &str,
        version: Option<i64>,
        change: impl FnOnce(&mut HealthCheckConfig),
    ) -> Result<HealthCheckView> {
        let mut config = self.get_health_check(id).await?.config;
        change(&mut config);
        config.check()?;
        self.check_regions(&config.regions).await?;
        let text =
            serde_json::to_string(&config).map_err(|e| Error::invalid("HealthCheckConfig", e))?;
        let h = self.store.update_health_check(id, &text, version).await.map_err(code)?;
        crate::audit::changed("health check updated", &[("check", &h.id), ("version", &h.version)]);
        Ok(view(h))
    }

    /// DeleteHealthCheck.
    pub async fn delete_health_check(&self, id: &str) -> Result<()> {
        self.store.delete_health_check(id).await.map_err(code)?;
        crate::audit::changed("health check deleted", &[("check", &id)]);
        Ok(())
    }
}

/// One observation of a health check, as the checker made it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveObservation {
    /// When (RFC 3339).
    pub at: String,
    /// What the probe saw (before `Inverted`).
    pub healthy: bool,
    /// Route 53-style reason: `Success: ...` or `Failure: ...`.
    pub reason: String,
    /// How long the probe took, in milliseconds.
    pub latency_ms: f64,
}

/// What the checker currently reports for a check.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LiveStatus {
    /// The reported status (after thresholds, `Inverted`, `Disabled`, overrides).
    pub healthy: bool,
    /// The last observation.
    pub last: Option<LiveObservation>,
    /// The last failed observation.
    pub last_failure: Option<LiveObservation>,
    /// How many times the reported status changed since the server started.
    pub transitions: u64,
}

/// Reads the checker's live status of a check (set by the server that runs the checker).
pub type StatusFn = std::sync::Arc<dyn Fn(&str) -> Option<LiveStatus> + Send + Sync>;

/// A check with what the checker reports and any override.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthReport {
    /// The definition.
    pub check: HealthCheckView,
    /// The live status; `None` before the first observation or without a checker.
    pub live: Option<LiveStatus>,
    /// The override in force.
    pub forced: Option<HealthOverride>,
}

impl Service {
    /// Lets the service read the checker's live statuses.
    pub fn with_health_status(mut self, f: StatusFn) -> Service {
        self.health_status = Some(f);
        self
    }

    /// GetHealthCheckStatus and the JSON API's health list: definition, live status, override.
    pub async fn health_report(&self, id: &str) -> Result<HealthReport> {
        let check = self.get_health_check(id).await?;
        let forced = self
            .store
            .health_overrides()
            .await
            .map_err(code)?
            .into_iter()
            .find(|o| o.check_id == id)
            .map(HealthOverride::from);
        let live = self.health_status.as_ref().and_then(|f| f(id));
        Ok(HealthReport { check, live, forced })
    }

    /// Forces a check healthy or unhealthy until cleared; `by` is who asks (logged).
    pub async fn set_health_override(
        &self,
        id: &str,
        healthy: bool,
        by: &str,
        reason: &str,
    ) -> Result<HealthOverride> {
        let o: HealthOverride =
            self.store.set_health_override(id, healthy, by, reason).await.map_err(code)?.into();
        tracing::warn!(target: "flowdns::change", check = %id, healthy, by = %by, reason = %reason, "health check override set");
        Ok(o)
    }

    /// Clears a check's override.
    pub async fn clear_health_override(&self, id: &str, by: &str) -> Result<()> {
        self.get_health_check(id).await?;
        self.store.clear_health_override(id, by).await.map_err(|e| match e {
            store::StoreError::NotFound { .. } => {
                Error::invalid("override", format!("health check {id} has no override"))
            }
            other => code(other),
        })?;
        tracing::warn!(target: "flowdns::change", check = %id, by = %by, "health check override cleared");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> HealthCheckConfig {
        HealthCheckConfig {
            check_type: "HTTPS".into(),
            ip_address: Some("192.0.2.1".into()),
            ..Default::default()
        }
        .with_defaults()
    }

    #[test]
    fn members_flowdns_cannot_act_on_are_refused() {
        // What octoDNS and boto3 send by default is accepted, and kept as given.
        let accepted = [
            HealthCheckConfig { measure_latency: Some(true), ..http() },
            HealthCheckConfig { measure_latency: Some(false), ..http() },
            HealthCheckConfig { enable_sni: Some(false), ..http() },
            HealthCheckConfig { endpoint_type: Some("PUBLIC".into()), ..http() },
            HealthCheckConfig { request_interval: Some(10), failure_threshold: Some(3), ..http() },
        ];
        for c in accepted {
            assert_eq!(c.check(), Ok(()), "{c:?}");
        }
        let refused = [
            (
                HealthCheckConfig {
                    regions: vec!["us-east-1".into(), "us-east-1".into()],
                    ..http()
                },
                "Regions: ",
            ),
            (HealthCheckConfig { regions: vec!["eu west".into()], ..http() }, "Regions: "),
            (
                HealthCheckConfig {
                    insufficient_data_health_status: Some("Healthy".into()),
                    ..http()
                },
                "InsufficientDataHealthStatus: ",
            ),
            (
                HealthCheckConfig { endpoint_type: Some("PRIVATE".into()), ..http() },
                "EndpointType: ",
            ),
            (
                HealthCheckConfig { endpoint_type: Some("public".into()), ..http() },
                "EndpointType: ",
            ),
        ];
        for (c, field) in refused {
            let e = c.check().unwrap_err();
            assert_eq!(e.code, Code::InvalidInput);
            assert!(e.message.starts_with(field), "{e}");
        }
        // The stored JSON keeps every member that was given.
        let c = HealthCheckConfig { endpoint_type: Some("PUBLIC".into()), ..http() };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""EndpointType":"PUBLIC""#), "{text}");
        assert_eq!(serde_json::from_str::<HealthCheckConfig>(&text).unwrap(), c);
    }
}
