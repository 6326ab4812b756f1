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

Row numbers are the spreadsheet's: the heading is row 1.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from geodata.formats import looks_like_html
from mapping.errors import UserError
from mapping.io import uploaded_tables
from surveys.xlsform import FormDefinition, Question

# A city-wide survey is tens of thousands of rows; the bench imports 100,000.
MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000
SOURCES = ("kobo", "odk_central", "limesurvey", "google_forms", "paper")

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CSV_PROBLEMS = {
    "truncated": "survey.truncated", "cell_too_long": "survey.cell_too_long",
    "malformed": "survey.bad_csv",
}  # fmt: skip
_ID_COLUMNS = (
    "_uuid", "meta/instanceid", "instanceid", "meta-instanceid", "key", "_submission__uuid",
    "nr ankiety", "numer ankiety", "nr kwestionariusza", "questionnaire number", "id", "_id",
    "lp", "l p",
)  # fmt: skip
_VERSION_COLUMNS = ("formversion", "form version")
_GEOLOCATION = "_geolocation"
_LAT_WORDS = ("latitude", "lat", "szerokosc", "szerokosc geograficzna", "szer")
_LON_WORDS = ("longitude", "lon", "lng", "long", "dlugosc", "dlugosc geograficzna", "dl")
_AREA_WORDS = ("osiedle", "estate", "obszar", "area")
# Headings that name personal data: never imported, and said so in the preview.
_PERSONAL = re.compile(
    r"(imie|nazwisk|\bname\b|submittername|submitter|username|telefon|phone|\btel\b|e ?mail"
    r"|adres|address|pesel|ipaddr|ip address|\bip\b|deviceid|device id|imei|subscriberid"
    r"|simserial|phonenumber)"
)
_SELECTED = {"1", "1.0", "true", "prawda", "tak", "t", "yes", "y", "x", "✓", "✔", "v"}
_NOT_SELECTED = {"", "0", "0.0", "false", "falsz", "nie", "n", "no", "-", "n/a"}
_SEPARATORS = ("/", "-", ".", ":")
# How tools write "no point": Kobo's _geolocation "[None, None]", empty JSON, NaN.
_NO_POINT = {"[none,none]", "[null,null]", "[]", "none", "null", "nan", "nan nan"}


class AnswerFileError(UserError):
    """The whole file cannot be read or does not fit the form (the message says why)."""


@dataclass
class ExportTable:
    """A file of answers as text: headings and rows, and how it was read."""

    filename: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    headings: list[str]
    rows: list[list[str]]
    digest: str

    @property
    def source(self) -> str:
        """Which tool most likely wrote the file (one of ``SOURCES``)."""
        return detect_source(self.headings)


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


@dataclass(frozen=True)
class QuestionColumns:
    """Where one question's answer is: one column, or one column per choice."""

    question: str
    column: str | None = None
    per_choice: Mapping[str, str] = field(default_factory=dict)

    def headings(self) -> list[str]:
        """The file's headings this question reads."""
        return [self.column] if self.column else list(self.per_choice.values())


@dataclass(frozen=True)
class PointColumns:
    """Where the geopoint is: one ``lat lon …`` column, ``_geolocation``, or lat + lon."""

    combined: str | None = None
    latitude: str | None = None
    longitude: str | None = None

    def headings(self) -> list[str]:
        """The file's headings the point reads."""
        return [h for h in (self.combined, self.latitude, self.longitude) if h]


@dataclass
class ColumnMapping:
    """Which columns of the file answer which questions of the form."""

    source: str
    id_column: str | None
    version_column: str | None
    area: QuestionColumns | None
    point: PointColumns | None
    questions: dict[str, QuestionColumns]
    ignored: list[str]
    personal: list[str]

    def used(self) -> dict[str, list[str]]:
        """Question path (or ``_id``, ``_point``) → the headings read for it."""
        found: dict[str, list[str]] = {}
        if self.id_column:
            found["_id"] = [self.id_column]
        if self.area is not None:
            found[self.area.question] = self.area.headings()
        if self.point is not None:
            found["_point"] = self.point.headings()
        for name, columns in self.questions.items():
            found[name] = columns.headings()
        return found


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


# --- reading the file -------------------------------------------------------------------


