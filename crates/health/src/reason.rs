//! Every reason string a probe can report, in one place.
//!
//! The wording follows the observations Route 53 shows in `GetHealthCheckStatus` and
//! `GetHealthCheckLastFailureReason`: a `Success: ` or `Failure: ` prefix, then what happened.
//! Details that come from the peer (a TLS alert, a parser error) are appended after a colon and
//! cut to [`MAX_DETAIL`] characters, so a reason is always short.

use std::time::Duration;

/// The longest detail (error text from the peer or a library) kept in a reason, in characters.
pub const MAX_DETAIL: usize = 200;

/// `Success: HTTP Status Code 200, OK`.
pub fn http_status(healthy: bool, code: u16, phrase: Option<&str>) -> String {
    let prefix = if healthy { "Success" } else { "Failure" };
    match phrase {
        Some(p) if !p.is_empty() => format!("{prefix}: HTTP Status Code {code}, {p}"),
        _ => format!("{prefix}: HTTP Status Code {code}"),
    }
}

/// `Success: TCP connection established.`
pub fn tcp_connected() -> String {
    "Success: TCP connection established.".to_owned()
}

/// `Failure: Connection timed out. ...` (no TCP connection within the connect timeout).
pub fn connect_timeout() -> String {
    "Failure: Connection timed out. The endpoint or the internet connection is down, or requests \
     are being blocked by your firewall."
        .to_owned()
}

/// `Failure: Connection refused. ...` (the endpoint answered the SYN with a reset).
pub fn connect_refused() -> String {
    "Failure: Connection refused. The endpoint is not listening on this port, or requests are \
     being blocked by your firewall."
        .to_owned()
}

/// `Failure: Connection failed: <error>` (any other connect error, such as no route to host).
pub fn connect_failed(error: &dyn std::fmt::Display) -> String {
    format!("Failure: Connection failed: {}", detail(error))
}

/// `Failure: DNS resolution failed: <why>` (the FQDN has no usable IPv4 address).
pub fn dns_failed(why: &dyn std::fmt::Display) -> String {
    format!("Failure: DNS resolution failed: {}", detail(why))
}

/// `Failure: Invalid health check configuration: <why>` (the spec cannot be probed).
pub fn invalid_config(why: &str) -> String {
    format!("Failure: Invalid health check configuration: {why}")
}

/// `Failure: TLS handshake failed: <error>`.
pub fn tls_failed(error: &dyn std::fmt::Display) -> String {
    format!("Failure: TLS handshake failed: {}", detail(error))
}

/// `Failure: Timed out waiting for the response. ...` (no status line and headers in time).
pub fn response_timeout(limit: Duration) -> String {
    format!(
        "Failure: Timed out waiting for the response. The endpoint did not send the status line \
         and headers within {} of the connection being established.",
        seconds(limit)
    )
}

/// `Failure: Received invalid response: <why>` (not HTTP, malformed or oversized headers).
pub fn invalid_response(why: &dyn std::fmt::Display) -> String {
    format!("Failure: Received invalid response: {}", detail(why))
}

/// `Failure: Received invalid response: the response headers exceed 16384 bytes.`
pub fn headers_too_large(limit: usize) -> String {
    format!("Failure: Received invalid response: the response headers exceed {limit} bytes.")
}

/// `Failure: The connection was closed before a complete response was received.`
pub fn closed_early() -> String {
    "Failure: The connection was closed before a complete response was received.".to_owned()
}

/// `Failure: Error reading the response: <error>` (a reset or other I/O error).
pub fn read_failed(error: &dyn std::fmt::Display) -> String {
    format!("Failure: Error reading the response: {}", detail(error))
}

/// `Failure: The search string was not found in the first 5120 bytes of the response body.`
pub fn search_not_found(limit: usize) -> String {
    format!(
        "Failure: The search string was not found in the first {limit} bytes of the response body."
    )
}

/// `Failure: Timed out reading the response body. ...` (the search string did not arrive in time).
pub fn body_timeout(limit: Duration) -> String {
    format!(
        "Failure: Timed out reading the response body. The search string was not received within \
         {} of the response headers.",
        seconds(limit)
    )
}

/// `Failure: Could not decode the response body (<encoding>): <error>`.
pub fn decode_failed(encoding: &str, error: &dyn std::fmt::Display) -> String {
    format!("Failure: Could not decode the response body ({encoding}): {}", detail(error))
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        let s = ms / 1000;
        if s == 1 { "1 second".to_owned() } else { format!("{s} seconds") }
    } else {
        format!("{ms} ms")
    }
}

/// Error text, cut to [`MAX_DETAIL`] characters and kept on one line.
fn detail(d: &dyn std::fmt::Display) -> String {
    let text = d.to_string();
    let mut out: String =
        text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_DETAIL).collect();
    if text.chars().count() > MAX_DETAIL {
        out.push('…');
    }
    out
}

/// The target is in a network the operator does not allow checks to reach.
pub fn denied(ip: std::net::IpAddr, net: std::net::IpAddr, prefix: u8) -> String {
    format!(
        "Failure: The endpoint {ip} is in {net}/{prefix}, a network this server is configured not to check (health deny-list)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        assert_eq!(http_status(true, 200, Some("OK")), "Success: HTTP Status Code 200, OK");
        assert_eq!(
            http_status(false, 503, Some("Service Unavailable")),
            "Failure: HTTP Status Code 503, Service Unavailable"
        );
        assert_eq!(http_status(true, 299, None), "Success: HTTP Status Code 299");
        assert!(response_timeout(Duration::from_secs(2)).contains("within 2 seconds"));
        assert!(body_timeout(Duration::from_millis(1500)).contains("within 1500 ms"));
        assert_eq!(
            search_not_found(5120),
            "Failure: The search string was not found in the first 5120 bytes of the response body."
        );
        let long = "x\n".repeat(500);
        let r = invalid_response(&long);
        assert!(!r.contains('\n'));
        assert!(r.chars().count() < 260);
    }
}
