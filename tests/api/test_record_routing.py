"""Record-level routing (Route 53 routing policies on plain record sets, without a traffic
policy): weighted, failover and geolocation sets created with ChangeResourceRecordSets, then
answered over DNS."""

from __future__ import annotations

import collections
import socket

import dns.flags
import dns.message
import dns.rdatatype

from helpers import (LINKOPING, LONDON, SEATTLE, change, expect_error, record_sets, rrset,
                     wait_insync)

QUERIES = 3000


def create(r53, zone, sets) -> None:
    """One change batch creating every set; waits until DNS serves it."""
    out = r53.change_resource_record_sets(
        HostedZoneId=zone["id"], ChangeBatch={"Changes": [change("CREATE", s) for s in sets]})
    wait_insync(r53, out["ChangeInfo"]["Id"])


def listed(r53, zone, name) -> list[dict]:
    return [r for r in record_sets(r53, zone["id"]) if r["Name"] == name]


def udp_answers(port: int, name: str, count: int) -> collections.Counter:
    """Sends `count` A queries over one UDP socket, one at a time, and counts the answers
    (each answer's sorted A values as one key)."""
    seen: collections.Counter = collections.Counter()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2.0)
    try:
        sock.connect(("127.0.0.1", port))
        for i in range(count):
            q = dns.message.make_query(name, "A")
            q.flags &= ~dns.flags.RD
            q.id = i & 0xFFFF
            sock.send(q.to_wire())
            while True:
                reply = dns.message.from_wire(sock.recv(4096))
                if reply.id == q.id:
                    break
            values = sorted(rr.address for rrset_ in reply.answer
                            if rrset_.rdtype == dns.rdatatype.A for rr in rrset_)
            seen[tuple(values)] += 1
    finally:
        sock.close()
    return seen


def test_weighted_record_sets(r53, zone, server):
    name = f"weighted.{zone['name']}"
    sets = [rrset(name, "A", [f"192.0.2.{i}"], ttl=60, SetIdentifier=sid, Weight=w)
            for i, (sid, w) in enumerate([("a", 3), ("b", 1), ("c", 1)], start=1)]
    create(r53, zone, sets)
    got = listed(r53, zone, name)
    assert [(r["SetIdentifier"], r["Weight"], r["ResourceRecords"][0]["Value"]) for r in got] == [
        ("a", 3, "192.0.2.1"), ("b", 1, "192.0.2.2"), ("c", 1, "192.0.2.3")]

    seen = udp_answers(server.dns_port, name, QUERIES)
    # Each answer is one weighted set: exactly one of the three values.
    assert set(seen) <= {("192.0.2.1",), ("192.0.2.2",), ("192.0.2.3",)}, seen
    assert sum(seen.values()) == QUERIES
    for value, share in (("192.0.2.1", 0.6), ("192.0.2.2", 0.2), ("192.0.2.3", 0.2)):
        got_share = seen[(value,)] / QUERIES
        assert abs(got_share - share) <= 0.04, f"{value}: {got_share:.3f} of answers, want {share}"


def test_failover_record_sets(r53, zone, dig):
    name = f"failover.{zone['name']}"
    create(r53, zone, [
        rrset(name, "A", ["192.0.2.10"], ttl=60, SetIdentifier="primary", Failover="PRIMARY"),
        rrset(name, "A", ["192.0.2.20"], ttl=60, SetIdentifier="secondary", Failover="SECONDARY"),
    ])
    assert [(r["SetIdentifier"], r["Failover"]) for r in listed(r53, zone, name)] == [
        ("primary", "PRIMARY"), ("secondary", "SECONDARY")]
    # Without a health check the primary always counts as healthy.
    for _ in range(5):
        r = dig(name, "A")
        assert (r.status, r.values("A")) == ("NOERROR", ["192.0.2.10"]), r.text


