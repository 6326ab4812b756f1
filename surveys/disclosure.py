"""Disclosure control for survey indicators: primary and secondary cell suppression.

Pure functions over a table of counts; nothing here reads the database.

The rule
--------

*Cells.* A table is a set of cells, each a count of respondents: how many
respondents an area has, and how many of them named a category (a need, a
resource they value, a target group of their household). Every cell has a
threshold ``t``: 5 by default, 10 for the catalogue's sensitive categories
(health, mental health, addiction, violence); both configurable
(``Thresholds``), never below 3.

*Primary suppression.* A count ``c`` with ``1 <= c < t`` is never shown.
0 **is** shown: "nobody named it" says nothing about any one respondent. The
price, accepted and documented: a hidden cell tells that at least one
respondent named the category (the questions ask what the estate lacks and
what the household is, not a diagnosis of the respondent).

*Relations an outsider knows.* Published numbers are tied by sums that anyone
can write down, and a hidden cell must not be recoverable through them:

(a) an area's respondents vs its category counts: a category's count never
    exceeds the area's respondents (``AtMost``); for a single-choice
    question whose every choice maps to a category, the respondents equal
    the sum of those counts plus those who skipped it (an outsider takes
    that as 0 when the form requires an answer); and a share is count ÷
    respondents, so a share is shown only when both its count and its
    respondents are (``share_shown``);
(b) hierarchy: a district's count is the sum of its estates' counts plus the
    respondents assigned to the district directly (outside every estate);
    the city's likewise over its districts. The "directly assigned" cell is
    never shown, so an outsider can only work it out through the sums; it is
    a count of people like any other, and when it is between 1 and t-1 it
    must stay underivable like a hidden cell;
(c) the previous wave: a change is shown only when the cell is shown in both
    waves (``change_shown``), so a hidden cell is never "last year's number
    plus the change". Waves are independent samples; no other relation
    ties them.

*Secondary suppression* hides further cells until no hidden cell can be
pinned down by an outsider who knows every published number, every relation
above, and that a hidden cell is not 0 (zeros are shown; a never-shown cell
is only known to be at least 0). The mark does not tell a primary cell from
a secondary one, so the outsider is not assumed to know that a hidden cell
is below its threshold. Concretely, for every hidden cell:

1. it is not a linear combination of published numbers ("by subtraction"):
   checked exactly, with rational Gaussian elimination over each connected
   group of hidden cells;
2. the bounds leave it at least two possible values (so "two hidden cells
   that add up to 2" is caught: both would be 1). Besides the sums, the
   outsider knows that a category's count never exceeds its area's
   respondents (``AtMost``); these inequalities tie the trees of the
   hierarchy into cycles, so the check is a linear programme per connected
   group of unknown cells (HiGHS: can each cell move by at least 1 away
   from its true value?), not a propagation of intervals, which misses
   combinations. The programme treats counts as real numbers; the property
   tests (``tests/test_surveys_disclosure.py``) check published tables
   against an exhaustive search over whole numbers.

A cell chosen to protect another is a shown, non-zero count of the same
relation: parts before totals (hiding a total cascades into its own sum),
then the smallest count (the least information lost), then table order, so
the result is deterministic. Zeros are never hidden: that zeros are always
shown is what lets an outsider take a hidden cell as at least 1, and the
audit assumes exactly that.

>>> cells = {"district": Cell(12, 5), "a": Cell(3, 5), "b": Cell(9, 5)}
>>> protect(cells, [Relation("district", ("a", "b"))]).hidden == {"a", "b"}
True

Where things are: the types of a table (``Cell``, ``Relation``, ``AtMost``,
``Thresholds``) are in ``surveys.disclosure_tables``, the two checks of an
outsider's reach in ``surveys.disclosure_solver``; everything is importable
from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from surveys.disclosure_solver import _linearly_determined, _pinned_by_bounds
from surveys.disclosure_tables import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    SENSITIVE_THRESHOLD,
    AtMost,
    Cell,
    Key,
    Protection,
    Relation,
    Thresholds,
)

__all__ = [
    "DEFAULT_THRESHOLD", "MIN_THRESHOLD", "SENSITIVE_THRESHOLD", "AtMost", "Cell", "Key",
    "Protection", "Relation", "Thresholds", "audit", "change_shown", "primary_unsafe", "protect",
    "share_shown",
]  # fmt: skip


def primary_unsafe(value: int, threshold: int | None) -> bool:
    """True for a count between 1 and the threshold minus one: never shown.

    >>> [primary_unsafe(v, 5) for v in (0, 1, 4, 5)]
    [False, True, True, False]
    """
    return threshold is not None and 1 <= value < threshold


def share_shown(count_hidden: bool, respondents_hidden: bool) -> bool:
    """A share (count ÷ respondents) is shown only when both of its numbers are (rule a)."""
    return not count_hidden and not respondents_hidden


def change_shown(hidden_now: bool, hidden_before: bool | None) -> bool:
    """A change against the previous wave is shown only when both waves show the cell (rule c).

    ``hidden_before`` None: the previous wave has no such cell (nothing to compare).
    """
    return hidden_before is not None and not hidden_now and not hidden_before


def protect(
    cells: Mapping[Key, Cell],
    relations: Sequence[Relation],
    bounds: Sequence[AtMost] = (),
) -> Protection:
    """Primary and secondary suppression of ``cells`` under ``relations`` and ``bounds``.

    Raises ValueError when a relation does not add up or a bound does not hold
    (the table is wrong, and protecting it would be meaningless).
    """
    _check(cells, relations, bounds)
    order = {key: i for i, key in enumerate(cells)}
    totals = {relation.total for relation in relations}
    # The inequalities join the search for a complement (hiding the larger
    # side frees the smaller one), not the exact linear check.
    neighbours = [*relations, *(Relation(b.large, (b.small,)) for b in bounds)]
    by_cell: dict[Key, list[Relation]] = {}
    for relation in neighbours:
        for key in relation.members():
            by_cell.setdefault(key, []).append(relation)

    primary = {key for key, cell in cells.items() if primary_unsafe(cell.value, cell.threshold)}
    hidden = {key for key in primary if cells[key].shown}
    unseen = {key for key, cell in cells.items() if not cell.shown}
    guarded = primary | hidden

    # Adding a complement changes one group of unknown cells; the others keep their result.
    solved: dict[frozenset[Key], set[Key]] = {}

    def unknown(key: Key) -> bool:
        return key in hidden or key in unseen

    def candidates(relation: Relation) -> list[Key]:
        found = [
            key
            for key in relation.members()
            if not unknown(key)
            and cells[key].shown
            and cells[key].threshold is not None
            and cells[key].value > 0
        ]
        return sorted(found, key=lambda k: (k in totals, cells[k].value, order[k]))

    while True:
        # The cheap rule first: a relation with exactly one unknown cell gives it away.
        changed = True
        while changed:
            changed = False
            for relation in relations:
                inside = [key for key in relation.members() if unknown(key)]
                if len(inside) == 1 and inside[0] in guarded:
                    choice = candidates(relation)
                    if choice:
                        hidden.add(choice[0])
                        guarded.add(choice[0])
                        changed = True
        exposed = audit(cells, relations, hidden, bounds, cache=solved) & guarded
        if not exposed:
            return Protection(frozenset(hidden | (primary & unseen)), frozenset(primary))
        # One complement at a time: it often protects the other exposed cells
        # too, and hiding one per exposed cell would hide more than needed.
        added = False
        for key in sorted(exposed, key=lambda k: order[k]):
            complement = _complement(key, by_cell, unknown, candidates)
            if complement is not None and not unknown(complement):
                hidden.add(complement)
                guarded.add(complement)
                added = True
                break
        if not added:
            # No published non-zero number is left anywhere around the exposed
            # cells, so nothing bounds them: the table itself is inconsistent.
            raise RuntimeError(f"cannot protect cells {sorted(map(str, exposed))}")


def _complement(
    key: Key,
    by_cell: Mapping[Key, list[Relation]],
    unknown: Callable[[Key], bool],
    candidates: Callable[[Relation], list[Key]],
) -> Key | None:
    """A cell to hide so that ``key`` is protected: nearest relations first."""
    seen_relations: set[int] = set()
    seen_cells = {key}
    frontier = [key]
    while frontier:
        next_frontier: list[Key] = []
        options: list[tuple[int, int, Key]] = []
        for cell in frontier:
            for relation in by_cell.get(cell, []):
                if id(relation) in seen_relations:
                    continue
                seen_relations.add(id(relation))
                found = candidates(relation)
                if found:
                    inside = sum(1 for k in relation.members() if unknown(k))
                    options.append((inside, len(options), found[0]))
                for member in relation.members():
                    if unknown(member) and member not in seen_cells:
                        seen_cells.add(member)
                        next_frontier.append(member)
        if options:
            # The relation with the fewest unknown cells is the one that gives it away.
            return min(options)[2]
        frontier = next_frontier
    return None


def _check(
    cells: Mapping[Key, Cell], relations: Sequence[Relation], bounds: Sequence[AtMost]
) -> None:
    for bound in bounds:
        if bound.small not in cells or bound.large not in cells:
            raise ValueError(f"bound names an unknown cell {bound!r}")
        if cells[bound.small].value > cells[bound.large].value:
            raise ValueError(f"{bound.small!r} exceeds {bound.large!r}")
    for relation in relations:
        for key in relation.members():
            if key not in cells:
                raise ValueError(f"relation names an unknown cell {key!r}")
        total = cells[relation.total].value
        parts = sum(cells[key].value for key in relation.parts)
        if total != parts:
            raise ValueError(f"{relation.total!r} = {total} but its parts add up to {parts}")
    for key, cell in cells.items():
        if cell.value < 0:
            raise ValueError(f"{key!r}: a count cannot be negative ({cell.value})")
        if cell.shown and cell.threshold is None:
            raise ValueError(f"{key!r}: a shown count needs a threshold")


def audit(
    cells: Mapping[Key, Cell],
    relations: Sequence[Relation],
    hidden: Iterable[Key],
    bounds: Sequence[AtMost] = (),
    *,
    cache: dict[frozenset[Key], set[Key]] | None = None,
) -> set[Key]:
    """Unknown cells an outsider can pin down: exactly (linear) or through the bounds.

    The outsider knows every shown cell not in ``hidden`` and every relation
    and bound; a hidden shown cell is at least 1 (zeros are shown), a
    never-shown cell at least 0. Returns every pinned cell that is unknown to
    the outsider (hidden, or never shown); the caller decides which of them
    need protection.
    """
    unknown = set(hidden) | {key for key, cell in cells.items() if not cell.shown}
    if not unknown:
        return set()
    return _linearly_determined(relations, unknown) | _pinned_by_bounds(
        cells, relations, unknown, bounds, cache
    )
