//! Binding the listeners: one port for UDP and TCP, fresh ports retried for port 0, and clear
//! errors for explicit ports that are taken.

use std::net::{SocketAddr, TcpListener, UdpSocket};

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// With many TCP ports held by other sockets, every port-0 bind still gets one port number
/// for both protocols. Without the retry, about one bind in fifty would fail here (600 of the
/// ~28,000 ephemeral ports are taken for TCP only), so 300 binds would almost surely see one.
#[tokio::test]
async fn port_zero_gets_a_port_free_for_both_protocols() {
    let held: Vec<TcpListener> =
        (0..600).map(|_| TcpListener::bind(loopback(0)).unwrap()).collect();
    assert_eq!(held.len(), 600);
    for _ in 0..300 {
        let listeners = dns::bind(&[loopback(0)]).await.expect("port 0 must always bind");
        let l = &listeners[0];
        let tcp = l.tcp.local_addr().unwrap();
        assert_ne!(tcp.port(), 0);
        for u in &l.udp {
            assert_eq!(u.local_addr().unwrap(), tcp, "UDP and TCP share one port");
        }
    }
}

#[tokio::test]
async fn an_explicit_port_taken_for_tcp_is_a_clear_error() {
    let taken = TcpListener::bind(loopback(0)).unwrap();
    let addr = taken.local_addr().unwrap();
    // The UDP side of that port may be free or not; make sure it is free so that TCP is the
    // protocol at fault.
    if UdpSocket::bind(addr).is_err() {
        return;
    }
    let err = match dns::bind(&[addr]).await {
        Ok(_) => panic!("a taken TCP port must not bind"),
        Err(e) => e,
    };
    assert_eq!(err.protocol, "TCP");
    assert_eq!(err.addr, addr);
    let text = err.to_string();
    assert!(text.contains(&format!("cannot listen for DNS on {addr} (TCP)")), "{text}");
    assert!(text.contains("choose another --dns-listen address"), "{text}");
}

#[tokio::test]
async fn an_explicit_port_taken_for_udp_is_a_clear_error() {
    let taken = UdpSocket::bind(loopback(0)).unwrap();
    let addr = taken.local_addr().unwrap();
    let err = match dns::bind(&[addr]).await {
        Ok(_) => panic!("a taken UDP port must not bind"),
        Err(e) => e,
    };
    assert_eq!(err.protocol, "UDP");
    assert!(err.to_string().contains("already listens there"), "{err}");
    // Nothing was left bound: once the other socket is gone, the port binds.
    drop(taken);
    let l = dns::bind(&[addr]).await.expect("the port is free again");
    assert_eq!(l[0].tcp.local_addr().unwrap(), addr);
}

/// The wildcard addresses of both families on one port, as a server on port 53 listens:
/// IPv6 sockets are IPv6-only, so `[::]` does not collide with `0.0.0.0`. Each family answers
/// on its own sockets.
#[tokio::test]
async fn both_wildcards_listen_on_one_port() {
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        eprintln!("skipped: this host has no IPv6 loopback");
        return;
    }
    // A port free for both families and protocols, found by binding the IPv4 pair first.
    let v4 = dns::bind(&[SocketAddr::from(([0, 0, 0, 0], 0))]).await.unwrap();
    let port = v4[0].tcp.local_addr().unwrap().port();
    let v6 = dns::bind(&["[::]:0".parse::<SocketAddr>().unwrap()].map(|mut a| {
        a.set_port(port);
        a
    }))
    .await
    .expect("[::] binds beside 0.0.0.0 on the same port");
    assert_eq!(v6[0].tcp.local_addr().unwrap().port(), port);
    assert!(v6[0].udp.iter().all(|u| u.local_addr().unwrap().is_ipv6()));
    assert!(v4[0].udp.iter().all(|u| u.local_addr().unwrap().is_ipv4()));
}
