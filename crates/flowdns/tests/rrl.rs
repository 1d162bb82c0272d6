//! Response-rate limiting end to end: the real `flowdns serve` with a low rate and loopback
//! not exempt, a flooding source on one loopback /24 (127.0.1.0/24) and a modest one on
//! another (127.0.2.0/24). The flood is mostly unanswered, about every second limited answer
//! comes back empty with TC set, the other network gets every answer, TCP is never limited,
//! and `/metrics` and the log say what happened.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

mod common;
use common::dns_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};

/// A zone whose `big` TXT answer is some 25 times the size of the query asking for it.
fn zone() -> String {
    let mut z = String::from(
        "$ORIGIN example.com.\n$TTL 300\n\
         @ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.53\n",
    );
    for c in ['a', 'b', 'c', 'd', 'e'] {
        z.push_str(&format!("big IN TXT \"{}\"\n", c.to_string().repeat(200)));
    }
    z
}

/// A running `flowdns serve`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowdns"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--dns-listen", &format!("127.0.0.1:{}", dns_port())])
            .args(["--api-listen", "127.0.0.1:0", "--upstream", "127.0.0.1:9"])
            .args(extra)
            .env("FLOWDNS_LOG", "info")
            .env_remove("FLOWDNS_GEOIP")
            .env_remove("FLOWDNS_CONFIG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("serving DNS")
                    && let Some(addr) = line.split("addr=").nth(1)
                {
                    let _ = tx.send(addr.split_whitespace().next().unwrap().parse().unwrap());
                }
                keep.lock().unwrap().push(line);
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("server did not start ({e}):\n{}", log.lock().unwrap().join("\n"))
        });
        Server { child, addr, log }
    }

    fn api_addr(&self) -> SocketAddr {
        let log = self.log.lock().unwrap();
        let line = log.iter().find(|l| l.contains("serving the API over")).unwrap();
        line.split("addr=").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap()
    }

    fn metrics(&self) -> String {
        let mut s = TcpStream::connect(self.api_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    }

    /// A counter's value in `/metrics`.
    fn counter(&self, series: &str) -> u64 {
        let text = self.metrics();
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| {
            panic!("{series} is not in /metrics:\n{text}");
        });
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    fn logged(&self, needle: &str) -> Vec<String> {
        self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).cloned().collect()
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

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowdns-rrl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("example.com.zone");
    std::fs::write(&file, zone()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["zone", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// `big.example.com TXT` with EDNS (so the answer fits in UDP).
fn query(id: u16) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii("big.example.com.").unwrap(), RecordType::TXT));
    let mut e = Edns::new();
    e.set_max_payload(1232);
    m.edns = Some(e);
    m.to_vec().unwrap()
}

#[derive(Debug, Default)]
struct Got {
    full: usize,
    truncated: usize,
    bytes: usize,
}

/// Sends `count` queries from `from`, a few per millisecond, and reads the replies until none
/// has come for a second.
fn flood(from: &str, to: SocketAddr, count: usize) -> (Got, usize) {
    let socket = UdpSocket::bind(from).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let receiver = socket.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Got::default();
        let mut buf = [0u8; 4096];
        while let Ok(n) = receiver.recv(&mut buf) {
            let m = Message::from_vec(&buf[..n]).unwrap();
            got.bytes += n;
            if m.metadata.truncation {
                assert!(
                    m.answers.is_empty() && m.authorities.is_empty() && m.additionals.is_empty()
                );
                assert_eq!(m.queries.len(), 1);
                got.truncated += 1;
            } else {
                assert_eq!(m.answers.len(), 5);
                got.full += 1;
            }
        }
        got
    });
    let mut sent_bytes = 0;
    for i in 0..count {
        let q = query(i as u16);
        sent_bytes += q.len();
        socket.send_to(&q, to).unwrap();
        if i % 4 == 3 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    (reader.join().unwrap(), sent_bytes)
}

