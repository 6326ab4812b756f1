"""The catalogue's rules of what addresses what, and the walking limits: shipped defaults.

Which resource categories and partner sectors address a need category, for
which target groups, and how far people of each target group are expected to
walk to help (the row ``*`` is everyone else). The defaults ship in
``mapping/data/addressing.csv`` (target groups separated by spaces, none: every
group) and ``mapping/data/walking_limits.csv``; ``catalog.install_defaults``
writes the missing ones with the catalogue's own entries, so an admin's changes
are never overwritten and a default rule an admin switched off stays off. The
use cases (who may change them, what is in reach of a need) are
``mapping.services.addressing``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mapping.db.plan_models import AddressingRule, WalkingLimit

DATA = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA / "addressing.csv"
LIMITS_FILE = DATA / "walking_limits.csv"
EVERYONE_ELSE = "*"


@dataclass(frozen=True)
class Rule:
    """Resources of a category (or partners of a sector) address a need category."""

    need_category: str
    vocabulary: str
    code: str
    target_groups: tuple[str, ...] = ()
    active: bool = True
    id: int | None = None

    def applies_to(self, groups: Iterable[str]) -> bool:
        """Whether the rule holds for a need of ``groups`` (no groups on either side: yes)."""
        wanted = set(groups)
        return not self.target_groups or not wanted or bool(wanted & set(self.target_groups))


def default_rules() -> list[Rule]:
    """The shipped rules, in file order (target groups separated by spaces)."""
    with RULES_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            Rule(
                need_category=row["need_category"],
                vocabulary=row["addresser_vocabulary"],
                code=row["addresser_code"],
                target_groups=tuple(row["target_groups"].split()),
            )
            for row in csv.DictReader(handle)
        ]


def default_limits() -> dict[str, int]:
    """The shipped walking limits in metres by target group (``*``: everyone else)."""
    with LIMITS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["target_group"]: int(row["metres"]) for row in csv.DictReader(handle)}


def install_defaults(session: Session) -> int:
    """Insert the default rules and limits that are missing; return how many were added."""
    rules = [
        {
            "need_category": r.need_category,
            "addresser_vocabulary": r.vocabulary,
            "addresser_code": r.code,
            "target_groups": list(r.target_groups),
        }
        for r in default_rules()
    ]
    added = session.execute(
        insert(AddressingRule)
        .values(rules)
        .on_conflict_do_nothing(constraint="uq_addressing_rule")
        .returning(AddressingRule.id)
    ).all()
    limits = [{"target_group": g, "metres": m} for g, m in default_limits().items()]
    added_limits = session.execute(
        insert(WalkingLimit)
        .values(limits)
        .on_conflict_do_nothing(index_elements=["target_group"])
        .returning(WalkingLimit.target_group)
    ).all()
    return len(added) + len(added_limits)
