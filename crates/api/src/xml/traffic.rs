//! Traffic policies, their versions and traffic policy instances (policy records).

use serde::{Deserialize, Serialize};

xml_list!(summaries, "TrafficPolicySummary", TrafficPolicySummary);
xml_list!(policies, "TrafficPolicy", TrafficPolicy);
xml_list!(instances, "TrafficPolicyInstance", TrafficPolicyInstance);

/// One version of a traffic policy (`TrafficPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "TrafficPolicy", deny_unknown_fields)]
pub struct TrafficPolicy {
    /// The policy ID (1–36 characters).
    #[serde(rename = "Id")]
    pub id: String,
    /// The version number (1–1000).
    #[serde(rename = "Version")]
    pub version: i32,
    /// The policy name (up to 512 characters).
    #[serde(rename = "Name")]
    pub name: String,
    /// The DNS type of the records the policy creates (`RRType`).
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The policy document (JSON, up to 102,400 characters).
    #[serde(rename = "Document")]
    pub document: String,
    /// The version's comment (up to 1024 characters).
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A traffic policy in a `ListTrafficPolicies` page (`TrafficPolicySummary`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "TrafficPolicySummary", deny_unknown_fields)]
pub struct TrafficPolicySummary {
    /// The policy ID.
    #[serde(rename = "Id")]
    pub id: String,
    /// The policy name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The DNS type of the records the policy creates.
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The latest version number.
    #[serde(rename = "LatestVersion")]
    pub latest_version: i32,
    /// The number of versions of the policy.
    #[serde(rename = "TrafficPolicyCount")]
    pub traffic_policy_count: i32,
}

/// A policy record (`TrafficPolicyInstance`): a traffic policy version applied at one name of
/// one hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "TrafficPolicyInstance", deny_unknown_fields)]
pub struct TrafficPolicyInstance {
    /// The instance ID (1–36 characters).
    #[serde(rename = "Id")]
    pub id: String,
    /// The hosted zone the records are in.
    #[serde(rename = "HostedZoneId")]
    pub hosted_zone_id: String,
    /// The record name, fully qualified with a trailing dot.
    #[serde(rename = "Name")]
    pub name: String,
    /// The TTL of the created records.
    #[serde(rename = "TTL")]
    pub ttl: i64,
    /// `Applied`, `Creating` or `Failed`.
    #[serde(rename = "State")]
    pub state: String,
    /// Why the instance is `Failed`; empty otherwise (required, so written even when empty).
    #[serde(rename = "Message")]
    pub message: String,
    /// The traffic policy used.
    #[serde(rename = "TrafficPolicyId")]
    pub traffic_policy_id: String,
    /// The traffic policy version used.
    #[serde(rename = "TrafficPolicyVersion")]
    pub traffic_policy_version: i32,
    /// The DNS type of the records (the policy's type).
    #[serde(rename = "TrafficPolicyType")]
    pub traffic_policy_type: String,
}

