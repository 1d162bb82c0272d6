//! An open-loop UDP query flooder for bench/rrl-bench (std only; the script builds it with
//! `rustc -O`). It sends one query at a fixed total rate, round-robin from sockets bound to
//! 127.K.0.1 for K = 10, 11, ... (one /24 each), never waiting for answers: what a spoofed
//! flood looks like to the server. It reads nothing back (the kernel drops the replies once
//! the sockets' buffers are full) and prints how many it sent.
//!
//!   rrl-flood SERVER:PORT QPS SECONDS SOURCES QNAME [QTYPE [edns]]
//!
//! With `edns`, the query carries an OPT record offering 1,232 bytes, as resolvers' do, so
//! that a large answer is sent whole.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

fn query(name: &str, qtype: u16, edns: bool) -> Vec<u8> {
    // ID, flags (standard query), one question, an OPT record or nothing else.
    let mut q = vec![0x42, 0x42, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, u8::from(edns)];
    for label in name.trim_end_matches('.').split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    if edns {
        // OPT: root owner, type 41, payload 1232, no extended code or flags, no options.
        q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    }
    q
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: rrl-flood SERVER:PORT QPS SECONDS SOURCES QNAME [QTYPE [edns]]");
        std::process::exit(2);
    }
    let server: SocketAddr = args[1].parse().expect("SERVER:PORT");
    let rate: f64 = args[2].parse().expect("QPS");
    let secs: f64 = args[3].parse().expect("SECONDS");
    let sources: usize = args[4].parse().expect("SOURCES");
    let qtype: u16 = args.get(6).map_or(1, |t| t.parse().expect("QTYPE"));
    let edns = args.get(7).is_some_and(|a| a == "edns");
    let packet = query(&args[5], qtype, edns);
    let sockets: Vec<UdpSocket> = (0..sources)
        .map(|k| {
            let s = UdpSocket::bind(format!("127.{}.0.1:0", 10 + k)).expect("bind a source");
            s.connect(server).expect("connect");
            s
        })
        .collect();
    let start = Instant::now();
    let end = Duration::from_secs_f64(secs);
    let mut sent: u64 = 0;
    let mut errors: u64 = 0;
    loop {
        let elapsed = start.elapsed();
        if elapsed >= end {
            break;
        }
        let due = (elapsed.as_secs_f64() * rate) as u64;
        if sent >= due {
            std::thread::sleep(Duration::from_micros(20));
            continue;
        }
        // At most 50 microseconds' worth at once: a smooth flood, and no burst after a delay.
        let burst = (due - sent).min((rate / 20_000.0).max(1.0) as u64);
        for _ in 0..burst {
            let s = &sockets[(sent % sources as u64) as usize];
            if s.send(&packet).is_err() {
                errors += 1;
            }
            sent += 1;
        }
    }
    let took = start.elapsed().as_secs_f64();
    println!("sent {sent} in {took:.2} s ({:.0} qps), {errors} send errors", sent as f64 / took);
}
