"""The June pack's action plan: a table on the deck, the poster and the offline map, and its
evidence of change, from hand-made content (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pypdfium2 as pdfium

from mapping.analysis.action_plan import PlanRow
from mapping.reports import deck, listing, offline_html
from mapping.reports.poster import write_poster
from tests.deck_html_fixtures import XSS, estate_content

PLAN = [
    PlanRow(2, "Klub seniora we wtorki", "Samotność osób starszych",
            ("Fundacja „Dobro Popowic”",), dt.date(2026, 9, 30), "in_progress"),
    PlanRow(1, XSS, "Brak miejsca spotkań dla młodzieży", (), None, "done"),
]


def planned():
    return replace(
        estate_content(actions_done=(XSS,), needs_covered=("Brak miejsca spotkań dla młodzieży",)),
        action_plan=PLAN,
    )


def test_the_deck_has_an_action_plan_slide_and_counts_actions_done():
    prs = deck.build_deck(planned())
    texts = []
    for slide in prs.slides:
        parts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        parts += [c.text for s in slide.shapes if getattr(s, "has_table", False) and s.has_table
                  for row in s.table.rows for c in row.cells]
        texts.append("\n".join(parts))
    (plan,) = [text for text in texts if text.startswith("Plan działań (2)")]
    assert "Klub seniora we wtorki" in plan and "w trakcie" in plan and "30.09.2026" in plan
    assert XSS in plan and "zrealizowane" in plan
    changes = next(text for text in texts if "Działania zrealizowane" in text)
    assert "Potrzeby, na które ktoś już odpowiada" in changes


def test_without_a_plan_the_evidence_of_change_lists_only_the_map_kinds():
    content = estate_content()
    assert [line.kind for line in listing.change_lines(content)] == list(listing.CHANGE_KINDS)


def test_the_offline_map_escapes_the_plan_and_the_poster_prints_it(tmp_path):
    content = planned()
    page = offline_html.offline_html(content)
    assert "Plan działań (2)" in page and "Klub seniora we wtorki" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    path = write_poster(content, tmp_path / "plakat.pdf", paper="A3")
    document = pdfium.PdfDocument(str(path))
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    assert "Plan działań (2)" in text and "Klub seniora we wtorki" in text
    assert "Działania zrealizowane" in text
