//! The command line next to a running server: `policy explain` and `health list` ask the
//! server for what only it has (its loaded GeoIP data, live health status), and fall back to
//! working alone when it cannot be reached; logs are JSON on request, name who made each
//! change, and never contain a secret. Each test runs its own `flowdns serve` on loopback and
//! stops it on drop.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn geoip() -> String {
    root().join("crates/geo/tests/data/GeoIP2-City-Test.mmdb").display().to_string()
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("flowdns-cli-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CLI on a data directory, with the given extra environment.
fn cli(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flowdns"));
    c.arg("--data-dir").arg(data).args(args);
    for v in [
        "FLOWDNS_GEOIP",
        "FLOWDNS_CONFIG",
        "FLOWDNS_SERVER",
        "FLOWDNS_LOG",
        "FLOWDNS_LOG_FORMAT",
        "FLOWDNS_ACCESS_KEY_ID",
        "FLOWDNS_SECRET_ACCESS_KEY",
    ] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A port for DNS that is free now (the tests here send no DNS queries).
fn free_port() -> u16 {
    for _ in 0..50 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// A running `flowdns serve` logging JSON lines, killed on drop.
struct Server {
    child: Child,
    api: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowdns"))
            .arg("--data-dir")
            .arg(data)
            .args(["--log-format", "json", "serve"])
            .args(["--dns-listen", &format!("127.0.0.1:{}", free_port())])
            .args(["--api-listen", "127.0.0.1:0"])
            .args(extra)
            .env("FLOWDNS_LOG", "info")
            .env_remove("FLOWDNS_GEOIP")
            .env_remove("FLOWDNS_LOG_FORMAT")
            .env_remove("FLOWDNS_ACCESS_KEY_ID")
            .env_remove("FLOWDNS_SECRET_ACCESS_KEY")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let keep = log.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let api = serde_json::from_str::<Value>(&line).ok().and_then(|v| {
                    (v["fields"]["message"] == "serving the API over HTTP")
                        .then(|| v["fields"]["addr"].as_str()?.parse::<SocketAddr>().ok())
                        .flatten()
                });
                keep.lock().unwrap().push(line);
                if let Some(addr) = api {
                    let _ = tx.send(addr);
                }
            }
        });
        let api = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start ({e}): {}", log.lock().unwrap().join("\n"));
            }
        };
        Server { child, api, log }
    }

    fn url(&self) -> String {
        format!("http://{}", self.api)
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- server log ----\n{}", self.log().join("\n"));
        }
    }
}

/// The access key the server created in `data`: (id, secret).
fn created_key(data: &Path) -> (String, String) {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("access-keys.json")).unwrap())
            .unwrap();
    let k = &v["keys"][0];
    (
        k["access_key_id"].as_str().unwrap().to_owned(),
        k["secret_access_key"].as_str().unwrap().to_owned(),
    )
}

