use super::Store;
use super::sql::{log_change, next_serial};
use super::{Conn, Db, DbRow};
#[allow(unused_imports)]
use crate::cidr::*;
use crate::error::{Result, StoreError, map_unique};
use crate::model::{
    Change, ChangeKind, CidrAction, CidrBlock, CidrChange, CidrCollection, CidrCollectionBlocks,
};
use crate::time::now_rfc3339;
use crate::write_tx;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
async fn collection_in_tx(tx: &mut Conn, id: &str) -> Result<CidrCollection> {
    sqlx::query(concat!("SELECT ", collection_columns!(), " FROM cidr_collections WHERE id = $1"))
        .bind(id)
        .try_map(collection_from_row)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(crate::Entity::CidrCollection, id))
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
        super::soa::advance_unchanged(tx, &zone_id).await?;
    }
    let detail = format!("{}{id}: {what}", Change::CIDR_DETAIL_PREFIX);
    log_change(tx, serial, ChangeKind::CidrCollection, None, &detail).await
}
/// Columns of `cidr_collections`, in the order [`collection_from_row`] reads them by name.
macro_rules! collection_columns {
    () => {
        "id, name, caller_reference, version, created_at"
    };
}
pub(crate) use collection_columns;

impl Store {
    /// Creates an empty CIDR collection (version 1) and returns it with `true`; a retry with
    /// the same name and caller reference returns the existing collection with `false` and
    /// writes nothing. Refused with `AlreadyExists` when the name is taken with another caller
    /// reference or the caller reference was used for another name, and with `TooMany` when
    /// `max_collections` collections exist.
    pub(crate) async fn create_cidr_collection(
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
    pub(crate) async fn change_cidr_collection(
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
    pub(crate) async fn delete_cidr_collection(&self, id: &str) -> Result<i64> {
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
    pub(crate) async fn cidr_collection(&self, id: &str) -> Result<CidrCollectionBlocks> {
        let mut tx = self.backend.begin_read().await?;
        let collection = collection_in_tx(&mut tx, id).await?;
        let blocks = blocks_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(CidrCollectionBlocks { collection, blocks })
    }

    /// Every collection with its blocks, in creation order, read in one read transaction.
    pub(crate) async fn cidr_collections(&self) -> Result<Vec<CidrCollectionBlocks>> {
        let mut tx = self.backend.begin_read().await?;
        let all = all_collections(&mut tx).await?;
        tx.commit().await?;
        Ok(all)
    }

    /// Every collection without its blocks, in creation order.
    pub(crate) async fn list_cidr_collections(&self) -> Result<Vec<CidrCollection>> {
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
    pub(crate) async fn cidr_collection_zones(&self, id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT zone_id FROM records WHERE cidr_collection_id = $1 ORDER BY zone_id",
        )
        .bind(id)
        .fetch_all(self.backend.pool())
        .await?)
    }
}
