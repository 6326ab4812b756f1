"""Back up the database in use to one file, and restore it: PostgreSQL's own pg_dump and pg_restore.

A backup is ``pg_dump --format=custom`` of the whole database: schema, data,
``layer_history`` and the GRANTs and row-level-security policies (never
``--no-acl``), so a restored map enforces the same rules. It holds
social-welfare data and password hashes, so the file is created with mode
0600, and it is streamed from pg_dump's standard output into a file we
opened: when we are root, pg_dump runs as the ``postgres`` system user
(as the embedded server does, see ``mapping.db.embedded_postgres``), who never needs the
right to write there.

The embedded cluster is reached over its unix socket with its own programs;
a shared server (``CALMAP_DATABASE_URL``) with the newest client programs
installed, its connection parameters as a libpq connection string and its
password in ``PGPASSWORD``, never on a command line.

A restore goes into an empty database only, unless ``force``; it creates
the roles the dump's GRANTs and policies name (``ROLES``) first, since roles
belong to the server and not to a dump, and runs ``pg_restore
--exit-on-error --single-transaction``, so a broken or truncated file
leaves the database as it was. Objects are owned by the user restoring
(``--no-owner``): the account the app connects with, whichever server the
backup came from. An extension the target already has (PostGIS on a shared
server, created by its DBA) is left out of the restore, because only its
owner may comment on it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from mapping import config as config_module
from mapping import db
from mapping.db import schema
from mapping.db.embedded_postgres import DATABASE, SUPERUSER, Cluster
from mapping.errors import UserError
from mapping.i18n import reasons

CLIENT_PACKAGE = "postgresql-client"
# The file holds personal data: only its owner may read it.
FILE_MODE = 0o600


@dataclass(frozen=True)
class Role:
    """A role a backup's GRANTs and policies name, created (NOLOGIN) before a restore if missing."""

    name: str
    # Whether the user who restores must be a member, to ``SET ROLE`` to it as the
    # app does: migration 0002 grants this, and memberships are not in a dump.
    restorer_is_member: bool = False


# Every role the schema grants rights to. Roles belong to the server, not to a
# database, so a dump names them but does not create them.
ROLES: tuple[Role, ...] = (Role("calmap_app", restorer_is_member=True),)


@dataclass(frozen=True)
class Target:
    """How a libpq program reaches the database: its arguments, environment and system user."""

    args: tuple[str, ...]
    env: dict[str, str] = field(repr=False)
    run_as: pwd.struct_passwd | None
    bindir: Path | None


@dataclass(frozen=True)
class Restored:
    """What a restore put into the database."""

    tables: int
    history_rows: int


# --- reaching the database ----------------------------------------------------------------


def _server_user() -> pwd.struct_passwd | None:
    """The ``postgres`` account when we are root (the embedded server runs as it), else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise UserError("backup.no_postgres_user") from None


def _conninfo_value(value: str) -> str:
    r"""A value quoted for a libpq connection string: backslash and quote escaped.

    >>> print(_conninfo_value("it's"))
    'it\'s'
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def conninfo(url: str | URL) -> tuple[str, str | None]:
    """A libpq connection string for a SQLAlchemy URL, and the password kept apart.

    Query parameters (``host=/socket/dir``, ``sslmode=require``) are libpq's
    own, as psycopg passes them on, so they go into the string as they are.

    >>> conninfo("postgresql+psycopg://anna:tajne@gis.local:5433/calmap?sslmode=require")
    ("host='gis.local' port='5433' user='anna' dbname='calmap' sslmode='require'", 'tajne')
    """
    parsed = make_url(url)
    parts = {"host": parsed.host, "port": parsed.port, "user": parsed.username,
             "dbname": parsed.database}
    password = parsed.password
    for key, value in parsed.query.items():
        joined = ",".join(value) if isinstance(value, tuple) else value
        if key == "password":
            password = joined
        else:
            parts[key] = joined
    string = " ".join(f"{k}={_conninfo_value(str(v))}" for k, v in parts.items() if v is not None)
    return string, (str(password) if password is not None else None)


