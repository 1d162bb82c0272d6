//! What [`GeoDb::add`](crate::GeoDb::add) builds from a database: a lookup [`Trie`] per
//! address family whose leaves point to the database's records, each decoded once into an
//! [`Entry`].
//!
//! The search tree is walked once (see [`crate::trie`]), and each data record it reaches is
//! decoded on first sight with the record reader of [`crate::record`] and translated to
//! Route 53's terms (country, continent, subdivision code, coordinates). Records that give
//! the same location share one entry. Lookups then only walk the trie and read an entry.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::net::IpAddr;
use std::ops::Range;

use maxminddb::Reader;
use policy::codes;
use policy::{Code, Continent, Coordinates};

use crate::db::Schema;
use crate::record::{Corrupt, Data, Fields};
use crate::trie::{Budget, BuildError, SearchTree, Terminal, Trie};

/// A database's search tree and records, decoded once when it is added.
///
/// Each trie maps an address to a leaf: the index of an [`Entry`] (low 24 bits) and the
/// prefix length of the tree network the address is in (high 8 bits).
pub(crate) struct Index {
    /// IPv4 addresses: the whole tree of an IPv4 database, the `::/96` subtree of an IPv6 one.
    v4: Trie,
    /// IPv6 addresses (IPv6 databases only).
    v6: Option<Trie>,
    /// What the leaves point to, each distinct location once; see [`NOT_FOUND`] and
    /// [`BAD_POINTER`].
    entries: Box<[Entry]>,
    /// For the entries of kind [`Kind::Corrupt`], sorted by entry: the record's data offset
    /// and what is wrong with it.
    corrupt: Box<[(u32, usize, &'static str)]>,
}

/// What a lookup finds in one database.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit<'a> {
    pub(crate) entry: &'a Entry,
    /// Which entry, for [`Index::corrupt`].
    pub(crate) entry_index: u32,
    /// The prefix length of the tree network the address is in, in its own family (for an
    /// IPv4 address in an IPv6 database whose tree ends above the IPv4 subtree, 0).
    pub(crate) prefix: u8,
}

/// Leaf bits holding the entry index; the prefix length sits above them.
const ENTRY_BITS: u32 = 24;
const ENTRY_MASK: u32 = (1 << ENTRY_BITS) - 1;
/// The entry of addresses without data.
const NOT_FOUND: u32 = 0;
/// The entry of addresses whose tree record points outside the data section.
const BAD_POINTER: u32 = 1;
/// In the IPv6 trie: the address continues in the IPv4 trie (see [`Index::find`]).
const IPV4_ALIAS: u32 = 2;
pub(crate) const BAD_POINTER_DETAIL: &str = "a search tree record points outside the data section";

/// What one database says about the addresses of one or more networks, in 32 bytes (one
/// cache line holds two).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(32))]
pub(crate) struct Entry {
    latitude: f64,
    longitude: f64,
    country: Option<Code>,
    subdivision: Option<Code>,
    continent: Option<Continent>,
    pub(crate) kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// No data for the network.
    NotFound,
    /// The tree record is not a valid data pointer: the lookup fails.
    BadPointer,
    /// The record cannot be decoded.
    Corrupt,
    /// A record, with or without coordinates.
    Place { coordinates: bool },
}

impl Entry {
    const fn of_kind(kind: Kind) -> Entry {
        Entry {
            latitude: 0.0,
            longitude: 0.0,
            country: None,
            subdivision: None,
            continent: None,
            kind,
        }
    }

    fn new(place: Place) -> Entry {
        let c = place.coordinates;
        Entry {
            latitude: c.map_or(0.0, |c| c.latitude),
            longitude: c.map_or(0.0, |c| c.longitude),
            country: place.country,
            subdivision: place.subdivision,
            continent: place.continent,
            kind: Kind::Place { coordinates: c.is_some() },
        }
    }

    /// What makes two entries the same location (coordinates by their bits; the continent
    /// counts too, since entries without a country may still have one).
    fn key(&self) -> EntryKey {
        let (lat, lon) = (self.latitude.to_bits(), self.longitude.to_bits());
        (self.kind, self.continent, self.country, self.subdivision, lat, lon)
    }

