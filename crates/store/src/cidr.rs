//! CIDR collections (Route 53 IP-based routing): collections of named locations, each a set of
//! CIDR blocks, and the record sets that route by them.
//!
//! The store keeps blocks in canonical text form ([`Cidr`]'s `Display`), refuses a block in
//! two locations of one collection, counts versions, and checks inside the write transaction
//! what must not race with record-set batches: a collection named by a record set cannot be
//! deleted, and a record set cannot name a collection that does not exist (the `records`
//! column `cidr_collection_id`, filled from the routing JSON, with a foreign key behind it).
//! Route 53's value rules (prefix lengths, name patterns, request sizes) are the service
//! layer's; the store only refuses what would make its data inconsistent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use sqlx::{QueryBuilder, Row};

use crate::backend::{Conn, Db, DbRow};
use crate::error::{Result, StoreError, map_unique};
use crate::model::{
    Change, ChangeKind, CidrAction, CidrBlock, CidrChange, CidrCollection, CidrCollectionBlocks,
};
use crate::sql::{log_change, next_serial};
use crate::time::now_rfc3339;
use crate::{Store, write_tx};

/// Longest collection name (Route 53 `CollectionName`).
const MAX_NAME: usize = 64;
/// Longest caller reference (Route 53 `CidrNonce`).
const MAX_CALLER_REFERENCE: usize = 64;
/// Longest location name (Route 53 `CidrLocationNameDefaultNotAllowed`).
const MAX_LOCATION: usize = 16;
/// Rows per multi-row INSERT (3 bound values each, well under SQLite's limit).
const INSERT_CHUNK: usize = 500;

/// An IP network in CIDR notation: an address and a prefix length.
///
/// Ordered IPv4 before IPv6, then by address, then by prefix length. `Display` writes the
/// canonical form: the address as Rust writes it (dotted quad; RFC 5952 for IPv6, lower
/// case and compressed), a slash and the decimal prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    /// The address as given (host bits may be set; see [`Cidr::network`]).
    pub addr: IpAddr,
    /// The prefix length: 0-32 for IPv4, 0-128 for IPv6.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `ADDRESS/PREFIX` exactly (no spaces, no sign, no leading zeros in the prefix).
    /// Host bits may be set: see [`Cidr::is_network`]. The error says what is wrong.
    pub fn parse(text: &str) -> std::result::Result<Cidr, String> {
        let shape = "a CIDR block is an address and a prefix length, such as 192.0.2.0/24 or \
                     2001:db8::/32";
        let Some((addr, prefix)) = text.split_once('/') else {
            return Err(format!("{text:?} has no prefix length: {shape}"));
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?}: {addr:?} is not an IPv4 or IPv6 address: {shape}"))?;
        let digits_ok = !prefix.is_empty()
            && prefix.len() <= 3
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && (prefix == "0" || !prefix.starts_with('0'));
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|_| digits_ok)
            .ok_or_else(|| format!("{text:?}: {prefix:?} is not a prefix length: {shape}"))?;
        let cidr = Cidr { addr, prefix };
        if prefix > cidr.max_prefix() {
            return Err(format!(
                "{text:?}: the prefix length of an {} block is at most {}",
                if addr.is_ipv4() { "IPv4" } else { "IPv6" },
                cidr.max_prefix()
            ));
        }
        Ok(cidr)
    }

    /// 32 for IPv4, 128 for IPv6.
    pub fn max_prefix(&self) -> u8 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// The network: the address with its host bits cleared.
    pub fn network(&self) -> Cidr {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        Cidr { addr, prefix: self.prefix }
    }

    /// Whether no host bit is set (the address is the network's first address).
    pub fn is_network(&self) -> bool {
        self.network() == *self
    }

    /// Whether `addr` is in this network (never across address families).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                Cidr { addr, prefix: self.prefix }.network() == self.network()
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Cidr, String> {
        Cidr::parse(s)
    }
}

/// Whether `name` is 1 to `max` characters, each an ASCII letter, digit, `_` or `-`.
pub(crate) fn is_plain_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_name(value: &str, what: &str, max: usize) -> Result<()> {
    if is_plain_name(value, max) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "invalid {what} {value:?}: 1 to {max} letters, digits, '_' or '-'"
        )))
    }
}

fn check_canonical(cidr: &str) -> Result<()> {
    match Cidr::parse(cidr) {
        Ok(c) if c.is_network() && c.to_string() == cidr => Ok(()),
        Ok(c) => Err(StoreError::Invalid(format!(
            "CIDR block {cidr:?} is not in canonical form (expected {})",
            c.network()
        ))),
        Err(m) => Err(StoreError::Invalid(m)),
    }
}

