//! Entry points for the fuzz targets in `fuzz/` (a cargo-fuzz project outside the workspace).
//! Not part of the API: each runs the request-body handling that needs no store, so that the
//! targets reach the private parsers and checks without copies of them.

/// Every Route 53 XML request body: read, then checked and converted as the operations do.
pub fn xml_bodies(body: &[u8]) {
    crate::route53::check_bodies(body);
}

/// Every JSON API request body: decoded, then checked (explain and coverage included).
pub fn json_bodies(body: &[u8]) {
    crate::json::check_bodies(body);
}
