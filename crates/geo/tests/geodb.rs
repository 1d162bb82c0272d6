//! GeoDb against MaxMind's test databases and the flat (DB-IP style) test databases.

mod common;

use common::*;
use geo::{GeoDb, GeoErrorKind, Schema};
use policy::{ClientLocation, Code, Continent};

fn code(s: &str) -> Option<Code> {
    Some(Code::new(s).expect("a valid code"))
}

fn assert_near(actual: Option<policy::Coordinates>, lat: f64, lon: f64) {
    let c = actual.expect("coordinates");
    assert!(
        (c.latitude - lat).abs() < 1e-4 && (c.longitude - lon).abs() < 1e-4,
        "{c:?} is not ({lat}, {lon})"
    );
}

#[test]
fn geoip2_city_known_addresses() {
    let db = db(&[CITY]);

    let l = db.locate(ip("81.2.69.142"));
    assert_eq!(l.country, code("GB"));
    assert_eq!(l.continent, Some(Continent::EU));
    assert_eq!(l.subdivision, None, "ENG: Route 53 has no subdivisions in GB");
    assert_near(l.coordinates, 51.5142, -0.0931);
    assert_eq!(l.scope_prefix, 31, "81.2.69.142/31 in the database");

    let l = db.locate(ip("216.160.83.56"));
    assert_eq!(l.country, code("US"));
    assert_eq!(l.continent, Some(Continent::NA));
    assert_eq!(l.subdivision, code("WA"));
    assert_near(l.coordinates, 47.2513, -122.3149);
    assert_eq!(l.scope_prefix, 29);

    let l = db.locate(ip("2001:218::1"));
    assert_eq!(l.country, code("JP"));
    assert_eq!(l.continent, Some(Continent::AS));
    assert_eq!(l.subdivision, None);
    assert_near(l.coordinates, 35.68536, 139.75309);
    assert_eq!(l.scope_prefix, 32, "2001:218::/32 in the database");
}

#[test]
fn not_found_has_the_scope_of_the_empty_network() {
    let db = db(&[CITY]);
    let l = db.locate(ip("8.8.8.8"));
    // 8.0.0.0/7 holds no data: every address in it is equally unknown.
    assert_eq!(l, ClientLocation { scope_prefix: 7, ..ClientLocation::UNKNOWN });
    // A record without a country (81.2.69.0/25 has none in the test database).
    let l = db.locate(ip("81.2.69.0"));
    assert_eq!((l.country, l.continent, l.scope_prefix), (None, None, 25));
}

#[test]
fn continent_only_records() {
    // MaxMind's test data has records with a continent and no country, some with a position.
    let city = db(&[CITY]);
    let l = city.locate(ip("2.3.3.3"));
    assert_eq!(
        l,
        ClientLocation {
            continent: Some(Continent::EU),
            scope_prefix: 24,
            ..ClientLocation::UNKNOWN
        }
    );
    let l = city.locate(ip("2a02:d500::1"));
    assert_eq!((l.continent, l.country, l.subdivision), (Some(Continent::EU), None, None));
    assert_near(l.coordinates, 48.69096, 9.14062);
    assert_eq!(l.scope_prefix, 29);
    // An anycast network: no location at all.
    let l = city.locate(ip("214.1.1.1"));
    assert_eq!(l, ClientLocation { scope_prefix: 24, ..ClientLocation::UNKNOWN });
    // A later database that names a country wins over a continent; the answer depends on both.
    let mut flat = common::mmdb::Writer::new("city", 4, 24);
    let record = common::mmdb::map([("country_code", common::mmdb::s("DE"))]);
    flat.insert("2.3.0.0/16", record);
    let mut both = db(&[CITY]);
    both.add("de.mmdb", flat.to_bytes().unwrap()).unwrap();
    let l = both.locate(ip("2.3.3.3"));
    assert_eq!((l.continent, l.country, l.scope_prefix), (Some(Continent::EU), code("DE"), 24));
    // A later database with only a position does not replace the continent.
    let mut at = common::mmdb::Writer::new("city", 4, 24);
    let position = [
        ("country_code", common::mmdb::s("")),
        ("latitude", common::mmdb::Value::Float(52.5)),
        ("longitude", common::mmdb::Value::Float(13.4)),
    ];
    at.insert("2.3.3.0/28", common::mmdb::map(position));
    let mut both = db(&[CITY]);
    both.add("at.mmdb", at.to_bytes().unwrap()).unwrap();
    let l = both.locate(ip("2.3.3.3"));
    assert_eq!(
        (l.continent, l.country, l.coordinates, l.scope_prefix),
        (Some(Continent::EU), None, None, 28)
    );
}

