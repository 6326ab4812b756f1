"""Cheap versions of what the maps show: one per layer, each moving when its rows change.

The editor keeps what it read and built (10,000 pins take seconds) and asks
only this before using it again. Every change of a layer row is recorded in
``layer_history`` by a database trigger, so the newest history id of a table
moves with every insert, update and delete of its rows; the row counts, read
under the caller's row-level security, also move when rows appear or vanish
without a history row (a bulk load with the triggers off) or when what this
user may see changes.

``layer_versions`` gives one version per pin layer, so a saved resource
makes only the resource layer be read and built again: the partner and need
layers are kept. Whatever else a layer's rows depend on (areas, teams,
partnerships, need–resource links: every other table with history) moves
every layer's version together, the safe side.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.db.models import HISTORY_TABLES

# The layers whose rows are counted (under row-level security) with the history's newest id.
_COUNTED = ("resource", "partner", "need", "area")
PIN_LAYERS = ("resource", "partner", "need")

_QUERY = text(
    "SELECT (SELECT max(id) FROM layer_history), "
    + ", ".join(f"(SELECT count(*) FROM {table})" for table in _COUNTED)
)

# Each pin table's newest history id, the newest of every other table with
# history, and the counts. Each pin table's max is the last entry of its part
# of the (table_name, id) index (migration 0014), read backwards to the first
# row the user may see: a history of years of pin edits costs no more than one
# of days (bench/bench_versions.py). The other tables (areas, teams,
# partnerships, links, actions) change a few hundred times a year: their rows
# are read from the same index in one go, which costs less than one
# backward read per table (each repeats row-level security's set-up).
_OTHER_TABLES = tuple(table for table in HISTORY_TABLES if table not in PIN_LAYERS)


def _newest(table: str) -> str:
    return f"(SELECT max(id) FROM layer_history WHERE table_name = '{table}')"


_LAYER_QUERY = text(
    "SELECT "
    + ", ".join(_newest(table) for table in PIN_LAYERS)
    + ", (SELECT max(id) FROM layer_history WHERE table_name IN ("
    + ", ".join(f"'{table}'" for table in _OTHER_TABLES) + ")), "
    + ", ".join(f"(SELECT count(*) FROM {table})" for table in _COUNTED)
)


def map_version(session: Session) -> tuple[int, ...]:
    """The newest history id and the rows of each layer this session's user may see.

    Two calls give the same tuple when no layer row changed in between (a
    transaction still open when the first call ran may commit a lower id
    later: callers keep what they built for a limited time too).
    """
    row = session.execute(_QUERY).one()
    return tuple(int(value or 0) for value in row)


def plan_simply(session: Session) -> None:
    """Plan this transaction's statements without PostgreSQL's JIT compiler.

    Row-level security makes the planner's cost of a read of a few thousand
    pins look large, so the JIT compiler starts and spends more time
    compiling (0.3 s measured) than the read itself takes; the reads the
    editor makes after a save are small.
    """
    session.execute(text("SET LOCAL jit = off"))


def changed_rows(session: Session, layer: str, since: int) -> list[tuple[int, str]]:
    """(row id, operation) of the history rows of ``layer`` newer than ``since``, oldest first.

    Only those this session's user may see (row-level security): a pin that
    left the user's sight without a visible history row shows in the counts
    of ``layer_versions`` instead, and the caller reads the layer again.
    """
    if layer not in PIN_LAYERS:
        raise ValueError(f"not a pin layer: {layer}")
    rows = session.execute(
        text(
            "SELECT row_id, operation FROM layer_history "
            "WHERE id > :since AND table_name = :layer ORDER BY id"
        ),
        {"since": since, "layer": layer},
    ).all()
    return [(int(row_id), str(operation)) for row_id, operation in rows]


def layer_versions(session: Session) -> dict[str, tuple[int, ...]]:
    """A version per pin layer and one for the areas, read in one statement.

    A layer's version is its own newest history id and row count with the
    version of everything else (``"area"``: areas, teams, partnerships, links);
    it stays the same while only another pin layer changes. As ``map_version``,
    a transaction committing late may add a lower id: keep things for a while only.
    """
    row = [int(value or 0) for value in session.execute(_LAYER_QUERY).one()]
    own = dict(zip(PIN_LAYERS, row[: len(PIN_LAYERS)], strict=True))
    others = row[len(PIN_LAYERS)]
    counts = dict(zip(_COUNTED, row[len(PIN_LAYERS) + 1 :], strict=True))
    shared = (others, counts["area"])
    result: dict[str, tuple[int, ...]] = {
        layer: (own[layer], counts[layer], *shared) for layer in PIN_LAYERS
    }
    result["area"] = shared
    return result
