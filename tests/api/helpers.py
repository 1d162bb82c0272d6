"""Helpers of the API end-to-end tests: constants, waiting, boto3 error checks, cleanup, raw
HTTP with SigV4 or the bearer token. The fixtures are in conftest.py.

Importing this module sets the client environment: only the test credentials, never the host's
AWS configuration, and no proxy, so that nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
POLICIES = HERE / "policies"
BIN = Path(os.environ.get("FLOWDNS_BIN") or ROOT / "target" / "debug" / "flowdns").resolve()
GEOIP = ROOT / "crates" / "geo" / "tests" / "data" / "GeoIP2-City-Test.mmdb"

ACCESS_KEY_ID = "AKIDFLOWDNSTEST00001"
SECRET_ACCESS_KEY = "FlowdnsTestSecret0123456789abcdefghijklm"  # 40 characters, like AWS's
REGION = "us-east-1"

# Clients seen from the GeoIP test database.
LONDON = "81.2.69.142"  # GB, EU
SEATTLE = "216.160.83.56"  # Milton, Washington, US, NA
LINKOPING = "89.160.20.112"  # SE, EU
GERMANY6 = "2a02:ff80::1"  # DE, EU (2a02:ff80::/29)
FRANCE6 = "2a02:cfc0::1"  # FR, EU (2a02:cfc0::/29)

# A document with three errors: an unknown field (so a missing Value), a value of the wrong
# type for the RecordType, and a reference to an endpoint that does not exist.
BROKEN_DOCUMENT = """{
  "AWSPolicyFormatVersion": "2015-10-01",
  "RecordType": "AAAA",
  "StartRule": "site_switch",
  "Endpoints": {
    "a": {"Type": "value", "Valeu": "2001:db8::1"},
    "b": {"Type": "value", "Value": "192.0.2.1"}
  },
  "Rules": {
    "site_switch": {
      "RuleType": "failover",
      "Primary": {"EndpointReference": "missing"},
      "Secondary": {"EndpointReference": "b"}
    }
  }
}"""

WAIT = 10.0  # the longest any wait loop waits, in seconds

# The client side: only these credentials, never the host's configuration, no proxy.
_CLIENT_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_RETRY_MODE": "standard",
    "AWS_PAGER": "",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
for _name in list(os.environ):
    if _name.upper() in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ROUTE_53",
        "AWS_CA_BUNDLE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        del os.environ[_name]
os.environ.update(_CLIENT_ENV)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen
    api_host: str
    api_port: int
    dns_port: int
    data_dir: Path
    log_path: Path

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(_ANSI.sub("", text).splitlines()[-lines:])










# ---------------------------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------------------------


def poll(fn: Callable[[], Any], until: Callable[[Any], bool], what: str, timeout: float = WAIT,
         interval: float = 0.05) -> Any:
    """Calls `fn` until `until(result)` holds; fails after `timeout` seconds with the last result."""
    deadline = time.monotonic() + min(timeout, WAIT)
    while True:
        value = fn()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {value!r}")
        time.sleep(interval)


def poll_within(fn: Callable[[], Any], until: Callable[[Any], bool], what: str, seconds: float,
                interval: float = 0.1) -> tuple[Any, float]:
    """Like `poll`, for waits whose bound is computed from the objects being waited on (a health
    check's RequestInterval x FailureThreshold plus a margin) and may exceed WAIT. Returns the
    value and the seconds it took."""
    start = time.monotonic()
    while True:
        value = fn()
        elapsed = time.monotonic() - start
        if until(value):
            return value, elapsed
        if elapsed > seconds:
            raise AssertionError(f"timed out after {seconds:.1f} s waiting for {what}; "
                                 f"last: {value!r}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# AWS CLI
# ---------------------------------------------------------------------------------------------


class AwsCliError(Exception):
    def __init__(self, args, rc, stdout, stderr):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        m = re.search(r"An error occurred \((\w+)\)", stderr)
        self.code = m.group(1) if m else None
        super().__init__(f"aws {' '.join(args)} exited with {rc}: {stderr.strip()}")






def aws_error(aws, *args: str, env: dict | None = None) -> AwsCliError:
    """Runs a CLI command that must fail, and returns the error."""
    with pytest.raises(AwsCliError) as e:
        aws(*args, env=env)
    return e.value


# ---------------------------------------------------------------------------------------------
# boto3
# ---------------------------------------------------------------------------------------------


def make_client(server: Server, key_id: str = ACCESS_KEY_ID, secret: str = SECRET_ACCESS_KEY,
                validate: bool = True):
    return boto3.session.Session().client(
        "route53",
        endpoint_url=server.api_url,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=30,
        ),
    )






def expect_error(code: str, status: int, fn: Callable, *args, **kwargs) -> str:
    """Calls a boto3 operation that must fail with `code` and HTTP `status`; returns the message."""
    with pytest.raises(ClientError) as e:
        fn(*args, **kwargs)
    r = e.value.response
    got = (r["Error"].get("Code"), r["ResponseMetadata"]["HTTPStatusCode"])
    assert got == (code, status), f"expected {code} {status}, got {got}: {r['Error']}"
    return r["Error"].get("Message", "")


def wait_applied(r53, instance_id: str) -> dict:
    """Polls GetTrafficPolicyInstance until the instance is Applied (fails on Failed)."""
    inst = poll(
        lambda: r53.get_traffic_policy_instance(Id=instance_id)["TrafficPolicyInstance"],
        lambda i: i["State"] in ("Applied", "Failed"),
        f"traffic policy instance {instance_id} to be Applied",
    )
    assert inst["State"] == "Applied", f"instance {instance_id} failed: {inst.get('Message')}"
    return inst


def wait_insync(r53, change_id: str) -> dict:
    return poll(
        lambda: r53.get_change(Id=change_id)["ChangeInfo"],
        lambda c: c["Status"] == "INSYNC",
        f"change {change_id} to be INSYNC",
    )


def all_policies(r53) -> list[dict]:
    """Every traffic policy summary, following TrafficPolicyIdMarker."""
    out, kwargs = [], {}
    for _ in range(100):
        page = r53.list_traffic_policies(**kwargs)
        out += page["TrafficPolicySummaries"]
        if not page["IsTruncated"]:
            return out
        kwargs = {"TrafficPolicyIdMarker": page["TrafficPolicyIdMarker"]}
    raise AssertionError("ListTrafficPolicies did not stop paging")


def record_sets(r53, zone_id: str) -> list[dict]:
    return r53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zone_id
    ).build_full_result()["ResourceRecordSets"]


def policy_text(name: str) -> str:
    return (POLICIES / name).read_text()


def rrset(name: str, rtype: str, values: list[str], ttl: int = 300, **extra) -> dict:
    return {"Name": name, "Type": rtype, "TTL": ttl,
            "ResourceRecords": [{"Value": v} for v in values], **extra}


def change(action: str, rs: dict) -> dict:
    return {"Action": action, "ResourceRecordSet": rs}


# ---------------------------------------------------------------------------------------------
# Unique names and cleanup
# ---------------------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"




@dataclass
class Cleanup:
    """What a test created; removed at teardown in dependency order, ignoring errors."""

    r53: Any
    zones: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    health_checks: list[str] = field(default_factory=list)
    cidr_collections: list[str] = field(default_factory=list)

    def run(self) -> None:
        for zid in self.zones:
            try:
                purge_zone(self.r53, zid)
            except ClientError:
                pass
        for pid in self.policies:
            try:
                versions = self.r53.list_traffic_policy_versions(Id=pid)["TrafficPolicies"]
            except ClientError:
                continue
            for v in versions:
                try:
                    self.r53.delete_traffic_policy(Id=pid, Version=v["Version"])
                except ClientError:
                    pass
        for hid in reversed(self.health_checks):
            try:
                self.r53.delete_health_check(HealthCheckId=hid)
            except ClientError:
                pass
        for cid in self.cidr_collections:
            try:
                purge_cidr_collection(self.r53, cid)
            except ClientError:
                pass


def purge_zone(r53, zone_id: str) -> None:
    """Deletes the zone's policy instances, its record sets other than the apex SOA and NS,
    and the zone."""
    zone_id = zone_id.removeprefix("/hostedzone/")
    zone = r53.get_hosted_zone(Id=zone_id)["HostedZone"]
    for inst in r53.list_traffic_policy_instances_by_hosted_zone(HostedZoneId=zone_id)[
        "TrafficPolicyInstances"
    ]:
        r53.delete_traffic_policy_instance(Id=inst["Id"])
    changes = [
        change("DELETE", rs)
        for rs in record_sets(r53, zone_id)
        if "TrafficPolicyInstanceId" not in rs
        and not (rs["Name"] == zone["Name"] and rs["Type"] in ("SOA", "NS"))
    ]
    if changes:
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    r53.delete_hosted_zone(Id=zone_id)


def cidr_blocks(r53, collection_id: str, **kwargs) -> list[tuple[str, str]]:
    """Every (location, block) of a CIDR collection, following NextToken."""
    pages = r53.get_paginator("list_cidr_blocks").paginate(CollectionId=collection_id, **kwargs)
    return [(b["LocationName"], b["CidrBlock"]) for p in pages for b in p["CidrBlocks"]]


def purge_cidr_collection(r53, collection_id: str) -> None:
    """Removes every block of a CIDR collection, then the collection."""
    by_location: dict[str, list[str]] = {}
    for location, block in cidr_blocks(r53, collection_id):
        by_location.setdefault(location, []).append(block)
    if by_location:
        r53.change_cidr_collection(Id=collection_id, Changes=[
            {"LocationName": loc, "Action": "DELETE_IF_EXISTS", "CidrList": blocks}
            for loc, blocks in by_location.items()])
    r53.delete_cidr_collection(Id=collection_id)






# ---------------------------------------------------------------------------------------------
# DNS
# ---------------------------------------------------------------------------------------------


@dataclass
class DigResult:
    status: str
    records: list[tuple[str, int, str, str]]  # (name, ttl, type, rdata)
    text: str

    def values(self, rtype: str | None = None) -> list[str]:
        return [r[3] for r in self.records if rtype is None or r[2] == rtype]


def run_dig(server: Server, name: str, rtype: str = "A", subnet: str | None = None,
            tcp: bool = False, count: int = 1) -> list[DigResult]:
    """Asks the server the same question `count` times in one run of the real dig (dig takes
    several queries on one command line; the options before the first apply to all), and
    returns one DigResult per query, in order."""
    exe = shutil.which("dig")
    if not exe:
        pytest.fail("dig is not installed (Debian: apt-get install bind9-dnsutils)")
    cmd = [exe, "@127.0.0.1", "-p", str(server.dns_port), "+time=2", "+tries=1",
           "+noall", "+comments", "+answer", "+norecurse"]
    if subnet:
        cmd.append(f"+subnet={subnet}")
    if tcp:
        cmd.append("+tcp")
    for _ in range(count):
        cmd += [name, rtype]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=15 + 3 * count)
    results: list[DigResult] = []
    for block in re.split(r"^(?=;; Got answer:|;; ->>HEADER<<-)", p.stdout, flags=re.M):
        m = re.search(r"status: (\w+)", block)
        if not m:
            continue
        records = []
        for line in block.splitlines():
            if not line.strip() or line.startswith(";"):
                continue
            parts = line.split(None, 4)
            if len(parts) == 5 and parts[2] == "IN":
                records.append((parts[0], int(parts[1]), parts[3], parts[4].strip()))
        query = f";; dig {name} {rtype}" + (f" +subnet={subnet}" if subnet else "")
        flags = re.search(r"flags:([^;]*);", block)
        if flags and "qr" not in flags.group(1).split():
            # Not a response (QR clear): keep everything dig said, for the report.
            block += f"\n;; (QR not set; dig's stderr: {p.stderr.strip()!r})"
        results.append(DigResult(m.group(1), records, f"{query}\n{block}"))
    assert len(results) == count, (
        f"dig got {len(results)} answers to {count} queries ({' '.join(cmd[:12])} ...):\n"
        f"{p.stdout}{p.stderr}")
    return results


def answer_values(results: list[DigResult], rtype: str = "A") -> set[str]:
    """Every `rtype` value of a run of answers, after checking that each answer is NOERROR
    with exactly one such value (as a weighted or failover choice gives)."""
    for r in results:
        assert (r.status, len(r.values(rtype))) == ("NOERROR", 1), r.text
    return {r.values(rtype)[0] for r in results}




# ---------------------------------------------------------------------------------------------
# Raw HTTP, SigV4 and the bearer token
# ---------------------------------------------------------------------------------------------


@dataclass
class HttpResponse:
    status: int
    headers: dict  # names in lower case
    body: bytes

    def error_code(self) -> str | None:
        """The `Code` of a Route 53 XML error document or of a JSON API error."""
        text = self.body.decode(errors="replace").strip()
        if text.startswith("{"):
            return json.loads(text).get("error", {}).get("code")
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            return None
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == "Code":
                return el.text
        return None

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(server: Server, method: str, path: str, body: bytes = b"",
                 headers: dict | None = None) -> HttpResponse:
    """One HTTP/1.1 request to the API over loopback."""
    conn = http.client.HTTPConnection(server.api_host, server.api_port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return HttpResponse(resp.status, headers, resp.read())
    finally:
        conn.close()


def sign(server: Server, method: str, path: str, body: bytes = b"", headers: dict | None = None,
         key_id: str = ACCESS_KEY_ID, secret: str = SECRET_ACCESS_KEY, at=None) -> dict:
    """The headers of a request signed with botocore's SigV4Auth (service route53); `at` is a
    naive UTC datetime to sign at instead of now."""
    req = AWSRequest(method=method, url=server.api_url + path, data=body, headers=dict(headers or {}))
    signer = botocore.auth.SigV4Auth(Credentials(key_id, secret), "route53", REGION)
    if at is None:
        signer.add_auth(req)
    else:
        assert hasattr(botocore.auth, "get_current_datetime"), "botocore changed how it reads the clock"
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: at):
            signer.add_auth(req)
    return dict(req.prepare().headers)


def signed_request(server: Server, method: str, path: str, body: bytes = b"",
                   headers: dict | None = None, **kw) -> HttpResponse:
    return http_request(server, method, path, body, sign(server, method, path, body, headers, **kw))


def bearer_token(key_id: str = ACCESS_KEY_ID, secret: str = SECRET_ACCESS_KEY) -> str:
    """`<key id>.<hex HMAC-SHA256(secret, "flowdns-bearer-v1:" + key id)>` (crates/api/src/keys.rs)."""
    mac = hmac.new(secret.encode(), f"flowdns-bearer-v1:{key_id}".encode(), hashlib.sha256)
    return f"{key_id}.{mac.hexdigest()}"


def json_api(server: Server, method: str, path: str, body: Any = None, token: str | None = None,
             sigv4: bool = False) -> HttpResponse:
    """A JSON API call (`path` under /api/v1/), with the bearer token or signed with SigV4."""
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    full = "/api/v1/" + path.lstrip("/")
    if sigv4:
        return signed_request(server, method, full, data, headers)
    headers["Authorization"] = f"Bearer {token or bearer_token()}"
    return http_request(server, method, full, data, headers)


def urlpath(url: str) -> str:
    s = urlsplit(url)
    return s.path + (f"?{s.query}" if s.query else "")


class SoftChecks:
    """Checks that record a mismatch and let the test go on, so that one compatibility detail
    does not hide the rest of a long flow; `done()` fails with every mismatch recorded."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def equal(self, actual: Any, expected: Any, what: str) -> None:
        if actual != expected:
            self.failures.append(f"{what}: expected {expected!r}, got {actual!r}")

    def done(self) -> None:
        assert not self.failures, "mismatches:\n" + "\n".join(self.failures)


# ---------------------------------------------------------------------------------------------
# Health checks: endpoints to check, and overrides
# ---------------------------------------------------------------------------------------------


class _HealthHandler(BaseHTTPRequestHandler):
    """200 to every GET and HEAD; remembers each request's Host header and path."""

    def _answer(self, body: bool) -> None:
        owner: HealthEndpoints = self.server.owner  # type: ignore[attr-defined]
        with owner.lock:
            owner.requests.append((self.server.server_address[0], self.headers.get("Host"),
                                   self.path))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        if body:
            self.wfile.write(b"ok\n")

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(False)

    def log_message(self, *args) -> None:
        pass


class HealthEndpoints:
    """HTTP servers for health checks to probe: one per loopback address (127.0.0.2, 127.0.0.3...),
    all on one port, each answering 200 in its own thread until stopped. A stopped address
    refuses connections, so an HTTP health check of it fails."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = list(addresses)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str | None, str]] = []  # (address, Host, path)
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for _ in range(20):
            probe = ThreadingHTTPServer((self.addresses[0], 0), _HealthHandler)
            self.port = probe.server_address[1]
            probe.server_close()
            try:
                for addr in self.addresses:
                    self.start(addr)
                return
            except OSError:
                self.close()
        raise RuntimeError(f"no port free on all of {self.addresses}")

    def start(self, addr: str) -> None:
        if addr in self._servers:
            return
        srv = ThreadingHTTPServer((addr, self.port), _HealthHandler)
        srv.daemon_threads = True
        srv.owner = self  # type: ignore[attr-defined]
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        self._servers[addr] = srv

    def stop(self, addr: str) -> None:
        srv = self._servers.pop(addr, None)
        if srv is not None:
            srv.shutdown()
            srv.server_close()

    def start_all(self) -> None:
        for addr in self.addresses:
            self.start(addr)

    def close(self) -> None:
        for addr in list(self._servers):
            self.stop(addr)

    def seen(self, addr: str) -> list[tuple[str | None, str]]:
        """(Host, path) of every request the server at `addr` has had."""
        with self.lock:
            return [(host, path) for a, host, path in self.requests if a == addr]


def override_health(
    server: Server, health_check_id: str, healthy: bool | None, missing_ok: bool = False
) -> None:
    """Forces a health check's status through the JSON API (`None` clears the override; with
    `missing_ok`, clearing a check that has none is not an error)."""
    path = f"health-checks/{health_check_id}/override"
    if healthy is None:
        r = json_api(server, "DELETE", path)
        if missing_ok and r.status == 400 and b"has no override" in r.body:
            return
    else:
        r = json_api(server, "PUT", path, {"healthy": healthy, "reason": "end-to-end test"})
    assert r.status == 200, (path, r.status, r.body)
