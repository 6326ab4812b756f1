"""The map of one unit as a PNG image, for the poster and the deck.

Drawn with matplotlib's object API (``Figure`` + Agg canvas, never pyplot's
global state) so it is safe in worker processes. Geometry is projected once,
here, from EPSG:4326 to Web Mercator (EPSG:3857), the projection of the web
map and of XYZ basemap tiles. Pins look as on the web map: resources are
circles, partners squares, needs diamonds, filled with the category colour
and marked with the category glyph in white or dark ink.

The basemap comes from an XYZ tile template when it answers within a short
time budget (``mapping.reports.tiles``); otherwise the map is drawn on a plain
light background, and ``RenderedMap.basemap`` says which one was used.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.markers import MarkerStyle
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.areas import DIMMED_STYLE, SELECTED_STYLE
from mapping.maps.elements import PLAIN_BACKGROUND
from mapping.maps.markup import FALLBACK_COLOUR, FALLBACK_ICON, ink, safe_colour
from mapping.reports import tiles as tile_source
from mapping.reports.content import MapContent
from mapping.reports.fonts import FONT_BOLD, FONT_REGULAR
from mapping.reports.png import encode_rgb
from mapping.services.layers import CATEGORY_VOCABULARY, LAYERS

WEB_MERCATOR = "EPSG:3857"
# Shown when there is nothing at all to fit the view to: Poland, in EPSG:3857.
POLAND_EXTENT = (1_570_000.0, 6_270_000.0, 2_690_000.0, 7_330_000.0)
MARKERS = {"resource": "o", "partner": "s", "need": "D"}
# A diamond's corners reach further than a circle of the same size: shrink it
# as the web map's CSS does (17 px rotated against 20 px).
MARKER_SCALE = {"resource": 1.0, "partner": 0.9, "need": 0.95}
FOCUS_COLOUR = str(SELECTED_STYLE["color"])
OTHER_COLOUR = str(DIMMED_STYLE["color"])
TEXT_COLOUR = "#222222"
FLATTEN_SCALE = 100.0
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


@dataclass(frozen=True)
class RenderedMap:
    """A rendered map image and what it was drawn on.

    ``basemap`` is ``"tiles"`` when basemap tiles were drawn and ``"plain"``
    otherwise; ``note`` says why the tiles are missing when a template was given.
    """

    png: bytes
    width_px: int
    height_px: int
    basemap: str
    note: str | None = None
    extent: tuple[float, float, float, float] = field(default=POLAND_EXTENT)


def render_map_png(
    content: MapContent,
    width_px: int,
    height_px: int,
    *,
    dpi: int = 200,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> bytes:
    """The unit's map as PNG bytes of exactly ``width_px`` × ``height_px`` pixels.

    ``tiles`` is an XYZ template such as ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``
    (the ``CALMAP_TILES_URL`` setting) or None for a plain background. Use
    ``render_map`` to learn which background was drawn.
    """
    return render_map(
        content, width_px, height_px, dpi=dpi, tiles=tiles, tiles_attribution=tiles_attribution
    ).png


def render_map(
    content: MapContent,
    width_px: int,
    height_px: int,
    *,
    dpi: int = 200,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> RenderedMap:
    """Like ``render_map_png``, and says whether basemap tiles or a plain background was used."""
    if width_px < 16 or height_px < 16:
        raise ValueError("the map image must be at least 16 × 16 pixels")
    areas = _to_mercator(content.areas)
    pins = {layer: _to_mercator(content.pins.get(layer)) for layer in LAYERS}
    extent = _extent(areas, content.focus_area_ids, pins, width_px / height_px)

    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor=PLAIN_BACKGROUND)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(extent[0], extent[2])
    axes.set_ylim(extent[1], extent[3])
    axes.set_facecolor(PLAIN_BACKGROUND)
    # 1 point of line or font at this scale: sizes follow the image, not the dpi.
    unit = min(width_px, height_px) / dpi * 72 / 400

    basemap, note = "plain", None
    if tiles:
        mosaic = tile_source.mosaic(tiles, extent, width_px, height_px)
        if mosaic.image is not None:
            axes.imshow(mosaic.image, extent=mosaic.extent, origin="upper",
                        interpolation="bilinear", zorder=0)
            # A veil of white lets the pins and outlines stand out from the streets.
            axes.axhspan(extent[1], extent[3], color="white", alpha=0.25, zorder=0.5)
            basemap = "tiles"
        else:
            note = t("poster.basemap_unavailable", content.language)
    axes.set_xlim(extent[0], extent[2])
    axes.set_ylim(extent[1], extent[3])

    _draw_areas(axes, areas, set(content.focus_area_ids), unit, extent, width_px)
    _draw_pins(axes, pins, content.catalogue, unit)
    _draw_scale_bar(axes, extent, unit, content.language)
    _draw_north_arrow(axes, unit)
    attribution = content.attribution or ""
    if basemap == "tiles" and tiles_attribution and tiles_attribution not in attribution:
        attribution = f"{attribution} · {tiles_attribution}" if attribution else tiles_attribution
    _draw_attribution(axes, attribution, unit)
    if content.is_empty:
        axes.text(0.5, 0.5, t("poster.nothing_to_show", content.language),
                  transform=axes.transAxes, ha="center", va="center", wrap=True,
                  fontproperties=_font(bold=True), fontsize=14 * unit, color=TEXT_COLOUR,
                  bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 6},
                  zorder=10)

    return RenderedMap(_png(figure), width_px, height_px, basemap, note, extent)


# --- geometry ----------------------------------------------------------------------------


def _to_mercator(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The frame in EPSG:3857 without empty geometries; None when nothing is drawable."""
    if frame is None or frame.empty or "geometry" not in frame:
        return None
    drawable = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if drawable.empty:
        return None
    if drawable.crs is None:
        # Content frames are EPSG:4326 by contract; a hand-made one may lack the tag.
        drawable = drawable.set_crs("EPSG:4326")
    return drawable.to_crs(WEB_MERCATOR)


