"""The walkable street network in the database: save one per city, find it, describe it.

A network comes from ``mapping.io.street_files`` already noded; saving it
replaces the city's previous network (and the coverage computed on it) in one
statement sequence of the caller's transaction, so a failure leaves the old
one in place. Streets are public reference data: everyone signed in reads
them, only admins (and the owner at the terminal) write. The attribution saved
with the layer ("© OpenStreetMap contributors (ODbL)") goes with every distance
measured on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from mapping.db import set_app_user
from mapping.db.street_models import StreetLayer
from mapping.errors import PermissionDenied, UserError
from mapping.services.accounts import Actor

if TYPE_CHECKING:
    from mapping.io.street_files import Network

# A network none of whose streets comes this close to an area serves no area.
NEAR_AREAS_M = 2_000
_CHUNK = 20_000


@dataclass(frozen=True)
class StreetSummary:
    """A saved network: how big, how connected, where from."""

    layer_id: int
    city: str
    source_name: str
    attribution: str
    edge_count: int
    vertex_count: int
    component_count: int
    largest_share: float
    length_km: float
    imported_at: dt.datetime | None = None
    imported_by: str | None = None


def pgrouting_available(session: Session) -> bool:
    """True when the database has pgRouting (else distances are straight lines)."""
    return bool(session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')")
    ))


def save_network(
    session: Session, actor: Actor, network: Network, source_name: str, city: str = ""
) -> StreetSummary:
    """Store a noded network as the streets of ``city``, replacing the previous one; admins only.

    Refuses a network that comes near no area while areas exist (a file of
    another city, or in a wrong CRS), with nothing saved.
    """
    if not actor.is_admin:
        raise PermissionDenied("streets.admins_only")
    set_app_user(session, actor.username)
    if not len(network.sources):
        raise UserError("streets.no_lines", name=source_name)
    min_x, min_y = network.vertices.min(axis=0)
    max_x, max_y = network.vertices.max(axis=0)
    has_areas, near = session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM area WHERE retired_at IS NULL), "
            "EXISTS (SELECT 1 FROM area WHERE retired_at IS NULL AND ST_DWithin("
            "CAST(geom AS geography), CAST(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) "
            "AS geography), :near))"
        ),
        {"x0": min_x, "y0": min_y, "x1": max_x, "y1": max_y, "near": NEAR_AREAS_M},
    ).one()
    if has_areas and not near:
        raise UserError("streets.far_from_areas", name=source_name)
    session.execute(text("LOCK TABLE street_layer IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(StreetLayer).where(StreetLayer.city == city))
    layer = StreetLayer(
        city=city, source_name=source_name[:300], attribution=network.attribution[:300],
        edge_count=len(network.sources), vertex_count=len(network.vertices),
        component_count=network.component_count, length_km=0.0,
        imported_by=actor.username,
    )
    session.add(layer)
    session.flush()
    # Ids go on from the highest so far: vertex ids are pgRouting's vids, unique overall.
    base_v, base_e = session.execute(text(
        "SELECT coalesce((SELECT max(id) FROM street_vertex), 0), "
        "coalesce((SELECT max(id) FROM street_edge), 0)"
    )).one()
    xs, ys = network.vertices[:, 0].tolist(), network.vertices[:, 1].tolist()
    comps = network.component.tolist()
    for start in range(0, len(xs), _CHUNK):
        stop = start + _CHUNK
        session.execute(
            text(
                "INSERT INTO street_vertex (id, layer_id, component, geom) "
                "SELECT :base + n, :layer, c, ST_SetSRID(ST_MakePoint(x, y), 4326) "
                "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[]), "
                "CAST(:cs AS integer[])) WITH ORDINALITY AS t(x, y, c, n)"
            ),
            {"base": base_v + start, "layer": layer.id, "xs": xs[start:stop],
             "ys": ys[start:stop], "cs": comps[start:stop]},
        )
    wkb = shapely.to_wkb(network.geometries, hex=True)
    src = (network.sources + base_v + 1).tolist()
    tgt = (network.targets + base_v + 1).tolist()
    for start in range(0, len(src), _CHUNK):
        stop = start + _CHUNK
        session.execute(
            text(
                "INSERT INTO street_edge (id, layer_id, source, target, name, geom, length_m) "
                "SELECT :base + n, :layer, s, t, nm, g, ST_Length(CAST(g AS geography)) "
                "FROM (SELECT n, s, t, nm, ST_SetSRID(ST_GeomFromWKB(decode(w, 'hex')), 4326) g "
                "      FROM unnest(CAST(:src AS integer[]), CAST(:tgt AS integer[]), "
                "      CAST(:names AS text[]), CAST(:wkb AS text[])) "
                "      WITH ORDINALITY AS u(s, t, nm, w, n)) q"
            ),
            {"base": base_e + start, "layer": layer.id, "src": src[start:stop],
             "tgt": tgt[start:stop], "names": network.names[start:stop],
             "wkb": list(wkb[start:stop])},
        )
    layer.length_km = float(session.scalar(
        text("SELECT coalesce(sum(length_m), 0) / 1000 FROM street_edge WHERE layer_id = :l"),
        {"l": layer.id},
    ) or 0.0)
    session.flush()
    session.execute(text("ANALYZE street_vertex"))
    session.execute(text("ANALYZE street_edge"))
    return summary(session, layer.id)


def summary(session: Session, layer_id: int) -> StreetSummary:
    """What a saved network holds."""
    layer = session.get(StreetLayer, layer_id)
    if layer is None:
        raise UserError("streets.not_found", id=layer_id)
    largest = session.scalar(
        text("SELECT count(*) FROM street_vertex WHERE layer_id = :l AND component = 0"),
        {"l": layer_id},
    ) or 0
    return StreetSummary(
        layer_id=layer.id, city=layer.city, source_name=layer.source_name,
        attribution=layer.attribution, edge_count=layer.edge_count,
        vertex_count=layer.vertex_count, component_count=layer.component_count,
        largest_share=largest / layer.vertex_count if layer.vertex_count else 0.0,
        length_km=round(layer.length_km, 1),
        imported_at=layer.imported_at, imported_by=layer.imported_by,
    )


def layers(session: Session) -> list[StreetSummary]:
    """Every saved network, by city."""
    ids = session.scalars(select(StreetLayer.id).order_by(StreetLayer.city)).all()
    return [summary(session, layer_id) for layer_id in ids]


def remove_network(session: Session, actor: Actor, city: str = "") -> bool:
    """Forget the streets of ``city`` (distances go back to straight lines); admins only."""
    if not actor.is_admin:
        raise PermissionDenied("streets.admins_only")
    set_app_user(session, actor.username)
    removed = session.scalars(
        delete(StreetLayer).where(StreetLayer.city == city).returning(StreetLayer.id)
    ).all()
    return bool(removed)