#[test]
fn ipv4_mapped_addresses_are_looked_up_as_ipv4() {
    let db = db(&[CITY]);
    let l = db.locate(ip("::ffff:81.2.69.142"));
    assert_eq!(l.country, code("GB"));
    assert_near(l.coordinates, 51.5142, -0.0931);
    assert_eq!(l.scope_prefix, 96 + 31, "an IPv6 prefix for an IPv6 address");
    // 6to4 is the database's business (GeoIP2 aliases it to the IPv4 tree).
    let l = db.locate(ip("2002:5102:458e::1"));
    assert_eq!((l.country, l.scope_prefix), (code("GB"), 47));
}

#[test]
fn geoip2_country_database_has_no_coordinates() {
    let db = db(&[COUNTRY]);
    let l = db.locate(ip("81.2.69.142"));
    assert_eq!((l.country, l.continent), (code("GB"), Some(Continent::EU)));
    assert_eq!((l.subdivision, l.coordinates, l.scope_prefix), (None, None, 31));
    let l = db.locate(ip("2001:218::1"));
    assert_eq!((l.country, l.continent), (code("JP"), Some(Continent::AS)));
}

#[test]
fn continent_comes_from_route53_not_the_database() {
    // The City test database puts 89.160.20.128 in SE; 67.43.156.1 in BT.
    let db = db(&[CITY]);
    assert_eq!(db.locate(ip("89.160.20.128")).continent, Some(Continent::EU));
    assert_eq!(db.locate(ip("67.43.156.1")).continent, Some(Continent::AS));
    // Turkey is in Europe for Route 53, whatever a database says.
    let flat = db_flat();
    let l = flat.locate(ip("5.24.1.1"));
    assert_eq!((l.country, l.continent, l.scope_prefix), (code("TR"), Some(Continent::EU), 23));
}

#[test]
fn empty_geodb_knows_nothing() {
    let db = GeoDb::new();
    assert!(db.is_empty());
    assert_eq!(db.locate(ip("81.2.69.142")), ClientLocation::UNKNOWN);
    assert_eq!(db.locate(ip("2001:218::1")), ClientLocation::UNKNOWN);
    assert_eq!(db.try_locate(ip("::ffff:1.2.3.4")), Ok(ClientLocation::UNKNOWN));
}

fn db_flat() -> GeoDb {
    db(&[FLAT_V4, FLAT_V6])
}

#[test]
fn flat_schema_ipv4() {
    let db = db_flat();

    let l = db.locate(ip("81.2.69.142"));
    assert_eq!((l.country, l.continent), (code("GB"), Some(Continent::EU)));
    assert_eq!(l.subdivision, None, "a name outside the US is not a Route 53 subdivision");
    // Stored as 32-bit floats.
    assert_near(l.coordinates, 51.5143, -0.0912);
    assert_eq!(l.scope_prefix, 24);

    let l = db.locate(ip("216.160.83.56"));
    assert_eq!((l.country, l.continent), (code("US"), Some(Continent::NA)));
    assert_eq!(l.subdivision, code("WA"), "state name translated to its code");
    assert_eq!(l.scope_prefix, 24);

    assert_eq!(db.locate(ip("8.8.8.8")).subdivision, code("CA"));
    assert_eq!(db.locate(ip("100.64.1.1")).subdivision, code("DC"));
    let l = db.locate(ip("9.9.9.9"));
    assert_eq!((l.country, l.subdivision), (code("US"), None), "empty state1");
    let l = db.locate(ip("31.128.0.1"));
    assert_eq!((l.country, l.continent, l.subdivision), (code("UA"), Some(Continent::EU), None));
    let l = db.locate(ip("1.1.1.1"));
    assert_eq!((l.country, l.continent, l.subdivision), (code("AU"), Some(Continent::OC), None));
}

#[test]
fn flat_schema_nested_networks_and_not_found() {
    let db = db_flat();
    // 60.1.0.0/16 is carved out of 60.0.0.0/8.
    let l = db.locate(ip("60.1.2.3"));
    assert_eq!((l.country, l.scope_prefix), (code("JP"), 16));
    let l = db.locate(ip("60.2.0.1"));
    assert_eq!((l.country, l.scope_prefix), (code("CN"), 15), "60.2.0.0/15 is all CN");
    let l = db.locate(ip("60.200.0.1"));
    assert_eq!((l.country, l.scope_prefix), (code("CN"), 9));
    // Next to 8.8.8.0/24: the tree ends in the empty 8.8.0.0/21.
    assert_eq!(
        db.locate(ip("8.8.4.4")),
        ClientLocation { scope_prefix: 21, ..ClientLocation::UNKNOWN }
    );
}

