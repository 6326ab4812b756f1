"""The compact payload of one pin layer, its cache key, and the cache shared by every viewer.

A layer of 10,000 pins used to reach the browser with every pin's popup
assembled and bound up front. The payload here is the layer column by
column, each category's look and popup heading once (not per pin), and the
popup parts of each pin as the users typed them (trimmed); the browser
(``mapping/maps/js/calmap-pins.js``) escapes them and makes a popup's HTML
only when the pin is clicked. ``kinds`` tells it how to show each popup row:
"t" text, "m" text with line breaks, "l" a link if the text is an http(s)
address, "h" HTML made in Python from the catalogue (already escaped).

With a ``pin_store`` (the running app), a large layer's public pins leave
the payload for content-named files (``split_payload``): the map keeps only
their URLs, and its team and partnership pins inline.

The payload is serialised once and kept in a process-wide cache
(``PAYLOADS``), so a second viewer of the same map pays nothing for it. Its
key (``payload_key``) is a digest of everything the payload depends on: the
layer, the language, the catalogue, the viewer's visibility class and the
pins' own content. Because the pins themselves are part of the key, a key
can only be produced by someone who has already read exactly those pins;
the visibility class keeps a team-only payload apart from a public one
even before that.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mapping.maps import pin_parts
from mapping.maps.json_text import compact_json
from mapping.maps.pin_store import PinStore, file_name

# Above this many pins a layer is drawn as clusters (Leaflet.markercluster);
# at or below it, one marker per pin, as before. The browser code applies it.
CLUSTER_THRESHOLD = 300
# The visibility levels in the order of who may see them (models.VISIBILITIES).
_VISIBILITY_ORDER = ("public", "partnership", "team")


@dataclass(frozen=True)
class PinPayload:
    """One layer's pins as the browser receives them: JSON text, ready for a <script>."""

    layer: str
    count: int
    json: str
    bounds: tuple[tuple[float, float], tuple[float, float]] | None
    # Public pins kept out of ``json``: (file name, JSON text) for a PinStore;
    # ``json`` names them as FILE_MARK + name until ``stored`` puts in the URLs.
    files: tuple[tuple[str, str], ...] = ()
    # A parted layer's inline pins in parts (``split_payload``), and ``json``
    # with those parts named by their digests only (``held_json``): a live map
    # sends each part once and then its digest (``mapping.maps.live.hold_parts``).
    parts: tuple[pin_parts.HeldPart, ...] = ()
    held_json: str | None = None


def compact(
    layer: str,
    columns: Mapping[str, list[Any]],
    styles: Mapping[str, str],
    heads: Mapping[str, str],
    labels: Sequence[str],
    fallback: str,
    kinds: Sequence[str],
) -> dict[str, Any]:
    """The payload of one layer from its columns: each category's look once, pins by index.

    ``columns`` holds, per pin, ``id``, ``category``, ``tooltip`` (the name,
    not escaped), ``faded`` (0/1), ``text`` (the description or None, not
    escaped), and flat: ``xy`` (x, y per pin), ``rows`` ([label number,
    value, …] of every pin one after another) and ``rowc`` (how many rows
    are whose). ``styles`` and ``heads`` give each category code's pin HTML
    and popup heading (escaped); ``labels`` the popup's row labels and
    ``kinds`` how each row's value is shown (see the module's docstring).

    >>> c = {"id": [7, 8], "category": ["school", "school"], "tooltip": ["A", "B"],
    ...      "faded": [0, 1], "text": [None, "x"], "xy": [18.6, 54.4, 18.7, 54.5],
    ...      "rows": [0, "ul. Długa 1"], "rowc": [1, 0]}
    >>> p = compact("resource", c, {"school": "<span>S</span>"}, {"school": "Szkoła"},
    ...             ["Adres"], "<span>?</span>", ["t"])
    >>> p["cats"], p["cat"], p["faded"], p["rowc"], p["kinds"]
    (['school'], [0, 0], [1], [1, 0], ['t'])
    """
    codes = sorted(set(columns["category"]))
    number = {code: i for i, code in enumerate(codes)}
    return {
        "layer": layer,
        "cats": codes,
        "styles": [styles.get(code, fallback) for code in codes],
        "heads": [heads.get(code, "") for code in codes],
        "labels": list(labels),
        "kinds": list(kinds),
        "id": list(columns["id"]),
        "cat": [number[code] for code in columns["category"]],
        "xy": list(columns["xy"]),
        "tooltip": list(columns["tooltip"]),
        # Only the numbers of the faded pins (met needs): most pins are not.
        "faded": [i for i, faded in enumerate(columns["faded"]) if faded],
        "text": list(columns["text"]),
        "rows": list(columns["rows"]),
        "rowc": list(columns["rowc"]),
    }


