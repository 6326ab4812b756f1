"""Tables of the walking street network and the coverage cache (migration 0009_streets).

``mapping.db.models`` imports this module so that its ``Base.metadata`` holds
them too. The code that uses them lives in ``mapping.services.streets`` and
``mapping.services.coverage``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from mapping.db.models import SRID, Base


class StreetLayer(Base):
    """One walkable street network (per city), with its source and attribution."""

    __tablename__ = "street_layer"
    __table_args__ = (UniqueConstraint("city", name="uq_street_layer_city"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), nullable=False, server_default="")
    source_name: Mapped[str] = mapped_column(String(300), nullable=False)
    attribution: Mapped[str] = mapped_column(String(300), nullable=False)
    edge_count: Mapped[int] = mapped_column(Integer, nullable=False)
    vertex_count: Mapped[int] = mapped_column(Integer, nullable=False)
    component_count: Mapped[int] = mapped_column(Integer, nullable=False)
    length_km: Mapped[float] = mapped_column(Float, nullable=False)
    imported_by: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class StreetVertex(Base):
    """A junction or end of the network; ``component`` 0 is the largest connected part."""

    __tablename__ = "street_vertex"
    __table_args__ = (
        Index("idx_street_vertex_geom", "geom", postgresql_using="gist"),
        Index("ix_street_vertex_layer_id", "layer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), nullable=False
    )
    component: Mapped[int] = mapped_column(Integer, nullable=False)
    geom: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False), nullable=False
    )


class StreetEdge(Base):
    """A walkable piece of street between two vertices, its length in metres."""

    __tablename__ = "street_edge"
    __table_args__ = (
        Index("idx_street_edge_geom", "geom", postgresql_using="gist"),
        Index("ix_street_edge_layer_id", "layer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[int] = mapped_column(Integer, nullable=False)
    target: Mapped[int] = mapped_column(Integer, nullable=False)
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(
        Geometry("LINESTRING", srid=SRID, spatial_index=False), nullable=False
    )


class CoverageRun(Base):
    """Walking distances from one category's sources to every vertex in reach (packed arrays).

    ``vertices`` (int32), ``metres`` (float32), ``sources`` (int32 pin ids) and
    ``straight`` (uint8: measured in a straight line) are parallel arrays.
    """

    __tablename__ = "coverage_run"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), nullable=False
    )
    source_layer: Mapped[str] = mapped_column(String(16), nullable=False)
    limit_m: Mapped[int] = mapped_column(Integer, nullable=False)
    source_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    vertices: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    metres: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sources: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    straight: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class WalkingAreaCache(Base):
    """A resource's 5/10/15-minute walking areas (WKB), kept for its version and street layer.

    ``street_layer_id`` is NULL for straight-line circles (migration 0012_walking_cache).
    """

    __tablename__ = "walking_area_cache"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    resource_version: Mapped[int] = mapped_column(Integer, nullable=False)
    street_layer_id: Mapped[int | None] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE")
    )
    distance_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    attribution: Mapped[str | None] = mapped_column(String(300))
    outline_5: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    outline_10: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    outline_15: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    computed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class CoverageAreaVertex(Base):
    """The street junctions inside one area (packed int32 ids), for the stamp they were matched at.

    ``stamp``: md5 of the layer's import time and the area's outline; another
    stamp means the row is stale (migration 0013_coverage_areas).
    """

    __tablename__ = "coverage_area_vertex"

    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(64), nullable=False)
    vertices: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class CoverageFlat(Base):
    """One straight-line coverage cell's answer under a digest of its inputs (0013_coverage_areas).

    The nearest addresser is kept as layer, id and metres (its name is read
    from the pin); ``in_reach``: the cell's needs within the limit.
    """

    __tablename__ = "coverage_flat"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), nullable=False
    )
    share: Mapped[float | None] = mapped_column(Float)
    nearest_layer: Mapped[str | None] = mapped_column(String(16))
    nearest_id: Mapped[int | None] = mapped_column(Integer)
    metres: Mapped[float | None] = mapped_column(Float)
    in_reach: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class CoverageAnswer(Base):
    """One coverage question's answer on a street layer (JSON) under a digest of its inputs.

    See ``mapping.services.coverage_answers`` and migration 0013_coverage_areas.
    """

    __tablename__ = "coverage_answer"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), nullable=False
    )
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    run_digests: Mapped[list[str]] = mapped_column(ARRAY(String(64)), nullable=False)
    need_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class CoverageSnap(Base):
    """A pin's nearest junction of a street layer, for the pin's version (0013_coverage_areas).

    ``stamp``: the layer's import time; ``vertex_id`` NULL when the layer has none.
    """

    __tablename__ = "coverage_snap"

    layer_id: Mapped[int] = mapped_column(
        ForeignKey("street_layer.id", ondelete="CASCADE"), primary_key=True
    )
    pin_layer: Mapped[str] = mapped_column(String(16), primary_key=True)
    pin_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    stamp: Mapped[str] = mapped_column(String(64), nullable=False)
    vertex_id: Mapped[int | None] = mapped_column(Integer)
    component: Mapped[int | None] = mapped_column(Integer)
    snap_m: Mapped[float | None] = mapped_column(Float)
