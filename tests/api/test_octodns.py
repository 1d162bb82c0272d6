"""octoDNS against flowdns: the real `octodns-sync` with the octodns-route53 provider writes a
zone through the Route 53 API (boto3 pointed at flowdns with AWS_ENDPOINT_URL_ROUTE_53), and
dig checks what flowdns serves.

The zone has plain A, AAAA, TXT, MX and CNAME records and one dynamic A record, `www`. Its pools
fall back to one another (se -> eu -> na -> other -> the record's own values) and its rules send
Sweden, Europe and the United States to their pools and everyone else to `other`. Each pool value
is the address of an HTTP server this module starts on loopback (127.0.0.2...), health-checked
over HTTP. octodns-route53 writes the record as Route 53 record sets: geolocation sets at `www`
aliasing failover sets `_octodns-<pool>-pool.www`, whose PRIMARY aliases the weighted sets
`_octodns-<pool>-value.www` (one per value, each with its health check) and whose SECONDARY
aliases the fallback pool, or the plain `_octodns-default-pool.www`.

The tests run in file order and share the zone: the first sync, a second sync that must plan
nothing, the answers per client network, answers moving between pools as HTTP servers stop and
start, then an edit and a deletion synced and served.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from helpers import (
    FRANCE6,
    GERMANY6,
    LINKOPING,
    LONDON,
    SEATTLE,
    HealthEndpoints,
    answer_values,
    poll,
    poll_within,
    purge_zone,
    record_sets,
    run_dig,
)

# One HTTP server per pool value; 127.0.0.7 replaces 127.0.0.6 in the edit.
ADDRESSES = [f"127.0.0.{i}" for i in range(2, 8)]
DEFAULT_VALUE = "192.0.2.250"  # the record's own values: the last resort
INTERVAL, THRESHOLD = 10, 1  # octodns-route53 allows RequestInterval 10 or 30 only
MARGIN = 5.0  # seconds on top of RequestInterval x FailureThreshold for the answer to move

POOLS = {
    "eu": {"fallback": "na", "values": [("127.0.0.2", 2), ("127.0.0.3", 1)]},
    "na": {"fallback": "other", "values": [("127.0.0.4", 1)]},
    "se": {"fallback": "eu", "values": [("127.0.0.5", 1)]},
    "other": {"fallback": None, "values": [("127.0.0.6", 1)]},
}
RULES = [("se", ["EU-SE"]), ("eu", ["EU"]), ("na", ["NA-US"]), ("other", [])]
# Route 53 GeoLocation of each octoDNS geo code used above.
GEO = {"EU-SE": {"CountryCode": "SE"}, "EU": {"ContinentCode": "EU"},
       "NA-US": {"CountryCode": "US"}}

UNKNOWN = "192.0.2.1"  # an address the GeoIP test database does not place
CLIENTS = {  # dig +subnet=... for each client network
    "London": f"{LONDON}/32",
    "Seattle": f"{SEATTLE}/32",
    "Linkoping": f"{LINKOPING}/32",
    "Germany": f"{GERMANY6}/48",
    "France": f"{FRANCE6}/48",
    "unknown": f"{UNKNOWN}/32",
    "no ECS": None,  # the resolver's own address, 127.0.0.1, which no database places
}
SAMPLE = 20  # queries per client per look: enough to see both values of a 2:1 pool


@dataclass
class OctoZone:
    """The desired zone: written as octoDNS YAML, and turned into the record sets and health
    checks octodns-route53 must leave in flowdns."""

    name: str  # with the final dot
    host: str  # the health checks' host name (Host header)
    port: int
    mail: str = "192.0.2.25"
    pools: dict = field(default_factory=lambda: copy.deepcopy(POOLS))
    dynamic: bool = True

    def values(self) -> list[str]:
        """The pool values: one health check each."""
        if not self.dynamic:
            return []
        return [v for p in self.pools.values() for v, _ in p["values"]]

    def yaml(self) -> dict:
        z = self.name
        records: dict = {
            "": [
                {"type": "MX", "ttl": 300,
                 "values": [{"preference": 10, "exchange": f"mail.{z}"}]},
                {"type": "TXT", "ttl": 300, "values": ["flowdns octodns test", "v=spf1 -all"]},
            ],
            "docs": {"type": "CNAME", "ttl": 300, "value": f"mail.{z}"},
            "ipv6": {"type": "AAAA", "ttl": 300, "values": ["2001:db8::25", "2001:db8::26"]},
            "mail": {"type": "A", "ttl": 300, "value": self.mail},
            "www": [{"type": "AAAA", "ttl": 300, "value": "2001:db8::80"}],
        }
        if self.dynamic:
            records["www"].insert(0, {
                "type": "A",
                "ttl": 60,
                "values": [DEFAULT_VALUE],
                "dynamic": {
                    "pools": {
                        name: {
                            **({"fallback": p["fallback"]} if p["fallback"] else {}),
                            "values": [{"value": v, "weight": w} for v, w in p["values"]],
                        }
                        for name, p in self.pools.items()
                    },
                    "rules": [{"pool": pool, **({"geos": geos} if geos else {})}
                              for pool, geos in RULES],
                },
                "octodns": {
                    "healthcheck": {"host": self.host, "path": "/health", "port": self.port,
                                    "protocol": "HTTP"},
                    "route53": {"healthcheck": {"request_interval": INTERVAL,
                                                "failure_threshold": THRESHOLD}},
                },
            })
        return records

    def expected_record_sets(self, zone_id: str, check_of: dict[str, str]) -> dict:
        """(Name, Type, SetIdentifier) -> the record set as ListResourceRecordSets must show it;
        `check_of` maps each pool value to its health check id."""
        z, www = self.name, f"www.{self.name}"

        def plain(name, rtype, values, ttl=300, **extra):
            return {"Name": name, "Type": rtype, "TTL": ttl,
                    "ResourceRecords": [{"Value": v} for v in values], **extra}

        def alias(target):
            return {"HostedZoneId": zone_id, "DNSName": target, "EvaluateTargetHealth": True}

        sets = [
            plain(z, "MX", [f"10 mail.{z}"]),
            plain(z, "TXT", ['"flowdns octodns test"', '"v=spf1 -all"']),
            plain(f"docs.{z}", "CNAME", [f"mail.{z}"]),
            plain(f"ipv6.{z}", "AAAA", ["2001:db8::25", "2001:db8::26"]),
            plain(f"mail.{z}", "A", [self.mail]),
            plain(www, "AAAA", ["2001:db8::80"]),
        ]
        if self.dynamic:
            sets.append(plain(f"_octodns-default-pool.{www}", "A", [DEFAULT_VALUE], ttl=60))
            for name, p in self.pools.items():
                pool = f"_octodns-{name}-pool.{www}"
                fallback = p["fallback"] or "default"
                sets.append({"Name": pool, "Type": "A", "SetIdentifier": f"{name}-Primary",
                             "Failover": "PRIMARY",
                             "AliasTarget": alias(f"_octodns-{name}-value.{www}")})
                sets.append({"Name": pool, "Type": "A",
                             "SetIdentifier": f"{name}-Secondary-{fallback}",
                             "Failover": "SECONDARY",
                             "AliasTarget": alias(f"_octodns-{fallback}-pool.{www}")})
                for i, (value, weight) in enumerate(p["values"]):
                    sets.append(plain(f"_octodns-{name}-value.{www}", "A", [value], ttl=60,
                                      SetIdentifier=f"{name}-{i:03d}", Weight=weight,
                                      HealthCheckId=check_of.get(value, "<no health check>")))
            for i, (pool, geos) in enumerate(RULES):
                for geo in geos or [None]:
                    sets.append({"Name": www, "Type": "A", "SetIdentifier": f"{i}-{pool}-{geo}",
                                 "GeoLocation": GEO[geo] if geo else {"CountryCode": "*"},
                                 "AliasTarget": alias(f"_octodns-{pool}-pool.{www}")})
        return {(s["Name"], s["Type"], s.get("SetIdentifier")): s for s in sets}


class OctoDNS:
    """The configuration directory and the runs of octodns-sync."""

    def __init__(self, base: Path, zone: OctoZone, api_url: str) -> None:
        self.base, self.zone, self.api_url = base, zone, api_url
        (base / "zones").mkdir()
        self.config = base / "config.yaml"
        self.config.write_text(yaml.safe_dump({
            "manager": {"max_workers": 1},
            "providers": {
                "config": {"class": "octodns.provider.yaml.YamlProvider",
                           "directory": str(base / "zones"), "enforce_order": False},
                # No keys here: boto3 takes the test credentials from the environment.
                "route53": {"class": "octodns_route53.Route53Provider"},
            },
            "zones": {zone.name: {"sources": ["config"], "targets": ["route53"]}},
        }))
        self.write()

    def write(self) -> None:
        (self.base / "zones" / f"{self.zone.name}yaml").write_text(
            yaml.safe_dump(self.zone.yaml(), sort_keys=True))

    def sync(self, doit: bool) -> str:
        """Runs octodns-sync; fails the test when it exits non-zero. Returns its output."""
        exe = Path(sys.executable).parent / "octodns-sync"
        assert exe.is_file(), f"{exe} is missing: is octodns in tests/api/requirements.txt?"
        cmd = [str(exe), "--config-file", str(self.config)] + (["--doit"] if doit else [])
        env = {**os.environ, "AWS_ENDPOINT_URL_ROUTE_53": self.api_url,
               "AWS_DEFAULT_REGION": "us-east-1"}
        p = subprocess.run(cmd, cwd=self.base, env=env, capture_output=True, text=True,
                           timeout=180)
        out = p.stdout + p.stderr
        assert p.returncode == 0, (
            f"{' '.join(cmd)} exited with {p.returncode}:\n" + "\n".join(out.splitlines()[-60:]))
        return out


@dataclass
class Shared:
    octo: OctoDNS
    zone: OctoZone
    endpoints: HealthEndpoints
    zone_id: str | None = None


@pytest.fixture(scope="module")
def octo(server, r53, tmp_path_factory):
    name = f"octo-{uuid.uuid4().hex[:10]}.example."
    endpoints = HealthEndpoints(ADDRESSES)
    zone = OctoZone(name=name, host=f"health.{name.rstrip('.')}", port=endpoints.port)
    shared = Shared(OctoDNS(tmp_path_factory.mktemp("octodns"), zone, server.api_url), zone,
                    endpoints)
    yield shared
    endpoints.close()
    try:
        for z in r53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]:
            if z["Name"] == name:
                purge_zone(r53, z["Id"])
    except ClientError:
        pass
    for hid in ours(r53, zone):
        try:
            r53.delete_health_check(HealthCheckId=hid)
        except ClientError:
            pass


def ours(r53, zone: OctoZone) -> dict[str, dict]:
    """The health checks of this zone's record (by their host name): id -> HealthCheck."""
    checks = r53.get_paginator("list_health_checks").paginate().build_full_result()["HealthChecks"]
    return {h["Id"]: h for h in checks
            if h["HealthCheckConfig"].get("FullyQualifiedDomainName") == zone.host}