# How many public pins' popup texts go in one file (fetched on the first click among them).
DETAILS_CHUNK = 500
FILE_MARK = "calmap-file:"


@dataclass(frozen=True)
class SplitPayload:
    """A layer whose public pins travel as files: the head, the files' texts, the inline parts.

    The head names each inline part by its digest (``pin_parts.part_ref``);
    ``pin_parts.put_in`` puts their data in.
    """

    head: dict[str, Any]
    files: tuple[tuple[str, str], ...]
    parts: tuple[pin_parts.HeldPart, ...] = ()


def split_payload(
    layer: str,
    shared: Mapping[str, list[Any]],
    inline: Mapping[str, list[Any]],
    styles: Mapping[str, str],
    heads: Mapping[str, str],
    labels: Sequence[str],
    fallback: str,
    kinds: Sequence[str],
) -> SplitPayload:
    """A layer's payload with its public pins (``shared``) as files, the rest (``inline``) inline.

    The head keeps what is small and per category (looks, headings, labels)
    and the list ``parts``: first the public pins as a positions file
    (id, category number, x y, faded) plus one file of popup texts per
    ``DETAILS_CHUNK`` pins, then the other pins inline as ``compact`` gives
    them. Columns as in ``compact``.

    >>> c = {"id": [7], "category": ["school"], "tooltip": ["A"], "faded": [0],
    ...      "text": [None], "xy": [18.6, 54.4], "rows": [], "rowc": [0]}
    >>> none = {k: [] for k in c}
    >>> p = split_payload("resource", c, none, {}, {}, [], "?", [])
    >>> [sorted(part) for part in p.head["parts"]], len(p.files)
    ([['chunk', 'details', 'src']], 2)
    """
    codes = sorted(set(shared["category"]) | set(inline["category"]))
    number = {code: i for i, code in enumerate(codes)}
    files: list[tuple[str, str]] = []

    def file(ids: Sequence[int], value: dict[str, list[Any]]) -> str:
        name, text = _file_text(tuple(ids), value)
        files.append((name, text))
        return FILE_MARK + name

    count = len(shared["id"])
    positions = {
        "id": list(shared["id"]),
        "cat": [number[code] for code in shared["category"]],
        "xy": list(shared["xy"]),
        "faded": [i for i, faded in enumerate(shared["faded"]) if faded],
    }
    details = []
    row_at = 0
    for start in range(0, count, DETAILS_CHUNK):
        end = min(start + DETAILS_CHUNK, count)
        rowc = list(shared["rowc"][start:end])
        row_end = row_at + 2 * sum(rowc)
        details.append(file(shared["id"][start:end], {
            "tooltip": list(shared["tooltip"][start:end]),
            "text": list(shared["text"][start:end]),
            "rows": list(shared["rows"][row_at:row_end]),
            "rowc": rowc,
        }))
        row_at = row_end
    parts: list[dict[str, Any]] = []
    if count:
        parts.append({"src": file(shared["id"], positions), "details": details,
                      "chunk": DETAILS_CHUNK})
    held: list[pin_parts.HeldPart] = []
    if inline["id"]:
        own = compact(layer, inline, styles, heads, labels, fallback, kinds)
        own["cat"] = [number[code] for code in inline["category"]]
        held = pin_parts.inline_parts(layer, own)
        parts.extend({"calmapPart": part.digest} for part in held)
    head = {
        "layer": layer,
        "cats": codes,
        "styles": [styles.get(code, fallback) for code in codes],
        "heads": [heads.get(code, "") for code in codes],
        "labels": list(labels),
        "kinds": list(kinds),
        "count": count + len(inline["id"]),
        "parts": parts,
    }
    return SplitPayload(head=head, files=tuple(files), parts=tuple(held))


