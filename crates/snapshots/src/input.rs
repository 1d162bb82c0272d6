//! Store rows to the routing compiler's typed input ([`zone::routing::ZoneRouting`]), for the
//! snapshot builder and for the write path's check alike, so both compile the same values.

use std::collections::HashSet;

use hickory_proto::rr::{Name, RData, RecordType};
use zone::routing::{CidrLocations, Key, Routing, SetSpec, ZoneRouting};

/// One record set as the store keeps it.
#[derive(Debug, Clone, Copy)]
pub struct SetRow<'a> {
    /// Lower-case absolute owner name.
    pub name: &'a str,
    /// Type mnemonic.
    pub rtype: &'a str,
    /// Set identifier, for routed sets.
    pub set_identifier: Option<&'a str>,
    /// TTL.
    pub ttl: u32,
    /// Routing settings as stored (JSON text).
    pub routing: Option<&'a str>,
}

impl<'a> From<&'a store::Rrset> for SetRow<'a> {
    fn from(r: &'a store::Rrset) -> SetRow<'a> {
        SetRow {
            name: &r.name,
            rtype: &r.rtype,
            set_identifier: r.set_identifier.as_deref(),
            ttl: r.ttl,
            routing: r.routing.as_deref(),
        }
    }
}

/// A stored CIDR collection as the compiler reads it: its id and each location's blocks.
/// A block that does not read back (the store keeps them canonical) is logged and left out.
pub fn cidr_locations(c: &store::CidrCollectionBlocks) -> (String, CidrLocations) {
    let mut locations = CidrLocations::new();
    for b in &c.blocks {
        match store::Cidr::parse(&b.cidr) {
            Ok(cidr) => locations
                .entry(b.location.clone())
                .or_default()
                .push(policy::graph::CidrBlock { addr: cidr.addr, len: cidr.prefix }),
            Err(e) => {
                tracing::error!(collection = %c.collection.id, block = %b.cidr, error = %e, "CIDR block skipped")
            }
        }
    }
    (c.collection.id.clone(), locations)
}

/// A record set's routing settings as stored. Stored text that does not read back is an error
/// (it was written by a broken or newer flowdns), never a set without routing.
pub fn read_routing(text: Option<&str>) -> Result<Routing, String> {
    match text {
        None => Ok(Routing::default()),
        Some(t) => serde_json::from_str(t)
            .map_err(|e| format!("the stored routing settings do not read back ({e}): {t}")),
    }
}

/// The key of a group: lower-case absolute name and type.
pub fn key(name: &str, rtype: &str) -> Result<Key, String> {
    let mut n = Name::from_ascii(name).map_err(|e| format!("name {name:?}: {e}"))?.to_lowercase();
    n.set_fqdn(true);
    let t: RecordType =
        rtype.parse().map_err(|_| format!("type {rtype:?} is not a record type"))?;
    Ok((n, t))
}

/// Collects routed record sets into a [`ZoneRouting`], parsing each set's records; `values`
/// gives each set's values in presentation form. Problems are returned per group: a group
/// with one bad set is left out whole, so that nothing is served half-routed.
#[derive(Default)]
pub struct InputBuilder {
    /// The compiler's input so far.
    pub zone: ZoneRouting,
    /// Groups that cannot be compiled, with why.
    pub errors: Vec<(Key, String)>,
    broken: HashSet<Key>,
}

impl InputBuilder {
    /// Adds one record set with routing, a health check or an alias target.
    pub fn routed<'v>(
        &mut self,
        origin: &Name,
        row: SetRow<'_>,
        values: impl IntoIterator<Item = &'v str>,
    ) {
        let key = match key(row.name, row.rtype) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(name = row.name, rtype = row.rtype, error = %e, "record set skipped");
                return;
            }
        };
        if self.broken.contains(&key) {
            return;
        }
        match set_spec(origin, row, values) {
            Ok(set) => self.zone.groups.entry(key).or_default().push(set),
            Err(e) => {
                let id = row.set_identifier.map(|s| format!(" (set {s:?})")).unwrap_or_default();
                self.zone.groups.remove(&key);
                self.broken.insert(key.clone());
                self.errors.push((key, format!("{}{id}: {e}", row.name)));
            }
        }
    }

    /// Adds a simple record set that an alias may target.
    pub fn simple(&mut self, key: Key, ttl: u32, records: Vec<RData>) {
        self.zone.simple.insert(key, (ttl, records));
    }

    /// Sets the CIDR collections.
    pub fn cidr(&mut self, collections: impl IntoIterator<Item = (String, CidrLocations)>) {
        self.zone.cidr.extend(collections);
    }

    /// The names and types routed sets alias to, which [`InputBuilder::simple`] should be
    /// given when they hold simple record sets.
    pub fn alias_targets(&self) -> HashSet<Key> {
        let mut out = HashSet::new();
        for ((_, t), sets) in &self.zone.groups {
            for s in sets {
                if let Some(a) = &s.routing.alias_target
                    && let Ok(k) = key(&a.dns_name, &zone::master::type_text(*t))
                {
                    out.insert(k);
                }
            }
        }
        out
    }
}

fn set_spec<'v>(
    origin: &Name,
    row: SetRow<'_>,
    values: impl IntoIterator<Item = &'v str>,
) -> Result<SetSpec, String> {
    let routing = read_routing(row.routing)?;
    let records = if routing.alias_target.is_some() {
        // The store keeps an alias's normalised target as its one value.
        Vec::new()
    } else {
        let mut records = Vec::new();
        for v in values {
            let r = zone::master::parse_rdata(origin, row.name, row.rtype, row.ttl, v)
                .map_err(|e| format!("value {v:?}: {e}"))?;
            records.push(r.data);
        }
        records
    };
    Ok(SetSpec {
        set_identifier: row.set_identifier.map(str::to_owned),
        ttl: row.ttl,
        records,
        routing,
    })
}
