//! Geolocation at every level a database entry knows.
//!
//! Databases are crafted with the test writer (`common/mmdb.rs`) in both schemas (GeoIP2
//! nested, one IPv6 file holding IPv4 space with GeoIP2's aliases; DB-IP flat, one IPv4 and
//! one IPv6 file) from one table of entries that carry only some levels: continent only,
//! country only, country and subdivision, a US entry without a state, a subdivision Route 53
//! does not have, an entry with nothing. Then:
//!
//! - `locations`: what `GeoDb::locate` makes of each entry (continent, country, subdivision,
//!   coordinates, ECS scope), for IPv4, IPv6 and IPv4-mapped addresses;
//! - `answers`: a table of cases, database entry x policy locations x health -> answer,
//!   ECS scope and trace lines, run through `GeoDb::locate` and `Policy::explain`. The policy
//!   is the one-rule geo document record-level geolocation record sets compile to (endpoints
//!   `e<N>`, rule `r`, a health check per location), once with the default as
//!   `IsDefault: true` and once as `Country: "*"`, and once without a default.

mod common;

use std::fmt::Write as _;
use std::net::IpAddr;

use common::ip;
use common::mmdb::{Value, Writer, map, s};
use geo::{GeoDb, Schema};
use policy::codes::Catalog;
use policy::{Code, Continent, EstimatedLatency, Policy, Query, SplitMix64, UnhealthySet};

/// One database entry: what it holds (any level may be missing) and what `locate` must make
/// of it.
struct Entry {
    /// Its IPv4 network, and its IPv6 network if it has one.
    v4: &'static str,
    v6: Option<&'static str>,
    /// The database's continent code (GeoIP2 `continent.code`, flat `continent_code`).
    continent: Option<&'static str>,
    /// The database's country code.
    country: Option<&'static str>,
    /// GeoIP2 `subdivisions[0].iso_code` and the flat `state1` name.
    subdivision: Option<(&'static str, &'static str)>,
    at: Option<(f64, f64)>,
    /// Expected: continent, country, subdivision from GeoIP2, subdivision from the flat file.
    want: (Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>),
}