    #[inline]
    pub(crate) fn place(&self) -> Place {
        let coordinates = match self.kind {
            Kind::Place { coordinates: true } => {
                Some(Coordinates { latitude: self.latitude, longitude: self.longitude })
            }
            _ => None,
        };
        Place {
            country: self.country,
            continent: self.continent,
            subdivision: self.subdivision,
            coordinates,
        }
    }
}

type EntryKey = (Kind, Option<Continent>, Option<Code>, Option<Code>, u64, u64);

/// A deterministic hasher (FxHash's multiply-rotate) for the maps used while building: keys
/// are read from the file, but only the build time, never a result, depends on collisions.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        // The table picks buckets from the low bits: fold the well-mixed high bits in.
        self.0 ^ (self.0 >> 29)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Where a database's parts lie in its bytes.
pub(crate) struct Layout {
    node_count: u32,
    record_size: u16,
    ipv6: bool,
    /// The search tree.
    tree: Range<usize>,
    /// The data section.
    pub(crate) data: Range<usize>,
}

impl Layout {
    /// The layout the reader has checked: the search tree (`node_count` nodes of two
    /// records), 16 zero bytes, then data up to the metadata marker at `marker`.
    pub(crate) fn of<S: AsRef<[u8]>>(
        reader: &Reader<S>,
        marker: usize,
    ) -> Result<Layout, &'static str> {
        let m = reader.metadata();
        let tree = (m.node_count as usize)
            .checked_mul(usize::from(m.record_size))
            .map(|bits| bits / 4)
            .ok_or("its search tree is too large")?;
        let data = tree.saturating_add(16)..marker;
        if data.start > data.end {
            return Err("no room for a data section");
        }
        Ok(Layout {
            node_count: m.node_count,
            record_size: m.record_size,
            ipv6: m.ip_version == 6,
            tree: 0..tree,
            data,
        })
    }
}

/// Builds an [`Index`]: gives each terminal tree record its entry, decoding each data
/// record once.
struct IndexBuilder<'a> {
    tables: &'a Tables,
    schema: Schema,
    node_count: u32,
    data: Data<'a>,
    data_len: usize,
    entries: Vec<Entry>,
    /// Whether a walk ran out of address bits on an inner node.
    exhausted: bool,
    corrupt: Vec<(u32, usize, &'static str)>,
    by_record: FxMap<u32, u32>,
    /// The last records met, by hash: the tree is walked in address order, and
    /// neighbouring networks often share a record.
    recent: Box<[(u32, u32)]>,
    /// Entries by the hash of their [`Entry::key`] (a collision only costs a duplicate entry).
    by_place: FxMap<u64, u32>,
}

const RECENT: usize = 1 << 16;

