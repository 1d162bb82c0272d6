//! Cheap normalisation and validation of DNS names, record types and bounded texts.
//!
//! Callers normalise names themselves (the zone-file parser, the API); the store checks again
//! so that nothing malformed is ever stored: names become lower-case (ASCII) absolute names
//! with their trailing dot, in presentation form (escapes such as `\.` and `\065` are kept
//! as written and counted as one octet).

use crate::error::{Result, StoreError};

/// Largest TTL a record or policy record may have (RFC 2181: 2^31 - 1).
pub const MAX_TTL: u32 = 2_147_483_647;

/// Normalises a DNS name to lower-case absolute presentation form with a trailing dot,
/// checking label and name lengths (63 and 255 octets in wire form) and escapes.
pub fn normalize_name(input: &str) -> Result<String> {
    let bad = |why: &str| {
        StoreError::Invalid(format!(
            "invalid DNS name {input:?}: {why}; a name is dot-separated labels of 1-63 octets, \
             at most 255 octets in all"
        ))
    };
    if input.is_empty() {
        return Err(bad("it is empty"));
    }
    if input == "." {
        return Ok(".".to_owned());
    }
    let labels = split_labels(input).map_err(|why| bad(&why))?;
    let mut wire_len = 1; // the root label
    for (index, (_, octets)) in labels.iter().enumerate() {
        if *octets == 0 {
            // Only a final empty label (the trailing dot) is allowed; split_labels drops it.
            return Err(bad(if index == 0 {
                "it starts with a dot"
            } else {
                "it has an empty label (two dots in a row)"
            }));
        }
        if *octets > 63 {
            return Err(bad("a label is longer than 63 octets"));
        }
        wire_len += octets + 1;
    }
    if wire_len > 255 {
        return Err(bad("it is longer than 255 octets"));
    }
    let mut out = String::with_capacity(input.len() + 1);
    for (label, _) in &labels {
        out.push_str(&label.to_ascii_lowercase());
        out.push('.');
    }
    Ok(out)
}

/// Splits a presentation-form name into its labels (without the final empty label of an
/// absolute name), each with its length in octets.
fn split_labels(input: &str) -> std::result::Result<Vec<(&str, usize)>, String> {
    let bytes = input.as_bytes();
    let mut labels = Vec::new();
    let mut start = 0;
    let mut octets = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'.' => {
                labels.push((&input[start..i], octets));
                start = i + 1;
                octets = 0;
                i += 1;
                continue;
            }
            b'\\' => {
                let rest = &bytes[i + 1..];
                if rest.len() >= 3 && rest[..3].iter().all(u8::is_ascii_digit) {
                    let value = u32::from(rest[0] - b'0') * 100
                        + u32::from(rest[1] - b'0') * 10
                        + u32::from(rest[2] - b'0');
                    if value > 255 {
                        return Err(format!("escape \\{} is above \\255", &input[i + 1..i + 4]));
                    }
                    i += 4;
                } else if let Some(&next) = rest.first() {
                    if next.is_ascii_digit() {
                        return Err("a decimal escape needs exactly three digits (\\DDD)".into());
                    }
                    if !(0x21..0x7f).contains(&next) {
                        return Err("a backslash must be followed by a printable character".into());
                    }
                    i += 2;
                } else {
                    return Err("it ends with a lone backslash".into());
                }
            }
            0x21..=0x7e => i += 1,
            _ => {
                return Err(
                    "it contains a space, control or non-ASCII character (escape it as \\DDD)"
                        .into(),
                );
            }
        }
        octets += 1;
    }
    if start < bytes.len() || labels.is_empty() {
        // Relative name: the last label has no dot after it.
        labels.push((&input[start..], octets));
    }
    Ok(labels)
}

/// Whether `name` equals `zone` or lies under it. Both must be normalised.
pub fn is_in_zone(name: &str, zone: &str) -> bool {
    if zone == "." {
        return true;
    }
    if name == zone {
        return true;
    }
    let (Ok(name_labels), Ok(zone_labels)) = (split_labels(name), split_labels(zone)) else {
        return false;
    };
    name_labels.len() > zone_labels.len()
        && name_labels[name_labels.len() - zone_labels.len()..]
            .iter()
            .zip(&zone_labels)
            .all(|((a, _), (b, _))| a == b)
}

