//! The store's contents turned into the DNS server's [`zone::Snapshot`]: the first full build,
//! and then incremental rebuilds of only the zones the change log names.
//!
//! Simple records are parsed into the zone; record sets with routing, health checks or alias
//! targets go through the routing compiler ([`zone::routing`]) from the typed input that
//! [`input`] builds, the same input the write path checks a change batch with; policy records
//! bind compiled traffic policy versions, cached by (policy, version) so that a rebuild
//! recompiles nothing it does not touch. After a build, [`Builder`] reports which policy
//! records are served (`Applied`) and which are not (`Failed`, with the reason), for
//! [`apply_states`] to record; [`follow`] does all of that as the change log grows.
//!
//! A zone's SOA is served with the serial the store keeps for it (`Zone::soa_serial`), which
//! every change of the zone moves on, rather than the serial its SOA record was written with.
#![deny(missing_docs)]

pub mod input;

use std::collections::HashMap;
use std::sync::Arc;

use hickory_proto::rr::{Name, Record};
use policy::codes::Catalog;
use store::{PolicyRecord, PolicyRecordState, RecordRow, Store, StoreError, Zone};
use zone::routing::{CidrLocations, Key};
use zone::{PolicyBinding, Snapshot, ZoneData};

use crate::input::{InputBuilder, SetRow};

/// What reading the store can fail with.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Turns store rows into zone data, caching compiled policies.
pub struct Builder {
    catalog: Catalog,
    /// CIDR collections by id: each location's blocks.
    cidr: HashMap<String, CidrLocations>,
    /// The zones whose record sets name each CIDR collection, as last built.
    cidr_users: HashMap<String, std::collections::HashSet<String>>,
    compiled: HashMap<(String, u32), Arc<policy::Policy>>,
    /// Zone id to origin, to drop deleted zones.
    origins: HashMap<String, Name>,
}

/// The state a policy record should be moved to after a build.
pub struct StateUpdate {
    /// The policy record id.
    pub id: String,
    /// Its new state.
    pub state: PolicyRecordState,
    /// Why it failed, or empty.
    pub message: String,
}

impl Builder {
    /// A builder that compiles with `catalog`.
    pub fn new(catalog: Catalog) -> Builder {
        Builder {
            catalog,
            cidr: HashMap::new(),
            cidr_users: HashMap::new(),
            compiled: HashMap::new(),
            origins: HashMap::new(),
        }
    }

    fn compile(
        &mut self,
        pr: &PolicyRecord,
        document: &str,
    ) -> std::result::Result<Arc<policy::Policy>, String> {
        let key = (pr.policy_id.clone(), pr.policy_version);
        if let Some(p) = self.compiled.get(&key) {
            return Ok(p.clone());
        }
        let c = policy::compile(document, &self.catalog);
        match c.policy {
            Some(p) => {
                let p = Arc::new(p);
                self.compiled.insert(key, p.clone());
                Ok(p)
            }
            None => {
                let first = c.errors().next().map(|d| d.to_string()).unwrap_or_default();
                Err(format!("the policy version no longer compiles: {first}"))
            }
        }
    }

    /// Record sets with routing, health checks or alias targets, through the routing
    /// compiler. A group that cannot be served is logged and left out; the rest of the zone
    /// is served.
    fn compile_routing(
        &mut self,
        zone: &Zone,
        origin: &Name,
        rows: &[&RecordRow],
        records: &[Record],
        policy_bindings: &[PolicyBinding],
    ) -> zone::routing::CompiledZone {
        let mut input = InputBuilder::default();
        // Rows come one record at a time; a set is the rows of one (name, type, identifier).
        for set in store::record_sets(rows.iter().map(|r| (*r).clone()).collect()) {
            input.routed(origin, SetRow::from(&set), set.values.iter().map(String::as_str));
        }
        let targets = input.alias_targets();
        if !targets.is_empty() {
            let mut simple: HashMap<Key, (u32, Vec<hickory_proto::rr::RData>)> = HashMap::new();
            for r in records {
                let mut name = r.name.to_lowercase();
                name.set_fqdn(true);
                let key = (name, r.record_type());
                if targets.contains(&key) {
                    let e = simple.entry(key).or_insert_with(|| (r.ttl, Vec::new()));
                    e.1.push(r.data.clone());
                }
            }
            for (k, (ttl, datas)) in simple {
                input.simple(k, ttl, datas);
            }
        }
        for b in policy_bindings {
            let mut name = b.name.to_lowercase();
            name.set_fqdn(true);
            input.zone.policy_records.insert((name, b.rtype), Some(b.clone()));
        }
        let used: Vec<String> = input
            .zone
            .groups
            .values()
            .flatten()
            .filter_map(|s| s.routing.cidr_routing_config.as_ref())
            .map(|c| c.collection_id.clone())
            .collect();
        for users in self.cidr_users.values_mut() {
            users.remove(&zone.id);
        }
        for id in &used {
            self.cidr_users.entry(id.clone()).or_default().insert(zone.id.clone());
        }
        input.cidr(
            self.cidr
                .iter()
                .filter(|(id, _)| used.contains(id))
                .map(|(id, l)| (id.clone(), l.clone())),
        );
        let mut compiled = zone::routing::compile_zone(&input.zone, &self.catalog);
        for (key, e) in input.errors.iter().chain(&compiled.errors) {
            tracing::error!(zone = %zone.name, group = %zone::routing::describe(key), error = %e, "record sets not served");
        }
        compiled.errors.extend(input.errors);
        compiled
    }

