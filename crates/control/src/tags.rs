//! Tags of hosted zones and health checks: `ChangeTagsForResource`, `ListTagsForResource`,
//! `ListTagsForResources`, and a whole-set replacement for the JSON API.
//!
//! Route 53's rules: the resource type is `hostedzone` or `healthcheck` (Route 53 also has
//! `healthchecksource`, a resource flowdns does not have); the resource id is the bare id
//! (a hosted zone id of at most 32 characters, not `/hostedzone/...`); a call adds 1 to 10
//! tags and removes 1 to 10 keys (either list may be left out, not given empty); a key has 1
//! to 128 characters, a value 0 to 256, both made of letters, digits, spaces and
//! `_ . : / = + - @`; keys beginning with `aws:` (in any case) are reserved; keys are
//! case-sensitive; adding a key that exists replaces its value; removing an absent key is no
//! error; a resource has at most 50 tags, and a change that would exceed that applies
//! nothing. flowdns also refuses a key given twice in one call, or both added and removed.

use store::StoreError;

use crate::{Code, Error, Result, Service, from_store};

/// Most tags added, or keys removed, by one `ChangeTagsForResource`.
pub const MAX_TAGS_PER_CALL: usize = 10;
/// Most resources one `ListTagsForResources` reads.
pub const MAX_RESOURCES_PER_CALL: usize = 10;

/// Most tags one resource can carry (Route 53's quota).
pub const MAX_TAGS_PER_RESOURCE: usize = store::MAX_TAGS_PER_RESOURCE;
/// Longest tag key, in characters.
pub const MAX_TAG_KEY: usize = store::MAX_TAG_KEY;
/// Longest tag value, in characters.
pub const MAX_TAG_VALUE: usize = store::MAX_TAG_VALUE;

/// The kinds of resource that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaggedResource {
    /// A hosted zone (its id is the zone id).
    HostedZone,
    /// A health check (its id is the health check id).
    HealthCheck,
}

impl TaggedResource {
    /// Route 53's `ResourceType` spelling: `hostedzone`, `healthcheck`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaggedResource::HostedZone => "hostedzone",
            TaggedResource::HealthCheck => "healthcheck",
        }
    }
}

impl std::fmt::Display for TaggedResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<TaggedResource> for store::TaggedResource {
    fn from(r: TaggedResource) -> store::TaggedResource {
        match r {
            TaggedResource::HostedZone => store::TaggedResource::HostedZone,
            TaggedResource::HealthCheck => store::TaggedResource::HealthCheck,
        }
    }
}

/// One tag. Keys are case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The key, 1 to [`MAX_TAG_KEY`] characters.
    pub key: String,
    /// The value, 0 to [`MAX_TAG_VALUE`] characters.
    pub value: String,
}

impl Tag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Tag {
        Tag { key: key.into(), value: value.into() }
    }
}

impl From<store::Tag> for Tag {
    fn from(t: store::Tag) -> Tag {
        Tag { key: t.key, value: t.value }
    }
}

impl From<Tag> for store::Tag {
    fn from(t: Tag) -> store::Tag {
        store::Tag { key: t.key, value: t.value }
    }
}

fn to_store(tags: Vec<Tag>) -> Vec<store::Tag> {
    tags.into_iter().map(store::Tag::from).collect()
}

fn from_store_tags(tags: Vec<store::Tag>) -> Vec<Tag> {
    tags.into_iter().map(Tag::from).collect()
}

/// The special characters a tag key or value may hold besides letters, digits and spaces.
const SPECIALS: &str = "_.:/=+-@";

/// A resource with its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTags {
    /// The kind of resource.
    pub resource_type: TaggedResource,
    /// Its bare id.
    pub id: String,
    /// Its tags, sorted by key.
    pub tags: Vec<Tag>,
}

