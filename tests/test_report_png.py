"""The fast RGB PNG writer: any PNG reader gets the very pixels back."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mapping.reports.png import encode_rgb, rgb_data


@pytest.mark.parametrize("channels", [3, 4])
def test_pillow_reads_back_the_pixels_and_drops_the_alpha(channels):
    pixels = np.random.default_rng(3).integers(0, 256, (29, 31, channels), dtype=np.uint8)
    png = encode_rgb(pixels)
    with Image.open(io.BytesIO(png)) as image:
        image.load()  # checks every chunk's CRC and the zlib stream
        assert image.mode == "RGB"
        assert np.array_equal(np.asarray(image), pixels[:, :, :3])


def test_a_strided_view_is_written_as_its_pixels():
    # The map hands over a view of the canvas buffer, not a packed copy.
    base = np.random.default_rng(4).integers(0, 256, (20, 40, 4), dtype=np.uint8)
    view = base[::2, 1::3]
    with Image.open(io.BytesIO(encode_rgb(view))) as image:
        assert np.array_equal(np.asarray(image), view[:, :, :3])


def test_its_parts_are_read_back():
    pixels = np.zeros((5, 7, 3), np.uint8)
    data = rgb_data(encode_rgb(pixels))
    assert (data.width, data.height) == (7, 5)
    assert len(data.idat) > 0
