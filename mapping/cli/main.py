"""The ``calmap`` command: database, demo data, catalogue and the web app.

Every failure the user can fix ends in one line on stderr that names what is
wrong and what is expected, and a non-zero exit code.

``calmap --help``, ``calmap db url`` and ``calmap db status`` answer at once:
this module and the sub-commands' modules import only typer and the light
modules at their top, each command imports what it uses (see
``mapping.cli.common``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config, db
from mapping.cli.actions import actions_app
from mapping.cli.addressing import addressing_app
from mapping.cli.backup import backup_command, restore_command
from mapping.cli.common import fail, in_transaction, ready_engine, user_errors
from mapping.cli.common import language as cli_language
from mapping.cli.export import export_app
from mapping.cli.field import field_app
from mapping.cli.gaps import gaps, import_streets
from mapping.cli.imports import import_app
from mapping.cli.june import june
from mapping.cli.population import import_population
from mapping.cli.share import share_app
from mapping.cli.snapshot import snapshot_app
from mapping.cli.survey import app as survey_app
from mapping.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping import catalog

app = typer.Typer(
    help="CAL resource-and-needs map (mapa zasobów i potrzeb).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: embedded cluster and schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts: add, list, disable, change password.", no_args_is_help=True)
catalog_app = typer.Typer(
    help="Categories, target groups and source methods.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
db_app.command("backup")(backup_command)
db_app.command("restore")(restore_command)
app.add_typer(catalog_app, name="catalog")
app.add_typer(user_app, name="user")
app.add_typer(survey_app, name="survey")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(field_app, name="field")
app.add_typer(snapshot_app, name="snapshot")
app.add_typer(share_app, name="share")
app.add_typer(actions_app, name="actions")
app.add_typer(addressing_app, name="addressing")
app.command("june")(june)
app.command("gaps")(gaps)
import_app.command("streets")(import_streets)
import_app.command("population")(import_population)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _config() -> config.Config:
    return config.load()


@db_app.command("start")
def db_start() -> None:
    """Start the embedded database (creating it on first use)."""
    with user_errors():
        cfg = _config()
        if not cfg.embedded:
            fail(t("setup.not_embedded", cli_language()))
        config.ensure_writable_data_dir(cfg)
        db.cluster_for(cfg).start()
        typer.echo(f"started: {db.owner_url(cfg)}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded database."""
    with user_errors():
        cfg = _config()
        if not cfg.embedded:
            fail(t("setup.not_embedded", cli_language()))
        if db.cluster_for(cfg).stop():
            typer.echo("stopped")
        else:
            typer.echo("not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the database in use answers (exit code 3 when it does not)."""
    with user_errors():
        cfg = _config()
        if cfg.embedded:
            cluster = db.cluster_for(cfg)
            if cluster.status():
                typer.echo(f"running: {cluster.url()} (pid {cluster.postmaster_pid()})")
                return
            typer.echo(f"stopped: {cluster.pgdata}")
            raise typer.Exit(3)
        engine = db.make_engine(db.owner_url(cfg))
        try:
            db.check_connection(engine)
        except db.DatabaseError as exc:
            typer.echo(f"unreachable: {exc}")
            raise typer.Exit(3) from exc
        finally:
            engine.dispose()
        typer.echo(f"reachable: {engine.url.render_as_string()}")


@db_app.command("url")
def db_url() -> None:
    """Print the SQLAlchemy URL of the database in use, as its owner (QGIS, psql)."""
    with user_errors():
        typer.echo(db.owner_url(_config()))


@db_app.command("session-key")
def db_session_key() -> None:
    """Print the database's session key, for CALMAP_SESSION_KEY of apps on other machines."""
    with user_errors():
        engine = ready_engine(_config())
        try:
            typer.echo(db.read_session_key(engine).hex())
        finally:
            engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or update the schema (Alembic) and add missing default catalogue entries."""
    from mapping import catalog
    from mapping.db import schema

    with user_errors():
        cfg = _config()
        engine = ready_engine(cfg)
        try:
            schema.upgrade(engine)
            with db.session_scope(engine, app_user="calmap-cli") as session:
                added = catalog.install_defaults(session)
                if cfg.session_key:
                    # Apps elsewhere were given this key: the database must hold the same.
                    schema.store_session_key(session, cfg.session_key)
        finally:
            engine.dispose()
        typer.echo(f"schema up to date; {added} catalogue entries added")


@app.command("demo")
def demo_command() -> None:
    """Load the demo city (real boundaries and venues; illustrative needs). Safe to re-run."""
    from mapping import catalog, demo
    from mapping.db import schema
    from mapping.demo.plan import load_plan
    from mapping.demo.streets import load_streets

    with user_errors():
        cfg = _config()
        engine = ready_engine(cfg)
        try:
            schema.upgrade(engine)
            with db.session_scope(engine, app_user="calmap-demo") as session:
                catalog.install_defaults(session)
                report = demo.load_demo(session)
                # Apart from load_demo: the tests' demo database stays straight-line and planless.
                network = load_streets(session)
                actions_added = load_plan(session)
        finally:
            engine.dispose()
        typer.echo(f"demo data loaded: {report}")
        if network is not None:
            typer.echo(f"demo streets of {network.city}: {network.edge_count} edges, "
                       f"{network.length_km} km ({network.attribution})")
        typer.echo(f"demo action plan: {actions_added} actions added")


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="HTTP port")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on")] = "localhost",
    plain: Annotated[bool, typer.Option(
        "--plain", help="Serve streamlit_app.py uncompressed (a proxy in front compresses)"
    )] = False,
) -> None:
    """Start the web app (and the embedded database when it is in use).

    By default through ``serve_compressed.py``: every response gzip-compressed and
    versioned files cached for a year, which halves a tablet's first visit on poor
    mobile data (issue 18; ``bench/bench_field_network.py``).
    """
    from mapping.db import schema
    from mapping.maps import assets

    with user_errors():
        cfg = _config()
        if db.has_owner(cfg):
            engine = ready_engine(cfg)
            try:
                schema.upgrade(engine)
            finally:
                engine.dispose()
        # Without the owner (a shared server's app machine) the app checks the
        # schema itself and says to run `calmap db upgrade` where the owner is.
        assets.install_static(PROJECT_ROOT / "static")
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / ("streamlit_app.py" if plain else "serve_compressed.py")),
        "--server.port",
        str(port),
        "--server.address",
        address,
    ]
    typer.echo(f"calmap: http://{address}:{port}")
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, args)  # noqa: S606 - replace this process with the server


@catalog_app.command("list")
def catalog_list(
    vocabulary: Annotated[str | None, typer.Option(help="Only this vocabulary")] = None,
    language: Annotated[str, typer.Option(help="pl or en")] = "pl",
) -> None:
    """List catalogue entries as tab-separated lines."""
    with user_errors():

        def work(session: Session) -> list[catalog.Entry]:
            from mapping import catalog

            return catalog.entries(session, vocabulary)

        for entry in in_transaction(_config(), work):
            typer.echo(
                "\t".join(
                    [entry.vocabulary, entry.code, entry.icon, entry.colour, entry.label(language)]
                )
            )


@catalog_app.command("add")
def catalog_add(
    vocabulary: Annotated[str, typer.Argument(help="e.g. resource_category, need_category")],
    code: Annotated[str, typer.Argument(help="lowercase code, e.g. repair_cafe")],
    label_pl: Annotated[str, typer.Option("--pl", help="Polish label")],
    label_en: Annotated[str, typer.Option("--en", help="English label")],
    colour: Annotated[str, typer.Option(help="#RRGGBB")] = "#555555",
    icon: Annotated[str, typer.Option(help="one symbol")] = "●",
    parent: Annotated[str | None, typer.Option(help="resource kind of a resource category")] = None,
    sensitive: Annotated[
        bool, typer.Option(help="health/addiction/violence-like category")
    ] = False,
) -> None:
    """Add a catalogue entry (an admin's extension of the defaults)."""
    from mapping import catalog

    entry = catalog.Entry(vocabulary, code, parent, label_pl, label_en, icon, colour, sensitive)
    with user_errors():
        in_transaction(_config(), lambda session: catalog.add_entry(session, entry))
    typer.echo(f"added {vocabulary}/{code}")


def _read_password() -> str:
    """The new password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != first:
            fail("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="login name, e.g. anna.kowalska")],
    role: Annotated[str, typer.Option(help="admin, editor or viewer")] = "viewer",
    team: Annotated[list[str] | None, typer.Option(help="team code; repeat for more")] = None,
    display_name: Annotated[str | None, typer.Option(help="full name shown in history")] = None,
    no_password: Annotated[
        bool, typer.Option(help="for sign-in through OpenID Connect only")
    ] = False,
) -> None:
    """Create an account; the password is read from stdin."""
    from mapping.services import accounts

    password = None if no_password else _read_password()
    with user_errors():
        in_transaction(
            _config(),
            lambda s: accounts.add_user(s, name, password, role, list(team or []), display_name),
        )
    typer.echo(f"added {name} ({role})")


@user_app.command("list")
def user_list() -> None:
    """List accounts as tab-separated lines: name, role, active, teams."""
    from mapping.services import accounts

    with user_errors():
        rows = in_transaction(_config(), accounts.list_users)
    for user, teams in rows:
        state = "active" if user.active else "disabled"
        typer.echo("\t".join([user.username, user.role, state, ",".join(teams)]))


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Disable an account: it can no longer sign in or act."""
    from mapping.services import accounts

    with user_errors():
        in_transaction(_config(), lambda s: accounts.set_active(s, name, False))
    typer.echo(f"disabled {name}")


@user_app.command("passwd")
def user_passwd(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Set a new password, read from stdin."""
    from mapping.services import accounts

    password = _read_password()
    with user_errors():
        in_transaction(_config(), lambda s: accounts.set_password(s, name, password))
    typer.echo(f"password changed for {name}")


def main() -> None:
    """Entry point for ``python -m mapping.cli.main``."""
    app()


if __name__ == "__main__":
    main()
