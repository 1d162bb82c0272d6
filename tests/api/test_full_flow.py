"""The whole Route 53 flow with the real AWS CLI v1 and boto3, checked with dig: hosted zones and
record sets, every example policy of the spec, a geolocation policy record with a new version,
rollback and deletion, TestDNSAnswer, geolocations and account limits."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import (
    BIN,
    FRANCE6,
    GERMANY6,
    LINKOPING,
    LONDON,
    POLICIES,
    SEATTLE,
    all_policies,
    aws_error,
    change,
    expect_error,
    SoftChecks,
    poll,
    policy_text,
    record_sets,
    rrset,
    unique,
    wait_applied,
    wait_insync,
)

# Every example document of spec section 2.11, as files in policies/.
EXAMPLES = [
    "failover.json",
    "geo-latency-failover.json",
    "geolocation.json",
    "weighted.json",
    "latency.json",
    "geoproximity.json",
    "minimal.json",
]


def cli_input(params: dict) -> list[str]:
    """`--cli-input-json` for operations with a `Version` member: the AWS CLI v1 takes
    `--version` as its own global option (it prints the CLI's version and exits 0)."""
    return ["--cli-input-json", json.dumps(params)]


def write_batch(tmp_path, changes, comment=None) -> str:
    """A change batch as a file for `--change-batch file://...`."""
    batch = {"Changes": changes}
    if comment:
        batch["Comment"] = comment
    path = tmp_path / f"{unique('batch')}.json"
    path.write_text(json.dumps(batch))
    return f"file://{path}"


def test_policy_files_validate():
    """Every document in policies/ is valid for `flowdns policy validate` (warnings allowed)."""
    files = sorted(POLICIES.glob("*.json"))
    assert {f.name for f in files} >= set(EXAMPLES)
    p = subprocess.run([str(BIN), "policy", "validate", *map(str, files)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    for f in files:
        assert f"{f}: valid (" in p.stdout + p.stderr


def test_zone_and_record_sets(aws, r53, dig, zone_name, cleanup, tmp_path):
    z = zone_name
    created = aws("create-hosted-zone", "--name", z.rstrip("."), "--caller-reference", unique("ref"),
                  "--hosted-zone-config", "Comment=full flow")
    zid = created["HostedZone"]["Id"].removeprefix("/hostedzone/")
    cleanup.zones.append(zid)
    assert created["HostedZone"]["Name"] == z
    assert created["HostedZone"]["Config"] == {"Comment": "full flow", "PrivateZone": False}
    assert created["Location"].endswith(f"/2013-04-01/hostedzone/{zid}")
    assert created["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    name_servers = created["DelegationSet"]["NameServers"]
    assert name_servers and all(ns.endswith(".") for ns in name_servers)

    got = r53.get_hosted_zone(Id=zid)
    assert got["HostedZone"]["Name"] == z
    assert got["DelegationSet"]["NameServers"] == name_servers
    by_name = aws("list-hosted-zones-by-name", "--dns-name", z, "--max-items", "1")
    assert by_name["HostedZones"][0]["Id"] == f"/hostedzone/{zid}"

    # A new zone has its SOA and NS records, served at once.
    soa = poll(lambda: dig(z, "SOA"), lambda r: r.status == "NOERROR" and r.values("SOA"),
               "the new zone's SOA to be served")
    assert soa.values("SOA")[0].split()[0] == name_servers[0]
    assert sorted(dig(z, "NS").values("NS")) == sorted(name_servers)

    records = [
        rrset(f"alpha.{z}", "A", ["192.0.2.11", "192.0.2.12"]),
        rrset(f"alpha.{z}", "AAAA", ["2001:db8::11"]),
        rrset(f"alpha.{z}", "TXT", ['"hello world"', '"v=spf1 -all"']),
        rrset(z, "MX", [f"10 mail.{z}", f"20 mail2.{z}"], ttl=3600),
        rrset(f"www.{z}", "CNAME", [f"alpha.{z}"], ttl=60),
        rrset(f"a.beta.{z}", "TXT", ['"deep"']),
        rrset(f"mail.{z}", "A", ["192.0.2.25"]),
    ]
    out = aws("change-resource-record-sets", "--hosted-zone-id", zid, "--change-batch",
              write_batch(tmp_path, [change("CREATE", r) for r in records], "first records"))
    info = out["ChangeInfo"]
    assert info["Status"] in ("PENDING", "INSYNC")
    assert info.get("Comment") == "first records"
    assert info["Id"].startswith("/change/")
    # GetChange until INSYNC: from then on DNS serves the change.
    poll(lambda: aws("get-change", "--id", info["Id"])["ChangeInfo"]["Status"],
         lambda s: s == "INSYNC", "the change to be INSYNC")

    a = dig(f"alpha.{z}", "A")
    assert a.status == "NOERROR"
    assert sorted(a.values("A")) == ["192.0.2.11", "192.0.2.12"]
    assert {r[1] for r in a.records} == {300}
    assert dig(f"alpha.{z}", "AAAA").values("AAAA") == ["2001:db8::11"]
    assert sorted(dig(f"alpha.{z}", "TXT").values("TXT")) == ['"hello world"', '"v=spf1 -all"']
    assert sorted(dig(z, "MX").values("MX")) == [f"10 mail.{z}", f"20 mail2.{z}"]
    www = dig(f"www.{z}", "A")
    assert www.values("CNAME") == [f"alpha.{z}"]
    assert sorted(www.values("A")) == ["192.0.2.11", "192.0.2.12"]
    assert sorted(dig(f"alpha.{z}", "A", tcp=True).values("A")) == ["192.0.2.11", "192.0.2.12"]
    assert dig(f"nothing.{z}", "A").status == "NXDOMAIN"

    # Route 53 order: names with their labels reversed, then type.
    listed = aws("list-resource-record-sets", "--hosted-zone-id", zid)["ResourceRecordSets"]
    assert [(r["Name"], r["Type"]) for r in listed] == [
        (z, "MX"),
        (z, "NS"),
        (z, "SOA"),
        (f"alpha.{z}", "A"),
        (f"alpha.{z}", "AAAA"),
        (f"alpha.{z}", "TXT"),
        (f"a.beta.{z}", "TXT"),
        (f"mail.{z}", "A"),
        (f"www.{z}", "CNAME"),
    ]
    by_key = {(r["Name"], r["Type"]): r for r in listed}
    for r in records:
        got = by_key[(r["Name"], r["Type"])]
        assert got["TTL"] == r["TTL"]
        assert got["ResourceRecords"] == r["ResourceRecords"]
    page = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=f"alpha.{z}",
                                         StartRecordType="AAAA", MaxItems="2")
    assert [(r["Name"], r["Type"]) for r in page["ResourceRecordSets"]] == [
        (f"alpha.{z}", "AAAA"), (f"alpha.{z}", "TXT")]
    assert page["IsTruncated"] is True
    assert (page["NextRecordName"], page["NextRecordType"]) == (f"a.beta.{z}", "TXT")

    # UPSERT replaces a set; DNS follows once the change is INSYNC.
    upsert = r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        change("UPSERT", rrset(f"alpha.{z}", "A", ["192.0.2.13"], ttl=120))]})
    wait_insync(r53, upsert["ChangeInfo"]["Id"])
    a = dig(f"alpha.{z}", "A")
    assert a.values("A") == ["192.0.2.13"] and a.records[0][1] == 120
    records[0] = rrset(f"alpha.{z}", "A", ["192.0.2.13"], ttl=120)

    # Delete every record set (DELETE must repeat the exact values), then the zone.
    deleted = r53.change_resource_record_sets(
        HostedZoneId=zid, ChangeBatch={"Changes": [change("DELETE", r) for r in records]})
    wait_insync(r53, deleted["ChangeInfo"]["Id"])
    assert [(r["Name"], r["Type"]) for r in record_sets(r53, zid)] == [(z, "NS"), (z, "SOA")]
    assert dig(f"alpha.{z}", "A").status == "NXDOMAIN"
    assert dig(z, "MX").values("MX") == []

    gone = aws("delete-hosted-zone", "--id", zid)
    assert gone["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    assert aws_error(aws, "get-hosted-zone", "--id", zid).code == "NoSuchHostedZone"
    assert z not in [h["Name"] for h in aws("list-hosted-zones")["HostedZones"]]
    # Once the deletion is served, the server is no longer authoritative for the name.
    poll(lambda: dig(z, "SOA").status, lambda s: s == "REFUSED",
         "DNS to stop answering for the deleted zone")


def test_wildcards_and_name_case(r53, zone, dig):
    z = zone["name"]
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(f"*.w.{z}", "TXT", ['"wild"'])),
        change("CREATE", rrset(f"exact.w.{z}", "TXT", ['"exact"'])),
        change("CREATE", rrset(f"Mixed.{z}", "A", ["192.0.2.7"])),
    ]})
    wait_insync(r53, out["ChangeInfo"]["Id"])
    r = dig(f"anything.w.{z}", "TXT")
    assert (r.status, r.values("TXT")) == ("NOERROR", ['"wild"'])
    assert r.records[0][0] == f"anything.w.{z}"
    assert dig(f"exact.w.{z}", "TXT").values("TXT") == ['"exact"']
    assert dig(f"a.b.w.{z}", "TXT").values("TXT") == ['"wild"']
    assert dig(f"anything.w.{z}", "A").status == "NOERROR"  # the name exists: no data
    assert dig(f"MIXED.{z}", "A").values("A") == ["192.0.2.7"]
    assert dig(f"mixed.{z}", "A").values("A") == ["192.0.2.7"]
    names = [r["Name"] for r in record_sets(r53, zone["id"])]
    # Route 53 lists names in lower case and writes the wildcard label as \052.
    assert f"mixed.{z}" in names
    assert f"\\052.w.{z}" in names or f"*.w.{z}" in names


