"""Export the layers a user may see: GeoPackage, GeoJSON, CSV, Shapefile and HSDS.

``mapping.services.export_rows.read_export`` reads the rows an actor may see
(now or as of a moment); ``write_export`` writes them in one format.

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
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from mapping.analysis.export_data import LOCAL_TIMEZONE, ExportData, Selection
from mapping.db.models import SRID
from mapping.errors import UserError
from mapping.io import spreadsheet_safe
from mapping.services.export_rows import COLUMNS, GEOMETRY_TYPES, LIST_SEPARATOR

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
    "csv_text",
    "export_bytes",
    "file_name",
    "write_export",
]
