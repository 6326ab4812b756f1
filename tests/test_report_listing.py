"""The deck's and poster's table rows read a missing value as empty, whatever pandas holds."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from mapping.reports import listing, poster_blocks
from tests import report_content_fixtures as fixtures

MISSING = (None, math.nan, pd.NA)


@pytest.fixture(scope="module", params=range(len(MISSING)), ids=["None", "NaN", "NA"])
def holey(request):
    """Each layer with one pin whose optional values are all missing, in one of pandas' ways."""
    gap = MISSING[request.param]
    content = fixtures.content({"resource": 2, "partner": 2, "need": 2})
    for layer, frame in content.pins.items():
        extra = pd.DataFrame({"id": [99], "name": ["Ąaa pierwszy"], "category": [gap],
                              "address": [gap], "status": [gap], "priority": [gap],
                              "target_groups": [gap], "partnerships": [gap]})
        content.pins[layer] = gpd.GeoDataFrame(
            pd.concat([frame, extra], ignore_index=True),
            geometry=[*frame.geometry, Point(17.03, 51.12)], crs="EPSG:4326")
    return content


@pytest.mark.parametrize("layer", ["resource", "partner", "need"])
def test_deck_rows_show_missing_values_as_empty(holey, layer):
    table = listing.pin_table(holey, layer)
    [row] = [r for r in table.rows if r[0] == "Ąaa pierwszy"]
    assert row[1:] == ("",) * (len(row) - 1)
    assert table.total == 3


@pytest.mark.parametrize("layer", ["resource", "partner", "need"])
def test_poster_rows_show_missing_values_as_empty(holey, layer):
    rows = poster_blocks.table_rows(holey, layer)
    [row] = [r for r in rows if r[0] == "Ąaa pierwszy"]
    assert row[1:] == ("", "")
    assert len(rows) == 3


def test_names_sort_naturally_and_ids_break_ties():
    content = fixtures.content({"resource": 0})
    content.pins["resource"] = gpd.GeoDataFrame(
        {"id": [12, 3, 7, 5], "name": ["Filia nr 12", "filia nr 2", "Biblioteka", "Biblioteka"],
         "category": ["library"] * 4, "address": ["ul. A 12", "ul. A 3", "ul. A 7", "ul. A 5"]},
        geometry=[Point(17.03, 51.12)] * 4, crs="EPSG:4326")
    table = listing.pin_table(content, "resource", limit=3)
    assert [(r[0], r[2]) for r in table.rows] == [
        ("Biblioteka", "ul. A 5"), ("Biblioteka", "ul. A 7"), ("filia nr 2", "ul. A 3")]
    assert table.total == 4
