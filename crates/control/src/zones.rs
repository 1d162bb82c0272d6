//! Hosted zones, record sets (atomic change batches) and changes.

use store::{Rrset, RrsetChange};

use crate::page::{Page, max_items, page};
use crate::{Code, Error, Result, Service, check_len, from_store};

fn code(e: store::StoreError) -> Error {
    from_store(e, Code::NoSuchHostedZone, Code::HostedZoneAlreadyExists)
}

/// A hosted zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Zone id: a UUID v4 in its 32-hex-digit simple form.
    pub id: String,
    /// Lower-case absolute name with its trailing dot, e.g. `example.com.`.
    pub name: String,
    /// Free text, at most 256 characters (Route 53 `HostedZoneConfig.Comment`).
    pub comment: String,
    /// The caller's idempotency token given at creation (Route 53 `CallerReference`).
    pub caller_reference: Option<String>,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Change serial of the last write that changed what the zone serves.
    pub serial: i64,
    /// Number of records (rows, not record sets) in the zone.
    pub record_count: i64,
    /// The SOA serial DNS serves for the zone; `None` until a write moves it on.
    pub soa_serial: Option<u32>,
}

impl From<store::Zone> for Zone {
    fn from(z: store::Zone) -> Zone {
        Zone {
            id: z.id,
            name: z.name,
            comment: z.comment,
            caller_reference: z.caller_reference,
            created_at: z.created_at,
            serial: z.serial,
            record_count: z.record_count,
            soa_serial: z.soa_serial,
        }
    }
}

/// A hosted zone as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZone {
    /// The zone.
    pub zone: Zone,
    /// Its name servers (the delegation set).
    pub name_servers: Vec<String>,
}

/// A submitted change and whether DNS serves it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    /// `C` followed by the change-log serial.
    pub id: String,
    /// `PENDING` until every live DNS node serves the change, then `INSYNC`
    /// ([`Service::in_sync`]).
    pub status: &'static str,
    /// When it was committed (RFC 3339).
    pub submitted_at: String,
    /// The batch comment, if any.
    pub comment: Option<String>,
}

pub use zone::routing::{AliasTarget, CidrRoutingConfig, GeoLocation, GeoProximity, Routing};

/// A record set as the APIs carry it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordSet {
    /// Owner name.
    pub name: String,
    /// Record type.
    pub rtype: String,
    /// Set identifier (routed record sets).
    pub set_identifier: Option<String>,
    /// TTL (absent for aliases).
    pub ttl: Option<i64>,
    /// Values in presentation format.
    pub values: Vec<String>,
    /// Routing, health check and alias settings.
    pub routing: Routing,
    /// For the root record of a policy record: its id.
    pub traffic_policy_instance_id: Option<String>,
}

/// What a change does to its record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// Adds the record set; refused if it exists.
    Create,
    /// Removes the record set; refused unless it exists with exactly these values.
    Delete,
    /// Creates the record set or replaces it.
    Upsert,
}

impl From<ChangeAction> for store::RrsetAction {
    fn from(a: ChangeAction) -> store::RrsetAction {
        match a {
            ChangeAction::Create => store::RrsetAction::Create,
            ChangeAction::Delete => store::RrsetAction::Delete,
            ChangeAction::Upsert => store::RrsetAction::Upsert,
        }
    }
}

/// Reads a change action (`CREATE`, `DELETE` or `UPSERT`); the error names `field`.
pub fn parse_action(field: &str, text: &str) -> Result<ChangeAction> {
    match text {
        "CREATE" => Ok(ChangeAction::Create),
        "DELETE" => Ok(ChangeAction::Delete),
        "UPSERT" => Ok(ChangeAction::Upsert),
        other => Err(Error::invalid(field, format!("{other:?}; CREATE, DELETE or UPSERT"))),
    }
}

/// An action on a record set.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// CREATE, DELETE or UPSERT.
    pub action: ChangeAction,
    /// The record set.
    pub set: RecordSet,
}

/// Record types a record set can have.
const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

/// Route 53 ordering: label by label from the root, then type.
fn sort_key(name: &str) -> Vec<String> {
    let trimmed = name.trim_end_matches('.');
    let mut labels: Vec<String> = trimmed.split('.').map(str::to_owned).collect();
    labels.reverse();
    labels
}

