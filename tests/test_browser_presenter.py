"""The partnership meeting's projector view in Debian's Chromium: full screen, clicker keys."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.browser import map_frame, offline_tab, screenshot
from tests.conftest import app_env
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

# A laptop on a beamer, a conference-room projector and a 4K screen at 100 %.
SIZES = [(1280, 720), (1920, 1080), (3840, 2160)]


@pytest.fixture(scope="module")
def app_url(demo_db_url):
    with running_app(
        {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    ) as url:
        yield url


def _rect(frame, selector):
    return frame.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }"
    )


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_map_fills_the_screen_with_no_sidebar_and_nothing_over_the_sequence(
    app_url, width, height
):
    with offline_tab(f"{app_url}/presenter?present=1",
                     viewport={"width": width, "height": height}) as tab:
        inner = map_frame(tab, ready=".calmap-sequence")
        inner.wait_for_selector(".calmap-pin-resource", timeout=30_000)
        assert not tab.locator('[data-testid="stSidebar"]').is_visible()
        frame_box = tab.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        assert frame_box["height"] >= height - 2 and frame_box["width"] >= width - 30
        map_box = _rect(inner, ".leaflet-container")
        assert map_box[3] - map_box[1] >= height - 2
        assert not _overlap(_rect(inner, ".calmap-sequence"), _rect(inner, ".calmap-legend"))
        # The step in focus (the whole city: every area's outline) is clear of the legend,
        # once the legend stands in its corner (Leaflet's stylesheet may come late).
        inner.wait_for_function("""() => {
            const m = document.querySelector('.leaflet-container').getBoundingClientRect();
            const r = document.querySelector('.calmap-legend').getBoundingClientRect();
            return r.right <= m.right && r.bottom <= m.bottom && r.left >= m.left;
        }""", timeout=30_000)
        tab.wait_for_timeout(300)
        outlines = inner.evaluate("""() => {
            const boxes = [...document.querySelectorAll('.leaflet-overlay-pane path')]
                .map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
            return [Math.min(...boxes.map(r => r.left)), Math.min(...boxes.map(r => r.top)),
                    Math.max(...boxes.map(r => r.right)), Math.max(...boxes.map(r => r.bottom))];
        }""")
        assert not _overlap(outlines, _rect(inner, ".calmap-legend"))
        assert "1 / " in inner.locator(".calmap-step-count").inner_text()
        tab.wait_for_timeout(400)
        screenshot(tab, f"presenter-{width}x{height}.png")
        assert tab.blocked == []
        assert tab.page_errors == []


def test_present_on_another_maps_address_opens_the_presenter_with_its_query(app_url):
    # The overview's address (Streamlit runs only the page its navigation chose).
    with offline_tab(f"{app_url}/?city=Wroc%C5%82aw&present=1",
                     viewport={"width": 1280, "height": 720}) as tab:
        inner = map_frame(tab, ready=".calmap-sequence")
        assert "1 / " in inner.locator(".calmap-step-count").inner_text()
        assert "/presenter" in tab.url and "present=1" in tab.url and "city=" in tab.url
        assert not tab.locator('[data-testid="stException"]').count()
        assert not tab.locator('[data-testid="stSidebar"]').is_visible()
        assert tab.page_errors == []


def test_a_clicker_steps_through_the_views_and_home_goes_back(app_url):
    with offline_tab(f"{app_url}/presenter?present=1",
                     viewport={"width": 1920, "height": 1080}) as tab:
        inner = map_frame(tab, ready=".calmap-sequence")
        count = inner.locator(".calmap-step-count")
        total = int(count.inner_text().split("/")[1])
        assert total > 2
        # The clicker talks to the page around the map, which has the focus.
        tab.keyboard.press("PageDown")
        tab.keyboard.press("PageDown")
        assert count.inner_text().startswith("3 / ")
        name = inner.locator(".calmap-step-name").inner_text()
        assert name.startswith("Obszar: ")
        tab.keyboard.press("PageUp")
        assert count.inner_text().startswith("2 / ")
        tab.keyboard.press("End")
        assert count.inner_text() == f"{total} / {total}"
        tab.keyboard.press("Home")
        assert count.inner_text() == f"1 / {total}"
        # And the map's own frame hears the keys too, when it has the focus.
        inner.locator(".calmap-step-name").click()
        inner.locator("body").press("ArrowRight")
        assert count.inner_text().startswith("2 / ")
        assert tab.page_errors == []


def test_a_legend_row_hides_and_shows_its_categorys_pins(app_url):
    with offline_tab(f"{app_url}/presenter?present=1",
                     viewport={"width": 1920, "height": 1080}) as tab:
        inner = map_frame(tab, ready=".calmap-sequence")
        inner.wait_for_selector(".calmap-pin-resource", timeout=30_000)
        row = inner.locator('.calmap-legend li[data-category="library"]')
        before = inner.locator(".leaflet-marker-icon.calmap-pin-resource").count()
        row.click()
        assert row.get_attribute("aria-checked") == "false"
        hidden = inner.locator(".leaflet-marker-icon.calmap-pin-resource").count()
        assert hidden < before
        row.click()
        assert inner.locator(".leaflet-marker-icon.calmap-pin-resource").count() == before


def test_the_choice_page_offers_focus_on_a_partnership_and_starts_the_show(app_url):
    with offline_tab(f"{app_url}/presenter?city=Wroc%C5%82aw",
                     viewport={"width": 1400, "height": 1000}) as tab:
        tab.get_by_text("Rozpocznij prezentację").wait_for(timeout=60_000)
        tab.get_by_text("Kolejność widoków").wait_for()
        tab.get_by_text("Rozpocznij prezentację").click()
        inner = map_frame(tab, ready=".calmap-sequence")
        assert "present=1" in tab.url
        assert inner.locator(".calmap-step-count").inner_text().startswith("1 / ")
        tab.get_by_text("Zakończ prezentację").click()
        tab.get_by_text("Rozpocznij prezentację").wait_for(timeout=60_000)
        assert "present=1" not in tab.url


def _links_labelled(url, label):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT revoked_at IS NOT NULL FROM share_link WHERE label = :l"),
                {"l": label},
            ).scalars().all()
    finally:
        engine.dispose()


def test_an_admin_makes_a_share_link_sees_it_once_and_revokes_it(app_url, demo_db_url):
    label = "Rada osiedla <b>12.06</b>"
    with offline_tab(f"{app_url}/presenter", viewport={"width": 1400, "height": 1200}) as tab:
        tab.get_by_text("Udostępnij ten widok").click(timeout=60_000)
        tab.get_by_label("Opis (dla kogo, po co)").fill(label)
        tab.get_by_role("button", name="Utwórz link").click()
        tab.get_by_text("Skopiuj go teraz").wait_for(timeout=30_000)
        code = tab.locator('[data-testid="stCode"]').inner_text()
        assert "?share=" in code and len(code.split("?share=")[1].strip()) >= 43
        assert _links_labelled(demo_db_url, label) == [False]
        tab.locator('[data-testid="stDataFrame"]').first.wait_for()
        # The newest link is offered first for revoking.
        # Listed, its label shown as typed (never as markup).
        # The grid fills its (visually hidden, accessible) cells a moment
        # after the frame appears: wait for the cell to be attached.
        tab.locator('[role="gridcell"]', has_text=label).first.wait_for(
            state="attached", timeout=30_000)
        # Streamlit's own "Download as CSV" would write the label raw, formulas
        # and all: the app turns table export off (client.disableDataExport);
        # the Export page's files are the formula-safe way out.
        tab.locator('[data-testid="stDataFrame"]').first.hover()
        tab.locator('[data-testid="stElementToolbar"]').first.wait_for(state="attached")
        assert tab.get_by_role("button", name="Download as CSV").count() == 0
        tab.get_by_role("button", name="Wycofaj link").click()
        tab.wait_for_timeout(3000)
        assert _links_labelled(demo_db_url, label) == [True]
        assert tab.page_errors == []
