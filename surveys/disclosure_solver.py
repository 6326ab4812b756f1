"""Whether an outsider can pin a hidden cell down: exact elimination and linear programmes.

The two checks of ``surveys.disclosure``'s rule: a hidden cell that is a
linear combination of published numbers (rational Gaussian elimination over
each connected group of relations), and one whose smallest and largest
possible values, given every relation and bound, coincide or lie below the
threshold (linear programmes solved with HiGHS).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from fractions import Fraction

from surveys.disclosure_tables import AtMost, Cell, Key, Relation

_INF = math.inf
# Linear programmes are solved in floating point; counts are whole numbers.
_TOLERANCE = 1e-6


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
