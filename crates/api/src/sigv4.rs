//! AWS Signature Version 4 verification, header form (`Authorization: AWS4-HMAC-SHA256 …`).
//!
//! Pure: no I/O and no clock. The caller builds a [`Request`] view of the HTTP request, passes a
//! credential lookup and the current time to [`verify`], and gets back the access key id that
//! signed the request, or an [`AuthError`] carrying the AWS error code and a message.
//!
//! # What is checked
//!
//! The canonical request is built exactly as AWS and botocore build it for Route 53 (which is
//! *not* S3):
//!
//! - **URI**: the raw path as it came over the wire (still percent-encoded) is normalised (empty
//!   segments and `.` removed, `..` pops a segment, a trailing `/` is kept) and then every byte
//!   other than `A-Z a-z 0-9 - _ . ~` and `/` is percent-encoded once more. So
//!   `/2013-04-01/hostedzone/Z1%2Fx` is signed as `/2013-04-01/hostedzone/Z1%252Fx`, and
//!   `/2013-04-01/hostedzone/Z123/rrset/` keeps its trailing slash. See [`canonical_uri`].
//! - **Query**: each `name=value` pair is percent-decoded and re-encoded with the RFC 3986
//!   unreserved set (a `+` is a literal plus, signed as `%2B`), pairs are sorted by name then
//!   value, and a name without `=` is signed as `name=`. See [`canonical_query_string`].
//! - **Headers**: only those named in `SignedHeaders`, lowercased, values trimmed with runs of
//!   whitespace collapsed to one space, repeated headers joined with `,`, sorted. `host` must be
//!   signed. HTTP/2 callers must put the `:authority` into a `host` entry of
//!   [`Request::headers`].
//! - **Payload**: the `X-Amz-Content-Sha256` header when present and not `UNSIGNED-PAYLOAD` (it
//!   must then equal the SHA-256 of the body), otherwise the SHA-256 of the body. Route 53 always
//!   signs its payload, so `UNSIGNED-PAYLOAD` does not exempt the body from being signed.
//! - **Time**: from `X-Amz-Date` (ISO 8601 basic, `20261127T064753Z`), else from `Date`
//!   (RFC 1123/2822 such as `Fri, 27 Nov 2026 06:47:53 GMT`, or ISO 8601 basic). The credential
//!   scope's date must be that date, and the time must be within [`MAX_CLOCK_SKEW`] of `now`.
//! - **Scope**: `AKID/YYYYMMDD/REGION/SERVICE/aws4_request`; any region is accepted (the AWS CLI
//!   signs Route 53 requests for `us-east-1`), the service must be the one passed to [`verify`]
//!   ([`SERVICE_ROUTE53`] for the Route 53 API).
//! - **Signature**: recomputed with the secret from the lookup and compared in constant time.
//!
//! Pre-signed URLs (query-string authentication) are not supported.
//!
//! # Errors
//!
//! Every [`AuthError`] is HTTP 403. The codes are the ones AWS uses:
//!
//! | code | when |
//! | --- | --- |
//! | `MissingAuthenticationToken` | no `Authorization` header, or one that is not `AWS4-HMAC-SHA256` |
//! | `IncompleteSignature` | `Credential`, `SignedHeaders` or `Signature` missing or malformed, a malformed credential scope, `host` not signed, **no usable date** (neither `X-Amz-Date` nor `Date`, or one that does not parse: AWS answers these with `IncompleteSignature` too) |
//! | `InvalidClientTokenId` | the access key id is unknown |
//! | `SignatureDoesNotMatch` | wrong signature, wrong service in the scope, scope date not the request date, body not matching `X-Amz-Content-Sha256`, a signed header absent from the request |
//! | `RequestTimeTooSkewed` | the request time is more than 15 minutes from the server time |
//!
//! The checks run in that order, except that the clock skew is checked last, after the signature,
//! so a correctly signed request from a client with a wrong clock is told about the clock.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc2822;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::keys::Secret;

