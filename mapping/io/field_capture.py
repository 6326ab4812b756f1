"""Pins captured offline in KoboCollect or ODK Collect: the form's export read into the layers.

The field form (``mapping.io.field_form``) is filled on a phone or tablet
with no signal; KoboToolbox or ODK Central collect the submissions and
export them as CSV (``,`` or ``;``, UTF-8 with or without a BOM, or CP1250
once Polish Excel has saved it), XLSX, or ODK Central's ZIP of CSVs. This
module reads such an export into resources, partners and needs:

- ``mapping.io.geopoints.geopoint_columns`` finds the geopoint however
  the tool split it (Kobo's ``location`` with ``_location_latitude`` …
  ``_location_precision``, ODK Central's ``location-Latitude`` …
  ``location-Accuracy``); the import page calls it too.
- ``field_export.read`` reads the table with the spreadsheet import's reader
  (``bulk_reading.read_table``) and each row's layer, category, fields, point,
  accuracy and submission id; values it cannot read are row errors.
- ``check`` and ``commit`` put every row through ``pins.create_pin`` (the
  editor's own rules: fields, catalogue, Poland, the area, rights), each in
  a savepoint, as ``bulk`` does. ``commit`` keeps them all or, when any row
  fails, raises ``bulk.BulkImportError`` with every failing row, and the
  caller's transaction rolls back.

Each pin records where it came from: ``source`` names the file, row,
submission and accuracy, and a need's ``source_method`` is
``field_capture``. A submission imported before (its ``instanceID`` is
kept as the pin's form token) is skipped, so exporting all submissions
again each week and importing the file adds only the new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db.models import Area, SubmittedForm
from mapping.errors import PermissionDenied, UserError, ValidationError
from mapping.i18n import t
from mapping.io import bulk, field_export, field_form
from mapping.io.bulk import ParsedFile, ParsedRow, ReadyRow, Report, RowError
from mapping.io.field_export import FieldEntry, FieldFile
from mapping.io.geopoints import fold as _fold
from mapping.services import pins, validation
from mapping.services.accounts import Actor
from mapping.services.pins import PinRef

# Points whose accuracy is worse than the threshold (why 50 m: see
# ``field_form.ACCURACY_LIMIT_M``) are flagged, not refused: the worker stood
# at the place, the file is all or nothing, and a day's capture must not wait
# for one weak fix. The report lists them and their source records the
# accuracy, so the team checks them on the map and moves the pin if needed.
ACCURACY_LIMIT_M = field_form.ACCURACY_LIMIT_M
# The catalogue's source method for needs found in the field (mapping/data/catalog.csv).
SOURCE_METHOD = "field_capture"
LAYERS = tuple(field_form.LAYER_VOCABULARY)
# Form token prefix: a submission kept as a pin is not imported twice.
TOKEN_PREFIX = "field:"  # noqa: S105 - a label for form tokens, not a secret
_LIST_SEPARATORS = re.compile(r"[;,|\n]")


@dataclass
class FieldReport(Report):
    """``bulk.Report`` for a field export: rows of three layers, with flags beside the errors.

    ``low_accuracy`` lists points worse than the threshold (imported, to
    check on the map); ``skipped`` the submissions imported before;
    ``layers`` and ``areas`` say where each ready row goes.
    """

    low_accuracy: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    layers: dict[int, str] = field(default_factory=dict)
    areas: dict[int, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Ready rows per layer, every layer named."""
        found = {layer: 0 for layer in LAYERS}
        for entry in self.ready:
            found[self.layers[entry.row]] += 1
        return found


# --- checking and saving ------------------------------------------------------------------


@dataclass
class _Vocabulary:
    """Codes by code, ``layer:code``, or Polish or English label, case-insensitively."""

    codes: dict[str, str]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, Iterable[str]]]) -> _Vocabulary:
        codes: dict[str, str] = {}
        for code, texts in pairs:
            for name in (code, *texts):
                codes.setdefault(_fold(name), code)
        return cls(codes)

    def code(self, value: str | None) -> str | None:
        """The code ``value`` names, or ``value`` itself so that validation reports it."""
        if value is None:
            return None
        return self.codes.get(_fold(value), value)