# Files' texts by their pins' ids: (the value, its file name, its JSON text), newest first.
_TEXTS: OrderedDict[tuple[int, ...], list[tuple[dict[str, list[Any]], str, str]]] = OrderedDict()
_TEXTS_LOCK = threading.Lock()
# Blocks of pins kept (a 10,000-pin layer has about twenty), and versions of each block.
_TEXTS_SIZE = 160
_TEXTS_VERSIONS = 3
# What ``_file_text`` did (tests assert that a save serialised only the blocks it changed).
text_counts = {"made": 0, "kept": 0}


def _file_text(ids: tuple[int, ...], value: dict[str, list[Any]]) -> tuple[str, str]:
    """A pin file's name and JSON text, serialised again only when its content changed.

    A save changes one pin of a layer: the layer's other blocks hold the very
    same values (the kept columns' own objects, ``pin_columns``), so their
    texts are found here by comparing values, at a fraction of encoding them.
    Equal values give equal JSON, so a text found is the text ``value`` gives.
    """
    with _TEXTS_LOCK:
        for kept, name, text in _TEXTS.get(ids, ()):
            if kept == value:
                _TEXTS.move_to_end(ids)
                text_counts["kept"] += 1
                return name, text
    text = compact_json(value)
    name = file_name(text)
    with _TEXTS_LOCK:
        text_counts["made"] += 1
        versions = _TEXTS.setdefault(ids, [])
        versions.insert(0, (value, name, text))
        del versions[_TEXTS_VERSIONS:]
        _TEXTS.move_to_end(ids)
        while len(_TEXTS) > _TEXTS_SIZE:
            _TEXTS.popitem(last=False)
    return name, text


def forget_texts() -> None:
    """Forget the kept file texts (benchmarks of a first viewer, tests)."""
    with _TEXTS_LOCK:
        _TEXTS.clear()
        text_counts.update(made=0, kept=0)


def stored(payload: PinPayload, store: PinStore) -> PinPayload:
    """``payload`` with its files in ``store`` (written once) and their URLs in its JSON."""
    # The URLs go into the small text that names the parts, which are then put in:
    # not a search of their hundreds of kilobytes for every file.
    held = payload.held_json
    text = payload.json if held is None else held
    for name, body in payload.files:
        text = text.replace(FILE_MARK + name, store.put_named(name, body))
    if held is None:
        return dataclasses.replace(payload, json=text)
    return dataclasses.replace(payload, json=pin_parts.put_in(text, payload.parts), held_json=text)


def columns_of(payload: PinPayload) -> dict[str, Any]:
    """The whole layer's columns as ``compact`` gives them, files read back (tests, exports)."""
    head = json.loads(payload.json)
    if "parts" not in head:
        return head
    texts = {name: body for name, body in payload.files}

    def read(ref: str) -> dict[str, Any]:
        name = ref[len(FILE_MARK):] if ref.startswith(FILE_MARK) else ref.rsplit("/", 1)[-1]
        return dict(json.loads(texts[name]))

    out: dict[str, Any] = {
        k: head[k] for k in ("layer", "cats", "styles", "heads", "labels", "kinds")
    }
    for column in ("id", "cat", "xy", "tooltip", "faded", "text", "rows", "rowc"):
        out[column] = []
    for part in head["parts"]:
        if "src" in part:
            details = part["details"]
            part = {**read(part["src"]), **{k: [] for k in ("tooltip", "text", "rows", "rowc")}}
            for ref in details:
                for column, values in read(ref).items():
                    part[column] += values
        offset = len(out["id"])
        for column in ("id", "cat", "xy", "tooltip", "text", "rows", "rowc"):
            out[column] += part[column]
        out["faded"] += [offset + i for i in part["faded"]]
    return out