const ENTRIES: &[Entry] = &[
    Entry {
        v4: "10.1.0.0/16",
        v6: Some("2001:db8:1::/48"),
        continent: Some("EU"),
        country: None,
        subdivision: None,
        at: None,
        want: (Some("EU"), None, None, None),
    },
    Entry {
        v4: "10.2.0.0/16",
        v6: None,
        continent: Some("NA"),
        country: None,
        subdivision: None,
        at: Some((39.8, -98.6)),
        want: (Some("NA"), None, None, None),
    },
    Entry {
        v4: "10.3.0.0/16",
        v6: Some("2001:db8:3::/48"),
        continent: Some("EU"),
        country: Some("FR"),
        subdivision: None,
        at: Some((48.86, 2.35)),
        want: (Some("EU"), Some("FR"), None, None),
    },
    Entry {
        v4: "10.4.0.0/16",
        v6: Some("2001:db8:4::/48"),
        continent: Some("NA"),
        country: Some("US"),
        subdivision: Some(("WA", "Washington")),
        at: Some((47.6, -122.3)),
        want: (Some("NA"), Some("US"), Some("WA"), Some("WA")),
    },
    // A US entry without a state.
    Entry {
        v4: "10.5.0.0/16",
        v6: Some("2001:db8:5::/48"),
        continent: Some("NA"),
        country: Some("US"),
        subdivision: None,
        at: Some((37.75, -97.82)),
        want: (Some("NA"), Some("US"), None, None),
    },
    // Route 53 has no subdivisions in GB.
    Entry {
        v4: "10.6.0.0/16",
        v6: None,
        continent: Some("EU"),
        country: Some("GB"),
        subdivision: Some(("ENG", "England")),
        at: Some((51.51, -0.09)),
        want: (Some("EU"), Some("GB"), None, None),
    },
    // ISO 3166-2 `UA-43` is Route 53's Crimea, `11`; flat files' oblast names are not mapped.
    Entry {
        v4: "10.7.0.0/16",
        v6: None,
        continent: Some("EU"),
        country: Some("UA"),
        subdivision: Some(("43", "Crimea")),
        at: None,
        want: (Some("EU"), Some("UA"), Some("11"), None),
    },
    // An entry with nothing.
    Entry {
        v4: "10.8.0.0/16",
        v6: Some("2001:db8:8::/48"),
        continent: None,
        country: None,
        subdivision: None,
        at: None,
        want: (None, None, None, None),
    },
    // The continent comes from the country, not from the database.
    Entry {
        v4: "10.9.0.0/16",
        v6: None,
        continent: Some("AS"),
        country: Some("TR"),
        subdivision: None,
        at: None,
        want: (Some("EU"), Some("TR"), None, None),
    },
    // A country code Route 53 does not know counts as no country.
    Entry {
        v4: "10.10.0.0/16",
        v6: None,
        continent: Some("OC"),
        country: Some("ZZ"),
        subdivision: None,
        at: None,
        want: (Some("OC"), None, None, None),
    },
    // A continent code Route 53 does not have.
    Entry {
        v4: "10.11.0.0/16",
        v6: None,
        continent: Some("AP"),
        country: None,
        subdivision: None,
        at: None,
        want: (None, None, None, None),
    },
    // A US subdivision that is not a state.
    Entry {
        v4: "10.12.0.0/16",
        v6: None,
        continent: Some("NA"),
        country: Some("US"),
        subdivision: Some(("ZZ", "Nowhere")),
        at: None,
        want: (Some("NA"), Some("US"), None, None),
    },
    // A continent-only IPv6 entry in Asia.
    Entry {
        v4: "10.13.0.0/16",
        v6: Some("2001:db8:13::/48"),
        continent: Some("AS"),
        country: None,
        subdivision: None,
        at: None,
        want: (Some("AS"), None, None, None),
    },
];

/// A GeoIP2 City record with the levels the entry has, shaped like MaxMind's (names,
/// GeoNames ids, accuracy radius, time zone) so that the reader skips what it does not need.
fn geoip2_record(e: &Entry) -> Value {
    let named = |code_key: &str, code: &str| {
        map([
            ("geoname_id", Value::U32(6_255_148)),
            (code_key, s(code)),
            ("names", map([("de", s("Name")), ("en", s("Name"))])),
        ])
    };
    let mut fields = vec![("city".to_owned(), map([("names", map([("en", s("City"))]))]))];
    if let Some(c) = e.continent {
        fields.push(("continent".to_owned(), named("code", c)));
    }
    if let Some(c) = e.country {
        fields.push(("country".to_owned(), named("iso_code", c)));
        fields.push(("registered_country".to_owned(), named("iso_code", c)));
    }
    if let Some((lat, lon)) = e.at {
        let location = map([
            ("accuracy_radius", Value::U16(100)),
            ("latitude", Value::Double(lat)),
            ("longitude", Value::Double(lon)),
            ("time_zone", s("Europe/Paris")),
        ]);
        fields.push(("location".to_owned(), location));
    }
    if let Some((code, _)) = e.subdivision {
        let first = named("iso_code", code);
        fields.push(("subdivisions".to_owned(), Value::Array(vec![first])));
    }
    Value::Map(fields)
}

