"""The two questionnaires calmap ships, as data, and the XLSForm files built from them.

- ``estate``: the estate residents' questionnaire (ankieta mieszkańców
  osiedla): where the respondent lives (estate, or a rough point on the map),
  what the estate lacks, what they value there, who lives in the household,
  whether they would volunteer and with what skills.
- ``seniors``: the seniors' questionnaire (ankieta dla seniorów), after
  Sochaczew's programme "Seniorze nie jesteś sam", which began with a survey
  of the seniors' situation: loneliness, the help they need, what they use,
  what the neighbourhood lacks for them, volunteering.

Both are anonymous: no question asks for a name, address, phone or exact
home location, and neither has a free-text field. Labels are Polish first,
English second (``label::Polski (pl)``, ``label::English (en)``). Each
choice that means something on the map names its catalogue category in
``calmap_category`` (see ``surveys.xlsform``).

The rows below are the reviewable source; ``template_xlsx`` writes them to an
XLSForm workbook with openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from mapping.io import xlsform_writer
from mapping.io.xlsform_writer import choice_name

TEMPLATES = ("estate", "seniors")
PL = "label::Polski (pl)"
EN = "label::English (en)"
HINT_PL = "hint::Polski (pl)"
HINT_EN = "hint::English (en)"
SURVEY_COLUMNS = ("type", "name", PL, EN, HINT_PL, HINT_EN, "required", "relevant")
CHOICE_COLUMNS = ("list_name", "name", PL, EN, "calmap_category", "calmap_area")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language")
# Wrocław's 48 estates (official names) fill the estate list by default, so
# the template works with the demo city; ``estates`` replaces them.
GEODATA_FILES = Path(__file__).resolve().parent.parent / "geodata" / "files"
WROCLAW_ESTATES = GEODATA_FILES / "wroclaw_osiedla_to_dzielnice.csv"
OTHER_ESTATE = "inne"

_ANONYMOUS = (
    "Ankieta jest anonimowa. Nie wpisuj imienia, nazwiska, adresu ani numeru telefonu.",
    "The questionnaire is anonymous. Do not write your name, address or phone number.",
)
_WHERE = (
    ("begin_group", "gdzie", "Gdzie mieszkasz", "Where you live", "", "", "", ""),
    (
        "select_one osiedla", "osiedle", "Na którym osiedlu mieszkasz?",
        "Which estate do you live on?", "", "", "yes", "",
    ),
    (
        "geopoint", "punkt", "Zaznacz na mapie swoją okolicę",
        "Mark your neighbourhood on the map",
        "Wystarczy przybliżone miejsce, np. skrzyżowanie – nie dokładny adres.",
        "A rough place is enough, e.g. a crossroads – not your exact address.",
        "", "${osiedle} = 'inne'",
    ),
    ("end_group", "", "", "", "", "", "", ""),
)  # fmt: skip
_VOLUNTEER_CHOICES = (
    ("tak_nie_moze", "tak", "Tak", "Yes", "resource:volunteer", ""),
    ("tak_nie_moze", "moze", "Może, chcę się dowiedzieć więcej", "Maybe, I'd like to know more",
     "", ""),
    ("tak_nie_moze", "nie", "Nie", "No", "", ""),
)  # fmt: skip

ESTATE_SURVEY = (
    ("note", "wstep", *_ANONYMOUS, "", "", "", ""),
    *_WHERE,
    (
        "select_multiple braki", "braki", "Czego brakuje na Twoim osiedlu?",
        "What is missing on your estate?", "Zaznacz wszystkie pasujące odpowiedzi.",
        "Tick all that apply.", "yes", "",
    ),
    (
        "select_multiple zasoby", "cenione", "Co cenisz na swoim osiedlu?",
        "What do you value on your estate?", "Zaznacz wszystkie pasujące odpowiedzi.",
        "Tick all that apply.", "", "",
    ),
    (
        "select_multiple gospodarstwo", "gospodarstwo",
        "Kto mieszka w Twoim gospodarstwie domowym?", "Who lives in your household?",
        "Zaznacz wszystkie pasujące odpowiedzi.", "Tick all that apply.", "", "",
    ),
    (
        "select_one tak_nie_moze", "wolontariat",
        "Czy chcesz pomagać innym jako wolontariusz(ka)?",
        "Would you like to help others as a volunteer?", "", "", "", "",
    ),
    (
        "select_multiple umiejetnosci", "umiejetnosci", "W czym możesz pomóc?",
        "What could you help with?", "", "", "",
        "${wolontariat} = 'tak' or ${wolontariat} = 'moze'",
    ),
)  # fmt: skip

ESTATE_CHOICES = (
    ("braki", "miejsce_spotkan", "Miejsca spotkań dla mieszkańców",
     "A meeting place for residents", "need:meeting_place", ""),
    ("braki", "pomoc_w_nauce", "Pomocy w nauce i opieki po lekcjach",
     "Tutoring and after-school care", "need:after_school", ""),
    ("braki", "oferta_mlodziez", "Zajęć dla młodzieży", "Activities for young people",
     "need:youth_leisure", ""),
    ("braki", "seniorzy", "Wsparcia dla samotnych seniorów", "Support for lonely seniors",
     "need:seniors_loneliness", ""),
    ("braki", "informacja", "Informacji o dostępnej pomocy", "Information about available help",
     "need:information", ""),
    ("braki", "bezpieczenstwo", "Bezpieczeństwa", "Safety", "need:safety", ""),
    ("braki", "przestrzen", "Zadbanej przestrzeni (zieleń, podwórka)",
     "Well-kept public space (green, courtyards)", "need:public_space", ""),
    ("braki", "bariery", "Dostępności dla osób z niepełnosprawnościami",
     "Access for people with disabilities", "need:disability_barriers", ""),
    ("braki", "mieszkania", "Lepszych warunków mieszkaniowych", "Better housing",
     "need:housing", ""),
    ("braki", "praca", "Pracy", "Jobs", "need:unemployment", ""),
    ("braki", "pomoc_materialna", "Pomocy materialnej (żywność, odzież)",
     "Material help (food, clothes)", "need:poverty", ""),
    ("braki", "uzaleznienia", "Pomocy w uzależnieniach", "Help with addiction",
     "need:addiction", ""),
    ("braki", "przemoc", "Pomocy dla osób doznających przemocy",
     "Help for people experiencing violence", "need:domestic_violence", ""),
    ("braki", "zdrowie", "Opieki zdrowotnej", "Health care", "need:health", ""),
    ("braki", "opiekunowie", "Wsparcia dla opiekunów osób zależnych",
     "Support for carers of dependent people", "need:carers_support", ""),
    ("braki", "nic", "Niczego nie brakuje", "Nothing is missing", "", ""),
    ("zasoby", "biblioteka", "Bibliotekę", "The library", "resource:library", ""),
    ("zasoby", "dom_kultury", "Dom kultury", "The culture centre", "resource:culture_centre", ""),
    ("zasoby", "szkola", "Szkołę lub przedszkole", "The school or kindergarten",
     "resource:school", ""),
    ("zasoby", "plac_zabaw", "Place zabaw i boiska", "Playgrounds and sports grounds",
     "resource:playground", ""),
    ("zasoby", "zielen", "Zieleń i ogrody", "Green space and gardens", "resource:green_space", ""),
    ("zasoby", "parafia", "Parafię", "The parish", "resource:parish_caritas", ""),
    ("zasoby", "klub_seniora", "Klub seniora", "The senior club", "resource:senior_club", ""),
    ("zasoby", "swietlica", "Świetlicę", "The day room", "resource:youth_club", ""),
    ("zasoby", "organizacje", "Stowarzyszenia i fundacje", "Associations and foundations",
     "resource:ngo_organisation", ""),
    ("zasoby", "sasiedzi", "Aktywnych sąsiadów", "Active neighbours", "resource:local_leader", ""),
    ("gospodarstwo", "seniorzy", "Osoby starsze (60+)", "Older people (60+)",
     "target_group:seniors", ""),
    ("gospodarstwo", "dzieci", "Dzieci lub młodzież", "Children or young people",
     "target_group:children_youth", ""),
    ("gospodarstwo", "wielodzietna", "Troje lub więcej dzieci", "Three or more children",
     "target_group:large_families", ""),
    ("gospodarstwo", "niepelnosprawni", "Osoba z niepełnosprawnością",
     "A person with a disability", "target_group:disabled", ""),
    ("gospodarstwo", "opiekun", "Opiekun osoby zależnej", "A carer of a dependent person",
     "target_group:carers", ""),
    ("gospodarstwo", "inni", "Nikt z wymienionych", "None of these", "", ""),
    *_VOLUNTEER_CHOICES,
    ("umiejetnosci", "korepetycje", "Pomoc w nauce", "Tutoring", "resource:tutoring", ""),
    ("umiejetnosci", "naprawy", "Drobne naprawy", "Small repairs", "resource:volunteer", ""),
    ("umiejetnosci", "towarzystwo", "Odwiedziny i towarzystwo", "Visits and company",
     "resource:volunteer", ""),
    ("umiejetnosci", "wydarzenia", "Organizacja wydarzeń", "Organising events",
     "resource:volunteer", ""),
    ("umiejetnosci", "sport", "Zajęcia sportowe", "Sports activities", "resource:volunteer", ""),
)  # fmt: skip

SENIORS_SURVEY = (
    ("note", "wstep", *_ANONYMOUS, "", "", "", ""),
    *_WHERE,
    (
        "select_one czestotliwosc", "samotnosc",
        "Jak często czuje się Pan/Pani samotny/samotna?", "How often do you feel lonely?",
        "", "", "", "",
    ),
    (
        "select_multiple pomoc", "pomoc", "W czym potrzebuje Pan/Pani pomocy?",
        "What do you need help with?", "Zaznacz wszystkie pasujące odpowiedzi.",
        "Tick all that apply.", "", "",
    ),
    (
        "select_multiple korzysta", "korzysta", "Z czego Pan/Pani korzysta?",
        "What do you use?", "Zaznacz wszystkie pasujące odpowiedzi.", "Tick all that apply.",
        "", "",
    ),
    (
        "select_multiple brakuje", "brakuje", "Czego brakuje seniorom w okolicy?",
        "What is missing for seniors nearby?", "Zaznacz wszystkie pasujące odpowiedzi.",
        "Tick all that apply.", "", "",
    ),
    (
        "select_one tak_nie_moze", "wolontariat",
        "Czy chciałby/chciałaby Pan/Pani pomagać innym (wolontariat)?",
        "Would you like to help others (volunteering)?", "", "", "", "",
    ),
)  # fmt: skip

SENIORS_CHOICES = (
    ("czestotliwosc", "czesto", "Często", "Often", "need:seniors_loneliness", ""),
    ("czestotliwosc", "czasem", "Czasami", "Sometimes", "need:seniors_loneliness", ""),
    ("czestotliwosc", "rzadko", "Rzadko", "Rarely", "", ""),
    ("czestotliwosc", "nigdy", "Nigdy", "Never", "", ""),
    ("pomoc", "opieka", "Opieka w domu", "Care at home", "need:health", ""),
    ("pomoc", "lekarz", "Dotarcie do lekarza", "Getting to the doctor", "need:health", ""),
    ("pomoc", "urzedy", "Sprawy urzędowe", "Dealing with offices", "need:information", ""),
    ("pomoc", "pieniadze", "Trudności finansowe", "Money problems", "need:poverty", ""),
    ("pomoc", "bariery", "Schody, brak windy, bariery w budynku",
     "Stairs, no lift, barriers in the building", "need:disability_barriers", ""),
    ("pomoc", "rozmowa", "Rozmowa z psychologiem", "Talking to a psychologist",
     "need:mental_health", ""),
    ("pomoc", "towarzystwo", "Towarzystwo", "Company", "need:seniors_loneliness", ""),
    ("pomoc", "nic", "Nie potrzebuję pomocy", "I need no help", "", ""),
    ("korzysta", "klub_seniora", "Klub seniora", "A senior club", "resource:senior_club", ""),
    ("korzysta", "utw", "Uniwersytet Trzeciego Wieku", "University of the Third Age",
     "resource:u3a", ""),
    ("korzysta", "biblioteka", "Biblioteka", "A library", "resource:library", ""),
    ("korzysta", "dom_kultury", "Dom kultury", "A culture centre", "resource:culture_centre", ""),
    ("korzysta", "parafia", "Parafia, Caritas", "A parish, Caritas", "resource:parish_caritas",
     ""),
    ("korzysta", "ddps", "Dzienny dom pomocy", "A day-care home", "resource:day_care_home", ""),
    ("korzysta", "punkt_konsultacyjny", "Punkt konsultacyjny (prawnik, psycholog)",
     "A consultation point (lawyer, psychologist)", "resource:consultation_point", ""),
    ("korzysta", "nic", "Z niczego z wymienionych", "None of these", "", ""),
    ("brakuje", "miejsce_spotkan", "Miejsca spotkań", "A meeting place", "need:meeting_place", ""),
    ("brakuje", "informacja", "Punktu informacji dla seniorów", "An information point for seniors",
     "need:information", ""),
    ("brakuje", "bezpieczenstwo", "Bezpieczeństwa", "Safety", "need:safety", ""),
    ("brakuje", "przestrzen", "Ławek, równych chodników", "Benches, even pavements",
     "need:public_space", ""),
    ("brakuje", "opiekunowie", "Wsparcia dla opiekunów", "Support for carers",
     "need:carers_support", ""),
    *_VOLUNTEER_CHOICES,
)  # fmt: skip

TITLES = {
    "estate": ("Ankieta mieszkańców osiedla", "Estate residents' questionnaire"),
    "seniors": ("Ankieta dla seniorów", "Seniors' questionnaire"),
}
FORM_IDS = {"estate": "calmap_osiedle", "seniors": "calmap_seniorzy"}


def default_estates() -> list[str]:
    """Wrocław's 48 estates by their official names (the demo city)."""
    with WROCLAW_ESTATES.open(encoding="utf-8", newline="") as handle:
        return [row["osiedle_official_name"] for row in csv.DictReader(handle)]


