"""Tags on hosted zones and health checks through boto3, the AWS CLI and the JSON API: kept,
listed back, replaced and removed; Route 53's limits; unknown ids; several resources at once;
tags gone with their zone. And an operation flowdns does not implement, refused by name."""

from __future__ import annotations

import boto3
import botocore.config
import pytest

from helpers import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, expect_error, json_api, unique

TCP_CHECK = {"IPAddress": "127.0.0.1", "Port": 9, "Type": "TCP", "RequestInterval": 30,
             "FailureThreshold": 3}


def tags_of(r53, kind: str, rid: str) -> dict:
    """The tags of a resource as {key: value}, after checking the tag set's type and id."""
    ts = r53.list_tags_for_resource(ResourceType=kind, ResourceId=rid)["ResourceTagSet"]
    assert (ts["ResourceType"], ts["ResourceId"]) == (kind, rid)
    keys = [t["Key"] for t in ts["Tags"]]
    assert len(keys) == len(set(keys)), ts
    return {t["Key"]: t["Value"] for t in ts["Tags"]}


def new_check(r53, cleanup, config=None) -> str:
    hc = r53.create_health_check(CallerReference=unique("tag-hc"),
                                 HealthCheckConfig=config or TCP_CHECK)["HealthCheck"]
    cleanup.health_checks.append(hc["Id"])
    return hc["Id"]


@pytest.mark.parametrize("kind", ["hostedzone", "healthcheck"])
def test_tags_round_trip(r53, aws, cleanup, zone, kind):
    rid = zone["id"] if kind == "hostedzone" else new_check(r53, cleanup)
    assert tags_of(r53, kind, rid) == {}

    first = {"Name": "web zone", "env": "prod", "Env": "staging", "owner:team/dns": "a+b=c@d.e_f-g",
             "Straße": "Grüße 42", "empty": ""}
    r53.change_tags_for_resource(ResourceType=kind, ResourceId=rid,
                                 AddTags=[{"Key": k, "Value": v} for k, v in first.items()])
    assert tags_of(r53, kind, rid) == first  # keys are case-sensitive: env and Env both stay

    # Adding an existing key replaces its value; removing an absent key is no error.
    r53.change_tags_for_resource(ResourceType=kind, ResourceId=rid,
                                 AddTags=[{"Key": "env", "Value": "dev"}],
                                 RemoveTagKeys=["Env", "empty", "never-there"])
    expected = {"Name": "web zone", "env": "dev", "owner:team/dns": "a+b=c@d.e_f-g",
                "Straße": "Grüße 42"}
    assert tags_of(r53, kind, rid) == expected

    # The AWS CLI reads the same.
    listed = aws("list-tags-for-resource", "--resource-type", kind, "--resource-id", rid)
    assert {t["Key"]: t["Value"] for t in listed["ResourceTagSet"]["Tags"]} == expected
    aws("change-tags-for-resource", "--resource-type", kind, "--resource-id", rid,
        "--remove-tag-keys", "owner:team/dns", "Straße")
    assert tags_of(r53, kind, rid) == {"Name": "web zone", "env": "dev"}


def test_octodns_style_health_check_is_kept_and_named(r53, cleanup):
    """octoDNS creates checks with its defaults, tags them with a Name, and later finds them
    by comparing the configuration it reads back."""
    config = {"Disabled": False, "Inverted": False, "EnableSNI": True, "FailureThreshold": 6,
              "MeasureLatency": True, "Port": 443, "RequestInterval": 10, "Type": "HTTPS",
              "FullyQualifiedDomainName": "www.example.org", "ResourcePath": "/_dns",
              "IPAddress": "127.0.0.1"}
    hid = new_check(r53, cleanup, config)
    name = "www.example.org.:A - 127.0.0.1"
    r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=hid,
                                 AddTags=[{"Key": "Name", "Value": name}])
    got = r53.get_health_check(HealthCheckId=hid)["HealthCheck"]["HealthCheckConfig"]
    assert {k: got[k] for k in config} == config
    assert tags_of(r53, "healthcheck", hid) == {"Name": name}