/// The only signing algorithm accepted, as it appears at the start of the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name Route 53 requests are signed for (the fourth element of the credential scope).
pub const SERVICE_ROUTE53: &str = "route53";

/// The largest accepted difference between the request time and the server time.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// The `X-Amz-Content-Sha256` value that asks for an unsigned payload. Route 53 signs payloads
/// anyway: with this value the SHA-256 of the body is used, as when the header is absent.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The last element of every SigV4 credential scope.
const TERMINATOR: &str = "aws4_request";

/// The longest excerpt of a client-supplied value quoted in an error message.
const QUOTE_LIMIT: usize = 100;

type HmacSha256 = Hmac<Sha256>;

/// A view of the HTTP request to verify (or sign), borrowing from the caller's request type.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method, e.g. `GET` (compared in upper case).
    pub method: &'a str,
    /// The path exactly as received, still percent-encoded, without the query string, e.g.
    /// `/2013-04-01/hostedzone/Z123/rrset`.
    pub path: &'a str,
    /// The raw query string without the leading `?` (empty when there is none).
    pub query: &'a str,
    /// Every header of the request in order, names in any case, repeated names allowed.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The request body, or its SHA-256 when the caller has hashed it already.
    pub payload: Payload<'a>,
}

/// The body of a [`Request`].
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// The whole body (empty for requests without one).
    Bytes(&'a [u8]),
    /// The SHA-256 digest of the body.
    Sha256([u8; 32]),
}

/// The credentials and scope a request is signed with by [`sign`].
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id, first element of the credential scope.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret: &'a Secret,
    /// The region of the credential scope, e.g. `us-east-1`.
    pub region: &'a str,
    /// The service of the credential scope, e.g. [`SERVICE_ROUTE53`].
    pub service: &'a str,
}

/// Why a request was refused. Every variant is answered with HTTP 403 ([`AuthError::status`]);
/// [`AuthError::code`] is the AWS error code, [`AuthError::message`] the explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header, or one that does not use `AWS4-HMAC-SHA256`.
    MissingAuthenticationToken {
        /// What exactly is missing.
        detail: String,
    },
    /// The `Authorization` header lacks a component, has a malformed one, does not sign `host`,
    /// or the request has no usable `X-Amz-Date`/`Date`.
    IncompleteSignature {
        /// What is incomplete or malformed.
        detail: String,
    },
    /// The access key id is not known to this server.
    InvalidClientTokenId {
        /// The access key id the request was signed with (as received, shortened if long).
        access_key_id: String,
    },
    /// The signature is wrong, or the scope or body does not match the request.
    SignatureDoesNotMatch {
        /// What does not match.
        detail: String,
        /// For a wrong signature: the canonical request the server computed.
        canonical_request: Option<String>,
        /// For a wrong signature: the string to sign the server computed.
        string_to_sign: Option<String>,
    },
    /// The request time is more than [`MAX_CLOCK_SKEW`] away from the server time.
    RequestTimeTooSkewed {
        /// The time the request claims (from `X-Amz-Date` or `Date`).
        request_time: OffsetDateTime,
        /// The server time passed to [`verify`].
        server_time: OffsetDateTime,
    },
}

