"""The June deck: opened again with python-pptx, its slides, tables and texts checked."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from mapping.maps.legend import LegendRow
from mapping.reports import deck
from mapping.reports.slides import row_lines
from tests.deck_html_fixtures import (
    LONG_TITLE,
    XSS,
    estate_content,
    estate_pins,
    without_comparison,
)


def _write(tmp_path, content, map_png=None):
    return Presentation(str(deck.write_deck(content, tmp_path / "deck.pptx", map_png)))


def titles(prs) -> list[str]:
    return [slide.shapes.title.text for slide in prs.slides]


def tables(slide) -> list:
    return [shape.table for shape in slide.shapes if shape.has_table]


def texts(slide) -> str:
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if shape.has_table:
            found += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(found)


def slides_titled(prs, prefix: str) -> list:
    return [s for s in prs.slides if s.shapes.title.text.startswith(prefix)]


def body_rows(prs, prefix: str) -> list[list[str]]:
    return [
        [cell.text for cell in row.cells]
        for slide in slides_titled(prs, prefix)
        for table in tables(slide)
        for row in list(table.rows)[1:]
    ]


@pytest.fixture(scope="module")
def content():
    return estate_content()


@pytest.fixture(scope="module")
def prs(content, tmp_path_factory):
    return _write(tmp_path_factory.mktemp("deck"), content)


def test_the_deck_is_16_to_9_with_the_slides_in_the_expected_order(prs):
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))
    pages = sum(title.startswith("Zasoby (45), część ") for title in titles(prs))
    assert pages >= 2
    assert titles(prs) == [
        LONG_TITLE,
        "Mapa zasobów i potrzeb",
        *[f"Zasoby (45), część {n} z {pages}" for n in range(1, pages + 1)],
        "Partnerzy (3)",
        "Potrzeby (3)",
        "Zmiany od: Czerwiec 2025 (16.06.2025)",
        "Partnerstwo: Partnerstwo Gądów „Razem”",
        "Wyniki ankiet",
        "Uwagi i źródła",
    ]


def test_the_title_slide_shows_the_whole_200_character_name_team_and_snapshot(prs):
    assert len(LONG_TITLE) == 200
    first = texts(prs.slides[0])
    assert LONG_TITLE in first
    assert "Zespół nr 3 – Fabryczna" in first
    assert "Czerwiec 2026 (15.06.2026)" in first


def test_a_long_table_is_split_over_slides_and_no_row_is_lost(content, tmp_path):
    pins = {**content.pins, "resource": estate_pins(content.areas, resources=30)["resource"]}
    prs = _write(tmp_path, replace(content, pins=pins))
    assert 2 <= len(slides_titled(prs, "Zasoby")) <= deck.MAX_TABLE_SLIDES
    rows = body_rows(prs, "Zasoby")
    assert sorted(r[0] for r in rows) == sorted(pins["resource"]["name"])
    # Every page of the split table repeats the header row.
    for slide in slides_titled(prs, "Zasoby"):
        assert [c.text for c in tables(slide)[0].rows[0].cells] == [
            "Nazwa", "Kategoria", "Adres", "Grupy docelowe"]


def test_tables_hold_the_names_and_labels_with_polish_letters(prs):
    resources = body_rows(prs, "Zasoby")
    assert ["Klub Seniora „Złota Jesień” nr 3", "Klub seniora / punkt informacji dla seniorów",
            "ul. Żeromskiego 3", ""] in resources
    assert ["Filia nr 2 Miejskiej Biblioteki Publicznej", "Biblioteka", "ul. Żeromskiego 2",
            "Seniorzy, Rodziny"] in resources
    partners = body_rows(prs, "Partnerzy")
    assert [r[0] for r in partners] == [
        "Fundacja „Dobro Popowic”", "Parafia św. Łukasza", "Rada Osiedla Gądów"]
    needs = {r[0]: r for r in body_rows(prs, "Potrzeby")}
    assert needs["Bezrobocie długotrwałe na całym osiedlu"][2:] == [
        "rozpoznana", "niski", "cały obszar"]
    assert needs["Samotność osób starszych"][3] == "wysoki"


def test_a_script_in_a_name_is_printed_as_text(prs):
    assert XSS in [r[0] for r in body_rows(prs, "Zasoby")]
    assert XSS in texts(slides_titled(prs, "Partnerstwo")[0])


def test_the_changes_slide_counts_every_kind_and_says_how_many_names_did_not_fit(prs):
    table = tables(slides_titled(prs, "Zmiany")[0])[0]
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in list(table.rows)[1:]}
    assert rows["Nowe zasoby"][0] == "30"
    assert rows["Nowe zasoby"][1].startswith("Nowa świetlica „Żak” nr 1, ")
    assert "i jeszcze " in rows["Nowe zasoby"][1]
    assert rows["Zamknięte zasoby"] == ("1", "Klub „Łącznik”")
    assert rows["Potrzeby zaspokojone"] == ("0", "–")
    assert len(rows) == 8


def test_the_partnership_slide_lists_members_with_roles_and_dates(prs):
    slide = slides_titled(prs, "Partnerstwo")[0]
    assert "Zawiązane: 12.03.2024 · członków: 3" in texts(slide)
    rows = [[c.text for c in r.cells] for r in list(tables(slide)[0].rows)[1:]]
    assert rows[:2] == [["Fundacja „Dobro Popowic”", "lider", "12.03.2024"],
                        ["Parafia św. Łukasza", "członek", "20.01.2025"]]
    assert rows[2] == [XSS, "", ""]


def test_the_last_slide_lists_what_was_left_out_and_the_sources(prs):
    last = texts(prs.slides[-1])
    assert "Pominięto 4 wpisy widoczne tylko dla zespołu." in last
    assert "Granice osiedli: SIP Wrocławia" in last
    assert "https://calmap.example.pl/?area=24" in last


def test_without_an_earlier_snapshot_the_changes_slide_says_so(content, tmp_path):
    prs = _write(tmp_path, without_comparison(content))
    slide = slides_titled(prs, "Zmiany")[0]
    assert slide.shapes.title.text == "Zmiany"
    assert "Brak wcześniejszego zestawienia do porównania" in texts(slide)
    assert tables(slide) == []


def test_the_map_slide_holds_the_picture_beside_an_editable_legend(content, tmp_path):
    png = io.BytesIO()
    Image.new("RGB", (1600, 1000), "#eef0ec").save(png, format="PNG")
    prs = _write(tmp_path, content, png.getvalue())
    slide = prs.slides[1]
    pictures = [s for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 1
    picture = pictures[0]
    assert picture.left + picture.width <= prs.slide_width
    assert abs(picture.width / picture.height - 1.6) < 0.01
    legend = texts(slide)
    assert "Zasoby (45)" in legend and "Klub seniora" in legend
    assert "w tym dla całego obszaru (bez punktu): 1" in legend


def test_the_picture_is_stored_as_it_is_and_the_xml_deflated(content, tmp_path):
    png = io.BytesIO()
    Image.new("RGB", (800, 500), "#eef0ec").save(png, format="PNG")
    path = deck.write_deck(content, tmp_path / "deck.pptx", png.getvalue())
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        members = {m.filename: m for m in package.infolist()}
        [picture] = [m for name, m in members.items() if name.startswith("ppt/media/")]
        assert picture.compress_type == zipfile.ZIP_STORED
        assert package.read(picture.filename) == png.getvalue()
        assert members["ppt/slides/slide1.xml"].compress_type == zipfile.ZIP_DEFLATED
        assert members["[Content_Types].xml"].compress_type == zipfile.ZIP_DEFLATED
    # python-pptx reads the package back whole.
    assert len(Presentation(str(path)).slides) >= 7


def _crowded(content, categories: int):
    """``content`` with a resources legend of ``categories`` categories (a city's legend)."""
    rows = tuple(LegendRow(code=f"c{i}", label=f"Kategoria zasobu numer {i} z długą nazwą",
                           icon="★", colour="#336699", count=i + 1, pinned=i + 1)
                 for i in range(categories))
    sections = [replace(content.legend[0], rows=rows), *content.legend[1:]]
    return replace(content, legend=sections)


def _estimated_fits(slide) -> bool:
    """Every text box's paragraphs, estimated as the deck estimates them, fit the box."""
    for shape in slide.shapes:
        if not shape.has_text_frame or shape == slide.shapes.title:
            continue
        paragraphs = shape.text_frame.paragraphs
        size = max((run.font.size.pt for p in paragraphs for run in p.runs if run.font.size),
                   default=12)
        lines = sum(row_lines([p.text], [shape.width / 914400], size) for p in paragraphs)
        if lines * size * deck.LEGEND_LINE / 72 > shape.height / 914400 + 1e-6:
            return False
    return True


def test_a_legend_too_long_for_the_map_slide_gets_slides_of_its_own(content, tmp_path):
    crowded = _crowded(content, 70)
    prs = _write(tmp_path, crowded)
    map_slide = prs.slides[1]
    assert "Zasoby (45)" in texts(map_slide)
    assert "Kategoria zasobu numer 0" not in texts(map_slide)
    assert "na następnym slajdzie" in texts(map_slide)
    legend_slides = slides_titled(prs, "Legenda")
    assert legend_slides and titles(prs).index(legend_slides[0].shapes.title.text) == 2
    shown = "\n".join(texts(slide) for slide in legend_slides)
    for row in crowded.legend[0].rows:
        assert f"{row.label}  {row.count}" in shown
    for slide in [map_slide, *legend_slides]:
        assert _estimated_fits(slide)


def test_a_short_legend_stays_beside_the_map(content, tmp_path):
    prs = _write(tmp_path, _crowded(content, 12))
    assert "Kategoria zasobu numer 11" in texts(prs.slides[1])
    assert not slides_titled(prs, "Legenda")
    assert _estimated_fits(prs.slides[1])


def test_without_a_picture_the_map_slide_says_where_the_map_is(prs):
    assert "Mapa tego obszaru jest na plakacie" in texts(prs.slides[1])


def test_an_english_deck_speaks_english(tmp_path):
    prs = _write(tmp_path, without_comparison(estate_content("en")))
    assert titles(prs)[1] == "Resource and needs map"
    assert re.fullmatch(r"Resources \(45\), part 1 of \d", titles(prs)[2])
    assert "There is no earlier snapshot to compare with" in texts(
        slides_titled(prs, "Changes")[0])
    assert titles(prs)[-1] == "Notes and sources"


def test_an_empty_area_still_gets_every_slide_with_a_clear_message(content, tmp_path):
    empty = {layer: frame.iloc[0:0] for layer, frame in content.pins.items()}
    prs = _write(tmp_path, replace(content, pins=empty, legend=[], partnerships=[],
                                   survey_highlights=[]))
    assert titles(prs)[2:5] == ["Zasoby (0)", "Partnerzy (0)", "Potrzeby (0)"]
    assert "Brak wpisów w tym zestawieniu." in texts(prs.slides[2])
    assert "nie działa jeszcze żadne partnerstwo" in texts(slides_titled(prs, "Partnerstwa")[0])
    assert "Wyniki ankiet" not in titles(prs)


def test_control_characters_in_a_name_do_not_break_the_file(content, tmp_path):
    pins = dict(content.pins)
    pins["partner"] = pins["partner"].copy()
    pins["partner"].loc[0, "name"] = "Fundacja\x0b„Nowa”\x00"
    prs = _write(tmp_path, replace(content, pins=pins))
    assert "Fundacja „Nowa”" in [r[0] for r in body_rows(prs, "Partnerzy")]


def test_every_shape_stays_on_the_slide(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table:
                continue  # PowerPoint grows rows to their text; width is what is set
            assert shape.left >= 0 and shape.top >= 0
            assert shape.left + shape.width <= prs.slide_width
            assert shape.top + shape.height <= prs.slide_height


def test_a_very_long_table_stops_after_its_last_slide_and_says_how_many_rows_are_left(
    content, tmp_path
):
    pins = {**content.pins, "resource": estate_pins(content.areas, resources=300)["resource"]}
    prs = _write(tmp_path, replace(content, pins=pins))
    last = deck.MAX_TABLE_SLIDES
    assert [t for t in titles(prs) if t.startswith("Zasoby")][-1] == (
        f"Zasoby (300), część {last} z {last}")
    rows = body_rows(prs, "Zasoby")
    shown = rows[:-1]
    match = re.fullmatch(r"…i jeszcze (\d+) \(wszystkie są na mapie HTML\)", rows[-1][0])
    assert match and len(shown) + int(match.group(1)) == 300
    assert len({r[0] for r in shown}) == len(shown)