def test_geolocation_record_sets(r53, zone, dig):
    name = f"geo.{zone['name']}"
    create(r53, zone, [
        rrset(name, "A", ["192.0.2.30"], ttl=60, SetIdentifier="uk",
              GeoLocation={"CountryCode": "GB"}),
        rrset(name, "A", ["192.0.2.50"], ttl=60, SetIdentifier="north-america",
              GeoLocation={"ContinentCode": "NA"}),
        rrset(name, "A", ["192.0.2.40"], ttl=60, SetIdentifier="default",
              GeoLocation={"CountryCode": "*"}),
    ])
    assert {r["SetIdentifier"]: r["GeoLocation"] for r in listed(r53, zone, name)} == {
        "uk": {"CountryCode": "GB"}, "north-america": {"ContinentCode": "NA"},
        "default": {"CountryCode": "*"}}
    for client, want in ((LONDON, "192.0.2.30"), (SEATTLE, "192.0.2.50"),
                         (LINKOPING, "192.0.2.40"), (None, "192.0.2.40")):
        r = dig(name, "A", subnet=f"{client}/32" if client else None)
        assert (r.status, r.values("A")) == ("NOERROR", [want]), (client, r.text)


def test_alias_to_policy_record(r53, zone, dig, cleanup):
    """Route 53's cost-saving pattern: one policy record, and alias records in the same zone
    that point to it answer as it does."""
    from helpers import policy_text, unique, wait_applied

    z = zone["name"]
    tp = r53.create_traffic_policy(Name=unique("alias"), Document=policy_text("geolocation.json"))
    cleanup.policies.append(tp["TrafficPolicy"]["Id"])
    inst = r53.create_traffic_policy_instance(
        HostedZoneId=zone["id"], Name=z, TTL=60, TrafficPolicyId=tp["TrafficPolicy"]["Id"],
        TrafficPolicyVersion=1)["TrafficPolicyInstance"]
    wait_applied(r53, inst["Id"])
    create(r53, zone, [{"Name": f"www.{z}", "Type": "A", "AliasTarget": {
        "HostedZoneId": zone["id"], "DNSName": z, "EvaluateTargetHealth": False}}])
    alias = listed(r53, zone, f"www.{z}")
    assert len(alias) == 1 and "TTL" not in alias[0] and "ResourceRecords" not in alias[0]
    assert alias[0]["AliasTarget"]["DNSName"] == z
    assert alias[0]["AliasTarget"]["EvaluateTargetHealth"] is False
    for client, want in ((LONDON, "192.0.2.1"), ("2a02:ff80::1", "192.0.2.3")):
        prefix = 32 if "." in client else 48
        r = dig(f"www.{z}", "A", subnet=f"{client}/{prefix}")
        assert (r.status, r.values("A"), r.values("CNAME")) == ("NOERROR", [want], []), r.text
        assert {rec[0] for rec in r.records} == {f"www.{z}"}


def test_groups_that_dns_could_not_serve_are_refused(r53, zone):
    """A batch is checked per name and type as it will be afterwards; nothing is applied
    when a group would break."""
    name = f"rules.{zone['name']}"
    weighted = rrset(name, "A", ["192.0.2.1"], ttl=60, SetIdentifier="w", Weight=1)
    failover = rrset(name, "A", ["192.0.2.2"], ttl=60, SetIdentifier="f", Failover="PRIMARY")
    plain = rrset(name, "A", ["192.0.2.3"], ttl=60)
    before = record_sets(r53, zone["id"])
    for batch, needle in [
        ([weighted, failover], "share one routing policy"),
        ([weighted, plain], "without SetIdentifier"),
        ([rrset(name, "A", ["192.0.2.4"], ttl=60, SetIdentifier="p1", Failover="PRIMARY"),
          rrset(name, "A", ["192.0.2.5"], ttl=60, SetIdentifier="p2", Failover="PRIMARY")],
         "unique"),
    ]:
        message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                               HostedZoneId=zone["id"],
                               ChangeBatch={"Changes": [change("CREATE", s) for s in batch]})
        assert needle in message, message
        assert record_sets(r53, zone["id"]) == before, "nothing applied"
    # Against what is already stored: a routed set where a plain one exists.
    create(r53, zone, [plain])
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"],
                           ChangeBatch={"Changes": [change("CREATE", weighted)]})
    assert "without SetIdentifier" in message, message
