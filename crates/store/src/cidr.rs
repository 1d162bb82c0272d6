//! CIDR collections (Route 53 IP-based routing): collections of named locations, each a set of
//! CIDR blocks, and the record sets that route by them.
//!
//! The store keeps blocks in canonical text form ([`Cidr`]'s `Display`), refuses a block in
//! two locations of one collection, counts versions, and checks inside the write transaction
//! what must not race with record-set batches: a collection named by a record set cannot be
//! deleted, and a record set cannot name a collection that does not exist (the `records`
//! column `cidr_collection_id`, filled from the routing JSON, with a foreign key behind it).
//! Route 53's value rules (prefix lengths, name patterns, request sizes) are the service
//! layer's; the store only refuses what would make its data inconsistent.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Result, StoreError};

/// Longest collection name (Route 53 `CollectionName`).
pub(crate) const MAX_NAME: usize = 64;
/// Longest caller reference (Route 53 `CidrNonce`).
pub(crate) const MAX_CALLER_REFERENCE: usize = 64;
/// Longest location name (Route 53 `CidrLocationNameDefaultNotAllowed`).
pub(crate) const MAX_LOCATION: usize = 16;
/// Rows per multi-row INSERT (3 bound values each, well under SQLite's limit).
pub(crate) const INSERT_CHUNK: usize = 500;

/// An IP network in CIDR notation: an address and a prefix length.
///
/// Ordered IPv4 before IPv6, then by address, then by prefix length. `Display` writes the
/// canonical form: the address as Rust writes it (dotted quad; RFC 5952 for IPv6, lower
/// case and compressed), a slash and the decimal prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    /// The address as given (host bits may be set; see [`Cidr::network`]).
    pub addr: IpAddr,
    /// The prefix length: 0-32 for IPv4, 0-128 for IPv6.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `ADDRESS/PREFIX` exactly (no spaces, no sign, no leading zeros in the prefix).
    /// Host bits may be set: see [`Cidr::is_network`]. The error says what is wrong.
    pub fn parse(text: &str) -> std::result::Result<Cidr, String> {
        let shape = "a CIDR block is an address and a prefix length, such as 192.0.2.0/24 or \
                     2001:db8::/32";
        let Some((addr, prefix)) = text.split_once('/') else {
            return Err(format!("{text:?} has no prefix length: {shape}"));
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?}: {addr:?} is not an IPv4 or IPv6 address: {shape}"))?;
        let digits_ok = !prefix.is_empty()
            && prefix.len() <= 3
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && (prefix == "0" || !prefix.starts_with('0'));
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|_| digits_ok)
            .ok_or_else(|| format!("{text:?}: {prefix:?} is not a prefix length: {shape}"))?;
        let cidr = Cidr { addr, prefix };
        if prefix > cidr.max_prefix() {
            return Err(format!(
                "{text:?}: the prefix length of an {} block is at most {}",
                if addr.is_ipv4() { "IPv4" } else { "IPv6" },
                cidr.max_prefix()
            ));
        }
        Ok(cidr)
    }

    /// 32 for IPv4, 128 for IPv6.
    pub fn max_prefix(&self) -> u8 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// The network: the address with its host bits cleared.
    pub fn network(&self) -> Cidr {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        Cidr { addr, prefix: self.prefix }
    }

    /// Whether no host bit is set (the address is the network's first address).
    pub fn is_network(&self) -> bool {
        self.network() == *self
    }

    /// Whether `addr` is in this network (never across address families).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                Cidr { addr, prefix: self.prefix }.network() == self.network()
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Cidr, String> {
        Cidr::parse(s)
    }
}

/// Whether `name` is 1 to `max` characters, each an ASCII letter, digit, `_` or `-`.
pub(crate) fn is_plain_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn check_name(value: &str, what: &str, max: usize) -> Result<()> {
    if is_plain_name(value, max) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "invalid {what} {value:?}: 1 to {max} letters, digits, '_' or '-'"
        )))
    }
}

pub(crate) fn check_canonical(cidr: &str) -> Result<()> {
    match Cidr::parse(cidr) {
        Ok(c) if c.is_network() && c.to_string() == cidr => Ok(()),
        Ok(c) => Err(StoreError::Invalid(format!(
            "CIDR block {cidr:?} is not in canonical form (expected {})",
            c.network()
        ))),
        Err(m) => Err(StoreError::Invalid(m)),
    }
}

/// The CIDR collection a record's routing JSON names (`CidrRoutingConfig.CollectionId`), if
/// any. Text that is not JSON names none (the store does not check routing settings).
pub(crate) fn routing_collection(routing: Option<&str>) -> Option<String> {
    let text = routing?;
    if !text.contains("CidrRoutingConfig") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("CidrRoutingConfig")?.get("CollectionId")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_text_forms() {
        for (text, canonical, network) in [
            ("192.0.2.0/24", "192.0.2.0/24", true),
            ("192.0.2.1/24", "192.0.2.1/24", false),
            ("2001:DB8::/32", "2001:db8::/32", true),
            ("2001:0db8:0000::/48", "2001:db8::/48", true),
            ("0.0.0.0/0", "0.0.0.0/0", true),
            ("::/0", "::/0", true),
            ("10.0.0.0/8", "10.0.0.0/8", true),
        ] {
            let c = Cidr::parse(text).unwrap();
            assert_eq!(c.to_string(), canonical, "{text}");
            assert_eq!(c.is_network(), network, "{text}");
        }
        assert_eq!(Cidr::parse("192.0.2.77/25").unwrap().network().to_string(), "192.0.2.0/25");
        assert_eq!(
            Cidr::parse("2001:db8:ffff::1/33").unwrap().network().to_string(),
            "2001:db8:8000::/33"
        );
        for bad in [
            "192.0.2.0",
            "192.0.2.0/",
            "192.0.2.0/33",
            "2001:db8::/129",
            "192.0.2.0/+8",
            "192.0.2.0/08",
            "192.0.2.0/ 8",
            " 192.0.2.0/8",
            "300.0.0.0/8",
            "010.0.0.0/8",
            "garbage",
            "/8",
            "192.0.2.0/8/8",
            "192.0.2.0/1000",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad} should not parse");
        }
        let err = Cidr::parse("192.0.2.0/33").unwrap_err();
        assert!(err.contains("at most 32"), "{err}");
    }

    #[test]
    fn containment_stays_in_one_family() {
        let v4 = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(v4.contains("192.0.2.200".parse().unwrap()));
        assert!(!v4.contains("192.0.3.1".parse().unwrap()));
        assert!(!v4.contains("::ffff:192.0.2.1".parse().unwrap()));
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(all6.contains("2001:db8::1".parse().unwrap()));
        assert!(!all6.contains("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn routing_json_names_a_collection() {
        let id = "0f3c7a5e-1111-4222-8333-444455556666";
        let routing =
            format!(r#"{{"CidrRoutingConfig":{{"CollectionId":"{id}","LocationName":"*"}}}}"#);
        assert_eq!(routing_collection(Some(&routing)).as_deref(), Some(id));
        assert_eq!(routing_collection(Some(r#"{"Weight":1}"#)), None);
        assert_eq!(routing_collection(Some("CidrRoutingConfig but not JSON")), None);
        assert_eq!(routing_collection(None), None);
    }
}
