//! The HTTP server: body limit, authentication, dispatch to the Route 53 XML API
//! (`/2013-04-01/...`) or the JSON API (`/api/v1/...`), and error documents.
//!
//! Authentication: every request must carry an AWS Signature Version 4 `Authorization`
//! header (service `route53`, any region) made with a key from [`crate::keys`]. The JSON API
//! also accepts `Authorization: Bearer <token>` with a token from [`crate::keys::bearer_token`]
//! (for the browser editor, which cannot sign requests). `GET /healthz` (liveness),
//! `GET /readyz` (readiness: the store answers and DNS serves current data, see
//! [`crate::ready`]), `GET /metrics` (Prometheus) and `GET /api/v1/openapi.json` (the JSON
//! API's description, `openapi.rs`) need no authentication.
//!
//! Every other `GET` or `HEAD` (any path outside `/2013-04-01`, `/api`, `/healthz`,
//! `/readyz` and `/metrics`) is the browser editor, served without authentication from the files embedded
//! by the `editor` crate (see `serve_editor`): the file at that path if there is one;
//! else, for a path whose last segment has no extension (`/`, `/policies/abc`), `index.html`,
//! so that the editor's own routes load the application; else 404.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::keys::Keys;
use crate::sigv4;

/// Largest request body accepted (a 102,400-character policy document, escaped, fits).
pub const MAX_BODY: usize = 1 << 20;

/// Renders the Prometheus text exposition of the server's metrics.
pub type MetricsFn = Arc<dyn Fn() -> String + Send + Sync>;

