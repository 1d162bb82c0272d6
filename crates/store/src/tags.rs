//! Tags of hosted zones and health checks (Route 53 `ChangeTagsForResource`).
//!
//! A tag write is a store write like any other: one transaction, one serial, one change-log
//! row of kind [`ChangeKind::Tags`], which changes no DNS answer. A write that would leave the
//! tags as they are (adding a tag with its current value, removing an absent key) reads first
//! and allocates no serial. The store checks what it must to keep the table sane (key 1 to
//! [`MAX_TAG_KEY`] characters, value at most [`MAX_TAG_VALUE`], at most
//! [`MAX_TAGS_PER_RESOURCE`] per resource, no key given twice); Route 53's other rules
//! (characters, the reserved `aws:` prefix, ten keys per call) belong to the service layer.

use std::collections::BTreeMap;

use crate::error::{Result, StoreError};
use crate::names::check_text;

/// Most tags one resource can carry (Route 53's quota).
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
/// Longest tag key, in characters.
pub const MAX_TAG_KEY: usize = 128;
/// Longest tag value, in characters.
pub const MAX_TAG_VALUE: usize = 256;

/// The kinds of resource that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaggedResource {
    /// A hosted zone (its id is the zone id).
    HostedZone,
    /// A health check (its id is the health check id).
    HealthCheck,
}

impl TaggedResource {
    /// Every kind.
    pub const ALL: [TaggedResource; 2] = [TaggedResource::HostedZone, TaggedResource::HealthCheck];

    /// Route 53's `ResourceType` spelling, also the stored one: `hostedzone`, `healthcheck`.
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

pub(crate) type TagMap = BTreeMap<String, String>;

/// Checks keys and values, and that no key is given twice.
pub(crate) fn check_tags(tags: &[Tag]) -> Result<()> {
    for (i, tag) in tags.iter().enumerate() {
        check_text(&tag.key, "tag key", MAX_TAG_KEY, true)?;
        check_text(&tag.value, &format!("value of tag {:?}", tag.key), MAX_TAG_VALUE, false)?;
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(StoreError::Invalid(format!(
                "tag key {:?} is given twice: each key once",
                tag.key
            )));
        }
    }
    Ok(())
}

pub(crate) fn into_tags(map: TagMap) -> Vec<Tag> {
    map.into_iter().map(|(key, value)| Tag { key, value }).collect()
}
