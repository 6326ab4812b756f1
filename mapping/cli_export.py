"""``calmap export …``: the layers in GIS formats and HSDS, and QGIS styles for PostGIS users.

Run by whoever administers the server, an export holds everything by default
(the same as connecting QGIS to the database as its owner); ``--user NAME``
exports exactly what that account may see, under the database's row-level
security.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapping import accounts, catalog, config, db, export, qgis_styles
from mapping.accounts import Actor
from mapping.errors import UserError
from mapping.models import Area, Team

export_app = typer.Typer(
    help="Export the layers (GeoPackage, GeoJSON, CSV, Shapefile, HSDS) and QGIS styles.",
    no_args_is_help=True,
)
# The command line acts with the database owner's rights: everything, like an admin.
CLI_ACTOR = Actor(id=0, username="calmap-cli", role="admin")


def _fail(message: str) -> None:
    typer.echo(f"calmap: {message}", err=True)
    raise typer.Exit(1)


def _team_id(session: Session, value: str | None) -> int | None:
    """A team given by its code (or its id)."""
    if not value:
        return None
    team = session.scalar(select(Team.id).where(Team.code == value))
    if team is None and value.isdigit():
        team = session.scalar(select(Team.id).where(Team.id == int(value)))
    if team is None:
        raise UserError("account.unknown_team", team=value)
    return team


def _area_id(session: Session, value: str | None) -> int | None:
    """An area given by its id, or by a name that only one current area has."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    found = session.scalars(
        select(Area.id).where(
            func.lower(Area.name) == value.strip().lower(), Area.retired_at.is_(None)
        )
    ).all()
    if len(found) != 1:
        raise UserError("export.area_name", name=value, count=len(found))
    return found[0]


@export_app.command("layers")
def export_layers(
    fmt: Annotated[str, typer.Option("--format", help="gpkg, geojson, csv, shp or hsds")],
    out: Annotated[Path, typer.Option(help="file to write (replaced if it exists)")],
    team: Annotated[str | None, typer.Option(help="team code: that team's areas only")] = None,
    area: Annotated[
        str | None, typer.Option(help="area id or name: that area and those inside it")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (end of that day) or an ISO date-time")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="export what this account may see (default: everything)")
    ] = None,
    language: Annotated[str, typer.Option(help="labels in styles and HSDS: pl or en")] = "pl",
) -> None:
    """Export the layers the way ``--user`` (or the administrator) sees them."""
    from mapping.cli import _ready_engine, _user_errors

    with _user_errors():
        if fmt not in export.FORMATS:
            _fail(f"--format: expected one of {', '.join(export.FORMATS)}, got {fmt!r}")
        cfg = config.load()
        engine = _ready_engine(cfg)
        try:
            if user:
                with Session(engine) as lookup:
                    actor = accounts.actor_for(lookup, user)
                scope = db.session_scope(engine, actor.username, restricted=True)
            else:
                actor = CLI_ACTOR
                scope = db.session_scope(engine, app_user="calmap-cli")
            with scope as session:
                data = export.read_export(
                    session, actor, team_id=_team_id(session, team),
                    area_id=_area_id(session, area), as_of=as_of,
                )
            path = export.write_export(data, fmt, out, language)
        finally:
            engine.dispose()
    counts = ", ".join(f"{layer} {n}" for layer, n in export.summary(data).items())
    typer.echo(f"wrote {path} ({counts})")


@export_app.command("qgis-styles")
def export_qgis_styles(
    out: Annotated[Path, typer.Option(help="folder for area.qml, resource.qml, …")],
    language: Annotated[str, typer.Option(help="category labels: pl or en")] = "pl",
) -> None:
    """Write QGIS styles (.qml) for the PostGIS layers, with the catalogue's categories."""
    from mapping.cli import _in_transaction, _user_errors

    with _user_errors():
        entries = _in_transaction(config.load(), catalog.entries)
        written = qgis_styles.write_style_files(out, entries, language)  # type: ignore[arg-type]
    for path in written:
        typer.echo(str(path))
