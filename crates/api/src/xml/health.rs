//! Health checks.

use serde::{Deserialize, Serialize};

use super::LinkedService;

xml_list!(child_health_checks, "ChildHealthCheck", String);
xml_list!(regions, "Region", String);
xml_list!(reset_elements, "ResettableElementName", String);
xml_list!(dimensions, "Dimension", Dimension);
xml_list!(health_checks, "HealthCheck", HealthCheck);
xml_list!(observations, "HealthCheckObservation", HealthCheckObservation);
xml_list!(checker_ip_ranges, "member", String);

/// The CloudWatch alarm a `CLOUDWATCH_METRIC` health check follows (`AlarmIdentifier`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AlarmIdentifier", deny_unknown_fields)]
pub struct AlarmIdentifier {
    /// The alarm's region.
    #[serde(rename = "Region")]
    pub region: String,
    /// The alarm's name.
    #[serde(rename = "Name")]
    pub name: String,
}

/// A health check's settings (`HealthCheckConfig`), every member of the model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HealthCheckConfig", deny_unknown_fields)]
pub struct HealthCheckConfig {
    /// The endpoint's IPv4 or IPv6 address.
    #[serde(rename = "IPAddress", default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The endpoint's port.
    #[serde(rename = "Port", default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `HTTP_STR_MATCH`, `HTTPS_STR_MATCH`, `TCP`, `CALCULATED`,
    /// `CLOUDWATCH_METRIC` or `RECOVERY_CONTROL` (immutable).
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The path requested by HTTP(S) checks.
    #[serde(rename = "ResourcePath", default, skip_serializing_if = "Option::is_none")]
    pub resource_path: Option<String>,
    /// The endpoint's domain name (and the HTTP `Host`).
    #[serde(rename = "FullyQualifiedDomainName", default, skip_serializing_if = "Option::is_none")]
    pub fully_qualified_domain_name: Option<String>,
    /// The string `*_STR_MATCH` checks look for.
    #[serde(rename = "SearchString", default, skip_serializing_if = "Option::is_none")]
    pub search_string: Option<String>,
    /// Seconds between checks: 10 or 30 (immutable).
    #[serde(rename = "RequestInterval", default, skip_serializing_if = "Option::is_none")]
    pub request_interval: Option<i32>,
    /// Consecutive results needed to change status (1–10).
    #[serde(rename = "FailureThreshold", default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
    /// Whether latency is measured (immutable).
    #[serde(rename = "MeasureLatency", default, skip_serializing_if = "Option::is_none")]
    pub measure_latency: Option<bool>,
    /// Whether the status is inverted.
    #[serde(rename = "Inverted", default, skip_serializing_if = "Option::is_none")]
    pub inverted: Option<bool>,
    /// Whether the check is disabled (always healthy).
    #[serde(rename = "Disabled", default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// `CALCULATED`: how many children must be healthy.
    #[serde(rename = "HealthThreshold", default, skip_serializing_if = "Option::is_none")]
    pub health_threshold: Option<i32>,
    /// `CALCULATED`: the child health check IDs.
    #[serde(
        rename = "ChildHealthChecks",
        default,
        skip_serializing_if = "Option::is_none",
        with = "child_health_checks::opt"
    )]
    pub child_health_checks: Option<Vec<String>>,
    /// Whether HTTPS checks send SNI.
    #[serde(rename = "EnableSNI", default, skip_serializing_if = "Option::is_none")]
    pub enable_sni: Option<bool>,
    /// The checker regions to use.
    #[serde(
        rename = "Regions",
        default,
        skip_serializing_if = "Option::is_none",
        with = "regions::opt"
    )]
    pub regions: Option<Vec<String>>,
    /// `CLOUDWATCH_METRIC`: the alarm.
    #[serde(rename = "AlarmIdentifier", default, skip_serializing_if = "Option::is_none")]
    pub alarm_identifier: Option<AlarmIdentifier>,
    /// `CLOUDWATCH_METRIC`: `Healthy`, `Unhealthy` or `LastKnownStatus`.
    #[serde(
        rename = "InsufficientDataHealthStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub insufficient_data_health_status: Option<String>,
    /// `RECOVERY_CONTROL`: the routing control ARN.
    #[serde(rename = "RoutingControlArn", default, skip_serializing_if = "Option::is_none")]
    pub routing_control_arn: Option<String>,
    /// `PUBLIC` or `PRIVATE` (newer model member).
    #[serde(rename = "EndpointType", default, skip_serializing_if = "Option::is_none")]
    pub endpoint_type: Option<String>,
    /// The source of a private health check (newer model member).
    #[serde(rename = "HealthCheckSourceId", default, skip_serializing_if = "Option::is_none")]
    pub health_check_source_id: Option<String>,
}