impl Service {
    fn name_servers_for(&self, zone: &str) -> Vec<String> {
        if self.name_servers.is_empty() {
            vec![format!("ns1.{zone}"), format!("ns2.{zone}")]
        } else {
            self.name_servers
                .iter()
                .map(|n| if n.ends_with('.') { n.clone() } else { format!("{n}.") })
                .collect()
        }
    }

    async fn zone_view(&self, zone: Zone) -> Result<HostedZone> {
        let ns: Vec<String> = self
            .store
            .zone_records(&zone.id)
            .await
            .map_err(code)?
            .into_iter()
            .filter(|r| r.rtype == "NS" && r.name == zone.name)
            .map(|r| r.rdata)
            .collect();
        Ok(HostedZone { zone, name_servers: ns })
    }

    /// CreateHostedZone: the zone with an SOA and NS records at its apex.
    pub async fn create_zone(
        &self,
        name: &str,
        caller_reference: &str,
        comment: &str,
    ) -> Result<(HostedZone, ChangeInfo)> {
        check_len("CallerReference", caller_reference, 128, true)?;
        check_len("HostedZoneConfig/Comment", comment, 256, false)?;
        let name = store::normalize_name(name)
            .map_err(|e| Error::new(Code::InvalidDomainName, format!("Name: {e}")))?;
        if name == "." {
            return Err(Error::new(
                Code::InvalidDomainName,
                "Name: the root zone cannot be hosted",
            ));
        }
        let count = self.count_zones().await?;
        if count >= self.limits.hosted_zones {
            return Err(Error::new(
                Code::TooManyHostedZones,
                format!(
                    "the account limit of {} hosted zones is reached",
                    self.limits.hosted_zones
                ),
            ));
        }
        let ns = self.name_servers_for(&name);
        let mut records = vec![store::NewRecord::new(
            &name,
            "SOA",
            900,
            format!("{} hostmaster.{name} 1 7200 900 1209600 86400", ns[0]),
        )];
        for n in &ns {
            records.push(store::NewRecord::new(&name, "NS", 172_800, n));
        }
        let zone = self
            .store
            .create_zone_with_records(&name, comment, Some(caller_reference), records)
            .await
            .map_err(code)
            .map(Zone::from)?;
        crate::audit::changed("zone created", &[("zone", &zone.id), ("name", &zone.name)]);
        let change = self.change_info(zone.serial, None).await?;
        Ok((HostedZone { zone, name_servers: ns }, change))
    }

    /// The stored zone, without its name servers (cheap: no records are read).
    pub async fn zone_row(&self, id: &str) -> Result<Zone> {
        self.store.get_zone(id).await.map(Zone::from).map_err(code)
    }

    /// The zone with this name (absolute, e.g. `example.com.`), without its name servers.
    pub async fn zone_by_name(&self, name: &str) -> Result<Zone> {
        self.store.zone_by_name(name).await.map(Zone::from).map_err(code)
    }

    /// The zone's record set count as Route 53 reports it.
    pub async fn rrset_count(&self, zone_id: &str) -> Result<i64> {
        self.store.rrset_count(zone_id).await.map_err(code)
    }

    /// GetHostedZone.
    pub async fn get_zone(&self, id: &str) -> Result<HostedZone> {
        let zone = self.zone_row(id).await?;
        self.zone_view(zone).await
    }

    /// Every zone, sorted by name as Route 53 sorts (labels reversed).
    pub async fn zones_sorted(&self) -> Result<Vec<Zone>> {
        let mut zones: Vec<Zone> =
            self.store.list_zones().await.map_err(code)?.into_iter().map(Zone::from).collect();
        zones.sort_by_cached_key(|z| sort_key(&z.name));
        Ok(zones)
    }

