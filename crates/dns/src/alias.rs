//! Addresses of alias-style endpoint targets (load balancers, CloudFront, S3 websites...).
//!
//! Route 53 answers such endpoints with the target's current addresses. flowdns resolves
//! the targets through an upstream resolver outside the query path and publishes an
//! [`AliasTable`]; the query path only reads it. A target that does not resolve has no
//! entry, so it answers nothing and counts as unhealthy for `EvaluateTargetHealth`.

use std::collections::HashMap;
use std::net::IpAddr;

use hickory_proto::rr::{Name, RecordType};
use zone::AliasTargets;

/// Resolved addresses by (lower-case target name, A or AAAA).
#[derive(Clone, Debug, Default)]
pub struct AliasTable {
    entries: HashMap<(Name, RecordType), (Vec<IpAddr>, u32)>,
}

impl AliasTable {
    /// Whether nothing is resolved.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records the addresses of a target.
    pub fn insert(&mut self, name: Name, rtype: RecordType, addrs: Vec<IpAddr>, ttl: u32) {
        self.entries.insert((name.to_lowercase(), rtype), (addrs, ttl));
    }

    /// Number of resolved targets.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl AliasTargets for AliasTable {
    fn addresses(&self, name: &Name, rtype: RecordType) -> Option<(&[IpAddr], u32)> {
        self.entries
            .get(&(name.clone(), rtype))
            .filter(|(a, _)| !a.is_empty())
            .map(|(a, t)| (a.as_slice(), *t))
    }
}

/// Looks alias targets up through an upstream recursive resolver, over UDP (TCP when the
/// answer is truncated). Used only by the background refresher, never on the query path.
#[derive(Clone, Debug)]
pub struct Resolver {
    /// The upstream resolver.
    pub upstream: std::net::SocketAddr,
    /// How long to wait for one answer.
    pub timeout: std::time::Duration,
}

/// Shortest and longest time a resolved target is kept before it is looked up again.
const MIN_REFRESH_SECS: u32 = 5;
const MAX_REFRESH_SECS: u32 = 300;

impl Resolver {
    /// The first `nameserver` of a resolv.conf text, on port 53.
    pub fn from_resolv_conf(text: &str) -> Option<std::net::SocketAddr> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|rest| rest.trim().split('%').next()?.parse::<IpAddr>().ok())
            .map(|ip| std::net::SocketAddr::new(ip, 53))
            .next()
    }

    /// The addresses of `name` (following CNAMEs the resolver returns) and the smallest TTL.
    pub async fn resolve(
        &self,
        name: &Name,
        rtype: RecordType,
    ) -> Result<(Vec<IpAddr>, u32), String> {
        use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
        use hickory_proto::rr::RData;
        let id: u16 = (name.num_labels() as u16) ^ (std::process::id() as u16) ^ 0x5a5a;
        let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
        msg.metadata.recursion_desired = true;
        msg.add_query(Query::query(name.clone(), rtype));
        let bytes = msg.to_vec().map_err(|e| e.to_string())?;
        let bind: std::net::SocketAddr = if self.upstream.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let sock = tokio::net::UdpSocket::bind(bind).await.map_err(|e| e.to_string())?;
        sock.send_to(&bytes, self.upstream).await.map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 4096];
        let reply = loop {
            let (n, from) = tokio::time::timeout(self.timeout, sock.recv_from(&mut buf))
                .await
                .map_err(|_| format!("no answer from {} within {:?}", self.upstream, self.timeout))?
                .map_err(|e| e.to_string())?;
            if from != self.upstream {
                continue;
            }
            let Ok(m) = Message::from_vec(&buf[..n]) else { continue };
            if m.metadata.id == id {
                break m;
            }
        };
        let reply = if reply.metadata.truncation { self.resolve_tcp(&bytes).await? } else { reply };
        if reply.metadata.response_code != ResponseCode::NoError {
            return Err(format!("{name} {rtype}: {}", reply.metadata.response_code));
        }
        let mut addrs = Vec::new();
        let mut ttl = u32::MAX;
        for r in &reply.answers {
            match &r.data {
                RData::A(a) if rtype == RecordType::A => addrs.push(IpAddr::V4(a.0)),
                RData::AAAA(a) if rtype == RecordType::AAAA => addrs.push(IpAddr::V6(a.0)),
                _ => continue,
            }
            ttl = ttl.min(r.ttl);
        }
        if addrs.is_empty() {
            return Err(format!("{name} has no {rtype} records"));
        }
        Ok((addrs, ttl))
    }

    async fn resolve_tcp(&self, query: &[u8]) -> Result<hickory_proto::op::Message, String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let work = async {
            let mut s = tokio::net::TcpStream::connect(self.upstream).await?;
            let mut framed = (query.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(query);
            s.write_all(&framed).await?;
            let mut len = [0u8; 2];
            s.read_exact(&mut len).await?;
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
            s.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        };
        let buf = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| "TCP retry timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        hickory_proto::op::Message::from_vec(&buf).map_err(|e| e.to_string())
    }
}

/// Keeps the alias table fresh: every second, looks up the targets the snapshot names that
/// are new or due, and publishes a new table. Runs until the task is dropped.
pub async fn refresh(shared: std::sync::Arc<crate::Shared>, resolver: Resolver) {
    let mut due: HashMap<(Name, RecordType), tokio::time::Instant> = HashMap::new();
    let mut failed: HashMap<(Name, RecordType), String> = HashMap::new();
    loop {
        let targets = shared.snapshot.load().alias_targets();
        let now = tokio::time::Instant::now();
        let mut table = (**shared.aliases.load()).clone();
        table.entries.retain(|k, _| targets.contains(k));
        due.retain(|k, _| targets.contains(k));
        let mut changed = false;
        for key in &targets {
            if due.get(key).is_some_and(|t| *t > now) {
                continue;
            }
            let (name, rtype) = key;
            match resolver.resolve(name, *rtype).await {
                Ok((addrs, ttl)) => {
                    let wait = ttl.clamp(MIN_REFRESH_SECS, MAX_REFRESH_SECS);
                    due.insert(key.clone(), now + std::time::Duration::from_secs(u64::from(wait)));
                    if table.entries.get(key).map(|(a, t)| (a, *t)) != Some((&addrs, ttl)) {
                        table.insert(name.clone(), *rtype, addrs, ttl);
                        changed = true;
                    }
                    if failed.remove(key).is_some() {
                        tracing::info!(target_name = %name, %rtype, "alias target resolves again");
                    }
                }
                Err(e) => {
                    due.insert(
                        key.clone(),
                        now + std::time::Duration::from_secs(u64::from(MIN_REFRESH_SECS)),
                    );
                    if table.entries.remove(key).is_some() {
                        changed = true;
                    }
                    if failed.get(key) != Some(&e) {
                        tracing::warn!(target_name = %name, %rtype, error = %e, "alias target does not resolve; it counts as unhealthy");
                        failed.insert(key.clone(), e);
                    }
                }
            }
        }
        if changed {
            shared.aliases.store(std::sync::Arc::new(table));
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
