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
