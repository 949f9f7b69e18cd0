"""A throwaway PostgreSQL cluster in a directory of ours, from Debian's server binaries.

The tests (and local scale-out runs) start their own server instead of
depending on one a person happens to run. PostgreSQL refuses to run as root,
so as root the cluster is owned by and run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path


def server_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise FileNotFoundError("PostgreSQL server binaries not found: run 'make system-deps'")
    return Path(found[-1]).parent


class LocalPostgres:
    def __init__(self, base_dir: Path, port: int, user: str = "onceonly") -> None:
        self.base_dir, self.port, self.user = Path(base_dir), port, user
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.bin = server_bin_dir()
        self._as_root = os.geteuid() == 0

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def url(self, database: str = "onceonly") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> LocalPostgres:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            shutil.chown(self.base_dir, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                self.user,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.base_dir / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        return self

    def create_database(self, name: str) -> str:
        deadline = time.monotonic() + 20
        while True:
            try:
                self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
                return self.url(name)
            except subprocess.CalledProcessError as exc:
                if "already exists" in exc.stderr:
                    return self.url(name)
                if time.monotonic() > deadline:
                    raise

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