#[test]
fn flat_schema_ipv6_and_family_dispatch() {
    let db = db_flat();
    let l = db.locate(ip("2001:218::1"));
    assert_eq!((l.country, l.continent, l.subdivision), (code("JP"), Some(Continent::AS), None));
    assert_near(l.coordinates, 35.6869, 139.767);
    assert_eq!(l.scope_prefix, 38);
    let l = db.locate(ip("2600:1700:abc::5"));
    assert_eq!((l.country, l.subdivision, l.scope_prefix), (code("US"), code("TX"), 48));
    assert_eq!(
        db.locate(ip("2001:db8::1")),
        ClientLocation { scope_prefix: 21, ..ClientLocation::UNKNOWN }
    );
    // The IPv6 file holds no IPv4-mapped space: mapped addresses go to the IPv4 file.
    let l = db.locate(ip("::ffff:8.8.8.8"));
    assert_eq!((l.country, l.subdivision, l.scope_prefix), (code("US"), code("CA"), 120));
}

#[test]
fn flat_files_alone() {
    // Only the IPv6 file: it holds no IPv4 space at all, so all of it is unknown alike.
    let v6 = db(&[FLAT_V6]);
    assert_eq!(v6.locate(ip("8.8.8.8")), ClientLocation::UNKNOWN);
    assert_eq!(v6.locate(ip("2001:218::1")).country, code("JP"));
    // Only the IPv4 file: an IPv6 address consults no database (no error either).
    let v4 = db(&[FLAT_V4]);
    assert_eq!(v4.try_locate(ip("2001:218::1")), Ok(ClientLocation::UNKNOWN));
    assert_eq!(v4.locate(ip("8.8.8.8")).country, code("US"));
}

#[test]
fn databases_are_consulted_in_order() {
    let city_first = db(&[CITY, FLAT_V4, FLAT_V6]);
    let l = city_first.locate(ip("81.2.69.142"));
    assert_eq!(l.scope_prefix, 31);
    assert_near(l.coordinates, 51.5142, -0.0931);
    // Not in the City database (8.0.0.0/7 empty): the flat one answers; the answer depends on
    // both, so the scope is the longer prefix.
    let l = city_first.locate(ip("8.8.8.8"));
    assert_eq!((l.country, l.subdivision, l.scope_prefix), (code("US"), code("CA"), 24));
    assert_eq!(city_first.locate(ip("8.8.4.4")).scope_prefix, 21);
    // No country in the City record for 81.2.69.0 (/25): the flat database's /24 answers.
    let l = city_first.locate(ip("81.2.69.0"));
    assert_eq!((l.country, l.scope_prefix), (code("GB"), 25));

    let flat_first = db(&[FLAT_V4, CITY]);
    let l = flat_first.locate(ip("81.2.69.142"));
    assert_eq!((l.country, l.subdivision, l.scope_prefix), (code("GB"), None, 24));
    // IPv6: the flat IPv4 file is skipped, the City database answers.
    assert_eq!(flat_first.locate(ip("2001:218::1")).scope_prefix, 32);
}

#[test]
fn database_info() {
    let db = db(&[CITY, FLAT_V4, FLAT_V6]);
    let info: Vec<_> =
        db.databases().map(|d| (d.name, d.schema, d.database_type, d.ip_version)).collect();
    assert_eq!(
        info,
        [
            (CITY, Schema::GeoIp2, "GeoIP2-City", 6),
            (FLAT_V4, Schema::Flat, "city", 4),
            (FLAT_V6, Schema::Flat, "city", 6),
        ]
    );
    assert!(db.databases().all(|d| d.size > 0 && d.build_epoch > 0));
    assert!(format!("{db:?}").contains("GeoIP2-City"));
}

#[test]
fn bytes_that_are_not_a_database() {
    let mut db = GeoDb::new();
    for bytes in [Vec::new(), b"city,country\n1.2.3.4,GB\n".to_vec(), vec![0; 4096]] {
        let e = db.add("geo.csv", bytes).unwrap_err();
        assert_eq!(e.kind(), GeoErrorKind::NotMmdb);
        assert_eq!(e.database(), "geo.csv");
        let msg = e.to_string();
        assert!(msg.contains("\"geo.csv\"") && msg.contains("not a MaxMind DB"), "{msg}");
    }
    // The first half of a real database lacks the metadata.
    let city = data(CITY);
    let e = db.add("half.mmdb", city[..city.len() / 2].to_vec()).unwrap_err();
    assert_eq!(e.kind(), GeoErrorKind::NotMmdb);
    assert!(db.is_empty());
}

