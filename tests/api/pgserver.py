"""A throwaway PostgreSQL server for the end-to-end tests (the Python twin of crates/pgtest).

`PgServer().start()` runs Debian's PostgreSQL (the `postgresql` package; nothing is
downloaded) in a fresh directory under the temporary directory named `flowdns-pgtest-...`,
listening on a free port of 127.0.0.1 only, with `trust` authentication for the superuser
`postgres` and durability turned off for speed (`PgServer(durable=True)` keeps it on, for
benchmarks). `create_database()` gives each test a database of its own on one server. `stop()`,
`kill()` and `start_again()` take the database away and bring it back on the same data and
port; `close()` (or leaving the `with` block) shuts the server down and removes its directory.

Binaries: `initdb`, `postgres` and the client programs (`pg_isready`, `psql` or `createdb`)
come from the directory of the `initdb` found on PATH (a link is followed to the directory it
points into), else from the newest `/usr/lib/postgresql/<version>/bin`.

PostgreSQL refuses to run as root: as root, the directory is given to `nobody:nogroup` and the
server programs run as that account through `setpriv --reuid --regid --clear-groups`
(util-linux).

Nothing is left behind:
- The server runs through `setpriv --pdeathsig KILL`, so it gets SIGKILL when this process dies
  however it dies. (`setpriv` sets the parent-death signal after switching accounts: the kernel
  clears it when credentials change, so a `prctl` in `preexec_fn` would be lost as root.) The
  kernel sends that signal when the *thread* that started the child exits, so every child is
  started by one long-lived spawner thread, not by the caller's thread.
- Servers still open at interpreter exit are closed (`atexit`).
- Each server has a watchdog, `sh` reading its standard input from a pipe only this process
  holds, in a session of its own. When the pipe closes (on `close()`, or when this process
  exits or is killed), it waits for the server to be gone, removes the SysV shared memory
  segment a killed server leaves, and removes the directory.
"""

from __future__ import annotations

import atexit
import grp
import os
import pwd
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

INSTALL_HINT = "install Debian's postgresql package (apt-get install postgresql)"
DIR_PREFIX = "flowdns-pgtest-"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
READY_TIMEOUT = 30.0  # seconds for a server to accept queries after it is started
STOP_TIMEOUT = 30.0  # seconds for a fast shutdown before the server is killed
INITDB_TIMEOUT = 120.0
WATCHDOG_TIMEOUT = 30.0
COMMAND_TIMEOUT = 10.0  # seconds for one psql, createdb or pg_isready run
POLL = 0.05
LOG_TAIL_LINES = 40

# The watchdog of one server directory ($1); see the module documentation. It blocks until its
# standard input closes, waits (at most 10 s) for the postmaster recorded in postmaster.pid to
# exit, removes the shared memory segment recorded there (a server shut down cleanly has
# removed both), then removes the directory, retrying while exiting server processes still
# write into it.
WATCHDOG = r"""
cat >/dev/null
dir=$1
pidfile=$dir/data/postmaster.pid
if [ -r "$pidfile" ]; then
  pid=$(sed -n 1p "$pidfile")
  i=0
  while [ -n "$pid" ] && [ "$i" -lt 200 ] &&
    grep -qF -- "$dir/data" "/proc/$pid/cmdline" 2>/dev/null; do
    sleep 0.05
    i=$((i + 1))
  done
  set -- $(sed -n 7p "$pidfile")
  if [ -n "${2:-}" ]; then ipcrm -m "$2" 2>/dev/null; fi
fi
i=0
while [ -e "$dir" ] && [ "$i" -lt 50 ]; do
  rm -rf -- "$dir" 2>/dev/null || sleep 0.1
  i=$((i + 1))
done
"""

SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
    "shared_buffers=32MB",
    # Segments in the data directory, not /dev/shm: a killed server leaves none behind.
    "dynamic_shared_memory_type=mmap",
)

