"""A KoboToolbox or ODK Central export of the field form, read into rows for the import.

``read`` takes the CSV/XLSX (or ODK Central's ZIP) and gives bulk's parsed
rows with each row's accuracy, submission id and photo; values it cannot
read are row errors. ``mapping.io.field_capture`` checks and saves them.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from geodata.archives import check_archive
from geodata.features import FormatError
from mapping.errors import UserError
from mapping.io import bulk, bulk_reading, field_form
from mapping.io.bulk import ParsedFile, ParsedRow, RowError
from mapping.io.feature_files import file_error
from mapping.io.geopoints import LOCATION, GeopointColumns, geopoint_columns
from mapping.io.geopoints import fold as _fold
from mapping.io.geopoints import last_segment as _last_segment

_FIELDS = ("layer", "category", "name", "description", "target_groups", "priority",
           "visibility", "area", "photo")  # fmt: skip
# Headings that hold the submission's id, most specific first.
_ID_COLUMNS = ("meta/instanceid", "meta-instanceid", "instanceid", "key", "_uuid", "uuid")
_TICKED = {"1", "1.0", "true", "prawda", "tak", "yes", "x"}
# Kobo writes "[None, None]" in _geolocation when there is no point.
_NO_POINT = {"", "[none, none]", "[none,none]", "[null, null]", "none", "null", "nan"}
_CSV_ID_PREFIX = "uuid:"


@dataclass(frozen=True)
class FieldEntry:
    """What one row says beyond the pin's fields: accuracy, submission, photo."""

    row: int
    accuracy: float | None
    instance_id: str | None
    photo: str | None


@dataclass
class FieldFile:
    """An export read: bulk's parsed file (columns, rows, unreadable values) and row extras."""

    parsed: ParsedFile
    geopoint: GeopointColumns
    entries: dict[int, FieldEntry]
    # Split select_multiple columns (Kobo: target_groups/seniors), choice → heading.
    target_columns: dict[str, str] = field(default_factory=dict)


# --- reading the export -------------------------------------------------------------------


def read(content: bytes, filename: str) -> FieldFile:
    """Read a KoboToolbox or ODK Central export of the field form (CSV or XLSX).

    Raises ``UserError`` for a problem with the whole file (not a table,
    empty, too big, or without the form's name, category or location
    columns); values that cannot be read become row errors in ``parsed``.
    """
    content, filename = _export_table(content, filename)
    table = bulk_reading.read_table(content, filename)
    (_number, raw_headings), entries = table.rows[0], table.rows[1:]
    headings = [str(h).strip() if h is not None else "" for h in raw_headings]
    if not entries:
        raise UserError("bulk.no_rows")
    if len(entries) > bulk.MAX_ROWS:
        raise UserError("bulk.too_many_rows", limit=bulk.MAX_ROWS)
    geopoint = geopoint_columns(headings)
    columns = _columns(headings, geopoint)
    missing = [name for name in ("name", "category") if name not in columns]
    if geopoint is None:
        missing.append(LOCATION)
    if missing:
        raise UserError("field_capture.missing_columns", columns=", ".join(missing))
    assert geopoint is not None
    index = {heading: position for position, heading in reversed(list(enumerate(headings)))}
    # bulk's names for where the point is, so its reports name the export's columns.
    point_columns: dict[str, str | None] = dict(columns)
    if geopoint.split:
        point_columns.update(lat=geopoint.latitude, lon=geopoint.longitude)
    else:
        point_columns["wkt"] = geopoint.combined
    used = {*columns.values(), *geopoint.headings()}
    parsed = ParsedFile(
        filename=PurePath(filename).name,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns={k: v for k, v in point_columns.items() if v},
        ignored=[h for h in headings if h and h not in used],
        rows=[],
        errors=[],
    )
    target_columns = {}
    if "target_groups" not in columns:
        prefix = "target_groups/"
        target_columns = {
            h[len(prefix):]: h for h in headings if _fold(h).startswith(prefix)
        }  # fmt: skip
    id_column = next(
        (h for wanted in _ID_COLUMNS for h in headings if _fold(h) == wanted), None
    )
    found: dict[int, FieldEntry] = {}
    for number, cells in entries:
        def cell(heading: str | None, cells: list[Any] = cells) -> Any:
            if heading is None:
                return None
            position = index[heading]
            return cells[position] if position < len(cells) else None

        values: dict[str, Any] = {name: _text(cell(columns.get(name))) for name in _FIELDS}
        if target_columns:
            ticked = [c for c, h in target_columns.items() if _fold(_text(cell(h))) in _TICKED]
            values["target_groups"] = " ".join(ticked) or None
        point, accuracy = _point(parsed, number, geopoint, cell)
        parsed.rows.append(ParsedRow(number, values, point))
        found[number] = FieldEntry(
            row=number,
            accuracy=accuracy,
            instance_id=_instance_id(_text(cell(id_column))),
            photo=values.pop("photo", None),
        )
    return FieldFile(parsed, geopoint, found, target_columns)