def template_sheets(
    kind: str, version: str | None = None, estates: Sequence[str] | None = None
) -> dict[str, list[tuple[str, ...]]]:
    """The rows of the ``survey``, ``choices`` and ``settings`` sheets of a template."""
    if kind not in TEMPLATES:
        raise ValueError(f"template: expected one of {', '.join(TEMPLATES)}, got {kind!r}")
    version = version or str(dt.date.today().year)
    survey = ESTATE_SURVEY if kind == "estate" else SENIORS_SURVEY
    choices = ESTATE_CHOICES if kind == "estate" else SENIORS_CHOICES
    taken = {OTHER_ESTATE}
    # Alphabetical, so the same estates always make the same form (a stored form
    # version is compared with what is uploaded again).
    names = sorted(estates if estates is not None else default_estates(), key=str.casefold)
    estate_rows = [("osiedla", choice_name(name, taken), name, name, "", name) for name in names]
    estate_rows.append(("osiedla", OTHER_ESTATE, "Inne / nie wiem", "Other / don't know", "", ""))
    title_pl, title_en = TITLES[kind]
    return {
        "survey": [SURVEY_COLUMNS, *survey],
        "choices": [CHOICE_COLUMNS, *estate_rows, *choices],
        "settings": [
            SETTINGS_COLUMNS,
            (f"{title_pl} / {title_en} {version}", FORM_IDS[kind], version, "Polski (pl)"),
        ],
    }


def template_xlsx(
    kind: str, version: str | None = None, estates: Sequence[str] | None = None
) -> bytes:
    """A template as an XLSForm workbook, ready for KoboToolbox or ODK Central.

    Estate names come from the database: one that would start a formula gets
    a leading ``'`` (OWASP, ``mapping.io.spreadsheet_safe``), so Excel shows it
    as text and openpyxl never stores it as a formula. Answers still find
    their area, which is looked up by its name without punctuation.
    """
    return xlsform_writer.workbook_bytes(template_sheets(kind, version, estates))
