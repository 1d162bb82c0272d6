"""Every error code the API can give, provoked on purpose: the botocore error code, the HTTP
status (as botocore's Route 53 model declares it) and, where it matters, the message."""

from __future__ import annotations

import uuid

import pytest
from botocore import xform_name

from helpers import (
    BROKEN_DOCUMENT,
    change,
    expect_error,
    policy_text,
    record_sets,
    rrset,
    signed_request,
    unique,
    wait_applied,
)

NS = "https://route53.amazonaws.com/doc/2013-04-01/"



def unknown_zone_id() -> str:
    return uuid.uuid4().hex  # 32 characters, like a flowdns zone id


def unknown_id() -> str:
    return str(uuid.uuid4())  # 36 characters, like policy and instance ids


def new_policy(r53, cleanup, file="minimal.json", name=None) -> dict:
    tp = r53.create_traffic_policy(Name=name or unique("err"), Document=policy_text(file))
    cleanup.policies.append(tp["TrafficPolicy"]["Id"])
    return tp["TrafficPolicy"]


def new_instance(r53, zone, policy, label="www", version=1) -> dict:
    inst = r53.create_traffic_policy_instance(
        HostedZoneId=zone["id"], Name=f"{label}.{zone['name']}", TTL=60,
        TrafficPolicyId=policy["Id"], TrafficPolicyVersion=version)["TrafficPolicyInstance"]
    return wait_applied(r53, inst["Id"])


# --- traffic policies -------------------------------------------------------------------------


def test_invalid_traffic_policy_document(r53, cleanup):
    message = expect_error("InvalidTrafficPolicyDocument", 400, r53.create_traffic_policy,
                           Name=unique("broken"), Document=BROKEN_DOCUMENT)
    # Every problem is reported, each at its JSON Pointer.
    for pointer in ("/Endpoints/a/Valeu", "/Endpoints/b/Value",
                    "/Rules/site_switch/Primary/EndpointReference"):
        assert pointer in message, message
    assert "did you mean" in message and "Value" in message
    expect_error("InvalidTrafficPolicyDocument", 400, r53.create_traffic_policy,
                 Name=unique("notjson"), Document="{not json")
    # Nothing was stored.
    assert not [s for s in r53.list_traffic_policies()["TrafficPolicySummaries"]
                if s["Name"].startswith(("broken-", "notjson-"))]
    # A new version is checked the same way.
    tp = new_policy(r53, cleanup)
    message = expect_error("InvalidTrafficPolicyDocument", 400, r53.create_traffic_policy_version,
                           Id=tp["Id"], Document=BROKEN_DOCUMENT)
    assert "/Rules/site_switch/Primary/EndpointReference" in message
    assert [v["Version"] for v in
            r53.list_traffic_policy_versions(Id=tp["Id"])["TrafficPolicies"]] == [1]


def test_traffic_policy_already_exists(r53, cleanup):
    tp = new_policy(r53, cleanup)
    message = expect_error("TrafficPolicyAlreadyExists", 409, r53.create_traffic_policy,
                           Name=tp["Name"], Document=policy_text("weighted.json"))
    assert tp["Name"] in message