    /// Builds one zone. Returns `None` (and logs why) when the zone cannot be served at all.
    pub fn build_zone(
        &mut self,
        zone: &Zone,
        rows: &[RecordRow],
        policy_records: &[(PolicyRecord, String)],
        states: &mut Vec<StateUpdate>,
    ) -> Option<Arc<ZoneData>> {
        let origin = match Name::from_ascii(&zone.name) {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(zone = %zone.name, error = %e, "zone name does not parse; zone not served");
                return None;
            }
        };
        self.origins.insert(zone.id.clone(), origin.clone());
        let mut records: Vec<Record> = Vec::with_capacity(rows.len());
        let mut routed: Vec<&RecordRow> = Vec::new();
        for r in rows {
            if r.routing.is_some() || r.set_identifier.is_some() {
                routed.push(r);
                continue;
            }
            match zone::master::parse_rdata(&origin, &r.name, &r.rtype, r.ttl, &r.rdata) {
                Ok(mut rec) => {
                    // The store moves the served serial on with every change of the zone.
                    if let (Some(serial), hickory_proto::rr::RData::SOA(soa)) =
                        (zone.soa_serial, &mut rec.data)
                    {
                        soa.serial = serial;
                    }
                    records.push(rec)
                }
                Err(e) => {
                    tracing::warn!(zone = %zone.name, name = %r.name, rtype = %r.rtype, error = %e, "record skipped")
                }
            }
        }
        let mut bindings = Vec::new();
        let mut failed = Vec::new();
        for (pr, document) in policy_records {
            let binding = self.compile(pr, document).and_then(|policy| {
                let name = Name::from_ascii(&pr.name).map_err(|e| e.to_string())?;
                PolicyBinding::new(pr.id.clone(), name, pr.ttl, policy, |rtype, value| {
                    zone::master::parse_rdata(&origin, "@", &rtype.to_string(), 0, value)
                        .map(|r| r.data)
                })
            });
            match binding {
                Ok(b) => bindings.push(b),
                Err(message) => failed.push(StateUpdate {
                    id: pr.id.clone(),
                    state: PolicyRecordState::Failed,
                    message,
                }),
            }
        }
        if !routed.is_empty() {
            let compiled = self.compile_routing(zone, &origin, &routed, &records, &bindings);
            records.extend(compiled.records);
            bindings.extend(compiled.bindings);
        }
        let (data, conflicts) = match ZoneData::build(&origin, records, bindings) {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(zone = %zone.name, error = %e, "zone not served");
                return None;
            }
        };
        for c in conflicts {
            if !policy_records.iter().any(|(pr, _)| pr.id == c.id) {
                // Routed record sets and aliases have no state to record: say it here.
                tracing::error!(zone = %zone.name, group = %c.id, reason = %c.message, "record sets not served");
                continue;
            }
            failed.push(StateUpdate {
                id: c.id,
                state: PolicyRecordState::Failed,
                message: c.message,
            });
        }
        for (pr, _) in policy_records {
            match failed.iter().find(|f| f.id == pr.id) {
                Some(f) if pr.state != PolicyRecordState::Failed || pr.message != f.message => {
                    states.push(StateUpdate {
                        id: f.id.clone(),
                        state: PolicyRecordState::Failed,
                        message: f.message.clone(),
                    })
                }
                Some(_) => {}
                None if pr.state != PolicyRecordState::Applied => states.push(StateUpdate {
                    id: pr.id.clone(),
                    state: PolicyRecordState::Applied,
                    message: String::new(),
                }),
                None => {}
            }
        }
        Some(Arc::new(data))
    }

    /// A full snapshot from everything in the store.
    pub async fn build_all(&mut self, store: &Store) -> Result<(Snapshot, Vec<StateUpdate>)> {
        let contents = store.load_all().await?;
        self.cidr = contents.cidr_collections.iter().map(crate::input::cidr_locations).collect();
        let mut by_zone: HashMap<&str, Vec<(PolicyRecord, String)>> = HashMap::new();
        for (pr, doc) in &contents.policy_records {
            by_zone.entry(pr.zone_id.as_str()).or_default().push((pr.clone(), doc.clone()));
        }
        let mut states = Vec::new();
        let mut zones = Vec::new();
        for (zone, rows) in &contents.zones {
            let prs = by_zone.remove(zone.id.as_str()).unwrap_or_default();
            if let Some(z) = self.build_zone(zone, rows, &prs, &mut states) {
                zones.push(z);
            }
        }
        Ok((Snapshot::from_zones(zones, contents.serial), states))
    }

    /// Applies the changes since `current`'s serial, rebuilding only the zones they touch.
    pub async fn update(
        &mut self,
        store: &Store,
        current: &Snapshot,
    ) -> Result<Option<(Snapshot, Vec<StateUpdate>)>> {
        let changes = store.changes_since(current.serial).await?;
        let Some(last) = changes.last().map(|c| c.serial) else {
            // The store went back (a restored backup, a database failover that lost
            // commits): the serials after it may be reused by other changes, so the changes
            // since our serial cannot be trusted. Start again from the store's contents.
            let serial = store.serial().await?;
            if serial < current.serial {
                tracing::warn!(
                    store_serial = serial,
                    snapshot_serial = current.serial,
                    "the store's change serial went back; rebuilding every zone"
                );
                return self.build_all(store).await.map(Some);
            }
            return Ok(None);
        };
        let mut zone_ids: Vec<String> = Vec::new();
        // Zones whose SOA serial alone moved on (health changes): patched, not rebuilt, so
        // that their counters carry on.
        let mut serial_only: Vec<String> = Vec::new();
        for c in changes.iter().filter(|c| c.kind.affects_answers()) {
            if c.kind == store::ChangeKind::SoaSerial
                && let Some(z) = &c.zone_id
            {
                if !serial_only.contains(z) {
                    serial_only.push(z.clone());
                }
                continue;
            }
            if let Some(collection) = c.cidr_collection_id() {
                // A collection changed: reread it, and rebuild the zones that name it.
                match store.cidr_collection(collection).await {
                    Ok(blocks) => {
                        let (id, locations) = crate::input::cidr_locations(&blocks);
                        self.cidr.insert(id, locations);
                    }
                    Err(StoreError::NotFound { .. }) => {
                        self.cidr.remove(collection);
                    }
                    Err(e) => return Err(e),
                }
                for z in self.cidr_users.get(collection).into_iter().flatten() {
                    if !zone_ids.contains(z) {
                        zone_ids.push(z.clone());
                    }
                }
                continue;
            }
            match &c.zone_id {
                Some(z) => {
                    if !zone_ids.contains(z) {
                        zone_ids.push(z.clone());
                    }
                }
                // Not tied to one zone: rebuild everything, keeping compiled policies.
                None => return self.build_all(store).await.map(Some),
            }
        }
        let mut snapshot = current.clone();
        for id in serial_only {
            if zone_ids.contains(&id) {
                continue;
            }
            let zone = match store.get_zone(&id).await {
                Ok(z) => z,
                Err(StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let origin = Name::from_ascii(&zone.name).unwrap_or_default();
            match (snapshot.zone(&origin).cloned(), zone.soa_serial) {
                (Some(old), Some(serial)) => {
                    snapshot = snapshot.with_zone(Arc::new(old.with_soa_serial(serial)), last);
                }
                _ => zone_ids.push(id),
            }
        }
        let mut states = Vec::new();
        for id in zone_ids {
            match store.load_zone(&id).await {
                Ok((zone, rows, prs)) => {
                    if let Some(old) = self.origins.get(&id).cloned()
                        && old != Name::from_ascii(&zone.name).unwrap_or_default()
                    {
                        snapshot = snapshot.without_zone(&old, last);
                    }
                    match self.build_zone(&zone, &rows, &prs, &mut states) {
                        Some(z) => snapshot = snapshot.with_zone(z, last),
                        None => {
                            snapshot = snapshot.without_zone(
                                &Name::from_ascii(&zone.name).unwrap_or_default(),
                                last,
                            )
                        }
                    }
                }
                Err(StoreError::NotFound { .. }) => {
                    if let Some(old) = self.origins.remove(&id) {
                        snapshot = snapshot.without_zone(&old, last);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        snapshot.serial = last;
        Ok(Some((snapshot, states)))
    }
}

/// Records the states of policy records after a build, logging each change.
pub async fn apply_states(store: &Store, states: Vec<StateUpdate>) {
    if states.is_empty() {
        return;
    }
    let updates: Vec<(String, PolicyRecordState, String)> =
        states.into_iter().map(|s| (s.id, s.state, s.message)).collect();
    match store.set_policy_record_states(&updates).await {
        Ok(changed) => {
            for r in changed {
                if r.state == PolicyRecordState::Failed {
                    tracing::warn!(id = %r.id, reason = %r.message, "policy record cannot be served");
                } else {
                    tracing::info!(id = %r.id, state = %r.state, "policy record served");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not record the policy records' states"),
    }
}

impl Builder {
    /// Replaces the CIDR collections (id to location to blocks) that IP-based record sets use.
    pub fn set_cidr_collections(&mut self, collections: HashMap<String, CidrLocations>) {
        self.cidr = collections;
    }
}

/// Whether the follower can read the store, and when it last could: for `/metrics`, the
/// readiness check and the log.
#[derive(Debug, Default)]
pub struct FollowStatus {
    down: std::sync::atomic::AtomicBool,
    last_ok_ms: std::sync::atomic::AtomicI64,
}

impl FollowStatus {
    /// Whether the last attempt to read the change log failed.
    pub fn is_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// When the change log was last read, in Unix milliseconds (0: never).
    pub fn last_ok_ms(&self) -> i64 {
        self.last_ok_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Seconds since the change log was last read (0 when it was never read).
    pub fn stale_seconds(&self) -> f64 {
        let last = self.last_ok_ms();
        if last == 0 { 0.0 } else { (unix_ms() - last).max(0) as f64 / 1000.0 }
    }

    fn ok(&self) {
        self.last_ok_ms.store(unix_ms(), std::sync::atomic::Ordering::Relaxed);
        self.down.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    fn failed(&self) {
        self.down.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Follows the store's change log until `stop` completes: whenever the store announces a
/// change ([`store::ChangeListener`], PostgreSQL) and at least every `poll` (the catch-up
/// that covers lost notifications, and SQLite's only way), applies the changes since the
/// snapshot `current` returns and hands the next snapshot to `publish`, then records the
/// policy records' states. When the store cannot be read, DNS keeps answering from the last
/// snapshot: `status` says so and since when, the error is logged once until it changes,
/// and the recovery is logged with how stale the answers were.
pub async fn follow(
    mut builder: Builder,
    store: Store,
    poll: std::time::Duration,
    current: impl Fn() -> Arc<Snapshot>,
    mut publish: impl FnMut(Snapshot),
    status: Arc<FollowStatus>,
    stop: impl std::future::Future<Output = ()>,
) {
    let mut last_error: Option<String> = None;
    let mut listener = store.listen().await;
    status.ok();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = listener.wait(poll) => {}
        }
        let started = std::time::Instant::now();
        let result = builder.update(&store, &current()).await;
        if result.is_ok() && status.is_down() {
            tracing::warn!(
                stale_seconds = status.stale_seconds(),
                "store available again; catching up with the change log"
            );
        }
        match result {
            Ok(None) => {
                status.ok();
                last_error = None;
            }
            Ok(Some((next, states))) => {
                status.ok();
                let serial = next.serial;
                publish(next);
                tracing::info!(
                    serial,
                    micros = started.elapsed().as_micros() as u64,
                    "snapshot updated"
                );
                apply_states(&store, states).await;
                last_error = None;
            }
            Err(e) => {
                status.failed();
                let msg = format!("cannot read the change log: {e}");
                if last_error.as_deref() != Some(&msg) {
                    tracing::error!(
                        error = %msg,
                        stale_seconds = status.stale_seconds(),
                        "store unavailable; answering from the last snapshot"
                    );
                    last_error = Some(msg);
                }
            }
        }
    }
}
