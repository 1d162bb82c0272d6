"""Fixtures of the API end-to-end tests (helpers are in helpers.py).

One real `flowdns serve` runs for the whole session, on loopback ports chosen by the kernel,
with a fresh data directory and the MaxMind GeoIP test database. The tests drive it with the
real AWS CLI v1 (the `aws` of this Python environment), boto3, raw SigV4-signed HTTP requests
and `dig`. The server is stopped at the end of the session (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from helpers import (
    ACCESS_KEY_ID,
    BIN,
    GEOIP,
    REGION,
    SECRET_ACCESS_KEY,
    WAIT,
    AwsCliError,
    Cleanup,
    DigResult,
    Server,
    _ANSI,
    http_request,
    make_client,
    run_dig,
    unique,
)

_SERVER: Server | None = None


def _wait_for_addresses(proc: subprocess.Popen, log_path: Path) -> tuple[str, str]:
    """The DNS and API addresses from the server's log lines."""
    deadline = time.monotonic() + WAIT
    dns = api = None
    while time.monotonic() < deadline:
        text = _ANSI.sub("", log_path.read_text(errors="replace"))
        m = re.search(r"serving DNS over UDP and TCP addr=(\S+)", text)
        dns = m.group(1) if m else None
        m = re.search(r"serving the API over HTTP addr=(\S+)", text)
        api = m.group(1) if m else None
        if dns and api:
            return dns, api
        if proc.poll() is not None:
            raise RuntimeError(f"flowdns serve exited with {proc.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(
        f"flowdns serve did not log both addresses within {WAIT} s (dns={dns}, api={api}):\n"
        + log_path.read_text(errors="replace")
    )


def _ephemeral_ports() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _dns_port() -> int:
    """A port below the kernel's ephemeral range that is free for UDP and TCP.

    The server binds its UDP sockets with SO_REUSEPORT, and dig (BIND) binds its random source
    ports the same way; both run as the same user here, so a dig whose random source port
    happened to be the server's port would join the server's socket group and could receive
    its own query. Thousands of dig runs make that likely when the server's port is an
    ephemeral one, so the server gets a port dig never picks."""
    low, _ = _ephemeral_ports()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, max(20001, min(low, 32768)))
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                u.bind(("127.0.0.1", port))
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port for DNS below the ephemeral range")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """A `flowdns serve` for the whole session; stopped (SIGTERM, then SIGKILL) at the end."""
    global _SERVER
    if not BIN.is_file():
        pytest.fail(f"{BIN} does not exist: run scripts/api-tests, or cargo build -p flowdns")
    if not GEOIP.is_file():
        pytest.fail(f"{GEOIP} is missing")
    base = tmp_path_factory.mktemp("flowdns")
    data_dir = base / "data"
    data_dir.mkdir(mode=0o700)
    log_path = base / "flowdns.log"
    env = dict(os.environ)
    for name in ("FLOWDNS_CONFIG", "FLOWDNS_GEOIP", "FLOWDNS_DATA_DIR"):
        env.pop(name, None)
    env.update(
        FLOWDNS_LOG="info",
        FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID,
        FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
        NO_COLOR="1",
    )
    cmd = [
        str(BIN),
        "--data-dir",
        str(data_dir),
        "serve",
        "--dns-listen",
        f"127.0.0.1:{_dns_port()}",
        "--api-listen",
        "127.0.0.1:0",
        "--geoip",
        str(GEOIP),
        "--upstream",
        "127.0.0.1:9",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        dns, api = _wait_for_addresses(proc, log_path)
        api_host, api_port = api.rsplit(":", 1)
        srv = Server(proc, api_host, int(api_port), int(dns.rsplit(":", 1)[1]), data_dir, log_path)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if http_request(srv, "GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("GET /healthz did not answer 200 in time:\n" + srv.log_tail())
            time.sleep(0.05)
        _SERVER = srv
        yield srv
    finally:
        _SERVER = None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the end of the server's log to every failing test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SERVER is not None:
        report.sections.append(("flowdns log (last lines)", _SERVER.log_tail()))


def _aws_executable() -> str:
    here = Path(sys.executable).parent / "aws"
    if here.is_file():
        return str(here)
    found = shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI (PyPI awscli) is not installed in this Python environment")
    return found


@pytest.fixture(scope="session")
def aws(server) -> Callable[..., Any]:
    """`aws(*args)`: runs `aws --endpoint-url ... --output json route53 *args` and returns the
    parsed JSON output ({} when the command prints nothing); raises AwsCliError on failure."""
    exe = _aws_executable()

    def run(*args: str, service: str = "route53", env: dict | None = None) -> Any:
        cmd = [exe, "--endpoint-url", server.api_url, "--output", "json", "--region", REGION,
               service, *map(str, args)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                           env={**os.environ, **(env or {})})
        if p.returncode != 0:
            raise AwsCliError(list(map(str, args)), p.returncode, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    return run


@pytest.fixture(scope="session")
def r53(server):
    """A boto3 Route 53 client for the server."""
    return make_client(server)


@pytest.fixture(scope="session")
def r53_unchecked(server):
    """A boto3 client that sends values botocore's model would refuse (negative TTLs...)."""
    return make_client(server, validate=False)


@pytest.fixture
def zone_name(request) -> str:
    """A zone name no other test uses, e.g. `full-flow-1a2b3c4d5e.example.`."""
    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower().removeprefix("test_"))
    slug = slug.strip("-")[:30].strip("-") or "zone"
    return f"{slug}-{uuid.uuid4().hex[:10]}.example."


@pytest.fixture
def cleanup(r53):
    c = Cleanup(r53)
    yield c
    c.run()


@pytest.fixture
def zone(r53, cleanup, zone_name) -> dict:
    """A new hosted zone (created with boto3): {'id': bare id, 'name': 'x.example.'}."""
    z = r53.create_hosted_zone(Name=zone_name, CallerReference=unique("ref"))["HostedZone"]
    zid = z["Id"].removeprefix("/hostedzone/")
    cleanup.zones.append(zid)
    return {"id": zid, "name": z["Name"]}


@pytest.fixture(scope="session")
def dig(server) -> Callable[..., DigResult]:
    """`dig(name, rtype='A', subnet=None, tcp=False)`: asks the server with the real dig."""

    def run(name: str, rtype: str = "A", subnet: str | None = None, tcp: bool = False) -> DigResult:
        return run_dig(server, name, rtype, subnet, tcp)[0]

    return run
