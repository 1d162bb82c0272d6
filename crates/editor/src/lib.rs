//! The browser editor's static files, embedded in the binary.
//!
//! `build.rs` copies the Vite build of `web/` (`web/dist`) into the build directory, with a
//! gzip copy of each compressible file, and this crate embeds both with `rust-embed` (in debug
//! builds too), so the binary serves the editor without reading any file. When `web/dist` was
//! not built, the binary embeds a placeholder page instead that says how to build the editor
//! (`cd web && npm ci && npm run build`, then rebuild flowdns), and [`is_built`] is false.
//!
//! The crate only knows files: [`asset`] finds one by its path, with its content type, an
//! entity tag and whether it may be cached forever (Vite's content-hashed files under
//! `assets/`). HTTP (caching headers, the single-page-application fallback to
//! `index.html`) is the API server's business.
#![deny(missing_docs)]

use std::borrow::Cow;

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/dist/"]
struct Dist;

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/gzip/"]
struct Gzip;

/// The text that marks the placeholder page (a `<meta>` tag in its head).
pub const PLACEHOLDER_MARKER: &str = r#"<meta name="flowdns-editor" content="placeholder" />"#;

/// The placeholder page, also served should the build have left no `index.html`.
const PLACEHOLDER: &str = include_str!("../placeholder.html");

/// The directory of Vite's content-hashed files, which never change under their name.
const HASHED_DIR: &str = "assets/";

/// One embedded file.
#[derive(Clone)]
pub struct Asset {
    /// The file's path below the editor's root, without a leading `/` (`assets/index-x.js`).
    pub path: String,
    /// The file's bytes.
    pub bytes: Cow<'static, [u8]>,
    /// The same bytes gzip-compressed, when that makes them smaller by a tenth or more.
    pub gzip: Option<Cow<'static, [u8]>>,
    /// The `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// A strong entity tag, quoted (`"…"`): a prefix of the SHA-256 of the bytes.
    pub etag: String,
    /// Whether the name changes whenever the content does (Vite's hashed files under
    /// `assets/`), so that the file may be cached forever.
    pub immutable: bool,
}

impl Asset {
    /// Whether the file is an HTML page.
    pub fn is_html(&self) -> bool {
        self.content_type.starts_with("text/html")
    }
}

/// Whether the binary holds the real editor (false: only the placeholder page).
pub fn is_built() -> bool {
    env!("FLOWDNS_EDITOR_BUILT") == "1"
}

/// The file at `path` (relative to the editor's root; a leading `/` is ignored), if embedded.
pub fn asset(path: &str) -> Option<Asset> {
    let path = path.trim_start_matches('/');
    if path.is_empty() || path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return None;
    }
    let file = Dist::get(path)?;
    let hash = file.metadata.sha256_hash();
    Some(Asset {
        path: path.to_owned(),
        gzip: Gzip::get(&format!("{path}.gz")).map(|f| f.data),
        content_type: content_type(path),
        etag: etag(&hash),
        immutable: path.starts_with(HASHED_DIR),
        bytes: file.data,
    })
}

/// `index.html`: the editor's page, or the placeholder when the editor was not built.
pub fn index() -> Asset {
    asset("index.html").unwrap_or_else(|| Asset {
        path: "index.html".to_owned(),
        bytes: Cow::Borrowed(PLACEHOLDER.as_bytes()),
        gzip: None,
        content_type: content_type("index.html"),
        etag: etag(&fnv(PLACEHOLDER.as_bytes()).to_be_bytes()),
        immutable: false,
    })
}

/// The paths of every embedded file, sorted.
pub fn paths() -> Vec<String> {
    let mut all: Vec<String> = Dist::iter().map(Cow::into_owned).collect();
    all.sort();
    all
}

/// The content type for a file name, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn etag(hash: &[u8]) -> String {
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// FNV-1a, for the fallback page's tag only.
fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_the_editor_or_the_placeholder() {
        let index = index();
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        assert!(index.is_html() && !index.immutable);
        let text = String::from_utf8_lossy(&index.bytes);
        assert_eq!(text.contains(PLACEHOLDER_MARKER), !is_built(), "{text}");
        assert!(PLACEHOLDER.contains(PLACEHOLDER_MARKER));
        assert!(PLACEHOLDER.contains("cd web &amp;&amp; npm ci &amp;&amp; npm run build"));
        assert!(index.etag.starts_with('"') && index.etag.ends_with('"') && index.etag.len() == 34);
        assert_eq!(asset("/index.html").map(|a| a.etag), Some(index.etag));
    }

    #[test]
    fn every_embedded_file_is_found_with_its_properties() {
        let paths = paths();
        assert!(paths.contains(&"index.html".to_owned()), "{paths:?}");
        for path in &paths {
            let a = asset(path).unwrap_or_else(|| panic!("{path} is listed but not found"));
            assert_eq!(a.immutable, path.starts_with("assets/"), "{path}");
            assert_eq!(a.content_type, content_type(path));
            if let Some(gz) = &a.gzip {
                assert!(gz.len() < a.bytes.len(), "{path}: gzip copy is not smaller");
                assert_eq!(&gz[..2], &[0x1f, 0x8b], "{path}: not gzip");
            }
        }
        if is_built() {
            assert!(paths.iter().any(|p| p.starts_with("assets/")), "{paths:?}");
        } else {
            assert_eq!(paths, ["index.html"]);
        }
    }

    #[test]
    fn unknown_and_odd_paths_are_not_found() {
        for path in
            ["", "/", "nope.js", "assets/nope.js", "../Cargo.toml", "assets/../index.html", "a//b"]
        {
            assert!(asset(path).is_none(), "{path}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        let cases = [
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.CSS", "text/css; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("logo.svg", "image/svg+xml"),
            ("data.json", "application/json"),
            ("a.png", "image/png"),
            ("favicon.ico", "image/x-icon"),
            ("f.woff2", "font/woff2"),
            ("noext", "application/octet-stream"),
        ];
        for (path, want) in cases {
            assert_eq!(content_type(path), want, "{path}");
        }
    }
}
