//! Measured round-trip times from client networks or countries to regions.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use policy::codes;
use policy::{ClientLocation, Code, LatencyOracle};

use crate::net::{Canonical, Network, bits, common_prefix, mask, width};

/// Who a measurement is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Client {
    Network(Network),
    Country(Code),
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::Network(n) => n.fmt(f),
            Client::Country(c) => c.fmt(f),
        }
    }
}

/// A client's measurements: a range of [`LatencyTable::measurements`], sorted by region.
#[derive(Clone, Copy, Debug)]
struct Group {
    start: u32,
    end: u32,
}

/// All networks of one prefix length in one address family, sorted by network address.
#[derive(Debug)]
struct Level {
    prefix: u8,
    networks: Vec<(u128, Group)>,
}

/// The networks of one address family, most specific prefix length first.
#[derive(Debug, Default)]
struct Family {
    levels: Vec<Level>,
}

/// Measured round-trip times from client networks and countries to regions, parsed from
/// CSV text (see [`LatencyTable::parse`]).
///
/// For a client address and a region, the measurement of the most specific network
/// containing the address that has one for the region wins; failing that, the one for the
/// client's country; failing that, there is none and the engine estimates the latency from
/// distance.
pub struct LatencyTable {
    /// Region codes, sorted; measurements refer to them by index.
    regions: Vec<Box<str>>,
    /// `(region index, rtt_ms)`, grouped by client, each group sorted by region index.
    measurements: Vec<(u32, f64)>,
    v4: Family,
    v6: Family,
    /// Sorted by code.
    countries: Vec<(Code, Group)>,
}

impl fmt::Debug for LatencyTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LatencyTable")
            .field("measurements", &self.measurements.len())
            .field("regions", &self.regions.len())
            .field("countries", &self.countries.len())
            .finish_non_exhaustive()
    }
}

const HEADER: [&str; 3] = ["client", "region", "rtt_ms"];

impl LatencyTable {
    /// A table with no measurements.
    pub fn empty() -> LatencyTable {
        LatencyTable {
            regions: Vec::new(),
            measurements: Vec::new(),
            v4: Family::default(),
            v6: Family::default(),
            countries: Vec::new(),
        }
    }

