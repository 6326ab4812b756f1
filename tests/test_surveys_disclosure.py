"""Disclosure control: nothing between 1 and the threshold is shown, nothing hidden is derivable.

The property tests build random tables the way survey indicators are built
(a city, its districts, their estates, respondents assigned to a district
directly, single-choice partitions) and check the published result with
checkers written independently of ``surveys.disclosure``: a numeric rank test
for "derivable by subtraction", and an exhaustive search for "pinned by the
bounds an outsider knows" (a hidden shown cell is at least 1, since zeros are
shown; a never-shown one at least 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.disclosure import (
    AtMost,
    Cell,
    Relation,
    Thresholds,
    audit,
    change_shown,
    primary_unsafe,
    protect,
    share_shown,
)

# --- the independent checkers ----------------------------------------------------------


def linearly_derivable(cells, relations, hidden) -> set:
    """Unknown cells whose unit vector is in the row space of the relations (numpy rank)."""
    keys = sorted(unknown_to_outsider(cells, hidden), key=repr)
    if not keys:
        return set()
    column = {key: i for i, key in enumerate(keys)}
    rows = []
    for relation in relations:
        row = np.zeros(len(keys))
        if relation.total in column:
            row[column[relation.total]] += 1
        for part in relation.parts:
            if part in column:
                row[column[part]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for key in keys:
        unit = np.zeros(len(keys))
        unit[column[key]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(key)
    return found


def unknown_to_outsider(cells, hidden) -> set:
    """Hidden cells, and the never-shown ones (which nobody sees)."""
    return set(hidden) | {k for k, c in cells.items() if not c.shown}


def pinned_by_search(cells, relations, hidden, bounds=(), limit=200_000) -> set:
    """Unknown cells that take one value in every assignment consistent with what is known.

    Exhaustive search with propagation (a relation with one unknown left fixes it).
    Returns None when the search would be too large (the caller skips the check).
    """
    hidden = sorted(unknown_to_outsider(cells, hidden), key=repr)
    # Above every total of the table no value can satisfy a relation with a
    # published total; a cell with no such bound is free anyway.
    ceiling = sum(cell.value for cell in cells.values()) + 1
    domains = {key: range(1 if cells[key].shown else 0, ceiling + 1) for key in hidden}
    equations = []
    for relation in relations:
        unknown = [(k, s) for k, s in ((relation.total, 1), *((p, -1) for p in relation.parts))
                   if k in domains]
        if not unknown:
            continue
        known = sum(s * cells[k].value
                    for k, s in ((relation.total, 1), *((p, -1) for p in relation.parts))
                    if k not in domains)
        equations.append((unknown, -known))
    steps = [0]

    def solve(assigned):
        steps[0] += 1
        if steps[0] > limit:
            raise TimeoutError
        assigned = dict(assigned)
        changed = True
        while changed:
            changed = False
            for unknown, rhs in equations:
                free = [(k, s) for k, s in unknown if k not in assigned]
                total = sum(s * assigned[k] for k, s in unknown if k in assigned)
                if not free:
                    if total != rhs:
                        return None
                elif len(free) == 1:
                    key, sign = free[0]
                    value = (rhs - total) * sign
                    if value not in domains[key]:
                        return None
                    assigned[key] = value
                    changed = True
        for bound in bounds:
            small = assigned.get(bound.small, None if bound.small in domains
                                 else cells[bound.small].value)
            large = assigned.get(bound.large, None if bound.large in domains
                                 else cells[bound.large].value)
            if small is not None and large is not None and small > large:
                return None
        free = [k for k in hidden if k not in assigned]
        if not free:
            return assigned
        key = min(free, key=lambda k: len(domains[k]))
        # Alternatives, when they exist, lie near the truth: try those first.
        for value in sorted(domains[key], key=lambda v: abs(v - cells[key].value)):
            found = solve({**assigned, key: value})
            if found is not None:
                return found
        return None

    pinned = set()
    try:
        for key in hidden:
            true = cells[key].value
            others = sorted((v for v in domains[key] if v != true), key=lambda v: abs(v - true))
            if not any(solve({key: v}) is not None for v in others):
                pinned.add(key)
    except TimeoutError:
        return None
    return pinned


# --- random tables shaped like survey indicators ------------------------------------------


@dataclass
class Built:
    cells: dict
    relations: list
    categories: list
    bounds: list


@st.composite
def survey_tables(draw, partitions=False, max_districts=2, max_estates=3):
    thresholds = Thresholds(
        default=draw(st.integers(3, 6)), sensitive=draw(st.integers(6, 10))
    )
    n_categories = draw(st.integers(1, 3))
    sensitive = [draw(st.booleans()) for _ in range(n_categories)]
    categories = [f"c{i}" for i in range(n_categories)]
    exclusive = partitions and n_categories >= 2 and draw(st.booleans())
    # A required single-choice question: every respondent picks exactly one category.
    required = exclusive and draw(st.booleans())
    districts = {
        f"d{d}": [f"d{d}e{e}" for e in range(draw(st.integers(1, max_estates)))]
        for d in range(draw(st.integers(1, max_districts)))
    }
    # Respondents assigned to a district directly form a leaf of their own.
    leaves = {}
    for district, estates in districts.items():
        for leaf in [*estates, f"{district}+"]:
            if leaf.endswith("+") and not draw(st.booleans()):
                continue
            respondents = draw(st.integers(0, 14))
            counts = []
            budget = respondents
            for index, _ in enumerate(categories):
                if required and index == n_categories - 1:
                    count = budget
                else:
                    count = draw(st.integers(0, budget if exclusive else respondents))
                if exclusive:
                    budget -= count
                counts.append(count)
            leaves[leaf] = (respondents, counts)

    def value(node, index):
        """Respondents (index None) or one category's count, summed over the node's leaves."""
        if node == "city":
            members = list(leaves)
        elif node in districts:
            members = [*districts[node], f"{node}+"]
        else:
            members = [node]
        if index is None:
            return sum(leaves[m][0] for m in members if m in leaves)
        return sum(leaves[m][1][index] for m in members if m in leaves)

    nodes = ["city", *districts, *(e for es in districts.values() for e in es)]
    cells = {}
    for node in nodes:
        cells[("R", node)] = Cell(value(node, None), thresholds.default)
        for i, category in enumerate(categories):
            cells[("C", node, category)] = Cell(
                value(node, i), thresholds.for_category(sensitive[i])
            )
    relations = []
    for district, estates in districts.items():
        rest = f"{district}+"
        for index in [None, *range(n_categories)]:
            key = ("R",) if index is None else ("C",)
            suffix = () if index is None else (categories[index],)
            threshold = (thresholds.default if index is None
                         else thresholds.for_category(sensitive[index]))
            parts = [(*key, e, *suffix) for e in estates]
            cells[(*key, rest, *suffix)] = Cell(value(rest, index) if rest in leaves else 0,
                                                threshold, shown=False)
            parts.append((*key, rest, *suffix))
            relations.append(Relation((*key, district, *suffix), tuple(parts)))
    for index in [None, *range(n_categories)]:
        key = ("R",) if index is None else ("C",)
        suffix = () if index is None else (categories[index],)
        relations.append(
            Relation((*key, "city", *suffix), tuple((*key, d, *suffix) for d in districts))
        )
    if exclusive:
        for node in nodes:
            skipped = cells[("R", node)].value - sum(
                cells[("C", node, c)].value for c in categories
            )
            parts = tuple(("C", node, c) for c in categories)
            if not required:
                # How many skipped the question: nobody sees it, nobody needs it protected.
                cells[("skip", node)] = Cell(skipped, None, shown=False)
                parts = (*parts, ("skip", node))
            relations.append(Relation(("R", node), parts))
    # A category's count never exceeds the respondents of its area.
    bounds = [
        AtMost(key, ("R", key[1])) for key in cells if key[0] == "C"
    ]
    return Built(cells, relations, categories, bounds)


def check(built: Built, bounds: bool = True):
    protection = protect(built.cells, built.relations, built.bounds)
    hidden = protection.hidden
    # 1. No number between 1 and its threshold is published.
    for key, cell in built.cells.items():
        if cell.shown and key not in hidden:
            assert not primary_unsafe(cell.value, cell.threshold), (key, cell)
        if primary_unsafe(cell.value, cell.threshold):
            assert key in hidden, key
    # Zeros and known constants are never hidden.
    assert all(built.cells[k].value > 0 and built.cells[k].threshold is not None for k in hidden)
    assert protection.primary <= hidden
    # 2. Nothing hidden is derivable by subtraction (checked independently).
    assert linearly_derivable(built.cells, built.relations, hidden) & hidden == set()
    # 3. Nothing hidden is pinned down by the bounds an outsider knows.
    if bounds and len(unknown_to_outsider(built.cells, hidden)) <= 14:
        pinned = pinned_by_search(built.cells, built.relations, hidden, built.bounds)
        if pinned is not None:
            assert pinned & hidden == set(), pinned
    return protection


# Enough examples to meet the awkward tables (a single estate, one-respondent
# areas, all-zero categories) on every run, few enough to keep the suite quick.
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(survey_tables())
def test_hierarchical_tables_publish_nothing_small_and_nothing_derivable(built):
    check(built)


@PROPERTY
@given(survey_tables(partitions=True))
def test_single_choice_partitions_leave_nothing_derivable_by_subtraction(built):
    check(built)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(survey_tables(max_districts=4, max_estates=5))
def test_bigger_hierarchies_stay_protected(built):
    check(built, bounds=False)


# --- examples a person can follow --------------------------------------------------------


def test_a_small_count_is_hidden_and_a_zero_is_shown():
    cells = {"a": Cell(0, 5), "b": Cell(3, 5), "c": Cell(7, 5)}
    protection = protect(cells, [])
    assert protection.hidden == {"b"}


def test_a_sensitive_category_hides_counts_below_ten():
    thresholds = Thresholds()
    cells = {"addiction": Cell(7, thresholds.for_category(True)),
             "meeting_place": Cell(7, thresholds.for_category(False))}
    assert protect(cells, []).hidden == {"addiction"}


def test_one_hidden_estate_makes_a_second_one_hidden_so_the_district_does_not_give_it_away():
    cells = {"D": Cell(30, 5), "E1": Cell(2, 5), "E2": Cell(8, 5), "E3": Cell(20, 5)}
    protection = protect(cells, [Relation("D", ("E1", "E2", "E3"))])
    # The smallest other estate is the cheapest complement.
    assert protection.hidden == {"E1", "E2"}
    assert protection.secondary == {"E2"}


def test_two_hidden_cells_that_add_up_to_two_need_a_third():
    # E1 = E2 = 1 would both be pinned: hidden means at least 1.
    cells = {"D": Cell(12, 5), "E1": Cell(1, 5), "E2": Cell(1, 5), "E3": Cell(10, 5)}
    protection = protect(cells, [Relation("D", ("E1", "E2", "E3"))])
    assert protection.hidden == {"E1", "E2", "E3"}


def test_respondents_assigned_to_the_district_directly_are_protected_too():
    # D = E1 + E2 + direct: with both estates shown, the 2 direct respondents
    # would be D - E1 - E2.
    cells = {"D": Cell(22, 5), "E1": Cell(10, 5), "E2": Cell(10, 5),
             "direct": Cell(2, 5, shown=False)}
    protection = protect(cells, [Relation("D", ("E1", "E2", "direct"))])
    assert "direct" in protection.hidden
    assert protection.hidden & {"D", "E1", "E2"}


def test_a_hidden_district_is_protected_in_the_city_sum_as_well():
    cells = {
        "city": Cell(40, 5), "D1": Cell(4, 5), "D2": Cell(36, 5),
        "E11": Cell(4, 5), "E21": Cell(16, 5), "E22": Cell(20, 5),
    }
    relations = [Relation("city", ("D1", "D2")), Relation("D1", ("E11",)),
                 Relation("D2", ("E21", "E22"))]
    protection = protect(cells, relations)
    assert {"D1", "E11"} <= protection.hidden
    # city - D2 would give D1: something in the city sum must go as well.
    assert protection.hidden & {"city", "D2"}
    assert audit(cells, relations, protection.hidden) == set()


def test_a_relation_that_does_not_add_up_is_refused():
    with pytest.raises(ValueError, match="add up"):
        protect({"D": Cell(10, 5), "E": Cell(3, 5)}, [Relation("D", ("E",))])


def test_thresholds_below_three_or_a_sensitive_one_below_the_default_are_refused():
    with pytest.raises(ValueError):
        Thresholds(default=2)
    with pytest.raises(ValueError):
        Thresholds(default=6, sensitive=5)


def test_shares_and_changes_are_shown_only_when_every_number_behind_them_is():
    assert share_shown(False, False)
    assert not share_shown(True, False) and not share_shown(False, True)
    assert change_shown(False, False)
    assert not change_shown(True, False) and not change_shown(False, True)
    assert not change_shown(False, None)


def test_the_checkers_themselves_catch_a_leak():
    # Without protection the single hidden estate is D - E2 - E3.
    cells = {"D": Cell(30, 5), "E1": Cell(2, 5), "E2": Cell(8, 5), "E3": Cell(20, 5)}
    relations = [Relation("D", ("E1", "E2", "E3"))]
    assert linearly_derivable(cells, relations, {"E1"}) == {"E1"}
    two = {"D": Cell(12, 5), "E1": Cell(1, 5), "E2": Cell(1, 5), "E3": Cell(10, 5)}
    assert pinned_by_search(two, [Relation("D", ("E1", "E2", "E3"))], {"E1", "E2"}) == {
        "E1", "E2"
    }


def test_the_docstring_examples_of_the_rule_run():
    import doctest

    from surveys import disclosure

    result = doctest.testmod(disclosure)
    assert result.attempted > 0 and result.failed == 0
