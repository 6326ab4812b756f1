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

Where things are: ``facts`` holds every table of the data set, ``loader`` finds
and adds rows batch by batch, and one module per city (``gdansk``,
``wroclaw``, ``sochaczew``) plus ``needs`` turns the facts into rows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

# The names a caller (the CLI, the tests) uses, all from here.
from mapping.demo.facts import (
    APPROXIMATE,
    ILLUSTRATIVE,
    NEED_SOURCE,
    SEED_SOCHACZEW,
    SEED_WROCLAW,
    VENUES_SOURCE,
)
from mapping.demo.gdansk import _load_gdansk, _load_gdansk_venues
from mapping.demo.loader import DemoError, DemoReport, _catalogue, _Loader
from mapping.demo.needs import _load_needs
from mapping.demo.sochaczew import _load_sochaczew
from mapping.demo.wroclaw import _load_wroclaw, _load_wroclaw_partnerships, _load_wroclaw_resources


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


__all__ = [
    "APPROXIMATE",
    "ILLUSTRATIVE",
    "NEED_SOURCE",
    "SEED_SOCHACZEW",
    "SEED_WROCLAW",
    "VENUES_SOURCE",
    "DemoError",
    "DemoReport",
    "load_demo",
]
