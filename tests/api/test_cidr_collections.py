"""CIDR collections (Route 53 IP-based routing), the control plane: collections, locations and
blocks through boto3 and the JSON API, and record sets that name a collection
(CidrRoutingConfig). What DNS answers for such record sets is tested with the answering code."""

from __future__ import annotations

import re

from helpers import (cidr_blocks, change, expect_error, json_api, record_sets, rrset, unique,
                     wait_insync)

UUID = re.compile(r"^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$")
UNKNOWN = "0f3c7a5e-1111-4222-8333-444455556666"


def put(location: str, *blocks: str) -> dict:
    return {"LocationName": location, "Action": "PUT", "CidrList": list(blocks)}


def delete(location: str, *blocks: str) -> dict:
    return {"LocationName": location, "Action": "DELETE_IF_EXISTS", "CidrList": list(blocks)}


def new_collection(r53, cleanup, prefix: str = "net") -> dict:
    c = r53.create_cidr_collection(Name=unique(prefix), CallerReference=unique("ref"))["Collection"]
    cleanup.cidr_collections.append(c["Id"])
    return c


def version(r53, collection_id: str) -> int:
    pages = r53.get_paginator("list_cidr_collections").paginate()
    found = [c for p in pages for c in p["CidrCollections"] if c["Id"] == collection_id]
    assert len(found) == 1, found
    return found[0]["Version"]


def locations(r53, collection_id: str, **kwargs) -> list[str]:
    pages = r53.get_paginator("list_cidr_locations").paginate(CollectionId=collection_id, **kwargs)
    return [loc["LocationName"] for p in pages for loc in p["CidrLocations"]]


def test_create_and_retry(r53, r53_unchecked, cleanup):
    name, reference = unique("offices"), unique("ref")
    out = r53.create_cidr_collection(Name=name, CallerReference=reference)
    c = out["Collection"]
    cleanup.cidr_collections.append(c["Id"])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["Location"].endswith(f"/2013-04-01/cidrcollection/{c['Id']}")
    assert UUID.match(c["Id"]), c
    assert c == {"Arn": f"arn:aws:route53:::cidrcollection/{c['Id']}", "Id": c["Id"],
                 "Name": name, "Version": 1}

    # The same name and caller reference is a retry: the same collection, nothing new.
    again = r53.create_cidr_collection(Name=name, CallerReference=reference)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert again["Collection"] == c
    listed = [x for p in r53.get_paginator("list_cidr_collections").paginate()
              for x in p["CidrCollections"] if x["Name"] == name]
    assert listed == [c]

    message = expect_error("CidrCollectionAlreadyExistsException", 400,
                           r53.create_cidr_collection, Name=name, CallerReference=unique("ref"))
    assert name in message
    for bad_name, bad_ref, field in [
        ("has space", "r", "Name"),
        ("n" * 65, "r", "Name"),
        ("ok-name", "r" * 65, "CallerReference"),
    ]:
        message = expect_error("InvalidInput", 400, r53_unchecked.create_cidr_collection,
                               Name=bad_name, CallerReference=bad_ref)
        assert message.startswith(field), message


def test_change_with_versions(r53, cleanup):
    c = new_collection(r53, cleanup)
    out = r53.change_cidr_collection(
        Id=c["Id"], CollectionVersion=1,
        Changes=[put("fra", "192.0.2.0/24", "2001:DB8:0::/32"), put("ams", "198.51.100.0/24")])
    assert out["Id"].startswith("/change/C"), out
    wait_insync(r53, out["Id"])
    assert version(r53, c["Id"]) == 2
    # Blocks are stored in canonical form and listed by location, IPv4 before IPv6.
    assert cidr_blocks(r53, c["Id"]) == [
        ("ams", "198.51.100.0/24"), ("fra", "192.0.2.0/24"), ("fra", "2001:db8::/32")]

    message = expect_error("CidrCollectionVersionMismatchException", 409,
                           r53.change_cidr_collection, Id=c["Id"], CollectionVersion=1,
                           Changes=[put("lon", "203.0.113.0/24")])
    assert "at version 2, not 1" in message
    expect_error("CidrCollectionVersionMismatchException", 409, r53.change_cidr_collection,
                 Id=c["Id"], CollectionVersion=5, Changes=[put("lon", "203.0.113.0/24")])
    assert version(r53, c["Id"]) == 2
    # Without CollectionVersion the change applies to whatever version is current.
    r53.change_cidr_collection(Id=c["Id"], Changes=[put("lon", "203.0.113.0/24")])
    assert version(r53, c["Id"]) == 3
    assert locations(r53, c["Id"]) == ["ams", "fra", "lon"]