def test_no_such_traffic_policy(r53, cleanup, zone):
    missing = unknown_id()
    expect_error("NoSuchTrafficPolicy", 404, r53.get_traffic_policy, Id=missing, Version=1)
    expect_error("NoSuchTrafficPolicy", 404, r53.create_traffic_policy_version, Id=missing,
                 Document=policy_text("minimal.json"))
    expect_error("NoSuchTrafficPolicy", 404, r53.update_traffic_policy_comment, Id=missing,
                 Version=1, Comment="x")
    expect_error("NoSuchTrafficPolicy", 404, r53.delete_traffic_policy, Id=missing, Version=1)
    expect_error("NoSuchTrafficPolicy", 404, r53.list_traffic_policy_versions, Id=missing)
    expect_error("NoSuchTrafficPolicy", 404, r53.list_traffic_policy_instances_by_policy,
                 TrafficPolicyId=missing, TrafficPolicyVersion=1)
    expect_error("NoSuchTrafficPolicy", 404, r53.create_traffic_policy_instance,
                 HostedZoneId=zone["id"], Name=f"x.{zone['name']}", TTL=60,
                 TrafficPolicyId=missing, TrafficPolicyVersion=1)
    # A known policy, a version it does not have.
    tp = new_policy(r53, cleanup)
    expect_error("NoSuchTrafficPolicy", 404, r53.get_traffic_policy, Id=tp["Id"], Version=7)
    expect_error("NoSuchTrafficPolicy", 404, r53.create_traffic_policy_instance,
                 HostedZoneId=zone["id"], Name=f"x.{zone['name']}", TTL=60,
                 TrafficPolicyId=tp["Id"], TrafficPolicyVersion=7)
    assert r53.list_traffic_policy_instances_by_hosted_zone(
        HostedZoneId=zone["id"])["TrafficPolicyInstances"] == []


def test_traffic_policy_in_use(r53, cleanup, zone):
    tp = new_policy(r53, cleanup)
    inst = new_instance(r53, zone, tp)
    message = expect_error("TrafficPolicyInUse", 400, r53.delete_traffic_policy,
                           Id=tp["Id"], Version=1)
    assert inst["Id"] in message or "in use" in message.lower() or "used" in message
    # Still there, and deletable once the instance is gone.
    assert r53.get_traffic_policy(Id=tp["Id"], Version=1)["TrafficPolicy"]["Version"] == 1
    r53.delete_traffic_policy_instance(Id=inst["Id"])
    r53.delete_traffic_policy(Id=tp["Id"], Version=1)


def test_conflicting_types(r53, cleanup, zone, dig):
    tp = new_policy(r53, cleanup, "minimal.json")
    # A new version may change the record type...
    v2 = r53.create_traffic_policy_version(Id=tp["Id"], Document=policy_text("minimal-aaaa.json"))
    assert (v2["TrafficPolicy"]["Version"], v2["TrafficPolicy"]["Type"]) == (2, "AAAA")
    inst = new_instance(r53, zone, tp)
    # ...but a policy record keeps its type.
    message = expect_error("ConflictingTypes", 400, r53.update_traffic_policy_instance,
                           Id=inst["Id"], TTL=60, TrafficPolicyId=tp["Id"], TrafficPolicyVersion=2)
    assert "AAAA" in message
    other = new_policy(r53, cleanup, "minimal-aaaa.json")
    expect_error("ConflictingTypes", 400, r53.update_traffic_policy_instance,
                 Id=inst["Id"], TTL=60, TrafficPolicyId=other["Id"], TrafficPolicyVersion=1)
    now = r53.get_traffic_policy_instance(Id=inst["Id"])["TrafficPolicyInstance"]
    assert (now["TrafficPolicyId"], now["TrafficPolicyVersion"], now["TrafficPolicyType"]) == (
        tp["Id"], 1, "A")
    assert dig(f"www.{zone['name']}", "A").values("A") == ["10.0.0.2"]
    # Another policy of the same type is fine (Route 53 allows changing the policy).
    same_type = new_policy(r53, cleanup, "geolocation.json")
    moved = r53.update_traffic_policy_instance(Id=inst["Id"], TTL=60,
                                               TrafficPolicyId=same_type["Id"],
                                               TrafficPolicyVersion=1)["TrafficPolicyInstance"]
    assert moved["TrafficPolicyId"] == same_type["Id"]
    wait_applied(r53, inst["Id"])
    assert dig(f"www.{zone['name']}", "A", subnet="2a02:ff80::/48").values("A") == ["192.0.2.3"]


def test_traffic_policy_instance_already_exists(r53, cleanup, zone):
    tp = new_policy(r53, cleanup)
    new_instance(r53, zone, tp)
    expect_error("TrafficPolicyInstanceAlreadyExists", 409, r53.create_traffic_policy_instance,
                 HostedZoneId=zone["id"], Name=f"www.{zone['name']}", TTL=60,
                 TrafficPolicyId=tp["Id"], TrafficPolicyVersion=1)


