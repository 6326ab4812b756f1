"""Reading survey answers as people export them, from five kinds of tools.

KoboToolbox, ODK Central, LimeSurvey, Google Forms, and a spreadsheet typed
in from paper forms.

Three steps, none touching the database:

1. ``read_export`` reads a CSV (UTF-8 with or without a BOM, or CP1250 as
   Polish Excel writes it; comma, semicolon or tab) or the first sheet of an
   XLSX workbook into headings and rows of text.
2. ``map_columns`` finds, for the form's estate question, its geopoint and
   every mapped select question, the column(s) that hold the answer, in the
   shapes the tools write:

   - a column named by the question (``braki``), its group path
     (``gdzie/osiedle`` in Kobo, ``gdzie-osiedle`` in ODK Central) or its
     label (Google Forms, Kobo "labels" exports, paper);
   - select_multiple as one column of space-separated choice names (Kobo,
     ODK), of labels separated by commas (Google Forms) or semicolons
     (paper), or one column per choice (``braki/miejsce_spotkan`` in Kobo,
     ``braki[miejsce_spotkan]`` in LimeSurvey, "1"/"0", "Y", "x", "tak");
   - geopoints as ``lat lon alt accuracy`` (``gdzie/punkt``), Kobo's
     ``_geolocation`` ``[lat, lon]``, split columns (``_punkt_latitude``,
     ``gdzie-punkt-Latitude``), or ``szerokość``/``długość`` on paper;
   - the submission id: ``_uuid``, ``meta/instanceID``, ``instanceID``,
     ``KEY`` (ODK Central), ``id`` (LimeSurvey) or a questionnaire number
     column on paper (``nr ankiety``).

   Columns it does not use are listed, and those that look like personal
   data (names, phones, e-mail, addresses, IP) are named as such: they are
   never read further.
3. ``parse_answers`` turns each row into the answers of the mapped questions
   (choice names) and their catalogue categories, with one ``RowError`` per
   problem: an answer not among the choices, a point that is not a point, a
   submission id seen before in the file, a row from another form version.

Row numbers are the spreadsheet's: the heading is row 1. Step 1 lives in
``surveys.answer_files``, step 2 in ``surveys.answer_columns``, step 3 here;
all three are importable from here.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from surveys.answer_columns import ColumnMapping, PointColumns, QuestionColumns, map_columns
from surveys.answer_files import (
    MAX_BYTES,
    MAX_ROWS,
    SOURCES,
    AnswerFileError,
    ExportTable,
    _words,
    detect_source,
    fold,
    read_export,
    read_export_file,
)
from surveys.xlsform import FormDefinition, Question

# Steps 1 and 2 are imported from their modules, so that a page, the CLI or a
# test does all three steps through this one.
__all__ = [
    "MAX_BYTES", "MAX_ROWS", "SOURCES", "Answer", "AnswerFileError", "ColumnMapping",
    "ExportTable", "ParsedAnswers", "RowError", "detect_source", "fold", "map_columns",
    "parse_answers", "read_export", "read_export_file",
]  # fmt: skip

_SELECTED = {"1", "1.0", "true", "prawda", "tak", "t", "yes", "y", "x", "✓", "✔", "v"}
_NOT_SELECTED = {"", "0", "0.0", "false", "falsz", "nie", "n", "no", "-", "n/a"}
# How tools write "no point": Kobo's _geolocation "[None, None]", empty JSON, NaN.
_NO_POINT = {"[none,none]", "[null,null]", "[]", "none", "null", "nan", "nan nan"}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row: spreadsheet row, column as headed in the file, message key."""

    row: int
    column: str | None
    key: str
    value: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, language: str = "pl") -> str:
        """The problem in the user's language."""
        from mapping.i18n import t

        return t(self.key, language, **self.params)


@dataclass(frozen=True, slots=True)
class Answer:
    """One respondent's answers to the mapped questions, before area assignment."""

    row: int
    instance_id: str
    area_choice: str | None
    point: tuple[float, float] | None
    answers: Mapping[str, str | list[str]]
    categories: tuple[str, ...]


