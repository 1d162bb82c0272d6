//! The JSON API under `/api/v1`, for the visual editor and simple scripts: the same service
//! calls as the Route 53 API, plus what Route 53 lacks (validate, explain, diff).
//!
//! | Method and path | Operation |
//! |---|---|
//! | `GET /api/v1/openapi.json` | the OpenAPI 3.1 description of every operation here, without authentication (see [`crate::openapi`]) |
//! | `GET /api/v1/policies` | list policies |
//! | `POST /api/v1/policies` `{name, document, comment?}` | create a policy (version 1); the answer's `warnings` lists the validator's warnings and each health check the document refers to that does not exist |
//! | `GET /api/v1/policies/{id}` | the latest version |
//! | `GET /api/v1/policies/{id}/versions` | every version |
//! | `POST /api/v1/policies/{id}/versions` `{document, comment?}` | the next version, with `warnings` as for a new policy |
//! | `GET /api/v1/policies/{id}/versions/{n}` | one version |
//! | `DELETE /api/v1/policies/{id}/versions/{n}` | delete a version not in use |
//! | `GET /api/v1/policies/{id}/diff?from=N&to=M` | structural diff by JSON Pointer |
//! | `POST /api/v1/validate` `{document}` | errors and warnings with pointers |
//! | `POST /api/v1/explain` `{document, client, unhealthy?, unhealthy_targets?, seed?}` | decision trace |
//! | `POST /api/v1/coverage` `{document, unhealthy?, unhealthy_targets?, rule?, grid?: {step?}, samples?}` | the endpoint every country, US state and Ukrainian oblast gets, and with `grid` every cell of a latitude/longitude grid (`step` 0.5 to 10 degrees, default 2; from `rule` when given); random answers sampled `samples` times (1 to 1,000, default 64): `{record_type, endpoints: [{id, value, type}], regions: [{country, subdivision, name, continent, endpoint, shares: [[index, share]], coordinates}], grid: {step, lat0, lon0, rows, cols, cells} or null, rule, samples, elapsed_ms}` (see `control::coverage`) |
//! | `GET /api/v1/records[?zone=ID]` | policy records |
//! | `POST /api/v1/records` `{zone_id, name, ttl, policy_id, version}` | create a policy record; `warnings` lists each health check of the version that does not exist |
//! | `GET /api/v1/records/{id}` | one policy record |
//! | `GET /api/v1/records/{id}/live` | answers per endpoint since the record's zone was loaded into DNS: `{record, name, policy_id, version, served, endpoints: [{id, answers}], at_ms}` (`served` false, no endpoints, when DNS does not serve it) |
//! | `PATCH /api/v1/records/{id}` `{version, policy_id?, ttl?}` | update or roll back |
//! | `DELETE /api/v1/records/{id}` | delete |
//! | `GET /api/v1/zones`, `POST /api/v1/zones` `{name, caller_reference, comment?}` | hosted zones |
//! | `GET /api/v1/zones/{id}`, `DELETE /api/v1/zones/{id}` | one zone |
//! | `GET /api/v1/zones/{id}/rrsets` | record sets, Route 53 order |
//! | `POST /api/v1/zones/{id}/explain` `{name, type, client}` | the answer DNS gives `client` (`IP` or `IP/PREFIX`) for a name, with the trace of every routed group, alias hop and policy record on the way |
//! | `POST /api/v1/zones/{id}/rrsets` `{comment?, changes: [{action, name, type, set_identifier?, ttl?, values, routing?}]}` | an atomic change batch |
//! | `GET /api/v1/changes/{id}` | PENDING or INSYNC |
//! | `PATCH /api/v1/policies/{id}/versions/{n}` `{comment}` | update a version's comment |
//! | `GET /api/v1/test-dns-answer?zone=&name=&type=&resolver=&subnet=IP/PREFIX` | the DNS answer a client gets |
//! | `POST /api/v1/health-checks` `{caller_reference, config}`, `GET`/`DELETE /api/v1/health-checks/{id}` | health checks; `GET` shows the live status, last observation and failure, override |
//! | `PUT /api/v1/health-checks/{id}/override` `{healthy, reason?}`, `DELETE .../override` | force a check's status until cleared (logged with the caller's key id) |
//! | `GET /api/v1/health-checks` | health checks with their configuration and live status |
//! | `GET /api/v1/health-checks/{id}/reports` | every checker node's report on the check: `{id, reports: [{node, region, healthy, fresh, age_ms, observed_at, observed_healthy, reason, latency_ms, failure_at, failure_reason}]}` |
//! | `GET /api/v1/nodes` | the nodes sharing the store: `{nodes: [{name, roles, dns, region, dns_address, api_address, version, started_at, served_serial, live, heartbeat_age_ms}]}` |
//! | `GET /api/v1/geolocations` | every geolocation code |
//! | `GET /api/v1/regions` | latency regions and geoproximity Local Zones with the coordinates flowdns uses: `{regions: [{code, name, latitude, longitude}], local_zones: [...]}` |
//! | `GET /api/v1/zones/{id}/tags`, `GET /api/v1/health-checks/{id}/tags` | a zone's or a health check's tags: `{resource_type, id, tags: [{key, value}]}`, sorted by key |
//! | `PATCH .../tags` `{add?: [{key, value?}], remove?: [key]}` | add (or replace the values of) 1 to 10 tags and remove 1 to 10 keys, all or nothing (Route 53's `ChangeTagsForResource`); answers the tags after |
//! | `PUT .../tags` `{tags: [{key, value?}]}` | replace every tag (0 to 50), all or nothing; answers the tags after |
//!
//! Tags follow Route 53's rules (see `control::tags`); error messages name the Route 53 members
//! (`AddTags` for `add`, `RemoveTagKeys` for `remove`, `Tags` for `tags`, positions from 1). A
//! tag without a `value` has the empty value.
//! | `GET /api/v1/cidr-collections`, `POST /api/v1/cidr-collections` `{name, caller_reference}` | CIDR collections (201 when created, 200 for a retry) |
//! | `GET /api/v1/cidr-collections/{id}`, `DELETE /api/v1/cidr-collections/{id}` | one collection with its locations and blocks; delete an unused, empty one |
//! | `POST /api/v1/cidr-collections/{id}/changes` `{version?, changes: [{LocationName, Action, CidrList}]}` | PUT / DELETE_IF_EXISTS blocks, all together |
//! | `GET /api/v1/cidr-collections/{id}/blocks[?location=NAME]` | the blocks, of one location or all |

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use control::{Code, Error, Service};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::server::{Api, Call, error_response};