def test_policy_record_and_record_sets_do_not_share_a_name(r53, cleanup, zone, dig):
    """A name and type hold either record sets or a policy record (Route 53 refuses the
    second one written), and a policy record's name lies in its zone."""
    z = zone["name"]
    tp = new_policy(r53, cleanup)
    new_instance(r53, zone, tp)
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                               change("CREATE", rrset(f"www.{z}", "A", ["192.0.2.1"]))]})
    assert f"www.{z}" in message
    assert dig(f"www.{z}", "A").values("A") == ["10.0.0.2"]
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(f"static.{z}", "A", ["192.0.2.1"]))]})
    with pytest.raises(r53.exceptions.ClientError) as e:
        r53.create_traffic_policy_instance(HostedZoneId=zone["id"], Name=f"static.{z}", TTL=60,
                                           TrafficPolicyId=tp["Id"], TrafficPolicyVersion=1)
    assert e.value.response["Error"]["Code"] in ("InvalidInput", "TrafficPolicyInstanceAlreadyExists")
    expect_error("InvalidInput", 400, r53.create_traffic_policy_instance, HostedZoneId=zone["id"],
                 Name="www.elsewhere.example.", TTL=60, TrafficPolicyId=tp["Id"],
                 TrafficPolicyVersion=1)
    assert [i["Name"] for i in r53.list_traffic_policy_instances_by_hosted_zone(
        HostedZoneId=zone["id"])["TrafficPolicyInstances"]] == [f"www.{z}"]


def test_no_such_traffic_policy_instance(r53, cleanup):
    tp = new_policy(r53, cleanup)
    missing = unknown_id()
    expect_error("NoSuchTrafficPolicyInstance", 404, r53.get_traffic_policy_instance, Id=missing)
    expect_error("NoSuchTrafficPolicyInstance", 404, r53.update_traffic_policy_instance,
                 Id=missing, TTL=60, TrafficPolicyId=tp["Id"], TrafficPolicyVersion=1)
    expect_error("NoSuchTrafficPolicyInstance", 404, r53.delete_traffic_policy_instance,
                 Id=missing)


# --- hosted zones -----------------------------------------------------------------------------


def test_no_such_hosted_zone(r53, cleanup):
    missing = unknown_zone_id()
    tp = new_policy(r53, cleanup)
    calls = [
        (r53.get_hosted_zone, {"Id": missing}),
        (r53.delete_hosted_zone, {"Id": missing}),
        (r53.list_resource_record_sets, {"HostedZoneId": missing}),
        (r53.change_resource_record_sets, {"HostedZoneId": missing, "ChangeBatch": {
            "Changes": [change("CREATE", rrset("a.example.", "A", ["192.0.2.1"]))]}}),
        (r53.create_traffic_policy_instance, {
            "HostedZoneId": missing, "Name": "a.example.", "TTL": 60,
            "TrafficPolicyId": tp["Id"], "TrafficPolicyVersion": 1}),
        (r53.list_traffic_policy_instances_by_hosted_zone, {"HostedZoneId": missing}),
        (r53.test_dns_answer, {"HostedZoneId": missing, "RecordName": "a.example.",
                               "RecordType": "A"}),
    ]
    for fn, kwargs in calls:
        expect_error("NoSuchHostedZone", 404, fn, **kwargs)


def test_hosted_zone_already_exists(r53, cleanup, zone_name):
    ref = unique("ref")
    z = r53.create_hosted_zone(Name=zone_name, CallerReference=ref)["HostedZone"]
    cleanup.zones.append(z["Id"])
    before = r53.get_hosted_zone_count()["HostedZoneCount"]
    # The caller reference identifies the request: reusing it is refused (Route 53).
    expect_error("HostedZoneAlreadyExists", 409, r53.create_hosted_zone,
                 Name=f"other-{zone_name}", CallerReference=ref)
    # flowdns serves one zone per name (Route 53 would create a second zone here).
    expect_error("HostedZoneAlreadyExists", 409, r53.create_hosted_zone,
                 Name=zone_name, CallerReference=unique("ref"))
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == before


