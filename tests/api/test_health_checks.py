"""Health checks through the Route 53 API: create (HTTP and CALCULATED), get, list, update with
HealthCheckVersion, status, count, delete. The checked address is a closed loopback port."""

from __future__ import annotations

import json

from helpers import expect_error, unique

HTTP_CONFIG = {
    "IPAddress": "127.0.0.1",
    "Port": 9,
    "Type": "HTTP",
    "ResourcePath": "/health",
    "RequestInterval": 30,
    "FailureThreshold": 3,
}


def all_health_checks(r53) -> list[dict]:
    return r53.get_paginator("list_health_checks").paginate().build_full_result()["HealthChecks"]


def test_health_check_lifecycle(r53, aws, cleanup):
    count0 = aws("get-health-check-count")["HealthCheckCount"]

    created = r53.create_health_check(CallerReference=unique("hc"), HealthCheckConfig=HTTP_CONFIG)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    http = created["HealthCheck"]
    hid = http["Id"]
    cleanup.health_checks.append(hid)
    assert created["Location"].endswith(f"/2013-04-01/healthcheck/{hid}")
    assert http["HealthCheckVersion"] == 1
    config = http["HealthCheckConfig"]
    assert {k: config[k] for k in HTTP_CONFIG} == HTTP_CONFIG
    assert (config["Inverted"], config["Disabled"], config["MeasureLatency"]) == (False, False, False)

    calc_config = {"Type": "CALCULATED", "ChildHealthChecks": [hid], "HealthThreshold": 1}
    calc = aws("create-health-check", "--caller-reference", unique("calc"),
               "--health-check-config", json.dumps(calc_config))["HealthCheck"]
    cid = calc["Id"]
    cleanup.health_checks.append(cid)
    assert {k: calc["HealthCheckConfig"][k] for k in calc_config} == calc_config
    assert "IPAddress" not in calc["HealthCheckConfig"]

    assert r53.get_health_check(HealthCheckId=hid)["HealthCheck"] == http
    assert aws("get-health-check", "--health-check-id", cid)["HealthCheck"] == calc
    listed = {h["Id"]: h for h in all_health_checks(r53)}
    assert listed[hid] == http and listed[cid] == calc
    assert aws("get-health-check-count")["HealthCheckCount"] == count0 + 2
    assert r53.get_health_check_count()["HealthCheckCount"] == count0 + 2

    # Update with the current version: the version goes up.
    up = r53.update_health_check(HealthCheckId=hid, HealthCheckVersion=1,
                                 ResourcePath="/ready", FailureThreshold=5)["HealthCheck"]
    assert up["HealthCheckVersion"] == 2
    assert (up["HealthCheckConfig"]["ResourcePath"], up["HealthCheckConfig"]["FailureThreshold"]) \
        == ("/ready", 5)
    assert (up["HealthCheckConfig"]["IPAddress"], up["HealthCheckConfig"]["Port"]) == (
        "127.0.0.1", 9)
    # A stale version is refused and changes nothing.
    expect_error("HealthCheckVersionMismatch", 409, r53.update_health_check, HealthCheckId=hid,
                 HealthCheckVersion=1, ResourcePath="/stale")
    now = r53.get_health_check(HealthCheckId=hid)["HealthCheck"]
    assert (now["HealthCheckVersion"], now["HealthCheckConfig"]["ResourcePath"]) == (2, "/ready")
    # Without a version; and ResetElements.
    up = aws("update-health-check", "--health-check-id", hid, "--reset-elements",
             "ResourcePath")["HealthCheck"]
    assert up["HealthCheckVersion"] == 3
    assert "ResourcePath" not in up["HealthCheckConfig"]
    calc_up = r53.update_health_check(HealthCheckId=cid, HealthThreshold=0)["HealthCheck"]
    assert calc_up["HealthCheckConfig"]["HealthThreshold"] == 0

    # Status: one observation per checker, each with a status report.
    status = aws("get-health-check-status", "--health-check-id", hid)
    observations = status["HealthCheckObservations"]
    assert observations
    for o in observations:
        assert isinstance(o["StatusReport"]["Status"], str) and o["StatusReport"]["Status"]
    reason = r53.get_health_check_last_failure_reason(HealthCheckId=hid)
    assert isinstance(reason["HealthCheckObservations"], list)

    # Invalid configurations.
    expect_error("InvalidInput", 400, r53.create_health_check, CallerReference=unique("bad"),
                 HealthCheckConfig={"Type": "HTTP", "Port": 80})
    expect_error("InvalidInput", 400, r53.create_health_check, CallerReference=unique("bad"),
                 HealthCheckConfig={"Type": "CALCULATED", "ChildHealthChecks": [hid],
                                    "HealthThreshold": 2})
    assert r53.get_health_check_count()["HealthCheckCount"] == count0 + 2

    # Delete: the parent, then the child.
    assert aws("delete-health-check", "--health-check-id", cid) == {}
    r53.delete_health_check(HealthCheckId=hid)
    expect_error("NoSuchHealthCheck", 404, r53.get_health_check, HealthCheckId=hid)
    expect_error("NoSuchHealthCheck", 404, r53.get_health_check, HealthCheckId=cid)
    ids = {h["Id"] for h in all_health_checks(r53)}
    assert hid not in ids and cid not in ids
    assert r53.get_health_check_count()["HealthCheckCount"] == count0