type Reply = Result<(StatusCode, Value), Error>;

/// The request body: a JSON object, each struct from an object (see [`crate::strict_json`]).
fn body<T: DeserializeOwned>(call: &Call) -> Result<T, Error> {
    crate::strict_json::from_slice(&call.body).map_err(|e| {
        Error::new(Code::InvalidInput, format!("the body is not the expected JSON: {e}"))
    })
}

fn number(field: &str, s: &str) -> Result<u32, Error> {
    s.parse().map_err(|_| Error::invalid(field, format!("{s:?} is not a number")))
}

/// Every operation of the JSON API: the method and the path below `/api/v1`, where `{name}`
/// stands for one path segment. [`dispatch`] answers these only: another path is refused with
/// 404 `UnknownOperationException`, another method on one of these paths with 405
/// `MethodNotAllowed` and an `Allow` header. The OpenAPI description (`openapi.json`, see
/// [`crate::openapi`]) describes exactly these, and every one of them has its arm in `route`:
/// both are checked by the tests in `openapi.rs`.
pub(crate) const OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/openapi.json"),
    ("GET", "/policies"),
    ("POST", "/policies"),
    ("GET", "/policies/{id}"),
    ("GET", "/policies/{id}/versions"),
    ("POST", "/policies/{id}/versions"),
    ("GET", "/policies/{id}/versions/{version}"),
    ("PATCH", "/policies/{id}/versions/{version}"),
    ("DELETE", "/policies/{id}/versions/{version}"),
    ("GET", "/policies/{id}/diff"),
    ("POST", "/validate"),
    ("POST", "/explain"),
    ("POST", "/coverage"),
    ("GET", "/records"),
    ("POST", "/records"),
    ("GET", "/records/{id}"),
    ("PATCH", "/records/{id}"),
    ("DELETE", "/records/{id}"),
    ("GET", "/records/{id}/live"),
    ("GET", "/zones"),
    ("POST", "/zones"),
    ("GET", "/zones/{id}"),
    ("DELETE", "/zones/{id}"),
    ("GET", "/zones/{id}/rrsets"),
    ("POST", "/zones/{id}/rrsets"),
    ("POST", "/zones/{id}/explain"),
    ("GET", "/zones/{id}/tags"),
    ("PATCH", "/zones/{id}/tags"),
    ("PUT", "/zones/{id}/tags"),
    ("GET", "/changes/{id}"),
    ("GET", "/test-dns-answer"),
    ("GET", "/health-checks"),
    ("POST", "/health-checks"),
    ("GET", "/health-checks/{id}"),
    ("DELETE", "/health-checks/{id}"),
    ("PUT", "/health-checks/{id}/override"),
    ("DELETE", "/health-checks/{id}/override"),
    ("GET", "/health-checks/{id}/reports"),
    ("GET", "/health-checks/{id}/tags"),
    ("PATCH", "/health-checks/{id}/tags"),
    ("PUT", "/health-checks/{id}/tags"),
    ("GET", "/nodes"),
    ("GET", "/geolocations"),
    ("GET", "/regions"),
    ("GET", "/cidr-collections"),
    ("POST", "/cidr-collections"),
    ("GET", "/cidr-collections/{id}"),
    ("DELETE", "/cidr-collections/{id}"),
    ("POST", "/cidr-collections/{id}/changes"),
    ("GET", "/cidr-collections/{id}/blocks"),
];

