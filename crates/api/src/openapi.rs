//! The OpenAPI description of the JSON API, served at `GET /api/v1/openapi.json`.
//!
//! # Decisions
//!
//! - **Hand-written** (`openapi.json` beside this file, embedded with `include_str!`), not
//!   generated: `json.rs` builds its answers with `json!` rather than typed structs, and its
//!   request bodies embed types of `control` and `zone` (`Routing`, `HealthCheckConfig`,
//!   `CidrCollectionChange`); generating the schemas (e.g. with `utoipa`) would mean typed
//!   answers for some fifty operations and schema derives in three crates. A hand-written file
//!   stays true by being tested instead:
//!   - here: its paths and methods are exactly [`crate::json::OPERATIONS`], the table the JSON
//!     router answers (anything else is 404 or 405), and each of them reaches its own arm of
//!     the router; every `$ref` resolves; every request example is read by the server, and
//!     every object the description closes with `additionalProperties: false` is refused with
//!     an unknown member added (all request structs deny unknown fields);
//!   - `tests/api/test_openapi.py`: the answers of a real server to a scripted walk through
//!     every operation are validated against the description's response schemas with
//!     `jsonschema`;
//!   - `tests/api/test_schemathesis.py`: schemathesis generates requests from the
//!     description and checks the answers (no server error, answers conform).
//! - **OpenAPI 3.1**: its schemas are JSON Schema 2020-12, so the end-to-end test validates
//!   answers with `jsonschema`'s `Draft202012Validator` as they are (a `null` is a type in a
//!   list, not 3.0's `nullable`, which plain JSON Schema validators ignore), and schemathesis 4
//!   reads 3.1 without an experimental switch. The schemas keep to keywords schemathesis
//!   generates data for (no `prefixItems`, `unevaluatedProperties` or dynamic references).
//! - **No authentication** for the description: it shows no data, only the API's shape, and
//!   a client needs it before it has a token. Every other operation wants a bearer token or
//!   SigV4 (`security` of the document).
//! - **What the schemas say**: shapes and types, with the integer ranges the server's types
//!   impose (`U32`, `I64`). The service's own rules (DNS names, policy documents, id formats,
//!   tag characters, value ranges, what exists) are checked by the service and refused with
//!   400 naming the field; they are in the descriptions, not in schema keywords. Any status an
//!   operation does not list is the error document (`default`).

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The description, as served.
pub(crate) const DESCRIPTION: &str = include_str!("openapi.json");

/// The description as JSON.
pub(crate) fn document() -> serde_json::Value {
    static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
        serde_json::from_str(DESCRIPTION).unwrap_or_else(
            |e| serde_json::json!({"error": {"code": "InternalError", "message": e.to_string()}}),
        )
    });
    DOCUMENT.clone()
}