/// The CIDR collection a record's routing JSON names (`CidrRoutingConfig.CollectionId`), if
/// any. Text that is not JSON names none (the store does not check routing settings).
pub(crate) fn routing_collection(routing: Option<&str>) -> Option<String> {
    let text = routing?;
    if !text.contains("CidrRoutingConfig") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("CidrRoutingConfig")?.get("CollectionId")?.as_str().map(str::to_owned)
}

/// The ids among `ids` that name no CIDR collection.
pub(crate) async fn missing_collections(
    tx: &mut Conn,
    ids: impl IntoIterator<Item = &str>,
) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    let unique: BTreeSet<&str> = ids.into_iter().collect();
    for id in unique {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM cidr_collections WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            missing.push(id.to_owned());
        }
    }
    Ok(missing)
}

fn collection_from_row(row: DbRow) -> std::result::Result<CidrCollection, sqlx::Error> {
    Ok(CidrCollection {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        caller_reference: row.try_get("caller_reference")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Columns of `cidr_collections`, in the order [`collection_from_row`] reads them by name.
macro_rules! collection_columns {
    () => {
        "id, name, caller_reference, version, created_at"
    };
}

async fn collection_in_tx(tx: &mut Conn, id: &str) -> Result<CidrCollection> {
    sqlx::query(concat!("SELECT ", collection_columns!(), " FROM cidr_collections WHERE id = $1"))
        .bind(id)
        .try_map(collection_from_row)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("CIDR collection", id))
}

async fn blocks_in_tx(tx: &mut Conn, id: &str) -> Result<Vec<CidrBlock>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT location, cidr FROM cidr_blocks WHERE collection_id = $1 ORDER BY location, cidr",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(location, cidr)| CidrBlock { location, cidr })
    .collect())
}

/// Every collection with its blocks, in creation order (for consistent snapshot reads).
pub(crate) async fn all_collections(tx: &mut Conn) -> Result<Vec<CidrCollectionBlocks>> {
    let collections: Vec<CidrCollection> = sqlx::query(concat!(
        "SELECT ",
        collection_columns!(),
        " FROM cidr_collections ORDER BY created_serial"
    ))
    .try_map(collection_from_row)
    .fetch_all(&mut *tx)
    .await?;
    let mut blocks: HashMap<String, Vec<CidrBlock>> = HashMap::new();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT collection_id, location, cidr FROM cidr_blocks \
         ORDER BY collection_id, location, cidr",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (collection, location, cidr) in rows {
        blocks.entry(collection).or_default().push(CidrBlock { location, cidr });
    }
    Ok(collections
        .into_iter()
        .map(|collection| {
            let blocks = blocks.remove(&collection.id).unwrap_or_default();
            CidrCollectionBlocks { collection, blocks }
        })
        .collect())
}

/// The record sets that name a collection, as `zone: [name='...', type='...',
/// set-identifier='...']`, in order.
async fn users_in_tx(tx: &mut Conn, id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT z.name, r.name, r.rtype, r.set_identifier FROM records r \
         JOIN zones z ON z.id = r.zone_id WHERE r.cidr_collection_id = $1 \
         ORDER BY z.name, r.name, r.rtype, r.set_identifier",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(zone, name, rtype, set)| {
            format!(
                "zone {zone}: [name='{name}', type='{rtype}', set-identifier='{}']",
                set.unwrap_or_default()
            )
        })
        .collect())
}

/// Appends the change-log row of a write to collection `id`: no zone, and a detail that
/// starts with `cidr collection <id>:` (see [`Change::cidr_collection_id`]).
async fn log_cidr_change(tx: &mut Conn, serial: i64, id: &str, what: &str) -> Result<()> {
    // The zones whose record sets name the collection may answer differently.
    let zones: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT zone_id FROM records WHERE cidr_collection_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    for zone_id in zones {
        crate::soa::advance_unchanged(tx, &zone_id).await?;
    }
    let detail = format!("{}{id}: {what}", Change::CIDR_DETAIL_PREFIX);
    log_change(tx, serial, ChangeKind::CidrCollection, None, &detail).await
}

