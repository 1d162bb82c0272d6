//! MaxMind-format geolocation databases: loading, schema detection and per-query lookups.

use std::fmt;
use std::net::IpAddr;

use maxminddb::{Reader, WithinOptions};
use policy::ClientLocation;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::index::{BAD_POINTER_DETAIL, Index, Kind, Layout, Place, Tables};
use crate::net::{Canonical, width};
use crate::trie::BuildError;

/// The record layouts [`GeoDb`] understands, detected per database when it is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// MaxMind GeoIP2 / GeoLite2 City or Country (and Enterprise, and DB-IP's own files):
    /// nested records with `country.iso_code`, `continent.code` (used only without a country),
    /// `registered_country.iso_code` (used only without either), `subdivisions[0].iso_code`
    /// and `location.latitude` / `location.longitude`.
    GeoIp2,
    /// The flat DB-IP "lite" layout (as packaged by ip-location-db): `country_code`,
    /// `state1` (a subdivision *name*), `latitude` / `longitude` as 32-bit floats, and
    /// `continent_code` where a flat database has one (used only without a country).
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

/// One or more MaxMind-format databases that turn a client address into a
/// [`ClientLocation`].
///
/// Databases are consulted in the order they were added; the first one whose record for the
/// address names a country wins. When none does, the first record with a continent gives the
/// location, else the first with coordinates. IPv6 addresses are looked up only in IPv6
/// databases; IPv4 addresses (and IPv4-mapped IPv6 addresses, which are treated as the IPv4
/// address they carry) in all of them, since IPv6-shaped databases such as GeoIP2 also hold
/// IPv4 space.
pub struct GeoDb {
    databases: Vec<Database>,
    tables: Tables,
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
    /// records, then builds the lookup tables: walks the whole search tree and decodes every
    /// distinct record once (see the crate documentation; under a second for a 70 MB file in
    /// a release build, about 5 s in an unoptimised one). The bytes are not kept.
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

    /// Heap bytes the loaded databases take: their lookup tables (the files' bytes are not
    /// kept), for logs and `status` output.
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
        let mut scope = 0u8;
        let mut consulted = false;
        let mut choice = Choice::default();
        for db in &self.databases {
            let Some(hit) = db.index.find(addr) else { continue };
            consulted = true;
            let place = match hit.entry.kind {
                Kind::Place { .. } => hit.entry.place(),
                Kind::NotFound => {
                    scope = scope.max(hit.prefix);
                    continue;
                }
                Kind::Corrupt => {
                    scope = scope.max(hit.prefix);
                    let (offset, e) = db.index.corrupt(hit.entry_index);
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
            scope = scope.max(hit.prefix);
            if choice.offer(place) {
                break;
            }
        }
        choice.location(if consulted { canonical.scope(scope) } else { 0 })
    }
}

/// Picks, among what the databases say about one address in the order they are consulted,
/// the place that says most: the first with a country (the search stops there), else the
/// first with a continent, else the first with coordinates.
#[derive(Default)]
struct Choice {
    best: Option<Place>,
}

impl Choice {
    /// Offers the next database's place; true when no later database can do better.
    #[inline]
    fn offer(&mut self, place: Place) -> bool {
        let rank = place.rank();
        if rank >= 0 && self.best.is_none_or(|best| rank > best.rank()) {
            self.best = Some(place);
        }
        rank == 2
    }

