//! Address helpers shared by the database and the latency table.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Bits in an address of this family: 32 or 128.
pub(crate) fn width(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// An address as looked up: IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) become the IPv4
/// address they carry, and prefix lengths found for them are translated back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Canonical {
    /// The address to look up.
    pub(crate) addr: IpAddr,
    mapped: bool,
}

impl Canonical {
    pub(crate) fn of(ip: IpAddr) -> Canonical {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Canonical { addr: IpAddr::V4(v4), mapped: true },
                None => Canonical { addr: ip, mapped: false },
            },
            IpAddr::V4(_) => Canonical { addr: ip, mapped: false },
        }
    }

    /// A prefix length found for `addr`, expressed for the address originally given.
    pub(crate) fn scope(self, prefix: u8) -> u8 {
        if self.mapped { prefix.saturating_add(96).min(128) } else { prefix }
    }
}

/// The address as an integer, right-aligned (IPv4 uses the low 32 bits).
pub(crate) fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Keeps the first `prefix` of `width` bits of `value` (right-aligned).
pub(crate) fn mask(value: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let host_bits = u32::from(width.saturating_sub(prefix));
    let low = if width >= 128 { u128::MAX } else { (1u128 << width) - 1 };
    value & (u128::MAX << host_bits) & low
}

/// Number of leading bits two `width`-bit values share.
pub(crate) fn common_prefix(a: u128, b: u128, width: u8) -> u8 {
    let lz = (a ^ b).leading_zeros() - (128 - u32::from(width));
    lz.min(u32::from(width)) as u8
}

/// Zeroes all but the first `prefix` bits of an address (`prefix` beyond the family's width
/// keeps the whole address).
pub(crate) fn truncate(ip: IpAddr, prefix: u8) -> IpAddr {
    let w = width(ip);
    let kept = mask(bits(ip), prefix.min(w), w);
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(kept as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(kept)),
    }
}

/// An IP network (address and prefix length) with no host bits set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `address/prefix`. IPv4-mapped IPv6 networks of /96 or longer are turned into the
    /// IPv4 network they denote, since mapped addresses are looked up as IPv4.
    pub(crate) fn parse(s: &str) -> Result<Network, String> {
        let Some((addr, prefix)) = s.split_once('/') else {
            return Err(format!(
                "{s:?} is not a network in CIDR form such as 81.2.69.0/24 or 2001:db8::/32"
            ));
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
        let w = width(addr);
        let prefix: u8 = match prefix.parse() {
            Ok(p) if p <= w => p,
            _ => return Err(format!("prefix length {prefix:?} must be a number from 0 to {w}")),
        };
        let network = truncate(addr, prefix);
        if network != addr {
            return Err(format!(
                "{s:?} has host bits set: the network is {network}/{prefix} (or give the \
                 address as /{w})"
            ));
        }
        if let IpAddr::V6(v6) = addr
            && let Some(v4) = v6.to_ipv4_mapped()
            && prefix >= 96
        {
            return Ok(Network { addr: IpAddr::V4(v4), prefix: prefix - 96 });
        }
        Ok(Network { addr, prefix })
    }

    /// The network address.
    pub(crate) fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub(crate) fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn masks_and_common_prefixes() {
        assert_eq!(truncate(ip("81.2.69.142"), 24), ip("81.2.69.0"));
        assert_eq!(truncate(ip("81.2.69.142"), 0), ip("0.0.0.0"));
        assert_eq!(truncate(ip("81.2.69.142"), 32), ip("81.2.69.142"));
        assert_eq!(truncate(ip("81.2.69.142"), 200), ip("81.2.69.142"));
        assert_eq!(truncate(ip("2001:db8:1:2::1"), 48), ip("2001:db8:1::"));
        assert_eq!(truncate(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        let (a, b) = (bits(ip("10.0.0.0")), bits(ip("10.128.0.0")));
        assert_eq!(common_prefix(a, b, 32), 8);
        assert_eq!(common_prefix(a, a, 32), 32);
        assert_eq!(common_prefix(bits(ip("::")), bits(ip("8000::")), 128), 0);
        assert_eq!(common_prefix(bits(ip("::1")), bits(ip("::1")), 128), 128);
    }

    #[test]
    fn canonical_unmaps_ipv4_mapped_addresses() {
        let c = Canonical::of(ip("::ffff:81.2.69.142"));
        assert_eq!(c.addr, ip("81.2.69.142"));
        assert_eq!(c.scope(24), 120);
        let c = Canonical::of(ip("2001:db8::1"));
        assert_eq!(c.addr, ip("2001:db8::1"));
        assert_eq!(c.scope(32), 32);
    }

    #[test]
    fn parses_networks() {
        let n = Network::parse("81.2.69.0/24").unwrap();
        assert_eq!((n.addr(), n.prefix()), (ip("81.2.69.0"), 24));
        assert_eq!(n.to_string(), "81.2.69.0/24");
        assert_eq!(Network::parse("::/0").unwrap().prefix(), 0);
        let mapped = Network::parse("::ffff:81.2.69.0/120").unwrap();
        assert_eq!((mapped.addr(), mapped.prefix()), (ip("81.2.69.0"), 24));
        let e = Network::parse("81.2.69.1/24").unwrap_err();
        assert!(e.contains("host bits") && e.contains("81.2.69.0/24"), "{e}");
        assert!(Network::parse("81.2.69.0/33").unwrap_err().contains("0 to 32"));
        assert!(Network::parse("81.2.69.0").unwrap_err().contains("CIDR"));
        assert!(Network::parse("gb/8").unwrap_err().contains("not an IP address"));
    }
}