def synced(shared: Shared) -> str:
    assert shared.zone_id, "the first octodns-sync did not complete (see test_first_sync)"
    return shared.zone_id


def check_ids_by_value(r53, shared: Shared) -> dict[str, str]:
    return {h["HealthCheckConfig"].get("IPAddress"): hid
            for hid, h in ours(r53, shared.zone).items()}


def assert_zone_reads_back(r53, shared: Shared) -> None:
    """The health checks are as octodns-route53 creates them (one per pool value), and
    ListResourceRecordSets shows exactly the record sets it writes."""
    zone, zid = shared.zone, synced(shared)
    checks = ours(r53, zone)
    by_value = {h["HealthCheckConfig"].get("IPAddress"): h for h in checks.values()}
    assert sorted(by_value) == sorted(zone.values()) and len(checks) == len(by_value), checks
    for value, h in by_value.items():
        config = h["HealthCheckConfig"]
        want = {"Type": "HTTP", "IPAddress": value, "Port": zone.port, "ResourcePath": "/health",
                "FullyQualifiedDomainName": zone.host, "RequestInterval": INTERVAL,
                "FailureThreshold": THRESHOLD, "MeasureLatency": True, "Inverted": False,
                "Disabled": False, "EnableSNI": False}
        assert {k: config.get(k) for k in want} == want, h
        assert h["CallerReference"].startswith(f"0001:A:www.{zone.name}:"), h

    want = zone.expected_record_sets(zid, {v: h["Id"] for v, h in by_value.items()})
    got = {(r["Name"], r["Type"], r.get("SetIdentifier")): r for r in record_sets(r53, zid)
           if not (r["Name"] == zone.name and r["Type"] in ("SOA", "NS"))}
    missing = sorted(set(want) - set(got), key=str)
    extra = sorted(set(got) - set(want), key=str)
    differ = [(k, want[k], got[k]) for k in sorted(set(want) & set(got), key=str)
              if want[k] != got[k]]
    assert not (missing or extra or differ), (
        f"missing: {missing}\nnot expected: {extra}\n"
        + "\n".join(f"{k}:\n  want {w}\n  got  {g}" for k, w, g in differ))


