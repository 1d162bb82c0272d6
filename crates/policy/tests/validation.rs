//! Data-driven validation tests: tables of documents with the error (or warning) each must
//! produce, located by JSON Pointer, run through one checker that reports every mismatch at
//! once. Every diagnostic's pointer is also checked to resolve in the document it points into.

mod common;
use common::{resolves, run};
use policy::{Compilation, Diagnostic, Severity};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The checker.

/// One document and the diagnostics it must produce: `(pointer, message substring)` pairs.
struct Case {
    name: &'static str,
    doc: String,
    expect: Vec<(&'static str, &'static str)>,
    /// When set, the document must produce exactly this many errors.
    exact_errors: Option<usize>,
}

fn case(name: &'static str, doc: String, pointer: &'static str, message: &'static str) -> Case {
    Case { name, doc, expect: vec![(pointer, message)], exact_errors: None }
}

fn listing(diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return "    (no diagnostics)".into();
    }
    diags.iter().map(|d| format!("    {d}")).collect::<Vec<_>>().join("\n")
}

/// Problems with the pointers of `comp`'s diagnostics for document `text`.
fn pointer_problems(name: &str, text: &str, comp: &Compilation) -> Vec<String> {
    let mut out = Vec::new();
    match serde_json::from_str::<Value>(text) {
        Ok(doc) => {
            for d in &comp.diagnostics {
                if !resolves(&doc, &d.pointer) {
                    out.push(format!("{name}: pointer {:?} does not resolve ({d})", d.pointer));
                }
            }
        }
        Err(_) => {
            for d in comp.diagnostics.iter().filter(|d| !d.pointer.is_empty()) {
                out.push(format!("{name}: document is not JSON, yet {d} has a pointer"));
            }
        }
    }
    out
}

