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
entry row 2, blank rows counted. Reading the file (step 1) lives in
``mapping.io.bulk_reading``; ``parse`` and its results are importable from here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
from shapely.geometry import Point
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db.models import SRID, VISIBILITIES
from mapping.errors import UserError, ValidationError
from mapping.i18n import t
from mapping.io.bulk_reading import (
    _LAYER_FIELDS,
    _LIST_SEPARATORS,
    HEADINGS,
    LAYERS,
    MAX_BYTES,
    MAX_ROWS,
    ParsedFile,
    ParsedRow,
    RowError,
    _cell_text,
    parse,
)
from mapping.services import pins
from mapping.services.accounts import Actor
from mapping.services.layers import CATEGORY_VOCABULARY
from mapping.services.pins import PinRef

# Step 1 (reading) is imported from mapping.io.bulk_reading, so that a page,
# the CLI or a test does all three steps through this module.
__all__ = [
    "LAYERS", "MAX_BYTES", "MAX_ROWS", "BulkImportError", "ParsedFile", "ParsedRow", "ReadyRow",
    "Report", "RowError", "column_use", "commit", "parse", "pin_inputs", "preview",
    "preview_frame", "row_errors", "template_csv",
]  # fmt: skip


class BulkImportError(UserError):
    """At least one row cannot be saved, so none was; ``report`` says which and why."""

    def __init__(self, report: Report) -> None:
        """Keep the per-row report for the page to show."""
        super().__init__("bulk.nothing_saved", rows=len(report.failed_rows))
        self.report = report


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
