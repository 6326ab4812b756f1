"""The map in the field: touch-sized targets, a folding legend, the position button, no CDN."""

from __future__ import annotations

import folium

from mapping.io import field_form
from mapping.maps import assets, elements, field
from mapping.maps.overview import editor_marks, overview_map
from mapping.ui import positions
from tests.test_maps import areas, catalogue, external_links, pins, render  # noqa: F401


def test_the_field_map_links_its_own_locate_script_and_loads_nothing_from_elsewhere(
    areas, pins, catalogue  # noqa: F811
):
    page = render(field.for_the_field(
        overview_map(areas, pins, catalogue, tiles_url=None), "pl", locate=True,
        leaflet=assets.leaflet_links("calmap"),
    ))
    # The script and the touch rules are files of the app, named by their digest;
    # the page carries only the call with its texts.
    for file in field.STATIC_FILES:
        assert f"/calmap/app/static/vendor/calmap/{file.name}" in page
    assert "window.calmapLocate = function" in field.LOCATE_SCRIPT.text
    assert "window.calmapLocate = function" not in page
    assert "Śledź moją pozycję" in page
    assert "@media (pointer: coarse)" in field.TOUCH_STYLE.text
    assert external_links(page) == []


def test_without_the_locate_button_only_the_touch_rules_are_added(
    areas, pins, catalogue  # noqa: F811
):
    page = render(field.for_the_field(overview_map(areas, pins, catalogue, tiles_url=None), "en"))
    assert "calmapLocate" not in page and field.LOCATE_SCRIPT.name not in page
    assert field.TOUCH_STYLE.url("/app/static") in page
    assert f"min-height: {field.TOUCH_TARGET_PX}px" in field.TOUCH_STYLE.text
    # Folded on touch and narrow maps.
    assert field.TOUCH_SCRIPT.url("/app/static") in page
    assert ".calmap-legend details[open]" in field.TOUCH_SCRIPT.text
    assert f"(max-width: {field.NARROW_MAP_PX}px)" in field.TOUCH_SCRIPT.text


def test_the_field_and_map_files_are_installed_with_leaflet(tmp_path):
    assets.install_static(tmp_path)
    for file in (elements.MAP_STYLE, *field.STATIC_FILES):
        assert (tmp_path / "vendor/calmap" / file.name).read_text(encoding="utf-8") == file.text


def test_a_gps_fix_is_drawn_with_a_circle_as_wide_as_its_accuracy_that_takes_no_taps():
    group = editor_marks((18.65, 54.41), None)
    field.accuracy_ring(group, (18.65, 54.41), 23.0)
    ring = next(c for c in group._children.values() if isinstance(c, folium.Circle))
    assert ring.location == [54.41, 18.65]
    assert ring.options["radius"] == 23.0
    assert ring.options["interactive"] is False


def test_a_fix_worse_than_the_field_imports_limit_is_drawn_as_a_coarse_one():
    group = editor_marks((18.65, 54.41), None)
    field.accuracy_ring(group, (18.65, 54.41), 120.0)
    field.accuracy_ring(group, (18.65, 54.41), 12.0)
    rings = [c for c in group._children.values() if isinstance(c, folium.Circle)]
    assert [r.options["className"] for r in rings] == [
        "calmap-accuracy calmap-accuracy-low", "calmap-accuracy"]
    # The editor, the map and the imports draw the line at the same place.
    assert field.LOW_ACCURACY_M == field_form.ACCURACY_LIMIT_M == positions.ACCURACY_LIMIT_M
    assert positions.low_accuracy(120.0) and not positions.low_accuracy(12.0)
    assert positions.gps_source(120.0) == "GPS ±120 m (low accuracy, check on the map)"
