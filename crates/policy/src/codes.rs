//! Route 53's location code tables: countries and their continents, subdivisions, regions and
//! Local Zones, and the catalog of region codes (built-in plus the operator's own locations)
//! that latency and geoproximity rules accept.
//!
//! The tables themselves live in `tables.rs`, generated from the reference tables by
//! `scripts/gen-location-tables.py`.

use crate::location::{Code, Continent, Coordinates};
pub use crate::tables::{AWS_REGIONS, COUNTRIES, LOCAL_ZONES, SUBDIVISIONS};

/// A country Route 53 geolocation accepts.
#[derive(Debug)]
pub struct CountryInfo {
    /// ISO 3166-1 alpha-2 code (plus `XK`).
    pub code: &'static str,
    /// Name as Route 53 returns it.
    pub name: &'static str,
    /// The continent Route 53 places the country in.
    pub continent: Continent,
}

/// A subdivision Route 53 geolocation accepts.
#[derive(Debug)]
pub struct SubdivisionInfo {
    /// Country code the subdivision belongs to.
    pub country: &'static str,
    /// Subdivision code (`WA`, `05`, ...).
    pub code: &'static str,
    /// Name as Route 53 returns it.
    pub name: &'static str,
}

/// A built-in region or Local Zone with the coordinates flowdns uses for it.
#[derive(Debug)]
pub struct RegionInfo {
    /// Region code (`us-east-1`) or Local Zone name (`us-east-1-atl-1a`).
    pub code: &'static str,
    /// Human-readable name or city.
    pub name: &'static str,
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
}

impl RegionInfo {
    /// The region's position.
    pub fn coordinates(&self) -> Coordinates {
        Coordinates { latitude: self.latitude, longitude: self.longitude }
    }
}

/// Countries Route 53 documents as impossible to target (no IP data), with their names.
pub const UNSUPPORTED_COUNTRIES: [(&str, &str); 4] = [
    ("BV", "Bouvet Island"),
    ("CX", "Christmas Island"),
    ("EH", "Western Sahara"),
    ("HM", "Heard Island and McDonald Islands"),
];

/// Looks up a country by exact upper-case code.
pub fn country(code: &str) -> Option<&'static CountryInfo> {
    COUNTRIES.binary_search_by(|c| c.code.cmp(code)).ok().map(|i| &COUNTRIES[i])
}

/// The Route 53 continent of a country code, if the code is known.
pub fn continent_of(country_code: Code) -> Option<Continent> {
    country(country_code.as_str()).map(|c| c.continent)
}

/// Looks up a subdivision by exact country and subdivision code.
pub fn subdivision(country: &str, code: &str) -> Option<&'static SubdivisionInfo> {
    SUBDIVISIONS
        .binary_search_by(|s| (s.country, s.code).cmp(&(country, code)))
        .ok()
        .map(|i| &SUBDIVISIONS[i])
}

/// Finds a US state code from its English name ("California" -> `CA`), ignoring case.
pub fn us_state_code(name: &str) -> Option<&'static str> {
    SUBDIVISIONS
        .iter()
        .find(|s| s.country == "US" && s.name.eq_ignore_ascii_case(name))
        .map(|s| s.code)
}

/// Looks up a built-in AWS region by code.
pub fn aws_region(code: &str) -> Option<&'static RegionInfo> {
    AWS_REGIONS.binary_search_by(|r| r.code.cmp(code)).ok().map(|i| &AWS_REGIONS[i])
}

/// Looks up a Local Zone by its full name (with the trailing letter).
pub fn local_zone(name: &str) -> Option<&'static RegionInfo> {
    LOCAL_ZONES.binary_search_by(|r| r.code.cmp(name)).ok().map(|i| &LOCAL_ZONES[i])
}

/// One of the operator's own locations (a data centre), usable wherever a region code is.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomLocation {
    /// Code used in documents: `"Region": "<code>"` in latency rules and
    /// `aws:route53:<code>` in geoproximity rules.
    pub code: String,
    /// Free-form description.
    pub name: String,
    /// Position.
    pub coordinates: Coordinates,
}

impl CustomLocation {
    /// Checks a custom location definition; the error says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let ok_chars = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if self.code.is_empty() || self.code.len() > 64 || !self.code.chars().all(ok_chars) {
            return Err(format!(
                "location code {:?} must be 1-64 characters of a-z, 0-9 and '-'",
                self.code
            ));
        }
        if aws_region(&self.code).is_some() || local_zone(&self.code).is_some() {
            return Err(format!(
                "location code {:?} is already a built-in region or Local Zone",
                self.code
            ));
        }
        let c = self.coordinates;
        if !(-90.0..=90.0).contains(&c.latitude) || !(-180.0..=180.0).contains(&c.longitude) {
            return Err(format!(
                "location {:?}: latitude must be within -90..90 and longitude within -180..180",
                self.code
            ));
        }
        Ok(())
    }
}

/// How a region code was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// A built-in AWS region.
    AwsRegion,
    /// A built-in AWS Local Zone.
    LocalZone,
    /// One of the operator's own locations.
    Custom,
}

/// The region codes latency and geoproximity rules accept: the built-in tables plus the
/// operator's own locations. Cheap to build; validation and compilation take one.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    custom: Vec<CustomLocation>,
}

impl Catalog {
    /// The built-in regions only.
    pub fn builtin() -> Catalog {
        Catalog::default()
    }

    /// Built-in regions plus custom locations. Fails with one message per bad or duplicate
    /// location.
    pub fn with_custom(custom: Vec<CustomLocation>) -> Result<Catalog, Vec<String>> {
        let mut errors: Vec<String> = custom.iter().filter_map(|c| c.check().err()).collect();
        for (i, c) in custom.iter().enumerate() {
            if custom[..i].iter().any(|o| o.code == c.code) {
                errors.push(format!("location code {:?} is defined more than once", c.code));
            }
        }
        if errors.is_empty() { Ok(Catalog { custom }) } else { Err(errors) }
    }

    /// The operator's own locations.
    pub fn custom(&self) -> &[CustomLocation] {
        &self.custom
    }

    /// Resolves a latency-rule region (a plain region code or custom code).
    pub fn latency_region(&self, code: &str) -> Option<(RegionKind, Coordinates)> {
        if let Some(r) = aws_region(code) {
            return Some((RegionKind::AwsRegion, r.coordinates()));
        }
        self.custom_location(code).map(|c| (RegionKind::Custom, c.coordinates))
    }

    /// Resolves the part after `aws:route53:` of a geoproximity region; Local Zones only when
    /// `local_zones` is set (format 2023-05-09, `Type: LocalZone`).
    pub fn geoproximity_region(
        &self,
        code: &str,
        local_zones: bool,
    ) -> Option<(RegionKind, Coordinates)> {
        if local_zones {
            return local_zone(code).map(|r| (RegionKind::LocalZone, r.coordinates()));
        }
        self.latency_region(code)
    }

    fn custom_location(&self, code: &str) -> Option<&CustomLocation> {
        self.custom.iter().find(|c| c.code == code)
    }
}