impl Index {
    pub(crate) fn build(
        bytes: &[u8],
        layout: &Layout,
        schema: Schema,
        tables: &Tables,
    ) -> Result<Index, BuildError> {
        let tree_bytes = bytes
            .get(layout.tree.clone())
            .ok_or(BuildError("the search tree lies past the end of the file"))?;
        let data = bytes
            .get(layout.data.clone())
            .ok_or(BuildError("the data section lies past the end of the file"))?;
        let tree = SearchTree::new(tree_bytes, layout.node_count, layout.record_size)?;
        let mut builder = IndexBuilder {
            tables,
            schema,
            node_count: layout.node_count,
            data: Data::new(data),
            data_len: data.len(),
            // NOT_FOUND, BAD_POINTER, IPV4_ALIAS (resolved by `find`, never read).
            entries: vec![
                Entry::of_kind(Kind::NotFound),
                Entry::of_kind(Kind::BadPointer),
                Entry::of_kind(Kind::NotFound),
            ],
            exhausted: false,
            corrupt: Vec::new(),
            by_record: FxMap::default(),
            recent: vec![(0, 0); RECENT].into_boxed_slice(),
            by_place: FxMap::default(),
        };
        // Each node is visited once per path to it: about once (the IPv6 trie stops at the
        // IPv4 subtree, see below), a few times in trees with other shared subtrees.
        let mut budget = Budget::new(8 * u64::from(layout.node_count) + (1 << 20));
        let v4_start = if layout.ipv6 {
            // IPv4 addresses are looked up as `::a.b.c.d`: 96 zero bits first.
            let mut record = 0;
            for _ in 0..96 {
                if record >= layout.node_count {
                    break;
                }
                record = tree.children(record)?[0];
            }
            record
        } else {
            0
        };
        let v4 =
            Trie::build(&tree, v4_start, 32, None, &mut budget, &mut |t, p| builder.leaf(t, p))?;
        // GeoIP2 databases reach their IPv4 subtree from `::/96`, `::ffff:0:0/96` and
        // `2002::/16` (6to4): the IPv6 trie stops there with an alias leaf instead of holding
        // three more copies of the IPv4 networks, and lookups continue in the IPv4 trie. That
        // gives the same result only if every path of the IPv4 subtree ends within 32 bits.
        let alias = (v4_start < layout.node_count && !builder.exhausted).then_some(v4_start);
        let v6 = match layout.ipv6 {
            true => Some(Trie::build(&tree, 0, 128, alias, &mut budget, &mut |t, p| {
                builder.leaf(t, p)
            })?),
            false => None,
        };
        Ok(Index {
            v4,
            v6,
            entries: builder.entries.into_boxed_slice(),
            corrupt: builder.corrupt.into_boxed_slice(),
        })
    }

    /// What the database holds for `addr`; `None` for an IPv6 address in an IPv4 database.
    #[inline]
    pub(crate) fn find(&self, addr: IpAddr) -> Option<Hit<'_>> {
        let leaf = match addr {
            IpAddr::V4(v4) => self.v4.lookup(u128::from(u32::from(v4)) << 96),
            IpAddr::V6(v6) => {
                let key = u128::from(v6);
                let leaf = self.v6.as_ref()?.lookup(key);
                if leaf & ENTRY_MASK == IPV4_ALIAS {
                    // The IPv4 subtree, reached after `depth` (at most 96) bits: the next 32
                    // bits are an IPv4 address, and its prefix counts from the alias.
                    let depth = leaf >> ENTRY_BITS;
                    self.v4.lookup(key << depth) + (depth << ENTRY_BITS)
                } else {
                    leaf
                }
            }
        };
        let entry_index = leaf & ENTRY_MASK;
        Some(Hit {
            entry: &self.entries[entry_index as usize],
            entry_index,
            prefix: (leaf >> ENTRY_BITS) as u8,
        })
    }

    /// The data offset and problem of a [`Kind::Corrupt`] entry.
    pub(crate) fn corrupt(&self, entry: u32) -> (usize, &'static str) {
        match self.corrupt.binary_search_by_key(&entry, |(e, _, _)| *e) {
            Ok(i) => (self.corrupt[i].1, self.corrupt[i].2),
            Err(_) => (0, "unknown"),
        }
    }

    pub(crate) fn heap_size(&self) -> usize {
        self.v4.heap_size()
            + self.v6.as_ref().map_or(0, Trie::heap_size)
            + size_of_val(&*self.entries)
            + size_of_val(&*self.corrupt)
    }
}