def _extent(
    areas: gpd.GeoDataFrame | None,
    focus_ids: list[int],
    pins: dict[str, gpd.GeoDataFrame | None],
    aspect: float,
) -> tuple[float, float, float, float]:
    """The view: the focus areas (else all areas, else the pins) padded to the image's aspect."""
    bounds = None
    if areas is not None:
        focus = areas[areas["id"].isin(focus_ids)] if "id" in areas else areas.iloc[0:0]
        bounds = (focus if not focus.empty else areas).total_bounds
    if bounds is None:
        points = [frame.total_bounds for frame in pins.values() if frame is not None]
        if points:
            stacked = np.array(points)
            bounds = (*stacked[:, :2].min(axis=0), *stacked[:, 2:].max(axis=0))
    if bounds is None or not np.all(np.isfinite(bounds)):
        bounds = POLAND_EXTENT
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    # A single pin or a tiny area still gets a street-level view, about 400 m across.
    width, height = max(maxx - minx, 400.0), max(maxy - miny, 400.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    width, height = width * 1.08, height * 1.08
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _ground_scale(extent: tuple[float, float, float, float]) -> float:
    """Metres on the ground per Web Mercator metre at the middle of the view."""
    y = (extent[1] + extent[3]) / 2
    latitude = math.degrees(2 * math.atan(math.exp(y / 6_378_137.0)) - math.pi / 2)
    return math.cos(math.radians(latitude))


# --- drawing -----------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _font(bold: bool = False) -> FontProperties:
    return FontProperties(fname=str(FONT_BOLD if bold else FONT_REGULAR))


@lru_cache(maxsize=256)
def glyph_path(glyph: str) -> MplPath:
    """The outline of a catalogue glyph centred on (0, 0), to use as a marker.

    Stamped at every pin of its category at once: a text artist per pin
    would make thousands of pins slow.
    """
    path = TextPath((0, 0), glyph or FALLBACK_ICON, size=10, prop=_font())
    if len(path.vertices) == 0:
        path = TextPath((0, 0), FALLBACK_ICON, size=10, prop=_font())
    (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
    return MplPath(path.vertices - [(x0 + x1) / 2, (y0 + y1) / 2], path.codes)


def polygon_path(geometry) -> MplPath | None:
    """A (multi)polygon as one matplotlib path, holes included; None for anything else."""
    polygons = getattr(geometry, "geoms", [geometry])
    rings = [ring for polygon in polygons if polygon.geom_type == "Polygon" and not polygon.is_empty
             for ring in (polygon.exterior, *polygon.interiors)]
    if not rings:
        return None
    return MplPath.make_compound_path(*(MplPath(np.asarray(ring.coords)[:, :2], closed=True)
                                        for ring in rings))


def _draw_areas(axes, areas, focus_ids: set[int], unit: float, extent, width_px: int) -> None:
    if areas is None:
        return
    is_focus = areas["id"].isin(focus_ids) if "id" in areas else np.zeros(len(areas), bool)
    # One patch per style, added as an artist: GeoDataFrame.plot redraws the
    # whole figure on each call, and add_patch re-measures every curve.
    for geoms, colour, fill, width, zorder in (
        (areas.geometry[~is_focus], OTHER_COLOUR, 0.04, 0.8, 2),
        (areas.geometry[is_focus], FOCUS_COLOUR, 0.06, 2.2, 3),
    ):
        paths = [p for p in map(polygon_path, geoms) if p is not None]
        if not paths:
            continue
        axes.add_artist(PathPatch(MplPath.make_compound_path(*paths),
                                  facecolor=to_rgba(colour, fill), edgecolor=colour,
                                  linewidth=width * unit, zorder=zorder))
    if "name" not in areas:
        return
    # Name the areas large enough on the image for a label to fit inside; the
    # names go over the pins (zorder 5-7), which would otherwise hide them.
    metres_per_px = (extent[2] - extent[0]) / width_px
    for row in areas.itertuples():
        minx, _, maxx, _ = row.geometry.bounds
        if (maxx - minx) / metres_per_px < 90 or not isinstance(row.name, str):
            continue
        point = row.geometry.representative_point()
        strong = row.id in focus_ids if "id" in areas else False
        axes.text(point.x, point.y, row.name, ha="center", va="center", clip_on=True,
                  fontproperties=_font(bold=strong), fontsize=(7.5 if strong else 6) * unit,
                  color=FOCUS_COLOUR if strong else OTHER_COLOUR, alpha=0.85,
                  path_effects=_HALO, zorder=8)


def _draw_pins(axes, pins, catalogue: list[Entry], unit: float) -> None:
    index = {(e.vocabulary, e.code): e for e in catalogue}
    size = 9.0 * unit  # marker width in points, about the web map's 20 px pin
    for zorder, layer in enumerate(LAYERS, start=5):
        frame = pins.get(layer)
        if frame is None:
            continue
        vocabulary = CATEGORY_VOCABULARY[layer]
        codes, per_pin = np.unique(frame["category"].astype(str).to_numpy(), return_inverse=True)
        entries = [index.get((vocabulary, code)) for code in codes]
        colours = [safe_colour(e.colour if e else FALLBACK_COLOUR) for e in entries]
        offsets = shapely.get_coordinates(frame.geometry.to_numpy())
        marker_size = (size * MARKER_SCALE[layer]) ** 2
        shape = _marker_path(MARKERS[layer])
        # A dark halo under a white rim, as the web map's box-shadow; then,
        # category by category, the pins' shapes and their glyphs.
        stamps = [_Stamp(shape, marker_size * 1.45, (0, 0, 0, 0.35), None, 0.0, offsets)]
        for i, (entry, colour) in enumerate(zip(entries, colours, strict=True)):
            at = offsets[per_pin.reshape(-1) == i]
            stamps.append(_Stamp(shape, marker_size, to_rgba(colour), (1, 1, 1, 1),
                                 0.9 * unit, at))
            stamps.append(_Stamp(_marker_path(glyph_path(entry.icon if entry else FALLBACK_ICON)),
                                 (size * 0.52) ** 2, to_rgba(ink(colour)), None, 0.0, at))
        axes.add_artist(_PinStamps(stamps, zorder=zorder))


@lru_cache(maxsize=256)
def _marker_path(marker: str | MplPath) -> MplPath:
    """A marker (a code such as ``"o"``, or a path) unit-sized as scatter draws it, flattened.

    Flattened into polygons because matplotlib measures a marker's extent
    before drawing it, and measuring a glyph's Bézier curves costs ~1.5 ms.
    """
    style = MarkerStyle(marker)
    path = style.get_path().transformed(style.get_transform())
    # Curves are cut into segments relative to the path's size: flatten it at
    # 100× (segments far finer than a printed pixel), then scale it back.
    rings = path.transformed(Affine2D().scale(FLATTEN_SCALE)).to_polygons(closed_only=True)
    return MplPath.make_compound_path(
        *(MplPath(np.asarray(ring) / FLATTEN_SCALE, closed=True) for ring in rings)
    )


@dataclass(frozen=True)
class _Stamp:
    """One marker path at many points (data coordinates), sized in points² as scatter sizes it."""

    path: MplPath
    size: float
    fill: tuple[float, float, float, float]
    edge: tuple[float, float, float, float] | None
    edge_width: float
    offsets: np.ndarray


class _PinStamps(Artist):
    """One layer's pins, drawn as the renderer's markers: each path rasterised once, then stamped.

    A ``PathCollection`` with a path per pin rasterises every path on its
    own (~75 µs a pin on a poster's map); a marker stamped at many points
    costs a third of that. Stamps are drawn in order: the halos, then each
    category's shapes and glyphs.
    """

    def __init__(self, stamps: list[_Stamp], zorder: float) -> None:
        super().__init__()
        self.stamps = stamps
        self.set_zorder(zorder)

    def draw(self, renderer) -> None:  # noqa: ANN001 (a matplotlib renderer)
        """Stamp every marker; points go through the axes' data transform."""
        if not self.get_visible() or self.axes is None:
            return
        to_display = self.axes.transData
        pixels_per_point = renderer.points_to_pixels(1.0)
        for stamp in self.stamps:
            if not len(stamp.offsets):
                continue
            gc = renderer.new_gc()
            # Artist's own clipping helper, which matplotlib's stubs leave out.
            self._set_gc_clip(gc)  # type: ignore[attr-defined]
            gc.set_linewidth(stamp.edge_width)
            gc.set_foreground(stamp.edge or (0, 0, 0, 0), isRGBA=True)
            scale = math.sqrt(stamp.size) * pixels_per_point
            renderer.draw_markers(gc, stamp.path, Affine2D().scale(scale),
                                  MplPath(to_display.transform(stamp.offsets)),
                                  IdentityTransform(), stamp.fill)
            gc.restore()
        self.stale = False


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``metres``."""
    exponent = math.floor(math.log10(max(metres, 1.0)))
    for step in (5, 2, 1):
        if step * 10**exponent <= metres:
            return float(step * 10**exponent)
    return float(10**exponent)


def scale_label(metres: float) -> str:
    """A scale bar length as people read it: ``500 m``, ``1 km``, ``2,5 km`` is never produced."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _draw_scale_bar(axes, extent, unit: float, language: str) -> None:
    ground = _ground_scale(extent)
    width = extent[2] - extent[0]
    length = nice_length(width * ground * 0.2)
    fraction = length / ground / width
    x0, y0, bar = 0.03, 0.035, 0.008
    halves = [(x0, fraction / 2, "#222222"), (x0 + fraction / 2, fraction / 2, "#ffffff")]
    axes.add_patch(matplotlib.patches.Rectangle(
        (x0 - 0.008, y0 - 0.012), fraction + 0.016 + 0.06, bar + 0.05,
        transform=axes.transAxes, facecolor="white", alpha=0.75, edgecolor="none", zorder=20))
    for left, span, colour in halves:
        axes.add_patch(matplotlib.patches.Rectangle(
            (left, y0), span, bar, transform=axes.transAxes, facecolor=colour,
            edgecolor="#222222", linewidth=0.6 * unit, zorder=21))
    for position, text in ((x0, "0"), (x0 + fraction, scale_label(length))):
        axes.text(position, y0 + bar + 0.006, text, transform=axes.transAxes, ha="center",
                  va="bottom", fontproperties=_font(), fontsize=6.5 * unit, color=TEXT_COLOUR,
                  zorder=22)


def _draw_north_arrow(axes, unit: float) -> None:
    # Web Mercator keeps north straight up, so the arrow always points up.
    axes.annotate("", xy=(0.965, 0.955), xytext=(0.965, 0.885), xycoords="axes fraction",
                  arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=1.0",
                              "color": TEXT_COLOUR, "linewidth": 1.4 * unit}, zorder=22)
    axes.text(0.965, 0.872, "N", transform=axes.transAxes, ha="center", va="top",
              fontproperties=_font(bold=True), fontsize=9 * unit, color=TEXT_COLOUR,
              path_effects=_HALO, zorder=22)


def attribution_lines(text: str, width_pt: float, size_pt: float, most: int = 3) -> str:
    """``text`` wrapped to lines that fit ``width_pt`` at ``size_pt``, at most ``most``.

    Estimated at 0.55 em a character (DejaVu Sans averages less); a longer
    text is shortened with "…" on the last line rather than cut at the image's edge.
    """
    per_line = max(10, int(width_pt / (size_pt * 0.55)))
    lines = textwrap.wrap(" ".join(text.split()), per_line, break_long_words=True)
    if len(lines) > most:
        lines = [*lines[: most - 1], textwrap.shorten(" ".join(lines[most - 1:]), per_line,
                                                      placeholder=" …")]
    return "\n".join(lines)


def _draw_attribution(axes, text: str, unit: float) -> None:
    if not text.strip():
        return
    size = 5.5 * unit
    # Right of the scale bar (which takes at most the left third), so they never overlap.
    text = attribution_lines(text, axes.figure.get_figwidth() * 72 * 0.66, size)
    axes.text(0.995, 0.005, text, transform=axes.transAxes, ha="right", va="bottom",
              fontproperties=_font(), fontsize=size, color="#333333",
              bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.5},
              zorder=22)


def _png(figure: Figure) -> bytes:
    """The figure as an opaque RGB PNG: smaller than RGBA, and a PDF needs no soft mask."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):  # render_map_png gives every figure Agg
        raise TypeError("the map figure has no Agg canvas")
    canvas.draw()
    data = encode_rgb(np.asarray(canvas.buffer_rgba()))
    figure.clear()
    return data