def _export_table(content: bytes, filename: str) -> tuple[bytes, str]:
    """The export's table: the file itself, or the submissions' CSV in ODK Central's ZIP.

    Central's download is a ZIP holding ``<form_id>.csv``, a CSV per repeat
    (``<form_id>-<repeat>.csv``) and the photos under ``media/``; the form's
    own CSV has the shortest name. Only that member is read, after the
    archive passed the zip limits.
    """
    if PurePath(filename).suffix.lower() != ".zip":
        return content, filename
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as packed:
            tables = [m for m in packed.infolist()
                      if not m.is_dir() and m.filename.lower().endswith(".csv")]  # fmt: skip
            if not tables:
                found = ", ".join(m.filename for m in packed.infolist()[:10]) or "-"
                raise UserError("field_capture.zip_without_csv", found=found[:300])
            main = min(tables, key=lambda m: (m.filename.count("/"), len(m.filename)))
            check_archive(packed, filename, members=[main])
            bulk_reading.check_table_size(main.file_size)
            return packed.read(main), PurePath(main.filename).name
    except FormatError as exc:
        raise file_error(exc) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error):
        raise UserError("import_file.bad_zip") from None


def _columns(headings: Sequence[str], geopoint: GeopointColumns | None) -> dict[str, str]:
    """Field → heading: the question's name (after any group path), its label, or bulk's heading."""
    taken = set(geopoint.headings()) if geopoint else set()
    labels = {
        _fold(label): name
        for name, pair in field_form.question_labels().items() for label in pair
    }  # fmt: skip
    columns: dict[str, str] = {}
    for heading in headings:
        if not heading or heading in taken:
            continue
        name = _last_segment(heading)
        if name not in _FIELDS:
            name = labels.get(_fold(heading)) or ""
        if not name:
            matched = bulk_reading.field_of_heading(heading)
            name = matched if matched in ("name", "category", "description", "target_groups",
                                          "visibility") else ""  # fmt: skip
        if name and name not in columns:
            columns[name] = heading
    return columns


def _text(value: Any) -> str | None:
    """A cell as text: 12, not 12.0; empty as None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    found = str(value).strip()
    return found or None


def _number(value: Any) -> float | None:
    from geodata.points import parse_decimal

    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_decimal(value if isinstance(value, int | float) else str(value).strip())
    except ValueError:
        return None


def _point(
    parsed: ParsedFile, number: int, geopoint: GeopointColumns, cell: Any
) -> tuple[tuple[float, float] | None, float | None]:
    """The row's (lon, lat) and accuracy; an unreadable point becomes a row error."""
    accuracy_text = _text(cell(geopoint.accuracy))
    if geopoint.split:
        lat_text, lon_text = _text(cell(geopoint.latitude)), _text(cell(geopoint.longitude))
        raw = " ".join(v for v in (lat_text, lon_text) if v)
        if lat_text is None and lon_text is None:
            lat_text, lon_text, accuracy_text = _combined(_text(cell(geopoint.combined)),
                                                          accuracy_text)
            raw = " ".join(v for v in (lat_text, lon_text) if v)
    else:
        lat_text, lon_text, accuracy_text = _combined(_text(cell(geopoint.combined)),
                                                      accuracy_text)
        raw = _text(cell(geopoint.combined)) or ""
    accuracy = _number(accuracy_text)
    if lat_text is None and lon_text is None:
        return None, accuracy
    column = parsed.column_of("point")
    if lat_text is None or lon_text is None:
        parsed.errors.append(RowError(number, "point", "bulk.point_incomplete", column, raw[:200]))
        return None, accuracy
    lat, lon = _number(lat_text), _number(lon_text)
    if lat is None or lon is None:
        parsed.errors.append(RowError(number, "point", "error.point_not_number", column, raw[:200]))
        return None, accuracy
    return (lon, lat), accuracy


def _combined(
    value: str | None, accuracy: str | None
) -> tuple[str | None, str | None, str | None]:
    """Latitude, longitude and accuracy texts of ``lat lon alt acc`` or ``[lat, lon]``."""
    if value is None or _fold(value) in _NO_POINT:
        return None, None, accuracy
    parts = value.strip("[]").replace(",", " ").split() if "[" in value else value.split()
    lat = parts[0] if parts else None
    lon = parts[1] if len(parts) > 1 else None
    if accuracy is None and len(parts) > 3:
        accuracy = parts[3]
    return lat, lon, accuracy


def _instance_id(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    return value[len(_CSV_ID_PREFIX):] if value.startswith(_CSV_ID_PREFIX) else value
