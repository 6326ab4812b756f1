"""Importing resources or partners from a points file: every row checked, all saved in one go.

The spreadsheet import (``mapping.io.bulk``) reads CSV/XLSX the way people export
them and saves row by row through ``pins.create_pin``. This module adds the
GIS formats (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV with WKT or with
projected X/Y columns), a category mapping from a source column, and a
set-based save that keeps ten thousand rows to seconds:

- ``read`` turns any supported file into bulk's ``ParsedFile`` (what the
  spreadsheet import produces), so reports, previews and messages are shared;
- ``check`` applies the pin rules to every row: ``pins.check_fields`` with
  the catalogue read once, ``validation.check_point`` (Poland, swapped
  axes), and one query for "inside the area"; it writes nothing;
- ``commit`` checks again and inserts every row with one INSERT … SELECT
  FROM unnest(arrays) in the caller's transaction, or raises ``bulk.BulkImportError`` with every
  failing row, so that nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ARRAY, text
from sqlalchemy.orm import Session

from geodata import boundaries
from geodata.features import DEFAULT_LIMITS, WGS84, Features, Limits, Note
from mapping import db
from mapping.errors import PermissionDenied, UserError, ValidationError
from mapping.io import bulk, bulk_reading
from mapping.io.bulk import ParsedFile, ParsedRow, ReadyRow, Report, RowError
from mapping.io.feature_files import SourceOptions, open_features
from mapping.services import pins, validation
from mapping.services.accounts import Actor
from mapping.services.pins import MODELS

# In a category map, the value that stands for "anything not listed, and empty".
ANY_VALUE = "*"
# NOT NULL columns with a server default, for a row that does not carry the field.
_DEFAULTS: dict[str, Any] = {"target_groups": [], "serves_from_outside": False}
# Where an error about a row's position is reported (bulk's field for it).
POINT = "point"
_GEOMETRY_PROBLEMS = {
    "incomplete": "bulk.point_incomplete",
    "bad_number": "error.point_not_number",
    "bad_wkt": "bulk.bad_wkt",
}


@dataclass(frozen=True)
class PointOptions:
    """Which layer the rows go to and how the file's columns become its fields.

    ``name_field``/``category_field`` name the columns holding the name and
    the category (for partners: the sector); without them, columns are
    matched by their headings as the spreadsheet import matches them.
    ``category_map`` turns the source column's values (case-insensitive)
    into catalogue codes or labels; its ``*`` entry stands for any other
    value and for an empty one.
    """

    layer: str = "resource"
    name_field: str | None = None
    category_field: str | None = None
    category_map: Mapping[str, str] = field(default_factory=dict)
    default_visibility: str = "public"


@dataclass
class PointFile:
    """A points file read into bulk's shape, with what the reader noticed."""

    parsed: ParsedFile
    source_crs: str
    notes: list[Note] = field(default_factory=list)
    # Rows that fall in Poland only with their coordinates the other way round.
    swapped_rows: frozenset[int] = frozenset()


def read_category_map(source: str | Path | bytes, filename: str | None = None) -> dict[str, str]:
    """A category map from a two-column CSV or XLSX: source value, then catalogue code or label.

    The first row is the heading. A value ``*`` maps everything not listed.
    """
    name = filename or Path(str(source)).name
    if not isinstance(source, bytes):
        # By its size on disk first: a wrong file given as the map is not read whole.
        bulk_reading.check_table_size(Path(source).stat().st_size)
    content = source if isinstance(source, bytes) else Path(source).read_bytes()
    table = bulk_reading.read_table(content, name)
    mapping: dict[str, str] = {}
    for number, cells in table.rows[1:]:
        value, code = (list(cells) + [None, None])[:2]
        if _blank(code):
            raise UserError("point_import.bad_category_map", row=number)
        mapping[_cell(value)] = _cell(code)
    return mapping


