"""Drawing area boundaries: Leaflet.draw comes from the app's own machine and works offline."""

from __future__ import annotations

import os
import re
import shutil
import urllib.request

import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from mapping.maps import assets, drawing, elements
from mapping.maps.elements import linked_assets
from tests.browser import offline_tab
from tests.conftest import app_env
from tests.streamlit_server import PROJECT_ROOT, running_app

STATIC = PROJECT_ROOT / "static"
BRZEZNO = MultiPolygon([box(18.62, 54.40, 18.64, 54.41)])


def need_leaflet_draw():
    if not assets.leaflet_draw_source_dir().is_dir():
        if os.environ.get("CI"):
            pytest.fail("leaflet-draw is not installed: scripts/setup.sh installs it from npm")
        pytest.skip("leaflet-draw is not installed (run scripts/setup.sh)")


def test_the_drawing_map_links_nothing_but_the_apps_own_files():
    m = drawing.area_draw_map(BRZEZNO)
    links = linked_assets(m)
    assert links == [
        assets.LEAFLET_JS_URL, assets.LEAFLET_CSS_URL, elements.MAP_STYLE.url("/app/static"),
        assets.leaflet_draw_links().js, assets.leaflet_draw_links().css,
    ]
    assert all(link.startswith("/app/static/") for link in links)


def test_the_current_boundary_is_editable_and_only_polygons_can_be_drawn():
    holed = MultiPolygon([Polygon(box(18.6, 54.4, 18.7, 54.5).exterior,
                                  [box(18.62, 54.42, 18.63, 54.43).exterior.coords])])
    html = drawing.area_draw_map(holed).get_root().render()
    assert "new L.Control.Draw" in html
    assert '"marker": false' in html and '"polyline": false' in html
    assert "L.polygon" in html and "[54.42, 18.62]" in html
    # Jinja's tojson writes "ą" as \u0105.
    assert "Narysuj wielok" in html
    assert "Narysuj wielok" not in drawing.area_draw_map(holed, language="en").get_root().render()


def test_a_base_url_path_moves_the_drawing_links():
    m = drawing.area_draw_map(BRZEZNO, draw_links=assets.leaflet_draw_links("calmap"))
    assert "/calmap/app/static/vendor/leaflet-draw/leaflet.draw.js" in linked_assets(m)


def test_install_static_copies_leaflet_draw_when_setup_installed_it(tmp_path):
    need_leaflet_draw()
    assets.install_static(tmp_path)
    assert assets.leaflet_draw_installed(tmp_path)
    for name in assets.LEAFLET_DRAW_FILES:
        source = assets.leaflet_draw_source_dir() / name
        assert (tmp_path / assets.LEAFLET_DRAW_PATH / name).read_bytes() == source.read_bytes()
    version = (assets.leaflet_draw_source_dir().parent / "package.json").read_text()
    assert f'"version": "{assets.LEAFLET_DRAW_VERSION}"' in version


