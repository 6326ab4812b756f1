"""Real files from ``../shared/data``, and the same data converted into every format we import.

The conversions are written by pyogrio into a test's ``tmp_path`` the way
people receive them: a GeoPackage in EPSG:2180, a zipped Shapefile with
CP1250 attributes with or without its ``.cpg`` (and a folder inside the zip),
KML, and a Polish-Excel CSV (CP1250, semicolons) with a WKT column.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

from tests.conftest import SHARED_DATA

BOUNDARIES = SHARED_DATA / "boundaries"
WROCLAW_ESTATES = BOUNDARIES / "wroclaw_osiedla_48.geojson"
WROCLAW_DISTRICTS = BOUNDARIES / "wroclaw_dzielnice_5_derived.geojson"
GDANSK_DISTRICTS = BOUNDARIES / "gdansk_dzielnice.geojson"
WARSAW_DISTRICTS = BOUNDARIES / "warszawa_dzielnice.geojson"
GDANSK_VENUES = SHARED_DATA / "poi" / "gdansk_instytucje_kultury.geojson"


def shared(path: Path) -> Path:
    """A file of the shared data; the test is skipped on a laptop without it (CI has it)."""
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
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
