"""The demo's facts: its files, the sources every row names, teams, partnerships, pins, needs.

Real facts (boundaries, venues, MOPS Wrocław's teams and partnerships,
„Teraz Sochaczew”) and illustrative ones side by side; each table's comment
says which. ``mapping.demo`` loads them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import geodata

FILES = Path(geodata.__file__).resolve().parent / "files"
GDANSK_DISTRICTS = FILES / "gdansk_dzielnice.geojson"
GDANSK_VENUES = FILES / "gdansk_instytucje_kultury.geojson"
WROCLAW_ESTATES = FILES / "wroclaw_osiedla_48.geojson"
WROCLAW_ESTATE_TABLE = FILES / "wroclaw_osiedla_to_dzielnice.csv"

ILLUSTRATIVE = "DEMO – ilustracyjne / illustrative"
NEED_SOURCE = f"{ILLUSTRATIVE}, not a real diagnosis"
APPROXIMATE = "approximate location (illustrative)"
SEED_WROCLAW = "MOPS Wrocław 2013 (seed 002)"
SEED_SOCHACZEW = "MOPS Sochaczew (seed 000)"
GDANSK_SOURCE = "Miasto Gdańsk, dane.gov.pl 1821"
VENUES_SOURCE = "Miasto Gdańsk – instytucje kultury (PgS-Toolbox/pgs-widget-gdansk, MIT)"
ESTATES_SOURCE = "SIP Wrocławia (via ppatrzyk/polska-geojson, MIT)"
# Districts digitised one by one leave slivers between them (the largest in
# Gdańsk is about 1.2 ha); below this size a hole in a city outline is one.
CITY_GAP_M2 = 50_000.0

# Illustrative: neighbouring districts grouped by geography (each group is
# one contiguous piece); MOPR Gdańsk is organised differently.
GDANSK_TEAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("GDA-1", "Północ", (
        "Brzeźno", "Nowy Port", "Letnica", "Zaspa-Młyniec", "Zaspa-Rozstaje",
        "Przymorze Małe", "Przymorze Wielkie", "Żabianka-Wejhera-Jelitkowo-Tysiąclecia",
        "Oliwa",
    )),
    ("GDA-2", "Zachód", (
        "Osowa", "Matarnia", "Kokoszki", "Brętowo", "VII Dwór", "Strzyża", "Piecki-Migowo",
    )),
    ("GDA-3", "Wrzeszcz i okolice", (
        "Wrzeszcz Górny", "Wrzeszcz Dolny", "Aniołki", "Siedlce", "Suchanino",
        "Wzgórze Mickiewicza",
    )),
    ("GDA-4", "Południe", (
        "Orunia-Św. Wojciech-Lipce", "Orunia Górna - Gdańsk Południe", "Ujeścisko-Łostowice",
        "Chełm", "Jasień",
    )),
    ("GDA-5", "Śródmieście i wschód", (
        "Śródmieście", "Młyniska", "Przeróbka", "Stogi", "Krakowiec-Górki Zachodnie",
        "Rudniki", "Olszynka", "Wyspa Sobieszewska",
    )),
)  # fmt: skip

# Real: team numbers and their 2013 local activity programmes (PAL), seed 002.
# Illustrative: the estates, anchored on each programme's estate and grown
# over neighbouring estates so that every team's area is one piece.
WROCLAW_TEAMS: tuple[tuple[int, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (1, "Szczepin", ("Aktywny Szczepin",),
     ("Szczepin", "Stare Miasto", "Przedmieście Świdnickie")),
    (2, "Leśnica", ("Aktywna Leśnica",),
     ("Leśnica", "Maślice", "Pracze Odrzańskie", "Jerzmanowo-Jarnołtów-Strachowice-Osiniec",
      "Żerniki", "Muchobór Wielki")),
    (3, "Gądów", ("Aktywny Gądów",),
     ("Gądów-Popowice Płd.", "Pilczyce-Kozanów-Popowice Płn.", "Nowy Dwór", "Kuźniki",
      "Muchobór Mały")),
    (4, "Gajowice", ("Aktywne Gajowice",),
     ("Gajowice", "Grabiszyn-Grabiszynek", "Oporów", "Powstańców Śląskich", "Borek",
      "Krzyki-Partynice", "Klecina")),
    (5, "Huby", ("Aktywne Huby",),
     ("Huby", "Gaj", "Wojszyce", "Ołtaszyn", "Jagodno", "Brochów", "Bieńkowice")),
    (6, "Przedmieście Oławskie", ("Aktywne Przedmieście Oławskie",),
     ("Przedmieście Oławskie", "Tarnogaj", "Księże")),
    (7, "Nadodrze", ("Aktywne Nadodrze",), ("Nadodrze", "Kleczków")),
    (8, "Ołbin", ("Aktywny Ołbin",), ("Ołbin", "Karłowice-Różanka", "Osobowice-Rędzin")),
    (9, "Plac Grunwaldzki", ("Aktywny Plac Grunwaldzki",),
     ("Plac Grunwaldzki", "Zacisze-Zalesie-Szczytniki", "Biskupin-Sępolno-Dąbie-Bartoszowice")),
    (10, "Polanka i Zakrzów", ("Aktywna Polanka", "Aktywny Zakrzów"),
     ("Polanowice-Poświętne-Ligota", "Psie Pole-Zawidawie", "Sołtysowice", "Kowale",
      "Strachocin-Swojczyce-Wojnów", "Pawłowice", "Widawa", "Lipa Piotrowska", "Świniary")),
)  # fmt: skip

# TYP of a Gdańsk venue → resource category. "i" (other: clubs, choirs,
# concert halls, ECS) are culture institutions open to the public.
VENUE_CATEGORIES = {"b": "library", "m": "museum", "d": "culture_centre", "i": "culture_centre"}
# One venue has no TYP but "galeria" in RODZAJ: the value slipped a column.
VENUE_TYPE_WORDS = {"galeria": "m", "muzeum": "m", "biblioteka": "b", "dom kultury": "d"}


@dataclass(frozen=True)
class PartnershipSpec:
    """A real partnership: name and date from the seeds, its estates and why."""

    key: str
    name: str
    formed_on: dt.date
    team: int
    estates: tuple[str, ...]
    areas_from: str


WROCLAW_PARTNERSHIPS = (
    PartnershipSpec(
        "polanka", "Partnerstwo Polanka", dt.date(2008, 3, 27), 10,
        ("Polanowice-Poświętne-Ligota",),
        f"estate: {ILLUSTRATIVE} – Polanka assumed to lie in Polanowice-Poświętne-Ligota",
    ),
    PartnershipSpec(
        "nadodrze", "Partnerstwo „Razem dla Nadodrza”", dt.date(2010, 4, 26), 7,
        ("Nadodrze",), "estate: named by the partnership",
    ),
    PartnershipSpec(
        "gadow", "Partnerstwo Gądów & Kosmonautów", dt.date(2010, 6, 10), 3,
        ("Gądów-Popowice Płd.",),
        "estate: Gądów Mały (osiedle Kosmonautów) lies in Gądów-Popowice Płd.",
    ),
    PartnershipSpec(
        "lesnica", "Partnerstwo dla Leśnicy", dt.date(2010, 10, 27), 2,
        ("Leśnica",), "estate: named by the partnership",
    ),
    PartnershipSpec(
        "8scen", "Partnerstwo 8 Scen", dt.date(2011, 3, 16), 9,
        ("Biskupin-Sępolno-Dąbie-Bartoszowice", "Zacisze-Zalesie-Szczytniki", "Plac Grunwaldzki"),
        "estates: the partnership's 8 scenes are Biskupin, Sępolno, Dąbie, Bartoszowice, "
        "Zacisze, Zalesie, Szczytniki and Plac Grunwaldzki (its minutes, wielkawyspa.com.pl)",
    ),
)  # fmt: skip

# Illustrative members of each Wrocław partnership: (key, name pattern,
# sector, role, days after the partnership was formed that it joined).
PARTNER_TEMPLATE = (
    ("mops", "MOPS Wrocław – ZTPS {team}", "public", "koordynator", 0),
    ("council", "Rada Osiedla {estate}", "council", "członek", 0),
    ("school", "Szkoła podstawowa – {estate} (przykład)", "public", "gospodarz spotkań", 0),
    ("parish", "Parafia – {estate} (przykład)", "church", "członek", 91),
    ("ngo", "Stowarzyszenie sąsiedzkie – {estate} (przykład)", "ngo", "organizacja wydarzeń", 365),
)
# Nadodrze also shows the two sectors the template leaves out.
PARTNER_EXTRAS = {
    "nadodrze": (
        ("business", "Zakład usługowy – {estate} (przykład)", "business", "sponsor", 730),
        ("informal", "Grupa sąsiedzka z podwórka – {estate} (przykład)", "informal",
         "wolontariat", 400),
    ),
}  # fmt: skip

# Seed 000: the 12 member bodies of „Teraz Sochaczew” (January 2008).
SOCHACZEW_MEMBERS = (
    ("ddps", "Dzienny Dom Pomocy Społecznej", "public"),
    ("sds", "Środowiskowy Dom Samopomocy", "public"),
    ("kspp", "Krajowe Stowarzyszenie Pomocy Potrzebującym „Z sercem do wszystkich”", "ngo"),
    ("mok", "Miejskie Ośrodki Kultury", "public"),
    ("caritas", "„Caritas” Diecezji Łowickiej", "church"),
    ("swietlica-caritas", "Świetlica „Caritas”", "church"),
    ("oswiata", "Instytucje Oświatowe", "public"),
    ("mkrpa", "Miejska Komisja Rozwiązywania Problemów Alkoholowych", "public"),
    ("ptzn", "Polskie Towarzystwo Zapobiegania Narkomanii", "ngo"),
    ("tpd", "Świetlice TPD", "ngo"),
    ("mops", "Miejski Ośrodek Pomocy Społecznej", "public"),
    ("radni", "Radni Samorządu Miejskiego", "council"),
)

# Seed 002: five PASZ points, by street only. The estate follows from the
# street; for Kniaziewicza and Oficerska that is our reading, not verified.
PASZ_POINTS = (
    ("braniborska", "Braniborska", "Szczepin", ""),
    ("kniaziewicza", "Kniaziewicza", "Przedmieście Oławskie", " (estate not verified)"),
    ("oficerska", "Oficerska", "Psie Pole-Zawidawie", " (estate not verified)"),
    ("nowowiejska", "Nowowiejska", "Ołbin", ""),
    ("rydygiera", "Rydygiera", "Nadodrze", ""),
)


@dataclass(frozen=True)
class ExtraResource:
    """An illustrative resource in a Wrocław estate."""

    key: str
    estate: str
    name: str
    category: str
    target_groups: tuple[str, ...]
    description: str
    visibility: str = "public"


WROCLAW_RESOURCES = (
    ExtraResource(
        "wro-youth-club-nadodrze", "Nadodrze", "Świetlica środowiskowa – Nadodrze (przykład)",
        "youth_club", ("children_youth",), "Zajęcia popołudniowe i pomoc w lekcjach.",
    ),
    ExtraResource(
        "wro-senior-club-polanka", "Polanowice-Poświętne-Ligota",
        "Klub seniora – Polanka (przykład)", "senior_club", ("seniors",),
        "Spotkania dwa razy w tygodniu; punkt informacji dla seniorów.", "partnership",
    ),
    ExtraResource(
        "wro-tutoring-zakrzow", "Psie Pole-Zawidawie", "Pogotowie Lekcyjne – Zakrzów (przykład)",
        "tutoring", ("children_youth",), "Bezpłatna pomoc w nauce prowadzona przez wolontariuszy.",
    ),
    ExtraResource(
        "wro-playground-gadow", "Gądów-Popowice Płd.", "Plac zabaw – Gądów Mały (przykład)",
        "playground", ("children_youth", "families"), "Ogólnodostępny plac zabaw i boisko.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class NeedSpec:
    """An illustrative need: where, what, how it was found, and who responds."""

    key: str
    city: str
    area: str
    name: str
    category: str
    target_groups: tuple[str, ...]
    priority: int
    status: str
    source_method: str
    evidence: str
    pinned: bool
    visibility: str = "public"
    responses: tuple[str, ...] = ()


NEEDS = (
    NeedSpec("gda-orunia-seniors", "Gdańsk", "Orunia-Św. Wojciech-Lipce",
             "Samotność seniorów", "seniors_loneliness", ("seniors",), 1, "being_addressed",
             "survey", "Ankieta wśród seniorów: mało okazji do spotkań poza domem.", False,
             responses=("gdansk-venue-15", "gdansk-venue-46")),
    NeedSpec("gda-nowy-port-after-school", "Gdańsk", "Nowy Port",
             "Brak opieki po lekcjach", "after_school", ("children_youth",), 1, "identified",
             "diagnostic_walk", "Dzieci czekają na rodziców na klatkach schodowych.", True,
             responses=("gdansk-venue-47",)),
    NeedSpec("gda-stogi-youth", "Gdańsk", "Stogi",
             "Brak oferty dla młodzieży", "youth_leisure", ("children_youth",), 2,
             "being_addressed", "focus_group", "Grupa fokusowa z młodzieżą w szkole.", True,
             responses=("gdansk-venue-14",)),
    NeedSpec("gda-srodmiescie-homelessness", "Gdańsk", "Śródmieście",
             "Osoby w kryzysie bezdomności", "homelessness", ("homeless",), 2, "being_addressed",
             "interview", "Wywiady streetworkerów.", False, visibility="partnership"),
    NeedSpec("gda-przerobka-public-space", "Gdańsk", "Przeróbka",
             "Zaniedbany skwer", "public_space", ("all_residents",), 3, "met",
             "diagnostic_walk", "Spacer diagnostyczny z radą dzielnicy.", True),
    NeedSpec("gda-sobieszewo-information", "Gdańsk", "Wyspa Sobieszewska",
             "Brak informacji o dostępnej pomocy", "information", ("seniors",), 2, "identified",
             "meeting", "Spotkanie z mieszkańcami w bibliotece.", False,
             responses=("gdansk-venue-51", "gdansk-venue-21")),
    NeedSpec("gda-chelm-meeting-place", "Gdańsk", "Chełm",
             "Brak miejsca spotkań dla rodzin", "meeting_place", ("families",), 2, "identified",
             "meeting", "Zebranie rodziców w szkole.", True, responses=("gdansk-venue-41",)),
    NeedSpec("gda-brzezno-addiction", "Gdańsk", "Brzeźno",
             "Uzależnienia", "addiction", ("addicted",), 1, "being_addressed",
             "statistics", "Dane zbiorcze bez szczegółów (kategoria wrażliwa).", False,
             visibility="team"),
    NeedSpec("wro-nadodrze-unemployment", "Wrocław", "Nadodrze",
             "Długotrwałe bezrobocie", "unemployment", ("unemployed",), 1, "being_addressed",
             "statistics", "Dane zbiorcze ośrodka pomocy społecznej.", False,
             responses=("wro-pasz-rydygiera", "wro-ncw")),
    NeedSpec("wro-nadodrze-housing", "Wrocław", "Nadodrze",
             "Kamienica w złym stanie technicznym", "housing", ("families",), 2, "identified",
             "diagnostic_walk", "Spacer diagnostyczny; tylko dla zespołu.", True,
             visibility="team"),
    NeedSpec("wro-polanka-seniors", "Wrocław", "Polanowice-Poświętne-Ligota",
             "Samotność seniorów", "seniors_loneliness", ("seniors",), 2, "met",
             "survey", "Ankieta wśród seniorów; powstał klub seniora.", False,
             responses=("wro-senior-club-polanka",)),
    NeedSpec("wro-zakrzow-youth", "Wrocław", "Psie Pole-Zawidawie",
             "Brak pomocy w nauce", "after_school", ("children_youth",), 2, "identified",
             "focus_group", "Grupa fokusowa z rodzicami.", True,
             responses=("wro-tutoring-zakrzow",)),
    NeedSpec("wro-gadow-safety", "Wrocław", "Gądów-Popowice Płd.",
             "Poczucie zagrożenia wieczorem", "safety", ("all_residents",), 2, "identified",
             "meeting", "Spotkanie obywatelskie z policją i strażą miejską.", True),
    NeedSpec("wro-lesnica-barriers", "Wrocław", "Leśnica",
             "Bariery architektoniczne", "disability_barriers", ("disabled",), 2, "archived",
             "diagnostic_walk", "Spacer diagnostyczny z osobami na wózkach.", True),
    NeedSpec("wro-grunwaldzki-carers", "Wrocław", "Plac Grunwaldzki",
             "Wsparcie opiekunów osób zależnych", "carers_support", ("carers",), 3,
             "identified", "interview", "Wywiady z opiekunami.", False,
             visibility="partnership"),
    NeedSpec("wro-olbin-violence", "Wrocław", "Ołbin",
             "Przemoc w rodzinie", "domestic_violence", ("violence",), 1, "being_addressed",
             "statistics", "Dane zbiorcze bez szczegółów (kategoria wrażliwa).", False,
             visibility="team"),
)  # fmt: skip
