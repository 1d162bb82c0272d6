use super::Conn;
use super::Store;
use super::sql::{log_change, next_serial, record_columns, record_from_row};
use super::zones::{insert_records, zone_in_tx};
use crate::error::{Result, StoreError};
use crate::model::{ChangeKind, NewRecord, RecordRow};
use crate::names::normalize_name;
#[allow(unused_imports)]
use crate::rrsets::*;
use crate::write_tx;
async fn rrset_rows(tx: &mut Conn, zone_id: &str, r: &Rrset) -> Result<Vec<RecordRow>> {
    Ok(sqlx::query(concat!(
        "SELECT ",
        record_columns!(),
        " FROM records WHERE zone_id = $1 AND name = $2 AND rtype = $3 AND \
         COALESCE(set_identifier, '') = $4 ORDER BY ordinal"
    ))
    .bind(zone_id)
    .bind(&r.name)
    .bind(&r.rtype)
    .bind(r.set_identifier.clone().unwrap_or_default())
    .try_map(|row| record_from_row(&row))
    .fetch_all(&mut *tx)
    .await?)
}
async fn delete_rrset(tx: &mut Conn, zone_id: &str, r: &Rrset) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM records WHERE zone_id = $1 AND name = $2 AND rtype = $3 AND \
         COALESCE(set_identifier, '') = $4",
    )
    .bind(zone_id)
    .bind(&r.name)
    .bind(&r.rtype)
    .bind(r.set_identifier.clone().unwrap_or_default())
    .execute(&mut *tx)
    .await?
    .rows_affected())
}
impl Store {
    /// Applies a change batch to a zone in one transaction and returns the change serial.
    /// Refused with [`StoreError::Invalid`] listing every problem (one per line, each naming
    /// the change by 1-based position) if any action cannot be applied; nothing changes then.
    /// RDATA syntax and routing settings are the caller's to check: the store keeps them as
    /// text.
    pub(crate) async fn change_record_sets(
        &self,
        zone_id: &str,
        changes: Vec<RrsetChange>,
        comment: &str,
    ) -> Result<i64> {
        self.change_record_sets_checked(zone_id, changes, comment, |_| Ok(())).await
    }