def test_health_check_caller_reference(r53, cleanup):
    """Route 53: the same CallerReference with the same settings returns the existing check;
    with other settings it is HealthCheckAlreadyExists (409)."""
    ref = unique("idem")
    first = r53.create_health_check(CallerReference=ref, HealthCheckConfig=HTTP_CONFIG)
    cleanup.health_checks.append(first["HealthCheck"]["Id"])
    count = r53.get_health_check_count()["HealthCheckCount"]
    expect_error("HealthCheckAlreadyExists", 409, r53.create_health_check, CallerReference=ref,
                 HealthCheckConfig={**HTTP_CONFIG, "ResourcePath": "/other"})
    again = r53.create_health_check(CallerReference=ref, HealthCheckConfig=HTTP_CONFIG)
    assert again["HealthCheck"]["Id"] == first["HealthCheck"]["Id"]
    assert r53.get_health_check_count()["HealthCheckCount"] == count


def test_members_flowdns_cannot_honour_are_refused(r53, cleanup):
    """Every member is acted on, kept and echoed, or refused naming it: nothing is dropped."""
    count = r53.get_health_check_count()["HealthCheckCount"]
    for extra, field in [
        # No checker node of the session's server is in these regions (it is in "local").
        ({"Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"]}, "Regions"),
        ({"InsufficientDataHealthStatus": "Healthy"}, "InsufficientDataHealthStatus"),
        ({"EndpointType": "PRIVATE"}, "EndpointType"),
        ({"HealthCheckSourceId": "hcs-1"}, "HealthCheckSourceId"),
        ({"AlarmIdentifier": {"Region": "us-east-1", "Name": "alarm"}}, "AlarmIdentifier"),
    ]:
        message = expect_error("InvalidInput", 400, r53.create_health_check,
                               CallerReference=unique("refused"),
                               HealthCheckConfig={**HTTP_CONFIG, **extra})
        assert message.startswith(field + ": "), (extra, message)
    assert r53.get_health_check_count()["HealthCheckCount"] == count

    # What boto3 users and octoDNS send with harmless values is kept and echoed.
    given = {**HTTP_CONFIG, "MeasureLatency": True, "EnableSNI": False, "EndpointType": "PUBLIC"}
    hc = r53.create_health_check(CallerReference=unique("kept"),
                                 HealthCheckConfig=given)["HealthCheck"]
    hid = hc["Id"]
    cleanup.health_checks.append(hid)
    got = r53.get_health_check(HealthCheckId=hid)["HealthCheck"]["HealthCheckConfig"]
    assert {k: got[k] for k in given} == given

    # An update cannot bring them in either, and a refused update changes nothing.
    for extra, field in [
        # No checker node of the session's server is in these regions (it is in "local").
        ({"Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"]}, "Regions"),
        ({"InsufficientDataHealthStatus": "Unhealthy"}, "InsufficientDataHealthStatus"),
        ({"AlarmIdentifier": {"Region": "us-east-1", "Name": "alarm"}}, "AlarmIdentifier"),
        ({"HealthCheckSourceId": "hcs-1"}, "HealthCheckSourceId"),
    ]:
        message = expect_error("InvalidInput", 400, r53.update_health_check, HealthCheckId=hid,
                               ResourcePath="/changed", **extra)
        assert message.startswith(field + ": "), (extra, message)
    now = r53.get_health_check(HealthCheckId=hid)["HealthCheck"]
    assert (now["HealthCheckVersion"], now["HealthCheckConfig"]) == (1, got)
