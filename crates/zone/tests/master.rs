//! RFC 1035 master files: parsing, checking, writing, and record text rows.
#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::rdata::svcb::{
    Alpn, EchConfigList, IpHint, Mandatory, SVCB, SvcParamKey, SvcParamValue, Unknown,
};
use hickory_proto::rr::rdata::{
    A, AAAA, CAA, CNAME, HINFO, HTTPS, MX, NAPTR, NS, NULL, OPENPGPKEY, PTR, SMIMEA, SOA, SRV,
    SSHFP, TLSA, TXT, sshfp, tlsa,
};
use hickory_proto::rr::{DNSClass, Label, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};
use proptest::prelude::*;
use zone::master::{
    self, MAX_LINE_BYTES, MAX_RECORDS, MasterFile, ZoneFileError, name_text, parse, parse_rdata,
    rdata_text, type_text, write,
};

const EXAMPLE: &str = include_str!("data/example.zone");
const NO_TTL: &str = include_str!("data/no-ttl.zone");
const ERRORS: &str = include_str!("data/errors.zone");
const REVERSE: &str = include_str!("data/reverse.zone");

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A name from plain dotted text (no escapes), case kept.
fn name(text: &str) -> Name {
    if text == "." {
        return Name::root();
    }
    let labels = text.trim_end_matches('.').split('.').map(|label| label.as_bytes().to_vec());
    Name::from_labels(labels).unwrap()
}

fn ok(text: &str) -> MasterFile {
    match parse(text, None) {
        Ok(file) => file,
        Err(errors) => panic!("{}", render(&errors)),
    }
}

fn errors(text: &str, origin: Option<&str>) -> Vec<ZoneFileError> {
    match parse(text, origin) {
        Ok(file) => panic!("parsed, with {} records", file.records.len()),
        Err(errors) => errors,
    }
}

fn render(errors: &[ZoneFileError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// Asserts that the errors are exactly these lines, each message containing its text.
fn assert_errors(errors: &[ZoneFileError], expected: &[(usize, &str)]) {
    let shown = render(errors);
    assert_eq!(errors.len(), expected.len(), "{shown}");
    for (error, (line, text)) in errors.iter().zip(expected) {
        assert_eq!(error.line, *line, "{shown}");
        assert!(
            error.message.contains(text),
            "line {line}: expected {text:?} in {:?}\n{shown}",
            error.message
        );
    }
}

fn wire(data: &RData) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = BinEncoder::new(&mut bytes);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut encoder).unwrap();
    bytes
}

fn labels(name: &Name) -> Vec<Vec<u8>> {
    name.iter().map(<[u8]>::to_vec).collect()
}

/// Everything about a record, exactly: case of names, TTL, class, type and data bytes.
type Exact = (Vec<Vec<u8>>, u32, u16, u16, Vec<u8>);

fn exact(record: &Record) -> Exact {
    (
        labels(&record.name),
        record.ttl,
        u16::from(record.dns_class),
        u16::from(record.record_type()),
        wire(&record.data),
    )
}

fn sorted_exact(records: &[Record]) -> Vec<Exact> {
    let mut all: Vec<Exact> = records.iter().map(exact).collect();
    all.sort();
    all
}

/// `parse(write(x)) == x`, with the records in the order `write` puts them.
fn assert_round_trip(file: &MasterFile) {
    let text = write(&file.origin, &file.records);
    let again = match parse(&text, None) {
        Ok(again) => again,
        Err(errors) => panic!("{}\n---\n{text}", render(&errors)),
    };
    assert_eq!(labels(&again.origin), labels(&file.origin));
    assert_eq!(sorted_exact(&again.records), sorted_exact(&file.records), "{text}");
    // Writing is deterministic and parse keeps file order: a second trip changes nothing.
    let text_again = write(&again.origin, &again.records);
    assert_eq!(text_again, text);
    let third = parse(&text_again, None).unwrap();
    let in_order: Vec<Exact> = third.records.iter().map(exact).collect();
    let written: Vec<Exact> = again.records.iter().map(exact).collect();
    assert_eq!(in_order, written);
}

fn find<'r>(file: &'r MasterFile, owner: &str, rtype: RecordType) -> Vec<&'r Record> {
    let owner = name(owner);
    file.records
        .iter()
        .filter(|record| record.name == owner && record.record_type() == rtype)
        .collect()
}

fn one<'r>(file: &'r MasterFile, owner: &str, rtype: RecordType) -> &'r Record {
    let found = find(file, owner, rtype);
    assert_eq!(found.len(), 1, "{owner} {rtype}: {found:?}");
    found[0]
}

const HEAD: &str = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 2h 15m 2w 5m\n  NS ns1\nns1 A 192.0.2.1\n";

fn zone_with(body: &str) -> String {
    format!("{HEAD}{body}")
}

// ---------------------------------------------------------------------------------------------
// The realistic zone
// ---------------------------------------------------------------------------------------------

#[test]
fn example_zone_has_every_type() {
    let file = ok(EXAMPLE);
    assert_eq!(name_text(&file.origin), "example.com.");
    assert_eq!(file.records.len(), 44);
    let mut types: Vec<String> =
        file.records.iter().map(|record| type_text(record.record_type())).collect();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "A",
            "AAAA",
            "CAA",
            "CNAME",
            "DNAME",
            "DS",
            "HINFO",
            "HTTPS",
            "MX",
            "NAPTR",
            "NS",
            "OPENPGPKEY",
            "PTR",
            "SMIMEA",
            "SOA",
            "SPF",
            "SRV",
            "SSHFP",
            "SVCB",
            "TLSA",
            "TXT",
            "TYPE65280"
        ]
    );
    // File order is kept.
    assert_eq!(file.records[0].record_type(), RecordType::SOA);
    assert!(file.records.iter().all(|record| record.dns_class == DNSClass::IN));
}