/// Reads a Route 53 `ResourceType`.
pub fn resource_type(text: &str) -> Result<TaggedResource> {
    match text {
        "hostedzone" => Ok(TaggedResource::HostedZone),
        "healthcheck" => Ok(TaggedResource::HealthCheck),
        "healthchecksource" => Err(Error::invalid(
            "ResourceType",
            "healthchecksource: flowdns has no health check sources (the sources of Route 53's \
             private health checks), so there is nothing of that type to tag; tags are kept on \
             hostedzone and healthcheck",
        )),
        other => Err(Error::invalid(
            "ResourceType",
            format!("{other:?} is not a resource type; hostedzone or healthcheck"),
        )),
    }
}

/// Checks a `ResourceId` as Route 53 does: the bare id, at most 32 characters for a hosted
/// zone (64 for a health check, as the model allows).
fn check_resource_id(resource: TaggedResource, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("ResourceId", "is required and must not be empty"));
    }
    let max = match resource {
        TaggedResource::HostedZone => 32,
        TaggedResource::HealthCheck => 64,
    };
    if id.chars().count() > max {
        let hint = match resource {
            TaggedResource::HostedZone => "; give the bare zone id, without /hostedzone/",
            TaggedResource::HealthCheck => "",
        };
        return Err(Error::new(
            Code::InvalidInput,
            format!(
                "1 validation error detected: Value '{id}' at 'resourceId' failed to satisfy \
                 constraint: Member must have length less than or equal to {max}{hint}"
            ),
        ));
    }
    Ok(())
}

/// Checks the characters of a key or value; `field` names it.
fn check_chars(field: &str, text: &str) -> Result<()> {
    match text.chars().find(|&c| !(c.is_alphanumeric() || c == ' ' || SPECIALS.contains(c))) {
        Some(c) => Err(Error::invalid(
            field,
            format!(
                "{text:?} contains {c:?}; tags may hold letters, digits, spaces and \
                 _ . : / = + - @"
            ),
        )),
        None => Ok(()),
    }
}

/// Checks a tag key; `field` names it (e.g. `AddTags/Tag[2]/Key`).
fn check_key(field: &str, key: &str) -> Result<()> {
    let n = key.chars().count();
    if n == 0 {
        return Err(Error::invalid(
            field,
            format!("is empty; a key has 1 to {MAX_TAG_KEY} characters"),
        ));
    }
    if n > MAX_TAG_KEY {
        return Err(Error::invalid(
            field,
            format!("is {n} characters long; a key has 1 to {MAX_TAG_KEY} characters"),
        ));
    }
    check_chars(field, key)?;
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(Error::invalid(
            field,
            format!("{key:?}: keys beginning with aws: are reserved for AWS's own tags"),
        ));
    }
    Ok(())
}

/// Checks a list of tags to write; `list` names it (`AddTags`, `Tags`).
fn check_tags(list: &str, tags: &[Tag]) -> Result<()> {
    for (i, tag) in tags.iter().enumerate() {
        let at = |member: &str| format!("{list}/Tag[{}]/{member}", i + 1);
        check_key(&at("Key"), &tag.key)?;
        let n = tag.value.chars().count();
        if n > MAX_TAG_VALUE {
            return Err(Error::invalid(
                &at("Value"),
                format!("is {n} characters long; a value has 0 to {MAX_TAG_VALUE} characters"),
            ));
        }
        check_chars(&at("Value"), &tag.value)?;
        if let Some(first) = tags[..i].iter().position(|t| t.key == tag.key) {
            return Err(Error::invalid(
                &at("Key"),
                format!("{:?} is also Tag[{}]; give each key once", tag.key, first + 1),
            ));
        }
    }
    Ok(())
}

/// Checks the length of a list given in a call: 1 to `max` items when present.
fn check_count(field: &str, what: &str, n: usize, max: usize) -> Result<()> {
    if n == 0 || n > max {
        return Err(Error::invalid(
            field,
            format!("{n} {what}; give 1 to {max}, or leave {field} out to give none"),
        ));
    }
    Ok(())
}

fn code(e: StoreError) -> Error {
    match e {
        // The only quota of a tag write: 50 tags per resource.
        StoreError::TooMany(m) => Error::new(Code::InvalidInput, m),
        other => from_store(other, Code::InvalidInput, Code::InvalidInput),
    }
}