#[test]
fn a_flood_is_limited_and_other_networks_are_answered() {
    const RATE: usize = 20;
    let data = data_dir("flood");
    let server = Server::start(
        &data,
        &[
            "--rrl-exempt-loopback",
            "false",
            "--rrl-responses-per-second",
            "20",
            "--rrl-window",
            "1",
        ],
    );
    assert_eq!(server.logged("response-rate limiting of UDP answers on").len(), 1);
    let to = server.addr;

    // Another network asks the same question at 10 per second meanwhile.
    let modest = std::thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.2.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut full = 0;
        for i in 0..15u16 {
            socket.send_to(&query(60_000 + i), to).unwrap();
            let mut buf = [0u8; 4096];
            let n = socket.recv(&mut buf).unwrap();
            let m = Message::from_vec(&buf[..n]).unwrap();
            if !m.metadata.truncation && m.answers.len() == 5 {
                full += 1;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        full
    });
    let started = Instant::now();
    let sent = 2000;
    let (got, sent_bytes) = flood("127.0.1.1:0", to, sent);
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(modest.join().unwrap(), 15, "every answer to the other network");

    // Most of the flood is not answered: the burst, then the rate.
    let most = RATE + (RATE as f64 * elapsed).ceil() as usize + 1;
    assert!(got.full >= RATE && got.full <= most, "{got:?} in {elapsed:.2} s");
    // About every second limited answer comes back truncated, the rest not at all.
    let dropped =
        server.counter("flowdns_dns_rrl_limited_total{class=\"positive\",action=\"dropped\"}");
    let slipped =
        server.counter("flowdns_dns_rrl_limited_total{class=\"positive\",action=\"slipped\"}");
    assert_eq!(got.full + dropped as usize + slipped as usize, sent, "{got:?}");
    assert_eq!(got.truncated as u64, slipped, "{got:?}");
    let threads = 16;
    assert!(dropped >= slipped && dropped - slipped <= threads, "{dropped} {slipped}");
    // The other classes saw nothing.
    assert_eq!(
        server.counter("flowdns_dns_rrl_limited_total{class=\"nxdomain\",action=\"dropped\"}"),
        0
    );
    // The flooding network got back less than it sent: no amplification.
    assert!(got.bytes < sent_bytes, "{} bytes back for {sent_bytes}", got.bytes);

    // The start of limiting was logged, once, naming the network and the name.
    let lines = server.logged("response-rate limit exceeded");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("127.0.1.0/24") && lines[0].contains("big.example.com."),
        "{lines:?}"
    );

    // TCP proves the source and is never limited.
    let mut tcp = std::net::TcpStream::connect(to).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let q = query(7);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    for _ in 0..3 {
        tcp.write_all(&framed).unwrap();
        let mut len = [0u8; 2];
        tcp.read_exact(&mut len).unwrap();
        let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
        tcp.read_exact(&mut reply).unwrap();
        let m = Message::from_vec(&reply).unwrap();
        assert!(!m.metadata.truncation && m.answers.len() == 5);
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn loopback_is_exempt_by_default_and_the_limit_can_be_turned_off() {
    for extra in [&[][..], &["--rrl", "false", "--rrl-exempt-loopback", "false"][..]] {
        let data = data_dir(if extra.is_empty() { "default" } else { "off" });
        let server = Server::start(&data, extra);
        let (got, _) = flood("127.0.1.1:0", server.addr, 300);
        assert_eq!((got.full, got.truncated), (300, 0), "{extra:?}");
        let metrics = server.metrics();
        if extra.is_empty() {
            assert!(metrics.contains(
                "flowdns_dns_rrl_limited_total{class=\"positive\",action=\"dropped\"} 0"
            ));
        } else {
            assert!(!metrics.contains("flowdns_dns_rrl"), "off: no series");
            assert_eq!(server.logged("response-rate limiting of UDP answers off").len(), 1);
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}
