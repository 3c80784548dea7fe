"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temp dir, pg_ctl on loopback.

The distribution's binaries (Debian's postgresql package) are used as they are. initdb and
postgres refuse to run as root, so under root they run as the `postgres` system user in a folder
it owns; otherwise as the current user. The server listens on 127.0.0.1 only, on a free port, with
its unix socket in the temp folder, and password (scram) logins for every role.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BIN_DIRS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # who runs the server when we are root
# Test speed: no fsync; the concurrency benchmark starts its server with durable=True.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class ServerUnavailable(RuntimeError):
    """No PostgreSQL binaries (or driver) on this machine."""


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    for folder in (os.environ.get("SPHERICITY_PG_BIN", ""), *BIN_DIRS):
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb is not None:
        real = Path(initdb).resolve().parent
        if (real / "pg_ctl").is_file():
            return real
    return None


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """One running cluster; `database_url()` makes a fresh, empty database on it."""

    bin_dir: Path
    root: Path
    port: int
    password: str
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))
    _shared: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None):
        """A SQLAlchemy URL (psycopg 3 driver) on the loopback port."""
        from sqlalchemy.engine import URL

        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=self.password if password is None and user == SUPERUSER else password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        )

    def admin_connect(self, database: str = "postgres"):
        """A psycopg connection as the superuser, in autocommit (for CREATE DATABASE, roles)."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname=database,
            autocommit=True,
        )

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database with a new name and return the name."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with self.admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def database_url(self, prefix: str = "t") -> str:
        """A URL string (password included) of a fresh, empty database."""
        return self.url(self.create_database(prefix)).render_as_string(hide_password=False)

    def schema_url(self, prefix: str = "p") -> str:
        """A URL string of a fresh, empty schema in one shared database (much quicker to make
        than a database): the schema is the connection's search_path, so a project there is
        as separate from the others as one in its own database."""
        database = self._shared_database()
        name = f"{prefix}_{next(self._names)}"
        with self.admin_connect(database) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        url = self.url(database).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    def _shared_database(self) -> str:
        if self._shared is None:
            self._shared = self.create_database("shared")
        return self._shared

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return _run_as_owner([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args], check)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (the data folder stays; `start()` brings it back on the same port)."""
        self.pg_ctl("stop", "-m", mode, "-w")

    def start(self) -> None:
        log = self.root / "server.log"
        self.pg_ctl("start", "-w", "-t", "60", "-l", str(log))

    def remove(self) -> None:
        self.pg_ctl("stop", "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(*, durable: bool = False) -> PgServer:
    """initdb into a new temp folder and start the server; ServerUnavailable without binaries."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise ServerUnavailable("PostgreSQL's initdb and pg_ctl were not found")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise ServerUnavailable(
            "the psycopg driver is not installed (pip install '.[postgres]')"
        ) from exc
    root = Path(tempfile.mkdtemp(prefix="sphericity-pg-"))
    server = PgServer(bin_dir, root, free_port(), secrets.token_hex(12))
    try:
        _init_cluster(server, durable)
        server.start()
    except BaseException:
        server.remove()
        raise
    return server


def _init_cluster(server: PgServer, durable: bool) -> None:
    pwfile = server.root / "pwfile"
    pwfile.write_text(server.password + "\n")
    _give_to_owner(server.root)
    _run_as_owner(
        [
            str(server.bin_dir / "initdb"),
            "-D",
            str(server.data_dir),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
    )
    pwfile.unlink()
    settings = [
        f"port = {server.port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{server.root}'",
        "max_connections = 200",
        *([] if durable else [s.replace("=", " = ") for s in FAST_SETTINGS]),
    ]
    conf = server.data_dir / "postgresql.conf"
    conf.write_text(conf.read_text() + "\n" + "\n".join(settings) + "\n")


def _owner() -> pwd.struct_passwd | None:
    """The system user to run the server as, None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError as exc:
        raise ServerUnavailable(
            f"running as root, and there is no {SYSTEM_USER!r} system user to run PostgreSQL as"
        ) from exc


def _give_to_owner(path: Path) -> None:
    owner = _owner()
    if owner is None:
        return
    for item in (path, *path.rglob("*")):
        os.chown(item, owner.pw_uid, owner.pw_gid)


def _run_as_owner(args: list[str], check: bool) -> subprocess.CompletedProcess:
    owner = _owner()
    if owner is not None:
        args = ["runuser", "-u", owner.pw_name, "--", *args]
    result = subprocess.run(args, capture_output=True, text=True, check=False, cwd="/")
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result
