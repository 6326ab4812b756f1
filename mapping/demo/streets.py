"""The demo's walking network: real OpenStreetMap ways of five Gdańsk districts.

``mapping/data/gdansk_demo_streets.zip`` (ODbL, see the NOTICE beside it) is
read and noded by the same reader as ``calmap import streets`` and saved by
the same service, so the demo's gap view and action plan measure walking
distances on streets where the demo has needs. A network already loaded for
Gdańsk (an admin's own) is kept.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.db.street_models import StreetLayer
from mapping.io.street_files import read_streets
from mapping.services import streets
from mapping.services.accounts import Actor

DEMO_STREETS = Path(__file__).resolve().parent.parent / "data" / "gdansk_demo_streets.zip"
CITY = "Gdańsk"
# History and the street layer name who loaded them: the demo, with an admin's rights.
DEMO_ACTOR = Actor(id=0, username="calmap-demo", role="admin")


def load_streets(session: Session) -> streets.StreetSummary | None:
    """Save the demo's Gdańsk network unless Gdańsk has one; what was saved, or None."""
    if session.scalar(select(StreetLayer.id).where(StreetLayer.city == CITY)) is not None:
        return None
    network = read_streets(DEMO_STREETS)
    return streets.save_network(
        session, DEMO_ACTOR, network, f"{DEMO_STREETS.name} ({network.source_crs})", CITY
    )