def test_limits_and_rules(r53, r53_unchecked, zone):
    zid = zone["id"]

    def refused(code: str = "InvalidInput", status: int = 400, client=r53, **kw) -> str:
        kw.setdefault("ResourceType", "hostedzone")
        kw.setdefault("ResourceId", zid)
        return expect_error(code, status, client.change_tags_for_resource, **kw)

    for batch in range(5):
        r53.change_tags_for_resource(
            ResourceType="hostedzone", ResourceId=zid,
            AddTags=[{"Key": f"k{batch}{i}", "Value": str(i)} for i in range(10)])
    fifty = tags_of(r53, "hostedzone", zid)
    assert len(fifty) == 50

    # The 51st tag is refused and nothing of the call is applied.
    message = refused(AddTags=[{"Key": "k00", "Value": "changed"}, {"Key": "k51", "Value": "x"}])
    assert "51 tags" in message and "at most 50" in message, message
    # Eleven tags or keys in one call.
    assert "AddTags: 11 tags" in refused(
        AddTags=[{"Key": f"n{i}", "Value": ""} for i in range(11)])
    assert "RemoveTagKeys: 11 keys" in refused(RemoveTagKeys=[f"k0{i}" for i in range(10)] + ["x"])
    # Empty lists (botocore would refuse them itself; Route 53 does too).
    assert "AddTags: 0 tags" in refused(client=r53_unchecked, AddTags=[])
    assert "RemoveTagKeys: 0 keys" in refused(client=r53_unchecked, RemoveTagKeys=[])
    # Characters, the reserved prefix, lengths: each names the field.
    for tag, field in [({"Key": "a#b", "Value": "v"}, "AddTags/Tag[1]/Key"),
                       ({"Key": "ok", "Value": "semi;colon"}, "AddTags/Tag[1]/Value"),
                       ({"Key": "tab\there", "Value": "v"}, "AddTags/Tag[1]/Key"),
                       ({"Key": "aws:cloudformation:stack-name", "Value": "v"},
                        "AddTags/Tag[1]/Key"),
                       ({"Key": "AWS:x", "Value": "v"}, "AddTags/Tag[1]/Key"),
                       ({"Key": "v" * 256 + "é", "Value": ""}, "AddTags/Tag[1]/Key"),
                       ({"Key": "long", "Value": "v" * 257}, "AddTags/Tag[1]/Value")]:
        client = r53_unchecked if len(tag["Key"]) > 128 or len(tag["Value"]) > 256 else r53
        message = refused(client=client, AddTags=[tag])
        assert message.startswith(field + ": "), (tag, message)
    assert "reserved" in refused(AddTags=[{"Key": "aws:x", "Value": "v"}])
    assert "is 129 characters long" in refused(client=r53_unchecked,
                                               AddTags=[{"Key": "k" * 129, "Value": ""}])
    # Given twice, or both added and removed.
    assert "is also Tag[1]" in refused(AddTags=[{"Key": "d", "Value": "1"},
                                               {"Key": "d", "Value": "2"}])
    assert "either added or removed" in refused(AddTags=[{"Key": "k00", "Value": "x"}],
                                                RemoveTagKeys=["k00"])
    # Route 53 takes the bare id only.
    message = refused(ResourceId=f"/hostedzone/{zid}")
    assert "at 'resourceId' failed to satisfy constraint: Member must have length less than or " \
           "equal to 32" in message, message
    # Health check sources exist in Route 53 but not in flowdns.
    assert "flowdns has no health check sources" in refused(
        ResourceType="healthchecksource", ResourceId="abc", AddTags=[{"Key": "a", "Value": "b"}])

    assert tags_of(r53, "hostedzone", zid) == fifty, "a refused change applies nothing"
    # Neither list (botocore then sends no body): nothing to do, and no error.
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid)
    assert tags_of(r53, "hostedzone", zid) == fifty
    # One out, one in is fine at the limit.
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid,
                                 AddTags=[{"Key": "k51", "Value": "in"}], RemoveTagKeys=["k00"])
    after = tags_of(r53, "hostedzone", zid)
    assert len(after) == 50 and "k51" in after and "k00" not in after


def test_unknown_ids(r53, zone):
    add = [{"Key": "a", "Value": "b"}]
    for kind, rid, code in [("hostedzone", "0" * 32, "NoSuchHostedZone"),
                            ("healthcheck", "abcdef11-2222-3333-4444-555555fedcba",
                             "NoSuchHealthCheck"),
                            ("healthcheck", zone["id"], "NoSuchHealthCheck")]:
        expect_error(code, 404, r53.change_tags_for_resource, ResourceType=kind,
                     ResourceId=rid, AddTags=add)
        expect_error(code, 404, r53.list_tags_for_resource, ResourceType=kind, ResourceId=rid)
        expect_error(code, 404, r53.list_tags_for_resources, ResourceType=kind,
                     ResourceIds=[rid])


