"""schemathesis against the live server, from the JSON API's OpenAPI description
(GET /api/v1/openapi.json): every check, including not_a_server_error (no 5xx),
response_schema_conformance (answers match the description), negative_data_rejection (what the
description forbids is refused), unsupported_method (405) and ignored_auth.

Two bounded runs (FLOWDNS_SCHEMATHESIS_EXAMPLES examples per operation, 8 by default; the seed
is FLOWDNS_SCHEMATHESIS_SEED, fixed by default so that CI is repeatable):

- generated ids: every operation, path parameters generated, plus schemathesis's stateful
  phase, which chains creations into the reads, updates and deletes of what they made;
- existing objects: a zone with routed record sets, a policy with two versions and a policy
  record, a health check and a CIDR collection with blocks made first, and their ids given to
  the operations on them (every operation but the deletes), so that generated bodies reach the
  service's rules instead of stopping at NoSuchHostedZone.

The description cannot say what the service's rules are (a policy document must compile, a
name must be in the zone, a caller reference must be unused), so positive_data_acceptance
takes 400, 404 and 409 as well as a success for data the schemas allow: the check still fails
on a 5xx, a crash, or an answer that does not match the description.

By hand, against any running server (see docs/json-api.md, "Conformance"):

    st run http://127.0.0.1:8053/api/v1/openapi.json --checks all \\
        -H "Authorization: Bearer $TOKEN" --max-examples 100
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import _dns_port, _wait_for_addresses
from helpers import (
    ACCESS_KEY_ID,
    BIN,
    GEOIP,
    LONDON,
    SECRET_ACCESS_KEY,
    Server,
    bearer_token,
    json_api,
    policy_text,
    unique,
)

EXAMPLES = int(os.environ.get("FLOWDNS_SCHEMATHESIS_EXAMPLES", "8"))
SEED = int(os.environ.get("FLOWDNS_SCHEMATHESIS_SEED", "20261203"))
TIMEOUT = 300  # seconds per run, far above what 8 examples take

CONFIG = f"""\
workers = 1
seed = {SEED}

[generation]
max-examples = {EXAMPLES}
database = "none"