def test_resource_record_set_count(r53, zone):
    """ResourceRecordSetCount counts record sets (a new zone has two: SOA and NS)."""
    z = zone["name"]
    assert r53.get_hosted_zone(Id=zone["id"])["HostedZone"]["ResourceRecordSetCount"] == 2
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(f"a.{z}", "A", ["192.0.2.1", "192.0.2.2", "192.0.2.3"])),
        change("CREATE", rrset(f"a.{z}", "TXT", ['"x"'])),
    ]})
    assert r53.get_hosted_zone(Id=zone["id"])["HostedZone"]["ResourceRecordSetCount"] == 4
    listed = r53.list_hosted_zones_by_name(DNSName=z, MaxItems="1")["HostedZones"][0]
    assert listed["ResourceRecordSetCount"] == 4


def test_example_policies_create_get_list(aws, r53, cleanup):
    """Each example of spec section 2.11 is accepted as a traffic policy, read back byte for
    byte, listed, and deleted."""
    ids = {}
    for name in EXAMPLES:
        text = policy_text(name)
        policy_name = unique(name.removesuffix(".json"))
        out = aws("create-traffic-policy", "--name", policy_name, "--document",
                  f"file://{POLICIES / name}", "--comment", f"example {name}")
        tp = out["TrafficPolicy"]
        cleanup.policies.append(tp["Id"])
        ids[name] = tp["Id"]
        assert (tp["Name"], tp["Version"], tp["Type"]) == (policy_name, 1, "A")
        assert tp["Document"] == text
        assert tp["Comment"] == f"example {name}"
        assert out["Location"].endswith(f"/2013-04-01/trafficpolicy/{tp['Id']}/1")

        got = aws("get-traffic-policy", *cli_input({"Id": tp["Id"], "Version": 1}))["TrafficPolicy"]
        assert got == tp
        versions = r53.list_traffic_policy_versions(Id=tp["Id"])
        assert [v["Version"] for v in versions["TrafficPolicies"]] == [1]
        assert versions["TrafficPolicies"][0]["Document"] == text
        assert versions["IsTruncated"] is False

    summaries = {s["Id"]: s for s in aws("list-traffic-policies")["TrafficPolicySummaries"]}
    for name, pid in ids.items():
        s = summaries[pid]
        assert (s["Type"], s["LatestVersion"]) == ("A", 1)
        assert s["Name"].startswith(name.removesuffix(".json"))
    # Listed in creation order.
    order = [s["Id"] for s in all_policies(r53) if s["Id"] in ids.values()]
    assert order == list(ids.values())

    for pid in ids.values():
        assert aws("delete-traffic-policy", *cli_input({"Id": pid, "Version": 1})) == {}
    remaining = {s["Id"] for s in all_policies(r53)}
    assert remaining.isdisjoint(ids.values())


