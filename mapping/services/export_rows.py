"""The rows of every layer one actor may see, now or as of a moment: what exports are made of.

``read_export`` reads every layer in the caller's session (the caller owns
the transaction; for a signed-in user that is a restricted session, so the
database's row-level security applies too) and keeps only the rows the actor
may see: admins everything, editors team-only rows of their own teams only,
viewers public and partnership rows. ``mapping.io.export`` writes them in
every format; snapshots and the June pack read them too.

With ``as_of`` the layers are rebuilt from ``layer_history``: a row's state
at that moment is its last recorded version before it, and the row is absent
when that version is a delete or a retirement. History is readable by every
signed-in user, so the visibility rule is applied here, in Python, to every
version we use. Link tables without history (``partnership_area``,
``need_resource``) and the catalogue are taken as they are today, limited to
the rows that existed at that moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import catalog
from mapping import geometry as geometries
from mapping.analysis import map_units
from mapping.analysis.export_data import LOCAL_TIMEZONE, ExportData, Selection
from mapping.db.models import SRID
from mapping.errors import UserError
from mapping.services.accounts import Actor

LIST_SEPARATOR = ";"

# Every exported layer: column name → kind, in the order the files show them.
# Kinds: int, str, date, bool, list (codes joined by LIST_SEPARATOR).
_PIN_CONTACT = {"address": "str", "phone": "str", "email": "str", "www": "str"}
COLUMNS: dict[str, dict[str, str]] = {
    "area": {
        "id": "int", "name": "str", "kind": "str", "parent_id": "int", "team_id": "int",
        "population": "int", "streets": "str", "source": "str",
    },
    "resource": {
        "id": "int", "area_id": "int", "name": "str", "category": "str", "kind": "str",
        "description": "str", **_PIN_CONTACT, "opening_hours": "str", "target_groups": "list",
        "provider_partner_id": "int", "serves_from_outside": "bool", "verified_on": "date",
        "verified_by": "str", "visibility": "str", "source": "str",
    },
    "partner": {
        "id": "int", "area_id": "int", "name": "str", "sector": "str", "description": "str",
        **_PIN_CONTACT, "serves_from_outside": "bool", "visibility": "str", "source": "str",
    },
    "need": {
        "id": "int", "area_id": "int", "name": "str", "category": "str", "description": "str",
        "target_groups": "list", "priority": "int", "status": "str", "source_method": "str",
        "evidence": "str", "visibility": "str", "source": "str",
    },
    "team": {
        "id": "int", "code": "str", "name": "str", "city": "str", "description": "str",
        "source": "str",
    },
    "partnership": {
        "id": "int", "name": "str", "formed_on": "date", "description": "str", "team_id": "int",
        "source": "str",
    },
    "partnership_member": {
        "id": "int", "partnership_id": "int", "partner_id": "int", "role": "str",
        "joined_on": "date", "left_on": "date",
    },
    "partnership_area": {"partnership_id": "int", "area_id": "int"},
    "need_resource": {"need_id": "int", "resource_id": "int"},
    "need_partner": {"id": "int", "need_id": "int", "partner_id": "int"},
    "action": {
        "id": "int", "need_id": "int", "team_id": "int", "title": "str", "description": "str",
        "due_on": "date", "status": "str", "created_by": "str", "created_at": "str",
        "updated_by": "str", "updated_at": "str",
    },
    "action_partner": {"id": "int", "action_id": "int", "partner_id": "int"},
    "category": {
        "vocabulary": "str", "code": "str", "parent_code": "str", "label_pl": "str",
        "label_en": "str", "icon": "str", "colour": "str", "sensitive": "bool",
        "sort_order": "int",
    },
}  # fmt: skip
# The layers with a geometry, and its type in the files.
GEOMETRY_TYPES = {
    "area": "MultiPolygon",
    "resource": "Point",
    "partner": "Point",
    "need": "Point",
}
PIN_LAYERS = ("resource", "partner", "need")
# The layers whose rows have a history (and a version) in ``layer_history``.
HISTORY_LAYERS = ("team", "area", "resource", "partner", "partnership", "partnership_member",
                  "need", "need_partner", "action", "action_partner")
def as_of_moment(value: dt.date | dt.datetime | str | None) -> dt.datetime | None:
    """The moment an ``--as-of`` value stands for: a date means the end of that day in Poland.

    >>> as_of_moment("2026-06-01").isoformat()
    '2026-06-02T00:00:00+02:00'
    >>> as_of_moment(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)).isoformat()
    '2026-06-01T12:00:00+00:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value or " " in value.strip()
                else dt.date.fromisoformat(value.strip())
            )
        except ValueError:
            raise UserError("export.bad_date", value=value) from None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_TIMEZONE)
    next_day = value + dt.timedelta(days=1)
    return dt.datetime(next_day.year, next_day.month, next_day.day, tzinfo=LOCAL_TIMEZONE)


