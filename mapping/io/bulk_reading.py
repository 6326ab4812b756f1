"""Reading a table of pins (CSV or XLSX) as people export it: headings matched, cells parsed.

The first step of ``mapping.io.bulk`` (``parse``), and the reading
``mapping.io.point_import`` shares (``read_table``, ``field_of_heading``,
``read_row``): Polish Excel's CP1250, semicolons and decimal commas, UTF-8
with or without a BOM, or XLSX; columns found by their Polish or English
headings; per-row errors for values that cannot even be read (a latitude that
is not a number, a broken WKT point). Row numbers are those the spreadsheet
shows: the heading is row 1, the first entry row 2, blank rows counted.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import shapely
import shapely.wkt
from shapely.errors import ShapelyError
from shapely.geometry import Point

from geodata.formats import looks_like_html
from mapping.db.models import SRID
from mapping.errors import UserError
from mapping.i18n import t
from mapping.io import uploaded_tables

# Big enough for every resource of a city (a few hundred rows is a lot for a
# CAL map). Each row goes through pins.create_pin, about eight round trips
# to the database, so 5,000 rows take tens of seconds to check and again to
# save; larger files belong to mapping.io.point_import's set-based save.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# What ``read_table`` reads at most, for importers with a set-based save.
MAX_TABLE_ROWS = 20_000
# Columns beyond this are never read: a sheet 16,384 columns wide is a mistake.
MAX_COLUMNS = 100
# Layers a file may fill: needs come from surveys (see ``surveys``), not from lists.
LAYERS = ("resource", "partner")

# Headings we recognise, per field, in Polish and English. They are compared
# after ``_heading_key``: lowercase, without diacritics, punctuation or a
# trailing "(…)", so "Szerokość (WGS84)", "szerokosc" and "SZEROKOŚĆ" match.
HEADINGS: dict[str, tuple[str, ...]] = {
    "name": ("nazwa", "name", "nazwa zasobu", "nazwa partnera", "nazwa instytucji"),
    "category": ("kategoria", "category", "sektor", "sector", "rodzaj zasobu"),
    "address": ("adres", "address"),
    "lat": ("szerokość", "szerokość geograficzna", "szer", "lat", "latitude"),
    "lon": ("długość", "długość geograficzna", "dł", "lon", "lng", "long", "longitude"),
    "wkt": ("wkt", "geometria", "geometry", "geom", "punkt", "point"),
    "description": ("opis", "description"),
    "phone": ("telefon", "tel", "nr telefonu", "phone", "telephone"),
    "email": ("email", "e-mail", "mail", "adres e-mail", "adres email"),
    "www": ("www", "strona", "strona www", "strona internetowa", "website", "url", "web"),
    "visibility": ("widoczność", "visibility"),
    "target_groups": (
        "grupy docelowe", "grupa docelowa", "adresaci", "target groups", "target group",
    ),
    "opening_hours": ("godziny otwarcia", "godziny", "opening hours", "hours"),
    "serves_from_outside": (
        "poza obszarem", "obsługuje z zewnątrz", "obsługuje obszar z zewnątrz",
        "serves from outside", "outside the area",
    ),
    "source": ("źródło", "source"),
}
# Shown in the "missing columns" message, which goes out in both languages at once.
_REQUIRED_NAMES = {
    "name": "nazwa/name",
    "category": "kategoria/category",
    "address": "adres/address",
    "location": "szerokość+długość/lat+lon | wkt",
}
# Fields that go to create_pin as text, per layer (what pins.FIELDS allows).
_TEXT_FIELDS = ("name", "address", "description", "phone", "email", "www", "source")
_LAYER_FIELDS = {
    "resource": (*_TEXT_FIELDS, "opening_hours", "target_groups", "serves_from_outside"),
    "partner": (*_TEXT_FIELDS, "serves_from_outside"),
}
_YES = {"tak", "t", "yes", "y", "true", "prawda", "1", "x"}
_NO = {"nie", "n", "no", "false", "fałsz", "falsz", "0"}
_LIST_SEPARATORS = re.compile(r"[;,|\n]")
_EWKT_SRID = re.compile(r"^\s*SRID\s*=\s*(\d+)\s*;", re.IGNORECASE)
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls (and .doc)
_CSV_PROBLEMS = {
    "truncated": "bulk.truncated", "cell_too_long": "bulk.cell_too_long",
    "malformed": "bulk.bad_csv",
}  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """One problem in one row: the spreadsheet row, the field and a message key.

    ``column`` is the heading as it stands in the user's file (None when the
    problem is not in one column, e.g. a default visibility); ``value`` is the
    cell as typed, to show beside the message.
    """

    row: int
    field: str
    key: str
    column: str | None = None
    value: str | None = None
    # In this class body ``field`` is the attribute above, not dataclasses.field.
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def message(self, language: str = "pl") -> str:
        """The problem in the user's language."""
        return t(self.key, language, **self.params)


@dataclass(frozen=True)
class ParsedRow:
    """One entry of the file: its row number, raw field values and point (lon, lat)."""

    row: int
    values: dict[str, Any]
    point: tuple[float, float] | None


