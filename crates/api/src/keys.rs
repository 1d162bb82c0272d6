//! Access keys: the (access key id, secret access key) pairs that may sign API requests.
//!
//! # Where keys come from
//!
//! [`load_or_create`] looks, in order, at:
//!
//! 1. the environment: `FLOWDNS_ACCESS_KEY_ID` and `FLOWDNS_SECRET_ACCESS_KEY` ([`ENV_ACCESS_KEY_ID`],
//!    [`ENV_SECRET_ACCESS_KEY`]). Both or neither must be set (an empty value counts as unset);
//!    when both are, they are the only key and the keys file is neither read nor created.
//! 2. the keys file `<data-dir>/access-keys.json` ([`KEYS_FILE`]):
//!
//!    ```json
//!    {
//!      "keys": [
//!        {
//!          "access_key_id": "FDNSQ7MZ2K4XW9PLR3TB",
//!          "secret_access_key": "3mQ0…40 characters…",
//!          "created": "2026-11-27T06:47:53Z"
//!        }
//!      ]
//!    }
//!    ```
//!
//!    `created` (RFC 3339) is optional; unknown fields are refused. On unix the file must not be
//!    accessible to group or others (mode `0600` or stricter), or it is refused.
//! 3. neither: a new pair is generated, written to the keys file atomically (a temporary file
//!    created with mode `0600`, then renamed over the final name), and returned separately so the
//!    caller can print it once.
//!
//! Generated access key ids are `FDNS` followed by 16 characters of the base32 alphabet
//! (`A-Z2-7`), 20 characters like AWS's; secrets are 40 characters of the base64 alphabet
//! (`A-Za-z0-9+/`), like AWS's, from the operating system's random source. Ids given by the
//! environment or the file may use `A-Z a-z 0-9 - _ .` (1 to 128 characters); secrets may be any
//! 1 to 1024 characters without control characters or surrounding whitespace.
//!
//! # Bearer tokens
//!
//! The browser editor authenticates with a bearer token instead of signing each request with
//! SigV4. The token for a key pair is derived from its secret, so there is nothing more to store:
//!
//! ```text
//! <access key id>.<hex(HMAC-SHA256(key = secret, message = "flowdns-bearer-v1:" + access key id))>
//! ```
//!
//! [`bearer_token`] computes it and [`Keys::verify_bearer`] checks one in constant time. A token
//! is valid for as long as its key pair is: to revoke it, replace the pair.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::sigv4::hmac_sha256;

/// The environment variable holding the access key id.
pub const ENV_ACCESS_KEY_ID: &str = "FLOWDNS_ACCESS_KEY_ID";

/// The environment variable holding the secret access key.
pub const ENV_SECRET_ACCESS_KEY: &str = "FLOWDNS_SECRET_ACCESS_KEY";

/// The name of the keys file inside the data directory.
pub const KEYS_FILE: &str = "access-keys.json";

/// The prefix of generated access key ids.
pub const GENERATED_ID_PREFIX: &str = "FDNS";

/// The message prefix of the bearer token MAC (see the [module docs](self)).
const BEARER_CONTEXT: &str = "flowdns-bearer-v1:";

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const GENERATED_ID_RANDOM_CHARS: usize = 16;
const GENERATED_SECRET_CHARS: usize = 40;
const MAX_ID_LEN: usize = 128;
const MAX_SECRET_LEN: usize = 1024;

/// A secret access key. Its `Debug` output does not show the secret, and equality is checked in
/// constant time.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret access key.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for signing or for showing a newly created key to its owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Secret {}

/// One access key id with its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// The access key id, e.g. `FDNSQ7MZ2K4XW9PLR3TB`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: Secret,
    /// When the pair was created, if known (always set for generated pairs).
    pub created: Option<OffsetDateTime>,
}

