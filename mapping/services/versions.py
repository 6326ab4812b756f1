"""A cheap version of what the maps show: it changes whenever a pin, area or team changes.

The editor keeps what it read and built (10,000 pins take seconds) and asks
only this before using it again. Every change of a layer row is recorded in
``layer_history`` by a database trigger, so the newest history id moves with
every insert, update and delete; the row counts, read under the caller's
row-level security, also move when rows appear or vanish without a history
row (a bulk load with the triggers off) or when what this user may see
changes.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# The layers whose rows are counted (under row-level security) with the history's newest id.
_COUNTED = ("resource", "partner", "need", "area")

_QUERY = text(
    "SELECT (SELECT max(id) FROM layer_history), "
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
