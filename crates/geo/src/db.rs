//! MaxMind-format geolocation databases: loading, schema detection and per-query lookups.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::ops::Range;

use maxminddb::{Reader, WithinOptions};
use policy::codes;
use policy::{ClientLocation, Code, Continent, Coordinates};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::net::{Canonical, width};
use crate::record::{Corrupt, Data, Fields};
use crate::trie::{Budget, BuildError, SearchTree, Terminal, Trie};

/// The record layouts [`GeoDb`] understands, detected per database when it is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// MaxMind GeoIP2 / GeoLite2 City or Country (and Enterprise): nested records with
    /// `country.iso_code` (falling back to `registered_country.iso_code`),
    /// `subdivisions[0].iso_code` and `location.latitude` / `location.longitude`.
    GeoIp2,
    /// The flat DB-IP "lite" layout (as packaged by ip-location-db): `country_code`,
    /// `state1` (a subdivision *name*), `latitude` / `longitude` as 32-bit floats.
    Flat,
}

impl Schema {
    /// A short human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Schema::GeoIp2 => "GeoIP2",
            Schema::Flat => "flat (DB-IP style)",
        }
    }
}

/// What went wrong with a database handed to [`GeoDb::add`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoErrorKind {
    /// The bytes are not a MaxMind DB file at all (no metadata section).
    NotMmdb,
    /// A MaxMind DB file that cannot be read: bad metadata, search tree or data section.
    Corrupt,
    /// A readable MaxMind DB whose records carry no location fields this crate knows.
    UnsupportedSchema,
    /// A database with this name was already added.
    DuplicateName,
}

/// A database that could not be added (or looked up in); the message names the database and
/// says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoError {
    database: String,
    kind: GeoErrorKind,
    detail: String,
}

impl GeoError {
    fn new(database: &str, kind: GeoErrorKind, detail: impl Into<String>) -> GeoError {
        GeoError { database: database.to_owned(), kind, detail: detail.into() }
    }

    /// The name the database was added under.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The kind of problem.
    pub fn kind(&self) -> GeoErrorKind {
        self.kind
    }
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            GeoErrorKind::NotMmdb => "is not a MaxMind DB (.mmdb) file",
            GeoErrorKind::Corrupt => "is a corrupt MaxMind DB file",
            GeoErrorKind::UnsupportedSchema => "has an unsupported schema",
            GeoErrorKind::DuplicateName => "is added twice",
        };
        write!(f, "geolocation database {:?} {what}: {}", self.database, self.detail)
    }
}

impl std::error::Error for GeoError {}

/// Facts about one loaded database, for logs and `status` output.
#[derive(Clone, Copy, Debug)]
pub struct DatabaseInfo<'a> {
    /// The name it was added under.
    pub name: &'a str,
    /// The detected record layout.
    pub schema: Schema,
    /// The metadata's `database_type` (e.g. `"GeoIP2-City"`, or `"city"` for DB-IP files).
    pub database_type: &'a str,
    /// 4 for an IPv4-only database, 6 for one that holds IPv6 (and possibly IPv4) networks.
    pub ip_version: u16,
    /// When the database was built, in seconds since the Unix epoch.
    pub build_epoch: u64,
    /// Size of the database in bytes.
    pub size: usize,
}

/// One added database: its facts and the lookup table built from it (the file's bytes are
/// not kept).
struct Database {
    name: String,
    schema: Schema,
    database_type: String,
    ip_version: u16,
    build_epoch: u64,
    size: usize,
    index: Index,
}

/// A database's search tree and records, decoded once when it is added.
///
/// Each trie maps an address to a leaf: the index of an [`Entry`] (low 24 bits) and the
/// prefix length of the tree network the address is in (high 8 bits).
struct Index {
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

/// Leaf bits holding the entry index; the prefix length sits above them.
const ENTRY_BITS: u32 = 24;
const ENTRY_MASK: u32 = (1 << ENTRY_BITS) - 1;
/// The entry of addresses without data.
const NOT_FOUND: u32 = 0;
/// The entry of addresses whose tree record points outside the data section.
const BAD_POINTER: u32 = 1;
const BAD_POINTER_DETAIL: &str = "a search tree record points outside the data section";

/// What one database says about the addresses of one or more networks, in 32 bytes (one
/// cache line holds two).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(32))]
struct Entry {
    latitude: f64,
    longitude: f64,
    country: Option<Code>,
    subdivision: Option<Code>,
    continent: Option<Continent>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
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

