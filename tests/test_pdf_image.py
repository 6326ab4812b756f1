"""A PNG copied into a PDF as it is: the pixels a PDF reader decodes are the PNG's own."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from mapping.reports import pdf_image
from mapping.reports.png import rgb_data
from mapping.reports.poster import write_poster
from mapping.reports.static_map import render_map_png
from tests import report_content_fixtures as fixtures


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def images_in(pdf_bytes: bytes) -> list[np.ndarray]:
    """The RGB pixels of every image object on the first page, as the reader decodes them."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        return [np.asarray(obj.get_bitmap(render=False).to_pil().convert("RGB"))
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    finally:
        pdf.close()


def pdf_with(*pngs: bytes) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(300, 300))
    for i, png in enumerate(pngs):
        pdf_image.draw_png(canvas, png, 10, 10 + 90 * i, 120, 80)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    # Random pixels: every PNG row filter is exercised, nothing compresses away.
    return np.random.default_rng(7).integers(0, 256, (41, 67, 3), dtype=np.uint8)


def test_an_rgb_png_goes_in_byte_for_byte_and_decodes_to_its_pixels(noise):
    png = png_of(Image.fromarray(noise, "RGB"))
    data = rgb_data(png)
    assert (data.width, data.height) == (67, 41)
    pdf = pdf_with(png)
    assert data.idat in pdf
    assert b"/Predictor 15" in pdf
    [pixels] = images_in(pdf)
    assert np.array_equal(pixels, noise)


def test_the_same_png_twice_is_stored_once(noise):
    png = png_of(Image.fromarray(noise, "RGB"))
    pdf = pdf_with(png, png)
    assert pdf.count(b"/Subtype /Image") == 1
    assert len(images_in(pdf)) == 2


@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_other_pngs_are_drawn_the_usual_way(noise, mode):
    image = Image.fromarray(noise, "RGB").convert(mode)
    png = png_of(image)
    assert rgb_data(png) is None
    [pixels] = images_in(pdf_with(png))
    assert np.array_equal(pixels, np.asarray(image.convert("RGB")))


@pytest.mark.parametrize("blob", [b"", b"not a png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00"])
def test_what_is_not_a_whole_png_is_not_copied(blob):
    assert rgb_data(blob) is None


def test_a_posters_map_is_the_rendered_map_pixel_for_pixel(tmp_path):
    content = fixtures.content()
    png = render_map_png(content, 640, 480, dpi=100)
    path = write_poster(content, tmp_path / "poster.pdf", map_png=png)
    pdf = path.read_bytes()
    assert rgb_data(png).idat in pdf
    maps = [pixels for pixels in images_in(pdf) if pixels.shape[:2] == (480, 640)]
    assert len(maps) == 1
    assert np.array_equal(maps[0], np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