@dataclass
class ParsedAnswers:
    """Every row read: the answers, and the problems found in single rows."""

    table: ExportTable
    mapping: ColumnMapping
    answers: list[Answer]
    errors: list[RowError]

    @property
    def failed_rows(self) -> list[int]:
        """Row numbers with at least one problem, ascending."""
        return sorted({error.row for error in self.errors})


class _Lookup:
    """Choice names of one question by every way a file may write them."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.names: dict[str, str] = {}
        for choice in question.choices:
            for text in (choice.label_pl, choice.label_en, *choice.labels):
                self.names.setdefault(_words(text), choice.name)
        # A choice's own name wins over another choice's label.
        for choice in question.choices:
            self.names[fold(choice.name)] = choice.name
            self.names.setdefault(_words(choice.name), choice.name)
        self.exact = {choice.name for choice in question.choices}
        # Cells repeat a handful of values thousands of times: fold each once.
        self._one: dict[str, str | None] = {}
        self._many: dict[str, tuple[list[str], list[str]]] = {}

    def one(self, text: str) -> str | None:
        if text in self.exact:
            return text
        if text not in self._one:
            value = text.strip()
            self._one[text] = self.names.get(fold(value)) or self.names.get(_words(value))
        return self._one[text]

    def many(self, text: str) -> tuple[list[str], list[str]]:
        """Choice names in a select_multiple cell, and the parts that are no choice."""
        # The common case (Kobo, ODK): choice names separated by spaces, as they are.
        tokens = text.split()
        if all(token in self.exact for token in tokens):
            return list(dict.fromkeys(tokens)), []
        if text not in self._many:
            self._many[text] = self._read_many(text)
        found, unknown = self._many[text]
        return list(found), list(unknown)

    def _read_many(self, text: str) -> tuple[list[str], list[str]]:
        value = text.strip()
        if not value:
            return [], []
        whole = self.one(value)
        if whole is not None:
            return [whole], []
        if ";" in value or "|" in value:
            parts = [p for p in re.split(r"[;|]", value) if p.strip()]
        elif "," in value:
            return self._commas(value)
        else:
            parts = value.split()
        found: list[str] = []
        unknown: list[str] = []
        for part in parts:
            name = self.one(part)
            (found if name is not None else unknown).append(name or part.strip())
        return list(dict.fromkeys(found)), unknown

    def _commas(self, value: str) -> tuple[list[str], list[str]]:
        # Google Forms joins labels with ", " and a label may hold a comma too:
        # take the longest run of pieces that is a label.
        pieces = value.split(",")
        found, unknown = [], []
        start = 0
        while start < len(pieces):
            for end in range(len(pieces), start, -1):
                name = self.one(",".join(pieces[start:end]))
                if name is not None:
                    found.append(name)
                    start = end
                    break
            else:
                if pieces[start].strip():
                    unknown.append(pieces[start].strip())
                start += 1
        return list(dict.fromkeys(found)), unknown


def parse_answers(
    form: FormDefinition, table: ExportTable, mapping: ColumnMapping
) -> ParsedAnswers:
    """Every row's answers to the mapped questions, and the problems of single rows.

    Column by column: a column repeats few distinct cells (an estate, a
    handful of choice combinations), so each distinct cell is read once and
    the rows share the result; only points and ids are read row by row.
    """
    index = {heading: i for i, heading in enumerate(table.headings) if heading}
    rows = table.rows
    count = len(rows)
    problems: dict[int, list[RowError]] = {}

    def problem(offset: int, error: RowError) -> None:
        problems.setdefault(offset, []).append(error)

    columns_read: list[tuple[str, list[str | list[str] | None], list[frozenset[str]]]] = []
    questions = {q.xpath: q for q in form.mapped_questions}
    for path, columns in mapping.questions.items():
        question = questions[path]
        lookup = _Lookup(question)
        mapped = {c.name: c.category for c in question.choices if c.category}
        values: list[str | list[str] | None] = [None] * count
        categories: list[frozenset[str]] = [_NONE] * count
        if columns.column is not None:
            position = index[columns.column]
            seen: dict[str, tuple[Any, frozenset[str], list[str]]] = {}
            for offset, cells in enumerate(rows):
                text = cells[position]
                read = seen.get(text)
                if read is None:
                    value, unknown = _interpret(question, lookup, text)
                    read = seen[text] = (value, _categories(value, mapped), unknown)
                values[offset], categories[offset] = read[0], read[1]
                for part in read[2]:
                    problem(offset, RowError(offset + 2, columns.column, "survey.not_a_choice",
                                             part[:100]))
        else:
            for offset, cells in enumerate(rows):
                found: list[RowError] = []
                value = _read_choice_columns(question, lookup, columns, cells, index,
                                             offset + 2, found)
                values[offset], categories[offset] = value, _categories(value, mapped)
                for error in found:
                    problem(offset, error)
        columns_read.append((question.name, values, categories))

    area_choices: list[str | None] = [None] * count
    if mapping.area is not None and mapping.area.column and form.area_question is not None:
        lookup = _Lookup(form.area_question)
        position = index[mapping.area.column]
        for offset, cells in enumerate(rows):
            text = cells[position].strip()
            if text:
                area_choices[offset] = lookup.one(text)
                if area_choices[offset] is None:
                    problem(offset, RowError(offset + 2, mapping.area.column,
                                             "survey.not_a_choice", text[:100]))
    points: list[tuple[float, float] | None] = [None] * count
    if mapping.point is not None:
        for offset, cells in enumerate(rows):
            found = []
            points[offset] = _read_point(mapping.point, cells, index, offset + 2, found)
            for error in found:
                problem(offset, error)
    if mapping.version_column is not None:
        position = index[mapping.version_column]
        for offset, cells in enumerate(rows):
            version = cells[position].strip()
            if version and version != form.version:
                problem(offset, RowError(offset + 2, mapping.version_column,
                                         "survey.other_version", version[:50],
                                         {"expected": form.version}))
    first_row: dict[str, int] = {}
    ids: list[str] = []
    for offset, cells in enumerate(rows):
        instance_id = _instance_id(table, mapping, cells, index, offset + 2)
        ids.append(instance_id)
        if instance_id in first_row:
            problem(offset, RowError(offset + 2, mapping.id_column, "survey.duplicate_in_file",
                                     instance_id[:60], {"first": first_row[instance_id]}))
        else:
            first_row[instance_id] = offset + 2

    answers: list[Answer] = []
    errors: list[RowError] = []
    for offset in range(count):
        if offset in problems:
            errors.extend(problems[offset])
            continue
        chosen: dict[str, str | list[str]] = {}
        union: set[str] = set()
        for name, values, categories in columns_read:
            value = values[offset]
            if value:
                chosen[name] = value
                union |= categories[offset]
        answers.append(
            Answer(offset + 2, ids[offset], area_choices[offset], points[offset], chosen,
                   tuple(sorted(union)))
        )
    return ParsedAnswers(table, mapping, answers, errors)


_NONE: frozenset[str] = frozenset()


def _categories(value: str | list[str] | None, mapped: Mapping[str, str]) -> frozenset[str]:
    if not value:
        return _NONE
    names = [value] if isinstance(value, str) else value
    return frozenset(mapped[name] for name in names if name in mapped)


def _interpret(
    question: Question, lookup: _Lookup, text: str
) -> tuple[str | list[str] | None, list[str]]:
    """One cell of a question's own column: the choice name(s), and parts that are no choice."""
    if question.kind == "select_one":
        if not text.strip():
            return None, []
        name = lookup.one(text)
        return (name, []) if name is not None else (None, [text])
    found, unknown = lookup.many(text)
    return found or None, unknown