def test_hosted_zone_not_empty(r53, cleanup, zone):
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(f"txt.{zone['name']}", "TXT", ['"keep me"']))]})
    expect_error("HostedZoneNotEmpty", 400, r53.delete_hosted_zone, Id=zone["id"])
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("DELETE", rrset(f"txt.{zone['name']}", "TXT", ['"keep me"']))]})
    # A policy record counts too.
    tp = new_policy(r53, cleanup)
    new_instance(r53, zone, tp)
    expect_error("HostedZoneNotEmpty", 400, r53.delete_hosted_zone, Id=zone["id"])
    assert r53.get_hosted_zone(Id=zone["id"])["HostedZone"]["Name"] == zone["name"]


# --- change batches ---------------------------------------------------------------------------


def names_and_values(r53, zone) -> list:
    return [(r["Name"], r["Type"], r.get("TTL"), [v["Value"] for v in r.get("ResourceRecords", [])])
            for r in record_sets(r53, zone["id"])]


def test_invalid_change_batch_create_existing_and_wrong_delete(r53, zone):
    z = zone["name"]
    a = rrset(f"a.{z}", "A", ["192.0.2.1", "192.0.2.2"])
    r53.change_resource_record_sets(HostedZoneId=zone["id"],
                                    ChangeBatch={"Changes": [change("CREATE", a)]})
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [change("CREATE", a)]})
    assert "already exists" in message and f"a.{z}" in message
    for wrong in (rrset(f"a.{z}", "A", ["192.0.2.1"]),  # a value missing
                  rrset(f"a.{z}", "A", ["192.0.2.1", "192.0.2.2"], ttl=301),  # another TTL
                  rrset(f"b.{z}", "A", ["192.0.2.1"])):  # no such set
        expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                     HostedZoneId=zone["id"], ChangeBatch={"Changes": [change("DELETE", wrong)]})
    assert (f"a.{z}", "A", 300, ["192.0.2.1", "192.0.2.2"]) in names_and_values(r53, zone)


def test_invalid_change_batch_reports_every_problem_and_applies_nothing(r53, zone, dig):
    z = zone["name"]
    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(f"dup.{z}", "A", ["192.0.2.1"])),
        change("CREATE", rrset(f"keep.{z}", "TXT", ['"old"'])),
    ]})
    before = names_and_values(r53, zone)
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                               change("CREATE", rrset(f"new.{z}", "A", ["192.0.2.9"])),
                               change("CREATE", rrset(f"dup.{z}", "A", ["192.0.2.1"])),
                               change("DELETE", rrset(f"ghost.{z}", "A", ["192.0.2.3"])),
                               change("DELETE", rrset(f"keep.{z}", "TXT", ['"wrong"'])),
                               change("UPSERT", rrset(f"keep.{z}", "TXT", ['"new"'])),
                           ]})
    for name in (f"dup.{z}", f"ghost.{z}", f"keep.{z}"):
        assert name in message, message
    assert names_and_values(r53, zone) == before
    assert dig(f"new.{z}", "A").status == "NXDOMAIN"
    assert dig(f"keep.{z}", "TXT").values("TXT") == ['"old"']

    # Malformed values are all reported too, and nothing is applied.
    message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                               change("CREATE", rrset(f"ok.{z}", "A", ["192.0.2.10"])),
                               change("CREATE", rrset(f"bad4.{z}", "A", ["999.1.1.1"])),
                               change("CREATE", rrset(f"bad6.{z}", "AAAA", ["192.0.2.66"])),
                               change("CREATE", rrset("out.other-zone.example.", "A",
                                                      ["192.0.2.77"])),
                           ]})
    for text in ("999.1.1.1", "192.0.2.66", "out.other-zone.example"):
        assert text in message, message
    assert names_and_values(r53, zone) == before


