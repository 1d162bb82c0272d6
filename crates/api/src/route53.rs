//! The Route 53 `2013-04-01` REST/XML API: paths and methods to service calls, XML shapes in
//! and out. Only what the wire format knows is checked here (XML value ranges, features
//! flowdns lacks); every rule of the service and its errors come from [`control::Service`].

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use control::{Code, Error, Page, Service};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::server::{Api, Call, error_response, xml_response};
use crate::xml;

type Reply = Result<Response, Error>;

/// The public base of `Location` headers.
const LOCATION_BASE: &str = "https://route53.amazonaws.com/2013-04-01";

fn ok<T: Serialize>(call: &Call, status: StatusCode, body: &T) -> Reply {
    let text = xml::to_xml(body)
        .map_err(|e| Error::new(Code::ServiceUnavailable, format!("cannot write XML: {e}")))?;
    Ok(xml_response(status, text, &call.request_id))
}

fn created<T: Serialize>(call: &Call, location: &str, body: &T) -> Reply {
    let mut r = ok(call, StatusCode::CREATED, body)?;
    if let Ok(v) = HeaderValue::from_str(&format!("{LOCATION_BASE}/{location}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

fn parse<T: DeserializeOwned>(call: &Call) -> Result<T, Error> {
    xml::from_xml(&call.body).map_err(|e| Error::new(Code::InvalidInput, e.to_string()))
}

/// Like [`parse`], for a request whose members are all optional: botocore sends no body at
/// all when none is given.
fn parse_optional<T: DeserializeOwned + Default>(call: &Call) -> Result<T, Error> {
    if call.body.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse(call) }
}

fn version(s: &str) -> Result<u32, Error> {
    s.parse::<u32>()
        .ok()
        .filter(|v| (1..=1000).contains(v))
        .ok_or_else(|| Error::invalid("Version", format!("{s:?} is not a version from 1 to 1000")))
}

fn version_i32(v: i32) -> Result<u32, Error> {
    version(&v.to_string())
}

/// Zone ids may be given as `/hostedzone/ID`.
fn zone_id(s: &str) -> &str {
    s.trim_start_matches("/hostedzone/")
}

fn required<'a>(call: &'a Call, name: &str) -> Result<&'a str, Error> {
    call.param(name).ok_or_else(|| Error::invalid(name, "this query parameter is required"))
}

/// Dispatches one authenticated call; errors become Route 53 error documents.
pub(crate) async fn dispatch(service: &Service, call: &Call) -> Response {
    match route(service, call).await {
        Ok(r) => r,
        Err(e) => {
            if e.code.status() >= 500 && e.code != Code::NotImplemented {
                tracing::warn!(code = e.code.as_str(), "API error: {}", e.message);
            }
            // Route 53 lists the problems of a change batch as "[first, second]".
            let message = if e.code == Code::InvalidChangeBatch {
                format!("[{}]", e.message.lines().collect::<Vec<_>>().join(", "))
            } else {
                e.message
            };
            error_response(
                Api::Route53,
                &call.request_id,
                e.code.status(),
                e.code.as_str(),
                &message,
            )
        }
    }
}