def read_export(content: bytes, filename: str) -> ExportTable:
    """Read a CSV or XLSX file of answers into headings and rows of text.

    Raises ``AnswerFileError`` for an empty, unreadable or oversized file.
    """
    _check_size(len(content))
    if not content.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise AnswerFileError("survey.empty_file")
    digest = hashlib.sha256(content).hexdigest()
    name = PurePath(filename).name
    encoding = delimiter = None
    if content.startswith(_XLSX_MAGIC):
        file_format = "xlsx"
        records = _xlsx_records(content)
    elif content.startswith(_OLE_MAGIC):
        raise AnswerFileError("survey.old_excel")
    elif looks_like_html(content):
        raise AnswerFileError("survey.html")
    elif PurePath(name).suffix.lower() == ".xlsx":
        raise AnswerFileError("survey.not_xlsx")
    else:
        file_format = "csv"
        try:
            text, encoding = uploaded_tables.decode(content)
        except uploaded_tables.UnreadableText:
            raise AnswerFileError("survey.encoding") from None
        records, delimiter = _csv_records(text)
    # Blank rows (Excel leaves some at the end) are not answers; "".join is one C call.
    records = [row for row in records if "".join(row).strip()]
    if len(records) < 2:
        raise AnswerFileError("survey.no_answers")
    if len(records) - 1 > MAX_ROWS:
        raise AnswerFileError("survey.too_many_rows", limit=MAX_ROWS)
    headings = [cell.strip().lstrip("\ufeff") for cell in records[0]]
    width = len(headings)
    rows = [
        row if len(row) == width else row[:width] + [""] * (width - len(row))
        for row in records[1:]
    ]
    return ExportTable(name, file_format, encoding, delimiter, headings, rows, digest)


def read_export_file(path: Path) -> ExportTable:
    """``read_export`` of a file on disk, refused by its size before it is read."""
    _check_size(path.stat().st_size)
    return read_export(path.read_bytes(), path.name)


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise AnswerFileError("survey.file_too_big", megabytes=MAX_BYTES // (1024 * 1024))


def _csv_records(text: str) -> tuple[list[list[str]], str]:
    records, delimiter = uploaded_tables.records(text)
    try:
        return list(records), delimiter
    except uploaded_tables.BrokenCsv as exc:
        raise AnswerFileError(_CSV_PROBLEMS[exc.problem], row=exc.row) from None


def _xlsx_records(content: bytes) -> list[list[str]]:
    try:
        # Kobo and ODK put the main table first; repeat groups follow on other sheets.
        return [[_cell(v) for v in row] for row in uploaded_tables.workbook_rows(content)]
    except uploaded_tables.UnreadableWorkbook as exc:
        key = "survey.xlsx_bomb" if exc.problem == "bomb" else "survey.bad_xlsx"
        raise AnswerFileError(key) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- which tool wrote it, and which columns mean what ------------------------------------


def fold(text: str) -> str:
    """Lowercase ASCII words for comparing headings and labels.

    >>> fold("  Szerokość Geograficzna ")
    'szerokosc geograficzna'
    """
    text = str(text).replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9/\-.\[\]_:]+", " ", text).split())