/// Body of `CreateHealthCheck` (`POST /2013-04-01/healthcheck`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateHealthCheckRequest", deny_unknown_fields)]
pub struct CreateHealthCheckRequest {
    /// A unique string that makes retries idempotent.
    #[serde(rename = "CallerReference")]
    pub caller_reference: String,
    /// The settings.
    #[serde(rename = "HealthCheckConfig")]
    pub health_check_config: HealthCheckConfig,
}

/// A CloudWatch alarm dimension (`Dimension`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Dimension", deny_unknown_fields)]
pub struct Dimension {
    /// The dimension name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The dimension value.
    #[serde(rename = "Value")]
    pub value: String,
}

/// The alarm behind a `CLOUDWATCH_METRIC` check (`CloudWatchAlarmConfiguration`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "CloudWatchAlarmConfiguration", deny_unknown_fields)]
pub struct CloudWatchAlarmConfiguration {
    /// Periods over which data is compared to the threshold.
    #[serde(rename = "EvaluationPeriods")]
    pub evaluation_periods: i32,
    /// The threshold.
    #[serde(rename = "Threshold")]
    pub threshold: f64,
    /// The comparison operator (e.g. `GreaterThanThreshold`).
    #[serde(rename = "ComparisonOperator")]
    pub comparison_operator: String,
    /// The period in seconds.
    #[serde(rename = "Period")]
    pub period: i32,
    /// The metric name.
    #[serde(rename = "MetricName")]
    pub metric_name: String,
    /// The metric namespace.
    #[serde(rename = "Namespace")]
    pub namespace: String,
    /// The statistic (e.g. `Average`).
    #[serde(rename = "Statistic")]
    pub statistic: String,
    /// The metric dimensions.
    #[serde(
        rename = "Dimensions",
        default,
        skip_serializing_if = "Option::is_none",
        with = "dimensions::opt"
    )]
    pub dimensions: Option<Vec<Dimension>>,
}

/// A health check (`HealthCheck`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "HealthCheck", deny_unknown_fields)]
pub struct HealthCheck {
    /// The health check ID (a UUID).
    #[serde(rename = "Id")]
    pub id: String,
    /// The caller reference given at creation.
    #[serde(rename = "CallerReference")]
    pub caller_reference: String,
    /// The service that created the check, if any.
    #[serde(rename = "LinkedService", default, skip_serializing_if = "Option::is_none")]
    pub linked_service: Option<LinkedService>,
    /// The settings.
    #[serde(rename = "HealthCheckConfig")]
    pub health_check_config: HealthCheckConfig,
    /// The version, incremented by every update.
    #[serde(rename = "HealthCheckVersion")]
    pub health_check_version: i64,
    /// The alarm of a `CLOUDWATCH_METRIC` check.
    #[serde(
        rename = "CloudWatchAlarmConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cloud_watch_alarm_configuration: Option<CloudWatchAlarmConfiguration>,
}

/// Response of `CreateHealthCheck` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateHealthCheckResponse", deny_unknown_fields)]
pub struct CreateHealthCheckResponse {
    /// The new health check.
    #[serde(rename = "HealthCheck")]
    pub health_check: HealthCheck,
}

/// Response of `GetHealthCheck`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHealthCheckResponse", deny_unknown_fields)]
pub struct GetHealthCheckResponse {
    /// The health check.
    #[serde(rename = "HealthCheck")]
    pub health_check: HealthCheck,
}