def test_put_delete_and_move(r53, cleanup):
    c = new_collection(r53, cleanup)
    r53.change_cidr_collection(Id=c["Id"], Changes=[put("fra", "192.0.2.0/24", "10.0.0.0/8")])

    # A block is in one location: putting it in another is refused, nothing changes.
    message = expect_error("CidrBlockInUseException", 400, r53.change_cidr_collection,
                           Id=c["Id"], Changes=[put("ams", "192.0.2.0/24")])
    assert "192.0.2.0/24 is already in location fra" in message
    assert version(r53, c["Id"]) == 2

    # Moving it is a DELETE_IF_EXISTS and a PUT in one call, in any order.
    r53.change_cidr_collection(Id=c["Id"], Changes=[put("ams", "192.0.2.0/24"),
                                                    delete("fra", "192.0.2.0/24")])
    assert cidr_blocks(r53, c["Id"]) == [("ams", "192.0.2.0/24"), ("fra", "10.0.0.0/8")]

    # DELETE_IF_EXISTS of absent blocks is fine; a PUT of a block already there too.
    r53.change_cidr_collection(Id=c["Id"], Changes=[delete("fra", "172.16.0.0/12", "192.0.2.0/24"),
                                                    put("ams", "192.0.2.0/24")])
    assert cidr_blocks(r53, c["Id"]) == [("ams", "192.0.2.0/24"), ("fra", "10.0.0.0/8")]
    assert version(r53, c["Id"]) == 4

    # A location lives while it has blocks.
    r53.change_cidr_collection(Id=c["Id"], Changes=[delete("fra", "10.0.0.0/8")])
    assert locations(r53, c["Id"]) == ["ams"]
    message = expect_error("NoSuchCidrLocationException", 404, r53.list_cidr_blocks,
                           CollectionId=c["Id"], LocationName="fra")
    assert '"fra"' in message


def test_invalid_blocks_name_the_problem(r53, cleanup):
    c = new_collection(r53, cleanup)
    message = expect_error("InvalidInput", 400, r53.change_cidr_collection, Id=c["Id"], Changes=[
        put("fra", "192.0.2.0/25", "2001:db8::/49", "192.0.2.1/24", "garbage", "0.0.0.0/0"),
        {"LocationName": "bad.name", "Action": "PUT", "CidrList": ["10.0.0.0/8"]},
    ])
    for expected in [
        'Changes[1]/CidrList[1]: "192.0.2.0/25": an IPv4 block\'s prefix length is 1 to 24, not 25',
        'Changes[1]/CidrList[2]: "2001:db8::/49": an IPv6 block\'s prefix length is 1 to 48, not 49',
        'Changes[1]/CidrList[3]: "192.0.2.1/24" has host bits set: the network is 192.0.2.0/24',
        'Changes[1]/CidrList[4]: "garbage" has no prefix length',
        'Changes[1]/CidrList[5]: "0.0.0.0/0": a block\'s prefix length is at least 1',
        'Changes[2]/LocationName: "bad.name"',
    ]:
        assert expected in message, message
    assert version(r53, c["Id"]) == 1
    assert cidr_blocks(r53, c["Id"]) == []


