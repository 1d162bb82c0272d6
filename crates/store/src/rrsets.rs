//! Record sets: atomic change batches (Route 53 `ChangeResourceRecordSets`).
//!
//! A record set is every record of a zone with one name, type and set identifier. A batch of
//! CREATE, DELETE and UPSERT actions is applied in one transaction: if any action is refused,
//! nothing changes and every refusal is reported, each naming its change by position.

use crate::model::RecordRow;
use crate::names::{check_text, check_ttl, is_in_zone, normalize_name, normalize_rtype};

/// What a change does to its record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RrsetAction {
    /// Adds the record set; refused if it exists.
    Create,
    /// Removes the record set; refused unless it exists with exactly these values.
    Delete,
    /// Creates the record set or replaces it.
    Upsert,
}

/// One record set as a change batch carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rrset {
    /// Owner name (normalised by the store).
    pub name: String,
    /// Record type (normalised by the store).
    pub rtype: String,
    /// Set identifier of a routed record set.
    pub set_identifier: Option<String>,
    /// TTL of every record.
    pub ttl: u32,
    /// RDATA of each record, in presentation format.
    pub values: Vec<String>,
    /// Routing and alias settings as the caller encodes them (kept verbatim).
    pub routing: Option<String>,
}

/// One action of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrsetChange {
    /// The action.
    pub action: RrsetAction,
    /// The record set it applies to.
    pub rrset: Rrset,
}

pub(crate) fn describe(r: &Rrset) -> String {
    match &r.set_identifier {
        Some(id) => format!("[name='{}', type='{}', set-identifier='{id}']", r.name, r.rtype),
        None => format!("[name='{}', type='{}']", r.name, r.rtype),
    }
}

/// Groups rows (in ordinal order) into record sets.
pub fn group(rows: Vec<RecordRow>) -> Vec<Rrset> {
    let mut out: Vec<Rrset> = Vec::new();
    let mut index: std::collections::HashMap<(String, String, Option<String>), usize> =
        std::collections::HashMap::new();
    for r in rows {
        let key = (r.name.clone(), r.rtype.clone(), r.set_identifier.clone());
        match index.get(&key) {
            Some(&i) => out[i].values.push(r.rdata),
            None => {
                index.insert(key, out.len());
                out.push(Rrset {
                    name: r.name,
                    rtype: r.rtype,
                    set_identifier: r.set_identifier,
                    ttl: r.ttl,
                    values: vec![r.rdata],
                    routing: r.routing,
                });
            }
        }
    }
    out
}

pub(crate) fn normalise(r: Rrset, zone: &str) -> std::result::Result<Rrset, String> {
    let name = normalize_name(&r.name).map_err(|e| e.to_string())?;
    if !is_in_zone(&name, zone) {
        return Err(format!("{name} is not in the zone {zone}"));
    }
    let rtype = normalize_rtype(&r.rtype).map_err(|e| e.to_string())?;
    check_ttl(r.ttl, &format!("{name} {rtype}")).map_err(|e| e.to_string())?;
    if let Some(id) = &r.set_identifier {
        check_text(id, "SetIdentifier", 128, true).map_err(|e| e.to_string())?;
    }
    Ok(Rrset { name, rtype, ..r })
}

/// What a batch's check sees of its zone, read inside the batch's transaction after its
/// changes: every record set with routing, a health check or an alias (a `routing` value or a
/// set identifier), the simple record sets at the names the batch changed and at the names
/// those routed sets' values name (alias targets among them), the zone's policy records, and
/// what the zone's integrity rules need: the SOA and NS record sets at its apex and the names
/// below the apex that hold an SOA record.
#[derive(Debug, Clone, Default)]
pub struct BatchView {
    /// Record sets with routing settings.
    pub routed: Vec<Rrset>,
    /// Simple record sets at the names the batch changed or routed sets' values name.
    pub simple: Vec<Rrset>,
    /// The zone's policy records: (name, record type).
    pub policy_records: Vec<(String, String)>,
    /// Every CIDR collection with its blocks, when a routed record set names one.
    pub cidr: Vec<crate::CidrCollectionBlocks>,
    /// The zone's name (absolute, lower case).
    pub apex: String,
    /// Every SOA record set at the apex (routed ones included).
    pub apex_soa: Vec<Rrset>,
    /// Every NS record set at the apex (routed ones included).
    pub apex_ns: Vec<Rrset>,
    /// The names below the apex that hold an SOA record, sorted, each once.
    pub soa_below_apex: Vec<String>,
}

pub(crate) fn same_values(a: &Rrset, b: &Rrset) -> bool {
    let mut x: Vec<&str> = a.values.iter().map(|v| v.trim()).collect();
    let mut y: Vec<&str> = b.values.iter().map(|v| v.trim()).collect();
    x.sort_unstable();
    y.sort_unstable();
    x.iter().map(|v| v.to_ascii_lowercase()).eq(y.iter().map(|v| v.to_ascii_lowercase()))
}
