//! CIDR collections (Route 53 IP-based routing): CreateCidrCollection, ChangeCidrCollection,
//! ListCidrCollections, ListCidrLocations, ListCidrBlocks, DeleteCidrCollection, and the
//! checks of record sets that route by a collection (`CidrRoutingConfig`).
//!
//! Rules (Route 53's, with flowdns's decisions where Route 53 says nothing):
//! - a collection name is 1-64 letters, digits, `_` or `-`, unique; the caller reference is
//!   1-64 ASCII characters. The same name and caller reference again is a retry and returns
//!   the existing collection; the same name with another reference, or a reference already
//!   used for another name, is `CidrCollectionAlreadyExistsException`. At most
//!   [`Limits::cidr_collections`](crate::Limits::cidr_collections) collections
//!   (`LimitsExceeded`).
//! - a change call has 1-1,000 changes, each with 1-1,000 blocks, and at most 1,000 blocks in
//!   all (Route 53's per-request limit). A location name is 1-16 letters, digits, `_` or `-`.
//!   A block is an IPv4 network of prefix length 1-24 or an IPv6 network of 1-48, without host
//!   bits; it is stored in canonical form (`2001:DB8:0::/32` becomes `2001:db8::/32`).
//!   `CollectionVersion`, when given, must be the current version, else
//!   `CidrCollectionVersionMismatchException` (409).
//! - all changes of a call apply together: deletions first, then puts, so a block moves
//!   between locations with a `DELETE_IF_EXISTS` and a `PUT` in one call. A `PUT` of a block
//!   that is (still) in another location of the collection is refused with
//!   `CidrBlockInUseException` naming the location, as is a call putting one block in two
//!   locations. The version grows by one per successful call. At most
//!   [`Limits::cidr_blocks_per_collection`](crate::Limits::cidr_blocks_per_collection)
//!   blocks per collection (`LimitsExceeded`).
//! - a collection can be deleted once it has no blocks and no record set names it, else
//!   `CidrCollectionInUseException` saying which.
//! - a record set with `CidrRoutingConfig` needs a `SetIdentifier`, no other routing policy
//!   (Weight, Region, ...), a type among A, AAAA, CAA,
//!   CNAME, MX, NAPTR, PTR, SPF, SRV and TXT, a collection that exists and a location that
//!   exists in it (a location has blocks) or `*` (the default); otherwise
//!   `InvalidChangeBatch`. A location emptied later is allowed: its record sets then match no
//!   client, and the `*` set answers. All record sets of one name and type use the same
//!   collection and each location once: the routing compiler checks that with the rest of
//!   the group (`zone::routing`), inside the batch's transaction.

use std::collections::{BTreeMap, BTreeSet};

use store::{Cidr, CidrAction, CidrChange};

use crate::page::max_items;
use crate::zones::{ChangeInfo, CidrRoutingConfig};
use crate::{Code, Error, Result, Service};

/// Most changes, blocks per change, and blocks in all, in one ChangeCidrCollection call.
pub const MAX_CHANGE_ITEMS: usize = 1000;

/// Longest IPv4 prefix a block may have.
pub const MAX_IPV4_PREFIX: u8 = 24;
/// Longest IPv6 prefix a block may have.
pub const MAX_IPV6_PREFIX: u8 = 48;

/// Record types a record set with `CidrRoutingConfig` may have.
pub const ROUTED_TYPES: &[&str] =
    &["A", "AAAA", "CAA", "CNAME", "MX", "NAPTR", "PTR", "SPF", "SRV", "TXT"];

/// A CIDR collection (Route 53 IP-based routing): named locations, each a set of CIDR blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrCollection {
    /// Collection id (UUID v4, hyphenated, lower case).
    pub id: String,
    /// Unique name, 1-64 letters, digits, `_` or `-`.
    pub name: String,
    /// The caller's idempotency token given at creation (unique, 1-64 ASCII characters).
    pub caller_reference: String,
    /// Starts at 1 and grows by one with each change of the blocks.
    pub version: i64,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

