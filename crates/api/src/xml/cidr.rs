//! CIDR collections (IP-based routing): `CreateCidrCollection`, `ChangeCidrCollection`,
//! `ListCidrCollections`, `ListCidrLocations`, `ListCidrBlocks`, `DeleteCidrCollection`.
//!
//! The model leaves the items of `Changes`, `CidrCollections`, `CidrLocations` and
//! `CidrBlocks` unnamed: botocore writes them as `<member>`, the API reference shows the
//! shape names (`<CidrCollectionChange>`, `<CollectionSummary>`, `<LocationSummary>`,
//! `<CidrBlockSummary>`). Requests are read with children of any name; responses are written
//! with the shape names (botocore's parser does not look at the item names).

use serde::{Deserialize, Serialize};

xml_list!(cidr_changes, any "CidrCollectionChange", CidrCollectionChange);
xml_list!(cidr_list, any "Cidr", String);
xml_list!(collection_summaries, any "CollectionSummary", CollectionSummary);
xml_list!(location_summaries, any "LocationSummary", LocationSummary);
xml_list!(block_summaries, any "CidrBlockSummary", CidrBlockSummary);

/// Body of `CreateCidrCollection` (`POST /2013-04-01/cidrcollection`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateCidrCollectionRequest", deny_unknown_fields)]
pub struct CreateCidrCollectionRequest {
    /// The collection's name (1–64 letters, digits, `_` or `-`).
    #[serde(rename = "Name")]
    pub name: String,
    /// A unique string that makes retries idempotent (1–64 ASCII characters).
    #[serde(rename = "CallerReference")]
    pub caller_reference: String,
}

/// A CIDR collection (`CidrCollection`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CidrCollection", deny_unknown_fields)]
pub struct CidrCollection {
    /// `arn:aws:route53:::cidrcollection/<id>`.
    #[serde(rename = "Arn")]
    pub arn: String,
    /// The collection id (a UUID).
    #[serde(rename = "Id")]
    pub id: String,
    /// The collection's name.
    #[serde(rename = "Name")]
    pub name: String,
    /// Starts at 1, grows by one with each change.
    #[serde(rename = "Version")]
    pub version: i64,
}

/// Response of `CreateCidrCollection` (201, with a `Location` header).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateCidrCollectionResponse", deny_unknown_fields)]
pub struct CreateCidrCollectionResponse {
    /// The collection.
    #[serde(rename = "Collection")]
    pub collection: CidrCollection,
}

/// One change of a collection (`CidrCollectionChange`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CidrCollectionChange", deny_unknown_fields)]
pub struct CidrCollectionChange {
    /// The location (1–16 letters, digits, `_` or `-`).
    #[serde(rename = "LocationName")]
    pub location_name: String,
    /// `PUT` or `DELETE_IF_EXISTS`.
    #[serde(rename = "Action")]
    pub action: String,
    /// The CIDR blocks.
    #[serde(rename = "CidrList", with = "cidr_list")]
    pub cidr_list: Vec<String>,
}

/// Body of `ChangeCidrCollection` (`POST /2013-04-01/cidrcollection/{CidrCollectionId}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeCidrCollectionRequest", deny_unknown_fields)]
pub struct ChangeCidrCollectionRequest {
    /// The version the caller last saw; the change is refused if the collection is at
    /// another.
    #[serde(rename = "CollectionVersion", default, skip_serializing_if = "Option::is_none")]
    pub collection_version: Option<i64>,
    /// The changes, applied together.
    #[serde(rename = "Changes", with = "cidr_changes")]
    pub changes: Vec<CidrCollectionChange>,
}

/// Response of `ChangeCidrCollection`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ChangeCidrCollectionResponse", deny_unknown_fields)]
pub struct ChangeCidrCollectionResponse {
    /// The change id, for `GetChange`.
    #[serde(rename = "Id")]
    pub id: String,
}

/// A collection in a list (`CollectionSummary`): the model's members are those of
/// [`CidrCollection`].
pub type CollectionSummary = CidrCollection;

/// Response of `ListCidrCollections`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListCidrCollectionsResponse", deny_unknown_fields)]
pub struct ListCidrCollectionsResponse {
    /// The `nexttoken` of the next page, when the list goes on.
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The collections of this page.
    #[serde(rename = "CidrCollections", with = "collection_summaries")]
    pub cidr_collections: Vec<CollectionSummary>,
}

/// A location in a list (`LocationSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "LocationSummary", deny_unknown_fields)]
pub struct LocationSummary {
    /// The location's name.
    #[serde(rename = "LocationName")]
    pub location_name: String,
}

/// Response of `ListCidrLocations`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListCidrLocationsResponse", deny_unknown_fields)]
pub struct ListCidrLocationsResponse {
    /// The `nexttoken` of the next page, when the list goes on.
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The locations of this page.
    #[serde(rename = "CidrLocations", with = "location_summaries")]
    pub cidr_locations: Vec<LocationSummary>,
}

/// A block in a list (`CidrBlockSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CidrBlockSummary", deny_unknown_fields)]
pub struct CidrBlockSummary {
    /// The block, in canonical form.
    #[serde(rename = "CidrBlock")]
    pub cidr_block: String,
    /// Its location.
    #[serde(rename = "LocationName")]
    pub location_name: String,
}

/// Response of `ListCidrBlocks`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListCidrBlocksResponse", deny_unknown_fields)]
pub struct ListCidrBlocksResponse {
    /// The `nexttoken` of the next page, when the list goes on.
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The blocks of this page.
    #[serde(rename = "CidrBlocks", with = "block_summaries")]
    pub cidr_blocks: Vec<CidrBlockSummary>,
}

/// Response of `DeleteCidrCollection`: the model has no members; written as an empty root
/// element.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteCidrCollectionResponse", deny_unknown_fields)]
pub struct DeleteCidrCollectionResponse {}
