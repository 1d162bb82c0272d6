//! End-to-end tests of `flowdns serve`: the real binary on a free loopback port, its store
//! managed with the real CLI, and queries from real DNS clients (`dig`, `kdig`) and from raw
//! sockets. Each test has its own data directory and server, and stops its server on drop.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

mod common;
use common::dns_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn geoip() -> String {
    root().join("crates/geo/tests/data/GeoIP2-City-Test.mmdb").display().to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowdns-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ZONE: &str = "\
$ORIGIN example.com.
$TTL 300
@       3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112701 7200 3600 1209600 60
@            IN NS  ns1.example.com.
@            IN NS  ns2.example.com.
ns1          IN A   192.0.2.53
ns2          IN A   192.0.2.54
www          IN A   192.0.2.80
www          IN AAAA 2001:db8::80
alias        IN CNAME www
chain        IN CNAME alias
outside      IN CNAME www.example.net.
@            IN MX  10 mail.example.com.
mail         IN A   192.0.2.25
*.wild       IN A   192.0.2.99
deep.ent.sub IN A   192.0.2.7
child        IN NS  ns.child.example.com.
ns.child     IN A   192.0.2.200
big          IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"
big          IN TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"
big          IN TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"
big          IN TXT \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"
big          IN TXT \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"
big          IN TXT \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"
";

/// Geolocation: GB clients get .1, US clients .2, everyone else .3.
const GEO_POLICY: &str = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"geo",
 "Endpoints":{"gb":{"Type":"value","Value":"198.51.100.1"},"us":{"Type":"value","Value":"198.51.100.2"},
              "other":{"Type":"value","Value":"198.51.100.3"}},
 "Rules":{"geo":{"RuleType":"geo","Locations":[
   {"EndpointReference":"gb","Country":"GB"},{"EndpointReference":"us","Country":"US"},
   {"EndpointReference":"other","IsDefault":true}]}}}"#;

fn single_value_policy(ip: &str) -> String {
    format!(
        r#"{{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e",
            "Endpoints":{{"e":{{"Type":"value","Value":"{ip}"}}}}}}"#
    )
}

/// Runs the CLI against a data directory.
fn cli(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_CONFIG")
        .output()
        .unwrap()
}

fn cli_ok(data: &Path, args: &[&str]) -> String {
    let o = cli(data, args);
    assert!(
        o.status.success(),
        "flowdns {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A running `flowdns serve`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Every line the server has logged so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _log: std::thread::JoinHandle<()>,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(data, extra, &[])
    }

    fn start_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowdns"))
            .envs(env.iter().copied())
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--dns-listen", &format!("127.0.0.1:{}", dns_port())])
            .args(["--api-listen", "127.0.0.1:0"])
            .args(extra)
            .env("FLOWDNS_LOG", "info")
            .env_remove("FLOWDNS_GEOIP")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = lines.clone();
        let log = std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                keep.lock().unwrap().push(line.clone());
                if let Some(addr) =
                    line.split("addr=").nth(1).filter(|_| line.contains("serving DNS"))
                {
                    let addr: SocketAddr = addr.split_whitespace().next().unwrap().parse().unwrap();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                if std::env::var_os("FLOWDNS_TEST_LOG").is_some() {
                    eprintln!("server: {line}");
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => addr,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                // The log thread ends with the child's stderr.
                let _ = log.join();
                panic!(
                    "server did not start listening ({e}); its log:\n{}",
                    lines.lock().unwrap().join("\n")
                );
            }
        };
        Server { child, addr, log: lines, _log: log }
    }

    /// The API's address, from the log.
    fn api_addr(&self) -> SocketAddr {
        let log = self.log.lock().unwrap();
        let line = log.iter().find(|l| l.contains("serving the API over HTTP")).unwrap();
        line.split("addr=").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap()
    }

    /// GET on the API without authentication (health and metrics endpoints).
    fn http_get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(self.api_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    }

    fn logged(&self, needle: &str) -> usize {
        self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what the server said (the harness prints a failed test's
        // output); FLOWDNS_TEST_LOG=1 shows it as it happens instead.
        if std::thread::panicking() && std::env::var_os("FLOWDNS_TEST_LOG").is_none() {
            let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("---- server log ({} lines) ----", log.len());
            for line in log.iter() {
                eprintln!("server: {line}");
            }
        }
    }
}

/// One dig answer, parsed.
#[derive(Debug)]
struct Dig {
    status: String,
    flags: Vec<String>,
    answer: Vec<String>,
    authority: Vec<String>,
    additional: Vec<String>,
    text: String,
}

impl Dig {
    fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }
    /// The RDATA of each answer record of this type.
    fn values(&self, rtype: &str) -> Vec<String> {
        self.answer
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() >= 5 && f[3] == rtype).then(|| f[4..].join(" "))
            })
            .collect()
    }
}

fn dig(server: &Server, args: &[&str]) -> Dig {
    let o = Command::new("dig")
        .arg(format!("@{}", server.addr.ip()))
        .args(["-p", &server.addr.port().to_string(), "+norec", "+time=2", "+tries=1"])
        .args(args)
        .output()
        .expect("dig is installed (bind9-dnsutils)");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut d = Dig {
        status: String::new(),
        flags: vec![],
        answer: vec![],
        authority: vec![],
        additional: vec![],
        text: text.clone(),
    };
    let mut section = "";
    for line in text.lines() {
        if let Some(rest) = line.split("status: ").nth(1) {
            d.status = rest.split(',').next().unwrap_or("").to_owned();
        }
        if let Some(rest) = line.strip_prefix(";; flags: ") {
            d.flags = rest
                .split(';')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
        }
        if line.starts_with(";; ANSWER SECTION") {
            section = "answer";
        } else if line.starts_with(";; AUTHORITY SECTION") {
            section = "authority";
        } else if line.starts_with(";; ADDITIONAL SECTION") {
            section = "additional";
        } else if line.trim().is_empty() || line.starts_with(";;") {
            if line.trim().is_empty() {
                section = "";
            }
        } else if !line.starts_with(';') {
            match section {
                "answer" => d.answer.push(line.to_owned()),
                "authority" => d.authority.push(line.to_owned()),
                "additional" => d.additional.push(line.to_owned()),
                _ => {}
            }
        }
    }
    d
}

