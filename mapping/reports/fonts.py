"""The typeface of the printed pack: DejaVu Sans, embedded, for Polish letters and glyphs.

DejaVu Sans has every Polish letter and every glyph of the catalogue, and
it ships with matplotlib, so the pack prints the same on any machine. PDF's
own base fonts have no "ł" or "ż": ReportLab must embed a TrueType font.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
# The names ReportLab styles refer to.
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    """Register the regular and bold faces with ReportLab, once per process."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_REGULAR)))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_BOLD)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)