impl IndexBuilder<'_> {
    /// The leaf value of a terminal met at prefix length `prefix`.
    fn leaf(&mut self, terminal: Terminal, prefix: u8) -> Result<u32, BuildError> {
        Ok((u32::from(prefix) << ENTRY_BITS) | self.entry(terminal)?)
    }

    fn entry(&mut self, terminal: Terminal) -> Result<u32, BuildError> {
        let record = match terminal {
            Terminal::Record(r) if r > self.node_count => r,
            Terminal::Record(_) => return Ok(NOT_FOUND),
            Terminal::Exhausted => {
                self.exhausted = true;
                return Ok(NOT_FOUND);
            }
            Terminal::Alias => return Ok(IPV4_ALIAS),
        };
        // Records are above `node_count`, so the zeroed cache holds none.
        let slot = (record.wrapping_mul(0x9e37_79b9) >> 16) as usize % RECENT;
        if self.recent[slot].0 == record {
            return Ok(self.recent[slot].1);
        }
        if let Some(entry) = self.by_record.get(&record) {
            self.recent[slot] = (record, *entry);
            return Ok(*entry);
        }
        let next = u32::try_from(self.entries.len())
            .ok()
            .filter(|n| *n <= ENTRY_MASK)
            .ok_or(BuildError("it has more than 16 777 215 distinct locations"))?;
        let offset = (record - self.node_count)
            .checked_sub(16)
            .map(|o| o as usize)
            .filter(|o| *o < self.data_len);
        let entry = match offset.map(|o| (o, decode(self.tables, self.schema, self.data, o))) {
            None => BAD_POINTER,
            Some((_, Ok(place))) => {
                let entry = Entry::new(place);
                let mut hasher = FxHasher::default();
                entry.key().hash(&mut hasher);
                let hash = hasher.finish();
                match self.by_place.get(&hash) {
                    Some(&same) if self.entries[same as usize].key() == entry.key() => same,
                    found => {
                        if found.is_none() {
                            self.by_place.insert(hash, next);
                        }
                        self.entries.push(entry);
                        next
                    }
                }
            }
            Some((offset, Err(Corrupt(detail)))) => {
                self.entries.push(Entry::of_kind(Kind::Corrupt));
                self.corrupt.push((next, offset, detail));
                next
            }
        };
        self.by_record.insert(record, entry);
        self.recent[slot] = (record, entry);
        Ok(entry)
    }
}

/// Route 53's tables, rearranged for constant-time lookups while building (the `policy`
/// crate's own lookups compare strings, and a database can have a million records).
///
/// Only what Route 53 can route on is kept: a country code Route 53 does not list is no
/// country, a continent code other than its seven is no continent, and a subdivision code it
/// does not list for the country is no subdivision.
pub(crate) struct Tables {
    /// The continent of every Route 53 country, indexed by its two letters (`AA` = 0).
    continents: Vec<Option<Continent>>,
    /// US state names: hash of the lower-cased name, name, code; sorted by hash.
    us_states: Vec<(u64, &'static str, Code)>,
}

impl Tables {
    pub(crate) fn new() -> Tables {
        let mut continents = vec![None; 26 * 26];
        for c in codes::COUNTRIES.iter() {
            if let Some(i) = letters_index(c.code.as_bytes()) {
                continents[i] = Some(c.continent);
            }
        }
        let mut us_states: Vec<_> = codes::SUBDIVISIONS
            .iter()
            .filter(|s| s.country == "US")
            .filter_map(|s| Some((name_hash(s.name.as_bytes()), s.name, Code::new(s.code)?)))
            .collect();
        us_states.sort_by_key(|(hash, _, _)| *hash);
        Tables { continents, us_states }
    }

    /// A country code as found in a database (two ASCII letters, any case) with the continent
    /// Route 53 puts it in; `None` for a code Route 53 does not list.
    fn country(&self, code: &[u8]) -> Option<(Code, Continent)> {
        let continent = self.continents[letters_index(code)?]?;
        Some((Code::new(std::str::from_utf8(code).ok()?)?, continent))
    }

    /// A continent code as found in a database (any case): one of Route 53's seven.
    fn continent(code: &[u8]) -> Option<Continent> {
        let upper = [code.first()?.to_ascii_uppercase(), code.get(1)?.to_ascii_uppercase()];
        match code.len() {
            2 => Continent::ALL.into_iter().find(|c| c.code().as_bytes() == upper),
            _ => None,
        }
    }

    /// A subdivision code as found in a GeoIP2 database (ISO 3166-2 without the country) in
    /// Route 53's terms: Route 53 numbers Crimea `11` and Sevastopol `20` where ISO has `43`
    /// and `40`; `None` for a code Route 53 does not list for the country.
    fn subdivision(country: Code, code: &[u8]) -> Option<Code> {
        let code = Code::new(std::str::from_utf8(code).ok()?)?;
        let code = match (country.as_str(), code.as_str()) {
            ("UA", "43") => Code::new("11")?,
            ("UA", "40") => Code::new("20")?,
            _ => code,
        };
        codes::subdivision(country.as_str(), code.as_str()).map(|_| code)
    }

