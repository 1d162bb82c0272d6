"""IP-based routing answered by DNS: record sets with CidrRoutingConfig, queried with dig from
IPv4 and IPv6 client subnets. The longest matching block of the client's subnet chooses the
location, `*` answers the rest, an unhealthy location gives way to `*`, and the ECS scope in
the answer is the matched prefix, lengthened past blocks of other locations. A collection
change is served like any other change."""

from __future__ import annotations

import re

from helpers import change, override_health, poll_within, rrset, run_dig, unique, wait_insync

SCOPE = re.compile(r"CLIENT-SUBNET: (\S+)/(\d+)/(\d+)")


def ask(server, name: str, subnet: str, rtype: str = "A") -> tuple[list[str], int]:
    r = run_dig(server, name, rtype, subnet=subnet)[0]
    assert r.status == "NOERROR", r.text
    m = SCOPE.search(r.text)
    assert m, f"no ECS option in the answer:\n{r.text}"
    return sorted(r.values(rtype)), int(m.group(3))


def alias(name: str, target: str, zone, eth: bool) -> dict:
    return {"Name": name, "Type": "A",
            "AliasTarget": {"HostedZoneId": zone["id"], "DNSName": target,
                            "EvaluateTargetHealth": eth}}


def until(server, name: str, subnet: str, want, what: str) -> None:
    poll_within(lambda: ask(server, name, subnet), lambda got: got == want, what, 10)


def put(location: str, *blocks: str) -> dict:
    return {"LocationName": location, "Action": "PUT", "CidrList": list(blocks)}


def test_longest_match_scope_default_and_collection_changes(r53, zone, server, cleanup):
    z = zone["name"]
    c = r53.create_cidr_collection(Name=unique("offices"), CallerReference=unique("ref"))
    cid = c["Collection"]["Id"]
    cleanup.cidr_collections.append(cid)
    r53.change_cidr_collection(Id=cid, Changes=[
        put("office", "10.0.0.0/8", "2001:db8::/32"),
        put("lab", "10.1.2.0/24", "2001:db8:1::/48"),
    ])
    hc = r53.create_health_check(CallerReference=unique("hc"), HealthCheckConfig={
        "Type": "TCP", "IPAddress": "127.0.0.1", "Port": 9, "RequestInterval": 30,
        "FailureThreshold": 3, "Disabled": True})["HealthCheck"]["Id"]
    cleanup.health_checks.append(hc)
    name, name6 = f"ip.{z}", f"ip.{z}"

    def cidr(loc: str) -> dict:
        return {"CollectionId": cid, "LocationName": loc}

    changes = []
    for rtype, values in (("A", ("192.0.2.1", "192.0.2.2", "192.0.2.9")),
                          ("AAAA", ("2001:db8:ff::1", "2001:db8:ff::2", "2001:db8:ff::9"))):
        changes += [
            change("CREATE", rrset(name, rtype, [values[0]], ttl=60, SetIdentifier="office",
                                   CidrRoutingConfig=cidr("office"), HealthCheckId=hc)),
            change("CREATE", rrset(name, rtype, [values[1]], ttl=60, SetIdentifier="lab",
                                   CidrRoutingConfig=cidr("lab"))),
            change("CREATE", rrset(name, rtype, [values[2]], ttl=60, SetIdentifier="rest",
                                   CidrRoutingConfig=cidr("*"))),
        ]
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": changes})
    wait_insync(r53, out["ChangeInfo"]["Id"])

    # (client subnet, answer, ECS scope): IPv4 and IPv6 clients, queried for A.
    cases = [
        ("10.9.9.0/24", ["192.0.2.1"], 13),
        ("10.1.2.0/24", ["192.0.2.2"], 24),
        ("10.1.0.0/16", ["192.0.2.1"], 16),
        ("192.168.1.0/24", ["192.0.2.9"], 1),
        ("2001:db8:1::/56", ["192.0.2.2"], 48),
        ("2001:db8:ffff::/48", ["192.0.2.1"], 33),
        ("2001:db9::/48", ["192.0.2.9"], 32),
    ]
    for subnet, want, scope in cases:
        assert ask(server, name, subnet) == (want, scope), subnet
    assert ask(server, name6, "2001:db8:1::/56", "AAAA") == (["2001:db8:ff::2"], 48)

    # The same answers through TestDNSAnswer.
    t = r53.test_dns_answer(HostedZoneId=zone["id"], RecordName=name, RecordType="A",
                            EDNS0ClientSubnetIP="10.1.2.0", EDNS0ClientSubnetMask="24")
    assert t["RecordData"] == ["192.0.2.2"], t

    # An unhealthy location gives way to the default.
    override_health(server, hc, False)
    try:
        until(server, name, "10.9.9.0/24", (["192.0.2.9"], 13), "the office to give way to *")
    finally:
        override_health(server, hc, None)
    until(server, name, "10.9.9.0/24", (["192.0.2.1"], 13), "the office location back")

    # A collection change is served like any other change: 192.168.0.0/16 joins the lab.
    r53.change_cidr_collection(Id=cid, Changes=[put("lab", "192.168.0.0/16")])
    _, took = poll_within(lambda: ask(server, name, "192.168.1.0/24"),
                          lambda got: got == (["192.0.2.2"], 16),
                          "the collection change to be served", 10)
    print(f"collection change served after {took:.2f} s")

    # An alias to the IP-based group answers as the group does.
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", alias(f"via.{z}", name, zone, eth=True))]})
    wait_insync(r53, out["ChangeInfo"]["Id"])
    assert ask(server, f"via.{z}", "10.1.2.0/24") == (["192.0.2.2"], 24)

    # Removing the records leaves the collection free to delete.
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("DELETE", alias(f"via.{z}", name, zone, eth=True))] + [
        {**c, "Action": "DELETE"} for c in changes]})
    wait_insync(r53, out["ChangeInfo"]["Id"])