    fn location(self, scope_prefix: u8) -> ClientLocation {
        let place = self.best.unwrap_or_default();
        ClientLocation {
            continent: place.continent,
            country: place.country,
            subdivision: place.subdivision,
            coordinates: place.coordinates,
            scope_prefix,
        }
    }
}

/// Position of the last occurrence of `needle`.
fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Recognises the schema from the first records that carry data: the first with a country
/// field decides; records with only a continent decide when none of the first
/// [`SCHEMA_PROBE_RECORDS`] has a country. Every record probed must decode.
fn detect_schema<S: AsRef<[u8]>>(name: &str, reader: &Reader<S>) -> Result<Schema, GeoError> {
    let corrupt = |e: maxminddb::MaxMindDbError| {
        GeoError::new(name, GeoErrorKind::Corrupt, format!("reading its records: {e}"))
    };
    let database_type = &reader.metadata().database_type;
    let mut records = 0;
    let mut continent_only = None;
    for result in reader.networks(WithinOptions::default()).map_err(corrupt)? {
        let result = result.map_err(corrupt)?;
        let Some(probe) = result.decode::<Probe>().map_err(corrupt)? else { continue };
        if probe.country_code.is_some() {
            return Ok(Schema::Flat);
        }
        if probe.country.is_some() || probe.registered_country.is_some() {
            return Ok(Schema::GeoIp2);
        }
        if probe.continent_code.is_some() {
            continent_only.get_or_insert(Schema::Flat);
        } else if probe.continent.is_some() {
            continent_only.get_or_insert(Schema::GeoIp2);
        }
        records += 1;
        if records == SCHEMA_PROBE_RECORDS {
            break;
        }
    }
    if let Some(schema) = continent_only {
        return Ok(schema);
    }
    let detail = if records == 0 {
        format!("database type {database_type:?} holds no records")
    } else {
        format!(
            "database type {database_type:?}: its records have neither `country` or \
             `continent` (GeoIP2 City or Country) nor `country_code` or `continent_code` (flat, \
             DB-IP style) fields"
        )
    };
    Err(GeoError::new(name, GeoErrorKind::UnsupportedSchema, detail))
}

/// Only which location fields a record has.
#[derive(Deserialize)]
struct Probe {
    continent: Option<IgnoredAny>,
    country: Option<IgnoredAny>,
    registered_country: Option<IgnoredAny>,
    continent_code: Option<IgnoredAny>,
    country_code: Option<IgnoredAny>,
}

#[cfg(test)]
mod tests {
    //! The hand-written record reader against `maxminddb`'s serde decoder, on every record
    //! of the test databases.

    use super::*;
    use crate::index::decode;
    use crate::record::{Data, Fields};
    use maxminddb::LookupResult;
    use serde::de::{self, Deserializer, SeqAccess, Visitor};

    #[derive(Deserialize)]
    struct GeoIp2Record<'a> {
        #[serde(borrow)]
        continent: Option<ContinentCode<'a>>,
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
    struct ContinentCode<'a> {
        #[serde(borrow)]
        code: Option<&'a str>,
    }

    #[derive(Deserialize)]
    struct Location {
        latitude: Option<Number>,
        longitude: Option<Number>,
    }

    #[derive(Deserialize)]
    struct FlatRecord<'a> {
        #[serde(borrow)]
        continent_code: Option<&'a str>,
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

    /// Fields as owned values, for comparing: continent, country, registered country,
    /// subdivision, latitude, longitude.
    type Owned =
        (Option<String>, Option<String>, Option<String>, Option<String>, Option<f64>, Option<f64>);

    fn owned(f: Fields<'_>) -> Owned {
        let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
        let (lat, lon) = (f.latitude, f.longitude);
        (s(f.continent), s(f.country), s(f.registered_country), s(f.subdivision), lat, lon)
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
                    s(r.continent.and_then(|c| c.code)),
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
                    non_empty(r.continent_code),
                    non_empty(r.country_code),
                    None,
                    non_empty(r.state1),
                    num(r.latitude),
                    num(r.longitude),
                )
            }
        }
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
        let mut choice = Choice::default();
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
            if choice.offer(place) {
                break;
            }
        }
        choice.location(if consulted { canonical.scope(scope) } else { 0 })
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

    /// Addresses in and around every network of the databases (first, last, middle and a
    /// random address, and each IPv4 one also IPv4-mapped and IPv4-compatible), plus
    /// spread-out ones.
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
                            // IPv4-compatible (`::a.b.c.d`): the IPv4 subtree as IPv6.
                            addresses.push(IpAddr::V6(std::net::Ipv6Addr::from(a)));
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
