//! The test-support MaxMind DB writer (`common/mmdb.rs`) against the `maxminddb` reader:
//! its files pass `Reader::verify`, their metadata reads back, every value reads back with
//! its type, and every lookup finds the most specific network inserted.

mod common;

use std::net::IpAddr;

use common::mmdb::{Network, Value, Writer, map, s};
use maxminddb::{Reader, WithinOptions};

/// A reader over `bytes` that has checked the whole file.
fn verified(bytes: &[u8]) -> Reader<&[u8]> {
    let reader = Reader::from_source(bytes).unwrap_or_else(|e| panic!("opening: {e}"));
    reader.verify().unwrap_or_else(|e| panic!("verifying: {e}"));
    reader
}

fn decode_at(reader: &Reader<&[u8]>, ip: IpAddr) -> Option<Value> {
    let result = reader.lookup(ip).unwrap_or_else(|e| panic!("{ip}: {e}"));
    result.decode::<Value>().unwrap_or_else(|e| panic!("{ip}: {e}"))
}

/// Values of every type the writer knows, at the edges of each size encoding.
fn every_kind_of_value() -> Vec<Value> {
    let text = |n: usize| Value::Str("é".repeat(n / 2) + &"x".repeat(n % 2));
    let mut values: Vec<Value> =
        [0, 1, 28, 29, 284, 285, 65_820, 65_821, 70_000].into_iter().map(text).collect();
    values.extend([
        Value::Double(0.0),
        Value::Double(-122.3149),
        Value::Double(f64::MAX),
        Value::Float(51.5143),
        Value::Float(-0.0912),
        Value::U16(0),
        Value::U16(255),
        Value::U16(u16::MAX),
        Value::U32(0),
        Value::U32(65_536),
        Value::U32(u32::MAX),
        Value::U64(0),
        Value::U64(1_750_000_000),
        Value::U64(u64::MAX),
        Value::I32(0),
        Value::I32(1),
        Value::I32(256),
        Value::I32(-1),
        Value::I32(i32::MIN),
        Value::I32(i32::MAX),
        Value::Bool(false),
        Value::Bool(true),
        Value::Map(Vec::new()),
        Value::Array(Vec::new()),
        map([
            ("country", map([("iso_code", s("GB")), ("geoname_id", Value::U32(2_635_167))])),
            ("subdivisions", Value::Array(vec![map([("iso_code", s("ENG"))])])),
            (
                "location",
                map([("latitude", Value::Double(51.5)), ("longitude", Value::Double(0.1))]),
            ),
        ]),
        Value::Map((0..300).map(|i| (format!("k{i}"), Value::U32(i))).collect()),
        Value::Array((0..40).map(|i| Value::Array(vec![Value::I32(-i)])).collect()),
    ]);
    values
}

#[test]
fn every_value_reads_back_with_its_type() {
    let values = every_kind_of_value();
    for record_size in [24, 28, 32] {
        for ip_version in [4, 6] {
            let mut w = Writer::new("Test-Values", ip_version, record_size);
            for (i, v) in values.iter().enumerate() {
                w.insert(&format!("10.0.{i}.0/24"), v.clone());
            }
            let bytes = w.to_bytes().unwrap();
            let reader = verified(&bytes);
            let m = reader.metadata();
            assert_eq!((m.ip_version, m.record_size), (ip_version, record_size));
            assert_eq!((m.binary_format_major_version, m.binary_format_minor_version), (2, 0));
            assert_eq!((m.database_type.as_str(), m.build_epoch), ("Test-Values", 1_750_000_000));
            assert_eq!(m.description.get("en").map(String::as_str), Some("test database"));
            assert_eq!(m.languages, ["en"]);
            for (i, v) in values.iter().enumerate() {
                let ip: IpAddr = format!("10.0.{i}.77").parse().unwrap();
                assert_eq!(decode_at(&reader, ip).as_ref(), Some(v), "{record_size} {ip}");
            }
        }
    }
}

