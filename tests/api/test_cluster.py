"""Three flowdns nodes on one PostgreSQL database (issue: many nodes, one health view).

A throwaway PostgreSQL (pgserver.py) and three `flowdns serve` processes on loopback, each with
every role (dns, api, health), its own data directory and ports, its own checker region, and
the same store. The tests go in order: a change through one node is served by all three;
GetChange and TestDNSAnswer agree across nodes; with PostgreSQL stopped every node keeps
answering and says so in /metrics, and catches up when it returns; a SIGKILLed node drops out
of GetChange's count and catches up when it comes back; one checker cut off from an endpoint
(a `[health] deny` entry) does not flip it, and all of them seeing it down fails over on every
node. Timing figures are printed, not asserted beyond generous bounds (BENCHMARKS.md has the
measured propagation).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import _dns_port, _wait_for_addresses
from helpers import (
    ACCESS_KEY_ID,
    BIN,
    GEOIP,
    SECRET_ACCESS_KEY,
    HealthEndpoints,
    Server,
    change,
    http_request,
    make_client,
    poll_within,
    rrset,
    run_dig,
    unique,
)
from pgserver import PgServer

ZONE = "cluster.example."
CUT_OFF = "127.0.0.23"  # the endpoint node1 may not reach
BACKUP = "192.0.2.99"


@dataclass
class Node:
    name: str
    region: str
    server: Server
    cmd: list[str]
    env: dict

    def dig(self, name: str) -> set[str]:
        return {r[3] for res in run_dig(self.server, name) for r in res.records if r[2] == "A"}

    def metric(self, name: str) -> float | None:
        body = http_request(self.server, "GET", "/metrics").body.decode()
        m = re.search(rf"^{name} (\S+)$", body, re.M)
        return float(m.group(1)) if m else None


def _start(name: str, region: str, url: str, base: Path, dns_port: int, api: str,
           config: str | None = None) -> Node:
    data = base / name
    data.mkdir(mode=0o700, exist_ok=True)
    log = base / f"{name}.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLOWDNS_CONFIG", "FLOWDNS_GEOIP", "FLOWDNS_DATA_DIR")}
    env.update(FLOWDNS_LOG="info", FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, NO_COLOR="1")
    cmd = [str(BIN), "--data-dir", str(data), "--store", url]
    if config:
        path = base / f"{name}.toml"
        path.write_text(config)
        cmd += ["--config", str(path)]
    cmd += ["serve", "--node-name", name, "--node-region", region,
            "--dns-listen", f"127.0.0.1:{dns_port}", "--api-listen", api,
            "--geoip", str(GEOIP), "--upstream", "127.0.0.1:9"]
    return _launch(name, region, cmd, env, log, data)


def _launch(name, region, cmd, env, log_path, data) -> Node:
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env)
    # Only this start's lines count: remember where the log was.
    dns, api = _wait_for_addresses(proc, log_path)
    host, port = api.rsplit(":", 1)
    srv = Server(proc, host, int(port), int(dns.rsplit(":", 1)[1]), data, log_path)
    poll_within(lambda: _healthz(srv), lambda ok: ok, f"{name} /healthz", 10)
    return Node(name, region, srv, cmd, env)


def _healthz(srv: Server) -> bool:
    try:
        return http_request(srv, "GET", "/healthz").status == 200
    except OSError:
        return False


def _stop(node: Node, sig=signal.SIGTERM) -> None:
    p = node.server.proc
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    endpoints = HealthEndpoints(["127.0.0.21", "127.0.0.22", CUT_OFF])
    pg = PgServer()
    pg.start()
    url = pg.create_database()
    nodes: list[Node] = []
    try:
        for i, region in enumerate(["r1", "r2", "r3"], start=1):
            # node1 may not reach CUT_OFF: its checker sees that endpoint down.
            config = f'[health]\ndeny = ["{CUT_OFF}/32"]\n' if i == 1 else None
            # Fixed API ports, so that a restarted node comes back where it was.
            api_port = _dns_port()
            nodes.append(_start(f"node{i}", region, url, base, _dns_port(),
                                f"127.0.0.1:{api_port}", config))
        yield pg, nodes, endpoints
    finally:
        for n in nodes:
            _stop(n)
        pg.close()
        endpoints.close()


def _zone(r53) -> str:
    """The tests' zone, created by the first test that needs it."""
    found = [z for z in r53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"]
             if z["Name"] == ZONE]
    if found:
        return found[0]["Id"]
    return r53.create_hosted_zone(Name=ZONE, CallerReference=unique("cluster"))["HostedZone"]["Id"]


def _upsert(r53, zone_id: str, name: str, value: str) -> str:
    r = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [change("UPSERT", rrset(name, "A", [value], ttl=30))]})
    return r["ChangeInfo"]["Id"]