impl AuthError {
    /// The AWS error code, e.g. `SignatureDoesNotMatch`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken { .. } => "MissingAuthenticationToken",
            AuthError::IncompleteSignature { .. } => "IncompleteSignature",
            AuthError::InvalidClientTokenId { .. } => "InvalidClientTokenId",
            AuthError::SignatureDoesNotMatch { .. } => "SignatureDoesNotMatch",
            AuthError::RequestTimeTooSkewed { .. } => "RequestTimeTooSkewed",
        }
    }

    /// The HTTP status to answer with: always 403.
    pub fn status(&self) -> u16 {
        403
    }

    /// A human-readable message naming what is wrong. For a wrong signature it includes, as AWS
    /// does, the canonical request and string to sign the server computed (these are derived
    /// from the request alone and contain no secret).
    pub fn message(&self) -> String {
        match self {
            AuthError::MissingAuthenticationToken { detail }
            | AuthError::IncompleteSignature { detail } => detail.clone(),
            AuthError::InvalidClientTokenId { access_key_id } => format!(
                "The security token included in the request is invalid: access key id \
                 '{access_key_id}' is not known to this server."
            ),
            AuthError::SignatureDoesNotMatch { detail, canonical_request, string_to_sign } => {
                let mut message = detail.clone();
                if let Some(canonical_request) = canonical_request {
                    message
                        .push_str("\n\nThe Canonical String for this request should have been\n'");
                    message.push_str(canonical_request);
                    message.push('\'');
                }
                if let Some(string_to_sign) = string_to_sign {
                    message.push_str("\n\nThe String-to-Sign should have been\n'");
                    message.push_str(string_to_sign);
                    message.push_str("'\n");
                }
                message
            }
            AuthError::RequestTimeTooSkewed { request_time, server_time } => format!(
                "The difference between the request time and the current time is too large: \
                 request time {}, server time {} (at most {} minutes apart).",
                basic_timestamp(*request_time),
                basic_timestamp(*server_time),
                MAX_CLOCK_SKEW.whole_minutes()
            ),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for AuthError {}

fn incomplete(detail: impl Into<String>) -> AuthError {
    AuthError::IncompleteSignature { detail: detail.into() }
}

fn mismatch(detail: impl Into<String>) -> AuthError {
    AuthError::SignatureDoesNotMatch {
        detail: detail.into(),
        canonical_request: None,
        string_to_sign: None,
    }
}

/// Verifies the SigV4 `Authorization` header of `request`.
///
/// `service` is the service the credential scope must name ([`SERVICE_ROUTE53`] for the
/// Route 53 API). `lookup` maps an access key id to its secret (it is called at most once).
/// `now` is the server's current time.
///
/// Returns the access key id that signed the request.
///
/// # Errors
///
/// An [`AuthError`] naming the first problem found; see the [module docs](self) for which code
/// is used when.
pub fn verify(
    request: &Request<'_>,
    service: &str,
    lookup: impl FnOnce(&str) -> Option<Secret>,
    now: OffsetDateTime,
) -> Result<String, AuthError> {
    let authorization = authorization_header(request)?;
    let auth = parse_authorization(authorization)?;
    let time = request_time(request)?;
    let scope = parse_scope(auth.credential)?;
    let signed_headers = parse_signed_headers(auth.signed_headers)?;
    let provided = parse_signature(auth.signature)?;
    let payload_hash = payload_hash(request)?;

    if scope.service != service {
        return Err(mismatch(format!(
            "Credential should be scoped to correct service: '{service}', not '{}'.",
            quoted(scope.service)
        )));
    }
    let date = scope_date(time);
    if scope.date != date {
        return Err(mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{date}', from '{}'.",
            quoted(scope.date),
            basic_timestamp(time)
        )));
    }
    let Some(secret) = lookup(scope.access_key_id) else {
        return Err(AuthError::InvalidClientTokenId { access_key_id: quoted(scope.access_key_id) });
    };

    let canonical = build_canonical_request(request, &signed_headers, &payload_hash)?;
    let string_to_sign = string_to_sign(time, scope.region, scope.service, &canonical);
    let key = signing_key(&secret, time, scope.region, scope.service);
    let expected = hmac_sha256(&key, string_to_sign.as_bytes());
    if !bool::from(expected.as_slice().ct_eq(provided.as_slice())) {
        return Err(AuthError::SignatureDoesNotMatch {
            detail: "The request signature we calculated does not match the signature you \
                     provided. Check your AWS Secret Access Key and signing method. Consult the \
                     service documentation for details."
                .to_owned(),
            canonical_request: Some(String::from_utf8_lossy(&canonical).into_owned()),
            string_to_sign: Some(string_to_sign),
        });
    }

    if (now - time).abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::RequestTimeTooSkewed { request_time: time, server_time: now });
    }
    Ok(scope.access_key_id.to_owned())
}

