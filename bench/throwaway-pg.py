"""A throwaway PostgreSQL database for the benchmark scripts (bench/scale, bench/api).

    python3 bench/throwaway-pg.py URL_FILE

Starts Debian's PostgreSQL with tests/api/pgserver.py on a free port of 127.0.0.1, in a
temporary directory, with PostgreSQL's durable defaults (fsync on, synchronous commits, full
page writes; FLOWDNS_BENCH_PG_DURABLE=0 turns them off as the tests do), creates a database and
writes its URL to URL_FILE. Then it waits: on SIGTERM or SIGINT it shuts the server down and
removes its directory (if this process is killed outright, the server dies with it and
pgserver.py's watchdog removes the directory).
"""

import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "api"))
from pgserver import PgServer  # noqa: E402


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: throwaway-pg.py URL_FILE", file=sys.stderr)
        return 2
    durable = os.environ.get("FLOWDNS_BENCH_PG_DURABLE", "1") != "0"
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    pg = PgServer(durable=durable).start()
    try:
        url = pg.create_database()
        names = ("server_version", "fsync", "synchronous_commit", "full_page_writes",
                 "shared_buffers")
        settings = " ".join(
            f"{n}={pg.psql('postgres', f'SHOW {n}').strip()}" for n in names)
        print(f"PostgreSQL on port {pg.port}: {settings}", file=sys.stderr, flush=True)
        tmp = Path(sys.argv[1] + ".tmp")
        tmp.write_text(url + "\n")
        tmp.rename(sys.argv[1])
        while not done.wait(0.5):
            pass
    finally:
        pg.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
