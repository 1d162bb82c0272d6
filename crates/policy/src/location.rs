//! Where a client is, as the policy engine sees it.
//!
//! The engine never looks anything up itself: the caller (the `geo` crate, or a test) turns a
//! client address into a [`ClientLocation`] and hands it in.

use std::fmt;

/// One of Route 53's seven continent codes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[allow(clippy::upper_case_acronyms)]
pub enum Continent {
    /// Africa.
    AF,
    /// Antarctica.
    AN,
    /// Asia.
    AS,
    /// Europe.
    EU,
    /// North America.
    NA,
    /// Oceania.
    OC,
    /// South America.
    SA,
}

impl Continent {
    /// Every continent, in Route 53's listing order.
    pub const ALL: [Continent; 7] = [
        Continent::AF,
        Continent::AN,
        Continent::AS,
        Continent::EU,
        Continent::NA,
        Continent::OC,
        Continent::SA,
    ];

    /// The two-letter code, e.g. `"EU"`.
    pub fn code(self) -> &'static str {
        match self {
            Continent::AF => "AF",
            Continent::AN => "AN",
            Continent::AS => "AS",
            Continent::EU => "EU",
            Continent::NA => "NA",
            Continent::OC => "OC",
            Continent::SA => "SA",
        }
    }

    /// The name Route 53 returns, e.g. `"Europe"`.
    pub fn name(self) -> &'static str {
        match self {
            Continent::AF => "Africa",
            Continent::AN => "Antarctica",
            Continent::AS => "Asia",
            Continent::EU => "Europe",
            Continent::NA => "North America",
            Continent::OC => "Oceania",
            Continent::SA => "South America",
        }
    }

    /// Parses an exact (upper-case) continent code.
    pub fn from_code(code: &str) -> Option<Continent> {
        Continent::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Continent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A short upper-case ASCII code of one to three characters (country or subdivision),
/// stored inline so that locations are `Copy` and comparisons never allocate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    bytes: [u8; 3],
    len: u8,
}

impl Code {
    /// Makes a code from 1-3 ASCII letters or digits, upper-casing letters.
    /// Returns `None` for anything else.
    pub fn new(s: &str) -> Option<Code> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut bytes = [0u8; 3];
        for (d, s) in bytes.iter_mut().zip(b) {
            *d = s.to_ascii_uppercase();
        }
        Some(Code { bytes, len: b.len() as u8 })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point on the earth in degrees.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Coordinates {
    /// Latitude, -90..=90.
    pub latitude: f64,
    /// Longitude, -180..=180.
    pub longitude: f64,
}

/// Mean earth radius used for all great-circle distances, in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

impl Coordinates {
    /// Great-circle (haversine) distance in kilometres.
    pub fn distance_km(self, other: Coordinates) -> f64 {
        let (la1, la2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dla = la2 - la1;
        let dlo = (other.longitude - self.longitude).to_radians();
        let a = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// Where the client of one query is, as far as the geolocation data knows.
///
/// Every field may be unknown, and geolocation rules match at every level that is known:
/// subdivision, country, continent, default (see [`ClientLocation::levels`]). An entry with
/// only a continent matches continent and default locations; an address missing from the
/// database, or no database at all, gives [`ClientLocation::UNKNOWN`], which only default
/// locations match.
///
/// Whoever makes a location keeps its fields consistent, as the `geo` crate does: a country
/// is one Route 53 lists, its continent the one Route 53 puts it in, and a subdivision one
/// Route 53 lists for that country.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct ClientLocation {
    /// Route 53 continent: with a country, the one Route 53 puts the country in
    /// ([`crate::codes::continent_of`], never the database's own field); without a country,
    /// the continent the location data names, if any.
    pub continent: Option<Continent>,
    /// ISO 3166-1 alpha-2 country code, one Route 53 lists.
    pub country: Option<Code>,
    /// Subdivision code within the country, one Route 53 lists for it (a US state such as
    /// `WA`, a Ukrainian oblast such as `11`); only with a country.
    pub subdivision: Option<Code>,
    /// Position of the client network.
    pub coordinates: Option<Coordinates>,
    /// Prefix length of the network the location data holds for this address: the EDNS Client
    /// Subnet scope of any answer that depends on the location. 0 when no data was consulted.
    pub scope_prefix: u8,
}

impl ClientLocation {
    /// Nothing known about the client.
    pub const UNKNOWN: ClientLocation = ClientLocation {
        continent: None,
        country: None,
        subdivision: None,
        coordinates: None,
        scope_prefix: 0,
    };

    /// The kinds of geolocation location this client can match, most specific first, in
    /// words (for traces and messages): `"subdivision, country, continent, default"` down to
    /// `"default"` when nothing is known. A subdivision counts only with its country.
    pub fn levels(&self) -> &'static str {
        let subdivision = self.subdivision.is_some() && self.country.is_some();
        match (subdivision, self.country.is_some(), self.continent.is_some()) {
            (true, _, true) => "subdivision, country, continent, default",
            (true, _, false) => "subdivision, country, default",
            (false, true, true) => "country, continent, default",
            (false, true, false) => "country, default",
            (false, false, true) => "continent, default",
            (false, false, false) => "default",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_known_fields() {
        let code = |s: &str| Code::new(s);
        let at = |continent, country: Option<Code>, subdivision: Option<Code>| ClientLocation {
            continent,
            country,
            subdivision,
            ..ClientLocation::UNKNOWN
        };
        let na = Some(Continent::NA);
        let cases = [
            (at(na, code("US"), code("WA")), "subdivision, country, continent, default"),
            (at(None, code("US"), code("WA")), "subdivision, country, default"),
            (at(na, code("US"), None), "country, continent, default"),
            (at(None, code("US"), None), "country, default"),
            (at(na, None, None), "continent, default"),
            (at(na, None, code("WA")), "continent, default"),
            (at(None, None, code("WA")), "default"),
            (ClientLocation::UNKNOWN, "default"),
        ];
        for (location, levels) in cases {
            assert_eq!(location.levels(), levels, "{location:?}");
        }
    }
}