    /// Parses CSV text with the columns `client,region,rtt_ms`, one measurement a line:
    ///
    /// - `client`: a network in CIDR form, IPv4 or IPv6 (`81.2.69.0/24`, `2001:db8::/32`),
    ///   with no host bits set, or a two-letter Route 53 country code (`GB`);
    /// - `region`: a region code (`eu-west-2`, or a custom location code); which codes exist
    ///   is checked where the policy is compiled, not here;
    /// - `rtt_ms`: the round-trip time in milliseconds, a non-negative number.
    ///
    /// Blank lines and lines starting with `#` are ignored, as is a first line
    /// `client,region,rtt_ms`. Fails with one message per bad line, naming the line number
    /// and what is allowed; a client and region given twice is an error too.
    pub fn parse(text: &str) -> Result<LatencyTable, Vec<String>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut errors = Vec::new();
        let mut first_line: BTreeMap<(Client, &str), usize> = BTreeMap::new();
        let mut rows: BTreeMap<Client, Vec<(&str, f64)>> = BTreeMap::new();
        let mut header_allowed = true;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if std::mem::take(&mut header_allowed)
                && fields.len() == HEADER.len()
                && fields.iter().zip(HEADER).all(|(f, h)| f.eq_ignore_ascii_case(h))
            {
                continue;
            }
            match parse_row(&fields) {
                Ok((client, region, rtt)) => match first_line.get(&(client, region)) {
                    Some(first) => errors.push(format!(
                        "line {number}: client {client} and region {region} were already given \
                         on line {first}; give each pair once"
                    )),
                    None => {
                        first_line.insert((client, region), number);
                        rows.entry(client).or_default().push((region, rtt));
                    }
                },
                Err(e) => errors.push(format!("line {number}: {e}")),
            }
        }
        if errors.is_empty() { Ok(LatencyTable::build(rows)) } else { Err(errors) }
    }

    fn build(rows: BTreeMap<Client, Vec<(&str, f64)>>) -> LatencyTable {
        let mut regions: Vec<Box<str>> =
            rows.values().flatten().map(|(r, _)| Box::<str>::from(*r)).collect();
        regions.sort_unstable();
        regions.dedup();
        let mut table = LatencyTable { regions, ..LatencyTable::empty() };
        // BTreeMap order: networks (by address, then prefix) before countries.
        let mut v4: BTreeMap<u8, Vec<(u128, Group)>> = BTreeMap::new();
        let mut v6: BTreeMap<u8, Vec<(u128, Group)>> = BTreeMap::new();
        for (client, measured) in rows {
            let start = table.measurements.len() as u32;
            let mut group: Vec<(u32, f64)> = measured
                .iter()
                .filter_map(|(r, rtt)| Some((table.region_index(r)?, *rtt)))
                .collect();
            group.sort_by_key(|(r, _)| *r);
            table.measurements.extend(group);
            let group = Group { start, end: table.measurements.len() as u32 };
            match client {
                Client::Country(code) => table.countries.push((code, group)),
                Client::Network(n) => {
                    let family = if n.addr().is_ipv4() { &mut v4 } else { &mut v6 };
                    family.entry(n.prefix()).or_default().push((bits(n.addr()), group));
                }
            }
        }
        table.countries.sort_by_key(|(c, _)| *c);
        for (family, levels) in [(&mut table.v4, v4), (&mut table.v6, v6)] {
            family.levels = levels
                .into_iter()
                .rev()
                .map(|(prefix, mut networks)| {
                    networks.sort_by_key(|(n, _)| *n);
                    Level { prefix, networks }
                })
                .collect();
        }
        table
    }

    /// Number of measurements.
    pub fn len(&self) -> usize {
        self.measurements.len()
    }

    /// Whether there are no measurements.
    pub fn is_empty(&self) -> bool {
        self.measurements.is_empty()
    }

    /// The region codes measurements are given for, sorted: for checking them against the
    /// regions the policies use.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.iter().map(|r| &**r)
    }

    /// The measured round-trip time from the client with this address (and country, for
    /// the country fallback) to the region, in milliseconds.
    pub fn rtt_ms(&self, ip: IpAddr, country: Option<Code>, region_code: &str) -> Option<f64> {
        let region = self.region_index(region_code)?;
        let addr = Canonical::of(ip).addr;
        let value = bits(addr);
        let w = width(addr);
        for level in &self.family(addr).levels {
            let key = mask(value, level.prefix, w);
            if let Ok(i) = level.networks.binary_search_by_key(&key, |(n, _)| *n)
                && let Some(rtt) = self.find(level.networks[i].1, region)
            {
                return Some(rtt);
            }
        }
        let country = country?;
        let i = self.countries.binary_search_by_key(&country, |(c, _)| *c).ok()?;
        self.find(self.countries[i].1, region)
    }

    /// The latency oracle for one query from this address.
    pub fn for_client(&self, ip: IpAddr) -> ClientLatency<'_> {
        ClientLatency { table: Some(self), ip }
    }

    /// The EDNS Client Subnet scope the table's network measurements impose on an answer
    /// for this address: the smallest prefix length `s` such that every address in `ip/s`
    /// is matched by exactly the same networks of the table as `ip` (so gets the same
    /// measurements). That is at least the longest table network containing `ip`, and
    /// longer when a more specific table network lies next to `ip` inside that network.
    ///
    /// `None` when the table has no networks of the address's family (country rows depend
    /// on the country, which the geolocation scope already covers). For an IPv4-mapped IPv6
    /// address the prefix is an IPv6 one (96 + the IPv4 prefix).
    pub fn scope_prefix_for(&self, ip: IpAddr) -> Option<u8> {
        let canonical = Canonical::of(ip);
        let addr = canonical.addr;
        let family = self.family(addr);
        if family.levels.is_empty() {
            return None;
        }
        let value = bits(addr);
        let w = width(addr);
        let mut scope = 0;
        for level in &family.levels {
            let key = mask(value, level.prefix, w);
            match level.networks.binary_search_by_key(&key, |(n, _)| *n) {
                Ok(_) => scope = scope.max(level.prefix),
                Err(at) => {
                    // The networks of this level that share the longest prefix with `ip` are
                    // its neighbours in sorted order. `ip/s` must be too long to contain them.
                    let neighbours = [at.checked_sub(1), Some(at)];
                    for i in neighbours.into_iter().flatten() {
                        if let Some((network, _)) = level.networks.get(i) {
                            scope = scope.max(common_prefix(value, *network, w) + 1);
                        }
                    }
                }
            }
        }
        Some(canonical.scope(scope))
    }

    fn family(&self, addr: IpAddr) -> &Family {
        if addr.is_ipv4() { &self.v4 } else { &self.v6 }
    }

    fn region_index(&self, code: &str) -> Option<u32> {
        self.regions.binary_search_by(|r| (**r).cmp(code)).ok().map(|i| i as u32)
    }

    fn find(&self, group: Group, region: u32) -> Option<f64> {
        let measured = &self.measurements[group.start as usize..group.end as usize];
        measured.binary_search_by_key(&region, |(r, _)| *r).ok().map(|i| measured[i].1)
    }
}