/// Computes the `Authorization` header value for `request`, signing the headers named in
/// `signed_headers` (`host` must be one of them and every one must be present in the request).
///
/// The time is read from the request's `X-Amz-Date` or `Date` header, and the payload hash is
/// chosen as [`verify`] chooses it, so a request signed here verifies there. Meant for tests and
/// for clients of this server.
///
/// # Errors
///
/// The [`AuthError`] that [`verify`] would report for the same problem (no date, `host` not
/// signed, a signed header absent, a malformed `X-Amz-Content-Sha256`, a malformed scope).
pub fn sign(
    request: &Request<'_>,
    signed_headers: &[&str],
    params: &SigningParams<'_>,
) -> Result<String, AuthError> {
    let time = request_time(request)?;
    let credential = format!(
        "{}/{}/{}/{}/{TERMINATOR}",
        params.access_key_id,
        scope_date(time),
        params.region,
        params.service
    );
    // Refuse what verify would refuse as malformed, so a bad id or region is caught here.
    parse_scope(&credential)?;
    let names = parse_signed_headers(&signed_headers.join(";"))?;
    let payload_hash = payload_hash(request)?;
    let canonical = build_canonical_request(request, &names, &payload_hash)?;
    let string_to_sign = string_to_sign(time, params.region, params.service, &canonical);
    let key = signing_key(params.secret, time, params.region, params.service);
    let signature = hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()));
    Ok(format!(
        "{ALGORITHM} Credential={credential}, SignedHeaders={}, Signature={signature}",
        names.join(";")
    ))
}

/// The canonical request for `request` with the given signed headers, as the bytes that are
/// hashed into the string to sign.
///
/// # Errors
///
/// [`AuthError::IncompleteSignature`] for an empty name or a malformed `X-Amz-Content-Sha256`,
/// [`AuthError::SignatureDoesNotMatch`] when a signed header is absent or the body does not
/// match `X-Amz-Content-Sha256`.
pub fn canonical_request(
    request: &Request<'_>,
    signed_headers: &[&str],
) -> Result<Vec<u8>, AuthError> {
    let names = parse_signed_headers(&signed_headers.join(";"))?;
    let payload_hash = payload_hash(request)?;
    build_canonical_request(request, &names, &payload_hash)
}

/// The string to sign: algorithm, timestamp, credential scope and the hex SHA-256 of the
/// canonical request, one per line.
pub fn string_to_sign(
    time: OffsetDateTime,
    region: &str,
    service: &str,
    canonical_request: &[u8],
) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}/{region}/{service}/{TERMINATOR}\n{}",
        basic_timestamp(time),
        scope_date(time),
        hex::encode(Sha256::digest(canonical_request))
    )
}

/// The signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request")`, with the date as `YYYYMMDD` in UTC.
pub fn signing_key(secret: &Secret, time: OffsetDateTime, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(4 + secret.expose().len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.expose().as_bytes());
    let k_date = hmac_sha256(&k_secret, scope_date(time).as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// The time a request was made, from `X-Amz-Date` or else `Date`.
///
/// # Errors
///
/// [`AuthError::IncompleteSignature`] when neither header is present, one is repeated, or the
/// one used does not parse.
pub fn request_time(request: &Request<'_>) -> Result<OffsetDateTime, AuthError> {
    if let Some(value) = single_header(request, "x-amz-date")? {
        let text = std::str::from_utf8(value).unwrap_or("");
        return parse_basic_timestamp(text.trim()).ok_or_else(|| {
            incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. Expected a value like \
                 '20261127T064753Z' in X-Amz-Date.",
                quoted_bytes(value)
            ))
        });
    }
    if let Some(value) = single_header(request, "date")? {
        let text = std::str::from_utf8(value).unwrap_or("").trim();
        return parse_basic_timestamp(text)
            .or_else(|| {
                OffsetDateTime::parse(text, &Rfc2822).ok().map(|t| t.to_offset(UtcOffset::UTC))
            })
            .ok_or_else(|| {
                incomplete(format!(
                    "The Date header '{}' is neither an RFC 1123 date such as 'Fri, 27 Nov 2026 \
                     06:47:53 GMT' nor ISO-8601 basic format such as '20261127T064753Z'.",
                    quoted_bytes(value)
                ))
            });
    }
    Err(incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ))
}