def bounds_of(xy: Sequence[float]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """[[south, west], [north, east]] of a flat x, y list, or None when it is empty.

    >>> bounds_of([18.6, 54.4, 18.7, 54.3])
    ((54.3, 18.6), (54.4, 18.7))
    """
    if not xy:
        return None
    xs, ys = xy[0::2], xy[1::2]
    return ((min(ys), min(xs)), (max(ys), max(xs)))


def visibility_class(frame: gpd.GeoDataFrame) -> str:
    """Which visibility levels the pins of ``frame`` hold, as a short text for a key.

    A frame without a ``visibility`` column is treated as holding every
    level, so it never shares a key with a public-only layer.

    >>> import geopandas as gpd
    >>> visibility_class(gpd.GeoDataFrame({"visibility": ["team", "public", "public"]}))
    'public+team'
    """
    if "visibility" not in frame.columns:
        return "+".join(_VISIBILITY_ORDER)
    present = {str(v) for v in frame["visibility"].dropna().unique()}
    ordered = [v for v in _VISIBILITY_ORDER if v in present]
    return "+".join(ordered + sorted(present - set(_VISIBILITY_ORDER))) or "none"


def _column_digest(column: pd.Series) -> bytes:
    """A digest of one column's values, in order (each kind of column tagged apart).

    Text columns (pandas' Arrow strings) are hashed from their Arrow buffers
    and numbers from their array, without a Python object per value; other
    columns (lists, dates) by their values pickled.
    """
    digest = hashlib.blake2b(digest_size=16)
    values = column.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        arrow = pa.array(values)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        arrow = arrow.cast(pa.large_string())  # one width of offsets, however it was read
        # Which values are missing, how long each is, and their bytes one after another.
        digest.update(b"arrow-text")
        digest.update(arrow.is_null().to_numpy(zero_copy_only=False).tobytes())
        digest.update(pc.binary_length(arrow).fill_null(0).to_numpy().tobytes())
        data = arrow.buffers()[2]
        if data is not None and len(arrow):
            offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)
            first, last = offsets[arrow.offset], offsets[arrow.offset + len(arrow)]
            digest.update(memoryview(data)[first:last])
        return digest.digest()
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        kind = "int64" if pd.api.types.is_integer_dtype(dtype) else "float64"
        digest.update(f"number-{kind}".encode())
        digest.update(column.isna().to_numpy().tobytes())
        digest.update(column.to_numpy(dtype=kind, na_value=0).tobytes())
        return digest.digest()
    # Pickled without its memo ("fast" mode), so equal values give equal bytes
    # however the read shared its objects; a few times quicker than repr.
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(column.tolist())
    digest.update(b"objects")
    digest.update(buffer.getbuffer())
    return digest.digest()


# Digests of frames their owners keep unchanged (``remember_digest``), by identity.
_REMEMBERED: dict[int, tuple[weakref.ref[Any], str]] = {}
_REMEMBERED_LOCK = threading.Lock()


def remember_digest(frame: gpd.GeoDataFrame, digest: str | None = None) -> str:
    """Work out ``frame``'s digest once: ``content_digest`` of this same object returns it.

    Only for a frame its owner never changes again (a kept layer of the
    editor): its 10,000 rows are then not hashed again on every rerun.
    ``digest``: one the owner derived from the content itself (a kept frame's
    digest chained with the rows that replaced some of its own, see
    ``chained_digest``): equal digests still mean equal pins.
    """
    digest = digest or _digest(frame)
    with _REMEMBERED_LOCK:
        for key in [k for k, (ref, _) in _REMEMBERED.items() if ref() is None]:
            del _REMEMBERED[key]
        _REMEMBERED[id(frame)] = (weakref.ref(frame), digest)
    return digest