/// Normalises a record type mnemonic to upper case and checks its form (a letter, then
/// letters or digits, at most 16 characters: "A", "AAAA", "TYPE65534").
pub fn normalize_rtype(input: &str) -> Result<String> {
    let upper = input.to_ascii_uppercase();
    let ok = !upper.is_empty()
        && upper.len() <= 16
        && upper.as_bytes()[0].is_ascii_alphabetic()
        && upper.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(upper)
    } else {
        Err(StoreError::Invalid(format!(
            "invalid record type {input:?}: a type is a mnemonic such as A, AAAA, CNAME or TYPE65534"
        )))
    }
}

/// Checks a TTL against the range RFC 2181 allows.
pub(crate) fn check_ttl(ttl: u32, what: &str) -> Result<()> {
    if ttl > MAX_TTL {
        return Err(StoreError::Invalid(format!(
            "TTL {ttl} of {what} is out of range: a TTL is 0 to {MAX_TTL} seconds"
        )));
    }
    Ok(())
}

/// Checks that a text is at most `max` characters (and, if `required`, not empty).
pub(crate) fn check_text(value: &str, field: &str, max: usize, required: bool) -> Result<()> {
    if required && value.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{field} is empty: it needs 1 to {max} characters"
        )));
    }
    let len = value.chars().count();
    if len > max {
        return Err(StoreError::Invalid(format!(
            "{field} is {len} characters long: at most {max} are allowed"
        )));
    }
    Ok(())
}

/// Whether two record types may not coexist at one name: the same type, or a CNAME next to
/// anything but the DNSSEC types that accompany it (RFC 1034 3.6.2, RFC 4035 2.5).
pub(crate) fn types_conflict(a: &str, b: &str) -> bool {
    let dnssec = |t: &str| t == "RRSIG" || t == "NSEC";
    a == b || (a == "CNAME" && !dnssec(b)) || (b == "CNAME" && !dnssec(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalize_name("WWW.Example.COM").unwrap(), "www.example.com.");
        assert_eq!(normalize_name("www.example.com.").unwrap(), "www.example.com.");
        assert_eq!(normalize_name(".").unwrap(), ".");
        assert_eq!(normalize_name("*.Example.com").unwrap(), "*.example.com.");
        assert_eq!(normalize_name(r"a\.B.example.").unwrap(), r"a\.b.example.");
        assert_eq!(normalize_name(r"a\.").unwrap(), r"a\..");
        assert_eq!(normalize_name(r"\065.com").unwrap(), r"\065.com.");
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in ["", "a..b", ".a", "a b.com", "é.com", r"a\", r"\256.com", r"\1.com", "a.\u{7}"]
        {
            assert!(normalize_name(bad).is_err(), "{bad:?} accepted");
        }
        let long_label = "a".repeat(64);
        assert!(normalize_name(&format!("{long_label}.com")).is_err());
        assert!(normalize_name(&format!("{}.com", "a".repeat(63))).is_ok());
        let long_name = vec!["a".repeat(63); 4].join(".");
        assert!(normalize_name(&long_name).is_err());
        let max_name = [vec!["a".repeat(63); 3], vec!["a".repeat(61)]].concat().join(".");
        assert!(normalize_name(&max_name).is_ok());
    }

    #[test]
    fn zone_membership() {
        assert!(is_in_zone("example.com.", "example.com."));
        assert!(is_in_zone("www.example.com.", "example.com."));
        assert!(is_in_zone("a.b.example.com.", "example.com."));
        assert!(!is_in_zone("badexample.com.", "example.com."));
        assert!(!is_in_zone(r"a\.example.com.", r"example.com."));
        assert!(is_in_zone("com.", "."));
        assert!(!is_in_zone("example.org.", "example.com."));
    }

    #[test]
    fn record_types() {
        assert_eq!(normalize_rtype("aaaa").unwrap(), "AAAA");
        assert_eq!(normalize_rtype("TYPE65534").unwrap(), "TYPE65534");
        assert!(normalize_rtype("").is_err());
        assert!(normalize_rtype("1A").is_err());
        assert!(normalize_rtype("A-B").is_err());
        assert!(types_conflict("A", "A"));
        assert!(types_conflict("CNAME", "A"));
        assert!(!types_conflict("CNAME", "RRSIG"));
        assert!(!types_conflict("A", "AAAA"));
    }
}