    /// ListHostedZones: a page starting at the zone with id `marker`.
    pub async fn list_zones(&self, marker: Option<&str>, max: Option<&str>) -> Result<Page<Zone>> {
        let max = max_items(max, 100, 100)?;
        let all = self.zones_sorted().await?;
        let starts = marker.map(|m| move |z: &Zone| z.id == m);
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&Zone) -> bool), max))
    }

    /// ListHostedZonesByName: a page starting at `dns_name` (and zone id).
    pub async fn list_zones_by_name(
        &self,
        dns_name: Option<&str>,
        zone_id: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<Zone>> {
        let max = max_items(max, 100, 100)?;
        if zone_id.is_some() && dns_name.is_none() {
            return Err(Error::invalid("hostedzoneid", "can only be given together with dnsname"));
        }
        let all = self.zones_sorted().await?;
        let start = match dns_name {
            Some(n) => Some(sort_key(
                &store::normalize_name(n)
                    .map_err(|e| Error::new(Code::InvalidDomainName, format!("dnsname: {e}")))?,
            )),
            None => None,
        };
        let starts = start.map(|s| {
            move |z: &Zone| sort_key(&z.name) >= s && zone_id.is_none_or(|id| z.id.as_str() >= id)
        });
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&Zone) -> bool), max))
    }

    /// GetHostedZoneCount.
    pub async fn count_zones(&self) -> Result<u64> {
        self.store.count(store::Counted::Zones).await.map_err(code)
    }

    /// DeleteHostedZone: refused with `HostedZoneNotEmpty` while it holds anything but the
    /// SOA and NS records at its apex, or policy records.
    pub async fn delete_zone(&self, id: &str) -> Result<ChangeInfo> {
        self.store.delete_empty_zone(id).await.map_err(|e| match e {
            store::StoreError::InUse(m) => Error::new(Code::HostedZoneNotEmpty, m),
            other => code(other),
        })?;
        crate::audit::changed("zone deleted", &[("zone", &id)]);
        let serial = self.store.serial().await.map_err(code)?;
        self.change_info(serial, None).await
    }

    /// GetChange.
    pub async fn get_change(&self, id: &str) -> Result<ChangeInfo> {
        let serial = id
            .trim_start_matches("/change/")
            .strip_prefix('C')
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| Error::new(Code::NoSuchChange, format!("no change with id {id}")))?;
        self.change_info(serial, None).await
    }

    pub(crate) async fn change_info(
        &self,
        serial: i64,
        comment: Option<&str>,
    ) -> Result<ChangeInfo> {
        let change = self.store.change(serial).await.map_err(code)?.ok_or_else(|| {
            Error::new(Code::NoSuchChange, format!("no change with id C{serial}"))
        })?;
        Ok(ChangeInfo {
            id: format!("C{serial}"),
            status: if self.in_sync(serial).await? { "INSYNC" } else { "PENDING" },
            submitted_at: change.at,
            comment: comment.map(str::to_owned),
        })
    }

    /// ChangeResourceRecordSets: every change checked, then all applied in one transaction or
    /// none (`InvalidChangeBatch` listing each problem).
    pub async fn change_record_sets(
        &self,
        zone_id: &str,
        changes: Vec<Change>,
        comment: &str,
    ) -> Result<ChangeInfo> {
        check_len("ChangeBatch/Comment", comment, 256, false)?;
        let zone = self.zone_row(zone_id).await?;
        if changes.is_empty() {
            return Err(Error::new(Code::InvalidChangeBatch, "the batch has no changes"));
        }
        let values: usize = changes.iter().map(|c| c.set.values.len()).sum();
        if values > 1000 {
            return Err(Error::new(
                Code::InvalidChangeBatch,
                format!("the batch has {values} ResourceRecord elements; at most 1,000"),
            ));
        }
        let origin = hickory_proto::rr::Name::from_ascii(&zone.name)
            .map_err(|e| Error::new(Code::ServiceUnavailable, e.to_string()))?;
        for (i, c) in changes.iter().enumerate() {
            if let Some(hc) = &c.set.routing.health_check_id
                && c.action != ChangeAction::Delete
                && self.store.get_health_check(hc).await.is_err()
            {
                return Err(Error::new(
                    Code::NoSuchHealthCheck,
                    format!("change {}: HealthCheckId {hc:?} is not a health check", i + 1),
                ));
            }
        }
        let cidr_problems = self.cidr_reference_problems(&changes).await?;
        let mut problems = Vec::new();
        let mut out = Vec::with_capacity(changes.len());
        for (i, c) in changes.into_iter().enumerate() {
            match self.check_set(&origin, &zone, c.set) {
                Ok(rrset) => out.push(RrsetChange { action: c.action.into(), rrset }),
                Err(m) => problems.push(format!("change {}: {m}", i + 1)),
            }
        }
        problems.extend(cidr_problems);
        if !problems.is_empty() {
            return Err(Error::new(Code::InvalidChangeBatch, problems.join("\n")));
        }
        let touched: Vec<(String, String)> =
            out.iter().map(|c| (c.rrset.name.clone(), c.rrset.rtype.clone())).collect();
        let actions: Vec<(store::RrsetAction, String, String)> =
            out.iter().map(|c| (c.action, c.rrset.name.clone(), c.rrset.rtype.clone())).collect();
        let count = out.len();
        let catalog = self.catalog.clone();
        let zone_id_owned = zone.id.clone();
        let serial = self
            .store
            .change_record_sets_checked(zone_id, out, comment, move |view| {
                check_integrity(view, &actions)?;
                check_batch(&origin, &zone_id_owned, view, &touched, &catalog)
            })
            .await
            .map_err(|e| match e {
                store::StoreError::Invalid(m) => Error::new(Code::InvalidChangeBatch, m),
                other => code(other),
            })?;
        crate::audit::changed(
            "zone records changed",
            &[("zone", &zone.id), ("name", &zone.name), ("changes", &count), ("serial", &serial)],
        );
        self.change_info(serial, (!comment.is_empty()).then_some(comment)).await
    }

    /// Checks one record set of a batch; the message names the field at fault.
    pub(crate) fn check_set(
        &self,
        origin: &hickory_proto::rr::Name,
        zone: &Zone,
        set: RecordSet,
    ) -> std::result::Result<Rrset, String> {
        let name = store::normalize_name(&set.name).map_err(|e| format!("Name: {e}"))?;
        if !store::is_in_zone(&name, &zone.name) {
            return Err(format!("Name: {name} is not in the zone {}", zone.name));
        }
        let rtype = set.rtype.trim().to_ascii_uppercase();
        if !TYPES.contains(&rtype.as_str()) {
            return Err(format!("Type: {rtype:?} is not supported; one of {}", TYPES.join(", ")));
        }
        let r = &set.routing;
        if let Some(policy) = r.policy()
            && set.set_identifier.is_none()
        {
            return Err(format!("SetIdentifier is required with {policy} routing"));
        }
        if set.set_identifier.is_some() && r.policy().is_none() {
            return Err("SetIdentifier is only allowed with a routing policy (Weight, Region, \
                        GeoLocation, Failover, MultiValueAnswer, GeoProximityLocation or \
                        CidrRoutingConfig)"
                .into());
        }
        if let Some(c) = &r.cidr_routing_config {
            crate::cidr::check_routing_config(&rtype, r, c)?;
        }
        if let Some(w) = r.weight
            && !(0..=255).contains(&w)
        {
            return Err(format!("Weight: {w} is out of range 0 to 255"));
        }
        if let Some(f) = &r.failover
            && f != "PRIMARY"
            && f != "SECONDARY"
        {
            return Err(format!("Failover: {f:?}; PRIMARY or SECONDARY"));
        }
        if let Some(region) = &r.region
            && self.catalog.latency_region(region).is_none()
        {
            return Err(format!("Region: {region:?} is not a known region"));
        }
        if let Some(g) = &r.geo_location {
            check_geo(g)?;
        }
        if let Some(hc) = &r.health_check_id
            && hc.trim().is_empty()
        {
            return Err("HealthCheckId must not be empty".into());
        }
        let (ttl, values) = match &r.alias_target {
            Some(a) => {
                if set.ttl.is_some() || !set.values.is_empty() {
                    return Err("an alias record set has no TTL and no ResourceRecords".into());
                }
                if r.multi_value_answer.is_some() {
                    return Err("multivalue answer record sets cannot be aliases".into());
                }
                if rtype == "NS" || rtype == "SOA" {
                    return Err(format!(
                        "AliasTarget: a record set of type {rtype} cannot be an alias; aliases have \
                         any other type"
                    ));
                }
                let target = store::normalize_name(&a.dns_name)
                    .map_err(|e| format!("AliasTarget/DNSName: {e}"))?;
                if !store::is_in_zone(&target, &zone.name) {
                    return Err(format!(
                        "AliasTarget/DNSName: {target} is not in the zone {}: flowdns aliases \
                         point to names in the same hosted zone",
                        zone.name
                    ));
                }
                (0, vec![target])
            }
            None => {
                let ttl = set.ttl.ok_or("TTL is required (except for aliases)")?;
                let ttl = crate::instances::check_ttl(ttl).map_err(|e| e.message)?;
                if set.values.is_empty() {
                    return Err("ResourceRecords: at least one value is required".into());
                }
                if set.values.len() > 400 {
                    return Err("ResourceRecords: at most 400 values".into());
                }
                for (i, v) in set.values.iter().enumerate() {
                    zone::master::parse_rdata(origin, &name, &rtype, ttl, v).map_err(|e| {
                        format!("ResourceRecords/ResourceRecord[{}]/Value {v:?}: {e}", i + 1)
                    })?;
                }
                (ttl, set.values.clone())
            }
        };
        let routing = if r.is_empty() {
            None
        } else {
            Some(serde_json::to_string(r).map_err(|e| e.to_string())?)
        };
        Ok(Rrset { name, rtype, set_identifier: set.set_identifier, ttl, values, routing })
    }

    /// ListResourceRecordSets: record sets and policy records' root records, sorted by name
    /// (labels reversed), type and set identifier, from the start name/type/identifier.
    pub async fn list_record_sets(
        &self,
        zone_id: &str,
        start_name: Option<&str>,
        start_type: Option<&str>,
        start_identifier: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<RecordSet>> {
        let max = max_items(max, 300, 300)?;
        if start_type.is_some() && start_name.is_none() {
            return Err(Error::invalid("type", "can only be given together with name"));
        }
        self.store.get_zone(zone_id).await.map_err(code)?;
        let mut all: Vec<RecordSet> = self
            .store
            .zone_record_sets(zone_id)
            .await
            .map_err(code)?
            .into_iter()
            .map(|r| {
                let routing: Routing = r
                    .routing
                    .as_deref()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default();
                let alias = routing.alias_target.is_some();
                RecordSet {
                    name: r.name,
                    rtype: r.rtype,
                    set_identifier: r.set_identifier,
                    ttl: (!alias).then_some(i64::from(r.ttl)),
                    values: if alias { Vec::new() } else { r.values },
                    routing,
                    traffic_policy_instance_id: None,
                }
            })
            .collect();
        for pr in self.store.list_policy_records(Some(zone_id)).await.map_err(code)? {
            all.push(RecordSet {
                name: pr.name,
                rtype: pr.record_type,
                ttl: Some(i64::from(pr.ttl)),
                traffic_policy_instance_id: Some(pr.id),
                ..RecordSet::default()
            });
        }
        all.sort_by_cached_key(|r| (sort_key(&r.name), r.rtype.clone(), r.set_identifier.clone()));
        let start = match start_name {
            Some(n) => {
                Some(sort_key(&store::normalize_name(n).map_err(|e| Error::invalid("name", e))?))
            }
            None => None,
        };
        let starts = start.map(|s| {
            move |r: &RecordSet| {
                let key = sort_key(&r.name);
                key > s
                    || (key == s
                        && start_type.is_none_or(|t| r.rtype.as_str() >= t)
                        && start_identifier
                            .is_none_or(|i| r.set_identifier.as_deref().unwrap_or("") >= i))
            }
        });
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&RecordSet) -> bool), max))
    }
}

