"""Survey answers, step 2: which columns of the file answer which questions of the form.

See ``surveys.answers`` for the shapes the tools write (a column per
question or per choice, geopoints in one column or two, the submission id);
columns that look like personal data are named as such and never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys.answer_files import AnswerFileError, ExportTable, _words, detect_source, fold
from surveys.xlsform import FormDefinition, Question

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
_SEPARATORS = ("/", "-", ".", ":")


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