#[test]
fn example_zone_values() {
    let file = ok(EXAMPLE);
    let soa = one(&file, "example.com.", RecordType::SOA);
    assert_eq!(soa.ttl, 3600, "$TTL 1h");
    let RData::SOA(data) = &soa.data else { panic!() };
    assert_eq!(data.mname, name("ns1.example.com."));
    assert_eq!(data.serial, 2_024_061_501);
    assert_eq!((data.refresh, data.retry, data.expire, data.minimum), (7200, 900, 1_209_600, 300));

    // Owner inheritance, relative and absolute names, TTL units.
    let ns: Vec<String> = find(&file, "example.com.", RecordType::NS)
        .iter()
        .map(|record| rdata_text(record))
        .collect();
    assert_eq!(ns, ["ns1.example.com.", "ns2.example.com.", "ns.example.net."]);
    let mx = find(&file, "example.com.", RecordType::MX);
    assert_eq!(mx.len(), 2);
    assert!(mx.iter().all(|record| record.ttl == 86_400));
    assert_eq!(rdata_text(mx[0]), "10 mail.example.com.");
    assert_eq!(one(&file, "ns1.example.com.", RecordType::AAAA).ttl, 3600);
    assert_eq!(one(&file, "ns2.example.com.", RecordType::A).ttl, 86_400);
    assert_eq!(find(&file, "www.example.com.", RecordType::A)[1].ttl, 300);

    // Strings: escapes, several strings, parentheses over lines, UTF-8.
    let RData::TXT(long) = &one(&file, "long.example.com.", RecordType::TXT).data else { panic!() };
    let strings: Vec<&[u8]> = long.txt_data.iter().map(AsRef::as_ref).collect();
    assert_eq!(
        strings,
        [
            b"first string with \"quotes\" and \\backslash".as_slice(),
            b"second string; not a comment",
            "été".as_bytes(),
            "café".as_bytes(),
        ]
    );
    let RData::TXT(utf8) = &one(&file, "utf8.example.com.", RecordType::TXT).data else { panic!() };
    assert_eq!(&*utf8.txt_data[0], "café ☕".as_bytes());

    // Types kept as hickory's Unknown data.
    let dname = one(&file, "old.example.com.", RecordType::DNAME);
    assert_eq!(rdata_text(dname), "new.example.com.");
    let RData::Unknown { rdata, .. } = &dname.data else { panic!() };
    assert_eq!(rdata.anything, b"\x03new\x07example\x03com\x00");
    let ds = one(&file, "secure.example.com.", RecordType::DS);
    assert_eq!(rdata_text(ds), "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
    let spf = one(&file, "example.com.", RecordType::Unknown(99));
    assert_eq!(type_text(spf.record_type()), "SPF");
    assert_eq!(rdata_text(spf), "\"v=spf1 mx -all\"");

    // SVCB and HTTPS.
    let https = one(&file, "example.com.", RecordType::HTTPS);
    assert_eq!(rdata_text(https), "1 . alpn=h2,h3 ipv4hint=192.0.2.10 ipv6hint=2001:db8::10");
    let svcb = one(&file, "_dns.example.com.", RecordType::SVCB);
    assert_eq!(rdata_text(svcb), "1 dns.example.com. alpn=dot port=853 key65333=\"opaque data\"");

    // Others.
    let caa = find(&file, "example.com.", RecordType::CAA);
    assert_eq!(rdata_text(caa[0]), "0 issue \"letsencrypt.org\"");
    assert_eq!(rdata_text(caa[1]), "0 issuewild \";\"");
    assert_eq!(rdata_text(caa[2]), "128 iodef \"mailto:security@example.com\"");
    assert_eq!(
        rdata_text(one(&file, "enum.example.com.", RecordType::NAPTR)),
        "10 100 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."
    );
    assert_eq!(
        rdata_text(one(&file, "_443._tcp.www.example.com.", RecordType::TLSA)),
        "3 1 1 0d6fce3468fd2f6d4c3e9a8f1a3f0f7d8b6e6a0c1d2e3f405162738495a6b7c8"
    );
    assert_eq!(
        rdata_text(one(&file, "host.example.com.", RecordType::HINFO)),
        "\"PC-Intel-2.4GHz\" \"Linux 6.1\""
    );
    assert_eq!(rdata_text(one(&file, "ftp.example.com.", RecordType::CNAME)), "www.example.com.");
    let escaped = Name::from_labels(vec![
        Label::from_raw_bytes(b"escaped.dot").unwrap(),
        Label::from_raw_bytes(b"example").unwrap(),
        Label::from_raw_bytes(b"com").unwrap(),
    ])
    .unwrap();
    assert!(
        file.records
            .iter()
            .any(|record| record.name == escaped && record.record_type() == RecordType::TXT)
    );
    assert_eq!(
        rdata_text(one(&file, "generic.example.com.", RecordType::A)),
        "192.0.2.51",
        "TYPE1 in the generic form is an A record"
    );
    assert_eq!(
        rdata_text(one(&file, "private.example.com.", RecordType::Unknown(65280))),
        "\\# 4 0a000001"
    );
    // $ORIGIN in the middle of the file.
    assert_eq!(one(&file, "deep.sub.example.com.", RecordType::A).ttl, 3600);
    one(&file, "sub.example.com.", RecordType::TXT);
    one(&file, "*.wild.example.com.", RecordType::A);
}

#[test]
fn example_zone_round_trips() {
    assert_round_trip(&ok(EXAMPLE));
}

#[test]
fn written_file_is_readable() {
    let file = ok(EXAMPLE);
    let text = write(&file.origin, &file.records);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "$ORIGIN example.com.");
    assert!(lines[1].starts_with("@ "), "{}", lines[1]);
    assert!(lines[1].contains(" IN SOA "), "{}", lines[1]);
    assert!(text.contains("\nwww "), "relative owners:\n{text}");
    assert!(text.contains("\n*.wild "), "{text}");
    assert!(text.contains("\nescaped\\.dot "), "{text}");
    // SOA first, then canonical order of owners.
    let owners: Vec<&str> =
        lines[1..].iter().map(|line| line.split_whitespace().next().unwrap()).collect();
    let first_www = owners.iter().position(|owner| *owner == "www").unwrap();
    let first_ftp = owners.iter().position(|owner| *owner == "ftp").unwrap();
    assert!(first_ftp < first_www);
    assert!(owners[1..5].iter().all(|owner| *owner == "@"));
}

#[test]
fn reverse_zone_round_trips() {
    let file = ok(REVERSE);
    assert_eq!(name_text(&file.origin), "2.0.192.in-addr.arpa.");
    let alias = one(&file, "1.2.0.192.in-addr.arpa.", RecordType::CNAME);
    assert_eq!(rdata_text(alias), "1.0/25.2.0.192.in-addr.arpa.");
    one(&file, "0/25.2.0.192.in-addr.arpa.", RecordType::NS);
    assert_round_trip(&file);
}

// ---------------------------------------------------------------------------------------------
// TTLs, owners, origins, syntax
// ---------------------------------------------------------------------------------------------

#[test]
fn without_ttl_directive_the_last_ttl_then_the_soa_minimum_applies() {
    let file = ok(NO_TTL);
    let ttls: Vec<(String, String, u32)> = file
        .records
        .iter()
        .map(|record| (name_text(&record.name), type_text(record.record_type()), record.ttl))
        .collect();
    let expected = [
        ("example.org.", "SOA", 120),
        ("example.org.", "NS", 120),
        ("ns.example.org.", "A", 7200),
        ("ns.example.org.", "AAAA", 7200),
        ("www.example.org.", "A", 300),
    ];
    let expected: Vec<(String, String, u32)> =
        expected.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), *c)).collect();
    assert_eq!(ttls, expected);
    assert_round_trip(&file);
}

