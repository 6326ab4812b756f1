"""Export the layers a user may see: GeoPackage, GeoJSON, CSV, Shapefile and HSDS.

``read_export`` reads every layer in the caller's session (the caller owns
the transaction; for a signed-in user that is a restricted session, so the
database's row-level security applies too) and keeps only the rows the actor
may see: admins everything, editors team-only rows of their own teams only,
viewers public and partnership rows. ``write_export`` writes one format.

With ``as_of`` the layers are rebuilt from ``layer_history``: a row's state
at that moment is its last recorded version before it, and the row is absent
when that version is a delete or a retirement. History is readable by every
signed-in user, so the visibility rule is applied here, in Python, to every
version we use. Link tables without history (``partnership_area``,
``need_resource``) and the catalogue are taken as they are today, limited to
the rows that existed at that moment.

Formats (every coordinate in EPSG:4326, longitude/latitude):

- ``gpkg``: one GeoPackage with every layer and table, and QGIS styles in
  its ``layer_styles`` table, so QGIS opens it with the app's categories;
- ``geojson``: a zip of one RFC 7946 GeoJSON file per layer (tables without
  geometry as features whose geometry is null);
- ``csv``: a zip of one UTF-8 CSV per layer, geometry as WKT in the first
  column ``WKT``, with ``.csvt`` column types for GDAL/QGIS; text that a
  spreadsheet would take for a formula starts with ``'`` (``mapping.io.spreadsheet_safe``);
- ``shp``: a zip of Shapefiles with a ``.cpg`` saying UTF-8, field names
  shortened to 10 characters (``SHAPEFILE_FIELDS``, also written to
  ``FIELDS.txt`` in the zip) and a ``.qml`` style per pin layer;
- ``hsds``: an Open Referral HSDS 3.0 tabular data package (``mapping.io.hsds``).

Lists (target groups) are written as codes joined by ``;``, dates as ISO
``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import catalog
from mapping import geometry as geometries
from mapping.analysis import map_units
from mapping.db.models import SRID
from mapping.errors import UserError
from mapping.io import spreadsheet_safe
from mapping.io.export_data import ExportData, Selection
from mapping.services.accounts import Actor

FORMATS = ("gpkg", "geojson", "csv", "shp", "hsds")
# What the browser is told each download is, and the file name ending.
MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/zip",
    "csv": "application/zip",
    "shp": "application/zip",
    "hsds": "application/zip",
}
SUFFIXES = {
    "gpkg": ".gpkg",
    "geojson": "-geojson.zip",
    "csv": "-csv.zip",
    "shp": "-shp.zip",
    "hsds": "-hsds.zip",
}
# Dates without a time mean the end of that day where the centres work.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")
LIST_SEPARATOR = ";"

# Every exported layer: column name → kind, in the order the files show them.
# Kinds: int, str, date, bool, list (codes joined by LIST_SEPARATOR).
_PIN_CONTACT = {"address": "str", "phone": "str", "email": "str", "www": "str"}
COLUMNS: dict[str, dict[str, str]] = {
    "area": {
        "id": "int", "name": "str", "kind": "str", "parent_id": "int", "team_id": "int",
        "population": "int", "streets": "str", "source": "str",
    },
    "resource": {
        "id": "int", "area_id": "int", "name": "str", "category": "str", "kind": "str",
        "description": "str", **_PIN_CONTACT, "opening_hours": "str", "target_groups": "list",
        "provider_partner_id": "int", "serves_from_outside": "bool", "verified_on": "date",
        "verified_by": "str", "visibility": "str", "source": "str",
    },
    "partner": {
        "id": "int", "area_id": "int", "name": "str", "sector": "str", "description": "str",
        **_PIN_CONTACT, "serves_from_outside": "bool", "visibility": "str", "source": "str",
    },
    "need": {
        "id": "int", "area_id": "int", "name": "str", "category": "str", "description": "str",
        "target_groups": "list", "priority": "int", "status": "str", "source_method": "str",
        "evidence": "str", "visibility": "str", "source": "str",
    },
    "team": {
        "id": "int", "code": "str", "name": "str", "city": "str", "description": "str",
        "source": "str",
    },
    "partnership": {
        "id": "int", "name": "str", "formed_on": "date", "description": "str", "team_id": "int",
        "source": "str",
    },
    "partnership_member": {
        "id": "int", "partnership_id": "int", "partner_id": "int", "role": "str",
        "joined_on": "date", "left_on": "date",
    },
    "partnership_area": {"partnership_id": "int", "area_id": "int"},
    "need_resource": {"need_id": "int", "resource_id": "int"},
    "category": {
        "vocabulary": "str", "code": "str", "parent_code": "str", "label_pl": "str",
        "label_en": "str", "icon": "str", "colour": "str", "sensitive": "bool",
        "sort_order": "int",
    },
}  # fmt: skip
# The layers with a geometry, and its type in the files.
GEOMETRY_TYPES = {
    "area": "MultiPolygon",
    "resource": "Point",
    "partner": "Point",
    "need": "Point",
}
PIN_LAYERS = ("resource", "partner", "need")
# The layers whose rows have a history (and a version) in ``layer_history``.
HISTORY_LAYERS = ("team", "area", "resource", "partner", "partnership", "partnership_member",
                  "need")
# Shapefile (dBASE) field names hold at most 10 characters: the long names,
# shortened. Every other field keeps its name.
SHAPEFILE_FIELDS = {
    "description": "descr",
    "opening_hours": "open_hours",
    "target_groups": "target_grp",
    "provider_partner_id": "provider",
    "serves_from_outside": "serves_out",
    "verified_on": "verif_on",
    "verified_by": "verif_by",
    "source_method": "src_method",
    "partnership_id": "pship_id",
    "resource_id": "resrc_id",
    "parent_code": "parent",
}
# dBASE text fields hold at most 254 bytes; longer texts are cut at a whole character.
DBF_TEXT_BYTES = 254


def as_of_moment(value: dt.date | dt.datetime | str | None) -> dt.datetime | None:
    """The moment an ``--as-of`` value stands for: a date means the end of that day in Poland.

    >>> as_of_moment("2026-06-01").isoformat()
    '2026-06-02T00:00:00+02:00'
    >>> as_of_moment(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)).isoformat()
    '2026-06-01T12:00:00+00:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value or " " in value.strip()
                else dt.date.fromisoformat(value.strip())
            )
        except ValueError:
            raise UserError("export.bad_date", value=value) from None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_TIMEZONE)
    next_day = value + dt.timedelta(days=1)
    return dt.datetime(next_day.year, next_day.month, next_day.day, tzinfo=LOCAL_TIMEZONE)