impl Service {
    /// ChangeTagsForResource: adds (or replaces the values of) `add` and removes the keys
    /// `remove` of the resource, all or nothing; returns its tags after. A list left out
    /// (`None`) changes nothing; an empty list is refused, as Route 53 does.
    pub async fn change_tags(
        &self,
        resource_type: &str,
        id: &str,
        add: Option<Vec<Tag>>,
        remove: Option<Vec<String>>,
    ) -> Result<Vec<Tag>> {
        let resource = self::resource_type(resource_type)?;
        check_resource_id(resource, id)?;
        let add = add.unwrap_or_default_checked("AddTags", "tags")?;
        let remove = remove.unwrap_or_default_checked("RemoveTagKeys", "keys")?;
        check_tags("AddTags", &add)?;
        for (i, key) in remove.iter().enumerate() {
            let field = format!("RemoveTagKeys/Key[{}]", i + 1);
            check_key(&field, key)?;
            if let Some(j) = add.iter().position(|t| t.key == *key) {
                return Err(Error::invalid(
                    &field,
                    format!(
                        "{key:?} is also added by AddTags/Tag[{}]; a key is either added or \
                         removed",
                        j + 1
                    ),
                ));
            }
        }
        self.store
            .change_tags(resource.into(), id, &to_store(add), &remove)
            .await
            .map(from_store_tags)
            .map_err(code)
    }

    /// Replaces every tag of the resource with `tags` (0 to 50; the JSON API's `PUT`), all or
    /// nothing; returns them sorted by key.
    pub async fn replace_tags(
        &self,
        resource_type: &str,
        id: &str,
        tags: Vec<Tag>,
    ) -> Result<Vec<Tag>> {
        let resource = self::resource_type(resource_type)?;
        check_resource_id(resource, id)?;
        if tags.len() > MAX_TAGS_PER_RESOURCE {
            return Err(Error::invalid(
                "Tags",
                format!("{} tags; a resource has at most {MAX_TAGS_PER_RESOURCE}", tags.len()),
            ));
        }
        check_tags("Tags", &tags)?;
        self.store
            .replace_tags(resource.into(), id, &to_store(tags))
            .await
            .map(from_store_tags)
            .map_err(code)
    }

    /// ListTagsForResource.
    pub async fn list_tags(&self, resource_type: &str, id: &str) -> Result<ResourceTags> {
        let mut all = self.list_tags_for_resources(resource_type, &[id.to_owned()]).await?;
        all.pop().ok_or_else(|| Error::new(Code::ServiceUnavailable, "no tag set was read"))
    }

