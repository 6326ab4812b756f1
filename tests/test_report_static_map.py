"""The static map image: right size, drawn pins, basemap tiles when they answer, plain otherwise."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from mapping.reports import tiles as tile_source
from mapping.reports.static_map import (
    attribution_lines,
    nice_length,
    render_map,
    render_map_png,
    scale_label,
)
from tests import report_content_fixtures as fixtures

TILE_COLOUR = (40, 160, 90)


@pytest.fixture(scope="module")
def content():
    return fixtures.content()


@pytest.fixture
def tile_server():
    """A local XYZ server whose every tile is one green 256 × 256 PNG; yields (template, hits)."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_COLOUR).save(buffer, format="PNG")
    tile, hits = buffer.getvalue(), []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tile_source.clear_cache()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", hits
    server.shutdown()
    server.server_close()
    tile_source.clear_cache()


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_the_png_has_the_asked_size_and_is_not_one_colour(content):
    png = render_map_png(content, 900, 600, dpi=150)
    image = pixels(png)
    assert image.shape == (600, 900, 3)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50


def test_pins_are_drawn_in_their_category_colours(content):
    image = pixels(render_map_png(content, 1200, 900, dpi=150))
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    # School blue (resources) and NGO green (partners) from the shipped catalogue.
    assert (0x1F, 0x77, 0xB4) in colours
    assert (0x2C, 0xA0, 0x2C) in colours


def test_without_tiles_the_background_is_plain(content):
    rendered = render_map(content, 400, 300, dpi=100)
    assert rendered.basemap == "plain" and rendered.note is None


def test_tiles_from_a_reachable_server_are_drawn_under_the_map(content, tile_server):
    template, hits = tile_server
    rendered = render_map(content, 800, 600, dpi=100, tiles=template,
                          tiles_attribution="© Test Tiles")
    assert rendered.basemap == "tiles"
    assert hits and all(path.endswith(".png") for path in hits)
    image = pixels(rendered.png).astype(int)
    # The tile green under a 25 % white veil covers the land outside the estate.
    veiled = np.array(TILE_COLOUR) * 0.75 + 255 * 0.25
    near = np.abs(image - veiled).sum(axis=2) < 12
    assert near.mean() > 0.05


def test_tiles_are_fetched_once_per_process(content, tile_server):
    template, hits = tile_server
    render_map(content, 500, 400, dpi=100, tiles=template)
    first = len(hits)
    render_map(content, 500, 400, dpi=100, tiles=template)
    assert first > 0 and len(hits) == first


def test_an_unreachable_tile_server_gives_a_plain_map_quickly_with_a_note(content):
    tile_source.clear_cache()
    started = time.monotonic()
    rendered = render_map(content, 400, 300, dpi=100, tiles="http://127.0.0.1:9/{z}/{x}/{y}.png")
    assert rendered.basemap == "plain"
    assert "tło" in rendered.note or "tle" in rendered.note
    assert time.monotonic() - started < 6
    tile_source.clear_cache()


def test_an_empty_area_still_gives_an_image():
    empty = fixtures.content({})
    image = pixels(render_map_png(empty, 500, 400, dpi=100))
    assert image.shape == (400, 500, 3)


def test_content_without_any_geometry_shows_poland():
    empty = fixtures.content({}, areas=fixtures.estates().iloc[0:0], focus_area_ids=[])
    rendered = render_map(empty, 300, 300, dpi=100)
    assert rendered.extent[0] < 2_000_000 < rendered.extent[2]


@pytest.mark.parametrize(("metres", "expected"), [(930, 500), (1999, 1000), (2100, 2000),
                                                  (60, 50), (7.5, 5)])
def test_the_scale_bar_takes_round_lengths(metres, expected):
    assert nice_length(metres) == expected


def test_scale_labels_switch_to_kilometres():
    assert scale_label(500) == "500 m"
    assert scale_label(2000) == "2 km"


def test_a_long_attribution_wraps_onto_at_most_three_lines_instead_of_running_off():
    source = ("Granice obszarów: Miasto Gdańsk, dane.gov.pl 1821 (Granice dzielnic w Gdańsku, "
              "via jusjag/dzielnice-json-power-bi); Union of the 35 districts, gaps under 5 ha "
              "between them filled – Miasto Gdańsk, dane.gov.pl 1821. Dane: MOPS, stan z dnia "
              "migawki. ") * 2
    lines = attribution_lines(source, width_pt=400, size_pt=5.5).split("\n")
    assert len(lines) == 3
    assert all(len(line) <= int(400 / (5.5 * 0.55)) for line in lines)
    assert lines[0].startswith("Granice obszarów: Miasto Gdańsk")
    assert lines[-1].endswith("…")
    assert attribution_lines("Dane: MOPS.", 400, 5.5) == "Dane: MOPS."
