//! LatencyTable: parsing, lookup precedence, the ECS scope it imposes.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::ip;
use geo::{ClientLatency, LatencyTable};
use policy::{ClientLocation, Code, LatencyOracle, RandomSource, SplitMix64};

fn gb() -> Option<Code> {
    Code::new("GB")
}

const TABLE: &str = "\
# Measured from our probes.
client,region,rtt_ms

10.0.0.0/8, us-east-1, 50
10.0.0.0/8,eu-west-1,80
10.1.0.0/16,us-east-1,20
gb,eu-west-1,15
GB,us-east-1,90.5
2001:db8::/32,ap-northeast-1,7
::ffff:192.0.2.0/120,us-east-1,3
";

#[test]
fn parses_networks_countries_comments_and_header() {
    let t = LatencyTable::parse(TABLE).unwrap();
    assert_eq!(t.len(), 7);
    assert!(!t.is_empty());
    assert_eq!(t.regions().collect::<Vec<_>>(), ["ap-northeast-1", "eu-west-1", "us-east-1"]);
    // No header, Windows line ends, a byte order mark.
    let t = LatencyTable::parse("\u{feff}10.0.0.0/8,r,1\r\n\r\n  # note\r\nUS,r,2\r\n").unwrap();
    assert_eq!(t.len(), 2);
    let empty = LatencyTable::parse("client,region,rtt_ms\n# nothing yet\n").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.rtt_ms(ip("10.0.0.1"), gb(), "r"), None);
}

#[test]
fn errors_name_the_line_and_what_is_allowed() {
    let text = "\
client,region,rtt_ms
10.0.0.0/8,us-east-1
10.0.0.1/8,us-east-1,5
10.0.0.0/33,us-east-1,5
XX,us-east-1,5
somewhere,us-east-1,5
10.0.0.0/8,,5
10.0.0.0/8,us-east-1,-1
10.0.0.0/8,us-east-1,NaN
10.0.0.0/8,us-east-1,fast
10.0.0.0/8,us-east-1,5
10.0.0.0/8,us-east-1,6
client,region,rtt_ms
2001:db8::1,us-east-1,5
";
    let errors = LatencyTable::parse(text).unwrap_err();
    let expect = [
        ("line 2:", "expected 3 comma-separated fields client,region,rtt_ms but found 2"),
        ("line 3:", "host bits set: the network is 10.0.0.0/8"),
        ("line 4:", "prefix length \"33\" must be a number from 0 to 32"),
        ("line 5:", "\"XX\" is not a Route 53 country code"),
        ("line 6:", "must be a network in CIDR form (81.2.69.0/24, 2001:db8::/32) or a two-letter"),
        ("line 7:", "region \"\" must be a region code"),
        ("line 8:", "rtt_ms \"-1\" must be a non-negative number of milliseconds"),
        ("line 9:", "rtt_ms \"NaN\""),
        ("line 10:", "rtt_ms \"fast\""),
        ("line 12:", "already given on line 11"),
        ("line 13:", "client \"client\" must be a network"),
        ("line 14:", "is not a network in CIDR form"),
    ];
    assert_eq!(errors.len(), expect.len(), "{errors:#?}");
    for (error, (line, what)) in errors.iter().zip(expect) {
        assert!(
            error.starts_with(line) && error.contains(what),
            "{error:?} should be {line} {what}"
        );
    }
}

#[test]
fn most_specific_network_wins_per_region_then_country() {
    let t = LatencyTable::parse(TABLE).unwrap();
    // In 10.1.0.0/16: its own value for us-east-1, the /8's for eu-west-1.
    assert_eq!(t.rtt_ms(ip("10.1.2.3"), gb(), "us-east-1"), Some(20.0));
    assert_eq!(t.rtt_ms(ip("10.1.2.3"), gb(), "eu-west-1"), Some(80.0));
    assert_eq!(t.rtt_ms(ip("10.2.0.1"), gb(), "us-east-1"), Some(50.0));
    // Outside every network: the country's values, else nothing.
    assert_eq!(t.rtt_ms(ip("81.2.69.142"), gb(), "eu-west-1"), Some(15.0));
    assert_eq!(t.rtt_ms(ip("81.2.69.142"), gb(), "us-east-1"), Some(90.5));
    assert_eq!(t.rtt_ms(ip("81.2.69.142"), None, "eu-west-1"), None);
    assert_eq!(t.rtt_ms(ip("81.2.69.142"), Code::new("FR"), "eu-west-1"), None);
    // Networks and countries with no value for the region.
    assert_eq!(t.rtt_ms(ip("10.1.2.3"), gb(), "ap-northeast-1"), None);
    assert_eq!(t.rtt_ms(ip("10.1.2.3"), gb(), "sa-east-1"), None);
    // IPv6, and IPv4-mapped rows and addresses.
    assert_eq!(t.rtt_ms(ip("2001:db8:1::1"), None, "ap-northeast-1"), Some(7.0));
    assert_eq!(t.rtt_ms(ip("2001:db9::1"), None, "ap-northeast-1"), None);
    assert_eq!(t.rtt_ms(ip("192.0.2.55"), None, "us-east-1"), Some(3.0));
    assert_eq!(t.rtt_ms(ip("::ffff:10.1.0.1"), None, "us-east-1"), Some(20.0));
}