#[test]
fn records_before_the_soa_take_its_minimum() {
    let file = ok("$ORIGIN example.com.\nns1 A 192.0.2.1\n@ NS ns1\n@ SOA ns1 h 1 2 3 4 77\n");
    assert!(file.records.iter().all(|record| record.ttl == 77));
}

#[test]
fn ttl_units_and_limits() {
    let file = ok(&zone_with(
        "a 1h30m A 192.0.2.1\nb 1W A 192.0.2.2\nc 2147483647 A 192.0.2.3\nd 0 IN A 192.0.2.4\ne IN 2d A 192.0.2.5\n",
    ));
    let ttl = |owner: &str| one(&file, owner, RecordType::A).ttl;
    assert_eq!(ttl("a.example.com."), 5400);
    assert_eq!(ttl("b.example.com."), 604_800);
    assert_eq!(ttl("c.example.com."), 2_147_483_647);
    assert_eq!(ttl("d.example.com."), 0);
    assert_eq!(ttl("e.example.com."), 172_800);

    let found = errors(
        &zone_with(
            "a 2147483648 A 192.0.2.1\nb 1h30 A 192.0.2.2\nc 5x A 192.0.2.3\n$TTL 3w30000d\n$TTL\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "TTL 2147483648 is too large: at most 2147483647"),
            (7, "invalid TTL '1h30'"),
            (8, "units such as 1h30m (s, m, h, d, w)"),
            (9, "$TTL: TTL 3w30000d is too large"),
            (10, "$TTL takes one TTL"),
        ],
    );
}

#[test]
fn owner_inheritance_and_at() {
    let file = ok(&zone_with(
        "www A 192.0.2.10\n\tAAAA 2001:db8::10\n  ; a comment line does not change the owner\n\n  TXT \"still www\"\n@ MX 10 mail\nmail.example.com. A 192.0.2.20\n",
    ));
    one(&file, "www.example.com.", RecordType::AAAA);
    one(&file, "www.example.com.", RecordType::TXT);
    one(&file, "example.com.", RecordType::MX);
    one(&file, "mail.example.com.", RecordType::A);

    let found = errors(" A 192.0.2.1\n", Some("example.com"));
    assert!(found[0].line == 1 && found[0].message.contains("previous owner name"));
}

#[test]
fn class_in_is_optional_and_others_are_refused() {
    let file = ok(&zone_with(
        "a IN A 192.0.2.1\nb 60 IN A 192.0.2.2\nc IN 60 A 192.0.2.3\nd in a 192.0.2.4\ne CLASS1 A 192.0.2.5\n",
    ));
    assert_eq!(file.records.len(), 8);
    let found =
        errors(&zone_with("a CH A 192.0.2.1\nb HS A 192.0.2.2\nc CLASS3 A 192.0.2.3\n"), None);
    assert_errors(
        &found,
        &[
            (6, "class CH is not supported: flowdns serves class IN only"),
            (7, "class HS"),
            (8, "class CLASS3"),
        ],
    );
}

#[test]
fn origin_from_argument_directive_or_soa() {
    // The argument wins, with or without the final dot, and relative names use it.
    let body = "@ SOA ns1 hostmaster 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n";
    for origin in ["example.com", "example.com.", "EXAMPLE.com"] {
        let file = parse(body, Some(origin)).unwrap();
        assert_eq!(file.origin, name("example.com."));
        one(&file, "ns1.example.com.", RecordType::A);
    }
    // Else the first $ORIGIN.
    let file = ok(&format!("$ORIGIN example.com.\n{body}"));
    assert_eq!(file.origin, name("example.com."));
    // Else the SOA owner.
    let file = ok(
        "example.net. SOA ns1.example.net. h.example.net. 1 2 3 4 5\nexample.net. NS ns1.example.net.\n",
    );
    assert_eq!(file.origin, name("example.net."));
    // Nothing: every relative name is an error, and there is no origin.
    let found = errors(body, None);
    assert!(
        found.iter().all(|error| error.message.contains("origin") || error.message.contains("'@'")),
        "{}",
        render(&found)
    );
    let found = errors("www.example.com. A 192.0.2.1\n", None);
    assert!(
        found
            .iter()
            .any(|error| error.line == 1 && error.message.contains("the zone has no origin")),
        "{}",
        render(&found)
    );
    // A bad origin argument is reported on line 0, without a line in its text.
    let found = errors(body, Some("exa..mple"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 0);
    assert!(found[0].to_string().starts_with("origin: "), "{}", found[0]);
}

#[test]
fn argument_origin_and_file_origin_may_differ() {
    // $ORIGIN changes relative names; the zone is still the argument's.
    let text = "$ORIGIN example.com.\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$ORIGIN other.org.\nwww A 192.0.2.1\n";
    let found = errors(text, Some("example.com"));
    assert_errors(&found, &[(5, "www.other.org. is outside the zone example.com.")]);
    // A relative $ORIGIN is appended to the current origin.
    let file =
        ok("$ORIGIN example.com.\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$ORIGIN sub\nwww A 192.0.2.1\n");
    one(&file, "www.sub.example.com.", RecordType::A);
}

#[test]
fn parentheses_comments_and_line_numbers() {
    let text = zone_with(
        "multi ( 60 ; comment\n  IN ; more\n  TXT \"a\" ; and more\n  \"b\" )\nbad (\n  A\n  192.0.2.999 )\n",
    );
    let found = errors(&text, None);
    assert_errors(&found, &[(10, "'192.0.2.999' is not an IPv4 address")]);
    let text = zone_with("multi ( 60 ; comment\n  IN ; more\n  TXT \"a\" ; and more\n  \"b\" )\n");
    let file = ok(&text);
    let record = one(&file, "multi.example.com.", RecordType::TXT);
    assert_eq!(record.ttl, 60);
    assert_eq!(rdata_text(record), "\"a\" \"b\"");
}

#[test]
fn quoted_strings_and_escapes() {
    let file = ok(&zone_with(
        "t TXT \"a\\\"b\" \"c\\\\d\" \"\\065\\066\" \"\\255\\000\" \"semi;colon (paren)\" \"\" unquoted\\032word\n",
    ));
    let RData::TXT(txt) = &one(&file, "t.example.com.", RecordType::TXT).data else { panic!() };
    let strings: Vec<&[u8]> = txt.txt_data.iter().map(AsRef::as_ref).collect();
    assert_eq!(
        strings,
        [
            b"a\"b".as_slice(),
            b"c\\d",
            b"AB",
            b"\xff\x00",
            b"semi;colon (paren)",
            b"",
            b"unquoted word",
        ]
    );
    let text = rdata_text(one(&file, "t.example.com.", RecordType::TXT));
    assert_eq!(
        text,
        "\"a\\\"b\" \"c\\\\d\" \"AB\" \"\\255\\000\" \"semi;colon (paren)\" \"\" \"unquoted word\""
    );

    let long = "x".repeat(256);
    let found = errors(
        &zone_with(&format!(
            "a TXT \"\\256\"\nb TXT \"\\12\"\nc TXT \"{long}\"\nd TXT\ne TXT \"open\n"
        )),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "\\DDD is a byte, 000 to 255"),
            (7, "exactly three digits"),
            (8, "at most 255 bytes"),
            (9, "at least one string"),
            (10, "not closed on this line"),
        ],
    );
}