@dataclass
class _Vocabularies:
    layer: _Vocabulary
    category: dict[str, _Vocabulary]
    target_groups: _Vocabulary
    visibility: _Vocabulary
    priority: _Vocabulary


def _vocabularies(session: Session) -> _Vocabularies:
    entries = catalog.entries(session)

    def of(vocabulary: str, layer: str | None = None) -> _Vocabulary:
        return _Vocabulary.of(
            (e.code, (e.label_pl, e.label_en,
                      *([field_form.category_choice(layer, e.code)] if layer else [])))
            for e in entries if e.vocabulary == vocabulary
        )  # fmt: skip

    return _Vocabularies(
        layer=_Vocabulary.of(
            (code, (*labels, t(f"layer.{code}", "pl"), t(f"layer.{code}", "en")))
            for code, labels in field_form.LAYER_LABELS.items()
        ),
        category={layer: of(v, layer) for layer, v in field_form.LAYER_VOCABULARY.items()},
        target_groups=of("target_group"),
        visibility=_Vocabulary.of(
            (code, (*field_form.VISIBILITY_LABELS.get(code, ()), t(f"visibility.{code}", "pl"),
                    t(f"visibility.{code}", "en")))
            for code in ("public", "partnership", "team")
        ),
        priority=_Vocabulary.of(
            (str(p), (*labels, t(key, "pl"), t(key, "en")))
            for (p, labels), key in zip(
                field_form.PRIORITY_LABELS.items(),
                ("priority.low", "priority.medium", "priority.high"), strict=True,
            )
        ),
    )


def _layer(values: Mapping[str, Any], vocabularies: _Vocabularies) -> str | None:
    """The row's layer: its layer answer, else the prefix of a ``layer:code`` category."""
    given = vocabularies.layer.code(values.get("layer"))
    if given in LAYERS:
        return given
    if values.get("layer"):
        return None
    prefix = _fold(values.get("category")).partition(":")[0]
    return prefix if prefix in LAYERS else None


def _groups(value: str | None, vocabulary: _Vocabulary) -> list[str]:
    """Target groups from codes joined by spaces (XML values) or labels joined by ; or ,."""
    if not value:
        return []
    whole = vocabulary.codes.get(_fold(value))
    if whole is not None:
        return [whole]
    parts = _LIST_SEPARATORS.split(value) if _LIST_SEPARATORS.search(value) else value.split()
    return [vocabulary.code(p.strip()) or p for p in parts if p.strip()]


def _pin_data(
    file: FieldFile, row: ParsedRow, layer: str, vocabularies: _Vocabularies
) -> dict[str, Any]:
    """What ``pins.create_pin`` receives for one row of ``layer``: codes, defaults, provenance."""
    values = row.values
    entry = file.entries[row.row]
    data: dict[str, Any] = {"name": values.get("name"), "description": values.get("description")}
    category = vocabularies.category[layer].code(values.get("category"))
    data["sector" if layer == "partner" else "category"] = category
    if layer != "partner":
        data["target_groups"] = _groups(values.get("target_groups"), vocabularies.target_groups)
    data["visibility"] = vocabularies.visibility.code(
        values.get("visibility") or field_form.DEFAULT_VISIBILITY
    )
    if layer == "need":
        priority = vocabularies.priority.code(values.get("priority"))
        data["priority"] = int(priority) if priority in ("1", "2", "3") else (
            field_form.DEFAULT_PRIORITY if priority is None else priority
        )
        data.update(status="identified", source_method=SOURCE_METHOD)
    data["source"] = source_text(file.parsed.filename, row.row, entry)
    return data


