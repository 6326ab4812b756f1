"""The embedded PostgreSQL + PostGIS cluster the app runs when no shared server is configured.

The cluster lives under ``<data dir>/postgres``, listens on a unix socket in
``<data dir>/socket`` and on no TCP port. Run as root, the server runs as the
``postgres`` system user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mapping.errors import SetupError

SUPERUSER = "calmap"
# The app's login role: no superuser, no RLS bypass, owns nothing; the 0006
# migration makes it a member of calmap_app and of nothing else.
RUNTIME_USER = "calmap_runtime"
DATABASE = "calmap"
POSTGRES_PACKAGE = "postgresql"


class ClusterError(SetupError, RuntimeError):
    """The embedded database cannot be created, started or stopped; the message says why."""


@dataclass(frozen=True)
class Binaries:
    """Where the PostgreSQL server programs are, and their major version."""

    bindir: Path
    major: int

    def program(self, name: str) -> str:
        """Path of one server program, e.g. ``pg_ctl``."""
        return str(self.bindir / name)


def find_binaries() -> Binaries:
    """Find PostgreSQL's server programs: Debian's /usr/lib/postgresql/N/bin, else PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)),  # type: ignore[union-attr]
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(on_path)
    for pg_ctl in candidates:
        bindir = Path(pg_ctl).parent
        if (bindir / "initdb").exists() and (bindir / "postgres").exists():
            out = subprocess.run(
                [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
            ).stdout
            match = re.search(r"(\d+)", out)
            return Binaries(bindir, int(match.group(1)) if match else 0)
    raise ClusterError(
        "PostgreSQL server not found: install it with "
        f"'apt-get install {POSTGRES_PACKAGE} postgresql-15-postgis-3' "
        "(or put pg_ctl and initdb on PATH)",
        "setup.no_postgres", package=POSTGRES_PACKAGE,
    )


def check_postgis(binaries: Binaries) -> None:
    """Fail with the package to install when PostGIS is missing for this server version."""
    sharedirs = [
        f"/usr/share/postgresql/{binaries.major}/extension",
        str(binaries.bindir.parent / "share" / "postgresql" / "extension"),
        str(binaries.bindir.parent / "share" / "extension"),
    ]
    if not any(Path(d, "postgis.control").exists() for d in sharedirs):
        raise ClusterError(
            f"PostGIS not found for PostgreSQL {binaries.major}: install it with "
            f"'apt-get install postgresql-{binaries.major}-postgis-3'",
            "setup.no_postgis_package", major=binaries.major,
        )


class Cluster:
    """One embedded cluster under a data directory."""

    def __init__(self, data_dir: Path, binaries: Binaries | None = None) -> None:
        """Describe the cluster under ``data_dir``; nothing is created until ``start``."""
        self.data_dir = Path(data_dir)
        self.pgdata = self.data_dir / "postgres"
        self.socket_dir = self.data_dir / "socket"
        self.logfile = self.data_dir / "postgres.log"
        self._binaries = binaries

    @property
    def binaries(self) -> Binaries:
        """The server programs, found on first use."""
        if self._binaries is None:
            self._binaries = find_binaries()
        return self._binaries

    # --- who runs the server -------------------------------------------------

    @staticmethod
    def _server_user() -> pwd.struct_passwd | None:
        """The account the server must run as when we are root, else None."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ClusterError(
                "running as root needs the 'postgres' system user to run the database: "
                f"install it with 'apt-get install {POSTGRES_PACKAGE}'",
                "setup.root_postgres", package=POSTGRES_PACKAGE,
            ) from exc

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._server_user()
        kwargs: dict[str, object] = {}
        if user is not None:
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        if user is not None:
            env["HOME"] = user.pw_dir
        proc = subprocess.run(  # noqa: PLW1510 - check handled below with a clear message
            args,
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            **kwargs,  # type: ignore[call-overload]
        )
        if check and proc.returncode != 0:
            raise ClusterError(
                f"{Path(args[0]).name} failed: {_last_line(proc.stderr or proc.stdout)}"
            )
        return proc

    def _prepare_dirs(self) -> None:
        user = self._server_user()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            for path in (self.pgdata, self.socket_dir):
                path.mkdir(mode=0o700, exist_ok=True)
                if user is not None:
                    os.chown(path, user.pw_uid, user.pw_gid)
            if user is not None:
                self.logfile.touch(exist_ok=True)
                os.chown(self.logfile, user.pw_uid, user.pw_gid)
        except OSError as exc:
            raise ClusterError(
                f"CALMAP_DATA_DIR: cannot create the database under {self.data_dir} "
                f"({exc.strerror}); expected a writable directory",
                "setup.data_dir_create", path=str(self.data_dir), reason=exc,
            ) from exc
        if user is not None and not _can_traverse(self.data_dir, user):
            raise ClusterError(
                f"CALMAP_DATA_DIR: the 'postgres' system user cannot reach {self.data_dir}; "
                "expected a directory outside /root, e.g. /var/lib/calmap",
                "setup.data_dir_root", path=str(self.data_dir),
            )

    # --- lifecycle -------------------------------------------------------------

    @property
    def initialised(self) -> bool:
        """True once initdb has created the cluster."""
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster (initdb) if it does not exist yet."""
        if self.initialised:
            return
        check_postgis(self.binaries)
        self._prepare_dirs()
        # trust on the socket is safe: the socket directory is 0700, so only the
        # server's own account (and root) can reach it.
        self._run(
            [
                self.binaries.program("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=reject",
            ]
        )

    def status(self) -> bool:
        """True when the server is running and accepting connections."""
        if not self.initialised:
            return False
        proc = self._run(
            [self.binaries.program("pg_ctl"), "status", "-D", str(self.pgdata)], check=False
        )
        return proc.returncode == 0 and self._ready()

    def _ready(self) -> bool:
        pg_isready = self.binaries.bindir / "pg_isready"
        if not pg_isready.exists():
            return True
        proc = subprocess.run(
            [str(pg_isready), "-h", str(self.socket_dir), "-U", SUPERUSER, "-d", "postgres", "-q"],
            check=False,
        )
        return proc.returncode == 0

    def start(self, *, already_running_ok: bool = False) -> None:
        """Start the server; after a crash PostgreSQL replays its WAL before accepting work."""
        with self._lock():
            self.init()
            if self.status():
                if already_running_ok:
                    return
                raise ClusterError(
                    f"the embedded database is already running ({self.socket_dir})",
                    "setup.already_running", path=str(self.socket_dir),
                )
            self._prepare_dirs()
            options = (
                "-c listen_addresses='' "
                f"-c unix_socket_directories='{self.socket_dir}' "
                "-c unix_socket_permissions=0700 "
                "-c max_connections=60"
            )
            for attempt in range(10):
                proc = self._run(
                    [
                        self.binaries.program("pg_ctl"),
                        "start",
                        "-D",
                        str(self.pgdata),
                        "-l",
                        str(self.logfile),
                        "-w",
                        "-t",
                        "120",
                        "-o",
                        options,
                    ],
                    check=False,
                )
                if proc.returncode == 0:
                    break
                # After SIGKILL the old backends may still hold shared memory for a
                # moment; they exit once they notice the postmaster is gone.
                # A killed postmaster may also linger a moment as a zombie.
                tail = self._log_tail()
                if attempt < 9 and ("shared memory" in tail or "another postmaster" in tail):
                    time.sleep(1)
                    continue
                raise ClusterError(
                    f"the embedded database did not start: {_last_line(self._log_tail())} "
                    f"(log: {self.logfile})",
                    "setup.not_started", detail=_last_line(self._log_tail()),
                    log=str(self.logfile),
                )
            self._ensure_database()

    def stop(self) -> bool:
        """Stop the server (fast shutdown); return False if it was not running."""
        with self._lock():
            if not self.initialised or not self.status():
                return False
            self._run(
                [
                    self.binaries.program("pg_ctl"),
                    "stop",
                    "-D",
                    str(self.pgdata),
                    "-m",
                    "fast",
                    "-w",
                ]
            )
            return True

    def postmaster_pid(self) -> int | None:
        """PID of the running postmaster, read from its pid file."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _ensure_database(self) -> None:
        psql = self.binaries.program("psql")
        base = [psql, "-h", str(self.socket_dir), "-U", SUPERUSER, "-X", "-q", "-t", "-A"]
        found = self._run(
            [
                *base,
                "-d",
                "postgres",
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
            ]
        )
        if found.stdout.strip() != "1":
            self._run([*base, "-d", "postgres", "-c", f'CREATE DATABASE "{DATABASE}"'])
        self._run([*base, "-d", "postgres", "-c", CREATE_RUNTIME_ROLE])

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of a database in this cluster as the owner, over the unix socket."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def runtime_url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of a database in this cluster as the app's runtime role."""
        return f"postgresql+psycopg://{RUNTIME_USER}@/{database}?host={self.socket_dir}"

    def _log_tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start/stop between processes (two `calmap serve` at once)."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.data_dir / ".cluster.lock", "w")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise ClusterError(
                f"CALMAP_DATA_DIR: cannot write to {self.data_dir} ({exc.strerror}); "
                "expected a writable directory",
                "setup.data_dir_write", path=str(self.data_dir), reason=exc,
            ) from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


CREATE_RUNTIME_ROLE = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_USER}') THEN
        CREATE ROLE {RUNTIME_USER} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
            NOREPLICATION;
    END IF;
END $$
"""


def _can_traverse(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` can walk down to ``path`` (execute permission on every parent)."""
    current = path.resolve()
    for part in [current, *current.parents]:
        st = part.stat()
        if st.st_uid == user.pw_uid:
            ok = bool(st.st_mode & 0o100)
        elif st.st_gid == user.pw_gid:
            ok = bool(st.st_mode & 0o010)
        else:
            ok = bool(st.st_mode & 0o001)
        if not ok:
            return False
    return True


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