#[test]
fn names_with_escapes_and_unicode() {
    let file = ok(&zone_with(
        "a\\.b TXT x\n\\065\\066c TXT x\nbücher A 192.0.2.1\nsp\\ ace TXT x\nxn--bcher-kva.de.example.com. A 192.0.2.2\n",
    ));
    let names: Vec<String> =
        file.records[3..].iter().map(|record| name_text(&record.name)).collect();
    assert_eq!(
        names,
        [
            "a\\.b.example.com.",
            "ABc.example.com.",
            "xn--bcher-kva.example.com.",
            "sp\\032ace.example.com.",
            "xn--bcher-kva.de.example.com.",
        ]
    );
    assert_round_trip(&file);

    let found = errors(
        &zone_with(&format!(
            "a..b A 192.0.2.1\n{} A 192.0.2.2\nc CNAME {}\n",
            "x".repeat(64),
            "y.".repeat(130)
        )),
        None,
    );
    assert_errors(
        &found,
        &[(6, "empty label"), (7, "longer than 63 bytes"), (8, "a name has at most 255 bytes")],
    );
}

// ---------------------------------------------------------------------------------------------
// Zone rules
// ---------------------------------------------------------------------------------------------

#[test]
fn soa_rules() {
    assert_errors(
        &errors("$ORIGIN example.com.\n@ NS ns1\nns1 A 192.0.2.1\n", None),
        &[(2, "the zone has no SOA record: it needs exactly one, at its apex example.com.")],
    );
    assert_errors(
        &errors("$ORIGIN example.com.\nsub SOA ns1 h 1 2 3 4 5\n@ NS ns1\n", None),
        &[(2, "the SOA record must be at the zone apex example.com., not at sub.example.com.")],
    );
    assert_errors(
        &errors(&zone_with("@ SOA ns2 h 2 2 3 4 5\n"), None),
        &[(6, "a second SOA record (the first is on line 3)")],
    );
    // An identical second SOA is a duplicate, dropped silently.
    let file = ok(&zone_with("@ SOA ns1 hostmaster 1 2h 15m 2w 5m\n"));
    assert_eq!(find(&file, "example.com.", RecordType::SOA).len(), 1);
}

#[test]
fn ns_at_the_apex_is_required() {
    assert_errors(
        &errors("$ORIGIN example.com.\n\n@ SOA ns1 h 1 2 3 4 5\nsub NS ns1\n", None),
        &[(
            3,
            "the zone has no NS record at its apex example.com.: an authoritative zone needs at least one",
        )],
    );
}

#[test]
fn cname_is_alone_at_its_name() {
    let found = errors(
        &zone_with(
            "a CNAME b\na TXT \"x\"\nc CNAME d\nc CNAME e\n@ CNAME f\nok CNAME g\nok CNAME g\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "a.example.com. has a CNAME record and other data (TXT on line 7)"),
            (9, "c.example.com. has a second CNAME record (the first is on line 8)"),
            (10, "example.com. has a CNAME record and other data (SOA on line 3)"),
        ],
    );
}

#[test]
fn owners_must_be_in_the_zone() {
    let found = errors(
        &zone_with(
            "www.example.net. A 192.0.2.1\nexample.com.evil. A 192.0.2.2\nWWW.EXAMPLE.COM. A 192.0.2.3\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "www.example.net. is outside the zone example.com."),
            (7, "example.com.evil. is outside the zone"),
        ],
    );
}

#[test]
fn identical_records_are_dropped_and_rrset_ttls_must_agree() {
    let file = ok(&zone_with(
        "a A 192.0.2.1\na A 192.0.2.1\nA.EXAMPLE.COM. 300 A 192.0.2.1\nb CNAME target.example.com.\nb CNAME TARGET.example.com.\n",
    ));
    assert_eq!(find(&file, "a.example.com.", RecordType::A).len(), 1);
    assert_eq!(find(&file, "b.example.com.", RecordType::CNAME).len(), 1);
    // Not identical: kept.
    let file = ok(&zone_with("t TXT \"x\"\nt TXT \"X\"\nt TXT \"x\" \"\"\n"));
    assert_eq!(find(&file, "t.example.com.", RecordType::TXT).len(), 3);

    assert_errors(
        &errors(&zone_with("a 60 A 192.0.2.1\na 61 A 192.0.2.2\na 60 AAAA ::1\n"), None),
        &[(7, "TTL 61 differs from TTL 60 of the a.example.com. A record on line 6")],
    );
}

// ---------------------------------------------------------------------------------------------
// Directives and types that are refused
// ---------------------------------------------------------------------------------------------

#[test]
fn include_is_refused() {
    for line in ["$INCLUDE /etc/passwd", "$INCLUDE other.zone sub.example.com.", "$include x"] {
        let found = errors(&zone_with(&format!("{line}\n")), None);
        assert_errors(&found, &[(6, "$INCLUDE is not supported: concatenate the files")]);
    }
}

#[test]
fn other_directives_are_refused() {
    assert_errors(
        &errors(&zone_with("$GENERATE 1-5 h$ A 192.0.2.$\n$ORIGIN\n$ORIGIN a b\n"), None),
        &[
            (6, "unknown directive $GENERATE: only $ORIGIN and $TTL are supported"),
            (7, "$ORIGIN takes one domain name"),
            (8, "$ORIGIN takes one domain name"),
        ],
    );
}