impl Store {
    /// Creates an empty CIDR collection (version 1) and returns it with `true`; a retry with
    /// the same name and caller reference returns the existing collection with `false` and
    /// writes nothing. Refused with `AlreadyExists` when the name is taken with another caller
    /// reference or the caller reference was used for another name, and with `TooMany` when
    /// `max_collections` collections exist.
    pub async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
        max_collections: u64,
    ) -> Result<(CidrCollection, bool)> {
        check_name(name, "CIDR collection name", MAX_NAME)?;
        crate::names::check_text(caller_reference, "caller reference", MAX_CALLER_REFERENCE, true)?;
        write_tx!(self, |tx| {
            // Read first: a retry is not a write.
            let by_name: Option<CidrCollection> = sqlx::query(concat!(
                "SELECT ",
                collection_columns!(),
                " FROM cidr_collections WHERE name = $1"
            ))
            .bind(name)
            .try_map(collection_from_row)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(existing) = &by_name
                && existing.caller_reference == caller_reference
            {
                return Ok((existing.clone(), false));
            }
            let serial = next_serial(tx).await?;
            if let Some(existing) = by_name {
                return Err(StoreError::AlreadyExists(format!(
                    "a CIDR collection named {name:?} already exists (id {}) with another \
                     caller reference: collection names are unique",
                    existing.id
                )));
            }
            let by_reference: Option<String> =
                sqlx::query_scalar("SELECT name FROM cidr_collections WHERE caller_reference = $1")
                    .bind(caller_reference)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(other) = by_reference {
                return Err(StoreError::AlreadyExists(format!(
                    "caller reference {caller_reference:?} was already used to create the CIDR \
                     collection {other:?}: each creation needs a new caller reference"
                )));
            }
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cidr_collections")
                .fetch_one(&mut *tx)
                .await?;
            if count.max(0) as u64 >= max_collections {
                return Err(StoreError::TooMany(format!(
                    "the limit of {max_collections} CIDR collections is reached"
                )));
            }
            let collection = CidrCollection {
                id: uuid::Uuid::new_v4().to_string(),
                name: name.to_owned(),
                caller_reference: caller_reference.to_owned(),
                version: 1,
                created_at: now_rfc3339(),
            };
            sqlx::query(
                "INSERT INTO cidr_collections \
                 (id, name, caller_reference, version, created_at, created_serial) \
                 VALUES ($1, $2, $3, 1, $4, $5)",
            )
            .bind(&collection.id)
            .bind(&collection.name)
            .bind(&collection.caller_reference)
            .bind(&collection.created_at)
            .bind(serial)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, || format!("CIDR collection {name:?} already exists")))?;
            log_cidr_change(tx, serial, &collection.id, &format!("created {name}")).await?;
            Ok((collection, true))
        })
    }

    /// Applies changes to a collection's blocks, all together, and increments its version by
    /// one; returns the collection as changed and the change serial.
    ///
    /// Every `DeleteIfExists` is applied first (removing each block from its location where it
    /// is there), then every `Put`; so moving a block is a `DeleteIfExists` from one location
    /// and a `Put` to another in one call. Refused, with nothing changed:
    /// - `NotFound` for an unknown collection;
    /// - `VersionMismatch` when `expected_version` is given and is not the current version;
    /// - `Invalid` for a location name that is not 1-16 letters, digits, `_` or `-`, a block
    ///   not in canonical form, or a block both put and deleted in one location;
    /// - `InUse` when a block would be in two locations: it is in another location after the
    ///   deletions, or the call puts it in two locations (one message lists every such block);
    /// - `TooMany` when the collection would hold more than `max_blocks` blocks.
    pub async fn change_cidr_collection(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: &[CidrChange],
        max_blocks: u64,
    ) -> Result<(CidrCollection, i64)> {
        if changes.is_empty() {
            return Err(StoreError::Invalid("a CIDR collection change needs changes".into()));
        }
        for change in changes {
            check_name(&change.location, "location name", MAX_LOCATION)?;
            for cidr in &change.cidrs {
                check_canonical(cidr)?;
            }
        }
        let puts: BTreeSet<(&str, &str)> = changes
            .iter()
            .filter(|c| c.action == CidrAction::Put)
            .flat_map(|c| c.cidrs.iter().map(|b| (c.location.as_str(), b.as_str())))
            .collect();
        let deletes: BTreeSet<(&str, &str)> = changes
            .iter()
            .filter(|c| c.action == CidrAction::DeleteIfExists)
            .flat_map(|c| c.cidrs.iter().map(|b| (c.location.as_str(), b.as_str())))
            .collect();
        if let Some((location, cidr)) = puts.intersection(&deletes).next() {
            return Err(StoreError::Invalid(format!(
                "CIDR block {cidr} is both PUT and DELETE_IF_EXISTS in location {location}: \
                 give one action per block and location"
            )));
        }
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = collection_in_tx(tx, id).await?;
            if let Some(expected) = expected_version
                && expected != current.version
            {
                return Err(StoreError::VersionMismatch(format!(
                    "CIDR collection {id} is at version {}, not {expected}: list it again and \
                     retry",
                    current.version
                )));
            }
            let before: BTreeMap<String, String> =
                blocks_in_tx(tx, id).await?.into_iter().map(|b| (b.cidr, b.location)).collect();
            let mut after = before.clone();
            for (location, cidr) in &deletes {
                if after.get(*cidr).is_some_and(|l| l == location) {
                    after.remove(*cidr);
                }
            }
            let mut conflicts = Vec::new();
            let mut put_to: BTreeMap<&str, &str> = BTreeMap::new();
            for (location, cidr) in &puts {
                if let Some(first) = put_to.insert(cidr, location) {
                    conflicts.push(format!(
                        "{cidr} is put in both {first} and {location} (a block belongs to one \
                         location)"
                    ));
                    continue;
                }
                match after.get(*cidr) {
                    Some(other) if other != location => conflicts.push(format!(
                        "{cidr} is already in location {other} (DELETE_IF_EXISTS it from \
                         {other} in the same request to move it to {location})"
                    )),
                    Some(_) => {}
                    None => {
                        after.insert((*cidr).to_owned(), (*location).to_owned());
                    }
                }
            }
            if !conflicts.is_empty() {
                return Err(StoreError::InUse(format!(
                    "CIDR collection {}: {}",
                    current.name,
                    conflicts.join("; ")
                )));
            }
            if after.len() as u64 > max_blocks {
                return Err(StoreError::TooMany(format!(
                    "CIDR collection {} would hold {} blocks; the limit is {max_blocks} blocks \
                     per collection",
                    current.name,
                    after.len()
                )));
            }
            let removed: Vec<&String> = before
                .iter()
                .filter(|(cidr, location)| after.get(*cidr) != Some(location))
                .map(|(cidr, _)| cidr)
                .collect();
            for cidr in &removed {
                sqlx::query("DELETE FROM cidr_blocks WHERE collection_id = $1 AND cidr = $2")
                    .bind(id)
                    .bind(cidr.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            let added: Vec<(&String, &String)> = after
                .iter()
                .filter(|(cidr, location)| before.get(*cidr) != Some(location))
                .collect();
            for chunk in added.chunks(INSERT_CHUNK) {
                let mut insert = QueryBuilder::<Db>::new(
                    "INSERT INTO cidr_blocks (collection_id, location, cidr) ",
                );
                insert.push_values(chunk, |mut row, (cidr, location)| {
                    row.push_bind(id.to_owned())
                        .push_bind((*location).clone())
                        .push_bind((*cidr).clone());
                });
                insert.build().execute(&mut *tx).await?;
            }
            let version = current.version + 1;
            sqlx::query("UPDATE cidr_collections SET version = $1 WHERE id = $2")
                .bind(version)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            log_cidr_change(
                tx,
                serial,
                id,
                &format!(
                    "changed {} to version {version} ({} blocks added, {} removed)",
                    current.name,
                    added.len(),
                    removed.len()
                ),
            )
            .await?;
            Ok((CidrCollection { version, ..current }, serial))
        })
    }

    /// Deletes a collection and returns the change serial. Refused with `InUse` while it has
    /// blocks or a record set names it (the message says which), checked in the same
    /// transaction, so a record-set batch cannot start using it meanwhile.
    pub async fn delete_cidr_collection(&self, id: &str) -> Result<i64> {
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let current = collection_in_tx(tx, id).await?;
            let blocks = blocks_in_tx(tx, id).await?;
            let users = users_in_tx(tx, id).await?;
            let mut problems = Vec::new();
            if !blocks.is_empty() {
                let locations: BTreeSet<&str> =
                    blocks.iter().map(|b| b.location.as_str()).collect();
                problems.push(format!(
                    "it has {} CIDR blocks in {} locations ({}): remove them with \
                     DELETE_IF_EXISTS first",
                    blocks.len(),
                    locations.len(),
                    locations.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            if !users.is_empty() {
                const SHOWN: usize = 10;
                let mut list = users.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
                if users.len() > SHOWN {
                    list.push_str(&format!(" and {} more", users.len() - SHOWN));
                }
                problems.push(format!(
                    "{} record sets use it in their CidrRoutingConfig: {list}",
                    users.len()
                ));
            }
            if !problems.is_empty() {
                return Err(StoreError::InUse(format!(
                    "CIDR collection {} ({id}) cannot be deleted: {}",
                    current.name,
                    problems.join("; ")
                )));
            }
            sqlx::query("DELETE FROM cidr_collections WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            log_cidr_change(tx, serial, id, &format!("deleted {}", current.name)).await?;
            Ok(serial)
        })
    }

    /// One collection with its blocks (ordered by location, then block text), read in one
    /// read transaction. `NotFound` if there is none with this id.
    pub async fn cidr_collection(&self, id: &str) -> Result<CidrCollectionBlocks> {
        let mut tx = self.backend.begin_read().await?;
        let collection = collection_in_tx(&mut tx, id).await?;
        let blocks = blocks_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(CidrCollectionBlocks { collection, blocks })
    }

    /// Every collection with its blocks, in creation order, read in one read transaction.
    pub async fn cidr_collections(&self) -> Result<Vec<CidrCollectionBlocks>> {
        let mut tx = self.backend.begin_read().await?;
        let all = all_collections(&mut tx).await?;
        tx.commit().await?;
        Ok(all)
    }

    /// Every collection without its blocks, in creation order.
    pub async fn list_cidr_collections(&self) -> Result<Vec<CidrCollection>> {
        Ok(sqlx::query(concat!(
            "SELECT ",
            collection_columns!(),
            " FROM cidr_collections ORDER BY created_serial"
        ))
        .try_map(collection_from_row)
        .fetch_all(self.backend.pool())
        .await?)
    }

    /// The ids of the zones whose record sets name this collection (sorted; empty for an
    /// unknown collection): the zones a [`ChangeKind::CidrCollection`] change can affect.
    pub async fn cidr_collection_zones(&self, id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT zone_id FROM records WHERE cidr_collection_id = $1 ORDER BY zone_id",
        )
        .bind(id)
        .fetch_all(self.backend.pool())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_text_forms() {
        for (text, canonical, network) in [
            ("192.0.2.0/24", "192.0.2.0/24", true),
            ("192.0.2.1/24", "192.0.2.1/24", false),
            ("2001:DB8::/32", "2001:db8::/32", true),
            ("2001:0db8:0000::/48", "2001:db8::/48", true),
            ("0.0.0.0/0", "0.0.0.0/0", true),
            ("::/0", "::/0", true),
            ("10.0.0.0/8", "10.0.0.0/8", true),
        ] {
            let c = Cidr::parse(text).unwrap();
            assert_eq!(c.to_string(), canonical, "{text}");
            assert_eq!(c.is_network(), network, "{text}");
        }
        assert_eq!(Cidr::parse("192.0.2.77/25").unwrap().network().to_string(), "192.0.2.0/25");
        assert_eq!(
            Cidr::parse("2001:db8:ffff::1/33").unwrap().network().to_string(),
            "2001:db8:8000::/33"
        );
        for bad in [
            "192.0.2.0",
            "192.0.2.0/",
            "192.0.2.0/33",
            "2001:db8::/129",
            "192.0.2.0/+8",
            "192.0.2.0/08",
            "192.0.2.0/ 8",
            " 192.0.2.0/8",
            "300.0.0.0/8",
            "010.0.0.0/8",
            "garbage",
            "/8",
            "192.0.2.0/8/8",
            "192.0.2.0/1000",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad} should not parse");
        }
        let err = Cidr::parse("192.0.2.0/33").unwrap_err();
        assert!(err.contains("at most 32"), "{err}");
    }

    #[test]
    fn containment_stays_in_one_family() {
        let v4 = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(v4.contains("192.0.2.200".parse().unwrap()));
        assert!(!v4.contains("192.0.3.1".parse().unwrap()));
        assert!(!v4.contains("::ffff:192.0.2.1".parse().unwrap()));
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(all6.contains("2001:db8::1".parse().unwrap()));
        assert!(!all6.contains("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn routing_json_names_a_collection() {
        let id = "0f3c7a5e-1111-4222-8333-444455556666";
        let routing =
            format!(r#"{{"CidrRoutingConfig":{{"CollectionId":"{id}","LocationName":"*"}}}}"#);
        assert_eq!(routing_collection(Some(&routing)).as_deref(), Some(id));
        assert_eq!(routing_collection(Some(r#"{"Weight":1}"#)), None);
        assert_eq!(routing_collection(Some("CidrRoutingConfig but not JSON")), None);
        assert_eq!(routing_collection(None), None);
    }
}