def assert_plans_nothing(shared: Shared) -> None:
    out = shared.octo.sync(doit=False)
    assert "No changes were planned" in out and "Summary:" not in out, (
        "a sync right after a sync plans changes, so what flowdns lists does not read back "
        "as written:\n" + "\n".join(out.splitlines()[-60:]))


def sample(server, name: str, subnet: str | None, count: int = SAMPLE) -> set[str]:
    return answer_values(run_dig(server, f"{name}", "A", subnet, count=count))


# ---------------------------------------------------------------------------------------------


def test_first_sync(octo, r53):
    out = octo.octo.sync(doit=True)
    assert "Summary:" in out and "Creates=" in out, out
    zones = [z for z in r53.list_hosted_zones_by_name(DNSName=octo.zone.name)["HostedZones"]
             if z["Name"] == octo.zone.name]
    assert len(zones) == 1, zones
    octo.zone_id = zones[0]["Id"].removeprefix("/hostedzone/")
    assert_zone_reads_back(r53, octo)


def test_second_sync_plans_no_changes(octo):
    synced(octo)
    assert_plans_nothing(octo)


def test_answers_per_client_network(octo, server, dig):
    synced(octo)
    z = octo.zone.name
    for name, rtype, want in [
        (f"mail.{z}", "A", ["192.0.2.25"]),
        (f"ipv6.{z}", "AAAA", ["2001:db8::25", "2001:db8::26"]),
        (f"docs.{z}", "CNAME", [f"mail.{z}"]),
        (z, "MX", [f"10 mail.{z}"]),
        (z, "TXT", ['"flowdns octodns test"', '"v=spf1 -all"']),
        (f"www.{z}", "AAAA", ["2001:db8::80"]),
        (f"_octodns-default-pool.www.{z}", "A", [DEFAULT_VALUE]),
    ]:
        r = poll(lambda: dig(name, rtype), lambda r: r.status == "NOERROR" and r.records,
                 f"{name} {rtype} to be served")
        assert sorted(r.values(rtype)) == sorted(want), r.text
    www = f"www.{z}"
    expected = {"London": {"127.0.0.2", "127.0.0.3"}, "Germany": {"127.0.0.2", "127.0.0.3"},
                "France": {"127.0.0.2", "127.0.0.3"}, "Linkoping": {"127.0.0.5"},
                "Seattle": {"127.0.0.4"}, "unknown": {"127.0.0.6"}, "no ECS": {"127.0.0.6"}}
    got = {client: sample(server, www, CLIENTS[client], 40) for client in expected}
    assert got == expected
    # An answer carries the alias's name and the TTL of the records at the end of the chain.
    r = dig(www, "A", subnet=CLIENTS["Seattle"])
    assert [(n, ttl, t) for n, ttl, t, _ in r.records] == [(www, 60, "A")], r.text