    /// Like [`Store::change_record_sets`], and then, inside the same transaction, `check` sees
    /// the zone's routed record sets as the batch leaves them ([`BatchView`]); an error from
    /// it (one problem per line) rolls everything back as [`StoreError::Invalid`]. Because
    /// writers are serialised, two concurrent batches are each checked against the other's
    /// outcome, never against a state that neither will leave.
    pub(crate) async fn change_record_sets_checked(
        &self,
        zone_id: &str,
        changes: Vec<RrsetChange>,
        comment: &str,
        check: impl FnOnce(&BatchView) -> std::result::Result<(), String> + Send,
    ) -> Result<i64> {
        if changes.is_empty() {
            return Err(StoreError::Invalid("a change batch needs at least one change".into()));
        }
        write_tx!(self, |tx| {
            let serial = next_serial(tx).await?;
            let zone = zone_in_tx(tx, zone_id).await?;
            let before = super::soa::served_serial(tx, zone_id).await?;
            let mut problems = Vec::new();
            let touched: Vec<String> = changes.iter().map(|c| c.rrset.name.clone()).collect();
            let mut next_ordinal: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(ordinal), -1) + 1 FROM records WHERE zone_id = $1",
            )
            .bind(zone_id)
            .fetch_one(&mut *tx)
            .await?;
            for (i, change) in changes.into_iter().enumerate() {
                let position = i + 1;
                let rrset = match normalise(change.rrset, &zone.name) {
                    Ok(r) => r,
                    Err(m) => {
                        problems.push(format!("change {position}: {m}"));
                        continue;
                    }
                };
                let existing = rrset_rows(tx, zone_id, &rrset).await?;
                let what = describe(&rrset);
                match change.action {
                    RrsetAction::Create if !existing.is_empty() => {
                        problems.push(format!(
                            "change {position}: Tried to create resource record set {what} but \
                             it already exists"
                        ));
                        continue;
                    }
                    RrsetAction::Delete => {
                        let current = group(existing).pop();
                        match current {
                            None => problems.push(format!(
                                "change {position}: Tried to delete resource record set {what} \
                                 but it was not found"
                            )),
                            Some(c) if c.ttl != rrset.ttl || !same_values(&c, &rrset) => problems
                                .push(format!(
                                    "change {position}: Tried to delete resource record set \
                                     {what} but the values provided do not match the current \
                                     values"
                                )),
                            Some(_) => {
                                delete_rrset(tx, zone_id, &rrset).await?;
                            }
                        }
                        continue;
                    }
                    _ => {}
                }
                if rrset.values.is_empty() {
                    problems.push(format!("change {position}: {what} has no values"));
                    continue;
                }
                if let Some(conflict) = cname_conflict(tx, zone_id, &rrset).await? {
                    problems.push(format!("change {position}: {conflict}"));
                    continue;
                }
                if let Some(id) = crate::cidr::routing_collection(rrset.routing.as_deref())
                    && !super::cidr::missing_collections(tx, [id.as_str()]).await?.is_empty()
                {
                    problems.push(format!(
                        "change {position}: {what} CidrRoutingConfig/CollectionId: no CIDR \
                         collection has the id {id}"
                    ));
                    continue;
                }
                if let Some(conflict) = policy_conflict(tx, zone_id, &rrset).await? {
                    problems.push(format!("change {position}: {what} {conflict}"));
                    continue;
                }
                delete_rrset(tx, zone_id, &rrset).await?;
                let rows: Vec<NewRecord> = rrset
                    .values
                    .iter()
                    .map(|v| NewRecord {
                        name: rrset.name.clone(),
                        rtype: rrset.rtype.clone(),
                        ttl: rrset.ttl,
                        rdata: v.clone(),
                        set_identifier: rrset.set_identifier.clone(),
                        routing: rrset.routing.clone(),
                    })
                    .collect();
                insert_records(tx, zone_id, next_ordinal as usize, &rows).await?;
                next_ordinal += rows.len() as i64;
            }
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems.join("\n")));
            }
            let view = batch_view(tx, zone_id, &zone.name, &touched).await?;
            check(&view).map_err(StoreError::Invalid)?;
            super::soa::advance(tx, zone_id, before).await?;
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE zone_id = $1")
                .bind(zone_id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("UPDATE zones SET serial = $1, record_count = $2 WHERE id = $3")
                .bind(serial)
                .bind(count)
                .bind(zone_id)
                .execute(&mut *tx)
                .await?;
            let detail = if comment.is_empty() {
                format!("changed record sets of zone {}", zone.name)
            } else {
                format!("changed record sets of zone {}: {comment}", zone.name)
            };
            log_change(tx, serial, ChangeKind::Records, Some(zone_id), &detail).await?;
            Ok(serial)
        })
    }

    /// The zone's record sets, each with its records in order.
    pub(crate) async fn zone_record_sets(&self, zone_id: &str) -> Result<Vec<Rrset>> {
        Ok(group(self.zone_records(zone_id).await?))
    }
}
async fn batch_view(
    tx: &mut Conn,
    zone_id: &str,
    apex: &str,
    changed: &[String],
) -> Result<BatchView> {
    let routed_rows: Vec<RecordRow> = sqlx::query(concat!(
        "SELECT ",
        record_columns!(),
        " FROM records WHERE zone_id = $1 AND (routing IS NOT NULL OR set_identifier IS NOT NULL) \
         ORDER BY ordinal"
    ))
    .bind(zone_id)
    .try_map(|row| record_from_row(&row))
    .fetch_all(&mut *tx)
    .await?;
    let routed = group(routed_rows);
    // An alias keeps its target name as its one value (the routing text is the caller's, but
    // an alias's names its AliasTarget).
    let mut names: Vec<String> = routed
        .iter()
        .filter(|r| r.routing.as_deref().is_some_and(|t| t.contains("\"AliasTarget\"")))
        .flat_map(|r| r.values.iter())
        .chain(changed)
        .filter_map(|n| normalize_name(n).ok())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut simple_rows = Vec::new();
    for name in names {
        let rows = sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE zone_id = $1 AND name = $2 AND routing IS NULL \
             AND set_identifier IS NULL ORDER BY ordinal"
        ))
        .bind(zone_id)
        .bind(&name)
        .try_map(|row| record_from_row(&row))
        .fetch_all(&mut *tx)
        .await?;
        simple_rows.extend(rows);
    }
    let policy_records: Vec<(String, String)> =
        sqlx::query_as("SELECT name, record_type FROM policy_records WHERE zone_id = $1")
            .bind(zone_id)
            .fetch_all(&mut *tx)
            .await?;
    let cidr =
        if routed.iter().any(|r| crate::cidr::routing_collection(r.routing.as_deref()).is_some()) {
            super::cidr::all_collections(tx).await?
        } else {
            Vec::new()
        };
    let apex_rows: Vec<RecordRow> = sqlx::query(concat!(
        "SELECT ",
        record_columns!(),
        " FROM records WHERE zone_id = $1 AND name = $2 AND rtype IN ('SOA', 'NS') \
         ORDER BY ordinal"
    ))
    .bind(zone_id)
    .bind(apex)
    .try_map(|row| record_from_row(&row))
    .fetch_all(&mut *tx)
    .await?;
    let (apex_soa, apex_ns): (Vec<Rrset>, Vec<Rrset>) =
        group(apex_rows).into_iter().partition(|r| r.rtype == "SOA");
    let soa_below_apex: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT name FROM records WHERE zone_id = $1 AND rtype = 'SOA' AND name <> $2 \
         ORDER BY name",
    )
    .bind(zone_id)
    .bind(apex)
    .fetch_all(&mut *tx)
    .await?;
    Ok(BatchView {
        routed,
        simple: group(simple_rows),
        policy_records,
        cidr,
        apex: apex.to_owned(),
        apex_soa,
        apex_ns,
        soa_below_apex,
    })
}
/// Why a record set cannot sit beside the zone's policy records at its name, if it cannot.
async fn policy_conflict(tx: &mut Conn, zone_id: &str, r: &Rrset) -> Result<Option<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT record_type, id FROM policy_records WHERE zone_id = $1 AND name = $2",
    )
    .bind(zone_id)
    .bind(&r.name)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().find(|(t, _)| crate::names::types_conflict(t, &r.rtype)).map(|(t, id)| {
        format!(
            "conflicts with the traffic policy instance {id} ({} {t}): a name holds either \
             records or a policy record of a type, and a CNAME stands alone",
            r.name
        )
    }))
}
/// RFC 1034 3.6.2: a CNAME stands alone at its name.
async fn cname_conflict(tx: &mut Conn, zone_id: &str, r: &Rrset) -> Result<Option<String>> {
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT rtype FROM records WHERE zone_id = $1 AND name = $2 AND rtype <> $3",
    )
    .bind(zone_id)
    .bind(&r.name)
    .bind(&r.rtype)
    .fetch_all(&mut *tx)
    .await?;
    Ok(types.into_iter().find(|t| crate::names::types_conflict(t, &r.rtype)).map(|t| {
        format!(
            "RRSet of type {} with DNS name {} is not permitted as it conflicts with other \
             records ({t}) with the same DNS name: a CNAME stands alone",
            r.rtype, r.name
        )
    }))
}
impl Store {
    /// How many record sets a zone has, counting each policy record as one (Route 53's
    /// `ResourceRecordSetCount`).
    pub(crate) async fn rrset_count(&self, zone_id: &str) -> Result<i64> {
        let sets: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT name, rtype, COALESCE(set_identifier, '') AS s \
             FROM records WHERE zone_id = $1) AS sets",
        )
        .bind(zone_id)
        .fetch_one(self.backend.pool())
        .await?;
        let policy_records: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM policy_records WHERE zone_id = $1")
                .bind(zone_id)
                .fetch_one(self.backend.pool())
                .await?;
        Ok(sets + policy_records)
    }
}