def test_lists_page_with_tokens(r53, cleanup):
    c = new_collection(r53, cleanup)
    names = [f"loc{i}" for i in range(5)]
    r53.change_cidr_collection(Id=c["Id"], Changes=[
        put(name, f"10.{i}.0.0/16", f"2001:db8:{i + 1}::/48") for i, name in enumerate(names)])
    first = r53.list_cidr_locations(CollectionId=c["Id"], MaxResults="2")
    assert [x["LocationName"] for x in first["CidrLocations"]] == names[:2]
    assert first["NextToken"]
    assert locations(r53, c["Id"], PaginationConfig={"PageSize": 2}) == names

    pages = list(r53.get_paginator("list_cidr_blocks").paginate(
        CollectionId=c["Id"], PaginationConfig={"PageSize": 3}))
    assert [len(p["CidrBlocks"]) for p in pages] == [3, 3, 3, 1]
    assert "NextToken" not in pages[-1]
    got = [(b["LocationName"], b["CidrBlock"]) for p in pages for b in p["CidrBlocks"]]
    assert got == [(n, b) for i, n in enumerate(names)
                   for b in (f"10.{i}.0.0/16", f"2001:db8:{i + 1}::/48")]
    assert cidr_blocks(r53, c["Id"], LocationName="loc3",
                       PaginationConfig={"PageSize": 1}) == [
        ("loc3", "10.3.0.0/16"), ("loc3", "2001:db8:4::/48")]

    mine = {new_collection(r53, cleanup, "page")["Name"] for _ in range(3)} | {c["Name"]}
    pages = list(r53.get_paginator("list_cidr_collections").paginate(
        PaginationConfig={"PageSize": 2}))
    assert all(len(p["CidrCollections"]) <= 2 for p in pages)
    listed = [x["Name"] for p in pages for x in p["CidrCollections"]]
    assert mine <= set(listed) and len(listed) == len(set(listed))
    assert listed == sorted(listed)
    expect_error("InvalidInput", 400, r53.list_cidr_collections, MaxResults="0")
    expect_error("InvalidInput", 400, r53.list_cidr_collections, NextToken="not-a-token")


def test_no_such_collection_or_location(r53, r53_unchecked, cleanup):
    for call, kwargs in [
        (r53.change_cidr_collection, {"Id": UNKNOWN, "Changes": [put("a", "10.0.0.0/8")]}),
        (r53.list_cidr_locations, {"CollectionId": UNKNOWN}),
        (r53.list_cidr_blocks, {"CollectionId": UNKNOWN}),
        (r53.delete_cidr_collection, {"Id": UNKNOWN}),
    ]:
        assert UNKNOWN in expect_error("NoSuchCidrCollectionException", 404, call, **kwargs)
    message = expect_error("InvalidInput", 400, r53_unchecked.list_cidr_locations,
                           CollectionId="NOT-A-UUID")
    assert "CidrCollectionId" in message
    c = new_collection(r53, cleanup)
    expect_error("NoSuchCidrLocationException", 404, r53.list_cidr_blocks,
                 CollectionId=c["Id"], LocationName="nowhere")


