"""The XLSForm for pinning resources, partners and needs offline in KoboCollect or ODK Collect.

Field workers walk an estate where mobile data is poor. KoboCollect and ODK
Collect keep what is typed on the device and send it when there is signal;
the form they fill is this one, and ``mapping.io.field_capture`` reads its
KoboToolbox or ODK Central export back into the three layers.

One form serves all three layers: the category list is filtered by the
chosen layer (XLSForm ``choice_filter`` on the ``layer`` column of the
``choices`` sheet), so one list holds resource categories, partner sectors
and need categories. Their choice names are ``layer:code``
(``need:health``) because a code may exist in two vocabularies
(``health`` is a resource category and a need category). Target groups are
the catalogue's codes. The geopoint asks Collect for a fix of 10 m and
warns the worker on the spot when it is worse than the import's threshold
(``ACCURACY_LIMIT_M``). Labels are Polish and English
(``label::Polski (pl)``, ``label::English (en)``), Polish by default.

The sheets are plain rows (``form_sheets``, reviewable in a test);
``form_xlsx`` writes them with openpyxl, every text cell made safe for a
spreadsheet (a category an admin named ``=…`` must not run as a formula).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from mapping.io import xlsform_writer
from mapping.io.geopoints import LOCATION
from mapping.io.xlsform_writer import choice_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mapping import catalog

PL = "label::Polski (pl)"
EN = "label::English (en)"
HINT_PL = "hint::Polski (pl)"
HINT_EN = "hint::English (en)"
LANGUAGES = {"pl": "Polski (pl)", "en": "English (en)"}
FORM_ID = "calmap_teren"
TITLE = ("Pinezki w terenie", "Field pins")
# Collect keeps trying for this accuracy (metres) before offering to save.
CAPTURE_ACCURACY_M = 10
# Accuracy (metres, as Collect reports it) beyond which Collect warns the worker
# and the import flags the point. A phone outdoors gets 3–15 m, between blocks
# 10–30 m. Past 50 m the fix came from Wi-Fi or cell towers, or from indoors,
# and the pin may sit on the neighbouring block (a Polish "blok" is 60–100 m
# long) or across the street in another estate.
ACCURACY_LIMIT_M = 50.0
# The layers a field pin may go to, with the catalogue vocabulary of their category.
LAYER_VOCABULARY = {
    "resource": "resource_category",
    "partner": "partner_sector",
    "need": "need_category",
}
LAYER_LABELS = {
    "resource": ("Zasób", "Resource"),
    "partner": ("Partner", "Partner"),
    "need": ("Potrzeba", "Need"),
}
# Public or team only: a pin made in the street is checked by the team before
# it goes wider, and some (a homeless person's shelter) never should.
VISIBILITY_LABELS = {
    "team": ("Tylko zespół", "Team only"),
    "public": ("Publiczna", "Public"),
}
DEFAULT_VISIBILITY = "team"
PRIORITY_LABELS = {1: ("Niski", "Low"), 2: ("Średni", "Medium"), 3: ("Wysoki", "High")}
DEFAULT_PRIORITY = 2
# The name of each question: the export's column headings (Kobo, ODK Central).
QUESTIONS = (
    "layer", "category", "name", "description", "target_groups", "priority", "location",
    "photo", "visibility", "area",
)  # fmt: skip

SURVEY_COLUMNS = (
    "type", "name", PL, EN, HINT_PL, HINT_EN, "required", "relevant", "choice_filter",
    "appearance", "parameters", "default",
)  # fmt: skip
CHOICE_COLUMNS = ("list_name", "name", PL, EN, "layer", "calmap_area")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language", "instance_name")


def _question(kind: str, name: str, pl: str, en: str, **extra: str) -> tuple[str, ...]:
    values = {"type": kind, "name": name, PL: pl, EN: en}
    values.update({key.replace("hint_pl", HINT_PL).replace("hint_en", HINT_EN): value
                   for key, value in extra.items()})
    return tuple(values.get(column, "") for column in SURVEY_COLUMNS)


def _survey(accuracy_limit: float, with_area: bool) -> list[tuple[str, ...]]:
    warning = f"{accuracy_limit:g}"
    rows = [
        _question(
            "note", "intro",
            "Każdy wpis to jedna pinezka na mapie. Osoby (liderów, wolontariuszy) dodawaj "
            "tylko za ich zgodą i nigdy pod adresem domowym.",
            "Each entry is one pin on the map. Add people (leaders, volunteers) only with "
            "their consent and never at a home address.",
        ),
        _question("select_one layer", "layer", "Co zaznaczasz?", "What are you pinning?",
                  required="yes"),
        _question(
            "select_one category", "category", "Kategoria", "Category", required="yes",
            choice_filter="layer=${layer}", appearance="minimal",
            hint_pl="Dla partnera: sektor.", hint_en="For a partner: the sector.",
        ),
        _question("text", "name", "Nazwa", "Name", required="yes",
                  hint_pl="Np. „Klub Seniora Promyk”, „Brak ławek przy przystanku”.",
                  hint_en="E.g. 'Promyk senior club', 'No benches at the stop'."),
        _question("text", "description", "Opis", "Description", appearance="multiline"),
        _question(
            "select_multiple target_group", "target_groups", "Dla kogo?", "For whom?",
            relevant="${layer} != 'partner'", appearance="minimal",
        ),
        _question(
            "select_one priority", "priority", "Priorytet", "Priority",
            relevant="${layer} = 'need'", default=str(DEFAULT_PRIORITY),
        ),
        _question(
            "geopoint", LOCATION, "Miejsce", "Place", required="${layer} != 'need'",
            parameters=f"capture-accuracy={CAPTURE_ACCURACY_M} warning-accuracy={warning}",
            hint_pl=f"Poczekaj na dokładność lepszą niż {warning} m. Potrzebę całego obszaru "
            "możesz zapisać bez punktu.",
            hint_en=f"Wait for an accuracy better than {warning} m. A need of the whole area "
            "may be saved without a point.",
        ),
        _question("image", "photo", "Zdjęcie (nieobowiązkowe)", "Photo (optional)",
                  parameters="max-pixels=1600",
                  hint_pl="Bez twarzy i tablic rejestracyjnych.",
                  hint_en="No faces or number plates."),
        _question("select_one visibility", "visibility", "Kto może to zobaczyć?",
                  "Who may see this?", required="yes", default=DEFAULT_VISIBILITY),
    ]
    if with_area:
        rows.append(_question(
            "select_one area", "area", "Obszar (nieobowiązkowo)", "Area (optional)",
            appearance="minimal",
            hint_pl="Bez odpowiedzi obszar wynika z punktu.",
            hint_en="Left empty, the point decides the area.",
        ))
    return rows


def question_labels() -> dict[str, tuple[str, str]]:
    """Each question's Polish and English label, by name: the headings of a "labels" export."""
    index = SURVEY_COLUMNS.index
    return {
        row[index("name")]: (row[index(PL)], row[index(EN)])
        for row in _survey(50, with_area=True)
        if row[index("name")] in QUESTIONS
    }


