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
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

Key = Hashable

DEFAULT_THRESHOLD = 5
SENSITIVE_THRESHOLD = 10
# Below 3, "hidden" (1..t-1 with 0 shown) would mean exactly 1: no protection at all.
MIN_THRESHOLD = 3

_INF = math.inf
# Linear programmes are solved in floating point; counts are whole numbers.
_TOLERANCE = 1e-6


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


def _components(relations: Sequence[Relation], hidden: set[Key]) -> list[list[Relation]]:
    """Relations grouped by the hidden cells they share (union-find over cells)."""
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching: list[tuple[Relation, list[Key]]] = []
    for relation in relations:
        inside = [key for key in relation.members() if key in hidden]
        if not inside:
            continue
        touching.append((relation, inside))
        first = find(inside[0])
        for key in inside[1:]:
            root = find(key)
            if root != first:
                parent[root] = first
    groups: dict[Key, list[Relation]] = {}
    for relation, inside in touching:
        groups.setdefault(find(inside[0]), []).append(relation)
    return list(groups.values())


def _linearly_determined(relations: Sequence[Relation], hidden: set[Key]) -> set[Key]:
    """Hidden cells that are a linear combination of known numbers.

    A hidden cell is determined exactly when its unit vector lies in the row
    space of the relations restricted to the hidden cells: in reduced row
    echelon form, a pivot row with no other non-zero entry.
    """
    determined: set[Key] = set()
    for group in _components(relations, hidden):
        columns: dict[Key, int] = {}
        for relation in group:
            for key in relation.members():
                if key in hidden and key not in columns:
                    columns[key] = len(columns)
        rows: list[list[Fraction]] = []
        for relation in group:
            row = [Fraction(0)] * len(columns)
            # total - sum(parts) = 0; a cell may appear twice only in a broken table.
            for key, sign in ((relation.total, 1), *((part, -1) for part in relation.parts)):
                if key in columns:
                    row[columns[key]] += sign
            if any(row):
                rows.append(row)
        keys = list(columns)
        for pivot_row in _rref(rows, len(columns)):
            nonzero = [i for i, value in enumerate(pivot_row) if value != 0]
            if len(nonzero) == 1:
                determined.add(keys[nonzero[0]])
    # A hidden cell in no relation at all is not determined by anything.
    return determined


