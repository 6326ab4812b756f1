"""``calmap export …``: the layers in GIS formats and HSDS, and QGIS styles for PostGIS users.

Run by whoever administers the server, an export holds everything by default
(the same as connecting QGIS to the database as its owner); ``--user NAME``
exports exactly what that account may see, under the database's row-level
security.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config, db
from mapping.cli.common import (
    area_id,
    as_user,
    cli_actor,
    fail,
    in_transaction,
    ready_engine,
    team_id,
    user_errors,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor

export_app = typer.Typer(
    help="Export the layers (GeoPackage, GeoJSON, CSV, Shapefile, HSDS) and QGIS styles.",
    no_args_is_help=True,
)
@contextmanager
def _as_administrator(engine: Engine) -> Iterator[tuple[Session, Actor]]:
    actor = cli_actor()
    with db.session_scope(engine, app_user=actor.username) as session:
        yield session, actor


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
    from mapping.io import export
    from mapping.services import export_rows

    with user_errors():
        if fmt not in export.FORMATS:
            fail(f"--format: expected one of {', '.join(export.FORMATS)}, got {fmt!r}")
        cfg = config.load()
        engine = ready_engine(cfg)
        try:
            if user:
                scope = as_user(cfg, engine, user)
            else:
                scope = _as_administrator(engine)
            with scope as (session, actor):
                data = export_rows.read_export(
                    session, actor, team_id=team_id(session, team),
                    area_id=area_id(session, area), as_of=as_of,
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
    from mapping import catalog
    from mapping.io import qgis_styles

    with user_errors():
        entries = in_transaction(config.load(), catalog.entries)
        written = qgis_styles.write_style_files(out, entries, language)
    for path in written:
        typer.echo(str(path))
