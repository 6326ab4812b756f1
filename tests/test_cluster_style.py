"""How a cluster looks: sizes by digits and scale, a touch target's floor, the need's diamond."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image

from mapping.maps import cluster_style, elements, field, presenter


def sides(css: str) -> dict[str, int]:
    """Selector (less any scope) → width in px, from ``cluster_css``'s rules."""
    found = {}
    for selector, width, height, left, top, _line in re.findall(
        r"([.\w -]+?) \{ width: (\d+)px; height: (\d+)px; margin: (-\d+)px 0 0 (-\d+)px; "
        r"line-height: (\d+)px;", css,
    ):
        assert width == height
        # Centred on the cluster's place: half the side up and to the left.
        assert int(left) == int(top) == -(int(width) // 2)
        found[selector.split(" ")[-1]] = int(width)
    return found


def test_each_digit_class_has_its_side_and_a_need_is_wider_by_its_diagonal():
    got = sides(cluster_style.cluster_css())
    assert got[".calmap-cluster-d1"] == 32 and got[".calmap-cluster-d5"] == 66
    for digits, side in cluster_style.SIDES.items():
        assert got[f".calmap-cluster-d{digits}"] == side
        assert got[f".calmap-cluster-need.calmap-cluster-d{digits}"] == round(side * 1.2)


def test_a_scale_enlarges_every_side_and_a_floor_only_the_small_ones():
    big = sides(cluster_style.cluster_css(2.4, ".leaflet-container"))
    assert big[".calmap-cluster-d1"] == round(32 * 2.4)
    touch = sides(cluster_style.cluster_css(1.0, ".leaflet-container", 44))
    assert touch[".calmap-cluster-d1"] == touch[".calmap-cluster-d2"] == 44
    assert touch[".calmap-cluster-d3"] == 46
    # Scoped, the page's rules outrank the base ones whatever their order.
    projector = cluster_style.cluster_css(1.35, ".leaflet-container")
    assert all(line.startswith(".leaflet-container .calmap-cluster")
               for line in projector.splitlines())
    # The rims grow with the shape, and the count stays in the middle of what is inside them.
    assert "border-width: 3px; outline-width: 2.025px;" in projector
    assert ".calmap-cluster-d1 { width: 43px; height: 43px; margin: -21px 0 0 -21px; " \
        "line-height: 37px;" in projector


def test_the_need_diamond_is_a_transparent_cornered_red_bitmap():
    image = Image.open(io.BytesIO(base64.b64decode(cluster_style.diamond_png())))
    assert image.size == (cluster_style.DIAMOND_PX, cluster_style.DIAMOND_PX)
    image = image.convert("RGBA")
    centre = image.getpixel((80, 80))
    assert centre == (*cluster_style.NEED_RED, 255)
    assert image.getpixel((2, 2))[3] == 0  # the corners are see-through
    assert image.getpixel((80, 12))[:3] == (255, 255, 255)  # the white rim at the top


def test_every_map_the_presenter_and_the_touch_rules_carry_the_cluster_rules():
    assert cluster_style.diamond_png() in elements.MAP_CSS
    assert cluster_style.cluster_css() in elements.MAP_CSS
    styles = presenter.PresenterStyles()
    scope = ".leaflet-container"
    assert styles.clusters == cluster_style.cluster_css(presenter.CLUSTER_SCALE, scope)
    assert cluster_style.cluster_css(1.0, scope, field.TOUCH_TARGET_PX) in field.TOUCH_CSS