/// Whether path segments fit an [`OPERATIONS`] path: literal segments equal, a `{name}`
/// segment any one segment.
pub(crate) fn path_matches(template: &str, segments: &[String]) -> bool {
    let mut parts = template.split('/').filter(|p| !p.is_empty());
    let mut given = segments.iter();
    loop {
        match (parts.next(), given.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with('{') || p == s => {}
            _ => return false,
        }
    }
}

/// The methods of the operations at these path segments (none for a path without any).
pub(crate) fn methods_at(segments: &[String]) -> Vec<&'static str> {
    OPERATIONS.iter().filter(|(_, p)| path_matches(p, segments)).map(|(m, _)| *m).collect()
}

/// Dispatches one authenticated call.
pub(crate) async fn dispatch(service: &Service, call: &Call) -> Response {
    let path = format!("/api/v1/{}", call.segments.join("/"));
    let methods = methods_at(&call.segments);
    if methods.is_empty() {
        return error_response(
            Api::Json,
            &call.request_id,
            404,
            "UnknownOperationException",
            &format!("no JSON API operation at {path} (see GET /api/v1/openapi.json)"),
        );
    }
    if !methods.contains(&call.method.as_str()) {
        let allow = methods.join(", ");
        let mut r = error_response(
            Api::Json,
            &call.request_id,
            405,
            "MethodNotAllowed",
            &format!("{} is not an operation of {path}: {allow}", call.method),
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&allow) {
            r.headers_mut().insert(axum::http::header::ALLOW, v);
        }
        return r;
    }
    match route(service, call).await {
        Ok((status, value)) => (status, axum::Json(value)).into_response(),
        Err(e) => error_response(
            Api::Json,
            &call.request_id,
            e.code.status(),
            e.code.as_str(),
            &e.message,
        ),
    }
}

fn version_json(v: &control::policies::PolicyVersion) -> Value {
    json!({
        "id": v.policy_id, "name": v.name, "version": v.version, "type": v.record_type,
        "comment": v.comment, "created_at": v.created_at, "document": v.document,
    })
}