    #[inline]
    fn place(&self) -> Place {
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

/// A decoded location as a hashable key (coordinates by their bits).
type PlaceKey = (Option<Code>, Option<Code>, Option<(u64, u64)>);

/// Where a database's parts lie in its bytes.
struct Layout {
    node_count: u32,
    record_size: u16,
    ipv6: bool,
    /// The search tree.
    tree: Range<usize>,
    /// The data section.
    data: Range<usize>,
}

impl Layout {
    /// The layout the reader has checked: the search tree (`node_count` nodes of two
    /// records), 16 zero bytes, then data up to the metadata marker at `marker`.
    fn of<S: AsRef<[u8]>>(reader: &Reader<S>, marker: usize) -> Result<Layout, &'static str> {
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
    corrupt: Vec<(u32, usize, &'static str)>,
    by_record: FxMap<u32, u32>,
    /// The last records met, by hash: the tree is walked in address order, and
    /// neighbouring networks often share a record.
    recent: Box<[(u32, u32); RECENT]>,
    by_place: FxMap<PlaceKey, u32>,
}

const RECENT: usize = 1 << 16;

impl Index {
    fn build(
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
            entries: vec![Entry::of_kind(Kind::NotFound), Entry::of_kind(Kind::BadPointer)],
            corrupt: Vec::new(),
            by_record: FxMap::default(),
            recent: Box::new([(0, 0); RECENT]),
            by_place: FxMap::default(),
        };
        // Each node is visited once per path to it: once, or a few times for aliased
        // subtrees (GeoIP2 reaches its IPv4 subtree from `::/96`, `::ffff:0:0/96` and
        // `2002::/16`, and the IPv4 trie walks it once more).
        let mut budget = Budget::new(8 * u64::from(layout.node_count) + (1 << 20));
        let mut leaf = |terminal: Terminal, prefix: u8| -> Result<u32, BuildError> {
            Ok((u32::from(prefix) << ENTRY_BITS) | builder.entry(terminal)?)
        };
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
        let v4 = Trie::build(&tree, v4_start, 32, &mut budget, &mut leaf)?;
        let v6 = match layout.ipv6 {
            true => Some(Trie::build(&tree, 0, 128, &mut budget, &mut leaf)?),
            false => None,
        };
        Ok(Index {
            v4,
            v6,
            entries: builder.entries.into_boxed_slice(),
            corrupt: builder.corrupt.into_boxed_slice(),
        })
    }

    /// The data offset and problem of a [`Kind::Corrupt`] entry.
    fn corrupt(&self, entry: u32) -> (usize, &'static str) {
        match self.corrupt.binary_search_by_key(&entry, |(e, _, _)| *e) {
            Ok(i) => (self.corrupt[i].1, self.corrupt[i].2),
            Err(_) => (0, "unknown"),
        }
    }

    fn heap_size(&self) -> usize {
        self.v4.heap_size()
            + self.v6.as_ref().map_or(0, Trie::heap_size)
            + size_of_val(&*self.entries)
            + size_of_val(&*self.corrupt)
    }
}

impl IndexBuilder<'_> {
    fn entry(&mut self, terminal: Terminal) -> Result<u32, BuildError> {
        let record = match terminal {
            Terminal::Record(r) if r > self.node_count => r,
            Terminal::Record(_) | Terminal::Exhausted => return Ok(NOT_FOUND),
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
                let c = place.coordinates.map(|c| (c.latitude.to_bits(), c.longitude.to_bits()));
                let entries = &mut self.entries;
                *self.by_place.entry((place.country, place.subdivision, c)).or_insert_with(|| {
                    entries.push(Entry::new(place));
                    next
                })
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

/// One or more MaxMind-format databases that turn a client address into a
/// [`ClientLocation`].
///
/// Databases are consulted in the order they were added; the first one whose record for the
/// address names a country wins. IPv6 addresses are looked up only in IPv6 databases; IPv4
/// addresses (and IPv4-mapped IPv6 addresses, which are treated as the IPv4 address they
/// carry) in all of them, since IPv6-shaped databases such as GeoIP2 also hold IPv4 space.
pub struct GeoDb {
    databases: Vec<Database>,
    tables: Tables,
}

/// Route 53's tables, rearranged for constant-time lookups on the query path (the `policy`
/// crate's own lookups compare strings, which costs more than the rest of a lookup).
struct Tables {
    /// The continent of every Route 53 country, indexed by its two letters (`AA` = 0).
    continents: Vec<Option<Continent>>,
    /// US state names: hash of the lower-cased name, name, code; sorted by hash.
    us_states: Vec<(u64, &'static str, Code)>,
}

impl Tables {
    fn new() -> Tables {
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

    /// A country code as found in a database: two ASCII letters, with its Route 53 continent
    /// (none for a code Route 53 does not know).
    fn country(&self, code: &[u8]) -> Option<(Code, Option<Continent>)> {
        let i = letters_index(code)?;
        Some((Code::new(std::str::from_utf8(code).ok()?)?, self.continents[i]))
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

impl fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.databases()).finish()
    }
}

impl Default for GeoDb {
    fn default() -> GeoDb {
        GeoDb::new()
    }
}

const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// How many records [`GeoDb::add`] inspects to recognise the schema.
const SCHEMA_PROBE_RECORDS: usize = 64;

impl GeoDb {
    /// No databases: every address is [`ClientLocation::UNKNOWN`].
    pub fn new() -> GeoDb {
        GeoDb { databases: Vec::new(), tables: Tables::new() }
    }

    /// Adds a database from the bytes of a `.mmdb` file, after the ones already added (which
    /// take precedence). `name` identifies it in errors and [`GeoDb::databases`], typically the
    /// file name.
    ///
    /// Checks the metadata and the search tree layout, recognises the schema from the first
    /// records, then builds the lookup table: walks the whole search tree and decodes every
    /// distinct record once (see the crate documentation; about half a second per 60 MB file
    /// in a release build). The bytes are not kept.
    ///
    /// A record that cannot be decoded does not fail the database: it shows up only when it
    /// is looked up, as "not found" in [`GeoDb::locate`] and an error in
    /// [`GeoDb::try_locate`]. A search tree whose records form cycles is refused as corrupt.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), GeoError> {
        if self.databases.iter().any(|d| d.name == name) {
            return Err(GeoError::new(
                name,
                GeoErrorKind::DuplicateName,
                "each database needs its own name",
            ));
        }
        let Some(marker) = rfind(&bytes, METADATA_MARKER) else {
            return Err(GeoError::new(
                name,
                GeoErrorKind::NotMmdb,
                format!("no MaxMind DB metadata marker in its {} bytes", bytes.len()),
            ));
        };
        let corrupt = |detail: &dyn fmt::Display| {
            GeoError::new(name, GeoErrorKind::Corrupt, detail.to_string())
        };
        let reader = Reader::from_source(&bytes[..]).map_err(|e| corrupt(&e))?;
        let layout = Layout::of(&reader, marker).map_err(|e| corrupt(&e))?;
        let schema = detect_schema(name, &reader)?;
        let m = reader.metadata();
        let index = Index::build(&bytes, &layout, schema, &self.tables)
            .map_err(|BuildError(e)| corrupt(&format_args!("building its lookup table: {e}")))?;
        let db = Database {
            name: name.to_owned(),
            schema,
            database_type: m.database_type.clone(),
            ip_version: m.ip_version,
            build_epoch: m.build_epoch,
            size: bytes.len(),
            index,
        };
        self.databases.push(db);
        Ok(())
    }

    /// Heap bytes the loaded databases take (their lookup tables; the files' bytes are not
    /// kept).
    pub fn heap_size(&self) -> usize {
        self.databases.iter().map(|d| d.name.capacity() + d.index.heap_size()).sum()
    }

    /// Whether no database was added.
    pub fn is_empty(&self) -> bool {
        self.databases.is_empty()
    }

    /// The loaded databases in lookup order.
    pub fn databases(&self) -> impl Iterator<Item = DatabaseInfo<'_>> {
        self.databases.iter().map(|d| DatabaseInfo {
            name: &d.name,
            schema: d.schema,
            database_type: &d.database_type,
            ip_version: d.ip_version,
            build_epoch: d.build_epoch,
            size: d.size,
        })
    }

    /// Where the client with this address is. Never fails: an address no database knows,
    /// a database that cannot decode its record, or no database at all, all give a
    /// location without country (see [`GeoDb::try_locate`] to see such errors).
    ///
    /// `scope_prefix` is the prefix length, in the address family of `ip` as given, of the
    /// largest network around `ip` for which every address gets the same location; see the
    /// crate documentation for how it is derived.
    pub fn locate(&self, ip: IpAddr) -> ClientLocation {
        self.lookup(ip, &mut |_, _| {})
    }

    /// Like [`GeoDb::locate`], but fails on the first database that cannot look the address
    /// up or decode its record (a corrupt database).
    pub fn try_locate(&self, ip: IpAddr) -> Result<ClientLocation, GeoError> {
        let mut first_error = None;
        let location = self.lookup(ip, &mut |db, e| {
            if first_error.is_none() {
                first_error = Some(GeoError::new(&db.name, GeoErrorKind::Corrupt, e.to_string()));
            }
        });
        match first_error {
            Some(e) => Err(e),
            None => Ok(location),
        }
    }

    #[inline]
    fn lookup(
        &self,
        ip: IpAddr,
        on_error: &mut dyn FnMut(&Database, &dyn fmt::Display),
    ) -> ClientLocation {
        if self.databases.is_empty() {
            return ClientLocation::UNKNOWN;
        }
        let canonical = Canonical::of(ip);
        let addr = canonical.addr;
        let key = match addr {
            IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
            IpAddr::V6(v6) => u128::from(v6),
        };
        let mut scope = 0u8;
        let mut consulted = false;
        let mut fallback: Option<Place> = None;
        let mut found: Option<Place> = None;
        for db in &self.databases {
            let index = &db.index;
            let trie = match (addr, &index.v6) {
                (IpAddr::V4(_), _) => &index.v4,
                (IpAddr::V6(_), Some(v6)) => v6,
                (IpAddr::V6(_), None) => continue,
            };
            consulted = true;
            let leaf = trie.lookup(key);
            let entry_index = leaf & ENTRY_MASK;
            let entry = &index.entries[entry_index as usize];
            let place = match entry.kind {
                Kind::Place { .. } => entry.place(),
                Kind::NotFound => {
                    scope = scope.max((leaf >> ENTRY_BITS) as u8);
                    continue;
                }
                Kind::Corrupt => {
                    scope = scope.max((leaf >> ENTRY_BITS) as u8);
                    let (offset, e) = index.corrupt(entry_index);
                    on_error(db, &format_args!("record at data offset {offset}: {e}"));
                    continue;
                }
                Kind::BadPointer => {
                    on_error(db, &BAD_POINTER_DETAIL);
                    // Nothing known about the database's structure here: the answer is only
                    // known to hold for this one address.
                    scope = width(addr);
                    continue;
                }
            };
            scope = scope.max((leaf >> ENTRY_BITS) as u8);
            if place.country.is_some() {
                found = Some(place);
                break;
            }
            if fallback.is_none() && place.coordinates.is_some() {
                fallback = Some(place);
            }
        }
        let place = found.or(fallback).unwrap_or_default();
        ClientLocation {
            continent: place.continent,
            country: place.country,
            subdivision: place.subdivision,
            coordinates: place.coordinates,
            scope_prefix: if consulted { canonical.scope(scope) } else { 0 },
        }
    }
}

/// Decodes the record at `offset` of a database's data section.
fn decode(t: &Tables, schema: Schema, data: Data<'_>, offset: usize) -> Result<Place, Corrupt> {
    let place = match schema {
        Schema::GeoIp2 => {
            let f = data.geoip2(offset)?;
            let country = f.country.and_then(|c| t.country(c));
            let country = country.or_else(|| f.registered_country.and_then(|c| t.country(c)));
            let subdivision = match country {
                Some(_) => f.subdivision.and_then(|s| Code::new(std::str::from_utf8(s).ok()?)),
                None => None,
            };
            Place::new(country, subdivision, &f)
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
struct Place {
    country: Option<Code>,
    continent: Option<Continent>,
    subdivision: Option<Code>,
    coordinates: Option<Coordinates>,
}

impl Place {
    fn new(
        country: Option<(Code, Option<Continent>)>,
        subdivision: Option<Code>,
        f: &Fields<'_>,
    ) -> Place {
        Place {
            country: country.map(|(c, _)| c),
            continent: country.and_then(|(_, c)| c),
            subdivision,
            coordinates: coordinates(f.latitude, f.longitude),
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

/// Position of the last occurrence of `needle`.
fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Recognises the schema from the first records that carry data.
fn detect_schema<S: AsRef<[u8]>>(name: &str, reader: &Reader<S>) -> Result<Schema, GeoError> {
    let corrupt = |e: maxminddb::MaxMindDbError| {
        GeoError::new(name, GeoErrorKind::Corrupt, format!("reading its records: {e}"))
    };
    let database_type = &reader.metadata().database_type;
    let mut records = 0;
    for result in reader.networks(WithinOptions::default()).map_err(corrupt)? {
        let result = result.map_err(corrupt)?;
        let Some(probe) = result.decode::<Probe>().map_err(corrupt)? else { continue };
        if probe.country_code.is_some() {
            return Ok(Schema::Flat);
        }
        if probe.country.is_some() || probe.registered_country.is_some() {
            return Ok(Schema::GeoIp2);
        }
        records += 1;
        if records == SCHEMA_PROBE_RECORDS {
            break;
        }
    }
    let detail = if records == 0 {
        format!("database type {database_type:?} holds no records")
    } else {
        format!(
            "database type {database_type:?}: its records have neither `country` (GeoIP2 City \
             or Country) nor `country_code` (flat, DB-IP style) fields"
        )
    };
    Err(GeoError::new(name, GeoErrorKind::UnsupportedSchema, detail))
}

/// Only which location fields a record has.
#[derive(Deserialize)]
struct Probe {
    country: Option<IgnoredAny>,
    registered_country: Option<IgnoredAny>,
    country_code: Option<IgnoredAny>,
}

#[cfg(test)]
mod tests {
    //! The hand-written record reader against `maxminddb`'s serde decoder, on every record
    //! of the test databases.

    use super::*;
    use maxminddb::LookupResult;
    use serde::de::{self, Deserializer, SeqAccess, Visitor};

    #[derive(Deserialize)]
    struct GeoIp2Record<'a> {
        #[serde(borrow)]
        country: Option<IsoCode<'a>>,
        #[serde(borrow)]
        registered_country: Option<IsoCode<'a>>,
        #[serde(borrow)]
        subdivisions: Option<First<IsoCode<'a>>>,
        location: Option<Location>,
    }

    #[derive(Deserialize)]
    struct IsoCode<'a> {
        #[serde(borrow)]
        iso_code: Option<&'a str>,
    }

    #[derive(Deserialize)]
    struct Location {
        latitude: Option<Number>,
        longitude: Option<Number>,
    }

    #[derive(Deserialize)]
    struct FlatRecord<'a> {
        #[serde(borrow)]
        country_code: Option<&'a str>,
        #[serde(borrow)]
        state1: Option<&'a str>,
        latitude: Option<Number>,
        longitude: Option<Number>,
    }

    /// A double, a float (DB-IP) or an integer.
    struct Number(f64);

    impl<'de> Deserialize<'de> for Number {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Number;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a number")
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                    Ok(Number(v))
                }
                fn visit_f32<E: de::Error>(self, v: f32) -> Result<Number, E> {
                    Ok(Number(f64::from(v)))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The first element of an array.
    struct First<T>(Option<T>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<First<T>, D::Error> {
            struct V<T>(std::marker::PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
                type Value = First<T>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an array")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First<T>, A::Error> {
                    let first = seq.next_element::<T>()?;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(First(first))
                }
            }
            d.deserialize_seq(V(std::marker::PhantomData))
        }
    }

    /// Fields as owned values, for comparing.
    type Owned = (Option<String>, Option<String>, Option<String>, Option<f64>, Option<f64>);

    fn owned(f: Fields<'_>) -> Owned {
        let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
        (s(f.country), s(f.registered_country), s(f.subdivision), f.latitude, f.longitude)
    }

    fn expected(schema: Schema, result: &LookupResult<'_, &[u8]>) -> Owned {
        let s = |s: Option<&str>| s.map(str::to_owned);
        let num = |n: Option<Number>| n.map(|n| n.0);
        match schema {
            Schema::GeoIp2 => {
                let r: GeoIp2Record<'_> = result.decode().unwrap().unwrap();
                let (latitude, longitude) =
                    r.location.map_or((None, None), |l| (num(l.latitude), num(l.longitude)));
                (
                    s(r.country.and_then(|c| c.iso_code)),
                    s(r.registered_country.and_then(|c| c.iso_code)),
                    s(r.subdivisions.and_then(|f| f.0).and_then(|c| c.iso_code)),
                    latitude,
                    longitude,
                )
            }
            Schema::Flat => {
                let r: FlatRecord<'_> = result.decode().unwrap().unwrap();
                let non_empty = |v: Option<&str>| s(v.filter(|v| !v.is_empty()));
                (
                    non_empty(r.country_code),
                    None,
                    non_empty(r.state1),
                    num(r.latitude),
                    num(r.longitude),
                )
            }
        }
    }

    #[test]
    fn tables_agree_with_the_policy_crate() {
        let t = Tables::new();
        for a in b'A'..=b'Z' {
            for b in [a.to_ascii_lowercase(), b'Q', b'S'] {
                let code = [a, b];
                let upper = std::str::from_utf8(&code).unwrap().to_ascii_uppercase();
                let expected = Code::new(&upper).and_then(codes::continent_of);
                assert_eq!(t.country(&code).map(|(_, c)| c), Some(expected), "{upper}");
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
    }

    const FILES: [(&str, &[u8]); 4] = [
        ("city", include_bytes!("../tests/data/GeoIP2-City-Test.mmdb")),
        ("country", include_bytes!("../tests/data/GeoIP2-Country-Test.mmdb")),
        ("flat4", include_bytes!("../tests/data/dbip-flat-ipv4.mmdb")),
        ("flat6", include_bytes!("../tests/data/dbip-flat-ipv6.mmdb")),
    ];

    /// A database as the previous implementation kept it: `maxminddb` walks the tree per
    /// lookup, the record reader decodes the record per lookup.
    struct TreeWalk<'a> {
        name: &'a str,
        reader: Reader<&'a [u8]>,
        data: Data<'a>,
        schema: Schema,
    }

    impl<'a> TreeWalk<'a> {
        fn new(name: &'a str, bytes: &'a [u8]) -> TreeWalk<'a> {
            let reader = Reader::from_source(bytes).unwrap();
            let marker = rfind(bytes, METADATA_MARKER).unwrap();
            let layout = Layout::of(&reader, marker).unwrap();
            let schema = detect_schema(name, &reader).unwrap();
            TreeWalk { name, reader, data: Data::new(&bytes[layout.data]), schema }
        }
    }

    /// The prefix length of the network the lookup ended in, in the address family of `addr`.
    fn prefix_of(result: &LookupResult<'_, &[u8]>, addr: IpAddr) -> u8 {
        match (result.network(), addr) {
            (Ok(net), IpAddr::V4(_)) if net.is_ipv4() => net.prefix(),
            // An IPv4 address in an IPv6 database whose tree ends above the IPv4 subtree: the
            // whole IPv4 space shares the record.
            (Ok(_), IpAddr::V4(_)) => 0,
            (Ok(net), IpAddr::V6(_)) => net.prefix(),
            (Err(_), _) => width(addr),
        }
    }

    /// `GeoDb::lookup` as it was before the lookup tables: the reference for the fast path.
    fn tree_walk_lookup(
        dbs: &[TreeWalk<'_>],
        tables: &Tables,
        ip: IpAddr,
        errors: &mut Vec<String>,
    ) -> ClientLocation {
        if dbs.is_empty() {
            return ClientLocation::UNKNOWN;
        }
        let canonical = Canonical::of(ip);
        let addr = canonical.addr;
        let mut scope = 0u8;
        let mut consulted = false;
        let mut fallback: Option<Place> = None;
        let mut found: Option<Place> = None;
        for db in dbs {
            if addr.is_ipv6() && db.reader.metadata().ip_version != 6 {
                continue;
            }
            consulted = true;
            let result = match db.reader.lookup(addr) {
                Ok(r) => r,
                Err(_) => {
                    errors.push(db.name.to_owned());
                    scope = width(addr);
                    continue;
                }
            };
            scope = scope.max(prefix_of(&result, addr));
            let Some(offset) = result.offset() else { continue };
            let Ok(place) = decode(tables, db.schema, db.data, offset) else {
                errors.push(db.name.to_owned());
                continue;
            };
            if place.country.is_some() {
                found = Some(place);
                break;
            }
            if fallback.is_none() && place.coordinates.is_some() {
                fallback = Some(place);
            }
        }
        let place = found.or(fallback).unwrap_or_default();
        ClientLocation {
            continent: place.continent,
            country: place.country,
            subdivision: place.subdivision,
            coordinates: place.coordinates,
            scope_prefix: if consulted { canonical.scope(scope) } else { 0 },
        }
    }

    /// The flat IPv4 database with London's latitude stored as a float of 5 bytes (a corrupt
    /// record), and with one tree record pointing past the data section.
    fn flat_with_corrupt_records() -> Vec<u8> {
        let mut bytes = FILES[2].1.to_vec();
        let find = |from: usize, needle: &[u8], bytes: &[u8]| {
            from + bytes[from..].windows(needle.len()).position(|w| w == needle).unwrap()
        };
        let london = find(0, b"London", &bytes);
        let latitude = find(london, b"latitude", &bytes) + b"latitude".len();
        assert_eq!(&bytes[latitude..latitude + 2], [0x04, 0x08], "float control bytes");
        bytes[latitude] = 0x05;
        // The last node's right record: all ones, far past the data.
        let reader = Reader::from_source(&bytes[..]).unwrap();
        let (nodes, size) = (reader.metadata().node_count as usize, reader.metadata().record_size);
        assert_eq!(size, 28);
        let last = nodes * 7 - 4;
        drop(reader);
        bytes[last] |= 0x0f;
        bytes[last + 1..last + 4].fill(0xff);
        bytes
    }

    /// Addresses in and around every network of the databases (first, last and a middle
    /// address, and each IPv4 one also IPv4-mapped), plus spread-out ones.
    fn probe_addresses(dbs: &[TreeWalk<'_>]) -> Vec<IpAddr> {
        let mut seed = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut addresses = Vec::new();
        for db in dbs {
            let options =
                WithinOptions::default().include_aliased_networks().include_networks_without_data();
            // (The broken database's iterator fails at its bad tree record.)
            for result in db.reader.networks(options).unwrap() {
                let Ok(result) = result else { continue };
                let net = result.network().unwrap();
                let (first, bits) = match net.network() {
                    IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
                    IpAddr::V6(a) => (u128::from(a), 128),
                };
                let host = u32::from(bits - net.prefix());
                let span = if host == 128 { u128::MAX } else { (1u128 << host) - 1 };
                let random = u128::from(next()) << 64 | u128::from(next());
                for a in [first, first | span, first | (random & span), first | (span >> 1)] {
                    match bits {
                        32 => {
                            let v4 = std::net::Ipv4Addr::from(a as u32);
                            addresses.push(IpAddr::V4(v4));
                            addresses.push(IpAddr::V6(v4.to_ipv6_mapped()));
                        }
                        _ => addresses.push(IpAddr::V6(std::net::Ipv6Addr::from(a))),
                    }
                }
            }
        }
        for _ in 0..20_000 {
            let r = next();
            addresses.push(IpAddr::from((r as u32).to_be_bytes()));
            addresses.push(IpAddr::from((u128::from(r) << 64 | u128::from(next())).to_be_bytes()));
        }
        addresses
    }

    #[test]
    fn lookup_tables_agree_with_the_tree_walk_on_every_network() {
        let broken = flat_with_corrupt_records();
        let files: Vec<(&str, &[u8])> =
            FILES.iter().copied().chain([("broken4", &broken[..])]).collect();
        let combinations: [&[&str]; 11] = [
            &["city"],
            &["country"],
            &["flat4"],
            &["flat6"],
            &["broken4"],
            &["flat4", "flat6"],
            &["city", "flat4", "flat6"],
            &["flat4", "city"],
            &["flat6", "country", "flat4"],
            &["broken4", "city", "flat6"],
            &["country", "broken4"],
        ];
        let tables = Tables::new();
        let mut errors_seen = [0; 2];
        for names in combinations {
            let bytes = |name: &str| files.iter().find(|(n, _)| *n == name).unwrap().1;
            let walks: Vec<_> = names.iter().map(|n| TreeWalk::new(n, bytes(n))).collect();
            let mut geo = GeoDb::new();
            for n in names {
                geo.add(n, bytes(n).to_vec()).unwrap();
            }
            // The broken database has the networks of the sound one.
            let mut probed: Vec<_> = names.iter().map(|n| TreeWalk::new(n, bytes(n))).collect();
            if names.contains(&"broken4") {
                probed.push(TreeWalk::new("flat4", bytes("flat4")));
            }
            let addresses = probe_addresses(&probed);
            assert!(addresses.len() > 40_000, "{names:?}");
            for ip in addresses {
                let mut errors = Vec::new();
                let expected = tree_walk_lookup(&walks, &tables, ip, &mut errors);
                assert_eq!(geo.locate(ip), expected, "{names:?} {ip}");
                match (geo.try_locate(ip), errors.first()) {
                    (Ok(l), None) => assert_eq!(l, expected),
                    (Err(e), Some(name)) => {
                        assert_eq!(e.database(), name, "{names:?} {ip}");
                        let e = e.to_string();
                        errors_seen[0] += usize::from(e.contains("record at data offset"));
                        errors_seen[1] += usize::from(e.contains(BAD_POINTER_DETAIL));
                    }
                    (got, want) => panic!("{names:?} {ip}: {got:?}, expected error {want:?}"),
                }
            }
        }
        // Both kinds of corruption were met (a bad record and a bad tree record).
        assert!(errors_seen[0] > 10 && errors_seen[1] > 10, "{errors_seen:?}");
    }

    #[test]
    fn entries_take_32_bytes() {
        assert_eq!(size_of::<Entry>(), 32);
    }

    #[test]
    fn record_reader_agrees_with_serde_on_every_record() {
        for (name, bytes) in FILES {
            let db = TreeWalk::new(name, bytes);
            let mut records = 0;
            let mut with_subdivision = 0;
            let options = WithinOptions::default().include_aliased_networks();
            for result in db.reader.networks(options).unwrap() {
                let result = result.unwrap();
                let Some(offset) = result.offset() else { continue };
                let mine = match db.schema {
                    Schema::GeoIp2 => db.data.geoip2(offset),
                    Schema::Flat => db.data.flat(offset),
                };
                let mine = mine.unwrap();
                assert_eq!(owned(mine), expected(db.schema, &result), "{name} at {offset}");
                records += 1;
                with_subdivision += usize::from(mine.subdivision.is_some());
            }
            assert!(records >= 3, "{name}: {records} records");
            if name != "country" {
                assert!(with_subdivision > 0, "{name}");
            }
        }
    }
}