[checks.positive_data_acceptance]
expected-statuses = ["2XX", 400, 404, 409]
"""


def _st() -> str:
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        pytest.skip("schemathesis is not installed (scripts/api-tests installs tests/api/requirements.txt)")
    exe = Path(sys.executable).parent / "st"
    assert exe.is_file(), f"{exe} is missing although schemathesis imports"
    return str(exe)


def _run(server, tmp_path: Path, name: str, config: str, *args: str) -> str:
    """One `st run` with `config`; fails with its report unless every check passed."""
    work = tmp_path / name
    work.mkdir()
    (work / "schemathesis.toml").write_text(config)
    cmd = [_st(), "--no-color", "--config-file", str(work / "schemathesis.toml"), "run",
           f"{server.api_url}/api/v1/openapi.json", "--checks", "all",
           "-H", f"Authorization: Bearer {bearer_token()}", *args]
    p = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=TIMEOUT,
                       env={**os.environ, "NO_COLOR": "1"})
    out = p.stdout + p.stderr
    summary = re.search(r"(\d+) generated, .*", out)
    print(f"schemathesis ({name}): {summary.group(0) if summary else out[-500:]}")
    assert p.returncode == 0, f"schemathesis ({name}) found problems:\n{out[-20000:]}"
    assert re.search(r"Tested: [1-9]", out), out[-3000:]
    # A panic in a request's task drops the connection but not the server: the log shows it.
    log = server.log_path.read_text(errors="replace")
    assert "panicked" not in log, "\n".join(l for l in log.splitlines() if "panicked" in l)
    assert server.proc.poll() is None, f"the server exited:\n{server.log_tail()}"
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own, without the health role: generated health checks are stored and
    served but never probed, so no generated address is ever contacted (and the objects the
    runs leave behind trouble no other test)."""
    base = tmp_path_factory.mktemp("schemathesis-server")
    data_dir = base / "data"
    data_dir.mkdir(mode=0o700)
    log_path = base / "flowdns.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLOWDNS_CONFIG", "FLOWDNS_GEOIP", "FLOWDNS_DATA_DIR")}
    env.update(FLOWDNS_LOG="info", FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, NO_COLOR="1")
    cmd = [str(BIN), "--data-dir", str(data_dir), "serve", "--roles", "dns,api",
           "--dns-listen", f"127.0.0.1:{_dns_port()}", "--api-listen", "127.0.0.1:0",
           "--geoip", str(GEOIP), "--upstream", "127.0.0.1:9"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env)
    try:
        dns, api = _wait_for_addresses(proc, log_path)
        host, port = api.rsplit(":", 1)
        yield Server(proc, host, int(port), int(dns.rsplit(":", 1)[1]), data_dir, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    assert proc.returncode in (0, -15), f"the server ended with {proc.returncode}"


def test_generated_ids(server, tmp_path):
    out = _run(server, tmp_path, "generated-ids", CONFIG)
    # Every operation of the description was tried.
    m = re.search(r"Selected: (\d+)/(\d+)", out)
    assert m and m.group(1) == m.group(2), out[-3000:]


def _objects(server) -> dict[str, str]:
    """A zone with routed record sets, a policy with two versions bound to a name, a health
    check and a CIDR collection with blocks: their ids."""
    def ok(method, path, body=None, status=(200, 201)):
        r = json_api(server, method, path, body)
        assert r.status in status, (method, path, r.status, r.body)
        return r.json()

    z = ok("POST", "zones", {"name": f"{unique('st')}.example.", "caller_reference": unique("st")})
    p = ok("POST", "policies", {"name": unique("st"), "document": policy_text("weighted.json")})
    ok("POST", f"policies/{p['id']}/versions", {"document": policy_text("minimal.json")})
    h = ok("POST", "health-checks", {"caller_reference": unique("st"), "config": {
        "Type": "HTTP", "IPAddress": "127.0.0.2", "Port": 9, "RequestInterval": 30}})
    c = ok("POST", "cidr-collections", {"name": unique("st"), "caller_reference": unique("st")})
    ok("POST", f"cidr-collections/{c['id']}/changes", {"changes": [
        {"LocationName": "office", "Action": "PUT", "CidrList": ["198.51.100.0/24"]}]})
    name = z["name"]
    change = ok("POST", f"zones/{z['id']}/rrsets", {"changes": [
        {"action": "CREATE", "name": f"www.{name}", "type": "A", "set_identifier": "a", "ttl": 60,
         "values": ["192.0.2.1"], "routing": {"Weight": 1, "HealthCheckId": h["id"]}},
        {"action": "CREATE", "name": f"www.{name}", "type": "A", "set_identifier": "b", "ttl": 60,
         "values": ["192.0.2.2"], "routing": {"Weight": 1}},
        {"action": "CREATE", "name": f"ip.{name}", "type": "A", "set_identifier": "office", "ttl": 60,
         "values": ["192.0.2.3"], "routing": {"CidrRoutingConfig": {
             "CollectionId": c["id"], "LocationName": "office"}}},
        {"action": "CREATE", "name": f"ip.{name}", "type": "A", "set_identifier": "rest", "ttl": 60,
         "values": ["192.0.2.4"], "routing": {"CidrRoutingConfig": {
             "CollectionId": c["id"], "LocationName": "*"}}},
    ]})
    r = ok("POST", "records", {"zone_id": z["id"], "name": f"p.{name}", "ttl": 60,
                               "policy_id": p["id"], "version": 1})
    return {"zone": z["id"], "name": f"www.{name}", "policy": p["id"], "record": r["id"],
            "health_check": h["id"], "cidr": c["id"], "change": change["id"]}


def test_existing_objects(server, tmp_path):
    ids = _objects(server)
    entries = [
        (r"^/api/v1/zones/\{id\}", f'id = "{ids["zone"]}"'),
        (r"^/api/v1/policies/\{id\}", f'id = "{ids["policy"]}", version = 1'),
        (r"^/api/v1/records/\{id\}", f'id = "{ids["record"]}"'),
        (r"^/api/v1/health-checks/\{id\}", f'id = "{ids["health_check"]}"'),
        (r"^/api/v1/cidr-collections/\{id\}", f'id = "{ids["cidr"]}"'),
        (r"^/api/v1/changes/\{id\}", f'id = "{ids["change"]}"'),
        (r"^/api/v1/test-dns-answer$", f'zone = "{ids["zone"]}", name = "{ids["name"]}"'),
    ]
    config = CONFIG + "\n[phases.stateful]\nenabled = false\n"
    for regex, parameters in entries:
        # TOML literal strings: the regexes' backslashes stay as they are.
        config += f"\n[[operations]]\ninclude-path-regex = '{regex}'\nparameters = {{ {parameters} }}\n"
    # No deletes: schemathesis reuses ids it reads in answers, and would delete the objects.
    _run(server, tmp_path, "existing-objects", config, "--exclude-method", "DELETE")
    # The objects are still there, and the server still answers them.
    r = json_api(server, "POST", f"zones/{ids['zone']}/explain",
                 {"name": ids["name"], "type": "A", "client": LONDON})
    assert r.status == 200, r.body
