"""The June page's preview: which poster of a pack to show, and its first page as a picture.

The picture is drawn with PDFium (no poppler needed).
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium

# The file name prefixes ``build.slug`` gives the city's, a team's and an area's maps.
POSTER_PREFIXES = {"city": "miasto-", "team": "zespol-", "area": "obszar-"}


def chosen_poster(out_dir: str | Path, scope: str) -> Path | None:
    """The poster of what the pack was made for (``city``, ``team`` or ``area``).

    The city's, the team's or the area's; when that one failed to render, the
    first of the others (city, then teams, then areas); None without any poster.
    """
    first = POSTER_PREFIXES.get(scope, POSTER_PREFIXES["city"])
    prefixes = (first, *(p for p in POSTER_PREFIXES.values() if p != first))
    for prefix in prefixes:
        posters = sorted(Path(out_dir).glob(f"{prefix}*.pdf"))
        if posters:
            return posters[0]
    return None


def poster_preview_png(pdf: str | Path, width_px: int = 1400) -> bytes:
    """The first page of ``pdf`` as a PNG ``width_px`` wide."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()
