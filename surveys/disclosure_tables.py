"""A table of counts as disclosure control sees it: cells, thresholds, the relations between them.

The rule these types serve is written in ``surveys.disclosure``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

Key = Hashable

DEFAULT_THRESHOLD = 5
SENSITIVE_THRESHOLD = 10
# Below 3, "hidden" (1..t-1 with 0 shown) would mean exactly 1: no protection at all.
MIN_THRESHOLD = 3


@dataclass(frozen=True)
class Thresholds:
    """The smallest count that may be shown: by default, and for sensitive categories."""

    default: int = DEFAULT_THRESHOLD
    sensitive: int = SENSITIVE_THRESHOLD

    def __post_init__(self) -> None:
        """Refuse thresholds that would protect nothing."""
        if self.default < MIN_THRESHOLD:
            raise ValueError(f"threshold: at least {MIN_THRESHOLD}, got {self.default}")
        if self.sensitive < self.default:
            raise ValueError(
                f"sensitive threshold: at least the default {self.default}, got {self.sensitive}"
            )

    def for_category(self, sensitive: bool) -> int:
        """The threshold of a category cell."""
        return self.sensitive if sensitive else self.default


@dataclass(frozen=True)
class Cell:
    """One count of a table.

    ``shown`` False marks a count that is never displayed, so the outsider
    can learn it only through the relations (the respondents assigned to a
    district directly; how many skipped a question). ``threshold`` None takes
    a cell out of the threshold rule: a never-shown cell that need not be
    protected (how many skipped a question is nobody's secret).
    """

    value: int
    threshold: int | None
    shown: bool = True


@dataclass(frozen=True)
class Relation:
    """``total`` equals the sum of ``parts``: a sum an outsider can write down."""

    total: Key
    parts: tuple[Key, ...]

    def members(self) -> tuple[Key, ...]:
        """The total and the parts."""
        return (self.total, *self.parts)


@dataclass(frozen=True)
class AtMost:
    """``small`` is at most ``large``: a category's count never exceeds its respondents."""

    small: Key
    large: Key


@dataclass(frozen=True)
class Protection:
    """Which cells may not be shown: primary (too small) and all hidden ones.

    ``hidden`` holds the shown cells to suppress and the never-shown cells
    that are too small (those must stay underivable too).
    """

    hidden: frozenset[Key]
    primary: frozenset[Key]

    @property
    def secondary(self) -> frozenset[Key]:
        """Cells hidden only to protect others."""
        return self.hidden - self.primary
