"""Authentication: AWS Signature Version 4 on every API request, the bearer token on the JSON
API, and the AWS error codes (all HTTP 403) for each way a request can fail to authenticate."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request

from helpers import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    aws_error,
    bearer_token,
    expect_error,
    http_request,
    json_api,
    make_client,
    sign,
    signed_request,
)

WRONG_SECRET = "WrongSecretWrongSecretWrongSecretWrongSe"


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def test_signed_requests_work(r53, server):
    assert isinstance(r53.get_hosted_zone_count()["HostedZoneCount"], int)
    r = signed_request(server, "GET", "/2013-04-01/hostedzonecount")
    assert r.status == 200 and b"<HostedZoneCount>" in r.body
    # Ten minutes of clock skew are tolerated (AWS allows fifteen).
    r = signed_request(server, "GET", "/2013-04-01/hostedzonecount",
                       at=utcnow() - datetime.timedelta(minutes=10))
    assert r.status == 200, r.body


def test_wrong_secret_is_signature_does_not_match(server, aws):
    client = make_client(server, secret=WRONG_SECRET)
    expect_error("SignatureDoesNotMatch", 403, client.list_hosted_zones)
    expect_error("SignatureDoesNotMatch", 403, client.create_hosted_zone,
                 Name="never.example.", CallerReference="never")
    err = aws_error(aws, "list-hosted-zones", env={"AWS_SECRET_ACCESS_KEY": WRONG_SECRET})
    assert err.code == "SignatureDoesNotMatch" and err.rc != 0
    assert "never.example." not in [z["Name"] for z in aws("list-hosted-zones")["HostedZones"]]


def test_tampered_body_is_signature_does_not_match(server):
    body = b'<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">' \
           b"<Name>tamper.example.</Name><CallerReference>t1</CallerReference>" \
           b"</CreateHostedZoneRequest>"
    headers = sign(server, "POST", "/2013-04-01/hostedzone", body)
    r = http_request(server, "POST", "/2013-04-01/hostedzone", body.replace(b"t1", b"t2"), headers)
    assert (r.status, r.error_code()) == (403, "SignatureDoesNotMatch"), r.body


def test_unknown_access_key_is_invalid_client_token_id(server, aws):
    client = make_client(server, key_id="AKIDUNKNOWNKEY000000")
    message = expect_error("InvalidClientTokenId", 403, client.list_traffic_policies)
    assert "AKIDUNKNOWNKEY000000" in message
    err = aws_error(aws, "get-hosted-zone-count",
                    env={"AWS_ACCESS_KEY_ID": "AKIDUNKNOWNKEY000000"})
    assert err.code == "InvalidClientTokenId"


def test_no_authorization_is_missing_authentication_token(server):
    req = urllib.request.Request(f"{server.api_url}/2013-04-01/hostedzone", method="GET")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(req, timeout=10)
        raise AssertionError("an unsigned request was answered")
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    assert status == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in body, body
    # Not even with a bearer token: that is for the JSON API only.
    r = http_request(server, "GET", "/2013-04-01/hostedzone",
                     headers={"Authorization": f"Bearer {bearer_token()}"})
    assert (r.status, r.error_code()) == (403, "MissingAuthenticationToken"), r.body


def test_request_time_too_skewed(server):
    for minutes in (-20, 20):
        r = signed_request(server, "GET", "/2013-04-01/hostedzonecount",
                           at=utcnow() + datetime.timedelta(minutes=minutes))
        assert (r.status, r.error_code()) == (403, "RequestTimeTooSkewed"), (minutes, r.body)


def test_json_api_bearer_token(server):
    r = json_api(server, "GET", "zones")
    assert r.status == 200, r.body
    assert isinstance(r.json()["zones"], list)
    # The same call signed with SigV4.
    r = json_api(server, "GET", "zones", sigv4=True)
    assert r.status == 200, r.body
    bad_mac = bearer_token(secret=WRONG_SECRET)
    unknown_key = bearer_token(key_id="AKIDUNKNOWNKEY000000")
    for token in (bad_mac, unknown_key, f"{ACCESS_KEY_ID}.not-hex", "garbage"):
        r = json_api(server, "GET", "zones", token=token)
        assert r.status == 403, (token, r.body)
        assert r.json()["error"]["code"] == "InvalidClientTokenId"
    r = http_request(server, "GET", "/api/v1/zones")
    assert (r.status, r.error_code()) == (403, "MissingAuthenticationToken"), r.body
    assert bearer_token() != bearer_token(secret=SECRET_ACCESS_KEY + "x")


def test_healthz_needs_no_authentication(server):
    r = http_request(server, "GET", "/healthz")
    assert r.status == 200 and r.body.strip() == b"ok"


def test_readyz_needs_no_authentication_and_reports_the_serials(server):
    r = http_request(server, "GET", "/readyz")
    assert r.status == 200, r.body
    body = r.json()
    assert body["ready"] is True
    # A write by an earlier test may still be on its way into the snapshot (milliseconds).
    assert 0 <= body["snapshot_serial"] <= body["store_serial"], body


def test_refusals_are_logged_briefly_and_rate_limited(server):
    """A flood of refused requests cannot fill the log: each logged refusal is one short line
    (code and path, never the canonical request), at most 20 per 10 s, and the next line says
    how many were left out."""
    marker = "x" * 2000
    path = f"/2013-04-01/hostedzone?marker={marker}"
    before = server.log_path.stat().st_size
    for _ in range(150):
        r = signed_request(server, "GET", path, secret="not-the-secret-not-the-secret-not-the-se")
        assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch", r.body
    with open(server.log_path, "rb") as f:
        f.seek(before)
        new = f.read().decode(errors="replace")
    lines = [line for line in new.splitlines() if "request refused" in line]
    assert 1 <= len(lines) <= 20, f"{len(lines)} refusal lines for 150 refusals"
    assert all(len(line) < 400 for line in lines), max(lines, key=len)
    assert marker[:200] not in new, "the client's long query string reached the log"
    assert "SignatureDoesNotMatch" in lines[0]


def test_metrics_can_require_a_bearer_token(tmp_path_factory):
    """With `[api] metrics_auth = true`, /metrics answers 401 without a valid bearer token of
    an access key, and the metrics with one; /healthz stays open."""
    from conftest import _dns_port
    from test_cluster import _start, _stop
    base = tmp_path_factory.mktemp("metrics-auth")
    node = _start("metrics", "local", f"sqlite:{base}/metrics/flowdns.db", base, _dns_port(),
                  "127.0.0.1:0", config="[api]\nmetrics_auth = true\n")
    try:
        srv = node.server
        r = http_request(srv, "GET", "/metrics")
        assert r.status == 401 and r.headers.get("www-authenticate") == "Bearer", r.body
        assert b"flowdns_" not in r.body
        r = http_request(srv, "GET", "/metrics", headers={"Authorization": "Bearer AKID.00ff"})
        assert r.status == 401, r.body
        r = http_request(srv, "GET", "/metrics",
                         headers={"Authorization": f"Bearer {bearer_token()}"})
        assert r.status == 200 and b"flowdns_dns_queries_total" in r.body, r.body
        assert http_request(srv, "GET", "/healthz").status == 200
    finally:
        _stop(node)