/// A flat record as ip-location-db writes DB-IP's (empty strings for what is unknown), with
/// `continent_code` when the entry has a continent.
fn flat_record(e: &Entry) -> Value {
    let mut fields = vec![("city".to_owned(), s(""))];
    if let Some(c) = e.continent {
        fields.push(("continent_code".to_owned(), s(c)));
    }
    fields.push(("country_code".to_owned(), s(e.country.unwrap_or(""))));
    if let Some((lat, lon)) = e.at {
        fields.push(("latitude".to_owned(), Value::Float(lat as f32)));
        fields.push(("longitude".to_owned(), Value::Float(lon as f32)));
    }
    fields.push(("postcode".to_owned(), s("")));
    fields.push(("state1".to_owned(), s(e.subdivision.map_or("", |(_, name)| name))));
    fields.push(("state2".to_owned(), s("")));
    fields.push(("timezone".to_owned(), s("")));
    Value::Map(fields)
}

/// The entries as databases of one schema.
fn geodb(schema: Schema) -> GeoDb {
    let mut geo = GeoDb::new();
    let bytes = |w: &Writer| w.to_bytes().unwrap_or_else(|e| panic!("{e}"));
    match schema {
        Schema::GeoIp2 => {
            let mut w = Writer::new("GeoIP2-City", 6, 28).alias_ipv4();
            for e in ENTRIES {
                w.insert(e.v4, geoip2_record(e));
                if let Some(v6) = e.v6 {
                    w.insert(v6, geoip2_record(e));
                }
            }
            geo.add("geoip2.mmdb", bytes(&w)).unwrap_or_else(|e| panic!("{e}"));
        }
        Schema::Flat => {
            let (mut v4, mut v6) = (Writer::new("city", 4, 24), Writer::new("city", 6, 24));
            for e in ENTRIES {
                v4.insert(e.v4, flat_record(e));
                if let Some(net) = e.v6 {
                    v6.insert(net, flat_record(e));
                }
            }
            geo.add("flat-ipv4.mmdb", bytes(&v4)).unwrap_or_else(|e| panic!("{e}"));
            geo.add("flat-ipv6.mmdb", bytes(&v6)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let schemas: Vec<_> = geo.databases().map(|d| d.schema).collect();
    assert!(schemas.iter().all(|s| *s == schema), "{schemas:?}");
    geo
}

/// An address inside the network `net` (`a.b.c.d/n` or `x::/n`): its first address plus 1.
fn inside(net: &str) -> IpAddr {
    let addr = net.split_once('/').map_or(net, |(a, _)| a);
    match ip(addr) {
        IpAddr::V4(a) => IpAddr::from((u32::from(a) + 1).to_be_bytes()),
        IpAddr::V6(a) => IpAddr::from((u128::from(a) + 1).to_be_bytes()),
    }
}

fn mapped(v4: IpAddr) -> IpAddr {
    match v4 {
        IpAddr::V4(a) => IpAddr::V6(a.to_ipv6_mapped()),
        v6 => v6,
    }
}

#[test]
fn locations() {
    let mut errors = Vec::new();
    for schema in [Schema::GeoIp2, Schema::Flat] {
        let geo = geodb(schema);
        for e in ENTRIES {
            let (continent, country, sub_geoip2, sub_flat) = e.want;
            let subdivision = if schema == Schema::GeoIp2 { sub_geoip2 } else { sub_flat };
            let want_code = |c: Option<&str>| c.map(|c| Code::new(c).expect("a code"));
            let want = (
                continent.map(|c| Continent::from_code(c).expect("a continent")),
                want_code(country),
                want_code(subdivision),
            );
            let v4 = inside(e.v4);
            let mut addresses = vec![(v4, 16), (mapped(v4), 112)];
            if let Some(v6) = e.v6 {
                addresses.push((inside(v6), 48));
            }
            for (addr, scope) in addresses {
                let l = geo.try_locate(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
                let got = (l.continent, l.country, l.subdivision);
                let near = match (l.coordinates, e.at) {
                    (None, None) => true,
                    (Some(c), Some((lat, lon))) => {
                        (c.latitude - lat).abs() < 1e-4 && (c.longitude - lon).abs() < 1e-4
                    }
                    _ => false,
                };
                if got != want || !near || l.scope_prefix != scope {
                    errors.push(format!(
                        "{schema:?} {addr} (entry {}): got {got:?} at {:?} scope {}, expected \
                         {want:?} at {:?} scope {scope}",
                        e.v4, l.coordinates, l.scope_prefix, e.at
                    ));
                }
            }
        }
        // Addresses in no network: nothing known, the scope of the empty network.
        for (addr, scope) in [("10.200.0.1", 9), ("::ffff:10.200.0.1", 105), ("2001:db9::1", 32)] {
            let l = geo.locate(ip(addr));
            let got = (l.continent, l.country, l.subdivision, l.coordinates, l.scope_prefix);
            if got != (None, None, None, None, scope) {
                errors.push(format!("{schema:?} {addr}: got {got:?}, expected nothing, /{scope}"));
            }
        }
    }
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}

/// The locations of the geo rule, as record-level geolocation record sets produce them
/// (endpoint `e<N>` is location N), each with its own health check. The default is last.
const LOCATIONS: &[(&str, &str)] = &[
    (r#""Continent": "EU""#, "hc-eu"),
    (r#""Continent": "NA""#, "hc-na"),
    (r#""Continent": "OC""#, "hc-oc"),
    (r#""Country": "US""#, "hc-us"),
    (r#""Country": "US", "Subdivision": "WA""#, "hc-wa"),
    (r#""Country": "FR""#, "hc-fr"),
    (r#""Country": "UA", "Subdivision": "11""#, "hc-ua11"),
    (r#""IsDefault": true"#, "hc-default"),
];

/// How the policy ends its locations.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fallback {
    /// `IsDefault: true`, as record-level routing writes a `CountryCode` of `*`.
    IsDefault,
    /// `Country: "*"`.
    CountryStar,
    /// No default location.
    Without,
}

fn document(default: Fallback) -> String {
    let mut endpoints = Vec::new();
    let mut locations = Vec::new();
    for (i, (fields, check)) in LOCATIONS.iter().enumerate() {
        let fields = match (i + 1 == LOCATIONS.len(), default) {
            (true, Fallback::Without) => continue,
            (true, Fallback::CountryStar) => r#""Country": "*""#,
            _ => fields,
        };
        endpoints.push(format!(r#""e{i}": {{ "Type": "value", "Value": "192.0.2.{i}" }}"#));
        locations.push(format!(
            r#"{{ "EndpointReference": "e{i}", {fields}, "HealthCheck": "{check}" }}"#
        ));
    }
    format!(
        r#"{{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A",
             "Endpoints": {{ {} }}, "StartRule": "r",
             "Rules": {{ "r": {{ "RuleType": "geo", "Locations": [ {} ] }} }} }}"#,
        endpoints.join(", "),
        locations.join(", ")
    )
}

fn compiled(default: Fallback) -> Policy {
    let c = policy::compile(&document(default), &Catalog::builtin());
    let errors: Vec<_> = c.errors().map(|d| format!("{}: {}", d.pointer, d.message)).collect();
    c.policy.unwrap_or_else(|| panic!("{default:?}: {errors:?}"))
}

/// Which schemas and documents a case runs against.
#[derive(Clone, Copy, PartialEq)]
enum Only {
    All,
    GeoIp2,
    Flat,
    /// Only the document without a default.
    WithoutDefault,
}

/// One query and what must come of it.
struct Case {
    name: &'static str,
    client: &'static str,
    unhealthy: &'static [&'static str],
    only: Only,
    /// The answering endpoint, or none (NOERROR without data).
    answer: Option<&'static str>,
    healthy: bool,
    scope: u8,
    /// Substrings of the rendered trace, in this order.
    trace: &'static [&'static str],
}

const fn case(
    name: &'static str,
    client: &'static str,
    unhealthy: &'static [&'static str],
    answer: Option<&'static str>,
    healthy: bool,
    scope: u8,
    trace: &'static [&'static str],
) -> Case {
    Case { name, client, unhealthy, only: Only::All, answer, healthy, scope, trace }
}

const fn only(c: Case, only: Only) -> Case {
    Case { only, ..c }
}

const ALL_BUT_DEFAULT: &[&str] = &["hc-eu", "hc-na", "hc-oc", "hc-us", "hc-wa", "hc-fr", "hc-ua11"];
const EVERY_CHECK: &[&str] =
    &["hc-eu", "hc-na", "hc-oc", "hc-us", "hc-wa", "hc-fr", "hc-ua11", "hc-default"];

const CASES: &[Case] = &[
    // Continent only.
    case(
        "continent only -> continent location",
        "10.1.0.1",
        &[],
        Some("e0"),
        true,
        16,
        &[
            "client: continent EU, country ?, subdivision ? (can match: continent, default)",
            "matches Continent EU (continent)",
            "follow endpoint e0",
            "answer e0 (ECS scope /16)",
        ],
    ),
    case("continent only, IPv6", "2001:db8:1::1", &[], Some("e0"), true, 48, &[]),
    case("continent only, IPv4-mapped", "::ffff:10.1.0.1", &[], Some("e0"), true, 112, &[]),
    case(
        "continent only, continent unhealthy -> default",
        "10.1.0.1",
        &["hc-eu"],
        Some("e7"),
        true,
        16,
        &["skipped: health check hc-eu is unhealthy", "follow endpoint e7"],
    ),
    case(
        "continent only, everything unhealthy -> continent, the smallest match",
        "10.1.0.1",
        EVERY_CHECK,
        Some("e0"),
        false,
        16,
        &["matches Continent EU", "matches default", "last_resort", "follow endpoint e0"],
    ),
    only(
        case(
            "continent only, no default, continent unhealthy -> continent",
            "10.1.0.1",
            &["hc-eu"],
            Some("e0"),
            false,
            16,
            &["last_resort", "follow endpoint e0"],
        ),
        Only::WithoutDefault,
    ),
    case(
        "continent only with coordinates -> continent, never a country in it",
        "10.2.0.1",
        &[],
        Some("e1"),
        true,
        16,
        &["client: continent NA, country ?, subdivision ?", "follow endpoint e1"],
    ),
    case(
        "continent only, no location for it -> default",
        "2001:db8:13::1",
        &[],
        Some("e7"),
        true,
        48,
        &["client: continent AS, country ?", "matches default (default)"],
    ),
    only(
        case(
            "continent only, no location for it, no default -> no answer",
            "2001:db8:13::1",
            &[],
            None,
            true,
            48,
            &["no location matches the client and there is no default", "no answer"],
        ),
        Only::WithoutDefault,
    ),
    // Country only.
    case(
        "country only -> country",
        "10.3.0.1",
        &[],
        Some("e5"),
        true,
        16,
        &["client: continent EU, country FR, subdivision ?", "matches Country FR (country)"],
    ),
    case("country only, IPv6", "2001:db8:3::1", &[], Some("e5"), true, 48, &[]),
    case(
        "country only, country unhealthy -> continent",
        "10.3.0.1",
        &["hc-fr"],
        Some("e0"),
        true,
        16,
        &["matches Country FR (country)", "hc-fr is unhealthy", "matches Continent EU"],
    ),
    case(
        "country only, country and continent unhealthy -> default",
        "10.3.0.1",
        &["hc-fr", "hc-eu"],
        Some("e7"),
        true,
        16,
        &[],
    ),
    case(
        "country only, all unhealthy -> country",
        "10.3.0.1",
        EVERY_CHECK,
        Some("e5"),
        false,
        16,
        &[],
    ),
    // Country and subdivision: the walk up.
    case(
        "state -> subdivision",
        "10.4.0.1",
        &[],
        Some("e4"),
        true,
        16,
        &[
            "subdivision WA (can match: subdivision, country, continent, default)",
            "(subdivision)",
            "follow endpoint e4",
        ],
    ),
    case("state, IPv6", "2001:db8:4::1", &[], Some("e4"), true, 48, &[]),
    case("state, IPv4-mapped", "::ffff:10.4.0.1", &[], Some("e4"), true, 112, &[]),
    case(
        "state unhealthy -> country",
        "10.4.0.1",
        &["hc-wa"],
        Some("e3"),
        true,
        16,
        &[
            "matches Country US Subdivision WA (subdivision)",
            "hc-wa is unhealthy",
            "matches Country US (country)",
            "follow endpoint e3",
        ],
    ),
    case(
        "state and country unhealthy -> continent",
        "10.4.0.1",
        &["hc-wa", "hc-us"],
        Some("e1"),
        true,
        16,
        &["matches Continent NA (continent)", "follow endpoint e1"],
    ),
    case(
        "state, country and continent unhealthy -> default",
        "10.4.0.1",
        &["hc-wa", "hc-us", "hc-na"],
        Some("e7"),
        true,
        16,
        &["hc-na is unhealthy", "follow endpoint e7"],
    ),
    case(
        "state, all unhealthy -> the state",
        "10.4.0.1",
        EVERY_CHECK,
        Some("e4"),
        false,
        16,
        &["every matching location is unhealthy", "follow endpoint e4"],
    ),
    case(
        "state, all but the default unhealthy -> default",
        "2001:db8:4::1",
        ALL_BUT_DEFAULT,
        Some("e7"),
        true,
        48,
        &[],
    ),
    // A US entry without a state.
    case(
        "US without a state -> US",
        "10.5.0.1",
        &[],
        Some("e3"),
        true,
        16,
        &[
            "client: continent NA, country US, subdivision ? (can match: country, continent, default)",
            "matches Country US (country)",
        ],
    ),
    case("US without a state, IPv6", "2001:db8:5::1", &[], Some("e3"), true, 48, &[]),
    case(
        "US without a state, US unhealthy -> North America",
        "10.5.0.1",
        &["hc-us"],
        Some("e1"),
        true,
        16,
        &[],
    ),
    case(
        "US without a state, US and NA unhealthy -> default",
        "10.5.0.1",
        &["hc-us", "hc-na"],
        Some("e7"),
        true,
        16,
        &[],
    ),
    case(
        "US without a state, all unhealthy -> US",
        "10.5.0.1",
        EVERY_CHECK,
        Some("e3"),
        false,
        16,
        &[],
    ),
    case("US subdivision that is no state -> US", "10.12.0.1", &[], Some("e3"), true, 16, &[]),
    // Subdivisions Route 53 does not have, and Ukraine.
    case(
        "GB with a subdivision Route 53 lacks -> Europe",
        "10.6.0.1",
        &[],
        Some("e0"),
        true,
        16,
        &["client: continent EU, country GB, subdivision ?", "matches Continent EU"],
    ),
    only(
        case(
            "Crimea (ISO UA-43) -> Route 53's UA 11",
            "10.7.0.1",
            &[],
            Some("e6"),
            true,
            16,
            &["subdivision 11", "matches Country UA Subdivision 11 (subdivision)"],
        ),
        Only::GeoIp2,
    ),
    only(
        case("Crimea by name (flat) -> Europe", "10.7.0.1", &[], Some("e0"), true, 16, &[]),
        Only::Flat,
    ),
    // The continent follows the country.
    case(
        "TR listed in Asia by the database -> Europe",
        "10.9.0.1",
        &[],
        Some("e0"),
        true,
        16,
        &["client: continent EU, country TR"],
    ),
    case("unknown country ZZ in Oceania -> Oceania", "10.10.0.1", &[], Some("e2"), true, 16, &[]),
    // Nothing known.
    case(
        "entry with nothing -> default",
        "10.8.0.1",
        &[],
        Some("e7"),
        true,
        16,
        &[
            "client: continent ?, country ?, subdivision ? (can match: default)",
            "matches default (default)",
        ],
    ),
    case("entry with nothing, IPv6 -> default", "2001:db8:8::1", &[], Some("e7"), true, 48, &[]),
    case("continent code Route 53 lacks -> default", "10.11.0.1", &[], Some("e7"), true, 16, &[]),
    case("address in no network -> default", "10.200.0.1", &[], Some("e7"), true, 9, &[]),
    case("IPv6 address in no network -> default", "2001:db9::1", &[], Some("e7"), true, 32, &[]),
    case(
        "nothing known, default unhealthy -> default",
        "10.8.0.1",
        &["hc-default"],
        Some("e7"),
        false,
        16,
        &["last_resort", "follow endpoint e7"],
    ),
    only(
        case(
            "nothing known, no default -> no answer",
            "10.8.0.1",
            &[],
            None,
            true,
            16,
            &["no location matches the client and there is no default", "no answer"],
        ),
        Only::WithoutDefault,
    ),
];

/// Checks that `needles` occur in `hay` in this order.
fn in_order(hay: &str, needles: &[&str]) -> Result<(), String> {
    let mut rest = hay;
    for n in needles {
        match rest.find(n) {
            Some(i) => rest = &rest[i + n.len()..],
            None => return Err(format!("lacks {n:?} (after the earlier lines)")),
        }
    }
    Ok(())
}

#[test]
fn answers() {
    let documents =
        [Fallback::IsDefault, Fallback::CountryStar, Fallback::Without].map(|d| (d, compiled(d)));
    let mut errors = Vec::new();
    let mut runs = 0;
    for schema in [Schema::GeoIp2, Schema::Flat] {
        let geo = geodb(schema);
        for c in CASES {
            let schema_ok = match c.only {
                Only::GeoIp2 => schema == Schema::GeoIp2,
                Only::Flat => schema == Schema::Flat,
                Only::All | Only::WithoutDefault => true,
            };
            if !schema_ok {
                continue;
            }
            let location = geo.locate(ip(c.client));
            let health = UnhealthySet {
                health_checks: c.unhealthy.iter().map(|h| h.to_string()).collect(),
                targets: Vec::new(),
            };
            let q = Query {
                location: &location,
                health: &health,
                latency: &EstimatedLatency,
                subnet: None,
            };
            for (default, p) in &documents {
                if (*default == Fallback::Without) != (c.only == Only::WithoutDefault) {
                    continue;
                }
                runs += 1;
                let (answer, trace) = p.explain(&q, &mut SplitMix64(1));
                let plain = p.evaluate(&q, &mut SplitMix64(1));
                let got: Vec<&str> = answer.endpoints(p).map(|e| e.id.as_str()).collect();
                let mut problems = String::new();
                if got != c.answer.into_iter().collect::<Vec<_>>() {
                    let _ = write!(problems, " answer {got:?}, expected {:?};", c.answer);
                }
                if answer.healthy != c.healthy {
                    let _ =
                        write!(problems, " healthy {}, expected {};", answer.healthy, c.healthy);
                }
                if answer.ecs_scope != c.scope {
                    let _ = write!(problems, " scope {}, expected {};", answer.ecs_scope, c.scope);
                }
                if plain != answer {
                    problems.push_str(" evaluate and explain disagree;");
                }
                let rendered = trace.render();
                if let Err(e) = in_order(&rendered, c.trace) {
                    let _ = write!(problems, " trace {e}");
                }
                if !problems.is_empty() {
                    errors.push(format!(
                        "{schema:?} {default:?} {:?} ({}):{problems}\n{rendered}",
                        c.name, c.client
                    ));
                }
            }
        }
    }
    assert!(runs >= 150, "{runs} runs");
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}