# With `durable=True`: PostgreSQL's own defaults for durability (every commit flushed to disk,
# full page images after a checkpoint) and for shared buffers, for benchmarks that should
# measure real commits.
DURABLE_SETTINGS = (
    "fsync=on",
    "synchronous_commit=on",
    "full_page_writes=on",
    "max_connections=200",
    "shared_buffers=128MB",
    "dynamic_shared_memory_type=mmap",
)


class PgServerError(RuntimeError):
    """A server that cannot be found, started or used; the message says why."""


def find_bin_dir(path: str | None = None, root: Path = DEBIAN_ROOT) -> Path:
    """The directory with `initdb` and `postgres` (see the module documentation)."""

    def has_server(d: Path) -> bool:
        return (d / "initdb").is_file() and (d / "postgres").is_file()

    initdb = shutil.which("initdb", path=os.environ.get("PATH") if path is None else path)
    if initdb:
        for d in (Path(initdb).resolve().parent, Path(initdb).parent):
            if has_server(d):
                return d
    versions = []
    if root.is_dir():
        for entry in root.iterdir():
            try:
                version = float(entry.name)
            except ValueError:
                continue
            if has_server(entry / "bin"):
                versions.append((version, entry / "bin"))
    if versions:
        return max(versions)[1]
    raise PgServerError(
        f"no PostgreSQL server found (initdb and postgres on PATH or in {root}/<version>/bin): "
        + INSTALL_HINT
    )


def _setpriv() -> str:
    found = shutil.which("setpriv") or next(
        (p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.path.isfile(p)), None
    )
    if not found:
        raise PgServerError("setpriv not found: install Debian's util-linux package")
    return found


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) of nobody:nogroup when this process is root, else None."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        raise PgServerError(
            "PostgreSQL cannot run as root, and there is no user nobody to run it as"
        ) from None
    try:
        gid = grp.getgrnam("nogroup").gr_gid
    except KeyError:
        gid = user.pw_gid
    return user.pw_uid, gid


# Ports handed out in this process: never twice, so that a port a closed server had is not
# served again by another server of this process.
_TAKEN_PORTS: set[int] = set()
_PORTS_LOCK = threading.Lock()


def _free_port() -> int:
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with _PORTS_LOCK:
            if port not in _TAKEN_PORTS:
                _TAKEN_PORTS.add(port)
                return port
    raise PgServerError("no free port on 127.0.0.1")


class _Spawner:
    """One long-lived thread that starts every child (see the module documentation)."""

    def __init__(self) -> None:
        self._requests: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while True:
            args, kwargs, reply = self._requests.get()
            try:
                reply.put((subprocess.Popen(*args, **kwargs), None))
            except BaseException as e:  # handed to the caller
                reply.put((None, e))

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pgtest-spawner", daemon=True
                )
                self._thread.start()
        reply: queue.Queue = queue.Queue()
        self._requests.put((args, kwargs, reply))
        proc, error = reply.get()
        if error is not None:
            raise error
        return proc


_SPAWNER = _Spawner()
_OPEN: set["PgServer"] = set()
_OPEN_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    with _OPEN_LOCK:
        servers = list(_OPEN)
    for server in servers:
        server.close()


def _wait(proc: subprocess.Popen, timeout: float) -> int | None:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _tail(path: Path, start: int = 0) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except OSError as e:
        return f"(cannot read {path}: {e})"
    return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])


