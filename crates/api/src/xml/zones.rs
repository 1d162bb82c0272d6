//! Hosted zones, change info and delegation sets.

use serde::{Deserialize, Serialize};

xml_list!(name_servers, "NameServer", String);
xml_list!(vpcs, "VPC", Vpc);
xml_list!(hosted_zones, "HostedZone", HostedZone);
xml_list!(guardrails, "ChangeGuardrail", ChangeGuardrail);

/// A VPC associated with a private hosted zone (`VPC`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "VPC", deny_unknown_fields)]
pub struct Vpc {
    /// The VPC's region.
    #[serde(rename = "VPCRegion", default, skip_serializing_if = "Option::is_none")]
    pub vpc_region: Option<String>,
    /// The VPC ID.
    #[serde(rename = "VPCId", default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
}

/// Optional hosted zone settings (`HostedZoneConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HostedZoneConfig", deny_unknown_fields)]
pub struct HostedZoneConfig {
    /// The zone's comment.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the zone is private.
    #[serde(rename = "PrivateZone", default, skip_serializing_if = "Option::is_none")]
    pub private_zone: Option<bool>,
    /// The zone's tier (`HostedZoneTier`; newer model member).
    #[serde(rename = "HostedZoneTier", default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_tier: Option<String>,
}

/// A change guardrail setting (`ChangeGuardrail`; newer model member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeGuardrail", deny_unknown_fields)]
pub struct ChangeGuardrail {
    /// The guardrail's name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The guardrail's status.
    #[serde(rename = "Status")]
    pub status: String,
}

/// Body of `CreateHostedZone` (`POST /2013-04-01/hostedzone`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateHostedZoneRequest", deny_unknown_fields)]
pub struct CreateHostedZoneRequest {
    /// The zone's domain name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The VPC to associate (private zones).
    #[serde(rename = "VPC", default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<Vpc>,
    /// A unique string that makes retries idempotent.
    #[serde(rename = "CallerReference")]
    pub caller_reference: String,
    /// Comment and private flag.
    #[serde(rename = "HostedZoneConfig", default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_config: Option<HostedZoneConfig>,
    /// A reusable delegation set to use.
    #[serde(rename = "DelegationSetId", default, skip_serializing_if = "Option::is_none")]
    pub delegation_set_id: Option<String>,
    /// Whether public DNS fallback is enabled (newer model member).
    #[serde(rename = "EnablePublicDNSFallback", default, skip_serializing_if = "Option::is_none")]
    pub enable_public_dns_fallback: Option<bool>,
    /// Change guardrails (newer model member).
    #[serde(
        rename = "ChangeGuardrails",
        default,
        skip_serializing_if = "Option::is_none",
        with = "guardrails::opt"
    )]
    pub change_guardrails: Option<Vec<ChangeGuardrail>>,
}

/// The service that created a zone or health check (`LinkedService`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "LinkedService", deny_unknown_fields)]
pub struct LinkedService {
    /// The service principal.
    #[serde(rename = "ServicePrincipal", default, skip_serializing_if = "Option::is_none")]
    pub service_principal: Option<String>,
    /// A description.
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Change-history feature state (`ChangeHistoryFeature`; newer model member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeHistoryFeature", deny_unknown_fields)]
pub struct ChangeHistoryFeature {
    /// The feature's status.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When retention starts (ISO 8601 timestamp).
    #[serde(rename = "RetentionStartsAt", default, skip_serializing_if = "Option::is_none")]
    pub retention_starts_at: Option<String>,
}

/// Why a hosted zone feature failed (`HostedZoneFailureReasons`; newer model member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HostedZoneFailureReasons", deny_unknown_fields)]
pub struct HostedZoneFailureReasons {
    /// Why accelerated recovery failed.
    #[serde(rename = "AcceleratedRecovery", default, skip_serializing_if = "Option::is_none")]
    pub accelerated_recovery: Option<String>,
}

/// Optional hosted zone features (`HostedZoneFeatures`; newer model member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HostedZoneFeatures", deny_unknown_fields)]
pub struct HostedZoneFeatures {
    /// Accelerated recovery status.
    #[serde(
        rename = "AcceleratedRecoveryStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub accelerated_recovery_status: Option<String>,
    /// Public DNS fallback status.
    #[serde(rename = "PublicDNSFallbackStatus", default, skip_serializing_if = "Option::is_none")]
    pub public_dns_fallback_status: Option<String>,
    /// Change history settings.
    #[serde(rename = "ChangeHistory", default, skip_serializing_if = "Option::is_none")]
    pub change_history: Option<ChangeHistoryFeature>,
    /// Failure reasons.
    #[serde(rename = "FailureReasons", default, skip_serializing_if = "Option::is_none")]
    pub failure_reasons: Option<HostedZoneFailureReasons>,
    /// Change guardrails.
    #[serde(
        rename = "ChangeGuardrails",
        default,
        skip_serializing_if = "Option::is_none",
        with = "guardrails::opt"
    )]
    pub change_guardrails: Option<Vec<ChangeGuardrail>>,
}

