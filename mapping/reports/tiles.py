"""Basemap tiles for the static map: fetched from an XYZ template within a time budget.

The June pack renders dozens of maps, often in a room without internet. So
each tile is fetched once per process (a small in-memory cache), all tiles of
one map share a budget of about three seconds, and a template that did not
answer is not asked again for a minute: the other maps go straight to the
plain background instead of waiting again.
"""

from __future__ import annotations

import io
import math
import threading
import time
import urllib.request
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
from PIL import Image

TILE_SIZE = 256
EARTH_HALF = math.pi * 6_378_137.0  # half the Web Mercator world width, in metres
BUDGET_SECONDS = 3.0
MAX_TILES = 80  # more would not arrive within the budget; a lower zoom is used instead
MAX_ZOOM = 19
CACHE_TILES = 512
RETRY_AFTER_SECONDS = 60.0
USER_AGENT = "calmap (CAL resource-and-needs maps; June poster)"

_cache: OrderedDict[str, bytes] = OrderedDict()
_failed: dict[str, float] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Mosaic:
    """Tiles stitched into one image, and the EPSG:3857 extent (left, right, bottom, top) it covers.

    ``image`` is None when the tiles could not be fetched in time.
    """

    image: np.ndarray | None
    extent: tuple[float, float, float, float] | None
    zoom: int | None = None


def zoom_for(extent: tuple[float, float, float, float], width_px: int, height_px: int) -> int:
    """The zoom whose tiles are about as sharp as the image, within ``MAX_TILES`` tiles."""
    metres_per_px = (extent[2] - extent[0]) / width_px
    zoom = math.ceil(math.log2(2 * EARTH_HALF / (TILE_SIZE * metres_per_px)))
    zoom = max(0, min(MAX_ZOOM, zoom))
    while zoom > 0 and _tile_count(extent, zoom) > MAX_TILES:
        zoom -= 1
    return zoom


def _tile_count(extent, zoom: int) -> int:
    xs, ys = _tile_range(extent, zoom)
    return len(xs) * len(ys)


def _tile_range(extent, zoom: int) -> tuple[range, range]:
    span = 2 * EARTH_HALF / 2**zoom
    last = 2**zoom - 1
    x0 = min(last, max(0, math.floor((extent[0] + EARTH_HALF) / span)))
    x1 = min(last, max(0, math.floor((extent[2] + EARTH_HALF) / span)))
    y0 = min(last, max(0, math.floor((EARTH_HALF - extent[3]) / span)))
    y1 = min(last, max(0, math.floor((EARTH_HALF - extent[1]) / span)))
    return range(x0, x1 + 1), range(y0, y1 + 1)


def tile_url(template: str, zoom: int, x: int, y: int) -> str:
    """The address of one tile: ``{z}/{x}/{y}`` filled in, ``{s}`` as ``a``, ``{r}`` empty."""
    return (template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
            .replace("{s}", "a").replace("{r}", ""))


def _fetch(url: str, deadline: float) -> bytes | None:
    with _lock:
        if url in _cache:
            _cache.move_to_end(url)
            return _cache[url]
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        return None
    # S310: mosaic() accepts http(s) templates only, so no file: or custom scheme.
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read()
    except (OSError, ValueError):
        return None
    with _lock:
        _cache[url] = data
        while len(_cache) > CACHE_TILES:
            _cache.popitem(last=False)
    return data


def mosaic(template: str, extent, width_px: int, height_px: int,
           budget: float = BUDGET_SECONDS) -> Mosaic:
    """The tiles under ``extent`` (EPSG:3857 minx, miny, maxx, maxy) stitched together.

    Returns a ``Mosaic`` without image, never an exception, when the server
    does not answer within ``budget`` seconds or any tile is missing.
    """
    if not template.lower().startswith(("http://", "https://")):
        return Mosaic(None, None)
    now = time.monotonic()
    with _lock:
        failed_at = _failed.get(template)
    if failed_at is not None and now - failed_at < RETRY_AFTER_SECONDS:
        return Mosaic(None, None)
    zoom = zoom_for(extent, width_px, height_px)
    xs, ys = _tile_range(extent, zoom)
    urls = {(x, y): tile_url(template, zoom, x, y) for x in xs for y in ys}
    deadline = now + budget
    pool = ThreadPoolExecutor(max_workers=8)
    futures = {key: pool.submit(_fetch, url, deadline) for key, url in urls.items()}
    wait(futures.values(), timeout=budget + 0.5)
    # Do not wait for a straggler past the budget: it finishes (or times out) on its own.
    pool.shutdown(wait=False, cancel_futures=True)
    images = {}
    for key, future in futures.items():
        data = future.result() if future.done() else None
        image = _decode(data)
        if image is None:
            with _lock:
                _failed[template] = time.monotonic()
            return Mosaic(None, None)
        images[key] = image
    canvas = Image.new("RGB", (len(xs) * TILE_SIZE, len(ys) * TILE_SIZE), "white")
    for (x, y), image in images.items():
        canvas.paste(image, ((x - xs.start) * TILE_SIZE, (y - ys.start) * TILE_SIZE))
    with _lock:
        _failed.pop(template, None)
    span = 2 * EARTH_HALF / 2**zoom
    left, top = xs.start * span - EARTH_HALF, EARTH_HALF - ys.start * span
    return Mosaic(np.asarray(canvas), (left, left + len(xs) * span, top - len(ys) * span, top),
                  zoom)


def _decode(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if image.size != (TILE_SIZE, TILE_SIZE):
        image = image.resize((TILE_SIZE, TILE_SIZE))
    return image


def clear_cache() -> None:
    """Forget cached tiles and failed templates (tests, or after the network came back)."""
    with _lock:
        _cache.clear()
        _failed.clear()