/// What every request handler shares.
pub struct AppState {
    /// The service layer.
    pub service: control::Service,
    /// The access keys.
    pub keys: Arc<Keys>,
    metrics: Option<MetricsFn>,
    readiness: crate::ready::Readiness,
    request_ids: AtomicU64,
    refusals: crate::refusals::RefusalLog,
    /// `GET /metrics` wants a bearer token of an access key ([`AppState::protect_metrics`]).
    metrics_auth: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// State over a service and keys; `metrics` serves `GET /metrics` when given.
    pub fn new(
        service: control::Service,
        keys: Arc<Keys>,
        metrics: Option<MetricsFn>,
    ) -> Arc<AppState> {
        Arc::new(AppState {
            service,
            keys,
            metrics,
            readiness: crate::ready::Readiness::new(crate::ready::MAX_LAG),
            request_ids: AtomicU64::new(1),
            refusals: crate::refusals::RefusalLog::default(),
            metrics_auth: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// From now on `GET /metrics` answers only requests with `Authorization: Bearer <token>`
    /// for one of the access keys (the JSON API's token, which a Prometheus scrape
    /// configuration can carry), and 401 to others: the metrics name zones and records.
    pub fn protect_metrics(&self) {
        self.metrics_auth.store(true, Ordering::Relaxed);
    }

    pub(crate) fn request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id())
    }
}

/// The router: one fallback that authenticates and dispatches.
pub fn router(state: Arc<AppState>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

/// A request after authentication: what the API handlers read.
pub(crate) struct Call {
    pub(crate) method: Method,
    /// Path segments after the API prefix, percent-decoded.
    pub(crate) segments: Vec<String>,
    /// Query parameters, percent-decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) request_id: String,
    /// The access key id that signed the request.
    pub(crate) principal: String,
}

impl Call {
    /// The first value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Which API a path belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Route53,
    Json,
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let request_id = state.request_id();
    if path == "/healthz" && parts.method == Method::GET {
        return (StatusCode::OK, "ok\n").into_response();
    }
    // The JSON API's description shows no data: served without authentication.
    if path == "/api/v1/openapi.json" && parts.method == Method::GET {
        return crate::openapi::response();
    }
    if path == "/readyz" && parts.method == Method::GET {
        let (status, body) = state.readiness.check(&state.service).await.to_response();
        let mut r = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            format!("{body}\n"),
        )
            .into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return r;
    }
    // Prometheus scrapes without signing; with `protect_metrics`, with a bearer token.
    if path == "/metrics"
        && parts.method == Method::GET
        && let Some(render) = &state.metrics
    {
        if state.metrics_auth.load(Ordering::Relaxed) {
            let token = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if token.and_then(|t| state.keys.verify_bearer(t.trim())).is_none() {
                state.refusals.refused("MissingAuthenticationToken", &path);
                let mut r = (
                    StatusCode::UNAUTHORIZED,
                    "GET /metrics needs Authorization: Bearer <token> of an access key \
                     (metrics are protected: api.metrics_auth)\n",
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
        }
        let mut r = (StatusCode::OK, render()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        return r;
    }
    if (parts.method == Method::GET || parts.method == Method::HEAD) && !is_api_path(&path) {
        return serve_editor(&path, &parts.headers);
    }
    let (api, rest) = if let Some(rest) = path.strip_prefix("/2013-04-01/") {
        (Api::Route53, rest)
    } else if let Some(rest) = path.strip_prefix("/api/v1/") {
        (Api::Json, rest)
    } else {
        return error_response(
            Api::Route53,
            &request_id,
            404,
            "UnknownOperationException",
            &format!(
                "no operation at {path}: the Route 53 API is under /2013-04-01/, the JSON API under /api/v1/"
            ),
        );
    };
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                api,
                &request_id,
                400,
                "InvalidInput",
                &format!("the request body is larger than {MAX_BODY} bytes"),
            );
        }
    };
    let principal =
        match authenticate(&state, api, &parts.method, &path, &raw_query, &parts.headers, &body) {
            Ok(p) => p,
            Err((code, message)) => {
                // Briefly and rate-limited: the message can hold the canonical request.
                state.refusals.refused(code, &path);
                return error_response(api, &request_id, 403, code, &message);
            }
        };
    let call = Call {
        method: parts.method.clone(),
        segments: rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect(),
        query: parse_query(&raw_query),
        body,
        request_id: request_id.clone(),
        principal: principal.clone(),
    };
    // The change lines the service logs name the caller's access key id.
    let response = control::audit::acting_as(principal.clone(), async {
        match api {
            Api::Route53 => crate::route53::dispatch(&state.service, &call).await,
            Api::Json => crate::json::dispatch(&state.service, &call).await,
        }
    })
    .await;
    tracing::debug!(method = %parts.method, %path, principal, status = response.status().as_u16(), "API request");
    response
}

/// Paths the APIs and the operational endpoints own; every other `GET` is the editor's.
fn is_api_path(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/2013-04-01")
        || under("/api")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
}

/// The `Content-Security-Policy` of the editor's pages: nothing but this server's own files
/// and API (React Flow positions nodes with inline styles, hence `'unsafe-inline'` for
/// styles only), no framing.
pub const EDITOR_CSP: &str = "default-src 'self'; script-src 'self'; img-src 'self' data:; \
    style-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Whether the editor was built into this binary (else `/` serves a page saying how to build
/// it).
pub fn editor_built() -> bool {
    editor::is_built()
}

/// Serves a `GET` or `HEAD` of the editor (no authentication: the files are public; the
/// editor authenticates its API calls with a bearer token).
///
/// - the embedded file at `path`, if there is one; Vite's content-hashed files under
///   `/assets/` with `Cache-Control: public, max-age=31536000, immutable`, the others with
///   `no-cache` (revalidated each time, by `ETag` and `If-None-Match`: 304);
/// - else `index.html` (`no-cache`) when the last segment of the path has no extension: the
///   editor's own routes (`/`, `/policies/abc`) load the application, which reads the path;
/// - else 404.
///
/// Every file has an `ETag`; a gzip copy is served to clients that accept it (`Vary:
/// Accept-Encoding`). HTML pages carry [`EDITOR_CSP`]; everything `X-Content-Type-Options:
/// nosniff`.
fn serve_editor(path: &str, headers: &HeaderMap) -> Response {
    let last = path.rsplit('/').next().unwrap_or("");
    let asset = match editor::asset(path) {
        Some(a) => a,
        None if !last.contains('.') => editor::index(),
        None => {
            let mut r = (StatusCode::NOT_FOUND, format!("no file at {path}\n")).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            return r;
        }
    };
    let gzip = asset.gzip.as_ref().filter(|_| accepts_gzip(headers));
    // The gzip copy has its own tag; either tag validates the file, whichever copy is sent.
    let gzip_etag = format!("{}-gz\"", asset.etag.trim_end_matches('"'));
    let etag = if gzip.is_some() { gzip_etag.clone() } else { asset.etag.clone() };
    let not_modified = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == asset.etag || t == gzip_etag);
    let mut r = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = match gzip.unwrap_or(&asset.bytes) {
            Cow::Borrowed(b) => Bytes::from_static(b),
            Cow::Owned(b) => Bytes::from(b.clone()),
        };
        let mut r = (StatusCode::OK, bytes).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        if gzip.is_some() {
            r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    if asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if asset.is_html() {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(EDITOR_CSP));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    r
}

/// Whether `Accept-Encoding` admits gzip (named, or `*`, with a non-zero quality).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    let mut gzip = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(q > 0.0),
            "*" => star = q > 0.0,
            _ => {}
        }
    }
    gzip.unwrap_or(star)
}

