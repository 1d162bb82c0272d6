//! Client address to location, and measured latencies, for the policy engine.
//!
//! The engine (crate `policy`) never looks anything up: per query it is handed a
//! [`ClientLocation`](policy::ClientLocation) and a [`LatencyOracle`](policy::LatencyOracle).
//! This crate makes both from a client address. Like the engine it is pure: it is given the
//! *bytes* of the databases and the *text* of the latency table by the binary, and opens no
//! file, reads no clock and draws no random number.
//!
//! # Geolocation: [`GeoDb`]
//!
//! One or more MaxMind DB (`.mmdb`) files, each added with [`GeoDb::add`]. Two record layouts
//! ([`Schema`]) are recognised from each database's first records:
//!
//! - **GeoIP2 / GeoLite2 City or Country** (nested): `country.iso_code` (else
//!   `registered_country.iso_code`), `subdivisions[0].iso_code`, `location.latitude` /
//!   `longitude` (doubles). Country databases simply have no coordinates.
//! - **Flat, DB-IP style** (the DB-IP "lite" city files as packaged by ip-location-db):
//!   `country_code`, `state1` (a subdivision *name*, such as "California" or "England"),
//!   `latitude` / `longitude` stored as 32-bit floats. These come as one IPv4 file and one
//!   IPv6 file; add both.
//!
//! What is kept, in Route 53's terms:
//!
//! - the **continent** is always derived from the country with
//!   [`policy::codes::continent_of`], never taken from the database (Route 53 puts Turkey
//!   in Europe, for example);
//! - the **subdivision** is the US state code for US clients (GeoIP2 gives it; a flat
//!   database's state name is translated with Route 53's table). Other GeoIP2 subdivision
//!   codes are kept as given (`ENG` in GB). Flat databases' names outside the US are dropped:
//!   Route 53 only has US and Ukrainian subdivisions, and Ukrainian oblast names are not
//!   mapped.
//! - the **coordinates** feed geoproximity and estimated latency.
//!
//! Databases are consulted in the order they were added, and the first whose record names a
//! country wins (one with coordinates but no country is kept only as a fallback). An IPv6
//! address is looked up only in IPv6 databases; an IPv4 address in all databases (IPv6-shaped
//! databases such as GeoIP2 hold IPv4 space too). An IPv4-mapped IPv6 address
//! (`::ffff:a.b.c.d`) is treated as its IPv4 address everywhere in this crate, since flat IPv6
//! databases hold no mapped space.
//!
//! A lookup does not allocate (a test counts allocations). `maxminddb` walks the search
//! tree; the record is then read by a small data-section reader of this crate that picks out
//! the few fields above and skips the rest by size (`maxminddb`'s general serde decoder spent
//! most of a lookup skipping names in many languages). Route 53's continent and US state
//! tables are re-indexed for constant-time lookups. With the data in cache a lookup takes a
//! few hundred nanoseconds; in a large database most lookups miss the CPU cache in the tree
//! walk, which then dominates (about 1 µs a lookup for the 60 MB DB-IP IPv4 file on a slow
//! virtual machine).
//!
//! # EDNS Client Subnet scope
//!
//! Every answer that depends on the location carries, with ECS (RFC 7871), a SCOPE
//! PREFIX-LENGTH: the answer may be cached and reused for every address in that network.
//! [`ClientLocation::scope_prefix`](policy::ClientLocation::scope_prefix) is computed so that
//! this is true:
//!
//! - a MaxMind DB search tree maps every address in the network where a lookup ends to the
//!   same record, so a found address's scope is that network's prefix length. That holds
//!   for an address that is *not* found as well: the lookup ends in an empty network, and the
//!   whole network is equally unknown, so its prefix length is the scope (an unknown address
//!   in `8.0.0.0/7` gives scope 7, not 32 and not 0);
//! - with several databases, the answer depends on each one consulted, so the scope is the
//!   longest of their prefixes (the intersection of their networks);
//! - an IPv4 address's scope is an IPv4 prefix length (0-32) even in an IPv6-shaped database,
//!   and an IPv4-mapped address's is 96 plus that;
//! - with no database at all nothing depends on the address: scope 0. A database that fails
//!   to look the address up gives the full address length (the answer holds for this address
//!   only).
//!
//! The latency table adds its own constraint ([`LatencyTable::scope_prefix_for`]), and
//! [`Locator`] combines both and clamps the result to the query's source prefix.
//!
//! # Latency model
//!
//! Latency rules pick the region with the lowest round-trip time from the client. For each
//! region the engine asks the [`LatencyOracle`](policy::LatencyOracle) for a **measurement**;
//! here that is a [`LatencyTable`] (CSV `client,region,rtt_ms`), consulted through a
//! per-query [`ClientLatency`]: the most specific table network containing the client address
//! that has a value for the region, else the value for the client's country. When there is
//! none, the engine **estimates** the latency from the great-circle distance between the
//! client's coordinates and the region's with [`policy::estimate_rtt_ms`]
//! (5 ms + distance / 66.7 km per ms), which is on the same scale as a measured RTT so the two
//! can be mixed.

#![deny(missing_docs)]

mod db;
mod latency;
mod locator;
mod net;
mod record;
mod trie;

pub use db::{DatabaseInfo, GeoDb, GeoError, GeoErrorKind, Schema};
pub use latency::{ClientLatency, LatencyTable};
pub use locator::Locator;