@pytest.fixture(scope="module")
def app_url(demo_db_url):
    with running_app(
        {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    ) as url:
        yield url


def test_streamlit_serves_leaflet_draw_with_types_nosniff_accepts(app_url):
    need_leaflet_draw()
    assets.install_static(STATIC)
    expected = {
        assets.leaflet_draw_links().js: r"^(text|application)/javascript",
        assets.leaflet_draw_links().css: r"^text/css",
        "/app/static/vendor/leaflet-draw/images/spritesheet.svg": r"^image/svg\+xml",
        "/app/static/vendor/leaflet-draw/images/spritesheet.png": r"^image/png",
    }
    for path, content_type in expected.items():
        with urllib.request.urlopen(app_url + path, timeout=10) as reply:
            assert reply.status == 200
            assert re.match(content_type, reply.headers["Content-Type"]), path


@pytest.mark.browser
def test_a_rectangle_drawn_in_chromium_joins_the_editable_boundary_offline(app_url):
    need_leaflet_draw()
    assets.install_static(STATIC)
    # A standalone page next to the served files, so it loads them as the app's map does.
    folder = STATIC / "vendor" / "calmap-test"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        (folder / "draw.html").write_text(
            drawing.area_draw_map(BRZEZNO, height=600).get_root().render(), encoding="utf-8"
        )
        with offline_tab(app_url + "/app/static/vendor/calmap-test/draw.html",
                         viewport={"width": 900, "height": 700}) as tab:
            tab.wait_for_selector(".leaflet-draw-draw-rectangle", timeout=30_000)
            assert tab.evaluate("typeof L.Control.Draw") == "function"
            assert tab.locator(".leaflet-draw-draw-polygon").get_attribute("title") == (
                "Narysuj wielokąt"
            )
            # The editable group is the one feature group on the page (folium names it).
            count = "drawn_count()"
            tab.evaluate(
                "window.drawn_count = () => { var n = 0; for (var k in window) { "
                "if (k.startsWith('feature_group_') && window[k].getLayers) { "
                "n = window[k].getLayers().length; } } return n; }"
            )
            assert tab.evaluate(count) == 1
            tab.click(".leaflet-draw-draw-rectangle")
            tab.mouse.move(150, 150)
            tab.mouse.down()
            tab.mouse.move(250, 250, steps=5)
            tab.mouse.up()
            tab.wait_for_function(f"{count} === 2", timeout=10_000)
            outside = tab.blocked
        assert outside == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_preview_has_no_drawing_tools_and_needs_no_leaflet_draw():
    m = drawing.area_draw_map(BRZEZNO, context=box(18.6, 54.39, 18.65, 54.42), editable=False)
    assert linked_assets(m) == [
        assets.LEAFLET_JS_URL, assets.LEAFLET_CSS_URL, elements.MAP_STYLE.url("/app/static")]
    assert "L.Control.Draw" not in m.get_root().render()


@pytest.mark.browser
def test_an_organiser_draws_a_boundary_in_the_app_and_saves_it(fresh_db_url):
    need_leaflet_draw()
    from geoalchemy2.shape import to_shape
    from sqlalchemy import create_engine, update
    from sqlalchemy.orm import Session

    from mapping.db.models import Area, Team
    from tests.editing_fixtures import build_world

    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    with running_app({**app_env(fresh_db_url), "CALMAP_TILES_URL": "none",
                      "CALMAP_AUTH": "none"}) as url:
        with offline_tab(url, viewport={"width": 1400, "height": 1000}) as tab:
            tab.get_by_role("link", name="Granice obszarów").click(timeout=60_000)
            tab.get_by_text("Wybierz w panelu bocznym obszar").wait_for(timeout=60_000)
            area_box = tab.get_by_test_id("stSidebar").get_by_role("combobox", name="Obszar")
            area_box.first.click()
            tab.keyboard.type("Brzeźno")
            tab.get_by_role("option", name="Brzeźno (dzielnica)", exact=True).click()
            tab.get_by_role("heading", name="Granice obszaru: Brzeźno").wait_for(timeout=60_000)
            frame = tab.wait_for_selector('iframe[title="streamlit_folium.st_folium"]',
                                          timeout=60_000).content_frame()
            frame.wait_for_selector(".leaflet-draw-draw-rectangle", timeout=30_000)
            frame.click(".leaflet-draw-draw-rectangle")
            box_ = frame.locator(".leaflet-container").bounding_box()
            x, y = box_["x"] + box_["width"] / 2, box_["y"] + box_["height"] / 2
            tab.mouse.move(x - 60, y - 40)
            tab.mouse.down()
            tab.mouse.move(x + 60, y + 40, steps=6)
            tab.mouse.up()
            save = tab.get_by_role("button", name="Zapisz narysowaną granicę")
            tab.wait_for_function(
                "() => [...document.querySelectorAll('button')].some(b => "
                "b.innerText.includes('Zapisz narysowaną granicę') && !b.disabled)",
                timeout=30_000,
            )
            save.click()
            tab.get_by_text("Zapisano nową granicę obszaru.").wait_for(timeout=30_000)
    with Session(engine) as session:
        area = session.get(Area, world.area_a)
        shape = to_shape(area.geom)
        # The old boundary and the drawn rectangle, saved as one (multi)polygon.
        assert area.version == 2 and shape.is_valid
    engine.dispose()
