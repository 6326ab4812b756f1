"""The June poster PDF: pages per paper, Polish text, legend counts, literal names, empty areas."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from mapping.analysis.changes import UnitChanges
from mapping.reports import poster_blocks
from mapping.reports.poster import write_poster
from mapping.reports.static_map import render_map_png
from tests import report_content_fixtures as fixtures

NASTY = "<script>alert(1)</script> & Co"


def read_pdf(path) -> list[str]:
    """The text of every page."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def changes():
    return UnitChanges("area", 1, "Nadodrze", new_resources=("Świetlica Źdźbło", NASTY),
                       closed_resources=("Klub Łąka",), needs_met=("Samotność seniorów",))


@pytest.fixture(scope="module")
def content(changes):
    return fixtures.content(changes=changes)


@pytest.fixture(scope="module")
def map_png(content):
    # One small map for the tests that look at the text, not at the image.
    return render_map_png(content, 600, 450, dpi=100)


@pytest.fixture(scope="module")
def a3_pages(content, tmp_path_factory):
    path = write_poster(content, tmp_path_factory.mktemp("a3") / "poster.pdf")
    return read_pdf(path)


def test_an_a3_poster_has_the_map_page_and_table_pages(a3_pages):
    assert len(a3_pages) == 3


def test_page_one_has_title_team_snapshot_and_legend_counts(a3_pages, content):
    first = flat(a3_pages[0])
    assert "Nadodrze – Ośrodek Żółć" in first
    assert "ZTPS/7 „Aktywne Nadodrze”" in first
    assert "Czerwiec 2026 (01.06.2026)" in first
    for section in content.legend:
        assert f"{section.title} {section.total}" in first
        for row in section.rows:
            assert row.label in first
    assert "Szkoła 20" in first
    assert "w tym dla całego obszaru (bez punktu): 3" in first


def test_page_one_has_changes_surveys_partnerships_qr_and_notes(a3_pages):
    first = flat(a3_pages[0])
    assert "Dowody zmian od: Czerwiec 2025 (02.06.2025)" in first
    assert "Nowe zasoby 2" in first and "Potrzeby zaspokojone 1" in first
    assert "Seniorzy najczęściej wskazują samotność" in first
    assert "Razem dla Nadodrza" in first
    assert "Mapa online" in first and "mapa.mops.example.pl" in first
    assert "Pominięto 3 pinezki" in first
    assert "Granice: SIP Wrocławia" in first


def test_the_tables_list_pins_up_to_their_limit_and_count_the_rest(a3_pages, content):
    rest = flat(" ".join(a3_pages[1:]))
    limit = poster_blocks.MAX_TABLE_ROWS
    # The layers' generated names repeat across layers: each is looked for in its own table.
    headings = ["Zasoby (140)", "Partnerzy (60)", "Potrzeby (100)"]
    starts = [rest.index(heading) for heading in headings] + [len(rest)]
    for i, layer in enumerate(("resource", "partner", "need")):
        table = rest[starts[i]:starts[i + 1]]
        names = list(content.pins[layer]["name"])
        listed = [name for name in names if f"{name} " in table]
        assert len(listed) == min(len(names), limit)
        if len(names) > limit:
            assert f"… i {len(names) - limit} więcej (pełna lista na mapie online)" in table
    assert "cały obszar" in rest and "zaspokojona" in rest


def test_tables_leave_out_phone_numbers(a3_pages):
    assert "71 000 00 00" not in " ".join(a3_pages)


def test_names_of_the_changes_are_listed(a3_pages):
    rest = flat(" ".join(a3_pages[1:]))
    assert "Świetlica Źdźbło" in rest and "Klub Łąka" in rest


@pytest.mark.parametrize(("paper", "pages"), [("A4", 4), ("A0", 3)])
def test_other_papers_have_their_own_page_counts(content, map_png, tmp_path, paper, pages):
    path = write_poster(content, tmp_path / f"{paper}.pdf", paper, map_png=map_png)
    text = read_pdf(path)
    assert len(text) == pages
    assert "Nadodrze – Ośrodek Żółć" in flat(text[0])


def test_an_a0_poster_draws_its_own_map(content, tmp_path):
    path = write_poster(content, tmp_path / "a0.pdf", "A0")
    pdf = pdfium.PdfDocument(str(path))
    width, height = pdf[0].get_size()
    pdf.close()
    assert (round(width), round(height)) == (3370, 2384)


def test_a_200_character_title_is_shortened_onto_the_page(tmp_path, map_png):
    title = ("Partnerstwo Lokalne Żółtej Łąki i Świętego Źródła " * 5)[:200]
    path = write_poster(fixtures.content(title=title), tmp_path / "long.pdf", map_png=map_png)
    first = flat(read_pdf(path)[0])
    assert title[:60] in first
    assert "…" in first
    assert "Zespół: ZTPS/7" in first


def test_markup_in_names_prints_literally(tmp_path, map_png, changes):
    content = fixtures.content({"resource": 5, "partner": 2, "need": 2}, title=NASTY,
                               changes=changes, team_name=NASTY, notes=[NASTY])
    content.pins["resource"].loc[0, "name"] = NASTY
    content.pins["partner"].loc[0, "address"] = "ul. <b>Pogrubiona</b> & 5"
    pages = [flat(page) for page in read_pdf(write_poster(content, tmp_path / "x.pdf",
                                                           map_png=map_png))]
    assert pages[0].count(NASTY) >= 3  # title, team and notes
    assert NASTY in pages[1]
    assert "ul. <b>Pogrubiona</b> & 5" in pages[1]


def test_an_empty_area_gives_one_page_that_says_so(tmp_path):
    empty = fixtures.content({}, changes=None, compare_name=None, compare_date=None)
    pages = read_pdf(write_poster(empty, tmp_path / "empty.pdf", "A4"))
    assert len(pages) == 1
    assert "nie ma jeszcze zasobów, partnerów ani potrzeb" in flat(pages[0])
    assert "Brak wcześniejszej migawki" in flat(pages[0])


def test_english_content_gets_english_labels(tmp_path, map_png, changes):
    content = fixtures.content({"resource": 5, "partner": 2, "need": 3}, language="en",
                               changes=changes)
    pages = [flat(page) for page in read_pdf(write_poster(content, tmp_path / "en.pdf",
                                                           map_png=map_png))]
    assert "Legend" in pages[0] and "School" in pages[0] and "New resources 2" in pages[0]
    assert "Map online" in pages[0]
    assert "Resources (5)" in pages[1] and "whole area" in pages[1]


def test_a_table_too_long_ends_with_how_many_more(tmp_path, map_png, monkeypatch):
    monkeypatch.setattr(poster_blocks, "MAX_TABLE_ROWS", 50)
    content = fixtures.content({"resource": 80})
    text = flat(" ".join(read_pdf(write_poster(content, tmp_path / "cut.pdf",
                                                map_png=map_png))))
    assert "… i 30 więcej" in text


def test_changes_without_a_counts_method_still_print(tmp_path, map_png):
    class Partial:  # another renderer's object with only some kinds
        new_partners = ("Fundacja Ćma",)

    content = fixtures.content({"resource": 3}, changes=Partial())
    text = flat(" ".join(read_pdf(write_poster(content, tmp_path / "p.pdf", map_png=map_png))))
    assert "Nowi partnerzy 1" in text and "Fundacja Ćma" in text


def test_an_unknown_paper_is_refused(content, tmp_path):
    with pytest.raises(ValueError, match="A3"):
        write_poster(content, tmp_path / "x.pdf", "B5")
