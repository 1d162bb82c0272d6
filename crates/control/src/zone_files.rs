//! Zone operations beyond Route 53's API, for the command line: replacing all records of a
//! zone from a zone file (creating the zone if needed), and deleting a zone with its records.
//!
//! An import gets the checks a change batch gets, applied to the zone as the file leaves it:
//! every record set is checked like a change (name in the zone, a supported type, TTL, value
//! form, at most 400 values), records of one set share one TTL, a CNAME stands alone at its
//! name and holds one value, the zone has exactly one SOA (at its apex) and NS records at its
//! apex, and a new zone counts against the hosted zone limit. Clashes with the zone's policy
//! records are checked in the store's transaction. Nothing is written unless all pass.

use std::collections::HashMap;

use crate::zones::{Integrity, RecordSet, SetShape, Zone, zone_integrity};
use crate::{Code, Error, Result, Service, from_store};

/// A record of a zone file: owner, type, TTL and value in presentation form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFileRecord {
    /// Owner name, absolute.
    pub name: String,
    /// Type mnemonic.
    pub rtype: String,
    /// TTL in seconds.
    pub ttl: u32,
    /// The value (RDATA) as a zone file writes it.
    pub value: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneImport {
    /// The zone after the import.
    pub zone: Zone,
    /// Whether the import created it.
    pub created: bool,
    /// How many records it holds now.
    pub records: usize,
}

/// At most this many problems are listed; the count of the rest follows.
const MAX_LISTED: usize = 100;

fn code(e: store::StoreError) -> Error {
    match e {
        store::StoreError::Invalid(m) | store::StoreError::AlreadyExists(m) => {
            Error::new(Code::InvalidChangeBatch, m)
        }
        other => from_store(other, Code::NoSuchHostedZone, Code::HostedZoneAlreadyExists),
    }
}

impl Service {
    /// Replaces every record of the zone `name` with `records` in one transaction, creating
    /// the zone (within the hosted zone limit) if it does not exist. Refused with
    /// `InvalidChangeBatch` listing each problem (see the module docs), and nothing changes.
    pub async fn import_zone(
        &self,
        name: &str,
        records: Vec<ZoneFileRecord>,
    ) -> Result<ZoneImport> {
        let name = store::normalize_name(name)
            .map_err(|e| Error::new(Code::InvalidDomainName, format!("zone name: {e}")))?;
        if name == "." {
            return Err(Error::new(
                Code::InvalidDomainName,
                "zone name: the root zone cannot be hosted",
            ));
        }
        let existing = match self.store.zone_by_name(&name).await {
            Ok(z) => Some(Zone::from(z)),
            Err(store::StoreError::NotFound { .. }) => None,
            Err(e) => return Err(code(e)),
        };
        let rows = check_zone_file(self, &name, existing.as_ref(), &records)?;
        if existing.is_none() {
            let count = self.count_zones().await?;
            if count >= self.limits.hosted_zones {
                return Err(Error::new(
                    Code::TooManyHostedZones,
                    format!(
                        "the account limit of {} hosted zones is reached: {name} is not created",
                        self.limits.hosted_zones
                    ),
                ));
            }
        }
        let total = rows.len();
        let (zone, created) = self.store.replace_zone_records(&name, rows).await.map_err(code)?;
        crate::audit::changed(
            if created { "zone created" } else { "zone records changed" },
            &[("zone", &zone.id), ("name", &zone.name), ("records", &total)],
        );
        Ok(ZoneImport { zone: zone.into(), created, records: total })
    }

    /// Deletes a zone with all its records; refused with `HostedZoneNotEmpty` while it has
    /// policy records.
    pub async fn delete_zone_with_records(&self, id: &str) -> Result<()> {
        self.store.delete_zone(id).await.map_err(|e| match e {
            store::StoreError::InUse(m) => Error::new(Code::HostedZoneNotEmpty, m),
            other => from_store(other, Code::NoSuchHostedZone, Code::HostedZoneAlreadyExists),
        })?;
        crate::audit::changed("zone deleted", &[("zone", &id)]);
        Ok(())
    }
}

