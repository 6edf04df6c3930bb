"""A throwaway PostgreSQL cluster on 127.0.0.1 for a benchmark, started as tests/conftest.py
starts one (as the ``postgres`` user when run as root: the server refuses root), with fsync on as
in production. Shared by ``bench/commands.py``, ``bench/fanout.py`` and ``bench/exactly_once.py``."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@contextlib.contextmanager
def throwaway_postgres(
    parent: Path | None = None, prefix: str = "bench-pg-", pidfiles: list[Path] | None = None
) -> Iterator[str]:
    """The URL of a new cluster, stopped and removed afterwards. Its folder is made in ``parent``
    (the system's temporary folder by default); ``pidfiles``, when given, holds its
    postmaster.pid while it runs (so a benchmark can count the server's CPU)."""
    bindir = pg_bindir()
    if bindir is None:
        raise NoPostgres("no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin, PATH)")
    base = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    data = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        if parent is not None:
            shutil.chown(parent, "postgres")
        shutil.chown(base, "postgres")
        os.chmod(base, 0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    subprocess.run([*run_as, *initdb, "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*pg_ctl, "-o", opts, "-l", str(base / "log"), "-w", "-t", "60", "start"],
        check=True,
        capture_output=True,
    )
    pidfile = data / "postmaster.pid"
    if pidfiles is not None:
        pidfiles.append(pidfile)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if pidfiles is not None:
            pidfiles.remove(pidfile)
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