def test_health_checks_move_answers_between_pools(octo, server, r53):
    """Stopping the HTTP servers one by one: a value whose check fails leaves its pool's
    answers, and a pool with no healthy value answers from its fallback pool, down to the
    record's own values. Each wait is bounded by the checks' RequestInterval x
    FailureThreshold plus a margin; the time each took is printed."""
    synced(octo)
    ep, www = octo.endpoints, f"www.{octo.zone.name}"
    checks = {hid: r53.get_health_check(HealthCheckId=hid)["HealthCheck"]["HealthCheckConfig"]
              for hid in check_ids_by_value(r53, octo).values()}
    bound = max(c["RequestInterval"] * c["FailureThreshold"] for c in checks.values()) + MARGIN

    # flowdns probes every value, with the configured Host header and path.
    poll_within(lambda: [a for a in octo.zone.values() if not ep.seen(a)], lambda left: not left,
                "a health check request at every pool value", bound)
    for addr in octo.zone.values():
        assert set(ep.seen(addr)) == {(f"{octo.zone.host}:{octo.zone.port}", "/health")}, addr

    both_eu = {"127.0.0.2", "127.0.0.3"}
    stages = [
        ("127.0.0.2 and 127.0.0.5 down", ["127.0.0.2", "127.0.0.5"], [],
         {"London": {"127.0.0.3"}, "Linkoping": {"127.0.0.3"}, "Seattle": {"127.0.0.4"}}),
        ("eu has no healthy value: na answers", ["127.0.0.3"], [],
         {"London": {"127.0.0.4"}, "Germany": {"127.0.0.4"}, "Linkoping": {"127.0.0.4"},
          "unknown": {"127.0.0.6"}}),
        ("na down too: other answers", ["127.0.0.4"], [],
         {"London": {"127.0.0.6"}, "Seattle": {"127.0.0.6"}, "Linkoping": {"127.0.0.6"}}),
        ("every pool down: the record's own values", ["127.0.0.6"], [],
         {"London": {DEFAULT_VALUE}, "Seattle": {DEFAULT_VALUE}, "unknown": {DEFAULT_VALUE},
          "no ECS": {DEFAULT_VALUE}}),
        ("every server back", [], ADDRESSES,
         {"London": both_eu, "France": both_eu, "Linkoping": {"127.0.0.5"},
          "Seattle": {"127.0.0.4"}, "unknown": {"127.0.0.6"}}),
    ]
    try:
        for what, stop, start, expected in stages:
            for addr in stop:
                ep.stop(addr)
            for addr in start:
                ep.start(addr)
            got, took = poll_within(
                lambda: {c: sample(server, www, CLIENTS[c]) for c in expected},
                lambda got: got == expected, f"{what}: answers {expected}", bound, interval=0.2)
            print(f"{what}: answers moved after {took:.1f} s (bound {bound:.0f} s)")
            # And they stay there.
            assert {c: sample(server, www, CLIENTS[c], 40) for c in expected} == expected, what
    finally:
        ep.start_all()


