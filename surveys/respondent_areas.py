"""Which area a respondent belongs to: the estate they named, or the one their geopoint lies in.

Estates before districts before the city, then the smallest area: the most
specific place a survey can give. ``surveys.store`` uses it on import; the
geopoint itself is dropped after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from mapping.db.models import Team
from mapping.errors import NotFound
from mapping.services import layers
from surveys.answers import fold

_KIND_RANK = {"estate": 0, "district": 1, "city": 2}


@dataclass
class AreaIndex:
    """The areas respondents of one team's waves may be assigned to: by name and by point."""

    ids: list[int]
    names: list[str]
    kinds: list[str]
    geometries: list[BaseGeometry]
    city: str | None

    def __post_init__(self) -> None:
        """Index names and shapes once per import."""
        self._by_name: dict[str, int] = {}
        order = sorted(range(len(self.ids)), key=lambda i: _KIND_RANK.get(self.kinds[i], 3))
        for i in order:
            # An estate and a district may share a name (Wrocław's Stare Miasto): the estate wins.
            self._by_name.setdefault(fold(self.names[i]), self.ids[i])
        self._any = bool(self.geometries)
        self._rank = np.array([_KIND_RANK.get(k, 3) for k in self.kinds])
        self._size = np.array([g.area for g in self.geometries], dtype=float)

    def by_name(self, name: str) -> int | None:
        """The area named ``name`` (compared without case or diacritics)."""
        return self._by_name.get(fold(name))

    def locate(self, points: Sequence[tuple[float, float]]) -> list[int | None]:
        """The most specific area covering each (lon, lat) point, or None."""
        found: list[int | None] = [None] * len(points)
        if not points or not self._any:
            return found
        coords = np.asarray(points, dtype=float)
        geoms = cast(NDArray[np.object_], shapely.points(coords[:, 0], coords[:, 1]))
        # The points go into the tree and the areas ask it: GEOS prepares the
        # querying geometry, so each detailed ring is prepared once, not each point.
        area_index, point_index = shapely.STRtree(geoms).query(
            self.geometries, predicate="covers"
        )
        if not len(point_index):
            return found
        # Per point: estates before districts before the city, then the smallest.
        order = np.lexsort((self._size[area_index], self._rank[area_index], point_index))
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_index[order][1:] != point_index[order][:-1]
        for p, a in zip(point_index[order][first], area_index[order][first], strict=True):
            found[int(p)] = self.ids[int(a)]
        return found


def area_index(session: Session, team_id: int) -> AreaIndex:
    """The current areas of the team's city (its own, or that of the areas it owns)."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("account.unknown_team", team=team_id)
    city = team.city
    if city is None:
        owned = layers.areas(session, team_id=team_id)
        cities = [c for c in owned["city"] if c]
        city = cities[0] if cities else None
    frame = layers.areas(session, city=city) if city else layers.areas(session)
    geometries = [shapely.make_valid(g) for g in frame.geometry]
    return AreaIndex(
        ids=[int(i) for i in frame["id"]],
        names=[str(n) for n in frame["name"]],
        kinds=[str(k) for k in frame["kind"]],
        geometries=geometries,
        city=city,
    )
