//! End-to-end tests of the `flowdns` command line: the real binary, real files, exit codes and
//! output as a user or script sees them.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn geoip() -> String {
    root().join("crates/geo/tests/data/GeoIP2-City-Test.mmdb").display().to_string()
}

fn flowdns(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args(args)
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_CONFIG")
        .env_remove("FLOWDNS_SERVER")
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

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowdns-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn explain_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["policy", "explain"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = flowdns(&all);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)))
}

#[test]
fn validate_accepts_every_example() {
    let mut args = vec!["policy".to_owned(), "validate".to_owned()];
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            args.push(path.display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = flowdns(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o).matches(": valid (").count(), args.len() - 2);
}

#[test]
fn validate_reports_each_error_with_its_pointer_and_exits_1() {
    let doc =
        br#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"site_switch",
        "Endpoints":{"my_elb":{"Type":"value","Value":"192.0.2.300"}},
        "Rules":{"site_switch":{"RuleType":"failover","Primary":{"EndpointReference":"my_elbb"},
        "Secondary":{"EndpointReference":"my_elb"}}}}"#;
    let path = temp_file("bad.json", doc);
    let o = flowdns(&["policy", "validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("error: ")).collect();
    assert_eq!(errors.len(), 2, "{out}");
    assert!(out.contains("error: /Rules/site_switch/Primary/EndpointReference: endpoint \"my_elbb\" does not exist"), "{out}");
    assert!(
        out.contains("error: /Endpoints/my_elb/Value: \"192.0.2.300\" is not an IPv4 address"),
        "{out}"
    );

    let o = flowdns(&["policy", "validate", "--json", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    assert_eq!(v["errors"][0]["pointer"], "/Endpoints/my_elb/Value");
}

#[test]
fn validate_usage_and_io_errors_exit_2() {
    let o = flowdns(&["policy", "validate", "/nonexistent/policy.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/policy.json"), "{}", stderr(&o));
    let o = flowdns(&["policy", "validate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = flowdns(&["policy", "validate", "--no-such-flag", "x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn validate_never_panics_on_arbitrary_bytes() {
    let inputs: [&[u8]; 6] = [
        b"\xff\xfe\x00garbage",
        b"",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"{\"Rules\": 5}",
        b"null",
        b"{\"AWSPolicyFormatVersion\":\"2015-10-01\",\"RecordType\":\"A\",\"StartEndpoint\":\"e\",\"Endpoints\":{\"e\":{\"Type\":\"value\",\"Value\":\"1.2.3.4\"}},\"Rules\":{\"r\":{\"RuleType\":\"weighted\",\"Items\":[{\"RuleReference\":\"r\",\"Weight\":1}]}}}",
    ];
    for (i, bytes) in inputs.iter().enumerate() {
        let path = temp_file(&format!("fuzz{i}.json"), bytes);
        let o = flowdns(&["policy", "validate", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "input {i}: {}{}", stdout(&o), stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "input {i} panicked: {}", stderr(&o));
        assert!(stdout(&o).contains("error: "), "input {i}: {}", stdout(&o));
    }
}

#[test]
fn explain_london_client_gets_the_denied_message() {
    let v = explain_json(&[
        &example("geo-latency-failover.json"),
        "--client",
        "81.2.69.142",
        "--geoip",
        &geoip(),
    ]);
    assert_eq!(v["answer"], serde_json::json!(["video.example.com"]));
    assert_eq!(v["endpoints"][0]["id"], "denied_message");
    assert_eq!(v["location"]["country"], "GB");
    assert_eq!(v["location"]["continent"], "EU");
    let scope = v["ecs_scope"].as_u64().unwrap();
    assert!(scope > 0 && scope <= 32, "the answer depends on the client's network: {scope}");
    let trace = v["trace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .any(|s| s["event"] == "match" && s["pointer"] == "/Rules/geo_restriction/Locations/0")
    );
    assert!(
        !trace.iter().any(|s| s["detail"].as_str().unwrap().contains("region_selector (latency)"))
    );
}

#[test]
fn explain_seattle_client_goes_west_and_fails_over() {
    let doc = example("geo-latency-failover.json");
    let v = explain_json(&[&doc, "--client", "216.160.83.56", "--geoip", &geoip()]);
    assert_eq!(v["answer"], serde_json::json!(["elb-111111.us-west-1.elb.amazonaws.com"]));
    assert_eq!(v["location"]["subdivision"], "WA");
    let details: Vec<&str> =
        v["trace"].as_array().unwrap().iter().map(|s| s["detail"].as_str().unwrap()).collect();
    let text = details.join("\n");
    assert!(text.contains("rule region_selector (latency)"), "{text}");
    assert!(text.contains("rule west_coast_region (failover)"), "{text}");

    // The example has no health checks; with its primary target down the failover rule still
    // answers from it, because a branch without health signals always counts as healthy.
    let v = explain_json(&[
        &doc,
        "--client",
        "216.160.83.56",
        "--geoip",
        &geoip(),
        "--unhealthy-target",
        "elb-111111.us-west-1.elb.amazonaws.com",
    ]);
    assert_eq!(v["answer"], serde_json::json!(["elb-111111.us-west-1.elb.amazonaws.com"]));
}

#[test]
fn explain_unhealthy_flag_moves_the_answer() {
    let doc = example("weighted.json");
    let v = explain_json(&[
        &doc,
        "--client",
        "192.0.2.1",
        "--unhealthy",
        "hc-srv1",
        "--unhealthy",
        "hc-srv2",
    ]);
    assert_eq!(v["answer"], serde_json::json!(["192.0.2.3"]));
    assert_eq!(v["ecs_scope"], 0, "weighted answers do not depend on the client");
    let skipped = v["trace"].as_array().unwrap().iter().filter(|s| s["event"] == "skip").count();
    assert_eq!(skipped, 2);
}

#[test]
fn explain_seed_reproduces_draws() {
    let doc = example("weighted.json");
    let a = explain_json(&[&doc, "--client", "192.0.2.1", "--seed", "42"]);
    let b = explain_json(&[&doc, "--client", "192.0.2.1", "--seed", "42"]);
    assert_eq!(a["answer"], b["answer"]);
    assert_eq!(a["trace"], b["trace"]);
}

#[test]
fn explain_a_client_whose_entry_knows_only_a_continent() {
    // MaxMind's test database places 2.3.3.0/24 in Europe without a country.
    let doc = temp_file(
        "continent.json",
        br#"{ "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "r",
              "Endpoints": { "eu": { "Type": "value", "Value": "192.0.2.9" },
                             "de": { "Type": "value", "Value": "192.0.2.8" },
                             "other": { "Type": "value", "Value": "192.0.2.1" } },
              "Rules": { "r": { "RuleType": "geo", "Locations": [
                  { "EndpointReference": "other", "IsDefault": true },
                  { "EndpointReference": "de", "Country": "DE" },
                  { "EndpointReference": "eu", "Continent": "EU" } ] } } }"#,
    );
    let doc = doc.to_str().unwrap();
    let o = flowdns(&["policy", "explain", doc, "--client", "2.3.3.3", "--geoip", &geoip()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("client 2.3.3.3 -> continent EU, network /24\n"), "{out}");
    assert!(out.contains("country ?, subdivision ? (can match: continent, default)"), "{out}");
    assert!(out.contains("answer: A 192.0.2.9\nECS scope /24\n"), "{out}");
    let v = explain_json(&[doc, "--client", "2.3.3.3", "--geoip", &geoip()]);
    assert_eq!(v["location"]["continent"], "EU");
    assert_eq!(v["location"]["country"], serde_json::Value::Null);
    assert_eq!(v["answer"], serde_json::json!(["192.0.2.9"]));
    assert_eq!(v["ecs_scope"], 24);
}

#[test]
fn explain_without_geoip_answers_from_defaults_and_warns() {
    let o = flowdns(&[
        "policy",
        "explain",
        &example("geo-latency-failover.json"),
        "--client",
        "216.160.83.56",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("video.example.com"), "{}", stdout(&o));
    assert!(stderr(&o).contains("warning:") && stderr(&o).contains("GeoIP"), "{}", stderr(&o));
}

#[test]
fn explain_reads_geoip_from_the_environment() {
    let o = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args([
            "policy",
            "explain",
            &example("geo-latency-failover.json"),
            "--client",
            "216.160.83.56",
            "--json",
        ])
        .env("FLOWDNS_GEOIP", geoip())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["location"]["country"], "US");
}

#[test]
fn explain_rejects_a_bad_client_with_exit_2() {
    for bad in ["not-an-ip", "10.0.0.0/33", "::1/129", "1.2.3.4/x"] {
        let o = flowdns(&["policy", "explain", &example("minimal.json"), "--client", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("--client"), "{bad}: {}", stderr(&o));
    }
}

#[test]
fn explain_rejects_a_corrupt_geoip_database() {
    let bad = root().join("crates/geo/tests/data/bad-data/invalid-data-record-offset.mmdb");
    let junk = temp_file("junk.mmdb", b"this is not a MaxMind database");
    for db in [bad.display().to_string(), junk.display().to_string()] {
        let o = flowdns(&[
            "policy",
            "explain",
            &example("minimal.json"),
            "--client",
            "1.2.3.4",
            "--geoip",
            &db,
        ]);
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        if o.status.code() != Some(0) {
            assert_eq!(o.status.code(), Some(2));
            assert!(stderr(&o).contains(&db), "the error names the file: {}", stderr(&o));
        }
    }
}

#[test]
fn custom_locations_from_the_configuration_are_usable_as_regions() {
    let config = temp_file(
        "flowdns.toml",
        b"[[locations]]\ncode = \"dc-fra\"\nname = \"Frankfurt\"\nlatitude = 50.11\nlongitude = 8.68\n\n[[locations]]\ncode = \"dc-sea\"\nlatitude = 47.61\nlongitude = -122.33\n",
    );
    let doc = temp_file(
        "custom.json",
        br#"{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"l",
            "Endpoints":{"fra":{"Type":"value","Value":"192.0.2.1"},"sea":{"Type":"value","Value":"192.0.2.2"}},
            "Rules":{"l":{"RuleType":"latency","Regions":[
              {"Region":"dc-fra","EndpointReference":"fra"},{"Region":"dc-sea","EndpointReference":"sea"}]}}}"#,
    );
    let (c, d) = (config.to_str().unwrap(), doc.to_str().unwrap());
    let o = flowdns(&["policy", "validate", d]);
    assert_eq!(o.status.code(), Some(1), "unknown without the configuration");
    assert!(stdout(&o).contains("unknown latency region \"dc-fra\""), "{}", stdout(&o));
    let o = flowdns(&["--config", c, "policy", "validate", d]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = explain_json(&["--config", c, d, "--client", "81.2.69.142", "--geoip", &geoip()]);
    assert_eq!(v["answer"], serde_json::json!(["192.0.2.1"]), "London is nearer Frankfurt");
    let v = explain_json(&["--config", c, d, "--client", "216.160.83.56", "--geoip", &geoip()]);
    assert_eq!(v["answer"], serde_json::json!(["192.0.2.2"]), "Milton, WA is nearer Seattle");
}

#[test]
fn a_bad_configuration_is_refused_with_exit_2() {
    let config = temp_file(
        "bad.toml",
        b"[[locations]]\ncode = \"us-east-1\"\nlatitude = 1\nlongitude = 2\n",
    );
    let o = flowdns(&[
        "--config",
        config.to_str().unwrap(),
        "policy",
        "validate",
        &example("minimal.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already a built-in region"), "{}", stderr(&o));
    let config = temp_file("typo.toml", b"[[location]]\ncode = \"x\"\n");
    let o = flowdns(&[
        "--config",
        config.to_str().unwrap(),
        "policy",
        "validate",
        &example("minimal.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("location"), "{}", stderr(&o));
}

#[test]
fn health_checks_and_overrides_from_the_cli() {
    let data = std::env::temp_dir().join(format!("flowdns-cli-health-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let d = data.to_str().unwrap();
    let o = flowdns(&[
        "--data-dir",
        d,
        "health",
        "create",
        r#"{"Type":"HTTP","IPAddress":"192.0.2.10","Port":8080,"ResourcePath":"/health","RequestInterval":10}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    let o = flowdns(&[
        "--data-dir",
        d,
        "--json",
        "health",
        "override",
        &id,
        "--unhealthy",
        "--reason",
        "maintenance",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["healthy"], false);
    let o = flowdns(&["--data-dir", d, "health", "show", &id]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["override"]["reason"], "maintenance");
    assert_eq!(v["config"]["FailureThreshold"], 3, "Route 53's default is filled in");
    // Bad input: one line naming the field, exit 1, nothing changed.
    let o = flowdns(&["--data-dir", d, "health", "update", &id, r#"{"FailureThreshold": 11}"#]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("FailureThreshold"), "{}", stderr(&o));
    let o = flowdns(&["--data-dir", d, "health", "create", r#"{"Type":"PING"}"#]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Type"), "{}", stderr(&o));
    let o = flowdns(&["--data-dir", d, "health", "override", &id, "--clear"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = flowdns(&["--data-dir", d, "health", "override", &id]);
    assert_eq!(o.status.code(), Some(1), "one of --healthy, --unhealthy, --clear is needed");
    let o = flowdns(&["--data-dir", d, "health", "delete", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = flowdns(&["--data-dir", d, "health", "show", &id]);
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn cidr_collections_from_the_cli() {
    let data = std::env::temp_dir().join(format!("flowdns-cli-cidr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    // Collections are written through the API; here the store writes one directly.
    let id = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = store::Store::open(&data).await.unwrap();
        let (c, _) = store.create_cidr_collection("offices", "ref-1", 10).await.unwrap();
        let put = |location: &str, cidrs: &[&str]| store::CidrChange {
            action: store::CidrAction::Put,
            location: location.into(),
            cidrs: cidrs.iter().map(|c| (*c).to_owned()).collect(),
        };
        store
            .change_cidr_collection(
                &c.id,
                None,
                &[put("fra", &["192.0.2.0/24", "2001:db8::/32"]), put("ams", &["10.0.0.0/8"])],
                1000,
            )
            .await
            .unwrap();
        store.close().await;
        c.id
    });
    let d = data.to_str().unwrap();
    // The limits of the configuration file include the CIDR ones.
    let config = temp_file(
        "cidr-limits.toml",
        b"[limits]\ncidr_collections = 3\ncidr_blocks_per_collection = 50\n",
    );
    let o = flowdns(&["--config", config.to_str().unwrap(), "--data-dir", d, "cidr", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row, [id.as_str(), "offices", "2", "2", "3"]);

    let o = flowdns(&["--data-dir", d, "--json", "cidr", "show", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], 2);
    assert_eq!(v["locations"], serde_json::json!(["ams", "fra"]));
    assert_eq!(
        v["blocks"],
        serde_json::json!([
            {"location": "ams", "cidr": "10.0.0.0/8"},
            {"location": "fra", "cidr": "192.0.2.0/24"},
            {"location": "fra", "cidr": "2001:db8::/32"},
        ])
    );
    let o = flowdns(&["--data-dir", d, "cidr", "show", &id]);
    assert_eq!(
        stdout(&o),
        format!("{id} offices (version 2)\n  ams: 10.0.0.0/8\n  fra: 192.0.2.0/24 2001:db8::/32\n")
    );
    for (bad, code) in [
        ("0f3c7a5e-1111-4222-8333-444455556666", "NoSuchCidrCollectionException"),
        ("not-an-id", "InvalidInput"),
    ] {
        let o = flowdns(&["--data-dir", d, "cidr", "show", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(stderr(&o).contains(code), "{bad}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&data);
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowdns-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn config_check_takes_flags_then_environment_then_file_then_defaults() {
    let dir = fresh_dir("precedence");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("flowdns.toml");
    std::fs::write(
        &config,
        "data_dir = \"from-file\"\nupstream = \"192.0.2.1\"\n\
         [dns]\nlisten = [\"127.0.0.1:1053\"]\n[api]\nlisten = \"127.0.0.1:1080\"\n\
         [log]\nformat = \"json\"\n",
    )
    .unwrap();
    let check = |args: &[&str], env: &[(&str, &str)]| -> serde_json::Value {
        let mut c = Command::new(env!("CARGO_BIN_EXE_flowdns"));
        c.args(args).args(["--json", "config", "check"]).arg(&config);
        for var in ["FLOWDNS_DATA_DIR", "FLOWDNS_DNS_LISTEN", "FLOWDNS_API_LISTEN", "FLOWDNS_LOG"] {
            c.env_remove(var);
        }
        c.env_remove("FLOWDNS_LOG_FORMAT").env_remove("FLOWDNS_UPSTREAM");
        c.env_remove("FLOWDNS_GEOIP").env_remove("FLOWDNS_CONFIG");
        c.envs(env.iter().copied());
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // The file over the defaults; relative paths from the file's directory.
    let v = check(&[], &[]);
    assert_eq!(v["data_dir"], dir.join("from-file").display().to_string());
    assert_eq!(v["sources"]["data_dir"], "configuration file");
    assert_eq!(v["dns"]["listen"], serde_json::json!(["127.0.0.1:1053"]));
    assert_eq!(v["api"]["listen"], "127.0.0.1:1080");
    assert_eq!(v["log"]["format"], "json");
    assert_eq!(v["upstream"], "192.0.2.1");
    // Defaults for what the file does not set.
    assert_eq!(v["log"]["level"], "info");
    assert_eq!(v["sources"]["log.level"], "default");
    assert_eq!(v["geoip"]["directory"], dir.join("from-file/geoip").display().to_string());
    // The environment over the file.
    let v = check(
        &[],
        &[
            ("FLOWDNS_DATA_DIR", "/srv/from-env"),
            ("FLOWDNS_DNS_LISTEN", "127.0.0.1:2053,[::1]:2053"),
            ("FLOWDNS_LOG_FORMAT", "text"),
        ],
    );
    assert_eq!(v["data_dir"], "/srv/from-env");
    assert_eq!(v["sources"]["data_dir"], "$FLOWDNS_DATA_DIR");
    assert_eq!(v["dns"]["listen"], serde_json::json!(["127.0.0.1:2053", "[::1]:2053"]));
    assert_eq!(v["log"]["format"], "text");
    assert_eq!(v["api"]["listen"], "127.0.0.1:1080", "not in the environment: from the file");
    // Flags over the environment.
    let v = check(&["--data-dir", "/srv/from-flag"], &[("FLOWDNS_DATA_DIR", "/srv/from-env")]);
    assert_eq!(v["data_dir"], "/srv/from-flag");
    assert_eq!(v["sources"]["data_dir"], "--data-dir");
    // A bad value in the environment names the variable.
    let o = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args(["config", "check"])
        .arg(&config)
        .env("FLOWDNS_API_LISTEN", "localhost")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("FLOWDNS_API_LISTEN"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_check_refuses_bad_files_and_shows_no_secrets() {
    let dir = fresh_dir("check");
    std::fs::create_dir_all(&dir).unwrap();
    // The key order the README example used to get wrong: the error says what to do.
    let misplaced = dir.join("misplaced.toml");
    std::fs::write(
        &misplaced,
        "[[locations]]\ncode = \"dc-fra\"\nlatitude = 50.11\nlongitude = 8.68\n\nlatency_table = \"latency.csv\"\n",
    )
    .unwrap();
    let o = flowdns(&["config", "check", misplaced.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("must come before the first [table]"), "{}", stderr(&o));
    let typo = dir.join("typo.toml");
    std::fs::write(&typo, "[dns]\nlisten_on = [\"127.0.0.1:53\"]\n").unwrap();
    let o = flowdns(&["config", "check", typo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("listen_on"), "{}", stderr(&o));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[health]\ndeny = [\"10.0.0.0/40\"]\n").unwrap();
    let o = flowdns(&["config", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("health.deny[0]"), "{}", stderr(&o));

    let good = dir.join("good.toml");
    std::fs::write(&good, "data_dir = \"d\"\n[api]\nlisten = \"127.0.0.1:9\"\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args(["config", "check", good.to_str().unwrap()])
        .env("FLOWDNS_ACCESS_KEY_ID", "AKIDCHECK")
        .env("FLOWDNS_SECRET_ACCESS_KEY", "very-secret-value")
        .env_remove("FLOWDNS_DATA_DIR")
        .env_remove("FLOWDNS_API_LISTEN")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("valid"), "{out}");
    assert!(out.contains("api.listen = \"127.0.0.1:9\"  # configuration file"), "{out}");
    assert!(out.contains("AKIDCHECK"), "{out}");
    assert!(!out.contains("very-secret-value"), "the secret is not printed: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn commands_find_no_store_elsewhere_and_say_so() {
    let dir = fresh_dir("paths");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run = |cwd: &Path, args: &[&str], data_dir: Option<&Path>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_flowdns"));
        c.current_dir(cwd).args(args).env_remove("FLOWDNS_CONFIG").env_remove("FLOWDNS_STORE");
        match data_dir {
            Some(d) => c.env("FLOWDNS_DATA_DIR", d),
            None => c.env_remove("FLOWDNS_DATA_DIR"),
        };
        c.output().unwrap()
    };
    let missing = dir.join("no-store-here");
    // Reading commands refuse, name where they looked, and create nothing.
    for args in
        [&["zone", "list"][..], &["policy", "list"], &["record", "list"], &["health", "list"]]
    {
        let o = run(&elsewhere, args, Some(&missing));
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("no store at"), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&missing.display().to_string()), "{}", stderr(&o));
        assert!(stderr(&o).contains("FLOWDNS_DATA_DIR"), "{}", stderr(&o));
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // A command that adds data creates the store, with a warning naming where.
    let zone = temp_file("paths.zone", b"$ORIGIN example.org.\n@ 3600 IN SOA ns1 h 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.1\n");
    let o = run(&elsewhere, &["zone", "import", zone.to_str().unwrap()], Some(&missing));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("creating a new, empty store"), "{}", stderr(&o));
    assert!(stderr(&o).contains(&missing.display().to_string()), "{}", stderr(&o));
    let o = run(&elsewhere, &["zone", "list"], Some(&missing));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("example.org"), "{}", stdout(&o));
    // Without flags, ./flowdns-data in the working directory is the data directory.
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::rename(&missing, project.join("flowdns-data")).unwrap();
    let o = run(&project, &["zone", "list"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("example.org"), "{}", stdout(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // A store URL instead of a data directory: the same rules.
    let db = dir.join("url/flowdns.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let url = format!("sqlite:{}", db.display());
    let o = run(&elsewhere, &["--store", &url, "zone", "list"], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&db.display().to_string()), "{}", stderr(&o));
    assert!(!db.exists());
    let o = run(&elsewhere, &["--store", &url, "zone", "import", zone.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(db.exists());
    let o = run(&elsewhere, &["--store", &url, "zone", "list"], None);
    assert!(stdout(&o).contains("example.org"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn geoip_update_installs_only_valid_databases() {
    let dir = fresh_dir("geoip-update");
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    let o = flowdns(&["--data-dir", d, "geoip", "update", "--from", &geoip()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let installed = data.join("geoip/GeoIP2-City-Test.mmdb");
    assert_eq!(stdout(&o).trim(), installed.display().to_string());
    assert_eq!(std::fs::read(&installed).unwrap(), std::fs::read(geoip()).unwrap());

    // A directory with one corrupt database: nothing is installed, the error names the file.
    let from = dir.join("new");
    std::fs::create_dir_all(&from).unwrap();
    let flat = root().join("crates/geo/tests/data/dbip-flat-ipv4.mmdb");
    std::fs::copy(&flat, from.join("GeoIP2-City-Test.mmdb")).unwrap();
    std::fs::write(from.join("junk.mmdb"), b"not a database").unwrap();
    let o = flowdns(&["--data-dir", d, "geoip", "update", "--from", from.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("junk.mmdb"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&installed).unwrap(), std::fs::read(geoip()).unwrap());
    assert!(!data.join("geoip/junk.mmdb").exists());
    // Once the bad file is gone, the update replaces the old file; no temporary file is left.
    std::fs::remove_file(from.join("junk.mmdb")).unwrap();
    let o = flowdns(&["--data-dir", d, "geoip", "update", "--from", from.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&installed).unwrap(), std::fs::read(&flat).unwrap());
    let names: Vec<String> = std::fs::read_dir(data.join("geoip"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["GeoIP2-City-Test.mmdb"]);
    let o = flowdns(&["--data-dir", d, "geoip", "update", "--from", "/nonexistent.mmdb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent.mmdb"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explain_finds_the_geoip_databases_of_the_data_directory() {
    let dir = fresh_dir("explain-geo");
    let data = dir.join("data");
    let o = flowdns(&["--data-dir", data.to_str().unwrap(), "geoip", "update", "--from", &geoip()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = explain_json(&[
        "--data-dir",
        data.to_str().unwrap(),
        &example("geo-latency-failover.json"),
        "--client",
        "216.160.83.56",
    ]);
    assert_eq!(v["location"]["country"], "US");
    assert_eq!(v["warnings"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `flowdns ARGS` with standard output to a pipe the test closes before reading
/// anything: the command must end quietly with status 0, as with `| head -0`.
fn with_closed_stdout(args: &[&str]) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowdns"))
        .args(args)
        .env_remove("FLOWDNS_GEOIP")
        .env_remove("FLOWDNS_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let data = std::env::temp_dir().join(format!("flowdns-cli-pipe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let d = data.to_str().unwrap();
    // A zone far larger than a pipe's buffer, so the export cannot finish without a reader.
    let mut zone = String::from(
        "$ORIGIN big.example.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.1\n",
    );
    for i in 0..4000 {
        zone.push_str(&format!("host-{i} IN TXT \"padding so that the export is large {i}\"\n"));
    }
    let file = temp_file("big.zone", zone.as_bytes());
    let o = flowdns(&["--data-dir", d, "zone", "import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = example("weighted.json");
    let geo = geoip();
    for i in 0..20 {
        let o = flowdns(&["--data-dir", d, "policy", "create", "--name", &format!("p{i}"), &doc]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for args in [
        vec!["--data-dir", d, "zone", "export", "big.example"],
        vec!["--data-dir", d, "--json", "policy", "list"],
        vec!["--data-dir", d, "policy", "list"],
        vec!["policy", "validate", &doc, &doc, &doc],
        vec!["--json", "policy", "validate", &doc],
        vec!["policy", "explain", &doc, "--client", "192.0.2.1", "--geoip", &geo],
        vec!["--json", "policy", "explain", &doc, "--client", "192.0.2.1", "--geoip", &geo],
    ] {
        let o = with_closed_stdout(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn help_is_written_for_users() {
    let o = flowdns(&["--help"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.starts_with("Self-hosted traffic-steering DNS"), "{out}");
    assert!(!out.contains("The flowdns binary"), "{out}");
    for word in ["serve", "policy", "zone", "record", "health", "FLOWDNS_LOG", "--log-format"] {
        assert!(out.contains(word), "--help mentions {word}: {out}");
    }
    let o = flowdns(&["-h"]);
    assert!(stdout(&o).starts_with("Self-hosted traffic-steering DNS"), "{}", stdout(&o));
    // Every command and subcommand opens with a sentence of its own.
    for command in ["policy", "zone", "record", "health", "cidr", "serve"] {
        let o = flowdns(&[command, "--help"]);
        assert!(o.status.success(), "{command}");
        let first = stdout(&o).lines().next().unwrap_or("").to_owned();
        assert!(
            first.chars().next().is_some_and(char::is_uppercase) && !first.starts_with("Usage"),
            "{command} --help opens with {first:?}"
        );
    }
}

#[test]
fn explain_a_stored_policy_version() {
    let data = std::env::temp_dir().join(format!("flowdns-cli-stored-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let d = data.to_str().unwrap();
    let geo = example("geo-latency-failover.json");
    let o = flowdns(&["--data-dir", d, "policy", "create", "--name", "video", &geo]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    let o = flowdns(&["--data-dir", d, "policy", "update", &id, &example("minimal.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let london = ["--client", "81.2.69.142", "--geoip", &geoip()];
    // Version 1 is the geo document, whatever the latest version is.
    let mut args = vec!["--data-dir", d, "policy", "explain", "--policy", &id, "--version", "1"];
    args.extend_from_slice(&london);
    let mut json_args = vec!["--data-dir", d, "--json"];
    json_args.extend_from_slice(&args[2..]);
    let o = flowdns(&json_args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["answer"], serde_json::json!(["video.example.com"]));
    assert_eq!(v["location"]["country"], "GB");
    // Without --version: the latest (the minimal document), and the text form.
    let mut latest = vec!["--data-dir", d, "policy", "explain", "--policy", &id];
    latest.extend_from_slice(&london);
    let o = flowdns(&latest);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let minimal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("minimal.json")).unwrap()).unwrap();
    let value = minimal["Endpoints"].as_object().unwrap().values().next().unwrap()["Value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(stdout(&o).contains(&format!("answer: A {value}")), "{}", stdout(&o));
    // A missing version or policy is refused with exit 1; FILE and --policy exclude each other.
    let o = flowdns(&[
        "--data-dir",
        d,
        "policy",
        "explain",
        "--policy",
        &id,
        "--version",
        "9",
        "--client",
        "192.0.2.1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains('9'), "{}", stderr(&o));
    let o = flowdns(&[
        "--data-dir",
        d,
        "policy",
        "explain",
        &geo,
        "--policy",
        &id,
        "--client",
        "192.0.2.1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = flowdns(&["policy", "explain", "--version", "1", "--client", "192.0.2.1"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn storing_and_binding_a_policy_warns_of_missing_health_checks() {
    let data = std::env::temp_dir().join(format!("flowdns-cli-hc-warn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let d = data.to_str().unwrap();
    let zone = temp_file("warn.zone", b"$ORIGIN example.com.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n");
    assert!(flowdns(&["--data-dir", d, "zone", "import", zone.to_str().unwrap()]).status.success());
    // examples/weighted.json refers to hc-srv1, hc-srv2 and hc-srv3, which do not exist here.
    let o =
        flowdns(&["--data-dir", d, "policy", "create", "--name", "w", &example("weighted.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    let err = stderr(&o);
    for hc in ["hc-srv1", "hc-srv2", "hc-srv3"] {
        assert!(
            err.contains(&format!("warning: health check \"{hc}\" does not exist")),
            "{hc}: {err}"
        );
    }
    let o = flowdns(&[
        "--data-dir",
        d,
        "--json",
        "record",
        "create",
        "--zone",
        "example.com",
        "--name",
        "www",
        "--policy",
        &id,
        "--version",
        "1",
        "--ttl",
        "60",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let warnings: Vec<&str> =
        v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].starts_with(&format!("policy {id} version 1: health check \"hc-srv1\"")));
    // A document without health checks stores without a warning.
    let o =
        flowdns(&["--data-dir", d, "policy", "create", "--name", "m", &example("minimal.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn store_commands_keep_to_the_configured_limits() {
    let data = fresh_dir("limits");
    let d = data.to_str().unwrap();
    let config = temp_file(
        "limits.toml",
        b"[limits]\nhosted_zones = 1\ntraffic_policies = 1\ntraffic_policy_instances = 1\n",
    );
    let c = config.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--data-dir", d, "--config", c];
        all.extend_from_slice(args);
        flowdns(&all)
    };
    let zone = |origin: &str| {
        format!(
            "$ORIGIN {origin}.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n"
        )
    };
    let com = temp_file("limits-com.zone", zone("example.com").as_bytes());
    let net = temp_file("limits-net.zone", zone("example.net").as_bytes());

    let o = run(&["--json", "zone", "import", com.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["zone"].as_str(), v["records"].as_u64(), v["created"].as_bool()),
        (Some("example.com."), Some(3), Some(true))
    );
    // A second zone is over the limit; replacing the first one's records is not.
    let o = run(&["zone", "import", net.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TooManyHostedZones"), "{}", stderr(&o));
    assert!(stderr(&o).contains("limit of 1 hosted zones"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(&["zone", "import", com.to_str().unwrap()]);
    assert_eq!(stdout(&o).trim(), "example.com.: 3 records imported (replaced)", "{}", stderr(&o));
    assert_eq!(stdout(&run(&["zone", "list"])).lines().count(), 1);

    let o = run(&["policy", "create", "--name", "one", &example("minimal.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let policy = stdout(&o).trim().to_owned();
    let o = run(&["policy", "create", "--name", "two", &example("minimal.json")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TooManyTrafficPolicies"), "{}", stderr(&o));
    assert_eq!(stdout(&run(&["policy", "list"])).lines().count(), 1);
    // A new version is not a new policy.
    let o = run(&["policy", "update", &policy, &example("minimal.json")]);
    assert_eq!(stdout(&o).trim(), "2", "{}", stderr(&o));

    let record = |name: &str| {
        run(&[
            "record",
            "create",
            "--zone",
            "example.com",
            "--name",
            name,
            "--policy",
            &policy,
            "--version",
            "1",
            "--ttl",
            "300",
        ])
    };
    let o = record("app");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    let o = record("www");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TooManyTrafficPolicyInstances"), "{}", stderr(&o));
    // Updates and deletes go through the same layer and free what they release.
    let o = run(&["record", "update", &id, "--version", "2", "--ttl", "60"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with(&format!("app.example.com. now uses {policy} version 2")));
    let o = run(&["zone", "delete", "example.com"]);
    assert_eq!(o.status.code(), Some(1), "a zone with a policy record stays: {}", stderr(&o));
    assert!(stderr(&o).contains("HostedZoneNotEmpty"), "{}", stderr(&o));
    assert_eq!(
        stdout(&run(&["record", "delete", &id])).trim(),
        format!("deleted policy record {id}")
    );
    assert_eq!(
        stdout(&run(&["zone", "delete", "example.com"])).trim(),
        "deleted zone example.com."
    );
    let o = run(&["zone", "import", net.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn zone_import_refuses_record_sets_a_change_batch_refuses() {
    let data = fresh_dir("import-rules");
    let d = data.to_str().unwrap();
    let good = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n";
    let file = temp_file("rules-good.zone", good.as_bytes());
    let o = flowdns(&["--data-dir", d, "zone", "import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A type record sets cannot have, and a record set with more values than one may hold:
    // both parse as a zone file, and both were stored before the service layer checked them.
    let mut bad = format!("{good}old IN HINFO \"pc\" \"linux\"\n");
    for i in 0..401 {
        bad.push_str(&format!("big IN A 198.51.{}.{}\n", i / 250, i % 250 + 1));
    }
    let file = temp_file("rules-bad.zone", bad.as_bytes());
    let o = flowdns(&["--data-dir", d, "zone", "import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("InvalidChangeBatch: nothing was imported"), "{err}");
    assert!(
        err.contains("(old.example.com. HINFO): Type: \"HINFO\" is not supported; one of A, AAAA"),
        "{err}"
    );
    assert!(err.contains("(big.example.com. A): ResourceRecords: at most 400 values"), "{err}");
    let o = flowdns(&["--data-dir", d, "zone", "export", "example.com"]);
    let export = stdout(&o);
    assert!(
        export.contains("192.0.2.80") && !export.contains("HINFO"),
        "the old records stay: {export}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn zone_import_keeps_one_soa_at_the_apex() {
    let data = fresh_dir("import-integrity");
    let d = data.to_str().unwrap();
    let good = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n";
    let file = temp_file("integrity-good.zone", good.as_bytes());
    let o = flowdns(&["--data-dir", d, "zone", "import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Files that would leave the zone without its one SOA at the apex or its apex NS: each is
    // refused with exit 1, naming the line, and the zone keeps its records.
    let below = format!("{good}sub IN SOA ns1 hostmaster 1 7200 3600 1209600 60\n");
    let two = format!("{good}@ IN SOA ns1 hostmaster 2 7200 3600 1209600 60\n");
    let only_below = good.replace("@ IN SOA", "sub IN SOA");
    let no_ns = good.replace("@ IN NS ns1\n", "");
    for (what, text, part) in [
        (
            "below",
            below,
            ".zone:7: a second SOA record (the first is on line 3): a zone has exactly one",
        ),
        ("two", two, ".zone:7: a second SOA record (the first is on line 3)"),
        (
            "only-below",
            only_below,
            ".zone:3: the SOA record must be at the zone apex example.com., not at sub.example.com.",
        ),
        ("no-ns", no_ns, "the zone has no NS record at its apex example.com."),
    ] {
        let file = temp_file(&format!("integrity-{what}.zone"), text.as_bytes());
        let o = flowdns(&["--data-dir", d, "zone", "import", file.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("nothing was imported"), "{what}: {err}");
        assert!(err.contains(part), "{what}: {part:?} not in {err}");
    }
    let o = flowdns(&["--data-dir", d, "zone", "export", "example.com"]);
    let export = stdout(&o);
    assert_eq!(export.matches(" SOA ").count(), 1, "the zone keeps its one SOA: {export}");
    assert!(export.contains("192.0.2.80") && export.contains(" NS "), "{export}");
    let _ = std::fs::remove_dir_all(&data);
}
