"""What an export holds: the rows of every layer one actor may see, for one selection.

``mapping.services.export_rows`` reads them and ``mapping.io.export`` writes
them; the analysis here (``map_units``, ``changes``) needs nothing above it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from mapping.catalog import Entry

# Dates without a time mean the end of that day where the centres work.
LOCAL_TIMEZONE = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class Selection:
    """What an export covers: a team's or an area's map (or everything), now or as of a moment."""

    team_id: int | None = None
    area_id: int | None = None
    as_of: dt.datetime | None = None


@dataclass
class ExportData:
    """The rows of every layer that one actor may see, ready to be written in any format."""

    frames: dict[str, pd.DataFrame]
    catalogue: list[Entry]
    selection: Selection
    exported_at: dt.datetime
    exported_by: str
    notes: list[str] = field(default_factory=list)

    def count(self, layer: str) -> int:
        """How many rows ``layer`` holds."""
        return len(self.frames[layer])
