"""The API on the open internet: connection caps, header and idle timeouts, TLS.

Each test starts its own `flowdns serve` with small limits and short timeouts, on loopback.
Hostile clients come from 127.0.0.2 and up (Linux answers on all of 127.0.0.0/8); the
legitimate client binds its sockets to 127.0.0.1, so that the per-source cap sees it as another
source. Floods are a few hundred connections, and every wait is bounded; nothing here measures
how long anything took.
"""

from __future__ import annotations

import http.client
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from conftest import _aws_executable, _dns_port
from helpers import (
    ACCESS_KEY_ID,
    BIN,
    GEOIP,
    REGION,
    SECRET_ACCESS_KEY,
    WAIT,
    HttpResponse,
    Server,
    _ANSI,
    poll,
    sign,
)

LEGIT = "127.0.0.1"
CLOSE_WAIT = 30.0  # the longest a test waits for the server to close connections


# ---------------------------------------------------------------------------------------------
# A server of our own
# ---------------------------------------------------------------------------------------------


def _start(base: Path, *args: str) -> Server:
    data = base / "data"
    data.mkdir(mode=0o700, exist_ok=True)
    log_path = base / "flowdns.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDNS_")}
    env.update(FLOWDNS_LOG="info", FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, NO_COLOR="1")
    cmd = [str(BIN), "--data-dir", str(data), "serve", "--dns-listen",
           f"127.0.0.1:{_dns_port()}", "--api-listen", "127.0.0.1:0", "--geoip", str(GEOIP),
           "--upstream", "127.0.0.1:9", "--roles", "dns,api", *args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + WAIT
    while True:
        text = _ANSI.sub("", log_path.read_text(errors="replace"))
        m = re.search(r"serving the API over HTTPS? addr=(\S+)", text)
        if m:
            host, port = m.group(1).rsplit(":", 1)
            return Server(proc, host, int(port), 0, data, log_path)
        if proc.poll() is not None:
            raise RuntimeError(f"flowdns serve exited with {proc.returncode}:\n{text}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"flowdns serve did not log its API address:\n{text}")
        time.sleep(0.05)


def _stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)


@pytest.fixture
def start(tmp_path):
    started: list[Server] = []

    def run(*args: str) -> Server:
        srv = _start(tmp_path, *args)
        started.append(srv)
        return srv

    yield run
    for srv in started:
        _stop(srv)


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


def _conn(server: Server, tls: ssl.SSLContext | None = None) -> http.client.HTTPConnection:
    if tls is not None:
        return http.client.HTTPSConnection(server.api_host, server.api_port, timeout=20,
                                           source_address=(LEGIT, 0), context=tls)
    return http.client.HTTPConnection(server.api_host, server.api_port, timeout=20,
                                      source_address=(LEGIT, 0))


def _request(conn: http.client.HTTPConnection, server: Server, method: str, path: str,
             signed: bool) -> HttpResponse:
    headers = sign(server, method, path) if signed else {}
    conn.request(method, path, headers=headers)
    resp = conn.getresponse()
    return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())


def signed_from_legit(server: Server, tls: ssl.SSLContext | None = None) -> HttpResponse:
    """A signed ListHostedZones on a new connection from 127.0.0.1."""
    conn = _conn(server, tls)
    try:
        return _request(conn, server, "GET", "/2013-04-01/hostedzone", signed=True)
    finally:
        conn.close()


