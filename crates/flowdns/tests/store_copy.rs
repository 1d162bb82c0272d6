//! End-to-end tests of `flowdns store copy`: a data directory filled through the command line
//! is copied to PostgreSQL (on a throwaway server of the test's own, on loopback) and back to a
//! new data directory, and every listing reads the same; refusals say what is wrong and
//! change nothing.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn flowdns(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args(args)
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_CONFIG")
        .env_remove("FLOWDNS_SERVER")
        .env_remove("FLOWDNS_STORE")
        .env_remove("FLOWDNS_DATA_DIR")
        .env_remove("FLOWDNS_ACCESS_KEY_ID")
        .env_remove("FLOWDNS_SECRET_ACCESS_KEY")
        .output()
        .expect("run flowdns")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs flowdns, asserts exit 0, and returns its standard output.
fn ok(args: &[&str]) -> String {
    let o = flowdns(args);
    assert_eq!(o.status.code(), Some(0), "flowdns {args:?}\n{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// Runs flowdns with `--json` and parses its standard output.
fn json(store: &[&str], args: &[&str]) -> serde_json::Value {
    let mut all = store.to_vec();
    all.push("--json");
    all.extend_from_slice(args);
    let out = ok(&all);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// A directory under the temp directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("flowdns-store-copy-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn str(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Everything the listings show, and the health check, for comparing two stores.
fn listings(store: &[&str], check: &str) -> Vec<serde_json::Value> {
    vec![
        json(store, &["zone", "list"]),
        json(store, &["policy", "list"]),
        json(store, &["record", "list"]),
        json(store, &["cidr", "list"]),
        json(store, &["health", "show", check]),
    ]
}

/// Fills a data directory through the command line: two zones, a policy with two versions, a
/// policy record, and a health check with an override.
fn populate(data: &TempDir) -> String {
    let d = data.str();
    let zone = data.path().join("net.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.net.\n@ 300 IN SOA ns1 hostmaster 7 7200 3600 1209600 60\n\
         @ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\nwww 60 IN AAAA 2001:db8::1\n",
    )
    .unwrap();
    ok(&["--data-dir", d, "zone", "import", &example("example.com.zone")]);
    ok(&["--data-dir", d, "zone", "import", zone.to_str().unwrap()]);
    let policy =
        ok(&["--data-dir", d, "policy", "create", "--name", "web", &example("minimal.json")]);
    let policy = policy.trim();
    ok(&["--data-dir", d, "policy", "update", policy, &example("failover.json")]);
    ok(&[
        "--data-dir",
        d,
        "record",
        "create",
        "--zone",
        "example.com",
        "--name",
        "app",
        "--policy",
        policy,
        "--version",
        "1",
        "--ttl",
        "60",
    ]);
    let check = ok(&[
        "--data-dir",
        d,
        "health",
        "create",
        r#"{"Type":"HTTP","IPAddress":"192.0.2.10","Port":8080,"ResourcePath":"/health"}"#,
    ]);
    let check = check.trim().to_owned();
    ok(&["--data-dir", d, "health", "override", &check, "--unhealthy", "--reason", "maintenance"]);
    check
}

#[test]
fn a_data_directory_copied_to_postgres_and_back_lists_the_same() {
    let pg = pgtest::shared();
    let data = TempDir::new("source");
    let check = populate(&data);
    let before = listings(&["--data-dir", data.str()], &check);
    assert_eq!(before[4]["override"]["reason"], "maintenance", "{:?}", before[4]);
    assert_eq!(before[0].as_array().unwrap().len(), 2, "{:?}", before[0]);
    assert_eq!(before[2].as_array().unwrap().len(), 1, "{:?}", before[2]);

    // A data directory to PostgreSQL: progress per table on stderr, the report on stdout.
    let url = pg.create_database();
    let o = flowdns(&["store", "copy", "--from", data.str(), "--to", &url]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(err.contains("zones: 2 rows"), "{err}");
    assert!(err.contains("policy_versions: 2 rows"), "{err}");
    assert!(err.contains("health_check_overrides: 1 row"), "{err}");
    assert!(out.contains("(sqlite) to postgres://"), "{out}");
    let zones_line =
        out.lines().find(|l| l.starts_with("zones ")).unwrap_or_else(|| panic!("{out}"));
    assert!(zones_line.contains(" 2 ") && zones_line.ends_with("same on both"), "{out}");
    assert!(out.contains("not copied: nodes, health_observations"), "{out}");

    let on_pg = ["--store", url.as_str()];
    assert_eq!(listings(&on_pg, &check), before);
    let exported = ok(&["--store", &url, "zone", "export", "example.com"]);
    assert_eq!(exported, ok(&["--data-dir", data.str(), "zone", "export", "example.com"]));

    // And back, to a new data directory, as JSON.
    let back = TempDir::new("back");
    let dest = back.path().join("data");
    let report = json(&[], &["store", "copy", "--from", &url, "--to", dest.to_str().unwrap()]);
    assert_eq!(report["source_engine"], "postgres");
    assert_eq!(report["destination_engine"], "sqlite");
    let tables = report["tables"].as_array().unwrap();
    assert!(tables.iter().all(|t| t["match"] == true && t["rows"] == t["destination_rows"]));
    let zones = tables.iter().find(|t| t["table"] == "zones").unwrap();
    assert_eq!(zones["rows"], 2);
    let info = json(&["--data-dir", data.str()], &["store", "info"]);
    assert_eq!(report["serial"], info["serial"]);
    assert_eq!(listings(&["--data-dir", dest.to_str().unwrap()], &check), before);
    let copied = json(&["--data-dir", dest.to_str().unwrap()], &["store", "info"]);
    for key in ["serial", "zones", "records", "policies", "policy_versions", "policy_records"] {
        assert_eq!(copied[key], info[key], "{key}");
    }

    // The copy is a working store.
    let zone = data.path().join("org.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.org.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n",
    )
    .unwrap();
    ok(&["--store", &url, "zone", "import", zone.to_str().unwrap()]);
    let zones = ok(&["--store", &url, "zone", "list"]);
    assert!(zones.contains("example.org."), "{zones}");

    // Copying again into a store that is no longer empty is refused, and writes nothing.
    let o = flowdns(&["store", "copy", "--from", data.str(), "--to", &url]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("not empty") && stderr(&o).contains("3 rows in zones"),
        "{}",
        stderr(&o)
    );
    assert_eq!(json(&on_pg, &["zone", "list"]).as_array().unwrap().len(), 3);
}

#[test]
fn a_missing_source_is_refused_and_not_created() {
    let dir = TempDir::new("missing");
    let file = dir.path().join("nothing.db");
    let from = format!("sqlite:{}", file.display());
    let to = format!("sqlite:{}", dir.path().join("to.db").display());
    let o = flowdns(&["store", "copy", "--from", &from, "--to", &to]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("there is no file"), "{}", stderr(&o));
    assert!(!file.exists(), "the source must not be created");
    assert!(!dir.path().join("to.db").exists(), "nothing is written to the destination");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = flowdns(&["store", "copy", "--from", empty.to_str().unwrap(), "--to", &to]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("there is no store in"), "{}", stderr(&o));
    assert!(!empty.join("flowdns.db").exists());

    let o = flowdns(&["store", "copy", "--from", "mysql://x@localhost/db", "--to", &to]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("expected sqlite:PATH, postgres://"), "{}", stderr(&o));
}

#[test]
fn an_unreachable_postgres_is_named() {
    let data = TempDir::new("unreachable");
    let zone = data.path().join("z.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n",
    )
    .unwrap();
    ok(&["--data-dir", data.str(), "zone", "import", zone.to_str().unwrap()]);
    // Port 1 on loopback: nothing listens there.
    let to = "postgres://flowdns:secret@127.0.0.1:1/flowdns";
    let o = flowdns(&["store", "copy", "--from", data.str(), "--to", to]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cannot open the destination store"), "{err}");
    assert!(err.contains("cannot connect to PostgreSQL at 127.0.0.1:1"), "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
}

#[test]
fn the_help_says_what_from_and_to_accept() {
    let out = ok(&["store", "copy", "--help"]);
    for word in ["--from", "--to", "flowdns.db", "sqlite:PATH", "postgres://", "empty"] {
        assert!(out.contains(word), "{word}: {out}");
    }
}