/// The canonical URI for a raw (percent-encoded) request path, as botocore computes it for every
/// service but S3: dot segments and empty segments removed, then each byte other than the RFC 3986
/// unreserved characters and `/` percent-encoded (so an existing `%2F` becomes `%252F`).
pub fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(raw_path.len() + 8);
    if raw_path.starts_with('/') {
        out.push('/');
    }
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode_into(&mut out, segment.as_bytes());
    }
    if raw_path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical query string for a raw query string (without `?`): each name and value
/// percent-decoded then RFC 3986-encoded, pairs sorted by encoded name then encoded value, joined
/// with `&`; a name without `=` gets an empty value (`name=`); empty pairs are dropped.
pub fn canonical_query_string(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode(name), reencode(value))
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw_query.len() + 8);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// HMAC-SHA256 of `data` under `key`, for any key length.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC's own key preparation (RFC 2104, section 2): a key longer than the hash's block is
    // hashed first, and the key is then zero-padded to the block size. Doing it here lets the
    // infallible fixed-size constructor be used.
    let mut block = hmac::digest::Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha256 as KeyInit>::new(&block);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The three components of an `Authorization` header.
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

/// A parsed credential scope.
struct Scope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

fn authorization_header<'a>(request: &Request<'a>) -> Result<&'a [u8], AuthError> {
    match single_header(request, "authorization")? {
        Some(value) => Ok(value),
        None => {
            let presigned = request.query.split('&').any(|pair| {
                let name = pair.split_once('=').map_or(pair, |(name, _)| name);
                name.eq_ignore_ascii_case("X-Amz-Algorithm")
                    || name.eq_ignore_ascii_case("X-Amz-Signature")
            });
            Err(AuthError::MissingAuthenticationToken {
                detail: if presigned {
                    "Missing Authentication Token: query-string (pre-signed URL) \
                     authentication is not supported; send an 'Authorization: AWS4-HMAC-SHA256 \
                     ...' header."
                        .to_owned()
                } else {
                    "Missing Authentication Token: the request has no Authorization header; \
                     sign it with AWS Signature Version 4 (AWS4-HMAC-SHA256)."
                        .to_owned()
                },
            })
        }
    }
}

fn parse_authorization(value: &[u8]) -> Result<Authorization<'_>, AuthError> {
    let Ok(text) = std::str::from_utf8(value) else {
        return Err(incomplete("The Authorization header is not valid UTF-8."));
    };
    let text = text.trim();
    let scheme = text.split(|c: char| c.is_ascii_whitespace()).next().unwrap_or("");
    if scheme != ALGORITHM {
        return Err(AuthError::MissingAuthenticationToken {
            detail: format!(
                "Missing Authentication Token: the Authorization header uses '{}', but only \
                 {ALGORITHM} (AWS Signature Version 4) is supported.",
                quoted(scheme)
            ),
        });
    }
    let rest = text.get(scheme.len()..).unwrap_or("");
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in rest.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let Some((name, value)) = component.split_once('=') else {
            return Err(incomplete(format!(
                "Authorization header component '{}' is not of the form name=value.",
                quoted(component)
            )));
        };
        let slot = match name.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(value.trim()).is_some() {
            return Err(incomplete(format!(
                "Authorization header has more than one '{}' parameter.",
                name.trim()
            )));
        }
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) => {
            Ok(Authorization { credential, signed_headers, signature })
        }
        (credential, signed_headers, signature) => {
            let mut missing = Vec::new();
            for (name, slot) in [
                ("Credential", credential),
                ("Signature", signature),
                ("SignedHeaders", signed_headers),
            ] {
                if slot.is_none() {
                    missing.push(format!("Authorization header requires '{name}' parameter."));
                }
            }
            Err(incomplete(missing.join(" ")))
        }
    }
}