def chained_digest(before: str, replaced: Iterable[int], fresh: gpd.GeoDataFrame) -> str:
    """The digest of a frame made from one of digest ``before``: rows ``replaced`` by ``fresh``.

    Not equal to ``content_digest`` of the same pins read whole, but as
    telling: the same digest means the same pins (the same frame with the
    same rows replaced by the same values), so it can key a payload.
    """
    digest = hashlib.blake2b(digest_size=20)
    for part in ("chained", before, repr(sorted(int(i) for i in replaced)), _digest(fresh)):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def content_digest(frame: gpd.GeoDataFrame) -> str:
    """A digest of every value of ``frame``: its geometry's coordinates and each column.

    Two frames with the same pins in the same order give the same digest;
    a moved pin, an edited text or one pin more or less gives another.
    """
    found = _REMEMBERED.get(id(frame))
    if found is not None and found[0]() is frame:
        return found[1]
    return _digest(frame)


def _digest(frame: gpd.GeoDataFrame) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(str(len(frame)).encode())
    geometry = frame.geometry.values if len(frame) else []
    if len(frame):
        empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
        digest.update(empty.tobytes())
        digest.update(shapely.get_coordinates(geometry[~empty]).tobytes())
    for name in sorted(c for c in frame.columns if c != frame.geometry.name):
        digest.update(name.encode())
        digest.update(_column_digest(frame[name]))
    return digest.hexdigest()


def payload_key(
    layer: str,
    frame: gpd.GeoDataFrame,
    language: str,
    catalogue_digest: str,
    viewer: str | None = None,
    digest: str | None = None,
) -> str:
    """The cache key of a layer's payload: layer, language, catalogue, viewer class, pins.

    ``viewer`` is the viewer's visibility class (default: the levels the
    pins hold, ``visibility_class``); pass it when the same pins may be shown
    with different rights, so their payloads are never shared. ``digest``:
    ``content_digest(frame)`` when the caller has it already.
    """
    parts = [
        # 2: the users' texts travel unescaped (the browser escapes them).
        "calmap-pins/2",
        layer,
        language,
        catalogue_digest,
        viewer if viewer is not None else visibility_class(frame),
        digest or content_digest(frame),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def catalogue_digest(entries: Iterable[Any]) -> str:
    """A digest of the catalogue entries (labels, icons, colours change a payload)."""
    return _catalogue_digest(tuple(entries))


@functools.lru_cache(maxsize=8)
def _catalogue_digest(entries: tuple[Any, ...]) -> str:
    # Every pin layer of every map asks: the same few catalogues, each digested once.
    return hashlib.blake2b(repr(sorted(map(repr, entries))).encode(), digest_size=16).hexdigest()


class PayloadCache:
    """A small thread-safe LRU of payloads by key, shared by every session of the process.

    Streamlit runs each session's script in its own thread, so two viewers
    may ask at once; at worst both build the payload, and the second one
    stored wins (they are equal).
    """

    def __init__(self, max_entries: int = 32) -> None:
        """Keep at most ``max_entries`` payloads (a 10,000-pin layer is about 1.5 MB)."""
        self.max_entries = max_entries
        self._items: OrderedDict[str, PinPayload] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: str, build: Callable[[], PinPayload]) -> PinPayload:
        """The payload stored under ``key``, building and storing it if there is none."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        built = build()
        with self._lock:
            self._items[key] = built
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return built

    def clear(self) -> None:
        """Forget every payload (tests, or after the catalogue changed)."""
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        """How many payloads are stored."""
        return len(self._items)


PAYLOADS = PayloadCache()