impl KeyPair {
    /// Generates a new random pair (see the [module docs](self) for its shape), created now.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] when the operating system's random source fails.
    pub fn generate() -> Result<KeyPair, KeyError> {
        let mut random = [0u8; GENERATED_ID_RANDOM_CHARS + GENERATED_SECRET_CHARS];
        getrandom::fill(&mut random).map_err(|e| KeyError::Random(e.to_string()))?;
        let (id_bytes, secret_bytes) = random.split_at(GENERATED_ID_RANDOM_CHARS);
        let mut access_key_id = String::from(GENERATED_ID_PREFIX);
        // 32 and 64 divide 256, so masking keeps every character equally likely.
        access_key_id.extend(id_bytes.iter().map(|&b| char::from(BASE32[usize::from(b & 31)])));
        let secret: String =
            secret_bytes.iter().map(|&b| char::from(BASE64[usize::from(b & 63)])).collect();
        let created = OffsetDateTime::now_utc().replace_nanosecond(0).ok();
        Ok(KeyPair { access_key_id, secret: Secret(secret), created })
    }
}

/// Where a [`Keys`] set came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The `FLOWDNS_ACCESS_KEY_ID` and `FLOWDNS_SECRET_ACCESS_KEY` environment variables.
    Environment,
    /// The keys file at this path (read, or just created).
    File(PathBuf),
}

/// The access keys accepted by this server: one or more pairs with distinct ids.
#[derive(Clone, Debug)]
pub struct Keys {
    pairs: Vec<KeyPair>,
    source: KeySource,
}

impl Keys {
    /// A key set from explicit pairs, validated as pairs from the keys file are.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] when `pairs` is empty, an id or secret is malformed, or an id is
    /// repeated.
    pub fn new(pairs: Vec<KeyPair>, source: KeySource) -> Result<Keys, KeyError> {
        if pairs.is_empty() {
            return Err(KeyError::Invalid {
                origin: "key set".to_owned(),
                reason: "no access keys".to_owned(),
            });
        }
        for (i, pair) in pairs.iter().enumerate() {
            let origin = |field: &str| format!("keys[{i}].{field}");
            check_access_key_id(&pair.access_key_id)
                .map_err(|reason| KeyError::Invalid { origin: origin("access_key_id"), reason })?;
            check_secret(pair.secret.expose()).map_err(|reason| KeyError::Invalid {
                origin: origin("secret_access_key"),
                reason,
            })?;
            if pairs[..i].iter().any(|p| p.access_key_id == pair.access_key_id) {
                return Err(KeyError::Invalid {
                    origin: origin("access_key_id"),
                    reason: format!("access key id '{}' appears twice", pair.access_key_id),
                });
            }
        }
        Ok(Keys { pairs, source })
    }

    /// The secret for `access_key_id`, if that id is known. For [`crate::sigv4::verify`], pass
    /// `|id| keys.secret(id).cloned()`.
    pub fn secret(&self, access_key_id: &str) -> Option<&Secret> {
        self.pair(access_key_id).map(|pair| &pair.secret)
    }

    /// The pair with this access key id, if known.
    pub fn pair(&self, access_key_id: &str) -> Option<&KeyPair> {
        self.pairs.iter().find(|pair| pair.access_key_id == access_key_id)
    }

    /// All pairs, in the order they were given.
    pub fn pairs(&self) -> &[KeyPair] {
        &self.pairs
    }

    /// Where these keys came from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Checks a bearer token made by [`bearer_token`], in constant time for a known key id, and
    /// returns the access key id it belongs to.
    pub fn verify_bearer(&self, token: &str) -> Option<&str> {
        let (access_key_id, mac_hex) = token.trim().rsplit_once('.')?;
        let pair = self.pair(access_key_id)?;
        let mut provided = [0u8; 32];
        if mac_hex.len() != 64 || hex::decode_to_slice(mac_hex, &mut provided).is_err() {
            return None;
        }
        let expected = bearer_mac(pair);
        bool::from(expected.ct_eq(&provided)).then_some(pair.access_key_id.as_str())
    }
}

/// The bearer token of `pair`: `<access key id>.<hex MAC>` (see the [module docs](self)).
pub fn bearer_token(pair: &KeyPair) -> String {
    format!("{}.{}", pair.access_key_id, hex::encode(bearer_mac(pair)))
}

fn bearer_mac(pair: &KeyPair) -> [u8; 32] {
    let message = format!("{BEARER_CONTEXT}{}", pair.access_key_id);
    hmac_sha256(pair.secret.expose().as_bytes(), message.as_bytes())
}

