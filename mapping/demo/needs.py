"""The illustrative needs of every city, linked to the resources that answer them."""

from __future__ import annotations

from mapping import catalog
from mapping.db.models import (
    Need,
    NeedResource,
    Resource,
)
from mapping.demo.facts import NEED_SOURCE, NEEDS
from mapping.demo.loader import _Loader, _Places, _point, _spot


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
