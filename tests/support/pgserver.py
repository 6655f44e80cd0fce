"""A real PostgreSQL server for tests and benchmarks, started and stopped by them.

Uses the machine's PostgreSQL binaries (Debian: /usr/lib/postgresql/<v>/bin); if there
are none and we are root (as CI is), installs Debian's `postgresql` package. PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` OS user. TCP on
127.0.0.1 uses password authentication (scram-sha-256), so wrong passwords really fail;
the owner connects through the Unix socket with trust.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "warehouse", "pw-Ã¶-s3cret"  # non-ASCII on purpose: URL quoting


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> Path:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(d, "initdb").exists():
            return Path(d)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"],
            check=True,
            capture_output=True,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
        return _bindir()
    raise RuntimeError("PostgreSQL binaries not found; install Debian's postgresql package")


@dataclass
class PgServer:
    bindir: Path
    datadir: Path
    sockdir: Path
    port: int
    as_postgres: bool

    def _cmd(self, args: list[str]) -> list[str]:
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self._cmd(args), check=True, capture_output=True, text=True, **kw)

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self.run(
            [str(self.bindir / "psql"), "-h", str(self.sockdir), "-p", str(self.port),
             "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        ).stdout  # fmt: skip

    def create_database(self, name: str) -> str:
        self.psql(f'create database "{name}" owner {USER}')
        return self.dsn(name)

    def dsn(self, db: str, password: str | None = PASSWORD, port: int | None = None) -> str:
        from urllib.parse import quote

        auth = USER if password is None else f"{USER}:{quote(password, safe='')}"
        return f"postgresql://{auth}@127.0.0.1:{port or self.port}/{db}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                      "stop"])  # fmt: skip
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start() -> PgServer:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="wh-pg-"))
    datadir, sockdir = root / "data", root / "sock"
    sockdir.mkdir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sockdir, "postgres")
        root.chmod(0o755)
    server = PgServer(bindir, datadir, sockdir, free_port(), as_postgres)
    server.run(
        [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth-local=trust",
         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]
    )  # fmt: skip
    server.run(
        [str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-l", str(root / "log"), "-o",
         f"-p {server.port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
         "-c full_page_writes=off -c synchronous_commit=off", "start"]
    )  # fmt: skip
    for _ in range(50):
        try:
            server.psql("select 1")
            break
        except subprocess.CalledProcessError:
            time.sleep(0.1)
    server.psql(f"create role {USER} login password '{PASSWORD}'")
    return server
