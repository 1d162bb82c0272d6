//! `TestDNSAnswer`, geolocations and limits.

use serde::{Deserialize, Serialize};

xml_list!(record_data, "RecordDataEntry", String);
xml_list!(geo_details, "GeoLocationDetails", GeoLocationDetails);

/// Response of `TestDNSAnswer`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "TestDNSAnswerResponse", deny_unknown_fields)]
pub struct TestDNSAnswerResponse {
    /// The name server that answered (a Route 53 name server name or address).
    #[serde(rename = "Nameserver")]
    pub nameserver: String,
    /// The queried name.
    #[serde(rename = "RecordName")]
    pub record_name: String,
    /// The queried type.
    #[serde(rename = "RecordType")]
    pub record_type: String,
    /// The answer's values, in presentation format.
    #[serde(rename = "RecordData", with = "record_data")]
    pub record_data: Vec<String>,
    /// The DNS response code, e.g. `NOERROR`.
    #[serde(rename = "ResponseCode")]
    pub response_code: String,
    /// `UDP` or `TCP`.
    #[serde(rename = "Protocol")]
    pub protocol: String,
}

/// A geolocation and its names (`GeoLocationDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GeoLocationDetails", deny_unknown_fields)]
pub struct GeoLocationDetails {
    /// The continent code.
    #[serde(rename = "ContinentCode", default, skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// The continent's name.
    #[serde(rename = "ContinentName", default, skip_serializing_if = "Option::is_none")]
    pub continent_name: Option<String>,
    /// The country code.
    #[serde(rename = "CountryCode", default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// The country's name.
    #[serde(rename = "CountryName", default, skip_serializing_if = "Option::is_none")]
    pub country_name: Option<String>,
    /// The subdivision code.
    #[serde(rename = "SubdivisionCode", default, skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
    /// The subdivision's name.
    #[serde(rename = "SubdivisionName", default, skip_serializing_if = "Option::is_none")]
    pub subdivision_name: Option<String>,
}

/// Response of `GetGeoLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetGeoLocationResponse", deny_unknown_fields)]
pub struct GetGeoLocationResponse {
    /// The location.
    #[serde(rename = "GeoLocationDetails")]
    pub geo_location_details: GeoLocationDetails,
}

/// Response of `ListGeoLocations`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListGeoLocationsResponse", deny_unknown_fields)]
pub struct ListGeoLocationsResponse {
    /// The locations of this page.
    #[serde(rename = "GeoLocationDetailsList", with = "geo_details")]
    pub geo_location_details_list: Vec<GeoLocationDetails>,
    /// Whether more locations follow.
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// The `startcontinentcode` for the next page, when truncated.
    #[serde(rename = "NextContinentCode", default, skip_serializing_if = "Option::is_none")]
    pub next_continent_code: Option<String>,
    /// The `startcountrycode` for the next page, when truncated.
    #[serde(rename = "NextCountryCode", default, skip_serializing_if = "Option::is_none")]
    pub next_country_code: Option<String>,
    /// The `startsubdivisioncode` for the next page, when truncated.
    #[serde(rename = "NextSubdivisionCode", default, skip_serializing_if = "Option::is_none")]
    pub next_subdivision_code: Option<String>,
    /// The page size used.
    #[serde(rename = "MaxItems")]
    pub max_items: String,
}

/// An account limit (`AccountLimit`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AccountLimit", deny_unknown_fields)]
pub struct AccountLimit {
    /// The limit's type, e.g. `MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER`.
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The limit.
    #[serde(rename = "Value")]
    pub value: i64,
}

/// Response of `GetAccountLimit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetAccountLimitResponse", deny_unknown_fields)]
pub struct GetAccountLimitResponse {
    /// The limit.
    #[serde(rename = "Limit")]
    pub limit: AccountLimit,
    /// Current usage.
    #[serde(rename = "Count")]
    pub count: i64,
}

/// A hosted zone limit (`HostedZoneLimit`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HostedZoneLimit", deny_unknown_fields)]
pub struct HostedZoneLimit {
    /// `MAX_RRSETS_BY_ZONE` or `MAX_VPCS_ASSOCIATED_BY_ZONE`.
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The limit.
    #[serde(rename = "Value")]
    pub value: i64,
}

/// Response of `GetHostedZoneLimit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetHostedZoneLimitResponse", deny_unknown_fields)]
pub struct GetHostedZoneLimitResponse {
    /// The limit.
    #[serde(rename = "Limit")]
    pub limit: HostedZoneLimit,
    /// Current usage.
    #[serde(rename = "Count")]
    pub count: i64,
}