/// Checks the records a zone will hold; the rows to store, in the order given.
fn check_zone_file(
    service: &Service,
    name: &str,
    existing: Option<&Zone>,
    records: &[ZoneFileRecord],
) -> Result<Vec<store::NewRecord>> {
    let origin = hickory_proto::rr::Name::from_ascii(name)
        .map_err(|e| Error::new(Code::InvalidDomainName, format!("zone name: {e}")))?;
    let zone = existing.cloned().unwrap_or_else(|| Zone {
        id: String::new(),
        name: name.to_owned(),
        comment: String::new(),
        caller_reference: None,
        created_at: String::new(),
        serial: 0,
        record_count: 0,
        soa_serial: None,
    });
    let total = records.len();
    let at = |i: usize, r: &ZoneFileRecord| {
        format!("record {} of {total} ({} {})", i + 1, r.name, r.rtype)
    };
    let mut problems = Vec::new();
    // Record sets by (name, type), in the order first seen; each with its first record.
    let mut sets: Vec<(usize, RecordSet)> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let owner = store::normalize_name(&r.name).unwrap_or_else(|_| r.name.clone());
        let rtype = r.rtype.trim().to_ascii_uppercase();
        match index.get(&(owner.clone(), rtype.clone())) {
            Some(&k) => {
                let (first, set) = &mut sets[k];
                if set.ttl != Some(i64::from(r.ttl)) {
                    problems.push(format!(
                        "{}: TTL {} differs from the TTL {} of record {} in the same record \
                         set; the records of a set share one TTL",
                        at(i, r),
                        r.ttl,
                        set.ttl.unwrap_or_default(),
                        *first + 1
                    ));
                }
                set.values.push(r.value.clone());
            }
            None => {
                index.insert((owner.clone(), rtype.clone()), sets.len());
                sets.push((
                    i,
                    RecordSet {
                        name: owner,
                        rtype,
                        ttl: Some(i64::from(r.ttl)),
                        values: vec![r.value.clone()],
                        ..RecordSet::default()
                    },
                ));
            }
        }
    }
    let mut types_at: HashMap<&str, Vec<&str>> = HashMap::new();
    for (first, set) in &sets {
        let r = &records[*first];
        if let Err(m) = service.check_set(&origin, &zone, set.clone()) {
            problems.push(format!("{}: {m}", at(*first, r)));
            continue;
        }
        types_at.entry(&set.name).or_default().push(&set.rtype);
        if set.rtype == "CNAME" && set.values.len() > 1 {
            problems.push(format!(
                "{}: a CNAME record set holds one value, not {}: a name is an alias of one name",
                at(*first, r),
                set.values.len()
            ));
        }
    }
    // The rules a change batch gets (see `crate::zones::zone_integrity`), on the zone as the
    // file leaves it; a problem brought about by a record set names its first record.
    let shapes = sets.iter().map(|(_, set)| SetShape {
        name: &set.name,
        rtype: &set.rtype,
        routed: false,
        values: set.values.len(),
    });
    for p in zone_integrity(name, shapes) {
        let first = match &p {
            Integrity::ApexSoaValues(_) => index.get(&(name.to_owned(), "SOA".to_owned())),
            Integrity::SoaBelowApex(owner) => index.get(&(owner.clone(), "SOA".to_owned())),
            _ => None,
        };
        match first {
            Some(&k) => {
                let i = sets[k].0;
                problems.push(format!("{}: {}", at(i, &records[i]), p.message(name)));
            }
            None => problems.push(p.message(name)),
        }
    }
    for (owner, types) in &types_at {
        if types.contains(&"CNAME") && types.len() > 1 {
            let others: Vec<&str> = types.iter().copied().filter(|t| *t != "CNAME").collect();
            problems.push(format!(
                "{owner}: a CNAME record and other data ({}): a CNAME must be the only record at \
                 its name",
                others.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(MAX_LISTED);
        problems.truncate(MAX_LISTED);
        if more > 0 {
            problems.push(format!("... and {more} more"));
        }
        return Err(Error::new(
            Code::InvalidChangeBatch,
            format!("nothing was imported\n{}", problems.join("\n")),
        ));
    }
    Ok(records
        .iter()
        .map(|r| {
            store::NewRecord::new(
                store::normalize_name(&r.name).unwrap_or_else(|_| r.name.clone()),
                r.rtype.trim().to_ascii_uppercase(),
                r.ttl,
                r.value.clone(),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, rtype: &str, ttl: u32, value: &str) -> ZoneFileRecord {
        ZoneFileRecord { name: name.into(), rtype: rtype.into(), ttl, value: value.into() }
    }

    fn base() -> Vec<ZoneFileRecord> {
        vec![
            record(
                "example.com.",
                "SOA",
                300,
                "ns1.example.com. h.example.com. 1 7200 900 1209600 60",
            ),
            record("example.com.", "NS", 300, "ns1.example.com."),
            record("ns1.example.com.", "A", 300, "192.0.2.53"),
        ]
    }

    async fn service(limits: crate::Limits) -> Service {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let url = format!(
            "sqlite:file:control-import-{}-{}?mode=memory&cache=shared",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let store = store::Store::open_url(&url).await.unwrap();
        let catalog = std::sync::Arc::new(policy::codes::Catalog::builtin());
        Service::new(store, catalog, Default::default(), None).with_limits(limits)
    }

    #[tokio::test]
    async fn imports_replace_and_refuse_with_every_problem() {
        let s = service(crate::Limits::default()).await;
        let done = s.import_zone("Example.com", base()).await.unwrap();
        assert!(done.created);
        assert_eq!((done.zone.name.as_str(), done.records), ("example.com.", 3));

        let mut bad = base();
        bad.push(record("www.example.org.", "A", 300, "192.0.2.1"));
        bad.push(record("app.example.com.", "A", 300, "192.0.2.300"));
        bad.push(record("old.example.com.", "HINFO", 300, "\"pc\" \"linux\""));
        bad.push(record("alias.example.com.", "CNAME", 300, "www.example.com."));
        bad.push(record("alias.example.com.", "TXT", 300, "\"x\""));
        bad.push(record("ns1.example.com.", "A", 60, "192.0.2.54"));
        let e = s.import_zone("example.com.", bad).await.unwrap_err();
        assert_eq!(e.code, Code::InvalidChangeBatch);
        for part in [
            "record 4 of 9 (www.example.org. A): Name: www.example.org. is not in the zone",
            "record 5 of 9 (app.example.com. A): ResourceRecords/ResourceRecord[1]/Value",
            "record 6 of 9 (old.example.com. HINFO): Type: \"HINFO\" is not supported",
            "alias.example.com.: a CNAME record and other data (TXT)",
            "record 9 of 9 (ns1.example.com. A): TTL 60 differs from the TTL 300 of record 3",
        ] {
            assert!(e.message.contains(part), "{part}: {}", e.message);
        }
        let no_soa: Vec<ZoneFileRecord> = base().into_iter().skip(1).collect();
        let e = s.import_zone("example.com.", no_soa).await.unwrap_err();
        assert!(e.message.contains("would have no SOA record"), "{}", e.message);
        // Nothing changed.
        let zone = s.store.zone_by_name("example.com.").await.unwrap();
        assert_eq!(s.store.zone_records(&zone.id).await.unwrap().len(), 3);

        let mut more = base();
        more.push(record("www.example.com.", "A", 300, "192.0.2.80"));
        let done = s.import_zone("example.com.", more).await.unwrap();
        assert!(!done.created);
        assert_eq!(done.records, 4);
        s.delete_zone_with_records(&done.zone.id).await.unwrap();
        assert_eq!(s.count_zones().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_new_zone_counts_against_the_limit() {
        let s = service(crate::Limits { hosted_zones: 1, ..crate::Limits::default() }).await;
        s.import_zone("example.com.", base()).await.unwrap();
        // Replacing the records of an existing zone creates nothing.
        s.import_zone("example.com.", base()).await.unwrap();
        let other: Vec<ZoneFileRecord> = base()
            .into_iter()
            .map(|r| ZoneFileRecord {
                name: r.name.replace("example.com.", "example.net."),
                value: r.value.replace("example.com.", "example.net."),
                ..r
            })
            .collect();
        let e = s.import_zone("example.net.", other).await.unwrap_err();
        assert_eq!(e.code, Code::TooManyHostedZones);
        assert_eq!(s.count_zones().await.unwrap(), 1);
    }
}
