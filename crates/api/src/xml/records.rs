//! Resource record sets: `ChangeResourceRecordSets`, `ListResourceRecordSets`, `GetChange`.

use serde::{Deserialize, Serialize};

use super::ChangeInfo;

xml_list!(changes, "Change", Change);
xml_list!(resource_records, "ResourceRecord", ResourceRecord);
xml_list!(record_sets, "ResourceRecordSet", ResourceRecordSet);

/// Body of `ChangeResourceRecordSets` (`POST /2013-04-01/hostedzone/{Id}/rrset/`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeResourceRecordSetsRequest", deny_unknown_fields)]
pub struct ChangeResourceRecordSetsRequest {
    /// The changes to apply, all or none.
    #[serde(rename = "ChangeBatch")]
    pub change_batch: ChangeBatch,
}

/// A transactional batch of changes (`ChangeBatch`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeBatch", deny_unknown_fields)]
pub struct ChangeBatch {
    /// A comment, returned in the `ChangeInfo`.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The changes, in order.
    #[serde(rename = "Changes", with = "changes")]
    pub changes: Vec<Change>,
}

/// One change of a batch (`Change`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Change", deny_unknown_fields)]
pub struct Change {
    /// `CREATE`, `DELETE` or `UPSERT`.
    #[serde(rename = "Action")]
    pub action: String,
    /// The record set to create, delete or upsert.
    #[serde(rename = "ResourceRecordSet")]
    pub resource_record_set: ResourceRecordSet,
}

/// A resource record set (`ResourceRecordSet`), with every routing member of the model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ResourceRecordSet", deny_unknown_fields)]
pub struct ResourceRecordSet {
    /// The record name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The DNS type (`RRType`).
    #[serde(rename = "Type")]
    pub r#type: String,
    /// Tells apart records of one name and type with a routing policy (1–128 characters).
    #[serde(rename = "SetIdentifier", default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    /// Weighted routing: the weight (0–255).
    #[serde(rename = "Weight", default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// Latency routing: the AWS region.
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Geolocation routing: the location.
    #[serde(rename = "GeoLocation", default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// Failover routing: `PRIMARY` or `SECONDARY`.
    #[serde(rename = "Failover", default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    /// Multivalue answer routing.
    #[serde(rename = "MultiValueAnswer", default, skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// The TTL (absent for alias and policy records).
    #[serde(rename = "TTL", default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// The values (absent for alias and policy records).
    #[serde(
        rename = "ResourceRecords",
        default,
        skip_serializing_if = "Option::is_none",
        with = "resource_records::opt"
    )]
    pub resource_records: Option<Vec<ResourceRecord>>,
    /// Alias target (instead of TTL and values).
    #[serde(rename = "AliasTarget", default, skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<AliasTarget>,
    /// The health check that decides whether this record is answered.
    #[serde(rename = "HealthCheckId", default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// The traffic policy instance that created this (root) record.
    #[serde(rename = "TrafficPolicyInstanceId", default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy_instance_id: Option<String>,
    /// IP-based routing: the CIDR collection and location.
    #[serde(rename = "CidrRoutingConfig", default, skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<CidrRoutingConfig>,
    /// Geoproximity routing: the location and bias.
    #[serde(rename = "GeoProximityLocation", default, skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<GeoProximityLocation>,
    /// Availability-zone affinity (newer model member).
    #[serde(rename = "AZAffinity", default, skip_serializing_if = "Option::is_none")]
    pub az_affinity: Option<AzAffinity>,
}

