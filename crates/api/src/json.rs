//! The JSON API under `/api/v1`, for the visual editor and simple scripts: the same service
//! calls as the Route 53 API, plus what Route 53 lacks (validate, explain, diff).
//!
//! | Method and path | Operation |
//! |---|---|
//! | `GET /api/v1/policies` | list policies |
//! | `POST /api/v1/policies` `{name, document, comment?}` | create a policy (version 1) |
//! | `GET /api/v1/policies/{id}` | the latest version |
//! | `GET /api/v1/policies/{id}/versions` | every version |
//! | `POST /api/v1/policies/{id}/versions` `{document, comment?}` | the next version |
//! | `GET /api/v1/policies/{id}/versions/{n}` | one version |
//! | `DELETE /api/v1/policies/{id}/versions/{n}` | delete a version not in use |
//! | `GET /api/v1/policies/{id}/diff?from=N&to=M` | structural diff by JSON Pointer |
//! | `POST /api/v1/validate` `{document}` | errors and warnings with pointers |
//! | `POST /api/v1/explain` `{document, client, unhealthy?, unhealthy_targets?, seed?}` | decision trace |
//! | `GET /api/v1/records[?zone=ID]` | policy records |
//! | `POST /api/v1/records` `{zone_id, name, ttl, policy_id, version}` | create a policy record |
//! | `GET /api/v1/records/{id}` | one policy record |
//! | `PATCH /api/v1/records/{id}` `{version, policy_id?, ttl?}` | update or roll back |
//! | `DELETE /api/v1/records/{id}` | delete |
//! | `GET /api/v1/zones` | hosted zones |
//! | `GET /api/v1/health-checks` | health checks with their configuration |
//! | `GET /api/v1/geolocations` | every geolocation code |

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use control::{Code, Error, Service};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::server::{Api, Call, error_response};

type Reply = Result<(StatusCode, Value), Error>;

fn body<T: DeserializeOwned>(call: &Call) -> Result<T, Error> {
    serde_json::from_slice(&call.body).map_err(|e| {
        Error::new(Code::InvalidInput, format!("the body is not the expected JSON: {e}"))
    })
}

fn number(field: &str, s: &str) -> Result<u32, Error> {
    s.parse().map_err(|_| Error::invalid(field, format!("{s:?} is not a number")))
}

/// Dispatches one authenticated call.
pub(crate) async fn dispatch(service: &Service, call: &Call) -> Response {
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

fn version_json(v: &store::PolicyVersion) -> Value {
    json!({
        "id": v.policy_id, "name": v.name, "version": v.version, "type": v.record_type,
        "comment": v.comment, "created_at": v.created_at, "document": v.document,
    })
}

fn record_json(r: &store::PolicyRecord) -> Value {
    json!({
        "id": r.id, "zone_id": r.zone_id, "name": r.name, "type": r.record_type, "ttl": r.ttl,
        "policy_id": r.policy_id, "version": r.policy_version, "state": r.state.as_str(),
        "message": r.message, "created_at": r.created_at, "updated_at": r.updated_at,
    })
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
            Ok((StatusCode::CREATED, version_json(&v)))
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
            Ok((StatusCode::CREATED, version_json(&v)))
        }
        (Method::GET, ["policies", id, "versions", n]) => Ok((
            StatusCode::OK,
            version_json(&s.get_policy(id, Some(number("version", n)?)).await?),
        )),
        (Method::DELETE, ["policies", id, "versions", n]) => {
            s.delete_policy(id, number("version", n)?).await?;
            Ok((StatusCode::OK, json!({"deleted": {"id": id, "version": n}})))
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
            let c = s.validate(&b.document);
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
            Ok((StatusCode::CREATED, record_json(&r)))
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
        (Method::GET, ["health-checks"]) => {
            let p = s.list_health_checks(None, Some("1000")).await?;
            let items: Vec<Value> = p
                .items
                .iter()
                .map(|h| json!({"id": h.check.id, "version": h.check.version, "config": h.config, "status": "unknown"}))
                .collect();
            Ok((StatusCode::OK, json!({"health_checks": items})))
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
        _ => Err(Error::new(
            Code::InvalidInput,
            format!("no JSON API operation is {} /api/v1/{}", call.method, call.segments.join("/")),
        )),
    }
}