fn parse_row<'a>(fields: &[&'a str]) -> Result<(Client, &'a str, f64), String> {
    let [client, region, rtt] = fields else {
        return Err(format!(
            "expected 3 comma-separated fields client,region,rtt_ms but found {}",
            fields.len()
        ));
    };
    let client = parse_client(client)?;
    if region.is_empty() || region.contains(char::is_whitespace) {
        return Err(format!(
            "region {region:?} must be a region code such as us-east-1 or a custom location code"
        ));
    }
    match rtt.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms >= 0.0 => Ok((client, region, ms)),
        _ => Err(format!(
            "rtt_ms {rtt:?} must be a non-negative number of milliseconds such as 23.5"
        )),
    }
}

fn parse_client(s: &str) -> Result<Client, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        let upper = s.to_ascii_uppercase();
        return match (codes::country(&upper), Code::new(&upper)) {
            (Some(_), Some(code)) => Ok(Client::Country(code)),
            _ => Err(format!("client {s:?} is not a Route 53 country code")),
        };
    }
    if s.contains('/') || s.parse::<IpAddr>().is_ok() {
        return Network::parse(s).map(Client::Network).map_err(|e| format!("client {e}"));
    }
    Err(format!(
        "client {s:?} must be a network in CIDR form (81.2.69.0/24, 2001:db8::/32) or a \
         two-letter country code (GB)"
    ))
}

/// The latency oracle for one query: knows the client's address, finds the country in the
/// [`ClientLocation`] it is asked about. Small and `Copy`; answering never allocates.
#[derive(Clone, Copy, Debug)]
pub struct ClientLatency<'a> {
    table: Option<&'a LatencyTable>,
    ip: IpAddr,
}

impl ClientLatency<'static> {
    /// No measurements: the engine estimates every latency from distance.
    pub const NONE: ClientLatency<'static> =
        ClientLatency { table: None, ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED) };
}

impl<'a> ClientLatency<'a> {
    /// The oracle for `ip` over `table`, or one without measurements when there is no table.
    pub fn new(table: Option<&'a LatencyTable>, ip: IpAddr) -> ClientLatency<'a> {
        ClientLatency { table, ip }
    }

    /// The client address the measurements are looked up for.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl LatencyOracle for ClientLatency<'_> {
    fn rtt_ms(&self, client: &ClientLocation, region_code: &str) -> Option<f64> {
        self.table?.rtt_ms(self.ip, client.country, region_code)
    }
}
