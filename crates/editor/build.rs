//! Copies the editor's Vite build (`web/dist` at the workspace root) into `OUT_DIR/dist`, with
//! a gzip copy of each compressible file in `OUT_DIR/gzip`, for the crate to embed. When
//! `web/dist/index.html` does not exist, `OUT_DIR/dist` holds only the placeholder page and a
//! cargo warning says how to build the editor: a plain `cargo build` never needs Node.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Files smaller than this are not worth compressing.
const GZIP_MIN_BYTES: u64 = 1024;

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env("OUT_DIR"));
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    let dist_out = out.join("dist");
    let gzip_out = out.join("gzip");
    for dir in [&dist_out, &gzip_out] {
        if dir.exists() {
            fs::remove_dir_all(dir).unwrap_or_else(|e| fail(dir, "remove", e));
        }
        fs::create_dir_all(dir).unwrap_or_else(|e| fail(dir, "create", e));
    }

    println!("cargo:rerun-if-changed=placeholder.html");
    let built = dist.join("index.html").is_file();
    if built {
        // Cargo scans a directory given here for any change below it.
        println!("cargo:rerun-if-changed={}", dist.display());
        let mut files = Vec::new();
        collect(&dist, &mut files);
        for file in files {
            let rel = file.strip_prefix(&dist).unwrap_or(&file);
            let target = dist_out.join(rel);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| fail(parent, "create", e));
            }
            fs::copy(&file, &target).unwrap_or_else(|e| fail(&file, "copy", e));
            if compressible(&file) {
                gzip(&target, &gzip_out.join(rel));
            }
        }
    } else {
        // A path that does not exist would make cargo rerun this script on every build, so
        // watch the `web` directory instead: creating `web/dist` changes it. (Without `web`,
        // as in a copy of the crates alone, that is what happens.)
        println!("cargo:rerun-if-changed={}", web.display());
        let placeholder = manifest.join("placeholder.html");
        fs::copy(&placeholder, dist_out.join("index.html"))
            .unwrap_or_else(|e| fail(&placeholder, "copy", e));
        println!(
            "cargo:warning=the browser editor is not built (no web/dist/index.html): the binary \
             serves a page that says so. Build it with `cd web && npm ci && npm run build`, then \
             rebuild flowdns; or run ./scripts/setup"
        );
    }
    println!("cargo:rustc-env=FLOWDNS_EDITOR_BUILT={}", u8::from(built));
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name} for build scripts"))
}

fn fail(path: &Path, what: &str, e: std::io::Error) -> ! {
    panic!("cannot {what} {}: {e}", path.display())
}

/// Every file below `dir`, in a stable order.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| fail(dir, "read", e))
        .map(|e| e.unwrap_or_else(|e| fail(dir, "read", e)).path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn compressible(path: &Path) -> bool {
    let text = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "mjs" | "css" | "svg" | "json" | "map" | "txt" | "webmanifest")
    );
    text && fs::metadata(path).map(|m| m.len() >= GZIP_MIN_BYTES).unwrap_or(false)
}

/// Writes `<target>.gz` when compression saves at least a tenth.
fn gzip(source: &Path, target: &Path) {
    let bytes = fs::read(source).unwrap_or_else(|e| fail(source, "read", e));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).unwrap_or_else(|e| fail(source, "compress", e));
    let packed = encoder.finish().unwrap_or_else(|e| fail(source, "compress", e));
    if packed.len() * 10 > bytes.len() * 9 {
        return;
    }
    let mut name = target.as_os_str().to_owned();
    name.push(".gz");
    let target = PathBuf::from(name);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| fail(parent, "create", e));
    }
    fs::write(&target, packed).unwrap_or_else(|e| fail(&target, "write", e));
}
