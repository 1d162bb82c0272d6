//! Conventions enforced by `cargo test`: the pure crates depend only on an allow-list, and
//! every crate opens with module documentation.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Dependency names listed in one `[dependencies]` table of a manifest.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside
            && !line.is_empty()
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once('=')
        {
            deps.push(name.trim().to_owned());
        }
    }
    deps
}

#[test]
fn pure_crates_have_only_allowed_dependencies() {
    // Nothing here may do I/O, read a clock or hold global randomness.
    let allowed: &[(&str, &[&str])] =
        &[("policy", &["serde", "serde_json"]), ("geo", &["policy", "maxminddb", "serde"])];
    for (krate, allow) in allowed {
        let path = workspace().join("crates").join(krate).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).unwrap();
        for dep in dependencies(&manifest) {
            assert!(
                allow.contains(&dep.as_str()),
                "{krate} is a pure crate and may not depend on {dep:?}; allowed: {allow:?} (see ARCHITECTURE.md)"
            );
        }
        let clippy = workspace().join("crates").join(krate).join("clippy.toml");
        let bans = std::fs::read_to_string(&clippy).unwrap();
        assert!(bans.contains("SystemTime::now"), "{} must ban clock reads", clippy.display());
    }
}

#[test]
fn every_crate_has_module_docs() {
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let root = ["src/lib.rs", "src/main.rs"].iter().map(|f| dir.join(f)).find(|p| p.exists());
        let root = root.unwrap_or_else(|| panic!("{} has no lib.rs or main.rs", dir.display()));
        let text = std::fs::read_to_string(&root).unwrap();
        assert!(text.trim_start().starts_with("//!"), "{} must open with //! docs", root.display());
    }
}

/// Calls of a store write method in `text`: `store.` or `store().` followed by a method whose
/// name starts with a write verb. Comment lines are skipped.
fn store_write_calls(text: &str) -> Vec<(usize, String)> {
    const VERBS: &[&str] =
        &["create", "change", "delete", "replace", "update", "set", "advance", "insert", "put"];
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for receiver in ["store.", "store()."] {
            for (at, _) in code.match_indices(receiver) {
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let method = &code[at + receiver.len()..];
                if VERBS.iter().any(|v| method.starts_with(v)) {
                    found.push((i + 1, line.trim().to_owned()));
                }
            }
        }
    }
    found
}

#[test]
fn the_scan_for_store_writes_finds_them() {
    let bad = "    let (z, c) = store.replace_zone_records(&n, rows).await?;\n\
               // store.delete_zone(&id) in a comment is not a call\n\
               service.store().delete_policy_record(id).await?;\n\
               let z = store.zone_by_name(&n).await?;\n\
               service.delete_instance(id).await?;\n\
               self.datastore.delete_all();\n";
    let found = store_write_calls(bad);
    assert_eq!(found.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 3], "{found:?}");
}

#[test]
fn the_command_line_writes_only_through_the_service_layer() {
    // Validation, limits and the change log lines live in `control::Service`; the CLI's
    // store commands may read the store, never write it directly.
    for file in ["manage.rs", "policy_cmd.rs"] {
        let path = workspace().join("crates/flowdns/src").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let found = store_write_calls(&text);
        assert!(
            found.is_empty(),
            "{} writes the store directly; call control::Service instead:\n{}",
            path.display(),
            found.iter().map(|(l, t)| format!("{l}: {t}")).collect::<Vec<_>>().join("\n")
        );
    }
}

/// Places in `text` that name the store crate (`store::`), as (line, line text). Comment
/// lines and trailing `//` comments are skipped; `datastore::` and the like are not the store.
fn store_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        let named = code.match_indices("store::").any(|(at, _)| {
            let before = code[..at].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if named {
            found.push((i + 1, line.trim().to_owned()));
        }
    }
    found
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn the_scan_for_store_paths_finds_them() {
    let text = "use store::Zone;\n\
                // store::Zone in a comment is not a use\n\
                fn f(z: &control::zones::Zone) {} // not store::Zone\n\
                fn g(v: Vec<store::PolicyRecord>) {}\n\
                let d = datastore::open();\n\
                let s = service.store_serial();\n\
                let r: Result<(), ::store::StoreError> = Ok(());\n";
    let found = store_paths(text);
    assert_eq!(found.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 4, 7], "{found:?}");
}

#[test]
fn the_api_adapters_name_no_store_types() {
    // The adapters translate the service layer's own types; the store stays behind it.
    let dir = workspace().join("crates/api/src");
    let files = rust_files(&dir);
    assert!(files.len() > 5, "{} has too few Rust files: {files:?}", dir.display());
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (l, t) in store_paths(&text) {
            found.push(format!("{}:{l}: {t}", path.display()));
        }
    }
    assert!(
        found.is_empty(),
        "crates/api names store types; use the types of control::Service instead:\n{}",
        found.join("\n")
    );
}