def test_example_policies_answer_dns(r53, dig, zone, cleanup):
    """The examples with value endpoints, bound to names, answer each client as documented."""
    z = zone["name"]
    expected = {
        "minimal.json": {LONDON: ["10.0.0.2"], SEATTLE: ["10.0.0.2"]},
        "geolocation.json": {LONDON: ["192.0.2.1"], SEATTLE: ["192.0.2.1"],
                             GERMANY6: ["192.0.2.3"], FRANCE6: ["192.0.2.2"]},
        "geoproximity.json": {LONDON: ["192.0.2.30"], SEATTLE: ["192.0.2.10"],
                              LINKOPING: ["192.0.2.30"]},
    }
    names = {}
    for file in [*expected, "weighted.json"]:
        tp = r53.create_traffic_policy(Name=unique(file), Document=policy_text(file))["TrafficPolicy"]
        cleanup.policies.append(tp["Id"])
        label = file.removesuffix(".json")
        inst = r53.create_traffic_policy_instance(
            HostedZoneId=zone["id"], Name=f"{label}.{z}", TTL=30,
            TrafficPolicyId=tp["Id"], TrafficPolicyVersion=1)["TrafficPolicyInstance"]
        wait_applied(r53, inst["Id"])
        names[file] = f"{label}.{z}"
    for file, clients in expected.items():
        for client, answer in clients.items():
            prefix = 32 if "." in client else 48
            r = dig(names[file], "A", subnet=f"{client}/{prefix}")
            assert (r.status, r.values("A")) == ("NOERROR", answer), (file, client, r.text)
    seen = set()
    for _ in range(30):
        values = dig(names["weighted.json"], "A").values("A")
        assert len(values) == 1 and values[0] in {"192.0.2.1", "192.0.2.2", "192.0.2.3"}
        seen.add(values[0])
    assert "192.0.2.1" in seen  # weight 3 of 5: missing in 30 draws has odds 1e-12


