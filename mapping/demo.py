"""The demo data set: real boundaries and venues, with illustrative community work on top.

Every row's ``source`` says what is real and what is not:

- Gdańsk: the 35 districts (Miasto Gdańsk, dane.gov.pl 1821) and its 74
  cultural venues, placed from their surveyed coordinates. The five teams
  grouping the districts are illustrative, not MOPR Gdańsk's structure.
- Wrocław: the 48 estates (SIP Wrocławia) under the 5 former districts. The
  ten district teams (ZTPS) and their local activity programmes, the five
  dated partnerships, the 5 PASZ points and the Nadodrzańskie Centrum
  Wsparcia are from MOPS Wrocław's 2013 material (seed 002); which estates a
  team owns, the partner lists and the exact places of the pins are illustrative.
- Sochaczew: the member bodies of „Teraz Sochaczew” (seed 000), without places:
  the demo has no boundary of Sochaczew.
- Needs everywhere are illustrative: their source starts with ``NEED_SOURCE``.

``load_demo`` is idempotent: teams are found by code, areas by name, kind and
parent, partnerships by name, pins by the ``[demo:…]`` marker ending their
source. It never commits; the caller owns the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import zlib
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

import geodata
from geodata.boundaries import RepairNote, dissolve, read_boundaries
from geodata.points import read_projected_points
from mapping import catalog
from mapping.db.models import (
    SRID,
    Area,
    Need,
    NeedResource,
    Partner,
    Partnership,
    PartnershipArea,
    PartnershipMember,
    Resource,
    Team,
)

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


class DemoError(RuntimeError):
    """The demo data files or the catalogue do not fit together; the message says how."""


@dataclass(frozen=True)
class DemoReport:
    """How many demo rows each layer holds after loading, and how many this call added."""

    teams: int = 0
    areas: int = 0
    resources: int = 0
    partners: int = 0
    partnerships: int = 0
    partnership_members: int = 0
    partnership_areas: int = 0
    needs: int = 0
    need_resources: int = 0
    added: int = 0

    def __str__(self) -> str:
        """One line for the CLI."""
        counts = ", ".join(
            f"{f.name.replace('_', ' ')} {getattr(self, f.name)}"
            for f in fields(self)
            if f.name != "added"
        )
        return f"{counts}; {self.added} rows added"


def load_demo(session: Session) -> DemoReport:
    """Load the demo data set into ``session`` without committing; safe to run again.

    Needs the default catalogue (``catalog.install_defaults``). Returns the
    number of demo rows per layer (the same on every run) and how many rows
    this call added (none on a repeat).
    """
    categories = _catalogue(session)
    loader = _Loader(session)
    gdansk = _load_gdansk(loader)
    resources = _load_gdansk_venues(loader, gdansk)
    wroclaw = _load_wroclaw(loader)
    resources |= _load_wroclaw_resources(loader, wroclaw, categories)
    _load_wroclaw_partnerships(loader, wroclaw)
    _load_sochaczew(loader)
    _load_needs(loader, {"Gdańsk": gdansk, "Wrocław": wroclaw}, resources, categories)
    session.flush()
    return loader.report()


@dataclass
class _Places:
    """The areas of one city loaded so far, by name, with their shapes from the files."""

    rows: dict[str, Area]
    shapes: dict[str, MultiPolygon]


_Key = TypeVar("_Key", bound=Hashable)
# A pin's marker ends its source; PostgreSQL reads it back with this pattern.
_MARKER_PATTERN = r"\[demo:[^]]*\]$"


def _marker(key: str) -> str:
    return f"[demo:{key}]"


class _Loader:
    """Finds the demo rows already there and adds the rest, batch by batch.

    Every method takes all rows of one kind at once: one query finds those
    that exist, one flush adds the others. Loading twice adds nothing.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: Counter[str] = Counter()
        self.added = 0

    def report(self) -> DemoReport:
        return DemoReport(**self.counts, added=self.added)

    def teams(self, wanted: dict[str, dict[str, Any]]) -> dict[str, Team]:
        query = select(Team).where(Team.code.in_(wanted))
        found = {row.code: row for row in self.session.scalars(query)}
        values = {code: {"code": code, **row} for code, row in wanted.items()}
        return self._keep("teams", Team, found, values)

    def areas(
        self, kind: str, parent: Area | None, wanted: dict[str, dict[str, Any]]
    ) -> dict[str, Area]:
        parent_id = parent.id if parent is not None else None
        same_parent = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
        query = select(Area).where(Area.kind == kind, same_parent, Area.name.in_(wanted))
        found: dict[str, Area] = {}
        for row in self.session.scalars(query.order_by(Area.id)):
            found.setdefault(row.name, row)
        values = {
            name: {"name": name, "kind": kind, "parent_id": parent_id, **row}
            for name, row in wanted.items()
        }
        return self._keep("areas", Area, found, values)

    def pins(
        self, model: type[Any], counter: str, wanted: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """Pins by key; each row's ``source`` gets the key's ``[demo:…]`` marker appended."""
        # The marker, not the whole text, identifies a pin: rewording a
        # source in a later release must not duplicate the pins.
        markers = {_marker(key): key for key in wanted}
        query = select(model).where(func.substring(model.source, _MARKER_PATTERN).in_(markers))
        found: dict[str, Any] = {}
        for row in self.session.scalars(query.order_by(model.id)):
            found.setdefault(markers[row.source[row.source.rfind("[demo:") :]], row)
        values = {
            key: {**row, "source": f"{row['source']} {_marker(key)}"} for key, row in wanted.items()
        }
        return self._keep(counter, model, found, values)

    def partnerships(self, wanted: dict[str, dict[str, Any]]) -> dict[str, Partnership]:
        query = select(Partnership).where(Partnership.name.in_(wanted)).order_by(Partnership.id)
        found: dict[str, Partnership] = {}
        for row in self.session.scalars(query):
            found.setdefault(row.name, row)
        values = {name: {"name": name, **row} for name, row in wanted.items()}
        return self._keep("partnerships", Partnership, found, values)

    def links(
        self, model: type[Any], counter: str, key: tuple[str, str], rows: list[dict[str, Any]]
    ) -> None:
        """Rows of a link table, found by the two columns that make them unique."""
        wanted = {(row[key[0]], row[key[1]]): row for row in rows}
        columns = tuple_(getattr(model, key[0]), getattr(model, key[1]))
        query = select(model).where(columns.in_(list(wanted)))
        found = {(getattr(r, key[0]), getattr(r, key[1])): r for r in self.session.scalars(query)}
        self._keep(counter, model, found, wanted)

    def _keep(
        self,
        counter: str,
        model: type[Any],
        found: dict[_Key, Any],
        wanted: dict[_Key, dict[str, Any]],
    ) -> dict[_Key, Any]:
        rows = {key: found.get(key) or model(**values) for key, values in wanted.items()}
        new = [row for key, row in rows.items() if key not in found]
        if new:
            self.session.add_all(new)
            # Now, not at commit: the next batch needs these rows' ids.
            self.session.flush()
        self.counts[counter] += len(rows)
        self.added += len(new)
        return rows


def _load_gdansk(loader: _Loader) -> _Places:
    districts, notes = read_boundaries(GDANSK_DISTRICTS, "DZIELNICY")
    teams = _gdansk_teams(loader, set(districts["name"]))
    shapes = dict(zip(districts["name"], districts.geometry, strict=True))
    city = loader.areas(
        "city",
        None,
        {
            "Gdańsk": {
                "geom": _polygon(dissolve(shapes.values(), CITY_GAP_M2)),
                "source": "Union of the 35 districts, gaps under 5 ha between them filled – "
                f"{GDANSK_SOURCE}",
            }
        },
    )["Gdańsk"]
    repaired = {note.name: note for note in notes}
    wanted = {}
    for name, people, shape in zip(
        districts["name"], districts["L_MIESZK"], districts.geometry, strict=True
    ):
        population = int(people) if people and people > 0 else None
        unknown = "" if population else "; L_MIESZK is 0 in the source: population unknown"
        wanted[name] = {
            "team_id": teams[name].id,
            "population": population,
            "geom": _polygon(shape),
            "source": f"{GDANSK_SOURCE} (Granice dzielnic w Gdańsku, via "
            f"jusjag/dzielnice-json-power-bi){unknown}{_repair_text(repaired.get(name))}",
        }
    return _Places(loader.areas("district", city, wanted), shapes)


def _gdansk_teams(loader: _Loader, districts: set[str]) -> dict[str, Team]:
    grouped = [name for _code, _label, names in GDANSK_TEAMS for name in names]
    if sorted(grouped) != sorted(districts):
        raise DemoError(
            "GDANSK_TEAMS must name every district of the file once: missing "
            f"{sorted(districts - set(grouped))}, unknown {sorted(set(grouped) - districts)}"
        )
    teams = loader.teams(
        {
            code: {
                "name": f"Gdańsk – {label} (zespół ilustracyjny)",
                "city": "Gdańsk",
                "description": f"Dzielnice: {', '.join(names)}. Ilustracyjne grupowanie "
                "sąsiednich dzielnic, nie rzeczywista struktura MOPR w Gdańsku. / Illustrative "
                "grouping of neighbouring districts, not MOPR Gdańsk's real structure.",
                "source": f"{ILLUSTRATIVE}: grouping of districts invented for the demo, "
                "not MOPR Gdańsk's real structure",
            }
            for code, label, names in GDANSK_TEAMS
        }
    )
    return {name: teams[code] for code, _label, names in GDANSK_TEAMS for name in names}


def _load_gdansk_venues(loader: _Loader, gdansk: _Places) -> dict[str, Resource]:
    # The file's own geometry is derived; we place venues from the surveyed
    # X/Y strings. X holds the easting and Y the northing (checked against
    # the file's geometry in tests/test_geodata.py), although in geodesy
    # x is the northing.
    venues = read_projected_points(GDANSK_VENUES, east_field="X", north_field="Y", crs="EPSG:2177")
    districts = gpd.GeoDataFrame(
        {"district": list(gdansk.shapes)}, geometry=list(gdansk.shapes.values()), crs=venues.crs
    )
    # The containing polygon decides the district, not the DZIELNICA text,
    # which disagrees for 11 venues (spelling, and venues near a boundary).
    joined = gpd.sjoin(venues, districts, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    repeated = set(joined["NAZWA"][joined["NAZWA"].duplicated(keep=False)])
    wanted = {}
    for venue in joined.to_dict("records"):
        district = venue["district"] if isinstance(venue["district"], str) else None
        wanted[f"gdansk-venue-{venue['ID']}"] = {
            "source": f"{VENUES_SOURCE}, ID {venue['ID']}",
            "name": _venue_name(venue, repeated),
            "kind": "institution_public",
            "category": _venue_category(venue),
            "address": " ".join(_text(venue.get(f)) for f in ("ULICA", "NUMER")).strip() or None,
            "description": _venue_description(venue),
            "visibility": "public",
            "area_id": gdansk.rows[district].id if district else None,
            "geom": from_shape(venue["geometry"], srid=SRID),
        }
    return loader.pins(Resource, "resources", wanted)


def _venue_name(venue: dict[str, Any], repeated: set[str]) -> str:
    name = " ".join(_text(venue["NAZWA"]).replace('""', '"').split())
    short = _text(venue.get("NAZWA_SKR"))
    # Thirty library branches share one name; their short name tells them apart.
    if venue["NAZWA"] in repeated and short and short.lower() != "brak" and short not in name:
        return f"{name} – {short}"
    return name


def _venue_category(venue: dict[str, Any]) -> str:
    typ = _text(venue.get("TYP")).lower()
    if not typ:
        typ = VENUE_TYPE_WORDS.get(_text(venue.get("RODZAJ")).lower(), "i")
    return VENUE_CATEGORIES.get(typ, VENUE_CATEGORIES["i"])


def _venue_description(venue: dict[str, Any]) -> str | None:
    lines = []
    if kind := _text(venue.get("TYP_opis")):
        lines.append(f"Rodzaj: {kind}.")
    if access := _text(venue.get("NIEPELNOSPR")):
        lines.append(f"Dostępność dla osób z niepełnosprawnościami (wg Miasta Gdańsk): {access}.")
    if remarks := _text(venue.get("UWAGI")):
        lines.append(f"Uwagi: {remarks}.")
    if modified := _text(venue.get("DATA_MOD")):
        lines.append(f"Dane z {modified}.")
    return " ".join(lines) or None


def _load_wroclaw(loader: _Loader) -> _Places:
    estates, notes = read_boundaries(WROCLAW_ESTATES, "osiedle")
    table = _estate_table()
    repaired = {note.name: note for note in notes}
    shapes: dict[str, MultiPolygon] = {}
    district_of: dict[str, str] = {}
    source_of: dict[str, str] = {}
    for estate_id, file_name, shape in zip(
        estates["id"], estates["name"], estates.geometry, strict=True
    ):
        entry = table.get(int(estate_id))
        if entry is None or entry["osiedle_name_in_geojson"] != file_name:
            raise DemoError(
                f"{WROCLAW_ESTATE_TABLE.name}: no row for estate {estate_id} {file_name!r}"
            )
        official = entry["osiedle_official_name"]
        shapes[official] = shape
        district_of[official] = entry["former_dzielnica"]
        renamed = f"; the file spells it {file_name!r}" if file_name != official else ""
        source_of[official] = (
            f"{ESTATES_SOURCE}, id {estate_id}; official name{renamed}"
            f"{_repair_text(repaired.get(file_name))}"
        )
    teams = _wroclaw_teams(loader, set(shapes))
    city = loader.areas(
        "city",
        None,
        {
            "Wrocław": {
                "geom": _polygon(dissolve(shapes.values())),
                "source": f"Union of the 48 estates – {ESTATES_SOURCE}",
            }
        },
    )["Wrocław"]
    members = {
        district: [name for name, of in district_of.items() if of == district]
        for district in dict.fromkeys(district_of.values())
    }
    districts = loader.areas(
        "district",
        city,
        {
            district: {
                "geom": _polygon(dissolve(shapes[name] for name in names)),
                "source": f"Union of its {len(names)} estates ({ESTATES_SOURCE}, estate list "
                "by former district); the district was abolished in 1991, so the boundary "
                "is approximate",
            }
            for district, names in members.items()
        },
    )
    rows: dict[str, Area] = {}
    for district, names in members.items():
        rows |= loader.areas(
            "estate",
            districts[district],
            {
                name: {
                    "team_id": teams[name].id,
                    "geom": _polygon(shapes[name]),
                    "source": source_of[name],
                }
                for name in names
            },
        )
    return _Places(rows, shapes)


def _estate_table() -> dict[int, dict[str, str]]:
    with WROCLAW_ESTATE_TABLE.open(encoding="utf-8", newline="") as handle:
        return {int(row["id_sip"]): row for row in csv.DictReader(handle)}


def _wroclaw_teams(loader: _Loader, estates: set[str]) -> dict[str, Team]:
    owned = [name for *_team, names in WROCLAW_TEAMS for name in names]
    if sorted(owned) != sorted(estates):
        raise DemoError(
            "WROCLAW_TEAMS must give every estate one team: "
            f"missing {sorted(estates - set(owned))}, unknown {sorted(set(owned) - estates)}"
        )
    wanted = {}
    for number, label, programmes, _names in WROCLAW_TEAMS:
        pal = ", ".join(f"„{p}”" for p in programmes)
        wanted[_ztps(number)] = {
            "name": f"ZTPS {number} – {label}",
            "city": "Wrocław",
            "description": f"Zespół Terenowej Pracy Socjalnej nr {number} MOPS Wrocław; "
            f"program(y) aktywności lokalnej 2013: {pal}. Przydział osiedli ilustracyjny. / "
            f"District field team no. {number}; its 2013 programmes are real, the estates "
            "it owns here are illustrative.",
            "source": f"{SEED_WROCLAW}: team number and programme names; {ILLUSTRATIVE} "
            "assignment of estates, grown from the programme's estate over its neighbours",
        }
    teams = loader.teams(wanted)
    return {name: teams[_ztps(number)] for number, *_rest, names in WROCLAW_TEAMS for name in names}


def _ztps(number: int) -> str:
    return f"WRO-ZTPS-{number:02d}"


def _load_wroclaw_resources(
    loader: _Loader, wroclaw: _Places, categories: dict[str, catalog.Entry]
) -> dict[str, Resource]:
    wanted: dict[str, dict[str, Any]] = {}
    for key, street, estate, doubt in PASZ_POINTS:
        wanted[f"wro-pasz-{key}"] = {
            "source": f"{SEED_WROCLAW}: PASZ at ul. {street} (no house number given); "
            f"{APPROXIMATE}: a representative point inside the estate {estate}{doubt}",
            "name": f"Punkt Aktywizacji Społeczno-Zawodowej (PASZ) – ul. {street}",
            "kind": _kind("activation_point", categories),
            "category": "activation_point",
            "address": f"ul. {street}, Wrocław",
            "description": "Rozmowa doradcza: trudności w powrocie na rynek pracy, potencjał, "
            "bariery, przygotowanie do poszukiwania pracy.",
            "target_groups": ["unemployed"],
            "area_id": wroclaw.rows[estate].id,
            "geom": _point(wroclaw.shapes[estate].representative_point()),
        }
    centre = _point(wroclaw.shapes["Nadodrze"].representative_point())
    nadodrze = wroclaw.rows["Nadodrze"].id
    wanted["wro-ncw"] = {
        "source": f"{SEED_WROCLAW}: name, address, opening on 2013-05-17 and activities; "
        f"{APPROXIMATE}: a representative point inside the estate Nadodrze",
        "name": "Nadodrzańskie Centrum Wsparcia",
        "kind": _kind("support_centre", categories),
        "category": "support_centre",
        "address": "ul. Rydygiera 43–45, Wrocław",
        "description": "Otwarte 17 maja 2013 r. PAL „Aktywne Nadodrze” – Akademia Lidera; "
        "poradnictwo specjalistyczne (uzależnienia, przemoc, sprawy rodzinne), prawne i "
        "zawodowe (PASZ); grupy wsparcia i samopomocowe; Akademia OSL.",
        "target_groups": ["families", "unemployed", "foster_care_leavers"],
        "area_id": nadodrze,
        "geom": centre,
    }
    # Team-only: a pin the privacy filters must hide from viewers and share links.
    wanted["wro-ncw-self-help"] = {
        "source": f"{SEED_WROCLAW} names a self-help group for addicted people at the centre; "
        f"team-only in the demo; {APPROXIMATE}: at the centre's pin",
        "name": "Grupa samopomocowa dla osób uzależnionych (NCW)",
        "kind": _kind("self_help_group", categories),
        "category": "self_help_group",
        "address": "ul. Rydygiera 43–45, Wrocław",
        "target_groups": ["addicted"],
        "visibility": "team",
        "area_id": nadodrze,
        "geom": centre,
    }
    for extra in WROCLAW_RESOURCES:
        wanted[extra.key] = {
            "source": f"{ILLUSTRATIVE}: invented for the demo; {APPROXIMATE}",
            "name": extra.name,
            "kind": _kind(extra.category, categories),
            "category": extra.category,
            "description": extra.description,
            "target_groups": list(extra.target_groups),
            "visibility": extra.visibility,
            "area_id": wroclaw.rows[extra.estate].id,
            "geom": _point(_spot(wroclaw.shapes[extra.estate], extra.key)),
        }
    return loader.pins(Resource, "resources", wanted)


def _load_wroclaw_partnerships(loader: _Loader, wroclaw: _Places) -> None:
    codes = {_ztps(spec.team) for spec in WROCLAW_PARTNERSHIPS}
    teams = {t.code: t for t in loader.session.scalars(select(Team).where(Team.code.in_(codes)))}
    partnerships = loader.partnerships(
        {
            spec.name: {
                "formed_on": spec.formed_on,
                "team_id": teams[_ztps(spec.team)].id,
                "description": f"Partnerstwo lokalne zawiązane {spec.formed_on:%d.%m.%Y} r. "
                f"(ZTPS {spec.team}). Członkowie w demo są ilustracyjni.",
                "source": f"{SEED_WROCLAW}: name and date of formation; {spec.areas_from}",
            }
            for spec in WROCLAW_PARTNERSHIPS
        }
    )
    covers = [
        {"partnership_id": partnerships[spec.name].id, "area_id": wroclaw.rows[estate].id}
        for spec in WROCLAW_PARTNERSHIPS
        for estate in spec.estates
    ]
    loader.links(PartnershipArea, "partnership_areas", ("partnership_id", "area_id"), covers)
    partners: dict[str, dict[str, Any]] = {}
    memberships: list[tuple[str, str, dict[str, Any]]] = []
    for spec in WROCLAW_PARTNERSHIPS:
        home = spec.estates[0]
        for role_key, pattern, sector, role, days in PARTNER_TEMPLATE + PARTNER_EXTRAS.get(
            spec.key, ()
        ):
            key = f"wro-{spec.key}-{role_key}"
            partners[key] = {
                "source": f"{ILLUSTRATIVE} member of {spec.name}, not its real member list; "
                f"{APPROXIMATE}",
                "name": pattern.format(team=spec.team, estate=home),
                "sector": sector,
                "area_id": wroclaw.rows[home].id,
                "geom": _point(_spot(wroclaw.shapes[home], key)),
            }
            joined = spec.formed_on + dt.timedelta(days=days)
            memberships.append((spec.name, key, {"role": role, "joined_on": joined}))
    rows = loader.pins(Partner, "partners", partners)
    _join(loader, partnerships, rows, memberships)


def _load_sochaczew(loader: _Loader) -> None:
    name = "Partnerstwo „Teraz Sochaczew”"
    partnerships = loader.partnerships(
        {
            name: {
                # The seed gives the month only; the first day stands for January 2008.
                "formed_on": dt.date(2008, 1, 1),
                "description": "Partnerstwo instytucji samorządowych i organizacji "
                "pozarządowych, zawiązane w styczniu 2008 r. (dzień nieznany); współorganizuje "
                "imprezy i spotkania w mieście.",
                "source": f"{SEED_SOCHACZEW}: name, January 2008 and its 12 member bodies; the "
                "demo has no boundary of Sochaczew, so no areas and no places",
            }
        }
    )
    partners = loader.pins(
        Partner,
        "partners",
        {
            f"sochaczew-{key}": {
                "source": f"{SEED_SOCHACZEW}: member body of „Teraz Sochaczew”; no place given",
                "name": f"{body} – Sochaczew",
                "sector": sector,
            }
            for key, body, sector in SOCHACZEW_MEMBERS
        },
    )
    memberships = [(name, key, {"role": "członek"}) for key in partners]
    _join(loader, partnerships, partners, memberships)


def _join(
    loader: _Loader,
    partnerships: dict[str, Partnership],
    partners: dict[str, Partner],
    memberships: list[tuple[str, str, dict[str, Any]]],
) -> None:
    rows = [
        {
            "partnership_id": partnerships[name].id,
            "partner_id": partners[key].id,
            **values,
        }
        for name, key, values in memberships
    ]
    loader.links(PartnershipMember, "partnership_members", ("partnership_id", "partner_id"), rows)


def _load_needs(
    loader: _Loader,
    cities: dict[str, _Places],
    resources: dict[str, Resource],
    categories: dict[str, catalog.Entry],
) -> None:
    wanted = {}
    for spec in NEEDS:
        place = cities[spec.city]
        # Privacy by design: a need in a sensitive category (addiction,
        # violence, health) never gets a point, only its whole area.
        pinned = spec.pinned and not categories[spec.category].sensitive
        wanted[spec.key] = {
            "source": NEED_SOURCE,
            "name": spec.name,
            "description": f"Przykład do demonstracji mapy ({spec.area}).",
            "category": spec.category,
            "target_groups": list(spec.target_groups),
            "priority": spec.priority,
            "status": spec.status,
            "source_method": spec.source_method,
            "evidence": f"Ilustracyjne: {spec.evidence}",
            "visibility": spec.visibility,
            "area_id": place.rows[spec.area].id,
            "geom": _point(_spot(place.shapes[spec.area], spec.key)) if pinned else None,
        }
    needs = loader.pins(Need, "needs", wanted)
    links = [
        {"need_id": needs[spec.key].id, "resource_id": resources[key].id}
        for spec in NEEDS
        for key in spec.responses
    ]
    loader.links(NeedResource, "need_resources", ("need_id", "resource_id"), links)


def _catalogue(session: Session) -> dict[str, catalog.Entry]:
    """Every code the demo uses, checked against the active catalogue."""
    wanted = {
        "resource_category": {*VENUE_CATEGORIES.values(), "activation_point",
                              "support_centre", "self_help_group",
                              *(r.category for r in WROCLAW_RESOURCES)},
        "need_category": {n.category for n in NEEDS},
        "target_group": {g for n in NEEDS for g in n.target_groups}
        | {g for r in WROCLAW_RESOURCES for g in r.target_groups}
        | {"unemployed", "families", "foster_care_leavers", "addicted"},
        "source_method": {n.source_method for n in NEEDS},
        "partner_sector": {p[2] for p in PARTNER_TEMPLATE + PARTNER_EXTRAS["nadodrze"]}
        | {m[2] for m in SOCHACZEW_MEMBERS},
    }  # fmt: skip
    found: dict[str, catalog.Entry] = {}
    missing = []
    for vocabulary, codes in wanted.items():
        entries = catalog.by_code(session, vocabulary)
        missing += [f"{vocabulary}.{code}" for code in sorted(codes - set(entries))]
        if vocabulary in ("resource_category", "need_category"):
            found.update({code: entries[code] for code in codes & set(entries)})
    if missing:
        raise DemoError(
            f"the catalogue lacks {', '.join(missing)}: install the defaults first "
            "(catalog.install_defaults)"
        )
    return found


def _kind(category: str, categories: dict[str, catalog.Entry]) -> str:
    kind = categories[category].parent_code
    if kind is None:
        raise DemoError(f"resource category {category!r} has no resource kind")
    return kind


def _spot(area: BaseGeometry, key: str) -> Point:
    """A point inside ``area``, the same for the same key on every run."""
    # crc32, not hash(): Python salts str hashes per process.
    rng = random.Random(zlib.crc32(key.encode("utf-8")))  # noqa: S311 - placement, not secrets
    # About 50 m in from the boundary, so a pin is not read as the neighbour's.
    inner = area.buffer(-0.0005)
    target = inner if not inner.is_empty else area
    west, south, east, north = target.bounds
    for _ in range(1000):
        point = Point(round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6))
        if target.contains(point):
            return point
    return area.representative_point()


def _polygon(shape: MultiPolygon) -> Any:
    return from_shape(shape, srid=SRID)


def _point(point: Point) -> Any:
    return from_shape(point, srid=SRID)


def _repair_text(note: RepairNote | None) -> str:
    if note is None:
        return ""
    return f"; geometry repaired ({note.problem}; make_valid, non-polygonal parts dropped)"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return ""
    return str(value).strip()