def _rref(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """The non-zero rows of the reduced row echelon form of ``rows``."""
    matrix = [row[:] for row in rows]
    pivot = 0
    for column in range(width):
        found = next((r for r in range(pivot, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[pivot], matrix[found] = matrix[found], matrix[pivot]
        lead = matrix[pivot][column]
        matrix[pivot] = [value / lead for value in matrix[pivot]]
        for r in range(len(matrix)):
            if r != pivot and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot], strict=True)]
        pivot += 1
        if pivot == len(matrix):
            break
    return matrix[:pivot]


def _pinned_by_bounds(
    cells: Mapping[Key, Cell],
    relations: Sequence[Relation],
    unknown: set[Key],
    bounds: Sequence[AtMost],
    cache: dict[frozenset[Key], set[Key]] | None = None,
) -> set[Key]:
    """Unknown cells that the known numbers leave fewer than two integer values.

    For each connected group of unknown cells, a linear programme finds the
    smallest and the largest value each cell can take given the relations,
    the bounds and the lower limits (1 for a hidden shown cell, 0 for a
    never-shown one). The relations are sums with unit coefficients, so the
    extremes are whole numbers for the tables indicators build; a cell whose
    range holds fewer than two whole numbers is pinned.
    """
    pinned: set[Key] = set()
    # The ceiling only keeps every programme bounded: a cell that can move at
    # all can move by 1 well below it.
    ceiling = float(sum(cell.value for cell in cells.values()) + len(unknown) + 1)
    relations_of: dict[Key, list[int]] = {}
    for number, relation in enumerate(relations):
        for key in relation.members():
            if key in unknown:
                relations_of.setdefault(key, []).append(number)
    bounds_of: dict[Key, list[int]] = {}
    for number, bound in enumerate(bounds):
        for key in (bound.small, bound.large):
            if key in unknown:
                bounds_of.setdefault(key, []).append(number)
    for group in _groups(relations, bounds, unknown):
        # The same unknown cells mean the same programme (everything else is known).
        signature = frozenset(group)
        if cache is not None and signature in cache:
            pinned |= cache[signature]
            continue
        near_relations = sorted({n for key in group for n in relations_of.get(key, ())})
        near_bounds = sorted({n for key in group for n in bounds_of.get(key, ())})
        found = _pinned_in_group(
            cells,
            [relations[n] for n in near_relations],
            [bounds[n] for n in near_bounds],
            group,
            ceiling,
        )
        if cache is not None:
            cache[signature] = found
        pinned |= found
    return pinned


def _groups(
    relations: Sequence[Relation], bounds: Sequence[AtMost], unknown: set[Key]
) -> list[list[Key]]:
    """Unknown cells grouped by the relations and bounds that tie them together."""
    links = [[k for k in r.members() if k in unknown] for r in relations]
    links += [[k for k in (b.small, b.large) if k in unknown] for b in bounds]
    parent: dict[Key, Key] = {key: key for key in unknown}

    def find(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for inside in links:
        for key in inside[1:]:
            a, b = find(inside[0]), find(key)
            if a != b:
                parent[b] = a
    groups: dict[Key, list[Key]] = {}
    for key in unknown:
        groups.setdefault(find(key), []).append(key)
    return list(groups.values())


def _pinned_in_group(
    cells: Mapping[Key, Cell],
    relations: Sequence[Relation],
    bounds: Sequence[AtMost],
    group: list[Key],
    ceiling: float,
) -> set[Key]:
    import highspy  # imported here: only audits need the solver
    import numpy as np

    column = {key: i for i, key in enumerate(group)}
    width = len(group)
    starts, indices, values, lower, upper = [0], [], [], [], []

    def add_row(row: dict[int, float], low: float, high: float) -> None:
        for index, value in row.items():
            if value:
                indices.append(index)
                values.append(value)
        starts.append(len(indices))
        lower.append(low)
        upper.append(high)

    for relation in relations:
        row: dict[int, float] = {}
        rhs = 0.0
        for key, sign in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            if key in column:
                row[column[key]] = row.get(column[key], 0.0) + sign
            else:
                rhs -= sign * cells[key].value
        if row:
            add_row(row, rhs, rhs)
    for bound in bounds:
        small, large = bound.small in column, bound.large in column
        if not (small or large):
            continue
        row = {}
        rhs = 0.0
        if small:
            row[column[bound.small]] = 1.0
        else:
            rhs -= cells[bound.small].value
        if large:
            row[column[bound.large]] = -1.0
        else:
            rhs += cells[bound.large].value
        add_row(row, -highspy.kHighsInf, rhs)

    # Zeros are shown, so a hidden shown cell is at least 1; a never-shown one may be 0.
    model = highspy.HighsLp()
    model.num_col_ = width
    model.num_row_ = len(lower)
    model.col_cost_ = np.zeros(width)
    model.col_lower_ = np.array([1.0 if cells[key].shown else 0.0 for key in group])
    model.col_upper_ = np.full(width, ceiling)
    model.row_lower_ = np.array(lower, dtype=float)
    model.row_upper_ = np.array(upper, dtype=float)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(indices, dtype=np.int32)
    model.a_matrix_.value_ = np.array(values, dtype=float)
    solver = _highs()
    solver.passModel(model)
    truth = np.array([cells[key].value for key in group], dtype=float)
    every_column = np.arange(width, dtype=np.int32)

    def moved(objective: np.ndarray) -> set[int]:
        # The same model each time, only the objective changes: HiGHS starts
        # from the previous basis.
        solver.changeColsCost(width, every_column, objective)
        solver.run()
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the table is inconsistent around {group[0]!r}")
        solution = np.asarray(solver.getSolution().col_value)
        return set(np.flatnonzero(np.abs(solution - truth) >= 1 - _TOLERANCE).tolist())

    # The true table is one feasible point; a cell is free when another
    # feasible point moves it by at least 1 (then its range holds two whole
    # numbers). Push all undecided cells down together, then up, while that
    # frees more of them; the few left get a programme of their own.
    free: set[int] = set()
    remaining = set(range(width))
    while remaining:
        before = len(remaining)
        for direction in (1.0, -1.0):
            objective = np.zeros(width)
            objective[sorted(remaining)] = direction
            free |= moved(objective)
            remaining -= free
        if len(remaining) == before:
            break
    for index in sorted(remaining):
        for direction in (1.0, -1.0):
            if index in free:
                break
            objective = np.zeros(width)
            objective[index] = direction
            free |= moved(objective)
    return {key for index, key in enumerate(group) if index not in free}


_SOLVER_LOCK = threading.Lock()
_solver_announced = False


def _highs():  # noqa: ANN202 - a highspy.Highs
    """A silent HiGHS solver.

    The first solver of a process prints HiGHS's banner straight to file
    descriptor 1, which would land in the middle of ``calmap survey
    indicators --format csv``; it is created with that descriptor pointed at
    /dev/null.
    """
    import highspy

    global _solver_announced
    with _SOLVER_LOCK:
        if _solver_announced:
            solver = highspy.Highs()
        else:
            with _stdout_silenced():
                solver = highspy.Highs()
            _solver_announced = True
    solver.setOptionValue("output_flag", False)
    return solver


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)
