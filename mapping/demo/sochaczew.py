"""Sochaczew: the member bodies of „Teraz Sochaczew”, without places (no boundary in the demo)."""

from __future__ import annotations

import datetime as dt

from mapping.db.models import (
    Partner,
)
from mapping.demo.facts import SEED_SOCHACZEW, SOCHACZEW_MEMBERS
from mapping.demo.loader import _join, _Loader


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
