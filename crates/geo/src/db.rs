//! MaxMind-format geolocation databases: loading, schema detection and per-query lookups.

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

use maxminddb::{LookupResult, Reader, WithinOptions};
use policy::codes;
use policy::{ClientLocation, Code, Continent, Coordinates};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::net::{Canonical, width};
use crate::record::{Corrupt, Data, Fields};

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

/// The bytes of a database, shared by the reader (tree lookups) and [`Data`] (records).
#[derive(Clone)]
struct Bytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

struct Database {
    name: String,
    reader: Reader<Bytes>,
    bytes: Bytes,
    /// Where the data section lies in `bytes`.
    data: Range<usize>,
    schema: Schema,
    ipv6: bool,
}

impl Database {
    fn data(&self) -> Data<'_> {
        Data::new(self.bytes.0.get(self.data.clone()).unwrap_or_default())
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
    /// Checks the metadata and the search tree layout and recognises the schema from the
    /// first records; a corrupt record further in shows up only when it is looked up, and
    /// such a lookup counts as "not found" in [`GeoDb::locate`].
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
        let bytes = Bytes(Arc::new(bytes));
        let reader = Reader::from_source(bytes.clone())
            .map_err(|e| GeoError::new(name, GeoErrorKind::Corrupt, e.to_string()))?;
        // The search tree (node_count nodes of two records), 16 zero bytes, then data up to
        // the metadata marker. The reader has checked these fit.
        let metadata = reader.metadata();
        let tree = metadata.node_count as usize * metadata.record_size as usize / 4;
        let data = tree + 16..marker;
        if data.start > data.end {
            return Err(GeoError::new(name, GeoErrorKind::Corrupt, "no room for a data section"));
        }
        let schema = detect_schema(name, &reader)?;
        let ipv6 = metadata.ip_version == 6;
        let db = Database { name: name.to_owned(), reader, bytes, data, schema, ipv6 };
        self.databases.push(db);
        Ok(())
    }

    /// Whether no database was added.
    pub fn is_empty(&self) -> bool {
        self.databases.is_empty()
    }

    /// The loaded databases in lookup order.
    pub fn databases(&self) -> impl Iterator<Item = DatabaseInfo<'_>> {
        self.databases.iter().map(|d| {
            let m = d.reader.metadata();
            DatabaseInfo {
                name: &d.name,
                schema: d.schema,
                database_type: &m.database_type,
                ip_version: m.ip_version,
                build_epoch: m.build_epoch,
                size: d.bytes.0.len(),
            }
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
        let mut fallback: Option<Place> = None;
        let mut found: Option<Place> = None;
        for db in &self.databases {
            if addr.is_ipv6() && !db.ipv6 {
                continue;
            }
            consulted = true;
            let result = match db.reader.lookup(addr) {
                Ok(r) => r,
                Err(e) => {
                    on_error(db, &e);
                    // Nothing known about the database's structure here: the answer is only
                    // known to hold for this one address.
                    scope = width(addr);
                    continue;
                }
            };
            scope = scope.max(prefix_of(&result, addr));
            let Some(offset) = result.offset() else { continue };
            let place = match self.decode(db, offset) {
                Ok(p) => p,
                Err(Corrupt(e)) => {
                    on_error(db, &format_args!("record at data offset {offset}: {e}"));
                    continue;
                }
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

    fn decode(&self, db: &Database, offset: usize) -> Result<Place, Corrupt> {
        let t = &self.tables;
        let place = match db.schema {
            Schema::GeoIp2 => {
                let f = db.data().geoip2(offset)?;
                let country = f.country.and_then(|c| t.country(c));
                let country = country.or_else(|| f.registered_country.and_then(|c| t.country(c)));
                let subdivision = match country {
                    Some(_) => f.subdivision.and_then(|s| Code::new(std::str::from_utf8(s).ok()?)),
                    None => None,
                };
                Place::new(country, subdivision, &f)
            }
            Schema::Flat => {
                let f = db.data().flat(offset)?;
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

/// The prefix length of the network the lookup ended in, in the address family of `addr`.
fn prefix_of(result: &LookupResult<'_, Bytes>, addr: IpAddr) -> u8 {
    match (result.network(), addr) {
        (Ok(net), IpAddr::V4(_)) if net.is_ipv4() => net.prefix(),
        // An IPv4 address in an IPv6 database whose tree ends above the IPv4 subtree: the
        // whole IPv4 space shares the record.
        (Ok(_), IpAddr::V4(_)) => 0,
        (Ok(net), IpAddr::V6(_)) => net.prefix(),
        (Err(_), _) => width(addr),
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
fn detect_schema(name: &str, reader: &Reader<Bytes>) -> Result<Schema, GeoError> {
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

    fn expected(schema: Schema, result: &LookupResult<'_, Bytes>) -> Owned {
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

    #[test]
    fn record_reader_agrees_with_serde_on_every_record() {
        let files: [(&str, &[u8]); 4] = [
            ("city", include_bytes!("../tests/data/GeoIP2-City-Test.mmdb")),
            ("country", include_bytes!("../tests/data/GeoIP2-Country-Test.mmdb")),
            ("flat4", include_bytes!("../tests/data/dbip-flat-ipv4.mmdb")),
            ("flat6", include_bytes!("../tests/data/dbip-flat-ipv6.mmdb")),
        ];
        let mut geo = GeoDb::new();
        for (name, bytes) in files {
            geo.add(name, bytes.to_vec()).unwrap();
        }
        for db in &geo.databases {
            let mut records = 0;
            let mut with_subdivision = 0;
            let options = WithinOptions::default().include_aliased_networks();
            for result in db.reader.networks(options).unwrap() {
                let result = result.unwrap();
                let Some(offset) = result.offset() else { continue };
                let mine = match db.schema {
                    Schema::GeoIp2 => db.data().geoip2(offset),
                    Schema::Flat => db.data().flat(offset),
                };
                let mine = mine.unwrap();
                assert_eq!(owned(mine), expected(db.schema, &result), "{} at {offset}", db.name);
                records += 1;
                with_subdivision += usize::from(mine.subdivision.is_some());
            }
            assert!(records >= 3, "{}: {records} records", db.name);
            if db.name != "country" {
                assert!(with_subdivision > 0, "{}", db.name);
            }
        }
    }
}