def test_a_and_aaaa_policy_records_at_one_name(r53, dig, zone, cleanup):
    """A name can have one policy record per type (Route 53 lists instances by name and type):
    an A and an AAAA policy record side by side both answer."""
    name = f"dual.{zone['name']}"
    for file, rtype in (("minimal.json", "A"), ("minimal-aaaa.json", "AAAA")):
        tp = r53.create_traffic_policy(Name=unique(rtype), Document=policy_text(file))
        cleanup.policies.append(tp["TrafficPolicy"]["Id"])
        inst = r53.create_traffic_policy_instance(
            HostedZoneId=zone["id"], Name=name, TTL=30, TrafficPolicyId=tp["TrafficPolicy"]["Id"],
            TrafficPolicyVersion=1)["TrafficPolicyInstance"]
        assert inst["TrafficPolicyType"] == rtype
        wait_applied(r53, inst["Id"])
    assert dig(name, "A").values("A") == ["10.0.0.2"]
    assert dig(name, "AAAA").values("AAAA") == ["2001:db8::2"]
    listed = r53.list_traffic_policy_instances_by_hosted_zone(HostedZoneId=zone["id"])
    assert [(i["Name"], i["TrafficPolicyType"]) for i in listed["TrafficPolicyInstances"]] == [
        (name, "A"), (name, "AAAA")]


