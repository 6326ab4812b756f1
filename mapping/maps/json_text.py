"""Compact JSON text for the maps: fast, and safe inside a <script> element.

A layer of 10,000 pins is about 1.5 MB of JSON, and the standard library's
encoder spends most of a first viewer's serialisation formatting floats (the
pins' coordinates). orjson writes the very same text (compact separators,
non-ASCII as UTF-8, the shortest float that reads back equal) more than ten
times faster. A value orjson refuses (an integer beyond 64 bits, a key that
is not a string, number or bool) is written by ``json`` as before.
"""

from __future__ import annotations

import json

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def compact_json(value: object) -> str:
    """``value`` as compact JSON text, the text of ``json.dumps`` in its compact form.

    That is ``separators=(",", ":")`` and ``ensure_ascii=False``, except that
    NaN becomes null.

    >>> compact_json({"a": [1, 2.5, None], "b": "Łódź"})
    '{"a":[1,2.5,null],"b":"Łódź"}'
    """
    try:
        return orjson.dumps(value, option=_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def script_json(value: object) -> str:
    """``value`` as compact JSON for inside a <script>: it cannot end the script.

    Only ``</`` and ``<!--`` can do that, so only those are escaped; escaping
    every ``<`` and ``>`` (as folium's ``tojson`` does) makes popup HTML half
    as long again, and these layers carry the popups of thousands of pins.

    >>> "</" in script_json({"a": "</script><!--"})
    False
    """
    return compact_json(value).replace("</", "<\\/").replace("<!--", "<\\u0021--")
