"""Real files of Polish cities, and the same data converted into every format we import.

The files are the repository's copies of ``../shared/data`` (``geodata/files/``
and ``tests/data/``, each with its SOURCES), except Warsaw's districts, whose
licence forbids a copy. The conversions are written by pyogrio into a test's
``tmp_path`` the way people receive them: a GeoPackage in EPSG:2180, a zipped
Shapefile with CP1250 attributes with or without its ``.cpg`` (and a folder
inside the zip), KML, and a Polish-Excel CSV (CP1250, semicolons) with a WKT
column.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

from tests.conftest import PROJECT_ROOT, SHARED_DATA, TEST_DATA

GEODATA_FILES = PROJECT_ROOT / "geodata" / "files"
WROCLAW_ESTATES = GEODATA_FILES / "wroclaw_osiedla_48.geojson"
WROCLAW_DISTRICTS = TEST_DATA / "boundaries" / "wroclaw_dzielnice_5_derived.geojson"
GDANSK_DISTRICTS = GEODATA_FILES / "gdansk_dzielnice.geojson"
GDANSK_VENUES = GEODATA_FILES / "gdansk_instytucje_kultury.geojson"
# Not copied into the repository: its source states no licence.
WARSAW_DISTRICTS = SHARED_DATA / "boundaries" / "warszawa_dzielnice.geojson"
BOUNDARIES = {path.name: path for path in (WROCLAW_ESTATES, GDANSK_DISTRICTS, WARSAW_DISTRICTS)}


def shared(path: Path) -> Path:
    """A data file a test reads: skipped on a laptop without ``../shared``, failed in CI.

    Only Warsaw's districts live outside the repository, so only they can be
    missing; CI places the shared data beside its clone, so there a missing
    file is a broken set-up, never a reason to skip.
    """
    if not path.exists():
        reason = f"shared data not available: {path}"
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared data beside its clone: {reason}")
        pytest.skip(reason)
    return path


def to_gpkg(frame: gpd.GeoDataFrame, folder: Path, crs: str = "EPSG:2180") -> Path:
    path = folder / "data.gpkg"
    frame.to_crs(crs).to_file(path, driver="GPKG", layer="areas")
    return path


def to_shapefile_zip(
    frame: gpd.GeoDataFrame,
    folder: Path,
    *,
    cpg: bool = True,
    crs: str = "EPSG:2180",
    inner: str = "granice/",
    prj: str | None = None,
    name: str = "data",
) -> Path:
    """A zipped Shapefile with CP1250 attributes, its files in a folder inside the zip."""
    shp_dir = folder / f"{name}_shp"
    shp_dir.mkdir()
    frame.to_crs(crs).to_file(shp_dir / f"{name}.shp", encoding="cp1250")
    if prj is not None:
        (shp_dir / f"{name}.prj").write_text(prj)
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        for part in sorted(shp_dir.iterdir()):
            if part.suffix == ".cpg" and not cpg:
                continue
            packed.write(part, inner + part.name)
    return path


def to_kml(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    path = folder / "data.kml"
    frame.to_crs("EPSG:4326").to_file(path, driver="KML")
    return path


def to_csv_wkt(frame: gpd.GeoDataFrame, folder: Path, column: str = "WKT") -> Path:
    """A CSV as Polish Excel saves it: CP1250, semicolons, the geometry as WKT."""
    table = frame.drop(columns=frame.geometry.name).copy()
    table[column] = frame.to_crs("EPSG:4326").geometry.to_wkt()
    path = folder / "data.csv"
    table.to_csv(path, sep=";", index=False, encoding="cp1250")
    return path
