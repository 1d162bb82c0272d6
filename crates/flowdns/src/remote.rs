//! Asking a running server: commands that need what only the server has (its loaded GeoIP
//! data, the live status of health checks) call its JSON API when one answers, authenticated
//! with a bearer token derived from the data directory's access key (or the key in
//! `FLOWDNS_ACCESS_KEY_ID` and `FLOWDNS_SECRET_ACCESS_KEY`). HTTP/1.1 through hyper, one
//! request per connection; when no server answers, the caller falls back to working on its own and says
//! why.
//!
//! Over TLS when the URL is `https://`, or when it is the default and `api.tls_cert` is
//! configured; the server is trusted when it shows a certificate of that file (see
//! `api_tls.rs` for why).

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

/// Where the CLI looks for a running server when `--server` and `FLOWDNS_SERVER` are not
/// given: the default `--api-listen` address of `flowdns serve`.
pub(crate) const DEFAULT_SERVER: &str = "http://127.0.0.1:8053";

/// How long to wait for a server to accept a connection: it runs nearby or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long to wait for an answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The API's certificate file (`api.tls_cert`), set once at start when configured.
static API_CERT: OnceLock<PathBuf> = OnceLock::new();

/// Servers are asked over TLS, trusting the certificates in `cert` (the API's own).
pub(crate) fn trust_api_certificate(cert: &Path) {
    let _ = API_CERT.set(cert.to_path_buf());
}

/// A server that can be asked: its address and the bearer token to show it.
pub(crate) struct Server {
    /// The URL as given, for messages.
    pub(crate) url: String,
    host: String,
    addr: SocketAddr,
    token: String,
    /// TLS: the configuration and the name to ask for.
    tls: Option<(Arc<rustls::ClientConfig>, rustls::pki_types::ServerName<'static>)>,
}

/// Finds the server at `url` and the access key to use with it; the error says why it cannot
/// be asked (for the note the caller prints before working without it).
pub(crate) fn find(url: &str, data_dir: &Path) -> Result<Server, String> {
    // The default address speaks only TLS when the API's certificate is configured.
    let url = match API_CERT.get() {
        Some(_) if url == DEFAULT_SERVER => DEFAULT_SERVER.replacen("http://", "https://", 1),
        _ => url.to_owned(),
    };
    let url = url.as_str();
    let (rest, tls, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (rest, false, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, true, 443)
    } else {
        return Err(format!("the server URL {url:?} must start with http:// or https://"));
    };
    let host = rest.split('/').next().unwrap_or_default().to_owned();
    let with_port = if host.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        host.clone()
    } else {
        format!("{host}:{default_port}")
    };
    let addr = with_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("the server address in {url:?} does not resolve"))?;
    let token = token(data_dir)?;
    let tls = if tls {
        let cert = API_CERT.get().ok_or_else(|| {
            format!(
                "cannot verify the server at {url}: set api.tls_cert (or FLOWDNS_API_TLS_CERT) \
                 to the server's certificate file"
            )
        })?;
        let config = crate::api_tls::client_config(cert).map_err(|e| format!("{e:#}"))?;
        let name = match with_port.rsplit_once(':') {
            Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']').to_owned(),
            None => with_port.clone(),
        };
        let name = rustls::pki_types::ServerName::try_from(name)
            .map_err(|e| format!("the server name in {url:?}: {e}"))?;
        Some((Arc::new(config), name))
    } else {
        None
    };
    Ok(Server { url: url.trim_end_matches('/').to_owned(), host, addr, token, tls })
}

/// One request on a fresh connection: the status and the body.
async fn exchange<IO>(
    io: IO,
    request: hyper::Request<http_body_util::Full<hyper::body::Bytes>>,
) -> Result<(u16, hyper::body::Bytes), String>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    driver.abort();
    Ok((status, bytes))
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
    /// anything else is an error saying what happened. HTTP/1.1 through hyper, one request per
    /// connection.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let unreachable =
            |e: &dyn std::fmt::Display| format!("no server answered at {} ({e})", self.url);
        let asked = async {
            let tcp =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(self.addr))
                    .await
                    .map_err(|e| unreachable(&e))?
                    .map_err(|e| unreachable(&e))?;
            let payload = body.map(Value::to_string).unwrap_or_default();
            let request = hyper::Request::builder()
                .method(method)
                .uri(format!("/api/v1/{path}"))
                .header(hyper::header::HOST, &self.host)
                .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.token))
                .header(hyper::header::ACCEPT, "application/json")
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(http_body_util::Full::new(hyper::body::Bytes::from(payload)))
                .map_err(|e| format!("cannot ask the server at {}: {e}", self.url))?;
            match &self.tls {
                None => exchange(tcp, request).await,
                Some((config, name)) => {
                    let tls = tokio_rustls::TlsConnector::from(config.clone())
                        .connect(name.clone(), tcp)
                        .await
                        .map_err(|e| unreachable(&format!("TLS: {e}")))?;
                    exchange(tls, request).await
                }
            }
            .map_err(|e| unreachable(&e))
        };
        let (status, bytes) =
            tokio::time::timeout(ANSWER_TIMEOUT, asked).await.map_err(|_| {
                format!("the server at {} did not answer in {ANSWER_TIMEOUT:?}", self.url)
            })??;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
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