def read(
    source: str | Path | bytes,
    filename: str | None = None,
    options: PointOptions | None = None,
    source_options: SourceOptions | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> PointFile:
    """Read a points file of any supported format into rows ready for ``check``/``commit``."""
    options = options or PointOptions()
    name = PurePath(filename).name if filename else Path(str(source)).name
    features = open_features(source, name, source_options, limits)
    return from_features(features, name, options)


def parse_upload(content: bytes, filename: str, layer: str, default_visibility: str) -> ParsedFile:
    """A spreadsheet a user uploads, in bulk's shape, wherever its points are.

    A KoboToolbox or ODK Central export carries its geopoint split into
    latitude/longitude columns (``geopoints.table_point_options``): those
    rows are placed as ``calmap import points`` places them. Any other table
    is read by ``bulk.parse`` (``lat``/``lon`` or WKT headings).
    """
    from mapping.io import geopoints

    located = geopoints.table_point_options(content, filename)
    if located is None:
        return bulk.parse(content, filename)
    options = PointOptions(layer=layer, default_visibility=default_visibility)
    return read(content, filename, options, located).parsed


def from_features(features: Features, filename: str, options: PointOptions) -> PointFile:
    """Rows in bulk's shape from features: columns matched to fields, categories mapped."""
    _check_layer(options.layer)
    columns = _columns(features, options)
    parsed = ParsedFile(
        filename=filename,
        file_format=features.file_format.lower(),
        encoding=features.encoding,
        delimiter=None,
        columns={f: c for f, c in columns.items() if c is not None},
        ignored=[c for c in features.attribute_columns if c not in columns.values()],
        rows=[],
        errors=[],
    )
    if "category" not in columns and options.category_map.get(ANY_VALUE):
        parsed.columns["category"] = ANY_VALUE
    mapping = {key.strip().casefold(): code for key, code in options.category_map.items()}
    records = features.frame.drop(columns=features.frame.geometry.name).to_dict("records")
    geometries = list(features.frame.geometry)
    for position, (record, geometry) in enumerate(zip(records, geometries, strict=True)):
        number = features.rows[position]
        values = {f: record[c] for f, c in columns.items() if c is not None}
        if mapping:
            values["category"] = _mapped(values.get("category"), mapping)
        row = bulk_reading.read_row(parsed, number, values)
        point = _point(parsed, number, geometry, features.row_problems.get(position))
        parsed.rows.append(dataclasses.replace(row, point=point))
    return PointFile(
        parsed=parsed,
        source_crs=features.source_crs,
        notes=list(features.notes),
        swapped_rows=_swapped_rows(features, parsed),
    )


def _check_layer(layer: str) -> None:
    if layer not in bulk.LAYERS:
        raise UserError("error.unknown_layer", layer=layer)


def _columns(features: Features, options: PointOptions) -> dict[str, str | None]:
    """Field → the file's column; explicit choices first, then headings bulk recognises."""
    available = features.attribute_columns
    columns: dict[str, str | None] = {}
    for name, chosen in (("name", options.name_field), ("category", options.category_field)):
        if chosen is not None:
            if chosen not in available:
                raise UserError(
                    "point_import.no_column", column=chosen, columns=", ".join(available) or "-"
                )
            columns[name] = chosen
    for heading in available:
        if heading in columns.values():
            continue
        matched = bulk_reading.field_of_heading(heading)
        # Coordinates were read already; a field matched twice keeps its first column.
        if matched is not None and matched not in ("lat", "lon", "wkt") and matched not in columns:
            columns[matched] = heading
    if "name" not in columns:
        raise UserError("point_import.no_name_column", columns=", ".join(available) or "-")
    if "category" not in columns and not options.category_map.get(ANY_VALUE):
        raise UserError("point_import.no_category_column", columns=", ".join(available) or "-")
    return columns


def _mapped(value: Any, mapping: Mapping[str, str]) -> Any:
    """The catalogue code or label for a source value; unlisted values pass through as typed."""
    return mapping.get(_cell(value).casefold(), mapping.get(ANY_VALUE) or value)


def _point(
    parsed: ParsedFile,
    number: int,
    geometry: BaseGeometry | None,
    problem: tuple[str, str] | None,
) -> tuple[float, float] | None:
    """The row's (lon, lat), or None with the reason added to ``parsed.errors``."""
    if problem is not None:
        code, value = problem
        parsed.errors.append(
            RowError(number, POINT, _GEOMETRY_PROBLEMS[code], parsed.column_of(POINT), value)
        )
        return None
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, MultiPoint) and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if not isinstance(geometry, Point):
        parsed.errors.append(
            RowError(number, POINT, "point_import.not_a_point", None, geometry.geom_type,
                     {"type": geometry.geom_type})
        )
        return None
    return (float(geometry.x), float(geometry.y))


