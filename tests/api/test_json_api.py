"""The JSON API under /api/v1/: validate, explain, policy versions and their diff, policy
records. Calls use the bearer token or SigV4, both accepted there."""

from __future__ import annotations

from helpers import (
    BROKEN_DOCUMENT,
    FRANCE6,
    LONDON,
    json_api,
    policy_text,
    unique,
    wait_applied,
)


def test_validate(server):
    r = json_api_ok(server, "POST", "validate", {"document": policy_text("geolocation.json")})
    assert (r["valid"], r["record_type"], r["errors"]) == (True, "A", [])
    # The example's health checks are not defined on this server: warnings, not errors.
    assert r["warnings"] and all("does not exist" in w["message"] for w in r["warnings"]), r

    r = json_api_ok(server, "POST", "validate", {"document": BROKEN_DOCUMENT}, sigv4=True)
    assert r["valid"] is False and r["record_type"] is None
    pointers = {e["pointer"] for e in r["errors"]}
    assert {"/Endpoints/a/Valeu", "/Endpoints/b/Value",
            "/Rules/site_switch/Primary/EndpointReference"} <= pointers, r["errors"]
    assert all(e["message"] for e in r["errors"])

    r = json_api_ok(server, "POST", "validate", {"document": policy_text("failover.json")})
    assert r["valid"] is True
    assert "/Rules/site_switch/Primary" in {w["pointer"] for w in r["warnings"]}

    bad = json_api(server, "POST", "validate", {"doc": "{}"})
    assert (bad.status, bad.json()["error"]["code"]) == (400, "InvalidInput")


def test_explain(server):
    doc = policy_text("geolocation.json")
    r = json_api_ok(server, "POST", "explain", {"document": doc, "client": LONDON}, sigv4=True)
    assert r["answer"] == ["192.0.2.1"]
    assert (r["location"]["country"], r["location"]["continent"]) == ("GB", "EU")
    assert r["record_type"] == "A"
    assert r["ecs_scope"] > 0
    assert r["trace"], "explain returned no trace"
    assert any(step["pointer"].startswith("/Rules/geo_rule") for step in r["trace"]), r["trace"]
    assert [e["id"] for e in r["endpoints"]] == ["english"]

    r = json_api_ok(server, "POST", "explain", {"document": doc, "client": f"{FRANCE6}/48"})
    assert (r["answer"], r["location"]["country"]) == (["192.0.2.2"], "FR")

    r = json_api(server, "POST", "explain", {"document": doc, "client": "not-an-ip"})
    assert (r.status, r.json()["error"]["code"]) == (400, "InvalidInput")
    r = json_api(server, "POST", "explain", {"document": BROKEN_DOCUMENT, "client": LONDON})
    assert (r.status, r.json()["error"]["code"]) == (400, "InvalidTrafficPolicyDocument")


