"""Marker pagination as botocore's paginators and the CLI use it: small pages, followed to the
end, must list every item exactly once and in order."""

from __future__ import annotations

from helpers import change, policy_text, rrset, unique, wait_applied


def ids(items, key="Id"):
    return [i[key] for i in items]


def test_hosted_zones_pages(r53, cleanup):
    made = []
    for i in range(3):
        z = r53.create_hosted_zone(Name=f"page{i}-{unique('z')}.example.",
                                   CallerReference=unique("ref"))["HostedZone"]
        cleanup.zones.append(z["Id"])
        made.append(z["Id"])
    whole = r53.list_hosted_zones()["HostedZones"]
    pages = list(r53.get_paginator("list_hosted_zones").paginate(
        PaginationConfig={"PageSize": 1}))
    assert all(len(p["HostedZones"]) <= 1 for p in pages)
    paged = [z for p in pages for z in p["HostedZones"]]
    assert ids(paged) == ids(whole)
    assert set(made) <= set(ids(paged))

    # ListHostedZonesByName: NextDNSName and NextHostedZoneId.
    seen, kwargs = [], {"MaxItems": "2"}
    for _ in range(len(whole) + 2):
        page = r53.list_hosted_zones_by_name(**kwargs)
        seen += page["HostedZones"]
        if not page["IsTruncated"]:
            break
        kwargs = {"MaxItems": "2", "DNSName": page["NextDNSName"],
                  "HostedZoneId": page["NextHostedZoneId"]}
    assert ids(seen) == ids(r53.list_hosted_zones_by_name()["HostedZones"])


def test_record_sets_pages(r53, zone):
    z = zone["name"]
    sets = [rrset(f"w.{z}", "A", [f"192.0.2.{i}"], SetIdentifier=f"s{i}", Weight=1)
            for i in range(1, 6)]
    sets += [rrset(f"{label}.{z}", "TXT", [f'"{label}"']) for label in ("a", "m", "x")]
    r53.change_resource_record_sets(HostedZoneId=zone["id"],
                                    ChangeBatch={"Changes": [change("CREATE", s) for s in sets]})
    whole = r53.list_resource_record_sets(HostedZoneId=zone["id"])
    assert whole["IsTruncated"] is False
    keys = [(r["Name"], r["Type"], r.get("SetIdentifier")) for r in whole["ResourceRecordSets"]]
    assert len(keys) == 2 + 8
    assert [k[2] for k in keys if k[0] == f"w.{z}"] == ["s1", "s2", "s3", "s4", "s5"]
    for size in (1, 2, 3):
        pages = list(r53.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone["id"], PaginationConfig={"PageSize": size}))
        paged = [(r["Name"], r["Type"], r.get("SetIdentifier"))
                 for p in pages for r in p["ResourceRecordSets"]]
        assert paged == keys, size
        for p in pages[:-1]:
            assert p["IsTruncated"] is True and p["NextRecordName"]


def test_traffic_policies_and_versions_pages(r53, cleanup):
    made = []
    for _ in range(3):
        tp = r53.create_traffic_policy(Name=unique("page"), Document=policy_text("minimal.json"))
        cleanup.policies.append(tp["TrafficPolicy"]["Id"])
        made.append(tp["TrafficPolicy"]["Id"])
    for _ in range(3):
        r53.create_traffic_policy_version(Id=made[0], Document=policy_text("minimal.json"))
    whole = r53.list_traffic_policies()["TrafficPolicySummaries"]
    seen, kwargs = [], {"MaxItems": "1"}
    for _ in range(len(whole) + 2):
        page = r53.list_traffic_policies(**kwargs)
        assert len(page["TrafficPolicySummaries"]) <= 1
        seen += page["TrafficPolicySummaries"]
        if not page["IsTruncated"]:
            break
        kwargs = {"MaxItems": "1", "TrafficPolicyIdMarker": page["TrafficPolicyIdMarker"]}
    assert ids(seen) == ids(whole)
    assert ids(seen)[-3:] == made

    versions, kwargs = [], {"Id": made[0], "MaxItems": "3"}
    for _ in range(5):
        page = r53.list_traffic_policy_versions(**kwargs)
        versions += [v["Version"] for v in page["TrafficPolicies"]]
        if not page["IsTruncated"]:
            break
        kwargs["TrafficPolicyVersionMarker"] = page["TrafficPolicyVersionMarker"]
    assert versions == [1, 2, 3, 4]


