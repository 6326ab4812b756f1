"""How a cluster of pins looks: one element per cluster, sized by its count's digits.

``calmap-pins.js`` makes each cluster a single ``div`` holding its count, with
the classes ``calmap-cluster``, ``calmap-cluster-<layer>`` and
``calmap-cluster-d<digits>``; everything else is these rules. A zoom replaces
every cluster in view (about 250 on a laptop's screen), so each costs as
little style, layout, paint and raster as it can:

- one element, no nested spans, no transform of its own;
- its size, place and line height are plain pixel values per digit class
  (``calc()`` over custom properties was measurably slower);
- a resource's circle and a partner's square are a border and an outline
  (a ``box-shadow``'s blur took half of a zoom's raster time);
- a need's diamond is a bitmap (decoded once and kept by Chromium); a rotated
  box or an SVG picture is drawn again for every cluster.

``cluster_css`` gives the rules at a scale (the presenter's large type) and
with a smallest side (a touch device's target).
"""

from __future__ import annotations

import base64
import functools
import io

from PIL import Image, ImageDraw

# Side in pixels by the count's digits (1: under 10 … 5: 10,000 and more).
SIDES = {1: 32, 2: 38, 3: 46, 4: 54, 5: 66}
FONT_PX = {1: 14, 2: 14, 3: 14, 4: 16, 5: 16}
BORDER_PX = 2
# A need's diamond is as wide as the other shapes' diagonal would be.
DIAMOND_SIDE = 1.2
NEED_RED = (0xB0, 0x3A, 0x2E)
DIAMOND_PX = 160

BASE_CSS = """.leaflet-marker-icon.calmap-cluster {
    box-sizing: border-box; color: #fff; text-align: center; white-space: nowrap;
    font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-weight: bold;
}
.calmap-cluster-resource, .calmap-cluster-partner {
    border: 2px solid #fff; outline: 1.5px solid rgba(0, 0, 0, .55);
}
.calmap-cluster-resource { border-radius: 50%; background: #1f5f8b; }
.calmap-cluster-partner { border-radius: 6px; background: #5b3f8c; }
.calmap-cluster-need {
    background: url(data:image/png;base64,DIAMOND) center / 100% 100% no-repeat;
}
"""


@functools.cache
def diamond_png() -> str:
    """The need cluster's diamond (dark rim, white rim, the layer's red) as base64 PNG."""
    scale = 4  # drawn large, then shrunk: smooth edges
    side = DIAMOND_PX * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = side / 2
    # Insets along the diagonals, in hundredths of the side: 1.5 px of dark and
    # 2 px of white at a 46 px diamond (a perpendicular inset w moves a vertex by w·√2).
    for inset, fill in ((1.0, (0, 0, 0, 140)), (5.6, (255, 255, 255, 255)),
                        (11.7, (*NEED_RED, 255))):
        at = inset / 100 * side
        draw.polygon([(centre, at), (side - at, centre), (centre, side - at), (at, centre)],
                     fill=fill)
    image = image.resize((DIAMOND_PX, DIAMOND_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def cluster_css(scale: float = 1.0, scope: str = "", min_px: int = 0) -> str:
    """The size rules of every digit class at ``scale``, each side at least ``min_px``.

    ``scope`` (a selector such as ``.leaflet-container``) goes before each
    rule, so a page's rules win over the base ones whatever their order.
    """
    prefix = f"{scope} " if scope else ""
    border = round(BORDER_PX * scale)
    rules = []
    if scale != 1.0:
        # The rims grow with the shape (the diamond's are in its picture).
        rules.append(f"{prefix}.calmap-cluster-resource, {prefix}.calmap-cluster-partner "
                     f"{{ border-width: {border}px; outline-width: {1.5 * scale:g}px; }}")
    for digits, side in SIDES.items():
        font = round(FONT_PX[digits] * scale)
        for selector, px, line_less in (
            (f".calmap-cluster-d{digits}", side * scale, 2 * border),
            (f".calmap-cluster-need.calmap-cluster-d{digits}", side * scale * DIAMOND_SIDE, 0),
        ):
            px = max(round(px), min_px)
            rules.append(
                f"{prefix}{selector} {{ width: {px}px; height: {px}px; "
                f"margin: {-(px // 2)}px 0 0 {-(px // 2)}px; "
                f"line-height: {px - line_less}px; font-size: {font}px; }}"
            )
    return "\n".join(rules) + "\n"


def base_css() -> str:
    """Every cluster rule at scale 1: shapes, colours and sizes."""
    return BASE_CSS.replace("DIAMOND", diamond_png()) + cluster_css()