def test_policy_versions_and_diff(server, r53, cleanup):
    created = json_api(server, "POST", "policies",
                       {"name": unique("json"), "document": policy_text("geolocation.json")})
    assert created.status == 201, created.body
    pid = created.json()["id"]
    cleanup.policies.append(pid)
    assert (created.json()["version"], created.json()["type"]) == (1, "A")

    v2 = json_api(server, "POST", f"policies/{pid}/versions",
                  {"document": policy_text("geolocation-v2.json"), "comment": "v2"},
                  sigv4=True)
    assert v2.status == 201, v2.body
    assert v2.json()["version"] == 2
    # The Route 53 API sees the same versions.
    got = r53.get_traffic_policy(Id=pid, Version=2)["TrafficPolicy"]
    assert (got["Document"], got["Comment"]) == (policy_text("geolocation-v2.json"), "v2")
    versions = json_api_ok(server, "GET", f"policies/{pid}/versions")["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert json_api_ok(server, "GET", f"policies/{pid}")["version"] == 2

    diff = json_api_ok(server, "GET", f"policies/{pid}/diff?from=1&to=2")
    assert (diff["from"], diff["to"]) == (1, 2)
    by_pointer = {d["pointer"]: d for d in diff["differences"]}
    assert by_pointer["/Endpoints/english/Value"] == {
        "pointer": "/Endpoints/english/Value", "kind": "changed",
        "before": "192.0.2.1", "after": "198.51.100.1"}
    assert by_pointer["/Endpoints/american"]["kind"] == "added"
    assert by_pointer["/Rules/geo_rule/Locations/4"]["kind"] == "added"
    assert "/Endpoints/german/Value" not in by_pointer
    back = json_api_ok(server, "GET", f"policies/{pid}/diff?from=2&to=1", sigv4=True)
    assert {d["pointer"]: d["kind"] for d in back["differences"]}["/Endpoints/american"] == "removed"
    assert json_api_ok(server, "GET", f"policies/{pid}/diff?from=1&to=1")["differences"] == []

    missing = json_api(server, "GET", f"policies/{pid}/diff?from=1&to=9")
    assert (missing.status, missing.json()["error"]["code"]) == (404, "NoSuchTrafficPolicy")

    for n in (2, 1):
        r = json_api(server, "DELETE", f"policies/{pid}/versions/{n}")
        assert r.status == 200, r.body
    assert pid not in {p["id"] for p in json_api_ok(server, "GET", "policies")["policies"]}


def test_policy_records(server, r53, zone, dig, cleanup):
    """Create, roll forward and back, and delete a policy record through the JSON API."""
    tp = r53.create_traffic_policy(Name=unique("jrec"), Document=policy_text("geolocation.json"))
    pid = tp["TrafficPolicy"]["Id"]
    cleanup.policies.append(pid)
    r53.create_traffic_policy_version(Id=pid, Document=policy_text("geolocation-v2.json"))
    name = f"json.{zone['name']}"
    created = json_api(server, "POST", "records", {"zone_id": zone["id"], "name": name,
                                                   "ttl": 30, "policy_id": pid, "version": 1})
    assert created.status == 201, created.body
    rid = created.json()["id"]
    wait_applied(r53, rid)
    assert dig(name, "A", subnet=f"{LONDON}/32").values("A") == ["192.0.2.1"]

    r = json_api(server, "PATCH", f"records/{rid}", {"version": 2}, sigv4=True)
    assert (r.status, r.json()["version"]) == (200, 2), r.body
    wait_applied(r53, rid)
    assert dig(name, "A", subnet=f"{LONDON}/32").values("A") == ["198.51.100.1"]
    records = json_api_ok(server, "GET", f"records?zone={zone['id']}")["records"]
    assert [(x["id"], x["version"], x["state"]) for x in records] == [(rid, 2, "Applied")]

    r = json_api(server, "DELETE", f"records/{rid}")
    assert r.status == 200, r.body
    missing = json_api(server, "GET", f"records/{rid}")
    assert (missing.status, missing.json()["error"]["code"]) == (404, "NoSuchTrafficPolicyInstance")


def json_api_ok(server, method, path, body=None, sigv4=False):
    r = json_api(server, method, path, body, sigv4=sigv4)
    assert r.status == 200, (method, path, r.status, r.body)
    return r.json()


def test_zones_record_sets_and_test_dns_answer(server):
    """The JSON API has the Route 53 operations too: zones, change batches with routing,
    changes, TestDNSAnswer, health checks."""
    name = f"{unique('json')}.example."
    r = json_api(server, "POST", "zones", {"name": name, "caller_reference": unique("ref")})
    assert r.status == 201, r.body
    zone = r.json()["id"]
    assert r.json()["name"] == name
    batch = {"comment": "two weighted sets", "changes": [
        {"action": "CREATE", "name": f"w.{name}", "type": "A", "set_identifier": sid, "ttl": 60,
         "values": [ip], "routing": {"Weight": weight}}
        for sid, ip, weight in [("a", "192.0.2.1", 1), ("b", "192.0.2.2", 0)]]}
    change = json_api_ok(server, "POST", f"zones/{zone}/rrsets", batch)
    assert change["status"] in ("PENDING", "INSYNC")
    for _ in range(200):
        if json_api_ok(server, "GET", f"changes/{change['id']}")["status"] == "INSYNC":
            break
    sets = json_api_ok(server, "GET", f"zones/{zone}/rrsets")["record_sets"]
    assert [(s["name"], s["type"], s["set_identifier"]) for s in sets if s["name"] == f"w.{name}"] \
        == [(f"w.{name}", "A", "a"), (f"w.{name}", "A", "b")]
    # Weight 0 gets no traffic while another weight is positive.
    for _ in range(5):
        a = json_api_ok(server, "GET", f"test-dns-answer?zone={zone}&name=w.{name}&type=A")
        assert (a["rcode"], a["data"]) == ("NOERROR", ["192.0.2.1"]), a
    bad = json_api(server, "POST", f"zones/{zone}/rrsets", {"changes": [
        {"action": "MOVE", "name": f"x.{name}", "type": "A", "ttl": 60, "values": ["192.0.2.9"]}]})
    assert bad.status == 400 and "changes[0].action" in bad.json()["error"]["message"], bad.body
    # An unknown routing member is refused, naming it and the members there are; before, a
    # lower-case `weight` was dropped and a plain record set created.
    for routing, unknown in [({"weight": 10}, "weight"),
                             ({"GeoLocation": {"Country": "GB"}}, "Country")]:
        bad = json_api(server, "POST", f"zones/{zone}/rrsets", {"changes": [
            {"action": "CREATE", "name": f"u.{name}", "type": "A", "ttl": 60,
             "set_identifier": "u", "values": ["192.0.2.9"], "routing": routing}]})
        message = bad.json()["error"]["message"] if bad.status == 400 else ""
        assert bad.status == 400 and f"unknown field `{unknown}`" in message, bad.body
        assert "Weight" in message or "CountryCode" in message, message
    names = [s["name"] for s in json_api_ok(server, "GET", f"zones/{zone}/rrsets")["record_sets"]]
    assert f"u.{name}" not in names
    r = json_api(server, "DELETE", f"zones/{zone}")
    assert (r.status, r.json()["error"]["code"]) == (400, "HostedZoneNotEmpty"), r.body
    json_api_ok(server, "POST", f"zones/{zone}/rrsets", {"changes": [
        dict(c, action="DELETE") for c in batch["changes"]]})
    json_api_ok(server, "DELETE", f"zones/{zone}")
    assert json_api(server, "GET", f"zones/{zone}").status == 404


def test_validate_warns_about_health_checks_that_do_not_exist(server):
    doc = """{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "f",
      "Endpoints": {"p": {"Type": "value", "Value": "192.0.2.1"}, "s": {"Type": "value", "Value": "192.0.2.2"}},
      "Rules": {"f": {"RuleType": "failover",
        "Primary": {"EndpointReference": "p", "HealthCheck": "no-such-check"},
        "Secondary": {"EndpointReference": "s"}}}}"""
    r = json_api_ok(server, "POST", "validate", {"document": doc})
    assert r["valid"] is True
    assert any("no-such-check" in w["message"] for w in r["warnings"]), r["warnings"]