def _swapped_rows(features: Features, parsed: ParsedFile) -> frozenset[int]:
    """Rows outside Poland whose coordinates, read the other way round, fall inside it.

    ``validation.check_point`` tells a lat/lon swap itself; this finds the
    projected case (northing and easting columns exchanged), which only the
    source coordinates reveal.
    """
    if features.source_crs == WGS84:
        return frozenset()
    poland = validation.poland()
    outside = [
        i for i, row in enumerate(parsed.rows)
        if row.point is not None and not (
            np.isfinite(row.point).all() and poland.covers(shapely.Point(row.point))
        )
    ]  # fmt: skip
    if not outside:
        return frozenset()
    source = features.source_geometry.iloc[outside]
    flipped = gpd.GeoSeries([boundaries.swap_axes(g) for g in source], crs=features.source_crs)
    back = flipped.to_crs(WGS84)
    return frozenset(
        parsed.rows[i].row for i, point in zip(outside, back, strict=True)
        if np.isfinite(shapely.get_coordinates(point)).all() and poland.covers(point)
    )  # fmt: skip


# --- checking and saving --------------------------------------------------------------------


@dataclass
class _Checked:
    area_id: int
    report: Report
    rows: list[dict[str, Any]]


def check(
    session: Session, actor: Actor, points: PointFile, area_id: int | None,
    options: PointOptions | None = None,
) -> Report:
    """Check every row with the pin rules and the actor's rights; write nothing.

    Problems with the whole import (no right to edit the area, no area)
    raise ``UserError``; the rows' problems are in the report.
    """
    return _check(session, actor, points, area_id, options or PointOptions()).report


def commit(
    session: Session, actor: Actor, points: PointFile, area_id: int | None,
    options: PointOptions | None = None,
) -> list[int]:
    """Insert every row in the caller's transaction; return the new ids in row order.

    When any row fails, ``bulk.BulkImportError`` carries the report of every
    failing row and nothing is inserted. History names ``actor``.
    """
    options = options or PointOptions()
    if not points.parsed.rows:
        raise UserError("bulk.no_rows")
    checked = _check(session, actor, points, area_id, options)
    if checked.report.errors:
        raise bulk.BulkImportError(checked.report)
    with _checked_once(session, checked.area_id):
        return _insert(session, MODELS[options.layer], checked.area_id, checked.rows)


@contextmanager
def _checked_once(session: Session, area_id: int) -> Iterator[None]:
    """Ask the database's own rule once whether the signed-in user may write in the area.

    The refusal is a clear ``PermissionDenied`` before any row is sent. On the
    app's runtime role the insert then runs under row-level security, whose
    policies read the user once per statement. An owner's connection acting
    for a user (the CLI, tests) writes as the owner once the rule said yes.
    """
    switched = session.scalar(text("SELECT current_user")) == db.APP_ROLE
    if not switched and db.is_owner(session):
        yield  # the owner's own transaction: no user to ask about
        return
    if not session.scalar(text("SELECT calmap_may_edit_area(:area)"), {"area": area_id}):
        raise PermissionDenied("error.not_your_team")
    if switched:
        session.execute(text("RESET ROLE"))
    yield
    if switched:
        # Only on success: after an error the transaction rolls back, role included.
        session.execute(text(f"SET LOCAL ROLE {db.APP_ROLE}"))


def _insert(
    session: Session, model: Any, area_id: int, rows: list[dict[str, Any]]
) -> list[int]:
    """One INSERT … SELECT FROM unnest(arrays) for all rows; the new ids in row order.

    One array per column keeps the statement short whatever the number of
    rows (a multi-row VALUES list is longer than the data it carries).
    """
    if not rows:
        return []
    table = model.__table__
    dialect = session.get_bind().dialect
    names = sorted({key for row in rows for key in row} - {"area_id", "geom"})
    columns: list[str] = []
    selected: list[str] = []
    arrays: list[str] = []
    aliases: list[str] = []
    params: dict[str, Any] = {}
    for index, name in enumerate(names):
        values = [row.get(name, _DEFAULTS.get(name)) for row in rows]
        if all(value is None for value in values):
            continue  # the column's own default (NULL) applies
        sql_type = table.c[name].type.compile(dialect=dialect)
        if isinstance(table.c[name].type, ARRAY):
            # unnest() flattens an array of arrays: each row's list travels
            # as the text of an array, cast back row by row.
            values = [_array_literal(value or []) for value in values]
            arrays.append(f"CAST(CAST(:c{index} AS text) AS text[])")
            selected.append(f"CAST(t.c{index} AS {sql_type})")
        else:
            arrays.append(f"CAST(CAST(:c{index} AS text) AS {sql_type}[])")
            selected.append(f"t.c{index}")
        columns.append(name)
        aliases.append(f"c{index}")
        # One array literal per column: psycopg adapts one string far faster
        # than ten thousand list items.
        params[f"c{index}"] = _array_literal(values)
    points = [row.get("geom") for row in rows]
    if any(point is not None for point in points):
        columns.append("geom")
        selected.append("ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)")
        arrays += ["CAST(CAST(:x AS text) AS float8[])", "CAST(CAST(:y AS text) AS float8[])"]
        aliases += ["x", "y"]
        params["x"] = _array_literal([repr(p[0]) if p else None for p in points])
        params["y"] = _array_literal([repr(p[1]) if p else None for p in points])
    params["area"] = area_id
    statement = (
        f"INSERT INTO {table.name} ({', '.join([*columns, 'area_id'])}) "
        f"SELECT {', '.join([*selected, ':area'])} "
        f"FROM unnest({', '.join(arrays)}) WITH ORDINALITY AS t({', '.join(aliases)}, n) "
        "ORDER BY t.n RETURNING id"
    )
    # Ids come from the sequence in insertion order, which ORDER BY fixes.
    return sorted(session.scalars(text(statement), params).all())


