"""The poster's plain-text flowables: line breaking, splitting between rows and lines."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from mapping.reports.fonts import BOLD, REGULAR, register_fonts
from mapping.reports.plain_text import TableLook, TextParagraph, TextTable, wrap_runs, wrap_text
from mapping.reports.poster_blocks import Styles

register_fonts()
LOOK = TableLook(font=REGULAR, header_font=BOLD, size=8.5, leading=10.37, pad_x=3, pad_y=1.5,
                 ink=colors.black, header_ink=colors.white, header_fill=colors.blue,
                 stripes=(colors.white, colors.grey))


def test_lines_break_where_a_paragraph_breaks_them():
    text = "Brak pomocy w nauce i opieki po lekcjach dla dzieci z rodzin w kryzysie"
    style = Styles(1.0).cell
    for width in (60.0, 93.975, 140.0, 400.0):
        paragraph = Paragraph(text, style)
        paragraph.wrap(width, 10_000)
        expected = [" ".join(words) for _, words in paragraph.blPara.lines]
        assert wrap_text(text, REGULAR, 8.5, width) == expected


def test_a_word_longer_than_the_line_is_cut_between_letters():
    lines = wrap_text("Konstantynopolitańczykowianeczka", REGULAR, 8.5, 40)
    assert "".join(lines) == "Konstantynopolitańczykowianeczka"
    assert len(lines) > 1
    assert all(stringWidth(line, REGULAR, 8.5) <= 40 for line in lines)


def test_control_characters_and_markup_are_kept_out_or_kept_literal():
    assert wrap_text("Klub\x00 <b>Łąka</b> & Co", REGULAR, 8.5, 400) == ["Klub <b>Łąka</b> & Co"]
    assert wrap_text("", REGULAR, 8.5, 100) == [""]


def test_a_long_table_splits_between_rows_repeating_the_header_and_the_stripes_go_on():
    rows = [(f"Zasób {i}", "Biblioteka", f"ul. Długa {i}") for i in range(40)]
    table = TextTable(("Nazwa", "Kategoria", "Adres"), rows, [120, 80, 80], LOOK)
    width, height = table.wrap(280, 10_000)
    assert width == 280
    first, rest = table.split(280, height / 2)
    assert first.height <= height / 2
    assert first._header_lines == rest._header_lines == table._header_lines
    assert len(first._row_lines) + len(rest._row_lines) == 40
    assert rest.first_row == len(first._row_lines)
    assert abs(first.height + rest.height - height - first._header_height) < 1e-6
    assert table.split(280, first._header_height + 1) == []  # not even one row fits
    assert table.split(280, height) == [table]


def test_a_paragraph_of_runs_splits_between_lines():
    names = " · ".join(f"Partner {i}" for i in range(60))
    paragraph = TextParagraph([("Nowi partnerzy (60):", BOLD), (names, REGULAR)], 9.5, 11.6,
                              colors.black, space_before=4)
    _, height = paragraph.wrap(200, 10_000)
    lines = wrap_runs([("Nowi partnerzy (60):", BOLD), (names, REGULAR)], 9.5, 200)
    assert height == len(lines) * 11.6
    assert lines[0][0] == ("Nowi", BOLD)
    first, rest = paragraph.split(200, 3 * 11.6)
    assert len(first._lines) == 3 and len(rest._lines) == len(lines) - 3
    assert (first.spaceBefore, rest.spaceBefore) == (4, 0)
    assert paragraph.split(200, 5) == []
