"""`flowdns store copy`: an embedded SQLite deployment moved to PostgreSQL serves the same
answers.

A node on SQLite is populated through the Route 53 API (plain records, record-level geo and
weighted routing, a traffic policy with a policy record) and asked a set of questions with
dig from several client subnets; it is stopped, its store is copied to a fresh PostgreSQL
database, and a node on that database must give identical answers (values and response codes)
to the same questions, and hold the same change serial.
"""

from __future__ import annotations

import json
import subprocess
import time

from helpers import BIN, make_client, poll_within, rrset, change, run_dig, unique, wait_applied
from pgserver import PgServer
from test_cluster import _launch, _start, _stop
from conftest import _dns_port

ZONE = "copy.example."
SUBNETS = [None, "81.2.69.142/32", "216.160.83.56/32", "89.160.20.112/32"]
POLICY = """{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A",
  "StartRule": "geo",
  "Endpoints": {"eu": {"Type": "value", "Value": "192.0.2.61"},
                "us": {"Type": "value", "Value": "192.0.2.62"},
                "any": {"Type": "value", "Value": "192.0.2.63"}},
  "Rules": {"geo": {"RuleType": "geo", "Locations": [
      {"Continent": "EU", "EndpointReference": "eu"},
      {"Country": "US", "EndpointReference": "us"},
      {"IsDefault": true, "EndpointReference": "any"}]}}}"""


def _questions(node) -> dict:
    names = [f"www.{ZONE}", f"geo.{ZONE}", f"w.{ZONE}", f"policy.{ZONE}", f"missing.{ZONE}"]
    out = {}
    for name in names:
        for subnet in SUBNETS:
            r = run_dig(node.server, name, "A", subnet=subnet)[0]
            out[(name, subnet)] = (r.status, sorted(x[3] for x in r.records if x[2] == "A"))
    return out


def test_a_copied_store_serves_identical_answers(tmp_path_factory):
    base = tmp_path_factory.mktemp("copy")
    data = base / "embedded"
    node = _start("embedded", "r1", f"sqlite:{data}/flowdns.db", base, _dns_port(), "127.0.0.1:0")
    pg = PgServer()
    pg.start()
    try:
        r53 = make_client(node.server)
        zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference=unique("copy"))[
            "HostedZone"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            change("CREATE", rrset(f"www.{ZONE}", "A", ["192.0.2.1", "192.0.2.2"])),
            change("CREATE", rrset(f"geo.{ZONE}", "A", ["192.0.2.11"], SetIdentifier="eu",
                                   GeoLocation={"ContinentCode": "EU"})),
            change("CREATE", rrset(f"geo.{ZONE}", "A", ["192.0.2.12"], SetIdentifier="rest",
                                   GeoLocation={"CountryCode": "*"})),
            change("CREATE", rrset(f"w.{ZONE}", "A", ["192.0.2.21"], SetIdentifier="all",
                                   Weight=10)),
            change("CREATE", rrset(f"w.{ZONE}", "A", ["192.0.2.22"], SetIdentifier="none",
                                   Weight=0)),
        ]})
        policy = r53.create_traffic_policy(Name=unique("copy"), Document=POLICY)["TrafficPolicy"]
        inst = r53.create_traffic_policy_instance(
            HostedZoneId=zone_id, Name=f"policy.{ZONE}", TTL=60, TrafficPolicyId=policy["Id"],
            TrafficPolicyVersion=policy["Version"])["TrafficPolicyInstance"]
        wait_applied(r53, inst["Id"])
        before = _questions(node)
        assert before[(f"geo.{ZONE}", "81.2.69.142/32")] == ("NOERROR", ["192.0.2.11"])
        assert before[(f"policy.{ZONE}", "216.160.83.56/32")] == ("NOERROR", ["192.0.2.62"])
        assert before[(f"missing.{ZONE}", None)][0] == "NXDOMAIN"
        _stop(node)

        url = pg.create_database()
        p = subprocess.run([str(BIN), "--json", "store", "copy", "--from", str(data),
                            "--to", url], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        report = json.loads(p.stdout)
        assert report, p.stdout

        moved = _start("moved", "r1", url, base, _dns_port(), "127.0.0.1:0")
        try:
            after = _questions(moved)
            assert after == before
            # The same change serial: the next change continues the log.
            r = make_client(moved.server).change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": [
                    change("CREATE", rrset(f"new.{ZONE}", "A", ["192.0.2.99"]))]})
            poll_within(lambda: run_dig(moved.server, f"new.{ZONE}")[0].values("A"),
                        lambda v: v == ["192.0.2.99"], "the moved store to take changes", 5)
            assert r["ChangeInfo"]["Id"]
        finally:
            _stop(moved)
    finally:
        _stop(node)
        pg.close()
