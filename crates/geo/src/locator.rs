//! Geolocation database and latency table together, as the server uses them per query.

use std::net::IpAddr;

use policy::ClientLocation;

use crate::db::GeoDb;
use crate::latency::{ClientLatency, LatencyTable};
use crate::net::{truncate, width};

/// Everything needed to place one client: the geolocation databases and, optionally, the
/// measured latencies. Built once (on start or reload) and shared by all queries.
#[derive(Debug, Default)]
pub struct Locator {
    geo: GeoDb,
    latency: Option<LatencyTable>,
}

impl Locator {
    /// Combines databases and an optional latency table.
    pub fn new(geo: GeoDb, latency: Option<LatencyTable>) -> Locator {
        Locator { geo, latency }
    }

    /// The geolocation databases.
    pub fn geo(&self) -> &GeoDb {
        &self.geo
    }

    /// The latency table, if one was given.
    pub fn latency_table(&self) -> Option<&LatencyTable> {
        self.latency.as_ref()
    }

    /// Places the client of one query and gives the latency oracle for it.
    ///
    /// `ip` is the address of the client network: the EDNS Client Subnet ADDRESS when the
    /// query carries that option, with its SOURCE PREFIX-LENGTH as `ecs_source_prefix`;
    /// otherwise the query's source address and `None`.
    ///
    /// The address is first cut to the source prefix (bits past it carry no information).
    /// The returned `scope_prefix` is the larger of the geolocation scope and the latency
    /// table's (so an answer cached for that network is right for every address in it),
    /// clamped to the source prefix when one is given: RFC 7871 lets a server answer with a
    /// scope longer than the source, but resolvers then cache the answer for the source
    /// network anyway, and the location of the cut address stands for that whole network.
    ///
    /// A source prefix of 0 carries no address: the client is unknown (only default rules
    /// answer) and the scope is 0.
    pub fn locate(
        &self,
        ip: IpAddr,
        ecs_source_prefix: Option<u8>,
    ) -> (ClientLocation, ClientLatency<'_>) {
        let ip = match ecs_source_prefix {
            Some(0) => {
                return (ClientLocation::UNKNOWN, ClientLatency::new(None, truncate(ip, 0)));
            }
            Some(source) => truncate(ip, source),
            None => ip,
        };
        let mut location = self.geo.locate(ip);
        if let Some(table_scope) = self.latency.as_ref().and_then(|t| t.scope_prefix_for(ip)) {
            location.scope_prefix = location.scope_prefix.max(table_scope);
        }
        if let Some(source) = ecs_source_prefix {
            location.scope_prefix = location.scope_prefix.min(source.min(width(ip)));
        }
        (location, ClientLatency::new(self.latency.as_ref(), ip))
    }
}
