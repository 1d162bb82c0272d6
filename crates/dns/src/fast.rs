//! The lean UDP path: plain queries with a positive answer, parsed and answered without
//! building hickory-proto messages.
//!
//! A query qualifies when it is a standard query (QR 0, opcode QUERY) with one question of
//! class IN in uncompressed labels, no answer or authority records, and at most an OPT record
//! of EDNS version 0 whose options are well formed (at most one Client Subnet option, valid as
//! [`crate::ecs`] checks), and a type other than AXFR and IXFR. The
//! answer then comes from [`zone::Snapshot::answer_wire`]. Everything else, and every answer
//! that would not fit the client's buffer, goes to the general path in [`crate::udp`], which
//! gives the same response for what this path answers (checked by `tests/fast_path.rs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ecs::OPT_ECS;
use crate::{Handler, MAX_UDP_PAYLOAD};

/// Longest name in wire form (RFC 1035 3.1).
const MAX_NAME: usize = 255;

/// Query type of an incremental zone transfer (RFC 1995).
const IXFR: u16 = 251;
/// Query type of a full zone transfer (RFC 5936).
const AXFR: u16 = 252;

/// A query the lean path can answer, borrowed from the packet.
pub(crate) struct Parsed<'a> {
    /// The question section as received (name in its original case, type, class).
    question: &'a [u8],
    /// The name in lowercase wire form.
    lower: [u8; MAX_NAME],
    lower_len: usize,
    /// Offsets of the labels in `lower`.
    labels: [u8; 128],
    label_count: usize,
    qtype: u16,
    /// The client's advertised UDP payload size, when the query has an OPT record.
    edns_payload: Option<u16>,
    /// The Client Subnet option: family, source prefix and address bytes as sent.
    ecs: Option<Ecs<'a>>,
}

struct Ecs<'a> {
    family: u16,
    source_prefix: u8,
    address: &'a [u8],
}

fn u16_at(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*p.get(at)?, *p.get(at + 1)?]))
}

/// Parses `packet` if it qualifies for the lean path.
pub(crate) fn parse(packet: &[u8]) -> Option<Parsed<'_>> {
    if packet.len() < 12 || packet[2] & 0xF8 != 0 {
        return None; // a response, or an opcode other than QUERY
    }
    let (qd, an, ns, ar) =
        (u16_at(packet, 4)?, u16_at(packet, 6)?, u16_at(packet, 8)?, u16_at(packet, 10)?);
    if qd != 1 || an != 0 || ns != 0 || ar > 1 {
        return None;
    }
    let mut lower = [0u8; MAX_NAME];
    let mut labels = [0u8; 128];
    let mut label_count = 0;
    let mut at = 12;
    let mut len = 0;
    loop {
        let l = usize::from(*packet.get(at)?);
        if l == 0 {
            break;
        }
        if l > 63 || len + l + 2 > MAX_NAME {
            return None; // compression pointer, extended label type, or too long
        }
        let label = packet.get(at + 1..at + 1 + l)?;
        labels[label_count] = len as u8;
        label_count += 1;
        lower[len] = l as u8;
        for (d, s) in lower[len + 1..len + 1 + l].iter_mut().zip(label) {
            *d = s.to_ascii_lowercase();
        }
        len += l + 1;
        at += l + 1;
    }
    lower[len] = 0;
    let lower_len = len + 1;
    let qtype = u16_at(packet, at + 1)?;
    if u16_at(packet, at + 3)? != 1 {
        return None; // class other than IN
    }
    if qtype == IXFR || qtype == AXFR {
        return None; // zone transfers are refused by the general path
    }
    let question_end = at + 5;
    let question = &packet[12..question_end];
    let mut parsed = Parsed {
        question,
        lower,
        lower_len,
        labels,
        label_count,
        qtype,
        edns_payload: None,
        ecs: None,
    };
    if ar == 0 {
        return (question_end == packet.len()).then_some(parsed);
    }
    // The OPT record: root owner, type 41, class = payload size, TTL = extended RCODE,
    // version and flags, then the options.
    let opt = packet.get(question_end..)?;
    if opt.len() < 11 || opt[0] != 0 || u16_at(opt, 1)? != 41 || opt[6] != 0 {
        return None; // not OPT, or a version other than 0 (BADVERS)
    }
    let rdlen = usize::from(u16_at(opt, 9)?);
    let options = opt.get(11..)?;
    if options.len() != rdlen {
        return None;
    }
    parsed.edns_payload = Some(u16_at(opt, 3)?);
    let mut o = 0;
    while o < options.len() {
        let code = u16_at(options, o)?;
        let olen = usize::from(u16_at(options, o + 2)?);
        let body = options.get(o + 4..o + 4 + olen)?;
        if code == OPT_ECS {
            if parsed.ecs.is_some() || body.len() < 4 {
                return None;
            }
            if !crate::ecs::well_formed(body) {
                return None; // FORMERR (RFC 7871 section 6), from the general path
            }
            parsed.ecs =
                Some(Ecs { family: u16_at(body, 0)?, source_prefix: body[2], address: &body[4..] });
        }
        o += 4 + olen;
    }
    Some(parsed)
}