def test_traffic_policy_instances_pages(r53, cleanup):
    zones = []
    for _ in range(2):
        z = r53.create_hosted_zone(Name=f"{unique('inst')}.example.",
                                   CallerReference=unique("ref"))["HostedZone"]
        zid = z["Id"].removeprefix("/hostedzone/")
        cleanup.zones.append(zid)
        zones.append((zid, z["Name"]))
    tp = r53.create_traffic_policy(Name=unique("inst"), Document=policy_text("minimal.json"))
    pid = tp["TrafficPolicy"]["Id"]
    cleanup.policies.append(pid)
    mine = []
    for zid, zname in zones:
        for label in ("b", "a", "c"):
            inst = r53.create_traffic_policy_instance(
                HostedZoneId=zid, Name=f"{label}.{zname}", TTL=60, TrafficPolicyId=pid,
                TrafficPolicyVersion=1)["TrafficPolicyInstance"]
            mine.append(inst["Id"])
    for iid in mine:
        wait_applied(r53, iid)

    whole = r53.list_traffic_policy_instances()["TrafficPolicyInstances"]
    seen, kwargs = [], {"MaxItems": "1"}
    for _ in range(len(whole) + 2):
        page = r53.list_traffic_policy_instances(**kwargs)
        assert len(page["TrafficPolicyInstances"]) <= 1
        seen += page["TrafficPolicyInstances"]
        if not page["IsTruncated"]:
            break
        kwargs = {"MaxItems": "1", "HostedZoneIdMarker": page["HostedZoneIdMarker"],
                  "TrafficPolicyInstanceNameMarker": page["TrafficPolicyInstanceNameMarker"],
                  "TrafficPolicyInstanceTypeMarker": page["TrafficPolicyInstanceTypeMarker"]}
    def key(i):
        return (i["HostedZoneId"], i["Name"], i["TrafficPolicyType"])

    # hostedzoneid is the HostedZoneIdMarker here, not a filter: the pages go on past its zone.
    assert [key(i) for i in seen] == [key(i) for i in whole]
    assert set(mine) <= set(ids(seen))

    by_policy, kwargs = [], {"TrafficPolicyId": pid, "TrafficPolicyVersion": 1, "MaxItems": "2"}
    for _ in range(6):
        page = r53.list_traffic_policy_instances_by_policy(**kwargs)
        by_policy += page["TrafficPolicyInstances"]
        if not page["IsTruncated"]:
            break
        kwargs.update(HostedZoneIdMarker=page["HostedZoneIdMarker"],
                      TrafficPolicyInstanceNameMarker=page["TrafficPolicyInstanceNameMarker"],
                      TrafficPolicyInstanceTypeMarker=page["TrafficPolicyInstanceTypeMarker"])
    assert sorted(map(key, by_policy)) == sorted(key(i) for i in whole if i["Id"] in mine)

    zid, zname = zones[0]
    by_zone, kwargs = [], {"HostedZoneId": zid, "MaxItems": "1"}
    for _ in range(5):
        page = r53.list_traffic_policy_instances_by_hosted_zone(**kwargs)
        by_zone += page["TrafficPolicyInstances"]
        if not page["IsTruncated"]:
            break
        kwargs.update(TrafficPolicyInstanceNameMarker=page["TrafficPolicyInstanceNameMarker"],
                      TrafficPolicyInstanceTypeMarker=page["TrafficPolicyInstanceTypeMarker"])
    assert [i["Name"] for i in by_zone] == [f"a.{zname}", f"b.{zname}", f"c.{zname}"]


def test_health_checks_pages(r53, cleanup):
    for _ in range(3):
        h = r53.create_health_check(CallerReference=unique("page"), HealthCheckConfig={
            "IPAddress": "127.0.0.1", "Port": 9, "Type": "TCP"})
        cleanup.health_checks.append(h["HealthCheck"]["Id"])
    whole = r53.list_health_checks()["HealthChecks"]
    pages = list(r53.get_paginator("list_health_checks").paginate(
        PaginationConfig={"PageSize": 1}))
    paged = [h for p in pages for h in p["HealthChecks"]]
    assert ids(paged) == ids(whole)
    assert set(cleanup.health_checks) <= set(ids(paged))
