//! Helpers shared by the policy crate's integration tests.

#![allow(dead_code)] // Each test binary uses its own subset.

use policy::{Compilation, codes::Catalog, compile};
use serde_json::Value;

/// Compiles a document against the built-in region catalog.
pub(crate) fn run(text: &str) -> Compilation {
    compile(text, &Catalog::builtin())
}

/// Resolves an RFC 6901 pointer in `doc`. A pointer to a missing member of an existing object
/// counts as resolved (that is how a missing required field is located).
pub(crate) fn resolves(doc: &Value, pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    let Some(rest) = pointer.strip_prefix('/') else { return false };
    let tokens: Vec<String> =
        rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let mut cur = doc;
    for (i, token) in tokens.iter().enumerate() {
        let next = match cur {
            Value::Object(members) => members.get(token.as_str()),
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .filter(|_| token == "0" || !token.starts_with('0'))
                .and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return i + 1 == tokens.len() && cur.is_object(),
        }
    }
    true
}
