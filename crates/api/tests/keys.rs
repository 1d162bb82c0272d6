//! Access keys: creation on first start, reload, the environment override, refusals, and bearer
//! tokens.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use api::keys::{
    self, ENV_ACCESS_KEY_ID, ENV_SECRET_ACCESS_KEY, KEYS_FILE, KeyError, KeyPair, KeySource, Keys,
    Secret,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let mut unique = [0u8; 6];
        getrandom::fill(&mut unique).unwrap();
        let path = std::env::temp_dir().join(format!(
            "flowdns-keys-{name}-{}-{}",
            std::process::id(),
            hex::encode(unique)
        ));
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn keys_file(&self) -> PathBuf {
        self.0.join(KEYS_FILE)
    }

    /// Writes the keys file with the given permission bits.
    fn write_keys_file(&self, text: &str, mode: u32) {
        write_with_mode(&self.keys_file(), text, mode);
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn write_with_mode(path: &Path, text: &str, mode: u32) {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
    // The umask may have removed bits that the test wants.
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn write_with_mode(path: &Path, text: &str, _mode: u32) {
    fs::write(path, text).unwrap();
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_of(pairs: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    let pairs = pairs.to_vec();
    move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
}

const GOOD_FILE: &str = r#"{
  "keys": [
    {
      "access_key_id": "FDNSAAAAAAAAAAAAAAAA",
      "secret_access_key": "first/secret+0123456789abcdefghijklmnopq",
      "created": "2026-11-27T06:47:53Z"
    },
    {
      "access_key_id": "ci-deploy",
      "secret_access_key": "second secret with spaces inside"
    }
  ]
}
"#;

#[test]
fn first_start_creates_a_private_keys_file_and_reload_gives_the_same_keys() {
    let dir = TempDir::new("create");
    let (keys, created) = keys::load_or_create(dir.path(), no_env).unwrap();
    let created = created.expect("a new pair on first start");

    // Shape of the generated pair.
    assert_eq!(created.access_key_id.len(), 20);
    assert!(created.access_key_id.starts_with("FDNS"));
    assert!(
        created.access_key_id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    let secret = created.secret.expose();
    assert_eq!(secret.len(), 40);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
    assert!(created.created.is_some());
    assert_eq!(keys.pairs(), std::slice::from_ref(&created));
    assert_eq!(keys.source(), &KeySource::File(dir.keys_file()));
    assert_eq!(keys.secret(&created.access_key_id), Some(&created.secret));
    assert_eq!(keys.secret("FDNSUNKNOWN000000000"), None);

    // The file: private from the start, the documented JSON, no temporary file left behind.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.keys_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.keys_file()).unwrap()).unwrap();
    assert_eq!(json["keys"][0]["access_key_id"], created.access_key_id.as_str());
    assert_eq!(json["keys"][0]["secret_access_key"], secret);
    let stamp = json["keys"][0]["created"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok(),
        "{stamp}"
    );
    let entries: Vec<_> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, [KEYS_FILE]);

    // Reload: the same pair, nothing newly created.
    let (reloaded, created_again) = keys::load_or_create(dir.path(), no_env).unwrap();
    assert!(created_again.is_none());
    assert_eq!(reloaded.pairs(), keys.pairs());
}

#[test]
fn a_missing_data_directory_is_created() {
    let dir = TempDir::new("nested");
    let data_dir = dir.path().join("a").join("b");
    let (_, created) = keys::load_or_create(&data_dir, no_env).unwrap();
    assert!(created.is_some());
    assert!(data_dir.join(KEYS_FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the data directory it creates is the owner's alone");
    }
}

#[cfg(unix)]
#[test]
fn a_data_directory_open_to_others_gets_a_warning_naming_it_its_mode_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("dir-mode");
    let path = dir.path().display().to_string();
    for mode in [0o755, 0o750, 0o705, 0o770, 0o777, 0o701] {
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(mode)).unwrap();
        let warning = keys::data_dir_warning(dir.path())
            .unwrap_or_else(|| panic!("no warning for mode {mode:o}"));
        assert!(warning.contains(&path), "{warning}");
        assert!(warning.contains(&format!("{mode:04o}")), "{warning}");
        assert!(warning.contains(&format!("chmod 700 {path}")), "{warning}");
    }
    for mode in [0o700, 0o500] {
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(mode)).unwrap();
        assert_eq!(keys::data_dir_warning(dir.path()), None, "{mode:o}");
    }
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(keys::data_dir_warning(&dir.path().join("missing")), None);
}

#[test]
fn generated_pairs_differ() {
    let a = KeyPair::generate().unwrap();
    let b = KeyPair::generate().unwrap();
    assert_ne!(a.access_key_id, b.access_key_id);
    assert_ne!(a.secret, b.secret);
}

