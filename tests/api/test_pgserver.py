"""The throwaway PostgreSQL server of pgserver.py: start, a database per test, stop and kill
then start again on the same data and port, close, and nothing left when the process that
started it is killed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pgserver import DIR_PREFIX, PgServer, PgServerError, find_bin_dir

HERE = Path(__file__).resolve().parent


def accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def eventually(seconds: float, done) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def db(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_start_databases_stop_kill_start_again_close():
    pg = PgServer().start()
    try:
        port, directory = pg.port, pg.dir
        assert pg.is_running()
        assert accepts_connections(port)
        assert directory.name.startswith(DIR_PREFIX)
        assert pg.url("x") == f"postgres://postgres@127.0.0.1:{port}/x"
        assert pg.psql("postgres", "SHOW listen_addresses").strip() == "127.0.0.1"
        assert pg.psql("postgres", "SHOW fsync").strip() == "off"

        first, second = pg.create_database(), pg.create_database()
        assert first != second
        assert first.startswith(pg.url("test_"))
        pg.psql(db(first), "CREATE TABLE t (v text); INSERT INTO t VALUES ('one')")
        pg.psql(db(second), "CREATE TABLE t (v text); INSERT INTO t VALUES ('two')")
        assert pg.psql(db(first), "SELECT v FROM t").split() == ["one"]
        assert pg.psql(db(second), "SELECT v FROM t").split() == ["two"]

        pg.stop()
        assert not pg.is_running()
        assert not accepts_connections(port)
        pg.start_again()
        assert pg.port == port
        assert pg.psql(db(first), "SELECT v FROM t").split() == ["one"]
        with pytest.raises(PgServerError, match="already running"):
            pg.start_again()

        # synchronous_commit is off for the server: this session waits for its commit to be in
        # the WAL, which is all a crash may rely on.
        pg.psql(db(first), "SET synchronous_commit = on; INSERT INTO t VALUES ('after')")
        pg.kill()
        assert not pg.is_running()
        assert eventually(10, lambda: not accepts_connections(port))
        pg.start_again()
        assert pg.psql(db(first), "SELECT v FROM t ORDER BY v").split() == ["after", "one"]
        assert "database system was interrupted" in pg.log_path.read_text()
    finally:
        pg.close()
    assert not pg.is_running()
    assert not accepts_connections(port)
    assert not directory.exists()
    pg.close()  # again: nothing to do


def test_context_manager_and_two_servers_at_once():
    with PgServer() as one, PgServer() as two:
        assert one.port != two.port
        assert one.dir != two.dir
        one.psql(db(one.create_database()), "CREATE TABLE only_on_one (v int)")
        assert one.psql("postgres", "SELECT count(*) FROM pg_database").strip() == "4"
        assert two.psql("postgres", "SELECT count(*) FROM pg_database").strip() == "3"
        dirs = (one.dir, two.dir)
    assert not any(d.exists() for d in dirs)


def test_no_server_installed_says_how_to_install_it(tmp_path):
    (tmp_path / "client").mkdir()
    (tmp_path / "client" / "psql").touch(mode=0o755)
    with pytest.raises(PgServerError, match=r"apt-get install postgresql"):
        find_bin_dir(path=str(tmp_path / "client"), root=tmp_path / "root")


def test_the_newest_debian_version_is_used(tmp_path):
    for version in ("9.6", "15", "16", "common"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for name in ("initdb", "postgres"):
            (bin_dir / name).touch(mode=0o755)
    assert find_bin_dir(path="", root=tmp_path) == tmp_path / "16" / "bin"


def test_nothing_is_left_when_the_process_is_killed():
    script = (
        "import os, signal, sys, time\n"
        "from pgserver import PgServer\n"
        "pg = PgServer().start()\n"
        "print(pg.port, pg.dir, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        port_text, directory_text = line.split(maxsplit=1)
        port, directory = int(port_text), Path(directory_text.strip())
        assert accepts_connections(port)
        assert (directory / "data").is_dir()
    finally:
        proc.kill()
        proc.wait()
    assert eventually(15, lambda: not accepts_connections(port)), f"port {port} still open"
    assert eventually(15, lambda: not directory.exists()), f"{directory} still exists"