/// `GET /api/v1/openapi.json`: the description, without authentication.
pub(crate) fn response() -> Response {
    let mut r = (StatusCode::OK, DESCRIPTION).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::body::Bytes;
    use axum::http::Method;
    use serde_json::{Value, json};

    use super::*;
    use crate::json::{OPERATIONS, dispatch, methods_at};
    use crate::server::Call;

    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    fn doc() -> Value {
        serde_json::from_str(DESCRIPTION).expect("openapi.json is JSON")
    }

    /// `#/a/b` resolved in the document.
    fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let target = doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| {
                    panic!("{r} does not resolve");
                });
                resolve(doc, target)
            }
            None => v,
        }
    }

    /// Every operation of the description: (METHOD, path below /api/v1, operation).
    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if METHODS.contains(&method.as_str()) {
                    let below = path.strip_prefix("/api/v1").expect("paths start with /api/v1");
                    out.push((method.to_uppercase(), below.to_owned(), op.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn the_description_lists_exactly_the_routers_operations() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let described: BTreeSet<(String, String)> =
            operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
        let routed: BTreeSet<(String, String)> =
            OPERATIONS.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(routed.len(), OPERATIONS.len(), "an operation is listed twice");
        let missing: Vec<_> = routed.difference(&described).collect();
        let extra: Vec<_> = described.difference(&routed).collect();
        assert!(missing.is_empty(), "routed but not described: {missing:?}");
        assert!(extra.is_empty(), "described but not routed: {extra:?}");
        // Path items hold nothing but operations and their shared parameters.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for key in item.as_object().unwrap().keys() {
                assert!(
                    METHODS.contains(&key.as_str()) || key == "parameters",
                    "{path}: {key} is not a method the router knows"
                );
            }
        }
    }

    #[test]
    fn every_operation_is_complete() {
        let doc = doc();
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations(&doc) {
            let what = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{what}: no operationId"));
            assert!(ids.insert(id.to_owned()), "{what}: operationId {id} twice");
            let responses = op["responses"].as_object().unwrap();
            assert_eq!(
                responses.get("default"),
                Some(&json!({"$ref": "#/components/responses/Error"})),
                "{what}: every other status is the error document"
            );
            assert!(responses.keys().any(|k| k.starts_with('2')), "{what}: no success");
            for (status, r) in responses {
                let r = resolve(&doc, r);
                assert!(r["description"].is_string(), "{what} {status}: no description");
                assert!(
                    r["content"]["application/json"]["schema"].is_object(),
                    "{what} {status}: no JSON schema"
                );
            }
            // The path's {parameters} are declared, and only those.
            let item = &doc["paths"][format!("/api/v1{path}")];
            let declared: BTreeSet<String> = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten()
                .map(|p| resolve(&doc, p))
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{what}: path parameters are required");
                    p["name"].as_str().unwrap().to_owned()
                })
                .collect();
            let in_path: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_owned)
                .collect();
            assert_eq!(declared, in_path, "{what}: path parameters");
            let security = op.get("security").unwrap_or(&doc["security"]);
            if path == "/openapi.json" {
                assert_eq!(security, &json!([]), "the description needs no authentication");
            } else {
                assert_eq!(security, &json!([{"bearer": []}, {"sigv4": []}]), "{what}");
            }
        }
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(doc: &Value, v: &Value, at: &str) {
            match v {
                Value::Object(m) => {
                    if let Some(r) = m.get("$ref") {
                        let r = r.as_str().unwrap();
                        assert!(r.starts_with("#/"), "{at}: {r} is not local");
                        assert!(doc.pointer(&r[1..]).is_some(), "{at}: {r} does not resolve");
                    }
                    for (k, x) in m {
                        walk(doc, x, &format!("{at}/{k}"));
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(doc, x, &format!("{at}/{i}"));
                    }
                }
                _ => {}
            }
        }
        let doc = doc();
        walk(&doc, &doc, "");
    }

    async fn service() -> control::Service {
        control::Service::in_memory().await.unwrap()
    }

    /// Calls the JSON router: the status, the error code (if any) and the message.
    async fn call(s: &control::Service, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let call = Call {
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            segments: path.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            query: query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect(),
            body: Bytes::copy_from_slice(body),
            request_id: "test".into(),
            principal: "AKIDTEST".into(),
        };
        let r = dispatch(s, &call).await;
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A path of the table with its parameters filled in.
    fn concrete(template: &str) -> String {
        template.replace("{version}", "1").replace("{id}", "00000000-0000-4000-8000-000000000000")
    }

    #[tokio::test]
    async fn every_listed_operation_has_its_handler_and_others_are_refused() {
        let s = service().await;
        for (method, template) in OPERATIONS {
            let (status, body) = call(&s, method, &concrete(template), b"").await;
            let code = body["error"]["code"].as_str().unwrap_or("");
            assert!(
                !["UnknownOperationException", "MethodNotAllowed", "NotImplemented"]
                    .contains(&code),
                "{method} {template}: {status} {body}"
            );
        }
        let (status, body) = call(&s, "GET", "/no-such-thing", b"").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("UnknownOperationException"))
        );
        let (status, body) = call(&s, "GET", "/zones/z/rrsets/extra", b"").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("UnknownOperationException"))
        );
        for (method, path) in [("TRACE", "/zones"), ("DELETE", "/policies"), ("HEAD", "/nodes")] {
            let (status, body) = call(&s, method, path, b"").await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (405, Some("MethodNotAllowed")),
                "{method} {path}"
            );
        }
        let segments = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(methods_at(&segments("zones/z/tags")), ["GET", "PATCH", "PUT"]);
        assert_eq!(methods_at(&segments("health-checks/h/override")), ["PUT", "DELETE"]);
    }

    /// The request body of an operation: its schema and example.
    fn request_body<'a>(doc: &'a Value, op: &'a Value) -> Option<(&'a Value, &'a Value)> {
        let body = resolve(doc, op.get("requestBody")?);
        let media = &body["content"]["application/json"];
        Some((resolve(doc, &media["schema"]), &media["example"]))
    }

    /// The object schema among `schema`'s alternatives (`oneOf` with `null`, type lists).
    fn object_schema<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
        let schema = resolve(doc, schema);
        if let Some(alternatives) = schema["oneOf"].as_array() {
            return alternatives.iter().find_map(|a| object_schema(doc, a));
        }
        let is_object = match &schema["type"] {
            Value::String(t) => t == "object",
            Value::Array(ts) => ts.iter().any(|t| t == "object"),
            _ => false,
        };
        is_object.then_some(schema)
    }

    /// JSON Pointers of every object of `example` and whether its schema closes it.
    fn objects(
        doc: &Value,
        schema: &Value,
        example: &Value,
        at: String,
        out: &mut Vec<(String, bool)>,
    ) {
        match example {
            Value::Object(m) => {
                let schema = object_schema(doc, schema)
                    .unwrap_or_else(|| panic!("{at}: not an object in the schema"));
                out.push((at.clone(), schema["additionalProperties"] == false));
                for (k, v) in m {
                    let property = schema["properties"].get(k).unwrap_or_else(|| {
                        panic!("{at}/{k}: the example has a member the schema lacks")
                    });
                    objects(doc, property, v, format!("{at}/{k}"), out);
                }
            }
            Value::Array(a) => {
                let schema = resolve(doc, schema);
                for (i, v) in a.iter().enumerate() {
                    objects(doc, &schema["items"], v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[tokio::test]
    async fn request_examples_are_read_and_closed_objects_refuse_unknown_members() {
        let doc = doc();
        let s = service().await;
        let mut bodies = 0;
        for (method, path, op) in operations(&doc) {
            let what = format!("{method} {path}");
            let Some((schema, example)) = request_body(&doc, &op) else {
                // Every POST, PUT and PATCH of the JSON API reads a body.
                assert!(["GET", "DELETE"].contains(&method.as_str()), "{what}: no request body");
                continue;
            };
            bodies += 1;
            assert!(example.is_object(), "{what}: no example");
            let path = concrete(&path);
            let (status, body) = call(&s, &method, &path, example.to_string().as_bytes()).await;
            let message = body["error"]["message"].as_str().unwrap_or("");
            assert!(
                !message.contains("the body is not the expected JSON"),
                "{what}: the example was not read: {status} {body}"
            );
            let mut found = Vec::new();
            objects(&doc, schema, example, String::new(), &mut found);
            for (pointer, closed) in found {
                // Every request struct of json.rs denies unknown fields: the description must
                // say so, and the server must refuse one.
                assert!(
                    closed,
                    "{what}: the object at {pointer:?} lacks additionalProperties: false"
                );
                let mut bad = example.clone();
                bad.pointer_mut(&pointer).unwrap()["unexpected_member"] = json!(1);
                let (status, body) = call(&s, &method, &path, bad.to_string().as_bytes()).await;
                assert_eq!(status, 400, "{what} {pointer}: {body}");
                let message = body["error"]["message"].as_str().unwrap_or("");
                assert!(
                    message.contains("unknown field `unexpected_member`"),
                    "{what} {pointer}: {message}"
                );
            }
        }
        assert!(bodies > 0);
    }

    #[tokio::test]
    async fn bodies_are_objects() {
        // serde alone reads `[null, null]` as a tag change with nothing in it.
        let s = service().await;
        let (status, body) = call(&s, "PATCH", "/zones/z/tags", b"[null, null]").await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("invalid type: sequence"));
        let (status, body) =
            call(&s, "PUT", "/zones/z/tags", br#"{"tags": [["team", "edge"]]}"#).await;
        assert_eq!(status, 400, "{body}");
    }

    #[tokio::test]
    async fn a_deleted_version_is_a_number() {
        // It used to come back as the path's text ("1").
        let s = service().await;
        let document = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},"StartEndpoint":"a"}"#;
        let (status, created) = call(
            &s,
            "POST",
            "/policies",
            json!({"name": "p", "document": document}).to_string().as_bytes(),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap();
        let (status, deleted) =
            call(&s, "DELETE", &format!("/policies/{id}/versions/1"), b"").await;
        assert_eq!((status, deleted), (200, json!({"deleted": {"id": id, "version": 1}})));
    }

    #[tokio::test]
    async fn the_description_is_served_as_written() {
        let r = response();
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        assert_eq!(bytes, DESCRIPTION.as_bytes());
        assert_eq!(document(), doc());
        let s = service().await;
        assert_eq!(call(&s, "GET", "/openapi.json", b"").await, (200, doc()));
    }
}