def _client_bindir() -> Path | None:
    """The newest PostgreSQL client programs: Debian's /usr/lib/postgresql/N/bin, else PATH.

    pg_dump must be at least as new as the server it dumps, so the newest wins.
    """
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)),  # type: ignore[union-attr]
        reverse=True,
    )
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("pg_dump")
    if on_path:
        return Path(on_path).parent
    return None


def connection(cfg: config_module.Config) -> Target:
    """How pg_dump and pg_restore reach the database in use (the embedded one is started)."""
    base_env = dict(os.environ)
    if cfg.embedded:
        db.ensure_running(cfg)
        cluster = Cluster(cfg.data_dir)
        user = _server_user()
        env = dict(base_env, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        if user is not None:
            env["HOME"] = user.pw_dir
        return Target(
            args=("--host", str(cluster.socket_dir), "--username", SUPERUSER,
                  "--dbname", DATABASE),
            env=env, run_as=user, bindir=cluster.binaries.bindir,
        )
    string, password = conninfo(db.owner_url(cfg))
    env = dict(base_env)
    if password is not None:
        # In the environment, not on the command line, where `ps` would show it.
        env["PGPASSWORD"] = password
    return Target(args=("--dbname", string), env=env, run_as=None, bindir=_client_bindir())


def _program(target: Target, name: str) -> str:
    if target.bindir is None or not (target.bindir / name).exists():
        raise UserError("backup.no_client", program=name, package=CLIENT_PACKAGE)
    return str(target.bindir / name)


def _run(target: Target, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """Run a libpq program as ``target`` says, from ``/`` (which every account may enter)."""
    user: dict[str, object] = {}
    if target.run_as is not None:
        user = {"user": target.run_as.pw_uid, "group": target.run_as.pw_gid, "extra_groups": []}
    return subprocess.run(
        args, env=target.env, cwd="/", stderr=subprocess.PIPE, check=False,
        **user, **kwargs,  # type: ignore[call-overload]
    )


def _reason(stderr: bytes) -> str:
    """The first error pg_dump or pg_restore reported, without the program's prefix."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line or "FATAL" in line] or lines
    if not errors:
        return "?"
    return re.sub(r"^pg_\w+: (error: )?", "", errors[0])


# --- backup ---------------------------------------------------------------------------


def backup(cfg: config_module.Config, out: str | Path) -> Path:
    """Write the whole database in use to ``out`` (mode 0600) with ``pg_dump --format=custom``.

    The dump goes to a hidden file beside ``out``, renamed when complete, so
    a failed backup never leaves half a file or replaces a good one.
    """
    out = Path(out).expanduser().absolute()
    if not out.parent.is_dir():
        raise UserError("backup.no_folder", folder=str(out.parent))
    if out.is_dir():
        raise UserError("backup.is_folder", path=str(out))
    target = connection(cfg)
    pg_dump = _program(target, "pg_dump")
    try:
        handle, staged = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise UserError("backup.cannot_write", path=str(out), reason=reasons.of(exc)) from None
    try:
        # mkstemp makes the file 0600; said again because the mode is the point.
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as sink:
            # pg_dump writes into our open file: as `postgres` it could not open this path.
            proc = _run(target, [pg_dump, "--format=custom", "--no-password", *target.args],
                        stdout=sink)
        if proc.returncode != 0:
            raise UserError("backup.dump_failed", reason=_reason(proc.stderr))
        os.replace(staged, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
    return out


# --- restore --------------------------------------------------------------------------


def _contents(target: Target, path: Path) -> list[str]:
    """The backup's table of contents (``pg_restore --list``); a file that is none is refused."""
    with path.open("rb") as source:
        proc = _run(target, [_program(target, "pg_restore"), "--list"], stdin=source,
                    stdout=subprocess.PIPE)
    if proc.returncode != 0:
        raise UserError("backup.not_a_backup", path=str(path), reason=_reason(proc.stderr))
    return proc.stdout.decode(errors="replace").splitlines()


def own_tables(conn: Connection) -> list[str]:
    """The tables the database holds, besides those of extensions (PostGIS's spatial_ref_sys)."""
    return list(conn.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%' "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY c.relname"
    )))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_roles(conn: Connection, roles: tuple[Role, ...] = ROLES) -> list[str]:
    """Create each missing role (NOLOGIN) and the memberships the app needs; the names created."""
    created = []
    for role in roles:
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role.name})
        if not exists:
            try:
                with conn.begin_nested():
                    conn.execute(text(f"CREATE ROLE {_quoted(role.name)} NOLOGIN"))
                created.append(role.name)
            except DBAPIError as exc:
                # Another restore may have made it in between: that is as good.
                if getattr(exc.orig, "sqlstate", None) != "42710":
                    raise UserError("backup.cannot_create_role", role=role.name,
                                    user=conn.scalar(text("SELECT current_user"))) from None
        member = conn.scalar(
            text("SELECT pg_has_role(current_user, :r, 'MEMBER')"), {"r": role.name}
        )
        if role.restorer_is_member and not member:
            try:
                with conn.begin_nested():
                    conn.execute(text(f"GRANT {_quoted(role.name)} TO CURRENT_USER"))
            except DBAPIError:
                raise UserError("backup.cannot_join_role", role=role.name,
                                user=conn.scalar(text("SELECT current_user"))) from None
    return created