def source_text(filename: str, row: int, entry: FieldEntry) -> str:
    """The pin's provenance: field capture, file and row, submission, accuracy and photo.

    >>> source_text("teren.csv", 3, FieldEntry(3, 12.4, "0b1c", "img.jpg"))
    'field capture (KoboCollect/ODK Collect): teren.csv, row 3, uuid:0b1c, ±12 m, photo img.jpg'
    """
    parts = [f"field capture (KoboCollect/ODK Collect): {filename[:200]}, row {row}"]
    if entry.instance_id:
        parts.append(f"uuid:{entry.instance_id[:100]}")
    if entry.accuracy is not None:
        parts.append(f"±{entry.accuracy:.0f} m")
    if entry.photo:
        parts.append(f"photo {entry.photo[:200]}")
    return ", ".join(parts)[: validation.MAX_LENGTH["source"]]


@dataclass
class _Target:
    """The areas rows may go to: one chosen area, or a team's areas."""

    areas: dict[int, Area]
    single: Area | None

    def by_answer(self, answer: str) -> Area | None:
        names = field_form.area_choices(a.name for a in self.areas.values())
        wanted = _fold(answer)
        for choice, name in names.items():
            if wanted in (_fold(choice), _fold(name)):
                return next(a for a in self.areas.values() if a.name == name)
        return None


def _target(
    session: Session, actor: Actor, area_id: int | None, team_id: int | None
) -> _Target:
    if area_id is not None:
        area = pins.editable_area(session, actor, area_id)
        if team_id is not None and area.team_id != team_id:
            raise UserError("field_capture.area_not_of_team", area=area.name)
        return _Target({area.id: area}, area)
    if team_id is None:
        raise UserError("field_capture.no_target")
    # Before any row is read against the team's areas: their names are in the messages.
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    if not actor.may_edit_team(team_id):
        raise PermissionDenied("error.not_your_team")
    areas = session.scalars(
        select(Area).where(Area.team_id == team_id, Area.retired_at.is_(None)).order_by(Area.id)
    ).all()
    if not areas:
        raise UserError("field_capture.no_areas")
    return _Target({a.id: a for a in areas}, None)


def _areas_of_points(
    session: Session, target: _Target, points: list[tuple[int, tuple[float, float]]]
) -> tuple[dict[int, int], dict[int, str]]:
    """Per row: the smallest of the target's areas covering its point, else the nearest's name.

    One query for the whole file. Estates lie inside districts: the estate wins.
    """
    if not points:
        return {}, {}
    rows = session.execute(
        text(
            "SELECT t.row, inside.id, nearest.name "
            "FROM unnest(CAST(:rows AS integer[]), CAST(:xs AS float8[]), "
            "CAST(:ys AS float8[])) AS t(row, x, y) "
            "LEFT JOIN LATERAL (SELECT a.id FROM area a WHERE a.id = ANY(:ids) "
            "  AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)) "
            "  ORDER BY ST_Area(a.geom), a.id LIMIT 1) inside ON true "
            "LEFT JOIN LATERAL (SELECT a.name FROM area a WHERE a.id = ANY(:ids) "
            "  ORDER BY a.geom <-> ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), a.id LIMIT 1) "
            "  nearest ON true"
        ),
        {
            "rows": [number for number, _ in points],
            "xs": [p[0] for _, p in points],
            "ys": [p[1] for _, p in points],
            "ids": list(target.areas),
        },
    ).all()
    inside = {r.row: r.id for r in rows if r.id is not None}
    nearest = {r.row: r.name for r in rows if r.id is None}
    return inside, nearest


def _imported_before(session: Session, tokens: Iterable[str]) -> set[str]:
    wanted = list(set(tokens))
    if not wanted:
        return set()
    return set(session.scalars(select(SubmittedForm.token).where(SubmittedForm.token.in_(wanted))))


def _token(entry: FieldEntry) -> str | None:
    return f"{TOKEN_PREFIX}{entry.instance_id}"[:64] if entry.instance_id else None


def check(
    session: Session,
    actor: Actor,
    file: FieldFile,
    *,
    area_id: int | None = None,
    team_id: int | None = None,
    accuracy_limit: float = ACCURACY_LIMIT_M,
) -> FieldReport:
    """Check every row as ``commit`` would, and write nothing.

    Rows go to ``area_id``, or to the area of ``team_id`` their area answer
    names or their point lies in. Problems with the whole import (no area or
    team, no right to edit) raise ``UserError``; the rows' are in the report.
    """
    report, _ = _run(session, actor, file, area_id, team_id, accuracy_limit, keep=False)
    return report


