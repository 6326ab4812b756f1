"""Whether a marked point lies in the chosen area, asked the moment it is marked.

A worker walking an estate taps the map or takes the device's position; a
point outside the chosen area would only be refused at Save, after the form
was filled. ``check_marked`` applies the save's own rule
(``pins.check_placement``) at once and, when it refuses, names the area the
point does lie in (or the nearest one), so the worker knows where they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapping import geometry
from mapping.db.models import Area
from mapping.errors import UserError, ValidationError
from mapping.services import pins, validation

# The save's refusals that mean "not in this area" (the others are about the point itself).
OUTSIDE_KEYS = ("error.point_outside_area", "error.point_outside_area_need")


@dataclass(frozen=True)
class NearestArea:
    """The area a point lies in (``metres`` 0) or, if none, the closest one."""

    id: int
    name: str
    metres: float


def nearest_area(
    session: Session, point: tuple[float, float], *, other_than: int | None = None
) -> NearestArea | None:
    """The smallest area covering the (lon, lat) point, else the nearest; None without areas.

    Retired areas are left out, and so is ``other_than`` (the chosen area).
    """
    errors: dict[str, str] = {}
    shape = validation.check_point(point[0], point[1], errors)
    if shape is None:
        return None
    here = geometry.as_sql(geometry.to_database(shape))
    metres = func.ST_Distance(func.geography(Area.geom), func.geography(here))
    query = (
        select(Area.id, Area.name, metres)
        .where(Area.retired_at.is_(None))
        # Covering areas first (distance 0), the smallest of them: a district before its city.
        .order_by(metres, func.ST_Area(Area.geom), Area.id)
        .limit(1)
    )
    if other_than is not None:
        query = query.where(Area.id != other_than)
    row = session.execute(query).first()
    return NearestArea(int(row[0]), str(row[1]), float(row[2])) if row else None


def check_marked(
    session: Session, layer: str, area_id: int | None, point: tuple[float, float]
) -> None:
    """Refuse a point marked outside the chosen area, naming the area it lies in or is near.

    Raises ``UserError("error.point_in_other_area")`` or
    ``UserError("error.point_outside_nearest")`` (params ``area``: that area's
    name, ``metres``: how far it is) or, with no other area to name, the
    save's own ``ValidationError``.
    """
    try:
        pins.check_placement(session, layer, area_id, point)
    except ValidationError as refused:
        if refused.fields.get("point") not in OUTSIDE_KEYS:
            raise
        nearest = nearest_area(session, point, other_than=area_id)
        if nearest is None:
            raise
        key = "error.point_in_other_area" if nearest.metres < 1 else "error.point_outside_nearest"
        raise UserError(key, area=nearest.name, metres=round(nearest.metres)) from None