#[test]
fn a_bad_origin_is_reported_once() {
    // The records after a bad $ORIGIN are not reported again for it.
    let found = errors(
        &zone_with(
            "$ORIGIN a..b.\nwww A 192.0.2.1\nmail A 192.0.2.2\n$ORIGIN example.com.\nok A 192.0.2.3\nbad A x\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[(6, "$ORIGIN: 'a..b.' has an empty label"), (11, "not an IPv4 address")],
    );
}

#[test]
fn types_refused_and_generic_only() {
    let found = errors(
        &zone_with(
            "a RRSIG A 8 2 3600 1 2 3 example.com. AA==\nb ANY 1\nc OPT 1\nd NSEC x\ne TYPE0 \\# 0\nf AXFR x\ng FOO 1\nh CERT 1 2 3 AAAA\ni TYPE65536 \\# 0\nj TYPE65280 abc\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "RRSIG records cannot be in a zone file: it comes from DNSSEC signing"),
            (7, "ANY records cannot be in a zone file: it is a query or meta type"),
            (8, "OPT records cannot be in a zone file"),
            (9, "NSEC records cannot be in a zone file"),
            (10, "TYPE0 records cannot be in a zone file: type 0 is reserved"),
            (11, "AXFR records cannot be in a zone file"),
            (12, "unknown record type 'FOO': use one of A, AAAA, CAA"),
            (13, "CERT data is accepted only in the RFC 3597 generic form: CERT \\# LENGTH HEX"),
            (14, "TYPEnnn takes a number from 0 to 65535"),
            (15, "TYPE65280 data is accepted only in the RFC 3597 generic form"),
        ],
    );
    let file = ok(&zone_with("h CERT \\# 9 0001000203 41424344\n"));
    let cert = one(&file, "h.example.com.", RecordType::CERT);
    assert_eq!(rdata_text(cert), "\\# 9 000100020341424344");
    assert_round_trip(&file);
}

#[test]
fn generic_data_is_checked() {
    let found = errors(
        &zone_with(
            "a A \\# 3 010203\nb A \\# 4 0102030405\nc A \\# 4 01020x04\nd A \\# 4 0102030\ne MX \\#\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "not valid A data"),
            (7, "says 4 bytes but its hex has 5"),
            (8, "must be hexadecimal digits"),
            (9, "odd number of hexadecimal digits"),
            (10, "LENGTH is missing"),
        ],
    );
    let file = ok(&zone_with("m MX \\# 7 000a 03 6d78 31 00\nz TYPE65535 \\# 0\n"));
    assert_eq!(rdata_text(one(&file, "m.example.com.", RecordType::MX)), "10 mx1.");
    assert_eq!(rdata_text(one(&file, "z.example.com.", RecordType::Unknown(65535))), "\\# 0");
}

#[test]
fn rdata_syntax_errors_say_what_is_allowed() {
    let found = errors(
        &zone_with(
            "a MX x mail\nb MX 10 mail extra\nc SRV 1 2 3\nd SOA a b c 1 2 3 4\ne CAA 0 is-sue \"x\"\nf SSHFP 1 2\ng DS 1 2 3 zz\nh HTTPS 1 . alpn=h2 alpn=h3\ni SVCB 1 . mandatory=port alpn=h2\nj SVCB 1 . no-default-alpn\nk SVCB 1 . bogus=1\nl HTTPS 1 . port=99999\nm AAAA 192.0.2.1\nn OPENPGPKEY !!!\no NAPTR 1 2 \"a\" \"b\" \"c\"\n",
        ),
        None,
    );
    assert_errors(
        &found,
        &[
            (6, "PREFERENCE must be a number from 0 to 65535, found 'x'"),
            (7, "unexpected 'extra' after the data: the data is PREFERENCE EXCHANGE"),
            (8, "TARGET is missing: the data is PRIORITY WEIGHT PORT TARGET"),
            (9, "SERIAL must be a number from 0 to 4294967295"),
            (10, "TAG 'is-sue' must be 1 to 15 letters and digits"),
            (11, "FINGERPRINT is missing"),
            (12, "DIGEST must be hexadecimal digits"),
            (13, "parameter alpn is given twice"),
            (14, "mandatory lists port, which is not among the parameters"),
            (15, "no-default-alpn needs alpn too"),
            (16, "unknown SVCB parameter 'bogus'"),
            (17, "port must be a number from 0 to 65535"),
            (18, "is not an IPv6 address"),
            (19, "must be base64"),
            (20, "REPLACEMENT is missing"),
        ],
    );
    // Each message names the type.
    assert!(found[0].message.starts_with("MX: "));
    assert!(found[7].message.starts_with("HTTPS: "));
}

// ---------------------------------------------------------------------------------------------
// Many errors at once, lexical problems, limits
// ---------------------------------------------------------------------------------------------

#[test]
fn every_error_in_a_file_is_reported_with_its_line() {
    let found = errors(ERRORS, None);
    assert_errors(
        &found,
        &[
            (6, "A: '192.0.2.300' is not an IPv4 address"),
            (7, "class CH is not supported"),
            (8, "TTL 3000000000 is too large"),
            (9, "MX: EXCHANGE is missing"),
            (10, "unknown record type 'AAA'"),
            (11, "outside.example.net. is outside the zone example.com."),
            (12, "alias.example.com. has a CNAME record and other data (A on line 13)"),
            (14, "$INCLUDE is not supported: concatenate the files"),
            (15, "the quoted string is not closed on this line"),
            (16, "a second SOA record (the first is on line 3)"),
            (18, "TTL 120 differs from TTL 60"),
            (19, "unknown directive $GENERATE"),
            (20, "RRSIG records cannot be in a zone file"),
            (21, "'(' is never closed"),
        ],
    );
    assert_eq!(
        found[0].to_string(),
        "line 6: A: '192.0.2.300' is not an IPv4 address (like 192.0.2.1)"
    );
}

#[test]
fn lexical_problems() {
    let found =
        errors(&zone_with("a A 192.0.2.1 )\nb TXT x\\\nc TXT \"x\" \u{1}\nd TXT ( \"x\"\n"), None);
    assert_errors(
        &found,
        &[
            (6, "')' without a matching '('"),
            (7, "a backslash ends the line"),
            (8, "control character U+0001 is not allowed here"),
            (9, "'(' is never closed"),
        ],
    );
    // One owner that fails is reported once, not again for the lines that inherit it.
    let found = errors(&zone_with("a..b A 192.0.2.1\n  AAAA ::1\n  TXT x\n"), None);
    assert_errors(&found, &[(6, "empty label")]);
}

#[test]
fn crlf_and_byte_order_mark_are_accepted() {
    let text = format!("\u{feff}{}", zone_with("www A 192.0.2.2\n").replace('\n', "\r\n"));
    let file = ok(&text);
    one(&file, "www.example.com.", RecordType::A);
}

#[test]
fn long_lines_are_refused() {
    let long = format!("big TXT {}\n", "\"x\" ".repeat(MAX_LINE_BYTES / 4 + 1));
    assert!(long.len() > MAX_LINE_BYTES);
    let found = errors(&zone_with(&format!("{long}bad A x\nmulti TXT (\n{long})\n")), None);
    let size = long.len() - 1;
    assert_errors(
        &found,
        &[
            (6, &format!("line 6 is {size} bytes long: lines may be at most 65536 bytes")),
            (7, "not an IPv4 address"),
            (8, &format!("line 9 is {size} bytes long")),
        ],
    );
    // Just at the limit is fine, if the data fits a record.
    let line = format!("ok TXT {}", "\"\" ".repeat(20_000));
    assert!(line.len() <= MAX_LINE_BYTES);
    ok(&zone_with(&format!("{line}\n")));
}

#[test]
fn record_data_must_fit_in_65535_bytes() {
    let strings = "\"".to_owned() + &"x".repeat(255) + "\"\n";
    let text = zone_with(&format!("big TXT (\n{})\n", strings.repeat(260)));
    assert_errors(
        &errors(&text, None),
        &[(6, "the data does not fit in a record (at most 65535 bytes)")],
    );
}

#[test]
fn too_many_records_are_refused() {
    let mut text = zone_with("");
    let line = "h A 192.0.2.1\n";
    text.reserve(line.len() * MAX_RECORDS);
    for _ in 0..MAX_RECORDS - 1 {
        text.push_str(line);
    }
    let found = errors(&text, None);
    assert_errors(
        &found,
        &[(MAX_RECORDS + 3, "the file has more than 1000000 records: split the zone into several")],
    );
}

#[test]
fn too_many_errors_stop_the_parse() {
    let text = zone_with(&"x A bad\n".repeat(5000));
    let found = errors(&text, None);
    assert_eq!(found.len(), master::MAX_ERRORS + 1);
    assert!(found.last().unwrap().message.contains("more than 1000 errors"));
}

// ---------------------------------------------------------------------------------------------
// Records as text rows
// ---------------------------------------------------------------------------------------------

#[test]
fn parse_rdata_builds_records() {
    let origin = name("example.com.");
    let record = parse_rdata(&origin, "www", "A", 300, "192.0.2.1").unwrap();
    assert_eq!(record.name, name("www.example.com."));
    assert_eq!(record.ttl, 300);
    assert_eq!(record.dns_class, DNSClass::IN);
    assert_eq!(record.data, RData::A(A(Ipv4Addr::new(192, 0, 2, 1))));

    let record = parse_rdata(&origin, "@", "mx", 60, "10 mail").unwrap();
    assert_eq!(rdata_text(&record), "10 mail.example.com.");
    let record =
        parse_rdata(&origin, "x.example.com.", "TXT", 60, "( \"a\" ; note\n \"b\" )").unwrap();
    assert_eq!(rdata_text(&record), "\"a\" \"b\"");
    let record = parse_rdata(&origin, "s", "TYPE99", 60, "\"v=spf1 -all\"").unwrap();
    assert_eq!(type_text(record.record_type()), "SPF");

    for (owner, rtype, ttl, rdata, message) in [
        ("www.example.net.", "A", 1, "192.0.2.1", "outside the zone example.com."),
        ("www", "A", 2_147_483_648, "192.0.2.1", "TTL 2147483648 is too large"),
        ("www", "A", 1, "192.0.2.1\n192.0.2.2", "spans several lines"),
        ("www", "A", 1, "\"open", "not closed"),
        ("www", "BOGUS", 1, "x", "unknown record type 'BOGUS'"),
        ("www", "NS", 1, "", "the name is missing"),
        ("a..b", "A", 1, "192.0.2.1", "empty label"),
    ] {
        let error = parse_rdata(&origin, owner, rtype, ttl, rdata).unwrap_err();
        assert!(error.contains(message), "{owner} {rtype} {rdata}: {error}");
    }
}

#[test]
fn rows_rebuild_the_same_records() {
    let file = ok(EXAMPLE);
    for record in &file.records {
        let row = (
            name_text(&record.name),
            type_text(record.record_type()),
            record.ttl,
            rdata_text(record),
        );
        let again = parse_rdata(&file.origin, &row.0, &row.1, row.2, &row.3)
            .unwrap_or_else(|error| panic!("{row:?}: {error}"));
        assert_eq!(exact(&again), exact(record), "{row:?}");
    }
}

#[test]
fn hickory_values_without_a_text_form_are_written_generically() {
    let origin = name("example.com.");
    let cases = [
        RData::TXT(TXT::from_bytes(Vec::new())),
        RData::SSHFP(SSHFP::new(
            sshfp::Algorithm::from(1),
            sshfp::FingerprintType::from(1),
            Vec::new(),
        )),
        RData::NULL(NULL::with(vec![1, 2, 3])),
        RData::SVCB(SVCB::new(
            1,
            Name::root(),
            vec![
                (SvcParamKey::Port, SvcParamValue::Port(1)),
                (SvcParamKey::Alpn, SvcParamValue::Alpn(Alpn(vec!["h2".into()]))),
            ],
        )),
    ];
    let texts: Vec<String> = cases
        .iter()
        .map(|data| rdata_text(&Record::from_rdata(origin.clone(), 1, data.clone())))
        .collect();
    assert_eq!(texts[0], "\\# 0");
    assert_eq!(texts[1], "\\# 2 0101");
    assert_eq!(texts[2], "\\# 3 010203");
    assert!(texts[3].starts_with("\\# "), "{}", texts[3]);
    for (data, text) in cases.iter().zip(&texts).take(3) {
        let record = parse_rdata(&origin, "@", &type_text(data.record_type()), 1, text).unwrap();
        assert_eq!(wire(&record.data), wire(data));
    }
}

#[test]
fn type_and_name_text() {
    assert_eq!(type_text(RecordType::A), "A");
    assert_eq!(type_text(RecordType::HTTPS), "HTTPS");
    assert_eq!(type_text(RecordType::DS), "DS");
    assert_eq!(type_text(RecordType::Unknown(99)), "SPF");
    assert_eq!(type_text(RecordType::Unknown(65280)), "TYPE65280");
    assert_eq!(type_text(RecordType::ANAME), "TYPE65305");
    assert_eq!(name_text(&Name::root()), ".");
    let odd = Name::from_labels(vec![
        Label::from_raw_bytes(b"a b").unwrap(),
        Label::from_raw_bytes(b"@$;\"()\\").unwrap(),
        Label::from_raw_bytes(&[0, 200, b'.']).unwrap(),
    ])
    .unwrap();
    let text = name_text(&odd);
    assert_eq!(text, "a\\032b.\\@\\$\\;\\\"\\(\\)\\\\.\\000\\200\\..");
    let again = parse_rdata(&Name::root(), &text, "A", 1, "192.0.2.1").unwrap();
    assert_eq!(labels(&again.name), labels(&odd));
}

// ---------------------------------------------------------------------------------------------
// Generated zones and values
// ---------------------------------------------------------------------------------------------

fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[a-z0-9][a-z0-9-]{0,6}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 1..8)
            .prop_map(|bytes| bytes.to_ascii_lowercase()),
        1 => Just(b"*".to_vec()),
    ]
}