/// Body of `CreateTrafficPolicy` (`POST /2013-04-01/trafficpolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyRequest", deny_unknown_fields)]
pub struct CreateTrafficPolicyRequest {
    /// The policy name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The policy document (JSON).
    #[serde(rename = "Document")]
    pub document: String,
    /// A comment for version 1.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Response of `CreateTrafficPolicy` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyResponse", deny_unknown_fields)]
pub struct CreateTrafficPolicyResponse {
    /// The new policy, version 1.
    #[serde(rename = "TrafficPolicy")]
    pub traffic_policy: TrafficPolicy,
}

/// Body of `CreateTrafficPolicyVersion` (`POST /2013-04-01/trafficpolicy/{Id}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyVersionRequest", deny_unknown_fields)]
pub struct CreateTrafficPolicyVersionRequest {
    /// The new version's document (JSON).
    #[serde(rename = "Document")]
    pub document: String,
    /// A comment for the new version.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Response of `CreateTrafficPolicyVersion` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyVersionResponse", deny_unknown_fields)]
pub struct CreateTrafficPolicyVersionResponse {
    /// The new version.
    #[serde(rename = "TrafficPolicy")]
    pub traffic_policy: TrafficPolicy,
}

/// Response of `GetTrafficPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetTrafficPolicyResponse", deny_unknown_fields)]
pub struct GetTrafficPolicyResponse {
    /// The requested version.
    #[serde(rename = "TrafficPolicy")]
    pub traffic_policy: TrafficPolicy,
}

/// Response of `ListTrafficPolicies`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTrafficPoliciesResponse", deny_unknown_fields)]
pub struct ListTrafficPoliciesResponse {
    /// The policies of this page.
    #[serde(rename = "TrafficPolicySummaries", with = "summaries")]
    pub traffic_policy_summaries: Vec<TrafficPolicySummary>,
    /// Whether more policies follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The ID to pass as `trafficpolicyid` for the next page (required by the model).
    #[serde(rename = "TrafficPolicyIdMarker")]
    pub traffic_policy_id_marker: String,
    /// The page size used (a string on the wire).
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `ListTrafficPolicyVersions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTrafficPolicyVersionsResponse", deny_unknown_fields)]
pub struct ListTrafficPolicyVersionsResponse {
    /// The versions of this page.
    #[serde(rename = "TrafficPolicies", with = "policies")]
    pub traffic_policies: Vec<TrafficPolicy>,
    /// Whether more versions follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The version to pass as `trafficpolicyversion` for the next page (required by the model).
    #[serde(rename = "TrafficPolicyVersionMarker")]
    pub traffic_policy_version_marker: String,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Body of `UpdateTrafficPolicyComment` (`POST /2013-04-01/trafficpolicy/{Id}/{Version}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateTrafficPolicyCommentRequest", deny_unknown_fields)]
pub struct UpdateTrafficPolicyCommentRequest {
    /// The new comment.
    #[serde(rename = "Comment")]
    pub comment: String,
}

/// Response of `UpdateTrafficPolicyComment`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateTrafficPolicyCommentResponse", deny_unknown_fields)]
pub struct UpdateTrafficPolicyCommentResponse {
    /// The updated version.
    #[serde(rename = "TrafficPolicy")]
    pub traffic_policy: TrafficPolicy,
}

/// Response of `DeleteTrafficPolicy`: the model has no members; written as an empty root
/// element (botocore also accepts an empty body).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteTrafficPolicyResponse", deny_unknown_fields)]
pub struct DeleteTrafficPolicyResponse {}

/// Body of `CreateTrafficPolicyInstance` (`POST /2013-04-01/trafficpolicyinstance`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyInstanceRequest", deny_unknown_fields)]
pub struct CreateTrafficPolicyInstanceRequest {
    /// The hosted zone to create the records in.
    #[serde(rename = "HostedZoneId")]
    pub hosted_zone_id: String,
    /// The record name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The TTL of the created records.
    #[serde(rename = "TTL")]
    pub ttl: i64,
    /// The traffic policy to apply.
    #[serde(rename = "TrafficPolicyId")]
    pub traffic_policy_id: String,
    /// The version of that policy.
    #[serde(rename = "TrafficPolicyVersion")]
    pub traffic_policy_version: i32,
}

/// Response of `CreateTrafficPolicyInstance` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateTrafficPolicyInstanceResponse", deny_unknown_fields)]
pub struct CreateTrafficPolicyInstanceResponse {
    /// The new instance (normally `Creating`).
    #[serde(rename = "TrafficPolicyInstance")]
    pub traffic_policy_instance: TrafficPolicyInstance,
}

/// Response of `GetTrafficPolicyInstance`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetTrafficPolicyInstanceResponse", deny_unknown_fields)]
pub struct GetTrafficPolicyInstanceResponse {
    /// The instance.
    #[serde(rename = "TrafficPolicyInstance")]
    pub traffic_policy_instance: TrafficPolicyInstance,
}

/// Body of `UpdateTrafficPolicyInstance` (`POST /2013-04-01/trafficpolicyinstance/{Id}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateTrafficPolicyInstanceRequest", deny_unknown_fields)]
pub struct UpdateTrafficPolicyInstanceRequest {
    /// The new TTL.
    #[serde(rename = "TTL")]
    pub ttl: i64,
    /// The traffic policy to apply now.
    #[serde(rename = "TrafficPolicyId")]
    pub traffic_policy_id: String,
    /// The version of that policy.
    #[serde(rename = "TrafficPolicyVersion")]
    pub traffic_policy_version: i32,
}

/// Response of `UpdateTrafficPolicyInstance`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UpdateTrafficPolicyInstanceResponse", deny_unknown_fields)]
pub struct UpdateTrafficPolicyInstanceResponse {
    /// The instance after the update was accepted.
    #[serde(rename = "TrafficPolicyInstance")]
    pub traffic_policy_instance: TrafficPolicyInstance,
}

/// Response of `DeleteTrafficPolicyInstance`: the model has no members; written as an empty
/// root element.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteTrafficPolicyInstanceResponse", deny_unknown_fields)]
pub struct DeleteTrafficPolicyInstanceResponse {}

/// Response of `ListTrafficPolicyInstances`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTrafficPolicyInstancesResponse", deny_unknown_fields)]
pub struct ListTrafficPolicyInstancesResponse {
    /// The instances of this page.
    #[serde(rename = "TrafficPolicyInstances", with = "instances")]
    pub traffic_policy_instances: Vec<TrafficPolicyInstance>,
    /// The `hostedzoneid` marker for the next page, when truncated.
    #[serde(rename = "HostedZoneIdMarker", default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_id_marker: Option<String>,
    /// The `trafficpolicyinstancename` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceNameMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_name_marker: Option<String>,
    /// The `trafficpolicyinstancetype` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceTypeMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_type_marker: Option<String>,
    /// Whether more instances follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `ListTrafficPolicyInstancesByHostedZone`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTrafficPolicyInstancesByHostedZoneResponse", deny_unknown_fields)]
pub struct ListTrafficPolicyInstancesByHostedZoneResponse {
    /// The instances of this page.
    #[serde(rename = "TrafficPolicyInstances", with = "instances")]
    pub traffic_policy_instances: Vec<TrafficPolicyInstance>,
    /// The `trafficpolicyinstancename` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceNameMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_name_marker: Option<String>,
    /// The `trafficpolicyinstancetype` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceTypeMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_type_marker: Option<String>,
    /// Whether more instances follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `ListTrafficPolicyInstancesByPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTrafficPolicyInstancesByPolicyResponse", deny_unknown_fields)]
pub struct ListTrafficPolicyInstancesByPolicyResponse {
    /// The instances of this page.
    #[serde(rename = "TrafficPolicyInstances", with = "instances")]
    pub traffic_policy_instances: Vec<TrafficPolicyInstance>,
    /// The `hostedzoneid` marker for the next page, when truncated.
    #[serde(rename = "HostedZoneIdMarker", default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_id_marker: Option<String>,
    /// The `trafficpolicyinstancename` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceNameMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_name_marker: Option<String>,
    /// The `trafficpolicyinstancetype` marker for the next page, when truncated.
    #[serde(
        rename = "TrafficPolicyInstanceTypeMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_policy_instance_type_marker: Option<String>,
    /// Whether more instances follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `GetTrafficPolicyInstanceCount`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetTrafficPolicyInstanceCountResponse", deny_unknown_fields)]
pub struct GetTrafficPolicyInstanceCountResponse {
    /// The number of traffic policy instances in the account.
    #[serde(rename = "TrafficPolicyInstanceCount")]
    pub traffic_policy_instance_count: i32,
}