# --- reading ---------------------------------------------------------------------------


def _current_rows(session: Session, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as the history trigger would record it (``to_jsonb``).

    The same shape as a history version, so the present and any past moment
    go through one code path. Row-level security applies in a restricted session.
    """
    order = "t.id" if "id" in COLUMNS[table] else "1"
    result = session.execute(text(f"SELECT to_jsonb(t) FROM {table} t ORDER BY {order}"))
    return [row[0] for row in result]


def _rows_as_of(session: Session, table: str, moment: dt.datetime) -> list[dict[str, Any]]:
    """Each row's last recorded version before ``moment``; deleted rows left out."""
    result = session.execute(
        text(
            "SELECT DISTINCT ON (row_id) operation, row_data FROM layer_history "
            "WHERE table_name = :table AND changed_at < :moment "
            "ORDER BY row_id, changed_at DESC, id DESC"
        ),
        {"table": table, "moment": moment},
    )
    return [row.row_data for row in result if row.operation != "DELETE" and row.row_data]


def _live(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that are on the map: retired (soft-deleted) rows are history, not data."""
    return [row for row in rows if not row.get("retired_at")]


def _geometry(value: Any) -> BaseGeometry | None:
    """A geometry as ``to_jsonb`` wrote it (GeoJSON), or None."""
    if not value:
        return None
    if isinstance(value, str):
        # Hex WKB, in case a server casts geometries to text instead of GeoJSON.
        return geometries.from_wkb([bytes.fromhex(value)])[0]
    return geometries.from_geojson(value)


def _geometries(values: Sequence[Any]) -> list[BaseGeometry | None]:
    """``_geometry`` of each value; the 2-D points (most pins) made at once.

    ``shapely.geometry.shape`` takes ~25 µs a point, and a city's snapshot
    holds tens of thousands; ``shapely.points`` makes them all in one call.
    """
    out: list[BaseGeometry | None] = [None] * len(values)
    at, coordinates = [], []
    for i, value in enumerate(values):
        if (isinstance(value, dict) and value.get("type") == "Point"
                and len(xy := value.get("coordinates") or ()) == 2):
            at.append(i)
            coordinates.append(xy)
        elif value:
            out[i] = _geometry(value)
    if at:
        for i, point in zip(at, shapely.points(coordinates), strict=True):
            out[i] = point
    return out


def _may_see(actor: Actor, visibility: str | None, team_id: int | None) -> bool:
    """The rule of the database's ``calmap_may_see``, for rows read from history."""
    if actor.is_admin:
        return True
    if visibility in ("public", "partnership"):
        return True
    return actor.role == "editor" and team_id is not None and team_id in actor.team_ids


def read_export(
    session: Session,
    actor: Actor,
    *,
    team_id: int | None = None,
    area_id: int | None = None,
    as_of: dt.date | dt.datetime | str | None = None,
) -> ExportData:
    """Every layer's rows that ``actor`` may see, for a team, an area or everything.

    ``team_id`` limits the export to the areas the team owns and the areas
    inside them; ``area_id`` to that area and the areas inside it (both may
    be given). Pins go with their area (or, without one, with the area they
    lie in); partnerships with their team or the areas they cover, together
    with their member partners. ``as_of`` (a date: the end of that day in
    Poland, or an exact moment) rebuilds every layer from history.
    """
    moment = as_of_moment(as_of)

    def rows(table: str) -> list[dict[str, Any]]:
        if moment is not None and table in HISTORY_LAYERS:
            return _rows_as_of(session, table, moment)
        return _current_rows(session, table)

    areas = _live(rows("area"))
    area_team = {int(a["id"]): a.get("team_id") for a in areas}
    if area_id is not None and area_id not in area_team:
        raise UserError("export.unknown_area")

    def visible(row: dict[str, Any]) -> bool:
        area = row.get("area_id")
        return _may_see(actor, row.get("visibility"), area_team.get(area) if area else None)

    chosen = {layer: [r for r in _live(rows(layer)) if visible(r)] for layer in PIN_LAYERS}
    partnerships = _live(rows("partnership"))
    partnership_ids = {int(p["id"]) for p in partnerships}
    partner_ids = {int(r["id"]) for r in chosen["partner"]}
    # A membership of a partner the actor may not see would betray that it exists.
    members = [
        m for m in rows("partnership_member")
        if int(m["partnership_id"]) in partnership_ids and int(m["partner_id"]) in partner_ids
    ]
    resource_ids = {int(r["id"]) for r in chosen["resource"]}
    need_ids = {int(r["id"]) for r in chosen["need"]}
    needs_resources = [
        link for link in _current_rows(session, "need_resource")
        if int(link["need_id"]) in need_ids and int(link["resource_id"]) in resource_ids
    ]
    links = [
        x for x in _current_rows(session, "partnership_area")
        if int(x["partnership_id"]) in partnership_ids and int(x["area_id"]) in area_team
    ]
    teams = rows("team")

    frames: dict[str, pd.DataFrame] = {
        "area": _frame("area", areas),
        **{layer: _frame(layer, chosen[layer]) for layer in PIN_LAYERS},
        "team": _frame("team", teams),
        "partnership": _frame("partnership", partnerships),
        "partnership_member": _frame("partnership_member", members),
        "partnership_area": _frame("partnership_area", links),
        "need_resource": _frame("need_resource", needs_resources),
        "category": _frame("category", _current_rows(session, "category")),
    }
    everything = ExportData(
        frames=frames,
        catalogue=catalog.entries(session),
        selection=Selection(as_of=moment),
        exported_at=dt.datetime.now(dt.UTC),
        exported_by=actor.username,
    )
    return map_units.select(everything, team_id=team_id, area_id=area_id)


def _column(kind: str, values: list[Any]) -> pd.Series | pd.api.extensions.ExtensionArray:
    """Values of one kind as a typed column (nullable integers, real dates)."""
    if kind == "int":
        return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
    if kind == "bool":
        return pd.array([bool(v) for v in values], dtype=bool)
    if kind == "date":
        dates = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        return pd.array(dates, dtype=pd.ArrowDtype(pa.date32()))
    if kind == "list":
        return pd.array(
            [LIST_SEPARATOR.join(v) if v else None for v in values], dtype=object
        )
    return pd.array([None if v is None else str(v) for v in values], dtype=object)


def _frame(layer: str, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The rows of one layer as a (Geo)DataFrame with the columns of ``COLUMNS``."""
    columns = COLUMNS[layer]
    order = sorted(rows, key=lambda r: tuple(r.get(c) or 0 for c in list(columns)[:2]))
    data = {name: _column(kind, [r.get(name) for r in order]) for name, kind in columns.items()}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(order)))
    if layer not in GEOMETRY_TYPES:
        return frame
    geometries = _geometries([r.get("geom") for r in order])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=SRID), crs=SRID)


# --- writing ---------------------------------------------------------------------------


def file_name(data: ExportData, fmt: str) -> str:
    """A download name saying what and when, e.g. ``calmap-as-of-2026-06-01.gpkg``."""
    moment = data.selection.as_of or data.exported_at
    if data.selection.as_of is not None:
        # The moment is the start of the next day: the file is named after the day asked for.
        moment -= dt.timedelta(microseconds=1)
    day = moment.astimezone(LOCAL_TIMEZONE).date()
    prefix = "calmap-as-of" if data.selection.as_of else "calmap"
    return f"{prefix}-{day.isoformat()}{SUFFIXES[_check_format(fmt)]}"


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UserError("export.unknown_format", format=fmt, formats=", ".join(FORMATS))
    return fmt


def write_export(data: ExportData, fmt: str, out: str | Path, language: str = "pl") -> Path:
    """Write ``data`` in format ``fmt`` to the file ``out`` (replaced if it exists)."""
    _check_format(fmt)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written next to the target and renamed, so a failed export leaves no half file.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".calmap-export-") as tmp:
        staged = Path(tmp) / f"export{SUFFIXES[fmt]}"
        if fmt == "gpkg":
            _write_gpkg(data, staged, language)
        elif fmt == "hsds":
            from mapping.io import hsds

            hsds.write_package(data, staged, language)
        else:
            writer = {"geojson": _write_geojson, "csv": _write_csv, "shp": _write_shp}[fmt]
            with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
                writer(data, archive, Path(tmp) / "work", language)
                archive.writestr("README.txt", readme(data, fmt))
        staged.replace(out)
    return out


def export_bytes(data: ExportData, fmt: str, language: str = "pl") -> bytes:
    """The export as bytes, for a download button."""
    with tempfile.TemporaryDirectory(prefix="calmap-export-") as tmp:
        path = write_export(data, fmt, Path(tmp) / f"out{SUFFIXES[_check_format(fmt)]}", language)
        return path.read_bytes()


def readme(data: ExportData, fmt: str) -> str:
    """A short bilingual note on what the export holds, put into every zip."""
    selection = data.selection
    as_of = selection.as_of.isoformat() if selection.as_of else "-"
    counts = ", ".join(f"{layer} {len(frame)}" for layer, frame in data.frames.items())
    lines = [
        "calmap – mapa zasobów i potrzeb / resource-and-needs map",
        f"format: {fmt}",
        f"eksport / exported: {data.exported_at.isoformat(timespec='seconds')} "
        f"({data.exported_by})",
        f"stan sprzed / as it was before: {as_of}",
        f"zespół / team id: {selection.team_id or '-'}; obszar / area id: "
        f"{selection.area_id or '-'}",
        f"wiersze / rows: {counts}",
        "Układ współrzędnych / CRS: EPSG:4326 (długość, szerokość / longitude, latitude).",
        "PL: Eksport zawiera tylko wpisy, które osoba eksportująca może widzieć. Dane mogą "
        "dotyczyć spraw wrażliwych: nie publikuj ich bez zgody ośrodka.",
        "EN: The export holds only the entries the exporting person may see. The data may "
        "touch on sensitive matters: do not publish it without the centre's consent.",
        f"Listy kodów (np. grupy docelowe) są rozdzielone znakiem „{LIST_SEPARATOR}” / lists of "
        f"codes (e.g. target groups) are separated by '{LIST_SEPARATOR}'.",
    ]
    if fmt == "shp":
        lines.append("Skrócone nazwy pól / shortened field names: see FIELDS.txt.")
    return "\n".join(lines) + "\n"


def _write_layer(frame: pd.DataFrame, path: Path, layer: str, driver: str,
                 **options: Any) -> None:
    """One layer through GDAL; Arrow keeps dates as dates and nullable integers as integers."""
    kwargs: dict[str, Any] = {"driver": driver, "layer": layer, "use_arrow": True}
    if isinstance(frame, gpd.GeoDataFrame):
        # An empty layer has no geometry to tell its type from.
        kwargs["geometry_type"] = GEOMETRY_TYPES[layer]
    kwargs.update(options)
    pyogrio.write_dataframe(frame, path, **kwargs)


def _write_gpkg(data: ExportData, path: Path, language: str) -> None:
    from mapping.io import qgis_styles

    for layer, frame in data.frames.items():
        _write_layer(frame, path, layer, "GPKG", append=path.exists())
    qgis_styles.add_to_geopackage(path, data.catalogue, language)


def _write_geojson(data: ExportData, archive: zipfile.ZipFile, work: Path, language: str) -> None:
    work.mkdir(parents=True, exist_ok=True)
    for layer, frame in data.frames.items():
        path = work / f"{layer}.geojson"
        if not isinstance(frame, gpd.GeoDataFrame):
            # RFC 7946 allows a null geometry: tables travel as features without one.
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)), crs=SRID)
        pyogrio.write_dataframe(
            frame, path, driver="GeoJSON", layer=layer, use_arrow=True,
            geometry_type=GEOMETRY_TYPES.get(layer, "Unknown"),
            layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
        )
        archive.write(path, path.name)


CSV_TYPES = {"int": "Integer64", "str": "String", "date": "Date", "bool": "Integer(Boolean)",
             "list": "String"}


def csv_text(frame: pd.DataFrame, layer: str) -> str:
    """One layer as CSV text: geometry as WKT first (GDAL's convention), ISO dates, 1/0 booleans.

    Partners open these files in Excel, so text that would start a formula
    gets a leading ``'`` (OWASP, ``mapping.io.spreadsheet_safe``); numbers stay numbers.

    >>> from shapely.geometry import Point
    >>> frame = gpd.GeoDataFrame({"name": ["Świetlica"]}, geometry=[Point(17, 51)], crs=4326)
    >>> csv_text(frame, "x").splitlines()
    ['WKT,name', 'POINT (17 51),Świetlica']
    """
    out = pd.DataFrame(index=frame.index)
    if isinstance(frame, gpd.GeoDataFrame):
        out["WKT"] = [g.wkt if g is not None and not g.is_empty else "" for g in frame.geometry]
    for name in frame.columns:
        if name == "geometry":
            continue
        values = frame[name]
        if values.dtype == bool:
            values = values.astype(int)
        out[name] = values.astype(object).where(values.notna(), "")
    return spreadsheet_safe.frame(out).to_csv(index=False, lineterminator="\r\n")


def _write_csv(data: ExportData, archive: zipfile.ZipFile, work: Path, language: str) -> None:
    for layer, frame in data.frames.items():
        # A byte-order mark lets Excel see UTF-8, so "ż" does not come out as "Å¼".
        archive.writestr(f"{layer}.csv", ("\ufeff" + csv_text(frame, layer)).encode("utf-8"))
        types = (["WKT"] if isinstance(frame, gpd.GeoDataFrame) else []) + [
            CSV_TYPES[kind] for kind in COLUMNS[layer].values()
        ]
        archive.writestr(f"{layer}.csvt", ",".join(types) + "\r\n")


def _fit_dbf(value: Any) -> Any:
    """A text cut to what a dBASE field holds (254 bytes), never in the middle of a letter."""
    if not isinstance(value, str) or len(value.encode("utf-8")) <= DBF_TEXT_BYTES:
        return value
    cut = value.encode("utf-8")[: DBF_TEXT_BYTES - 3].decode("utf-8", errors="ignore")
    return cut + "…"


def shapefile_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A layer ready for a Shapefile: names of at most 10 characters, texts of at most 254 bytes."""
    renamed = frame.rename(columns=SHAPEFILE_FIELDS)
    for name in renamed.columns:
        if name != "geometry" and renamed[name].dtype == object:
            renamed[name] = renamed[name].map(_fit_dbf)
    return renamed


def _write_shp(data: ExportData, archive: zipfile.ZipFile, work: Path, language: str) -> None:
    from mapping.io import qgis_styles

    work.mkdir(parents=True, exist_ok=True)
    for layer, frame in data.frames.items():
        path = work / f"{layer}.shp" if layer in GEOMETRY_TYPES else work / f"{layer}.dbf"
        _write_layer(
            shapefile_frame(frame), path, layer, "ESRI Shapefile",
            layer_options={"ENCODING": "UTF-8"},
        )
        for part in sorted(work.glob(f"{layer}.*")):
            archive.write(part, part.name)
    # QGIS opens a Shapefile with the .qml of the same name as its style.
    for layer, qml in qgis_styles.layer_styles(data.catalogue, language).items():
        archive.writestr(f"{layer}.qml", qml)
    archive.writestr("FIELDS.txt", fields_text())


def fields_text() -> str:
    """The Shapefile field-name mapping as text: full name → shortened name."""
    lines = ["full name\tShapefile field"]
    lines += [f"{full}\t{short}" for full, short in SHAPEFILE_FIELDS.items()]
    return "\n".join(lines) + "\n"


def summary(data: ExportData) -> dict[str, int]:
    """Rows per layer, for a report after exporting."""
    return {layer: len(frame) for layer, frame in data.frames.items()}


def to_json(data: ExportData) -> str:
    """The export's summary as JSON (layers, rows, selection), for the CLI."""
    return json.dumps(
        {
            "rows": summary(data),
            "as_of": data.selection.as_of.isoformat() if data.selection.as_of else None,
            "team_id": data.selection.team_id,
            "area_id": data.selection.area_id,
        },
        ensure_ascii=False,
    )


__all__ = [
    "COLUMNS",
    "FORMATS",
    "ExportData",
    "Selection",
    "as_of_moment",
    "csv_text",
    "export_bytes",
    "file_name",
    "read_export",
    "write_export",
]
