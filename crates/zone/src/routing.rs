//! Record-level routing (Route 53 `ChangeResourceRecordSets` with `SetIdentifier`): the routing
//! settings stored with a record set, and their translation into a traffic policy, so that
//! weighted, failover, geolocation, latency, multivalue and geoproximity record sets are
//! answered by the same policy engine as policy records.
//!
//! All record sets of one name and type form a group; the group becomes a one-rule policy
//! whose endpoints are the record sets (each answering with all of its records and its own
//! TTL), with each set's `HealthCheckId` on its rule entry.

use hickory_proto::rr::{Name, RData, RecordType};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::snapshot::{EndpointData, PolicyBinding};

/// Alias target of a record set: another name in the same zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasTarget {
    /// Hosted zone of the target (must be this zone).
    pub hosted_zone_id: String,
    /// The target name.
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    /// Whether the target's health counts.
    pub evaluate_target_health: bool,
}

/// Geolocation of a routed record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GeoLocation {
    /// Continent code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// Country code (`*` for the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Subdivision code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

/// Geoproximity location of a routed record set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GeoProximity {
    /// AWS region code.
    #[serde(rename = "AWSRegion", skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    /// Local Zone group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_zone_group: Option<String>,
    /// Latitude, as text (two decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    /// Longitude, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    /// Bias, -99 to 99.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bias: Option<i32>,
}

/// IP-based routing of a record set: a location of a CIDR collection (`*` for the default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrRoutingConfig {
    /// The CIDR collection id (a UUID).
    pub collection_id: String,
    /// The location name in that collection, or `*` for clients no location holds.
    pub location_name: String,
}

/// Routing and alias settings of a record set, stored with its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Routing {
    /// Weighted routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// Latency routing: the region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Geolocation routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// Failover routing: `PRIMARY` or `SECONDARY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    /// Multivalue answer routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// Geoproximity routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<GeoProximity>,
    /// IP-based routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<CidrRoutingConfig>,
    /// Health check of this record set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// Alias target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<AliasTarget>,
}

impl Routing {
    /// The routing policy this set uses, if any.
    pub fn policy(&self) -> Option<&'static str> {
        if self.weight.is_some() {
            Some("weighted")
        } else if self.region.is_some() {
            Some("latency")
        } else if self.geo_location.is_some() {
            Some("geolocation")
        } else if self.failover.is_some() {
            Some("failover")
        } else if self.multi_value_answer.is_some() {
            Some("multivalue")
        } else if self.geo_proximity_location.is_some() {
            Some("geoproximity")
        } else if self.cidr_routing_config.is_some() {
            Some("cidr")
        } else {
            None
        }
    }

    /// No routing, health check or alias setting at all.
    pub fn is_empty(&self) -> bool {
        *self == Routing::default()
    }
}

/// One record set of a routed group.
#[derive(Debug, Clone)]
pub struct RoutedSet {
    /// Its set identifier.
    pub set_identifier: String,
    /// TTL of its records.
    pub ttl: u32,
    /// Its records' data.
    pub records: Vec<RData>,
    /// Its routing settings.
    pub routing: Routing,
}

fn with_check(mut entry: Value, set: &RoutedSet) -> Value {
    if let (Some(hc), Some(obj)) = (&set.routing.health_check_id, entry.as_object_mut()) {
        obj.insert("HealthCheck".into(), json!(hc));
    }
    entry
}