def restore_list(contents: list[str], present: set[str]) -> list[str]:
    """The table of contents without the extensions the target already has, and their comments.

    >>> restore_list(["2; 3079 1 EXTENSION - postgis ", "4590; 0 0 COMMENT - EXTENSION postgis ",
    ...               "220; 1259 2 TABLE public area calmap"], {"postgis"})
    ['220; 1259 2 TABLE public area calmap']
    """
    kept = []
    for line in contents:
        found = re.match(r"^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )(\S+)", line)
        if found and found.group(1) in present:
            continue
        kept.append(line)
    return kept


@contextlib.contextmanager
def _list_file(lines: list[str], owner: pwd.struct_passwd | None) -> Iterator[str]:
    """The restore list in a private temporary file the program's account can read."""
    with tempfile.TemporaryDirectory(prefix="calmap-restore-") as folder:
        path = Path(folder) / "contents.list"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
            os.chown(path, owner.pw_uid, owner.pw_gid)
        yield str(path)


def restore(cfg: config_module.Config, source: str | Path, *, force: bool = False) -> Restored:
    """Restore a backup made by ``backup`` (or ``pg_dump -Fc``) into the database in use.

    Refused when the database already holds tables, unless ``force``: then
    every object the backup holds is dropped and made again (``--clean``), in
    the same single transaction as the rest of the restore.
    """
    path = Path(source).expanduser().absolute()
    if not path.is_file():
        raise UserError("backup.no_file", path=str(path))
    target = connection(cfg)
    contents = _contents(target, path)
    engine = db.make_engine(db.owner_url(cfg))
    try:
        db.check_connection(engine)
        with engine.begin() as sql:
            tables = own_tables(sql)
            if tables and not force:
                raise UserError("backup.not_empty", count=len(tables),
                                tables=", ".join(tables[:5]))
            ensure_roles(sql)
            present = set(sql.scalars(text("SELECT extname FROM pg_extension")))
        args = [_program(target, "pg_restore"), "--no-password", "--exit-on-error",
                "--single-transaction", "--no-owner"]
        if force:
            args += ["--clean", "--if-exists"]
        with _list_file(restore_list(contents, present), target.run_as) as listing, \
                path.open("rb") as archive:
            # The archive comes on standard input: as `postgres`, pg_restore may not open it.
            proc = _run(target, [*args, "--use-list", listing, *target.args], stdin=archive,
                        stdout=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise UserError("backup.restore_failed", path=str(path), reason=_reason(proc.stderr))
        with engine.begin() as sql:
            # Memberships are not in a dump: the app's login role joins the app role again.
            schema.grant_runtime_role(sql)
            tables = own_tables(sql)
            history = sql.scalar(text("SELECT count(*) FROM layer_history")) \
                if "layer_history" in tables else 0
    finally:
        engine.dispose()
    return Restored(tables=len(tables), history_rows=int(history or 0))