def test_change_batch_with_unknown_health_check_is_refused(r53, zone):
    rs = rrset(f"hc.{zone['name']}", "A", ["192.0.2.1"], SetIdentifier="one", Weight=1,
               HealthCheckId=str(uuid.uuid4()))
    with pytest.raises(r53.exceptions.ClientError) as e:
        r53.change_resource_record_sets(HostedZoneId=zone["id"],
                                        ChangeBatch={"Changes": [change("CREATE", rs)]})
    err = e.value.response
    assert err["Error"]["Code"] in ("NoSuchHealthCheck", "InvalidChangeBatch"), err["Error"]
    assert 400 <= err["ResponseMetadata"]["HTTPStatusCode"] < 500
    assert f"hc.{zone['name']}" not in [r["Name"] for r in record_sets(r53, zone["id"])]


# --- InvalidInput -----------------------------------------------------------------------------


def test_invalid_input_values(r53_unchecked, r53, cleanup, zone):
    tp = new_policy(r53, cleanup)
    for ttl in (-1, 2**31):
        expect_error("InvalidInput", 400, r53_unchecked.create_traffic_policy_instance,
                     HostedZoneId=zone["id"], Name=f"ttl.{zone['name']}", TTL=ttl,
                     TrafficPolicyId=tp["Id"], TrafficPolicyVersion=1)
    expect_error("InvalidInput", 400, r53.list_traffic_policies, MaxItems="0")
    expect_error("InvalidInput", 400, r53.list_hosted_zones, MaxItems="many")
    expect_error("InvalidInput", 400, r53_unchecked.change_resource_record_sets,
                 HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                     change("REPLACE", rrset(f"x.{zone['name']}", "A", ["192.0.2.1"]))]})
    expect_error("InvalidInput", 400, r53.get_account_limit, Type="MAX_EVERYTHING")
    assert r53.list_traffic_policy_instances_by_hosted_zone(
        HostedZoneId=zone["id"])["TrafficPolicyInstances"] == []


def test_invalid_input_ttl_in_change_batch(r53_unchecked, r53, zone):
    """A TTL outside the model's 0..2147483647 is schema validation: Route 53 answers
    InvalidInput ("1 validation error detected: ... tTL ...")."""
    expect_error("InvalidInput", 400, r53_unchecked.change_resource_record_sets,
                 HostedZoneId=zone["id"], ChangeBatch={"Changes": [
                     change("CREATE", rrset(f"ttl.{zone['name']}", "A", ["192.0.2.1"], ttl=-5))]})
    assert f"ttl.{zone['name']}" not in [r["Name"] for r in record_sets(r53, zone["id"])]


