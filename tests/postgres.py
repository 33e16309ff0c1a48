"""A PostgreSQL of the tests' own: initdb in a temporary folder, pg_ctl on a free port.

Never the machine's system instance. ``initdb`` refuses to run as root, and CI runs as
root, so the cluster belongs to an unprivileged user (``nobody``) and lives outside
pytest's root-only temporary folders.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
from processes import free_port
from waiting import wait_until

OWNER = "nobody"


def postgres_bin() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian's postgresql package)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: ./setup.sh install puts it in")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3].split(".")[0])


class Postgres:
    """A throwaway cluster; :meth:`database` makes a fresh, empty database in it."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="nojd-pg-"))
        self.port = free_port()
        shutil.chown(self.folder, OWNER)
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "nojd",
                  "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip

    def start(self) -> Postgres:
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w",
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
            "start",
        )  # fmt: skip
        assert wait_until(self._ready, 30), (self.folder / "log").read_text()
        return self

    def stop(self) -> None:
        """Stop the server and remove its folder; safe to call twice."""
        if (self.folder / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://nojd@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _ready(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2) as probe:
                return probe.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", OWNER, "--", str(self.bin / tool), *args],
            check=True, capture_output=True, timeout=120, cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )  # fmt: skip