/// Every case must be rejected with each of its expected errors.
fn check_errors(cases: &[Case]) {
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for c in cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
        let comp = run(&c.doc);
        for &(pointer, message) in &c.expect {
            let found = comp.errors().any(|d| d.pointer == pointer && d.message.contains(message));
            if !found {
                failures.push(format!(
                    "{}: expected an error at {pointer:?} containing {message:?}; got:\n{}",
                    c.name,
                    listing(&comp.diagnostics)
                ));
            }
        }
        if let Some(n) = c.exact_errors {
            let got = comp.errors().count();
            if got != n {
                failures.push(format!(
                    "{}: expected exactly {n} errors, got {got}:\n{}",
                    c.name,
                    listing(&comp.diagnostics)
                ));
            }
        }
        if comp.policy.is_some() {
            failures.push(format!("{}: rejected document still produced a policy", c.name));
        }
        failures.extend(pointer_problems(c.name, &c.doc, &comp));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches in {} cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Every case must compile without errors and with each of its expected warnings.
fn check_valid(cases: &[Case]) {
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for c in cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
        let comp = run(&c.doc);
        if comp.errors().next().is_some() || comp.policy.is_none() {
            failures.push(format!(
                "{}: expected a valid document; got:\n{}",
                c.name,
                listing(&comp.diagnostics)
            ));
        }
        for &(pointer, message) in &c.expect {
            let found =
                comp.warnings().any(|d| d.pointer == pointer && d.message.contains(message));
            if !found {
                failures.push(format!(
                    "{}: expected a warning at {pointer:?} containing {message:?}; got:\n{}",
                    c.name,
                    listing(&comp.diagnostics)
                ));
            }
        }
        failures.extend(pointer_problems(c.name, &c.doc, &comp));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches in {} cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Document builders.

/// Format 2015-10-01, RecordType A, start at rule `r`, endpoints `e1` and `e2`.
fn rules_doc(rules: Value) -> String {
    json!({
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": "A",
        "StartRule": "r",
        "Endpoints": {
            "e1": {"Type": "value", "Value": "192.0.2.1"},
            "e2": {"Type": "value", "Value": "192.0.2.2"}
        },
        "Rules": rules
    })
    .to_string()
}

/// [`rules_doc`] with the single rule `r`.
fn rule_doc(rule: Value) -> String {
    rules_doc(json!({ "r": rule }))
}

/// A valid baseline: a weighted rule over `e1` and `e2`.
fn base() -> String {
    rule_doc(json!({"RuleType": "weighted", "Items": [
        {"EndpointReference": "e1", "Weight": 1, "HealthCheck": "hc-1"},
        {"EndpointReference": "e2", "Weight": 1, "HealthCheck": "hc-2"}
    ]}))
}

fn failover(primary: Value, secondary: Value) -> String {
    rule_doc(json!({"RuleType": "failover", "Primary": primary, "Secondary": secondary}))
}

fn geo(locations: Value) -> String {
    rule_doc(json!({"RuleType": "geo", "Locations": locations}))
}

/// A geo rule with `location` (plus `e1`) as its only entry, and `e2` as the default.
fn geo1(mut location: Value) -> String {
    if location.get("EndpointReference").is_none() {
        location["EndpointReference"] = json!("e1");
    }
    geo(json!([location, {"EndpointReference": "e2", "IsDefault": true}]))
}

fn latency(regions: Value) -> String {
    rule_doc(json!({"RuleType": "latency", "Regions": regions}))
}

fn weighted(items: Value) -> String {
    rule_doc(json!({"RuleType": "weighted", "Items": items}))
}

fn multivalue(items: Value) -> String {
    rule_doc(json!({"RuleType": "multivalue", "Items": items}))
}

/// A geoproximity rule in format `version` with the given entries.
fn geoprox(version: &str, entries: Value) -> String {
    set(
        rule_doc(json!({"RuleType": "geoproximity", "GeoproximityLocations": entries})),
        "/AWSPolicyFormatVersion",
        json!(version),
    )
}

/// A format 2015-10-01 geoproximity rule with one entry: `fields` plus `EndpointReference: e1`.
fn geoprox15(mut fields: Value) -> String {
    fields["EndpointReference"] = json!("e1");
    geoprox("2015-10-01", json!([fields]))
}

/// A format 2023-05-09 geoproximity rule with one entry whose Location is `location`.
fn geoprox23(location: Value) -> String {
    geoprox("2023-05-09", json!([{"EndpointReference": "e1", "Location": location}]))
}

/// A document starting at the single endpoint `e`.
fn endpoint_doc(record_type: &str, endpoint: Value) -> String {
    json!({
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": record_type,
        "StartEndpoint": "e",
        "Endpoints": { "e": endpoint }
    })
    .to_string()
}

fn value_doc(record_type: &str, value: &str) -> String {
    endpoint_doc(record_type, json!({"Type": "value", "Value": value}))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("builder documents are JSON")
}

/// Sets the value at `pointer`, creating the last member if needed.
fn set(text: String, pointer: &str, value: Value) -> String {
    let mut doc = parse(&text);
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let target = doc.pointer_mut(parent).expect("parent exists");
    match target {
        Value::Object(m) => {
            m.insert(key.replace("~1", "/").replace("~0", "~"), value);
        }
        Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
        _ => panic!("parent of {pointer} is not a container"),
    }
    doc.to_string()
}

/// Removes the member at `pointer`.
fn remove(text: String, pointer: &str) -> String {
    let mut doc = parse(&text);
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let target = doc.pointer_mut(parent).and_then(Value::as_object_mut).expect("parent object");
    assert!(target.remove(key).is_some(), "{pointer} exists");
    doc.to_string()
}

/// Pads `text` with spaces before its final `}` to exactly `chars` characters.
fn padded(text: String, chars: usize) -> String {
    let n = text.chars().count();
    assert!(n <= chars);
    let body = text.strip_suffix('}').expect("object text");
    format!("{body}{}}}", " ".repeat(chars - n))
}

// ---------------------------------------------------------------------------------------------
// Rejected documents.

fn error_cases() -> Vec<Case> {
    let mut cases = vec![
        // --- JSON and the top level ---------------------------------------------------------
        Case {
            name: "invalid JSON reports line and column",
            doc: "{\n  \"AWSPolicyFormatVersion\": \"2015-10-01\",\n  \"RecordType\": A\n}".into(),
            expect: vec![("", "not valid JSON"), ("", "line 3 column 17")],
            exact_errors: Some(1),
        },
        case("truncated JSON", r#"{"AWSPolicyFormatVersion":"2015-10-01""#.into(), "", "EOF"),
        case("trailing characters", format!("{} x", base()), "", "trailing characters"),
        case("empty text", String::new(), "", "not valid JSON"),
        case(
            "nesting deeper than the JSON parser allows",
            format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)),
            "",
            "recursion limit exceeded",
        ),
        case("top level is an array", "[]".into(), "", "the document must be a JSON object, found an array"),
        case("top level is a string", "\"A\"".into(), "", "found a string"),
        case("top level is null", "null".into(), "", "found null"),
        case("top level is a number", "42".into(), "", "found a number"),
        case(
            "document over 102,400 characters",
            padded(base(), 102_401),
            "",
            "102401 characters; at most 102400",
        ),
        case(
            "unknown top-level field",
            set(base(), "/Comment", json!("hello")),
            "/Comment",
            "unknown field \"Comment\" at the top level",
        ),
        case(
            "near miss recordType",
            remove(set(base(), "/recordType", json!("A")), "/RecordType"),
            "/recordType",
            "did you mean \"RecordType\"?",
        ),
        case(
            "near miss GeoProximityLocations",
            geoprox("2015-10-01", json!([])).replace("GeoproximityLocations", "GeoProximityLocations"),
            "/Rules/r/GeoProximityLocations",
            "did you mean \"GeoproximityLocations\"?",
        ),
        case(
            "near miss in an endpoint",
            set(remove(base(), "/Endpoints/e1/Value"), "/Endpoints/e1/value", json!("192.0.2.1")),
            "/Endpoints/e1/value",
            "did you mean \"Value\"?",
        ),
        case(
            "unknown field in an endpoint",
            set(base(), "/Endpoints/e1/TTL", json!(60)),
            "/Endpoints/e1/TTL",
            "unknown field \"TTL\" in an endpoint",
        ),
        // --- did you mean: misspelt types and codes ---------------------------------------------
        case(
            "RuleType weigthed",
            set(base(), "/Rules/r/RuleType", json!("weigthed")),
            "/Rules/r/RuleType",
            "unknown RuleType \"weigthed\" (did you mean \"weighted\"?)",
        ),
        case(
            "RuleType failovr",
            set(base(), "/Rules/r/RuleType", json!("failovr")),
            "/Rules/r/RuleType",
            "(did you mean \"failover\"?)",
        ),
        case(
            "endpoint Type cloudfrnt",
            endpoint_doc("A", json!({"Type": "cloudfrnt", "Value": "d111.cloudfront.net"})),
            "/Endpoints/e/Type",
            "unknown endpoint Type \"cloudfrnt\" (did you mean \"cloudfront\"?)",
        ),
        case(
            "endpoint Type elastic-loadbalancer",
            endpoint_doc("A", json!({"Type": "elastic-loadbalancer", "Value": "x.elb.amazonaws.com"})),
            "/Endpoints/e/Type",
            "(did you mean \"elastic-load-balancer\"?)",
        ),
        case(
            "country UK",
            geo1(json!({"Country": "UK"})),
            "/Rules/r/Locations/0/Country",
            "unknown country code \"UK\" (did you mean \"GB\", United Kingdom?)",
        ),
        case(
            "country by name",
            geo1(json!({"Country": "Germany"})),
            "/Rules/r/Locations/0/Country",
            "(did you mean \"DE\", Germany?)",
        ),
        case(
            "continent as a country",
            geo1(json!({"Country": "EU"})),
            "/Rules/r/Locations/0/Country",
            "EU is the continent Europe: use Continent",
        ),
        case(
            "continent by name",
            geo1(json!({"Continent": "Europe"})),
            "/Rules/r/Locations/0/Continent",
            "unknown continent code \"Europe\" (did you mean \"EU\", Europe?)",
        ),
        case(
            "continent misspelt",
            geo1(json!({"Continent": "Antartica"})),
            "/Rules/r/Locations/0/Continent",
            "(did you mean \"AN\", Antarctica?)",
        ),
        case(
            "continent lower-case",
            geo1(json!({"Continent": "na"})),
            "/Rules/r/Locations/0/Continent",
            "(continent codes are upper-case: \"NA\")",
        ),
        case(
            "country as a continent",
            geo1(json!({"Continent": "AU"})),
            "/Rules/r/Locations/0/Continent",
            "AU is the country Australia: use Country, or Continent \"OC\"",
        ),
        case(
            "state by misspelt name",
            geo1(json!({"Country": "US", "Subdivision": "Washingtn"})),
            "/Rules/r/Locations/0/Subdivision",
            "\"Washingtn\" is not a subdivision code of US (did you mean \"WA\", Washington?)",
        ),
        case(
            "state lower-case",
            geo1(json!({"Country": "US", "Subdivision": "tx"})),
            "/Rules/r/Locations/0/Subdivision",
            "(subdivision codes are upper-case: \"TX\", Texas)",
        ),
        case(
            "oblast without its leading zero",
            geo1(json!({"Country": "UA", "Subdivision": "5"})),
            "/Rules/r/Locations/0/Subdivision",
            "(did you mean \"05\", Vinnytska oblast?)",
        ),
        case(
            "latency region us-east1",
            latency(json!([{"Region": "us-east1", "EndpointReference": "e1"}])),
            "/Rules/r/Regions/0/Region",
            "unknown latency region \"us-east1\" (did you mean \"us-east-1\"?)",
        ),
        // --- required fields -----------------------------------------------------------------
        case(
            "missing AWSPolicyFormatVersion",
            remove(base(), "/AWSPolicyFormatVersion"),
            "/AWSPolicyFormatVersion",
            "AWSPolicyFormatVersion is required",
        ),
        case("missing RecordType", remove(base(), "/RecordType"), "/RecordType", "RecordType is required"),
        case("missing Endpoints", remove(base(), "/Endpoints"), "/Endpoints", "Endpoints is required"),
        case(
            "missing endpoint Type",
            remove(base(), "/Endpoints/e1/Type"),
            "/Endpoints/e1/Type",
            "endpoint Type is required",
        ),
        case(
            "missing endpoint Value",
            remove(base(), "/Endpoints/e2/Value"),
            "/Endpoints/e2/Value",
            "endpoint Value is required",
        ),
        case("missing RuleType", remove(base(), "/Rules/r/RuleType"), "/Rules/r/RuleType", "RuleType is required"),
        case(
            "failover without Primary",
            remove(failover(json!({"EndpointReference": "e1"}), json!({"EndpointReference": "e2"})), "/Rules/r/Primary"),
            "/Rules/r/Primary",
            "Primary is missing",
        ),
        case(
            "failover without Secondary",
            remove(failover(json!({"EndpointReference": "e1"}), json!({"EndpointReference": "e2"})), "/Rules/r/Secondary"),
            "/Rules/r/Secondary",
            "Secondary is missing",
        ),
        case(
            "geo rule without Locations",
            rule_doc(json!({"RuleType": "geo"})),
            "/Rules/r/Locations",
            "a geo rule needs Locations",
        ),
        case(
            "weighted item without Weight",
            weighted(json!([{"EndpointReference": "e1"}])),
            "/Rules/r/Items/0/Weight",
            "needs Weight",
        ),
        case(
            "latency entry without Region",
            latency(json!([{"EndpointReference": "e1"}])),
            "/Rules/r/Regions/0/Region",
            "needs Region",
        ),
        // --- format version, record type, start ---------------------------------------------
        case(
            "unknown AWSPolicyFormatVersion",
            set(base(), "/AWSPolicyFormatVersion", json!("2016-01-01")),
            "/AWSPolicyFormatVersion",
            "unknown format version \"2016-01-01\"",
        ),
        case(
            "AWSPolicyFormatVersion as a number",
            set(base(), "/AWSPolicyFormatVersion", json!(2015)),
            "/AWSPolicyFormatVersion",
            "must be a string, found a number",
        ),
        case(
            "unsupported RecordType",
            set(base(), "/RecordType", json!("NS")),
            "/RecordType",
            "record type \"NS\" is not supported",
        ),
        case(
            "lower-case RecordType",
            set(base(), "/RecordType", json!("aaaa")),
            "/RecordType",
            "record types are upper-case: AAAA",
        ),
        case(
            "StartRule and StartEndpoint both",
            set(base(), "/StartEndpoint", json!("e1")),
            "/StartEndpoint",
            "StartRule and StartEndpoint are both set",
        ),
        case("neither StartRule nor StartEndpoint", remove(base(), "/StartRule"), "", "needs a start point"),
        // --- references -----------------------------------------------------------------------
        case(
            "dangling StartRule",
            set(base(), "/StartRule", json!("nope")),
            "/StartRule",
            "rule \"nope\" does not exist; defined: r",
        ),
        case(
            "dangling StartEndpoint",
            set(remove(base(), "/StartRule"), "/StartEndpoint", json!("nope")),
            "/StartEndpoint",
            "endpoint \"nope\" does not exist; defined: e1, e2",
        ),
        case(
            "StartRule without Rules",
            remove(base(), "/Rules"),
            "/StartRule",
            "rule \"r\" does not exist; Rules defines none",
        ),
        case(
            "StartRule names an endpoint",
            set(base(), "/StartRule", json!("e1")),
            "/StartRule",
            "\"e1\" is an endpoint: use EndpointReference",
        ),
        case(
            "dangling EndpointReference",
            set(
                rules_doc(json!({"site_switch": {
                    "RuleType": "failover",
                    "Primary": {"EndpointReference": "my_elb", "HealthCheck": "hc-1"},
                    "Secondary": {"EndpointReference": "e2", "HealthCheck": "hc-2"}
                }})),
                "/StartRule",
                json!("site_switch"),
            ),
            "/Rules/site_switch/Primary/EndpointReference",
            "endpoint \"my_elb\" does not exist; defined: e1, e2",
        ),
        case(
            "dangling RuleReference",
            weighted(json!([{"RuleReference": "nope", "Weight": 1}])),
            "/Rules/r/Items/0/RuleReference",
            "rule \"nope\" does not exist",
        ),
        case(
            "RuleReference to an endpoint id",
            weighted(json!([{"RuleReference": "e1", "Weight": 1}])),
            "/Rules/r/Items/0/RuleReference",
            "\"e1\" is an endpoint: use EndpointReference",
        ),
        case(
            "EndpointReference to a rule id",
            weighted(json!([{"EndpointReference": "r", "Weight": 1}])),
            "/Rules/r/Items/0/EndpointReference",
            "\"r\" is a rule: use RuleReference",
        ),
        case(
            "ids with / and ~ are escaped in pointers",
            set(
                rules_doc(json!({"a/b~c": {
                    "RuleType": "failover",
                    "Primary": {"EndpointReference": "gone", "HealthCheck": "hc-1"},
                    "Secondary": {"EndpointReference": "e2", "HealthCheck": "hc-2"}
                }})),
                "/StartRule",
                json!("a/b~c"),
            ),
            "/Rules/a~1b~0c/Primary/EndpointReference",
            "endpoint \"gone\" does not exist",
        ),
        case(
            "branch with both references",
            weighted(json!([{"EndpointReference": "e1", "RuleReference": "r", "Weight": 1}])),
            "/Rules/r/Items/0/RuleReference",
            "either EndpointReference or RuleReference, not both",
        ),
        case(
            "branch with no reference",
            weighted(json!([{"Weight": 1}])),
            "/Rules/r/Items/0",
            "a branch needs EndpointReference",
        ),
        case(
            "reference is not a string",
            weighted(json!([{"EndpointReference": ["e1"], "Weight": 1}])),
            "/Rules/r/Items/0/EndpointReference",
            "must be a string, found an array",
        ),
        // --- cycles ---------------------------------------------------------------------------
        case(
            "cycle a -> b -> a",
            set(
                rules_doc(json!({
                    "a": {"RuleType": "weighted", "Items": [{"RuleReference": "b", "Weight": 1}]},
                    "b": {"RuleType": "weighted", "Items": [{"RuleReference": "a", "Weight": 1}]}
                })),
                "/StartRule",
                json!("a"),
            ),
            "/Rules/b/Items/0",
            "rule references form a cycle: a -> b -> a",
        ),
        case(
            "self-reference",
            set(
                rules_doc(json!({
                    "a": {"RuleType": "failover",
                          "Primary": {"RuleReference": "a", "HealthCheck": "hc-1"},
                          "Secondary": {"EndpointReference": "e1", "HealthCheck": "hc-2"}}
                })),
                "/StartRule",
                json!("a"),
            ),
            "/Rules/a/Primary",
            "rule references form a cycle: a -> a",
        ),
        case(
            "cycle not reachable from the start",
            set(
                remove(
                    rules_doc(json!({
                        "c": {"RuleType": "weighted", "Items": [{"RuleReference": "d", "Weight": 1}]},
                        "d": {"RuleType": "weighted", "Items": [{"RuleReference": "c", "Weight": 1}]}
                    })),
                    "/StartRule",
                ),
                "/StartEndpoint",
                json!("e1"),
            ),
            "/Rules/d/Items/0",
            "cycle: c -> d -> c",
        ),
        // --- rule and endpoint types ----------------------------------------------------------
        case(
            "unknown RuleType",
            set(base(), "/Rules/r/RuleType", json!("random")),
            "/Rules/r/RuleType",
            "unknown RuleType \"random\"",
        ),
        case(
            "RuleType geolocation",
            set(base(), "/Rules/r/RuleType", json!("geolocation")),
            "/Rules/r/RuleType",
            "geolocation rules are spelled \"geo\"",
        ),
        case(
            "RuleType capitalised",
            set(base(), "/Rules/r/RuleType", json!("Weighted")),
            "/Rules/r/RuleType",
            "rule types are lower-case",
        ),
        case(
            "RuleType not a string",
            set(base(), "/Rules/r/RuleType", json!(1)),
            "/Rules/r/RuleType",
            "must be a string, found a number",
        ),
        case(
            "unknown endpoint Type",
            set(base(), "/Endpoints/e1/Type", json!("lambda")),
            "/Endpoints/e1/Type",
            "unknown endpoint Type \"lambda\"",
        ),
        case(
            "rule is not an object",
            set(base(), "/Rules/r", json!("weighted")),
            "/Rules/r",
            "a rule must be a JSON object, found a string",
        ),
        case(
            "Endpoints is an array",
            set(base(), "/Endpoints", json!([])),
            "/Endpoints",
            "Endpoints must be a JSON object, found an array",
        ),
        case(
            "Rules is an array",
            set(base(), "/Rules", json!([])),
            "/Rules",
            "Rules must be a JSON object, found an array",
        ),
        // --- alias endpoints ------------------------------------------------------------------
        case(
            "cloudfront with RecordType MX",
            endpoint_doc("MX", json!({"Type": "cloudfront", "Value": "d111111abcdef8.cloudfront.net"})),
            "/Endpoints/e/Type",
            "cloudfront endpoints answer only RecordType A or AAAA; this document's RecordType is MX",
        ),
        case(
            "application-load-balancer with RecordType TXT",
            endpoint_doc("TXT", json!({"Type": "application-load-balancer", "Value": "alb-1.us-east-1.elb.amazonaws.com"})),
            "/Endpoints/e/Type",
            "application-load-balancer endpoints answer only RecordType A or AAAA",
        ),
        case(
            "s3-website with RecordType AAAA",
            endpoint_doc("AAAA", json!({"Type": "s3-website", "Value": "www.example.com", "Region": "us-east-1"})),
            "/Endpoints/e/Type",
            "s3-website endpoints answer only RecordType A;",
        ),
        case(
            "s3-website without Region",
            endpoint_doc("A", json!({"Type": "s3-website", "Value": "www.example.com"})),
            "/Endpoints/e/Region",
            "s3-website endpoints need Region",
        ),
        case(
            "s3-website with an unknown Region",
            endpoint_doc("A", json!({"Type": "s3-website", "Value": "www.example.com", "Region": "mars-1"})),
            "/Endpoints/e/Region",
            "\"mars-1\" is not an AWS region code",
        ),
        case(
            "Region on a load balancer",
            endpoint_doc("A", json!({"Type": "elastic-load-balancer", "Value": "elb-1.us-east-1.elb.amazonaws.com", "Region": "us-east-1"})),
            "/Endpoints/e/Region",
            "Region is only allowed on s3-website endpoints",
        ),
        case(
            "alias Value is not a DNS name",
            endpoint_doc("A", json!({"Type": "cloudfront", "Value": "not a host"})),
            "/Endpoints/e/Value",
            "a cloudfront endpoint's Value is its DNS name",
        ),
        // --- numbers --------------------------------------------------------------------------
        case(
            "Weight 256",
            weighted(json!([{"EndpointReference": "e1", "Weight": 256}])),
            "/Rules/r/Items/0/Weight",
            "Weight 256 is out of range; allowed 0 to 255",
        ),
        case(
            "Weight -1",
            weighted(json!([{"EndpointReference": "e1", "Weight": "-1"}])),
            "/Rules/r/Items/0/Weight",
            "Weight -1 is out of range",
        ),
        case(
            "Weight non-numeric",
            weighted(json!([{"EndpointReference": "e1", "Weight": "heavy"}])),
            "/Rules/r/Items/0/Weight",
            "Weight \"heavy\" must be a whole number from 0 to 255",
        ),
        case(
            "Weight fractional",
            weighted(json!([{"EndpointReference": "e1", "Weight": 1.5}])),
            "/Rules/r/Items/0/Weight",
            "must be a whole number",
        ),
        case(
            "Weight boolean",
            weighted(json!([{"EndpointReference": "e1", "Weight": true}])),
            "/Rules/r/Items/0/Weight",
            "found a boolean",
        ),
        case(
            "Bias -100",
            geoprox15(json!({"Region": "aws:route53:us-east-1", "Bias": -100})),
            "/Rules/r/GeoproximityLocations/0/Bias",
            "Bias -100 is out of range; allowed -99 to 99",
        ),
        case(
            "Bias 100",
            geoprox15(json!({"Region": "aws:route53:us-east-1", "Bias": "100"})),
            "/Rules/r/GeoproximityLocations/0/Bias",
            "Bias 100 is out of range",
        ),
        case(
            "Bias non-numeric",
            geoprox15(json!({"Region": "aws:route53:us-east-1", "Bias": "10%"})),
            "/Rules/r/GeoproximityLocations/0/Bias",
            "must be a whole number",
        ),
        case(
            "Latitude 91",
            geoprox15(json!({"Latitude": 91, "Longitude": 0})),
            "/Rules/r/GeoproximityLocations/0/Latitude",
            "Latitude 91 is out of range",
        ),
        case(
            "Latitude -90.01",
            geoprox15(json!({"Latitude": "-90.01", "Longitude": "0"})),
            "/Rules/r/GeoproximityLocations/0/Latitude",
            "out of range",
        ),
        case(
            "Longitude 181",
            geoprox15(json!({"Latitude": 0, "Longitude": "181"})),
            "/Rules/r/GeoproximityLocations/0/Longitude",
            "Longitude 181 is out of range",
        ),
        case(
            "Latitude with 3 decimals (40.7128 has 4)",
            geoprox15(json!({"Latitude": 40.7128, "Longitude": -74.01})),
            "/Rules/r/GeoproximityLocations/0/Latitude",
            "has 4 decimal places; Route 53 allows at most 2",
        ),
        case(
            "Longitude with 3 decimals",
            geoprox15(json!({"Latitude": "40.71", "Longitude": "-74.006"})),
            "/Rules/r/GeoproximityLocations/0/Longitude",
            "has 3 decimal places",
        ),
        case(
            "Latitude not a number",
            geoprox15(json!({"Latitude": "north", "Longitude": "0"})),
            "/Rules/r/GeoproximityLocations/0/Latitude",
            "must be a decimal number",
        ),
        case(
            "Longitude with four integer digits",
            geoprox15(json!({"Latitude": "0", "Longitude": "0180"})),
            "/Rules/r/GeoproximityLocations/0/Longitude",
            "must be a decimal number",
        ),
        case(
            "Latitude without Longitude",
            geoprox15(json!({"Latitude": "10"})),
            "/Rules/r/GeoproximityLocations/0/Longitude",
            "coordinates need both Latitude and Longitude",
        ),
        case(
            "Coordinate Location with 3 decimals",
            geoprox23(json!({"Type": "Coordinate", "Latitude": "-89.001", "Longitude": "0"})),
            "/Rules/r/GeoproximityLocations/0/Location/Latitude",
            "has 3 decimal places",
        ),
        // --- geo codes ------------------------------------------------------------------------
        case(
            "unknown country ZZ",
            geo1(json!({"Country": "ZZ"})),
            "/Rules/r/Locations/0/Country",
            "unknown country code \"ZZ\"",
        ),
        case(
            "unsupported country BV",
            geo1(json!({"Country": "BV"})),
            "/Rules/r/Locations/0/Country",
            "BV (Bouvet Island) cannot be targeted",
        ),
        case(
            "lower-case country us",
            geo1(json!({"Country": "us"})),
            "/Rules/r/Locations/0/Country",
            "country codes are upper-case: use \"US\"",
        ),
        case(
            "subdivision without country",
            geo1(json!({"Subdivision": "WA"})),
            "/Rules/r/Locations/0/Subdivision",
            "Subdivision needs Country",
        ),
        case(
            "subdivision XX of US",
            geo1(json!({"Country": "US", "Subdivision": "XX"})),
            "/Rules/r/Locations/0/Subdivision",
            "\"XX\" is not a subdivision code of US",
        ),
        case(
            "subdivision of a country without subdivisions",
            geo1(json!({"Country": "FR", "Subdivision": "75"})),
            "/Rules/r/Locations/0/Subdivision",
            "FR has none",
        ),
        case(
            "subdivision with the default country",
            geo(json!([{"EndpointReference": "e1", "Country": "*", "Subdivision": "WA"}])),
            "/Rules/r/Locations/0/Subdivision",
            "cannot be combined with the default Country \"*\"",
        ),
        case(
            "continent and country together",
            geo1(json!({"Continent": "EU", "Country": "FR"})),
            "/Rules/r/Locations/0",
            "either a Continent or a Country",
        ),
        case(
            "unknown continent",
            geo1(json!({"Continent": "Europe"})),
            "/Rules/r/Locations/0/Continent",
            "unknown continent code \"Europe\"",
        ),
        case(
            "IsDefault together with a country",
            geo(json!([{"EndpointReference": "e1", "IsDefault": true, "Country": "FR"}])),
            "/Rules/r/Locations/0",
            "IsDefault true is the default for everyone else",
        ),
        case(
            "geo location naming nothing",
            geo1(json!({"HealthCheck": "hc-1"})),
            "/Rules/r/Locations/0",
            "a geo location needs Continent, Country",
        ),
        // --- duplicates -----------------------------------------------------------------------
        case(
            "duplicate geo country",
            geo(json!([
                {"EndpointReference": "e1", "Country": "FR"},
                {"EndpointReference": "e2", "Country": "FR"},
                {"EndpointReference": "e2", "IsDefault": true}
            ])),
            "/Rules/r/Locations/1",
            "the location Country FR appears more than once",
        ),
        case(
            "duplicate geo subdivision",
            geo(json!([
                {"EndpointReference": "e1", "Country": "US", "Subdivision": "WA"},
                {"EndpointReference": "e1", "Country": "US"},
                {"EndpointReference": "e2", "Country": "US", "Subdivision": "WA"},
                {"EndpointReference": "e2", "Country": "*"}
            ])),
            "/Rules/r/Locations/2",
            "Country US Subdivision WA appears more than once",
        ),
        case(
            "duplicate geo continent",
            geo(json!([
                {"EndpointReference": "e1", "Continent": "EU"},
                {"EndpointReference": "e2", "Continent": "EU"}
            ])),
            "/Rules/r/Locations/1",
            "Continent EU appears more than once",
        ),
        case(
            "two defaults: IsDefault and Country *",
            geo(json!([
                {"EndpointReference": "e1", "IsDefault": true},
                {"EndpointReference": "e2", "Country": "*"}
            ])),
            "/Rules/r/Locations/1",
            "more than one default location",
        ),
        case(
            "duplicate latency region",
            latency(json!([
                {"EndpointReference": "e1", "Region": "us-east-1"},
                {"EndpointReference": "e2", "Region": "us-east-1"}
            ])),
            "/Rules/r/Regions/1/Region",
            "region us-east-1 appears more than once",
        ),
        case(
            "duplicate geoproximity region",
            geoprox("2015-10-01", json!([
                {"EndpointReference": "e1", "Region": "aws:route53:us-east-1"},
                {"EndpointReference": "e2", "Region": "aws:route53:us-east-1", "Bias": 10}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "location aws:route53:us-east-1 appears more than once",
        ),
        case(
            "duplicate geoproximity coordinates",
            geoprox("2015-10-01", json!([
                {"EndpointReference": "e1", "Latitude": "51.50", "Longitude": "-0.16"},
                {"EndpointReference": "e2", "Latitude": "51.50", "Longitude": "-0.16"}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "appears more than once",
        ),
        case(
            "duplicate geoproximity coordinates spelled differently",
            geoprox("2015-10-01", json!([
                {"EndpointReference": "e1", "Latitude": "51.50", "Longitude": "-0.16"},
                {"EndpointReference": "e2", "Latitude": 51.5, "Longitude": -0.16}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "appears more than once",
        ),
        case(
            "duplicate geoproximity coordinates with a plus sign",
            geoprox("2015-10-01", json!([
                {"EndpointReference": "e1", "Latitude": "51.50", "Longitude": "-0.16"},
                {"EndpointReference": "e2", "Latitude": "+51.5", "Longitude": "-0.16"}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "appears more than once",
        ),
        case(
            "duplicate Coordinate Locations spelled differently",
            geoprox("2023-05-09", json!([
                {"EndpointReference": "e1", "Location": {"Type": "Coordinate", "Latitude": "51.50", "Longitude": "-0.16"}},
                {"EndpointReference": "e2", "Location": {"Type": "Coordinate", "Latitude": 51.5, "Longitude": "-0.16"}}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "appears more than once",
        ),
        case(
            "duplicate geoproximity LocalZone",
            geoprox("2023-05-09", json!([
                {"EndpointReference": "e1", "Location": {"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-atl-1a"}},
                {"EndpointReference": "e2", "Location": {"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-atl-1a"}}
            ])),
            "/Rules/r/GeoproximityLocations/1",
            "appears more than once",
        ),
        // --- latency and geoproximity regions -------------------------------------------------
        case(
            "unknown latency region",
            latency(json!([{"EndpointReference": "e1", "Region": "mars-1"}])),
            "/Rules/r/Regions/0/Region",
            "unknown latency region \"mars-1\"",
        ),
        case(
            "aws:route53: prefix in a latency rule",
            latency(json!([{"EndpointReference": "e1", "Region": "aws:route53:us-east-1"}])),
            "/Rules/r/Regions/0/Region",
            "latency rules take the plain code \"us-east-1\"",
        ),
        case(
            "geoproximity region without the prefix",
            geoprox15(json!({"Region": "us-east-1"})),
            "/Rules/r/GeoproximityLocations/0/Region",
            "lacks the prefix (write \"aws:route53:us-east-1\")",
        ),
        case(
            "unknown geoproximity region",
            geoprox15(json!({"Region": "aws:route53:mars-1"})),
            "/Rules/r/GeoproximityLocations/0/Region",
            "unknown geoproximity region \"aws:route53:mars-1\"",
        ),
        case(
            "Location object in format 2015-10-01",
            geoprox15(json!({"Location": {"Type": "Region", "LocationName": "aws:route53:us-east-1"}})),
            "/Rules/r/GeoproximityLocations/0/Location",
            "Location needs \"AWSPolicyFormatVersion\": \"2023-05-09\"",
        ),
        case(
            "flat Region in format 2023-05-09",
            geoprox("2023-05-09", json!([{"EndpointReference": "e1", "Region": "aws:route53:us-east-1"}])),
            "/Rules/r/GeoproximityLocations/0/Region",
            "format 2023-05-09 puts the position in Location",
        ),
        case(
            "flat Latitude in format 2023-05-09",
            geoprox("2023-05-09", json!([{"EndpointReference": "e1", "Latitude": "1", "Longitude": "2"}])),
            "/Rules/r/GeoproximityLocations/0/Latitude",
            "format 2023-05-09 puts the position in Location",
        ),
        case(
            "unknown LocalZone",
            geoprox23(json!({"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-xyz-1a"})),
            "/Rules/r/GeoproximityLocations/0/Location/LocationName",
            "unknown geoproximity Local Zone",
        ),
        case(
            "region named as a LocalZone",
            geoprox23(json!({"Type": "LocalZone", "LocationName": "aws:route53:us-east-1"})),
            "/Rules/r/GeoproximityLocations/0/Location/LocationName",
            "unknown geoproximity Local Zone",
        ),
        case(
            "LocalZone named as a Region",
            geoprox23(json!({"Type": "Region", "LocationName": "aws:route53:us-east-1-atl-1a"})),
            "/Rules/r/GeoproximityLocations/0/Location/LocationName",
            "this is a Local Zone, so use Location Type \"LocalZone\"",
        ),
        case(
            "LocalZone without the prefix",
            geoprox23(json!({"Type": "LocalZone", "LocationName": "us-east-1-atl-1a"})),
            "/Rules/r/GeoproximityLocations/0/Location/LocationName",
            "write \"aws:route53:us-east-1-atl-1a\"",
        ),
        case(
            "LocalZone Location with coordinates",
            geoprox23(json!({"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-atl-1a", "Latitude": "1"})),
            "/Rules/r/GeoproximityLocations/0/Location/Latitude",
            "belong only in a Location of Type \"Coordinate\"",
        ),
        case(
            "unknown Location Type",
            geoprox23(json!({"Type": "City", "LocationName": "aws:route53:us-east-1"})),
            "/Rules/r/GeoproximityLocations/0/Location/Type",
            "unknown Location Type \"City\"",
        ),
        case(
            "Location without Type",
            geoprox23(json!({"LocationName": "aws:route53:us-east-1"})),
            "/Rules/r/GeoproximityLocations/0/Location/Type",
            "Location needs Type",
        ),
        case(
            "Region Location without LocationName",
            geoprox23(json!({"Type": "Region"})),
            "/Rules/r/GeoproximityLocations/0/Location/LocationName",
            "needs LocationName",
        ),
        case(
            "geoproximity entry without a position (2015-10-01)",
            geoprox15(json!({"Bias": 1})),
            "/Rules/r/GeoproximityLocations/0",
            "needs Region (aws:route53:<region>) or Latitude and Longitude",
        ),
        case(
            "geoproximity entry without a position (2023-05-09)",
            geoprox("2023-05-09", json!([{"EndpointReference": "e1"}])),
            "/Rules/r/GeoproximityLocations/0",
            "needs Location",
        ),
        case(
            "geoproximity entry with Region and coordinates",
            geoprox15(json!({"Region": "aws:route53:us-east-1", "Latitude": "1", "Longitude": "2"})),
            "/Rules/r/GeoproximityLocations/0",
            "one position",
        ),
        // --- multivalue -----------------------------------------------------------------------
        case(
            "multivalue item with RuleReference",
            multivalue(json!([{"RuleReference": "r"}])),
            "/Rules/r/Items/0/RuleReference",
            "multivalue items can only reference endpoints",
        ),
        case(
            "multivalue items naming one endpoint twice",
            multivalue(json!([{"EndpointReference": "e1"}, {"EndpointReference": "e2"}, {"EndpointReference": "e1"}])),
            "/Rules/r/Items/2/EndpointReference",
            "endpoint \"e1\" appears more than once in this multivalue rule",
        ),
        case(
            "a cycle is reported together with a dangling reference",
            set(
                rules_doc(json!({
                    "a": {"RuleType": "weighted", "Items": [{"RuleReference": "b", "Weight": 1}, {"EndpointReference": "nope", "Weight": 1}]},
                    "b": {"RuleType": "weighted", "Items": [{"RuleReference": "a", "Weight": 1}]}
                })),
                "/StartRule",
                json!("a"),
            ),
            "/Rules/b/Items/0",
            "rule references form a cycle: a -> b -> a",
        ),
        case(
            "multivalue item with EvaluateTargetHealth",
            multivalue(json!([{"EndpointReference": "e1", "EvaluateTargetHealth": true}])),
            "/Rules/r/Items/0/EvaluateTargetHealth",
            "unknown field \"EvaluateTargetHealth\" in a multivalue item",
        ),
        case(
            "multivalue item with Weight",
            multivalue(json!([{"EndpointReference": "e1", "Weight": 1}])),
            "/Rules/r/Items/0/Weight",
            "unknown field \"Weight\" in a multivalue item",
        ),
        case(
            "rule with 256 entries",
            multivalue(Value::Array(vec![json!({"EndpointReference": "e1"}); 256])),
            "/Rules/r/Items",
            "has 256 entries; flowdns allows at most 255",
        ),
        // --- lists ----------------------------------------------------------------------------
        case("empty Locations", geo(json!([])), "/Rules/r/Locations", "Locations must have at least one entry"),
        case("empty Regions", latency(json!([])), "/Rules/r/Regions", "Regions must have at least one entry"),
        case("empty weighted Items", weighted(json!([])), "/Rules/r/Items", "Items must have at least one entry"),
        case("empty multivalue Items", multivalue(json!([])), "/Rules/r/Items", "Items must have at least one entry"),
        case(
            "empty GeoproximityLocations",
            geoprox("2015-10-01", json!([])),
            "/Rules/r/GeoproximityLocations",
            "GeoproximityLocations must have at least one entry",
        ),
        case("Locations not a list", geo(json!({})), "/Rules/r/Locations", "must be an array, found an object"),
        case(
            "list entry not an object",
            geo(json!([1])),
            "/Rules/r/Locations/0",
            "an entry of Locations must be a JSON object, found a number",
        ),
        case(
            "failover branch not an object",
            failover(json!("e1"), json!({"EndpointReference": "e2"})),
            "/Rules/r/Primary",
            "a failover branch must be a JSON object, found a string",
        ),
        case(
            "unknown field in a failover branch",
            failover(json!({"EndpointReference": "e1", "Weight": 1}), json!({"EndpointReference": "e2"})),
            "/Rules/r/Primary/Weight",
            "unknown field \"Weight\" in a failover Primary branch",
        ),
        case(
            "unknown field in a rule",
            set(base(), "/Rules/r/Locations", json!([])),
            "/Rules/r/Locations",
            "unknown field \"Locations\" in a weighted rule",
        ),
        // --- duplicate keys -------------------------------------------------------------------
        case(
            "rule id defined twice",
            base().replacen(
                "\"Rules\":{",
                "\"Rules\":{\"r\":{\"RuleType\":\"multivalue\",\"Items\":[{\"EndpointReference\":\"e1\"}]},",
                1,
            ),
            "/Rules/r",
            "\"r\" appears more than once in Rules",
        ),
        case(
            "endpoint id defined twice",
            base().replacen(
                "\"Endpoints\":{",
                "\"Endpoints\":{\"e1\":{\"Type\":\"value\",\"Value\":\"192.0.2.9\"},",
                1,
            ),
            "/Endpoints/e1",
            "\"e1\" appears more than once in Endpoints",
        ),
        case(
            "top-level member given twice",
            base().replacen('{', "{\"RecordType\":\"AAAA\",", 1),
            "/RecordType",
            "\"RecordType\" appears more than once in the document",
        ),
        case(
            "member of a location given twice",
            geo(json!([{"EndpointReference": "e1", "Country": "FR"}, {"EndpointReference": "e2", "IsDefault": true}]))
                .replacen("\"Country\":\"FR\"", "\"Country\":\"FR\",\"Country\":\"DE\"", 1),
            "/Rules/r/Locations/0/Country",
            "\"Country\" appears more than once in an entry of Locations",
        ),
        // --- booleans and health checks -------------------------------------------------------
        case(
            "EvaluateTargetHealth \"yes\"",
            failover(
                json!({"EndpointReference": "e1", "EvaluateTargetHealth": "yes", "HealthCheck": "hc-1"}),
                json!({"EndpointReference": "e2", "HealthCheck": "hc-2"}),
            ),
            "/Rules/r/Primary/EvaluateTargetHealth",
            "must be true or false (or the strings \"true\" / \"false\"), found \"yes\"",
        ),
        case(
            "EvaluateTargetHealth \"True\"",
            failover(
                json!({"EndpointReference": "e1", "EvaluateTargetHealth": "True", "HealthCheck": "hc-1"}),
                json!({"EndpointReference": "e2", "HealthCheck": "hc-2"}),
            ),
            "/Rules/r/Primary/EvaluateTargetHealth",
            "must be true or false",
        ),
        case(
            "EvaluateTargetHealth 1",
            weighted(json!([{"EndpointReference": "e1", "Weight": 1, "EvaluateTargetHealth": 1}])),
            "/Rules/r/Items/0/EvaluateTargetHealth",
            "found a number",
        ),
        case(
            "IsDefault \"yes\"",
            geo(json!([{"EndpointReference": "e1", "IsDefault": "yes"}])),
            "/Rules/r/Locations/0/IsDefault",
            "must be true or false",
        ),
        case(
            "HealthCheck with spaces",
            weighted(json!([{"EndpointReference": "e1", "Weight": 1, "HealthCheck": "my check"}])),
            "/Rules/r/Items/0/HealthCheck",
            "health check id \"my check\" must be 1-64",
        ),
        case(
            "HealthCheck empty",
            weighted(json!([{"EndpointReference": "e1", "Weight": 1, "HealthCheck": ""}])),
            "/Rules/r/Items/0/HealthCheck",
            "health check id \"\"",
        ),
        case(
            "HealthCheck of 65 characters",
            weighted(json!([{"EndpointReference": "e1", "Weight": 1, "HealthCheck": "h".repeat(65)}])),
            "/Rules/r/Items/0/HealthCheck",
            "must be 1-64",
        ),
    ];

    // --- RecordType versus value endpoints: one malformed value per type --------------------
    let long_txt = format!("\"{}\"", "x".repeat(256));
    let bad_values: Vec<(&'static str, &'static str, String, &'static str)> = vec![
        (
            "A with an IPv6 address",
            "A",
            "2001:db8::1".into(),
            "is not an IPv4 address; a A value must be an IPv4 address",
        ),
        ("A with octet 256", "A", "192.0.2.256".into(), "is not an IPv4 address"),
        ("AAAA with an IPv4 address", "AAAA", "192.0.2.1".into(), "is not an IPv6 address"),
        (
            "CNAME with a space",
            "CNAME",
            "bad name.example.com".into(),
            "may only contain letters, digits",
        ),
        (
            "CNAME with a 64-character label",
            "CNAME",
            format!("{}.example.com", "a".repeat(64)),
            "label longer than 63",
        ),
        ("PTR with an empty label", "PTR", "a..example.com".into(), "has an empty label"),
        ("MX without preference", "MX", "mail.example.com".into(), "has 1 fields, 2 expected"),
        (
            "MX preference 70000",
            "MX",
            "70000 mail.example.com".into(),
            "preference \"70000\" must be a whole number from 0 to 65535",
        ),
        ("SRV without port", "SRV", "10 5 sip.example.com".into(), "has 3 fields, 4 expected"),
        ("SRV port 65536", "SRV", "10 5 65536 sip.example.com".into(), "port \"65536\""),
        ("CAA without value", "CAA", "0 issue".into(), "lacks the CAA value"),
        ("CAA flags 256", "CAA", "256 issue \"ca.example.net\"".into(), "CAA flags \"256\""),
        (
            "NAPTR without strings",
            "NAPTR",
            "100 50 sip.example.com".into(),
            "NAPTR needs flags, service, regexp and replacement",
        ),
        (
            "NAPTR with two strings",
            "NAPTR",
            "100 50 \"u\" \"E2U+sip\" sip.example.com".into(),
            "NAPTR needs three quoted strings",
        ),
        ("TXT string of 256 characters", "TXT", long_txt, "has a string of 256 characters"),
        ("TXT unterminated", "TXT", "\"v=spf1 -all".into(), "unterminated quoted string"),
        ("TXT empty", "TXT", String::new(), "at least one string"),
        ("SPF unterminated", "SPF", "\"v=spf1 -all".into(), "unterminated quoted string"),
    ];
    for (name, rt, value, message) in bad_values {
        cases.push(case(name, value_doc(rt, &value), "/Endpoints/e/Value", message));
    }

    // --- every problem reported at once -----------------------------------------------------
    cases.push(Case {
        name: "five different errors reported at once",
        doc: set(
            set(
                set(
                    set(
                        set(base(), "/Comment", json!(1)),
                        "/Endpoints/e1/Value",
                        json!("300.1.1.1"),
                    ),
                    "/Endpoints/e2/Type",
                    json!("lambda"),
                ),
                "/Rules/r/Items/0/Weight",
                json!(300),
            ),
            "/Rules/r/Items/1/EndpointReference",
            json!("nope"),
        ),
        expect: vec![
            ("/Comment", "unknown field \"Comment\""),
            ("/Endpoints/e1/Value", "not an IPv4 address"),
            ("/Endpoints/e2/Type", "unknown endpoint Type \"lambda\""),
            ("/Rules/r/Items/0/Weight", "Weight 300 is out of range"),
            ("/Rules/r/Items/1/EndpointReference", "endpoint \"nope\" does not exist"),
        ],
        exact_errors: Some(5),
    });
    cases
}

#[test]
fn rejected_documents() {
    check_errors(&error_cases());
}

// ---------------------------------------------------------------------------------------------
// Accepted documents, with the warnings they must carry.

fn valid_cases() -> Vec<Case> {
    let ok =
        |name: &'static str, doc: String| Case { name, doc, expect: vec![], exact_errors: None };
    let mut cases = vec![
        ok("baseline", base()),
        ok("exactly 102,400 characters", padded(base(), 102_400)),
        ok(
            "over 102,400 bytes but not characters",
            set(
                base(),
                &format!("/Endpoints/{}", "é".repeat(51_000)),
                json!({"Type": "value", "Value": "192.0.2.9"}),
            ),
        ),
        ok("StartEndpoint without Rules", value_doc("A", "192.0.2.1")),
        ok(
            "Weight \"3\" as a string",
            weighted(json!([{"EndpointReference": "e1", "Weight": "3"}])),
        ),
        ok(
            "Weight bounds 0 and 255",
            weighted(
                json!([{"EndpointReference": "e1", "Weight": 0}, {"EndpointReference": "e2", "Weight": "255"}]),
            ),
        ),
        ok(
            "Bias \"-99\" and 99",
            geoprox(
                "2015-10-01",
                json!([
                    {"EndpointReference": "e1", "Region": "aws:route53:us-east-1", "Bias": "-99"},
                    {"EndpointReference": "e2", "Region": "aws:route53:eu-west-1", "Bias": 99}
                ]),
            ),
        ),
        ok("Latitude \"51.50\"", geoprox15(json!({"Latitude": "51.50", "Longitude": "-0.16"}))),
        ok("coordinate extremes", geoprox15(json!({"Latitude": -90, "Longitude": "180.00"}))),
        ok(
            "Coordinate Location in 2023-05-09",
            geoprox23(json!({"Type": "Coordinate", "Latitude": 38.9, "Longitude": "-77.01"})),
        ),
        ok(
            "LocalZone Location in 2023-05-09",
            geoprox23(json!({"Type": "LocalZone", "LocationName": "aws:route53:us-east-1-atl-1a"})),
        ),
        ok(
            "booleans as strings",
            failover(
                json!({"EndpointReference": "e1", "EvaluateTargetHealth": "true", "HealthCheck": "hc-1"}),
                json!({"EndpointReference": "e2", "EvaluateTargetHealth": "false", "HealthCheck": "hc-2"}),
            ),
        ),
        ok(
            "IsDefault \"true\" as a string",
            geo(
                json!([{"EndpointReference": "e1", "Country": "FR"}, {"EndpointReference": "e2", "IsDefault": "true"}]),
            ),
        ),
        ok(
            "IsDefault false with a country",
            geo(
                json!([{"EndpointReference": "e1", "Country": "FR", "IsDefault": false}, {"EndpointReference": "e2", "Country": "*"}]),
            ),
        ),
        ok(
            "subdivisions of US and UA",
            geo(json!([
                {"EndpointReference": "e1", "Country": "US", "Subdivision": "WA"},
                {"EndpointReference": "e1", "Country": "UA", "Subdivision": "30"},
                {"EndpointReference": "e1", "Country": "US"},
                {"EndpointReference": "e1", "Continent": "NA"},
                {"EndpointReference": "e2", "IsDefault": true}
            ])),
        ),
        ok(
            "latency regions incl. China and GovCloud",
            latency(json!([
                {"EndpointReference": "e1", "Region": "cn-north-1"},
                {"EndpointReference": "e2", "Region": "us-gov-west-1"}
            ])),
        ),
        ok(
            "DAG with a shared child is not a cycle",
            set(
                rules_doc(json!({
                    "a": {"RuleType": "weighted", "Items": [{"RuleReference": "b", "Weight": 1}, {"RuleReference": "c", "Weight": 1}]},
                    "b": {"RuleType": "weighted", "Items": [{"RuleReference": "d", "Weight": 1}]},
                    "c": {"RuleType": "weighted", "Items": [{"RuleReference": "d", "Weight": 1}]},
                    "d": {"RuleType": "multivalue", "Items": [{"EndpointReference": "e1"}, {"EndpointReference": "e2"}]}
                })),
                "/StartRule",
                json!("a"),
            ),
        ),
        ok(
            "255 entries in one rule",
            weighted(Value::Array(vec![json!({"EndpointReference": "e1", "Weight": 1}); 255])),
        ),
        ok(
            "alias endpoints with AAAA",
            endpoint_doc(
                "AAAA",
                json!({"Type": "cloudfront", "Value": "d111111abcdef8.cloudfront.net"}),
            ),
        ),
        ok(
            "s3-website with A and Region",
            endpoint_doc(
                "A",
                json!({"Type": "s3-website", "Value": "www.example.com", "Region": "us-east-1"}),
            ),
        ),
    ];

    // --- one well-formed value per record type -----------------------------------------------
    let good_values = [
        ("A", "192.0.2.1"),
        ("AAAA", "2001:db8::1"),
        ("CNAME", "www.example.com"),
        ("CNAME", "www.example.com."),
        ("PTR", "host.example.com."),
        ("MX", "10 mail.example.com"),
        ("SRV", "10 5 5060 sip.example.com"),
        ("CAA", "0 issue \"ca.example.net\""),
        ("NAPTR", "100 50 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."),
        ("TXT", "\"v=spf1 -all\" \"second string\""),
        ("SPF", "\"v=spf1 include:_spf.example.com ~all\""),
    ];
    for (i, (rt, value)) in good_values.into_iter().enumerate() {
        let name: &'static str = Box::leak(format!("{rt} value #{i}: {value}").into_boxed_str());
        cases.push(ok(name, value_doc(rt, value)));
    }
    let max_txt = format!("\"{}\"", "x".repeat(255));
    cases.push(ok("TXT string of 255 characters", value_doc("TXT", &max_txt)));

    // --- warnings ------------------------------------------------------------------------------
    let warn = |name: &'static str, doc: String, pointer: &'static str, message: &'static str| {
        Case { name, doc, expect: vec![(pointer, message)], exact_errors: None }
    };
    cases.extend([
        warn(
            "geo rule without default",
            geo(json!([{"EndpointReference": "e1", "Country": "FR"}, {"EndpointReference": "e2", "Country": "DE"}])),
            "/Rules/r/Locations",
            "no default location",
        ),
        warn(
            "unreachable rule",
            rules_doc(json!({
                "r": {"RuleType": "multivalue", "Items": [{"EndpointReference": "e1"}, {"EndpointReference": "e2"}]},
                "orphan": {"RuleType": "multivalue", "Items": [{"EndpointReference": "e1"}]}
            })),
            "/Rules/orphan",
            "rule \"orphan\" is not reachable from the start point",
        ),
        warn(
            "rule reachable only from an unreachable rule",
            rules_doc(json!({
                "r": {"RuleType": "multivalue", "Items": [{"EndpointReference": "e1"}, {"EndpointReference": "e2"}]},
                "orphan": {"RuleType": "weighted", "Items": [{"RuleReference": "leaf", "Weight": 1}]},
                "leaf": {"RuleType": "multivalue", "Items": [{"EndpointReference": "e1"}]}
            })),
            "/Rules/leaf",
            "rule \"leaf\" is not reachable",
        ),
        warn(
            "unreachable endpoint",
            set(base(), "/Endpoints/e3", json!({"Type": "value", "Value": "192.0.2.3"})),
            "/Endpoints/e3",
            "endpoint \"e3\" is not reachable from the start point and is never answered",
        ),
        warn(
            "failover Primary without health check",
            failover(json!({"EndpointReference": "e1"}), json!({"EndpointReference": "e2", "HealthCheck": "hc-2"})),
            "/Rules/r/Primary",
            "failover Primary has no HealthCheck",
        ),
        warn(
            "failover Secondary without health check",
            failover(json!({"EndpointReference": "e1", "HealthCheck": "hc-1"}), json!({"EndpointReference": "e2"})),
            "/Rules/r/Secondary",
            "failover Secondary has no HealthCheck",
        ),
        warn(
            "EvaluateTargetHealth on a value endpoint is no health signal",
            failover(
                json!({"EndpointReference": "e1", "EvaluateTargetHealth": true}),
                json!({"EndpointReference": "e2", "HealthCheck": "hc-2"}),
            ),
            "/Rules/r/Primary",
            "failover Primary has no HealthCheck",
        ),
        warn(
            "all weights zero",
            weighted(json!([{"EndpointReference": "e1", "Weight": 0}, {"EndpointReference": "e2", "Weight": "0"}])),
            "/Rules/r/Items",
            "every weight is 0",
        ),
    ]);
    cases
}

#[test]
fn accepted_documents_and_warnings() {
    check_valid(&valid_cases());
}

/// Documents that must compile with no diagnostic at all: the warnings are not noise.
#[test]
fn clean_documents_have_no_warnings() {
    let docs = [
        ("baseline", base()),
        (
            "failover with health checks",
            failover(
                json!({"EndpointReference": "e1", "HealthCheck": "hc-1"}),
                json!({"EndpointReference": "e2", "HealthCheck": "hc-2"}),
            ),
        ),
        (
            "failover with EvaluateTargetHealth on an alias target",
            set(
                failover(
                    json!({"EndpointReference": "e1", "EvaluateTargetHealth": true}),
                    json!({"EndpointReference": "e2", "HealthCheck": "hc-2"}),
                ),
                "/Endpoints/e1",
                json!({"Type": "elastic-load-balancer", "Value": "elb-1.us-east-1.elb.amazonaws.com"}),
            ),
        ),
        (
            "geo with default",
            geo(
                json!([{"EndpointReference": "e1", "Country": "FR"}, {"EndpointReference": "e2", "Country": "*"}]),
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (name, doc) in docs {
        let comp = run(&doc);
        if !comp.diagnostics.is_empty() || comp.policy.is_none() {
            failures.push(format!("{name}:\n{}", listing(&comp.diagnostics)));
        }
    }
    assert!(failures.is_empty(), "unexpected diagnostics:\n{}", failures.join("\n"));
}

/// Reads a test input; the crate's clippy.toml bans file reads in the library, not in tests.
#[allow(clippy::disallowed_methods)]
fn read_text(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).expect("readable example")
}

#[test]
fn every_example_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 7, "expected the example documents in {}", dir.display());
    let mut failures = Vec::new();
    for path in &paths {
        let text = read_text(path);
        let comp = run(&text);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if comp.errors().next().is_some() || comp.policy.is_none() {
            failures.push(format!("{name}:\n{}", listing(&comp.diagnostics)));
        }
        failures.extend(pointer_problems(&name, &text, &comp));
    }
    assert!(failures.is_empty(), "examples with errors:\n{}", failures.join("\n"));
}

/// Diagnostics come in document order within their stage, and errors are never silently
/// downgraded: a document with any error has no policy, one without errors has one.
#[test]
fn policy_present_exactly_without_errors() {
    for c in error_cases().iter().chain(valid_cases().iter()) {
        let comp = run(&c.doc);
        let has_errors = comp.diagnostics.iter().any(|d| d.severity == Severity::Error);
        assert_eq!(comp.policy.is_some(), !has_errors, "{}", c.name);
    }
}
