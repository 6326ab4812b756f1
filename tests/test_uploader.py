"""The file uploader speaks the user's language: its button, its limit line and its drop hint."""

from __future__ import annotations

import re

import pytest

from mapping.ui import uploader
from tests.browser import ARTIFACTS, offline_tab
from tests.conftest import app_env
from tests.streamlit_server import PROJECT_ROOT, running_app
from tests.test_pages import _apptest_remembers_st_navigation, single_user_app  # noqa: F401

PAGE = "app_pages/import_areas.py"
KEY = "calmap.import_areas.file"


def test_the_limit_line_names_the_size_and_the_types_in_each_language():
    assert uploader.limit_text("pl", ["csv", "xlsx", ".CSV"], 200) == (
        "Do 200 MB na plik • CSV, XLSX"
    )
    assert uploader.limit_text("en", ["geojson"], 50) == "Up to 50 MB per file • GEOJSON"
    assert uploader.limit_text("pl", None, 200) == "Do 200 MB na plik"


def test_the_stylesheet_is_scoped_to_the_widget_and_its_texts_cannot_end_the_style_element():
    css = uploader.stylesheet("calmap.x", "pl", ["csv"], 10)
    assert css.startswith("<style>") and css.endswith("</style>")
    assert css.count("<") == 2  # the opening and closing tags only
    selectors = re.findall(r"([^{}]+)\{", css.removeprefix("<style>"))
    assert selectors
    for selector in selectors:
        assert all(part.strip().startswith(".st-key-calmap-x ") for part in selector.split(","))
    assert uploader.css_string("Wybierz plik") in css
    assert uploader.css_string("Do 10 MB na plik • CSV") in css
    assert uploader.css_string('</style><script>"') == (
        r'"\3c /style\3e \3c script\3e \""'
    )


def test_no_page_calls_streamlits_uploader_directly():
    direct = [
        path.name for path in sorted((PROJECT_ROOT / "app_pages").glob("*.py"))
        if "st.file_uploader(" in path.read_text(encoding="utf-8")
    ]
    assert direct == []


def test_the_import_page_sends_the_uploaders_polish_labels_and_english_after_a_switch(
    monkeypatch, demo_db_url
):
    from mapping.ui import state

    at = single_user_app(monkeypatch, demo_db_url).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.file_uploader(key=KEY)
    styles = "".join(element.proto.body for element in at.get("html"))
    assert uploader.css_string("Wybierz plik") in styles
    assert uploader.css_string("Do 200 MB na plik • ").removesuffix('"') in styles
    assert uploader.css_string("Upuść plik tutaj") in styles
    assert uploader.widget_class(KEY) in styles

    at.sidebar.radio(key=state.LANGUAGE).set_value("en").run()
    styles = "".join(element.proto.body for element in at.get("html"))
    assert uploader.css_string("Choose a file") in styles
    assert uploader.css_string("Wybierz plik") not in styles


AFTER = """(selector) => [...document.querySelectorAll(selector)]
    .map(e => getComputedStyle(e, '::after').content).filter(c => c && c !== 'none')"""
DRAG = """() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['a'], 'obszary.geojson', {type: 'application/geo+json'}));
    document.querySelector('[data-testid="stFileUploaderDropzone"]')
        .dispatchEvent(new DragEvent('dragenter', {bubbles: true, dataTransfer: dt}));
}"""


@pytest.mark.browser
def test_the_uploader_shows_polish_labels_in_chromium(demo_db_url):
    env = {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    with running_app(env) as base, offline_tab(
        f"{base}/import_areas", viewport={"width": 1200, "height": 900}
    ) as tab:
        zone = tab.locator('[data-testid="stFileUploaderDropzone"]')
        zone.wait_for(timeout=60_000)
        tab.wait_for_timeout(500)
        shown = tab.evaluate(AFTER, '[data-testid="stFileUploaderDropzone"] *')
        assert '"Wybierz plik"' in shown
        assert any(text.startswith('"Do 200 MB na plik • ') and "GEOJSON" in text
                   for text in shown)
        # Streamlit's own English words are still in the page, but not shown.
        assert not zone.get_by_text("Upload", exact=True).is_visible()
        limit = zone.locator('[data-testid="stFileUploaderDropzoneInstructions"] span')
        assert "per file" in limit.inner_text()
        assert limit.evaluate("e => getComputedStyle(e).fontSize") == "0px"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "uploader-pl.png"))
        tab.evaluate(DRAG)
        zone.get_by_text("Drag and drop a file here").wait_for(state="attached")
        assert '"Upuść plik tutaj"' in tab.evaluate(
            AFTER, '[data-testid="stFileUploaderDropzone"] > div > span'
        )
        assert tab.blocked == []
        assert tab.page_errors == []