fn relative() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(label(), 0..3)
}

fn absolute(labels: &[Vec<u8>], origin: &Name) -> Name {
    let mut name = Name::new();
    for label in labels {
        name = name.append_label(Label::from_raw_bytes(label).unwrap()).unwrap();
    }
    name.append_domain(origin).unwrap()
}

fn target() -> impl Strategy<Value = Name> {
    prop::collection::vec(label(), 0..4).prop_map(|labels| absolute(&labels, &Name::root()))
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn name_wire(name: &Name) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.iter() {
        out.push(u8::try_from(label.len()).unwrap());
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

fn unknown(code: u16, bytes: Vec<u8>) -> RData {
    let rdata = if bytes.is_empty() { NULL::new() } else { NULL::with(bytes) };
    RData::Unknown { code: RecordType::from(code), rdata }
}

fn svcb() -> impl Strategy<Value = SVCB> {
    let alpn_id =
        prop_oneof!["[a-z0-9]{1,6}", "[,\\\\\"; ()a=]{1,4}", "\\PC{1,3}", "[\\x00-\\x1f]{1,2}",];
    (
        any::<u16>(),
        target(),
        prop::option::of(prop::collection::vec(alpn_id, 1..3)),
        any::<bool>(),
        prop::option::of(any::<u16>()),
        prop::option::of(prop::collection::vec(any::<[u8; 4]>(), 1..3)),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..20)),
        prop::option::of(prop::collection::vec(any::<[u8; 16]>(), 1..3)),
        prop::option::of((7_u16..=65535, bytes(12))),
        any::<bool>(),
    )
        .prop_map(
            |(priority, target, alpn, no_default, port, v4, ech, v6, other, mandatory)| {
                let mut params: Vec<(SvcParamKey, SvcParamValue)> = Vec::new();
                let has_alpn = alpn.is_some();
                if let Some(alpn) = alpn {
                    params.push((SvcParamKey::Alpn, SvcParamValue::Alpn(Alpn(alpn))));
                }
                if no_default && has_alpn {
                    params.push((SvcParamKey::NoDefaultAlpn, SvcParamValue::NoDefaultAlpn));
                }
                if let Some(port) = port {
                    params.push((SvcParamKey::Port, SvcParamValue::Port(port)));
                }
                if let Some(v4) = v4 {
                    let hints = v4.into_iter().map(|b| A(Ipv4Addr::from(b))).collect();
                    params.push((SvcParamKey::Ipv4Hint, SvcParamValue::Ipv4Hint(IpHint(hints))));
                }
                if let Some(ech) = ech {
                    params.push((
                        SvcParamKey::EchConfigList,
                        SvcParamValue::EchConfigList(EchConfigList(ech)),
                    ));
                }
                if let Some(v6) = v6 {
                    let hints = v6.into_iter().map(|b| AAAA(Ipv6Addr::from(b))).collect();
                    params.push((SvcParamKey::Ipv6Hint, SvcParamValue::Ipv6Hint(IpHint(hints))));
                }
                if let Some((code, value)) = other {
                    params.push((SvcParamKey::from(code), SvcParamValue::Unknown(Unknown(value))));
                }
                if mandatory && !params.is_empty() {
                    let keys = params.iter().map(|(key, _)| *key).collect();
                    params.insert(
                        0,
                        (SvcParamKey::Mandatory, SvcParamValue::Mandatory(Mandatory(keys))),
                    );
                }
                SVCB::new(priority, target, params)
            },
        )
}