/// Why the access keys could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Only one of the two environment variables is set.
    #[error(
        "{set} is set but {missing} is not: set both to use a key from the environment, or \
         neither to use the keys file {KEYS_FILE} in the data directory"
    )]
    HalfSetEnvironment {
        /// The variable that is set.
        set: &'static str,
        /// The variable that is missing.
        missing: &'static str,
    },
    /// An access key id or secret is malformed, or an id is repeated.
    #[error("{origin}: {reason}")]
    Invalid {
        /// Where the bad value came from: a variable name, or the keys file and field.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The keys file is not valid JSON of the expected shape.
    #[error("keys file {}: malformed at line {line}, column {column}: {reason}", path.display())]
    Malformed {
        /// The keys file.
        path: PathBuf,
        /// The 1-based line of the error.
        line: usize,
        /// The 1-based column of the error.
        column: usize,
        /// What the parser expected or found.
        reason: String,
    },
    /// The keys file may be read or written by users other than its owner.
    #[error(
        "keys file {} has mode {mode:04o}, so users other than its owner may read or change the \
         secrets; refusing to use it (run `chmod 600 {}`)",
        path.display(),
        path.display()
    )]
    InsecurePermissions {
        /// The keys file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Reading or writing the keys file failed.
    #[error("keys file {}: cannot {action}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What was being done, e.g. `read`.
        action: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The operating system's random source failed while generating a key.
    #[error("cannot generate an access key: the system random source failed: {0}")]
    Random(String),
}

/// Loads the access keys (see the [module docs](self) for the order of sources), creating the
/// keys file with a new pair on first start.
///
/// `env` reads an environment variable (pass `|name| std::env::var(name).ok()`). Returns the key
/// set and, when a pair was just generated, that pair, so the caller can show it once.
///
/// # Errors
///
/// A [`KeyError`] naming the variable, file, field or position at fault.
pub fn load_or_create(
    data_dir: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Keys, Option<KeyPair>), KeyError> {
    let read = |name: &str| env(name).filter(|value| !value.is_empty());
    match (read(ENV_ACCESS_KEY_ID), read(ENV_SECRET_ACCESS_KEY)) {
        (Some(access_key_id), Some(secret)) => {
            check_access_key_id(&access_key_id).map_err(|reason| KeyError::Invalid {
                origin: ENV_ACCESS_KEY_ID.to_owned(),
                reason,
            })?;
            check_secret(&secret).map_err(|reason| KeyError::Invalid {
                origin: ENV_SECRET_ACCESS_KEY.to_owned(),
                reason,
            })?;
            let pair = KeyPair { access_key_id, secret: Secret(secret), created: None };
            return Ok((Keys { pairs: vec![pair], source: KeySource::Environment }, None));
        }
        (Some(_), None) => {
            return Err(KeyError::HalfSetEnvironment {
                set: ENV_ACCESS_KEY_ID,
                missing: ENV_SECRET_ACCESS_KEY,
            });
        }
        (None, Some(_)) => {
            return Err(KeyError::HalfSetEnvironment {
                set: ENV_SECRET_ACCESS_KEY,
                missing: ENV_ACCESS_KEY_ID,
            });
        }
        (None, None) => {}
    }

    let path = data_dir.join(KEYS_FILE);
    match fs::File::open(&path) {
        Ok(file) => Ok((read_keys_file(&path, file)?, None)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let pair = KeyPair::generate()?;
            write_keys_file(data_dir, &path, std::slice::from_ref(&pair))?;
            let keys = Keys { pairs: vec![pair.clone()], source: KeySource::File(path) };
            Ok((keys, Some(pair)))
        }
        Err(source) => Err(KeyError::Io { path, action: "open", source }),
    }
}

/// The keys file as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
}

