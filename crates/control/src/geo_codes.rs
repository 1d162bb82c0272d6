//! GetGeoLocation and ListGeoLocations, from the engine's code tables: continents, then
//! countries (with `*`, the default location), then subdivisions.

use policy::Continent;
use policy::codes::{COUNTRIES, SUBDIVISIONS};

use crate::page::{Page, max_items, page};
use crate::{Code, Error, Result, Service};

/// One geolocation as Route 53 describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)] // Route 53's GeoLocationDetails members.
pub struct GeoDetails {
    pub continent_code: Option<String>,
    pub continent_name: Option<String>,
    pub country_code: Option<String>,
    pub country_name: Option<String>,
    pub subdivision_code: Option<String>,
    pub subdivision_name: Option<String>,
}

fn all() -> Vec<GeoDetails> {
    let mut out: Vec<GeoDetails> = Continent::ALL
        .iter()
        .map(|c| GeoDetails {
            continent_code: Some(c.code().to_owned()),
            continent_name: Some(c.name().to_owned()),
            ..GeoDetails::default()
        })
        .collect();
    out.push(GeoDetails {
        country_code: Some("*".into()),
        country_name: Some("Default".into()),
        ..GeoDetails::default()
    });
    let mut countries: Vec<_> = COUNTRIES.iter().collect();
    countries.sort_by_key(|c| c.code);
    for c in countries {
        out.push(GeoDetails {
            country_code: Some(c.code.to_owned()),
            country_name: Some(c.name.to_owned()),
            ..GeoDetails::default()
        });
        let mut subs: Vec<_> = SUBDIVISIONS.iter().filter(|s| s.country == c.code).collect();
        subs.sort_by_key(|s| s.code);
        for s in subs {
            out.push(GeoDetails {
                country_code: Some(c.code.to_owned()),
                country_name: Some(c.name.to_owned()),
                subdivision_code: Some(s.code.to_owned()),
                subdivision_name: Some(s.name.to_owned()),
                ..GeoDetails::default()
            });
        }
    }
    out
}

impl Service {
    /// GetGeoLocation: exactly a continent, or a country with an optional subdivision.
    pub fn get_geo_location(
        &self,
        continent: Option<&str>,
        country: Option<&str>,
        subdivision: Option<&str>,
    ) -> Result<GeoDetails> {
        if continent.is_some() && (country.is_some() || subdivision.is_some()) {
            return Err(Error::invalid(
                "continentcode",
                "give either a continent code or a country code, not both",
            ));
        }
        if subdivision.is_some() && country.is_none() {
            return Err(Error::invalid("subdivisioncode", "needs a country code"));
        }
        all()
            .into_iter()
            .find(|g| match (continent, country) {
                (Some(c), _) => g.continent_code.as_deref() == Some(c),
                (None, Some(c)) => {
                    g.country_code.as_deref() == Some(c)
                        && g.subdivision_code.as_deref() == subdivision
                }
                (None, None) => false,
            })
            .ok_or_else(|| {
                Error::new(
                    Code::NoSuchGeoLocation,
                    format!(
                        "no geolocation continent={} country={} subdivision={}",
                        continent.unwrap_or("-"),
                        country.unwrap_or("-"),
                        subdivision.unwrap_or("-")
                    ),
                )
            })
    }

    /// ListGeoLocations: a page from the given start codes.
    pub fn list_geo_locations(
        &self,
        continent: Option<&str>,
        country: Option<&str>,
        subdivision: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<GeoDetails>> {
        let max = max_items(max, 100, 1000)?;
        let has_marker = continent.is_some() || country.is_some();
        let starts = |g: &GeoDetails| match (continent, country) {
            (Some(c), _) => g.continent_code.as_deref() == Some(c),
            (None, Some(c)) => {
                g.country_code.as_deref() == Some(c)
                    && (subdivision.is_none() || g.subdivision_code.as_deref() == subdivision)
            }
            _ => true,
        };
        Ok(page(all(), has_marker.then_some(&starts as &dyn Fn(&GeoDetails) -> bool), max))
    }
}
