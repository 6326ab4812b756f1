"""A layer's pin columns kept per content, and brought up to date by the rows a save changed.

Building the columns of a layer (``pins._point_columns``: popup parts escaped
per pin) costs about 0.1 s per 1,000 pins, and an editor's save used to
build the saved layer's 5,000 pins again to show one pin more. The columns
of each built layer are kept here by their content digest; when the editor
brings a kept layer up to date by a few rows (``mapping/ui/layer_rows.py``),
it notes which digest the new frame was derived from and which pin ids were
replaced (``derive``). ``columns`` then takes the kept columns of the older
frame, drops the replaced pins and puts in the new rows' columns, built
alone, at their places by id: the very lists a whole build of the new frame
gives, at the cost of the changed rows.

Both frames are ordered by pin id (``layers.pins`` reads them so and the
editor keeps them so); columns whose ids are not ascending are built whole.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import numpy as np

Columns = dict[str, list[Any]]
# The per-pin columns of ``pins._point_columns``; "xy" holds two values and
# "rows" 2 × rowc values per pin, the others one.
_SINGLE = ("id", "category", "tooltip", "faded", "text", "rowc")

# A frame's digest → (the digest of the frame it was made from, the pin ids replaced).
_DERIVED: OrderedDict[str, tuple[str, tuple[int, ...]]] = OrderedDict()
# (layer, language, catalogue, viewer class, part, digest) → that part's columns.
_KEPT: OrderedDict[Hashable, Columns] = OrderedDict()
_LOCK = threading.Lock()
# How many column sets are kept (a 5,000-pin layer's are a few MB): a few editors' layers.
_SIZE = 16
# Derivations are small (two digests and a few ids): more of them.
_DERIVED_SIZE = 64
# What ``columns`` did (tests assert that a save patched rather than built).
counts = {"whole": 0, "patched": 0}


def clear() -> None:
    """Forget every kept column set and derivation (tests, benchmarks)."""
    with _LOCK:
        _DERIVED.clear()
        _KEPT.clear()
        counts.update(whole=0, patched=0)


def derive(digest: str, before: str, replaced: Iterable[int]) -> None:
    """Note that the frame of ``digest`` is the one of ``before`` with pins ``replaced`` read again.

    ``replaced``: every pin id whose row may differ (changed, added, removed);
    the new frame holds the current rows of those still shown.
    """
    with _LOCK:
        _DERIVED[digest] = (before, tuple(sorted({int(i) for i in replaced})))
        _DERIVED.move_to_end(digest)
        while len(_DERIVED) > _DERIVED_SIZE:
            _DERIVED.popitem(last=False)


def _keep(key: Hashable, value: Columns) -> None:
    with _LOCK:
        _KEPT[key] = value
        _KEPT.move_to_end(key)
        while len(_KEPT) > _SIZE:
            _KEPT.popitem(last=False)


def columns(
    key: tuple[Hashable, ...],
    digest: str,
    count: int,
    build: Callable[[Sequence[int] | None], Columns],
) -> Columns:
    """The columns of the frame of ``digest`` (``key`` names everything else they depend on).

    ``build(None)`` builds the whole frame's columns, ``build(ids)`` only those
    of its pins among ``ids``; ``count`` is how many pins the whole columns
    hold. Kept columns of the same content are returned as they are (never
    change them); of a frame this one was derived from (``derive``), patched
    by the replaced pins; otherwise built whole.
    """
    with _LOCK:
        found = _KEPT.get((*key, digest))
        derived = _DERIVED.get(digest)
        older = _KEPT.get((*key, derived[0])) if derived is not None else None
    if found is not None:
        return found
    made: Columns | None = None
    if derived is not None and older is not None and _ascending(older["id"]):
        made = patched(older, derived[1], build(derived[1]))
        if len(made["id"]) != count or not _ascending(made["id"]):
            made = None  # not what a whole build gives: build it whole
        else:
            counts["patched"] += 1
    if made is None:
        made = build(None)
        counts["whole"] += 1
    _keep((*key, digest), made)
    return made


def _ascending(values: Sequence[int]) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=np.int64)) > 0))


def patched(kept: Columns, replaced: Sequence[int], fresh: Columns) -> Columns:
    """``kept`` without the pins ``replaced``, with the pins of ``fresh`` at their places by id.

    Both ordered by id. Only the few changed pins are handled one by one;
    the lists themselves are copied and spliced in C.

    >>> kept = {"id": [1, 3], "category": ["a", "b"], "xy": [0, 0, 1, 1], "tooltip": ["A", "B"],
    ...         "faded": [0, 0], "text": [None, None], "rows": [0, "x"], "rowc": [1, 0]}
    >>> fresh = {"id": [2, 3], "category": ["c", "b"], "xy": [2, 2, 3, 3], "tooltip": ["C", "D"],
    ...          "faded": [0, 1], "text": ["t", None], "rows": [1, "y"], "rowc": [0, 1]}
    >>> p = patched(kept, [2, 3], fresh)
    >>> p["id"], p["tooltip"], p["rows"], p["rowc"], p["xy"]
    ([1, 2, 3], ['A', 'C', 'D'], [0, 'x', 1, 'y'], [1, 0, 1], [0, 0, 2, 2, 3, 3])
    """
    out = {name: list(values) for name, values in kept.items()}
    gone = sorted({int(i) for i in replaced})
    # Backwards, so the places of the pins before each one stay as they were.
    found = (bisect.bisect_left(out["id"], pin) for pin in gone)
    at = sorted(i for i, pin in zip(found, gone, strict=True)
                if i < len(out["id"]) and out["id"][i] == pin)
    if at:
        starts = list(itertools.accumulate(out["rowc"], initial=0))
        for i in reversed(at):
            row_at, row_end = 2 * starts[i], 2 * starts[i + 1]
            del out["rows"][row_at:row_end]
            del out["xy"][2 * i : 2 * i + 2]
            for name in _SINGLE:
                del out[name][i]
    if fresh["id"]:
        fresh_starts = list(itertools.accumulate(fresh["rowc"], initial=0))
        places = [bisect.bisect_left(out["id"], pin) for pin in fresh["id"]]
        starts = list(itertools.accumulate(out["rowc"], initial=0))
        # Backwards again: each insertion leaves the places before it unchanged.
        for j in reversed(range(len(fresh["id"]))):
            i = places[j]
            row_at = 2 * starts[i]
            rows = fresh["rows"][2 * fresh_starts[j] : 2 * fresh_starts[j + 1]]
            out["rows"][row_at:row_at] = rows
            out["xy"][2 * i : 2 * i] = fresh["xy"][2 * j : 2 * j + 2]
            for name in _SINGLE:
                out[name].insert(i, fresh[name][j])
    return out


def split(columns: Columns, mask: Sequence[bool] | np.ndarray) -> tuple[Columns, Columns]:
    """``columns`` parted by ``mask`` (one flag per pin): the pins it marks, and the others.

    A layer built once and parted costs less than building each part: every
    column's conversion has a cost per call, and the editor patches one set.
    Values are the very objects of ``columns``.

    >>> c = {"id": [1, 2, 3], "category": ["a", "b", "a"], "xy": [0.5, 0, 1, 1, 2, 2],
    ...      "tooltip": ["A", "B", "C"], "faded": [0, 1, 0], "text": [None, "t", None],
    ...      "rows": [0, "x", 1, "y", 2, "z"], "rowc": [2, 0, 1]}
    >>> yes, no = split(c, [True, False, True])
    >>> yes["id"], yes["rows"], yes["xy"], no["id"], no["rows"], no["rowc"]
    ([1, 3], [0, 'x', 1, 'y', 2, 'z'], [0.5, 0, 2, 2], [2], [], [0])
    """
    chosen = np.asarray(mask, dtype=bool)
    rowc = np.asarray(columns["rowc"], dtype=np.int64)
    # Flags per value of each kind of column: one per pin, two per pin (x, y),
    # two per popup row; compress picks the values in C.
    flags = {
        "pin": (chosen.tolist(), (~chosen).tolist()),
        "xy": (np.repeat(chosen, 2).tolist(), np.repeat(~chosen, 2).tolist()),
        "rows": (np.repeat(chosen, 2 * rowc).tolist(), np.repeat(~chosen, 2 * rowc).tolist()),
    }
    yes: Columns = {}
    no: Columns = {}
    for name, values in columns.items():
        mine, others = flags.get(name, flags["pin"])
        yes[name] = list(itertools.compress(values, mine))
        no[name] = list(itertools.compress(values, others))
    return yes, no