/// One JSON API call with a bearer token; the status and the JSON answer.
fn api(server: &Server, token: &str, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut s = TcpStream::connect(server.api).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = if body.is_null() { String::new() } else { body.to_string() };
    write!(
        s,
        "{method} /api/v1/{path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(rest).unwrap_or(Value::Null))
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn explain_uses_the_running_servers_geoip_data() {
    let data = temp_dir("explain");
    let server = Server::start(&data, &["--geoip", &geoip()]);
    let doc = example("geo-latency-failover.json");
    let url = server.url();
    // No --geoip here: the server's data places the London client.
    let args = ["--json", "policy", "explain", &doc, "--client", "81.2.69.142", "--server", &url];
    let o = cli(&data, &args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["location"]["country"], "GB");
    assert_eq!(v["answer"], json!(["video.example.com"]));
    assert_eq!(v["geoip"]["server"], json!(url));
    assert!(text(&o.stderr).contains("GeoIP data of the server"), "{}", text(&o.stderr));

    // The same through FLOWDNS_SERVER, for a stored version, as text.
    let id =
        text(&cli(&data, &["policy", "create", "--name", "v", &doc], &[]).stdout).trim().to_owned();
    let o = cli(
        &data,
        &["policy", "explain", "--policy", &id, "--version", "1", "--client", "216.160.83.56"],
        &[("FLOWDNS_SERVER", &url)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("country US, subdivision WA"), "{}", text(&o.stdout));

    // Without the server's access key, or with no server there: a note, and local data
    // (none here, so the location is unknown and a warning says so).
    let stranger = temp_dir("explain-stranger");
    for (data, server_url) in [(&stranger, url.clone()), (&data, "http://127.0.0.1:9".to_owned())] {
        let o = cli(
            data,
            &[
                "--json",
                "policy",
                "explain",
                &doc,
                "--client",
                "81.2.69.142",
                "--server",
                &server_url,
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("note: "), "{}", text(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["location"]["country"], Value::Null, "{server_url}");
        assert!(v["warnings"].as_array().is_some_and(|w| !w.is_empty()), "{v}");
    }
    // A key that the server does not know is refused by it: also a note and local data.
    let o = cli(
        &stranger,
        &["--json", "policy", "explain", &doc, "--client", "81.2.69.142", "--server", &url],
        &[
            ("FLOWDNS_ACCESS_KEY_ID", "SOMEONEELSE"),
            ("FLOWDNS_SECRET_ACCESS_KEY", "not-the-servers-secret"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("HTTP 403"), "{}", text(&o.stderr));
    // Files on the command line are used as given, without asking the server.
    let o = cli(
        &data,
        &[
            "--json",
            "policy",
            "explain",
            &doc,
            "--client",
            "81.2.69.142",
            "--geoip",
            &geoip(),
            "--server",
            &url,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(!err.contains("GeoIP data of the server") && !err.contains("note:"), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["location"]["country"], "GB");
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&stranger);
}

#[test]
fn health_list_shows_the_live_status_and_last_failure() {
    let data = temp_dir("health");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = format!(
        r#"{{"Type":"TCP","IPAddress":"127.0.0.1","Port":{closed},"RequestInterval":1,"FailureThreshold":1}}"#
    );
    let o = cli(&data, &["health", "create", &config], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let id = text(&o.stdout).trim().to_owned();
    // No server yet: the status is unknown, and says why.
    let o = cli(&data, &["health", "list", "--server", "http://127.0.0.1:9"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("{id}  TCP 127.0.0.1  unknown (server not reachable)")),
        "{}",
        text(&o.stdout)
    );

    let server = Server::start(&data, &[]);
    let url = server.url();
    let mut listed = String::new();
    wait_for("the check to fail", || {
        let o = cli(&data, &["health", "list", "--server", &url], &[]);
        listed = text(&o.stdout);
        listed.contains("  unhealthy  last failure: ")
    });
    assert!(
        listed.starts_with(&format!("{id}  TCP 127.0.0.1  unhealthy  last failure: ")),
        "{listed}"
    );
    let o = cli(&data, &["--json", "health", "list"], &[("FLOWDNS_SERVER", &url)]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["id"], json!(id));
    assert_eq!(v[0]["status"], "unhealthy");
    assert!(v[0]["last_failure"]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn logs_are_json_name_who_changed_what_and_hold_no_secret() {
    let data = temp_dir("logs");
    let server = Server::start(&data, &[]);
    let (key_id, secret) = created_key(&data);
    // The CLI shows the server its bearer token.
    let o = cli(&data, &["--json", "health", "list", "--server", &server.url()], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // A change from the CLI, logged as JSON on its standard error with the OS user.
    let env = [("FLOWDNS_LOG", "info"), ("FLOWDNS_LOG_FORMAT", "json"), ("USER", "alice")];
    let o = cli(&data, &["policy", "create", "--name", "p", &example("minimal.json")], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let policy = text(&o.stdout).trim().to_owned();
    let lines: Vec<Value> = text(&o.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let created: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["fields"]["message"].as_str().is_some_and(|m| m.starts_with("policy created"))
        })
        .collect();
    assert_eq!(created.len(), 1, "{lines:?}");
    assert_eq!(created[0]["fields"]["by"], "cli:alice");
    assert_eq!(created[0]["level"], "INFO");
    assert!(
        created[0]["fields"]["message"].as_str().unwrap().contains(&format!("policy={policy}"))
    );
    // Without FLOWDNS_LOG, the CLI stays quiet.
    let o = cli(&data, &["policy", "update", &policy, &example("minimal.json")], &[]);
    assert!(o.status.success());
    assert_eq!(text(&o.stderr), "");

    // Changes through the API are logged by the server with the caller's access key id.
    let token = bearer(&data);
    let doc = std::fs::read_to_string(example("weighted.json")).unwrap();
    let (status, v) =
        api(&server, &token, "POST", "policies", &json!({"name": "w", "document": doc}));
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(3), "missing health checks: {v}");
    let (status, _) =
        api(&server, &token, "DELETE", &format!("policies/{policy}/versions/2"), &Value::Null);
    assert_eq!(status, 200);
    wait_for("the change lines", || {
        server.log().iter().filter(|l| l.contains("\"flowdns::change\"")).count() >= 2
    });
    for line in server.log() {
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["target"] == "flowdns::change" {
            assert_eq!(v["fields"]["by"], json!(key_id), "{line}");
        }
    }
    let log = server.log().join("\n");
    assert!(log.contains("policy version deleted"), "{log}");
    assert!(log.contains("created an API access key"), "the key's creation is logged: {log}");
    for s in [&secret, &token] {
        assert!(!log.contains(s.as_str()), "a secret is in the server's log: {log}");
        assert!(!text(&o.stderr).contains(s.as_str()));
    }
    let _ = std::fs::remove_dir_all(&data);
}

/// The bearer token of the data directory's key.
fn bearer(data: &Path) -> String {
    let (id, secret) = created_key(data);
    let pair = api::keys::KeyPair {
        access_key_id: id,
        secret: api::keys::Secret::new(secret),
        created: None,
    };
    api::keys::bearer_token(&pair)
}

/// Started from a terminal, the first start names the created key and its file, and never
/// shows the secret: a terminal's output may be recorded too.
#[cfg(target_os = "linux")]
#[test]
fn the_created_key_is_named_on_a_terminal_but_its_secret_is_not_shown() {
    let data = temp_dir("terminal");
    // The API port is taken, so the server stops by itself right after creating the key.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let command = format!(
        "exec '{}' --data-dir '{}' serve --dns-listen 127.0.0.1:{} --api-listen {}",
        env!("CARGO_BIN_EXE_flowdns"),
        data.display(),
        free_port(),
        taken.local_addr().unwrap()
    );
    // `script` runs the command with a pseudo-terminal as its standard error.
    let o = Command::new("timeout")
        .args(["60", "script", "-qec", &command, "/dev/null"])
        .env_remove("FLOWDNS_LOG")
        .env_remove("FLOWDNS_LOG_FORMAT")
        .env_remove("FLOWDNS_CONFIG")
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_ACCESS_KEY_ID")
        .env_remove("FLOWDNS_SECRET_ACCESS_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs a command on a pseudo-terminal");
    let shown = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert_ne!(o.status.code(), Some(124), "the server did not stop: {shown}");
    let (key_id, secret) = created_key(&data);
    let file = data.join("access-keys.json");
    assert!(shown.contains("created an API access key"), "{shown}");
    assert!(!shown.contains(&secret), "the secret is shown on the terminal: {shown}");
    assert!(shown.contains(&key_id), "the key id is shown: {shown}");
    assert!(shown.contains(&format!("cat {}", file.display())), "how to see it: {shown}");
    drop(taken);
    let _ = std::fs::remove_dir_all(&data);
}

/// A data directory open to other users gets one warning at start, naming it, its mode and
/// the fix; a private one gets none.
#[cfg(unix)]
#[test]
fn a_data_directory_open_to_others_is_warned_about_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let data = temp_dir("dir-mode");
    let warnings = |server: &Server| -> Vec<Value> {
        server
            .log()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["fields"]["message"].as_str().is_some_and(|m| m.contains("chmod 700")))
            .collect()
    };

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start(&data, &[]);
    let found = warnings(&server);
    assert_eq!(found.len(), 1, "{:?}", server.log());
    assert_eq!(found[0]["level"], "WARN");
    let message = found[0]["fields"]["message"].as_str().unwrap();
    assert!(message.contains(&data.display().to_string()), "{message}");
    assert!(message.contains("0755"), "{message}");
    drop(server);

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let server = Server::start(&data, &[]);
    assert_eq!(warnings(&server), Vec::<Value>::new());
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
