"""One pin layer's rows for the editor, kept per layer version and brought up to date by row.

The editor's map of 10,000 pins used to be read again whole after every
save: a save moved the one data version, so all three layers were read and
built again. Here each layer is kept under its own version
(``versions.layer_versions``): a saved resource leaves the partner and need
layers as they were (the same frames, so their payloads and digests are
reused), and the resource layer is brought up to date by reading only the
pins whose history moved since it was read (``versions.changed_rows``).

What is kept is keyed by the reader's rights (role and teams, which
row-level security and the page's rule decide the rows by): one team's
team-only pins are never served to another team's editor. A layer is read
whole again when anything else changed (areas, teams, partnerships: the
shared part of the version), when the row count moved in a way the visible
history does not explain (a pin left the user's sight through a change the
user may not see), and at least every ``FULL_EVERY`` seconds (a transaction
that committed a lower history id late is then picked up).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from mapping.maps import pin_columns, pin_payload
from mapping.services import layers, pins, versions
from mapping.services.accounts import Actor
from mapping.services.layers import NEED_STATUSES

# Seconds after which a kept layer is read whole again, whatever its version says.
FULL_EVERY = 120.0
# Layers kept (area × rights × layer): a few editors' areas.
_SIZE = 24


@dataclass(frozen=True)
class RetiredPin:
    """A retired pin as the restore list shows it."""

    layer: str
    id: int
    version: int
    name: str
    retired_at: Any


@dataclass(frozen=True)
class LayerRows:
    """One layer's pins in an area (all the editor reads), what the map shows, retired pins."""

    frame: gpd.GeoDataFrame
    shown: gpd.GeoDataFrame
    retired: list[RetiredPin]
    version: tuple[int, ...]
    # time.monotonic() of the last whole read this was brought up to date from.
    read_at: float
    # ``shown``'s digest (``pin_payload.content_digest`` gives it for ``shown`` itself).
    digest: str


_lock = threading.Lock()
_latest: OrderedDict[Hashable, LayerRows] = OrderedDict()
# What each call did, per layer (tests assert which layers a save read again).
counts: Counter[tuple[str, str]] = Counter()


def clear() -> None:
    """Forget every kept layer and the counts (tests)."""
    with _lock:
        _latest.clear()
        counts.clear()


def _on_map(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    # Archived needs are history, not today's map (as editor_view.on_map).
    if layer == "need" and len(frame):
        return frame[frame["status"] != "archived"]
    return frame


def _made(
    layer: str, frame: gpd.GeoDataFrame, retired: list[RetiredPin],
    version: tuple[int, ...], read_at: float, digest: str | None = None,
) -> LayerRows:
    shown = _on_map(frame, layer)
    # Kept frames are never changed: their digests are worked out once.
    digest = pin_payload.remember_digest(shown, digest)
    return LayerRows(frame, shown, retired, version, read_at, digest)


def _retired(session: Session, actor: Actor, layer: str, area_ids: list[int]) -> list[RetiredPin]:
    return [
        RetiredPin(layer, r.id, r.version, r.name, r.retired_at)
        for r in pins.retired_pins(session, actor, layer, area_ids)
    ]


def _read(
    session: Session, layer: str, area_ids: list[int], visibilities: tuple[str, ...],
    only_ids: list[int] | None = None,
) -> gpd.GeoDataFrame:
    return layers.pins(
        session, layer, area_ids, visibilities, need_statuses=NEED_STATUSES,
        with_version=True, only_ids=only_ids,
    )


def _brought_up_to_date(
    session: Session, actor: Actor, kept: LayerRows, layer: str, area_ids: list[int],
    visibilities: tuple[str, ...], version: tuple[int, ...],
) -> LayerRows | None:
    """``kept`` with the pins changed since it was read read again; None to read it whole."""
    changes = versions.changed_rows(session, layer, kept.version[0])
    moved = sum(op == "INSERT" for _, op in changes) - sum(op == "DELETE" for _, op in changes)
    if not changes or version[1] != kept.version[1] + moved:
        return None
    ids = sorted({row_id for row_id, _ in changes})
    fresh = _read(session, layer, area_ids, visibilities, only_ids=ids)
    kept_ids = kept.frame["id"]
    dropped = kept_ids.isin(ids).to_numpy()
    # Each step only when needed: every copy of 10,000 rows costs milliseconds.
    rest = kept.frame[~dropped] if dropped.any() else kept.frame
    if len(fresh):
        # The few fresh rows take the kept column types first: converting
        # 10,000 rows after the concat costs more than the rest of the save.
        fresh = fresh.astype(
            {c: d for c, d in kept.frame.dtypes.items() if c in fresh and fresh[c].dtype != d}
        )
        frame = pd.concat([rest, fresh], ignore_index=True)
        if len(rest) and int(fresh["id"].min()) < int(rest["id"].iloc[-1]):
            frame = frame.sort_values("id", kind="stable").reset_index(drop=True)
        frame = gpd.GeoDataFrame(frame, geometry=kept.frame.geometry.name, crs=kept.frame.crs)
        # The same column types as a whole read, whatever concat made of them.
        differ = {c: d for c, d in kept.frame.dtypes.items() if frame[c].dtype != d}
        if differ:
            frame = frame.astype(differ)
    else:
        frame = gpd.GeoDataFrame(rest.reset_index(drop=True), crs=kept.frame.crs)
    # Hashing the 10,000 rows again would cost more than reading the changed ones.
    digest = pin_payload.chained_digest(kept.digest, ids, _on_map(fresh, layer))
    # The map's columns of this layer are the kept ones with these pins replaced.
    pin_columns.derive(digest, kept.digest, ids)
    return _made(
        layer, frame, _retired(session, actor, layer, area_ids), version, kept.read_at, digest
    )


def layer_rows(
    session: Session, base: Hashable, actor: Actor, layer: str, area_ids: list[int],
    visibilities: tuple[str, ...], version: tuple[int, ...],
) -> LayerRows:
    """The layer's rows for ``base`` (which must name the database, the reader's rights, area).

    ``version`` is the layer's from ``versions.layer_versions``, read in
    this transaction: the same version gives the kept rows; a newer one of
    this layer only, the kept rows with the changed pins read again.
    """
    key = (base, layer, tuple(area_ids), visibilities)
    now = time.monotonic()
    with _lock:
        kept = _latest.get(key)
    if kept is not None and kept.version == version and now - kept.read_at < FULL_EVERY:
        counts[(layer, "kept")] += 1
        return kept
    rows = None
    if (
        kept is not None and now - kept.read_at < FULL_EVERY
        and kept.version[2:] == version[2:] and version[0] > kept.version[0]
    ):
        rows = _brought_up_to_date(session, actor, kept, layer, area_ids, visibilities, version)
        if rows is not None:
            counts[(layer, "rows")] += 1
    if rows is None:
        counts[(layer, "whole")] += 1
        frame = _read(session, layer, area_ids, visibilities)
        rows = _made(layer, frame, _retired(session, actor, layer, area_ids), version, now)
    with _lock:
        _latest[key] = rows
        _latest.move_to_end(key)
        while len(_latest) > _SIZE:
            _latest.popitem(last=False)
    return rows
