"""A picture of a poster's first page, for the June page's preview (PDFium, no poppler)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium


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