def create_zone_body(inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="{NS}">{inner}' \
           f"</CreateHostedZoneRequest>".encode()


def test_invalid_input_malformed_and_unknown_xml(server, r53, zone_name):
    count = r53.get_hosted_zone_count()["HostedZoneCount"]
    bodies = {
        "truncated": create_zone_body(f"<Name>{zone_name}</Name><CallerReference>r1")[:-30],
        "not xml": b"this is not XML",
        "unclosed": f'<CreateHostedZoneRequest xmlns="{NS}"><Name>{zone_name}</Name>'.encode(),
    }
    for what, body in bodies.items():
        r = signed_request(server, "POST", "/2013-04-01/hostedzone", body,
                           {"Content-Type": "text/xml"})
        assert (r.status, r.error_code()) == (400, "InvalidInput"), (what, r.status, r.body)
    r = signed_request(server, "POST", "/2013-04-01/hostedzone", create_zone_body(
        f"<Name>{zone_name}</Name><CallerReference>{unique('ref')}</CallerReference>"
        "<Bogus>1</Bogus>"), {"Content-Type": "text/xml"})
    assert (r.status, r.error_code()) == (400, "InvalidInput"), r.body
    assert b"Bogus" in r.body
    # A well-formed body is accepted by the same raw path (the signing is right).
    r = signed_request(server, "POST", "/2013-04-01/hostedzone", create_zone_body(
        f"<Name>raw-{zone_name}</Name><CallerReference>{unique('ref')}</CallerReference>"),
        {"Content-Type": "text/xml"})
    assert r.status == 201, r.body
    zid = r.headers.get("location", "").rsplit("/", 1)[-1]
    assert r53.get_hosted_zone(Id=zid)["HostedZone"]["Name"] == f"raw-{zone_name}"
    r53.delete_hosted_zone(Id=zid)
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == count


def test_oversized_body_is_refused(server, r53):
    count = r53.get_hosted_zone_count()["HostedZoneCount"]
    body = create_zone_body(f"<Name>big-{uuid.uuid4().hex[:8]}.example.</Name>"
                            f"<CallerReference>{'x' * (1100 * 1024)}</CallerReference>")
    assert len(body) > 1 << 20
    r = signed_request(server, "POST", "/2013-04-01/hostedzone", body, {"Content-Type": "text/xml"})
    assert r.status in (400, 413), r.status
    assert r.error_code() == "InvalidInput"
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == count


# --- changes, health checks, geolocations -----------------------------------------------------


def test_no_such_change(r53):
    expect_error("NoSuchChange", 404, r53.get_change, Id="C999999999")
    expect_error("NoSuchChange", 404, r53.get_change, Id="nonsense")


def test_no_such_health_check(r53):
    missing = str(uuid.uuid4())
    expect_error("NoSuchHealthCheck", 404, r53.get_health_check, HealthCheckId=missing)
    expect_error("NoSuchHealthCheck", 404, r53.get_health_check_status, HealthCheckId=missing)
    expect_error("NoSuchHealthCheck", 404, r53.update_health_check, HealthCheckId=missing,
                 ResourcePath="/x")
    expect_error("NoSuchHealthCheck", 404, r53.delete_health_check, HealthCheckId=missing)


def test_no_such_geo_location(r53):
    expect_error("NoSuchGeoLocation", 404, r53.get_geo_location, CountryCode="ZZ")
    expect_error("NoSuchGeoLocation", 404, r53.get_geo_location, ContinentCode="XX")
    expect_error("NoSuchGeoLocation", 404, r53.get_geo_location, CountryCode="US",
                 SubdivisionCode="ZZ")


# --- what flowdns does not do: refused by name, never accepted and dropped --------------------

# The operations flowdns implements; every other operation of botocore's Route 53 model but the
# CIDR collections (being built) must be refused with NotImplemented naming it.
IMPLEMENTED = {
    "ChangeResourceRecordSets", "ChangeTagsForResource", "CreateHealthCheck", "CreateHostedZone",
    "CreateTrafficPolicy", "CreateTrafficPolicyInstance", "CreateTrafficPolicyVersion",
    "DeleteHealthCheck", "DeleteHostedZone", "DeleteTrafficPolicy", "DeleteTrafficPolicyInstance",
    "GetAccountLimit", "GetChange", "GetCheckerIpRanges", "GetGeoLocation", "GetHealthCheck",
    "GetHealthCheckCount", "GetHealthCheckLastFailureReason", "GetHealthCheckStatus",
    "GetHostedZone", "GetHostedZoneCount", "GetTrafficPolicy", "GetTrafficPolicyInstance",
    "GetTrafficPolicyInstanceCount", "ListGeoLocations", "ListHealthChecks", "ListHostedZones",
    "ListHostedZonesByName", "ListResourceRecordSets", "ListTagsForResource",
    "ListTagsForResources", "ListTrafficPolicies", "ListTrafficPolicyInstances",
    "ListTrafficPolicyInstancesByHostedZone", "ListTrafficPolicyInstancesByPolicy",
    "ListTrafficPolicyVersions", "TestDNSAnswer", "UpdateHealthCheck",
    "UpdateTrafficPolicyComment", "UpdateTrafficPolicyInstance",
}


def minimal(shape):
    """The smallest value botocore accepts for a shape: required members only, one list item,
    the first enum value, strings of the minimum length."""
    kind = shape.type_name
    if kind == "structure":
        return {name: minimal(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [minimal(shape.member)] * max(1, shape.metadata.get("min", 1))
    if kind == "string":
        return shape.enum[0] if shape.enum else "x" * max(1, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind == "boolean":
        return False
    raise AssertionError(f"no minimal value for a {kind} ({shape.name})")


def test_every_operation_flowdns_lacks_is_refused_by_name(r53):
    model = r53.meta.service_model
    assert IMPLEMENTED <= set(model.operation_names), IMPLEMENTED - set(model.operation_names)
    lacking = [op for op in model.operation_names if op not in IMPLEMENTED and "Cidr" not in op]
    for op in ("CreateReusableDelegationSet", "GetDNSSEC", "AssociateVPCWithHostedZone",
               "CreateQueryLoggingConfig", "GetHostedZoneLimit", "UpdateHostedZoneComment"):
        assert op in lacking
    for op in lacking:
        shape = model.operation_model(op).input_shape
        params = minimal(shape) if shape is not None else {}
        message = expect_error("NotImplemented", 501, getattr(r53, xform_name(op)), **params)
        assert message.startswith(f"{op} is not implemented by flowdns: "), (op, message)


def test_zone_settings_flowdns_cannot_honour_are_refused(r53, cleanup, zone_name, zone):
    count = r53.get_hosted_zone_count()["HostedZoneCount"]
    base = {"Name": f"settings-{zone_name}", "CallerReference": unique("ref")}
    for extra, field in [
        ({"HostedZoneConfig": {"HostedZoneTier": "ADVANCED"}}, "HostedZoneConfig/HostedZoneTier"),
        ({"HostedZoneConfig": {"PrivateZone": True}}, "HostedZoneConfig/PrivateZone"),
        ({"VPC": {"VPCRegion": "eu-west-1", "VPCId": "vpc-1"}}, "VPC"),
        ({"DelegationSetId": "N1PA6795SAMPLE"}, "DelegationSetId"),
        ({"EnablePublicDNSFallback": True}, "EnablePublicDNSFallback"),
        ({"ChangeGuardrails": [{"Name": "NS_OCCLUSION_CHECK", "Status": "ENABLED"}]},
         "ChangeGuardrails/ChangeGuardrail[1]/Status"),
    ]:
        message = expect_error("InvalidInput", 400, r53.create_hosted_zone, **base, **extra)
        assert message.startswith(field + ": "), (extra, message)
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == count
    # The values that say what flowdns does anyway are accepted; the tier is echoed.
    z = r53.create_hosted_zone(
        **base, HostedZoneConfig={"HostedZoneTier": "STANDARD", "PrivateZone": False},
        EnablePublicDNSFallback=False,
        ChangeGuardrails=[{"Name": "NS_OCCLUSION_CHECK", "Status": "DISABLED"}])["HostedZone"]
    cleanup.zones.append(z["Id"].removeprefix("/hostedzone/"))
    assert z["Config"]["HostedZoneTier"] == "STANDARD"
    assert r53.get_hosted_zone(Id=z["Id"])["HostedZone"]["Config"]["HostedZoneTier"] == "STANDARD"

    # A record set with Availability Zone affinity.
    message = expect_error("InvalidInput", 400, r53.change_resource_record_sets,
                           HostedZoneId=zone["id"], ChangeBatch={"Changes": [change("CREATE", rrset(
                               f"az.{zone['name']}", "A", ["192.0.2.1"], SetIdentifier="az",
                               AZAffinity={"LocationType": "Global", "LocationId": "global"}))]})
    assert "AZAffinity" in message, message
    assert f"az.{zone['name']}" not in [r["Name"] for r in record_sets(r53, zone["id"])]

    # ListHostedZones: a delegation set filter cannot be honoured; private zones there are none.
    expect_error("InvalidInput", 400, r53.list_hosted_zones, DelegationSetId="N1PA6795SAMPLE")
    assert r53.list_hosted_zones(HostedZoneType="PrivateHostedZone")["HostedZones"] == []
    assert r53.list_hosted_zones()["HostedZones"]
