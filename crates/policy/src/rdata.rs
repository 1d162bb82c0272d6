//! The DNS record types a traffic policy may produce, and the check that an endpoint `Value`
//! is well-formed RDATA of that type (in zone-file presentation form).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A record type a traffic policy can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    AAAA,
    /// Certification authority authorization.
    CAA,
    /// Canonical name.
    CNAME,
    /// Mail exchange.
    MX,
    /// Naming authority pointer.
    NAPTR,
    /// Pointer.
    PTR,
    /// Sender policy framework (TXT-shaped).
    SPF,
    /// Service locator.
    SRV,
    /// Text.
    TXT,
}

impl RecordType {
    /// Every supported type.
    pub const ALL: [RecordType; 10] = [
        RecordType::A,
        RecordType::AAAA,
        RecordType::CAA,
        RecordType::CNAME,
        RecordType::MX,
        RecordType::NAPTR,
        RecordType::PTR,
        RecordType::SPF,
        RecordType::SRV,
        RecordType::TXT,
    ];

    /// The mnemonic, e.g. `"AAAA"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::CAA => "CAA",
            RecordType::CNAME => "CNAME",
            RecordType::MX => "MX",
            RecordType::NAPTR => "NAPTR",
            RecordType::PTR => "PTR",
            RecordType::SPF => "SPF",
            RecordType::SRV => "SRV",
            RecordType::TXT => "TXT",
        }
    }

    /// Parses the exact mnemonic.
    pub fn parse(s: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What a value of this type looks like, for error messages.
    pub fn value_form(self) -> &'static str {
        match self {
            RecordType::A => "an IPv4 address such as 192.0.2.1",
            RecordType::AAAA => "an IPv6 address such as 2001:db8::1",
            RecordType::CAA => "'flags tag \"value\"' such as 0 issue \"ca.example.net\"",
            RecordType::CNAME | RecordType::PTR => "a domain name such as www.example.com",
            RecordType::MX => "'preference host' such as 10 mail.example.com",
            RecordType::NAPTR => {
                "'order preference \"flags\" \"service\" \"regexp\" replacement' such as 100 50 \"u\" \"E2U+sip\" \"\" sip.example.com"
            }
            RecordType::SPF | RecordType::TXT => {
                "one or more quoted strings of at most 255 characters each, such as \"v=spf1 -all\""
            }
            RecordType::SRV => "'priority weight port target' such as 10 5 5060 sip.example.com",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks that `value` is valid RDATA of type `rtype`. The error says what is wrong.
pub fn check_value(rtype: RecordType, value: &str) -> Result<(), String> {
    match rtype {
        RecordType::A => value
            .parse::<Ipv4Addr>()
            .map(drop)
            .map_err(|_| format!("{value:?} is not an IPv4 address")),
        RecordType::AAAA => value
            .parse::<Ipv6Addr>()
            .map(drop)
            .map_err(|_| format!("{value:?} is not an IPv6 address")),
        RecordType::CNAME | RecordType::PTR => check_domain_name(value),
        RecordType::MX => {
            let f = fields(value, 2)?;
            number(f[0], "preference", 65535)?;
            check_domain_name(f[1])
        }
        RecordType::SRV => {
            let f = fields(value, 4)?;
            number(f[0], "priority", 65535)?;
            number(f[1], "weight", 65535)?;
            number(f[2], "port", 65535)?;
            check_domain_name(f[3])
        }
        RecordType::CAA => check_caa(value),
        RecordType::NAPTR => check_naptr(value),
        RecordType::TXT | RecordType::SPF => char_strings(value).map(drop),
    }
}

fn fields(value: &str, n: usize) -> Result<Vec<&str>, String> {
    let f: Vec<&str> = value.split_ascii_whitespace().collect();
    if f.len() == n {
        Ok(f)
    } else {
        Err(format!("{value:?} has {} fields, {n} expected", f.len()))
    }
}

fn number(s: &str, what: &str, max: u32) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n <= max && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{what} {s:?} must be a whole number from 0 to {max}")),
    }
}

/// Checks a domain name in presentation form: labels of 1-63 letters, digits, hyphens or
/// underscores, 253 characters at most, an optional final dot. `.` alone is the root.
pub fn check_domain_name(name: &str) -> Result<(), String> {
    if name == "." {
        return Ok(());
    }
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return Err("a domain name must not be empty".into());
    }
    if body.len() > 253 {
        return Err(format!("domain name {name:?} is longer than 253 characters"));
    }
    for label in body.split('.') {
        if label.is_empty() {
            return Err(format!("domain name {name:?} has an empty label"));
        }
        if label.len() > 63 {
            return Err(format!("domain name {name:?} has a label longer than 63 characters"));
        }
        let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if !label.bytes().all(ok) && label != "*" {
            return Err(format!(
                "domain name {name:?} may only contain letters, digits, '-' and '_' in its labels"
            ));
        }
    }
    Ok(())
}

