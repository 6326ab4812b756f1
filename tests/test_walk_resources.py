"""The resources on the gaps map: only those the user may see, escaped, clustered when many."""

from __future__ import annotations

import pytest

from mapping.maps import assets
from mapping.maps import gaps as gaps_map
from mapping.maps.walk_resources import CLUSTER_MIN, resource_features
from mapping.services import layers, walking_areas
from mapping.services.walking_areas import Choice
from tests.coverage_fixtures import add_resource, offset
from tests.editing_fixtures import build_world
from tests.test_coverage import ORIGIN


def test_a_viewers_gaps_map_carries_no_marker_of_a_team_only_resource(session):
    world = build_world(session)
    shown = add_resource(session, "Klub <i>otwarty</i>", "senior_club", ORIGIN, world.area_a)
    hidden = add_resource(session, "Klub zespołu tajny", "senior_club",
                          offset(ORIGIN, 100, 0), world.area_a, visibility="team")
    areas = layers.areas(session)
    for actor, expected in ((world.viewer, {shown.id}), (world.editor_a, {shown.id, hidden.id})):
        resources = walking_areas.choices(session, actor, [world.area_a])
        features = resource_features(resources, "pl")
        assert {f["properties"]["resource_id"] for f in features} == expected
        page = gaps_map.gaps_map(areas, [], "pl", resources=resources).get_root().render()
        assert ("Klub zespołu tajny" in page) == (hidden.id in expected)
        assert "Klub <i>otwarty</i>" not in page.replace('"name":"Klub <i>otwarty</i>"', "")
        assert "Klub &lt;i&gt;otwarty&lt;/i&gt;" in page
    # Each marker sits where the resource is.
    point = next(f for f in features if f["properties"]["resource_id"] == shown.id)
    assert point["geometry"]["coordinates"] == pytest.approx(list(ORIGIN))


def test_many_resources_are_clustered_with_the_apps_own_markercluster(monkeypatch):
    monkeypatch.setattr(assets, "markercluster_available", lambda: True)
    many = [Choice(i, f"Zasób {i}", "senior_club", ORIGIN[0] + i * 1e-4, ORIGIN[1])
            for i in range(CLUSTER_MIN)]
    empty = layers_frame()
    page = gaps_map.gaps_map(empty, [], "pl", resources=many).get_root().render()
    assert "leaflet.markercluster/leaflet.markercluster.js" in page
    assert "cdnjs" not in page
    few = gaps_map.gaps_map(empty, [], "pl", resources=many[:3]).get_root().render()
    assert "leaflet.markercluster.js" not in few
    assert few.count('"resource_id"') == 3


def layers_frame():
    """An empty areas frame with the columns the map reads."""
    import geopandas as gpd

    return gpd.GeoDataFrame({"id": [], "name": []}, geometry=[], crs="EPSG:4326")