/// A hosted zone (`HostedZone`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HostedZone", deny_unknown_fields)]
pub struct HostedZone {
    /// The zone ID, as `/hostedzone/Z…`.
    #[serde(rename = "Id")]
    pub id: String,
    /// The zone's domain name, with a trailing dot.
    #[serde(rename = "Name")]
    pub name: String,
    /// The caller reference given at creation.
    #[serde(rename = "CallerReference")]
    pub caller_reference: String,
    /// Comment and private flag.
    #[serde(rename = "Config", default, skip_serializing_if = "Option::is_none")]
    pub config: Option<HostedZoneConfig>,
    /// The number of record sets in the zone.
    #[serde(rename = "ResourceRecordSetCount", default, skip_serializing_if = "Option::is_none")]
    pub resource_record_set_count: Option<i64>,
    /// The service that created the zone, if any.
    #[serde(rename = "LinkedService", default, skip_serializing_if = "Option::is_none")]
    pub linked_service: Option<LinkedService>,
    /// Optional features (newer model member).
    #[serde(rename = "Features", default, skip_serializing_if = "Option::is_none")]
    pub features: Option<HostedZoneFeatures>,
}

/// The state of a change (`ChangeInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeInfo", deny_unknown_fields)]
pub struct ChangeInfo {
    /// The change ID, as `/change/C…`.
    #[serde(rename = "Id")]
    pub id: String,
    /// `PENDING` or `INSYNC`.
    #[serde(rename = "Status")]
    pub status: String,
    /// When the change was submitted (ISO 8601, e.g. `2026-11-27T06:47:53.000Z`).
    #[serde(rename = "SubmittedAt")]
    pub submitted_at: String,
    /// The change batch's comment.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The name servers of a zone (`DelegationSet`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DelegationSet", deny_unknown_fields)]
pub struct DelegationSet {
    /// The ID of a reusable delegation set.
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The caller reference of a reusable delegation set.
    #[serde(rename = "CallerReference", default, skip_serializing_if = "Option::is_none")]
    pub caller_reference: Option<String>,
    /// The name servers.
    #[serde(rename = "NameServers", with = "name_servers")]
    pub name_servers: Vec<String>,
}

/// Response of `CreateHostedZone` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateHostedZoneResponse", deny_unknown_fields)]
pub struct CreateHostedZoneResponse {
    /// The new zone.
    #[serde(rename = "HostedZone")]
    pub hosted_zone: HostedZone,
    /// The creation change.
    #[serde(rename = "ChangeInfo")]
    pub change_info: ChangeInfo,
    /// The zone's name servers.
    #[serde(rename = "DelegationSet")]
    pub delegation_set: DelegationSet,
    /// The associated VPC (private zones).
    #[serde(rename = "VPC", default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<Vpc>,
}

/// Response of `GetHostedZone`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHostedZoneResponse", deny_unknown_fields)]
pub struct GetHostedZoneResponse {
    /// The zone.
    #[serde(rename = "HostedZone")]
    pub hosted_zone: HostedZone,
    /// The zone's name servers (public zones).
    #[serde(rename = "DelegationSet", default, skip_serializing_if = "Option::is_none")]
    pub delegation_set: Option<DelegationSet>,
    /// The associated VPCs (private zones).
    #[serde(rename = "VPCs", default, skip_serializing_if = "Option::is_none", with = "vpcs::opt")]
    pub vpcs: Option<Vec<Vpc>>,
}

/// Response of `ListHostedZones`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListHostedZonesResponse", deny_unknown_fields)]
pub struct ListHostedZonesResponse {
    /// The zones of this page.
    #[serde(rename = "HostedZones", with = "hosted_zones")]
    pub hosted_zones: Vec<HostedZone>,
    /// The `marker` of the request (required by the model; empty for the first page).
    #[serde(rename = "Marker")]
    pub marker: String,
    /// Whether more zones follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The `marker` for the next page, when truncated.
    #[serde(rename = "NextMarker", default, skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `ListHostedZonesByName`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListHostedZonesByNameResponse", deny_unknown_fields)]
pub struct ListHostedZonesByNameResponse {
    /// The zones of this page.
    #[serde(rename = "HostedZones", with = "hosted_zones")]
    pub hosted_zones: Vec<HostedZone>,
    /// The `dnsname` of the request.
    #[serde(rename = "DNSName", default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    /// The `hostedzoneid` of the request.
    #[serde(rename = "HostedZoneId", default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_id: Option<String>,
    /// Whether more zones follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The `dnsname` for the next page, when truncated.
    #[serde(rename = "NextDNSName", default, skip_serializing_if = "Option::is_none")]
    pub next_dns_name: Option<String>,
    /// The `hostedzoneid` for the next page, when truncated.
    #[serde(rename = "NextHostedZoneId", default, skip_serializing_if = "Option::is_none")]
    pub next_hosted_zone_id: Option<String>,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `DeleteHostedZone`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteHostedZoneResponse", deny_unknown_fields)]
pub struct DeleteHostedZoneResponse {
    /// The deletion change.
    #[serde(rename = "ChangeInfo")]
    pub change_info: ChangeInfo,
}

/// Response of `GetHostedZoneCount`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHostedZoneCountResponse", deny_unknown_fields)]
pub struct GetHostedZoneCountResponse {
    /// The number of hosted zones in the account.
    #[serde(rename = "HostedZoneCount")]
    pub hosted_zone_count: i64,
}