fn read_keys_file(path: &Path, mut file: fs::File) -> Result<Keys, KeyError> {
    let io_error = |action, source| KeyError::Io { path: path.to_owned(), action, source };
    // Permissions are checked on the opened file, so they are those of what is read.
    let metadata = file.metadata().map_err(|e| io_error("inspect", e))?;
    check_permissions(path, &metadata)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| io_error("read", e))?;

    let parsed: KeysFile = serde_json::from_str(&text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let reason = full.rsplit_once(" at line ").map_or(full.as_str(), |(reason, _)| reason);
        KeyError::Malformed {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            reason: reason.to_owned(),
        }
    })?;
    let in_file = |field: String| format!("keys file {}: {field}", path.display());
    if parsed.keys.is_empty() {
        return Err(KeyError::Invalid {
            origin: in_file("keys".to_owned()),
            reason: "the list is empty: add a key, or delete the file to have one generated"
                .to_owned(),
        });
    }
    let mut pairs = Vec::with_capacity(parsed.keys.len());
    for (i, entry) in parsed.keys.into_iter().enumerate() {
        let created = match entry.created {
            None => None,
            Some(text) => {
                Some(OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| KeyError::Invalid {
                    origin: in_file(format!("keys[{i}].created")),
                    reason: format!("'{text}' is not an RFC 3339 date-time: {e}"),
                })?)
            }
        };
        pairs.push(KeyPair {
            access_key_id: entry.access_key_id,
            secret: Secret(entry.secret_access_key),
            created,
        });
    }
    Keys::new(pairs, KeySource::File(path.to_owned())).map_err(|e| match e {
        KeyError::Invalid { origin, reason } => {
            KeyError::Invalid { origin: in_file(origin), reason }
        }
        other => other,
    })
}

/// A warning to show at start when the data directory (which holds the keys file and the
/// store) is open to group or others: its path, its mode and how to make it private. `None`
/// when it is private or missing, and on systems without unix permissions.
pub fn data_dir_warning(data_dir: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(data_dir).ok()?.permissions().mode() & 0o7777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "the data directory {} has mode {mode:04o}, so users other than its owner may \
                 read or change what it holds (the store, the access keys): make it private \
                 with `chmod 700 {}`",
                data_dir.display(),
                data_dir.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = data_dir;
        None
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, metadata: &fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyError::InsecurePermissions { path: path.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _metadata: &fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// Writes the keys file atomically: a new temporary file (mode 0600 on unix from its creation)
/// in the same directory, flushed to disk, then renamed over `path`.
fn write_keys_file(data_dir: &Path, path: &Path, pairs: &[KeyPair]) -> Result<(), KeyError> {
    let io_error =
        |path: &Path, action, source| KeyError::Io { path: path.to_owned(), action, source };
    let mut dir_builder = fs::DirBuilder::new();
    dir_builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        dir_builder.mode(0o700);
    }
    dir_builder.create(data_dir).map_err(|e| io_error(data_dir, "create its directory", e))?;

    let file = KeysFile {
        keys: pairs
            .iter()
            .map(|pair| KeyEntry {
                access_key_id: pair.access_key_id.clone(),
                secret_access_key: pair.secret.expose().to_owned(),
                created: pair.created.and_then(|t| t.format(&Rfc3339).ok()),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&file)
        .map_err(|e| io_error(path, "serialise", io::Error::other(e.to_string())))?;
    json.push('\n');

    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| KeyError::Random(e.to_string()))?;
    let temp = data_dir.join(format!(".{KEYS_FILE}.{}.tmp", hex::encode(suffix)));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(&temp).map_err(|e| io_error(&temp, "create", e))?;
        out.write_all(json.as_bytes()).map_err(|e| io_error(&temp, "write", e))?;
        out.sync_all().map_err(|e| io_error(&temp, "flush", e))?;
        drop(out);
        fs::rename(&temp, path).map_err(|e| io_error(path, "rename the temporary file to", e))
    })();
    if result.is_err() {
        // Best effort: do not leave a stray copy of the secret behind.
        let _ = fs::remove_file(&temp);
    }
    result?;
    // Best effort: make the rename itself durable.
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(data_dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn check_access_key_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(format!("an access key id must be 1 to {MAX_ID_LEN} characters long"));
    }
    if let Some(c) =
        id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "an access key id may only contain A-Z, a-z, 0-9, '-', '_' and '.', not {c:?}"
        ));
    }
    Ok(())
}

fn check_secret(secret: &str) -> Result<(), String> {
    if secret.is_empty() || secret.chars().count() > MAX_SECRET_LEN {
        return Err(format!("a secret access key must be 1 to {MAX_SECRET_LEN} characters long"));
    }
    if secret.chars().any(char::is_control) {
        return Err("a secret access key may not contain control characters".to_owned());
    }
    if secret.trim() != secret {
        return Err("a secret access key may not start or end with whitespace".to_owned());
    }
    Ok(())
}