# --- reading ---------------------------------------------------------------------------


def _current_rows(session: Session, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as the history trigger would record it (``to_jsonb``).

    The same shape as a history version, so the present and any past moment
    go through one code path. Row-level security applies in a restricted session.
    """
    order = "t.id" if "id" in COLUMNS[table] else "1"
    result = session.execute(text(f"SELECT to_jsonb(t) FROM {table} t ORDER BY {order}"))
    return [row[0] for row in result]


def _rows_as_of(session: Session, table: str, moment: dt.datetime) -> list[dict[str, Any]]:
    """Each row's last recorded version before ``moment``; deleted rows left out."""
    result = session.execute(
        text(
            "SELECT DISTINCT ON (row_id) operation, row_data FROM layer_history "
            "WHERE table_name = :table AND changed_at < :moment "
            "ORDER BY row_id, changed_at DESC, id DESC"
        ),
        {"table": table, "moment": moment},
    )
    return [row.row_data for row in result if row.operation != "DELETE" and row.row_data]


def _live(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that are on the map: retired (soft-deleted) rows are history, not data."""
    return [row for row in rows if not row.get("retired_at")]


def _geometry(value: Any) -> BaseGeometry | None:
    """A geometry as ``to_jsonb`` wrote it (GeoJSON), or None."""
    if not value:
        return None
    if isinstance(value, str):
        # Hex WKB, in case a server casts geometries to text instead of GeoJSON.
        return geometries.from_wkb([bytes.fromhex(value)])[0]
    return geometries.from_geojson(value)


def _geometries(values: Sequence[Any]) -> list[BaseGeometry | None]:
    """``_geometry`` of each value; the 2-D points (most pins) made at once.

    ``shapely.geometry.shape`` takes ~25 µs a point, and a city's snapshot
    holds tens of thousands; ``shapely.points`` makes them all in one call.
    """
    out: list[BaseGeometry | None] = [None] * len(values)
    at, coordinates = [], []
    for i, value in enumerate(values):
        if (isinstance(value, dict) and value.get("type") == "Point"
                and len(xy := value.get("coordinates") or ()) == 2):
            at.append(i)
            coordinates.append(xy)
        elif value:
            out[i] = _geometry(value)
    if at:
        for i, point in zip(at, shapely.points(coordinates), strict=True):
            out[i] = point
    return out


def _may_see(actor: Actor, visibility: str | None, team_id: int | None) -> bool:
    """The rule of the database's ``calmap_may_see``, for rows read from history."""
    if actor.is_admin:
        return True
    if visibility in ("public", "partnership"):
        return True
    return actor.role == "editor" and team_id is not None and team_id in actor.team_ids


def read_export(
    session: Session,
    actor: Actor,
    *,
    team_id: int | None = None,
    area_id: int | None = None,
    as_of: dt.date | dt.datetime | str | None = None,
) -> ExportData:
    """Every layer's rows that ``actor`` may see, for a team, an area or everything.

    ``team_id`` limits the export to the areas the team owns and the areas
    inside them; ``area_id`` to that area and the areas inside it (both may
    be given). Pins go with their area (or, without one, with the area they
    lie in); partnerships with their team or the areas they cover, together
    with their member partners. ``as_of`` (a date: the end of that day in
    Poland, or an exact moment) rebuilds every layer from history.
    """
    moment = as_of_moment(as_of)

    def rows(table: str) -> list[dict[str, Any]]:
        if moment is not None and table in HISTORY_LAYERS:
            return _rows_as_of(session, table, moment)
        return _current_rows(session, table)

    areas = _live(rows("area"))
    area_team = {int(a["id"]): a.get("team_id") for a in areas}
    if area_id is not None and area_id not in area_team:
        raise UserError("export.unknown_area")

    def visible(row: dict[str, Any]) -> bool:
        area = row.get("area_id")
        return _may_see(actor, row.get("visibility"), area_team.get(area) if area else None)

    chosen = {layer: [r for r in _live(rows(layer)) if visible(r)] for layer in PIN_LAYERS}
    partnerships = _live(rows("partnership"))
    partnership_ids = {int(p["id"]) for p in partnerships}
    partner_ids = {int(r["id"]) for r in chosen["partner"]}
    # A membership of a partner the actor may not see would betray that it exists.
    members = [
        m for m in rows("partnership_member")
        if int(m["partnership_id"]) in partnership_ids and int(m["partner_id"]) in partner_ids
    ]
    resource_ids = {int(r["id"]) for r in chosen["resource"]}
    need_ids = {int(r["id"]) for r in chosen["need"]}
    needs_resources = [
        link for link in _current_rows(session, "need_resource")
        if int(link["need_id"]) in need_ids and int(link["resource_id"]) in resource_ids
    ]
    plan = _plan_rows(rows, need_ids, partner_ids)
    links = [
        x for x in _current_rows(session, "partnership_area")
        if int(x["partnership_id"]) in partnership_ids and int(x["area_id"]) in area_team
    ]
    teams = rows("team")

    frames: dict[str, pd.DataFrame] = {
        "area": _frame("area", areas),
        **{layer: _frame(layer, chosen[layer]) for layer in PIN_LAYERS},
        "team": _frame("team", teams),
        "partnership": _frame("partnership", partnerships),
        "partnership_member": _frame("partnership_member", members),
        "partnership_area": _frame("partnership_area", links),
        "need_resource": _frame("need_resource", needs_resources),
        **{table: _frame(table, found) for table, found in plan.items()},
        "category": _frame("category", _current_rows(session, "category")),
    }
    everything = ExportData(
        frames=frames,
        catalogue=catalog.entries(session),
        selection=Selection(as_of=moment),
        exported_at=dt.datetime.now(dt.UTC),
        exported_by=actor.username,
    )
    return map_units.select(everything, team_id=team_id, area_id=area_id)


def _plan_rows(
    rows: Any, need_ids: set[int], partner_ids: set[int]
) -> dict[str, list[dict[str, Any]]]:
    """The action plan and the hand links of the needs and partners already chosen.

    An action has no visibility of its own: it goes with its need. A link to a
    partner the actor may not see would betray that the partner exists, so it
    is left out (as the app's lists do).
    """
    actions = [a for a in rows("action") if int(a["need_id"]) in need_ids]
    action_ids = {int(a["id"]) for a in actions}
    return {
        "need_partner": [
            x for x in rows("need_partner")
            if int(x["need_id"]) in need_ids and int(x["partner_id"]) in partner_ids
        ],
        "action": actions,
        "action_partner": [
            x for x in rows("action_partner")
            if int(x["action_id"]) in action_ids and int(x["partner_id"]) in partner_ids
        ],
    }


def _column(kind: str, values: list[Any]) -> pd.Series | pd.api.extensions.ExtensionArray:
    """Values of one kind as a typed column (nullable integers, real dates)."""
    if kind == "int":
        return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
    if kind == "bool":
        return pd.array([bool(v) for v in values], dtype=bool)
    if kind == "date":
        dates = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        return pd.array(dates, dtype=pd.ArrowDtype(pa.date32()))
    if kind == "list":
        return pd.array(
            [LIST_SEPARATOR.join(v) if v else None for v in values], dtype=object
        )
    return pd.array([None if v is None else str(v) for v in values], dtype=object)


def _frame(layer: str, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The rows of one layer as a (Geo)DataFrame with the columns of ``COLUMNS``."""
    columns = COLUMNS[layer]
    order = sorted(rows, key=lambda r: tuple(r.get(c) or 0 for c in list(columns)[:2]))
    data = {name: _column(kind, [r.get(name) for r in order]) for name, kind in columns.items()}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(order)))
    if layer not in GEOMETRY_TYPES:
        return frame
    geometries = _geometries([r.get("geom") for r in order])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=SRID), crs=SRID)


# --- writing ---------------------------------------------------------------------------
