use super::Conn;
use super::Store;
use super::health_checks::check_in_tx;
use super::sql::{log_change, next_serial};
use super::zones::zone_in_tx;
use crate::error::{Result, StoreError};
use crate::model::ChangeKind;
use crate::names::check_text;
#[allow(unused_imports)]
use crate::tags::*;
use crate::write_tx;

impl Store {
    /// Adds the tags `add` (a key that exists gets the new value) and removes the keys
    /// `remove` (an absent key is no error) of a resource, in one write; returns its tags
    /// after, sorted by key. Refused with `NotFound` if the resource does not exist,
    /// `Invalid` if a key is given twice or both added and removed, and `TooMany` if the
    /// resource would have more than [`MAX_TAGS_PER_RESOURCE`] tags; nothing changes then.
    pub(crate) async fn change_tags(
        &self,
        resource: TaggedResource,
        id: &str,
        add: &[Tag],
        remove: &[String],
    ) -> Result<Vec<Tag>> {
        check_tags(add)?;
        for key in remove {
            check_text(key, "tag key", MAX_TAG_KEY, true)?;
            if add.iter().any(|t| t.key == *key) {
                return Err(StoreError::Invalid(format!(
                    "tag key {key:?} is both added and removed: give it once"
                )));
            }
        }
        self.edit_tags(resource, id, |current| {
            let mut next = current.clone();
            for key in remove {
                next.remove(key);
            }
            next.extend(add.iter().map(|t| (t.key.clone(), t.value.clone())));
            next
        })
        .await
    }

    /// Replaces every tag of a resource with `tags`, in one write; returns them sorted by key.
    /// Refused as [`Store::change_tags`] is.
    pub(crate) async fn replace_tags(
        &self,
        resource: TaggedResource,
        id: &str,
        tags: &[Tag],
    ) -> Result<Vec<Tag>> {
        check_tags(tags)?;
        self.edit_tags(resource, id, |_| {
            tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
        })
        .await
    }

    /// The tags of a resource, sorted by key; `NotFound` if the resource does not exist.
    pub(crate) async fn tags(&self, resource: TaggedResource, id: &str) -> Result<Vec<Tag>> {
        let mut all = self.tags_of(resource, &[id]).await?;
        Ok(all.pop().unwrap_or_default())
    }

    /// The tags of several resources of one kind, in the order of `ids`, read in one read
    /// transaction; `NotFound` for the first that does not exist.
    pub(crate) async fn tags_of(
        &self,
        resource: TaggedResource,
        ids: &[&str],
    ) -> Result<Vec<Vec<Tag>>> {
        let mut tx = self.backend.begin_read().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            describe(&mut tx, resource, id).await?;
            out.push(into_tags(tags_in_tx(&mut tx, resource, id).await?));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Reads the resource's tags, applies `edit` and writes the difference, if any.
    async fn edit_tags(
        &self,
        resource: TaggedResource,
        id: &str,
        edit: impl FnOnce(&TagMap) -> TagMap,
    ) -> Result<Vec<Tag>> {
        write_tx!(self, |tx| {
            // Read before the serial bump, so that a change that changes nothing allocates
            // no serial.
            let subject = describe(tx, resource, id).await?;
            let current = tags_in_tx(tx, resource, id).await?;
            let next = edit(&current);
            if next.len() > MAX_TAGS_PER_RESOURCE {
                return Err(StoreError::TooMany(format!(
                    "{subject} would have {} tags: at most {MAX_TAGS_PER_RESOURCE} are allowed \
                     per resource; nothing was changed",
                    next.len()
                )));
            }
            if next == current {
                return Ok(into_tags(next));
            }
            let serial = next_serial(tx).await?;
            let (mut added, mut changed, mut removed) = (Vec::new(), Vec::new(), Vec::new());
            for (key, value) in &current {
                match next.get(key) {
                    None => {
                        sqlx::query(
                            "DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2 \
                             AND tag_key = $3",
                        )
                        .bind(resource.as_str())
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                        removed.push(key.as_str());
                    }
                    Some(new) if new != value => {
                        sqlx::query(
                            "UPDATE tags SET tag_value = $1 WHERE resource_type = $2 \
                             AND resource_id = $3 AND tag_key = $4",
                        )
                        .bind(new)
                        .bind(resource.as_str())
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                        changed.push(key.as_str());
                    }
                    Some(_) => {}
                }
            }
            for (key, value) in next.iter().filter(|(k, _)| !current.contains_key(*k)) {
                sqlx::query(
                    "INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(resource.as_str())
                .bind(id)
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
                added.push(key.as_str());
            }
            let mut detail = format!("tags of {subject}:");
            for (what, keys) in [("added", added), ("changed", changed), ("removed", removed)] {
                if !keys.is_empty() {
                    detail.push_str(&format!(" {what} {};", keys.join(", ")));
                }
            }
            detail.pop();
            let zone_id = (resource == TaggedResource::HostedZone).then_some(id);
            log_change(tx, serial, ChangeKind::Tags, zone_id, &detail).await?;
            Ok(into_tags(next))
        })
    }
}
/// Names the resource for messages (`hosted zone example.com.`, `health check ID`), failing
/// with `NotFound` if it does not exist.
async fn describe(tx: &mut Conn, resource: TaggedResource, id: &str) -> Result<String> {
    Ok(match resource {
        TaggedResource::HostedZone => format!("hosted zone {}", zone_in_tx(tx, id).await?.name),
        TaggedResource::HealthCheck => format!("health check {}", check_in_tx(tx, id).await?.id),
    })
}
/// The tags of a resource, by key (sorted in Rust, the same on every engine).
async fn tags_in_tx(tx: &mut Conn, resource: TaggedResource, id: &str) -> Result<TagMap> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT tag_key, tag_value FROM tags WHERE resource_type = $1 AND resource_id = $2",
    )
    .bind(resource.as_str())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().collect())
}
/// Deletes every tag of a resource (inside the transaction that deletes the resource).
pub(crate) async fn delete_tags_in_tx(
    tx: &mut Conn,
    resource: TaggedResource,
    id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2")
        .bind(resource.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
