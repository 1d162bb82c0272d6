//! Tags of hosted zones and health checks.

use serde::{Deserialize, Serialize};

xml_list!(tags, "Tag", Tag);
xml_list!(tag_keys, "Key", String);
xml_list!(resource_ids, "ResourceId", String);
xml_list!(resource_tag_sets, "ResourceTagSet", ResourceTagSet);

/// A resource tag (`Tag`). Both members are optional in the model; flowdns requires `Key`
/// where a tag is added and reads a missing `Value` as the empty value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Tag", deny_unknown_fields)]
pub struct Tag {
    /// Key.
    #[serde(rename = "Key", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Value.
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Body of `ChangeTagsForResource` (`POST /2013-04-01/tags/{ResourceType}/{ResourceId}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeTagsForResourceRequest", deny_unknown_fields)]
pub struct ChangeTagsForResourceRequest {
    /// Tags to add, or whose values to replace (1 to 10).
    #[serde(
        rename = "AddTags",
        default,
        skip_serializing_if = "Option::is_none",
        with = "tags::opt"
    )]
    pub add_tags: Option<Vec<Tag>>,
    /// Keys of the tags to remove (1 to 10).
    #[serde(
        rename = "RemoveTagKeys",
        default,
        skip_serializing_if = "Option::is_none",
        with = "tag_keys::opt"
    )]
    pub remove_tag_keys: Option<Vec<String>>,
}

/// Response of `ChangeTagsForResource` (no members).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeTagsForResourceResponse", deny_unknown_fields)]
pub struct ChangeTagsForResourceResponse {}

/// The tags of one resource (`ResourceTagSet`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ResourceTagSet", deny_unknown_fields)]
pub struct ResourceTagSet {
    /// `hostedzone` or `healthcheck`.
    #[serde(rename = "ResourceType", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The resource's bare id.
    #[serde(rename = "ResourceId", default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Its tags (written even when empty).
    #[serde(rename = "Tags", with = "tags")]
    pub tags: Vec<Tag>,
}

/// Response of `ListTagsForResource` (`GET /2013-04-01/tags/{ResourceType}/{ResourceId}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTagsForResourceResponse", deny_unknown_fields)]
pub struct ListTagsForResourceResponse {
    /// The tags.
    #[serde(rename = "ResourceTagSet")]
    pub resource_tag_set: ResourceTagSet,
}

/// Body of `ListTagsForResources` (`POST /2013-04-01/tags/{ResourceType}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTagsForResourcesRequest", deny_unknown_fields)]
pub struct ListTagsForResourcesRequest {
    /// The bare ids of 1 to 10 resources of the type in the path.
    #[serde(rename = "ResourceIds", with = "resource_ids")]
    pub resource_ids: Vec<String>,
}

/// Response of `ListTagsForResources`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListTagsForResourcesResponse", deny_unknown_fields)]
pub struct ListTagsForResourcesResponse {
    /// One tag set per id, in the order of the request.
    #[serde(rename = "ResourceTagSets", with = "resource_tag_sets")]
    pub resource_tag_sets: Vec<ResourceTagSet>,
}
