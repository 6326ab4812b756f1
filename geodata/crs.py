"""Which coordinate reference system a file is in, and its features in EPSG:4326.

A declared CRS wins (a note says so when it differs from the one given);
GeoJSON and KML are EPSG:4326 by definition; a shapefile's broken ``.prj``
is refused with what it says; a file that declares none is refused with the
Polish CRS its coordinates fit (``guess_polish_crs``). Coordinates that are
not finite, or that lie nowhere near their CRS's area, are refused too.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from geodata.features import WGS84, Features, FormatError, Note

# Formats whose coordinates are longitude/latitude by definition (RFC 7946,
# OGC KML); a WKT table usually is too, and the Poland check catches it when not.
_ALWAYS_WGS84 = ("GeoJSON", "KML")
# CRSs in which Polish files are delivered, tried when a file declares none:
# PUWG 1992 and the four PL-2000 zones. Their coordinate ranges do not overlap,
# so at most one of them puts a file in Poland.
POLISH_CRSS = ("EPSG:2180", "EPSG:2176", "EPSG:2177", "EPSG:2178", "EPSG:2179")
# Poland's bounding box with a margin (lon/lat), for telling which CRS fits.
_POLAND_BOX = (13.5, 48.5, 24.5, 55.2)


def parse_crs(crs: str | None) -> CRS | None:
    """The CRS named by ``crs`` (``EPSG:2180``, ``2180``, WKT, PROJ), or FormatError."""
    if crs is None or not str(crs).strip():
        return None
    text = str(crs).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise FormatError("bad_crs", f"unknown CRS {crs!r}", crs=crs) from None


def _in_wgs84(frame: gpd.GeoDataFrame, **info: Any) -> Features:
    source = frame.geometry.copy()
    _check_finite(source, info["rows"])
    _check_looks_like_its_crs(source, info["source_crs"])
    if info["source_crs"] != WGS84:
        with warnings.catch_warnings():
            # Wrong-axis coordinates reproject to inf with a warning; the
            # Poland check reports them feature by feature.
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = frame.to_crs(WGS84)
    return Features(frame=frame, source_geometry=source, **info)


def _usable_prj(path: Path, given: CRS | None, target: Path) -> Path:
    """The shapefile to read: as it is, or (CRS given, ``.prj`` unreadable) a copy without it.

    GDAL either fails on a broken ``.prj`` or silently reads no CRS; both
    must end in a clear message, or in the CRS the user gave.
    """
    prj = _sibling(path, ".prj")
    if prj is None:
        return path
    text = _prj_text(prj)
    try:
        CRS.from_user_input(text)
    except CRSError:
        if given is None:
            raise _bad_prj(prj, text) from None
    else:
        return path
    target.mkdir(parents=True, exist_ok=True)
    for part in path.parent.iterdir():
        if part.stem == path.stem and part.suffix.lower() in (".shp", ".shx", ".dbf", ".cpg"):
            shutil.copyfile(part, target / part.name)
    return target / path.name


def _prj_text(prj: Path) -> str:
    content = prj.read_bytes()[:100_000]
    try:
        return content.decode("utf-8").strip()
    except UnicodeDecodeError:
        return content.decode("latin-1").strip()


def _bad_prj(prj: Path, text: str) -> FormatError:
    return FormatError(
        "bad_prj",
        f"{prj.name} cannot be understood as a CRS ({text[:80]!r}); give the CRS, e.g. EPSG:2180",
        text=text[:80],
    )


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _source_crs(
    frame: gpd.GeoDataFrame, path: Path, kind: str, given: CRS | None, notes: list[Note]
) -> str:
    declared = frame.crs
    if declared is not None:
        if given is not None and CRS(declared) != given:
            notes.append(
                Note("crs_ignored", {"file_crs": _crs_name(declared), "crs": _crs_name(given)})
            )
        return _crs_name(declared)
    prj = _sibling(path, ".prj") if kind == "ESRI Shapefile" else None
    if given is not None:
        return _crs_name(given)
    if prj is not None:
        raise _bad_prj(prj, _prj_text(prj))
    if kind in _ALWAYS_WGS84:
        return WGS84
    guess = guess_polish_crs(frame.geometry)
    raise FormatError(
        "no_crs",
        f"{path.name} declares no CRS; give the one it uses"
        + (f" (its coordinates fit {guess})" if guess else ", e.g. EPSG:2180"),
        guess=guess or "EPSG:2180",
    )


def _crs_name(crs: Any) -> str:
    crs = CRS(crs)
    if len(crs.axis_info) > 2:
        # A height axis (GDAL reads a GeoJSON with Z as EPSG:4979): areas and
        # pins are stored flat, so the horizontal CRS is the one to name and use.
        crs = crs.to_2d()
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    # OGC:CRS84 is EPSG:4326 with the axes the way GeoJSON writes them.
    if crs.equals(CRS("OGC:CRS84"), ignore_axis_order=True):
        return WGS84
    authority = crs.to_authority()
    return ":".join(authority) if authority else crs.to_wkt()


def guess_polish_crs(geometry: gpd.GeoSeries | Sequence[BaseGeometry]) -> str | None:
    """The one national CRS (PUWG 1992, PL-2000 zones) that puts these coordinates in Poland.

    >>> from shapely.geometry import Point
    >>> guess_polish_crs([Point(6542396.52, 6024557.36)]), guess_polish_crs([Point(1, 1)])
    ('EPSG:2177', None)
    """
    values = [g for g in geometry if g is not None and not g.is_empty]
    if not values:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(values, dtype=object))
    fits = []
    for crs in POLISH_CRSS:
        transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lons, lats = transformer.transform([x0, x1], [y0, y1])
        west, south, east, north = _POLAND_BOX
        if all(west <= lon <= east for lon in lons) and all(south <= lat <= north for lat in lats):
            fits.append(crs)
    return fits[0] if len(fits) == 1 else None


def _check_finite(geometry: gpd.GeoSeries, rows: Sequence[int]) -> None:
    """Refuse NaN or infinite coordinates, naming the first feature that has them.

    They come from broken exports (``NaN`` and ``Infinity`` written into
    GeoJSON); left in, they would pass for "metres, not degrees" or make
    every later check meaningless.
    """
    coordinates, owners = shapely.get_coordinates(
        np.asarray(geometry, dtype=object), return_index=True
    )
    bad = ~np.isfinite(coordinates).all(axis=1)
    if bad.any():
        row = rows[int(owners[bad][0])]
        raise FormatError(
            "not_finite", f"feature {row} has coordinates that are NaN or infinite", row=row
        )


def _check_looks_like_its_crs(geometry: gpd.GeoSeries, source_crs: str) -> None:
    """Refuse metres read as degrees: a table or file said (or assumed) lon/lat but is projected."""
    if not CRS(source_crs).is_geographic:
        return
    values = geometry[geometry.notna() & ~geometry.is_empty]
    if not len(values):
        return
    x0, y0, x1, y1 = values.total_bounds
    if max(abs(x0), abs(x1)) <= 180 and max(abs(y0), abs(y1)) <= 90:
        return
    guess = guess_polish_crs(values)
    raise FormatError(
        "looks_projected",
        f"the coordinates (e.g. {x0:.0f}, {y0:.0f}) are not degrees: give the CRS"
        + (f", probably {guess}" if guess else ", e.g. EPSG:2180"),
        x=f"{x0:.0f}",
        y=f"{y0:.0f}",
        guess=guess or "EPSG:2180",
    )