/// Record data of every type with a text form, plus generic data.
fn rdata() -> impl Strategy<Value = RData> {
    let string = || bytes(40);
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| RData::A(A(Ipv4Addr::from(b)))),
        any::<[u8; 16]>().prop_map(|b| RData::AAAA(AAAA(Ipv6Addr::from(b)))),
        target().prop_map(|n| RData::NS(NS(n))),
        target().prop_map(|n| RData::PTR(PTR(n))),
        (any::<u16>(), target()).prop_map(|(p, n)| RData::MX(MX::new(p, n))),
        prop::collection::vec(string(), 1..4).prop_map(|strings| RData::TXT(TXT::from_bytes(
            strings.iter().map(Vec::as_slice).collect()
        ))),
        prop::collection::vec(string(), 1..3).prop_map(|strings| {
            let mut wire = Vec::new();
            for s in strings {
                wire.push(u8::try_from(s.len()).unwrap());
                wire.extend(s);
            }
            unknown(99, wire)
        }),
        (any::<u16>(), any::<u16>(), any::<u16>(), target())
            .prop_map(|(a, b, c, n)| RData::SRV(SRV::new(a, b, c, n))),
        (any::<u8>(), "[a-zA-Z0-9]{1,15}", string()).prop_map(|(flags, tag, value)| {
            let mut caa = CAA::new_issue(false, None, Vec::new());
            caa.issuer_critical = flags & 0x80 != 0;
            caa.reserved_flags = flags & 0x7f;
            caa.tag = tag;
            caa.value = value;
            RData::CAA(caa)
        }),
        (any::<u16>(), any::<u16>(), "[a-zA-Z0-9]{0,3}", string(), string(), target()).prop_map(
            |(o, p, f, s, r, n)| RData::NAPTR(NAPTR::new(
                o,
                p,
                f.into_bytes().into_boxed_slice(),
                s.into_boxed_slice(),
                r.into_boxed_slice(),
                n
            ))
        ),
        (string(), string()).prop_map(|(cpu, os)| {
            let mut hinfo = HINFO::new(String::new(), String::new());
            hinfo.cpu = cpu.into_boxed_slice();
            hinfo.os = os.into_boxed_slice();
            RData::HINFO(hinfo)
        }),
        (any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 1..40)).prop_map(
            |(a, t, f)| RData::SSHFP(SSHFP::new(
                sshfp::Algorithm::from(a),
                sshfp::FingerprintType::from(t),
                f
            ))
        ),
        (any::<[u8; 3]>(), prop::collection::vec(any::<u8>(), 1..40), any::<bool>()).prop_map(
            |([u, s, m], data, smime)| {
                let tlsa = TLSA::new(
                    tlsa::CertUsage::from(u),
                    tlsa::Selector::from(s),
                    tlsa::Matching::from(m),
                    data,
                );
                if smime { RData::SMIMEA(SMIMEA(tlsa)) } else { RData::TLSA(tlsa) }
            }
        ),
        (any::<[u8; 4]>(), prop::collection::vec(any::<u8>(), 1..40)).prop_map(|(head, digest)| {
            let mut wire = head.to_vec();
            wire.extend(digest);
            unknown(43, wire)
        }),
        target().prop_map(|n| unknown(39, name_wire(&n))),
        prop::collection::vec(any::<u8>(), 1..60)
            .prop_map(|key| RData::OPENPGPKEY(OPENPGPKEY::new(key))),
        svcb().prop_map(RData::SVCB),
        svcb().prop_map(|s| RData::HTTPS(HTTPS(s))),
        (65280_u16..65300, bytes(30)).prop_map(|(code, data)| unknown(code, data)),
    ]
}

#[derive(Debug, Clone)]
struct Zone {
    origin: Name,
    records: Vec<Record>,
}

