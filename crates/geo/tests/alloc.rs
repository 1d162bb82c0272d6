//! Lookups run on every DNS query: they must not allocate.
//!
//! `allocation-counter` installs a counting global allocator in this test binary only.

mod common;

use common::*;
use geo::{LatencyTable, Locator};
use policy::LatencyOracle;

#[test]
fn lookups_do_not_allocate() {
    let table = LatencyTable::parse(
        "10.0.0.0/8,us-east-1,50\n10.1.0.0/16,us-east-1,20\n216.160.83.0/24,us-west-2,12\n\
         2001:218::/32,ap-northeast-1,30\nUS,us-east-1,70\n",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let db = db(&[CITY, FLAT_V4, FLAT_V6]);
    let addresses: Vec<_> = [
        "81.2.69.142",
        "216.160.83.56",
        "2001:218::1",
        "8.8.8.8",
        "8.8.4.4",
        "::ffff:81.2.69.142",
        "2600:1700:abc::5",
        "2001:db8::1",
        "10.1.2.3",
    ]
    .iter()
    .map(|s| ip(s))
    .collect();
    let flat_first = common::db(&[FLAT_V4, FLAT_V6]);
    let locator = Locator::new(db, Some(table));

    let info = allocation_counter::measure(|| {
        for &addr in &addresses {
            std::hint::black_box(flat_first.locate(addr));
            for source in [None, Some(24), Some(56)] {
                let (location, latency) = locator.locate(addr, source);
                for region in ["us-east-1", "us-west-2", "ap-northeast-1", "nowhere-1"] {
                    std::hint::black_box(latency.rtt_ms(&location, region));
                }
            }
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");

    // The counter does count (a sanity check of the test itself).
    let info = allocation_counter::measure(|| {
        std::hint::black_box(locator.geo().try_locate(ip("::1")).map_err(|e| e.to_string()).ok());
        std::hint::black_box(vec![1u8; 3]);
    });
    assert!(info.count_total >= 1);
}
