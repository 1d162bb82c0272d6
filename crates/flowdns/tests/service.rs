//! Running `flowdns serve` as a service: the `/readyz` probe against a real store, and the
//! readiness protocol of systemd (`$NOTIFY_SOCKET`) received on a socket the test binds.
//! Each test has its own data directory and server on loopback, and stops it.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

mod common;
use common::dns_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ZONE: &str = "\
$ORIGIN example.com.
$TTL 300
@    3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 60
@         IN NS  ns1.example.com.
ns1       IN A   192.0.2.53
www       IN A   192.0.2.80
";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowdns-service-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cli_ok(data: &Path, args: &[&str]) -> String {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_CONFIG")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "flowdns {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

fn import_zone(data: &Path, name: &str, origin: &str) {
    let file = data.join(name);
    std::fs::write(&file, ZONE.replace("example.com.", origin)).unwrap();
    cli_ok(data, &["zone", "import", file.to_str().unwrap()]);
}

/// Changes the store with SQL the server does not expect (as a broken disk or an operator
/// would).
fn sql_behind_the_back(data: &Path, sql: &str) {
    let o = Command::new("python3")
        .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.close()"])
        .arg(data.join("flowdns.db"))
        .arg(sql)
        .output()
        .expect("python3 is installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A running `flowdns serve`, killed on drop.
struct Server {
    child: Child,
    dns: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(data: &Path, env: &[(&str, &Path)]) -> Server {
        let dns = SocketAddr::from(([127, 0, 0, 1], dns_port()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_flowdns"));
        command
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--dns-listen", &dns.to_string(), "--api-listen", "127.0.0.1:0"])
            .env("FLOWDNS_LOG", "info")
            .env_remove("FLOWDNS_GEOIP")
            .env_remove("FLOWDNS_CONFIG")
            .env_remove("NOTIFY_SOCKET")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("FLOWDNS_TEST_LOG").is_some() {
                    eprintln!("server: {line}");
                }
                keep.lock().unwrap().push(line);
            }
        });
        Server { child, dns, log }
    }

    /// The API's address, from the log (waits for the server to listen).
    fn api_addr(&mut self) -> SocketAddr {
        let start = Instant::now();
        loop {
            let found = self
                .log
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains("serving the API over HTTP"))
                .and_then(|l| l.split("addr=").nth(1))
                .and_then(|a| a.split_whitespace().next())
                .and_then(|a| a.parse().ok());
            if let Some(addr) = found {
                return addr;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}): {}", self.log.lock().unwrap().join("\n"));
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// GET without authentication: (status, body).
    fn get(&mut self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.api_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap();
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    fn readyz(&mut self) -> (u16, serde_json::Value) {
        let (status, body) = self.get("/readyz");
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("/readyz body is not JSON ({e}): {body:?}"));
        (status, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            for line in self.log.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                eprintln!("server: {line}");
            }
        }
    }
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn dig_a(server: &SocketAddr, name: &str) -> Vec<String> {
    let o = Command::new("dig")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), "+norec", "+time=2", "+tries=1", "+short"])
        .args([name, "A"])
        .output()
        .expect("dig is installed (bind9-dnsutils)");
    String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn readyz_follows_the_store_and_the_snapshot() {
    let data = temp_dir("readyz");
    import_zone(&data, "a.zone", "example.com.");
    let mut s = Server::start(&data, &[]);

    // Current: the snapshot is at the store's serial.
    let (status, body) = s.readyz();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    let serial = body["store_serial"].as_i64().unwrap();
    assert!(serial > 0, "{body}");
    assert_eq!(body["snapshot_serial"], serial);
    assert_eq!(s.get("/healthz"), (200, "ok\n".to_owned()));

    // A change is picked up, and readiness reports the new serial.
    import_zone(&data, "b.zone", "example.org.");
    wait_for("the new serial", || {
        let (status, body) = s.readyz();
        (status == 200 && body["snapshot_serial"] == serial + 1).then_some(())
    });

    // The store moves on without a change the server can apply: the snapshot stays behind.
    // Ready while it may still be catching up, not ready once it has lagged for 5 s.
    sql_behind_the_back(&data, "UPDATE meta SET value = value + 1 WHERE key = 'serial';");
    let noticed = Instant::now();
    let (status, body) = s.readyz();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["store_serial"].as_i64(), body["snapshot_serial"].as_i64()),
        (Some(serial + 2), Some(serial + 1))
    );
    let body = wait_for("not ready", || {
        let (status, body) = s.readyz();
        (status == 503).then_some(body)
    });
    assert!(noticed.elapsed() >= Duration::from_secs(5), "not ready after {:?}", noticed.elapsed());
    assert_eq!(body["ready"], false);
    assert_eq!(body["store_serial"], serial + 2);
    assert_eq!(body["snapshot_serial"], serial + 1);
    let reason = body["reason"].as_str().unwrap();
    assert!(reason.contains("has not caught up"), "{reason}");
    // Liveness is another matter: the process still serves.
    assert_eq!(s.get("/healthz").0, 200);
    assert_eq!(dig_a(&s.dns, "www.example.org"), ["192.0.2.80"]);

    // The next real change is applied, and the server is ready again.
    import_zone(&data, "c.zone", "example.net.");
    let body = wait_for("ready again", || {
        let (status, body) = s.readyz();
        (status == 200).then_some(body)
    });
    assert_eq!(body["snapshot_serial"], serial + 3);
    assert_eq!(body["store_serial"], serial + 3);

    // The store stops answering: not ready, saying so.
    sql_behind_the_back(&data, "ALTER TABLE meta RENAME TO meta_away;");
    let (status, body) = s.readyz();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["store_serial"], serde_json::Value::Null);
    let reason = body["reason"].as_str().unwrap();
    assert!(reason.starts_with("the store does not answer"), "{reason}");
    assert_eq!(s.get("/healthz").0, 200);
    sql_behind_the_back(&data, "ALTER TABLE meta_away RENAME TO meta;");
    assert_eq!(s.readyz().0, 200);
    let _ = std::fs::remove_dir_all(&data);
}