fn zone() -> impl Strategy<Value = Zone> {
    let origin = prop::collection::vec(label(), 1..3)
        .prop_filter("no wildcard origin", |labels| labels[0] != b"*")
        .prop_map(|labels| absolute(&labels, &Name::root()));
    let entries =
        prop::collection::vec((relative(), any::<bool>(), rdata(), 0_u32..=MAX_TTL_U32), 0..25);
    let cnames = prop::collection::vec((relative(), target()), 0..4);
    (origin, target(), entries, cnames, any::<u32>()).prop_map(
        |(origin, ns, entries, cnames, serial)| {
            let mut records = vec![
                Record::from_rdata(
                    origin.clone(),
                    3600,
                    RData::SOA(SOA::new(ns.clone(), ns.clone(), serial, 1, 2, 3, 4)),
                ),
                Record::from_rdata(origin.clone(), 3600, RData::NS(NS(ns))),
            ];
            for (labels, at_apex, data, ttl) in entries {
                let owner = if at_apex { origin.clone() } else { absolute(&labels, &origin) };
                records.push(Record::from_rdata(owner, ttl, data));
            }
            for (labels, target) in cnames {
                let owner = absolute(&labels, &origin);
                if records.iter().all(|record| record.name != owner) {
                    records.push(Record::from_rdata(owner, 60, RData::CNAME(CNAME(target))));
                }
            }
            // One TTL per RRset, and no identical records: what parse returns.
            let mut kept: Vec<Record> = Vec::new();
            for mut record in records {
                if let Some(first) = kept
                    .iter()
                    .find(|k| k.name == record.name && k.record_type() == record.record_type())
                {
                    record.ttl = first.ttl;
                }
                if !kept.iter().any(|k| {
                    k.name == record.name
                        && k.record_type() == record.record_type()
                        && wire(&k.data) == wire(&record.data)
                }) {
                    kept.push(record);
                }
            }
            Zone { origin, records: kept }
        },
    )
}

const MAX_TTL_U32: u32 = master::MAX_TTL;

/// Mixed-up zone file text: the pieces that make the lexer and parser branch.
fn zone_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("$ORIGIN "),
        Just("$TTL "),
        Just("$INCLUDE "),
        Just("("),
        Just(")"),
        Just("\""),
        Just("\\"),
        Just(";"),
        Just("@"),
        Just(" "),
        Just("\t"),
        Just("\n"),
        Just("\r\n"),
        Just("IN "),
        Just("CH "),
        Just("A "),
        Just("SOA "),
        Just("NS "),
        Just("CNAME "),
        Just("TXT "),
        Just("HTTPS "),
        Just("SVCB "),
        Just("CAA "),
        Just("TYPE65280 "),
        Just("\\# "),
        Just("1h "),
        Just("300 "),
        Just("192.0.2.1 "),
        Just("example.com. "),
        Just("www "),
        Just("alpn=\"h2,h3\" "),
        Just("mandatory=alpn "),
        Just("\\065"),
        Just("\\999"),
        Just("0a0b "),
        Just("*"),
        Just(".."),
        Just("é"),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_zones_round_trip(zone in zone()) {
        let text = write(&zone.origin, &zone.records);
        let file = match parse(&text, None) {
            Ok(file) => file,
            Err(errors) => panic!("{}\n---\n{text}", render(&errors)),
        };
        prop_assert_eq!(labels(&file.origin), labels(&zone.origin));
        prop_assert_eq!(sorted_exact(&file.records), sorted_exact(&zone.records), "{}", text);
        // And through the origin argument too.
        let origin = name_text(&zone.origin);
        let file = parse(&text, Some(&origin)).unwrap();
        prop_assert_eq!(file.records.len(), zone.records.len());
    }

    #[test]
    fn every_value_survives_text_and_generic_forms(data in rdata()) {
        let origin = name("example.com.");
        let record = Record::from_rdata(origin.clone(), 60, data.clone());
        let rtype = type_text(record.record_type());
        let text = rdata_text(&record);
        let again = parse_rdata(&origin, "@", &rtype, 60, &text)
            .unwrap_or_else(|error| panic!("{rtype} {text}: {error}"));
        prop_assert_eq!(wire(&again.data), wire(&data), "{} {}", rtype, text);
        // The RFC 3597 form of the same bytes gives the same value.
        let bytes = wire(&data);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let generic = format!("\\# {} {hex}", bytes.len());
        let again = parse_rdata(&origin, "@", &rtype, 60, &generic)
            .unwrap_or_else(|error| panic!("{rtype} {generic}: {error}"));
        prop_assert_eq!(rdata_text(&again), text);
    }

    #[test]
    fn decoded_wire_data_has_a_text_form(
        code in prop::sample::select(vec![1_u16, 2, 5, 6, 12, 13, 15, 16, 28, 33, 35, 39, 43, 44, 52, 53, 61, 64, 65, 99, 257, 65280]),
        bytes in bytes(48),
    ) {
        let origin = name("example.com.");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let rtype = format!("TYPE{code}");
        if let Ok(record) = parse_rdata(&origin, "@", &rtype, 60, &format!("\\# {} {hex}", bytes.len())) {
            let text = rdata_text(&record);
            let again = parse_rdata(&origin, "@", &type_text(record.record_type()), 60, &text)
                .unwrap_or_else(|error| panic!("{rtype} {text}: {error}"));
            prop_assert_eq!(wire(&again.data), wire(&record.data), "{}", text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = parse(&text, None);
        let _ = parse(&text, Some("example.com"));
        let _ = parse_rdata(&name("example.com."), "@", "TXT", 1, &text);
        let _ = parse_rdata(&name("example.com."), "@", "SVCB", 1, &text);
    }

    #[test]
    fn zone_soup_never_panics(text in zone_soup()) {
        if let Ok(file) = parse(&text, Some("example.com")) {
            assert_round_trip(&file);
        }
        let _ = parse(&text, None);
    }

    #[test]
    fn damaged_example_never_panics(
        cuts in prop::collection::vec((any::<prop::sample::Index>(), 0_usize..4, "\\PC{0,3}"), 1..6),
    ) {
        let mut text = EXAMPLE.to_owned();
        for (at, remove, insert) in cuts {
            let mut start = at.index(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + remove).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, &insert);
        }
        match parse(&text, None) {
            Ok(file) => assert_round_trip(&file),
            Err(errors) => {
                let lines = text.split('\n').count();
                prop_assert!(errors.iter().all(|error| error.line >= 1 && error.line <= lines));
            }
        }
    }

    #[test]
    fn every_type_parser_survives_arbitrary_data(
        rtype in prop::sample::select(vec!["A", "AAAA", "NS", "SOA", "MX", "TXT", "SPF", "SRV", "CAA", "NAPTR", "DS", "SSHFP", "TLSA", "SMIMEA", "OPENPGPKEY", "SVCB", "HTTPS", "HINFO", "DNAME", "TYPE65280", "CERT"]),
        data in "[ -~]{0,80}",
    ) {
        let origin = name("example.com.");
        if let Ok(record) = parse_rdata(&origin, "@", rtype, 1, &data) {
            let text = rdata_text(&record);
            let again = parse_rdata(&origin, "@", &type_text(record.record_type()), 1, &text).unwrap();
            prop_assert_eq!(wire(&again.data), wire(&record.data));
        }
    }
}
