"""The table of population points (migration 0011_population).

``mapping.db.models`` imports this module so that its ``Base.metadata`` holds
it too. The code that uses it lives in ``mapping.services.population``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from mapping.db.models import SRID, Base


class PopulationPoint(Base):
    """Residents at one place: an address point, or a population grid cell's inner point."""

    __tablename__ = "population_point"
    __table_args__ = (
        CheckConstraint("residents >= 0", name="ck_population_point_residents"),
        Index("idx_population_point_geom", "geom", postgresql_using="gist"),
        Index("ix_population_point_city", "city"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), nullable=False, server_default="")
    geom: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False), nullable=False
    )
    residents: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    imported_by: Mapped[str | None] = mapped_column(String(64))


class PopulationLayer(Base):
    """What one city's population layer was read from: file, field, points or grid, CRS."""

    __tablename__ = "population_layer"

    city: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    field: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    crs: Mapped[str] = mapped_column(String(200), nullable=False)
    attribution: Mapped[str] = mapped_column(String(300), nullable=False, server_default="")
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    imported_by: Mapped[str | None] = mapped_column(String(64))