#[test]
fn an_existing_file_with_several_keys_is_read() {
    let dir = TempDir::new("several");
    dir.write_keys_file(GOOD_FILE, 0o600);
    let (keys, created) = keys::load_or_create(dir.path(), no_env).unwrap();
    assert!(created.is_none());
    assert_eq!(keys.pairs().len(), 2);
    assert_eq!(
        keys.secret("ci-deploy").map(Secret::expose),
        Some("second secret with spaces inside")
    );
    assert!(keys.pair("FDNSAAAAAAAAAAAAAAAA").unwrap().created.is_some());
    assert!(keys.pair("ci-deploy").unwrap().created.is_none());
}

#[test]
fn a_read_only_file_is_accepted() {
    let dir = TempDir::new("readonly");
    dir.write_keys_file(GOOD_FILE, 0o400);
    assert!(keys::load_or_create(dir.path(), no_env).is_ok());
}

#[test]
fn the_environment_overrides_the_file() {
    let dir = TempDir::new("env");
    dir.write_keys_file(GOOD_FILE, 0o600);
    let env = env_of(&[(ENV_ACCESS_KEY_ID, "ENVKEY"), (ENV_SECRET_ACCESS_KEY, "env-secret-value")]);
    let (keys, created) = keys::load_or_create(dir.path(), env).unwrap();
    assert!(created.is_none());
    assert_eq!(keys.source(), &KeySource::Environment);
    assert_eq!(keys.pairs().len(), 1);
    assert_eq!(keys.secret("ENVKEY").map(Secret::expose), Some("env-secret-value"));
    assert!(keys.secret("ci-deploy").is_none());
}

#[test]
fn with_the_environment_set_no_file_is_created() {
    let dir = TempDir::new("env-nofile");
    let env = env_of(&[(ENV_ACCESS_KEY_ID, "ENVKEY"), (ENV_SECRET_ACCESS_KEY, "env-secret-value")]);
    keys::load_or_create(dir.path(), env).unwrap();
    assert!(!dir.keys_file().exists());
}

#[test]
fn a_half_set_environment_is_refused_naming_the_missing_variable() {
    let dir = TempDir::new("half");
    for (env, missing) in [
        (env_of(&[(ENV_ACCESS_KEY_ID, "ENVKEY")]), ENV_SECRET_ACCESS_KEY),
        (env_of(&[(ENV_SECRET_ACCESS_KEY, "secret")]), ENV_ACCESS_KEY_ID),
        // An empty value counts as unset.
        (
            env_of(&[(ENV_ACCESS_KEY_ID, "ENVKEY"), (ENV_SECRET_ACCESS_KEY, "")]),
            ENV_SECRET_ACCESS_KEY,
        ),
    ] {
        let error = keys::load_or_create(dir.path(), env).unwrap_err();
        assert!(matches!(error, KeyError::HalfSetEnvironment { missing: m, .. } if m == missing));
        assert!(error.to_string().contains(&format!("{missing} is not")), "{error}");
    }
    assert!(!dir.keys_file().exists());
}

#[test]
fn malformed_environment_values_are_refused_naming_the_variable() {
    let dir = TempDir::new("env-bad");
    let env = env_of(&[(ENV_ACCESS_KEY_ID, "AKID/WITH/SLASH"), (ENV_SECRET_ACCESS_KEY, "secret")]);
    let error = keys::load_or_create(dir.path(), env).unwrap_err();
    assert!(error.to_string().starts_with(ENV_ACCESS_KEY_ID), "{error}");
    let env = env_of(&[(ENV_ACCESS_KEY_ID, "AKID"), (ENV_SECRET_ACCESS_KEY, " padded ")]);
    let error = keys::load_or_create(dir.path(), env).unwrap_err();
    assert!(error.to_string().starts_with(ENV_SECRET_ACCESS_KEY), "{error}");
}

#[test]
fn malformed_json_is_refused_with_the_file_and_position() {
    let dir = TempDir::new("badjson");
    dir.write_keys_file("{\n  \"keys\": [\n    {\"access_key_id\": \"A\",}\n  ]\n}\n", 0o600);
    let error = keys::load_or_create(dir.path(), no_env).unwrap_err();
    let KeyError::Malformed { path, line, column, .. } = &error else {
        panic!("expected Malformed, got {error:?}");
    };
    assert_eq!(path, &dir.keys_file());
    assert_eq!(*line, 3);
    assert!(*column > 20, "column {column}");
    let text = error.to_string();
    assert!(text.contains(&dir.keys_file().display().to_string()), "{text}");
    assert!(text.contains("line 3, column"), "{text}");
}

