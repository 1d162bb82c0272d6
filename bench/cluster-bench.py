"""Three flowdns nodes on one PostgreSQL database, measured (run by bench/cluster).

    python bench/cluster-bench.py BIN CHANGES SECONDS ROUNDS

1. Change propagation: CHANGES record changes (UPSERT of one A record, a new address each
   time) through node1's Route 53 API with boto3, each timed from the request until every node
   answers the new address over UDP. Each node is asked with a hand-built DNS query every
   millisecond until it answers the new address.
2. DNS queries per second per node: dnsperf against node2 of the cluster and against a single
   node on SQLite serving the same zone, with the same query file, ROUNDS interleaved rounds of
   SECONDS each; the server's CPU time per 100,000 queries from /proc/PID/stat.

PostgreSQL comes from tests/api/pgserver.py with its durable settings (fsync on, synchronous
commits; FLOWDNS_BENCH_PG_DURABLE=0 turns them off as the tests do). Everything runs on
127.0.0.1 in a temporary directory that is removed at the end; the servers get SIGKILL if this
process dies.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "api"))
from pgserver import PgServer  # noqa: E402

KEY_ID = "AKIDFLOWDNSBENCH0001"
SECRET = "benchsecretbenchsecretbenchsecretbench00"
ZONE = "cluster.bench.test."
NAME = f"www.{ZONE}"
PERF_ZONE = "perf.bench.test."
PERF_NAMES = [f"h{i}.{PERF_ZONE}" for i in range(10)]
START_TIMEOUT = 30.0
CHANGE_TIMEOUT = 10.0
POLL = 0.001
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL when this process dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class Node:
    def __init__(self, name: str, bin_path: str, work: Path, store: str | None,
                 region: str) -> None:
        self.name = name
        data = work / name
        data.mkdir(mode=0o700)
        self.log_path = work / f"{name}.log"
        env = {k: v for k, v in os.environ.items()
               if k not in ("FLOWDNS_CONFIG", "FLOWDNS_GEOIP", "FLOWDNS_DATA_DIR",
                            "FLOWDNS_STORE")}
        env.update(FLOWDNS_LOG="info", FLOWDNS_ACCESS_KEY_ID=KEY_ID,
                   FLOWDNS_SECRET_ACCESS_KEY=SECRET, NO_COLOR="1")
        cmd = [bin_path, "--data-dir", str(data)]
        if store:
            cmd += ["--store", store]
        cmd += ["serve", "--node-name", name, "--roles", "dns,api,health",
                "--node-region", region, "--dns-listen", "127.0.0.1:0",
                "--api-listen", "127.0.0.1:0", "--upstream", "127.0.0.1:9"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env,
                                         preexec_fn=_die_with_parent)
        self.dns_port = 0
        self.api = ""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = _ANSI.sub("", self.log_path.read_text(errors="replace"))
            dns = re.search(r"serving DNS over UDP and TCP addr=(\S+)", text)
            api = re.search(r"serving the API over HTTP addr=(\S+)", text)
            if dns and api:
                self.dns_port = int(dns.group(1).rsplit(":", 1)[1])
                self.api = api.group(1)
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}:\n{text}")
            time.sleep(0.05)
        raise SystemExit(f"{self.name} did not log its addresses within {START_TIMEOUT:.0f} s:\n"
                         + self.log_path.read_text(errors="replace"))

    def client(self):
        return boto3.session.Session().client(
            "route53", endpoint_url=f"http://{self.api}", region_name="us-east-1",
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                          connect_timeout=5, read_timeout=30))

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _query(qid: int, name: str) -> bytes:
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    q += b"".join(bytes([len(label)]) + label.encode()
                  for label in name.rstrip(".").split(".")) + b"\0"
    return q + struct.pack(">HH", 1, 1)


def _skip_name(d: bytes, i: int) -> int:
    while True:
        n = d[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def _a_records(d: bytes) -> set[str]:
    """The A records in the answer section of a response."""
    qd, an = struct.unpack(">HH", d[4:8])
    i = 12
    for _ in range(qd):
        i = _skip_name(d, i) + 4
    found = set()
    for _ in range(an):
        i = _skip_name(d, i)
        rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", d[i:i + 10])
        i += 10
        if rtype == 1 and rdlen == 4:
            found.add(socket.inet_ntoa(d[i:i + 4]))
        i += rdlen
    return found


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def _summary(values: list[float]) -> str:
    v = sorted(values)
    return (f"p50 {statistics.median(v):.1f} ms, p99 {_percentile(v, 99):.1f} ms, "
            f"max {v[-1]:.1f} ms")


def propagation(nodes: list[Node], changes: int) -> None:
    r53 = nodes[0].client()
    zone = r53.create_hosted_zone(Name=ZONE, CallerReference="bench-cluster")["HostedZone"]["Id"]

    def upsert(value: str) -> None:
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": NAME, "Type": "A", "TTL": 30, "ResourceRecords": [{"Value": value}]}}]})

    qid = 0
    all_three: list[float] = []
    api_call: list[float] = []
    per_node: dict[str, list[float]] = {n.name: [] for n in nodes}
    for i in range(changes + 1):
        value = f"198.51.100.{i % 200 + 1}"
        t0 = time.perf_counter()
        upsert(value)
        t_api = time.perf_counter()
        pending = {n.name: n for n in nodes}
        seen: dict[str, float] = {}
        while pending:
            now = time.perf_counter()
            if now - t0 > CHANGE_TIMEOUT:
                raise SystemExit(f"change {i} ({value}) not served by {sorted(pending)} "
                                 f"after {CHANGE_TIMEOUT:.0f} s")
            qid = (qid + 1) & 0xFFFF
            q = _query(qid, NAME)
            for n in pending.values():
                n.sock.sendto(q, ("127.0.0.1", n.dns_port))
            # Collect the answers to this round (or give up on it after 50 ms).
            waiting = set(pending)
            round_deadline = time.perf_counter() + 0.05
            while waiting and time.perf_counter() < round_deadline:
                for name in list(waiting):
                    n = pending[name]
                    try:
                        d = n.sock.recv(4096)
                    except BlockingIOError:
                        continue
                    if d[:2] != q[:2]:
                        continue  # a late answer to an earlier round
                    waiting.discard(name)
                    if value in _a_records(d):
                        seen[name] = time.perf_counter()
            for name in seen:
                pending.pop(name, None)
            if pending:
                time.sleep(POLL)
        if i == 0:
            continue  # the first change also creates the record set: not counted
        api_call.append((t_api - t0) * 1000)
        for name, t in seen.items():
            per_node[name].append((t - t0) * 1000)
        all_three.append((max(seen.values()) - t0) * 1000)
    print(f"change propagation, {changes} changes through {nodes[0].name}'s API, request to the "
          f"new answer over UDP:")
    print(f"  all three nodes: {_summary(all_three)}")
    for name, values in per_node.items():
        print(f"  {name}: {_summary(values)}")
    print(f"  the API call itself (until its response): {_summary(api_call)}")
    slow = sum(1 for v in all_three if v > 1000)
    print(f"  changes served by all three later than 1 s: {slow}")


def _perf_zone(node: Node) -> None:
    r53 = node.client()
    zone = r53.create_hosted_zone(Name=PERF_ZONE,
                                  CallerReference=f"bench-perf-{node.name}")["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 300,
            "ResourceRecords": [{"Value": f"192.0.2.{k + 1}"}]}} for k, name in
        enumerate(PERF_NAMES)]})


def _wait_answer(node: Node, name: str, want: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.2)
    try:
        while time.monotonic() < deadline:
            q = _query(1, name)
            sock.sendto(q, ("127.0.0.1", node.dns_port))
            try:
                if want in _a_records(sock.recv(4096)):
                    return
            except socket.timeout:
                pass
            time.sleep(0.02)
    finally:
        sock.close()
    raise SystemExit(f"{node.name} does not answer {name} with {want}")


def _dnsperf(node: Node, qfile: Path, seconds: int) -> tuple[float, float]:
    cpu0 = node.cpu_seconds()
    out = subprocess.run(
        ["dnsperf", "-s", "127.0.0.1", "-p", str(node.dns_port), "-d", str(qfile),
         "-l", str(seconds), "-c", "4", "-q", "200"],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    cpu = node.cpu_seconds() - cpu0
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"Queries completed:\s+(\d+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    if lost:
        print(f"    ({node.name}: {lost} queries lost)")
    return qps, cpu * 100000 / max(done, 1)


def queries_per_second(cluster_node: Node, single: Node, work: Path, seconds: int,
                       rounds: int) -> None:
    _perf_zone(cluster_node)
    _perf_zone(single)
    for node in (cluster_node, single):
        _wait_answer(node, PERF_NAMES[-1], f"192.0.2.{len(PERF_NAMES)}")
    qfile = work / "queries.txt"
    qfile.write_text("".join(f"{name} A\n" for name in PERF_NAMES))
    results: dict[str, list[tuple[float, float]]] = {"cluster": [], "single": []}
    print(f"DNS queries per second, dnsperf -c 4 -q 200, {rounds} interleaved rounds of "
          f"{seconds} s (servers and dnsperf share the cores):")
    for r in range(rounds):
        for label, node in (("cluster", cluster_node), ("single", single)):
            qps, cpu = _dnsperf(node, qfile, seconds)
            results[label].append((qps, cpu))
            print(f"  round {r + 1}, {label:7s} ({node.name}): {qps:,.0f} qps, "
                  f"{cpu:.3f} CPU-s per 100k queries", flush=True)
    mean = {k: (statistics.mean(q for q, _ in v), statistics.mean(c for _, c in v))
            for k, v in results.items()}
    print(f"  mean: {cluster_node.name} of three nodes on PostgreSQL {mean['cluster'][0]:,.0f} qps "
          f"({mean['cluster'][1]:.3f} CPU-s/100k); single node on SQLite {mean['single'][0]:,.0f} "
          f"qps ({mean['single'][1]:.3f} CPU-s/100k)")
    print(f"  ratio cluster node / single node: {mean['cluster'][0] / mean['single'][0]:.2f} qps, "
          f"{mean['cluster'][1] / mean['single'][1]:.2f} CPU per query; per round: "
          + ", ".join(f"{c[0] / s[0]:.2f}" for c, s in zip(results["cluster"], results["single"])))


def main() -> int:
    bin_path, changes, seconds, rounds = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                          int(sys.argv[4]))

    def stop(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    durable = os.environ.get("FLOWDNS_BENCH_PG_DURABLE", "1") != "0"
    work = Path(tempfile.mkdtemp(prefix="flowdns-cluster-bench."))
    pg = PgServer(durable=durable)
    servers: list[Node] = []  # node1, node2, node3, then the single node
    try:
        pg.start()
        url = pg.create_database()
        settings = " ".join(f"{n}={pg.psql('postgres', f'SHOW {n}').strip()}" for n in (
            "server_version", "fsync", "synchronous_commit", "shared_buffers"))
        print(f"PostgreSQL on 127.0.0.1:{pg.port}: {settings}")
        for i in range(1, 4):
            servers.append(Node(f"node{i}", bin_path, work, url, f"r{i}"))
        servers.append(Node("single", bin_path, work, None, "r1"))
        for n in servers:
            n.wait_ready()
        print("servers: " + ", ".join(f"{n.name} DNS 127.0.0.1:{n.dns_port} API {n.api}"
                                      for n in servers), flush=True)
        propagation(servers[:3], changes)
        queries_per_second(servers[1], servers[3], work, seconds, rounds)
        for n in servers:
            if n.proc.poll() is not None:
                raise SystemExit(f"{n.name} exited with {n.proc.returncode}")
    finally:
        for n in servers:
            n.stop()
        pg.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