def area_choices(area_names: Iterable[str]) -> dict[str, str]:
    """Choice name → area name, for the area question; the import reads answers with it.

    Alphabetical, so that the same areas always give the same names.

    >>> area_choices(["Nowy Port", "Brzeźno"])
    {'brzezno': 'Brzeźno', 'nowy_port': 'Nowy Port'}
    """
    taken: set[str] = set()
    return {choice_name(name, taken): name for name in sorted(set(area_names), key=str.casefold)}


def category_choice(layer: str, code: str) -> str:
    """The choice name of a category in the form: ``need:health``."""
    return f"{layer}:{code}"


def form_sheets(
    entries: Sequence[catalog.Entry],
    area_names: Sequence[str] = (),
    *,
    language: str = "pl",
    version: str | None = None,
    team: str | None = None,
    accuracy_limit: float | None = None,
) -> dict[str, list[tuple[str, ...]]]:
    """The rows of the ``survey``, ``choices`` and ``settings`` sheets of the field form.

    ``entries`` are the catalogue's (``form_entries``); ``area_names`` fill
    an optional area question (a team's areas); ``team`` (its code) makes
    the form's id and title the team's own, so two teams' forms do not mix
    on one server.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    version = version or dt.date.today().strftime("%Y%m%d")
    limit = ACCURACY_LIMIT_M if accuracy_limit is None else accuracy_limit
    choices: list[tuple[str, ...]] = [CHOICE_COLUMNS]
    choices += [("layer", code, pl, en, "", "") for code, (pl, en) in LAYER_LABELS.items()]
    for layer, vocabulary in LAYER_VOCABULARY.items():
        choices += [
            ("category", category_choice(layer, e.code), e.label_pl, e.label_en, layer, "")
            for e in entries if e.vocabulary == vocabulary
        ]
    choices += [
        ("target_group", e.code, e.label_pl, e.label_en, "", "")
        for e in entries if e.vocabulary == "target_group"
    ]
    choices += [("priority", str(p), pl, en, "", "") for p, (pl, en) in PRIORITY_LABELS.items()]
    choices += [
        ("visibility", code, pl, en, "", "") for code, (pl, en) in VISIBILITY_LABELS.items()
    ]
    areas = area_choices(area_names)
    choices += [("area", name, area, area, "", area) for name, area in areas.items()]
    form_id = FORM_ID if not team else f"{FORM_ID}_{choice_name(team, set())}"
    title = f"{TITLE[0]} / {TITLE[1]}" + (f" – {team}" if team else "")
    return {
        "survey": [SURVEY_COLUMNS, *_survey(limit, bool(areas))],
        "choices": choices,
        "settings": [
            SETTINGS_COLUMNS,
            (title, form_id, version, LANGUAGES[language], "concat(${name})"),
        ],
    }


def form_entries(session: Session) -> list[catalog.Entry]:
    """The catalogue entries the form lists: each layer's categories and the target groups."""
    from mapping import catalog

    wanted = {*LAYER_VOCABULARY.values(), "target_group"}
    return [entry for entry in catalog.entries(session) if entry.vocabulary in wanted]


def team_area_names(session: Session, team_id: int) -> list[str]:
    """The names of a team's current areas, for the form's area question."""
    from sqlalchemy import select

    from mapping.db.models import Area

    return list(session.scalars(
        select(Area.name).where(Area.team_id == team_id, Area.retired_at.is_(None))
    ))  # fmt: skip


def form_xlsx(sheets: Mapping[str, Sequence[Sequence[str]]]) -> bytes:
    """The sheets as an XLSForm workbook for KoboToolbox or ODK Central, cells made safe."""
    return xlsform_writer.workbook_bytes(sheets)