fn parse_scope(credential: &str) -> Result<Scope<'_>, AuthError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(incomplete(format!(
            "Credential '{}' is malformed: expected \
             'ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request'.",
            quoted(credential)
        )));
    };
    if access_key_id.is_empty() {
        return Err(incomplete("Credential has an empty access key id."));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete(format!(
            "Credential scope date '{}' is malformed: expected YYYYMMDD.",
            quoted(date)
        )));
    }
    let valid_name = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !valid_name(region) {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region, not '{}'.",
            quoted(region)
        )));
    }
    if !valid_name(service) {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid service, not '{}'.",
            quoted(service)
        )));
    }
    if *terminator != TERMINATOR {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
            quoted(terminator)
        )));
    }
    Ok(Scope { access_key_id, date, region, service })
}

/// Splits, lowercases, sorts and deduplicates `SignedHeaders`, and requires `host`.
fn parse_signed_headers(value: &str) -> Result<Vec<String>, AuthError> {
    let mut names = Vec::new();
    for name in value.split(';') {
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(incomplete(format!(
                "SignedHeaders '{}' is malformed: expected header names separated by ';'.",
                quoted(value)
            )));
        }
        names.push(name.to_ascii_lowercase());
    }
    names.sort();
    names.dedup();
    if !names.iter().any(|name| name == "host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(names)
}

/// The RFC 9110 `tchar` set, which header names are made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_signature(value: &str) -> Result<[u8; 32], AuthError> {
    let mut out = [0u8; 32];
    if value.len() != 64 || hex::decode_to_slice(value, &mut out).is_err() {
        return Err(incomplete(format!(
            "Signature '{}' is malformed: expected 64 hexadecimal digits.",
            quoted(value)
        )));
    }
    Ok(out)
}

/// The payload hash line of the canonical request.
fn payload_hash(request: &Request<'_>) -> Result<String, AuthError> {
    let body_hash: [u8; 32] = match request.payload {
        Payload::Bytes(body) => Sha256::digest(body).into(),
        Payload::Sha256(hash) => hash,
    };
    let Some(declared) = single_header(request, "x-amz-content-sha256")? else {
        return Ok(hex::encode(body_hash));
    };
    let declared_text = std::str::from_utf8(declared).unwrap_or("").trim();
    if declared_text == UNSIGNED_PAYLOAD {
        return Ok(hex::encode(body_hash));
    }
    let mut declared_hash = [0u8; 32];
    if declared_text.len() != 64 || hex::decode_to_slice(declared_text, &mut declared_hash).is_err()
    {
        return Err(incomplete(format!(
            "X-Amz-Content-Sha256 '{}' is malformed: expected the hex SHA-256 of the body or \
             '{UNSIGNED_PAYLOAD}'.",
            quoted_bytes(declared)
        )));
    }
    if declared_hash != body_hash {
        return Err(mismatch(format!(
            "The X-Amz-Content-Sha256 header ('{declared_text}') does not match the SHA-256 of \
             the request body ('{}').",
            hex::encode(body_hash)
        )));
    }
    Ok(declared_text.to_owned())
}

fn build_canonical_request(
    request: &Request<'_>,
    signed_headers: &[String],
    payload_hash: &str,
) -> Result<Vec<u8>, AuthError> {
    let mut out = Vec::with_capacity(256 + request.path.len() + request.query.len());
    out.extend(request.method.bytes().map(|b| b.to_ascii_uppercase()));
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(request.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query_string(request.query).as_bytes());
    out.push(b'\n');
    for name in signed_headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut found = false;
        for (_, value) in request.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
            if found {
                out.push(b',');
            }
            found = true;
            push_trimmed(&mut out, value);
        }
        if !found {
            return Err(mismatch(format!(
                "Header '{}' is listed in SignedHeaders but absent from the request.",
                quoted(name)
            )));
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    Ok(out)
}