/// Sets up a data directory with the example zone and a geo policy record at geo.example.com.
fn setup(name: &str) -> (PathBuf, String, String) {
    let data = temp_dir(name);
    let zone = write(&data, "example.com.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let doc = write(&data, "geo.json", GEO_POLICY);
    let policy = cli_ok(&data, &["policy", "create", "--name", "geo", &doc]);
    let record = cli_ok(
        &data,
        &[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            "geo",
            "--policy",
            &policy,
            "--version",
            "1",
            "--ttl",
            "60",
        ],
    );
    (data, policy, record)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn authoritative_answers() {
    let (data, _, _) = setup("auth");
    let s = Server::start(&data, &[]);

    let d = dig(&s, &["www.example.com", "A"]);
    assert_eq!(d.status, "NOERROR", "{}", d.text);
    assert!(d.has_flag("aa") && !d.has_flag("ra"), "{}", d.text);
    assert_eq!(d.values("A"), ["192.0.2.80"]);

    // SOA and NS at the apex.
    assert_eq!(dig(&s, &["example.com", "SOA"]).values("SOA").len(), 1);
    let ns = dig(&s, &["example.com", "NS"]).values("NS");
    assert_eq!(ns.len(), 2, "{ns:?}");

    // NXDOMAIN and NODATA, each with the SOA and its negative TTL (min(SOA TTL, minimum) = 60).
    let d = dig(&s, &["nope.example.com", "A"]);
    assert_eq!(d.status, "NXDOMAIN", "{}", d.text);
    assert!(d.has_flag("aa"));
    assert!(
        d.authority.iter().any(|l| l.contains("SOA") && l.split_whitespace().nth(1) == Some("60")),
        "{}",
        d.text
    );
    let d = dig(&s, &["www.example.com", "MX"]);
    assert_eq!(d.status, "NOERROR");
    assert!(d.answer.is_empty() && d.authority.iter().any(|l| l.contains("SOA")), "{}", d.text);
    // An empty non-terminal is NODATA, not NXDOMAIN.
    assert_eq!(dig(&s, &["ent.sub.example.com", "A"]).status, "NOERROR");

    // CNAME chased within the zone, and left to the resolver outside it.
    let d = dig(&s, &["chain.example.com", "A"]);
    assert_eq!(d.values("CNAME"), ["alias.example.com.", "www.example.com."], "{}", d.text);
    assert_eq!(d.values("A"), ["192.0.2.80"]);
    let d = dig(&s, &["outside.example.com", "A"]);
    assert_eq!(d.values("CNAME"), ["www.example.net."]);
    assert!(d.values("A").is_empty());

    // Wildcards (RFC 4592): synthesised for names that do not exist.
    let d = dig(&s, &["anything.wild.example.com", "A"]);
    assert_eq!(d.values("A"), ["192.0.2.99"], "{}", d.text);
    assert!(d.answer[0].starts_with("anything.wild.example.com."), "{}", d.text);

    // Delegation: a referral with glue, without AA.
    let d = dig(&s, &["host.child.example.com", "A"]);
    assert_eq!(d.status, "NOERROR", "{}", d.text);
    assert!(!d.has_flag("aa"), "{}", d.text);
    assert!(d.answer.is_empty());
    assert!(
        d.authority.iter().any(|l| l.contains("NS") && l.contains("ns.child.example.com.")),
        "{}",
        d.text
    );
    assert!(d.additional.iter().any(|l| l.contains("192.0.2.200")), "{}", d.text);

    // Outside every zone: REFUSED, never recursion.
    let d = dig(&s, &["www.example.org", "A"]);
    assert_eq!(d.status, "REFUSED", "{}", d.text);

    // The question's case is preserved.
    let d = dig(&s, &["WwW.ExAmPlE.CoM", "A"]);
    assert!(d.text.contains("WwW.ExAmPlE.CoM."), "{}", d.text);
    assert_eq!(d.values("A"), ["192.0.2.80"]);

    // ANY gets a minimal answer (RFC 8482): one RRset.
    let d = dig(&s, &["www.example.com", "ANY"]);
    assert_eq!(d.status, "NOERROR");
    assert!(!d.answer.is_empty() && d.answer.len() <= 2, "{}", d.text);
}

#[test]
fn edns_truncation_and_tcp() {
    let (data, _, _) = setup("edns");
    let s = Server::start(&data, &[]);

    // EDNS: the OPT record comes back; version 1 gets BADVERS.
    let d = dig(&s, &["www.example.com", "A", "+edns=0"]);
    assert!(d.text.contains("OPT PSEUDOSECTION"), "{}", d.text);
    let d = dig(&s, &["www.example.com", "A", "+edns=1", "+noednsneg"]);
    assert_eq!(d.status, "BADVERS", "{}", d.text);

    // Without EDNS a 600-byte answer does not fit 512 bytes: TC set.
    let d = dig(&s, &["big.example.com", "TXT", "+noedns", "+ignore"]);
    assert!(d.has_flag("tc"), "{}", d.text);
    // Over TCP (and with EDNS) it arrives whole.
    let d = dig(&s, &["big.example.com", "TXT", "+tcp"]);
    assert_eq!(d.values("TXT").len(), 6, "{}", d.text);
    let d = dig(&s, &["big.example.com", "TXT", "+bufsize=1232"]);
    assert_eq!(d.values("TXT").len(), 6, "{}", d.text);
    let k = Command::new("kdig")
        .args([
            &format!("@{}", s.addr.ip()),
            "-p",
            &s.addr.port().to_string(),
            "+tcp",
            "big.example.com",
            "TXT",
        ])
        .output()
        .expect("kdig is installed (knot-dnsutils)");
    assert_eq!(
        String::from_utf8_lossy(&k.stdout).matches("\tTXT\t").count(),
        6,
        "{}",
        String::from_utf8_lossy(&k.stdout)
    );

    // Unsupported opcodes: NOTIMP.
    let d = dig(&s, &["www.example.com", "A", "+opcode=2"]);
    assert_eq!(d.status, "NOTIMP", "{}", d.text);
}

#[test]
fn policy_records_answer_by_client_subnet() {
    let (data, _, _) = setup("ecs");
    let s = Server::start(&data, &["--geoip", &geoip()]);

    // MaxMind's test database holds 81.2.69.142/31 (London) and 216.160.83.56/29 (Milton, WA).
    let d = dig(&s, &["geo.example.com", "A", "+subnet=81.2.69.142/32"]);
    assert_eq!(d.values("A"), ["198.51.100.1"], "{}", d.text);
    assert!(d.has_flag("aa"));
    // The ECS option is echoed with the scope the answer depends on: the database's network.
    let ecs = d
        .text
        .lines()
        .find(|l| l.contains("CLIENT-SUBNET"))
        .unwrap_or_else(|| panic!("{}", d.text))
        .to_owned();
    assert!(ecs.ends_with("81.2.69.142/32/31"), "{ecs}");

    let d = dig(&s, &["geo.example.com", "A", "+subnet=216.160.83.56/29"]);
    assert_eq!(d.values("A"), ["198.51.100.2"], "{}", d.text);
    // Only the first 24 bits of an address are known: the address 81.2.69.0 is not in the
    // database, so the default answers.
    let d = dig(&s, &["geo.example.com", "A", "+subnet=81.2.69.142/24"]);
    assert_eq!(d.values("A"), ["198.51.100.3"], "{}", d.text);
    // A static name does not depend on the client: scope 0.
    let d = dig(&s, &["www.example.com", "A", "+subnet=81.2.69.142/32"]);
    assert!(d.text.contains("CLIENT-SUBNET: 81.2.69.142/32/0"), "{}", d.text);

    // No ECS: located by the source address (loopback: unknown), so the default answers.
    let d = dig(&s, &["geo.example.com", "A"]);
    assert_eq!(d.values("A"), ["198.51.100.3"], "{}", d.text);
    // Source prefix 0 carries no address: the default, with scope 0.
    let d = dig(&s, &["geo.example.com", "A", "+subnet=0.0.0.0/0"]);
    assert_eq!(d.values("A"), ["198.51.100.3"], "{}", d.text);

    // Other types at the policy name: NODATA.
    let d = dig(&s, &["geo.example.com", "AAAA"]);
    assert_eq!(d.status, "NOERROR");
    assert!(d.answer.is_empty());
}

#[test]
fn changes_are_served_live_and_roll_back() {
    let data = temp_dir("live");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let v1 = write(&data, "v1.json", &single_value_policy("203.0.113.1"));
    let v2 = write(&data, "v2.json", &single_value_policy("203.0.113.2"));
    let policy = cli_ok(&data, &["policy", "create", "--name", "live", &v1]);
    let s = Server::start(&data, &[]);

    let record = cli_ok(
        &data,
        &[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            "app.example.com",
            "--policy",
            &policy,
            "--version",
            "1",
            "--ttl",
            "30",
        ],
    );
    wait_for("the new record", || {
        dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.1"]
    });
    assert_eq!(cli_ok(&data, &["policy", "update", &policy, &v2]), "2");
    cli_ok(&data, &["record", "update", &record, "--version", "2"]);
    wait_for("version 2", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.2"]);
    // Rollback is an update to the older version.
    cli_ok(&data, &["record", "update", &record, "--version", "1"]);
    wait_for("rollback", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.1"]);

    // The record reaches Applied; a version in use cannot be deleted.
    wait_for("Applied", || cli_ok(&data, &["record", "list"]).contains("Applied"));
    let o = cli(&data, &["policy", "delete", &policy, "--version", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));

    // A policy record on a name that already holds A records is refused, and the static
    // records keep answering.
    let o = cli(
        &data,
        &[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            "www",
            "--policy",
            &policy,
            "--version",
            "2",
            "--ttl",
            "30",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already has A records"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Below a delegation it cannot be served: it is stored, then marked Failed with the reason.
    let bad = cli_ok(
        &data,
        &[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            "x.child",
            "--policy",
            &policy,
            "--version",
            "2",
            "--ttl",
            "30",
        ],
    );
    wait_for("Failed", || {
        cli_ok(&data, &["record", "list"])
            .lines()
            .any(|l| l.starts_with(&bad) && l.contains("Failed") && l.contains("delegation"))
    });
    assert_eq!(dig(&s, &["www.example.com", "A"]).values("A"), ["192.0.2.80"]);

    // Deleting the record: the name stops answering.
    cli_ok(&data, &["record", "delete", &record]);
    wait_for("deletion", || dig(&s, &["app.example.com", "A"]).status == "NXDOMAIN");
}

#[test]
fn malformed_packets_never_stop_the_server() {
    let (data, _, _) = setup("fuzz");
    let s = Server::start(&data, &[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let valid = [
        0x12u8, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 3, b'w', b'w',
        b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0, 1, 0, 1,
    ];
    for i in 0..3000 {
        let mut p: Vec<u8> = match i % 5 {
            // Random bytes.
            0 => (0..(next() % 600) as usize).map(|_| next() as u8).collect(),
            // Truncated headers.
            1 => valid[..(next() % 12) as usize].to_vec(),
            // Absurd counts.
            2 => {
                let mut v = valid.to_vec();
                v[4..12].copy_from_slice(&[0xff; 8]);
                v
            }
            // A compression pointer to itself.
            3 => {
                let mut v = valid[..12].to_vec();
                v.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
                v
            }
            // A valid query with random bytes flipped.
            _ => {
                let mut v = valid.to_vec();
                let at = (next() % v.len() as u64) as usize;
                v[at] = next() as u8;
                v
            }
        };
        p.truncate(65_000);
        let _ = sock.send_to(&p, s.addr);
    }
    // Oversized and garbage TCP frames.
    for len in [0xffffu16, 2, 40000] {
        if let Ok(mut t) = TcpStream::connect(s.addr) {
            let _ = t.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = t.write_all(&len.to_be_bytes());
            let _ = t.write_all(&[0xab; 300]);
            drop(t);
        }
    }
    // A half-open TCP connection must not block others.
    let _idle = TcpStream::connect(s.addr).unwrap();
    let d = dig(&s, &["www.example.com", "A"]);
    assert_eq!(d.values("A"), ["192.0.2.80"], "{}", d.text);
    let d = dig(&s, &["www.example.com", "A", "+tcp"]);
    assert_eq!(d.values("A"), ["192.0.2.80"], "{}", d.text);

    // FORMERR for a query with two questions.
    let mut two = valid.to_vec();
    two[5] = 2;
    two.extend_from_slice(&valid[12..]);
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    sock.send_to(&two, s.addr).unwrap();
    let mut buf = [0u8; 1500];
    loop {
        let (n, _) = sock.recv_from(&mut buf).expect("an answer to the two-question query");
        if n >= 4
            && buf[0] == 0x12
            && buf[1] == 0x34
            && (buf[2] & 0x80) != 0
            && (buf[3] & 0x0f) == 1
        {
            break;
        }
    }
}

#[test]
fn committed_changes_survive_sigkill() {
    let data = temp_dir("kill");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let doc = write(&data, "p.json", &single_value_policy("203.0.113.9"));
    let policy = cli_ok(&data, &["policy", "create", "--name", "k", &doc]);
    let mut s = Server::start(&data, &[]);

    // Writers run while the server is killed; some writers are killed mid-command too.
    let mut committed = Vec::new();
    for i in 0..24 {
        let name = format!("n{i}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowdns"))
            .arg("--data-dir")
            .arg(&data)
            .args([
                "record",
                "create",
                "--zone",
                "example.com",
                "--name",
                &name,
                "--policy",
                &policy,
                "--version",
                "1",
                "--ttl",
                "5",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if i % 6 == 5 {
            std::thread::sleep(Duration::from_millis(3));
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        if status.success() {
            committed.push((name, out.trim().to_owned()));
        }
        if i == 12 {
            s.kill();
        }
    }
    assert!(committed.len() >= 16, "most writes commit: {committed:?}");
    let s = Server::start(&data, &[]);
    for (name, _) in &committed {
        let fqdn = format!("{name}.example.com");
        wait_for(&fqdn, || dig(&s, &[&fqdn, "A"]).values("A") == ["203.0.113.9"]);
    }
    // Nothing half-applied: every stored record is whole and served or reported.
    let list: serde_json::Value =
        serde_json::from_str(&cli_ok(&data, &["record", "list", "--json"])).unwrap();
    for r in list.as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        assert_eq!(r["version"], 1);
        assert_eq!(r["ttl"], 5);
        wait_for(name, || dig(&s, &[name, "A"]).values("A") == ["203.0.113.9"]);
    }
    let zone_text = cli_ok(&data, &["zone", "export", "example.com"]);
    assert!(zone_text.contains("192.0.2.80"), "{zone_text}");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let data = temp_dir("port");
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--dns-listen", &addr, "--api-listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("cannot listen for DNS on {addr} (UDP)")), "{err}");
}

#[test]
fn broken_zone_files_import_nothing() {
    let data = temp_dir("broken");
    let good = write(&data, "good.zone", ZONE);
    cli_ok(&data, &["zone", "import", &good]);
    let broken = ZONE
        .replace("www          IN A   192.0.2.80", "www          IN A   192.0.2.800")
        .replace("mail         IN A", "mail         IN BOGUS");
    let bad = write(&data, "bad.zone", &broken);
    let o = cli(&data, &["zone", "import", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.zone:8:"), "the error names the line: {err}");
    assert!(err.contains("bad.zone:14:"), "every error is reported: {err}");
    assert!(
        cli_ok(&data, &["zone", "export", "example.com"]).contains("192.0.2.80"),
        "the old records are intact"
    );
    let include = write(&data, "inc.zone", &format!("{ZONE}$INCLUDE /etc/passwd\n"));
    let o = cli(&data, &["zone", "import", &include]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("$INCLUDE"));
}

#[test]
fn alias_endpoints_resolve_through_the_upstream_and_fail_over() {
    // The upstream: another flowdns serving the load balancers' zone.
    let up_data = temp_dir("upstream");
    let lb_zone = "$ORIGIN elb.test.\n$TTL 5\n@ IN SOA ns.elb.test. h.elb.test. 1 60 60 60 5\n@ IN NS ns.elb.test.\nns IN A 192.0.2.1\nlb1 IN A 192.0.2.11\nlb1 IN A 192.0.2.12\n";
    let f = write(&up_data, "elb.zone", lb_zone);
    cli_ok(&up_data, &["zone", "import", &f]);
    let upstream = Server::start(&up_data, &[]);

    let data = temp_dir("alias");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let doc = r#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
      "Endpoints":{"lb":{"Type":"application-load-balancer","Value":"lb1.elb.test"},
                   "sorry":{"Type":"value","Value":"203.0.113.50"}},
      "Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"lb","EvaluateTargetHealth":true},
                    "Secondary":{"EndpointReference":"sorry"}}}}"#;
    let doc = write(&data, "alias.json", doc);
    let policy = cli_ok(&data, &["policy", "create", "--name", "alias", &doc]);
    cli_ok(
        &data,
        &[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            "app",
            "--policy",
            &policy,
            "--version",
            "1",
            "--ttl",
            "30",
        ],
    );
    let s = Server::start(&data, &["--upstream", &upstream.addr.to_string()]);

    wait_for("the load balancer's addresses", || {
        let mut v = dig(&s, &["app.example.com", "A"]).values("A");
        v.sort();
        v == ["192.0.2.11", "192.0.2.12"]
    });
    // The target disappears upstream: it counts as unhealthy, and the failover answers.
    let gone = write(
        &up_data,
        "elb2.zone",
        &lb_zone.replace("lb1 IN A 192.0.2.11\nlb1 IN A 192.0.2.12\n", ""),
    );
    cli_ok(&up_data, &["zone", "import", &gone]);
    wait_for("failover to the secondary", || {
        dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.50"]
    });
}

/// Runs SQL on the store's database file with Python's sqlite3 module, behind flowdns's back.
fn sql_behind_the_back(data: &Path, sql: &str) {
    let db = data.join("flowdns.db");
    let o = Command::new("python3")
        .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.close()"])
        .arg(&db)
        .arg(sql)
        .output()
        .expect("python3 is installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn dns_keeps_answering_while_the_store_is_unavailable() {
    let data = temp_dir("unavailable");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let v1 = write(&data, "v1.json", &single_value_policy("203.0.113.1"));
    let v2 = write(&data, "v2.json", &single_value_policy("203.0.113.2"));
    let policy = cli_ok(&data, &["policy", "create", "--name", "p", &v1]);
    assert_eq!(cli_ok(&data, &["policy", "update", &policy, &v2]), "2");
    let record = cli_ok(
        &data,
        &["record", "create", "--zone", "example.com", "--name", "app", "--policy", &policy]
            .into_iter()
            .chain(["--version", "1", "--ttl", "30"])
            .collect::<Vec<_>>(),
    );
    let s = Server::start(&data, &[]);
    wait_for("the record", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.1"]);

    // The change log disappears: every read the server makes of the store now fails.
    sql_behind_the_back(&data, "ALTER TABLE change_log RENAME TO change_log_away;");
    wait_for("the error in the log", || s.logged("store unavailable") > 0);
    for _ in 0..20 {
        let d = dig(&s, &["app.example.com", "A"]);
        assert_eq!(d.values("A"), ["203.0.113.1"], "answers from the last snapshot: {}", d.text);
        assert_eq!(dig(&s, &["www.example.com", "A"]).status, "NOERROR");
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(s.logged("store unavailable"), 1, "the same error is logged once");

    // The store comes back with a change made meanwhile: it is served.
    sql_behind_the_back(&data, "ALTER TABLE change_log_away RENAME TO change_log;");
    cli_ok(&data, &["record", "update", &record, "--version", "2"]);
    wait_for("the change after recovery", || {
        dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.2"]
    });
}

/// Stores `doc` as a policy and binds version 1 to `name` in example.com (TTL 30).
fn bind_policy(data: &Path, name: &str, doc: &str) {
    let file = write(data, &format!("{name}.json"), doc);
    let policy = cli_ok(data, &["policy", "create", "--name", name, &file]);
    let args = ["record", "create", "--zone", "example.com", "--name", name, "--policy", &policy];
    cli_ok(data, &args.into_iter().chain(["--version", "1", "--ttl", "30"]).collect::<Vec<_>>());
}

/// A failover policy: 203.0.113.1 while `check` is healthy, else 203.0.113.2.
fn failover_policy(check: &str) -> String {
    format!(
        r#"{{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
        "Endpoints":{{"p":{{"Type":"value","Value":"203.0.113.1"}},"s":{{"Type":"value","Value":"203.0.113.2"}}}},
        "Rules":{{"f":{{"RuleType":"failover","Primary":{{"EndpointReference":"p","HealthCheck":"{check}"}},
        "Secondary":{{"EndpointReference":"s"}}}}}}}}"#
    )
}

/// A TCP check of a loopback port every second, flipping on one observation.
fn tcp_check(data: &Path, port: u16) -> String {
    let config = format!(
        r#"{{"Type":"TCP","IPAddress":"127.0.0.1","Port":{port},"RequestInterval":1,"FailureThreshold":1}}"#
    );
    cli_ok(data, &["health", "create", &config])
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A tiny HTTP server on loopback answering 200 to everything until dropped.
struct HttpServer {
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    fn start(addr: &str) -> HttpServer {
        let listener = std::net::TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                        let mut buf = [0u8; 2048];
                        let _ = s.read(&mut buf);
                        let _ = s.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        HttpServer { addr, stop, thread: Some(thread) }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn health_checks_drive_failover_and_overrides_force_the_answer() {
    let data = temp_dir("health");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let http = HttpServer::start("127.0.0.1:0");
    let port = http.addr.port().to_string();
    let check = cli_ok(
        &data,
        &[
            "health",
            "create",
            &format!(
                r#"{{"Type":"HTTP","IPAddress":"127.0.0.1","Port":{port},"ResourcePath":"/","RequestInterval":1,"FailureThreshold":1}}"#
            ),
        ],
    );
    bind_policy(&data, "app", &failover_policy(&check));
    let s = Server::start(&data, &[]);
    let answer = || dig(&s, &["app.example.com", "A"]).values("A");
    wait_for("the primary", || answer() == ["203.0.113.1"]);

    // The primary's server stops: the secondary answers within interval x threshold + 1 s
    // (plus the time the probe takes to fail, immediate for a refused connection).
    let addr = http.addr;
    drop(http);
    let stopped = Instant::now();
    wait_for("failover", || answer() == ["203.0.113.2"]);
    // Measured, not asserted (timings are noisy here); the bound is 1 s x 1 + 1 s.
    eprintln!("failover answered by DNS {:?} after the primary stopped", stopped.elapsed());
    assert!(s.logged("health check status changed") > 0);

    // It comes back.
    let http = HttpServer::start(&addr.to_string());
    wait_for("recovery", || answer() == ["203.0.113.1"]);

    // An override forces the answer until cleared.
    cli_ok(&data, &["health", "override", &check, "--unhealthy", "--reason", "drain"]);
    wait_for("forced unhealthy", || answer() == ["203.0.113.2"]);
    cli_ok(&data, &["health", "override", &check, "--clear"]);
    wait_for("override cleared", || answer() == ["203.0.113.1"]);

    // A string-match check on the same server: "ok" is in the body, "nope" is not.
    let matched = cli_ok(
        &data,
        &[
            "health",
            "create",
            &format!(
                r#"{{"Type":"HTTP_STR_MATCH","IPAddress":"127.0.0.1","Port":{port},"ResourcePath":"/","SearchString":"nope","RequestInterval":1,"FailureThreshold":1}}"#
            ),
        ],
    );
    wait_for("the string-match check to fail", || {
        s.http_get("/metrics")
            .contains(&format!("flowdns_health_check_healthy{{id=\"{matched}\"}} 0"))
    });
    cli_ok(&data, &["health", "update", &matched, r#"{"SearchString": "ok"}"#]);
    wait_for("the string-match check to pass", || {
        s.http_get("/metrics")
            .contains(&format!("flowdns_health_check_healthy{{id=\"{matched}\"}} 1"))
    });

    // Prometheus metrics: the check's state and transitions, and the query counter.
    let metrics = s.http_get("/metrics");
    assert!(
        metrics.contains(&format!("flowdns_health_check_healthy{{id=\"{check}\"}} 1")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("flowdns_health_check_transitions_total{{id=\"{check}\"}} 4")),
        "{metrics}"
    );
    let queries: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("flowdns_dns_queries_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(queries > 3, "{metrics}");
    // By zone, and by the endpoint that answered: both the primary and the secondary did.
    let count = |prefix: &str| -> u64 {
        metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} in {metrics}"))
    };
    assert!(count("flowdns_dns_zone_queries_total{zone=\"example.com.\"}") > 3);
    for endpoint in ["p", "s"] {
        let line = metrics
            .lines()
            .find(|l| {
                l.contains("name=\"app.example.com.\"")
                    && l.contains(&format!("endpoint=\"{endpoint}\""))
            })
            .unwrap_or_else(|| panic!("no answers by {endpoint} in {metrics}"));
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(n > 0, "{line}");
    }
    drop(http);
}

#[test]
fn multivalue_answers_drop_exactly_the_unhealthy_values() {
    let data = temp_dir("multivalue-health");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let http = HttpServer::start("127.0.0.1:0");
    let up = tcp_check(&data, http.addr.port());
    // A port nothing listens on: the TCP check fails with "Connection refused".
    let down = tcp_check(&data, closed_port());
    let doc = format!(
        r#"{{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m",
        "Endpoints":{{"a":{{"Type":"value","Value":"203.0.113.1"}},"b":{{"Type":"value","Value":"203.0.113.2"}},
        "c":{{"Type":"value","Value":"203.0.113.3"}}}},
        "Rules":{{"m":{{"RuleType":"multivalue","Items":[
          {{"EndpointReference":"a","HealthCheck":"{up}"}},
          {{"EndpointReference":"b","HealthCheck":"{down}"}},
          {{"EndpointReference":"c"}}]}}}}}}"#
    );
    bind_policy(&data, "mv", &doc);
    let s = Server::start(&data, &[]);
    let answer = || {
        let mut v = dig(&s, &["mv.example.com", "A"]).values("A");
        v.sort();
        v
    };
    wait_for("the unhealthy value dropped", || answer() == ["203.0.113.1", "203.0.113.3"]);
    for _ in 0..10 {
        assert_eq!(answer(), ["203.0.113.1", "203.0.113.3"]);
    }
    let api = s.http_get("/metrics");
    assert!(api.contains(&format!("flowdns_health_check_healthy{{id=\"{down}\"}} 0")), "{api}");
    drop(http);
}

#[test]
fn a_calculated_check_follows_its_children() {
    let data = temp_dir("calculated");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let http = HttpServer::start("127.0.0.1:0");
    let up = tcp_check(&data, http.addr.port());
    let down = tcp_check(&data, closed_port());
    let calc = cli_ok(
        &data,
        &[
            "health",
            "create",
            &format!(
                r#"{{"Type":"CALCULATED","ChildHealthChecks":["{up}","{down}"],"HealthThreshold":2}}"#
            ),
        ],
    );
    bind_policy(&data, "app", &failover_policy(&calc));
    let s = Server::start(&data, &[]);
    let answer = || dig(&s, &["app.example.com", "A"]).values("A");
    // One child of two healthy, two needed: the calculated check fails.
    wait_for("calculated unhealthy", || answer() == ["203.0.113.2"]);
    // One needed: healthy again.
    cli_ok(&data, &["health", "update", &calc, r#"{"HealthThreshold": 1}"#]);
    wait_for("calculated healthy", || answer() == ["203.0.113.1"]);
    drop(http);
}

/// A query for geo.example.com A with an EDNS Client Subnet option for `client`/32.
fn ecs_query(id: u16, client: std::net::Ipv4Addr) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 1]); // no flags; 1 question, 1 additional
    for label in ["geo", "example", "com"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]); // root; A; IN
    // OPT: root owner, type 41, UDP size 1232, no extended flags, 12 bytes of options.
    q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12]);
    // ECS (option 8), 8 bytes: family 1, source /32, scope 0, the address.
    q.extend_from_slice(&[0, 8, 0, 8, 0, 1, 32, 0]);
    q.extend_from_slice(&client.octets());
    q
}

/// The A record of a response to [`ecs_query`] with this id, if it is one.
fn a_answer(response: &[u8], id: u16) -> Option<std::net::Ipv4Addr> {
    if response.len() < 12 || response[..2] != id.to_be_bytes() || response[3] & 0x0f != 0 {
        return None;
    }
    let skip_name = |mut i: usize| -> Option<usize> {
        loop {
            let len = *response.get(i)?;
            if len & 0xc0 == 0xc0 {
                return Some(i + 2);
            }
            if len == 0 {
                return Some(i + 1);
            }
            i += 1 + usize::from(len);
        }
    };
    let ancount = u16::from_be_bytes([response[6], response[7]]);
    let mut i = skip_name(12)? + 4;
    for _ in 0..ancount {
        i = skip_name(i)?;
        let rtype = u16::from_be_bytes([*response.get(i)?, *response.get(i + 1)?]);
        let rdlen = usize::from(u16::from_be_bytes([*response.get(i + 8)?, *response.get(i + 9)?]));
        let rdata = response.get(i + 10..i + 10 + rdlen)?;
        if rtype == 1 && rdlen == 4 {
            return Some(std::net::Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]));
        }
        i += 10 + rdlen;
    }
    None
}

/// Queries geo.example.com for clients at 8.8.8.8 in a loop until stopped: every query must
/// be answered. Returns the answers in order.
struct Load {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    answers: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Load {
    fn start(server: SocketAddr) -> Load {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let answers = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (stop2, answers2) = (stop.clone(), answers.clone());
        let thread = std::thread::spawn(move || {
            let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            socket.set_read_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
            let mut buf = [0u8; 1500];
            let mut id: u16 = 0;
            while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                id = id.wrapping_add(1);
                socket
                    .send_to(&ecs_query(id, [8, 8, 8, 8].into()), server)
                    .map_err(|e| e.to_string())?;
                // Wait for this query's answer (a late answer to an earlier one is skipped).
                let answer = loop {
                    let n = socket
                        .recv(&mut buf)
                        .map_err(|e| format!("query {id} was not answered: {e}"))?;
                    if buf[..2] == id.to_be_bytes() {
                        break a_answer(&buf[..n], id)
                            .ok_or_else(|| format!("query {id}: no A record in the answer"))?;
                    }
                };
                answers2.lock().unwrap().push(answer.to_string());
            }
            Ok(())
        });
        Load { stop, answers, thread: Some(thread) }
    }

    fn last(&self) -> Option<String> {
        self.answers.lock().unwrap().last().cloned()
    }

    /// Stops the load and returns every answer, failing if any query went unanswered.
    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let outcome = self.thread.take().unwrap().join().unwrap();
        if let Err(e) = outcome {
            panic!("{e}");
        }
        std::mem::take(&mut *self.answers.lock().unwrap())
    }
}

/// The answers go from `before` to `after` once, with nothing else in between.
fn assert_switched_once(answers: &[String], before: &str, after: &str) {
    let first_after = answers.iter().position(|a| a == after).expect("the new answer appears");
    assert!(first_after > 0, "the old answer came first");
    assert!(answers[..first_after].iter().all(|a| a == before), "{answers:?}");
    assert!(answers[first_after..].iter().all(|a| a == after), "{answers:?}");
}

/// MaxMind's City test database does not know 8.8.8.8 (the geo policy's default answers,
/// .3); the DB-IP-shaped test database places it in the US (.2).
const FLAT_DB: &str = "crates/geo/tests/data/dbip-flat-ipv4.mmdb";

#[test]
fn a_restart_keeps_geo_routing_from_the_data_directory() {
    let (data, _, _) = setup("geo-dir");
    std::fs::create_dir_all(data.join("geoip")).unwrap();
    std::fs::copy(geoip(), data.join("geoip/city.mmdb")).unwrap();
    for _ in 0..2 {
        // No --geoip: the databases in the data directory are used, on every start.
        let mut s = Server::start(&data, &[]);
        let d = dig(&s, &["geo.example.com", "A", "+subnet=81.2.69.142/32"]);
        assert_eq!(d.values("A"), ["198.51.100.1"], "{}", d.text);
        let d = dig(&s, &["geo.example.com", "A", "+subnet=216.160.83.56/32"]);
        assert_eq!(d.values("A"), ["198.51.100.2"], "{}", d.text);
        assert_eq!(s.logged("no GeoIP database"), 0);
        assert_eq!(s.logged("GeoIP database loaded"), 1, "the start says which databases");
        assert_eq!(s.logged("city.mmdb"), 1);
        s.kill();
    }
}

#[test]
fn sighup_reloads_geoip_under_load_without_losing_a_query() {
    let (data, _, _) = setup("geo-hup");
    let o = cli(&data, &["geoip", "update", "--from", &geoip()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Reload only on SIGHUP, so that the signal is what is tested.
    let config = write(&data, "flowdns.toml", "[geoip]\nreload_interval = 0\n");
    let s = Server::start(&data, &["--config", &config]);
    let load = Load::start(s.addr);
    wait_for("answers under load", || load.answers.lock().unwrap().len() >= 50);
    assert_eq!(load.last().as_deref(), Some("198.51.100.3"));

    // Install the new database under the old one's name, then signal.
    let new = temp_dir("geo-hup-new");
    std::fs::copy(root().join(FLAT_DB), new.join("GeoIP2-City-Test.mmdb")).unwrap();
    let o = cli(&data, &["geoip", "update", "--from", new.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(load.last().as_deref(), Some("198.51.100.3"), "no reload without the signal");
    let before = load.answers.lock().unwrap().len();
    let kill = Command::new("kill").args(["-HUP", &s.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    wait_for("the new database's answer", || load.last().as_deref() == Some("198.51.100.2"));
    let n = load.answers.lock().unwrap().len();
    wait_for("more answers", || load.answers.lock().unwrap().len() >= n + 50);
    let answers = load.finish();
    assert!(answers.len() > before + 50);
    assert_switched_once(&answers, "198.51.100.3", "198.51.100.2");
    assert_eq!(s.logged("GeoIP data reloaded"), 1);
    // Still running and answering.
    let d = dig(&s, &["geo.example.com", "A", "+subnet=8.8.8.8/32"]);
    assert_eq!(d.values("A"), ["198.51.100.2"], "{}", d.text);
}

#[test]
fn changed_geoip_files_are_reloaded_and_a_bad_one_is_not() {
    let (data, _, _) = setup("geo-poll");
    std::fs::create_dir_all(data.join("geoip")).unwrap();
    let db = data.join("geoip/city.mmdb");
    std::fs::copy(geoip(), &db).unwrap();
    let config = write(&data, "flowdns.toml", "[geoip]\nreload_interval = 1\n");
    let s = Server::start(&data, &["--config", &config]);
    let load = Load::start(s.addr);
    wait_for("answers under load", || load.answers.lock().unwrap().len() >= 20);
    assert_eq!(load.last().as_deref(), Some("198.51.100.3"));
    // A corrupt file in its place: logged, the old data kept.
    std::fs::write(&db, b"truncated download").unwrap();
    wait_for("the reload error", || s.logged("cannot reload GeoIP data") == 1);
    assert_eq!(load.last().as_deref(), Some("198.51.100.3"));
    // The new database: picked up without a signal.
    std::fs::copy(root().join(FLAT_DB), &db).unwrap();
    wait_for("the new database's answer", || load.last().as_deref() == Some("198.51.100.2"));
    let answers = load.finish();
    assert_switched_once(&answers, "198.51.100.3", "198.51.100.2");
}

/// An API request with a bearer token; the status code and the body.
fn api_call(server: &Server, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(server.api_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn the_soa_serial_moves_on_with_every_change_that_affects_the_zone() {
    const KEY_ID: &str = "FDNSSOASERIALTEST01";
    const SECRET: &str = "soa-serial-test-secret-0123456789abcdef";
    let data = temp_dir("soa-serial");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let http = HttpServer::start("127.0.0.1:0");
    let check = tcp_check(&data, http.addr.port());
    let v1 = write(&data, "v1.json", &failover_policy(&check));
    let v2 = write(&data, "v2.json", &single_value_policy("203.0.113.9"));
    let policy = cli_ok(&data, &["policy", "create", "--name", "app", &v1]);
    // The API key from the environment, so that the test can make authenticated calls.
    let key = [("FLOWDNS_ACCESS_KEY_ID", KEY_ID), ("FLOWDNS_SECRET_ACCESS_KEY", SECRET)];
    let mut s = Server::start_with_env(&data, &[], &key);
    let token = api::keys::bearer_token(&api::keys::KeyPair {
        access_key_id: KEY_ID.into(),
        secret: api::keys::Secret::new(SECRET),
        created: None,
    });
    let serial = |s: &Server| -> u32 {
        let d = dig(s, &["example.com", "SOA"]);
        let soa = d.values("SOA");
        assert_eq!(soa.len(), 1, "{}", d.text);
        soa[0].split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    // A new zone serves the serial its file gives.
    let first = serial(&s);
    assert_eq!(first, 2026112701);
    let moves_on = |s: &Server, what: &str, before: u32| -> u32 {
        let mut now = before;
        wait_for(what, || {
            now = serial(s);
            now != before
        });
        // RFC 1982: ahead, never behind.
        assert!(store::serial_gt(now, before), "{what}: {before} -> {now}");
        now
    };

    // A policy record created: its answers appear, and so does a new serial.
    let args = ["record", "create", "--zone", "example.com", "--name", "app", "--policy", &policy];
    let record = cli_ok(
        &data,
        &args.into_iter().chain(["--version", "1", "--ttl", "30"]).collect::<Vec<_>>(),
    );
    let after_create = moves_on(&s, "policy record created", first);
    wait_for("the primary", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.1"]);

    // A health change that alters the answers.
    let before = serial(&s);
    cli_ok(&data, &["health", "override", &check, "--unhealthy", "--reason", "drain"]);
    wait_for("failover", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.2"]);
    let after_health = moves_on(&s, "health change", before);
    assert!(s.logged("SOA serial moved on for a health change") > 0);
    // Negative answers carry the same serial in their SOA.
    let nx = dig(&s, &["nope.example.com", "A"]);
    assert!(
        nx.authority.iter().any(|l| l.split_whitespace().nth(6) == Some(&after_health.to_string())),
        "{}",
        nx.text
    );
    // And back.
    cli_ok(&data, &["health", "override", &check, "--clear"]);
    let after_clear = moves_on(&s, "health restored", after_health);

    // A policy record moved to another version.
    assert_eq!(cli_ok(&data, &["policy", "update", &policy, &v2]), "2");
    cli_ok(&data, &["record", "update", &record, "--version", "2"]);
    let after_update = moves_on(&s, "policy record updated", after_clear);
    assert_eq!(dig(&s, &["app.example.com", "A"]).values("A"), ["203.0.113.9"]);

    // A record change through the API.
    let (status, zones) = api_call(&s, "GET", "/api/v1/zones", &token, "");
    assert_eq!(status, 200, "{zones}");
    let zones: serde_json::Value = serde_json::from_str(&zones).unwrap();
    let zone_id = zones["zones"][0]["id"].as_str().unwrap_or_else(|| panic!("{zones}")).to_owned();
    let (status, body) = api_call(
        &s,
        "POST",
        &format!("/api/v1/zones/{zone_id}/rrsets"),
        &token,
        r#"{"changes":[{"action":"UPSERT","name":"new.example.com.","type":"A","ttl":60,"values":["192.0.2.123"]}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let after_records = moves_on(&s, "record change", after_update);
    assert_eq!(dig(&s, &["new.example.com", "A"]).values("A"), ["192.0.2.123"]);

    // A zone import: the file's own serial is behind the served one, so the served one moves
    // on by one; a file with a higher serial is served with that serial.
    cli_ok(&data, &["zone", "import", &zone]);
    let after_import = moves_on(&s, "zone import", after_records);
    assert_eq!(after_import, after_records + 1);
    let newer = write(&data, "newer.zone", &ZONE.replace("2026112701", "2026120501"));
    cli_ok(&data, &["zone", "import", &newer]);
    assert_eq!(moves_on(&s, "zone import with a higher serial", after_import), 2026120501);

    // The serial survives a restart: the same serial after it, never an older one.
    let last = serial(&s);
    s.kill();
    let s = Server::start(&data, &[]);
    assert_eq!(serial(&s), last);
    assert!(after_create > first && after_health > after_create);
    drop(http);
}

#[test]
fn backup_while_serving_and_restore_when_stopped() {
    let data = temp_dir("backup");
    let zone = write(&data, "z.zone", ZONE);
    cli_ok(&data, &["zone", "import", &zone]);
    let v1 = write(&data, "v1.json", &single_value_policy("203.0.113.1"));
    let policy = cli_ok(&data, &["policy", "create", "--name", "app", &v1]);
    let args = ["record", "create", "--zone", "example.com", "--name", "app", "--policy", &policy];
    cli_ok(&data, &args.into_iter().chain(["--version", "1", "--ttl", "30"]).collect::<Vec<_>>());
    let mut s = Server::start(&data, &[]);
    wait_for("the policy record", || {
        dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.1"]
    });

    // A writer keeps changing the store while the backup is taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (data, stop) = (data.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let doc = write(&data, "w.json", &single_value_policy("203.0.113.50"));
                cli_ok(&data, &["policy", "create", "--name", &format!("w{n}"), &doc]);
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let backups = temp_dir("backup-files");
    let file = backups.join("flowdns-backup.db").display().to_string();
    let out = cli_ok(&data, &["--json", "store", "backup", &file]);
    let taken: serde_json::Value = serde_json::from_str(&out).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    // The copy holds a prefix: its policies are the first ones created, without gaps.
    let info: serde_json::Value =
        serde_json::from_str(&cli_ok(&data, &["--json", "store", "info", &file])).unwrap();
    assert_eq!(info["zones"], 1);
    assert_eq!(info["policy_records"], 1);
    assert_eq!(info["serial"], taken["serial"]);
    assert_eq!(info["schema_version"], info["known_schema_version"]);
    let in_copy = info["policies"].as_i64().unwrap();
    assert!(in_copy >= 1, "{info}");
    // A backup is never written over an existing file.
    let o = cli(&data, &["store", "backup", &file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));

    // Later changes, which the restore takes back.
    let v2 = write(&data, "v2.json", &single_value_policy("203.0.113.2"));
    assert_eq!(cli_ok(&data, &["policy", "update", &policy, &v2]), "2");
    let record = cli_ok(&data, &["record", "list"]).split_whitespace().next().unwrap().to_owned();
    cli_ok(&data, &["record", "update", &record, "--version", "2"]);
    wait_for("version 2", || dig(&s, &["app.example.com", "A"]).values("A") == ["203.0.113.2"]);
    let soa = |s: &Server| -> u32 {
        dig(s, &["example.com", "SOA"]).values("SOA")[0]
            .split_whitespace()
            .nth(2)
            .unwrap()
            .parse()
            .unwrap()
    };
    let served_before = soa(&s);

    // Refused while the server runs.
    let o = cli(&data, &["store", "restore", &file]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("a flowdns server is running"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A file that is not a store is refused, and nothing changes.
    let junk = write(&backups, "junk.db", "this is not a database");
    let o = cli(&data, &["store", "restore", &junk]);
    assert_eq!(o.status.code(), Some(1));
    s.kill();
    let o = cli(&data, &["store", "restore", &junk]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a flowdns store"));
    assert!(cli_ok(&data, &["policy", "list"]).contains(&format!("w{}", written - 1)));

    // Restored: the store is the backup's again, and the DNS answers are the old ones; the
    // SOA serial moved past the one served before the restore.
    cli_ok(&data, &["store", "restore", &file]);
    let policies = cli_ok(&data, &["--json", "policy", "list"]);
    let policies: serde_json::Value = serde_json::from_str(&policies).unwrap();
    assert_eq!(policies.as_array().map(Vec::len), Some(in_copy as usize), "{policies}");
    let s = Server::start(&data, &[]);
    assert_eq!(dig(&s, &["app.example.com", "A"]).values("A"), ["203.0.113.1"]);
    let served_after = soa(&s);
    assert!(store::serial_gt(served_after, served_before), "{served_before} -> {served_after}");
    // The restored store takes changes as before.
    cli_ok(&data, &["record", "update", &record, "--version", "1", "--ttl", "40"]);
    wait_for("a change after the restore", || soa(&s) != served_after);
}

#[test]
fn the_query_log_has_one_json_line_per_query() {
    let (data, _, record) = setup("query-log");
    let log = data.join("queries.jsonl");
    let s = Server::start(&data, &["--geoip", &geoip(), "--query-log", log.to_str().unwrap()]);
    assert_eq!(dig(&s, &["www.example.com", "A"]).values("A"), ["192.0.2.80"]);
    assert_eq!(dig(&s, &["nope.example.com", "A"]).status, "NXDOMAIN");
    let d = dig(&s, &["geo.example.com", "A", "+subnet=81.2.69.142/32"]);
    assert_eq!(d.values("A"), ["198.51.100.1"]);
    assert_eq!(dig(&s, &["big.example.com", "TXT", "+tcp"]).values("TXT").len(), 6);
    let read = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    };
    let mut lines = Vec::new();
    wait_for("four log lines", || {
        lines = read();
        lines.len() >= 4
    });
    assert_eq!(lines.len(), 4, "{lines:?}");
    let find = |qname: &str| {
        lines.iter().find(|l| l["qname"] == qname).unwrap_or_else(|| panic!("{lines:?}")).clone()
    };
    let www = find("www.example.com.");
    assert_eq!(
        (&www["qtype"], &www["rcode"], &www["answers"]),
        (&"A".into(), &"NOERROR".into(), &1.into())
    );
    assert_eq!(www["client"], "127.0.0.1");
    assert!(www["time"].as_str().unwrap().ends_with('Z'), "{www}");
    assert!(www.get("record").is_none() && www.get("ecs").is_none(), "{www}");
    let nx = find("nope.example.com.");
    assert_eq!((&nx["rcode"], &nx["answers"]), (&"NXDOMAIN".into(), &0.into()));
    let geo = find("geo.example.com.");
    assert_eq!(geo["record"], record.as_str());
    assert_eq!(geo["ecs"], "81.2.69.142/32/31");
    let big = find("big.example.com.");
    assert_eq!((&big["qtype"], &big["answers"]), (&"TXT".into(), &6.into()));
    drop(s);

    // Sampling: a tenth of 1,000 queries, give or take.
    let sampled = data.join("sampled.jsonl");
    let s = Server::start(
        &data,
        &["--query-log", sampled.to_str().unwrap(), "--query-log-sample", "0.1"],
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut query = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    query.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    let mut answered = 0;
    let mut buf = [0u8; 512];
    for _ in 0..1000 {
        sock.send_to(&query, s.addr).unwrap();
        if sock.recv_from(&mut buf).is_ok() {
            answered += 1;
        }
    }
    assert!(answered > 990, "{answered}");
    std::thread::sleep(Duration::from_millis(300));
    let n = std::fs::read_to_string(&sampled).unwrap().lines().count();
    assert!((40..=200).contains(&n), "{n} lines for 1,000 queries at 0.1");
    drop(s);

    // A rate outside (0, 1] is refused, naming the flag.
    let o = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--dns-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"])
        .args(["--query-log", sampled.to_str().unwrap(), "--query-log-sample", "0"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--query-log-sample"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The responses counter of `/metrics` for `rcode`.
fn responses_metric(s: &Server, rcode: &str) -> u64 {
    wait_for("the API to listen", || {
        s.log.lock().unwrap().iter().any(|l| l.contains("serving the API over HTTP"))
    });
    let metrics = s.http_get("/metrics");
    let key = format!("flowdns_dns_responses_total{{rcode=\"{rcode}\"}} ");
    let line = metrics.lines().find(|l| l.starts_with(&key)).unwrap_or_else(|| panic!("{metrics}"));
    line[key.len()..].trim().parse().unwrap()
}

#[test]
fn transfers_and_other_classes_are_refused_and_bad_client_subnets_get_formerr() {
    let (data, _, _) = setup("refusals");
    // A fresh server: every counter starts at zero.
    let s = Server::start(&data, &[]);

    // Zone transfers (over TCP): there is no transfer ACL, so none is allowed.
    for transfer in ["AXFR", "IXFR=2026112701"] {
        let k = Command::new("kdig")
            .args([&format!("@{}", s.addr.ip()), "-p", &s.addr.port().to_string()])
            .args(["+timeout=2", "+retry=0", transfer, "example.com"])
            .output()
            .expect("kdig is installed (knot-dnsutils)");
        let out =
            format!("{}{}", String::from_utf8_lossy(&k.stdout), String::from_utf8_lossy(&k.stderr));
        assert!(out.contains("server replied with error 'REFUSED'"), "{transfer}: {out}");
        assert!(!out.contains("\tSOA\t"), "{transfer}: {out}");
    }
    // Class CH, for a CHAOS name and for a name the zone holds in class IN.
    let d = dig(&s, &["CH", "TXT", "version.bind"]);
    assert_eq!(d.status, "REFUSED", "{}", d.text);
    let d = dig(&s, &["CH", "A", "www.example.com"]);
    assert_eq!(d.status, "REFUSED", "{}", d.text);
    assert!(d.answer.is_empty(), "{}", d.text);
    let d = dig(&s, &["CH", "A", "www.example.com", "+tcp"]);
    assert_eq!(d.status, "REFUSED", "{}", d.text);

    // Client Subnet options RFC 7871 rejects (dig and kdig only send well-formed ones).
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let bad: [&[u8]; 3] = [
        &[0, 1, 0, 0, 192, 0, 2, 1],  // address octets with a /0 prefix
        &[0, 1, 20, 0, 192, 0, 0x12], // address bits beyond the source prefix
        &[0, 1, 24, 8, 192, 0, 2],    // a non-zero scope in a query
    ];
    for (i, option) in bad.iter().enumerate() {
        let mut q = ecs_query(0x5000 + i as u16, std::net::Ipv4Addr::new(192, 0, 2, 1));
        let options = q.len() - 12;
        q.truncate(options);
        q[options - 2..].copy_from_slice(&(4 + option.len() as u16).to_be_bytes());
        q.extend_from_slice(&[0, 8]);
        q.extend_from_slice(&(option.len() as u16).to_be_bytes());
        q.extend_from_slice(option);
        sock.send_to(&q, s.addr).unwrap();
        let mut buf = [0u8; 1500];
        let n = sock.recv(&mut buf).unwrap();
        assert!(n >= 12 && buf[..2] == q[..2], "{option:?}");
        assert_eq!(buf[3] & 0x0f, 1, "FORMERR for {option:?}");
        assert_eq!(u16::from_be_bytes([buf[6], buf[7]]), 0, "no answer for {option:?}");
    }
    // The same query with a well-formed option is answered.
    sock.send_to(&ecs_query(0x5100, std::net::Ipv4Addr::new(192, 0, 2, 1)), s.addr).unwrap();
    let mut buf = [0u8; 1500];
    let n = sock.recv(&mut buf).unwrap();
    assert!(a_answer(&buf[..n], 0x5100).is_some(), "{:?}", &buf[..n]);
    assert_eq!(responses_metric(&s, "REFUSED"), 5);
    assert_eq!(responses_metric(&s, "FORMERR_NOTIMP_BADVERS"), 3);
}