def test_edit_and_delete_are_synced(octo, server, r53, dig):
    zid = synced(octo)
    z, zone = octo.zone.name, octo.zone
    octo.endpoints.start_all()

    # An edit: a plain record's value and one pool value.
    zone.mail = "192.0.2.26"
    zone.pools["other"]["values"] = [("127.0.0.7", 1)]
    octo.octo.write()
    out = octo.octo.sync(doit=True)
    assert "Updates=2" in out, out
    r = poll(lambda: dig(f"mail.{z}", "A"), lambda r: r.values("A") == ["192.0.2.26"],
             "the edited A record to be served")
    assert r.status == "NOERROR"
    poll(lambda: sample(server, f"www.{z}", CLIENTS["unknown"]), lambda v: v == {"127.0.0.7"},
         "the edited pool value to be served")
    assert sorted(check_ids_by_value(r53, octo)) == sorted(zone.values())  # .6's check is gone
    assert_zone_reads_back(r53, octo)
    assert_plans_nothing(octo)

    # A deletion: the dynamic record. www keeps its AAAA record, so www A is NODATA; the
    # _octodns-* names are gone entirely.
    zone.dynamic = False
    octo.octo.write()
    out = octo.octo.sync(doit=True)
    assert "Deletes=1" in out, out
    r = poll(lambda: dig(f"www.{z}", "A"), lambda r: not r.records, "www A to be gone")
    assert r.status == "NOERROR", r.text
    assert dig(f"www.{z}", "AAAA").values("AAAA") == ["2001:db8::80"]
    for name in (f"_octodns-eu-pool.www.{z}", f"_octodns-eu-value.www.{z}",
                 f"_octodns-default-pool.www.{z}"):
        r = dig(name, "A")
        assert (r.status, r.records) == ("NXDOMAIN", []), r.text
    assert ours(r53, zone) == {}, "octodns-route53 deletes the record's health checks"
    assert not [r for r in record_sets(r53, zid) if r["Name"].startswith("_octodns-")]
    assert_zone_reads_back(r53, octo)
    assert_plans_nothing(octo)

