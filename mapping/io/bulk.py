"""Bulk entry of resources or partners from a CSV or XLSX file, all or nothing.

Three steps, each usable from a page, the CLI or a test:

1. ``parse`` reads the file as people really export it (Polish Excel: CP1250,
   semicolons, decimal commas; or UTF-8 with or without a BOM; or XLSX),
   finds the columns by their Polish or English headings and returns the
   rows, with per-row errors for values that cannot even be read (a latitude
   that is not a number, a broken WKT point).
2. ``preview`` checks every row with the very validation ``pins.create_pin``
   applies (fields, catalogue, placement in Poland and in the area, rights):
   it calls ``create_pin`` inside a savepoint and rolls the savepoint back,
   so there is one set of rules, not two.
3. ``commit`` creates every row in the caller's transaction, or raises
   ``BulkImportError`` with the per-row report when any row fails, so the
   caller's transaction rolls back and nothing is written.

Row numbers are those the spreadsheet shows: the heading is row 1, the first
entry row 2, blank rows counted.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import geopandas as gpd
import shapely
import shapely.wkt
from shapely.errors import ShapelyError
from shapely.geometry import Point
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from geodata.formats import looks_like_html
from mapping import catalog
from mapping.db.models import SRID, VISIBILITIES
from mapping.errors import UserError, ValidationError
from mapping.i18n import t
from mapping.io import uploaded_tables
from mapping.services import pins
from mapping.services.accounts import Actor
from mapping.services.layers import CATEGORY_VOCABULARY
from mapping.services.pins import PinRef

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


class BulkImportError(UserError):
    """At least one row cannot be saved, so none was; ``report`` says which and why."""

    def __init__(self, report: Report) -> None:
        """Keep the per-row report for the page to show."""
        super().__init__("bulk.nothing_saved", rows=len(report.failed_rows))
        self.report = report


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


@dataclass(frozen=True)
class ReadyRow:
    """A row that passed every check: exactly what ``create_pin`` will receive."""

    row: int
    data: dict[str, Any]
    point: tuple[float, float] | None


@dataclass
class Report:
    """Every row of a file checked against the shared rules: ready rows and errors."""

    layer: str
    area_id: int | None
    total: int
    ready: list[ReadyRow]
    errors: list[RowError]
    # Every parsed point with its row, category and name, errors or not: for the map.
    points: list[ReadyRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is at least one row and no row has an error."""
        return self.total > 0 and not self.errors

    @property
    def failed_rows(self) -> list[int]:
        """Numbers of the rows with at least one error, ascending."""
        return sorted({error.row for error in self.errors})


# --- reading the file ---------------------------------------------------------------------


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


# --- checking and saving ------------------------------------------------------------------


class _Lookup:
    """Catalogue codes by code or Polish or English label, case-insensitively.

    Parts of a label count too when they name one entry only: "Świetlica"
    for "Świetlica / klub młodzieżowy", "DDPS" for "Dzienny dom pomocy
    społecznej (DDPS)".
    """

    def __init__(self, entries: Iterable[catalog.Entry]) -> None:
        self.codes: dict[str, str] = {}
        partial: dict[str, set[str]] = {}
        for entry in entries:
            for text in (entry.code, entry.label_pl, entry.label_en):
                self.codes[_fold(text)] = entry.code
            for label in (entry.label_pl, entry.label_en):
                for part in _label_parts(label):
                    partial.setdefault(_fold(part), set()).add(entry.code)
        for text, codes in partial.items():
            if len(codes) == 1 and text not in self.codes:
                self.codes[text] = next(iter(codes))

    def code(self, text: str | None) -> str | None:
        """The code ``text`` names, or ``text`` itself so that validation reports it."""
        if text is None:
            return None
        return self.codes.get(_fold(text), text)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _label_parts(label: str) -> list[str]:
    outside = re.sub(r"\([^)]*\)", " ", label)
    inside = re.findall(r"\(([^)]*)\)", label)
    parts = [p for chunk in (outside, *inside) for p in re.split(r"/|,", chunk)]
    return [p.strip() for p in parts if len(p.strip()) > 2]


@dataclass
class _Vocabularies:
    category: _Lookup
    target_groups: _Lookup
    visibility: _Lookup


def _vocabularies(session: Session, layer: str) -> _Vocabularies:
    visibilities = [
        catalog.Entry("visibility", v, None, t(f"visibility.{v}", "pl"),
                      t(f"visibility.{v}", "en"), "", "")
        for v in VISIBILITIES
    ]
    return _Vocabularies(
        category=_Lookup(catalog.entries(session, CATEGORY_VOCABULARY[layer])),
        target_groups=_Lookup(catalog.entries(session, "target_group")),
        visibility=_Lookup(visibilities),
    )