/// A geolocation (`GeoLocation`): a continent, a country, or a country's subdivision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GeoLocation", deny_unknown_fields)]
pub struct GeoLocation {
    /// Two-letter continent code (`AF`, `AN`, `AS`, `EU`, `OC`, `NA`, `SA`).
    #[serde(rename = "ContinentCode", default, skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// ISO 3166 country code, or `*` for the default location.
    #[serde(rename = "CountryCode", default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Subdivision code (e.g. a US state).
    #[serde(rename = "SubdivisionCode", default, skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

/// One value of a record set (`ResourceRecord`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ResourceRecord", deny_unknown_fields)]
pub struct ResourceRecord {
    /// The value in presentation format (`RData`).
    #[serde(rename = "Value")]
    pub value: String,
}

/// The target of an alias record (`AliasTarget`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AliasTarget", deny_unknown_fields)]
pub struct AliasTarget {
    /// The target's hosted zone.
    #[serde(rename = "HostedZoneId")]
    pub hosted_zone_id: String,
    /// The target's DNS name.
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    /// Whether the alias inherits the target's health.
    #[serde(rename = "EvaluateTargetHealth")]
    pub evaluate_target_health: bool,
}

/// IP-based routing configuration (`CidrRoutingConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CidrRoutingConfig", deny_unknown_fields)]
pub struct CidrRoutingConfig {
    /// The CIDR collection ID (a UUID).
    #[serde(rename = "CollectionId")]
    pub collection_id: String,
    /// The CIDR location name, or `*` for the default.
    #[serde(rename = "LocationName")]
    pub location_name: String,
}

/// A geoproximity location (`GeoProximityLocation`): an AWS region, a Local Zone group or
/// coordinates, plus a bias.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GeoProximityLocation", deny_unknown_fields)]
pub struct GeoProximityLocation {
    /// An AWS region.
    #[serde(rename = "AWSRegion", default, skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    /// A Local Zone group.
    #[serde(rename = "LocalZoneGroup", default, skip_serializing_if = "Option::is_none")]
    pub local_zone_group: Option<String>,
    /// Latitude and longitude.
    #[serde(rename = "Coordinates", default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// The bias (-99 to 99).
    #[serde(rename = "Bias", default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<i32>,
}

/// A point on the earth (`Coordinates`); strings on the wire, as in the model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Coordinates", deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude, -90 to 90, up to two decimals.
    #[serde(rename = "Latitude")]
    pub latitude: String,
    /// Longitude, -180 to 180, up to two decimals.
    #[serde(rename = "Longitude")]
    pub longitude: String,
}

/// Availability-zone affinity (`AZAffinity`; newer model member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AZAffinity", deny_unknown_fields)]
pub struct AzAffinity {
    /// The location type.
    #[serde(rename = "LocationType", default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<String>,
    /// The location ID.
    #[serde(rename = "LocationId", default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

/// Response of `ChangeResourceRecordSets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeResourceRecordSetsResponse", deny_unknown_fields)]
pub struct ChangeResourceRecordSetsResponse {
    /// The accepted change.
    #[serde(rename = "ChangeInfo")]
    pub change_info: ChangeInfo,
}

/// Response of `ListResourceRecordSets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListResourceRecordSetsResponse", deny_unknown_fields)]
pub struct ListResourceRecordSetsResponse {
    /// The record sets of this page.
    #[serde(rename = "ResourceRecordSets", with = "record_sets")]
    pub resource_record_sets: Vec<ResourceRecordSet>,
    /// Whether more record sets follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The `name` for the next page, when truncated.
    #[serde(rename = "NextRecordName", default, skip_serializing_if = "Option::is_none")]
    pub next_record_name: Option<String>,
    /// The `type` for the next page, when truncated.
    #[serde(rename = "NextRecordType", default, skip_serializing_if = "Option::is_none")]
    pub next_record_type: Option<String>,
    /// The `identifier` for the next page, when truncated and the next record has one.
    #[serde(rename = "NextRecordIdentifier", default, skip_serializing_if = "Option::is_none")]
    pub next_record_identifier: Option<String>,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// Response of `GetChange`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetChangeResponse", deny_unknown_fields)]
pub struct GetChangeResponse {
    /// The change.
    #[serde(rename = "ChangeInfo")]
    pub change_info: ChangeInfo,
}