/// The value of the most specific inserted network holding `ip`, and its prefix.
fn longest_match(networks: &[(Network, Value)], ip: IpAddr) -> Option<&(Network, Value)> {
    networks.iter().filter(|(n, _)| n.contains(ip)).max_by_key(|(n, _)| n.prefix)
}

/// A deterministic stream of numbers (xorshift).
fn numbers(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

fn one_more(ip: IpAddr, delta: i8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => IpAddr::from(u32::from(a).wrapping_add_signed(delta.into()).to_be_bytes()),
        IpAddr::V6(a) => {
            IpAddr::from(u128::from(a).wrapping_add_signed(delta.into()).to_be_bytes())
        }
    }
}

#[test]
fn lookups_find_the_most_specific_network() {
    // Nested, adjacent, shortest and longest networks, given in no particular order.
    let v4 = [
        "10.1.2.0/24",
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.1.2.128/25",
        "10.1.2.130/32",
        "0.0.0.0/1",
        "192.0.2.0/24",
        "192.0.3.0/24",
        "255.255.255.255/32",
    ];
    let v6 = ["2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::1/128", "8000::/1", "fe80::/10"];
    let mut next = numbers(0x9e37_79b9_7f4a_7c15);
    for record_size in [24, 28, 32] {
        for ip_version in [4u16, 6] {
            let mut w = Writer::new("Test-Tree", ip_version, record_size);
            let mut inserted = Vec::new();
            let names = v4.iter().chain(if ip_version == 6 { &v6[..] } else { &[] });
            for (i, net) in names.enumerate() {
                let value = map([("network", s(net)), ("i", Value::U16(i as u16))]);
                w.insert(net, value.clone());
                inserted.push((Network::parse(net), value));
            }
            let bytes = w.to_bytes().unwrap();
            let reader = verified(&bytes);
            let mut probes = Vec::new();
            for (n, _) in &inserted {
                let (first, last) = n.ends();
                probes.extend([first, last, one_more(first, -1), one_more(last, 1)]);
            }
            for _ in 0..2_000 {
                probes.push(IpAddr::from((next() as u32).to_be_bytes()));
                if ip_version == 6 {
                    let wide = u128::from(next()) << 64 | u128::from(next());
                    probes.push(IpAddr::from(wide.to_be_bytes()));
                }
            }
            for ip in probes {
                // An IPv4-compatible address (`::a.b.c.d`) is the IPv4 address in the tree.
                if matches!(ip, IpAddr::V6(a) if u128::from(a) >> 32 == 0) {
                    continue;
                }
                let want = longest_match(&inserted, ip);
                let result = reader.lookup(ip).unwrap();
                let got = result.decode::<Value>().unwrap();
                assert_eq!(got.as_ref(), want.map(|(_, v)| v), "{record_size} {ip}");
                // The network the lookup ended in holds the address and lies inside the
                // matching network.
                let net = result.network().unwrap();
                assert!(net.contains(ip), "{ip} not in {net}");
                if let Some((n, _)) = want {
                    let width = if ip.is_ipv4() { 32 } else { 128 };
                    let prefix = if n.ipv4 && !ip.is_ipv4() { n.prefix + 96 } else { n.prefix };
                    assert!(net.prefix() >= prefix.min(width), "{ip}: {net} outside {n:?}");
                }
            }
            // Iterating the tree finds each network's data, and nothing outside them.
            let mut yielded = 0;
            for result in reader.networks(WithinOptions::default()).unwrap() {
                let result = result.unwrap();
                let net = result.network().unwrap();
                let value = result.decode::<Value>().unwrap();
                let want = longest_match(&inserted, net.network()).map(|(_, v)| v);
                assert_eq!(value.as_ref(), want, "{net}");
                yielded += 1;
            }
            assert!(yielded >= inserted.len(), "{yielded} networks");
        }
    }
}