#[test]
fn corrupt_databases_are_refused_with_a_clear_error() {
    let city = data(CITY);
    let mut scribbled = city.clone();
    scribbled[100..3000].fill(0xff);
    let cases = [
        ("second-half.mmdb", city[city.len() / 2..].to_vec()),
        ("scribbled.mmdb", scribbled),
        ("broken-double.mmdb", data("GeoIP2-City-Test-Broken-Double-Format.mmdb")),
        ("marker-only.mmdb", data("bad-data/libmaxminddb-metadata-marker-only.mmdb")),
        ("uint128-metadata.mmdb", data("bad-data/metadata-is-an-uint128.mmdb")),
        ("cyclic.mmdb", data("bad-data/cyclic-data-structure.mmdb")),
        ("record-offset.mmdb", data("bad-data/invalid-data-record-offset.mmdb")),
        ("string-length.mmdb", data("bad-data/invalid-string-length.mmdb")),
        ("offset-overflow.mmdb", data("bad-data/libmaxminddb-offset-integer-overflow.mmdb")),
    ];
    for (name, bytes) in cases {
        let mut db = GeoDb::new();
        let e = db.add(name, bytes).unwrap_err();
        assert_eq!(e.kind(), GeoErrorKind::Corrupt, "{name}: {e}");
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("geolocation database {name:?} is a corrupt")), "{msg}");
        assert!(db.is_empty());
    }
}

#[test]
fn databases_without_location_fields_are_unsupported() {
    let mut db = GeoDb::new();
    let e = db.add("asn.mmdb", data("GeoLite2-ASN-Test.mmdb")).unwrap_err();
    assert_eq!(e.kind(), GeoErrorKind::UnsupportedSchema);
    let msg = e.to_string();
    assert!(msg.contains("GeoLite2-ASN") && msg.contains("country_code"), "{msg}");
    // A database whose search tree leads nowhere useful.
    let e = db.add("t.mmdb", data("bad-data/libmaxminddb-corrupt-search-tree.mmdb")).unwrap_err();
    assert_eq!(e.kind(), GeoErrorKind::UnsupportedSchema);
}

#[test]
fn duplicate_names_are_refused() {
    let mut db = db(&[CITY]);
    let e = db.add(CITY, data(COUNTRY)).unwrap_err();
    assert_eq!(e.kind(), GeoErrorKind::DuplicateName);
    assert_eq!(db.databases().count(), 1);
}

/// The flat IPv4 database with London's latitude stored as a float of 5 bytes: loading
/// decodes every record but does not fail for one, so this shows up at lookup.
fn flat_with_corrupt_london_record() -> Vec<u8> {
    let mut bytes = data(FLAT_V4);
    let find = |from: usize, needle: &[u8], bytes: &[u8]| {
        from + bytes[from..].windows(needle.len()).position(|w| w == needle).expect("present")
    };
    let london = find(0, b"London", &bytes);
    let latitude = find(london, b"latitude", &bytes) + b"latitude".len();
    assert_eq!(&bytes[latitude..latitude + 2], [0x04, 0x08], "float control bytes");
    bytes[latitude] = 0x05;
    bytes
}

#[test]
fn a_corrupt_record_is_an_error_for_try_locate_and_unknown_for_locate() {
    let mut db = GeoDb::new();
    db.add("broken.mmdb", flat_with_corrupt_london_record()).unwrap();
    let e = db.try_locate(ip("81.2.69.142")).unwrap_err();
    assert_eq!((e.database(), e.kind()), ("broken.mmdb", GeoErrorKind::Corrupt));
    assert_eq!(
        db.locate(ip("81.2.69.142")),
        ClientLocation { scope_prefix: 24, ..ClientLocation::UNKNOWN }
    );
    // Other records are fine.
    assert_eq!(db.try_locate(ip("8.8.8.8")).unwrap().country, code("US"));
    // A later database still answers.
    db.add(CITY, data(CITY)).unwrap();
    let l = db.locate(ip("81.2.69.142"));
    assert_eq!((l.country, l.scope_prefix), (code("GB"), 31));
}