def test_policy_record_lifecycle(aws, r53, dig, zone, cleanup):
    """Geolocation policy record: create, Applied, geo answers, version 2, update, rollback,
    comments, counts and lists, TestDNSAnswer, then delete everything."""
    z, zid = zone["name"], zone["id"]
    name = f"geo.{z}"
    soft = SoftChecks()

    created = aws("create-traffic-policy", "--name", unique("geo"), "--document",
                  f"file://{POLICIES / 'geolocation.json'}")
    pid = created["TrafficPolicy"]["Id"]
    cleanup.policies.append(pid)

    count0 = aws("get-traffic-policy-instance-count")["TrafficPolicyInstanceCount"]
    out = aws("create-traffic-policy-instance", "--hosted-zone-id", zid,
              "--name", name.rstrip("."), "--ttl", "60",
              "--traffic-policy-id", pid, "--traffic-policy-version", "1")
    inst = out["TrafficPolicyInstance"]
    iid = inst["Id"]
    assert out["Location"].endswith(f"/2013-04-01/trafficpolicyinstance/{iid}")
    assert inst["Name"] == name  # fully qualified, with the trailing dot
    assert (inst["HostedZoneId"], inst["TTL"], inst["TrafficPolicyId"]) == (zid, 60, pid)
    assert (inst["TrafficPolicyVersion"], inst["TrafficPolicyType"]) == (1, "A")
    assert inst["State"] in ("Creating", "Applied")
    assert aws("get-traffic-policy-instance-count")["TrafficPolicyInstanceCount"] == count0 + 1

    applied = wait_applied(r53, iid)
    assert applied["Message"] == ""

    def answer(client=None, prefix=None):
        subnet = None
        if client:
            subnet = f"{client}/{prefix or (32 if '.' in client else 48)}"
        r = dig(name, "A", subnet=subnet)
        assert r.status == "NOERROR", r.text
        return r.values("A"), {rec[1] for rec in r.records}

    assert answer(LONDON) == (["192.0.2.1"], {60})
    assert answer(SEATTLE) == (["192.0.2.1"], {60})
    assert answer(GERMANY6)[0] == ["192.0.2.3"]
    assert answer(FRANCE6)[0] == ["192.0.2.2"]
    assert answer()[0] == ["192.0.2.1"]  # loopback: location unknown, the default

    # The root record is listed with the instance id.
    roots = [r for r in record_sets(r53, zid) if r["Name"] == name]
    assert [(r["Type"], r.get("TrafficPolicyInstanceId")) for r in roots] == [("A", iid)]

    # TestDNSAnswer gives what dig gets, with and without EDNS Client Subnet.
    t = aws("test-dns-answer", "--hosted-zone-id", zid, "--record-name", name,
            "--record-type", "A", "--edns0-client-subnet-ip", LONDON,
            "--edns0-client-subnet-mask", "32")
    assert (t["RecordName"], t["RecordType"]) == (name, "A")
    soft.equal(t["ResponseCode"], "NOERROR", "TestDNSAnswer ResponseCode (ECS London)")
    assert t["RecordData"] == answer(LONDON)[0]
    t = r53.test_dns_answer(HostedZoneId=zid, RecordName=name, RecordType="A",
                            EDNS0ClientSubnetIP=GERMANY6, EDNS0ClientSubnetMask="48")
    assert t["RecordData"] == answer(GERMANY6, 48)[0] == ["192.0.2.3"]
    t = r53.test_dns_answer(HostedZoneId=zid, RecordName=name, RecordType="A")
    assert t["RecordData"] == answer()[0]
    soft.equal(t["ResponseCode"], "NOERROR", "TestDNSAnswer ResponseCode (no ECS)")
    t = r53.test_dns_answer(HostedZoneId=zid, RecordName=f"missing.{z}", RecordType="A")
    assert t["RecordData"] == [] and dig(f"missing.{z}", "A").status == "NXDOMAIN"
    soft.equal(t["ResponseCode"], "NXDOMAIN", "TestDNSAnswer ResponseCode (missing name)")

    # Version 2 changes the default answer and adds the US.
    v2 = aws("create-traffic-policy-version", "--id", pid, "--document",
             f"file://{POLICIES / 'geolocation-v2.json'}", "--comment", "v2: US")
    assert v2["TrafficPolicy"]["Version"] == 2
    assert v2["TrafficPolicy"]["Document"] == policy_text("geolocation-v2.json")
    assert v2["Location"].endswith(f"/trafficpolicy/{pid}/2")
    got = r53.get_traffic_policy(Id=pid, Version=2)["TrafficPolicy"]
    assert (got["Comment"], got["Type"]) == ("v2: US", "A")
    versions = aws("list-traffic-policy-versions", "--id", pid)["TrafficPolicies"]
    assert [v["Version"] for v in versions] == [1, 2]
    assert versions[0]["Document"] == policy_text("geolocation.json")
    page = r53.list_traffic_policy_versions(Id=pid, MaxItems="1")
    assert [v["Version"] for v in page["TrafficPolicies"]] == [1]
    assert (page["IsTruncated"], page["TrafficPolicyVersionMarker"]) == (True, "2")
    page = r53.list_traffic_policy_versions(Id=pid, MaxItems="1", TrafficPolicyVersionMarker="2")
    assert [v["Version"] for v in page["TrafficPolicies"]] == [2]
    assert page["IsTruncated"] is False
    summary = [s for s in all_policies(r53) if s["Id"] == pid]
    assert [s["LatestVersion"] for s in summary] == [2]

    # Update the policy record to version 2.
    up = aws("update-traffic-policy-instance", "--id", iid, "--ttl", "120",
             "--traffic-policy-id", pid, "--traffic-policy-version", "2")["TrafficPolicyInstance"]
    assert (up["TrafficPolicyVersion"], up["TTL"], up["Name"]) == (2, 120, name)
    wait_applied(r53, iid)
    assert answer(LONDON) == (["198.51.100.1"], {120})
    assert answer(SEATTLE) == (["192.0.2.4"], {120})
    assert answer(GERMANY6)[0] == ["192.0.2.3"]
    by_v1 = r53.list_traffic_policy_instances_by_policy(
        TrafficPolicyId=pid, TrafficPolicyVersion=1)["TrafficPolicyInstances"]
    by_v2 = r53.list_traffic_policy_instances_by_policy(
        TrafficPolicyId=pid, TrafficPolicyVersion=2)["TrafficPolicyInstances"]
    assert ([i["Id"] for i in by_v1], [i["Id"] for i in by_v2]) == ([], [iid])

    # Roll back to version 1.
    back = r53.update_traffic_policy_instance(Id=iid, TTL=60, TrafficPolicyId=pid,
                                              TrafficPolicyVersion=1)["TrafficPolicyInstance"]
    assert back["TrafficPolicyVersion"] == 1
    wait_applied(r53, iid)
    assert answer(LONDON) == (["192.0.2.1"], {60})
    assert answer(SEATTLE) == (["192.0.2.1"], {60})

    # Comments are the mutable part of a version.
    c = aws("update-traffic-policy-comment", *cli_input(
        {"Id": pid, "Version": 2, "Comment": "kept for reference"}))["TrafficPolicy"]
    assert (c["Version"], c["Comment"]) == (2, "kept for reference")
    assert r53.get_traffic_policy(Id=pid, Version=2)["TrafficPolicy"]["Comment"] == "kept for reference"
    assert r53.get_traffic_policy(Id=pid, Version=2)["TrafficPolicy"]["Document"] == policy_text(
        "geolocation-v2.json")

    # The three instance lists.
    listed = aws("list-traffic-policy-instances")["TrafficPolicyInstances"]
    mine = [i for i in listed if i["Id"] == iid]
    assert len(mine) == 1
    assert {k: mine[0][k] for k in ("HostedZoneId", "Name", "TTL", "State", "TrafficPolicyId",
                                    "TrafficPolicyVersion", "TrafficPolicyType")} == {
        "HostedZoneId": zid, "Name": name, "TTL": 60, "State": "Applied",
        "TrafficPolicyId": pid, "TrafficPolicyVersion": 1, "TrafficPolicyType": "A"}
    by_zone = aws("list-traffic-policy-instances-by-hosted-zone", "--hosted-zone-id", zid)
    assert [i["Id"] for i in by_zone["TrafficPolicyInstances"]] == [iid]
    assert by_zone["IsTruncated"] is False
    by_policy = aws("list-traffic-policy-instances-by-policy", "--traffic-policy-id", pid,
                    "--traffic-policy-version", "1")
    assert [i["Id"] for i in by_policy["TrafficPolicyInstances"]] == [iid]

    # Counts.
    zones_count = aws("get-hosted-zone-count")["HostedZoneCount"]
    assert zones_count == len(r53.get_paginator("list_hosted_zones").paginate()
                              .build_full_result()["HostedZones"])
    assert zones_count >= 1

    # Delete everything: the instance, both versions, the zone.
    assert aws("delete-traffic-policy-instance", "--id", iid) == {}
    poll(lambda: _instance_code(r53, iid), lambda c: c == "NoSuchTrafficPolicyInstance",
         "the deleted instance to be gone")
    poll(lambda: dig(name, "A").status, lambda s: s == "NXDOMAIN",
         "the deleted instance's name to stop resolving")
    assert aws("get-traffic-policy-instance-count")["TrafficPolicyInstanceCount"] == count0
    assert [r for r in record_sets(r53, zid) if r["Name"] == name] == []
    assert aws("delete-traffic-policy", *cli_input({"Id": pid, "Version": 2})) == {}
    assert aws("delete-traffic-policy", *cli_input({"Id": pid, "Version": 1})) == {}
    assert pid not in {s["Id"] for s in all_policies(r53)}
    expect_error("NoSuchTrafficPolicy", 404, r53.list_traffic_policy_versions, Id=pid)
    r53.delete_hosted_zone(Id=zid)
    expect_error("NoSuchHostedZone", 404, r53.get_hosted_zone, Id=zid)
    soft.done()


