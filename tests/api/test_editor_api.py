"""The browser editor's side of the server: its files at the root (no authentication, caching
headers, the single-page-application fallback), the coverage map endpoint and the live
answer counters of a policy record."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from helpers import (
    BROKEN_DOCUMENT,
    LONDON,
    http_request,
    json_api,
    policy_text,
    poll,
    unique,
    wait_applied,
)

# The placeholder page a binary built without web/dist serves (crates/editor/placeholder.html).
PLACEHOLDER_MARKER = '<meta name="flowdns-editor" content="placeholder" />'


def get(server, path: str, **headers: str):
    return http_request(server, "GET", path, headers=headers)


def ok_json(r) -> dict:
    assert r.status == 200, (r.status, r.body[:500])
    return r.json()


def test_root_is_the_editor_without_authentication(server):
    r = get(server, "/")
    assert r.status == 200, r.body[:300]
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    for directive in ("default-src 'self'", "img-src 'self' data:",
                      "style-src 'self' 'unsafe-inline'", "connect-src 'self'"):
        assert directive in csp, csp
    assert b"<html" in r.body.lower()
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}(-gz)?"', etag), etag

    again = get(server, "/", **{"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    assert again.headers["etag"] == etag

    head = http_request(server, "HEAD", "/")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["etag"] == etag
    assert int(head.headers["content-length"]) == len(r.body)

    assert get(server, "/index.html").body == r.body


def test_editor_routes_load_the_application(server):
    index = get(server, "/")
    for path in ("/policies/x", "/policies/abc/versions/2", "/records/"):
        r = get(server, path)
        assert r.status == 200, path
        assert r.body == index.body, path
        assert r.headers["cache-control"] == "no-cache", path
        assert r.headers["etag"] == index.headers["etag"], path


def test_unknown_files_are_404(server):
    for path in ("/nope.js", "/assets/nope-0000.js", "/favicon-missing.ico"):
        r = get(server, path)
        assert r.status == 404, path
        assert r.headers["x-content-type-options"] == "nosniff"


def test_the_apis_keep_their_paths(server):
    # Still authenticated, still their own error formats.
    r = get(server, "/api/v1/policies")
    assert r.status == 403 and r.body.lstrip().startswith(b"{"), r.body
    r = get(server, "/2013-04-01/hostedzone")
    assert r.status == 403 and r.body.lstrip().startswith(b"<"), r.body
    r = get(server, "/api/v2/anything")
    assert r.status != 200 and b"<html" not in r.body.lower()
    assert get(server, "/healthz").body == b"ok\n"
    # Other methods than GET and HEAD are not the editor's.
    r = http_request(server, "POST", "/", b"x")
    assert r.status == 404 and r.error_code() == "UnknownOperationException", r.body


def test_hashed_assets_are_cached_forever(server):
    index = get(server, "/").body.decode()
    if PLACEHOLDER_MARKER in index:
        assert "npm ci" in index and "npm run build" in index
        pytest.skip("the editor was not built into this binary (web/dist missing at build time)")
    assets = sorted(set(re.findall(r'(?:src|href)="\.?(/?assets/[^"]+)"', index)))
    assert assets, index
    for ref in assets:
        path = "/" + ref.lstrip("/")
        r = get(server, path)
        assert r.status == 200, path
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in r.headers
        ext = path.rsplit(".", 1)[-1]
        want = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}.get(ext)
        if want:
            assert r.headers["content-type"] == want, path
        packed = get(server, path, **{"Accept-Encoding": "gzip"})
        if packed.headers.get("content-encoding") == "gzip":
            assert gzip.decompress(packed.body) == r.body, path
            assert packed.headers["vary"] == "Accept-Encoding"


def coverage(server, **body):
    return json_api(server, "POST", "coverage", body)


def by_region(result: dict) -> dict:
    return {(r["country"], r["subdivision"]): r for r in result["regions"]}


def test_coverage_of_a_geolocation_policy(server):
    doc = policy_text("geolocation.json")
    result = ok_json(coverage(server, document=doc, grid={"step": 10}))
    ids = [e["id"] for e in result["endpoints"]]
    assert ids == ["english", "french", "german"]
    assert result["record_type"] == "A"
    assert result["endpoints"][0] == {"id": "english", "value": "192.0.2.1", "type": "value"}
    regions = by_region(result)
    assert ids[regions[("GB", None)]["endpoint"]] == "english"
    assert ids[regions[("FR", None)]["endpoint"]] == "french"
    assert ids[regions[("BE", None)]["endpoint"]] == "french"
    assert ids[regions[("DE", None)]["endpoint"]] == "german"
    assert ids[regions[("US", "WA")]["endpoint"]] == "english"
    fr = regions[("FR", None)]
    assert (fr["name"], fr["continent"], fr["shares"]) == ("France", "EU", [[1, 1.0]])
    # The server's GeoIP test database has GB networks: GB has a point in Great Britain.
    lat, lon = regions[("GB", None)]["coordinates"]
    assert 50 < lat < 59 and -8 < lon < 2, (lat, lon)
    # Grid cells have coordinates only: a geolocation rule answers them from its default.
    grid = result["grid"]
    assert (grid["step"], grid["lat0"], grid["lon0"], grid["rows"], grid["cols"]) == (10, -90, -180, 18, 36)
    assert grid["cells"] == [ids.index("english")] * (18 * 36)
    assert result["elapsed_ms"] >= 0

    # France's health check down: France and Belgium fall back to the default.
    result = ok_json(coverage(server, document=doc, unhealthy=["hc-french"]))
    regions = by_region(result)
    assert ids[regions[("FR", None)]["endpoint"]] == "english"
    assert ids[regions[("BE", None)]["endpoint"]] == "english"
    assert ids[regions[("DE", None)]["endpoint"]] == "german"
    assert result["grid"] is None


def test_coverage_of_a_weighted_policy_reports_shares(server):
    result = ok_json(coverage(server, document=policy_text("weighted.json"), samples=400))
    shares = dict((i, s) for i, s in by_region(result)[("JP", None)]["shares"])
    # Weights 3:1:1.
    assert abs(shares[0] - 0.6) < 0.08 and abs(shares[1] - 0.2) < 0.08 and abs(shares[2] - 0.2) < 0.08, shares
    assert by_region(result)[("JP", None)]["endpoint"] == 0


def test_coverage_errors(server):
    doc = policy_text("geolocation.json")
    r = coverage(server, document=BROKEN_DOCUMENT)
    assert (r.status, r.error_code()) == (400, "InvalidTrafficPolicyDocument")
    assert "/Endpoints/a/Valeu" in r.json()["error"]["message"]
    r = coverage(server, document=doc, grid={"step": 20})
    assert (r.status, r.error_code()) == (400, "InvalidInput")
    assert r.json()["error"]["message"].startswith("grid.step:")
    r = coverage(server, document=doc, rule="nope")
    assert (r.status, r.error_code()) == (400, "InvalidInput")
    assert r.json()["error"]["message"].startswith('rule: "nope"')
    r = coverage(server, document=doc, samples=0)
    assert (r.status, r.error_code()) == (400, "InvalidInput")
    r = coverage(server, document=doc, colour="red")
    assert (r.status, r.error_code()) == (400, "InvalidInput")
    r = http_request(server, "POST", "/api/v1/coverage", b'{"document": "{}"}',
                     {"Content-Type": "application/json"})
    assert r.status == 403


def test_live_counters_count_dns_answers(server, r53, zone, dig, cleanup):
    tp = r53.create_traffic_policy(Name=unique("live"), Document=policy_text("geolocation.json"))
    pid = tp["TrafficPolicy"]["Id"]
    cleanup.policies.append(pid)
    name = f"live.{zone['name']}"
    created = json_api(server, "POST", "records", {"zone_id": zone["id"], "name": name,
                                                   "ttl": 30, "policy_id": pid, "version": 1})
    assert created.status == 201, created.body
    rid = created.json()["id"]
    wait_applied(r53, rid)

    def live() -> dict:
        return ok_json(json_api(server, "GET", f"records/{rid}/live"))

    before = poll(live, lambda v: v["served"], "the record to be served")
    assert (before["record"], before["policy_id"], before["version"]) == (rid, pid, 1)
    counts = {e["id"]: e["answers"] for e in before["endpoints"]}
    assert set(counts) == {"english", "french", "german"}
    assert isinstance(before["at_ms"], int) and before["at_ms"] > 0

    assert dig(name, "A", subnet=f"{LONDON}/32").values("A") == ["192.0.2.1"]
    after = poll(live, lambda v: {e["id"]: e["answers"] for e in v["endpoints"]}["english"] > counts["english"],
                 "the answer to be counted")
    now = {e["id"]: e["answers"] for e in after["endpoints"]}
    assert now == {**counts, "english": counts["english"] + 1}
    assert after["at_ms"] >= before["at_ms"]

    missing = json_api(server, "GET", "records/00000000-0000-4000-8000-000000000000/live")
    assert (missing.status, missing.error_code()) == (404, "NoSuchTrafficPolicyInstance")


def test_regions_list_latency_regions_and_local_zones(server):
    """The editor's region pickers: every latency region and Local Zone with its coordinates."""
    result = ok_json(json_api(server, "GET", "regions"))
    regions = {r["code"]: r for r in result["regions"]}
    zones = {r["code"]: r for r in result["local_zones"]}
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert "us-east-1-atl-1a" in zones
    assert not set(regions) & set(zones)
    for r in [*regions.values(), *zones.values()]:
        assert -90 <= r["latitude"] <= 90 and -180 <= r["longitude"] <= 180, r
        assert r["name"], r
    # What the editor offers is what the validator accepts: a latency rule over every region.
    doc = {
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": "A",
        "StartRule": "lat",
        "Endpoints": {f"e{i}": {"Type": "value", "Value": f"192.0.2.{i % 250 + 1}"} for i in range(len(regions))},
        "Rules": {
            "lat": {
                "RuleType": "latency",
                "Regions": [{"Region": code, "EndpointReference": f"e{i}"} for i, code in enumerate(sorted(regions))],
            }
        },
    }
    v = ok_json(json_api(server, "POST", "validate", {"document": json.dumps(doc)}))
    assert v["errors"] == [], v["errors"][:3]
