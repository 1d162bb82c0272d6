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
}

impl AliasTargets for AliasTable {
    fn addresses(&self, name: &Name, rtype: RecordType) -> Option<(&[IpAddr], u32)> {
        self.entries
            .get(&(name.clone(), rtype))
            .filter(|(a, _)| !a.is_empty())
            .map(|(a, t)| (a.as_slice(), *t))
    }
}