def metrics(server: Server, tls: ssl.SSLContext | None = None) -> dict[str, float]:
    """`/metrics` from 127.0.0.1, as {'name{labels}': value}."""
    conn = _conn(server, tls)
    try:
        r = _request(conn, server, "GET", "/metrics", signed=False)
    finally:
        conn.close()
    assert r.status == 200, r
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def connect_from(server: Server, source: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect((server.api_host, server.api_port))
    s.setblocking(False)
    return s


def hold_until_closed(socks: list[socket.socket], slow: set[socket.socket],
                      during=None) -> list[socket.socket]:
    """Keeps the connections (sending one header byte every 0.2 s on each of `slow`) until the
    server has closed every one or CLOSE_WAIT passed; calls `during()` about once a second.
    Answers the connections still open."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    open_ = set(socks)
    deadline = time.monotonic() + CLOSE_WAIT
    next_byte = next_call = time.monotonic()
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                open_.discard(s)
        now = time.monotonic()
        if now >= next_byte:
            next_byte = now + 0.2
            for s in list(open_ & slow):
                try:
                    s.send(b"a")
                except BlockingIOError:
                    pass
                except OSError:
                    sel.unregister(s)
                    open_.discard(s)
        if during is not None and now >= next_call:
            next_call = now + 1.0
            during()
    sel.close()
    return list(open_)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_silent_and_slow_header_floods_leave_signed_requests_working(start):
    server = start("--api-header-timeout", "3", "--api-idle-timeout", "30",
                   "--api-max-connections", "1000", "--api-max-connections-per-source", "25")
    assert signed_from_legit(server).status == 200
    # 300 hostile connections from 10 sources, 30 each (5 over the per-source cap): half send
    # nothing, half a request header that never ends.
    sources = [f"127.0.0.{i}" for i in range(2, 12)]
    socks, slow = [], set()
    for i in range(300):
        s = connect_from(server, sources[i % len(sources)])
        socks.append(s)
        if i % 2:
            try:
                s.send(b"GET /2013-04-01/hostedzone HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            except OSError:
                pass  # refused at once: seen as closed below
            slow.add(s)
    answered = []

    def legit():
        r = signed_from_legit(server)
        answered.append(r.status)

    try:
        legit()
        still_open = hold_until_closed(socks, slow, during=legit)
    finally:
        for s in socks:
            s.close()
    assert not still_open, f"{len(still_open)} of 300 hostile connections were never closed"
    assert answered and set(answered) == {200}, answered
    assert len(answered) >= 3, "signed requests went on while the flood was held"
    m = metrics(server)
    refused = m['flowdns_api_connections_refused_total{reason="max_connections_per_source"}']
    header = m['flowdns_api_connections_timed_out_total{reason="header"}']
    assert refused > 0, m
    assert m['flowdns_api_connections_refused_total{reason="max_connections"}'] == 0, m
    # Every hostile connection was either refused at once or closed by the header timeout.
    assert refused + header == 300, m
    assert m['flowdns_api_connections_timed_out_total{reason="idle"}'] == 0, m
    # Only the metrics request's own connection stays.
    poll(lambda: metrics(server)["flowdns_api_connections_open"], lambda n: n == 1,
         "hostile connections gone")


def test_over_the_global_cap_new_connections_are_closed_until_room_frees_up(start):
    server = start("--api-header-timeout", "5", "--api-max-connections", "20",
                   "--api-max-connections-per-source", "100")
    held = [connect_from(server, "127.0.0.12") for _ in range(20)]
    try:
        # The cap is full: a connection from anywhere is closed without an answer.
        probe = connect_from(server, LEGIT)
        probe.setblocking(True)
        probe.settimeout(20)
        try:
            assert probe.recv(1) == b""
        except ConnectionResetError:
            pass
        finally:
            probe.close()
        assert not hold_until_closed(held, set()), "the silent connections were closed"
    finally:
        for s in held:
            s.close()
    # Room again: signed requests are served.
    poll(lambda: signed_from_legit(server), lambda r: r.status == 200,
         "a signed request once the silent connections were closed")
    m = metrics(server)
    assert m['flowdns_api_connections_refused_total{reason="max_connections"}'] >= 1, m
    assert m['flowdns_api_connections_timed_out_total{reason="header"}'] >= 20, m


def test_a_kept_alive_connection_is_closed_when_idle(start):
    server = start("--api-header-timeout", "60", "--api-idle-timeout", "1")
    conn = _conn(server)
    try:
        for _ in range(3):
            r = _request(conn, server, "GET", "/2013-04-01/hostedzone", signed=True)
            assert r.status == 200, r
        sock = conn.sock
        assert sock is not None, "the connection was kept alive"
        assert not hold_until_closed([sock], set()), "the idle connection was closed"
    finally:
        conn.close()
    m = metrics(server)
    assert m['flowdns_api_connections_timed_out_total{reason="idle"}'] >= 1, m
    assert m['flowdns_api_connections_timed_out_total{reason="header"}'] == 0, m


# ---------------------------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------------------------


def _openssl() -> str:
    exe = shutil.which("openssl")
    if not exe:
        pytest.fail("the openssl command is not installed (Debian: apt-get install openssl)")
    return exe


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, and its key (P-256)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [_openssl(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    return cert, key


def install(src: tuple[Path, Path], dst: tuple[Path, Path]) -> None:
    """Replaces the served files atomically (each written beside, then renamed over)."""
    for s, d in zip(src, dst):
        tmp = d.with_suffix(".new")
        shutil.copyfile(s, tmp)
        os.replace(tmp, d)


def shown_cert(server: Server) -> bytes:
    """The DER certificate a new TLS connection is shown."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((server.api_host, server.api_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.getpeercert(binary_form=True)


def der(cert: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def aws_https(server: Server, ca_bundle: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [_aws_executable(), "--endpoint-url", f"https://127.0.0.1:{server.api_port}",
           "--ca-bundle", str(ca_bundle), "--output", "json", "--region", REGION, "route53",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_tls_with_the_aws_cli_and_a_certificate_reloaded_on_sighup(start, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    first, second = make_cert(certs, "first"), make_cert(certs, "second")
    served = (certs / "api.crt", certs / "api.key")
    install(first, served)
    server = start("--api-tls-cert", str(served[0]), "--api-tls-key", str(served[1]),
                   "--api-tls-handshake-timeout", "1")
    assert "serving the API over HTTPS" in server.log_tail(200)
    assert shown_cert(server) == der(first[0])

    # The AWS CLI over https, trusting the certificate.
    p = aws_https(server, first[0], "list-hosted-zones")
    assert p.returncode == 0, p.stderr
    p = aws_https(server, first[0], "create-health-check", "--caller-reference", "tls-1",
                  "--health-check-config", "IPAddress=127.0.0.1,Port=9,Type=TCP")
    assert p.returncode == 0, p.stderr

    # Plain HTTP to the TLS port gets no answer, and a silent client is closed after the
    # handshake timeout.
    plain = connect_from(server, "127.0.0.13")
    plain.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    silent = connect_from(server, "127.0.0.14")
    try:
        assert not hold_until_closed([plain, silent], set())
    finally:
        plain.close()
        silent.close()

    # The CLI asks the server over TLS when it trusts the configured certificate.
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDNS_")}
    cli_env.update(FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID, FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY)
    health_list = [str(BIN), "--data-dir", str(server.data_dir), "health", "list",
                   "--server", f"https://127.0.0.1:{server.api_port}"]
    p = subprocess.run(health_list, capture_output=True, text=True, timeout=60,
                       env={**cli_env, "FLOWDNS_API_TLS_CERT": str(served[0]),
                            "FLOWDNS_API_TLS_KEY": str(served[1])})
    assert p.returncode == 0, p.stderr
    assert "server not reachable" not in p.stdout + p.stderr, p.stdout + p.stderr
    p = subprocess.run(health_list, capture_output=True, text=True, timeout=60, env=cli_env)
    assert "server not reachable" in p.stdout, p.stdout + p.stderr

    # New files and SIGHUP: new connections see the new certificate.
    install(second, served)
    server.proc.send_signal(signal.SIGHUP)
    poll(lambda: shown_cert(server), lambda c: c == der(second[0]),
         "the new certificate after SIGHUP")
    p = aws_https(server, second[0], "list-hosted-zones")
    assert p.returncode == 0, p.stderr
    p = aws_https(server, first[0], "list-hosted-zones")
    assert p.returncode != 0, "the old certificate is no longer served"

    # A broken certificate on SIGHUP: logged, and the current one kept.
    served[0].write_text("-----BEGIN CERTIFICATE-----\nbroken\n")
    server.proc.send_signal(signal.SIGHUP)
    poll(lambda: server.log_tail(200), lambda t: "cannot reload the API TLS certificate" in t,
         "the reload error in the log")
    assert shown_cert(server) == der(second[0])
    assert server.proc.poll() is None

    m = metrics(server, trusting(second[0]))
    assert m['flowdns_api_tls_reloads_total{result="ok"}'] == 1, m
    assert m['flowdns_api_tls_reloads_total{result="error"}'] == 1, m
    assert m['flowdns_api_connections_timed_out_total{reason="tls_handshake"}'] >= 1, m
    assert m["flowdns_api_tls_handshake_failures_total"] >= 1, m


def test_tls_files_are_checked_at_start(tmp_path):
    cert, key = make_cert(tmp_path, "a")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDNS_")}
    base = [str(BIN), "--data-dir", str(tmp_path / "data"), "serve", "--api-listen",
            "127.0.0.1:0", "--dns-listen", f"127.0.0.1:{_dns_port()}", "--geoip", str(GEOIP)]
    for extra, expected in [
        (["--api-tls-cert", str(cert)], "--api-tls-cert is set but api.tls_key is not"),
        (["--api-tls-cert", str(cert), "--api-tls-key", str(garbage)], "garbage.pem"),
        (["--api-tls-cert", str(tmp_path / "none.crt"), "--api-tls-key", str(key)], "none.crt"),
    ]:
        p = subprocess.run(base + extra, capture_output=True, text=True, timeout=60, env=env)
        assert p.returncode != 0, (extra, p.stdout, p.stderr)
        assert expected in p.stderr, (extra, p.stderr)
