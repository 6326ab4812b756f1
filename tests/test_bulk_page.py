"""The import page under AppTest: upload a file, see each row's errors in Polish, save whole."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.db.models import LayerHistory, Resource, Team
from mapping.ui import state
from mapping.ui.safe_text import md
from tests.conftest import point_app_at
from tests.editing_fixtures import PASSWORD, build_world
from tests.test_bulk import BRZEZNO_1, BRZEZNO_2, SEA
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

PAGE = "app_pages/bulk_import.py"
HEADER = "Nazwa;Kategoria;Adres;Szerokość;Długość\r\n"
GOOD = [
    f"Świetlica „Promyk”;Świetlica;ul. Dworska 29a;{BRZEZNO_1[0]};{BRZEZNO_1[1]}\r\n",
    f"Klub Seniora Złota Jesień;Klub seniora;ul. Gdańska 7;{BRZEZNO_2[0]};{BRZEZNO_2[1]}\r\n",
]
BAD = [
    *GOOD,
    f"Kasyno;Kasyno;ul. Morska 1;{BRZEZNO_1[0]};{BRZEZNO_1[1]}\r\n",
    f"Statek;Świetlica;Zatoka;{SEA[0]};{SEA[1]}\r\n",
]


def csv_bytes(rows: list[str]) -> bytes:
    return (HEADER + "".join(rows)).encode("cp1250")


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        # The teams' city puts both districts under "Gdańsk" in the sidebar.
        session.execute(update(Team).values(city="Gdańsk"))
    yield fresh_db_url, world
    engine.dispose()


def start(monkeypatch, url, auth="none"):
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)
    return AppTest.from_file(APP, default_timeout=120).run()


def open_import(at, area_id):
    at.sidebar.selectbox(key=state.AREA_ID).set_value(area_id).run()
    return at.switch_page(PAGE).run()


def upload(at, content, name="zasoby.csv"):
    return at.file_uploader(key="calmap.bulk.file").upload(name, content, "text/csv").run()


def resources(url) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.scalar(select(func.count()).select_from(Resource))
    engine.dispose()
    return found


def test_without_an_area_the_page_asks_for_one(monkeypatch, world_db):
    url, _ = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    assert not at.exception
    assert at.main.title[0].value == "Import z pliku: Gdańsk"
    assert at.info[0].value.startswith("Wybierz w panelu bocznym obszar")


def test_each_bad_row_is_listed_in_polish_and_saving_is_disabled(monkeypatch, world_db):
    url, world = world_db
    at = upload(open_import(start(monkeypatch, url), world.area_a), csv_bytes(BAD))
    assert not at.exception
    assert "kodowanie cp1250, separator: średnik, wierszy z danymi: 4" in at.caption[0].value
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Wiersz", "Kolumna", "Wartość", "Problem"]
    assert list(table["Wiersz"]) == [4, 5]
    assert list(table["Kolumna"]) == ["Kategoria", "Szerokość / Długość"]
    assert table["Wartość"][0] == "Kasyno"
    assert table["Problem"][0] == "Tej wartości nie ma w katalogu."
    assert table["Problem"][1].startswith("Ten punkt leży poza Polską")
    assert "Wiersze z błędami: 2" in [s.value for s in at.subheader]
    assert "Wiersze gotowe do zapisu: 2 z 4." in [m.value for m in at.markdown]
    assert at.button(key="calmap.bulk.commit_disabled").disabled
    assert resources(url) == 0


def test_a_file_without_the_required_columns_gets_one_message(monkeypatch, world_db):
    url, world = world_db
    at = open_import(start(monkeypatch, url), world.area_a)
    at = upload(at, "Nazwa;Adres\r\nPromyk;Dworska 29a\r\n".encode("cp1250"))
    assert not at.exception
    # Quoted in a Markdown alert, the column names come escaped (and show as typed).
    assert at.error[0].value.startswith(
        "W pliku brakuje wymaganych kolumn: " + md("kategoria/category"))


def test_a_clean_file_is_saved_whole_with_one_click(monkeypatch, world_db):
    url, world = world_db
    at = upload(open_import(start(monkeypatch, url), world.area_a), csv_bytes(GOOD))
    assert not at.exception
    ready = at.dataframe[-1].value
    assert list(ready["nazwa"]) == ["Świetlica „Promyk”", "Klub Seniora Złota Jesień"]
    assert list(ready["kategoria / sektor"]) == [
        "Świetlica / klub młodzieżowy", "Klub seniora / punkt informacji dla seniorów",
    ]
    at = at.button(key="calmap.bulk.commit").click().run()
    assert not at.exception
    assert at.success[0].value == "Zapisano na mapie obszaru Brzeźno wpisów: 2."
    assert resources(url) == 2
    # A rerun (another click anywhere) shows the result and offers no second save.
    at = at.run()
    assert at.success[0].value == "Zapisano na mapie obszaru Brzeźno wpisów: 2."
    assert "calmap.bulk.commit" not in [b.key for b in at.button]
    assert resources(url) == 2


def test_an_editor_signed_in_imports_into_their_teams_area_and_history_names_them(
    monkeypatch, world_db
):
    url, world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    at = upload(open_import(at, world.area_a), csv_bytes(GOOD))
    assert not at.exception
    at = at.button(key="calmap.bulk.commit").click().run()
    assert not at.exception
    assert at.success[0].value.endswith("wpisów: 2.")
    engine = create_engine(url)
    with Session(engine) as session:
        authors = set(session.scalars(
            select(LayerHistory.app_user).where(LayerHistory.table_name == "resource")
        ))
    engine.dispose()
    assert authors == {"ewa"}


def test_an_editor_choosing_another_teams_area_is_told_so_once(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    at = upload(open_import(at, world.area_b), csv_bytes(GOOD))
    assert not at.exception
    assert [e.value for e in at.error] == ["Możesz zmieniać tylko obszary swojego zespołu."]
    assert resources(url) == 0


def test_a_viewer_is_not_offered_the_import(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("wiktor")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    assert at.main.title[0].value.startswith("Mapa zasobów i potrzeb")
    # The router registers the page for editors and admins only.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


@pytest.mark.browser
def test_in_a_browser_the_preview_pins_carry_exactly_the_popups_the_server_escaped(
    session, tmp_path
):
    """The pin layers send popup parts; the browser must assemble the very same HTML."""

    import geopandas as gpd

    from mapping import catalog
    from mapping.io import bulk
    from mapping.maps import assets
    from mapping.maps.markup import _text
    from mapping.maps.overview import overview_map
    from mapping.maps.popups import pin_popup_html
    from tests.browser import offline_tab

    world = build_world(session)
    rows = [
        "Nazwa;Kategoria;Adres;Szerokość;Długość;Opis;WWW;Widoczność;Grupy docelowe\r\n",
        f"<script>alert(1)</script> {{{{ 7*7 }}}};Świetlica;ul. <b>Dworska</b> 29a;"
        f'{BRZEZNO_1[0]};{BRZEZNO_1[1]};"Zajęcia\nw soboty & niedziele";'
        '"https://promyk.example.pl/?a=""1""&b=2";tylko zespół;seniorzy, rodziny\r\n',
        f"Klub Seniora Złota Jesień;Klub seniora;;{BRZEZNO_2[0]};{BRZEZNO_2[1]};;"
        "javascript:alert(2);;\r\n",
    ]
    path = tmp_path / "zasoby.csv"
    path.write_bytes("".join(rows).encode("cp1250", errors="replace"))
    parsed = bulk.parse(path.read_bytes(), path.name)
    report = bulk.preview(session, world.admin, "resource", world.area_a, parsed)
    frame = bulk.preview_frame(report)
    entries = catalog.entries(session)
    empty = gpd.GeoDataFrame({"id": [], "parent_id": []}, geometry=[], crs=4326)
    page = tmp_path / "preview.html"
    page.write_text(
        overview_map(empty, {"resource": frame}, entries, "pl",
                          leaflet=assets.leaflet_inline()).get_root().render(),
        encoding="utf-8",
    )
    with offline_tab(page.as_uri()) as tab:
        tab.wait_for_function("typeof L !== 'undefined'")
        seen = tab.evaluate(
            """() => {
                // Pins bind their popup and tooltip on first use (calmap-pins.js):
                // bind each, then read what a click would show.
                const found = {};
                for (const name of Object.keys(window)) {
                    const group = window[name];
                    if (group && group.calmapLayer) {
                        group.eachLayer(pin => {
                            pin.options.calmapBind(pin);
                            const popup = pin.getPopup().getContent();
                            found[pin.options.calmapId] = [
                                typeof popup === "function" ? popup(pin) : popup,
                                pin.getTooltip().getContent(),
                            ];
                        });
                    }
                }
                return found;
            }"""
        )
        errors = tab.page_errors
        blocked = tab.blocked
    assert blocked == []
    assert errors == []
    for record in frame.to_dict("records"):
        popup, tooltip = seen[str(record["id"])]
        assert popup == pin_popup_html("resource", record, entries, "pl")
        assert tooltip == _text(record["name"])
    first = seen[str(frame["id"].iloc[0])][0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in first
    assert "Zajęcia<br>w soboty &amp; niedziele" in first


def test_a_kobotoolbox_export_is_placed_by_its_split_geopoint_like_the_cli_does(
    monkeypatch, world_db
):
    # KoboToolbox exports a geopoint question "punkt" as "lat lon alt accuracy"
    # plus one column per part; read as WKT, "punkt" would be an error per row.
    url, world = world_db
    header = (
        "Nazwa;Kategoria;punkt;_punkt_latitude;_punkt_longitude;_punkt_altitude;"
        "_punkt_precision\r\n"
    )
    points = [tuple(float(v.replace(",", ".")) for v in p) for p in (BRZEZNO_1, BRZEZNO_2)]
    rows = [
        f"Świetlica nr {i};Świetlica;{lat} {lon} 12 5;{lat};{lon};12;5\r\n"
        for i, (lat, lon) in enumerate(points)
    ]
    at = upload(open_import(start(monkeypatch, url), world.area_a),
                (header + "".join(rows)).encode("utf-8-sig"), name="kobo_export.csv")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    at = at.button(key="calmap.bulk.commit").click().run()
    assert at.success[0].value == "Zapisano na mapie obszaru Brzeźno wpisów: 2."
    engine = create_engine(url)
    with Session(engine) as session:
        placed = session.execute(
            select(func.ST_Y(Resource.geom), func.ST_X(Resource.geom)).order_by(Resource.id)
        ).all()
    engine.dispose()
    assert [(round(y, 5), round(x, 5)) for y, x in placed] == points
