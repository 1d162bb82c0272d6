//! The EDNS Client Subnet option of a query checked as RFC 7871 requires, on the bytes as
//! received, so that the lean path in [`crate::fast`] and the general path agree.
//!
//! A query gets FORMERR when its Client Subnet option
//! - has a FAMILY other than 1 (IPv4) or 2 (IPv6) (section 7.2.1),
//! - has a SOURCE PREFIX-LENGTH longer than the family's addresses (32 or 128 bits),
//! - has a SCOPE PREFIX-LENGTH other than 0 (section 6: "In queries, it MUST be set to 0"),
//! - has more or fewer ADDRESS octets than SOURCE PREFIX-LENGTH needs, `ceil(prefix / 8)`,
//!   which includes any address octet with a /0 prefix (section 6),
//! - has ADDRESS bits set beyond SOURCE PREFIX-LENGTH (section 6),
//! - or appears more than once in the query.
//!
//! hickory-proto reads only the octets the prefix needs and drops the rest, so the general
//! path checks the raw request with [`malformed_in`] rather than the decoded option.

/// EDNS option code of Client Subnet (RFC 7871).
pub(crate) const OPT_ECS: u16 = 8;

/// RR type of OPT (RFC 6891).
const OPT: u16 = 41;

/// Whether `body` (the option data after OPTION-CODE and OPTION-LENGTH) is a Client Subnet
/// option a query may carry.
pub(crate) fn well_formed(body: &[u8]) -> bool {
    let [f0, f1, source, scope, address @ ..] = body else { return false };
    let max = match u16::from_be_bytes([*f0, *f1]) {
        1 => 32,
        2 => 128,
        _ => return false,
    };
    if *source > max || *scope != 0 || address.len() != usize::from(*source).div_ceil(8) {
        return false;
    }
    // Bits of the last octet beyond the prefix must be zero.
    let spare = (8 - source % 8) % 8;
    match address.last() {
        Some(last) => last & ((1u16 << spare) - 1) as u8 == 0,
        None => true,
    }
}

/// Whether the query `packet` (already known to parse) carries a Client Subnet option that
/// must get FORMERR: one that is not [`well_formed`], or more than one. A packet whose
/// sections cannot be walked is left to the decoder (`false`).
pub(crate) fn malformed_in(packet: &[u8]) -> bool {
    let Some(options) = opt_options(packet) else { return false };
    let mut seen = false;
    let mut o = 0;
    while o + 4 <= options.len() {
        let code = u16::from_be_bytes([options[o], options[o + 1]]);
        let len = usize::from(u16::from_be_bytes([options[o + 2], options[o + 3]]));
        let Some(body) = options.get(o + 4..o + 4 + len) else { return false };
        if code == OPT_ECS {
            if seen || !well_formed(body) {
                return true;
            }
            seen = true;
        }
        o += 4 + len;
    }
    false
}

fn u16_at(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*p.get(at)?, *p.get(at + 1)?]))
}

/// The offset just past the (possibly compressed) name at `at`.
fn skip_name(p: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let l = *p.get(at)?;
        match l & 0xC0 {
            0 if l == 0 => return Some(at + 1),
            0 => at += 1 + usize::from(l),
            0xC0 => return Some(at + 2),
            _ => return None,
        }
    }
}

/// The options (RDATA) of the first OPT record of the additional section.
fn opt_options(p: &[u8]) -> Option<&[u8]> {
    let (qd, an, ns, ar) = (u16_at(p, 4)?, u16_at(p, 6)?, u16_at(p, 8)?, u16_at(p, 10)?);
    let mut at = 12;
    for _ in 0..qd {
        at = skip_name(p, at)? + 4;
    }
    for i in 0..u32::from(an) + u32::from(ns) + u32::from(ar) {
        at = skip_name(p, at)?;
        let rtype = u16_at(p, at)?;
        let rdlen = usize::from(u16_at(p, at + 8)?);
        let rdata = p.get(at + 10..at + 10 + rdlen)?;
        if rtype == OPT && i >= u32::from(an) + u32::from(ns) {
            return Some(rdata);
        }
        at += 10 + rdlen;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn rfc_7871_section_6_rules() {
        assert!(well_formed(&[0, 1, 24, 0, 192, 0, 2]));
        assert!(well_formed(&[0, 1, 0, 0]));
        assert!(well_formed(&[0, 1, 20, 0, 192, 0, 0x10]));
        assert!(well_formed(&[0, 2, 56, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0]));
        assert!(well_formed(&[0, 1, 32, 0, 192, 0, 2, 1]));
        assert!(!well_formed(&[0, 1, 20, 0, 192, 0, 0x12]), "bits beyond the prefix");
        assert!(!well_formed(&[0, 1, 0, 0, 192, 0, 2, 1]), "address octets with /0");
        assert!(!well_formed(&[0, 1, 24, 0, 192, 0, 2, 0]), "too many octets");
        assert!(!well_formed(&[0, 1, 24, 0, 192, 0]), "too few octets");
        assert!(!well_formed(&[0, 1, 24, 16, 192, 0, 2]), "scope in a query");
        assert!(!well_formed(&[0, 3, 0, 0]), "unknown family");
        assert!(!well_formed(&[0, 1, 33, 0, 192, 0, 2, 1, 0]), "prefix too long for IPv4");
        assert!(!well_formed(&[0, 1, 24]), "short option");
    }
}
