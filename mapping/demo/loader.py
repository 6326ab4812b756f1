"""How the demo finds the rows already there and adds the rest, and the helpers every city uses."""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from geodata.boundaries import RepairNote
from mapping import catalog, geometry
from mapping.db.models import (
    Area,
    Partner,
    Partnership,
    PartnershipMember,
    Team,
)
from mapping.demo.facts import (
    NEEDS,
    PARTNER_EXTRAS,
    PARTNER_TEMPLATE,
    SOCHACZEW_MEMBERS,
    VENUE_CATEGORIES,
    WROCLAW_RESOURCES,
)


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
    return geometry.to_database(shape)


def _point(point: Point) -> Any:
    return geometry.to_database(point)


def _repair_text(note: RepairNote | None) -> str:
    if note is None:
        return ""
    return f"; geometry repaired ({note.problem}; make_valid, non-polygonal parts dropped)"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return ""
    return str(value).strip()