async fn route(s: &Service, call: &Call) -> Reply {
    let seg: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let m = &call.method;
    match (m.clone(), seg.as_slice()) {
        // Traffic policies.
        (Method::POST, ["trafficpolicy"]) => {
            let req: xml::CreateTrafficPolicyRequest = parse(call)?;
            let v = s
                .create_policy(&req.name, &req.document, req.comment.as_deref().unwrap_or(""))
                .await?;
            let loc = format!("trafficpolicy/{}/{}", v.policy_id, v.version);
            created(call, &loc, &xml::CreateTrafficPolicyResponse { traffic_policy: policy(&v) })
        }
        (Method::POST, ["trafficpolicy", id]) => {
            let req: xml::CreateTrafficPolicyVersionRequest = parse(call)?;
            let v = s
                .create_policy_version(id, &req.document, req.comment.as_deref().unwrap_or(""))
                .await?;
            let loc = format!("trafficpolicy/{}/{}", v.policy_id, v.version);
            created(
                call,
                &loc,
                &xml::CreateTrafficPolicyVersionResponse { traffic_policy: policy(&v) },
            )
        }
        (Method::GET, ["trafficpolicy", id, v]) => {
            let v = s.read_policy(id, Some(version(v)?)).await?;
            ok(call, StatusCode::OK, &xml::GetTrafficPolicyResponse { traffic_policy: policy(&v) })
        }
        (Method::POST, ["trafficpolicy", id, v]) => {
            let req: xml::UpdateTrafficPolicyCommentRequest = parse(call)?;
            let v = s.update_policy_comment(id, version(v)?, &req.comment).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::UpdateTrafficPolicyCommentResponse { traffic_policy: policy(&v) },
            )
        }
        (Method::DELETE, ["trafficpolicy", id, v]) => {
            s.delete_policy(id, version(v)?).await?;
            ok(call, StatusCode::OK, &xml::DeleteTrafficPolicyResponse {})
        }
        (Method::GET, ["trafficpolicies"]) => {
            let p = s.list_policies(call.param("trafficpolicyid"), call.param("maxitems")).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListTrafficPoliciesResponse {
                    traffic_policy_summaries: p.items.iter().map(summary).collect(),
                    is_truncated: p.is_truncated(),
                    traffic_policy_id_marker: p
                        .next
                        .as_ref()
                        .map(|n| n.id.clone())
                        .unwrap_or_default(),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["trafficpolicies", id, "versions"]) => {
            let p = s
                .list_policy_versions(
                    id,
                    call.param("trafficpolicyversion"),
                    call.param("maxitems"),
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListTrafficPolicyVersionsResponse {
                    traffic_policies: p.items.iter().map(policy).collect(),
                    is_truncated: p.is_truncated(),
                    traffic_policy_version_marker: p
                        .next
                        .as_ref()
                        .map(|n| n.version.to_string())
                        .unwrap_or_default(),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        // Policy records (traffic policy instances).
        (Method::POST, ["trafficpolicyinstance"]) => {
            let req: xml::CreateTrafficPolicyInstanceRequest = parse(call)?;
            let r = s
                .create_instance(
                    zone_id(&req.hosted_zone_id),
                    &req.name,
                    req.ttl,
                    &req.traffic_policy_id,
                    version_i32(req.traffic_policy_version)?,
                )
                .await?;
            let loc = format!("trafficpolicyinstance/{}", r.id);
            created(
                call,
                &loc,
                &xml::CreateTrafficPolicyInstanceResponse { traffic_policy_instance: instance(&r) },
            )
        }
        (Method::GET, ["trafficpolicyinstance", id]) => {
            let r = s.get_instance(id).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetTrafficPolicyInstanceResponse { traffic_policy_instance: instance(&r) },
            )
        }
        (Method::POST, ["trafficpolicyinstance", id]) => {
            let req: xml::UpdateTrafficPolicyInstanceRequest = parse(call)?;
            let r = s
                .update_instance(
                    id,
                    Some(req.ttl),
                    Some(&req.traffic_policy_id),
                    version_i32(req.traffic_policy_version)?,
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::UpdateTrafficPolicyInstanceResponse { traffic_policy_instance: instance(&r) },
            )
        }
        (Method::DELETE, ["trafficpolicyinstance", id]) => {
            s.delete_instance(id).await?;
            ok(call, StatusCode::OK, &xml::DeleteTrafficPolicyInstanceResponse {})
        }
        (Method::GET, ["trafficpolicyinstances"]) => {
            let p = list_instances(s, call, None, None, None).await?;
            let (z, n, t) = markers(&p);
            ok(
                call,
                StatusCode::OK,
                &xml::ListTrafficPolicyInstancesResponse {
                    traffic_policy_instances: p.items.iter().map(instance).collect(),
                    hosted_zone_id_marker: z,
                    traffic_policy_instance_name_marker: n,
                    traffic_policy_instance_type_marker: t,
                    is_truncated: p.is_truncated(),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["trafficpolicyinstances", "hostedzone"]) => {
            let zone = zone_id(required(call, "id")?);
            let p = list_instances(s, call, Some(zone), None, None).await?;
            let (_, n, t) = markers(&p);
            ok(
                call,
                StatusCode::OK,
                &xml::ListTrafficPolicyInstancesByHostedZoneResponse {
                    traffic_policy_instances: p.items.iter().map(instance).collect(),
                    traffic_policy_instance_name_marker: n,
                    traffic_policy_instance_type_marker: t,
                    is_truncated: p.is_truncated(),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["trafficpolicyinstances", "trafficpolicy"]) => {
            let id = required(call, "id")?;
            let v = version(required(call, "version")?)?;
            let p = list_instances(s, call, None, Some(id), Some(v)).await?;
            let (z, n, t) = markers(&p);
            ok(
                call,
                StatusCode::OK,
                &xml::ListTrafficPolicyInstancesByPolicyResponse {
                    traffic_policy_instances: p.items.iter().map(instance).collect(),
                    hosted_zone_id_marker: z,
                    traffic_policy_instance_name_marker: n,
                    traffic_policy_instance_type_marker: t,
                    is_truncated: p.is_truncated(),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["trafficpolicyinstancecount"]) => {
            let n = s.count_instances().await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetTrafficPolicyInstanceCountResponse {
                    traffic_policy_instance_count: i32::try_from(n).unwrap_or(i32::MAX),
                },
            )
        }
        // Hosted zones.
        (Method::POST, ["hostedzone"]) => {
            let req: xml::CreateHostedZoneRequest = parse(call)?;
            let comment = check_new_zone(&req)?;
            let (z, change) = s.create_zone(&req.name, &req.caller_reference, &comment).await?;
            let loc = format!("hostedzone/{}", z.zone.id);
            created(
                call,
                &loc,
                &xml::CreateHostedZoneResponse {
                    hosted_zone: hosted_zone(&z.zone, s.rrset_count(&z.zone.id).await?),
                    change_info: change_info(&change),
                    delegation_set: xml::DelegationSet {
                        id: None,
                        caller_reference: None,
                        name_servers: z.name_servers,
                    },
                    vpc: None,
                },
            )
        }
        (Method::GET, ["hostedzone"]) => {
            if call.param("delegationsetid").is_some() {
                return Err(Error::invalid(
                    "delegationsetid",
                    "reusable delegation sets are not supported by flowdns, so no zone uses one",
                ));
            }
            // Every flowdns zone is public: the list of private zones is empty.
            let private_only = match call.param("hostedzonetype") {
                None => false,
                Some("PrivateHostedZone") => true,
                Some(other) => {
                    return Err(Error::invalid(
                        "hostedzonetype",
                        format!("{other:?}; the only type is PrivateHostedZone"),
                    ));
                }
            };
            let mut p = s.list_zones(call.param("marker"), call.param("maxitems")).await?;
            if private_only {
                p.items.clear();
                p.next = None;
            }
            ok(
                call,
                StatusCode::OK,
                &xml::ListHostedZonesResponse {
                    hosted_zones: zones_with_counts(s, &p.items).await?,
                    marker: call.param("marker").unwrap_or("").to_owned(),
                    is_truncated: p.is_truncated(),
                    next_marker: p.next.as_ref().map(|z| z.id.clone()),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["hostedzone", id]) => {
            let z = s.get_zone(zone_id(id)).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetHostedZoneResponse {
                    hosted_zone: hosted_zone(&z.zone, s.rrset_count(&z.zone.id).await?),
                    delegation_set: Some(xml::DelegationSet {
                        id: None,
                        caller_reference: None,
                        name_servers: z.name_servers,
                    }),
                    vpcs: None,
                },
            )
        }
        (Method::DELETE, ["hostedzone", id]) => {
            let change = s.delete_zone(zone_id(id)).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::DeleteHostedZoneResponse { change_info: change_info(&change) },
            )
        }
        (Method::GET, ["hostedzonesbyname"]) => {
            let p = s
                .list_zones_by_name(
                    call.param("dnsname"),
                    call.param("hostedzoneid").map(zone_id),
                    call.param("maxitems"),
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListHostedZonesByNameResponse {
                    hosted_zones: zones_with_counts(s, &p.items).await?,
                    dns_name: call.param("dnsname").map(str::to_owned),
                    hosted_zone_id: call.param("hostedzoneid").map(str::to_owned),
                    is_truncated: p.is_truncated(),
                    next_dns_name: p.next.as_ref().map(|z| z.name.clone()),
                    next_hosted_zone_id: p.next.as_ref().map(|z| z.id.clone()),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["hostedzonecount"]) => {
            let n = s.count_zones().await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetHostedZoneCountResponse { hosted_zone_count: n as i64 },
            )
        }
        // Record sets and changes.
        (Method::POST, ["hostedzone", id, "rrset"]) => {
            let req: xml::ChangeResourceRecordSetsRequest = parse(call)?;
            let mut changes = Vec::with_capacity(req.change_batch.changes.len());
            for (i, c) in req.change_batch.changes.into_iter().enumerate() {
                let action = control::zones::parse_action(
                    &format!("ChangeBatch/Changes/Change[{}]/Action", i + 1),
                    &c.action,
                )?;
                changes.push(control::zones::Change {
                    action,
                    set: record_set_in(c.resource_record_set, i + 1)?,
                });
            }
            let comment = req.change_batch.comment.unwrap_or_default();
            let change = s.change_record_sets(zone_id(id), changes, &comment).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ChangeResourceRecordSetsResponse { change_info: change_info(&change) },
            )
        }
        (Method::GET, ["hostedzone", id, "rrset"]) => {
            let p = s
                .list_record_sets(
                    zone_id(id),
                    call.param("name"),
                    call.param("type"),
                    call.param("identifier"),
                    call.param("maxitems"),
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListResourceRecordSetsResponse {
                    resource_record_sets: p.items.iter().map(record_set_out).collect(),
                    is_truncated: p.is_truncated(),
                    next_record_name: p.next.as_ref().map(|r| r.name.clone()),
                    next_record_type: p.next.as_ref().map(|r| r.rtype.clone()),
                    next_record_identifier: p.next.as_ref().and_then(|r| r.set_identifier.clone()),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["change", id]) => {
            let c = s.get_change(id).await?;
            ok(call, StatusCode::OK, &xml::GetChangeResponse { change_info: change_info(&c) })
        }
        // Health checks.
        (Method::POST, ["healthcheck"]) => {
            let req: xml::CreateHealthCheckRequest = parse(call)?;
            let h = s
                .create_health_check(
                    &req.caller_reference,
                    health_config_in(req.health_check_config)?,
                )
                .await?;
            let loc = format!("healthcheck/{}", h.check.id);
            created(call, &loc, &xml::CreateHealthCheckResponse { health_check: health_check(&h) })
        }
        (Method::GET, ["healthcheck"]) => {
            let p = s.list_health_checks(call.param("marker"), call.param("maxitems")).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListHealthChecksResponse {
                    health_checks: p.items.iter().map(health_check).collect(),
                    marker: call.param("marker").unwrap_or("").to_owned(),
                    is_truncated: p.is_truncated(),
                    next_marker: p.next.as_ref().map(|h| h.check.id.clone()),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["healthcheck", id]) => {
            let h = s.get_health_check(id).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetHealthCheckResponse { health_check: health_check(&h) },
            )
        }
        (Method::POST, ["healthcheck", id]) => {
            let req: xml::UpdateHealthCheckRequest = parse(call)?;
            check_update(&req)?;
            let h = s
                .update_health_check(id, req.health_check_version, |c| apply_update(c, req))
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::UpdateHealthCheckResponse { health_check: health_check(&h) },
            )
        }
        (Method::DELETE, ["healthcheck", id]) => {
            s.delete_health_check(id).await?;
            ok(call, StatusCode::OK, &xml::DeleteHealthCheckResponse {})
        }
        (Method::GET, ["healthcheck", id, "status"]) => {
            let r = s.health_report(id).await?;
            let observations = r.live.and_then(|l| l.last).map(observation).into_iter().collect();
            ok(
                call,
                StatusCode::OK,
                &xml::GetHealthCheckStatusResponse { health_check_observations: observations },
            )
        }
        (Method::GET, ["healthcheck", id, "lastfailurereason"]) => {
            let r = s.health_report(id).await?;
            let observations =
                r.live.and_then(|l| l.last_failure).map(observation).into_iter().collect();
            ok(
                call,
                StatusCode::OK,
                &xml::GetHealthCheckLastFailureReasonResponse {
                    health_check_observations: observations,
                },
            )
        }
        (Method::GET, ["healthcheckcount"]) => {
            let n = s.count_health_checks().await?;
            ok(
                call,
                StatusCode::OK,
                &xml::GetHealthCheckCountResponse { health_check_count: n as i64 },
            )
        }
        (Method::GET, ["checkeripranges"]) => ok(
            call,
            StatusCode::OK,
            &xml::GetCheckerIpRangesResponse { checker_ip_ranges: Vec::new() },
        ),
        // Simulation, geolocations and limits.
        (Method::GET, ["testdnsanswer"]) => {
            let subnet = call
                .param("edns0clientsubnetip")
                .map(|ip| (ip, call.param("edns0clientsubnetmask")));
            let a = s
                .test_dns_answer(
                    zone_id(required(call, "hostedzoneid")?),
                    required(call, "recordname")?,
                    required(call, "recordtype")?,
                    call.param("resolverip"),
                    subnet,
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::TestDNSAnswerResponse {
                    nameserver: a.nameserver,
                    record_name: a.record_name,
                    record_type: a.record_type,
                    record_data: a.record_data,
                    response_code: a.response_code,
                    protocol: a.protocol,
                },
            )
        }
        (Method::GET, ["geolocation"]) => {
            let g = s.get_geo_location(
                call.param("continentcode"),
                call.param("countrycode"),
                call.param("subdivisioncode"),
            )?;
            ok(call, StatusCode::OK, &xml::GetGeoLocationResponse { geo_location_details: geo(&g) })
        }
        (Method::GET, ["geolocations"]) => {
            let p = s.list_geo_locations(
                call.param("startcontinentcode"),
                call.param("startcountrycode"),
                call.param("startsubdivisioncode"),
                call.param("maxitems"),
            )?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListGeoLocationsResponse {
                    geo_location_details_list: p.items.iter().map(geo).collect(),
                    is_truncated: p.is_truncated(),
                    next_continent_code: p.next.as_ref().and_then(|g| g.continent_code.clone()),
                    next_country_code: p.next.as_ref().and_then(|g| g.country_code.clone()),
                    next_subdivision_code: p.next.as_ref().and_then(|g| g.subdivision_code.clone()),
                    max_items: p.max_items.to_string(),
                },
            )
        }
        (Method::GET, ["accountlimit", kind]) => {
            let l = s.limits();
            let (value, count) = match *kind {
                "MAX_HEALTH_CHECKS_BY_OWNER" => (l.health_checks, s.count_health_checks().await?),
                "MAX_HOSTED_ZONES_BY_OWNER" => (l.hosted_zones, s.count_zones().await?),
                "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER" => (l.reusable_delegation_sets, 0),
                "MAX_TRAFFIC_POLICIES_BY_OWNER" => (l.traffic_policies, s.count_policies().await?),
                "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER" => {
                    (l.traffic_policy_instances, s.count_instances().await?)
                }
                other => {
                    return Err(Error::invalid(
                        "Type",
                        format!(
                            "{other:?}; one of MAX_HEALTH_CHECKS_BY_OWNER, MAX_HOSTED_ZONES_BY_OWNER, MAX_REUSABLE_DELEGATION_SETS_BY_OWNER, MAX_TRAFFIC_POLICIES_BY_OWNER, MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER"
                        ),
                    ));
                }
            };
            ok(
                call,
                StatusCode::OK,
                &xml::GetAccountLimitResponse {
                    limit: xml::AccountLimit { r#type: (*kind).to_owned(), value: value as i64 },
                    count: count as i64,
                },
            )
        }
        // Tags.
        (Method::POST, ["tags", kind, id]) => {
            let req: xml::ChangeTagsForResourceRequest = parse_optional(call)?;
            let add = req.add_tags.map(tags_in).transpose()?;
            s.change_tags(kind, id, add, req.remove_tag_keys).await?;
            ok(call, StatusCode::OK, &xml::ChangeTagsForResourceResponse {})
        }
        (Method::GET, ["tags", kind, id]) => {
            let t = s.list_tags(kind, id).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListTagsForResourceResponse { resource_tag_set: tag_set(t) },
            )
        }
        (Method::POST, ["tags", kind]) => {
            let req: xml::ListTagsForResourcesRequest = parse(call)?;
            let sets = s.list_tags_for_resources(kind, &req.resource_ids).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListTagsForResourcesResponse {
                    resource_tag_sets: sets.into_iter().map(tag_set).collect(),
                },
            )
        }
        (m, path) if let Some((operation, why)) = not_implemented(&m, path) => Err(Error::new(
            Code::NotImplemented,
            format!("{operation} is not implemented by flowdns: {why}"),
        )),
        // CIDR collections (IP-based routing).
        (Method::POST, ["cidrcollection"]) => {
            let req: xml::CreateCidrCollectionRequest = parse(call)?;
            let (c, _) = s.create_cidr_collection(&req.name, &req.caller_reference).await?;
            let loc = format!("cidrcollection/{}", c.id);
            created(
                call,
                &loc,
                &xml::CreateCidrCollectionResponse {
                    collection: xml::CidrCollection {
                        arn: control::cidr::arn(&c.id),
                        id: c.id.clone(),
                        name: c.name,
                        version: c.version,
                    },
                },
            )
        }
        (Method::POST, ["cidrcollection", id]) => {
            let req: xml::ChangeCidrCollectionRequest = parse(call)?;
            let changes = req
                .changes
                .into_iter()
                .map(|c| control::cidr::CidrCollectionChange {
                    location_name: c.location_name,
                    action: c.action,
                    cidr_list: c.cidr_list,
                })
                .collect();
            let (_, change) = s.change_cidr_collection(id, req.collection_version, changes).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ChangeCidrCollectionResponse { id: format!("/change/{}", change.id) },
            )
        }
        (Method::GET, ["cidrcollection"]) => {
            let p =
                s.list_cidr_collections(call.param("nexttoken"), call.param("maxresults")).await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListCidrCollectionsResponse {
                    next_token: p.next_token,
                    cidr_collections: p
                        .items
                        .into_iter()
                        .map(|c| xml::CollectionSummary {
                            arn: control::cidr::arn(&c.id),
                            id: c.id,
                            name: c.name,
                            version: c.version,
                        })
                        .collect(),
                },
            )
        }
        (Method::GET, ["cidrcollection", id]) => {
            let p = s
                .list_cidr_locations(id, call.param("nexttoken"), call.param("maxresults"))
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListCidrLocationsResponse {
                    next_token: p.next_token,
                    cidr_locations: p
                        .items
                        .into_iter()
                        .map(|location_name| xml::LocationSummary { location_name })
                        .collect(),
                },
            )
        }
        (Method::GET, ["cidrcollection", id, "cidrblocks"]) => {
            let p = s
                .list_cidr_blocks(
                    id,
                    call.param("location"),
                    call.param("nexttoken"),
                    call.param("maxresults"),
                )
                .await?;
            ok(
                call,
                StatusCode::OK,
                &xml::ListCidrBlocksResponse {
                    next_token: p.next_token,
                    cidr_blocks: p
                        .items
                        .into_iter()
                        .map(|b| xml::CidrBlockSummary {
                            cidr_block: b.cidr,
                            location_name: b.location,
                        })
                        .collect(),
                },
            )
        }
        (Method::DELETE, ["cidrcollection", id]) => {
            s.delete_cidr_collection(id).await?;
            ok(call, StatusCode::OK, &xml::DeleteCidrCollectionResponse {})
        }
        _ => Err(Error::new(
            Code::InvalidInput,
            format!(
                "no Route 53 operation is {} /2013-04-01/{}",
                call.method,
                call.segments.join("/")
            ),
        )),
    }
}

async fn zones_with_counts(
    s: &Service,
    zones: &[control::zones::Zone],
) -> Result<Vec<xml::HostedZone>, Error> {
    let mut out = Vec::with_capacity(zones.len());
    for z in zones {
        out.push(hosted_zone(z, s.rrset_count(&z.id).await?));
    }
    Ok(out)
}

fn tags_in(tags: Vec<xml::Tag>) -> Result<Vec<control::tags::Tag>, Error> {
    tags.into_iter()
        .enumerate()
        .map(|(i, t)| {
            let key = t.key.ok_or_else(|| {
                Error::invalid(&format!("AddTags/Tag[{}]/Key", i + 1), "is required")
            })?;
            // The model makes Value optional: a tag without one has the empty value.
            Ok(control::tags::Tag::new(key, t.value.unwrap_or_default()))
        })
        .collect()
}

fn tag_set(t: control::tags::ResourceTags) -> xml::ResourceTagSet {
    xml::ResourceTagSet {
        resource_type: Some(t.resource_type.as_str().to_owned()),
        resource_id: Some(t.id),
        tags: t
            .tags
            .into_iter()
            .map(|t| xml::Tag { key: Some(t.key), value: Some(t.value) })
            .collect(),
    }
}

/// What each family of operations flowdns lacks is about.
const DNSSEC: &str = "flowdns does not sign zones with DNSSEC";
const VPC: &str =
    "private hosted zones and VPC associations need AWS VPCs, which flowdns does not have";
const DELEGATION_SETS: &str = "reusable delegation sets are not supported; new zones get the name servers flowdns is configured with";
const QUERY_LOGGING: &str =
    "query logging to CloudWatch Logs is not available; flowdns counts queries in its metrics";
const HEALTH_CHECK_SOURCES: &str =
    "health check sources (for private health checks) are not supported";
const PROTECTIONS: &str = "record set protections are not supported";
const CHANGE_HISTORY: &str = "the change history of a zone is not available through the API";
const TIERS: &str = "flowdns has one hosted zone tier (STANDARD) without optional features";
const COMMENT: &str = "a zone's comment is set when it is created and cannot be changed yet";
const ZONE_LIMITS: &str = "flowdns sets no per-zone limits";

/// The Route 53 operations flowdns does not implement, by method and path below
/// `/2013-04-01/` (`*` stands for one segment), with why. A call to one of them is answered
/// with `NotImplemented` (HTTP 501) naming it, rather than with a success that does nothing.
/// CIDR collections (`cidrcollection`) are not listed here.
const NOT_IMPLEMENTED: &[(&str, &str, &str, &str)] = &[
    ("POST", "keysigningkey", "CreateKeySigningKey", DNSSEC),
    ("POST", "keysigningkey/*/*/activate", "ActivateKeySigningKey", DNSSEC),
    ("POST", "keysigningkey/*/*/deactivate", "DeactivateKeySigningKey", DNSSEC),
    ("DELETE", "keysigningkey/*/*", "DeleteKeySigningKey", DNSSEC),
    ("POST", "hostedzone/*/enable-dnssec", "EnableHostedZoneDNSSEC", DNSSEC),
    ("POST", "hostedzone/*/disable-dnssec", "DisableHostedZoneDNSSEC", DNSSEC),
    ("GET", "hostedzone/*/dnssec", "GetDNSSEC", DNSSEC),
    ("POST", "hostedzone/*/associatevpc", "AssociateVPCWithHostedZone", VPC),
    ("POST", "hostedzone/*/disassociatevpc", "DisassociateVPCFromHostedZone", VPC),
    ("POST", "hostedzone/*/authorizevpcassociation", "CreateVPCAssociationAuthorization", VPC),
    ("GET", "hostedzone/*/authorizevpcassociation", "ListVPCAssociationAuthorizations", VPC),
    ("POST", "hostedzone/*/deauthorizevpcassociation", "DeleteVPCAssociationAuthorization", VPC),
    ("GET", "hostedzonesbyvpc", "ListHostedZonesByVPC", VPC),
    ("POST", "delegationset", "CreateReusableDelegationSet", DELEGATION_SETS),
    ("GET", "delegationset", "ListReusableDelegationSets", DELEGATION_SETS),
    ("GET", "delegationset/*", "GetReusableDelegationSet", DELEGATION_SETS),
    ("DELETE", "delegationset/*", "DeleteReusableDelegationSet", DELEGATION_SETS),
    ("GET", "reusabledelegationsetlimit/*/*", "GetReusableDelegationSetLimit", DELEGATION_SETS),
    ("POST", "queryloggingconfig", "CreateQueryLoggingConfig", QUERY_LOGGING),
    ("GET", "queryloggingconfig", "ListQueryLoggingConfigs", QUERY_LOGGING),
    ("GET", "queryloggingconfig/*", "GetQueryLoggingConfig", QUERY_LOGGING),
    ("DELETE", "queryloggingconfig/*", "DeleteQueryLoggingConfig", QUERY_LOGGING),
    ("POST", "healthchecksource", "CreateHealthCheckSource", HEALTH_CHECK_SOURCES),
    ("GET", "healthchecksource", "ListHealthCheckSources", HEALTH_CHECK_SOURCES),
    ("GET", "healthchecksource/*", "GetHealthCheckSource", HEALTH_CHECK_SOURCES),
    ("DELETE", "healthchecksource/*", "DeleteHealthCheckSource", HEALTH_CHECK_SOURCES),
    ("GET", "healthchecks/source/*", "ListHealthChecksBySource", HEALTH_CHECK_SOURCES),
    ("POST", "hostedzone/*/rrsetprotection", "CreateResourceRecordSetProtections", PROTECTIONS),
    ("GET", "hostedzone/*/rrsetprotection", "ListResourceRecordSetProtections", PROTECTIONS),
    (
        "POST",
        "hostedzone/*/rrsetprotection/delete",
        "DeleteResourceRecordSetProtections",
        PROTECTIONS,
    ),
    ("GET", "hostedzone/*/changebatches", "ListHostedZoneChangeBatches", CHANGE_HISTORY),
    ("GET", "hostedzone/*/changebatches/*", "GetHostedZoneChangeBatch", CHANGE_HISTORY),
    ("GET", "hostedzone/*/rrsetchanges", "ListResourceRecordSetChanges", CHANGE_HISTORY),
    ("POST", "hostedzone/*/features", "UpdateHostedZoneFeatures", TIERS),
    ("POST", "hostedzone/*/tier", "UpdateHostedZoneTier", TIERS),
    ("POST", "hostedzone/*", "UpdateHostedZoneComment", COMMENT),
    ("GET", "hostedzonelimit/*/*", "GetHostedZoneLimit", ZONE_LIMITS),
];

/// The operation at `method` and `path` if flowdns does not implement it, with why.
fn not_implemented(method: &Method, path: &[&str]) -> Option<(&'static str, &'static str)> {
    NOT_IMPLEMENTED.iter().find_map(|&(m, pattern, operation, why)| {
        let matches = m == method.as_str()
            && pattern.split('/').count() == path.len()
            && pattern.split('/').zip(path).all(|(p, seg)| p == "*" || p == *seg);
        matches.then_some((operation, why))
    })
}

/// Checks what `CreateHostedZone` asks for beyond a name and a comment, refusing what flowdns
/// cannot do; returns the comment.
fn check_new_zone(req: &xml::CreateHostedZoneRequest) -> Result<String, Error> {
    let config = req.hosted_zone_config.clone().unwrap_or_default();
    if req.vpc.is_some() || config.private_zone == Some(true) {
        return Err(Error::invalid(
            if req.vpc.is_some() { "VPC" } else { "HostedZoneConfig/PrivateZone" },
            "private hosted zones need AWS VPCs, which flowdns does not have",
        ));
    }
    if req.delegation_set_id.is_some() {
        return Err(Error::invalid(
            "DelegationSetId",
            "reusable delegation sets are not supported by flowdns",
        ));
    }
    if let Some(tier) = config.hosted_zone_tier.as_deref()
        && tier != "STANDARD"
    {
        return Err(Error::invalid(
            "HostedZoneConfig/HostedZoneTier",
            format!("{tier:?}; {TIERS}"),
        ));
    }
    if req.enable_public_dns_fallback == Some(true) {
        return Err(Error::invalid(
            "EnablePublicDNSFallback",
            "public DNS fallback applies to private hosted zones, which flowdns does not have",
        ));
    }
    for (i, g) in req.change_guardrails.iter().flatten().enumerate() {
        if g.status != "DISABLED" {
            return Err(Error::invalid(
                &format!("ChangeGuardrails/ChangeGuardrail[{}]/Status", i + 1),
                format!(
                    "{:?} for {}: flowdns runs no change guardrails; DISABLED or leave it out",
                    g.status, g.name
                ),
            ));
        }
    }
    Ok(config.comment.unwrap_or_default())
}

async fn list_instances(
    s: &Service,
    call: &Call,
    zone: Option<&str>,
    policy_id: Option<&str>,
    policy_version: Option<u32>,
) -> Result<Page<control::instances::PolicyRecord>, Error> {
    s.list_instances(
        control::instances::InstanceFilter { zone_id: zone, policy_id, policy_version },
        control::instances::InstanceMarker {
            zone_id: call.param("hostedzoneid").filter(|_| zone.is_none()).map(zone_id),
            name: call.param("trafficpolicyinstancename"),
            rtype: call.param("trafficpolicyinstancetype"),
        },
        call.param("maxitems"),
    )
    .await
}

fn markers(
    p: &Page<control::instances::PolicyRecord>,
) -> (Option<String>, Option<String>, Option<String>) {
    match &p.next {
        Some(n) => (Some(n.zone_id.clone()), Some(n.name.clone()), Some(n.record_type.clone())),
        None => (None, None, None),
    }
}

fn policy(v: &control::policies::PolicyVersion) -> xml::TrafficPolicy {
    xml::TrafficPolicy {
        id: v.policy_id.clone(),
        version: v.version as i32,
        name: v.name.clone(),
        r#type: v.record_type.clone(),
        document: v.document.clone(),
        comment: (!v.comment.is_empty()).then(|| v.comment.clone()),
    }
}

fn summary(p: &control::policies::PolicySummary) -> xml::TrafficPolicySummary {
    xml::TrafficPolicySummary {
        id: p.id.clone(),
        name: p.name.clone(),
        r#type: p.record_type.clone(),
        latest_version: p.latest_version as i32,
        traffic_policy_count: p.version_count as i32,
    }
}

fn instance(r: &control::instances::PolicyRecord) -> xml::TrafficPolicyInstance {
    xml::TrafficPolicyInstance {
        id: r.id.clone(),
        hosted_zone_id: r.zone_id.clone(),
        name: r.name.clone(),
        ttl: i64::from(r.ttl),
        state: r.state.to_string(),
        message: r.message.clone(),
        traffic_policy_id: r.policy_id.clone(),
        traffic_policy_version: r.policy_version as i32,
        traffic_policy_type: r.record_type.clone(),
    }
}

fn hosted_zone(z: &control::zones::Zone, rrsets: i64) -> xml::HostedZone {
    xml::HostedZone {
        id: format!("/hostedzone/{}", z.id),
        name: z.name.clone(),
        caller_reference: z.caller_reference.clone().unwrap_or_default(),
        config: Some(xml::HostedZoneConfig {
            comment: (!z.comment.is_empty()).then(|| z.comment.clone()),
            private_zone: Some(false),
            hosted_zone_tier: Some("STANDARD".to_owned()),
        }),
        resource_record_set_count: Some(rrsets),
        linked_service: None,
        features: None,
    }
}

fn change_info(c: &control::zones::ChangeInfo) -> xml::ChangeInfo {
    xml::ChangeInfo {
        id: format!("/change/{}", c.id),
        status: c.status.to_owned(),
        submitted_at: c.submitted_at.clone(),
        comment: c.comment.clone(),
    }
}

fn record_set_in(
    r: xml::ResourceRecordSet,
    position: usize,
) -> Result<control::zones::RecordSet, Error> {
    let at =
        |field: &str| format!("ChangeBatch/Changes/Change[{position}]/ResourceRecordSet/{field}");
    if let Some(ttl) = r.ttl
        && !(0..=i64::from(i32::MAX)).contains(&ttl)
    {
        return Err(Error::invalid(&at("TTL"), format!("{ttl} is out of range 0 to 2147483647")));
    }
    if let Some(w) = r.weight
        && !(0..=255).contains(&w)
    {
        return Err(Error::invalid(&at("Weight"), format!("{w} is out of range 0 to 255")));
    }
    if r.az_affinity.is_some() {
        return Err(Error::invalid(
            &at("AZAffinity"),
            "Availability Zone affinity needs AWS Availability Zones, which flowdns does not have",
        ));
    }
    if r.traffic_policy_instance_id.is_some() {
        return Err(Error::invalid(
            &at("TrafficPolicyInstanceId"),
            "records of traffic policy instances are changed through the instance",
        ));
    }
    let routing = control::zones::Routing {
        weight: r.weight,
        region: r.region,
        geo_location: r.geo_location.map(|g| control::zones::GeoLocation {
            continent_code: g.continent_code,
            country_code: g.country_code,
            subdivision_code: g.subdivision_code,
        }),
        failover: r.failover,
        multi_value_answer: r.multi_value_answer,
        geo_proximity_location: r.geo_proximity_location.map(|g| control::zones::GeoProximity {
            aws_region: g.aws_region,
            local_zone_group: g.local_zone_group,
            latitude: g.coordinates.as_ref().map(|c| c.latitude.clone()),
            longitude: g.coordinates.as_ref().map(|c| c.longitude.clone()),
            bias: g.bias,
        }),
        cidr_routing_config: r.cidr_routing_config.map(|c| control::zones::CidrRoutingConfig {
            collection_id: c.collection_id,
            location_name: c.location_name,
        }),
        health_check_id: r.health_check_id,
        alias_target: r.alias_target.map(|a| control::zones::AliasTarget {
            hosted_zone_id: zone_id(&a.hosted_zone_id).to_owned(),
            dns_name: a.dns_name,
            evaluate_target_health: a.evaluate_target_health,
        }),
    };
    Ok(control::zones::RecordSet {
        name: r.name,
        rtype: r.r#type,
        set_identifier: r.set_identifier,
        ttl: r.ttl,
        values: r.resource_records.unwrap_or_default().into_iter().map(|v| v.value).collect(),
        routing,
        traffic_policy_instance_id: None,
    })
}

fn record_set_out(r: &control::zones::RecordSet) -> xml::ResourceRecordSet {
    let g = &r.routing;
    xml::ResourceRecordSet {
        name: r.name.clone(),
        r#type: r.rtype.clone(),
        set_identifier: r.set_identifier.clone(),
        weight: g.weight,
        region: g.region.clone(),
        geo_location: g.geo_location.as_ref().map(|l| xml::GeoLocation {
            continent_code: l.continent_code.clone(),
            country_code: l.country_code.clone(),
            subdivision_code: l.subdivision_code.clone(),
        }),
        failover: g.failover.clone(),
        multi_value_answer: g.multi_value_answer,
        ttl: r.ttl,
        resource_records: (!r.values.is_empty())
            .then(|| r.values.iter().map(|v| xml::ResourceRecord { value: v.clone() }).collect()),
        alias_target: g.alias_target.as_ref().map(|a| xml::AliasTarget {
            hosted_zone_id: a.hosted_zone_id.clone(),
            dns_name: a.dns_name.clone(),
            evaluate_target_health: a.evaluate_target_health,
        }),
        health_check_id: g.health_check_id.clone(),
        traffic_policy_instance_id: r.traffic_policy_instance_id.clone(),
        cidr_routing_config: g.cidr_routing_config.as_ref().map(|c| xml::CidrRoutingConfig {
            collection_id: c.collection_id.clone(),
            location_name: c.location_name.clone(),
        }),
        geo_proximity_location: g.geo_proximity_location.as_ref().map(|p| {
            xml::GeoProximityLocation {
                aws_region: p.aws_region.clone(),
                local_zone_group: p.local_zone_group.clone(),
                coordinates: match (&p.latitude, &p.longitude) {
                    (Some(lat), Some(lon)) => {
                        Some(xml::Coordinates { latitude: lat.clone(), longitude: lon.clone() })
                    }
                    _ => None,
                },
                bias: p.bias,
            }
        }),
        az_affinity: None,
    }
}

fn health_config_in(
    c: xml::HealthCheckConfig,
) -> Result<control::health::HealthCheckConfig, Error> {
    refuse_aws_only(c.alarm_identifier.is_some(), c.health_check_source_id.is_some())?;
    if c.routing_control_arn.is_some() {
        return Err(Error::invalid(
            "HealthCheckConfig/RoutingControlArn",
            "Route 53 ARC routing controls are not available in flowdns",
        ));
    }
    let port = c
        .port
        .map(|p| {
            u16::try_from(p).map_err(|_| Error::invalid("HealthCheckConfig/Port", "1 to 65535"))
        })
        .transpose()?;
    let non_negative = |field: &str, v: Option<i32>| {
        v.map(|x| {
            u32::try_from(x).map_err(|_| Error::invalid(field, format!("{x} must not be negative")))
        })
        .transpose()
    };
    Ok(control::health::HealthCheckConfig {
        ip_address: c.ip_address,
        port,
        check_type: c.r#type,
        resource_path: c.resource_path,
        fully_qualified_domain_name: c.fully_qualified_domain_name,
        search_string: c.search_string,
        request_interval: non_negative("HealthCheckConfig/RequestInterval", c.request_interval)?,
        failure_threshold: non_negative("HealthCheckConfig/FailureThreshold", c.failure_threshold)?,
        measure_latency: c.measure_latency,
        inverted: c.inverted,
        disabled: c.disabled,
        health_threshold: non_negative("HealthCheckConfig/HealthThreshold", c.health_threshold)?,
        child_health_checks: c.child_health_checks.unwrap_or_default(),
        enable_sni: c.enable_sni,
        regions: c.regions.unwrap_or_default(),
        insufficient_data_health_status: c.insufficient_data_health_status,
        endpoint_type: c.endpoint_type,
        validate_certificate: None,
    })
}

/// Refuses the members of a health check that need AWS: a CloudWatch alarm, a health check
/// source.
fn refuse_aws_only(alarm: bool, source: bool) -> Result<(), Error> {
    if alarm {
        return Err(Error::invalid(
            "AlarmIdentifier",
            "CloudWatch alarms are not available in flowdns (CLOUDWATCH_METRIC checks are refused)",
        ));
    }
    if source {
        return Err(Error::invalid(
            "HealthCheckSourceId",
            "health check sources (for private health checks) are not supported by flowdns",
        ));
    }
    Ok(())
}

/// Values an update cannot carry, named (the configuration as a whole is checked by the
/// service after the update is applied).
fn check_update(u: &xml::UpdateHealthCheckRequest) -> Result<(), Error> {
    refuse_aws_only(u.alarm_identifier.is_some(), u.health_check_source_id.is_some())?;
    if let Some(p) = u.port
        && u16::try_from(p).map_or(true, |p| p == 0)
    {
        return Err(Error::invalid("Port", format!("{p}; 1 to 65535")));
    }
    for (field, v) in
        [("FailureThreshold", u.failure_threshold), ("HealthThreshold", u.health_threshold)]
    {
        if let Some(v) = v
            && v < 0
        {
            return Err(Error::invalid(field, format!("{v} must not be negative")));
        }
    }
    for e in u.reset_elements.iter().flatten() {
        if !["FullyQualifiedDomainName", "Regions", "ResourcePath", "ChildHealthChecks"]
            .contains(&e.as_str())
        {
            return Err(Error::invalid(
                "ResetElements",
                format!(
                    "{e:?}; one of FullyQualifiedDomainName, Regions, ResourcePath, ChildHealthChecks"
                ),
            ));
        }
    }
    Ok(())
}

fn apply_update(c: &mut control::health::HealthCheckConfig, u: xml::UpdateHealthCheckRequest) {
    for element in u.reset_elements.unwrap_or_default() {
        match element.as_str() {
            "FullyQualifiedDomainName" => c.fully_qualified_domain_name = None,
            "Regions" => c.regions.clear(),
            "ResourcePath" => c.resource_path = None,
            "ChildHealthChecks" => c.child_health_checks.clear(),
            _ => {}
        }
    }
    if u.ip_address.is_some() {
        c.ip_address = u.ip_address;
    }
    if let Some(p) = u.port.and_then(|p| u16::try_from(p).ok()) {
        c.port = Some(p);
    }
    if u.resource_path.is_some() {
        c.resource_path = u.resource_path;
    }
    if u.fully_qualified_domain_name.is_some() {
        c.fully_qualified_domain_name = u.fully_qualified_domain_name;
    }
    if u.search_string.is_some() {
        c.search_string = u.search_string;
    }
    if let Some(f) = u.failure_threshold.and_then(|f| u32::try_from(f).ok()) {
        c.failure_threshold = Some(f);
    }
    if u.inverted.is_some() {
        c.inverted = u.inverted;
    }
    if u.disabled.is_some() {
        c.disabled = u.disabled;
    }
    if let Some(h) = u.health_threshold.and_then(|h| u32::try_from(h).ok()) {
        c.health_threshold = Some(h);
    }
    if let Some(children) = u.child_health_checks {
        c.child_health_checks = children;
    }
    if u.enable_sni.is_some() {
        c.enable_sni = u.enable_sni;
    }
    if let Some(regions) = u.regions {
        c.regions = regions;
    }
    if u.insufficient_data_health_status.is_some() {
        c.insufficient_data_health_status = u.insufficient_data_health_status;
    }
}

fn health_check(h: &control::health::HealthCheckView) -> xml::HealthCheck {
    let c = &h.config;
    xml::HealthCheck {
        id: h.check.id.clone(),
        caller_reference: h.check.caller_reference.clone(),
        linked_service: None,
        health_check_config: xml::HealthCheckConfig {
            ip_address: c.ip_address.clone(),
            port: c.port.map(i32::from),
            r#type: c.check_type.clone(),
            resource_path: c.resource_path.clone(),
            fully_qualified_domain_name: c.fully_qualified_domain_name.clone(),
            search_string: c.search_string.clone(),
            request_interval: c.request_interval.map(|v| v as i32),
            failure_threshold: c.failure_threshold.map(|v| v as i32),
            measure_latency: c.measure_latency,
            inverted: c.inverted,
            disabled: c.disabled,
            health_threshold: c.health_threshold.map(|v| v as i32),
            child_health_checks: (!c.child_health_checks.is_empty())
                .then(|| c.child_health_checks.clone()),
            enable_sni: c.enable_sni,
            regions: (!c.regions.is_empty()).then(|| c.regions.clone()),
            alarm_identifier: None,
            insufficient_data_health_status: c.insufficient_data_health_status.clone(),
            routing_control_arn: None,
            endpoint_type: c.endpoint_type.clone(),
            health_check_source_id: None,
        },
        health_check_version: h.check.version,
        cloud_watch_alarm_configuration: None,
    }
}

/// One checker's observation, as Route 53 reports it (this process is the one checker).
fn observation(o: control::health::LiveObservation) -> xml::HealthCheckObservation {
    xml::HealthCheckObservation {
        region: Some("local".into()),
        ip_address: Some("127.0.0.1".into()),
        status_report: Some(xml::StatusReport { status: Some(o.reason), checked_time: Some(o.at) }),
    }
}

fn geo(g: &control::geo_codes::GeoDetails) -> xml::GeoLocationDetails {
    xml::GeoLocationDetails {
        continent_code: g.continent_code.clone(),
        continent_name: g.continent_name.clone(),
        country_code: g.country_code.clone(),
        country_name: g.country_name.clone(),
        subdivision_code: g.subdivision_code.clone(),
        subdivision_name: g.subdivision_name.clone(),
    }
}

/// Reads `body` as every Route 53 request body and runs, on each that reads, the checks and
/// conversions that need no store, as the operations above do. For the `xml_body` fuzz
/// target; see [`crate::fuzzing`].
pub(crate) fn check_bodies(body: &[u8]) {
    fn done<T>(r: Result<T, Error>) {
        if let Err(e) = r {
            let _ = (e.code.status(), e.code.as_str(), e.message.len());
        }
    }
    fn read<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
        xml::from_xml(body).map_err(|e| e.to_string()).ok()
    }
    if let Some(req) = read::<xml::ChangeResourceRecordSetsRequest>(body) {
        for (i, c) in req.change_batch.changes.into_iter().enumerate() {
            done(control::zones::parse_action(&format!("Change[{}]/Action", i + 1), &c.action));
            done(record_set_in(c.resource_record_set, i + 1));
        }
    }
    if let Some(req) = read::<xml::CreateHostedZoneRequest>(body) {
        done(check_new_zone(&req));
    }
    if let Some(req) = read::<xml::CreateHealthCheckRequest>(body) {
        done(health_config_in(req.health_check_config).and_then(|c| c.check()));
    }
    if let Some(req) = read::<xml::UpdateHealthCheckRequest>(body) {
        done(check_update(&req));
        let mut config =
            control::health::HealthCheckConfig { check_type: "HTTP".into(), ..Default::default() };
        apply_update(&mut config, req);
        done(config.with_defaults().check());
    }
    if let Some(req) = read::<xml::ChangeTagsForResourceRequest>(body) {
        done(req.add_tags.map(tags_in).transpose());
    }
    if let Some(req) = read::<xml::CreateTrafficPolicyInstanceRequest>(body) {
        done(version_i32(req.traffic_policy_version));
        let _ = zone_id(&req.hosted_zone_id);
    }
    if let Some(req) = read::<xml::UpdateTrafficPolicyInstanceRequest>(body) {
        done(version_i32(req.traffic_policy_version));
    }
    let catalog = policy::codes::Catalog::builtin();
    if let Some(req) = read::<xml::CreateTrafficPolicyRequest>(body) {
        let _ = policy::compile(&req.document, &catalog);
    }
    if let Some(req) = read::<xml::CreateTrafficPolicyVersionRequest>(body) {
        let _ = policy::compile(&req.document, &catalog);
    }
    if let Some(req) = read::<xml::ChangeCidrCollectionRequest>(body) {
        for c in &req.changes {
            let _ = control::cidr::is_location_name(&c.location_name);
            for block in &c.cidr_list {
                let _ = control::cidr::canonical_block(block);
            }
        }
    }
    let _ = read::<xml::UpdateTrafficPolicyCommentRequest>(body);
    let _ = read::<xml::ListTagsForResourcesRequest>(body);
    let _ = read::<xml::CreateCidrCollectionRequest>(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_flowdns_lacks_are_found_by_method_and_path() {
        let cases = [
            ("POST", "delegationset", Some("CreateReusableDelegationSet")),
            ("GET", "delegationset/N1", Some("GetReusableDelegationSet")),
            ("DELETE", "keysigningkey/Z1/ksk", Some("DeleteKeySigningKey")),
            ("POST", "keysigningkey/Z1/ksk/activate", Some("ActivateKeySigningKey")),
            ("POST", "hostedzone/Z1", Some("UpdateHostedZoneComment")),
            ("GET", "hostedzone/Z1/dnssec", Some("GetDNSSEC")),
            (
                "POST",
                "hostedzone/Z1/rrsetprotection/delete",
                Some("DeleteResourceRecordSetProtections"),
            ),
            ("GET", "hostedzonelimit/Z1/MAX_RRSETS_BY_ZONE", Some("GetHostedZoneLimit")),
            // Implemented, or not Route 53 operations at all: not listed.
            ("GET", "hostedzone/Z1", None),
            ("POST", "hostedzone/Z1/rrset", None),
            ("PUT", "delegationset", None),
            ("GET", "hostedzone/Z1/dnssec/more", None),
            ("POST", "cidrcollection", None),
        ];
        for (method, path, expected) in cases {
            let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
            let segments: Vec<&str> = path.split('/').collect();
            let found = not_implemented(&method, &segments).map(|(op, _)| op);
            assert_eq!(found, expected, "{method} {path}");
        }
        // Each method and path once, each operation once.
        for (i, (m, p, op, _)) in NOT_IMPLEMENTED.iter().enumerate() {
            for (m2, p2, op2, _) in &NOT_IMPLEMENTED[..i] {
                assert!((m, p) != (m2, p2) && op != op2, "{op} and {op2}");
            }
        }
    }
}
