//! Pre-encoded answers: the wire-form index behind the DNS server's fast path.
//!
//! Most queries an authoritative server sees ask for a name and type that exist: a static
//! RRset or a policy record. For those, [`Snapshot::answer_wire`] writes the answer section
//! straight from bytes encoded when the zone was built: one hash lookup for the zone, one for
//! the name, then a copy (static data) or a policy evaluation and one copy per chosen endpoint.
//! Owner names are written as a compression pointer to the question (offset 12), so they keep
//! the case the question was asked in, as [`Snapshot::answer`] does.
//!
//! Everything else (names at or below a delegation, CNAME chasing, wildcards, negative answers,
//! ANY, alias-style endpoints, empty policy answers) is declined with `None`, and the caller
//! answers through [`Snapshot::answer`]. For what it does answer, the fast path gives the same
//! sections as `answer` would; `crates/dns/tests/fast_path.rs` checks that on generated queries.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use hickory_proto::rr::{Name, Record};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};

use crate::snapshot::{Client, EndpointData, PolicyBinding};

/// The hash used by the wire-form maps: fixed (no hidden randomness) and fast on short keys.
/// Queries can only look keys up, never insert, so a fixed seed gives an attacker nothing to
/// grow.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WireHash;

impl BuildHasher for WireHash {
    type Hasher = foldhash::fast::FoldHasher<'static>;
    fn build_hasher(&self) -> Self::Hasher {
        foldhash::fast::FixedState::with_seed(0x666c_6f77_646e_7321).build_hasher()
    }
}

/// Maps keyed by a lowercase, uncompressed wire-form name (with the root label).
pub(crate) type WireMap<V> = HashMap<Box<[u8]>, V, WireHash>;

/// The wire-form answers at one owner name.
#[derive(Clone, Debug, Default)]
pub(crate) struct FastNode {
    /// Per type: the number of records and the encoded answer section.
    rrsets: Vec<(u16, u16, Box<[u8]>)>,
    policies: Vec<FastPolicy>,
}

/// A policy record whose endpoints are all literal values.
#[derive(Clone, Debug)]
struct FastPolicy {
    rtype: u16,
    binding: Arc<PolicyBinding>,
    /// Per endpoint: its record count and its encoded records.
    answers: Vec<(u16, Box<[u8]>)>,
}

/// The lowercase wire form of a name.
pub(crate) fn wire_key(name: &Name) -> Box<[u8]> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.iter() {
        out.push(label.len() as u8);
        out.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    out.push(0);
    out.into_boxed_slice()
}

fn uncompressed_rdata(data: &hickory_proto::rr::RData) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(32);
    let mut enc = BinEncoder::new(&mut buf);
    enc.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut enc).ok()?;
    let len = u16::try_from(buf.len()).ok()?;
    let mut out = Vec::with_capacity(buf.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&buf);
    Some(out)
}

fn record_head(rtype: u16, ttl: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..2].copy_from_slice(&rtype.to_be_bytes());
    h[2..4].copy_from_slice(&1u16.to_be_bytes());
    h[4..].copy_from_slice(&ttl.to_be_bytes());
    h
}

/// The compression pointer to the question's name, which every fast answer is owned by.
const OWNER: [u8; 2] = [0xC0, 0x0C];

impl FastNode {
    /// Encodes a node's static RRsets and its policy record. Parts that cannot be encoded (which
    /// the fast path then declines) are left out.
    pub(crate) fn build(
        rrsets: &[(hickory_proto::rr::RecordType, Vec<Record>)],
        policies: &[Arc<PolicyBinding>],
    ) -> FastNode {
        let mut node = FastNode::default();
        'sets: for (rtype, records) in rrsets {
            let t = u16::from(*rtype);
            let mut bytes = Vec::new();
            for r in records {
                let Some(rdata) = uncompressed_rdata(&r.data) else { continue 'sets };
                bytes.extend_from_slice(&OWNER);
                bytes.extend_from_slice(&record_head(t, r.ttl));
                bytes.extend_from_slice(&rdata);
            }
            let Ok(count) = u16::try_from(records.len()) else { continue };
            node.rrsets.push((t, count, bytes.into_boxed_slice()));
        }
        'bindings: for b in policies {
            let rtype = u16::from(b.rtype);
            let mut answers = Vec::with_capacity(b.values.len());
            for v in &b.values {
                let (ttl, datas): (u32, &[hickory_proto::rr::RData]) = match v {
                    EndpointData::Value(data) => (b.ttl, std::slice::from_ref(data)),
                    EndpointData::Set(ttl, datas) => (*ttl, datas),
                    EndpointData::Alias(_) => continue 'bindings,
                };
                let mut bytes = Vec::new();
                for data in datas {
                    let Some(rdata) = uncompressed_rdata(data) else { continue 'bindings };
                    bytes.extend_from_slice(&OWNER);
                    bytes.extend_from_slice(&record_head(rtype, ttl));
                    bytes.extend_from_slice(&rdata);
                }
                let Ok(count) = u16::try_from(datas.len()) else { continue 'bindings };
                answers.push((count, bytes.into_boxed_slice()));
            }
            node.policies.push(FastPolicy { rtype, binding: b.clone(), answers });
        }
        node
    }

    /// Appends the answer records for `qtype` to `out`: the count and the ECS scope, or `None`
    /// to decline.
    pub(crate) fn answer(
        &self,
        qtype: u16,
        client: &mut Client<'_>,
        out: &mut Vec<u8>,
    ) -> Option<(u16, u8)> {
        if let Some(p) = self.policies.iter().find(|p| p.rtype == qtype) {
            let answer = p.binding.policy.evaluate(&client.query, client.rng);
            let indices = answer.endpoint_indices();
            if indices.is_empty() {
                return None;
            }
            p.binding.count(indices, client.stripe);
            let mut count = 0u16;
            for &i in indices {
                let (n, bytes) = p.answers.get(i as usize)?;
                out.extend_from_slice(bytes);
                count = count.saturating_add(*n);
            }
            if count == 0 {
                return None;
            }
            return Some((count, answer.ecs_scope));
        }
        let (_, count, bytes) = self.rrsets.iter().find(|(t, _, _)| *t == qtype)?;
        out.extend_from_slice(bytes);
        Some((*count, 0))
    }
}