fn record_json(r: &control::instances::PolicyRecord) -> Value {
    json!({
        "id": r.id, "zone_id": r.zone_id, "name": r.name, "type": r.record_type, "ttl": r.ttl,
        "policy_id": r.policy_id, "version": r.policy_version, "state": r.state.as_str(),
        "message": r.message, "created_at": r.created_at, "updated_at": r.updated_at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewZone {
    name: String,
    caller_reference: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBatch {
    #[serde(default)]
    comment: String,
    changes: Vec<RecordSetChange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSetChange {
    action: String,
    name: String,
    r#type: String,
    set_identifier: Option<String>,
    ttl: Option<i64>,
    #[serde(default)]
    values: Vec<String>,
    /// Route 53's routing members, as in `ResourceRecordSet` (Weight, Failover, GeoLocation...).
    #[serde(default)]
    routing: control::zones::Routing,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewHealthCheck {
    caller_reference: String,
    /// Route 53's HealthCheckConfig members (Type, IPAddress, Port, ResourcePath...).
    config: control::health::HealthCheckConfig,
}

/// A tag in the JSON API.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTag {
    key: String,
    #[serde(default)]
    value: String,
}

fn tags_from_json(tags: Vec<JsonTag>) -> Vec<control::tags::Tag> {
    tags.into_iter().map(|t| control::tags::Tag::new(t.key, t.value)).collect()
}

fn tags_json(resource_type: &str, id: &str, tags: &[control::tags::Tag]) -> Value {
    let items: Vec<Value> = tags.iter().map(|t| json!({"key": t.key, "value": t.value})).collect();
    json!({"resource_type": resource_type, "id": id, "tags": items})
}

/// `GET`, `PATCH` and `PUT` on the tags of a zone (`hostedzone`) or health check
/// (`healthcheck`).
async fn tags_route(s: &Service, call: &Call, resource_type: &str, id: &str) -> Reply {
    let tags = match call.method {
        Method::GET => s.list_tags(resource_type, id).await?.tags,
        Method::PATCH => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Change {
                add: Option<Vec<JsonTag>>,
                remove: Option<Vec<String>>,
            }
            let b: Change = body(call)?;
            s.change_tags(resource_type, id, b.add.map(tags_from_json), b.remove).await?
        }
        Method::PUT => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Replace {
                tags: Vec<JsonTag>,
            }
            let b: Replace = body(call)?;
            s.replace_tags(resource_type, id, tags_from_json(b.tags)).await?
        }
        _ => {
            return Err(Error::invalid(
                "method",
                format!("{} on tags; GET, PATCH or PUT", call.method),
            ));
        }
    };
    Ok((StatusCode::OK, tags_json(resource_type, id, &tags)))
}

fn change_json(c: &control::zones::ChangeInfo) -> Value {
    json!({"id": c.id, "status": c.status, "submitted_at": c.submitted_at, "comment": c.comment})
}

fn record_set_json(r: &control::zones::RecordSet) -> Value {
    json!({
        "name": r.name, "type": r.rtype, "set_identifier": r.set_identifier, "ttl": r.ttl,
        "values": r.values, "routing": r.routing,
        "traffic_policy_instance_id": r.traffic_policy_instance_id,
    })
}

fn override_json(o: &control::health::HealthOverride) -> Value {
    json!({"healthy": o.healthy, "set_by": o.set_by, "set_at": o.set_at, "reason": o.reason})
}

fn report_json(r: &control::health::HealthReport) -> Value {
    let obs = |o: &control::health::LiveObservation| json!({"at": o.at, "healthy": o.healthy, "reason": o.reason, "latency_ms": o.latency_ms});
    let status = match (&r.forced, &r.live) {
        (Some(o), _) if o.healthy => "healthy (forced)",
        (Some(_), _) => "unhealthy (forced)",
        (None, Some(l)) if l.healthy => "healthy",
        (None, Some(_)) => "unhealthy",
        (None, None) => "unknown",
    };
    json!({
        "id": r.check.check.id, "caller_reference": r.check.check.caller_reference,
        "version": r.check.check.version, "config": r.check.config, "status": status,
        "last": r.live.as_ref().and_then(|l| l.last.as_ref()).map(obs),
        "last_failure": r.live.as_ref().and_then(|l| l.last_failure.as_ref()).map(obs),
        "transitions": r.live.as_ref().map(|l| l.transitions),
        "override": r.forced.as_ref().map(override_json),
    })
}

fn health_json(h: &control::health::HealthCheckView) -> Value {
    json!({"id": h.check.id, "caller_reference": h.check.caller_reference,
        "version": h.check.version, "config": h.config, "status": "unknown"})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCidrCollection {
    name: String,
    caller_reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CidrChanges {
    version: Option<i64>,
    /// Route 53's `CidrCollectionChange` members (LocationName, Action, CidrList).
    changes: Vec<control::cidr::CidrCollectionChange>,
}

fn cidr_collection_json(c: &control::cidr::CidrCollection) -> Value {
    json!({
        "id": c.id, "arn": control::cidr::arn(&c.id), "name": c.name, "version": c.version,
        "caller_reference": c.caller_reference, "created_at": c.created_at,
    })
}

fn cidr_blocks_json(blocks: &[control::cidr::CidrBlock]) -> Vec<Value> {
    blocks.iter().map(|b| json!({"location": b.location, "cidr": b.cidr})).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPolicy {
    name: String,
    document: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVersion {
    document: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Validate {
    document: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRecord {
    name: String,
    r#type: String,
    client: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Explain {
    document: String,
    client: String,
    #[serde(default)]
    unhealthy: Vec<String>,
    #[serde(default)]
    unhealthy_targets: Vec<String>,
    #[serde(default)]
    seed: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Coverage {
    document: String,
    #[serde(default)]
    unhealthy: Vec<String>,
    #[serde(default)]
    unhealthy_targets: Vec<String>,
    rule: Option<String>,
    grid: Option<CoverageGrid>,
    samples: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverageGrid {
    step: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRecord {
    zone_id: String,
    name: String,
    ttl: i64,
    policy_id: String,
    version: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordUpdate {
    version: u32,
    policy_id: Option<String>,
    ttl: Option<i64>,
}

async fn route(s: &Service, call: &Call) -> Reply {
    let seg: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    match (call.method.clone(), seg.as_slice()) {
        (Method::GET, ["policies"]) => {
            let all = s.list_policies_all().await?;
            let items: Vec<Value> = all
                .iter()
                .map(|p| json!({"id": p.id, "name": p.name, "type": p.record_type,
                    "latest_version": p.latest_version, "versions": p.version_count, "created_at": p.created_at}))
                .collect();
            Ok((StatusCode::OK, json!({"policies": items})))
        }
        (Method::POST, ["policies"]) => {
            let b: NewPolicy = body(call)?;
            let v = s.create_policy(&b.name, &b.document, &b.comment).await?;
            let mut out = version_json(&v);
            out["warnings"] = json!(s.document_warnings(&b.document).await.unwrap_or_default());
            Ok((StatusCode::CREATED, out))
        }
        (Method::GET, ["policies", id]) => {
            Ok((StatusCode::OK, version_json(&s.get_policy(id, None).await?)))
        }
        (Method::GET, ["policies", id, "versions"]) => {
            let p = s.list_policy_versions(id, None, Some("100")).await?;
            let mut items: Vec<Value> = p.items.iter().map(version_json).collect();
            let mut next = p.next;
            while let Some(n) = next {
                let more =
                    s.list_policy_versions(id, Some(&n.version.to_string()), Some("100")).await?;
                items.extend(more.items.iter().map(version_json));
                next = more.next;
            }
            Ok((StatusCode::OK, json!({"versions": items})))
        }
        (Method::POST, ["policies", id, "versions"]) => {
            let b: NewVersion = body(call)?;
            let v = s.create_policy_version(id, &b.document, &b.comment).await?;
            let mut out = version_json(&v);
            out["warnings"] = json!(s.document_warnings(&b.document).await.unwrap_or_default());
            Ok((StatusCode::CREATED, out))
        }
        (Method::GET, ["policies", id, "versions", n]) => Ok((
            StatusCode::OK,
            version_json(&s.get_policy(id, Some(number("version", n)?)).await?),
        )),
        (Method::DELETE, ["policies", id, "versions", n]) => {
            let version = number("version", n)?;
            s.delete_policy(id, version).await?;
            Ok((StatusCode::OK, json!({"deleted": {"id": id, "version": version}})))
        }
        (Method::GET, ["policies", id, "diff"]) => {
            let from = number(
                "from",
                call.param("from").ok_or_else(|| Error::invalid("from", "required"))?,
            )?;
            let to =
                number("to", call.param("to").ok_or_else(|| Error::invalid("to", "required"))?)?;
            let d = s.diff_versions(id, from, to).await?;
            Ok((StatusCode::OK, json!({"from": from, "to": to, "differences": d})))
        }
        (Method::POST, ["validate"]) => {
            let b: Validate = body(call)?;
            let c = s.validate(&b.document).await?;
            let diag = |d: &policy::Diagnostic| json!({"pointer": d.pointer, "message": d.message});
            Ok((
                StatusCode::OK,
                json!({
                    "valid": c.policy.is_some(),
                    "record_type": c.policy.as_ref().map(|p| p.record_type().as_str()),
                    "errors": c.errors().map(diag).collect::<Vec<_>>(),
                    "warnings": c.warnings().map(diag).collect::<Vec<_>>(),
                }),
            ))
        }
        (Method::POST, ["zones", id, "explain"]) => {
            let b: ExplainRecord = body(call)?;
            let v = s.explain_record(id, &b.name, &b.r#type, &b.client).await?;
            Ok((StatusCode::OK, v))
        }
        (Method::POST, ["explain"]) => {
            let b: Explain = body(call)?;
            let v = s.explain(&control::simulate::ExplainRequest {
                document: b.document,
                client: b.client,
                unhealthy: b.unhealthy,
                unhealthy_targets: b.unhealthy_targets,
                seed: b.seed,
            })?;
            Ok((StatusCode::OK, v))
        }
        (Method::POST, ["coverage"]) => {
            let b: Coverage = body(call)?;
            let req = control::coverage::CoverageRequest {
                document: b.document,
                unhealthy: b.unhealthy,
                unhealthy_targets: b.unhealthy_targets,
                rule: b.rule,
                grid_step: b.grid.map(|g| g.step.unwrap_or(control::coverage::DEFAULT_GRID_STEP)),
                samples: b.samples,
            };
            // Thousands of evaluations: off the runtime's worker threads.
            let service = s.clone();
            let v = tokio::task::spawn_blocking(move || service.coverage(&req)).await.map_err(
                |e| Error::new(Code::ServiceUnavailable, format!("coverage failed: {e}")),
            )??;
            Ok((StatusCode::OK, v))
        }
        (Method::GET, ["records", id, "live"]) => Ok((StatusCode::OK, s.live_counters(id).await?)),
        (Method::GET, ["records"]) => {
            let p = s
                .list_instances(
                    control::instances::InstanceFilter {
                        zone_id: call.param("zone"),
                        ..Default::default()
                    },
                    Default::default(),
                    Some("100"),
                )
                .await?;
            let mut items: Vec<Value> = p.items.iter().map(record_json).collect();
            let mut next = p.next;
            while let Some(n) = next {
                let more = s
                    .list_instances(
                        control::instances::InstanceFilter {
                            zone_id: call.param("zone"),
                            ..Default::default()
                        },
                        control::instances::InstanceMarker {
                            zone_id: Some(&n.zone_id),
                            name: Some(&n.name),
                            rtype: Some(&n.record_type),
                        },
                        Some("100"),
                    )
                    .await?;
                items.extend(more.items.iter().map(record_json));
                next = more.next;
            }
            Ok((StatusCode::OK, json!({"records": items})))
        }
        (Method::POST, ["records"]) => {
            let b: NewRecord = body(call)?;
            let r = s.create_instance(&b.zone_id, &b.name, b.ttl, &b.policy_id, b.version).await?;
            let mut out = record_json(&r);
            out["warnings"] =
                json!(s.version_warnings(&r.policy_id, r.policy_version).await.unwrap_or_default());
            Ok((StatusCode::CREATED, out))
        }
        (Method::GET, ["records", id]) => {
            Ok((StatusCode::OK, record_json(&s.get_instance(id).await?)))
        }
        (Method::PATCH, ["records", id]) => {
            let b: RecordUpdate = body(call)?;
            let r = s.update_instance(id, b.ttl, b.policy_id.as_deref(), b.version).await?;
            Ok((StatusCode::OK, record_json(&r)))
        }
        (Method::DELETE, ["records", id]) => {
            s.delete_instance(id).await?;
            Ok((StatusCode::OK, json!({"deleted": id})))
        }
        (Method::GET, ["zones"]) => {
            let zones = s.zones_sorted().await?;
            let items: Vec<Value> = zones
                .iter()
                .map(|z| json!({"id": z.id, "name": z.name, "comment": z.comment, "records": z.record_count}))
                .collect();
            Ok((StatusCode::OK, json!({"zones": items})))
        }
        (Method::POST, ["zones"]) => {
            let b: NewZone = body(call)?;
            let (z, change) = s.create_zone(&b.name, &b.caller_reference, &b.comment).await?;
            Ok((
                StatusCode::CREATED,
                json!({
                    "id": z.zone.id, "name": z.zone.name, "name_servers": z.name_servers,
                    "change": change_json(&change),
                }),
            ))
        }
        (Method::GET, ["zones", id]) => {
            let z = s.get_zone(id).await?;
            Ok((
                StatusCode::OK,
                json!({
                    "id": z.zone.id, "name": z.zone.name, "comment": z.zone.comment,
                    "record_sets": s.rrset_count(id).await?, "name_servers": z.name_servers,
                }),
            ))
        }
        (Method::DELETE, ["zones", id]) => {
            let change = s.delete_zone(id).await?;
            Ok((StatusCode::OK, json!({"deleted": id, "change": change_json(&change)})))
        }
        (Method::GET, ["zones", id, "rrsets"]) => {
            let mut items = Vec::new();
            let mut page = s.list_record_sets(id, None, None, None, Some("300")).await?;
            loop {
                items.extend(page.items.iter().map(record_set_json));
                let Some(n) = page.next else { break };
                page = s
                    .list_record_sets(
                        id,
                        Some(&n.name),
                        Some(&n.rtype),
                        n.set_identifier.as_deref(),
                        Some("300"),
                    )
                    .await?;
            }
            Ok((StatusCode::OK, json!({"record_sets": items})))
        }
        (Method::POST, ["zones", id, "rrsets"]) => {
            let b: ChangeBatch = body(call)?;
            let mut changes = Vec::with_capacity(b.changes.len());
            for (i, c) in b.changes.into_iter().enumerate() {
                let action =
                    control::zones::parse_action(&format!("changes[{i}].action"), &c.action)?;
                changes.push(control::zones::Change {
                    action,
                    set: control::zones::RecordSet {
                        name: c.name,
                        rtype: c.r#type,
                        set_identifier: c.set_identifier,
                        ttl: c.ttl,
                        values: c.values,
                        routing: c.routing,
                        traffic_policy_instance_id: None,
                    },
                });
            }
            let change = s.change_record_sets(id, changes, &b.comment).await?;
            Ok((StatusCode::OK, change_json(&change)))
        }
        (Method::GET, ["changes", id]) => {
            Ok((StatusCode::OK, change_json(&s.get_change(id).await?)))
        }
        (Method::PATCH, ["policies", id, "versions", n]) => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Comment {
                comment: String,
            }
            let b: Comment = body(call)?;
            let v = s.update_policy_comment(id, number("version", n)?, &b.comment).await?;
            Ok((StatusCode::OK, version_json(&v)))
        }
        (Method::GET, ["test-dns-answer"]) => {
            let subnet = call.param("subnet").map(|c| match c.split_once('/') {
                Some((ip, mask)) => (ip, Some(mask)),
                None => (c, None),
            });
            let a = s
                .test_dns_answer(
                    call.param("zone").ok_or_else(|| Error::invalid("zone", "required"))?,
                    call.param("name").ok_or_else(|| Error::invalid("name", "required"))?,
                    call.param("type").unwrap_or("A"),
                    call.param("resolver"),
                    subnet,
                )
                .await?;
            Ok((
                StatusCode::OK,
                json!({
                    "name": a.record_name, "type": a.record_type, "data": a.record_data,
                    "rcode": a.response_code, "ecs_scope": a.ecs_scope,
                }),
            ))
        }
        (Method::POST, ["health-checks"]) => {
            let b: NewHealthCheck = body(call)?;
            let h = s.create_health_check(&b.caller_reference, b.config).await?;
            Ok((StatusCode::CREATED, health_json(&h)))
        }
        (Method::GET, ["health-checks", id]) => {
            Ok((StatusCode::OK, report_json(&s.health_report(id).await?)))
        }
        (Method::PUT, ["health-checks", id, "override"]) => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Force {
                healthy: bool,
                #[serde(default)]
                reason: String,
            }
            let b: Force = body(call)?;
            let o = s.set_health_override(id, b.healthy, &call.principal, &b.reason).await?;
            Ok((StatusCode::OK, json!({"id": id, "override": override_json(&o)})))
        }
        (Method::DELETE, ["health-checks", id, "override"]) => {
            s.clear_health_override(id, &call.principal).await?;
            Ok((StatusCode::OK, json!({"id": id, "override": null})))
        }
        (Method::DELETE, ["health-checks", id]) => {
            s.delete_health_check(id).await?;
            Ok((StatusCode::OK, json!({"deleted": id})))
        }
        (Method::GET, ["health-checks"]) => {
            let p = s.list_health_checks(None, Some("1000")).await?;
            let mut items = Vec::with_capacity(p.items.len());
            for h in &p.items {
                items.push(report_json(&s.health_report(&h.check.id).await?));
            }
            Ok((StatusCode::OK, json!({"health_checks": items})))
        }
        (Method::GET, ["health-checks", id, "reports"]) => {
            let reports: Vec<Value> = s
                .health_check_reports(id)
                .await?
                .into_iter()
                .map(|r| {
                    json!({
                        "node": r.node, "region": r.region, "healthy": r.healthy, "fresh": r.fresh,
                        "age_ms": r.age_ms, "observed_at": r.observed_at,
                        "observed_healthy": r.observed_healthy, "reason": r.reason,
                        "latency_ms": r.latency_ms, "failure_at": r.failure_at,
                        "failure_reason": r.failure_reason,
                    })
                })
                .collect();
            Ok((StatusCode::OK, json!({"id": id, "reports": reports})))
        }
        (Method::GET, ["nodes"]) => {
            let nodes: Vec<Value> = s
                .nodes()
                .await?
                .into_iter()
                .map(|n| {
                    json!({
                        "name": n.name, "roles": n.roles, "dns": n.dns, "region": n.region,
                        "dns_address": n.dns_address, "api_address": n.api_address,
                        "version": n.version, "started_at": n.started_at,
                        "served_serial": n.served_serial, "live": n.live,
                        "heartbeat_age_ms": n.heartbeat_age_ms,
                    })
                })
                .collect();
            Ok((StatusCode::OK, json!({"nodes": nodes})))
        }
        (_, ["zones", id, "tags"]) => tags_route(s, call, "hostedzone", id).await,
        (_, ["health-checks", id, "tags"]) => tags_route(s, call, "healthcheck", id).await,
        (Method::GET, ["regions"]) => {
            let item = |r: &policy::codes::RegionInfo| json!({"code": r.code, "name": r.name, "latitude": r.latitude, "longitude": r.longitude});
            Ok((
                StatusCode::OK,
                json!({
                    "regions": policy::codes::AWS_REGIONS.iter().map(item).collect::<Vec<_>>(),
                    "local_zones": policy::codes::LOCAL_ZONES.iter().map(item).collect::<Vec<_>>(),
                }),
            ))
        }
        (Method::GET, ["geolocations"]) => {
            let p = s.list_geo_locations(None, None, None, Some("1000"))?;
            let items: Vec<Value> = p
                .items
                .iter()
                .map(|g| json!({
                    "continent_code": g.continent_code, "continent_name": g.continent_name,
                    "country_code": g.country_code, "country_name": g.country_name,
                    "subdivision_code": g.subdivision_code, "subdivision_name": g.subdivision_name,
                }))
                .collect();
            Ok((StatusCode::OK, json!({"geolocations": items})))
        }
        (Method::GET, ["cidr-collections"]) => {
            let mut items = Vec::new();
            let mut page = s.list_cidr_collections(None, Some("1000")).await?;
            loop {
                items.extend(page.items.iter().map(cidr_collection_json));
                let Some(token) = page.next_token else { break };
                page = s.list_cidr_collections(Some(&token), Some("1000")).await?;
            }
            Ok((StatusCode::OK, json!({"cidr_collections": items})))
        }
        (Method::POST, ["cidr-collections"]) => {
            let b: NewCidrCollection = body(call)?;
            let (c, created) = s.create_cidr_collection(&b.name, &b.caller_reference).await?;
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, cidr_collection_json(&c)))
        }
        (Method::GET, ["cidr-collections", id]) => {
            let c = s.cidr_collection(id).await?;
            let mut value = cidr_collection_json(&c.collection);
            value["locations"] = json!(c.locations());
            value["blocks"] = json!(cidr_blocks_json(&c.blocks));
            Ok((StatusCode::OK, value))
        }
        (Method::POST, ["cidr-collections", id, "changes"]) => {
            let b: CidrChanges = body(call)?;
            let (c, change) = s.change_cidr_collection(id, b.version, b.changes).await?;
            Ok((
                StatusCode::OK,
                json!({"collection": cidr_collection_json(&c), "change": change_json(&change)}),
            ))
        }
        (Method::GET, ["cidr-collections", id, "blocks"]) => {
            let location = call.param("location");
            let mut items = Vec::new();
            let mut page = s.list_cidr_blocks(id, location, None, Some("1000")).await?;
            loop {
                items.extend(cidr_blocks_json(&page.items));
                let Some(token) = page.next_token else { break };
                page = s.list_cidr_blocks(id, location, Some(&token), Some("1000")).await?;
            }
            Ok((StatusCode::OK, json!({"blocks": items})))
        }
        (Method::DELETE, ["cidr-collections", id]) => {
            let change = s.delete_cidr_collection(id).await?;
            Ok((StatusCode::OK, json!({"deleted": id, "change": change_json(&change)})))
        }
        (Method::GET, ["openapi.json"]) => Ok((StatusCode::OK, crate::openapi::document())),
        // Only an operation listed in OPERATIONS without an arm here gets this far.
        _ => Err(Error::new(
            Code::NotImplemented,
            format!("{} /api/v1/{} has no handler", call.method, call.segments.join("/")),
        )),
    }
}

/// Decodes `body` as every request body above and runs, on each that decodes, the checks that
/// need no store: actions, health check configurations, CIDR blocks and routing, client
/// addresses, and explain and coverage of a document (coverage with one sample per location
/// and the coarsest grid, so that one call stays cheap). For the `json_body` fuzz target;
/// see [`crate::fuzzing`].
pub(crate) fn check_bodies(body: &[u8]) {
    fn decode<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
        match crate::strict_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(e) => {
                let _ = e.to_string();
                None
            }
        }
    }
    fn done<T>(r: Result<T, Error>) {
        if let Err(e) = r {
            let _ = (e.code.status(), e.code.as_str(), e.message.len());
        }
    }
    let catalog = policy::codes::Catalog::builtin();
    if let Some(b) = decode::<ChangeBatch>(body) {
        for (i, c) in b.changes.into_iter().enumerate() {
            done(control::zones::parse_action(&format!("changes[{i}].action"), &c.action));
            if let Some(config) = &c.routing.cidr_routing_config {
                let _ = control::cidr::check_routing_config(&c.r#type, &c.routing, config);
            }
        }
    }
    if let Some(b) = decode::<NewHealthCheck>(body) {
        done(b.config.check());
        done(b.config.with_defaults().check());
    }
    if let Some(b) = decode::<CidrChanges>(body) {
        for c in &b.changes {
            let _ = control::cidr::is_location_name(&c.location_name);
            for block in &c.cidr_list {
                let _ = control::cidr::canonical_block(block);
            }
        }
    }
    if let Some(b) = decode::<ExplainRecord>(body) {
        done(control::simulate::parse_client(&b.client));
    }
    if let Some(b) = decode::<Explain>(body) {
        let req = control::simulate::ExplainRequest {
            document: b.document,
            client: b.client,
            unhealthy: b.unhealthy,
            unhealthy_targets: b.unhealthy_targets,
            seed: b.seed,
        };
        done(control::simulate::explain(&catalog, &Default::default(), &req));
    }
    if let Some(b) = decode::<Coverage>(body) {
        let mut req = control::coverage::CoverageRequest {
            document: b.document,
            unhealthy: b.unhealthy,
            unhealthy_targets: b.unhealthy_targets,
            rule: b.rule,
            grid_step: b.grid.map(|g| g.step.unwrap_or(control::coverage::DEFAULT_GRID_STEP)),
            samples: b.samples,
        };
        // Out-of-range values keep their errors; valid ones are made as cheap as allowed.
        use control::coverage::{MAX_GRID_STEP, MAX_SAMPLES, MIN_GRID_STEP};
        if req.samples.is_none_or(|n| (1..=i64::from(MAX_SAMPLES)).contains(&n)) {
            req.samples = Some(1);
        }
        if req.grid_step.is_some_and(|s| (MIN_GRID_STEP..=MAX_GRID_STEP).contains(&s)) {
            req.grid_step = Some(MAX_GRID_STEP);
        }
        let points = control::coverage::RepresentativePoints::default();
        done(control::coverage::coverage(&catalog, &Default::default(), &points, &req));
    }
    let _ = decode::<NewZone>(body);
    let _ = decode::<NewPolicy>(body);
    let _ = decode::<NewVersion>(body);
    let _ = decode::<Validate>(body).map(|b| policy::compile(&b.document, &catalog));
    let _ = decode::<NewRecord>(body);
    let _ = decode::<RecordUpdate>(body);
    let _ = decode::<NewCidrCollection>(body);
    let _ = decode::<Vec<JsonTag>>(body).map(tags_from_json);
}