/// Receives datagrams until one has `line`, returning it.
fn receive_until(socket: &UnixDatagram, line: &str, got: &mut Vec<String>) -> String {
    let start = Instant::now();
    let mut buf = vec![0u8; 4096];
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no {line} within 30 s; received: {got:?}"
        );
        match socket.recv(&mut buf) {
            Ok(n) => {
                let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                got.push(msg.clone());
                if msg.lines().any(|l| l == line) {
                    return msg;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("recv: {e}"),
        }
    }
}

#[test]
fn systemd_is_told_when_the_server_is_ready_and_when_it_stops() {
    let data = temp_dir("notify");
    import_zone(&data, "a.zone", "example.com.");
    let path = data.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut s = Server::start(&data, &[("NOTIFY_SOCKET", &path)]);

    let mut got = Vec::new();
    let ready = receive_until(&socket, "READY=1", &mut got);
    // Nothing said ready before: a status line while starting, then READY=1 with where it
    // listens.
    assert!(got[..got.len() - 1].iter().all(|m| !m.contains("READY=1")), "{got:?}");
    assert!(got[0].starts_with("STATUS=starting"), "{got:?}");
    let status = ready.lines().find_map(|l| l.strip_prefix("STATUS=")).unwrap_or_default();
    assert!(status.contains(&format!("answering DNS on {}", s.dns)), "{ready:?}");
    // Once READY=1 has been sent, the listeners are bound and the first snapshot is loaded:
    // DNS answers and the API is ready, with no waiting.
    assert_eq!(dig_a(&s.dns, "www.example.com"), ["192.0.2.80"]);
    let api = s.api_addr();
    assert!(status.contains(&format!("API on {api}")), "{ready:?}");
    assert_eq!(s.readyz().0, 200);

    // SIGTERM: STOPPING=1, then a clean exit.
    let term = Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    receive_until(&socket, "STOPPING=1", &mut got);
    let start = Instant::now();
    let exit = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit}");
    drop(s);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn an_unreachable_notify_socket_is_a_warning_not_a_failure() {
    // NOTIFY_SOCKET naming a socket nobody listens on: a warning, and the server runs.
    let data = temp_dir("nolistener");
    import_zone(&data, "a.zone", "example.com.");
    let missing = data.join("nobody.sock");
    let mut s = Server::start(&data, &[("NOTIFY_SOCKET", &missing)]);
    wait_for("ready", || (s.readyz().0 == 200).then_some(()));
    assert_eq!(dig_a(&s.dns, "www.example.com"), ["192.0.2.80"]);
    let warned = s
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("cannot notify the service manager"))
        .count();
    assert_eq!(warned, 1, "warned once");
    let _ = std::fs::remove_dir_all(&data);
}
