//! `flowdns cidr`: CIDR collections (IP-based routing), read through the same service layer
//! as the API. Collections are created and changed through the API.

use anyhow::Result;
use serde_json::json;

use crate::health_cmd::{print, refused};

fn collection_json(c: &control::cidr::CidrCollectionBlocks) -> serde_json::Value {
    json!({
        "id": c.collection.id,
        "name": c.collection.name,
        "version": c.collection.version,
        "created_at": c.collection.created_at,
        "locations": c.locations(),
        "blocks": c.blocks.iter().map(|b| json!({"location": b.location, "cidr": b.cidr})).collect::<Vec<_>>(),
    })
}

/// `flowdns cidr list`: one line per collection (id, name, version, locations, blocks).
pub(crate) async fn list(s: &control::Service, json_out: bool) -> Result<()> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page =
            s.list_cidr_collections(token.as_deref(), Some("1000")).await.map_err(refused)?;
        for c in &page.items {
            all.push(s.cidr_collection(&c.id).await.map_err(refused)?);
        }
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    let value = json!({"cidr_collections": all.iter().map(collection_json).collect::<Vec<_>>()});
    print(json_out, &value, || {
        let mut out = format!(
            "{:<36}  {:<24} {:>7} {:>9} {:>6}",
            "ID", "NAME", "VERSION", "LOCATIONS", "BLOCKS"
        );
        for c in &all {
            out.push_str(&format!(
                "\n{:<36}  {:<24} {:>7} {:>9} {:>6}",
                c.collection.id,
                c.collection.name,
                c.collection.version,
                c.locations().len(),
                c.blocks.len()
            ));
        }
        out
    });
    Ok(())
}

/// `flowdns cidr show ID`: the collection, then one line per location with its blocks.
pub(crate) async fn show(s: &control::Service, id: &str, json_out: bool) -> Result<()> {
    let c = s.cidr_collection(id).await.map_err(refused)?;
    print(json_out, &collection_json(&c), || {
        let mut out =
            format!("{} {} (version {})", c.collection.id, c.collection.name, c.collection.version);
        for location in c.locations() {
            let blocks: Vec<&str> = c
                .blocks
                .iter()
                .filter(|b| b.location == location)
                .map(|b| b.cidr.as_str())
                .collect();
            out.push_str(&format!("\n  {location}: {}", blocks.join(" ")));
        }
        out
    });
    Ok(())
}
