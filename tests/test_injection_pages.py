"""Hostile text in every field, every page run under AppTest: Markdown elements get it escaped.

The world of tests/injection_fixtures.py (over a hundred script and
Markdown payloads written through the services into every text field) is
built once for this module. Each page is run as a person would use it, and
every element Streamlit reads as Markdown (titles, headers, Markdown,
captions, alerts, expander and tab labels, widget labels, radio options,
metric labels, progress text) is searched for the payloads as typed: not one
may be there unescaped. Where a name is expected, the escaped form
(``mapping.ui.safe_text.md``) is checked to be the one shown; where a plain
element shows text (``st.text``), the text as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import (
    AlertBase,
    HeadingBase,
    Image,
    Markdown,
    Progress,
    Radio,
    Text,
)

from mapping.analysis.export_data import LOCAL_TIMEZONE
from mapping.db.models import Partnership, Resource, SurveyWave
from mapping.services import layers
from mapping.ui import editor_state, state
from mapping.ui.safe_text import PUNCTUATION, md, md_t
from tests.conftest import TEMPLATE, _create_database, _drop_database, point_app_at
from tests.editing_fixtures import PASSWORD
from tests.injection_fixtures import (
    AREA_FILE_NAME,
    EMAILS,
    FILE_NAME,
    NEW_SNAPSHOT,
    PAYLOADS,
    SNAPSHOT_NAMES,
    STREETS,
    WWW,
    areas_file,
    build,
    bulk_csv,
    rotate,
)
from tests.survey_fixtures import build_wroclaw
from tests.test_editor_page import show_tab
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401
from tests.test_surveys_indicators import WAVE_2025, WAVE_2026, crafted, load

# Survey waves are named by whoever imports the answers.
WAVES = ("![w](http://x.example/wave-2025.png) 2025",
         "<img src=x onerror=alert(1)> [w](javascript:alert(1)) 2026")
# Columns of an answers file the import leaves out: one looks personal, one does not.
PERSONAL_COLUMN = "Telefon ![t](http://x.example/phone.png)"
OTHER_COLUMN = "<svg onload=alert(1)> :red[uwagi]"
DISPLAY_NAMES = ["![a](http://x.example/admin.png) <b>Ada</b>",
                 "![e](http://x.example/ewa.png) <img src=x onerror=alert(1)>"]
# Everything hostile the world holds; area names lose their line breaks on import.
HOSTILE = sorted(
    {*PAYLOADS, *(" ".join(p.split()) for p in PAYLOADS), *SNAPSHOT_NAMES, NEW_SNAPSHOT,
     FILE_NAME, AREA_FILE_NAME, *DISPLAY_NAMES, *WWW, *EMAILS, *WAVES, PERSONAL_COLUMN,
     OTHER_COLUMN},
    key=len, reverse=True,
)


@pytest.fixture(scope="module")
def hostile(admin_url, template_url) -> Iterator[tuple[str, dict]]:
    """The hostile world, built once: the tests below only read it (one saves a snapshot)."""
    name = "calmap_test_injection_pages"
    url = _create_database(admin_url, name, template=TEMPLATE)
    world = build(url)
    yield url, world
    _drop_database(admin_url, name)


def start(monkeypatch, url, auth="none") -> AppTest:
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def page(at: AppTest, path: str, area: int | None = None) -> AppTest:
    """Switch to ``path`` (with ``area`` chosen in the sidebar first)."""
    if area is not None:
        at.sidebar.selectbox(key=state.AREA_ID).set_value(area).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def markdown_texts(at: AppTest) -> list[str]:
    """Every string on the page that Streamlit reads as Markdown."""
    found: list[str] = []

    def walk(node) -> None:  # noqa: ANN001 - an element or a block of AppTest's tree
        if isinstance(node, Markdown | HeadingBase | AlertBase):
            found.append(node.value)
        if isinstance(node, Progress):
            found.append(node.text)
        if isinstance(node, Image):
            found.extend(node.captions)
        # Widget, expander, tab and metric labels; a radio's options too (a
        # selectbox's and a multiselect's options are plain text).
        label = getattr(node, "label", None)
        if isinstance(label, str):
            found.append(label)
        if isinstance(node, Radio):
            found.extend(node.options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def assert_nothing_raw(at: AppTest) -> list[str]:
    """No hostile text as typed in any Markdown element; return those elements' texts."""
    texts = markdown_texts(at)
    assert len(texts) > 5
    raw = [(payload, text) for text in texts for payload in HOSTILE if payload in text]
    assert raw == [], raw[:5]
    return texts