def _instance_code(r53, iid):
    try:
        return r53.get_traffic_policy_instance(Id=iid)["TrafficPolicyInstance"]["State"]
    except r53.exceptions.NoSuchTrafficPolicyInstance as e:
        return e.response["Error"]["Code"]


def test_deleted_policy_version_stays_readable(r53, cleanup):
    """Route 53 deletes policy versions softly: a deleted version leaves the lists but
    GetTrafficPolicy still returns it by id and number (spec section 5; ARCHITECTURE.md
    'its versions stay readable by number'). The name can then be used again."""
    name = unique("soft")
    tp = r53.create_traffic_policy(Name=name, Document=policy_text("minimal.json"))["TrafficPolicy"]
    cleanup.policies.append(tp["Id"])
    r53.delete_traffic_policy(Id=tp["Id"], Version=1)
    assert tp["Id"] not in {s["Id"] for s in all_policies(r53)}
    again = r53.create_traffic_policy(Name=name, Document=policy_text("minimal.json"))
    cleanup.policies.append(again["TrafficPolicy"]["Id"])
    assert again["TrafficPolicy"]["Id"] != tp["Id"]
    got = r53.get_traffic_policy(Id=tp["Id"], Version=1)["TrafficPolicy"]
    assert (got["Name"], got["Document"]) == (name, policy_text("minimal.json"))


