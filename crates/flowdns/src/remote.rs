//! Asking a running server: commands that need what only the server has (its loaded GeoIP
//! data, the live status of health checks) call its JSON API when one answers, authenticated
//! with a bearer token derived from the data directory's access key (or the key in
//! `FLOWDNS_ACCESS_KEY_ID` and `FLOWDNS_SECRET_ACCESS_KEY`). Plain HTTP/1.1, one request per
//! connection; when no server answers, the caller falls back to working on its own and says
//! why.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// Where the CLI looks for a running server when `--server` and `FLOWDNS_SERVER` are not
/// given: the default `--api-listen` address of `flowdns serve`.
pub(crate) const DEFAULT_SERVER: &str = "http://127.0.0.1:8053";

/// How long to wait for a server to accept a connection: it runs nearby or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long to wait for an answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A server that can be asked: its address and the bearer token to show it.
pub(crate) struct Server {
    /// The URL as given, for messages.
    pub(crate) url: String,
    host: String,
    addr: SocketAddr,
    token: String,
}

/// Finds the server at `url` and the access key to use with it; the error says why it cannot
/// be asked (for the note the caller prints before working without it).
pub(crate) fn find(url: &str, data_dir: &Path) -> Result<Server, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("the server URL {url:?} must start with http://"))?;
    let host = rest.split('/').next().unwrap_or_default().to_owned();
    let with_port = if host.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        host.clone()
    } else {
        format!("{host}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("the server address in {url:?} does not resolve"))?;
    let token = token(data_dir)?;
    Ok(Server { url: url.trim_end_matches('/').to_owned(), host, addr, token })
}

/// The bearer token of the first access key: from the environment, or from the keys file
/// of the data directory (never created here).
fn token(data_dir: &Path) -> Result<String, String> {
    let from_env = [api::keys::ENV_ACCESS_KEY_ID, api::keys::ENV_SECRET_ACCESS_KEY]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()));
    let file = data_dir.join(api::keys::KEYS_FILE);
    if !from_env && !file.exists() {
        return Err(format!("no access key to show a server ({} does not exist)", file.display()));
    }
    let (keys, _) = api::keys::load_or_create(data_dir, |k| std::env::var(k).ok())
        .map_err(|e| format!("cannot read the access key: {e}"))?;
    keys.pairs()
        .first()
        .map(api::keys::bearer_token)
        .ok_or_else(|| "no access key to show a server".to_owned())
}

impl Server {
    /// Calls the JSON API: `path` is below `/api/v1/`. Answers the JSON of a 2xx response;
    /// anything else is an error saying what happened.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let unreachable = |e: std::io::Error| format!("no server answered at {} ({e})", self.url);
        let mut stream =
            TcpStream::connect_timeout(&self.addr, CONNECT_TIMEOUT).map_err(unreachable)?;
        stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(unreachable)?;
        stream.set_write_timeout(Some(ANSWER_TIMEOUT)).map_err(unreachable)?;
        let payload = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} /api/v1/{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Accept: application/json\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            self.host,
            self.token,
            payload.len()
        );
        stream.write_all(request.as_bytes()).map_err(unreachable)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(unreachable)?;
        let (status, body) = parse_response(&raw)
            .ok_or_else(|| format!("the server at {} gave an answer that is not HTTP", self.url))?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            let message = json
                .as_ref()
                .and_then(|v| v.get("message").or_else(|| v.pointer("/error/message")))
                .and_then(Value::as_str)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return Err(format!("the server at {} answered HTTP {status}{message}", self.url));
        }
        json.ok_or_else(|| {
            format!("the server at {} answered something that is not JSON", self.url)
        })
    }
}

/// The status and body of an HTTP/1.1 response (body with `Content-Length`, chunked, or up
/// to the end of the connection).
fn parse_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        }
    }
    if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size_text = std::str::from_utf8(&rest[..end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[end + 2..];
            if size == 0 {
                return Some((status, out));
            }
            out.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
    }
    let body = match length {
        Some(n) => body.get(..n)?.to_vec(),
        None => body.to_vec(),
    };
    Some((status, body))
}

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn responses_with_length_chunks_or_neither() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}xx").unwrap();
        assert_eq!(r, (200, b"{}".to_vec()));
        let r = parse_response(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r, (201, b"{\"a\":1}".to_vec()));
        let r = parse_response(b"HTTP/1.1 401 Unauthorized\r\n\r\nno").unwrap();
        assert_eq!(r, (401, b"no".to_vec()));
        assert!(parse_response(b"garbage").is_none());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{}").is_none());
    }
}