def _check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise UserError("error.unknown_layer", layer=layer)


def _pin_data(
    parsed: ParsedFile,
    row: ParsedRow,
    layer: str,
    vocabularies: _Vocabularies,
    default_visibility: str,
) -> dict[str, Any]:
    """The data ``create_pin`` receives for one row, catalogue labels turned into codes."""
    values = row.values
    data: dict[str, Any] = {
        name: values.get(name) for name in _LAYER_FIELDS[layer] if name in parsed.columns
    }
    if "target_groups" in data:
        typed = [p.strip() for p in _LIST_SEPARATORS.split(values.get("target_groups") or "")]
        data["target_groups"] = [vocabularies.target_groups.code(p) for p in typed if p]
    data["sector" if layer == "partner" else "category"] = vocabularies.category.code(
        values.get("category")
    )
    typed_visibility = values.get("visibility") or default_visibility
    data["visibility"] = vocabularies.visibility.code(typed_visibility)
    if not data.get("source"):
        # Provenance for QGIS users and the history: which file and row this came from.
        data["source"] = f"{parsed.filename[:200]}, row {row.row}"
    return data


def column_use(parsed: ParsedFile, layer: str) -> tuple[dict[str, str], list[str]]:
    """Which of the file's columns ``layer`` uses (field → heading), and which it ignores.

    Partners have no target groups or opening hours, so those columns are
    listed as ignored for them rather than silently dropped.
    """
    _check_layer(layer)
    wanted = {*_LAYER_FIELDS[layer], "category", "visibility", "lat", "lon", "wkt"}
    used = {name: heading for name, heading in parsed.columns.items() if name in wanted}
    ignored = [h for name, h in parsed.columns.items() if name not in wanted]
    return used, [*ignored, *parsed.ignored]


def _column_field(layer: str, name: str) -> str:
    """The file's field for an error ``create_pin`` reports (partners' sector is our category)."""
    return "category" if layer == "partner" and name == "sector" else name


def _check_rows(
    session: Session,
    actor: Actor,
    layer: str,
    area_id: int | None,
    parsed: ParsedFile,
    default_visibility: str,
    keep: bool,
    progress: Callable[[int, int], None] | None,
    form_token: str | None = None,
) -> tuple[Report, list[PinRef]]:
    """Run every row through ``create_pin``, each in a savepoint kept only when ``keep``."""
    _check_layer(layer)
    vocabularies = _vocabularies(session, layer)
    unplaced = {error.row for error in parsed.errors if error.field == "point"}
    misread = {error.row for error in parsed.errors}
    report = Report(layer, area_id, len(parsed.rows), [], list(parsed.errors))
    refs: list[PinRef] = []
    for done, row in enumerate(parsed.rows, start=1):
        try:
            data = _pin_data(parsed, row, layer, vocabularies, default_visibility)
            category = data.get("sector" if layer == "partner" else "category")
            if row.point is not None:
                report.points.append(ReadyRow(row.row, {**data, "category": category}, row.point))
            if row.row in unplaced:
                # Its point could not be read; checking it without one would only
                # add "point required" to the error the user already sees.
                continue
            # The upload's token goes with the first row saved: a second click on
            # the same import is then refused after one row instead of after all.
            token = form_token if keep and not refs else None
            savepoint = session.begin_nested()
            try:
                ref = pins.create_pin(session, actor, layer, area_id, data, row.point, token)
            except ValidationError as exc:
                savepoint.rollback()
                report.errors += row_errors(parsed, layer, row, data, exc.fields)
            except (IntegrityError, DataError):
                # Validation should have caught it; the database is the last guard.
                savepoint.rollback()
                report.errors.append(RowError(row.row, "row", "bulk.row_refused"))
            except UserError:
                # Rights, the area, a form saved twice: about the whole file, not a row.
                savepoint.rollback()
                raise
            else:
                if row.row in misread:
                    # Checked for its other fields' sake; a value was unreadable.
                    savepoint.rollback()
                    continue
                report.ready.append(ReadyRow(row.row, data, row.point))
                if keep:
                    savepoint.commit()
                    refs.append(ref)
                else:
                    savepoint.rollback()
        finally:
            if progress is not None:
                progress(done, len(parsed.rows))
    report.errors.sort(key=lambda e: (e.row, e.field))
    return report, refs


def _raw_value(row: ParsedRow, name: str, data: Mapping[str, Any]) -> str | None:
    if name == "point":
        return f"{row.point[1]}, {row.point[0]}" if row.point is not None else None
    value = row.values.get(name)
    if value is None and name == "visibility":
        value = data.get("visibility")
    text = _cell_text(value) if not isinstance(value, bool) else None
    return text[:200] if text else None


