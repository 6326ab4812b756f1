"""Questionnaires as XLSForm (KoboToolbox, ODK): validation with pyxform and the category mapping.

An XLSForm has a ``survey`` sheet (questions), a ``choices`` sheet (answer
lists) and a ``settings`` sheet (``form_title``, ``form_id``, ``version``).
One form version serves one yearly wave: ``form_id`` names the questionnaire,
``version`` the year it was asked in.

calmap reads two extra columns of the ``choices`` sheet, which KoboToolbox and
ODK keep and ignore:

- ``calmap_category``: the catalogue category a choice means, as
  ``need:<code>``, ``resource:<code>`` or ``target_group:<code>`` (e.g.
  ``need:meeting_place``). Results land in that layer; choices without one
  (e.g. "nothing is missing") are counted in no category.
- ``calmap_area``: for the estate question, the name of the area a choice
  stands for, as the map names it (e.g. ``Przedmieście Oławskie``). A
  select_one question with this column is the one that assigns respondents
  to areas; the first ``geopoint`` question is the fallback.

Only questions with at least one mapped choice are imported; free text,
names, phones and addresses never are.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from mapping.errors import UserError
from mapping.i18n import Text

log = logging.getLogger(__name__)

CATEGORY_COLUMN = "calmap_category"
AREA_COLUMN = "calmap_area"
# The layer prefix of a category code → the catalogue vocabulary it comes from.
LAYER_VOCABULARY = {
    "need": "need_category",
    "resource": "resource_category",
    "target_group": "target_group",
}
# Also accepted in a form: the vocabulary's own name as the prefix.
_PREFIX_ALIASES = {
    "need_category": "need",
    "resource_category": "resource",
    "group": "target_group",
    **{layer: layer for layer in LAYER_VOCABULARY},
}
_CATEGORY = re.compile(r"^\s*([a-z_]+)\s*:\s*([a-z][a-z0-9_]*)\s*$")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "geopoint": "geopoint",
}
_TRUE = {"yes", "true", "true()", "1"}


@dataclass(frozen=True)
class Choice:
    """One answer of a list: its name, labels, and what it means on the map."""

    name: str
    label_pl: str
    label_en: str
    category: str | None = None
    area: str | None = None
    # Labels in every language of the form, for reading exports made "with labels".
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question of the form (groups flattened into ``path``)."""

    name: str
    path: tuple[str, ...]
    kind: str
    label_pl: str
    label_en: str
    required: bool = False
    list_name: str | None = None
    choices: tuple[Choice, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def xpath(self) -> str:
        """The question's path in the form, as exports write it: ``group/name``."""
        return "/".join((*self.path, self.name))

    @property
    def mapped(self) -> bool:
        """True when at least one choice maps to a catalogue category."""
        return any(choice.category for choice in self.choices)

    @property
    def assigns_area(self) -> bool:
        """True for the estate question: a single choice naming areas."""
        return self.kind == "select_one" and any(choice.area for choice in self.choices)

    def label(self, language: str) -> str:
        """The question's text in ``language`` (pl or en)."""
        return self.label_en if language == "en" else self.label_pl


@dataclass(frozen=True)
class FormDefinition:
    """What calmap needs of an XLSForm: identity, questions, choices and their mapping."""

    form_id: str
    version: str
    title: str
    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def area_question(self) -> Question | None:
        """The estate question (select_one with ``calmap_area``), if the form has one."""
        return next((q for q in self.questions if q.assigns_area), None)

    @property
    def location_question(self) -> Question | None:
        """The first geopoint question, if any."""
        return next((q for q in self.questions if q.kind == "geopoint"), None)

    @property
    def mapped_questions(self) -> tuple[Question, ...]:
        """The select questions whose answers are imported (at least one mapped choice)."""
        return tuple(
            q for q in self.questions if q.kind in ("select_one", "select_multiple") and q.mapped
        )

    def categories(self) -> list[str]:
        """Every category the form maps to, in form order, each once."""
        found: dict[str, None] = {}
        for question in self.mapped_questions:
            for choice in question.choices:
                if choice.category:
                    found.setdefault(choice.category, None)
        return list(found)

    def categories_of(self, question: Question, answer: str | list[str]) -> set[str]:
        """The categories one answer to ``question`` maps to."""
        names = [answer] if isinstance(answer, str) else answer
        by_name = {choice.name: choice.category for choice in question.choices}
        return {category for name in names if (category := by_name.get(name))}

    def partitions(self) -> list[tuple[tuple[str, ...], bool]]:
        """Groups of categories that split respondents: (categories, required).

        A single-choice question whose every choice maps to a category that
        no other question produces puts each respondent in at most one of
        them (exactly one when the question is required). Disclosure control
        must know: the respondents of an area are then the sum of those
        counts plus those who skipped.
        """
        producers: dict[str, set[str]] = {}
        for question in self.mapped_questions:
            for choice in question.choices:
                if choice.category:
                    producers.setdefault(choice.category, set()).add(question.xpath)
        groups = []
        for question in self.mapped_questions:
            if question.kind != "select_one" or not all(c.category for c in question.choices):
                continue
            categories = tuple(dict.fromkeys(c.category for c in question.choices if c.category))
            if all(producers[c] == {question.xpath} for c in categories):
                groups.append((categories, question.required))
        return groups

    def problems(self) -> list[tuple[str, dict[str, str]]]:
        """Why this (valid) XLSForm cannot take survey answers yet: message keys and values.

        A form needs a ``version`` (one per yearly wave), at least one mapped
        question, and a way to place respondents: an estate question with
        ``calmap_area`` or a geopoint.
        """
        found: list[tuple[str, dict[str, str]]] = []
        if not self.version:
            found.append(("survey.form_no_version", {}))
        if not self.mapped_questions:
            found.append(("survey.form_no_mapping", {}))
        if self.area_question is None and self.location_question is None:
            found.append(("survey.form_no_area", {}))
        return found

    def check_usable(self) -> None:
        """Raise ``UserError`` naming the first of ``problems``."""
        problems = self.problems()
        if problems:
            key, params = problems[0]
            raise UserError(key, form=self.form_id, **params)

    def to_json(self) -> dict[str, Any]:
        """The definition as JSON (stored with the form version)."""
        return {
            "form_id": self.form_id,
            "version": self.version,
            "title": self.title,
            "questions": [
                {
                    "name": q.name,
                    "path": list(q.path),
                    "kind": q.kind,
                    "label_pl": q.label_pl,
                    "label_en": q.label_en,
                    "required": q.required,
                    "list_name": q.list_name,
                    "labels": list(q.labels),
                    "choices": [
                        {
                            "name": c.name,
                            "label_pl": c.label_pl,
                            "label_en": c.label_en,
                            "category": c.category,
                            "area": c.area,
                            "labels": list(c.labels),
                        }
                        for c in q.choices
                    ],
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormDefinition:
        """The definition stored by ``to_json``."""
        return cls(
            form_id=data["form_id"],
            version=data["version"],
            title=data["title"],
            questions=tuple(
                Question(
                    name=q["name"],
                    path=tuple(q["path"]),
                    kind=q["kind"],
                    label_pl=q["label_pl"],
                    label_en=q["label_en"],
                    required=q["required"],
                    list_name=q["list_name"],
                    labels=tuple(q.get("labels", ())),
                    choices=tuple(
                        Choice(
                            name=c["name"],
                            label_pl=c["label_pl"],
                            label_en=c["label_en"],
                            category=c["category"],
                            area=c["area"],
                            labels=tuple(c.get("labels", ())),
                        )
                        for c in q["choices"]
                    ),
                )
                for q in data["questions"]
            ),
        )


def load_xlsform(content: bytes, filename: str = "form.xlsx") -> FormDefinition:
    """Validate an XLSForm with pyxform and read its questions, choices and mapping.

    Raises ``UserError`` when the file is not a workbook, pyxform rejects the
    form (its message is passed on) or a ``calmap_category`` value is not
    ``layer:code``. A valid form may still lack what an import needs: see
    ``FormDefinition.problems``.
    """
    from pyxform import xls2xform  # imported here: only form uploads need it

    if content.startswith(_XLSX_MAGIC):
        file_type = ".xlsx"
        # pyxform would say "not recognized as a supported type" of a damaged workbook.
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise UserError("survey.not_xlsx")
        except (zipfile.BadZipFile, EOFError):
            raise UserError("survey.bad_xlsx") from None
    elif content.startswith(_XLS_MAGIC):
        file_type = ".xls"
    else:
        raise UserError("survey.form_not_xlsform", filename=filename)
    warnings: list[str] = []
    try:
        result = xls2xform.convert(
            xlsform=content, warnings=warnings, validate=False, file_type=file_type
        )
    except Exception as exc:  # noqa: BLE001 - pyxform and its readers raise many kinds
        message = _short(exc)
        # pyxform's own words (English) are for the log; the user reads the reason.
        log.info("pyxform rejects %s: %s", filename, message)
        raise UserError("survey.bad_form", filename=filename, reason=pyxform_reason(message),
                        message=message) from None
    # ConvertResult keeps the parsed form (pyxform 4) as its internal JSON.
    data = getattr(result, "_pyxform", None)
    if not isinstance(data, dict):
        raise UserError("survey.bad_form", filename=filename, reason=Text("survey.form_error"),
                        message="no form definition")
    version = str(data.get("version") or "").strip()
    errors: list[str] = []
    questions = tuple(_questions(data.get("children", []), (), errors))
    if errors:
        raise UserError("survey.bad_mapping", values="; ".join(errors[:10]))
    return FormDefinition(
        form_id=str(data.get("id_string") or data.get("name")),
        version=version,
        title=str(data.get("title") or data.get("id_string")),
        questions=questions,
        warnings=tuple(warnings),
    )


# pyxform's messages (pyxform/errors.py and its readers) a user meets most, as reasons.
_PYXFORM_REASONS = (
    (re.compile(r"\[row : (?P<row>\d+)\] List name not in choices sheet: (?P<name>\S+)"),
     "survey.form_unknown_list"),
    (re.compile(r"Unknown question type '(?P<type>[^']*)'"), "survey.form_unknown_type"),
    (re.compile(r"\[row : (?P<row>\d+)\] On the '\w+' sheet, the 'name' value '(?P<name>[^']*)' "
                r"is invalid\. Questions, groups, and repeats must be unique"),
     "survey.form_duplicate_name"),
    (re.compile(r"\[row : (?P<row>\d+)\] On the '(?P<sheet>\w+)' sheet"), "survey.form_error_row"),
    (re.compile(r"\[row : (?P<row>\d+)\]"), "survey.form_error_at_row"),
)


def pyxform_reason(message: str) -> Text:
    """What is wrong with a form, from pyxform's English message, in the user's words.

    >>> pyxform_reason("[row : 2] List name not in choices sheet: yes_no")
    Text(key='survey.form_unknown_list', params={'row': '2', 'name': 'yes_no'})
    >>> pyxform_reason("Something pyxform says rarely").key
    'survey.form_error'
    """
    for pattern, key in _PYXFORM_REASONS:
        found = pattern.search(message)
        if found:
            return Text(key, found.groupdict())
    return Text("survey.form_error")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:500] if text else type(exc).__name__


def _questions(children: list[dict[str, Any]], path: tuple[str, ...], errors: list[str]):
    for child in children:
        kind = child.get("type")
        name = str(child.get("name", ""))
        if kind == "group":
            if name == "meta":
                continue
            yield from _questions(child.get("children", []), (*path, name), errors)
            continue
        if kind == "repeat":
            # Answers inside a repeat come in a sheet of their own, one row
            # per repetition: not one respondent's answer, so not imported.
            continue
        label_pl, label_en, labels = _labels(child.get("label"))
        choices = tuple(_choice(c, errors, name) for c in child.get("choices") or ())
        bind = child.get("bind") or {}
        yield Question(
            name=name,
            path=path,
            kind=_TYPES.get(str(kind), "other"),
            label_pl=label_pl or name,
            label_en=label_en or label_pl or name,
            required=str(bind.get("required", "")).strip().lower() in _TRUE,
            list_name=child.get("list_name"),
            choices=choices,
            labels=labels,
        )


def _choice(data: dict[str, Any], errors: list[str], question: str) -> Choice:
    label_pl, label_en, labels = _labels(data.get("label"))
    name = str(data.get("name"))
    return Choice(
        name=name,
        label_pl=label_pl or name,
        label_en=label_en or label_pl or name,
        category=_category(data.get(CATEGORY_COLUMN), errors, f"{question}/{name}"),
        area=str(data[AREA_COLUMN]).strip() if data.get(AREA_COLUMN) else None,
        labels=labels,
    )


def parse_category(value: str) -> str | None:
    """A ``calmap_category`` value in its canonical ``layer:code`` form, or None if malformed.

    >>> parse_category("need:meeting_place"), parse_category("need_category:health")
    ('need:meeting_place', 'need:health')
    >>> parse_category("meeting place") is None
    True
    """
    match = _CATEGORY.match(value)
    if match is None or match.group(1) not in _PREFIX_ALIASES:
        return None
    return f"{_PREFIX_ALIASES[match.group(1)]}:{match.group(2)}"


def _category(value: Any, errors: list[str], where: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    parsed = parse_category(str(value))
    if parsed is None:
        errors.append(f"{where}: {str(value)[:60]}")
    return parsed


def split_category(category: str) -> tuple[str, str]:
    """``("need", "meeting_place")`` from ``"need:meeting_place"``."""
    layer, _, code = category.partition(":")
    return layer, code


def _labels(label: Any) -> tuple[str, str, tuple[str, ...]]:
    """Polish and English labels of a pyxform label (a text or {language: text})."""
    if label is None:
        return "", "", ()
    if isinstance(label, str):
        return label, label, (label,)
    texts = {str(k): str(v) for k, v in label.items() if v is not None and str(v).strip()}
    polish = _pick(texts, ("(pl)", "polski", "polish", "default"))
    english = _pick(texts, ("(en)", "english", "angielski"))
    first = next(iter(texts.values()), "")
    return polish or first, english or polish or first, tuple(dict.fromkeys(texts.values()))


def _pick(texts: dict[str, str], hints: tuple[str, ...]) -> str | None:
    for hint in hints:
        for language, text in texts.items():
            if hint in language.lower():
                return text
    return None
