"""The offline HTML map: self-contained, escaped, and alive in Chromium with no network."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from mapping.maps import assets
from mapping.reports import offline_html
from tests.browser import offline_tab, screenshot
from tests.deck_html_fixtures import LONG_TITLE, XSS, estate_content, without_comparison

ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def content():
    return estate_content()


@pytest.fixture(scope="module")
def written(content, tmp_path_factory) -> Path:
    return offline_html.write_offline_html(content, tmp_path_factory.mktemp("html") / "map.html")


@pytest.fixture(scope="module")
def page(written) -> str:
    return written.read_text(encoding="utf-8")


def head_of(page: str) -> str:
    return page[page.index('<header class="calmap-page-head">'):page.index("</header>")]


def test_the_file_loads_no_script_or_stylesheet_from_anywhere(page):
    assert re.findall(r"<script[^>]*\bsrc=", page, flags=re.IGNORECASE) == []
    assert re.findall(r"<link[^>]*\bhref=", page, flags=re.IGNORECASE) == []
    assert not re.search(r"""<(script|link|img)[^>]*(src|href)=["']?https?:""", page, re.I)
    assert f"Leaflet {assets.LEAFLET_VERSION}" in page
    # No basemap: the room may have no internet.
    assert "L.tileLayer(" not in page


def test_the_header_shows_title_team_snapshot_and_the_changes(page):
    head = head_of(page)
    assert LONG_TITLE in head
    assert "Zespół: <b>Zespół nr 3 – Fabryczna</b>" in head
    assert "Czerwiec 2026 (15.06.2026)" in head
    assert "Zmiany od: Czerwiec 2025 (16.06.2025): Nowe zasoby: <b>30</b>" in head
    assert "Nowa świetlica „Żak” nr 30" in head  # every name, behind the summary
    assert '<html lang="pl">' in page


def test_user_text_in_the_header_and_popups_is_escaped(content, tmp_path):
    hostile = replace(content, title=XSS, team_name="<b>Zespół</b>",
                      changes=replace(content.changes, new_resources=(XSS,)),
                      notes=[XSS], attribution="{{ 7*7 }} & <i>SIP</i>")
    page = offline_html.offline_html(hostile)
    assert XSS not in page
    head = head_of(page)
    assert f"<h1>{ESCAPED_XSS}</h1>" in head
    assert "&lt;b&gt;Zespół&lt;/b&gt;" in head
    assert f"Nowe zasoby (1)</b>: {ESCAPED_XSS}" in head
    assert "{{ 7*7 }} &amp; &lt;i&gt;SIP&lt;/i&gt;" in page
    assert f"<title>{ESCAPED_XSS}</title>" in page
    # The popup of the resource named like a script carries it escaped, too.
    assert ESCAPED_XSS in page.replace('\\"', '"')


def test_only_a_web_address_becomes_the_online_link(content):
    assert '<a href="https://calmap.example.pl/?area=24">' in offline_html.offline_html(content)
    page = offline_html.offline_html(replace(content, online_url="javascript:alert(1)"))
    assert "javascript:alert" not in page


def test_without_an_earlier_snapshot_the_header_says_so(content):
    head = head_of(offline_html.offline_html(without_comparison(content)))
    assert "Brak wcześniejszego zestawienia do porównania" in head


def test_an_english_file_speaks_english(content):
    page = offline_html.offline_html(without_comparison(estate_content("en")))
    assert '<html lang="en">' in page
    assert "There is no earlier snapshot to compare with" in page
    assert "Team: <b>" in page


def test_the_inline_leaflet_is_read_once_per_process(content):
    offline_html.offline_html(content)
    before = assets.leaflet_inline.cache_info().hits
    offline_html.offline_html(content)
    assert assets.leaflet_inline.cache_info().hits == before + 1


@pytest.mark.browser
def test_the_file_opens_in_chromium_with_the_network_cut_off(written, content):
    requests = []
    with offline_tab(viewport={"width": 1400, "height": 900}) as tab:
        tab.on("request", lambda request: requests.append(request.url))
        tab.goto(written.as_uri(), wait_until="load")
        tab.wait_for_selector(".leaflet-container .calmap-pin", timeout=20_000)
        pinned = sum(int(f.geometry.notna().sum()) for f in content.pins.values())
        markers = tab.locator(".leaflet-marker-pane .calmap-pin").count()
        areas = tab.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
        legend = tab.locator(".calmap-legend").inner_text()
        heading = tab.locator("h1").inner_text()
        screenshot(tab, "offline_map.png")
        tab.locator(".leaflet-marker-pane .calmap-pin").nth(5).click()
        popup = tab.locator(".leaflet-popup-content").inner_text(timeout=5_000)
        errors, blocked = tab.page_errors, tab.blocked
    assert errors == []
    assert blocked == []
    assert all(url.startswith(("file:", "data:")) for url in requests)
    assert markers == pinned == 50
    assert areas == 1
    assert "Zasoby (45)" in legend
    assert heading == LONG_TITLE
    assert popup