    /// The code of a US state from its English name, ignoring case.
    fn us_state(&self, name: &[u8]) -> Option<Code> {
        let hash = name_hash(name);
        let start = self.us_states.partition_point(|(h, _, _)| *h < hash);
        self.us_states[start..]
            .iter()
            .take_while(|(h, _, _)| *h == hash)
            .find(|(_, n, _)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|(_, _, code)| *code)
    }
}

/// `AA` = 0 ... `ZZ` = 675, ignoring case; `None` for anything but two ASCII letters.
fn letters_index(code: &[u8]) -> Option<usize> {
    match code {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            let l = |c: &u8| usize::from(c.to_ascii_uppercase() - b'A');
            Some(l(a) * 26 + l(b))
        }
        _ => None,
    }
}

/// FNV-1a of the lower-cased bytes: deterministic, cheap for short names.
fn name_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Decodes the record at `offset` of a database's data section.
///
/// The most specific location the record gives, in Route 53's terms: its country (with the
/// continent Route 53 puts the country in) and subdivision; failing a country, the database's
/// own continent code; failing both, a GeoIP2 record's `registered_country` (where the
/// network is registered, which says less about where the client is than a continent does).
pub(crate) fn decode(
    t: &Tables,
    schema: Schema,
    data: Data<'_>,
    offset: usize,
) -> Result<Place, Corrupt> {
    let place = match schema {
        Schema::GeoIp2 => {
            let f = data.geoip2(offset)?;
            match f.country.and_then(|c| t.country(c)) {
                Some(country) => {
                    let sub = f.subdivision.and_then(|s| Tables::subdivision(country.0, s));
                    Place::new(Some(country), sub, &f)
                }
                None if f.continent.and_then(Tables::continent).is_some() => {
                    Place::new(None, None, &f)
                }
                None => Place::new(f.registered_country.and_then(|c| t.country(c)), None, &f),
            }
        }
        Schema::Flat => {
            let f = data.flat(offset)?;
            let country = f.country.and_then(|c| t.country(c));
            // Route 53 subdivisions are US states (and Ukrainian oblasts, whose names are
            // not mapped); flat databases give names, so only US state names translate.
            let subdivision = match (country, f.subdivision) {
                (Some((c, _)), Some(name)) if c.as_str() == "US" => t.us_state(name),
                _ => None,
            };
            Place::new(country, subdivision, &f)
        }
    };
    Ok(place)
}

/// What one database says about an address.
#[derive(Clone, Copy, Default)]
pub(crate) struct Place {
    pub(crate) country: Option<Code>,
    pub(crate) continent: Option<Continent>,
    pub(crate) subdivision: Option<Code>,
    pub(crate) coordinates: Option<Coordinates>,
}

impl Place {
    /// A place in `country` (with its Route 53 continent) or, without one, on the continent
    /// the record names.
    fn new(country: Option<(Code, Continent)>, subdivision: Option<Code>, f: &Fields<'_>) -> Place {
        Place {
            country: country.map(|(c, _)| c),
            continent: match country {
                Some((_, continent)) => Some(continent),
                None => f.continent.and_then(Tables::continent),
            },
            subdivision: country.and(subdivision),
            coordinates: coordinates(f.latitude, f.longitude),
        }
    }

    /// How much a place says for geolocation: 2 with a country, 1 with a continent only, 0
    /// with coordinates only, -1 with nothing.
    pub(crate) fn rank(&self) -> i8 {
        match (self.country, self.continent, self.coordinates) {
            (Some(_), _, _) => 2,
            (None, Some(_), _) => 1,
            (None, None, Some(_)) => 0,
            (None, None, None) => -1,
        }
    }
}