@dataclass
class ParsedFile:
    """What ``parse`` found: how the file was read, which columns mean what, and the rows."""

    filename: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored: list[str]
    rows: list[ParsedRow]
    errors: list[RowError]

    def column_of(self, name: str) -> str | None:
        """The heading in the file that holds ``name`` (a field, or ``point``)."""
        if name == "point":
            if "lat" in self.columns:
                return f"{self.columns['lat']} / {self.columns.get('lon', '')}".strip(" /")
            return self.columns.get("wkt")
        if name == "sector":
            name = "category"
        return self.columns.get(name)


def parse(content: bytes, filename: str) -> ParsedFile:
    """Read a CSV or XLSX file's rows and find its columns by their headings.

    Raises ``UserError`` for a problem with the whole file: empty, too big,
    not a spreadsheet, unreadable, without rows, or missing required columns
    (all of them named in one message). Values that cannot be read in single
    rows become ``RowError`` entries; the other rows are still returned.
    """
    table = read_table(content, filename)
    (_, headings), entries = table.rows[0], table.rows[1:]
    columns, index, ignored = _match_headings(headings)
    if not entries:
        raise UserError("bulk.no_rows")
    if len(entries) > MAX_ROWS:
        raise UserError("bulk.too_many_rows", limit=MAX_ROWS)
    parsed = ParsedFile(
        filename=PurePath(filename).name,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=columns,
        ignored=ignored,
        rows=[],
        errors=[],
    )
    for number, cells in entries:
        values = {name: cells[i] if i < len(cells) else None for name, i in index.items()}
        parsed.rows.append(_read_row(parsed, number, values))
    return parsed


def _csv_rows(text: str) -> tuple[list[tuple[int, list[Any]]], str]:
    """Records with their spreadsheet row numbers, and the delimiter found."""
    records, delimiter = uploaded_tables.records(text)
    rows: list[tuple[int, list[Any]]] = []
    try:
        # A record (even one whose quoted cell spans lines) is one spreadsheet row.
        for number, cells in enumerate(records, start=1):
            if number > MAX_TABLE_ROWS + 1 and any(c.strip() for c in cells):
                raise UserError("bulk.too_many_rows", limit=MAX_TABLE_ROWS)
            rows.append((number, cells[:MAX_COLUMNS]))
    except uploaded_tables.BrokenCsv as exc:
        raise UserError(_CSV_PROBLEMS[exc.problem], row=exc.row) from None
    return rows, delimiter


def _xlsx_rows(content: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet's rows with their row numbers (cached values, not formulas)."""
    rows = []
    try:
        sheet = uploaded_tables.workbook_rows(content, MAX_COLUMNS)
        for number, cells in enumerate(sheet, start=1):
            if number > MAX_TABLE_ROWS + 1 and any(_filled(c) for c in cells):
                raise UserError("bulk.too_many_rows", limit=MAX_TABLE_ROWS)
            rows.append((number, list(cells)))
    except uploaded_tables.UnreadableWorkbook as exc:
        raise UserError("bulk.xlsx_bomb" if exc.problem == "bomb" else "bulk.bad_xlsx") from None
    return rows


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _heading_key(heading: Any) -> str:
    """A heading reduced for comparison: lowercase ASCII words, no "(units)"."""
    text = str(heading or "").strip()
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text) or text
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_HEADING_INDEX = {
    _heading_key(alias): name for name, aliases in HEADINGS.items() for alias in aliases
}


def _match_headings(headings: Sequence[Any]) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """Field → heading and field → column index; the headings we do not use.

    Two columns for the same field (say "lat" and "szerokość") are refused
    rather than guessed between; required columns missing are all named at once.
    """
    columns: dict[str, str] = {}
    index: dict[str, int] = {}
    ignored: list[str] = []
    duplicated: list[str] = []
    for position, heading in enumerate(headings):
        if not _filled(heading):
            continue
        label = str(heading).strip()
        name = _HEADING_INDEX.get(_heading_key(label))
        if name is None:
            ignored.append(label)
        elif name in columns:
            duplicated.append(f"{columns[name]} / {label}")
        else:
            columns[name] = label
            index[name] = position
    if duplicated:
        raise UserError("bulk.duplicate_columns", columns="; ".join(duplicated))
    missing = [_REQUIRED_NAMES[n] for n in ("name", "category", "address") if n not in columns]
    has_pair = "lat" in columns and "lon" in columns
    if not has_pair and "wkt" not in columns:
        missing.append(_REQUIRED_NAMES["location"])
    if missing:
        raise UserError("bulk.missing_columns", columns=", ".join(missing))
    if not has_pair:
        # A lone latitude (or longitude) column cannot place anything.
        for lone in ("lat", "lon"):
            if lone in columns:
                ignored.append(columns.pop(lone))
                index.pop(lone)
    return columns, index, ignored