def preview(
    session: Session,
    actor: Actor,
    layer: str,
    area_id: int | None,
    parsed: ParsedFile,
    *,
    default_visibility: str = "public",
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check every row as ``commit`` would, and write nothing.

    Each row goes through ``pins.create_pin`` inside a savepoint that is then
    rolled back, so the preview applies exactly the editor's rules (fields,
    catalogue, Poland, the area, the actor's rights). Problems with the whole
    import (no right to edit the area, no area chosen) raise ``UserError``.
    """
    report, _ = _check_rows(
        session, actor, layer, area_id, parsed, default_visibility, False, progress
    )
    return report


def commit(
    session: Session,
    actor: Actor,
    layer: str,
    area_id: int | None,
    parsed: ParsedFile,
    *,
    default_visibility: str = "public",
    form_token: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PinRef]:
    """Create every row of the file in the caller's transaction, or none of them.

    When any row fails, ``BulkImportError`` carries the report of every
    failing row; the caller's transaction must then roll back (as
    ``db.session_scope`` does), which also removes the rows that passed.
    History attributes each new pin to ``actor``. ``form_token`` (one per
    uploaded file) makes a second click on the same import add nothing.
    """
    if not parsed.rows:
        raise UserError("bulk.no_rows")
    report, refs = _check_rows(
        session, actor, layer, area_id, parsed, default_visibility, True, progress, form_token
    )
    if report.errors:
        raise BulkImportError(report)
    return refs


def template_csv(layer: str) -> bytes:
    """An empty file to fill in: the Polish headings, UTF-8 with a BOM and semicolons.

    That is what Excel with Polish settings opens with the diacritics intact
    and each heading in its own column. No example row: a forgotten example
    would end up on the map.
    """
    _check_layer(layer)
    names = ["name", "category", "address", "lat", "lon", "description", "phone", "email",
             "www", "visibility"]
    if layer == "resource":
        names += ["target_groups", "opening_hours"]
    names.append("serves_from_outside")
    headings = [HEADINGS[n][0] for n in names]
    if layer == "partner":
        headings[1] = "sektor"
    return ("\ufeff" + ";".join(headings) + "\r\n").encode("utf-8")


def preview_frame(report: Report) -> gpd.GeoDataFrame:
    """The file's points as a frame shaped like ``layers.pins``, for ``maps`` builders.

    ``id`` is the spreadsheet row number. Rows with errors are included (an
    unknown category shows as a grey pin) so the user can see where they are.
    """
    records = []
    for entry in report.points:
        records.append(
            {
                "id": entry.row,
                "area_id": report.area_id,
                "name": entry.data.get("name"),
                "category": entry.data.get("category") or "",
                "description": entry.data.get("description"),
                "address": entry.data.get("address"),
                "phone": entry.data.get("phone"),
                "email": entry.data.get("email"),
                "www": entry.data.get("www"),
                "visibility": entry.data.get("visibility"),
                "target_groups": entry.data.get("target_groups") or [],
            }
        )
    geometry = [Point(entry.point) if entry.point is not None else None for entry in report.points]
    return gpd.GeoDataFrame(
        records,
        geometry=gpd.GeoSeries(geometry, crs=SRID),
        columns=[
            "id", "area_id", "name", "category", "description", "address", "phone",
            "email", "www", "visibility", "target_groups",
        ],
        crs=SRID,
    )


# --- hooks for other importers (mapping.io.point_import: GIS formats, set-based save) --------


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


def pin_inputs(
    session: Session, layer: str, parsed: ParsedFile, default_visibility: str = "public"
) -> list[tuple[ParsedRow, dict[str, Any]]]:
    """Each row with the data ``pins.create_pin`` would receive: catalogue labels made codes."""
    _check_layer(layer)
    vocabularies = _vocabularies(session, layer)
    return [
        (row, _pin_data(parsed, row, layer, vocabularies, default_visibility))
        for row in parsed.rows
    ]


def row_errors(
    parsed: ParsedFile,
    layer: str,
    row: ParsedRow,
    data: Mapping[str, Any],
    fields: Mapping[str, str],
) -> list[RowError]:
    """The problems the pin rules found in one row (field → message key), as reports list them."""
    errors = []
    for name, key in fields.items():
        name = _column_field(layer, name)
        raw = _raw_value(row, name, data)
        if raw is None and key == "error.unknown_choice":
            # An empty category cell is missing, not "not in the catalogue".
            key = "error.required"
        errors.append(RowError(row.row, name, key, parsed.column_of(name), raw))
    return errors


def read_row(parsed: ParsedFile, number: int, values: dict[str, Any]) -> ParsedRow:
    """One entry's cells (field → value) read as ``parse`` reads them; problems go to ``parsed``."""
    return _read_row(parsed, number, values)