def commit(
    session: Session,
    actor: Actor,
    file: FieldFile,
    *,
    area_id: int | None = None,
    team_id: int | None = None,
    accuracy_limit: float = ACCURACY_LIMIT_M,
) -> tuple[list[PinRef], FieldReport]:
    """Create every new row's pin in the caller's transaction, or none of them.

    Returns the new pins in row order and the report (its flags and skipped
    rows). When any row fails, ``bulk.BulkImportError`` carries the
    ``FieldReport`` of every failing row; the caller's transaction must then
    roll back. History attributes each pin to ``actor``.
    """
    if not file.parsed.rows:
        raise UserError("bulk.no_rows")
    report, refs = _run(session, actor, file, area_id, team_id, accuracy_limit, keep=True)
    if report.errors:
        raise bulk.BulkImportError(report)
    return refs, report


def check_file(
    session: Session,
    actor: Actor,
    content: bytes,
    filename: str,
    *,
    area_id: int | None = None,
    team_id: int | None = None,
    accuracy_limit: float = ACCURACY_LIMIT_M,
) -> FieldReport:
    """Read a field export (``field_export.read``) and ``check`` it: the import page's preview."""
    file = field_export.read(content, filename)
    return check(session, actor, file, area_id=area_id, team_id=team_id,
                 accuracy_limit=accuracy_limit)


def import_file(
    session: Session,
    actor: Actor,
    content: bytes,
    filename: str,
    *,
    area_id: int | None = None,
    team_id: int | None = None,
    accuracy_limit: float = ACCURACY_LIMIT_M,
) -> tuple[list[PinRef], FieldReport]:
    """Read a field export and ``commit`` it: the import of ``calmap field import`` and the page.

    A file that cannot be read raises ``UserError``; a row that fails raises
    ``bulk.BulkImportError`` with the ``FieldReport`` of every failing row
    (the caller's transaction must roll back).
    """
    file = field_export.read(content, filename)
    return commit(session, actor, file, area_id=area_id, team_id=team_id,
                  accuracy_limit=accuracy_limit)