/// Appends `value` with leading and trailing whitespace removed and inner runs of whitespace
/// collapsed to one space.
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut first = true;
    for word in value.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(word);
    }
}

/// The value of header `name` (lowercase), if present once.
fn single_header<'a>(request: &Request<'a>, name: &str) -> Result<Option<&'a [u8]>, AuthError> {
    let mut values = request.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    let first = values.next().map(|(_, value)| *value);
    if values.next().is_some() {
        return Err(incomplete(format!("The request has more than one '{name}' header.")));
    }
    Ok(first)
}

fn parse_basic_timestamp(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, format).ok().map(PrimitiveDateTime::assume_utc)
}

/// `YYYYMMDDTHHMMSSZ` in UTC.
fn basic_timestamp(time: OffsetDateTime) -> String {
    let t = time.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `YYYYMMDD` in UTC.
fn scope_date(time: OffsetDateTime) -> String {
    let t = time.to_offset(UtcOffset::UTC);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn uri_encode_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Percent-decodes `raw` (leaving malformed escapes as they are) and encodes it again with the
/// RFC 3986 unreserved set.
fn reencode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escape {
            Some((hi, lo)) => {
                decoded.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    let mut out = String::with_capacity(decoded.len() * 3);
    uri_encode_into(&mut out, &decoded);
    out
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// A client-supplied value made safe to quote in a message: control characters escaped, long
/// values cut.
fn quoted(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == QUOTE_LIMIT {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn quoted_bytes(value: &[u8]) -> String {
    quoted(&String::from_utf8_lossy(value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn hmac_matches_the_slice_constructor_for_all_key_lengths() {
        for len in [0, 1, 31, 32, 63, 64, 65, 100, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut reference = HmacSha256::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let reference: [u8; 32] = reference.finalize().into_bytes().into();
            assert_eq!(hmac_sha256(&key, b"message"), reference, "key length {len}");
        }
    }

    #[test]
    fn hmac_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn canonical_uri_normalises_and_encodes_once_more() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//"), "/");
        assert_eq!(canonical_uri("/./"), "/");
        assert_eq!(canonical_uri("/example/.."), "/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(
            canonical_uri("/2013-04-01/hostedzone/Z1/rrset/"),
            "/2013-04-01/hostedzone/Z1/rrset/"
        );
        assert_eq!(canonical_uri("/a/Z1%2Fx%20y"), "/a/Z1%252Fx%2520y");
        assert_eq!(canonical_uri("/a:b@c!"), "/a%3Ab%40c%21");
        assert_eq!(canonical_uri("/\u{1234}"), "/%E1%88%B4");
    }

    #[test]
    fn canonical_query_sorts_and_reencodes() {
        assert_eq!(canonical_query_string(""), "");
        assert_eq!(canonical_query_string("b=2&a=1"), "a=1&b=2");
        assert_eq!(canonical_query_string("a=2&a=1"), "a=1&a=2");
        assert_eq!(canonical_query_string("marker"), "marker=");
        assert_eq!(canonical_query_string("a=x+y"), "a=x%2By");
        assert_eq!(canonical_query_string("a=%2a&b=%zz"), "a=%2A&b=%25zz");
        assert_eq!(canonical_query_string("a-b=1&a=2"), "a=2&a-b=1");
        assert_eq!(canonical_query_string("&&a=1&"), "a=1");
    }

    #[test]
    fn timestamps_format_in_utc() {
        let t = parse_basic_timestamp("20261127T064753Z").unwrap();
        assert_eq!(basic_timestamp(t), "20261127T064753Z");
        assert_eq!(scope_date(t), "20261127");
        assert!(parse_basic_timestamp("2026-11-27T06:47:53Z").is_none());
        assert!(parse_basic_timestamp("20261327T064753Z").is_none());
    }
}
