//! The SOA serial DNS serves for each zone, kept in `zones.soa_serial` and moved on by every
//! write that changes what the zone answers (see the crate docs, "SOA serials").

/// Whether serial `a` is greater than `b` in RFC 1982 serial number arithmetic (32 bits): `a`
/// is ahead of `b` by less than 2^31. Serials exactly 2^31 apart are not ordered: neither is
/// greater.
pub fn serial_gt(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// The serial to serve after a write, given the one served before it (`None` for a zone not
/// served yet) and the serial field of the zone's SOA record as the write leaves it: the
/// record's serial when it is ahead of the served one (someone set a higher serial, as with a
/// date-based `YYYYMMDDnn` scheme), else the served serial plus one (mod 2^32). `None` when
/// there is neither.
pub fn next_soa_serial(served: Option<u32>, stored: Option<u32>) -> Option<u32> {
    match (served, stored) {
        (None, stored) => stored,
        (Some(served), Some(stored)) if serial_gt(stored, served) => Some(stored),
        (Some(served), _) => Some(served.wrapping_add(1)),
    }
}

/// The SERIAL field of SOA RDATA in presentation form (`MNAME RNAME SERIAL REFRESH RETRY
/// EXPIRE MINIMUM`). Read from the end, so that a name with an escaped space does not shift
/// the fields.
pub(crate) fn rdata_serial(rdata: &str) -> Option<u32> {
    let fields: Vec<&str> = rdata.split_whitespace().collect();
    let at = fields.len().checked_sub(5)?;
    fields[at].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_order() {
        assert!(serial_gt(2, 1));
        assert!(!serial_gt(1, 2));
        assert!(!serial_gt(7, 7));
        // Wrapping: 0 follows 4294967295, and 5 is ahead of 4294967000.
        assert!(serial_gt(0, u32::MAX));
        assert!(serial_gt(5, 4_294_967_000));
        assert!(!serial_gt(4_294_967_000, 5));
        // Exactly 2^31 apart: undefined, so neither is greater.
        assert!(!serial_gt(1 << 31, 0));
        assert!(!serial_gt(0, 1 << 31));
    }

    #[test]
    fn the_next_serial_never_goes_back() {
        // A new zone serves its record's serial as written.
        assert_eq!(next_soa_serial(None, Some(2026010101)), Some(2026010101));
        assert_eq!(next_soa_serial(None, None), None);
        // A change that leaves the record's serial behind moves the served one by one.
        assert_eq!(next_soa_serial(Some(2026010101), Some(2026010101)), Some(2026010102));
        assert_eq!(next_soa_serial(Some(40), Some(7)), Some(41));
        assert_eq!(next_soa_serial(Some(40), None), Some(41));
        // A record serial ahead of the served one is taken as it is.
        assert_eq!(next_soa_serial(Some(2026010105), Some(2026020101)), Some(2026020101));
        // At the top of the range the serial wraps, which RFC 1982 counts as going forward.
        let after = next_soa_serial(Some(u32::MAX), Some(1)).unwrap();
        assert_eq!(after, 1);
        assert!(serial_gt(after, u32::MAX));
        let after = next_soa_serial(Some(u32::MAX), Some(u32::MAX)).unwrap();
        assert_eq!(after, 0);
        assert!(serial_gt(after, u32::MAX));
    }

    #[test]
    fn serial_field_of_soa_text() {
        let soa = "ns1.example.com. hostmaster.example.com. 2026112701 7200 3600 1209600 60";
        assert_eq!(rdata_serial(soa), Some(2026112701));
        assert_eq!(rdata_serial(r"ns1.example.com. host\ master.example.com. 5 1 2 3 4"), Some(5));
        assert_eq!(rdata_serial("1 2 3 4"), None);
        assert_eq!(rdata_serial("a. b. x 1 2 3 4"), None);
    }
}
