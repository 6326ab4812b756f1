"""A population layer from a file: address points with residents, or a population grid.

Any format and CRS the imports read (``feature_files.open_features``:
GeoJSON, GeoPackage, zipped Shapefile, KML, CSV/XLSX with coordinates or
WKT). Points (an address point and its residents) are kept as they are. A
polygon is a cell of a population grid, such as GUS's 1 km or 250 m grid with
its ``TOT`` field: the whole cell is counted at a point inside it (its centroid
for a square cell). Counting cells whole rather than splitting them by area
keeps every count an integer a person can check against the source; at 250 m
the error at an estate's edge is a fraction of one cell.

Every problem refuses the whole file, with the row and value to fix: no
such field, a count that is not a whole number of zero or more, a feature
without a place, a line instead of a point or polygon, coordinates that are
no longer and latitude (a projected file read without its CRS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mapping.errors import UserError
from mapping.io import feature_files
from mapping.io.feature_files import SourceOptions

# Field names population files use, in the order they are tried (compared folded).
USUAL_FIELDS = (
    "tot", "ludnosc", "ludność", "liczba_ludnosci", "mieszkancy", "mieszkańcy",
    "liczba_mieszkancow", "residents", "population", "pop", "tot_pop",
)
# More than any one point or grid cell can hold (a 1 km cell of Warsaw: some 30,000).
MAX_RESIDENTS = 1_000_000


@dataclass(frozen=True)
class PopulationFile:
    """Points (lon, lat in EPSG:4326) and their residents, read from one file.

    ``kind`` is ``"points"`` or ``"grid"`` (polygons counted at an inner point);
    ``source_crs`` is the CRS the file was read in.
    """

    name: str
    field: str
    kind: str
    lons: np.ndarray
    lats: np.ndarray
    residents: np.ndarray
    source_crs: str = ""

    @property
    def total(self) -> int:
        """Every resident the file counts."""
        return int(self.residents.sum())


def _field(columns: list[str], given: str | None, name: str) -> str:
    by_fold = {c.strip().casefold(): c for c in columns}
    if given is not None:
        found = by_fold.get(given.strip().casefold())
        if found is None:
            raise UserError("population.no_field", field=given, name=name,
                            columns=", ".join(columns) or "-")
        return found
    for usual in USUAL_FIELDS:
        if usual in by_fold:
            return by_fold[usual]
    raise UserError("population.no_usual_field", name=name, columns=", ".join(columns) or "-")


def _count(value: Any, row: int) -> int:
    """A count of residents: a whole number ≥ 0 (``12``, ``12.0``, ``"12"``)."""
    number: float | None
    try:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        number = float(text) if value is not None and text else None
    except ValueError:
        number = None
    if (number is None or not math.isfinite(number) or number != round(number)
            or number > MAX_RESIDENTS):
        raise UserError("population.bad_count", row=row, value=str(value)[:40])
    if number < 0:
        raise UserError("population.negative_count", row=row, value=str(value)[:40])
    return int(number)


def read_population(
    path: Path, field: str | None = None, crs: str | None = None, layer: str | None = None
) -> PopulationFile:
    """Read a population file; ``UserError`` (nothing read) at its first problem."""
    if not path.exists():
        raise UserError("population.unreadable", name=path.name)
    found = feature_files.open_features(path, options=SourceOptions(crs=crs, layer=layer))
    frame = found.frame
    if not len(frame):
        raise UserError("population.empty", name=path.name)
    columns = found.attribute_columns
    column = _field(columns, field, path.name)
    lons: list[float] = []
    lats: list[float] = []
    counts: list[int] = []
    kinds: set[str] = set()
    for position, (geometry, value) in enumerate(
        zip(frame.geometry, frame[column], strict=True)
    ):
        row = found.rows[position]
        if geometry is None or geometry.is_empty:
            raise UserError("population.no_geometry", row=row)
        if geometry.geom_type in ("Point", "MultiPoint"):
            point = geometry if geometry.geom_type == "Point" else geometry.centroid
            kinds.add("points")
        elif geometry.geom_type in ("Polygon", "MultiPolygon"):
            point = shapely.point_on_surface(geometry)
            if geometry.geom_type == "Polygon" and not geometry.interiors:
                # A grid cell: its centroid, which is inside a convex cell.
                centroid = geometry.centroid
                point = centroid if geometry.contains(centroid) else point
            kinds.add("grid")
        else:
            raise UserError("population.bad_geometry", row=row, kind=geometry.geom_type)
        if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
            raise UserError("population.wrong_crs", name=path.name, row=row)
        lons.append(point.x)
        lats.append(point.y)
        counts.append(_count(value, row))
    return PopulationFile(
        name=path.name, field=column, kind="grid" if "grid" in kinds else "points",
        lons=np.array(lons), lats=np.array(lats), residents=np.array(counts, dtype=np.int64),
        source_crs=str(found.source_crs or ""),
    )