/// Splits presentation-form character-strings: each either quoted (with `\"`, `\\` and `\DDD`
/// escapes) or a bare word. Returns the decoded length of each.
fn char_strings(value: &str) -> Result<Vec<usize>, String> {
    let b = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut len = 0usize;
        if b[i] == b'"' {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(format!("{value:?} has an unterminated quoted string")),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let digits =
                            b.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
                        match (digits, b.get(i + 1)) {
                            (Some(d), _) => {
                                let n = u32::from(d[0] - b'0') * 100
                                    + u32::from(d[1] - b'0') * 10
                                    + u32::from(d[2] - b'0');
                                if n > 255 {
                                    return Err(format!("{value:?} has an escape \\DDD above 255"));
                                }
                                i += 4;
                            }
                            (None, Some(_)) => i += 2,
                            (None, None) => {
                                return Err(format!("{value:?} ends inside an escape"));
                            }
                        }
                        len += 1;
                    }
                    Some(_) => {
                        i += 1;
                        len += 1;
                    }
                }
            }
            if b.get(i).is_some_and(|c| !c.is_ascii_whitespace()) {
                return Err(format!("{value:?} needs a space between quoted strings"));
            }
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                if b[i] == b'"' {
                    return Err(format!("{value:?} has a quote inside an unquoted string"));
                }
                i += 1;
                len += 1;
            }
        }
        if len > 255 {
            return Err(format!(
                "{value:?} has a string of {len} characters; each string holds at most 255"
            ));
        }
        out.push(len);
    }
    if out.is_empty() {
        return Err("the value must hold at least one string".into());
    }
    Ok(out)
}

fn check_caa(value: &str) -> Result<(), String> {
    let mut parts = value.trim().splitn(3, char::is_whitespace);
    let flags = parts.next().unwrap_or("");
    let tag = parts.next().unwrap_or("");
    let rest = parts.next().unwrap_or("").trim();
    number(flags, "CAA flags", 255)?;
    if tag.is_empty() || tag.len() > 15 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "CAA tag {tag:?} must be 1-15 letters or digits (issue, issuewild, iodef)"
        ));
    }
    if rest.is_empty() {
        return Err(format!("{value:?} lacks the CAA value, e.g. 0 issue \"ca.example.net\""));
    }
    if char_strings(rest)?.len() != 1 {
        return Err(format!("{value:?}: the CAA value must be a single (quoted) string"));
    }
    Ok(())
}

fn check_naptr(value: &str) -> Result<(), String> {
    let mut parts = value.trim().splitn(3, char::is_whitespace);
    number(parts.next().unwrap_or(""), "NAPTR order", 65535)?;
    number(parts.next().unwrap_or(""), "NAPTR preference", 65535)?;
    let rest = parts.next().unwrap_or("").trim();
    // Three quoted strings, then the replacement domain name.
    let Some(split) = rest.rfind(char::is_whitespace) else {
        return Err(format!("{value:?}: NAPTR needs flags, service, regexp and replacement"));
    };
    let (strings, replacement) = (&rest[..split], rest[split..].trim());
    if !strings.trim_start().starts_with('"') || char_strings(strings)?.len() != 3 {
        return Err(format!(
            "{value:?}: NAPTR needs three quoted strings (flags, service, regexp) before the replacement"
        ));
    }
    check_domain_name(replacement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordType::*;

    #[test]
    fn accepts_well_formed_values() {
        for (t, v) in [
            (A, "192.0.2.1"),
            (AAAA, "2001:db8::1"),
            (CNAME, "www.example.com."),
            (PTR, "host.example.com"),
            (MX, "10 mail.example.com"),
            (SRV, "10 5 5060 sip.example.com"),
            (CAA, "0 issue \"ca.example.net\""),
            (NAPTR, "100 50 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."),
            (TXT, "\"v=spf1 -all\" \"second\""),
            (TXT, "bare"),
            (SPF, "\"v=spf1 include:_spf.example.com ~all\""),
        ] {
            assert_eq!(check_value(t, v), Ok(()), "{t} {v}");
        }
    }

    #[test]
    fn rejects_malformed_values() {
        for (t, v) in [
            (A, "2001:db8::1"),
            (A, "192.0.2"),
            (A, "192.0.2.256"),
            (AAAA, "192.0.2.1"),
            (CNAME, "bad name.example.com"),
            (CNAME, "a..b"),
            (MX, "mail.example.com"),
            (MX, "70000 mail.example.com"),
            (SRV, "10 5 sip.example.com"),
            (CAA, "0 issue"),
            (CAA, "256 issue \"x\""),
            (NAPTR, "100 50 sip.example.com"),
            (TXT, "\"unterminated"),
            (TXT, ""),
        ] {
            assert!(check_value(t, v).is_err(), "{t} {v:?} should be rejected");
        }
        let long = format!("\"{}\"", "x".repeat(256));
        assert!(check_value(TXT, &long).unwrap_err().contains("256"));
    }
}