#[test]
fn wrong_json_shapes_are_refused_naming_the_field() {
    let dir = TempDir::new("shape");
    for (text, expected) in [
        (r#"{"keys":[{"access_key_id":"A"}]}"#, "secret_access_key"),
        (r#"{"keys":[{"access_key_id":"A","secret_access_key":"s","colour":"red"}]}"#, "colour"),
        (r#"{"keys":[{"access_key_id":5,"secret_access_key":"s"}]}"#, "line 1, column"),
        ("", "line 1, column 0"),
    ] {
        dir.write_keys_file(text, 0o600);
        let error = keys::load_or_create(dir.path(), no_env).unwrap_err();
        assert!(matches!(error, KeyError::Malformed { .. }), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn invalid_entries_are_refused_naming_the_field() {
    let dir = TempDir::new("entries");
    for (text, expected) in [
        (r#"{"keys":[]}"#, "keys: the list is empty"),
        (
            r#"{"keys":[{"access_key_id":"A","secret_access_key":"s","created":"yesterday"}]}"#,
            "keys[0].created",
        ),
        (r#"{"keys":[{"access_key_id":"","secret_access_key":"s"}]}"#, "keys[0].access_key_id"),
        (r#"{"keys":[{"access_key_id":"A","secret_access_key":""}]}"#, "keys[0].secret_access_key"),
        (
            r#"{"keys":[{"access_key_id":"A","secret_access_key":"s"},{"access_key_id":"A","secret_access_key":"t"}]}"#,
            "keys[1].access_key_id: access key id 'A' appears twice",
        ),
    ] {
        dir.write_keys_file(text, 0o600);
        let error = keys::load_or_create(dir.path(), no_env).unwrap_err();
        assert!(matches!(error, KeyError::Invalid { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(message.contains(KEYS_FILE), "{message}");
    }
}

#[cfg(unix)]
#[test]
fn a_file_readable_by_group_or_others_is_refused() {
    let dir = TempDir::new("perms");
    for mode in [0o644, 0o640, 0o604, 0o620, 0o666] {
        dir.write_keys_file(GOOD_FILE, mode);
        let error = keys::load_or_create(dir.path(), no_env).unwrap_err();
        assert!(
            matches!(error, KeyError::InsecurePermissions { mode: m, .. } if m == mode),
            "{mode:o}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("{mode:04o}")), "{message}");
        assert!(message.contains("chmod 600"), "{message}");
    }
}

#[test]
fn secrets_are_not_shown_by_debug() {
    let pair = KeyPair::generate().unwrap();
    let keys = Keys::new(vec![pair.clone()], KeySource::Environment).unwrap();
    for shown in [format!("{pair:?}"), format!("{keys:?}"), format!("{:?}", pair.secret)] {
        assert!(!shown.contains(pair.secret.expose()), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}

#[test]
fn keys_new_validates() {
    assert!(Keys::new(vec![], KeySource::Environment).is_err());
    let pair = |id: &str| KeyPair {
        access_key_id: id.to_owned(),
        secret: Secret::new("secret"),
        created: None,
    };
    assert!(Keys::new(vec![pair("A"), pair("B")], KeySource::Environment).is_ok());
    assert!(Keys::new(vec![pair("A"), pair("A")], KeySource::Environment).is_err());
    assert!(Keys::new(vec![pair("has space")], KeySource::Environment).is_err());
}

#[test]
fn bearer_tokens_verify_in_constant_time_and_only_for_their_key() {
    let a = KeyPair::generate().unwrap();
    let b = KeyPair::generate().unwrap();
    let keys = Keys::new(vec![a.clone(), b.clone()], KeySource::Environment).unwrap();

    let token = keys::bearer_token(&a);
    let (id, mac) = token.split_once('.').unwrap();
    assert_eq!(id, a.access_key_id);
    assert_eq!(mac.len(), 64);
    assert!(mac.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));

    // The documented derivation.
    let mut expected = Hmac::<Sha256>::new_from_slice(a.secret.expose().as_bytes()).unwrap();
    expected.update(format!("flowdns-bearer-v1:{}", a.access_key_id).as_bytes());
    assert_eq!(mac, hex::encode(expected.finalize().into_bytes()));

    assert_eq!(keys.verify_bearer(&token), Some(a.access_key_id.as_str()));
    assert_eq!(keys.verify_bearer(&keys::bearer_token(&b)), Some(b.access_key_id.as_str()));

    // A's MAC under B's id, a changed digit, and garbage are refused.
    assert_eq!(keys.verify_bearer(&format!("{}.{mac}", b.access_key_id)), None);
    let flipped = format!("{id}.{}{}", &mac[..63], if mac.ends_with('0') { '1' } else { '0' });
    assert_eq!(keys.verify_bearer(&flipped), None);
    let unknown = keys::bearer_token(&KeyPair::generate().unwrap());
    assert_eq!(keys.verify_bearer(&unknown), None);
    for garbage in [
        "",
        ".",
        "..",
        "x",
        &a.access_key_id,
        &format!("{id}."),
        &format!("{id}.zz"),
        &token[..token.len() - 1],
    ] {
        assert_eq!(keys.verify_bearer(garbage), None, "{garbage:?}");
    }
}

#[test]
fn bearer_tokens_work_for_ids_containing_dots() {
    let pair = KeyPair {
        access_key_id: "team.ci".to_owned(),
        secret: Secret::new("a secret"),
        created: None,
    };
    let keys = Keys::new(vec![pair.clone()], KeySource::Environment).unwrap();
    assert_eq!(keys.verify_bearer(&keys::bearer_token(&pair)), Some("team.ci"));
}
