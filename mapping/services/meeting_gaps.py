"""The gap view of a partnership meeting: unmet needs per area, as any viewer may count them.

The presenter's map (and a share link's) can show the coverage-gaps
choropleth for the areas in its sequence. It is read as an *audience*, an
actor with no team: so no team-only need or resource is ever counted, and
every count below the disclosure threshold is withheld
(``mapping.services.coverage``). A share link's audience sees public pins
only, as the database shows its session; a signed-in presenter's sees public
and partnership pins, as the rest of the presenter's map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.services import coverage
from mapping.services.accounts import Actor
from mapping.services.coverage import Cell


@dataclass(frozen=True)
class _PublicAudience(Actor):
    """A viewer who sees public pins only: the audience of a share link."""

    def visibilities(self) -> tuple[str, ...]:
        """Public pins only."""
        return ("public",)


AUDIENCE = Actor(id=0, username="", role="viewer")
PUBLIC_AUDIENCE = _PublicAudience(id=0, username="", role="viewer")


@dataclass(frozen=True)
class MeetingGaps:
    """The cells of the areas shown, the categories' labels and how distances were measured."""

    cells: tuple[Cell, ...]
    labels: dict[str, str]
    straight_line: bool
    attribution: str | None = None


def meeting_gaps(
    session: Session, area_ids: Sequence[int], language: str = "pl", *,
    public_only: bool = False,
) -> MeetingGaps | None:
    """The coverage cells of these areas for an audience with no team; None without areas.

    A city's outline is no area of its own (coverage is per district or estate),
    nor is a retired area.
    """
    counted = [int(i) for i in session.scalars(
        text("SELECT id FROM area WHERE id = ANY (CAST(:ids AS integer[])) "
             "AND kind <> 'city' AND retired_at IS NULL ORDER BY id"),
        {"ids": list(area_ids)},
    )]
    if not counted:
        return None
    audience = PUBLIC_AUDIENCE if public_only else AUDIENCE
    found = coverage.compute(session, audience, area_ids=counted)
    entries = catalog.by_code(session, "need_category")
    return MeetingGaps(
        cells=tuple(found.cells),
        labels={code: e.label(language) for code, e in entries.items()},
        straight_line=found.distance_kind == coverage.STRAIGHT_LINE,
        attribution=found.attribution,
    )
