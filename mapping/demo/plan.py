"""The demo's action plan: a Gdańsk partnership, its illustrative partners and their actions.

Without actions the plan page and the June pack's plan table would be empty in
the demo. Every row here is illustrative (``ILLUSTRATIVE`` in its source or
its description). Partners and the partnership are found like the rest of the
demo (marker, name); an action by its need and title. Actions go through
``services.actions`` as the demo's admin, so their history is like any other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.db.models import Area, Need, Partner, PartnershipArea, Team
from mapping.db.plan_models import Action
from mapping.demo.facts import APPROXIMATE, ILLUSTRATIVE
from mapping.demo.loader import _join, _Loader, _marker, _point, _spot
from mapping.demo.streets import DEMO_ACTOR
from mapping.services import actions

PARTNERSHIP = "Partnerstwo „Razem na Południu i w Śródmieściu” (przykład)"
TEAM = "GDA-4"
FORMED_ON = dt.date(2025, 3, 12)
# key, name, sector, district, role in the partnership.
PARTNERS = (
    ("gda-mopr-south", "MOPR Gdańsk – zespół Południe (przykład)", "public", "Chełm",
     "koordynator"),
    ("gda-council-chelm", "Rada Dzielnicy Chełm (przykład)", "council", "Chełm", "członek"),
    ("gda-ngo-orunia", "Stowarzyszenie sąsiedzkie – Orunia (przykład)", "ngo",
     "Orunia-Św. Wojciech-Lipce", "organizacja wydarzeń"),
    ("gda-school-stogi", "Szkoła podstawowa – Stogi (przykład)", "public", "Stogi",
     "gospodarz spotkań"),
    ("gda-parish-srodmiescie", "Parafia – Śródmieście (przykład)", "church", "Śródmieście",
     "członek"),
)  # fmt: skip


@dataclass(frozen=True)
class ActionSpec:
    """One illustrative action on a demo need (its ``NeedSpec`` key)."""

    need: str
    title: str
    status: str
    due_on: dt.date
    partners: tuple[str, ...]
    description: str = ""


ACTIONS = (
    ActionSpec("gda-orunia-seniors", "Klub seniora w filii biblioteki: spotkania co tydzień",
               "in_progress", dt.date(2027, 1, 31), ("gda-ngo-orunia", "gda-mopr-south"),
               "Pierwsze spotkania od listopada; szukamy drugiej sali."),
    ActionSpec("gda-orunia-seniors", "Wolontariusze odwiedzają samotnych seniorów",
               "planned", dt.date(2027, 4, 30), ("gda-ngo-orunia",)),
    ActionSpec("gda-stogi-youth", "Wieczory gier dla młodzieży w szkole",
               "done", dt.date(2026, 11, 15), ("gda-school-stogi",),
               "Odbyły się cztery wieczory; średnio 25 osób."),
    ActionSpec("gda-chelm-meeting-place", "Świetlica rodzinna w szkole po lekcjach",
               "planned", dt.date(2027, 3, 31), ("gda-council-chelm", "gda-mopr-south")),
    ActionSpec("gda-srodmiescie-homelessness", "Zimowe dyżury streetworkerów",
               "in_progress", dt.date(2027, 2, 28),
               ("gda-mopr-south", "gda-parish-srodmiescie")),
    ActionSpec("gda-nowy-port-after-school", "Zajęcia po lekcjach w domu kultury",
               "dropped", dt.date(2026, 10, 1), (),
               "Dom kultury nie ma wolnej sali w tygodniu; szukamy innego miejsca."),
)  # fmt: skip
AREAS = ("Chełm", "Orunia-Św. Wojciech-Lipce", "Stogi", "Śródmieście")


def load_plan(session: Session) -> int:
    """Load the Gdańsk partnership, its partners and the demo actions; how many actions added.

    Needs ``load_demo`` first (the districts, teams and needs). Safe to run again.
    """
    loader = _Loader(session)
    city = select(Area.id).where(Area.kind == "city", Area.name == "Gdańsk").scalar_subquery()
    districts = {
        a.name: a for a in session.scalars(
            select(Area).where(Area.kind == "district", Area.parent_id == city)
        )
    }
    team = session.scalars(select(Team).where(Team.code == TEAM)).one()
    partnerships = loader.partnerships({PARTNERSHIP: {
        "formed_on": FORMED_ON, "team_id": team.id,
        "description": "Ilustracyjne partnerstwo dzielnic Chełm, Orunia, Stogi i Śródmieście: "
        "plan działań w demo. / Illustrative partnership: the demo's action plan.",
        "source": f"{ILLUSTRATIVE}: invented for the demo",
    }})
    loader.links(PartnershipArea, "partnership_areas", ("partnership_id", "area_id"), [
        {"partnership_id": partnerships[PARTNERSHIP].id, "area_id": districts[name].id}
        for name in AREAS
    ])
    partners = loader.pins(Partner, "partners", {
        key: {
            "source": f"{ILLUSTRATIVE}: invented for the demo; {APPROXIMATE}",
            "name": name, "sector": sector, "area_id": districts[district].id,
            "geom": _point(_spot(to_shape(districts[district].geom), key)),
        }
        for key, name, sector, district, _role in PARTNERS
    })
    _join(loader, partnerships, partners, [
        (PARTNERSHIP, key, {"role": role, "joined_on": FORMED_ON})
        for key, _name, _sector, _district, role in PARTNERS
    ])
    session.flush()
    needs = {
        spec.need: session.scalars(
            select(Need).where(Need.source.endswith(_marker(spec.need)))
        ).first()
        for spec in ACTIONS
    }
    added = 0
    for spec in ACTIONS:
        need = needs[spec.need]
        if need is None or session.scalar(
            select(Action.id).where(Action.need_id == need.id, Action.title == spec.title)
        ) is not None:
            continue
        actions.create_action(
            session, DEMO_ACTOR, need.id, spec.title, description=spec.description or None,
            partner_ids=[partners[k].id for k in spec.partners], due_on=spec.due_on,
            status=spec.status,
        )
        added += 1
    return added