def test_record_sets_name_a_collection(r53, zone, cleanup):
    c = new_collection(r53, cleanup)
    r53.change_cidr_collection(Id=c["Id"], Changes=[put("fra", "192.0.2.0/24"),
                                                    put("ams", "2001:db8::/32")])
    name = f"ip.{zone['name']}"

    def routed(set_id: str, value: str, location: str, collection: str = c["Id"],
               rtype: str = "A") -> dict:
        return rrset(name, rtype, [value], ttl=60, SetIdentifier=set_id,
                     CidrRoutingConfig={"CollectionId": collection, "LocationName": location})

    # Refused: a collection that does not exist, a location it does not have, a type IP-based
    # routing does not serve. Nothing of the batch is applied.
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                               change("CREATE", routed("fra", "192.0.2.10", "fra")),
                               change("CREATE", routed("x", "192.0.2.11", "fra", UNKNOWN)),
                               change("CREATE", routed("lon", "192.0.2.12", "lon")),
                               change("CREATE", routed("ns", "ns1.example.net.", "ams",
                                                       rtype="NS")),
                           ]})
    for expected in [
        f"change 2: CidrRoutingConfig/CollectionId: no CIDR collection has the id {UNKNOWN}",
        'change 3: CidrRoutingConfig/LocationName: CIDR collection',
        'has no location "lon" (its locations: ams, fra)',
        "change 4: Type: IP-based routing (CidrRoutingConfig) is not available for NS",
    ]:
        assert expected in message, message
    assert [r for r in record_sets(r53, zone["id"]) if r["Name"] == name] == []

    sets = [routed("fra", "192.0.2.10", "fra"), routed("ams", "192.0.2.20", "ams"),
            routed("default", "192.0.2.30", "*")]
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={
        "Changes": [change("CREATE", s) for s in sets]})
    wait_insync(r53, out["ChangeInfo"]["Id"])
    listed = [r for r in record_sets(r53, zone["id"]) if r["Name"] == name]
    assert sorted(listed, key=lambda r: r["SetIdentifier"]) == sorted(
        sets, key=lambda r: r["SetIdentifier"])

    # In use: refused while it has blocks or record sets name it; the message says which.
    message = expect_error("CidrCollectionInUseException", 400, r53.delete_cidr_collection,
                           Id=c["Id"])
    assert "2 CIDR blocks in 2 locations (ams, fra)" in message
    assert "3 record sets use it" in message
    assert f"[name='{name}', type='A', set-identifier='ams']" in message
    # Emptying a location that a record set names is allowed (the set then matches no client).
    r53.change_cidr_collection(Id=c["Id"], Changes=[delete("fra", "192.0.2.0/24"),
                                                    delete("ams", "2001:db8::/32")])
    message = expect_error("CidrCollectionInUseException", 400, r53.delete_cidr_collection,
                           Id=c["Id"])
    assert "3 record sets use it" in message and "CIDR blocks" not in message

    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={
        "Changes": [change("DELETE", s) for s in sets]})
    r53.delete_cidr_collection(Id=c["Id"])
    expect_error("NoSuchCidrCollectionException", 404, r53.list_cidr_locations,
                 CollectionId=c["Id"])


def test_json_api(server, cleanup):
    name = unique("json")
    r = json_api(server, "POST", "cidr-collections", {"name": name, "caller_reference": name})
    assert r.status == 201, r.body
    c = r.json()
    cleanup.cidr_collections.append(c["id"])
    assert (c["name"], c["version"]) == (name, 1)
    again = json_api(server, "POST", "cidr-collections", {"name": name, "caller_reference": name})
    assert (again.status, again.json()["id"]) == (200, c["id"])

    r = json_api(server, "POST", f"cidr-collections/{c['id']}/changes", {
        "version": 1,
        "changes": [put("fra", "192.0.2.0/24", "2001:DB8::/32")],
    })
    assert r.status == 200, r.body
    assert r.json()["collection"]["version"] == 2
    assert r.json()["change"]["id"].startswith("C")
    r = json_api(server, "POST", f"cidr-collections/{c['id']}/changes", {
        "version": 1, "changes": [put("ams", "10.0.0.0/8")],
    })
    assert (r.status, r.json()["error"]["code"]) == (409, "CidrCollectionVersionMismatchException")

    got = json_api(server, "GET", f"cidr-collections/{c['id']}").json()
    assert got["locations"] == ["fra"]
    assert got["blocks"] == [{"location": "fra", "cidr": "192.0.2.0/24"},
                             {"location": "fra", "cidr": "2001:db8::/32"}]
    blocks = json_api(server, "GET", f"cidr-collections/{c['id']}/blocks?location=fra").json()
    assert blocks["blocks"] == got["blocks"]
    listed = json_api(server, "GET", "cidr-collections").json()["cidr_collections"]
    assert [x["version"] for x in listed if x["id"] == c["id"]] == [2]

    r = json_api(server, "DELETE", f"cidr-collections/{c['id']}")
    assert (r.status, r.json()["error"]["code"]) == (400, "CidrCollectionInUseException")
    json_api(server, "POST", f"cidr-collections/{c['id']}/changes", {
        "changes": [delete("fra", "192.0.2.0/24", "2001:db8::/32")]})
    r = json_api(server, "DELETE", f"cidr-collections/{c['id']}")
    assert r.status == 200, r.body
    r = json_api(server, "GET", f"cidr-collections/{c['id']}")
    assert (r.status, r.json()["error"]["code"]) == (404, "NoSuchCidrCollectionException")