def _read_choice_columns(
    question: Question,
    lookup: _Lookup,
    columns: QuestionColumns,
    cells: list[str],
    index: Mapping[str, int],
    row: int,
    problems: list[RowError],
) -> str | list[str] | None:
    """A question answered in one column per choice (Kobo's 1/0, LimeSurvey's Y)."""
    chosen = []
    for choice, heading in columns.per_choice.items():
        text = cells[index[heading]].strip()
        if not text:
            continue
        state = _tick(text)
        if state is None and lookup.one(text) == choice:
            # LimeSurvey "full answers": the cell repeats the choice's label.
            state = True
        if state is None:
            problems.append(RowError(row, heading, "survey.not_yes_no", text[:100]))
        elif state:
            chosen.append(choice)
    if question.kind == "select_one":
        if len(chosen) > 1:
            problems.append(RowError(row, None, "survey.one_choice_only", ", ".join(chosen)))
        return chosen[0] if chosen else None
    return chosen or None


_TICKS: dict[str, bool | None] = {}


def _tick(text: str) -> bool | None:
    """Whether a per-choice cell says "chosen" (1, True, Y, x, tak), "not chosen", or neither."""
    if text not in _TICKS:
        raw = text.strip().lower()
        words = _words(text)
        if raw in _SELECTED or words in _SELECTED:
            _TICKS[text] = True
        elif raw in _NOT_SELECTED or words in _NOT_SELECTED:
            _TICKS[text] = False
        else:
            _TICKS[text] = None
        if len(_TICKS) > 10_000:  # a file of free text in a tick column: do not grow forever
            _TICKS.clear()
    return _TICKS.get(text)