fn check_geo(g: &GeoLocation) -> std::result::Result<(), String> {
    match (&g.continent_code, &g.country_code, &g.subdivision_code) {
        (Some(c), None, None) => {
            if !policy::Continent::ALL.iter().any(|x| x.code() == c) {
                return Err(format!("GeoLocation/ContinentCode: {c:?} is not a continent code"));
            }
        }
        (None, Some(c), sub) => {
            if c != "*" && policy::codes::country(c).is_none() {
                return Err(format!("GeoLocation/CountryCode: {c:?} is not a country code"));
            }
            if let Some(s) = sub
                && policy::codes::subdivision(c, s).is_none()
            {
                return Err(format!(
                    "GeoLocation/SubdivisionCode: {s:?} is not a subdivision of {c}"
                ));
            }
        }
        _ => {
            return Err(
                "GeoLocation: give either ContinentCode, or CountryCode (with an optional \
                        SubdivisionCode)"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Checks every (name, type) a batch touched as the batch leaves the zone, inside the batch's
/// transaction: simple and routed record sets do not mix, and each group compiles through the
/// routing compiler exactly as the snapshot builder will compile it (one routing policy,
/// unique roles, regions and locations, alias targets that exist, no alias loop, chains no
/// longer than `zone::routing::MAX_ALIAS_HOPS`). One line per problem.
fn check_batch(
    origin: &hickory_proto::rr::Name,
    zone_id: &str,
    view: &store::BatchView,
    touched: &[(String, String)],
    catalog: &policy::codes::Catalog,
) -> std::result::Result<(), String> {
    use snapshots::input::{InputBuilder, SetRow, key};
    let mut problems = Vec::new();
    let mut input = InputBuilder::default();
    input.zone.zone_id = zone_id.to_owned();
    for r in &view.routed {
        input.routed(origin, SetRow::from(r), r.values.iter().map(String::as_str));
    }
    for (k, e) in &input.errors {
        problems.push(format!("[name='{}', type='{}']: {e}", k.0, zone::master::type_text(k.1)));
    }
    let mut keys = Vec::with_capacity(touched.len());
    for (name, rtype) in touched {
        let Ok(k) = key(name, rtype) else { continue };
        let routed = view
            .routed
            .iter()
            .filter(|r| r.name == *name && r.rtype == *rtype)
            .any(|r| r.set_identifier.is_some());
        let simple = view.simple.iter().any(|r| r.name == *name && r.rtype == *rtype);
        if routed && simple {
            problems.push(format!(
                "RRSet with DNS name {name}, type {rtype} cannot be created as other RRSets exist with the same name and type: a record set without SetIdentifier cannot share a name and type with routed record sets"
            ));
        }
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for r in &view.simple {
        let Ok(k) = key(&r.name, &r.rtype) else { continue };
        let mut records = Vec::with_capacity(r.values.len());
        for v in &r.values {
            if let Ok(rec) = zone::master::parse_rdata(origin, &r.name, &r.rtype, r.ttl, v) {
                records.push(rec.data);
            }
        }
        input.simple(k, r.ttl, records);
    }
    for (name, rtype) in &view.policy_records {
        if let Ok(k) = key(name, rtype) {
            input.zone.policy_records.insert(k, None);
        }
    }
    input.cidr(view.cidr.iter().map(snapshots::input::cidr_locations));
    if let Err(list) = zone::routing::check(&input.zone, catalog, &keys) {
        problems.extend(list);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// A record set as the zone integrity rules see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetShape<'a> {
    /// Owner name, normalised.
    pub name: &'a str,
    /// Record type, upper case.
    pub rtype: &'a str,
    /// Whether it has routing settings or a set identifier.
    pub routed: bool,
    /// How many values it holds.
    pub values: usize,
}

/// A way a zone breaks Route 53's integrity rules: exactly one SOA record, in one simple
/// record set at the apex; NS records at the apex; no SOA record anywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Integrity {
    /// The apex has no SOA record set.
    NoApexSoa,
    /// The apex has more than one SOA record set (routed ones).
    ApexSoaSets(usize),
    /// The apex SOA record set has routing settings or a set identifier.
    RoutedApexSoa,
    /// The apex SOA record set holds this many values (not one).
    ApexSoaValues(usize),
    /// This name below the apex holds an SOA record.
    SoaBelowApex(String),
    /// The apex has no NS record.
    NoApexNs,
}

impl Integrity {
    /// The problem in words, for the zone `apex`.
    pub(crate) fn message(&self, apex: &str) -> String {
        match self {
            Integrity::NoApexSoa => format!(
                "the zone {apex} would have no SOA record: a hosted zone must contain exactly one \
                 SOA record, at its apex; change it with UPSERT, it cannot be deleted"
            ),
            Integrity::ApexSoaSets(n) => format!(
                "the zone {apex} would have {n} SOA record sets: a hosted zone must contain \
                 exactly one SOA record, in one record set without SetIdentifier at its apex"
            ),
            Integrity::RoutedApexSoa => format!(
                "[name='{apex}', type='SOA'] has routing settings or a SetIdentifier: the SOA \
                 record set is a simple record set"
            ),
            Integrity::ApexSoaValues(n) => format!(
                "[name='{apex}', type='SOA'] has {n} values: a hosted zone must contain exactly \
                 one SOA record"
            ),
            Integrity::SoaBelowApex(name) => format!(
                "The resource record set with the name {name} and type SOA must be at the apex \
                 {apex}: an SOA record belongs only at the zone's apex"
            ),
            Integrity::NoApexNs => format!(
                "the zone {apex} would have no NS records at its apex: the apex NS record set \
                 can be changed with UPSERT, but it cannot be deleted"
            ),
        }
    }

    /// Whether a change with this action, name and type brings the problem about.
    fn caused_by(&self, apex: &str, action: store::RrsetAction, name: &str, rtype: &str) -> bool {
        let delete = action == store::RrsetAction::Delete;
        match self {
            Integrity::NoApexSoa => delete && name == apex && rtype == "SOA",
            Integrity::ApexSoaSets(_) | Integrity::RoutedApexSoa | Integrity::ApexSoaValues(_) => {
                !delete && name == apex && rtype == "SOA"
            }
            Integrity::SoaBelowApex(n) => !delete && name == n && rtype == "SOA",
            Integrity::NoApexNs => delete && name == apex && rtype == "NS",
        }
    }
}

/// The zone integrity rules, applied to the record sets of a zone with the apex `apex`
/// (sets of other types than SOA and NS are ignored, so a caller may pass only those).
pub(crate) fn zone_integrity<'a>(
    apex: &str,
    sets: impl IntoIterator<Item = SetShape<'a>>,
) -> Vec<Integrity> {
    let mut problems = Vec::new();
    let mut apex_soa: Vec<SetShape<'a>> = Vec::new();
    let mut apex_ns = false;
    for set in sets {
        match set.rtype {
            "SOA" if set.name == apex => apex_soa.push(set),
            "SOA" => {
                let below = Integrity::SoaBelowApex(set.name.to_owned());
                if !problems.contains(&below) {
                    problems.push(below);
                }
            }
            "NS" if set.name == apex && set.values > 0 => apex_ns = true,
            _ => {}
        }
    }
    match apex_soa.as_slice() {
        [] => problems.insert(0, Integrity::NoApexSoa),
        [one] if one.routed => problems.insert(0, Integrity::RoutedApexSoa),
        [one] if one.values != 1 => problems.insert(0, Integrity::ApexSoaValues(one.values)),
        [_] => {}
        many => problems.insert(0, Integrity::ApexSoaSets(many.len())),
    }
    if !apex_ns {
        problems.push(Integrity::NoApexNs);
    }
    problems
}

fn shape_of(r: &Rrset) -> SetShape<'_> {
    SetShape {
        name: &r.name,
        rtype: &r.rtype,
        routed: r.routing.is_some() || r.set_identifier.is_some(),
        values: r.values.len(),
    }
}

/// Applies the zone integrity rules to the zone as a batch leaves it; each problem names the
/// changes that bring it about by position (or the zone alone, if it was broken before).
fn check_integrity(
    view: &store::BatchView,
    actions: &[(store::RrsetAction, String, String)],
) -> std::result::Result<(), String> {
    let apex = view.apex.as_str();
    let sets = view.apex_soa.iter().chain(&view.apex_ns).map(shape_of).chain(
        view.soa_below_apex.iter().map(|n| SetShape {
            name: n,
            rtype: "SOA",
            routed: false,
            values: 1,
        }),
    );
    let problems = zone_integrity(apex, sets);
    if problems.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::new();
    for p in problems {
        let message = p.message(apex);
        let mut named = false;
        for (i, (action, name, rtype)) in actions.iter().enumerate() {
            if p.caused_by(apex, *action, name, rtype) {
                lines.push(format!("change {}: {message}", i + 1));
                named = true;
            }
        }
        if !named {
            lines.push(message);
        }
    }
    Err(lines.join("\n"))
}