impl From<store::CidrCollection> for CidrCollection {
    fn from(c: store::CidrCollection) -> CidrCollection {
        CidrCollection {
            id: c.id,
            name: c.name,
            caller_reference: c.caller_reference,
            version: c.version,
            created_at: c.created_at,
        }
    }
}

/// One block of a CIDR collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidrBlock {
    /// The location it belongs to (1-16 letters, digits, `_` or `-`).
    pub location: String,
    /// The block in canonical form: `192.0.2.0/24`, `2001:db8::/32`.
    pub cidr: String,
}

impl From<store::CidrBlock> for CidrBlock {
    fn from(b: store::CidrBlock) -> CidrBlock {
        CidrBlock { location: b.location, cidr: b.cidr }
    }
}

/// A CIDR collection with all of its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrCollectionBlocks {
    /// The collection.
    pub collection: CidrCollection,
    /// Its blocks.
    pub blocks: Vec<CidrBlock>,
}

impl CidrCollectionBlocks {
    /// The location names, in the order of the blocks, each once per run.
    pub fn locations(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for b in &self.blocks {
            if out.last() != Some(&b.location.as_str()) {
                out.push(&b.location);
            }
        }
        out
    }
}

impl From<store::CidrCollectionBlocks> for CidrCollectionBlocks {
    fn from(c: store::CidrCollectionBlocks) -> CidrCollectionBlocks {
        CidrCollectionBlocks {
            collection: c.collection.into(),
            blocks: c.blocks.into_iter().map(CidrBlock::from).collect(),
        }
    }
}

/// The ARN of a collection, as Route 53 writes it.
pub fn arn(id: &str) -> String {
    format!("arn:aws:route53:::cidrcollection/{id}")
}

/// Whether `id` has the form of a collection id: a lower-case hyphenated UUID.
pub fn is_collection_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n && g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Whether `name` is a location name of a collection: 1-16 letters, digits, `_` or `-`.
pub fn is_location_name(name: &str) -> bool {
    plain(name, 16)
}

fn plain(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_id(id: &str) -> Result<()> {
    if is_collection_id(id) {
        Ok(())
    } else {
        Err(Error::invalid(
            "CidrCollectionId",
            format!(
                "{id:?} is not a CIDR collection id (a lower-case UUID such as \
                 0f3c7a5e-1111-4222-8333-444455556666)"
            ),
        ))
    }
}

/// Reads one block as a collection may hold it and returns its canonical form; the message
/// says what is wrong (without naming the field).
pub fn canonical_block(text: &str) -> std::result::Result<String, String> {
    let cidr = Cidr::parse(text)?;
    let (family, max) =
        if cidr.addr.is_ipv4() { ("IPv4", MAX_IPV4_PREFIX) } else { ("IPv6", MAX_IPV6_PREFIX) };
    if cidr.prefix == 0 {
        return Err(format!(
            "{text:?}: a block's prefix length is at least 1; clients outside every block are \
             answered by the record set whose LocationName is \"*\""
        ));
    }
    if cidr.prefix > max {
        return Err(format!(
            "{text:?}: an {family} block's prefix length is 1 to {max}, not {}",
            cidr.prefix
        ));
    }
    if !cidr.is_network() {
        return Err(format!("{text:?} has host bits set: the network is {}", cidr.network()));
    }
    Ok(cidr.to_string())
}

/// One change of a ChangeCidrCollection call, as the APIs carry it (Route 53's member names in
/// JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CidrCollectionChange {
    /// The location (1-16 letters, digits, `_` or `-`).
    pub location_name: String,
    /// `PUT` or `DELETE_IF_EXISTS`.
    pub action: String,
    /// The blocks.
    pub cidr_list: Vec<String>,
}

/// A page of a list paged by opaque tokens (Route 53 `NextToken`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPage<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The token of the next page, when the list goes on.
    pub next_token: Option<String>,
}