#[test]
fn ipv4_aliases_lead_to_the_ipv4_networks() {
    let mut w = Writer::new("Test-Alias", 6, 28).alias_ipv4();
    w.insert("81.2.69.0/24", s("GB"));
    w.insert("2001:db8::/32", s("doc"));
    let bytes = w.to_bytes().unwrap();
    let reader = verified(&bytes);
    for ip in ["81.2.69.142", "::81.2.69.142", "::ffff:81.2.69.142", "2002:5102:458e::1"] {
        assert_eq!(decode_at(&reader, ip.parse().unwrap()), Some(s("GB")), "{ip}");
    }
    for ip in ["81.2.70.1", "::ffff:81.2.70.1", "2002:5102:4601::", "2003::1"] {
        assert_eq!(decode_at(&reader, ip.parse().unwrap()), None, "{ip}");
    }
    assert_eq!(decode_at(&reader, "2001:db8::5".parse().unwrap()), Some(s("doc")));
    // Without aliases the mapped space is empty.
    let mut w = Writer::new("Test-Alias", 6, 28);
    w.insert("81.2.69.0/24", s("GB"));
    let bytes = w.to_bytes().unwrap();
    let reader = verified(&bytes);
    assert_eq!(decode_at(&reader, "::ffff:81.2.69.142".parse().unwrap()), None);
    assert_eq!(decode_at(&reader, "81.2.69.142".parse().unwrap()), Some(s("GB")));
}

#[test]
fn record_values_past_24_bits() {
    // Nine records of 1.9 MB first (readers refuse single values over 2 MiB) put the next
    // records' pointers past 2^24, so 28-bit records need their high nibbles.
    let padding: Vec<Value> =
        (0..9).map(|i| Value::Str(format!("{i}{}", "x".repeat(1_900_000)))).collect();
    let write = |record_size: u16| {
        let mut w = Writer::new("Test-Large", 4, record_size);
        for (i, p) in padding.iter().enumerate() {
            w.insert(&format!("10.1.{i}.0/24"), p.clone());
        }
        w.insert("10.0.1.0/24", s("after"));
        w.insert("10.0.2.0/24", s("further"));
        w.to_bytes()
    };
    for record_size in [28, 32] {
        let bytes = write(record_size).unwrap();
        assert!(bytes.len() > 1 << 24);
        let reader = verified(&bytes);
        assert_eq!(decode_at(&reader, "10.0.1.1".parse().unwrap()), Some(s("after")));
        assert_eq!(decode_at(&reader, "10.0.2.1".parse().unwrap()), Some(s("further")));
        for (i, p) in padding.iter().enumerate() {
            let ip = format!("10.1.{i}.1").parse().unwrap();
            assert_eq!(decode_at(&reader, ip).as_ref(), Some(p), "{ip}");
        }
    }
    let e = write(24).unwrap_err();
    assert!(e.contains("does not fit in 24 bits"), "{e}");
}

#[test]
fn identical_records_are_written_once() {
    let record = map([("country_code", s("FR")), ("state1", s(""))]);
    let mut one = Writer::new("Test-Dedup", 4, 24);
    one.insert("10.0.0.0/24", record.clone());
    let mut three = Writer::new("Test-Dedup", 4, 24);
    for net in ["10.0.0.0/24", "10.0.9.0/24", "172.16.0.0/12"] {
        three.insert(net, record.clone());
    }
    let (one, three) = (one.to_bytes().unwrap(), three.to_bytes().unwrap());
    let data_len = |bytes: &[u8]| {
        let m = Reader::from_source(bytes).unwrap().metadata().clone();
        let tree = m.node_count as usize * usize::from(m.record_size) / 4;
        let marker = bytes.windows(14).rposition(|w| w == b"\xab\xcd\xefMaxMind.com").unwrap();
        marker - tree - 16
    };
    assert_eq!(data_len(&one), record.encode().len());
    assert_eq!(data_len(&three), record.encode().len());
    let reader = verified(&three);
    assert_eq!(decode_at(&reader, "172.31.255.255".parse().unwrap()), Some(record));
}
