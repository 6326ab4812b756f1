"""``calmap import``: areas and points from real files, checked whole, saved all or nothing.

``calmap import areas FILE`` reads estates or districts (GeoJSON, GeoPackage,
zipped Shapefile, KML, CSV with WKT), prints one line per feature with what
was repaired or is wrong, and saves every area or none. ``calmap import
points FILE`` does the same for resources or partners of one area. Both run
as the database owner on behalf of the administrator at the terminal;
``--dry-run`` checks and inserts, then rolls back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapping import config, db
from mapping.cli.common import cli_actor, fail, ready_engine, setup_message
from mapping.config import ConfigError
from mapping.db.embedded_postgres import ClusterError
from mapping.errors import UserError
from mapping.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping.io import area_import

import_app = typer.Typer(
    help="Import areas or points from GeoJSON, GeoPackage, zipped Shapefile, KML, CSV, XLSX.",
    no_args_is_help=True,
)
_MARKS = {"error": "ERROR", "warning": "warning", "note": "note"}
# Problems of the set-up rather than of the file: one line, exit code 1.
SETUP_ERRORS = (ConfigError, ClusterError, db.DatabaseError, OSError)


def _language() -> str:
    try:
        return config.load().language
    except ConfigError:
        return "pl"


@import_app.command("areas")
def import_areas(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GPKG, zipped Shapefile, KML or CSV")],
    name_field: Annotated[
        str | None, typer.Option(help="attribute holding the name (default: guessed)")
    ] = None,
    kind: Annotated[str, typer.Option(help="estate or district")] = "estate",
    team: Annotated[str | None, typer.Option(help="code of the team that owns the areas")] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS when the file states none, e.g. EPSG:2180")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="attribute encoding, e.g. cp1250 (default: detected)")
    ] = None,
    population_field: Annotated[
        str | None, typer.Option(help="attribute holding the population (default: guessed)")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="data owner to credit, e.g. 'SIP Wrocławia'")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer of a GeoPackage")] = None,
    dry_run: Annotated[bool, typer.Option(help="check and insert, then roll back")] = False,
) -> None:
    """Import estates or districts: every feature checked and placed; all saved or none."""
    from sqlalchemy.orm import Session

    from mapping.io import area_import
    from mapping.io.feature_files import SourceOptions, open_features

    lang = _language()
    options = area_import.AreaOptions(name_field, kind, team, population_field, source)
    try:
        features = open_features(file, file.name, SourceOptions(crs, encoding, layer))
        engine = ready_engine(config.load())
    except UserError as exc:
        fail(_text(exc, lang))
    except SETUP_ERRORS as exc:
        fail(setup_message(exc, lang))
    try:
        with Session(engine) as session:
            transaction = session.begin()
            try:
                planned = area_import.plan(session, cli_actor(), features, options, file.name)
                _print_plan(planned, lang)
                ids = area_import.commit(session, cli_actor(), planned)
            except UserError as exc:
                transaction.rollback()
                fail(_text(exc, lang))
            if dry_run:
                transaction.rollback()
                typer.echo(f"dry run: {len(ids)} areas checked and inserted, then rolled back")
                return
            transaction.commit()
    finally:
        engine.dispose()
    typer.echo(f"saved {len(ids)} areas (ids {ids[0]}–{ids[-1]})")


def _print_plan(planned: area_import.AreaPlan, lang: str) -> None:
    typer.echo(
        f"{planned.filename}: {planned.file_format}, {len(planned.areas)} features, "
        f"CRS {planned.source_crs}, name field {planned.name_field}"
        + (f", population field {planned.population_field}" if planned.population_field else "")
    )
    for note in planned.notes:
        typer.echo(f"  {_MARKS[note.level]}: {note.text(lang)}")
    for area in planned.areas:
        parent = f" in {area.parent_name}" if area.parent_name else ""
        typer.echo(f"{area.row:>5}  {area.kind:<8} {area.name or '?'}{parent}")
        for message in area.messages:
            typer.echo(f"         {_MARKS[message.level]}: {message.text(lang)}")


@import_app.command("points")
def import_points(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GPKG, zipped Shapefile, KML, CSV, XLSX")],
    area: Annotated[str, typer.Option(help="id or exact name of the area the points belong to")],
    layer: Annotated[str, typer.Option(help="resource or partner")] = "resource",
    name_field: Annotated[str | None, typer.Option(help="column holding the name")] = None,
    category_field: Annotated[
        str | None, typer.Option(help="column holding the category (partners: the sector)")
    ] = None,
    category_map: Annotated[
        Path | None,
        typer.Option(help="CSV: source value, catalogue code or label; '*' for the rest"),
    ] = None,
    x_field: Annotated[
        str | None, typer.Option(help="column with the easting or longitude (with --y-field)")
    ] = None,
    y_field: Annotated[
        str | None, typer.Option(help="column with the northing or latitude")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS of the coordinates when the file states none")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="attribute encoding, e.g. cp1250")] = None,
    visibility: Annotated[
        str, typer.Option(help="public, partnership or team, where the file says nothing")
    ] = "public",
    dry_run: Annotated[bool, typer.Option(help="check and insert, then roll back")] = False,
) -> None:
    """Import resources or partners of one area: every row checked; all saved or none."""
    from sqlalchemy.orm import Session

    from mapping.io import point_import
    from mapping.io.feature_files import SourceOptions, note_text

    lang = _language()
    try:
        mapping = point_import.read_category_map(category_map) if category_map else {}
        options = point_import.PointOptions(
            layer, name_field, category_field, mapping, default_visibility=visibility
        )
        points = point_import.read(
            file, file.name, options, SourceOptions(crs, encoding, None, x_field, y_field)
        )
        engine = ready_engine(config.load())
    except UserError as exc:
        fail(_text(exc, lang))
    except SETUP_ERRORS as exc:
        fail(setup_message(exc, lang))
    for note in points.notes:
        typer.echo(f"  note: {note_text(note, lang)}")
    try:
        with Session(engine) as session:
            transaction = session.begin()
            try:
                ids = point_import.commit(
                    session, cli_actor(), points, _area_id(session, area), options
                )
            except UserError as exc:
                transaction.rollback()
                report = getattr(exc, "report", None)
                if report is not None:
                    for error in report.errors:
                        column = f" [{error.column}]" if error.column else ""
                        value = f" {error.value!r}" if error.value else ""
                        typer.echo(f"row {error.row}{column}{value}: {error.message(lang)}")
                fail(_text(exc, lang))
            if dry_run:
                transaction.rollback()
                typer.echo(f"dry run: {len(ids)} {layer}s checked and inserted, then rolled back")
                return
            transaction.commit()
    finally:
        engine.dispose()
    typer.echo(f"saved {len(ids)} {layer}s")


def _area_id(session: Session, given: str) -> int:
    """An area by id, or by its exact name when that names one current area."""
    if given.isdigit():
        return int(given)
    from sqlalchemy import select

    from mapping.db.models import Area

    found = session.scalars(
        select(Area.id).where(Area.name == given, Area.retired_at.is_(None))
    ).all()
    if len(found) != 1:
        raise UserError("error.choose_area")
    return found[0]


def _text(exc: UserError, lang: str) -> str:
    return t(exc.key, lang, **exc.params)