def _read_point(
    columns: PointColumns | None,
    cells: list[str],
    index: Mapping[str, int],
    row: int,
    problems: list[RowError],
) -> tuple[float, float] | None:
    """The point as (lon, lat), or None when the row has none."""
    if columns is None:
        return None
    if columns.combined is not None:
        text = cells[index[columns.combined]].strip()
        if not text or text.replace(" ", "").lower() in _NO_POINT:
            return None
        # "lat lon alt accuracy" (ODK, Kobo) without a regular expression; the
        # rest ("[lat, lon]", "lat, lon") through one.
        parts = text.split()
        try:
            numbers = [str(float(parts[0])), str(float(parts[1]))]
        except (ValueError, IndexError):
            numbers = re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)
        if len(numbers) < 2:
            problems.append(RowError(row, columns.combined, "survey.bad_point", text[:100]))
            return None
        lat, lon = float(numbers[0]), float(numbers[1])
        column = columns.combined
    else:
        assert columns.latitude is not None and columns.longitude is not None
        lat_text = cells[index[columns.latitude]].strip()
        lon_text = cells[index[columns.longitude]].strip()
        if not lat_text and not lon_text:
            return None
        column = f"{columns.latitude} / {columns.longitude}"
        try:
            # Paper sheets typed in Polish Excel use decimal commas.
            lat = float(lat_text.replace(",", "."))
            lon = float(lon_text.replace(",", "."))
        except ValueError:
            problems.append(RowError(row, column, "survey.bad_point", f"{lat_text} {lon_text}"))
            return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        problems.append(RowError(row, column, "survey.bad_point", f"{lat} {lon}"))
        return None
    return (lon, lat)


def _instance_id(
    table: ExportTable,
    mapping: ColumnMapping,
    cells: list[str],
    index: Mapping[str, int],
    row: int,
) -> str:
    """The submission's own id; without one, what identifies the row in this file.

    Google Forms rows carry their timestamp, so the whole row stands for the
    submission (the same row twice is the same submission). A paper sheet
    without a questionnaire number gets the file and row: importing the same
    file again is then caught, and two people who answered alike are not
    mistaken for one.
    """
    if mapping.id_column is not None:
        value = cells[index[mapping.id_column]].strip()
        if value:
            value = value.lower()
            return value[5:] if value.startswith("uuid:") else value
    if mapping.source == "google_forms":
        return "row:" + hashlib.sha256("\x1f".join(cells).encode()).hexdigest()
    return f"file:{table.digest}:{row}"