#[test]
fn client_latency_is_the_oracle_for_one_address() {
    let t = LatencyTable::parse(TABLE).unwrap();
    let gb_client = ClientLocation { country: gb(), ..ClientLocation::UNKNOWN };
    let oracle = t.for_client(ip("10.1.2.3"));
    assert_eq!(oracle.ip(), ip("10.1.2.3"));
    assert_eq!(oracle.rtt_ms(&gb_client, "us-east-1"), Some(20.0));
    let oracle = t.for_client(ip("81.2.69.142"));
    assert_eq!(oracle.rtt_ms(&gb_client, "eu-west-1"), Some(15.0));
    assert_eq!(oracle.rtt_ms(&ClientLocation::UNKNOWN, "eu-west-1"), None);
    assert_eq!(ClientLatency::NONE.rtt_ms(&gb_client, "eu-west-1"), None);
    assert_eq!(ClientLatency::new(None, ip("10.1.2.3")).rtt_ms(&gb_client, "us-east-1"), None);
}

#[test]
fn scope_prefix_examples() {
    let t = LatencyTable::parse(TABLE).unwrap();
    assert_eq!(t.scope_prefix_for(ip("10.1.2.3")), Some(16));
    // In the /8 but next to the /16: 10.2.0.0/15 is the largest network without it.
    assert_eq!(t.scope_prefix_for(ip("10.2.0.1")), Some(15));
    assert_eq!(t.scope_prefix_for(ip("10.128.0.1")), Some(9));
    assert_eq!(t.scope_prefix_for(ip("11.0.0.1")), Some(8));
    // 200.0.0.0/5 is the largest network that misses 192.0.2.0/24.
    assert_eq!(t.scope_prefix_for(ip("200.0.0.1")), Some(5));
    assert_eq!(t.scope_prefix_for(ip("100.0.0.1")), Some(2), "64.0.0.0/2");
    assert_eq!(t.scope_prefix_for(ip("::ffff:10.1.2.3")), Some(96 + 16));
    assert_eq!(t.scope_prefix_for(ip("2001:db8::1")), Some(32));
    let v4_only = LatencyTable::parse("10.0.0.0/8,r,1\nGB,r,2\n").unwrap();
    assert_eq!(v4_only.scope_prefix_for(ip("2001:db8::1")), None);
    let countries_only = LatencyTable::parse("GB,r,2\n").unwrap();
    assert_eq!(countries_only.scope_prefix_for(ip("10.0.0.1")), None);
}

/// The table's answers for every region, as the engine would see them.
fn answers(t: &LatencyTable, addr: IpAddr, regions: &[&str]) -> Vec<Option<f64>> {
    regions.iter().map(|r| t.rtt_ms(addr, None, r)).collect()
}

/// For random tables of networks inside 10.0.0.0/24 (plus some covering it), checks that the
/// scope is exactly right for every address of the /24: every address in `ip/scope` gets the
/// same answers, and `ip/(scope - 1)` holds one that does not.
#[test]
fn scope_prefix_is_exactly_the_network_with_identical_answers() {
    let regions = ["a", "b", "c"];
    let mut rng = SplitMix64(7);
    for _ in 0..40 {
        let mut text = String::new();
        for value in 1..2 + rng.below(12) {
            let prefix = if rng.below(6) == 0 { 8 + rng.below(17) } else { 24 + rng.below(9) };
            let addr = u32::from(Ipv4Addr::new(10, 0, 0, rng.below(256) as u8));
            let network = addr & (u32::MAX << (32 - prefix));
            let region = regions[rng.below(3) as usize];
            text += &format!("{}/{prefix},{region},{value}\n", Ipv4Addr::from(network));
        }
        // Duplicate client and region pairs are errors; skip such draws.
        let Ok(t) = LatencyTable::parse(&text) else { continue };
        let addr = |i: u32| IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + i));
        for i in 0..256 {
            let scope = u32::from(t.scope_prefix_for(addr(i)).unwrap());
            assert!(scope <= 32);
            let mine = answers(&t, addr(i), &regions);
            let same_net = |j: u32, s: u32| s == 0 || (i ^ j) >> (32 - s) == 0;
            for j in 0..256 {
                if same_net(j, scope) {
                    assert_eq!(answers(&t, addr(j), &regions), mine, "{text}: {i} vs {j} /{scope}");
                }
            }
            if scope > 24 {
                let differs = (0..256)
                    .any(|j| same_net(j, scope - 1) && answers(&t, addr(j), &regions) != mine);
                assert!(differs, "{text}: scope /{scope} of 10.0.0.{i} is longer than needed");
            }
        }
    }
}