def _words(text: str) -> str:
    """Like ``fold``, with every separator a space: for comparing labels loosely."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def detect_source(headings: Sequence[str]) -> str:
    """Which tool most likely exported these headings.

    >>> detect_source(["start", "braki", "_uuid", "_submission_time"])
    'kobo'
    """
    folded = {fold(h) for h in headings}
    if {"_uuid", "_submission_time"} & folded or "_geolocation" in folded:
        return "kobo"
    if "submissiondate" in folded or "meta-instanceid" in folded or "key" in folded:
        return "odk_central"
    if {"submitdate", "lastpage", "startlanguage"} & folded:
        return "limesurvey"
    if folded & {"timestamp", "sygnatura czasowa", "znacznik czasu"}:
        return "google_forms"
    return "paper"


def map_columns(
    form: FormDefinition, table: ExportTable, overrides: Mapping[str, str] | None = None
) -> ColumnMapping:
    """Find the columns of every question the import needs.

    ``overrides`` maps a question path (or ``_id``) to a heading chosen by the
    user. Raises ``AnswerFileError`` naming every missing question at once:
    the respondent's place (estate or point) and every mapped question must
    be found; the rest of the file is ignored.
    """
    headings = [h for h in table.headings if h]
    folded = {h: fold(h) for h in headings}
    used: set[str] = set()
    overrides = dict(overrides or {})
    for question, heading in overrides.items():
        if heading not in folded:
            raise AnswerFileError("survey.unknown_column", column=heading, question=question)

    def take(heading: str | None) -> str | None:
        if heading is not None:
            used.add(heading)
        return heading

    id_column = take(overrides.get("_id") or _find_id(headings, folded))
    version_column = take(
        next((h for h in headings if folded[h] in _VERSION_COLUMNS), None)
    )
    missing: list[str] = []
    questions: dict[str, QuestionColumns] = {}
    for mapped in form.mapped_questions:
        found = _question_columns(mapped, headings, folded, used, overrides)
        if found is None:
            missing.append(mapped.xpath)
        else:
            questions[mapped.xpath] = found
            used.update(found.headings())
    area = None
    if form.area_question is not None:
        area = _question_columns(form.area_question, headings, folded, used, overrides)
        if area is None:
            area = _area_by_word(form.area_question, headings, used)
        if area is not None:
            used.update(area.headings())
    point = _point_columns(form, headings, folded, used)
    if point is not None:
        used.update(point.headings())
    if area is None and point is None:
        where = form.area_question.xpath if form.area_question else None
        geo = form.location_question.xpath if form.location_question else None
        missing.insert(0, " / ".join(p for p in (where, geo) if p) or "_area")
    if missing:
        raise AnswerFileError("survey.missing_columns", questions=", ".join(missing))
    unused = [h for h in headings if h not in used]
    personal = [h for h in unused if _PERSONAL.search(_words(h)) and not h.startswith("_")]
    return ColumnMapping(
        source=detect_source(table.headings),
        id_column=id_column,
        version_column=version_column,
        area=area,
        point=point,
        questions=questions,
        ignored=[h for h in unused if h not in personal],
        personal=personal,
    )


def _find_id(headings: list[str], folded: Mapping[str, str]) -> str | None:
    by_fold: dict[str, str] = {}
    for heading in headings:
        by_fold.setdefault(folded[heading], heading)
        by_fold.setdefault(_words(heading), heading)
    for name in _ID_COLUMNS:
        if name in by_fold:
            return by_fold[name]
    return None


def _names(question: Question) -> set[str]:
    """How a column holding this question may be headed, folded."""
    names = {fold(question.name), fold(question.xpath)}
    for separator in ("-", ".", ":"):
        names.add(fold(separator.join((*question.path, question.name))))
    return names


def _labels(question: Question) -> set[str]:
    return {_words(label) for label in (question.label_pl, question.label_en, *question.labels)}


def _matches(question: Question, heading: str, folded: str) -> bool:
    if folded in _names(question):
        return True
    # A group path of the file's own: "grupa/braki", "x-braki".
    if any(folded.endswith(sep + fold(question.name)) for sep in _SEPARATORS):
        return True
    return bool(_words(heading)) and _words(heading) in _labels(question)


def _question_columns(
    question: Question,
    headings: list[str],
    folded: Mapping[str, str],
    used: set[str],
    overrides: Mapping[str, str],
) -> QuestionColumns | None:
    if question.xpath in overrides:
        return QuestionColumns(question.xpath, column=overrides[question.xpath])
    free = [h for h in headings if h not in used]
    for heading in free:
        if _matches(question, heading, folded[heading]):
            return QuestionColumns(question.xpath, column=heading)
    if question.kind != "select_multiple":
        return None
    per_choice = {}
    for heading in free:
        split = _split_choice_heading(heading)
        if split is None:
            continue
        prefix, suffix = split
        if not _matches(question, prefix, fold(prefix)):
            continue
        choice = _choice_by_text(question, suffix)
        if choice is not None and choice not in per_choice:
            per_choice[choice] = heading
    return QuestionColumns(question.xpath, per_choice=per_choice) if per_choice else None


def _split_choice_heading(heading: str) -> tuple[str, str] | None:
    """``("braki", "miejsce_spotkan")`` from ``braki/miejsce_spotkan`` or ``braki[…]``."""
    text = heading.strip()
    if text.endswith("]") and "[" in text:
        start = text.rindex("[")
        return text[:start].strip(), text[start + 1 : -1].strip()
    if "/" in text:
        prefix, _, suffix = text.rpartition("/")
        return prefix, suffix
    return None


def _choice_by_text(question: Question, text: str) -> str | None:
    key, words = fold(text), _words(text)
    for choice in question.choices:
        if key == fold(choice.name) or words in {
            _words(label) for label in (choice.label_pl, choice.label_en, *choice.labels)
        }:
            return choice.name
    return None


def _area_by_word(
    question: Question, headings: list[str], used: set[str]
) -> QuestionColumns | None:
    """A paper sheet's "osiedle" column, when it is not named after the question."""
    for heading in headings:
        if heading not in used and _words(heading) in _AREA_WORDS:
            return QuestionColumns(question.xpath, column=heading)
    return None


def _point_columns(
    form: FormDefinition, headings: list[str], folded: Mapping[str, str], used: set[str]
) -> PointColumns | None:
    free = [h for h in headings if h not in used]
    question = form.location_question
    if question is not None:
        for heading in free:
            if _matches(question, heading, folded[heading]):
                return PointColumns(combined=heading)
        name = fold(question.name)
        lat = lon = None
        for heading in free:
            text = folded[heading].lstrip("_")
            for separator in ("_", "-", "/", "."):
                for word in ("latitude", "lat"):
                    if text.endswith(f"{name}{separator}{word}"):
                        lat = lat or heading
                for word in ("longitude", "lon", "lng"):
                    if text.endswith(f"{name}{separator}{word}"):
                        lon = lon or heading
        if lat and lon:
            return PointColumns(latitude=lat, longitude=lon)
    for heading in free:
        if folded[heading] == _GEOLOCATION:
            return PointColumns(combined=heading)
    lat = next((h for h in free if _words(h) in _LAT_WORDS), None)
    lon = next((h for h in free if _words(h) in _LON_WORDS), None)
    if lat and lon:
        return PointColumns(latitude=lat, longitude=lon)
    return None


# --- reading each row ---------------------------------------------------------------------


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