def test_a_change_through_one_node_is_served_by_all_three(cluster):
    _pg, nodes, _ = cluster
    r53 = make_client(nodes[0].server)
    zone_id = _zone(r53)
    name = f"www.{ZONE}"
    latencies = []
    for n in range(5):
        value = f"192.0.2.{10 + n}"
        t0 = time.monotonic()
        _upsert(r53, zone_id, name, value)
        for node in nodes:
            poll_within(lambda node=node: node.dig(name), lambda v, value=value: v == {value},
                        f"{node.name} to answer {value}", 5)
        latencies.append(time.monotonic() - t0)
    print(f"change to all three nodes (incl. dig): {[round(x * 1000) for x in latencies]} ms")
    # Nodes registered themselves, with their roles and regions.
    listed = {n["name"]: n for n in _nodes(nodes[1].server)}
    assert set(listed) == {"node1", "node2", "node3"}
    assert all(n["live"] and n["dns"] for n in listed.values())


def _nodes(srv: Server) -> list[dict]:
    from helpers import json_api
    r = json_api(srv, "GET", "nodes")
    assert r.status == 200, r.body
    return r.json()["nodes"]


def test_getchange_and_testdnsanswer_agree_across_nodes(cluster):
    _pg, nodes, _ = cluster
    clients = [make_client(n.server) for n in nodes]
    zone_id = _zone(clients[0])
    name = f"geo.{ZONE}"
    batch = {"Changes": [
        change("UPSERT", rrset(name, "A", ["192.0.2.51"], ttl=30, SetIdentifier="gb",
                               GeoLocation={"CountryCode": "GB"})),
        change("UPSERT", rrset(name, "A", ["192.0.2.52"], ttl=30, SetIdentifier="other",
                               GeoLocation={"CountryCode": "*"})),
    ]}
    # Through node2 this time.
    change_id = clients[1].change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)[
        "ChangeInfo"]["Id"]
    for c in clients:
        info, _ = poll_within(lambda c=c: c.get_change(Id=change_id)["ChangeInfo"],
                           lambda i: i["Status"] == "INSYNC", "INSYNC", 5)
        assert info["Id"].endswith(change_id.split("/")[-1])
    for client_ip, want in (("81.2.69.142", "192.0.2.51"), ("216.160.83.56", "192.0.2.52")):
        answers = [c.test_dns_answer(HostedZoneId=zone_id, RecordName=name, RecordType="A",
                                     EDNS0ClientSubnetIP=client_ip, EDNS0ClientSubnetMask="32")["RecordData"]
                   for c in clients]
        assert answers == [[want]] * 3, answers


def test_nodes_keep_answering_without_postgresql_and_catch_up(cluster):
    pg, nodes, _ = cluster
    r53 = make_client(nodes[0].server)
    zone_id = _zone(r53)
    name = f"www.{ZONE}"
    before = nodes[0].dig(name)
    pg.stop()
    try:
        for node in nodes:
            poll_within(lambda node=node: node.metric("flowdns_store_up"), lambda v: v == 0.0,
                        f"{node.name} to report the store down", 10)
            assert node.dig(name) == before, "answers from the last snapshot"
        stale = nodes[1].metric("flowdns_store_staleness_seconds")
        assert stale is not None and stale > 0
        logs = nodes[2].server.log_tail(200)
        assert "store unavailable; answering from the last snapshot" in logs
        # A write cannot be accepted meanwhile, and says why.
        with pytest.raises(Exception) as e:
            _upsert(r53, zone_id, name, "192.0.2.77")
        assert "ServiceUnavailable" in str(e.value) or "503" in str(e.value), e.value
    finally:
        pg.start_again()
    for node in nodes:
        poll_within(lambda node=node: node.metric("flowdns_store_up"), lambda v: v == 1.0,
                    f"{node.name} to report the store back", 15)
    _upsert(make_client(nodes[2].server), zone_id, name, "192.0.2.78")
    for node in nodes:
        poll_within(lambda node=node: node.dig(name), lambda v: v == {"192.0.2.78"},
                    f"{node.name} to catch up after the outage", 10)
    assert "store available again" in nodes[0].server.log_tail(200)


