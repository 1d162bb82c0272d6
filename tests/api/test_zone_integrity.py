"""Zone integrity as Route 53 keeps it: exactly one SOA record at the apex, the apex NS kept,
no SOA anywhere else. Each change that would break a rule is refused with InvalidChangeBatch
through the Route 53 XML API (boto3) and the JSON API, nothing of its batch is applied, and
DNS goes on answering for the zone. Before, each of these was accepted and took the zone down
(every name REFUSED) or served two SOA records."""

from __future__ import annotations

from helpers import change, expect_error, json_api, poll, record_sets, rrset


def _faults(z: str, soa: dict, ns: dict) -> list[tuple[str, list[dict], str]]:
    """(what, changes, a part of the refusal) for each fault; `soa` and `ns` are the zone's
    apex record sets as ListResourceRecordSets gives them."""
    soa_value = soa["ResourceRecords"][0]["Value"]
    fields = soa_value.split()
    fields[2] = str(int(fields[2]) + 1)
    second = " ".join(fields)
    return [
        ("delete the apex SOA", [change("DELETE", soa)],
         f"change 1: the zone {z} would have no SOA record"),
        ("create an SOA below the apex",
         [change("CREATE", rrset(f"sub.{z}", "SOA", [soa_value]))],
         f"change 1: The resource record set with the name sub.{z} and type SOA must be at the "
         f"apex {z}"),
        ("upsert the apex SOA with two values",
         [change("UPSERT", rrset(z, "SOA", [soa_value, second], ttl=soa["TTL"]))],
         f"change 1: [name='{z}', type='SOA'] has 2 values"),
        ("delete the apex NS",
         [change("CREATE", rrset(f"extra.{z}", "A", ["192.0.2.9"])), change("DELETE", ns)],
         f"change 2: the zone {z} would have no NS records at its apex"),
    ]


def _as_json(c: dict) -> dict:
    rs = c["ResourceRecordSet"]
    return {"action": c["Action"], "name": rs["Name"], "type": rs["Type"], "ttl": rs["TTL"],
            "values": [r["Value"] for r in rs["ResourceRecords"]]}


def _apex_sets(r53, zid: str, z: str) -> tuple[dict, dict]:
    sets = {(r["Name"], r["Type"]): r for r in record_sets(r53, zid)}
    return sets[(z, "SOA")], sets[(z, "NS")]


def _served(dig, z: str, ns_values: list[str]) -> None:
    """The zone answers: one SOA, its NS records and the name www."""
    soa = dig(z, "SOA")
    assert (soa.status, len(soa.values("SOA"))) == ("NOERROR", 1), soa.text
    ns = dig(z, "NS")
    assert ns.status == "NOERROR" and sorted(ns.values("NS")) == sorted(ns_values), ns.text
    www = dig(f"www.{z}", "A")
    assert (www.status, www.values("A")) == ("NOERROR", ["192.0.2.80"]), www.text
    below = dig(f"sub.{z}", "SOA")
    assert below.status == "NXDOMAIN" and not below.values("SOA"), below.text


def test_each_fault_is_refused_through_both_apis_and_dns_keeps_answering(server, r53, zone, dig):
    zid, z = zone["id"], zone["name"]
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        change("CREATE", rrset(f"www.{z}", "A", ["192.0.2.80"]))]})
    soa, ns = _apex_sets(r53, zid, z)
    ns_values = [r["Value"] for r in ns["ResourceRecords"]]
    poll(lambda: dig(f"www.{z}", "A").values("A"), lambda v: v == ["192.0.2.80"],
         "the zone to be served")
    _served(dig, z, ns_values)
    before = record_sets(r53, zid)
    for what, changes, part in _faults(z, soa, ns):
        message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                               HostedZoneId=zid, ChangeBatch={"Changes": changes})
        assert part in message, f"XML API, {what}: {part!r} not in {message!r}"
        assert record_sets(r53, zid) == before, f"XML API, {what}: the zone changed"
        _served(dig, z, ns_values)

        r = json_api(server, "POST", f"zones/{zid}/rrsets",
                     {"changes": [_as_json(c) for c in changes]})
        error = r.json().get("error", {}) if r.status == 400 else {}
        assert (r.status, error.get("code")) == (400, "InvalidChangeBatch"), (what, r.status, r.body)
        assert part in error.get("message", ""), f"JSON API, {what}: {part!r} not in {r.body!r}"
        assert record_sets(r53, zid) == before, f"JSON API, {what}: the zone changed"
        _served(dig, z, ns_values)


def test_the_apex_records_can_still_be_changed_and_the_zone_deleted(server, r53, zone, dig):
    zid, z = zone["id"], zone["name"]
    soa, ns = _apex_sets(r53, zid, z)
    # An UPSERT of the SOA with one value, and of the NS with other name servers.
    fields = soa["ResourceRecords"][0]["Value"].split()
    fields[1] = f"admin.{z}"
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        change("UPSERT", rrset(z, "SOA", [" ".join(fields)], ttl=soa["TTL"])),
        change("UPSERT", rrset(z, "NS", ["ns-a.example.net.", "ns-b.example.net."], ttl=3600)),
    ]})
    answer = poll(lambda: dig(z, "SOA"),
                  lambda r: r.status == "NOERROR" and len(r.values("SOA")) == 1
                  and r.values("SOA")[0].split()[1] == f"admin.{z}",
                  "the changed SOA to be served")
    assert len(answer.values("SOA")) == 1, answer.text
    ns_now = dig(z, "NS")
    assert sorted(ns_now.values("NS")) == ["ns-a.example.net.", "ns-b.example.net."], ns_now.text
    # Through the JSON API too: the SOA deleted and created again in one batch is whole.
    soa, _ = _apex_sets(r53, zid, z)
    fields[1] = f"dns.{z}"
    r = json_api(server, "POST", f"zones/{zid}/rrsets", {"changes": [
        _as_json(change("DELETE", soa)),
        _as_json(change("CREATE", rrset(z, "SOA", [" ".join(fields)], ttl=600)))]})
    assert r.status == 200, r.body
    poll(lambda: dig(z, "SOA"),
         lambda r: r.status == "NOERROR" and len(r.values("SOA")) == 1
         and r.values("SOA")[0].split()[1] == f"dns.{z}",
         "the recreated SOA to be served")
    # DeleteHostedZone takes the SOA and NS with the zone.
    r53.delete_hosted_zone(Id=zid)
    poll(lambda: dig(z, "SOA").status, lambda s: s == "REFUSED", "the deleted zone to be refused")