/// `maxresults`: 1 to 1,000, 100 when absent.
fn page_size(raw: Option<&str>) -> Result<usize> {
    max_items(raw, 100, 1000).map_err(|_| {
        Error::invalid(
            "maxresults",
            format!("{:?} is not a number from 1 to 1000", raw.unwrap_or_default()),
        )
    })
}

/// Tokens are the hex form of the next item's sort key: opaque to clients, stable when
/// items are added or removed between pages.
fn encode_token(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Result<String> {
    let bad = || {
        Error::invalid(
            "nexttoken",
            format!("{token:?} is not a token from a previous page of this list"),
        )
    };
    if !token.len().is_multiple_of(2) || token.len() > 1024 {
        return Err(bad());
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    bytes.and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)
}

/// The page of `items` (sorted by `key`) from the first item whose key is at least `start`.
fn token_page<T, K: Ord>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
    start: Option<K>,
    max: usize,
    token_of: impl Fn(&T) -> String,
) -> TokenPage<T> {
    let begin = match &start {
        Some(s) => items.iter().position(|i| key(i) >= *s).unwrap_or(items.len()),
        None => 0,
    };
    let mut rest: Vec<T> = items.into_iter().skip(begin).collect();
    let next_token = rest.get(max).map(|n| encode_token(&token_of(n)));
    rest.truncate(max);
    TokenPage { items: rest, next_token }
}

/// A block's sort key: location, then IPv4 before IPv6, address, prefix length.
fn block_key(b: &CidrBlock) -> (String, Option<Cidr>) {
    (b.location.clone(), Cidr::parse(&b.cidr).ok())
}

fn block_token(b: &CidrBlock) -> String {
    format!("{} {}", b.location, b.cidr)
}

fn store_error(e: store::StoreError, in_use: Code) -> Error {
    use store::StoreError as S;
    match e {
        S::NotFound { id, .. } => Error::new(
            Code::NoSuchCidrCollectionException,
            format!("no CIDR collection has the id {id}"),
        ),
        S::AlreadyExists(m) => Error::new(Code::CidrCollectionAlreadyExistsException, m),
        S::VersionMismatch(m) => Error::new(Code::CidrCollectionVersionMismatchException, m),
        S::InUse(m) => Error::new(in_use, m),
        S::TooMany(m) => Error::new(Code::LimitsExceeded, m),
        other => crate::from_store(other, Code::NoSuchCidrCollectionException, Code::InvalidInput),
    }
}