impl Parsed<'_> {
    /// The question's name in lowercase wire form.
    pub(crate) fn name(&self) -> &[u8] {
        &self.lower[..self.lower_len]
    }

    /// The question's type.
    pub(crate) fn qtype(&self) -> u16 {
        self.qtype
    }
}

impl Ecs<'_> {
    fn ip(&self) -> IpAddr {
        if self.family == 1 {
            let mut o = [0u8; 4];
            o[..self.address.len()].copy_from_slice(self.address);
            IpAddr::V4(Ipv4Addr::from(o))
        } else {
            let mut o = [0u8; 16];
            o[..self.address.len()].copy_from_slice(self.address);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    }
}

/// Writes the response to `q` into `out` (cleared first), or returns `false` when the general
/// path must answer.
pub(crate) fn respond(
    handler: &Handler,
    packet: &[u8],
    q: &Parsed<'_>,
    src: IpAddr,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    // Header: the request's ID; QR and AA set; RD and CD copied; counts patched below.
    out.extend_from_slice(&packet[..2]);
    out.push(0x84 | (packet[2] & 0x01));
    out.push(packet[3] & 0x10);
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(q.question);
    let (ip, source_prefix) = match &q.ecs {
        Some(e) => (e.ip(), Some(e.source_prefix)),
        None => (src, None),
    };
    let name = &q.lower[..q.lower_len];
    let labels = &q.labels[..q.label_count];
    let Some((count, scope)) = handler.with_client(q.qtype, ip, source_prefix, |snapshot, c| {
        snapshot.answer_wire(name, labels, q.qtype, c, out)
    }) else {
        return false;
    };
    out[6..8].copy_from_slice(&count.to_be_bytes());
    let limit = match q.edns_payload {
        Some(p) => {
            out[10..12].copy_from_slice(&1u16.to_be_bytes());
            // OPT: root owner, type 41, our payload size, no extended RCODE, version 0, no
            // flags; then the Client Subnet option echoed with its scope (RFC 7871 7.2.1).
            out.extend_from_slice(&[0, 0, 41]);
            out.extend_from_slice(&MAX_UDP_PAYLOAD.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            match &q.ecs {
                Some(e) => {
                    let olen = 4 + e.address.len() as u16;
                    out.extend_from_slice(&(olen + 4).to_be_bytes());
                    out.extend_from_slice(&OPT_ECS.to_be_bytes());
                    out.extend_from_slice(&olen.to_be_bytes());
                    out.extend_from_slice(&e.family.to_be_bytes());
                    out.push(e.source_prefix);
                    out.push(if e.source_prefix == 0 { 0 } else { scope });
                    out.extend_from_slice(e.address);
                }
                None => out.extend_from_slice(&[0, 0]),
            }
            usize::from(p.clamp(512, MAX_UDP_PAYLOAD))
        }
        None => 512,
    };
    if out.len() > limit {
        return false;
    }
    handler.log_query(|| crate::querylog::Entry {
        at: std::time::SystemTime::now(),
        client: src,
        qname: crate::querylog::QName::Wire(q.question[..q.question.len() - 4].into()),
        qtype: q.qtype,
        rcode: hickory_proto::op::ResponseCode::NoError,
        answers: count,
        ecs: q
            .ecs
            .as_ref()
            .map(|e| (e.ip(), e.source_prefix, if e.source_prefix == 0 { 0 } else { scope })),
    });
    true
}
