"""Generated answer files in the shapes survey tools export: for tests, the bench and demos.

Nothing here is real: respondents are drawn at random (with a seed) so that
needs differ between estates. The files follow what each tool writes:

- KoboToolbox CSV: ``;``-separated, group paths with ``/`` (``gdzie/osiedle``),
  select_multiple both as one space-separated column and as one 1/0 column
  per choice (``braki/miejsce_spotkan``), the geopoint as ``lat lon alt acc``
  plus ``_punkt_latitude``…, ``_geolocation`` as ``[lat, lon]``, and the
  meta columns (``meta/instanceID``, ``_id``, ``_uuid``, ``_submission_time``…);
- ODK Central CSV: ``,``-separated, groups joined by ``-`` (``gdzie-osiedle``),
  the geopoint split into ``gdzie-punkt-Latitude``…, ``meta-instanceID``,
  ``KEY``, ``SubmitterName``, ``FormVersion``;
- LimeSurvey CSV: codes as headings, ``braki[miejsce_spotkan]`` = ``Y``, ``ipaddr``;
- Google Forms CSV: question labels as headings, ``Sygnatura czasowa``, choices
  by label joined with ", ";
- a paper sheet typed in Polish Excel: CP1250, ``;``, ``Nr ankiety``, estate
  names as written, labels joined with "; ".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from surveys.xlsform import FormDefinition, Question


@dataclass
class Respondent:
    """One generated respondent: submission id, estate choice, point, answers by question name."""

    uuid: str
    estate: str | None
    point: tuple[float, float] | None  # (lat, lon), as survey tools write it
    answers: dict[str, str | list[str]] = field(default_factory=dict)
    submitted: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 5, 1, 10, 0))
    # Where the generator put the respondent (never exported): for checking placement.
    home: str = ""


def points_in(
    shape: BaseGeometry, count: int, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """``count`` random (lat, lon) points inside ``shape``."""
    minx, miny, maxx, maxy = shape.bounds
    shapely.prepare(shape)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        need = (count - len(found)) * 3 + 10
        xs = rng.uniform(minx, maxx, need)
        ys = rng.uniform(miny, maxy, need)
        inside = shapely.contains_xy(shape, xs, ys)
        found += [(float(y), float(x)) for x, y in zip(xs[inside], ys[inside], strict=True)]
    return found[:count]


def generate(
    form: FormDefinition,
    count: int,
    shapes: Mapping[str, BaseGeometry],
    *,
    seed: int = 2026,
    point_share: float = 0.3,
    skip_share: float = 0.05,
) -> list[Respondent]:
    """``count`` respondents spread over the estates in ``shapes`` (area name → polygon).

    Most name their estate; ``point_share`` of them choose "other" and give a
    point in their estate instead. Each estate has its own propensity for each
    choice, so the needs differ from place to place.
    """
    rng = np.random.default_rng(seed)
    plain = random.Random(seed)  # noqa: S311 - made-up answers, reproducible by seed
    area_question = form.area_question
    choices = area_question.choices if area_question is not None else ()
    estate_choice = {c.area: c.name for c in choices if c.area}
    other = next((c.name for c in choices if not c.area), None)
    names = sorted(shapes)
    weights = rng.uniform(0.3, 1.7, len(names))
    weights /= weights.sum()
    per_estate = rng.multinomial(count, weights)
    propensity = {
        (name, q.name, c.name): float(rng.beta(1.2, 4.0))
        for name in names
        for q in form.mapped_questions
        for c in q.choices
    }
    respondents: list[Respondent] = []
    start = dt.datetime(2026, 4, 1, 9, 0)
    for name, n in zip(names, per_estate, strict=True):
        if not n:
            continue
        points = points_in(shapes[name], int(n), rng)
        for point in points:
            by_point = plain.random() < point_share or name not in estate_choice
            respondent = Respondent(
                uuid=str(uuid.UUID(int=plain.getrandbits(128), version=4)),
                estate=other if by_point else estate_choice[name],
                point=point if by_point else (point if plain.random() < 0.5 else None),
                submitted=start + dt.timedelta(minutes=plain.randrange(60 * 24 * 45)),
                home=name,
            )
            for question in form.mapped_questions:
                if plain.random() < skip_share and not question.required:
                    continue
                respondent.answers[question.name] = _answer(question, name, propensity, plain)
            respondents.append(respondent)
    plain.shuffle(respondents)
    return respondents


def _answer(
    question: Question, estate: str, propensity: Mapping[tuple[str, str, str], float],
    rng: random.Random,
) -> str | list[str]:
    weights = [propensity[(estate, question.name, c.name)] for c in question.choices]
    if question.kind == "select_one":
        return rng.choices([c.name for c in question.choices], weights=weights)[0]
    chosen = [c.name for c, w in zip(question.choices, weights, strict=True) if rng.random() < w]
    if not chosen and question.required:
        chosen = [rng.choices([c.name for c in question.choices], weights=weights)[0]]
    return chosen


def _choice_label(question: Question, name: str) -> str:
    return next(c.label_pl for c in question.choices if c.name == name)


def _write(rows: Sequence[Sequence[object]], delimiter: str, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _geopoint(point: tuple[float, float] | None) -> str:
    return f"{point[0]:.6f} {point[1]:.6f} 120.0 4.5" if point else ""


def kobo_rows(
    form: FormDefinition,
    respondents: Sequence[Respondent],
    *,
    split_choices: bool = True,
    geolocation: bool = True,
) -> list[list[object]]:
    """Rows (heading first) as KoboToolbox exports them with group names and XML values."""
    area = form.area_question
    location = form.location_question
    heading: list[object] = ["start", "end"]
    if area is not None:
        heading.append(area.xpath)
    if location is not None:
        heading += [
            location.xpath, f"_{location.name}_latitude", f"_{location.name}_longitude",
            f"_{location.name}_altitude", f"_{location.name}_precision",
        ]
    for question in form.mapped_questions:
        heading.append(question.xpath)
        if split_choices and question.kind == "select_multiple":
            heading += [f"{question.xpath}/{c.name}" for c in question.choices]
    heading += ["__version__", "meta/instanceID", "_id", "_uuid", "_submission_time",
                "_validation_status", "_notes", "_status", "_submitted_by", "_tags", "_index"]
    if geolocation:
        heading.append("_geolocation")
    rows: list[list[object]] = [heading]
    for number, r in enumerate(respondents, start=1):
        ended = r.submitted + dt.timedelta(minutes=7)
        row: list[object] = [r.submitted.isoformat(), ended.isoformat()]
        if area is not None:
            row.append(r.estate or "")
        if location is not None:
            if r.point:
                row += [_geopoint(r.point), r.point[0], r.point[1], "120.0", "4.5"]
            else:
                row += ["", "", "", "", ""]
        for question in form.mapped_questions:
            value = r.answers.get(question.name)
            if question.kind == "select_multiple":
                chosen = value if isinstance(value, list) else []
                row.append(" ".join(chosen) if value is not None else "")
                if split_choices:
                    row += [
                        ("1" if c.name in chosen else "0") if value is not None else ""
                        for c in question.choices
                    ]
            else:
                row.append(value or "")
        row += ["vGk3n8qQxWjZ", f"uuid:{r.uuid}", 100_000 + number, r.uuid,
                r.submitted.isoformat(), "", "[]", "submitted_via_web", "ankieter_1", "[]", number]
        if geolocation:
            row.append(f"[{r.point[0]}, {r.point[1]}]" if r.point else "[None, None]")
        rows.append(row)
    return rows


def kobo_csv(form: FormDefinition, respondents: Sequence[Respondent], **options: bool) -> bytes:
    """A KoboToolbox CSV export (``;``-separated, UTF-8)."""
    return _write(kobo_rows(form, respondents, **options), ";")


def kobo_xlsx(form: FormDefinition, respondents: Sequence[Respondent], **options: bool) -> bytes:
    """A KoboToolbox XLSX export (the same table on the first sheet)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = form.form_id[:31]
    for row in kobo_rows(form, respondents, **options):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odk_central_csv(
    form: FormDefinition,
    respondents: Sequence[Respondent],
    *,
    split_choices: bool = False,
    keep_joined: bool = True,
    ticks: tuple[str, str] = ("1", "0"),
    separator: str = "-",
) -> bytes:
    """An ODK Central CSV export (``,``-separated, groups joined with ``-``).

    ``split_choices`` is Central's "split select multiple choices into
    columns": one ``group-question/choice`` column per choice holding
    ``ticks`` (1/0; TRUE/FALSE once the file has been through a spreadsheet),
    after the joined column unless ``keep_joined`` is False. ``separator``
    joins group paths (``/`` in Briefcase and pyODK tables).
    """
    area = form.area_question
    location = form.location_question

    def dashed(question: Question) -> str:
        return separator.join((*question.path, question.name))

    def split(question: Question) -> bool:
        return split_choices and question.kind == "select_multiple"

    heading: list[object] = ["SubmissionDate"]
    if area is not None:
        heading.append(dashed(area))
    if location is not None:
        base = dashed(location)
        heading += [f"{base}-Latitude", f"{base}-Longitude", f"{base}-Altitude", f"{base}-Accuracy"]
    for question in form.mapped_questions:
        if keep_joined or not split(question):
            heading.append(dashed(question))
        if split(question):
            heading += [f"{dashed(question)}/{c.name}" for c in question.choices]
    heading += ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    rows: list[list[object]] = [heading]
    for r in respondents:
        row: list[object] = [r.submitted.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
        if area is not None:
            row.append(r.estate or "")
        if location is not None:
            row += [r.point[0], r.point[1], 120.0, 4.5] if r.point else ["", "", "", ""]
        for question in form.mapped_questions:
            value = r.answers.get(question.name)
            if keep_joined or not split(question):
                row.append(" ".join(value) if isinstance(value, list) else (value or ""))
            if split(question):
                # An unanswered (not relevant) question leaves its choice columns empty.
                chosen = value if isinstance(value, list) else []
                row += [
                    (ticks[0] if c.name in chosen else ticks[1]) if value is not None else ""
                    for c in question.choices
                ]
        row += [f"uuid:{r.uuid}", f"uuid:{r.uuid}", 7, "Ankieter Terenowy", 0, 0, "", "",
                "collect:abc123", 0, form.version]
        rows.append(row)
    return _write(rows, ",")


def limesurvey_csv(form: FormDefinition, respondents: Sequence[Respondent]) -> bytes:
    """A LimeSurvey CSV export with question codes and ``Y`` per ticked choice."""
    area = form.area_question
    heading: list[object] = ["id", "submitdate", "lastpage", "startlanguage", "seed", "ipaddr"]
    if area is not None:
        heading.append(area.name)
    for question in form.mapped_questions:
        if question.kind == "select_multiple":
            heading += [f"{question.name}[{c.name}]" for c in question.choices]
        else:
            heading.append(question.name)
    rows: list[list[object]] = [heading]
    for number, r in enumerate(respondents, start=1):
        if r.estate is None or r.point is not None and area is not None and not _named(area, r):
            continue  # LimeSurvey has no map question: only estate answers come through
        row: list[object] = [number, r.submitted.strftime("%Y-%m-%d %H:%M:%S"), 5, "pl",
                             1000 + number, "192.0.2.1"]
        if area is not None:
            row.append(r.estate)
        for question in form.mapped_questions:
            value = r.answers.get(question.name)
            if question.kind == "select_multiple":
                chosen = value if isinstance(value, list) else []
                row += ["Y" if c.name in chosen else "" for c in question.choices]
            else:
                row.append(value or "")
        rows.append(row)
    return _write(rows, ",")


def _named(area: Question, respondent: Respondent) -> bool:
    return any(c.name == respondent.estate and c.area for c in area.choices)


def google_forms_csv(form: FormDefinition, respondents: Sequence[Respondent]) -> bytes:
    """A Google Forms CSV (from the responses sheet): labels as headings and values."""
    area = form.area_question
    heading: list[object] = ["Sygnatura czasowa"]
    if area is not None:
        heading.append(area.label_pl)
    heading += [q.label_pl for q in form.mapped_questions]
    rows: list[list[object]] = [heading]
    for r in respondents:
        if area is not None and not _named(area, r):
            continue  # Google Forms has no map question either
        row: list[object] = [r.submitted.strftime("%d.%m.%Y %H:%M:%S")]
        if area is not None:
            row.append(_choice_label(area, r.estate or ""))
        for question in form.mapped_questions:
            value = r.answers.get(question.name)
            if isinstance(value, list):
                row.append(", ".join(_choice_label(question, v) for v in value))
            else:
                row.append(_choice_label(question, value) if value else "")
        rows.append(row)
    return _write(rows, ",")


def paper_csv(form: FormDefinition, respondents: Sequence[Respondent]) -> bytes:
    """A sheet typed in from paper in Polish Excel: CP1250, ``;``, labels joined with "; "."""
    area = form.area_question
    location = form.location_question
    heading: list[object] = ["Nr ankiety", "Osiedle"]
    if location is not None:
        heading += ["Szerokość", "Długość"]
    heading += [q.name for q in form.mapped_questions]
    rows: list[list[object]] = [heading]
    for number, r in enumerate(respondents, start=1):
        estate = ""
        if area is not None and _named(area, r):
            estate = next(c.area or "" for c in area.choices if c.name == r.estate)
        row: list[object] = [number, estate]
        if location is not None:
            row += ([f"{r.point[0]:.5f}".replace(".", ","), f"{r.point[1]:.5f}".replace(".", ",")]
                    if r.point and not estate else ["", ""])
        for question in form.mapped_questions:
            value = r.answers.get(question.name)
            if isinstance(value, list):
                row.append("; ".join(_choice_label(question, v) for v in value))
            else:
                row.append(_choice_label(question, value) if value else "")
        rows.append(row)
    return _write(rows, ";", encoding="cp1250")