/// The checks of a record set with `CidrRoutingConfig` that need no store: no other routing
/// policy beside it, the record type, the collection id's form and the location name's form.
/// The message names the field.
pub fn check_routing_config(
    rtype: &str,
    routing: &crate::zones::Routing,
    config: &CidrRoutingConfig,
) -> std::result::Result<(), String> {
    let others: Vec<&str> = [
        ("Weight", routing.weight.is_some()),
        ("Region", routing.region.is_some()),
        ("GeoLocation", routing.geo_location.is_some()),
        ("Failover", routing.failover.is_some()),
        ("MultiValueAnswer", routing.multi_value_answer.is_some()),
        ("GeoProximityLocation", routing.geo_proximity_location.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    if !others.is_empty() {
        return Err(format!(
            "CidrRoutingConfig cannot be combined with {}: a record set has one routing policy",
            others.join(", ")
        ));
    }
    if !ROUTED_TYPES.contains(&rtype) {
        return Err(format!(
            "Type: IP-based routing (CidrRoutingConfig) is not available for {rtype} record \
             sets; one of {}",
            ROUTED_TYPES.join(", ")
        ));
    }
    if !is_collection_id(&config.collection_id) {
        return Err(format!(
            "CidrRoutingConfig/CollectionId: {:?} is not a CIDR collection id (a lower-case \
             UUID)",
            config.collection_id
        ));
    }
    if config.location_name != "*" && !is_location_name(&config.location_name) {
        return Err(format!(
            "CidrRoutingConfig/LocationName: {:?}; 1 to 16 letters, digits, '_' or '-', or \"*\" \
             for the default",
            config.location_name
        ));
    }
    Ok(())
}

impl Service {
    /// CreateCidrCollection: the collection (version 1) and whether it was created now
    /// (`false` for a retry with the same name and caller reference).
    pub async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
    ) -> Result<(CidrCollection, bool)> {
        if !plain(name, 64) {
            return Err(Error::invalid(
                "Name",
                format!("{name:?}; 1 to 64 letters, digits, '_' or '-'"),
            ));
        }
        if caller_reference.is_empty()
            || caller_reference.chars().count() > 64
            || !caller_reference.is_ascii()
        {
            return Err(Error::invalid(
                "CallerReference",
                format!("{caller_reference:?}; 1 to 64 ASCII characters"),
            ));
        }
        self.store
            .create_cidr_collection(name, caller_reference, self.limits.cidr_collections)
            .await
            .map(|(c, created)| (c.into(), created))
            .map_err(|e| store_error(e, Code::CidrCollectionInUseException))
    }

    /// ChangeCidrCollection: every change checked (all problems reported, one per line), then
    /// applied together in one write; returns the collection at its new version and the change
    /// (for GetChange).
    pub async fn change_cidr_collection(
        &self,
        id: &str,
        collection_version: Option<i64>,
        changes: Vec<CidrCollectionChange>,
    ) -> Result<(CidrCollection, ChangeInfo)> {
        check_id(id)?;
        if let Some(v) = collection_version
            && v < 1
        {
            return Err(Error::invalid("CollectionVersion", format!("{v}; at least 1")));
        }
        if changes.is_empty() || changes.len() > MAX_CHANGE_ITEMS {
            return Err(Error::invalid(
                "Changes",
                format!("{} changes; 1 to {MAX_CHANGE_ITEMS}", changes.len()),
            ));
        }
        let total: usize = changes.iter().map(|c| c.cidr_list.len()).sum();
        if total > MAX_CHANGE_ITEMS {
            return Err(Error::invalid(
                "Changes",
                format!(
                    "{total} CIDR blocks in one request; at most {MAX_CHANGE_ITEMS} (split the \
                     change into several requests)"
                ),
            ));
        }
        let mut problems = Vec::new();
        let mut out = Vec::with_capacity(changes.len());
        for (i, c) in changes.into_iter().enumerate() {
            let at = format!("Changes[{}]", i + 1);
            let action = match c.action.as_str() {
                "PUT" => CidrAction::Put,
                "DELETE_IF_EXISTS" => CidrAction::DeleteIfExists,
                other => {
                    problems.push(format!("{at}/Action: {other:?}; PUT or DELETE_IF_EXISTS"));
                    CidrAction::Put
                }
            };
            if !is_location_name(&c.location_name) {
                problems.push(format!(
                    "{at}/LocationName: {:?}; 1 to 16 letters, digits, '_' or '-'",
                    c.location_name
                ));
            }
            if c.cidr_list.is_empty() || c.cidr_list.len() > MAX_CHANGE_ITEMS {
                problems.push(format!(
                    "{at}/CidrList: {} blocks; 1 to {MAX_CHANGE_ITEMS}",
                    c.cidr_list.len()
                ));
            }
            let mut cidrs = Vec::with_capacity(c.cidr_list.len());
            for (j, text) in c.cidr_list.iter().enumerate() {
                match canonical_block(text) {
                    Ok(canonical) => cidrs.push(canonical),
                    Err(m) => problems.push(format!("{at}/CidrList[{}]: {m}", j + 1)),
                }
            }
            out.push(CidrChange { action, location: c.location_name, cidrs });
        }
        if !problems.is_empty() {
            return Err(Error::new(Code::InvalidInput, problems.join("\n")));
        }
        let (collection, serial) = self
            .store
            .change_cidr_collection(
                id,
                collection_version,
                &out,
                self.limits.cidr_blocks_per_collection,
            )
            .await
            .map_err(|e| store_error(e, Code::CidrBlockInUseException))?;
        let change = self.change_info(serial, None).await?;
        Ok((collection.into(), change))
    }

    /// The collection with all of its blocks (blocks ordered by location, then IPv4 before
    /// IPv6, by address).
    pub async fn cidr_collection(&self, id: &str) -> Result<CidrCollectionBlocks> {
        check_id(id)?;
        let mut c: CidrCollectionBlocks = self
            .store
            .cidr_collection(id)
            .await
            .map_err(|e| store_error(e, Code::CidrCollectionInUseException))?
            .into();
        c.blocks.sort_by_cached_key(block_key);
        Ok(c)
    }

    /// ListCidrCollections: collections by name.
    pub async fn list_cidr_collections(
        &self,
        next_token: Option<&str>,
        max_results: Option<&str>,
    ) -> Result<TokenPage<CidrCollection>> {
        let max = page_size(max_results)?;
        let start = next_token.map(decode_token).transpose()?;
        let mut all: Vec<CidrCollection> = self
            .store
            .list_cidr_collections()
            .await
            .map_err(|e| store_error(e, Code::CidrCollectionInUseException))?
            .into_iter()
            .map(CidrCollection::from)
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(token_page(all, |c| c.name.clone(), start, max, |c| c.name.clone()))
    }

    /// ListCidrLocations: a collection's location names, sorted.
    pub async fn list_cidr_locations(
        &self,
        id: &str,
        next_token: Option<&str>,
        max_results: Option<&str>,
    ) -> Result<TokenPage<String>> {
        let max = page_size(max_results)?;
        let start = next_token.map(decode_token).transpose()?;
        let c = self.cidr_collection(id).await?;
        let names: Vec<String> = c
            .locations()
            .into_iter()
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(token_page(names, Clone::clone, start, max, Clone::clone))
    }

    /// ListCidrBlocks: a collection's blocks (of one location when `location` is given;
    /// `NoSuchCidrLocationException` if it has no blocks), by location, then IPv4 before
    /// IPv6, by address.
    pub async fn list_cidr_blocks(
        &self,
        id: &str,
        location: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<&str>,
    ) -> Result<TokenPage<CidrBlock>> {
        let max = page_size(max_results)?;
        if let Some(l) = location
            && !is_location_name(l)
        {
            return Err(Error::invalid(
                "location",
                format!("{l:?}; 1 to 16 letters, digits, '_' or '-'"),
            ));
        }
        let start = match next_token {
            Some(t) => {
                let text = decode_token(t)?;
                let key = text
                    .split_once(' ')
                    .and_then(|(l, c)| Some((l.to_owned(), Some(Cidr::parse(c).ok()?))));
                Some(key.ok_or_else(|| {
                    Error::invalid(
                        "nexttoken",
                        format!("{t:?} is not a token from a previous page of this list"),
                    )
                })?)
            }
            None => None,
        };
        let c = self.cidr_collection(id).await?;
        let blocks: Vec<CidrBlock> = match location {
            Some(l) => {
                let of: Vec<CidrBlock> = c.blocks.into_iter().filter(|b| b.location == l).collect();
                if of.is_empty() {
                    return Err(Error::new(
                        Code::NoSuchCidrLocationException,
                        format!(
                            "CIDR collection {} has no location {l:?} (a location exists while \
                             it has blocks)",
                            c.collection.name
                        ),
                    ));
                }
                of
            }
            None => c.blocks,
        };
        Ok(token_page(blocks, block_key, start, max, block_token))
    }

    /// DeleteCidrCollection: refused with `CidrCollectionInUseException` while it has blocks
    /// or a record set names it.
    pub async fn delete_cidr_collection(&self, id: &str) -> Result<ChangeInfo> {
        check_id(id)?;
        let serial = self
            .store
            .delete_cidr_collection(id)
            .await
            .map_err(|e| store_error(e, Code::CidrCollectionInUseException))?;
        self.change_info(serial, None).await
    }

    /// The batch-time checks of record sets with `CidrRoutingConfig` that need the store: the
    /// collection exists and the location is `*` or one of its locations; one problem per
    /// line, each naming its change. Deletions are not checked. (The store checks the
    /// collection again inside the write.)
    pub(crate) async fn cidr_reference_problems(
        &self,
        changes: &[crate::zones::Change],
    ) -> Result<Vec<String>> {
        let mut collections: BTreeMap<&str, Option<BTreeSet<String>>> = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            let Some(config) = &c.set.routing.cidr_routing_config else { continue };
            if c.action == crate::zones::ChangeAction::Delete
                || !is_collection_id(&config.collection_id)
            {
                continue;
            }
            let id = config.collection_id.as_str();
            if !collections.contains_key(id) {
                let locations = match self.store.cidr_collection(id).await {
                    Ok(c) => Some(c.locations().into_iter().map(str::to_owned).collect()),
                    Err(store::StoreError::NotFound { .. }) => None,
                    Err(e) => {
                        return Err(crate::from_store(e, Code::InvalidInput, Code::InvalidInput));
                    }
                };
                collections.insert(id, locations);
            }
            match collections.get(id) {
                Some(Some(locations)) => {
                    let l = &config.location_name;
                    if l != "*" && !locations.contains(l) {
                        let known: Vec<&str> = locations.iter().map(String::as_str).collect();
                        problems.push(format!(
                            "change {}: CidrRoutingConfig/LocationName: CIDR collection {id} has \
                             no location {l:?} (its locations: {}); use one of them, or \"*\"",
                            i + 1,
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ));
                    }
                }
                _ => problems.push(format!(
                    "change {}: CidrRoutingConfig/CollectionId: no CIDR collection has the id {id}",
                    i + 1
                )),
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(collection: &str, location: &str) -> CidrRoutingConfig {
        CidrRoutingConfig { collection_id: collection.into(), location_name: location.into() }
    }

    const C1: &str = "0f3c7a5e-1111-4222-8333-444455556666";

    #[test]
    fn blocks_are_checked_and_made_canonical() {
        for (text, canonical) in [
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("128.0.0.0/1", "128.0.0.0/1"),
            ("2001:DB8::/32", "2001:db8::/32"),
            ("2001:0db8:0001:0000::/48", "2001:db8:1::/48"),
            ("8000::/1", "8000::/1"),
        ] {
            assert_eq!(canonical_block(text).as_deref(), Ok(canonical), "{text}");
        }
        for (text, message) in [
            ("192.0.2.0/25", "an IPv4 block's prefix length is 1 to 24, not 25"),
            ("192.0.2.1/32", "an IPv4 block's prefix length is 1 to 24, not 32"),
            ("2001:db8::/49", "an IPv6 block's prefix length is 1 to 48, not 49"),
            ("0.0.0.0/0", "at least 1"),
            ("::/0", "at least 1"),
            ("192.0.2.1/24", "has host bits set: the network is 192.0.2.0/24"),
            ("2001:db8::1/48", "has host bits set: the network is 2001:db8::/48"),
            ("garbage", "has no prefix length"),
            ("192.0.2.0/x", "is not a prefix length"),
            ("192.0.2/24", "is not an IPv4 or IPv6 address"),
            ("192.0.2.0/33", "at most 32"),
        ] {
            let err = canonical_block(text).unwrap_err();
            assert!(err.contains(message), "{text}: {err}");
        }
    }

    #[test]
    fn collection_ids_and_location_names() {
        assert!(is_collection_id(C1));
        for bad in [
            "0F3C7A5E-1111-4222-8333-444455556666",
            "0f3c7a5e11114222833344445555666",
            "0f3c7a5e-1111-4222-8333-44445555666",
            "0f3c7a5e-1111-4222-8333-44445555666g",
            "",
        ] {
            assert!(!is_collection_id(bad), "{bad}");
        }
        assert!(is_location_name("fra-1_b"));
        assert!(is_location_name(&"l".repeat(16)));
        for bad in ["", "*", "a b", "a.b", &"l".repeat(17)] {
            assert!(!is_location_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn record_set_configurations() {
        let plain = crate::zones::Routing::default();
        assert_eq!(check_routing_config("A", &plain, &config(C1, "fra")), Ok(()));
        assert_eq!(check_routing_config("TXT", &plain, &config(C1, "*")), Ok(()));
        let weighted = crate::zones::Routing {
            weight: Some(1),
            failover: Some("PRIMARY".into()),
            ..Default::default()
        };
        let err = check_routing_config("A", &weighted, &config(C1, "fra")).unwrap_err();
        assert!(err.contains("cannot be combined with Weight, Failover"), "{err}");
        for (rtype, c, message) in [
            ("NS", config(C1, "fra"), "not available for NS record sets"),
            ("A", config("not-a-uuid", "fra"), "CidrRoutingConfig/CollectionId"),
            ("A", config(C1, "a*"), "CidrRoutingConfig/LocationName"),
            ("A", config(C1, ""), "CidrRoutingConfig/LocationName"),
            ("A", config(C1, &"l".repeat(17)), "CidrRoutingConfig/LocationName"),
        ] {
            let err = check_routing_config(rtype, &plain, &c).unwrap_err();
            assert!(err.contains(message), "{rtype} {c:?}: {err}");
        }
    }

    #[test]
    fn tokens_round_trip_and_pages_follow_them() {
        for key in ["", "offices", "fra 2001:db8::/32"] {
            assert_eq!(decode_token(&encode_token(key)).unwrap(), key);
        }
        for bad in ["abc", "zz", "ff"] {
            assert!(decode_token(bad).is_err(), "{bad}");
        }
        let items: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        let p = token_page(items.clone(), Clone::clone, None, 2, Clone::clone);
        assert_eq!(p.items, ["a", "b"]);
        let start = decode_token(p.next_token.as_deref().unwrap()).unwrap();
        assert_eq!(start, "c");
        let p = token_page(items.clone(), Clone::clone, Some(start), 2, Clone::clone);
        assert_eq!(p.items, ["c", "d"]);
        // An item removed between pages does not make the next page skip or repeat others.
        let fewer: Vec<String> = items.iter().filter(|i| *i != "e").cloned().collect();
        let p = token_page(fewer, Clone::clone, Some("e".to_owned()), 2, Clone::clone);
        assert!(p.items.is_empty() && p.next_token.is_none());
        let p = token_page(items, Clone::clone, Some("e".to_owned()), 2, Clone::clone);
        assert_eq!((p.items, p.next_token), (vec!["e".to_owned()], None));
        assert!(page_size(Some("0")).is_err());
        assert!(page_size(Some("x")).is_err());
        assert_eq!(page_size(None).unwrap(), 100);
        assert_eq!(page_size(Some("5000")).unwrap(), 1000);
    }

    #[test]
    fn blocks_sort_by_location_then_address() {
        let mut blocks: Vec<CidrBlock> = [
            ("b", "10.0.0.0/8"),
            ("a", "2001:db8::/32"),
            ("a", "9.0.0.0/8"),
            ("a", "10.0.0.0/16"),
            ("a", "10.0.0.0/8"),
        ]
        .iter()
        .map(|(l, c)| CidrBlock { location: (*l).into(), cidr: (*c).into() })
        .collect();
        blocks.sort_by_cached_key(block_key);
        let got: Vec<String> = blocks.iter().map(block_token).collect();
        assert_eq!(
            got,
            ["a 9.0.0.0/8", "a 10.0.0.0/8", "a 10.0.0.0/16", "a 2001:db8::/32", "b 10.0.0.0/8"]
        );
    }
}