def test_a_killed_node_drops_out_and_catches_up(cluster):
    _pg, nodes, _ = cluster
    r53 = make_client(nodes[0].server)
    zone_id = _zone(r53)
    name = f"www.{ZONE}"
    victim = nodes[2]
    _stop(victim, signal.SIGKILL)
    change_id = _upsert(r53, zone_id, name, "192.0.2.88")
    for node in nodes[:2]:
        poll_within(lambda node=node: node.dig(name), lambda v: v == {"192.0.2.88"},
                    f"{node.name} to answer", 5)
    # The dead node's heartbeat ages out (5 s): then the change is INSYNC on the live ones.
    t0 = time.monotonic()
    poll_within(lambda: r53.get_change(Id=change_id)["ChangeInfo"]["Status"],
                lambda s: s == "INSYNC", "INSYNC without the killed node", 15)
    print(f"INSYNC {time.monotonic() - t0:.1f} s after the kill (node timeout 5 s)")
    # It comes back under its name and ports, and serves what it missed.
    back = _launch(victim.name, victim.region, victim.cmd, victim.env, victim.server.log_path,
                   victim.server.data_dir)
    nodes[2] = back
    poll_within(lambda: back.dig(name), lambda v: v == {"192.0.2.88"}, "the node to catch up", 5)
    assert make_client(back.server).get_change(Id=change_id)["ChangeInfo"]["Status"] == "INSYNC"


def test_one_health_view_across_checkers(cluster):
    _pg, nodes, endpoints = cluster
    r53 = make_client(nodes[0].server)
    zone_id = _zone(r53)
    # A 1 s interval is a flowdns extension (botocore's own check wants 10 or 30).
    check = make_client(nodes[0].server, validate=False).create_health_check(
        CallerReference=unique("hc"), HealthCheckConfig={
        "Type": "HTTP", "IPAddress": CUT_OFF, "Port": endpoints.port, "ResourcePath": "/",
        "RequestInterval": 1, "FailureThreshold": 1})["HealthCheck"]["Id"]
    name = f"app.{ZONE}"
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        change("UPSERT", rrset(name, "A", [CUT_OFF], ttl=30, SetIdentifier="primary",
                               Failover="PRIMARY", HealthCheckId=check)),
        change("UPSERT", rrset(name, "A", [BACKUP], ttl=30, SetIdentifier="secondary",
                               Failover="SECONDARY")),
    ]})
    # node1 cannot reach the endpoint and reports it down; node2 and node3 see it up: 2 of 3
    # healthy is more than 18%, so every node answers the primary.
    poll_within(lambda: _reports(nodes[0].server, check), lambda r: len(r) == 3 and
                sorted(x["healthy"] for x in r) == [False, True, True],
                "three reports, node1's unhealthy", 10)
    # Each node reads the reports every half second.
    for node in nodes:
        poll_within(lambda node=node: node.dig(name), lambda v: v == {CUT_OFF},
                    f"{node.name} to answer the primary", 3)
    # And keeps doing so while node1 goes on reporting it down.
    time.sleep(2)
    for node in nodes:
        assert node.dig(name) == {CUT_OFF}, node.name
    # Every checker sees it down: every node fails over.
    t0 = time.monotonic()
    endpoints.stop(CUT_OFF)
    for node in nodes:
        poll_within(lambda node=node: node.dig(name), lambda v: v == {BACKUP},
                    f"{node.name} to fail over", 10)
    print(f"failover on all three nodes {time.monotonic() - t0:.2f} s after the endpoint stopped "
          f"(interval 1 s, threshold 1)")
    endpoints.start(CUT_OFF)
    for node in nodes:
        poll_within(lambda node=node: node.dig(name), lambda v: v == {CUT_OFF},
                    f"{node.name} to fail back", 10)


def _reports(srv: Server, check: str) -> list[dict]:
    from helpers import json_api
    r = json_api(srv, "GET", f"health-checks/{check}/reports")
    assert r.status == 200, r.body
    return r.json()["reports"]


def test_regions_choose_which_checkers_probe(cluster):
    _pg, nodes, endpoints = cluster
    r53 = make_client(nodes[1].server, validate=False)
    config = {"Type": "HTTP", "IPAddress": "127.0.0.21", "Port": endpoints.port,
              "ResourcePath": "/", "RequestInterval": 1, "FailureThreshold": 1}
    check = r53.create_health_check(CallerReference=unique("hc"), HealthCheckConfig={
        **config, "Regions": ["r2", "r3"]})["HealthCheck"]
    assert check["HealthCheckConfig"]["Regions"] == ["r2", "r3"]
    reports, _ = poll_within(lambda: _reports(nodes[0].server, check["Id"]),
                             lambda r: {x["node"] for x in r} == {"node2", "node3"},
                             "reports from node2 and node3", 10)
    # node1 (region r1) never probes it.
    time.sleep(1.5)
    assert {x["node"] for x in _reports(nodes[0].server, check["Id"])} == {"node2", "node3"}
    assert all(x["healthy"] and x["fresh"] for x in reports)
    # A region no checker node has would leave the check unprobed: refused, naming it.
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as e:
        r53.create_health_check(CallerReference=unique("hc"), HealthCheckConfig={
            **config, "Regions": ["r2", "us-east-1"]})
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidInput" and err["Message"].startswith("Regions: \"us-east-1\""), err
    assert "r1, r2, r3" in err["Message"], err
