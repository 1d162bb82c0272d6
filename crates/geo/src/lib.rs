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
//! - **GeoIP2 / GeoLite2 City or Country** (nested): `country.iso_code`,
//!   `continent.code`, `registered_country.iso_code`, `subdivisions[0].iso_code`,
//!   `location.latitude` / `longitude` (doubles). Country databases simply have no
//!   coordinates.
//! - **Flat, DB-IP style** (the DB-IP "lite" city files as packaged by ip-location-db):
//!   `country_code`, `state1` (a subdivision *name*, such as "California" or "England"),
//!   `latitude` / `longitude` stored as 32-bit floats, and `continent_code` where a flat
//!   database has one (DB-IP's do not). These come as one IPv4 file and one IPv6 file; add
//!   both.
//!
//! # Every level an entry knows
//!
//! A database entry may name a subdivision, a country, only a continent, or nothing; the
//! engine matches the most specific geolocation location the client's location supports
//! (subdivision, then country, then continent, then the default). What is kept, in Route 53's
//! terms:
//!
//! - the **country**, if Route 53 lists it. A code it does not list (DB-IP's `ZZ`, the old
//!   `EU` and `AP`, the unsupported `CX`) is no country: such a client matches continent and
//!   default locations only, like one whose entry has no country.
//! - the **continent**: with a country, always the one Route 53 puts the country in
//!   ([`policy::codes::continent_of`]), never the database's (Route 53 puts Turkey in Europe,
//!   where at least one database says Asia). Without a country, the database's own continent
//!   code, if it is one of Route 53's seven: MaxMind has entries with only a continent (for
//!   example networks used across Europe), and a continent-only client matches continent and
//!   default locations.
//! - a GeoIP2 entry with neither a country nor a continent but a `registered_country` (where
//!   the network is registered) is placed in that country. A registration says less about
//!   where the client is than a located continent, so it comes last.
//! - the **subdivision**, if Route 53 lists it for the country: US states and Ukrainian
//!   oblasts. GeoIP2 gives ISO 3166-2 codes, which are Route 53's except for Crimea (ISO `43`,
//!   Route 53 `11`) and Sevastopol (ISO `40`, Route 53 `20`), which are translated; a flat
//!   database's US state name is translated with Route 53's table. Anything else (`ENG` in
//!   GB, a US code that is no state, Ukrainian oblast names) is dropped: no location could
//!   match it. A US entry without a state matches `US`, then `NA`, then the default.
//! - the **coordinates** feed geoproximity and estimated latency.
//!
//! Databases are consulted in the order they were added, and the first whose record names a
//! country wins; without one, the first record with a continent, else the first with
//! coordinates. An IPv6 address is looked up only in IPv6 databases; an IPv4 address in all
//! databases (IPv6-shaped databases such as GeoIP2 hold IPv4 space too). An IPv4-mapped IPv6
//! address (`::ffff:a.b.c.d`) is treated as its IPv4 address everywhere in this crate, since
//! flat IPv6 databases hold no mapped space. The ECS scope (below) is the same whatever level
//! the entry knows: the prefix of the network the lookup ended in.
//!
//! # Lookup structure and costs
//!
//! [`GeoDb::add`] does the decoding once, so that a lookup is a few array reads and never
//! allocates (a test counts allocations):
//!
//! 1. `maxminddb` checks the metadata and the layout of the file, and the schema is recognised
//!    from the first records.
//! 2. The search tree is walked once, iteratively, and rebuilt per address family as a
//!    *poptrie* (Asai and Ohara, SIGCOMM 2015): a direct table indexed by the first 16 address
//!    bits (20 for trees of a million nodes or more), then nodes of 64 slots that each consume
//!    6 bits, where two bitmaps and a population count replace a pointer per slot. An IPv4
//!    lookup reads the direct table and at most 3 nodes (2 with 20 direct bits) instead of up
//!    to 32 tree nodes scattered over the file. An IPv6 database's IPv4 trie is its `::/96`
//!    subtree; its IPv6 trie stops wherever it meets that subtree (GeoIP2 aliases it at
//!    `::ffff:0:0/96` and at 6to4's `2002::/16`) and the lookup continues in the IPv4 trie, so
//!    the IPv4 networks are held once.
//! 3. Each distinct data record the tree reaches is read once by a small data-section reader
//!    of this crate (it picks out the few fields above and skips the rest by size, where
//!    `maxminddb`'s general decoder spent most of its time on names in many languages) and
//!    translated into Route 53's terms: country, continent, subdivision code, coordinates.
//!    Records that give the same location share one 32-byte entry, and Route 53's tables are
//!    re-indexed for constant-time lookups while doing this. A trie leaf is an entry number
//!    and the prefix length of the tree network it comes from, so ECS scopes are exactly
//!    those of the tree.
//!
//! The bytes of the file are not kept. Nothing in them is trusted: reads are bounds-checked;
//! a record that cannot be decoded does not fail [`GeoDb::add`] but every lookup that reaches
//! it ("not found" for [`GeoDb::locate`], an error for [`GeoDb::try_locate`]); and the walk
//! visits at most a few times as many nodes as the tree has, so records that form cycles give
//! a [`GeoErrorKind::Corrupt`] error instead of an endless walk.
//!
//! Costs, on a small shared virtual machine (2 vCPUs, AMD EPYC; release build): with the
//! tables in cache a lookup in the GeoIP2 City test database takes about 25 ns for IPv4 and
//! 45 ns for IPv6 (walking the file's tree and decoding the record per lookup took 400-550 ns).
//! The DB-IP lite city files (63 MB IPv4, 71 MB IPv6) take 0.6-0.9 s each to add and 60 +
//! 72 MB of tables instead of the files' 134 MB (the process's resident size after adding both
//! is about 160 MB; building the IPv6 table while the IPv4 one is loaded peaks at about
//! 225 MB). In tables that large a lookup of a random address misses the CPU caches at most
//! steps: about 200 ns for IPv4 (0.7-1.1 µs walking the file's tree) and 500-700 ns for IPv6,
//! whose networks lie deeper (1.3-2 µs).
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
mod index;
mod latency;
mod locator;
mod net;
mod record;
mod trie;

pub use db::{DatabaseInfo, GeoDb, GeoError, GeoErrorKind, Schema};
pub use latency::{ClientLatency, LatencyTable};
pub use locator::Locator;