def test_list_tags_for_resources(r53, cleanup):
    ids = [new_check(r53, cleanup) for _ in range(3)]
    for i, hid in enumerate(ids[:2]):
        r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=hid,
                                     AddTags=[{"Key": "Name", "Value": f"check {i}"}])
    asked = [ids[2], ids[0], ids[1]]
    sets = r53.list_tags_for_resources(ResourceType="healthcheck",
                                       ResourceIds=asked)["ResourceTagSets"]
    assert [(s["ResourceType"], s["ResourceId"], s["Tags"]) for s in sets] == [
        ("healthcheck", ids[2], []),
        ("healthcheck", ids[0], [{"Key": "Name", "Value": "check 0"}]),
        ("healthcheck", ids[1], [{"Key": "Name", "Value": "check 1"}]),
    ]
    message = expect_error("InvalidInput", 400, r53.list_tags_for_resources,
                           ResourceType="healthcheck", ResourceIds=ids * 4)
    assert "'ResourceId' can occur a maximum of '10' times" in message
    expect_error("NoSuchHealthCheck", 404, r53.list_tags_for_resources,
                 ResourceType="healthcheck", ResourceIds=ids + ["nope"])


def test_tags_go_with_their_zone_and_check(r53, cleanup, zone_name):
    zid = r53.create_hosted_zone(Name=zone_name, CallerReference=unique("ref"))[
        "HostedZone"]["Id"].removeprefix("/hostedzone/")
    hid = new_check(r53, cleanup)
    for kind, rid in [("hostedzone", zid), ("healthcheck", hid)]:
        r53.change_tags_for_resource(ResourceType=kind, ResourceId=rid,
                                     AddTags=[{"Key": "team", "Value": "dns"}])
    r53.delete_hosted_zone(Id=zid)
    r53.delete_health_check(HealthCheckId=hid)
    expect_error("NoSuchHostedZone", 404, r53.list_tags_for_resource, ResourceType="hostedzone",
                 ResourceId=zid)
    expect_error("NoSuchHealthCheck", 404, r53.list_tags_for_resource,
                 ResourceType="healthcheck", ResourceId=hid)
    # A new zone of the same name starts with no tags.
    again = r53.create_hosted_zone(Name=zone_name, CallerReference=unique("ref"))["HostedZone"]
    zid2 = again["Id"].removeprefix("/hostedzone/")
    cleanup.zones.append(zid2)
    assert tags_of(r53, "hostedzone", zid2) == {}


def test_json_api_tags(server, r53, cleanup, zone):
    zid = zone["id"]
    hid = new_check(r53, cleanup)
    for path, kind, rid in [(f"zones/{zid}/tags", "hostedzone", zid),
                            (f"health-checks/{hid}/tags", "healthcheck", hid)]:
        r = json_api(server, "GET", path)
        assert (r.status, r.json()) == (200, {"resource_type": kind, "id": rid, "tags": []})
        r = json_api(server, "PATCH", path, {"add": [{"key": "b", "value": "2"}, {"key": "a"}],
                                             "remove": ["zz"]})
        assert r.status == 200, r.body
        assert r.json()["tags"] == [{"key": "a", "value": ""}, {"key": "b", "value": "2"}]
        # PUT replaces the whole set, more than ten at once.
        twenty = [{"key": f"t{i:02}", "value": str(i)} for i in range(20)]
        r = json_api(server, "PUT", path, {"tags": twenty})
        assert (r.status, r.json()["tags"]) == (200, twenty), r.body
        assert tags_of(r53, kind, rid) == {t["key"]: t["value"] for t in twenty}
        # Refusals name the field and change nothing.
        r = json_api(server, "PATCH", path, {"add": [{"key": "aws:x", "value": ""}]})
        assert (r.status, r.error_code()) == (400, "InvalidInput"), r.body
        assert r.json()["error"]["message"].startswith("AddTags/Tag[1]/Key: ")
        r = json_api(server, "PUT", path, {"tags": twenty * 3})
        assert (r.status, r.error_code()) == (400, "InvalidInput"), r.body
        r = json_api(server, "PATCH", path, {"add": [{"key": "k", "val": "typo"}]})
        assert (r.status, r.error_code()) == (400, "InvalidInput"), r.body
        assert len(tags_of(r53, kind, rid)) == 20
        r = json_api(server, "PUT", path, {"tags": []})
        assert (r.status, r.json()["tags"]) == (200, [])
    r = json_api(server, "GET", f"zones/{'0' * 32}/tags")
    assert (r.status, r.error_code()) == (404, "NoSuchHostedZone")


def test_unimplemented_operation_is_refused_by_name(server, r53):
    message = expect_error("NotImplemented", 501, r53.create_reusable_delegation_set,
                           CallerReference=unique("ds"))
    assert message.startswith("CreateReusableDelegationSet is not implemented by flowdns: "), \
        message
    # With the SDK's usual retries: 501 is not retried, the caller learns at once.
    retrying = boto3.session.Session().client(
        "route53", endpoint_url=server.api_url, region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}))
    with pytest.raises(retrying.exceptions.ClientError) as e:
        retrying.create_reusable_delegation_set(CallerReference=unique("ds"))
    r = e.value.response
    assert (r["Error"]["Code"], r["ResponseMetadata"]["RetryAttempts"]) == ("NotImplemented", 0)