def test_geo_locations(aws, r53):
    gb = aws("get-geo-location", "--country-code", "GB")["GeoLocationDetails"]
    assert (gb["CountryCode"], gb["CountryName"]) == ("GB", "United Kingdom")
    eu = aws("get-geo-location", "--continent-code", "EU")["GeoLocationDetails"]
    assert (eu["ContinentCode"], eu["ContinentName"]) == ("EU", "Europe")
    wa = r53.get_geo_location(CountryCode="US", SubdivisionCode="WA")["GeoLocationDetails"]
    assert (wa["CountryCode"], wa["SubdivisionCode"], wa["SubdivisionName"]) == (
        "US", "WA", "Washington")
    star = r53.get_geo_location(CountryCode="*")["GeoLocationDetails"]
    assert star["CountryCode"] == "*"

    first = aws("list-geo-locations", "--max-items", "10")
    details = first["GeoLocationDetailsList"]
    assert [d.get("ContinentCode") for d in details[:7]] == ["AF", "AN", "AS", "EU", "NA", "OC", "SA"]
    assert all("CountryCode" not in d for d in details[:7])

    # Follow the pages to the end.
    seen, kwargs = [], {"MaxItems": "100"}
    for _ in range(50):
        page = r53.list_geo_locations(**kwargs)
        assert len(page["GeoLocationDetailsList"]) <= 100
        seen += page["GeoLocationDetailsList"]
        if not page["IsTruncated"]:
            break
        kwargs = {"MaxItems": "100"}
        for marker, param in (("NextContinentCode", "StartContinentCode"),
                              ("NextCountryCode", "StartCountryCode"),
                              ("NextSubdivisionCode", "StartSubdivisionCode")):
            if page.get(marker):
                kwargs[param] = page[marker]
    else:
        pytest.fail("ListGeoLocations did not stop paging")
    keys = [(d.get("ContinentCode"), d.get("CountryCode"), d.get("SubdivisionCode")) for d in seen]
    assert len(keys) == len(set(keys)), "a location was listed twice across pages"
    assert (None, "GB", None) in keys and (None, "US", "WA") in keys and ("EU", None, None) in keys
    assert len([k for k in keys if k[1] and not k[2]]) > 200  # every country


def test_account_limits(aws, r53):
    counts = {
        "MAX_HOSTED_ZONES_BY_OWNER": r53.get_hosted_zone_count()["HostedZoneCount"],
        "MAX_HEALTH_CHECKS_BY_OWNER": r53.get_health_check_count()["HealthCheckCount"],
        "MAX_TRAFFIC_POLICIES_BY_OWNER": len(all_policies(r53)),
        "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER":
            r53.get_traffic_policy_instance_count()["TrafficPolicyInstanceCount"],
        "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER": 0,
    }
    for kind, count in counts.items():
        out = aws("get-account-limit", "--type", kind)
        assert out["Limit"]["Type"] == kind
        assert isinstance(out["Limit"]["Value"], int) and out["Limit"]["Value"] > 0
        assert out["Count"] == count, kind
        assert out["Count"] <= out["Limit"]["Value"]