fn coordinates(latitude: Option<f64>, longitude: Option<f64>) -> Option<Coordinates> {
    let (Some(latitude), Some(longitude)) = (latitude, longitude) else {
        return None;
    };
    let ok = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
    ok.then_some(Coordinates { latitude, longitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_the_policy_crate() {
        let t = Tables::new();
        for a in b'A'..=b'Z' {
            for b in [a.to_ascii_lowercase(), b'Q', b'S'] {
                let code = [a, b];
                let upper = std::str::from_utf8(&code).unwrap().to_ascii_uppercase();
                let expected = Code::new(&upper).and_then(codes::continent_of);
                assert_eq!(t.country(&code).map(|(_, c)| c), expected, "{upper}");
            }
        }
        for code in [&b"G"[..], b"GBR", b"G1", b"", b"\xc3\xa9"] {
            assert_eq!(t.country(code), None);
        }
        for s in codes::SUBDIVISIONS.iter().filter(|s| s.country == "US") {
            let code = Code::new(s.code);
            assert_eq!(t.us_state(s.name.as_bytes()), code, "{}", s.name);
            assert_eq!(t.us_state(s.name.to_ascii_uppercase().as_bytes()), code);
            assert_eq!(codes::us_state_code(s.name).and_then(Code::new), code);
        }
        assert_eq!(t.us_state(b"England"), None);
        assert_eq!(t.us_state(b""), None);
        // Countries Route 53 does not list are no country.
        for code in [&b"ZZ"[..], b"EU", b"AP", b"UK", b"CX", b"BV"] {
            assert_eq!(t.country(code), None, "{code:?}");
        }
    }

    #[test]
    fn continent_and_subdivision_codes_in_route53_terms() {
        for c in Continent::ALL {
            assert_eq!(Tables::continent(c.code().as_bytes()), Some(c));
            assert_eq!(Tables::continent(c.code().to_ascii_lowercase().as_bytes()), Some(c));
        }
        for code in [&b"AP"[..], b"E", b"EUR", b"", b"--"] {
            assert_eq!(Tables::continent(code), None, "{code:?}");
        }
        let code = |s: &str| Code::new(s).unwrap();
        let sub = |country: &str, s: &[u8]| Tables::subdivision(code(country), s);
        // Every subdivision Route 53 lists is kept as it is, except where ISO differs.
        for s in codes::SUBDIVISIONS.iter() {
            assert_eq!(sub(s.country, s.code.as_bytes()), Some(code(s.code)), "{s:?}");
        }
        assert_eq!(sub("US", b"wa"), Some(code("WA")));
        assert_eq!(sub("UA", b"43"), Some(code("11")), "Crimea");
        assert_eq!(sub("UA", b"40"), Some(code("20")), "Sevastopol");
        assert_eq!(sub("UA", b"30"), Some(code("30")), "Kyiv");
        for (country, s) in [("GB", &b"ENG"[..]), ("US", b"ZZ"), ("US", b"PR"), ("FR", b"43")] {
            assert_eq!(sub(country, s), None, "{country} {s:?}");
        }
        assert_eq!(sub("US", b"\xff"), None);
    }

    #[test]
    fn records_with_the_same_location_share_an_entry() {
        let bytes = &include_bytes!("../tests/data/GeoIP2-City-Test.mmdb")[..];
        let reader = Reader::from_source(bytes).unwrap();
        let marker = bytes.windows(14).rposition(|w| w == b"\xab\xcd\xefMaxMind.com").unwrap();
        let layout = Layout::of(&reader, marker).unwrap();
        let index = Index::build(bytes, &layout, Schema::GeoIp2, &Tables::new()).unwrap();
        let options = maxminddb::WithinOptions::default();
        let records: std::collections::BTreeSet<_> =
            reader.networks(options).unwrap().filter_map(|r| r.unwrap().offset()).collect();
        let places = &index.entries[3..];
        assert!(places.len() < records.len(), "{} for {} records", places.len(), records.len());
        let keys: std::collections::BTreeSet<_> = places
            .iter()
            .map(|e| {
                let (kind, continent, country, subdivision, lat, lon) = e.key();
                (format!("{kind:?}"), continent, country, subdivision, lat, lon)
            })
            .collect();
        assert_eq!(keys.len(), places.len(), "all distinct");
    }

    #[test]
    fn entries_take_32_bytes() {
        assert_eq!(size_of::<Entry>(), 32);
    }
}
