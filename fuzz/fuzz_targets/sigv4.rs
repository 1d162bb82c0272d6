//! Bytes as an HTTP request authenticated with AWS Signature Version 4, for
//! `api::sigv4::verify`. The input is read as
//!
//! ```text
//! METHOD PATH[?QUERY]\n
//! Name: value\n          (any number of headers, names and values as bytes)
//! \n
//! body
//! ```
//!
//! Checks: nothing panics (verify, the canonical URI and query string); every error has a
//! code, the status 403 and a message; and signing agrees with verifying: the request with its
//! `Authorization` headers removed, signed by `api::sigv4::sign` over all its header names,
//! verifies with the same key at the request's time.
#![no_main]

use api::keys::Secret;
use api::sigv4::{self, Payload, Request, SigningParams};
use libfuzzer_sys::fuzz_target;

const ACCESS_KEY_ID: &str = "AKIDFUZZEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Parsed<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn parse(data: &[u8]) -> Option<Parsed<'_>> {
    let (first, mut rest) = split_line(data);
    let first = std::str::from_utf8(first).ok()?;
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    loop {
        let (line, after) = split_line(rest);
        rest = after;
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = std::str::from_utf8(&line[..colon]).ok()?;
        headers.push((name, &line[colon + 1..]));
    }
    Some(Parsed { method, path, query, headers, body: rest })
}

fn lookup(id: &str) -> Option<Secret> {
    (id == ACCESS_KEY_ID).then(|| Secret::new(SECRET))
}

fn check_error(e: &sigv4::AuthError) {
    assert!(!e.code().is_empty());
    assert_eq!(e.status(), 403);
    assert!(!e.message().is_empty());
}

fuzz_target!(|data: &[u8]| {
    let Some(p) = parse(data) else { return };
    let _ = sigv4::canonical_uri(p.path);
    let _ = sigv4::canonical_query_string(p.query);
    let request = Request {
        method: p.method,
        path: p.path,
        query: p.query,
        headers: &p.headers,
        payload: Payload::Bytes(p.body),
    };
    let now =
        sigv4::request_time(&request).unwrap_or(time::macros::datetime!(2026-11-27 06:47:53 UTC));
    if let Err(e) = sigv4::verify(&request, sigv4::SERVICE_ROUTE53, lookup, now) {
        check_error(&e);
    }

    // Sign the request without its Authorization headers, then verify that.
    let unsigned: Vec<(&str, &[u8])> = p
        .headers
        .iter()
        .copied()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
        .collect();
    let mut names: Vec<String> =
        unsigned.iter().map(|(n, _)| n.trim().to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let secret = Secret::new(SECRET);
    let params = SigningParams {
        access_key_id: ACCESS_KEY_ID,
        secret: &secret,
        region: "us-east-1",
        service: sigv4::SERVICE_ROUTE53,
    };
    let to_sign = Request { headers: &unsigned, ..request };
    let authorization = match sigv4::sign(&to_sign, &names, &params) {
        Ok(a) => a,
        Err(e) => {
            check_error(&e);
            return;
        }
    };
    let mut signed = unsigned.clone();
    signed.push(("Authorization", authorization.as_bytes()));
    let signed_request = Request { headers: &signed, ..request };
    let time = sigv4::request_time(&signed_request).expect("sign found a time");
    match sigv4::verify(&signed_request, sigv4::SERVICE_ROUTE53, lookup, time) {
        Ok(id) => assert_eq!(id, ACCESS_KEY_ID),
        Err(e) => panic!("a request signed by sign() does not verify: {e:?}\n{authorization}"),
    }
});
