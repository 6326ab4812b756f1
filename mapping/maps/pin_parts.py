"""A layer's inline pins in parts by blocks of ids, which a live map sends once each.

A layer's team and partnership pins never go to static files; they travel
inside the map. A live map (``mapping.maps.live.hold_parts``) names each part
by its digest, and the browser keeps the parts it received
(``CalmapPins.parts``), so a save resends only the block of ids it changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mapping.maps.json_text import script_json
from mapping.maps.pin_store import file_name

# Inline pins go in parts of pins whose ids share a block of a power of two wide,
# about PART_PINS pins to a part and at most PART_MOST parts to a layer: a saved
# pin changes its block's part only, and a new pin (the highest id) the last one.
PART_PINS = 200
PART_MOST = 8


@dataclass(frozen=True)
class HeldPart:
    """An inline part of a layer that a live map's browser keeps by its digest."""

    digest: str
    # The part's JSON, safe inside a <script>.
    text: str


def part_ref(digest: str) -> str:
    """The inline part ``digest`` named by its digest, as a live map's layer names it.

    >>> part_ref("ab")
    '{"calmapPart":"ab"}'
    """
    return f'{{"calmapPart":"{digest}"}}'


def put_in(text: str, parts: Sequence[HeldPart]) -> str:
    """``text`` (a payload naming ``parts`` by digest) with each part's data in its place.

    >>> put_in('{"parts":[' + part_ref("ab") + ']}', [HeldPart("ab", '{"id":[7]}')])
    '{"parts":[{"id":[7]}]}'
    """
    for part in parts:
        text = text.replace(part_ref(part.digest), part.text)
    return text


def part_width(ids: Sequence[int]) -> int:
    """The width of the id blocks that part inline pins ``ids`` (by id): a power of two.

    >>> part_width(list(range(1, 1001))), part_width(list(range(1, 100_001, 10)))
    (256, 16384)
    """
    if not ids:
        return 1
    span = max(ids) - min(ids) + 1
    wanted = max(span * PART_PINS / len(ids), span / PART_MOST, 1)
    return 1 << max(0, math.ceil(math.log2(wanted)))


def inline_parts(layer: str, columns: dict[str, list[Any]]) -> list[HeldPart]:
    """``columns`` (compact's, one pin after another by id) cut into parts by id block."""
    ids = columns["id"]
    width = part_width(ids)
    faded = set(columns["faded"])
    parts = []
    start = row_at = 0
    while start < len(ids):
        block = ids[start] // width
        end = start
        while end < len(ids) and ids[end] // width == block:
            end += 1
        rowc = columns["rowc"][start:end]
        row_end = row_at + 2 * sum(rowc)
        text = script_json({
            "id": ids[start:end], "cat": columns["cat"][start:end],
            "xy": columns["xy"][2 * start:2 * end], "tooltip": columns["tooltip"][start:end],
            "faded": [i - start for i in range(start, end) if i in faded],
            "text": columns["text"][start:end], "rows": columns["rows"][row_at:row_end],
            "rowc": rowc,
        })
        # Named by content and layer: the same pins in another layer are another part.
        parts.append(HeldPart(file_name(layer + text), text))
        start, row_at = end, row_end
    return parts
