//! Helpers shared by the end-to-end test binaries.

use std::net::SocketAddr;

/// A port below the kernel's ephemeral range, free for UDP and TCP. The server's UDP sockets
/// use `SO_REUSEPORT`, and so do dig's and kdig's random source ports; run as the same user, a
/// client that drew the server's port would join its socket group and could receive its own
/// query. Ephemeral ports are what the clients draw from, so the server stays out of them.
pub(crate) fn dns_port() -> u16 {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|p| p.parse::<u16>().ok()))
        .unwrap_or(32768)
        .clamp(20001, 32768);
    let mut state = u64::from(std::process::id())
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    for _ in 0..200 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let port = 20000 + (state >> 33) as u16 % (low - 20000);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if std::net::UdpSocket::bind(addr).is_ok() && std::net::TcpListener::bind(addr).is_ok() {
            return port;
        }
    }
    panic!("no free port for DNS below the ephemeral range");
}