    /// ListTagsForResources: the tags of 1 to 10 resources of one type, in the order given;
    /// an unknown id fails the whole call.
    pub async fn list_tags_for_resources(
        &self,
        resource_type: &str,
        ids: &[String],
    ) -> Result<Vec<ResourceTags>> {
        let resource = self::resource_type(resource_type)?;
        if ids.len() > MAX_RESOURCES_PER_CALL {
            return Err(Error::invalid(
                "ResourceIds",
                format!(
                    "{} ids: 'ResourceId' can occur a maximum of '{MAX_RESOURCES_PER_CALL}' times",
                    ids.len()
                ),
            ));
        }
        check_count("ResourceIds", "ids", ids.len(), MAX_RESOURCES_PER_CALL)?;
        for id in ids {
            check_resource_id(resource, id)?;
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let sets = self.store.tags_of(resource.into(), &refs).await.map_err(code)?;
        Ok(ids
            .iter()
            .zip(sets)
            .map(|(id, tags)| ResourceTags {
                resource_type: resource,
                id: id.clone(),
                tags: from_store_tags(tags),
            })
            .collect())
    }
}

/// A list a call may leave out but not give empty.
trait OptionalList<T> {
    fn unwrap_or_default_checked(self, field: &str, what: &str) -> Result<Vec<T>>;
}

impl<T> OptionalList<T> for Option<Vec<T>> {
    fn unwrap_or_default_checked(self, field: &str, what: &str) -> Result<Vec<T>> {
        match self {
            None => Ok(Vec::new()),
            Some(items) => {
                check_count(field, what, items.len(), MAX_TAGS_PER_CALL)?;
                Ok(items)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag::new(key, value)
    }

    #[test]
    fn keys_and_values() {
        for good in ["Name", "env:prod", "a b", "ключ", "名前", "x_y.z:/=+-@", "AWS", "awsx:y", "9"]
        {
            assert_eq!(check_key("K", good), Ok(()), "{good}");
            assert_eq!(check_tags("AddTags", &[tag("k", good)]), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "is empty"),
            ("a\tb", "contains '\\t'"),
            ("a#b", "contains '#'"),
            ("a,b", "contains ','"),
            ("aws:x", "reserved"),
            ("AWS:x", "reserved"),
            ("Aws:", "reserved"),
        ] {
            let e = check_key("AddTags/Tag[1]/Key", bad).unwrap_err();
            assert_eq!(e.code, Code::InvalidInput);
            assert!(e.message.starts_with("AddTags/Tag[1]/Key: "), "{e}");
            assert!(e.message.contains(why), "{bad:?}: {e}");
        }
        assert!(check_key("K", &"é".repeat(128)).is_ok());
        let e = check_key("K", &"é".repeat(129)).unwrap_err();
        assert!(e.message.contains("129 characters"), "{e}");
        // Values: empty is fine, aws: is fine, the characters are the keys'.
        assert!(check_tags("AddTags", &[tag("k", ""), tag("l", "aws:x")]).is_ok());
        let e = check_tags("AddTags", &[tag("k", "v"), tag("l", &"v".repeat(257))]).unwrap_err();
        assert!(e.message.starts_with("AddTags/Tag[2]/Value: is 257 characters"), "{e}");
        let e = check_tags("AddTags", &[tag("k", "a;b")]).unwrap_err();
        assert!(e.message.starts_with("AddTags/Tag[1]/Value: "), "{e}");
        let e = check_tags("Tags", &[tag("k", "1"), tag("K", "2"), tag("k", "3")]).unwrap_err();
        assert_eq!(e.message, "Tags/Tag[3]/Key: \"k\" is also Tag[1]; give each key once");
    }

    #[test]
    fn resource_types_and_ids() {
        assert_eq!(resource_type("hostedzone"), Ok(TaggedResource::HostedZone));
        assert_eq!(resource_type("healthcheck"), Ok(TaggedResource::HealthCheck));
        let e = resource_type("healthchecksource").unwrap_err();
        assert!(e.message.contains("flowdns has no health check sources"), "{e}");
        let e = resource_type("HostedZone").unwrap_err();
        assert!(e.message.starts_with("ResourceType: \"HostedZone\""), "{e}");

        let zone = "0123456789abcdef0123456789abcdef";
        assert!(check_resource_id(TaggedResource::HostedZone, zone).is_ok());
        let e = check_resource_id(TaggedResource::HostedZone, &format!("/hostedzone/{zone}"))
            .unwrap_err();
        assert!(
            e.message.starts_with(&format!(
                "1 validation error detected: Value '/hostedzone/{zone}' at 'resourceId' failed \
                 to satisfy constraint: Member must have length less than or equal to 32"
            )),
            "{e}"
        );
        let check = "abcdef11-2222-3333-4444-555555fedcba";
        assert!(check_resource_id(TaggedResource::HealthCheck, check).is_ok());
        assert!(check_resource_id(TaggedResource::HealthCheck, &"c".repeat(65)).is_err());
        assert!(check_resource_id(TaggedResource::HostedZone, "").is_err());
    }

    #[test]
    fn list_lengths() {
        let list = |n: usize| Some(vec![0u8; n]);
        assert_eq!(None::<Vec<u8>>.unwrap_or_default_checked("AddTags", "tags"), Ok(vec![]));
        assert_eq!(list(10).unwrap_or_default_checked("AddTags", "tags").map(|v| v.len()), Ok(10));
        for n in [0, 11] {
            let e = list(n).unwrap_or_default_checked("RemoveTagKeys", "keys").unwrap_err();
            assert_eq!(
                e.message,
                format!(
                    "RemoveTagKeys: {n} keys; give 1 to 10, or leave RemoveTagKeys out to give none"
                )
            );
        }
    }
}