class PgServer:
    """A PostgreSQL server of its own, in a temporary directory, on a loopback port.

    Use it as a context manager, or call `start()` and `close()`."""

    _names = 0
    _names_lock = threading.Lock()

    def __init__(self, durable: bool = False) -> None:
        """`durable=True` keeps PostgreSQL's durable defaults (fsync, synchronous commits,
        full page writes) instead of turning them off for speed, and 128 MB of shared
        buffers."""
        self.durable = durable
        self.bin: Path | None = None
        self.dir: Path | None = None
        self.port: int | None = None
        self._setpriv = ""
        self._run_as: tuple[int, int] | None = None
        self._proc: subprocess.Popen | None = None
        self._watchdog: subprocess.Popen | None = None

    # Life cycle

    def start(self) -> "PgServer":
        """Creates a fresh cluster and starts a server for it on a free port of 127.0.0.1;
        returns once it accepts queries over TCP (within 30 s, or an error quoting the end of
        its log). Returns self."""
        if self.dir is not None:
            raise PgServerError("this PgServer was already started (use start_again)")
        self.bin = find_bin_dir()
        self._setpriv = _setpriv()
        self._run_as = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix=DIR_PREFIX)).resolve()
        with _OPEN_LOCK:
            _OPEN.add(self)
        try:
            (self.dir / "socket").mkdir(mode=0o700)
            if self._run_as:
                for d in (self.dir, self.dir / "socket"):
                    os.chown(d, *self._run_as)
            self._watchdog = _SPAWNER.popen(
                ["sh", "-c", WATCHDOG, "flowdns-pgtest-watchdog", str(self.dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._initdb()
            self.port = _free_port()
            self._boot(new_port=True)
        except BaseException:
            self.close()
            raise
        return self

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions ended, checkpoint written), waiting for the server
        to exit; killed after 30 s. The data stays for `start_again()`. Nothing happens when it
        is not running."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
        if _wait(proc, STOP_TIMEOUT) is None:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would; waits for the postmaster to exit (its other processes
        follow on their own). The data stays for `start_again()`, which recovers it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def start_again(self) -> None:
        """Starts the server again on the same data directory and port, after `stop()` or
        `kill()`, and waits until it accepts queries (within 30 s)."""
        if self.dir is None or self.port is None:
            raise PgServerError("start_again() needs a server that was started")
        if self.is_running():
            raise PgServerError(f"the PostgreSQL server on port {self.port} is already running")
        self._boot(new_port=False)

    def close(self) -> None:
        """Shuts the server down and removes its directory (data and log included). Calling it
        again does nothing."""
        self.stop()
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            if watchdog.stdin is not None:
                watchdog.stdin.close()
            if _wait(watchdog, WATCHDOG_TIMEOUT) is None:
                watchdog.kill()
                watchdog.wait()
        if self.dir is not None and self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        with _OPEN_LOCK:
            _OPEN.discard(self)

    def __enter__(self) -> "PgServer":
        return self if self.dir is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Use

    def is_running(self) -> bool:
        """Whether the server process is running (it may be starting or shutting down)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path:
        """The server's log (its output over every start)."""
        return self._require_dir() / "postgres.log"

    def url(self, database: str) -> str:
        """postgres://postgres@127.0.0.1:PORT/DATABASE (the superuser, no password)."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Creates an empty database with a name no other call in this process gets; returns
        its URL. With `psql` from the server's directory when it is there, else `createdb`."""
        with PgServer._names_lock:
            PgServer._names += 1
            name = f"test_py_{os.getpid()}_{PgServer._names}"
        if self._tool("psql"):
            self._client("psql", "-d", "postgres", "-c", f'CREATE DATABASE "{name}"')
        elif self._tool("createdb"):
            self._client("createdb", name)
        else:
            raise PgServerError(
                f"neither psql nor createdb in {self.bin}: install Debian's postgresql-client"
            )
        return self.url(name)

    def psql(self, database: str, sql: str) -> str:
        """Runs `sql` with psql (unaligned, tuples only) and returns its output."""
        if not self._tool("psql"):
            raise PgServerError(f"no psql in {self.bin}: install Debian's postgresql-client")
        return self._client("psql", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql)

    # Internals

    def _require_dir(self) -> Path:
        if self.dir is None:
            raise PgServerError("the server was not started")
        return self.dir

    def _tool(self, name: str) -> Path | None:
        path = self.bin / name if self.bin else None
        return path if path and path.is_file() else None

    def _client(self, program: str, *args: str) -> str:
        """Runs a client program of the server's directory against this server over TCP."""
        cmd = [str(self.bin / program), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", PGCONNECT_TIMEOUT="5")
        try:
            done = subprocess.run(
                cmd + list(args),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                env=env,
                timeout=COMMAND_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise PgServerError(f"{program} {' '.join(args)}: no answer within "
                                f"{COMMAND_TIMEOUT:.0f} s") from None
        if done.returncode != 0:
            raise PgServerError(
                f"{program} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}"
            )
        return done.stdout

    def _server_cmd(self, program: str, *args: str) -> list[str]:
        cmd = [self._setpriv]
        if self._run_as:
            uid, gid = self._run_as
            cmd += [f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        return cmd + ["--pdeathsig", "KILL", "--", str(self.bin / program), *args]

    def _server_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PGDATA"}
        env["LC_ALL"] = "C"
        return env

    def _initdb(self) -> None:
        d = self._require_dir()
        help_text = subprocess.run(
            [str(self.bin / "initdb"), "--help"], capture_output=True, text=True
        ).stdout
        args = ["-D", str(d / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--locale=C", "--no-sync"]
        if "--no-instructions" in help_text:
            args.append("--no-instructions")
        log_path = d / "initdb.log"
        with open(log_path, "wb") as log:
            proc = _SPAWNER.popen(
                self._server_cmd("initdb", *args),
                cwd=d,
                env=self._server_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        code = _wait(proc, INITDB_TIMEOUT)
        if code is None:
            proc.kill()
            proc.wait()
            raise PgServerError(f"initdb did not finish within {INITDB_TIMEOUT:.0f} s; its "
                                f"output ends with:\n{_tail(log_path)}")
        if code != 0:
            raise PgServerError(f"initdb failed ({code}); its output ends with:\n"
                                + _tail(log_path))

    def _launch(self) -> subprocess.Popen:
        d = self._require_dir()
        args = ["-D", str(d / "data"), "-k", str(d / "socket"), "-h", "127.0.0.1",
                "-p", str(self.port)]
        for setting in DURABLE_SETTINGS if self.durable else SETTINGS:
            args += ["-c", setting]
        with open(self.log_path, "ab") as log:
            return _SPAWNER.popen(
                self._server_cmd("postgres", *args),
                cwd=d,
                env=self._server_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _boot(self, new_port: bool) -> None:
        """Starts the postmaster and waits until it is ready, retrying (until the deadline)
        a start that fails because the port is taken (moving to another port when `new_port`)
        or because processes of a killed server still hold its shared memory."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
            proc = self._launch()
            why = self._wait_ready(proc, deadline)
            if why is None:
                self._proc = proc
                return
            if proc.poll() is None:  # timed out
                proc.kill()
                proc.wait()
                raise PgServerError(
                    f"PostgreSQL on port {self.port} did not accept queries within "
                    f"{READY_TIMEOUT:.0f} s ({why}); its log ({self.log_path}) ends with:\n"
                    + _tail(self.log_path, log_start)
                )
            log = _tail(self.log_path, log_start)
            port_taken = "Address already in use" in log
            if time.monotonic() < deadline and (port_taken or "is still in use" in log):
                if port_taken and new_port:
                    self.port = _free_port()
                time.sleep(POLL * 2)
                continue
            raise PgServerError(
                f"PostgreSQL on port {self.port} exited ({proc.returncode}) before accepting "
                f"queries; its log ({self.log_path}) ends with:\n{log}"
            )

    def _wait_ready(self, proc: subprocess.Popen, deadline: float) -> str | None:
        """None once this server accepts queries over TCP (a TCP connection, then pg_isready,
        then psql checking that the data directory is this one: not another server that took
        the port; each when the program is there); else why not, once the postmaster exited or
        the deadline passed."""
        want = str(self._require_dir() / "data")
        why = "nothing listened on the port"
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                time.sleep(POLL)
                continue
            try:
                if self._tool("pg_isready"):
                    self._client("pg_isready", "-d", "postgres", "-t", "2")
                if not self._tool("psql"):
                    return None
                got = self.psql("postgres", "SELECT current_setting('data_directory')").strip()
                if got == want:
                    return None
                why = f"the port is served by another cluster ({got})"
            except PgServerError as e:
                why = str(e)
            time.sleep(POLL)
        return why if proc.poll() is None else f"exited with {proc.returncode}"
