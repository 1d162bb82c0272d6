"""The JSON API's OpenAPI description (GET /api/v1/openapi.json, crates/api/src/openapi.json):
served without authentication, valid JSON Schema throughout, its examples valid, and a walk
through every operation of a real server whose every answer (successes and error documents)
is validated against the description with jsonschema."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from helpers import (
    BROKEN_DOCUMENT,
    LONDON,
    ROOT,
    HttpResponse,
    bearer_token,
    http_request,
    policy_text,
    unique,
)

DESCRIPTION = ROOT / "crates" / "api" / "src" / "openapi.json"
BASE = "urn:flowdns:openapi"
METHODS = ("get", "post", "put", "patch", "delete")


def _absolute_refs(node: Any) -> Any:
    """`#/components/...` made `urn:flowdns:openapi#/components/...`, so that any part of the
    document validates on its own against a registry holding the whole."""
    if isinstance(node, dict):
        return {k: (BASE + v if k == "$ref" and isinstance(v, str) and v.startswith("#")
                    else _absolute_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


class Description:
    def __init__(self, doc: dict) -> None:
        self.raw = doc
        self.doc = _absolute_refs(doc)
        self.registry = Registry().with_resource(BASE, Resource(self.doc, specification=DRAFT202012))

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.registry.resolver().lookup(node["$ref"]).contents
        return node

    def operations(self) -> list[tuple[str, str, dict]]:
        return [(m.upper(), path, op) for path, item in self.doc["paths"].items()
                for m, op in item.items() if m in METHODS]

    def validate(self, schema: dict, value: Any, what: str) -> None:
        validator = jsonschema.Draft202012Validator(
            schema, registry=self.registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:5]]
            raise AssertionError(f"{what}: the answer does not match the description:\n"
                                 + "\n".join(lines) + f"\n{json.dumps(value)[:2000]}")

    def response_schema(self, method: str, template: str, status: int) -> dict:
        op = self.doc["paths"][template][method.lower()]
        responses = op["responses"]
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses["default"]
        response = self.resolve(response)
        return response["content"]["application/json"]["schema"]


@pytest.fixture(scope="module")
def description() -> Description:
    return Description(json.loads(DESCRIPTION.read_text()))


class Walk:
    """JSON API calls with the bearer token, each answer validated against the description;
    remembers which operations answered with a success."""

    def __init__(self, server, description: Description) -> None:
        self.server = server
        self.d = description
        self.succeeded: set[tuple[str, str]] = set()
        self.failed_as_documented: set[tuple[str, str]] = set()

    def __call__(self, method: str, template: str, body: Any = None, expect: int | None = None,
                 query: str = "", **params: str) -> Any:
        path = template
        for k, v in params.items():
            path = path.replace("{" + k + "}", v)
        assert "{" not in path, f"{template}: a parameter is missing"
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Authorization": f"Bearer {bearer_token()}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        r: HttpResponse = http_request(self.server, method, path + (f"?{query}" if query else ""),
                                       data, headers)
        what = f"{method} {path}{'?' + query if query else ''} -> {r.status}"
        assert r.headers.get("content-type", "").startswith("application/json"), what
        value = json.loads(r.body)
        self.d.validate(self.d.response_schema(method, template, r.status), value, what)
        if 200 <= r.status < 300:
            self.succeeded.add((method, template))
        if expect is not None:
            assert r.status == expect, f"{what}, expected {expect}: {r.body[:500]!r}"
        return value


def test_the_description_is_served_without_authentication(server):
    r = http_request(server, "GET", "/api/v1/openapi.json")
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "application/json"
    assert r.body == DESCRIPTION.read_bytes()
    doc = r.json()
    assert doc["openapi"].startswith("3.1.")
    # Everything else still needs a key.
    r = http_request(server, "GET", "/api/v1/zones")
    assert r.status == 403 and r.error_code() == "MissingAuthenticationToken", r.body
    r = http_request(server, "POST", "/api/v1/openapi.json", b"{}")
    assert r.status == 403, r.body


def _schemas(node: Any, at: str = ""):
    """Every schema of the document: components and each `schema` member, with where it is."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "schema" and isinstance(v, dict):
                yield f"{at}/schema", v
            elif k == "schemas" and at == "/components":
                for name, s in v.items():
                    yield f"{at}/schemas/{name}", s
            else:
                yield from _schemas(v, f"{at}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _schemas(v, f"{at}/{i}")


def test_every_schema_is_json_schema_and_every_example_fits(description):
    found = 0
    for at, schema in _schemas(description.doc):
        jsonschema.Draft202012Validator.check_schema(schema)
        found += 1
    assert found > 50
    examples = 0
    for method, path, op in description.operations():
        for p in op.get("parameters", []) + description.doc["paths"][path].get("parameters", []):
            p = description.resolve(p)
            if "example" in p:
                description.validate(p["schema"], p["example"], f"{method} {path} {p['name']}")
                examples += 1
        if "requestBody" in op:
            media = description.resolve(op["requestBody"])["content"]["application/json"]
            description.validate(media["schema"], media["example"], f"{method} {path} example")
            # Closed objects refuse more: an unknown member breaks the schema too.
            bad = copy.deepcopy(media["example"])
            bad["unexpected_member"] = 1
            with pytest.raises(AssertionError):
                description.validate(media["schema"], bad, "")
            examples += 1
    assert examples > 20


def test_every_operation_answers_as_described(server, description, r53, cleanup):
    call = Walk(server, description)
    document = policy_text("weighted.json")
    call("GET", "/api/v1/openapi.json", expect=200)

    # Documents.
    assert call("POST", "/api/v1/validate", {"document": document}, expect=200)["valid"] is True
    assert call("POST", "/api/v1/validate", {"document": BROKEN_DOCUMENT}, expect=200)["valid"] is False
    r = call("POST", "/api/v1/explain", {"document": document, "client": LONDON, "seed": 3,
                                         "unhealthy": ["hc-srv1"]}, expect=200)
    assert r["answer"] and r["trace"]
    r = call("POST", "/api/v1/coverage", {"document": policy_text("geolocation.json"),
                                          "grid": {"step": 10}, "samples": 2}, expect=200)
    assert r["regions"] and r["grid"]["cells"]
    call("POST", "/api/v1/coverage", {"document": document, "samples": 0}, expect=400)

    # Policies.
    p = call("POST", "/api/v1/policies", {"name": unique("openapi"), "document": document,
                                          "comment": "one"}, expect=201)
    pid = p["id"]
    cleanup.policies.append(pid)
    call("POST", "/api/v1/policies/{id}/versions",
         {"document": policy_text("minimal.json"), "comment": "two"}, expect=201, id=pid)
    assert pid in [x["id"] for x in call("GET", "/api/v1/policies", expect=200)["policies"]]
    assert call("GET", "/api/v1/policies/{id}", expect=200, id=pid)["version"] == 2
    assert len(call("GET", "/api/v1/policies/{id}/versions", expect=200, id=pid)["versions"]) == 2
    call("GET", "/api/v1/policies/{id}/versions/{version}", expect=200, id=pid, version="1")
    call("PATCH", "/api/v1/policies/{id}/versions/{version}", {"comment": "first"}, expect=200,
         id=pid, version="1")
    d = call("GET", "/api/v1/policies/{id}/diff", query="from=1&to=2", expect=200, id=pid)
    assert {x["kind"] for x in d["differences"]} <= {"added", "removed", "changed"}

    # Zones, record sets, changes, explain, TestDNSAnswer.
    z = call("POST", "/api/v1/zones", {"name": f"{unique('openapi')}.example.",
                                       "caller_reference": unique("ref")}, expect=201)
    zid, zname = z["id"], z["name"]
    cleanup.zones.append(zid)
    assert zid in [x["id"] for x in call("GET", "/api/v1/zones", expect=200)["zones"]]
    call("GET", "/api/v1/zones/{id}", expect=200, id=zid)
    h = call("POST", "/api/v1/health-checks", {"caller_reference": unique("hc"), "config": {
        "Type": "HTTP", "IPAddress": "127.0.0.2", "Port": 9, "RequestInterval": 30}}, expect=201)
    hid = h["id"]
    cleanup.health_checks.append(hid)
    ch = call("POST", "/api/v1/zones/{id}/rrsets", {"comment": "weighted", "changes": [
        {"action": "CREATE", "name": f"www.{zname}", "type": "A", "set_identifier": "blue",
         "ttl": 60, "values": ["192.0.2.1"], "routing": {"Weight": 3, "HealthCheckId": hid}},
        {"action": "CREATE", "name": f"www.{zname}", "type": "A", "set_identifier": "green",
         "ttl": 60, "values": ["192.0.2.2"], "routing": {"Weight": 1}},
        {"action": "CREATE", "name": f"alias.{zname}", "type": "A", "routing": {"AliasTarget": {
            "HostedZoneId": zid, "DNSName": f"www.{zname}", "EvaluateTargetHealth": True}}},
    ]}, expect=200, id=zid)
    call("GET", "/api/v1/changes/{id}", expect=200, id=ch["id"])
    sets = call("GET", "/api/v1/zones/{id}/rrsets", expect=200, id=zid)["record_sets"]
    assert any(s["routing"].get("AliasTarget") for s in sets)
    r = call("POST", "/api/v1/zones/{id}/explain", {"name": f"alias.{zname}", "type": "A",
                                                    "client": f"{LONDON}/24"}, expect=200, id=zid)
    assert r["rcode"] == "NOERROR" or r["trace"] is not None
    call("GET", "/api/v1/test-dns-answer", query=f"zone={zid}&name=www.{zname}&type=A&subnet={LONDON}/24",
         expect=200)

    # Policy records.
    rec = call("POST", "/api/v1/records", {"zone_id": zid, "name": f"p.{zname}", "ttl": 60,
                                           "policy_id": pid, "version": 1}, expect=201)
    rid = rec["id"]
    assert rid in [x["id"] for x in call("GET", "/api/v1/records", expect=200)["records"]]
    assert [x["id"] for x in call("GET", "/api/v1/records", query=f"zone={zid}", expect=200)["records"]] == [rid]
    call("GET", "/api/v1/records/{id}", expect=200, id=rid)
    call("GET", "/api/v1/records/{id}/live", expect=200, id=rid)
    assert call("PATCH", "/api/v1/records/{id}", {"version": 2, "ttl": 30}, expect=200, id=rid)["version"] == 2

    # Health checks.
    assert hid in [x["id"] for x in call("GET", "/api/v1/health-checks", expect=200)["health_checks"]]
    call("PUT", "/api/v1/health-checks/{id}/override", {"healthy": False, "reason": "openapi"},
         expect=200, id=hid)
    assert call("GET", "/api/v1/health-checks/{id}", expect=200, id=hid)["status"] == "unhealthy (forced)"
    call("DELETE", "/api/v1/health-checks/{id}/override", expect=200, id=hid)
    call("GET", "/api/v1/health-checks/{id}/reports", expect=200, id=hid)

    # Tags of both kinds.
    for template, rid_ in (("/api/v1/zones/{id}/tags", zid), ("/api/v1/health-checks/{id}/tags", hid)):
        call("PUT", template, {"tags": [{"key": "team", "value": "edge"}, {"key": "env"}]}, expect=200, id=rid_)
        call("PATCH", template, {"add": [{"key": "tier", "value": "1"}], "remove": ["env"]}, expect=200, id=rid_)
        assert [t["key"] for t in call("GET", template, expect=200, id=rid_)["tags"]] == ["team", "tier"]

    # Codes and nodes.
    assert call("GET", "/api/v1/nodes", expect=200)["nodes"]
    assert call("GET", "/api/v1/geolocations", expect=200)["geolocations"]
    assert call("GET", "/api/v1/regions", expect=200)["regions"]

    # CIDR collections.
    name, ref = unique("oa"), unique("oa")
    c = call("POST", "/api/v1/cidr-collections", {"name": name, "caller_reference": ref}, expect=201)
    cid = c["id"]
    cleanup.cidr_collections.append(cid)
    call("POST", "/api/v1/cidr-collections", {"name": name, "caller_reference": ref}, expect=200)
    assert cid in [x["id"] for x in call("GET", "/api/v1/cidr-collections", expect=200)["cidr_collections"]]
    call("POST", "/api/v1/cidr-collections/{id}/changes", {"version": 1, "changes": [
        {"LocationName": "office", "Action": "PUT", "CidrList": ["198.51.100.0/24", "2001:db8::/48"]}]},
        expect=200, id=cid)
    assert call("GET", "/api/v1/cidr-collections/{id}", expect=200, id=cid)["locations"] == ["office"]
    assert len(call("GET", "/api/v1/cidr-collections/{id}/blocks", query="location=office",
                    expect=200, id=cid)["blocks"]) == 2
    call("POST", "/api/v1/cidr-collections/{id}/changes", {"changes": [
        {"LocationName": "office", "Action": "DELETE_IF_EXISTS",
         "CidrList": ["198.51.100.0/24", "2001:db8::/48"]}]}, expect=200, id=cid)
    call("GET", "/api/v1/cidr-collections/{id}/blocks", expect=200, id=cid)

    # Error documents, as described by `default`.
    call("GET", "/api/v1/zones/{id}", expect=404, id="0" * 32)
    call("POST", "/api/v1/zones", {"name": "x.example.", "caller_reference": "r", "extra": 1}, expect=400)
    call("PATCH", "/api/v1/zones/{id}/tags", [None, None], expect=400, id=zid)
    call("DELETE", "/api/v1/policies/{id}/versions/{version}", expect=400, id=pid, version="2")  # in use

    # Everything goes, through the API.
    call("DELETE", "/api/v1/records/{id}", expect=200, id=rid)
    call("POST", "/api/v1/zones/{id}/rrsets", {"changes": [
        {"action": "DELETE", "name": s["name"], "type": s["type"], "set_identifier": s["set_identifier"],
         "ttl": s["ttl"], "values": s["values"], "routing": s["routing"]}
        for s in call("GET", "/api/v1/zones/{id}/rrsets", expect=200, id=zid)["record_sets"]
        if s["type"] not in ("SOA", "NS") and s["traffic_policy_instance_id"] is None
    ]}, expect=200, id=zid)
    call("DELETE", "/api/v1/zones/{id}", expect=200, id=zid)
    for v in ("2", "1"):
        d = call("DELETE", "/api/v1/policies/{id}/versions/{version}", expect=200, id=pid, version=v)
        assert d["deleted"]["version"] == int(v)
    call("DELETE", "/api/v1/health-checks/{id}", expect=200, id=hid)
    call("DELETE", "/api/v1/cidr-collections/{id}", expect=200, id=cid)

    every = {(m, p) for m, p, _ in description.operations()}
    assert every - call.succeeded == set(), "operations this walk did not see succeed"


def test_unknown_paths_and_methods(server, description):
    token = {"Authorization": f"Bearer {bearer_token()}"}
    error = description.resolve(description.doc["components"]["schemas"]["Error"])
    r = http_request(server, "GET", "/api/v1/no-such-thing", headers=token)
    assert (r.status, r.error_code()) == (404, "UnknownOperationException"), r.body
    description.validate(error, r.json(), "404")
    r = http_request(server, "TRACE", "/api/v1/zones", headers=token)
    assert (r.status, r.error_code()) == (405, "MethodNotAllowed"), r.body
    assert r.headers["allow"] == "GET, POST"
    description.validate(error, r.json(), "405")
    r = http_request(server, "DELETE", "/api/v1/zones/z/tags", headers=token)
    assert (r.status, r.headers["allow"]) == (405, "GET, PATCH, PUT"), r.body