/// The traffic policy document equivalent to a group of routed record sets, or why there is
/// none. Endpoint `eN` is `sets[N]`.
pub fn group_document(rtype: RecordType, sets: &[RoutedSet]) -> Result<String, String> {
    let Some(first) = sets.first() else { return Err("no record sets".into()) };
    let kind =
        first.routing.policy().ok_or("record sets with a SetIdentifier need a routing policy")?;
    if let Some(other) = sets.iter().find(|s| s.routing.policy() != Some(kind)) {
        return Err(format!(
            "record set {:?} uses {} routing but {:?} uses {kind}: all record sets of a name and type share one routing policy",
            other.set_identifier,
            other.routing.policy().unwrap_or("no"),
            first.set_identifier
        ));
    }
    let mut endpoints = serde_json::Map::new();
    for (i, s) in sets.iter().enumerate() {
        let value = s
            .records
            .first()
            .map(crate::master::data_text)
            .ok_or_else(|| format!("record set {:?} has no records", s.set_identifier))?;
        endpoints.insert(format!("e{i}"), json!({"Type": "value", "Value": value}));
    }
    let ep = |i: usize| json!({"EndpointReference": format!("e{i}")});
    let mut version = "2015-10-01";
    let (rule, start_endpoint) = match kind {
        "weighted" => {
            let items: Vec<Value> = sets
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut e = ep(i);
                    e["Weight"] = json!(s.routing.weight.unwrap_or(0));
                    with_check(e, s)
                })
                .collect();
            (Some(json!({"RuleType": "weighted", "Items": items})), None)
        }
        "multivalue" => {
            let items: Vec<Value> =
                sets.iter().enumerate().map(|(i, s)| with_check(ep(i), s)).collect();
            (Some(json!({"RuleType": "multivalue", "Items": items})), None)
        }
        "failover" => {
            let find =
                |role: &str| sets.iter().position(|s| s.routing.failover.as_deref() == Some(role));
            match (find("PRIMARY"), find("SECONDARY")) {
                (Some(p), Some(s)) => (
                    Some(json!({"RuleType": "failover",
                        "Primary": with_check(ep(p), &sets[p]),
                        "Secondary": with_check(ep(s), &sets[s])})),
                    None,
                ),
                (Some(only), None) | (None, Some(only)) => (None, Some(only)),
                (None, None) => return Err("failover record sets need PRIMARY or SECONDARY".into()),
            }
        }
        "geolocation" => {
            let mut locations = Vec::new();
            for (i, s) in sets.iter().enumerate() {
                let g = s.routing.geo_location.clone().unwrap_or_default();
                let mut e = ep(i);
                match (g.continent_code, g.country_code, g.subdivision_code) {
                    (Some(c), _, _) => e["Continent"] = json!(c),
                    (None, Some(c), None) if c == "*" => e["IsDefault"] = json!(true),
                    (None, Some(c), None) => e["Country"] = json!(c),
                    (None, Some(c), Some(sub)) => {
                        e["Country"] = json!(c);
                        e["Subdivision"] = json!(sub);
                    }
                    _ => {
                        return Err(format!(
                            "record set {:?} has an empty GeoLocation",
                            s.set_identifier
                        ));
                    }
                }
                locations.push(with_check(e, s));
            }
            (Some(json!({"RuleType": "geo", "Locations": locations})), None)
        }
        "latency" => {
            let regions: Vec<Value> = sets
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut e = ep(i);
                    e["Region"] = json!(s.routing.region.clone().unwrap_or_default());
                    with_check(e, s)
                })
                .collect();
            (Some(json!({"RuleType": "latency", "Regions": regions})), None)
        }
        "geoproximity" => {
            version = "2023-05-09";
            let mut entries = Vec::new();
            for (i, s) in sets.iter().enumerate() {
                let g = s.routing.geo_proximity_location.clone().unwrap_or_default();
                let mut e = ep(i);
                e["Location"] =
                    match (&g.aws_region, &g.local_zone_group, &g.latitude, &g.longitude) {
                        (Some(r), _, _, _) => {
                            json!({"Type": "Region", "LocationName": format!("aws:route53:{r}")})
                        }
                        (None, Some(z), _, _) => {
                            json!({"Type": "LocalZone", "LocationName": format!("aws:route53:{z}")})
                        }
                        (None, None, Some(lat), Some(lon)) => {
                            json!({"Type": "Coordinate", "Latitude": lat, "Longitude": lon})
                        }
                        _ => {
                            return Err(format!(
                                "record set {:?} needs AWSRegion, LocalZoneGroup or Coordinates",
                                s.set_identifier
                            ));
                        }
                    };
                e["Bias"] = json!(g.bias.unwrap_or(0));
                entries.push(with_check(e, s));
            }
            (Some(json!({"RuleType": "geoproximity", "GeoproximityLocations": entries})), None)
        }
        other => return Err(format!("unknown routing policy {other}")),
    };
    let mut doc = json!({
        "AWSPolicyFormatVersion": version,
        "RecordType": crate::master::type_text(rtype),
        "Endpoints": endpoints,
    });
    match (rule, start_endpoint) {
        (Some(rule), _) => {
            doc["StartRule"] = json!("r");
            doc["Rules"] = json!({ "r": rule });
        }
        (None, Some(i)) => doc["StartEndpoint"] = json!(format!("e{i}")),
        (None, None) => return Err("no rule".into()),
    }
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

/// Compiles a group of routed record sets at `name` into a binding the snapshot answers
/// like a policy record.
pub fn group_binding(
    name: &Name,
    rtype: RecordType,
    sets: Vec<RoutedSet>,
    catalog: &policy::codes::Catalog,
) -> Result<PolicyBinding, String> {
    let document = group_document(rtype, &sets)?;
    let compiled = policy::compile(&document, catalog);
    let Some(policy) = compiled.policy else {
        let problems: Vec<String> = compiled.errors().map(|d| d.to_string()).collect();
        return Err(format!(
            "the routing of these record sets is not valid: {}",
            problems.join("; ")
        ));
    };
    let ttl = sets.first().map(|s| s.ttl).unwrap_or(300);
    let hits = (0..sets.len()).map(|_| crate::counters::Counter::default()).collect();
    Ok(PolicyBinding {
        id: format!("record sets {} {}", name, crate::master::type_text(rtype)),
        name: name.clone(),
        ttl,
        policy: std::sync::Arc::new(policy),
        rtype,
        values: sets.into_iter().map(|s| EndpointData::Set(s.ttl, s.records)).collect(),
        hits,
    })
}