def plain_texts(at: AppTest) -> str:
    return "\n".join(e.value for e in at.get("text") if isinstance(e, Text))


def test_every_payload_has_something_to_escape():
    # An escaped payload differs from the payload: the raw search above can tell.
    assert all(set(p) & PUNCTUATION for p in HOSTILE)


def test_the_overview_of_the_city_and_of_an_area(monkeypatch, hostile):
    url, world = hostile
    at = start(monkeypatch, url)
    texts = assert_nothing_raw(at)
    assert at.title[0].value == md_t("overview.heading", "pl", place=world["city"])
    at.sidebar.selectbox(key=state.AREA_ID).set_value(world["area_a"]).run()
    assert_nothing_raw(at)
    area_name = " ".join(world["area_names"][0].split())
    assert at.title[0].value == md_t("overview.heading", "pl", place=area_name)
    assert md(world["city"]) in "\n".join(texts)


def test_the_editor_with_a_pin_open_and_its_history(monkeypatch, hostile):
    url, world = hostile
    at = page(start(monkeypatch, url), "app_pages/editor.py", world["area_a"])
    assert_nothing_raw(at)
    with Session(create_engine(url)) as session:
        pin = session.execute(select(Resource.id, Resource.name).order_by(Resource.id)).first()
    lon, lat = world["spots"][0]
    key = editor_state.map_key_for(at.session_state[state.EDITOR_MAP_NONCE])
    at.session_state[key] = {"last_clicked": None, "last_object_clicked": {"lat": lat, "lng": lon}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[state.EDITOR_OPEN].id == pin.id
    texts = assert_nothing_raw(at)
    assert md_t("editor.open_heading", "pl", layer="Zasoby", name=pin.name) in texts
    # The edit form holds the name as typed (a text box's value is not Markdown).
    assert pin.name in [w.value for w in at.text_input]
    # Only the tab shown is drawn: bring the history forward.
    show_tab(at, "Historia")
    texts = assert_nothing_raw(at)
    assert md_t("editor.history_heading", "pl", name=pin.name) in texts
    # The first pins were changed twice: restoring an older version is offered.
    restore = [b.label for b in at.button if (b.key or "").startswith("calmap.editor.version.")]
    # They name the author by display name (ada's is hostile Markdown), escaped.
    assert len(restore) == 2 and all(
        md("![a](http://x.example/admin.png) <b>Ada</b>") in label for label in restore
    )


def test_the_areas_page_lists_the_streets_as_plain_text(monkeypatch, hostile):
    url, world = hostile
    at = page(start(monkeypatch, url), "app_pages/areas.py", world["area_a"])
    assert_nothing_raw(at)
    shown = plain_texts(at)
    assert sum(street in shown for street in STREETS) >= 20


def test_the_teams_page_shows_the_partnership_escaped_and_its_description_as_typed(
    monkeypatch, hostile
):
    url, world = hostile
    at = page(start(monkeypatch, url), "app_pages/teams.py")
    assert_nothing_raw(at)
    with Session(create_engine(url)) as session:
        chosen = session.get(Partnership, at.session_state["calmap.teams.partnership"])
        name, description = chosen.name, chosen.description
    assert at.subheader[0].value == md(name)
    assert description in plain_texts(at)


def test_the_snapshots_compare_and_a_hostile_name_is_saved_and_refused_again(
    monkeypatch, hostile
):
    url, _ = hostile
    at = page(start(monkeypatch, url), "app_pages/snapshots.py")
    texts = assert_nothing_raw(at)
    totals = md_t("snapshots.city_totals", "pl", before=SNAPSHOT_NAMES[1],
                  after=SNAPSHOT_NAMES[2])
    assert [m.value for m in at.markdown if totals in m.value]
    assert any(label.startswith("Szczegóły: ") for label in texts)
    at.text_input(key="calmap.snapshots.name").input(NEW_SNAPSHOT)
    at.button[0].click().run()
    assert_nothing_raw(at)
    today = dt.datetime.now(LOCAL_TIMEZONE).date().isoformat()
    assert at.success[0].value == md_t("snapshots.created", "pl", name=NEW_SNAPSHOT, date=today)
    at.text_input(key="calmap.snapshots.name").input(NEW_SNAPSHOT.upper())
    at.button[0].click().run()
    assert_nothing_raw(at)
    assert at.error[0].value == md_t("snapshot.duplicate", "pl", name=NEW_SNAPSHOT)


def test_the_export_and_june_pages_offer_the_area_escaped(monkeypatch, hostile):
    url, world = hostile
    area_name = " ".join(world["area_names"][0].split())
    at = page(start(monkeypatch, url), "app_pages/export.py", world["area_a"])
    assert_nothing_raw(at)
    scope = at.radio(key="calmap.export.scope")
    assert md_t("export_scope.area", "pl", place=area_name) in scope.options
    at.button(key="calmap.export.prepare").click().run()
    assert not at.exception, at.exception
    assert at.success, [e.value for e in at.error]
    assert_nothing_raw(at)
    page(at, "app_pages/june.py")
    assert_nothing_raw(at)
    assert md_t("june.scope_area", "pl", place=area_name) in at.radio(
        key="calmap.june.scope").options


def test_the_surveys_page_names_the_team_escaped(monkeypatch, hostile):
    url, world = hostile
    at = start(monkeypatch, url)
    team = world["team_ids"][0]
    at.sidebar.selectbox(key=state.TEAM_ID).set_value(team).run()
    page(at, "app_pages/surveys.py")
    assert_nothing_raw(at)
    with Session(create_engine(url)) as session:
        [name] = [t.name for t in layers.teams(session) if t.id == team]
    assert at.title[0].value == md_t("survey.heading", "pl", place=name)


def test_uploads_with_hostile_names_columns_and_cells_are_echoed_escaped(monkeypatch, hostile):
    url, world = hostile
    at = page(start(monkeypatch, url), "app_pages/bulk_import.py", world["area_a"])
    at.file_uploader(key="calmap.bulk.file").upload(
        FILE_NAME + ".csv", bulk_csv(world["spots"]), "text/csv").run()
    assert not at.exception, at.exception
    texts = assert_nothing_raw(at)
    assert any(md(FILE_NAME + ".csv") in text for text in texts)
    assert any(md(" ".join(rotate(1, 5).split())) in text for text in texts)  # a column

    content, _ = areas_file(rotate(3), [rotate(i, 9) for i in range(4)])
    page(at, "app_pages/import_areas.py")
    at.file_uploader(key="calmap.import_areas.file").upload(
        AREA_FILE_NAME + ".geojson", content, "application/geo+json").run()
    assert not at.exception, at.exception
    texts = assert_nothing_raw(at)
    assert any(md(AREA_FILE_NAME + ".geojson") in text for text in texts)


def test_answers_with_a_hostile_file_name_columns_and_waves_are_echoed_escaped(
    monkeypatch, fresh_db_url
):
    url = fresh_db_url
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
        load(session, world, crafted(WAVE_2025, "a"), WAVES[0], "2025")
    engine.dispose()
    lines = crafted(WAVE_2026, "p").decode().splitlines()
    lines[0] += f";{PERSONAL_COLUMN};{OTHER_COLUMN}"
    lines[1:] = [line + ";600100200;x" for line in lines[1:]]
    key = "calmap.survey."
    at = page(start(monkeypatch, url), "app_pages/surveys.py")
    at.selectbox(key=f"{key}team").set_value(world.team_7).run()
    at.text_input(key=f"{key}wave_name").input(WAVES[1])
    at.file_uploader(key=f"{key}answers_file").upload(
        FILE_NAME + ".csv", ("\n".join(lines) + "\n").encode(), "text/csv").run()
    assert not at.exception, at.exception
    texts = "\n".join(assert_nothing_raw(at))
    assert md(FILE_NAME + ".csv") in texts
    assert md(PERSONAL_COLUMN) in texts and md(OTHER_COLUMN) in texts
    at.button(key=f"{key}import").click().run()
    assert not at.exception, at.exception
    assert_nothing_raw(at)
    assert at.success[0].value == md_t("survey.imported", "pl", count=48, wave=WAVES[1])
    # The results of the new wave, compared with the old one.
    with Session(create_engine(url)) as session:
        new = session.scalar(select(SurveyWave.id).where(SurveyWave.name == WAVES[1]))
    at.selectbox(key=f"{key}wave").set_value(new).run()
    assert not at.exception, at.exception
    assert md_t("survey.compared_with", "pl", wave=WAVES[0]) in assert_nothing_raw(at)


def test_the_signed_in_caption_shows_the_display_name_escaped(monkeypatch, hostile):
    url, _ = hostile
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert_nothing_raw(at)
