//! The operator's deny-list: a check whose target is in a denied network fails without any
//! connection being made, and says why.

use std::net::IpAddr;

use health::{ProbeKind, ProbeOptions, ProbeSpec, Prober, SystemResolver, in_network};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

#[test]
fn networks_match_by_prefix() {
    assert!(in_network(ip("10.1.2.3"), ip("10.0.0.0"), 8));
    assert!(!in_network(ip("11.1.2.3"), ip("10.0.0.0"), 8));
    assert!(in_network(ip("::ffff:10.1.2.3"), ip("10.0.0.0"), 8), "IPv4-mapped counts as IPv4");
    assert!(in_network(ip("2001:db8::1"), ip("2001:db8::"), 32));
    assert!(!in_network(ip("2001:db9::1"), ip("2001:db8::"), 32));
    assert!(in_network(ip("192.0.2.1"), ip("0.0.0.0"), 0));
    assert!(!in_network(ip("192.0.2.1"), ip("::"), 0), "families never match");
}

#[tokio::test]
async fn a_denied_target_fails_with_the_reason() {
    // A listener that would accept: the probe must not even connect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let prober =
        Prober::new(ProbeOptions { deny: vec![(ip("127.0.0.0"), 8)], ..ProbeOptions::default() })
            .expect("prober");
    let mut spec = ProbeSpec::new(ProbeKind::Tcp);
    spec.ip = Some(ip("127.0.0.1"));
    spec.port = port;
    let o = prober.probe(&spec, &SystemResolver).await;
    assert!(!o.healthy);
    assert!(o.reason.contains("deny-list") && o.reason.contains("127.0.0.0/8"), "{}", o.reason);
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(listener.accept().is_err(), "no connection was made");
    let open = Prober::new(ProbeOptions::default()).expect("prober");
    assert!(open.probe(&spec, &SystemResolver).await.healthy, "loopback is allowed by default");
}
