"""A full disk under a running server: writes fail cleanly, DNS keeps answering, and the next
write works as soon as room is freed, with no restart.

The server's data directory is a small tmpfs mounted in a mount namespace of its own
(`unshare -m`, or `unshare -Urm` for a user who is not root), so nothing outside the test sees
the mount and it goes away with the server. The test fills the file system through
/proc/PID/root, the server's view of the file system, with a file of zeros until the kernel
says ENOSPC, and frees the room by deleting that file.

Before the fix, the first "database or disk is full" left the pooled connection inside an open
transaction and every later write failed with "attempted to call begin_with at non-zero
transaction depth" until a restart, even after the room was back.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import _dns_port
from helpers import (ACCESS_KEY_ID, BIN, GEOIP, SECRET_ACCESS_KEY, change, make_client, poll,
                     rrset, run_dig)
from test_cluster import _launch, _stop

TMPFS_SIZE = "24m"
CHUNK = 1 << 20


def _unshare_prefix() -> list[str]:
    """The command prefix that runs the server in its own mount namespace."""
    exe = shutil.which("unshare")
    if not exe:
        pytest.fail("unshare (util-linux) is not installed")
    flags = ["-m", "--propagation", "private"] if os.geteuid() == 0 else ["-Urm"]
    probe = subprocess.run([exe, *flags, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"mount namespaces are not available here: {probe.stderr.strip()}")
    return [exe, *flags]


def _fill(path: str) -> int:
    """Writes zeros to `path` until the file system is full; returns the bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    block = b"\0" * CHUNK
    try:
        while True:
            try:
                n = os.write(fd, block)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                # The last partial block: fill the rest byte-exactly so no room is left.
                for size in (65536, 4096, 512, 1):
                    while True:
                        try:
                            written += os.write(fd, b"\0" * size)
                        except OSError as e2:
                            if e2.errno != errno.ENOSPC:
                                raise
                            break
                return written
            written += n
    finally:
        os.close(fd)


def _a_record(zone: str, i: int) -> dict:
    return change("CREATE", rrset(f"r{i}.{zone}", "A", [f"192.0.2.{i % 250 + 1}"]))


def test_a_full_disk_fails_writes_cleanly_and_recovers_when_room_is_freed(tmp_path):
    prefix = _unshare_prefix()
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLOWDNS_CONFIG", "FLOWDNS_GEOIP", "FLOWDNS_DATA_DIR")}
    env.update(FLOWDNS_LOG="info", FLOWDNS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               FLOWDNS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, NO_COLOR="1")
    # The shell mounts the tmpfs over the (empty) data directory, then becomes the server.
    script = 'mount -t tmpfs -o size="$1",mode=0700 tmpfs "$2" && shift 2 && exec "$@"'
    cmd = [*prefix, "sh", "-c", script, "sh", TMPFS_SIZE, str(data),
           str(BIN), "--data-dir", str(data), "serve",
           "--dns-listen", f"127.0.0.1:{_dns_port()}", "--api-listen", "127.0.0.1:0",
           "--geoip", str(GEOIP), "--upstream", "127.0.0.1:9"]
    node = _launch("disk-full", "local", cmd, env, log, data)
    srv = node.server
    try:
        inside = f"/proc/{srv.proc.pid}/root{data}"
        mounts = open(f"/proc/{srv.proc.pid}/mounts").read()
        assert f" {data} tmpfs " in mounts, f"the data directory is not the tmpfs:\n{mounts}"
        assert os.path.exists(f"{inside}/flowdns.db")
        # The outside view of the directory is still the empty directory under the mount.
        assert not (data / "flowdns.db").exists()

        r53 = make_client(srv)
        zone = "diskfull.example."
        zid = r53.create_hosted_zone(Name=zone, CallerReference="disk-full")["HostedZone"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            change("CREATE", rrset(f"before.{zone}", "A", ["192.0.2.200"]))]})

        filler = f"{inside}/filler"
        filled = _fill(filler)
        assert filled > 0

        # Write until the database's free pages are used up; then every write fails with a
        # clear error, and none leaves anything behind.
        accepted: list[int] = []
        failures: list[str] = []
        for i in range(1, 400):
            big = [_a_record(zone, i * 1000 + j) for j in range(20)]
            try:
                r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": big})
                accepted.append(i)
            except ClientError as e:
                err = e.response["Error"]
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 503, e.response
                assert err["Code"] == "ServiceUnavailable", err
                assert "disk is full" in err["Message"] or "No space" in err["Message"], err
                failures.append(err["Message"])
                if len(failures) >= 10:
                    break
        assert len(failures) >= 10, f"the disk never filled: {len(accepted)} batches accepted"

        # DNS goes on answering from the snapshot while the disk is full.
        [answer] = run_dig(srv, f"before.{zone}")
        assert answer.status == "NOERROR" and answer.values("A") == ["192.0.2.200"], answer

        # Free the room: the very next write works, without a restart.
        os.unlink(filler)
        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            change("CREATE", rrset(f"after.{zone}", "A", ["192.0.2.201"]))]})
        for i in range(5):
            r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
                change("CREATE", rrset(f"after{i}.{zone}", "A", ["192.0.2.202"]))]})

        # Exactly the accepted batches are stored: nothing of a failed batch was half-applied.
        names = set()
        pager = r53.get_paginator("list_resource_record_sets")
        for page in pager.paginate(HostedZoneId=zid):
            names.update(rs["Name"] for rs in page["ResourceRecordSets"] if rs["Type"] == "A")
        expected = {f"before.{zone}", f"after.{zone}"} | {f"after{i}.{zone}" for i in range(5)}
        expected |= {f"r{i * 1000 + j}.{zone}" for i in accepted for j in range(20)}
        assert names == expected

        def served():
            return run_dig(srv, f"after.{zone}")[0]
        got = poll(served, lambda a: a.status == "NOERROR", "after. served")
        assert got.values("A") == ["192.0.2.201"], got
        assert srv.proc.poll() is None, "the server exited"
    finally:
        _stop(node)