/// Response of `ListHealthChecks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "ListHealthChecksResponse", deny_unknown_fields)]
pub struct ListHealthChecksResponse {
    /// The health checks of this page.
    #[serde(rename = "HealthChecks", with = "health_checks")]
    pub health_checks: Vec<HealthCheck>,
    /// The `marker` of the request (required by the model; empty for the first page).
    #[serde(rename = "Marker")]
    pub marker: String,
    /// Whether more health checks follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The `marker` for the next page, when truncated.
    #[serde(rename = "NextMarker", default, skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Body of `UpdateHealthCheck` (`POST /2013-04-01/healthcheck/{HealthCheckId}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateHealthCheckRequest", deny_unknown_fields)]
pub struct UpdateHealthCheckRequest {
    /// The version the caller last saw; the update fails if it changed since.
    #[serde(rename = "HealthCheckVersion", default, skip_serializing_if = "Option::is_none")]
    pub health_check_version: Option<i64>,
    /// New IP address.
    #[serde(rename = "IPAddress", default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// New port.
    #[serde(rename = "Port", default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// New resource path.
    #[serde(rename = "ResourcePath", default, skip_serializing_if = "Option::is_none")]
    pub resource_path: Option<String>,
    /// New domain name.
    #[serde(rename = "FullyQualifiedDomainName", default, skip_serializing_if = "Option::is_none")]
    pub fully_qualified_domain_name: Option<String>,
    /// New search string.
    #[serde(rename = "SearchString", default, skip_serializing_if = "Option::is_none")]
    pub search_string: Option<String>,
    /// New failure threshold.
    #[serde(rename = "FailureThreshold", default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
    /// New inverted flag.
    #[serde(rename = "Inverted", default, skip_serializing_if = "Option::is_none")]
    pub inverted: Option<bool>,
    /// New disabled flag.
    #[serde(rename = "Disabled", default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// New health threshold (`CALCULATED`).
    #[serde(rename = "HealthThreshold", default, skip_serializing_if = "Option::is_none")]
    pub health_threshold: Option<i32>,
    /// New child health checks (`CALCULATED`).
    #[serde(
        rename = "ChildHealthChecks",
        default,
        skip_serializing_if = "Option::is_none",
        with = "child_health_checks::opt"
    )]
    pub child_health_checks: Option<Vec<String>>,
    /// New SNI flag.
    #[serde(rename = "EnableSNI", default, skip_serializing_if = "Option::is_none")]
    pub enable_sni: Option<bool>,
    /// New checker regions.
    #[serde(
        rename = "Regions",
        default,
        skip_serializing_if = "Option::is_none",
        with = "regions::opt"
    )]
    pub regions: Option<Vec<String>>,
    /// New alarm (`CLOUDWATCH_METRIC`).
    #[serde(rename = "AlarmIdentifier", default, skip_serializing_if = "Option::is_none")]
    pub alarm_identifier: Option<AlarmIdentifier>,
    /// New insufficient-data status (`CLOUDWATCH_METRIC`).
    #[serde(
        rename = "InsufficientDataHealthStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub insufficient_data_health_status: Option<String>,
    /// Members to reset to their defaults: `FullyQualifiedDomainName`, `Regions`,
    /// `ResourcePath`, `ChildHealthChecks`.
    #[serde(
        rename = "ResetElements",
        default,
        skip_serializing_if = "Option::is_none",
        with = "reset_elements::opt"
    )]
    pub reset_elements: Option<Vec<String>>,
    /// New source of a private health check (newer model member).
    #[serde(rename = "HealthCheckSourceId", default, skip_serializing_if = "Option::is_none")]
    pub health_check_source_id: Option<String>,
}

/// Response of `UpdateHealthCheck`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateHealthCheckResponse", deny_unknown_fields)]
pub struct UpdateHealthCheckResponse {
    /// The updated health check.
    #[serde(rename = "HealthCheck")]
    pub health_check: HealthCheck,
}

/// Response of `DeleteHealthCheck`: the model has no members; written as an empty root
/// element.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteHealthCheckResponse", deny_unknown_fields)]
pub struct DeleteHealthCheckResponse {}

/// Response of `GetHealthCheckCount`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHealthCheckCountResponse", deny_unknown_fields)]
pub struct GetHealthCheckCountResponse {
    /// The number of health checks in the account.
    #[serde(rename = "HealthCheckCount")]
    pub health_check_count: i64,
}

/// One checker's latest result (`StatusReport`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "StatusReport", deny_unknown_fields)]
pub struct StatusReport {
    /// The result as text, e.g. `Success: HTTP Status Code 200, OK`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the check ran (ISO 8601 timestamp).
    #[serde(rename = "CheckedTime", default, skip_serializing_if = "Option::is_none")]
    pub checked_time: Option<String>,
}

/// What one checker saw (`HealthCheckObservation`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HealthCheckObservation", deny_unknown_fields)]
pub struct HealthCheckObservation {
    /// The checker's region.
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The checker's IP address.
    #[serde(rename = "IPAddress", default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The result.
    #[serde(rename = "StatusReport", default, skip_serializing_if = "Option::is_none")]
    pub status_report: Option<StatusReport>,
}

/// Response of `GetHealthCheckStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHealthCheckStatusResponse", deny_unknown_fields)]
pub struct GetHealthCheckStatusResponse {
    /// The latest result of each checker.
    #[serde(rename = "HealthCheckObservations", with = "observations")]
    pub health_check_observations: Vec<HealthCheckObservation>,
}

/// Response of `GetHealthCheckLastFailureReason`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHealthCheckLastFailureReasonResponse", deny_unknown_fields)]
pub struct GetHealthCheckLastFailureReasonResponse {
    /// The latest failure seen by each checker.
    #[serde(rename = "HealthCheckObservations", with = "observations")]
    pub health_check_observations: Vec<HealthCheckObservation>,
}

/// Response of `GetCheckerIpRanges`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetCheckerIpRangesResponse", deny_unknown_fields)]
pub struct GetCheckerIpRangesResponse {
    /// The checkers' address ranges in CIDR form (items are `<member>` elements).
    #[serde(rename = "CheckerIpRanges", with = "checker_ip_ranges")]
    pub checker_ip_ranges: Vec<String>,
}