def _check(
    session: Session, actor: Actor, points: PointFile, area_id: int | None, options: PointOptions
) -> _Checked:
    layer = options.layer
    _check_layer(layer)
    area = pins.editable_area(session, actor, area_id)
    parsed = points.parsed
    choices = pins.field_choices(session, layer)
    unreadable = {error.row for error in parsed.errors}
    report = Report(layer, area.id, len(parsed.rows), [], list(parsed.errors))
    waiting: list[tuple[ParsedRow, dict[str, Any], dict[str, Any]]] = []
    for row, data in bulk.pin_inputs(session, layer, parsed, options.default_visibility):
        category = data.get("sector" if layer == "partner" else "category")
        if row.point is not None:
            report.points.append(ReadyRow(row.row, {**data, "category": category}, row.point))
        if row.row in unreadable:
            continue
        errors: dict[str, str] = {}
        cleaned: dict[str, Any] = {}
        try:
            cleaned = pins.check_fields(session, layer, data, choices)
        except ValidationError as exc:
            errors.update(exc.fields)
        geom = _placed(layer, row, points.swapped_rows, errors)
        if errors:
            report.errors += bulk.row_errors(parsed, layer, row, data, errors)
            continue
        waiting.append((row, data, {**cleaned, "area_id": area.id, "geom": geom}))
    outside = _outside_area(session, area.id, [
        (row.row, row.point) for row, _data, values in waiting
        if row.point is not None and not values.get("serves_from_outside")
    ])  # fmt: skip
    key = "error.point_outside_area"
    rows: list[dict[str, Any]] = []
    for row, data, values in waiting:
        if row.row in outside:
            report.errors += bulk.row_errors(parsed, layer, row, data, {POINT: key})
            continue
        report.ready.append(ReadyRow(row.row, data, row.point))
        rows.append(values)
    report.errors.sort(key=lambda e: (e.row, e.field))
    return _Checked(area.id, report, rows)


def _placed(
    layer: str, row: ParsedRow, swapped: frozenset[int], errors: dict[str, str]
) -> tuple[float, float] | None:
    """The row's checked (lon, lat), or None; its problem goes to ``errors``."""
    if row.point is None:
        if layer == "resource":
            errors[POINT] = "error.point_required"
        return None
    problems: dict[str, str] = {}
    point = validation.check_point(row.point[0], row.point[1], problems)
    if point is None:
        errors[POINT] = (
            "point_import.columns_swapped" if row.row in swapped else problems["point"]
        )
        return None
    return (point.x, point.y)


def _outside_area(
    session: Session, area_id: int, points: list[tuple[int, tuple[float, float]]]
) -> set[int]:
    """Rows whose point the area does not cover: one query for the whole file."""
    if not points:
        return set()
    rows = session.execute(
        text(
            "SELECT t.row FROM unnest(CAST(:rows AS integer[]), CAST(:xs AS float8[]), "
            "CAST(:ys AS float8[])) AS t(row, x, y) JOIN area ON area.id = :area "
            "WHERE NOT ST_Covers(area.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))"
        ),
        {
            "rows": [number for number, _point in points],
            "xs": [point[0] for _number, point in points],
            "ys": [point[1] for _number, point in points],
            "area": area_id,
        },
    )
    return {number for (number,) in rows}


def _array_literal(values: Sequence[Any]) -> str:
    r"""PostgreSQL's text form of a one-dimensional array, every item quoted.

    >>> print(_array_literal(["Zasób „A”", None, 'say "hi"', True, "x\\y"]))
    {"Zasób „A”",NULL,"say \"hi\"","true","x\\y"}
    """
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str):
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        items.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _cell(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