def _run(
    session: Session,
    actor: Actor,
    file: FieldFile,
    area_id: int | None,
    team_id: int | None,
    accuracy_limit: float,
    keep: bool,
) -> tuple[FieldReport, list[PinRef]]:
    """Every row through ``create_pin`` in a savepoint, kept only when ``keep``."""
    target = _target(session, actor, area_id, team_id)
    parsed = file.parsed
    vocabularies = _vocabularies(session)
    report = FieldReport("field", area_id, len(parsed.rows), [], list(parsed.errors))
    misread = {error.row for error in parsed.errors}
    unplaced = {error.row for error in parsed.errors if error.field == "point"}
    done = _imported_before(
        session, [token for e in file.entries.values() if (token := _token(e))]
    )
    placeable = []
    for row in parsed.rows:
        if row.point is not None and row.row not in unplaced:
            problems: dict[str, str] = {}
            if validation.check_point(row.point[0], row.point[1], problems) is None:
                report.errors.append(RowError(row.row, "point", problems["point"],
                                              parsed.column_of("point"), _point_text(row)))
                unplaced.add(row.row)
            else:
                placeable.append((row.row, row.point))
    inside, nearest = (
        _areas_of_points(session, target, placeable) if target.single is None else ({}, {})
    )
    seen: set[str] = set()
    refs: list[PinRef] = []
    for row in parsed.rows:
        entry = file.entries[row.row]
        token = _token(entry)
        if token is not None and (token in done or token in seen):
            report.skipped.append(RowError(row.row, "row", "field_capture.already_imported",
                                           None, entry.instance_id))
            continue
        if token is not None:
            seen.add(token)
        layer = _layer(row.values, vocabularies)
        if layer is None:
            key = "field_capture.unknown_layer" if row.values.get("layer") else "error.required"
            report.errors.append(RowError(row.row, "layer", key, parsed.column_of("layer"),
                                          row.values.get("layer")))
            continue
        data = _pin_data(file, row, layer, vocabularies)
        category = data.get("sector" if layer == "partner" else "category")
        if row.point is not None:
            report.points.append(ReadyRow(row.row, {**data, "category": category}, row.point))
            if entry.accuracy is not None and entry.accuracy > accuracy_limit:
                report.low_accuracy.append(RowError(
                    row.row, "point", "field_capture.low_accuracy", file.geopoint.accuracy,
                    f"{entry.accuracy:g}",
                    {"accuracy": f"{entry.accuracy:.0f}", "limit": f"{accuracy_limit:g}"},
                ))  # fmt: skip
        if row.row in unplaced:
            # Its point is wrong already; "point required" or "outside" would only repeat it.
            _check_fields_only(session, parsed, layer, row, data, report)
            continue
        area = _row_area(parsed, layer, row, target, inside, nearest, report)
        if area is None:
            _check_fields_only(session, parsed, layer, row, data, report)
            continue
        savepoint = session.begin_nested()
        try:
            ref = pins.create_pin(session, actor, layer, area.id, data, row.point, token)
        except ValidationError as exc:
            savepoint.rollback()
            report.errors += bulk.row_errors(parsed, layer, row, data, exc.fields)
            continue
        except (IntegrityError, DataError):
            # Validation should have caught it; the database is the last guard.
            savepoint.rollback()
            report.errors.append(RowError(row.row, "row", "bulk.row_refused"))
            continue
        except UserError:
            # Rights, a retired area: about the whole import, not a row.
            savepoint.rollback()
            raise
        if row.row in misread:
            savepoint.rollback()
            continue
        report.ready.append(ReadyRow(row.row, data, row.point))
        report.layers[row.row] = layer
        report.areas[row.row] = area.id
        if keep:
            savepoint.commit()
            refs.append(ref)
        else:
            savepoint.rollback()
    report.errors.sort(key=lambda e: (e.row, e.field))
    return report, refs


def _point_text(row: ParsedRow) -> str | None:
    return f"{row.point[1]}, {row.point[0]}" if row.point is not None else None


def _check_fields_only(
    session: Session, parsed: ParsedFile, layer: str, row: ParsedRow, data: dict[str, Any],
    report: FieldReport,
) -> None:
    """Report a row's field problems when it has no area to be checked in."""
    try:
        pins.check_fields(session, layer, data)
    except ValidationError as exc:
        report.errors += bulk.row_errors(parsed, layer, row, data, exc.fields)


def _row_area(
    parsed: ParsedFile,
    layer: str,
    row: ParsedRow,
    target: _Target,
    inside: Mapping[int, int],
    nearest: Mapping[int, str],
    report: FieldReport,
) -> Area | None:
    """The area a row goes to, or None with the reason in ``report``.

    An area answer must name one of the target's areas; without one, a
    team's row goes to the area its point lies in. One chosen area takes
    every row, and ``create_pin`` then says if a point lies outside it.
    """
    answer = row.values.get("area")
    if answer:
        found = target.by_answer(answer)
        if found is None:
            names = ", ".join(sorted(a.name for a in target.areas.values()))
            report.errors.append(RowError(row.row, "area", "field_capture.unknown_area",
                                          parsed.column_of("area"), answer[:200],
                                          {"areas": names[:500]}))
        return found
    if target.single is not None:
        return target.single
    if row.point is None:
        # A resource needs its point whatever the area; the editor says so in these words.
        key = "error.point_required" if layer == "resource" else "field_capture.no_area"
        report.errors.append(RowError(row.row, "point", key, parsed.column_of("point")))
        return None
    if row.row in inside:
        return target.areas[inside[row.row]]
    report.errors.append(RowError(
        row.row, "point", "field_capture.outside_areas", parsed.column_of("point"),
        _point_text(row), {"nearest": nearest.get(row.row, "-")},
    ))  # fmt: skip
    return None