/// Verifies the request's signature (or bearer token); the access key id on success, or the
/// AWS error code and message.
fn authenticate(
    state: &AppState,
    api: Api,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, (&'static str, String)> {
    if api == Api::Json
        && let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
    {
        return state.keys.verify_bearer(token.trim()).map(str::to_owned).ok_or((
            "InvalidClientTokenId",
            "the bearer token is not valid for any access key".into(),
        ));
    }
    let pairs: Vec<(&str, &[u8])> =
        headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())).collect();
    let request = sigv4::Request {
        method: method.as_str(),
        path,
        query,
        headers: &pairs,
        payload: sigv4::Payload::Bytes(body),
    };
    let now = time::OffsetDateTime::now_utc();
    sigv4::verify(&request, sigv4::SERVICE_ROUTE53, |id| state.keys.secret(id).cloned(), now)
        .map_err(|e| (e.code(), e.message()))
}

/// An error document in the API's format.
pub(crate) fn error_response(
    api: Api,
    request_id: &str,
    status: u16,
    code: &str,
    message: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    match api {
        Api::Route53 => {
            let doc = if status.is_server_error() {
                crate::xml::ErrorResponse::receiver(code, message, request_id)
            } else {
                crate::xml::ErrorResponse::sender(code, message, request_id)
            };
            let body = crate::xml::to_xml(&doc).unwrap_or_default();
            xml_response(status, body, request_id)
        }
        Api::Json => {
            let body = serde_json::json!({"error": {"code": code, "message": message}, "request_id": request_id});
            let mut r = (status, axum::Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(request_id) {
                r.headers_mut().insert("x-amzn-requestid", v);
            }
            r
        }
    }
}

/// An XML response with the request id header.
pub(crate) fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding (and `+` as space when `plus` is set); invalid escapes stay as written.
fn decode(s: &str, plus: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn percent_decode(s: &str) -> String {
    decode(s, false)
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            // `+` stays a plus: SigV4 signs it as one, so the request that runs is the one
            // that was signed.
            Some((k, v)) => (decode(k, false), decode(v, false)),
            None => (decode(p, false), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&'static str, &str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        serve_editor(path, &map)
    }

    fn header<'a>(r: &'a Response, name: &str) -> &'a str {
        r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[test]
    fn api_paths_are_not_the_editor() {
        for p in ["/2013-04-01", "/2013-04-01/hostedzone", "/api", "/api/v1/zones", "/api/x"] {
            assert!(is_api_path(p), "{p}");
        }
        for p in ["/healthz", "/readyz", "/metrics"] {
            assert!(is_api_path(p), "{p}");
        }
        for p in ["/", "/index.html", "/apiary", "/policies/x", "/assets/a.js", "/healthz/x"] {
            assert!(!is_api_path(p), "{p}");
        }
    }

    #[test]
    fn gzip_acceptance() {
        let accepts = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(accepts("gzip"));
        assert!(accepts("br, gzip;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("*, gzip;q=0"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_editor_page_and_its_routes() {
        let index = editor::index();
        for path in ["/", "/index.html", "/policies/abc", "/records/x/"] {
            let r = get(path, &[]);
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8", "{path}");
            assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
            assert_eq!(header(&r, "etag"), index.etag, "{path}");
            assert_eq!(header(&r, "x-content-type-options"), "nosniff");
            assert_eq!(header(&r, "content-security-policy"), EDITOR_CSP);
        }
        let r = get("/nope.js", &[]);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        let r = get("/assets/nope-123.css", &[]);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let r = get("/policies/abc", &[("if-none-match", &index.etag)]);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&r, "etag"), index.etag);
        let r = get("/", &[("if-none-match", "\"other\", W/\"x\"")]);
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[test]
    fn hashed_assets_are_immutable_and_compressed_when_accepted() {
        let Some(path) = editor::paths().into_iter().find(|p| p.starts_with("assets/")) else {
            assert!(!editor::is_built(), "a built editor has files under assets/");
            return;
        };
        let asset = editor::asset(&path).unwrap();
        let r = get(&format!("/{path}"), &[]);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(header(&r, "content-type"), asset.content_type);
        assert_eq!(header(&r, "content-encoding"), "");
        assert!(header(&r, "content-security-policy").is_empty(), "CSP is for pages");
        if asset.gzip.is_some() {
            let r = get(&format!("/{path}"), &[("accept-encoding", "gzip, deflate")]);
            assert_eq!(header(&r, "content-encoding"), "gzip");
            assert_eq!(header(&r, "vary"), "Accept-Encoding");
            assert_ne!(header(&r, "etag"), asset.etag, "the gzip copy has its own tag");
            let tag = header(&r, "etag").to_owned();
            let r = get(&format!("/{path}"), &[("if-none-match", &tag)]);
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        }
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(
            parse_query("maxitems=2&name=a%20b+c&x"),
            vec![
                ("maxitems".into(), "2".into()),
                ("name".into(), "a b+c".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