def _read_row(parsed: ParsedFile, number: int, values: dict[str, Any]) -> ParsedRow:
    """The row's values as text (and a yes/no), its point, and what could not be read."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("lat", "lon", "wkt"):
            continue
        if name == "serves_from_outside":
            flag = _yes_no(value)
            if flag is None and _filled(value):
                parsed.errors.append(_error(parsed, number, name, "bulk.bad_yes_no", value))
            cleaned[name] = bool(flag)
            continue
        cleaned[name] = _cell_text(value)
    point, problem = _point(values)
    if problem is not None:
        field_name, key, raw = problem
        parsed.errors.append(_error(parsed, number, field_name, key, raw))
    return ParsedRow(number, cleaned, point)


def _error(parsed: ParsedFile, row: int, name: str, key: str, value: Any = None) -> RowError:
    text = _cell_text(value)
    return RowError(row, name, key, parsed.column_of(name), text[:200] if text else None)


def _cell_text(value: Any) -> str | None:
    """A cell as the text the user sees: 583012345, not 583012345.0; empty as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = (_cell_text(value) or "").casefold()
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    return None


def _number(value: Any) -> float | None:
    """A coordinate typed with a decimal comma or dot; None when it is not a number."""
    from geodata.points import parse_decimal

    if isinstance(value, bool):
        return None
    try:
        return parse_decimal(value if isinstance(value, int | float) else str(value).strip())
    except ValueError:
        return None


def _point(values: Mapping[str, Any]) -> tuple[tuple[float, float] | None, Any]:
    """(lon, lat) from the lat/lon cells, else from the WKT cell; or the reason it failed.

    Whether the point lies in Poland and in the area is not decided here: that
    is ``create_pin``'s check, shared with the editor.
    """
    lat, lon = values.get("lat"), values.get("lon")
    if _filled(lat) or _filled(lon):
        if not (_filled(lat) and _filled(lon)):
            return None, ("point", "bulk.point_incomplete", lat if _filled(lat) else lon)
        x, y = _number(lon), _number(lat)
        if x is None or y is None:
            return None, ("point", "error.point_not_number", lat if y is None else lon)
        return (x, y), None
    wkt = values.get("wkt")
    if not _filled(wkt):
        return None, None
    text = str(wkt).strip()
    srid = _EWKT_SRID.match(text)
    if srid:
        if int(srid.group(1)) != SRID:
            return None, ("point", "bulk.wkt_srid", text)
        text = text[srid.end():]
    try:
        geom = shapely.wkt.loads(text)
    except (ShapelyError, ValueError, TypeError):
        return None, ("point", "bulk.bad_wkt", text)
    if not isinstance(geom, Point) or geom.is_empty:
        return None, ("point", "bulk.bad_wkt", text)
    return (geom.x, geom.y), None


@dataclass(frozen=True)
class Table:
    """A CSV or XLSX file's non-empty rows as read: (spreadsheet row number, cells)."""

    rows: list[tuple[int, list[Any]]]
    file_format: str
    encoding: str | None
    delimiter: str | None


def read_table(content: bytes, filename: str, encoding: str | None = None) -> Table:
    """The rows of a CSV or XLSX file, read exactly as ``parse`` reads them, columns unmatched.

    Same limits, encoding and delimiter detection, ``sep=`` line and XLSX
    reading as ``parse``; ``encoding`` overrides the detection for a CSV.
    Raises ``UserError`` for a problem with the whole file.
    """
    check_table_size(len(content))
    if not content.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise UserError("bulk.empty_file")
    delimiter = None
    suffix = PurePath(filename).suffix.lower()
    if content.startswith(_XLSX_MAGIC):
        file_format, table = "xlsx", _xlsx_rows(content)
    elif content.startswith(_OLE_MAGIC) or suffix in (".xls", ".ods"):
        raise UserError("bulk.unsupported_format")
    elif looks_like_html(content):
        raise UserError("bulk.html")
    elif suffix == ".xlsx":
        # Excel refuses such a file too; read as CSV it would be a guess.
        raise UserError("bulk.not_xlsx")
    else:
        file_format = "csv"
        if encoding is None:
            try:
                text, encoding = uploaded_tables.decode(content)
            except uploaded_tables.UnreadableText:
                raise UserError("bulk.encoding") from None
        else:
            try:
                text = content.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                raise UserError("bulk.encoding") from None
        table, delimiter = _csv_rows(text)
    rows = [(number, cells) for number, cells in table if any(_filled(c) for c in cells)]
    if not rows:
        raise UserError("bulk.empty_file")
    return Table(rows, file_format, encoding, delimiter)


def check_table_size(size: int) -> None:
    """Refuse a table over ``MAX_BYTES`` by its size alone, before it is read."""
    if size > MAX_BYTES:
        raise UserError("bulk.too_big", megabytes=MAX_BYTES // (1024 * 1024))


def field_of_heading(heading: Any) -> str | None:
    """The field a column heading names, as ``parse`` matches it (Polish or English), or None."""
    return _HEADING_INDEX.get(_heading_key(heading))


def read_row(parsed: ParsedFile, number: int, values: dict[str, Any]) -> ParsedRow:
    """One entry's cells (field → value) read as ``parse`` reads them; problems go to ``parsed``."""
    return _read_row(parsed, number, values)
